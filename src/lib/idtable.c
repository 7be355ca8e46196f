/*
 * idtable.c - parse and match PCI identity tables (see idtable.h), and the
 * dmar_tables object that carries them into a scan.
 */
#include "config.h"

#include "idtable.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "text.h"

#define TABLE_FILE_MAX (16u * 1024u * 1024u)

struct dmar_tables {
	dmar_arena *arena;
	id_list port_ids;
	id_list attack_ids;
};

static const char *const PORT_KINDS[] = {
	"host-router", "tunnel-root-port", "tbt-bridge", "tbt-function"
};
#define N_PORT_KINDS (sizeof(PORT_KINDS) / sizeof(PORT_KINDS[0]))

/* Attack-hardware KINDs are severities, in dmar_severity order. */
static const char *const SEVERITY_KINDS[] = { "info", "low", "medium", "high" };
#define N_SEVERITY_KINDS (sizeof(SEVERITY_KINDS) / sizeof(SEVERITY_KINDS[0]))

/* ---- Parsing --------------------------------------------------------------- */

/* Copy exactly 'len' hex digits (upper-cased) from s into out. */
static int hex_field(const char *s, size_t len, char *out, size_t cap)
{
	if (len == 0 || len + 1 > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[len] = '\0';
	return 0;
}

/* One token of MATCH: "VEN_8086", "CC_0C03"...; returns 0 or -1. */
static int parse_token(const char *tok, size_t len, id_match *m)
{
	static const struct {
		const char *prefix;
		size_t min, max;
		size_t offset;
		size_t cap;
	} FIELDS[] = {
		{ "VEN_", 4, 4, offsetof(id_match, vendor), 5 },
		{ "DEV_", 4, 4, offsetof(id_match, device), 5 },
		{ "SUBSYS_", 8, 8, offsetof(id_match, subsystem), 9 },
		{ "REV_", 2, 2, offsetof(id_match, revision), 3 },
		{ "CC_", 2, 6, offsetof(id_match, class_code), 7 },
	};
	for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
		size_t plen = strlen(FIELDS[i].prefix);
		if (len <= plen || text_ncasecmp(tok, FIELDS[i].prefix, plen) != 0)
			continue;
		size_t vlen = len - plen;
		if (vlen < FIELDS[i].min || vlen > FIELDS[i].max)
			return -1;
		char *field = (char *)m + FIELDS[i].offset;
		if (field[0] != '\0')
			return -1;   /* given twice */
		return hex_field(tok + plen, vlen, field, FIELDS[i].cap);
	}
	return -1;
}

static int parse_match(const char *s, size_t len, id_match *m)
{
	memset(m, 0, sizeof(*m));
	size_t start = 0;
	int tokens = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '&')
			continue;
		if (parse_token(s + start, i - start, m) != 0)
			return -1;
		tokens++;
		start = i + 1;
	}
	return tokens > 0 ? 0 : -1;
}

/* Split off the next whitespace-separated word of *p (up to end). */
static size_t next_word(const char **p, const char *end, const char **word)
{
	while (*p < end && isspace((unsigned char)**p))
		(*p)++;
	*word = *p;
	while (*p < end && !isspace((unsigned char)**p))
		(*p)++;
	return (size_t)(*p - *word);
}

static int kind_of(const char *w, size_t n, const char *const *kinds,
                   size_t n_kinds)
{
	for (size_t k = 0; k < n_kinds; k++)
		if (strlen(kinds[k]) == n && strncmp(w, kinds[k], n) == 0)
			return (int)k;
	return -1;
}

static int parse_line(id_list *list, dmar_arena *a, const char *line,
                      const char *end, const char *where,
                      const char *const *kinds, size_t n_kinds,
                      dmar_error **err)
{
	const char *p = line, *w_match, *w_kind, *w_family, *rest;
	size_t n_match = next_word(&p, end, &w_match);
	if (n_match == 0 || *w_match == '#')
		return 0;   /* blank or comment */
	size_t n_kind = next_word(&p, end, &w_kind);
	size_t n_family = next_word(&p, end, &w_family);
	while (p < end && isspace((unsigned char)*p))
		p++;
	rest = p;
	id_entry *e = NULL;
	int kind = kind_of(w_kind, n_kind, kinds, n_kinds);
	if (n_kind == 0 || n_family == 0)
		return dmar_error_set(err, DMAR_EINVAL, "%s: expected MATCH KIND "
		                      "FAMILY DESCRIPTION", where);
	if (kind < 0)
		return dmar_error_set(err, DMAR_EINVAL, "%s: unknown kind '%.*s'",
		                      where, (int)n_kind, w_kind);
	if ((e = arena_vec_push(a, &list->entries)) == NULL)
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	if (parse_match(w_match, n_match, &e->match) != 0) {
		list->entries.count--;
		return dmar_error_set(err, DMAR_EINVAL, "%s: bad match '%.*s' "
		                      "(want tokens like VEN_8086&DEV_15EA or "
		                      "CC_0C0340)", where, (int)n_match, w_match);
	}
	e->kind = kind;
	e->family = (n_family == 1 && *w_family == '-')
	          ? "" : arena_strndup(a, w_family, n_family);
	e->description = arena_strndup(a, rest, (size_t)(end - rest));
	e->text = arena_strndup(a, w_match, n_match);
	e->source = arena_strdup(a, where);
	return arena_failed(a) ? dmar_error_set(err, DMAR_ENOMEM, "out of memory")
	                       : 0;
}

