/*
 * out_csv.c - --format csv: one row per device (RFC 4180), for
 * spreadsheets and data frames.
 *
 * Every row carries the hive path and sha256 and the control set, so rows
 * of many hives can be concatenated or filtered.  An input that could not
 * be analysed is one row with its error.  Rows are written as each hive is
 * analysed: memory does not grow with the number of hives.
 *
 * Cells are safe to open: text from a hive goes through term_safe() (control
 * characters, escape sequences and bidi overrides shown as \xNN or
 * \u{NNNN}), and a cell a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or carriage return) gets a leading apostrophe, its text
 * otherwise kept.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findidx.h"
#include "output.h"
#include "term.h"

static const char *const COLUMNS[] = {
	"hive", "hive_sha256", "control_set", "instance_id", "vendor_id",
	"device_id", "subsystem", "revision", "class_code", "description",
	"location", "service", "drivers", "remapping_supported", "remapping_flags",
	"policy_pre_24h2", "policy_24h2", "exposure", "parent", "first_install",
	"last_arrival", "last_removal", "package", "findings", "max_severity",
	"error",
};
#define N_COLUMNS (sizeof(COLUMNS) / sizeof(COLUMNS[0]))

/* One cell: quoted when it holds a comma, quote, CR or LF (RFC 4180),
 * escaped and formula-neutralised. */
