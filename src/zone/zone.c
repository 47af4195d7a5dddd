/* zone.c -- the DNS server's in-memory list: lock-free reads, live updates. */
/* qsort_r is a GNU interface (and POSIX 2024). */
#define _GNU_SOURCE
#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone.h"
#include "zone/zone_build.h"
#include "zone/zone_snapshot.h"

/*
 * How it fits together.
 *
 * What readers see is one immutable version: a base (the sorted arrays
 * of zone_build.h, the bulk), an overlay (a small sorted array of the
 * changes followed since the base was built) and the exclusions. The
 * updater never writes into anything a reader may hold: each follow
 * builds a new overlay (copy-on-write: it is small), a new exclusion set
 * when exclusions changed, and a new version pointing at them, and
 * publishes that with one atomic pointer store. When the overlay grows
 * past ZONE_OVERLAY_MAX entries the updater merges it into a new base
 * aside (linear in the base, the old one still serving) and publishes
 * base and empty overlay in the same single swap. Lookups thus never
 * wait and never see half an update, at the price of a second base in
 * memory during a merge.
 *
 * A replaced version and the parts it does not share with its successor
 * are retired, not freed: quiescent-state-based reclamation. A global
 * epoch counts publications. Each reader stores the epoch it last saw
 * whenever it holds no pointer into the zone (zone_reader_quiescent);
 * an object retired at epoch e is freed once every registered reader
 * has stored an epoch >= e: such a reader read the epoch after the
 * publication, so any pointer it loaded since is to a newer version,
 * and the ones it loaded before it has let go. The lookup path pays one
 * acquire load; a reader that never goes quiescent keeps the updater
 * from freeing (memory grows) but never from publishing. Registering
 * and unregistering take a mutex; lookups never do.
 */

/*
 * Changes since the base, sorted by address then length. An entry
 * replaces the base's listing of the same prefix (or adds one); a gone
 * entry hides it. cum[i] is the net number of listings the entries
 * before i add to the base (+1 new, -1 gone, 0 replaced), so that
 * zone_intersects counts a range in O(log n). inbase is computed once,
 * when the entry enters the overlay: the base under an overlay never
 * changes.
 *
 * filter has one bit per hash of each entry's (address, length): a clear
 * bit lets a lookup skip the overlay's binary search, which would
 * otherwise cost about as much as the base's. 65,536 bits (8 KiB, cache
 * resident) at ZONE_OVERLAY_MAX entries let about 6% of the lookups
 * that miss the overlay search it anyway.
 */
#define ZONE_OV_FILTER_BITS	65536

struct zone_overlay {
	struct zone_obj		 obj;
	size_t			 n;
	uint64_t		 anylens[3];	/* lengths with any entry */
	uint64_t		 listlens[3];	/* ... with listed entries */
	uint64_t		 filter[ZONE_OV_FILTER_BITS / 64];
	int32_t			*cum;		/* n + 1 */
	struct zone_entry	 e[];
};

struct zone_version {
	struct zone_obj		 obj;
	struct zone_base	*base;		/* NULL: empty */
	struct zone_overlay	*ov;		/* NULL: empty */
	struct zone_excl	*ex;		/* NULL: none */
	uint64_t		 serial;
	size_t			 count;
	unsigned int		 nlens;
	uint8_t			 lens[ZONE_NLENS]; /* longest first */
};

/*
 * One cache line per reader: the epoch is written at every quiescent
 * point, and readers must not slow each other down by sharing a line.
 */
#define ZONE_CACHE_LINE		64

struct zone_reader {
	_Alignas(ZONE_CACHE_LINE) _Atomic uint64_t epoch;
	struct zone		*z;
	struct zone_reader	*next;
};

struct zone {
	_Atomic(struct zone_version *) cur;
	_Atomic uint64_t	 epoch;
	_Atomic uint64_t	 serial;
	_Atomic size_t		 count;
	pthread_mutex_t		 lock;	/* guards readers */
	struct zone_reader	*readers;
	struct zone_obj		*retired;	/* updater only */
};

static const uint8_t zone_v4_mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* out = a with every bit past len cleared. */
static inline void
zone_mask(struct addr *out, const struct addr *a, unsigned int len)
{
	unsigned int i = len / 8;

	*out = *a;
	if (len >= 128)
		return;
	if (len % 8 != 0) {
		out->b[i] &= (uint8_t)(0xff << (8 - len % 8));
		i++;
	}
	memset(out->b + i, 0, 16 - i);
}

/* Bit sets: of prefix lengths, and the overlay's filter. */
static inline int
zone_bit(const uint64_t *set, unsigned int bit)
{
	return (int)((set[bit / 64] >> (bit % 64)) & 1);
}

static inline void
zone_bit_set(uint64_t *set, unsigned int bit)
{
	set[bit / 64] |= 1ULL << (bit % 64);
}

static inline uint64_t
zone_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

/*
 * memcmp order, as two integer comparisons: the compiler makes memcmp a
 * call, which costs as much as the rest of a probe.
 */
static inline int
zone_addr_cmp(const struct addr *a, const struct addr *b)
{
	uint64_t x = zone_be64(a->b), y = zone_be64(b->b);

	if (x != y)
		return x < y ? -1 : 1;
	x = zone_be64(a->b + 8);
	y = zone_be64(b->b + 8);
	return (x > y) - (x < y);
}

/* 1 if a is v4-mapped (::ffff:0:0/96), that is IPv4. */
static inline int
zone_is_v4(const struct addr *a)
{
	return zone_be64(a->b) == 0 &&
	    zone_be64(a->b + 8) >> 32 == 0xffff;
}

