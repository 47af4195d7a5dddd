/* policy_server.c -- `backscatter policy`: the Postfix policy service. */
/* pipe2 is a Linux interface. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "client/policy_parse.h"
#include "client/policy_server.h"
#include "core/clock.h"
#include "core/log.h"

/*
 * A peer that keeps sending malformed requests is not Postfix: after
 * this many we answer the last one and close.
 */
#define POLICY_ERRORS_MAX	16
/*
 * Replies waiting for a peer that does not read them: above this we
 * stop reading its requests until they drain (a reply is < 512 bytes).
 */
#define POLICY_OUTPUT_MAX	(64 * 1024)
/* listen(2) backlog: the kernel caps it at somaxconn anyway. */
#define POLICY_LISTEN_BACKLOG	511

struct policy_wait;

struct policy_conn {
	struct policy_server	*srv;
	LIST_ENTRY(policy_conn)	 entry;
	struct bufferevent	*bev;
	uint64_t		 id;
	struct policy_wait	*wait;		/* the lookup under way */
	int			 errors;
	int			 closing;	/* free once all is sent */
	int			 paused;	/* output full: not reading */
};

/* A lookup under way; conn is NULL once the connection is gone. */
struct policy_wait {
	struct policy_conn	*conn;
	struct addr		 addr;
	char			 sender[POLICY_SENDER_LOG_MAX];
	char			 state[POLICY_WORD_MAX + 1];
};

struct policy_server {
	struct policy_server_config	 cfg;
	struct event_base		*base;
	struct evconnlistener		*listeners[POLICY_LISTEN_MAX];
	size_t				 nlisteners;
	int				 stop_pipe[2];
	struct event			*stop_ev;
	struct policy_dns		*dns;
	struct policy_cache		*cache;
	struct store			*store;
	LIST_HEAD(, policy_conn)	 conns;
	int				 nconns;
	uint64_t			 next_id;
	int				 warned_state;
	struct policy_stats		 stats;
};

static void	policy_conn_read(struct bufferevent *, void *);

int
policy_listen_parse(const char *list, struct sockaddr_storage *ss,
    socklen_t *sslen, size_t *n, size_t max, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 1], *tok, *save = NULL;
	struct sockaddr_un *sun;
	size_t plen;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "listen list too long");
		return -1;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (*n == max) {
			snprintf(err, errlen, "more than %zu listen addresses",
			    max);
			return -1;
		}
		if (strncmp(tok, "unix:", 5) == 0) {
			sun = (struct sockaddr_un *)(void *)&ss[*n];
			plen = strlen(tok + 5);
			if (tok[5] != '/' || plen >= sizeof(sun->sun_path)) {
				snprintf(err, errlen, "'%.64s': unix: needs "
				    "an absolute path of less than %zu bytes",
				    tok, sizeof(sun->sun_path));
				return -1;
			}
			memset(sun, 0, sizeof(*sun));
			sun->sun_family = AF_UNIX;
			memcpy(sun->sun_path, tok + 5, plen + 1);
			sslen[*n] = (socklen_t)sizeof(*sun);
		} else if (addr_parse_sockaddr(tok, &ss[*n], &sslen[*n]) ==
		    -1) {
			snprintf(err, errlen, "'%.64s' is not ADDR:PORT, "
			    "[IPV6]:PORT or unix:/PATH", tok);
			return -1;
		}
		(*n)++;
	}
	if (*n == 0) {
		snprintf(err, errlen, "no listen address");
		return -1;
	}
	return 0;
}

