/*
 * out_json.c - the JSON report, schema "dmarscan/1" (stable contract), and
 * its JSON-lines form.
 *
 * One document per run: {"schema", "tool", "hives": [...]}.  Each element of
 * "hives" is one hive seen through one control set (with --control-set all
 * a hive gives one element per set, the current one first).  Hives are
 * written as they are analysed, straight from the report's records through
 * the JSON writer (jsonw.h): nothing is held but the writer's buffer.
 *
 * The put_* functions below write one value each; those that describe a
 * member's whole content take the key, the others are called after it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "output.h"
#include "text.h"

typedef struct json_state {
	jw *w;
	int count;          /* hive elements written */
} json_state;

/* A string member, null when absent or empty. */
static void put_str_or_null(jw *w, const char *key, const char *s)
{
	jw_kstr(w, key, (s == NULL || s[0] == '\0') ? NULL : s);
}

static void put_time(jw *w, const char *key, uint64_t filetime)
{
	char buf[32];
	jw_kstr(w, key, dmar_filetime_iso(filetime, buf, sizeof(buf)));
}

/* The number the kernel uses, null when absent or ignored: the contract's
 * 0|1|null and 0..3|null fields.  The raw number is in "..._value". */
static void put_used_or_null(jw *w, const char *key, const dmar_value *v)
{
	if (v->valid)
		jw_kint(w, key, v->dword);
	else
		jw_knull(w, key);
}

static void put_int_if(jw *w, const char *key, int has, long long v)
{
	if (has)
		jw_kint(w, key, v);
	else
		jw_knull(w, key);
}

static void put_gens(jw *w, const char *key, unsigned mask)
{
	jw_karr(w, key);
	for (int g = 0; g < DMAR_GEN_COUNT; g++)
		if (mask & DMAR_GEN_BIT(g))
			jw_str(w, dmar_generation_name((dmar_generation)g));
	jw_arr_end(w);
}

static void put_strings(jw *w, const char *key, const char *const *items, size_t n)
{
	jw_karr(w, key);
	for (size_t i = 0; i < n; i++)
		jw_str(w, items[i]);
	jw_arr_end(w);
}

/* A policy value in full, for evidence: type, size, data, validity. */
static void put_value(jw *w, const char *key, const dmar_value *v)
{
	if (!v->present) {
		jw_knull(w, key);
		return;
	}
	const char *type = dmar_reg_type_name(v->type);
	jw_kobj(w, key);
	jw_kstr(w, "path", v->path);
	if (type != NULL)
		jw_kstr(w, "type", type);
	else
		jw_kint(w, "type", v->type);
	jw_kint(w, "size", (long long)v->size);
	jw_kstr(w, "data", v->display);
	jw_kbool(w, "valid", v->valid);
	put_int_if(w, "number", v->is_dword, v->dword);
	jw_obj_end(w);
}

static void put_dma_management(jw *w, const dmar_dma_management *m)
{
	if (!m->present) {
		jw_knull(w, "dma_management");
		return;
	}
	jw_kobj(w, "dma_management");
	put_used_or_null(w, "remapping_supported", &m->remapping_supported);
	put_used_or_null(w, "remapping_flags", &m->remapping_flags);
	jw_kbool(w, "valid", !DMAR_VALUE_IGNORED(&m->remapping_supported) &&
	                     !DMAR_VALUE_IGNORED(&m->remapping_flags));
	put_time(w, "last_written", m->last_written);
	jw_kstr(w, "key_path", m->key_path);
	put_value(w, "remapping_supported_value", &m->remapping_supported);
	put_value(w, "remapping_flags_value", &m->remapping_flags);
	jw_obj_end(w);
}

