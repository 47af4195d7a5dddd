/* web_server.c -- `backscatter web`: evhttp set-up, routing, limits and replies. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/clock.h"
#include "core/log.h"
#include "web/web_guide.h"
#include "web/web_hits_parse.h"
#include "web/web_html.h"
#include "web/web_internal.h"

/* Request limits; a form of ours is far below WEB_FORM_MAX. */
#define WEB_HEADERS_MAX		8192
#define WEB_RL_SLOTS		65536
#define WEB_GET		(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define WEB_POST	EVHTTP_REQ_POST
#define WEB_DELETE	EVHTTP_REQ_DELETE

enum web_limit {
	WEB_LIMIT_NONE,
	WEB_LIMIT_LOOKUP,	/* lookups_per_minute */
	WEB_LIMIT_REQUEST,	/* requests_per_hour (delisting requests) */
	WEB_LIMIT_ADMIN,	/* needs a token; failures count as lookups */
};

/*
 * The routing table. A path ending in "/" is a prefix: the rest of the
 * path goes to the handler in r->tail. api routes answer errors in
 * JSON; form routes take an application/x-www-form-urlencoded body.
 */
static const struct web_route {
	const char	*name;		/* metrics label */
	int		 methods;
	const char	*path;
	int		 api;
	int		 form;
	enum web_limit	 limit;
	void		(*run)(struct web_req *);
} web_routes[] = {
	{ "home", WEB_GET, "/", 0, 0, WEB_LIMIT_NONE, web_page_home },
	{ "lookup", WEB_GET, "/lookup", 0, 0, WEB_LIMIT_LOOKUP,
	    web_page_lookup },
	{ "delist", WEB_POST, "/delist", 0, 1, WEB_LIMIT_REQUEST,
	    web_page_delist },
	{ "help", WEB_GET, "/help", 0, 0, WEB_LIMIT_NONE,
	    web_page_help_index },
	{ "guide", WEB_GET, "/help/", 0, 0, WEB_LIMIT_NONE, web_page_guide },
	{ "stats", WEB_GET, "/stats", 0, 0, WEB_LIMIT_LOOKUP,
	    web_page_stats },
	{ "selftest", WEB_GET, "/selftest", 0, 0, WEB_LIMIT_NONE,
	    web_page_selftest },
	{ "selftest_start", WEB_POST, "/selftest", 0, 1, WEB_LIMIT_NONE,
	    web_page_selftest_start },
	{ "selftest_status", WEB_GET, "/selftest/", 0, 0, WEB_LIMIT_NONE,
	    web_page_selftest_status },
	{ "css", WEB_GET, "/style.css", 0, 0, WEB_LIMIT_NONE, web_page_css },
	{ "metrics", WEB_GET, "/metrics", 0, 0, WEB_LIMIT_NONE,
	    web_page_metrics },
	{ "api_lookup", WEB_GET, "/api/v1/lookup/", 1, 0, WEB_LIMIT_LOOKUP,
	    web_api_lookup },
	{ "api_stats", WEB_GET, "/api/v1/stats", 1, 0, WEB_LIMIT_LOOKUP,
	    web_api_stats },
	{ "api_listings", WEB_GET, "/api/v1/listings", 1, 0,
	    WEB_LIMIT_LOOKUP, web_api_listings },
	{ "api_delist", WEB_POST, "/api/v1/delist", 1, 1, WEB_LIMIT_REQUEST,
	    web_api_delist },
	{ "api_openapi", WEB_GET, "/api/v1/openapi.json", 1, 0,
	    WEB_LIMIT_NONE, web_api_openapi },
	{ "admin_add", WEB_POST, "/api/v1/admin/listings", 1, 1,
	    WEB_LIMIT_ADMIN, web_api_admin_add },
	{ "admin_del", WEB_DELETE, "/api/v1/admin/listings/", 1, 0,
	    WEB_LIMIT_ADMIN, web_api_admin_del },
	{ "admin_requests", WEB_GET, "/api/v1/admin/delist-requests", 1, 0,
	    WEB_LIMIT_ADMIN, web_api_admin_requests },
	{ "admin_decide", WEB_POST, "/api/v1/admin/delist-requests/", 1, 1,
	    WEB_LIMIT_ADMIN, web_api_admin_decide },
	{ "admin_evidence", WEB_GET, "/api/v1/admin/evidence/", 1, 0,
	    WEB_LIMIT_ADMIN, web_api_admin_evidence },
	{ "download", WEB_GET, "/download/", 0, 0, WEB_LIMIT_NONE,
	    web_download },
	/* Checks its own sensor token (web_hits.c). */
	{ "api_hits", WEB_POST, "/api/v1/hits", 1, 0, WEB_LIMIT_NONE,
	    web_api_hits },
};
#define WEB_NROUTES	(sizeof(web_routes) / sizeof(web_routes[0]))

