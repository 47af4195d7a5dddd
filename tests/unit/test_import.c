/* test_import.c -- import_read on rbldnsd and plain lists, hostile lines too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "listio/import.h"

#define OUT_MAX		4096

/* What the callback saw: "p1 !p2 p3" with the line of each in lines. */
struct collect {
	char	out[OUT_MAX];
	char	lines[OUT_MAX];
	int	refuse_at;		/* refuse entry n (from 1); 0 never */
	int	n;
};

static int
collect_cb(void *arg, const struct prefix *p, int exclude, size_t line)
{
	struct collect *c = arg;
	char buf[PREFIX_STRLEN];
	size_t off;

	c->n++;
	if (c->refuse_at != 0 && c->n == c->refuse_at)
		return 1;
	assert_int_equal(prefix_format(p, buf, sizeof(buf)), 0);
	off = strlen(c->out);
	snprintf(c->out + off, sizeof(c->out) - off, "%s%s%s",
	    off > 0 ? " " : "", exclude ? "!" : "", buf);
	off = strlen(c->lines);
	snprintf(c->lines + off, sizeof(c->lines) - off, "%s%zu",
	    off > 0 ? " " : "", line);
	return 0;
}

/* Runs import_read over len bytes of text (which may hold NULs). */
static int
run(const char *text, size_t len, enum import_format fmt, struct collect *c,
    char *err, size_t errlen)
{
	FILE *f;
	int r;

	f = fmemopen((void *)(uintptr_t)text, len, "r");
	assert_non_null(f);
	r = import_read(f, "list.txt", fmt, collect_cb, c, err, errlen);
	fclose(f);
	return r;
}

struct import_case {
	const char		*name;
	enum import_format	 fmt;
	const char		*in;
	const char		*want;	/* entries, or the error's text */
	int			 fails;
};

