/*
 * check_jsonw.c - the streaming JSON writer: the same text as jansson's
 * dumps (the reference layout the reports always had), pretty and
 * compact, and strings that no reader misreads.
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* What the writer makes of a value, with the layout asked for. */
typedef struct capture {
	char *text;
	size_t len;
	FILE *f;
	jw *w;
} capture;

static jw *capture_open(capture *c, int pretty)
{
	*c = (capture){ 0 };
	c->f = open_memstream(&c->text, &c->len);
	ck_assert_ptr_nonnull(c->f);
	c->w = jw_new(c->f, pretty);
	ck_assert_ptr_nonnull(c->w);
	return c->w;
}

static char *capture_close(capture *c)
{
	ck_assert_int_eq(jw_free(c->w), 0);   /* the stream flushes at fclose */
	ck_assert_int_eq(fclose(c->f), 0);
	return c->text;
}

static char *written(const json_t *j, int pretty)
{
	capture c;
	jw_json(capture_open(&c, pretty), j);
	return capture_close(&c);
}

/* Documents whose strings need no escape beyond JSON's own: the writer
 * must give jansson's text byte for byte. */
static const char *const SAME_AS_JANSSON[] = {
	"{}",
	"[]",
	"{\"a\": {}, \"b\": [], \"c\": [{}], \"d\": [[]]}",
	"{\"n\": null, \"t\": true, \"f\": false, \"i\": -9223372036854775807, \"z\": 0}",
	"[1, [2, [3, [4, [5, {\"deep\": [\"x\"]}]]]], 6]",
	"{\"path\": \"C:\\\\Windows\\\\System32\", \"q\": \"say \\\"hi\\\"\"}",
	"{\"ctl\": \"a\\nb\\tc\\rd\\be\\ff\\u0001g\\u001Fh\"}",
	"{\"utf8\": \"Gr\\u00e4fik \\u4e2d \\ud83d\\ude00\"}",
	"{\"nul\": \"a\\u0000b\"}",
	"{\"r\": 1.5, \"e\": 1e300, \"whole\": 2.0}",
	"[{\"rule\": \"DMAR-X\", \"evidence\": [\"one\", \"two\"], \"generations\": []},"
	" {\"rule\": \"DMAR-Y\", \"evidence\": [], \"generations\": [\"24h2\"]}]",
	"\"just a string\"",
	"42",
};

