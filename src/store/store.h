/* store.h -- the listing store: the only module that speaks SQL. */
#ifndef BACKSCATTER_STORE_H
#define BACKSCATTER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/hitclass.h"

/* Caps on stored text; longer values are cut at a UTF-8-agnostic byte edge. */
#define STORE_REASON_MAX	256	/* operator's --reason, incl. NUL */
#define STORE_WHO_MAX		64	/* "cli:root", "web:admin", incl. NUL */
#define STORE_HOW_MAX		32	/* "operator", "express", "excluded" */

enum listing_state {
	LISTING_PENDING = 0,	/* hits seen, fewer than listing.min_hits */
	LISTING_LISTED = 1,
	LISTING_DELISTED = 2,
	LISTING_EXPIRED = 3,
};
#define LISTING_NSTATES	4

/* "pending", "listed", "delisted", "expired"; NULL if out of range. */
const char	*store_state_name(enum listing_state);
/* 0 ok, -1 unknown name. */
int		 store_state_parse(const char *, enum listing_state *);

/* A listing expires never when expires is this (manual, --ttl never). */
#define STORE_NEVER		INT64_MAX

/*
 * One row of the listing table. state is the effective state at the "now"
 * of the call that filled it: a listing past its expiry reads as EXPIRED
 * even before `backscatter expire` journals it.
 */
struct listing {
	struct prefix		prefix;
	enum listing_state	state;
	int64_t			first_seen;	/* first hit ever (or manual add) */
	int64_t			listed_since;	/* start of the current or last listing */
	int64_t			last_seen;	/* last hit (or manual add) */
	int64_t			expires;	/* last_seen + ttl, or STORE_NEVER */
	int64_t			hits;		/* all hits ever */
	unsigned int		classes;	/* HIT_CLASS_BIT mask, all ever */
	int			times_listed;
	int64_t			delisted_at;	/* 0 if never */
	char			delist_how[STORE_HOW_MAX];
	char			reason[STORE_REASON_MAX];
};

/*
 * One trap event. Text fields are borrowed and may be NULL; the store keeps
 * copies. When the store hands a hit to a callback, the pointers are valid
 * only during that call.
 */
struct store_hit {
	int64_t			 t;
	struct addr		 addr;		/* the TCP peer, never a header */
	enum hit_class		 class;
	const char		*subclass;	/* "bounce/dsn", "autoreply/vacation" */
	const char		*sensor;	/* which trap saw it */
	const char		*helo;
	const char		*mail_from;
	const char		*rcpt;
	const char		*excerpt;	/* subject, DSN status, key headers */
	const char		*uid;		/* STORE_UID_LEN hex; NULL: made */
};

/* A hit's unique id: 128 bits as lower-case hex, without the NUL. */
#define STORE_UID_LEN		32

/* What store_record_hit() did with a hit (the hit row is always kept). */
enum store_hit_outcome {
	STORE_HIT_LISTED = 0,		/* a new listing (or a relisting) */
	STORE_HIT_EXTENDED,		/* was listed: last_seen and expiry moved */
	STORE_HIT_PENDING,		/* fewer than min_hits within the window */
	STORE_HIT_NOT_LISTABLE,		/* class "other", or a probe: evidence only */
	STORE_HIT_SPECIAL,		/* special-purpose range, not allowed */
	STORE_HIT_EXCLUDED,		/* an operator exclusion covers it */
};

/* Fixed at open; the listing policy comes from the config's [listing]. */
struct store_config {
	const char	*path;
	int64_t		 busy_timeout_ms;	/* wait this long on a lock */
	int		 sync_full;		/* fsync every commit */
	int64_t		 ttl;			/* listing.ttl, seconds */
	int		 min_hits;		/* listing.min_hits, >= 1 */
	int64_t		 window;		/* listing.window, seconds */
	unsigned int	 allow_special;		/* SPECIAL_* classes allowed */
};

struct config;
/*
 * The settings of [store] and [listing]; path is the caller's (store.path
 * or a copy of it) and must outlive the store_config.
 */
void		 store_config_from(struct store_config *, const struct config *,
		    const char *path);

#define STORE_OPEN_CREATE	0x1	/* create the file (and its directory) if missing */
#define STORE_OPEN_READONLY	0x2	/* never write; for show/search/export */

struct store;

