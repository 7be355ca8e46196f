/*
 * diff.c - see diff.h.
 *
 * Both sides become the same thing first: the JSON of one analysed hive
 * (a hive is analysed and its report rendered by the JSON writer, a report
 * is read back).  Then devices are matched by instance id, drivers by
 * name, findings by rule, device and message, and the policy settings of
 * the hive by name; what appeared, vanished or changed is listed.
 *
 * A change is risky when it leaves the machine less protected: a finding
 * at or above --fail-on appeared, a device's predicted policy went down
 * under either rule generation, a device on an external or likely external
 * port appeared with a policy below 2, or a driver's level became opt_out.
 */
#include "config.h"

#include "diff.h"
#include "grow.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "evidence.h"
#include "image.h"
#include "inputs.h"
#include "jsonsafe.h"
#include "output.h"
#include "term.h"

enum { DIFF_CLEAN = 0, DIFF_RISKY = 1, DIFF_INPUT = 3 };

typedef struct side {
	const char *path;
	json_t *doc;               /* the whole report */
	json_t *hive;              /* its first hive */
	char *file;                /* the file read: hive, report or image */
	int image;                 /* ... a disk image */
} side;

/* ---- Reading a side ---------------------------------------------------------------- */

static int is_hive_file(const char *path)
{
	char sig[4];
	FILE *f = fopen(path, "rb");
	int yes = f != NULL && fread(sig, 1, 4, f) == 4 && memcmp(sig, "regf", 4) == 0;
	if (f != NULL)
		fclose(f);
	return yes;
}

/* Open the hive of a side: a hive file with a SOFTWARE hive beside it, or
 * the SYSTEM and SOFTWARE hives of an installation in a disk image. */
static int open_side(const cli_options *o, const char *path,
                     const input_origin *origin, dmar_hive **hive,
                     dmar_hive **software, dmar_error **e)
{
	if (origin != NULL) {
		image_hives got;
		int rc = image_open_hives(origin, &o->open, !o->no_software, &got, e);
		if (got.notes != NULL)
			fprintf(stderr, "dmarscan: diff: %s: %s\n", origin->label, got.notes);
		free(got.notes);
		*hive = got.system;
		*software = got.software;
		return rc;
	}
	if (dmar_hive_open_with(hive, path, &o->open, e) != 0)
		return -1;
	char *sw = o->no_software ? NULL : inputs_software_beside(path);
	if (sw != NULL)
		dmar_hive_open_with(software, sw, &o->open, NULL);
	free(sw);
	return 0;
}

/* Analyse a hive into the JSON report the JSON writer gives. */
static json_t *analyse_hive(const cli_options *o, dmar_tables *tables,
                            const char *path, const input_origin *origin)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (mem == NULL)
		return NULL;
	cli_options jo = *o;
	jo.format = FORMAT_JSON;
	output out = { &output_json_ops, mem, &jo, 0, NULL };
	dmar_hive *hive = NULL, *software = NULL;
	dmar_report *report = NULL;
	dmar_error *e = NULL;
	const char *label = origin ? origin->label : path;
	out.ops->begin(&out);
	if (open_side(o, path, origin, &hive, &software, &e) != 0) {
		out.ops->failed(&out, label, origin, e ? e->message : "cannot open");
	} else {
		dmar_options scan = o->scan;
		scan.tables = tables;
		scan.software = software;
		if (dmar_scan(&report, hive, &scan, &e) == 0)
			out.ops->hive(&out, report, origin);
		else
			out.ops->failed(&out, label, origin,
			                e ? e->message : "analysis failed");
	}
	out.ops->end(&out);
	fclose(mem);
	dmar_report_free(report);
	dmar_hive_free(software);
	dmar_hive_free(hive);
	dmar_error_free(e);
	json_t *doc = json_loadb(text, len, 0, NULL);
	free(text);
	return doc;
}

/* The hive of a disk image a side compares: the one 'path' names as
 * dmarscan names it (IMAGE:/pN/PATH, any case), else the installation in
 * use (not a RegBack copy, not below Windows.old), the first of several. */
