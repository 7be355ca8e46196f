/*
 * check_policy.c - the kernel's DMA-remapping rules, row by row.
 *
 * Every row of the three value tables of Microsoft's page "Enable DMA
 * remapping for device drivers" and of DOMAIN.md section 3 (validation,
 * per-driver levels, stack combination order, verifier promotion, the 24H2
 * per-device override) is one table entry here, named after what it proves.
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <dmarscan.h>
#include <stdlib.h>
#include <string.h>

/* ---- Building values as the registry would hold them --------------------- */

enum { ABSENT = -1 };

typedef struct raw {
	int kind;            /* ABSENT, or a registry type */
	uint32_t number;     /* for REG_DWORD */
	int size;            /* data size; -1 = natural size */
	const char *text;    /* for REG_SZ */
} raw;

#define NONE_VALUE { ABSENT, 0, -1, NULL }
#define DWORD(n) { DMAR_REG_DWORD, (n), -1, NULL }
#define DWORD_SIZED(n, sz) { DMAR_REG_DWORD, (n), (sz), NULL }
#define SZ(s) { DMAR_REG_SZ, 0, -1, (s) }
#define BINARY(n) { DMAR_REG_BINARY, (n), -1, NULL }
#define QWORD(n) { DMAR_REG_QWORD, (n), -1, NULL }
#define DWORD_BE(n) { DMAR_REG_DWORD_BIG_ENDIAN, (n), -1, NULL }

static dmar_value make_value(raw r, dmar_value_kind kind)
{
	dmar_value v;
	uint8_t data[16] = { 0 };
	size_t size = 0;
	memset(&v, 0, sizeof(v));
	if (r.kind == ABSENT) {
		dmar_value_judge(&v, kind, NULL, 0);
		return v;
	}
	v.present = 1;
	v.type = (uint32_t)r.kind;
	if (r.text != NULL) {
		size_t n = strlen(r.text);
		for (size_t i = 0; i < n && 2 * i + 1 < sizeof(data); i++)
			data[2 * i] = (uint8_t)r.text[i];
		size = 2 * n + 2;
	} else {
		for (int i = 0; i < 4; i++)
			data[i] = (uint8_t)(r.number >> (8 * i));
		size = r.kind == DMAR_REG_QWORD ? 8 : 4;
	}
	if (r.size >= 0)
		size = (size_t)r.size;
	v.size = (uint32_t)size;
	dmar_value_judge(&v, kind, data, size);
	return v;
}

/* ---- Value validation: only a 4-byte REG_DWORD of a defined number counts - */

static const struct {
	const char *name;
	raw value;
	dmar_value_kind kind;
	int valid;
} VALIDATION[] = {
	{ "compatible 0 is valid", DWORD(0), DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 1 },
	{ "compatible 1 is valid", DWORD(1), DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 1 },
	{ "compatible 2 is valid", DWORD(2), DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 1 },
	{ "compatible 3 is valid", DWORD(3), DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 1 },
	{ "compatible 4 is undefined", DWORD(4), DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible 0xFFFFFFFF is undefined", DWORD(0xFFFFFFFFu),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible as REG_SZ \"1\" is ignored", SZ("1"),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible as REG_BINARY is ignored", BINARY(1),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible as REG_QWORD is ignored", QWORD(1),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible as REG_DWORD_BIG_ENDIAN is ignored", DWORD_BE(1),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible DWORD of 2 bytes is ignored", DWORD_SIZED(1, 2),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible DWORD of 8 bytes is ignored", DWORD_SIZED(1, 8),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible DWORD of 0 bytes is ignored", DWORD_SIZED(0, 0),
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "compatible absent is not valid", NONE_VALUE,
	  DMAR_VALUE_DMA_REMAPPING_COMPATIBLE, 0 },
	{ "RemappingSupported 0 is valid", DWORD(0), DMAR_VALUE_REMAPPING_SUPPORTED, 1 },
	{ "RemappingSupported 1 is valid", DWORD(1), DMAR_VALUE_REMAPPING_SUPPORTED, 1 },
	{ "RemappingSupported 2 is undefined", DWORD(2), DMAR_VALUE_REMAPPING_SUPPORTED, 0 },
	{ "RemappingSupported as REG_SZ is ignored", SZ("1"),
	  DMAR_VALUE_REMAPPING_SUPPORTED, 0 },
	{ "RemappingSupported as REG_BINARY is ignored", BINARY(1),
	  DMAR_VALUE_REMAPPING_SUPPORTED, 0 },
	{ "RemappingFlags 0 is valid", DWORD(0), DMAR_VALUE_REMAPPING_FLAGS, 1 },
	{ "RemappingFlags 1 is valid", DWORD(1), DMAR_VALUE_REMAPPING_FLAGS, 1 },
	{ "RemappingFlags as REG_SZ is ignored", SZ("1"), DMAR_VALUE_REMAPPING_FLAGS, 0 },
	{ "RemappingFlags DWORD of 1 byte is ignored", DWORD_SIZED(1, 1),
	  DMAR_VALUE_REMAPPING_FLAGS, 0 },
};

