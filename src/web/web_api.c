/* web_api.c -- the JSON API: lookup, stats, listings, delisting, admin. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "web/web_internal.h"
#include "web/web_lookup.h"

#define WEB_PAGE_DEFAULT	100
#define WEB_PAGE_MAX		1000
#define WEB_ADMIN_HITS_MAX	100
#define WEB_ADMIN_REQUESTS_MAX	1000

static void
web_api_begin(struct web_req *r, int status, struct json *w)
{
	r->status = status;
	r->ctype = "application/json";
	json_init(w, r->out);
}

void
web_api_error(struct web_req *r, int status, const char *code,
    const char *msg)
{
	struct json w;

	web_req_reset(r);
	web_api_begin(r, status, &w);
	json_obj_begin(&w);
	json_key(&w, "error");
	json_obj_begin(&w);
	json_key_int(&w, "status", status);
	json_key_str(&w, "code", code);
	json_key_str(&w, "message", msg);
	json_obj_end(&w);
	json_obj_end(&w);
	(void)json_finish(&w);
}

static void
web_json_classes(struct json *w, unsigned int mask)
{
	json_arr_begin(w);
	for (unsigned int c = 0; c < HIT_NCLASSES; c++)
		if (mask & HIT_CLASS_BIT(c))
			json_str(w, hitclass_name((enum hit_class)c));
	json_arr_end(w);
}

static void
web_json_listing(struct json *w, const struct listing *l, int64_t now)
{
	char pfx[PREFIX_STRLEN];

	prefix_format(&l->prefix, pfx, sizeof(pfx));
	json_obj_begin(w);
	json_key_str(w, "prefix", pfx);
	json_key_str(w, "state", store_state_name(l->state));
	json_key_time(w, "listed_since", l->listed_since);
	json_key_time(w, "first_seen", l->first_seen);
	json_key_time(w, "last_seen", l->last_seen);
	json_key_time(w, "expires", l->expires);
	json_key(w, "expires_in");
	if (l->state == LISTING_LISTED && l->expires != STORE_NEVER)
		json_int(w, l->expires - now);
	else
		json_null_value(w);
	json_key_int(w, "hits", l->hits);
	json_key(w, "classes");
	web_json_classes(w, l->classes);
	json_key_int(w, "times_listed", l->times_listed);
	json_key_time(w, "delisted_at", l->delisted_at);
	json_key_str(w, "delist_how", l->delist_how[0] ? l->delist_how :
	    NULL);
	json_obj_end(w);
}

/* Empty strings read as null: "no HELO" rather than a blank one. */
static void
web_json_opt(struct json *w, const char *key, const char *v)
{
	json_key_str(w, key, v != NULL && v[0] != '\0' ? v : NULL);
}

