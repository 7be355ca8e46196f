/*
 * check_jsonmatch.c - unit tests of the JSON matcher the end-to-end runner
 * uses (tests/tools/jsonmatch.c).
 *
 * Every end-to-end case trusts the matcher: a matcher that wrongly says
 * "match" would make failing cases pass unnoticed.  So its rules are pinned
 * here, one table row per rule, both ways (what must match and what must
 * not), together with the messages that point at the mismatch.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include "unit.h"
#include <jansson.h>

#include "jsonmatch.h"

#define N_ROWS(t) ((int)(sizeof(t) / sizeof((t)[0])))

static const char *const test_inputs[] = { "/tmp/a b.hive", "x" };
static const jm_vars test_vars = { test_inputs, 2 };

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

	ck_assert_msg(v != NULL, "bad JSON in test table: %s: %s", text,
	              err.text);
	return v;
}

/* A message must contain 'want' (when not NULL), or be NULL on JM_OK. */
static void check_message(const char *msg, const char *want, jm_status st,
                          int row)
{
	if (st == JM_OK) {
		ck_assert_msg(msg == NULL, "row %d: message on success: %s", row,
		              msg);
		return;
	}
	ck_assert_msg(msg != NULL, "row %d: no message", row);
	if (want != NULL)
		ck_assert_msg(strstr(msg, want) != NULL, "row %d: message \"%s\" "
		              "lacks \"%s\"", row, msg, want);
}

/* ---- jm_match ------------------------------------------------------------- */

struct match_row {
	const char *pattern;
	const char *doc;
	jm_status want;
	const char *msg_has;   /* substring of the message, or NULL */
};

