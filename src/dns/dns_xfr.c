/* dns_xfr.c -- zone transfers to secondaries: AXFR, IXFR from the journal, ACL and TSIG. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/txt.h"
#include "dns/dns_notify.h"
#include "dns/dns_xfr.h"

/*
 * How the transfer view works, and why.
 *
 * IXFR (RFC 1995) must send the records a change deletes exactly as the
 * secondary holds them, but the journal keeps only (serial, prefix, op),
 * and a listing's TXT (last seen, classes) is overwritten in place. So
 * this module keeps its own copy of what it last transferred: a hash of
 * every listing (prefix and the fields the TXT is made of, 56 bytes a
 * listing), loaded once and moved along the journal by one follower
 * thread. For each batch of journal entries it reads the new rows, and
 * records (old, new) per changed prefix as one delta from serial to
 * serial; a delta's records are rendered only when a client asks. The
 * history is bounded (dns.xfr_history changes); a client whose serial
 * is older than the oldest delta gets the whole zone (RFC 1995 4).
 * AXFR walks the same hash, so both kinds agree by construction.
 *
 * Transfers read under a read lock and stream 16 KiB messages to the
 * socket from their own thread: the answering threads never wait for a
 * transfer; only the follower does, for at most the transfer's time
 * (bounded by dns.xfr_timeout per stalled write).
 *
 * Listings expire by time with no journal entry, which secondaries would
 * never learn; with transfers on, the follower runs store_expire every
 * second, so an expiry becomes a journal entry, a new serial, a NOTIFY
 * and an IXFR that deletes it, as any delisting does.
 *
 * What a transferred zone holds: the SOA, the NS RRset and glue, the
 * RFC 5782 test point (127.0.0.2 in both forms), and an A and a TXT per
 * listing, a prefix as wildcards (RFC 4592) on whole labels. Not
 * carried: operator exclusions inside a listed prefix and listings
 * nested in a wider one (a wildcard cannot carve a hole; the export's
 * zone file splits them, see listio/export.c), and the IPv6 (nibble)
 * form of IPv4 listings; `backscatter dns` answers those itself.
 */

/* How often the follower journals expiries (answers are exact anyway). */
#define XFR_EXPIRE_EVERY_MS	1000
#define XFR_TAB_MIN		1024
/* How long a transfer connection may wait for its next request. */
#define XFR_IDLE_MS		5000
/* Empty deltas (exclusions only) cost little, but are bounded too. */
#define XFR_DELTAS_MAX		65536

struct xfr_item {
	struct prefix	 prefix;
	int64_t		 listed_since;
	int64_t		 last_seen;
	int64_t		 expires;
	unsigned int	 classes;
	int		 used;		/* slot in use / side present */
};

/* One prefix that changed in a delta: what it was, what it is. */
struct xfr_change {
	struct xfr_item	 old, new;
};

struct xfr_delta {
	uint32_t		 from, to;
	struct xfr_change	*ch;
	size_t			 n;
};

struct dns_xfr {
	const struct dns_zone		*zone;
	const struct dns_xfr_config	*cfg;
	const struct store_config	*store_cfg;
	struct store			*store;
	int64_t				 poll_ms;

	pthread_rwlock_t		 lock;	/* all below until 'serial' */
	struct xfr_item			*tab;
	size_t				 cap, count;
	struct xfr_delta		*deltas;
	size_t				 ndeltas, adeltas, nchanges;
	uint64_t			 serial;

	struct dns_notify		*notify;
	int				 stop_pipe[2];
	atomic_int			 stop;
	pthread_t			 follower;
	int				 follower_started;
	pthread_mutex_t			 jobs_mu;
	pthread_cond_t			 jobs_cv;
	int				 active;
};

int
dns_serial_lt(uint32_t a, uint32_t b)
{
	/* RFC 1982 3.2; a distance of exactly 2^31 is undefined: "no". */
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

/* ---- the listing hash ------------------------------------------- */

static uint64_t
xfr_hash(const struct prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(p->addr.b); i++)
		h = (h ^ p->addr.b[i]) * 0x100000001b3ull;
	h = (h ^ p->len) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int
xfr_prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && memcmp(a->addr.b, b->addr.b,
	    sizeof(a->addr.b)) == 0;
}

/* The slot of p, or of the empty slot where it would go. */
static size_t
xfr_slot(const struct dns_xfr *x, const struct prefix *p)
{
	size_t i = (size_t)xfr_hash(p) & (x->cap - 1);

	while (x->tab[i].used && !xfr_prefix_eq(&x->tab[i].prefix, p))
		i = (i + 1) & (x->cap - 1);
	return i;
}

static int
xfr_tab_grow(struct dns_xfr *x)
{
	struct xfr_item *old = x->tab;
	size_t ocap = x->cap, ncap = ocap == 0 ? XFR_TAB_MIN : ocap * 2;

	if ((x->tab = calloc(ncap, sizeof(*x->tab))) == NULL) {
		x->tab = old;
		return -1;
	}
	x->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].used)
			x->tab[xfr_slot(x, &old[i].prefix)] = old[i];
	free(old);
	return 0;
}

/* Inserts or replaces; load stays at or under one half. 0 / -1. */
static int
xfr_tab_put(struct dns_xfr *x, const struct xfr_item *it)
{
	size_t i;

	if ((x->count + 1) * 2 > x->cap && xfr_tab_grow(x) == -1)
		return -1;
	i = xfr_slot(x, &it->prefix);
	if (!x->tab[i].used)
		x->count++;
	x->tab[i] = *it;
	x->tab[i].used = 1;
	return 0;
}

/* Linear probing deletes by shifting the run back: no tombstones. */
static void
xfr_tab_del(struct dns_xfr *x, const struct prefix *p)
{
	size_t i = xfr_slot(x, p), j, home;

	if (!x->tab[i].used)
		return;
	x->tab[i].used = 0;
	x->count--;
	for (j = (i + 1) & (x->cap - 1); x->tab[j].used;
	    j = (j + 1) & (x->cap - 1)) {
		home = (size_t)xfr_hash(&x->tab[j].prefix) & (x->cap - 1);
		/* Move j to the hole unless its home lies in (i, j]. */
		int stays = i <= j ? (i < home && home <= j) :
		    (i < home || home <= j);

		if (!stays) {
			x->tab[i] = x->tab[j];
			x->tab[j].used = 0;
			i = j;
		}
	}
}