static void
web_json_lookup(struct json *w, const struct web_lookup *lk, int64_t now)
{
	char path[64];

	json_obj_begin(w);
	json_key_str(w, "ip", lk->ip);
	json_key_bool(w, "listed", lk->listed);
	json_key(w, "listing");
	if (lk->listed)
		web_json_listing(w, &lk->active, now);
	else
		json_null_value(w);
	json_key(w, "record");
	if (lk->has_host)
		web_json_listing(w, &lk->host, now);
	else
		json_null_value(w);
	json_key_bool(w, "excluded", lk->excluded);
	json_key_str(w, "special", lk->special);
	json_key(w, "classes_explained");
	json_arr_begin(w);
	for (unsigned int c = 0; c < HIT_NCLASSES; c++) {
		unsigned int mask = lk->listed ? lk->active.classes :
		    lk->has_host ? lk->host.classes : 0;

		if ((mask & HIT_CLASS_BIT(c)) == 0)
			continue;
		json_obj_begin(w);
		json_key_str(w, "class", hitclass_name((enum hit_class)c));
		json_key_str(w, "meaning", web_class_explain(
		    (enum hit_class)c));
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "evidence");
	json_arr_begin(w);
	for (size_t i = 0; i < lk->nev; i++) {
		const struct web_evidence *e = &lk->ev[i];

		json_obj_begin(w);
		json_key_time(w, "time", e->t);
		json_key_str(w, "class", hitclass_name(e->class));
		web_json_opt(w, "subclass", e->subclass);
		web_json_opt(w, "helo", e->helo);
		json_key_str(w, "mail_from", e->mail_from);
		web_json_opt(w, "recipient_domain", e->rcpt_domain);
		web_json_opt(w, "dsn_status", e->status);
		web_json_opt(w, "reporting_mta", e->reporting_mta);
		web_json_opt(w, "diagnostic", e->diagnostic);
		web_json_opt(w, "subject", e->subject);
		web_json_opt(w, "mta", e->mta);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "history");
	json_arr_begin(w);
	for (size_t i = 0; i < lk->nhist; i++) {
		json_obj_begin(w);
		json_key_time(w, "time", lk->hist[i].t);
		json_key_str(w, "event", lk->hist[i].event);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "express");
	json_obj_begin(w);
	json_key_bool(w, "eligible", lk->verdict == WEB_EXPRESS_ELIGIBLE);
	json_key_str(w, "code", web_express_code(lk->verdict));
	json_key_str(w, "explanation", web_express_explain(lk->verdict));
	json_key_time(w, "retry_at", lk->retry_at);
	json_key(w, "pending_request");
	if (lk->pending)
		json_int(w, lk->req.id);
	else
		json_null_value(w);
	json_obj_end(w);
	snprintf(path, sizeof(path), "/help/%s", lk->guide ? lk->guide->name :
	    "");
	json_key_str(w, "guide", lk->guide ? path : "/help");
	json_obj_end(w);
}

/* The address in r->tail, or a 400 answered. 0 / -1. */
static int
web_api_tail_addr(struct web_req *r, struct addr *a)
{
	if (addr_parse(r->tail, strlen(r->tail), a) == 0)
		return 0;
	web_api_error(r, 400, "bad_address", "Expected an IPv4 or IPv6 "
	    "address.");
	return -1;
}

static void
web_api_busy(struct web_req *r, const char *what)
{
	log_warnx("web %s: %s", what, store_errmsg(r->srv->store));
	web_api_error(r, 503, "store_busy", "The list is busy; try again.");
}

void
web_api_lookup(struct web_req *r)
{
	struct web_lookup *lk;
	struct addr a;
	struct json w;

	if (web_api_tail_addr(r, &a) == -1)
		return;
	if ((lk = malloc(sizeof(*lk))) == NULL) {
		web_api_error(r, 503, "out_of_memory", "Try again.");
		return;
	}
	if (web_lookup_gather(r->srv->store, &r->srv->cfg->express,
	    &r->srv->cfg->mask, &a, r->now, lk) == -1) {
		free(lk);
		web_api_busy(r, "lookup");
		return;
	}
	web_api_begin(r, 200, &w);
	web_json_lookup(&w, lk, r->now);
	(void)json_finish(&w);
	free(lk);
}

void
web_api_stats(struct web_req *r)
{
	struct store_stats st;
	struct json w;

	if (store_stats(r->srv->store, r->now, &st) == -1) {
		web_api_busy(r, "stats");
		return;
	}
	web_api_begin(r, 200, &w);
	json_obj_begin(&w);
	json_key_int(&w, "listed", st.listed);
	json_key(&w, "listed_by_class");
	json_obj_begin(&w);
	for (int c = 0; c < HIT_NCLASSES; c++)
		json_key_int(&w, hitclass_name((enum hit_class)c),
		    st.listed_by_class[c]);
	json_obj_end(&w);
	json_key(&w, "by_state");
	json_obj_begin(&w);
	for (int s = 0; s < LISTING_NSTATES; s++)
		json_key_int(&w, store_state_name((enum listing_state)s),
		    st.by_state[s]);
	json_obj_end(&w);
	json_key_int(&w, "hits", st.hits);
	json_key_int(&w, "hits_24h", st.hits_24h);
	json_key(&w, "hits_by_class");
	json_obj_begin(&w);
	for (int c = 0; c < HIT_NCLASSES; c++)
		json_key_int(&w, hitclass_name((enum hit_class)c),
		    st.hits_by_class[c]);
	json_obj_end(&w);
	json_key_int(&w, "serial", (int64_t)st.serial);
	json_obj_end(&w);
	(void)json_finish(&w);
}

