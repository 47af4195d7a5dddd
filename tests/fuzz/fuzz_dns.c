/* fuzz_dns.c -- libFuzzer harness for dns_answer: any bytes, a sane reply. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "dns/dns_answer.h"
#include "dns/dns_wire.h"
#include "store/store.h"
#include "zone/zone.h"

/* 2026-01-02 03:04:05 UTC; 198.51.100.7 expires an hour later. */
#define FUZZ_NOW		1767323045LL
#define FUZZ_SERIAL		42

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	const char	*prefix;
	int64_t		 expires;
} fuzz_table[] = {
	{ "192.0.2.0/24", STORE_NEVER },
	{ "198.51.100.7", FUZZ_NOW + 3600 },
	{ "203.0.113.0/24", FUZZ_NOW - 1 },
	{ "2001:db8::/32", STORE_NEVER },
	{ "2001:db8:1::1", FUZZ_NOW + 60 },
};
#define FUZZ_NLISTINGS	(sizeof(fuzz_table) / sizeof(fuzz_table[0]))

static struct zone_listing	fuzz_listings[FUZZ_NLISTINGS];
static struct dns_zone		fuzz_zone;
static int			fuzz_ready;

/* zone_lookup's rule over a table: the most specific active listing. */
static int
fuzz_lookup(void *arg, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	const struct zone_listing *best = NULL;

	(void)arg;
	for (size_t i = 0; i < FUZZ_NLISTINGS; i++)
		if (prefix_contains(&fuzz_listings[i].prefix, a) &&
		    now < fuzz_listings[i].expires &&
		    (best == NULL ||
		    fuzz_listings[i].prefix.len > best->prefix.len))
			best = &fuzz_listings[i];
	if (best == NULL)
		return 0;
	*out = *best;
	return 1;
}

static int
fuzz_intersects(void *arg, const struct prefix *p)
{
	(void)arg;
	if (p->len > 128)
		abort();
	for (size_t i = 0; i < FUZZ_NLISTINGS; i++)
		if (prefix_covers(p, &fuzz_listings[i].prefix) ||
		    prefix_covers(&fuzz_listings[i].prefix, p))
			return 1;
	return 0;
}

static const struct dns_source fuzz_src = {
	fuzz_lookup, fuzz_intersects, NULL
};

static void
fuzz_setup(void)
{
	char err[128];

	for (size_t i = 0; i < FUZZ_NLISTINGS; i++) {
		struct zone_listing *l = &fuzz_listings[i];

		memset(l, 0, sizeof(*l));
		if (prefix_parse(fuzz_table[i].prefix,
		    strlen(fuzz_table[i].prefix), &l->prefix) != 0)
			abort();
		l->listed_since = FUZZ_NOW - 86400;
		l->last_seen = FUZZ_NOW - 60;
		l->expires = fuzz_table[i].expires;
		l->classes = HIT_CLASS_BIT(HIT_BOUNCE);
	}
	if (dns_zone_init(&fuzz_zone, "bl.example.org", err,
	    sizeof(err)) != 0)
		abort();
	/*
	 * Every server the zone may have: glue in both families, one out
	 * of the zone, and names long enough that the NS answer outgrows
	 * 512 bytes and its glue outgrows some EDNS0 sizes, so that TC and
	 * the dropping of glue are reached too.
	 */
	fuzz_zone.ns[0].has_v6 = 1;
	fuzz_zone.ns[0].v6[15] = 1;
	snprintf(fuzz_zone.ns[1].name, sizeof(fuzz_zone.ns[1].name),
	    "ns2.example.net");
	for (int i = 2; i < DNS_NS_MAX; i++) {
		snprintf(fuzz_zone.ns[i].name, sizeof(fuzz_zone.ns[i].name),
		    "ns%d.%s.%s", i,
		    "a-long-label-for-a-name-server-host-to-force-truncation",
		    "bl.example.org");
		fuzz_zone.ns[i].has_v4 = 1;
		fuzz_zone.ns[i].v4[0] = 127;
		fuzz_zone.ns[i].v4[3] = (uint8_t)i;
		fuzz_zone.ns[i].has_v6 = i % 2;
		fuzz_zone.ns[i].v6[15] = (uint8_t)i;
	}
	fuzz_zone.nns = DNS_NS_MAX;
	if (dns_zone_prepare(&fuzz_zone) != 0)
		abort();
	fuzz_ready = 1;
}

