/* policy_dns.c -- DNSBL lookups over c-ares: asynchronous in an event loop, or blocking. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <ares.h>
#include <arpa/nameser.h>
#include <event2/event.h>

#include "client/policy_dns.h"
#include "core/log.h"

/* DNS wire format (RFC 1035 4.1). */
#define POLICY_DNS_HEADER	12
#define POLICY_DNS_TYPE_SOA	6
/* A name below the zone: 63 for the IPv6 nibbles, a dot, the zone. */
#define POLICY_DNS_QNAME_MAX	(ADDR_REVNAME_MAX + 1 + POLICY_ZONE_MAX + 1)
/* A records read from one answer; a DNSBL gives one or two. */
#define POLICY_DNS_ADDRS_MAX	8
/*
 * c-ares doubles the wait on each later try (ares_process.c), so two
 * tries of T take about 3T: a third of policy.timeout for the first.
 */
#define POLICY_DNS_TRIES	2
#define POLICY_DNS_TRY_SHARE	3

/* Skips a possibly compressed name at *off; -1 when malformed. */
static int
policy_dns_skip_name(const uint8_t *b, size_t len, size_t *off)
{
	size_t o = *off;
	unsigned int labels = 0;

	for (;;) {
		if (o >= len)
			return -1;
		if ((b[o] & 0xc0) == 0xc0) {
			/* A pointer ends the name here (RFC 1035 4.1.4). */
			if (len - o < 2)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((b[o] & 0xc0) != 0)
			return -1;	/* RFC 6891 extended labels: not here */
		if (b[o] == 0) {
			*off = o + 1;
			return 0;
		}
		/* 128 labels of one octet fill a 255-octet name. */
		if (++labels > 128 || len - o - 1 < b[o])
			return -1;
		o += 1 + (size_t)b[o];
	}
}

static uint32_t
policy_dns_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
policy_dns_negative_ttl(const uint8_t *b, size_t len, uint32_t *ttl)
{
	size_t off = POLICY_DNS_HEADER, rdlen;
	unsigned int qd, an, ns, i;
	uint32_t rrttl, minimum;
	uint16_t type;

	if (len < POLICY_DNS_HEADER)
		return -1;
	qd = (unsigned int)b[4] << 8 | b[5];
	an = (unsigned int)b[6] << 8 | b[7];
	ns = (unsigned int)b[8] << 8 | b[9];
	for (i = 0; i < qd; i++) {
		if (policy_dns_skip_name(b, len, &off) == -1 || len - off < 4)
			return -1;
		off += 4;
	}
	for (i = 0; i < an + ns; i++) {
		if (policy_dns_skip_name(b, len, &off) == -1 || len - off < 10)
			return -1;
		type = (uint16_t)(b[off] << 8 | b[off + 1]);
		rrttl = policy_dns_u32(b + off + 4);
		rdlen = (size_t)b[off + 8] << 8 | b[off + 9];
		off += 10;
		if (len - off < rdlen)
			return -1;
		/*
		 * MINIMUM is the last of the five numbers that end the SOA
		 * RDATA, after two names of at least one octet each.
		 */
		if (i >= an && type == POLICY_DNS_TYPE_SOA) {
			if (rdlen < 2 + 20)
				return -1;
			minimum = policy_dns_u32(b + off + rdlen - 4);
			/* RFC 2181 8: a TTL with the top bit set is zero. */
			if (rrttl > 0x7fffffffU)
				rrttl = 0;
			if (minimum > 0x7fffffffU)
				minimum = 0;
			*ttl = rrttl < minimum ? rrttl : minimum;
			return 1;
		}
		off += rdlen;
	}
	return 0;
}

/* One socket c-ares asked us to watch. */
struct policy_dns_sock {
	LIST_ENTRY(policy_dns_sock)	 entry;
	ares_socket_t			 fd;
	struct event			*ev;
};

struct policy_dns {
	struct policy_dns_config	 cfg;
	ares_channel			 channel;
	struct event_base		*base;
	struct event			*timer;
	LIST_HEAD(, policy_dns_sock)	 socks;
	int				 dying;	/* callbacks off */
};

struct policy_dns_lookup;

/* One zone's part of a lookup. */
struct policy_dns_query {
	struct policy_dns_lookup	*l;
	size_t				 zone;
	char				 qname[POLICY_DNS_QNAME_MAX];
	struct policy_result		 r;
};

struct policy_dns_lookup {
	struct policy_dns	*dns;
	struct addr		 addr;
	policy_dns_cb		 cb;
	void			*arg;
	size_t			 pending;	/* zones not yet answered */
	struct policy_dns_query	 q[POLICY_ZONES_MAX];
};

static void	policy_dns_rearm(struct policy_dns *);

int
policy_dns_library_init(void)
{
	int rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_warnx("policy: c-ares: %s", ares_strerror(rc));
		return -1;
	}
	return 0;
}