/* "1.2.3.4:10040" or "unix:/run/x.sock", for messages. */
static void
policy_listen_name(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const struct sockaddr_un *sun = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	struct addr a;
	char ip[ADDR_STRLEN];

	if (ss->ss_family == AF_UNIX) {
		snprintf(buf, size, "unix:%s", sun->sun_path);
		return;
	}
	if (ss->ss_family == AF_INET) {
		addr_from_v4(&a, (const uint8_t *)&sin->sin_addr);
		addr_format(&a, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, ntohs(sin->sin_port));
		return;
	}
	memcpy(a.b, &sin6->sin6_addr, 16);
	addr_format(&a, ip, sizeof(ip));
	snprintf(buf, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
}

static void
policy_conn_free(struct policy_conn *conn)
{
	struct policy_server *srv = conn->srv;

	/* The lookup finishes on its own and finds nobody to answer. */
	if (conn->wait != NULL)
		conn->wait->conn = NULL;
	LIST_REMOVE(conn, entry);
	srv->nconns--;
	bufferevent_free(conn->bev);
	free(conn);
}

static void
policy_conn_reply(struct policy_conn *conn, const char *action)
{
	evbuffer_add_printf(bufferevent_get_output(conn->bev),
	    "action=%s\n\n", action);
}

/* A listing's answer: "550 5.7.1 text". */
static void
policy_conn_reject(struct policy_conn *conn, const struct policy_result *r,
    const struct addr *a, const char *sender, const char *state,
    const char *how)
{
	struct policy_server *srv = conn->srv;
	char text[POLICY_TEXT_MAX + 1], action[POLICY_TEXT_MAX + 16];
	char ip[ADDR_STRLEN];

	if (policy_reply_text(r, a, srv->cfg.lookup_url, text,
	    sizeof(text)) == -1)
		snprintf(text, sizeof(text), "Backscatter source listed in %s",
		    r->zone);
	snprintf(action, sizeof(action), "550 5.7.1 %s", text);
	policy_conn_reply(conn, action);
	srv->stats.rejects++;
	addr_format(a, ip, sizeof(ip));
	log_info("policy: conn=%llu client=%s sender=<%s> state=%s listed "
	    "zone=%s via=%s action=550", (unsigned long long)conn->id, ip,
	    sender, state, r->zone, how);
}

/*
 * The store beside the list (policy.mode = store): the listing and its
 * TXT exactly as the DNS server would answer them, without a query.
 */
int
policy_store_result(struct store *st, const struct addr *a, int64_t now,
    const char *txt_tmpl, const char *url_tmpl, const char *zone,
    struct policy_result *out)
{
	struct listing l;
	struct txt_vars v;
	char url[TXT_URL_MAX], txt[TXT_MAX + 1];
	int rc;

	policy_result_init(out);
	if ((rc = store_lookup(st, a, now, &l)) == -1) {
		out->verdict = POLICY_ERROR;
		snprintf(out->text, sizeof(out->text), "%s",
		    store_errmsg(st));
		return -1;
	}
	out->ttl = 0;
	if (rc == 0)
		return 0;
	out->verdict = POLICY_LISTED;
	snprintf(out->zone, sizeof(out->zone), "%s", zone);
	memset(&v, 0, sizeof(v));
	v.prefix = &l.prefix;
	v.listed_since = l.listed_since;
	v.last_seen = l.last_seen;
	v.expires = l.expires;
	v.classes = l.classes;
	if (url_tmpl != NULL && txt_render(url_tmpl, &v, url,
	    sizeof(url)) == 0)
		v.url = url;
	if (txt_tmpl != NULL && txt_render(txt_tmpl, &v, txt,
	    sizeof(txt)) == 0)
		policy_text_clean(txt, strlen(txt), out->text,
		    sizeof(out->text));
	return 1;
}

/* A DNS lookup ended: answer the connection that asked, if still there. */
static void
policy_on_lookup(void *arg, const struct policy_result *r)
{
	struct policy_wait *w = arg;
	struct policy_conn *conn = w->conn;
	struct policy_server *srv;
	char ip[ADDR_STRLEN];

	if (conn == NULL) {
		free(w);
		return;
	}
	srv = conn->srv;
	conn->wait = NULL;
	if (r->verdict == POLICY_ERROR) {
		srv->stats.dns_errors++;
		addr_format(&w->addr, ip, sizeof(ip));
		log_warnx("policy: conn=%llu client=%s sender=<%s> DNS lookup "
		    "failed, answering DUNNO (fail open): %s",
		    (unsigned long long)conn->id, ip, w->sender, r->text);
		policy_conn_reply(conn, "DUNNO");
	} else {
		policy_cache_put(srv->cache, &w->addr, clock_mono_ms(), r);
		if (r->verdict == POLICY_LISTED)
			policy_conn_reject(conn, r, &w->addr, w->sender,
			    w->state, "dns");
		else
			policy_conn_reply(conn, "DUNNO");
	}
	free(w);
	/* Requests that came meanwhile are waiting in the input buffer. */
	bufferevent_enable(conn->bev, EV_READ);
	policy_conn_read(conn->bev, conn);
}

/*
 * Decides one parsed request. Returns 1 when a DNS lookup was started
 * (the answer comes later and reading stops until then), else 0 with
 * the answer already queued.
 */
static int
policy_conn_decide(struct policy_conn *conn, const struct policy_request *req)
{
	struct policy_server *srv = conn->srv;
	struct policy_result r;
	struct policy_wait *w;
	char sender[POLICY_SENDER_LOG_MAX], ip[ADDR_STRLEN];

	if (!policy_state_has_sender(req->protocol_state)) {
		if (!srv->warned_state) {
			srv->warned_state = 1;
			log_warnx("policy: called at protocol_state=%s, where "
			    "there is no sender yet: answering DUNNO; put "
			    "check_policy_service in smtpd_sender_restrictions "
			    "or smtpd_recipient_restrictions",
			    req->protocol_state[0] != '\0' ?
			    req->protocol_state : "(none)");
		}
		srv->stats.skipped++;
		policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	if (!policy_sender_wanted(&srv->cfg.senders, req->sender,
	    strlen(req->sender)) || !req->have_client) {
		srv->stats.skipped++;
		policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	policy_log_escape(req->sender, sender, sizeof(sender));
	if (policy_cache_get(srv->cache, &req->client, clock_mono_ms(), &r)) {
		srv->stats.cache_hits++;
		if (r.verdict == POLICY_LISTED)
			policy_conn_reject(conn, &r, &req->client, sender,
			    req->protocol_state, "cache");
		else
			policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	srv->stats.lookups++;
	if (srv->cfg.mode == POLICY_MODE_STORE) {
		if (policy_store_result(srv->store, &req->client,
		    (int64_t)time(NULL),
		    srv->cfg.txt, srv->cfg.lookup_url, srv->cfg.dns.zones[0],
		    &r) == -1) {
			srv->stats.dns_errors++;
			addr_format(&req->client, ip, sizeof(ip));
			log_warnx("policy: conn=%llu client=%s store lookup "
			    "failed, answering DUNNO (fail open): %s",
			    (unsigned long long)conn->id, ip, r.text);
			policy_conn_reply(conn, "DUNNO");
		} else if (r.verdict == POLICY_LISTED)
			policy_conn_reject(conn, &r, &req->client, sender,
			    req->protocol_state, "store");
		else
			policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		srv->stats.dns_errors++;
		log_warnx("policy: conn=%llu out of memory, answering DUNNO",
		    (unsigned long long)conn->id);
		policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	w->conn = conn;
	w->addr = req->client;
	memcpy(w->sender, sender, sizeof(w->sender));
	memcpy(w->state, req->protocol_state, sizeof(w->state));
	conn->wait = w;
	if (policy_dns_lookup(srv->dns, &req->client, policy_on_lookup, w) ==
	    -1) {
		conn->wait = NULL;
		free(w);
		srv->stats.dns_errors++;
		log_warnx("policy: conn=%llu cannot start a DNS lookup, "
		    "answering DUNNO", (unsigned long long)conn->id);
		policy_conn_reply(conn, "DUNNO");
		return 0;
	}
	return 1;
}

/*
 * Takes whole requests off the input, one at a time: while a lookup is
 * under way nothing more is read, so answers go out in request order
 * and a peer cannot start more than one lookup per connection.
 */
static void
policy_conn_read(struct bufferevent *bev, void *arg)
{
	struct policy_conn *conn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct policy_request req;
	const char *err;
	size_t len, reqlen;
	char *buf;
	int rc;

	while (conn->wait == NULL && !conn->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    POLICY_OUTPUT_MAX) {
			conn->paused = 1;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if ((len = evbuffer_get_length(in)) == 0)
			return;
		if (len > POLICY_REQUEST_MAX)
			len = POLICY_REQUEST_MAX;
		if ((buf = (char *)evbuffer_pullup(in, (ssize_t)len)) == NULL)
			return;
		if ((rc = policy_frame(buf, len, &reqlen)) == 0)
			return;
		conn->srv->stats.requests++;
		if (rc == -1) {
			conn->srv->stats.malformed++;
			log_warnx("policy: conn=%llu request longer than %d "
			    "bytes, answering DUNNO and closing",
			    (unsigned long long)conn->id, POLICY_REQUEST_MAX);
			policy_conn_reply(conn, "DUNNO");
			conn->closing = 1;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (policy_parse(buf, reqlen, &req, &err) == -1) {
			evbuffer_drain(in, reqlen);
			conn->srv->stats.malformed++;
			policy_conn_reply(conn, "DUNNO");
			if (++conn->errors >= POLICY_ERRORS_MAX) {
				log_warnx("policy: conn=%llu malformed "
				    "request (%s), answering DUNNO; %d "
				    "errors, closing",
				    (unsigned long long)conn->id, err,
				    conn->errors);
				conn->closing = 1;
				bufferevent_disable(bev, EV_READ);
				return;
			}
			log_warnx("policy: conn=%llu malformed request (%s), "
			    "answering DUNNO", (unsigned long long)conn->id,
			    err);
			continue;
		}
		evbuffer_drain(in, reqlen);
		if (policy_conn_decide(conn, &req) == 1)
			bufferevent_disable(bev, EV_READ);
	}
}

static void
policy_conn_write(struct bufferevent *bev, void *arg)
{
	struct policy_conn *conn = arg;

	if (conn->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		policy_conn_free(conn);
		return;
	}
	if (conn->paused) {
		conn->paused = 0;
		if (conn->wait == NULL)
			bufferevent_enable(bev, EV_READ);
		policy_conn_read(bev, conn);
	}
}

static void
policy_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct policy_conn *conn = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("policy: conn=%llu idle, closing",
		    (unsigned long long)conn->id);
	else if (what & BEV_EVENT_ERROR)
		log_debug("policy: conn=%llu error: %s",
		    (unsigned long long)conn->id, strerror(errno));
	policy_conn_free(conn);
}

static void
policy_on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct policy_server *srv = arg;
	struct policy_conn *conn;
	struct timeval tv;

	(void)lis;
	(void)sa;
	(void)salen;
	/*
	 * Over the limit the connection is closed at once: Postfix then
	 * applies smtpd_policy_service_default_action, which the docs set
	 * to DUNNO. Holding it open would only delay its mail.
	 */
	if (srv->nconns >= srv->cfg.max_connections) {
		srv->stats.refused++;
		log_warnx("policy: %d connections, refusing another "
		    "(policy.max_connections)", srv->nconns);
		evutil_closesocket(fd);
		return;
	}
	if ((conn = calloc(1, sizeof(*conn))) == NULL ||
	    (conn->bev = bufferevent_socket_new(srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("policy: out of memory for a connection");
		free(conn);
		evutil_closesocket(fd);
		return;
	}
	conn->srv = srv;
	conn->id = ++srv->next_id;
	LIST_INSERT_HEAD(&srv->conns, conn, entry);
	srv->nconns++;
	tv.tv_sec = (time_t)(srv->cfg.idle_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(srv->cfg.idle_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(conn->bev, &tv, &tv);
	bufferevent_setcb(conn->bev, policy_conn_read, policy_conn_write,
	    policy_conn_event, conn);
	bufferevent_enable(conn->bev, EV_READ);
	log_debug("policy: conn=%llu open", (unsigned long long)conn->id);
}

static void
policy_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct policy_server *srv = arg;
	char b[16];

	(void)what;
	while (read(fd, b, sizeof(b)) > 0)
		;
	event_base_loopbreak(srv->base);
}

/* A UNIX socket file left by an earlier run is ours to replace. */
static int
policy_unix_prepare(const struct sockaddr_storage *ss, char *err,
    size_t errlen)
{
	const struct sockaddr_un *sun = (const void *)ss;
	struct stat st;
	int fd, live;

	if (lstat(sun->sun_path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "listen unix:%s: exists and is not a "
		    "socket", sun->sun_path);
		return -1;
	}
	/* Somebody answering there is not stale: leave it alone. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "listen unix:%s: another server answers "
		    "there", sun->sun_path);
		return -1;
	}
	unlink(sun->sun_path);
	return 0;
}

struct policy_server *
policy_server_new(const struct policy_server_config *cfg, char *err,
    size_t errlen)
{
	struct policy_server *srv;
	const struct sockaddr_un *sun;
	char name[PATH_MAX + 8];
	size_t i;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	srv->cfg.store.path = srv->cfg.store_path;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	LIST_INIT(&srv->conns);
	if ((srv->base = event_base_new()) == NULL) {
		snprintf(err, errlen, "event loop: out of memory");
		goto fail;
	}
	if (pipe2(srv->stop_pipe, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (srv->stop_ev = event_new(srv->base, srv->stop_pipe[0],
	    EV_READ | EV_PERSIST, policy_on_stop, srv)) == NULL ||
	    event_add(srv->stop_ev, NULL) == -1) {
		snprintf(err, errlen, "stop pipe: %s", strerror(errno));
		goto fail;
	}
	if ((srv->cache = policy_cache_new(cfg->cache_size)) == NULL) {
		snprintf(err, errlen, "cache: out of memory");
		goto fail;
	}
	if (cfg->mode == POLICY_MODE_STORE) {
		if ((srv->store = store_open(&srv->cfg.store,
		    STORE_OPEN_READONLY, err, errlen)) == NULL)
			goto fail;
	} else {
		if (policy_dns_library_init() == -1) {
			snprintf(err, errlen, "c-ares: cannot initialise");
			goto fail;
		}
		if ((srv->dns = policy_dns_new(&cfg->dns, srv->base, err,
		    errlen)) == NULL)
			goto fail;
	}
	for (i = 0; i < cfg->nlisten; i++) {
		policy_listen_name(&cfg->listen[i], name, sizeof(name));
		if (cfg->listen[i].ss_family == AF_UNIX &&
		    policy_unix_prepare(&cfg->listen[i], err, errlen) == -1)
			goto fail;
		srv->listeners[i] = evconnlistener_new_bind(srv->base,
		    policy_on_accept, srv, LEV_OPT_CLOSE_ON_FREE |
		    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		    POLICY_LISTEN_BACKLOG,
		    (const struct sockaddr *)&cfg->listen[i],
		    (int)cfg->listen_len[i]);
		if (srv->listeners[i] == NULL) {
			snprintf(err, errlen, "listen %s: %s", name,
			    strerror(errno));
			goto fail;
		}
		srv->nlisteners = i + 1;
		if (cfg->listen[i].ss_family == AF_UNIX) {
			sun = (const void *)&cfg->listen[i];
			/* Postfix's smtpd runs as another user. */
			if (chmod(sun->sun_path, 0666) == -1) {
				snprintf(err, errlen, "chmod %s: %s",
				    sun->sun_path, strerror(errno));
				goto fail;
			}
		}
		log_info("policy: answering on %s", name);
	}
	return srv;
fail:
	policy_server_free(srv);
	return NULL;
}

int
policy_server_run(struct policy_server *srv)
{
	signal(SIGPIPE, SIG_IGN);
	if (event_base_dispatch(srv->base) == -1)
		return -1;
	return 0;
}

void
policy_server_stop(struct policy_server *srv)
{
	int saved = errno;

	if (srv != NULL && srv->stop_pipe[1] != -1)
		(void)!write(srv->stop_pipe[1], "x", 1);
	errno = saved;
}

void
policy_server_stats(const struct policy_server *srv, struct policy_stats *st)
{
	*st = srv->stats;
}

void
policy_server_free(struct policy_server *srv)
{
	struct policy_conn *conn;
	const struct sockaddr_un *sun;

	if (srv == NULL)
		return;
	while ((conn = LIST_FIRST(&srv->conns)) != NULL)
		// NOLINTNEXTLINE(clang-analyzer-unix.Malloc): LIST_REMOVE in it moves the head on
		policy_conn_free(conn);
	for (size_t i = 0; i < srv->nlisteners; i++) {
		evconnlistener_free(srv->listeners[i]);
		if (srv->cfg.listen[i].ss_family == AF_UNIX) {
			sun = (const void *)&srv->cfg.listen[i];
			unlink(sun->sun_path);
		}
	}
	/* Lookups under way end here; their waits have no conn and free. */
	policy_dns_free(srv->dns);
	store_close(srv->store);
	policy_cache_free(srv->cache);
	if (srv->stop_ev != NULL)
		event_free(srv->stop_ev);
	if (srv->stop_pipe[0] != -1)
		close(srv->stop_pipe[0]);
	if (srv->stop_pipe[1] != -1)
		close(srv->stop_pipe[1]);
	if (srv->base != NULL)
		event_base_free(srv->base);
	free(srv);
}
