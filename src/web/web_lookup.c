/* web_lookup.c -- what a lookup shows about one address, gathered and masked. */
#include <string.h>
#include <strings.h>

#include "core/hitclass.h"
#include "core/special.h"
#include "web/web_lookup.h"

void
web_rcpt_domain(const char *rcpt, char *out, size_t size)
{
	const char *at = rcpt ? strrchr(rcpt, '@') : NULL;

	snprintf(out, size, "%s", at ? at + 1 : "");
}

/* Whether needle occurs in hay, ignoring ASCII case (strcasestr is GNU). */
static int
web_contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static int
web_is_addr_char(char c)
{
	return c != '\0' && strchr(" \t\r\n<>()[],;:\"'", c) == NULL;
}

/* Is the domain d (len bytes) a trap domain, or rcpt's domain? */
static int
web_mask_domain(const struct web_mask *m, const char *rdom, const char *d,
    size_t len)
{
	if (rdom[0] != '\0' && strlen(rdom) == len &&
	    strncasecmp(rdom, d, len) == 0)
		return 1;
	for (size_t i = 0; m != NULL && i < m->ndomains; i++)
		if (strlen(m->domains[i]) == len &&
		    strncasecmp(m->domains[i], d, len) == 0)
			return 1;
	return 0;
}

/*
 * Walks text once: at each "@", the local part before it (back to a
 * delimiter) is dropped when the domain after it is a trap's. Output
 * is built in out; a local part already copied is cut back.
 */
void
web_mask_text(const struct web_mask *m, const char *rcpt, const char *text,
    char *out, size_t size)
{
	char rdom[WEB_FIELD_MAX];
	size_t o = 0, local, dlen;
	const char *p;

	if (size == 0)
		return;
	out[0] = '\0';
	if (text == NULL)
		return;
	if (rcpt != NULL && rcpt[0] != '\0' && web_contains_nocase(text, rcpt)) {
		snprintf(out, size, "[hidden]");
		return;
	}
	web_rcpt_domain(rcpt, rdom, sizeof(rdom));
	for (p = text; *p != '\0'; p++) {
		if (*p == '@') {
			for (dlen = 0; web_is_addr_char(p[1 + dlen]) &&
			    p[1 + dlen] != '@'; dlen++)
				;
			if (web_mask_domain(m, rdom, p + 1, dlen)) {
				local = o;
				while (local > 0 &&
				    web_is_addr_char(out[local - 1]))
					local--;
				o = local;
				if (o + 1 < size)
					out[o++] = '*';
			}
		}
		if (o + 1 >= size)
			break;
		out[o++] = *p;
	}
	out[o] = '\0';
}

/* The value of excerpt line "key: ", copied to out (or ""). */
static void
web_excerpt_value(const char *excerpt, const char *key, char *out,
    size_t size)
{
	size_t klen = strlen(key), vlen;
	const char *p = excerpt, *nl;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (strncmp(p, key, klen) == 0 && p[klen] == ':' &&
		    p[klen + 1] == ' ') {
			vlen = (nl ? (size_t)(nl - p) : strlen(p)) - klen - 2;
			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, p + klen + 2, vlen);
			out[vlen] = '\0';
			return;
		}
		p = nl ? nl + 1 : NULL;
	}
}

struct web_gather {
	struct web_lookup	*lk;
	const struct web_mask	*mask;
};

static int
web_gather_hit(void *arg, int64_t id, const struct store_hit *h)
{
	struct web_gather *g = arg;
	struct web_evidence *e;
	char tmp[WEB_FIELD_MAX];

	(void)id;
	if (g->lk->nev == WEB_EVIDENCE_MAX)
		return 1;
	e = &g->lk->ev[g->lk->nev++];
	memset(e, 0, sizeof(*e));
	e->t = h->t;
	e->class = h->class;
	snprintf(e->subclass, sizeof(e->subclass), "%s",
	    h->subclass ? h->subclass : "");
	web_mask_text(g->mask, h->rcpt, h->helo, e->helo, sizeof(e->helo));
	web_mask_text(g->mask, h->rcpt, h->mail_from, e->mail_from,
	    sizeof(e->mail_from));
	web_rcpt_domain(h->rcpt, e->rcpt_domain, sizeof(e->rcpt_domain));
	/* The classifier keeps addresses out of excerpts; mask anyway. */
	web_excerpt_value(h->excerpt, "Status", tmp, sizeof(tmp));
	web_mask_text(g->mask, h->rcpt, tmp, e->status, sizeof(e->status));
	web_excerpt_value(h->excerpt, "Reporting-MTA", tmp, sizeof(tmp));
	web_mask_text(g->mask, h->rcpt, tmp, e->reporting_mta,
	    sizeof(e->reporting_mta));
	web_excerpt_value(h->excerpt, "Diagnostic-Code", tmp, sizeof(tmp));
	web_mask_text(g->mask, h->rcpt, tmp, e->diagnostic,
	    sizeof(e->diagnostic));
	web_excerpt_value(h->excerpt, "Subject", tmp, sizeof(tmp));
	web_mask_text(g->mask, h->rcpt, tmp, e->subject, sizeof(e->subject));
	web_excerpt_value(h->excerpt, "MTA", e->mta, sizeof(e->mta));
	if (g->lk->guide == NULL)
		g->lk->guide = web_guide_for_evidence(h->excerpt,
		    h->subclass, h->helo);
	return 0;
}

