/*
 * scan.c - from an open hive to a report: pick the control set(s), collect
 * their records, predict each device's policy, raise the findings.
 *
 * A hive file has no CurrentControlSet: \Select\Current (REG_DWORD N) names
 * ControlSetNNN.  A scan that cannot read part of the hive still returns a
 * report; report->error says what is missing so the caller can exit 3.
 */
#include "config.h"

#include <dmarscan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "arena.h"
#include "collect.h"
#include "errors.h"
#include "hive.h"
#include "history.h"
#include "idtable.h"
#include "bounds.h"
#include "packages.h"
#include "report.h"
#include "rules.h"
#include "software.h"
#include "text.h"
#include "topology.h"

void dmar_options_init(dmar_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->control_set = DMAR_CONTROL_SET_CURRENT;
	opts->rules = DMAR_RULES_AUTO;
	opts->assume = DMAR_ASSUME_NOTHING;
}

typedef struct scan_ctx {
	dmar_report *report;
	dmar_arena *a;
	const dmar_options *opts;
	hkey *root;
	arena_strlist problems;
	arena_strlist warnings;
	arena_strlist limits;                /* bounds of bounds.h reached */
	visited cells;                       /* key cells entered */
	const dmar_tables *tables;           /* the caller's, or 'own' */
	dmar_tables *own;
	size_t shared;                       /* shared cells skipped */
	int present[MAX_CONTROL_SETS + 1];   /* ControlSetNNN exists */
	package_index packages;              /* \DriverDatabase declarations */
} scan_ctx;

/* The OS as the SOFTWARE hive names it: "build 26100.2033 (24H2, Windows
 * 11 Pro)". */
static const char *os_words(dmar_arena *a, const dmar_software *sw)
{
	char ubr[16] = "";
	if (sw->has_ubr)
		snprintf(ubr, sizeof(ubr), ".%u", sw->ubr);
	return arena_printf(a, "build %s%s%s%s%s%s%s", sw->current_build, ubr,
	                    sw->display_version || sw->product_name ? " (" : "",
	                    sw->display_version ? sw->display_version : "",
	                    sw->display_version && sw->product_name ? ", " : "",
	                    sw->product_name ? sw->product_name : "",
	                    sw->display_version || sw->product_name ? ")" : "");
}

static void resolve_rules(dmar_report *r, dmar_rules wanted)
{
	const dmar_software *sw = &r->software;
	int build = software_build_number(sw);
	if (build > 0)
		r->os_build = sw->current_build;
	switch (wanted) {
	case DMAR_RULES_PRE_24H2:
	case DMAR_RULES_24H2:
	case DMAR_RULES_BOTH:
		r->rules = wanted;
		r->rules_reason = "chosen with --rules";
		break;
	case DMAR_RULES_AUTO:
	default:
		if (build > 0) {
			r->rules = software_is_24h2(sw) ? DMAR_RULES_24H2 : DMAR_RULES_PRE_24H2;
			r->rules_reason = arena_printf(r->arena, "OS %s, from the SOFTWARE "
			                               "hive", os_words(r->arena, sw));
		} else {
			r->rules = DMAR_RULES_BOTH;
			r->rules_reason = sw->present
			                ? "the SOFTWARE hive names no OS build, so both rule "
			                  "generations apply"
			                : "OS build unknown without a SOFTWARE hive, so both "
			                  "rule generations apply";
		}
		break;
	}
}

/* ---- Control sets -------------------------------------------------------- */

static int control_set_number(const char *name)
{
	if (text_ncasecmp(name, "ControlSet", 10) != 0 || strlen(name) != 13)
		return 0;
	int n = 0;
	for (int i = 10; i < 13; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (name[i] - '0');
	}
	return n;
}

static void list_control_sets(scan_ctx *s)
{
	int n = 0;
	if (hkey_subkey_count(s->root, &n) < 0) {
		arena_strlist_addf(s->a, &s->problems, "root key: %s",
		                   hive_last_error(hkey_hive(s->root)));
		return;
	}
	for (int i = 0; i < n; i++) {
		hkey *k = NULL;
		if (hkey_subkey_at(s->root, i, &k) < 0) {
			arena_strlist_addf(s->a, &s->problems, "root key (subkey %d): %s",
			                   i, hive_last_error(hkey_hive(s->root)));
			continue;
		}
		int num = control_set_number(hkey_name(k));
		if (num > 0)
			s->present[num] = 1;
		hkey_free(k);
	}
}

