/*
 * idtable.h - tables of PCI identities kept as data users can extend.
 *
 * A table file has one entry per line: MATCH KIND FAMILY DESCRIPTION, where
 * MATCH is hardware-id tokens joined by '&' (VEN_8086&DEV_15EA, CC_0C0340,
 * VEN_10EE&DEV_0666&SUBSYS_000710EE, or SUBSYS_000710EE alone for any vendor).
 * Every token given must match; a CC_ token matches a class-code prefix.
 * The built-in tables are the files of data/, embedded at build time and
 * parsed by the same code as the user's files.
 */
#ifndef DMAR_IDTABLE_H
#define DMAR_IDTABLE_H

#include <dmarscan.h>
#include <stddef.h>

#include "arena.h"

typedef enum port_kind {
	PORT_HOST_ROUTER = 0,     /* devices below: external */
	PORT_TUNNEL_ROOT_PORT,    /* devices below: external */
	PORT_TBT_BRIDGE,          /* below: external but the same family */
	PORT_TBT_FUNCTION         /* part of a discrete controller */
} port_kind;

typedef struct id_match {
	char vendor[5], device[5], subsystem[9], revision[3], class_code[7];
} id_match;

typedef struct id_entry {
	id_match match;
	int kind;                 /* table-specific, e.g. port_kind */
	const char *family;       /* "" for '-' */
	const char *description;
	const char *text;         /* MATCH as written */
	const char *source;       /* "external-ports.ids:42" */
} id_entry;

typedef struct id_list {
	arena_vec entries;        /* id_entry */
} id_list;

/* What a device looks like to a table. */
typedef struct id_subject {
	const char *vendor, *device, *subsystem, *revision, *class_code;
} id_subject;

/* Parse a table's text (lines as above) into 'list'.  'kinds' names the
 * KIND words in order of their values.  Returns 0, or a DMAR_E* code with
 * "SOURCE:LINE: problem" in *err. */
int idlist_parse(id_list *list, dmar_arena *a, const char *text, size_t len,
                 const char *source, const char *const *kinds, size_t n_kinds,
                 dmar_error **err);

/* The last entry matching the subject (later entries win), or NULL. */
const id_entry *idlist_find(const id_list *list, const id_subject *s);

/* The most specific matching entry (the most MATCH tokens; the later one
 * among equals), or NULL: a device of the Xilinx XDMA default identity
 * matches its own line before the line for any vendor with the Xilinx
 * subsystem. */
const id_entry *idlist_find_specific(const id_list *list, const id_subject *s);

/* The port-id table of a dmar_tables (the built-in one when tables is
 * NULL is not available: callers pass what dmar_scan resolved). */
const id_list *tables_port_ids(const dmar_tables *tables);

/* The attack-hardware table (KIND = dmar_severity). */
const id_list *tables_attack_ids(const dmar_tables *tables);

/* Built-in table texts (generated from data/ at build time). */
extern const char builtin_external_ports[];
extern const char builtin_attack_hardware[];

#endif /* DMAR_IDTABLE_H */