int idlist_parse(id_list *list, dmar_arena *a, const char *text, size_t len,
                 const char *source, const char *const *kinds, size_t n_kinds,
                 dmar_error **err)
{
	const char *p = text, *end = text + len;
	size_t before = list->entries.count;   /* a bad file adds nothing */
	for (unsigned lineno = 1; p < end; lineno++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol ? eol : end;
		if (stop > p && stop[-1] == '\r')
			stop--;
		char where[256];
		snprintf(where, sizeof(where), "%s:%u", source, lineno);
		int rc = parse_line(list, a, p, stop, where, kinds, n_kinds, err);
		if (rc != 0) {
			list->entries.count = before;
			return rc;
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* ---- Matching ------------------------------------------------------------------ */

static int field_matches(const char *want, const char *have)
{
	return want[0] == '\0' || (have != NULL && text_casecmp(want, have) == 0);
}

static int class_matches(const char *want, const char *have)
{
	return want[0] == '\0' ||
	       (have != NULL && text_ncasecmp(have, want, strlen(want)) == 0);
}

/* Later entries win: a user's file, added after the built-in table, can
 * override an entry of it. */
const id_entry *idlist_find(const id_list *list, const id_subject *s)
{
	const id_entry *items = list->entries.items;
	for (size_t i = list->entries.count; i-- > 0;) {
		const id_match *m = &items[i].match;
		if (field_matches(m->vendor, s->vendor) &&
		    field_matches(m->device, s->device) &&
		    field_matches(m->subsystem, s->subsystem) &&
		    field_matches(m->revision, s->revision) &&
		    class_matches(m->class_code, s->class_code))
			return &items[i];
	}
	return NULL;
}

static int specificity(const id_match *m)
{
	return (m->vendor[0] != '\0') + (m->device[0] != '\0') +
	       (m->subsystem[0] != '\0') + (m->revision[0] != '\0') +
	       (m->class_code[0] != '\0');
}

/* The most specific matching entry (the most tokens), the later one among
 * equals; NULL when none matches. */
const id_entry *idlist_find_specific(const id_list *list, const id_subject *s)
{
	const id_entry *items = list->entries.items, *best = NULL;
	for (size_t i = 0; i < list->entries.count; i++) {
		const id_match *m = &items[i].match;
		if (field_matches(m->vendor, s->vendor) &&
		    field_matches(m->device, s->device) &&
		    field_matches(m->subsystem, s->subsystem) &&
		    field_matches(m->revision, s->revision) &&
		    class_matches(m->class_code, s->class_code) &&
		    (best == NULL || specificity(m) >= specificity(&best->match)))
			best = &items[i];
	}
	return best;
}

/* ---- dmar_tables ------------------------------------------------------------------- */

int dmar_tables_new(dmar_tables **out, dmar_error **err)
{
	*out = NULL;
	dmar_tables *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->arena = arena_new()) == NULL) {
		free(t);
		return dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	}
	arena_vec_init(&t->port_ids.entries, sizeof(id_entry));
	arena_vec_init(&t->attack_ids.entries, sizeof(id_entry));
	int rc = idlist_parse(&t->port_ids, t->arena, builtin_external_ports,
	                      strlen(builtin_external_ports),
	                      "external-ports.ids (built in)", PORT_KINDS,
	                      N_PORT_KINDS, err);
	if (rc == 0)
		rc = idlist_parse(&t->attack_ids, t->arena, builtin_attack_hardware,
		                  strlen(builtin_attack_hardware),
		                  "attack-hardware.ids (built in)", SEVERITY_KINDS,
		                  N_SEVERITY_KINDS, err);
	if (rc != 0) {
		dmar_tables_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int read_text_file(const char *path, char **text, size_t *len,
                          dmar_error **err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return dmar_error_set(err, DMAR_EIO, "%s: %s", path, strerror(errno));
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap);
	int rc = 0;
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || ferror(f))
			break;
		if (cap >= TABLE_FILE_MAX) {
			rc = dmar_error_set(err, DMAR_EINVAL, "%s: larger than %u bytes",
			                    path, TABLE_FILE_MAX);
			break;
		}
		char *bigger = realloc(buf, cap * 2);
		if (bigger == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	if (rc == 0 && buf == NULL)
		rc = dmar_error_set(err, DMAR_ENOMEM, "out of memory");
	else if (rc == 0 && ferror(f))
		rc = dmar_error_set(err, DMAR_EIO, "%s: read error", path);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int add_file(id_list *list, dmar_arena *a, const char *path,
                    const char *const *kinds, size_t n_kinds, dmar_error **err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_text_file(path, &text, &len, err);
	if (rc == 0)
		rc = idlist_parse(list, a, text, len, path, kinds, n_kinds, err);
	free(text);
	return rc;
}

int dmar_tables_add_port_ids(dmar_tables *t, const char *path, dmar_error **err)
{
	return add_file(&t->port_ids, t->arena, path, PORT_KINDS, N_PORT_KINDS, err);
}

int dmar_tables_add_attack_ids(dmar_tables *t, const char *path, dmar_error **err)
{
	return add_file(&t->attack_ids, t->arena, path, SEVERITY_KINDS,
	                N_SEVERITY_KINDS, err);
}

void dmar_tables_free(dmar_tables *t)
{
	if (t == NULL)
		return;
	arena_free(t->arena);
	free(t);
}

const id_list *tables_port_ids(const dmar_tables *t)
{
	return &t->port_ids;
}

const id_list *tables_attack_ids(const dmar_tables *t)
{
	return &t->attack_ids;
}
