/*
 * jsonmatch.c - deep "contains" matching of JSON documents, for tests.
 *
 * See jsonmatch.h for the rules.  Internally every matcher returns a
 * jm_status and, on anything but JM_OK, fills a 'miss' (the JSON pointer of
 * the place and what was wrong there) that the caller owns.  Matchers also
 * add up a score, the number of pattern parts that did match, so that when
 * an array pattern element matches no element the message can show the
 * closest candidate's mismatch rather than an arbitrary one.
 */
#define _POSIX_C_SOURCE 200809L

#include "jsonmatch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define JM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define JM_PRINTF(f, a)
#endif

/* Longest rendering of a value inside a message, in bytes. */
enum { RENDER_MAX = 72 };

/* Where the first mismatch is and what is wrong there; both malloc'd. */
typedef struct miss {
	char *where;   /* JSON pointer into the document ("" is the root) */
	char *what;
} miss;

static jm_status match_value(const json_t *pat, const json_t *doc,
                             const char *at, const jm_vars *vars,
                             size_t *score, miss *m);

/* ---- Small helpers --------------------------------------------------------- */

static char *str_vprintf(const char *fmt, va_list ap) JM_PRINTF(1, 0);

static char *str_vprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s != NULL && vsnprintf(s, (size_t)n + 1, fmt, ap) != n) {
		free(s);
		s = NULL;
	}
	return s;
}

static char *str_printf(const char *fmt, ...) JM_PRINTF(1, 2);

static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* jansson's object iteration takes a non-const json_t although it only
 * reads; this is the one place where const is dropped for it. */
static json_t *readonly(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

static void miss_free(miss *m)
{
	free(m->where);
	free(m->what);
	m->where = NULL;
	m->what = NULL;
}

/* Fill m with a copy of 'where' and the formatted description. */
static jm_status miss_set(miss *m, jm_status st, const char *where,
                          const char *fmt, ...) JM_PRINTF(4, 5);

static jm_status miss_set(miss *m, jm_status st, const char *where,
                          const char *fmt, ...)
{
	va_list ap;

	m->where = strdup(where);
	va_start(ap, fmt);
	m->what = str_vprintf(fmt, ap);
	va_end(ap);
	if (m->where == NULL || m->what == NULL) {
		miss_free(m);
		return JM_ENOMEM;
	}
	return st;
}

/* "where: what", the root shown as "(root)". */
static char *miss_message(const miss *m)
{
	const char *where = m->where[0] != '\0' ? m->where : "(root)";

	return str_printf("%s: %s", where, m->what);
}

/* Turn a status and its miss into the public (status, *msg) pair. */
static jm_status finish(jm_status st, miss *m, char **msg)
{
	*msg = NULL;
	if (st != JM_OK && m->where != NULL) {
		*msg = miss_message(m);
		if (*msg == NULL)
			st = JM_ENOMEM;
	}
	miss_free(m);
	return st;
}

/* Compact JSON text of v, cut to RENDER_MAX bytes with "...". */
static char *render(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s != NULL && strlen(s) > RENDER_MAX)
		memcpy(s + RENDER_MAX - 3, "...", 4);
	return s;
}

static char *render_bytes(const char *text, size_t len)
{
	json_t *v = json_stringn(text, len);
	char *s = v != NULL ? render(v) : NULL;

	json_decref(v);
	return s;
}

/* The keys of an object, comma-separated, for "missing key" messages. */
static char *key_list(const json_t *obj)
{
	char *list = strdup("");
	void *it;

	for (it = json_object_iter(readonly(obj)); it != NULL && list != NULL;
	     it = json_object_iter_next(readonly(obj), it)) {
		char *longer;

		if (strlen(list) > RENDER_MAX) {
			longer = str_printf("%s, ...", list);
			free(list);
			return longer;
		}
		longer = str_printf("%s%s%s", list, list[0] ? ", " : "",
		                    json_object_iter_key(it));
		free(list);
		list = longer;
	}
	return list;
}

