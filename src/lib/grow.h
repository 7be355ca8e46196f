/*
 * grow.h - room for one more item in a malloc'd array, the one way the
 * library and the tool grow their lists.
 */
#ifndef DMAR_GROW_H
#define DMAR_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* The array 'items' (holding 'n', room for *cap) as it is when there is
 * room, else grown: 'first' items at first, then doubled.  NULL when
 * memory ran out or the size would overflow; the array is then
 * unchanged and still the caller's. */
static inline void *grow_for_one(void *items, size_t n, size_t *cap,
                                 size_t item_size, size_t first)
{
	if (n < *cap)
		return items;
	size_t want = *cap ? *cap * 2 : first;
	if (want <= *cap || want > SIZE_MAX / item_size)
		return NULL;
	void *more = realloc(items, want * item_size);
	if (more != NULL)
		*cap = want;
	return more;
}

#endif /* DMAR_GROW_H */
