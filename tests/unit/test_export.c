/* test_export.c -- every export format against a real temporary store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "listio/export.h"
#include "store/store.h"

#define DAY		86400
#define T0		1700000000	/* 2023-11-14T22:13:20Z */
#define NOW		(T0 + 3600)
#define EXCL_MANY	200

struct fixture {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
	char		*out;		/* the last export (open_memstream) */
	size_t		 outlen;
	char		 err[256];
};

static void
add(struct fixture *f, const char *s, int64_t t, int64_t ttl,
    const char *reason)
{
	struct prefix p = test_prefix(s);

	if (store_list_add(f->s, &p, t, ttl, reason, "test") == -1)
		fail_msg("list add %s: %s", s, store_errmsg(f->s));
}

static void
exclude(struct fixture *f, const char *s)
{
	struct prefix p = test_prefix(s);

	if (store_exclude_add(f->s, &p, T0, "test", "test") == -1)
		fail_msg("exclude add %s: %s", s, store_errmsg(f->s));
}

static int
setup_empty(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_config c;
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bs-export-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	memset(&c, 0, sizeof(c));
	c.path = f->path;
	c.busy_timeout_ms = 1000;
	c.ttl = 28 * DAY;
	c.min_hits = 1;
	c.window = 28 * DAY;
	f->s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err));
	if (f->s == NULL)
		fail_msg("store_open: %s", err);
	*state = f;
	return 0;
}

/*
 * Nested IPv4 listings (a /24 and a host in it), a /24 with an
 * exclusion inside, a /26, IPv6 host, /64 with an exclusion, a /62, a
 * manual listing that never expires, and three that must not appear: a
 * delisted one, an expired one, and one inside an exclusion.
 */
static int
setup(void **state)
{
	struct fixture *f;
	struct prefix p;

	setup_empty(state);
	f = *state;
	add(f, "192.0.2.0/24", T0, 28 * DAY, "");
	add(f, "192.0.2.1", T0, 28 * DAY, "first");
	add(f, "198.51.100.0/24", T0, 28 * DAY, "say \"hi\", ok");
	add(f, "203.0.113.0/26", T0, STORE_NEVER, "");
	add(f, "2001:db8::1", T0, 28 * DAY, "");
	add(f, "2001:db8:1::/64", T0, 28 * DAY, "");
	add(f, "2001:db8:4::/62", T0, 28 * DAY, "");
	add(f, "203.0.113.200", T0, 28 * DAY, "delisted");
	p = test_prefix("203.0.113.200");
	assert_int_equal(store_list_del(f->s, &p, T0 + 1, "operator", "x",
	    "test"), 1);
	add(f, "203.0.113.201", T0 - 100, 50, "expired");
	exclude(f, "198.51.100.7");
	exclude(f, "2001:db8:1::5");
	add(f, "2001:db8:9::1", T0, 28 * DAY, "excluded later");
	exclude(f, "2001:db8:9::/48");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	free(f->out);
	if (test_rmdir(f->dir) == -1)
		return -1;
	free(f);
	return 0;
}

static struct export_opts
opts_default(void)
{
	struct export_opts o;

	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.zone = "bl.test";
	o.answer = "127.0.0.2";
	o.ttl = 2100;
	o.txt = "{ip} listed since {since} ({class}): {url}";
	o.lookup_url = "https://bl.test/lookup?ip={ip}";
	o.serial = 42;
	return o;
}

/* Runs an export into f->out. Returns export_write's result. */
static int
run(struct fixture *f, enum export_format fmt, const struct export_opts *o)
{
	FILE *mem;
	int r;

	free(f->out);
	f->out = NULL;
	mem = open_memstream(&f->out, &f->outlen);
	assert_non_null(mem);
	f->err[0] = 'x';
	r = export_write(f->s, fmt, o, mem, f->err, sizeof(f->err));
	assert_int_equal(fclose(mem), 0);
	return r;
}

static void
has(const struct fixture *f, const char *want)
{
	if (strstr(f->out, want) == NULL)
		fail_msg("missing '%s' in:\n%s", want, f->out);
}

static void
hasnt(const struct fixture *f, const char *want)
{
	if (strstr(f->out, want) != NULL)
		fail_msg("unexpected '%s' in:\n%s", want, f->out);
}

/* Where want starts in the output, for order checks. */
static size_t
at(const struct fixture *f, const char *want)
{
	const char *p = strstr(f->out, want);

	if (p == NULL)
		fail_msg("missing '%s' in:\n%s", want, f->out);
	return (size_t)(p - f->out);
}

