/* test_dns_answer.c -- DNSBL answers: policy, wire format, hostile queries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "dns/dns_answer.h"
#include "dns/dns_wire.h"
#include "store/store.h"
#include "zone/zone.h"
#include "testutil.h"

/* 2026-01-02 03:04:05 UTC. */
#define T_NOW		1767323045LL
#define T_SINCE		(T_NOW - 86400)
/* 198.51.100.7 expires exactly here. */
#define T_EXPIRES	(T_NOW + 3600)
/* The SOA carries the low 32 bits: 7. */
#define T_SERIAL	0x100000007ULL
#define T_ID		0xbeef
#define T_ZONE		"bl.example.org"
#define T_RESP_MAX	DNS_TCP_MAX
#define T_RR_MAX	32

#define TYPE_MX		15

/*
 * The source is the designed seam between the answer policy and the
 * zone: here a table, with zone_lookup's rule (the most specific active
 * listing, now < expires) and zone_intersects' (any listing, active or
 * not, inside the prefix or covering it).
 */
struct test_source {
	const struct zone_listing	*l;
	size_t				 n;
};

static int
src_lookup(void *arg, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	const struct test_source *s = arg;
	const struct zone_listing *best = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (prefix_contains(&s->l[i].prefix, a) &&
		    now < s->l[i].expires &&
		    (best == NULL || s->l[i].prefix.len > best->prefix.len))
			best = &s->l[i];
	if (best == NULL)
		return 0;
	*out = *best;
	return 1;
}

static int
src_intersects(void *arg, const struct prefix *p)
{
	const struct test_source *s = arg;

	for (size_t i = 0; i < s->n; i++)
		if (prefix_covers(p, &s->l[i].prefix) ||
		    prefix_covers(&s->l[i].prefix, p))
			return 1;
	return 0;
}

static const struct {
	const char	*prefix;
	int64_t		 expires;
	unsigned int	 classes;
} test_table[] = {
	{ "192.0.2.0/24", STORE_NEVER,
	    HIT_CLASS_BIT(HIT_BOUNCE) | HIT_CLASS_BIT(HIT_CALLOUT) },
	{ "198.51.100.7", T_EXPIRES, HIT_CLASS_BIT(HIT_AUTOREPLY) },
	{ "2001:db8::1", STORE_NEVER, HIT_CLASS_BIT(HIT_MANUAL) },
	/* Expired but not yet swept: still makes empty non-terminals. */
	{ "203.0.113.0/24", T_NOW - 1, HIT_CLASS_BIT(HIT_BOUNCE) },
};
#define TEST_NLISTINGS	(sizeof(test_table) / sizeof(test_table[0]))

static struct zone_listing	test_listings[TEST_NLISTINGS];
static struct test_source	test_src_data;
static struct dns_source	test_src;
static struct dns_zone		test_zone;

static void
setup_source(const struct zone_listing *l, size_t n)
{
	test_src_data.l = l;
	test_src_data.n = n;
	test_src.lookup = src_lookup;
	test_src.intersects = src_intersects;
	test_src.arg = &test_src_data;
}

