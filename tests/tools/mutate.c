/*
 * mutate.c - damaged copies of a hive, the same every time, for the
 * hostile-input regression test.
 *
 *   mutate IN OUTDIR COUNT [FIRST]
 *   mutate --cut IN OUT BYTES
 *   mutate --pad IN OUT BYTES
 *
 * writes OUTDIR/NAME.mutNNNN for NNNN from FIRST (default 0) on, each from
 * IN with one kind of damage chosen by its number and a random generator
 * seeded with it:
 *
 *   0 bit flips       1 to 64 bits flipped in the hive bins
 *   1 truncation      the file cut short, the base block's hive-bins size
 *                     and checksum made to agree, so libregf reads the rest
 *   2 cell sizes      cell size fields set to 0, 1, -8, huge or negative
 *   3 offsets         offsets in key, list, value and security cells set
 *                     to 0, -1, the cell itself, another cell or past the end
 *   4 counts          subkey, value and list counts set to large numbers
 *   5 all of them     a few of each
 *
 * --cut writes the first BYTES of IN (a multiple of 4096) with the base
 * block made to agree: a small seed for the fuzzer from a large real hive.
 * --pad writes IN grown to BYTES by one hive bin holding one free cell, the
 * base block made to agree: the same keys in a file large enough to be
 * mapped rather than read.
 *
 * Cells are found by walking the hive bins as written; a cell that cannot
 * be walked ends the walk of its bin.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "regfwrite.h"

#define BASE 4096u
#define MAX_CELLS 200000

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* splitmix64: the same stream on every machine */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* The length of an allocated cell (its size field is negative), else 0;
 * a size field may already be damaged by an earlier step. */
