/*
 * rules.c - every finding dmarscan raises, one table row per rule id.
 *
 * A rule reads the records and predictions of a report and emits findings
 * with their evidence (registry paths and values).  Rules whose outcome
 * depends on the rule generation are evaluated under each generation in
 * force; a finding that holds under some of them says which.  To add a
 * rule: write its function, add its row to RULES[].
 */
#include "config.h"

#include "rules.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "report.h"
#include "text.h"

#define EVIDENCE_DEVICES_MAX 5   /* devices named in a per-driver finding */
#define EVIDENCE_LINES_MAX 64    /* evidence lines of one finding */
#define NAMES_SHOWN 8            /* drivers named in one message */

typedef struct rule_ctx {
	dmar_report *report;
	dmar_control_set *set;
	int hive_wide;               /* this set also carries hive-wide findings */
	unsigned gens;               /* generations in force */
	dmar_arena *a;
	arena_vec findings;          /* dmar_finding, for 'set' */
} rule_ctx;

typedef struct rule {
	dmar_rule_info info;
	void (*run)(rule_ctx *c);    /* NULL: not evaluated by this version */
} rule;

/* A finding being written. */
typedef struct draft {
	rule_ctx *c;
	const char *rule;
	const char *instance_id;
	unsigned gens;
	int severity;                /* -1: the rule's */
	arena_strlist evidence;
	size_t dropped;              /* evidence lines beyond the limit */
} draft;

/* Names joined for a message: the first NAMES_SHOWN, then a count. */
typedef struct namelist {
	const char *text;
	size_t count;
} namelist;

static const rule RULES[];
static const size_t N_RULES;

/* ---- Drafting findings ------------------------------------------------------ */

static void draft_start(draft *d, rule_ctx *c, const char *rule_id,
                        const char *instance_id, unsigned gens)
{
	d->c = c;
	d->rule = rule_id;
	d->instance_id = instance_id;
	d->gens = gens;
	d->severity = -1;
	d->dropped = 0;
	arena_strlist_init(&d->evidence);
}

