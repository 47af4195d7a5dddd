/* dns_server.c -- `backscatter dns`: sockets, worker threads and the zone updater. */
/* recvmmsg, sendmmsg, accept4 and pipe2 are Linux interfaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dns/dns_server.h"
#include "zone/zone.h"

/*
 * Batches read from one socket before the worker polls again; at 32
 * datagrams a batch that is about a millisecond of full load.
 */
#define DNS_DRAIN_ROUNDS	8
/* The journal follower's nice value, below the workers' (0). */
#define DNS_UPDATER_NICE	10
/* UDP socket buffers, each way: about a second of queries at 25,000/s. */
#define DNS_UDP_SOCKBUF		(8 * 1024 * 1024)
/* Datagrams per recvmmsg/sendmmsg call: amortises the syscall. */
#define DNS_BATCH		64
/* A worker wakes this often when idle, to stay quiescent for the updater. */
#define DNS_IDLE_POLL_MS	100
/* Rate limiting's counters reach the log at most this often. */
#define DNS_RRL_LOG_MS		10000
/* RFC 7766 6.2.1.1: answer pipelined queries; cap what one client buffers. */
#define DNS_TCP_BUF		(2 + DNS_TCP_MAX)
#define DNS_TCP_OUT_MAX		(4 * DNS_TCP_BUF)

struct dns_tcp_conn {
	int		 fd;
	int		 flags;		/* dns_answer flags for this client */
	int64_t		 last_active_ms;
	struct addr	 peer;		/* for tcp_max_per_ip */
	uint8_t		*in;		/* DNS_TCP_BUF bytes */
	size_t		 inlen;
	uint8_t		*out;		/* DNS_TCP_OUT_MAX bytes */
	size_t		 outlen;
};

struct dns_worker {
	struct dns_server	*srv;
	int			 index;
	pthread_t		 thread;
	struct dns_rrl_counters	 rrl;
};

struct dns_server {
	const struct dns_server_config	*cfg;
	struct zone			*zone;
	struct store			*store;		/* the updater's */
	char				 snapshot[4096];	/* "" none */
	int				 snapshot_dir;	/* of the store */
	int				 snapshot_stale;	/* loaded from the store */
	const char			*snapshot_name;	/* in it */
	int				 udp[DNS_THREADS_MAX][DNS_LISTEN_MAX];
	int				 tcp[DNS_LISTEN_MAX];
	int				 nthreads;
	int				 stop_pipe[2];
	/* Set by dns_server_stop, from any thread or a signal handler. */
	volatile sig_atomic_t		 stop;
	struct dns_worker		 workers[DNS_THREADS_MAX];
	int				 nstarted;
	pthread_t			 tcp_thread, updater;
	int				 tcp_started, updater_started;
	struct dns_xfr			*xfr;		/* NULL: transfers off */
	struct dns_rrl			*rrl;		/* NULL: no limit */
	uint64_t			 rrl_logged;	/* limited, last log */
};