static const input_origin *pick_installation(const char *path,
                                             input_origin *const *found, size_t n)
{
	const input_origin *pick = NULL;
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(found[i]->label, path) == 0)
			return found[i];
	if (strcmp(path, found[0]->image) != 0) {
		fprintf(stderr, "dmarscan: diff: %s: no such hive in %s, which holds:\n",
		        path, found[0]->image);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", found[i]->label);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (found[i]->backup ||
		    strncasecmp(found[i]->path, "/Windows.old/", 13) == 0)
			continue;
		if (live++ == 0)
			pick = found[i];
	}
	if (pick == NULL)
		pick = found[0];
	if (live > 1 || n > 1)
		fprintf(stderr, "dmarscan: diff: %s holds %zu hives (%zu in use); %s is "
		        "compared (name another as dmarscan names it: %s)\n", path, n,
		        live, pick->label, found[n - 1]->label);
	return pick;
}

/* The disk image a side names: the file itself, or the part before ':/'
 * of IMAGE:/pN/PATH, the name dmarscan gives a hive in an image; NULL when
 * neither is a file. */
static char *image_named(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return strdup(path);
	for (const char *p = strstr(path, ":/"); p != NULL; p = strstr(p + 1, ":/")) {
		char *image = strndup(path, (size_t)(p - path));
		if (image != NULL && stat(image, &st) == 0 && !S_ISDIR(st.st_mode))
			return image;
		free(image);
	}
	return NULL;
}

static int load_side(const cli_options *o, dmar_tables *tables, side *s)
{
	json_error_t je;
	input_origin **found = NULL;
	size_t n_found = 0;
	char *problem = NULL, *image = NULL;
	int kind = IMAGE_NOT;
	if (is_hive_file(s->path)) {
		s->doc = analyse_hive(o, tables, s->path, NULL);
	} else if ((image = image_named(s->path)) != NULL &&
	           (kind = image_find(image, &found, &n_found, &problem)) == IMAGE_FOUND) {
		s->file = image;
		s->image = 1;
		image = NULL;
		const input_origin *pick = pick_installation(s->path, found, n_found);
		if (pick != NULL)
			s->doc = analyse_hive(o, tables, s->path, pick);
		for (size_t i = 0; i < n_found; i++)
			image_origin_free(found[i]);
		free(found);
		if (pick == NULL)
			return -1;
	} else if (free(image), kind != IMAGE_NOT) {
		fprintf(stderr, "dmarscan: diff: %s: %s\n", s->path,
		        problem ? problem : "out of memory");
		free(problem);
		return -1;
	} else {
		s->doc = json_load_file(s->path, 0, &je);
		if (s->doc == NULL) {
			fprintf(stderr, "dmarscan: diff: %s: neither a hive, a disk image "
			        "nor a JSON report (%s, line %d)\n", s->path, je.text,
			        je.line);
			return -1;
		}
	}
	json_t *hives = json_object_get(s->doc, "hives");
	const char *schema = json_string_value(json_object_get(s->doc, "schema"));
	if (schema == NULL || strcmp(schema, "dmarscan/1") != 0 ||
	    json_array_size(hives) == 0) {
		fprintf(stderr, "dmarscan: diff: %s: not a dmarscan/1 report with a "
		        "hive in it\n", s->path);
		return -1;
	}
	if (json_array_size(hives) > 1)
		fprintf(stderr, "dmarscan: diff: %s: the report holds %zu hives or "
		        "control sets; the first is compared\n", s->path,
		        json_array_size(hives));
	s->hive = json_array_get(hives, 0);
	const char *error = json_string_value(json_object_get(s->hive, "error"));
	if (error != NULL) {
		fprintf(stderr, "dmarscan: diff: %s: %s\n", s->path, error);
		return 1;   /* compared all the same: what could be read */
	}
	return 0;
}

/* ---- Comparing --------------------------------------------------------------------- */

typedef struct change {
	const char *section;       /* devices, drivers, settings, findings */
	char kind;                 /* '+' appeared, '-' vanished, '~' changed */
	char *key;                 /* instance id, driver name, setting */
	char *label;               /* what it is, for people */
	json_t *detail;            /* appeared/vanished: the item; changed:
	                              [{"field","baseline","suspect"}] */
	char *risk;                /* why it is risky, or NULL */
} change;

typedef struct diff {
	change *v;
	size_t n, cap;
	size_t risky;
	dmar_severity fail_on;
} diff;