/*
 * A response must parse by our own reader, section by section, and end
 * exactly where its counts say; whatever question it echoes must be the
 * query's first question: the same name with the same case (written
 * out in full if the query used a pointer), type and class.
 */
static void
fuzz_check_parse(const uint8_t *q, size_t qlen, const uint8_t *r, size_t n)
{
	struct dns_header h;
	struct dns_name name, qname;
	struct dns_rd rd, qrd;
	uint16_t type, klass, qtype, qclass, rdlen;
	uint32_t ttl;
	size_t i;

	dns_rd_init(&rd, r, n);
	if (dns_header_read(&rd, &h) != 0 || h.qdcount > 1)
		abort();
	if (h.qdcount == 1) {
		if (dns_name_read(&rd, &name) != 0 ||
		    dns_rd_u16(&rd, &type) != 0 || dns_rd_u16(&rd, &klass) != 0)
			abort();
		dns_rd_init(&qrd, q, qlen);
		qrd.off = DNS_HEADER_LEN;
		if (dns_name_read(&qrd, &qname) != 0 ||
		    dns_rd_u16(&qrd, &qtype) != 0 ||
		    dns_rd_u16(&qrd, &qclass) != 0)
			abort();
		if (name.len != qname.len ||
		    memcmp(name.wire, qname.wire, name.len) != 0 ||
		    type != qtype || klass != qclass)
			abort();
		/* Our own question is never compressed. */
		if (rd.off != DNS_HEADER_LEN + name.len + 4)
			abort();
	}
	for (i = 0; i < (size_t)h.ancount + h.nscount + h.arcount; i++) {
		if (dns_name_read(&rd, &name) != 0 ||
		    dns_rd_u16(&rd, &type) != 0 ||
		    dns_rd_u16(&rd, &klass) != 0 ||
		    dns_rd_u32(&rd, &ttl) != 0 ||
		    dns_rd_u16(&rd, &rdlen) != 0 ||
		    dns_rd_skip(&rd, rdlen) != 0)
			abort();
	}
	if (dns_rd_left(&rd) != 0)
		abort();
	/* TC means no records but the OPT (RFC 2181 9). */
	if ((h.flags & DNS_FLAG_TC) && h.ancount + h.nscount != 0)
		abort();
}

/*
 * One call: the result fits, is either nothing or a response to this
 * query (QR, same ID and opcode), parses, and is the same every time,
 * whether the UDP worker's read-ahead of the name came first or not.
 */
static void
fuzz_one(const uint8_t *q, size_t qlen, size_t outmax, int tcp)
{
	static uint8_t out[DNS_TCP_MAX], again[DNS_TCP_MAX];
	static struct dns_peek pk;
	size_t n, m;

	n = dns_answer(&fuzz_zone, &fuzz_src, FUZZ_SERIAL, FUZZ_NOW, q, qlen,
	    out, outmax, tcp);
	if (n > outmax)
		abort();
	(void)dns_query_peek(&fuzz_zone, q, qlen, &pk);
	m = dns_answer_peeked(&fuzz_zone, &fuzz_src, FUZZ_SERIAL, FUZZ_NOW,
	    q, qlen, again, outmax, tcp, &pk);
	if (m != n || memcmp(out, again, n) != 0)
		abort();
	if (n == 0)
		return;
	if (n < DNS_HEADER_LEN || qlen < DNS_HEADER_LEN)
		abort();
	if ((out[2] & 0x80) == 0 || out[0] != q[0] || out[1] != q[1])
		abort();
	if ((out[2] & 0x78) != (q[2] & 0x78))
		abort();
	/* Over UDP, never more than the EDNS0 ceiling. */
	if (!tcp && n > DNS_EDNS_UDP_MAX)
		abort();
	fuzz_check_parse(q, qlen, out, n);
	m = dns_answer(&fuzz_zone, &fuzz_src, FUZZ_SERIAL, FUZZ_NOW, q, qlen,
	    again, outmax, tcp);
	if (m != n || memcmp(out, again, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *q;

	if (!fuzz_ready)
		fuzz_setup();
	/*
	 * A copy of exactly size bytes, so AddressSanitizer catches any
	 * read past the message.
	 */
	if ((q = malloc(size == 0 ? 1 : size)) == NULL)
		return 0;
	memcpy(q, data, size);
	fuzz_one(q, size, DNS_UDP_PLAIN_MAX, 0);
	fuzz_one(q, size, DNS_EDNS_UDP_MAX, 0);
	fuzz_one(q, size, DNS_TCP_MAX, 1);
	free(q);
	return 0;
}
