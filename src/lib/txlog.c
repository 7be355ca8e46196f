/*
 * txlog.c - replay a dirty hive's transaction logs, in memory.
 *
 * A hive copied from a disk image is usually dirty: its base block's
 * sequence numbers differ (or its checksum fails) and the newest changes
 * sit in NAME.LOG1/LOG2 (Windows 8.1 and later: log entries "HvLE", each
 * with its sequence number, hashes and dirty pages) or, older, in
 * NAME.LOG1/LOG2 or NAME.LOG holding a dirty vector "DIRT" and 512-byte
 * sectors.  This file finds the logs beside the hive (or takes them from
 * buffers the caller read, dmar_hive_open_memory), checks each one
 * (signature, checksum, that it belongs to this hive), reads its valid
 * entries and replays what the kernel would, as Maxim Suhanov's "Windows
 * registry file format specification" describes:
 *
 *  - new format, sound primary base block: every log whose first entry is
 *    not older than the hive's secondary sequence number takes part; the
 *    one with the earlier entries is applied first, and the next one only
 *    when its first entry continues the sequence (N + 1); each log's run
 *    ends at its first damaged entry or sequence break;
 *  - new format, damaged primary base block: only the log with the latest
 *    entries is used, and its base block replaces the primary's;
 *  - old format: LOG1 when its time stamp matches the hive's; else a valid
 *    LOG2 that is more recent (as Windows 8 and KB3140410 do); NAME.LOG only
 *    when the hive has no LOG1/LOG2 (beside them it is a leftover).
 *
 * The image grows as entries announce, never beyond what the hive and its
 * logs could hold.  The log files are only read.
 *
 * The Marvin32 seed: the specification gives 14219357686671994754 as the
 * little-endian bytes of the seed; read as a number the seed is
 * 0x82EF4D887A4E55C5 (verified against the hashes of real Windows 10 logs).
 */
#include "config.h"

#include "bounds.h"
#include "txlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "text.h"

#define BASE_BLOCK 4096u
#define SECTOR 512u
#define ENTRY_HEADER 40u
#define PAGE 4096u
#define MARVIN_SEED 0x82EF4D887A4E55C5ull

enum { FORMAT_UNKNOWN, FORMAT_NEW, FORMAT_OLD };
enum { KIND_LOG1, KIND_LOG2, KIND_LOG, N_KINDS };
/* The end of a log's name, by kind (any case). */
static const char *const LOG_SUFFIXES[N_KINDS] = { ".LOG1", ".LOG2", ".LOG" };

/* One valid new-format entry. */
typedef struct log_entry {
	uint32_t seq;
	uint32_t flags;
	uint32_t hbins_size;
	uint32_t n_pages;
	const uint8_t *refs;       /* n_pages * (offset, size) */
	const uint8_t *pages;      /* the pages, back to back */
} log_entry;

typedef struct log_file {
	dmar_log_info *info;
	int kind;                  /* KIND_LOG1, KIND_LOG2 or KIND_LOG */
	const uint8_t *data;       /* read from its file, or the caller's */
	uint8_t *owned;            /* what read_log allocated, freed at the end */
	size_t size;
	int format;
	int usable;                /* base block fine and of this hive */
	arena_vec entries;         /* log_entry, consecutive sequence numbers */
} log_file;

/* What a replay needs to know besides the logs. */
typedef struct replay_ctx {
	dmar_arena *a;
	txlog_image *img;
	txlog_result *r;
	uint64_t hbins_cap;        /* the most hive bins a log may announce */
	uint8_t *touched;          /* a bit per page written (distinct count) */
	size_t touched_pages;
} replay_ctx;

/* ---- Marvin32 and checksums ------------------------------------------------- */

static uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_block(uint32_t *lo, uint32_t *hi)
{
	*hi ^= *lo;
	*lo = rotl32(*lo, 20);
	*lo += *hi;
	*hi = rotl32(*hi, 9);
	*hi ^= *lo;
	*lo = rotl32(*lo, 27);
	*lo += *hi;
	*hi = rotl32(*hi, 19);
}

