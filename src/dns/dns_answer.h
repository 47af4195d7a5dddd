/* dns_answer.h -- from one query message to one response: the DNSBL's answer policy. */
#ifndef BACKSCATTER_DNS_ANSWER_H
#define BACKSCATTER_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "dns/dns_wire.h"
#include "zone/zone.h"

/* RFC 1035 4.2.1; larger answers over UDP need EDNS0 (RFC 6891). */
#define DNS_UDP_PLAIN_MAX	512
/* What we offer and honour over UDP with EDNS0 (DNS flag day 2020). */
#define DNS_EDNS_UDP_MAX	1232
/* RFC 1035 2.3.4 and RFC 7766: the largest message over TCP. */
#define DNS_TCP_MAX		65535
/*
 * The answer for clients the operator refuses (dns.refuse: an open
 * resolver that forwards the world's queries, a client over its quota):
 * every address under the zone gets this A and DNS_REFUSED_TXT, so
 * that its admin sees why instead of "not listed". The config never
 * lets a listing use it.
 */
#define DNS_REFUSED_ANSWER	"127.255.255.254"
#define DNS_REFUSED_TXT		"Query refused: this list does not answer " \
				"your DNS resolver; query from your own " \
				"resolver, not a public one"

/* The TXT of the listed test point (RFC 5782 5). */
#define DNS_TESTPOINT_TXT	"Test point (RFC 5782)"

/* dns_answer flags. */
#define DNS_ANSWER_TCP		0x1	/* came over TCP: no size limit */
#define DNS_ANSWER_REFUSED	0x2	/* the client is refused */
#define DNS_NS_MAX		8

/* Where answers come from: the zone in the server, a table in tests. */
struct dns_source {
	/* zone_lookup semantics: 1 listed and *out set, 0 not listed. */
	int	(*lookup)(void *arg, const struct addr *, int64_t now,
		    struct zone_listing *out);
	/* zone_intersects semantics. */
	int	(*intersects)(void *arg, const struct prefix *);
	void	*arg;
};

/* One name server of the zone (the NS RRset at the apex). */
struct dns_ns {
	char		 name[256];	/* text, no trailing dot */
	int		 has_v4, has_v6;	/* glue, when name is inside the zone */
	uint8_t		 v4[4];
	uint8_t		 v6[16];
};

/* The zone's fixed data, built once from the config. */
struct dns_zone {
	char		 name[256];	/* "bl.example.org", lower case, no dot */
	uint32_t	 ttl;		/* listed answers, NS, SOA */
	uint32_t	 negative_ttl;	/* SOA minimum (RFC 2308 5) */
	uint8_t		 answer[4];	/* A of a listing, 127.0.0.2 */
	const char	*txt;		/* dns.txt template (txt.h) */
	const char	*lookup_url;	/* web.lookup_url template */
	struct dns_ns	 ns[DNS_NS_MAX];
	size_t		 nns;		/* at least 1 */
	char		 hostmaster[256]; /* SOA RNAME as a name */
	uint32_t	 refresh, retry, expire;	/* SOA timers */

	/*
	 * The names above in wire form, made once by dns_zone_prepare() so
	 * that no query pays for parsing text: *_ok is 0 for a name that
	 * does not parse (answered as the text name always was: SERVFAIL
	 * where it is needed, skipped where it is not).
	 */
	struct dns_name	 apex_wire;
	struct dns_name	 ns_wire[DNS_NS_MAX];
	struct dns_name	 hostmaster_wire;
	uint8_t		 apex_ok, hostmaster_ok;
	uint8_t		 ns_ok[DNS_NS_MAX];
};

