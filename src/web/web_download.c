/* web_download.c -- GET /download/ZONE.rbldnsd.gz: the feed for mirrors. */
/* strptime(3) is XSI. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "listio/feed.h"
#include "web/web_download.h"
#include "web/web_internal.h"

#define WEB_DOWNLOAD_SUFFIX	".rbldnsd.gz"
/* RFC 9110 5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT" and its NUL. */
#define WEB_HTTP_DATE_MAX	30

static void
web_http_date(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 GMT");
}

int
web_http_date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int
web_etag_match(const char *list, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = list, *q;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return 0;	/* malformed: not a match */
		if ((q = strchr(p + 1, '"')) == NULL)
			return 0;
		if ((size_t)(q + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return 1;
		p = q + 1;
	}
	return 0;
}

static void
web_download_done(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	feed_blob_release(arg);
}

/*
 * The feed, gzipped, built once per change by feed.c: every request
 * shares the same bytes by reference. Conditional requests get 304
 * (RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only
 * without it).
 */
void
web_download(struct web_req *r)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	char name[WEB_PATH_MAX + 1], date[WEB_HTTP_DATE_MAX];
	struct feed_blob *b;
	const char *inm, *ims;
	int64_t since;
	int fresh = 0;

	if (r->srv->feed == NULL || !r->srv->cfg->feed.http ||
	    snprintf(name, sizeof(name), "%s" WEB_DOWNLOAD_SUFFIX,
	    feed_zone(r->srv->feed)) >= (int)sizeof(name) ||
	    strcasecmp(r->tail, name) != 0) {
		web_page_error(r, 404, "There is no such download.");
		return;
	}
	if ((b = feed_acquire(r->srv->feed)) == NULL) {
		evhttp_add_header(out, "Retry-After", "5");
		web_page_error(r, 503, "The list is being prepared; try again "
		    "in a few seconds.");
		return;
	}
	web_http_date(b->mtime, date, sizeof(date));
	evhttp_add_header(out, "ETag", b->etag);
	evhttp_add_header(out, "Last-Modified", date);
	r->cache = "no-cache";
	if ((inm = evhttp_find_header(in, "If-None-Match")) != NULL)
		fresh = web_etag_match(inm, b->etag);
	else if ((ims = evhttp_find_header(in, "If-Modified-Since")) !=
	    NULL && web_http_date_parse(ims, &since) == 0)
		fresh = b->mtime <= since;
	if (fresh) {
		r->status = 304;
		r->ctype = "application/gzip";
		feed_blob_release(b);
		return;
	}
	r->ctype = "application/gzip";
	if ((r->raw = evbuffer_new()) == NULL ||
	    evbuffer_add_reference(r->raw, b->gz, b->gzlen,
	    web_download_done, b) == -1) {
		if (r->raw != NULL)
			evbuffer_free(r->raw);
		r->raw = NULL;
		feed_blob_release(b);
		web_page_error(r, 503, "Out of memory.");
		return;
	}
	/* The reference now owns b: web_download_done releases it. */
}
