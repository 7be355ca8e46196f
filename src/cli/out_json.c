/*
 * out_json.c - the JSON report, schema "dmarscan/1" (stable contract).
 *
 * One document per run: {"schema", "tool", "hives": [...]}.  Each element of
 * "hives" is one hive seen through one control set (with --control-set all
 * a hive gives one element per set, the current one first).  Hives are
 * written as they are analysed; jansson builds one hive at a time.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonsafe.h"
#include "output.h"
#include "text.h"

typedef struct json_state {
	int count;          /* hive elements written */
} json_state;

/* Strings from the library are valid UTF-8; paths from the command line
 * may not be, so everything is checked and repaired on the way in. */
static json_t *jstr(const char *s)
{
	return jsonsafe_string(s);
}

static json_t *jstr_or_null(const char *s)
{
	return (s == NULL || s[0] == '\0') ? json_null() : jstr(s);
}

static json_t *jtime(uint64_t filetime)
{
	char buf[32];
	const char *iso = dmar_filetime_iso(filetime, buf, sizeof(buf));
	return iso ? json_string(iso) : json_null();
}

/* The number the kernel uses, null when absent or ignored: the contract's
 * 0|1|null and 0..3|null fields.  The raw number is in "..._value". */
static json_t *jused_or_null(const dmar_value *v)
{
	return v->valid ? json_integer(v->dword) : json_null();
}

static json_t *jdword_or_null(const dmar_value *v)
{
	return v->is_dword ? json_integer(v->dword) : json_null();
}

static json_t *jgens(unsigned mask)
{
	json_t *a = json_array();
	for (int g = 0; g < DMAR_GEN_COUNT; g++)
		if (mask & DMAR_GEN_BIT(g))
			json_array_append_new(a, json_string(dmar_generation_name((dmar_generation)g)));
	return a;
}

static json_t *jstrings(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, jstr(items[i]));
	return a;
}

/* A policy value in full, for evidence: type, size, data, validity. */
static json_t *jvalue(const dmar_value *v)
{
	if (!v->present)
		return json_null();
	const char *type = dmar_reg_type_name(v->type);
	return json_pack("{s:o, s:o, s:I, s:o, s:b, s:o}",
	                 "path", jstr(v->path),
	                 "type", type ? json_string(type) : json_integer(v->type),
	                 "size", (json_int_t)v->size,
	                 "data", jstr(v->display),
	                 "valid", v->valid,
	                 "number", jdword_or_null(v));
}

static json_t *jdma_management(const dmar_dma_management *m)
{
	if (!m->present)
		return json_null();
	int valid = !DMAR_VALUE_IGNORED(&m->remapping_supported) &&
	            !DMAR_VALUE_IGNORED(&m->remapping_flags);
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:o, s:o}",
	                 "remapping_supported", jused_or_null(&m->remapping_supported),
	                 "remapping_flags", jused_or_null(&m->remapping_flags),
	                 "valid", valid,
	                 "last_written", jtime(m->last_written),
	                 "key_path", jstr(m->key_path),
	                 "remapping_supported_value", jvalue(&m->remapping_supported),
	                 "remapping_flags_value", jvalue(&m->remapping_flags));
}

static json_t *jstack_entry(const dmar_stack_entry *e)
{
	const dmar_driver *d = e->driver;
	return json_pack("{s:o, s:s, s:o, s:b, s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o}",
	                 "name", jstr(d->name),
	                 "role", dmar_role_name(e->role),
	                 "dma_remapping_compatible", jused_or_null(&d->compatible),
	                 "valid", !DMAR_VALUE_IGNORED(&d->compatible),
	                 "level", dmar_level_name(d->level),
	                 "verified", d->verified,
	                 "service_key", d->service_present,
	                 "source", jstr(e->source),
	                 "parameters_last_written", jtime(d->parameters_last_written),
	                 "value", jvalue(&d->compatible),
	                 "selfhost", jvalue(&d->compatible_selfhost),
	                 "on_hiber_path", jvalue(&d->on_hiber_path));
}

