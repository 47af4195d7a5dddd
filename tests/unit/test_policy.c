/* test_policy.c -- the policy protocol parser, the sender decision, the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/policy_decide.h"
#include "client/policy_dns.h"
#include "client/policy_parse.h"
#include "testutil.h"

#define REQ(s)	s, sizeof(s) - 1

/* A request as Postfix 3.7 sends it at RCPT (abridged, order kept). */
#define PF_HEAD	"request=smtpd_access_policy\nprotocol_state=RCPT\n" \
		"protocol_name=ESMTP\nhelo_name=mx.example.net\n" \
		"queue_id=\n"
#define PF_TAIL	"recipient=postmaster@pf.test\nrecipient_count=0\n" \
		"client_name=unknown\nreverse_client_name=unknown\n" \
		"instance=1a2b.5f0c3d1e.8e6f.0\nsize=0\nccert_subject=\n\n"

static const struct parse_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;		/* policy_parse */
	const char	*sender;	/* expected when rc == 0 */
	const char	*client;	/* NULL: unknown */
	const char	*err;		/* substring of the reason */
} parse_cases[] = {
	{ "postfix null sender", REQ(PF_HEAD "client_address=192.0.2.1\n"
	    "sender=\n" PF_TAIL), 0, "", "192.0.2.1", NULL },
	{ "postfix sender", REQ(PF_HEAD "client_address=192.0.2.1\n"
	    "sender=a@example.net\n" PF_TAIL), 0, "a@example.net",
	    "192.0.2.1", NULL },
	{ "ipv6 client", REQ("sender=\nclient_address=2001:db8::1\n\n"), 0, "",
	    "2001:db8::1", NULL },
	{ "unknown client", REQ("sender=\nclient_address=unknown\n\n"), 0, "",
	    NULL, NULL },
	{ "utf-8 sender", REQ("sender=j\xc3\xb6rg@example.net\n"
	    "client_address=192.0.2.1\n\n"), 0, "j\xc3\xb6rg@example.net",
	    "192.0.2.1", NULL },
	{ "value with '='", REQ("sender=a=b@example.net\n"
	    "client_address=192.0.2.1\nx=1=2\n\n"), 0, "a=b@example.net",
	    "192.0.2.1", NULL },
	/* Hostile and broken. */
	{ "empty request", REQ("\n"), -1, NULL, NULL, "empty" },
	{ "no newline at end", REQ("sender=\nclient_address=1.2.3.4"), -1,
	    NULL, NULL, "newline" },
	{ "line without =", REQ("sender\nclient_address=1.2.3.4\n\n"), -1,
	    NULL, NULL, "without '='" },
	{ "empty name", REQ("=x\nsender=\nclient_address=1.2.3.4\n\n"), -1,
	    NULL, NULL, "empty attribute" },
	{ "CRLF", REQ("sender=\r\nclient_address=1.2.3.4\r\n\r\n"), -1, NULL,
	    NULL, "CR" },
	{ "NUL in value", REQ("sender=a\0b@x\nclient_address=1.2.3.4\n\n"),
	    -1, NULL, NULL, "control" },
	{ "DEL in value", REQ("sender=a\x7f\nclient_address=1.2.3.4\n\n"),
	    -1, NULL, NULL, "control" },
	{ "sender twice", REQ("sender=\nsender=a@b\nclient_address=1.2.3.4\n"
	    "\n"), -1, NULL, NULL, "twice" },
	{ "client twice", REQ("sender=\nclient_address=1.2.3.4\n"
	    "client_address=5.6.7.8\n\n"), -1, NULL, NULL, "twice" },
	{ "no sender", REQ("client_address=1.2.3.4\n\n"), -1, NULL, NULL,
	    "no sender" },
	{ "no client", REQ("sender=\n\n"), -1, NULL, NULL,
	    "no client_address" },
	{ "bad client", REQ("sender=\nclient_address=1.2.3.4.5\n\n"), -1,
	    NULL, NULL, "not an address" },
	{ "client with space", REQ("sender=\nclient_address= 1.2.3.4\n\n"),
	    -1, NULL, NULL, "not an address" },
	{ "octal-looking client", REQ("sender=\nclient_address=01.2.3.4\n\n"),
	    -1, NULL, NULL, "not an address" },
	{ "other request", REQ("request=junk\nsender=\n"
	    "client_address=1.2.3.4\n\n"), -1, NULL, NULL,
	    "smtpd_access_policy" },
	{ "empty line inside", REQ("sender=\n\nclient_address=1.2.3.4\n\n"),
	    -1, NULL, NULL, "empty line" },
	{ "long name", REQ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaa=1\nsender=\nclient_address=1.2.3.4\n\n"), -1,
	    NULL, NULL, "name too long" },
	{ "long state", REQ("protocol_state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAA\nsender=\nclient_address=1.2.3.4\n\n"), -1, NULL,
	    NULL, "protocol_state" },
};