static const struct xfr_item *
xfr_tab_get(const struct dns_xfr *x, const struct prefix *p)
{
	size_t i;

	if (x->cap == 0)
		return NULL;
	i = xfr_slot(x, p);
	return x->tab[i].used ? &x->tab[i] : NULL;
}

/* ---- loading and following the store ---------------------------- */

struct xfr_load {
	struct dns_xfr	*x;
	int64_t		 now;
	int		 failed;
};

static int
xfr_load_row(void *arg, const struct store_zone_row *row)
{
	struct xfr_load *l = arg;
	struct xfr_item it;

	/* Past its expiry: the expiry step journals it next. */
	if (row->expires <= l->now)
		return 0;
	memset(&it, 0, sizeof(it));
	it.prefix = row->prefix;
	it.listed_since = row->listed_since;
	it.last_seen = row->last_seen;
	it.expires = row->expires;
	it.classes = row->classes;
	if (xfr_tab_put(l->x, &it) == -1) {
		l->failed = 1;
		return 1;
	}
	return 0;
}

static void
xfr_history_clear(struct dns_xfr *x)
{
	for (size_t i = 0; i < x->ndeltas; i++)
		free(x->deltas[i].ch);
	x->ndeltas = x->nchanges = 0;
}

/* Replaces the whole view with the store's; the history is dropped. */
static int
xfr_load(struct dns_xfr *x, int64_t now, char *err, size_t errlen)
{
	struct xfr_load l = { x, now, 0 };
	uint64_t serial = 0;
	int rc = -1;

	free(x->tab);
	x->tab = NULL;
	x->cap = x->count = 0;
	xfr_history_clear(x);
	if (xfr_tab_grow(x) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_read_begin(x->store) == -1)
		goto out;
	if (store_serial(x->store, &serial) == -1 ||
	    store_zone_rows(x->store, xfr_load_row, &l) == -1) {
		(void)store_read_end(x->store);
		goto out;
	}
	if (store_read_end(x->store) == -1)
		goto out;
	if (l.failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->serial = serial;
	return 0;
out:
	snprintf(err, errlen, "%s", store_errmsg(x->store));
	return rc;
}

/* One batch of journal entries: the prefixes, deduplicated later. */
struct xfr_batch {
	struct prefix	*p;
	size_t		 n, a;
	uint64_t	 last;
	int		 failed;
};

static int
xfr_batch_cb(void *arg, uint64_t serial, int64_t t, const struct prefix *p,
    enum store_change_op op)
{
	struct xfr_batch *b = arg;
	struct prefix *np;

	(void)t;
	b->last = serial;
	/* Exclusions change no record we carry (see the top comment). */
	if (op != STORE_CHANGE_LIST && op != STORE_CHANGE_UNLIST)
		return 0;
	if (b->n == b->a) {
		size_t na = b->a == 0 ? 64 : b->a * 2;

		if ((np = realloc(b->p, na * sizeof(*np))) == NULL) {
			b->failed = 1;
			return 1;
		}
		b->p = np;
		b->a = na;
	}
	b->p[b->n++] = *p;
	return 0;
}

static int
xfr_prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;
	int r = addr_cmp(&x->addr, &y->addr);

	if (r != 0)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int
xfr_item_same(const struct xfr_item *a, const struct xfr_item *b)
{
	if (a->used != b->used)
		return 0;
	if (!a->used)
		return 1;
	return a->listed_since == b->listed_since &&
	    a->last_seen == b->last_seen && a->expires == b->expires &&
	    a->classes == b->classes;
}

/* Drops the oldest deltas until the history fits its bounds. */
static void
xfr_history_trim(struct dns_xfr *x)
{
	size_t drop = 0;

	while (drop < x->ndeltas && (x->nchanges > x->cfg->history ||
	    x->ndeltas - drop > XFR_DELTAS_MAX)) {
		x->nchanges -= x->deltas[drop].n;
		free(x->deltas[drop].ch);
		drop++;
	}
	if (drop > 0) {
		memmove(x->deltas, x->deltas + drop,
		    (x->ndeltas - drop) * sizeof(*x->deltas));
		x->ndeltas -= drop;
	}
}

/*
 * Reads the journal after our serial, then the current row of each
 * prefix it names; each prefix whose rendering changes becomes one
 * (old, new) pair in a new delta. Rows are read after the entries, so
 * they may be newer than the last entry read: the next round then finds
 * them unchanged. Only the swap takes the write lock.
 */
static int
xfr_follow(struct dns_xfr *x, int64_t now)
{
	struct xfr_batch b;
	struct xfr_change *ch = NULL;
	struct xfr_delta *nd;
	struct listing row;
	const struct xfr_item *cur;
	uint64_t top;
	size_t i, n = 0;
	char err[300];
	int r;

	if (store_serial(x->store, &top) == -1) {
		log_warnx("dns: xfr: %s", store_errmsg(x->store));
		return -1;
	}
	if (top == x->serial)
		return 0;
	if (top < x->serial) {
		/* The journal went back (a restored store): start over. */
		pthread_rwlock_wrlock(&x->lock);
		r = xfr_load(x, now, err, sizeof(err));
		pthread_rwlock_unlock(&x->lock);
		if (r == -1)
			log_warnx("dns: xfr: reloading: %s", err);
		return r == -1 ? -1 : 1;
	}
	memset(&b, 0, sizeof(b));
	b.last = x->serial;
	if (store_changes_since(x->store, x->serial, xfr_batch_cb, &b) == -1 ||
	    b.failed) {
		log_warnx("dns: xfr: reading the journal: %s", b.failed ?
		    "out of memory" : store_errmsg(x->store));
		free(b.p);
		return -1;
	}
	if (b.last == x->serial) {
		free(b.p);
		return 0;
	}
	qsort(b.p, b.n, sizeof(*b.p), xfr_prefix_cmp);
	if (b.n > 0 && (ch = calloc(b.n, sizeof(*ch))) == NULL) {
		free(b.p);
		return -1;
	}
	/* Only the follower writes the hash: reading it needs no lock. */
	for (i = 0; i < b.n; i++) {
		struct xfr_change *c = &ch[n];

		if (i > 0 && xfr_prefix_eq(&b.p[i], &b.p[i - 1]))
			continue;
		memset(c, 0, sizeof(*c));
		if ((cur = xfr_tab_get(x, &b.p[i])) != NULL)
			c->old = *cur;
		r = store_listing_get(x->store, &b.p[i], now, &row);
		if (r == -1) {
			log_warnx("dns: xfr: %s", store_errmsg(x->store));
			free(ch);
			free(b.p);
			return -1;
		}
		if (r == 1 && row.state == LISTING_LISTED && now < row.expires) {
			c->new.used = 1;
			c->new.prefix = b.p[i];
			c->new.listed_since = row.listed_since;
			c->new.last_seen = row.last_seen;
			c->new.expires = row.expires;
			c->new.classes = row.classes;
		}
		c->old.prefix = c->new.prefix = b.p[i];
		if (!xfr_item_same(&c->old, &c->new))
			n++;
	}
	free(b.p);

	pthread_rwlock_wrlock(&x->lock);
	if (x->ndeltas == x->adeltas) {
		size_t na = x->adeltas == 0 ? 64 : x->adeltas * 2;

		if ((nd = realloc(x->deltas, na * sizeof(*nd))) == NULL) {
			pthread_rwlock_unlock(&x->lock);
			free(ch);
			return -1;
		}
		x->deltas = nd;
		x->adeltas = na;
	}
	for (i = 0; i < n; i++) {
		if (!ch[i].new.used)
			xfr_tab_del(x, &ch[i].old.prefix);
		else if (xfr_tab_put(x, &ch[i].new) == -1) {
			/* Out of memory: the view is wrong; reload it. */
			r = xfr_load(x, now, err, sizeof(err));
			pthread_rwlock_unlock(&x->lock);
			free(ch);
			return r == -1 ? -1 : 1;
		}
	}
	nd = &x->deltas[x->ndeltas++];
	nd->from = (uint32_t)x->serial;
	nd->to = (uint32_t)b.last;
	nd->ch = ch;
	nd->n = n;
	x->nchanges += n;
	x->serial = b.last;
	xfr_history_trim(x);
	pthread_rwlock_unlock(&x->lock);
	return 1;
}

int
dns_xfr_step(struct dns_xfr *x, int64_t now, int expire)
{
	int64_t count = 0;

	if (expire && store_expire(x->store, now, "dns:expire", &count) == -1)
		log_warnx("dns: xfr: expiring: %s", store_errmsg(x->store));
	return xfr_follow(x, now);
}

uint32_t
dns_xfr_serial(struct dns_xfr *x)
{
	uint32_t s;

	pthread_rwlock_rdlock(&x->lock);
	s = (uint32_t)x->serial;
	pthread_rwlock_unlock(&x->lock);
	return s;
}

/* ---- rendering --------------------------------------------------- */

static unsigned int
xfr_step_bits(const struct prefix *p)
{
	return prefix_is_v4(p) ? 8 : 4;
}

static unsigned int
xfr_base_bits(const struct prefix *p)
{
	return prefix_is_v4(p) ? 96 : 0;
}

size_t
dns_xfr_pieces(const struct prefix *p, struct prefix *out)
{
	unsigned int step = xfr_step_bits(p), base = xfr_base_bits(p);
	unsigned int aligned, k, bit;
	size_t n;

	if (p->len < base || p->len > 128)
		return 0;
	aligned = base + (p->len - base + step - 1) / step * step;
	k = aligned - p->len;		/* < step <= 8 */
	n = (size_t)1 << k;
	for (size_t i = 0; i < n; i++) {
		out[i] = *p;
		out[i].len = aligned;
		/* Bits p->len .. aligned-1 spell i, most significant first. */
		for (unsigned int j = 0; j < k; j++) {
			bit = p->len + j;
			if ((i >> (k - 1 - j)) & 1)
				out[i].addr.b[bit / 8] |=
				    (uint8_t)(0x80u >> (bit % 8));
			else
				out[i].addr.b[bit / 8] &=
				    (uint8_t)~(0x80u >> (bit % 8));
		}
	}
	return n;
}

size_t
dns_xfr_owner(const struct prefix *piece, uint8_t *out, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int step = xfr_step_bits(piece), base = xfr_base_bits(piece);
	size_t off = 0, nl, i;
	char num[4];
	int len;

	if (piece->len < base || (piece->len - base) % step != 0 ||
	    max < 2 * 33)
		return 0;
	nl = (piece->len - base) / step;
	if (!prefix_is_host(piece)) {
		out[off++] = 1;
		out[off++] = '*';
	}
	for (i = nl; i > 0; i--) {
		if (step == 8) {
			len = snprintf(num, sizeof(num), "%u",
			    piece->addr.b[12 + i - 1]);
			out[off++] = (uint8_t)len;
			memcpy(out + off, num, (size_t)len);
			off += (size_t)len;
		} else {
			uint8_t byte = piece->addr.b[(i - 1) / 2];

			out[off++] = 1;
			out[off++] = (uint8_t)hex[(i - 1) % 2 == 0 ?
			    byte >> 4 : byte & 0xf];
		}
	}
	return off;
}

/* ---- writing messages -------------------------------------------- */

struct xfr_out {
	const struct dns_zone	*zone;
	const struct dns_xfr_req *req;
	struct dns_tsig_ctx	*tsig;		/* NULL: unsigned */
	dns_xfr_send_fn		 send;
	void			*arg;
	int64_t			 now;
	uint8_t			 buf[DNS_XFR_MSG_MAX];
	struct dns_wr		 w;
	uint16_t		 ancount;
	size_t			 messages, bytes;
	int			 failed;
};

static void
xfr_begin(struct xfr_out *o)
{
	static const uint8_t zero[DNS_HEADER_LEN];

	dns_wr_init(&o->w, o->buf, sizeof(o->buf) -
	    (o->tsig != NULL ? DNS_TSIG_RR_MAX : 0));
	dns_wr_bytes(&o->w, zero, sizeof(zero));
	/* Every message repeats the question: the compression target. */
	dns_wr_question(&o->w, &o->req->qname, o->req->qtype,
	    o->req->qclass);
	o->ancount = 0;
}

/* Finishes, signs and sends the message being built. 0 / -1. */
static int
xfr_flush(struct xfr_out *o, uint16_t rcode)
{
	struct dns_header h;
	size_t len = o->w.off;

	if (o->failed)
		return -1;
	h.id = o->req->hdr.id;
	/* RFC 5936 2.2.1: QR, AA, the opcode and RD copied. */
	h.flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA |
	    (o->req->hdr.flags & (DNS_OPCODE_MASK | DNS_FLAG_RD)) | rcode);
	if (rcode != DNS_RCODE_NOERROR)
		h.flags &= (uint16_t)~DNS_FLAG_AA;
	h.qdcount = 1;
	h.ancount = o->ancount;
	h.nscount = h.arcount = 0;
	dns_header_write(o->buf, &h);
	if (o->tsig != NULL && (len = dns_tsig_sign(o->tsig, o->buf, len,
	    sizeof(o->buf), o->now)) == 0) {
		o->failed = 1;
		return -1;
	}
	if (o->send(o->arg, o->buf, len) == -1) {
		o->failed = 1;
		return -1;
	}
	o->messages++;
	o->bytes += len;
	return 0;
}

