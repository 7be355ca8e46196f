/*
 * pciid.c - parsing of PCI hardware and compatible ids (see pciid.h).
 */
#include "config.h"

#include "pciid.h"

#include <ctype.h>
#include <string.h>

#include "text.h"

/* Copy exactly 'len' hex digits following 'tag' at s, upper-cased, when the
 * field ends there ('&', '\\' or end of string).  Returns 1 on success. */
static int take_hex(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	if (s[len] != '\0' && s[len] != '&' && s[len] != '\\')
		return 0;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[len] = '\0';
	return 1;
}

int pciid_parse(const char *name, pci_ident *out)
{
	memset(out, 0, sizeof(*out));
	if (name == NULL)
		return 0;
	if (text_starts_with_nocase(name, "PCI\\"))
		name += 4;
	const char *p = name;
	while (*p != '\0' && *p != '\\') {
		if (text_starts_with_nocase(p, "VEN_")) {
			take_hex(p + 4, 4, out->vendor_id);
		} else if (text_starts_with_nocase(p, "DEV_")) {
			take_hex(p + 4, 4, out->device_id);
		} else if (text_starts_with_nocase(p, "SUBSYS_")) {
			char both[9];
			if (take_hex(p + 7, 8, both)) {
				memcpy(out->subsystem_id, both, 4);
				memcpy(out->subsystem_vendor_id, both + 4, 4);
			}
		} else if (text_starts_with_nocase(p, "REV_")) {
			take_hex(p + 4, 2, out->revision);
		}
		const char *amp = strchr(p, '&');
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return out->vendor_id[0] != '\0' && out->device_id[0] != '\0';
}

/* "PCI\CC_0C0340" or "PCI\VEN_8086&CC_0C0340&DT_0" -> digits after CC_. */
static size_t class_digits(const char *id, char *out)
{
	const char *p = id;
	while ((p = strchr(p, '_')) != NULL) {
		if (p - id >= 2 && text_ncasecmp(p - 2, "CC", 2) == 0 &&
		    (p - id == 2 || p[-3] == '\\' || p[-3] == '&')) {
			if (take_hex(p + 1, 6, out))
				return 6;
			if (take_hex(p + 1, 4, out))
				return 4;
		}
		p++;
	}
	return 0;
}

void pciid_class_code(const char *const *ids, size_t n, char out[7])
{
	out[0] = '\0';
	size_t best = 0;
	for (size_t i = 0; i < n; i++) {
		char digits[7];
		size_t len = ids[i] ? class_digits(ids[i], digits) : 0;
		if (len > best) {
			memcpy(out, digits, len + 1);
			best = len;
		}
	}
}

int pciid_is_display_class(const char *class_code)
{
	return class_code != NULL && class_code[0] == '0' && class_code[1] == '3';
}
