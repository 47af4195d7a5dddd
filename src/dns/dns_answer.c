/* dns_answer.c -- from a query to its response: the DNSBL's answer policy. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/txt.h"
#include "dns/dns_answer.h"
#include "dns/dns_wire.h"
#include "zone/zone.h"

/*
 * Defaults for dns_zone_init. The TTL is rbldnsd's customary 35 minutes;
 * a short negative TTL (RFC 2308 5) lets a fresh listing take effect in
 * resolvers within minutes. The SOA timers follow RFC 1912 2.2.
 */
#define DNS_DEFAULT_TTL		2100
#define DNS_DEFAULT_NEGATIVE_TTL 300
#define DNS_DEFAULT_REFRESH	3600
#define DNS_DEFAULT_RETRY	600
#define DNS_DEFAULT_EXPIRE	604800
#define DNS_DEFAULT_TXT							\
	"{ip} listed for backscatter ({class}), last seen {last}; see {url}"
#define DNS_DEFAULT_LOOKUP_URL	"http://localhost:8080/lookup?ip={ip}"
/* A placeholder until the operator names real servers (documented). */
#define DNS_DEFAULT_NS_LABEL	"ns"
#define DNS_DEFAULT_HOSTMASTER	"hostmaster"

/* RFC 1035 2.3.4: 255 octets in wire form are 253 characters as text. */
#define DNS_NAME_TEXT_MAX	253
/* An IPv4 name has 4 labels, an IPv6 name 32 (RFC 5782 2.1, 2.4). */
#define DNS_V4_LABELS		4
#define DNS_V6_LABELS		32
/* IPv4 prefixes are kept v4-mapped: the first 96 bits are ::ffff. */
#define DNS_V4_MAPPED_BITS	96

/* RFC 5782 5: 127.0.0.2 is always listed, 127.0.0.1 never. */
/* As v4-mapped addresses, which IPv6 names spell ::ffff:7f00:2 and :1. */
static const struct addr dns_testpoint_listed_addr = { .b = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2 } };
static const struct addr dns_testpoint_unlisted_addr = { .b = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 } };

/* Everything dns_query_parse learns about a message. */
struct dns_query {
	struct dns_header	 hdr;
	const struct dns_name	*qname;		/* own_qname or a peek's */
	struct dns_name		 own_qname;
	uint16_t		 qtype, qclass;
	size_t			 nrecords;	/* AN + NS + AR but OPT */
	int			 edns;		/* one valid OPT */
	uint16_t		 udpsize;
	uint8_t			 version;
	int			 dobit;
};

/* One response being built. */
struct dns_reply {
	const struct dns_zone	*zone;
	const struct dns_source	*src;
	uint32_t		 serial;
	int64_t			 now;
	const struct dns_query	*q;
	const struct dns_peek	*pk;		/* NULL: nothing read ahead */
	const struct dns_name	*apex;
	struct dns_wr		 w;
	size_t			 limit;		/* response size cap */
	size_t			 mark;		/* end of the question */
	uint16_t		 flags;		/* QR opcode AA TC RD RCODE */
	uint16_t		 qdcount, ancount, nscount, arcount;
	int			 edns;		/* send an OPT */
	int			 refused;	/* DNS_ANSWER_REFUSED */
	uint8_t			 ext_rcode;
};

/* What a name under the apex is. */
enum dns_node {
	DNS_NODE_NONE,		/* does not exist: NXDOMAIN */
	DNS_NODE_ENT,		/* an empty non-terminal: NODATA */
	DNS_NODE_LISTED,	/* a listing: A and TXT */
	DNS_NODE_TESTPOINT,	/* 127.0.0.2 (RFC 5782 5) */
	DNS_NODE_REFUSED,	/* any address, asked by a refused client */
	DNS_NODE_NSHOST,	/* one of the zone's name servers */
};

/*
 * Reads the rest of the message after the header, every section, so
 * that a malformed message is told apart from one we merely decline.
 * The first question is kept; answer and authority records (none in a
 * sane query) and additional records other than OPT are counted and
 * skipped. RFC 6891 6.1.1: more than one OPT is an error; 6.1.2: its
 * owner is the root; its options must tile its RDATA exactly. Bytes
 * after the last record are an error too: a message is what its counts
 * say it is. Every loop is bounded by the message length, since each
 * question takes at least 5 bytes and each record 11.
 * 0 ok, -1 malformed (FORMERR).
 */
