/*
 * txlog.h - replay of registry transaction logs into an in-memory hive.
 */
#ifndef DMAR_TXLOG_H
#define DMAR_TXLOG_H

#include <dmarscan.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* The hive image being recovered, changed in place.  'grow' enlarges it to
 * 'need' bytes, zero-filled, updating data and size; it returns 0 or -1. */
typedef struct txlog_image {
	uint8_t *data;
	size_t size;
	int (*grow)(struct txlog_image *img, size_t need);
	void *owner;
	/* called before the image is first written (may be NULL) */
	void (*before_write)(struct txlog_image *img);
} txlog_image;

typedef struct txlog_result {
	dmar_log_info *logs;         /* in the arena */
	size_t n_logs;
	int recovered;
	uint32_t pages;              /* distinct 4096-byte pages written */
	uint32_t first_seq, last_seq;
	int base_block_restored;     /* the primary's was damaged */
} txlog_result;

/* Find the logs beside the hive file 'hive_path' (NAME.LOG1, NAME.LOG2,
 * NAME.LOG, any case, one of each), hash them, and when the image's base
 * block says the hive is dirty replay what applies.  Problems with a log
 * are recorded in its dmar_log_info, never fatal (an image that cannot
 * grow is such a problem).  Returns 0, or -1 when memory ran out for the
 * bookkeeping. */
int txlog_recover(dmar_arena *a, const char *hive_path, txlog_image *img,
                  txlog_result *out);

/* The same with the logs in memory (dmar_hive_open_memory): a log's kind
 * comes from the end of its label as txlog_kind() reads it, the first of
 * each kind is used and the rest are ignored.  The buffers are only read,
 * during the call. */
int txlog_recover_memory(dmar_arena *a, const dmar_memory_file *logs,
                         size_t n, txlog_image *img, txlog_result *out);

/* The kind of log a name or label ends in: 0 for .LOG1, 1 for .LOG2, 2 for
 * .LOG (any case), -1 for none of them. */
int txlog_kind(const char *label);

/* Marvin32 of data with the registry's seed (exposed for the tests). */
uint64_t txlog_marvin32(const uint8_t *data, size_t size);

/* XOR-32 checksum of the first 508 bytes of a base block. */
uint32_t txlog_base_block_checksum(const uint8_t *b);

/* SHA-256 of data as 64 lower-case hex digits ("" when unavailable). */
void txlog_sha256(const uint8_t *data, size_t size, char out[65]);

#endif /* DMAR_TXLOG_H */
