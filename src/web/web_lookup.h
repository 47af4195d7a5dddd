/* web_lookup.h -- what a lookup shows about one address, gathered and masked. */
#ifndef BACKSCATTER_WEB_LOOKUP_H
#define BACKSCATTER_WEB_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "store/store.h"
#include "web/web_express.h"
#include "web/web_guide.h"

#define WEB_EVIDENCE_MAX	10	/* newest hits shown */
#define WEB_HISTORY_MAX		20	/* state changes shown */
#define WEB_TRAP_DOMAINS_MAX	64
#define WEB_FIELD_MAX		256	/* one shown field, incl. NUL */

/*
 * One hit as the public sees it. rcpt_domain is all that is left of
 * the trap address; any address in a trap domain elsewhere has its
 * local part replaced, so no page or answer reveals a trap.
 */
struct web_evidence {
	int64_t		 t;
	enum hit_class	 class;
	char		 subclass[WEB_FIELD_MAX];
	char		 helo[WEB_FIELD_MAX];
	char		 mail_from[WEB_FIELD_MAX];
	char		 rcpt_domain[WEB_FIELD_MAX];
	char		 status[WEB_FIELD_MAX];		/* DSN Status */
	char		 reporting_mta[WEB_FIELD_MAX];
	char		 diagnostic[WEB_FIELD_MAX];
	char		 subject[WEB_FIELD_MAX];
	char		 mta[WEB_FIELD_MAX];		/* the classifier's guess */
};

struct web_history {
	int64_t		 t;
	const char	*event;		/* "listed", "delisted", "expired" */
};

struct web_lookup {
	struct addr		 addr;
	char			 ip[ADDR_STRLEN];
	int			 listed;
	struct listing		 active;	/* when listed */
	int			 has_host;
	struct listing		 host;		/* the address's own row */
	int			 excluded;
	const char		*special;	/* special-purpose range name */
	struct web_evidence	 ev[WEB_EVIDENCE_MAX];
	size_t			 nev;
	struct web_history	 hist[WEB_HISTORY_MAX];
	size_t			 nhist;
	struct web_express_facts facts;
	enum web_express_verdict verdict;
	int64_t			 retry_at;
	int			 pending;
	struct store_delist_request req;	/* when pending */
	const struct web_guide	*guide;		/* NULL: the index */
};

/* The trap domains whose local parts are never shown. */
struct web_mask {
	char	 domains[WEB_TRAP_DOMAINS_MAX][WEB_FIELD_MAX];
	size_t	 ndomains;
};

/*
 * Gathers everything a lookup shows for addr at now. 0 / -1 (store
 * error, in store_errmsg()).
 */
int	 web_lookup_gather(struct store *, const struct web_express_policy *,
	    const struct web_mask *, const struct addr *, int64_t now,
	    struct web_lookup *);

/*
 * Copies text (may be NULL) to out, replacing the local part of every
 * address whose domain is rcpt's domain or a trap domain by "*", and
 * the whole of any text containing rcpt itself. Always NUL-terminates;
 * cuts at size. Pure.
 */
void	 web_mask_text(const struct web_mask *, const char *rcpt,
	    const char *text, char *out, size_t size);

/* The domain of an address ("" when there is no "@"). Pure. */
void	 web_rcpt_domain(const char *rcpt, char *out, size_t size);

/* What a class means, in plain words. */
const char *web_class_explain(enum hit_class);

#endif