static change *add_change(diff *d, const char *section, char kind,
                          const char *key, const char *label, json_t *detail)
{
	change *v = grow_for_one(d->v, d->n, &d->cap, sizeof(*v), 32);
	if (v == NULL) {
		json_decref(detail);
		return NULL;
	}
	d->v = v;
	change *c = &d->v[d->n++];
	c->section = section;
	c->kind = kind;
	c->key = strdup(key ? key : "");
	c->label = label ? strdup(label) : NULL;
	c->detail = detail;
	c->risk = NULL;
	return c;
}

static void set_risk(diff *d, change *c, const char *why)
{
	if (c == NULL || c->risk != NULL)
		return;
	c->risk = strdup(why);
	d->risky++;
}

/* The value at a dotted path ("dma_management.remapping_supported"). */
static json_t *at_path(json_t *obj, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *p = strtok_r(buf, ".", &save); p && obj; p = strtok_r(NULL, ".", &save))
		obj = json_object_get(obj, p);
	return obj;
}

/* A device's driver stack in one comparable line. */
static json_t *stack_summary(json_t *device)
{
	json_t *drivers = json_object_get(device, "drivers");
	json_t *out = json_array();
	size_t i;
	json_t *drv;
	json_array_foreach(drivers, i, drv) {
		json_t *compat = json_object_get(drv, "dma_remapping_compatible");
		json_t *line = json_is_integer(compat)
			? json_sprintf("%s (%s) DmaRemappingCompatible %lld",
			               json_string_value(json_object_get(drv, "name")),
			               json_string_value(json_object_get(drv, "role")),
			               (long long)json_integer_value(compat))
			: json_sprintf("%s (%s) no value",
			               json_string_value(json_object_get(drv, "name")),
			               json_string_value(json_object_get(drv, "role")));
		json_array_append_new(out, line ? line : json_null());
	}
	return out;
}

/* Compare the fields of two items; the differences, or NULL for none. */
static json_t *compare_fields(json_t *a, json_t *b, const char *const *fields,
                              size_t n, int with_stack)
{
	json_t *diffs = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *x = at_path(a, fields[i]), *y = at_path(b, fields[i]);
		if (json_equal(x ? x : json_null(), y ? y : json_null()))
			continue;
		json_array_append_new(diffs, json_pack("{s:s, s:O, s:O}", "field", fields[i],
		                                       "baseline", x ? x : json_null(),
		                                       "suspect", y ? y : json_null()));
	}
	if (with_stack) {
		json_t *x = stack_summary(a), *y = stack_summary(b);
		if (!json_equal(x, y))
			json_array_append_new(diffs, json_pack("{s:s, s:O, s:O}", "field",
			                                       "driver_stack", "baseline", x,
			                                       "suspect", y));
		json_decref(x);
		json_decref(y);
	}
	if (json_array_size(diffs) == 0) {
		json_decref(diffs);
		return NULL;
	}
	return diffs;
}

static const char *const DEVICE_FIELDS[] = {
	"description", "service", "class_code", "exposure.verdict", "parent",
	"dma_management.remapping_supported", "dma_management.remapping_flags",
	"dma_management.valid", "dma_remapping_policy.pre_24h2",
	"dma_remapping_policy.24h2",
};
static const char *const DRIVER_FIELDS[] = {
	"dma_remapping_compatible", "valid", "level", "image", "service_key",
};
static const char *const SETTINGS[] = {
	"control_set", "os_build", "rules", "allowed_buses", "verifier",
	"software.current_build", "software.display_version",
	"software.device_enumeration_policy.group_policy",
	"software.device_enumeration_policy.mdm",
};

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* Items of an array member by a key member. */
static json_t *index_by(json_t *hive, const char *member, const char *key)
{
	json_t *idx = json_object();
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(hive, member), i, item) {
		const char *k = json_string_value(json_object_get(item, key));
		if (k != NULL && json_object_get(idx, k) == NULL)
			json_object_set(idx, k, item);
	}
	return idx;
}

