/*
 * jsonsafe.c - see jsonsafe.h.  The escaping is the JSON writer's
 * (jsonw.c): a tree is written through it.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "jsonsafe.h"
#include "jsonw.h"
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

int jsonsafe_dump(const json_t *j, FILE *out, int pretty)
{
	jw *w = jw_new(out, pretty);
	if (w == NULL)
		return -1;
	jw_json(w, j);
	return jw_free(w);
}