static int64_t
dns_wall(void)
{
	struct timespec ts;

	/* Coarse is plenty: answers are exact to the second. */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

static int
dns_src_lookup(void *arg, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	return zone_lookup(arg, a, now, out);
}

static int
dns_src_intersects(void *arg, const struct prefix *p)
{
	return zone_intersects(arg, p);
}

/*
 * A UDP socket's default receive buffer (rmem_default, 208 KiB) holds
 * about 160 small datagrams, under 10 ms at 25,000 queries a second: a
 * worker that loses the CPU for longer, to the updater merging a new
 * base or to another process, would see the kernel drop queries. A
 * larger buffer rides that out. SO_RCVBUFFORCE passes rmem_max when we
 * have the privilege (as NSD does); otherwise the kernel caps the
 * request. A failure costs only the margin, so it is not fatal.
 */
static void
dns_socket_buffers(int fd)
{
	int size = DNS_UDP_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_debug("dns: SO_RCVBUF: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) == -1)
		log_debug("dns: SO_SNDBUF: %s", strerror(errno));
}

static int
dns_socket(const struct sockaddr_storage *ss, socklen_t len, int type,
    int reuseport, char *err, size_t errlen)
{
	char name[ADDR_STRLEN + 8];
	int fd, on = 1;

	if ((fd = socket(ss->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		goto fail;
	/*
	 * SO_REUSEADDR only for TCP (restart over TIME_WAIT): on UDP it would
	 * let us share a port with another server and silently get half its
	 * queries.
	 */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* Each UDP worker binds its own socket; the kernel spreads clients. */
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	if (type == SOCK_DGRAM)
		dns_socket_buffers(fd);
	if (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, len) == -1)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		struct addr a;

		memcpy(a.b, &s6->sin6_addr, 16);
		addr_format(&a, name, sizeof(name));
		snprintf(err, errlen, "[%s]:%u (%s): %s", name,
		    ntohs(s6->sin6_port), type == SOCK_STREAM ? "tcp" : "udp",
		    strerror(errno));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;
		struct addr a;

		addr_from_v4(&a, (const uint8_t *)&s4->sin_addr);
		addr_format(&a, name, sizeof(name));
		snprintf(err, errlen, "%s:%u (%s): %s", name,
		    ntohs(s4->sin_port), type == SOCK_STREAM ? "tcp" : "udp",
		    strerror(errno));
	}
	if (fd != -1)
		close(fd);
	return -1;
}


/* A client's address, v4-mapped for IPv4; all zero for another family. */
static void
dns_sockaddr_addr(const struct sockaddr_storage *ss, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET)
		addr_from_v4(a, (const uint8_t *)
		    &((const struct sockaddr_in *)(const void *)ss)->sin_addr);
	else if (ss->ss_family == AF_INET6)
		memcpy(a->b, &((const struct sockaddr_in6 *)(const void *)ss)
		    ->sin6_addr, sizeof(a->b));
}

/*
 * The dns_answer flags for a client: DNS_ANSWER_REFUSED when a dns.refuse
 * prefix covers its address. An address that does not parse (no such
 * family) is not refused.
 */
static int
dns_client_flags(const struct dns_server_config *cfg,
    const struct sockaddr_storage *ss)
{
	struct addr a;

	if (cfg->nrefuse == 0)
		return 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		addr_from_v4(&a, (const uint8_t *)&s4->sin_addr);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(a.b, &s6->sin6_addr, sizeof(a.b));
	} else
		return 0;
	for (size_t i = 0; i < cfg->nrefuse; i++)
		if (prefix_contains(&cfg->refuse[i], &a))
			return DNS_ANSWER_REFUSED;
	return 0;
}

/* One worker's batch: the messages of a recvmmsg and their answers. */
struct dns_udp_batch {
	struct mmsghdr		 in[DNS_BATCH], out[DNS_BATCH];
	struct iovec		 iin[DNS_BATCH], iout[DNS_BATCH];
	struct sockaddr_storage	 peer[DNS_BATCH];
	uint8_t			 inbuf[DNS_BATCH][DNS_EDNS_UDP_MAX + 512];
	uint8_t			 outbuf[DNS_BATCH][DNS_EDNS_UDP_MAX];
	struct dns_peek		 peek[DNS_BATCH];	/* names read ahead */
};

/* The receive side never changes but for the lengths the kernel writes. */
static void
dns_udp_batch_init(struct dns_udp_batch *b)
{
	for (size_t i = 0; i < DNS_BATCH; i++) {
		b->iin[i].iov_base = b->inbuf[i];
		b->iin[i].iov_len = sizeof(b->inbuf[i]);
		memset(&b->in[i].msg_hdr, 0, sizeof(b->in[i].msg_hdr));
		b->in[i].msg_hdr.msg_name = &b->peer[i];
		b->in[i].msg_hdr.msg_namelen = sizeof(b->peer[i]);
		b->in[i].msg_hdr.msg_iov = &b->iin[i];
		b->in[i].msg_hdr.msg_iovlen = 1;
	}
}

/*
 * Reads one batch from fd without waiting, answers it and sends the
 * answers in one sendmmsg. Returns the number of datagrams read, 0 when
 * there were none. With rate limiting, a query that would be answered
 * first takes a token of its client's network (dns_rrl.h): a limited
 * one is not even answered, unless it slips out truncated.
 */
static int
dns_udp_batch_serve(struct dns_server *srv, struct zone_reader *zr,
    const struct dns_source *src, struct dns_udp_batch *b, int fd,
    struct dns_rrl_counters *rc)
{
	const struct dns_server_config *cfg = srv->cfg;
	enum dns_rrl_verdict verdict = DNS_RRL_PASS;
	uint64_t serial;
	int64_t now, now_ms = 0;
	size_t i, rlen;
	int got, nout = 0, sent;

	got = recvmmsg(fd, b->in, DNS_BATCH, MSG_DONTWAIT, NULL);
	if (got <= 0)
		return 0;
	/*
	 * A lookup is a few cache misses in a zone of tens of megabytes,
	 * most of what a query costs us in user space. Look at the whole
	 * batch first and start its misses together (zone.h): 12% less
	 * user time at 150,000 queries a second.
	 */
	for (i = 0; i < (size_t)got; i++)
		if (dns_query_peek(&cfg->zone, b->inbuf[i], b->in[i].msg_len,
		    &b->peek[i]))
			zone_prefetch(zr, &b->peek[i].addr, 0);
	for (int stage = 1; stage <= 2; stage++)
		for (i = 0; i < (size_t)got; i++)
			if (b->peek[i].has_addr)
				zone_prefetch(zr, &b->peek[i].addr, stage);
	now = dns_wall();
	if (srv->rrl != NULL)
		now_ms = clock_mono_ms();
	serial = zone_serial(srv->zone);
	for (i = 0; i < (size_t)got; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;
		socklen_t namelen = h->msg_namelen;

		h->msg_namelen = sizeof(b->peer[i]);
		/* A truncated datagram is not a query we read whole. */
		if (h->msg_flags & MSG_TRUNC)
			continue;
		/* What dns_answer drops (no header, a response) costs nothing. */
		if (srv->rrl != NULL && b->in[i].msg_len >= DNS_HEADER_LEN &&
		    (b->inbuf[i][2] & 0x80) == 0) {
			verdict = dns_rrl_check(srv->rrl, rc,
			    (const struct sockaddr *)&b->peer[i], now_ms);
			if (verdict == DNS_RRL_DROP)
				continue;
		}
		rlen = dns_answer_peeked(&cfg->zone, src, serial, now,
		    b->inbuf[i], b->in[i].msg_len, b->outbuf[nout],
		    sizeof(b->outbuf[nout]),
		    dns_client_flags(cfg, &b->peer[i]), &b->peek[i]);
		if (verdict == DNS_RRL_SLIP) {
			rlen = dns_rrl_truncate(b->outbuf[nout], rlen);
			verdict = DNS_RRL_PASS;
		}
		if (rlen == 0)
			continue;
		b->iout[nout].iov_base = b->outbuf[nout];
		b->iout[nout].iov_len = rlen;
		memset(&b->out[nout].msg_hdr, 0, sizeof(b->out[nout].msg_hdr));
		b->out[nout].msg_hdr.msg_name = &b->peer[i];
		b->out[nout].msg_hdr.msg_namelen = namelen;
		b->out[nout].msg_hdr.msg_iov = &b->iout[nout];
		b->out[nout].msg_hdr.msg_iovlen = 1;
		nout++;
	}
	for (int off = 0; off < nout; off += sent) {
		sent = sendmmsg(fd, b->out + off, (unsigned int)(nout - off),
		    MSG_DONTWAIT);
		/* A full socket buffer drops, as UDP may. */
		if (sent <= 0)
			break;
	}
	return got;
}

/*
 * One UDP worker: a socket per listen address (SO_REUSEPORT), batches of
 * up to DNS_BATCH datagrams in and out per system call. The zone is read
 * through this thread's reader, declared quiescent after every batch.
 */
static void *
dns_udp_worker(void *arg)
{
	struct dns_worker *w = arg;
	struct dns_server *srv = w->srv;
	const struct dns_server_config *cfg = srv->cfg;
	struct pollfd pfd[DNS_LISTEN_MAX + 1];
	struct dns_udp_batch *b;
	struct zone_reader *zr;
	struct dns_source src;
	size_t n;

	if ((b = malloc(sizeof(*b))) == NULL ||
	    (zr = zone_reader_register(srv->zone)) == NULL) {
		log_warnx("dns: worker %d: out of memory", w->index);
		free(b);
		return NULL;
	}
	dns_udp_batch_init(b);
	src.lookup = dns_src_lookup;
	src.intersects = dns_src_intersects;
	src.arg = zr;
	for (n = 0; n < cfg->nlisten; n++) {
		pfd[n].fd = srv->udp[w->index][n];
		pfd[n].events = POLLIN;
	}
	pfd[n].fd = srv->stop_pipe[0];
	pfd[n].events = POLLIN;

	while (!srv->stop) {
		zone_reader_quiescent(zr);
		if (poll(pfd, cfg->nlisten + 1, DNS_IDLE_POLL_MS) <= 0)
			continue;
		if (pfd[cfg->nlisten].revents != 0)
			break;
		for (n = 0; n < cfg->nlisten; n++) {
			if ((pfd[n].revents & POLLIN) == 0)
				continue;
			/*
			 * Under load, read again at once rather than poll
			 * first: a poll per batch is a system call for
			 * nothing while datagrams keep coming. The bound
			 * gives the other sockets, the stop pipe and the
			 * quiescent point their turn.
			 */
			for (int round = 0; round < DNS_DRAIN_ROUNDS &&
			    !srv->stop; round++) {
				if (dns_udp_batch_serve(srv, zr, &src, b,
				    pfd[n].fd, &w->rrl) == 0)
					break;
				zone_reader_quiescent(zr);
			}
		}
	}
	zone_reader_unregister(zr);
	free(b);
	return NULL;
}

static void
dns_tcp_close(struct dns_tcp_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->inlen = c->outlen = 0;
}

/*
 * Answers every complete length-prefixed message in c->in, in order
 * (RFC 7766 6.2.1.1 allows any order; ours keeps it simple), while the
 * output buffer has room for a largest response.
 */
static void
dns_tcp_answer(struct dns_server *srv, struct dns_source *src,
    struct dns_tcp_conn *c)
{
	size_t off = 0, mlen, rlen;
	int64_t now = dns_wall();
	uint64_t serial = zone_serial(srv->zone);

	while (c->inlen - off >= 2 &&
	    DNS_TCP_OUT_MAX - c->outlen >= DNS_TCP_BUF) {
		mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (c->inlen - off - 2 < mlen)
			break;
		/*
		 * A transfer (or a TSIG-signed query) goes to a thread of
		 * its own with the connection, once earlier answers are out.
		 */
		if (srv->xfr != NULL && dns_xfr_wants(c->in + off + 2, mlen)) {
			// cppcheck-suppress knownConditionTrueFalse ; outlen is 0 when no answer is queued
			if (c->outlen > 0)
				break;
			if (dns_xfr_take(srv->xfr, c->fd, &c->peer,
			    c->in + off + 2, mlen) == 0) {
				c->fd = -1;
				c->inlen = c->outlen = 0;
				return;
			}
		}
		rlen = dns_answer(&srv->cfg->zone, src, serial, now,
		    c->in + off + 2, mlen, c->out + c->outlen + 2,
		    DNS_TCP_MAX, DNS_ANSWER_TCP | c->flags);
		if (rlen > 0) {
			c->out[c->outlen] = (uint8_t)(rlen >> 8);
			c->out[c->outlen + 1] = (uint8_t)rlen;
			c->outlen += 2 + rlen;
		}
		off += 2 + mlen;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

static int
dns_tcp_accept(const struct dns_server_config *cfg, int lfd,
    struct dns_tcp_conn *conns, int max)
{
	struct sockaddr_storage peer = { 0 };
	socklen_t plen = sizeof(peer);
	struct addr a;
	int fd, slot = -1, same = 0;

	if ((fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return -1;
	dns_sockaddr_addr(&peer, &a);
	for (int i = 0; i < max; i++) {
		if (conns[i].fd == -1) {
			if (slot == -1)
				slot = i;
		} else if (addr_cmp(&conns[i].peer, &a) == 0)
			same++;
	}
	/*
	 * Over a limit, in all or from this address (one client must not
	 * hold every slot): close at once rather than queue (RFC 7766 6.2.2).
	 */
	if (slot == -1 || (cfg->tcp_max_per_ip > 0 &&
	    same >= cfg->tcp_max_per_ip)) {
		close(fd);
		return 0;
	}
	conns[slot].fd = fd;
	conns[slot].flags = dns_client_flags(cfg, &peer);
	conns[slot].peer = a;
	conns[slot].inlen = conns[slot].outlen = 0;
	conns[slot].last_active_ms = clock_mono_ms();
	return 0;
}

/* Reads, answers and writes for one connection; closes it when done. */
static void
dns_tcp_io(struct dns_server *srv, struct dns_source *src,
    struct dns_tcp_conn *c, short revents)
{
	ssize_t n;

	if (revents & (POLLERR | POLLNVAL)) {
		dns_tcp_close(c);
		return;
	}
	if (revents & (POLLIN | POLLHUP)) {
		n = read(c->fd, c->in + c->inlen, DNS_TCP_BUF - c->inlen);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			dns_tcp_close(c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			c->last_active_ms = clock_mono_ms();
			dns_tcp_answer(srv, src, c);
		}
	}
	if (c->outlen > 0) {
		n = write(c->fd, c->out, c->outlen);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			dns_tcp_close(c);
			return;
		}
		if (n > 0) {
			memmove(c->out, c->out + n, c->outlen - (size_t)n);
			c->outlen -= (size_t)n;
			c->last_active_ms = clock_mono_ms();
			/* Room again: answer what waited behind a full one. */
			dns_tcp_answer(srv, src, c);
		}
	}
}

/*
 * One thread serves TCP for all listeners with poll(): DNSBL clients use
 * TCP only after a TC answer, so this is never the hot path. Idle
 * connections close after tcp_idle_ms (RFC 7766 6.2.3).
 */
static void *
dns_tcp_thread(void *arg)
{
	struct dns_server *srv = arg;
	const struct dns_server_config *cfg = srv->cfg;
	struct dns_tcp_conn *conns;
	struct pollfd *pfd;
	struct zone_reader *zr;
	struct dns_source src;
	int *map, max = cfg->tcp_max, np, i;
	size_t l;

	conns = calloc((size_t)max, sizeof(*conns));
	pfd = calloc((size_t)max + DNS_LISTEN_MAX + 1, sizeof(*pfd));
	map = calloc((size_t)max + DNS_LISTEN_MAX + 1, sizeof(*map));
	if (conns == NULL || pfd == NULL || map == NULL ||
	    (zr = zone_reader_register(srv->zone)) == NULL) {
		log_warnx("dns: tcp: out of memory");
		free(conns);
		free(pfd);
		free(map);
		return NULL;
	}
	for (i = 0; i < max; i++) {
		conns[i].fd = -1;
		conns[i].in = malloc(DNS_TCP_BUF);
		conns[i].out = malloc(DNS_TCP_OUT_MAX);
		if (conns[i].in == NULL || conns[i].out == NULL) {
			log_warnx("dns: tcp: out of memory");
			max = i;
			break;
		}
	}
	src.lookup = dns_src_lookup;
	src.intersects = dns_src_intersects;
	src.arg = zr;

	while (!srv->stop) {
		zone_reader_quiescent(zr);
		np = 0;
		pfd[np].fd = srv->stop_pipe[0];
		pfd[np++].events = POLLIN;
		for (l = 0; l < cfg->nlisten; l++) {
			pfd[np].fd = srv->tcp[l];
			pfd[np].events = POLLIN;
			map[np++] = -1;
		}
		int64_t now = clock_mono_ms();
		for (i = 0; i < max; i++) {
			if (conns[i].fd == -1)
				continue;
			if (now - conns[i].last_active_ms > cfg->tcp_idle_ms) {
				dns_tcp_close(&conns[i]);
				continue;
			}
			pfd[np].fd = conns[i].fd;
			pfd[np].events = POLLIN;
			/* A client that reads nothing stops being read. */
			if (conns[i].outlen > DNS_TCP_OUT_MAX - DNS_TCP_BUF)
				pfd[np].events = 0;
			if (conns[i].outlen > 0)
				pfd[np].events |= POLLOUT;
			map[np++] = i;
		}
		if (poll(pfd, (nfds_t)np, DNS_IDLE_POLL_MS) <= 0)
			continue;
		if (pfd[0].revents != 0)
			break;
		for (int k = 1; k < np; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (map[k] == -1)
				(void)dns_tcp_accept(srv->cfg, pfd[k].fd,
				    conns, max);
			else
				dns_tcp_io(srv, &src, &conns[map[k]],
				    pfd[k].revents);
		}
	}
	for (i = 0; i < cfg->tcp_max; i++) {
		if (i < max)
			dns_tcp_close(&conns[i]);
		free(conns[i].in);
		free(conns[i].out);
	}
	free(conns);
	free(pfd);
	free(map);
	zone_reader_unregister(zr);
	return NULL;
}

static void
dns_server_close(struct dns_server *srv)
{
	for (int t = 0; t < DNS_THREADS_MAX; t++)
		for (int l = 0; l < DNS_LISTEN_MAX; l++)
			if (srv->udp[t][l] != -1)
				close(srv->udp[t][l]);
	for (int l = 0; l < DNS_LISTEN_MAX; l++)
		if (srv->tcp[l] != -1)
			close(srv->tcp[l]);
	if (srv->stop_pipe[0] != -1)
		close(srv->stop_pipe[0]);
	if (srv->stop_pipe[1] != -1)
		close(srv->stop_pipe[1]);
	zone_free(srv->zone);
	dns_rrl_free(srv->rrl);
}

static int
dns_server_bind(struct dns_server *srv, char *err, size_t errlen)
{
	const struct dns_server_config *cfg = srv->cfg;

	for (size_t l = 0; l < cfg->nlisten; l++) {
		for (int t = 0; t < srv->nthreads; t++) {
			srv->udp[t][l] = dns_socket(&cfg->listen[l],
			    cfg->listen_len[l], SOCK_DGRAM, 1, err, errlen);
			if (srv->udp[t][l] == -1)
				return -1;
		}
		srv->tcp[l] = dns_socket(&cfg->listen[l], cfg->listen_len[l],
		    SOCK_STREAM, 0, err, errlen);
		if (srv->tcp[l] == -1)
			return -1;
	}
	return 0;
}

/*
 * Rate limiting's totals over all workers, logged when they moved (at
 * most every DNS_RRL_LOG_MS, and once more at the end), so that an
 * operator sees a flood and what it cost: limited = dropped + slipped.
 */
static void
dns_rrl_log(struct dns_server *srv)
{
	uint64_t lim = 0, drop = 0, slip = 0;

	if (srv->rrl == NULL)
		return;
	for (int i = 0; i < srv->nstarted; i++) {
		struct dns_rrl_counters *c = &srv->workers[i].rrl;

		lim += atomic_load_explicit(&c->limited, memory_order_relaxed);
		drop += atomic_load_explicit(&c->dropped, memory_order_relaxed);
		slip += atomic_load_explicit(&c->slipped, memory_order_relaxed);
	}
	if (lim == srv->rrl_logged)
		return;
	log_info("dns: event=rrl limited=%llu dropped=%llu slipped=%llu "
	    "(totals; %llu since the last line)", (unsigned long long)lim,
	    (unsigned long long)drop, (unsigned long long)slip,
	    (unsigned long long)(lim - srv->rrl_logged));
	srv->rrl_logged = lim;
}

/*
 * The store's directory, open from the start: the snapshot is written
 * when the server stops, after a chroot (process.chroot) may have made
 * the store's path name nothing. 0, -1 (no snapshot, the reason logged).
 */
static int
dns_snapshot_dir(struct dns_server *srv)
{
	char dir[sizeof(srv->snapshot)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", srv->snapshot);
	if ((slash = strrchr(dir, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		srv->snapshot_name = srv->snapshot;
	} else {
		slash[slash == dir ? 1 : 0] = '\0';
		srv->snapshot_name = srv->snapshot + (slash - dir) + 1;
	}
	if ((srv->snapshot_dir = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("dns: zone snapshot: %s", dir);
		return -1;
	}
	return 0;
}

/* The zone for the next start; without it that start scans the store. */
static void
dns_snapshot_save(struct dns_server *srv)
{
	char serr[600];
	int64_t t0 = clock_mono_ms();

	switch (zone_snapshot_save(srv->zone, srv->store, srv->snapshot_dir,
	    srv->snapshot_name, serr, sizeof(serr))) {
	case -1:
		log_warnx("dns: zone snapshot: %s", serr);
		break;
	case 1:
		log_info("dns: zone snapshot written to %s, serial %llu, "
		    "%lld ms", srv->snapshot,
		    (unsigned long long)zone_serial(srv->zone),
		    (long long)(clock_mono_ms() - t0));
		break;
	}
}

/*
 * The updater: follows the journal every poll_ms until told to stop. It
 * runs niced (Linux sets nice per thread), so that on a CPU it shares
 * with a worker, a merge of a new base waits for the answers rather than
 * the answers for the merge; it still gets a tenth of a busy CPU, ample
 * for 200 ms polls.
 */
static void *
dns_updater(void *arg)
{
	struct dns_server *srv = arg;
	char serr[600];
	size_t changed;
	int64_t next, rrl_next;

	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    DNS_UPDATER_NICE) == -1)
		log_debug("dns: updater priority: %s", strerror(errno));
	/*
	 * A zone read from the store gets its snapshot now, not only at a
	 * clean stop: a server killed before one still restarts from it.
	 */
	if (srv->snapshot_stale)
		dns_snapshot_save(srv);
	next = rrl_next = clock_mono_ms();
	while (!srv->stop) {
		struct pollfd p = { .fd = srv->stop_pipe[0], .events = POLLIN };
		int64_t wait = next - clock_mono_ms();

		if (wait > 0 && poll(&p, 1, (int)wait) > 0)
			break;
		next = clock_mono_ms() + srv->cfg->poll_ms;
		if (zone_follow(srv->zone, srv->store, &changed, serr,
		    sizeof(serr)) == -1)
			log_warnx("dns: following the store: %s", serr);
		else if (changed > 0)
			log_debug("dns: %zu changes, serial %llu", changed,
			    (unsigned long long)zone_serial(srv->zone));
		zone_reclaim(srv->zone);
		if (clock_mono_ms() >= rrl_next) {
			dns_rrl_log(srv);
			rrl_next = clock_mono_ms() + DNS_RRL_LOG_MS;
		}
	}
	dns_rrl_log(srv);
	return NULL;
}

struct dns_server *
dns_server_start(const struct dns_server_config *cfg, char *err,
    size_t errlen)
{
	struct dns_server *srv;
	char serr[600];
	const char *from;
	int64_t t0;
	long ncpu;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->cfg = cfg;
	memset(srv->udp, -1, sizeof(srv->udp));
	memset(srv->tcp, -1, sizeof(srv->tcp));
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	srv->snapshot_dir = -1;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	srv->nthreads = cfg->threads > 0 ? cfg->threads :
	    (int)(ncpu > 0 ? ncpu : 1);
	if (srv->nthreads > DNS_THREADS_MAX)
		srv->nthreads = DNS_THREADS_MAX;

	if (pipe2(srv->stop_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((srv->zone = zone_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (dns_server_bind(srv, err, errlen) == -1)
		goto fail;
	if ((srv->store = store_open(&cfg->store, STORE_OPEN_CREATE, serr,
	    sizeof(serr))) == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	/*
	 * The zone as the last run left it, next to the store: a restart
	 * reads 15 bytes a listing in one go instead of scanning the
	 * listing table (its pages scattered through the store, on a cold
	 * page cache 1.4 s for a million), then follows the journal.
	 */
	if ((size_t)snprintf(srv->snapshot, sizeof(srv->snapshot), "%s.zone",
	    cfg->store.path) >= sizeof(srv->snapshot) ||
	    dns_snapshot_dir(srv) == -1)
		srv->snapshot[0] = '\0';
	t0 = clock_mono_ms();
	from = "its snapshot";
	if (srv->snapshot[0] == '\0' || zone_load_snapshot(srv->zone,
	    srv->store, srv->snapshot, serr, sizeof(serr)) != 1) {
		if (srv->snapshot[0] != '\0')
			log_info("dns: zone snapshot not used: %s", serr);
		from = "the store";
		srv->snapshot_stale = srv->snapshot[0] != '\0';
		if (zone_load(srv->zone, srv->store, serr, sizeof(serr)) ==
		    -1) {
			snprintf(err, errlen, "loading the zone: %s", serr);
			goto fail;
		}
	}
	log_info("dns: zone %s loaded from %s: %zu listings, serial %llu, "
	    "%lld ms", cfg->zone.name, from, zone_count(srv->zone),
	    (unsigned long long)zone_serial(srv->zone),
	    (long long)(clock_mono_ms() - t0));
	if (cfg->rrl.rate > 0) {
		if ((srv->rrl = dns_rrl_new(&cfg->rrl)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		log_info("dns: UDP responses limited to %u a second (burst %u, "
		    "slip %u) per /%u and /%u", cfg->rrl.rate,
		    cfg->rrl.burst > 0 ? cfg->rrl.burst : cfg->rrl.rate,
		    cfg->rrl.slip, cfg->rrl.v4_prefix, cfg->rrl.v6_prefix);
	}
	if ((cfg->xfr.nacl > 0 || cfg->xfr.nnotify > 0) &&
	    (srv->xfr = dns_xfr_new(&cfg->zone, &cfg->xfr, &cfg->store,
	    cfg->poll_ms, err, errlen)) == NULL)
		goto fail;
	/* A client that goes away mid-answer must not end the process. */
	signal(SIGPIPE, SIG_IGN);
	if (cfg->ready != NULL && cfg->ready(cfg->ready_arg, err,
	    errlen) == -1)
		goto fail;

	for (; srv->nstarted < srv->nthreads; srv->nstarted++) {
		struct dns_worker *w = &srv->workers[srv->nstarted];

		w->srv = srv;
		w->index = srv->nstarted;
		if (pthread_create(&w->thread, NULL, dns_udp_worker, w) != 0) {
			snprintf(err, errlen, "starting worker threads");
			goto fail;
		}
	}
	if (pthread_create(&srv->tcp_thread, NULL, dns_tcp_thread, srv) != 0) {
		snprintf(err, errlen, "starting the TCP thread");
		goto fail;
	}
	srv->tcp_started = 1;
	if (pthread_create(&srv->updater, NULL, dns_updater, srv) != 0) {
		snprintf(err, errlen, "starting the updater thread");
		goto fail;
	}
	srv->updater_started = 1;
	if (srv->xfr != NULL) {
		if (dns_xfr_start(srv->xfr, err, errlen) == -1)
			goto fail;
		log_info("dns: zone transfers: %zu allow entr%s, %zu notify "
		    "target%s, serial %u", cfg->xfr.nacl,
		    cfg->xfr.nacl == 1 ? "y" : "ies", cfg->xfr.nnotify,
		    cfg->xfr.nnotify == 1 ? "" : "s",
		    dns_xfr_serial(srv->xfr));
	}
	log_info("dns: answering for %s with %d UDP workers and TCP on "
	    "%zu address%s", cfg->zone.name, srv->nthreads, cfg->nlisten,
	    cfg->nlisten == 1 ? "" : "es");
	return srv;
fail:
	dns_server_stop(srv);
	dns_server_wait(srv);
	return NULL;
}

void
dns_server_stop(struct dns_server *srv)
{
	int saved = errno;

	if (srv == NULL)
		return;
	srv->stop = 1;
	/* Nothing to do if it fails: the flag is set and threads poll. */
	if (srv->stop_pipe[1] != -1 && write(srv->stop_pipe[1], "x", 1) == -1)
		srv->stop = 1;
	errno = saved;
}

void
dns_server_wait(struct dns_server *srv)
{
	if (srv == NULL)
		return;
	for (int i = 0; i < srv->nstarted; i++)
		pthread_join(srv->workers[i].thread, NULL);
	if (srv->tcp_started)
		pthread_join(srv->tcp_thread, NULL);
	if (srv->updater_started)
		pthread_join(srv->updater, NULL);
	dns_xfr_free(srv->xfr);
	if (srv->zone != NULL)
		zone_reclaim(srv->zone);
	/* Every thread is gone: the zone is still, the store ours. */
	if (srv->updater_started && srv->snapshot[0] != '\0')
		dns_snapshot_save(srv);
	if (srv->snapshot_dir != -1)
		close(srv->snapshot_dir);
	store_close(srv->store);
	dns_server_close(srv);
	free(srv);
}

/* The one server a signal handler stops (dns_server_run). */
static struct dns_server *dns_signal_server;

static void
dns_on_signal(int sig)
{
	(void)sig;
	dns_server_stop(dns_signal_server);
}

int
dns_server_run(const struct dns_server_config *cfg, char *err, size_t errlen)
{
	struct sigaction sa;
	sigset_t block, old;
	struct dns_server *srv;

	/*
	 * The threads start with SIGTERM and SIGINT blocked, so that the
	 * signal reaches this thread once the handler knows the server.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	srv = dns_server_start(cfg, err, errlen);
	if (srv == NULL) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	dns_signal_server = srv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dns_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	dns_server_wait(srv);
	dns_signal_server = NULL;
	log_info("dns: stopped");
	return 0;
}