static uint32_t alloc_len(const uint8_t *p)
{
	uint32_t raw = le32(p);
	return raw > 0x80000000u ? 0u - raw : 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Offsets (from the file start) of the cells, by walking the bins. */
static size_t find_cells(const uint8_t *h, size_t size, uint32_t *cells)
{
	size_t n = 0, bin = BASE;
	while (bin + 32 <= size && n < MAX_CELLS) {
		if (memcmp(h + bin, "hbin", 4) != 0)
			break;
		uint32_t bin_size = le32(h + bin + 8);
		if (bin_size < 32 || bin_size % 4096 || bin_size > size - bin)
			break;
		for (size_t c = bin + 32; c + 4 <= bin + bin_size && n < MAX_CELLS;) {
			int32_t cs = (int32_t)le32(h + c);
			uint32_t len = cs < 0 ? (uint32_t)-(int64_t)cs : (uint32_t)cs;
			if (len < 8 || len % 8 || len > bin + bin_size - c)
				break;
			if (cs < 0)
				cells[n++] = (uint32_t)c;
			c += len;
		}
		bin += bin_size;
	}
	return n;
}

/* Cut the image to 'keep' bytes, the base block's hive-bins size and
 * checksum made to agree. */
static size_t set_length(uint8_t *h, size_t keep)
{
	put_le32(h + 0x28, (uint32_t)(keep - BASE));
	regf_fix_checksum(h, keep, NULL, 0);
	return keep;
}

static uint32_t interesting(uint32_t self, const uint32_t *cells, size_t n,
                            size_t size)
{
	static const uint32_t values[] = { 0, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u,
	                                   1, 4, 8, 0x20, 0xFFFFFFF8u };
	switch (rnd_below(4)) {
	case 0:
		return values[rnd_below(sizeof(values) / sizeof(values[0]))];
	case 1:
		return self - BASE;                       /* the cell itself */
	case 2:
		return n ? cells[rnd_below((uint32_t)n)] - BASE : 0;   /* another */
	default:
		return (uint32_t)size + rnd_below(1u << 20);  /* past the end */
	}
}

static void flip_bits(uint8_t *h, size_t size)
{
	if (size <= BASE)
		return;
	for (uint32_t i = 1 + rnd_below(64); i > 0; i--) {
		size_t at = BASE + rnd_below((uint32_t)(size - BASE));
		h[at] ^= (uint8_t)(1u << rnd_below(8));
	}
}

static size_t truncate_hive(uint8_t *h, size_t size)
{
	if (size <= BASE + 4096)
		return size;
	size_t keep = BASE + 32 + rnd_below((uint32_t)(size - BASE - 32));
	if (rnd_below(2))
		keep -= (keep - BASE) % 4096;             /* sometimes at a bin edge */
	if (keep <= BASE)
		keep = BASE + 4096;
	return set_length(h, keep);
}

static void cell_sizes(uint8_t *h, const uint32_t *cells, size_t n)
{
	static const uint32_t sizes[] = { 0, 1, 0xFFFFFFF8u, 0x7FFFFFF8u,
	                                  0x80000000u, 8, 0xFFFFF000u, 16 };
	for (uint32_t i = 1 + rnd_below(8); i > 0 && n; i--)
		put_le32(h + cells[rnd_below((uint32_t)n)],
		      sizes[rnd_below(sizeof(sizes) / sizeof(sizes[0]))]);
}

/* Offset fields, from the cell's data start, by the cell's signature. */
static int offset_field(const uint8_t *d, uint32_t len, uint32_t *at)
{
	static const uint32_t nk[] = { 0x10, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30 };
	if (len >= 0x50 && memcmp(d, "nk", 2) == 0) {
		*at = nk[rnd_below(sizeof(nk) / sizeof(nk[0]))];
		return 1;
	}
	if (len >= 0x18 && memcmp(d, "vk", 2) == 0) {
		*at = 0x08;                               /* data offset */
		return 1;
	}
	if (len >= 0x14 && memcmp(d, "sk", 2) == 0) {
		*at = 4 + 4 * rnd_below(2);               /* previous / next */
		return 1;
	}
	if (len >= 12 && (memcmp(d, "lf", 2) == 0 || memcmp(d, "lh", 2) == 0)) {
		uint32_t count = d[2] | (uint32_t)d[3] << 8;
		uint32_t k = rnd_below(count ? count : 1);
		*at = 4 + 8 * k;
		return 4 + 8 * k + 4 <= len;
	}
	if (len >= 8 && (memcmp(d, "li", 2) == 0 || memcmp(d, "ri", 2) == 0)) {
		uint32_t count = d[2] | (uint32_t)d[3] << 8;
		uint32_t k = rnd_below(count ? count : 1);
		*at = 4 + 4 * k;
		return 4 + 4 * k + 4 <= len;
	}
	return 0;
}

static void offsets(uint8_t *h, size_t size, const uint32_t *cells, size_t n)
{
	for (uint32_t i = 1 + rnd_below(8), tries = 0; i > 0 && n && tries < 1000; tries++) {
		uint32_t c = cells[rnd_below((uint32_t)n)];
		uint32_t len = alloc_len(h + c);
		uint32_t at;
		if (len < 8 || !offset_field(h + c + 4, len - 4, &at))
			continue;
		put_le32(h + c + 4 + at, interesting(c, cells, n, size));
		i--;
	}
}

static void counts(uint8_t *h, const uint32_t *cells, size_t n)
{
	static const uint32_t big[] = { 0xFFFFFFFFu, 0x7FFFFFFFu, 0x10000u, 1000000u };
	for (uint32_t i = 1 + rnd_below(6), tries = 0; i > 0 && n && tries < 1000; tries++) {
		uint32_t c = cells[rnd_below((uint32_t)n)];
		uint32_t len = alloc_len(h + c);
		uint8_t *d = h + c + 4;
		if (len >= 0x50 && memcmp(d, "nk", 2) == 0) {
			put_le32(d + (rnd_below(2) ? 0x14 : 0x24), big[rnd_below(4)]);
		} else if (len >= 8 && (memcmp(d, "lf", 2) == 0 || memcmp(d, "lh", 2) == 0 ||
		                        memcmp(d, "li", 2) == 0 || memcmp(d, "ri", 2) == 0)) {
			put16(d + 2, (uint16_t)(0x8000u + rnd_below(0x8000u)));
		} else if (len >= 0x18 && memcmp(d, "vk", 2) == 0) {
			put_le32(d + 4, big[rnd_below(4)]);      /* data size */
		} else {
			continue;
		}
		i--;
	}
}

/* Grow the hive bins of h (size bytes) to 'want' bytes with one bin. */
static unsigned char *pad_hive(unsigned char *h, size_t *size, size_t want)
{
	if (want <= *size + 4096 || *size % 4096 != 0)
		return h;
	unsigned char *bigger = realloc(h, want);
	if (bigger == NULL)
		return h;
	uint8_t *bin = bigger + *size;
	memset(bin, 0, want - *size);
	memcpy(bin, "hbin", 4);
	put_le32(bin + 4, (uint32_t)(*size - BASE));
	put_le32(bin + 8, (uint32_t)(want - *size));
	put_le32(bin + 32, (uint32_t)(want - *size - 32));   /* free cell */
	*size = set_length(bigger, want);
	return bigger;
}

static int resize(const char *in, const char *out, const char *bytes, int grow)
{
	unsigned char *h;
	size_t size, keep = (size_t)strtoul(bytes, NULL, 10);
	char msg[300];
	keep -= keep % 4096;
	if (regf_load_file(in, &h, &size, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "mutate: %s\n", msg);
		return 1;
	}
	if (grow)
		h = pad_hive(h, &size, keep);
	else if (keep > BASE && keep < size)
		size = set_length(h, keep);
	int rc = regf_save_file(out, h, size, msg, sizeof(msg));
	if (rc != 0)
		fprintf(stderr, "mutate: %s\n", msg);
	free(h);
	return rc != 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && (strcmp(argv[1], "--cut") == 0 || strcmp(argv[1], "--pad") == 0))
		return resize(argv[2], argv[3], argv[4], argv[1][2] == 'p');
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: mutate IN OUTDIR COUNT [FIRST]\n"
		                "       mutate --cut|--pad IN OUT BYTES\n");
		return 2;
	}
	unsigned char *orig;
	size_t size;
	char msg[300];
	if (regf_load_file(argv[1], &orig, &size, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "mutate: %s\n", msg);
		return 1;
	}
	const char *name = strrchr(argv[1], '/');
	name = name ? name + 1 : argv[1];
	long count = strtol(argv[3], NULL, 10), first = argc == 5 ? strtol(argv[4], NULL, 10) : 0;
	uint8_t *h = malloc(size ? size : 1);
	uint32_t *cells = malloc(MAX_CELLS * sizeof(*cells));
	if (h == NULL || cells == NULL)
		return 1;
	for (long k = first; k < first + count; k++) {
		memcpy(h, orig, size);
		rng_state = 0x6D757461746521ull ^ (uint64_t)k * 0x100000001B3ull;
		size_t n = find_cells(h, size, cells), len = size;
		int kind = (int)(k % 6);
		if (kind == 0 || kind == 5)
			flip_bits(h, len);
		if (kind == 2 || kind == 5)
			cell_sizes(h, cells, n);
		if (kind == 3 || kind == 5)
			offsets(h, len, cells, n);
		if (kind == 4 || kind == 5)
			counts(h, cells, n);
		if (kind == 1 || (kind == 5 && rnd_below(4) == 0))
			len = truncate_hive(h, len);
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.mut%04ld", argv[2], name, k);
		if (regf_save_file(path, h, len, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "mutate: %s\n", msg);
			return 1;
		}
	}
	free(cells);
	free(h);
	free(orig);
	return 0;
}
