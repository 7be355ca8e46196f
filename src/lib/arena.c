/*
 * arena.c - bump allocator behind every report (see arena.h for why).
 */
#include "config.h"

#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct dmar_arena {
	struct arena_block *head;
	int failed;
};

dmar_arena *arena_new(void)
{
	return calloc(1, sizeof(dmar_arena));
}

void arena_free(dmar_arena *a)
{
	if (a == NULL)
		return;
	struct arena_block *b = a->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

int arena_failed(const dmar_arena *a)
{
	return a == NULL || a->failed;
}

static struct arena_block *arena_grow(dmar_arena *a, size_t need)
{
	size_t size = need > ARENA_BLOCK_SIZE ? need : ARENA_BLOCK_SIZE;
	if (size > SIZE_MAX - sizeof(struct arena_block))
		return NULL;
	struct arena_block *b = malloc(sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->size = size;
	b->used = 0;
	b->next = a->head;
	a->head = b;
	return b;
}

void *arena_alloc(dmar_arena *a, size_t size)
{
	if (a == NULL || a->failed)
		return NULL;
	const size_t align = alignof(max_align_t);
	if (size > SIZE_MAX - align) {
		a->failed = 1;
		return NULL;
	}
	size_t rounded = (size + align - 1) & ~(align - 1);
	if (rounded == 0)
		rounded = align;
	struct arena_block *b = a->head;
	if (b == NULL || b->size - b->used < rounded) {
		b = arena_grow(a, rounded);
		if (b == NULL) {
			a->failed = 1;
			return NULL;
		}
	}
	void *p = b->data + b->used;
	b->used += rounded;
	memset(p, 0, size);
	return p;
}

void *arena_calloc(dmar_arena *a, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size) {
		if (a != NULL)
			a->failed = 1;
		return NULL;
	}
	return arena_alloc(a, count * size);
}

char *arena_strndup(dmar_arena *a, const char *s, size_t n)
{
	if (s == NULL)
		return NULL;
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);
	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

char *arena_strdup(dmar_arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(dmar_arena *a, const char *fmt, va_list ap)
{
	/* most strings (registry paths) fit the stack: formatted once */
	char small[512];
	va_list copy;
	va_copy(copy, ap);
	int len = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (len < 0) {
		if (a != NULL)
			a->failed = 1;
		return NULL;
	}
	char *p = arena_alloc(a, (size_t)len + 1);
	if (p != NULL && (size_t)len < sizeof(small))
		memcpy(p, small, (size_t)len + 1);
	else if (p != NULL)
		vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

char *arena_printf(dmar_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_vec_init(arena_vec *v, size_t item_size)
{
	v->items = NULL;
	v->count = 0;
	v->capacity = 0;
	v->item_size = item_size;
}

void *arena_vec_push(dmar_arena *a, arena_vec *v)
{
	if (v->count == v->capacity) {
		size_t cap = v->capacity ? v->capacity * 2 : 8;
		void *items = arena_calloc(a, cap, v->item_size);
		if (items == NULL)
			return NULL;
		if (v->count)
			memcpy(items, v->items, v->count * v->item_size);
		v->items = items;
		v->capacity = cap;
	}
	void *slot = (unsigned char *)v->items + v->count * v->item_size;
	memset(slot, 0, v->item_size);
	v->count++;
	return slot;
}

void arena_strlist_init(arena_strlist *l)
{
	arena_vec_init(&l->vec, sizeof(const char *));
}

int arena_strlist_add(dmar_arena *a, arena_strlist *l, const char *s)
{
	if (s == NULL)
		return -1;
	const char **slot = arena_vec_push(a, &l->vec);
	if (slot == NULL)
		return -1;
	*slot = s;
	return 0;
}

int arena_strlist_addf(dmar_arena *a, arena_strlist *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return arena_strlist_add(a, l, s);
}
