/* trap_server.c -- `backscatter trap`: listeners, limits, TLS and the store. */
/* pipe2 is a Linux interface. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "core/clock.h"
#include "core/log.h"
#include "trap/proxy_parse.h"
#include "trap/smtp_session.h"
#include "trap/trap_server.h"
#include "trap/trap_tls.h"

/*
 * Stopping: sessions in the middle of a message get this long to finish
 * it, then everyone gets 421 and this long again to read it.
 */
#define TRAP_DRAIN_GRACE_MS	10000
#define TRAP_FLUSH_GRACE_MS	5000
/* After accept() fails (out of descriptors), wait before trying again. */
#define TRAP_ACCEPT_PAUSE_MS	1000
/*
 * listen(2) backlog: room for max_sessions connecting at once, at least
 * this; the kernel caps it at somaxconn anyway. A backlog shorter than a
 * burst drops SYNs, and the client waits 1 s, then 3 s, to retry.
 */
#define TRAP_LISTEN_BACKLOG	511
#define TRAP_LISTEN_BACKLOG_MAX	65535
/*
 * Group commit: hits are queued and committed together, this many to a
 * transaction at most. One commit costs about as much as one hit alone
 * (the WAL append, its fdatasync and the checkpoint), so a group of n is
 * nearly n times cheaper per hit; past a few hundred the rows themselves
 * dominate and a bigger group only delays replies.
 */
#define TRAP_COMMIT_MAX		256
/*
 * Gathering: fewer hits than TRAP_GATHER_MIN wait up to TRAP_GATHER_US
 * for others before their commit starts. A commit's own cost (the WAL
 * frames of the pages every hit shares, and the fdatasync's work in the
 * kernel) is paid whatever its size; committing what one round of the
 * loop brought, often three or four hits, paid it for every few and
 * made the committer preempt the loop as often.
 */
#define TRAP_GATHER_MIN		32
#define TRAP_GATHER_US		1000
/* One read of a plain connection, at most. */
#define TRAP_READ_MAX		16384
/* Pieces of the last replies sent in one call; more go the usual way. */
#define TRAP_LAST_IOV		8
/*
 * Replies kept in the connection itself until sent: a banner, an EHLO
 * reply or a few pipelined replies fit. Kept in an evbuffer, each cost
 * a 1 KiB chain made and freed; longer ones still go there.
 */
#define TRAP_OUT_INLINE		256
/*
 * Input a session may send ahead while its hit is being committed (it
 * is not fed meanwhile): past this, reading stops until the reply.
 */
#define TRAP_WAIT_INPUT_MAX	65536
/* A session id: 64 bits in hex (trap_conn_id). */
#define TRAP_ID_LEN		16
/* Descriptors besides the sessions': listeners, store, pipe, stderr. */
#define TRAP_FD_SPARE		64
/* A 421 sent before any session exists (RFC 5321 4.5.3.1.5: 512). */
#define TRAP_REFUSE_MAX		512

/* How many sessions one address holds now (max_sessions_per_ip). */
struct trap_ip {
	struct addr	 addr;
	int		 n;
	struct trap_ip	*next;
};

struct trap_conn;

/*
 * What a connection's close line says besides the session's counts. A
 * connection that goes while its hit is queued leaves this with the hit,
 * so that its close line follows the hit's: a close line in the log
 * means all of that session is in the store.
 */
struct trap_close_note {
	char			 id[TRAP_ID_LEN + 1];
	char			 addrtxt[ADDR_STRLEN];
	const char		*why;
	int64_t			 start_ms;
	int			 tls_on;
};

/*
 * A hit waiting for the group commit, with its own copies of the strings
 * (the session's change as it goes on). conn is NULL once the connection
 * is gone; its session then waits here (orphan) to log the hit, and is
 * freed after.
 */
struct trap_pend {
	TAILQ_ENTRY(trap_pend)	 entry;
	struct trap_conn	*conn;
	struct smtp_session	*orphan;
	struct trap_close_note	 orphan_close;
	struct store_hit	 h;
	int			 done;		/* rc and outcome are set */
	int			 rc;		/* 0 committed, -1 failed */
	enum store_hit_outcome	 outcome;
	char			 strs[];	/* what h's strings point to */
};
/* cppcheck does not see the members used through the queue macros. */
// cppcheck-suppress unusedStructMember
TAILQ_HEAD(trap_pendq, trap_pend);

static void	trap_log_close(const struct trap_close_note *,
		    struct smtp_session *);

/*
 * A connection. What a read or a reply looks at comes first, in one
 * cache line: with a thousand sessions their state is past the CPU's
 * own cache, and each line touched per event is a miss.
 *
 * A plain connection gets its bufferevent (bev) and its reply overflow
 * (reply) only when it needs them: input left over that the session
 * did not take yet, or replies the socket did not take or that do not
 * fit in out. Most sessions never do; made for each, they were five
 * allocations, and objects of their own to miss in the cache on every
 * event. Under TLS the bufferevent is the connection.
 */
struct trap_conn {
	struct smtp_session	*sess;		/* NULL before PROXY */
	struct bufferevent	*bev;		/* or NULL: trap_conn_bev() */
	struct evbuffer		*reply;		/* replies past out, or NULL */
	struct trap_pend	*pend;		/* the hit being committed */
	struct trap_server	*srv;
	size_t			 outlen;
	int			 fd;		/* ours to close, or -1 */
	unsigned char		 closing;	/* free once all is sent */
	unsigned char		 paused;	/* replies unread: no reading */
	unsigned char		 waiting;	/* hit queued: no feeding */
	unsigned char		 held;		/* and its input is full */
	unsigned char		 proxy_wait;	/* PROXY header expected */
	unsigned char		 tls_wait;	/* handshake after the 220 */
	unsigned char		 tls;		/* the handshake is under way */
	unsigned char		 tls_on;	/* and done */
	unsigned char		 counted;	/* holds a slot of addr */
	struct event		*rev;		/* plain: reading, see below */
	struct event		*deadline;	/* session_timeout */
	LIST_ENTRY(trap_conn)	 entry;
	const char		*why;		/* for the close log line */
	char			 out[TRAP_OUT_INLINE];	/* replies not yet sent */
	char			 id[TRAP_ID_LEN + 1];
	struct addr		 addr;		/* the peer, or PROXY source */
	char			 addrtxt[ADDR_STRLEN];
	int64_t			 start_ms;
};

/*
 * The committer: a thread that runs the group commits, so that the event
 * loop goes on reading and answering other sessions while a commit waits
 * for its fdatasync (a quarter of the loop's time was spent idle there).
 * It is the only user of the store once it runs; the loop hands it one
 * batch at a time and hears back through a pipe. Without it (it could
 * not start, or it has stopped) the loop commits itself.
 */
struct trap_committer {
	pthread_t		 tid;
	int			 running;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	size_t			 n;		/* to commit; under mu */
	int			 done;		/* rc is in; under mu */
	int			 rc;		/* under mu */
	int			 stop;		/* under mu */
	int			 pipe[2];	/* a byte: a batch is done */
	struct event		*ev;
};

struct trap_server {
	struct trap_server_config	 cfg;
	const char			*domains[TRAP_DOMAINS_MAX];
	const char			*patterns[TRAP_PATTERNS_MAX];
	struct smtp_config		 scfg;
	struct event_base		*base;
	struct evconnlistener		*listeners[TRAP_LISTEN_MAX];
	size_t				 nlisteners;
	struct event			*accept_ev;	/* resumes accepting */
	int				 stop_pipe[2];
	struct event			*stop_ev;
	struct event			*drain_ev;
	int				 drain_phase;
	int				 draining;
	SSL_CTX				*ssl_ctx;
	struct store			*store;
	struct trap_pendq		 pend;		/* the group commit */
	size_t				 npend;		/* of them not done */
	size_t				 inflight;	/* first npend, in batch */
	struct event			*commit_ev;
	struct event			*gather_ev;	/* TRAP_GATHER_US */
	struct event			*logflush_ev;	/* the round's lines */
	/* The sessions' timeouts, as libevent's common timeouts. */
	struct timeval			 idle_tv;
	struct timeval			 session_tv;
	int				 gathering;	/* gather_ev is set */
	/* The committer owns batch and outcomes while inflight > 0. */
	struct store_hit		 batch[TRAP_COMMIT_MAX];
	enum store_hit_outcome		 outcomes[TRAP_COMMIT_MAX];
	struct trap_committer		 cm;
	LIST_HEAD(, trap_conn)		 conns;
	int				 nconns;
	struct trap_ip			**ips;
	size_t				 nips;		/* buckets, 2^n */
	uint64_t			 ipseed;
	uint64_t			 idkey;		/* random, for ids */
	uint64_t			 nids;		/* sessions so far */
};

