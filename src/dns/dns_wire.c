/* dns_wire.c -- DNS wire format: a read cursor, names, and a bounded writer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns_wire.h"

/* RFC 1035 4.1.4: the two top bits of a length octet say what follows. */
#define DNS_LABEL_TYPE_MASK	0xc0
#define DNS_LABEL_NORMAL	0x00
#define DNS_LABEL_POINTER	0xc0
/* A pointer holds a 14-bit offset. */
#define DNS_PTR_OFFSET_MAX	0x3fff

static uint8_t
dns_lower(uint8_t c)
{
	/* RFC 4343 2: only ASCII letters have case; other octets are kept. */
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

void
dns_rd_init(struct dns_rd *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = buf == NULL ? 0 : len;
	r->off = 0;
	r->err = NULL;
}

/* Checks that n more bytes can be read; sets err and fails otherwise. */
static int
dns_rd_need(struct dns_rd *r, size_t n)
{
	if (r->err != NULL)
		return -1;
	if (r->len - r->off < n) {
		r->err = "truncated";
		return -1;
	}
	return 0;
}

int
dns_rd_u8(struct dns_rd *r, uint8_t *v)
{
	if (dns_rd_need(r, 1) == -1)
		return -1;
	*v = r->buf[r->off];
	r->off += 1;
	return 0;
}

int
dns_rd_u16(struct dns_rd *r, uint16_t *v)
{
	if (dns_rd_need(r, 2) == -1)
		return -1;
	*v = (uint16_t)(r->buf[r->off] << 8 | r->buf[r->off + 1]);
	r->off += 2;
	return 0;
}

int
dns_rd_u32(struct dns_rd *r, uint32_t *v)
{
	if (dns_rd_need(r, 4) == -1)
		return -1;
	*v = (uint32_t)r->buf[r->off] << 24 |
	    (uint32_t)r->buf[r->off + 1] << 16 |
	    (uint32_t)r->buf[r->off + 2] << 8 | (uint32_t)r->buf[r->off + 3];
	r->off += 4;
	return 0;
}

int
dns_rd_skip(struct dns_rd *r, size_t n)
{
	if (dns_rd_need(r, n) == -1)
		return -1;
	r->off += n;
	return 0;
}

size_t
dns_rd_left(const struct dns_rd *r)
{
	return r->err != NULL ? 0 : r->len - r->off;
}

int
dns_header_read(struct dns_rd *r, struct dns_header *h)
{
	if (dns_rd_need(r, DNS_HEADER_LEN) == -1)
		return -1;
	(void)dns_rd_u16(r, &h->id);
	(void)dns_rd_u16(r, &h->flags);
	(void)dns_rd_u16(r, &h->qdcount);
	(void)dns_rd_u16(r, &h->ancount);
	(void)dns_rd_u16(r, &h->nscount);
	(void)dns_rd_u16(r, &h->arcount);
	return 0;
}

static void
dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
dns_header_write(uint8_t *out, const struct dns_header *h)
{
	dns_put16(out, h->id);
	dns_put16(out + 2, h->flags);
	dns_put16(out + 4, h->qdcount);
	dns_put16(out + 6, h->ancount);
	dns_put16(out + 8, h->nscount);
	dns_put16(out + 10, h->arcount);
}

/*
 * Names are read label by label into a flat copy. Loops are impossible
 * by construction rather than detected: a pointer must point before the
 * first octet of the run of labels it ends (the name's own start for
 * the first run), so every run lies strictly before the previous one
 * and the walk only goes backwards. That rule accepts every name a real
 * encoder writes (it can only point at names already written) and
 * rejects pointers to themselves, forwards, and into the name itself.
 * The 255-octet cap (RFC 1035 2.3.4) applies to the uncompressed form.
 */
int
dns_name_read(struct dns_rd *r, struct dns_name *n)
{
	size_t pos, start, end = 0, target;
	int hops = 0, jumped = 0;
	uint8_t c;

	if (r->err != NULL)
		return -1;
	n->len = 0;
	n->nlabels = 0;
	pos = start = r->off;
	for (;;) {
		if (pos >= r->len) {
			r->err = "truncated name";
			return -1;
		}
		c = r->buf[pos];
		switch (c & DNS_LABEL_TYPE_MASK) {
		case DNS_LABEL_NORMAL:
			if (r->len - pos - 1 < c) {
				r->err = "truncated name";
				return -1;
			}
			if (DNS_NAME_MAX - n->len < 1 + (size_t)c ||
			    (c != 0 && n->nlabels == DNS_LABELS_MAX)) {
				r->err = "name longer than 255 octets";
				return -1;
			}
			if (c != 0)
				n->label[n->nlabels++] = (uint8_t)n->len;
			/*
			 * Both forms in one pass, the length octet included:
			 * at most 63, it is no letter and lowers to itself.
			 * A memcpy call per label cost more than the copy.
			 */
			for (size_t i = 0; i <= c; i++) {
				uint8_t o = r->buf[pos + i];

				n->wire[n->len + i] = o;
				n->lower[n->len + i] = dns_lower(o);
			}
			n->len += 1 + (size_t)c;
			pos += 1 + (size_t)c;
			if (c == 0) {
				r->off = jumped ? end : pos;
				return 0;
			}
			break;
		case DNS_LABEL_POINTER:
			if (r->len - pos < 2) {
				r->err = "truncated name";
				return -1;
			}
			target = (size_t)(c & ~DNS_LABEL_TYPE_MASK) << 8 |
			    r->buf[pos + 1];
			if (!jumped) {
				end = pos + 2;
				jumped = 1;
			}
			if (target >= start) {
				r->err = "compression pointer not backwards";
				return -1;
			}
			if (++hops > DNS_PTR_HOPS_MAX) {
				r->err = "too many compression pointers";
				return -1;
			}
			pos = start = target;
			break;
		default:
			/* 01: extended labels, deprecated (RFC 6891 5). */
			r->err = "unknown label type";
			return -1;
		}
	}
}

int
dns_name_from_text(struct dns_name *n, const char *s)
{
	size_t l;

	n->len = 0;
	n->nlabels = 0;
	if (s == NULL)
		return -1;
	if (s[0] == '.' && s[1] == '\0')
		s++;
	while (*s != '\0') {
		for (l = 0; s[l] != '\0' && s[l] != '.'; l++)
			if (l == DNS_LABEL_MAX)
				return -1;
		/* Room for the length octet, the label and the root. */
		if (l == 0 || DNS_NAME_MAX - n->len < l + 2)
			return -1;
		n->label[n->nlabels++] = (uint8_t)n->len;
		n->wire[n->len] = n->lower[n->len] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			n->wire[n->len + 1 + i] = n->lower[n->len + 1 + i] =
			    dns_lower((uint8_t)s[i]);
		n->len += 1 + l;
		s += l;
		/* A trailing dot names the same (fully qualified) name. */
		if (*s == '.')
			s++;
	}
	n->wire[n->len] = n->lower[n->len] = 0;
	n->len++;
	return 0;
}

int
dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && memcmp(a->lower, b->lower, a->len) == 0;
}

