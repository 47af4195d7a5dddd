/* web_hits.c -- POST /api/v1/hits: remote sensors report their hits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "core/json.h"
#include "core/log.h"
#include "web/web_hits_parse.h"
#include "web/web_internal.h"

/*
 * Sensors get tokens of their own rather than admin tokens: a sensor
 * host sits in someone's network to receive junk mail, and if it is
 * taken over, its token can only add evidence under its own name, never
 * delist or approve anything. The name recorded with each hit is the
 * token's, so one sensor cannot pose as another; a "sensor" key in the
 * body is ignored.
 */
static int
web_hits_add(struct web_server_config *wc, const char *w, size_t len)
{
	const char *colon = memchr(w, ':', len);
	size_t nlen, tlen;

	if (colon == NULL || wc->nsensors == WEB_TOKENS_MAX)
		return -1;
	nlen = (size_t)(colon - w);
	tlen = len - nlen - 1;
	if (nlen == 0 || nlen > CONFIG_SENSOR_LEN || tlen < WEB_TOKEN_MIN ||
	    tlen >= WEB_TOKEN_MAX)
		return -1;
	memcpy(wc->sensor_names[wc->nsensors], w, nlen);
	wc->sensor_names[wc->nsensors][nlen] = '\0';
	memcpy(wc->sensor_tokens[wc->nsensors], colon + 1, tlen);
	wc->sensor_tokens[wc->nsensors][tlen] = '\0';
	wc->nsensors++;
	return 0;
}

int
web_hits_config(struct web_server_config *wc, const struct config *cfg,
    char *err, size_t errlen)
{
	const char *p = cfg->web.sensor_tokens, *end;

	wc->nsensors = 0;
	if (strcmp(p, "none") == 0)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != ',' &&
		    *end != '\t'; end++)
			;
		if (web_hits_add(wc, p, (size_t)(end - p)) == -1) {
			snprintf(err, errlen, "web.sensor_tokens: at most %d "
			    "NAME:TOKEN pairs, tokens of %d to %d characters",
			    WEB_TOKENS_MAX, WEB_TOKEN_MIN, WEB_TOKEN_MAX - 1);
			return -1;
		}
		p = end;
	}
	return 0;
}

/* The sensor a bearer token belongs to, or NULL; constant time per token. */
static const char *
web_hits_sensor(const struct web_server_config *wc, const char *token)
{
	const char *name = NULL;
	size_t len = strlen(token);

	for (size_t i = 0; i < wc->nsensors; i++)
		if (strlen(wc->sensor_tokens[i]) == len &&
		    CRYPTO_memcmp(wc->sensor_tokens[i], token, len) == 0)
			name = wc->sensor_names[i];
	return name;
}

static void
web_hits_refuse(struct web_req *r, int had_auth)
{
	struct timespec ts;

	r->srv->metrics.auth_refused++;
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "WWW-Authenticate", had_auth ?
	    "Bearer realm=\"backscatter\", error=\"invalid_token\"" :
	    "Bearer realm=\"backscatter\"");
	/* Guessing tokens costs lookups, as for the admin API. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)web_ratelimit_take(r->srv->rl_lookup, &r->client,
	    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, NULL);
	web_api_error(r, 401, "unauthorized", had_auth ?
	    "The sensor token is not valid." :
	    "This endpoint needs a sensor bearer token.");
}

/*
 * One upload: authenticate, parse and check every hit, then record
 * them in one transaction. Hits whose uid the store already has are
 * acknowledged but not counted again, so a sensor that never saw our
 * reply can send the same batch again safely. 200 with the counts;
 * 4xx for what the sensor must fix, 503 when the store fails (the
 * sensor retries later).
 */
void
web_api_hits(struct web_req *r)
{
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(r->req);
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	char token[WEB_TOKEN_MAX], err[256];
	const char *auth, *ctype, *sensor = NULL;
	struct web_hits wh;
	struct json w;
	unsigned char *body;
	size_t len, ndup = 0;

	if ((auth = evhttp_find_header(hdrs, "Authorization")) == NULL ||
	    web_parse_bearer(auth, strlen(auth), token, sizeof(token)) == -1 ||
	    (sensor = web_hits_sensor(r->srv->cfg, token)) == NULL) {
		web_hits_refuse(r, auth != NULL);
		return;
	}
	ctype = evhttp_find_header(hdrs, "Content-Type");
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';')) {
		web_api_error(r, 415, "unsupported_media_type",
		    "Send the hits as application/json.");
		return;
	}
	len = evbuffer_get_length(in);
	if (len > WEB_HITS_BODY_MAX) {
		web_api_error(r, 413, "too_large", "The body is too large.");
		return;
	}
	if ((body = evbuffer_pullup(in, (ev_ssize_t)len)) == NULL && len > 0) {
		web_api_error(r, 503, "no_memory", "Out of memory.");
		return;
	}
	if (web_hits_parse((const char *)body, len, r->now, &wh, err,
	    sizeof(err)) == -1) {
		log_info("web hits client=%s sensor=%s refused: %s",
		    r->client_text, sensor, err);
		web_api_error(r, 400, "bad_hits", err);
		return;
	}
	for (size_t i = 0; i < wh.n; i++)
		wh.hits[i].sensor = sensor;
	if (store_ingest_hits(r->srv->store, wh.hits, wh.n, NULL, NULL,
	    &ndup) == -1) {
		log_warnx("web hits sensor=%s: %s", sensor,
		    store_errmsg(r->srv->store));
		web_hits_free(&wh);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", "5");
		web_api_error(r, 503, "store_error", "The store is busy; "
		    "send the batch again later.");
		return;
	}
	log_debug("web hits client=%s sensor=%s hits=%zu duplicates=%zu",
	    r->client_text, sensor, wh.n, ndup);
	r->status = 200;
	r->ctype = "application/json";
	json_init(&w, r->out);
	json_obj_begin(&w);
	json_key_int(&w, "received", (int64_t)wh.n);
	json_key_int(&w, "accepted", (int64_t)(wh.n - ndup));
	json_key_int(&w, "duplicates", (int64_t)ndup);
	json_key_str(&w, "sensor", sensor);
	json_obj_end(&w);
	(void)json_finish(&w);
	web_hits_free(&wh);
}