static void	trap_conn_free(struct trap_conn *);
static void	trap_conn_feed(struct trap_conn *);
static void	trap_conn_resume(struct trap_conn *);
static void	trap_conn_reading(struct trap_conn *, int);
static void	trap_conn_read(struct bufferevent *, void *);
static void	trap_conn_write(struct bufferevent *, void *);
static void	trap_conn_event(struct bufferevent *, short, void *);

static struct timeval
trap_tv(int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

/* "192.0.2.1:25" or "[2001:db8::1]:25". */
static void
trap_sockaddr_str(const struct sockaddr *sa, char *buf, size_t size)
{
	char name[ADDR_STRLEN];
	struct addr a;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(a.b, &s6->sin6_addr, 16);
		addr_format(&a, name, sizeof(name));
		snprintf(buf, size, "[%s]:%u", name, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		addr_from_v4(&a, (const uint8_t *)&s4->sin_addr);
		addr_format(&a, name, sizeof(name));
		snprintf(buf, size, "%s:%u", name, ntohs(s4->sin_port));
	} else
		snprintf(buf, size, "?");
}

/* The address of a peer; IPv4 becomes v4-mapped, as everywhere. */
static int
trap_sockaddr_addr(const struct sockaddr *sa, struct addr *out)
{
	if (sa->sa_family == AF_INET6) {
		memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_addr, 16);
		return 0;
	}
	if (sa->sa_family == AF_INET) {
		addr_from_v4(out, (const uint8_t *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
		return 0;
	}
	return -1;
}

/* ---- configuration ------------------------------------------------------ */

/*
 * Copies the host name, or "localhost" when there is none. A name longer
 * than buf (the sensor label is shorter than a host name may be) is cut:
 * it only labels evidence.
 */
static void
trap_hostname(char *buf, size_t size)
{
	char host[256];
	size_t len;

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	len = strnlen(host, size - 1);
	memcpy(buf, host, len);
	buf[len] = '\0';
}

/* Splits a space-separated, already checked list; -1 if one is too long. */
static int
trap_split(const char *list, char *dst, size_t width, size_t max, size_t *n)
{
	char buf[CONFIG_LINE_MAX + 1], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	*n = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (*n == max || strlen(tok) >= width)
			return -1;
		memcpy(dst + *n * width, tok, strlen(tok) + 1);
		(*n)++;
	}
	return 0;
}

int
trap_server_config_init(struct trap_server_config *sc,
    const struct config *cfg, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 1], *tok, *save = NULL;
	size_t n;

	memset(sc, 0, sizeof(*sc));
	snprintf(buf, sizeof(buf), "%s", cfg->trap.listen);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (sc->nlisten == TRAP_LISTEN_MAX) {
			snprintf(err, errlen, "trap.listen: more than %d "
			    "addresses", TRAP_LISTEN_MAX);
			return -1;
		}
		if (addr_parse_sockaddr(tok, &sc->listen[sc->nlisten],
		    &sc->listen_len[sc->nlisten]) == -1) {
			snprintf(err, errlen, "trap.listen: '%.64s' is not "
			    "ADDR:PORT or [IPV6]:PORT", tok);
			return -1;
		}
		sc->nlisten++;
	}
	if (trap_split(cfg->trap.domains, &sc->domains[0][0],
	    sizeof(sc->domains[0]), TRAP_DOMAINS_MAX, &sc->ndomains) == -1 ||
	    sc->ndomains == 0) {
		snprintf(err, errlen, "trap.domains: bad list");
		return -1;
	}
	if (trap_split(cfg->trap.addresses, &sc->patterns[0][0],
	    sizeof(sc->patterns[0]), TRAP_PATTERNS_MAX, &sc->npatterns) == -1) {
		snprintf(err, errlen, "trap.addresses: bad list");
		return -1;
	}
	/* "*" alone is every address: no pattern to match at all. */
	for (n = 0; n < sc->npatterns; n++)
		if (strcmp(sc->patterns[n], "*") == 0)
			sc->npatterns = 0;
	if (strcmp(cfg->trap.hostname, "auto") == 0)
		trap_hostname(sc->hostname, sizeof(sc->hostname));
	else
		snprintf(sc->hostname, sizeof(sc->hostname), "%s",
		    cfg->trap.hostname);
	if (strcmp(cfg->trap.sensor, "auto") == 0)
		trap_hostname(sc->sensor, sizeof(sc->sensor));
	else
		snprintf(sc->sensor, sizeof(sc->sensor), "%s",
		    cfg->trap.sensor);
	if (strcmp(cfg->trap.callout_senders, "auto") != 0 &&
	    classify_config_parse(&sc->classify,
	    cfg->trap.callout_senders) == -1) {
		snprintf(err, errlen, "trap.callout_senders: not a list of "
		    "local parts the classifier takes");
		return -1;
	}
	sc->line_max = (size_t)cfg->trap.line_max;
	sc->max_recipients = (size_t)cfg->trap.max_recipients;
	sc->max_message_size = (uint64_t)cfg->trap.max_message_size;
	sc->keep_headers = (size_t)cfg->trap.keep_headers;
	sc->keep_body = (size_t)cfg->trap.keep_body;
	sc->max_commands = (unsigned int)cfg->trap.max_commands;
	sc->max_errors = (unsigned int)cfg->trap.max_errors;
	sc->session_timeout_ms = cfg->trap.session_timeout * 1000;
	sc->idle_timeout_ms = cfg->trap.idle_timeout * 1000;
	sc->max_sessions = cfg->trap.max_sessions;
	sc->max_sessions_per_ip = cfg->trap.max_sessions_per_ip;
	sc->proxy_protocol = cfg->trap.proxy_protocol;
	if (strcmp(cfg->trap.proxy_trusted, "none") != 0) {
		save = NULL;
		snprintf(buf, sizeof(buf), "%s", cfg->trap.proxy_trusted);
		for (tok = strtok_r(buf, ", \t", &save); tok != NULL &&
		    sc->nproxy_trusted < TRAP_TRUSTED_MAX;
		    tok = strtok_r(NULL, ", \t", &save))
			if (prefix_parse(tok, strlen(tok),
			    &sc->proxy_trusted[sc->nproxy_trusted]) == 0)
				sc->nproxy_trusted++;
	}

	if (snprintf(sc->store_path, sizeof(sc->store_path), "%s",
	    cfg->store.path) >= (int)sizeof(sc->store_path)) {
		snprintf(err, errlen, "store.path: too long");
		return -1;
	}
	store_config_from(&sc->store, cfg, sc->store_path);

	sc->tls = cfg->trap.tls;
	if (strcmp(cfg->trap.tls_cert, "auto") == 0) {
		if (strcmp(cfg->trap.tls_key, "auto") != 0) {
			snprintf(err, errlen, "trap.tls_key is set but "
			    "trap.tls_cert is auto: set both");
			return -1;
		}
		sc->tls_make = 1;
		if (trap_tls_auto_paths(sc->store_path, sc->tls_cert,
		    sizeof(sc->tls_cert), sc->tls_key,
		    sizeof(sc->tls_key)) == -1) {
			snprintf(err, errlen, "store.path: too long for the "
			    "TLS files next to it");
			return -1;
		}
	} else {
		snprintf(sc->tls_cert, sizeof(sc->tls_cert), "%s",
		    cfg->trap.tls_cert);
		/* The key may sit in the certificate's file. */
		snprintf(sc->tls_key, sizeof(sc->tls_key), "%s",
		    strcmp(cfg->trap.tls_key, "auto") == 0 ?
		    cfg->trap.tls_cert : cfg->trap.tls_key);
	}
	return 0;
}

/* ---- sessions per address --------------------------------------------- */

/* FNV-1a over the address, seeded so clients cannot pick collisions. */
static size_t
trap_ip_bucket(const struct trap_server *srv, const struct addr *a)
{
	uint64_t h = 14695981039346656037ULL ^ srv->ipseed;

	for (size_t i = 0; i < sizeof(a->b); i++) {
		h ^= a->b[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32)) & (srv->nips - 1);
}

/* Takes a slot for a: 0, or -1 when a holds max_sessions_per_ip. */
static int
trap_ip_take(struct trap_server *srv, const struct addr *a)
{
	struct trap_ip **head = &srv->ips[trap_ip_bucket(srv, a)], *e;

	for (e = *head; e != NULL; e = e->next)
		if (addr_cmp(&e->addr, a) == 0)
			break;
	if (e != NULL && e->n >= srv->cfg.max_sessions_per_ip)
		return -1;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		e->addr = *a;
		e->next = *head;
		*head = e;
	}
	e->n++;
	return 0;
}

