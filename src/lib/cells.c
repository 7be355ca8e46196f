/*
 * cells.c - see cells.h.  Layouts as Windows writes them (format 1.3 to
 * 1.6); every field is read through le16/le32 from a cell whose length was
 * checked first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cells.h"
#include "grow.h"
#include "text.h"

#define HBINS_START 4096u
#define NK_HEADER 0x4Cu            /* bytes before the key name */
#define VK_HEADER 0x14u            /* bytes before the value name */
#define SK_HEADER 0x14u            /* bytes before the descriptor */
#define KEY_COMP_NAME 0x0020u      /* nk: the name is Latin-1 */
#define VALUE_COMP_NAME 0x0001u    /* vk: the name is Latin-1 */
#define RESIDENT_BIT 0x80000000u   /* vk: the data is in the cell */
#define BIG_DATA_SEGMENT 16344u    /* bytes of a big-data segment */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define PAGE 4096u

static void mark_sound(regf_image *im, uint64_t from, uint64_t to)
{
	for (uint64_t p = from / PAGE; p < to / PAGE; p++)
		im->sound[p / 8] |= (uint8_t)(1u << (p % 8));
}

int cells_map_bins(regf_image *im)
{
	uint64_t pages = (im->end - HBINS_START + PAGE - 1) / PAGE;
	im->sound = calloc(1, (size_t)(pages / 8 + 1));
	im->bad_pages = 0;
	if (im->sound == NULL)
		return -1;
	/* a bin: "hbin", its own offset, its size (a multiple of 4 KiB); past
	 * a bad page, look for the next bin at the next page */
	uint64_t at = 0, size = im->end - HBINS_START;
	while (at < size) {
		const uint8_t *b = im->data + HBINS_START + at;
		uint32_t bin = size - at >= 12 ? le32(b + 8) : 0;
		if (size - at >= 32 && memcmp(b, "hbin", 4) == 0 && le32(b + 4) == at &&
		    bin >= PAGE && bin % PAGE == 0 && bin <= size - at) {
			mark_sound(im, at, at + bin);
			at += bin;
		} else {
			im->bad_pages++;
			at += PAGE;
		}
	}
	return 0;
}

void cells_unmap_bins(regf_image *im)
{
	free(im->sound);
	im->sound = NULL;
}

static int page_sound(const regf_image *im, uint64_t rel)
{
	uint64_t p = rel / PAGE;
	return (im->sound[p / 8] >> (p % 8)) & 1;
}

const uint8_t *cell_at(const regf_image *im, uint32_t rel, uint32_t *len)
{
	uint64_t at = (uint64_t)HBINS_START + rel;
	if (rel == CELL_NONE || at + 4 > im->end || !page_sound(im, rel))
		return NULL;
	int32_t size = (int32_t)le32(im->data + at);
	if (size == INT32_MIN)
		return NULL;
	uint32_t n = size < 0 ? (uint32_t)-size : (uint32_t)size;
	if (n < 8 || n > im->end - at || !page_sound(im, (uint64_t)rel + n - 1))
		return NULL;
	*len = n - 4;
	return im->data + at + 4;
}

int cell_nk(const regf_image *im, uint32_t rel, nk_cell *out, const char **why)
{
	uint32_t len = 0;
	const uint8_t *c = cell_at(im, rel, &len);
	if (c == NULL)
		return *why = "no cell at the key's offset inside a sound hive bin", -1;
	if (len < NK_HEADER || c[0] != 'n' || c[1] != 'k')
		return *why = "the cell at the key's offset is not a key cell", -1;
	out->self = rel;
	out->flags = le16(c + 0x02);
	out->last_written = (uint64_t)le32(c + 0x04) | (uint64_t)le32(c + 0x08) << 32;
	out->n_subkeys = le32(c + 0x14);
	out->subkey_list = le32(c + 0x1C);
	out->n_values = le32(c + 0x24);
	out->value_list = le32(c + 0x28);
	out->security = le32(c + 0x2C);
	out->name_size = le16(c + 0x48);
	out->name = c + NK_HEADER;
	out->name_latin1 = (out->flags & KEY_COMP_NAME) != 0;
	if (out->name_size > len - NK_HEADER)
		return *why = "the key's name is longer than its cell", -1;
	return 0;
}

/* ---- Subkeys ------------------------------------------------------------------ */