static const struct import_case import_cases[] = {
	/* Plain lists. */
	{ "plain hosts and prefixes", IMPORT_PLAIN,
	    "# a comment\n\n192.0.2.1\n  198.51.100.0/24  \n2001:db8::/32\n"
	    "2001:db8::1 # trailing comment\r\n",
	    "192.0.2.1 198.51.100.0/24 2001:db8::/32 2001:db8::1", 0 },
	{ "plain last line without newline", IMPORT_PLAIN, "192.0.2.7",
	    "192.0.2.7", 0 },
	{ "plain empty file", IMPORT_PLAIN, "", "", 0 },
	{ "plain host bits", IMPORT_PLAIN, "192.0.2.1\n192.0.2.1/24\n",
	    "list.txt:2: not an address or CIDR prefix ('192.0.2.1/24')", 1 },
	{ "plain abbreviated", IMPORT_PLAIN, "192.0.2\n",
	    "list.txt:1: not an address or CIDR prefix ('192.0.2')", 1 },
	{ "plain leading zero", IMPORT_PLAIN, "192.0.02.1\n",
	    "list.txt:1: not an address or CIDR prefix ('192.0.02.1')", 1 },
	{ "plain value after entry", IMPORT_PLAIN, "192.0.2.1 listed\n",
	    "list.txt:1: one address or prefix per line expected "
	    "('192.0.2.1 listed')", 1 },
	{ "plain exclusion is not plain", IMPORT_PLAIN, "!192.0.2.1\n",
	    "list.txt:1: not an address or CIDR prefix ('!192.0.2.1')", 1 },
	{ "plain junk bytes are shown safely", IMPORT_PLAIN, "\x1b[31m\n",
	    "list.txt:1: not an address or CIDR prefix ('?[31m')", 1 },
	{ "plain /33", IMPORT_PLAIN, "192.0.2.0/33\n",
	    "list.txt:1: not an address or CIDR prefix", 1 },
	{ "plain long token is cut in the message", IMPORT_PLAIN,
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789\n",
	    "list.txt:1: not an address or CIDR prefix ('01234567890123456789"
	    "01234567890123456789012345678901234567890123...')", 1 },
	{ "plain zone index", IMPORT_PLAIN, "fe80::1%eth0\n",
	    "list.txt:1: not an address or CIDR prefix ('fe80::1%eth0')", 1 },
	{ "plain BOM", IMPORT_PLAIN, "\xef\xbb\xbf" "192.0.2.1\n",
	    "list.txt:1: not an address or CIDR prefix ('???192.0.2.1')", 1 },

	/* rbldnsd ip4set syntax. */
	{ "ip4set forms", IMPORT_RBLDNSD,
	    "192.0.2.1\n198.51.100\n203.0/16\n10/8\n11.0.0.0/8\n"
	    "192.0.2.9 :127.0.0.2:Listed, see $\n192.0.2.10 plain text\n"
	    "192.0.2.11:127.0.0.3:glued\n192.0.2.12#comment\n"
	    "192.0.2.13 ; comment\n",
	    "192.0.2.1 198.51.100.0/24 203.0.0.0/16 10.0.0.0/8 11.0.0.0/8 "
	    "192.0.2.9 192.0.2.10 192.0.2.11 192.0.2.12 192.0.2.13", 0 },
	{ "ip4set ranges", IMPORT_RBLDNSD,
	    "192.0.2.0-192.0.2.255\n192.0.2.1-3\n198.51.100-198.51.101\n"
	    "127.16-31\n10-11\n",
	    "192.0.2.0/24 192.0.2.1 192.0.2.2/31 198.51.100.0/23 "
	    "127.16.0.0/12 10.0.0.0/7", 0 },
	{ "ip4set odd range", IMPORT_RBLDNSD, "192.0.2.5-192.0.2.17\n",
	    "192.0.2.5 192.0.2.6/31 192.0.2.8/29 192.0.2.16/31", 0 },
	{ "ip4set tabs and CRLF", IMPORT_RBLDNSD,
	    "\t192.0.2.1\t:127.0.0.2:x\r\n!\t192.0.2.2\r\n",
	    "192.0.2.1 !192.0.2.2", 0 },
	{ "ip4set CR inside a line", IMPORT_RBLDNSD, "192.0.2.1\r5\n",
	    "list.txt:1: not an IPv4 entry", 1 },
	{ "ip4set whole space", IMPORT_RBLDNSD,
	    "0.0.0.0-255.255.255.255\n", "0.0.0.0/0", 0 },
	{ "ip4set exclusions, defaults, specials", IMPORT_RBLDNSD,
	    "$TTL 600\n$SOA 0 ns.bl.test hm.bl.test 0 1h 1h 1w 1h\n"
	    "$1 see http://x/\n#$NS 0 ns.bl.test\n:127.0.0.2:default $\n"
	    "; semicolon comment\n192.0.2.0/24\n! 192.0.2.5\n!192.0.2.6/31\n",
	    "192.0.2.0/24 !192.0.2.5 !192.0.2.6/31", 0 },
	{ "ip4set bare number", IMPORT_RBLDNSD, "10\n",
	    "list.txt:1: a bare number is not an entry (rbldnsd skips it; "
	    "write N/8) ('10')", 1 },
	{ "ip4set host bits", IMPORT_RBLDNSD, "192.0.2.0/24\n1.2.3.4/24\n",
	    "list.txt:2: host bits set past the prefix length ('1.2.3.4/24')",
	    1 },
	{ "ip4set host bits abbreviated", IMPORT_RBLDNSD, "127.1/8\n",
	    "list.txt:1: host bits set past the prefix length ('127.1/8')",
	    1 },
	{ "ip4set reversed range", IMPORT_RBLDNSD, "192.0.2.9-192.0.2.1\n",
	    "list.txt:1: range start is after its end "
	    "('192.0.2.9-192.0.2.1')", 1 },
	{ "ip4set reversed suffix", IMPORT_RBLDNSD, "192.0.2.9-1\n",
	    "list.txt:1: range start is after its end", 1 },
	{ "ip4set mixed range ends", IMPORT_RBLDNSD, "127-127.0.0\n",
	    "list.txt:1: range ends have different lengths ('127-127.0.0')",
	    1 },
	{ "ip4set octet too big", IMPORT_RBLDNSD, "256.1.1.1\n",
	    "list.txt:1: not an IPv4 entry ('256.1.1.1')", 1 },
	{ "ip4set leading zero", IMPORT_RBLDNSD, "010.1.1.1\n",
	    "list.txt:1: not an IPv4 entry ('010.1.1.1')", 1 },
	{ "ip4set /33", IMPORT_RBLDNSD, "1.2.3.4/33\n",
	    "list.txt:1: bad prefix length (0..32) ('1.2.3.4/33')", 1 },
	{ "ip4set /024", IMPORT_RBLDNSD, "1.2.3.0/024\n",
	    "list.txt:1: bad prefix length", 1 },
	{ "ip4set five octets", IMPORT_RBLDNSD, "1.2.3.4.5\n",
	    "list.txt:1: not an IPv4 entry ('1.2.3.4.5')", 1 },
	{ "ip4set trailing dot", IMPORT_RBLDNSD, "1.2.3.\n",
	    "list.txt:1: not an IPv4 entry ('1.2.3.')", 1 },
	{ "ip4set range with length", IMPORT_RBLDNSD, "1.2.3.4-1.2.3.8/30\n",
	    "list.txt:1: not an IPv4 range", 1 },
	{ "ip4set junk after entry", IMPORT_RBLDNSD, "1.2.3.4x\n",
	    "list.txt:1: not an IPv4 entry ('1.2.3.4x')", 1 },
	{ "lone exclusion mark", IMPORT_RBLDNSD, "!\n",
	    "list.txt:1: '!' without an entry", 1 },

	/* rbldnsd ip6trie syntax. */
	{ "ip6trie forms", IMPORT_RBLDNSD,
	    "2001:db8::1\n2001:db8:1::/64 :127.0.0.2:net\n!2001:db8:1::5\n"
	    "2001:db8:2\n2001:21ab:c000/36\n::1 # localhost\n"
	    "2001:DB8:0:0:0:0:0:2\n",
	    "2001:db8::1 2001:db8:1::/64 !2001:db8:1::5 2001:db8:2::/48 "
	    "2001:21ab:c000::/36 ::1 2001:db8::2", 0 },
	/* Without a colon only an ip6trie section makes it IPv6. */
	{ "ip6trie one group with length", IMPORT_RBLDNSD,
	    "$DATASET ip6trie @\n2001/16\n", "2001::/16", 0 },
	{ "one group with length outside ip6trie", IMPORT_RBLDNSD,
	    "2001/16\n", "list.txt:1: not an IPv4 entry ('2001/16')", 1 },
	{ "ip6trie bare group", IMPORT_RBLDNSD, "$DATASET ip6trie @\n2001\n",
	    "list.txt:2: a bare number is not an entry", 1 },
	{ "ip6trie host bits", IMPORT_RBLDNSD, "2001:db8::1/64\n",
	    "list.txt:1: host bits set past the prefix length "
	    "('2001:db8::1/64')", 1 },
	{ "ip6trie dotted", IMPORT_RBLDNSD, "::ffff:192.0.2.1\n",
	    "list.txt:1: dotted IPv4 is not allowed in an ip6trie entry", 1 },
	{ "ip6trie mapped space", IMPORT_RBLDNSD, "::ffff:c000:201\n",
	    "list.txt:1: IPv4-mapped range in an ip6trie entry", 1 },
	{ "ip6trie covering the mapped space", IMPORT_RBLDNSD, "::/0\n",
	    "list.txt:1: IPv4-mapped range in an ip6trie entry", 1 },
	{ "ip6trie /129", IMPORT_RBLDNSD, "2001:db8::/129\n",
	    "list.txt:1: bad prefix length (0..128)", 1 },
	{ "ip6trie zone index", IMPORT_RBLDNSD, "fe80::1%eth0\n",
	    "list.txt:1: not an IPv6 entry ('fe80::1%eth0')", 1 },
	{ "ip6trie five hex digits", IMPORT_RBLDNSD, "2001:db8:12345::\n",
	    "list.txt:1: not an IPv6 address", 1 },
	{ "ip6trie nine groups", IMPORT_RBLDNSD, "1:2:3:4:5:6:7:8:9\n",
	    "list.txt:1: not an IPv6 entry", 1 },
	{ "ip6trie triple colon", IMPORT_RBLDNSD, "2001:::1\n",
	    "list.txt:1: not an IPv6 address", 1 },

	/* Combined files. */
	{ "combined ip4set and ip6trie", IMPORT_RBLDNSD,
	    "# export\n$TTL 2100\n$DATASET ip4set:v4 @\n:127.0.0.2:x\n"
	    "192.0.2.1 :127.0.0.2:one\n!192.0.2.2\n"
	    "$dataset ip6trie @ sub\n2001:db8::1 :127.0.0.2:two\n",
	    "192.0.2.1 !192.0.2.2 2001:db8::1", 0 },
	{ "combined v6 in ip4set", IMPORT_RBLDNSD,
	    "$DATASET ip4set @\n2001:db8::1\n",
	    "list.txt:2: IPv6 entry in an ip4set section ('2001:db8::1')", 1 },
	{ "combined v4 in ip6trie", IMPORT_RBLDNSD,
	    "$DATASET ip6trie @\n192.0.2.1\n",
	    "list.txt:2: IPv4 entry in an ip6trie section ('192.0.2.1')", 1 },
	{ "combined other dataset", IMPORT_RBLDNSD,
	    "$DATASET ip4set @\n192.0.2.1\n$DATASET dnset:names @\n"
	    "example.com\n",
	    "list.txt:3: dataset type cannot be imported (only ip4set and "
	    "ip6trie) ('dnset')", 1 },
	{ "combined generic via #$", IMPORT_RBLDNSD,
	    "#$DATASET generic @\n@ A 127.0.0.8\n",
	    "list.txt:1: dataset type cannot be imported", 1 },
	{ "combined entries before $DATASET", IMPORT_RBLDNSD,
	    "192.0.2.1\n$DATASET ip4set @\n192.0.2.2\n",
	    "list.txt:2: $DATASET after entries", 1 },
	{ "combined $DATASET without type", IMPORT_RBLDNSD, "$DATASET\n",
	    "list.txt:1: $DATASET without a type", 1 },

	/* auto. */
	{ "auto plain", IMPORT_AUTO, "192.0.2.1\n2001:db8::/32\n# c\n",
	    "192.0.2.1 2001:db8::/32", 0 },
	{ "auto plain keeps the mapped form", IMPORT_AUTO,
	    "::ffff:192.0.2.1\n", "192.0.2.1", 0 },
	{ "auto rbldnsd by a late directive", IMPORT_AUTO,
	    "192.0.2.1\n192.0.2.2\n$TTL 60\n", "192.0.2.1 192.0.2.2", 0 },
	{ "auto rbldnsd by abbreviation", IMPORT_AUTO,
	    "192.0.2.1\n198.51.100\n", "192.0.2.1 198.51.100.0/24", 0 },
	{ "auto rbldnsd by range", IMPORT_AUTO, "192.0.2.1-2\n",
	    "192.0.2.1 192.0.2.2", 0 },
	{ "auto rbldnsd by value", IMPORT_AUTO,
	    "192.0.2.1 :127.0.0.2:x\n2001:db8::1\n", "192.0.2.1 2001:db8::1",
	    0 },
	{ "auto rbldnsd by glued value", IMPORT_AUTO,
	    "192.0.2.1:127.0.0.2:x\n", "192.0.2.1", 0 },
	{ "auto rbldnsd by exclusion", IMPORT_AUTO,
	    "192.0.2.0/24\n!192.0.2.1\n", "192.0.2.0/24 !192.0.2.1", 0 },
	{ "auto rbldnsd by default line", IMPORT_AUTO,
	    ":127.0.0.2:text\n192.0.2.1\n", "192.0.2.1", 0 },
	{ "auto rbldnsd by partial v6", IMPORT_AUTO, "2001:db8:2\n",
	    "2001:db8:2::/48", 0 },
	{ "auto: rbldnsd makes the mapped form an error", IMPORT_AUTO,
	    "::ffff:192.0.2.1\n192.0.2.2 text\n",
	    "list.txt:1: dotted IPv4 is not allowed", 1 },
	{ "auto plain error", IMPORT_AUTO, "192.0.2.1\nhello\n",
	    "list.txt:2: not an address or CIDR prefix ('hello')", 1 },
};

