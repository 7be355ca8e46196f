/*
 * guard.c - see guard.h.
 *
 * Cells are found by walking the hive bins as written (a bin or cell whose
 * size makes no sense ends the walk of that bin).  Offsets in cells are
 * relative to the first hive bin, 4096 bytes into the image.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "guard.h"
#include "grow.h"
#include "bounds.h"

#define HBINS_START 4096u
#define NO_CELL 0xFFFFFFFFu

typedef struct image {
	uint8_t *data;
	size_t size;
	image_guard *g;
	int failed;
	uint8_t *lists_seen;       /* a bit per 8 bytes: list cells referenced */
	uint8_t *keys_seen;        /* ... key cells referenced from a list */
} image;

/* Mark the cell at 'rel' in 'bits'; 1 when it was marked before.  Windows
 * never lets two keys share a list, nor two list entries name one key:
 * libregf would read such a cell again for every reference, which a
 * hostile hive multiplies into hours. */
static int seen_before(const image *im, uint8_t *bits, uint32_t rel)
{
	uint64_t i = rel / 8;
	if ((uint64_t)HBINS_START + rel >= im->size)
		return 0;   /* not a cell: libregf says so itself */
	int was = (bits[i / 8] >> (i % 8)) & 1;
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
	return was;
}

/* The data of the cell at relative offset 'rel', and its length, or NULL.
 * A free cell counts too: in a dirty hive a key may point to a list whose
 * cell the primary still has as free, and libregf reads it all the same. */
static uint8_t *cell(const image *im, uint32_t rel, uint32_t *len)
{
	uint64_t at = (uint64_t)HBINS_START + rel;
	if (rel == NO_CELL || at + 4 > im->size)
		return NULL;
	int32_t size = (int32_t)le32(im->data + at);
	if (size == INT32_MIN)
		return NULL;
	uint32_t n = size < 0 ? (uint32_t)-size : (uint32_t)size;
	if (n < 8 || n > im->size - at)
		return NULL;
	*len = n - 4;
	return im->data + at + 4;
}

/* Lower a word; 1 when it is the first change (the caller names it). */
static int patch(image *im, uint8_t *word, uint32_t value)
{
	image_guard *g = im->g;
	if (g->n == 0 && g->before_write != NULL)
		g->before_write(g->ctx);
	guard_patch *more = grow_for_one(g->patches, g->n, &g->cap, sizeof(*more), 16);
	if (more == NULL) {
		im->failed = 1;
		return 0;
	}
	g->patches = more;
	guard_patch *p = &g->patches[g->n++];
	p->offset = (uint32_t)(word - im->data);
	p->original = le32(word);
	p->guarded = value;
	put_le32(word, value);
	return g->n == 1;
}

/* Lower the entry count of the list cell whose data is l. */
static int set_list_count(image *im, uint8_t *l, uint32_t count)
{
	return patch(im, l, (uint32_t)l[0] | (uint32_t)l[1] << 8 | count << 16);
}

/* Entries a leaf list ("lf", "lh", "li") holds, its count lowered to what
 * its cell can hold; 0 for anything else. */
static uint32_t leaf_entries(image *im, uint32_t rel)
{
	uint32_t len;
	uint8_t *l = cell(im, rel, &len);
	if (l == NULL || len < 4)
		return 0;
	uint32_t size = (l[0] == 'l' && (l[1] == 'f' || l[1] == 'h')) ? 8
	              : (l[0] == 'l' && l[1] == 'i') ? 4 : 0;
	if (size == 0)
		return 0;
	uint32_t count = l[2] | (uint32_t)l[3] << 8, fits = (len - 4) / size;
	if (count > fits) {
		if (set_list_count(im, l, fits))
			snprintf(im->g->first, sizeof(im->g->first), "list cell at 0x%X "
			         "declares %u entries but holds %u", rel, count, fits);
		count = fits;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (!seen_before(im, im->keys_seen, le32(l + 4 + size * i)))
			continue;
		if (set_list_count(im, l, i))
			snprintf(im->g->first, sizeof(im->g->first), "list cell at 0x%X: "
			         "entry %u names a key cell another entry names; %u of "
			         "%u entries kept", rel, i, i, count);
		count = i;
		break;
	}
	return count;
}

/* The subkey list of a key that declares 'declared' subkeys: a leaf list,
 * or an index list ("ri") of leaf lists whose total must not exceed what
 * the key declares nor MAX_SUBKEYS_PER_KEY. */
