/*
 * bytes.h - little-endian fields of the hive format.
 */
#ifndef DMAR_BYTES_H
#define DMAR_BYTES_H

#include <stdint.h>

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif /* DMAR_BYTES_H */
