/*
 * regfwrite.c - build and patch Windows registry hive (REGF) files for tests.
 *
 * Why this exists: see regfwrite.h.  In short, the dmarscan test fixtures
 * need a minimal empty hive for hivexregedit to merge into, and afterwards
 * need key timestamps, sequence numbers and checksums that hivexregedit
 * cannot set.  The layout follows the public REGF write-ups (base block,
 * hive bins, cells; nk/sk/lf/lh/li/ri records).
 *
 * Reading code never trusts the hive: every offset is checked against the
 * buffer, recursion is bounded by REGF_MAX_DEPTH and the number of cells a
 * walk may visit is bounded by the hive size, so a damaged hive (loops,
 * wild offsets) produces an error instead of a crash or a hang.
 */
#define _POSIX_C_SOURCE 200809L

#include "regfwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__GNUC__)
#define REGF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define REGF_PRINTF(f, a)
#endif

/* ---- Layout constants --------------------------------------------------- */

/* Base block (file header) fields. */
#define BB_SEQ1      0x04
#define BB_SEQ2      0x08
#define BB_TIME      0x0C
#define BB_MAJOR     0x14
#define BB_MINOR     0x18
#define BB_TYPE      0x1C
#define BB_FORMAT    0x20
#define BB_ROOT      0x24
#define BB_BINS_SIZE 0x28
#define BB_CLUSTER   0x2C
#define BB_NAME      0x30
#define BB_NAME_SIZE 64
#define BB_CHECKSUM  0x1FC

/* Hive bin header. */
#define HBIN_SIZE    4096u
#define HBIN_HEADER  32u
#define HBIN_OFFSET  0x04
#define HBIN_LENGTH  0x08
#define HBIN_TIME    0x14

/* Key node (nk) fields, relative to the cell data (the "nk" signature). */
#define NK_FLAGS     0x02
#define NK_TIME      0x04
#define NK_PARENT    0x10
#define NK_NSUBKEYS  0x14
#define NK_SUBLIST   0x1C
#define NK_VSUBLIST  0x20
#define NK_VALLIST   0x28
#define NK_SECURITY  0x2C
#define NK_CLASS     0x30
#define NK_NAMELEN   0x48
#define NK_NAME      0x4C

#define NK_HIVE_ENTRY 0x0004
#define NK_NO_DELETE  0x0008
#define NK_COMP_NAME  0x0020

/* Key security (sk) fields, relative to the cell data. */
#define SK_FLINK     0x04
#define SK_BLINK     0x08
#define SK_REFCOUNT  0x0C
#define SK_SDSIZE    0x10
#define SK_SD        0x14

#define NO_CELL      0xFFFFFFFFu
#define ROOT_CELL    HBIN_HEADER        /* hive-bin offset of the root key */
#define ROOT_NAME    "ROOT"

/* Access masks and ACE bits used in the root key's security descriptor. */
#define KEY_ALL_ACCESS        0x000F003Fu
#define KEY_READ              0x00020019u
#define ACCESS_ALLOWED_ACE    0x00
#define CONTAINER_INHERIT_ACE 0x02
#define SE_DACL_PRESENT       0x0004
#define SE_SELF_RELATIVE      0x8000
#define SD_MAX                256

/* Largest file regf_load_file() reads. */
#define LOAD_MAX ((size_t)1 << 30)

/* ---- Small helpers ------------------------------------------------------ */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	REGF_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xFF);
	p[1] = (unsigned char)((v >> 8) & 0xFF);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v & 0xFFFFFFFFu));
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t align8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

/* ---- The empty hive ----------------------------------------------------- */

/* A SID in the NT authority (S-1-5-...); returns its size. */
static size_t put_sid(unsigned char *p, const uint32_t *sub, unsigned nsub)
{
	unsigned i;

	p[0] = 1;                       /* revision */
	p[1] = (unsigned char)nsub;     /* sub-authority count */
	memset(p + 2, 0, 5);
	p[7] = 5;                       /* SECURITY_NT_AUTHORITY, big-endian */
	for (i = 0; i < nsub; i++)
		put32(p + 8 + 4 * i, sub[i]);
	return 8 + 4 * (size_t)nsub;
}

/* An ACCESS_ALLOWED ACE, inherited by subkeys; returns its size. */
static size_t put_ace(unsigned char *p, uint32_t mask,
		      const uint32_t *sub, unsigned nsub)
{
	size_t size = 8 + put_sid(p + 8, sub, nsub);

	p[0] = ACCESS_ALLOWED_ACE;
	p[1] = CONTAINER_INHERIT_ACE;
	put16(p + 2, (uint32_t)size);
	put32(p + 4, mask);
	return size;
}