static int
dns_query_parse(struct dns_rd *r, struct dns_query *q,
    const struct dns_peek *pk)
{
	struct dns_name scratch;
	struct dns_rd o;
	uint16_t type, klass, rdlen, ocode, olen;
	uint32_t ttl;
	size_t i, nsect;

	q->nrecords = 0;
	q->edns = 0;
	q->qtype = q->qclass = 0;
	q->own_qname.len = q->own_qname.nlabels = 0;
	q->qname = &q->own_qname;
	for (i = 0; i < q->hdr.qdcount; i++) {
		if (i == 0 && pk != NULL && pk->named) {
			/* The same bytes, already read: skip past them. */
			q->qname = &pk->qname;
			r->off = pk->qend;
		} else if (dns_name_read(r, i == 0 ? &q->own_qname :
		    &scratch) == -1)
			return -1;
		if (dns_rd_u16(r, &type) == -1 || dns_rd_u16(r, &klass) == -1)
			return -1;
		if (i == 0) {
			q->qtype = type;
			q->qclass = klass;
		}
	}
	nsect = (size_t)q->hdr.ancount + q->hdr.nscount;
	for (i = 0; i < nsect + q->hdr.arcount; i++) {
		if (dns_name_read(r, &scratch) == -1 ||
		    dns_rd_u16(r, &type) == -1 || dns_rd_u16(r, &klass) == -1 ||
		    dns_rd_u32(r, &ttl) == -1 || dns_rd_u16(r, &rdlen) == -1)
			return -1;
		if (dns_rd_left(r) < rdlen) {
			r->err = "truncated RDATA";
			return -1;
		}
		if (i < nsect || type != DNS_TYPE_OPT) {
			q->nrecords++;
			(void)dns_rd_skip(r, rdlen);
			continue;
		}
		if (q->edns) {
			r->err = "more than one OPT record";
			return -1;
		}
		if (scratch.len != 1) {
			r->err = "OPT owner is not the root";
			return -1;
		}
		dns_rd_init(&o, r->buf, r->off + rdlen);
		o.off = r->off;
		while (dns_rd_left(&o) > 0)
			if (dns_rd_u16(&o, &ocode) == -1 ||
			    dns_rd_u16(&o, &olen) == -1 ||
			    dns_rd_skip(&o, olen) == -1) {
				r->err = "malformed EDNS option";
				return -1;
			}
		(void)dns_rd_skip(r, rdlen);
		q->edns = 1;
		q->udpsize = klass;
		/* The upper RCODE bits (ttl >> 24) mean nothing in a query. */
		q->version = (uint8_t)(ttl >> 16);
		q->dobit = (ttl & DNS_EDNS_DO) != 0;
	}
	if (r->err == NULL && dns_rd_left(r) != 0)
		r->err = "trailing bytes after the last record";
	return r->err == NULL ? 0 : -1;
}

/*
 * Starts a response: room for the header, then the question when asked
 * (it always fits: 12 + 259 bytes are well under DNS_UDP_PLAIN_MAX).
 * The OPT record's bytes are held back from the writer so that whatever
 * else fits, the OPT still does (RFC 6891 7: a response to a query with
 * OPT carries one).
 */
static void
dns_reply_begin(struct dns_reply *rp, int with_question)
{
	static const uint8_t zero[DNS_HEADER_LEN];

	dns_wr_init(&rp->w, rp->w.buf, rp->limit);
	if (rp->edns)
		rp->w.max = rp->limit - DNS_OPT_LEN;
	dns_wr_bytes(&rp->w, zero, sizeof(zero));
	rp->qdcount = rp->ancount = rp->nscount = rp->arcount = 0;
	if (with_question) {
		dns_wr_question(&rp->w, rp->q->qname, rp->q->qtype,
		    rp->q->qclass);
		if (!rp->w.err)
			rp->qdcount = 1;
		else {
			rp->w.off = DNS_HEADER_LEN;
			rp->w.err = 0;
		}
	}
	rp->mark = rp->w.off;
}

/*
 * The answer and authority sections did not fit. RFC 2181 9: set TC and
 * send no partial RRsets; we send none at all, only the question (and
 * OPT), and the client retries over TCP (RFC 7766 5).
 */
static void
dns_reply_truncate(struct dns_reply *rp)
{
	rp->w.off = rp->mark;
	rp->w.err = 0;
	rp->ancount = rp->nscount = rp->arcount = 0;
	rp->flags |= DNS_FLAG_TC;
}

/* Appends the OPT, writes the header; returns the message length. */
static size_t
dns_reply_end(struct dns_reply *rp)
{
	struct dns_header h;

	if (rp->w.err)
		dns_reply_truncate(rp);
	rp->w.max = rp->limit;
	if (rp->edns) {
		/* RFC 3225 3: the DO bit is copied from the query. */
		dns_wr_opt(&rp->w, DNS_EDNS_UDP_MAX, rp->ext_rcode, 0,
		    rp->q->dobit);
		if (!rp->w.err)
			rp->arcount++;
	}
	h.id = rp->q->hdr.id;
	h.flags = rp->flags;
	h.qdcount = rp->qdcount;
	h.ancount = rp->ancount;
	h.nscount = rp->nscount;
	h.arcount = rp->arcount;
	dns_header_write(rp->w.buf, &h);
	return rp->w.off;
}

