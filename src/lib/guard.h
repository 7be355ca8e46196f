/*
 * guard.h - keep libregf's eager reads bounded on a hostile image.
 *
 * libregf reads a key's whole value list and subkey lists when it opens
 * the key, trusting the counts: a key that declares 2^30 values over a
 * 24-byte list makes it allocate gigabytes (the count times four wraps
 * around its size check; found by the fuzzer), and an index list whose
 * entries all name one large leaf list multiplies the entries beyond any
 * real key.  Before libregf sees the image, every key cell's counts are
 * checked against the list cells they point to, and a count larger than
 * its list can hold (or index lists totalling far more subkeys than the key
 * declares, or more than MAX_SUBKEYS_PER_KEY) is lowered to what fits;
 * a list two keys share, or a list entry naming a key another entry names
 * (never so in a hive Windows wrote: libregf would reread the cell for
 * every reference), is cut at the second reference.  The changes are
 * made in the analysed copy only, remembered, and undone for hashing and
 * saving: the evidence and what --save-recovered writes stay as they were.
 */
#ifndef DMAR_GUARD_H
#define DMAR_GUARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct guard_patch {
	uint32_t offset;           /* in the image, of a 32-bit word */
	uint32_t original, guarded;
} guard_patch;

typedef struct image_guard {
	guard_patch *patches;
	size_t n, cap;
	char first[160];           /* the first change, for the report */
	/* called once before the first word is changed (set by the caller,
	 * kept by guard_free): another thread may still be reading */
	void (*before_write)(void *ctx);
	void *ctx;
} image_guard;

/* Check the image and lower what must be lowered; 0, or -1 when memory
 * ran out (the image is then as it was). */
int guard_image(uint8_t *data, size_t size, image_guard *g);

/* Put the original words back (original = 1) or the guarded ones. */
void guard_swap(uint8_t *data, const image_guard *g, int original);

void guard_free(image_guard *g);

#endif /* DMAR_GUARD_H */
