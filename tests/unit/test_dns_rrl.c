/* test_dns_rrl.c -- response rate limiting: buckets, refill, networks, slip, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "dns/dns_rrl.h"
#include "dns/dns_wire.h"

/* A time well inside the stamp's range, and one just before it wraps. */
#define T0		1000000
#define T_WRAP		((1 << 24) - 50)

static struct sockaddr_storage
sa(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return ss;
}

static enum dns_rrl_verdict
check(struct dns_rrl *r, struct dns_rrl_counters *c, const char *addr,
    int64_t now)
{
	struct sockaddr_storage ss = sa(addr);

	return dns_rrl_check(r, c, (struct sockaddr *)&ss, now);
}

/* Answers until the first limited one; how many passed (at most max). */
static int
passes(struct dns_rrl *r, struct dns_rrl_counters *c, const char *addr,
    int64_t now, int max)
{
	int n = 0;

	while (n < max && check(r, c, addr, now) == DNS_RRL_PASS)
		n++;
	return n;
}

static struct dns_rrl *
rrl(unsigned int rate, unsigned int burst, unsigned int slip)
{
	struct dns_rrl_config cfg = { rate, burst, slip, 24, 56 };
	struct dns_rrl *r = dns_rrl_new(&cfg);

	assert_non_null(r);
	return r;
}

static void
test_off(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(0, 0, 2);

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(passes(r, &c, "192.0.2.1", T0, 100000), 100000);
	assert_int_equal(check(NULL, &c, "192.0.2.1", T0), DNS_RRL_PASS);
	assert_int_equal(c.limited, 0);
	dns_rrl_free(r);
	dns_rrl_free(NULL);
}

static void
test_burst_and_refill(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(10, 0, 0);

	(void)state;
	memset(&c, 0, sizeof(c));
	/* burst 0: the same as the rate. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0, 1000), 10);
	assert_int_equal(check(r, &c, "192.0.2.1", T0 + 99), DNS_RRL_DROP);
	/* 100 ms at 10 a second: one token. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0 + 100, 1000), 1);
	/* Half a token twice: the fraction is kept, not lost. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0 + 150, 1000), 0);
	assert_int_equal(passes(r, &c, "192.0.2.1", T0 + 200, 1000), 1);
	/* A long pause fills the bucket, no more. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0 + 60000, 1000), 10);
	/* passes() ends on one limited response each time. */
	assert_int_equal(c.limited, 6);
	assert_int_equal(c.dropped, 6);
	assert_int_equal(c.slipped, 0);
	dns_rrl_free(r);

	r = rrl(10, 50, 0);
	assert_int_equal(passes(r, &c, "192.0.2.1", T0, 1000), 50);
	assert_int_equal(passes(r, &c, "192.0.2.1", T0 + 1000, 1000), 10);
	dns_rrl_free(r);
}

static void
test_steady_rate(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(100, 0, 0);
	int n = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* One query every 3 ms for 10 s: 100 a second plus the burst. */
	for (int64_t t = 0; t < 10000; t += 3)
		n += check(r, &c, "198.51.100.7", T0 + t) == DNS_RRL_PASS;
	assert_in_range(n, 1000, 1100);
	dns_rrl_free(r);
}

static void
test_networks(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(5, 0, 0);

	(void)state;
	memset(&c, 0, sizeof(c));
	/* One /24 shares one bucket. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0, 100), 5);
	assert_int_equal(passes(r, &c, "192.0.2.200", T0, 100), 0);
	/* The next /24 has its own. */
	assert_int_equal(passes(r, &c, "192.0.3.1", T0, 100), 5);
	/* IPv6: one /56 shares (byte 7 is inside it, byte 8 not). */
	assert_int_equal(passes(r, &c, "2001:db8:1:200::1", T0, 100), 5);
	assert_int_equal(passes(r, &c, "2001:db8:1:2ff:ffff::9", T0, 100), 0);
	assert_int_equal(passes(r, &c, "2001:db8:1:300::1", T0, 100), 5);
	/* ::/0 and 0.0.0.0/0 are different networks. */
	dns_rrl_free(r);
	{
		struct dns_rrl_config cfg = { 3, 0, 0, 0, 0 };

		r = dns_rrl_new(&cfg);
		assert_non_null(r);
		assert_int_equal(passes(r, &c, "192.0.2.1", T0, 100), 3);
		assert_int_equal(passes(r, &c, "203.0.113.1", T0, 100), 0);
		assert_int_equal(passes(r, &c, "2001:db8::1", T0, 100), 3);
		assert_int_equal(passes(r, &c, "::", T0, 100), 0);
		dns_rrl_free(r);
	}
	{
		/* Host prefixes: every address its own. */
		struct dns_rrl_config cfg = { 3, 0, 0, 32, 128 };

		r = dns_rrl_new(&cfg);
		assert_non_null(r);
		assert_int_equal(passes(r, &c, "192.0.2.1", T0, 100), 3);
		assert_int_equal(passes(r, &c, "192.0.2.2", T0, 100), 3);
		assert_int_equal(passes(r, &c, "2001:db8::1", T0, 100), 3);
		assert_int_equal(passes(r, &c, "2001:db8::2", T0, 100), 3);
		dns_rrl_free(r);
	}
	/* Another family is never limited. */
	{
		struct sockaddr_storage ss;

		r = rrl(1, 0, 0);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNIX;
		for (int i = 0; i < 10; i++)
			assert_int_equal(dns_rrl_check(r, &c,
			    (struct sockaddr *)&ss, T0), DNS_RRL_PASS);
		dns_rrl_free(r);
	}
}

