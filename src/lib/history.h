/*
 * history.h - the Enum\PCI history of every control set, matched against
 * the known DMA attack hardware identities (DMAR-ATTACK-HARDWARE).
 */
#ifndef DMAR_HISTORY_H
#define DMAR_HISTORY_H

#include <dmarscan.h>

#include "collect.h"
#include "hive.h"
#include "idtable.h"

/* Match every Enum\PCI instance of the control sets present[1..max]
 * against 'table' (KIND = severity) and set report->attack.  Returns 0,
 * or -1 when memory ran out (read problems go to the sink). */
int history_scan(hkey *root, collect_sink *sink, const int *present, int max,
                 const id_list *table, dmar_report *report);

#endif /* DMAR_HISTORY_H */