/*
 * Builds the response to one DNS message of qlen bytes into out (outmax
 * bytes, at least DNS_UDP_PLAIN_MAX). DNS_ANSWER_TCP in flags selects the
 * size limit: over UDP the client's EDNS0 size (capped at
 * DNS_EDNS_UDP_MAX) or 512; when the answer does not fit it is sent with
 * TC and no records (RFC 2181 9). With DNS_ANSWER_REFUSED every full
 * address name (test points too) gets DNS_REFUSED_ANSWER instead of its
 * data. serial is the SOA serial; now decides expiry.
 *
 * Policy (RFC 1034/1035, 2308, 5782, 6891, 7766, 8020, 8482, 3225):
 * listed d.c.b.a.ZONE or 32-nibble IPv6 names: A answer and TXT (template);
 * RFC 5782 test points 127.0.0.2 (listed) and 127.0.0.1 (not), which in
 * IPv6 form are ::ffff:7f00:2 and ::ffff:7f00:1; not listed: NXDOMAIN with
 * the SOA; proper prefixes of names that exist (empty non-terminals):
 * NOERROR, no data, SOA; other types on a listed name: NODATA; ANY: the A
 * record only (RFC 8482); apex: SOA, NS (and glue); outside the zone,
 * CHAOS or other classes, AXFR/IXFR over TCP (dns_xfr.c answers those
 * it allows): REFUSED; over UDP, IXFR gets the SOA alone and AXFR TC
 * (RFC 1995 2, RFC 5936 4.2); opcodes other than QUERY: NOTIMP; malformed: FORMERR. The
 * question is echoed as received (0x20 case kept), names compare without
 * case. With EDNS0 every response has an OPT record and the DO bit
 * copied; version > 0 gets BADVERS.
 *
 * Returns the response length, or 0 when the message must be dropped
 * (shorter than a header, or itself a response). Never allocates.
 */
size_t	 dns_answer(const struct dns_zone *, const struct dns_source *,
	    uint64_t serial, int64_t now, const uint8_t *query, size_t qlen,
	    uint8_t *out, size_t outmax, int flags);

/*
 * A query's first question name, read ahead of answering. The UDP worker
 * reads a whole batch's names first, to start the zone's cache misses
 * for their addresses together, then answers each with the name already
 * read: reading it twice was a sixth of our time per query.
 */
struct dns_peek {
	struct dns_name	 qname;
	size_t		 qend;		/* offset just past the name */
	int		 named;		/* qname read without error */
	int		 below;		/* dns_name_below(qname, apex) */
	int		 has_addr;	/* a full address name under the zone */
	struct addr	 addr;
};

/*
 * Reads the first question name of query into *pk, and the address it
 * asks about when it is a full address name under the zone (4 decimal or
 * 32 hex labels). Returns pk->has_addr. Decides nothing: what is not
 * read here is read (and judged) by the answer.
 */
int	 dns_query_peek(const struct dns_zone *, const uint8_t *query,
	    size_t qlen, struct dns_peek *pk);

/* dns_answer, with the name pk read from the same query (pk may be NULL). */
size_t	 dns_answer_peeked(const struct dns_zone *,
	    const struct dns_source *, uint64_t serial, int64_t now,
	    const uint8_t *query, size_t qlen, uint8_t *out, size_t outmax,
	    int flags, const struct dns_peek *pk);

/*
 * The TXT of a listing exactly as answers carry it: dns.txt with {url}
 * set to the rendered lookup URL (zone transfers send the same text).
 * 0 and the text in buf, -1 when it does not render.
 */
int	 dns_answer_render_txt(const struct dns_zone *,
	    const struct zone_listing *, char *buf, size_t size);

/*
 * Fills the zone's fixed data with checks: name a valid DNS name, at least
 * one NS. 0 ok, -1 with err.
 */
int	 dns_zone_init(struct dns_zone *, const char *name, char *err,
	    size_t errlen);

/*
 * Makes the wire forms of the zone's names. dns_zone_init calls it; call
 * it again after changing name, ns[] or hostmaster. 0 when every name
 * parses, -1 otherwise (the zone still answers, see above).
 */
int	 dns_zone_prepare(struct dns_zone *);

#endif
