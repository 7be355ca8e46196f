/*
 * hive.c - load a hive read-only, check its base block, replay its logs,
 * and hand keys and values to the rest of the library (hive.h).
 *
 * A regular file is mapped copy-on-write with all its pages read in at
 * once (MADV_POPULATE_READ, which fails, rather than raising SIGBUS later,
 * when a page cannot be read: the file is then read into a buffer, where
 * an I/O error comes back as an error); other files are read into a
 * buffer.  The image is hashed, checked, and read by one of two engines
 * (hive_impl.h): dmarscan's own cell reader, or libregf through a libbfio
 * memory range.  The evidence file is opened O_RDONLY and never written:
 * what the guard or a log replay changes lands in private copies of the
 * pages touched.
 */
#include "config.h"

#include "hive_impl.h"
#include "bounds.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "errors.h"
#include "text.h"
#include "txlog.h"

#define BASE_BLOCK_SIZE 4096u
/* Buffers from this size on come from mmap(MAP_POPULATE): one system call
 * faults all pages in, instead of one fault per page while reading. */
#define POPULATE_THRESHOLD (1024u * 1024u)
/* Images from this size on are hashed in a thread of their own, fed a
 * chunk at a time as the file is read. */
#define HASH_THREAD_MIN (1024u * 1024u)
#define READ_CHUNK (1024u * 1024u)
/* Files from this size on are mapped rather than read. */
#define MAP_THRESHOLD (1024u * 1024u)

/* ---- Errors ---------------------------------------------------------------- */

const char *hive_last_error(const dmar_hive *h)
{
	return h->last_error;
}

/* ---- Loading ----------------------------------------------------------------- */

static void buffer_release(uint8_t *data, size_t size, int mapped)
{
	if (data == NULL)
		return;
	if (mapped)
		munmap(data, size);
	else
		free(data);
}

/* With no_map the buffer comes from the heap, where an allocator that
 * keeps freed memory hands the same pages to the next hive: no page
 * faults, no page-table work the threads of one process contend for. */
static uint8_t *buffer_alloc(const dmar_hive *h, size_t size, int *mapped)
{
	*mapped = 0;
#ifdef MAP_POPULATE
	if (size >= POPULATE_THRESHOLD && !h->no_map) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED) {
			*mapped = 1;
			return p;
		}
	}
#endif
	return malloc(size ? size : 1);
}