static json_t *jprediction(const dmar_device *d)
{
	const dmar_prediction *pre = &d->prediction[DMAR_GEN_PRE_24H2];
	const dmar_prediction *now = &d->prediction[DMAR_GEN_24H2];
	return json_pack("{s:i, s:i, s:{s:i, s:i}, s:{s:i, s:i}, s:{s:s, s:s}}",
	                 "pre_24h2", pre->policy, "24h2", now->policy,
	                 "if_internal", "pre_24h2", pre->if_internal,
	                 "24h2", now->if_internal,
	                 "if_external", "pre_24h2", pre->if_external,
	                 "24h2", now->if_external,
	                 "decided_by", "pre_24h2", "drivers",
	                 "24h2", now->decided_by_device ? "device" : "drivers");
}

static json_t *jexposure(const dmar_device *d)
{
	const dmar_exposure *x = &d->exposure;
	const char *assumed = x->assumed == DMAR_ASSUME_EXTERNAL ? "external"
	                    : x->assumed == DMAR_ASSUME_INTERNAL ? "internal" : NULL;
	return json_pack("{s:s, s:o, s:o}",
	                 "verdict", dmar_exposure_name(x->verdict),
	                 "evidence", jstrings(x->evidence, x->n_evidence),
	                 "assumed", assumed ? json_string(assumed) : json_null());
}

static json_t *jproperties(const dmar_device *d)
{
	const dmar_device_properties *p = &d->properties;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "last_known_parent", jstr(p->last_known_parent),
	                 "pci_device_type", p->has_pci_device_type
	                     ? json_integer(p->pci_device_type) : json_null(),
	                 "is_tunneled", p->is_tunneled < 0 ? json_null()
	                     : json_boolean(p->is_tunneled),
	                 "usb4_host_router", jstr(p->usb4_host_router),
	                 "usb_dvsec_port_type", p->has_usb_dvsec_port_type
	                     ? json_integer(p->usb_dvsec_port_type) : json_null(),
	                 "location_paths", jstrings(p->location_paths,
	                                            p->n_location_paths),
	                 "bios_device_name", jstr(p->bios_device_name),
	                 "persisted_dma_remapping_policy", p->has_persisted_policy
	                     ? json_integer(p->persisted_policy) : json_null());
}

static json_t *jdeclared(const dmar_declared_value *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"package", jstr(v[i].package), "inf", jstr(v[i].inf),
			"configuration", jstr(v[i].configuration),
			"service", jstr(v[i].service), "name", jstr(v[i].name),
			"number", jused_or_null(&v[i].value),
			"value", jvalue(&v[i].value),
			"key_last_written", jtime(v[i].last_written)));
	return a;
}

/* The device's driver package chain and what its configuration declares;
 * null when the hive has no DriverDatabase (Windows before 10). */
static json_t *jpackage(const dmar_package_chain *c)
{
	if (!c->checked)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "driver_key_path", jstr(c->driver_key_path),
	                 "inf", jstr(c->inf), "section", jstr(c->section),
	                 "provider", jstr(c->provider), "version", jstr(c->version),
	                 "package", jstr(c->package),
	                 "configuration_path", jstr(c->configuration_path),
	                 "problem", jstr(c->problem),
	                 "declared", jdeclared(c->declared, c->n_declared));
}