static int policy_of(json_t *dev, const char *gen)
{
	json_t *v = json_object_get(json_object_get(dev, "dma_remapping_policy"), gen);
	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

static int exposed(json_t *dev)
{
	const char *v = str(json_object_get(dev, "exposure"), "verdict");
	return strcmp(v, "external") == 0 || strcmp(v, "likely_external") == 0;
}

/* How one kind of item is matched, compared and judged. */
typedef struct item_kind {
	const char *section;       /* and the report member holding the items */
	const char *key;           /* the member that identifies an item */
	const char *const *fields;
	size_t n_fields;
	int with_stack;
	char *(*label)(json_t *item);
	/* why the item as it is now (old: as it was, NULL when new) is a
	 * risky change, or NULL */
	const char *(*risk)(json_t *old, json_t *now);
} item_kind;

static char *device_label(json_t *dev)
{
	char *s = NULL;
	if (asprintf(&s, "%s (%s:%s)", str(dev, "description"), str(dev, "vendor_id"),
	             str(dev, "device_id")) < 0)
		return NULL;
	return s;
}

static char *driver_label(json_t *drv)
{
	return strdup(str(drv, "name"));
}

static const char *device_risk(json_t *old, json_t *dev)
{
	static const char *const gens[] = { "pre_24h2", "24h2" };
	for (int g = 0; g < 2; g++) {
		if (old == NULL && exposed(dev) && policy_of(dev, gens[g]) < 2)
			return "a device on an external port appeared without enforced "
			       "DMA remapping";
		if (old != NULL && policy_of(dev, gens[g]) < policy_of(old, gens[g]))
			return "its predicted DMA remapping policy went down";
	}
	return NULL;
}

static const char *driver_risk(json_t *old, json_t *drv)
{
	if (strcmp(str(drv, "level"), "opt_out") == 0 &&
	    (old == NULL || strcmp(str(old, "level"), "opt_out") != 0))
		return "the driver now opts out of DMA remapping";
	return NULL;
}

static const item_kind DEVICES = {
	"devices", "instance_id", DEVICE_FIELDS,
	sizeof(DEVICE_FIELDS) / sizeof(*DEVICE_FIELDS), 1, device_label, device_risk
};
static const item_kind DRIVERS = {
	"drivers", "name", DRIVER_FIELDS,
	sizeof(DRIVER_FIELDS) / sizeof(*DRIVER_FIELDS), 0, driver_label, driver_risk
};

static void compare_items(diff *d, const item_kind *k, json_t *base, json_t *susp)
{
	json_t *a = index_by(base, k->section, k->key);
	json_t *b = index_by(susp, k->section, k->key);
	const char *id;
	json_t *item;
	json_object_foreach(b, id, item) {
		json_t *old = json_object_get(a, id);
		char *label = k->label(item);
		json_t *diffs = old == NULL ? NULL
		              : compare_fields(old, item, k->fields, k->n_fields, k->with_stack);
		change *c = old == NULL ? add_change(d, k->section, '+', id, label,
		                                     json_incref(item))
		          : diffs != NULL ? add_change(d, k->section, '~', id, label, diffs)
		          : NULL;
		const char *why = c != NULL ? k->risk(old, item) : NULL;
		if (why != NULL)
			set_risk(d, c, why);
		free(label);
	}
	json_object_foreach(a, id, item) {
		if (json_object_get(b, id) != NULL)
			continue;
		char *label = k->label(item);
		add_change(d, k->section, '-', id, label, json_incref(item));
		free(label);
	}
	json_decref(a);
	json_decref(b);
}

static void compare_settings(diff *d, json_t *base, json_t *susp)
{
	json_t *diffs = compare_fields(base, susp, SETTINGS,
	                               sizeof(SETTINGS) / sizeof(*SETTINGS), 0);
	size_t i;
	json_t *one;
	json_array_foreach(diffs, i, one) {
		const char *field = str(one, "field");
		add_change(d, "settings", '~', field, field,
		           json_pack("[O]", one));
	}
	json_decref(diffs);
}

static char *finding_key(json_t *f)
{
	char *k = NULL;
	if (asprintf(&k, "%s|%s|%s", str(f, "rule"), str(f, "instance_id"),
	             str(f, "message")) < 0)
		return NULL;
	return k;
}

static void compare_findings(diff *d, json_t *base, json_t *susp)
{
	json_t *a = json_object(), *b = json_object();
	json_t *sides[2] = { base, susp }, *idx[2] = { a, b };
	for (int s = 0; s < 2; s++) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(sides[s], "findings"), i, f) {
			char *k = finding_key(f);
			if (k != NULL)
				json_object_set(idx[s], k, f);
			free(k);
		}
	}
	const char *key;
	json_t *f;
	json_object_foreach(b, key, f) {
		if (json_object_get(a, key) != NULL)
			continue;
		change *c = add_change(d, "findings", '+', str(f, "rule"),
		                       str(f, "message"), json_incref(f));
		dmar_severity sev;
		if (dmar_severity_parse(str(f, "severity"), &sev) == 0 && sev >= d->fail_on)
			set_risk(d, c, "a finding at or above --fail-on appeared");
	}
	json_object_foreach(a, key, f)
		if (json_object_get(b, key) == NULL)
			add_change(d, "findings", '-', str(f, "rule"), str(f, "message"),
			           json_incref(f));
	json_decref(a);
	json_decref(b);
}