/* Entry order: address, then length. */
static inline int
zone_entry_keycmp(const struct zone_entry *e, const struct addr *a,
    unsigned int len)
{
	int c = zone_addr_cmp(&e->addr, a);

	if (c != 0)
		return c;
	return e->len < len ? -1 : e->len > len;
}

/* The overlay filter's bit for a prefix (multiplicative hashing). */
static inline uint32_t
zone_ov_hash(const struct addr *a, unsigned int len)
{
	uint64_t h;

	h = zone_be64(a->b) * 0x9e3779b97f4a7c15ULL ^ zone_be64(a->b + 8);
	h = (h ^ len) * 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h >> 48) % ZONE_OV_FILTER_BITS;
}

static void
zone_fill(struct zone_listing *out, const struct zone_entry *e)
{
	out->prefix.addr = e->addr;
	out->prefix.len = e->len;
	out->listed_since = e->since;
	out->last_seen = e->seen;
	out->expires = e->expires;
	out->classes = e->classes;
}

/*
 * The position of the first key >= key in the compact table. The search
 * has no branch on the keys (a conditional move): whether a random key
 * lies left or right cannot be predicted, and a mispredicted branch at
 * each of a bucket's four halvings cost more than the keys' cache line.
 * The answer stays within [at, at + n]; halving keeps n - half >= half.
 */
static size_t
zone_v4_rank(const struct zone_base *b, uint32_t key)
{
	uint32_t bucket = key >> 16;
	uint16_t k = (uint16_t)(key & 0xffff);
	const uint16_t *at;
	size_t n, half;

	if (b->v4n == 0)
		return 0;
	at = &b->v4lo[b->v4idx[bucket]];
	n = b->v4idx[bucket + 1] - b->v4idx[bucket];
	if (n == 0)
		return b->v4idx[bucket];
	while (n > 1) {
		half = n / 2;
		/* A mask, not ?:, which the compiler made a branch. */
		at += half & (0 - (size_t)(at[half - 1] < k));
		n -= half;
	}
	return (size_t)(at - b->v4lo) + (at[0] < k);
}

/*
 * The position of the first wide entry of length len with address >= a,
 * searching [lo, hi) (the caller knows the answer lies there).
 */