static int
setup(void **state)
{
	char err[128];

	(void)state;
	for (size_t i = 0; i < TEST_NLISTINGS; i++) {
		struct zone_listing *l = &test_listings[i];

		memset(l, 0, sizeof(*l));
		assert_int_equal(prefix_parse(test_table[i].prefix,
		    strlen(test_table[i].prefix), &l->prefix), 0);
		l->listed_since = T_SINCE;
		l->last_seen = T_NOW;
		l->expires = test_table[i].expires;
		l->classes = test_table[i].classes;
	}
	setup_source(test_listings, TEST_NLISTINGS);
	assert_int_equal(dns_zone_init(&test_zone, T_ZONE, err, sizeof(err)),
	    0);
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A dotted name as labels, case kept, no checks; "" is the root. */
static size_t
name_wire(const char *name, uint8_t *out)
{
	size_t off = 0, l;

	while (*name != '\0') {
		l = strcspn(name, ".");
		out[off++] = (uint8_t)l;
		memcpy(out + off, name, l);
		off += l;
		name += l;
		if (*name == '.')
			name++;
	}
	out[off++] = 0;
	return off;
}

/* A query to build. */
struct tq {
	const char	*name;
	uint16_t	 qtype;
	uint16_t	 qclass;	/* 0: IN */
	uint16_t	 flags;		/* the header's second word */
	int		 edns;
	uint16_t	 udpsize;
	uint8_t		 version;
	int		 dobit;
};

static size_t
tq_build(const struct tq *t, uint8_t *buf)
{
	size_t off = DNS_HEADER_LEN;

	memset(buf, 0, DNS_HEADER_LEN);
	put16(buf, T_ID);
	put16(buf + 2, t->flags);
	put16(buf + 4, 1);
	put16(buf + 10, t->edns ? 1 : 0);
	off += name_wire(t->name, buf + off);
	put16(buf + off, t->qtype);
	put16(buf + off + 2, t->qclass != 0 ? t->qclass : DNS_CLASS_IN);
	off += 4;
	if (t->edns) {
		buf[off++] = 0;
		put16(buf + off, DNS_TYPE_OPT);
		put16(buf + off + 2, t->udpsize);
		buf[off + 4] = 0;
		buf[off + 5] = t->version;
		put16(buf + off + 6, t->dobit ? DNS_EDNS_DO : 0);
		put16(buf + off + 8, 0);
		off += 10;
	}
	return off;
}

/* A response taken apart, without trusting it. */
struct trr {
	int		 section;	/* 1 AN, 2 NS, 3 AR */
	size_t		 owner;		/* offset of the owner */
	uint16_t	 type, klass;
	uint32_t	 ttl;
	size_t		 rdata;		/* offset of RDATA */
	uint16_t	 rdlen;
};

struct tresp {
	const uint8_t	*b;
	size_t		 len;
	uint16_t	 id, flags, qd, an, ns, ar;
	size_t		 qend;		/* end of the question */
	struct trr	 rr[T_RR_MAX];
	size_t		 nrr;
	int		 opt;
	uint16_t	 opt_size;
	uint8_t		 opt_ext, opt_version;
	uint16_t	 opt_flags;
	unsigned int	 rcode;		/* with the OPT's bits */
};

static size_t
tr_skip_name(const struct tresp *r, size_t off)
{
	for (;;) {
		assert_true(off < r->len);
		if (r->b[off] == 0)
			return off + 1;
		if ((r->b[off] & 0xc0) == 0xc0) {
			assert_true(off + 2 <= r->len);
			assert_true((size_t)(get16(r->b + off) & 0x3fff) < off);
			return off + 2;
		}
		assert_true(r->b[off] <= 63);
		off += 1 + r->b[off];
	}
}

/* The text of the (possibly compressed) name at off, lower case kept. */
static void
tr_name(const struct tresp *r, size_t off, char *buf, size_t size)
{
	size_t n = 0;
	int hops = 0;

	buf[0] = '\0';
	for (;;) {
		assert_true(off < r->len);
		if (r->b[off] == 0)
			break;
		if ((r->b[off] & 0xc0) == 0xc0) {
			assert_true(++hops < 10);
			off = get16(r->b + off) & 0x3fff;
			continue;
		}
		assert_true(n + r->b[off] + 2 < size);
		if (n > 0)
			buf[n++] = '.';
		memcpy(buf + n, r->b + off + 1, r->b[off]);
		n += r->b[off];
		buf[n] = '\0';
		off += 1 + r->b[off];
	}
}

static void
tr_parse(const uint8_t *b, size_t len, struct tresp *r)
{
	size_t off, i, total;

	memset(r, 0, sizeof(*r));
	r->b = b;
	r->len = len;
	assert_true(len >= DNS_HEADER_LEN);
	r->id = get16(b);
	r->flags = get16(b + 2);
	r->qd = get16(b + 4);
	r->an = get16(b + 6);
	r->ns = get16(b + 8);
	r->ar = get16(b + 10);
	off = DNS_HEADER_LEN;
	for (i = 0; i < r->qd; i++) {
		off = tr_skip_name(r, off) + 4;
		assert_true(off <= len);
	}
	r->qend = off;
	total = (size_t)r->an + r->ns + r->ar;
	assert_true(total <= T_RR_MAX);
	for (i = 0; i < total; i++) {
		struct trr *rr = &r->rr[r->nrr++];

		rr->section = i < r->an ? 1 : i < (size_t)r->an + r->ns ? 2 : 3;
		rr->owner = off;
		off = tr_skip_name(r, off);
		assert_true(off + 10 <= len);
		rr->type = get16(b + off);
		rr->klass = get16(b + off + 2);
		rr->ttl = get32(b + off + 4);
		rr->rdlen = get16(b + off + 8);
		rr->rdata = off + 10;
		off += 10 + (size_t)rr->rdlen;
		assert_true(off <= len);
		if (rr->type == DNS_TYPE_OPT) {
			assert_int_equal(rr->section, 3);
			assert_false(r->opt);
			assert_int_equal(b[rr->owner], 0);
			r->opt = 1;
			r->opt_size = rr->klass;
			r->opt_ext = (uint8_t)(rr->ttl >> 24);
			r->opt_version = (uint8_t)(rr->ttl >> 16);
			r->opt_flags = (uint16_t)rr->ttl;
		}
	}
	/* Every byte accounted for: no garbage after the last record. */
	assert_int_equal(off, len);
	r->rcode = (unsigned int)r->opt_ext << 4 | (r->flags & 0xf);
}

static uint8_t	test_query[T_RESP_MAX];
static uint8_t	test_resp[T_RESP_MAX];

/* Runs one query; a dropped message leaves r->len 0. */
static size_t
ask_raw(const uint8_t *q, size_t qlen, int64_t now, int tcp, size_t outmax,
    struct tresp *r)
{
	size_t n;

	memset(test_resp, 0xa5, sizeof(test_resp));
	n = dns_answer(&test_zone, &test_src, T_SERIAL, now, q, qlen,
	    test_resp, outmax, tcp);
	assert_true(n <= outmax);
	memset(r, 0, sizeof(*r));
	if (n > 0) {
		tr_parse(test_resp, n, r);
		assert_int_equal(r->id, get16(q));
		assert_true(r->flags & DNS_FLAG_QR);
		/* No recursion, no DNSSEC here, ever. */
		assert_false(r->flags & (DNS_FLAG_RA | DNS_FLAG_AD |
		    DNS_FLAG_CD | 0x0040));
	}
	return n;
}

static size_t
ask(const struct tq *t, int64_t now, int tcp, struct tresp *r)
{
	size_t qlen = tq_build(t, test_query), n;

	n = ask_raw(test_query, qlen, now, tcp, tcp ? DNS_TCP_MAX :
	    DNS_EDNS_UDP_MAX, r);
	assert_true(n > 0);
	/* The question comes back byte for byte, case included. */
	assert_int_equal(r->qd, 1);
	assert_memory_equal(test_resp + DNS_HEADER_LEN,
	    test_query + DNS_HEADER_LEN, r->qend - DNS_HEADER_LEN);
	assert_int_equal(r->qend, DNS_HEADER_LEN + name_wire(t->name,
	    test_query + qlen) + 4);
	assert_int_equal(r->opt, t->edns);
	if (t->edns) {
		assert_int_equal(r->opt_size, DNS_EDNS_UDP_MAX);
		assert_int_equal(r->opt_version, 0);
		/* RFC 3225 3: DO copied; the other flag bits are zero. */
		assert_int_equal(r->opt_flags, t->dobit ? DNS_EDNS_DO : 0);
	}
	return n;
}

/* The four bytes of a dotted quad. */
static int
v4_parse(const char *s, uint8_t out[4])
{
	struct addr a;

	if (addr_parse(s, strlen(s), &a) == -1 || !addr_is_v4(&a))
		return -1;
	memcpy(out, a.b + 12, 4);
	return 0;
}

/* The text of the TXT RDATA at rr: its strings joined. */
static void
rr_txt(const struct tresp *r, const struct trr *rr, char *buf, size_t size)
{
	size_t off = rr->rdata, end = rr->rdata + rr->rdlen, n = 0, l;

	while (off < end) {
		l = r->b[off];
		assert_true(off + 1 + l <= end);
		assert_true(n + l < size);
		memcpy(buf + n, r->b + off + 1, l);
		n += l;
		off += 1 + l;
	}
	buf[n] = '\0';
}

enum { NOERR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4,
	REFUSED = 5, BADVERS = 16 };

#define NIB_V6_1	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."		\
			"0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
#define NIB_V6_2	"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."		\
			"0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
#define NIB_MAPPED	"0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0."		\
			"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
#define Z		"." T_ZONE

/*
 * The policy, one question at a time. Each case runs with and without
 * EDNS0: the counts and data must not change, only the OPT appears.
 * For a negative answer (ns 1) the authority holds the zone's SOA.
 */
static const struct answer_case {
	const char	*name;
	uint16_t	 qtype;
	uint16_t	 qclass;	/* 0: IN */
	unsigned int	 rcode;
	int		 aa;
	uint16_t	 an, ns, ar;	/* ar without the OPT */
	uint16_t	 atype;		/* type of the first answer */
	const char	*adata;		/* its data as text */
} answer_cases[] = {
	/* RFC 5782 5: the test points, whatever the source says. */
	{ "2.0.0.127" Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "2.0.0.127" Z, DNS_TYPE_TXT, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_TXT,
	    "Test point (RFC 5782)" },
	{ "2.0.0.127" Z, DNS_TYPE_ANY, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "2.0.0.127" Z, TYPE_MX, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "2.0.0.127" Z, DNS_TYPE_AAAA, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "2.0.0.127.BL.Example.ORG", DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0,
	    DNS_TYPE_A, "127.0.0.2" },
	{ "1.0.0.127" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "2." NIB_MAPPED Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "1." NIB_MAPPED Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	/* Empty non-terminals above the test point, in both forms. */
	{ "0.0.127" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "0.127" Z, DNS_TYPE_TXT, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "127" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ NIB_MAPPED Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "0" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },

	/* A listed /24. */
	{ "5.2.0.192" Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "5.2.0.192" Z, DNS_TYPE_TXT, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_TXT,
	    "192.0.2.0/24 listed for backscatter (bounce, callout), last "
	    "seen 2026-01-02 03:04 UTC; see "
	    "http://localhost:8080/lookup?ip=192.0.2.0/24" },
	{ "5.2.0.192" Z, DNS_TYPE_ANY, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "5.2.0.192" Z, DNS_TYPE_AAAA, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "5.2.0.192" Z, DNS_TYPE_SOA, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "2.0.192" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "0.192" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "192" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "3.0.192" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "5.3.0.192" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "193" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	/* A host listing, and one expired but not swept. */
	{ "7.100.51.198" Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "8.100.51.198" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "1.113.0.203" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "113.0.203" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },

	/* IPv6 (RFC 5782 2.4), hex digits in either case. */
	{ NIB_V6_1 Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.2" },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
	    Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A, "127.0.0.2" },
	{ NIB_V6_1 Z, DNS_TYPE_TXT, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_TXT,
	    "2001:db8::1 listed for backscatter (manual), last seen "
	    "2026-01-02 03:04 UTC; see "
	    "http://localhost:8080/lookup?ip=2001:db8::1" },
	{ NIB_V6_2 Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "8.b.d.0.1.0.0.2" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "0.0.2" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "2" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "3" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	/* Both an unlisted IPv4 address and the top of 2001::/16. */
	{ "1.0.0.2" Z, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "9.b.d.0.1.0.0.2" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0,
	    NULL },

	/* Neither an address nor the start of one. */
	{ "www" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "g" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "01.0.127" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "2.0.0.0127" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "256.0.0.127" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "x.2.0.0.127" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "5.5.2.0.192" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },
	{ "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },

	/* The apex: SOA and NS with glue; ANY gets the SOA. */
	{ T_ZONE, DNS_TYPE_SOA, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_SOA, NULL },
	{ T_ZONE, DNS_TYPE_NS, 0, NOERR, 1, 1, 0, 1, DNS_TYPE_NS,
	    "ns.bl.example.org" },
	{ T_ZONE, DNS_TYPE_ANY, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_SOA, NULL },
	{ T_ZONE, DNS_TYPE_A, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ T_ZONE, DNS_TYPE_TXT, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "Bl.Example.Org", DNS_TYPE_SOA, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_SOA,
	    NULL },
	/* The name server's own name holds its glue. */
	{ "ns" Z, DNS_TYPE_A, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A, "127.0.0.1" },
	{ "ns" Z, DNS_TYPE_ANY, 0, NOERR, 1, 1, 0, 0, DNS_TYPE_A,
	    "127.0.0.1" },
	{ "ns" Z, DNS_TYPE_AAAA, 0, NOERR, 1, 0, 1, 0, 0, NULL },
	{ "x.ns" Z, DNS_TYPE_A, 0, NXDOMAIN, 1, 0, 1, 0, 0, NULL },

	/* Not ours. */
	{ "example.org", DNS_TYPE_A, 0, REFUSED, 0, 0, 0, 0, 0, NULL },
	{ "xbl.example.org", DNS_TYPE_A, 0, REFUSED, 0, 0, 0, 0, 0, NULL },
	{ "2.0.0.127.bl.example.org.evil", DNS_TYPE_A, 0, REFUSED, 0, 0, 0,
	    0, 0, NULL },
	{ "org", DNS_TYPE_SOA, 0, REFUSED, 0, 0, 0, 0, 0, NULL },
	{ "", DNS_TYPE_NS, 0, REFUSED, 0, 0, 0, 0, 0, NULL },
	{ "version.bind", DNS_TYPE_TXT, DNS_CLASS_CH, REFUSED, 0, 0, 0, 0, 0,
	    NULL },
	{ "2.0.0.127" Z, DNS_TYPE_A, DNS_CLASS_CH, REFUSED, 0, 0, 0, 0, 0,
	    NULL },
	{ "2.0.0.127" Z, DNS_TYPE_A, 255, REFUSED, 0, 0, 0, 0, 0, NULL },
	{ T_ZONE, DNS_TYPE_MAILB, 0, NOTIMP, 0, 0, 0, 0, 0, NULL },
};
#define N_ANSWER_CASES	(sizeof(answer_cases) / sizeof(answer_cases[0]))

static void
check_answer_case(const struct answer_case *c, const struct tresp *r,
    int edns)
{
	const struct trr *rr;
	char text[512];
	uint8_t want[16];

	if (r->rcode != c->rcode || !!(r->flags & DNS_FLAG_AA) != c->aa ||
	    r->an != c->an || r->ns != c->ns || r->ar != c->ar + edns)
		fail_msg("%s type %u: rcode %u aa %d an %u ns %u ar %u",
		    c->name, c->qtype, r->rcode, !!(r->flags & DNS_FLAG_AA),
		    r->an, r->ns, r->ar);
	assert_false(r->flags & DNS_FLAG_TC);
	if (c->an > 0) {
		rr = &r->rr[0];
		assert_int_equal(rr->type, c->atype);
		assert_int_equal(rr->klass, DNS_CLASS_IN);
		assert_int_equal(rr->ttl, 2100);
		/* The owner: a pointer to the question (RFC 1035 4.1.4). */
		if (c->atype != DNS_TYPE_NS && c->atype != DNS_TYPE_SOA)
			assert_int_equal(get16(r->b + rr->owner), 0xc00c);
		switch (c->atype) {
		case DNS_TYPE_A:
			assert_int_equal(rr->rdlen, 4);
			assert_int_equal(v4_parse(c->adata, want), 0);
			assert_memory_equal(r->b + rr->rdata, want, 4);
			break;
		case DNS_TYPE_TXT:
			rr_txt(r, rr, text, sizeof(text));
			assert_string_equal(text, c->adata);
			break;
		case DNS_TYPE_NS:
			tr_name(r, rr->rdata, text, sizeof(text));
			assert_string_equal(text, c->adata);
			break;
		case DNS_TYPE_SOA:
			tr_name(r, rr->owner, text, sizeof(text));
			assert_int_equal(strcasecmp(text, T_ZONE), 0);
			break;
		}
	}
	if (c->ns > 0) {
		/* RFC 2308 3: the SOA, TTL min(SOA TTL, MINIMUM). */
		rr = &r->rr[c->an];
		assert_int_equal(rr->section, 2);
		assert_int_equal(rr->type, DNS_TYPE_SOA);
		assert_int_equal(rr->ttl, 300);
		tr_name(r, rr->owner, text, sizeof(text));
		assert_int_equal(strcasecmp(text, T_ZONE), 0);
		assert_int_equal(get32(r->b + rr->rdata + rr->rdlen - 20), 7);
		assert_int_equal(get32(r->b + rr->rdata + rr->rdlen - 4), 300);
	}
}

static void
test_answers(void **state)
{
	struct tresp r;
	struct tq t;

	(void)state;
	for (size_t i = 0; i < N_ANSWER_CASES; i++) {
		const struct answer_case *c = &answer_cases[i];

		for (int edns = 0; edns <= 1; edns++) {
			memset(&t, 0, sizeof(t));
			t.name = c->name;
			t.qtype = c->qtype;
			t.qclass = c->qclass;
			t.edns = edns;
			t.udpsize = 4096;
			t.dobit = edns;
			(void)ask(&t, T_NOW, 0, &r);
			check_answer_case(c, &r, edns);
			/* Over TCP the same. */
			(void)ask(&t, T_NOW, 1, &r);
			check_answer_case(c, &r, edns);
		}
	}
}

/*
 * Zone transfers: over TCP dns_answer refuses them (the transfer module
 * takes those it allows first); over UDP an IXFR gets the SOA alone and
 * an AXFR TC (RFC 1995 2, RFC 5936 4.2); below the apex, REFUSED.
 */
static void
test_xfr_types(void **state)
{
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = T_ZONE;
	t.qtype = DNS_TYPE_AXFR;
	(void)ask(&t, T_NOW, 1, &r);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, 0);
	t.qtype = DNS_TYPE_IXFR;
	(void)ask(&t, T_NOW, 1, &r);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.rr[0].type, DNS_TYPE_SOA);
	t.name = "2.0.0.127." T_ZONE;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
}

/*
 * Whole responses byte for byte: flags (QR AA RD, no RA), counts, the
 * question with its case, the answer's owner as a pointer to offset 12,
 * and the SOA's names compressed against the apex inside the question.
 */
static void
test_golden(void **state)
{
	static const uint8_t q_a[] =
	    "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127"
	    "\x02" "Bl" "\x07" "exAMple" "\x03" "org" "\x00"
	    "\x00\x01\x00\x01";
	static const uint8_t r_a[] =
	    "\xbe\xef\x85\x00\x00\x01\x00\x01\x00\x00\x00\x00"
	    "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127"
	    "\x02" "Bl" "\x07" "exAMple" "\x03" "org" "\x00"
	    "\x00\x01\x00\x01"
	    "\xc0\x0c\x00\x01\x00\x01\x00\x00\x08\x34\x00\x04\x7f\x00\x00\x02";
	static const uint8_t q_nx[] =
	    "\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x01" "1" "\x01" "0" "\x01" "0" "\x03" "127"
	    "\x02" "bl" "\x07" "example" "\x03" "org" "\x00"
	    "\x00\x01\x00\x01";
	static const uint8_t r_nx[] =
	    "\x12\x34\x84\x03\x00\x01\x00\x00\x00\x01\x00\x00"
	    "\x01" "1" "\x01" "0" "\x01" "0" "\x03" "127"
	    "\x02" "bl" "\x07" "example" "\x03" "org" "\x00"
	    "\x00\x01\x00\x01"
	    /* Owner: the apex, at offset 22 of the question. */
	    "\xc0\x16\x00\x06\x00\x01\x00\x00\x01\x2c\x00\x26"
	    "\x02" "ns" "\xc0\x16"
	    "\x0a" "hostmaster" "\xc0\x16"
	    "\x00\x00\x00\x07"		/* serial: low 32 bits */
	    "\x00\x00\x0e\x10"		/* refresh 3600 */
	    "\x00\x00\x02\x58"		/* retry 600 */
	    "\x00\x09\x3a\x80"		/* expire 604800 */
	    "\x00\x00\x01\x2c";		/* minimum 300 */
	uint8_t out[DNS_UDP_PLAIN_MAX];
	size_t n;

	(void)state;
	n = dns_answer(&test_zone, &test_src, T_SERIAL, T_NOW, q_a,
	    sizeof(q_a) - 1, out, sizeof(out), 0);
	assert_int_equal(n, sizeof(r_a) - 1);
	assert_memory_equal(out, r_a, n);
	n = dns_answer(&test_zone, &test_src, T_SERIAL, T_NOW, q_nx,
	    sizeof(q_nx) - 1, out, sizeof(out), 0);
	assert_int_equal(n, sizeof(r_nx) - 1);
	assert_memory_equal(out, r_nx, n);
}

/* Query bytes: ID beef, flags, counts, then what follows. */
#define H(flags, qd, an, ns, ar)	"\xbe\xef" flags "\x00" qd "\x00" an \
					"\x00" ns "\x00" ar
#define QN	"\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x02" "bl"  \
		"\x07" "example" "\x03" "org" "\x00"
/* Offset of QN's root octet: 12 + 25. */
#define QN_ROOT	"\x25"
#define QA	"\x00\x01\x00\x01"
#define OPTF	"\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
#define OPT	"\x00" OPTF
#define QRY	"\x01\x00"

static const struct hostile_case {
	const char	*what;
	const char	*bytes;
	size_t		 len;
	int		 drop;
	unsigned int	 rcode;
	uint16_t	 qd;		/* question echoed */
	int		 opt;		/* OPT in the response */
	unsigned int	 opcode;
} hostile_cases[] = {
#define C(what, b, drop, rcode, qd, opt, opcode)			\
	{ what, b, sizeof(b) - 1, drop, rcode, qd, opt, opcode }
	C("empty", "", 1, 0, 0, 0, 0),
	C("shorter than a header", "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00"
	    "\x00", 1, 0, 0, 0, 0),
	C("a response", H("\x81\x00", "\x01", "\x00", "\x00", "\x00") QN QA,
	    1, 0, 0, 0, 0),
	C("a response with an error", H("\x80\x05", "\x00", "\x00", "\x00",
	    "\x00"), 1, 0, 0, 0, 0),
	C("header only", H(QRY, "\x00", "\x00", "\x00", "\x00"), 0, FORMERR,
	    0, 0, 0),
	C("QDCOUNT 0 with EDNS", H(QRY, "\x00", "\x00", "\x00", "\x01") OPT,
	    0, FORMERR, 0, 1, 0),
	C("QDCOUNT 2", H(QRY, "\x02", "\x00", "\x00", "\x00") QN QA QN QA, 0,
	    FORMERR, 0, 0, 0),
	C("QDCOUNT 2, one question", H(QRY, "\x02", "\x00", "\x00", "\x00")
	    QN QA, 0, FORMERR, 0, 0, 0),
	C("label of 64", H(QRY, "\x01", "\x00", "\x00", "\x00") "\x40"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\x00" QA, 0, FORMERR, 0, 0, 0),
	C("label type 10", H(QRY, "\x01", "\x00", "\x00", "\x00") "\x80\x00"
	    QA, 0, FORMERR, 0, 0, 0),
	C("pointer to itself", H(QRY, "\x01", "\x00", "\x00", "\x00")
	    "\xc0\x0c" QA, 0, FORMERR, 0, 0, 0),
	C("pointer loop", H(QRY, "\x01", "\x00", "\x00", "\x00")
	    "\x01" "a" "\xc0\x0c" QA, 0, FORMERR, 0, 0, 0),
	C("pointer forward", H(QRY, "\x01", "\x00", "\x00", "\x00")
	    "\xc0\x12" QA "\x00", 0, FORMERR, 0, 0, 0),
	C("pointer past the end", H(QRY, "\x01", "\x00", "\x00", "\x00")
	    "\xff\xff" QA, 0, FORMERR, 0, 0, 0),
	C("pointer cut", H(QRY, "\x01", "\x00", "\x00", "\x00") "\x01" "a"
	    "\xc0", 0, FORMERR, 0, 0, 0),
	C("name cut", H(QRY, "\x01", "\x00", "\x00", "\x00") "\x05" "ab", 0,
	    FORMERR, 0, 0, 0),
	C("no root label", H(QRY, "\x01", "\x00", "\x00", "\x00") "\x01" "a",
	    0, FORMERR, 0, 0, 0),
	C("question cut", H(QRY, "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\x01", 0, FORMERR, 0, 0, 0),
	C("question cut by one", H(QRY, "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\x01\x00", 0, FORMERR, 0, 0, 0),
	C("trailing garbage", H(QRY, "\x01", "\x00", "\x00", "\x00") QN QA
	    "\x00", 0, FORMERR, 0, 0, 0),
	C("garbage after OPT", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    OPT "\x00", 0, FORMERR, 0, 0, 0),
	C("ARCOUNT 1, nothing", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA,
	    0, FORMERR, 0, 0, 0),
	C("two OPTs", H(QRY, "\x01", "\x00", "\x00", "\x02") QN QA OPT OPT,
	    0, FORMERR, 0, 0, 0),
	C("OPT owner not root", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    "\x01" "a" "\x00" OPTF, 0, FORMERR, 0, 0, 0),
	C("OPT owner points at the question", H(QRY, "\x01", "\x00", "\x00",
	    "\x01") QN QA "\xc0\x0c" OPTF, 0, FORMERR, 0, 0, 0),
	C("OPT owner points at the root", H(QRY, "\x01", "\x00", "\x00",
	    "\x01") QN QA "\xc0" QN_ROOT OPTF, 0, NOERR, 1, 1, 0),
	C("OPT with a cookie", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c"
	    "\x00\x0a\x00\x08" "abcdefgh", 0, NOERR, 1, 1, 0),
	C("OPT option past RDATA", H(QRY, "\x01", "\x00", "\x00", "\x01") QN
	    QA "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x04"
	    "\x00\x0a\x00\x05", 0, FORMERR, 0, 0, 0),
	C("OPT option cut", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x03" "\x00\x0a\x00", 0,
	    FORMERR, 0, 0, 0),
	C("OPT RDATA past the end", H(QRY, "\x01", "\x00", "\x00", "\x01") QN
	    QA "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x08" "\x00\x0a", 0,
	    FORMERR, 0, 0, 0),
	C("EDNS version 1", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    "\x00\x00\x29\x04\xd0\x00\x01\x00\x00\x00\x00", 0, BADVERS, 1, 1,
	    0),
	C("an A in additional", H(QRY, "\x01", "\x00", "\x00", "\x01") QN QA
	    "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x02",
	    0, FORMERR, 0, 0, 0),
	C("an A in additional, then OPT", H(QRY, "\x01", "\x00", "\x00",
	    "\x02") QN QA
	    "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x02"
	    OPT, 0, FORMERR, 0, 1, 0),
	C("an answer in a query", H(QRY, "\x01", "\x01", "\x00", "\x00") QN
	    QA "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00"
	    "\x02", 0, FORMERR, 0, 0, 0),
	C("OPT in the authority section", H(QRY, "\x01", "\x00", "\x01",
	    "\x00") QN QA OPT, 0, FORMERR, 0, 0, 0),
	C("qtype OPT", H(QRY, "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\x29\x00\x01", 0, FORMERR, 0, 0, 0),
	C("qtype TSIG", H(QRY, "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\xfa\x00\x01", 0, FORMERR, 0, 0, 0),
	/* RFC 1035 4.1.1: opcode copied; unknown ones are NOTIMP. */
	C("IQUERY", H("\x09\x00", "\x01", "\x00", "\x00", "\x00") QN QA, 0,
	    NOTIMP, 1, 0, 1),
	C("STATUS", H("\x10\x00", "\x01", "\x00", "\x00", "\x00") QN QA, 0,
	    NOTIMP, 1, 0, 2),
	C("NOTIFY", H("\x24\x00", "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\x06\x00\x01", 0, NOTIMP, 1, 0, 4),
	C("NOTIFY with EDNS", H("\x24\x00", "\x01", "\x00", "\x00", "\x01") QN
	    "\x00\x06\x00\x01" OPT, 0, NOTIMP, 1, 1, 4),
	C("UPDATE", H("\x28\x00", "\x01", "\x00", "\x00", "\x00") QN
	    "\x00\x06\x00\x01", 0, NOTIMP, 1, 0, 5),
	C("DSO (RFC 8490)", H("\x30\x00", "\x00", "\x00", "\x00", "\x00")
	    "\x00\x01\x00\x04\x00\x00\x00\x00", 0, NOTIMP, 0, 0, 6),
	C("opcode 15, garbage", H("\x78\x00", "\x05", "\x00", "\x00", "\x00")
	    "\xff", 0, NOTIMP, 0, 0, 15),
#undef C
};
#define N_HOSTILE_CASES							\
	(sizeof(hostile_cases) / sizeof(hostile_cases[0]))

static void
test_hostile(void **state)
{
	struct tresp r;
	size_t n;

	(void)state;
	for (size_t i = 0; i < N_HOSTILE_CASES; i++) {
		const struct hostile_case *c = &hostile_cases[i];

		n = ask_raw((const uint8_t *)c->bytes, c->len, T_NOW, 0,
		    DNS_EDNS_UDP_MAX, &r);
		if (c->drop) {
			if (n != 0)
				fail_msg("%s: answered", c->what);
			continue;
		}
		/* Errors carry no records. */
		if (n == 0 || r.rcode != c->rcode || r.qd != c->qd ||
		    r.opt != c->opt || DNS_OPCODE(r.flags) != c->opcode ||
		    (c->rcode != NOERR && (r.an != 0 || r.ns != 0 ||
		    r.ar != (uint16_t)c->opt)))
			fail_msg("%s: n %zu rcode %u qd %u opt %d opcode %u",
			    c->what, n, r.rcode, r.qd, r.opt,
			    DNS_OPCODE(r.flags));
		/* No authority claimed for what is not an answer. */
		if (c->rcode != NOERR)
			assert_false(r.flags & DNS_FLAG_AA);
		/* RD was set in every query and comes back. */
		if (c->opcode == 0)
			assert_true(r.flags & DNS_FLAG_RD);
		if (c->qd)
			assert_memory_equal(r.b + DNS_HEADER_LEN,
			    c->bytes + DNS_HEADER_LEN, r.qend - DNS_HEADER_LEN);
	}
}

/* RFC 1035 2.3.4: 255 octets is a name, 256 is not. */
static void
test_name_length(void **state)
{
	uint8_t q[512];
	struct tresp r;
	size_t off, n;

	(void)state;
	for (int extra = 0; extra <= 1; extra++) {
		memcpy(q, H(QRY, "\x01", "\x00", "\x00", "\x00"), 12);
		off = 12;
		for (int i = 0; i < 3; i++) {
			q[off++] = 63;
			memset(q + off, 'a', 63);
			off += 63;
		}
		/* 192 + 47 + 16 octets for the zone: 255, or 256. */
		q[off++] = (uint8_t)(46 + extra);
		memset(q + off, 'b', 46 + (size_t)extra);
		off += 46 + (size_t)extra;
		off += name_wire(T_ZONE, q + off);
		assert_int_equal(off - 12, 255 + extra);
		memcpy(q + off, QA, 4);
		off += 4;
		n = ask_raw(q, off, T_NOW, 0, DNS_UDP_PLAIN_MAX, &r);
		assert_true(n > 0);
		assert_int_equal(r.rcode, extra ? FORMERR : NXDOMAIN);
		assert_int_equal(r.qd, extra ? 0 : 1);
		assert_int_equal(r.ns, extra ? 0 : 1);
	}

	/* 128 one-octet labels and the root: 257 octets. */
	memcpy(q, H(QRY, "\x01", "\x00", "\x00", "\x00"), 12);
	off = 12;
	for (int i = 0; i < 128; i++) {
		q[off++] = 1;
		q[off++] = 'a';
	}
	q[off++] = 0;
	memcpy(q + off, QA, 4);
	off += 4;
	n = ask_raw(q, off, T_NOW, 0, DNS_UDP_PLAIN_MAX, &r);
	assert_int_equal(r.rcode, FORMERR);
}

/*
 * A question name may point into the header (RFC 1035 4.1.4 allows any
 * earlier octet); the echo then spells the name out, since our header's
 * bytes differ from the query's.
 */
static void
test_question_pointer(void **state)
{
	/* Offset 5 holds 01, offset 6 00, offset 7 00: the name "\000". */
	static const uint8_t q[] = H(QRY, "\x01", "\x00", "\x00", "\x00")
	    "\xc0\x05" QA;
	struct tresp r;

	(void)state;
	(void)ask_raw(q, sizeof(q) - 1, T_NOW, 0, DNS_UDP_PLAIN_MAX, &r);
	assert_int_equal(r.rcode, REFUSED);
	assert_int_equal(r.qd, 1);
	assert_int_equal(r.qend, DNS_HEADER_LEN + 3 + 4);
	assert_memory_equal(r.b + DNS_HEADER_LEN, "\x01\x00\x00" QA, 7);
}

static void
test_flags(void **state)
{
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "2.0.0.127" Z;
	t.qtype = DNS_TYPE_A;
	/* RD copied; RA, AD and CD never set (checked in ask_raw). */
	t.flags = DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.flags, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD);
	t.flags = 0;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.flags, DNS_FLAG_QR | DNS_FLAG_AA);
	/* TC, AA or Z in a query mean nothing. */
	t.flags = DNS_FLAG_TC | DNS_FLAG_AA | 0x0040;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.flags, DNS_FLAG_QR | DNS_FLAG_AA);
	assert_int_equal(r.an, 1);
	/* REFUSED: no AA. */
	t.name = "example.com";
	t.flags = DNS_FLAG_RD;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.flags, DNS_FLAG_QR | DNS_FLAG_RD | REFUSED);
}

static void
test_edns(void **state)
{
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "5.2.0.192" Z;
	t.qtype = DNS_TYPE_TXT;
	t.edns = 1;
	t.udpsize = 4096;
	t.dobit = 1;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NOERR);
	assert_int_equal(r.opt_flags, DNS_EDNS_DO);
	t.dobit = 0;
	t.udpsize = 0;		/* under 512 means 512 */
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NOERR);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.opt_flags, 0);

	/* BADVERS: the question, the OPT, version 0, nothing else. */
	t.version = 1;
	t.dobit = 1;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, BADVERS);
	assert_int_equal(r.flags & 0xf, 0);
	assert_int_equal(r.opt_ext, 1);
	assert_int_equal(r.an + r.ns, 0);
	assert_int_equal(r.ar, 1);
	assert_false(r.flags & DNS_FLAG_AA);
	t.version = 255;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, BADVERS);
	/* Even outside the zone: the version is checked first. */
	t.name = "example.com";
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, BADVERS);
}