/* ---- Writing ------------------------------------------------------------------------ */

static void print_value(FILE *out, json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	char *safe = term_safe(s ? s : "?");
	fputs(safe ? safe : "?", out);
	free(safe);
	free(s);
}

static void write_text(FILE *out, const side *a, const side *b, const diff *d)
{
	static const char *const sections[] = { "devices", "drivers", "settings",
	                                        "findings" };
	char *pa = term_safe(a->path), *pb = term_safe(b->path);
	fprintf(out, "dmarscan diff\n  baseline  %s  (sha256 %.16s..., %s)\n"
	        "  suspect   %s  (sha256 %.16s..., %s)\n", pa, str(a->hive, "sha256"),
	        str(a->hive, "control_set"), pb, str(b->hive, "sha256"),
	        str(b->hive, "control_set"));
	free(pa);
	free(pb);
	for (size_t s = 0; s < sizeof(sections) / sizeof(*sections); s++) {
		size_t plus = 0, minus = 0, tilde = 0;
		for (size_t i = 0; i < d->n; i++)
			if (strcmp(d->v[i].section, sections[s]) == 0) {
				plus += d->v[i].kind == '+';
				minus += d->v[i].kind == '-';
				tilde += d->v[i].kind == '~';
			}
		fprintf(out, "\n%-9s %zu appeared, %zu vanished, %zu changed\n",
		        sections[s], plus, minus, tilde);
		for (size_t i = 0; i < d->n; i++) {
			const change *c = &d->v[i];
			if (strcmp(c->section, sections[s]) != 0)
				continue;
			char *key = term_safe(c->key), *label = term_safe(c->label ? c->label : "");
			const char *dev = str(c->detail, "instance_id");
			if (strcmp(c->section, "findings") == 0)
				fprintf(out, "  %c %-6s %s%s%s: %s\n", c->kind,
				        str(c->detail, "severity"), key, dev[0] ? " " : "",
				        dev, label);
			else if (strcmp(key, label) == 0)
				fprintf(out, "  %c %s\n", c->kind, key);
			else
				fprintf(out, "  %c %s  %s\n", c->kind, key, label);
			free(key);
			free(label);
			size_t j;
			json_t *one;
			if (c->kind == '~')
				json_array_foreach(c->detail, j, one) {
					fprintf(out, "      %s: ", str(one, "field"));
					print_value(out, json_object_get(one, "baseline"));
					fputs(" -> ", out);
					print_value(out, json_object_get(one, "suspect"));
					fputc('\n', out);
				}
			if (c->risk != NULL)
				fprintf(out, "      RISKY: %s\n", c->risk);
		}
	}
	if (d->risky > 0)
		fprintf(out, "\nRISKY: %zu change%s leave%s the machine less protected\n",
		        d->risky, d->risky == 1 ? "" : "s", d->risky == 1 ? "s" : "");
	else
		fprintf(out, "\nnothing risky changed\n");
}

