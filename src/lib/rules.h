/*
 * rules.h - findings over a scanned report (see rules.c).
 */
#ifndef DMAR_RULES_H
#define DMAR_RULES_H

#include <dmarscan.h>

/* Raise every checked rule over the report's control sets; the findings
 * land in each set, hive-wide ones in the first.  0, or -1 out of memory. */
int rules_run(dmar_report *report);

#endif /* DMAR_RULES_H */