static int read_all(int fd, uint8_t *buf, size_t size, size_t *got)
{
	*got = 0;
	while (*got < size) {
		ssize_t r = read(fd, buf + *got, size - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Pipes and character devices: grow as data arrives. */
static int load_stream(int fd, uint8_t **data, size_t *size)
{
	size_t cap = 1u << 20, len = 0;
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return DMAR_ENOMEM;
	for (;;) {
		if (len == cap) {
			if ((uint64_t)cap * 2 > HIVE_MAX_FILE_SIZE + 1) {
				free(buf);
				return DMAR_EFORMAT;
			}
			uint8_t *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				return DMAR_ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got;
		if (read_all(fd, buf + len, cap - len, &got) != 0) {
			free(buf);
			return DMAR_EIO;
		}
		len += got;
		if (len < cap)
			break;
	}
	*data = buf;
	*size = len;
	return 0;
}

/* ---- Hashing while reading ----------------------------------------------------- */

/* The sha256 of the bytes of 'data' as they are fed, into sha256_pending. */
static void *hash_image(void *arg)
{
	dmar_hive *h = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	size_t done = 0;
	for (;;) {
		pthread_mutex_lock(&h->feed_lock);
		while (h->fed == done && !h->fed_all)
			pthread_cond_wait(&h->feed_more, &h->feed_lock);
		size_t ready = h->fed;
		int all = h->fed_all;
		pthread_mutex_unlock(&h->feed_lock);
		if (ok && ready > done)
			ok = EVP_DigestUpdate(ctx, h->data + done, ready - done) == 1;
		done = ready;
		if (all)
			break;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	h->sha256_pending[0] = '\0';
	if (ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32)
		for (unsigned int i = 0; i < len; i++)
			snprintf(h->sha256_pending + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	return NULL;
}

/* Bytes of 'data' up to 'size' are read; 'all' when that is the file. */
static void hash_feed(dmar_hive *h, size_t size, int all)
{
	if (!h->hashing)
		return;
	pthread_mutex_lock(&h->feed_lock);
	h->fed = size;
	h->fed_all = all;
	pthread_cond_signal(&h->feed_more);
	pthread_mutex_unlock(&h->feed_lock);
}

/* Start hashing 'data' (fed by hash_feed); without a thread (a small
 * image, or none could be made) the hash is computed when all is fed. */
static void hash_start(dmar_hive *h, size_t expected)
{
	h->fed = 0;
	h->fed_all = 0;
	h->hashing = !h->one_thread && expected >= HASH_THREAD_MIN &&
	             pthread_create(&h->hasher, NULL, hash_image, h) == 0;
}

/* A whole buffer at once: hashed now when small, else in the thread. */
static void hash_buffer(dmar_hive *h)
{
	hash_start(h, h->size);
	if (h->hashing) {
		hash_feed(h, h->size, 1);
		return;
	}
	h->fed = h->size;
	h->fed_all = 1;
	hash_image(h);
	memcpy(h->info.sha256, h->sha256_pending, sizeof(h->info.sha256));
}

void hive_hash_wait(dmar_hive *h)
{
	if (!h->hashing)
		return;
	hash_feed(h, h->fed, 1);   /* whatever was read is all there is */
	pthread_join(h->hasher, NULL);
	h->hashing = 0;
	memcpy(h->info.sha256, h->sha256_pending, sizeof(h->info.sha256));
}

/* ---- Reading ------------------------------------------------------------------------ */

/* Map the whole file copy-on-write and read all its pages in now; -1 when
 * it cannot be so (the caller reads it instead).  A page that cannot be
 * read makes MADV_POPULATE_READ fail here rather than raise SIGBUS during
 * the analysis.  (The pages stay in the page cache: a file truncated by
 * another program while it is analysed still raises SIGBUS.) */
static int map_file(dmar_hive *h, int fd, size_t size)
{
#ifdef MADV_POPULATE_READ
	if (size < MAP_THRESHOLD || h->no_map)
		return -1;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	if (madvise(p, size, MADV_POPULATE_READ) != 0) {
		munmap(p, size);
		return -1;
	}
	h->data = p;
	h->size = h->capacity = size;
	h->data_mapped = 1;
	return 0;   /* hashed by hive_finish_open, in a thread when it may */
#else
	(void)h;
	(void)fd;
	(void)size;
	return -1;
#endif
}

/* Read 'want' bytes into h->data a chunk at a time, each hashed by the
 * hashing thread while the next is read. */
static int read_hashing(dmar_hive *h, int fd, size_t want, size_t *got)
{
	*got = 0;
	hash_start(h, want);
	while (*got < want) {
		size_t n = 0, chunk = want - *got < READ_CHUNK ? want - *got : READ_CHUNK;
		if (read_all(fd, h->data + *got, chunk, &n) != 0) {
			hash_feed(h, *got, 1);
			return -1;
		}
		*got += n;
		hash_feed(h, *got, n < chunk || *got == want);
		if (n < chunk)
			break;
	}
	return 0;
}

static int load_file(dmar_hive *h, const char *path, dmar_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return dmar_error_set(err, DMAR_EIO, "%s", strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = dmar_error_set(err, DMAR_EIO, "%s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		rc = dmar_error_set(err, DMAR_EFORMAT, "is a directory");
	} else if (!S_ISREG(st.st_mode)) {
		rc = load_stream(fd, &h->data, &h->size);
		h->capacity = h->size;
		if (rc == DMAR_EFORMAT)
			rc = dmar_error_set(err, rc, "larger than any hive can be");
		else if (rc != 0)
			rc = dmar_error_set(err, rc, "%s", rc == DMAR_ENOMEM
			                    ? "out of memory" : strerror(errno));
	} else if ((uint64_t)st.st_size > HIVE_MAX_FILE_SIZE) {
		rc = dmar_error_set(err, DMAR_EFORMAT,
		                    "%jd bytes: larger than any hive can be",
		                    (intmax_t)st.st_size);
	} else {
		size_t want = (size_t)st.st_size, got = 0;
		h->from_file = 1;
		h->dev = st.st_dev;
		h->ino = st.st_ino;
		if (map_file(h, fd, want) == 0) {
			close(fd);
			return 0;
		}
		h->capacity = want;
		h->data = buffer_alloc(h, want, &h->data_mapped);
		if (h->data == NULL)
			rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
		else if (read_hashing(h, fd, want, &got) != 0)
			rc = dmar_error_set(err, DMAR_EIO, "%s", strerror(errno));
		else if (got != want)
			rc = dmar_error_set(err, DMAR_EIO,
			                    "file shrank while being read");
		h->size = got;
	}
	close(fd);
	return rc;
}

/* ---- Base block -------------------------------------------------------------- */

static void read_embedded_name(dmar_hive *h, const uint8_t *b)
{
	dmar_arena *a = arena_new();
	char *name = a ? text_from_utf16le(a, b + 0x30, 64) : NULL;
	snprintf(h->embedded_name, sizeof(h->embedded_name), "%s",
	         name ? name : "");
	arena_free(a);
	h->info.embedded_name = h->embedded_name;
}

static int check_base_block(dmar_hive *h, dmar_error **err)
{
	const uint8_t *b = h->data;
	if (h->size == 0)
		return dmar_error_set(err, DMAR_EFORMAT, "empty file");
	if (h->size < 4 || memcmp(b, "regf", 4) != 0)
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "not a registry hive (no 'regf' signature)");
	if (h->size < BASE_BLOCK_SIZE)
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "truncated: %zu bytes, shorter than the "
		                      "4096-byte base block", h->size);
	dmar_hive_info *info = &h->info;
	info->seq_primary = le32(b + 4);
	info->seq_secondary = le32(b + 8);
	info->last_written = (uint64_t)le32(b + 12) | (uint64_t)le32(b + 16) << 32;
	info->version_major = le32(b + 20);
	info->version_minor = le32(b + 24);
	info->hbins_size = le32(b + 40);
	info->checksum_ok = le32(b + 508) == txlog_base_block_checksum(b);
	/* as the kernel sees it: a write was cut short, or the header is bad */
	info->dirty = info->seq_primary != info->seq_secondary || !info->checksum_ok;
	read_embedded_name(h, b);
	return 0;
}

/* The image to analyse (the primary, its logs replayed): a format we
 * read, and as long as its base block says.  Checked after the replay,
 * which may have replaced a damaged base block and grown the image. */
static int check_image(const dmar_hive *h, dmar_error **err)
{
	const uint8_t *b = h->data;
	uint32_t major = le32(b + 20), minor = le32(b + 24), hbins = le32(b + 40);
	if (major != 1)
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "unsupported hive format version %u.%u%s",
		                      major, minor, h->info.checksum_ok ? ""
		                      : " (the base block is damaged)");
	if ((uint64_t)h->size < (uint64_t)BASE_BLOCK_SIZE + hbins)
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "truncated: %zu bytes, but the base block "
		                      "declares %u bytes of hive bins after its "
		                      "4096 bytes", h->size, hbins);
	return 0;
}

static void hash_wait_hook(void *ctx)
{
	hive_hash_wait(ctx);
}

static void replay_hook(txlog_image *img)
{
	hive_hash_wait(img->owner);
}

/* ---- Opening ------------------------------------------------------------------- */

/* A zero-filled buffer whose pages are touched only when written. */
static uint8_t *buffer_alloc_zeroed(size_t size, int *mapped)
{
	*mapped = 0;
	if (size >= POPULATE_THRESHOLD) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			*mapped = 1;
			return p;
		}
	}
	return calloc(1, size ? size : 1);
}

/* Grow the image for a log that enlarges the hive bins, with headroom so
 * that a run of growing entries does not copy it each time.  Grown buffers
 * are zero-filled, so the bytes past the old size are zero. */
static int image_grow(txlog_image *img, size_t need)
{
	dmar_hive *h = img->owner;
	if (need > h->capacity) {
		size_t capacity = need / 8 < SIZE_MAX - need ? need + need / 8 : need;
		int mapped = 0;
		uint8_t *bigger = buffer_alloc_zeroed(capacity, &mapped);
		if (bigger == NULL)
			return -1;
		memcpy(bigger, h->data, h->size);
		buffer_release(h->data, h->capacity, h->data_mapped);
		h->data = bigger;
		h->capacity = capacity;
		h->data_mapped = mapped;
	}
	h->size = need;
	img->data = h->data;
	img->size = h->size;
	return 0;
}

/* Find the logs beside the primary and replay what applies into the
 * image; the primary's info (sequence numbers, hash) stays as read. */
static int recover(dmar_hive *h, dmar_error **err)
{
	txlog_image img = { h->data, h->size, image_grow, h, replay_hook };
	txlog_result r;
	int rc = h->source != NULL
	         ? txlog_recover_memory(h->arena, h->source_logs, h->n_source_logs,
	                                &img, &r)
	         : txlog_recover(h->arena, h->path, &img, &r);
	if (rc != 0)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory replaying "
		                      "transaction logs");
	h->info.logs_searched = 1;
	h->info.logs = r.logs;
	h->info.n_logs = r.n_logs;
	h->info.recovered = r.recovered;
	h->info.recovered_pages = r.pages;
	h->info.recovered_first_seq = r.first_seq;
	h->info.recovered_last_seq = r.last_seq;
	h->info.recovered_base_block = r.base_block_restored;
	return 0;
}