static void put_stack_entry(jw *w, const dmar_stack_entry *e)
{
	const dmar_driver *d = e->driver;
	jw_obj(w);
	jw_kstr(w, "name", d->name);
	jw_kstr(w, "role", dmar_role_name(e->role));
	put_used_or_null(w, "dma_remapping_compatible", &d->compatible);
	jw_kbool(w, "valid", !DMAR_VALUE_IGNORED(&d->compatible));
	jw_kstr(w, "level", dmar_level_name(d->level));
	jw_kbool(w, "verified", d->verified);
	jw_kbool(w, "service_key", d->service_present);
	jw_kstr(w, "source", e->source);
	put_time(w, "parameters_last_written", d->parameters_last_written);
	put_value(w, "value", &d->compatible);
	put_value(w, "selfhost", &d->compatible_selfhost);
	put_value(w, "on_hiber_path", &d->on_hiber_path);
	jw_obj_end(w);
}

static void put_generations(jw *w, const char *key, int pre, int now)
{
	jw_kobj(w, key);
	jw_kint(w, "pre_24h2", pre);
	jw_kint(w, "24h2", now);
	jw_obj_end(w);
}

static void put_prediction(jw *w, const dmar_device *d)
{
	const dmar_prediction *pre = &d->prediction[DMAR_GEN_PRE_24H2];
	const dmar_prediction *now = &d->prediction[DMAR_GEN_24H2];
	jw_kobj(w, "dma_remapping_policy");
	jw_kint(w, "pre_24h2", pre->policy);
	jw_kint(w, "24h2", now->policy);
	put_generations(w, "if_internal", pre->if_internal, now->if_internal);
	put_generations(w, "if_external", pre->if_external, now->if_external);
	jw_kobj(w, "decided_by");
	jw_kstr(w, "pre_24h2", "drivers");
	jw_kstr(w, "24h2", now->decided_by_device ? "device" : "drivers");
	jw_obj_end(w);
	jw_obj_end(w);
}

static void put_exposure(jw *w, const dmar_device *d)
{
	const dmar_exposure *x = &d->exposure;
	jw_kobj(w, "exposure");
	jw_kstr(w, "verdict", dmar_exposure_name(x->verdict));
	put_strings(w, "evidence", x->evidence, x->n_evidence);
	jw_kstr(w, "assumed", x->assumed == DMAR_ASSUME_EXTERNAL ? "external"
	                    : x->assumed == DMAR_ASSUME_INTERNAL ? "internal" : NULL);
	jw_obj_end(w);
}

static void put_properties(jw *w, const dmar_device *d)
{
	const dmar_device_properties *p = &d->properties;
	jw_kobj(w, "properties");
	jw_kstr(w, "last_known_parent", p->last_known_parent);
	put_int_if(w, "pci_device_type", p->has_pci_device_type, p->pci_device_type);
	if (p->is_tunneled < 0)
		jw_knull(w, "is_tunneled");
	else
		jw_kbool(w, "is_tunneled", p->is_tunneled);
	jw_kstr(w, "usb4_host_router", p->usb4_host_router);
	put_int_if(w, "usb_dvsec_port_type", p->has_usb_dvsec_port_type,
	           p->usb_dvsec_port_type);
	put_strings(w, "location_paths", p->location_paths, p->n_location_paths);
	jw_kstr(w, "bios_device_name", p->bios_device_name);
	put_int_if(w, "persisted_dma_remapping_policy", p->has_persisted_policy,
	           p->persisted_policy);
	jw_obj_end(w);
}

