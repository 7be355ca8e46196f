/*
 * text.c - UTF-16LE decoding, UTF-8 repair and small string helpers.
 */
#include "config.h"

#include "text.h"

#include "bytes.h"

#include <dmarscan.h>
#include <stdio.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu
#define DISPLAY_ITEMS 16   /* strings of a REG_MULTI_SZ shown in evidence */

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint16_t unit_at(const uint8_t *data, size_t i)
{
	return (uint16_t)(data[2 * i] | (data[2 * i + 1] << 8));
}

/* Decode units [0, n) into UTF-8 at out (room for 3 bytes per unit is
 * enough: a pair of units makes 4 bytes).  Returns bytes written. */
static size_t decode_units(const uint8_t *data, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = unit_at(data, i);
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
			uint32_t lo = unit_at(data, i + 1);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				u = REPLACEMENT;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = REPLACEMENT;
		}
		o += utf8_put(out + o, u);
	}
	return o;
}

static size_t units_until_nul(const uint8_t *data, size_t units)
{
	size_t n = 0;
	while (n < units && unit_at(data, n) != 0)
		n++;
	return n;
}

size_t text_utf16le_decode(const uint8_t *data, size_t size, char *out)
{
	size_t n = data ? units_until_nul(data, size / 2) : 0;
	size_t len = decode_units(data, n, out);
	out[len] = '\0';
	return len;
}

char *text_from_utf16le(dmar_arena *a, const uint8_t *data, size_t size)
{
	size_t n = data ? units_until_nul(data, size / 2) : 0;
	char *out = arena_alloc(a, n * 3 + 1);
	if (out == NULL)
		return NULL;
	out[decode_units(data, n, out)] = '\0';
	return out;
}

int text_multi_from_utf16le(dmar_arena *a, const uint8_t *data, size_t size,
                            const char ***out)
{
	arena_strlist list;
	arena_strlist_init(&list);
	size_t units = data ? size / 2 : 0;
	size_t pos = 0;
	while (pos < units) {
		size_t n = units_until_nul(data + 2 * pos, units - pos);
		if (n == 0)
			break;
		char *s = arena_alloc(a, n * 3 + 1);
		if (s == NULL)
			return -1;
		s[decode_units(data + 2 * pos, n, s)] = '\0';
		if (arena_strlist_add(a, &list, s) != 0)
			return -1;
		pos += n + 1;
	}
	*out = arena_strlist_items(&list);
	return (int)arena_strlist_count(&list);
}

size_t text_utf8_next(const char *str, size_t left, uint32_t *out)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t need;
	uint32_t cp;
	if (left == 0)
		return 0;
	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	*out = cp;
	return need;
}