static void
test_slip(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(2, 0, 2);
	int slips = 0, drops = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* Every second limited response slips, starting with the first. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T0, 10), 2);
	assert_int_equal(c.slipped, 1);
	for (int i = 0; i < 10; i++) {
		enum dns_rrl_verdict v = check(r, &c, "192.0.2.1", T0);

		assert_int_equal(v, i % 2 == 0 ? DNS_RRL_DROP : DNS_RRL_SLIP);
		slips += v == DNS_RRL_SLIP;
		drops += v == DNS_RRL_DROP;
	}
	assert_int_equal(c.limited, 11);
	assert_int_equal(c.slipped, (uint64_t)slips + 1);
	assert_int_equal(c.dropped, (uint64_t)drops);
	dns_rrl_free(r);

	/* slip = 1: every limited response is a TC answer, none dropped. */
	r = rrl(1, 0, 1);
	memset(&c, 0, sizeof(c));
	(void)passes(r, &c, "192.0.2.1", T0, 10);
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(r, &c, "192.0.2.1", T0), DNS_RRL_SLIP);
	assert_int_equal(c.dropped, 0);
	dns_rrl_free(r);
}

/* The stamp is 24 bits of milliseconds: time goes on across the wrap. */
static void
test_wrap(void **state)
{
	struct dns_rrl_counters c;
	struct dns_rrl *r = rrl(10, 0, 0);

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(passes(r, &c, "192.0.2.1", T_WRAP, 100), 10);
	/* 100 ms later, past the wrap: one token, not a full bucket. */
	assert_int_equal(passes(r, &c, "192.0.2.1", T_WRAP + 100, 100), 1);
	assert_int_equal(passes(r, &c, "192.0.2.1", T_WRAP + 5000, 100), 10);
	dns_rrl_free(r);
}

struct race {
	struct dns_rrl		*r;
	struct dns_rrl_counters	 c;
	int			 passed;
};

static void *
race_run(void *arg)
{
	struct race *x = arg;
	struct sockaddr_storage ss = sa("192.0.2.9");

	for (int i = 0; i < 200000; i++)
		x->passed += dns_rrl_check(x->r, &x->c,
		    (struct sockaddr *)&ss, T0) == DNS_RRL_PASS;
	return NULL;
}

/* Two workers on one bucket at one instant: exactly burst tokens go. */
static void
test_race(void **state)
{
	struct race x[2];
	pthread_t t[2];
	struct dns_rrl *r = rrl(1000, 60000, 0);

	(void)state;
	memset(x, 0, sizeof(x));
	for (int i = 0; i < 2; i++) {
		x[i].r = r;
		assert_int_equal(pthread_create(&t[i], NULL, race_run, &x[i]),
		    0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(x[0].passed + x[1].passed, 60000);
	assert_int_equal(x[0].c.limited + x[1].c.limited, 400000 - 60000);
	dns_rrl_free(r);
}

/* A response: header, question 2.0.0.127.bl.test A, one answer, OPT. */
static const uint8_t resp[] = {
	0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	1, '2', 1, '0', 1, '0', 3, '1', '2', '7', 2, 'b', 'l', 4, 't', 'e',
	's', 't', 0, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x08, 0x34, 0x00, 0x04,
	127, 0, 0, 2,
	0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
};
#define RESP_QEND	(12 + 19 + 4)

static void
test_truncate(void **state)
{
	uint8_t m[sizeof(resp)];
	size_t n;

	(void)state;
	memcpy(m, resp, sizeof(resp));
	n = dns_rrl_truncate(m, sizeof(m));
	assert_int_equal(n, RESP_QEND);
	/* Same id, QR and AA kept, TC set; one question, nothing else. */
	assert_memory_equal(m, "\x12\x34\x86\x00\x00\x01\x00\x00\x00\x00"
	    "\x00\x00", 12);
	assert_memory_equal(m + 12, resp + 12, RESP_QEND - 12);

	/* Hostile or odd: each gives 0 and sends nothing. */
	memcpy(m, resp, sizeof(resp));
	assert_int_equal(dns_rrl_truncate(m, 11), 0);
	assert_int_equal(dns_rrl_truncate(m, RESP_QEND - 1), 0);
	assert_int_equal(dns_rrl_truncate(m, 14), 0);
	m[5] = 0;				/* no question */
	assert_int_equal(dns_rrl_truncate(m, sizeof(m)), 0);
	m[5] = 2;				/* two questions */
	assert_int_equal(dns_rrl_truncate(m, sizeof(m)), 0);
	memcpy(m, resp, sizeof(resp));
	m[12] = 0xc0;				/* a pointer */
	assert_int_equal(dns_rrl_truncate(m, sizeof(m)), 0);
	memcpy(m, resp, sizeof(resp));
	m[12] = 60;				/* a label past the end */
	assert_int_equal(dns_rrl_truncate(m, sizeof(m)), 0);
	/* The root as the question name. */
	{
		uint8_t root[] = { 0, 1, 0x84, 0, 0, 1, 0, 0, 0, 1, 0, 0,
		    0, 0, 6, 0, 1, 0xff, 0xff };

		assert_int_equal(dns_rrl_truncate(root, sizeof(root)), 17);
		assert_int_equal(root[2] & 0x02, 0x02);
		assert_int_equal(root[9], 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_steady_rate),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_slip),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