/* Every zone answered: merge in zone order, so the first listing wins. */
static void
policy_dns_zone_done(struct policy_dns_query *q)
{
	struct policy_dns_lookup *l = q->l;
	struct policy_result acc;

	// NOLINTNEXTLINE(clang-analyzer-unix.Malloc): pending starts at nzones + 1 (policy_dns_lookup), so l outlives the loop
	if (--l->pending > 0)
		return;
	if (!l->dns->dying) {
		policy_result_init(&acc);
		for (size_t i = 0; i < l->dns->cfg.nzones; i++)
			policy_result_merge(&acc, &l->q[i].r);
		/* An error's reason rides in text; keep the first. */
		if (acc.verdict == POLICY_ERROR)
			for (size_t i = 0; i < l->dns->cfg.nzones; i++)
				if (l->q[i].r.verdict == POLICY_ERROR) {
					memcpy(acc.text, l->q[i].r.text,
					    sizeof(acc.text));
					break;
				}
		l->cb(l->arg, &acc);
	}
	free(l);
}

static void
policy_dns_fail(struct policy_dns_query *q, const char *why)
{
	q->r.verdict = POLICY_ERROR;
	q->r.ttl = 0;
	snprintf(q->r.text, sizeof(q->r.text), "%s: %s", q->qname, why);
}

/* The TXT answer: the reason shown to the sender's admin, if any. */
static void
policy_dns_on_txt(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct policy_dns_query *q = arg;
	struct ares_txt_reply *txt = NULL;

	(void)timeouts;
	if (status == ARES_SUCCESS && abuf != NULL &&
	    ares_parse_txt_reply(abuf, alen, &txt) == ARES_SUCCESS &&
	    txt != NULL)
		policy_text_clean((const char *)txt->txt, txt->length,
		    q->r.text, sizeof(q->r.text));
	if (txt != NULL)
		ares_free_data(txt);
	/* No TXT is no error: the reply names the zone and the URL. */
	policy_dns_zone_done(q);
}

static void
policy_dns_on_a(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct policy_dns_query *q = arg;
	struct ares_addrttl at[POLICY_DNS_ADDRS_MAX];
	int n = POLICY_DNS_ADDRS_MAX, rc;
	uint32_t ttl;
	uint8_t a4[4];

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		policy_dns_fail(q, ares_strerror(status));
		policy_dns_zone_done(q);
		return;
	}
	if (status == ARES_ENOTFOUND || status == ARES_ENODATA) {
		/* NXDOMAIN (or no A): not listed, cached per RFC 2308. */
		q->r.verdict = POLICY_NOT_LISTED;
		q->r.ttl = 0;
		if (abuf != NULL && alen > 0 &&
		    policy_dns_negative_ttl(abuf, (size_t)alen, &ttl) == 1)
			q->r.ttl = ttl;
		policy_dns_zone_done(q);
		return;
	}
	if (status != ARES_SUCCESS) {
		policy_dns_fail(q, ares_strerror(status));
		policy_dns_zone_done(q);
		return;
	}
	rc = ares_parse_a_reply(abuf, alen, NULL, at, &n);
	if (rc != ARES_SUCCESS || n < 1) {
		policy_dns_fail(q, rc != ARES_SUCCESS ? ares_strerror(rc) :
		    "no A record");
		policy_dns_zone_done(q);
		return;
	}
	memcpy(a4, &at[0].ipaddr, 4);
	q->r.verdict = policy_a_verdict(a4);
	q->r.ttl = at[0].ttl < 0 ? 0 : (uint32_t)at[0].ttl;
	if (q->r.verdict == POLICY_ERROR) {
		char why[64];

		snprintf(why, sizeof(why), "answer %u.%u.%u.%u is not a "
		    "listing", a4[0], a4[1], a4[2], a4[3]);
		policy_dns_fail(q, why);
		policy_dns_zone_done(q);
		return;
	}
	snprintf(q->r.zone, sizeof(q->r.zone), "%s",
	    q->l->dns->cfg.zones[q->zone]);
	ares_query(q->l->dns->channel, q->qname, ns_c_in, ns_t_txt,
	    policy_dns_on_txt, q);
}