static json_t *jdevice(const dmar_device *d)
{
	json_t *drivers = json_array();
	for (size_t i = 0; i < d->n_stack; i++)
		json_array_append_new(drivers, jstack_entry(&d->stack[i]));
	json_t *o = json_object();
	json_object_set_new(o, "instance_id", jstr(d->instance_id));
	json_object_set_new(o, "vendor_id", jstr_or_null(d->vendor_id));
	json_object_set_new(o, "device_id", jstr_or_null(d->device_id));
	json_object_set_new(o, "subsystem_id", jstr_or_null(d->subsystem_id));
	json_object_set_new(o, "subsystem_vendor_id", jstr_or_null(d->subsystem_vendor_id));
	json_object_set_new(o, "revision", jstr_or_null(d->revision));
	json_object_set_new(o, "class_code", jstr_or_null(d->class_code));
	json_object_set_new(o, "description", jstr(d->description));
	json_object_set_new(o, "service", jstr(d->service));
	json_object_set_new(o, "class_guid", jstr(d->class_guid));
	json_object_set_new(o, "class_name", jstr(d->class_name));
	json_object_set_new(o, "driver_key", jstr(d->driver_key));
	json_object_set_new(o, "location", jstr(d->location));
	json_object_set_new(o, "container_id", jstr(d->container_id));
	json_object_set_new(o, "capabilities", d->has_capabilities
	                    ? json_integer(d->capabilities) : json_null());
	json_object_set_new(o, "is_display", json_boolean(d->is_display));
	json_object_set_new(o, "key_path", jstr(d->key_path));
	json_object_set_new(o, "last_written", jtime(d->last_written));
	json_object_set_new(o, "dma_management", jdma_management(&d->dma));
	json_object_set_new(o, "drivers", drivers);
	json_object_set_new(o, "dma_verification", json_boolean(d->verified));
	json_object_set_new(o, "dma_remapping_policy", jprediction(d));
	json_object_set_new(o, "exposure", jexposure(d));
	json_object_set_new(o, "parent", jstr(d->parent));
	json_object_set_new(o, "parent_source", jstr(d->parent_source));
	json_object_set_new(o, "parent_problem",
	                    jstr(d->node ? d->node->parent_problem : NULL));
	json_object_set_new(o, "depth", json_integer(d->node ? d->node->depth : 0));
	json_object_set_new(o, "timestamps",
	                    json_pack("{s:o, s:o, s:o, s:o}",
	                              "install", jtime(d->properties.install_date),
	                              "first_install", jtime(d->first_install),
	                              "last_arrival", jtime(d->last_arrival),
	                              "last_removal", jtime(d->last_removal)));
	json_object_set_new(o, "properties", jproperties(d));
	json_object_set_new(o, "package", jpackage(&d->package));
	return o;
}

static json_t *jdriver(const dmar_driver *d)
{
	return json_pack("{s:o, s:b, s:o, s:o, s:s, s:b, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
	                 "name", jstr(d->name),
	                 "service_key", d->service_present,
	                 "dma_remapping_compatible", jused_or_null(&d->compatible),
	                 "valid", json_boolean(!DMAR_VALUE_IGNORED(&d->compatible)),
	                 "level", dmar_level_name(d->level),
	                 "verified", d->verified,
	                 "image", jstr(d->image_name),
	                 "pci_devices", (json_int_t)d->n_devices,
	                 "parameters_last_written", jtime(d->parameters_last_written),
	                 "value", jvalue(&d->compatible),
	                 "selfhost", jvalue(&d->compatible_selfhost),
	                 "on_hiber_path", jvalue(&d->on_hiber_path),
	                 "declared", jdeclared(d->declared, d->n_declared));
}

static json_t *jfinding(const dmar_finding *f)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
	                 "rule", f->rule,
	                 "severity", dmar_severity_name(f->severity),
	                 "instance_id", jstr(f->instance_id),
	                 "message", jstr(f->message),
	                 "evidence", jstrings(f->evidence, f->n_evidence),
	                 "generations", jgens(f->generations));
}

/* The tree's nodes outside Enum\PCI (ACPI root bridges, ROOT, HTREE). */
static json_t *jancestors(const dmar_control_set *set)
{
	json_t *a = json_array();
	for (size_t i = 0; set != NULL && i < set->n_nodes; i++) {
		const dmar_node *n = &set->nodes[i];
		if (n->device != NULL)
			continue;
		json_array_append_new(a, json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:{s:s, s:o}, s:i}",
			"instance_id", jstr(n->instance_id),
			"description", jstr(n->description),
			"parent", jstr(n->parent_id),
			"parent_source", jstr(n->parent_source),
			"parent_problem", jstr(n->parent_problem),
			"container_id", jstr(n->container_id),
			"exposure", "verdict", dmar_exposure_name(n->verdict),
			"evidence", jstrings(n->evidence, n->n_evidence),
			"depth", n->depth));
	}
	return a;
}