typedef void	(*xfr_write_fn)(struct xfr_out *, const void *);

/*
 * Appends what fn writes (nrr whole records, never split across
 * messages); when it does not fit, sends the message and starts the
 * next one with it. 0 / -1.
 */
static int
xfr_put(struct xfr_out *o, xfr_write_fn fn, const void *arg, uint16_t nrr)
{
	size_t mark = o->w.off;

	if (o->failed)
		return -1;
	fn(o, arg);
	if (!o->w.err) {
		o->ancount = (uint16_t)(o->ancount + nrr);
		return 0;
	}
	o->w.off = mark;
	o->w.err = 0;
	if (o->ancount == 0 || xfr_flush(o, DNS_RCODE_NOERROR) == -1) {
		o->failed = 1;
		return -1;
	}
	xfr_begin(o);
	fn(o, arg);
	if (o->w.err) {
		o->failed = 1;
		return -1;
	}
	o->ancount = (uint16_t)(o->ancount + nrr);
	return 0;
}

static void
xfr_write_soa(struct xfr_out *o, const void *arg)
{
	const uint32_t *serial = arg;
	const struct dns_zone *z = o->zone;
	struct dns_soa soa;

	soa.mname = &z->ns_wire[0];
	soa.rname = &z->hostmaster_wire;
	soa.serial = *serial;
	soa.refresh = z->refresh;
	soa.retry = z->retry;
	soa.expire = z->expire;
	soa.minimum = z->negative_ttl;
	dns_wr_rr_soa(&o->w, &z->apex_wire, z->ttl, &soa);
}