/* A response with no records: errors and refusals. */
static size_t
dns_reply_rcode(struct dns_reply *rp, unsigned int rcode, int with_question)
{
	/* None of these is an answer from the zone's data: no AA. */
	rp->flags = (uint16_t)((rp->flags & ~(DNS_RCODE_MASK | DNS_FLAG_AA)) |
	    (rcode & DNS_RCODE_MASK));
	rp->ext_rcode = (uint8_t)(rcode >> 4);
	dns_reply_begin(rp, with_question);
	return dns_reply_end(rp);
}

/*
 * The SOA's names, from the zone's text: MNAME is the first NS (RFC
 * 1035 3.3.13, the primary), RNAME the hostmaster mailbox. 0 ok, -1 when
 * the zone holds a name we cannot write (a configuration bug: SERVFAIL).
 */
/* Writes the zone's SOA with the given TTL. 0 ok, -1 bad zone names. */
static int
dns_reply_soa(struct dns_reply *rp, uint32_t ttl)
{
	const struct dns_zone *z = rp->zone;
	struct dns_soa soa;

	if (z->nns == 0 || !z->ns_ok[0] || !z->hostmaster_ok)
		return -1;
	soa.mname = &z->ns_wire[0];
	soa.rname = &z->hostmaster_wire;
	/*
	 * The journal serial is 64 bits, the SOA's 32: its low bits go on
	 * increasing in serial arithmetic (RFC 1982) for as long as fewer
	 * than 2^31 changes separate two looks by a secondary.
	 */
	soa.serial = rp->serial;
	soa.refresh = rp->zone->refresh;
	soa.retry = rp->zone->retry;
	soa.expire = rp->zone->expire;
	soa.minimum = rp->zone->negative_ttl;
	dns_wr_rr_soa(&rp->w, rp->apex, ttl, &soa);
	return 0;
}

/*
 * NXDOMAIN or NODATA: the SOA in the authority section, with the TTL
 * RFC 2308 3 asks for, the smaller of its own TTL and its MINIMUM, so
 * resolvers cache the negative answer for at most negative_ttl.
 */
static size_t
dns_reply_negative(struct dns_reply *rp, unsigned int rcode)
{
	uint32_t ttl = rp->zone->ttl < rp->zone->negative_ttl ?
	    rp->zone->ttl : rp->zone->negative_ttl;

	rp->flags |= (uint16_t)rcode;
	if (dns_reply_soa(rp, ttl) == -1)
		return dns_reply_rcode(rp, DNS_RCODE_SERVFAIL, 1);
	rp->nscount = 1;
	return dns_reply_end(rp);
}

/*
 * Glue for the in-zone name servers, in the additional section. It is
 * extra information (RFC 2181 9): what does not fit is left out without
 * TC, one whole record at a time.
 */
static void
dns_reply_glue(struct dns_reply *rp)
{
	const struct dns_ns *ns;
	const struct dns_name *name;
	size_t i, at;

	for (i = 0; i < rp->zone->nns && i < DNS_NS_MAX; i++) {
		ns = &rp->zone->ns[i];
		name = &rp->zone->ns_wire[i];
		if (!rp->zone->ns_ok[i] || dns_name_below(name, rp->apex) <= 0)
			continue;
		if (ns->has_v4) {
			at = rp->w.off;
			dns_wr_rr_a(&rp->w, name, rp->zone->ttl, ns->v4);
			if (rp->w.err) {
				rp->w.off = at;
				rp->w.err = 0;
				return;
			}
			rp->arcount++;
		}
		if (ns->has_v6) {
			at = rp->w.off;
			dns_wr_rr_aaaa(&rp->w, name, rp->zone->ttl, ns->v6);
			if (rp->w.err) {
				rp->w.off = at;
				rp->w.err = 0;
				return;
			}
			rp->arcount++;
		}
	}
}

/*
 * The apex holds the SOA and the NS RRset. ANY gets the SOA alone, the
 * one RRset RFC 8482 4.2 lets us choose; any other type is NODATA.
 */
static size_t
dns_reply_apex(struct dns_reply *rp)
{
	size_t i;

	switch (rp->q->qtype) {
	case DNS_TYPE_SOA:
	case DNS_TYPE_ANY:
		if (dns_reply_soa(rp, rp->zone->ttl) == -1)
			return dns_reply_rcode(rp, DNS_RCODE_SERVFAIL, 1);
		rp->ancount = 1;
		return dns_reply_end(rp);
	case DNS_TYPE_NS:
		if (rp->zone->nns == 0)
			return dns_reply_rcode(rp, DNS_RCODE_SERVFAIL, 1);
		for (i = 0; i < rp->zone->nns && i < DNS_NS_MAX; i++) {
			if (!rp->zone->ns_ok[i])
				return dns_reply_rcode(rp, DNS_RCODE_SERVFAIL,
				    1);
			dns_wr_rr_ns(&rp->w, rp->apex, rp->zone->ttl,
			    &rp->zone->ns_wire[i]);
			rp->ancount++;
		}
		if (rp->w.err)
			return dns_reply_end(rp);
		dns_reply_glue(rp);
		return dns_reply_end(rp);
	default:
		return dns_reply_negative(rp, DNS_RCODE_NOERROR);
	}
}

