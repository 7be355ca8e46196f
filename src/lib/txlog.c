/*
 * txlog.c - replay a dirty hive's transaction logs, in memory.
 *
 * A hive copied from a disk image is usually dirty: its base block's
 * sequence numbers differ and the newest changes sit in NAME.LOG1/LOG2
 * (Windows 8.1 and later: log entries "HvLE", each with its sequence
 * number, hashes and dirty pages) or NAME.LOG (older Windows: a dirty
 * vector "DIRT" and 512-byte pages).  This file finds the logs beside the
 * hive, checks each one (signature, checksum, that it belongs to this
 * hive), reads its valid entries, replays them in sequence order from the
 * hive's primary sequence number on across LOG1 and LOG2, stopping at the
 * first gap, and fixes the base block.  Format: Maxim Suhanov's "Windows
 * registry file format specification".  The log files are only read.
 *
 * The Marvin32 seed: the specification gives 14219357686671994754 as the
 * little-endian bytes of the seed; read as a number the seed is
 * 0x82EF4D887A4E55C5 (verified against the hashes of real Windows 10 logs).
 */
#include "config.h"

#include "txlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#define LOG_MAX_SIZE (1024ull * 1024 * 1024)   /* larger logs are skipped */
#define MARVIN_SEED 0x82EF4D887A4E55C5ull

enum { FORMAT_UNKNOWN, FORMAT_NEW, FORMAT_OLD };

/* One valid new-format entry. */
typedef struct log_entry {
	uint32_t seq;
	uint32_t flags;
	uint32_t hbins_size;
	uint32_t n_pages;
	const uint8_t *refs;       /* n_pages * (offset, size) */
	const uint8_t *pages;      /* the pages, back to back */
	struct log_file *log;
} log_entry;

typedef struct log_file {
	dmar_log_info *info;
	uint8_t *data;
	size_t size;
	int format;
	int usable;                /* base block fine and of this hive */
	int replayed;              /* its entries take part in the replay */
	arena_vec entries;         /* log_entry */
} log_file;

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

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- Finding and reading the logs ---------------------------------------------- */

static void problem(dmar_arena *a, log_file *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(dmar_arena *a, log_file *l, const char *fmt, ...)
{
	if (l->info->problem != NULL)
		return;   /* the first reason counts */
	l->info->damaged = 1;
	va_list ap;
	va_start(ap, fmt);
	l->info->problem = arena_vprintf(a, fmt, ap);
	va_end(ap);
}

/* Names of the logs of the hive at 'hive_path' in its folder: NAME.LOG1,
 * NAME.LOG2, then NAME.LOG, matched in any case. */
static int find_logs(dmar_arena *a, const char *hive_path, arena_strlist *out)
{
	static const char *const suffixes[] = { ".LOG1", ".LOG2", ".LOG" };
	const char *slash = strrchr(hive_path, '/');
	int dirlen = slash ? (int)(slash - hive_path) : 0;
	const char *base = slash ? slash + 1 : hive_path;
	const char *dir = !slash ? "." : dirlen ? arena_strndup(a, hive_path, (size_t)dirlen)
	                                        : "/";
	size_t blen = strlen(base);
	DIR *d = dir ? opendir(dir) : NULL;
	if (d == NULL)
		return arena_failed(a) ? -1 : 0;
	arena_strlist found[3];
	for (int k = 0; k < 3; k++)
		arena_strlist_init(&found[k]);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (blen == 0 || text_ncasecmp(e->d_name, base, blen) != 0)
			continue;
		for (int k = 0; k < 3; k++)
			if (text_casecmp(e->d_name + blen, suffixes[k]) == 0)
				arena_strlist_add(a, &found[k], slash
				                  ? arena_printf(a, "%.*s/%s", dirlen, hive_path,
				                                 e->d_name)
				                  : arena_strdup(a, e->d_name));
	}
	closedir(d);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < arena_strlist_count(&found[k]); i++)
			arena_strlist_add(a, out, arena_strlist_items(&found[k])[i]);
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