START_TEST(test_validation)
{
	dmar_value v = make_value(VALIDATION[_i].value, VALIDATION[_i].kind);
	ck_assert_msg(v.valid == VALIDATION[_i].valid, "%s: valid=%d",
	              VALIDATION[_i].name, v.valid);
	if (VALIDATION[_i].value.kind != ABSENT)
		ck_assert_msg(DMAR_VALUE_IGNORED(&v) == !VALIDATION[_i].valid,
		              "%s: ignored flag", VALIDATION[_i].name);
}
END_TEST

/* ---- Seed table 3 and DOMAIN section 3: DmaRemappingCompatible -> level ---- */

static const struct {
	const char *name;
	raw compatible;
	int verified;
	dmar_level level;
} LEVELS[] = {
	{ "0 opts out", DWORD(0), 0, DMAR_LEVEL_OPT_OUT },
	{ "1 opts in", DWORD(1), 0, DMAR_LEVEL_OPT_IN },
	{ "2 opts in only if external or verified", DWORD(2), 0, DMAR_LEVEL_CONDITIONAL },
	{ "3 opts in", DWORD(3), 0, DMAR_LEVEL_OPT_IN },
	{ "no value lets the system decide", NONE_VALUE, 0, DMAR_LEVEL_NONE },
	{ "2 under Driver Verifier DMA checking is promoted to opt-in", DWORD(2), 1,
	  DMAR_LEVEL_OPT_IN },
	{ "verifier does not turn an opt-out into an opt-in", DWORD(0), 1,
	  DMAR_LEVEL_OPT_OUT },
	{ "verifier gives nothing to a driver without a value", NONE_VALUE, 1,
	  DMAR_LEVEL_NONE },
	{ "an undefined number is no directive", DWORD(7), 0, DMAR_LEVEL_NONE },
	{ "REG_SZ \"0\" is no directive, not an opt-out", SZ("0"), 0, DMAR_LEVEL_NONE },
	{ "a 2-byte DWORD 0 is no directive", DWORD_SIZED(0, 2), 0, DMAR_LEVEL_NONE },
};

START_TEST(test_levels)
{
	dmar_value v = make_value(LEVELS[_i].compatible,
	                          DMAR_VALUE_DMA_REMAPPING_COMPATIBLE);
	dmar_level got = dmar_level_from_compatible(&v, LEVELS[_i].verified);
	ck_assert_msg(got == LEVELS[_i].level, "%s: got %s", LEVELS[_i].name,
	              dmar_level_name(got));
}
END_TEST

/* ---- DOMAIN section 3: combining the stack (order matters) -------------------- */