/*
 * A name server's own name, when it lies under the apex, holds the
 * addresses given as glue: resolvers ask for them once they reach us,
 * and an NXDOMAIN there would make them doubt the delegation.
 */
static size_t
dns_reply_nshost(struct dns_reply *rp, const struct dns_ns *ns)
{
	const struct dns_name *qn = rp->q->qname;
	uint16_t qtype = rp->q->qtype;

	if ((qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY) && ns->has_v4) {
		dns_wr_rr_a(&rp->w, qn, rp->zone->ttl, ns->v4);
		rp->ancount = 1;
		return dns_reply_end(rp);
	}
	/* ANY: one RRset (RFC 8482 4.2), AAAA when there is no A. */
	if ((qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY) && ns->has_v6) {
		dns_wr_rr_aaaa(&rp->w, qn, rp->zone->ttl, ns->v6);
		rp->ancount = 1;
		return dns_reply_end(rp);
	}
	return dns_reply_negative(rp, DNS_RCODE_NOERROR);
}

/*
 * The TXT of a listing: dns.txt with {url} set to the rendered lookup
 * URL of the same listing. 0 and the text in buf, -1 when either does
 * not render (the config check makes that rare: it means the values of
 * this listing outgrew the template's room).
 */
static int
dns_reply_render_txt(const struct dns_reply *rp,
    const struct zone_listing *l, char *buf, size_t size)
{
	return dns_answer_render_txt(rp->zone, l, buf, size);
}

int
dns_answer_render_txt(const struct dns_zone *z, const struct zone_listing *l,
    char *buf, size_t size)
{
	struct txt_vars v;
	char url[TXT_URL_MAX];

	if (z->txt == NULL)
		return -1;
	memset(&v, 0, sizeof(v));
	v.prefix = &l->prefix;
	v.listed_since = l->listed_since;
	v.last_seen = l->last_seen;
	v.expires = l->expires;
	v.classes = l->classes;
	if (z->lookup_url != NULL) {
		if (txt_render(z->lookup_url, &v, url, sizeof(url)) == -1)
			return -1;
		v.url = url;
	}
	return txt_render(z->txt, &v, buf, size);
}

/*
 * A listed name holds an A and a TXT; so do the listed test point and,
 * for a refused client, every address, with fixed_txt as the TXT (l is
 * NULL then). Each
 * query gets the RRset it asked for; ANY gets the A alone (RFC 8482
 * 4.2: the A is what DNSBL clients use). When the TXT cannot be
 * rendered the name holds the A only, so TXT is NODATA: better no
 * explanation than a cut one, and never an error that looks like an
 * outage.
 */
static size_t
dns_reply_listed(struct dns_reply *rp, const struct zone_listing *l,
    const char *fixed_txt)
{
	static const uint8_t refused[4] = { 127, 255, 255, 254 };
	const struct dns_name *qn = rp->q->qname;
	char txt[TXT_MAX + 1];
	const char *s;

	switch (rp->q->qtype) {
	case DNS_TYPE_A:
	case DNS_TYPE_ANY:
		dns_wr_rr_a(&rp->w, qn, rp->zone->ttl,
		    rp->refused ? refused : rp->zone->answer);
		rp->ancount = 1;
		return dns_reply_end(rp);
	case DNS_TYPE_TXT:
		if (l == NULL)
			s = fixed_txt;
		else if (dns_reply_render_txt(rp, l, txt, sizeof(txt)) == 0)
			s = txt;
		else
			return dns_reply_negative(rp, DNS_RCODE_NOERROR);
		dns_wr_rr_txt(&rp->w, qn, rp->zone->ttl, s, strlen(s));
		rp->ancount = 1;
		return dns_reply_end(rp);
	default:
		return dns_reply_negative(rp, DNS_RCODE_NOERROR);
	}
}

static int
dns_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Does the prefix hold a name that exists: a listing or the test point? */
static int
dns_prefix_exists(const struct dns_reply *rp, const struct prefix *p)
{
	if (prefix_contains(p, &dns_testpoint_listed_addr))
		return 1;
	return rp->src->intersects(rp->src->arg, p) == 1;
}

/*
 * What the k labels in front of the apex name. A listing is a full
 * name: 4 decimal labels (RFC 5782 2.1) or 32 nibbles (2.4), read
 * backwards as addr_from_revname reads what the export writes. Anything
 * shorter that could begin such a name is a partial: 1-3 decimal labels
 * 0..255 without leading zeros name an IPv4 /8, /16 or /24, and 1-31
 * single hex digits an IPv6 prefix of 4 bits a label. A partial exists
 * as an empty non-terminal when a listing lies under it or covers it,
 * or it leads to the test point; answering NXDOMAIN there would deny,
 * to resolvers that trust it for the whole subtree (RFC 8020), names
 * that do exist. A name can be read both ways ("2.0" is 0.2.0.0/16 and
 * 0200::/8; "1.0.0.2" is the address 2.0.0.1 and 2001::/16), and then
 * exists if either reading does. Everything else under the apex, but a
 * name server's own name and its ancestors, does not exist.
 */
