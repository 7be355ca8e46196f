/*
 * packages.h - what the installed driver packages declare (\DriverDatabase),
 * for comparing with the live values (DMAR-TAMPERED).
 *
 * Windows 10 and later record every staged driver package under
 * \DriverDatabase: DriverInfFiles\<inf>\Active names the package an INF
 * installs from, and DriverPackages\<package>\Configurations\<section>
 * holds what the INF section writes: Services\<svc>\Parameters for its
 * services, Device\... for the devices' Device Parameters.  The index keeps
 * the DMA values the active packages declare; each device's chain (Driver
 * -> Control\Class\{guid}\NNNN -> InfPath / InfSection -> package ->
 * configuration) is followed to them.
 */
#ifndef DMAR_PACKAGES_H
#define DMAR_PACKAGES_H

#include <dmarscan.h>

#include "arena.h"
#include "collect.h"
#include "hive.h"
#include "strmap.h"

typedef struct package_index {
	int present;               /* the hive has \DriverDatabase */
	arena_vec declared;        /* dmar_declared_value, active packages only */
	arena_vec infs;            /* INF -> active package (private) */
	strmap by_inf;             /* INF name -> index in infs (private) */
} package_index;

/* Read the declarations of the active packages under the hive root.
 * Returns 0, or -1 when memory ran out (read problems go to the sink). */
int packages_index(hkey *root, collect_sink *sink, package_index *out);

/* Free what the index holds outside the arena. */
void packages_free(package_index *index);

/* Follow every device's chain and attach the declarations to devices and
 * drivers of 'set' (read from the control set key 'cs').  Returns 0 or -1
 * (out of memory). */
int packages_attach(const package_index *index, hkey *cs, collect_sink *sink,
                    dmar_control_set *set);

#endif /* DMAR_PACKAGES_H */