/* Content-Security-Policy: no scripts at all, nothing from elsewhere. */
#define WEB_CSP \
	"default-src 'none'; style-src 'self'; img-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static int64_t
web_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
web_server_config_listen(struct web_server_config *wc, const char *list,
    char *err, size_t errlen)
{
	char one[128];
	const char *p = list, *end;
	size_t len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != ',';
		    end++)
			;
		len = (size_t)(end - p);
		if (len >= sizeof(one)) {
			snprintf(err, errlen, "listen address too long");
			return -1;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (wc->nlisten == WEB_LISTEN_MAX) {
			snprintf(err, errlen, "more than %d listen addresses",
			    WEB_LISTEN_MAX);
			return -1;
		}
		if (addr_parse_sockaddr(one, &wc->listen[wc->nlisten],
		    &wc->listen_len[wc->nlisten]) == -1) {
			snprintf(err, errlen, "listen '%s': expected "
			    "ADDR:PORT or [V6]:PORT", one);
			return -1;
		}
		wc->nlisten++;
		p = end;
	}
	return 0;
}

/* Splits a space/comma separated list; calls fn on each word. */
static int
web_words(const char *list, int (*fn)(void *, const char *, size_t),
    void *arg)
{
	const char *p = list, *end;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != ',';
		    end++)
			;
		if (fn(arg, p, (size_t)(end - p)) == -1)
			return -1;
		p = end;
	}
	return 0;
}

static int
web_add_domain(void *arg, const char *w, size_t len)
{
	struct web_mask *m = arg;

	if (m->ndomains == WEB_TRAP_DOMAINS_MAX || len >= WEB_FIELD_MAX)
		return -1;
	memcpy(m->domains[m->ndomains], w, len);
	m->domains[m->ndomains++][len] = '\0';
	return 0;
}

static int
web_add_token(void *arg, const char *w, size_t len)
{
	struct web_server_config *wc = arg;

	if (wc->ntokens == WEB_TOKENS_MAX || len < WEB_TOKEN_MIN ||
	    len >= WEB_TOKEN_MAX)
		return -1;
	memcpy(wc->tokens[wc->ntokens], w, len);
	wc->tokens[wc->ntokens++][len] = '\0';
	return 0;
}

static int
web_add_blocked(void *arg, const char *w, size_t len)
{
	struct web_express_policy *pol = arg;

	if (pol->nblocked == WEB_EXPRESS_BLOCKED_MAX ||
	    prefix_parse(w, len, &pol->blocked[pol->nblocked]) == -1)
		return -1;
	pol->nblocked++;
	return 0;
}