struct web_page_ctx {
	struct json	*w;
	int64_t		 now;
	struct prefix	 last;
	size_t		 n;
};

static int
web_page_row(void *arg, const struct listing *l)
{
	struct web_page_ctx *c = arg;

	web_json_listing(c->w, l, c->now);
	c->last = l->prefix;
	c->n++;
	return 0;
}

void
web_api_listings(struct web_req *r)
{
	const char *since_s = web_param_get(&r->query, "since");
	const char *cursor_s = web_param_get(&r->query, "cursor");
	const char *limit_s = web_param_get(&r->query, "limit");
	struct web_page_ctx c;
	struct prefix after;
	struct json w;
	unsigned int limit = WEB_PAGE_DEFAULT;
	int64_t since = 0;
	char next[WEB_CURSOR_LEN + 1];

	if (since_s != NULL && timestamp_parse(since_s, &since) == -1) {
		web_api_error(r, 400, "bad_since", "since: expected "
		    "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @EPOCH.");
		return;
	}
	if (cursor_s != NULL && web_cursor_parse(cursor_s, strlen(cursor_s),
	    &after) == -1) {
		web_api_error(r, 400, "bad_cursor", "cursor: use the "
		    "next_cursor of the previous page.");
		return;
	}
	if (limit_s != NULL && web_parse_uint(limit_s, WEB_PAGE_MAX,
	    &limit) == -1) {
		web_api_error(r, 400, "bad_limit", "limit: 1 to 1000.");
		return;
	}
	web_api_begin(r, 200, &w);
	memset(&c, 0, sizeof(c));
	c.w = &w;
	c.now = r->now;
	json_obj_begin(&w);
	json_key(&w, "listings");
	json_arr_begin(&w);
	if (store_listings_page(r->srv->store, r->now, since,
	    cursor_s ? &after : NULL, limit, web_page_row, &c) == -1) {
		web_api_busy(r, "listings");
		return;
	}
	json_arr_end(&w);
	json_key(&w, "next_cursor");
	/* A full page may have a successor; a short one is the last. */
	if (c.n == limit && web_cursor_format(&c.last, next,
	    sizeof(next)) == 0)
		json_str(&w, next);
	else
		json_null_value(&w);
	json_obj_end(&w);
	(void)json_finish(&w);
}

void
web_api_delist(struct web_req *r)
{
	const char *ip = web_param_get(&r->form, "ip");
	enum web_express_verdict v;
	struct addr a;
	struct json w;
	int64_t id;
	int approved, rc;

	if (ip == NULL || addr_parse(ip, strlen(ip), &a) == -1) {
		web_api_error(r, 400, "bad_address", "ip: expected an IPv4 "
		    "or IPv6 address.");
		return;
	}
	rc = web_delist_file(r, &a, web_param_get(&r->form, "contact"),
	    web_param_get(&r->form, "reason"), &id, &approved, &v);
	if (rc == -1) {
		web_api_busy(r, "delist");
		return;
	}
	if (rc == 0) {
		web_api_error(r, 409, web_express_code(v),
		    web_express_explain(v));
		return;
	}
	web_api_begin(r, approved ? 200 : 202, &w);
	json_obj_begin(&w);
	json_key_int(&w, "id", id);
	json_key_str(&w, "ip", ip);
	json_key_str(&w, "state", approved ? "approved" : "pending");
	json_obj_end(&w);
	(void)json_finish(&w);
}

/*
 * Who acted, for the audit: the API and the client's address. Never
 * the token itself, which would put a secret in the store.
 */
