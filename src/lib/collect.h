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

typedef struct collect_sink {
	dmar_arena *arena;
	arena_strlist *problems;   /* parts that could not be read */
	arena_strlist *warnings;   /* oddities worth a line */
} collect_sink;

/* Fill 'out' from the control set key 'cs' named out->name.  Returns 0, or
 * -1 when memory ran out (read problems are reported through the sink and
 * the collection goes on with the rest). */
int collect_control_set(hkey *cs, collect_sink *sink, dmar_control_set *out);

/* Build a dmar_value from a raw value (present or not). */
void collect_value(dmar_arena *a, const hive_value *raw, dmar_value_kind kind,
                   const char *path, dmar_value *out);

/* Text of a REG_SZ / REG_EXPAND_SZ value, NULL otherwise. */
const char *collect_string(dmar_arena *a, const hive_value *raw);

#endif /* DMAR_COLLECT_H */
