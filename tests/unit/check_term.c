/*
 * check_term.c - registry text shown on a terminal: escape sequences,
 * control and bidi characters made visible; colour only when wanted.
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

static const struct {
	const char *name, *in, *out;
} SAFE[] = {
	{ "plain ASCII is kept", "Intel(R) Ethernet", "Intel(R) Ethernet" },
	{ "UTF-8 is kept", "Gr\xC3\xA4" "fik \xE4\xB8\xAD", "Gr\xC3\xA4" "fik \xE4\xB8\xAD" },
	{ "backslashes are kept", "PCI\\VEN_8086", "PCI\\VEN_8086" },
	{ "ESC of a colour sequence is shown", "\x1B[31mred", "\\x1B[31mred" },
	{ "OSC title change is shown", "\x1B]0;pwned\x07", "\\x1B]0;pwned\\x07" },
	{ "newline and carriage return are shown", "a\nb\rc", "a\\x0Ab\\x0Dc" },
	{ "tab is shown", "a\tb", "a\\x09b" },
	{ "DEL is shown", "a\x7F", "a\\x7F" },
	{ "C1 CSI (U+009B) is shown", "a\xC2\x9B" "2J", "a\\x9B2J" },
	{ "right-to-left override is shown", "abc\xE2\x80\xAE" "fdp.exe", "abc\\u{202E}fdp.exe" },
	{ "bidi isolate is shown", "\xE2\x81\xA6x", "\\u{2066}x" },
	{ "invalid UTF-8 byte is shown", "a\xFF" "b", "a\\xFFb" },
	{ "truncated UTF-8 is shown", "a\xE4\xB8", "a\\xE4\\xB8" },
};

START_TEST(test_safe)
{
	char *got = term_safe(SAFE[_i].in);
	ck_assert_msg(got != NULL && strcmp(got, SAFE[_i].out) == 0,
	              "%s: got '%s'", SAFE[_i].name, got ? got : "(null)");
	free(got);
}
END_TEST

START_TEST(test_clip)
{
	char *s = term_clip("abcdefghij", 6);
	ck_assert_str_eq(s, "abc...");
	free(s);
	s = term_clip("abc", 6);
	ck_assert_str_eq(s, "abc");
	free(s);
	s = term_clip("\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4", 5);
	ck_assert_str_eq(s, "\xC3\xA4\xC3\xA4...");   /* never cuts inside a character */
	free(s);
	ck_assert_uint_eq(term_width("\xC3\xA4x"), 2);
}
END_TEST

START_TEST(test_color_choice)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	ck_assert_int_eq(term_want_color(f, -1), 0);    /* not a terminal */
	ck_assert_int_eq(term_want_color(f, 0), 0);     /* --no-color */
	ck_assert_int_eq(term_want_color(f, 1), 1);     /* forced */
	setenv("NO_COLOR", "1", 1);
	ck_assert_int_eq(term_want_color(f, -1), 0);
	unsetenv("NO_COLOR");
	ck_assert_str_eq(term_sgr(0, TC_RED), "");
	ck_assert_str_eq(term_sgr(1, TC_RED), "\x1B[31m");
	fclose(f);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("term");
	TCase *t = tcase_create("terminal");
	tcase_add_loop_test(t, test_safe, 0, N(SAFE));
	tcase_add_test(t, test_clip);
	tcase_add_test(t, test_color_choice);
	suite_add_tcase(s, t);
	return unit_run(s);
}
