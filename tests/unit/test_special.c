/* test_special.c -- unit tests for the special-purpose address ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/special.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Every range in the table, by its first and last address, so that a
 * typo in the table's bytes, length or text shows up here. Then the
 * addresses just outside, which must not match that range.
 */
static const struct {
	const char	*range;
	const char	*class;
} ranges[] = {
	{ "0.0.0.0/8", "this-network" },
	{ "10.0.0.0/8", "private" },
	{ "100.64.0.0/10", "shared" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "172.16.0.0/12", "private" },
	{ "192.0.0.0/24", "ietf" },
	{ "192.0.2.0/24", "documentation" },
	{ "192.31.196.0/24", "ietf" },
	{ "192.52.193.0/24", "ietf" },
	{ "192.88.99.0/24", "transition" },
	{ "192.168.0.0/16", "private" },
	{ "192.175.48.0/24", "ietf" },
	{ "198.18.0.0/15", "benchmarking" },
	{ "198.51.100.0/24", "documentation" },
	{ "203.0.113.0/24", "documentation" },
	{ "224.0.0.0/4", "multicast" },
	{ "255.255.255.255", "reserved" },
	{ "::", "this-network" },
	{ "::1", "loopback" },
	{ "64:ff9b:1::/48", "transition" },
	{ "100::/64", "discard" },
	{ "2001:2::/48", "benchmarking" },
	{ "2001:db8::/32", "documentation" },
	{ "2002::/16", "transition" },
	{ "2620:4f:8000::/48", "ietf" },
	{ "3fff::/20", "documentation" },
	{ "fc00::/7", "unique-local" },
	{ "fe80::/10", "link-local" },
	{ "ff00::/8", "multicast" },
};

static void
check(const char *text, unsigned int allowed, const char *want_class,
    const char *want_range)
{
	struct addr a;
	const char *cls, *range = "untouched";

	if (addr_parse(text, strlen(text), &a) != 0)
		fail_msg("test bug: cannot parse '%s'", text);
	cls = special_match(&a, allowed, &range);
	if (want_class == NULL) {
		if (cls != NULL)
			fail_msg("%s: matched %s (%s)", text, cls, range);
		assert_string_equal(range, "untouched");
		return;
	}
	if (cls == NULL)
		fail_msg("%s: no match, want %s", text, want_class);
	if (strcmp(cls, want_class) != 0 || strcmp(range, want_range) != 0)
		fail_msg("%s: %s (%s), want %s (%s)", text, cls, range,
		    want_class, want_range);
	/* The range may be NULL. */
	assert_ptr_equal(special_match(&a, allowed, NULL), cls);
}

static void
test_ranges(void **state)
{
	struct prefix p;
	struct addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(ranges); i++) {
		const char *r = ranges[i].range;

		assert_int_equal(prefix_parse(r, strlen(r), &p), 0);
		assert_int_equal(addr_format(&p.addr, buf, sizeof(buf)), 0);
		check(buf, 0, ranges[i].class, r);
		prefix_last(&p, &a);
		assert_int_equal(addr_format(&a, buf, sizeof(buf)), 0);
		check(buf, 0, ranges[i].class, r);
	}
}

/* Nested ranges: the most specific decides. */
static void
test_nesting(void **state)
{
	(void)state;
	check("240.0.0.0", 0, "reserved", "240.0.0.0/4");
	check("255.255.255.254", 0, "reserved", "240.0.0.0/4");
	check("255.255.255.255", 0, "reserved", "255.255.255.255");
	check("2001::", 0, "ietf", "2001::/23");
	check("2001:0:4136:e378:8000:63bf:3fff:fdd2", 0, "ietf", "2001::/23");
	check("2001:1::1", 0, "ietf", "2001::/23");
	check("2001:3::1", 0, "ietf", "2001::/23");
	check("2001:20::1", 0, "ietf", "2001::/23");
	check("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "ietf",
	    "2001::/23");
	check("2001:2::", 0, "benchmarking", "2001:2::/48");
	check("2001:2:0:ffff::1", 0, "benchmarking", "2001:2::/48");
	check("2001:2:1::", 0, "ietf", "2001::/23");
	/* Allowing the inner class does not fall back to the outer one. */
	check("2001:2::1", SPECIAL_BENCHMARKING, NULL, NULL);
	check("2001:2::1", SPECIAL_IETF, "benchmarking", "2001:2::/48");
	check("2001:3::1", SPECIAL_BENCHMARKING, "ietf", "2001::/23");
	check("192.0.0.170", 0, "ietf", "192.0.0.0/24");
	check("0.0.0.0", 0, "this-network", "0.0.0.0/8");
	check("::ffff:0:0", 0, "this-network", "0.0.0.0/8");
}