int
dns_name_below(const struct dns_name *name, const struct dns_name *apex)
{
	size_t k, off;

	if (name->nlabels < apex->nlabels)
		return -1;
	k = name->nlabels - apex->nlabels;
	/* The suffix with as many labels as apex; the root when apex is. */
	off = k == name->nlabels ? name->len - 1 : name->label[k];
	if (name->len - off != apex->len ||
	    memcmp(name->lower + off, apex->lower, apex->len) != 0)
		return -1;
	return (int)k;
}

void
dns_wr_init(struct dns_wr *w, uint8_t *buf, size_t max)
{
	w->buf = buf;
	w->max = buf == NULL ? 0 : max;
	w->off = 0;
	w->err = 0;
	w->qname = NULL;
	w->qoff = 0;
}

void
dns_wr_bytes(struct dns_wr *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (w->max - w->off < n) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->off, p, n);
	w->off += n;
}

void
dns_wr_u8(struct dns_wr *w, uint8_t v)
{
	dns_wr_bytes(w, &v, 1);
}

void
dns_wr_u16(struct dns_wr *w, uint16_t v)
{
	uint8_t b[2];

	dns_put16(b, v);
	dns_wr_bytes(w, b, 2);
}

void
dns_wr_u32(struct dns_wr *w, uint32_t v)
{
	uint8_t b[4];

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	dns_wr_bytes(w, b, 4);
}

/*
 * Compression against the question only: every name we write is the
 * question name, the zone apex (a suffix of it) or a name under the
 * apex (an NS host, the SOA RNAME), so the longest common suffix with
 * the question covers what matters at the cost of a few compares, with
 * no table of written names. A suffix of n with m labels can only match
 * the suffix of the question with m labels, so one compare per label of
 * n, longest suffix first. The pointer keeps the question's case, which
 * is the same name (RFC 4343).
 */
void
dns_wr_name(struct dns_wr *w, const struct dns_name *n)
{
	const struct dns_name *q = w->qname;
	size_t i, m, j, noff, qoff, ptr;

	if (q != NULL) {
		for (i = 0; i < n->nlabels; i++) {
			m = n->nlabels - i;
			if (m > q->nlabels)
				continue;
			j = q->nlabels - m;
			noff = n->label[i];
			qoff = q->label[j];
			if (n->len - noff != q->len - qoff ||
			    memcmp(n->lower + noff, q->lower + qoff,
			    n->len - noff) != 0)
				continue;
			ptr = w->qoff + qoff;
			if (ptr > DNS_PTR_OFFSET_MAX)
				break;
			dns_wr_bytes(w, n->wire, noff);
			dns_wr_u16(w, (uint16_t)(0xc000 | ptr));
			return;
		}
	}
	dns_wr_bytes(w, n->wire, n->len);
}