/* The [web] and [express] keys (config.c has checked each value). */
static int
web_server_config_web(struct web_server_config *wc, const struct config *cfg,
    char *err, size_t errlen)
{
	if (web_server_config_listen(wc, cfg->web.listen, err, errlen) == -1)
		return -1;
	if (strcmp(cfg->web.help_dir, "auto") != 0) {
		if (snprintf(wc->help_dir, sizeof(wc->help_dir), "%s",
		    cfg->web.help_dir) >= (int)sizeof(wc->help_dir)) {
			snprintf(err, errlen, "web.help_dir too long");
			return -1;
		}
	} else if (web_guide_dir_auto(wc->help_dir,
	    sizeof(wc->help_dir)) == -1)
		snprintf(wc->help_dir, sizeof(wc->help_dir),
		    "/usr/local/share/backscatter/help");
	if (strcmp(cfg->web.admin_tokens, "none") != 0 &&
	    web_words(cfg->web.admin_tokens, web_add_token, wc) == -1) {
		snprintf(err, errlen, "web.admin_tokens: at most %d tokens of "
		    "%d to %d characters", WEB_TOKENS_MAX, WEB_TOKEN_MIN,
		    WEB_TOKEN_MAX - 1);
		return -1;
	}
	wc->lookups_per_minute = (unsigned int)cfg->web.lookups_per_minute;
	wc->requests_per_hour = (unsigned int)cfg->web.requests_per_hour;
	wc->timeout = cfg->web.timeout;
	wc->express.enabled = cfg->express.enabled;
	wc->express.quiet_period = cfg->express.quiet_period;
	wc->express.max_delistings = cfg->express.max_delistings;
	wc->express.auto_approve = cfg->express.auto_approve;
	if (strcmp(cfg->express.blocked, "none") != 0 &&
	    web_words(cfg->express.blocked, web_add_blocked,
	    &wc->express) == -1) {
		snprintf(err, errlen, "express.blocked: bad or too many "
		    "prefixes");
		return -1;
	}
	return 0;
}

/*
 * The [probe] keys /selftest uses. A set-up without a trap domain can
 * still serve everything else: the form then says it is not configured.
 */
static void
web_server_config_selftest(struct web_selftest_config *sc,
    const struct config *cfg)
{
	sc->enabled = cfg->probe.web;
	sc->interval = cfg->probe.interval;
	sc->per_hour = (unsigned int)cfg->probe.per_hour;
	sc->allow_special = cfg->probe.allow_special;
	sc->ready = probe_config_init(&sc->probe, cfg, "", sc->why,
	    sizeof(sc->why)) == 0;
}

int
web_server_config_init(struct web_server_config *wc, const struct config *cfg,
    char *err, size_t errlen)
{
	memset(wc, 0, sizeof(*wc));
	if (snprintf(wc->store_path, sizeof(wc->store_path), "%s",
	    cfg->store.path) >= (int)sizeof(wc->store_path)) {
		snprintf(err, errlen, "store.path too long");
		return -1;
	}
	store_config_from(&wc->store, cfg, wc->store_path);
	wc->listing_ttl = cfg->listing.ttl;
	snprintf(wc->zone, sizeof(wc->zone), "%s", cfg->dns.zone);
	if (cfg->trap.domains != NULL &&
	    web_words(cfg->trap.domains, web_add_domain, &wc->mask) == -1) {
		snprintf(err, errlen, "trap.domains: too many or too long");
		return -1;
	}
	web_server_config_selftest(&wc->selftest, cfg);
	if (feed_config_init(&wc->feed, cfg, err, errlen) == -1 ||
	    web_hits_config(wc, cfg, err, errlen) == -1)
		return -1;
	return web_server_config_web(wc, cfg, err, errlen);
}

static void
web_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct web_server *srv = arg;
	char buf[16];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	event_base_loopbreak(srv->base);
}

void
web_server_stop(struct web_server *srv)
{
	int saved = errno;
	char b = 's';

	if (srv != NULL)
		(void)write(srv->stop_pipe[1], &b, 1);
	errno = saved;
}

/* The client as an address (IPv4 v4-mapped), from the connection. */
static void
web_client(struct evhttp_request *req, struct addr *out, char *text,
    size_t size)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	const struct sockaddr *sa = con ? evhttp_connection_get_addr(con) :
	    NULL;

	memset(out, 0, sizeof(*out));
	if (sa != NULL && sa->sa_family == AF_INET)
		addr_from_v4(out, (const uint8_t *)&((const struct
		    sockaddr_in *)(const void *)sa)->sin_addr);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, 16);
	if (addr_format(out, text, size) == -1)
		snprintf(text, size, "?");
}

void
web_req_reset(struct web_req *r)
{
	/* The reply is sent up to ftell(), so rewinding discards it. */
	(void)fflush(r->out);
	(void)fseek(r->out, 0, SEEK_SET);
}