static enum dns_node
dns_reply_classify(struct dns_reply *rp, size_t k, struct zone_listing *l,
    size_t *nsidx)
{
	const struct dns_name *qn = rp->q->qname;
	struct prefix p;
	struct addr a;
	unsigned int oct[DNS_V4_LABELS];
	uint8_t v4oct[DNS_V4_LABELS];
	int nib[DNS_V6_LABELS], v4, v6, d;
	size_t i, len;
	const uint8_t *s;

	v4 = k <= DNS_V4_LABELS;
	v6 = k <= DNS_V6_LABELS;
	/*
	 * The read-ahead parsed the octets of a full IPv4 name already;
	 * only the other reading (four one-nibble labels) is left to try.
	 */
	i = 0;
	if (k == DNS_V4_LABELS && rp->pk != NULL && rp->pk->has_addr) {
		/* Label 0 is the last octet: d in d.c.b.a. */
		for (; i < DNS_V4_LABELS; i++) {
			oct[i] = rp->pk->addr.b[15 - i];
			s = qn->lower + qn->label[i];
			if (s[0] != 1 || (nib[i] = dns_hexval(s[1])) == -1)
				v6 = 0;
		}
	}
	for (; i < k && (v4 || v6); i++) {
		len = qn->lower[qn->label[i]];
		s = qn->lower + qn->label[i] + 1;
		if (v6) {
			if (len == 1 && (d = dns_hexval(s[0])) != -1)
				nib[i] = d;
			else
				v6 = 0;
		}
		if (v4 && addr_parse_dec((const char *)s, len, 3, 255,
		    &oct[i]) == -1)
			v4 = 0;
	}

	/*
	 * A full name is an address: the labels read backwards, as
	 * addr_from_revname reads them, built here from the values already
	 * parsed rather than from text once more.
	 */
	if ((k == DNS_V4_LABELS && v4) || (k == DNS_V6_LABELS && v6)) {
		if (k == DNS_V4_LABELS) {
			for (i = 0; i < DNS_V4_LABELS; i++)
				v4oct[i] = (uint8_t)oct[DNS_V4_LABELS - 1 - i];
			addr_from_v4(&a, v4oct);
		} else {
			memset(&a, 0, sizeof(a));
			for (i = 0; i < DNS_V6_LABELS; i++) {
				d = nib[DNS_V6_LABELS - 1 - i];
				a.b[i / 2] |= (uint8_t)(i % 2 == 0 ?
				    d << 4 : d);
			}
		}
		if (rp->refused)
			return DNS_NODE_REFUSED;
		/* memcmp of a constant size for equality: inlined. */
		if (memcmp(&a, &dns_testpoint_listed_addr, sizeof(a)) == 0)
			return DNS_NODE_TESTPOINT;
		/*
		 * Expiry is the source's rule (now < expires); we check it
		 * again, since a stale "listed" is the one answer a
		 * blocklist must never give.
		 */
		if (memcmp(&a, &dns_testpoint_unlisted_addr, sizeof(a)) != 0 &&
		    rp->src->lookup(rp->src->arg, &a, rp->now, l) == 1 &&
		    rp->now < l->expires)
			return DNS_NODE_LISTED;
	}

	/* Name servers under the apex are few: compare each. */
	for (i = 0; i < rp->zone->nns && i < DNS_NS_MAX; i++) {
		const struct dns_name *nsname = &rp->zone->ns_wire[i];

		if (!rp->zone->ns_ok[i])
			continue;
		if (dns_name_equal(nsname, qn)) {
			*nsidx = i;
			return DNS_NODE_NSHOST;
		}
		if (dns_name_below(nsname, qn) > 0)
			return DNS_NODE_ENT;
	}

	if (v4 && k < DNS_V4_LABELS) {
		memset(&p, 0, sizeof(p));
		p.addr.b[10] = p.addr.b[11] = 0xff;
		/* The last label before the apex is the first octet. */
		for (i = 0; i < k; i++)
			p.addr.b[12 + i] = (uint8_t)oct[k - 1 - i];
		p.len = DNS_V4_MAPPED_BITS + 8 * (unsigned int)k;
		if (dns_prefix_exists(rp, &p))
			return DNS_NODE_ENT;
	}
	if (v6 && k < DNS_V6_LABELS) {
		memset(&p, 0, sizeof(p));
		for (i = 0; i < k; i++) {
			d = nib[k - 1 - i];
			p.addr.b[i / 2] |= (uint8_t)(i % 2 == 0 ? d << 4 : d);
		}
		p.len = 4 * (unsigned int)k;
		if (dns_prefix_exists(rp, &p))
			return DNS_NODE_ENT;
	}
	return DNS_NODE_NONE;
}