/* Read a log whole (read-only).  Problems are recorded, not fatal. */
static void read_log(dmar_arena *a, log_file *l)
{
	int fd = open(l->info->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
		l->data = malloc(want ? want : 1);
		while (l->data != NULL && got < want) {
			ssize_t r = read(fd, l->data + got, want - got);
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
	int hive_sound = le32(hive + 508) == txlog_base_block_checksum(hive);
	if (l->data == NULL)
		return;
	if (l->size < SECTOR || memcmp(b, "regf", 4) != 0) {
		problem(a, l, "not a transaction log (no 'regf' base block)");
		return;
	}
	uint32_t type = le32(b + 28);
	l->format = type == 6 ? FORMAT_NEW : (type == 1 || type == 2) ? FORMAT_OLD
	          : FORMAT_UNKNOWN;
	l->info->format = l->format == FORMAT_NEW ? "new"
	                : l->format == FORMAT_OLD ? "old" : "unknown";
	if (l->format == FORMAT_UNKNOWN)
		problem(a, l, "base block of file type %u, not a transaction log", type);
	else if (le32(b + 508) != txlog_base_block_checksum(b))
		problem(a, l, "its base block checksum does not match: damaged");
	else if (hive_sound && has_guids(b) && has_guids(hive) &&
	         memcmp(b + 112, hive + 112, 16) != 0)
		problem(a, l, "it belongs to another hive (its resource manager id "
		        "differs from the hive's)");
	else if (hive_sound && memcmp(b + 48, hive + 48, 64) != 0)
		problem(a, l, "it belongs to another hive (its base block names a "
		        "different file)");
	else if (le32(b + 44) == 0 || le32(b + 44) > 64)
		problem(a, l, "clustering factor %u is not plausible", le32(b + 44));
	else
		l->usable = 1;
}

/* ---- New format: log entries ---------------------------------------------------- */

/* Check the page references of an entry: 4096-byte pages inside the hive
 * bins data, and inside the entry.  Returns the byte count of the pages. */
static int64_t entry_pages(const uint8_t *e, uint32_t size, uint32_t count,
                           uint32_t hbins)
{
	if ((uint64_t)count * 8 > size - ENTRY_HEADER)
		return -1;
	uint64_t total = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t off = le32(e + ENTRY_HEADER + 8 * i);
		uint32_t len = le32(e + ENTRY_HEADER + 8 * i + 4);
		if (len == 0 || len % PAGE || off % PAGE || (uint64_t)off + len > hbins)
			return -1;
		total += len;
	}
	if (ENTRY_HEADER + (uint64_t)count * 8 + total > size)
		return -1;
	return (int64_t)total;
}

/* Read the log's entries: a run of consecutive sequence numbers starting
 * with the one its base block names.  An entry with a lower number ends the
 * run quietly (an old entry left behind from an earlier use of the file);
 * damage, or a higher number than the next, ends it with a problem. */
static void read_entries(dmar_arena *a, log_file *l)
{
	size_t off = (size_t)le32(l->data + 44) * SECTOR;
	uint32_t expect = le32(l->data + 4);
	while (off + ENTRY_HEADER <= l->size && memcmp(l->data + off, "HvLE", 4) == 0) {
		const uint8_t *e = l->data + off;
		uint32_t size = le32(e + 4), seq = le32(e + 12);
		uint32_t hbins = le32(e + 16), count = le32(e + 20);
		if (size < ENTRY_HEADER || size % SECTOR || off + size > l->size) {
			problem(a, l, "the entry at offset %zu (sequence %u) is cut off "
			        "or has a bad size (%u bytes): the log is truncated or "
			        "damaged", off, seq, size);
			return;
		}
		if (txlog_marvin32(e + ENTRY_HEADER, size - ENTRY_HEADER) != le64(e + 24) ||
		    txlog_marvin32(e, 32) != le64(e + 32)) {
			problem(a, l, "the entry at offset %zu (sequence %u) has a bad "
			        "hash: damaged", off, seq);
			return;
		}
		if (hbins == 0 || hbins % PAGE || entry_pages(e, size, count, hbins) < 0) {
			problem(a, l, "the entry at offset %zu (sequence %u) has a bad "
			        "hive bins size or page list", off, seq);
			return;
		}
		if (l->info->entries == 0 && seq != expect) {
			problem(a, l, "its first entry has sequence number %u, its base "
			        "block names %u: not applied", seq, expect);
			return;
		}
		if (seq < expect)
			return;   /* an old entry left from an earlier use of the file */
		if (seq > expect) {
			problem(a, l, "sequence gap: after %u the next entry is %u; "
			        "entries from %u on were not replayed", expect - 1, seq, seq);
			return;
		}
		log_entry *le = arena_vec_push(a, &l->entries);
		if (le == NULL)
			return;
		le->seq = seq;
		le->flags = le32(e + 8);
		le->hbins_size = hbins;
		le->n_pages = count;
		le->refs = e + ENTRY_HEADER;
		le->pages = e + ENTRY_HEADER + (size_t)count * 8;
		le->log = l;
		if (l->info->entries == 0)
			l->info->first_seq = seq;
		l->info->last_seq = seq;
		l->info->entries++;
		expect = seq + 1;
		off += size;
	}
}

/* The entry with sequence 'seq' in any log taking part, LOG1 before LOG2. */
static const log_entry *entry_with_seq(log_file *logs, size_t n, uint32_t seq)
{
	for (size_t i = 0; i < n; i++) {
		const log_entry *e = logs[i].entries.items;
		for (size_t k = 0; logs[i].replayed && k < logs[i].entries.count; k++)
			if (e[k].seq == seq)
				return &e[k];
	}
	return NULL;
}

/* The smallest sequence number >= from among the entries taking part. */
static int first_seq_from(log_file *logs, size_t n, uint32_t from, uint32_t *out)
{
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		const log_entry *e = logs[i].entries.items;
		for (size_t k = 0; logs[i].replayed && k < logs[i].entries.count; k++)
			if (e[k].seq >= from && (!found || e[k].seq < *out)) {
				*out = e[k].seq;
				found = 1;
			}
	}
	return found;
}

