/*
 * memio.c - see memio.h.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memio.h"

typedef struct memio {
	const uint8_t *data;
	size_t size;
	uint64_t offset;
	int open;
} memio;

static int mi_free(intptr_t **io, libbfio_error_t **error)
{
	(void)error;
	free(*io);
	*io = NULL;
	return 1;
}

static int mi_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error)
{
	(void)error;
	memio *copy = malloc(sizeof(*copy));
	if (copy == NULL)
		return -1;
	*copy = *(memio *)src;
	copy->offset = 0;
	copy->open = 0;
	*dst = (intptr_t *)copy;
	return 1;
}

static int mi_open(intptr_t *io, int flags, libbfio_error_t **error)
{
	(void)error;
	if (flags & LIBBFIO_ACCESS_FLAG_WRITE)
		return -1;   /* evidence is never written */
	((memio *)io)->open = 1;
	((memio *)io)->offset = 0;
	return 1;
}

static int mi_close(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	((memio *)io)->open = 0;
	return 0;
}

static ssize_t mi_read(intptr_t *io, uint8_t *buffer, size_t size,
                       libbfio_error_t **error)
{
	(void)error;
	memio *m = (memio *)io;
	if (!m->open || buffer == NULL || size > (size_t)SSIZE_MAX)
		return -1;
	if (m->offset >= m->size)
		return 0;
	size_t left = m->size - (size_t)m->offset;
	size_t n = size < left ? size : left;
	memcpy(buffer, m->data + m->offset, n);
	m->offset += n;
	return (ssize_t)n;
}

static ssize_t mi_write(intptr_t *io, const uint8_t *buffer, size_t size,
                        libbfio_error_t **error)
{
	(void)io;
	(void)buffer;
	(void)size;
	(void)error;
	return -1;
}

static off64_t mi_seek(intptr_t *io, off64_t offset, int whence,
                       libbfio_error_t **error)
{
	(void)error;
	memio *m = (memio *)io;
	int64_t base = whence == SEEK_SET ? 0
	               : whence == SEEK_CUR ? (int64_t)m->offset
	               : whence == SEEK_END ? (int64_t)m->size : -1;
	if (base < 0 || (offset < 0 && -offset > base) ||
	    (offset > 0 && offset > INT64_MAX - base))
		return -1;
	m->offset = (uint64_t)(base + offset);
	return (off64_t)m->offset;
}

static int mi_exists(intptr_t *io, libbfio_error_t **error)
{
	(void)io;
	(void)error;
	return 1;
}

static int mi_is_open(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	return ((memio *)io)->open;
}

static int mi_get_size(intptr_t *io, size64_t *size, libbfio_error_t **error)
{
	(void)error;
	*size = ((memio *)io)->size;
	return 1;
}

int memio_open(libbfio_handle_t **out, const uint8_t *data, size_t size)
{
	memio *m = calloc(1, sizeof(*m));
	libbfio_error_t *e = NULL;
	if (m == NULL)
		return -1;
	m->data = data;
	m->size = size;
	*out = NULL;
	if (libbfio_handle_initialize(out, (intptr_t *)m, mi_free, mi_clone, mi_open,
	                              mi_close, mi_read, mi_write, mi_seek, mi_exists,
	                              mi_is_open, mi_get_size,
	                              LIBBFIO_FLAG_IO_HANDLE_MANAGED |
	                              LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
	                              &e) != 1) {
		libbfio_error_free(&e);
		free(m);
		return -1;
	}
	return 0;
}
