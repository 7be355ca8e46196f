/*
 * props.h - the device property store of a device key.
 *
 * Windows keeps device properties under <device key>\Properties\{fmtid}\NNNN
 * (NNNN: the property id in four hex digits), the data in the key's default
 * value, typed 0xFFFF0000 | DEVPROP_TYPE.  Only the properties dmarscan uses
 * are read; a value of the wrong type or size is left out.
 */
#ifndef DMAR_PROPS_H
#define DMAR_PROPS_H

#include <dmarscan.h>

#include "arena.h"
#include "hive.h"

typedef struct props_dates {
	uint64_t install, first_install, last_arrival, last_removal;
} props_dates;

/* Fill out and dates from the Properties subkey of 'dev'.  Returns 0, or -1
 * when part of the store could not be read (hive_last_error says why; what
 * was read is kept). */
int props_read(hkey *dev, dmar_arena *a, dmar_device_properties *out,
               props_dates *dates);

#endif /* DMAR_PROPS_H */
