/*
 * report.c - lookups and summaries over a finished report, and its release.
 */
#include "config.h"

#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

int report_driver_cmp(const void *a, const void *b)
{
	return text_casecmp(((const dmar_driver *)a)->name,
	                    ((const dmar_driver *)b)->name);
}

static int device_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const dmar_device *const *)a)->instance_id,
	              (*(const dmar_device *const *)b)->instance_id);
}

int report_index_devices(dmar_arena *a, dmar_control_set *set)
{
	const dmar_device **ix = arena_calloc(a, set->n_devices + 1, sizeof(*ix));
	if (ix == NULL)
		return -1;
	for (size_t i = 0; i < set->n_devices; i++)
		ix[i] = &set->devices[i];
	if (set->n_devices > 1)
		qsort(ix, set->n_devices, sizeof(*ix), device_ptr_cmp);
	set->by_instance_id = ix;
	return 0;
}

const dmar_device *dmar_find_device(const dmar_control_set *set,
                                    const char *instance_id)
{
	if (set == NULL || instance_id == NULL || set->n_devices == 0 ||
	    set->by_instance_id == NULL)
		return NULL;
	dmar_device like = { .instance_id = instance_id };
	const dmar_device *key = &like;
	const dmar_device *const *hit = bsearch(&key, set->by_instance_id,
	                                         set->n_devices,
	                                         sizeof(*set->by_instance_id),
	                                         device_ptr_cmp);
	return hit ? *hit : NULL;
}

const dmar_driver *dmar_find_driver(const dmar_control_set *set,
                                    const char *name)
{
	if (set == NULL || name == NULL || set->n_drivers == 0)
		return NULL;
	dmar_driver like = { .name = name };
	return bsearch(&like, set->drivers, set->n_drivers, sizeof(*set->drivers),
	               report_driver_cmp);
}

dmar_level *report_stack_levels(dmar_arena *a, const dmar_device *d,
                                int promote)
{
	dmar_level *levels = arena_calloc(a, d->n_stack + 1, sizeof(*levels));
	for (size_t i = 0; levels != NULL && i < d->n_stack; i++)
		levels[i] = promote ? d->stack[i].driver->level
		                    : dmar_level_from_compatible(&d->stack[i].driver->compatible, 0);
	return levels;
}

unsigned dmar_report_generations(const dmar_report *r)
{
	switch (r->rules) {
	case DMAR_RULES_PRE_24H2: return DMAR_GEN_BIT(DMAR_GEN_PRE_24H2);
	case DMAR_RULES_24H2: return DMAR_GEN_BIT(DMAR_GEN_24H2);
	default: return DMAR_GEN_ALL;
	}
}

size_t dmar_report_count_at_least(const dmar_report *r, dmar_severity min)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_sets; i++)
		for (size_t j = 0; j < r->sets[i].n_findings; j++)
			if (r->sets[i].findings[j].severity >= min)
				n++;
	return n;
}

void dmar_report_free(dmar_report *report)
{
	if (report == NULL)
		return;
	arena_free(report->arena);
	free(report);
}