char *text_sanitize_utf8(dmar_arena *a, const char *s, size_t len)
{
	if (s == NULL)
		return NULL;
	char *out = arena_alloc(a, len * 3 + 1);
	if (out == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len && p[i] != 0;) {
		uint32_t cp;
		size_t n = text_utf8_next((const char *)p + i, len - i, &cp);
		if (n == 0) {
			o += utf8_put(out + o, REPLACEMENT);
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

static int fold(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int text_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = fold((unsigned char)a[i]);
		int cb = fold((unsigned char)b[i]);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

int text_casecmp(const char *a, const char *b)
{
	return text_ncasecmp(a, b, (size_t)-1);
}

int text_starts_with_nocase(const char *s, const char *prefix)
{
	return text_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

#define FORMATTED_MAX (64u * 1024u)   /* longer results stay unformatted */

typedef struct template_args {
	const char *arg[9];
	size_t len[9];
	size_t n;
} template_args;

static void split_args(const char *args, size_t alen, template_args *t)
{
	t->n = 0;
	for (size_t i = 0; i <= alen && t->n < 9;) {
		size_t j = i;
		while (j < alen && args[j] != ',')
			j++;
		t->arg[t->n] = args + i;
		t->len[t->n++] = j - i;
		i = j + 1;
	}
}

/* Expand %1..%9 ("%%" is a percent sign; a missing argument stays %n)
 * into out, or only count when out is NULL.  Returns the length. */
static size_t expand_template(const char *tmpl, size_t tlen,
                              const template_args *t, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < tlen; i++) {
		char next = i + 1 < tlen ? tmpl[i + 1] : '\0';
		if (tmpl[i] == '%' && next >= '1' && next <= '9' &&
		    (size_t)(next - '1') < t->n) {
			size_t k = (size_t)(next - '1');
			if (out)
				memcpy(out + o, t->arg[k], t->len[k]);
			o += t->len[k];
			i++;
		} else if (tmpl[i] == '%' && next == '%') {
			if (out)
				out[o] = '%';
			o++;
			i++;
		} else {
			if (out)
				out[o] = tmpl[i];
			o++;
		}
		if (o > FORMATTED_MAX)
			return o;
	}
	return o;
}

const char *text_indirect_format(dmar_arena *a, const char *s)
{
	if (s == NULL || s[0] != '@')
		return s;
	const char *text = strchr(s, ';');
	if (text == NULL)
		return s;
	text++;
	size_t len = strlen(text);
	const char *args = strstr(text, ";(");
	if (args == NULL || len < 2 || text[len - 1] != ')')
		return text;
	template_args t;
	size_t tlen = (size_t)(args - text);
	split_args(args + 2, (size_t)(text + len - 1 - (args + 2)), &t);
	size_t need = expand_template(text, tlen, &t, NULL);
	if (need > FORMATTED_MAX)
		return text;
	char *out = arena_alloc(a, need + 1);
	if (out == NULL)
		return text;
	expand_template(text, tlen, &t, out);
	out[need] = '\0';
	return out;
}

char *text_lower(dmar_arena *a, const char *s)
{
	char *out = arena_strdup(a, s);
	if (out != NULL)
		for (char *p = out; *p; p++)
			*p = (char)fold((unsigned char)*p);
	return out;
}

char *text_join(dmar_arena *a, const char *const *items, size_t n,
                const char *sep)
{
	size_t seplen = strlen(sep), total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(items[i]) + (i ? seplen : 0);
	char *out = arena_alloc(a, total);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(out + o, sep, seplen);
			o += seplen;
		}
		size_t len = strlen(items[i]);
		memcpy(out + o, items[i], len);
		o += len;
	}
	out[o] = '\0';
	return out;
}

static char *display_hex(dmar_arena *a, const char *type_name,
                         const uint8_t *data, size_t size)
{
	char hex[16 * 3 + 8];
	size_t shown = size < 16 ? size : 16;
	size_t o = 0;
	for (size_t i = 0; i < shown; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, " %02x", data[i]);
	if (shown < size)
		snprintf(hex + o, sizeof(hex) - o, " ...");
	return arena_printf(a, "%s %zu byte%s%s", type_name, size,
	                    size == 1 ? "" : "s", hex);
}

const char *text_type_label(dmar_arena *a, uint32_t type)
{
	const char *name = dmar_reg_type_name(type);
	return name ? name : arena_printf(a, "type 0x%08x", type);
}

char *text_value_display(dmar_arena *a, uint32_t type, const uint8_t *data,
                         size_t size)
{
	const char *name = text_type_label(a, type);
	if (name == NULL)
		return NULL;
	if (type == DMAR_REG_DWORD && size == 4) {
		uint32_t v = le32(data);
		return arena_printf(a, "REG_DWORD 0x%08x (%u)", v, v);
	}
	if (type == DMAR_REG_SZ || type == DMAR_REG_EXPAND_SZ) {
		char *s = text_from_utf16le(a, data, size);
		return s ? arena_printf(a, "%s \"%s\"", name, s) : NULL;
	}
	if (type == DMAR_REG_MULTI_SZ) {
		const char **items = NULL;
		int n = text_multi_from_utf16le(a, data, size, &items);
		if (n < 0)
			return NULL;
		size_t shown = (size_t)n < DISPLAY_ITEMS ? (size_t)n : DISPLAY_ITEMS;
		const char **quoted = arena_calloc(a, shown + 1, sizeof(*quoted));
		for (size_t i = 0; quoted && i < shown; i++)
			quoted[i] = arena_printf(a, "\"%s\"", items[i]);
		const char *list = quoted ? text_join(a, quoted, shown, ", ") : NULL;
		if (list == NULL)
			return NULL;
		return (size_t)n > shown
		       ? arena_printf(a, "REG_MULTI_SZ [%s, ... %zu more]", list,
		                      (size_t)n - shown)
		       : arena_printf(a, "REG_MULTI_SZ [%s]", list);
	}
	return display_hex(a, name, data, size);
}