static void read_select(scan_ctx *s)
{
	hkey *sel = NULL;
	hive_value raw;
	uint32_t v = 0;
	int r = hkey_open(s->root, "Select", &sel);
	if (r > 0)
		r = hkey_get_value(sel, s->a, "Current", &raw);
	hkey_free(sel);
	if (r < 0)
		arena_strlist_addf(s->a, &s->problems, "Select\\Current: %s",
		                   hive_last_error(hkey_hive(s->root)));
	else if (r == 0 || !hive_value_dword(&raw, &v))
		arena_strlist_add(s->a, &s->warnings,
		                  "Select\\Current is absent or not a REG_DWORD");
	else if (v >= 1 && v <= MAX_CONTROL_SETS)
		s->report->select_current = (int)v;
	else
		arena_strlist_addf(s->a, &s->warnings,
		                   "Select\\Current holds %u, which names no control set", v);
}

static const char *present_list(scan_ctx *s)
{
	const char *list = NULL;
	for (int i = 1; i <= MAX_CONTROL_SETS; i++)
		if (s->present[i])
			list = list ? arena_printf(s->a, "%s, ControlSet%03d", list, i)
			            : arena_printf(s->a, "ControlSet%03d", i);
	return list ? list : "none";
}

static int lowest_present(const scan_ctx *s)
{
	for (int i = 1; i <= MAX_CONTROL_SETS; i++)
		if (s->present[i])
			return i;
	return 0;
}

/* Fill 'numbers' with the sets to analyse, current first.  Returns how many,
 * 0 after setting report->error. */
static int choose_control_sets(scan_ctx *s, int *numbers)
{
	dmar_report *r = s->report;
	int current = r->select_current;
	if (current == 0 || !s->present[current]) {
		int fallback = lowest_present(s);
		if (fallback == 0) {
			r->error = "not a SYSTEM hive: no ControlSetNNN key";
			r->not_system = 1;
			return 0;
		}
		if (current != 0)
			arena_strlist_addf(s->a, &s->warnings,
			                   "Select\\Current names ControlSet%03d, which is "
			                   "absent; using ControlSet%03d", current, fallback);
		else
			arena_strlist_addf(s->a, &s->warnings,
			                   "no usable Select\\Current; using ControlSet%03d",
			                   fallback);
		current = fallback;
	}
	int want = s->opts->control_set, n = 0;
	if (want == DMAR_CONTROL_SET_CURRENT) {
		numbers[n++] = current;
	} else if (want == DMAR_CONTROL_SET_ALL) {
		numbers[n++] = current;
		for (int i = 1; i <= MAX_CONTROL_SETS; i++)
			if (s->present[i] && i != current)
				numbers[n++] = i;
	} else if (want >= 1 && want <= MAX_CONTROL_SETS && s->present[want]) {
		numbers[n++] = want;
	} else {
		r->error = arena_printf(s->a, "ControlSet%03d not found (the hive has: %s)",
		                        want, present_list(s));
	}
	return n;
}

/* ---- Prediction ---------------------------------------------------------------- */

static void predict_device(dmar_arena *a, dmar_device *d, const dmar_options *opts)
{
	dmar_exposure *x = &d->exposure;
	if (x->verdict == DMAR_EXPOSURE_UNKNOWN)
		x->assumed = opts->assume;
	d->treated_external = x->verdict == DMAR_EXPOSURE_EXTERNAL ||
	                      (x->verdict == DMAR_EXPOSURE_UNKNOWN &&
	                       opts->assume == DMAR_ASSUME_EXTERNAL);
	dmar_level *levels = report_stack_levels(a, d, 1);
	if (levels == NULL)
		return;
	for (int g = 0; g < DMAR_GEN_COUNT; g++) {
		dmar_prediction *p = &d->prediction[g];
		const dmar_value *sup = &d->dma.remapping_supported;
		const dmar_value *flg = &d->dma.remapping_flags;
		p->policy = dmar_policy_predict((dmar_generation)g, levels, d->n_stack,
		                                sup, flg, d->treated_external,
		                                d->verified, &p->decided_by_device);
		p->if_internal = dmar_policy_predict((dmar_generation)g, levels,
		                                     d->n_stack, sup, flg, 0,
		                                     d->verified, NULL);
		p->if_external = dmar_policy_predict((dmar_generation)g, levels,
		                                     d->n_stack, sup, flg, 1,
		                                     d->verified, NULL);
	}
}