/* Answers a question for a name at or under the apex (AA set). */
static size_t
dns_reply_zone(struct dns_reply *rp, size_t k)
{
	struct zone_listing l;
	size_t nsidx = 0;

	/* RFC 1035 4.1.1: our data, our answer. */
	rp->flags |= DNS_FLAG_AA;
	dns_reply_begin(rp, 1);
	if (k == 0)
		return dns_reply_apex(rp);
	switch (dns_reply_classify(rp, k, &l, &nsidx)) {
	case DNS_NODE_LISTED:
		return dns_reply_listed(rp, &l, NULL);
	case DNS_NODE_TESTPOINT:
		return dns_reply_listed(rp, NULL, DNS_TESTPOINT_TXT);
	case DNS_NODE_REFUSED:
		return dns_reply_listed(rp, NULL, DNS_REFUSED_TXT);
	case DNS_NODE_NSHOST:
		return dns_reply_nshost(rp, &rp->zone->ns[nsidx]);
	case DNS_NODE_ENT:
		return dns_reply_negative(rp, DNS_RCODE_NOERROR);
	case DNS_NODE_NONE:
		break;
	}
	return dns_reply_negative(rp, DNS_RCODE_NXDOMAIN);
}

/*
 * The order of the checks decides which error a message earns when it
 * has several faults: a response is dropped (answering it could start a
 * loop between two servers); an opcode we do not implement is NOTIMP
 * whatever follows, since we cannot know its format (RFC 1035 4.1.1,
 * RFC 8490 makes a DSO message look malformed to a QUERY parser); a
 * malformed QUERY is FORMERR; then BADVERS (RFC 6891 6.1.3), then what
 * we refuse, then the zone's data.
 */
size_t
dns_answer(const struct dns_zone *zone, const struct dns_source *src,
    uint64_t serial, int64_t now, const uint8_t *query, size_t qlen,
    uint8_t *out, size_t outmax, int flags)
{
	return dns_answer_peeked(zone, src, serial, now, query, qlen, out,
	    outmax, flags, NULL);
}

