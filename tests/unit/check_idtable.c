/*
 * check_idtable.c - PCI identity tables: the line format users write, and
 * matching hardware identities against it.
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <dmarscan.h>
#include <stdlib.h>
#include <string.h>

#include "idtable.h"

static const char *const KINDS[] = { "host-router", "tunnel-root-port",
                                     "tbt-bridge", "tbt-function" };

static const struct {
	const char *name;
	const char *line;
	int ok;              /* parses */
	const char *problem; /* substring of the error when not */
} LINES[] = {
	{ "vendor and device", "VEN_8086&DEV_15EA tbt-bridge TR4C JHL7540 bridge", 1, NULL },
	{ "class prefix only", "CC_0C0340 host-router - USB4 host router", 1, NULL },
	{ "all tokens", "VEN_10EE&DEV_0666&SUBSYS_000710EE&REV_02&CC_020000 "
	  "tbt-function - test", 1, NULL },
	{ "lower-case hex is accepted", "ven_8086&dev_15ea tbt-bridge - x", 1, NULL },
	{ "comment", "# anything at all", 1, NULL },
	{ "blank", "   ", 1, NULL },
	{ "unknown kind", "VEN_8086&DEV_15EA bridge - x", 0, "unknown kind 'bridge'" },
	{ "short vendor", "VEN_80&DEV_15EA tbt-bridge - x", 0, "bad match" },
	{ "not hex", "VEN_80Z6 tbt-bridge - x", 0, "bad match" },
	{ "unknown token", "VID_8086 tbt-bridge - x", 0, "bad match" },
	{ "token given twice", "VEN_8086&VEN_8087 tbt-bridge - x", 0, "bad match" },
	{ "empty token", "VEN_8086&&DEV_15EA tbt-bridge - x", 0, "bad match" },
	{ "missing family", "VEN_8086", 0, "expected MATCH KIND FAMILY" },
	{ "class code too long", "CC_0C034000 host-router - x", 0, "bad match" },
};

START_TEST(test_lines)
{
	dmar_arena *a = arena_new();
	id_list list;
	dmar_error *err = NULL;
	arena_vec_init(&list.entries, sizeof(id_entry));
	int rc = idlist_parse(&list, a, LINES[_i].line, strlen(LINES[_i].line),
	                      "t.ids", KINDS, 4, &err);
	ck_assert_msg((rc == 0) == LINES[_i].ok, "%s: rc %d", LINES[_i].name, rc);
	if (!LINES[_i].ok) {
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err->message, "t.ids:1: ") == err->message,
		              "%s: '%s'", LINES[_i].name, err->message);
		ck_assert_msg(strstr(err->message, LINES[_i].problem) != NULL,
		              "%s: '%s'", LINES[_i].name, err->message);
	}
	dmar_error_free(err);
	arena_free(a);
}
END_TEST

static const char TABLE[] =
	"# a test table\n"
	"CC_0C0340 host-router USB4 any USB4 router\n"
	"VEN_8086&DEV_9A23 tunnel-root-port TGL root port\r\n"
	"SUBSYS_000710EE tbt-function - spoofed subsystem\n"
	"VEN_8086&DEV_9A23&REV_02 tbt-bridge - later entry, more specific\n";

static const struct {
	const char *name;
	id_subject s;
	const char *want;    /* description of the entry found, NULL none */
} FINDS[] = {
	{ "class prefix of any vendor", { "1022", "162E", NULL, "00", "0C0340" },
	  "any USB4 router" },
	{ "class prefix does not match a sibling class",
	  { "1022", "162E", NULL, "00", "0C0330" }, NULL },
	{ "vendor and device, case-insensitive", { "8086", "9a23", NULL, "01", "060400" },
	  "root port" },
	{ "later entries win", { "8086", "9A23", NULL, "02", "060400" },
	  "later entry, more specific" },
	{ "subsystem alone", { "1234", "5678", "000710EE", "02", "020000" },
	  "spoofed subsystem" },
	{ "no class code known", { "8086", "9A25", NULL, "01", NULL }, NULL },
};

START_TEST(test_find)
{
	dmar_arena *a = arena_new();
	id_list list;
	arena_vec_init(&list.entries, sizeof(id_entry));
	ck_assert_int_eq(idlist_parse(&list, a, TABLE, strlen(TABLE), "t.ids",
	                              KINDS, 4, NULL), 0);
	const id_entry *e = idlist_find(&list, &FINDS[_i].s);
	if (FINDS[_i].want == NULL)
		ck_assert_msg(e == NULL, "%s: found '%s'", FINDS[_i].name,
		              e ? e->description : "");
	else
		ck_assert_msg(e != NULL && strcmp(e->description, FINDS[_i].want) == 0,
		              "%s: found '%s'", FINDS[_i].name, e ? e->description : "none");
	arena_free(a);
}
END_TEST