static const struct match_row match_rows[] = {
	/* objects: every pattern key, extra document keys ignored */
	{ "{\"a\":1}", "{\"a\":1,\"b\":2}", JM_OK, NULL },
	{ "{}", "{\"a\":1}", JM_OK, NULL },
	{ "{\"a\":1}", "{\"b\":2}", JM_MISMATCH,
	  "/a: key is missing (the object has: b)" },
	{ "{\"a\":1}", "{}", JM_MISMATCH, "the object has: no keys" },
	{ "{\"a\":1}", "[1]", JM_MISMATCH, "(root): expected an object, found [1]" },
	{ "{\"a\":{\"b\":[{\"c\":null}]}}",
	  "{\"a\":{\"b\":[1,{\"c\":null,\"d\":2}]}}", JM_OK, NULL },
	/* the first mismatch in key order is the one reported */
	{ "{\"a\":1,\"b\":2}", "{\"a\":0,\"b\":0}", JM_MISMATCH,
	  "/a: expected 1, found 0" },
	/* pointer escaping of keys with '/' and '~' */
	{ "{\"a/b\":{\"~k\":1}}", "{\"a/b\":{\"~k\":2}}", JM_MISMATCH,
	  "/a~1b/~0k: expected 1, found 2" },
	/* arrays: every pattern element matches some element, any order */
	{ "[1]", "[2,1]", JM_OK, NULL },
	{ "[2,1]", "[1,2,3]", JM_OK, NULL },
	{ "[1,1]", "[1]", JM_OK, NULL },
	{ "[]", "[1]", JM_OK, NULL },
	{ "[]", "[]", JM_OK, NULL },
	{ "[]", "{}", JM_MISMATCH, "expected an array, found {}" },
	{ "[3]", "[]", JM_MISMATCH,
	  "pattern element [0] 3 found nothing: the array is empty" },
	{ "[1,3]", "[1,2]", JM_MISMATCH,
	  "(root): pattern element [1] 3 matched no element of the array "
	  "(2 elements)" },
	{ "[{\"r\":\"X\"}]", "[{\"r\":\"Y\"}]", JM_MISMATCH,
	  "closest [0]: /0/r: expected \"X\", found \"Y\"" },
	/* the closest candidate is the one matching most of the pattern */
	{ "[{\"r\":\"X\",\"s\":\"high\",\"t\":1}]",
	  "[{\"r\":\"Y\",\"s\":\"high\"},{\"r\":\"X\",\"s\":\"low\",\"t\":1},{}]",
	  JM_MISMATCH, "closest [1]: /1/s: expected \"high\", found \"low\"" },
	{ "{\"h\":[{\"f\":[{\"r\":\"N\"}]}]}",
	  "{\"h\":[{\"f\":[{\"r\":\"O\"}]}]}", JM_MISMATCH,
	  "/h/0/f/0/r: expected \"N\", found \"O\"" },
	/* numbers by value */
	{ "1", "1", JM_OK, NULL },
	{ "1", "1.0", JM_OK, NULL },
	{ "1.0", "1", JM_OK, NULL },
	{ "-0.5", "-0.5", JM_OK, NULL },
	{ "1.5", "1", JM_MISMATCH, "expected 1.5, found 1" },
	{ "9007199254740993", "9007199254740993", JM_OK, NULL },
	{ "9007199254740993", "9007199254740992", JM_MISMATCH, NULL },
	{ "1", "\"1\"", JM_MISMATCH, "expected 1, found \"1\"" },
	{ "\"1\"", "1", JM_MISMATCH, "expected \"1\", found 1" },
	/* true, false, null match only themselves */
	{ "null", "null", JM_OK, NULL },
	{ "true", "true", JM_OK, NULL },
	{ "false", "false", JM_OK, NULL },
	{ "null", "false", JM_MISMATCH, "expected null, found false" },
	{ "false", "null", JM_MISMATCH, "expected false, found null" },
	{ "null", "0", JM_MISMATCH, NULL },
	{ "null", "{}", JM_MISMATCH, NULL },
	{ "true", "1", JM_MISMATCH, NULL },
	/* strings: exact, with NUL bytes too */
	{ "\"abc\"", "\"abc\"", JM_OK, NULL },
	{ "\"abc\"", "\"abcd\"", JM_MISMATCH, NULL },
	{ "\"a\\u0000b\"", "\"a\\u0000b\"", JM_OK, NULL },
	{ "\"a\\u0000b\"", "\"a\"", JM_MISMATCH, NULL },
	{ "\"\"", "\"\"", JM_OK, NULL },
	/* "~": substring */
	{ "\"~OPT\"", "\"DMAR-OPTOUT\"", JM_OK, NULL },
	{ "\"~DMAR-OPTOUT\"", "\"DMAR-OPTOUT\"", JM_OK, NULL },
	{ "\"~\"", "\"\"", JM_OK, NULL },
	{ "\"~~x\"", "\"a~xb\"", JM_OK, NULL },
	{ "\"~XYZ\"", "\"DMAR-OPTOUT\"", JM_MISMATCH,
	  "expected a string containing \"XYZ\", found \"DMAR-OPTOUT\"" },
	{ "\"~\"", "3", JM_MISMATCH, "found 3" },
	{ "\"~OPT\"", "[\"OPT\"]", JM_MISMATCH, NULL },
	/* "$INPUT<n>": the input's path, exactly */
	{ "\"$INPUT0\"", "\"/tmp/a b.hive\"", JM_OK, NULL },
	{ "\"$INPUT1\"", "\"x\"", JM_OK, NULL },
	{ "\"$INPUT0\"", "\"x\"", JM_MISMATCH,
	  "expected \"/tmp/a b.hive\" ($INPUT0), found \"x\"" },
	{ "\"$INPUT0\"", "\"/tmp/a b.hive2\"", JM_MISMATCH, NULL },
	{ "\"~$INPUT1\"", "\"cannot open x: bad\"", JM_OK, NULL },
	{ "\"~$INPUT0\"", "\"x\"", JM_MISMATCH,
	  "a string containing \"/tmp/a b.hive\" ($INPUT0)" },
	{ "\"$INPUT2\"", "\"x\"", JM_EPATTERN,
	  "uses $INPUT2 but there are only 2 inputs" },
	{ "[\"$INPUT9\"]", "[\"x\"]", JM_EPATTERN, "$INPUT9" },
	/* not placeholders: literal strings */
	{ "\"$INPUT\"", "\"$INPUT\"", JM_OK, NULL },
	{ "\"$INPUTx\"", "\"$INPUTx\"", JM_OK, NULL },
	{ "\"$INPUT0 \"", "\"$INPUT0 \"", JM_OK, NULL },
	{ "\"a$INPUT0\"", "\"a$INPUT0\"", JM_OK, NULL },
};

START_TEST(test_match)
{
	const struct match_row *row = &match_rows[_i];
	json_t *pat = parse(row->pattern), *doc = parse(row->doc);
	char *msg = (char *)"unset";
	jm_status st = jm_match(pat, doc, &test_vars, &msg);

	ck_assert_msg(st == row->want, "row %d: %s against %s: status %d, "
	              "want %d (%s)", _i, row->pattern, row->doc, (int)st,
	              (int)row->want, msg ? msg : "no message");
	check_message(msg, row->msg_has, st, _i);
	free(msg);
	json_decref(pat);
	json_decref(doc);
}
END_TEST

