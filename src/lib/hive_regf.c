/*
 * hive_regf.c - keys and values through libregf (--engine libregf).
 *
 * libregf parses the in-memory image through a libbfio handle of ours
 * (memio.c).  It is the slower reader, kept as an independent second
 * opinion on dmarscan's own (hive_cells.c): same hive.h, same results.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "errors.h"
#include "hive_impl.h"
#include "memio.h"
#include "text.h"

/* ---- Errors ---------------------------------------------------------------- */

/* libregf's backtrace starts with the root cause:
 * "libregf_x: unable to retrieve hive bin at offset: 1866536 (0x001c7b28)."
 * Keep that first line without the function name and the final dot. */
static void regf_error_line(libregf_error_t *e, char *out, size_t size)
{
	char buf[4096];
	out[0] = '\0';
	if (e == NULL || libregf_error_backtrace_sprint(e, buf, sizeof(buf)) < 0)
		return;
	char *line = buf;
	char *nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	char *colon = strstr(line, ": ");
	if (colon != NULL && strncmp(line, "lib", 3) == 0)
		line = colon + 2;
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '.' || line[len - 1] == ' ' ||
	                   line[len - 1] == '\r'))
		line[--len] = '\0';
	snprintf(out, size, "%s", line);
}

static void note_error(dmar_hive *h, libregf_error_t **e, const char *what)
{
	char detail[256];
	regf_error_line(*e, detail, sizeof(detail));
	hive_set_error(h, "%.200s: %.250s", what, detail[0] ? detail : "libregf error");
	libregf_error_free(e);
}

/* ---- Opening ------------------------------------------------------------------- */

/* Open the image with libregf; with 'probe', also read its root key. */
int regf_open(dmar_hive *h, int probe, dmar_error **err)
{
	libregf_error_t *re = NULL;
	if (memio_open(&h->bfio, h->data, h->size) != 0)
		return dmar_error_set(err, DMAR_ENOMEM,
		                      "cannot set up a memory range for libregf");
	if (libregf_file_initialize(&h->regf, &re) != 1) {
		libregf_error_free(&re);
		return dmar_error_set(err, DMAR_ENOMEM, "cannot set up libregf");
	}
	if (libregf_file_open_file_io_handle(h->regf, h->bfio, LIBREGF_OPEN_READ,
	                                     &re) != 1) {
		char detail[256];
		regf_error_line(re, detail, sizeof(detail));
		libregf_error_free(&re);
		libregf_file_free(&h->regf, NULL);
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "libregf cannot open it: %s", detail);
	}
	if (!probe)
		return 0;
	libregf_key_t *root = NULL;
	if (libregf_file_get_root_key(h->regf, &root, &re) == 1) {
		libregf_key_free(&root, NULL);
		return 0;
	}
	char detail[256];
	regf_error_line(re, detail, sizeof(detail));
	libregf_error_free(&re);
	return dmar_error_set(err, DMAR_EFORMAT, "libregf cannot read its root "
	                      "key: %s", detail);
}

void regf_close(dmar_hive *h)
{
	if (h->regf != NULL) {
		libregf_file_close(h->regf, NULL);
		libregf_file_free(&h->regf, NULL);
	}
	if (h->bfio != NULL)
		libbfio_handle_free(&h->bfio, NULL);
}

/* ---- Keys ---------------------------------------------------------------------- */

static hkey *wrap(dmar_hive *h, libregf_key_t *key)
{
	hkey *k = NULL;
	if (hive_count_key(h) == 0 && (k = calloc(1, sizeof(*k))) == NULL)
		hive_set_error(h, "out of memory");
	if (k == NULL) {
		libregf_key_free(&key, NULL);
		return NULL;
	}
	k->hive = h;
	k->key = key;
	return k;
}

int regf_root(dmar_hive *h, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	*out = NULL;
	if (libregf_file_get_root_key(h->regf, &key, &e) != 1) {
		note_error(h, &e, "cannot read the root key");
		return -1;
	}
	*out = wrap(h, key);
	return *out ? 1 : -1;
}

/* Turn a libregf lookup result (1 found, 0 absent, -1 error) into ours. */
static int lookup_result(hkey *parent, int r, libregf_key_t *key,
                         libregf_error_t **e, const char *name, hkey **out)
{
	if (r == 0)
		return 0;
	if (r != 1) {
		char what[200];
		snprintf(what, sizeof(what), "cannot read key %.150s", name);
		note_error(parent->hive, e, what);
		return -1;
	}
	*out = wrap(parent->hive, key);
	return *out ? 1 : -1;
}