size_t
dns_answer_peeked(const struct dns_zone *zone, const struct dns_source *src,
    uint64_t serial, int64_t now, const uint8_t *query, size_t qlen,
    uint8_t *out, size_t outmax, int flags, const struct dns_peek *pk)
{
	struct dns_reply rp;
	struct dns_query q;
	struct dns_rd r;
	int parsed, k;

	if (zone == NULL || src == NULL || query == NULL || out == NULL ||
	    outmax < DNS_UDP_PLAIN_MAX || qlen < DNS_HEADER_LEN)
		return 0;
	dns_rd_init(&r, query, qlen);
	(void)dns_header_read(&r, &q.hdr);
	if (q.hdr.flags & DNS_FLAG_QR)
		return 0;
	parsed = dns_query_parse(&r, &q, pk) == 0;

	/* Field by field: the apex name inside is big and filled later. */
	rp.zone = zone;
	rp.src = src;
	rp.serial = (uint32_t)serial;
	rp.now = now;
	rp.q = &q;
	rp.pk = pk != NULL && pk->named ? pk : NULL;
	rp.w.buf = out;
	rp.ext_rcode = 0;
	/*
	 * RFC 1035 4.1.1: opcode and RD are copied; RA stays clear (no
	 * recursion); AD and CD stay clear too (RFC 4035 3.1.6: an
	 * authoritative response SHOULD clear CD, and we sign nothing).
	 */
	rp.flags = (uint16_t)(DNS_FLAG_QR |
	    (q.hdr.flags & (DNS_OPCODE_MASK | DNS_FLAG_RD)));
	rp.edns = parsed && q.edns;
	/*
	 * RFC 6891 6.2.5: a payload size under 512 means 512; we never go
	 * past DNS_EDNS_UDP_MAX over UDP, to avoid fragments. TCP takes
	 * whole messages (RFC 7766 8), and the size field means nothing.
	 */
	rp.refused = (flags & DNS_ANSWER_REFUSED) != 0;
	if (flags & DNS_ANSWER_TCP)
		rp.limit = DNS_TCP_MAX;
	else if (rp.edns)
		rp.limit = q.udpsize < DNS_UDP_PLAIN_MAX ? DNS_UDP_PLAIN_MAX :
		    q.udpsize > DNS_EDNS_UDP_MAX ? DNS_EDNS_UDP_MAX :
		    q.udpsize;
	else
		rp.limit = DNS_UDP_PLAIN_MAX;
	if (rp.limit > outmax)
		rp.limit = outmax;

	if (DNS_OPCODE(q.hdr.flags) != DNS_OPCODE_QUERY)
		return dns_reply_rcode(&rp, DNS_RCODE_NOTIMP,
		    parsed && q.hdr.qdcount == 1);
	/*
	 * A query has one question (RFC 1035 4.1.2 allows more in theory,
	 * no server answers them), no answer or authority records, and no
	 * additional record but the OPT: until TSIG exists here, a signed
	 * query is not one we can process either.
	 */
	if (!parsed || q.hdr.qdcount != 1 || (q.nrecords != 0 &&
	    !(q.qtype == DNS_TYPE_IXFR && q.hdr.ancount == 0 &&
	    q.nrecords == q.hdr.nscount)))
		return dns_reply_rcode(&rp, DNS_RCODE_FORMERR, 0);
	if (q.edns && q.version > 0)
		return dns_reply_rcode(&rp, DNS_RCODE_BADVERS, 1);

	/* CHAOS (version.bind, id.server) and other classes: not ours. */
	if (q.qclass != DNS_CLASS_IN)
		return dns_reply_rcode(&rp, DNS_RCODE_REFUSED, 1);
	switch (q.qtype) {
	case DNS_TYPE_OPT:
	case DNS_TYPE_TSIG:
	case DNS_TYPE_TKEY:
		/* Meta-types exist only in transit (RFC 6895 3.1). */
		return dns_reply_rcode(&rp, DNS_RCODE_FORMERR, 0);
	case DNS_TYPE_MAILA:
	case DNS_TYPE_MAILB:
		/* Obsolete (RFC 973, RFC 2505); BIND says NOTIMP too. */
		return dns_reply_rcode(&rp, DNS_RCODE_NOTIMP, 1);
	case DNS_TYPE_AXFR:
	case DNS_TYPE_IXFR:
		/*
		 * Transfers the server allows never get here over TCP
		 * (dns_xfr.c takes them first): what does is refused.
		 */
		if (flags & DNS_ANSWER_TCP)
			return dns_reply_rcode(&rp, DNS_RCODE_REFUSED, 1);
		break;
	default:
		break;
	}
	if (!zone->apex_ok)
		return dns_reply_rcode(&rp, DNS_RCODE_SERVFAIL, 1);
	rp.apex = &zone->apex_wire;
	/* The read-ahead placed the name already, against the same apex. */
	k = rp.pk != NULL ? rp.pk->below : dns_name_below(q.qname, rp.apex);
	if (k < 0)
		return dns_reply_rcode(&rp, DNS_RCODE_REFUSED, 1);
	if (q.qtype == DNS_TYPE_AXFR || q.qtype == DNS_TYPE_IXFR) {
		if (k != 0)
			return dns_reply_rcode(&rp, DNS_RCODE_REFUSED, 1);
		/*
		 * Over UDP, RFC 1995 2: an IXFR whose answer does not fit
		 * gets the current SOA alone, which sends the client to
		 * TCP; AXFR is TCP only (RFC 5936 4.2), and TC says so.
		 */
		rp.flags |= DNS_FLAG_AA;
		dns_reply_begin(&rp, 1);
		if (q.qtype == DNS_TYPE_AXFR) {
			rp.flags |= DNS_FLAG_TC;
			return dns_reply_end(&rp);
		}
		if (dns_reply_soa(&rp, zone->ttl) == -1)
			return dns_reply_rcode(&rp, DNS_RCODE_SERVFAIL, 1);
		rp.ancount = 1;
		return dns_reply_end(&rp);
	}
	return dns_reply_zone(&rp, (size_t)k);
}

int
dns_query_peek(const struct dns_zone *zone, const uint8_t *query,
    size_t qlen, struct dns_peek *pk)
{
	const struct dns_name *qn = &pk->qname;
	struct dns_header hdr;
	struct dns_rd r;
	unsigned int oct;
	uint8_t v4[DNS_V4_LABELS];
	size_t i, len;
	int k, d;

	pk->named = pk->has_addr = 0;
	if (qlen < DNS_HEADER_LEN)
		return 0;
	dns_rd_init(&r, query, qlen);
	(void)dns_header_read(&r, &hdr);
	if (hdr.qdcount == 0 || dns_name_read(&r, &pk->qname) == -1)
		return 0;
	pk->named = 1;
	pk->qend = r.off;
	pk->below = -1;
	if (!zone->apex_ok)
		return 0;
	k = pk->below = dns_name_below(qn, &zone->apex_wire);
	if (k == DNS_V4_LABELS) {
		for (i = 0; i < DNS_V4_LABELS; i++) {
			len = qn->lower[qn->label[i]];
			if (addr_parse_dec((const char *)qn->lower +
			    qn->label[i] + 1, len, 3, 255, &oct) == -1)
				return 0;
			v4[DNS_V4_LABELS - 1 - i] = (uint8_t)oct;
		}
		addr_from_v4(&pk->addr, v4);
		return pk->has_addr = 1;
	}
	if (k == DNS_V6_LABELS) {
		memset(&pk->addr, 0, sizeof(pk->addr));
		for (i = 0; i < DNS_V6_LABELS; i++) {
			if (qn->lower[qn->label[i]] != 1 ||
			    (d = dns_hexval(qn->lower[qn->label[i] + 1])) == -1)
				return 0;
			pk->addr.b[(DNS_V6_LABELS - 1 - i) / 2] |= (uint8_t)
			    ((DNS_V6_LABELS - 1 - i) % 2 == 0 ? d << 4 : d);
		}
		return pk->has_addr = 1;
	}
	return 0;
}