START_TEST(test_match_without_vars)
{
	json_t *pat = parse("\"$INPUT0\""), *doc = parse("\"x\"");
	char *msg = NULL;

	ck_assert_int_eq(jm_match(pat, doc, NULL, &msg), JM_EPATTERN);
	ck_assert_ptr_nonnull(strstr(msg, "only 0 inputs"));
	free(msg);
	json_decref(pat);
	json_decref(doc);
}
END_TEST

/* ---- jm_pointer_get ----------------------------------------------------- */

struct pointer_row {
	const char *pointer;
	jm_status want;
	const char *expect;   /* JSON of the value on JM_OK, else message part */
};

static const char pointer_doc[] =
	"{\"a\":1,\"arr\":[10,20],\"a/b\":2,\"~k\":3,\"\":4,\"*\":5,"
	"\"o\":{\"p\":[{\"q\":true}]}}";

static const struct pointer_row pointer_rows[] = {
	{ "", JM_OK, NULL },   /* NULL: the whole document */
	{ "/a", JM_OK, "1" },
	{ "/arr/1", JM_OK, "20" },
	{ "/arr/0", JM_OK, "10" },
	{ "/a~1b", JM_OK, "2" },
	{ "/~0k", JM_OK, "3" },
	{ "/", JM_OK, "4" },
	{ "/*", JM_OK, "5" },
	{ "/o/p/0/q", JM_OK, "true" },
	{ "/o/p/0", JM_OK, "{\"q\":true}" },
	{ "/b", JM_MISMATCH, "/b: no such key (the object has: a, arr," },
	{ "/arr/2", JM_MISMATCH, "/arr/2: no such element (the array has 2 "
	  "elements)" },
	{ "/arr/01", JM_MISMATCH, "is not an index" },
	{ "/arr/-", JM_MISMATCH, "is not an index" },
	{ "/arr/x", JM_MISMATCH, "is not an index" },
	{ "/a/b", JM_MISMATCH, "/a/b: nothing here: /a is 1, not an object" },
	{ "/o/p/0/q/r", JM_MISMATCH, "/o/p/0/q is true" },
	{ "a", JM_EPATTERN, "must be empty or start with '/'" },
	{ "/a~2", JM_EPATTERN, "invalid escape" },
	{ "/a~", JM_EPATTERN, "invalid escape" },
};

START_TEST(test_pointer)
{
	const struct pointer_row *row = &pointer_rows[_i];
	json_t *doc = parse(pointer_doc), *want;
	const json_t *got = NULL;
	char *msg = (char *)"unset";
	jm_status st = jm_pointer_get(doc, row->pointer, &got, &msg);

	ck_assert_msg(st == row->want, "row %d: %s: status %d, want %d (%s)",
	              _i, row->pointer, (int)st, (int)row->want,
	              msg ? msg : "no message");
	if (st == JM_OK) {
		want = row->expect ? parse(row->expect) : json_incref(doc);
		ck_assert_msg(json_equal(got, want), "row %d: wrong value", _i);
		json_decref(want);
	} else {
		ck_assert_ptr_null(got);
	}
	check_message(msg, st == JM_OK ? NULL : row->expect, st, _i);
	free(msg);
	json_decref(doc);
}
END_TEST

/* ---- jm_count --------------------------------------------------------------- */

struct count_row {
	const char *doc;
	const char *at;
	const char *where;   /* NULL: count every element */
	jm_status want;
	size_t count;
	const char *msg_has;
};

#define HIVES "{\"hives\":[{\"f\":[{\"r\":\"A\"},{\"r\":\"B\"}]}," \
	"{\"f\":[{\"r\":\"A\",\"p\":\"x\"}]},{\"f\":[]}]}"