/* Self-relative security descriptor of the root key into a zeroed sd[];
 * layout: header, DACL, owner SID, group SID.  Returns its size. */
static size_t build_sd(unsigned char *sd)
{
	static const uint32_t system[] = { 18 };        /* S-1-5-18 */
	static const uint32_t admins[] = { 32, 544 };   /* S-1-5-32-544 */
	static const uint32_t users[] = { 32, 545 };    /* S-1-5-32-545 */
	const size_t acl = 20;
	size_t pos = acl + 8, owner, group;

	pos += put_ace(sd + pos, KEY_ALL_ACCESS, system, 1);
	pos += put_ace(sd + pos, KEY_ALL_ACCESS, admins, 2);
	pos += put_ace(sd + pos, KEY_READ, users, 2);
	sd[acl] = 2;                                    /* ACL_REVISION */
	put16(sd + acl + 2, (uint32_t)(pos - acl));     /* AclSize */
	put16(sd + acl + 4, 3);                         /* AceCount */
	owner = pos;
	pos += put_sid(sd + pos, admins, 2);
	group = pos;
	pos += put_sid(sd + pos, system, 1);
	sd[0] = 1;                                      /* revision */
	put16(sd + 2, SE_DACL_PRESENT | SE_SELF_RELATIVE);
	put32(sd + 4, (uint32_t)owner);
	put32(sd + 8, (uint32_t)group);
	put32(sd + 16, (uint32_t)acl);                  /* no SACL at +12 */
	return pos;
}

static uint32_t root_cell_size(void)
{
	return align8(4 + NK_NAME + (uint32_t)strlen(ROOT_NAME));
}

/* The root key at hive-bin offset ROOT_CELL; bin is the first hive bin. */
static void put_root_key(unsigned char *bin, uint32_t sk, uint64_t filetime)
{
	unsigned char *cell = bin + ROOT_CELL, *nk = cell + 4;

	put32(cell, 0u - root_cell_size());             /* allocated */
	nk[0] = 'n';
	nk[1] = 'k';
	put16(nk + NK_FLAGS, NK_HIVE_ENTRY | NK_NO_DELETE | NK_COMP_NAME);
	put64(nk + NK_TIME, filetime);
	put32(nk + NK_PARENT, NO_CELL);
	put32(nk + NK_SUBLIST, NO_CELL);
	put32(nk + NK_VSUBLIST, NO_CELL);
	put32(nk + NK_VALLIST, NO_CELL);
	put32(nk + NK_SECURITY, sk);
	put32(nk + NK_CLASS, NO_CELL);
	put16(nk + NK_NAMELEN, (uint32_t)strlen(ROOT_NAME));
	memcpy(nk + NK_NAME, ROOT_NAME, strlen(ROOT_NAME));
}

/* The sk cell at hive-bin offset off, used once (by the root); returns
 * the cell size. */
static uint32_t put_security(unsigned char *bin, uint32_t off)
{
	unsigned char sd[SD_MAX] = { 0 };
	unsigned char *cell = bin + off, *sk = cell + 4;
	size_t sdsize = build_sd(sd);
	uint32_t size = align8((uint32_t)(4 + SK_SD + sdsize));

	put32(cell, 0u - size);
	sk[0] = 's';
	sk[1] = 'k';
	put32(sk + SK_FLINK, off);                      /* a list of one */
	put32(sk + SK_BLINK, off);
	put32(sk + SK_REFCOUNT, 1);
	put32(sk + SK_SDSIZE, (uint32_t)sdsize);
	memcpy(sk + SK_SD, sd, sdsize);
	return size;
}

static void put_hbin_header(unsigned char *bin, uint64_t filetime)
{
	memcpy(bin, "hbin", 4);
	put32(bin + HBIN_OFFSET, 0);
	put32(bin + HBIN_LENGTH, HBIN_SIZE);
	put64(bin + HBIN_TIME, filetime);
}

/* The file name field holds the tail of the path that fits, NUL-ended. */
static void put_file_name(unsigned char *field)
{
	static const char path[] = "\\SystemRoot\\System32\\Config\\SYSTEM";
	const size_t max = BB_NAME_SIZE / 2 - 1;
	size_t n = strlen(path), i;
	const char *s = n > max ? path + (n - max) : path;

	for (i = 0; s[i] != '\0'; i++)
		put16(field + 2 * i, (unsigned char)s[i]);
}