/*
 * RFC 2181 9 and RFC 6891 7: an answer that does not fit is sent with
 * TC, the question (and OPT) and no records; over TCP it fits. Eight
 * name servers outside the zone with long names make a 600-byte NS
 * answer.
 */
static void
test_truncation(void **state)
{
	struct dns_zone saved = test_zone;
	struct tresp r;
	struct tq t;
	size_t n;

	(void)state;
	for (int i = 0; i < DNS_NS_MAX; i++) {
		snprintf(test_zone.ns[i].name, sizeof(test_zone.ns[i].name),
		    "ns%d.a-rather-long-name-for-a-name-server-host.%s", i,
		    "example.net");
		test_zone.ns[i].has_v4 = 1;
	}
	test_zone.nns = DNS_NS_MAX;
	assert_int_equal(dns_zone_prepare(&test_zone), 0);
	memset(&t, 0, sizeof(t));
	t.name = T_ZONE;
	t.qtype = DNS_TYPE_NS;

	n = ask(&t, T_NOW, 0, &r);
	assert_true(n <= DNS_UDP_PLAIN_MAX);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an + r.ns + r.ar, 0);
	assert_int_equal(r.rcode, NOERR);

	t.edns = 1;
	t.udpsize = 100;
	n = ask(&t, T_NOW, 0, &r);
	assert_true(n <= DNS_UDP_PLAIN_MAX);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an + r.ns, 0);
	assert_int_equal(r.ar, 1);

	t.udpsize = 1232;
	n = ask(&t, T_NOW, 0, &r);
	assert_true(n > DNS_UDP_PLAIN_MAX);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, DNS_NS_MAX);
	/* Glue only for names inside the zone: none here. */
	assert_int_equal(r.ar, 1);

	/* A client offering more gets no more than DNS_EDNS_UDP_MAX. */
	t.udpsize = 65535;
	n = ask_raw(test_query, tq_build(&t, test_query), T_NOW, 0,
	    DNS_TCP_MAX, &r);
	assert_true(n <= DNS_EDNS_UDP_MAX);

	t.edns = 0;
	n = ask(&t, T_NOW, 1, &r);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, DNS_NS_MAX);

	/*
	 * In-zone servers: the NS RRset fits in 512, their glue does not;
	 * glue is extra (RFC 2181 9), so no TC, only fewer records.
	 */
	for (int i = 0; i < DNS_NS_MAX; i++)
		snprintf(test_zone.ns[i].name, sizeof(test_zone.ns[i].name),
		    "ns%d.a-long-name-for-a-name-server-host.%s", i, T_ZONE);
	assert_int_equal(dns_zone_prepare(&test_zone), 0);
	n = ask(&t, T_NOW, 0, &r);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, DNS_NS_MAX);
	assert_true(r.ar < DNS_NS_MAX);
	t.edns = 1;
	t.udpsize = 1232;
	n = ask(&t, T_NOW, 0, &r);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, DNS_NS_MAX);
	assert_int_equal(r.ar, DNS_NS_MAX + 1);
	for (size_t i = DNS_NS_MAX; i < r.nrr - 1; i++)
		assert_int_equal(r.rr[i].type, DNS_TYPE_A);
	test_zone = saved;
}