static void
test_import_table(void **state)
{
	const struct import_case *t;
	struct collect c;
	char err[512];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
		t = &import_cases[i];
		memset(&c, 0, sizeof(c));
		err[0] = 'x';
		err[1] = '\0';
		r = run(t->in, strlen(t->in), t->fmt, &c, err, sizeof(err));
		if (t->fails) {
			if (r != -1 || strstr(err, t->want) == NULL)
				fail_msg("%s: want error '%s', got %d '%s'",
				    t->name, t->want, r, err);
		} else {
			if (r != 0 || strcmp(c.out, t->want) != 0)
				fail_msg("%s: want '%s', got %d '%s' (%s)",
				    t->name, t->want, r, c.out, err);
			if (err[0] != '\0')
				fail_msg("%s: err not cleared", t->name);
		}
	}
}

static void
test_import_line_numbers(void **state)
{
	struct collect c;
	char err[256];
	const char *in = "# one\n\n192.0.2.1\n$TTL 5\n192.0.2.2-3\n";

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(in, strlen(in), IMPORT_AUTO, &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.out, "192.0.2.1 192.0.2.2/31");
	assert_string_equal(c.lines, "3 5");
}

static void
test_import_nul(void **state)
{
	static const char in[] = "192.0.2.1\n192.0\0.2.2\n";
	struct collect c;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(in, sizeof(in) - 1, IMPORT_PLAIN, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "list.txt:2: NUL byte in line");
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(in, sizeof(in) - 1, IMPORT_AUTO, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "list.txt:2: NUL byte in line");
	assert_string_equal(c.out, "");
}

