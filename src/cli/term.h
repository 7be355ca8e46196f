/*
 * term.h - writing registry-derived text to a terminal safely, in colour.
 *
 * A hive from a compromised machine can carry escape sequences, control
 * characters and bidirectional overrides in any string; printed raw they
 * would act on the analyst's terminal.  Everything from a hive goes through
 * term_safe(), which shows such characters in a visible escaped form.
 */
#ifndef DMAR_TERM_H
#define DMAR_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum term_color {
	TC_RESET, TC_BOLD, TC_DIM, TC_RED, TC_YELLOW, TC_GREEN, TC_CYAN,
	TC_MAGENTA, TC_COUNT
} term_color;

/* Whether to colour: mode 1 always, 0 never, -1 auto (a terminal, and
 * neither NO_COLOR set nor TERM=dumb). */
int term_want_color(FILE *out, int mode);

/* The escape sequence for a colour, or "" when colour is off. */
const char *term_sgr(int color_on, term_color c);

/* Whether a code point must not reach a terminal as it is: C0 and C1
 * controls, DEL, bidirectional marks, overrides and isolates, the line and
 * paragraph separators, the byte order mark. */
int term_unsafe_char(uint32_t cp);

/* Escaped copy (caller frees): C0/C1 controls, DEL, bidi controls and
 * invalid UTF-8 become \xNN or \u{NNNN}; backslash is kept as is. */
char *term_safe(const char *s);

/* Display width of UTF-8 text, counting each code point as one column. */
size_t term_width(const char *s);

/* Copy at most 'cols' columns of s into a new string, ending with "..."
 * when cut (caller frees). */
char *term_clip(const char *s, size_t cols);

/* Columns of the terminal on 'out', or 0 when not a terminal. */
int term_columns(FILE *out);

#endif /* DMAR_TERM_H */