/* Check the image and open it with the engine chosen; with 'probe', also
 * read its root key (a replayed image is checked so; an image as read is
 * analysed whatever can be read of it). */
static int open_and_probe(dmar_hive *h, int probe, dmar_error **err)
{
	int rc = check_image(h, err);
	guard_free(&h->guard);   /* a new buffer: nothing of it lowered yet */
	if (rc == 0 && guard_image(h->data, h->size, &h->guard) != 0)
		rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->info.guarded_cells = (uint32_t)h->guard.n;
	h->info.guarded_first = h->guard.n ? h->guard.first : NULL;
	h->cells.data = h->data;
	h->cells.end = BASE_BLOCK_SIZE + (size_t)le32(h->data + 40);
	h->cells.minor = le32(h->data + 24);
	cells_unmap_bins(&h->cells);
	if (rc == 0 && cells_map_bins(&h->cells) != 0)
		rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->info.unsound_bin_pages = h->cells.bad_pages;
	if (rc != 0)
		return rc;
	return h->engine == DMAR_ENGINE_LIBREGF ? regf_open(h, probe, err)
	                                        : cells_open(h, probe, err);
}

/* dmar_hive_open_memory: a copy of the bytes the caller holds. */
static int load_memory(dmar_hive *h, const dmar_memory_file *f, dmar_error **err)
{
	h->data = buffer_alloc(h, f->size, &h->data_mapped);
	if (h->data == NULL)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	if (f->size)
		memcpy(h->data, f->data, f->size);
	h->size = f->size;
	h->capacity = f->size;
	return 0;
}

