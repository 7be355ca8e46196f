/*
 * hive.c - load a hive read-only, check its base block, parse it with libregf.
 *
 * The file is read (not mapped: an I/O error on a damaged image must come
 * back as an error, not as SIGBUS) into one buffer, hashed, checked, and
 * handed to libregf through a libbfio memory range.  The evidence file is
 * opened O_RDONLY and never written.
 */
#include "config.h"

#include "guard.h"
#include "hive.h"
#include "bounds.h"
#include "memio.h"

#include <errno.h>
#include <fcntl.h>
#include <libbfio.h>
#include <libregf.h>
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

struct dmar_hive {
	dmar_hive_info info;
	char *path;
	char embedded_name[32 * 3 + 1];   /* 32 UTF-16 units as UTF-8 */
	uint8_t *data;
	size_t size;               /* of the image (the primary, replayed) */
	size_t capacity;           /* of the allocation */
	int data_mapped;
	dmar_arena *arena;         /* log details */
	int from_file;             /* read from a regular file: logs may sit
	                              beside it */
	dev_t dev;                 /* the primary file, to refuse saving over it */
	ino_t ino;
	libbfio_handle_t *bfio;
	libregf_file_t *regf;
	char last_error[512];
	uint32_t keys_read;        /* since hive_budget_reset */
	uint32_t values_read;
	uint32_t max_keys, max_values;
	image_guard guard;         /* counts lowered for libregf (guard.h) */
	unsigned limits;           /* HIVE_LIMIT_* reached */
};

struct hkey {
	dmar_hive *hive;
	libregf_key_t *key;
	char *name;
};

/* ---- Errors ---------------------------------------------------------------- */

/* libregf's backtrace starts with the root cause:
 * "libregf_x: unable to retrieve hive bin at offset: 1866536 (0x001c7b28)."
 * Keep that first line without the function name and the final dot. */
static void regf_error_line(libregf_error_t *e, char *out, size_t size)
{
	char buf[4096];
	out[0] = '\0';
	if (e == NULL || libregf_error_backtrace_sprint(e, buf, sizeof(buf)) < 0)
		return;
	char *line = buf;
	char *nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	char *colon = strstr(line, ": ");
	if (colon != NULL && strncmp(line, "lib", 3) == 0)
		line = colon + 2;
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '.' || line[len - 1] == ' ' ||
	                   line[len - 1] == '\r'))
		line[--len] = '\0';
	snprintf(out, size, "%s", line);
}

static void hive_note_error(dmar_hive *h, libregf_error_t **e, const char *what)
{
	char detail[256];
	regf_error_line(*e, detail, sizeof(detail));
	snprintf(h->last_error, sizeof(h->last_error), "%.200s: %.250s", what,
	         detail[0] ? detail : "libregf error");
	libregf_error_free(e);
}

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