static void put_declared(jw *w, const dmar_declared_value *v, size_t n)
{
	jw_karr(w, "declared");
	for (size_t i = 0; i < n; i++) {
		jw_obj(w);
		jw_kstr(w, "package", v[i].package);
		jw_kstr(w, "inf", v[i].inf);
		jw_kstr(w, "configuration", v[i].configuration);
		jw_kstr(w, "service", v[i].service);
		jw_kstr(w, "name", v[i].name);
		put_used_or_null(w, "number", &v[i].value);
		put_value(w, "value", &v[i].value);
		put_time(w, "key_last_written", v[i].last_written);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* The device's driver package chain and what its configuration declares;
 * null when the hive has no DriverDatabase (Windows before 10). */
static void put_package(jw *w, const dmar_package_chain *c)
{
	if (!c->checked) {
		jw_knull(w, "package");
		return;
	}
	jw_kobj(w, "package");
	jw_kstr(w, "driver_key_path", c->driver_key_path);
	jw_kstr(w, "inf", c->inf);
	jw_kstr(w, "section", c->section);
	jw_kstr(w, "provider", c->provider);
	jw_kstr(w, "version", c->version);
	jw_kstr(w, "package", c->package);
	jw_kstr(w, "configuration_path", c->configuration_path);
	jw_kstr(w, "problem", c->problem);
	put_declared(w, c->declared, c->n_declared);
	jw_obj_end(w);
}

/* A device's members, into an open object (a JSON-lines line adds its
 * own first). */
static void put_device_members(jw *w, const dmar_device *d)
{
	jw_kstr(w, "instance_id", d->instance_id);
	put_str_or_null(w, "vendor_id", d->vendor_id);
	put_str_or_null(w, "device_id", d->device_id);
	put_str_or_null(w, "subsystem_id", d->subsystem_id);
	put_str_or_null(w, "subsystem_vendor_id", d->subsystem_vendor_id);
	put_str_or_null(w, "revision", d->revision);
	put_str_or_null(w, "class_code", d->class_code);
	jw_kstr(w, "description", d->description);
	jw_kstr(w, "service", d->service);
	jw_kstr(w, "class_guid", d->class_guid);
	jw_kstr(w, "class_name", d->class_name);
	jw_kstr(w, "driver_key", d->driver_key);
	jw_kstr(w, "location", d->location);
	jw_kstr(w, "container_id", d->container_id);
	put_int_if(w, "capabilities", d->has_capabilities, d->capabilities);
	jw_kbool(w, "is_display", d->is_display);
	jw_kstr(w, "key_path", d->key_path);
	put_time(w, "last_written", d->last_written);
	put_dma_management(w, &d->dma);
	jw_karr(w, "drivers");
	for (size_t i = 0; i < d->n_stack; i++)
		put_stack_entry(w, &d->stack[i]);
	jw_arr_end(w);
	jw_kbool(w, "dma_verification", d->verified);
	put_prediction(w, d);
	put_exposure(w, d);
	jw_kstr(w, "parent", d->parent);
	jw_kstr(w, "parent_source", d->parent_source);
	jw_kstr(w, "parent_problem", d->node ? d->node->parent_problem : NULL);
	jw_kint(w, "depth", d->node ? d->node->depth : 0);
	jw_kobj(w, "timestamps");
	put_time(w, "install", d->properties.install_date);
	put_time(w, "first_install", d->first_install);
	put_time(w, "last_arrival", d->last_arrival);
	put_time(w, "last_removal", d->last_removal);
	jw_obj_end(w);
	put_properties(w, d);
	put_package(w, &d->package);
}

static void put_driver(jw *w, const dmar_driver *d)
{
	jw_obj(w);
	jw_kstr(w, "name", d->name);
	jw_kbool(w, "service_key", d->service_present);
	put_used_or_null(w, "dma_remapping_compatible", &d->compatible);
	jw_kbool(w, "valid", !DMAR_VALUE_IGNORED(&d->compatible));
	jw_kstr(w, "level", dmar_level_name(d->level));
	jw_kbool(w, "verified", d->verified);
	jw_kstr(w, "image", d->image_name);
	jw_kint(w, "pci_devices", (long long)d->n_devices);
	put_time(w, "parameters_last_written", d->parameters_last_written);
	put_value(w, "value", &d->compatible);
	put_value(w, "selfhost", &d->compatible_selfhost);
	put_value(w, "on_hiber_path", &d->on_hiber_path);
	put_declared(w, d->declared, d->n_declared);
	jw_obj_end(w);
}

static void put_finding_members(jw *w, const dmar_finding *f)
{
	jw_kstr(w, "rule", f->rule);
	jw_kstr(w, "severity", dmar_severity_name(f->severity));
	jw_kstr(w, "instance_id", f->instance_id);
	jw_kstr(w, "message", f->message);
	put_strings(w, "evidence", f->evidence, f->n_evidence);
	put_gens(w, "generations", f->generations);
}

/* The tree's nodes outside Enum\PCI (ACPI root bridges, ROOT, HTREE). */
static void put_ancestors(jw *w, const dmar_control_set *set)
{
	jw_karr(w, "ancestors");
	for (size_t i = 0; set != NULL && i < set->n_nodes; i++) {
		const dmar_node *n = &set->nodes[i];
		if (n->device != NULL)
			continue;
		jw_obj(w);
		jw_kstr(w, "instance_id", n->instance_id);
		jw_kstr(w, "description", n->description);
		jw_kstr(w, "parent", n->parent_id);
		jw_kstr(w, "parent_source", n->parent_source);
		jw_kstr(w, "parent_problem", n->parent_problem);
		jw_kstr(w, "container_id", n->container_id);
		jw_kobj(w, "exposure");
		jw_kstr(w, "verdict", dmar_exposure_name(n->verdict));
		put_strings(w, "evidence", n->evidence, n->n_evidence);
		jw_obj_end(w);
		jw_kint(w, "depth", n->depth);
		jw_obj_end(w);
	}
	jw_arr_end(w);
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
static void put_image(jw *w, const input_origin *origin)
{
	if (origin == NULL) {
		jw_knull(w, "image");
		return;
	}
	jw_kobj(w, "image");
	jw_kstr(w, "file", origin->image);
	put_str_or_null(w, "format", origin->format);
	put_str_or_null(w, "volume_system", origin->volume_system);
	put_str_or_null(w, "volume", origin->volume);
	jw_kint(w, "offset", (long long)origin->offset);
	put_str_or_null(w, "file_system", origin->file_system);
	jw_kstr(w, "path", origin->path);
	jw_kbool(w, "backup", origin->backup);
	jw_obj_end(w);
}

static void put_log(jw *w, const dmar_log_info *l)
{
	jw_obj(w);
	jw_kstr(w, "path", l->path);
	jw_kstr(w, "sha256", l->sha256[0] ? l->sha256 : NULL);
	jw_kint(w, "size", (long long)l->size);
	jw_kstr(w, "format", l->format);
	jw_kint(w, "entries", (int)l->entries);
	put_int_if(w, "first_seq", l->entries != 0, l->first_seq);
	put_int_if(w, "last_seq", l->entries != 0, l->last_seq);
	jw_kint(w, "entries_applied", (int)l->entries_applied);
	jw_kint(w, "pages_applied", (int)l->pages_applied);
	jw_kbool(w, "applied", l->applied);
	jw_kstr(w, "problem", l->problem);
	jw_kbool(w, "damaged", l->damaged);
	jw_obj_end(w);
}

/* The members every hive element starts with, for an input that may have
 * failed (h NULL). */
static void put_hive_head(jw *w, const char *path, const input_origin *origin,
                          const dmar_hive_info *h)
{
	jw_kstr(w, "path", path);
	put_image(w, origin);
	jw_kstr(w, "sha256", h ? h->sha256 : NULL);
	put_int_if(w, "size", h != NULL, h ? (long long)h->size : 0);
	if (h != NULL)
		jw_kbool(w, "dirty", h->dirty);
	else
		jw_knull(w, "dirty");
	if (h != NULL) {
		jw_kobj(w, "sequence");
		jw_kint(w, "primary", (long long)h->seq_primary);
		jw_kint(w, "secondary", (long long)h->seq_secondary);
		jw_obj_end(w);
	} else {
		jw_knull(w, "sequence");
	}
	jw_karr(w, "logs_applied");
	for (size_t i = 0; h != NULL && i < h->n_logs; i++)
		if (h->logs[i].applied)
			jw_str(w, h->logs[i].path);
	jw_arr_end(w);
	jw_kint(w, "recovered_pages", h ? h->recovered_pages : 0);
	jw_kbool(w, "recovered", h && h->recovered);
	if (h && h->recovered) {
		jw_kobj(w, "recovered_sequence");
		jw_kint(w, "first", (long long)h->recovered_first_seq);
		jw_kint(w, "last", (long long)h->recovered_last_seq);
		jw_obj_end(w);
	} else {
		jw_knull(w, "recovered_sequence");
	}
	jw_kbool(w, "recovered_base_block", h && h->recovered_base_block);
	if (h && h->recovered) {
		jw_kobj(w, "recovered_image");
		jw_kstr(w, "sha256", h->recovered_sha256);
		jw_kint(w, "size", (long long)h->recovered_size);
		jw_obj_end(w);
	} else {
		jw_knull(w, "recovered_image");
	}
	jw_karr(w, "logs");
	for (size_t i = 0; h != NULL && i < h->n_logs; i++)
		put_log(w, &h->logs[i]);
	jw_arr_end(w);
}

static void put_rights(jw *w, uint32_t rights)
{
	jw_karr(w, "rights");
	for (uint32_t bit = 1; bit != 0; bit <<= 1)
		if ((rights & bit) && dmar_right_name(bit) != NULL)
			jw_str(w, dmar_right_name(bit));
	jw_arr_end(w);
}

static void put_acl(jw *w, const dmar_key_acl *k)
{
	jw_obj(w);
	jw_kstr(w, "key", k->path);
	jw_kstr(w, "guards", k->guards);
	jw_kbool(w, "holds_value", k->holds_value);
	jw_kstr(w, "owner", k->owner_sid);
	jw_kstr(w, "owner_name", k->owner_name);
	jw_kbool(w, "no_dacl", k->no_dacl);
	jw_karr(w, "writers");
	for (size_t i = 0; i < k->n_writers; i++) {
		jw_obj(w);
		jw_kstr(w, "sid", k->writers[i].sid);
		jw_kstr(w, "name", k->writers[i].name);
		put_rights(w, k->writers[i].rights);
		jw_kbool(w, "administrative", k->writers[i].administrative);
		jw_kbool(w, "service", k->writers[i].service);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kbool(w, "weak", k->weak);
	jw_kstr(w, "problem", k->problem);
	jw_obj_end(w);
}

static void put_software(jw *w, const dmar_software *sw)
{
	if (!sw->present) {
		jw_knull(w, "software");
		return;
	}
	jw_kobj(w, "software");
	jw_kstr(w, "path", sw->path);
	jw_kstr(w, "sha256", sw->sha256);
	jw_kbool(w, "recovered", sw->recovered);
	jw_kstr(w, "current_build", sw->current_build);
	put_int_if(w, "ubr", sw->has_ubr, sw->ubr);
	jw_kstr(w, "display_version", sw->display_version);
	jw_kstr(w, "product_name", sw->product_name);
	jw_kobj(w, "device_enumeration_policy");
	put_used_or_null(w, "group_policy", &sw->enumeration_gp);
	put_value(w, "group_policy_value", &sw->enumeration_gp);
	put_used_or_null(w, "mdm", &sw->enumeration_mdm);
	put_value(w, "mdm_value", &sw->enumeration_mdm);
	jw_obj_end(w);
	jw_kstr(w, "error", sw->error);
	jw_obj_end(w);
}

static void put_allowed_buses(jw *w, const dmar_control_set *set)
{
	if (set == NULL || set->allowed_buses_path == NULL) {
		jw_knull(w, "allowed_buses");
		return;
	}
	jw_kobj(w, "allowed_buses");
	jw_kstr(w, "key", set->allowed_buses_path);
	put_time(w, "last_written", set->allowed_buses_written);
	jw_karr(w, "entries");
	for (size_t i = 0; i < set->n_allowed_buses; i++) {
		jw_obj(w);
		jw_kstr(w, "name", set->allowed_buses[i].name);
		jw_kstr(w, "value", set->allowed_buses[i].value);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void put_verifier(jw *w, const dmar_control_set *set)
{
	if (set == NULL) {
		jw_knull(w, "verifier");
		return;
	}
	jw_kobj(w, "verifier");
	put_value(w, "verify_driver_level", &set->verifier.level);
	jw_kstr(w, "verify_drivers", set->verifier.drivers);
	jw_kbool(w, "dma_checking", set->verifier.dma_checking);
	jw_obj_end(w);
}

/* A new element of "hives". */
static jw *begin_element(output *o)
{
	json_state *st = o->state;
	jw_raw(st->w, st->count++ ? ",\n" : "\n");
	jw_obj(st->w);
	return st->w;
}

static void end_element(output *o)
{
	json_state *st = o->state;
	jw_obj_end(st->w);
	jw_flush(st->w);
}

static void write_set(output *o, const dmar_report *r, const input_origin *origin,
                      const dmar_control_set *set)
{
	jw *w = begin_element(o);
	put_hive_head(w, r->hive.path, origin, &r->hive);
	jw_kstr(w, "control_set", set ? set->name : NULL);
	jw_kbool(w, "current", set && set->is_current);
	put_int_if(w, "select_current", r->select_current != 0, r->select_current);
	jw_kstr(w, "os_build", r->os_build);
	jw_kstr(w, "rules", rules_name(r->rules));
	jw_kstr(w, "rules_reason", r->rules_reason);
	put_software(w, &r->software);
	jw_kbool(w, "driver_database", r->driver_database);
	jw_karr(w, "devices");
	for (size_t i = 0; set != NULL && i < set->n_devices; i++) {
		jw_obj(w);
		put_device_members(w, &set->devices[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	put_ancestors(w, set);
	jw_karr(w, "drivers");
	for (size_t i = 0; set != NULL && i < set->n_drivers; i++)
		put_driver(w, &set->drivers[i]);
	jw_arr_end(w);
	put_verifier(w, set);
	put_allowed_buses(w, set);
	jw_karr(w, "acls");
	for (size_t i = 0; set != NULL && i < set->n_acls; i++)
		put_acl(w, &set->acls[i]);
	jw_arr_end(w);
	jw_karr(w, "findings");
	for (size_t i = 0; set != NULL && i < set->n_findings; i++) {
		if (set->findings[i].severity < o->opts->min_severity)
			continue;
		jw_obj(w);
		put_finding_members(w, &set->findings[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	put_strings(w, "warnings", r->warnings, r->n_warnings);
	put_strings(w, "limits_reached", r->limits, r->n_limits);
	jw_kstr(w, "error", r->error);
	end_element(o);
}

/* The output's state and writer; a run that cannot have them writes
 * nothing and fails at the end. */
static json_state *new_state(output *o, int pretty)
{
	json_state *st = calloc(1, sizeof(*st));
	if (st != NULL && (st->w = jw_new(o->out, pretty)) == NULL) {
		free(st);
		st = NULL;
	}
	o->state = st;
	return st;
}

static int free_state(output *o)
{
	json_state *st = o->state;
	int rc = st ? jw_free(st->w) : -1;
	free(st);
	o->state = NULL;
	return rc == 0 && !ferror(o->out) ? 0 : -1;
}

static void json_begin(output *o)
{
	json_state *st = new_state(o, 1);
	if (st == NULL)
		return;
	jw_raw(st->w, "{\"schema\": \"dmarscan/1\", \"tool\": {\"name\":\"dmarscan\","
	              "\"version\":");
	/* the tool member keeps jansson's compact form it always had */
	jw_str(st->w, dmar_version());
	jw_raw(st->w, "}, \"hives\": [");
}

static void json_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	if (o->state == NULL)
		return;
	if (r->n_sets == 0)
		write_set(o, r, origin, NULL);
	for (size_t i = 0; i < r->n_sets; i++)
		write_set(o, r, origin, &r->sets[i]);
}

static void json_failed(output *o, const char *path, const input_origin *origin,
                        const char *message)
{
	if (o->state == NULL)
		return;
	jw *w = begin_element(o);
	put_hive_head(w, path, origin, NULL);
	jw_knull(w, "control_set");
	jw_knull(w, "os_build");
	jw_knull(w, "rules");
	jw_karr(w, "devices");
	jw_arr_end(w);
	jw_karr(w, "findings");
	jw_arr_end(w);
	jw_karr(w, "warnings");
	jw_arr_end(w);
	jw_karr(w, "limits_reached");
	jw_arr_end(w);
	jw_kstr(w, "error", message);
	end_element(o);
}

static int json_end(output *o)
{
	json_state *st = o->state;
	if (st != NULL)
		jw_raw(st->w, "\n]}\n");
	return free_state(o);
}

const output_ops output_json_ops = { json_begin, json_hive, json_failed, json_end };

/* ---- --format jsonl ------------------------------------------------------------- */

/* One JSON value per line for log pipelines: a "hive" line per hive and
 * control set, then a "device" line per device and a "finding" line per
 * finding, each carrying the hive path and sha256 and the control set.
 * Nothing is held back between hives. */

/* A line's first members; a hive line also says where in a disk image the
 * hive was read. */
static void line_begin(jw *w, const char *type, const dmar_report *r,
                       const dmar_control_set *set, const input_origin *origin,
                       int with_image)
{
	jw_obj(w);
	jw_kstr(w, "type", type);
	jw_kstr(w, "hive", r->hive.path);
	if (with_image)
		put_image(w, origin);
	jw_kstr(w, "hive_sha256", r->hive.sha256);
	jw_kstr(w, "control_set", set ? set->name : NULL);
}

static void line_end(jw *w)
{
	jw_obj_end(w);
	jw_raw(w, "\n");
}

static void jsonl_set(output *o, const dmar_report *r, const input_origin *origin,
                      const dmar_control_set *set)
{
	json_state *st = o->state;
	jw *w = st->w;
	size_t shown = 0;
	for (size_t i = 0; set != NULL && i < set->n_findings; i++)
		shown += set->findings[i].severity >= o->opts->min_severity;
	line_begin(w, "hive", r, set, origin, 1);
	jw_kint(w, "size", (long long)r->hive.size);
	jw_kbool(w, "dirty", r->hive.dirty);
	jw_kbool(w, "recovered", r->hive.recovered);
	jw_kstr(w, "os_build", r->os_build);
	jw_kstr(w, "rules", rules_name(r->rules));
	jw_kint(w, "devices", (long long)(set ? set->n_devices : 0));
	jw_kint(w, "findings", (long long)shown);
	put_strings(w, "limits_reached", r->limits, r->n_limits);
	jw_kstr(w, "error", r->error);
	line_end(w);
	for (size_t i = 0; set != NULL && i < set->n_devices; i++) {
		line_begin(w, "device", r, set, origin, 0);
		put_device_members(w, &set->devices[i]);
		line_end(w);
	}
	for (size_t i = 0; set != NULL && i < set->n_findings; i++) {
		if (set->findings[i].severity < o->opts->min_severity)
			continue;
		line_begin(w, "finding", r, set, origin, 0);
		put_finding_members(w, &set->findings[i]);
		line_end(w);
	}
}

static void jsonl_begin(output *o)
{
	new_state(o, 0);
}

static void jsonl_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	if (o->state == NULL)
		return;
	if (r->n_sets == 0)
		jsonl_set(o, r, origin, NULL);
	for (size_t i = 0; i < r->n_sets; i++)
		jsonl_set(o, r, origin, &r->sets[i]);
	jw_flush(((json_state *)o->state)->w);
}

static void jsonl_failed(output *o, const char *path, const input_origin *origin,
                         const char *message)
{
	json_state *st = o->state;
	if (st == NULL)
		return;
	jw_obj(st->w);
	jw_kstr(st->w, "type", "hive");
	jw_kstr(st->w, "hive", path);
	put_image(st->w, origin);
	jw_knull(st->w, "hive_sha256");
	jw_knull(st->w, "control_set");
	jw_kstr(st->w, "error", message);
	line_end(st->w);
	jw_flush(st->w);
}

static int jsonl_end(output *o)
{
	return free_state(o);
}

const output_ops output_jsonl_ops = { jsonl_begin, jsonl_hive, jsonl_failed, jsonl_end };