/* libevent: a watched socket is ready, or c-ares' timer ran out. */
static void
policy_dns_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct policy_dns *dns = arg;

	if (what & EV_TIMEOUT)
		ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	else
		ares_process_fd(dns->channel,
		    (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
		    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
	policy_dns_rearm(dns);
}

/* c-ares' next timeout as a libevent timer; none when idle. */
static void
policy_dns_rearm(struct policy_dns *dns)
{
	struct timeval tv, *tvp;

	if (dns->base == NULL || dns->dying)
		return;
	if ((tvp = ares_timeout(dns->channel, NULL, &tv)) != NULL)
		evtimer_add(dns->timer, tvp);
	else
		evtimer_del(dns->timer);
}

/* c-ares opens, changes or closes a socket: follow it in the loop. */
static void
policy_dns_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct policy_dns *dns = arg;
	struct policy_dns_sock *s;
	short what;

	LIST_FOREACH(s, &dns->socks, entry)
		if (s->fd == fd)
			break;
	if (!readable && !writable) {
		if (s != NULL) {
			LIST_REMOVE(s, entry);
			event_free(s->ev);
			free(s);
		}
		return;
	}
	what = (short)(EV_PERSIST | (readable ? EV_READ : 0) |
	    (writable ? EV_WRITE : 0));
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warnx("policy: out of memory for a DNS socket");
			return;
		}
		s->fd = fd;
		LIST_INSERT_HEAD(&dns->socks, s, entry);
	} else {
		event_free(s->ev);
	}
	if ((s->ev = event_new(dns->base, fd, what, policy_dns_on_event,
	    dns)) == NULL || event_add(s->ev, NULL) == -1) {
		/* c-ares times the query out; we only stop watching. */
		log_warnx("policy: cannot watch a DNS socket");
		if (s->ev != NULL)
			event_free(s->ev);
		LIST_REMOVE(s, entry);
		free(s);
	}
}

/* "a:p b:p" (our list syntax) to c-ares' "a:p,b:p". */
static int
policy_dns_servers(struct policy_dns *dns, char *err, size_t errlen)
{
	char csv[POLICY_RESOLVER_MAX];
	size_t i;
	int rc;

	if (dns->cfg.resolver[0] == '\0')
		return 0;
	snprintf(csv, sizeof(csv), "%s", dns->cfg.resolver);
	for (i = 0; csv[i] != '\0'; i++)
		if (csv[i] == ' ' || csv[i] == '\t')
			csv[i] = ',';
	if ((rc = ares_set_servers_ports_csv(dns->channel, csv)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "resolver '%s': %s", dns->cfg.resolver,
		    ares_strerror(rc));
		return -1;
	}
	return 0;
}