static void
xfr_write_ns(struct xfr_out *o, const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < o->zone->nns && i < DNS_NS_MAX; i++)
		dns_wr_rr_ns(&o->w, &o->zone->apex_wire, o->zone->ttl,
		    &o->zone->ns_wire[i]);
}

static void
xfr_write_glue(struct xfr_out *o, const void *arg)
{
	const struct dns_ns *ns = arg;
	size_t i = (size_t)(ns - o->zone->ns);

	if (ns->has_v4)
		dns_wr_rr_a(&o->w, &o->zone->ns_wire[i], o->zone->ttl, ns->v4);
	if (ns->has_v6)
		dns_wr_rr_aaaa(&o->w, &o->zone->ns_wire[i], o->zone->ttl,
		    ns->v6);
}

/* An A and/or a TXT at one owner under the apex. */
struct xfr_name_rrs {
	uint8_t		 rel[2 * 33];	/* owner labels before the apex */
	size_t		 rellen;
	int		 a;
	const char	*txt;		/* NULL: no TXT */
	size_t		 txtlen;
};

static void
xfr_write_owner(struct xfr_out *o, const struct xfr_name_rrs *n)
{
	dns_wr_bytes(&o->w, n->rel, n->rellen);
	/* The apex, as the question holds it, right after the header. */
	dns_wr_u16(&o->w, (uint16_t)(0xc000 | DNS_HEADER_LEN));
}

static void
xfr_write_name(struct xfr_out *o, const void *arg)
{
	const struct xfr_name_rrs *n = arg;
	size_t owner = o->w.off, chunk, done;

	xfr_write_owner(o, n);
	if (n->a) {
		dns_wr_u16(&o->w, DNS_TYPE_A);
		dns_wr_u16(&o->w, DNS_CLASS_IN);
		dns_wr_u32(&o->w, o->zone->ttl);
		dns_wr_u16(&o->w, 4);
		dns_wr_bytes(&o->w, o->zone->answer, 4);
	}
	if (n->txt == NULL)
		return;
	if (n->a)
		/* Offsets stay under 16 KiB: a pointer to the A's owner. */
		dns_wr_u16(&o->w, (uint16_t)(0xc000 | owner));
	dns_wr_u16(&o->w, DNS_TYPE_TXT);
	dns_wr_u16(&o->w, DNS_CLASS_IN);
	dns_wr_u32(&o->w, o->zone->ttl);
	dns_wr_u16(&o->w, (uint16_t)(n->txtlen + (n->txtlen + 254) / 255 +
	    (n->txtlen == 0)));
	done = 0;
	do {
		chunk = n->txtlen - done > DNS_TXT_STRING_MAX ?
		    DNS_TXT_STRING_MAX : n->txtlen - done;
		dns_wr_u8(&o->w, (uint8_t)chunk);
		dns_wr_bytes(&o->w, n->txt + done, chunk);
		done += chunk;
	} while (done < n->txtlen);
}