static int ensure_size(txlog_image *img, uint32_t hbins)
{
	size_t need = (size_t)BASE_BLOCK + hbins;
	return need <= img->size ? 0 : img->grow(img, need);
}

static void apply_entry(txlog_image *img, const log_entry *e, txlog_result *r)
{
	const uint8_t *page = e->pages;
	for (uint32_t i = 0; i < e->n_pages; i++) {
		uint32_t off = le32(e->refs + 8 * i), len = le32(e->refs + 8 * i + 4);
		memcpy(img->data + BASE_BLOCK + off, page, len);
		page += len;
		r->pages += len / PAGE;
		e->log->info->pages_applied += len / PAGE;
	}
	e->log->info->entries_applied++;
	e->log->info->applied = 1;
	put32(img->data + 4, e->seq);
	put32(img->data + 8, e->seq);
	put32(img->data + 40, e->hbins_size);
	/* only bit 0 of the base block's flags travels in a log entry */
	put32(img->data + 144, (le32(img->data + 144) & ~1u) | (e->flags & 1u));
}

/* Replay the entries in sequence order, from the first one not older than
 * the hive's secondary sequence number, across the logs taking part (the
 * one with the earlier entries first, then the next from N + 1); stop at
 * the first missing number. */
static int replay_new(dmar_arena *a, log_file *logs, size_t n, uint32_t from,
                      txlog_image *img, txlog_result *r)
{
	uint32_t seq;
	if (!first_seq_from(logs, n, from, &seq))
		return 0;
	r->first_seq = seq;
	const log_entry *e;
	while ((e = entry_with_seq(logs, n, seq)) != NULL) {
		if (ensure_size(img, e->hbins_size) != 0)
			return -1;
		apply_entry(img, e, r);
		r->recovered = 1;
		r->last_seq = seq++;
	}
	uint32_t next;
	if (first_seq_from(logs, n, seq, &next)) {
		for (size_t i = 0; i < n; i++)
			if (logs[i].replayed && logs[i].info->last_seq >= next)
				problem(a, &logs[i], "sequence gap: after %u the next entry is "
				        "%u; entries from %u on were not replayed", seq - 1,
				        next, next);
	}
	return 0;
}

