/* dns_notify.c -- NOTIFY (RFC 1996) to the secondaries when the serial changes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dns/dns_notify.h"
#include "dns/dns_tsig.h"
#include "dns/dns_wire.h"

/* A NOTIFY with its SOA and a TSIG fits easily. */
#define DNS_NOTIFY_BUF		1024

/*
 * Per secondary: the serial it should hear about, and the one NOTIFY
 * in flight (RFC 1996 3.6), retried after 1, 2, 4, 8 s, then dropped
 * until the next change.
 */
struct notify_peer {
	struct dns_notify_target	 t;
	uint32_t			 want;		/* serial to announce */
	int				 pending;	/* want not yet answered */
	int				 tries;
	uint16_t			 id;
	int64_t				 next_ms;	/* next send */
	int64_t				 last_ms;	/* last first send */
	int64_t				 backoff_ms;
};

struct dns_notify {
	const struct dns_zone		*zone;
	const struct dns_tsig_ring	*ring;
	struct notify_peer		 peers[DNS_NOTIFY_MAX];
	size_t				 n;
	int				 fd4, fd6;
	int				 wake[2];
	pthread_mutex_t			 mu;
	uint32_t			 serial;	/* under mu */
	int				 changed;	/* under mu */
	atomic_int			 stop;
	pthread_t			 thread;
	int				 started;
};

size_t
dns_notify_build(const struct dns_zone *z, uint32_t serial, uint16_t id,
    uint8_t *buf, size_t max)
{
	static const uint8_t zero[DNS_HEADER_LEN];
	struct dns_header h;
	struct dns_soa soa;
	struct dns_wr w;

	if (!z->apex_ok || z->nns == 0 || !z->ns_ok[0] || !z->hostmaster_ok)
		return 0;
	dns_wr_init(&w, buf, max);
	dns_wr_bytes(&w, zero, sizeof(zero));
	dns_wr_question(&w, &z->apex_wire, DNS_TYPE_SOA, DNS_CLASS_IN);
	soa.mname = &z->ns_wire[0];
	soa.rname = &z->hostmaster_wire;
	soa.serial = serial;
	soa.refresh = z->refresh;
	soa.retry = z->retry;
	soa.expire = z->expire;
	soa.minimum = z->negative_ttl;
	dns_wr_rr_soa(&w, &z->apex_wire, z->ttl, &soa);
	if (w.err)
		return 0;
	/* RFC 1996 3.7: opcode NOTIFY, AA, the SOA as a hint. */
	memset(&h, 0, sizeof(h));
	h.id = id;
	h.flags = (uint16_t)(DNS_OPCODE_NOTIFY << 11 | DNS_FLAG_AA);
	h.qdcount = 1;
	h.ancount = 1;
	dns_header_write(buf, &h);
	return w.off;
}

static void
notify_send(struct dns_notify *nf, struct notify_peer *p, int64_t now)
{
	uint8_t buf[DNS_NOTIFY_BUF];
	struct dns_tsig_ctx ctx;
	size_t len;
	int fd = p->t.ss.ss_family == AF_INET6 ? nf->fd6 : nf->fd4;

	if (getrandom(&p->id, sizeof(p->id), 0) != sizeof(p->id))
		p->id = (uint16_t)(p->id * 31421u + 6927u);
	len = dns_notify_build(nf->zone, p->want, p->id, buf, sizeof(buf));
	if (len > 0 && p->t.key >= 0) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.key = &nf->ring->keys[p->t.key];
		len = dns_tsig_sign(&ctx, buf, len, sizeof(buf),
		    (int64_t)time(NULL));
	}
	if (len == 0 || fd == -1 || sendto(fd, buf, len, 0,
	    (const struct sockaddr *)&p->t.ss, p->t.len) == -1)
		log_debug("dns: notify: send failed: %s", strerror(errno));
	p->tries++;
	p->next_ms = now + p->backoff_ms;
	p->backoff_ms *= 2;
}

/* A response from a peer we notified: matched by address, port and ID. */
static void
notify_receive(struct dns_notify *nf, int fd)
{
	uint8_t buf[DNS_NOTIFY_BUF];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct dns_header h;
	struct dns_rd r;
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&from, &flen)) > 0) {
		dns_rd_init(&r, buf, (size_t)n);
		if (dns_header_read(&r, &h) == -1 ||
		    !(h.flags & DNS_FLAG_QR) ||
		    DNS_OPCODE(h.flags) != DNS_OPCODE_NOTIFY)
			goto next;
		for (size_t i = 0; i < nf->n; i++) {
			struct notify_peer *p = &nf->peers[i];

			if (!p->pending || p->id != h.id || flen != p->t.len ||
			    memcmp(&from, &p->t.ss, flen) != 0)
				continue;
			p->pending = 0;
			log_info("dns: notify peer=%zu serial=%u rcode=%u "
			    "tries=%d", i, p->want, h.flags & DNS_RCODE_MASK,
			    p->tries);
		}
next:
		flen = sizeof(from);
	}
}

