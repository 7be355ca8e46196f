/*
 * cells.h - the hive's cells read straight from the in-memory image.
 *
 * dmarscan's own reader: a key (nk), its subkey lists (lf, lh, li, ri),
 * its value list, a value (vk) with its data (in the cell, in a data cell
 * or in big-data segments, db), a security cell (sk).  Nothing is copied
 * or allocated to look at a cell, which is what makes a whole SYSTEM hive
 * take milliseconds; every offset and count is checked against the cell
 * that holds it, so a hostile image yields an error, never a read outside
 * the image.  Offsets are relative to the first hive bin, as stored.
 */
#ifndef DMAR_CELLS_H
#define DMAR_CELLS_H

#include <stddef.h>
#include <stdint.h>

#define CELL_NONE 0xFFFFFFFFu

typedef struct regf_image {
	const uint8_t *data;       /* the whole image, base block first */
	size_t end;                /* 4096 + the hive bins size, within data */
	uint32_t minor;            /* format minor version: big data from 1.4 */
	uint8_t *sound;            /* a bit per 4 KiB page of the hive bins:
	                              inside a hive bin whose header is sound */
	uint32_t bad_pages;        /* pages outside any sound hive bin */
} regf_image;

/* A key cell. */
typedef struct nk_cell {
	uint32_t self;             /* its relative offset */
	uint16_t flags;
	uint64_t last_written;     /* FILETIME */
	uint32_t n_subkeys;        /* stable subkeys (volatile ones are not in
	                              a file) */
	uint32_t subkey_list;
	uint32_t n_values;         /* as many as the value list cell holds */
	uint32_t value_list;
	uint32_t security;
	const uint8_t *name;       /* raw: Latin-1 when name_latin1, else
	                              UTF-16LE */
	uint16_t name_size;        /* bytes */
	int name_latin1;
} nk_cell;

/* A value cell. */
typedef struct vk_cell {
	uint32_t type;
	uint32_t size;             /* of the data, as declared */
	int resident;              /* the data (at most 4 bytes) sits in the
	                              cell itself */
	const uint8_t *resident_data;
	uint32_t data_cell;
	const uint8_t *name;
	uint16_t name_size;
	int name_latin1;
} vk_cell;

/* Map the hive bins (im->sound, im->bad_pages): a cell is read only
 * inside a bin whose header says where it is and how long, as Windows
 * loads them; a page of other data (a carved or overwritten hive) is not
 * taken for cells.  0, or -1 when memory ran out. */
int cells_map_bins(regf_image *im);
void cells_unmap_bins(regf_image *im);

/* The data of the cell at 'rel' and its length (the cell size less the
 * size field), or NULL when no cell fits there. */
const uint8_t *cell_at(const regf_image *im, uint32_t rel, uint32_t *len);

/* Read a key cell: 0, or -1 with 'why' set. */
int cell_nk(const regf_image *im, uint32_t rel, nk_cell *out, const char **why);

/* The relative offsets of a key's subkeys, in list order, into *out
 * (malloc'd; *out stays NULL for none), at most 'max'.  0, or -1 with
 * 'why' set when a list cannot be read (what was read is kept). */
int cell_subkeys(const regf_image *im, const nk_cell *nk, uint32_t max,
                 uint32_t **out, uint32_t *n, const char **why);

/* The value cell offsets: a pointer into the value list cell; -1 when it
 * cannot be read. */
int cell_values(const regf_image *im, const nk_cell *nk,
                const uint8_t **offsets, uint32_t *n, const char **why);

/* Read a value cell: 0, or -1. */
int cell_vk(const regf_image *im, uint32_t rel, vk_cell *out, const char **why);

/* Copy a value's data (vk->size bytes) to 'out': 0, or -1 when the data
 * cells do not hold it. */
int cell_value_data(const regf_image *im, const vk_cell *vk, uint8_t *out,
                    const char **why);

/* A key's security descriptor, inside its sk cell: 1, 0 when the key
 * has none, -1 when the cell cannot be read. */
int cell_security(const regf_image *im, const nk_cell *nk,
                  const uint8_t **sd, uint32_t *size, const char **why);

/* A raw name (Latin-1 or UTF-16LE, as stored) as valid UTF-8 in 'out',
 * which has room for size * 3 + 1 bytes (Latin-1 needs at most two bytes
 * a character, UTF-16 three a unit).  Returns the length. */
size_t cell_name_utf8(const uint8_t *name, uint16_t size, int latin1,
                      char *out);

/* Does the raw name equal 'want' (UTF-8, 'want_len' bytes), ignoring
 * case as Windows does for key and value names? */
int cell_name_equals(const uint8_t *name, uint16_t size, int latin1,
                     const char *want, size_t want_len);

#endif /* DMAR_CELLS_H */
