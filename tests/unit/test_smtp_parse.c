/* test_smtp_parse.c -- SMTP commands, paths and parameters, hostile too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trap/smtp_parse.h"

static const struct {
	const char	*line;
	size_t		 len;		/* 0: strlen */
	int		 rc;
	enum smtp_verb	 verb;
	const char	*arg;
} command_cases[] = {
	{ "EHLO mx.example.org", 0, 0, SMTP_VERB_EHLO, "mx.example.org" },
	{ "ehlo mx.example.org", 0, 0, SMTP_VERB_EHLO, "mx.example.org" },
	{ "HeLo x", 0, 0, SMTP_VERB_HELO, "x" },
	{ "MAIL FROM:<>", 0, 0, SMTP_VERB_MAIL, "FROM:<>" },
	{ "MAIL  FROM:<a@b.c> SIZE=10  ", 0, 0, SMTP_VERB_MAIL,
	    "FROM:<a@b.c> SIZE=10" },
	{ "RCPT\tTO:<a@b.c>", 0, 0, SMTP_VERB_RCPT, "TO:<a@b.c>" },
	{ "DATA", 0, 0, SMTP_VERB_DATA, "" },
	{ "QUIT ", 0, 0, SMTP_VERB_QUIT, "" },
	{ "quit", 0, 0, SMTP_VERB_QUIT, "" },
	{ "RSET", 0, 0, SMTP_VERB_RSET, "" },
	{ "NOOP anything", 0, 0, SMTP_VERB_NOOP, "anything" },
	{ "VRFY root", 0, 0, SMTP_VERB_VRFY, "root" },
	{ "StartTLS", 0, 0, SMTP_VERB_STARTTLS, "" },
	{ "STARTTLSX", 0, 0, SMTP_VERB_UNKNOWN, "" },
	{ "MAILFROM:<a@b.c>", 0, 0, SMTP_VERB_UNKNOWN, "" },
	{ "MAI", 0, 0, SMTP_VERB_UNKNOWN, "" },
	{ "GET / HTTP/1.0", 0, 0, SMTP_VERB_UNKNOWN, "/ HTTP/1.0" },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, 0, SMTP_VERB_UNKNOWN,
	    "" },
	{ " QUIT", 0, 0, SMTP_VERB_UNKNOWN, "QUIT" },
	{ "BDAT 100 LAST", 0, 0, SMTP_VERB_BDAT, "100 LAST" },
	/* hostile */
	{ "", 0, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "QUIT\0x", 6, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "\0", 1, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "HELO a\rb", 0, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "HELO \x1b[31m", 0, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "HELO caf\xc3\xa9.example", 0, -1, SMTP_VERB_UNKNOWN, NULL },
	{ "HELO x\x7f", 0, -1, SMTP_VERB_UNKNOWN, NULL },
};

static void
test_command(void **state)
{
	struct smtp_cmd cmd;
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(command_cases) / sizeof(command_cases[0]);
	    i++) {
		const char *line = command_cases[i].line;
		size_t len = command_cases[i].len ? command_cases[i].len :
		    strlen(line);
		int rc;

		err = NULL;
		rc = smtp_parse_command(line, len, &cmd, &err);
		if (rc != command_cases[i].rc)
			fail_msg("case %zu '%s': rc %d", i, line, rc);
		if (rc == -1) {
			assert_non_null(err);
			continue;
		}
		if (cmd.verb != command_cases[i].verb)
			fail_msg("case %zu '%s': verb %d", i, line, cmd.verb);
		if (cmd.arglen != strlen(command_cases[i].arg) ||
		    memcmp(cmd.arg, command_cases[i].arg, cmd.arglen) != 0)
			fail_msg("case %zu '%s': arg '%.*s'", i, line,
			    (int)cmd.arglen, cmd.arg);
		/* The argument never runs past the line. */
		assert_true(cmd.arg + cmd.arglen <= line + len);
	}
	assert_string_equal(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
	assert_string_equal(smtp_verb_name(SMTP_VERB_UNKNOWN), "?");
}

static void
test_helo(void **state)
{
	const char *err;
	char big[SMTP_HELO_MAX + 2];

	(void)state;
	assert_int_equal(smtp_parse_helo("mx.example.org", 14, &err), 0);
	assert_int_equal(smtp_parse_helo("[192.0.2.1]", 11, &err), 0);
	assert_int_equal(smtp_parse_helo("localhost", 9, &err), 0);
	assert_int_equal(smtp_parse_helo("", 0, &err), -1);
	assert_int_equal(smtp_parse_helo("a b", 3, &err), -1);
	assert_int_equal(smtp_parse_helo("a\tb", 3, &err), -1);
	assert_int_equal(smtp_parse_helo("a\0b", 3, &err), -1);
	memset(big, 'a', sizeof(big));
	assert_int_equal(smtp_parse_helo(big, SMTP_HELO_MAX, &err), 0);
	assert_int_equal(smtp_parse_helo(big, SMTP_HELO_MAX + 1, &err), -1);
	assert_string_equal(err, "domain too long");
}

