/*
 * term.c - terminal-safe text and colour (see term.h).
 */
#include "config.h"

#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "text.h"

static const char *const SGR[TC_COUNT] = {
	"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[32m",
	"\033[36m", "\033[35m"
};

int term_want_color(FILE *out, int mode)
{
	if (mode >= 0)
		return mode;
	const char *no = getenv("NO_COLOR");
	if (no != NULL && no[0] != '\0')
		return 0;
	const char *term = getenv("TERM");
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(out));
}

const char *term_sgr(int color_on, term_color c)
{
	return (color_on && c < TC_COUNT) ? SGR[c] : "";
}

/* Characters that must not reach a terminal as they are: controls, the
 * bidirectional marks, overrides and isolates, the line and paragraph
 * separators, the byte order mark. */
int term_unsafe_char(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	       (cp >= 0x200E && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF;
}

char *term_safe(const char *s)
{
	if (s == NULL)
		return strdup("");
	size_t len = strlen(s);
	/* worst case: every byte becomes \u{NNNNNN} (10 bytes) */
	char *out = malloc(len * 10 + 1);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = text_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			o += (size_t)sprintf(out + o, "\\x%02X", (unsigned char)s[i]);
			i++;
		} else if (term_unsafe_char(cp)) {
			o += (size_t)sprintf(out + o, cp < 0x100 ? "\\x%02X" : "\\u{%04X}",
			                     (unsigned)cp);
			i += n;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

size_t term_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

char *term_clip(const char *s, size_t cols)
{
	if (term_width(s) <= cols || cols < 4)
		return strdup(s);
	size_t keep = cols - 3, w = 0, i = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (; p[i]; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			if (w == keep)
				break;
			w++;
		}
	}
	char *out = malloc(i + 4);
	if (out == NULL)
		return NULL;
	memcpy(out, s, i);
	memcpy(out + i, "...", 4);
	return out;
}

int term_columns(FILE *out)
{
	struct winsize ws;
	if (!isatty(fileno(out)) || ioctl(fileno(out), TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}