#define N_ ((dmar_level)-1)   /* end of a stack */
#define OUT DMAR_LEVEL_OPT_OUT
#define IN DMAR_LEVEL_OPT_IN
#define CND DMAR_LEVEL_CONDITIONAL
#define NON DMAR_LEVEL_NONE

static const struct {
	const char *name;
	dmar_level stack[5];
	int internal;        /* policy for an internal device */
	int external;        /* policy for an external device */
} COMBINE[] = {
	{ "an empty stack is policy 0", { N_ }, 0, 0 },
	{ "no directive anywhere is policy 0", { NON, NON, N_ }, 0, 0 },
	{ "one opt-in is policy 2", { IN, N_ }, 2, 2 },
	{ "one opt-out is policy 1", { OUT, N_ }, 1, 1 },
	{ "an opt-out filter poisons an opted-in function driver", { OUT, IN, N_ }, 1, 1 },
	{ "an opt-out upper filter poisons too", { IN, OUT, N_ }, 1, 1 },
	{ "opt-out beats conditional", { CND, OUT, N_ }, 1, 1 },
	{ "conditional alone: 0 internal, 2 external", { CND, N_ }, 0, 2 },
	{ "conditional is checked before opt-in: internal ends at 0",
	  { IN, CND, N_ }, 0, 2 },
	{ "conditional filter below an opted-in service", { CND, IN, N_ }, 0, 2 },
	{ "opt-in with drivers without a value is policy 2", { NON, IN, NON, N_ }, 2, 2 },
	{ "five drivers, one opt-out at the top", { IN, IN, IN, IN, OUT }, 1, 1 },
};

START_TEST(test_combine)
{
	dmar_level levels[5];
	size_t n = 0;
	while (n < 5 && COMBINE[_i].stack[n] != N_) {
		levels[n] = COMBINE[_i].stack[n];
		n++;
	}
	ck_assert_msg(dmar_policy_combine(levels, n, 0) == COMBINE[_i].internal,
	              "%s (internal)", COMBINE[_i].name);
	ck_assert_msg(dmar_policy_combine(levels, n, 1) == COMBINE[_i].external,
	              "%s (external)", COMBINE[_i].name);
}
END_TEST

/* ---- Seed tables 1 and 2, DOMAIN section 3: prediction per generation -------- */

