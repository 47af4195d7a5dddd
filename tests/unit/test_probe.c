/* test_probe.c -- the probe client's SMTP reply parser and helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/probe.h"
#include "client/probe_reply.h"

/*
 * One row per input: what the parser must say (1 reply, 0 more, -1
 * malformed), and for a reply its code, line count, bytes used and
 * kept text. The hostile rows are what a server under someone else's
 * control may send.
 */
static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 rc;
	int		 code;
	size_t		 nlines;
	size_t		 used;		/* 0: the whole input */
	const char	*text;
} reply_cases[] = {
	{ "220 mx.example.net ESMTP\r\n", 0, 1, 220, 1, 0,
	    "mx.example.net ESMTP" },
	{ "250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 0, 1, 250, 3, 0,
	    "mx / PIPELINING / SIZE 1000" },
	{ "354\r\n", 0, 1, 354, 1, 0, "" },
	{ "550 5.1.1 no\r\n250 next\r\n", 0, 1, 550, 1, 14, "5.1.1 no" },
	{ "250-a\r\n250-", 0, 0, 0, 0, 0, NULL },
	{ "25", 0, 0, 0, 0, 0, NULL },
	{ "", 0, 0, 0, 0, 0, NULL },
	{ "250 tab\there\r\n", 0, 1, 250, 1, 0, "tab?here" },
	{ "250 \xff\xfe\r\n", 0, 1, 250, 1, 0, "??" },
	/* Hostile. */
	{ "250 ok\n", 0, -1, 0, 0, 0, NULL },
	{ "250 o\rk\r\n", 0, -1, 0, 0, 0, NULL },
	{ "250 a\0b\r\n", 10, -1, 0, 0, 0, NULL },
	{ "25\0", 3, -1, 0, 0, 0, NULL },
	{ "25\r\n", 0, -1, 0, 0, 0, NULL },
	{ "\r\n", 0, -1, 0, 0, 0, NULL },
	{ "199 x\r\n", 0, -1, 0, 0, 0, NULL },
	{ "600 x\r\n", 0, -1, 0, 0, 0, NULL },
	{ "260 x\r\n", 0, -1, 0, 0, 0, NULL },
	{ "2a0 x\r\n", 0, -1, 0, 0, 0, NULL },
	{ "250_x\r\n", 0, -1, 0, 0, 0, NULL },
	{ "250-a\r\n251 b\r\n", 0, -1, 0, 0, 0, NULL },
	{ "250-a\r\n550 b\r\n", 0, -1, 0, 0, 0, NULL },
	{ " 250 x\r\n", 0, -1, 0, 0, 0, NULL },
};

static void
test_reply_table(void **state)
{
	struct probe_reply r;
	const char *err;
	size_t used, len;
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]);
	    i++) {
		len = reply_cases[i].len ? reply_cases[i].len :
		    strlen(reply_cases[i].in);
		used = 0;
		rc = probe_reply_parse(reply_cases[i].in, len, &r, &used, &err);
		if (rc != reply_cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc,
			    reply_cases[i].rc);
		if (rc == -1)
			assert_non_null(err);
		if (rc != 1)
			continue;
		assert_int_equal(r.code, reply_cases[i].code);
		assert_int_equal(r.nlines, reply_cases[i].nlines);
		assert_int_equal(used, reply_cases[i].used ?
		    reply_cases[i].used : len);
		assert_string_equal(r.text, reply_cases[i].text);
	}
}

/* Caps: a line without end, a long text, too many lines. */
static void
test_reply_caps(void **state)
{
	static char buf[PROBE_REPLY_LINE_MAX * (PROBE_REPLY_LINES_MAX + 2)];
	struct probe_reply r;
	const char *err;
	size_t used, n = 0;

	(void)state;
	memset(buf, 'x', PROBE_REPLY_LINE_MAX);
	memcpy(buf, "250 ", 4);
	assert_int_equal(probe_reply_parse(buf, PROBE_REPLY_LINE_MAX - 1, &r,
	    &used, &err), 0);
	assert_int_equal(probe_reply_parse(buf, PROBE_REPLY_LINE_MAX, &r,
	    &used, &err), -1);
	/* Just under the cap: accepted, text cut and terminated. */
	memcpy(buf + PROBE_REPLY_LINE_MAX - 3, "\r\n", 2);
	assert_int_equal(probe_reply_parse(buf, PROBE_REPLY_LINE_MAX - 1, &r,
	    &used, &err), 1);
	assert_int_equal(strlen(r.text), PROBE_REPLY_TEXT_MAX - 1);

	for (size_t i = 0; i <= PROBE_REPLY_LINES_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-l\r\n");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250 end\r\n");
	assert_int_equal(probe_reply_parse(buf, n, &r, &used, &err), -1);
	assert_string_equal(err, "too many reply lines");
}

static void
test_split_hostport(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*host;
		int		 port;
	} cases[] = {
		{ "mx.example.net", 0, "mx.example.net", 25 },
		{ "127.0.0.1:2525", 0, "127.0.0.1", 2525 },
		{ "[::1]:587", 0, "::1", 587 },
		{ "[::1]", 0, "::1", 25 },
		{ "2001:db8::1", 0, "2001:db8::1", 25 },
		{ "host:0", -1, NULL, 0 },
		{ "host:65536", -1, NULL, 0 },
		{ "host:", -1, NULL, 0 },
		{ "host:25x", -1, NULL, 0 },
		{ ":25", -1, NULL, 0 },
		{ "[::1", -1, NULL, 0 },
		{ "[]:25", -1, NULL, 0 },
		{ "[::1]x", -1, NULL, 0 },
		{ "", -1, NULL, 0 },
	};
	char host[PROBE_NAME_MAX];
	int port;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = probe_split_hostport(cases[i].in,
		    strlen(cases[i].in), host, sizeof(host), &port, 25);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d", cases[i].in, rc);
		if (rc == 0) {
			assert_string_equal(host, cases[i].host);
			assert_int_equal(port, cases[i].port);
		}
	}
}

static void
test_token_and_names(void **state)
{
	char a[STORE_PROBE_TOKEN_MAX], b[STORE_PROBE_TOKEN_MAX];

	(void)state;
	assert_int_equal(probe_token(a, sizeof(a)), 0);
	assert_int_equal(probe_token(b, sizeof(b)), 0);
	assert_int_equal(strncmp(a, STORE_PROBE_PREFIX,
	    strlen(STORE_PROBE_PREFIX)), 0);
	assert_int_equal(strlen(a), strlen(STORE_PROBE_PREFIX) + 20);
	assert_string_not_equal(a, b);
	assert_int_equal(probe_token(a, 10), -1);
	assert_string_equal(probe_verdict_name(PROBE_GOOD), "good");
	assert_string_equal(probe_verdict_name(PROBE_BOTH), "both");
	assert_string_equal(probe_verdict_name(PROBE_INCONCLUSIVE),
	    "inconclusive");
	assert_null(probe_verdict_name((enum probe_verdict)2));
	assert_null(probe_verdict_name((enum probe_verdict)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_caps),
		cmocka_unit_test(test_split_hostport),
		cmocka_unit_test(test_token_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