START_TEST(test_same_as_jansson)
{
	json_error_t e;
	json_t *j = json_loads(SAME_AS_JANSSON[_i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	ck_assert_msg(j != NULL, "%s: %s", SAME_AS_JANSSON[_i], e.text);
	for (int pretty = 0; pretty <= 1; pretty++) {
		char *want = json_dumps(j, JSON_ENCODE_ANY | (pretty ? JSON_INDENT(2)
		                                                     : JSON_COMPACT));
		char *got = written(j, pretty);
		ck_assert_msg(strcmp(got, want) == 0, "%s (%s):\nwant %s\ngot  %s",
		              SAME_AS_JANSSON[_i], pretty ? "pretty" : "compact", want, got);
		free(want);
		free(got);
	}
	json_decref(j);
}
END_TEST

/* A document built call by call reads as jansson lays out the same value:
 * members, nested containers, empty ones, and a frame around it. */
START_TEST(test_calls_nest)
{
	capture c;
	jw *w = capture_open(&c, 1);
	jw_raw(w, "[\n");
	jw_obj(w);
	jw_kstr(w, "name", "x");
	jw_kstr(w, "absent", NULL);
	jw_kint(w, "n", -12);
	jw_kbool(w, "yes", 1);
	jw_knull(w, "none");
	jw_karr(w, "empty");
	jw_arr_end(w);
	jw_kobj(w, "inner");
	jw_karr(w, "list");
	jw_int(w, 1);
	jw_obj(w);
	jw_obj_end(w);
	jw_str(w, "s");
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_raw(w, "\n]");
	char *got = capture_close(&c);
	json_t *j = json_pack("{s:s, s:n, s:i, s:b, s:n, s:[], s:{s:[i, {}, s]}}",
	                      "name", "x", "absent", "n", -12, "yes", 1, "none",
	                      "empty", "inner", "list", 1, "s");
	char *inner = json_dumps(j, JSON_INDENT(2));
	char *want = NULL;
	ck_assert_int_gt(asprintf(&want, "[\n%s\n]", inner), 0);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(inner);
	json_decref(j);
}
END_TEST

/* JSON lines: compact values, each after a raw line break. */
START_TEST(test_lines)
{
	capture c;
	jw *w = capture_open(&c, 0);
	for (int i = 0; i < 3; i++) {
		jw_obj(w);
		jw_kint(w, "i", i);
		jw_karr(w, "a");
		jw_str(w, "x");
		jw_str(w, "y");
		jw_arr_end(w);
		jw_obj_end(w);
		jw_raw(w, "\n");
	}
	char *got = capture_close(&c);
	ck_assert_str_eq(got, "{\"i\":0,\"a\":[\"x\",\"y\"]}\n"
	                      "{\"i\":1,\"a\":[\"x\",\"y\"]}\n"
	                      "{\"i\":2,\"a\":[\"x\",\"y\"]}\n");
	free(got);
}
END_TEST

static const struct {
	const char *name, *in, *out;
} STRINGS[] = {
	{ "plain ASCII is kept", "Intel(R) Ethernet", "\"Intel(R) Ethernet\"" },
	{ "UTF-8 is kept", "Gr\xC3\xA4" "fik \xE4\xB8\xAD \xF0\x9F\x98\x80",
	  "\"Gr\xC3\xA4" "fik \xE4\xB8\xAD \xF0\x9F\x98\x80\"" },
	{ "quote and backslash are escaped", "PCI\\VEN \"x\"", "\"PCI\\\\VEN \\\"x\\\"\"" },
	{ "named controls", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
	{ "ESC", "\x1B[31m", "\"\\u001B[31m\"" },
	{ "DEL", "a\x7F", "\"a\\u007F\"" },
	{ "C1 CSI (U+009B)", "a\xC2\x9B" "2J", "\"a\\u009B2J\"" },
	{ "line separator U+2028", "a\xE2\x80\xA8" "b", "\"a\\u2028b\"" },
	{ "paragraph separator U+2029", "a\xE2\x80\xA9" "b", "\"a\\u2029b\"" },
	{ "right-to-left override", "abc\xE2\x80\xAE" "fdp.exe", "\"abc\\u202Efdp.exe\"" },
	{ "bidi isolate", "\xE2\x81\xA6x", "\"\\u2066x\"" },
	{ "Arabic letter mark", "\xD8\x9Cx", "\"\\u061Cx\"" },
	{ "byte order mark", "\xEF\xBB\xBFx", "\"\\uFEFFx\"" },
	{ "invalid byte becomes U+FFFD", "a\xFF" "b", "\"a\xEF\xBF\xBD" "b\"" },
	{ "each byte of a cut sequence", "a\xE4\xB8", "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"" },
	{ "encoded surrogate", "\xED\xA0\x80",
	  "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
	{ "overlong slash", "\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"" },
	{ "past U+10FFFF", "\xF4\x90\x80\x80",
	  "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
};

START_TEST(test_strings)
{
	capture c;
	jw_str(capture_open(&c, 0), STRINGS[_i].in);
	char *got = capture_close(&c);
	ck_assert_msg(strcmp(got, STRINGS[_i].out) == 0, "%s: got %s",
	              STRINGS[_i].name, got);
	/* whatever went in, a JSON reader takes what came out */
	json_t *back = json_loads(got, JSON_DECODE_ANY, NULL);
	ck_assert_msg(json_is_string(back), "%s: not a JSON string", STRINGS[_i].name);
	json_decref(back);
	free(got);
}
END_TEST

/* Keys are strings like any other: escaped the same way. */
START_TEST(test_keys_escaped)
{
	capture c;
	jw *w = capture_open(&c, 0);
	jw_obj(w);
	jw_kint(w, "k\xE2\x80\xAE\n", 1);
	jw_obj_end(w);
	char *got = capture_close(&c);
	ck_assert_str_eq(got, "{\"k\\u202E\\n\":1}");
	free(got);
}
END_TEST

/* Text larger than the writer's buffer, and a string larger than it, come
 * out whole and in order. */
START_TEST(test_large)
{
	size_t big = 100000;
	char *s = malloc(big + 1);
	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < big; i++)
		s[i] = (char)('a' + i % 26);
	s[big] = '\0';
	json_t *j = json_array();
	for (int i = 0; i < 2000; i++)
		json_array_append_new(j, json_pack("{s:i, s:s}", "i", i, "s", "text"));
	json_array_append_new(j, json_string(s));
	char *want = json_dumps(j, JSON_INDENT(2));
	char *got = written(j, 1);
	ck_assert_uint_eq(strlen(got), strlen(want));
	ck_assert(strcmp(got, want) == 0);
	free(want);
	free(got);
	free(s);
	json_decref(j);
}
END_TEST

/* Deep nesting (a hostile report given to diff): indents past the
 * writer's ready-made run of spaces. */
START_TEST(test_deep)
{
	json_t *j = json_string("leaf");
	for (int i = 0; i < 200; i++) {
		json_t *o = json_object();
		json_object_set_new(o, i % 2 ? "k" : "l", j);
		j = i % 3 ? o : json_pack("[o]", o);
	}
	char *want = json_dumps(j, JSON_INDENT(2));
	char *got = written(j, 1);
	ck_assert(strcmp(got, want) == 0);
	free(want);
	free(got);
	json_decref(j);
}
END_TEST

/* A write that fails (the disk is full) is reported, not lost. */
START_TEST(test_write_failure)
{
	FILE *f = fopen("/dev/full", "w");
	if (f == NULL)
		return;   /* no /dev/full here: nothing to prove */
	jw *w = jw_new(f, 1);
	ck_assert_ptr_nonnull(w);
	jw_obj(w);
	jw_kstr(w, "x", "y");
	jw_obj_end(w);
	ck_assert_int_eq(jw_flush(w), -1);
	ck_assert_int_eq(jw_free(w), -1);   /* and it stays failed */
	fclose(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("writer");
	tcase_add_loop_test(tc, test_same_as_jansson, 0,
	                    sizeof(SAME_AS_JANSSON) / sizeof(SAME_AS_JANSSON[0]));
	tcase_add_test(tc, test_calls_nest);
	tcase_add_test(tc, test_lines);
	tcase_add_loop_test(tc, test_strings, 0, sizeof(STRINGS) / sizeof(STRINGS[0]));
	tcase_add_test(tc, test_keys_escaped);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_write_failure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
