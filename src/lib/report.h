/*
 * report.h - helpers over the records of a report, shared by the scan, the
 * rules and the public lookups.
 */
#ifndef DMAR_REPORT_H
#define DMAR_REPORT_H

#include <dmarscan.h>

#include "arena.h"

/* Order of drivers in a control set: by name, case-insensitive (service
 * names are). */
int report_driver_cmp(const void *a, const void *b);

/* Build set->by_instance_id, the index dmar_find_device() searches.
 * Returns 0, or -1 out of memory. */
int report_index_devices(dmar_arena *a, dmar_control_set *set);

/* The level of every driver in a device's stack, in stack order: as the
 * kernel would see them (promote = 1: Driver Verifier promotion applied) or
 * as declared (promote = 0).  NULL when memory ran out. */
dmar_level *report_stack_levels(dmar_arena *a, const dmar_device *d,
                                int promote);

#endif /* DMAR_REPORT_H */