static void write_json(FILE *out, const side *a, const side *b, const diff *d)
{
	json_t *doc = json_pack("{s:s, s:{s:s, s:O, s:O}, s:{s:s, s:O, s:O}}",
	                        "schema", "dmarscan-diff/1",
	                        "baseline", "path", a->path,
	                        "sha256", json_object_get(a->hive, "sha256"),
	                        "control_set", json_object_get(a->hive, "control_set"),
	                        "suspect", "path", b->path,
	                        "sha256", json_object_get(b->hive, "sha256"),
	                        "control_set", json_object_get(b->hive, "control_set"));
	static const char *const sections[] = { "devices", "drivers", "settings",
	                                        "findings" };
	for (size_t s = 0; doc && s < sizeof(sections) / sizeof(*sections); s++) {
		json_t *sec = json_pack("{s:[], s:[], s:[]}", "appeared", "vanished", "changed");
		for (size_t i = 0; sec && i < d->n; i++) {
			const change *c = &d->v[i];
			if (strcmp(c->section, sections[s]) != 0)
				continue;
			json_t *item = c->kind == '~'
				? json_pack("{s:s, s:O}", "key", c->key, "changes", c->detail)
				: json_incref(c->detail);
			if (item != NULL && c->risk != NULL && json_is_object(item))
				json_object_set_new(item, "risky", json_string(c->risk));
			json_array_append_new(json_object_get(sec, c->kind == '+' ? "appeared"
			                                      : c->kind == '-' ? "vanished"
			                                      : "changed"), item);
		}
		json_object_set_new(doc, sections[s], sec);
	}
	json_object_set_new(doc, "risky", json_boolean(d->risky > 0));
	json_object_set_new(doc, "risky_changes", json_integer((json_int_t)d->risky));
	jsonsafe_dump(doc, out, 1);
	fputc('\n', out);
	json_decref(doc);
}

/* The checks -o of a scan passes: never an input, its logs or a segment
 * of an image. */
static const char *output_conflict(const char *target, const side *a,
                                   const side *b)
{
	if (target == NULL || strcmp(target, "-") == 0)
		return NULL;
	char *files[2] = { a->file ? a->file : (char *)a->path,
	                   b->file ? b->file : (char *)b->path };
	char *images[2];
	int n_images = 0;
	if (a->image)
		images[n_images++] = files[0];
	if (b->image)
		images[n_images++] = files[1];
	const char *why = evidence_conflict(target, files, 2, 0);
	return why ? why : evidence_segment_conflict(target, images, n_images);
}

int diff_main(const cli_options *o, dmar_tables *tables)
{
	if (o->scan.control_set == DMAR_CONTROL_SET_ALL) {
		fprintf(stderr, "dmarscan: diff compares one control set of each "
		        "side: --control-set current or N\n");
		return 2;
	}
	side a = { o->inputs[0], NULL, NULL, NULL, 0 };
	side b = { o->inputs[1], NULL, NULL, NULL, 0 };
	int ra = load_side(o, tables, &a), rb = ra < 0 ? -1 : load_side(o, tables, &b);
	int status = DIFF_INPUT;
	if (ra >= 0 && rb >= 0) {
		diff d = { NULL, 0, 0, 0, o->fail_on };
		compare_items(&d, &DEVICES, a.hive, b.hive);
		compare_items(&d, &DRIVERS, a.hive, b.hive);
		compare_settings(&d, a.hive, b.hive);
		compare_findings(&d, a.hive, b.hive);
		FILE *out = stdout;
		const char *conflict = output_conflict(o->output, &a, &b);
		if (conflict != NULL) {
			fprintf(stderr, "dmarscan: diff: -o %s: %s\n", o->output, conflict);
			out = NULL;
		} else if (o->output != NULL && strcmp(o->output, "-") != 0 &&
		           (out = fopen(o->output, "wx")) == NULL) {
			fprintf(stderr, "dmarscan: cannot write %s: %s%s\n", o->output,
			        strerror(errno), errno == EEXIST ? " (diff never replaces a "
			        "file)" : "");
			out = NULL;
		}
		if (out != NULL) {
			if (o->format == FORMAT_JSON)
				write_json(out, &a, &b, &d);
			else
				write_text(out, &a, &b, &d);
			int bad = fflush(out) != 0 || ferror(out);
			if (out != stdout)
				bad |= fclose(out) != 0;
			status = bad ? DIFF_INPUT : ra > 0 || rb > 0 ? DIFF_INPUT
			       : d.risky > 0 ? DIFF_RISKY : DIFF_CLEAN;
		}
		for (size_t i = 0; i < d.n; i++) {
			free(d.v[i].key);
			free(d.v[i].label);
			free(d.v[i].risk);
			json_decref(d.v[i].detail);
		}
		free(d.v);
	}
	json_decref(a.doc);
	json_decref(b.doc);
	free(a.file);
	free(b.file);
	return status;
}
