/* feed.h -- the rbldnsd feed: a file for rsync mirrors and a gzip for HTTP. */
#ifndef BACKSCATTER_FEED_H
#define BACKSCATTER_FEED_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"

/* How often the feed looks at the store for a change, ms. */
#define FEED_POLL_MS		1000
/* ETag: '"' + 32 hex digits of the content's SHA-256 + '"' + NUL. */
#define FEED_ETAG_MAX		36

/*
 * Everything a feed needs, self-contained (no pointer into a struct
 * config), so that it can be copied into another thread's server.
 */
struct feed_config {
	char			 path[PATH_MAX];	/* "" : no file */
	int64_t			 interval;		/* s between rewrites */
	int			 http;			/* keep a gzip for HTTP */
	char			 store_path[PATH_MAX];
	struct store_config	 store;			/* .path: see feed_new */
	char			 zone[256];
	char			 answer[64];
	int64_t			 ttl;
	char			 txt[CONFIG_LINE_MAX + 1];
	char			 lookup_url[CONFIG_LINE_MAX + 1];
};

/*
 * Fills fc from the config's [feed], [dns] (zone, answer, ttl, txt),
 * [web] lookup_url, [store] and [listing]. 0, or -1 with the reason
 * in err.
 */
int	 feed_config_init(struct feed_config *fc, const struct config *cfg,
	    char *err, size_t errlen);

/* 1 if the config asks for a feed (a file or the HTTP download), else 0. */
int	 feed_config_enabled(const struct feed_config *fc);

/*
 * One built feed, immutable once published and shared by reference:
 * the HTTP handler holds one while libevent sends it.
 */
struct feed_blob {
	unsigned char	*gz;		/* the rbldnsd file, gzip (RFC 1952) */
	size_t		 gzlen;
	size_t		 rawlen;	/* the file's size */
	char		 etag[FEED_ETAG_MAX];	/* strong, with its quotes */
	int64_t		 mtime;		/* when it was built, for Last-Modified */
	uint64_t	 serial;	/* the journal serial it reflects */
	int		 refs;		/* atomically updated */
};

struct feed;

/*
 * Copies the config and opens the feed's own store connection; nothing
 * is built until feed_start() or feed_build(). NULL with the reason in
 * err.
 */
struct feed	*feed_new(const struct feed_config *, char *err,
		    size_t errlen);

/*
 * Starts the thread that rebuilds the feed when the list changed (a new
 * journal serial, or a listing's expiry passed), at most once every
 * interval seconds; the first build is at once. 0 / -1.
 */
int		 feed_start(struct feed *);

/* Stops and joins the thread; a no-op when it does not run or for NULL. */
void		 feed_stop(struct feed *);

/* Stops the thread if needed and frees everything; NULL is a no-op. */
void		 feed_free(struct feed *);

/*
 * Builds now if the list changed since the last build (force: always):
 * writes the file atomically (temporary file in the same directory,
 * fsync, rename, fsync of the directory) and publishes the gzip. The
 * thread calls it; tests and benchmarks may call it without one.
 * 1 built, 0 nothing to do, -1 failed (logged, reason in err).
 */
int		 feed_build(struct feed *, int64_t now, int force, char *err,
		    size_t errlen);

/*
 * The current blob with a reference taken, or NULL before the first
 * build or without http. Thread-safe; release with feed_blob_release().
 */
struct feed_blob *feed_acquire(struct feed *);
void		 feed_blob_release(struct feed_blob *);	/* NULL: no-op */

/* The zone the feed is for (the download's name is ZONE.rbldnsd.gz). */
const char	*feed_zone(const struct feed *);

#endif