/* Answers are exact to the second (DESIGN.md): listed while now < expires. */
static void
test_expiry(void **state)
{
	static const struct {
		int64_t		 now;
		unsigned int	 rcode;
	} steps[] = {
		{ T_EXPIRES - 3600, NOERR },
		{ T_EXPIRES - 1, NOERR },
		{ T_EXPIRES, NXDOMAIN },
		{ T_EXPIRES + 1, NXDOMAIN },
	};
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "7.100.51.198" Z;
	t.qtype = DNS_TYPE_A;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		(void)ask(&t, steps[i].now, 0, &r);
		assert_int_equal(r.rcode, steps[i].rcode);
	}
}

/* A source that returns an expired listing is not believed. */
static int
src_lookup_stale(void *arg, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	(void)arg;
	(void)a;
	memset(out, 0, sizeof(*out));
	out->expires = now;
	return 1;
}

/* The test points do not depend on the source (RFC 5782 5). */
static void
test_testpoints(void **state)
{
	struct zone_listing bad;
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.qtype = DNS_TYPE_A;

	setup_source(NULL, 0);
	t.name = "2.0.0.127" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.an, 1);
	t.name = "0.0.127" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NOERR);
	assert_int_equal(r.ns, 1);
	t.name = "2.0.192" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NXDOMAIN);

	memset(&bad, 0, sizeof(bad));
	assert_int_equal(prefix_parse("127.0.0.0/8", 11, &bad.prefix), 0);
	bad.expires = STORE_NEVER;
	setup_source(&bad, 1);
	t.name = "1.0.0.127" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NXDOMAIN);
	t.name = "3.0.0.127" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.an, 1);

	test_src.lookup = src_lookup_stale;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NXDOMAIN);
	setup_source(test_listings, TEST_NLISTINGS);
}

