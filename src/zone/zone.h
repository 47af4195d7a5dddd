/* zone.h -- the DNS server's in-memory copy of the list: no SQL, no malloc on lookups. */
#ifndef BACKSCATTER_ZONE_H
#define BACKSCATTER_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "store/store.h"

/*
 * A zone holds every listing the store has in state listed (whatever its
 * expiry: expiry is checked at lookup time, exact to the second) and every
 * exclusion, in compact sorted arrays, plus a small overlay of recent
 * changes read from the store's journal. One updater thread loads and
 * follows the store; any number of reader threads look up concurrently
 * and never wait for the updater.
 *
 * Memory is reclaimed by quiescent-state tracking: each reader thread
 * registers once and calls zone_reader_quiescent() whenever it holds no
 * pointer into the zone (between batches of queries). The updater frees
 * a replaced version only after every registered reader has passed a
 * quiescent point since it was replaced.
 */

/* What a lookup returns about the listing that answers. */
struct zone_listing {
	struct prefix	 prefix;
	int64_t		 listed_since;
	int64_t		 last_seen;
	int64_t		 expires;	/* STORE_NEVER for never */
	unsigned int	 classes;	/* HIT_CLASS_BIT mask */
};

struct zone;
struct zone_reader;

/* An empty zone (serial 0). NULL when out of memory. */
struct zone	*zone_new(void);
/* Frees everything; no reader may be registered any more. NULL is a no-op. */
void		 zone_free(struct zone *);

/*
 * Updater only. Builds a full snapshot from the store (all listings in
 * state listed, all exclusions) and publishes it; the serial becomes the
 * store's serial read in the same read transaction. 0 ok, -1 with the
 * reason in err (the zone keeps its previous contents).
 */
int		 zone_load(struct zone *, struct store *, char *err,
		    size_t errlen);

/*
 * A restart without the table scan: the zone as zone_snapshot_save left
 * it in path, published at the snapshot's serial (zone_follow then
 * applies what the journal holds since), with the store's current
 * exclusions. Only when the store's journal holds the entry the snapshot
 * was marked with at its serial. 1 loaded; 0 not (why in err; the zone
 * is unchanged and zone_load is the way).
 */
int		 zone_load_snapshot(struct zone *, struct store *,
		    const char *path, char *err, size_t errlen);

/*
 * Writes the zone as it is (base and overlay merged) to path, relative
 * to the directory dirfd (or AT_FDCWD), marked with the store's journal
 * entry at its serial. Updater only (readers may run). 1 written, 0
 * nothing to mark it with (an empty journal), -1 error (why in err).
 */
int		 zone_snapshot_save(struct zone *, struct store *, int dirfd,
		    const char *path, char *err, size_t errlen);

/*
 * Updater only. Applies journal entries after the zone's serial
 * (store_changes_since) and publishes the result, so lookups see them at
 * once. Changes land in an overlay that is merged into the sorted arrays
 * when it grows past ZONE_OVERLAY_MAX entries (the merge is built aside
 * and swapped in: readers never pause). *changed (may be NULL) gets the
 * number of journal entries applied. When the journal cannot bring the
 * zone up to date (the store's serial went back, or entries are missing)
 * it reloads the whole zone instead. 0 ok, -1 with err.
 */
#define ZONE_OVERLAY_MAX	4096
int		 zone_follow(struct zone *, struct store *, size_t *changed,
		    char *err, size_t errlen);

/* Updater only: frees versions that no reader can still see. */
void		 zone_reclaim(struct zone *);

/* The journal serial the zone reflects (lock-free read, any thread). */
uint64_t	 zone_serial(const struct zone *);
/* Listings held (active or not yet swept), for stats and start-up logs. */
size_t		 zone_count(const struct zone *);

/* Each reader thread registers once; NULL when out of memory. */
struct zone_reader *zone_reader_register(struct zone *);
void		 zone_reader_unregister(struct zone_reader *);
/* "I hold no pointer into the zone now": lets the updater reclaim. */
void		 zone_reader_quiescent(struct zone_reader *);

/*
 * Is addr listed at now? The most specific listing covering addr that is
 * active (now < expires); an operator exclusion covering addr makes the
 * answer "not listed" whatever the listings say (the store's rule).
 * 1 and *out filled, 0 not listed. Never allocates, never blocks.
 */
int		 zone_lookup(struct zone_reader *, const struct addr *,
		    int64_t now, struct zone_listing *out);

/*
 * A hint that zone_lookup(a) comes soon, for a server that answers a
 * batch of queries: stage 0 fetches the IPv4 bucket index of a into the
 * cache, stage 1 (called once stage 0 ran for the whole batch, so that
 * the index has arrived) the bucket's keys, stage 2 (after stage 1 for
 * the whole batch) the times and classes of a's position among them.
 * The misses of a batch then overlap instead of following one another.
 * Changes nothing; any address is fine.
 */
void		 zone_prefetch(struct zone_reader *, const struct addr *a,
		    int stage);

/*
 * Does any listing (active or not: a false "yes" only costs a resolver
 * some caching, a false "no" hides listings, RFC 8020) intersect p, that
 * is lie inside p or cover it? The DNS server answers an empty
 * non-terminal (NOERROR, no data) instead of NXDOMAIN for such names.
 * 1 yes, 0 no.
 */
int		 zone_intersects(struct zone_reader *, const struct prefix *p);

#endif