uint64_t txlog_marvin32(const uint8_t *data, size_t size)
{
	uint32_t lo = (uint32_t)MARVIN_SEED, hi = (uint32_t)(MARVIN_SEED >> 32);
	size_t i = 0;
	for (; size - i >= 4; i += 4) {
		lo += le32(data + i);
		marvin_block(&lo, &hi);
	}
	uint32_t last = 0x80;   /* the tail, then a 0x80 end marker */
	switch (size - i) {
	case 1: last = 0x8000u | data[i]; break;
	case 2: last = 0x800000u | data[i] | (uint32_t)data[i + 1] << 8; break;
	case 3: last = 0x80000000u | data[i] | (uint32_t)data[i + 1] << 8 |
	               (uint32_t)data[i + 2] << 16; break;
	}
	lo += last;
	marvin_block(&lo, &hi);
	marvin_block(&lo, &hi);
	return (uint64_t)hi << 32 | lo;
}

uint32_t txlog_base_block_checksum(const uint8_t *b)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= le32(b + i);
	if (sum == 0)
		sum = 1;
	else if (sum == 0xFFFFFFFFu)
		sum = 0xFFFFFFFEu;
	return sum;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int base_block_sound(const uint8_t *b)
{
	return le32(b + 508) == txlog_base_block_checksum(b);
}

/* ---- Finding and reading the logs ---------------------------------------------- */