static uint8_t *buffer_alloc(size_t size, int *mapped)
{
	*mapped = 0;
#ifdef MAP_POPULATE
	if (size >= POPULATE_THRESHOLD) {
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
		h->capacity = want;
		h->data = buffer_alloc(want, &h->data_mapped);
		if (h->data == NULL)
			rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
		else if (read_all(fd, h->data, want, &got) != 0)
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

/* The image to analyse (the primary, its logs replayed): a format libregf
 * reads, and as long as its base block says.  Checked after the replay,
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

static void hash_buffer(dmar_hive *h)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	h->info.sha256[0] = '\0';
	if (EVP_Digest(h->data, h->size, md, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return;
	for (unsigned int i = 0; i < len; i++)
		snprintf(h->info.sha256 + 2 * i, 3, "%02x", md[i]);
}

/* ---- Opening ------------------------------------------------------------------- */

static int open_regf(dmar_hive *h, dmar_error **err)
{
	libregf_error_t *re = NULL;
	if (memio_open(&h->bfio, h->data, h->size) != 0)
		return dmar_error_set(err, DMAR_ENOMEM,
		                      "cannot set up a memory range for libregf");
	if (libregf_file_initialize(&h->regf, &re) != 1) {
		libregf_error_free(&re);
		return dmar_error_set(err, DMAR_ENOMEM, "cannot set up libregf");
	}
	if (libregf_file_open_file_io_handle(h->regf, h->bfio, LIBREGF_OPEN_READ,
	                                     &re) != 1) {
		char detail[256];
		regf_error_line(re, detail, sizeof(detail));
		libregf_error_free(&re);
		libregf_file_free(&h->regf, NULL);
		return dmar_error_set(err, DMAR_EFORMAT,
		                      "libregf cannot open it: %s", detail);
	}
	return 0;
}

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
	txlog_image img = { h->data, h->size, image_grow, h };
	txlog_result r;
	if (txlog_recover(h->arena, h->path, &img, &r) != 0)
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

/* Open the image with libregf; with 'probe', also read its root key (a
 * replayed image is checked so; an image as read is analysed whatever
 * can be read of it). */
static int open_and_probe(dmar_hive *h, int probe, dmar_error **err)
{
	int rc = check_image(h, err);
	guard_free(&h->guard);   /* a new buffer: nothing of it lowered yet */
	if (rc == 0 && guard_image(h->data, h->size, &h->guard) != 0)
		rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->info.guarded_cells = (uint32_t)h->guard.n;
	h->info.guarded_first = h->guard.n ? h->guard.first : NULL;
	if (rc == 0)
		rc = open_regf(h, err);
	if (rc != 0 || !probe)
		return rc;
	libregf_key_t *root = NULL;
	libregf_error_t *re = NULL;
	if (libregf_file_get_root_key(h->regf, &root, &re) == 1) {
		libregf_key_free(&root, NULL);
		return 0;
	}
	char detail[256];
	regf_error_line(re, detail, sizeof(detail));
	libregf_error_free(&re);
	return dmar_error_set(err, DMAR_EFORMAT, "libregf cannot read its root "
	                      "key: %s", detail);
}

static void close_regf(dmar_hive *h)
{
	if (h->regf != NULL) {
		libregf_file_close(h->regf, NULL);
		libregf_file_free(&h->regf, NULL);
	}
	if (h->bfio != NULL)
		libbfio_handle_free(&h->bfio, NULL);
}

/* The replayed image cannot be read (logs with sound hashes but bad
 * pages): say so on the logs replayed, and analyse the primary as read. */
static int fall_back_to_primary(dmar_hive *h, const char *why, dmar_error **err)
{
	dmar_log_info *logs = (dmar_log_info *)h->info.logs;
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
	close_regf(h);
	buffer_release(h->data, h->capacity, h->data_mapped);
	guard_free(&h->guard);
	h->data = NULL;
	h->size = h->capacity = 0;
	int rc = load_file(h, h->path, err);
	return rc == 0 ? open_and_probe(h, 0, err) : rc;
}

static int hive_finish_open(dmar_hive *h, const dmar_open_options *opts,
                            dmar_error **err)
{
	h->info.path = h->path;
	h->info.size = h->size;
	int rc = check_base_block(h, err);
	if (rc == 0) {
		hash_buffer(h);
		if (!(opts && opts->no_logs) && h->from_file)
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

int dmar_hive_open_buffer(dmar_hive **out, const char *label, const void *data,
                          size_t size, dmar_error **err)
{
	*out = NULL;
	if (data == NULL && size != 0)
		return dmar_error_set(err, DMAR_EINVAL, "no data given");
	dmar_hive *h = hive_new(label);
	if (h == NULL)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	h->data = buffer_alloc(size, &h->data_mapped);
	if (h->data == NULL) {
		dmar_hive_free(h);
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	}
	if (size)
		memcpy(h->data, data, size);
	h->size = size;
	h->capacity = size;
	int rc = hive_finish_open(h, NULL, err);   /* no file: no logs */
	if (rc != 0) {
		dmar_hive_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

const dmar_hive_info *dmar_hive_get_info(const dmar_hive *hive)
{
	return hive ? &hive->info : NULL;
}

void dmar_hive_free(dmar_hive *h)
{
	if (h == NULL)
		return;
	close_regf(h);
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

/* ---- Keys ---------------------------------------------------------------------- */

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

/* Count one more value read; -1 once the budget is spent. */
static int value_budget(dmar_hive *h)
{
	if (h->values_read < h->max_values) {
		h->values_read++;
		return 0;
	}
	h->limits |= HIVE_LIMIT_VALUES;
	snprintf(h->last_error, sizeof(h->last_error), HIVE_LIMIT_ERROR "more than "
	         "%u values read from this hive", h->max_values);
	return -1;
}

static hkey *hkey_wrap(dmar_hive *h, libregf_key_t *key)
{
	if (h->keys_read >= h->max_keys) {
		h->limits |= HIVE_LIMIT_KEYS;
		libregf_key_free(&key, NULL);
		snprintf(h->last_error, sizeof(h->last_error), HIVE_LIMIT_ERROR "more "
		         "than %u keys read from this hive", h->max_keys);
		return NULL;
	}
	h->keys_read++;
	hkey *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		libregf_key_free(&key, NULL);
		snprintf(h->last_error, sizeof(h->last_error), "out of memory");
		return NULL;
	}
	k->hive = h;
	k->key = key;
	return k;
}

int hive_root(dmar_hive *h, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	*out = NULL;
	if (libregf_file_get_root_key(h->regf, &key, &e) != 1) {
		hive_note_error(h, &e, "cannot read the root key");
		return -1;
	}
	*out = hkey_wrap(h, key);
	return *out ? 1 : -1;
}

/* Turn a libregf lookup result (1 found, 0 absent, -1 error) into ours. */
static int lookup_result(hkey *parent, int r, libregf_key_t *key,
                         libregf_error_t **e, const char *name, hkey **out)
{
	if (r == 0)
		return 0;
	if (r != 1) {
		char what[200];
		snprintf(what, sizeof(what), "cannot read key %.150s", name);
		hive_note_error(parent->hive, e, what);
		return -1;
	}
	*out = hkey_wrap(parent->hive, key);
	return *out ? 1 : -1;
}

int hkey_open(hkey *parent, const char *path, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	*out = NULL;
	int r = libregf_key_get_sub_key_by_utf8_path(
		parent->key, (const uint8_t *)path, strlen(path), &key, &e);
	return lookup_result(parent, r, key, &e, path, out);
}

int hkey_open_child(hkey *parent, const char *name, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	*out = NULL;
	if (strchr(name, '\\') != NULL)
		return 0;   /* no key name holds a backslash */
	int r = libregf_key_get_sub_key_by_utf8_name(
		parent->key, (const uint8_t *)name, strlen(name), &key, &e);
	return lookup_result(parent, r, key, &e, name, out);
}

int hkey_subkey_count(hkey *k, int *count)
{
	libregf_error_t *e = NULL;
	*count = 0;
	if (libregf_key_get_number_of_sub_keys(k->key, count, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot count subkeys");
		return -1;
	}
	return 1;
}

int hkey_subkey_at(hkey *k, int index, hkey **out)
{
	libregf_key_t *key = NULL;
	libregf_error_t *e = NULL;
	*out = NULL;
	if (libregf_key_get_sub_key(k->key, index, &key, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read subkey");
		return -1;
	}
	*out = hkey_wrap(k->hive, key);
	return *out ? 1 : -1;
}

/* Key and value names are at most 16383 UTF-16 units in a valid hive;
 * longer ones are cut (they are only compared and shown): NAME_UNITS_MAX. */
/* Decode a name from libregf's UTF-16 (host order) into valid UTF-8 in
 * 'out' (NAME_UNITS_MAX * 3 + 1 bytes). */
static void name_to_utf8(const uint16_t *units, size_t n, char *out)
{
	static _Thread_local uint8_t le[NAME_UNITS_MAX * 2];
	if (n > NAME_UNITS_MAX)
		n = NAME_UNITS_MAX;
	for (size_t i = 0; i < n; i++) {
		le[2 * i] = (uint8_t)(units[i] & 0xFF);
		le[2 * i + 1] = (uint8_t)(units[i] >> 8);
	}
	text_utf16le_decode(le, n * 2, out);
}

static _Thread_local uint16_t name_units[NAME_UNITS_MAX + 1];

static int key_name(libregf_key_t *key, char *out)
{
	size_t size = 0;
	if (libregf_key_get_utf16_name_size(key, &size, NULL) != 1 ||
	    size > NAME_UNITS_MAX + 1 ||
	    (size > 0 &&
	     libregf_key_get_utf16_name(key, name_units, size, NULL) != 1))
		return -1;
	name_to_utf8(name_units, size, out);
	return 0;
}

static int value_name(libregf_value_t *v, char *out)
{
	size_t size = 0;
	if (libregf_value_get_utf16_name_size(v, &size, NULL) != 1 ||
	    size > NAME_UNITS_MAX + 1 ||
	    (size > 0 &&
	     libregf_value_get_utf16_name(v, name_units, size, NULL) != 1))
		return -1;
	name_to_utf8(name_units, size, out);
	return 0;
}

int hkey_offset(hkey *k, uint64_t *offset)
{
	off64_t off = 0;
	if (libregf_key_get_offset(k->key, &off, NULL) != 1 || off < 0)
		return -1;
	*offset = (uint64_t)off;
	return 1;
}

const dmar_hive *hkey_hive(const hkey *k)
{
	return k->hive;
}

const char *hkey_name(hkey *k)
{
	static _Thread_local char buf[NAME_UNITS_MAX * 3 + 1];
	if (k->name != NULL)
		return k->name;
	if (key_name(k->key, buf) != 0)
		snprintf(buf, sizeof(buf), "\xEF\xBF\xBD");   /* U+FFFD: unreadable */
	k->name = strdup(buf);
	return k->name ? k->name : "";
}

uint64_t hkey_last_written(hkey *k)
{
	uint64_t t = 0;
	if (libregf_key_get_last_written_time(k->key, &t, NULL) != 1)
		return 0;
	return t;
}

void hkey_free(hkey *k)
{
	if (k == NULL)
		return;
	libregf_key_free(&k->key, NULL);
	free(k->name);
	free(k);
}

/* ---- Values -------------------------------------------------------------------- */

/*
 * Data of at most four bytes sits in the value cell itself (bit 31 of the
 * size field set, the bytes in the offset field).  libregf 20201007 returns
 * zeros for such data shorter than four bytes (a 2-byte REG_DWORD 01 00
 * reads as 00 00), so read those few bytes from the cell: the evidence must
 * show what the hive holds.  vk cell: "vk", name length, data size, data.
 */
static int read_short_inline(const dmar_hive *h, libregf_value_t *v,
                             uint8_t *out, size_t size)
{
	off64_t off = 0;
	if (size == 0 || size >= 4 ||
	    libregf_value_get_offset(v, &off, NULL) != 1 || off < 0 ||
	    (uint64_t)off + 12 > h->size)
		return 0;
	const uint8_t *vk = h->data + off;
	uint32_t declared = le32(vk + 4);
	if (vk[0] != 'v' || vk[1] != 'k' || !(declared & 0x80000000u) ||
	    (declared & 0x7FFFFFFFu) != size)
		return 0;
	memcpy(out, vk + 8, size);
	return 1;
}

static int load_value(hkey *k, libregf_value_t *v, dmar_arena *a,
                      hive_value *out)
{
	libregf_error_t *e = NULL;
	size_t size = 0;
	memset(out, 0, sizeof(*out));
	out->present = 1;
	if (libregf_value_get_value_type(v, &out->type, &e) != 1 ||
	    libregf_value_get_value_data_size(v, &size, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read a value");
		out->unreadable = 1;
		return -1;
	}
	out->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (size == 0 || size > HIVE_VALUE_MAX_LOAD)
		return 0;
	uint8_t *data = arena_alloc(a, size);
	if (data == NULL)
		return -1;
	if (read_short_inline(k->hive, v, data, size)) {
		out->data = data;
		return 0;
	}
	if (libregf_value_get_value_data(v, data, size, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read value data");
		out->unreadable = 1;
		return -1;
	}
	out->data = data;
	return 0;
}

int hkey_get_values(hkey *k, dmar_arena *a, const char *const *names,
                    hive_value *out, size_t n)
{
	libregf_error_t *e = NULL;
	int count = 0, rc = 0;
	memset(out, 0, n * sizeof(*out));
	if (libregf_key_get_number_of_values(k->key, &count, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read the value list");
		return -1;
	}
	for (int i = 0; i < count; i++) {
		libregf_value_t *v = NULL;
		if (value_budget(k->hive) != 0)
			return -1;
		if (libregf_key_get_value(k->key, i, &v, &e) != 1) {
			hive_note_error(k->hive, &e, "cannot read a value");
			rc = -1;
			continue;
		}
		static _Thread_local char name[NAME_UNITS_MAX * 3 + 1];
		int named = value_name(v, name) == 0;
		for (size_t j = 0; named && j < n; j++) {
			if (!out[j].present && text_casecmp(name, names[j]) == 0) {
				if (load_value(k, v, a, &out[j]) != 0)
					rc = -1;
				break;
			}
		}
		libregf_value_free(&v, NULL);
	}
	return rc;
}

int hkey_value_count(hkey *k, int *count)
{
	libregf_error_t *e = NULL;
	*count = 0;
	if (libregf_key_get_number_of_values(k->key, count, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read the value list");
		return -1;
	}
	return 1;
}

int hkey_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                  hive_value *out)
{
	libregf_error_t *e = NULL;
	libregf_value_t *v = NULL;
	memset(out, 0, sizeof(*out));
	*name = NULL;
	if (value_budget(k->hive) != 0)
		return -1;
	if (libregf_key_get_value(k->key, index, &v, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read a value");
		return -1;
	}
	static _Thread_local char buf[NAME_UNITS_MAX * 3 + 1];
	int rc = value_name(v, buf) == 0 && (*name = arena_strdup(a, buf)) != NULL
	       ? 1 : -1;
	if (rc == 1 && load_value(k, v, a, out) != 0)
		rc = -1;
	libregf_value_free(&v, NULL);
	return rc;
}

int hkey_security_descriptor(hkey *k, dmar_arena *a, const uint8_t **data,
                             size_t *size)
{
	libregf_error_t *e = NULL;
	size_t n = 0;
	*data = NULL;
	*size = 0;
	int r = libregf_key_get_security_descriptor_size(k->key, &n, &e);
	if (r != 1) {
		if (r < 0)
			hive_note_error(k->hive, &e, "cannot read the security descriptor");
		return r < 0 ? -1 : 0;
	}
	if (n == 0 || n > MAX_SD_SIZE)
		return n == 0 ? 0 : -1;
	uint8_t *buf = arena_alloc(a, n);
	if (buf == NULL)
		return -1;
	if (libregf_key_get_security_descriptor(k->key, buf, n, &e) != 1) {
		hive_note_error(k->hive, &e, "cannot read the security descriptor");
		return -1;
	}
	*data = buf;
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

int hkey_get_value(hkey *k, dmar_arena *a, const char *name, hive_value *out)
{
	const char *names[1] = { name };
	if (hkey_get_values(k, a, names, out, 1) != 0 && !out->present)
		return -1;
	return out->present ? 1 : 0;
}
