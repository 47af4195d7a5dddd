/* test_proxy_parse.c -- PROXY protocol v1 and v2 headers, hostile ones too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "trap/proxy_parse.h"
#include "testutil.h"

#define V2SIG	"\r\n\r\n\0\r\nQUIT\n"

static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	int		 rc;		/* > 0 length, 0 more, -1 bad */
	int		 known;
	const char	*src;
	int		 sport;
	const char	*dst;
	int		 dport;
} cases[] = {
	/* v1 */
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n", 0, 44, 1,
	    "192.0.2.1", 56324, "198.51.100.2", 25 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\nEHLO x\r\n", 0, 44,
	    1, "192.0.2.1", 56324, "198.51.100.2", 25 },
	{ "PROXY TCP6 2001:db8::1 2001:db8::2 0 65535\r\n", 0, 44, 1,
	    "2001:db8::1", 0, "2001:db8::2", 65535 },
	{ "PROXY TCP6 ::ffff:192.0.2.9 ::1 1 2\r\n", 0, 37, 1,
	    "192.0.2.9", 1, "::1", 2 },
	{ "PROXY UNKNOWN\r\n", 0, 15, 0, NULL, 0, NULL, 0 },
	{ "PROXY UNKNOWN ffff:f...f ffff:f...f 65535 65535\r\n", 0, 49, 0,
	    NULL, 0, NULL, 0 },
	{ "PROXY UNKNOWN a b c d e f g\r\n", 0, 29, 0, NULL, 0, NULL, 0 },
	{ "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", 0, 104,
	    1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
	/* v1, incomplete */
	{ "", 0, 0, 0, NULL, 0, NULL, 0 },
	{ "P", 0, 0, 0, NULL, 0, NULL, 0 },
	{ "PROXY", 0, 0, 0, NULL, 0, NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r", 0, 0, 0, NULL, 0,
	    NULL, 0 },
	/* v1, hostile */
	{ "EHLO x\r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1  198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n", 0, -1, 0, NULL, 0, NULL,
	    0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 3\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.256 198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n", 0, -1, 0, NULL,
	    0, NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 -1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY \r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "PROXY UNKNOWNX\r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "PROXY TCP4 192.0.2.1\0198.51.100.2 1 2\r\n", 38, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1\t198.51.100.2 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	/* 107 bytes without a line end: given up, not waited for */
	{ "PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	/* v2 */
	{ V2SIG "\x21\x11\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04\x00\x19", 28, 28, 1, "192.0.2.1", 56324, "198.51.100.2",
	    25 },
	{ V2SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02" "\x00\x01\x00\x02",
	    52, 52, 1, "2001:db8::1", 1, "2001:db8::2", 2 },
	/* v2 with a TLV after the addresses (skipped) */
	{ V2SIG "\x21\x11\x00\x10" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04\x00\x19" "\x04\x00\x01\x00", 32, 32, 1, "192.0.2.1",
	    56324, "198.51.100.2", 25 },
	/* LOCAL: the proxy's own health check */
	{ V2SIG "\x20\x00\x00\x00", 16, 16, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x20\x11\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04\x00\x19", 28, 28, 0, NULL, 0, NULL, 0 },
	/* UNSPEC and UNIX: no address, the peer stands */
	{ V2SIG "\x21\x00\x00\x00", 16, 16, 0, NULL, 0, NULL, 0 },
	/* v2, incomplete */
	{ V2SIG, 12, 0, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x11\x00", 15, 0, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x11\x00\x0c" "\xc0\x00\x02\x01", 20, 0, 0, NULL, 0,
	    NULL, 0 },
	{ "\r\n\r\n", 4, 0, 0, NULL, 0, NULL, 0 },
	/* v2, hostile */
	{ "\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x00", 16, -1, 0, NULL, 0, NULL,
	    0 },
	{ "\r\nQUIT\r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x11\x11\x00\x0c", 16, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x22\x11\x00\x0c", 16, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x12\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04\x00\x19", 28, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x41\x00\x00", 16, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x13\x00\x00", 16, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x11\x00\x08" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02", 24,
	    -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x21\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04\x00\x19", 28, -1, 0, NULL, 0, NULL, 0 },
	/* an announced length past PROXY_V2_LEN_MAX is refused at once */
	{ V2SIG "\x21\x11\x08\x01", 16, -1, 0, NULL, 0, NULL, 0 },
	{ V2SIG "\x21\x11\xff\xff", 16, -1, 0, NULL, 0, NULL, 0 },
};

static void
test_table(void **state)
{
	struct proxy_hdr h;
	struct addr a;
	const char *err;
	uint8_t *copy;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		int rc;

		/* Exactly len bytes on the heap: ASan sees an over-read. */
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, cases[i].in, len);
		err = NULL;
		rc = proxy_parse(copy, len, &h, &err);
		free(copy);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s), want %d", i, rc,
			    err ? err : "", cases[i].rc);
		if (rc == -1)
			assert_non_null(err);
		if (rc <= 0)
			continue;
		assert_int_equal(h.known, cases[i].known);
		if (!h.known)
			continue;
		a = test_addr(cases[i].src);
		assert_memory_equal(&h.src, &a, sizeof(a));
		a = test_addr(cases[i].dst);
		assert_memory_equal(&h.dst, &a, sizeof(a));
		assert_int_equal(h.sport, cases[i].sport);
		assert_int_equal(h.dport, cases[i].dport);
	}
}

/*
 * A header arriving a byte at a time: every prefix of a valid header
 * asks for more, and the whole one parses to its full length.
 */
static void
test_prefixes(void **state)
{
	static const char v1[] =
	    "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n";
	static const uint8_t v2[] = V2SIG "\x21\x11\x00\x0c"
	    "\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x00\x19";
	struct proxy_hdr h;
	const char *err;

	(void)state;
	for (size_t n = 0; n < sizeof(v1) - 1; n++)
		assert_int_equal(proxy_parse((const uint8_t *)v1, n, &h, &err),
		    0);
	assert_int_equal(proxy_parse((const uint8_t *)v1, sizeof(v1) - 1, &h,
	    &err), (int)sizeof(v1) - 1);
	assert_int_equal(h.version, 1);
	for (size_t n = 0; n < sizeof(v2) - 1; n++)
		assert_int_equal(proxy_parse(v2, n, &h, &err), 0);
	assert_int_equal(proxy_parse(v2, sizeof(v2) - 1, &h, &err),
	    (int)sizeof(v2) - 1);
	assert_int_equal(h.version, 2);
}

/* The largest v2 header accepted, and how many bytes it takes. */
static void
test_v2_max(void **state)
{
	static uint8_t buf[PROXY_MAX + 1];
	struct proxy_hdr h;
	const char *err;

	(void)state;
	memcpy(buf, V2SIG "\x21\x11", 14);
	buf[14] = PROXY_V2_LEN_MAX >> 8;
	buf[15] = PROXY_V2_LEN_MAX & 0xff;
	assert_int_equal(proxy_parse(buf, PROXY_MAX - 1, &h, &err), 0);
	assert_int_equal(proxy_parse(buf, PROXY_MAX, &h, &err), PROXY_MAX);
	assert_int_equal(h.known, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_v2_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
