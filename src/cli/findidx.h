/*
 * findidx.h - the findings about each device of a control set, by instance
 * id: writers that show a device's rules look them up by binary search
 * instead of passing over every finding for every device.
 */
#ifndef DMAR_FINDIDX_H
#define DMAR_FINDIDX_H

#include <dmarscan.h>
#include <stddef.h>

typedef struct finding_index {
	const dmar_finding **items;   /* about a device, by instance id, then
	                                 in the report's order */
	size_t n;
} finding_index;

/* Index the findings of 'set' at 'min' or above (an empty index when
 * memory runs out). */
void finding_index_build(finding_index *ix, const dmar_control_set *set,
                         dmar_severity min);

/* The findings about one device: *first and the count returned. */
size_t finding_index_find(const finding_index *ix, const char *instance_id,
                          size_t *first);

void finding_index_free(finding_index *ix);

#endif /* DMAR_FINDIDX_H */
