/* web_pages.c -- the HTML pages: lookup, delisting form, guides, statistics. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "core/log.h"
#include "web/web_guide.h"
#include "web/web_html.h"
#include "web/web_internal.h"
#include "web/web_lookup.h"
#include "web/web_svg.h"

/* The statistics page covers this many days and is rebuilt this often. */
#define WEB_STATS_DAYS		90
#define WEB_STATS_TTL		60
#define WEB_STATS_TOP		10

void
web_page_error(struct web_req *r, int status, const char *msg)
{
	web_req_reset(r);
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	web_html_begin(r->out, "Error", NULL);
	fprintf(r->out, "<h1>Sorry</h1>\n<p class=\"err\" role=\"alert\">");
	web_html_put(r->out, msg);
	fputs("</p>\n<p><a href=\"/\">Look up an address</a></p>\n", r->out);
	web_html_end(r->out);
}

static void
web_lookup_form(FILE *f, const char *value)
{
	fputs("<form class=\"lookup\" action=\"/lookup\" method=\"get\" "
	    "role=\"search\"><div><label for=\"ip\">IPv4 or IPv6 address"
	    "</label><input type=\"text\" id=\"ip\" name=\"ip\" required "
	    "autocomplete=\"off\" spellcheck=\"false\" "
	    "aria-describedby=\"ip-hint\" value=\"", f);
	web_html_put(f, value);
	fputs("\"></div><button type=\"submit\">Look up</button></form>\n"
	    "<p id=\"ip-hint\">The address of your outgoing mail server, "
	    "for example 192.0.2.25 or 2001:db8::25.</p>\n", f);
}

void
web_page_home(struct web_req *r)
{
	FILE *f = r->out;

	web_html_begin(f, "Lookup", "lookup");
	fputs("<h1>Is your mail server listed?</h1>\n", f);
	web_lookup_form(f, "");
	fputs("<div class=\"box\"><h2>What this list is</h2><p>Our trap "
	    "addresses never send mail. When a server bounces a message to "
	    "one of them, sends it an automatic reply, or connects to check "
	    "whether it exists (a sender callout), that server is reacting to "
	    "mail with a forged sender: it sends <em>backscatter</em> to "
	    "innocent people. We list such servers until 28 days after the "
	    "last time our traps saw it.</p><p>Mail servers that use this list "
	    "should consult it only for bounces and postmaster mail, never to "
	    "block a host's ordinary mail.</p></div>\n", f);
	fputs("<h2>For postmasters</h2><ul><li><a href=\"/help\">How to stop "
	    "your server from sending backscatter</a></li><li><a href=\"/help/"
	    "testing\">How to test your server</a></li><li><a href=\"/stats\">"
	    "Statistics</a></li><li><a href=\"/api/v1/openapi.json\">The JSON "
	    "API</a></li></ul>\n", f);
	fprintf(f, "<p>Query the list over DNS: <code>dig +short "
	    "2.0.0.127.");
	web_html_put(f, r->srv->cfg->zone);
	fputs(" A</code> (the test entry).</p>\n", f);
	web_html_end(f);
}

static void
web_fact(FILE *f, const char *dt, const char *dd)
{
	fprintf(f, "<dt>%s</dt><dd>", dt);
	web_html_put(f, dd);
	fputs("</dd>\n", f);
}

static void
web_listing_facts(FILE *f, const struct listing *l, int64_t now)
{
	char a[64], b[64], c[128], line[200];

	fputs("<dl class=\"facts\">\n", f);
	if (!prefix_is_host(&l->prefix)) {
		prefix_format(&l->prefix, a, sizeof(a));
		web_fact(f, "Listed as part of", a);
	}
	web_fact(f, "Listed since", web_time_minute(l->listed_since, a,
	    sizeof(a)));
	web_fact(f, "Last seen", web_time_minute(l->last_seen, a, sizeof(a)));
	if (l->expires == STORE_NEVER)
		web_fact(f, "Expires", "never (listed by the operator)");
	else {
		snprintf(line, sizeof(line), "%s (in %s)",
		    web_time_minute(l->expires, a, sizeof(a)),
		    web_duration_words(l->expires - now, b, sizeof(b)));
		web_fact(f, "Expires", line);
	}
	hitclass_mask_format(l->classes, c, sizeof(c));
	web_fact(f, "Classes", c);
	snprintf(a, sizeof(a), "%" PRId64, l->hits);
	web_fact(f, "Trap hits", a);
	snprintf(a, sizeof(a), "%d", l->times_listed);
	web_fact(f, "Times listed", a);
	fputs("</dl>\n", f);
}

