/*
 * mklog.c - make dirty hives with transaction logs, for the replay tests.
 *
 *   mklog OUTDIR H0 H1 H2 [H3 ...]
 *
 * H0..Hn are successive states of one hive (reg2hive --base builds each
 * from the one before, so unchanged pages stay where they were).  Step k
 * (H(k-1) to Hk) becomes one new-format log entry with sequence number
 * SEQ0 + k - 1 holding the 4096-byte pages that differ, grouped in runs.
 * For every scenario below mklog writes OUTDIR/SCENARIO/ with
 *
 *   SYSTEM            H0 marked dirty (sequence numbers SEQ0 + 1 and SEQ0),
 *                     or as the scenario says
 *   SYSTEM.LOG1/LOG2  the logs (or SYSTEM.LOG, old format)
 *   EXPECTED          the state a correct replay ends in (its hive bins
 *                     data is what matters: compare from byte 4096 on)
 *   EXPECTED.pages    the number of 4096-byte pages that replay writes
 *
 * Damage is made on purpose (a flipped byte under a hash, a missing entry,
 * a cut-off file, a wrong signature, another hive's log) so the tests can
 * check that dmarscan applies exactly what is valid and says why it
 * stopped.  The Marvin32 hash is libdmarscan's (tested on its own against
 * real Windows logs); everything else here is written from the format
 * description independently of src/lib/txlog.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "regfwrite.h"
#include "txlog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PAGE 4096u
#define SECTOR 512u
#define HEADER 40u
#define SEQ0 1000u
#define MAX_STATES 16
#define HIVE_TIME 133590312000000000ull   /* 2024-05-01T10:00:00Z */

typedef struct bytes {
	unsigned char *p;
	size_t len;
} bytes;

