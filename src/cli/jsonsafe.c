/*
 * jsonsafe.c - see jsonsafe.h.
 *
 * jansson escapes only what JSON requires (C0 controls, quote, backslash).
 * Its output is ASCII outside strings, so any byte of DEL or of a multi-byte
 * UTF-8 sequence is inside a string, where \uXXXX means the same character:
 * the writer below rewrites those that must not appear raw.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "jsonsafe.h"
#include "term.h"
#include "text.h"

json_t *jsonsafe_string(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	dmar_arena *a = arena_new();
	char *fixed = a ? text_sanitize_utf8(a, s, strlen(s)) : NULL;
	j = fixed ? json_string(fixed) : NULL;
	arena_free(a);
	return j ? j : json_string("\xEF\xBF\xBD");
}

/* Code points written as \uXXXX even though JSON allows them raw: those
 * a terminal must not get raw (jansson escapes C0 itself). */
static int must_escape(uint32_t cp)
{
	return cp >= 0x7F && term_unsafe_char(cp);
}

typedef struct sink {
	FILE *out;
	int indent;                /* spaces after each line break */
	int failed;
	size_t len;                /* bytes waiting in buf */
	char buf[16384];           /* the pieces of the text (plain runs,
	                              escapes, indents) gathered into large
	                              writes */
} sink;

static void flush(sink *s)
{
	if (s->len > 0 && fwrite_unlocked(s->buf, 1, s->len, s->out) != s->len)
		s->failed = 1;
	s->len = 0;
}

static void put(sink *s, const void *p, size_t n)
{
	if (n > sizeof(s->buf) - s->len) {
		flush(s);
		if (n > sizeof(s->buf)) {
			if (fwrite_unlocked(p, 1, n, s->out) != n)
				s->failed = 1;
			return;
		}
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* Length of the UTF-8 sequence a lead byte starts (1 for anything else:
 * jansson only writes valid UTF-8, a stray byte is passed on as is). */
static size_t seq_len(unsigned char b)
{
	return b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 1;
}

static uint32_t decode(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0];
	uint32_t cp = p[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (p[i] & 0x3F);
	return cp;
}

static void put_seq(sink *s, const unsigned char *p, size_t n)
{
	uint32_t cp = decode(p, n);
	char esc[8];
	if (must_escape(cp))
		put(s, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)cp));
	else
		put(s, p, n);
}

static void put_spaces(sink *s, int n)
{
	static const char spaces[] = "                                ";
	while (n > 0) {
		size_t k = n < (int)sizeof(spaces) - 1 ? (size_t)n : sizeof(spaces) - 1;
		put(s, spaces, k);
		n -= (int)k;
	}
}

/* The text jansson wrote, rewritten where it must be (the stream is locked
 * once for the whole value by jsonsafe_dump_at, each write goes unlocked).
 * A sequence cut short at the end (jansson writes none) goes out as is. */
static void write_text(sink *s, const unsigned char *p, size_t size)
{
	size_t i = 0, plain = 0;
	while (i < size) {
		if (p[i] == '\n' && s->indent > 0) {
			/* jansson writes line breaks only between values */
			i++;
			put(s, p + plain, i - plain);
			put_spaces(s, s->indent);
			plain = i;
			continue;
		}
		if (p[i] < 0x7F) {
			i++;
			continue;
		}
		size_t n = seq_len(p[i]);
		if (i + n > size)
			break;
		put(s, p + plain, i - plain);
		put_seq(s, p + i, n);
		i += n;
		plain = i;
	}
	put(s, p + plain, size - plain);
}

int jsonsafe_dump(const json_t *j, FILE *out, size_t flags)
{
	return jsonsafe_dump_at(j, out, flags, 0);
}

int jsonsafe_dump_at(const json_t *j, FILE *out, size_t flags, int indent)
{
	sink *s = malloc(sizeof(*s));
	if (s == NULL)
		return -1;
	*s = (sink){ .out = out, .indent = indent };
	/* jansson's own buffer takes its many small tokens; the text is then
	 * checked and written in one pass */
	char *text = json_dumps(j, flags);
	int failed = text == NULL;
	flockfile(out);
	if (text != NULL)
		write_text(s, (const unsigned char *)text, strlen(text));
	free(text);
	flush(s);
	funlockfile(out);
	failed |= s->failed;
	free(s);
	return failed ? -1 : 0;
}