static int
web_token_ok(const struct web_server *srv, const char *token)
{
	size_t len = strlen(token);
	int ok = 0;

	/* Look at every token, in constant time per token. */
	for (size_t i = 0; i < srv->cfg->ntokens; i++)
		if (strlen(srv->cfg->tokens[i]) == len &&
		    CRYPTO_memcmp(srv->cfg->tokens[i], token, len) == 0)
			ok = 1;
	return ok;
}

/* Refuses with 429 and Retry-After; the route decides the format. */
static void
web_too_many(struct web_req *r, const struct web_route *rt, int64_t retry_ms)
{
	char secs[24];

	snprintf(secs, sizeof(secs), "%lld",
	    (long long)retry_ms / 1000 + 1);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Retry-After", secs);
	r->srv->metrics.rate_limited++;
	if (rt->api)
		web_api_error(r, 429, "rate_limited", "Too many requests "
		    "from your address; try again later.");
	else
		web_page_error(r, 429, "Too many requests from your address; "
		    "try again in a little while.");
}

static void
web_error(struct web_req *r, int api, int status, const char *code,
    const char *msg)
{
	if (api)
		web_api_error(r, status, code, msg);
	else
		web_page_error(r, status, msg);
}

/*
 * Checks what the route demands before its handler runs: the admin
 * token, the client's rate, the form body. 0 go on, -1 answered.
 */
static int
web_check(struct web_req *r, const struct web_route *rt)
{
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(r->req);
	struct evbuffer *in;
	const char *auth, *ctype, *err = NULL;
	char token[WEB_TOKEN_MAX], body[WEB_FORM_MAX];
	int64_t retry;
	size_t len;

	if ((auth = evhttp_find_header(hdrs, "Authorization")) != NULL &&
	    web_parse_bearer(auth, strlen(auth), token, sizeof(token)) == 0 &&
	    web_token_ok(r->srv, token))
		r->admin = 1;
	if (rt->limit == WEB_LIMIT_ADMIN && !r->admin) {
		r->srv->metrics.auth_refused++;
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "WWW-Authenticate", auth == NULL ?
		    "Bearer realm=\"backscatter\"" :
		    "Bearer realm=\"backscatter\", error=\"invalid_token\"");
		/* Guessing tokens costs lookups. */
		(void)web_ratelimit_take(r->srv->rl_lookup, &r->client,
		    clock_mono_ms(), NULL);
		web_api_error(r, 401, "unauthorized", auth == NULL ?
		    "This endpoint needs an admin bearer token." :
		    "The bearer token is not valid.");
		return -1;
	}
	if (!r->admin && rt->limit == WEB_LIMIT_LOOKUP &&
	    !web_ratelimit_take(r->srv->rl_lookup, &r->client, clock_mono_ms(),
	    &retry)) {
		web_too_many(r, rt, retry);
		return -1;
	}
	if (!r->admin && rt->limit == WEB_LIMIT_REQUEST &&
	    !web_ratelimit_take(r->srv->rl_request, &r->client, clock_mono_ms(),
	    &retry)) {
		web_too_many(r, rt, retry);
		return -1;
	}
	if (!rt->form)
		return 0;
	ctype = evhttp_find_header(hdrs, "Content-Type");
	if (ctype == NULL || strncasecmp(ctype,
	    "application/x-www-form-urlencoded", 33) != 0 ||
	    (ctype[33] != '\0' && ctype[33] != ';')) {
		web_error(r, rt->api, 415, "unsupported_media_type",
		    "Send the form as application/x-www-form-urlencoded.");
		return -1;
	}
	in = evhttp_request_get_input_buffer(r->req);
	len = evbuffer_get_length(in);
	if (len > sizeof(body)) {
		web_error(r, rt->api, 413, "too_large", "The form is too "
		    "large.");
		return -1;
	}
	if (evbuffer_copyout(in, body, len) != (ev_ssize_t)len ||
	    web_parse_form(body, len, &r->form, &err) == -1) {
		web_error(r, rt->api, 400, "bad_form", err ? err :
		    "The form could not be read.");
		return -1;
	}
	return 0;
}

