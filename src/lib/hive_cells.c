/*
 * hive_cells.c - keys and values through dmarscan's own cell reader
 * (cells.h), the default engine.
 *
 * A key is its nk cell, read in place; its subkey offsets are gathered
 * from the lists on first use.  Looking a child up by name reads only the
 * siblings' name fields; a sibling that cannot be read does not hide the
 * one asked for, but when the name is not found among those that could
 * be read, the lookup fails rather than claim the key is absent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "errors.h"
#include "hive_impl.h"

#define ROOT_CELL_FIELD 36u        /* base block: the root key's offset */

int cells_open(dmar_hive *h, int probe, dmar_error **err)
{
	nk_cell root;
	const char *why = NULL;
	if (probe && cell_nk(&h->cells, le32(h->data + ROOT_CELL_FIELD), &root,
	                     &why) != 0)
		return dmar_error_set(err, DMAR_EFORMAT, "cannot read its root key: "
		                      "%s", why);
	return 0;
}

/* A key for the cell at 'rel', counted against the key budget. */
static int make_key(dmar_hive *h, uint32_t rel, const char *what, hkey **out)
{
	*out = NULL;
	if (hive_count_key(h) != 0)
		return -1;
	hkey *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		hive_set_error(h, "out of memory");
		return -1;
	}
	const char *why = NULL;
	if (cell_nk(&h->cells, rel, &k->nk, &why) != 0) {
		hive_set_error(h, "%.200s: %s (cell 0x%08x)", what, why, rel);
		free(k);
		return -1;
	}
	k->hive = h;
	*out = k;
	return 1;
}

int cells_root(dmar_hive *h, hkey **out)
{
	return make_key(h, le32(h->data + ROOT_CELL_FIELD),
	                "cannot read the root key", out);
}

/* The subkey offsets, gathered once: 0, or -1 when a list is damaged
 * (the entries that could be read are kept). */
static int load_subkeys(hkey *k)
{
	if (k->subkeys_state == 0) {
		const char *why = NULL;
		int rc = cell_subkeys(&k->hive->cells, &k->nk, MAX_SUBKEYS_PER_KEY,
		                      &k->subkeys, &k->n_subkeys, &why);
		k->subkeys_state = rc == 0 ? 1 : -1;
		if (rc != 0)
			hive_set_error(k->hive, "cannot read the subkeys of %s: %s",
			               cells_name(k), why);
	}
	return k->subkeys_state == 1 ? 0 : -1;
}

/* Find 'name' among the key cells 'subs': 1 with *found set, 0 absent,
 * -1 when it is not among those read and some could not be read
 * ('damaged': the list itself was cut short). */
static int find_child(dmar_hive *h, const uint32_t *subs, uint32_t n,
                      int damaged, const char *name, nk_cell *found)
{
	size_t len = strlen(name);
	const char *why = NULL;
	for (uint32_t i = 0; i < n; i++) {
		if (cell_nk(&h->cells, subs[i], found, &why) != 0) {
			damaged = 1;
			continue;
		}
		if (cell_name_equals(found->name, found->name_size,
		                     found->name_latin1, name, len))
			return 1;
	}
	if (!damaged)
		return 0;
	hive_set_error(h, "cannot read key %.150s: %s", name,
	               why ? why : "its parent's subkey list is damaged");
	return -1;
}

int cells_open_child(hkey *parent, const char *name, hkey **out)
{
	nk_cell nk;
	int damaged = load_subkeys(parent) != 0;
	int r = find_child(parent->hive, parent->subkeys, parent->n_subkeys,
	                   damaged, name, &nk);
	return r == 1 ? make_key(parent->hive, nk.self, "cannot read a key", out) : r;
}

/* Walk a backslash-separated path; only the last key is counted and
 * made. */
int cells_open_path(hkey *parent, const char *path, hkey **out)
{
	dmar_hive *h = parent->hive;
	char *copy = strdup(path);
	if (copy == NULL) {
		hive_set_error(h, "out of memory");
		return -1;
	}
	nk_cell at = parent->nk;
	int r = 1;
	char *save = NULL;
	for (char *name = strtok_r(copy, "\\", &save); name != NULL && r == 1;
	     name = strtok_r(NULL, "\\", &save)) {
		uint32_t *subs = NULL, n = 0;
		const char *why = NULL;
		int damaged = cell_subkeys(&h->cells, &at, MAX_SUBKEYS_PER_KEY, &subs,
		                           &n, &why) != 0;
		nk_cell next;
		r = find_child(h, subs, n, damaged, name, &next);
		free(subs);
		if (r == 1)
			at = next;
	}
	free(copy);
	return r == 1 ? make_key(h, at.self, "cannot read a key", out) : r;
}