/* ---- Old format: dirty vector and pages ------------------------------------------ */

/* Validate an old-format log and replay it; returns 1 when applied. */
static int replay_old(dmar_arena *a, log_file *l, txlog_image *img, txlog_result *r)
{
	const uint8_t *b = l->data, *hive = img->data;
	uint64_t hive_time = le32(hive + 508) == txlog_base_block_checksum(hive)
	                   ? le64(hive + 12)
	                   : img->size >= BASE_BLOCK + 28 ? le64(hive + BASE_BLOCK + 20)
	                   : 0;
	uint32_t hbins = le32(b + 40);
	size_t sector = (size_t)le32(b + 44) * SECTOR;
	size_t bits = hbins / SECTOR, bytes = (bits + 7) / 8;
	if (le32(b + 4) != le32(b + 8)) {
		problem(a, l, "its sequence numbers differ: the log itself was not "
		        "completely written");
		return 0;
	}
	if (le64(b + 12) != hive_time) {
		problem(a, l, "its timestamp differs from the hive's: it does not "
		        "apply to this state of the hive");
		return 0;
	}
	if (hbins == 0 || hbins % PAGE || sector + 4 + bytes > l->size ||
	    memcmp(b + sector, "DIRT", 4) != 0) {
		problem(a, l, "no valid dirty vector");
		return 0;
	}
	const uint8_t *bitmap = b + sector + 4;
	size_t pages_at = (sector + 4 + bytes + SECTOR - 1) / SECTOR * SECTOR;
	size_t dirty = 0;
	for (size_t i = 0; i < bits; i++)
		dirty += (bitmap[i / 8] >> (i % 8)) & 1;
	if (pages_at + dirty * SECTOR > l->size) {
		problem(a, l, "truncated: %zu dirty pages announced, the file holds "
		        "fewer", dirty);
		return 0;
	}
	/* a dirty hive bin header must name its own place, else Windows aborts */
	size_t k = 0;
	for (size_t i = 0; i < bits; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		const uint8_t *p = b + pages_at + SECTOR * k++;
		if ((i * SECTOR) % PAGE == 0 && memcmp(p, "hbin", 4) == 0 &&
		    le32(p + 4) != i * SECTOR) {
			problem(a, l, "the dirty hive bin at %zu names offset %u: "
			        "damaged", i * SECTOR, le32(p + 4));
			return 0;
		}
	}
	if (ensure_size(img, hbins) != 0)
		return -1;
	if (le32(img->data + 508) != txlog_base_block_checksum(img->data)) {
		memcpy(img->data, b, 508);   /* the log keeps a good copy */
		put32(img->data + 28, 0);
		r->base_block_restored = 1;
	}
	k = 0;
	for (size_t i = 0; i < bits; i++)
		if ((bitmap[i / 8] >> (i % 8)) & 1)
			memcpy(img->data + BASE_BLOCK + SECTOR * i,
			       b + pages_at + SECTOR * k++, SECTOR);
	put32(img->data + 4, le32(b + 4));
	put32(img->data + 8, le32(b + 4));
	put32(img->data + 40, hbins);
	r->pages += (uint32_t)((dirty * SECTOR + PAGE - 1) / PAGE);
	l->info->pages_applied = (uint32_t)((dirty * SECTOR + PAGE - 1) / PAGE);
	l->info->applied = 1;
	r->recovered = 1;
	r->first_seq = r->last_seq = le32(b + 4);
	return 1;
}

/* ---- Entry point --------------------------------------------------------------------- */

static int is_dirty(const uint8_t *hive)
{
	return le32(hive + 4) != le32(hive + 8) ||
	       le32(hive + 508) != txlog_base_block_checksum(hive);
}

