/*
 * visited.h - the key cells a walk has already entered.
 *
 * In a valid hive every key cell has one parent.  A hostile hive can point
 * many subkey-list entries at the same cell, so that a 16 KB file expands
 * into millions of devices; a walk records each cell's offset and skips a
 * cell it has seen.
 */
#ifndef DMAR_VISITED_H
#define DMAR_VISITED_H

#include <stddef.h>
#include <stdint.h>

typedef struct visited {
	uint64_t *slots;     /* offset + 1; 0 marks an empty slot */
	size_t capacity;     /* a power of two */
	size_t count;
} visited;

void visited_init(visited *v);
void visited_free(visited *v);

/* 1 when 'offset' is new (and now recorded), 0 when seen before, -1 when
 * memory ran out. */
int visited_add(visited *v, uint64_t offset);

#endif /* DMAR_VISITED_H */
