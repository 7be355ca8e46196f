/*
 * software.c - context from the SOFTWARE hive: the OS build (which rule
 * generation applies) and the Kernel DMA Protection enumeration policy set
 * by Group Policy or MDM.
 */
#include "config.h"

#include "software.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

#define CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"
#define GP_KEY "Policies\\Microsoft\\Windows\\Kernel DMA Protection"
#define MDM_KEY "Microsoft\\PolicyManager\\current\\device\\DmaGuard"
#define FIRST_24H2_BUILD 26100

/* DeviceEnumerationPolicy from 'key' (absent: present = 0); a key or value
 * that cannot be read is the SOFTWARE hive's error (the policy is unknown,
 * not unset). */
static void read_policy(hkey *root, dmar_arena *a, const char *key,
                        dmar_value *out, uint64_t *written, const char **error)
{
	hkey *k = NULL;
	hive_value raw;
	memset(&raw, 0, sizeof(raw));
	*written = 0;
	int r = hkey_open(root, key, &k);
	if (r > 0) {
		if (hkey_get_value(k, a, "DeviceEnumerationPolicy", &raw) < 0)
			r = -1;
		*written = hkey_last_written(k);
	}
	if (r < 0 && *error == NULL)
		*error = arena_printf(a, "%s: %s", key, hive_last_error(hkey_hive(root)));
	collect_value(a, &raw, DMAR_VALUE_PLAIN_DWORD,
	              arena_printf(a, "%s\\DeviceEnumerationPolicy", key), out);
	if (out->is_dword && out->dword > 2)
		out->valid = 0;   /* 0, 1 and 2 are defined */
	hkey_free(k);
}

int software_read(dmar_hive *sw, dmar_arena *a, dmar_software *out)
{
	static const char *const names[] = { "CurrentBuild", "CurrentBuildNumber",
	                                     "DisplayVersion", "ReleaseId",
	                                     "ProductName", "UBR" };
	const dmar_hive_info *info = hive_info_early(sw);   /* sha256: dmar_scan */
	memset(out, 0, sizeof(*out));
	out->present = 1;
	out->path = arena_strdup(a, info->path);
	out->recovered = info->recovered;
	hkey *root = NULL, *cv = NULL;
	if (hive_root(sw, &root) < 0) {
		out->error = arena_printf(a, "cannot read its root key: %s",
		                          hive_last_error(sw));
		return arena_failed(a) ? -1 : 0;
	}
	int r = hkey_open(root, CURRENT_VERSION, &cv);
	if (r <= 0) {
		out->error = r < 0 ? arena_printf(a, "%s: %s", CURRENT_VERSION,
		                                  hive_last_error(sw))
		                   : "not a SOFTWARE hive: no " CURRENT_VERSION;
	} else {
		hive_value raw[6];
		if (hkey_get_values(cv, a, names, raw, 6) != 0)
			out->error = arena_printf(a, "%s: %s", CURRENT_VERSION,
			                          hive_last_error(sw));
		out->current_build = collect_string(a, &raw[0]);
		if (out->current_build == NULL)
			out->current_build = collect_string(a, &raw[1]);
		out->display_version = collect_string(a, &raw[2]);
		if (out->display_version == NULL)
			out->display_version = collect_string(a, &raw[3]);
		out->product_name = collect_string(a, &raw[4]);
		out->has_ubr = hive_value_dword(&raw[5], &out->ubr);
	}
	read_policy(root, a, GP_KEY, &out->enumeration_gp, &out->enumeration_gp_written,
	            &out->error);
	read_policy(root, a, MDM_KEY, &out->enumeration_mdm,
	            &out->enumeration_mdm_written, &out->error);
	hkey_free(cv);
	hkey_free(root);
	return arena_failed(a) ? -1 : 0;
}

int software_build_number(const dmar_software *sw)
{
	if (sw == NULL || !sw->present || sw->current_build == NULL)
		return 0;
	char *end = NULL;
	long n = strtol(sw->current_build, &end, 10);
	return end != sw->current_build && n > 0 && n < 1000000 ? (int)n : 0;
}

int software_is_24h2(const dmar_software *sw)
{
	return software_build_number(sw) >= FIRST_24H2_BUILD;
}