static void
web_evidence_table(FILE *f, const struct web_lookup *lk)
{
	char t[64];

	if (lk->nev == 0)
		return;
	fputs("<h2>Evidence</h2>\n<p>The newest trap hits from this "
	    "address. Trap addresses are never shown; only the domain of "
	    "the recipient is.</p>\n<div class=\"scroll\"><table><thead><tr>"
	    "<th scope=\"col\">Time</th><th scope=\"col\">Class</th>"
	    "<th scope=\"col\">HELO</th><th scope=\"col\">MAIL FROM</th>"
	    "<th scope=\"col\">Recipient domain</th><th scope=\"col\">DSN "
	    "status / Reporting-MTA</th><th scope=\"col\">Subject</th>"
	    "</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < lk->nev; i++) {
		const struct web_evidence *e = &lk->ev[i];

		fprintf(f, "<tr><td>%s</td><td>",
		    web_time_minute(e->t, t, sizeof(t)));
		web_html_put(f, e->subclass[0] ? e->subclass :
		    hitclass_name(e->class));
		fputs("</td><td>", f);
		web_html_put(f, e->helo[0] ? e->helo : "-");
		fputs("</td><td>&lt;", f);
		web_html_put(f, e->mail_from);
		fputs("&gt;</td><td>", f);
		web_html_put(f, e->rcpt_domain[0] ? e->rcpt_domain : "-");
		fputs("</td><td>", f);
		web_html_put(f, e->status[0] ? e->status : "-");
		if (e->reporting_mta[0]) {
			fputs("<br>", f);
			web_html_put(f, e->reporting_mta);
		}
		if (e->diagnostic[0]) {
			fputs("<br><small>", f);
			web_html_put(f, e->diagnostic);
			fputs("</small>", f);
		}
		fputs("</td><td>", f);
		web_html_put(f, e->subject[0] ? e->subject : "-");
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

static void
web_history_list(FILE *f, const struct web_lookup *lk)
{
	char t[64];

	if (lk->nhist == 0)
		return;
	fputs("<h2>Listing history</h2>\n<ul>\n", f);
	for (size_t i = 0; i < lk->nhist; i++)
		fprintf(f, "<li>%s: %s</li>\n", web_time_minute(lk->hist[i].t,
		    t, sizeof(t)), lk->hist[i].event);
	fputs("</ul>\n", f);
}

static void
web_meaning(FILE *f, unsigned int classes, const struct web_guide *g)
{
	fputs("<h2>What this means</h2>\n", f);
	for (unsigned int c = 0; c < HIT_NCLASSES; c++)
		if (classes & HIT_CLASS_BIT(c)) {
			fputs("<p>", f);
			web_html_put(f, web_class_explain((enum hit_class)c));
			fputs("</p>\n", f);
		}
	fputs("<h2>How to fix it</h2>\n<p>", f);
	if (g != NULL) {
		fprintf(f, "The evidence points to %s. Read <a href=\"/help/%s\">"
		    "the fix guide for %s</a>, or <a href=\"/help\">all "
		    "guides</a>.", g->title, g->name, g->title);
	} else
		fputs("We could not tell which mail server software sent "
		    "this. <a href=\"/help\">Pick your server from the fix "
		    "guides</a>.", f);
	fputs("</p>\n", f);
}

static void
web_express_section(struct web_req *r, const struct web_lookup *lk)
{
	FILE *f = r->out;
	char t[64], token[WEB_CSRF_TOKEN_MAX];

	fputs("<h2 id=\"delist\">Express delisting</h2>\n", f);
	if (lk->pending) {
		fprintf(f, "<p role=\"status\">Request #%" PRId64 " filed at %s "
		    "is waiting for approval. Once approved, DNS stops listing "
		    "the address at once.</p>\n", lk->req.id,
		    web_time_minute(lk->req.t, t, sizeof(t)));
		return;
	}
	if (lk->verdict != WEB_EXPRESS_ELIGIBLE) {
		fputs("<p>", f);
		web_html_put(f, web_express_explain(lk->verdict));
		fputs("</p>\n", f);
		if (lk->verdict == WEB_EXPRESS_RECENT_HITS && lk->retry_at > 0)
			fprintf(f, "<p>If no new hit arrives, you can ask "
			    "from %s.</p>\n", web_time_minute(lk->retry_at, t,
			    sizeof(t)));
		return;
	}
	if (web_csrf_make(r->srv->csrf_key, &r->client, r->now, token,
	    sizeof(token)) == -1)
		token[0] = '\0';
	fputs("<p>", f);
	web_html_put(f, web_express_explain(lk->verdict));
	fputs("</p>\n<form action=\"/delist\" method=\"post\">\n"
	    "<input type=\"hidden\" name=\"ip\" value=\"", f);
	web_html_put(f, lk->ip);
	fputs("\"><input type=\"hidden\" name=\"csrf\" value=\"", f);
	web_html_put(f, token);
	fputs("\">\n<p><label for=\"contact\">Your e-mail address "
	    "(optional, only the operator sees it)</label><input "
	    "type=\"email\" id=\"contact\" name=\"contact\" maxlength=\"120\" "
	    "autocomplete=\"email\"></p>\n<p><label for=\"reason\">What did "
	    "you fix? (optional)</label><input type=\"text\" id=\"reason\" "
	    "name=\"reason\" maxlength=\"250\"></p>\n<p><button "
	    "type=\"submit\">Request express delisting</button></p>\n"
	    "</form>\n", f);
}

/* Reads ?ip= allowing spaces around it (pasted text); 0 / -1. */
static int
web_query_addr(const char *v, struct addr *a)
{
	size_t len;

	if (v == NULL)
		return -1;
	while (*v == ' ')
		v++;
	len = strlen(v);
	while (len > 0 && v[len - 1] == ' ')
		len--;
	return addr_parse(v, len, a);
}

void
web_page_lookup(struct web_req *r)
{
	const char *ip = web_param_get(&r->query, "ip");
	struct web_lookup *lk;
	FILE *f = r->out;
	char title[ADDR_STRLEN + 32], t[64];
	struct addr a;

	if (web_query_addr(ip, &a) == -1) {
		r->status = 400;
		web_html_begin(f, "Lookup", "lookup");
		fputs("<h1>Look up an address</h1>\n<p class=\"err\" "
		    "role=\"alert\">That is not an IPv4 or IPv6 address.</p>\n",
		    f);
		web_lookup_form(f, ip);
		web_html_end(f);
		return;
	}
	if ((lk = malloc(sizeof(*lk))) == NULL) {
		web_page_error(r, 503, "Out of memory; try again.");
		return;
	}
	if (web_lookup_gather(r->srv->store, &r->srv->cfg->express,
	    &r->srv->cfg->mask, &a, r->now, lk) == -1) {
		log_warnx("web lookup: %s", store_errmsg(r->srv->store));
		free(lk);
		web_page_error(r, 503, "The list is busy; try again in a "
		    "moment.");
		return;
	}
	snprintf(title, sizeof(title), "%s is %s", lk->ip,
	    lk->listed ? "listed" : "not listed");
	web_html_begin(f, title, "lookup");
	fprintf(f, "<h1 class=\"%s\">", lk->listed ? "listed" : "clean");
	web_html_put(f, title);
	fputs("</h1>\n", f);
	if (lk->listed) {
		web_listing_facts(f, &lk->active, r->now);
		web_meaning(f, lk->active.classes, lk->guide);
		web_evidence_table(f, lk);
		web_express_section(r, lk);
	} else {
		if (lk->excluded)
			fputs("<p>The operator never lists this address's "
			    "network.</p>\n", f);
		else if (lk->special != NULL) {
			fputs("<p>This address is in a special-purpose range (",
			    f);
			web_html_put(f, lk->special);
			fputs("); hits from it are never listed.</p>\n", f);
		}
		if (lk->has_host && lk->host.state == LISTING_DELISTED)
			fprintf(f, "<p>It was delisted at %s (%s). A new trap "
			    "hit lists it again.</p>\n",
			    web_time_minute(lk->host.delisted_at, t, sizeof(t)),
			    strcmp(lk->host.delist_how, "express") == 0 ?
			    "express delisting" : "by the operator");
		else if (lk->has_host && lk->host.state == LISTING_EXPIRED)
			fprintf(f, "<p>Its last listing expired at %s.</p>\n",
			    web_time_minute(lk->host.expires, t, sizeof(t)));
		else if (lk->has_host && lk->host.state == LISTING_PENDING)
			fputs("<p>Our traps saw it, but not often enough to "
			    "list it.</p>\n", f);
		if (lk->nev > 0)
			web_meaning(f, lk->has_host ? lk->host.classes : 0,
			    lk->guide);
		web_evidence_table(f, lk);
	}
	web_history_list(f, lk);
	fputs("<h2>Look up another address</h2>\n", f);
	web_lookup_form(f, "");
	web_html_end(f);
	free(lk);
}

int
web_delist_file(struct web_req *r, const struct addr *a, const char *contact,
    const char *reason, int64_t *id, int *approved,
    enum web_express_verdict *verdict)
{
	struct web_server *srv = r->srv;
	struct web_express_facts facts;
	struct prefix host;
	char who[STORE_WHO_MAX], client[STORE_CLIENT_MAX];

	*approved = 0;
	if (web_express_gather(srv->store, &srv->cfg->express, a, r->now,
	    &facts) == -1)
		return -1;
	*verdict = web_express_check(&srv->cfg->express, a, &facts, NULL);
	if (*verdict != WEB_EXPRESS_ELIGIBLE)
		return 0;
	prefix_from_addr(&host, a);
	snprintf(who, sizeof(who), "web:%s", r->client_text);
	snprintf(client, sizeof(client), "web:%s", r->client_text);
	if (store_delist_request_add(srv->store, &host, r->now, contact, reason,
	    client, who, id) == -1)
		return -1;
	srv->metrics.delist_requests++;
	log_info("web delist request id=%" PRId64 " client=%s", *id,
	    r->client_text);
	if (srv->cfg->express.auto_approve) {
		if (store_delist_request_decide(srv->store, *id, 1, r->now,
		    "express.auto_approve", "web:auto") == -1)
			return -1;
		*approved = 1;
	}
	return 1;
}

void
web_page_delist(struct web_req *r)
{
	const char *ip = web_param_get(&r->form, "ip");
	struct addr a;
	enum web_express_verdict v;
	int64_t id;
	int approved, rc;
	char loc[ADDR_STRLEN + 32];
	size_t off;

	if (!web_csrf_check(r->srv->csrf_key, &r->client, r->now,
	    web_param_get(&r->form, "csrf"))) {
		r->srv->metrics.csrf_refused++;
		web_page_error(r, 403, "This form has expired or did not come "
		    "from this site. Look the address up again and resend the "
		    "request.");
		return;
	}
	if (web_query_addr(ip, &a) == -1) {
		web_page_error(r, 400, "That is not an IPv4 or IPv6 address.");
		return;
	}
	rc = web_delist_file(r, &a, web_param_get(&r->form, "contact"),
	    web_param_get(&r->form, "reason"), &id, &approved, &v);
	if (rc == -1) {
		log_warnx("web delist: %s", store_errmsg(r->srv->store));
		web_page_error(r, 503, "The list is busy; try again in a "
		    "moment.");
		return;
	}
	if (rc == 0) {
		web_page_error(r, 409, web_express_explain(v));
		return;
	}
	/* Post/redirect/get: the lookup page shows the request's state. */
	off = (size_t)snprintf(loc, sizeof(loc), "/lookup?ip=");
	addr_format(&a, loc + off, sizeof(loc) - off);
	r->status = 303;
	web_html_begin(r->out, "Request filed", "lookup");
	fprintf(r->out, "<h1>Request filed</h1><p>%s <a href=\"%s\">Back to "
	    "the lookup</a>.</p>\n", approved ? "The address was delisted." :
	    "It waits for approval.", loc);
	web_html_end(r->out);
	/* evhttp copies the header; loc need not outlive this function. */
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Location", loc);
}

void
web_page_help_index(struct web_req *r)
{
	const struct web_guide *g;
	size_t n;

	g = web_guide_all(&n);
	web_html_begin(r->out, "Fix guides", "help");
	fputs("<h1>How to stop sending backscatter</h1>\n<p>Three rules "
	    "cover almost every case: <strong>reject mail for unknown "
	    "recipients during the SMTP dialogue</strong> (so you never "
	    "have to bounce it), <strong>never send automatic replies to "
	    "mail that is spam or has a forged sender</strong>, and "
	    "<strong>do not verify senders with callouts</strong>. Pick your "
	    "server:</p>\n<ul>\n", r->out);
	for (size_t i = 0; i < n; i++)
		fprintf(r->out, "<li><a href=\"/help/%s\">%s</a></li>\n",
		    g[i].name, g[i].title);
	fputs("</ul>\n", r->out);
	web_html_end(r->out);
}

void
web_page_guide(struct web_req *r)
{
	const struct web_guide *g = web_guide_find(r->tail);

	if (g == NULL) {
		web_page_error(r, 404, "There is no such guide.");
		return;
	}
	web_html_begin(r->out, g->title, "help");
	fputs("<article>\n", r->out);
	if (web_guide_render(r->out, r->srv->cfg->help_dir, g) == -1) {
		log_warnx("web guide %s: cannot read it from %s", g->name,
		    r->srv->cfg->help_dir);
		web_page_error(r, 503, "This guide is missing on this server.");
		return;
	}
	fputs("</article>\n<p><a href=\"/help\">All guides</a></p>\n", r->out);
	web_html_end(r->out);
}

void
web_page_css(struct web_req *r)
{
	r->ctype = "text/css; charset=utf-8";
	r->cacheable = 1;
	fputs(web_css, r->out);
}

void
web_page_metrics(struct web_req *r)
{
	struct store_stats st;
	int ok;

	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	ok = store_stats(r->srv->store, r->now, &st) == 0;
	if (!ok)
		log_warnx("web metrics: %s", store_errmsg(r->srv->store));
	(void)web_metrics_write(r->out, &r->srv->metrics, ok ? &st : NULL);
}

struct web_top {
	FILE	*f;
	size_t	 n;
};

static int
web_top_net(void *arg, const struct prefix *p, int64_t count)
{
	struct web_top *t = arg;
	char buf[PREFIX_STRLEN];

	prefix_format(p, buf, sizeof(buf));
	fprintf(t->f, "<tr><td>%s</td><td>%" PRId64 "</td></tr>\n", buf, count);
	t->n++;
	return 0;
}

static int
web_top_value(void *arg, const char *v, int64_t count)
{
	struct web_top *t = arg;

	fputs("<tr><td>", t->f);
	web_html_put(t->f, v);
	fprintf(t->f, "</td><td>%" PRId64 "</td></tr>\n", count);
	t->n++;
	return 0;
}

static int
web_stats_table(struct web_server *srv, FILE *f, const char *title,
    const char *col, int kind, int64_t now)
{
	struct web_top t = { f, 0 };
	int rc;

	fprintf(f, "<section><h3>%s</h3><table><thead><tr><th scope=\"col\">"
	    "%s</th><th scope=\"col\">Count</th></tr></thead><tbody>\n", title,
	    col);
	if (kind == 0 || kind == 1)
		rc = store_top_networks(srv->store, now, kind, WEB_STATS_TOP,
		    web_top_net, &t);
	else
		rc = store_top_excerpt_values(srv->store, kind == 2 ? "MTA" :
		    "Reporting-MTA", now - WEB_STATS_DAYS * 86400LL,
		    WEB_STATS_TOP, web_top_value, &t);
	if (t.n == 0)
		fputs("<tr><td colspan=\"2\">None</td></tr>\n", f);
	fputs("</tbody></table></section>\n", f);
	return rc;
}

/* Builds the statistics page body into a new buffer. 0 / -1. */
static int
web_stats_build(struct web_server *srv, int64_t now, char **out, size_t *len)
{
	static const struct {
		enum hit_class	 c;
		const char	*css;
	} bars[] = {
		{ HIT_BOUNCE, "c1" }, { HIT_AUTOREPLY, "c2" },
		{ HIT_CALLOUT, "c3" }, { HIT_MANUAL, "c4" },
	};
	struct store_day *days;
	struct store_stats st;
	int64_t *active, *byclass[4], day0;
	struct web_svg_series line, series[4];
	struct web_svg_chart chart;
	FILE *f;
	int rc = -1;

	day0 = (now / 86400 - (WEB_STATS_DAYS - 1)) * 86400;
	days = calloc(WEB_STATS_DAYS, sizeof(*days));
	active = calloc(WEB_STATS_DAYS * 5, sizeof(*active));
	if (days == NULL || active == NULL || (f = open_memstream(out, len)) ==
	    NULL) {
		free(days);
		free(active);
		return -1;
	}
	if (store_stats(srv->store, now, &st) == -1 ||
	    store_daily_stats(srv->store, day0, WEB_STATS_DAYS, days) == -1)
		goto out;
	for (size_t k = 0; k < 4; k++)
		byclass[k] = active + WEB_STATS_DAYS * (k + 1);
	for (size_t i = 0; i < WEB_STATS_DAYS; i++) {
		active[i] = days[i].active;
		for (size_t k = 0; k < 4; k++)
			byclass[k][i] = days[i].new_by_class[bars[k].c];
	}
	fprintf(f, "<h1>Statistics</h1>\n<dl class=\"facts\"><dt>Listed now"
	    "</dt><dd>%" PRId64 "</dd><dt>Trap hits, last 24 hours</dt><dd>%"
	    PRId64 "</dd><dt>Trap hits, all time</dt><dd>%" PRId64 "</dd>"
	    "</dl>\n", st.listed, st.hits_24h, st.hits);
	fputs("<h2>Active listings, last 90 days</h2>\n", f);
	line.name = "active listings";
	line.css = "c2";
	line.values = active;
	memset(&chart, 0, sizeof(chart));
	chart.title = "Active listings per day over the last 90 days";
	chart.kind = WEB_SVG_LINES;
	chart.npoints = WEB_STATS_DAYS;
	chart.day0 = day0;
	chart.series = &line;
	chart.nseries = 1;
	(void)web_svg_chart(f, &chart);
	fputs("<h2>New listings per day by class</h2>\n<p class=\"legend\">",
	    f);
	for (size_t k = 0; k < 4; k++) {
		series[k].name = hitclass_name(bars[k].c);
		series[k].css = bars[k].css;
		series[k].values = byclass[k];
		fprintf(f, "<span><svg width=\"12\" height=\"12\" "
		    "aria-hidden=\"true\"><rect class=\"%s\" width=\"12\" "
		    "height=\"12\"/></svg> %s</span>", bars[k].css,
		    series[k].name);
	}
	fputs("</p>\n", f);
	chart.title = "New listings per day by class over the last 90 days";
	chart.kind = WEB_SVG_STACKED;
	chart.series = series;
	chart.nseries = 4;
	(void)web_svg_chart(f, &chart);
	fputs("<h2>Where backscatter comes from</h2>\n", f);
	if (web_stats_table(srv, f, "Top IPv4 /24 networks", "Network", 0,
	    now) == -1 ||
	    web_stats_table(srv, f, "Top IPv6 /48 networks", "Network", 1,
	    now) == -1 ||
	    web_stats_table(srv, f, "Mail server software (last 90 days)",
	    "Software", 2, now) == -1 ||
	    web_stats_table(srv, f, "Top reporting MTAs (last 90 days)",
	    "Reporting-MTA", 3, now) == -1)
		goto out;
	rc = 0;
out:
	if (fclose(f) != 0)
		rc = -1;
	free(days);
	free(active);
	if (rc == -1) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

void
web_page_stats(struct web_req *r)
{
	struct web_server *srv = r->srv;
	char *html = NULL;
	size_t len = 0;

	if (srv->stats_html == NULL || r->now - srv->stats_at >=
	    WEB_STATS_TTL || r->now < srv->stats_at) {
		if (web_stats_build(srv, r->now, &html, &len) == -1) {
			log_warnx("web stats: %s", store_errmsg(srv->store));
			web_page_error(r, 503, "Statistics are not available "
			    "right now.");
			return;
		}
		free(srv->stats_html);
		srv->stats_html = html;
		srv->stats_len = len;
		srv->stats_at = r->now;
	}
	web_html_begin(r->out, "Statistics", "stats");
	fwrite(srv->stats_html, 1, srv->stats_len, r->out);
	web_html_end(r->out);
}