/* The replayed image cannot be read (logs with sound hashes but bad
 * pages): say so on the logs replayed, and analyse the primary as read. */
static int fall_back_to_primary(dmar_hive *h, const char *why, dmar_error **err)
{
	dmar_log_info *logs = (dmar_log_info *)h->info.logs;
	hive_hash_wait(h);
	for (size_t i = 0; i < h->info.n_logs; i++) {
		if (!logs[i].applied && !h->info.recovered_base_block)
			continue;
		logs[i].problem = arena_printf(h->arena, "replaying it gave a hive that "
		                               "cannot be read (%s); the primary file "
		                               "was analysed as it is", why);
		logs[i].damaged = 1;
		logs[i].applied = 0;
	}
	h->info.recovered = 0;
	h->info.recovered_pages = 0;
	h->info.recovered_base_block = 0;
	regf_close(h);
	buffer_release(h->data, h->capacity, h->data_mapped);
	guard_free(&h->guard);
	h->data = NULL;
	h->size = h->capacity = 0;
	int rc = h->source != NULL ? load_memory(h, h->source, err)
	                           : load_file(h, h->path, err);
	return rc == 0 ? open_and_probe(h, 0, err) : rc;
}

static int hive_finish_open(dmar_hive *h, const dmar_open_options *opts,
                            dmar_error **err)
{
	h->info.path = h->path;
	h->info.size = h->size;
	int rc = check_base_block(h, err);
	if (rc == 0) {
		if (!h->hashing)
			hash_buffer(h);   /* not hashed while read */
		if (!(opts && opts->no_logs) && (h->from_file || h->source != NULL))
			rc = recover(h, err);
	}
	if (rc != 0)
		return rc;
	int replayed = h->info.recovered || h->info.recovered_base_block;
	dmar_error *first = NULL;
	rc = open_and_probe(h, replayed, replayed ? &first : err);
	if (rc != 0 && replayed) {
		char *why = arena_strdup(h->arena, first ? first->message : "?");
		dmar_error_free(first);
		return fall_back_to_primary(h, why, err);
	}
	if (rc == 0 && replayed) {
		guard_swap(h->data, &h->guard, 1);   /* the image as replayed */
		txlog_sha256(h->data, h->size, h->info.recovered_sha256);
		guard_swap(h->data, &h->guard, 0);
		h->info.recovered_size = h->size;
	}
	return rc;
}