static void check_subkeys(image *im, uint32_t rel, uint32_t declared)
{
	uint32_t len;
	uint8_t *l = cell(im, rel, &len);
	if (l == NULL || len < 4)
		return;
	if (!(l[0] == 'r' && l[1] == 'i')) {
		leaf_entries(im, rel);
		return;
	}
	uint32_t count = l[2] | (uint32_t)l[3] << 8, fits = (len - 4) / 4;
	uint32_t keep = count < fits ? count : fits;
	for (uint32_t i = 0; i < keep; i++)
		if (seen_before(im, im->lists_seen, le32(l + 4 + 4 * i))) {
			keep = i;   /* a leaf list named twice */
			break;
		}
	/* what the key declares, with room for a count a dirty hive has not
	 * brought up to date yet, and never more than MAX_SUBKEYS_PER_KEY */
	uint64_t bound = (uint64_t)declared + 65536;
	if (bound > MAX_SUBKEYS_PER_KEY)
		bound = MAX_SUBKEYS_PER_KEY;
	uint64_t total = 0;
	for (uint32_t i = 0; i < keep; i++) {
		uint32_t n = leaf_entries(im, le32(l + 4 + 4 * i));
		if (total + n > bound) {
			keep = i;
			break;
		}
		total += n;
	}
	if (keep != count &&
	    set_list_count(im, l, keep))
		snprintf(im->g->first, sizeof(im->g->first), "index list at 0x%X: "
		         "%u of its %u lists kept (the key declares %u subkeys)",
		         rel, keep, count, declared);
}

static void check_key(image *im, uint8_t *nk, uint32_t len, uint32_t rel)
{
	if (len < 0x4C)
		return;
	uint32_t subkeys = le32(nk + 0x14), values = le32(nk + 0x24);
	uint32_t list = le32(nk + 0x1C);
	if (subkeys > 0 && list != NO_CELL && seen_before(im, im->lists_seen, list)) {
		/* another key's subkey list: this key is read without subkeys */
		if (patch(im, nk + 0x14, 0))
			snprintf(im->g->first, sizeof(im->g->first), "key cell at 0x%X "
			         "shares its subkey list at 0x%X with another key", rel,
			         list);
		patch(im, nk + 0x1C, NO_CELL);
	} else if (subkeys > 0) {
		check_subkeys(im, list, subkeys);
	}
	if (values == 0)
		return;
	/* a list that is not a cell at all is left to libregf, which cannot
	 * read it and says so: only a count beyond a real list is lowered */
	uint32_t list_len = 0;
	if (cell(im, le32(nk + 0x28), &list_len) == NULL)
		return;
	uint32_t fits = list_len / 4;
	if (values > fits && patch(im, nk + 0x24, fits))
		snprintf(im->g->first, sizeof(im->g->first), "key cell at 0x%X "
		         "declares %u values but its value list holds %u", rel,
		         values, fits);
}

int guard_image(uint8_t *data, size_t size, image_guard *g)
{
	image im = { data, size, g, 0, NULL, NULL };
	memset(g, 0, sizeof(*g));
	im.lists_seen = calloc(size / 64 + 1, 1);
	im.keys_seen = calloc(size / 64 + 1, 1);
	if (im.lists_seen == NULL || im.keys_seen == NULL)
		im.failed = 1;
	uint64_t bin = HBINS_START;
	while (bin + 32 <= size && !im.failed) {
		if (memcmp(data + bin, "hbin", 4) != 0)
			break;
		uint32_t bin_size = le32(data + bin + 8);
		if (bin_size < 4096 || bin_size % 4096 || bin_size > size - bin)
			break;
		for (uint64_t at = bin + 32; at + 4 <= bin + bin_size && !im.failed;) {
			int32_t cs = (int32_t)le32(data + at);
			uint32_t n = cs < 0 ? (cs == INT32_MIN ? 0 : (uint32_t)-cs) : (uint32_t)cs;
			if (n < 8 || n % 8 || n > bin + bin_size - at)
				break;
			if (cs < 0 && n >= 6 && data[at + 4] == 'n' && data[at + 5] == 'k')
				check_key(&im, data + at + 4, n - 4, (uint32_t)(at - HBINS_START));
			at += n;
		}
		bin += bin_size;
	}
	free(im.lists_seen);
	free(im.keys_seen);
	if (im.failed) {
		guard_swap(data, g, 1);
		guard_free(g);
		return -1;
	}
	return 0;
}

void guard_swap(uint8_t *data, const image_guard *g, int original)
{
	/* in reverse, so a word patched twice ends as it began */
	for (size_t i = g->n; original && i-- > 0;)
		put_le32(data + g->patches[i].offset, g->patches[i].original);
	for (size_t i = 0; !original && i < g->n; i++)
		put_le32(data + g->patches[i].offset, g->patches[i].guarded);
}

void guard_free(image_guard *g)
{
	void (*before_write)(void *) = g->before_write;
	void *ctx = g->ctx;
	free(g->patches);
	memset(g, 0, sizeof(*g));
	g->before_write = before_write;
	g->ctx = ctx;
}
