/*
 * strmap.h - a map from strings to indexes, comparing ASCII case-
 * insensitively (as Windows compares instance ids and key names).
 * Keys are borrowed: they must outlive the map.
 */
#ifndef DMAR_STRMAP_H
#define DMAR_STRMAP_H

#include <stddef.h>

typedef struct strmap_slot {
	const char *key;
	size_t value;
} strmap_slot;

typedef struct strmap {
	strmap_slot *slots;
	size_t capacity;      /* a power of two */
	size_t count;
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);

/* Set key -> value unless the key is there already (the first stays).
 * Returns 0, or -1 when memory ran out. */
int strmap_put(strmap *m, const char *key, size_t value);

/* 1 and *value when found, else 0. */
int strmap_get(const strmap *m, const char *key, size_t *value);

#endif /* DMAR_STRMAP_H */
