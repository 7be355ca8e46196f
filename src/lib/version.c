/*
 * version.c - the versions of dmarscan and of the libraries it runs with,
 * for --version and for bug reports.
 */
#include "config.h"

#include <dmarscan.h>
#include <libbfio.h>
#include <libfwnt.h>
#include <libregf.h>
#include <openssl/crypto.h>
#include <stdio.h>

const char *dmar_version(void)
{
	return PACKAGE_VERSION;
}

const char *dmar_libregf_version(void)
{
	return libregf_get_version();
}

const char *dmar_dependency_versions(void)
{
	static char buf[256];
	if (buf[0] == '\0')
		snprintf(buf, sizeof(buf), "libregf %s, libbfio %s, libfwnt %s, %s",
		         libregf_get_version(), libbfio_get_version(),
		         libfwnt_get_version(), OpenSSL_version(OPENSSL_VERSION));
	return buf;
}