/*
 * Opens (and with STORE_OPEN_CREATE creates) the store, switches it to WAL
 * and brings the schema up to date inside one transaction. Returns NULL
 * with a one-line reason in err, naming the path ("store ./var/x.db:
 * unable to open database file"). A schema newer than this program is
 * refused, never touched. Release with store_close().
 */
struct store	*store_open(const struct store_config *, int flags, char *err,
		    size_t errlen);
void		 store_close(struct store *);	/* NULL is a no-op */

/* The last error as one line ("store PATH: database is locked"). */
const char	*store_errmsg(const struct store *);

/* The schema version this program writes. */
int		 store_schema_version(void);

/*
 * Records one hit in one transaction: the hit row, the listing upsert and,
 * when the listing changed, a change-journal row. Once it returns 0 the
 * hit is committed (durable across kill -9; with sync_full across power
 * loss too) and *outcome says what it did. -1 on a store error: nothing
 * was written.
 */
int		 store_record_hit(struct store *, const struct store_hit *,
		    enum store_hit_outcome *outcome);

/*
 * Records n hits in one transaction (a sensor's spool upload, the
 * benchmark). outcomes may be NULL. All or nothing: -1 writes none.
 */
int		 store_record_hits(struct store *, const struct store_hit *,
		    size_t n, enum store_hit_outcome *outcomes);

/*
 * Is addr listed at now? Listed iff a listing covers it, its state is
 * listed, now < expires (exact to the second, no sweep needed) and no
 * operator exclusion covers addr. 1 listed and *out (may be NULL) is the
 * most specific such listing; 0 not listed; -1 store error.
 */
int		 store_lookup(struct store *, const struct addr *, int64_t now,
		    struct listing *out);

/* The row for exactly this prefix, whatever its state. 1 / 0 / -1. */
int		 store_listing_get(struct store *, const struct prefix *,
		    int64_t now, struct listing *out);

/*
 * Operator listing: lists the prefix now (or extends it) until now + ttl
 * (STORE_NEVER for never), adds the manual class, journals and audits.
 * Refused (-1, reason in store_errmsg) when an exclusion covers the whole
 * prefix; an exclusion inside it carves a hole (lookups there answer "not
 * listed"). An IPv6 prefix that would cover the IPv4-mapped range is
 * refused. 0 ok.
 */
int		 store_list_add(struct store *, const struct prefix *,
		    int64_t now, int64_t ttl, const char *reason,
		    const char *who);

/*
 * Delists exactly this prefix (state delisted, delisted_at = now, how),
 * journals and audits. 1 delisted, 0 it was not listed, -1 error.
 */
int		 store_list_del(struct store *, const struct prefix *,
		    int64_t now, const char *how, const char *reason,
		    const char *who);

/*
 * Journals every listing whose expiry has passed (state listed, expires
 * <= now) as expired. Running it twice changes nothing the second time.
 * *count (may be NULL) gets the number expired. 0 / -1.
 */
int		 store_expire(struct store *, int64_t now, const char *who,
		    int64_t *count);

/*
 * Adds an exclusion: hits inside are never listed, lookups inside answer
 * "not listed", and listings lying entirely inside are delisted (how
 * "excluded"). 0 ok (also if it existed), -1 error.
 */
int		 store_exclude_add(struct store *, const struct prefix *,
		    int64_t now, const char *reason, const char *who);
/* 1 removed, 0 there was no such exclusion, -1 error. */
int		 store_exclude_del(struct store *, const struct prefix *,
		    int64_t now, const char *reason, const char *who);

/* 1 and *range (may be NULL) set if an exclusion covers addr; 0; -1. */
int		 store_is_excluded(struct store *, const struct addr *,
		    struct prefix *range);

struct store_exclusion {
	struct prefix	 prefix;
	int64_t		 created;
	const char	*reason;	/* borrowed during the callback */
	const char	*who;
};

/* Callbacks return 0 to go on, non-zero to stop (the foreach returns 0). */
typedef int	(*store_listing_cb)(void *arg, const struct listing *);
typedef int	(*store_hit_cb)(void *arg, int64_t id, const struct store_hit *);
typedef int	(*store_exclusion_cb)(void *arg, const struct store_exclusion *);

int		 store_exclude_foreach(struct store *, store_exclusion_cb,
		    void *arg);

/* Which listings a search or an export walks. */
struct store_filter {
	int64_t			 now;
	unsigned int		 states;	/* mask of 1u << state; 0: listed only */
	unsigned int		 classes;	/* any of these; 0: any */
	int64_t			 since;		/* listed_since >= since; 0: any */
	const struct prefix	*within;	/* inside this prefix; NULL: any */
	size_t			 limit;		/* 0: no limit */
};

