/* test_web_selftest.c -- unit tests for the self-test's target rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/special.h"
#include "web/web_selftest.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Form input, hostile cases included: NULL key means refused. */
static const struct {
	const char	*in;
	const char	*key;
	int		 is_addr;
} targets[] = {
	{ "example.org", "example.org:25", 0 },
	{ "  Mail.Example.ORG.  ", "mail.example.org:25", 0 },
	{ "mx.example.org:2525", "mx.example.org:2525", 0 },
	{ "192.0.2.25", "192.0.2.25:25", 1 },
	{ "192.0.2.25:587", "192.0.2.25:587", 1 },
	{ "[2001:db8::25]:25", "[2001:db8::25]:25", 1 },
	{ "2001:DB8::25", "[2001:db8::25]:25", 1 },
	{ "[2001:db8::25]", "[2001:db8::25]:25", 1 },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example:25", 0 },
	{ "", NULL, 0 },
	{ "   ", NULL, 0 },
	{ "localhost", NULL, 0 },		/* no dot: not a domain */
	{ "example..org", NULL, 0 },
	{ ".example.org", NULL, 0 },
	{ "-a.example.org", NULL, 0 },
	{ "a-.example.org", NULL, 0 },
	{ "example.org-", NULL, 0 },
	{ "exa_mple.org", NULL, 0 },
	{ "<script>.org", NULL, 0 },
	{ "example.org:0", NULL, 0 },
	{ "example.org:65536", NULL, 0 },
	{ "example.org:25x", NULL, 0 },
	{ "example.org:", NULL, 0 },
	{ "[example.org]:25", NULL, 0 },	/* brackets hold addresses */
	{ "[2001:db8::25", NULL, 0 },
	{ "user@example.org", NULL, 0 },
	{ "example.org/path", NULL, 0 },
	{ "a123456789012345678901234567890123456789012345678901234567890"
	    "1234.org", NULL, 0 },		/* a 64-octet label */
};

static void
test_parse_target(void **state)
{
	struct web_selftest_target t;
	const char *why;

	(void)state;
	for (size_t i = 0; i < NELEM(targets); i++) {
		int rc = web_selftest_parse_target(targets[i].in,
		    strlen(targets[i].in), &t, &why);

		if (targets[i].key == NULL) {
			if (rc != -1)
				fail_msg("accepted '%s'", targets[i].in);
			assert_non_null(why);
			continue;
		}
		if (rc != 0)
			fail_msg("refused '%s': %s", targets[i].in, why);
		assert_string_equal(t.key, targets[i].key);
		assert_int_equal(t.is_addr, targets[i].is_addr);
	}
	/* An embedded NUL is refused, not cut. */
	assert_int_equal(web_selftest_parse_target("a.org\0b", 7, &t, &why),
	    -1);
	assert_int_equal(web_selftest_parse_target(NULL, 0, &t, &why), -1);
}

static void
test_eligible(void **state)
{
	static const struct {
		const char	*addr;
		int		 port;
		unsigned int	 allow;
		int		 ok;
	} cases[] = {
		{ "8.8.8.8", 25, 0, 1 },
		{ "8.8.8.8", 2525, 0, 0 },	/* only port 25 in public */
		{ "8.8.8.8", 2525, SPECIAL_ALL, 0 },
		{ "127.0.0.1", 25, 0, 0 },
		{ "127.0.0.1", 25, SPECIAL_LOOPBACK, 1 },
		{ "127.0.0.1", 2525, SPECIAL_LOOPBACK, 1 },
		{ "127.0.0.1", 2525, SPECIAL_PRIVATE, 0 },
		{ "10.1.2.3", 25, SPECIAL_LOOPBACK, 0 },
		{ "10.1.2.3", 25, SPECIAL_PRIVATE, 1 },
		{ "::1", 25, 0, 0 },
		{ "::ffff:127.0.0.1", 25, 0, 0 },
		{ "192.0.2.1", 25, 0, 0 },
		{ "fe80::1", 25, 0, 0 },
		{ "2a00:1450::1", 25, 0, 1 },
	};
	struct addr a;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *why;

		assert_int_equal(addr_parse(cases[i].addr,
		    strlen(cases[i].addr), &a), 0);
		why = web_selftest_eligible(&a, cases[i].port,
		    cases[i].allow);
		if ((why == NULL) != cases[i].ok)
			fail_msg("%s port %d allow %#x: %s", cases[i].addr,
			    cases[i].port, cases[i].allow, why ? why : "ok");
	}
}

static void
test_id(void **state)
{
	(void)state;
	assert_int_equal(web_selftest_id_ok(
	    "0123456789abcdef0123456789abcdef"), 1);
	assert_int_equal(web_selftest_id_ok(
	    "0123456789ABCDEF0123456789abcdef"), 0);
	assert_int_equal(web_selftest_id_ok(
	    "0123456789abcdef0123456789abcde"), 0);
	assert_int_equal(web_selftest_id_ok(
	    "0123456789abcdef0123456789abcdef0"), 0);
	assert_int_equal(web_selftest_id_ok("../../etc/passwd"), 0);
	assert_int_equal(web_selftest_id_ok(""), 0);
	assert_int_equal(web_selftest_id_ok(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_target),
		cmocka_unit_test(test_eligible),
		cmocka_unit_test(test_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