/* RFC 1123 2.1 host names: letters, digits, inner hyphens. */
static int
dns_zone_check_name(const char *s, size_t len)
{
	size_t i, label = 0;
	char c;

	if (len == 0)
		return -1;
	for (i = 0; i <= len; i++) {
		c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > DNS_LABEL_MAX ||
			    s[i - 1] == '-')
				return -1;
			label = 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    !(c == '-' && label > 0))
			return -1;
		label++;
	}
	return 0;
}

/* "label.name" into buf; -1 if it does not fit (never cut). */
static int
dns_zone_join(char *buf, size_t size, const char *label, const char *name)
{
	size_t l = strlen(label), n = strlen(name);

	if (l + 1 + n >= size)
		return -1;
	memcpy(buf, label, l);
	buf[l] = '.';
	memcpy(buf + l + 1, name, n + 1);
	return 0;
}

/*
 * The defaults are what a first run on one host needs: the name server
 * "ns.ZONE" with glue 127.0.0.1 and the mailbox "hostmaster.ZONE" are
 * placeholders that the operator replaces with the real servers and a
 * real mailbox before delegating the zone (see backscatter.conf(5)).
 */
int
dns_zone_init(struct dns_zone *z, const char *name, char *err, size_t errlen)
{
	static const uint8_t answer[4] = { 127, 0, 0, 2 };
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };
	char dummy[1], lower[DNS_NAME_TEXT_MAX + 1];
	struct dns_name check;
	size_t len, i;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (z == NULL || name == NULL) {
		snprintf(err, errlen, "no zone name");
		return -1;
	}
	memset(z, 0, sizeof(*z));
	len = strnlen(name, DNS_NAME_TEXT_MAX + 2);
	/* "bl.example.org." names the same zone. */
	if (len > 1 && name[len - 1] == '.')
		len--;
	/* Room for "hostmaster." in front, within 253 characters. */
	if (len > DNS_NAME_TEXT_MAX - sizeof(DNS_DEFAULT_HOSTMASTER)) {
		snprintf(err, errlen, "zone name longer than %zu characters",
		    DNS_NAME_TEXT_MAX - sizeof(DNS_DEFAULT_HOSTMASTER));
		return -1;
	}
	for (i = 0; i < len; i++)
		lower[i] = name[i] >= 'A' && name[i] <= 'Z' ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	lower[len] = '\0';
	if (dns_zone_check_name(lower, len) == -1) {
		snprintf(err, errlen, "invalid zone name");
		return -1;
	}
	memcpy(z->name, lower, len + 1);
	if (dns_zone_join(z->ns[0].name, sizeof(z->ns[0].name),
	    DNS_DEFAULT_NS_LABEL, z->name) == -1 ||
	    dns_zone_join(z->hostmaster, sizeof(z->hostmaster),
	    DNS_DEFAULT_HOSTMASTER, z->name) == -1 ||
	    dns_name_from_text(&check, z->hostmaster) == -1 ||
	    dns_name_from_text(&check, z->ns[0].name) == -1) {
		snprintf(err, errlen, "invalid zone name");
		return -1;
	}
	z->ns[0].has_v4 = 1;
	memcpy(z->ns[0].v4, loopback, sizeof(loopback));
	z->nns = 1;
	z->ttl = DNS_DEFAULT_TTL;
	z->negative_ttl = DNS_DEFAULT_NEGATIVE_TTL;
	memcpy(z->answer, answer, sizeof(answer));
	z->txt = DNS_DEFAULT_TXT;
	z->lookup_url = DNS_DEFAULT_LOOKUP_URL;
	z->refresh = DNS_DEFAULT_REFRESH;
	z->retry = DNS_DEFAULT_RETRY;
	z->expire = DNS_DEFAULT_EXPIRE;
	return dns_zone_prepare(z);
}

int
dns_zone_prepare(struct dns_zone *z)
{
	size_t i;
	int rc = 0;

	z->apex_ok = dns_name_from_text(&z->apex_wire, z->name) == 0;
	z->hostmaster_ok = dns_name_from_text(&z->hostmaster_wire,
	    z->hostmaster) == 0;
	if (!z->apex_ok || !z->hostmaster_ok)
		rc = -1;
	for (i = 0; i < DNS_NS_MAX; i++) {
		z->ns_ok[i] = i < z->nns &&
		    dns_name_from_text(&z->ns_wire[i], z->ns[i].name) == 0;
		if (i < z->nns && !z->ns_ok[i])
			rc = -1;
	}
	return rc;
}
