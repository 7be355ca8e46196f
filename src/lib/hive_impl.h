/*
 * hive_impl.h - inside a hive: what hive.c (loading, the base block, logs,
 * saving) shares with the two readers of keys and values behind hive.h.
 *
 * hive_cells.c is dmarscan's own reader (cells.h), the default: it looks
 * at cells in place and allocates nothing per key it passes.  hive_regf.c
 * reads through libyal's libregf, kept as a second, independent opinion
 * (--engine libregf): the test suite runs the real hives through both and
 * requires the same report.
 */
#ifndef DMAR_HIVE_IMPL_H
#define DMAR_HIVE_IMPL_H

#include <libbfio.h>
#include <libregf.h>
#include <pthread.h>
#include <sys/types.h>

#include "arena.h"
#include "cells.h"
#include "guard.h"
#include "hive.h"

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
	/* dmar_hive_open_memory: the caller's hive and logs, during the call
	 * only (the replay reads the logs, a fall-back copies the hive again) */
	const dmar_memory_file *source;
	const dmar_memory_file *source_logs;
	size_t n_source_logs;
	dev_t dev;                 /* the primary file, to refuse saving over it */
	ino_t ino;
	dmar_engine engine;
	int one_thread;            /* dmar_open_options.one_thread */
	int no_map;                /* dmar_open_options.no_map */
	regf_image cells;          /* DMAR_ENGINE_NATIVE */
	libbfio_handle_t *bfio;    /* DMAR_ENGINE_LIBREGF */
	libregf_file_t *regf;
	char last_error[512];
	uint32_t keys_read;        /* since hive_budget_reset */
	uint32_t values_read;
	uint32_t max_keys, max_values;
	image_guard guard;         /* counts lowered (guard.h) */
	unsigned limits;           /* HIVE_LIMIT_* reached */
	/* The sha256 of the image as read is computed by a thread of its own
	 * while the file is still being read and then analysed: 'fed' bytes
	 * of 'data' are ready for it, 'fed_all' once the file is read. */
	pthread_t hasher;
	int hashing;               /* the thread runs (hive_hash_wait) */
	pthread_mutex_t feed_lock;
	pthread_cond_t feed_more;
	size_t fed;
	int fed_all;
	char sha256_pending[65];
};

struct hkey {
	dmar_hive *hive;
	char *name;                /* decoded on first use */
	/* DMAR_ENGINE_NATIVE */
	nk_cell nk;
	uint32_t *subkeys;         /* the subkey cells, read on first use */
	uint32_t n_subkeys;
	int subkeys_state;         /* 0 not read, 1 read, -1 unreadable */
	/* DMAR_ENGINE_LIBREGF */
	libregf_key_t *key;
};

/* Say why the last operation failed (hive_last_error). */
void hive_set_error(dmar_hive *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Count one more key or value read against the budgets: 0, or -1 (the
 * error says which limit) once spent. */
int hive_count_key(dmar_hive *h);
int hive_count_value(dmar_hive *h);

/* A value's data into the arena, HIVE_VALUE_MAX_LOAD bytes at most
 * (bigger ones keep only their size). */
void *hive_value_buffer(dmar_arena *a, hive_value *out, size_t size);

/* ---- hive_cells.c ---- */
int cells_open(dmar_hive *h, int probe, dmar_error **err);
int cells_root(dmar_hive *h, hkey **out);
int cells_open_child(hkey *parent, const char *name, hkey **out);
int cells_open_path(hkey *parent, const char *path, hkey **out);
int cells_subkey_count(hkey *k, int *count);
int cells_subkey_at(hkey *k, int index, hkey **out);
const char *cells_name(hkey *k);
int cells_get_values(hkey *k, dmar_arena *a, const char *const *names,
                     hive_value *out, size_t n);
int cells_value_count(hkey *k, int *count);
int cells_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                   hive_value *out);
int cells_security_descriptor(hkey *k, const uint8_t **sd, size_t *size);

/* ---- hive_regf.c ---- */
int regf_open(dmar_hive *h, int probe, dmar_error **err);
void regf_close(dmar_hive *h);
int regf_root(dmar_hive *h, hkey **out);
int regf_open_path(hkey *parent, const char *path, hkey **out);
int regf_open_child(hkey *parent, const char *name, hkey **out);
int regf_subkey_count(hkey *k, int *count);
int regf_subkey_at(hkey *k, int index, hkey **out);
int regf_offset(hkey *k, uint64_t *offset);
const char *regf_name(hkey *k);
uint64_t regf_last_written(hkey *k);
void regf_key_free(hkey *k);
int regf_get_values(hkey *k, dmar_arena *a, const char *const *names,
                    hive_value *out, size_t n);
int regf_value_count(hkey *k, int *count);
int regf_value_at(hkey *k, int index, dmar_arena *a, const char **name,
                  hive_value *out);
int regf_security_descriptor(hkey *k, dmar_arena *a, const uint8_t **data,
                             size_t *size);

#endif /* DMAR_HIVE_IMPL_H */