static dmar_hive *hive_new(const char *path)
{
	dmar_hive *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->path = strdup(path ? path : "");
	if (h->path == NULL) {
		free(h);
		return NULL;
	}
	h->info.path = h->path;
	h->info.embedded_name = "";
	h->guard.before_write = hash_wait_hook;
	h->guard.ctx = h;
	pthread_mutex_init(&h->feed_lock, NULL);
	pthread_cond_init(&h->feed_more, NULL);
	hive_budget_reset(h, 0, 0);
	h->arena = arena_new();
	if (h->arena == NULL) {
		free(h->path);
		free(h);
		return NULL;
	}
	return h;
}

int dmar_hive_open(dmar_hive **out, const char *path, dmar_error **err)
{
	return dmar_hive_open_with(out, path, NULL, err);
}

int dmar_hive_open_with(dmar_hive **out, const char *path,
                        const dmar_open_options *opts, dmar_error **err)
{
	*out = NULL;
	if (path == NULL)
		return dmar_error_set(err, DMAR_EINVAL, "no path given");
	dmar_hive *h = hive_new(path);
	if (h == NULL)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->engine = opts ? opts->engine : DMAR_ENGINE_NATIVE;
	h->one_thread = opts && opts->one_thread;
	h->no_map = opts && opts->no_map;
	int rc = load_file(h, path, err);
	if (rc == 0)
		rc = hive_finish_open(h, opts, err);
	if (rc != 0) {
		dmar_hive_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* What dmar_hive_open_memory may be given. */
static int check_memory_files(const dmar_memory_file *hive,
                              const dmar_memory_file *logs, size_t n_logs,
                              dmar_error **err)
{
	if (hive == NULL || (hive->data == NULL && hive->size != 0) ||
	    (logs == NULL && n_logs != 0))
		return dmar_error_set(err, DMAR_EINVAL, "no data given");
	if ((uint64_t)hive->size > HIVE_MAX_FILE_SIZE)
		return dmar_error_set(err, DMAR_EFORMAT, "%zu bytes: larger than any "
		                      "hive can be", hive->size);
	int seen[3] = { 0, 0, 0 };
	for (size_t i = 0; i < n_logs; i++) {
		int kind = txlog_kind(logs[i].label);
		if (logs[i].data == NULL && logs[i].size != 0)
			return dmar_error_set(err, DMAR_EINVAL, "no data given for %s",
			                      logs[i].label);
		if (kind < 0)
			return dmar_error_set(err, DMAR_EINVAL, "transaction log %s: its "
			                      "label does not end in .LOG1, .LOG2 or .LOG",
			                      logs[i].label ? logs[i].label : "(no label)");
		if (seen[kind]++)
			return dmar_error_set(err, DMAR_EINVAL, "transaction log %s: a "
			                      "second log of its kind", logs[i].label);
	}
	return 0;
}

int dmar_hive_open_memory(dmar_hive **out, const dmar_memory_file *hive,
                          const dmar_memory_file *logs, size_t n_logs,
                          const dmar_open_options *opts, dmar_error **err)
{
	*out = NULL;
	int rc = check_memory_files(hive, logs, n_logs, err);
	if (rc != 0)
		return rc;
	dmar_hive *h = hive_new(hive->label);
	if (h == NULL)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->engine = opts ? opts->engine : DMAR_ENGINE_NATIVE;
	h->source = hive;
	h->source_logs = logs;
	h->n_source_logs = n_logs;
	rc = load_memory(h, hive, err);
	if (rc == 0)
		rc = hive_finish_open(h, opts, err);
	h->source = NULL;   /* the caller's: not kept past the call */
	h->source_logs = NULL;
	h->n_source_logs = 0;
	if (rc != 0) {
		dmar_hive_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int dmar_hive_open_buffer(dmar_hive **out, const char *label, const void *data,
                          size_t size, dmar_error **err)
{
	dmar_memory_file hive = { label, data, size };
	dmar_open_options opts = { .no_logs = 1 };   /* no file: no logs */
	return dmar_hive_open_memory(out, &hive, NULL, 0, &opts, err);
}

const dmar_hive_info *dmar_hive_get_info(const dmar_hive *hive)
{
	if (hive == NULL)
		return NULL;
	hive_hash_wait((dmar_hive *)hive);   /* the info is complete once read */
	return &hive->info;
}

const dmar_hive_info *hive_info_early(const dmar_hive *h)
{
	return &h->info;
}

void dmar_hive_free(dmar_hive *h)
{
	if (h == NULL)
		return;
	hive_hash_wait(h);
	pthread_mutex_destroy(&h->feed_lock);
	pthread_cond_destroy(&h->feed_more);
	regf_close(h);
	cells_unmap_bins(&h->cells);
	buffer_release(h->data, h->capacity, h->data_mapped);
	guard_free(&h->guard);
	arena_free(h->arena);
	free(h->path);
	free(h);
}

/* ---- Saving the recovered image -------------------------------------------------- */

static int same_file(const struct stat *a, const char *path)
{
	struct stat b;
	return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

static int refuse_evidence(const dmar_hive *h, const char *path, dmar_error **err)
{
	struct stat target;
	if (stat(path, &target) != 0)
		return 0;   /* a new file */
	if (S_ISDIR(target.st_mode))
		return dmar_error_set(err, DMAR_EINVAL, "%s is a folder", path);
	/* (open(O_EXCL) refuses any existing file; these say why) */
	if (h->from_file && target.st_dev == h->dev && target.st_ino == h->ino)
		return dmar_error_set(err, DMAR_EINVAL, "refusing to write over the "
		                      "hive itself (%s)", path);
	for (size_t i = 0; i < h->info.n_logs; i++)
		if (same_file(&target, h->info.logs[i].path))
			return dmar_error_set(err, DMAR_EINVAL, "refusing to write over "
			                      "its transaction log %s", h->info.logs[i].path);
	return 0;
}

static int write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t w = write(fd, data, size);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		size -= (size_t)w;
	}
	return 0;
}

int dmar_hive_save(const dmar_hive *h, const char *path, dmar_error **err)
{
	if (h == NULL || path == NULL)
		return dmar_error_set(err, DMAR_EINVAL, "no hive or path");
	int rc = refuse_evidence(h, path, err);
	if (rc != 0)
		return rc;
	/* a new file only: never replace what is there */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0)
		return dmar_error_set(err, errno == EEXIST ? DMAR_EINVAL : DMAR_EIO,
		                      "cannot create %s: %s%s", path, strerror(errno),
		                      errno == EEXIST ? " (it is never replaced)" : "");
	/* the image as replayed: the words guard.c lowered are written as
	 * they were */
	int bad = write_all(fd, h->data, h->size) != 0;
	for (size_t i = 0; !bad && i < h->guard.n; i++) {
		uint8_t word[4];
		put_le32(word, h->guard.patches[i].original);
		bad = pwrite(fd, word, 4, (off_t)h->guard.patches[i].offset) != 4;
	}
	if (bad || fsync(fd) != 0)
		rc = dmar_error_set(err, DMAR_EIO, "cannot write %s: %s", path,
		                    strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = dmar_error_set(err, DMAR_EIO, "cannot write %s: %s", path,
		                    strerror(errno));
	if (rc != 0)
		unlink(path);   /* ours: created above */
	return rc;
}

/* ---- Budgets and errors ------------------------------------------------------------ */

void hive_set_error(dmar_hive *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->last_error, sizeof(h->last_error), fmt, ap);
	va_end(ap);
}

void hive_budget_reset(dmar_hive *h, uint32_t max_keys, uint32_t max_values)
{
	h->keys_read = 0;
	h->values_read = 0;
	h->max_keys = max_keys ? max_keys : HIVE_MAX_KEYS_READ;
	h->max_values = max_values ? max_values : HIVE_MAX_VALUES_READ;
	h->limits = 0;
}

unsigned hive_limits_reached(const dmar_hive *h)
{
	return h->limits;
}

/* One more of a budget ('keys' or 'values'): 0, or -1 with the limit
 * recorded once it is spent. */
static int count_one(dmar_hive *h, uint32_t *read, uint32_t max, unsigned limit,
                     const char *what)
{
	if (*read < max) {
		(*read)++;
		return 0;
	}
	h->limits |= limit;
	hive_set_error(h, HIVE_LIMIT_ERROR "more than %u %s read from this hive",
	               max, what);
	return -1;
}

int hive_count_key(dmar_hive *h)
{
	return count_one(h, &h->keys_read, h->max_keys, HIVE_LIMIT_KEYS, "keys");
}

int hive_count_value(dmar_hive *h)
{
	return count_one(h, &h->values_read, h->max_values, HIVE_LIMIT_VALUES,
	                 "values");
}

void *hive_value_buffer(dmar_arena *a, hive_value *out, size_t size)
{
	out->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (size == 0 || size > HIVE_VALUE_MAX_LOAD)
		return NULL;
	return arena_alloc(a, size);
}

/* ---- Keys: the engine chosen at open ---------------------------------------------- */

static int native(const dmar_hive *h)
{
	return h->engine != DMAR_ENGINE_LIBREGF;
}

int hive_root(dmar_hive *h, hkey **out)
{
	*out = NULL;
	return native(h) ? cells_root(h, out) : regf_root(h, out);
}

int hkey_open(hkey *parent, const char *path, hkey **out)
{
	*out = NULL;
	return native(parent->hive) ? cells_open_path(parent, path, out)
	                            : regf_open_path(parent, path, out);
}

int hkey_open_child(hkey *parent, const char *name, hkey **out)
{
	*out = NULL;
	if (strchr(name, '\\') != NULL)
		return 0;   /* no key name holds a backslash */
	return native(parent->hive) ? cells_open_child(parent, name, out)
	                            : regf_open_child(parent, name, out);
}

int hkey_subkey_count(hkey *k, int *count)
{
	*count = 0;
	return native(k->hive) ? cells_subkey_count(k, count)
	                       : regf_subkey_count(k, count);
}

int hkey_subkey_at(hkey *k, int index, hkey **out)
{
	*out = NULL;
	return native(k->hive) ? cells_subkey_at(k, index, out)
	                       : regf_subkey_at(k, index, out);
}

int hkey_offset(hkey *k, uint64_t *offset)
{
	if (!native(k->hive))
		return regf_offset(k, offset);
	*offset = (uint64_t)4096 + k->nk.self;
	return 1;
}

const dmar_hive *hkey_hive(const hkey *k)
{
	return k->hive;
}

const char *hkey_name(hkey *k)
{
	if (k->name == NULL)
		k->name = strdup(native(k->hive) ? cells_name(k) : regf_name(k));
	return k->name ? k->name : "";
}

uint64_t hkey_last_written(hkey *k)
{
	return native(k->hive) ? k->nk.last_written : regf_last_written(k);
}

void hkey_free(hkey *k)
{
	if (k == NULL)
		return;
	if (native(k->hive))
		free(k->subkeys);
	else
		regf_key_free(k);
	free(k->name);
	free(k);
}

/* ---- Values -------------------------------------------------------------------- */

int hkey_get_values(hkey *k, dmar_arena *a, const char *const *names,
                    hive_value *out, size_t n)
{
	memset(out, 0, n * sizeof(*out));
	return native(k->hive) ? cells_get_values(k, a, names, out, n)
	                       : regf_get_values(k, a, names, out, n);
}

int hkey_get_value(hkey *k, dmar_arena *a, const char *name, hive_value *out)
{
	const char *names[1] = { name };
	if (hkey_get_values(k, a, names, out, 1) != 0 && !out->present)
		return -1;
	return out->present ? 1 : 0;
}

int hkey_value_count(hkey *k, int *count)
{
	*count = 0;
	return native(k->hive) ? cells_value_count(k, count)
	                       : regf_value_count(k, count);
}

int hkey_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                  hive_value *out)
{
	memset(out, 0, sizeof(*out));
	*name = NULL;
	if (hive_count_value(k->hive) != 0)
		return -1;
	return native(k->hive) ? cells_value_at(k, index, a, name, out)
	                       : regf_value_at(k, index, a, name, out);
}

int hkey_security_descriptor(hkey *k, dmar_arena *a, const uint8_t **data,
                             size_t *size)
{
	*data = NULL;
	*size = 0;
	if (!native(k->hive))
		return regf_security_descriptor(k, a, data, size);
	const uint8_t *sd = NULL;
	size_t n = 0;
	int r = cells_security_descriptor(k, &sd, &n);
	if (r != 1)
		return r;
	if (n > MAX_SD_SIZE)
		return -1;
	uint8_t *copy = arena_alloc(a, n);
	if (copy == NULL)
		return -1;
	memcpy(copy, sd, n);
	*data = copy;
	*size = n;
	return 1;
}

int hive_value_dword(const hive_value *v, uint32_t *out)
{
	if (!v->present || v->type != DMAR_REG_DWORD || v->size != 4 ||
	    v->data == NULL)
		return 0;
	*out = le32(v->data);
	return 1;
}