static const struct web_route *
web_route_find(const char *path, int method, int *wrong_method,
    char *tail, size_t size)
{
	const struct web_route *rt, *path_match = NULL;
	size_t plen;
	int m;

	*wrong_method = 0;
	for (size_t i = 0; i < WEB_NROUTES; i++) {
		rt = &web_routes[i];
		plen = strlen(rt->path);
		if (rt->path[plen - 1] == '/' && plen > 1)
			m = web_path_tail(path, rt->path, tail, size) == 1;
		else
			m = strcmp(path, rt->path) == 0;
		if (!m)
			continue;
		if (rt->methods & method)
			return rt;
		path_match = rt;
	}
	if (path_match != NULL)
		*wrong_method = 1;
	return NULL;
}

static const char *
web_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}

/*
 * Every request comes through here: parse the target, find the route,
 * check it, run the handler into a memory stream, then send it with
 * the headers every answer carries. Nothing a client sends reaches a
 * log unescaped, and no error answer says more than one sentence.
 */
static void
web_dispatch(struct evhttp_request *req, void *arg)
{
	struct web_server *srv = arg;
	struct web_req *r;
	const struct web_route *rt = NULL;
	struct evkeyvalq *out;
	struct evbuffer *body;
	const char *target, *query, *err = NULL;
	char *buf = NULL;
	size_t qlen, len = 0;
	int64_t t0 = web_now_us();
	int wrong, route = -1, api;
	long pos;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->out = open_memstream(&buf, &len)) == NULL) {
		free(r);
		evhttp_send_error(req, 503, "Out of memory");
		return;
	}
	r->srv = srv;
	r->req = req;
	r->method = (int)evhttp_request_get_command(req);
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	r->now = (int64_t)time(NULL);
	web_client(req, &r->client, r->client_text, sizeof(r->client_text));
	target = evhttp_request_get_uri(req);
	api = target != NULL && strncmp(target, "/api/", 5) == 0;

	if (target == NULL || web_parse_target(target, strlen(target),
	    r->path, sizeof(r->path), &query, &qlen, &err) == -1)
		web_error(r, api, 400, "bad_request", "That address is not a "
		    "page here.");
	else if (web_parse_form(query, qlen, &r->query, &err) == -1)
		web_error(r, api, 400, "bad_query", err);
	else if ((rt = web_route_find(r->path, r->method, &wrong, r->tail,
	    sizeof(r->tail))) == NULL) {
		if (wrong)
			web_error(r, api, 405, "method_not_allowed",
			    "That method is not allowed here.");
		else
			web_error(r, api, 404, "not_found", "There is no such "
			    "page.");
	} else {
		route = web_metrics_route(&srv->metrics, rt->name);
		if (web_check(r, rt) == 0)
			rt->run(r);
	}

	(void)fflush(r->out);
	pos = ftell(r->out);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Content-Type", r->ctype);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Content-Security-Policy", WEB_CSP);
	evhttp_add_header(out, "Cache-Control", r->cache != NULL ? r->cache :
	    r->cacheable ? "public, max-age=3600" : "no-store");
	if (r->raw != NULL)
		body = r->raw;		/* shared bytes: web_download.c */
	else if ((body = evbuffer_new()) != NULL && pos > 0)
		evbuffer_add(body, buf, (size_t)pos);
	evhttp_send_reply(req, r->status, web_reason(r->status), body);
	if (body != NULL)
		evbuffer_free(body);
	if (route < 0)
		route = web_metrics_route(&srv->metrics, "other");
	web_metrics_observe(&srv->metrics, route, r->status,
	    web_now_us() - t0);
	log_debug("web client=%s status=%d route=%s", r->client_text,
	    r->status, rt ? rt->name : "-");
	fclose(r->out);
	free(buf);
	free(r);
}

