/* probe.c -- "am I a backscatterer?": probe a mail server, judge the answer. */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>

#include "client/probe.h"
#include "client/probe_reply.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/hitclass.h"
#include "web/web_guide.h"

/* RFC 5321 4.5.3.1.3: the MX hosts we try, best preference first. */
#define PROBE_MX_MAX		4
#define PROBE_ADDRS_MAX		4
#define PROBE_SMTP_PORT		25
#define PROBE_BUF_MAX		(PROBE_REPLY_LINE_MAX * 4)

static const char *const probe_verdict_names[] = {
	[PROBE_GOOD] = "good",
	[PROBE_ERROR] = "error",
	[2] = NULL,
	[PROBE_BACKSCATTER] = "backscatter",
	[PROBE_CALLOUT] = "callout",
	[PROBE_BOTH] = "both",
	[PROBE_INCONCLUSIVE] = "inconclusive",
};

const char *
probe_verdict_name(enum probe_verdict v)
{
	if ((unsigned int)v >= sizeof(probe_verdict_names) /
	    sizeof(probe_verdict_names[0]))
		return NULL;
	return probe_verdict_names[v];
}

int
probe_token(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[10];
	size_t plen = sizeof(STORE_PROBE_PREFIX) - 1;

	if (size < plen + 2 * sizeof(rnd) + 1)
		return -1;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	memcpy(buf, STORE_PROBE_PREFIX, plen);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		buf[plen + 2 * i] = hex[rnd[i] >> 4];
		buf[plen + 2 * i + 1] = hex[rnd[i] & 0xf];
	}
	buf[plen + 2 * sizeof(rnd)] = '\0';
	return 0;
}