static void
trap_ip_release(struct trap_server *srv, const struct addr *a)
{
	struct trap_ip **pp = &srv->ips[trap_ip_bucket(srv, a)], *e;

	for (; (e = *pp) != NULL; pp = &e->next) {
		if (addr_cmp(&e->addr, a) != 0)
			continue;
		if (--e->n == 0) {
			*pp = e->next;
			free(e);
		}
		return;
	}
}

/* ---- the session's window on the world -------------------------------- */

/* Callbacks and timeouts of a connection's new bufferevent. */
static void
trap_conn_bev_init(struct trap_conn *c)
{
	const struct timeval *tv = &c->srv->idle_tv;

	bufferevent_setcb(c->bev, trap_conn_read, trap_conn_write,
	    trap_conn_event, c);
	/*
	 * The read timeout is the idle timeout (RFC 5321 4.5.3.2.7); the
	 * write timeout drops a client that stops reading its replies.
	 */
	bufferevent_set_timeouts(c->bev, tv, tv);
}

/* A plain connection's bufferevent, made now if need be; NULL: no memory. */
static struct bufferevent *
trap_conn_bev(struct trap_conn *c)
{
	if (c->bev == NULL && c->fd != -1 &&
	    (c->bev = bufferevent_socket_new(c->srv->base, c->fd, 0)) != NULL)
		trap_conn_bev_init(c);
	return c->bev;
}

/* Input read but not yet taken by the session. */
static size_t
trap_conn_inlen(const struct trap_conn *c)
{
	return c->bev != NULL ?
	    evbuffer_get_length(bufferevent_get_input(c->bev)) : 0;
}

/* Input read and not yet taken is dropped: the session is over. */
static void
trap_conn_drop_input(struct trap_conn *c)
{
	size_t len = trap_conn_inlen(c);

	if (len > 0)
		evbuffer_drain(bufferevent_get_input(c->bev), len);
}

