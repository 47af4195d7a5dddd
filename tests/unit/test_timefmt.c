/* test_timefmt.c -- durations and timestamps: table-driven, hostile cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"

static const struct {
	const char	*in;
	int		 rc;
	int64_t		 secs;
} duration_cases[] = {
	{ "0", 0, 0 },
	{ "3600", 0, 3600 },
	{ "90s", 0, 90 },
	{ "28d", 0, 28 * 86400 },
	{ "1d12h", 0, 86400 + 12 * 3600 },
	{ "2w", 0, 14 * 86400 },
	{ "1w2d3h4m5s", 0, 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5 },
	{ "0s", 0, 0 },
	{ "1m", 0, 60 },
	{ "007s", 0, 7 },
	{ "3153600000", 0, DURATION_MAX },
	{ "36500d", 0, DURATION_MAX },
	/* hostile */
	{ "", -1, 0 },
	{ "d", -1, 0 },
	{ "s", -1, 0 },
	{ "1x", -1, 0 },
	{ "-1d", -1, 0 },
	{ "+1d", -1, 0 },
	{ "-1", -1, 0 },
	{ "99999999999999999999", -1, 0 },
	{ "9223372036854775807", -1, 0 },
	{ "9223372036854775808s", -1, 0 },
	{ "3153600001", -1, 0 },
	{ "36501d", -1, 0 },
	{ "36500d1s", -1, 0 },
	{ "1d-2h", -1, 0 },
	{ " 1d", -1, 0 },
	{ "1d ", -1, 0 },
	{ "1 d", -1, 0 },
	{ "1d 2h", -1, 0 },
	{ "1D", -1, 0 },
	{ "1d30", -1, 0 },
	{ "1h1d", -1, 0 },
	{ "1d1d", -1, 0 },
	{ "1dd", -1, 0 },
	{ "1.5h", -1, 0 },
	{ "0x10", -1, 0 },
	{ "1ms", -1, 0 },
	{ "1d\n", -1, 0 },
};

static void
test_duration_parse(void **state)
{
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(duration_cases) /
	    sizeof(duration_cases[0]); i++) {
		v = -12345;
		if (duration_parse(duration_cases[i].in, &v) !=
		    duration_cases[i].rc)
			fail_msg("duration_parse(\"%s\") rc",
			    duration_cases[i].in);
		if (duration_cases[i].rc == 0 && v != duration_cases[i].secs)
			fail_msg("duration_parse(\"%s\") = %lld",
			    duration_cases[i].in, (long long)v);
		if (duration_cases[i].rc == -1 && v != -12345)
			fail_msg("duration_parse(\"%s\") wrote on failure",
			    duration_cases[i].in);
	}
	assert_int_equal(duration_parse(NULL, &v), -1);
}

static const struct {
	int64_t		 secs;
	const char	*out;
} duration_fmt_cases[] = {
	{ 0, "0s" },
	{ 45, "45s" },
	{ 60, "1m" },
	{ 90, "1m30s" },
	{ 2100, "35m" },
	{ 3600, "1h" },
	{ 86400 + 12 * 3600, "1d12h" },
	{ 28 * 86400, "28d" },
	{ 86400 + 1, "1d1s" },
	{ DURATION_MAX, "36500d" },
};

static void
test_duration_format(void **state)
{
	char buf[64];
	int64_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(duration_fmt_cases) /
	    sizeof(duration_fmt_cases[0]); i++) {
		assert_int_equal(duration_format(duration_fmt_cases[i].secs,
		    buf, sizeof(buf)), 0);
		assert_string_equal(buf, duration_fmt_cases[i].out);
		assert_int_equal(duration_parse(buf, &back), 0);
		assert_int_equal(back, duration_fmt_cases[i].secs);
	}
	/* Exactly fits, one short, nothing. */
	assert_int_equal(duration_format(86400 + 12 * 3600, buf, 6), 0);
	assert_string_equal(buf, "1d12h");
	assert_int_equal(duration_format(86400 + 12 * 3600, buf, 5), -1);
	assert_string_equal(buf, "");
	assert_int_equal(duration_format(0, buf, 2), -1);
	assert_int_equal(duration_format(0, buf, 0), -1);
	assert_int_equal(duration_format(-1, buf, sizeof(buf)), -1);
}

/* Every duration up to a few days survives a round trip. */
static void
test_duration_roundtrip(void **state)
{
	char buf[64];
	int64_t back;

	(void)state;
	for (int64_t s = 0; s < 4 * 86400; s += 37) {
		assert_int_equal(duration_format(s, buf, sizeof(buf)), 0);
		assert_int_equal(duration_parse(buf, &back), 0);
		assert_int_equal(back, s);
	}
}