/* A decimal port 1..65535 from exactly n bytes. */
static int
probe_parse_port(const char *s, size_t n, int *port)
{
	int v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int
probe_split_hostport(const char *s, size_t len, char *host, size_t hostsize,
    int *port, int def)
{
	const char *colon, *end;
	size_t hlen;

	*port = def;
	if (len == 0 || memchr(s, '\0', len) != NULL)
		return -1;
	if (s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return -1;
		hlen = (size_t)(end - s) - 1;
		if (hlen == 0 || hlen >= hostsize)
			return -1;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		end++;
		if (end == s + len)
			return 0;
		if (*end != ':')
			return -1;
		return probe_parse_port(end + 1, (size_t)(s + len - end - 1),
		    port);
	}
	colon = memchr(s, ':', len);
	if (colon != NULL && memchr(colon + 1, ':', (size_t)(s + len -
	    colon - 1)) != NULL) {
		/* A bare IPv6 address: no port. */
		colon = NULL;
	}
	hlen = colon != NULL ? (size_t)(colon - s) : len;
	if (hlen == 0 || hlen >= hostsize)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (colon == NULL)
		return 0;
	return probe_parse_port(colon + 1, (size_t)(s + len - colon - 1), port);
}

/*
 * The blocking c-ares loop, as in policy_dns_lookup_sync(): c-ares
 * bounds it, every query ends by an answer or a timeout.
 */
static void
probe_ares_wait(ares_channel ch, const int *done)
{
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	int bits, nfd, i, ms;

	while (!*done) {
		bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		nfd = 0;
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
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
		tvp = ares_timeout(ch, NULL, &tv);
		ms = tvp != NULL ? (int)(tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000) : 1000;
		if (poll(pfd, (nfds_t)nfd, ms) == -1 && errno != EINTR)
			break;
		for (i = 0; i < nfd; i++)
			ares_process_fd(ch,
			    (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ?
			    pfd[i].fd : ARES_SOCKET_BAD,
			    (pfd[i].revents & POLLOUT) ? pfd[i].fd :
			    ARES_SOCKET_BAD);
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
}

struct probe_mx {
	int	 done;
	int	 status;
	size_t	 n;
	char	 hosts[PROBE_MX_MAX][PROBE_NAME_MAX];
	int	 pref[PROBE_MX_MAX];
};

static void
probe_on_mx(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct probe_mx *m = arg;
	struct ares_mx_reply *mx = NULL, *r;

	(void)timeouts;
	m->done = 1;
	m->status = status;
	if (status != ARES_SUCCESS)
		return;
	if ((m->status = ares_parse_mx_reply(abuf, alen, &mx)) !=
	    ARES_SUCCESS)
		return;
	/* Insertion by preference; the rest beyond PROBE_MX_MAX dropped. */
	for (r = mx; r != NULL; r = r->next) {
		size_t i;

		if (strlen(r->host) >= PROBE_NAME_MAX || r->host[0] == '\0')
			continue;
		for (i = m->n; i > 0 && m->pref[i - 1] > r->priority; i--) {
			if (i < PROBE_MX_MAX) {
				m->pref[i] = m->pref[i - 1];
				memcpy(m->hosts[i], m->hosts[i - 1],
				    PROBE_NAME_MAX);
			}
		}
		if (i >= PROBE_MX_MAX)
			continue;
		m->pref[i] = r->priority;
		snprintf(m->hosts[i], PROBE_NAME_MAX, "%s", r->host);
		if (m->n < PROBE_MX_MAX)
			m->n++;
	}
	ares_free_data(mx);
}

struct probe_ai {
	int			 done;
	int			 status;
	size_t			 n;
	struct sockaddr_storage	 ss[PROBE_ADDRS_MAX];
	socklen_t		 sslen[PROBE_ADDRS_MAX];
};

static void
probe_on_ai(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct probe_ai *a = arg;
	struct ares_addrinfo_node *nd;

	(void)timeouts;
	a->done = 1;
	a->status = status;
	if (ai == NULL)
		return;
	for (nd = ai->nodes; nd != NULL && a->n < PROBE_ADDRS_MAX;
	    nd = nd->ai_next) {
		if ((size_t)nd->ai_addrlen > sizeof(a->ss[0]))
			continue;
		memcpy(&a->ss[a->n], nd->ai_addr, (size_t)nd->ai_addrlen);
		a->sslen[a->n++] = (socklen_t)nd->ai_addrlen;
	}
	ares_freeaddrinfo(ai);
}

/* A channel with our resolver ("ADDR:PORT ..." or "" for the system). */
static int
probe_channel(const struct probe_config *cfg, ares_channel *ch, char *err,
    size_t errlen)
{
	struct ares_options opts;
	char csv[PROBE_RESOLVER_MAX];
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.timeout = 2000;
	opts.tries = 2;
	opts.flags = ARES_FLAG_NOSEARCH;
	if ((rc = ares_init_options(ch, &opts, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_FLAGS)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	if (cfg->resolver[0] != '\0') {
		snprintf(csv, sizeof(csv), "%s", cfg->resolver);
		for (size_t i = 0; csv[i] != '\0'; i++)
			if (csv[i] == ' ' || csv[i] == '\t')
				csv[i] = ',';
		if ((rc = ares_set_servers_ports_csv(*ch, csv)) !=
		    ARES_SUCCESS) {
			snprintf(err, errlen, "resolver '%.100s': %s",
			    cfg->resolver, ares_strerror(rc));
			ares_destroy(*ch);
			return -1;
		}
	}
	return 0;
}

/* Addresses of host (a literal needs no DNS). 0 / -1 with err. */
static int
probe_resolve(ares_channel ch, const char *host, int port,
    struct probe_ai *out, char *err, size_t errlen)
{
	struct ares_addrinfo_hints hints;
	char portstr[8];

	memset(out, 0, sizeof(*out));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%d", port);
	ares_getaddrinfo(ch, host, portstr, &hints, probe_on_ai, out);
	probe_ares_wait(ch, &out->done);
	if (out->n == 0) {
		snprintf(err, errlen, "%s: %s", host, out->status !=
		    ARES_SUCCESS ? ares_strerror(out->status) :
		    "no address");
		return -1;
	}
	return 0;
}

static void
probe_sa_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const void *p = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, p, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

/* The SMTP connection: a socket and what it has read but not used. */
struct probe_conn {
	int		 fd;
	int64_t		 timeout_ms;
	char		 buf[PROBE_BUF_MAX];
	size_t		 len;
};

static int
probe_connect(struct probe_conn *c, const struct sockaddr *sa,
    socklen_t salen)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fl, e = 0;

	if ((c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1)
		return -1;
	fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(c->fd, sa, salen) == -1 && errno != EINPROGRESS)
		goto fail;
	pfd.fd = c->fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, (int)c->timeout_ms) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1 ||
	    e != 0) {
		errno = e != 0 ? e : errno;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	close(c->fd);
	c->fd = -1;
	errno = e;
	return -1;
}

static int
probe_send(struct probe_conn *c, const char *s, size_t n)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	ssize_t w;

	while (n > 0) {
		if (poll(&pfd, 1, (int)c->timeout_ms) != 1)
			return -1;
		if ((w = send(c->fd, s, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One reply within the timeout. 0, or -1 with *why. */
static int
probe_read_reply(struct probe_conn *c, struct probe_reply *r,
    const char **why)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int64_t deadline = clock_mono_ms() + c->timeout_ms;
	size_t used;
	ssize_t n;

	for (;;) {
		switch (probe_reply_parse(c->buf, c->len, r, &used, why)) {
		case 1:
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return 0;
		case -1:
			return -1;
		}
		if (c->len == sizeof(c->buf)) {
			*why = "reply too long";
			return -1;
		}
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) != 1) {
			*why = "timed out waiting for a reply";
			return -1;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n == 0) {
			*why = "connection closed";
			return -1;
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*why = "read error";
			return -1;
		}
		c->len += (size_t)n;
	}
}

/*
 * Sends cmd (without CRLF; NULL sends nothing and reads the banner) and
 * reads the reply into the next step. The code, or -1 after filling
 * res->error.
 */
static int
probe_step(struct probe_conn *c, struct probe_result *res, const char *name,
    const char *cmd)
{
	struct probe_step *st;
	struct probe_reply r;
	const char *why = NULL;
	char line[PROBE_HOSTPORT_MAX * 2 + 32];
	int n;

	if (cmd != NULL) {
		n = snprintf(line, sizeof(line), "%s\r\n", cmd);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    probe_send(c, line, (size_t)n) == -1) {
			snprintf(res->error, sizeof(res->error),
			    "%s: cannot send", name);
			return -1;
		}
	}
	if (probe_read_reply(c, &r, &why) == -1) {
		snprintf(res->error, sizeof(res->error), "%s: %s", name, why);
		return -1;
	}
	if (res->nsteps < PROBE_STEPS_MAX) {
		st = &res->steps[res->nsteps++];
		snprintf(st->cmd, sizeof(st->cmd), "%s", name);
		st->code = r.code;
		snprintf(st->text, sizeof(st->text), "%s", r.text);
	}
	return r.code;
}

/* The message we send: says what it is, so a human who sees it knows. */
static int
probe_send_message(struct probe_conn *c, const struct probe_config *cfg,
    const struct probe_result *res)
{
	char msg[2048], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(msg, sizeof(msg),
	    "From: <%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: backscatter self-test %s\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "This is a test of whether this mail server sends backscatter.\r\n"
	    "It was addressed to a recipient that does not exist. A server\r\n"
	    "that accepts such mail and bounces it later sends bounces to\r\n"
	    "forged senders; the fix is to reject unknown recipients during\r\n"
	    "the SMTP dialogue.\r\n"
	    ".\r\n",
	    res->sender, res->rcpt, res->token, date, res->token,
	    cfg->trap_domain);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return probe_send(c, msg, (size_t)n);
}

/* Collects the trap's hits to the probe address since the start. */
struct probe_watch {
	struct probe_result	*res;
	int64_t			 last;
};

static void
probe_copy(char *dst, size_t size, const char *src)
{
	size_t i, n;

	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strlen(src);
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch == '\n' || (ch >= 0x20 && ch < 0x7f)) ?
		    (char)ch : '?';
	}
	dst[n] = '\0';
}

static int
probe_on_hit(void *arg, int64_t id, const struct store_hit *h)
{
	struct probe_watch *w = arg;
	struct probe_result *res = w->res;
	struct probe_evidence *e;
	const char *cls = hitclass_name(h->class);
	int callout;

	w->last = id;
	/*
	 * A session that reached the probe address and sent no message is
	 * a callout whatever its sender; a message to that address could
	 * only have been caused by our probe's message.
	 */
	callout = h->class == HIT_CALLOUT || (h->subclass != NULL &&
	    strcmp(h->subclass, "other/no-data") == 0);
	if (callout)
		res->callouts++;
	else
		res->backscatter++;
	if (res->nev >= PROBE_EVIDENCE_MAX)
		return 0;
	e = &res->ev[res->nev++];
	e->t = h->t;
	addr_format(&h->addr, e->addr, sizeof(e->addr));
	probe_copy(e->class, sizeof(e->class), cls != NULL ? cls : "?");
	probe_copy(e->subclass, sizeof(e->subclass), h->subclass);
	probe_copy(e->helo, sizeof(e->helo), h->helo);
	probe_copy(e->mail_from, sizeof(e->mail_from), h->mail_from);
	probe_copy(e->excerpt, sizeof(e->excerpt), h->excerpt);
	return 0;
}

static int
probe_poll(struct store *st, struct probe_watch *w)
{
	return store_hits_for_probe(st, w->last, w->res->token, probe_on_hit,
	    w);
}

static void
probe_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
	    1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Watches the store until deadline, or until stop_on_bounce sees one. */
static int
probe_watch_until(struct store *st, struct probe_watch *w, int64_t ms,
    int stop_on_bounce)
{
	int64_t deadline = clock_mono_ms() + ms;

	for (;;) {
		if (probe_poll(st, w) == -1)
			return -1;
		if (stop_on_bounce && w->res->backscatter > 0)
			return 0;
		if (clock_mono_ms() >= deadline)
			return 0;
		probe_sleep_ms(PROBE_POLL_MS);
	}
}

/* The dialogue with one address. 0 done (codes in res), -1 error. */
static int
probe_dialogue(struct probe_conn *c, const struct probe_config *cfg,
    struct probe_result *res)
{
	char cmd[PROBE_HOSTPORT_MAX * 2 + 16];
	int code;

	if ((code = probe_step(c, res, "banner", NULL)) == -1)
		return -1;
	if (code != 220) {
		snprintf(res->error, sizeof(res->error),
		    "banner %d: not accepting mail", code);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "EHLO %s", cfg->helo);
	if ((code = probe_step(c, res, "EHLO", cmd)) == -1)
		return -1;
	if (code / 100 != 2) {
		snprintf(cmd, sizeof(cmd), "HELO %s", cfg->helo);
		if ((code = probe_step(c, res, "HELO", cmd)) == -1)
			return -1;
		if (code / 100 != 2) {
			snprintf(res->error, sizeof(res->error),
			    "HELO refused with %d", code);
			return -1;
		}
	}
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", res->sender);
	if ((code = probe_step(c, res, "MAIL", cmd)) == -1)
		return -1;
	if (code / 100 != 2) {
		snprintf(res->error, sizeof(res->error),
		    "our sender was refused with %d", code);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", res->rcpt);
	if ((code = probe_step(c, res, "RCPT", cmd)) == -1)
		return -1;
	res->rcpt_code = code;
	if (code / 100 == 2) {
		if ((code = probe_step(c, res, "DATA", "DATA")) == -1)
			return -1;
		if (code == 354) {
			if (probe_send_message(c, cfg, res) == -1) {
				snprintf(res->error, sizeof(res->error),
				    "cannot send the message");
				return -1;
			}
			if ((code = probe_step(c, res, ".", NULL)) == -1)
				return -1;
		}
		res->data_code = code;
	}
	(void)probe_step(c, res, "QUIT", "QUIT");
	return 0;
}

/* Judges what we saw; sets verdict and summary. */
static void
probe_judge(struct probe_result *res, int talked)
{
	int bs = res->backscatter > 0, co = res->callouts > 0;

	if (bs && co) {
		res->verdict = PROBE_BOTH;
		snprintf(res->summary, sizeof(res->summary), "sends "
		    "backscatter and performs sender callouts");
	} else if (bs) {
		res->verdict = PROBE_BACKSCATTER;
		snprintf(res->summary, sizeof(res->summary), "sends "
		    "backscatter: it accepted mail for an unknown recipient "
		    "and sent a bounce or auto-reply to the forged sender");
	} else if (co) {
		res->verdict = PROBE_CALLOUT;
		snprintf(res->summary, sizeof(res->summary), "performs "
		    "sender callouts: it connected to the sender's domain to "
		    "verify the sender");
	} else if (!talked) {
		res->verdict = PROBE_ERROR;
		snprintf(res->summary, sizeof(res->summary), "could not "
		    "probe: %s", res->error);
	} else if (res->rcpt_code / 100 == 5) {
		res->verdict = PROBE_GOOD;
		snprintf(res->summary, sizeof(res->summary), "rejects "
		    "unknown recipients during SMTP (good)");
	} else if (res->data_code / 100 == 5) {
		res->verdict = PROBE_GOOD;
		snprintf(res->summary, sizeof(res->summary), "rejects the "
		    "message during SMTP (good)");
	} else if (res->data_code / 100 == 2) {
		res->verdict = PROBE_INCONCLUSIVE;
		snprintf(res->summary, sizeof(res->summary), "accepted "
		    "mail for an unknown recipient, but no bounce arrived "
		    "in time (it may discard it, or bounce later)");
	} else {
		res->verdict = PROBE_INCONCLUSIVE;
		snprintf(res->summary, sizeof(res->summary), "inconclusive: "
		    "%s", res->error[0] != '\0' ? res->error :
		    "a temporary failure");
	}
}

/* The fix guide: the evidence first, then the banner and EHLO text. */
static void
probe_guide(struct probe_result *res)
{
	const struct web_guide *g = NULL;

	for (size_t i = 0; g == NULL && i < res->nev; i++)
		g = web_guide_for_evidence(res->ev[i].excerpt,
		    res->ev[i].subclass, res->ev[i].helo);
	for (size_t i = 0; g == NULL && i < res->nsteps && i < 2; i++)
		g = web_guide_for_evidence(NULL, NULL, res->steps[i].text);
	snprintf(res->guide, sizeof(res->guide), "%s", g ? g->name : "");
}

static void
probe_stage(probe_progress_cb cb, void *arg, const char *what, const char *s)
{
	char buf[PROBE_HOSTPORT_MAX * 2 + 64];

	if (cb == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s%s", what, s);
	cb(arg, buf);
}

/*
 * The hosts to try: the --mx override, the target itself when it is an
 * address or has a port, else the target's MX (RFC 5321 5.1: the
 * domain itself when it has no MX).
 */
static int
probe_hosts(const struct probe_config *cfg, ares_channel ch,
    struct probe_mx *mx, int *port, char *rcpt_domain, size_t rdsize,
    char *err, size_t errlen)
{
	char host[PROBE_NAME_MAX];
	struct addr a;
	int has_port;

	memset(mx, 0, sizeof(*mx));
	if (probe_split_hostport(cfg->target, strlen(cfg->target), host,
	    sizeof(host), port, PROBE_SMTP_PORT) == -1) {
		snprintf(err, errlen, "bad target");
		return -1;
	}
	has_port = *port != PROBE_SMTP_PORT || strchr(cfg->target, ']') ||
	    (strchr(cfg->target, ':') && !strchr(strchr(cfg->target, ':') + 1,
	    ':'));
	if (cfg->rcpt_domain[0] != '\0')
		snprintf(rcpt_domain, rdsize, "%s", cfg->rcpt_domain);
	else if (addr_parse(host, strlen(host), &a) == 0)
		snprintf(rcpt_domain, rdsize, "[%s%s]",
		    addr_is_v4(&a) ? "" : "IPv6:", host);
	else
		snprintf(rcpt_domain, rdsize, "%s", host);
	if (cfg->mx[0] != '\0') {
		if (probe_split_hostport(cfg->mx, strlen(cfg->mx),
		    mx->hosts[0], PROBE_NAME_MAX, port,
		    PROBE_SMTP_PORT) == -1) {
			snprintf(err, errlen, "bad --mx");
			return -1;
		}
		mx->n = 1;
		return 0;
	}
	if (has_port || addr_parse(host, strlen(host), &a) == 0) {
		snprintf(mx->hosts[0], PROBE_NAME_MAX, "%s", host);
		mx->n = 1;
		return 0;
	}
	ares_query(ch, host, ns_c_in, ns_t_mx, probe_on_mx, mx);
	probe_ares_wait(ch, &mx->done);
	if (mx->n == 0) {
		if (mx->status != ARES_SUCCESS && mx->status != ARES_ENODATA) {
			snprintf(err, errlen, "MX %s: %s", host,
			    ares_strerror(mx->status));
			return -1;
		}
		snprintf(mx->hosts[0], PROBE_NAME_MAX, "%s", host);
		mx->n = 1;
	}
	return 0;
}

int
probe_run(const struct probe_config *cfg, struct store *st, int64_t now,
    struct probe_result *res, probe_progress_cb cb, void *arg)
{
	struct probe_watch w = { res, 0 };
	struct probe_conn *c;
	struct probe_mx mx;
	struct probe_ai ai;
	ares_channel ch;
	char rcpt_domain[PROBE_NAME_MAX + 8], local[32], err[256];
	char token[STORE_PROBE_TOKEN_MAX];
	int port, talked = 0, rc = 0;

	snprintf(token, sizeof(token), "%s", res->token);
	memset(res, 0, sizeof(*res));
	snprintf(res->token, sizeof(res->token), "%s", token);
	res->started = now;
	if (res->token[0] == '\0' &&
	    probe_token(res->token, sizeof(res->token)) == -1) {
		snprintf(res->error, sizeof(res->error), "no randomness");
		res->verdict = PROBE_ERROR;
		return -1;
	}
	/* The recipient must not exist: random, and says what it is. */
	if (probe_token(local, sizeof(local)) == -1) {
		snprintf(res->error, sizeof(res->error), "no randomness");
		res->verdict = PROBE_ERROR;
		return -1;
	}
	memcpy(local, "nouser", 6);
	snprintf(res->sender, sizeof(res->sender), "%s@%s", res->token,
	    cfg->trap_domain);

	if (store_hit_last_id(st, &w.last) == -1 ||
	    store_probe_add(st, res->token, cfg->target, now, now +
	    (cfg->wait_ms + 4 * cfg->timeout_ms) / 1000 +
	    cfg->expires_extra) == -1) {
		snprintf(res->error, sizeof(res->error), "%s",
		    store_errmsg(st));
		res->verdict = PROBE_ERROR;
		return -1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		res->verdict = PROBE_ERROR;
		return -1;
	}
	c->fd = -1;
	c->timeout_ms = cfg->timeout_ms;
	if (probe_channel(cfg, &ch, err, sizeof(err)) == -1) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		res->verdict = PROBE_ERROR;
		free(c);
		return 0;
	}
	probe_stage(cb, arg, "finding the mail servers of ", cfg->target);
	if (probe_hosts(cfg, ch, &mx, &port, rcpt_domain,
	    sizeof(rcpt_domain), err, sizeof(err)) == -1) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		goto judge;
	}
	snprintf(res->rcpt, sizeof(res->rcpt), "%s@%s", local, rcpt_domain);
	for (size_t i = 0; i < mx.n && !talked; i++) {
		snprintf(res->host, sizeof(res->host), "%s", mx.hosts[i]);
		if (probe_resolve(ch, mx.hosts[i], port, &ai, err,
		    sizeof(err)) == -1) {
			snprintf(res->error, sizeof(res->error), "%s", err);
			continue;
		}
		for (size_t j = 0; j < ai.n && !talked; j++) {
			probe_sa_text(&ai.ss[j], res->peer, sizeof(res->peer));
			probe_stage(cb, arg, "talking to ", res->peer);
			if (probe_connect(c, (struct sockaddr *)&ai.ss[j],
			    ai.sslen[j]) == -1) {
				snprintf(res->error, sizeof(res->error),
				    "connect %s port %d: %s", res->peer, port,
				    strerror(errno));
				continue;
			}
			res->nsteps = 0;
			c->len = 0;
			if (probe_dialogue(c, cfg, res) == 0) {
				talked = 1;
				res->error[0] = res->rcpt_code != 0 ? '\0' :
				    res->error[0];
			}
			close(c->fd);
			c->fd = -1;
		}
	}
judge:
	ares_destroy(ch);
	free(c);
	if (talked && res->data_code / 100 == 2) {
		probe_stage(cb, arg, "message accepted; waiting for a bounce "
		    "to ", res->sender);
		rc = probe_watch_until(st, &w, cfg->wait_ms, 1);
	} else {
		probe_stage(cb, arg, "waiting for callouts to ",
		    res->sender);
		rc = probe_watch_until(st, &w, cfg->wait_ms <
		    PROBE_CALLOUT_GRACE_MS ? cfg->wait_ms :
		    PROBE_CALLOUT_GRACE_MS, 0);
	}
	if (rc == -1)
		snprintf(res->error, sizeof(res->error), "%s",
		    store_errmsg(st));
	probe_judge(res, talked);
	probe_guide(res);
	res->finished = res->started + 0;
	return rc;
}

/* The first name of a space or comma separated list into buf. */
static int
probe_first_name(const char *list, char *buf, size_t size)
{
	size_t n;

	list += strspn(list, " ,\t");
	n = strcspn(list, " ,\t");
	if (n == 0 || n >= size)
		return -1;
	memcpy(buf, list, n);
	buf[n] = '\0';
	return 0;
}

int
probe_config_init(struct probe_config *pc, const struct config *cfg,
    const char *target, char *err, size_t errlen)
{
	memset(pc, 0, sizeof(*pc));
	if (strlen(target) >= sizeof(pc->target)) {
		snprintf(err, errlen, "target too long");
		return -1;
	}
	snprintf(pc->target, sizeof(pc->target), "%s", target);
	if (strcmp(cfg->probe.domain, "auto") != 0)
		snprintf(pc->trap_domain, sizeof(pc->trap_domain), "%s",
		    cfg->probe.domain);
	else if (probe_first_name(cfg->trap.domains, pc->trap_domain,
	    sizeof(pc->trap_domain)) == -1) {
		snprintf(err, errlen, "no trap domain (trap.domains)");
		return -1;
	}
	if (strcmp(cfg->probe.helo, "auto") != 0)
		snprintf(pc->helo, sizeof(pc->helo), "%s", cfg->probe.helo);
	else if (strcmp(cfg->trap.hostname, "auto") != 0)
		snprintf(pc->helo, sizeof(pc->helo), "%s", cfg->trap.hostname);
	else if (gethostname(pc->helo, sizeof(pc->helo) - 1) == -1 ||
	    pc->helo[0] == '\0')
		snprintf(pc->helo, sizeof(pc->helo), "localhost");
	if (strcmp(cfg->probe.resolver, "system") != 0)
		snprintf(pc->resolver, sizeof(pc->resolver), "%s",
		    cfg->probe.resolver);
	pc->wait_ms = cfg->probe.wait * 1000;
	pc->timeout_ms = cfg->probe.timeout * 1000;
	pc->expires_extra = 60;
	return 0;
}