static const struct {
	enum smtp_path_kind	 kind;
	const char		*arg;
	int			 rc;
	const char		*addr;		/* NULL: not checked */
	int64_t			 size;
	enum smtp_body		 body;
} path_cases[] = {
	{ SMTP_PATH_MAIL, "FROM:<>", 0, "", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "from:<>", 0, "", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM: <>", 0, "", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=210", 0, "", 210, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<double-bounce@mx.pf.test> SIZE=0", 0,
	    "double-bounce@mx.pf.test", 0, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c> BODY=8BITMIME SIZE=2121", 0, "a@b.c",
	    2121, SMTP_BODY_8BITMIME },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c> body=7bit", 0, "a@b.c", -1,
	    SMTP_BODY_7BIT },
	{ SMTP_PATH_MAIL, "FROM:<A.B+tag@Sub.Example.ORG>", 0,
	    "A.B+tag@Sub.Example.ORG", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<\"john doe\"@example.org>", 0,
	    "\"john doe\"@example.org", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<\"a\\\"b\"@example.org>", 0,
	    "\"a\\\"b\"@example.org", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<a@[192.0.2.1]>", 0, "a@[192.0.2.1]", -1,
	    SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<a@[IPv6:2001:db8::1]>", 0,
	    "a@[IPv6:2001:db8::1]", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<@relay.example,@r2.example:a@b.c>", 0,
	    "a@b.c", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c> SIZE=999999999999999999", 0, "a@b.c",
	    999999999999999999LL, SMTP_BODY_NONE },
	{ SMTP_PATH_RCPT, "TO:<victim@trap.test>", 0, "victim@trap.test", -1,
	    SMTP_BODY_NONE },
	{ SMTP_PATH_RCPT, "To:<Postmaster>", 0, "Postmaster", -1,
	    SMTP_BODY_NONE },
	{ SMTP_PATH_RCPT, "TO:<a@b>", 0, "a@b", -1, SMTP_BODY_NONE },
	{ SMTP_PATH_RCPT, "TO:<a@b-c.d>", 0, "a@b-c.d", -1, SMTP_BODY_NONE },
	/* syntax errors */
	{ SMTP_PATH_MAIL, "", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:a@b.c", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c>>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c>x", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<<a@b.c>>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "TO:<a@b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_RCPT, "FROM:<a@b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_RCPT, "TO:<>", 501, NULL, 0, 0 },
	{ SMTP_PATH_RCPT, "TO:<postmaster", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<postmaster>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<@b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@@b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a..b@c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<.a@c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a.@c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a b@c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b..c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b.c.>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@-b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b-.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@b_c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@[]>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@[1.2.3.4>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<a@[1[2]>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<\"unterminated@b.c>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<\"a\"b@c.d>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<@a.b:@c.d:x@y.z>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<@a.b;x@y.z>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<@a.b,x@y.z>", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<@:x@y.z>", 501, NULL, 0, 0 },
	/* parameters */
	{ SMTP_PATH_MAIL, "FROM:<> SIZE", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=-1", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=1k", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=1 SIZE=2", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=9999999999999999999", 501, NULL, 0,
	    0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=99999999999999999999999999", 501,
	    NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> BODY=BINARYMIME", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> BODY=7BIT BODY=7BIT", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> =x", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> A=b=c", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> -A", 501, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> A B C D E F G H I", 555, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SMTPUTF8", 555, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> RET=HDRS ENVID=x", 555, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> AUTH=<>", 555, NULL, 0, 0 },
	{ SMTP_PATH_RCPT, "TO:<a@b.c> NOTIFY=NEVER", 555, NULL, 0, 0 },
	{ SMTP_PATH_RCPT, "TO:<a@b.c> SIZE=10", 555, NULL, 0, 0 },
	{ SMTP_PATH_MAIL, "FROM:<> SIZE=10 ", 0, "", 10, SMTP_BODY_NONE },
};

static void
test_path(void **state)
{
	struct smtp_path p;
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]);
	    i++) {
		const char *arg = path_cases[i].arg;
		int rc;

		err = NULL;
		rc = smtp_parse_path(arg, strlen(arg), path_cases[i].kind, &p,
		    &err);
		if (rc != path_cases[i].rc)
			fail_msg("case %zu '%s': rc %d (%s)", i, arg, rc,
			    err ? err : "");
		if (rc != 0) {
			assert_non_null(err);
			continue;
		}
		if (strcmp(p.addr, path_cases[i].addr) != 0)
			fail_msg("case %zu '%s': addr '%s'", i, arg, p.addr);
		if (p.size != path_cases[i].size)
			fail_msg("case %zu '%s': size %lld", i, arg,
			    (long long)p.size);
		if (p.body != path_cases[i].body)
			fail_msg("case %zu '%s': body %d", i, arg, p.body);
		assert_int_equal(p.null, p.addr[0] == '\0');
	}
}