static void
web_api_who(struct web_req *r, char *who, size_t size)
{
	snprintf(who, size, "api:%s", r->client_text);
}

void
web_api_admin_add(struct web_req *r)
{
	const char *p = web_param_get(&r->form, "prefix");
	const char *ttl_s = web_param_get(&r->form, "ttl");
	const char *reason = web_param_get(&r->form, "reason");
	struct prefix pfx;
	struct listing l;
	struct json w;
	int64_t ttl = r->srv->cfg->listing_ttl;
	char who[STORE_WHO_MAX];

	if (p == NULL || prefix_parse(p, strlen(p), &pfx) == -1) {
		web_api_error(r, 400, "bad_prefix", "prefix: expected an "
		    "address or CIDR prefix with the host bits clear.");
		return;
	}
	if (ttl_s != NULL) {
		if (strcmp(ttl_s, "never") == 0)
			ttl = STORE_NEVER;
		else if (duration_parse(ttl_s, &ttl) == -1 || ttl <= 0) {
			web_api_error(r, 400, "bad_ttl", "ttl: a duration "
			    "such as 28d or 12h, or never.");
			return;
		}
	}
	if (reason != NULL && strlen(reason) >= STORE_REASON_MAX) {
		web_api_error(r, 400, "bad_reason", "reason: too long.");
		return;
	}
	web_api_who(r, who, sizeof(who));
	if (store_list_add(r->srv->store, &pfx, r->now, ttl, reason,
	    who) == -1) {
		/* Refusals (an exclusion covers it) are the client's. */
		web_api_error(r, 409, "refused", store_errmsg(r->srv->store));
		return;
	}
	if (store_listing_get(r->srv->store, &pfx, r->now, &l) != 1) {
		web_api_busy(r, "admin add");
		return;
	}
	web_api_begin(r, 201, &w);
	web_json_listing(&w, &l, r->now);
	(void)json_finish(&w);
}

void
web_api_admin_del(struct web_req *r)
{
	const char *reason = web_param_get(&r->query, "reason");
	struct prefix pfx;
	struct json w;
	char who[STORE_WHO_MAX];
	int rc;

	if (prefix_parse(r->tail, strlen(r->tail), &pfx) == -1) {
		web_api_error(r, 400, "bad_prefix", "Expected an address or "
		    "CIDR prefix.");
		return;
	}
	web_api_who(r, who, sizeof(who));
	if ((rc = store_list_del(r->srv->store, &pfx, r->now, "operator",
	    reason, who)) == -1) {
		web_api_busy(r, "admin del");
		return;
	}
	if (rc == 0) {
		web_api_error(r, 404, "not_listed", "That exact prefix is not "
		    "listed.");
		return;
	}
	web_api_begin(r, 200, &w);
	json_obj_begin(&w);
	json_key_str(&w, "prefix", r->tail);
	json_key_str(&w, "state", "delisted");
	json_obj_end(&w);
	(void)json_finish(&w);
}

static void
web_json_request(struct json *w, const struct store_delist_request *q)
{
	char pfx[PREFIX_STRLEN];

	prefix_format(&q->prefix, pfx, sizeof(pfx));
	json_obj_begin(w);
	json_key_int(w, "id", q->id);
	json_key_time(w, "filed", q->t);
	json_key_str(w, "ip", pfx);
	json_key_str(w, "state", store_delist_state_name(q->state));
	web_json_opt(w, "contact", q->requester);
	web_json_opt(w, "reason", q->reason);
	web_json_opt(w, "client", q->client);
	json_key_time(w, "decided_at", q->decided_at);
	web_json_opt(w, "decided_by", q->decided_by);
	web_json_opt(w, "note", q->note);
	json_obj_end(w);
}

static int
web_request_row(void *arg, const struct store_delist_request *q)
{
	web_json_request(arg, q);
	return 0;
}

