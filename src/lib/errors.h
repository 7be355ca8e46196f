/*
 * errors.h - building dmar_error values inside the library.
 */
#ifndef DMAR_ERRORS_H
#define DMAR_ERRORS_H

#include <dmarscan.h>

/* Store a new error in *err (when err is not NULL) and return code. */
int dmar_error_set(dmar_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* DMAR_ERRORS_H */
