/*
 * visited.c - an open-addressing set of cell offsets (see visited.h).
 */
#include "config.h"

#include "visited.h"

#include <stdlib.h>

void visited_init(visited *v)
{
	v->slots = NULL;
	v->capacity = 0;
	v->count = 0;
}

void visited_free(visited *v)
{
	free(v->slots);
	visited_init(v);
}

static size_t slot_of(uint64_t key, size_t capacity)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (capacity - 1);
}

static int insert(uint64_t *slots, size_t capacity, uint64_t key)
{
	for (size_t i = slot_of(key, capacity);; i = (i + 1) & (capacity - 1)) {
		if (slots[i] == key)
			return 0;
		if (slots[i] == 0) {
			slots[i] = key;
			return 1;
		}
	}
}

static int grow(visited *v)
{
	size_t capacity = v->capacity ? v->capacity * 2 : 256;
	uint64_t *slots = calloc(capacity, sizeof(*slots));
	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < v->capacity; i++)
		if (v->slots[i] != 0)
			insert(slots, capacity, v->slots[i]);
	free(v->slots);
	v->slots = slots;
	v->capacity = capacity;
	return 0;
}

int visited_add(visited *v, uint64_t offset)
{
	if ((v->count + 1) * 2 > v->capacity && grow(v) != 0)
		return -1;
	int added = insert(v->slots, v->capacity, offset + 1);
	v->count += (size_t)added;
	return added;
}
