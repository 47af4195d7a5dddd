/* zone_build.h -- the zone's arrays and their building; internal to zone/. */
#ifndef BACKSCATTER_ZONE_BUILD_H
#define BACKSCATTER_ZONE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define ZONE_NLENS		129	/* prefix lengths 0..128 */
/*
 * The compact IPv4 table is cut into buckets by the top 16 bits of the
 * address: 65,536 buckets of a uint32 start index cost 256 KiB, which at
 * a million listings is 0.26 bytes each, and they let a key keep only its
 * low 16 bits (2 bytes instead of 4) and a lookup start in a bucket of
 * ~15 keys instead of a binary search over all of them.
 */
#define ZONE_V4_BUCKETS		65536
/* A compact expiry of "never" (STORE_NEVER). */
#define ZONE_V4_NEVER		UINT32_MAX

/*
 * Everything a reader can see is an object that the updater retires once
 * it is replaced and frees once no reader can hold it any more (zone.c).
 */
enum zone_kind {
	ZONE_OBJ_VERSION,
	ZONE_OBJ_BASE,
	ZONE_OBJ_OVERLAY,
	ZONE_OBJ_EXCL,
};

struct zone_obj {
	struct zone_obj	*next;		/* on the retired list */
	uint64_t	 epoch;		/* retired at this epoch */
	enum zone_kind	 kind;
};

/*
 * One listing in full: an overlay entry, or a base entry that the compact
 * table cannot hold (a prefix, IPv6, or times outside 1970..2106). 48
 * bytes; few listings take this form.
 */
struct zone_entry {
	struct addr	 addr;		/* bits past len are zero */
	int64_t		 since;		/* listed_since */
	int64_t		 seen;		/* last_seen */
	int64_t		 expires;	/* STORE_NEVER for never */
	uint32_t	 classes;
	uint8_t		 len;		/* 0..128 */
	uint8_t		 gone;		/* overlay: delisted, hides base */
	uint8_t		 inbase;	/* overlay: the base has this prefix */
};

/* Times of a compact IPv4 host listing: seconds since 1970 in 32 bits. */
struct zone_v4info {
	uint32_t	 since;
	uint32_t	 seen;
	uint32_t	 expires;	/* ZONE_V4_NEVER for never */
};

/*
 * The bulk of the zone, immutable once built.
 *
 * IPv4 host listings (nearly all of a backscatter list) sit in parallel
 * arrays sorted by address: the low 16 bits of the address (v4lo), the
 * three times (v4info) and the classes (v4cls), 15 bytes a listing, plus
 * the bucket index v4idx: the listings whose top 16 bits are b occupy
 * [v4idx[b], v4idx[b + 1]). A miss reads two index words and one short
 * run of v4lo; a hit reads one v4info and one v4cls more.
 *
 * Everything else is in wide[len]: struct zone_entry sorted by address,
 * one array per prefix length. The IPv4 (v4-mapped) entries of a wide
 * table are contiguous, [w4beg[len], w4end[len]), so that an IPv4 probe
 * never searches the IPv6 hosts that share wide[128]. lens lists the
 * lengths holding anything (compact entries count as 128), longest
 * first.
 */
struct zone_base {
	struct zone_obj		 obj;
	size_t			 count;	/* listings, all tables */
	size_t			 v4n;
	uint32_t		*v4idx;	/* ZONE_V4_BUCKETS + 1, or NULL */
	uint16_t		*v4lo;
	struct zone_v4info	*v4info;
	uint8_t			*v4cls;
	void			*v4map;	/* the four above, one mapping */
	size_t			 v4maplen;
	struct zone_entry	*wide[ZONE_NLENS];
	size_t			 nwide[ZONE_NLENS];
	size_t			 w4beg[ZONE_NLENS];
	size_t			 w4end[ZONE_NLENS];
	uint8_t			 lens[ZONE_NLENS];
	unsigned int		 nlens;
};

/*
 * Operator exclusions, immutable once built: addresses sorted by length
 * (longest first), then address; run i covers a[runs[i].start] to
 * a[runs[i].end - 1], all of length runs[i].len.
 */
struct zone_excl_run {
	uint32_t		 start;
	uint32_t		 end;
	uint8_t			 len;
};

struct zone_excl {
	struct zone_obj		 obj;
	size_t			 n;
	unsigned int		 nruns;
	struct zone_excl_run	 runs[ZONE_NLENS];
	struct addr		 a[];
};

/*
 * Builds a base from listings handed over in address order for each
 * prefix length (the order of the store's walk and of a merge). Growable
 * arrays, trimmed to size at the end.
 */
struct zone_builder {
	size_t			 count;
	size_t			 v4n, v4cap;
	uint32_t		*v4idx;
	uint32_t		 v4nb;		/* v4idx slots filled */
	uint32_t		 v4last;	/* last compact key added */
	uint16_t		*v4lo;
	struct zone_v4info	*v4info;
	uint8_t			*v4cls;
	struct zone_entry	*wide[ZONE_NLENS];
	size_t			 nwide[ZONE_NLENS];
	size_t			 capwide[ZONE_NLENS];
	const char		*err;	/* why the last call failed */
};

void	 zone_build_init(struct zone_builder *);
/* Room for this many compact listings up front. 0 / -1 (out of memory). */
int	 zone_build_reserve(struct zone_builder *, size_t v4n);
/*
 * Adds one listing (gone and inbase are ignored). Within one prefix
 * length, addresses must come strictly ascending. 0 / -1 with err.
 */
int	 zone_build_add(struct zone_builder *, const struct zone_entry *);
/* The finished base (caller frees), NULL with err; the builder is reset. */
struct zone_base *zone_build_finish(struct zone_builder *);
/* Drops what was added so far. */
void	 zone_build_discard(struct zone_builder *);

/*
 * A new base holding b with the overlay entries ov[0..n) applied (sorted
 * by address, then length; an entry replaces the base's listing of the
 * same prefix, a gone one removes it). b may be NULL. NULL with *err.
 */
struct zone_base *zone_base_merge(const struct zone_base *b,
	    const struct zone_entry *ov, size_t n, const char **err);
void	 zone_base_free(struct zone_base *);	/* NULL is a no-op */

/* 1 if the compact table can hold e (an IPv4 host with 32-bit times). */
int	 zone_entry_compact(const struct zone_entry *);

/* The compact key of a v4-mapped address: its IPv4 address as a number. */
static inline uint32_t
zone_v4_key(const struct addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
	    (uint32_t)a->b[14] << 8 | (uint32_t)a->b[15];
}

/*
 * Exclusions from n prefixes in any order, duplicates allowed (caller
 * frees); NULL when out of memory. n may be 0.
 */
struct zone_excl *zone_excl_new(const struct prefix *, size_t n);
/* Writes the ex->n prefixes of ex to out. */
void	 zone_excl_list(const struct zone_excl *, struct prefix *out);
void	 zone_excl_free(struct zone_excl *);	/* NULL is a no-op */

#endif