/* Does the device show what only Windows with Kernel DMA Protection
 * records: a DMA remapping value, a persisted DmaRemappingPolicy, USB4 or
 * tunnelling properties? */
static int modern_marker(const dmar_device *d)
{
	const dmar_device_properties *p = &d->properties;
	return d->dma.present || p->has_persisted_policy || p->is_tunneled >= 0 ||
	       p->usb4_host_router != NULL || p->has_usb_dvsec_port_type;
}

/* Windows learnt DMA remapping with Kernel DMA Protection (10 1803); its
 * inbox packages (pci, storahci, stornvme, USBXHCI) carry values, and it
 * persists the policy it computed.  A set with none of that is an older
 * Windows: nothing there is "unprotected" in that sense, so
 * DMAR-UNPROTECTED-EXTERNAL says nothing; a note says so when an exposed
 * device is concerned. */
static void note_awareness(scan_ctx *s, dmar_control_set *set)
{
	size_t exposed = 0;
	for (size_t i = 0; i < set->n_drivers; i++)
		set->dma_remapping_aware |= set->drivers[i].compatible.present;
	for (size_t i = 0; i < set->n_devices; i++) {
		set->dma_remapping_aware |= modern_marker(&set->devices[i]);
		exposed += set->devices[i].exposure.verdict >= DMAR_EXPOSURE_LIKELY_EXTERNAL;
	}
	if (!set->dma_remapping_aware && exposed > 0)
		arena_strlist_addf(s->a, &s->warnings, "%s: %zu device%s may be "
		                   "external, but nothing in the control set shows "
		                   "Kernel DMA Protection (no DMA remapping value, no "
		                   "persisted policy, no USB4 property: Windows before "
		                   "10 1803): DMAR-UNPROTECTED-EXTERNAL is not raised",
		                   set->name, exposed, exposed == 1 ? "" : "s");
}

/* 1 when the set was analysed, 0 when it was skipped (absent, unreadable
 * or an alias of a set already read), -1 out of memory. */
static int scan_control_set(scan_ctx *s, int number, dmar_control_set *set)
{
	set->number = number;
	set->name = arena_printf(s->a, "ControlSet%03d", number);
	set->is_current = number == s->report->select_current;
	if (set->name == NULL)
		return -1;
	hkey *cs = NULL;
	int r = hkey_open_child(s->root, set->name, &cs);
	if (r <= 0) {
		arena_strlist_addf(s->a, &s->problems, "%s: %s", set->name,
		                   r < 0 ? hive_last_error(hkey_hive(s->root))
		                         : "key absent");
		return 0;
	}
	collect_sink sink = { s->a, &s->problems, &s->warnings, &s->limits,
	                      &s->cells, &s->shared };
	int fresh = collect_first_visit(&sink, cs, "");
	if (fresh <= 0) {
		hkey_free(cs);
		return fresh;
	}
	int rc = collect_control_set(cs, &sink, set);
	if (rc == 0)
		rc = packages_attach(&s->packages, cs, &sink, set);
	if (rc == 0)
		rc = topology_build(cs, &sink, tables_port_ids(s->tables), set);
	if (rc == 0)
		rc = acl_check(cs, &sink, set);
	hkey_free(cs);
	for (size_t i = 0; rc == 0 && i < set->n_devices; i++)
		predict_device(s->a, &set->devices[i], s->opts);
	if (rc == 0)
		note_awareness(s, set);
	if (rc == 0)
		rc = report_index_devices(s->a, set);
	return rc == 0 ? 1 : -1;
}

/* ---- The report ---------------------------------------------------------------------- */