struct web_server *
web_server_new(const struct web_server_config *wc, char *err, size_t errlen)
{
	struct web_server *srv;
	char host[ADDR_STRLEN + 2];
	uint16_t port;
	int fl;

	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    (srv->cfg = malloc(sizeof(*srv->cfg))) == NULL) {
		free(srv);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(srv->cfg, wc, sizeof(*wc));
	srv->cfg->store.path = srv->cfg->store_path;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	if (RAND_bytes(srv->csrf_key, sizeof(srv->csrf_key)) != 1) {
		snprintf(err, errlen, "no randomness for the CSRF key");
		goto fail;
	}
	if ((srv->store = store_open(&srv->cfg->store, STORE_OPEN_CREATE,
	    err, errlen)) == NULL)
		goto fail;
	if ((srv->rl_lookup = web_ratelimit_new(WEB_RL_SLOTS,
	    wc->lookups_per_minute, 60000)) == NULL ||
	    (srv->rl_request = web_ratelimit_new(WEB_RL_SLOTS,
	    wc->requests_per_hour, 3600000)) == NULL) {
		snprintf(err, errlen, "out of memory for rate limits");
		goto fail;
	}
	if (feed_config_enabled(&wc->feed) && (srv->feed = feed_new(
	    &srv->cfg->feed, err, errlen)) == NULL)
		goto fail;
	if (wc->selftest.enabled && (srv->selftest = web_selftest_new(
	    &wc->selftest, &srv->cfg->store)) == NULL) {
		snprintf(err, errlen, "out of memory for the self-test");
		goto fail;
	}
	if (pipe(srv->stop_pipe) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		fl = fcntl(srv->stop_pipe[i], F_GETFL);
		(void)fcntl(srv->stop_pipe[i], F_SETFL, fl | O_NONBLOCK);
		(void)fcntl(srv->stop_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	if ((srv->base = event_base_new()) == NULL ||
	    (srv->http = evhttp_new(srv->base)) == NULL ||
	    (srv->stop_ev = event_new(srv->base, srv->stop_pipe[0],
	    EV_READ | EV_PERSIST, web_on_stop, srv)) == NULL ||
	    event_add(srv->stop_ev, NULL) == -1) {
		snprintf(err, errlen, "cannot set up the event loop");
		goto fail;
	}
	/* Sensor uploads are the biggest bodies; forms check their own. */
	evhttp_set_max_body_size(srv->http, WEB_HITS_BODY_MAX);
	evhttp_set_max_headers_size(srv->http, WEB_HEADERS_MAX);
	evhttp_set_timeout(srv->http, (int)wc->timeout);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(srv->http, "text/plain");
	evhttp_set_gencb(srv->http, web_dispatch, srv);
	for (size_t i = 0; i < WEB_NROUTES; i++)
		(void)web_metrics_route(&srv->metrics, web_routes[i].name);
	(void)web_metrics_route(&srv->metrics, "other");

	for (size_t i = 0; i < wc->nlisten; i++) {
		const struct sockaddr *sa =
		    (const struct sockaddr *)&wc->listen[i];

		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)sa;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			port = ntohs(s4->sin_port);
		} else {
			const struct sockaddr_in6 *s6 = (const void *)sa;

			inet_ntop(AF_INET6, &s6->sin6_addr, host,
			    sizeof(host));
			port = ntohs(s6->sin6_port);
		}
		if (evhttp_bind_socket_with_handle(srv->http, host,
		    port) == NULL) {
			snprintf(err, errlen, "listen %s%s%s:%u: %s",
			    sa->sa_family == AF_INET6 ? "[" : "", host,
			    sa->sa_family == AF_INET6 ? "]" : "", port,
			    strerror(errno));
			goto fail;
		}
	}
	return srv;
fail:
	web_server_free(srv);
	return NULL;
}

int
web_server_run(struct web_server *srv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	log_info("web serving store=%s", srv->cfg->store_path);
	if (feed_start(srv->feed) == -1)
		log_warnx("web: cannot start the feed's thread");
	if (event_base_dispatch(srv->base) == -1) {
		feed_stop(srv->feed);
		return -1;
	}
	feed_stop(srv->feed);
	log_info("web stopped");
	return 0;
}

void
web_server_free(struct web_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->http != NULL)
		evhttp_free(srv->http);
	if (srv->stop_ev != NULL)
		event_free(srv->stop_ev);
	if (srv->base != NULL)
		event_base_free(srv->base);
	for (int i = 0; i < 2; i++)
		if (srv->stop_pipe[i] != -1)
			close(srv->stop_pipe[i]);
	web_ratelimit_free(srv->rl_lookup);
	web_ratelimit_free(srv->rl_request);
	web_selftest_free(srv->selftest);
	feed_free(srv->feed);
	store_close(srv->store);
	free(srv->stats_html);
	free(srv->cfg);
	free(srv);
}