/* Replies handed to the bufferevent and not yet sent. */
static size_t
trap_conn_queued(const struct trap_conn *c)
{
	return c->bev != NULL ?
	    evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

/*
 * A plain connection's replies are gathered while its input is read (in
 * out, then in reply once out is full) and then sent by trap_conn_send();
 * under TLS they go to the bufferevent.
 */
static void
trap_io_write(void *arg, const char *buf, size_t len)
{
	struct trap_conn *c = arg;
	int rc;

	if (c->tls)
		rc = bufferevent_write(c->bev, buf, len);
	else if ((c->reply == NULL || evbuffer_get_length(c->reply) == 0) &&
	    len <= sizeof(c->out) - c->outlen) {
		memcpy(c->out + c->outlen, buf, len);
		c->outlen += len;
		rc = 0;
	} else if (c->reply == NULL && (c->reply = evbuffer_new()) == NULL)
		rc = -1;
	else {
		/* In order: what out holds goes first, then all goes there. */
		rc = evbuffer_add(c->reply, c->out, c->outlen);
		c->outlen = 0;
		if (rc == 0)
			rc = evbuffer_add(c->reply, buf, len);
	}
	if (rc == -1)
		log_warnx("%s event=error what=\"out of memory writing\"",
		    c->id);
}

/* The strings of a struct store_hit that a queued copy must keep. */
#define TRAP_HIT_STRS		6

/* Copies a hit and its strings into one allocation; NULL if out of memory. */
static struct trap_pend *
trap_pend_new(const struct store_hit *h)
{
	const char *src[TRAP_HIT_STRS] = { h->subclass, h->sensor, h->helo,
	    h->mail_from, h->rcpt, h->excerpt };
	const char **dst[TRAP_HIT_STRS];
	struct trap_pend *p;
	size_t len[TRAP_HIT_STRS], total = 0, off = 0;

	for (size_t i = 0; i < TRAP_HIT_STRS; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	if ((p = calloc(1, sizeof(*p) + total)) == NULL)
		return NULL;
	p->h = *h;
	dst[0] = &p->h.subclass;
	dst[1] = &p->h.sensor;
	dst[2] = &p->h.helo;
	dst[3] = &p->h.mail_from;
	dst[4] = &p->h.rcpt;
	dst[5] = &p->h.excerpt;
	for (size_t i = 0; i < TRAP_HIT_STRS; i++) {
		if (src[i] == NULL)
			continue;
		memcpy(p->strs + off, src[i], len[i]);
		*dst[i] = p->strs + off;
		off += len[i];
	}
	return p;
}

/*
 * Commits srv->batch[0 .. n-1] in one transaction and notes each hit's
 * outcome. A failed transaction fails all of its hits (store_record_hits
 * is all or nothing): each of their clients gets 451 and sends again, as
 * it would after a single failed commit. Runs on the committer thread,
 * or on the loop's when there is none.
 */
static int
trap_commit_batch(struct trap_server *srv, size_t n)
{
	int rc;

	rc = srv->store == NULL ? -1 : store_record_hits(srv->store,
	    srv->batch, n, srv->outcomes);
	if (rc == -1)
		log_warnx("trap: %zu hit%s not committed: %s", n,
		    n == 1 ? "" : "s", srv->store != NULL ?
		    store_errmsg(srv->store) : "no store");
	return rc;
}

/* The first queued hit not yet done: done ones are the queue's front. */
static struct trap_pend *
trap_pend_first_undone(struct trap_server *srv)
{
	struct trap_pend *p = TAILQ_FIRST(&srv->pend);

	while (p != NULL && p->done)
		p = TAILQ_NEXT(p, entry);
	return p;
}

/* The batch in flight is committed (rc 0) or failed: its hits say so. */
static void
trap_commit_end(struct trap_server *srv, int rc)
{
	struct trap_pend *p;
	size_t i = 0;

	/* The batch is the first hits not done, in queue order. */
	for (p = trap_pend_first_undone(srv); p != NULL &&
	    i < srv->inflight; p = TAILQ_NEXT(p, entry), i++) {
		p->done = 1;
		p->rc = rc;
		p->outcome = rc == 0 ? srv->outcomes[i] :
		    STORE_HIT_NOT_LISTABLE;
	}
	srv->npend -= srv->inflight;
	srv->inflight = 0;
	/* More queued than one batch holds: another round takes them. */
	if (srv->npend > 0)
		event_active(srv->commit_ev, EV_TIMEOUT, 0);
}

/*
 * Hands the first hits not yet committed, TRAP_COMMIT_MAX at most, to
 * the committer; without one, commits them here and now. Nothing while
 * a batch is in flight: its end starts the next. Unless now is set, a
 * few hits wait for others (TRAP_GATHER_MIN, TRAP_GATHER_US).
 */
static void
trap_commit_start(struct trap_server *srv, int now)
{
	struct timeval tv = { 0, TRAP_GATHER_US };
	struct trap_pend *p;
	size_t n = 0;

	if (srv->inflight > 0 || srv->npend == 0)
		return;
	if (!now && srv->npend < TRAP_GATHER_MIN) {
		if (!srv->gathering && evtimer_add(srv->gather_ev, &tv) == 0)
			srv->gathering = 1;
		/* Without the timer the hits go now, as before. */
		if (srv->gathering)
			return;
	}
	if (srv->gathering) {
		evtimer_del(srv->gather_ev);
		srv->gathering = 0;
	}
	for (p = trap_pend_first_undone(srv); p != NULL &&
	    n < TRAP_COMMIT_MAX; p = TAILQ_NEXT(p, entry))
		srv->batch[n++] = p->h;
	/* Cannot happen: npend counts them. */
	if (n == 0)
		return;
	srv->inflight = n;
	if (!srv->cm.running) {
		trap_commit_end(srv, trap_commit_batch(srv, n));
		return;
	}
	pthread_mutex_lock(&srv->cm.mu);
	srv->cm.n = n;
	pthread_cond_signal(&srv->cm.cv);
	pthread_mutex_unlock(&srv->cm.mu);
}

/*
 * Gives each session whose hit is done its result, in the order they
 * queued: the done hits are the front of the queue. A session resumed
 * here may queue its next hit, at the back.
 */
static void
trap_deliver(struct trap_server *srv)
{
	struct trap_pend *p;
	struct trap_conn *c;

	// NOLINTNEXTLINE(clang-analyzer-unix.Malloc): TAILQ_REMOVE moves the head on
	while ((p = TAILQ_FIRST(&srv->pend)) != NULL && p->done) {
		TAILQ_REMOVE(&srv->pend, p, entry);
		if ((c = p->conn) != NULL) {
			c->pend = NULL;
			smtp_session_recorded(c->sess, &p->h, p->rc,
			    p->outcome);
			trap_conn_resume(c);
		} else if (p->orphan != NULL) {
			/* Gone: the hit is logged, no one is answered. */
			smtp_session_recorded(p->orphan, &p->h, p->rc,
			    p->outcome);
			trap_log_close(&p->orphan_close, p->orphan);
			smtp_session_free(p->orphan);
		}
		free(p);
	}
}

/* The end of a round of the event loop: the queue goes to be committed. */
static void
trap_flush(struct trap_server *srv)
{
	trap_commit_start(srv, 0);
	trap_deliver(srv);
}

/* The gathering time is over: what came, goes. */
static void
trap_gather_cb(evutil_socket_t fd, short what, void *arg)
{
	struct trap_server *srv = arg;

	(void)fd;
	(void)what;
	srv->gathering = 0;
	trap_commit_start(srv, 1);
	trap_deliver(srv);
}

static void *
trap_committer_main(void *arg)
{
	struct trap_server *srv = arg;
	struct trap_committer *cm = &srv->cm;
	size_t n;
	ssize_t w;
	int rc;

	pthread_mutex_lock(&cm->mu);
	for (;;) {
		while (cm->n == 0 && !cm->stop)
			pthread_cond_wait(&cm->cv, &cm->mu);
		if (cm->n == 0)
			break;
		n = cm->n;
		pthread_mutex_unlock(&cm->mu);
		rc = trap_commit_batch(srv, n);
		pthread_mutex_lock(&cm->mu);
		cm->n = 0;
		cm->rc = rc;
		cm->done = 1;
		/* A full pipe holds a wake-up already. */
		w = write(cm->pipe[1], "x", 1);
		(void)w;
	}
	pthread_mutex_unlock(&cm->mu);
	return NULL;
}

/* Takes the committer's result, answers, and hands over the next batch. */
static void
trap_committer_done(evutil_socket_t fd, short what, void *arg)
{
	struct trap_server *srv = arg;
	char buf[64];
	int done, rc;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&srv->cm.mu);
	done = srv->cm.done;
	rc = srv->cm.rc;
	srv->cm.done = 0;
	pthread_mutex_unlock(&srv->cm.mu);
	if (!done)
		return;
	trap_commit_end(srv, rc);
	trap_deliver(srv);
	trap_commit_start(srv, 0);
}

/* Starts the committer thread; without it the loop commits itself. */
static void
trap_committer_start(struct trap_server *srv)
{
	struct trap_committer *cm = &srv->cm;

	if (pipe2(cm->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("trap: committer pipe, committing in the loop");
		cm->pipe[0] = cm->pipe[1] = -1;
		return;
	}
	if ((cm->ev = event_new(srv->base, cm->pipe[0], EV_READ | EV_PERSIST,
	    trap_committer_done, srv)) == NULL ||
	    event_add(cm->ev, NULL) == -1) {
		log_warnx("trap: committer event: out of memory, committing "
		    "in the loop");
		return;
	}
	if ((errno = pthread_create(&cm->tid, NULL, trap_committer_main,
	    srv)) != 0) {
		log_warn("trap: committer thread, committing in the loop");
		return;
	}
	cm->running = 1;
}

/*
 * Stops the committer once its batch is done (that batch's hits are then
 * done too); the loop's thread owns the store again.
 */
static void
trap_committer_stop(struct trap_server *srv)
{
	struct trap_committer *cm = &srv->cm;

	if (!cm->running)
		return;
	pthread_mutex_lock(&cm->mu);
	cm->stop = 1;
	pthread_cond_signal(&cm->cv);
	pthread_mutex_unlock(&cm->mu);
	(void)pthread_join(cm->tid, NULL);
	cm->running = 0;
	if (cm->done) {
		cm->done = 0;
		trap_commit_end(srv, cm->rc);
	}
}

static void
trap_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	trap_flush(arg);
}

/*
 * A session needs a hit committed before it may reply. Rather than one
 * transaction per hit (some 6,000 a second at synchronous=NORMAL, far
 * below what the sockets can bring in), the hit is queued and the
 * session waits; the flush event, made active here, runs after the
 * other events of this round of the loop and hands the queue to the
 * committer (trap_flush). If a copy cannot be made, the client gets 451
 * and sends again: the store is the committer's alone.
 */
static int
trap_io_record(void *arg, const struct store_hit *h,
    // NOLINTNEXTLINE(readability-non-const-parameter): smtp_io's signature
    enum store_hit_outcome *outcome)
{
	struct trap_conn *c = arg;
	struct trap_server *srv = c->srv;
	struct trap_pend *p;

	(void)outcome;
	/* The store is the committer's: no hit is stored past it. */
	if ((p = trap_pend_new(h)) == NULL) {
		log_warnx("trap: out of memory queueing a hit");
		return -1;
	}
	p->conn = c;
	c->pend = p;
	TAILQ_INSERT_TAIL(&srv->pend, p, entry);
	srv->npend++;
	event_active(srv->commit_ev, EV_TIMEOUT, 0);
	return SMTP_RECORD_QUEUED;
}

static size_t
trap_io_backlog(void *arg)
{
	struct trap_conn *c = arg;

	return trap_conn_queued(c) + c->outlen +
	    (c->reply != NULL ? evbuffer_get_length(c->reply) : 0);
}

static int64_t
trap_io_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

static const struct smtp_io trap_io = {
	trap_io_write, trap_io_record, trap_io_backlog, trap_io_now,
};

/* ---- connections ------------------------------------------------------- */

/*
 * Refuses a connection before any session exists: one 421 line
 * (RFC 5321 3.1: the server may close with 421 instead of greeting),
 * sent without waiting, then close.
 */
static void
trap_refuse(struct trap_server *srv, int fd, const char *text)
{
	char buf[TRAP_REFUSE_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "421 4.7.0 %s %s\r\n",
	    srv->cfg.hostname, text);
	if (n > 0 && (size_t)n < sizeof(buf) &&
	    send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_debug("trap: refusing: %s", strerror(errno));
	close(fd);
}

static void
trap_close_note_take(struct trap_close_note *n, const struct trap_conn *c)
{
	memcpy(n->id, c->id, sizeof(n->id));
	memcpy(n->addrtxt, c->addrtxt, sizeof(n->addrtxt));
	n->why = c->why;
	n->start_ms = c->start_ms;
	n->tls_on = c->tls_on;
}

static void
trap_log_close(const struct trap_close_note *n, struct smtp_session *sess)
{
	struct smtp_stats st;
	struct log_line l;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	memset(&st, 0, sizeof(st));
	if (sess != NULL)
		smtp_session_stats(sess, &st);
	/*
	 * "%s event=close addr=%s reason=%s duration_ms=%lld commands=%u
	 * errors=%u transactions=%u hits=%u lost=%u tls=%s", by pieces:
	 * every session ends with it.
	 */
	log_line_init(&l);
	log_line_str(&l, n->id);
	log_line_str(&l, " event=close addr=");
	log_line_str(&l, n->addrtxt);
	log_line_str(&l, " reason=");
	log_line_str(&l, n->why != NULL ? n->why : "?");
	log_line_str(&l, " duration_ms=");
	log_line_i64(&l, (long long)(clock_mono_ms() - n->start_ms));
	log_line_str(&l, " commands=");
	log_line_u64(&l, st.commands);
	log_line_str(&l, " errors=");
	log_line_u64(&l, st.errors);
	log_line_str(&l, " transactions=");
	log_line_u64(&l, st.transactions);
	log_line_str(&l, " hits=");
	log_line_u64(&l, st.hits);
	log_line_str(&l, " lost=");
	log_line_u64(&l, st.lost);
	log_line_str(&l, " tls=");
	log_line_str(&l, n->tls_on ? "yes" : "no");
	log_line_emit(LOG_LEVEL_INFO, &l);
}

static void
trap_conn_free(struct trap_conn *c)
{
	struct trap_server *srv = c->srv;
	struct trap_close_note note;

	trap_close_note_take(&note, c);
	/*
	 * The session writes nothing from here on. If its hit is queued,
	 * the session stays with it, to log it and then the close once
	 * committed.
	 */
	if (c->sess != NULL)
		smtp_session_lost(c->sess);
	if (c->pend == NULL)
		trap_log_close(&note, c->sess);
	else {
		c->pend->orphan_close = note;
		c->pend->conn = NULL;
		c->pend->orphan = c->sess;
		c->sess = NULL;
		c->pend = NULL;
	}
	LIST_REMOVE(c, entry);
	srv->nconns--;
	if (c->counted)
		trap_ip_release(srv, &c->addr);
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->reply != NULL)
		evbuffer_free(c->reply);
	/* A TLS bufferevent owns the socket and closes it; a plain one not. */
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->fd != -1)
		close(c->fd);
	smtp_session_free(c->sess);
	free(c);
	if (srv->draining && srv->nconns == 0)
		event_base_loopexit(srv->base, NULL);
}

/*
 * Sends the gathered replies with one write straight to the socket when
 * nothing is waiting before them. Going through the bufferevent costs
 * an epoll_ctl to arm the write event, an epoll_wait to learn that the
 * socket is writable (it nearly always is) and an epoll_ctl to disarm
 * it: per reply, about a third of a session's system calls. What the
 * socket does not take, or a write error, is left to the bufferevent,
 * which sends the rest or reports the error as it always did.
 */