struct policy_dns *
policy_dns_new(const struct policy_dns_config *cfg, struct event_base *base,
    char *err, size_t errlen)
{
	struct policy_dns *dns;
	struct ares_options opts;
	int mask, rc, per_try;

	if ((dns = calloc(1, sizeof(*dns))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dns->cfg = *cfg;
	dns->base = base;
	LIST_INIT(&dns->socks);
	memset(&opts, 0, sizeof(opts));
	per_try = cfg->timeout_ms / POLICY_DNS_TRY_SHARE;
	opts.timeout = per_try > 0 ? per_try : 1;
	opts.tries = POLICY_DNS_TRIES;
	/* No search list, no /etc/hosts: only the zone's own answer. */
	opts.flags = ARES_FLAG_NOSEARCH;
	opts.lookups = (char *)"b";
	mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
	    ARES_OPT_LOOKUPS;
	if (base != NULL) {
		opts.sock_state_cb = policy_dns_sock_state;
		opts.sock_state_cb_data = dns;
		mask |= ARES_OPT_SOCK_STATE_CB;
	}
	if ((rc = ares_init_options(&dns->channel, &opts, mask)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(dns);
		return NULL;
	}
	if (policy_dns_servers(dns, err, errlen) == -1) {
		ares_destroy(dns->channel);
		free(dns);
		return NULL;
	}
	if (base != NULL && (dns->timer = evtimer_new(base,
	    policy_dns_on_event, dns)) == NULL) {
		snprintf(err, errlen, "out of memory");
		ares_destroy(dns->channel);
		free(dns);
		return NULL;
	}
	return dns;
}

void
policy_dns_free(struct policy_dns *dns)
{
	struct policy_dns_sock *s;

	if (dns == NULL)
		return;
	dns->dying = 1;
	/* Runs the pending callbacks (ARES_EDESTRUCTION): they only free. */
	ares_destroy(dns->channel);
	while ((s = LIST_FIRST(&dns->socks)) != NULL) {
		LIST_REMOVE(s, entry);
		event_free(s->ev);
		free(s);
	}
	if (dns->timer != NULL)
		event_free(dns->timer);
	free(dns);
}

int
policy_dns_lookup(struct policy_dns *dns, const struct addr *a,
    policy_dns_cb cb, void *arg)
{
	struct policy_dns_lookup *l;
	char rev[ADDR_REVNAME_MAX];
	size_t i;
	int n;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	l->dns = dns;
	l->addr = *a;
	l->cb = cb;
	l->arg = arg;
	if (addr_revname(a, rev, sizeof(rev)) == -1) {
		free(l);
		return -1;
	}
	/*
	 * pending counts every zone up front, and one extra that is let go
	 * after the loop: c-ares may answer a query at once (a bad name, a
	 * destroyed channel), and the lookup must not finish, and be freed,
	 * while it is still being started.
	 */
	l->pending = dns->cfg.nzones + 1;
	l->q[0].l = l;
	for (i = 0; i < dns->cfg.nzones; i++) {
		struct policy_dns_query *q = &l->q[i];

		q->l = l;
		q->zone = i;
		policy_result_init(&q->r);
		n = snprintf(q->qname, sizeof(q->qname), "%s.%s", rev,
		    dns->cfg.zones[i]);
		if (n < 0 || (size_t)n >= sizeof(q->qname) || n > 253) {
			policy_dns_fail(q, "name too long");
			policy_dns_zone_done(q);
			continue;
		}
		ares_query(dns->channel, q->qname, ns_c_in, ns_t_a,
		    policy_dns_on_a, q);
	}
	policy_dns_rearm(dns);
	/* The extra count: the last zone_done call calls cb and frees l. */
	policy_dns_zone_done(&l->q[0]);
	return 0;
}

/* The blocking form's callback: copy the result out. */
struct policy_dns_wait {
	struct policy_result	*out;
	int			 done;
};

static void
policy_dns_on_sync(void *arg, const struct policy_result *r)
{
	struct policy_dns_wait *w = arg;

	*w->out = *r;
	w->done = 1;
}

int
policy_dns_lookup_sync(const struct policy_dns_config *cfg,
    const struct addr *a, struct policy_result *out)
{
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct policy_dns_wait w;
	struct policy_dns *dns;
	struct timeval tv, *tvp;
	char err[256];
	int bits, nfd, i, ms;

	policy_result_init(out);
	if ((dns = policy_dns_new(cfg, NULL, err, sizeof(err))) == NULL) {
		out->verdict = POLICY_ERROR;
		snprintf(out->text, sizeof(out->text), "%s", err);
		return 0;
	}
	w.out = out;
	w.done = 0;
	if (policy_dns_lookup(dns, a, policy_dns_on_sync, &w) == -1) {
		out->verdict = POLICY_ERROR;
		snprintf(out->text, sizeof(out->text), "out of memory");
		policy_dns_free(dns);
		return 0;
	}
	/* c-ares bounds the loop: every query ends by answer or timeout. */
	while (!w.done) {
		bits = ares_getsock(dns->channel, socks, ARES_GETSOCK_MAXNUM);
		nfd = 0;
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			/*
			 * c-ares' own ARES_GETSOCK_WRITABLE shifts a signed 1
			 * into the sign bit for the last socket: undefined.
			 */
			int rd = ((unsigned int)bits >> i) & 1;
			int wr = ((unsigned int)bits >>
			    (i + ARES_GETSOCK_MAXNUM)) & 1;

			if (!rd && !wr)
				continue;
			pfd[nfd].fd = socks[i];
			pfd[nfd].events = (short)((rd ? POLLIN : 0) |
			    (wr ? POLLOUT : 0));
			pfd[nfd].revents = 0;
			nfd++;
		}
		tvp = ares_timeout(dns->channel, NULL, &tv);
		ms = tvp != NULL ? (int)(tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000) : 1000;
		if (poll(pfd, (nfds_t)nfd, ms) == -1 && errno != EINTR)
			break;
		if (nfd == 0 || tvp == NULL) {
			ares_process_fd(dns->channel, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < nfd; i++)
			ares_process_fd(dns->channel,
			    (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ?
			    pfd[i].fd : ARES_SOCKET_BAD,
			    (pfd[i].revents & POLLOUT) ? pfd[i].fd :
			    ARES_SOCKET_BAD);
		/* Timeouts are handled by any call; make sure one runs. */
		ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	if (!w.done) {
		out->verdict = POLICY_ERROR;
		snprintf(out->text, sizeof(out->text), "poll: %s",
		    strerror(errno));
	}
	policy_dns_free(dns);
	return 0;
}