static void evidence(draft *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void evidence(draft *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(d->c->a, fmt, ap);
	va_end(ap);
	const char **items = arena_strlist_items(&d->evidence);
	for (size_t i = 0; s && i < arena_strlist_count(&d->evidence); i++)
		if (strcmp(items[i], s) == 0)
			return;   /* each line once */
	if (arena_strlist_count(&d->evidence) >= EVIDENCE_LINES_MAX)
		d->dropped++;
	else
		arena_strlist_add(d->c->a, &d->evidence, s);
}

static void namelist_add(rule_ctx *c, namelist *l, const char *item)
{
	if (l->count < NAMES_SHOWN)
		l->text = l->text ? arena_printf(c->a, "%s, %s", l->text, item) : item;
	l->count++;
}

static const char *namelist_text(rule_ctx *c, const namelist *l,
                                 const char *none)
{
	if (l->count == 0)
		return none;
	if (l->count <= NAMES_SHOWN)
		return l->text;
	return arena_printf(c->a, "%s and %zu more", l->text,
	                    l->count - NAMES_SHOWN);
}

static void evidence_value(draft *d, const dmar_value *v)
{
	if (v->present)
		evidence(d, "%s = %s", v->path, v->display ? v->display : "?");
	else
		evidence(d, "%s: absent", v->path);
}

/* A value with the last-written time of its key: when it was set. */
static void evidence_value_dated(draft *d, const dmar_value *v, uint64_t written)
{
	char when[32];
	if (!v->present || dmar_filetime_iso(written, when, sizeof(when)) == NULL) {
		evidence_value(d, v);
		return;
	}
	evidence(d, "%s = %s (key last written %s)", v->path,
	         v->display ? v->display : "?", when);
}

static void evidence_device_value(draft *d, const dmar_device *dev,
                                  const dmar_value *v)
{
	evidence_value_dated(d, v, dev->dma.last_written);
}

static void evidence_driver_value(draft *d, const dmar_driver *drv)
{
	evidence_value_dated(d, &drv->compatible, drv->parameters_last_written);
}

static const dmar_rule_info *rule_info(const char *id)
{
	for (size_t i = 0; i < N_RULES; i++)
		if (strcmp(RULES[i].info.id, id) == 0)
			return &RULES[i].info;
	return NULL;
}

/* " (24H2 rules only)" and the like; "" when only one generation is in
 * force and the finding holds under it, or the rule has no generation. */
static const char *gen_note(unsigned mask, unsigned in_force)
{
	if (mask == 0 || in_force != DMAR_GEN_ALL)
		return "";
	if (mask == DMAR_GEN_ALL)
		return " (pre-24H2 and 24H2 rules)";
	return mask == DMAR_GEN_BIT(DMAR_GEN_24H2) ? " (24H2 rules only)"
	                                           : " (pre-24H2 rules only)";
}

static void emit(draft *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(draft *d, const char *fmt, ...)
{
	rule_ctx *c = d->c;
	dmar_finding *f = arena_vec_push(c->a, &c->findings);
	if (f == NULL)
		return;
	const dmar_rule_info *info = rule_info(d->rule);
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	f->rule = info->id;
	f->severity = d->severity >= 0 ? (dmar_severity)d->severity : info->severity;
	f->instance_id = d->instance_id;
	f->generations = d->gens;
	f->message = arena_printf(c->a, "%s%s", msg ? msg : "",
	                          gen_note(d->gens, c->gens));
	if (d->dropped > 0)
		arena_strlist_addf(c->a, &d->evidence,
		                   "(%zu more evidence lines not shown)", d->dropped);
	f->evidence = arena_strlist_items(&d->evidence);
	f->n_evidence = arena_strlist_count(&d->evidence);
}

/* ---- Words for messages ---------------------------------------------------------- */

static const char *policy_words(int policy)
{
	switch (policy) {
	case DMAR_POLICY_OPTED_OUT: return "policy 1 (opted out)";
	case DMAR_POLICY_ENFORCED: return "policy 2 (remapping enforced)";
	default: return "policy 0 (remapping not enforced)";
	}
}

static const char *level_words(dmar_level l)
{
	switch (l) {
	case DMAR_LEVEL_OPT_OUT: return "opts out";
	case DMAR_LEVEL_OPT_IN: return "opts in";
	case DMAR_LEVEL_CONDITIONAL: return "opts in conditionally";
	default: return "gives no directive";
	}
}

static const char *role_words(dmar_role r)
{
	switch (r) {
	case DMAR_ROLE_LOWER_FILTER: return "device lower filter";
	case DMAR_ROLE_CLASS_LOWER_FILTER: return "class lower filter";
	case DMAR_ROLE_SERVICE: return "function driver";
	case DMAR_ROLE_UPPER_FILTER: return "device upper filter";
	case DMAR_ROLE_CLASS_UPPER_FILTER: return "class upper filter";
	}
	return "driver";
}

static const char *device_label(rule_ctx *c, const dmar_device *d)
{
	if (d->description != NULL && d->vendor_id[0] != '\0')
		return arena_printf(c->a, "%s (%s:%s)", d->description, d->vendor_id,
		                    d->device_id);
	return d->description ? d->description : d->instance_id;
}

static int is_exposed(const dmar_device *d)
{
	return d->exposure.verdict == DMAR_EXPOSURE_EXTERNAL ||
	       d->exposure.verdict == DMAR_EXPOSURE_LIKELY_EXTERNAL ||
	       (d->exposure.verdict == DMAR_EXPOSURE_UNKNOWN &&
	        d->exposure.assumed == DMAR_ASSUME_EXTERNAL);
}

static const char *exposure_words(const dmar_device *d)
{
	switch (d->exposure.verdict) {
	case DMAR_EXPOSURE_EXTERNAL: return "external";
	case DMAR_EXPOSURE_LIKELY_EXTERNAL: return "likely external";
	case DMAR_EXPOSURE_INTERNAL: return "internal";
	case DMAR_EXPOSURE_UNKNOWN: break;
	}
	if (d->exposure.assumed == DMAR_ASSUME_EXTERNAL)
		return "unknown, assumed external (--assume-external)";
	if (d->exposure.assumed == DMAR_ASSUME_INTERNAL)
		return "unknown, assumed internal (--assume-internal)";
	return "unknown (the hive holds no evidence either way)";
}

static void evidence_exposure(draft *f, const dmar_device *d)
{
	evidence(f, "exposure: %s", exposure_words(d));
	for (size_t i = 0; i < d->exposure.n_evidence; i++)
		evidence(f, "exposure: %s", d->exposure.evidence[i]);
}

static void evidence_stack_entry(draft *f, const dmar_stack_entry *e)
{
	evidence(f, "%s lists %s (%s)", e->source, e->driver->name,
	         role_words(e->role));
	evidence_driver_value(f, e->driver);
}

/* Why a device is at policy 1 under a generation; evidence added. */
static const char *optout_cause(draft *f, const dmar_device *d, dmar_generation g)
{
	rule_ctx *c = f->c;
	if (d->prediction[g].decided_by_device) {
		evidence_device_value(f, d, &d->dma.remapping_supported);
		return "its DMA Management\\RemappingSupported is 0";
	}
	namelist who = { NULL, 0 };
	for (size_t i = 0; i < d->n_stack; i++) {
		const dmar_stack_entry *e = &d->stack[i];
		if (e->driver->level != DMAR_LEVEL_OPT_OUT)
			continue;
		evidence_stack_entry(f, e);
		namelist_add(c, &who, arena_printf(c->a, "%s (%s)", e->driver->name,
		                                   role_words(e->role)));
	}
	return who.count ? arena_printf(c->a, "DmaRemappingCompatible is 0 on %s",
	                                namelist_text(c, &who, ""))
	                 : "a driver opted out";
}

/* Generations in force under which pred(d, g) holds. */
static unsigned gens_where(rule_ctx *c, const dmar_device *d,
                           int (*pred)(const dmar_device *, dmar_generation))
{
	unsigned mask = 0;
	for (int g = 0; g < DMAR_GEN_COUNT; g++)
		if ((c->gens & DMAR_GEN_BIT(g)) && pred(d, (dmar_generation)g))
			mask |= DMAR_GEN_BIT(g);
	return mask;
}

/* A generation under which the mask holds, preferring the newer rules. */
static dmar_generation first_gen(unsigned mask)
{
	return (mask & DMAR_GEN_BIT(DMAR_GEN_24H2)) ? DMAR_GEN_24H2
	                                              : DMAR_GEN_PRE_24H2;
}

/* ---- Device rules ------------------------------------------------------------------ */

static int holds_opted_out(const dmar_device *d, dmar_generation g)
{
	return d->prediction[g].policy == DMAR_POLICY_OPTED_OUT;
}

static int holds_not_enforced(const dmar_device *d, dmar_generation g)
{
	return d->prediction[g].policy == DMAR_POLICY_NOT_ENFORCED;
}

static void optout_finding(rule_ctx *c, const char *rule_id, int exposed)
{
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		if (is_exposed(d) != exposed)
			continue;
		unsigned mask = gens_where(c, d, holds_opted_out);
		if (mask == 0)
			continue;
		draft f;
		draft_start(&f, c, rule_id, d->instance_id, mask);
		const char *cause = optout_cause(&f, d, first_gen(mask));
		if (mask == DMAR_GEN_ALL) {
			/* the generations may blame different values */
			const char *pre = optout_cause(&f, d, DMAR_GEN_PRE_24H2);
			if (strcmp(pre, cause) != 0)
				cause = arena_printf(c->a, "under the 24H2 rules %s; under "
				                     "the pre-24H2 rules %s", cause, pre);
		}
		evidence_exposure(&f, d);
		if (exposed)
			emit(&f, "%s is at %s and %s: %s", device_label(c, d),
			     policy_words(1), exposure_words(d), cause);
		else
			emit(&f, "%s is at %s: %s; exposure: %s", device_label(c, d),
			     policy_words(1), cause, exposure_words(d));
	}
}

static void rule_optout_external(rule_ctx *c)
{
	optout_finding(c, "DMAR-OPTOUT-EXTERNAL", 1);
}

static void rule_optout(rule_ctx *c)
{
	optout_finding(c, "DMAR-OPTOUT", 0);
}

static int holds_filter_optout(const dmar_device *d, dmar_generation g)
{
	if (d->prediction[g].decided_by_device)
		return 0;
	for (size_t i = 0; i < d->n_stack; i++)
		if (d->stack[i].role != DMAR_ROLE_SERVICE &&
		    d->stack[i].driver->level == DMAR_LEVEL_OPT_OUT)
			return 1;
	return 0;
}

static void rule_filter_optout(rule_ctx *c)
{
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		unsigned mask = gens_where(c, d, holds_filter_optout);
		if (mask == 0)
			continue;
		draft f;
		draft_start(&f, c, "DMAR-FILTER-OPTOUT", d->instance_id, mask);
		namelist filters = { NULL, 0 };
		const char *function = "it has no function driver";
		for (size_t j = 0; j < d->n_stack; j++) {
			const dmar_stack_entry *e = &d->stack[j];
			if (e->role == DMAR_ROLE_SERVICE)
				function = arena_printf(c->a, "its function driver %s %s",
				                        e->driver->name,
				                        level_words(e->driver->level));
			if (e->role == DMAR_ROLE_SERVICE ||
			    e->driver->level != DMAR_LEVEL_OPT_OUT)
				continue;
			evidence_stack_entry(&f, e);
			namelist_add(c, &filters, arena_printf(c->a, "%s (%s)",
			                                       e->driver->name,
			                                       role_words(e->role)));
		}
		emit(&f, "Filter driver %s opts out of DMA remapping and forces %s on "
		     "%s (%s)", namelist_text(c, &filters, ""), policy_words(1),
		     device_label(c, d), function);
	}
}

/* The values the prediction rests on: each stack driver's, the device's. */
static void evidence_policy_values(draft *f, const dmar_device *d)
{
	for (size_t j = 0; j < d->n_stack; j++)
		evidence_driver_value(f, d->stack[j].driver);
	if (d->dma.present)
		evidence_device_value(f, d, &d->dma.remapping_supported);
}

static void rule_unprotected_external(rule_ctx *c)
{
	for (size_t i = 0; c->set->dma_remapping_aware && i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		if (!is_exposed(d))
			continue;
		unsigned mask = gens_where(c, d, holds_not_enforced);
		if (mask == 0)
			continue;
		draft f;
		draft_start(&f, c, "DMAR-UNPROTECTED-EXTERNAL", d->instance_id, mask);
		evidence_exposure(&f, d);
		evidence_policy_values(&f, d);
		int conditional = 0;
		for (int g = 0; g < DMAR_GEN_COUNT; g++)
			conditional |= (mask & DMAR_GEN_BIT(g)) && d->prediction[g].if_external == 2;
		if (conditional)
			emit(&f, "%s is %s but gets %s: its conditional opt-in enables DMA "
			     "remapping only for a device known to be external (the hive "
			     "cannot prove it; --assume-external shows the other outcome)",
			     device_label(c, d), exposure_words(d), policy_words(0));
		else
			emit(&f, "%s is %s but no directive enables DMA remapping for it: "
			     "%s", device_label(c, d), exposure_words(d), policy_words(0));
	}
}