static size_t
count(const struct fixture *f, const char *needle)
{
	size_t n = 0;
	const char *p = f->out;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void
test_format_parse(void **state)
{
	static const struct {
		const char		*name;
		enum export_format	 fmt;
	} ok[] = {
		{ "rbldnsd", EXPORT_RBLDNSD }, { "bind", EXPORT_BIND },
		{ "postfix", EXPORT_POSTFIX }, { "csv", EXPORT_CSV },
		{ "json", EXPORT_JSON },
	};
	static const char *const bad[] = { "", "RBLDNSD", "tinydns", "csv ",
	    "jsonx" };
	enum export_format fmt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(export_format_parse(ok[i].name, &fmt), 0);
		assert_int_equal(fmt, ok[i].fmt);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(export_format_parse(bad[i], &fmt), -1);
	assert_int_equal(export_format_parse(NULL, &fmt), -1);
}

static void
test_rbldnsd(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), 0);
	assert_string_equal(f->err, "");
	has(f, "# backscatter ");
	has(f, "serial 42, made 2023-11-14T23:13:20Z\n");
	has(f, "\n$TTL 2100\n");
	has(f, "\n192.0.2.0/24 :127.0.0.2:192.0.2.0/24 listed since "
	    "2023-11-14 (manual): https://bl.test/lookup?ip=192.0.2.0/24\n");
	has(f, "\n192.0.2.1 :127.0.0.2:192.0.2.1 listed since 2023-11-14 "
	    "(manual): https://bl.test/lookup?ip=192.0.2.1\n");
	has(f, "\n!198.51.100.7\n");
	has(f, "\n203.0.113.0/26 :127.0.0.2:");
	has(f, "\n2001:db8::1 :127.0.0.2:2001:db8::1 listed");
	has(f, "\n2001:db8:1::/64 :127.0.0.2:");
	has(f, "\n2001:db8:4::/62 :127.0.0.2:");
	has(f, "\n!2001:db8:1::5\n");
	has(f, "\n!2001:db8:9::/48\n");
	hasnt(f, "203.0.113.200");
	hasnt(f, "203.0.113.201");
	hasnt(f, "2001:db8:9::1");
	/* IPv4 entries in the ip4set section, IPv6 in the ip6trie one. */
	assert_true(at(f, "$TTL") <
	    at(f, "\n$DATASET ip4set:backscatter4 @\n"));
	assert_true(at(f, "$DATASET ip4set") < at(f, "\n192.0.2.1 "));
	assert_true(at(f, "\n203.0.113.0/26") <
	    at(f, "\n$DATASET ip6trie:backscatter6 @\n"));
	assert_true(at(f, "$DATASET ip6trie") < at(f, "\n2001:db8::1 "));
	assert_true(at(f, "$DATASET ip6trie") < at(f, "\n!2001:db8:1::5"));
	assert_true(at(f, "!198.51.100.7") < at(f, "$DATASET ip6trie"));
}

static void
test_rbldnsd_dollar_and_empty_txt(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	/* rbldnsd reads "$" as the address and "$1" as a variable. */
	o.txt = "costs $5, see $1 {ip}";
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), 0);
	has(f, "\n192.0.2.1 :127.0.0.2:costs $$5, see $$1 192.0.2.1\n");
	/* No template: the second colon with nothing after it, no TXT. */
	o.txt = "";
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), 0);
	has(f, "\n192.0.2.1 :127.0.0.2:\n");
}

static void
test_rbldnsd_txt_limits(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();
	char tmpl[300];

	/* 200 dollars fit a TXT but not rbldnsd's template once doubled. */
	memset(tmpl, '$', 200);
	tmpl[200] = '\0';
	o.txt = tmpl;
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), -1);
	assert_non_null(strstr(f->err, "exceeds rbldnsd's 255 bytes"));
	/* Past 255 bytes it is no TXT at all, in any format. */
	memset(tmpl, 'x', 260);
	tmpl[260] = '\0';
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_non_null(strstr(f->err, "does not render or fit 255 bytes"));
	o.txt = "{nosuch}";
	assert_int_equal(run(f, EXPORT_POSTFIX, &o), -1);
	assert_non_null(strstr(f->err, "does not render"));
	o.txt = "tab\there";
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), -1);
	assert_non_null(strstr(f->err, "control character"));
}