/*
 * A refused client gets 127.255.255.254 and a TXT saying why for every
 * address, listed, unlisted or test point, and nothing else changes:
 * the apex, partial names and names outside the zone answer as always.
 */
static void
test_refused_client(void **state)
{
	static const uint8_t refused[4] = { 127, 255, 255, 254 };
	static const char *const addresses[] = {
		"5.2.0.192" Z,			/* listed */
		"9.9.9.198" Z,			/* not listed */
		"2.0.0.127" Z,			/* test points */
		"1.0.0.127" Z,
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.b.d.0.1.0.0.2" Z,	/* 2001:db8::1, 32 nibbles */
	};
	struct tresp r;
	struct tq t;
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		t.name = addresses[i];
		t.qtype = DNS_TYPE_A;
		(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
		assert_int_equal(r.rcode, NOERR);
		assert_int_equal(r.an, 1);
		assert_int_equal(r.rr[0].type, DNS_TYPE_A);
		assert_int_equal(r.rr[0].rdlen, 4);
		assert_memory_equal(r.b + r.rr[0].rdata, refused, 4);
		t.qtype = DNS_TYPE_TXT;
		(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
		assert_int_equal(r.an, 1);
		assert_int_equal(r.rr[0].type, DNS_TYPE_TXT);
		assert_int_equal(r.b[r.rr[0].rdata], strlen(DNS_REFUSED_TXT));
		assert_memory_equal(r.b + r.rr[0].rdata + 1, DNS_REFUSED_TXT,
		    strlen(DNS_REFUSED_TXT));
	}
	/* Not refused: the unlisted address is NXDOMAIN as ever. */
	t.name = "9.9.9.198" Z;
	t.qtype = DNS_TYPE_A;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NXDOMAIN);

	t.name = T_ZONE;
	t.qtype = DNS_TYPE_SOA;
	(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.rr[0].type, DNS_TYPE_SOA);
	t.name = "2.0.192" Z;		/* an empty non-terminal */
	t.qtype = DNS_TYPE_A;
	(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
	assert_int_equal(r.rcode, NOERR);
	assert_int_equal(r.an, 0);
	t.name = "7.7.198" Z;
	(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
	assert_int_equal(r.rcode, NXDOMAIN);
	t.name = "1.0.0.127.example.net";
	(void)ask(&t, T_NOW, DNS_ANSWER_REFUSED, &r);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
}

/* The look ahead finds full address names under the zone, and only them. */
static void
test_query_addr(void **state)
{
	static const struct {
		const char	*name;
		int		 found;
		const char	*addr;
	} cases[] = {
		{ "5.2.0.192" Z, 1, "192.0.2.5" },
		{ "5.2.0.192" ".BL.Example.ORG", 1, "192.0.2.5" },
		{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.B.D.0.1.0.0.2" Z, 1, "2001:db8::1" },
		{ "2.0.192" Z, 0, NULL },		/* partial */
		{ "5.2.0.256" Z, 0, NULL },		/* not an octet */
		{ "05.2.0.192" Z, 0, NULL },		/* leading zero */
		{ "x.5.2.0.192" Z, 0, NULL },		/* 5 labels */
		{ "5.2.0.192.example.net", 0, NULL },	/* outside */
		{ T_ZONE, 0, NULL },			/* apex */
		{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.g.d.0.1.0.0.2" Z, 0, NULL },	/* not hex */
	};
	struct dns_peek got;
	struct tq t;
	size_t i, qlen;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.qtype = DNS_TYPE_A;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.name = cases[i].name;
		qlen = tq_build(&t, test_query);
		memset(&got, 0, sizeof(got));
		if (dns_query_peek(&test_zone, test_query, qlen, &got) !=
		    cases[i].found)
			fail_msg("%s: expected %d", cases[i].name,
			    cases[i].found);
		if (cases[i].found) {
			struct addr want = test_addr(cases[i].addr);

			assert_int_equal(addr_cmp(&got.addr, &want), 0);
		}
		/* Every shorter message: never found, never read past. */
		for (size_t n = 0; n < qlen; n++)
			(void)dns_query_peek(&test_zone, test_query, n, &got);
	}
}

/* A TXT that cannot be rendered leaves the A alone: TXT is NODATA. */
static void
test_txt_failure(void **state)
{
	struct dns_zone saved = test_zone;
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "5.2.0.192" Z;
	for (int i = 0; i < 3; i++) {
		test_zone = saved;
		if (i == 0)
			test_zone.txt = "{nosuch}";
		else if (i == 1)
			test_zone.lookup_url = "{nosuch}";
		else
			test_zone.txt = NULL;
		t.qtype = DNS_TYPE_TXT;
		(void)ask(&t, T_NOW, 0, &r);
		assert_int_equal(r.rcode, NOERR);
		assert_int_equal(r.an, 0);
		assert_int_equal(r.ns, 1);
		t.qtype = DNS_TYPE_A;
		(void)ask(&t, T_NOW, 0, &r);
		assert_int_equal(r.an, 1);
	}
	/* The test point's TXT is fixed text. */
	t.name = "2.0.0.127" Z;
	t.qtype = DNS_TYPE_TXT;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.an, 1);

	/* No lookup URL: {url} is empty. */
	test_zone = saved;
	test_zone.lookup_url = NULL;
	test_zone.txt = "{ip} see {url}";
	t.name = "5.2.0.192" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.an, 1);
	test_zone = saved;
}

/* A zone whose names cannot be written is a bug: SERVFAIL, never a crash. */
static void
test_bad_zone(void **state)
{
	struct dns_zone saved = test_zone;
	struct tresp r;
	struct tq t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "1.0.0.127" Z;
	t.qtype = DNS_TYPE_A;
	test_zone.nns = 0;
	(void)dns_zone_prepare(&test_zone);
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, SERVFAIL);
	assert_false(r.flags & DNS_FLAG_AA);
	test_zone = saved;
	strcpy(test_zone.hostmaster, "a..b");
	assert_int_equal(dns_zone_prepare(&test_zone), -1);
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, SERVFAIL);
	test_zone = saved;
	/* A listed answer needs no SOA. */
	strcpy(test_zone.hostmaster, "a..b");
	(void)dns_zone_prepare(&test_zone);
	t.name = "2.0.0.127" Z;
	(void)ask(&t, T_NOW, 0, &r);
	assert_int_equal(r.rcode, NOERR);
	test_zone = saved;
}