static size_t
zone_wide_rank(const struct zone_base *b, unsigned int len, size_t lo,
    size_t hi, const struct addr *a)
{
	const struct zone_entry *w = b->wide[len];
	size_t mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (zone_addr_cmp(&w[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The base's listing of exactly key/len (key masked), expired or not.
 * 1 and *out (may be NULL) filled, 0 none.
 */
static int
zone_base_probe(const struct zone_base *b, const struct addr *key,
    unsigned int len, struct zone_listing *out)
{
	size_t pos, lo, hi;
	int v4;

	if (b == NULL)
		return 0;
	v4 = zone_is_v4(key);
	if (len == 128 && v4 && b->v4n > 0) {
		uint32_t k = zone_v4_key(key);
		const struct zone_v4info *info;

		pos = zone_v4_rank(b, k);
		if (pos < b->v4idx[(k >> 16) + 1] &&
		    b->v4lo[pos] == (uint16_t)(k & 0xffff)) {
			if (out != NULL) {
				info = &b->v4info[pos];
				out->prefix.addr = *key;
				out->prefix.len = 128;
				out->listed_since = info->since;
				out->last_seen = info->seen;
				out->expires = info->expires == ZONE_V4_NEVER ?
				    STORE_NEVER : (int64_t)info->expires;
				out->classes = b->v4cls[pos];
			}
			return 1;
		}
	}
	/* Only the key's own family: IPv4 is the range [w4beg, w4end). */
	lo = v4 ? b->w4beg[len] : 0;
	hi = v4 ? b->w4end[len] : b->nwide[len];
	if (lo == hi)
		return 0;
	pos = zone_wide_rank(b, len, lo, hi, key);
	if (pos < hi && zone_addr_cmp(&b->wide[len][pos].addr, key) == 0) {
		if (out != NULL)
			zone_fill(out, &b->wide[len][pos]);
		return 1;
	}
	return 0;
}

/* The position of the first overlay entry >= (a, len). */
static size_t
zone_ov_rank(const struct zone_overlay *ov, const struct addr *a,
    unsigned int len)
{
	size_t lo = 0, hi = ov->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (zone_entry_keycmp(&ov->e[mid], a, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The version's listing of exactly key/len, expired or not: the
 * overlay's entry when it has one (a gone one means none), else the
 * base's. 1 and *out (may be NULL), 0 none.
 */
static int
zone_probe(const struct zone_version *v, const struct addr *key,
    unsigned int len, struct zone_listing *out)
{
	const struct zone_overlay *ov = v->ov;
	size_t pos;

	if (ov != NULL && zone_bit(ov->anylens, len) &&
	    zone_bit(ov->filter, zone_ov_hash(key, len))) {
		pos = zone_ov_rank(ov, key, len);
		if (pos < ov->n && zone_entry_keycmp(&ov->e[pos], key,
		    len) == 0) {
			if (ov->e[pos].gone)
				return 0;
			if (out != NULL)
				zone_fill(out, &ov->e[pos]);
			return 1;
		}
	}
	return zone_base_probe(v->base, key, len, out);
}

/* 1 if an exclusion covers a: one binary search per length in use. */
static int
zone_excl_match(const struct zone_excl *ex, const struct addr *a)
{
	const struct zone_excl_run *run;
	struct addr key;
	uint32_t lo, hi, mid;
	int c;

	for (unsigned int r = 0; r < ex->nruns; r++) {
		run = &ex->runs[r];
		zone_mask(&key, a, run->len);
		lo = run->start;
		hi = run->end;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			c = zone_addr_cmp(&ex->a[mid], &key);
			if (c == 0)
				return 1;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return 0;
}

/*
 * The most specific active listing wins, so lengths are tried longest
 * first, one exact probe each (mask, then binary search): a shorter
 * listing answers when the longer one has expired. An IPv4 address can
 * only be covered by IPv4 prefixes (length >= 96; the store refuses IPv6
 * prefixes over the mapped range), so its probes stop there. A typical
 * zone has a handful of lengths; the usual IPv4 query costs one bucket
 * search of the compact table (plus one of the overlay).
 */
int
zone_lookup(struct zone_reader *r, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	const struct zone_version *v;
	struct zone_listing l;
	struct addr key;
	unsigned int len;
	int v4 = zone_is_v4(a);

	v = atomic_load_explicit(&r->z->cur, memory_order_acquire);
	if (v->ex != NULL && zone_excl_match(v->ex, a))
		return 0;
	for (unsigned int i = 0; i < v->nlens; i++) {
		len = v->lens[i];
		if (v4 && len < 96)
			break;
		zone_mask(&key, a, len);
		if (zone_probe(v, &key, len, &l) && now < l.expires) {
			if (out != NULL)
				*out = l;
			return 1;
		}
	}
	return 0;
}

void
zone_prefetch(struct zone_reader *r, const struct addr *a, int stage)
{
	const struct zone_version *v;
	const struct zone_base *b;
	uint32_t k, lo, hi;

	v = atomic_load_explicit(&r->z->cur, memory_order_acquire);
	b = v->base;
	if (b == NULL || b->v4n == 0 || !zone_is_v4(a))
		return;
	k = zone_v4_key(a);
	if (stage == 0) {
		__builtin_prefetch(&b->v4idx[k >> 16]);
		return;
	}
	lo = b->v4idx[k >> 16];
	hi = b->v4idx[(k >> 16) + 1];
	if (lo == hi)
		return;
	if (stage == 1) {
		/* A bucket holds ~15 keys at a million: one or two lines. */
		__builtin_prefetch(&b->v4lo[lo]);
		__builtin_prefetch(&b->v4lo[hi - 1]);
		return;
	}
	/*
	 * The keys have arrived: the key's own times and classes, not the
	 * bucket's (its times span three lines). A key that is not there
	 * fetches its neighbour's, which costs nothing a lookup waits for.
	 */
	lo = (uint32_t)zone_v4_rank(b, k);
	if (lo < hi) {
		__builtin_prefetch(&b->v4info[lo]);
		__builtin_prefetch(&b->v4cls[lo]);
	}
}

/*
 * The compact listings with addresses in [first, last]. The v4-mapped
 * range is contiguous in address order, so [first, last] is clipped to
 * it (an IPv6 prefix such as ::/64 covers all of it) and counted as the
 * difference of two ranks.
 */
static size_t
zone_v4_count(const struct zone_base *b, const struct addr *first,
    const struct addr *last)
{
	uint64_t lo = 0, hi = (uint64_t)UINT32_MAX + 1;
	int c;

	c = memcmp(first->b, zone_v4_mapped, sizeof(zone_v4_mapped));
	if (c > 0)
		return 0;
	if (c == 0)
		lo = zone_v4_key(first);
	c = memcmp(last->b, zone_v4_mapped, sizeof(zone_v4_mapped));
	if (c < 0)
		return 0;
	if (c == 0)
		hi = (uint64_t)zone_v4_key(last) + 1;
	return (hi > UINT32_MAX ? b->v4n : zone_v4_rank(b, (uint32_t)hi)) -
	    zone_v4_rank(b, (uint32_t)lo);
}

/*
 * A listing intersects p when it covers p (length <= p's: one exact
 * probe of p's address masked to that length) or lies inside it (longer:
 * its address falls in [first, last] of p). Inside ones are counted,
 * not walked: per length the base's count is two binary searches, and
 * the overlay's net contribution over all longer lengths at once is a
 * difference of its cum[] sums. Entries of p's own address with a
 * length <= p's sort before the range's start key (first, p->len + 1),
 * and no other shorter prefix can start inside p, so the range holds
 * exactly the longer entries.
 */
int
zone_intersects(struct zone_reader *r, const struct prefix *p)
{
	const struct zone_version *v;
	const struct zone_base *b;
	const struct zone_overlay *ov;
	struct addr first, last, key;
	unsigned int len, plen = p->len > 128 ? 128 : p->len;
	int64_t n = 0;
	size_t lo, hi;

	v = atomic_load_explicit(&r->z->cur, memory_order_acquire);
	b = v->base;
	ov = v->ov;
	zone_mask(&first, &p->addr, plen);
	last = first;
	// cppcheck-suppress knownConditionTrueFalse ; plen may be 128, cppcheck 2.10 misreads the ternary min
	if (plen < 128) {
		struct prefix q = { .addr = first, .len = plen };

		prefix_last(&q, &last);
	}
	for (unsigned int i = 0; i < v->nlens; i++) {
		len = v->lens[i];
		if (len <= plen) {
			zone_mask(&key, &first, len);
			if (zone_probe(v, &key, len, NULL))
				return 1;
			continue;
		}
		if (b == NULL)
			continue;
		if (len == 128 && b->v4n > 0)
			n += (int64_t)zone_v4_count(b, &first, &last);
		if (b->nwide[len] > 0) {
			lo = zone_wide_rank(b, len, 0, b->nwide[len], &first);
			hi = zone_wide_rank(b, len, lo, b->nwide[len], &last);
			if (hi < b->nwide[len] &&
			    zone_addr_cmp(&b->wide[len][hi].addr, &last) == 0)
				hi++;
			n += (int64_t)(hi - lo);
		}
	}
	if (ov != NULL && plen < 128) {
		lo = zone_ov_rank(ov, &first, plen + 1);
		/* No entry is longer than 128: this is just past last's. */
		hi = zone_ov_rank(ov, &last, 129);
		n += ov->cum[hi] - ov->cum[lo];
	}
	return n > 0;
}

struct zone *
zone_new(void)
{
	struct zone *z;
	struct zone_version *v;

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		free(z);
		return NULL;
	}
	v->obj.kind = ZONE_OBJ_VERSION;
	if (pthread_mutex_init(&z->lock, NULL) != 0) {
		free(v);
		free(z);
		return NULL;
	}
	atomic_init(&z->cur, v);
	atomic_init(&z->epoch, 1);
	atomic_init(&z->serial, 0);
	atomic_init(&z->count, 0);
	return z;
}

static void
zone_obj_free(struct zone_obj *o)
{
	switch (o->kind) {
	case ZONE_OBJ_VERSION:
		free(o);
		break;
	case ZONE_OBJ_BASE:
		zone_base_free((struct zone_base *)o);
		break;
	case ZONE_OBJ_OVERLAY:
		free(o);
		break;
	case ZONE_OBJ_EXCL:
		zone_excl_free((struct zone_excl *)o);
		break;
	}
}

static void
zone_version_free_all(struct zone_version *v)
{
	zone_base_free(v->base);
	free(v->ov);
	zone_excl_free(v->ex);
	free(v);
}

void
zone_free(struct zone *z)
{
	struct zone_obj *o, *next;

	if (z == NULL)
		return;
	for (o = z->retired; o != NULL; o = next) {
		next = o->next;
		zone_obj_free(o);
	}
	zone_version_free_all(atomic_load(&z->cur));
	pthread_mutex_destroy(&z->lock);
	free(z);
}

static void
zone_retire(struct zone *z, struct zone_obj *o, uint64_t epoch)
{
	o->epoch = epoch;
	o->next = z->retired;
	z->retired = o;
}

/*
 * Publishes nv in place of the current version. The release store makes
 * everything built into nv visible to a reader that loads the pointer;
 * bumping the epoch afterwards (release too) means a reader that sees
 * the new epoch sees nv. What the old version does not share with nv is
 * retired at the new epoch.
 */
static void
zone_publish(struct zone *z, struct zone_version *nv)
{
	struct zone_version *old;
	uint64_t e;

	old = atomic_load_explicit(&z->cur, memory_order_relaxed);
	atomic_store_explicit(&z->cur, nv, memory_order_release);
	atomic_store_explicit(&z->serial, nv->serial, memory_order_release);
	atomic_store_explicit(&z->count, nv->count, memory_order_relaxed);
	e = atomic_fetch_add_explicit(&z->epoch, 1, memory_order_acq_rel) + 1;
	if (old->base != NULL && old->base != nv->base)
		zone_retire(z, &old->base->obj, e);
	if (old->ov != NULL && old->ov != nv->ov)
		zone_retire(z, &old->ov->obj, e);
	if (old->ex != NULL && old->ex != nv->ex)
		zone_retire(z, &old->ex->obj, e);
	zone_retire(z, &old->obj, e);
}

void
zone_reclaim(struct zone *z)
{
	struct zone_reader *r;
	struct zone_obj **op, *o;
	uint64_t min = UINT64_MAX, e;

	pthread_mutex_lock(&z->lock);
	for (r = z->readers; r != NULL; r = r->next) {
		e = atomic_load_explicit(&r->epoch, memory_order_acquire);
		if (e < min)
			min = e;
	}
	pthread_mutex_unlock(&z->lock);
	for (op = &z->retired; (o = *op) != NULL;) {
		if (o->epoch <= min) {
			*op = o->next;
			zone_obj_free(o);
		} else
			op = &o->next;
	}
}

uint64_t
zone_serial(const struct zone *z)
{
	return atomic_load_explicit(&z->serial, memory_order_acquire);
}

size_t
zone_count(const struct zone *z)
{
	return atomic_load_explicit(&z->count, memory_order_relaxed);
}

struct zone_reader *
zone_reader_register(struct zone *z)
{
	struct zone_reader *r;

	/* aligned_alloc wants a size that is a multiple of the alignment. */
	r = aligned_alloc(ZONE_CACHE_LINE, (sizeof(*r) + ZONE_CACHE_LINE - 1) /
	    ZONE_CACHE_LINE * ZONE_CACHE_LINE);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->z = z;
	pthread_mutex_lock(&z->lock);
	atomic_init(&r->epoch, atomic_load_explicit(&z->epoch,
	    memory_order_acquire));
	r->next = z->readers;
	z->readers = r;
	pthread_mutex_unlock(&z->lock);
	return r;
}

void
zone_reader_unregister(struct zone_reader *r)
{
	struct zone_reader **rp;
	struct zone *z;

	if (r == NULL)
		return;
	z = r->z;
	pthread_mutex_lock(&z->lock);
	for (rp = &z->readers; *rp != NULL; rp = &(*rp)->next) {
		if (*rp == r) {
			*rp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&z->lock);
	free(r);
}

void
zone_reader_quiescent(struct zone_reader *r)
{
	atomic_store_explicit(&r->epoch, atomic_load_explicit(&r->z->epoch,
	    memory_order_acquire), memory_order_release);
}

/* The version's lengths: the base's and the overlay's listed ones. */
static void
zone_version_lens(struct zone_version *v)
{
	uint64_t set[3] = { 0, 0, 0 };
	unsigned int i, len;

	if (v->base != NULL)
		for (i = 0; i < v->base->nlens; i++)
			zone_bit_set(set, v->base->lens[i]);
	if (v->ov != NULL)
		for (i = 0; i < 3; i++)
			set[i] |= v->ov->listlens[i];
	v->nlens = 0;
	for (len = ZONE_NLENS; len-- > 0;)
		if (zone_bit(set, len))
			v->lens[v->nlens++] = (uint8_t)len;
}

static struct zone_version *
zone_version_new(struct zone_base *b, struct zone_overlay *ov,
    struct zone_excl *ex, uint64_t serial, size_t count)
{
	struct zone_version *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->obj.kind = ZONE_OBJ_VERSION;
	v->base = b;
	v->ov = ov;
	v->ex = ex;
	v->serial = serial;
	v->count = count;
	zone_version_lens(v);
	return v;
}

static void
zone_entry_from_listing(struct zone_entry *e, const struct listing *l)
{
	memset(e, 0, sizeof(*e));
	e->addr = l->prefix.addr;
	e->len = (uint8_t)(l->prefix.len > 128 ? 128 : l->prefix.len);
	addr_mask(&e->addr, e->len);
	e->since = l->listed_since;
	e->seen = l->last_seen;
	e->expires = l->expires;
	e->classes = l->classes;
}

/* A growable array of prefixes: exclusions while loading or following. */
struct zone_prefixes {
	struct prefix	*p;
	size_t		 n, cap;
};

static int
zone_prefixes_add(struct zone_prefixes *ps, const struct prefix *p)
{
	struct prefix *grown;
	size_t cap;

	if (ps->n == ps->cap) {
		cap = ps->cap ? ps->cap * 2 : 16;
		if ((grown = reallocarray(ps->p, cap, sizeof(*grown))) == NULL)
			return -1;
		ps->p = grown;
		ps->cap = cap;
	}
	ps->p[ps->n] = *p;
	if (ps->p[ps->n].len > 128)
		ps->p[ps->n].len = 128;
	addr_mask(&ps->p[ps->n].addr, ps->p[ps->n].len);
	ps->n++;
	return 0;
}

struct zone_load_ctx {
	struct zone_builder	 zb;
	struct zone_prefixes	 ex;
	struct zone_entry	*rows;		/* as read, in table order */
	size_t			 nrows, caprows;
	int			 failed;
};

static int
zone_load_row(void *arg, const struct store_zone_row *r)
{
	struct zone_load_ctx *c = arg;
	struct zone_entry *e, *grown;
	size_t cap;

	if (c->nrows == c->caprows) {
		cap = c->caprows ? c->caprows * 2 : 4096;
		if ((grown = reallocarray(c->rows, cap, sizeof(*grown))) ==
		    NULL) {
			c->failed = 1;
			c->zb.err = "out of memory";
			return 1;
		}
		c->rows = grown;
		c->caprows = cap;
	}
	e = &c->rows[c->nrows++];
	memset(e, 0, sizeof(*e));
	e->addr = r->prefix.addr;
	e->len = (uint8_t)r->prefix.len;
	addr_mask(&e->addr, e->len);
	e->since = r->listed_since;
	e->seen = r->last_seen;
	e->expires = r->expires;
	e->classes = r->classes;
	return 0;
}

static int zone_entry_cmp(const void *, const void *);

/* Orders row numbers by their rows (for qsort_r). */
static int
zone_index_cmp(const void *a, const void *b, void *rows)
{
	const struct zone_entry *r = rows;

	return zone_entry_cmp(&r[*(const uint32_t *)a],
	    &r[*(const uint32_t *)b]);
}

/*
 * Sorts keys (an IPv4 host's address in the high 32 bits, its row number
 * in the low 32) by address: LSD radix sort, a byte a pass, through tmp.
 * Stable and linear, about ten times faster at a million keys than a
 * comparison sort of 48-byte rows, which was most of the start-up.
 */
static void
zone_radix_sort(uint64_t *keys, uint64_t *tmp, size_t n)
{
	size_t count[256], pos, i;
	uint64_t *from = keys, *to = tmp, *swap;

	for (unsigned int shift = 32; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(from[i] >> shift) & 0xff]++;
		pos = 0;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = pos;
			pos += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i] >> shift) & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	/* Four passes: the result is back in keys. */
}

/*
 * The builder takes entries in address order; the store gave table
 * order. IPv4 hosts, nearly all of a list, are radix-sorted by their 32
 * bits; the rest (prefixes, IPv6) are sorted by comparison; a merge of
 * the two feeds the builder. Row numbers fit in 32 bits because a load
 * of more than 2^32 rows would not fit in memory anyway (48 B each).
 */
static int
zone_load_build(struct zone_load_ctx *c)
{
	uint64_t *keys = NULL, *tmp = NULL;
	uint32_t *wide = NULL;
	size_t n4 = 0, nw = 0, i = 0, j = 0;
	const struct zone_entry *e;
	int rc = -1;

	if (c->nrows == 0)
		return 0;
	if (c->nrows > UINT32_MAX ||
	    (keys = calloc(c->nrows, sizeof(*keys))) == NULL ||
	    (tmp = calloc(c->nrows, sizeof(*tmp))) == NULL ||
	    (wide = calloc(c->nrows, sizeof(*wide))) == NULL) {
		c->zb.err = "out of memory";
		goto out;
	}
	for (size_t r = 0; r < c->nrows; r++) {
		e = &c->rows[r];
		if (e->len == 128 && zone_is_v4(&e->addr))
			keys[n4++] = (uint64_t)zone_v4_key(&e->addr) << 32 | r;
		else
			wide[nw++] = (uint32_t)r;
	}
	zone_radix_sort(keys, tmp, n4);
	free(tmp);
	tmp = NULL;
	if (nw > 0)
		qsort_r(wide, nw, sizeof(*wide), zone_index_cmp, c->rows);
	while (i < n4 || j < nw) {
		if (j == nw || (i < n4 && zone_entry_cmp(
		    &c->rows[(uint32_t)keys[i]], &c->rows[wide[j]]) < 0))
			e = &c->rows[(uint32_t)keys[i++]];
		else
			e = &c->rows[wide[j++]];
		if (zone_build_add(&c->zb, e) == -1)
			goto out;
	}
	rc = 0;
out:
	free(keys);
	free(tmp);
	free(wide);
	return rc;
}

static int
zone_load_exclusion(void *arg, const struct store_exclusion *x)
{
	struct zone_load_ctx *c = arg;

	if (zone_prefixes_add(&c->ex, &x->prefix) == -1) {
		c->failed = 1;
		c->zb.err = "out of memory";
		return 1;
	}
	return 0;
}

/*
 * One read transaction gives serial, listings and exclusions from the
 * same snapshot, without blocking the trap's writes (WAL). Listings in
 * stored state listed come whatever their expiry (lookups check it), in
 * table order: a sequential scan plus an in-memory sort loads 1M
 * listings several times faster than walking the address index.
 */
int
zone_load(struct zone *z, struct store *s, char *err, size_t errlen)
{
	struct zone_load_ctx c;
	struct zone_base *b = NULL;
	struct zone_excl *ex = NULL;
	struct zone_version *v;
	uint64_t serial;

	memset(&c, 0, sizeof(c));
	zone_build_init(&c.zb);
	/* Most loads replace a zone of about the same size. */
	(void)zone_build_reserve(&c.zb, zone_count(z));
	if (store_read_begin(s) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		zone_build_discard(&c.zb);
		return -1;
	}
	if (store_serial(s, &serial) == -1 ||
	    store_zone_rows(s, zone_load_row, &c) == -1 ||
	    (!c.failed && store_exclude_foreach(s, zone_load_exclusion,
	    &c) == -1)) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		(void)store_read_end(s);
		goto fail;
	}
	(void)store_read_end(s);
	/* The scan's pages: 60 MiB of RSS at a million listings. */
	store_release_memory(s);
	if (c.failed || zone_load_build(&c) == -1) {
		snprintf(err, errlen, "loading the zone: %s", c.zb.err);
		goto fail;
	}
	free(c.rows);
	c.rows = NULL;
	if ((b = zone_build_finish(&c.zb)) == NULL ||
	    (ex = zone_excl_new(c.ex.p, c.ex.n)) == NULL ||
	    (v = zone_version_new(b, NULL, ex, serial, b->count)) == NULL) {
		snprintf(err, errlen, "loading the zone: out of memory");
		goto fail;
	}
	free(c.ex.p);
	zone_publish(z, v);
	zone_reclaim(z);
	return 0;
fail:
	zone_build_discard(&c.zb);
	zone_base_free(b);
	zone_excl_free(ex);
	free(c.ex.p);
	free(c.rows);
	return -1;
}

/* The store's journal entry at serial, as a snapshot's mark. 1, 0, -1. */
static int
zone_mark_get(struct store *s, uint64_t serial, struct zone_mark *m)
{
	struct prefix p;
	int64_t t;
	enum store_change_op op;
	int rc;

	if ((rc = store_change_at(s, serial, &t, &p, &op)) != 1)
		return rc;
	memset(m, 0, sizeof(*m));
	m->t = t;
	memcpy(m->addr, p.addr.b, sizeof(m->addr));
	m->plen = p.len;
	m->op = (uint32_t)op;
	return 1;
}

int
zone_load_snapshot(struct zone *z, struct store *s, const char *path,
    char *err, size_t errlen)
{
	struct zone_load_ctx c;
	struct zone_mark mark, have;
	struct zone_base *b;
	struct zone_excl *ex = NULL;
	struct zone_version *v;
	uint64_t serial, now;
	int rc;

	if ((b = zone_snapshot_read(path, &serial, &mark, err,
	    errlen)) == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	if (store_read_begin(s) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		zone_base_free(b);
		return 0;
	}
	if (store_serial(s, &now) == -1 ||
	    (rc = zone_mark_get(s, serial, &have)) == -1 ||
	    store_exclude_foreach(s, zone_load_exclusion, &c) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		rc = -1;
	} else if (serial > now || rc == 0 ||
	    memcmp(&have, &mark, sizeof(mark)) != 0) {
		snprintf(err, errlen, "%s: the store's journal does not hold "
		    "its serial %llu as it was", path,
		    (unsigned long long)serial);
		rc = -1;
	} else if (c.failed)
		rc = -1;
	(void)store_read_end(s);
	if (rc == -1 || (ex = zone_excl_new(c.ex.p, c.ex.n)) == NULL ||
	    (v = zone_version_new(b, NULL, ex, serial, b->count)) == NULL) {
		if (rc != -1)
			snprintf(err, errlen, "out of memory");
		zone_base_free(b);
		zone_excl_free(ex);
		free(c.ex.p);
		return 0;
	}
	free(c.ex.p);
	zone_publish(z, v);
	zone_reclaim(z);
	return 1;
}

int
zone_snapshot_save(struct zone *z, struct store *s, int dirfd,
    const char *path, char *err, size_t errlen)
{
	const struct zone_version *v;
	struct zone_base *merged = NULL;
	const struct zone_base *b;
	struct zone_mark mark;
	const char *why = NULL;
	int rc;

	v = atomic_load_explicit(&z->cur, memory_order_acquire);
	if (v->serial == 0)
		return 0;
	if ((rc = zone_mark_get(s, v->serial, &mark)) != 1) {
		snprintf(err, errlen, "%s", rc == -1 ? store_errmsg(s) :
		    "the journal has no entry at the zone's serial");
		return rc == -1 ? -1 : 0;
	}
	b = v->base;
	if (v->ov != NULL && v->ov->n > 0) {
		if ((merged = zone_base_merge(v->base, v->ov->e, v->ov->n,
		    &why)) == NULL) {
			snprintf(err, errlen, "%s", why != NULL ? why :
			    "out of memory");
			return -1;
		}
		b = merged;
	}
	rc = zone_snapshot_write(b, v->serial, &mark, dirfd, path, err,
	    errlen);
	zone_base_free(merged);
	return rc == -1 ? -1 : 1;
}

/* One journal entry as zone_follow collects it. */
struct zone_change {
	struct prefix		 p;
	enum store_change_op	 op;
};

struct zone_follow_ctx {
	struct zone_change	*ch;
	size_t			 n, cap;
	uint64_t		 first;	/* serial of the first entry */
	int			 nomem;
};

static int
zone_follow_change(void *arg, uint64_t serial, int64_t t,
    const struct prefix *p, enum store_change_op op)
{
	struct zone_follow_ctx *c = arg;
	struct zone_change *grown;
	size_t cap;

	(void)t;
	if (c->n == 0)
		c->first = serial;
	if (c->n == c->cap) {
		cap = c->cap ? c->cap * 2 : 64;
		if ((grown = reallocarray(c->ch, cap, sizeof(*grown))) ==
		    NULL) {
			c->nomem = 1;
			return 1;
		}
		c->ch = grown;
		c->cap = cap;
	}
	c->ch[c->n].p = *p;
	if (c->ch[c->n].p.len > 128)
		c->ch[c->n].p.len = 128;
	addr_mask(&c->ch[c->n].p.addr, c->ch[c->n].p.len);
	c->ch[c->n].op = op;
	c->n++;
	return 0;
}

static int
zone_entry_cmp(const void *a, const void *b)
{
	const struct zone_entry *x = a, *y = b;

	return zone_entry_keycmp(x, &y->addr, y->len);
}

/*
 * The new overlay: old's entries with upd's (sorted, one per prefix)
 * laid over them, a sorted merge in which upd wins. A gone entry that
 * hides nothing in the base is dropped: it only had to cancel an older
 * overlay entry. *count gets the listings of base plus overlay.
 */
static struct zone_overlay *
zone_overlay_new(const struct zone_base *b, const struct zone_overlay *old,
    struct zone_entry *upd, size_t nupd, size_t *count)
{
	struct zone_overlay *ov;
	const struct zone_entry *src;
	size_t nold = old ? old->n : 0, i = 0, j = 0, n = 0, max;
	int64_t net = 0;
	int c;

	for (j = 0; j < nupd; j++)
		upd[j].inbase = (uint8_t)zone_base_probe(b, &upd[j].addr,
		    upd[j].len, NULL);
	max = nold + nupd;
	ov = malloc(sizeof(*ov) + max * sizeof(ov->e[0]) +
	    (max + 1) * sizeof(int32_t));
	if (ov == NULL)
		return NULL;
	memset(ov, 0, sizeof(*ov));
	ov->obj.kind = ZONE_OBJ_OVERLAY;
	ov->cum = (int32_t *)(void *)&ov->e[max];
	j = 0;
	while (i < nold || j < nupd) {
		if (i >= nold)
			c = 1;
		else if (j >= nupd)
			c = -1;
		else
			c = zone_entry_cmp(&old->e[i], &upd[j]);
		if (c < 0)
			src = &old->e[i++];
		else {
			if (c == 0)
				i++;
			src = &upd[j++];
		}
		if (src->gone && !src->inbase)
			continue;
		ov->e[n++] = *src;
	}
	ov->n = n;
	ov->cum[0] = 0;
	for (i = 0; i < n; i++) {
		int d = ov->e[i].gone ? -1 : !ov->e[i].inbase;

		ov->cum[i + 1] = ov->cum[i] + d;
		net += d;
		zone_bit_set(ov->anylens, ov->e[i].len);
		zone_bit_set(ov->filter, zone_ov_hash(&ov->e[i].addr,
		    ov->e[i].len));
		if (!ov->e[i].gone)
			zone_bit_set(ov->listlens, ov->e[i].len);
	}
	*count = (size_t)((int64_t)(b ? b->count : 0) + net);
	return ov;
}

/* Applies exclusion ops in journal order to a copy of ex. NULL: no memory. */
static struct zone_excl *
zone_excl_apply(const struct zone_excl *ex, const struct zone_change *ch,
    size_t n)
{
	struct zone_prefixes ps = { NULL, 0, 0 };
	struct zone_excl *nex;
	size_t i, k;

	if (ex != NULL && ex->n > 0) {
		if ((ps.p = calloc(ex->n, sizeof(*ps.p))) == NULL)
			return NULL;
		zone_excl_list(ex, ps.p);
		ps.n = ps.cap = ex->n;
	}
	for (i = 0; i < n; i++) {
		if (ch[i].op != STORE_CHANGE_EXCLUDE &&
		    ch[i].op != STORE_CHANGE_UNEXCLUDE)
			continue;
		for (k = 0; k < ps.n; k++)
			if (ps.p[k].len == ch[i].p.len &&
			    addr_cmp(&ps.p[k].addr, &ch[i].p.addr) == 0)
				break;
		if (ch[i].op == STORE_CHANGE_UNEXCLUDE) {
			if (k < ps.n)
				ps.p[k] = ps.p[--ps.n];
		} else if (k == ps.n && zone_prefixes_add(&ps,
		    &ch[i].p) == -1) {
			free(ps.p);
			return NULL;
		}
	}
	nex = zone_excl_new(ps.p, ps.n);
	free(ps.p);
	return nex;
}

/*
 * Reads the rows behind the journal's listing entries, inside the
 * caller's read transaction. Each prefix is read once however often the
 * journal names it, and the row's stored state decides (listed: its
 * current data; anything else: gone), so A and D need no separate logic
 * and entries that later ones undid cost nothing. *out is sorted.
 */
static int
zone_follow_rows(struct store *s, const struct zone_change *ch, size_t n,
    struct zone_entry **out, size_t *nout, char *err, size_t errlen)
{
	struct zone_entry *e;
	struct listing l;
	size_t i, m = 0, k = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++)
		if (ch[i].op != STORE_CHANGE_EXCLUDE &&
		    ch[i].op != STORE_CHANGE_UNEXCLUDE)
			m++;
	if (m == 0)
		return 0;
	if ((e = calloc(m, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "following the store: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ch[i].op == STORE_CHANGE_EXCLUDE ||
		    ch[i].op == STORE_CHANGE_UNEXCLUDE)
			continue;
		e[k].addr = ch[i].p.addr;
		e[k].len = (uint8_t)ch[i].p.len;
		k++;
	}
	qsort(e, m, sizeof(*e), zone_entry_cmp);
	for (i = 0, k = 0; i < m; i++)
		if (k == 0 || zone_entry_cmp(&e[k - 1], &e[i]) != 0)
			e[k++] = e[i];
	m = k;
	for (i = 0; i < m; i++) {
		struct prefix p = { .addr = e[i].addr, .len = e[i].len };

		/* now INT64_MIN: the stored state, not the effective one. */
		rc = store_listing_get(s, &p, INT64_MIN, &l);
		if (rc == -1) {
			snprintf(err, errlen, "%s", store_errmsg(s));
			free(e);
			return -1;
		}
		if (rc == 1 && l.state == LISTING_LISTED)
			zone_entry_from_listing(&e[i], &l);
		else
			e[i].gone = 1;
	}
	*out = e;
	*nout = m;
	return 0;
}

/*
 * Follows the journal from the zone's serial to the store's, all inside
 * one read transaction so that the rows read agree with the serial.
 * When the journal cannot bring the zone up to date (the store's serial
 * went back, as after a restore, or entries are missing, as after a
 * trim) a full load replaces it. The listing rows are read back rather
 * than trusted from the journal, and the new overlay is published in
 * one swap; past ZONE_OVERLAY_MAX entries it is merged into a new base
 * first.
 */
int
zone_follow(struct zone *z, struct store *s, size_t *changed, char *err,
    size_t errlen)
{
	struct zone_version *v, *nv;
	struct zone_follow_ctx c;
	struct zone_entry *upd = NULL;
	struct zone_overlay *ov = NULL;
	struct zone_base *nb = NULL;
	struct zone_excl *ex = NULL;
	size_t nupd = 0, count = 0, i;
	uint64_t target;
	const char *why = "out of memory";
	int exops = 0;

	if (changed != NULL)
		*changed = 0;
	v = atomic_load_explicit(&z->cur, memory_order_relaxed);
	memset(&c, 0, sizeof(c));
	if (store_read_begin(s) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return -1;
	}
	if (store_serial(s, &target) == -1)
		goto storefail;
	if (target == v->serial) {
		(void)store_read_end(s);
		return 0;
	}
	if (target > v->serial &&
	    store_changes_since(s, v->serial, zone_follow_change, &c) == -1)
		goto storefail;
	if (c.nomem) {
		snprintf(err, errlen, "following the store: out of memory");
		goto fail;
	}
	if (target < v->serial || c.n == 0 || c.first != v->serial + 1) {
		/* zone_load may free v: keep what we need of it. */
		uint64_t from = v->serial;

		(void)store_read_end(s);
		free(c.ch);
		if (zone_load(z, s, err, errlen) == -1)
			return -1;
		if (changed != NULL)
			*changed = (size_t)(target > from ? target - from : 0);
		return 0;
	}
	if (zone_follow_rows(s, c.ch, c.n, &upd, &nupd, err, errlen) == -1)
		goto fail;
	(void)store_read_end(s);

	for (i = 0; i < c.n; i++)
		if (c.ch[i].op == STORE_CHANGE_EXCLUDE ||
		    c.ch[i].op == STORE_CHANGE_UNEXCLUDE)
			exops = 1;
	if (exops && (ex = zone_excl_apply(v->ex, c.ch, c.n)) == NULL)
		goto nomem;
	if (nupd > 0 || v->ov != NULL) {
		if ((ov = zone_overlay_new(v->base, v->ov, upd, nupd,
		    &count)) == NULL)
			goto nomem;
	} else
		count = v->count;
	if (ov != NULL && ov->n > ZONE_OVERLAY_MAX) {
		if ((nb = zone_base_merge(v->base, ov->e, ov->n,
		    &why)) == NULL)
			goto nomem;
		free(ov);
		ov = NULL;
		count = nb->count;
	}
	if ((nv = zone_version_new(nb ? nb : v->base, ov, ex ? ex : v->ex,
	    target, count)) == NULL)
		goto nomem;
	zone_publish(z, nv);
	if (changed != NULL)
		*changed = c.n;
	free(upd);
	free(c.ch);
	zone_reclaim(z);
	return 0;

storefail:
	snprintf(err, errlen, "%s", store_errmsg(s));
	goto fail;
nomem:
	snprintf(err, errlen, "following the store: %s", why);
fail:
	(void)store_read_end(s);
	zone_base_free(nb);
	free(ov);
	zone_excl_free(ex);
	free(upd);
	free(c.ch);
	return -1;
}