static void
test_parse_table(void **state)
{
	struct policy_request req;
	const struct parse_case *c;
	const char *err;
	struct addr a;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		rc = policy_parse(c->in, c->len, &req, &err);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
			    err ? err : "");
		if (rc == -1) {
			if (err == NULL || strstr(err, c->err) == NULL)
				fail_msg("%s: reason '%s', want '%s'", c->name,
				    err ? err : "(null)", c->err);
			continue;
		}
		assert_string_equal(req.sender, c->sender);
		if (c->client == NULL) {
			assert_int_equal(req.client_unknown, 1);
			assert_int_equal(req.have_client, 0);
		} else {
			a = test_addr(c->client);
			assert_int_equal(req.have_client, 1);
			assert_memory_equal(&req.client, &a, sizeof(a));
		}
	}
}

static void
test_parse_fields(void **state)
{
	static const char in[] = PF_HEAD "client_address=192.0.2.1\n"
	    "sender=\n" PF_TAIL;
	struct policy_request req;
	const char *err;

	(void)state;
	assert_int_equal(policy_parse(in, sizeof(in) - 1, &req, &err), 0);
	assert_string_equal(req.request, "smtpd_access_policy");
	assert_string_equal(req.protocol_state, "RCPT");
	assert_string_equal(req.instance, "1a2b.5f0c3d1e.8e6f.0");
	assert_int_equal(req.nattrs, 14);
}

/* Limits: exactly at the cap passes, one over fails. */
static void
test_parse_limits(void **state)
{
	static char buf[POLICY_REQUEST_MAX + 64];
	struct policy_request req;
	const char *err;
	size_t n = 0, i;

	(void)state;
	n += (size_t)snprintf(buf, sizeof(buf), "sender=");
	for (i = 0; i < POLICY_SENDER_MAX; i++)
		buf[n++] = 'a';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "\nclient_address=1.2.3.4\n\n");
	assert_int_equal(policy_parse(buf, n, &req, &err), 0);
	assert_int_equal(strlen(req.sender), POLICY_SENDER_MAX);
	n = (size_t)snprintf(buf, sizeof(buf), "sender=a");
	for (i = 0; i < POLICY_SENDER_MAX; i++)
		buf[n++] = 'a';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "\nclient_address=1.2.3.4\n\n");
	assert_int_equal(policy_parse(buf, n, &req, &err), -1);
	assert_non_null(strstr(err, "path"));

	/* POLICY_ATTRS_MAX lines pass, one more does not. */
	n = (size_t)snprintf(buf, sizeof(buf), "sender=\n"
	    "client_address=1.2.3.4\n");
	for (i = 2; i < POLICY_ATTRS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "x=%zu\n", i);
	buf[n++] = '\n';
	assert_int_equal(policy_parse(buf, n, &req, &err), 0);
	memmove(buf + 4, buf, n);
	memcpy(buf, "y=1\n", 4);
	assert_int_equal(policy_parse(buf, n + 4, &req, &err), -1);
	assert_non_null(strstr(err, "too many"));
}