static void invalid_value_finding(rule_ctx *c, const dmar_value *v,
                                  uint64_t written, const char *instance_id,
                                  unsigned gens, const char *what,
                                  const char *effect)
{
	draft f;
	draft_start(&f, c, "DMAR-INVALID-VALUE", instance_id, gens);
	evidence_value_dated(&f, v, written);
	emit(&f, "%s is %s: Windows reads only a 4-byte REG_DWORD %s and "
	     "ignores it, so %s", v->path, v->display ? v->display : "unreadable",
	     what, effect);
}

static void rule_invalid_value(rule_ctx *c)
{
	unsigned g24 = DMAR_GEN_BIT(DMAR_GEN_24H2);
	for (size_t i = 0; (c->gens & g24) && i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		if (DMAR_VALUE_IGNORED(&d->dma.remapping_supported))
			invalid_value_finding(c, &d->dma.remapping_supported,
			                      d->dma.last_written, d->instance_id, g24,
			                      "of 0 or 1",
			                      "the per-driver values decide instead");
		const dmar_value *sup = &d->dma.remapping_supported;
		if (DMAR_VALUE_IGNORED(&d->dma.remapping_flags))
			invalid_value_finding(c, &d->dma.remapping_flags,
			                      d->dma.last_written, d->instance_id, g24,
			                      "(bit 0: only when external)",
			                      sup->valid && sup->dword == 1
			                      ? "the per-device opt-in becomes unconditional"
			                      : "it has no effect (RemappingSupported is "
			                        "not a valid 1)");
	}
	for (size_t i = 0; i < c->set->n_drivers; i++) {
		const dmar_driver *drv = &c->set->drivers[i];
		if (!DMAR_VALUE_IGNORED(&drv->compatible))
			continue;
		draft f;
		draft_start(&f, c, "DMAR-INVALID-VALUE", NULL, 0);
		evidence_driver_value(&f, drv);
		size_t named = 0;
		for (size_t j = 0; j < c->set->n_devices &&
		                   named < EVIDENCE_DEVICES_MAX; j++) {
			const dmar_device *d = &c->set->devices[j];
			for (size_t k = 0; k < d->n_stack; k++) {
				if (d->stack[k].driver != drv)
					continue;
				evidence(&f, "%s lists %s", d->stack[k].source, drv->name);
				named++;
				break;
			}
		}
		emit(&f, "%s is %s: Windows reads only a 4-byte REG_DWORD of 0 to 3 "
		     "and ignores it, so driver %s gives no directive (%zu PCI "
		     "device%s)", drv->compatible.path,
		     drv->compatible.display ? drv->compatible.display : "unreadable",
		     drv->name, drv->n_devices, drv->n_devices == 1 ? "" : "s");
	}
}

/* The per-driver outcome pair (internal, external) of a device's stack. */
static void driver_outcomes(rule_ctx *c, const dmar_device *d, int out[2])
{
	dmar_level *levels = report_stack_levels(c->a, d, 1);
	out[0] = out[1] = 0;
	if (levels == NULL)
		return;
	out[0] = dmar_policy_combine(levels, d->n_stack, 0);
	out[1] = dmar_policy_combine(levels, d->n_stack, 1);
}

static void rule_device_overrides_driver(rule_ctx *c)
{
	const dmar_generation g = DMAR_GEN_24H2;
	if (!(c->gens & DMAR_GEN_BIT(g)))
		return;
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		const dmar_prediction *p = &d->prediction[g];
		int any_driver_value = 0, drv[2];
		for (size_t j = 0; j < d->n_stack; j++)
			any_driver_value |= d->stack[j].driver->compatible.valid;
		if (!p->decided_by_device || !any_driver_value)
			continue;
		driver_outcomes(c, d, drv);
		if (drv[0] == p->if_internal && drv[1] == p->if_external)
			continue;
		draft f;
		draft_start(&f, c, "DMAR-DEVICE-OVERRIDES-DRIVER", d->instance_id,
		            DMAR_GEN_BIT(g));
		evidence_device_value(&f, d, &d->dma.remapping_supported);
		if (d->dma.remapping_flags.present)
			evidence_device_value(&f, d, &d->dma.remapping_flags);
		for (size_t j = 0; j < d->n_stack; j++)
			if (d->stack[j].driver->compatible.valid)
				evidence_stack_entry(&f, &d->stack[j]);
		int ext = d->treated_external;
		const int device_outcome[2] = { p->if_internal, p->if_external };
		if (drv[ext] == p->policy)
			ext = !ext;   /* they agree here: name the exposure where not */
		emit(&f, "Under 24H2 the per-device DMA Management value of %s decides "
		     "alone (%s for %s device) and overrides its drivers' "
		     "DmaRemappingCompatible values, which would give %s",
		     device_label(c, d), policy_words(device_outcome[ext]),
		     ext ? "an external" : "an internal", policy_words(drv[ext]));
	}
}

/* Does the device opt in under generation g (before exposure)? */
static int holds_graphics_optin(const dmar_device *d, dmar_generation g)
{
	if (!d->is_display)
		return 0;
	if (d->prediction[g].decided_by_device)
		return d->dma.remapping_supported.dword == 1;
	for (size_t i = 0; i < d->n_stack; i++) {
		const dmar_value *v = &d->stack[i].driver->compatible;
		if (v->valid && v->dword >= 1)
			return 1;
	}
	return 0;
}

static void rule_graphics_optin(rule_ctx *c)
{
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		unsigned mask = gens_where(c, d, holds_graphics_optin);
		if (mask == 0)
			continue;
		draft f;
		draft_start(&f, c, "DMAR-GRAPHICS-OPTIN", d->instance_id, mask);
		if (d->prediction[first_gen(mask)].decided_by_device)
			evidence_device_value(&f, d, &d->dma.remapping_supported);
		for (size_t j = 0; j < d->n_stack; j++)
			if (d->stack[j].driver->compatible.valid &&
			    d->stack[j].driver->compatible.dword >= 1)
				evidence_stack_entry(&f, &d->stack[j]);
		if (d->class_guid)
			evidence(&f, "%s\\ClassGUID = %s", d->key_path, d->class_guid);
		emit(&f, "Display adapter %s opts in to DMA remapping; Microsoft states "
		     "DMA remapping is not supported for graphics drivers",
		     device_label(c, d));
	}
}

/* The prediction if Driver Verifier targeted nothing. */
static int unverified_policy(rule_ctx *c, const dmar_device *d,
                             dmar_generation g)
{
	dmar_level *levels = report_stack_levels(c->a, d, 0);
	if (levels == NULL)
		return d->prediction[g].policy;
	return dmar_policy_predict(g, levels, d->n_stack,
	                           &d->dma.remapping_supported,
	                           &d->dma.remapping_flags, d->treated_external, 0,
	                           NULL);
}

static int holds_exposure_dependent(const dmar_device *d, dmar_generation g)
{
	return d->prediction[g].if_internal != d->prediction[g].if_external;
}

