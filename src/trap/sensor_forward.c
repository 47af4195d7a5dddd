/* sensor_forward.c -- a remote trap sends its hits to the central's API. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "core/log.h"
#include "trap/sensor_forward.h"

#define SF_PATH_SUFFIX		"/api/v1/hits"
#define SF_HOST_MAX		256

struct sensor_forward {
	struct sensor_forward_config cfg;
	struct store		*store;
	struct event_base	*base;
	struct event		*tick;		/* the next attempt */
	struct event		*stop_ev;
	int			 stop_pipe[2];
	SSL_CTX			*ssl_ctx;	/* https only */
	char			 host[SF_HOST_MAX];
	int			 port;
	char			 path[SENSOR_FORWARD_URL_MAX + 16];
	struct evhttp_connection *con;		/* of the last request */
	int			 in_flight;
	int64_t			 cursor;	/* last id the central took */
	int64_t			 batch_last;	/* last id in flight */
	size_t			 batch_n;
	int64_t			 backoff_ms;
	size_t			 batch_max;	/* halved after a 413 */
	int			 failing;
	pthread_t		 thread;
	int			 running;
};

static int
sf_copy(char *dst, size_t size, const char *src, const char *what,
    char *err, size_t errlen)
{
	if (snprintf(dst, size, "%s", src) >= (int)size) {
		snprintf(err, errlen, "%s too long", what);
		return -1;
	}
	return 0;
}

int
sensor_forward_config_init(struct sensor_forward_config *sc,
    const struct config *cfg, char *err, size_t errlen)
{
	memset(sc, 0, sizeof(*sc));
	if (strcmp(cfg->trap.central, "none") == 0)
		return 0;
	if (strcmp(cfg->trap.central_token, "none") == 0) {
		snprintf(err, errlen, "trap.central is set but "
		    "trap.central_token is not");
		return -1;
	}
	if (sf_copy(sc->central, sizeof(sc->central), cfg->trap.central,
	    "trap.central", err, errlen) == -1 ||
	    sf_copy(sc->token, sizeof(sc->token), cfg->trap.central_token,
	    "trap.central_token", err, errlen) == -1 ||
	    sf_copy(sc->store_path, sizeof(sc->store_path), cfg->store.path,
	    "store.path", err, errlen) == -1)
		return -1;
	store_config_from(&sc->store, cfg, sc->store_path);
	sc->enabled = 1;
	return 0;
}

/* Length of the UTF-8 sequence at p (RFC 3629 4), or 0 if invalid. */
static size_t
sf_utf8_seq(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;	/* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

int
sensor_forward_utf8(const char *in, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, n;

	while (*p != '\0') {
		/* A NUL inside a sequence fails the checks above. */
		if ((n = sf_utf8_seq(p)) == 0) {
			if (o + 3 >= size)
				return -1;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		if (o + n >= size)
			return -1;
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (o >= size)
		return -1;
	out[o] = '\0';
	return (int)o;
}

/* A text field as a JSON string; NULL out of memory. */
static json_t *
sf_text(const char *s)
{
	json_t *v;
	char *buf;
	size_t size;
	int n;

	size = strlen(s) * 3 + 1;
	if ((buf = malloc(size)) == NULL)
		return NULL;
	n = sensor_forward_utf8(s, buf, size);
	v = n < 0 ? NULL : json_stringn(buf, (size_t)n);
	free(buf);
	return v;
}

struct sf_batch {
	json_t		*hits;
	int64_t		 last;
	size_t		 n;
	size_t		 bytes;		/* of the hits' JSON so far */
	int		 failed;
};

static int
sf_set(json_t *o, const char *key, json_t *v, struct sf_batch *b)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1) {
		b->failed = 1;
		return -1;
	}
	return 0;
}

/* A NULL text is left out: the central reads an absent key as none. */
static int
sf_set_text(json_t *o, const char *key, const char *s, struct sf_batch *b)
{
	if (s == NULL)
		return 0;
	return sf_set(o, key, sf_text(s), b);
}

