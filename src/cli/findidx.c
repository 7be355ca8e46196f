/*
 * findidx.c - see findidx.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "findidx.h"

static int cmp_finding(const void *a, const void *b)
{
	const dmar_finding *x = *(const dmar_finding *const *)a;
	const dmar_finding *y = *(const dmar_finding *const *)b;
	int c = strcmp(x->instance_id, y->instance_id);
	return c ? c : (x < y ? -1 : x > y);   /* keep the report's order */
}

void finding_index_build(finding_index *ix, const dmar_control_set *set,
                         dmar_severity min)
{
	ix->n = 0;
	ix->items = malloc((set->n_findings + 1) * sizeof(*ix->items));
	if (ix->items == NULL)
		return;
	for (size_t i = 0; i < set->n_findings; i++)
		if (set->findings[i].instance_id != NULL &&
		    set->findings[i].severity >= min)
			ix->items[ix->n++] = &set->findings[i];
	qsort(ix->items, ix->n, sizeof(*ix->items), cmp_finding);
}

size_t finding_index_find(const finding_index *ix, const char *instance_id,
                          size_t *first)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->items[mid]->instance_id, instance_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < ix->n && strcmp(ix->items[end]->instance_id, instance_id) == 0)
		end++;
	*first = lo;
	return end - lo;
}

void finding_index_free(finding_index *ix)
{
	free(ix->items);
	ix->items = NULL;
	ix->n = 0;
}