static uint32_t checksum(const unsigned char *base)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < BB_CHECKSUM; i += 4)
		sum ^= get32(base + i);
	if (sum == 0)
		return 1;
	if (sum == 0xFFFFFFFFu)
		return 0xFFFFFFFEu;
	return sum;
}

static void put_base_block(unsigned char *base, uint64_t filetime)
{
	memcpy(base, "regf", 4);
	put32(base + BB_SEQ1, 1);
	put32(base + BB_SEQ2, 1);
	put64(base + BB_TIME, filetime);
	put32(base + BB_MAJOR, 1);
	put32(base + BB_MINOR, 5);
	put32(base + BB_TYPE, 0);                       /* primary file */
	put32(base + BB_FORMAT, 1);                     /* direct memory load */
	put32(base + BB_ROOT, ROOT_CELL);
	put32(base + BB_BINS_SIZE, HBIN_SIZE);
	put32(base + BB_CLUSTER, 1);
	put_file_name(base + BB_NAME);
	put32(base + BB_CHECKSUM, checksum(base));
}

int regf_build_empty(unsigned char *buf, size_t len, uint64_t filetime,
		     char *err, size_t errlen)
{
	unsigned char *bin;
	uint32_t sk, free_cell;

	if (buf == NULL || len < REGF_EMPTY_HIVE_SIZE)
		return fail(err, errlen, "buffer too small for an empty hive");
	memset(buf, 0, REGF_EMPTY_HIVE_SIZE);
	bin = buf + REGF_BASE_BLOCK_SIZE;
	sk = ROOT_CELL + root_cell_size();
	free_cell = sk + put_security(bin, sk);
	put_root_key(bin, sk, filetime);
	put32(bin + free_cell, HBIN_SIZE - free_cell);  /* positive: free */
	put_hbin_header(bin, filetime);
	put_base_block(buf, filetime);
	return 0;
}

int regf_write_empty(const char *path, uint64_t filetime,
		     char *err, size_t errlen)
{
	unsigned char hive[REGF_EMPTY_HIVE_SIZE];

	if (regf_build_empty(hive, sizeof hive, filetime, err, errlen) != 0)
		return -1;
	return regf_save_file(path, hive, sizeof hive, err, errlen);
}

/* ---- Base block patches ------------------------------------------------- */

static int check_base(const unsigned char *hive, size_t len,
		      char *err, size_t errlen)
{
	if (hive == NULL || len < BB_CHECKSUM + 4)
		return fail(err, errlen, "hive too short for a base block "
			    "(%zu bytes)", hive == NULL ? (size_t)0 : len);
	return 0;
}

int regf_compute_checksum(const unsigned char *hive, size_t len,
			  uint32_t *sum, char *err, size_t errlen)
{
	if (check_base(hive, len, err, errlen) != 0)
		return -1;
	*sum = checksum(hive);
	return 0;
}

int regf_fix_checksum(unsigned char *hive, size_t len,
		      char *err, size_t errlen)
{
	if (check_base(hive, len, err, errlen) != 0)
		return -1;
	put32(hive + BB_CHECKSUM, checksum(hive));
	return 0;
}

int regf_set_sequence(unsigned char *hive, size_t len, uint32_t primary,
		      uint32_t secondary, char *err, size_t errlen)
{
	if (check_base(hive, len, err, errlen) != 0)
		return -1;
	put32(hive + BB_SEQ1, primary);
	put32(hive + BB_SEQ2, secondary);
	put32(hive + BB_CHECKSUM, checksum(hive));
	return 0;
}

int regf_set_hive_time(unsigned char *hive, size_t len, uint64_t filetime,
		       char *err, size_t errlen)
{
	unsigned char *bin;

	if (check_base(hive, len, err, errlen) != 0)
		return -1;
	put64(hive + BB_TIME, filetime);
	put32(hive + BB_CHECKSUM, checksum(hive));
	bin = hive + REGF_BASE_BLOCK_SIZE;
	if (len >= REGF_BASE_BLOCK_SIZE + HBIN_HEADER &&
	    memcmp(bin, "hbin", 4) == 0)
		put64(bin + HBIN_TIME, filetime);
	return 0;
}

/* ---- Reading cells ------------------------------------------------------ */

/* A hive being read: the buffer, how many more cells may be visited (so a
 * damaged hive cannot make a walk loop forever) and where errors go. */
struct hive {
	const unsigned char *data;
	size_t len;
	size_t budget;
	char *err;
	size_t errlen;
};