static int
sf_batch_cb(void *arg, int64_t id, const struct store_hit *h)
{
	struct sf_batch *b = arg;
	char addr[ADDR_STRLEN];
	const char *cls = hitclass_name(h->class);
	json_t *o;
	size_t size;

	if (h->uid == NULL || cls == NULL ||
	    addr_format(&h->addr, addr, sizeof(addr)) == -1) {
		/* Cannot happen in a store we wrote: skip, never block. */
		log_warnx("sensor: hit %" PRId64 " is not forwardable; "
		    "skipped", id);
		b->last = id;
		return 0;
	}
	if ((o = json_object()) == NULL ||
	    json_array_append_new(b->hits, o) == -1) {
		b->failed = 1;
		return 1;
	}
	if (sf_set(o, "uid", json_string(h->uid), b) == -1 ||
	    sf_set(o, "t", json_integer(h->t), b) == -1 ||
	    sf_set(o, "addr", json_string(addr), b) == -1 ||
	    sf_set(o, "class", json_string(cls), b) == -1 ||
	    sf_set_text(o, "subclass", h->subclass, b) == -1 ||
	    sf_set_text(o, "helo", h->helo, b) == -1 ||
	    sf_set_text(o, "mail_from", h->mail_from, b) == -1 ||
	    sf_set_text(o, "rcpt", h->rcpt, b) == -1 ||
	    sf_set_text(o, "excerpt", h->excerpt, b) == -1 ||
	    sf_set_text(o, "sensor", h->sensor, b) == -1)
		return 1;
	/*
	 * The central buffers at most WEB_HITS_BODY_MAX: stop before the
	 * body would pass SENSOR_FORWARD_BODY_MAX (one hit always fits).
	 */
	size = json_dumpb(o, NULL, 0, JSON_COMPACT) + 1;
	if (b->n > 0 && b->bytes + size > SENSOR_FORWARD_BODY_MAX) {
		(void)json_array_remove(b->hits, json_array_size(b->hits) - 1);
		return 1;
	}
	b->bytes += size;
	b->last = id;
	b->n++;
	return 0;
}

static void
sf_schedule(struct sensor_forward *sf, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
	    1000 };

	evtimer_add(sf->tick, &tv);
}

static void
sf_fail(struct sensor_forward *sf, const char *why)
{
	sf->backoff_ms = sf->backoff_ms == 0 ? SENSOR_FORWARD_BACKOFF_MIN_MS :
	    sf->backoff_ms * 2;
	if (sf->backoff_ms > SENSOR_FORWARD_BACKOFF_MAX_MS)
		sf->backoff_ms = SENSOR_FORWARD_BACKOFF_MAX_MS;
	log_warnx("sensor: central %s: %s; %zu hits wait, retry in %" PRId64
	    " ms", sf->cfg.central, why, sf->batch_n, sf->backoff_ms);
	sf->failing = 1;
	sf_schedule(sf, sf->backoff_ms);
}

static void
sf_done(struct evhttp_request *req, void *arg)
{
	struct sensor_forward *sf = arg;
	char why[64];
	int code;

	sf->in_flight = 0;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	/* Too big for the central: smaller batches, until one hit each. */
	if (code == 413 && sf->batch_max > 1)
		sf->batch_max /= 2;
	if (code < 200 || code > 299) {
		if (code == 0)
			snprintf(why, sizeof(why), "no answer");
		else
			snprintf(why, sizeof(why), "HTTP %d", code);
		sf_fail(sf, why);
		return;
	}
	/*
	 * Only now is the batch the central's: had we crashed before this
	 * line, the batch would go again and count once (its uids).
	 */
	if (store_forward_set(sf->store, sf->cfg.central, sf->batch_last,
	    (int64_t)time(NULL)) == -1) {
		sf_fail(sf, store_errmsg(sf->store));
		return;
	}
	sf->cursor = sf->batch_last;
	if (sf->failing)
		log_info("sensor: central %s answers again", sf->cfg.central);
	sf->failing = 0;
	sf->backoff_ms = 0;
	log_debug("sensor: sent %zu hits up to %" PRId64, sf->batch_n,
	    sf->cursor);
	/* More may be waiting: go on at once. */
	sf_schedule(sf, 0);
}