static const struct {
	const char	*in;
	int		 rc;
	int64_t		 t;
} timestamp_cases[] = {
	{ "@0", 0, 0 },
	{ "@1700000000", 0, 1700000000 },
	{ "1970-01-01", 0, 0 },
	{ "2000-03-01", 0, 951868800 },
	{ "2024-02-29", 0, 1709164800 },
	{ "2000-02-29", 0, 951782400 },
	{ "2026-01-01T00:00:00Z", 0, 1767225600 },
	{ "2026-01-01 00:00:00", 0, 1767225600 },
	{ "2026-01-01 00:00:00Z", 0, 1767225600 },
	{ "2026-01-01 00:00:00 UTC", 0, 1767225600 },
	{ "2038-01-19T03:14:08Z", 0, 2147483648LL },
	{ "1999-12-31T23:59:59Z", 0, 946684799 },
	{ "9999-12-31T23:59:59Z", 0, 253402300799LL },
	{ "@253402300799", 0, 253402300799LL },
	/* hostile */
	{ "", -1, 0 },
	{ "@", -1, 0 },
	{ "@-1", -1, 0 },
	{ "@+1", -1, 0 },
	{ "@ 1", -1, 0 },
	{ "@1x", -1, 0 },
	{ "@99999999999999999999", -1, 0 },
	{ "@253402300800", -1, 0 },
	{ "2023-02-29", -1, 0 },
	{ "1900-02-29", -1, 0 },
	{ "2024-02-30", -1, 0 },
	{ "2026-04-31", -1, 0 },
	{ "2026-13-01", -1, 0 },
	{ "2026-00-01", -1, 0 },
	{ "2026-01-00", -1, 0 },
	{ "2026-01-32", -1, 0 },
	{ "1969-12-31", -1, 0 },
	{ "0000-01-01", -1, 0 },
	{ "26-01-01", -1, 0 },
	{ "2026-1-01", -1, 0 },
	{ "2026-01-1", -1, 0 },
	{ "2026/01/01", -1, 0 },
	{ "+2026-01-01", -1, 0 },
	{ " 2026-01-01", -1, 0 },
	{ "2026-01-01 ", -1, 0 },
	{ "2026-01-01T", -1, 0 },
	{ "2026-01-01T24:00:00Z", -1, 0 },
	{ "2026-01-01 24:00:00", -1, 0 },
	{ "2026-01-01T23:60:00Z", -1, 0 },
	{ "2026-01-01T23:59:60Z", -1, 0 },
	{ "2026-01-01T00:00:00", -1, 0 },
	{ "2026-01-01T00:00:00 UTC", -1, 0 },
	{ "2026-01-01T00:00:00+00:00", -1, 0 },
	{ "2026-01-01 00:00:00 utc", -1, 0 },
	{ "2026-01-01 00:00:00ZZ", -1, 0 },
	{ "2026-01-01 00:00", -1, 0 },
	{ "2026-01-01 0:00:00", -1, 0 },
	{ "2026-01-01T00:00:00.5Z", -1, 0 },
	{ "2026-01-01x", -1, 0 },
	{ "2026-0a-01", -1, 0 },
};

static void
test_timestamp_parse(void **state)
{
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(timestamp_cases) /
	    sizeof(timestamp_cases[0]); i++) {
		t = -12345;
		if (timestamp_parse(timestamp_cases[i].in, &t) !=
		    timestamp_cases[i].rc)
			fail_msg("timestamp_parse(\"%s\") rc",
			    timestamp_cases[i].in);
		if (timestamp_cases[i].rc == 0 && t != timestamp_cases[i].t)
			fail_msg("timestamp_parse(\"%s\") = %lld",
			    timestamp_cases[i].in, (long long)t);
		if (timestamp_cases[i].rc == -1 && t != -12345)
			fail_msg("timestamp_parse(\"%s\") wrote on failure",
			    timestamp_cases[i].in);
	}
	assert_int_equal(timestamp_parse(NULL, &t), -1);
}

static void
test_timestamp_format(void **state)
{
	char buf[TIMESTAMP_STRLEN];

	(void)state;
	assert_int_equal(timestamp_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(timestamp_format(1709164800 + 3661, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "2024-02-29T01:01:01Z");
	assert_int_equal(timestamp_format(253402300799LL, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	/* Five-digit years would not fit the fixed width. */
	assert_int_equal(timestamp_format(253402300800LL, buf, sizeof(buf)),
	    -1);
	assert_int_equal(timestamp_format(INT64_MAX, buf, sizeof(buf)), -1);
	assert_int_equal(timestamp_format(0, buf, TIMESTAMP_STRLEN - 1), -1);
	assert_string_equal(buf, "");
	assert_int_equal(timestamp_format(0, buf, 0), -1);
}

/*
 * Our calendar arithmetic against the C library's, one day at a time
 * from 1970 to 2200 plus odd seconds, through format and parse.
 */
static void
test_timestamp_roundtrip(void **state)
{
	char buf[TIMESTAMP_STRLEN], alt[64];
	struct tm tm;
	time_t tt;
	int64_t back;

	(void)state;
	for (int64_t t = 0; t < 7258118400LL; t += 86400 + 7) {
		assert_int_equal(timestamp_format(t, buf, sizeof(buf)), 0);
		assert_int_equal(timestamp_parse(buf, &back), 0);
		assert_int_equal(back, t);
		tt = (time_t)t;
		assert_non_null(gmtime_r(&tt, &tm));
		snprintf(alt, sizeof(alt), "%04d-%02d-%02d %02d:%02d:%02d UTC",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		assert_int_equal(timestamp_parse(alt, &back), 0);
		assert_int_equal(back, t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_duration_roundtrip),
		cmocka_unit_test(test_timestamp_parse),
		cmocka_unit_test(test_timestamp_format),
		cmocka_unit_test(test_timestamp_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