static void
trap_conn_send(struct trap_conn *c)
{
	size_t sent = 0;
	ssize_t n;
	int rc = 0;
	int direct = !c->tls && c->fd != -1 && trap_conn_queued(c) == 0;

	if (c->outlen > 0) {
		if (direct && (n = write(c->fd, c->out, c->outlen)) > 0)
			sent = (size_t)n;
		if (sent < c->outlen)
			rc = trap_conn_bev(c) == NULL ? -1 :
			    bufferevent_write(c->bev, c->out + sent,
			    c->outlen - sent);
		c->outlen = 0;
	} else if (c->reply != NULL && evbuffer_get_length(c->reply) > 0) {
		if (direct)
			(void)evbuffer_write(c->reply, c->fd);
		if (evbuffer_get_length(c->reply) > 0)
			rc = trap_conn_bev(c) == NULL ? -1 :
			    bufferevent_write_buffer(c->bev, c->reply);
	}
	if (rc == -1)
		log_warnx("%s event=error what=\"out of memory writing\"",
		    c->id);
}

/*
 * The replies before a close, with the FIN in the same segment: sent
 * with MSG_MORE the kernel holds them, and shutdown() adds the FIN to
 * the held segment. Sent and then closed, the replies leave at once and
 * the FIN follows alone, a segment more for the client and for us.
 * Returns 0 when the replies went that way, -1 when trap_conn_send()
 * is to send them (TLS, output already queued, a short send).
 */
static int
trap_conn_send_last(struct trap_conn *c)
{
	struct evbuffer_iovec v[TRAP_LAST_IOV];
	struct iovec iov[TRAP_LAST_IOV];
	struct msghdr msg;
	size_t len;
	ssize_t sent;
	int n;

	if (c->tls || c->fd == -1 || trap_conn_queued(c) > 0)
		return -1;
	if ((len = c->outlen) > 0) {
		sent = send(c->fd, c->out, len,
		    MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent > 0) {
			c->outlen -= (size_t)sent;
			memmove(c->out, c->out + sent, c->outlen);
		}
	} else if (c->reply != NULL &&
	    (len = evbuffer_get_length(c->reply)) > 0) {
		n = evbuffer_peek(c->reply, -1, NULL, v, TRAP_LAST_IOV);
		if (n < 1 || n > TRAP_LAST_IOV)
			return -1;
		for (int i = 0; i < n; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		sent = sendmsg(c->fd, &msg,
		    MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent > 0)
			evbuffer_drain(c->reply, (size_t)sent);
	} else
		return -1;
	if (sent < 0 || (size_t)sent < len)
		return -1;
	/* Should it fail, close() sends the FIN, in a segment of its own. */
	(void)shutdown(c->fd, SHUT_WR);
	return 0;
}

/* Sends what is queued, then frees: the write callback finishes it. */
static void
trap_conn_close(struct trap_conn *c, const char *why)
{
	/* A queued hit's reply is still to come: no FIN yet. */
	if (c->pend != NULL || trap_conn_send_last(c) == -1)
		trap_conn_send(c);
	if (c->why == NULL)
		c->why = why;
	c->closing = 1;
	trap_conn_reading(c, 0);
	trap_conn_drop_input(c);
	/* A queued hit's reply is still to come: trap_conn_resume(). */
	if (c->pend == NULL && trap_conn_queued(c) == 0)
		trap_conn_free(c);
}

/*
 * Reading on or off. A plain connection is read by an event of its own
 * into the bufferevent's input: libevent's reading asks the socket with
 * an ioctl (FIONREAD) how much there is before every read, a system
 * call per command. Its timeout is the idle timeout, as the
 * bufferevent's read timeout is under TLS.
 */
static void
trap_conn_reading(struct trap_conn *c, int on)
{
	const struct timeval *tv = &c->srv->idle_tv;

	if (c->tls) {
		if (on)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
	} else if (c->rev != NULL) {
		if (on)
			event_add(c->rev, tv);
		else
			event_del(c->rev);
	}
}

/* A plain connection is readable, or idle for too long. */
static void
trap_conn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct trap_conn *c = arg;
	struct evbuffer *in;
	char buf[TRAP_READ_MAX];
	size_t used = 0;
	ssize_t n;
	int rc;

	if (what & EV_TIMEOUT) {
		trap_conn_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
		    c);
		return;
	}
	/*
	 * Read onto the stack, not into space reserved in the evbuffer: a
	 * reservation of TRAP_READ_MAX is a 32 KiB chain from malloc's
	 * large bins for every command, where a command is a few dozen
	 * bytes.
	 */
	n = read(fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		trap_conn_event(c->bev, BEV_EVENT_READING |
		    (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), c);
		return;
	}
	/*
	 * When no earlier input is waiting and the session takes more, it
	 * is fed from here, and only what it leaves is kept: through the
	 * evbuffer, every command cost a 1 KiB chain made and freed, a
	 * copy, a peek and a drain.
	 */
	if (!c->closing && !c->waiting && !c->paused && !c->proxy_wait &&
	    c->sess != NULL && trap_conn_inlen(c) == 0 &&
	    smtp_session_want(c->sess) == SMTP_WANT_INPUT)
		used = smtp_session_input(c->sess, buf, (size_t)n);
	if (used == (size_t)n) {
		trap_conn_read(c->bev, c);
		return;
	}
	/* The bufferevent keeps its input's end frozen but to itself. */
	if (trap_conn_bev(c) == NULL)
		rc = -1;
	else {
		in = bufferevent_get_input(c->bev);
		evbuffer_unfreeze(in, 0);
		rc = evbuffer_add(in, buf + used, (size_t)n - used);
		evbuffer_freeze(in, 0);
	}
	if (rc == -1) {
		log_warnx("%s event=error what=\"out of memory reading\"",
		    c->id);
		trap_conn_event(c->bev, BEV_EVENT_READING | BEV_EVENT_ERROR,
		    c);
		return;
	}
	trap_conn_read(c->bev, c);
}

/*
 * The 220 to STARTTLS is sent: the plain bufferevent goes (with any
 * bytes the client pipelined after STARTTLS, RFC 3207 4.2), a TLS one
 * takes the socket over and runs the handshake.
 */
static void
trap_conn_start_tls(struct trap_conn *c)
{
	SSL *ssl;

	c->tls_wait = 0;
	if (c->rev != NULL) {
		event_free(c->rev);
		c->rev = NULL;
	}
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if ((ssl = SSL_new(c->srv->ssl_ctx)) == NULL) {
		c->why = "tls-error";
		smtp_session_lost(c->sess);
		trap_conn_free(c);
		return;
	}
	c->bev = bufferevent_openssl_socket_new(c->srv->base, c->fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		c->why = "tls-error";
		smtp_session_lost(c->sess);
		trap_conn_free(c);
		return;
	}
	c->fd = -1;		/* the TLS bufferevent closes it */
	c->tls = 1;
	trap_conn_bev_init(c);
	trap_conn_reading(c, 1);
}

/* Acts on what the session wants after it took input. */
static void
trap_conn_after(struct trap_conn *c)
{
	enum smtp_want want = smtp_session_want(c->sess);
	size_t left;

	/* The replies before a close go with its FIN: trap_conn_close(). */
	if (want != SMTP_WANT_CLOSE)
		trap_conn_send(c);
	switch (want) {
	case SMTP_WANT_INPUT:
		/* Input left over: replies pile up unread; wait for them. */
		if (trap_conn_inlen(c) > 0 && !c->paused) {
			c->paused = 1;
			trap_conn_reading(c, 0);
		}
		break;
	case SMTP_WANT_TLS:
		trap_conn_reading(c, 0);
		if ((left = trap_conn_inlen(c)) > 0) {
			log_info("%s event=starttls-discard addr=%s bytes=%zu",
			    c->id, c->addrtxt, left);
			evbuffer_drain(bufferevent_get_input(c->bev), left);
		}
		c->tls_wait = 1;
		if (trap_conn_queued(c) == 0)
			trap_conn_start_tls(c);
		break;
	case SMTP_WANT_CLOSE:
		trap_conn_close(c, "quit");
		break;
	case SMTP_WANT_COMMIT:
		/*
		 * Nothing more is fed to the session until the hit is
		 * committed: the next pipelined command waits, so replies
		 * keep their order. Reading stays on, as turning it off and
		 * on would cost two epoll_ctl calls per hit; what a client
		 * sends meanwhile is kept, up to TRAP_WAIT_INPUT_MAX
		 * (trap_conn_read), and fed after the reply.
		 */
		c->waiting = 1;
		break;
	}
}

