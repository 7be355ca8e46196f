/*
 * out_timeline.c - --format timeline: one JSON object per line and per
 * dated event, for Timesketch and other super-timeline tools.
 *
 * Each line has the fields Timesketch wants (datetime in UTC with Z,
 * timestamp in microseconds since 1970, timestamp_desc, message) and what
 * ties it to the evidence: the hive and its sha256, the control set, the
 * registry key, the device or driver, and the rules raised about it.
 * Events are the last-written times of the keys that hold policy values
 * and of the device keys, and the device install / first install / last
 * arrival / last removal times; sorted by time within each hive.
 */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findidx.h"
#include "grow.h"
#include "jsonsafe.h"
#include "output.h"

#define FILETIME_1970 116444736000000000ull   /* 100 ns ticks 1601 -> 1970 */

typedef struct event {
	uint64_t when;             /* FILETIME */
	size_t order;              /* insertion order, for a stable sort */
	const char *desc;          /* timestamp_desc */
	char *message;
	const char *control_set;
	const char *key;
	const char *instance_id;
	const char *driver;
} event;

typedef struct timeline {
	event *items;
	size_t n, cap;
	int failed;                /* out of memory */
} timeline;

static void add(timeline *t, uint64_t when, const char *desc, const char *set,
                const char *key, const char *instance_id, const char *driver,
                const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void add(timeline *t, uint64_t when, const char *desc, const char *set,
                const char *key, const char *instance_id, const char *driver,
                const char *fmt, ...)
{
	if (when <= FILETIME_1970 || t->failed)
		return;   /* unknown (0) or implausibly old */
	event *more = grow_for_one(t->items, t->n, &t->cap, sizeof(*more), 256);
	if (more == NULL) {
		t->failed = 1;
		return;
	}
	t->items = more;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	size_t order = t->n;
	t->items[t->n++] = (event){ when, order, desc, msg, set, key, instance_id,
	                            driver };
}

static int by_time(const void *a, const void *b)
{
	const event *x = a, *y = b;
	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const char *label(const dmar_device *d)
{
	return d->description ? d->description : d->instance_id;
}

static void device_events(timeline *t, const dmar_control_set *s,
                          const dmar_device *d)
{
	const char *cs = s->name;
	add(t, d->last_written, "Registry Key Last Written", cs, d->key_path,
	    d->instance_id, NULL, "PCI device key written: %s (%s)", label(d),
	    d->instance_id);
	if (d->dma.present)
		add(t, d->dma.last_written, "Registry Key Last Written", cs,
		    d->dma.key_path, d->instance_id, NULL,
		    "DMA Management of %s written: RemappingSupported = %s%s%s", label(d),
		    d->dma.remapping_supported.display ? d->dma.remapping_supported.display
		                                       : "absent",
		    d->dma.remapping_flags.present ? ", RemappingFlags = " : "",
		    d->dma.remapping_flags.present && d->dma.remapping_flags.display
		        ? d->dma.remapping_flags.display : "");
	add(t, d->properties.install_date, "Device Install", cs, d->key_path,
	    d->instance_id, NULL, "%s installed", label(d));
	add(t, d->first_install, "Device First Install", cs, d->key_path,
	    d->instance_id, NULL, "%s first installed", label(d));
	add(t, d->last_arrival, "Device Last Arrival", cs, d->key_path,
	    d->instance_id, NULL, "%s last arrived", label(d));
	add(t, d->last_removal, "Device Last Removal", cs, d->key_path,
	    d->instance_id, NULL, "%s last removed", label(d));
}

static void driver_events(timeline *t, const dmar_control_set *s,
                          const dmar_driver *dr)
{
	if (!dr->compatible.present)
		return;
	add(t, dr->parameters_last_written, "Registry Key Last Written", s->name,
	    dr->parameters_path, NULL, dr->name,
	    "Services\\%s\\Parameters written: DmaRemappingCompatible = %s", dr->name,
	    dr->compatible.display ? dr->compatible.display : "?");
}

static void hive_events(timeline *t, const dmar_report *r)
{
	add(t, r->hive.last_written, "Hive Last Written", NULL, NULL, NULL, NULL,
	    "SYSTEM hive last written (sequence numbers %u and %u)%s",
	    r->hive.seq_primary, r->hive.seq_secondary,
	    r->hive.dirty ? ", dirty" : "");
	const dmar_software *sw = &r->software;
	if (sw->enumeration_gp.present)
		add(t, sw->enumeration_gp_written, "Registry Key Last Written", NULL,
		    sw->enumeration_gp.path, NULL, NULL,
		    "Group Policy DeviceEnumerationPolicy written: %s",
		    sw->enumeration_gp.display ? sw->enumeration_gp.display : "?");
	if (sw->enumeration_mdm.present)
		add(t, sw->enumeration_mdm_written, "Registry Key Last Written", NULL,
		    sw->enumeration_mdm.path, NULL, NULL,
		    "MDM DeviceEnumerationPolicy written: %s",
		    sw->enumeration_mdm.display ? sw->enumeration_mdm.display : "?");
	for (size_t i = 0; i < r->n_attack; i++) {
		const dmar_attack_match *m = &r->attack[i];
		const char *what = m->description ? m->description : m->instance_id;
		add(t, m->last_written, "Registry Key Last Written", NULL, m->key_path,
		    m->instance_id, NULL, "DMA attack hardware key written: %s (%s)",
		    what, m->identity);
		add(t, m->first_install, "Device First Install", NULL, m->key_path,
		    m->instance_id, NULL, "DMA attack hardware first installed: %s", what);
		add(t, m->last_arrival, "Device Last Arrival", NULL, m->key_path,
		    m->instance_id, NULL, "DMA attack hardware last arrived: %s", what);
		add(t, m->last_removal, "Device Last Removal", NULL, m->key_path,
		    m->instance_id, NULL, "DMA attack hardware last removed: %s", what);
	}
	for (size_t k = 0; k < r->n_sets; k++) {
		const dmar_control_set *s = &r->sets[k];
		for (size_t i = 0; i < s->n_devices; i++)
			device_events(t, s, &s->devices[i]);
		for (size_t i = 0; i < s->n_drivers; i++)
			driver_events(t, s, &s->drivers[i]);
		if (s->allowed_buses_path != NULL)
			add(t, s->allowed_buses_written, "Registry Key Last Written", s->name,
			    s->allowed_buses_path, NULL, NULL,
			    "Control\\DmaSecurity\\AllowedBuses written: %zu entr%s",
			    s->n_allowed_buses, s->n_allowed_buses == 1 ? "y" : "ies");
	}
}

/* Add a rule to the array once. */
static void add_rule(json_t *a, const char *rule)
{
	for (size_t j = 0; j < json_array_size(a); j++)
		if (strcmp(json_string_value(json_array_get(a, j)), rule) == 0)
			return;
	json_array_append_new(a, json_string(rule));
}

/* The rules raised about this device or driver in the event's set: a
 * device's through the index, a driver's from the findings whose evidence
 * names the key (drivers are few). */
static json_t *rules_for(const dmar_report *r, const finding_index *ix,
                         const event *e)
{
	json_t *a = json_array();
	for (size_t k = 0; k < r->n_sets; k++) {
		const dmar_control_set *s = &r->sets[k];
		if (e->control_set != NULL && strcmp(s->name, e->control_set) != 0)
			continue;
		if (e->instance_id != NULL) {
			size_t first, n = finding_index_find(&ix[k], e->instance_id, &first);
			for (size_t i = first; i < first + n; i++)
				add_rule(a, ix[k].items[i]->rule);
		}
		for (size_t i = 0; e->driver && e->key && i < s->n_findings; i++) {
			const dmar_finding *f = &s->findings[i];
			for (size_t j = 0; j < f->n_evidence; j++)
				if (strstr(f->evidence[j], e->key) != NULL) {
					add_rule(a, f->rule);
					break;
				}
		}
	}
	return a;
}

static json_t *opt(const char *s)
{
	return jsonsafe_string(s);
}

static void timeline_hive(output *o, const dmar_report *r,
                          const input_origin *origin)
{
	(void)origin;   /* "hive" holds its location */
	timeline t = { NULL, 0, 0, 0 };
	hive_events(&t, r);
	if (t.n > 1)
		qsort(t.items, t.n, sizeof(*t.items), by_time);
	finding_index *ix = calloc(r->n_sets + 1, sizeof(*ix));
	for (size_t k = 0; ix != NULL && k < r->n_sets; k++)
		finding_index_build(&ix[k], &r->sets[k], DMAR_SEV_INFO);
	if (ix == NULL)
		t.n = 0;   /* out of memory: no lines rather than wrong ones */
	for (size_t i = 0; i < t.n; i++) {
		const event *e = &t.items[i];
		char when[32];
		if (dmar_filetime_iso(e->when, when, sizeof(when)) == NULL)
			continue;
		json_t *line = json_pack(
			"{s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
			"datetime", when,
			"timestamp", (json_int_t)((e->when - FILETIME_1970) / 10),
			"timestamp_desc", e->desc,
			"message", opt(e->message),
			"hive", opt(r->hive.path), "hive_sha256", opt(r->hive.sha256),
			"control_set", opt(e->control_set), "key", opt(e->key),
			"instance_id", opt(e->instance_id), "driver", opt(e->driver),
			"rules", rules_for(r, ix, e), "data_type", "dmarscan:event");
		if (line != NULL && jsonsafe_dump(line, o->out, 0) == 0)
			fputc('\n', o->out);
		json_decref(line);
	}
	for (size_t k = 0; ix != NULL && k < r->n_sets; k++)
		finding_index_free(&ix[k]);
	free(ix);
	for (size_t i = 0; i < t.n; i++)
		free(t.items[i].message);
	free(t.items);
}

static void timeline_begin(output *o)
{
	(void)o;
}

static void timeline_failed(output *o, const char *path,
                            const input_origin *origin, const char *message)
{
	(void)o;   /* named on standard error by main.c; no event to give */
	(void)path;
	(void)origin;
	(void)message;
}

static int timeline_end(output *o)
{
	(void)o;
	return 0;
}

const output_ops output_timeline_ops = { timeline_begin, timeline_hive,
                                         timeline_failed, timeline_end };
