/*
 * jsonw.h - JSON text written as it is produced, with no tree in between.
 *
 * The reports are large (a real hive gives hundreds of kilobytes of JSON)
 * and written once: building a jansson tree first and dumping it cost more
 * than the analysis.  The writer lays the text out exactly as jansson's
 * JSON_INDENT(2) (pretty) or JSON_COMPACT does, and every string it writes
 * is valid UTF-8 with the characters no reader should get raw escaped
 * (jsonsafe.h says which), so a line of output is always one JSON value.
 *
 * Calls nest as the text does: jw_obj ... jw_obj_end, a key before each
 * member's value.  Output gathers in the writer's buffer and goes out in
 * large writes: jw_flush at the end of each unit that should not wait.
 */
#ifndef DMAR_JSONW_H
#define DMAR_JSONW_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct jw jw;

/* A writer onto out; pretty: jansson's JSON_INDENT(2) layout, else compact.
 * NULL when out of memory. */
jw *jw_new(FILE *out, int pretty);

/* Hands what is buffered to the stream (without flushing it: the stream's
 * owner does) and frees the writer.  Returns 0, or -1 when any write
 * failed. */
int jw_free(jw *w);

/* Writes what is buffered and flushes the stream: what was written so far
 * is out.  Returns 0, or -1 when any write failed. */
int jw_flush(jw *w);

/* Text outside any value (a document's frame, a line break between JSON
 * lines), written as it is; the next value starts a new sequence. */
void jw_raw(jw *w, const char *text);

/* The name of the next member of the open object. */
void jw_key(jw *w, const char *key);

/* Values. */
void jw_obj(jw *w);
void jw_obj_end(jw *w);
void jw_arr(jw *w);
void jw_arr_end(jw *w);
void jw_str(jw *w, const char *s);            /* null when s is NULL */
void jw_strn(jw *w, const char *s, size_t len);
void jw_int(jw *w, long long v);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
void jw_json(jw *w, const json_t *j);         /* a jansson value */

/* Members: the key, then the value. */
void jw_kobj(jw *w, const char *key);
void jw_karr(jw *w, const char *key);
void jw_kstr(jw *w, const char *key, const char *s);
void jw_kint(jw *w, const char *key, long long v);
void jw_kbool(jw *w, const char *key, int v);
void jw_knull(jw *w, const char *key);

#endif /* DMAR_JSONW_H */
