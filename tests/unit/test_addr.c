/* test_addr.c -- unit tests for addresses, prefixes and reverse names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"

/* A string literal with its length, so that embedded NULs count. */
#define S(lit)		{ (lit), sizeof(lit) - 1 }
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct bytes {
	const char	*s;
	size_t		 len;
};

/*
 * Builds the expected 16 bytes with the C library, an oracle written by
 * someone else: IPv6 text through inet_pton(AF_INET6), IPv4 through
 * inet_pton(AF_INET) and then mapped by hand.
 */
static void
oracle(const char *text, struct addr *out)
{
	struct in_addr in4;

	memset(out, 0, sizeof(*out));
	if (strchr(text, ':') != NULL) {
		assert_int_equal(inet_pton(AF_INET6, text, out->b), 1);
		return;
	}
	assert_int_equal(inet_pton(AF_INET, text, &in4), 1);
	out->b[10] = 0xff;
	out->b[11] = 0xff;
	memcpy(out->b + 12, &in4, 4);
}

static void
parse_str(const char *text, struct addr *out)
{
	assert_int_equal(addr_parse(text, strlen(text), out), 0);
}

/* Valid input, and its canonical text form. */
static const struct {
	const char	*in;
	const char	*canon;
} parse_ok[] = {
	{ "0.0.0.0", "0.0.0.0" },
	{ "1.2.3.4", "1.2.3.4" },
	{ "127.0.0.1", "127.0.0.1" },
	{ "255.255.255.255", "255.255.255.255" },
	{ "192.0.2.10", "192.0.2.10" },
	{ "10.0.0.0", "10.0.0.0" },
	{ "::", "::" },
	{ "::1", "::1" },
	{ "1::", "1::" },
	{ "::ffff:1.2.3.4", "1.2.3.4" },
	{ "::FFFF:1.2.3.4", "1.2.3.4" },
	{ "::ffff:0102:0304", "1.2.3.4" },
	{ "0:0:0:0:0:ffff:7f00:1", "127.0.0.1" },
	{ "::1.2.3.4", "::102:304" },
	{ "::fffe:1.2.3.4", "::fffe:102:304" },
	{ "64:ff9b::192.0.2.33", "64:ff9b::c000:221" },
	{ "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304" },
	{ "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304" },
	{ "2001:db8::1", "2001:db8::1" },
	{ "2001:DB8::1", "2001:db8::1" },
	{ "2001:Db8:AbCd::eF", "2001:db8:abcd::ef" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
	{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "0:0:0:0:0:0:0:0", "::" },
	{ "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },
	{ "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
	{ "1::8", "1::8" },
	{ "fe80::1", "fe80::1" },
	{ "ff02::1:ff00:1", "ff02::1:ff00:1" },
	{ "0000:0000:0000:0000:0000:ffff:255.255.255.255",
	    "255.255.255.255" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
};

static void
test_parse_ok(void **state)
{
	struct addr a, want;
	char buf[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(parse_ok); i++) {
		const char *in = parse_ok[i].in;

		if (addr_parse(in, strlen(in), &a) != 0)
			fail_msg("rejected '%s'", in);
		oracle(in, &want);
		if (addr_cmp(&a, &want) != 0)
			fail_msg("wrong value for '%s'", in);
		assert_int_equal(addr_format(&a, buf, sizeof(buf)), 0);
		if (strcmp(buf, parse_ok[i].canon) != 0)
			fail_msg("'%s' formats as '%s', want '%s'", in, buf,
			    parse_ok[i].canon);
		/* The canonical form parses back to the same address. */
		parse_str(buf, &want);
		assert_int_equal(addr_cmp(&a, &want), 0);
	}
}

static const struct bytes parse_bad[] = {
	S(""),
	S(" 1.2.3.4"),
	S("1.2.3.4 "),
	S("1.2.3.4\n"),
	S("\t::1"),
	S("1.2.3"),
	S("1.2"),
	S("1"),
	S("16909060"),
	S("0x01020304"),
	S("1.2.3.4.5"),
	S("256.1.1.1"),
	S("1.256.1.1"),
	S("1.1.1.256"),
	S("1000.1.1.1"),
	S("01.2.3.4"),
	S("1.2.3.04"),
	S("00.0.0.0"),
	S("0x1.2.3.4"),
	S("1.2.3.-4"),
	S("1.2.3.+4"),
	S("1..2.3"),
	S("1.2.3.4."),
	S(".1.2.3.4"),
	S("1.2.3.a"),
	S("a.b.c.d"),
	S(":"),
	S(":::"),
	S("::::"),
	S(":1::"),
	S("1::2:"),
	S(":1:2:3:4:5:6:7:8"),
	S("1:2:3:4:5:6:7:8:"),
	S("1:2:3:4:5:6:7"),
	S("1:2:3:4:5:6:7:8:9"),
	S("1:2:3:4:5:6:7:8::"),
	S("::1:2:3:4:5:6:7:8"),
	S("1:2:3:4::5:6:7:8"),
	S("1::2::3"),
	S("::1::"),
	S("1:::2"),
	S("12345::"),
	S("::12345"),
	S("g::"),
	S("::-1"),
	S("::+1"),
	S("::0x1"),
	S("fe80::1%eth0"),
	S("fe80::1%1"),
	S("[::1]"),
	S("1.2.3.4/24"),
	S("::1/128"),
	S("::1.2.3"),
	S("::1.2.3.4.5"),
	S("::01.2.3.4"),
	S("::256.2.3.4"),
	S("::1.2.3.4:5"),
	S("1.2.3.4::"),
	S("::1.2.3.4::"),
	S("1:2:3:4:5:6:7:1.2.3.4"),
	S("1:2:3:4:5:6:7:8:1.2.3.4"),
	S("1:2:3:4:5:6::1.2.3.4"),
	S("::ffff:1.2.3.4 "),
	S("1.2.3.4\0"),
	S("1.2\0.3.4"),
	S("::1\0"),
	S("\0::1"),
	S(":\0:1"),
	S("1.2.3.4\0garbage"),
	S("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555"),
	S("0000:0000:0000:0000:0000:0000:0000:0000:0000"),
	S("\xc2\xb9.2.3.4"),
	S("\xff::"),
};

static void
test_parse_bad(void **state)
{
	struct addr a;

	(void)state;
	for (size_t i = 0; i < NELEM(parse_bad); i++) {
		if (addr_parse(parse_bad[i].s, parse_bad[i].len, &a) != -1)
			fail_msg("accepted bad case %zu '%s'", i,
			    parse_bad[i].s);
	}
}

/* Only len bytes are read: a valid prefix of a longer buffer parses. */
static void
test_parse_len(void **state)
{
	const char *text = "192.0.2.1xyz";
	struct addr a, want;

	(void)state;
	assert_int_equal(addr_parse(text, 9, &a), 0);
	parse_str("192.0.2.1", &want);
	assert_int_equal(addr_cmp(&a, &want), 0);
	assert_int_equal(addr_parse(text, 8, &a), -1);	/* "192.0.2." */
	assert_int_equal(addr_parse("::1", 2, &a), 0);	/* "::" */
	parse_str("::", &want);
	assert_int_equal(addr_cmp(&a, &want), 0);
	assert_int_equal(addr_parse(NULL, 0, &a), -1);
	assert_int_equal(addr_parse("::1", 3, NULL), -1);
}

/* RFC 5952 section 4 cases: text in, canonical text out. */
static const struct {
	const char	*in;
	const char	*out;
} format_cases[] = {
	/* 4.2.3: the longest run is compressed. */
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
	{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
	/* 4.2.3: equal runs, the first one is compressed. */
	{ "2001:db8:0:0:1:1:0:0", "2001:db8::1:1:0:0" },
	{ "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
	/* 4.2.2: a single zero field is never "::". */
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
	{ "0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1" },
	{ "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
	{ "0:2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
	/* 4.1: leading zeros dropped; 4.3: lower case. */
	{ "2001:0DB8:00aB:000C:0d00:0000:0000:0001",
	    "2001:db8:ab:c:d00::1" },
	{ "0001:0010:0100:1000:F:FF:FFF:FFFF", "1:10:100:1000:f:ff:fff:ffff" },
	/* Runs at either end. */
	{ "0:0:0:0:0:0:0:1", "::1" },
	{ "1:0:0:0:0:0:0:0", "1::" },
	{ "0:0:0:0:0:1:0:0", "::1:0:0" },
	{ "0:0:1:0:0:0:0:0", "0:0:1::" },
	{ "1:0:0:0:0:0:0:1", "1::1" },
	/* 5: IPv4 as a dotted quad (v4-mapped only). */
	{ "::ffff:c000:201", "192.0.2.1" },
	{ "::ffff:0:0", "0.0.0.0" },
	{ "::ffff:0:1", "0.0.0.1" },
	{ "::fffe:c000:201", "::fffe:c000:201" },
	{ "0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201" },
	{ "::c000:201", "::c000:201" },
};

static void
test_format(void **state)
{
	struct addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(format_cases); i++) {
		parse_str(format_cases[i].in, &a);
		assert_int_equal(addr_format(&a, buf, sizeof(buf)), 0);
		if (strcmp(buf, format_cases[i].out) != 0)
			fail_msg("'%s' formats as '%s', want '%s'",
			    format_cases[i].in, buf, format_cases[i].out);
	}
}

/* A buffer one byte short fails and leaves "", never a partial address. */
static void
test_format_size(void **state)
{
	static const char *const texts[] = {
		"255.255.255.255", "2001:db8::1", "::",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	struct addr a;
	char buf[ADDR_STRLEN];
	size_t n;

	(void)state;
	for (size_t i = 0; i < NELEM(texts); i++) {
		parse_str(texts[i], &a);
		n = strlen(texts[i]);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(addr_format(&a, buf, n), -1);
		assert_string_equal(buf, "");
		assert_int_equal(addr_format(&a, buf, n + 1), 0);
		assert_string_equal(buf, texts[i]);
	}
	assert_int_equal(addr_format(&a, buf, 0), -1);
}

/*
 * Every address with zero groups in every pattern (256 patterns, a
 * varying non-zero value elsewhere) survives format then parse, and the
 * text matches what inet_pton reads.
 */
static void
test_format_roundtrip(void **state)
{
	struct addr a, b, want;
	char buf[ADDR_STRLEN];

	(void)state;
	for (unsigned int pat = 0; pat < 256; pat++) {
		memset(&a, 0, sizeof(a));
		for (unsigned int g = 0; g < 8; g++) {
			if (pat & (1u << g)) {
				a.b[2 * g] = (uint8_t)(pat ^ g);
				a.b[2 * g + 1] = (uint8_t)(g + 1);
			}
		}
		assert_int_equal(addr_format(&a, buf, sizeof(buf)), 0);
		parse_str(buf, &b);
		assert_int_equal(addr_cmp(&a, &b), 0);
		if (!addr_is_v4(&a)) {
			oracle(buf, &want);
			assert_int_equal(addr_cmp(&a, &want), 0);
			/* RFC 5952 4.2.2: never "::" for one zero group. */
			assert_null(strstr(buf, ":::"));
		}
	}
}

static void
test_v4(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	struct addr a, b;

	(void)state;
	addr_from_v4(&a, v4);
	parse_str("192.0.2.1", &b);
	assert_int_equal(addr_cmp(&a, &b), 0);
	assert_int_equal(addr_is_v4(&a), 1);
	parse_str("::ffff:192.0.2.1", &b);
	assert_int_equal(addr_cmp(&a, &b), 0);
	parse_str("::192.0.2.1", &b);
	assert_int_equal(addr_is_v4(&b), 0);
	parse_str("::fffe:192.0.2.1", &b);
	assert_int_equal(addr_is_v4(&b), 0);
	parse_str("1::ffff:192.0.2.1", &b);
	assert_int_equal(addr_is_v4(&b), 0);
	parse_str("::", &b);
	assert_int_equal(addr_is_v4(&b), 0);
}

static void
test_cmp(void **state)
{
	struct addr a, b;

	(void)state;
	parse_str("::1", &a);
	parse_str("::2", &b);
	assert_true(addr_cmp(&a, &b) < 0);
	assert_true(addr_cmp(&b, &a) > 0);
	assert_int_equal(addr_cmp(&a, &a), 0);
	/* IPv4 sorts after every address below ::ffff:0:0 and before 2000::. */
	parse_str("255.255.255.255", &a);
	parse_str("::fffe:ffff:ffff", &b);
	assert_true(addr_cmp(&a, &b) > 0);
	parse_str("2000::", &b);
	assert_true(addr_cmp(&a, &b) < 0);
}

static const struct {
	const char	*in;
	unsigned int	 len;
	const char	*out;
} mask_cases[] = {
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "8000::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 7, "fe00::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 8, "ff00::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 9, "ff80::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 64,
	    "ffff:ffff:ffff:ffff::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 96,
	    "ffff:ffff:ffff:ffff:ffff:ffff::" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 127,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "192.0.2.255", 96, "0.0.0.0" },
	{ "192.0.2.255", 120, "192.0.2.0" },
	{ "192.0.2.255", 127, "192.0.2.254" },
	{ "192.0.2.255", 128, "192.0.2.255" },
	{ "192.0.2.255", 95, "::fffe:0:0" },
	{ "192.0.2.255", 80, "::" },
};

static void
test_mask(void **state)
{
	struct addr a, want;

	(void)state;
	for (size_t i = 0; i < NELEM(mask_cases); i++) {
		parse_str(mask_cases[i].in, &a);
		addr_mask(&a, mask_cases[i].len);
		parse_str(mask_cases[i].out, &want);
		if (addr_cmp(&a, &want) != 0)
			fail_msg("mask case %zu", i);
	}
}

/* Input, expected result, expected len and expected text. */
static const struct {
	const char	*in;
	int		 ok;
	unsigned int	 len;
	const char	*out;
} prefix_cases[] = {
	{ "192.0.2.0/24", 0, 120, "192.0.2.0/24" },
	{ "192.0.2.1", 0, 128, "192.0.2.1" },
	{ "192.0.2.1/32", 0, 128, "192.0.2.1" },
	{ "0.0.0.0/0", 0, 96, "0.0.0.0/0" },
	{ "10.0.0.0/8", 0, 104, "10.0.0.0/8" },
	{ "128.0.0.0/1", 0, 97, "128.0.0.0/1" },
	{ "192.0.2.254/31", 0, 127, "192.0.2.254/31" },
	{ "2001:db8::/32", 0, 32, "2001:db8::/32" },
	{ "2001:DB8:0::/32", 0, 32, "2001:db8::/32" },
	{ "::/0", 0, 0, "::/0" },
	{ "::1", 0, 128, "::1" },
	{ "::1/128", 0, 128, "::1" },
	{ "fe80::/10", 0, 10, "fe80::/10" },
	{ "8000::/1", 0, 1, "8000::/1" },
	{ "2001:db8::/127", 0, 127, "2001:db8::/127" },
	/* IPv6 text sets a 128-bit length, even for a v4-mapped address. */
	{ "::ffff:192.0.2.0/120", 0, 120, "192.0.2.0/24" },
	{ "::ffff:0:0/96", 0, 96, "0.0.0.0/0" },
	{ "::fffe:0:0/95", 0, 95, "::fffe:0:0/95" },

	{ "192.0.2.1/24", -1, 0, NULL },
	{ "192.0.3.0/23", -1, 0, NULL },
	{ "192.0.2.0/23", 0, 119, "192.0.2.0/23" },
	{ "11.0.0.0/7", -1, 0, NULL },
	{ "10.0.0.0/7", 0, 103, "10.0.0.0/7" },
	{ "192.0.2.0/33", -1, 0, NULL },
	{ "1.2.3.4/33", -1, 0, NULL },
	{ "0.0.0.0/120", -1, 0, NULL },
	{ "/33", -1, 0, NULL },
	{ "/24", -1, 0, NULL },
	{ "/", -1, 0, NULL },
	{ "", -1, 0, NULL },
	{ "2001:db8::/129", -1, 0, NULL },
	{ "2001:db9::/31", -1, 0, NULL },
	{ "2001:db8::/31", 0, 31, "2001:db8::/31" },
	{ "2001:db8::1/64", -1, 0, NULL },
	{ "::ffff:0:0/95", -1, 0, NULL },
	{ "::ffff:192.0.2.1/120", -1, 0, NULL },
	{ "1.2.3.4/024", -1, 0, NULL },
	{ "0.0.0.0/00", -1, 0, NULL },
	{ "::/0128", -1, 0, NULL },
	{ "1.2.3.4/", -1, 0, NULL },
	{ "1.2.3.4//32", -1, 0, NULL },
	{ "1.2.3.4/32/32", -1, 0, NULL },
	{ "1.2.3.4/+32", -1, 0, NULL },
	{ "1.2.3.4/-0", -1, 0, NULL },
	{ "1.2.3.4/ 32", -1, 0, NULL },
	{ "1.2.3.4/32 ", -1, 0, NULL },
	{ "1.2.3.4 /32", -1, 0, NULL },
	{ "1.2.3.4/0x20", -1, 0, NULL },
	{ "1.2.3.4/4294967328", -1, 0, NULL },
	{ "::/18446744073709551616", -1, 0, NULL },
	{ "1.2.3/24", -1, 0, NULL },
	{ "fe80::1%eth0/128", -1, 0, NULL },
};

static void
test_prefix_parse(void **state)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(prefix_cases); i++) {
		const char *in = prefix_cases[i].in;
		int rc = prefix_parse(in, strlen(in), &p);

		if (rc != prefix_cases[i].ok)
			fail_msg("'%s': got %d, want %d", in, rc,
			    prefix_cases[i].ok);
		if (rc != 0)
			continue;
		assert_int_equal(p.len, prefix_cases[i].len);
		assert_int_equal(prefix_format(&p, buf, sizeof(buf)), 0);
		if (strcmp(buf, prefix_cases[i].out) != 0)
			fail_msg("'%s' formats as '%s', want '%s'", in, buf,
			    prefix_cases[i].out);
	}
}

static void
test_prefix_parse_nul(void **state)
{
	static const char text[] = "192.0.2.0/24\0";
	static const char text2[] = "192.0.2.0/2\0" "4";
	struct prefix p;

	(void)state;
	assert_int_equal(prefix_parse(text, sizeof(text) - 1, &p), -1);
	assert_int_equal(prefix_parse(text2, sizeof(text2) - 1, &p), -1);
	assert_int_equal(prefix_parse(text, sizeof(text) - 2, &p), 0);
	/* Only len bytes: "192.0.2.0/2" has host bits set. */
	assert_int_equal(prefix_parse(text, 11, &p), -1);
	assert_int_equal(prefix_parse("10.0.0.0/8", 10, &p), 0);
	assert_int_equal(prefix_parse("10.0.0.0/8", 9, &p), -1);
}

static void
test_prefix_props(void **state)
{
	struct prefix p;
	struct addr a;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.0/24", 12, &p), 0);
	assert_int_equal(prefix_is_v4(&p), 1);
	assert_int_equal(prefix_family_len(&p), 24);
	assert_int_equal(prefix_is_host(&p), 0);
	assert_int_equal(prefix_parse("2001:db8::/32", 13, &p), 0);
	assert_int_equal(prefix_is_v4(&p), 0);
	assert_int_equal(prefix_family_len(&p), 32);
	assert_int_equal(prefix_parse("::/0", 4, &p), 0);
	assert_int_equal(prefix_is_v4(&p), 0);
	assert_int_equal(prefix_family_len(&p), 0);

	parse_str("192.0.2.7", &a);
	prefix_from_addr(&p, &a);
	assert_int_equal(p.len, 128);
	assert_int_equal(prefix_is_host(&p), 1);
	assert_int_equal(prefix_is_v4(&p), 1);
	assert_int_equal(prefix_family_len(&p), 32);
	assert_int_equal(prefix_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.7");
	parse_str("2001:db8::7", &a);
	prefix_from_addr(&p, &a);
	assert_int_equal(prefix_family_len(&p), 128);
	assert_int_equal(prefix_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::7");

	/* Short buffers fail with "". */
	assert_int_equal(prefix_parse("192.0.2.0/24", 12, &p), 0);
	assert_int_equal(prefix_format(&p, buf, 12), -1);
	assert_string_equal(buf, "");
	assert_int_equal(prefix_format(&p, buf, 13), 0);
	assert_string_equal(buf, "192.0.2.0/24");
	assert_int_equal(prefix_format(&p, buf, 5), -1);
	assert_string_equal(buf, "");
	assert_int_equal(prefix_format(&p, buf, 0), -1);

	/* The longest prefix text fits PREFIX_STRLEN. */
	assert_int_equal(prefix_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
	    "/127", 43, &p), 0);
	assert_int_equal(prefix_format(&p, buf, sizeof(buf)), 0);
}

/* Prefix, address, whether it is inside. */
static const struct {
	const char	*prefix;
	const char	*addr;
	int		 in;
} contains_cases[] = {
	{ "192.0.2.0/24", "192.0.2.0", 1 },
	{ "192.0.2.0/24", "192.0.2.255", 1 },
	{ "192.0.2.0/24", "192.0.3.0", 0 },
	{ "192.0.2.0/24", "192.0.1.255", 0 },
	{ "192.0.2.0/24", "::ffff:192.0.2.9", 1 },
	{ "192.0.2.0/24", "::192.0.2.9", 0 },
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "0.0.0.0/0", "2001:db8::", 0 },
	{ "::/0", "1.2.3.4", 1 },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "192.0.2.1", "192.0.2.1", 1 },
	{ "192.0.2.1", "192.0.2.0", 0 },
	{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2001:db8::/32", "2001:db9::", 0 },
	{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "fe80::/10", "febf::1", 1 },
	{ "fe80::/10", "fec0::1", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
};

static void
test_prefix_contains(void **state)
{
	struct prefix p;
	struct addr a;

	(void)state;
	for (size_t i = 0; i < NELEM(contains_cases); i++) {
		const char *ps = contains_cases[i].prefix;

		assert_int_equal(prefix_parse(ps, strlen(ps), &p), 0);
		parse_str(contains_cases[i].addr, &a);
		if (prefix_contains(&p, &a) != contains_cases[i].in)
			fail_msg("%s in %s", contains_cases[i].addr, ps);
	}
}

static const struct {
	const char	*outer;
	const char	*inner;
	int		 covers;
} covers_cases[] = {
	{ "192.0.2.0/24", "192.0.2.0/24", 1 },
	{ "192.0.2.0/24", "192.0.2.128/25", 1 },
	{ "192.0.2.0/24", "192.0.2.7", 1 },
	{ "192.0.2.0/24", "192.0.2.0/23", 0 },
	{ "192.0.2.0/25", "192.0.2.128/25", 0 },
	{ "192.0.2.128/25", "192.0.2.0/24", 0 },
	{ "0.0.0.0/0", "10.0.0.0/8", 1 },
	{ "0.0.0.0/0", "2001:db8::/32", 0 },
	{ "::/0", "0.0.0.0/0", 1 },
	{ "::/0", "::/0", 1 },
	{ "2001:db8::/32", "2001:db8:1::/48", 1 },
	{ "2001:db8:1::/48", "2001:db8::/32", 0 },
	{ "2001:db8::/32", "2001:db9::/32", 0 },
	{ "::1", "::1", 1 },
	{ "::1", "::/127", 0 },
};

static void
test_prefix_covers(void **state)
{
	struct prefix o, in;

	(void)state;
	for (size_t i = 0; i < NELEM(covers_cases); i++) {
		const char *os = covers_cases[i].outer;
		const char *is = covers_cases[i].inner;

		assert_int_equal(prefix_parse(os, strlen(os), &o), 0);
		assert_int_equal(prefix_parse(is, strlen(is), &in), 0);
		if (prefix_covers(&o, &in) != covers_cases[i].covers)
			fail_msg("%s covers %s", os, is);
	}
}

static const struct {
	const char	*prefix;
	const char	*last;
} last_cases[] = {
	{ "192.0.2.0/24", "192.0.2.255" },
	{ "192.0.2.0/25", "192.0.2.127" },
	{ "192.0.2.1", "192.0.2.1" },
	{ "0.0.0.0/0", "255.255.255.255" },
	{ "10.0.0.0/8", "10.255.255.255" },
	{ "192.0.2.254/31", "192.0.2.255" },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::/1", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "2001:db8::/127", "2001:db8::1" },
	{ "::1", "::1" },
};

static void
test_prefix_last(void **state)
{
	struct prefix p;
	struct addr a, want;

	(void)state;
	for (size_t i = 0; i < NELEM(last_cases); i++) {
		const char *ps = last_cases[i].prefix;

		assert_int_equal(prefix_parse(ps, strlen(ps), &p), 0);
		prefix_last(&p, &a);
		parse_str(last_cases[i].last, &want);
		if (addr_cmp(&a, &want) != 0)
			fail_msg("last of %s", ps);
		assert_int_equal(prefix_contains(&p, &a), 1);
	}
}

/* Address and its reverse name, both ways. */
static const struct {
	const char	*addr;
	const char	*rev;
} rev_cases[] = {
	{ "127.0.0.2", "2.0.0.127" },
	{ "192.0.2.1", "1.2.0.192" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "255.255.255.255", "255.255.255.255" },
	{ "10.20.30.40", "40.30.20.10" },
	{ "2001:db8::1",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" },
	{ "::1",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	{ "::",
	    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	{ "fedc:ba98:7654:3210:123:4567:89ab:cdef",
	    "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f" },
};

static void
test_revname(void **state)
{
	struct addr a, b;
	char buf[ADDR_REVNAME_MAX];
	const char *rev;

	(void)state;
	for (size_t i = 0; i < NELEM(rev_cases); i++) {
		rev = rev_cases[i].rev;
		parse_str(rev_cases[i].addr, &a);
		assert_int_equal(addr_revname(&a, buf, sizeof(buf)), 0);
		if (strcmp(buf, rev) != 0)
			fail_msg("%s: '%s', want '%s'", rev_cases[i].addr, buf,
			    rev);
		assert_int_equal(addr_from_revname(rev, strlen(rev), &b), 0);
		assert_int_equal(addr_cmp(&a, &b), 0);
		/* Short buffers fail with "". */
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(addr_revname(&a, buf, strlen(rev)), -1);
		assert_string_equal(buf, "");
	}
}

static void
test_revname_v4_nibbles(void **state)
{
	static const char *const nibbles =
	    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
	static const char *const upper =
	    "2.0.0.0.0.0.F.7.F.F.F.F.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
	struct addr a, b;
	char buf[ADDR_REVNAME_MAX];

	(void)state;
	parse_str("127.0.0.2", &a);
	assert_int_equal(addr_from_revname(nibbles, strlen(nibbles), &b), 0);
	assert_int_equal(addr_cmp(&a, &b), 0);
	assert_int_equal(addr_is_v4(&b), 1);
	assert_int_equal(addr_from_revname(upper, strlen(upper), &b), 0);
	assert_int_equal(addr_cmp(&a, &b), 0);
	/* And it is written back in the IPv4 form. */
	assert_int_equal(addr_revname(&b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2.0.0.127");
}

static const struct bytes rev_bad[] = {
	S(""),
	S("."),
	S("0.0.127"),
	S("2.0.0.127.1"),
	S("2.0.0.127."),
	S(".2.0.0.127"),
	S("2..0.127"),
	S("2.0.0."),
	S("256.0.0.1"),
	S("1.0.0.256"),
	S("01.0.0.1"),
	S("1.0.0.01"),
	S("-1.0.0.1"),
	S("a.0.0.1"),
	S("2.0.0.127\0"),
	S("2.0\0.0.127"),
	S(" 2.0.0.127"),
	S("2.0.0.127 "),
	/* 31 and 33 nibbles. */
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.0"),
	/* Trailing and leading dot. */
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."),
	S(".1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"),
	/* Not a hex digit. */
	S("g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.-"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.\0"),
	/* A two-character label with an empty one to keep the length. */
	S("10..0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"),
	S("1.00.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.02"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.02"),
	/* 32 labels with a wide one. */
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.20"),
	S("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "in-addr.arpa"),
	S("1.2.3.4.in-addr.arpa"),
	S("1.0.0.127.zen"),
	S("0x1.0.0.127"),
};

static void
test_revname_bad(void **state)
{
	struct addr a;

	(void)state;
	for (size_t i = 0; i < NELEM(rev_bad); i++) {
		if (addr_from_revname(rev_bad[i].s, rev_bad[i].len, &a) != -1)
			fail_msg("accepted bad case %zu '%s'", i, rev_bad[i].s);
	}
	assert_int_equal(addr_from_revname(NULL, 0, &a), -1);
	/* Only len bytes are read. */
	assert_int_equal(addr_from_revname("2.0.0.127.zen", 9, &a), 0);
}

/* Input, family (0 if rejected), port, address text. */
static const struct {
	const char	*in;
	int		 family;
	uint16_t	 port;
	const char	*addr;
} sockaddr_cases[] = {
	{ "127.0.0.1:53", AF_INET, 53, "127.0.0.1" },
	{ "0.0.0.0:25", AF_INET, 25, "0.0.0.0" },
	{ "192.0.2.1:65535", AF_INET, 65535, "192.0.2.1" },
	{ "192.0.2.1:1", AF_INET, 1, "192.0.2.1" },
	{ "[::1]:5353", AF_INET6, 5353, "::1" },
	{ "[::]:53", AF_INET6, 53, "::" },
	{ "[2001:db8::1]:8080", AF_INET6, 8080, "2001:db8::1" },
	{ "[::ffff:192.0.2.1]:25", AF_INET6, 25, "::ffff:192.0.2.1" },

	{ "127.0.0.1", 0, 0, NULL },
	{ "::1:53", 0, 0, NULL },
	{ "::1", 0, 0, NULL },
	{ ":53", 0, 0, NULL },
	{ "127.0.0.1:0", 0, 0, NULL },
	{ "127.0.0.1:00", 0, 0, NULL },
	{ "127.0.0.1:053", 0, 0, NULL },
	{ "127.0.0.1:65536", 0, 0, NULL },
	{ "127.0.0.1:99999", 0, 0, NULL },
	{ "127.0.0.1:100000", 0, 0, NULL },
	{ "127.0.0.1:4294967349", 0, 0, NULL },
	{ "127.0.0.1:", 0, 0, NULL },
	{ "127.0.0.1:-1", 0, 0, NULL },
	{ "127.0.0.1:+53", 0, 0, NULL },
	{ "127.0.0.1: 53", 0, 0, NULL },
	{ "127.0.0.1:53 ", 0, 0, NULL },
	{ "127.0.0.1:53:53", 0, 0, NULL },
	{ "127.0.0.1:domain", 0, 0, NULL },
	{ "127.1:53", 0, 0, NULL },
	{ "localhost:53", 0, 0, NULL },
	{ "[127.0.0.1]:53", 0, 0, NULL },
	{ "[::1]", 0, 0, NULL },
	{ "[::1]:", 0, 0, NULL },
	{ "[::1]:x", 0, 0, NULL },
	{ "[::1]:0", 0, 0, NULL },
	{ "[::1]:65536", 0, 0, NULL },
	{ "[::1]53", 0, 0, NULL },
	{ "[::1:53", 0, 0, NULL },
	{ "::1]:53", 0, 0, NULL },
	{ "[[::1]]:53", 0, 0, NULL },
	{ "[]:53", 0, 0, NULL },
	{ "[fe80::1%eth0]:53", 0, 0, NULL },
	{ "[::1]:53]", 0, 0, NULL },
	{ "", 0, 0, NULL },
	{ ":", 0, 0, NULL },
	{ "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:655350000000000000", 0, 0,
	    NULL },
};

static void
test_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	struct in_addr in4;
	struct in6_addr in6;
	socklen_t sl;

	(void)state;
	for (size_t i = 0; i < NELEM(sockaddr_cases); i++) {
		const char *in = sockaddr_cases[i].in;
		int rc = addr_parse_sockaddr(in, &ss, &sl);

		if (sockaddr_cases[i].family == 0) {
			if (rc != -1)
				fail_msg("accepted '%s'", in);
			continue;
		}
		if (rc != 0)
			fail_msg("rejected '%s'", in);
		assert_int_equal(ss.ss_family, sockaddr_cases[i].family);
		if (ss.ss_family == AF_INET) {
			sin = (struct sockaddr_in *)&ss;
			assert_int_equal(sl, sizeof(*sin));
			assert_int_equal(ntohs(sin->sin_port),
			    sockaddr_cases[i].port);
			assert_int_equal(inet_pton(AF_INET,
			    sockaddr_cases[i].addr, &in4), 1);
			assert_memory_equal(&sin->sin_addr, &in4, 4);
		} else {
			sin6 = (struct sockaddr_in6 *)&ss;
			assert_int_equal(sl, sizeof(*sin6));
			assert_int_equal(ntohs(sin6->sin6_port),
			    sockaddr_cases[i].port);
			assert_int_equal(inet_pton(AF_INET6,
			    sockaddr_cases[i].addr, &in6), 1);
			assert_memory_equal(&sin6->sin6_addr, &in6, 16);
			assert_int_equal(sin6->sin6_scope_id, 0);
		}
	}
	assert_int_equal(addr_parse_sockaddr(NULL, &ss, &sl), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_len),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_parse_nul),
		cmocka_unit_test(test_prefix_props),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_prefix_covers),
		cmocka_unit_test(test_prefix_last),
		cmocka_unit_test(test_revname),
		cmocka_unit_test(test_revname_v4_nibbles),
		cmocka_unit_test(test_revname_bad),
		cmocka_unit_test(test_sockaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
