/*
 * software.h - context from the SOFTWARE hive (DOMAIN.md section 6).
 */
#ifndef DMAR_SOFTWARE_H
#define DMAR_SOFTWARE_H

#include <dmarscan.h>

#include "arena.h"
#include "collect.h"
#include "hive.h"

/* Read the OS build and the DeviceEnumerationPolicy values of the SOFTWARE
 * hive 'sw' into 'out' (strings in the arena).  What cannot be read is
 * said in out->error.  Returns 0, or -1 when memory ran out. */
int software_read(dmar_hive *sw, dmar_arena *a, dmar_software *out);

/* CurrentBuild as a number, 0 when unknown. */
int software_build_number(const dmar_software *sw);

/* Build 26100 or later: the 24H2 rules apply. */
int software_is_24h2(const dmar_software *sw);

#endif /* DMAR_SOFTWARE_H */
