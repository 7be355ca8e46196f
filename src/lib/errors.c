/*
 * errors.c - the one error type of the public API.
 */
#include "config.h"

#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dmar_error_set(dmar_error **err, int code, const char *fmt, ...)
{
	if (err == NULL)
		return code;
	*err = NULL;
	dmar_error *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return code;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One line: messages may quote hive-derived text. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	e->code = code;
	e->message = strdup(buf);
	if (e->message == NULL) {
		free(e);
		return code;
	}
	*err = e;
	return code;
}

void dmar_error_free(dmar_error *err)
{
	if (err == NULL)
		return;
	free(err->message);
	free(err);
}