/* Does hay[0..hlen) contain needle[0..nlen)?  Both may hold NUL bytes. */
static int contains_bytes(const char *hay, size_t hlen, const char *needle,
                          size_t nlen)
{
	size_t i;

	if (nlen > hlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* ---- Pointers -------------------------------------------------------------- */

char *jm_pointer_append(const char *base, const char *token)
{
	size_t blen = strlen(base), extra = 0, i, o;
	char *s;

	for (i = 0; token[i] != '\0'; i++)
		extra += (token[i] == '~' || token[i] == '/');
	s = malloc(blen + 1 + i + extra + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, base, blen);
	o = blen;
	s[o++] = '/';
	for (i = 0; token[i] != '\0'; i++) {
		if (token[i] == '~' || token[i] == '/') {
			s[o++] = '~';
			s[o++] = token[i] == '~' ? '0' : '1';
		} else {
			s[o++] = token[i];
		}
	}
	s[o] = '\0';
	return s;
}

char *jm_pointer_append_index(const char *base, size_t index)
{
	return str_printf("%s/%zu", base, index);
}

/* base followed by the raw (still escaped) segment seg[0..len). */
static char *pointer_extend_raw(const char *base, const char *seg, size_t len)
{
	return str_printf("%s/%.*s", base, (int)len, seg);
}

/* Unescape one reference token seg[0..len) ("~0" -> "~", "~1" -> "/"). */
static jm_status token_unescape(const char *seg, size_t len, char **out,
                                const char *at, miss *m)
{
	size_t i, o = 0;
	char *t = malloc(len + 1);

	if (t == NULL)
		return JM_ENOMEM;
	for (i = 0; i < len; i++) {
		if (seg[i] != '~') {
			t[o++] = seg[i];
			continue;
		}
		if (i + 1 >= len || (seg[i + 1] != '0' && seg[i + 1] != '1')) {
			free(t);
			return miss_set(m, JM_EPATTERN, at, "invalid escape in JSON "
			                "pointer segment \"%.*s\" (only ~0 and ~1)",
			                (int)len, seg);
		}
		t[o++] = seg[++i] == '0' ? '~' : '/';
	}
	t[o] = '\0';
	*out = t;
	return JM_OK;
}

/* RFC 6901 array index: "0" or digits without a leading zero. */
static int parse_index(const char *token, size_t *index)
{
	size_t v = 0, i;

	if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
		return 0;
	for (i = 0; token[i] != '\0'; i++) {
		if (token[i] < '0' || token[i] > '9' || i >= 18)
			return 0;
		v = v * 10 + (size_t)(token[i] - '0');
	}
	*index = v;
	return 1;
}

static jm_status step_object(const json_t *node, const char *token,
                             const char *child_at, const json_t **child,
                             miss *m)
{
	char *keys;
	jm_status st;

	*child = json_object_get(node, token);
	if (*child != NULL)
		return JM_OK;
	keys = key_list(node);
	if (keys == NULL)
		return JM_ENOMEM;
	st = miss_set(m, JM_MISMATCH, child_at, "no such key (the object "
	              "has: %s)", keys[0] ? keys : "no keys");
	free(keys);
	return st;
}

static jm_status step_array(const json_t *node, const char *token,
                            const char *child_at, const json_t **child,
                            miss *m)
{
	size_t index, n = json_array_size(node);

	if (!parse_index(token, &index))
		return miss_set(m, JM_MISMATCH, child_at, "\"%s\" is not an index, "
		                "and the value here is an array", token);
	*child = json_array_get(node, index);
	if (*child != NULL)
		return JM_OK;
	return miss_set(m, JM_MISMATCH, child_at, "no such element (the array "
	                "has %zu element%s)", n, n == 1 ? "" : "s");
}

/* Descend from node (found at 'at') by one unescaped token. */
static jm_status step(const json_t *node, const char *token, const char *at,
                      const char *child_at, const json_t **child, miss *m)
{
	char *shown;
	jm_status st;

	if (json_is_object(node))
		return step_object(node, token, child_at, child, m);
	if (json_is_array(node))
		return step_array(node, token, child_at, child, m);
	shown = render(node);
	if (shown == NULL)
		return JM_ENOMEM;
	st = miss_set(m, JM_MISMATCH, child_at, "nothing here: %s is %s, not "
	              "an object or array", at[0] ? at : "(root)", shown);
	free(shown);
	return st;
}

/* Split off the segment after *p (which points at a '/'). */
static void next_segment(const char **p, const char **seg, size_t *len)
{
	const char *end;

	*seg = *p + 1;
	end = strchr(*seg, '/');
	*len = end != NULL ? (size_t)(end - *seg) : strlen(*seg);
	*p = *seg + *len;
}

static jm_status check_pointer_syntax(const char *pointer, miss *m)
{
	if (pointer[0] == '\0' || pointer[0] == '/')
		return JM_OK;
	return miss_set(m, JM_EPATTERN, "", "JSON pointer \"%s\" must be empty "
	                "or start with '/'", pointer);
}

/* One step of a walk: unescape seg, descend, extend *at. */
static jm_status walk_segment(const json_t **node, char **at,
                              const char *seg, size_t len, miss *m)
{
	char *token = NULL, *child_at;
	jm_status st;

	child_at = pointer_extend_raw(*at, seg, len);
	if (child_at == NULL)
		return JM_ENOMEM;
	st = token_unescape(seg, len, &token, child_at, m);
	if (st == JM_OK)
		st = step(*node, token, *at, child_at, node, m);
	free(token);
	free(*at);
	*at = child_at;
	return st;
}

jm_status jm_pointer_get(const json_t *doc, const char *pointer,
                         const json_t **out, char **msg)
{
	miss m = { NULL, NULL };
	const char *p = pointer, *seg;
	char *at = strdup("");
	size_t len;
	jm_status st;

	*out = NULL;
	if (at == NULL)
		return finish(JM_ENOMEM, &m, msg);
	st = check_pointer_syntax(pointer, &m);
	while (st == JM_OK && *p != '\0') {
		next_segment(&p, &seg, &len);
		st = walk_segment(&doc, &at, seg, len, &m);
	}
	free(at);
	if (st == JM_OK)
		*out = doc;
	return finish(st, &m, msg);
}

/* ---- Matching -------------------------------------------------------------- */

/* "expected <expected>, found <rendering of doc>". */
static jm_status miss_found(miss *m, const char *at, const char *expected,
                            const json_t *doc)
{
	char *found = render(doc);
	jm_status st;

	if (found == NULL)
		return JM_ENOMEM;
	st = miss_set(m, JM_MISMATCH, at, "expected %s, found %s", expected,
	              found);
	free(found);
	return st;
}

/* The same, with the pattern rendered as the expectation. */
static jm_status miss_unequal(miss *m, const char *at, const json_t *pat,
                              const json_t *doc)
{
	char *expected = render(pat);
	jm_status st;

	if (expected == NULL)
		return JM_ENOMEM;
	st = miss_found(m, at, expected, doc);
	free(expected);
	return st;
}

/* Record the outcome of one part of a composite match: keep the first
 * mismatch in m, drop later ones, and let errors through at once. */
static jm_status merge_part(jm_status st, miss *part, jm_status *first,
                            miss *m)
{
	if (st == JM_OK)
		return JM_OK;
	if (st == JM_MISMATCH && *first == JM_MISMATCH) {
		miss_free(part);
		return JM_OK;
	}
	miss_free(m);
	*m = *part;
	*first = st;
	return st == JM_MISMATCH ? JM_OK : st;
}

static jm_status match_key(const char *key, const json_t *pv,
                           const json_t *doc, const char *at,
                           const jm_vars *vars, size_t *score, miss *m)
{
	char *child_at = jm_pointer_append(at, key), *keys;
	const json_t *dv = json_object_get(doc, key);
	jm_status st;

	if (child_at == NULL)
		return JM_ENOMEM;
	if (dv != NULL) {
		(*score)++;
		st = match_value(pv, dv, child_at, vars, score, m);
	} else if ((keys = key_list(doc)) == NULL) {
		st = JM_ENOMEM;
	} else {
		st = miss_set(m, JM_MISMATCH, child_at, "key is missing (the "
		              "object has: %s)", keys[0] ? keys : "no keys");
		free(keys);
	}
	free(child_at);
	return st;
}

static jm_status match_object(const json_t *pat, const json_t *doc,
                              const char *at, const jm_vars *vars,
                              size_t *score, miss *m)
{
	jm_status first = JM_OK, st = JM_OK;
	void *it;

	if (!json_is_object(doc))
		return miss_found(m, at, "an object", doc);
	for (it = json_object_iter(readonly(pat)); it != NULL && st == JM_OK;
	     it = json_object_iter_next(readonly(pat), it)) {
		miss part = { NULL, NULL };

		st = match_key(json_object_iter_key(it),
		               json_object_iter_value(it), doc, at, vars, score,
		               &part);
		st = merge_part(st, &part, &first, m);
	}
	return st != JM_OK ? st : first;
}

/* Try pattern element pe against every element of doc.  JM_OK when one
 * matches; JM_MISMATCH with the closest (highest-scoring) element's miss
 * in 'closest' and its index in *closest_index otherwise. */
static jm_status find_element(const json_t *pe, const json_t *doc,
                              const char *at, const jm_vars *vars,
                              size_t *score, miss *closest,
                              size_t *closest_index)
{
	size_t i, best = 0;

	for (i = 0; i < json_array_size(doc); i++) {
		miss cand = { NULL, NULL };
		size_t sc = 0;
		char *child_at = jm_pointer_append_index(at, i);
		jm_status st;

		if (child_at == NULL)
			return JM_ENOMEM;
		st = match_value(pe, json_array_get(doc, i), child_at, vars, &sc,
		                 &cand);
		free(child_at);
		if (st == JM_OK) {
			miss_free(closest);
			*score += sc;
			return JM_OK;
		}
		if (st != JM_MISMATCH) {
			miss_free(closest);
			*closest = cand;
			return st;
		}
		if (closest->where == NULL || sc > best) {
			miss_free(closest);
			*closest = cand;
			*closest_index = i;
			best = sc;
		} else {
			miss_free(&cand);
		}
	}
	*score += best;
	return JM_MISMATCH;
}

/* Describe a pattern element that matched nothing, from its closest miss. */
static jm_status miss_element(miss *m, const char *at, size_t index,
                              const json_t *pe, const json_t *doc,
                              const miss *closest, size_t closest_index)
{
	size_t n = json_array_size(doc);
	char *shown = render(pe);
	jm_status st;

	if (shown == NULL)
		return JM_ENOMEM;
	if (n == 0)
		st = miss_set(m, JM_MISMATCH, at, "pattern element [%zu] %s "
		              "found nothing: the array is empty", index, shown);
	else
		st = miss_set(m, JM_MISMATCH, at, "pattern element [%zu] %s "
		              "matched no element of the array (%zu element%s); "
		              "closest [%zu]: %s: %s", index, shown, n,
		              n == 1 ? "" : "s", closest_index, closest->where,
		              closest->what);
	free(shown);
	return st;
}

static jm_status match_element(const json_t *pat, size_t index,
                               const json_t *doc, const char *at,
                               const jm_vars *vars, size_t *score, miss *m)
{
	const json_t *pe = json_array_get(pat, index);
	miss closest = { NULL, NULL };
	size_t closest_index = 0;
	jm_status st;

	st = find_element(pe, doc, at, vars, score, &closest, &closest_index);
	if (st == JM_MISMATCH) {
		st = miss_element(m, at, index, pe, doc, &closest, closest_index);
		miss_free(&closest);
	} else if (st != JM_OK) {
		*m = closest;   /* the error, passed on as it is */
	}
	return st;
}

static jm_status match_array(const json_t *pat, const json_t *doc,
                             const char *at, const jm_vars *vars,
                             size_t *score, miss *m)
{
	jm_status first = JM_OK, st = JM_OK;
	size_t i;

	if (!json_is_array(doc))
		return miss_found(m, at, "an array", doc);
	for (i = 0; i < json_array_size(pat) && st == JM_OK; i++) {
		miss part = { NULL, NULL };

		st = match_element(pat, i, doc, at, vars, score, &part);
		st = merge_part(st, &part, &first, m);
	}
	return st != JM_OK ? st : first;
}

int jm_placeholder(const char *text, size_t len, const jm_vars *vars,
                   const char **value)
{
	static const char prefix[] = "$INPUT";
	const size_t plen = sizeof prefix - 1;
	size_t i, n = 0;

	if (len <= plen || len > plen + 9 || memcmp(text, prefix, plen) != 0)
		return 0;
	for (i = plen; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return 0;
		n = n * 10 + (size_t)(text[i] - '0');
	}
	if (vars == NULL || n >= vars->n_inputs)
		return -1;
	*value = vars->inputs[n];
	return 1;
}

/* If text[0..len) is "$INPUT<n>", replace it by the input's value and
 * point *var at the placeholder's text; else leave both and *var NULL. */
static jm_status substitute(const char **text, size_t *len,
                            const char **var, const jm_vars *vars,
                            const char *at, miss *m)
{
	size_t have = vars != NULL ? vars->n_inputs : 0;
	const char *value = NULL;
	int found = jm_placeholder(*text, *len, vars, &value);

	*var = NULL;
	if (found < 0)
		return miss_set(m, JM_EPATTERN, at, "the pattern uses %.*s but "
		                "there %s only %zu input%s", (int)*len, *text,
		                have == 1 ? "is" : "are", have,
		                have == 1 ? "" : "s");
	if (found > 0) {
		*var = *text;
		*text = value;
		*len = strlen(value);
	}
	return JM_OK;
}

/* How a string pattern reads in a message: "x", a string containing "x",
 * each followed by " ($INPUT<n>)" when it came from a placeholder. */
static char *describe_string(int contains, const char *want, size_t wlen,
                             const char *var, size_t varlen)
{
	char *quoted = render_bytes(want, wlen), *s;

	if (quoted == NULL)
		return NULL;
	s = str_printf("%s%s%s%.*s%s", contains ? "a string containing " : "",
	               quoted, var ? " (" : "", var ? (int)varlen : 0,
	               var ? var : "", var ? ")" : "");
	free(quoted);
	return s;
}

static jm_status match_string(const json_t *pat, const json_t *doc,
                              const char *at, const jm_vars *vars,
                              size_t *score, miss *m)
{
	const char *want = json_string_value(pat), *var;
	size_t wlen = json_string_length(pat), varlen;
	int contains = wlen > 0 && want[0] == '~', ok;
	char *expected;
	jm_status st;

	want += contains;
	wlen -= (size_t)contains;
	varlen = wlen;
	st = substitute(&want, &wlen, &var, vars, at, m);
	if (st != JM_OK)
		return st;
	ok = json_is_string(doc) &&
	     (contains ? contains_bytes(json_string_value(doc),
	                                json_string_length(doc), want, wlen)
	               : (json_string_length(doc) == wlen &&
	                  memcmp(json_string_value(doc), want, wlen) == 0));
	if (ok) {
		(*score)++;
		return JM_OK;
	}
	expected = describe_string(contains, want, wlen, var, varlen);
	if (expected == NULL)
		return JM_ENOMEM;
	st = miss_found(m, at, expected, doc);
	free(expected);
	return st;
}

static jm_status match_number(const json_t *pat, const json_t *doc,
                              const char *at, size_t *score, miss *m)
{
	int equal;

	if (!json_is_number(doc))
		return miss_unequal(m, at, pat, doc);
	if (json_is_integer(pat) && json_is_integer(doc))
		equal = json_integer_value(pat) == json_integer_value(doc);
	else
		equal = json_number_value(pat) == json_number_value(doc);
	if (!equal)
		return miss_unequal(m, at, pat, doc);
	(*score)++;
	return JM_OK;
}

/* true, false and null: the type is the value. */
static jm_status match_literal(const json_t *pat, const json_t *doc,
                               const char *at, size_t *score, miss *m)
{
	if (json_typeof(pat) != json_typeof(doc))
		return miss_unequal(m, at, pat, doc);
	(*score)++;
	return JM_OK;
}

static jm_status match_value(const json_t *pat, const json_t *doc,
                             const char *at, const jm_vars *vars,
                             size_t *score, miss *m)
{
	switch (json_typeof(pat)) {
	case JSON_OBJECT:
		return match_object(pat, doc, at, vars, score, m);
	case JSON_ARRAY:
		return match_array(pat, doc, at, vars, score, m);
	case JSON_STRING:
		return match_string(pat, doc, at, vars, score, m);
	case JSON_INTEGER:
	case JSON_REAL:
		return match_number(pat, doc, at, score, m);
	default:
		return match_literal(pat, doc, at, score, m);
	}
}

jm_status jm_match(const json_t *pattern, const json_t *doc,
                   const jm_vars *vars, char **msg)
{
	miss m = { NULL, NULL };
	size_t score = 0;

	return finish(match_value(pattern, doc, "", vars, &score, &m), &m, msg);
}

/* ---- Counting -------------------------------------------------------------- */

static jm_status count_array(const json_t *node, const char *at,
                             const json_t *where, const jm_vars *vars,
                             size_t *count, miss *m)
{
	size_t i;

	if (!json_is_array(node))
		return miss_found(m, at, "an array to count in", node);
	for (i = 0; i < json_array_size(node); i++) {
		miss cand = { NULL, NULL };
		size_t sc = 0;
		char *child_at;
		jm_status st = JM_OK;

		if (where != NULL) {
			child_at = jm_pointer_append_index(at, i);
			if (child_at == NULL)
				return JM_ENOMEM;
			st = match_value(where, json_array_get(node, i), child_at,
			                 vars, &sc, &cand);
			free(child_at);
		}
		if (st == JM_OK)
			(*count)++;
		else if (st == JM_MISMATCH)
			miss_free(&cand);
		else {
			*m = cand;
			return st;
		}
	}
	return JM_OK;
}

static jm_status count_at(const json_t *node, const char *rest,
                          const char *at, const json_t *where,
                          const jm_vars *vars, size_t *count, miss *m);

/* The "*" segment: go on from every element of an array or object. */
static jm_status count_each(const json_t *node, const char *rest,
                            const char *at, const json_t *where,
                            const jm_vars *vars, size_t *count, miss *m)
{
	jm_status st = JM_OK;
	size_t i;
	void *it;

	if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node) && st == JM_OK; i++) {
			char *child_at = jm_pointer_append_index(at, i);

			if (child_at == NULL)
				return JM_ENOMEM;
			st = count_at(json_array_get(node, i), rest, child_at, where,
			              vars, count, m);
			free(child_at);
		}
		return st;
	}
	if (!json_is_object(node))
		return miss_found(m, at, "an array or object for \"*\"", node);
	for (it = json_object_iter(readonly(node)); it != NULL && st == JM_OK;
	     it = json_object_iter_next(readonly(node), it)) {
		char *child_at = jm_pointer_append(at, json_object_iter_key(it));

		if (child_at == NULL)
			return JM_ENOMEM;
		st = count_at(json_object_iter_value(it), rest, child_at, where,
		              vars, count, m);
		free(child_at);
	}
	return st;
}

static jm_status count_at(const json_t *node, const char *rest,
                          const char *at, const json_t *where,
                          const jm_vars *vars, size_t *count, miss *m)
{
	const char *seg, *p = rest;
	char *here;
	size_t len;
	jm_status st;

	if (*rest == '\0')
		return count_array(node, at, where, vars, count, m);
	next_segment(&p, &seg, &len);
	if (len == 1 && seg[0] == '*')
		return count_each(node, p, at, where, vars, count, m);
	here = strdup(at);
	if (here == NULL)
		return JM_ENOMEM;
	st = walk_segment(&node, &here, seg, len, m);
	if (st == JM_OK)
		st = count_at(node, p, here, where, vars, count, m);
	free(here);
	return st;
}

jm_status jm_count(const json_t *doc, const char *at, const json_t *where,
                   const jm_vars *vars, size_t *count, char **msg)
{
	miss m = { NULL, NULL };
	jm_status st;

	*count = 0;
	st = check_pointer_syntax(at, &m);
	if (st == JM_OK)
		st = count_at(doc, at, "", where, vars, count, &m);
	return finish(st, &m, msg);
}