typedef struct offsets {
	uint32_t *v;
	size_t n, cap, max;
} offsets;

static int offsets_push(offsets *o, uint32_t rel)
{
	uint32_t *v = grow_for_one(o->v, o->n, &o->cap, sizeof(*v), 16);
	if (v == NULL)
		return -1;
	o->v = v;
	o->v[o->n++] = rel;
	return 0;
}

/* Append the entries of a leaf list (lf, lh: offset and hash; li: offset
 * alone); with 'ri_ok', an index list of leaf lists.  0, or -1. */
static int read_list(const regf_image *im, uint32_t rel, int ri_ok, offsets *o,
                     const char **why)
{
	uint32_t len = 0;
	const uint8_t *c = cell_at(im, rel, &len);
	if (c == NULL || len < 4)
		return *why = "no subkey list cell inside a sound hive bin where the key says", -1;
	uint32_t stride;
	int index = 0;
	if ((c[0] == 'l' && (c[1] == 'f' || c[1] == 'h')))
		stride = 8;
	else if (c[0] == 'l' && c[1] == 'i')
		stride = 4;
	else if (c[0] == 'r' && c[1] == 'i' && ri_ok)
		stride = 4, index = 1;
	else
		return *why = "the subkey list cell is of no known kind", -1;
	uint32_t count = le16(c + 2);
	if (count > (len - 4) / stride)
		count = (len - 4) / stride;   /* what the cell holds */
	int rc = 0;
	for (uint32_t i = 0; i < count && o->n < o->max; i++) {
		uint32_t entry = le32(c + 4 + i * stride);
		if (index) {
			if (read_list(im, entry, 0, o, why) != 0)
				rc = -1;
		} else if (offsets_push(o, entry) != 0) {
			return *why = "out of memory", -1;
		}
	}
	return rc;
}

int cell_subkeys(const regf_image *im, const nk_cell *nk, uint32_t max,
                 uint32_t **out, uint32_t *n, const char **why)
{
	offsets o = { NULL, 0, 0, nk->n_subkeys < max ? nk->n_subkeys : max };
	int rc = o.max ? read_list(im, nk->subkey_list, 1, &o, why) : 0;
	*out = o.v;
	*n = (uint32_t)o.n;   /* at most 'max' */
	return rc;
}

/* ---- Values ------------------------------------------------------------------- */

int cell_values(const regf_image *im, const nk_cell *nk,
                const uint8_t **offsets_out, uint32_t *n, const char **why)
{
	uint32_t len = 0;
	*offsets_out = NULL;
	*n = 0;
	if (nk->n_values == 0)
		return 0;
	const uint8_t *c = cell_at(im, nk->value_list, &len);
	if (c == NULL)
		return *why = "no value list cell inside a sound hive bin where the key says", -1;
	*offsets_out = c;
	*n = nk->n_values < len / 4 ? nk->n_values : len / 4;
	return 0;
}

int cell_vk(const regf_image *im, uint32_t rel, vk_cell *out, const char **why)
{
	uint32_t len = 0;
	const uint8_t *c = cell_at(im, rel, &len);
	if (c == NULL || len < VK_HEADER || c[0] != 'v' || c[1] != 'k')
		return *why = "a value list entry names no value cell", -1;
	uint32_t size = le32(c + 0x04);
	out->resident = (size & RESIDENT_BIT) != 0;
	out->size = size & ~RESIDENT_BIT;
	out->resident_data = c + 0x08;
	out->data_cell = le32(c + 0x08);
	out->type = le32(c + 0x0C);
	out->name_latin1 = (le16(c + 0x10) & VALUE_COMP_NAME) != 0;
	out->name_size = le16(c + 0x02);
	out->name = c + VK_HEADER;
	if (out->name_size > len - VK_HEADER)
		return *why = "a value's name is longer than its cell", -1;
	return 0;
}

/* Data over BIG_DATA_SEGMENT bytes in a 1.4+ hive: a db cell listing
 * segments of BIG_DATA_SEGMENT bytes (the last one holds the rest). */