static const struct count_row count_rows[] = {
	{ HIVES, "/hives/*/f", NULL, JM_OK, 3, NULL },
	{ HIVES, "/hives/*/f", "{\"r\":\"A\"}", JM_OK, 2, NULL },
	{ HIVES, "/hives/*/f", "{\"r\":\"~B\"}", JM_OK, 1, NULL },
	{ HIVES, "/hives/*/f", "{\"p\":\"$INPUT1\"}", JM_OK, 1, NULL },
	{ HIVES, "/hives/0/f", "{\"r\":\"C\"}", JM_OK, 0, NULL },
	{ HIVES, "/hives/2/f", NULL, JM_OK, 0, NULL },
	{ HIVES, "/hives", NULL, JM_OK, 3, NULL },
	{ HIVES, "/hives", "{}", JM_OK, 3, NULL },
	{ "[1,2,2]", "", "2", JM_OK, 2, NULL },
	{ "{\"m\":{\"x\":[1,2],\"y\":[2]}}", "/m/*", "2", JM_OK, 2, NULL },
	{ "{\"h\":[]}", "/h/*/f", NULL, JM_OK, 0, NULL },
	{ "[[1],[1,1]]", "/*", "1", JM_OK, 3, NULL },
	{ HIVES, "/hives/*/g", NULL, JM_MISMATCH, 0,
	  "/hives/0/g: no such key (the object has: f)" },
	{ HIVES, "/hives/0", NULL, JM_MISMATCH, 0,
	  "/hives/0: expected an array to count in, found {" },
	{ HIVES, "/hives/*/f/*", NULL, JM_MISMATCH, 0,
	  "/hives/0/f/0: expected an array to count in" },
	{ "3", "/*", NULL, JM_MISMATCH, 0,
	  "(root): expected an array or object for \"*\", found 3" },
	{ HIVES, "hives", NULL, JM_EPATTERN, 0, "must be empty or start" },
	{ HIVES, "/hives/*/f", "{\"r\":\"$INPUT5\"}", JM_EPATTERN, 0,
	  "/hives/0/f/0/r: the pattern uses $INPUT5" },
};

START_TEST(test_count)
{
	const struct count_row *row = &count_rows[_i];
	json_t *doc = parse(row->doc);
	json_t *where = row->where ? parse(row->where) : NULL;
	char *msg = (char *)"unset";
	size_t n = 99;
	jm_status st = jm_count(doc, row->at, where, &test_vars, &n, &msg);

	ck_assert_msg(st == row->want, "row %d: %s: status %d, want %d (%s)",
	              _i, row->at, (int)st, (int)row->want,
	              msg ? msg : "no message");
	if (st == JM_OK)
		ck_assert_msg(n == row->count, "row %d: %s: count %zu, want %zu",
		              _i, row->at, n, row->count);
	check_message(msg, row->msg_has, st, _i);
	free(msg);
	json_decref(where);
	json_decref(doc);
}
END_TEST

/* ---- Pointer building and placeholders ---------------------------------- */

struct append_row {
	const char *base;
	const char *token;
	const char *want;
};

static const struct append_row append_rows[] = {
	{ "", "a", "/a" },
	{ "/x", "a/b", "/x/a~1b" },
	{ "", "~", "/~0" },
	{ "", "~1/", "/~01~1" },
	{ "/x", "", "/x/" },
};

START_TEST(test_append)
{
	const struct append_row *row = &append_rows[_i];
	char *got = jm_pointer_append(row->base, row->token);

	ck_assert_str_eq(got, row->want);
	free(got);
}
END_TEST

START_TEST(test_append_index)
{
	char *got = jm_pointer_append_index("/hives", 12);

	ck_assert_str_eq(got, "/hives/12");
	free(got);
}
END_TEST

struct placeholder_row {
	const char *text;
	int want;
	const char *value;
};

static const struct placeholder_row placeholder_rows[] = {
	{ "$INPUT0", 1, "/tmp/a b.hive" },
	{ "$INPUT1", 1, "x" },
	{ "$INPUT2", -1, NULL },
	{ "$INPUT99999", -1, NULL },
	{ "$INPUT", 0, NULL },
	{ "$INPUT1a", 0, NULL },
	{ "x$INPUT1", 0, NULL },
	{ "$input1", 0, NULL },
	{ "", 0, NULL },
};

START_TEST(test_placeholder)
{
	const struct placeholder_row *row = &placeholder_rows[_i];
	const char *value = NULL;
	int got = jm_placeholder(row->text, strlen(row->text), &test_vars,
	                         &value);

	ck_assert_msg(got == row->want, "row %d: %s: %d, want %d", _i,
	              row->text, got, row->want);
	if (row->value != NULL)
		ck_assert_str_eq(value, row->value);
}
END_TEST

static Suite *jsonmatch_suite(void)
{
	Suite *s = suite_create("jsonmatch");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_match, 0, N_ROWS(match_rows));
	tcase_add_test(tc, test_match_without_vars);
	tcase_add_loop_test(tc, test_pointer, 0, N_ROWS(pointer_rows));
	tcase_add_loop_test(tc, test_count, 0, N_ROWS(count_rows));
	tcase_add_loop_test(tc, test_append, 0, N_ROWS(append_rows));
	tcase_add_test(tc, test_append_index);
	tcase_add_loop_test(tc, test_placeholder, 0, N_ROWS(placeholder_rows));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(jsonmatch_suite());
}
