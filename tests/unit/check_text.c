/*
 * check_text.c - registry strings and PCI identities: decoding UTF-16 from
 * hostile data, indirect strings, hardware ids and class codes, FILETIMEs.
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <dmarscan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "pciid.h"
#include "text.h"

/* ---- UTF-16LE -> UTF-8 --------------------------------------------------- */

static const struct {
	const char *name;
	const uint8_t bytes[16];
	size_t size;
	const char *utf8;
} UTF16[] = {
	{ "ASCII with terminator", { 'p', 0, 'c', 0, 'i', 0, 0, 0 }, 8, "pci" },
	{ "no terminator", { 'a', 0, 'b', 0 }, 4, "ab" },
	{ "stops at the first NUL", { 'a', 0, 0, 0, 'b', 0 }, 6, "a" },
	{ "odd byte count drops the last byte", { 'a', 0, 'b' }, 3, "a" },
	{ "empty", { 0 }, 0, "" },
	{ "Latin-1 e acute", { 0xE9, 0 }, 2, "\xC3\xA9" },
	{ "BMP CJK", { 0x2D, 0x4E }, 2, "\xE4\xB8\xAD" },
	{ "surrogate pair U+1F600", { 0x3D, 0xD8, 0x00, 0xDE }, 4, "\xF0\x9F\x98\x80" },
	{ "lone high surrogate becomes U+FFFD", { 0x3D, 0xD8, 'x', 0 }, 4,
	  "\xEF\xBF\xBDx" },
	{ "lone low surrogate becomes U+FFFD", { 0x00, 0xDE, 'x', 0 }, 4,
	  "\xEF\xBF\xBDx" },
	{ "high surrogate at the end becomes U+FFFD", { 'x', 0, 0x3D, 0xD8 }, 4,
	  "x\xEF\xBF\xBD" },
	{ "escape character is kept for the writers to escape", { 0x1B, 0, '[', 0 }, 4,
	  "\x1B[" },
};

START_TEST(test_utf16)
{
	dmar_arena *a = arena_new();
	char *s = text_from_utf16le(a, UTF16[_i].bytes, UTF16[_i].size);
	ck_assert_msg(s != NULL, "%s", UTF16[_i].name);
	ck_assert_msg(strcmp(s, UTF16[_i].utf8) == 0, "%s: got '%s'",
	              UTF16[_i].name, s);
	arena_free(a);
}
END_TEST

START_TEST(test_multi_sz)
{
	static const uint8_t data[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0, 0, 0,
	                                'z', 0, 0, 0 };
	dmar_arena *a = arena_new();
	const char **items = NULL;
	int n = text_multi_from_utf16le(a, data, sizeof(data), &items);
	ck_assert_int_eq(n, 2);   /* an empty string ends the list */
	ck_assert_str_eq(items[0], "a");
	ck_assert_str_eq(items[1], "bc");
	n = text_multi_from_utf16le(a, data, 2, &items);   /* no terminator */
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(items[0], "a");
	n = text_multi_from_utf16le(a, NULL, 0, &items);
	ck_assert_int_eq(n, 0);
	arena_free(a);
}
END_TEST

