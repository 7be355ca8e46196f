/*
 * fleet.c - see fleet.h.
 */
#include "config.h"

#include "fleet.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"

static void count(fleet_counts *c, const char *key, size_t hive)
{
	size_t i;
	if (strmap_get(&c->index, key, &i)) {
		c->v[i].items++;
		if (c->v[i].last_hive != hive) {
			c->v[i].hives++;
			c->v[i].last_hive = hive;
		}
		return;
	}
	if (c->n == FLEET_MAX_KEYS) {
		c->dropped++;
		return;
	}
	fleet_count *v = grow_for_one(c->v, c->n, &c->cap, sizeof(*v), 32);
	if (v == NULL)
		return;
	c->v = v;
	char *k = strdup(key);
	if (k == NULL)
		return;
	if (strmap_put(&c->index, k, c->n) != 0) {
		free(k);
		return;
	}
	c->v[c->n++] = (fleet_count){ k, 1, 1, hive };
}

/* A set's devices by instance id, for its findings. */
static void index_devices(strmap *m, const dmar_control_set *set)
{
	for (size_t i = 0; i < set->n_devices; i++)
		if (set->devices[i].instance_id != NULL &&
		    strmap_put(m, set->devices[i].instance_id, i) != 0)
			return;
}

void fleet_add(fleet *f, const dmar_report *r)
{
	size_t hive = ++f->hives;
	for (size_t s = 0; s < r->n_sets; s++) {
		const dmar_control_set *set = &r->sets[s];
		strmap devices;
		strmap_init(&devices);
		index_devices(&devices, set);
		for (size_t i = 0; i < set->n_findings; i++) {
			const dmar_finding *x = &set->findings[i];
			count(&f->rules, x->rule, hive);
			size_t at;
			if (x->severity < DMAR_SEV_MEDIUM || x->instance_id == NULL ||
			    !strmap_get(&devices, x->instance_id, &at))
				continue;
			const dmar_device *d = &set->devices[at];
			char key[600];
			snprintf(key, sizeof(key), "%s:%s %s", d->vendor_id, d->device_id,
			         d->description ? d->description : "");
			count(&f->devices, key, hive);
			for (size_t k = 0; k < d->n_stack; k++)
				if (d->stack[k].driver && d->stack[k].driver->level == DMAR_LEVEL_OPT_OUT)
					count(&f->drivers, d->stack[k].driver->name, hive);
		}
		strmap_free(&devices);
	}
}

static int most_hives(const void *a, const void *b)
{
	const fleet_count *x = a, *y = b;
	if (x->hives != y->hives)
		return x->hives < y->hives ? 1 : -1;
	if (x->items != y->items)
		return x->items < y->items ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void print_top(const fleet_counts *c, FILE *out, const char *title,
                      size_t top)
{
	fprintf(out, "  %s\n", title);
	if (c->n == 0) {
		fprintf(out, "    none\n");
		return;
	}
	fleet_count *sorted = malloc(c->n * sizeof(*sorted));
	if (sorted == NULL)
		return;
	memcpy(sorted, c->v, c->n * sizeof(*sorted));
	qsort(sorted, c->n, sizeof(*sorted), most_hives);
	for (size_t i = 0; i < c->n && i < top; i++) {
		char *k = term_safe(sorted[i].key);
		fprintf(out, "    %-52.52s %6zu %6zu\n", k ? k : "?", sorted[i].items,
		        sorted[i].hives);
		free(k);
	}
	if (c->n > top)
		fprintf(out, "    ... %zu more\n", c->n - top);
	if (c->dropped)
		fprintf(out, "    (%zu more not counted: more than %d distinct)\n",
		        c->dropped, FLEET_MAX_KEYS);
	free(sorted);
}

void fleet_print(const fleet *f, FILE *out, const char *bold, const char *reset)
{
	if (f->hives < 2)
		return;
	fprintf(out, "\n%sFLEET%s  %zu hives analysed\n    %-52s %6s %6s\n", bold,
	        reset, f->hives, "", "count", "hives");
	print_top(&f->rules, out, "findings by rule", 64);
	print_top(&f->devices, out, "risky devices (a finding at medium or above), "
	          "most common first", 10);
	print_top(&f->drivers, out, "drivers opting out on those devices", 10);
}

static void counts_free(fleet_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].key);
	free(c->v);
	strmap_free(&c->index);
}

void fleet_free(fleet *f)
{
	counts_free(&f->rules);
	counts_free(&f->devices);
	counts_free(&f->drivers);
	memset(f, 0, sizeof(*f));
}