static void cell(output *o, const char *s, int first)
{
	if (!first)
		fputc(',', o->out);
	if (s == NULL || s[0] == '\0')
		return;
	char *safe = term_safe(s);
	const char *t = safe ? safe : "?";
	int formula = strchr("=+-@\t\r", t[0]) != NULL;
	int quote = formula || strpbrk(t, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', o->out);
	if (formula)
		fputc('\'', o->out);
	for (const char *p = t; *p; p++) {
		if (*p == '"')
			fputc('"', o->out);
		fputc(*p, o->out);
	}
	if (quote)
		fputc('"', o->out);
	free(safe);
}

static void cell_number(output *o, const dmar_value *v)
{
	char buf[16];
	if (v->present && v->is_dword)
		snprintf(buf, sizeof(buf), "%u", v->dword);
	else if (v->present)
		snprintf(buf, sizeof(buf), "invalid");
	else
		buf[0] = '\0';
	cell(o, buf, 0);
}

static void cell_time(output *o, uint64_t filetime)
{
	char buf[32];
	cell(o, filetime ? dmar_filetime_iso(filetime, buf, sizeof(buf)) : NULL, 0);
}

static void end_row(output *o)
{
	fputs("\r\n", o->out);
}

/* A growing string for the joined cells. */
typedef struct strbuf {
	char *p;
	size_t len, cap;
	int failed;
} strbuf;

static void sb_add(strbuf *b, const char *sep, const char *s)
{
	size_t ls = b->len ? strlen(sep) : 0, n = strlen(s);
	if (b->failed)
		return;
	if (b->len + ls + n + 1 > b->cap) {
		size_t cap = (b->len + ls + n + 1) * 2;
		char *more = realloc(b->p, cap);
		if (more == NULL) {
			b->failed = 1;
			return;
		}
		b->p = more;
		b->cap = cap;
	}
	memcpy(b->p + b->len, sep, ls);
	memcpy(b->p + b->len + ls, s, n + 1);
	b->len += ls + n;
}

/* "role:name=value" for each driver of the stack, ';' between. */
static void cell_drivers(output *o, const dmar_device *d)
{
	strbuf b = { 0 };
	for (size_t i = 0; i < d->n_stack; i++) {
		const dmar_driver *dr = d->stack[i].driver;
		char entry[512];
		const dmar_value *v = &dr->compatible;
		char num[16] = "";
		if (v->present)
			snprintf(num, sizeof(num), v->is_dword ? "=%u" : "=invalid", v->dword);
		snprintf(entry, sizeof(entry), "%s:%s%s", dmar_role_name(d->stack[i].role),
		         dr->name ? dr->name : "?", num);
		sb_add(&b, ";", entry);
	}
	cell(o, b.failed ? "?" : b.p, 0);
	free(b.p);
}

/* The rules raised about the device, ';' between, and the highest severity. */
static void cell_findings(output *o, const finding_index *ix, const dmar_device *d)
{
	strbuf b = { 0 };
	int max = -1;
	size_t first, n = finding_index_find(ix, d->instance_id, &first);
	for (size_t i = first; i < first + n; i++) {
		sb_add(&b, ";", ix->items[i]->rule);
		if ((int)ix->items[i]->severity > max)
			max = (int)ix->items[i]->severity;
	}
	cell(o, b.failed ? "?" : b.p, 0);
	cell(o, max >= 0 ? dmar_severity_name((dmar_severity)max) : NULL, 0);
	free(b.p);
}

static void device_row(output *o, const dmar_report *r, const dmar_control_set *s,
                       const finding_index *ix, const dmar_device *d)
{
	char subsys[12], pol[2][4];
	cell(o, r->hive.path, 1);
	cell(o, r->hive.sha256, 0);
	cell(o, s->name, 0);
	cell(o, d->instance_id, 0);
	cell(o, d->vendor_id, 0);
	cell(o, d->device_id, 0);
	snprintf(subsys, sizeof(subsys), "%s%s", d->subsystem_id, d->subsystem_vendor_id);
	cell(o, subsys, 0);
	cell(o, d->revision, 0);
	cell(o, d->class_code, 0);
	cell(o, d->description, 0);
	cell(o, d->location, 0);
	cell(o, d->service, 0);
	cell_drivers(o, d);
	cell_number(o, &d->dma.remapping_supported);
	cell_number(o, &d->dma.remapping_flags);
	for (int g = 0; g < 2; g++) {
		snprintf(pol[g], sizeof(pol[g]), "%d", d->prediction[g].policy);
		cell(o, pol[g], 0);
	}
	cell(o, dmar_exposure_name(d->exposure.verdict), 0);
	cell(o, d->parent, 0);
	cell_time(o, d->first_install);
	cell_time(o, d->last_arrival);
	cell_time(o, d->last_removal);
	cell(o, d->package.package, 0);
	cell_findings(o, ix, d);
	cell(o, r->error, 0);
	end_row(o);
}

/* A row for an input with no device rows: its error, or only its name. */
static void bare_row(output *o, const char *path, const char *sha256,
                     const char *set, const char *error)
{
	cell(o, path, 1);
	cell(o, sha256, 0);
	cell(o, set, 0);
	for (size_t i = 3; i + 1 < N_COLUMNS; i++)
		cell(o, NULL, 0);
	cell(o, error, 0);
	end_row(o);
}

static void csv_begin(output *o)
{
	for (size_t i = 0; i < N_COLUMNS; i++)
		cell(o, COLUMNS[i], i == 0);
	end_row(o);
}

static void csv_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	(void)origin;   /* the hive column holds its location */
	size_t rows = 0;
	for (size_t i = 0; i < r->n_sets; i++) {
		finding_index ix;
		finding_index_build(&ix, &r->sets[i], o->opts->min_severity);
		for (size_t k = 0; k < r->sets[i].n_devices; k++, rows++)
			device_row(o, r, &r->sets[i], &ix, &r->sets[i].devices[k]);
		finding_index_free(&ix);
	}
	if (rows == 0)
		bare_row(o, r->hive.path, r->hive.sha256,
		         r->n_sets ? r->sets[0].name : NULL, r->error);
}

static void csv_failed(output *o, const char *path, const input_origin *origin,
                       const char *message)
{
	(void)origin;
	bare_row(o, path, NULL, NULL, message);
}

static int csv_end(output *o)
{
	return ferror(o->out) ? -1 : 0;
}

const output_ops output_csv_ops = { csv_begin, csv_hive, csv_failed, csv_end };