static const char *rules_name(dmar_rules r)
{
	switch (r) {
	case DMAR_RULES_PRE_24H2: return "pre-24h2";
	case DMAR_RULES_24H2: return "24h2";
	default: return "both";
	}
}

/* Where in a disk image the hive was read; null for a hive file. */
static json_t *jimage(const input_origin *origin)
{
	if (origin == NULL)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:b}",
	                 "file", jstr(origin->image),
	                 "format", jstr_or_null(origin->format),
	                 "volume_system", jstr_or_null(origin->volume_system),
	                 "volume", jstr_or_null(origin->volume),
	                 "offset", (json_int_t)origin->offset,
	                 "file_system", jstr_or_null(origin->file_system),
	                 "path", jstr(origin->path),
	                 "backup", origin->backup);
}

/* The fields every hive element has, for an input that may have failed. */
static json_t *jhive_head(const char *path, const input_origin *origin,
                          const dmar_hive_info *h)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", jstr(path));
	json_object_set_new(o, "image", jimage(origin));
	json_object_set_new(o, "sha256", h ? jstr(h->sha256) : json_null());
	json_object_set_new(o, "size", h ? json_integer((json_int_t)h->size)
	                                 : json_null());
	json_object_set_new(o, "dirty", h ? json_boolean(h->dirty) : json_null());
	json_object_set_new(o, "sequence", h
	                    ? json_pack("{s:I, s:I}",
	                                "primary", (json_int_t)h->seq_primary,
	                                "secondary", (json_int_t)h->seq_secondary)
	                    : json_null());
	json_t *applied = json_array(), *logs = json_array();
	for (size_t i = 0; h != NULL && i < h->n_logs; i++) {
		const dmar_log_info *l = &h->logs[i];
		if (l->applied)
			json_array_append_new(applied, jstr(l->path));
		json_array_append_new(logs, json_pack(
			"{s:o, s:o, s:I, s:s, s:i, s:o, s:o, s:i, s:i, s:b, s:o, s:b}",
			"path", jstr(l->path),
			"sha256", l->sha256[0] ? json_string(l->sha256) : json_null(),
			"size", (json_int_t)l->size, "format", l->format,
			"entries", (int)l->entries,
			"first_seq", l->entries ? json_integer(l->first_seq) : json_null(),
			"last_seq", l->entries ? json_integer(l->last_seq) : json_null(),
			"entries_applied", (int)l->entries_applied,
			"pages_applied", (int)l->pages_applied,
			"applied", l->applied, "problem", jstr(l->problem),
			"damaged", l->damaged));
	}
	json_object_set_new(o, "logs_applied", applied);
	json_object_set_new(o, "recovered_pages",
	                    json_integer(h ? h->recovered_pages : 0));
	json_object_set_new(o, "recovered", json_boolean(h && h->recovered));
	json_object_set_new(o, "recovered_sequence", h && h->recovered
	                    ? json_pack("{s:I, s:I}",
	                                "first", (json_int_t)h->recovered_first_seq,
	                                "last", (json_int_t)h->recovered_last_seq)
	                    : json_null());
	json_object_set_new(o, "recovered_base_block",
	                    json_boolean(h && h->recovered_base_block));
	json_object_set_new(o, "recovered_image", h && h->recovered
	                    ? json_pack("{s:s, s:I}", "sha256", h->recovered_sha256,
	                                "size", (json_int_t)h->recovered_size)
	                    : json_null());
	json_object_set_new(o, "logs", logs);
	return o;
}