static void
test_bad_args(void **state)
{
	uint8_t q[64], out[DNS_UDP_PLAIN_MAX];
	struct tq t;
	size_t qlen;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = "2.0.0.127" Z;
	t.qtype = DNS_TYPE_A;
	qlen = tq_build(&t, q);
	assert_int_equal(dns_answer(&test_zone, &test_src, 0, T_NOW, q, qlen,
	    out, DNS_UDP_PLAIN_MAX - 1, 0), 0);
	assert_int_equal(dns_answer(NULL, &test_src, 0, T_NOW, q, qlen, out,
	    sizeof(out), 0), 0);
	assert_int_equal(dns_answer(&test_zone, NULL, 0, T_NOW, q, qlen, out,
	    sizeof(out), 0), 0);
	assert_int_equal(dns_answer(&test_zone, &test_src, 0, T_NOW, NULL, 0,
	    out, sizeof(out), 0), 0);
	assert_true(dns_answer(&test_zone, &test_src, 0, T_NOW, q, qlen, out,
	    sizeof(out), 0) > 0);
}

static void
test_zone_init(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;
		const char	*want;
	} cases[] = {
		{ "bl.example.org", 1, "bl.example.org" },
		{ "BL.Example.ORG.", 1, "bl.example.org" },
		{ "bl-1.example.org", 1, "bl-1.example.org" },
		{ "localhost", 1, "localhost" },
		{ "", 0, NULL },
		{ ".", 0, NULL },
		{ "a..b", 0, NULL },
		{ ".a", 0, NULL },
		{ "a.", 1, "a" },
		{ "a..", 0, NULL },
		{ "-a.b", 0, NULL },
		{ "a-.b", 0, NULL },
		{ "a_b.c", 0, NULL },
		{ "a b.c", 0, NULL },
		{ "bl.exa\001mple.org", 0, NULL },
	};
	struct dns_zone z;
	char err[128], name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = dns_zone_init(&z, cases[i].name, err, sizeof(err));

		if (rc != (cases[i].ok ? 0 : -1))
			fail_msg("dns_zone_init(\"%s\"): %d", cases[i].name,
			    rc);
		if (cases[i].ok)
			assert_string_equal(z.name, cases[i].want);
		else
			assert_true(err[0] != '\0');
	}
	assert_int_equal(dns_zone_init(&z, "Bl.Example.Org", err, sizeof(err)),
	    0);
	assert_int_equal(z.ttl, 2100);
	assert_int_equal(z.negative_ttl, 300);
	assert_int_equal(z.refresh, 3600);
	assert_int_equal(z.retry, 600);
	assert_int_equal(z.expire, 604800);
	assert_memory_equal(z.answer, "\x7f\x00\x00\x02", 4);
	assert_string_equal(z.txt, "{ip} listed for backscatter ({class}), "
	    "last seen {last}; see {url}");
	assert_string_equal(z.lookup_url,
	    "http://localhost:8080/lookup?ip={ip}");
	assert_int_equal(z.nns, 1);
	assert_string_equal(z.ns[0].name, "ns.bl.example.org");
	assert_true(z.ns[0].has_v4);
	assert_false(z.ns[0].has_v6);
	assert_memory_equal(z.ns[0].v4, "\x7f\x00\x00\x01", 4);
	assert_string_equal(z.hostmaster, "hostmaster.bl.example.org");

	/* A label of 63 is fine, 64 is not. */
	memset(name, 'a', 64);
	strcpy(name + 63, ".org");
	assert_int_equal(dns_zone_init(&z, name, err, sizeof(err)), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".org");
	assert_int_equal(dns_zone_init(&z, name, err, sizeof(err)), -1);
	/* "hostmaster." + the zone must stay within 253 characters. */
	memset(name, 'a', sizeof(name));
	for (size_t i = 60; i < 242; i += 61)
		name[i] = '.';
	name[242] = '\0';
	assert_int_equal(dns_zone_init(&z, name, err, sizeof(err)), 0);
	name[242] = 'a';
	name[243] = '\0';
	assert_int_equal(dns_zone_init(&z, name, err, sizeof(err)), -1);
	assert_int_equal(dns_zone_init(&z, NULL, err, sizeof(err)), -1);
	assert_int_equal(dns_zone_init(&z, "x.y", NULL, 0), 0);
}