/*
 * Walks matching listings in address order (address, then prefix
 * length), with effective states at filter->now. 0 / -1.
 */
int		 store_listing_foreach(struct store *,
		    const struct store_filter *, store_listing_cb, void *arg);

/* The newest hits from addr, newest first, at most limit. 0 / -1. */
int		 store_hits_foreach(struct store *, const struct addr *,
		    size_t limit, store_hit_cb, void *arg);

/*
 * What the DNS zone needs of one listing, nothing more: read fast at
 * start-up, when the zone loads every listing at once.
 */
struct store_zone_row {
	struct prefix	 prefix;
	int64_t		 listed_since;
	int64_t		 last_seen;
	int64_t		 expires;
	unsigned int	 classes;
};
typedef int	(*store_zone_row_cb)(void *arg, const struct store_zone_row *);

/*
 * Every listing whose stored state is listed (expired or not: readers
 * check expiry), in table order, not address order: a sequential scan
 * is an order of magnitude faster than walking the address index and
 * fetching each row. Callers sort. 0 / -1.
 */
int		 store_zone_rows(struct store *, store_zone_row_cb, void *arg);
/*
 * Gives back the page cache of s's connection (up to 64 MiB, which a
 * table scan fills with pages that nothing reads again).
 */
void		 store_release_memory(struct store *);

struct store_audit {
	int64_t		 t;
	const char	*who;
	const char	*action;	/* "list add", "exclude del", ... */
	const char	*target;	/* the prefix in text, or "" */
	const char	*reason;
};
typedef int	(*store_audit_cb)(void *arg, const struct store_audit *);

/*
 * Audit entries, newest first; for one target (prefix in its text form)
 * or all when target is NULL; at most limit (0: all). 0 / -1.
 */
int		 store_audit_foreach(struct store *, const char *target,
		    size_t limit, store_audit_cb, void *arg);

/* One entry of the change journal that feeds the DNS server and IXFR. */
enum store_change_op {
	STORE_CHANGE_LIST = 'A',	/* listed, or its data changed */
	STORE_CHANGE_UNLIST = 'D',	/* delisted or expired */
	STORE_CHANGE_EXCLUDE = 'X',	/* exclusion added */
	STORE_CHANGE_UNEXCLUDE = 'x',	/* exclusion removed */
};

/*
 * The journal entry at serial: 1 and its time, prefix and op; 0 there is
 * none (never written, or pruned); -1 error.
 */
int		 store_change_at(struct store *, uint64_t serial, int64_t *t,
		    struct prefix *, enum store_change_op *);

typedef int	(*store_change_cb)(void *arg, uint64_t serial, int64_t t,
		    const struct prefix *, enum store_change_op);

/* The last journal serial (0 for an empty journal). 0 / -1. */
int		 store_serial(struct store *, uint64_t *serial);

/* Journal entries with serial > after, oldest first. 0 / -1. */
int		 store_changes_since(struct store *, uint64_t after,
		    store_change_cb, void *arg);

struct store_stats {
	int64_t		 listed;			/* active now */
	int64_t		 listed_by_class[HIT_NCLASSES];	/* active, by class seen */
	int64_t		 by_state[LISTING_NSTATES];	/* effective states */
	int64_t		 hits;
	/*
	 * Hits of the last 24 hours, counted in whole minutes of the hits'
	 * time: the minute now - 24 h falls in is counted whole, so a hit
	 * stays in for 24 hours and less than a minute more. For the
	 * present: minutes two days behind the newest hit are kept only
	 * in the totals, so a `now` further back misses them.
	 */
	int64_t		 hits_24h;
	int64_t		 hits_by_class[HIT_NCLASSES];
	int64_t		 exclusions;
	uint64_t	 serial;
	int64_t		 db_bytes;
};

int		 store_stats(struct store *, int64_t now, struct store_stats *);

/*
 * Groups many calls into one transaction (an import). Calls inside use
 * savepoints, so a failed one can be skipped. store_rollback() undoes
 * everything since store_begin(). 0 / -1.
 */
int		 store_begin(struct store *);
int		 store_commit(struct store *);
int		 store_rollback(struct store *);

/*
 * A read-only snapshot across several calls (the DNS zone's load: serial,
 * listings and exclusions must agree). BEGIN DEFERRED takes no write
 * lock, so writers go on meanwhile (WAL); the snapshot starts at the
 * first read. Not inside store_begin(); write calls inside fail.
 * store_read_end() always leaves the connection outside the transaction.
 * 0 / -1.
 */