static json_t *jrights(uint32_t rights)
{
	json_t *a = json_array();
	for (uint32_t bit = 1; bit != 0; bit <<= 1)
		if ((rights & bit) && dmar_right_name(bit) != NULL)
			json_array_append_new(a, json_string(dmar_right_name(bit)));
	return a;
}

static json_t *jacl(const dmar_key_acl *k)
{
	json_t *writers = json_array();
	for (size_t w = 0; w < k->n_writers; w++)
		json_array_append_new(writers, json_pack(
			"{s:o, s:o, s:o, s:b, s:b}", "sid", jstr(k->writers[w].sid),
			"name", jstr(k->writers[w].name),
			"rights", jrights(k->writers[w].rights),
			"administrative", k->writers[w].administrative,
			"service", k->writers[w].service));
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:b, s:o, s:b, s:o}",
	                 "key", jstr(k->path), "guards", jstr(k->guards),
	                 "holds_value", k->holds_value, "owner", jstr(k->owner_sid),
	                 "owner_name", jstr(k->owner_name), "no_dacl", k->no_dacl,
	                 "writers", writers, "weak", k->weak, "problem",
	                 jstr(k->problem));
}

static json_t *jsoftware(const dmar_software *sw)
{
	if (!sw->present)
		return json_null();
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o}",
	                 "path", jstr(sw->path), "sha256", jstr(sw->sha256),
	                 "recovered", sw->recovered,
	                 "current_build", jstr(sw->current_build),
	                 "ubr", sw->has_ubr ? json_integer(sw->ubr) : json_null(),
	                 "display_version", jstr(sw->display_version),
	                 "product_name", jstr(sw->product_name),
	                 "device_enumeration_policy",
	                 "group_policy", jused_or_null(&sw->enumeration_gp),
	                 "group_policy_value", jvalue(&sw->enumeration_gp),
	                 "mdm", jused_or_null(&sw->enumeration_mdm),
	                 "mdm_value", jvalue(&sw->enumeration_mdm),
	                 "error", jstr(sw->error));
}

static json_t *jallowed_buses(const dmar_control_set *set)
{
	if (set == NULL || set->allowed_buses_path == NULL)
		return json_null();
	json_t *entries = json_array();
	for (size_t i = 0; i < set->n_allowed_buses; i++)
		json_array_append_new(entries, json_pack(
			"{s:o, s:o}", "name", jstr(set->allowed_buses[i].name),
			"value", jstr(set->allowed_buses[i].value)));
	return json_pack("{s:o, s:o, s:o}", "key", jstr(set->allowed_buses_path),
	                 "last_written", jtime(set->allowed_buses_written),
	                 "entries", entries);
}

/* A hive element written member by member: the long lists (devices,
 * drivers, key security, findings) one element at a time, so memory does
 * not grow with them. */
typedef struct writer {
	output *o;
	int members;               /* written so far in this element */
	int items;                 /* ... in the open list */
} writer;

static void w_begin(writer *w)
{
	json_state *st = w->o->state;
	fputs(st->count++ ? ",\n{" : "\n{", w->o->out);
	w->members = 0;
}

static void w_name(writer *w, const char *name)
{
	fprintf(w->o->out, "%s\n  \"%s\": ", w->members++ ? "," : "", name);
}

/* One member; takes the reference to v. */
static void w_member(writer *w, const char *name, json_t *v)
{
	w_name(w, name);
	jsonsafe_dump_at(v, w->o->out, JSON_INDENT(2) | JSON_ENCODE_ANY, 2);
	json_decref(v);
}

/* Every member of obj, in order; takes the reference. */
static void w_members(writer *w, json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		w_name(w, key);
		jsonsafe_dump_at(v, w->o->out, JSON_INDENT(2) | JSON_ENCODE_ANY, 2);
	}
	json_decref(obj);
}

static void w_list(writer *w, const char *name)
{
	w_name(w, name);
	fputc('[', w->o->out);
	w->items = 0;
}