/* Reads refused because a hive budget was spent are not damage: the limit
 * itself is reported once (limits_reached, HIVE-LIMIT). */
static void drop_budget_refusals(scan_ctx *s)
{
	arena_strlist kept;
	arena_strlist_init(&kept);
	size_t n = arena_strlist_count(&s->problems);
	const char **items = arena_strlist_items(&s->problems);
	for (size_t i = 0; i < n; i++)
		if (strstr(items[i], HIVE_LIMIT_ERROR) == NULL)
			arena_strlist_add(s->a, &kept, items[i]);
	s->problems = kept;
}

static const char *summarise_problems(scan_ctx *s)
{
	size_t n = arena_strlist_count(&s->problems);
	const char **items = arena_strlist_items(&s->problems);
	if (n == 0)
		return NULL;
	if (n == 1)
		return arena_printf(s->a, "could not read %s", items[0]);
	return arena_printf(s->a, "could not read %zu parts of the hive, first %s",
	                    n, items[0]);
}

static int scan_sets(scan_ctx *s)
{
	dmar_report *r = s->report;
	int *numbers = arena_calloc(s->a, MAX_CONTROL_SETS + 1, sizeof(int));
	if (numbers == NULL)
		return -1;
	list_control_sets(s);
	read_select(s);
	collect_sink sink = { s->a, &s->problems, &s->warnings, &s->limits,
	                      &s->cells, &s->shared };
	if (packages_index(s->root, &sink, &s->packages) != 0 ||
	    history_scan(s->root, &sink, s->present, MAX_CONTROL_SETS,
	                 tables_attack_ids(s->tables), r) != 0)
		return -1;
	r->driver_database = s->packages.present;
	int n = choose_control_sets(s, numbers);
	r->sets = arena_calloc(s->a, (size_t)n + 1, sizeof(*r->sets));
	if (r->sets == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		dmar_control_set *set = &r->sets[r->n_sets];
		int rc = scan_control_set(s, numbers[i], set);
		if (rc < 0)
			return -1;
		if (rc > 0)
			r->n_sets++;
		else
			memset(set, 0, sizeof(*set));
	}
	return 0;
}

static void copy_hive_info(scan_ctx *s, const dmar_hive_info *info)
{
	dmar_report *r = s->report;
	r->hive = *info;
	r->hive.path = arena_strdup(s->a, info->path);
	r->hive.embedded_name = arena_strdup(s->a, info->embedded_name);
	r->hive.guarded_first = arena_strdup(s->a, info->guarded_first);
	dmar_log_info *logs = arena_calloc(s->a, info->n_logs + 1, sizeof(*logs));
	for (size_t i = 0; logs != NULL && i < info->n_logs; i++) {
		logs[i] = info->logs[i];
		logs[i].path = arena_strdup(s->a, info->logs[i].path);
		logs[i].problem = arena_strdup(s->a, info->logs[i].problem);
	}
	r->hive.logs = logs;
	if (!info->checksum_ok)
		arena_strlist_add(s->a, &s->warnings,
		                  "base block checksum does not match: the header may be damaged");
	if (info->unsound_bin_pages > 0)
		arena_strlist_addf(s->a, &s->warnings, "%u of the 4 KiB pages of hive "
		                   "bins lie outside any hive bin with a sound header "
		                   "(zeroed, overwritten or carved): no cell there was "
		                   "read", info->unsound_bin_pages);
}

/* The bounds reached, the walks' and the hive's budgets, into the report
 * (HIVE-LIMIT is raised from them). */