static int open_hive(struct hive *h, const unsigned char *data, size_t len,
		     char *err, size_t errlen)
{
	h->data = data;
	h->len = len;
	h->budget = len / 8 + 1;        /* a cell takes at least 8 bytes */
	h->err = err;
	h->errlen = errlen;
	if (data == NULL || len < REGF_BASE_BLOCK_SIZE + HBIN_HEADER)
		return fail(err, errlen, "too short to be a hive");
	if (memcmp(data, "regf", 4) != 0)
		return fail(err, errlen, "no \"regf\" signature");
	return 0;
}

/* Locate the cell at hive-bin offset off: *pos receives the file offset of
 * its data (after the size field), *size the data size.  Fails unless the
 * whole cell lies in the buffer and holds at least min bytes of data. */
static int cell_at(struct hive *h, uint32_t off, size_t min,
		   size_t *pos, size_t *size)
{
	size_t start;
	uint32_t raw, abs;

	if (h->budget == 0)
		return fail(h->err, h->errlen,
			    "too many cells visited (loop in the hive?)");
	h->budget--;
	if (off == NO_CELL)
		return fail(h->err, h->errlen, "missing cell (offset -1)");
	if (h->len < REGF_BASE_BLOCK_SIZE + 4 ||
	    off > h->len - REGF_BASE_BLOCK_SIZE - 4)
		return fail(h->err, h->errlen, "cell offset 0x%x beyond the "
			    "end of the hive", (unsigned)off);
	start = REGF_BASE_BLOCK_SIZE + (size_t)off;
	raw = get32(h->data + start);
	abs = (raw & 0x80000000u) ? 0u - raw : raw;
	if (abs < 4 || abs - 4 < min || abs > h->len - start)
		return fail(h->err, h->errlen, "bad cell size %u at file "
			    "offset 0x%zx", (unsigned)abs, start);
	*pos = start + 4;
	*size = abs - 4;
	return 0;
}

/* The nk cell at hive-bin offset off; *pos is the file offset of "nk". */
static int key_at(struct hive *h, uint32_t off, size_t *pos)
{
	const unsigned char *nk;
	size_t size;

	if (cell_at(h, off, NK_NAME, pos, &size) != 0)
		return -1;
	nk = h->data + *pos;
	if (nk[0] != 'n' || nk[1] != 'k')
		return fail(h->err, h->errlen, "cell at file offset 0x%zx is "
			    "not a key (nk)", *pos - 4);
	if ((size_t)NK_NAME + get16(nk + NK_NAMELEN) > size)
		return fail(h->err, h->errlen, "key name overruns its cell at "
			    "file offset 0x%zx", *pos - 4);
	return 0;
}

/* Called for each subkey; returns -1 (error), 0 (go on) or 1 (stop). */
typedef int (*subkey_fn)(struct hive *h, uint32_t child, void *ctx);

static int is_leaf(const unsigned char *list)
{
	return (list[0] == 'l' && list[1] == 'f') ||
	       (list[0] == 'l' && list[1] == 'h') ||
	       (list[0] == 'l' && list[1] == 'i');
}