static struct evhttp_connection *
sf_connect(struct sensor_forward *sf)
{
	struct bufferevent *bev = NULL;
	struct evhttp_connection *con;
	SSL *ssl;

	if (sf->ssl_ctx != NULL) {
		if ((ssl = SSL_new(sf->ssl_ctx)) == NULL)
			return NULL;
		/* RFC 6066 3 SNI, and RFC 6125 name checks on the cert. */
		if (SSL_set_tlsext_host_name(ssl, sf->host) != 1 ||
		    SSL_set1_host(ssl, sf->host) != 1) {
			SSL_free(ssl);
			return NULL;
		}
		if ((bev = bufferevent_openssl_socket_new(sf->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS)) == NULL) {
			SSL_free(ssl);
			return NULL;
		}
	}
	con = evhttp_connection_base_bufferevent_new(sf->base, NULL, bev,
	    sf->host, (unsigned short)sf->port);
	if (con == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		return NULL;
	}
	evhttp_connection_set_timeout(con, SENSOR_FORWARD_TIMEOUT);
	return con;
}

/*
 * One attempt: the hits after the cursor, at most one batch, in one
 * POST on a new connection (a TLS connection cannot be reused once
 * closed, and a batch every few hundred ms needs no keep-alive).
 */
static void
sf_try(evutil_socket_t fd, short what, void *arg)
{
	struct sensor_forward *sf = arg;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	struct sf_batch b;
	json_t *doc;
	char *body = NULL, auth[CONFIG_WEB_TOKEN_LEN + 16], hosthdr[300];

	(void)fd;
	(void)what;
	if (sf->in_flight)
		return;
	if (sf->con != NULL) {
		evhttp_connection_free(sf->con);
		sf->con = NULL;
	}
	memset(&b, 0, sizeof(b));
	b.last = sf->cursor;
	if ((doc = json_object()) == NULL || (b.hits = json_array()) == NULL ||
	    json_object_set_new(doc, "hits", b.hits) == -1) {
		json_decref(doc);
		sf_fail(sf, "out of memory");
		return;
	}
	if (store_hits_after(sf->store, sf->cursor, sf->batch_max,
	    sf_batch_cb, &b) == -1 || b.failed) {
		json_decref(doc);
		sf_fail(sf, b.failed ? "out of memory" :
		    store_errmsg(sf->store));
		return;
	}
	if (b.n == 0) {
		json_decref(doc);
		if (b.last != sf->cursor)	/* only skipped hits */
			(void)store_forward_set(sf->store, sf->cfg.central,
			    b.last, (int64_t)time(NULL));
		sf->cursor = b.last;
		sf_schedule(sf, SENSOR_FORWARD_POLL_MS);
		return;
	}
	body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	sf->batch_last = b.last;
	sf->batch_n = b.n;
	if (body == NULL) {
		sf_fail(sf, "out of memory");
		return;
	}
	if ((sf->con = sf_connect(sf)) == NULL ||
	    (req = evhttp_request_new(sf_done, sf)) == NULL) {
		free(body);
		sf_fail(sf, "cannot set up a connection");
		return;
	}
	h = evhttp_request_get_output_headers(req);
	snprintf(auth, sizeof(auth), "Bearer %s", sf->cfg.token);
	if (strchr(sf->host, ':') != NULL)
		snprintf(hosthdr, sizeof(hosthdr), "[%s]:%d", sf->host,
		    sf->port);
	else
		snprintf(hosthdr, sizeof(hosthdr), "%s:%d", sf->host,
		    sf->port);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "Authorization", auth);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(req), body,
	    strlen(body));
	free(body);
	if (evhttp_make_request(sf->con, req, EVHTTP_REQ_POST, sf->path) ==
	    -1) {
		/* evhttp_make_request() freed req. */
		sf_fail(sf, "cannot send the request");
		return;
	}
	sf->in_flight = 1;
}

static void
sf_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct sensor_forward *sf = arg;
	char buf[16];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	event_base_loopbreak(sf->base);
}