void
web_api_admin_requests(struct web_req *r)
{
	const char *state = web_param_get(&r->query, "state");
	enum store_delist_state st = STORE_DELIST_PENDING;
	unsigned int mask;
	struct json w;

	if (state != NULL && strcmp(state, "all") == 0)
		mask = 0;
	else if (state == NULL || store_delist_state_parse(state, &st) == 0)
		mask = 1u << st;
	else {
		web_api_error(r, 400, "bad_state", "state: pending, approved, "
		    "denied or all.");
		return;
	}
	web_api_begin(r, 200, &w);
	json_obj_begin(&w);
	json_key(&w, "requests");
	json_arr_begin(&w);
	if (store_delist_request_foreach(r->srv->store, mask,
	    WEB_ADMIN_REQUESTS_MAX, web_request_row, &w) == -1) {
		web_api_busy(r, "admin requests");
		return;
	}
	json_arr_end(&w);
	json_obj_end(&w);
	(void)json_finish(&w);
}

void
web_api_admin_decide(struct web_req *r)
{
	struct store_delist_request q;
	char idbuf[16], who[STORE_WHO_MAX];
	const char *slash = strchr(r->tail, '/'), *verb;
	unsigned int id;
	struct json w;
	int approve, rc, found;

	if (slash == NULL || (size_t)(slash - r->tail) >= sizeof(idbuf)) {
		web_api_error(r, 404, "not_found", "Use /api/v1/admin/"
		    "delist-requests/ID/approve or .../deny.");
		return;
	}
	memcpy(idbuf, r->tail, (size_t)(slash - r->tail));
	idbuf[slash - r->tail] = '\0';
	verb = slash + 1;
	if (web_parse_uint(idbuf, 999999999, &id) == -1 ||
	    (strcmp(verb, "approve") != 0 && strcmp(verb, "deny") != 0)) {
		web_api_error(r, 404, "not_found", "Use /api/v1/admin/"
		    "delist-requests/ID/approve or .../deny.");
		return;
	}
	approve = strcmp(verb, "approve") == 0;
	web_api_who(r, who, sizeof(who));
	rc = store_delist_request_decide(r->srv->store, id, approve, r->now,
	    web_param_get(&r->form, "note"), who);
	if (rc == -1 || (found = store_delist_request_get(r->srv->store, id,
	    &q)) == -1) {
		web_api_busy(r, "admin decide");
		return;
	}
	if (found == 0) {
		web_api_error(r, 404, "not_found", "No such request.");
		return;
	}
	if (rc == 0) {
		web_api_error(r, 409, "already_decided", "That request was "
		    "decided before.");
		return;
	}
	web_api_begin(r, 200, &w);
	web_json_request(&w, &q);
	(void)json_finish(&w);
}

static int
web_hit_row(void *arg, int64_t id, const struct store_hit *h)
{
	struct json *w = arg;
	char a[ADDR_STRLEN];

	addr_format(&h->addr, a, sizeof(a));
	json_obj_begin(w);
	json_key_int(w, "id", id);
	json_key_time(w, "time", h->t);
	json_key_str(w, "ip", a);
	json_key_str(w, "class", hitclass_name(h->class));
	json_key_str(w, "subclass", h->subclass);
	json_key_str(w, "sensor", h->sensor);
	json_key_str(w, "helo", h->helo);
	json_key_str(w, "mail_from", h->mail_from);
	json_key_str(w, "rcpt", h->rcpt);
	json_key_str(w, "excerpt", h->excerpt);
	json_obj_end(w);
	return 0;
}

void
web_api_admin_evidence(struct web_req *r)
{
	struct addr a;
	struct json w;

	if (web_api_tail_addr(r, &a) == -1)
		return;
	web_api_begin(r, 200, &w);
	json_obj_begin(&w);
	json_key_str(&w, "ip", r->tail);
	json_key(&w, "hits");
	json_arr_begin(&w);
	if (store_hits_foreach(r->srv->store, &a, WEB_ADMIN_HITS_MAX,
	    web_hit_row, &w) == -1) {
		web_api_busy(r, "admin evidence");
		return;
	}
	json_arr_end(&w);
	json_obj_end(&w);
	(void)json_finish(&w);
}