/* The attack table: the most specific line wins, so the Xilinx XDMA
 * default (its own line, medium) is not taken for a spoofed identity
 * (any vendor with the Xilinx subsystem, high). */
static const struct {
	const char *name;
	id_subject s;
	const char *family;   /* of the entry found, NULL none */
	int severity;
} ATTACKS[] = {
	{ "PCILeech default", { "10EE", "0666", "000710EE", "02", "020000" },
	  "PCILEECH", DMAR_SEV_HIGH },
	{ "USB3380", { "10B5", "3380", NULL, NULL, NULL }, "PCILEECH", DMAR_SEV_HIGH },
	{ "XDMA default with the Xilinx subsystem", { "10EE", "7021", "000710EE",
	  "00", NULL }, "XDMA", DMAR_SEV_MEDIUM },
	{ "UltraScale+ XDMA", { "10EE", "9038", NULL, NULL, NULL }, "XDMA", DMAR_SEV_MEDIUM },
	{ "spoofed subsystem", { "8086", "1533", "000710EE", "03", NULL }, "SPOOF",
	  DMAR_SEV_HIGH },
	{ "ordinary Intel NIC", { "8086", "1533", "00008086", "03", NULL }, NULL, 0 },
	{ "other Xilinx device", { "10EE", "1234", NULL, NULL, NULL }, NULL, 0 },
};

START_TEST(test_builtin_attack_table)
{
	dmar_tables *t = NULL;
	ck_assert_int_eq(dmar_tables_new(&t, NULL), 0);
	const id_list *list = tables_attack_ids(t);
	ck_assert_uint_ge(list->entries.count, 39);
	const id_entry *e = idlist_find_specific(list, &ATTACKS[_i].s);
	if (ATTACKS[_i].family == NULL) {
		ck_assert_msg(e == NULL, "%s: found %s", ATTACKS[_i].name,
		              e ? e->description : "");
	} else {
		ck_assert_msg(e != NULL, "%s: no match", ATTACKS[_i].name);
		ck_assert_str_eq(e->family, ATTACKS[_i].family);
		ck_assert_int_eq(e->kind, ATTACKS[_i].severity);
	}
	dmar_tables_free(t);
}
END_TEST

START_TEST(test_bad_file_adds_nothing)
{
	/* a file that fails on its third line leaves the list as it was */
	static const char BAD[] =
		"VEN_1234&DEV_0001 host-router - first\n"
		"VEN_1234&DEV_0002 host-router - second\n"
		"VEN_1234 bridge - broken\n";
	dmar_arena *a = arena_new();
	id_list list;
	arena_vec_init(&list.entries, sizeof(id_entry));
	ck_assert_int_eq(idlist_parse(&list, a, TABLE, strlen(TABLE), "t.ids",
	                              KINDS, 4, NULL), 0);
	size_t before = list.entries.count;
	ck_assert_int_ne(idlist_parse(&list, a, BAD, strlen(BAD), "bad.ids",
	                              KINDS, 4, NULL), 0);
	ck_assert_uint_eq(list.entries.count, before);
	id_subject s = { "1234", "0001", NULL, "00", "060400" };
	ck_assert_ptr_null(idlist_find(&list, &s));
	arena_free(a);
}
END_TEST

START_TEST(test_builtin_table_parses)
{
	dmar_tables *t = NULL;
	dmar_error *err = NULL;
	ck_assert_int_eq(dmar_tables_new(&t, &err), 0);
	const id_list *ports = tables_port_ids(t);
	ck_assert_uint_gt(ports->entries.count, 50);
	id_subject tgl_rp = { "8086", "9A23", NULL, "01", "060400" };
	const id_entry *e = idlist_find(ports, &tgl_rp);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, PORT_TUNNEL_ROOT_PORT);
	ck_assert_str_eq(e->family, "TGL");
	dmar_tables_free(t);
}
END_TEST

#define N(x) ((int)(sizeof(x) / sizeof((x)[0])))

int main(void)
{
	Suite *s = suite_create("idtable");
	TCase *tc = tcase_create("tables");
	tcase_add_loop_test(tc, test_lines, 0, N(LINES));
	tcase_add_loop_test(tc, test_find, 0, N(FINDS));
	tcase_add_test(tc, test_builtin_table_parses);
	tcase_add_test(tc, test_bad_file_adds_nothing);
	tcase_add_loop_test(tc, test_builtin_attack_table, 0, N(ATTACKS));
	suite_add_tcase(s, tc);
	return unit_run(s);
}