static void *
notify_thread(void *arg)
{
	struct dns_notify *nf = arg;
	struct pollfd pfd[3];
	int64_t now, wait;
	uint32_t serial;
	int changed;

	while (!atomic_load(&nf->stop)) {
		pthread_mutex_lock(&nf->mu);
		changed = nf->changed;
		serial = nf->serial;
		nf->changed = 0;
		pthread_mutex_unlock(&nf->mu);
		now = clock_mono_ms();
		for (size_t i = 0; i < nf->n; i++) {
			struct notify_peer *p = &nf->peers[i];

			if (changed && (!p->pending || p->want != serial)) {
				p->want = serial;
				p->pending = 1;
				p->tries = 0;
				p->backoff_ms = DNS_NOTIFY_FIRST_MS;
				/* Coalesce: at most one new serial so often. */
				p->next_ms = p->last_ms +
				    DNS_NOTIFY_COALESCE_MS > now ?
				    p->last_ms + DNS_NOTIFY_COALESCE_MS : now;
			}
			if (!p->pending || now < p->next_ms)
				continue;
			if (p->tries >= DNS_NOTIFY_TRIES) {
				log_info("dns: notify peer=%zu serial=%u "
				    "outcome=unanswered tries=%d", i, p->want,
				    p->tries);
				p->pending = 0;
				continue;
			}
			if (p->tries == 0)
				p->last_ms = now;
			notify_send(nf, p, now);
		}
		wait = 1000;
		for (size_t i = 0; i < nf->n; i++)
			if (nf->peers[i].pending &&
			    nf->peers[i].next_ms - now < wait)
				wait = nf->peers[i].next_ms - now;
		if (wait < 0)
			wait = 0;
		pfd[0].fd = nf->wake[0];
		pfd[1].fd = nf->fd4;
		pfd[2].fd = nf->fd6;
		for (int k = 0; k < 3; k++) {
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
		}
		if (poll(pfd, 3, (int)wait) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			char drain[64];

			while (read(nf->wake[0], drain, sizeof(drain)) > 0)
				;
		}
		if (nf->fd4 != -1 && (pfd[1].revents & POLLIN))
			notify_receive(nf, nf->fd4);
		if (nf->fd6 != -1 && (pfd[2].revents & POLLIN))
			notify_receive(nf, nf->fd6);
	}
	return NULL;
}

struct dns_notify *
dns_notify_start(const struct dns_zone *zone,
    const struct dns_notify_target *targets, size_t n,
    const struct dns_tsig_ring *ring, char *err, size_t errlen)
{
	struct dns_notify *nf;

	if (n > DNS_NOTIFY_MAX)
		n = DNS_NOTIFY_MAX;
	if ((nf = calloc(1, sizeof(*nf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nf->zone = zone;
	nf->ring = ring;
	nf->n = n;
	nf->wake[0] = nf->wake[1] = -1;
	pthread_mutex_init(&nf->mu, NULL);
	for (size_t i = 0; i < n; i++) {
		nf->peers[i].t = targets[i];
		nf->peers[i].last_ms = -DNS_NOTIFY_COALESCE_MS;
	}
	nf->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	nf->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if ((nf->fd4 == -1 && nf->fd6 == -1) ||
	    pipe2(nf->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "notify sockets: %s", strerror(errno));
		dns_notify_free(nf);
		return NULL;
	}
	if (pthread_create(&nf->thread, NULL, notify_thread, nf) != 0) {
		snprintf(err, errlen, "starting the notify thread");
		dns_notify_free(nf);
		return NULL;
	}
	nf->started = 1;
	return nf;
}

void
dns_notify_serial(struct dns_notify *nf, uint32_t serial)
{
	if (nf == NULL)
		return;
	pthread_mutex_lock(&nf->mu);
	nf->serial = serial;
	nf->changed = 1;
	pthread_mutex_unlock(&nf->mu);
	if (write(nf->wake[1], "x", 1) == -1 && errno != EAGAIN)
		log_debug("dns: notify: wake: %s", strerror(errno));
}

void
dns_notify_free(struct dns_notify *nf)
{
	if (nf == NULL)
		return;
	atomic_store(&nf->stop, 1);
	if (nf->started) {
		if (write(nf->wake[1], "x", 1) == -1)
			log_debug("dns: notify: wake: %s", strerror(errno));
		pthread_join(nf->thread, NULL);
	}
	if (nf->fd4 != -1)
		close(nf->fd4);
	if (nf->fd6 != -1)
		close(nf->fd6);
	if (nf->wake[0] != -1)
		close(nf->wake[0]);
	if (nf->wake[1] != -1)
		close(nf->wake[1]);
	pthread_mutex_destroy(&nf->mu);
	free(nf);
}
