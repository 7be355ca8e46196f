/*
 * jsonw.c - see jsonw.h.
 *
 * The layout follows jansson's dump.c, so that a report reads the same
 * whichever way it was made: pretty puts each member and element on a line
 * of its own, indented two spaces a level, ": " after keys, "{}" and "[]"
 * for empty containers; compact writes "," and ":" with no spaces.
 *
 * One flag carries the state between calls: whether the open container
 * already holds a value (so the next one needs a comma).  A key sets
 * 'after_key' so that its value follows without separator.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "term.h"
#include "text.h"

struct jw {
	FILE *out;
	int pretty;
	int depth;                 /* containers open */
	int need_comma;            /* the open container holds a value */
	int after_key;             /* a key was written, its value is next */
	int failed;
	size_t len;                /* bytes waiting in buf */
	char buf[16384];
};

jw *jw_new(FILE *out, int pretty)
{
	jw *w = malloc(sizeof(*w));
	if (w != NULL)
		*w = (jw){ .out = out, .pretty = pretty };
	return w;
}

/* The buffer into the stream's. */
static void drain(jw *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->failed = 1;
	w->len = 0;
}

int jw_flush(jw *w)
{
	drain(w);
	if (fflush(w->out) != 0)
		w->failed = 1;
	return w->failed ? -1 : 0;
}

int jw_free(jw *w)
{
	if (w == NULL)
		return 0;
	drain(w);
	int rc = w->failed ? -1 : 0;
	free(w);
	return rc;
}

static void put(jw *w, const void *p, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		drain(w);
		if (n > sizeof(w->buf)) {
			if (fwrite(p, 1, n, w->out) != n)
				w->failed = 1;
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_char(jw *w, char c)
{
	if (w->len == sizeof(w->buf))
		drain(w);
	w->buf[w->len++] = c;
}

/* A line break and the indent of the current depth (pretty only). */
static void newline(jw *w)
{
	static const char spaces[] = "\n                                "
	                             "                                ";
	size_t n = 1 + 2 * (size_t)w->depth;
	if (n <= sizeof(spaces) - 1) {
		put(w, spaces, n);
		return;
	}
	put(w, spaces, sizeof(spaces) - 1);
	for (n -= sizeof(spaces) - 1; n > 0; n--)
		put_char(w, ' ');
}

/* Code points written as \uXXXX although JSON allows them raw: those a
 * terminal must not get raw (C0 and DEL below, C1, separators, bidi). */
static void put_escape(jw *w, uint32_t cp)
{
	char esc[8];
	switch (cp) {
	case '"':  put(w, "\\\"", 2); return;
	case '\\': put(w, "\\\\", 2); return;
	case '\b': put(w, "\\b", 2); return;
	case '\f': put(w, "\\f", 2); return;
	case '\n': put(w, "\\n", 2); return;
	case '\r': put(w, "\\r", 2); return;
	case '\t': put(w, "\\t", 2); return;
	default:
		put(w, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)cp));
	}
}

/* A string's text: runs of plain ASCII go out as they are; invalid UTF-8
 * becomes U+FFFD byte by byte, as text_sanitize_utf8 makes it. */
static void put_string(jw *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, plain = 0;
	put_char(w, '"');
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
			i++;
			continue;
		}
		put(w, p + plain, i - plain);
		if (c < 0x80) {
			put_escape(w, c);
			i++;
		} else {
			uint32_t cp;
			size_t n = text_utf8_next(s + i, len - i, &cp);
			if (n == 0) {
				put(w, "\xEF\xBF\xBD", 3);
				n = 1;
			} else if (term_unsafe_char(cp)) {
				put_escape(w, cp);
			} else {
				put(w, p + i, n);
			}
			i += n;
		}
		plain = i;
	}
	put(w, p + plain, len - plain);
	put_char(w, '"');
}

/* What goes before any value: nothing after a key, else the separator
 * from the previous element and, pretty, the element's own line. */
static void before_value(jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->need_comma)
		put_char(w, ',');
	if (w->pretty && w->depth > 0)
		newline(w);
}

void jw_raw(jw *w, const char *text)
{
	put(w, text, strlen(text));
	w->need_comma = 0;
	w->after_key = 0;
}

void jw_key(jw *w, const char *key)
{
	if (w->need_comma)
		put_char(w, ',');
	if (w->pretty)
		newline(w);
	put_string(w, key, strlen(key));
	if (w->pretty)
		put(w, ": ", 2);
	else
		put_char(w, ':');
	w->after_key = 1;
}

static void open_container(jw *w, char c)
{
	before_value(w);
	put_char(w, c);
	w->depth++;
	w->need_comma = 0;
}

static void close_container(jw *w, char c)
{
	w->depth--;
	if (w->need_comma && w->pretty)
		newline(w);
	put_char(w, c);
	w->need_comma = 1;
}

void jw_obj(jw *w)
{
	open_container(w, '{');
}

void jw_obj_end(jw *w)
{
	close_container(w, '}');
}

void jw_arr(jw *w)
{
	open_container(w, '[');
}

void jw_arr_end(jw *w)
{
	close_container(w, ']');
}

void jw_strn(jw *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w, s, len);
	w->need_comma = 1;
}

void jw_str(jw *w, const char *s)
{
	if (s == NULL)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, long long v)
{
	char digits[24];
	size_t n = sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		digits[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		digits[--n] = '-';
	before_value(w);
	put(w, digits + n, sizeof(digits) - n);
	w->need_comma = 1;
}

static void put_word(jw *w, const char *word)
{
	before_value(w);
	put(w, word, strlen(word));
	w->need_comma = 1;
}

void jw_bool(jw *w, int v)
{
	put_word(w, v ? "true" : "false");
}

void jw_null(jw *w)
{
	put_word(w, "null");
}

void jw_json(jw *w, const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		jw_obj(w);
		json_object_foreach((json_t *)j, key, v) {
			jw_key(w, key);
			jw_json(w, v);
		}
		jw_obj_end(w);
		break;
	case JSON_ARRAY:
		jw_arr(w);
		json_array_foreach(j, i, v)
			jw_json(w, v);
		jw_arr_end(w);
		break;
	case JSON_STRING:
		jw_strn(w, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		jw_int(w, (long long)json_integer_value(j));
		break;
	case JSON_REAL: {
		/* jansson's own text for a real, which keeps it a real */
		char *text = json_dumps(j, JSON_ENCODE_ANY);
		put_word(w, text ? text : "null");
		free(text);
		break;
	}
	case JSON_TRUE:
		jw_bool(w, 1);
		break;
	case JSON_FALSE:
		jw_bool(w, 0);
		break;
	default:
		jw_null(w);
	}
}

void jw_kobj(jw *w, const char *key)
{
	jw_key(w, key);
	jw_obj(w);
}

void jw_karr(jw *w, const char *key)
{
	jw_key(w, key);
	jw_arr(w);
}

void jw_kstr(jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kint(jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kbool(jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_knull(jw *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}