/* One element of the open list; takes the reference. */
static void w_item(writer *w, json_t *v)
{
	fputs(w->items++ ? ",\n    " : "\n    ", w->o->out);
	jsonsafe_dump_at(v, w->o->out, JSON_INDENT(2), 4);
	json_decref(v);
}

static void w_list_end(writer *w)
{
	fputs(w->items ? "\n  ]" : "]", w->o->out);
}

static void w_end(writer *w)
{
	fputs("\n}", w->o->out);
}

static void write_set(output *o, const dmar_report *r, const input_origin *origin,
                      const dmar_control_set *set)
{
	writer w = { o, 0, 0 };
	w_begin(&w);
	w_members(&w, jhive_head(r->hive.path, origin, &r->hive));
	w_member(&w, "control_set", set ? jstr(set->name) : json_null());
	w_member(&w, "current", json_boolean(set && set->is_current));
	w_member(&w, "select_current", r->select_current
	         ? json_integer(r->select_current) : json_null());
	w_member(&w, "os_build", jstr(r->os_build));
	w_member(&w, "rules", json_string(rules_name(r->rules)));
	w_member(&w, "rules_reason", jstr(r->rules_reason));
	w_member(&w, "software", jsoftware(&r->software));
	w_member(&w, "driver_database", json_boolean(r->driver_database));
	w_list(&w, "devices");
	for (size_t i = 0; set != NULL && i < set->n_devices; i++)
		w_item(&w, jdevice(&set->devices[i]));
	w_list_end(&w);
	w_member(&w, "ancestors", jancestors(set));
	w_list(&w, "drivers");
	for (size_t i = 0; set != NULL && i < set->n_drivers; i++)
		w_item(&w, jdriver(&set->drivers[i]));
	w_list_end(&w);
	w_member(&w, "verifier", set == NULL ? json_null()
	         : json_pack("{s:o, s:o, s:b}",
	                     "verify_driver_level", jvalue(&set->verifier.level),
	                     "verify_drivers", jstr(set->verifier.drivers),
	                     "dma_checking", set->verifier.dma_checking));
	w_member(&w, "allowed_buses", jallowed_buses(set));
	w_list(&w, "acls");
	for (size_t i = 0; set != NULL && i < set->n_acls; i++)
		w_item(&w, jacl(&set->acls[i]));
	w_list_end(&w);
	w_list(&w, "findings");
	for (size_t i = 0; set != NULL && i < set->n_findings; i++)
		if (set->findings[i].severity >= o->opts->min_severity)
			w_item(&w, jfinding(&set->findings[i]));
	w_list_end(&w);
	w_member(&w, "warnings", jstrings(r->warnings, r->n_warnings));
	w_member(&w, "limits_reached", jstrings(r->limits, r->n_limits));
	w_member(&w, "error", jstr(r->error));
	w_end(&w);
}

static void json_begin(output *o)
{
	o->state = calloc(1, sizeof(json_state));
	json_t *tool = json_pack("{s:s, s:s}", "name", "dmarscan",
	                         "version", dmar_version());
	char *t = json_dumps(tool, JSON_COMPACT);
	fprintf(o->out, "{\"schema\": \"dmarscan/1\", \"tool\": %s, \"hives\": [",
	        t ? t : "null");
	free(t);
	json_decref(tool);
}

static void json_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	if (r->n_sets == 0)
		write_set(o, r, origin, NULL);
	for (size_t i = 0; i < r->n_sets; i++)
		write_set(o, r, origin, &r->sets[i]);
}

static void json_failed(output *o, const char *path, const input_origin *origin,
                        const char *message)
{
	json_t *e = jhive_head(path, origin, NULL);
	json_object_set_new(e, "control_set", json_null());
	json_object_set_new(e, "os_build", json_null());
	json_object_set_new(e, "rules", json_null());
	json_object_set_new(e, "devices", json_array());
	json_object_set_new(e, "findings", json_array());
	json_object_set_new(e, "warnings", json_array());
	json_object_set_new(e, "limits_reached", json_array());
	json_object_set_new(e, "error", jstr(message));
	writer w = { o, 0, 0 };
	w_begin(&w);
	w_members(&w, e);
	w_end(&w);
}