/* The usable new-format log with the latest entries, or NULL. */
static log_file *latest_log(log_file *logs, size_t n)
{
	log_file *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (logs[i].usable && logs[i].format == FORMAT_NEW && logs[i].info->entries &&
		    (best == NULL || logs[i].info->last_seq > best->info->last_seq))
			best = &logs[i];
	return best;
}

/* A primary whose base block is damaged takes the base block of the log
 * with the latest entries, and only that log is replayed, from the
 * sequence number its base block names (as Windows does).  With a sound
 * base block every usable log takes part, from the secondary sequence
 * number on. */
static int replay(dmar_arena *a, log_file *logs, size_t n, txlog_image *img,
                  txlog_result *r)
{
	int bad_base = le32(img->data + 508) != txlog_base_block_checksum(img->data);
	log_file *latest = bad_base ? latest_log(logs, n) : NULL;
	uint32_t from = le32(img->data + 8);
	for (size_t i = 0; i < n; i++)
		logs[i].replayed = logs[i].usable && logs[i].format == FORMAT_NEW &&
		                   (!bad_base || &logs[i] == latest);
	if (latest != NULL) {
		memcpy(img->data, latest->data, 508);
		put32(img->data + 28, 0);   /* a primary file again */
		from = le32(img->data + 4);
		r->base_block_restored = 1;
	}
	int rc = replay_new(a, logs, n, from, img, r);
	for (size_t i = 0; rc == 0 && !r->recovered && i < n; i++)
		if (logs[i].usable && logs[i].format == FORMAT_OLD)
			rc = replay_old(a, &logs[i], img, r) < 0 ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		dmar_log_info *info = logs[i].info;
		if (logs[i].usable && !info->applied && info->problem == NULL)
			info->problem = bad_base && logs[i].format == FORMAT_NEW &&
			                &logs[i] != latest
			              ? "not used: the hive's base block is damaged, so only "
			                "the log with the latest entries is replayed"
			              : logs[i].format == FORMAT_NEW && info->entries
			              ? "no entry newer than the hive"
			              : logs[i].format == FORMAT_NEW
			              ? "no valid log entry" : "not applied";
	}
	if (r->recovered || r->base_block_restored)
		put32(img->data + 508, txlog_base_block_checksum(img->data));
	return rc;
}

int txlog_recover(dmar_arena *a, const char *hive_path, txlog_image *img,
                  txlog_result *r)
{
	memset(r, 0, sizeof(*r));
	arena_strlist paths;
	arena_strlist_init(&paths);
	if (hive_path == NULL || find_logs(a, hive_path, &paths) != 0)
		return hive_path == NULL ? 0 : -1;
	size_t n = arena_strlist_count(&paths);
	if (n == 0)
		return 0;
	log_file *logs = calloc(n, sizeof(*logs));
	r->logs = arena_calloc(a, n, sizeof(*r->logs));
	if (logs == NULL || r->logs == NULL) {
		free(logs);
		return -1;
	}
	r->n_logs = n;
	int dirty = is_dirty(img->data);
	for (size_t i = 0; i < n; i++) {
		log_file *l = &logs[i];
		l->info = &r->logs[i];
		l->info->path = arena_strlist_items(&paths)[i];
		l->info->format = "unknown";
		arena_vec_init(&l->entries, sizeof(log_entry));
		read_log(a, l);   /* hashed even when not needed: it is evidence */
		if (l->info->problem != NULL)
			continue;
		if (l->size == 0) {
			l->info->format = "empty";
			l->info->problem = "empty (an unused log)";
		} else if (!dirty) {
			l->info->problem = "not needed: the hive is clean";
		} else {
			check_log(a, l, img->data);
			if (l->usable && l->format == FORMAT_NEW)
				read_entries(a, l);
		}
	}
	int rc = dirty ? replay(a, logs, n, img, r) : 0;
	for (size_t i = 0; i < n; i++) {
		if (!dirty)
			r->logs[i].damaged = 0;   /* not needed, so it cannot mislead */
		free(logs[i].data);
	}
	free(logs);
	return rc == 0 && !arena_failed(a) ? 0 : -1;
}
