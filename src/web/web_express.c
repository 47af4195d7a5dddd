/* web_express.c -- who may have a listing removed at once (express delisting). */
#include <string.h>

#include "core/hitclass.h"
#include "web/web_express.h"

enum web_express_verdict
web_express_check(const struct web_express_policy *pol, const struct addr *a,
    const struct web_express_facts *f, int64_t *retry_at)
{
	if (retry_at != NULL)
		*retry_at = 0;
	if (!pol->enabled)
		return WEB_EXPRESS_DISABLED;
	if (!f->listed)
		return WEB_EXPRESS_NOT_LISTED;
	if (f->pending)
		return WEB_EXPRESS_PENDING;
	for (size_t i = 0; i < pol->nblocked; i++)
		if (prefix_contains(&pol->blocked[i], a))
			return WEB_EXPRESS_BLOCKED;
	/*
	 * Express delisting undoes what traps saw; an operator's listing
	 * (manual, or a whole range) is the operator's to lift.
	 */
	if (!f->own_listing || (f->classes & HIT_CLASS_BIT(HIT_MANUAL)))
		return WEB_EXPRESS_MANUAL;
	if (f->recent_hits > 0) {
		if (retry_at != NULL)
			*retry_at = f->last_hit + pol->quiet_period;
		return WEB_EXPRESS_RECENT_HITS;
	}
	if (f->express_count >= pol->max_delistings)
		return WEB_EXPRESS_TOO_MANY;
	return WEB_EXPRESS_ELIGIBLE;
}

static const struct {
	const char	*code;
	const char	*text;
} web_express_texts[] = {
	[WEB_EXPRESS_ELIGIBLE] = { "eligible",
	    "This address may be delisted at once. Fix the server first: "
	    "a new hit lists it again." },
	[WEB_EXPRESS_DISABLED] = { "disabled",
	    "Express delisting is turned off here. The listing expires on "
	    "its own 28 days after the last hit." },
	[WEB_EXPRESS_NOT_LISTED] = { "not_listed",
	    "The address is not listed, so there is nothing to delist." },
	[WEB_EXPRESS_PENDING] = { "pending",
	    "A delisting request for this address is already waiting for "
	    "approval." },
	[WEB_EXPRESS_BLOCKED] = { "blocked",
	    "The operator of this list does not allow express delisting "
	    "for this network. The listing expires on its own 28 days after "
	    "the last hit." },
	[WEB_EXPRESS_MANUAL] = { "manual",
	    "This listing was made by the operator of this list (or covers "
	    "a whole network), so only the operator can remove it early." },
	[WEB_EXPRESS_RECENT_HITS] = { "recent_hits",
	    "Our traps saw this server misbehave too recently: it does not "
	    "look fixed yet. Fix it, wait until no new hit has arrived for "
	    "the waiting period, then ask again." },
	[WEB_EXPRESS_TOO_MANY] = { "too_many",
	    "This address has used up its express delistings for the last "
	    "180 days. The listing expires on its own 28 days after the "
	    "last hit." },
};

const char *
web_express_code(enum web_express_verdict v)
{
	if ((size_t)v >= sizeof(web_express_texts) /
	    sizeof(web_express_texts[0]))
		return "unknown";
	return web_express_texts[v].code;
}

const char *
web_express_explain(enum web_express_verdict v)
{
	if ((size_t)v >= sizeof(web_express_texts) /
	    sizeof(web_express_texts[0]))
		return "";
	return web_express_texts[v].text;
}

int
web_express_gather(struct store *s, const struct web_express_policy *pol,
    const struct addr *a, int64_t now, struct web_express_facts *f)
{
	struct store_delist_request req;
	struct listing l;
	struct prefix host;
	int rc;

	memset(f, 0, sizeof(*f));
	prefix_from_addr(&host, a);
	if ((rc = store_lookup(s, a, now, &l)) == -1)
		return -1;
	f->listed = rc;
	if (rc == 1) {
		f->own_listing = prefix_is_host(&l.prefix);
		f->classes = l.classes;
		f->last_hit = l.last_seen;
	}
	if (store_hits_since(s, a, now - pol->quiet_period,
	    &f->recent_hits) == -1 ||
	    store_express_count(s, &host, now - WEB_EXPRESS_WINDOW,
	    &f->express_count) == -1)
		return -1;
	if ((rc = store_delist_request_pending(s, &host, &req)) == -1)
		return -1;
	f->pending = rc;
	return 0;
}