/* The wire layer on its own: names as a reader sees them. */
static const struct name_case {
	const char	*what;
	const char	*msg;		/* 12 header bytes, then names */
	size_t		 len;
	size_t		 start;
	int		 ok;
	size_t		 end;		/* cursor after the name */
	const char	*lower;		/* the flat name, dotted */
} name_cases[] = {
#define N(what, m, start, ok, end, lower)				\
	{ what, m, sizeof(m) - 1, start, ok, end, lower }
#define HDR	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	N("root", HDR "\x00", 12, 1, 13, ""),
	N("one label", HDR "\x03" "AbC" "\x00", 12, 1, 17, "abc"),
	N("case and bytes", HDR "\x03" "\xc3" "Z." "\x00", 12, 1, 17,
	    "\xc3" "z."),
	N("pointer back", HDR "\x01" "a" "\x00" "\x01" "B" "\xc0\x0c", 15, 1,
	    19, "b.a"),
	N("pointer to a pointer", HDR "\x01" "a" "\x00" "\xc0\x0c"
	    "\x01" "c" "\xc0\x0f", 17, 1, 21, "c.a"),
	N("pointer into the header", HDR "\x00" "\xc0\x05", 13, 1, 15, ""),
	N("pointer to itself", HDR "\xc0\x0c", 12, 0, 0, NULL),
	N("pointer forward", HDR "\xc0\x0e\x00", 12, 0, 0, NULL),
	N("loop through a label", HDR "\x01" "a" "\xc0\x0c", 12, 0, 0, NULL),
	N("loop of two", HDR "\x00\xc0\x10" "\x01" "a" "\xc0\x0d", 16, 0, 0,
	    NULL),
	N("cut pointer", HDR "\xc0", 12, 0, 0, NULL),
	N("cut label", HDR "\x03" "ab", 12, 0, 0, NULL),
	N("no root", HDR "\x01" "a", 12, 0, 0, NULL),
	N("label type 01", HDR "\x41" "a" "\x00", 12, 0, 0, NULL),
	N("label type 10", HDR "\x81" "a" "\x00", 12, 0, 0, NULL),
	N("empty", HDR, 12, 0, 0, NULL),
#undef N
};