/*
 * The records of one listing (with_a: its A records too; a change that
 * keeps the listing only replaces its TXT). A TXT that does not render
 * is left out, as dns_answer leaves it out (NODATA).
 */
static int
xfr_put_item(struct xfr_out *o, const struct xfr_item *it, int with_a)
{
	struct prefix pieces[DNS_XFR_PIECES_MAX];
	struct xfr_name_rrs n;
	struct zone_listing l;
	char txt[TXT_MAX + 1];
	size_t np, i;
	int has_txt;

	memset(&l, 0, sizeof(l));
	l.prefix = it->prefix;
	l.listed_since = it->listed_since;
	l.last_seen = it->last_seen;
	l.expires = it->expires;
	l.classes = it->classes;
	has_txt = dns_answer_render_txt(o->zone, &l, txt, sizeof(txt)) == 0;
	if (!with_a && !has_txt)
		return 0;
	np = dns_xfr_pieces(&it->prefix, pieces);
	for (i = 0; i < np; i++) {
		n.rellen = dns_xfr_owner(&pieces[i], n.rel, sizeof(n.rel));
		if (n.rellen == 0)
			continue;
		n.a = with_a;
		n.txt = has_txt ? txt : NULL;
		n.txtlen = has_txt ? strlen(txt) : 0;
		if (xfr_put(o, xfr_write_name, &n,
		    (uint16_t)(with_a + has_txt)) == -1)
			return -1;
	}
	return 0;
}

/* SOA, NS, glue, the test points. */
static int
xfr_put_apex(struct xfr_out *o, uint32_t serial)
{
	static const uint8_t tp4[4] = { 127, 0, 0, 2 };
	struct xfr_name_rrs n;
	struct prefix tp;

	if (xfr_put(o, xfr_write_soa, &serial, 1) == -1 ||
	    xfr_put(o, xfr_write_ns, NULL, (uint16_t)o->zone->nns) == -1)
		return -1;
	for (size_t i = 0; i < o->zone->nns && i < DNS_NS_MAX; i++) {
		const struct dns_ns *ns = &o->zone->ns[i];

		if (dns_name_below(&o->zone->ns_wire[i],
		    &o->zone->apex_wire) <= 0 || (!ns->has_v4 && !ns->has_v6))
			continue;
		if (xfr_put(o, xfr_write_glue, ns,
		    (uint16_t)(ns->has_v4 + ns->has_v6)) == -1)
			return -1;
	}
	/* RFC 5782 5: 127.0.0.2, in IPv4 and in IPv6 (nibble) form. */
	addr_from_v4(&tp.addr, tp4);
	tp.len = 128;
	n.a = 1;
	n.txt = DNS_TESTPOINT_TXT;
	n.txtlen = strlen(DNS_TESTPOINT_TXT);
	n.rellen = dns_xfr_owner(&tp, n.rel, sizeof(n.rel));
	if (xfr_put(o, xfr_write_name, &n, 2) == -1)
		return -1;
	/* The same address as 32 nibbles: write them by hand. */
	{
		static const char hex[] = "0123456789abcdef";
		size_t off = 0;

		for (int i = 31; i >= 0; i--) {
			uint8_t byte = tp.addr.b[i / 2];

			n.rel[off++] = 1;
			n.rel[off++] = (uint8_t)hex[i % 2 == 0 ? byte >> 4 :
			    byte & 0xf];
		}
		n.rellen = off;
	}
	return xfr_put(o, xfr_write_name, &n, 2);
}

/* A response of one message with no records but the given ones. */
static int
xfr_reply_simple(struct xfr_out *o, uint16_t rcode, const uint32_t *soa)
{
	xfr_begin(o);
	if (soa != NULL && xfr_put(o, xfr_write_soa, soa, 1) == -1)
		return -1;
	return xfr_flush(o, rcode);
}

/* ---- requests ---------------------------------------------------- */

int
dns_xfr_parse(const uint8_t *msg, size_t len, struct dns_xfr_req *out)
{
	struct dns_rd r;
	struct dns_name scratch;
	uint16_t type, klass, rdlen;
	uint32_t ttl, u;
	size_t i, end;
	int t;

	memset(out, 0, sizeof(*out));
	dns_rd_init(&r, msg, len);
	if (dns_header_read(&r, &out->hdr) == -1 || out->hdr.qdcount != 1 ||
	    out->hdr.ancount != 0)
		return -1;
	if (dns_name_read(&r, &out->qname) == -1 ||
	    dns_rd_u16(&r, &out->qtype) == -1 ||
	    dns_rd_u16(&r, &out->qclass) == -1)
		return -1;
	for (i = 0; i < (size_t)out->hdr.nscount + out->hdr.arcount; i++) {
		if (dns_name_read(&r, &scratch) == -1 ||
		    dns_rd_u16(&r, &type) == -1 || dns_rd_u16(&r, &klass) == -1 ||
		    dns_rd_u32(&r, &ttl) == -1 || dns_rd_u16(&r, &rdlen) == -1 ||
		    dns_rd_left(&r) < rdlen)
			return -1;
		end = r.off + rdlen;
		if (i < out->hdr.nscount) {
			/* RFC 1995 3: the client's SOA, once, for IXFR. */
			if (out->qtype != DNS_TYPE_IXFR || out->has_soa ||
			    type != DNS_TYPE_SOA ||
			    !dns_name_equal(&scratch, &out->qname))
				return -1;
			/* MNAME, then RNAME: each read moves r on. */
			for (int k = 0; k < 2; k++)
				if (dns_name_read(&r, &scratch) == -1)
					return -1;
			if (dns_rd_u32(&r, &out->serial) == -1)
				return -1;
			for (int k = 0; k < 4; k++)
				if (dns_rd_u32(&r, &u) == -1)
					return -1;
			if (r.off != end)
				return -1;
			out->has_soa = 1;
			continue;
		}
		if (type != DNS_TYPE_OPT && type != DNS_TYPE_TSIG)
			return -1;
		(void)dns_rd_skip(&r, rdlen);
	}
	if (dns_rd_left(&r) != 0)
		return -1;
	if ((t = dns_tsig_find(msg, len, &out->tsig)) == -1)
		return -1;
	out->has_tsig = t;
	if (out->qtype == DNS_TYPE_IXFR && !out->has_soa)
		return -1;
	return 0;
}

