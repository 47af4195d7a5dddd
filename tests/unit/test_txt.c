/* test_txt.c -- TXT and lookup-URL templates: rendering, checks, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "core/txt.h"

/* 2026-01-02 03:04:05 UTC, 2026-01-30 23:59:59 UTC, 2026-02-27 ... */
#define T_SINCE		1767323045LL
#define T_LAST		1769817599LL
#define T_EXPIRES	(T_LAST + 28 * 86400)

static struct prefix	test_prefix;
static struct txt_vars	test_vars;

static void
vars_init(const char *prefix)
{
	assert_int_equal(prefix_parse(prefix, strlen(prefix), &test_prefix),
	    0);
	memset(&test_vars, 0, sizeof(test_vars));
	test_vars.prefix = &test_prefix;
	test_vars.listed_since = T_SINCE;
	test_vars.last_seen = T_LAST;
	test_vars.expires = T_EXPIRES;
	test_vars.classes = HIT_CLASS_BIT(HIT_BOUNCE) |
	    HIT_CLASS_BIT(HIT_CALLOUT);
	test_vars.url = "https://bl.example.org/lookup?ip=192.0.2.1";
}

static const struct {
	const char	*tmpl;
	const char	*out;
} render_cases[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "{ip}", "192.0.2.1" },
	{ "{since}", "2026-01-02" },
	{ "{last}", "2026-01-30 23:59 UTC" },
	{ "{expires}", "2026-02-27 23:59 UTC" },
	{ "{class}", "bounce, callout" },
	{ "{url}", "https://bl.example.org/lookup?ip=192.0.2.1" },
	{ "{{ip}}", "{ip}" },
	{ "{{", "{" },
	{ "}}", "}" },
	{ "a{{b}}c", "a{b}c" },
	{ "{{{ip}}}", "{192.0.2.1}" },
	{ "{ip}{ip}", "192.0.2.1192.0.2.1" },
	{ "{ip} sent {class} to backscatter traps, last {last}; see {url}",
	    "192.0.2.1 sent bounce, callout to backscatter traps, last "
	    "2026-01-30 23:59 UTC; see https://bl.example.org/lookup?ip="
	    "192.0.2.1" },
};

static void
test_render(void **state)
{
	char buf[TXT_MAX + 1], err[128];

	(void)state;
	vars_init("192.0.2.1");
	for (size_t i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]);
	    i++) {
		if (txt_render(render_cases[i].tmpl, &test_vars, buf,
		    sizeof(buf)) != 0)
			fail_msg("txt_render(\"%s\") failed",
			    render_cases[i].tmpl);
		assert_string_equal(buf, render_cases[i].out);
		assert_int_equal(txt_check(render_cases[i].tmpl, err,
		    sizeof(err)), 0);
	}
}