int regf_open_path(hkey *parent, const char *path, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	int r = libregf_key_get_sub_key_by_utf8_path(
		parent->key, (const uint8_t *)path, strlen(path), &key, &e);
	return lookup_result(parent, r, key, &e, path, out);
}

int regf_open_child(hkey *parent, const char *name, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	int r = libregf_key_get_sub_key_by_utf8_name(
		parent->key, (const uint8_t *)name, strlen(name), &key, &e);
	return lookup_result(parent, r, key, &e, name, out);
}

int regf_subkey_count(hkey *k, int *count)
{
	libregf_error_t *e = NULL;
	if (libregf_key_get_number_of_sub_keys(k->key, count, &e) != 1) {
		note_error(k->hive, &e, "cannot count subkeys");
		return -1;
	}
	return 1;
}

int regf_subkey_at(hkey *k, int index, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	if (libregf_key_get_sub_key(k->key, index, &key, &e) != 1) {
		note_error(k->hive, &e, "cannot read subkey");
		return -1;
	}
	*out = wrap(k->hive, key);
	return *out ? 1 : -1;
}

/* Names are at most NAME_UNITS_MAX UTF-16 units here; longer ones are cut
 * (they are only compared and shown).  libregf gives host-order UTF-16. */
static void name_to_utf8(const uint16_t *units, size_t n, char *out)
{
	static _Thread_local uint8_t le[NAME_UNITS_MAX * 2];
	if (n > NAME_UNITS_MAX)
		n = NAME_UNITS_MAX;
	for (size_t i = 0; i < n; i++) {
		le[2 * i] = (uint8_t)(units[i] & 0xFF);
		le[2 * i + 1] = (uint8_t)(units[i] >> 8);
	}
	text_utf16le_decode(le, n * 2, out);
}

static _Thread_local uint16_t name_units[NAME_UNITS_MAX + 1];

static int key_name(libregf_key_t *key, char *out)
{
	size_t size = 0;
	if (libregf_key_get_utf16_name_size(key, &size, NULL) != 1 ||
	    size > NAME_UNITS_MAX + 1 ||
	    (size > 0 &&
	     libregf_key_get_utf16_name(key, name_units, size, NULL) != 1))
		return -1;
	name_to_utf8(name_units, size, out);
	return 0;
}

static int value_name(libregf_value_t *v, char *out)
{
	size_t size = 0;
	if (libregf_value_get_utf16_name_size(v, &size, NULL) != 1 ||
	    size > NAME_UNITS_MAX + 1 ||
	    (size > 0 &&
	     libregf_value_get_utf16_name(v, name_units, size, NULL) != 1))
		return -1;
	name_to_utf8(name_units, size, out);
	return 0;
}

int regf_offset(hkey *k, uint64_t *offset)
{
	off64_t off = 0;
	if (libregf_key_get_offset(k->key, &off, NULL) != 1 || off < 0)
		return -1;
	*offset = (uint64_t)off;
	return 1;
}

const char *regf_name(hkey *k)
{
	static _Thread_local char buf[NAME_UNITS_MAX * 3 + 1];
	if (key_name(k->key, buf) != 0)
		snprintf(buf, sizeof(buf), "\xEF\xBF\xBD");   /* U+FFFD: unreadable */
	return buf;
}

uint64_t regf_last_written(hkey *k)
{
	uint64_t t = 0;
	if (libregf_key_get_last_written_time(k->key, &t, NULL) != 1)
		return 0;
	return t;
}

void regf_key_free(hkey *k)
{
	libregf_key_free(&k->key, NULL);
}

/* ---- Values -------------------------------------------------------------------- */

/*
 * Data of at most four bytes sits in the value cell itself (bit 31 of the
 * size field set, the bytes in the offset field).  libregf 20201007 returns
 * zeros for such data shorter than four bytes (a 2-byte REG_DWORD 01 00
 * reads as 00 00), so read those few bytes from the cell: the evidence must
 * show what the hive holds.  vk cell: "vk", name length, data size, data.
 */
