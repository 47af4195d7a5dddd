/* web_internal.h -- the request context the server hands its page and API handlers. */
#ifndef BACKSCATTER_WEB_INTERNAL_H
#define BACKSCATTER_WEB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/http.h>

#include "core/addr.h"
#include "store/store.h"
#include "web/web_csrf.h"
#include "web/web_metrics.h"
#include "web/web_parse.h"
#include "web/web_ratelimit.h"
#include "web/web_selftest.h"
#include "web/web_server.h"

struct web_server {
	struct web_server_config *cfg;
	struct event_base	*base;
	struct evhttp		*http;
	struct store		*store;
	struct web_ratelimit	*rl_lookup;
	struct web_ratelimit	*rl_request;
	struct web_metrics	 metrics;
	uint8_t			 csrf_key[WEB_CSRF_KEY_LEN];
	int			 stop_pipe[2];
	struct event		*stop_ev;
	/* The statistics page is costly: built at most once a minute. */
	char			*stats_html;
	size_t			 stats_len;
	int64_t			 stats_at;
	/* The self-test's probes (NULL when probe.web is off). */
	struct web_selftest	*selftest;
	/* The rbldnsd feed (NULL when [feed] asks for none). */
	struct feed		*feed;
};

/*
 * One request while its handler runs. The handler writes the body to
 * out and sets status (200 unless told) and ctype; the server sends
 * it with the security headers and counts it.
 */
struct web_req {
	struct web_server	*srv;
	struct evhttp_request	*req;
	int			 method;	/* EVHTTP_REQ_* */
	char			 path[WEB_PATH_MAX + 1];
	char			 tail[WEB_PATH_MAX + 1];
	struct web_params	 query;
	struct web_params	 form;
	struct addr		 client;
	char			 client_text[ADDR_STRLEN];
	int64_t			 now;
	int			 admin;		/* a valid bearer token came */
	FILE			*out;
	int			 status;
	const char		*ctype;
	int			 cacheable;	/* static: may be cached */
	const char		*cache;		/* Cache-Control, if not NULL */
	struct evbuffer		*raw;		/* the body instead of out */
};

/* Pages (web_pages.c). */
void	 web_page_home(struct web_req *);
void	 web_page_lookup(struct web_req *);
void	 web_page_delist(struct web_req *);
void	 web_page_help_index(struct web_req *);
void	 web_page_guide(struct web_req *);
void	 web_page_stats(struct web_req *);
void	 web_page_css(struct web_req *);
void	 web_page_metrics(struct web_req *);
/* The self-test (web_selftest.c): form, start, progress and verdict. */
void	 web_page_selftest(struct web_req *);
void	 web_page_selftest_start(struct web_req *);
void	 web_page_selftest_status(struct web_req *);
/* An error page with status and a sentence (escaped). */
void	 web_page_error(struct web_req *, int status, const char *msg);

/* The JSON API (web_api.c). */
void	 web_api_lookup(struct web_req *);
void	 web_api_stats(struct web_req *);
void	 web_api_listings(struct web_req *);
void	 web_api_delist(struct web_req *);
void	 web_api_openapi(struct web_req *);
void	 web_api_admin_add(struct web_req *);
void	 web_api_admin_del(struct web_req *);
void	 web_api_admin_requests(struct web_req *);
void	 web_api_admin_decide(struct web_req *);
void	 web_api_admin_evidence(struct web_req *);
/* {"error":{"status":N,"code":"...","message":"..."}} */
void	 web_api_error(struct web_req *, int status, const char *code,
	    const char *msg);

/*
 * Files an express delisting request for addr after checking the
 * rules again (web_pages.c and web_api.c both call it). 1 filed (*id,
 * *approved set), 0 not eligible (*verdict set), -1 store error.
 */
int	 web_delist_file(struct web_req *, const struct addr *,
	    const char *contact, const char *reason, int64_t *id,
	    int *approved, enum web_express_verdict *verdict);

/* The rbldnsd feed download (web_download.c). */
void	 web_download(struct web_req *);
/* A remote sensor's upload, POST /api/v1/hits (web_hits.c). */
void	 web_api_hits(struct web_req *);

/* Discards what the handler wrote so far (to write an error instead). */
void	 web_req_reset(struct web_req *);

#endif