/* A log problem: damage or a mismatch (HIVE-LOG-DAMAGED)... */
static void problem(dmar_arena *a, log_file *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ... or why a sound log was not used. */
static void not_used(dmar_arena *a, log_file *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void vset_problem(dmar_arena *a, log_file *l, int damaged,
                         const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void vset_problem(dmar_arena *a, log_file *l, int damaged,
                         const char *fmt, va_list ap)
{
	if (l->info->problem != NULL)
		return;   /* the first reason counts */
	l->info->damaged = damaged;
	l->info->problem = arena_vprintf(a, fmt, ap);
}

static void problem(dmar_arena *a, log_file *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_problem(a, l, 1, fmt, ap);
	va_end(ap);
}

static void not_used(dmar_arena *a, log_file *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_problem(a, l, 0, fmt, ap);
	va_end(ap);
}

/* The logs of the hive at 'hive_path' in its folder: NAME.LOG1, NAME.LOG2,
 * NAME.LOG, one of each, matched in any case (the exact case first, else
 * the lowest name).  names[k] is NULL when there is none. */
static int find_logs(dmar_arena *a, const char *hive_path, const char *names[N_KINDS])
{
	const char *slash = strrchr(hive_path, '/');
	int dirlen = slash ? (int)(slash - hive_path) : 0;
	const char *base = slash ? slash + 1 : hive_path;
	const char *dir = !slash ? "." : dirlen ? arena_strndup(a, hive_path, (size_t)dirlen)
	                                        : "/";
	size_t blen = strlen(base);
	const char *found[N_KINDS] = { NULL, NULL, NULL };
	int exact[N_KINDS] = { 0, 0, 0 };
	DIR *d = dir ? opendir(dir) : NULL;
	for (int k = 0; k < N_KINDS; k++)
		names[k] = NULL;
	if (d == NULL || blen == 0) {
		if (d != NULL)
			closedir(d);
		return arena_failed(a) ? -1 : 0;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (text_ncasecmp(e->d_name, base, blen) != 0)
			continue;
		for (int k = 0; k < N_KINDS; k++) {
			const char *suffix = e->d_name + blen;
			if (text_casecmp(suffix, LOG_SUFFIXES[k]) != 0)
				continue;
			int is_exact = strncmp(e->d_name, base, blen) == 0 &&
			               strcmp(suffix, LOG_SUFFIXES[k]) == 0;
			if (found[k] == NULL || (is_exact && !exact[k]) ||
			    (is_exact == exact[k] && strcmp(e->d_name, found[k]) < 0)) {
				found[k] = arena_strdup(a, e->d_name);
				exact[k] = is_exact;
			}
		}
	}
	closedir(d);
	for (int k = 0; k < N_KINDS; k++)
		if (found[k] != NULL)
			names[k] = slash ? arena_printf(a, "%.*s/%s", dirlen, hive_path,
			                                found[k])
			                 : found[k];
	return arena_failed(a) ? -1 : 0;
}

static void hash_hex(const uint8_t *data, size_t size, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	out[0] = '\0';
	if (EVP_Digest(data, size, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void txlog_sha256(const uint8_t *data, size_t size, char out[65])
{
	hash_hex(data, size, out);
}

/* Read a log whole (read-only; never blocks on a FIFO or a device).
 * Problems are recorded, not fatal. */
static void read_log(dmar_arena *a, log_file *l)
{
	int fd = open(l->info->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		problem(a, l, "cannot read: %s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		problem(a, l, "not a regular file");
	} else if ((uint64_t)st.st_size > LOG_MAX_SIZE) {
		problem(a, l, "%jd bytes: too large for a transaction log",
		        (intmax_t)st.st_size);
	} else {
		size_t want = (size_t)st.st_size, got = 0;
		l->owned = malloc(want ? want : 1);
		l->data = l->owned;
		while (l->owned != NULL && got < want) {
			ssize_t r = read(fd, l->owned + got, want - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (l->data == NULL)
			problem(a, l, "out of memory");
		else if (got != want)
			problem(a, l, "read error after %zu of %zu bytes", got, want);
		l->size = got;
		l->info->size = got;
		if (l->data != NULL)
			hash_hex(l->data, got, l->info->sha256);
	}
	if (fd >= 0)
		close(fd);
}

/* ---- Checking a log against the hive ---------------------------------------- */

static int has_guids(const uint8_t *b)
{
	return memcmp(b + 164, "rmtm", 4) == 0;
}

static void check_log(dmar_arena *a, log_file *l, const uint8_t *hive)
{
	const uint8_t *b = l->data;
	/* a damaged primary base block cannot tell whose log this is */
	int hive_sound = base_block_sound(hive);
	if (l->size < SECTOR || memcmp(b, "regf", 4) != 0) {
		problem(a, l, "not a transaction log (no 'regf' base block)");
		return;
	}
	uint32_t type = le32(b + 28), cf = le32(b + 44);
	l->format = type == 6 ? FORMAT_NEW : (type == 1 || type == 2) ? FORMAT_OLD
	          : FORMAT_UNKNOWN;
	l->info->format = l->format == FORMAT_NEW ? "new"
	                : l->format == FORMAT_OLD ? "old" : "unknown";
	if (l->format == FORMAT_UNKNOWN)
		problem(a, l, "base block of file type %u, not a transaction log", type);
	else if (!base_block_sound(b))
		problem(a, l, "its base block checksum does not match: damaged");
	else if (hive_sound && has_guids(b) && has_guids(hive)
	         ? memcmp(b + 112, hive + 112, 16) != 0   /* the RmId decides */
	         : hive_sound && memcmp(b + 48, hive + 48, 64) != 0)
		problem(a, l, "it belongs to another hive (its base block names %s)",
		        has_guids(b) && has_guids(hive) ? "another resource manager"
		                                        : "a different file");
	else if (l->format == FORMAT_OLD && (cf == 0 || cf > 64))
		problem(a, l, "clustering factor %u is not plausible", cf);
	else
		l->usable = 1;
}

/* ---- New format: log entries ---------------------------------------------------- */

/* Check the page references of an entry: 4096-byte pages inside the hive
 * bins data, and inside the entry. */
static int entry_pages_fit(const uint8_t *e, uint32_t size, uint32_t count,
                           uint32_t hbins)
{
	if ((uint64_t)count * 8 > size - ENTRY_HEADER)
		return 0;
	uint64_t total = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t off = le32(e + ENTRY_HEADER + 8 * i);
		uint32_t len = le32(e + ENTRY_HEADER + 8 * i + 4);
		if (len == 0 || len % PAGE || off % PAGE || (uint64_t)off + len > hbins)
			return 0;
		total += len;
	}
	return ENTRY_HEADER + (uint64_t)count * 8 + total <= size;
}

/* Read the log's entries (from byte 512: since Windows 8 the sector is
 * 512 bytes whatever the clustering factor says): a run of consecutive
 * sequence numbers starting with the one its base block names.  A lower
 * number ends the run quietly (an old entry left from an earlier use of the
 * file); damage or a higher number ends it with a problem. */
static void read_entries(replay_ctx *c, log_file *l)
{
	size_t off = SECTOR;
	uint32_t expect = le32(l->data + 4);
	while (off + ENTRY_HEADER <= l->size && memcmp(l->data + off, "HvLE", 4) == 0) {
		const uint8_t *e = l->data + off;
		uint32_t size = le32(e + 4), seq = le32(e + 12);
		uint32_t hbins = le32(e + 16), count = le32(e + 20);
		if (size < ENTRY_HEADER || size % SECTOR || size > l->size - off) {
			problem(c->a, l, "the entry at offset %zu (sequence %u) is cut off "
			        "or has a bad size (%u bytes): the log is truncated or "
			        "damaged", off, seq, size);
			return;
		}
		if (txlog_marvin32(e + ENTRY_HEADER, size - ENTRY_HEADER) != le64(e + 24) ||
		    txlog_marvin32(e, 32) != le64(e + 32)) {
			problem(c->a, l, "the entry at offset %zu (sequence %u) has a bad "
			        "hash: damaged", off, seq);
			return;
		}
		if (hbins == 0 || hbins % PAGE || !entry_pages_fit(e, size, count, hbins)) {
			problem(c->a, l, "the entry at offset %zu (sequence %u) has a bad "
			        "hive bins size or page list", off, seq);
			return;
		}
		if (hbins > c->hbins_cap) {
			problem(c->a, l, "the entry at offset %zu (sequence %u) announces "
			        "%u bytes of hive bins, more than the hive and its logs "
			        "can hold (%" PRIu64 "): damaged or hostile", off, seq,
			        hbins, c->hbins_cap);
			return;
		}
		if (l->info->entries == 0 && seq != expect) {
			problem(c->a, l, "its first entry has sequence number %u, its base "
			        "block names %u: not applied", seq, expect);
			return;
		}
		if (seq < expect)
			return;   /* an old entry left from an earlier use of the file */
		if (seq > expect) {
			problem(c->a, l, "sequence gap: after %u the next entry is %u; "
			        "entries from %u on were not replayed", expect - 1, seq, seq);
			return;
		}
		log_entry *le = arena_vec_push(c->a, &l->entries);
		if (le == NULL)
			return;
		le->seq = seq;
		le->flags = le32(e + 8);
		le->hbins_size = hbins;
		le->n_pages = count;
		le->refs = e + ENTRY_HEADER;
		le->pages = e + ENTRY_HEADER + (size_t)count * 8;
		if (l->info->entries == 0)
			l->info->first_seq = seq;
		l->info->last_seq = seq;
		l->info->entries++;
		expect = seq + 1;
		off += size;
	}
}

/* Mark the pages [off, off + len) of the hive bins as written; returns how
 * many were not written before. */
static uint32_t touch(replay_ctx *c, uint64_t off, uint64_t len)
{
	uint32_t fresh = 0;
	for (uint64_t p = off / PAGE; p < (off + len + PAGE - 1) / PAGE; p++) {
		if (p >= c->touched_pages)
			break;
		uint8_t bit = (uint8_t)(1u << (p % 8));
		if (!(c->touched[p / 8] & bit)) {
			c->touched[p / 8] |= bit;
			fresh++;
		}
	}
	return fresh;
}

/* Make the image hold 'hbins' bytes of hive bins; on failure the log gets
 * the problem and the replay stops. */
static int ensure_size(replay_ctx *c, log_file *l, uint32_t hbins, uint32_t seq)
{
	uint64_t need = (uint64_t)BASE_BLOCK + hbins;
	if (need <= c->img->size)
		return 0;
	if (need <= SIZE_MAX && c->img->grow(c->img, (size_t)need) == 0)
		return 0;
	problem(c->a, l, "the entry with sequence %u grows the hive to %" PRIu64
	        " bytes, which could not be allocated: replay stopped before it",
	        seq, need);
	return -1;
}

static void apply_entry(replay_ctx *c, log_file *l, const log_entry *e)
{
	txlog_image *img = c->img;
	const uint8_t *page = e->pages;
	for (uint32_t i = 0; i < e->n_pages; i++) {
		uint32_t off = le32(e->refs + 8 * i), len = le32(e->refs + 8 * i + 4);
		memcpy(img->data + BASE_BLOCK + off, page, len);
		page += len;
		c->r->pages += touch(c, off, len);
		l->info->pages_applied += len / PAGE;
	}
	l->info->entries_applied++;
	l->info->applied = 1;
	put_le32(img->data + 4, e->seq);
	put_le32(img->data + 8, e->seq);
	put_le32(img->data + 40, e->hbins_size);
	/* only bit 0 of the base block's flags travels in a log entry */
	put_le32(img->data + 144, (le32(img->data + 144) & ~1u) | (e->flags & 1u));
	if (!c->r->recovered)
		c->r->first_seq = e->seq;
	c->r->last_seq = e->seq;
	c->r->recovered = 1;
}

/* Apply a log's whole run; 0, or -1 when the image could not grow. */
static int apply_log(replay_ctx *c, log_file *l)
{
	const log_entry *e = l->entries.items;
	for (size_t k = 0; k < l->entries.count; k++) {
		if (ensure_size(c, l, e[k].hbins_size, e[k].seq) != 0)
			return -1;
		apply_entry(c, l, &e[k]);
	}
	return 0;
}

/* The sound primary base block case: logs whose first entry is not older
 * than the secondary sequence number, earlier entries first, the next log
 * only when it continues the sequence. */
static void replay_new(replay_ctx *c, log_file *logs, size_t n)
{
	uint32_t secondary = le32(c->img->data + 8);
	log_file *order[N_KINDS];
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		log_file *l = &logs[i];
		if (!l->usable || l->format != FORMAT_NEW || l->entries.count == 0)
			continue;
		if (l->info->last_seq < secondary) {
			not_used(c->a, l, "its entries (%u to %u) are not newer than the "
			         "hive (secondary sequence number %u): already applied",
			         l->info->first_seq, l->info->last_seq, secondary);
			continue;
		}
		if (l->info->first_seq < secondary) {
			problem(c->a, l, "its entries (%u to %u) start before the hive's "
			        "secondary sequence number %u: out of sequence, not "
			        "applied (Windows does not start a replay inside a log)",
			        l->info->first_seq, l->info->last_seq, secondary);
			continue;
		}
		size_t k = m++;
		while (k > 0 && order[k - 1]->info->first_seq > l->info->first_seq) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = l;
	}
	for (size_t k = 0; k < m; k++) {
		log_file *l = order[k];
		uint32_t next = c->r->last_seq + 1;
		if (c->r->recovered && l->info->first_seq > next) {
			problem(c->a, l, "sequence gap: after %u the next entry is %u; "
			        "entries from %u on were not replayed", next - 1,
			        l->info->first_seq, l->info->first_seq);
			return;
		}
		if (c->r->recovered && l->info->first_seq < next) {
			problem(c->a, l, "its entries start at %u, inside the sequence "
			        "already replayed (to %u) from another log: not applied",
			        l->info->first_seq, next - 1);
			return;
		}
		if (apply_log(c, l) != 0)
			return;
	}
}

/* The usable new-format log with the latest entries (else the highest
 * sequence number in its base block), or NULL. */
static log_file *latest_log(log_file *logs, size_t n)
{
	log_file *best = NULL;
	for (size_t i = 0; i < n; i++) {
		log_file *l = &logs[i];
		if (!l->usable || l->format != FORMAT_NEW)
			continue;
		uint32_t mine = l->entries.count ? l->info->last_seq : le32(l->data + 4);
		uint32_t theirs = best == NULL ? 0 : best->entries.count
		                ? best->info->last_seq : le32(best->data + 4);
		if (best == NULL || (l->entries.count && !best->entries.count) ||
		    (!l->entries.count == !best->entries.count && mine > theirs))
			best = l;
	}
	return best;
}

/* The damaged primary base block case: the log with the latest entries
 * gives its base block and is replayed alone. */
static void replay_from_latest(replay_ctx *c, log_file *logs, size_t n)
{
	log_file *latest = latest_log(logs, n);
	if (latest == NULL)
		return;
	memcpy(c->img->data, latest->data, 508);
	put_le32(c->img->data + 28, 0);   /* a primary file again */
	c->r->base_block_restored = 1;
	for (size_t i = 0; i < n; i++)
		if (&logs[i] != latest && logs[i].usable && logs[i].format == FORMAT_NEW)
			not_used(c->a, &logs[i], "not used: the hive's base block is "
			         "damaged, so only the log with the latest entries is "
			         "replayed");
	if (ensure_size(c, latest, le32(latest->data + 40), le32(latest->data + 4)) == 0)
		apply_log(c, latest);
}

/* ---- Old format: dirty vector and sectors ------------------------------------------ */

/* Where an old-format log's sectors start, and how many are dirty; 0 when
 * the dirty vector is not valid (the problem is recorded). */
static int old_layout(replay_ctx *c, log_file *l, size_t *pages_at, size_t *dirty)
{
	const uint8_t *b = l->data;
	uint32_t hbins = le32(b + 40);
	size_t sector = (size_t)le32(b + 44) * SECTOR;
	size_t bits = hbins / SECTOR, bytes = (bits + 7) / 8;
	if (le32(b + 4) != le32(b + 8)) {
		problem(c->a, l, "its sequence numbers differ: the log itself was not "
		        "completely written");
		return 0;
	}
	if (hbins == 0 || hbins % PAGE || hbins > c->hbins_cap ||
	    sector + 4 + bytes > l->size || memcmp(b + sector, "DIRT", 4) != 0) {
		problem(c->a, l, "no valid dirty vector");
		return 0;
	}
	const uint8_t *bitmap = b + sector + 4;
	*pages_at = (sector + 4 + bytes + sector - 1) / sector * sector;
	*dirty = 0;
	for (size_t i = 0; i < bits; i++)
		*dirty += (bitmap[i / 8] >> (i % 8)) & 1;
	if (*pages_at > l->size || *dirty > (l->size - *pages_at) / SECTOR) {
		problem(c->a, l, "truncated: %zu dirty sectors announced, the file "
		        "holds fewer", *dirty);
		return 0;
	}
	/* a dirty hive bin header must name its own place */
	size_t k = 0;
	for (size_t i = 0; i < bits; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		const uint8_t *p = b + *pages_at + SECTOR * k++;
		if ((i * SECTOR) % PAGE == 0 && memcmp(p, "hbin", 4) == 0 &&
		    le32(p + 4) != i * SECTOR) {
			problem(c->a, l, "the dirty hive bin at %zu names offset %u: "
			        "damaged", i * SECTOR, le32(p + 4));
			return 0;
		}
	}
	return 1;
}

static void apply_old(replay_ctx *c, log_file *l)
{
	size_t pages_at, dirty;
	if (!old_layout(c, l, &pages_at, &dirty))
		return;
	const uint8_t *b = l->data, *bitmap = b + (size_t)le32(b + 44) * SECTOR + 4;
	uint32_t hbins = le32(b + 40);
	if (ensure_size(c, l, hbins, le32(b + 4)) != 0)
		return;
	if (!base_block_sound(c->img->data)) {
		memcpy(c->img->data, b, 508);   /* the log keeps a good copy */
		put_le32(c->img->data + 28, 0);
		c->r->base_block_restored = 1;
	}
	uint32_t before = c->r->pages;
	size_t k = 0;
	for (size_t i = 0; i < hbins / SECTOR; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		memcpy(c->img->data + BASE_BLOCK + SECTOR * i, b + pages_at + SECTOR * k++,
		       SECTOR);
		c->r->pages += touch(c, SECTOR * i, SECTOR);
	}
	put_le32(c->img->data + 4, le32(b + 4));
	put_le32(c->img->data + 8, le32(b + 4));
	put_le32(c->img->data + 40, hbins);
	l->info->pages_applied = c->r->pages - before;
	l->info->applied = 1;
	c->r->recovered = 1;
	c->r->first_seq = c->r->last_seq = le32(b + 4);
}

/* The hive's time: its base block's, else its first hive bin's. */
static uint64_t hive_time(const txlog_image *img)
{
	if (base_block_sound(img->data))
		return le64(img->data + 12);
	return img->size >= BASE_BLOCK + 28 ? le64(img->data + BASE_BLOCK + 20) : 0;
}

static log_file *of_kind(log_file *logs, size_t n, int kind, int format)
{
	for (size_t i = 0; i < n; i++)
		if (logs[i].kind == kind && logs[i].usable && logs[i].format == format)
			return &logs[i];
	return NULL;
}

/* Old format: LOG1 when its time matches the hive's; else LOG2 when it
 * matches, or is valid and newer than LOG1 (Windows 8, KB3140410); NAME.LOG
 * (the single-log scheme) when it matches and the hive has no LOG1/LOG2. */
static void replay_old(replay_ctx *c, log_file *logs, size_t n, int dual)
{
	uint64_t when = hive_time(c->img);
	log_file *l1 = of_kind(logs, n, KIND_LOG1, FORMAT_OLD);
	log_file *l2 = of_kind(logs, n, KIND_LOG2, FORMAT_OLD);
	log_file *l0 = of_kind(logs, n, KIND_LOG, FORMAT_OLD);
	log_file *chosen = NULL;
	if (l1 != NULL && le64(l1->data + 12) == when)
		chosen = l1;
	else if (l2 != NULL && (le64(l2->data + 12) == when || l1 == NULL ||
	                        le64(l2->data + 12) > le64(l1->data + 12)))
		chosen = l2;
	else if (!dual && l0 != NULL && le64(l0->data + 12) == when)
		chosen = l0;
	if (chosen != NULL)
		apply_old(c, chosen);
	for (log_file *l = logs; l < logs + n; l++) {
		if (l == chosen || !l->usable || l->format != FORMAT_OLD)
			continue;
		if (l->kind == KIND_LOG && dual)
			not_used(c->a, l, "not used: the hive logs to LOG1/LOG2, so "
			         "this .LOG is a leftover (e.g. from the installation "
			         "image)");
		else if (le64(l->data + 12) != when)
			not_used(c->a, l, "not used: its time stamp differs from the "
			         "hive's (a log of an earlier state)");
		else
			not_used(c->a, l, "not used: another log was replayed");
	}
}

/* ---- Entry point --------------------------------------------------------------------- */

static int is_dirty(const uint8_t *hive)
{
	return le32(hive + 4) != le32(hive + 8) || !base_block_sound(hive);
}

static void replay(replay_ctx *c, log_file *logs, size_t n)
{
	int any_new = 0, dual = 0;
	for (size_t i = 0; i < n; i++) {
		any_new |= logs[i].usable && logs[i].format == FORMAT_NEW;
		dual |= logs[i].kind != KIND_LOG && logs[i].size > 0;
	}
	int bad_base = !base_block_sound(c->img->data);
	if (any_new && bad_base)
		replay_from_latest(c, logs, n);
	else if (any_new)
		replay_new(c, logs, n);
	if (!any_new)
		replay_old(c, logs, n, dual);
	for (size_t i = 0; i < n; i++) {
		dmar_log_info *info = logs[i].info;
		if (!logs[i].usable || info->applied || info->problem != NULL)
			continue;
		if (logs[i].format == FORMAT_OLD)
			info->problem = "not used: new-format logs are beside it";
		else
			info->problem = info->entries ? "not used: the replay stopped "
			                                "before it" : "no valid log entry";
	}
	if (c->r->recovered || c->r->base_block_restored)
		put_le32(c->img->data + 508, txlog_base_block_checksum(c->img->data));
}

/* The most hive bins a log may announce: what the primary holds plus every
 * byte the logs hold (growth is logged), within a 32-bit offset space. */
static uint64_t hbins_cap(const txlog_image *img, const log_file *logs, size_t n)
{
	uint64_t have = img->size > BASE_BLOCK ? img->size - BASE_BLOCK : 0;
	uint64_t declared = le32(img->data + 40);
	uint64_t cap = (have > declared ? have : declared) + PAGE;
	for (size_t i = 0; i < n; i++)
		cap += logs[i].size;
	cap = (cap + PAGE - 1) / PAGE * PAGE;
	return cap < HBINS_MAX ? cap : HBINS_MAX;
}

/* A log in memory (dmar_hive_open_memory): the caller's bytes, only read. */
static void take_log(dmar_arena *a, log_file *l, const dmar_memory_file *f)
{
	if (f->size > LOG_MAX_SIZE) {
		problem(a, l, "%zu bytes: too large for a transaction log", f->size);
		return;
	}
	l->data = f->data;
	l->size = f->size;
	l->info->size = f->size;
	hash_hex(l->data, l->size, l->info->sha256);
}

/* The logs are read (or why not is recorded): check them against the
 * image and, when the hive is dirty, replay what applies. */
static int replay_logs(dmar_arena *a, log_file *logs, size_t n,
                       txlog_image *img, txlog_result *r)
{
	int dirty = is_dirty(img->data);
	for (size_t k = 0; k < n; k++) {
		log_file *l = &logs[k];
		if (l->info->problem != NULL)
			continue;
		if (l->size == 0) {
			l->info->format = "empty";
			l->info->problem = "empty (an unused log)";
		} else if (!dirty) {
			l->info->problem = "not needed: the hive is clean";
		} else {
			check_log(a, l, img->data);
		}
	}
	replay_ctx c = { a, img, r, hbins_cap(img, logs, n), NULL, 0 };
	c.touched_pages = (size_t)(c.hbins_cap / PAGE);
	c.touched = calloc(c.touched_pages / 8 + 1, 1);
	int rc = c.touched == NULL ? -1 : 0;
	for (size_t k = 0; rc == 0 && dirty && k < n; k++)
		if (logs[k].usable && logs[k].format == FORMAT_NEW)
			read_entries(&c, &logs[k]);
	if (rc == 0 && dirty) {
		if (img->before_write != NULL)
			img->before_write(img);
		replay(&c, logs, n);
	}
	for (size_t k = 0; k < n; k++) {
		if (!dirty)
			r->logs[k].damaged = 0;   /* not needed, so it cannot mislead */
		free(logs[k].owned);
	}
	free(c.touched);
	return rc == 0 && !arena_failed(a) ? 0 : -1;
}

/* Where the log of each kind comes from: a file beside the hive, or
 * bytes the caller holds (path NULL: there is none of that kind). */
typedef struct log_source {
	const char *path;                 /* the file, or the buffer's label */
	const dmar_memory_file *memory;   /* NULL: read the file */
} log_source;

/* Read (or take) the logs, in the order LOG1, LOG2, LOG, then check and
 * replay them. */
static int recover_from(dmar_arena *a, const log_source src[N_KINDS],
                        txlog_image *img, txlog_result *r)
{
	size_t n = 0;
	for (int k = 0; k < N_KINDS; k++)
		n += src[k].path != NULL;
	if (n == 0)
		return 0;
	log_file logs[N_KINDS];
	memset(logs, 0, sizeof(logs));
	r->logs = arena_calloc(a, n, sizeof(*r->logs));
	if (r->logs == NULL)
		return -1;
	r->n_logs = n;
	size_t i = 0;
	for (int k = 0; k < N_KINDS; k++) {
		if (src[k].path == NULL)
			continue;
		log_file *l = &logs[i];
		l->info = &r->logs[i++];
		l->kind = k;
		l->info->path = src[k].path;
		l->info->format = "unknown";
		arena_vec_init(&l->entries, sizeof(log_entry));
		if (src[k].memory != NULL)
			take_log(a, l, src[k].memory);
		else
			read_log(a, l);   /* hashed even when not needed: it is evidence */
	}
	return replay_logs(a, logs, n, img, r);
}

int txlog_recover(dmar_arena *a, const char *hive_path, txlog_image *img,
                  txlog_result *r)
{
	memset(r, 0, sizeof(*r));
	const char *names[N_KINDS];
	if (hive_path == NULL)
		return 0;
	if (find_logs(a, hive_path, names) != 0)
		return -1;
	log_source src[N_KINDS];
	for (int k = 0; k < N_KINDS; k++)
		src[k] = (log_source){ names[k], NULL };
	return recover_from(a, src, img, r);
}

int txlog_kind(const char *label)
{
	size_t len = label ? strlen(label) : 0;
	for (int k = 0; k < N_KINDS; k++) {
		size_t n = strlen(LOG_SUFFIXES[k]);
		if (len > n && text_casecmp(label + len - n, LOG_SUFFIXES[k]) == 0)
			return k;
	}
	return -1;
}

int txlog_recover_memory(dmar_arena *a, const dmar_memory_file *given,
                         size_t n_given, txlog_image *img, txlog_result *r)
{
	memset(r, 0, sizeof(*r));
	log_source src[N_KINDS] = { { NULL, NULL }, { NULL, NULL }, { NULL, NULL } };
	for (size_t i = 0; i < n_given; i++) {
		int k = txlog_kind(given[i].label);
		if (k < 0 || src[k].path != NULL)
			continue;
		src[k] = (log_source){ arena_strdup(a, given[i].label), &given[i] };
		if (src[k].path == NULL)
			return -1;
	}
	return recover_from(a, src, img, r);
}