static void report_limits(scan_ctx *s, dmar_hive *hive)
{
	unsigned reached = hive_limits_reached(hive);
	if (reached & HIVE_LIMIT_KEYS)
		arena_strlist_addf(s->a, &s->limits, "more than %u keys read from the "
		                   "hive; later keys were not read",
		                   s->opts->max_keys ? s->opts->max_keys : HIVE_MAX_KEYS_READ);
	if (reached & HIVE_LIMIT_VALUES)
		arena_strlist_addf(s->a, &s->limits, "more than %u values read from "
		                   "the hive; later values were not read",
		                   s->opts->max_values ? s->opts->max_values
		                                       : HIVE_MAX_VALUES_READ);
	const dmar_hive_info *info = &s->report->hive;
	if (info->guarded_cells > 0)
		arena_strlist_addf(s->a, &s->limits, "%u key or list cell%s declare%s "
		                   "more entries than %s or than a key may have (a "
		                   "damaged or hostile hive): only what fits was read; "
		                   "first: %s", info->guarded_cells,
		                   info->guarded_cells == 1 ? "" : "s",
		                   info->guarded_cells == 1 ? "s" : "",
		                   info->guarded_cells == 1 ? "it holds" : "they hold",
		                   info->guarded_first ? info->guarded_first : "?");
	s->report->limits = arena_strlist_items(&s->limits);
	s->report->n_limits = arena_strlist_count(&s->limits);
}

int dmar_scan(dmar_report **out, dmar_hive *hive, const dmar_options *opts,
              dmar_error **err)
{
	dmar_options defaults;
	*out = NULL;
	if (hive == NULL)
		return dmar_error_set(err, DMAR_EINVAL, "no hive given");
	if (opts == NULL) {
		dmar_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->control_set < DMAR_CONTROL_SET_ALL ||
	    opts->control_set > MAX_CONTROL_SETS)
		return dmar_error_set(err, DMAR_EINVAL,
		                      "control set must be 1..%d", MAX_CONTROL_SETS);
	dmar_report *r = calloc(1, sizeof(*r));
	dmar_arena *a = arena_new();
	scan_ctx *s = calloc(1, sizeof(*s));
	if (r == NULL || a == NULL || s == NULL) {
		free(r);
		free(s);
		arena_free(a);
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	}
	r->arena = a;
	s->report = r;
	s->a = a;
	s->opts = opts;
	arena_strlist_init(&s->problems);
	arena_strlist_init(&s->warnings);
	arena_strlist_init(&s->limits);
	visited_init(&s->cells);
	hive_budget_reset(hive, opts->max_keys, opts->max_values);
	if (opts->software != NULL && opts->software != hive)
		hive_budget_reset(opts->software, opts->max_keys, opts->max_values);
	copy_hive_info(s, hive_info_early(hive));   /* sha256 at the end */
	if (opts->software != NULL && software_read(opts->software, a, &r->software) != 0) {
		dmar_report_free(r);
		free(s);
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	}
	resolve_rules(r, opts->rules);
	s->tables = opts->tables;
	if (s->tables == NULL && dmar_tables_new(&s->own, NULL) == 0)
		s->tables = s->own;

	int rc = s->tables ? 0 : -1;
	if (rc != 0) {
		/* no memory for the built-in tables */
	} else if (hive_root(hive, &s->root) < 0) {
		r->error = arena_strdup(a, hive_last_error(hive));
	} else {
		rc = scan_sets(s);
		report_limits(s, hive);
		if (rc == 0)
			rc = rules_run(r);
	}
	hkey_free(s->root);
	packages_free(&s->packages);
	visited_free(&s->cells);
	dmar_tables_free(s->own);
	if (hive_limits_reached(hive))
		drop_budget_refusals(s);
	if (s->shared > COLLECT_SHARED_NAMED)
		arena_strlist_addf(a, &s->warnings, "%zu more shared key cells "
		                   "skipped", s->shared - COLLECT_SHARED_NAMED);
	for (size_t i = 0; i < arena_strlist_count(&s->problems); i++)
		arena_strlist_add(a, &s->warnings, arena_strlist_items(&s->problems)[i]);
	if (r->error == NULL)
		r->error = summarise_problems(s);
	/* the hashes, computed meanwhile */
	memcpy(r->hive.sha256, dmar_hive_get_info(hive)->sha256, sizeof(r->hive.sha256));
	if (r->software.present)
		memcpy(r->software.sha256, dmar_hive_get_info(opts->software)->sha256,
		       sizeof(r->software.sha256));
	r->warnings = arena_strlist_items(&s->warnings);
	r->n_warnings = arena_strlist_count(&s->warnings);
	free(s);
	if (rc != 0 || arena_failed(a)) {
		dmar_report_free(r);
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}