static int read_short_inline(const dmar_hive *h, libregf_value_t *v,
                             uint8_t *out, size_t size)
{
	off64_t off = 0;
	if (size == 0 || size >= 4 ||
	    libregf_value_get_offset(v, &off, NULL) != 1 || off < 0 ||
	    (uint64_t)off + 12 > h->size)
		return 0;
	const uint8_t *vk = h->data + off;
	uint32_t declared = le32(vk + 4);
	if (vk[0] != 'v' || vk[1] != 'k' || !(declared & 0x80000000u) ||
	    (declared & 0x7FFFFFFFu) != size)
		return 0;
	memcpy(out, vk + 8, size);
	return 1;
}

static int load_value(hkey *k, libregf_value_t *v, dmar_arena *a,
                      hive_value *out)
{
	libregf_error_t *e = NULL;
	size_t size = 0;
	memset(out, 0, sizeof(*out));
	out->present = 1;
	if (libregf_value_get_value_type(v, &out->type, &e) != 1 ||
	    libregf_value_get_value_data_size(v, &size, &e) != 1) {
		note_error(k->hive, &e, "cannot read a value");
		out->unreadable = 1;
		return -1;
	}
	uint8_t *data = hive_value_buffer(a, out, size);
	if (data == NULL)
		return size == 0 || size > HIVE_VALUE_MAX_LOAD ? 0 : -1;
	if (!read_short_inline(k->hive, v, data, size) &&
	    libregf_value_get_value_data(v, data, size, &e) != 1) {
		note_error(k->hive, &e, "cannot read value data");
		out->unreadable = 1;
		return -1;
	}
	out->data = data;
	return 0;
}

int regf_get_values(hkey *k, dmar_arena *a, const char *const *names,
                    hive_value *out, size_t n)
{
	libregf_error_t *e = NULL;
	int count = 0, rc = 0;
	if (libregf_key_get_number_of_values(k->key, &count, &e) != 1) {
		note_error(k->hive, &e, "cannot read the value list");
		return -1;
	}
	for (int i = 0; i < count; i++) {
		libregf_value_t *v = NULL;
		if (hive_count_value(k->hive) != 0)
			return -1;
		if (libregf_key_get_value(k->key, i, &v, &e) != 1) {
			note_error(k->hive, &e, "cannot read a value");
			rc = -1;
			continue;
		}
		static _Thread_local char name[NAME_UNITS_MAX * 3 + 1];
		int named = value_name(v, name) == 0;
		for (size_t j = 0; named && j < n; j++) {
			if (!out[j].present && text_casecmp(name, names[j]) == 0) {
				if (load_value(k, v, a, &out[j]) != 0)
					rc = -1;
				break;
			}
		}
		libregf_value_free(&v, NULL);
	}
	return rc;
}

int regf_value_count(hkey *k, int *count)
{
	libregf_error_t *e = NULL;
	if (libregf_key_get_number_of_values(k->key, count, &e) != 1) {
		note_error(k->hive, &e, "cannot read the value list");
		return -1;
	}
	return 1;
}

int regf_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                  hive_value *out)
{
	libregf_error_t *e = NULL;
	libregf_value_t *v = NULL;
	if (libregf_key_get_value(k->key, index, &v, &e) != 1) {
		note_error(k->hive, &e, "cannot read a value");
		return -1;
	}
	static _Thread_local char buf[NAME_UNITS_MAX * 3 + 1];
	int rc = value_name(v, buf) == 0 && (*name = arena_strdup(a, buf)) != NULL
	       ? 1 : -1;
	if (rc == 1 && load_value(k, v, a, out) != 0)
		rc = -1;
	libregf_value_free(&v, NULL);
	return rc;
}

int regf_security_descriptor(hkey *k, dmar_arena *a, const uint8_t **data,
                             size_t *size)
{
	libregf_error_t *e = NULL;
	size_t n = 0;
	int r = libregf_key_get_security_descriptor_size(k->key, &n, &e);
	if (r != 1) {
		if (r < 0)
			note_error(k->hive, &e, "cannot read the security descriptor");
		return r < 0 ? -1 : 0;
	}
	if (n == 0 || n > MAX_SD_SIZE)
		return n == 0 ? 0 : -1;
	uint8_t *buf = arena_alloc(a, n);
	if (buf == NULL)
		return -1;
	if (libregf_key_get_security_descriptor(k->key, buf, n, &e) != 1) {
		note_error(k->hive, &e, "cannot read the security descriptor");
		return -1;
	}
	*data = buf;
	*size = n;
	return 1;
}