static void
test_import_long_line(void **state)
{
	struct collect c;
	char err[256];
	char *in;
	size_t len;

	(void)state;
	/* 4096 bytes of line are accepted (as a comment)... */
	len = 4096 + 1;
	in = malloc(len + 16);
	assert_non_null(in);
	memset(in, ' ', 4096);
	in[0] = '#';
	in[4096] = '\n';
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(in, len, IMPORT_RBLDNSD, &c, err, sizeof(err)),
	    0);
	/* ... one more is an error, also without a final newline. */
	memset(in, ' ', 4097);
	in[0] = '#';
	memcpy(in + 4097, "\n192.0.2.1\n", 11);
	assert_int_equal(run(in, 4097 + 11, IMPORT_RBLDNSD, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "list.txt:1: line longer than 4096 bytes");
	assert_int_equal(run(in, 4097, IMPORT_AUTO, &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "list.txt:1: line longer than 4096 bytes");
	free(in);
}

static void
test_import_callback_stops(void **state)
{
	struct collect c;
	char err[256];
	const char *in = "192.0.2.1\n192.0.2.2\n192.0.2.3\n";

	(void)state;
	memset(&c, 0, sizeof(c));
	c.refuse_at = 2;
	assert_int_equal(run(in, strlen(in), IMPORT_PLAIN, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "list.txt:2: entry refused ('192.0.2.2')");
	assert_string_equal(c.out, "192.0.2.1");
	assert_int_equal(c.n, 2);
}

static void
test_import_format_parse(void **state)
{
	enum import_format f;

	(void)state;
	assert_int_equal(import_format_parse("auto", &f), 0);
	assert_int_equal(f, IMPORT_AUTO);
	assert_int_equal(import_format_parse("rbldnsd", &f), 0);
	assert_int_equal(f, IMPORT_RBLDNSD);
	assert_int_equal(import_format_parse("plain", &f), 0);
	assert_int_equal(f, IMPORT_PLAIN);
	assert_int_equal(import_format_parse("csv", &f), -1);
	assert_int_equal(import_format_parse("", &f), -1);
	assert_int_equal(import_format_parse("Plain", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_table),
		cmocka_unit_test(test_import_line_numbers),
		cmocka_unit_test(test_import_nul),
		cmocka_unit_test(test_import_long_line),
		cmocka_unit_test(test_import_callback_stops),
		cmocka_unit_test(test_import_format_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
