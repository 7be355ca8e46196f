/*
 * topology.h - where each PCI device sits, and whether that is an external
 * port (see topology.c).
 */
#ifndef DMAR_TOPOLOGY_H
#define DMAR_TOPOLOGY_H

#include <dmarscan.h>

#include "collect.h"
#include "idtable.h"

/* Build set->nodes from the devices collect_control_set found in the
 * control set 'cs': parent links, ancestors from other enumerators, depth,
 * and every device's exposure verdict with its evidence.  Returns 0, or -1
 * when memory ran out (chains that break or loop are warnings). */
int topology_build(hkey *cs, collect_sink *sink, const id_list *ports,
                   dmar_control_set *set);

#endif /* DMAR_TOPOLOGY_H */
