/* web_express.h -- who may have a listing removed at once (express delisting). */
#ifndef BACKSCATTER_WEB_EXPRESS_H
#define BACKSCATTER_WEB_EXPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "store/store.h"

#define WEB_EXPRESS_BLOCKED_MAX	64
/* The issue fixes the counting window for repeated express delistings. */
#define WEB_EXPRESS_WINDOW	(180LL * 86400)

/* The [express] section. */
struct web_express_policy {
	int		 enabled;
	int64_t		 quiet_period;	/* no hits for this long first, s */
	int		 max_delistings; /* approved within WEB_EXPRESS_WINDOW */
	int		 auto_approve;
	struct prefix	 blocked[WEB_EXPRESS_BLOCKED_MAX];
	size_t		 nblocked;
};

/* What the store says about one address, gathered before deciding. */
struct web_express_facts {
	int		 listed;	/* an active listing covers it */
	int		 own_listing;	/* ...and it is the address's own */
	unsigned int	 classes;	/* of that listing */
	int64_t		 last_hit;	/* its last_seen */
	int64_t		 recent_hits;	/* listable hits in quiet_period */
	int64_t		 express_count;	/* approved in the window */
	int		 pending;	/* a request waits already */
};

enum web_express_verdict {
	WEB_EXPRESS_ELIGIBLE = 0,
	WEB_EXPRESS_DISABLED,
	WEB_EXPRESS_NOT_LISTED,
	WEB_EXPRESS_PENDING,
	WEB_EXPRESS_BLOCKED,		/* an operator-blocked range */
	WEB_EXPRESS_MANUAL,		/* listed by the operator, or a range */
	WEB_EXPRESS_RECENT_HITS,	/* not fixed yet */
	WEB_EXPRESS_TOO_MANY,		/* max_delistings in 180 days */
};

/*
 * The rules, in the order a listed admin should hear them. Pure: no
 * store, no clock. *retry_at (may be NULL) gets when RECENT_HITS ends
 * if no new hit arrives, else 0.
 */
enum web_express_verdict web_express_check(const struct web_express_policy *,
			    const struct addr *, const struct web_express_facts *,
			    int64_t *retry_at);

/* A short machine name ("recent_hits") for the API. */
const char	*web_express_code(enum web_express_verdict);
/* One or two sentences in plain words for the page. */
const char	*web_express_explain(enum web_express_verdict);

/*
 * Fills facts for addr at now from the store (the covering listing, hits
 * in the quiet period, approved requests in the window, a pending
 * request). 0 / -1 (store error, in store_errmsg()).
 */
int		 web_express_gather(struct store *,
		    const struct web_express_policy *, const struct addr *,
		    int64_t now, struct web_express_facts *);

#endif