START_TEST(test_sanitize_utf8)
{
	dmar_arena *a = arena_new();
	ck_assert_str_eq(text_sanitize_utf8(a, "ok \xC3\xA9", 5), "ok \xC3\xA9");
	ck_assert_str_eq(text_sanitize_utf8(a, "\xFF" "a", 2), "\xEF\xBF\xBD" "a");
	/* an encoded surrogate is not UTF-8 */
	ck_assert_str_eq(text_sanitize_utf8(a, "\xED\xA0\x80", 3),
	                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* overlong '/' */
	ck_assert_str_eq(text_sanitize_utf8(a, "\xC0\xAF", 2),
	                 "\xEF\xBF\xBD\xEF\xBF\xBD");
	/* truncated sequence */
	ck_assert_str_eq(text_sanitize_utf8(a, "\xE4\xB8", 2),
	                 "\xEF\xBF\xBD\xEF\xBF\xBD");
	arena_free(a);
}
END_TEST

/* ---- Indirect strings ------------------------------------------------------ */

static const struct {
	const char *name, *in, *out;
} INDIRECT[] = {
	{ "plain text is unchanged", "Intel(R) Ethernet", "Intel(R) Ethernet" },
	{ "INF reference", "@oem12.inf,%devdesc%;Samsung NVMe Controller",
	  "Samsung NVMe Controller" },
	{ "text may hold commas", "@lsi_sas.inf,%devdesc9%;LSI Adapter, SAS 3000",
	  "LSI Adapter, SAS 3000" },
	{ "template with arguments",
	  "@System32\\drivers\\pci.sys,#65536;PCI bus %1, device %2, function %3;(3,0,0)",
	  "PCI bus 3, device 0, function 0" },
	{ "template arguments reordered",
	  "@usbxhci.sys,#1;%1 USB %2 Host - %3 (Microsoft);(Standard,3.0,1.0)",
	  "Standard USB 3.0 Host - 1.0 (Microsoft)" },
	{ "missing argument stays", "@x,#1;%1 and %2;(only)", "only and %2" },
	{ "percent escape", "@x,#1;100%% of %1;(it)", "100% of it" },
	{ "indirect without text is unchanged", "@oem1.inf,%x%", "@oem1.inf,%x%" },
};

START_TEST(test_indirect)
{
	dmar_arena *a = arena_new();
	const char *got = text_indirect_format(a, INDIRECT[_i].in);
	ck_assert_msg(strcmp(got, INDIRECT[_i].out) == 0, "%s: got '%s'",
	              INDIRECT[_i].name, got);
	arena_free(a);
}
END_TEST

START_TEST(test_indirect_bomb)
{
	/* "%1" repeated many times with a long argument must not blow up:
	 * the expansion would be 600 MB, so the text stays unformatted. */
	const size_t reps = 20000, arg = 30000;
	char *s = malloc(16 + reps * 2 + arg + 8);
	char *p = s;
	p += sprintf(p, "@x,#1;");
	for (size_t i = 0; i < reps; i++)
		p += sprintf(p, "%%1");
	p += sprintf(p, ";(");
	memset(p, 'A', arg);
	strcpy(p + arg, ")");
	dmar_arena *a = arena_new();
	const char *got = text_indirect_format(a, s);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_le(strlen(got), reps * 2 + arg + 8);
	ck_assert_int_eq(strncmp(got, "%1%1", 4), 0);
	arena_free(a);
	free(s);
}
END_TEST

/* ---- Value display ----------------------------------------------------------- */

START_TEST(test_value_display)
{
	dmar_arena *a = arena_new();
	static const uint8_t dw[] = { 2, 0, 0, 0 };
	static const uint8_t sz[] = { '1', 0, 0, 0 };
	static const uint8_t bin[] = { 1, 0 };
	ck_assert_str_eq(text_value_display(a, DMAR_REG_DWORD, dw, 4),
	                 "REG_DWORD 0x00000002 (2)");
	ck_assert_str_eq(text_value_display(a, DMAR_REG_SZ, sz, 4), "REG_SZ \"1\"");
	ck_assert_str_eq(text_value_display(a, DMAR_REG_BINARY, bin, 2),
	                 "REG_BINARY 2 bytes 01 00");
	ck_assert_str_eq(text_value_display(a, DMAR_REG_DWORD, bin, 2),
	                 "REG_DWORD 2 bytes 01 00");
	ck_assert_str_eq(text_value_display(a, 0xFFFF0012u, bin, 2),
	                 "type 0xffff0012 2 bytes 01 00");
	arena_free(a);
}
END_TEST

/* ---- PCI identities ------------------------------------------------------------ */

START_TEST(test_pciid_parse)
{
	pci_ident id;
	ck_assert_int_eq(pciid_parse("VEN_8086&DEV_15EB&SUBSYS_00008086&REV_06", &id), 1);
	ck_assert_str_eq(id.vendor_id, "8086");
	ck_assert_str_eq(id.device_id, "15EB");
	ck_assert_str_eq(id.subsystem_id, "0000");
	ck_assert_str_eq(id.subsystem_vendor_id, "8086");
	ck_assert_str_eq(id.revision, "06");
	ck_assert_int_eq(pciid_parse("PCI\\ven_10ee&dev_0666&subsys_000710ee", &id), 1);
	ck_assert_str_eq(id.vendor_id, "10EE");
	ck_assert_str_eq(id.subsystem_vendor_id, "10EE");
	ck_assert_str_eq(id.revision, "");
	ck_assert_int_eq(pciid_parse("VEN_80&DEV_15EB", &id), 0);       /* short */
	ck_assert_int_eq(pciid_parse("VEN_80Z6&DEV_15EB", &id), 0);     /* not hex */
	ck_assert_int_eq(pciid_parse("VEN_80861&DEV_15EB", &id), 0);    /* long */
	ck_assert_int_eq(pciid_parse("garbage", &id), 0);
	ck_assert_int_eq(pciid_parse(NULL, &id), 0);
}
END_TEST

START_TEST(test_class_code)
{
	char cc[7];
	const char *ids[] = { "PCI\\VEN_1000&DEV_0054&REV_01", "PCI\\VEN_1000&CC_0107",
	                      "PCI\\CC_010700&DT_0", "PCI\\CC_0107" };
	pciid_class_code(ids, 4, cc);
	ck_assert_str_eq(cc, "010700");
	const char *four[] = { "PCI\\CC_0C03" };
	pciid_class_code(four, 1, cc);
	ck_assert_str_eq(cc, "0C03");
	const char *none[] = { "PCI\\VEN_1000", "ACC_123456" };
	pciid_class_code(none, 2, cc);
	ck_assert_str_eq(cc, "");
	ck_assert_int_eq(pciid_is_display_class("030000"), 1);
	ck_assert_int_eq(pciid_is_display_class("0C0340"), 0);
}
END_TEST

/* ---- Times ------------------------------------------------------------------------- */

START_TEST(test_filetime)
{
	char buf[32];
	ck_assert_ptr_null(dmar_filetime_iso(0, buf, sizeof(buf)));
	/* 2024-05-01T10:00:00Z */
	ck_assert_str_eq(dmar_filetime_iso(133590312000000000ull, buf, sizeof(buf)),
	                 "2024-05-01T10:00:00Z");
	ck_assert_str_eq(dmar_filetime_iso(116444736000000000ull, buf, sizeof(buf)),
	                 "1970-01-01T00:00:00Z");
	ck_assert_ptr_null(dmar_filetime_iso(UINT64_MAX, buf, sizeof(buf)));
	ck_assert_ptr_null(dmar_filetime_iso(133590312000000000ull, buf, 10));
}
END_TEST

START_TEST(test_casecmp)
{
	ck_assert_int_eq(text_casecmp("ControlSet001", "controlset001"), 0);
	ck_assert_int_ne(text_casecmp("pci", "pcie"), 0);
	ck_assert_int_eq(text_starts_with_nocase("PCI\\VEN", "pci\\"), 1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *t = tcase_create("strings");
	tcase_add_loop_test(t, test_utf16, 0, N(UTF16));
	tcase_add_test(t, test_multi_sz);
	tcase_add_test(t, test_sanitize_utf8);
	tcase_add_loop_test(t, test_indirect, 0, N(INDIRECT));
	tcase_add_test(t, test_indirect_bomb);
	tcase_add_test(t, test_value_display);
	tcase_add_test(t, test_pciid_parse);
	tcase_add_test(t, test_class_code);
	tcase_add_test(t, test_filetime);
	tcase_add_test(t, test_casecmp);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(text_suite());
}
