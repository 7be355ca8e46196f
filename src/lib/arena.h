/*
 * arena.h - the memory of one report.
 *
 * Everything a dmar_report points to (strings, arrays of devices, evidence
 * lists) is carved out of one arena and released with it, so the report has
 * one owner and one free, and a damaged hive that makes the scan stop half
 * way cannot leak.  Allocation failure is sticky: after the first failed
 * allocation every later one returns NULL too and arena_failed() says so, so
 * the walkers can check once at the end of a unit of work.
 */
#ifndef DMAR_ARENA_H
#define DMAR_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct dmar_arena dmar_arena;

dmar_arena *arena_new(void);
void arena_free(dmar_arena *a);
int arena_failed(const dmar_arena *a);

/* Zeroed memory aligned for any type. */
void *arena_alloc(dmar_arena *a, size_t size);
void *arena_calloc(dmar_arena *a, size_t count, size_t size);
char *arena_strdup(dmar_arena *a, const char *s);
char *arena_strndup(dmar_arena *a, const char *s, size_t n);
char *arena_printf(dmar_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(dmar_arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * A growable array of fixed-size items inside the arena.  Growing copies to a
 * bigger block; the old block stays in the arena until it is freed, which
 * costs at most the size of the final array again.
 */
typedef struct arena_vec {
	void *items;
	size_t count;
	size_t capacity;
	size_t item_size;
} arena_vec;

void arena_vec_init(arena_vec *v, size_t item_size);
/* Append a zeroed item and return it, or NULL when out of memory. */
void *arena_vec_push(dmar_arena *a, arena_vec *v);

/* A list of strings (evidence lines, warnings). */
typedef struct arena_strlist {
	arena_vec vec;   /* of const char * */
} arena_strlist;

void arena_strlist_init(arena_strlist *l);
int arena_strlist_add(dmar_arena *a, arena_strlist *l, const char *s);
int arena_strlist_addf(dmar_arena *a, arena_strlist *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline size_t arena_strlist_count(const arena_strlist *l)
{
	return l->vec.count;
}
static inline const char **arena_strlist_items(const arena_strlist *l)
{
	return (const char **)l->vec.items;
}

#endif /* DMAR_ARENA_H */