int cells_subkey_count(hkey *k, int *count)
{
	int rc = load_subkeys(k);
	*count = (int)k->n_subkeys;
	return rc == 0 ? 1 : -1;
}

int cells_subkey_at(hkey *k, int index, hkey **out)
{
	load_subkeys(k);
	if (index < 0 || (uint32_t)index >= k->n_subkeys) {
		hive_set_error(k->hive, "cannot read subkey %d of %s", index,
		               cells_name(k));
		return -1;
	}
	return make_key(k->hive, k->subkeys[index], "cannot read subkey", out);
}

const char *cells_name(hkey *k)
{
	static _Thread_local char buf[UINT16_MAX * 2 + 1];
	cell_name_utf8(k->nk.name, k->nk.name_size, k->nk.name_latin1, buf);
	return buf;
}

/* ---- Values -------------------------------------------------------------------- */

static int load_value(hkey *k, const vk_cell *vk, dmar_arena *a, hive_value *out)
{
	memset(out, 0, sizeof(*out));
	out->present = 1;
	out->type = vk->type;
	uint8_t *data = hive_value_buffer(a, out, vk->size);
	if (data == NULL)
		return vk->size == 0 || vk->size > HIVE_VALUE_MAX_LOAD ? 0 : -1;
	const char *why = NULL;
	if (cell_value_data(&k->hive->cells, vk, data, &why) != 0) {
		hive_set_error(k->hive, "cannot read value data: %s", why);
		out->unreadable = 1;
		return -1;
	}
	out->data = data;
	return 0;
}

/* The value list: 0, or -1 (error set). */
static int value_list(hkey *k, const uint8_t **offsets, uint32_t *n)
{
	const char *why = NULL;
	if (cell_values(&k->hive->cells, &k->nk, offsets, n, &why) == 0)
		return 0;
	hive_set_error(k->hive, "cannot read the value list: %s", why);
	return -1;
}

int cells_get_values(hkey *k, dmar_arena *a, const char *const *names,
                     hive_value *out, size_t n)
{
	const uint8_t *offsets;
	uint32_t count;
	size_t lens[8];
	int rc = 0;
	if (value_list(k, &offsets, &count) != 0)
		return -1;
	for (size_t j = 0; j < n && j < sizeof(lens) / sizeof(*lens); j++)
		lens[j] = strlen(names[j]);
	for (uint32_t i = 0; i < count; i++) {
		vk_cell vk;
		const char *why = NULL;
		if (hive_count_value(k->hive) != 0)
			return -1;
		if (cell_vk(&k->hive->cells, le32(offsets + 4 * i), &vk, &why) != 0) {
			hive_set_error(k->hive, "cannot read a value: %s", why);
			rc = -1;
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			size_t len = j < sizeof(lens) / sizeof(*lens) ? lens[j]
			                                              : strlen(names[j]);
			if (!out[j].present &&
			    cell_name_equals(vk.name, vk.name_size, vk.name_latin1,
			                     names[j], len)) {
				if (load_value(k, &vk, a, &out[j]) != 0)
					rc = -1;
				break;
			}
		}
	}
	return rc;
}

int cells_value_count(hkey *k, int *count)
{
	const uint8_t *offsets;
	uint32_t n = 0;
	int rc = value_list(k, &offsets, &n);
	*count = (int)n;
	return rc == 0 ? 1 : -1;
}

int cells_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                   hive_value *out)
{
	const uint8_t *offsets;
	uint32_t n = 0;
	vk_cell vk;
	const char *why = NULL;
	if (value_list(k, &offsets, &n) != 0)
		return -1;
	if (index < 0 || (uint32_t)index >= n) {
		hive_set_error(k->hive, "cannot read value %d: the list holds %u",
		               index, n);
		return -1;
	}
	if (cell_vk(&k->hive->cells, le32(offsets + 4 * (uint32_t)index), &vk,
	            &why) != 0) {
		hive_set_error(k->hive, "cannot read a value: %s", why);
		return -1;
	}
	char *buf = arena_alloc(a, (size_t)vk.name_size * 3 + 1);
	if (buf == NULL)
		return -1;
	cell_name_utf8(vk.name, vk.name_size, vk.name_latin1, buf);
	*name = buf;
	return load_value(k, &vk, a, out) == 0 ? 1 : -1;
}

int cells_security_descriptor(hkey *k, const uint8_t **sd, size_t *size)
{
	uint32_t n = 0;
	const char *why = NULL;
	int r = cell_security(&k->hive->cells, &k->nk, sd, &n, &why);
	if (r < 0)
		hive_set_error(k->hive, "cannot read the security descriptor: %s", why);
	*size = n;
	return r;
}
