/* zone_snapshot.h -- the zone's arrays in a file; internal to zone/. */
#ifndef BACKSCATTER_ZONE_SNAPSHOT_H
#define BACKSCATTER_ZONE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct zone_base;

/*
 * The store's journal entry at a snapshot's serial, as the snapshot
 * keeps it: a snapshot is used only with a store whose journal holds the
 * same entry at that serial, so that a snapshot of another store (or of
 * this one before it was rebuilt) is never taken for this one's.
 */
struct zone_mark {
	int64_t		 t;
	uint8_t		 addr[16];
	uint32_t	 plen;
	uint32_t	 op;
};

/*
 * Writes base b (NULL: empty) at serial to path, relative to the
 * directory dirfd (or AT_FDCWD): a temporary file, fsync'd, renamed over
 * path. A directory opened before a chroot still names the store's.
 * 0, or -1 and a message in err.
 */
int	 zone_snapshot_write(const struct zone_base *b, uint64_t serial,
	    const struct zone_mark *, int dirfd, const char *path, char *err,
	    size_t errlen);

/*
 * Reads a snapshot back into a base, with its serial and mark, once its
 * header, length, CRC and order check out. NULL and why in err.
 */
struct zone_base *zone_snapshot_read(const char *path, uint64_t *serial,
	    struct zone_mark *, char *err, size_t errlen);

#endif