/* Splits the central URL into host, port and the API path. 0 / -1. */
static int
sf_parse_url(struct sensor_forward *sf, char *err, size_t errlen)
{
	struct evhttp_uri *u;
	const char *scheme, *host, *path;
	size_t plen;
	int https, rc = -1;

	if ((u = evhttp_uri_parse(sf->cfg.central)) == NULL) {
		snprintf(err, errlen, "trap.central: cannot parse '%s'",
		    sf->cfg.central);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	https = scheme != NULL && strcmp(scheme, "https") == 0;
	if (scheme == NULL || (!https && strcmp(scheme, "http") != 0) ||
	    host == NULL || *host == '\0' || strlen(host) >= sizeof(sf->host)) {
		snprintf(err, errlen, "trap.central: '%s' is not an http(s) "
		    "URL with a host", sf->cfg.central);
		goto out;
	}
	snprintf(sf->host, sizeof(sf->host), "%s", host);
	sf->port = evhttp_uri_get_port(u);
	if (sf->port <= 0)
		sf->port = https ? 443 : 80;
	if (path == NULL)
		path = "";
	plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	snprintf(sf->path, sizeof(sf->path), "%.*s%s", (int)plen, path,
	    SF_PATH_SUFFIX);
	if (https) {
		if ((sf->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(sf->ssl_ctx,
		    TLS1_2_VERSION) != 1 ||
		    SSL_CTX_set_default_verify_paths(sf->ssl_ctx) != 1) {
			snprintf(err, errlen, "trap.central: cannot set up "
			    "TLS");
			goto out;
		}
		SSL_CTX_set_verify(sf->ssl_ctx, SSL_VERIFY_PEER, NULL);
	}
	rc = 0;
out:
	evhttp_uri_free(u);
	return rc;
}

struct sensor_forward *
sensor_forward_new(const struct sensor_forward_config *sc, char *err,
    size_t errlen)
{
	struct sensor_forward *sf;
	int fl;

	if ((sf = calloc(1, sizeof(*sf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(&sf->cfg, sc, sizeof(*sc));
	sf->cfg.store.path = sf->cfg.store_path;
	sf->batch_max = SENSOR_FORWARD_BATCH;
	sf->stop_pipe[0] = sf->stop_pipe[1] = -1;
	if (sf_parse_url(sf, err, errlen) == -1)
		goto fail;
	if ((sf->store = store_open(&sf->cfg.store, STORE_OPEN_CREATE, err,
	    errlen)) == NULL)
		goto fail;
	if (store_forward_get(sf->store, sf->cfg.central, &sf->cursor) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(sf->store));
		goto fail;
	}
	if (pipe(sf->stop_pipe) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		fl = fcntl(sf->stop_pipe[i], F_GETFL);
		(void)fcntl(sf->stop_pipe[i], F_SETFL, fl | O_NONBLOCK);
		(void)fcntl(sf->stop_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	if ((sf->base = event_base_new()) == NULL ||
	    (sf->tick = evtimer_new(sf->base, sf_try, sf)) == NULL ||
	    (sf->stop_ev = event_new(sf->base, sf->stop_pipe[0],
	    EV_READ | EV_PERSIST, sf_on_stop, sf)) == NULL ||
	    event_add(sf->stop_ev, NULL) == -1) {
		snprintf(err, errlen, "cannot set up the event loop");
		goto fail;
	}
	return sf;
fail:
	sensor_forward_free(sf);
	return NULL;
}

static void *
sf_main(void *arg)
{
	struct sensor_forward *sf = arg;

	log_info("sensor: forwarding hits after %" PRId64 " to %s%s",
	    sf->cursor, sf->cfg.central, SF_PATH_SUFFIX);
	sf_schedule(sf, 0);
	if (event_base_dispatch(sf->base) == -1)
		log_warnx("sensor: the event loop failed");
	return NULL;
}

int
sensor_forward_start(struct sensor_forward *sf)
{
	if (sf == NULL || sf->running)
		return 0;
	if (pthread_create(&sf->thread, NULL, sf_main, sf) != 0)
		return -1;
	sf->running = 1;
	return 0;
}

void
sensor_forward_stop(struct sensor_forward *sf)
{
	char b = 's';

	if (sf == NULL || !sf->running)
		return;
	(void)write(sf->stop_pipe[1], &b, 1);
	pthread_join(sf->thread, NULL);
	sf->running = 0;
}

void
sensor_forward_free(struct sensor_forward *sf)
{
	if (sf == NULL)
		return;
	sensor_forward_stop(sf);
	if (sf->con != NULL)
		evhttp_connection_free(sf->con);
	if (sf->tick != NULL)
		event_free(sf->tick);
	if (sf->stop_ev != NULL)
		event_free(sf->stop_ev);
	if (sf->base != NULL)
		event_base_free(sf->base);
	for (int i = 0; i < 2; i++)
		if (sf->stop_pipe[i] != -1)
			close(sf->stop_pipe[i]);
	SSL_CTX_free(sf->ssl_ctx);
	store_close(sf->store);
	free(sf);
}
