/*
 * memio.h - a libbfio handle over bytes in memory that never reads past
 * them.
 *
 * libbfio's own memory range (libbfio 20170123, Debian 12) copies the whole
 * request even when it runs past the end of the range: a hive whose last
 * hive bin header is cut off makes libregf read up to 32 bytes beyond the
 * buffer (found by the fuzzer).  This handle returns only the bytes that
 * are there, as a file would.
 */
#ifndef DMAR_MEMIO_H
#define DMAR_MEMIO_H

#include <libbfio.h>
#include <stddef.h>
#include <stdint.h>

/* A read-only handle over data[0..size); the bytes must outlive it. */
int memio_open(libbfio_handle_t **out, const uint8_t *data, size_t size);

#endif /* DMAR_MEMIO_H */
