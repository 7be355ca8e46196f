/*
 * jsonsafe.h - JSON text that no reader can misread.
 *
 * Strings from a hive become valid UTF-8 (invalid bytes and lone surrogates
 * as U+FFFD), and the JSON written escapes every control character: C0
 * (which JSON requires), DEL, C1, the line and paragraph separators U+2028
 * and U+2029 (which end a line in JavaScript) and the bidirectional
 * overrides and isolates (which reorder text on screen), so a line of
 * output is always one JSON value and shows what it holds.
 */
#ifndef DMAR_JSONSAFE_H
#define DMAR_JSONSAFE_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string of s (null when s is NULL), made valid UTF-8. */
json_t *jsonsafe_string(const char *s);

/* Write j, pretty (jansson's JSON_INDENT(2) layout) or compact, the
 * characters above escaped.  Returns 0, or -1 when writing failed. */
int jsonsafe_dump(const json_t *j, FILE *out, int pretty);

#endif /* DMAR_JSONSAFE_H */