static const struct {
	const char *name;
	raw supported, flags;       /* DMA Management */
	raw compatible;             /* the function driver's value */
	int external, verified;
	int pre_24h2, in_24h2;      /* expected policy */
	int decided_by_device;      /* under 24H2 */
} PREDICT[] = {
	/* Seed table 1: RemappingSupported */
	{ "RemappingSupported 0 opts the device out (24H2)",
	  DWORD(0), NONE_VALUE, NONE_VALUE, 0, 0, 0, 1, 1 },
	{ "RemappingSupported 1 opts the device in (24H2)",
	  DWORD(1), NONE_VALUE, NONE_VALUE, 0, 0, 0, 2, 1 },
	{ "no DMA Management key lets the system decide",
	  NONE_VALUE, NONE_VALUE, NONE_VALUE, 0, 0, 0, 0, 0 },
	/* Seed table 2: RemappingFlags */
	{ "RemappingFlags 0: unconditional opt-in",
	  DWORD(1), DWORD(0), NONE_VALUE, 0, 0, 0, 2, 1 },
	{ "RemappingFlags 1: internal device is not enforced",
	  DWORD(1), DWORD(1), NONE_VALUE, 0, 0, 0, 0, 1 },
	{ "RemappingFlags 1: external device is enforced",
	  DWORD(1), DWORD(1), NONE_VALUE, 1, 0, 0, 2, 1 },
	{ "RemappingFlags 1: DMA verification enforces it",
	  DWORD(1), DWORD(1), NONE_VALUE, 0, 1, 0, 2, 1 },
	{ "no RemappingFlags is the same as 0",
	  DWORD(1), NONE_VALUE, NONE_VALUE, 0, 0, 0, 2, 1 },
	{ "RemappingFlags only matter when RemappingSupported is 1",
	  DWORD(0), DWORD(1), NONE_VALUE, 1, 0, 0, 1, 1 },
	{ "RemappingFlags bit 0 is what counts (3 acts as 1)",
	  DWORD(1), DWORD(3), NONE_VALUE, 0, 0, 0, 0, 1 },
	{ "RemappingFlags 2 has bit 0 clear: unconditional",
	  DWORD(1), DWORD(2), NONE_VALUE, 0, 0, 0, 2, 1 },
	{ "invalid RemappingFlags counts as 0: opt-in becomes unconditional",
	  DWORD(1), SZ("1"), NONE_VALUE, 0, 0, 0, 2, 1 },
	/* Seed table 3 through the whole prediction */
	{ "driver 0: opted out under both generations",
	  NONE_VALUE, NONE_VALUE, DWORD(0), 0, 0, 1, 1, 0 },
	{ "driver 1: enforced under both generations",
	  NONE_VALUE, NONE_VALUE, DWORD(1), 0, 0, 2, 2, 0 },
	{ "driver 2, internal: not enforced",
	  NONE_VALUE, NONE_VALUE, DWORD(2), 0, 0, 0, 0, 0 },
	{ "driver 2, external: enforced",
	  NONE_VALUE, NONE_VALUE, DWORD(2), 1, 0, 2, 2, 0 },
	{ "driver 2, verified: enforced",
	  NONE_VALUE, NONE_VALUE, DWORD(2), 0, 1, 2, 2, 0 },
	{ "driver 3: enforced under both generations",
	  NONE_VALUE, NONE_VALUE, DWORD(3), 0, 0, 2, 2, 0 },
	{ "no value anywhere: not enforced",
	  NONE_VALUE, NONE_VALUE, NONE_VALUE, 1, 0, 0, 0, 0 },
	/* DOMAIN section 3: the 24H2 per-device override */
	{ "24H2: device opt-in overrides a driver opt-out (pre-24H2 still 1)",
	  DWORD(1), NONE_VALUE, DWORD(0), 0, 0, 1, 2, 1 },
	{ "24H2: device opt-out overrides a driver opt-in",
	  DWORD(0), NONE_VALUE, DWORD(1), 0, 0, 2, 1, 1 },
	{ "pre-24H2 ignores the per-device value entirely",
	  DWORD(0), NONE_VALUE, NONE_VALUE, 0, 0, 0, 1, 1 },
	{ "24H2: invalid RemappingSupported falls back to the drivers",
	  SZ("1"), NONE_VALUE, DWORD(0), 0, 0, 1, 1, 0 },
	{ "24H2: undefined RemappingSupported 2 falls back to the drivers",
	  DWORD(2), NONE_VALUE, DWORD(1), 0, 0, 2, 2, 0 },
	{ "24H2: a 2-byte RemappingSupported falls back to the drivers",
	  DWORD_SIZED(1, 2), NONE_VALUE, DWORD(2), 1, 0, 2, 2, 0 },
	{ "24H2: device conditional with an opted-out driver, external",
	  DWORD(1), DWORD(1), DWORD(0), 1, 0, 1, 2, 1 },
};