int
dns_xfr_wants(const uint8_t *msg, size_t len)
{
	struct dns_header h;
	struct dns_name qn;
	struct dns_tsig_rr t;
	struct dns_rd r;
	uint16_t qtype;

	dns_rd_init(&r, msg, len);
	if (dns_header_read(&r, &h) == -1 || (h.flags & DNS_FLAG_QR))
		return 0;
	if (h.qdcount == 1 && dns_name_read(&r, &qn) == 0 &&
	    dns_rd_u16(&r, &qtype) == 0 &&
	    (qtype == DNS_TYPE_AXFR || qtype == DNS_TYPE_IXFR))
		return 1;
	return h.arcount > 0 && dns_tsig_find(msg, len, &t) == 1;
}

/* Is peer allowed with key (NULL: unsigned) by dns.xfr_allow? */
static int
xfr_acl_allows(const struct dns_xfr *x, const struct addr *peer,
    const struct dns_tsig_key *key)
{
	int want = key == NULL ? -1 : (int)(key - x->cfg->keys.keys);

	for (size_t i = 0; i < x->cfg->nacl; i++)
		if (x->cfg->acl[i].key == want &&
		    prefix_contains(&x->cfg->acl[i].prefix, peer))
			return 1;
	return 0;
}

static int
xfr_find_delta(const struct dns_xfr *x, uint32_t from, size_t *at)
{
	for (size_t i = x->ndeltas; i > 0; i--)
		if (x->deltas[i - 1].from == from) {
			*at = i - 1;
			return 1;
		}
	return 0;
}

/* The whole zone: SOA ... SOA (RFC 5936 2.2). Under the read lock. */
static int
xfr_send_axfr(struct dns_xfr *x, struct xfr_out *o)
{
	uint32_t serial = (uint32_t)x->serial;

	xfr_begin(o);
	if (xfr_put_apex(o, serial) == -1)
		return -1;
	for (size_t i = 0; i < x->cap; i++)
		if (x->tab[i].used && xfr_put_item(o, &x->tab[i], 1) == -1)
			return -1;
	if (xfr_put(o, xfr_write_soa, &serial, 1) == -1)
		return -1;
	return xfr_flush(o, DNS_RCODE_NOERROR);
}

/*
 * RFC 1995 4: the new SOA, then per delta the old SOA, the deletions,
 * the delta's new SOA and the additions, then the new SOA again. A
 * listing that stays only swaps its TXT. Under the read lock.
 */
static int
xfr_send_ixfr(struct dns_xfr *x, struct xfr_out *o, size_t first)
{
	uint32_t serial = (uint32_t)x->serial;
	size_t d, i;

	xfr_begin(o);
	if (xfr_put(o, xfr_write_soa, &serial, 1) == -1)
		return -1;
	for (d = first; d < x->ndeltas; d++) {
		const struct xfr_delta *dl = &x->deltas[d];

		if (xfr_put(o, xfr_write_soa, &dl->from, 1) == -1)
			return -1;
		for (i = 0; i < dl->n; i++)
			if (dl->ch[i].old.used && xfr_put_item(o,
			    &dl->ch[i].old, !dl->ch[i].new.used) == -1)
				return -1;
		if (xfr_put(o, xfr_write_soa, &dl->to, 1) == -1)
			return -1;
		for (i = 0; i < dl->n; i++)
			if (dl->ch[i].new.used && xfr_put_item(o,
			    &dl->ch[i].new, !dl->ch[i].old.used) == -1)
				return -1;
	}
	if (xfr_put(o, xfr_write_soa, &serial, 1) == -1)
		return -1;
	return xfr_flush(o, DNS_RCODE_NOERROR);
}

static const char *
xfr_type_name(uint16_t t)
{
	return t == DNS_TYPE_AXFR ? "AXFR" : t == DNS_TYPE_IXFR ? "IXFR" :
	    t == DNS_TYPE_SOA ? "SOA" : "other";
}

/* A FORMERR or TSIG error response without question (malformed input). */
static int
xfr_reply_bare(const struct dns_xfr_req *req, uint16_t rcode,
    const struct dns_tsig_rr *t, uint16_t tsig_error,
    dns_xfr_send_fn send, void *arg)
{
	uint8_t buf[DNS_HEADER_LEN + DNS_TSIG_RR_MAX];
	struct dns_header h;
	size_t len = DNS_HEADER_LEN;

	memset(&h, 0, sizeof(h));
	h.id = req->hdr.id;
	h.flags = (uint16_t)(DNS_FLAG_QR | (req->hdr.flags &
	    (DNS_OPCODE_MASK | DNS_FLAG_RD)) | rcode);
	dns_header_write(buf, &h);
	if (t != NULL && (len = dns_tsig_append_error(buf, len, sizeof(buf),
	    t, req->hdr.id, tsig_error)) == 0)
		return -1;
	return send(arg, buf, len);
}