static void conditional_evidence(draft *f, const dmar_device *d,
                                 dmar_generation g)
{
	if (d->prediction[g].decided_by_device) {
		evidence_device_value(f, d, &d->dma.remapping_supported);
		evidence_device_value(f, d, &d->dma.remapping_flags);
		return;
	}
	for (size_t i = 0; i < d->n_stack; i++) {
		const dmar_value *v = &d->stack[i].driver->compatible;
		if (v->valid && v->dword == 2)
			evidence_stack_entry(f, &d->stack[i]);
	}
}

/* Drivers of the stack Driver Verifier promotes (a conditional opt-in
 * made an opt-in); also the function driver when the 24H2 per-device
 * conditional counts it as DMA-verified. */
static const char *verified_drivers(rule_ctx *c, const dmar_device *d,
                                    int *any)
{
	namelist names = { NULL, 0 };
	for (size_t i = 0; i < d->n_stack; i++)
		if (d->stack[i].driver->verified)
			namelist_add(c, &names, d->stack[i].driver->name);
	*any = names.count > 0 || d->verified;
	return namelist_text(c, &names, "its function driver");
}

static void rule_conditional(rule_ctx *c)
{
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		unsigned mask = gens_where(c, d, holds_exposure_dependent);
		unsigned vmask = 0;
		int any_verified = 0;
		const char *verified = verified_drivers(c, d, &any_verified);
		for (int g = 0; any_verified && g < DMAR_GEN_COUNT; g++)
			if ((c->gens & DMAR_GEN_BIT(g)) &&
			    unverified_policy(c, d, (dmar_generation)g) !=
			    d->prediction[g].policy)
				vmask |= DMAR_GEN_BIT(g);
		if ((mask | vmask) == 0)
			continue;
		dmar_generation g = first_gen(mask | vmask);
		const dmar_prediction *p = &d->prediction[g];
		draft f;
		draft_start(&f, c, "DMAR-CONDITIONAL", d->instance_id, mask | vmask);
		conditional_evidence(&f, d, g);
		evidence_exposure(&f, d);
		if (vmask & DMAR_GEN_BIT(g)) {
			evidence_value(&f, &c->set->verifier.level);
			emit(&f, "%s gets %s only because Driver Verifier DMA checking "
			     "targets %s; without it: %s", device_label(c, d),
			     policy_words(p->policy), verified,
			     policy_words(unverified_policy(c, d, g)));
		} else {
			int ext = d->treated_external;
			emit(&f, "%s gets %s as %s; it would get %s if %s",
			     device_label(c, d), policy_words(p->policy),
			     ext ? "external" : "not known to be external",
			     policy_words(ext ? p->if_internal : p->if_external),
			     ext ? "internal" : "external or DMA-verified");
		}
	}
}

/* Windows persists the policy it computed when the device last started.
 * One that matches no prediction (under either exposure, any generation in
 * force) means the values changed since, or the kernel decided on grounds
 * a hive cannot show (confidential-VM DMA platforms, bus-owned devices). */
/* ---- Attack hardware, DMA security settings ------------------------------------------ */

static void evidence_time(draft *f, const char *what, uint64_t t)
{
	char when[32];
	if (dmar_filetime_iso(t, when, sizeof(when)) != NULL)
		evidence(f, "%s %s", what, when);
}

/* A device of a known DMA attack identity anywhere in the Enum\PCI
 * history (hive-wide: every control set was searched). */
static void rule_attack_hardware(rule_ctx *c)
{
	const dmar_report *r = c->report;
	for (size_t i = 0; c->hive_wide && i < r->n_attack; i++) {
		const dmar_attack_match *m = &r->attack[i];
		draft f;
		char when[32];
		draft_start(&f, c, "DMAR-ATTACK-HARDWARE", m->instance_id, 0);
		f.severity = (int)m->severity;
		evidence(&f, "%s (key last written %s)", m->key_path,
		         dmar_filetime_iso(m->last_written, when, sizeof(when))
		             ? when : "unknown");
		evidence(&f, "recorded in %s", m->control_sets);
		evidence_time(&f, "first installed", m->first_install);
		evidence_time(&f, "last arrived", m->last_arrival);
		evidence_time(&f, "last removed", m->last_removal);
		evidence(&f, "matches %s (%s)", m->identity, m->source);
		emit(&f, "%s%s%s%s matches a known DMA attack identity: %s%s%s%s "
		     "(recorded in %s)",
		     m->description ? m->description : m->instance_id,
		     m->description ? " (" : "", m->description ? m->instance_id : "",
		     m->description ? ")" : "", m->identity,
		     m->family && *m->family ? " [" : "", m->family ? m->family : "",
		     m->family && *m->family ? "]" : "", m->control_sets);
	}
}

/* Buses an administrator declared safe for DMA. */
static void rule_allowed_buses(rule_ctx *c)
{
	const dmar_control_set *s = c->set;
	if (s->n_allowed_buses == 0)
		return;
	draft f;
	namelist items = { NULL, 0 };
	draft_start(&f, c, "DMAR-ALLOWED-BUSES", NULL, 0);
	evidence_time(&f, arena_printf(c->a, "%s last written", s->allowed_buses_path),
	              s->allowed_buses_written);
	for (size_t i = 0; i < s->n_allowed_buses; i++) {
		const dmar_allowed_bus *b = &s->allowed_buses[i];
		size_t below = 0, bridges = 0;
		for (size_t k = 0; b->value && k < s->n_devices; k++) {
			const dmar_device *d = &s->devices[k];
			if (text_ncasecmp(d->instance_id, b->value, strlen(b->value)) != 0)
				continue;
			below++;
			bridges += strncmp(d->class_code, "0604", 4) == 0;
		}
		evidence(&f, "%s\\%s = %s%s", s->allowed_buses_path, b->name,
		         b->value ? b->value : "?",
		         below ? arena_printf(c->a, " (matches %zu device%s here%s)", below,
		                              below == 1 ? "" : "s",
		                              bridges ? ", a PCI bridge: what sits below it "
		                                        "is covered too" : "")
		               : "");
		namelist_add(c, &items, b->value ? b->value : b->name);
	}
	emit(&f, "Control\\DmaSecurity\\AllowedBuses lists %zu bus%s an administrator "
	     "declared safe for DMA (%s): devices there are exempt from the automatic "
	     "device encryption DMA check", s->n_allowed_buses,
	     s->n_allowed_buses == 1 ? "" : "es", namelist_text(c, &items, ""));
}

/* Group Policy or MDM lets every external device enumerate. */
static void rule_enumeration_allow_all(rule_ctx *c)
{
	const dmar_software *sw = &c->report->software;
	const dmar_value *gp = &sw->enumeration_gp, *mdm = &sw->enumeration_mdm;
	int by_gp = gp->valid && gp->dword == 2, by_mdm = mdm->valid && mdm->dword == 2;
	if (!c->hive_wide || (!by_gp && !by_mdm))
		return;
	draft f;
	namelist exposed = { NULL, 0 };
	draft_start(&f, c, "DMAR-ENUMERATION-ALLOW-ALL", NULL, 0);
	if (gp->present)
		evidence_value_dated(&f, gp, sw->enumeration_gp_written);
	if (mdm->present)
		evidence_value_dated(&f, mdm, sw->enumeration_mdm_written);
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		int weak = 0;
		for (int g = 0; g < DMAR_GEN_COUNT; g++)
			weak |= (c->gens & DMAR_GEN_BIT(g)) &&
			        d->prediction[g].policy != DMAR_POLICY_ENFORCED;
		if (is_exposed(d) && weak) {
			namelist_add(c, &exposed, device_label(c, d));
			evidence(&f, "%s is %s and not at policy 2", d->instance_id,
			         exposure_words(d));
		}
	}
	if (exposed.count > 0)
		f.severity = DMAR_SEV_HIGH;
	emit(&f, "DeviceEnumerationPolicy is 2 (allow all), set by %s: external "
	     "devices that do not support DMA remapping are enumerated and started "
	     "at any time%s%s", by_gp && by_mdm ? "Group Policy and MDM"
	                        : by_gp ? "Group Policy" : "MDM",
	     exposed.count ? "; not at policy 2 and exposed: " : "",
	     exposed.count ? namelist_text(c, &exposed, "") : "");
}