static int big_data(const regf_image *im, const uint8_t *db, uint32_t db_len,
                    uint32_t size, uint8_t *out, const char **why)
{
	uint32_t list_len = 0;
	const uint8_t *list = db_len >= 8 ? cell_at(im, le32(db + 4), &list_len)
	                                  : NULL;
	uint32_t count = le16(db + 2);
	if (list == NULL || count > list_len / 4)
		return *why = "the value's big-data segment list cannot be read", -1;
	uint32_t done = 0;
	for (uint32_t i = 0; i < count && done < size; i++) {
		uint32_t seg_len = 0;
		const uint8_t *seg = cell_at(im, le32(list + 4 * i), &seg_len);
		uint32_t take = size - done < BIG_DATA_SEGMENT ? size - done
		                                                : BIG_DATA_SEGMENT;
		if (seg == NULL || seg_len < take)
			return *why = "a big-data segment of the value cannot be read", -1;
		memcpy(out + done, seg, take);
		done += take;
	}
	if (done < size)
		return *why = "the value's big-data segments hold less than its size", -1;
	return 0;
}

int cell_value_data(const regf_image *im, const vk_cell *vk, uint8_t *out,
                    const char **why)
{
	if (vk->size == 0)
		return 0;
	if (vk->resident) {
		if (vk->size > 4)
			return *why = "a value kept in its cell declares more than 4 bytes", -1;
		memcpy(out, vk->resident_data, vk->size);
		return 0;
	}
	uint32_t len = 0;
	const uint8_t *c = cell_at(im, vk->data_cell, &len);
	if (c == NULL)
		return *why = "no data cell where the value says", -1;
	if (vk->size > BIG_DATA_SEGMENT && im->minor >= 4 && len >= 4 &&
	    c[0] == 'd' && c[1] == 'b')
		return big_data(im, c, len, vk->size, out, why);
	if (len < vk->size)
		return *why = "the value's data cell is smaller than its size", -1;
	memcpy(out, c, vk->size);
	return 0;
}

/* ---- Security ----------------------------------------------------------------- */

int cell_security(const regf_image *im, const nk_cell *nk,
                  const uint8_t **sd, uint32_t *size, const char **why)
{
	uint32_t len = 0;
	*sd = NULL;
	*size = 0;
	if (nk->security == CELL_NONE)
		return 0;
	const uint8_t *c = cell_at(im, nk->security, &len);
	if (c == NULL || len < SK_HEADER || c[0] != 's' || c[1] != 'k')
		return *why = "no security cell where the key says", -1;
	uint32_t n = le32(c + 0x10);
	if (n > len - SK_HEADER)
		return *why = "the security descriptor is longer than its cell", -1;
	*sd = c + SK_HEADER;
	*size = n;
	return n ? 1 : 0;
}

/* ---- Names -------------------------------------------------------------------- */

size_t cell_name_utf8(const uint8_t *name, uint16_t size, int latin1, char *out)
{
	if (!latin1)
		return text_utf16le_decode(name, size, out);
	size_t o = 0;
	for (uint16_t i = 0; i < size && name[i] != 0; i++) {
		if (name[i] < 0x80) {
			out[o++] = (char)name[i];
		} else {
			out[o++] = (char)(0xC0 | name[i] >> 6);
			out[o++] = (char)(0x80 | (name[i] & 0x3F));
		}
	}
	out[o] = '\0';
	return o;
}

static unsigned fold(unsigned c)
{
	return c >= 'a' && c <= 'z' ? c - 32 : c;
}

int cell_name_equals(const uint8_t *name, uint16_t size, int latin1,
                     const char *want, size_t want_len)
{
	/* ASCII on both sides, the common case: compare in place */
	size_t units = latin1 ? size : size / 2u;
	size_t i = 0;
	for (; i < units && i < want_len; i++) {
		unsigned u = latin1 ? name[i] : le16(name + 2 * i);
		unsigned w = (unsigned char)want[i];
		if (u == 0 || u >= 0x80 || w >= 0x80)
			break;
		if (fold(u) != fold(w))
			return 0;
	}
	if (i == units)
		return i == want_len;      /* the name ended */
	unsigned u = latin1 ? name[i] : le16(name + 2 * i);
	if (i == want_len)
		return u == 0;             /* 'want' ended: so must the name */
	if (u == 0)
		return 0;                  /* the name ends before 'want' */
	/* beyond ASCII: decode and compare as text */
	static _Thread_local char buf[65535 * 2 + 1];
	cell_name_utf8(name, size, latin1, buf);
	return text_casecmp(buf, want) == 0;
}