int
dns_xfr_handle(struct dns_xfr *x, const struct addr *peer,
    const uint8_t *msg, size_t len, int64_t now, dns_xfr_send_fn send,
    void *arg)
{
	struct dns_xfr_req req;
	struct dns_tsig_ctx ctx;
	struct xfr_out *o;
	char who[ADDR_STRLEN];
	const char *mode = "refused";
	uint32_t serial;
	size_t at;
	int terr, rc = 0;

	if (addr_format(peer, who, sizeof(who)) == -1)
		snprintf(who, sizeof(who), "?");
	if (dns_xfr_parse(msg, len, &req) == -1) {
		log_info("dns: xfr peer=%s outcome=formerr", who);
		if (len < DNS_HEADER_LEN)
			return 0;
		return xfr_reply_bare(&req, DNS_RCODE_FORMERR, NULL, 0, send,
		    arg);
	}
	memset(&ctx, 0, sizeof(ctx));
	if (req.has_tsig) {
		terr = dns_tsig_verify(&x->cfg->keys, msg, len, &req.tsig,
		    now, &ctx);
		if (terr != 0 && terr != DNS_TSIG_BADTIME) {
			/* RFC 8945 5.3.2: NOTAUTH, the error, unsigned. */
			log_info("dns: xfr peer=%s type=%s outcome=notauth "
			    "tsig_error=%d", who, xfr_type_name(req.qtype),
			    terr);
			return xfr_reply_bare(&req, DNS_RCODE_NOTAUTH,
			    &req.tsig, (uint16_t)terr, send, arg);
		}
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -1;
	o->zone = x->zone;
	o->req = &req;
	o->tsig = ctx.key != NULL ? &ctx : NULL;
	o->send = send;
	o->arg = arg;
	o->now = now;

	pthread_rwlock_rdlock(&x->lock);
	serial = (uint32_t)x->serial;
	if (ctx.error == DNS_TSIG_BADTIME) {
		mode = "badtime";
		rc = xfr_reply_simple(o, DNS_RCODE_NOTAUTH, NULL);
	} else if (DNS_OPCODE(req.hdr.flags) != DNS_OPCODE_QUERY) {
		mode = "notimp";
		rc = xfr_reply_simple(o, DNS_RCODE_NOTIMP, NULL);
	} else if (req.qclass != DNS_CLASS_IN || !x->zone->apex_ok ||
	    !dns_name_equal(&req.qname, &x->zone->apex_wire) ||
	    (req.qtype != DNS_TYPE_SOA && req.qtype != DNS_TYPE_AXFR &&
	    req.qtype != DNS_TYPE_IXFR) ||
	    (req.qtype != DNS_TYPE_SOA && !xfr_acl_allows(x, peer, ctx.key))) {
		rc = xfr_reply_simple(o, DNS_RCODE_REFUSED, NULL);
	} else if (req.qtype == DNS_TYPE_SOA || (req.qtype == DNS_TYPE_IXFR &&
	    (req.serial == serial || dns_serial_lt(serial, req.serial)))) {
		/*
		 * A signed SOA query (secondaries check the serial so), or
		 * an IXFR that is up to date or ahead (RFC 1995 2): the SOA
		 * alone.
		 */
		mode = req.qtype == DNS_TYPE_SOA ? "soa" : "uptodate";
		rc = xfr_reply_simple(o, DNS_RCODE_NOERROR, &serial);
	} else if (req.qtype == DNS_TYPE_IXFR &&
	    xfr_find_delta(x, req.serial, &at)) {
		mode = "ixfr";
		rc = xfr_send_ixfr(x, o, at);
	} else {
		/* AXFR, or an IXFR from before our history (RFC 1995 4). */
		mode = "axfr";
		rc = xfr_send_axfr(x, o);
	}
	pthread_rwlock_unlock(&x->lock);
	log_info("dns: xfr peer=%s type=%s from=%u serial=%u outcome=%s "
	    "key=%s messages=%zu bytes=%zu%s", who, xfr_type_name(req.qtype),
	    req.has_soa ? req.serial : 0, serial, mode,
	    ctx.key != NULL ? ctx.key->text : "none", o->messages, o->bytes,
	    rc == -1 ? " error=send" : "");
	free(o);
	return rc;
}

/* ---- threads ----------------------------------------------------- */

struct xfr_job {
	struct dns_xfr		*x;
	int			 fd;
	struct addr		 peer;
	size_t			 len;
	uint8_t			 msg[];
};

struct xfr_sock {
	struct dns_xfr	*x;
	int		 fd;
	int64_t		 deadline;
};

/* Writes all of buf, waiting up to the deadline; never blocks past it. */
static int
xfr_write_all(struct xfr_sock *s, const uint8_t *buf, size_t len)
{
	struct pollfd p;
	ssize_t n;
	int64_t left;

	while (len > 0) {
		n = write(s->fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (atomic_load(&s->x->stop) ||
		    (left = s->deadline - clock_mono_ms()) <= 0)
			return -1;
		p.fd = s->fd;
		p.events = POLLOUT;
		(void)poll(&p, 1, left > 1000 ? 1000 : (int)left);
	}
	return 0;
}

/* RFC 1035 4.2.2: each message with its two-byte length. */
static int
xfr_sock_send(void *arg, const uint8_t *msg, size_t len)
{
	struct xfr_sock *s = arg;
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	/* A stalled client gets timeout_ms per message, not per transfer. */
	s->deadline = clock_mono_ms() + s->x->cfg->timeout_ms;
	if (xfr_write_all(s, pre, sizeof(pre)) == -1)
		return -1;
	return xfr_write_all(s, msg, len);
}

/*
 * Reads exactly len bytes, waiting up to the deadline. 0 ok, -1 closed,
 * timed out or failed.
 */
static int
xfr_read_all(struct xfr_sock *s, uint8_t *buf, size_t len)
{
	struct pollfd p;
	ssize_t n;
	int64_t left;

	while (len > 0) {
		n = read(s->fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (atomic_load(&s->x->stop) ||
		    (left = s->deadline - clock_mono_ms()) <= 0)
			return -1;
		p.fd = s->fd;
		p.events = POLLIN;
		(void)poll(&p, 1, left > 1000 ? 1000 : (int)left);
	}
	return 0;
}

/*
 * One connection: the message that brought it here, then, as long as
 * the client sends more that belong here within XFR_IDLE_MS (Knot asks
 * for the SOA, then for the IXFR on the same connection, RFC 7766 6.2.1),
 * those too. Anything else ends the connection; the client opens a new
 * one, which the answering threads serve.
 */
static void *
xfr_job_run(void *arg)
{
	struct xfr_job *j = arg;
	struct dns_xfr *x = j->x;
	struct xfr_sock s = { x, j->fd, 0 };
	uint8_t pre[2], *msg = j->msg, *next = NULL;
	size_t len = j->len;

	for (;;) {
		if (dns_xfr_handle(x, &j->peer, msg, len, (int64_t)time(NULL),
		    xfr_sock_send, &s) == -1)
			break;
		s.deadline = clock_mono_ms() + XFR_IDLE_MS;
		if (xfr_read_all(&s, pre, sizeof(pre)) == -1)
			break;
		len = (size_t)pre[0] << 8 | pre[1];
		if (next == NULL && (next = malloc(DNS_TCP_MAX)) == NULL)
			break;
		msg = next;
		if (xfr_read_all(&s, msg, len) == -1 ||
		    !dns_xfr_wants(msg, len))
			break;
	}
	free(next);
	/* Done: the client reads to the end, then sees the close. */
	(void)shutdown(j->fd, SHUT_WR);
	close(j->fd);
	free(j);
	pthread_mutex_lock(&x->jobs_mu);
	x->active--;
	pthread_cond_broadcast(&x->jobs_cv);
	pthread_mutex_unlock(&x->jobs_mu);
	return NULL;
}

int
dns_xfr_take(struct dns_xfr *x, int fd, const struct addr *peer,
    const uint8_t *msg, size_t len)
{
	struct xfr_job *j;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (x == NULL || atomic_load(&x->stop))
		return -1;
	pthread_mutex_lock(&x->jobs_mu);
	if (x->active >= x->cfg->max) {
		pthread_mutex_unlock(&x->jobs_mu);
		log_info("dns: xfr outcome=busy max=%d", x->cfg->max);
		return -1;
	}
	x->active++;
	pthread_mutex_unlock(&x->jobs_mu);
	if ((j = malloc(sizeof(*j) + len)) == NULL)
		goto fail;
	j->x = x;
	j->fd = fd;
	j->len = len;
	memcpy(j->msg, msg, len);
	j->peer = *peer;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, xfr_job_run, j);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	free(j);
fail:
	pthread_mutex_lock(&x->jobs_mu);
	x->active--;
	pthread_mutex_unlock(&x->jobs_mu);
	return -1;
}

static void *
xfr_follower(void *arg)
{
	struct dns_xfr *x = arg;
	int64_t next_expire = 0, now_ms;
	uint32_t last = dns_xfr_serial(x);

	while (!atomic_load(&x->stop)) {
		struct pollfd p = { .fd = x->stop_pipe[0], .events = POLLIN };

		if (poll(&p, 1, (int)x->poll_ms) > 0)
			break;
		now_ms = clock_mono_ms();
		if (dns_xfr_step(x, (int64_t)time(NULL),
		    now_ms >= next_expire) == 1) {
			uint32_t s = dns_xfr_serial(x);

			if (s != last) {
				log_debug("dns: xfr serial %u", s);
				last = s;
				if (x->notify != NULL)
					dns_notify_serial(x->notify, s);
			}
		}
		if (now_ms >= next_expire)
			next_expire = now_ms + XFR_EXPIRE_EVERY_MS;
	}
	return NULL;
}

struct dns_xfr *
dns_xfr_new(const struct dns_zone *zone, const struct dns_xfr_config *cfg,
    const struct store_config *store, int64_t poll_ms, char *err,
    size_t errlen)
{
	struct dns_xfr *x;
	char serr[600];

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->zone = zone;
	x->cfg = cfg;
	x->store_cfg = store;
	x->poll_ms = poll_ms > 0 ? poll_ms : 200;
	x->stop_pipe[0] = x->stop_pipe[1] = -1;
	pthread_rwlock_init(&x->lock, NULL);
	pthread_mutex_init(&x->jobs_mu, NULL);
	pthread_cond_init(&x->jobs_cv, NULL);
	if ((x->store = store_open(store, STORE_OPEN_CREATE, serr,
	    sizeof(serr))) == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	if (xfr_load(x, (int64_t)time(NULL), serr, sizeof(serr)) == -1) {
		snprintf(err, errlen, "zone transfers: loading: %s", serr);
		goto fail;
	}
	return x;
fail:
	dns_xfr_free(x);
	return NULL;
}

int
dns_xfr_start(struct dns_xfr *x, char *err, size_t errlen)
{
	if (pipe2(x->stop_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (x->cfg->nnotify > 0 && (x->notify = dns_notify_start(x->zone,
	    x->cfg->notify, x->cfg->nnotify, &x->cfg->keys, err,
	    errlen)) == NULL)
		return -1;
	if (pthread_create(&x->follower, NULL, xfr_follower, x) != 0) {
		snprintf(err, errlen, "starting the transfer thread");
		return -1;
	}
	x->follower_started = 1;
	/* Secondaries that missed changes while we were down catch up. */
	if (x->notify != NULL)
		dns_notify_serial(x->notify, dns_xfr_serial(x));
	return 0;
}

void
dns_xfr_free(struct dns_xfr *x)
{
	if (x == NULL)
		return;
	atomic_store(&x->stop, 1);
	if (x->stop_pipe[1] != -1 && write(x->stop_pipe[1], "x", 1) == -1)
		log_debug("dns: xfr: stop pipe: %s", strerror(errno));
	if (x->follower_started)
		pthread_join(x->follower, NULL);
	pthread_mutex_lock(&x->jobs_mu);
	while (x->active > 0)
		pthread_cond_wait(&x->jobs_cv, &x->jobs_mu);
	pthread_mutex_unlock(&x->jobs_mu);
	dns_notify_free(x->notify);
	store_close(x->store);
	xfr_history_clear(x);
	free(x->deltas);
	free(x->tab);
	if (x->stop_pipe[0] != -1)
		close(x->stop_pipe[0]);
	if (x->stop_pipe[1] != -1)
		close(x->stop_pipe[1]);
	pthread_rwlock_destroy(&x->lock);
	pthread_mutex_destroy(&x->jobs_mu);
	pthread_cond_destroy(&x->jobs_cv);
	free(x);
}