int		 store_read_begin(struct store *);
int		 store_read_end(struct store *);

/*
 * Express delisting: a request to delist one address, waiting for an
 * operator (or express.auto_approve). States are stored as text.
 */
enum store_delist_state {
	STORE_DELIST_PENDING = 0,
	STORE_DELIST_APPROVED = 1,
	STORE_DELIST_DENIED = 2,
};
#define STORE_DELIST_NSTATES	3
#define STORE_REQUESTER_MAX	128	/* contact the requester gave, incl. NUL */
#define STORE_CLIENT_MAX	64	/* "web:192.0.2.1", incl. NUL */

/* "pending", "approved", "denied"; NULL if out of range. */
const char	*store_delist_state_name(enum store_delist_state);
/* 0 ok, -1 unknown name. */
int		 store_delist_state_parse(const char *,
		    enum store_delist_state *);

struct store_delist_request {
	int64_t			 id;
	int64_t			 t;		/* filed */
	struct prefix		 prefix;	/* a host prefix */
	enum store_delist_state	 state;
	int64_t			 decided_at;	/* 0 while pending */
	char			 requester[STORE_REQUESTER_MAX];
	char			 reason[STORE_REASON_MAX];
	char			 client[STORE_CLIENT_MAX];
	char			 decided_by[STORE_WHO_MAX];
	char			 note[STORE_REASON_MAX];
};
typedef int	(*store_delist_cb)(void *arg,
		    const struct store_delist_request *);

/*
 * Files a pending request for p (text fields may be NULL; longer ones
 * are cut) and audits it as "delist request". *id (may be NULL) gets
 * its id. Eligibility is the caller's business (web_express.h). 0 / -1.
 */
int		 store_delist_request_add(struct store *, const struct prefix *,
		    int64_t now, const char *requester, const char *reason,
		    const char *client, const char *who, int64_t *id);

/* The request with this id. 1 / 0 / -1. */
int		 store_delist_request_get(struct store *, int64_t id,
		    struct store_delist_request *out);

/* The newest pending request for exactly p. 1 / 0 / -1. */
int		 store_delist_request_pending(struct store *,
		    const struct prefix *, struct store_delist_request *out);

/*
 * Requests newest first; states is a mask of 1u << state (0: all);
 * at most limit (0: all). 0 / -1.
 */
int		 store_delist_request_foreach(struct store *,
		    unsigned int states, size_t limit, store_delist_cb,
		    void *arg);

/*
 * Decides a pending request in one transaction. Approval delists the
 * address's own listing if it is active (how "express"), journals an
 * unlist change that the DNS server follows, and audits "delist
 * approve"; denial only audits "delist deny". A later hit lists the
 * address again as usual. 1 decided, 0 no such pending request, -1.
 */
int		 store_delist_request_decide(struct store *, int64_t id,
		    int approve, int64_t now, const char *note,
		    const char *who);

/* Approved requests for exactly p decided after since. 0 / -1. */
int		 store_express_count(struct store *, const struct prefix *,
		    int64_t since, int64_t *count);

/* Listable hits (bounce, autoreply, callout) from a after since. 0 / -1. */
int		 store_hits_since(struct store *, const struct addr *,
		    int64_t since, int64_t *count);

/*
 * A listing's history from the journal, newest first: one event per
 * change of state (a run of "listed or extended" entries is one event,
 * the oldest of the run), at most limit. op is STORE_CHANGE_LIST or
 * STORE_CHANGE_UNLIST. An expiry nobody has journaled yet does not
 * show; callers compare expires with now. 0 / -1.
 */
typedef int	(*store_history_cb)(void *arg, int64_t t,
		    enum store_change_op op);
int		 store_history_foreach(struct store *, const struct prefix *,
		    size_t limit, store_history_cb, void *arg);

/* Per-day figures for the statistics page. */
struct store_day {
	int64_t		 active;			/* at the day's end */
	int64_t		 new_by_class[HIT_NCLASSES];	/* listings started */
};

/*
 * Fills out[0..ndays) for the days starting at day0 (a multiple of
 * 86400, UTC). A new listing counts under the class of the hit that
 * started it (manual when no hit did). Active counts come from each
 * listing's current or last period only: the listing table keeps one
 * period per address, so an address listed twice in the range counts
 * for its last period. Scans the listing table. 0 / -1.
 */