void
dns_wr_question(struct dns_wr *w, const struct dns_name *q, uint16_t qtype,
    uint16_t qclass)
{
	size_t at = w->off;

	dns_wr_bytes(w, q->wire, q->len);
	dns_wr_u16(w, qtype);
	dns_wr_u16(w, qclass);
	if (!w->err) {
		w->qname = q;
		w->qoff = at;
	}
}

/* Owner, TYPE, CLASS IN, TTL; the caller writes RDLENGTH and RDATA. */
static void
dns_wr_rr_head(struct dns_wr *w, const struct dns_name *owner, uint16_t type,
    uint32_t ttl)
{
	dns_wr_name(w, owner);
	dns_wr_u16(w, type);
	dns_wr_u16(w, DNS_CLASS_IN);
	dns_wr_u32(w, ttl);
}

/* RDLENGTH of RDATA written since the placeholder at 'at'. */
static void
dns_wr_rdlen(struct dns_wr *w, size_t at)
{
	if (w->err)
		return;
	dns_put16(w->buf + at, (uint16_t)(w->off - at - 2));
}

void
dns_wr_rr_a(struct dns_wr *w, const struct dns_name *owner, uint32_t ttl,
    const uint8_t v4[4])
{
	dns_wr_rr_head(w, owner, DNS_TYPE_A, ttl);
	dns_wr_u16(w, 4);
	dns_wr_bytes(w, v4, 4);
}

void
dns_wr_rr_aaaa(struct dns_wr *w, const struct dns_name *owner, uint32_t ttl,
    const uint8_t v6[16])
{
	dns_wr_rr_head(w, owner, DNS_TYPE_AAAA, ttl);
	dns_wr_u16(w, 16);
	dns_wr_bytes(w, v6, 16);
}

/*
 * RFC 1035 3.3.14: TXT-DATA is one or more character-strings, each a
 * length octet and up to 255 octets; longer text is split, and readers
 * join the strings (RFC 7208 3.3 does so for SPF). Empty text is one
 * empty string, since the RDATA may not be empty.
 */
void
dns_wr_rr_txt(struct dns_wr *w, const struct dns_name *owner, uint32_t ttl,
    const char *s, size_t len)
{
	size_t at, chunk, done = 0, nstr;

	/* RDLENGTH is 16 bits: the text plus one octet per string. */
	nstr = len == 0 ? 1 : (len + DNS_TXT_STRING_MAX - 1) /
	    DNS_TXT_STRING_MAX;
	if (len > UINT16_MAX || len + nstr > UINT16_MAX) {
		w->err = 1;
		return;
	}
	dns_wr_rr_head(w, owner, DNS_TYPE_TXT, ttl);
	at = w->off;
	dns_wr_u16(w, 0);
	do {
		chunk = len - done;
		if (chunk > DNS_TXT_STRING_MAX)
			chunk = DNS_TXT_STRING_MAX;
		dns_wr_u8(w, (uint8_t)chunk);
		dns_wr_bytes(w, s + done, chunk);
		done += chunk;
	} while (done < len && !w->err);
	dns_wr_rdlen(w, at);
}

void
dns_wr_rr_ns(struct dns_wr *w, const struct dns_name *owner, uint32_t ttl,
    const struct dns_name *ns)
{
	size_t at;

	dns_wr_rr_head(w, owner, DNS_TYPE_NS, ttl);
	at = w->off;
	dns_wr_u16(w, 0);
	dns_wr_name(w, ns);
	dns_wr_rdlen(w, at);
}

void
dns_wr_rr_soa(struct dns_wr *w, const struct dns_name *owner, uint32_t ttl,
    const struct dns_soa *soa)
{
	size_t at;

	dns_wr_rr_head(w, owner, DNS_TYPE_SOA, ttl);
	at = w->off;
	dns_wr_u16(w, 0);
	/* RFC 3597 4: SOA is well known; its names may be compressed. */
	dns_wr_name(w, soa->mname);
	dns_wr_name(w, soa->rname);
	dns_wr_u32(w, soa->serial);
	dns_wr_u32(w, soa->refresh);
	dns_wr_u32(w, soa->retry);
	dns_wr_u32(w, soa->expire);
	dns_wr_u32(w, soa->minimum);
	dns_wr_rdlen(w, at);
}

void
dns_wr_opt(struct dns_wr *w, uint16_t udpsize, uint8_t ext_rcode,
    uint8_t version, int dobit)
{
	/* RFC 6891 6.1.2: owner root, CLASS the payload size, TTL flags. */
	dns_wr_u8(w, 0);
	dns_wr_u16(w, DNS_TYPE_OPT);
	dns_wr_u16(w, udpsize);
	dns_wr_u8(w, ext_rcode);
	dns_wr_u8(w, version);
	dns_wr_u16(w, dobit ? DNS_EDNS_DO : 0);
	dns_wr_u16(w, 0);
}
