/*
 * acl.h - who may change a DMA policy value (DMAR-WEAK-ACL): the security
 * descriptors of the keys that hold the values, decoded with libfwnt.
 */
#ifndef DMAR_ACL_H
#define DMAR_ACL_H

#include <dmarscan.h>

#include "collect.h"
#include "hive.h"

/* Fill set->acls for every driver and device of 'set' (read from the
 * control set key 'cs').  Returns 0, or -1 when memory ran out. */
int acl_check(hkey *cs, collect_sink *sink, dmar_control_set *set);

#endif /* DMAR_ACL_H */