/* Ordinary addresses, and the neighbours of special ranges. */
static const char *const not_special[] = {
	"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255",
	"100.128.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255",
	"169.255.0.0", "172.15.255.255", "172.32.0.0", "191.255.255.255",
	"192.0.1.255", "192.0.3.0", "192.88.98.255", "192.88.100.0",
	"192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
	"198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0",
	"223.255.255.255",
	/* v4-compatible and other low IPv6: not special (only :: and ::1). */
	"::2", "::1.2.3.4", "::fffe:1.2.3.4", "::1:0:0:0",
	/* The NAT64 well-known prefix is globally reachable (RFC 6052). */
	"64:ff9b::808:808", "64:ff9b:2::", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",
	"100:0:0:1::", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::",
	"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::",
	"2001:4860:4860::8888", "2003::", "2001:ffff::", "2606:4700::1111",
	"2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", "2620:4f:8001::",
	"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::",
	"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::",
	"fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
};

static void
test_not_special(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(not_special); i++)
		check(not_special[i], 0, NULL, NULL);
}

static void
test_allowed(void **state)
{
	(void)state;
	check("127.0.0.1", SPECIAL_LOOPBACK, NULL, NULL);
	check("::1", SPECIAL_LOOPBACK, NULL, NULL);
	check("127.0.0.1", SPECIAL_ALL & ~SPECIAL_LOOPBACK, "loopback",
	    "127.0.0.0/8");
	check("127.0.0.1", SPECIAL_PRIVATE, "loopback", "127.0.0.0/8");
	check("10.1.2.3", SPECIAL_PRIVATE | SPECIAL_LOOPBACK, NULL, NULL);
	check("fd00::1", SPECIAL_PRIVATE, "unique-local", "fc00::/7");
	for (size_t i = 0; i < NELEM(ranges); i++) {
		struct prefix p;
		char buf[ADDR_STRLEN];

		assert_int_equal(prefix_parse(ranges[i].range,
		    strlen(ranges[i].range), &p), 0);
		assert_int_equal(addr_format(&p.addr, buf, sizeof(buf)), 0);
		check(buf, SPECIAL_ALL, NULL, NULL);
	}
}

static void
test_class_name(void **state)
{
	static const struct {
		unsigned int	 bit;
		const char	*name;
	} names[] = {
		{ SPECIAL_THIS_NETWORK, "this-network" },
		{ SPECIAL_PRIVATE, "private" },
		{ SPECIAL_SHARED, "shared" },
		{ SPECIAL_LOOPBACK, "loopback" },
		{ SPECIAL_LINK_LOCAL, "link-local" },
		{ SPECIAL_IETF, "ietf" },
		{ SPECIAL_DOCUMENTATION, "documentation" },
		{ SPECIAL_BENCHMARKING, "benchmarking" },
		{ SPECIAL_MULTICAST, "multicast" },
		{ SPECIAL_RESERVED, "reserved" },
		{ SPECIAL_UNIQUE_LOCAL, "unique-local" },
		{ SPECIAL_DISCARD, "discard" },
		{ SPECIAL_TRANSITION, "transition" },
	};
	unsigned int all = 0, mask;
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(names); i++) {
		assert_string_equal(special_class_name(names[i].bit),
		    names[i].name);
		assert_int_equal(special_mask_parse(names[i].name, &mask, err,
		    sizeof(err)), 0);
		assert_int_equal(mask, names[i].bit);
		all |= names[i].bit;
	}
	assert_int_equal(all, SPECIAL_ALL);
	assert_null(special_class_name(0));
	assert_null(special_class_name(SPECIAL_PRIVATE | SPECIAL_LOOPBACK));
	assert_null(special_class_name(SPECIAL_ALL));
	assert_null(special_class_name(SPECIAL_ALL + 1));
	assert_null(special_class_name(0x80000000u));
}