static void
test_bind(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();
	const char *v6 = "\n1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2\tIN\tA\t";

	o.txt = "\"{ip}\" \\ {class}";
	assert_int_equal(run(f, EXPORT_BIND, &o), 0);
	assert_string_equal(f->err, "");
	has(f, "\n$ORIGIN bl.test.\n$TTL 2100\n");
	has(f, "\n@\tIN\tSOA\tns.bl.test. hostmaster.bl.test. "
	    "( 42 3600 600 604800 2100 )\n");
	has(f, "\n@\tIN\tNS\tns.bl.test.\n");
	/* RFC 5782 5 test points. */
	has(f, "\n2.0.0.127\tIN\tA\t127.0.0.2\n");
	has(f, "\n2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0\tIN\tA\t127.0.0.2\n");
	hasnt(f, "\n1.0.0.127\t");
	/* The host answers for itself, quoted per RFC 1035 5.1 ... */
	has(f, "\n1.2.0.192\tIN\tA\t127.0.0.2\n"
	    "1.2.0.192\tIN\tTXT\t\"\\\"192.0.2.1\\\" \\\\ manual\"\n");
	/* ... and the /24 around it is split so that no wildcard hides it. */
	hasnt(f, "*.2.0.192");
	has(f, "\n0.2.0.192\tIN\tTXT\t\"\\\"192.0.2.0/24\\\" \\\\ manual\"\n");
	has(f, "\n255.2.0.192\tIN\tA\t");
	assert_int_equal(count(f, ".2.0.192\tIN\tA\t"), 256);
	/* 198.51.100.0/24 minus .7: 255 hosts, no wildcard. */
	hasnt(f, "*.100.51.198");
	hasnt(f, "\n7.100.51.198\t");
	has(f, "\n6.100.51.198\tIN\tA\t");
	has(f, "\n8.100.51.198\tIN\tA\t");
	assert_int_equal(count(f, ".100.51.198\tIN\tA\t"), 255);
	/* A /26 is 64 host names. */
	assert_int_equal(count(f, ".113.0.203\tIN\tA\t"), 64);
	has(f, "\n63.113.0.203\tIN\tA\t");
	hasnt(f, "\n64.113.0.203\t");
	hasnt(f, "\n200.113.0.203\t");
	hasnt(f, "\n201.113.0.203\t");
	/* IPv6: a host; a /64 minus one host; a /62 as four /64s. */
	has(f, v6);
	has(f, "\n*.0.0.0.0.4.0.0.0.8.b.d.0.1.0.0.2\tIN\tA\t");
	has(f, "\n*.3.0.0.0.4.0.0.0.8.b.d.0.1.0.0.2\tIN\tA\t");
	hasnt(f, "*.4.0.0.0.4.0.0.0.8.b.d.0.1.0.0.2");
	hasnt(f, "*.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2");
	hasnt(f, "\n5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d."
	    "0.1.0.0.2\t");
	has(f, "\n4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d."
	    "0.1.0.0.2\tIN\tA\t");
	has(f, "\n*.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2\t");
	hasnt(f, "9.0.0.0.8.b.d.0.1.0.0.2");
}

static void
test_bind_refuses(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	o.serial = (uint64_t)UINT32_MAX + 1;
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_non_null(strstr(f->err, "32-bit SOA serial"));
	o = opts_default();
	o.zone = "bl test";
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_non_null(strstr(f->err, "dns.zone 'bl test'"));
	o.zone = "bl.test.";
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), -1);
	o.zone = "bl..test";
	assert_int_equal(run(f, EXPORT_POSTFIX, &o), -1);
	o = opts_default();
	o.answer = "::1";
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_non_null(strstr(f->err, "dns.answer '::1'"));
	o.answer = "127.0.0.2 ";
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), -1);
	o = opts_default();
	o.ttl = -1;
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_non_null(strstr(f->err, "dns.ttl"));
}

static void
test_bind_split_max(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();
	char buf[32];
	int i;

	/* One /32 hole per /16 costs about 510 records; 200 pass the cap. */
	add(f, "10.0.0.0/8", T0, 28 * DAY, "");
	for (i = 0; i < EXCL_MANY; i++) {
		snprintf(buf, sizeof(buf), "10.%d.0.1", i);
		exclude(f, buf);
	}
	assert_int_equal(run(f, EXPORT_BIND, &o), -1);
	assert_string_equal(f->err, "export: 10.0.0.0/8 needs more than "
	    "65536 records in a zone file");
	/* The other formats carve holes without splitting. */
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), 0);
	has(f, "\n10.0.0.0/8 :127.0.0.2:");
	has(f, "\n!10.199.0.1\n");
}