/* Each element of an lf, lh or li list held at file offset pos. */
static int walk_leaf(struct hive *h, size_t pos, size_t size,
		     subkey_fn fn, void *ctx)
{
	const unsigned char *list = h->data + pos;
	size_t stride = list[1] == 'i' ? 4 : 8, n = get16(list + 2), i;
	int r;

	if (4 + n * stride > size)
		return fail(h->err, h->errlen, "subkey list overruns its cell "
			    "at file offset 0x%zx", pos - 4);
	for (i = 0; i < n; i++) {
		r = fn(h, get32(list + 4 + i * stride), ctx);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Each leaf list of an ri list held at file offset pos. */
static int walk_index_root(struct hive *h, size_t pos, size_t size,
			   subkey_fn fn, void *ctx)
{
	size_t n = get16(h->data + pos + 2), i, leaf, leaf_size;
	int r;

	if (4 + n * 4 > size)
		return fail(h->err, h->errlen, "index root overruns its cell "
			    "at file offset 0x%zx", pos - 4);
	for (i = 0; i < n; i++) {
		if (cell_at(h, get32(h->data + pos + 4 + 4 * i), 4,
			    &leaf, &leaf_size) != 0)
			return -1;
		if (!is_leaf(h->data + leaf))
			return fail(h->err, h->errlen, "index root entry at "
				    "file offset 0x%zx is not an lf/lh/li "
				    "list", leaf - 4);
		r = walk_leaf(h, leaf, leaf_size, fn, ctx);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Each subkey of the subkey list at hive-bin offset list. */
static int walk_subkeys(struct hive *h, uint32_t list, subkey_fn fn,
			void *ctx)
{
	size_t pos, size;
	const unsigned char *p;

	if (cell_at(h, list, 4, &pos, &size) != 0)
		return -1;
	p = h->data + pos;
	if (is_leaf(p))
		return walk_leaf(h, pos, size, fn, ctx);
	if (p[0] == 'r' && p[1] == 'i')
		return walk_index_root(h, pos, size, fn, ctx);
	return fail(h->err, h->errlen, "unknown subkey list type at file "
		    "offset 0x%zx", pos - 4);
}

/* ---- Finding keys ------------------------------------------------------- */

int regf_utf8_next(const char *text, size_t len, size_t *i, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t c, min;
	size_t n, k;

	if (*i >= len)
		return -1;
	c = s[*i];
	if (c < 0x80) {
		n = 0, min = 0;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 1, min = 0x80, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2, min = 0x800, c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3, min = 0x10000, c &= 0x07;
	} else {
		return -1;
	}
	if (len - *i <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[*i + k] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*i += n + 1;
	*cp = c;
	return 0;
}

/* Next character of a stored key name: Latin-1 bytes when compressed,
 * otherwise UTF-16LE (a lone surrogate stands for itself). */
static uint32_t next_stored(const unsigned char *s, size_t len, size_t *i,
			    int compressed)
{
	uint32_t u, v;

	if (compressed)
		return s[(*i)++];
	if (len - *i < 2) {
		*i = len;
		return 0xFFFD;
	}
	u = get16(s + *i);
	*i += 2;
	if (u >= 0xD800 && u < 0xDC00 && len - *i >= 2) {
		v = get16(s + *i);
		if (v >= 0xDC00 && v < 0xE000) {
			*i += 2;
			return 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
		}
	}
	return u;
}

static uint32_t fold(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Does the stored name equal want[0..wlen) (UTF-8; an invalid byte stands
 * for itself), ignoring ASCII case? */
static int name_equal(const unsigned char *name, size_t nlen, int compressed,
		      const char *want, size_t wlen)
{
	size_t i = 0, j = 0;
	uint32_t a, b;

	while (i < nlen && j < wlen) {
		a = next_stored(name, nlen, &i, compressed);
		if (regf_utf8_next(want, wlen, &j, &b) != 0)
			b = (unsigned char)want[j++];
		if (fold(a) != fold(b))
			return 0;
	}
	return i == nlen && j == wlen;
}

struct find {
	const char *name;
	size_t len;
	size_t pos;     /* file offset of the match's "nk" */
};

static int match_child(struct hive *h, uint32_t child, void *ctx)
{
	struct find *f = ctx;
	const unsigned char *nk;
	size_t pos;

	if (key_at(h, child, &pos) != 0)
		return -1;
	nk = h->data + pos;
	if (!name_equal(nk + NK_NAME, get16(nk + NK_NAMELEN),
			(get16(nk + NK_FLAGS) & NK_COMP_NAME) != 0,
			f->name, f->len))
		return 0;
	f->pos = pos;
	return 1;
}

/* The subkey of the key at file offset *pos named name[0..len). */
static int find_child(struct hive *h, size_t *pos, const char *name,
		      size_t len, const char *path)
{
	const unsigned char *nk = h->data + *pos;
	struct find f = { name, len, 0 };
	int r = 0;

	if (get32(nk + NK_NSUBKEYS) != 0)
		r = walk_subkeys(h, get32(nk + NK_SUBLIST), match_child, &f);
	if (r < 0)
		return -1;
	if (r == 0)
		return fail(h->err, h->errlen, "key not found: %s (no subkey "
			    "\"%.*s\")", path, (int)len, name);
	*pos = f.pos;
	return 0;
}

static int find_key(struct hive *h, const char *path, size_t *pos)
{
	const char *p = path;
	size_t n;

	if (key_at(h, get32(h->data + BB_ROOT), pos) != 0)
		return -1;
	while (*p != '\0') {
		if (*p == '\\') {
			p++;
			continue;
		}
		n = strcspn(p, "\\");
		if (find_child(h, pos, p, n, path) != 0)
			return -1;
		p += n;
	}
	return 0;
}

int regf_find_key(const unsigned char *hive, size_t len, const char *path,
		  size_t *offset, char *err, size_t errlen)
{
	struct hive h;
	size_t pos;

	if (path == NULL)
		return fail(err, errlen, "no key path");
	if (open_hive(&h, hive, len, err, errlen) != 0 ||
	    find_key(&h, path, &pos) != 0)
		return -1;
	*offset = pos - 4;
	return 0;
}

int regf_set_key_time(unsigned char *hive, size_t len, const char *path,
		      uint64_t filetime, char *err, size_t errlen)
{
	size_t off;

	if (regf_find_key(hive, len, path, &off, err, errlen) != 0)
		return -1;
	put64(hive + off + 4 + NK_TIME, filetime);
	return 0;
}

/* ---- Security descriptors --------------------------------------------- */

/* "S-1-5-32-545" -> binary SID into p (at most 68 bytes); returns its size,
 * 0 when the text is not a SID. */
static size_t sid_from_text(const char *text, unsigned char *p)
{
	unsigned long long authority;
	unsigned long sub;
	unsigned n = 0;
	char *end;

	if (strncmp(text, "S-1-", 4) != 0)
		return 0;
	authority = strtoull(text + 4, &end, 10);
	if (end == text + 4 || authority > 0xFFFFFFFFFFFFull)
		return 0;
	p[0] = 1;
	for (int i = 0; i < 6; i++)
		p[2 + i] = (unsigned char)(authority >> (8 * (5 - i)));
	while (*end == '-' && n < 15) {
		const char *s = end + 1;
		sub = strtoul(s, &end, 10);
		if (end == s || sub > 0xFFFFFFFFul)
			return 0;
		put32(p + 8 + 4 * n++, (uint32_t)sub);
	}
	if (*end != '\0' || n == 0)
		return 0;
	p[1] = (unsigned char)n;
	return 8 + 4 * (size_t)n;
}

int regf_build_sd(const char *owner, const char *const *aces, size_t naces,
		  unsigned char *sd, size_t cap, size_t *size,
		  char *err, size_t errlen)
{
	size_t pos = 20 + 8, i;
	unsigned char sid[68];
	size_t n;

	if (cap < 512)
		return fail(err, errlen, "descriptor buffer too small");
	memset(sd, 0, cap);
	for (i = 0; i < naces; i++) {
		/* allow:SID:MASK or deny:SID:MASK (MASK in hex) */
		char type[8], sidtext[128];
		unsigned long mask;
		if (sscanf(aces[i], "%7[a-z]:%127[^:]:%lx", type, sidtext, &mask) != 3 ||
		    (strcmp(type, "allow") != 0 && strcmp(type, "deny") != 0))
			return fail(err, errlen, "bad ACE '%s' (want allow:SID:MASK "
				    "or deny:SID:MASK)", aces[i]);
		if ((n = sid_from_text(sidtext, sid)) == 0)
			return fail(err, errlen, "bad SID '%s'", sidtext);
		if (pos + 8 + n > cap - 80)
			return fail(err, errlen, "too many ACEs");
		sd[pos] = strcmp(type, "allow") == 0 ? ACCESS_ALLOWED_ACE : 1;
		sd[pos + 1] = CONTAINER_INHERIT_ACE;
		put16(sd + pos + 2, (uint32_t)(8 + n));
		put32(sd + pos + 4, (uint32_t)mask);
		memcpy(sd + pos + 8, sid, n);
		pos += 8 + n;
	}
	sd[20] = 2;                                     /* ACL_REVISION */
	put16(sd + 22, (uint32_t)(pos - 20));
	put16(sd + 24, (uint32_t)naces);
	if ((n = sid_from_text(owner, sid)) == 0)
		return fail(err, errlen, "bad owner SID '%s'", owner);
	put32(sd + 4, (uint32_t)pos);                   /* owner */
	memcpy(sd + pos, sid, n);
	pos += n;
	put32(sd + 8, (uint32_t)pos);                   /* group: SYSTEM */
	n = sid_from_text("S-1-5-18", sid);
	memcpy(sd + pos, sid, n);
	pos += n;
	sd[0] = 1;
	put16(sd + 2, SE_DACL_PRESENT | SE_SELF_RELATIVE);
	put32(sd + 16, 20);                             /* DACL; no SACL */
	*size = pos;
	return 0;
}

int regf_set_key_security(unsigned char **hive, size_t *len, const char *path,
			  const unsigned char *sd, size_t sdlen,
			  char *err, size_t errlen)
{
	size_t off, old_pos, bins, fl_pos, size;
	uint32_t old_sk, new_sk, cell, old_flink;
	unsigned char *h, *bin;
	struct hive rd;

	if (regf_find_key(*hive, *len, path, &off, err, errlen) != 0)
		return -1;
	if (open_hive(&rd, *hive, *len, err, errlen) != 0)
		return -1;
	old_sk = get32(*hive + off + 4 + NK_SECURITY);
	if (cell_at(&rd, old_sk, SK_SD, &old_pos, &size) != 0)
		return -1;
	bins = get32(*hive + BB_BINS_SIZE);
	cell = align8((uint32_t)(4 + SK_SD + sdlen));
	if (cell > HBIN_SIZE - HBIN_HEADER - 8 ||
	    REGF_BASE_BLOCK_SIZE + bins != *len)
		return fail(err, errlen, "cannot add a security cell here");
	h = realloc(*hive, *len + HBIN_SIZE);
	if (h == NULL)
		return fail(err, errlen, "out of memory");
	*hive = h;
	bin = h + *len;
	memset(bin, 0, HBIN_SIZE);
	memcpy(bin, "hbin", 4);
	put32(bin + HBIN_OFFSET, (uint32_t)bins);
	put32(bin + HBIN_LENGTH, HBIN_SIZE);
	new_sk = (uint32_t)bins + HBIN_HEADER;
	put32(bin + HBIN_HEADER, 0u - cell);            /* allocated */
	memcpy(bin + HBIN_HEADER + 4, "sk", 2);
	old_flink = get32(h + old_pos + SK_FLINK);
	put32(bin + HBIN_HEADER + 4 + SK_FLINK, old_flink);
	put32(bin + HBIN_HEADER + 4 + SK_BLINK, old_sk);
	put32(bin + HBIN_HEADER + 4 + SK_REFCOUNT, 1);
	put32(bin + HBIN_HEADER + 4 + SK_SDSIZE, (uint32_t)sdlen);
	memcpy(bin + HBIN_HEADER + 4 + SK_SD, sd, sdlen);
	put32(bin + HBIN_HEADER + cell, HBIN_SIZE - HBIN_HEADER - cell);   /* free */
	/* link it after the old one: old <-> new <-> old's next */
	fl_pos = REGF_BASE_BLOCK_SIZE + (size_t)old_flink + 4;
	if (fl_pos + SK_BLINK + 4 <= *len)
		put32(h + fl_pos + SK_BLINK, new_sk);
	put32(h + old_pos + SK_FLINK, new_sk);
	if (get32(h + old_pos + SK_REFCOUNT) > 1)
		put32(h + old_pos + SK_REFCOUNT, get32(h + old_pos + SK_REFCOUNT) - 1);
	put32(h + off + 4 + NK_SECURITY, new_sk);
	*len += HBIN_SIZE;
	put32(h + BB_BINS_SIZE, (uint32_t)(bins + HBIN_SIZE));
	put32(h + BB_CHECKSUM, checksum(h));
	return 0;
}

/* ---- Walking the whole tree --------------------------------------------- */

struct stamp {
	unsigned char *data;    /* the same buffer as hive.data, writable */
	uint64_t filetime;
	size_t count;
	unsigned depth;
};

static int stamp_key(struct hive *h, uint32_t off, void *ctx)
{
	struct stamp *s = ctx;
	size_t pos;
	int r = 0;

	if (s->depth >= REGF_MAX_DEPTH)
		return fail(h->err, h->errlen, "keys nested deeper than %d "
			    "levels (loop in the hive?)", REGF_MAX_DEPTH);
	if (key_at(h, off, &pos) != 0)
		return -1;
	put64(s->data + pos + NK_TIME, s->filetime);
	s->count++;
	if (get32(h->data + pos + NK_NSUBKEYS) != 0) {
		s->depth++;
		r = walk_subkeys(h, get32(h->data + pos + NK_SUBLIST),
				 stamp_key, s);
		s->depth--;
	}
	return r < 0 ? -1 : 0;
}

int regf_set_all_key_times(unsigned char *hive, size_t len, uint64_t filetime,
			   size_t *nkeys, char *err, size_t errlen)
{
	struct hive h;
	struct stamp s = { hive, filetime, 0, 0 };

	if (open_hive(&h, hive, len, err, errlen) != 0 ||
	    stamp_key(&h, get32(hive + BB_ROOT), &s) != 0)
		return -1;
	if (nkeys != NULL)
		*nkeys = s.count;
	return 0;
}

/* ---- Times -------------------------------------------------------------- */

/* Exactly n decimal digits at *p. */
static int digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Optional ".fffffff" (1 to 7 digits) in 100 ns units. */
static int fraction(const char **p, uint64_t *ticks)
{
	int n = 0;

	*ticks = 0;
	if (expect(p, '.') != 0)
		return 0;
	while (**p >= '0' && **p <= '9' && n < 7) {
		*ticks = *ticks * 10 + (uint64_t)(**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || (**p >= '0' && **p <= '9'))
		return -1;
	for (; n < 7; n++)
		*ticks *= 10;
	return 0;
}

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1601-01-01 (the start of a 400-year cycle) to y-m-d. */
static uint64_t days_since_1601(unsigned y, unsigned m, unsigned d)
{
	static const unsigned before[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
	};
	uint64_t n = y - 1601u;
	uint64_t days = 365 * n + n / 4 - n / 100 + n / 400;

	days += before[m - 1] + (m > 2 && is_leap(y)) + (d - 1);
	return days;
}

static int valid_date(unsigned y, unsigned mo, unsigned d,
		      unsigned h, unsigned mi, unsigned s)
{
	static const unsigned mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (y < 1601 || y > 30827 || mo < 1 || mo > 12 || d < 1)
		return 0;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return 0;
	return h < 24 && mi < 60 && s < 60;
}

int regf_parse_time(const char *text, uint64_t *filetime,
		    char *err, size_t errlen)
{
	const char *p = text;
	unsigned y, mo, d, h, mi, s;
	uint64_t ticks, secs;

	if (p == NULL || digits(&p, 4, &y) || expect(&p, '-') ||
	    digits(&p, 2, &mo) || expect(&p, '-') || digits(&p, 2, &d) ||
	    expect(&p, 'T') || digits(&p, 2, &h) || expect(&p, ':') ||
	    digits(&p, 2, &mi) || expect(&p, ':') || digits(&p, 2, &s) ||
	    fraction(&p, &ticks) || expect(&p, 'Z') || *p != '\0')
		return fail(err, errlen, "bad time \"%s\" (want "
			    "YYYY-MM-DDTHH:MM:SS[.fffffff]Z)",
			    text == NULL ? "" : text);
	if (!valid_date(y, mo, d, h, mi, s))
		return fail(err, errlen, "time out of range: \"%s\"", text);
	secs = days_since_1601(y, mo, d) * 86400u + h * 3600u + mi * 60u + s;
	*filetime = secs * 10000000u + ticks;
	return 0;
}

/* ---- Files -------------------------------------------------------------- */

static int read_all(int fd, unsigned char **data, size_t *len,
		    const char *path, char *err, size_t errlen)
{
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap + 1), *bigger;
	ssize_t got;

	while (buf != NULL) {
		if (n == cap) {
			if (cap >= LOAD_MAX) {
				free(buf);
				return fail(err, errlen, "%s: file too large",
					    path);
			}
			bigger = realloc(buf, 2 * cap + 1);
			if (bigger == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return fail(err, errlen, "%s: read: %s", path,
				    strerror(errno));
		}
		if (got == 0) {
			buf[n] = '\0';
			*data = buf;
			*len = n;
			return 0;
		}
		n += (size_t)got;
	}
	free(buf);
	return fail(err, errlen, "%s: out of memory", path);
}

int regf_load_file(const char *path, unsigned char **data, size_t *len,
		   char *err, size_t errlen)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));
	r = read_all(fd, data, len, path, err, errlen);
	if (close(fd) != 0 && r == 0) {
		free(*data);
		*data = NULL;
		return fail(err, errlen, "%s: close: %s", path,
			    strerror(errno));
	}
	return r;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t put;

	while (len > 0) {
		put = write(fd, data, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		data += put;
		len -= (size_t)put;
	}
	return 0;
}

/* Write and close fd (a fresh temporary file); errno tells on failure. */
static int fill_temp(int fd, const unsigned char *data, size_t len)
{
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int regf_save_file(const char *path, const unsigned char *data, size_t len,
		   char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + sizeof ".XXXXXX");
	int fd;

	if (tmp == NULL)
		return fail(err, errlen, "%s: out of memory", path);
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", sizeof ".XXXXXX");
	fd = mkstemp(tmp);
	if (fd < 0) {
		fail(err, errlen, "%s: cannot create a temporary file: %s",
		     path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fill_temp(fd, data, len) != 0 || rename(tmp, path) != 0) {
		fail(err, errlen, "cannot save %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