static const struct {
	const char	*in;
	int		 ok;
	unsigned int	 mask;
} mask_cases[] = {
	{ "", 0, 0 },
	{ "none", 0, 0 },
	{ "NONE", 0, 0 },
	{ "all", 0, SPECIAL_ALL },
	{ "loopback", 0, SPECIAL_LOOPBACK },
	{ "Loopback", 0, SPECIAL_LOOPBACK },
	{ "loopback,private", 0, SPECIAL_LOOPBACK | SPECIAL_PRIVATE },
	{ "loopback private", 0, SPECIAL_LOOPBACK | SPECIAL_PRIVATE },
	{ "loopback, private", 0, SPECIAL_LOOPBACK | SPECIAL_PRIVATE },
	{ " loopback ,\tprivate, ", 0, SPECIAL_LOOPBACK | SPECIAL_PRIVATE },
	{ "loopback,loopback", 0, SPECIAL_LOOPBACK },
	{ "all,loopback", 0, SPECIAL_ALL },
	{ "none,loopback", 0, SPECIAL_LOOPBACK },
	{ ",", 0, 0 },
	{ "this-network,shared,link-local,ietf,documentation,benchmarking,"
	    "multicast,reserved,unique-local,discard,transition,private,"
	    "loopback", 0, SPECIAL_ALL },

	{ "foo", -1, 0 },
	{ "loopback,foo", -1, 0 },
	{ "loop", -1, 0 },
	{ "loopbackx", -1, 0 },
	{ "loopback;private", -1, 0 },
	{ "link_local", -1, 0 },
	{ "linklocal", -1, 0 },
	{ "al", -1, 0 },
	{ "nonesuch", -1, 0 },
	{ "loopback\nprivate", -1, 0 },
	{ "0x8", -1, 0 },
	{ "8", -1, 0 },
};

static void
test_mask_parse(void **state)
{
	unsigned int mask;
	char err[256];
	int rc;

	(void)state;
	for (size_t i = 0; i < NELEM(mask_cases); i++) {
		mask = 0xdead;
		err[0] = 'x';
		err[1] = '\0';
		rc = special_mask_parse(mask_cases[i].in, &mask, err,
		    sizeof(err));
		if (rc != mask_cases[i].ok)
			fail_msg("'%s': got %d, want %d", mask_cases[i].in, rc,
			    mask_cases[i].ok);
		if (rc == 0) {
			assert_int_equal(mask, mask_cases[i].mask);
			assert_string_equal(err, "");
		} else {
			assert_int_equal(mask, 0xdead);
			assert_non_null(strstr(err,
			    "unknown special range class '"));
		}
	}
}

static void
test_mask_parse_err(void **state)
{
	static const char *const known = "(known: this-network, private, "
	    "shared, loopback, link-local, ietf, documentation, "
	    "benchmarking, multicast, reserved, unique-local, discard, "
	    "transition, none, all)";
	unsigned int mask;
	char err[256], want[256];
	char small[16];
	char long_name[200];

	(void)state;
	assert_int_equal(special_mask_parse("private, foo,loopback", &mask,
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "unknown special range class 'foo' %s",
	    known);
	assert_string_equal(err, want);

	/* Unprintable bytes are not copied into the message. */
	assert_int_equal(special_mask_parse("a\x1b[2Jb", &mask, err,
	    sizeof(err)), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "'a?[2Jb'"));

	/* A long name is cut short. */
	memset(long_name, 'z', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(special_mask_parse(long_name, &mask, err,
	    sizeof(err)), -1);
	assert_true(strlen(err) < sizeof(err) - 1);
	assert_non_null(strstr(err, "...'"));

	/* A small or missing error buffer is fine. */
	assert_int_equal(special_mask_parse("foo", &mask, small,
	    sizeof(small)), -1);
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(special_mask_parse("foo", &mask, NULL, 0), -1);
	assert_int_equal(special_mask_parse("loopback", &mask, NULL, 0), 0);
	assert_int_equal(mask, SPECIAL_LOOPBACK);
	assert_int_equal(special_mask_parse(NULL, &mask, err, sizeof(err)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_not_special),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_class_name),
		cmocka_unit_test(test_mask_parse),
		cmocka_unit_test(test_mask_parse_err),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
