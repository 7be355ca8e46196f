/*
 * hive.h - the library's only window on libregf and libbfio.
 *
 * A hive is read once, read-only, into memory; its base block is checked
 * here; libregf then parses the in-memory copy through a libbfio memory
 * range.  Upstream code sees keys (hkey) and raw values (hive_value) and
 * nothing of libregf.  Every lookup distinguishes "absent" (0) from "could
 * not be read" (-1, with hive_last_error() saying why), because a damaged
 * hive must be reported, not mistaken for a clean one.
 */
#ifndef DMAR_HIVE_H
#define DMAR_HIVE_H

#include <dmarscan.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "arena.h"

/* Values bigger than HIVE_VALUE_MAX_LOAD (bounds.h) are reported with their
 * size but not loaded. */

typedef struct hkey hkey;

typedef struct hive_value {
	int present;
	uint32_t type;
	uint32_t size;            /* the data size the value declares */
	const uint8_t *data;      /* in the arena; NULL when absent, too big or
	                             unreadable */
	int unreadable;           /* the data could not be read */
} hive_value;

/* The number of a REG_DWORD with exactly four bytes of data: 1, else 0. */
int hive_value_dword(const hive_value *v, uint32_t *out);

/* Wait for the sha256 of the image as read (info.sha256; a thread
 * computes it while the image is read): before the
 * image is changed or freed, and before the hash is read. */
void hive_hash_wait(dmar_hive *h);

/* The hive's details while its sha256 may still be being computed. */
const dmar_hive_info *hive_info_early(const dmar_hive *h);

/* The message of the last failed operation on this hive ("" if none). */
const char *hive_last_error(const dmar_hive *h);

/* The hive-wide budgets of bounds.h: keys and values read.  A read past
 * one fails (-1, hive_last_error() says which limit); the scan resets them
 * when it starts and reports those reached. */
enum { HIVE_LIMIT_KEYS = 1, HIVE_LIMIT_VALUES = 2 };
#define HIVE_LIMIT_ERROR "limit reached: "   /* starts hive_last_error() */
void hive_budget_reset(dmar_hive *h, uint32_t max_keys, uint32_t max_values);
unsigned hive_limits_reached(const dmar_hive *h);

/* The root key.  Returns 1, or -1 on error. */
int hive_root(dmar_hive *h, hkey **out);

/* Open a descendant by a backslash-separated path (case-insensitive).
 * Returns 1 when found, 0 when absent, -1 when it could not be read. */
int hkey_open(hkey *parent, const char *path, hkey **out);

/* Open a direct child by name.  Unlike hkey_open, a backslash in 'name' is
 * part of the name: use this for names read from the hive (service names,
 * class GUIDs), which must never be taken for paths.  Returns 1/0/-1. */
int hkey_open_child(hkey *parent, const char *name, hkey **out);

/* Number of subkeys and the subkey at an index (1 / -1). */
int hkey_subkey_count(hkey *k, int *count);
int hkey_subkey_at(hkey *k, int index, hkey **out);

/* File offset of the key's cell: the same offset twice in one walk means a
 * shared cell (a hostile hive).  Returns 1, or -1. */
int hkey_offset(hkey *k, uint64_t *offset);

/* The hive a key belongs to. */
const dmar_hive *hkey_hive(const hkey *k);

/* Name of the key, valid UTF-8 (lives as long as the key). */
const char *hkey_name(hkey *k);

/* Last-written FILETIME (0 when unreadable). */
uint64_t hkey_last_written(hkey *k);

/* Read the values named in 'names' (case-insensitive; "" is the default
 * value) into out[i], copying data into the arena.  Absent values get
 * present = 0.  Returns 0, or -1 when the value list could not be read
 * (the values read before the failure are kept). */
int hkey_get_values(hkey *k, dmar_arena *a, const char *const *names,
                    hive_value *out, size_t n);

/* One value by name: 1 found, 0 absent, -1 error. */
int hkey_get_value(hkey *k, dmar_arena *a, const char *name, hive_value *out);

/* Every value in turn: the count (1 / -1), and the value at an index with
 * its name (1 / -1). */
int hkey_value_count(hkey *k, int *count);
int hkey_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                  hive_value *out);

/* The key's security descriptor (self-relative, as stored in its sk cell)
 * copied into the arena: 1, 0 when it has none, -1 when unreadable. */
int hkey_security_descriptor(hkey *k, dmar_arena *a, const uint8_t **data,
                             size_t *size);

void hkey_free(hkey *k);

#endif /* DMAR_HIVE_H */