static void
test_postfix(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	assert_int_equal(run(f, EXPORT_POSTFIX, &o), 0);
	has(f, "restriction");
	has(f, "check_sender_access inline:{<>=backscatter, "
	    "postmaster@=backscatter}");
	has(f, "\n198.51.100.7\tDUNNO\n");
	has(f, "\n2001:db8:1::5\tDUNNO\n");
	has(f, "\n192.0.2.1\t550 5.7.1 192.0.2.1 listed since 2023-11-14 "
	    "(manual): https://bl.test/lookup?ip=192.0.2.1\n");
	has(f, "\n2001:db8:4::/62\t550 5.7.1 ");
	/* First match wins: every DUNNO comes before any rejection. */
	assert_true(at(f, "DUNNO") < at(f, "\t550 "));
	assert_true(at(f, "2001:db8:9::/48\tDUNNO") < at(f, "\t550 "));
	hasnt(f, "2001:db8:9::1\t");
	hasnt(f, "203.0.113.200");
	o.txt = "";
	assert_int_equal(run(f, EXPORT_POSTFIX, &o), 0);
	has(f, "\n192.0.2.1\t550 5.7.1 Listed in bl.test\n");
}

static void
test_csv(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	assert_int_equal(run(f, EXPORT_CSV, &o), 0);
	assert_int_equal(strncmp(f->out, "address,state,listed_since,"
	    "first_seen,last_seen,expires,hits,classes,times_listed,"
	    "reason\r\n", 81), 0);
	has(f, "\r\n192.0.2.1,listed,2023-11-14T22:13:20Z,"
	    "2023-11-14T22:13:20Z,2023-11-14T22:13:20Z,2023-12-12T22:13:20Z,"
	    "0,manual,1,first\r\n");
	/* RFC 4180 quoting. */
	has(f, "\r\n198.51.100.0/24,listed,");
	has(f, ",manual,1,\"say \"\"hi\"\", ok\"\r\n");
	/* Never expires: an empty field. */
	has(f, "\r\n203.0.113.0/26,listed,2023-11-14T22:13:20Z,"
	    "2023-11-14T22:13:20Z,2023-11-14T22:13:20Z,,0,manual,1,\r\n");
	has(f, "\r\n2001:db8::1,listed,");
	hasnt(f, "203.0.113.200");
	hasnt(f, "203.0.113.201");
	hasnt(f, "2001:db8:9::1,");
	assert_int_equal(count(f, "\r\n"), 1 + 7);
}

static void
test_json(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	assert_int_equal(run(f, EXPORT_JSON, &o), 0);
	assert_int_equal(f->out[0], '[');
	assert_string_equal(f->out + f->outlen - 3, "\n]\n");
	has(f, "{\"address\":\"192.0.2.1\",\"state\":\"listed\","
	    "\"listed_since\":\"2023-11-14T22:13:20Z\","
	    "\"first_seen\":\"2023-11-14T22:13:20Z\","
	    "\"last_seen\":\"2023-11-14T22:13:20Z\","
	    "\"expires\":\"2023-12-12T22:13:20Z\",\"hits\":0,"
	    "\"classes\":[\"manual\"],\"times_listed\":1,"
	    "\"reason\":\"first\"}");
	has(f, "\"reason\":\"say \\\"hi\\\", ok\"}");
	has(f, "{\"address\":\"203.0.113.0/26\"");
	has(f, "\"expires\":null,");
	has(f, "\"address\":\"2001:db8:4::/62\"");
	hasnt(f, "203.0.113.200");
	assert_int_equal(count(f, "{\"address\""), 7);
	assert_int_equal(count(f, "},\n{"), 6);
}

static void
test_empty_store(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();

	assert_int_equal(run(f, EXPORT_JSON, &o), 0);
	assert_string_equal(f->out, "[\n]\n");
	assert_int_equal(run(f, EXPORT_CSV, &o), 0);
	assert_int_equal(count(f, "\r\n"), 1);
	assert_int_equal(run(f, EXPORT_RBLDNSD, &o), 0);
	has(f, "$DATASET ip4set:backscatter4 @\n\n$DATASET ip6trie");
	assert_int_equal(run(f, EXPORT_BIND, &o), 0);
	has(f, "\n2.0.0.127\tIN\tA\t127.0.0.2\n");
	assert_int_equal(run(f, EXPORT_POSTFIX, &o), 0);
	hasnt(f, "\t550 ");
}

static void
test_write_error(void **state)
{
	struct fixture *f = *state;
	struct export_opts o = opts_default();
	FILE *full;

	full = fopen("/dev/full", "w");
	if (full == NULL)
		skip();
	assert_int_equal(export_write(f->s, EXPORT_RBLDNSD, &o, full, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "write error"));
	fclose(full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test_setup_teardown(test_rbldnsd, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rbldnsd_dollar_and_empty_txt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rbldnsd_txt_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_split_max,
		    setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_postfix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_store, setup_empty,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