static int json_end(output *o)
{
	fputs("\n]}\n", o->out);
	free(o->state);
	o->state = NULL;
	return 0;
}

const output_ops output_json_ops = { json_begin, json_hive, json_failed, json_end };

/* ---- --format jsonl ------------------------------------------------------------- */

/* One JSON value per line for log pipelines: a "hive" line per hive and
 * control set, then a "device" line per device and a "finding" line per
 * finding, each carrying the hive path and sha256 and the control set.
 * Nothing is held back between hives. */

static void jsonl_line(output *o, json_t *line)
{
	if (line != NULL && jsonsafe_dump(line, o->out, JSON_COMPACT) == 0)
		fputc('\n', o->out);
	json_decref(line);
}

/* The members every line starts with; a hive line also says where in a
 * disk image the hive was read ('image', taken; NULL on other lines). */
static json_t *jsonl_base(const char *type, const dmar_report *r,
                          const dmar_control_set *set, json_t *image)
{
	json_t *o = json_pack("{s:s, s:o}", "type", type, "hive", jstr(r->hive.path));
	if (image != NULL)
		json_object_set_new(o, "image", image);
	json_object_set_new(o, "hive_sha256", jstr(r->hive.sha256));
	json_object_set_new(o, "control_set", set ? jstr(set->name) : json_null());
	return o;
}

/* base + every member of fields (which is consumed). */
static json_t *jsonl_with(json_t *base, json_t *fields)
{
	if (base != NULL && fields != NULL)
		json_object_update(base, fields);
	json_decref(fields);
	return base;
}

static void jsonl_set(output *o, const dmar_report *r, const input_origin *origin,
                      const dmar_control_set *set)
{
	size_t shown = 0;
	for (size_t i = 0; set != NULL && i < set->n_findings; i++)
		shown += set->findings[i].severity >= o->opts->min_severity;
	jsonl_line(o, jsonl_with(jsonl_base("hive", r, set, jimage(origin)), json_pack(
		"{s:I, s:b, s:b, s:o, s:s, s:I, s:I, s:o, s:o}",
		"size", (json_int_t)r->hive.size, "dirty", r->hive.dirty,
		"recovered", r->hive.recovered, "os_build", jstr(r->os_build),
		"rules", rules_name(r->rules),
		"devices", (json_int_t)(set ? set->n_devices : 0),
		"findings", (json_int_t)shown,
		"limits_reached", jstrings(r->limits, r->n_limits),
		"error", jstr(r->error))));
	for (size_t i = 0; set != NULL && i < set->n_devices; i++)
		jsonl_line(o, jsonl_with(jsonl_base("device", r, set, NULL),
		                         jdevice(&set->devices[i])));
	for (size_t i = 0; set != NULL && i < set->n_findings; i++)
		if (set->findings[i].severity >= o->opts->min_severity)
			jsonl_line(o, jsonl_with(jsonl_base("finding", r, set, NULL),
			                         jfinding(&set->findings[i])));
}

static void jsonl_begin(output *o)
{
	(void)o;
}

static void jsonl_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	if (r->n_sets == 0)
		jsonl_set(o, r, origin, NULL);
	for (size_t i = 0; i < r->n_sets; i++)
		jsonl_set(o, r, origin, &r->sets[i]);
}

static void jsonl_failed(output *o, const char *path, const input_origin *origin,
                         const char *message)
{
	jsonl_line(o, json_pack("{s:s, s:o, s:o, s:n, s:n, s:o}", "type", "hive",
	                        "hive", jstr(path), "image", jimage(origin),
	                        "hive_sha256", "control_set", "error", jstr(message)));
}

static int jsonl_end(output *o)
{
	return ferror(o->out) ? -1 : 0;
}

const output_ops output_jsonl_ops = { jsonl_begin, jsonl_hive, jsonl_failed, jsonl_end };
