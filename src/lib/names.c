/*
 * names.c - the stable spellings of enumerations, as the JSON contract and
 * the command line use them.
 */
#include "config.h"

#include <dmarscan.h>
#include <string.h>

const char *dmar_generation_name(dmar_generation g)
{
	switch (g) {
	case DMAR_GEN_PRE_24H2: return "pre-24h2";
	case DMAR_GEN_24H2: return "24h2";
	default: return "unknown";
	}
}

static const char *const SEVERITY_NAMES[] = { "info", "low", "medium", "high" };

const char *dmar_severity_name(dmar_severity s)
{
	return (unsigned)s < 4 ? SEVERITY_NAMES[s] : "unknown";
}

const char *dmar_right_name(uint32_t right)
{
	switch (right) {
	case DMAR_RIGHT_SET_VALUE: return "set_value";
	case DMAR_RIGHT_CREATE_SUBKEY: return "create_subkey";
	case DMAR_RIGHT_WRITE_DAC: return "write_dac";
	case DMAR_RIGHT_WRITE_OWNER: return "write_owner";
	case DMAR_RIGHT_DELETE: return "delete";
	default: return NULL;
	}
}

int dmar_severity_parse(const char *name, dmar_severity *out)
{
	for (unsigned i = 0; name != NULL && i < 4; i++) {
		if (strcmp(name, SEVERITY_NAMES[i]) == 0) {
			*out = (dmar_severity)i;
			return 0;
		}
	}
	return DMAR_EINVAL;
}

const char *dmar_level_name(dmar_level l)
{
	switch (l) {
	case DMAR_LEVEL_OPT_OUT: return "opt_out";
	case DMAR_LEVEL_OPT_IN: return "opt_in";
	case DMAR_LEVEL_CONDITIONAL: return "conditional";
	case DMAR_LEVEL_NONE: return "none";
	}
	return "none";
}

const char *dmar_role_name(dmar_role r)
{
	switch (r) {
	case DMAR_ROLE_LOWER_FILTER: return "lower_filter";
	case DMAR_ROLE_CLASS_LOWER_FILTER: return "class_lower_filter";
	case DMAR_ROLE_SERVICE: return "service";
	case DMAR_ROLE_UPPER_FILTER: return "upper_filter";
	case DMAR_ROLE_CLASS_UPPER_FILTER: return "class_upper_filter";
	}
	return "unknown";
}

const char *dmar_exposure_name(dmar_exposure_verdict v)
{
	switch (v) {
	case DMAR_EXPOSURE_EXTERNAL: return "external";
	case DMAR_EXPOSURE_LIKELY_EXTERNAL: return "likely_external";
	case DMAR_EXPOSURE_INTERNAL: return "internal";
	case DMAR_EXPOSURE_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *dmar_reg_type_name(uint32_t type)
{
	switch (type) {
	case DMAR_REG_NONE: return "REG_NONE";
	case DMAR_REG_SZ: return "REG_SZ";
	case DMAR_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
	case DMAR_REG_BINARY: return "REG_BINARY";
	case DMAR_REG_DWORD: return "REG_DWORD";
	case DMAR_REG_DWORD_BIG_ENDIAN: return "REG_DWORD_BIG_ENDIAN";
	case DMAR_REG_LINK: return "REG_LINK";
	case DMAR_REG_MULTI_SZ: return "REG_MULTI_SZ";
	case 8: return "REG_RESOURCE_LIST";
	case 9: return "REG_FULL_RESOURCE_DESCRIPTOR";
	case 10: return "REG_RESOURCE_REQUIREMENTS_LIST";
	case DMAR_REG_QWORD: return "REG_QWORD";
	default: return NULL;
	}
}
