/*
 * diff.h - 'dmarscan diff BASELINE SUSPECT': what changed between a
 * machine's baseline (a golden image, an earlier collection) and a
 * suspect, each a SYSTEM hive (analysed here) or a JSON report written by
 * 'dmarscan -f json'.
 */
#ifndef DMAR_DIFF_H
#define DMAR_DIFF_H

#include <dmarscan.h>

#include "options.h"

/* Compare and write; returns the exit status: 0 nothing risky changed,
 * 1 a risky change, 3 an input could not be read or analysed. */
int diff_main(const cli_options *o, dmar_tables *tables);

#endif /* DMAR_DIFF_H */