/* The queued hit is committed (or failed) and answered: go on. */
static void
trap_conn_resume(struct trap_conn *c)
{
	c->waiting = 0;
	if (c->closing) {
		if (trap_conn_send_last(c) == -1)
			trap_conn_send(c);
		if (trap_conn_queued(c) == 0)
			trap_conn_free(c);
		return;
	}
	c->held = 0;
	if (!c->paused)
		trap_conn_reading(c, 1);
	trap_conn_feed(c);
}

/* Feeds the session from the input buffer, a contiguous piece at a time. */
static void
trap_conn_feed(struct trap_conn *c)
{
	struct evbuffer *in;
	struct evbuffer_iovec v;
	size_t n;

	for (;;) {
		while (smtp_session_want(c->sess) == SMTP_WANT_INPUT &&
		    trap_conn_inlen(c) > 0) {
			in = bufferevent_get_input(c->bev);
			if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
				break;
			n = smtp_session_input(c->sess, v.iov_base, v.iov_len);
			evbuffer_drain(in, n);
			if (n < v.iov_len)
				break;
		}
		/*
		 * The session stops taking pipelined commands while their
		 * replies are unsent; once the socket took them all, go on.
		 * What it wants next sends the rest (trap_conn_after).
		 */
		if (smtp_session_want(c->sess) != SMTP_WANT_INPUT ||
		    trap_conn_inlen(c) == 0)
			break;
		trap_conn_send(c);
		if (trap_conn_queued(c) > 0)
			break;
	}
	trap_conn_after(c);
}

/* The session begins once the client's address is known. */
static int
trap_conn_start(struct trap_conn *c)
{
	c->sess = smtp_session_new(&c->srv->scfg, &trap_io, c, c->id,
	    &c->addr);
	if (c->sess == NULL) {
		log_warnx("%s event=error what=\"out of memory\"", c->id);
		c->why = "error";
		trap_conn_free(c);
		return -1;
	}
	smtp_session_greet(c->sess);
	trap_conn_send(c);
	return 0;
}

/*
 * PROXY protocol: a trusted proxy sends one header before anything
 * else, and its source address is the client's. A header that does not
 * parse means a broken proxy; the connection is dropped without a word.
 */
static int
trap_conn_proxy(struct trap_conn *c)
{
	struct evbuffer *in;
	struct proxy_hdr h;
	const char *err = NULL;
	size_t len;
	char src[ADDR_STRLEN];
	int rc;

	/* The header is read into the bufferevent: trap_conn_readable(). */
	if (c->bev == NULL)
		return -1;
	in = bufferevent_get_input(c->bev);
	len = evbuffer_get_length(in);

	if (len > PROXY_MAX)
		len = PROXY_MAX;
	rc = proxy_parse(evbuffer_pullup(in, (ssize_t)len), len, &h, &err);
	if (rc == 0)
		return -1;	/* more to come */
	if (rc < 0) {
		log_info("%s event=proxy-error addr=%s why=\"%s\"", c->id,
		    c->addrtxt, err);
		c->why = "proxy-error";
		trap_conn_free(c);
		return -1;
	}
	evbuffer_drain(in, (size_t)rc);
	c->proxy_wait = 0;
	if (h.known) {
		addr_format(&h.src, src, sizeof(src));
		log_info("%s event=proxy addr=%s proxy=%s version=%d", c->id,
		    src, c->addrtxt, h.version);
		c->addr = h.src;
		snprintf(c->addrtxt, sizeof(c->addrtxt), "%s", src);
	} else
		log_info("%s event=proxy addr=%s proxy=%s version=%d "
		    "source=unknown", c->id, c->addrtxt, c->addrtxt,
		    h.version);
	if (trap_ip_take(c->srv, &c->addr) == -1) {
		log_info("%s event=limit what=sessions-per-ip addr=%s", c->id,
		    c->addrtxt);
		(void)evbuffer_add_printf(bufferevent_get_output(c->bev),
		    "421 4.7.0 %s Error: too many connections from your "
		    "address\r\n", c->srv->cfg.hostname);
		trap_conn_close(c, "limit");
		return -1;
	}
	c->counted = 1;
	return trap_conn_start(c);
}

static void
trap_conn_read(struct bufferevent *bev, void *arg)
{
	struct trap_conn *c = arg;

	(void)bev;
	if (c->closing) {
		trap_conn_drop_input(c);
		return;
	}
	if (c->waiting) {
		/* trap_conn_resume() feeds it; until then, so much. */
		if (!c->held && trap_conn_inlen(c) >= TRAP_WAIT_INPUT_MAX) {
			c->held = 1;
			trap_conn_reading(c, 0);
		}
		return;
	}
	if (c->proxy_wait && trap_conn_proxy(c) == -1)
		return;
	trap_conn_feed(c);
}

/* The output is sent: close, start TLS, or read again. */
static void
trap_conn_write(struct bufferevent *bev, void *arg)
{
	struct trap_conn *c = arg;

	(void)bev;
	if (c->closing)
		trap_conn_free(c);
	else if (c->tls_wait)
		trap_conn_start_tls(c);
	else if (c->paused) {
		c->paused = 0;
		if (c->waiting)
			return;		/* trap_conn_resume() goes on */
		trap_conn_reading(c, 1);
		trap_conn_feed(c);
	}
}

static void
trap_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct trap_conn *c = arg;
	char ebuf[256];
	unsigned long e;
	SSL *ssl;

	if (what & BEV_EVENT_CONNECTED) {
		ssl = bufferevent_openssl_get_ssl(bev);
		c->tls_on = 1;
		log_info("%s event=tls addr=%s version=%s cipher=%s", c->id,
		    c->addrtxt, ssl ? SSL_get_version(ssl) : "?",
		    ssl ? SSL_get_cipher_name(ssl) : "?");
		smtp_session_tls_ready(c->sess);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && c->sess != NULL &&
		    !c->closing && !(c->tls && !c->tls_on)) {
			c->why = "idle";
			smtp_session_end(c->sess, SMTP_END_IDLE);
			trap_conn_after(c);
			return;
		}
		c->why = c->why != NULL ? c->why : "timeout";
		if (c->sess != NULL)
			smtp_session_lost(c->sess);
		trap_conn_free(c);
		return;
	}
	if (c->tls && !c->tls_on && (what & BEV_EVENT_ERROR)) {
		e = bufferevent_get_openssl_error(bev);
		if (e != 0)
			ERR_error_string_n(e, ebuf, sizeof(ebuf));
		log_info("%s event=tls-error addr=%s why=\"%s\"", c->id,
		    c->addrtxt, e != 0 ? ebuf : "handshake failed");
		c->why = "tls-error";
	} else if (c->why == NULL)
		c->why = (what & BEV_EVENT_EOF) ? "eof" : "error";
	if (c->sess != NULL)
		smtp_session_lost(c->sess);
	trap_conn_free(c);
}

/* session_timeout: the whole session, however busy. */
static void
trap_conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct trap_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->sess != NULL && !c->closing && !c->tls_wait &&
	    !(c->tls && !c->tls_on)) {
		c->why = "session-time";
		smtp_session_end(c->sess, SMTP_END_TIMEOUT);
		trap_conn_after(c);
		return;
	}
	c->why = c->why != NULL ? c->why : "session-time";
	if (c->sess != NULL)
		smtp_session_lost(c->sess);
	trap_conn_free(c);
}

static int
trap_trusted(const struct trap_server *srv, const struct addr *a)
{
	for (size_t i = 0; i < srv->cfg.nproxy_trusted; i++)
		if (prefix_contains(&srv->cfg.proxy_trusted[i], a))
			return 1;
	return 0;
}

/*
 * A session's id: the count of sessions so far and a random key made at
 * start, mixed by an invertible function (the finaliser of SplitMix64),
 * so no two sessions of a process share one and ids of two runs differ.
 * The ids only tie a session's log lines together; they need not be
 * unpredictable, and RAND_bytes plus eight printfs were a tenth of the
 * trap's own work for a short session.
 */