static void
test_frame(void **state)
{
	static char big[POLICY_REQUEST_MAX + 10];
	size_t len = 0;

	(void)state;
	assert_int_equal(policy_frame("", 0, &len), 0);
	assert_int_equal(policy_frame("a=b\n", 4, &len), 0);
	assert_int_equal(policy_frame("a=b\n\n", 5, &len), 1);
	assert_int_equal(len, 5);
	/* Two requests back to back: the first one only. */
	assert_int_equal(policy_frame("a=b\n\nc=d\n\n", 10, &len), 1);
	assert_int_equal(len, 5);
	assert_int_equal(policy_frame("\n", 1, &len), 1);
	assert_int_equal(len, 1);
	/* No end within POLICY_REQUEST_MAX: give up, at any length beyond. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(policy_frame(big, POLICY_REQUEST_MAX - 1, &len), 0);
	assert_int_equal(policy_frame(big, POLICY_REQUEST_MAX, &len), -1);
	assert_int_equal(policy_frame(big, sizeof(big), &len), -1);
	/* An end right at the cap is still found. */
	big[POLICY_REQUEST_MAX - 2] = '\n';
	big[POLICY_REQUEST_MAX - 1] = '\n';
	assert_int_equal(policy_frame(big, sizeof(big), &len), 1);
	assert_int_equal(len, POLICY_REQUEST_MAX);
	/* One past it is not. */
	big[POLICY_REQUEST_MAX - 2] = 'x';
	big[POLICY_REQUEST_MAX] = '\n';
	assert_int_equal(policy_frame(big, sizeof(big), &len), -1);
}

