/*
 * fleet.h - what many hives have in common, for the end of the text
 * report: findings by rule, and the risky devices and opting-out drivers
 * seen in most hives.  Memory grows with the number of distinct rules,
 * devices and drivers (at most FLEET_MAX_KEYS each), not with the hives.
 */
#ifndef DMAR_FLEET_H
#define DMAR_FLEET_H

#include <dmarscan.h>
#include <stdio.h>

#include "strmap.h"

#define FLEET_MAX_KEYS 4096

typedef struct fleet_count {
	char *key;
	size_t hives;              /* hives it was seen in */
	size_t items;              /* times it was seen */
	size_t last_hive;          /* 1-based number of the last hive counted */
} fleet_count;

typedef struct fleet_counts {
	fleet_count *v;
	size_t n, cap;
	strmap index;              /* key -> its place in v (ASCII case does
	                              not matter, as in Windows' names) */
	size_t dropped;            /* keys past FLEET_MAX_KEYS */
} fleet_counts;

typedef struct fleet {
	size_t hives;
	fleet_counts rules, devices, drivers;
} fleet;

/* Count one analysed hive (f zeroed before the first). */
void fleet_add(fleet *f, const dmar_report *r);

/* The summary (nothing for fewer than two hives); 'bold'/'reset' are the
 * terminal's attributes or "". */
void fleet_print(const fleet *f, FILE *out, const char *bold, const char *reset);

void fleet_free(fleet *f);

#endif /* DMAR_FLEET_H */