/* Exactly at and one past each RFC 5321 4.5.3.1 size. */
static void
test_path_sizes(void **state)
{
	char arg[1024], label[64];
	struct smtp_path p;
	const char *err;
	size_t n;

	(void)state;
	memset(label, 'l', 63);
	label[63] = '\0';
	/* local part of 64 */
	n = (size_t)snprintf(arg, sizeof(arg), "FROM:<%.64s@b.c>",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_MAIL, &p, &err), 0);
	assert_int_equal(p.locallen, 64);
	n = (size_t)snprintf(arg, sizeof(arg), "FROM:<%.64sa@b.c>",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_MAIL, &p, &err),
	    501);
	assert_string_equal(err, "local part too long");
	/* a label of 63, and of 64 */
	n = (size_t)snprintf(arg, sizeof(arg), "TO:<a@%s.org>", label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_RCPT, &p, &err), 0);
	n = (size_t)snprintf(arg, sizeof(arg), "TO:<a@%sl.org>", label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_RCPT, &p, &err),
	    501);
	assert_string_equal(err, "domain label too long");
	/* a path of exactly 256 with the brackets, and one more */
	n = (size_t)snprintf(arg, sizeof(arg), "TO:<a@%s.%s.%s.%.60s>", label,
	    label, label, label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_RCPT, &p, &err), 0);
	assert_int_equal(strlen(p.addr), 254);
	n = (size_t)snprintf(arg, sizeof(arg), "TO:<a@%s.%s.%s.%.61s>", label,
	    label, label, label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_RCPT, &p, &err),
	    501);
	assert_string_equal(err, "address too long");
	/* a domain of 258 */
	n = (size_t)snprintf(arg, sizeof(arg), "TO:<a@%s.%s.%s.%s.ab>", label,
	    label, label, label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_RCPT, &p, &err),
	    501);
	assert_string_equal(err, "domain too long");
	/* a long source route makes the path too long */
	n = (size_t)snprintf(arg, sizeof(arg), "FROM:<@%s.%s,@%s.%s,@x:a@b.c>",
	    label, label, label, label);
	assert_int_equal(smtp_parse_path(arg, n, SMTP_PATH_MAIL, &p, &err),
	    501);
	assert_string_equal(err, "path too long");
}

/* The parser reads only len bytes: a path cut short is never completed. */
static void
test_path_bounds(void **state)
{
	static const char full[] = "FROM:<a@b.c> SIZE=100";
	struct smtp_path p;
	const char *err;
	char *copy;

	(void)state;
	for (size_t n = 0; n < sizeof(full) - 1; n++) {
		int rc;

		/* A heap copy of exactly n bytes: ASan sees any over-read. */
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, full, n);
		rc = smtp_parse_path(copy, n, SMTP_PATH_MAIL, &p, &err);
		/* "FROM:<a@b.c>" and "... SIZE=1", "SIZE=10" are complete. */
		if (n == 12 || n == 13 || n >= 19)
			assert_int_equal(rc, 0);
		else
			assert_int_not_equal(rc, 0);
		free(copy);
	}
}

static void
test_data_line(void **state)
{
	const char *out;
	size_t len;

	(void)state;
	assert_int_equal(smtp_data_line(".", 1, &out, &len), 1);
	assert_int_equal(smtp_data_line("..", 2, &out, &len), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(out, ".", 1);
	assert_int_equal(smtp_data_line("..x", 3, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, ".x", 2);
	assert_int_equal(smtp_data_line(".x", 2, &out, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(smtp_data_line("", 0, &out, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(smtp_data_line("a.", 2, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(smtp_data_line(" .", 2, &out, &len), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_sizes),
		cmocka_unit_test(test_path_bounds),
		cmocka_unit_test(test_data_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