START_TEST(test_predict)
{
	dmar_value sup = make_value(PREDICT[_i].supported, DMAR_VALUE_REMAPPING_SUPPORTED);
	dmar_value flg = make_value(PREDICT[_i].flags, DMAR_VALUE_REMAPPING_FLAGS);
	dmar_value cmp = make_value(PREDICT[_i].compatible,
	                            DMAR_VALUE_DMA_REMAPPING_COMPATIBLE);
	dmar_level level = dmar_level_from_compatible(&cmp, PREDICT[_i].verified);
	int by_device = -1;
	int pre = dmar_policy_predict(DMAR_GEN_PRE_24H2, &level, 1, &sup, &flg,
	                              PREDICT[_i].external, PREDICT[_i].verified,
	                              &by_device);
	ck_assert_msg(pre == PREDICT[_i].pre_24h2, "%s: pre-24H2 got %d",
	              PREDICT[_i].name, pre);
	ck_assert_msg(by_device == 0, "%s: pre-24H2 never decided by device",
	              PREDICT[_i].name);
	int now = dmar_policy_predict(DMAR_GEN_24H2, &level, 1, &sup, &flg,
	                              PREDICT[_i].external, PREDICT[_i].verified,
	                              &by_device);
	ck_assert_msg(now == PREDICT[_i].in_24h2, "%s: 24H2 got %d",
	              PREDICT[_i].name, now);
	ck_assert_msg(by_device == PREDICT[_i].decided_by_device,
	              "%s: decided_by_device %d", PREDICT[_i].name, by_device);
}
END_TEST

START_TEST(test_device_24h2_absent)
{
	int policy = 42;
	ck_assert_int_eq(dmar_policy_device_24h2(NULL, NULL, 1, 1, &policy), 0);
	ck_assert_int_eq(policy, 42);
}
END_TEST

START_TEST(test_names_round_trip)
{
	for (int s = DMAR_SEV_INFO; s <= DMAR_SEV_HIGH; s++) {
		dmar_severity back;
		ck_assert_int_eq(dmar_severity_parse(dmar_severity_name((dmar_severity)s),
		                                     &back), 0);
		ck_assert_int_eq((int)back, s);
	}
	dmar_severity ignored;
	ck_assert_int_eq(dmar_severity_parse("critical", &ignored), DMAR_EINVAL);
	ck_assert_str_eq(dmar_level_name(DMAR_LEVEL_CONDITIONAL), "conditional");
	ck_assert_str_eq(dmar_role_name(DMAR_ROLE_CLASS_UPPER_FILTER),
	                 "class_upper_filter");
	ck_assert_str_eq(dmar_generation_name(DMAR_GEN_24H2), "24h2");
}
END_TEST

START_TEST(test_catalogue_has_every_rule_once)
{
	static const char *const ids[] = {
		"DMAR-OPTOUT-EXTERNAL", "DMAR-FILTER-OPTOUT", "DMAR-ATTACK-HARDWARE",
		"DMAR-TAMPERED", "DMAR-WEAK-ACL", "DMAR-OPTOUT",
		"DMAR-UNPROTECTED-EXTERNAL", "DMAR-INVALID-VALUE", "DMAR-ALLOWED-BUSES",
		"DMAR-ENUMERATION-ALLOW-ALL", "DMAR-DEVICE-OVERRIDES-DRIVER",
		"DMAR-CONTROLSET-DRIFT", "DMAR-POLICY-MISMATCH",
		"DMAR-GRAPHICS-OPTIN", "DMAR-CONDITIONAL",
		"DMAR-DMA-VERIFIER", "HIVE-DIRTY", "HIVE-RECOVERED", "HIVE-LOG-DAMAGED",
		"HIVE-LIMIT",
	};
	size_t n = 0;
	const dmar_rule_info *rules = dmar_rule_catalogue(&n);
	ck_assert_uint_eq(n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(rules[i].id, ids[i]);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *t = tcase_create("rules");
	tcase_add_loop_test(t, test_validation, 0, N(VALIDATION));
	tcase_add_loop_test(t, test_levels, 0, N(LEVELS));
	tcase_add_loop_test(t, test_combine, 0, N(COMBINE));
	tcase_add_loop_test(t, test_predict, 0, N(PREDICT));
	tcase_add_test(t, test_device_24h2_absent);
	tcase_add_test(t, test_names_round_trip);
	tcase_add_test(t, test_catalogue_has_every_rule_once);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(policy_suite());
}
