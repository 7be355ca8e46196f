/*
 * collect.h - turn one control set of a SYSTEM hive into plain records.
 *
 * Reads Enum\PCI (every device instance), Control\Class (class filters and
 * names), Services (every driver in a device stack and every service that
 * holds a DMA remapping value) and the Driver Verifier settings.  Nothing
 * is decided here: the policy and the findings are computed afterwards from
 * these records.
 */
#ifndef DMAR_COLLECT_H
#define DMAR_COLLECT_H

#include <dmarscan.h>

#include "arena.h"
#include "hive.h"
#include "visited.h"

typedef struct collect_sink {
	dmar_arena *arena;
	arena_strlist *problems;   /* parts that could not be read */
	arena_strlist *warnings;   /* oddities worth a line */
	arena_strlist *limits;     /* bounds of bounds.h reached */
	visited *cells;            /* key cells entered in this hive */
	size_t *shared;            /* shared cells skipped so far */
} collect_sink;

/* Shared cells named one by one in the warnings; the rest are counted. */
#define COLLECT_SHARED_NAMED 10

/* Record k's cell; 1 when new, 0 when already entered (a shared cell of a
 * damaged or hostile hive: a warning names it), -1 out of memory. */
int collect_first_visit(collect_sink *sink, hkey *k, const char *parent_path);

/* Record that a bound of bounds.h stopped a walk: what was not read. */
void collect_limit(collect_sink *sink, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record that 'path' (a key read through k) could not be read, with
 * libregf's reason. */
void collect_problem(collect_sink *sink, const char *path, hkey *k);

/* The i-th subkey of k (named 'path'), or NULL when it cannot be read
 * (reported) or its cell was entered before: in 'cells' when given (a walk
 * of its own, silently), else in the sink's (with a warning). */
hkey *collect_subkey(collect_sink *sink, visited *cells, hkey *k, int i,
                     const char *path);

/* The class code the HardwareID and CompatibleIDs values spell, into
 * out[7] ("" when none does). */
void collect_class_code(dmar_arena *a, const hive_value *hardware_ids,
                        const hive_value *compatible_ids, char out[7]);

/* Fill 'out' from the control set key 'cs' named out->name.  Returns 0, or
 * -1 when memory ran out (read problems are reported through the sink and
 * the collection goes on with the rest). */
int collect_control_set(hkey *cs, collect_sink *sink, dmar_control_set *out);

/* Build a dmar_value from a raw value (present or not). */
void collect_value(dmar_arena *a, const hive_value *raw, dmar_value_kind kind,
                   const char *path, dmar_value *out);

/* Text of a REG_SZ / REG_EXPAND_SZ value, NULL otherwise. */
const char *collect_string(dmar_arena *a, const hive_value *raw);

/* The strings of a REG_MULTI_SZ value (or the one string of a REG_SZ):
 * their count with *out set, 0 when none, -1 when memory ran out. */
int collect_list(dmar_arena *a, const hive_value *raw, const char ***out);

#endif /* DMAR_COLLECT_H */