int		 store_daily_stats(struct store *, int64_t day0, size_t ndays,
		    struct store_day *out);

typedef int	(*store_network_cb)(void *arg, const struct prefix *,
		    int64_t count);
typedef int	(*store_value_cb)(void *arg, const char *value,
		    int64_t count);

/*
 * The networks (IPv4 /24, or IPv6 /48 when v6) with the most active
 * listings at now, most first, at most limit. 0 / -1.
 */
int		 store_top_networks(struct store *, int64_t now, int v6,
		    size_t limit, store_network_cb, void *arg);

/*
 * The most frequent values of one "Key: value" line of hit excerpts
 * since since ("MTA" for the classifier's guess at the software,
 * "Reporting-MTA" for DSNs), lower-cased, most first. 0 / -1.
 */
int		 store_top_excerpt_values(struct store *, const char *key,
		    int64_t since, size_t limit, store_value_cb, void *arg);

/*
 * One page of the listings active at now whose listing started at or
 * after since, in address order, strictly after *after (NULL: from
 * the start), at most limit (> 0). 0 / -1.
 */
int		 store_listings_page(struct store *, int64_t now,
		    int64_t since, const struct prefix *after, size_t limit,
		    store_listing_cb, void *arg);

/*
 * Self-test probes (client/probe.h). A probe sends mail from a unique
 * address at a trap domain; a hit whose recipient's local part is an
 * active probe token (started <= t < expires, case-insensitive) is kept
 * as evidence but never lists: the target's operator asked for the
 * test. Tokens start with STORE_PROBE_PREFIX so that ordinary hits cost
 * no lookup.
 */
#define STORE_PROBE_PREFIX	"probe-"
#define STORE_PROBE_TOKEN_MAX	64	/* incl. NUL */
#define STORE_PROBE_TARGET_MAX	256	/* incl. NUL */

/*
 * Registers token (STORE_PROBE_PREFIX, then letters, digits and '-'
 * only, shorter than STORE_PROBE_TOKEN_MAX) for target from now until
 * expires, and forgets probes that expired a day ago. 0, or -1 (a bad
 * or already used token, a store error).
 */
int		 store_probe_add(struct store *, const char *token,
		    const char *target, int64_t now, int64_t expires);

/* Is token an active probe at t? 1 / 0 / -1. */
int		 store_probe_active(struct store *, const char *token,
		    int64_t t);

/* The last hit id (0 for none), to read only the hits that follow. */
int		 store_hit_last_id(struct store *, int64_t *id);

/*
 * Hits with id > after whose recipient contains token followed by '@'
 * (any case), oldest first. 0 / -1.
 */
int		 store_hits_for_probe(struct store *, int64_t after,
		    const char *token, store_hit_cb, void *arg);

/* ---- remote sensors (trap/sensor_forward.h, POST /api/v1/hits) ---- */

/* 1 if uid is STORE_UID_LEN lower-case hex digits, else 0. */
int		 store_uid_valid(const char *uid);

/*
 * The central's side of a sensor upload: records n hits in one
 * transaction like store_record_hits(), except that a hit the store
 * already holds, the same uid with the same address and time, is
 * skipped (dup[i] = 1, nothing counted,
 * listing untouched): a batch sent again after a lost reply changes
 * nothing. Every hit must carry a valid uid. outcomes and dup may be
 * NULL; *ndup (may be NULL) gets the number skipped. All or nothing.
 * 0 / -1.
 */
int		 store_ingest_hits(struct store *, const struct store_hit *,
		    size_t n, enum store_hit_outcome *outcomes,
		    unsigned char *dup, size_t *ndup);

/* Hits with id > after, oldest first, at most limit (> 0). 0 / -1. */
int		 store_hits_after(struct store *, int64_t after, size_t limit,
		    store_hit_cb, void *arg);

/*
 * The forwarding cursor for one central (its URL): the last hit id
 * it acknowledged, 0 before the first. store_forward_set() only moves
 * it forward. 0 / -1.
 */
int		 store_forward_get(struct store *, const char *central,
		    int64_t *last_id);
int		 store_forward_set(struct store *, const char *central,
		    int64_t last_id, int64_t now);

/*
 * The earliest expiry after now among listings stored as listed, for
 * a reader that must notice an expiry nobody journaled (the feed).
 * 1 and *t set, 0 there is none, -1.
 */
int		 store_next_expiry(struct store *, int64_t now, int64_t *t);

#endif