static void
test_render_values(void **state)
{
	char buf[TXT_MAX + 1];

	(void)state;
	vars_init("2001:db8::/32");
	assert_int_equal(txt_render("{ip}", &test_vars, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::/32");

	vars_init("198.51.100.0/24");
	assert_int_equal(txt_render("{ip}", &test_vars, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "198.51.100.0/24");

	/* A listing without an end. */
	test_vars.expires = INT64_MAX;
	assert_int_equal(txt_render("until {expires}", &test_vars, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "until never");

	test_vars.classes = 0;
	assert_int_equal(txt_render("{class}", &test_vars, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "none");

	/* Rendering the lookup URL itself: there is no {url} yet. */
	test_vars.url = NULL;
	assert_int_equal(txt_render("[{url}]", &test_vars, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "[]");

	/* {ip} without a prefix is a caller bug, not an empty string. */
	test_vars.prefix = NULL;
	assert_int_equal(txt_render("{ip}", &test_vars, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(txt_render("no ip", &test_vars, buf, sizeof(buf)), 0);
}

static const struct {
	const char	*tmpl;
	const char	*err;
} bad_cases[] = {
	{ "{", "unclosed '{' at offset 0" },
	{ "{ip", "unclosed '{' at offset 0" },
	{ "x {ip {class}", "unclosed '{' at offset 2" },
	{ "}", "unmatched '}' at offset 0" },
	{ "ip}", "unmatched '}' at offset 2" },
	{ "{ip}}", "unmatched '}' at offset 4" },
	{ "{}", "unknown variable {}" },
	{ "{IP}", "unknown variable {IP}" },
	{ "{ ip}", "unknown variable { ip}" },
	{ "{ip }", "unknown variable {ip }" },
	{ "{foo}", "unknown variable {foo}" },
	{ "{{{foo}}}", "unknown variable {foo}" },
	{ "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}",
	    "unknown variable {aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}" },
};

static void
test_bad(void **state)
{
	char buf[TXT_MAX + 1], err[128];

	(void)state;
	vars_init("192.0.2.1");
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		strcpy(buf, "junk");
		if (txt_render(bad_cases[i].tmpl, &test_vars, buf,
		    sizeof(buf)) != -1)
			fail_msg("txt_render(\"%s\") accepted",
			    bad_cases[i].tmpl);
		assert_string_equal(buf, "");
		assert_int_equal(txt_check(bad_cases[i].tmpl, err,
		    sizeof(err)), -1);
		assert_string_equal(err, bad_cases[i].err);
	}
	/* A NULL or tiny err buffer is not written past. */
	assert_int_equal(txt_check("{", NULL, 0), -1);
	err[0] = 'x';
	assert_int_equal(txt_check("{", err, 1), -1);
	assert_int_equal(err[0], '\0');
	assert_int_equal(txt_check(NULL, err, sizeof(err)), -1);
}

/* size - 1 characters fit; one more is rejected, never cut. */
static void
test_truncation(void **state)
{
	char buf[TXT_MAX + 1], tmpl[TXT_MAX + 8];

	(void)state;
	vars_init("192.0.2.1");
	memset(tmpl, 'a', TXT_MAX);
	tmpl[TXT_MAX] = '\0';
	assert_int_equal(txt_render(tmpl, &test_vars, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), TXT_MAX);
	tmpl[TXT_MAX] = 'a';
	tmpl[TXT_MAX + 1] = '\0';
	assert_int_equal(txt_render(tmpl, &test_vars, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");

	/* "192.0.2.1" is 9 bytes: fits in 10, not in 9. */
	assert_int_equal(txt_render("{ip}", &test_vars, buf, 10), 0);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(txt_render("{ip}", &test_vars, buf, 9), -1);
	assert_string_equal(buf, "");
	assert_int_equal(txt_render("{{", &test_vars, buf, 2), 0);
	assert_int_equal(txt_render("{{", &test_vars, buf, 1), -1);
	assert_int_equal(txt_render("", &test_vars, buf, 1), 0);
	assert_int_equal(txt_render("", &test_vars, buf, 0), -1);

	/* A long URL that pushes the default TXT past 255 octets. */
	test_vars.url = "https://bl.example.org/lookup?ip=aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	assert_int_equal(txt_render("{ip} sent {class} to backscatter traps, "
	    "last {last}; see {url}", &test_vars, buf, sizeof(buf)), -1);
}

/*
 * Dates are computed by day arithmetic, not gmtime_r: both must agree on
 * every day, leap days and century years included, before 1970 too.
 */
static void
test_dates_match_gmtime(void **state)
{
	char got[64], want[64];
	struct tm tm;
	time_t tt;
	int64_t t;

	(void)state;
	vars_init("192.0.2.1");
	/* 1601-01-01 to 2400-12-31, a day and 7 hours 3 minutes a step. */
	for (t = -11644473600LL; t < 13601174400LL; t += 86400 + 25380) {
		tt = (time_t)t;
		assert_non_null(gmtime_r(&tt, &tm));
		assert_true(strftime(want, sizeof(want), "%Y-%m-%d %H:%M UTC",
		    &tm) > 0);
		test_vars.last_seen = t;
		assert_int_equal(txt_render("{last}", &test_vars, got,
		    sizeof(got)), 0);
		assert_string_equal(got, want);
	}
	/* Years past 9999 and before 0 cannot be shown in four digits. */
	test_vars.last_seen = 253402300800LL;	/* 10000-01-01 */
	assert_int_equal(txt_render("{last}", &test_vars, got, sizeof(got)),
	    -1);
	test_vars.last_seen = -62167219201LL;	/* -0001-12-31 23:59:59 */
	assert_int_equal(txt_render("{last}", &test_vars, got, sizeof(got)),
	    -1);
	test_vars.last_seen = -62167219200LL;	/* 0000-01-01 */
	assert_int_equal(txt_render("{last}", &test_vars, got, sizeof(got)),
	    0);
	assert_string_equal(got, "0000-01-01 00:00 UTC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_values),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_dates_match_gmtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