/* "set value, write DAC" */
static const char *rights_words(rule_ctx *c, uint32_t rights)
{
	static const struct { uint32_t bit; const char *words; } NAMES[] = {
		{ DMAR_RIGHT_SET_VALUE, "set values" },
		{ DMAR_RIGHT_CREATE_SUBKEY, "create subkeys" },
		{ DMAR_RIGHT_WRITE_DAC, "change the permissions" },
		{ DMAR_RIGHT_WRITE_OWNER, "take ownership" },
		{ DMAR_RIGHT_DELETE, "delete the key" },
	};
	namelist l = { NULL, 0 };
	for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
		if (rights & NAMES[i].bit)
			namelist_add(c, &l, NAMES[i].words);
	return namelist_text(c, &l, "nothing");
}

/* A non-administrative principal may change (or create) a policy value. */
static void rule_weak_acl(rule_ctx *c)
{
	for (size_t i = 0; i < c->set->n_acls; i++) {
		const dmar_key_acl *k = &c->set->acls[i];
		if (k->problem != NULL) {
			/* unknown permissions are not safe ones: a descriptor
			 * Windows accepts but this decoder does not could grant
			 * anyone the value */
			draft f;
			draft_start(&f, c, "DMAR-WEAK-ACL", k->instance_id, 0);
			f.severity = DMAR_SEV_MEDIUM;
			evidence(&f, "%s: %s", k->path, k->problem);
			emit(&f, "who may change %s cannot be verified: the security "
			     "descriptor of %s could not be decoded (%s)", k->guards,
			     k->path, k->problem);
			continue;
		}
		if (!k->weak)
			continue;
		draft f;
		namelist who = { NULL, 0 };
		int users = 0;
		draft_start(&f, c, "DMAR-WEAK-ACL", k->instance_id, 0);
		evidence(&f, "%s: owner %s%s%s%s", k->path,
		         k->owner_sid ? k->owner_sid : "unknown",
		         k->owner_name ? " (" : "", k->owner_name ? k->owner_name : "",
		         k->owner_name ? ")" : "");
		if (k->no_dacl)
			evidence(&f, "%s has no DACL: everyone has full access", k->path);
		for (size_t w = 0; w < k->n_writers; w++) {
			const dmar_principal *p = &k->writers[w];
			const char *name = p->name ? arena_printf(c->a, "%s (%s)", p->name, p->sid)
			                           : p->sid;
			evidence(&f, "%s may %s%s", name, rights_words(c, p->rights),
			         p->administrative ? "" : p->service
			         ? " (a service identity, not administrative)"
			         : " (not administrative)");
			if (!p->administrative)
				namelist_add(c, &who, p->name ? p->name : p->sid);
			users |= !p->administrative && !p->service;
		}
		/* a service identity is a foothold, not any user: medium */
		if (!users)
			f.severity = DMAR_SEV_MEDIUM;
		emit(&f, "%s may %s %s, which decides %s", namelist_text(c, &who, "?"),
		     k->holds_value ? "change" : "create", k->guards,
		     k->driver ? arena_printf(c->a, "DMA remapping for driver %s", k->driver)
		               : "the 24H2 DMA remapping policy of the device");
	}
}

/* ---- Declared versus live (DMAR-TAMPERED) ------------------------------------------ */

/* The same value: both absent, or the same type, size and data. */
static int same_value_data(const dmar_value *a, const dmar_value *b)
{
	if (a->present != b->present)
		return 0;
	if (!a->present)
		return 1;
	if (a->type != b->type || a->size != b->size || a->is_dword != b->is_dword)
		return 0;
	if (a->is_dword)
		return a->dword == b->dword;
	return a->display && b->display && strcmp(a->display, b->display) == 0;
}

static void evidence_declared(draft *f, const dmar_declared_value *v)
{
	char when[32];
	const char *t = dmar_filetime_iso(v->last_written, when, sizeof(when));
	evidence(f, "declared: %s = %s (package %s, section %s%s%s)", v->value.path,
	         v->value.display ? v->value.display : "?", v->package,
	         v->configuration, t ? ", key last written " : "", t ? t : "");
}

static void evidence_chain(draft *f, const dmar_device *d)
{
	const dmar_package_chain *ch = &d->package;
	if (ch->driver_key_path == NULL) {
		evidence(f, "%s: %s", d->key_path, ch->problem ? ch->problem : "?");
		return;
	}
	evidence(f, "chain: %s\\Driver -> %s: InfPath %s, InfSection %s%s%s",
	         d->key_path, ch->driver_key_path, ch->inf ? ch->inf : "-",
	         ch->section ? ch->section : "-",
	         ch->package ? " -> package " : "", ch->package ? ch->package : "");
	if (ch->problem != NULL)
		evidence(f, "chain: %s", ch->problem);
}