static void
test_wire_names(void **state)
{
	struct dns_name n;
	struct dns_rd r;
	char text[DNS_NAME_MAX + 1];
	size_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]);
	    i++) {
		const struct name_case *c = &name_cases[i];
		int rc;

		dns_rd_init(&r, (const uint8_t *)c->msg, c->len);
		r.off = c->start;
		rc = dns_name_read(&r, &n);
		if (rc != (c->ok ? 0 : -1))
			fail_msg("%s: %d", c->what, rc);
		if (!c->ok) {
			assert_non_null(r.err);
			continue;
		}
		assert_int_equal(r.off, c->end);
		t = 0;
		for (size_t l = 0; l < n.nlabels; l++) {
			size_t o = n.label[l];

			if (l > 0)
				text[t++] = '.';
			memcpy(text + t, n.lower + o + 1, n.lower[o]);
			t += n.lower[o];
		}
		text[t] = '\0';
		assert_string_equal(text, c->lower);
		assert_int_equal(n.wire[n.len - 1], 0);
	}

	/* A chain of DNS_PTR_HOPS_MAX pointers, then one more. */
	{
		uint8_t m[64];
		size_t off = 0;

		m[off++] = 0;
		for (int i = 0; i <= DNS_PTR_HOPS_MAX; i++) {
			m[off] = 0xc0;
			m[off + 1] = (uint8_t)(off - (i == 0 ? 1 : 2));
			off += 2;
		}
		/* Pointer i sits at 1 + 2i and is the i + 1st hop. */
		dns_rd_init(&r, m, off);
		r.off = 1 + 2 * (DNS_PTR_HOPS_MAX - 1);
		assert_int_equal(dns_name_read(&r, &n), 0);
		assert_int_equal(n.len, 1);
		assert_int_equal(r.off, 1 + 2 * DNS_PTR_HOPS_MAX);
		dns_rd_init(&r, m, off);
		r.off = 1 + 2 * DNS_PTR_HOPS_MAX;
		assert_int_equal(dns_name_read(&r, &n), -1);
	}

	assert_int_equal(dns_name_from_text(&n, "Bl.Example.Org."), 0);
	assert_int_equal(n.nlabels, 3);
	assert_int_equal(n.len, 16);
	assert_memory_equal(n.lower, "\x02" "bl" "\x07" "example" "\x03" "org"
	    "\x00", 16);
	assert_int_equal(dns_name_from_text(&n, ""), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(dns_name_from_text(&n, "."), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(dns_name_from_text(&n, "a..b"), -1);
	assert_int_equal(dns_name_from_text(&n, ".a"), -1);
	assert_int_equal(dns_name_from_text(&n, NULL), -1);
	memset(text, 'a', 64);
	text[63] = '\0';
	assert_int_equal(dns_name_from_text(&n, text), 0);
	text[63] = 'a';
	text[64] = '\0';
	assert_int_equal(dns_name_from_text(&n, text), -1);
}

static void
test_wire_below(void **state)
{
	static const struct {
		const char	*name;
		int		 below;
	} cases[] = {
		{ "bl.example.org", 0 },
		{ "BL.EXAMPLE.ORG", 0 },
		{ "a.bl.example.org", 1 },
		{ "a.b.bl.example.org", 2 },
		{ "xbl.example.org", -1 },
		{ "bl.example.org.x", -1 },
		{ "example.org", -1 },
		{ "", -1 },
		{ "bl.examplf.org", -1 },
	};
	struct dns_name apex, n, root;

	(void)state;
	assert_int_equal(dns_name_from_text(&apex, "bl.example.org"), 0);
	assert_int_equal(dns_name_from_text(&root, ""), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dns_name_from_text(&n, cases[i].name), 0);
		assert_int_equal(dns_name_below(&n, &apex), cases[i].below);
		assert_int_equal(dns_name_below(&n, &root), (int)n.nlabels);
	}
}

static void
test_wire_writer(void **state)
{
	uint8_t buf[1024], text[600];
	struct dns_name q, owner, ns;
	struct dns_wr w;
	size_t at;

	(void)state;
	/* A full writer fails once and for good, never past max. */
	dns_wr_init(&w, buf, 3);
	dns_wr_u16(&w, 1);
	assert_int_equal(w.err, 0);
	dns_wr_u16(&w, 2);
	assert_int_equal(w.err, 1);
	assert_int_equal(w.off, 2);
	dns_wr_u8(&w, 3);
	assert_int_equal(w.off, 2);

	/* TXT: 0, 255, 256 and 600 octets. */
	memset(text, 'x', sizeof(text));
	assert_int_equal(dns_name_from_text(&owner, "a"), 0);
	dns_wr_init(&w, buf, sizeof(buf));
	dns_wr_rr_txt(&w, &owner, 60, (const char *)text, 0);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.off, 3 + 10 + 1);
	assert_int_equal(get16(buf + 3 + 8), 1);
	assert_int_equal(buf[13], 0);
	for (size_t len = 255; len <= 600; len += 345) {
		dns_wr_init(&w, buf, sizeof(buf));
		dns_wr_rr_txt(&w, &owner, 60, (const char *)text, len);
		assert_int_equal(w.err, 0);
		assert_int_equal(get16(buf + 3 + 8), len + (len + 254) / 255);
		assert_int_equal(buf[13], 255);
		if (len == 600) {
			assert_int_equal(buf[13 + 256], 255);
			assert_int_equal(buf[13 + 512], 90);
			assert_int_equal(w.off, 13 + 603);
		}
	}
	dns_wr_init(&w, buf, sizeof(buf));
	dns_wr_rr_txt(&w, &owner, 60, (const char *)text, 256);
	assert_int_equal(get16(buf + 11), 258);
	assert_int_equal(buf[13 + 256], 1);
	/* Too long for any message. */
	dns_wr_init(&w, buf, sizeof(buf));
	dns_wr_rr_txt(&w, &owner, 60, (const char *)text, 70000);
	assert_int_equal(w.err, 1);

	/* Compression against the question: whole, apex, none. */
	assert_int_equal(dns_name_from_text(&q, "X.Bl.Example.org"), 0);
	dns_wr_init(&w, buf, sizeof(buf));
	dns_wr_bytes(&w, "012345678901", 12);
	dns_wr_question(&w, &q, DNS_TYPE_A, DNS_CLASS_IN);
	at = w.off;
	assert_int_equal(dns_name_from_text(&owner, "x.bl.example.org"), 0);
	dns_wr_name(&w, &owner);
	assert_int_equal(w.off - at, 2);
	assert_int_equal(get16(buf + at), 0xc00c);
	at = w.off;
	assert_int_equal(dns_name_from_text(&ns, "ns1.bl.example.org"), 0);
	dns_wr_rr_ns(&w, &owner, 60, &ns);
	/* ns1 + pointer to "bl" at 12 + 2. */
	assert_memory_equal(buf + at + 12, "\x03" "ns1" "\xc0\x0e", 6);
	assert_int_equal(get16(buf + at + 10), 6);
	at = w.off;
	assert_int_equal(dns_name_from_text(&ns, "example.net"), 0);
	dns_wr_name(&w, &ns);
	assert_int_equal(w.off - at, 13);
	/* "org" alone is a suffix too. */
	at = w.off;
	assert_int_equal(dns_name_from_text(&ns, "example.com.org"), 0);
	dns_wr_name(&w, &ns);
	assert_memory_equal(buf + at, "\x07" "example" "\x03" "com" "\xc0",
	    13);
	/* The root is never a pointer. */
	at = w.off;
	assert_int_equal(dns_name_from_text(&ns, ""), 0);
	dns_wr_name(&w, &ns);
	assert_int_equal(w.off - at, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_xfr_types),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_question_pointer),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_testpoints),
		cmocka_unit_test(test_refused_client),
		cmocka_unit_test(test_query_addr),
		cmocka_unit_test(test_txt_failure),
		cmocka_unit_test(test_bad_zone),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_zone_init),
		cmocka_unit_test(test_wire_names),
		cmocka_unit_test(test_wire_below),
		cmocka_unit_test(test_wire_writer),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
