/*
 * filetime.c - Windows FILETIME (100 ns since 1601-01-01 UTC) as ISO 8601.
 */
#include "config.h"

#include <dmarscan.h>
#include <stdio.h>
#include <time.h>

#define FILETIME_PER_SECOND 10000000ull
#define SECONDS_1601_TO_1970 11644473600ll

const char *dmar_filetime_iso(uint64_t filetime, char *buf, size_t size)
{
	if (filetime == 0 || buf == NULL || size < 21)
		return NULL;
	long long secs = (long long)(filetime / FILETIME_PER_SECOND) -
	                 SECONDS_1601_TO_1970;
	time_t t = (time_t)secs;
	struct tm tm;
	if ((long long)t != secs || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1601)
		return NULL;
	if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}