/* The device's configuration's declaration of a DMA Management value. */
static const dmar_declared_value *declared_dm(const dmar_device *d, const char *name)
{
	for (size_t i = 0; i < d->package.n_declared; i++) {
		const dmar_declared_value *v = &d->package.declared[i];
		if (v->service == NULL && text_casecmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

/* Compare one live DMA Management value with its declaration; a line for
 * the message when they disagree, else NULL. */
static const char *dm_difference(rule_ctx *c, const dmar_value *live,
                                 const dmar_declared_value *decl, const char *name)
{
	static const dmar_value absent = { 0 };
	const dmar_value *want = decl ? &decl->value : &absent;
	if (same_value_data(live, want))
		return NULL;
	if (!live->present)
		return arena_printf(c->a, "%s is declared %s but absent", name,
		                    want->display ? want->display : "?");
	if (decl == NULL)
		return arena_printf(c->a, "%s = %s has no declaration", name,
		                    live->display ? live->display : "?");
	return arena_printf(c->a, "%s = %s, declared %s", name,
	                    live->display ? live->display : "?",
	                    want->display ? want->display : "?");
}

static void tampered_device(rule_ctx *c, const dmar_device *d)
{
	const dmar_package_chain *ch = &d->package;
	const dmar_declared_value *rs = declared_dm(d, "RemappingSupported");
	const dmar_declared_value *rf = declared_dm(d, "RemappingFlags");
	if (!ch->checked || (!d->dma.present && rs == NULL && rf == NULL))
		return;
	const char *why[2] = { NULL, NULL };
	if (ch->problem != NULL && d->dma.present)
		why[0] = arena_printf(c->a, "it has no declaration to come from (%s)",
		                      ch->problem);
	else if (ch->problem == NULL) {
		why[0] = dm_difference(c, &d->dma.remapping_supported, rs,
		                       "RemappingSupported");
		why[1] = dm_difference(c, &d->dma.remapping_flags, rf, "RemappingFlags");
	}
	if (why[0] == NULL && why[1] == NULL)
		return;
	draft f;
	draft_start(&f, c, "DMAR-TAMPERED", d->instance_id, 0);
	evidence_device_value(&f, d, &d->dma.remapping_supported);
	if (d->dma.remapping_flags.present)
		evidence_device_value(&f, d, &d->dma.remapping_flags);
	if (rs != NULL)
		evidence_declared(&f, rs);
	if (rf != NULL)
		evidence_declared(&f, rf);
	evidence_chain(&f, d);
	emit(&f, "DMA Management of %s does not match its driver package%s%s: %s%s%s",
	     device_label(c, d), ch->package ? " " : "", ch->package ? ch->package : "",
	     why[0] ? why[0] : "", why[0] && why[1] ? "; " : "", why[1] ? why[1] : "");
}

/* Declarations of driver 'dr' in the configurations of the devices it
 * drives (what their installation wrote), as evidence; returns how many. */
static size_t installed_declarations(rule_ctx *c, const dmar_driver *dr, draft *f)
{
	size_t n = 0;
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		int uses = 0;
		for (size_t k = 0; k < d->n_stack; k++)
			uses |= d->stack[k].driver == dr;
		for (size_t k = 0; uses && k < d->package.n_declared; k++) {
			const dmar_declared_value *v = &d->package.declared[k];
			if (v->service == NULL || text_casecmp(v->service, dr->name) != 0 ||
			    strcmp(v->name, "DmaRemappingCompatible") != 0)
				continue;
			if (f != NULL)
				evidence_declared(f, v);
			n++;
		}
	}
	return n;
}

static void tampered_driver(rule_ctx *c, const dmar_driver *dr)
{
	const dmar_value *live = &dr->compatible;
	int matches = 0;
	for (size_t i = 0; i < dr->n_declared; i++)
		matches |= same_value_data(live, &dr->declared[i].value);
	const dmar_declared_value *first = dr->n_declared ? &dr->declared[0] : NULL;
	const char *why;
	if (live->present && first == NULL)
		why = "no active driver package declares it";
	else if (live->present && !matches)
		why = arena_printf(c->a, "its active driver package%s declare%s %s "
		                   "(%s, section %s%s)", dr->n_declared == 1 ? "" : "s",
		                   dr->n_declared == 1 ? "s" : "",
		                   first->value.display ? first->value.display : "?",
		                   first->package, first->configuration,
		                   dr->n_declared > 1 ? ", and others" : "");
	else if (!live->present && installed_declarations(c, dr, NULL) > 0)
		why = "the value is absent, although the package installed for the "
		      "devices it drives declares it";
	else
		return;
	draft f;
	namelist devices = { NULL, 0 };
	draft_start(&f, c, "DMAR-TAMPERED", NULL, 0);
	evidence_driver_value(&f, dr);
	for (size_t i = 0; i < dr->n_declared && i < EVIDENCE_DEVICES_MAX; i++)
		evidence_declared(&f, &dr->declared[i]);
	installed_declarations(c, dr, &f);
	for (size_t i = 0; i < c->set->n_devices; i++)
		for (size_t k = 0; k < c->set->devices[i].n_stack; k++)
			if (c->set->devices[i].stack[k].driver == dr) {
				namelist_add(c, &devices, device_label(c, &c->set->devices[i]));
				break;
			}
	emit(&f, "DmaRemappingCompatible of driver %s%s%s%s: %s", dr->name,
	     live->present ? " = " : "", live->present && live->display ? live->display : "",
	     devices.count ? arena_printf(c->a, " (in the stack of %s)",
	                                  namelist_text(c, &devices, "")) : "",
	     why);
}

/* A live value that differs from its driver package's declaration, or has
 * none, was written after installation (an installer, an admin, or an
 * attacker); a declared value that is gone was deleted. */
static void rule_tampered(rule_ctx *c)
{
	if (!c->report->driver_database)
		return;
	for (size_t i = 0; i < c->set->n_devices; i++)
		tampered_device(c, &c->set->devices[i]);
	for (size_t i = 0; i < c->set->n_drivers; i++)
		tampered_driver(c, &c->set->drivers[i]);
}

static void rule_policy_mismatch(rule_ctx *c)
{
	for (size_t i = 0; i < c->set->n_devices; i++) {
		const dmar_device *d = &c->set->devices[i];
		if (!d->properties.has_persisted_policy)
			continue;
		uint32_t persisted = d->properties.persisted_policy;
		int explained = 0, other_exposure = 0;
		const char *predicted = NULL;
		for (int g = 0; g < DMAR_GEN_COUNT; g++) {
			if (!(c->gens & DMAR_GEN_BIT(g)))
				continue;
			const dmar_prediction *p = &d->prediction[g];
			explained |= persisted == (uint32_t)p->policy;
			other_exposure |= persisted == (uint32_t)(d->treated_external
			                                          ? p->if_internal
			                                          : p->if_external);
			const char *one = arena_printf(c->a, "%s %d (%d if internal, %d if "
			                               "external)",
			                               g == DMAR_GEN_24H2 ? "24H2" : "pre-24H2",
			                               p->policy, p->if_internal, p->if_external);
			predicted = predicted ? arena_printf(c->a, "%s; %s", predicted, one)
			                      : one;
		}
		if (explained)
			continue;
		draft f;
		draft_start(&f, c, "DMAR-POLICY-MISMATCH", d->instance_id, 0);
		evidence(&f, "%s\\Properties\\{83da6326-97a6-4088-9453-a1923f573b29}"
		         "\\0012 (DmaRemappingPolicy) = %u", d->key_path, persisted);
		evidence_policy_values(&f, d);
		evidence_exposure(&f, d);
		if (other_exposure)
			emit(&f, "Windows persisted DmaRemappingPolicy %u for %s: the "
			     "outcome for an %s device, while dmarscan treats it as %s "
			     "(predicted %s): Windows saw the device as %s when it last "
			     "started, or the values changed since", persisted,
			     device_label(c, d), d->treated_external ? "internal" : "external",
			     d->treated_external ? "external" : "not external",
			     predicted ? predicted : "-",
			     d->treated_external ? "internal" : "external");
		else
			emit(&f, "Windows persisted DmaRemappingPolicy %u for %s, but the "
			     "registry values predict %s: the values changed after the "
			     "device last started, or Windows decided on grounds a hive "
			     "does not show", persisted, device_label(c, d),
			     predicted ? predicted : "-");
	}
}

/* ---- Control-set and hive rules ------------------------------------------------------ */

static void rule_dma_verifier(rule_ctx *c)
{
	const dmar_verifier *v = &c->set->verifier;
	if (!v->dma_checking)
		return;
	draft f;
	draft_start(&f, c, "DMAR-DMA-VERIFIER", NULL, 0);
	evidence_value(&f, &v->level);
	evidence(&f, "%s = %s", v->drivers_path,
	         v->drivers ? v->drivers : "(absent)");
	namelist targets = { NULL, 0 };
	for (size_t i = 0; i < c->set->n_drivers; i++) {
		const dmar_driver *drv = &c->set->drivers[i];
		if (drv->verified && drv->n_devices > 0)
			namelist_add(c, &targets, drv->name);
	}
	if (v->drivers == NULL)
		emit(&f, "Driver Verifier DMA checking is set (VerifyDriverLevel "
		     "0x%x) but VerifyDrivers names no driver", v->level.dword);
	else
		emit(&f, "Driver Verifier DMA checking is configured (VerifyDriverLevel "
		     "0x%x, VerifyDrivers \"%s\"): conditional opt-ins of the drivers "
		     "it targets count as opt-ins; PCI drivers targeted: %s",
		     v->level.dword, v->drivers, namelist_text(c, &targets, "none"));
}

static void evidence_logs(draft *f, const dmar_hive_info *h)
{
	for (size_t i = 0; i < h->n_logs; i++) {
		const dmar_log_info *l = &h->logs[i];
		if (l->applied)
			evidence(f, "%s: %u entr%s replayed, %u page%s (sha256 %s)", l->path,
			         l->entries_applied, l->entries_applied == 1 ? "y" : "ies",
			         l->pages_applied, l->pages_applied == 1 ? "" : "s",
			         l->sha256);
		else
			evidence(f, "%s: not replayed: %s", l->path,
			         l->problem ? l->problem : "?");
	}
}

static void rule_hive_dirty(rule_ctx *c)
{
	const dmar_hive_info *h = &c->report->hive;
	if (!c->hive_wide || !h->dirty || h->recovered)
		return;
	draft f;
	char when[32];
	draft_start(&f, c, "HIVE-DIRTY", NULL, 0);
	evidence(&f, "base block: primary sequence number %u, secondary %u",
	         h->seq_primary, h->seq_secondary);
	if (dmar_filetime_iso(h->last_written, when, sizeof(when)))
		evidence(&f, "base block last written %s", when);
	evidence_logs(&f, h);
	char why[96];
	if (h->seq_primary != h->seq_secondary)
		snprintf(why, sizeof(why), "sequence numbers %u and %u differ%s",
		         h->seq_primary, h->seq_secondary, h->checksum_ok ? ""
		         : ", base block checksum does not match");
	else
		snprintf(why, sizeof(why), "its base block checksum does not match");
	emit(&f, "The hive is dirty (%s) and %s: "
	     "its newest changes may be missing, so results may be stale", why,
	     !h->logs_searched ? "transaction logs were not looked for (--no-logs)"
	     : h->n_logs == 0 ? "no transaction log (.LOG1/.LOG2/.LOG) was found "
	                        "beside it"
	     : "no usable transaction log was found beside it");
}

static void rule_hive_recovered(rule_ctx *c)
{
	const dmar_hive_info *h = &c->report->hive;
	if (!c->hive_wide || !h->recovered)
		return;
	draft f;
	draft_start(&f, c, "HIVE-RECOVERED", NULL, 0);
	evidence(&f, "base block of the primary: sequence numbers %u and %u",
	         h->seq_primary, h->seq_secondary);
	evidence_logs(&f, h);
	if (h->recovered_base_block)
		evidence(&f, "the primary's base block is damaged: the log's copy "
		         "was used");
	evidence(&f, "replayed image: sha256 %s, %llu bytes", h->recovered_sha256,
	         (unsigned long long)h->recovered_size);
	emit(&f, "Transaction logs were replayed: sequence %u to %u, %u pages "
	     "of the primary's image changed (the files were not changed)",
	     h->recovered_first_seq, h->recovered_last_seq, h->recovered_pages);
}

/* A bound of bounds.h stopped a walk: the report is partial. */
static void rule_hive_limit(rule_ctx *c)
{
	const dmar_report *r = c->report;
	if (!c->hive_wide || r->n_limits == 0)
		return;
	draft f;
	draft_start(&f, c, "HIVE-LIMIT", NULL, 0);
	for (size_t i = 0; i < r->n_limits; i++)
		evidence(&f, "%s", r->limits[i]);
	emit(&f, "dmarscan stopped reading part of the hive at %s on its work "
	     "(a damaged, hostile or unusually large hive): the report is "
	     "incomplete", r->n_limits == 1 ? "a limit" : "limits");
}

/* A log that is damaged, truncated or from another hive, or whose replay
 * stopped early: the recovered state may be incomplete. */
static void rule_log_damaged(rule_ctx *c)
{
	const dmar_hive_info *h = &c->report->hive;
	for (size_t i = 0; c->hive_wide && i < h->n_logs; i++) {
		const dmar_log_info *l = &h->logs[i];
		if (!l->damaged)
			continue;
		draft f;
		draft_start(&f, c, "HIVE-LOG-DAMAGED", NULL, 0);
		if (l->sha256[0] == '\0')
			evidence(&f, "%s: not read", l->path);
		else
			evidence(&f, "%s: %llu bytes, sha256 %s, %u valid entr%s%s", l->path,
			         (unsigned long long)l->size, l->sha256, l->entries,
			         l->entries == 1 ? "y" : "ies",
			         l->applied ? " (partly replayed)" : "");
		emit(&f, "Transaction log %s was %s: %s", l->path,
		     l->applied ? "replayed only up to the problem" : "skipped",
		     l->problem);
	}
}

/* Compare a value's meaning across sets: absent, ignored, or its number. */
static int same_value(const dmar_value *a, const dmar_value *b)
{
	if (a->present != b->present)
		return 0;
	if (!a->present)
		return 1;
	return a->type == b->type && a->size == b->size &&
	       a->is_dword == b->is_dword && a->dword == b->dword &&
	       (a->display && b->display ? strcmp(a->display, b->display) == 0 : 1);
}

/* vals[s]: the same value in each set (NULL where the item is absent).
 * Draft a finding when two sets disagree. */
static void drift_check(rule_ctx *c, const dmar_value **vals,
                        const char *instance_id, const char *what,
                        const char *whose)
{
	int differs = 0;
	for (size_t s = 1; vals[0] != NULL && s < c->report->n_sets; s++)
		if (vals[s] != NULL && !same_value(vals[0], vals[s]))
			differs = 1;
	if (!differs)
		return;
	draft f;
	draft_start(&f, c, "DMAR-CONTROLSET-DRIFT", instance_id, 0);
	for (size_t s = 0; s < c->report->n_sets; s++)
		if (vals[s] != NULL)
			evidence_value(&f, vals[s]);
	emit(&f, "%s of %s differs between control sets", what, whose);
}

static void drift_devices(rule_ctx *c, const dmar_value **vals)
{
	dmar_report *r = c->report;
	const dmar_device **same = arena_calloc(c->a, r->n_sets, sizeof(*same));
	if (same == NULL)
		return;
	const dmar_control_set *first = &r->sets[0];
	for (size_t i = 0; i < first->n_devices; i++) {
		same[0] = &first->devices[i];
		for (size_t s = 1; s < r->n_sets; s++)
			same[s] = dmar_find_device(&r->sets[s], same[0]->instance_id);
		for (size_t s = 0; s < r->n_sets; s++)
			vals[s] = same[s] ? &same[s]->dma.remapping_supported : NULL;
		drift_check(c, vals, same[0]->instance_id,
		            "DMA Management\\RemappingSupported", device_label(c, same[0]));
		for (size_t s = 0; s < r->n_sets; s++)
			vals[s] = same[s] ? &same[s]->dma.remapping_flags : NULL;
		drift_check(c, vals, same[0]->instance_id,
		            "DMA Management\\RemappingFlags", device_label(c, same[0]));
	}
}

/* An absent DmaRemappingCompatible of 'name' in set s, for evidence. */
static const dmar_value *absent_compatible(rule_ctx *c, const dmar_control_set *s,
                                           const char *name)
{
	dmar_value *v = arena_alloc(c->a, sizeof(*v));
	if (v != NULL)
		v->path = arena_printf(c->a, "%s\\Services\\%s\\Parameters\\"
		                       "DmaRemappingCompatible", s->name, name);
	return v;
}

/* Every driver any set knows, compared once: a driver that has a value in
 * one set only is "absent" in the others. */
static void drift_drivers(rule_ctx *c, const dmar_value **vals)
{
	dmar_report *r = c->report;
	for (size_t s = 0; s < r->n_sets; s++) {
		for (size_t i = 0; i < r->sets[s].n_drivers; i++) {
			const dmar_driver *drv = &r->sets[s].drivers[i];
			int seen_before = 0;
			for (size_t t = 0; t < s && !seen_before; t++)
				seen_before = dmar_find_driver(&r->sets[t], drv->name) != NULL;
			if (seen_before)
				continue;
			for (size_t t = 0; t < r->n_sets; t++) {
				const dmar_driver *other = dmar_find_driver(&r->sets[t],
				                                            drv->name);
				vals[t] = other ? &other->compatible
				                : absent_compatible(c, &r->sets[t], drv->name);
			}
			drift_check(c, vals, NULL, "DmaRemappingCompatible",
			            arena_printf(c->a, "driver %s", drv->name));
		}
	}
}

static void rule_controlset_drift(rule_ctx *c)
{
	dmar_report *r = c->report;
	if (!c->hive_wide || r->n_sets < 2)
		return;
	const dmar_value **vals = arena_calloc(c->a, r->n_sets, sizeof(*vals));
	if (vals == NULL)
		return;
	drift_devices(c, vals);
	drift_drivers(c, vals);
}

/* ---- The table ---------------------------------------------------------------------- */

static const rule RULES[] = {
	{ { "DMAR-OPTOUT-EXTERNAL", DMAR_SEV_HIGH,
	    "predicted policy is 1 (opt-out) and exposure is external or likely "
	    "external", 1 }, rule_optout_external },
	{ { "DMAR-FILTER-OPTOUT", DMAR_SEV_HIGH,
	    "the opt-out comes from a filter driver, not the function driver", 1 },
	  rule_filter_optout },
	{ { "DMAR-ATTACK-HARDWARE", DMAR_SEV_HIGH,
	    "hardware id matches the known DMA attack identities (data file)", 1 },
	  rule_attack_hardware },
	{ { "DMAR-TAMPERED", DMAR_SEV_HIGH,
	    "a live per-device or per-driver value differs from what the installed "
	    "driver package declares", 1 }, rule_tampered },
	{ { "DMAR-WEAK-ACL", DMAR_SEV_HIGH,
	    "a non-administrative principal may write a key that holds a policy "
	    "value", 1 }, rule_weak_acl },
	{ { "DMAR-OPTOUT", DMAR_SEV_MEDIUM,
	    "predicted policy is 1 on an internal or unknown device", 1 },
	  rule_optout },
	{ { "DMAR-UNPROTECTED-EXTERNAL", DMAR_SEV_MEDIUM,
	    "external device whose predicted policy is 0", 1 },
	  rule_unprotected_external },
	{ { "DMAR-INVALID-VALUE", DMAR_SEV_MEDIUM,
	    "a policy value has the wrong type, size or an undefined number, so "
	    "Windows ignores it", 1 }, rule_invalid_value },
	{ { "DMAR-ALLOWED-BUSES", DMAR_SEV_MEDIUM,
	    "Control\\DmaSecurity\\AllowedBuses lists entries", 1 },
	  rule_allowed_buses },
	{ { "DMAR-ENUMERATION-ALLOW-ALL", DMAR_SEV_MEDIUM,
	    "DeviceEnumerationPolicy = 2 (high when an external device is not at "
	    "policy 2)", 1 }, rule_enumeration_allow_all },
	{ { "DMAR-DEVICE-OVERRIDES-DRIVER", DMAR_SEV_LOW,
	    "24H2 per-device value present and disagrees with the per-driver "
	    "values it overrides", 1 }, rule_device_overrides_driver },
	{ { "DMAR-CONTROLSET-DRIFT", DMAR_SEV_LOW,
	    "the same device or driver has different policy values in different "
	    "control sets (--control-set all)", 1 }, rule_controlset_drift },
	{ { "DMAR-POLICY-MISMATCH", DMAR_SEV_LOW,
	    "the DmaRemappingPolicy Windows persisted for a device matches no "
	    "prediction", 1 }, rule_policy_mismatch },
	{ { "DMAR-GRAPHICS-OPTIN", DMAR_SEV_INFO,
	    "a display adapter opts in (Microsoft: not supported for graphics "
	    "drivers)", 1 }, rule_graphics_optin },
	{ { "DMAR-CONDITIONAL", DMAR_SEV_INFO,
	    "the outcome depends on exposure or DMA verification", 1 },
	  rule_conditional },
	{ { "DMAR-DMA-VERIFIER", DMAR_SEV_INFO,
	    "Driver Verifier DMA checking is configured", 1 }, rule_dma_verifier },
	{ { "HIVE-DIRTY", DMAR_SEV_MEDIUM,
	    "the hive is dirty and no usable transaction log was found: results "
	    "may be stale", 1 }, rule_hive_dirty },
	{ { "HIVE-RECOVERED", DMAR_SEV_INFO,
	    "transaction logs were replayed (how many pages, which sequence "
	    "numbers)", 1 }, rule_hive_recovered },
	{ { "HIVE-LOG-DAMAGED", DMAR_SEV_MEDIUM,
	    "a transaction log beside the hive is damaged, truncated, out of "
	    "sequence or from another hive: skipped or replayed only in part", 1 },
	  rule_log_damaged },
	{ { "HIVE-LIMIT", DMAR_SEV_LOW,
	    "a bound on the work one hive may cause was reached (keys, values, "
	    "devices, services, ancestors, package configurations): the report "
	    "is incomplete", 1 }, rule_hive_limit },
};

static const size_t N_RULES = sizeof(RULES) / sizeof(RULES[0]);

const dmar_rule_info *dmar_rule_catalogue(size_t *count)
{
	static dmar_rule_info infos[sizeof(RULES) / sizeof(RULES[0])];
	static int ready;
	if (!ready) {
		for (size_t i = 0; i < N_RULES; i++)
			infos[i] = RULES[i].info;
		ready = 1;
	}
	if (count != NULL)
		*count = N_RULES;
	return infos;
}

/* Highest severity first.  Rules run in catalogue order, so a stable pass
 * by severity leaves each severity in catalogue order, then raise order. */
static int sort_findings(dmar_arena *a, dmar_finding *items, size_t n)
{
	if (n < 2)
		return 0;
	dmar_finding *sorted = arena_calloc(a, n + 1, sizeof(*sorted));
	if (sorted == NULL)
		return -1;
	size_t o = 0;
	for (int sev = DMAR_SEV_HIGH; sev >= DMAR_SEV_INFO; sev--)
		for (size_t i = 0; i < n; i++)
			if ((int)items[i].severity == sev)
				sorted[o++] = items[i];
	memcpy(items, sorted, n * sizeof(*items));
	return 0;
}

int rules_run(dmar_report *report)
{
	for (size_t s = 0; s < report->n_sets; s++) {
		rule_ctx c;
		memset(&c, 0, sizeof(c));
		c.report = report;
		c.set = &report->sets[s];
		c.hive_wide = s == 0;
		c.gens = dmar_report_generations(report);
		c.a = report->arena;
		arena_vec_init(&c.findings, sizeof(dmar_finding));
		for (size_t i = 0; i < N_RULES; i++)
			if (RULES[i].run != NULL)
				RULES[i].run(&c);
		if (arena_failed(c.a))
			return -1;
		c.set->findings = c.findings.items;
		c.set->n_findings = c.findings.count;
		if (sort_findings(c.a, c.set->findings, c.set->n_findings) != 0)
			return -1;
	}
	return 0;
}
