/*
 * strmap.c - open-addressing string map (see strmap.h).
 */
#include "config.h"

#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>

#include "text.h"

void strmap_init(strmap *m)
{
	m->slots = NULL;
	m->capacity = 0;
	m->count = 0;
}

void strmap_free(strmap *m)
{
	free(m->slots);
	strmap_init(m);
}

static size_t hash_nocase(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a over folded bytes */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		h = (h ^ c) * 1099511628211ull;
	}
	return (size_t)h;
}

static strmap_slot *find_slot(strmap_slot *slots, size_t capacity,
                              const char *key)
{
	for (size_t i = hash_nocase(key) & (capacity - 1);;
	     i = (i + 1) & (capacity - 1))
		if (slots[i].key == NULL || text_casecmp(slots[i].key, key) == 0)
			return &slots[i];
}

static int grow(strmap *m)
{
	size_t capacity = m->capacity ? m->capacity * 2 : 64;
	strmap_slot *slots = calloc(capacity, sizeof(*slots));
	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < m->capacity; i++)
		if (m->slots[i].key != NULL)
			*find_slot(slots, capacity, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->capacity = capacity;
	return 0;
}

int strmap_put(strmap *m, const char *key, size_t value)
{
	if ((m->count + 1) * 2 > m->capacity && grow(m) != 0)
		return -1;
	strmap_slot *slot = find_slot(m->slots, m->capacity, key);
	if (slot->key == NULL) {
		slot->key = key;
		slot->value = value;
		m->count++;
	}
	return 0;
}

int strmap_get(const strmap *m, const char *key, size_t *value)
{
	if (m->capacity == 0)
		return 0;
	strmap_slot *slot = find_slot(m->slots, m->capacity, key);
	if (slot->key == NULL)
		return 0;
	*value = slot->value;
	return 1;
}