static bytes states[MAX_STATES];
static size_t n_states;
static const char *outdir;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("mklog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void buf_add(bytes *b, const void *data, size_t n)
{
	unsigned char *p = realloc(b->p, b->len + n + 1);
	if (p == NULL)
		die("out of memory");
	memcpy(p + b->len, data, n);
	b->p = p;
	b->len += n;
}

static void buf_zeros(bytes *b, size_t n)
{
	unsigned char *z = xcalloc(n, 1);
	buf_add(b, z, n);
	free(z);
}

static uint32_t hbins_size(const bytes *h)
{
	return get32(h->p + 40);
}

/* The base block's checksum, fixed after a change. */
static void fix_checksum(unsigned char *base)
{
	char err[200];
	if (regf_fix_checksum(base, REGF_BASE_BLOCK_SIZE, err, sizeof err) != 0)
		die("%s", err);
}

/* ---- Log entries ---------------------------------------------------------- */

/* One entry: the pages of state 'to' that differ from state 'to - 1'. */
typedef struct entry {
	bytes data;
	uint32_t seq;
	uint32_t pages;
} entry;

static entry entries[MAX_STATES];

static int page_differs(const bytes *a, const bytes *b, size_t off)
{
	size_t at = REGF_BASE_BLOCK_SIZE + off;
	if (at + PAGE > a->len)
		return 1;   /* new in b */
	return memcmp(a->p + at, b->p + at, PAGE) != 0;
}

static void make_entry(entry *e, const bytes *from, const bytes *to, uint32_t seq)
{
	uint32_t hbins = hbins_size(to);
	uint32_t n_refs = 0, pages = 0;
	bytes refs = { 0 }, data = { 0 };
	for (uint32_t off = 0; off < hbins; ) {
		if (!page_differs(from, to, off)) {
			off += PAGE;
			continue;
		}
		uint32_t start = off;
		while (off < hbins && page_differs(from, to, off))
			off += PAGE;
		unsigned char ref[8];
		put32(ref, start);
		put32(ref + 4, off - start);
		buf_add(&refs, ref, 8);
		buf_add(&data, to->p + REGF_BASE_BLOCK_SIZE + start, off - start);
		n_refs++;
		pages += (off - start) / PAGE;
	}
	size_t size = HEADER + refs.len + data.len;
	size = (size + SECTOR - 1) / SECTOR * SECTOR;
	e->data.p = NULL;
	e->data.len = 0;
	buf_zeros(&e->data, HEADER);
	buf_add(&e->data, refs.p, refs.len);
	buf_add(&e->data, data.p, data.len);
	buf_zeros(&e->data, size - e->data.len);
	unsigned char *h = e->data.p;
	memcpy(h, "HvLE", 4);
	put32(h + 4, (uint32_t)size);
	put32(h + 8, 0);
	put32(h + 12, seq);
	put32(h + 16, hbins);
	put32(h + 20, n_refs);
	e->seq = seq;
	e->pages = pages;
	free(refs.p);
	free(data.p);
}

/* Hash-1 over the entry after its header, Hash-2 over its first 32 bytes. */
static void seal_entry(bytes *e)
{
	put64(e->p + 24, txlog_marvin32(e->p + HEADER, e->len - HEADER));
	put64(e->p + 32, txlog_marvin32(e->p, 32));
}

/* ---- Files ------------------------------------------------------------------ */

/* H0 marked dirty with the given sequence numbers. */
static bytes dirty_state0(uint32_t primary, uint32_t secondary)
{
	bytes b = { 0 };
	char err[200];
	buf_add(&b, states[0].p, states[0].len);
	if (regf_set_sequence(b.p, b.len, primary, secondary, err, sizeof err) != 0)
		die("%s", err);
	return b;
}

/* The dirty primary: H0 with sequence numbers SEQ0 + 1 and SEQ0. */
static bytes dirty_primary(void)
{
	return dirty_state0(SEQ0 + 1, SEQ0);
}

/* A new-format log: a 512-byte base block (the primary's, with the first
 * entry's sequence number and file type 6), then entries first..last
 * (1-based steps), with 'skip' left out (0: none). */
static bytes new_log(const bytes *primary, size_t first, size_t last, size_t skip)
{
	bytes log = { 0 };
	unsigned char base[REGF_BASE_BLOCK_SIZE];
	memcpy(base, primary->p, sizeof base);
	put32(base + 4, entries[first].seq);
	put32(base + 8, entries[first].seq);
	put32(base + 28, 6);
	put32(base + 44, 1);
	fix_checksum(base);
	buf_add(&log, base, SECTOR);
	for (size_t k = first; k <= last; k++)
		if (k != skip)
			buf_add(&log, entries[k].data.p, entries[k].data.len);
	return log;
}

static bytes empty_log(void)
{
	bytes b = { 0 };
	return b;
}

/* An old-format log of H0 -> H(step): base block of type 1 with the
 * primary's time plus 'skew', "DIRT", a bitmap of dirty 512-byte sectors,
 * the sectors.  *pages: the distinct 4096-byte pages it writes. */
static bytes old_log(const bytes *primary, size_t step, int64_t skew,
                     uint32_t *pages)
{
	const bytes *from = &states[0], *to = &states[step];
	uint32_t hbins = hbins_size(to), bits = hbins / SECTOR;
	unsigned char base[REGF_BASE_BLOCK_SIZE];
	memcpy(base, primary->p, sizeof base);
	put32(base + 4, SEQ0 + 1);
	put32(base + 8, SEQ0 + 1);
	put32(base + 28, 1);
	put32(base + 40, hbins);
	put32(base + 44, 1);
	put64(base + 12, get64(base + 12) + (uint64_t)skew);
	fix_checksum(base);
	bytes log = { 0 }, data = { 0 };
	unsigned char *bitmap = xcalloc(bits / 8 + 1, 1);
	uint32_t last_page = UINT32_MAX;
	*pages = 0;
	for (uint32_t i = 0; i < bits; i++) {
		size_t at = REGF_BASE_BLOCK_SIZE + (size_t)i * SECTOR;
		if (at + SECTOR <= from->len &&
		    memcmp(from->p + at, to->p + at, SECTOR) == 0)
			continue;
		bitmap[i / 8] |= (unsigned char)(1u << (i % 8));
		buf_add(&data, to->p + at, SECTOR);
		if (i * SECTOR / PAGE != last_page)
			(*pages)++;
		last_page = i * SECTOR / PAGE;
	}
	buf_add(&log, base, SECTOR);
	buf_add(&log, "DIRT", 4);
	buf_add(&log, bitmap, bits / 8);
	buf_zeros(&log, (SECTOR - log.len % SECTOR) % SECTOR);
	buf_add(&log, data.p, data.len);
	free(bitmap);
	free(data.p);
	return log;
}

static void write_file(const char *dir, const char *name, const bytes *b)
{
	char path[4096], err[300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (regf_save_file(path, b->p ? b->p : (const unsigned char *)"", b->len,
	                   err, sizeof err) != 0)
		die("%s", err);
}

/* OUTDIR/NAME/ with its EXPECTED state and page count. */
static const char *scenario_dir(const char *name, size_t expected_state,
                                uint32_t pages)
{
	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", outdir, name);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	write_file(dir, "EXPECTED", &states[expected_state]);
	char text[32];
	bytes t = { (unsigned char *)text, (size_t)snprintf(text, sizeof text, "%u\n", pages) };
	write_file(dir, "EXPECTED.pages", &t);
	return dir;
}

/* Distinct pages written by replaying steps 1..k (a page an entry
 * rewrites counts once). */
static uint32_t pages_through(size_t k)
{
	size_t max = hbins_size(&states[n_states - 1]) / PAGE + 1;
	unsigned char *seen = xcalloc(max, 1);
	uint32_t n = 0;
	for (size_t i = 1; i <= k; i++) {
		const unsigned char *e = entries[i].data.p;
		for (uint32_t r = 0; r < get32(e + 20); r++) {
			uint32_t off = get32(e + HEADER + 8 * r), len = get32(e + HEADER + 8 * r + 4);
			for (uint32_t p = off / PAGE; p < (off + len) / PAGE && p < max; p++)
				if (!seen[p]++)
					n++;
		}
	}
	free(seen);
	return n;
}

static void add_file(const char *name, const char *file, const bytes *b)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", outdir, name);
	write_file(dir, file, b);
}

static void emit(const char *name, size_t expected, uint32_t pages,
                 const bytes *primary, const char *n1, const bytes *l1,
                 const char *n2, const bytes *l2)
{
	const char *dir = scenario_dir(name, expected, pages);
	write_file(dir, "SYSTEM", primary);
	if (n1 != NULL)
		write_file(dir, n1, l1);
	if (n2 != NULL)
		write_file(dir, n2, l2);
}

static void scenarios(void)
{
	size_t n = n_states - 1;      /* steps */
	size_t mid = n / 2;           /* LOG1 holds steps 1..mid */
	bytes primary = dirty_primary();
	bytes a, b;

	/* Dual logging: the earlier entries in LOG1, the later in LOG2. */
	a = new_log(&primary, 1, mid, 0);
	b = new_log(&primary, mid + 1, n, 0);
	emit("new-dual", n, pages_through(n), &primary, "SYSTEM.LOG1", &a,
	     "SYSTEM.LOG2", &b);

	/* Swapped: LOG2 holds the earlier entries; LOG1 the later ones, then
	 * an old entry left behind (lower sequence number): ignored. */
	bytes stale = b;
	stale.p = NULL;
	stale.len = 0;
	buf_add(&stale, b.p, b.len);
	entry old;
	make_entry(&old, &states[0], &states[1], SEQ0 - 7);
	seal_entry(&old.data);
	buf_add(&stale, old.data.p, old.data.len);
	emit("new-swapped", n, pages_through(n), &primary, "SYSTEM.LOG1", &stale,
	     "SYSTEM.LOG2", &a);
	free(stale.p);
	free(old.data.p);
	free(a.p);
	free(b.p);

	/* One log holds everything; the other is empty, as on many disks;
	 * the names in another case. */
	a = new_log(&primary, 1, n, 0);
	b = empty_log();
	emit("new-single", n, pages_through(n), &primary, "system.log1", &a,
	     "System.Log2", &b);

	/* Clean hive (Hn) with a log beside it: nothing is replayed. */
	bytes clean = { 0 };
	buf_add(&clean, states[n].p, states[n].len);
	emit("clean-with-log", n, 0, &clean, "SYSTEM.LOG1", &a, NULL, NULL);
	free(clean.p);

	/* Damaged base block of the primary: only the log with the latest
	 * entries is used, and its base block replaces the primary's. */
	bytes broken = { 0 };
	buf_add(&broken, primary.p, primary.len);
	broken.p[200] ^= 0x5A;   /* a reserved byte: the checksum no longer holds */
	b = new_log(&primary, 1, mid, 0);
	emit("bad-base-block", n, pages_through(n), &broken, "SYSTEM.LOG1", &b,
	     "SYSTEM.LOG2", &a);
	free(broken.p);
	free(b.p);

	/* A flipped byte in the last entry's pages: its hash fails, the
	 * entries before it are applied. */
	size_t last_off = a.len - entries[n].data.len;
	a.p[last_off + HEADER + 8 * get32(entries[n].data.p + 20) + 100] ^= 1;
	emit("bad-hash", n - 1, pages_through(n - 1), &primary, "SYSTEM.LOG1", &a,
	     NULL, NULL);

	/* Cut off inside the last entry. */
	a.p[last_off + HEADER + 8 * get32(entries[n].data.p + 20) + 100] ^= 1;
	bytes cut = { 0 };
	buf_add(&cut, a.p, last_off + entries[n].data.len / 2);
	emit("truncated", n - 1, pages_through(n - 1), &primary, "SYSTEM.LOG1",
	     &cut, NULL, NULL);
	free(cut.p);

	/* Not a log: the signature is wrong. */
	bytes sig = { 0 };
	buf_add(&sig, a.p, a.len);
	memcpy(sig.p, "rEgf", 4);
	emit("wrong-signature", 0, 0, &primary, "SYSTEM.LOG1", &sig, NULL, NULL);
	free(sig.p);

	/* A log of another hive: its base block names another file. */
	bytes other = { 0 };
	buf_add(&other, a.p, a.len);
	memcpy(other.p + 48, "S\0O\0F\0T\0W\0A\0R\0E\0", 16);
	fix_checksum(other.p);   /* only the first 512 bytes count */
	emit("other-hive", 0, 0, &primary, "SYSTEM.LOG1", &other, NULL, NULL);
	free(other.p);
	free(a.p);

	/* A gap between the logs: LOG1 has steps 1..mid, LOG2 starts one later
	 * than it should.  Replay stops after step mid. */
	a = new_log(&primary, 1, mid, 0);
	b = new_log(&primary, mid + 2, n, 0);
	emit("gap", mid, pages_through(mid), &primary, "SYSTEM.LOG1", &a,
	     "SYSTEM.LOG2", &b);
	free(a.p);
	free(b.p);

	/* A gap inside one log. */
	a = new_log(&primary, 1, n, mid + 1);
	emit("gap-in-log", mid, pages_through(mid), &primary, "SYSTEM.LOG1", &a,
	     NULL, NULL);
	free(a.p);

	/* Overlap: LOG1 holds steps 1..2, LOG2 steps 2..3.  Windows applies
	 * LOG1, then needs LOG2 to start right after it: it does not. */
	a = new_log(&primary, 1, 2, 0);
	b = new_log(&primary, 2, n, 0);
	emit("overlap", 2, pages_through(2), &primary, "SYSTEM.LOG1", &a,
	     "SYSTEM.LOG2", &b);
	free(a.p);
	free(b.p);

	/* A log that starts below the hive's secondary sequence number (the
	 * hive says 1001, the log starts at 1000): not applicable at all. */
	bytes ahead = dirty_state0(SEQ0 + 2, SEQ0 + 1);
	a = new_log(&primary, 1, n, 0);
	emit("starts-below", 0, 0, &ahead, "SYSTEM.LOG1", &a, NULL, NULL);

	/* An entry announcing 4 GiB of hive bins (hashes made right): the
	 * replay stops before it instead of allocating it. */
	bytes huge = new_log(&primary, 1, n, 0);
	size_t last = huge.len - entries[n].data.len;
	put32(huge.p + last + 16, 0xFFFFF000u);
	bytes tail = { huge.p + last, entries[n].data.len };
	seal_entry(&tail);
	emit("huge-hbins", n - 1, pages_through(n - 1), &primary, "SYSTEM.LOG1",
	     &huge, NULL, NULL);
	free(huge.p);

	/* Sound hashes over garbage: a last entry overwrites the first page
	 * (the root key) with filler.  The replayed hive cannot be read, so
	 * the primary is analysed as it is. */
	bytes bad = { 0 }, junk = { 0 };
	buf_add(&bad, a.p, a.len);
	buf_zeros(&junk, HEADER);
	unsigned char ref[8];
	put32(ref, 0);
	put32(ref + 4, PAGE);
	buf_add(&junk, ref, 8);
	unsigned char *filler = xcalloc(PAGE, 1);
	memset(filler, 0xA5, PAGE);
	buf_add(&junk, filler, PAGE);
	free(filler);
	buf_zeros(&junk, (SECTOR - junk.len % SECTOR) % SECTOR);
	memcpy(junk.p, "HvLE", 4);
	put32(junk.p + 4, (uint32_t)junk.len);
	put32(junk.p + 12, SEQ0 + (uint32_t)n);
	put32(junk.p + 16, hbins_size(&states[n]));
	put32(junk.p + 20, 1);
	seal_entry(&junk);
	buf_add(&bad, junk.p, junk.len);
	emit("garbage-pages", 0, 0, &primary, "SYSTEM.LOG1", &bad, NULL, NULL);
	free(junk.p);
	free(bad.p);

	/* Old format (before Windows 8.1): one cumulative log, SYSTEM.LOG. */
	uint32_t old_pages = 0;
	bytes full_old = old_log(&primary, n, 0, &old_pages);
	emit("old-format", n, old_pages, &primary, "SYSTEM.LOG", &full_old, NULL, NULL);
	/* ... whose time is not the primary's: it belongs to another state. */
	bytes stale_old = old_log(&primary, n, -1, &old_pages);
	emit("old-stale", 0, 0, &primary, "SYSTEM.LOG", &stale_old, NULL, NULL);

	/* Dual old-format logs: LOG1 is of an earlier state, LOG2 is newer
	 * (a cumulative log after a failed write): Windows 8 and later use
	 * LOG2 even though its time is not the hive's. */
	bytes newer = old_log(&primary, n, 1, &old_pages);
	emit("old-log2-newer", n, old_pages, &primary, "SYSTEM.LOG1", &stale_old,
	     "SYSTEM.LOG2", &newer);
	free(newer.p);
	free(stale_old.p);

	/* A hive that logs to LOG1/LOG2 (whose entries are all older than
	 * the hive) with a matching old-format SYSTEM.LOG beside them, as
	 * installation images leave: the .LOG is a leftover, not replayed. */
	b = new_log(&primary, 1, n, 0);
	bytes later = dirty_state0(SEQ0 + 11, SEQ0 + 10);   /* logs all older */
	emit("dotlog-leftover", 0, 0, &later, "SYSTEM.LOG1", &a, "SYSTEM.LOG2", &b);
	free(later.p);
	add_file("dotlog-leftover", "SYSTEM.LOG", &full_old);
	free(full_old.p);
	free(ahead.p);
	free(a.p);
	free(b.p);
	free(primary.p);
}

int main(int argc, char **argv)
{
	char err[300];
	if (argc < 4 || argc - 2 > MAX_STATES) {
		fprintf(stderr, "usage: mklog OUTDIR H0 H1 H2 [H3 ...] (at most %d states)\n",
		        MAX_STATES);
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		die("cannot create %s: %s", outdir, strerror(errno));
	n_states = (size_t)argc - 2;
	for (size_t i = 0; i < n_states; i++) {
		if (regf_load_file(argv[i + 2], &states[i].p, &states[i].len, err,
		                   sizeof err) != 0)
			die("%s", err);
		if (states[i].len < REGF_BASE_BLOCK_SIZE + PAGE ||
		    REGF_BASE_BLOCK_SIZE + (size_t)hbins_size(&states[i]) != states[i].len)
			die("%s: not a hive whose size matches its base block", argv[i + 2]);
	}
	/* state 0 was last written at a known time: old-format logs are
	 * matched by it */
	if (regf_set_hive_time(states[0].p, states[0].len, HIVE_TIME, err,
	                       sizeof err) != 0)
		die("%s", err);
	for (size_t k = 1; k < n_states; k++) {
		make_entry(&entries[k], &states[k - 1], &states[k],
		           SEQ0 + (uint32_t)k - 1);
		seal_entry(&entries[k].data);
		if (entries[k].pages == 0)
			die("%s and %s do not differ", argv[k + 1], argv[k + 2]);
	}
	scenarios();
	for (size_t k = 0; k < n_states; k++) {
		free(states[k].p);
		free(entries[k].data.p);
	}
	return 0;
}