static void
trap_conn_id(struct trap_server *srv, char id[TRAP_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t x = srv->idkey + ++srv->nids * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	for (int i = TRAP_ID_LEN - 1; i >= 0; i--) {
		id[i] = hex[x & 0x0f];
		x >>= 4;
	}
	id[TRAP_ID_LEN] = '\0';
}

static void
trap_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct trap_server *srv = arg;
	struct trap_conn *c;
	struct addr peer;
	int proxy;

	(void)l;
	(void)salen;
	if (srv->draining || trap_sockaddr_addr(sa, &peer) == -1) {
		close(fd);
		return;
	}
	if (srv->nconns >= srv->cfg.max_sessions) {
		char txt[ADDR_STRLEN];

		addr_format(&peer, txt, sizeof(txt));
		log_info("trap: event=limit what=sessions addr=%s max=%d", txt,
		    srv->cfg.max_sessions);
		trap_refuse(srv, fd, "Error: too many connections");
		return;
	}
	/* Behind a trusted proxy the client is known only from its header. */
	proxy = srv->cfg.proxy_protocol && trap_trusted(srv, &peer);
	if (!proxy && trap_ip_take(srv, &peer) == -1) {
		char txt[ADDR_STRLEN];

		addr_format(&peer, txt, sizeof(txt));
		log_info("trap: event=limit what=sessions-per-ip addr=%s "
		    "max=%d", txt, srv->cfg.max_sessions_per_ip);
		trap_refuse(srv, fd, "Error: too many connections from your "
		    "address");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		if (!proxy)
			trap_ip_release(srv, &peer);
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->addr = peer;
	c->counted = !proxy;
	c->proxy_wait = proxy;
	c->start_ms = clock_mono_ms();
	addr_format(&peer, c->addrtxt, sizeof(c->addrtxt));
	trap_conn_id(srv, c->id);
	LIST_INSERT_HEAD(&srv->conns, c, entry);
	srv->nconns++;
	/*
	 * At debug level: the close line names the address and the
	 * duration, so at info level a session costs a line for each hit
	 * and one at the end; each line is a write on the trap's CPU.
	 */
	log_debug("%s event=connect addr=%s%s", c->id, c->addrtxt,
	    proxy ? " proxy=expected" : "");

	c->rev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
	    trap_conn_readable, c);
	c->deadline = evtimer_new(srv->base, trap_conn_deadline, c);
	if (c->rev == NULL || c->deadline == NULL) {
		log_warnx("%s event=error what=\"out of memory\"", c->id);
		c->why = "error";
		trap_conn_free(c);
		return;
	}
	evtimer_add(c->deadline, &srv->session_tv);
	trap_conn_reading(c, 1);
	if (!proxy)
		(void)trap_conn_start(c);
}

/* ---- listeners, stopping ---------------------------------------------- */

static void
trap_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct trap_server *srv = arg;

	(void)fd;
	(void)what;
	if (srv->draining)
		return;
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_enable(srv->listeners[i]);
}

/*
 * accept() failed, most likely out of descriptors: the listener would
 * fire again at once and spin, so all pause for a moment.
 */
static void
trap_accept_error(struct evconnlistener *l, void *arg)
{
	struct trap_server *srv = arg;
	struct timeval tv = trap_tv(TRAP_ACCEPT_PAUSE_MS);

	(void)l;
	log_warn("trap: accept");
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_disable(srv->listeners[i]);
	evtimer_add(srv->accept_ev, &tv);
}

/*
 * The grace periods of a stop: first, sessions still inside a message
 * get 421 now; then whatever is left is dropped and the loop ends.
 */
static void
trap_drain_timer(evutil_socket_t fd, short what, void *arg)
{
	struct trap_server *srv = arg;
	struct trap_conn *c, *next;
	struct timeval tv = trap_tv(TRAP_FLUSH_GRACE_MS);

	(void)fd;
	(void)what;
	for (c = LIST_FIRST(&srv->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (srv->drain_phase == 0 && !c->closing && c->sess != NULL &&
		    !c->tls_wait && !(c->tls && !c->tls_on)) {
			c->why = "shutdown";
			smtp_session_end(c->sess, SMTP_END_SHUTDOWN);
			trap_conn_close(c, "shutdown");
		} else if (srv->drain_phase > 0 || !c->closing) {
			c->why = c->why != NULL ? c->why : "shutdown";
			if (c->sess != NULL)
				smtp_session_lost(c->sess);
			trap_conn_free(c);
		}
	}
	if (srv->nconns == 0) {
		event_base_loopexit(srv->base, NULL);
		return;
	}
	srv->drain_phase++;
	if (srv->drain_phase > 1) {
		event_base_loopexit(srv->base, NULL);
		return;
	}
	evtimer_add(srv->drain_ev, &tv);
}

static void
trap_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct trap_server *srv = arg;
	struct trap_conn *c, *next;
	struct timeval tv = trap_tv(TRAP_DRAIN_GRACE_MS);
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (srv->draining)
		return;
	srv->draining = 1;
	log_info("trap: stopping, %d session%s open", srv->nconns,
	    srv->nconns == 1 ? "" : "s");
	for (size_t i = 0; i < srv->nlisteners; i++) {
		evconnlistener_free(srv->listeners[i]);
		srv->listeners[i] = NULL;
	}
	srv->nlisteners = 0;
	for (c = LIST_FIRST(&srv->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->closing)
			continue;
		if (c->sess == NULL || c->tls_wait || (c->tls && !c->tls_on)) {
			c->why = "shutdown";
			if (c->sess != NULL)
				smtp_session_lost(c->sess);
			trap_conn_free(c);
			continue;
		}
		/* In DATA the message is finished first, then 421. */
		smtp_session_drain(c->sess);
		if (smtp_session_want(c->sess) == SMTP_WANT_CLOSE)
			trap_conn_close(c, "shutdown");
	}
	if (srv->nconns == 0) {
		event_base_loopexit(srv->base, NULL);
		return;
	}
	evtimer_add(srv->drain_ev, &tv);
}

/*
 * One listening socket, with an error that names the address. IPv6
 * sockets are IPv6-only, so that [::]:25 and 0.0.0.0:25 can both be
 * listed.
 */
static int
trap_listen_socket(const struct sockaddr_storage *ss, socklen_t len,
    int backlog, char *err, size_t errlen)
{
	char name[ADDR_STRLEN + 16];
	int fd, on = 1, off = 0, saved;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, (const struct sockaddr *)ss, len) == -1 ||
	    listen(fd, backlog) == -1) {
		saved = errno;
		trap_sockaddr_str((const struct sockaddr *)ss, name,
		    sizeof(name));
		snprintf(err, errlen, "listen %s: %s", name, strerror(saved));
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	/*
	 * Sessions start out acknowledging each segment at once, so the
	 * first command's ACK goes alone, just before its reply. Off on the
	 * listener, which the accepted sockets inherit, the ACK rides on
	 * the reply, as the kernel has it for the later replies. Only a
	 * segment is at stake: a kernel without it serves as well.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
	return fd;
}

/*
 * Each session holds a descriptor. The usual soft limit (1024) is below
 * what max_sessions may ask for, so it is raised toward the hard limit;
 * if that is not enough, accept() fails past it and the log says why.
 */
static void
trap_raise_nofile(int sessions)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)sessions + TRAP_FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
	    rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need)
		log_warnx("trap: %llu file descriptors are too few for "
		    "trap.max_sessions = %d", (unsigned long long)rl.rlim_cur,
		    sessions);
}

/*
 * Every session arms the same two timeouts, the idle one again on each
 * command: as common timeouts they are kept in a queue per duration,
 * in order, rather than in the timer heap, whose every insertion and
 * removal walks a path among thousands of sessions' timers.
 */
static void
trap_common_timeouts(struct trap_server *srv)
{
	const struct timeval *common;

	srv->idle_tv = trap_tv(srv->cfg.idle_timeout_ms);
	srv->session_tv = trap_tv(srv->cfg.session_timeout_ms);
	if ((common = event_base_init_common_timeout(srv->base,
	    &srv->idle_tv)) != NULL)
		srv->idle_tv = *common;
	if ((common = event_base_init_common_timeout(srv->base,
	    &srv->session_tv)) != NULL)
		srv->session_tv = *common;
}

/*
 * The loop's lines (one per hit, one per session) wait for the end of
 * the round and go in one write: activated now, the flush runs after
 * the events this round already has.
 */
static void
trap_log_waiting(void *arg)
{
	struct trap_server *srv = arg;

	event_active(srv->logflush_ev, EV_TIMEOUT, 0);
}

static void
trap_log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