static void
test_senders(void **state)
{
	static const struct {
		const char	*sender;
		int		 want;
	} cases[] = {
		{ "", 1 },
		{ "<>", 1 },
		{ "postmaster@example.net", 1 },
		{ "<postmaster@example.net>", 1 },
		{ "PostMaster@Example.NET", 1 },
		{ "postmaster", 1 },
		{ "abuse@example.net", 1 },
		{ "postmaster2@example.net", 0 },
		{ "xpostmaster@example.net", 0 },
		{ "someone@example.net", 0 },
		{ "\"postmaster@x\"@example.net", 0 },
		{ "mailer-daemon@example.net", 0 },
		{ "<", 0 },
		{ "@", 0 },
	};
	struct policy_senders s;
	char err[128];

	(void)state;
	assert_int_equal(policy_senders_parse("postmaster, Abuse", &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.local[1], "abuse");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (policy_sender_wanted(&s, cases[i].sender,
		    strlen(cases[i].sender)) != cases[i].want)
			fail_msg("sender '%s': want %d", cases[i].sender,
			    cases[i].want);
	/* "none": the null sender only. */
	assert_int_equal(policy_senders_parse("none", &s, err, sizeof(err)), 0);
	assert_int_equal(policy_sender_wanted(&s, "", 0), 1);
	assert_int_equal(policy_sender_wanted(&s, REQ("postmaster@x")), 0);
	assert_int_equal(policy_senders_parse("a@b", &s, err, sizeof(err)), -1);
	assert_int_equal(policy_senders_parse(",", &s, err, sizeof(err)), -1);
}

static void
test_states(void **state)
{
	(void)state;
	assert_int_equal(policy_state_has_sender("RCPT"), 1);
	assert_int_equal(policy_state_has_sender("MAIL"), 1);
	assert_int_equal(policy_state_has_sender("END-OF-MESSAGE"), 1);
	/* No sender yet: "sender=" there is not the null sender. */
	assert_int_equal(policy_state_has_sender("CONNECT"), 0);
	assert_int_equal(policy_state_has_sender("EHLO"), 0);
	assert_int_equal(policy_state_has_sender("HELO"), 0);
	assert_int_equal(policy_state_has_sender(""), 0);
	assert_int_equal(policy_state_has_sender("rcpt"), 0);
}

static void
test_a_verdict(void **state)
{
	static const struct {
		uint8_t			a[4];
		enum policy_verdict	want;
	} cases[] = {
		{ { 127, 0, 0, 2 }, POLICY_LISTED },
		{ { 127, 0, 0, 10 }, POLICY_LISTED },
		{ { 127, 1, 2, 3 }, POLICY_LISTED },
		{ { 127, 255, 255, 254 }, POLICY_ERROR },	/* refused */
		{ { 127, 255, 255, 252 }, POLICY_ERROR },
		{ { 10, 0, 0, 2 }, POLICY_ERROR },		/* hijacked */
		{ { 0, 0, 0, 0 }, POLICY_ERROR },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(policy_a_verdict(cases[i].a), cases[i].want);
}

static void
test_merge_and_text(void **state)
{
	struct policy_result acc, one;
	struct addr a = test_addr("192.0.2.1");
	char buf[POLICY_TEXT_MAX + 1], clean[16];

	(void)state;
	policy_result_init(&acc);
	policy_result_init(&one);
	one.verdict = POLICY_NOT_LISTED;
	one.ttl = 300;
	policy_result_merge(&acc, &one);
	assert_int_equal(acc.verdict, POLICY_NOT_LISTED);
	assert_int_equal(acc.ttl, 300);
	one.verdict = POLICY_ERROR;
	one.ttl = 0;
	policy_result_merge(&acc, &one);
	assert_int_equal(acc.verdict, POLICY_ERROR);
	/* A listing wins over an error in another zone. */
	one.verdict = POLICY_LISTED;
	one.ttl = 60;
	snprintf(one.zone, sizeof(one.zone), "bl.test");
	snprintf(one.text, sizeof(one.text), "listed, see url");
	policy_result_merge(&acc, &one);
	assert_int_equal(acc.verdict, POLICY_LISTED);
	assert_string_equal(acc.text, "listed, see url");
	assert_int_equal(acc.ttl, 0);

	/* The TXT when there is one, else our sentence with the URL. */
	assert_int_equal(policy_reply_text(&acc, &a, "http://x/{ip}", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "listed, see url");
	acc.text[0] = '\0';
	assert_int_equal(policy_reply_text(&acc, &a, "http://x/{ip}", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "Backscatter from [192.0.2.1] listed in "
	    "bl.test; see http://x/192.0.2.1");
	assert_int_equal(policy_reply_text(&acc, &a, NULL, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "Backscatter from [192.0.2.1] listed in "
	    "bl.test");
	assert_int_equal(policy_reply_text(&acc, &a, NULL, buf, 10), -1);

	/* Hostile TXT: no control bytes, no '%', cut to size. */
	policy_text_clean("a\r\n%s\xff" "bcdefghijklmnop", 20, clean,
	    sizeof(clean));
	assert_string_equal(clean, "a???s?bcdefghij");
}

static void
test_cache(void **state)
{
	struct policy_cache *c;
	struct policy_result r, out;
	struct addr a = test_addr("192.0.2.1"), b = test_addr("192.0.2.2");

	(void)state;
	assert_non_null(c = policy_cache_new(16));
	policy_result_init(&r);
	r.verdict = POLICY_LISTED;
	r.ttl = 10;
	snprintf(r.zone, sizeof(r.zone), "bl.test");
	assert_int_equal(policy_cache_get(c, &a, 1000, &out), 0);
	policy_cache_put(c, &a, 1000, &r);
	assert_int_equal(policy_cache_get(c, &a, 1000, &out), 1);
	assert_int_equal(out.verdict, POLICY_LISTED);
	assert_int_equal(out.ttl, 10);
	assert_int_equal(policy_cache_get(c, &a, 6000, &out), 1);
	assert_int_equal(out.ttl, 5);
	assert_int_equal(policy_cache_get(c, &b, 1000, &out), 0);
	/* Gone exactly at the end of its TTL. */
	assert_int_equal(policy_cache_get(c, &a, 11000, &out), 0);
	/* Errors and TTL 0 are never kept. */
	r.verdict = POLICY_ERROR;
	policy_cache_put(c, &b, 1000, &r);
	assert_int_equal(policy_cache_get(c, &b, 1000, &out), 0);
	r.verdict = POLICY_NOT_LISTED;
	r.ttl = 0;
	policy_cache_put(c, &b, 1000, &r);
	assert_int_equal(policy_cache_get(c, &b, 1000, &out), 0);
	/* A huge TTL is capped. */
	r.ttl = 0xffffffffU;
	policy_cache_put(c, &b, 0, &r);
	assert_int_equal(policy_cache_get(c, &b, 0, &out), 1);
	assert_int_equal(out.ttl, POLICY_CACHE_TTL_MAX);
	/* Bounded: far more addresses than entries never grows it. */
	for (unsigned int i = 0; i < 10000; i++) {
		struct addr x = test_addr("10.0.0.0");

		x.b[14] = (uint8_t)(i >> 8);
		x.b[15] = (uint8_t)i;
		r.ttl = 100;
		policy_cache_put(c, &x, 0, &r);
	}
	policy_cache_free(c);
	/* Size 0: no caching at all. */
	assert_non_null(c = policy_cache_new(0));
	policy_cache_put(c, &a, 0, &r);
	assert_int_equal(policy_cache_get(c, &a, 0, &out), 0);
	policy_cache_free(c);
	policy_cache_free(NULL);
}

/* An NXDOMAIN answer with an SOA, as `backscatter dns` sends it. */
static const uint8_t nxdomain[] = {
	0x12, 0x34, 0x85, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	/* 9.0.0.127.bl.test A IN */
	1, '9', 1, '0', 1, '0', 3, '1', '2', '7', 2, 'b', 'l', 4, 't', 'e',
	's', 't', 0, 0x00, 0x01, 0x00, 0x01,
	/* bl.test SOA, TTL 3600: a pointer to offset 22 ("bl.test") */
	0xc0, 0x16, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
	0x00, 0x18,
	0xc0, 0x16, 0xc0, 0x16,			/* mname, rname */
	0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x09, 0x3a, 0x80,
	0, 0, 0x01, 0x2c,			/* minimum 300 */
};

static void
test_negative_ttl(void **state)
{
	uint8_t buf[sizeof(nxdomain)];
	uint32_t ttl = 0;

	(void)state;
	assert_int_equal(policy_dns_negative_ttl(nxdomain, sizeof(nxdomain),
	    &ttl), 1);
	assert_int_equal(ttl, 300);
	/* The SOA's own TTL when it is smaller. */
	memcpy(buf, nxdomain, sizeof(buf));
	buf[43] = 0x00;
	buf[44] = 0x3c;		/* TTL 60 */
	assert_int_equal(policy_dns_negative_ttl(buf, sizeof(buf), &ttl), 1);
	assert_int_equal(ttl, 60);
	/* Every truncation is malformed, never a read past the end. */
	for (size_t n = 0; n < sizeof(nxdomain); n++)
		assert_int_equal(policy_dns_negative_ttl(nxdomain, n, &ttl),
		    -1);
	/* No authority record: nothing to say. */
	memcpy(buf, nxdomain, sizeof(buf));
	buf[9] = 0;
	assert_int_equal(policy_dns_negative_ttl(buf, 35, &ttl), 0);
	/* A label running past the end. */
	memcpy(buf, nxdomain, sizeof(buf));
	buf[12] = 63;
	assert_int_equal(policy_dns_negative_ttl(buf, sizeof(buf), &ttl), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_senders),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_a_verdict),
		cmocka_unit_test(test_merge_and_text),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_negative_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