static int
web_gather_history(void *arg, int64_t t, enum store_change_op op)
{
	struct web_lookup *lk = arg;
	struct web_history *h;

	if (lk->nhist == WEB_HISTORY_MAX)
		return 1;
	h = &lk->hist[lk->nhist++];
	h->t = t;
	h->event = op == STORE_CHANGE_LIST ? "listed" : "delisted";
	return 0;
}

int
web_lookup_gather(struct store *s, const struct web_express_policy *pol,
    const struct web_mask *mask, const struct addr *a, int64_t now,
    struct web_lookup *lk)
{
	struct web_gather g = { lk, mask };
	struct prefix host;
	int rc;

	memset(lk, 0, sizeof(*lk));
	lk->addr = *a;
	addr_format(a, lk->ip, sizeof(lk->ip));
	prefix_from_addr(&host, a);
	/* One snapshot: the listing, its evidence and its history agree. */
	if (store_read_begin(s) == -1)
		return -1;
	if ((rc = store_lookup(s, a, now, &lk->active)) == -1)
		goto fail;
	lk->listed = rc;
	if ((rc = store_listing_get(s, &host, now, &lk->host)) == -1)
		goto fail;
	lk->has_host = rc;
	if ((rc = store_is_excluded(s, a, NULL)) == -1)
		goto fail;
	lk->excluded = rc;
	lk->special = special_match(a, 0, NULL);
	if (store_hits_foreach(s, a, WEB_EVIDENCE_MAX, web_gather_hit,
	    &g) == -1 ||
	    store_history_foreach(s, &host, WEB_HISTORY_MAX,
	    web_gather_history, lk) == -1)
		goto fail;
	/* An expiry nobody journaled yet still belongs in the history. */
	if (lk->has_host && lk->host.state == LISTING_EXPIRED &&
	    lk->nhist > 0 && strcmp(lk->hist[0].event, "listed") == 0 &&
	    lk->nhist < WEB_HISTORY_MAX) {
		memmove(&lk->hist[1], &lk->hist[0],
		    lk->nhist * sizeof(lk->hist[0]));
		lk->hist[0].t = lk->host.expires;
		lk->hist[0].event = "expired";
		lk->nhist++;
	}
	if (web_express_gather(s, pol, a, now, &lk->facts) == -1)
		goto fail;
	lk->verdict = web_express_check(pol, a, &lk->facts, &lk->retry_at);
	if ((rc = store_delist_request_pending(s, &host, &lk->req)) == -1)
		goto fail;
	lk->pending = rc;
	(void)store_read_end(s);
	return 0;
fail:
	(void)store_read_end(s);
	return -1;
}

const char *
web_class_explain(enum hit_class c)
{
	switch (c) {
	case HIT_BOUNCE:
		return "Bounce: the server accepted a message for a recipient "
		    "it could not deliver to, and then sent a non-delivery "
		    "report to the forged sender, one of our trap addresses. "
		    "A server should refuse unknown recipients during the "
		    "SMTP dialogue instead, so the bounce never exists.";
	case HIT_AUTOREPLY:
		return "Auto-reply: the server sent a vacation, out-of-office, "
		    "challenge or similar automatic answer to a forged "
		    "sender. Automatic replies must not go to mail that is "
		    "spam or whose sender is not verified.";
	case HIT_CALLOUT:
		return "Sender callout: the server connected to our trap to "
		    "check whether a (forged) sender address exists. Callouts "
		    "make innocent third parties carry the cost of your spam "
		    "filtering and are widely treated as abuse.";
	case HIT_MANUAL:
		return "Manual: the operator of this list listed the address "
		    "by hand.";
	case HIT_OTHER:
		return "Other: mail to a trap that is none of the above. It "
		    "is kept as evidence but never listed.";
	}
	return "";
}