static int
trap_server_bind(struct trap_server *srv, char *err, size_t errlen)
{
	const struct trap_server_config *cfg = &srv->cfg;
	char why[512];
	int fd, backlog;

	backlog = cfg->max_sessions < TRAP_LISTEN_BACKLOG ?
	    TRAP_LISTEN_BACKLOG : cfg->max_sessions > TRAP_LISTEN_BACKLOG_MAX ?
	    TRAP_LISTEN_BACKLOG_MAX : cfg->max_sessions;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		fd = trap_listen_socket(&cfg->listen[i], cfg->listen_len[i],
		    backlog, why, sizeof(why));
		if (fd == -1) {
			/*
			 * A host without IPv6 (a container) cannot bind the
			 * default [::1]:2525; the others still serve. Any
			 * other failure, "in use" above all, is fatal.
			 */
			if (cfg->listen[i].ss_family == AF_INET6 &&
			    (errno == EADDRNOTAVAIL ||
			    errno == EAFNOSUPPORT)) {
				log_warnx("trap: %s, skipped", why);
				continue;
			}
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		/*
		 * Backlog 0: the socket listens already. With -1 libevent
		 * would call listen() again with its own choice, 128.
		 */
		srv->listeners[srv->nlisteners] = evconnlistener_new(srv->base,
		    trap_accept, srv, LEV_OPT_CLOSE_ON_FREE |
		    LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (srv->listeners[srv->nlisteners] == NULL) {
			close(fd);
			snprintf(err, errlen, "listen: out of memory");
			return -1;
		}
		evconnlistener_set_error_cb(srv->listeners[srv->nlisteners],
		    trap_accept_error);
		srv->nlisteners++;
	}
	if (srv->nlisteners == 0) {
		snprintf(err, errlen, "no address to listen on");
		return -1;
	}
	return 0;
}

struct trap_server *
trap_server_new(const struct trap_server_config *cfg, char *err,
    size_t errlen)
{
	struct trap_server *srv;
	char serr[600];
	size_t i;
	int made;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	srv->cfg.store.path = srv->cfg.store_path;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	srv->cm.pipe[0] = srv->cm.pipe[1] = -1;
	pthread_mutex_init(&srv->cm.mu, NULL);
	pthread_cond_init(&srv->cm.cv, NULL);
	LIST_INIT(&srv->conns);
	TAILQ_INIT(&srv->pend);
	for (i = 0; i < srv->cfg.ndomains; i++)
		srv->domains[i] = srv->cfg.domains[i];
	for (i = 0; i < srv->cfg.npatterns; i++)
		srv->patterns[i] = srv->cfg.patterns[i];
	srv->scfg.hostname = srv->cfg.hostname;
	srv->scfg.sensor = srv->cfg.sensor;
	srv->scfg.domains = srv->domains;
	srv->scfg.ndomains = srv->cfg.ndomains;
	srv->scfg.patterns = srv->patterns;
	srv->scfg.npatterns = srv->cfg.npatterns;
	srv->scfg.line_max = srv->cfg.line_max;
	srv->scfg.max_recipients = srv->cfg.max_recipients;
	srv->scfg.max_message_size = srv->cfg.max_message_size;
	srv->scfg.keep_headers = srv->cfg.keep_headers;
	srv->scfg.keep_body = srv->cfg.keep_body;
	srv->scfg.max_commands = srv->cfg.max_commands;
	srv->scfg.max_errors = srv->cfg.max_errors;
	srv->scfg.tls = srv->cfg.tls;
	srv->scfg.classify = &srv->cfg.classify;

	/* Twice the sessions in buckets: chains stay short. */
	for (srv->nips = 64; srv->nips < 2 * (size_t)srv->cfg.max_sessions;)
		srv->nips *= 2;
	// NOLINTNEXTLINE(bugprone-sizeof-expression): ips is an array of bucket pointers
	if ((srv->ips = calloc(srv->nips, sizeof(*srv->ips))) == NULL ||
	    RAND_bytes((unsigned char *)&srv->ipseed,
	    sizeof(srv->ipseed)) != 1 ||
	    RAND_bytes((unsigned char *)&srv->idkey,
	    sizeof(srv->idkey)) != 1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe2(srv->stop_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((srv->base = event_base_new()) == NULL ||
	    (srv->stop_ev = event_new(srv->base, srv->stop_pipe[0],
	    EV_READ | EV_PERSIST, trap_on_stop, srv)) == NULL ||
	    (srv->drain_ev = evtimer_new(srv->base, trap_drain_timer,
	    srv)) == NULL ||
	    (srv->accept_ev = evtimer_new(srv->base, trap_accept_resume,
	    srv)) == NULL ||
	    (srv->commit_ev = event_new(srv->base, -1, 0, trap_flush_cb,
	    srv)) == NULL ||
	    (srv->gather_ev = evtimer_new(srv->base, trap_gather_cb,
	    srv)) == NULL ||
	    (srv->logflush_ev = event_new(srv->base, -1, 0, trap_log_flush_cb,
	    srv)) == NULL || event_add(srv->stop_ev, NULL) == -1) {
		snprintf(err, errlen, "event loop: out of memory");
		goto fail;
	}
	trap_common_timeouts(srv);
	/* The store first: it makes the directory the TLS files go into. */
	if ((srv->store = store_open(&srv->cfg.store, STORE_OPEN_CREATE, serr,
	    sizeof(serr))) == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	if (srv->cfg.tls) {
		if (srv->cfg.tls_make && trap_tls_make_selfsigned(
		    srv->cfg.tls_cert, srv->cfg.tls_key, srv->cfg.hostname,
		    &made, serr, sizeof(serr)) == -1) {
			snprintf(err, errlen, "TLS: %s", serr);
			goto fail;
		}
		if (srv->cfg.tls_make && made)
			log_info("trap: made a self-signed certificate for %s: "
			    "%s (key %s)", srv->cfg.hostname,
			    srv->cfg.tls_cert, srv->cfg.tls_key);
		if ((srv->ssl_ctx = trap_tls_ctx_new(srv->cfg.tls_cert,
		    srv->cfg.tls_key, serr, sizeof(serr))) == NULL) {
			snprintf(err, errlen, "%s", serr);
			goto fail;
		}
	}
	trap_raise_nofile(srv->cfg.max_sessions);
	if (trap_server_bind(srv, err, errlen) == -1)
		goto fail;
	return srv;
fail:
	trap_server_free(srv);
	return NULL;
}

int
trap_server_run(struct trap_server *srv)
{
	char list[512];
	size_t off = 0;
	int rc;

	/* A client that goes away mid-reply must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	list[0] = '\0';
	for (size_t i = 0; i < srv->cfg.ndomains && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? "," : "", srv->cfg.domains[i]);
	log_info("trap: %s answering on %zu address%s for %s, sensor %s, "
	    "TLS %s, PROXY %s", srv->cfg.hostname, srv->nlisteners,
	    srv->nlisteners == 1 ? "" : "es", list, srv->cfg.sensor,
	    srv->ssl_ctx != NULL ? "on" : "off",
	    srv->cfg.proxy_protocol ? "on" : "off");
	trap_committer_start(srv);
	log_hold(trap_log_waiting, srv);
	rc = event_base_dispatch(srv->base);
	log_release();
	log_info("trap: stopped");
	return rc == -1 ? -1 : 0;
}

void
trap_server_stop(struct trap_server *srv)
{
	int saved = errno;
	ssize_t n;

	if (srv == NULL || srv->stop_pipe[1] == -1)
		return;
	/* A full pipe means a stop is pending already: nothing to add. */
	n = write(srv->stop_pipe[1], "x", 1);
	(void)n;
	errno = saved;
}

void
trap_server_free(struct trap_server *srv)
{
	struct trap_conn *c;
	struct trap_ip *e, *next;

	if (srv == NULL)
		return;
	trap_committer_stop(srv);
	while ((c = LIST_FIRST(&srv->conns)) != NULL) {
		// NOLINTNEXTLINE(clang-analyzer-unix.Malloc): trap_conn_free's LIST_REMOVE moves the head on
		if (c->sess != NULL)
			smtp_session_lost(c->sess);
		c->why = c->why != NULL ? c->why : "shutdown";
		trap_conn_free(c);
	}
	/* Whatever is still queued is committed; no one is left to tell. */
	while (srv->npend > 0) {
		trap_commit_start(srv, 1);
		trap_deliver(srv);
	}
	trap_deliver(srv);
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_free(srv->listeners[i]);
	if (srv->stop_ev != NULL)
		event_free(srv->stop_ev);
	if (srv->drain_ev != NULL)
		event_free(srv->drain_ev);
	if (srv->accept_ev != NULL)
		event_free(srv->accept_ev);
	if (srv->commit_ev != NULL)
		event_free(srv->commit_ev);
	if (srv->gather_ev != NULL)
		event_free(srv->gather_ev);
	if (srv->logflush_ev != NULL)
		event_free(srv->logflush_ev);
	if (srv->cm.ev != NULL)
		event_free(srv->cm.ev);
	for (int i = 0; i < 2; i++)
		if (srv->cm.pipe[i] != -1)
			close(srv->cm.pipe[i]);
	pthread_mutex_destroy(&srv->cm.mu);
	pthread_cond_destroy(&srv->cm.cv);
	if (srv->base != NULL)
		event_base_free(srv->base);
	for (size_t i = 0; srv->ips != NULL && i < srv->nips; i++)
		for (e = srv->ips[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(srv->ips);
	SSL_CTX_free(srv->ssl_ctx);
	store_close(srv->store);
	if (srv->stop_pipe[0] != -1)
		close(srv->stop_pipe[0]);
	if (srv->stop_pipe[1] != -1)
		close(srv->stop_pipe[1]);
	free(srv);
}
