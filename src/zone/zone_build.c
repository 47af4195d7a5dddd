/* zone_build.c -- the zone's sorted arrays: built from the store, merged. */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "zone/zone_build.h"

void
zone_build_init(struct zone_builder *zb)
{
	memset(zb, 0, sizeof(*zb));
}

void
zone_build_discard(struct zone_builder *zb)
{
	free(zb->v4idx);
	free(zb->v4lo);
	free(zb->v4info);
	free(zb->v4cls);
	for (unsigned int i = 0; i < ZONE_NLENS; i++)
		free(zb->wide[i]);
	zone_build_init(zb);
}

/*
 * The compact table stores times as unsigned 32-bit seconds since 1970,
 * which lasts until 2106 and halves the size of the largest part of the
 * zone. Anything it cannot represent exactly (a negative time, a year
 * past 2106, an unknown class bit) keeps its full form in wide[128]
 * instead: exactness is never traded for size.
 */
int
zone_entry_compact(const struct zone_entry *e)
{
	if (e->len != 128 || !addr_is_v4(&e->addr))
		return 0;
	if (e->since < 0 || e->since > (int64_t)UINT32_MAX ||
	    e->seen < 0 || e->seen > (int64_t)UINT32_MAX)
		return 0;
	if (e->expires != STORE_NEVER &&
	    (e->expires < 0 || e->expires >= (int64_t)ZONE_V4_NEVER))
		return 0;
	return e->classes <= UINT8_MAX;
}

/* Grows the three compact arrays together to hold at least want. */
static int
zone_build_grow_v4(struct zone_builder *zb, size_t want)
{
	uint16_t *lo;
	struct zone_v4info *info;
	uint8_t *cls;

	if (want <= zb->v4cap)
		return 0;
	if ((lo = reallocarray(zb->v4lo, want, sizeof(*lo))) == NULL)
		goto nomem;
	zb->v4lo = lo;
	if ((info = reallocarray(zb->v4info, want, sizeof(*info))) == NULL)
		goto nomem;
	zb->v4info = info;
	if ((cls = reallocarray(zb->v4cls, want, sizeof(*cls))) == NULL)
		goto nomem;
	zb->v4cls = cls;
	zb->v4cap = want;
	return 0;
nomem:
	zb->err = "out of memory";
	return -1;
}

int
zone_build_reserve(struct zone_builder *zb, size_t v4n)
{
	return zone_build_grow_v4(zb, v4n);
}

static int
zone_build_add_v4(struct zone_builder *zb, const struct zone_entry *e)
{
	uint32_t key = zone_v4_key(&e->addr), bucket = key >> 16;
	struct zone_v4info *info;

	if (zb->v4n > 0 && key <= zb->v4last) {
		zb->err = "listings out of order";
		return -1;
	}
	/* v4idx holds positions as uint32_t. */
	if (zb->v4n >= UINT32_MAX) {
		zb->err = "too many listings";
		return -1;
	}
	if (zb->v4idx == NULL && (zb->v4idx = calloc(ZONE_V4_BUCKETS + 1,
	    sizeof(*zb->v4idx))) == NULL) {
		zb->err = "out of memory";
		return -1;
	}
	if (zb->v4n == zb->v4cap && zone_build_grow_v4(zb,
	    zb->v4cap ? zb->v4cap * 2 : 1024) == -1)
		return -1;
	/* Keys come in order, so every bucket up to ours starts here. */
	while (zb->v4nb <= bucket)
		zb->v4idx[zb->v4nb++] = (uint32_t)zb->v4n;
	zb->v4lo[zb->v4n] = (uint16_t)(key & 0xffff);
	info = &zb->v4info[zb->v4n];
	info->since = (uint32_t)e->since;
	info->seen = (uint32_t)e->seen;
	info->expires = e->expires == STORE_NEVER ? ZONE_V4_NEVER :
	    (uint32_t)e->expires;
	zb->v4cls[zb->v4n] = (uint8_t)e->classes;
	zb->v4n++;
	zb->v4last = key;
	zb->count++;
	return 0;
}

static int
zone_build_add_wide(struct zone_builder *zb, const struct zone_entry *e)
{
	unsigned int len = e->len;
	struct zone_entry *w, *grown;
	size_t cap;

	w = zb->wide[len];
	if (zb->nwide[len] > 0 &&
	    addr_cmp(&w[zb->nwide[len] - 1].addr, &e->addr) >= 0) {
		zb->err = "listings out of order";
		return -1;
	}
	if (zb->nwide[len] == zb->capwide[len]) {
		cap = zb->capwide[len] ? zb->capwide[len] * 2 : 16;
		if ((grown = reallocarray(w, cap, sizeof(*w))) == NULL) {
			zb->err = "out of memory";
			return -1;
		}
		zb->wide[len] = w = grown;
		zb->capwide[len] = cap;
	}
	w[zb->nwide[len]] = *e;
	w[zb->nwide[len]].gone = 0;
	w[zb->nwide[len]].inbase = 0;
	zb->nwide[len]++;
	zb->count++;
	return 0;
}

int
zone_build_add(struct zone_builder *zb, const struct zone_entry *e)
{
	if (e->len > 128) {
		zb->err = "bad prefix length";
		return -1;
	}
	if (zone_entry_compact(e))
		return zone_build_add_v4(zb, e);
	return zone_build_add_wide(zb, e);
}

/* Gives back the unused tail of an array; keeps it when that fails. */
static void *
zone_shrink(void *p, size_t n, size_t size)
{
	void *q;

	if (p == NULL || n == 0) {
		free(p);
		return NULL;
	}
	q = reallocarray(p, n, size);
	// cppcheck-suppress memleak ; q is what we return
	return q != NULL ? q : p;
}

/* The first of the n sorted entries whose address is >= a. */
static size_t
zone_entry_lower(const struct zone_entry *e, size_t n, const struct addr *a)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr_cmp(&e[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A transparent huge page on x86-64 and most arm64 kernels. */
#define ZONE_HUGE_PAGE		(2u << 20)
#define ZONE_CACHE_LINE		64

static size_t
zone_round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/*
 * Moves the compact table's four arrays into one anonymous mapping,
 * aligned to and sized in huge pages, and asks for transparent huge
 * pages there. A lookup is a few random reads over 15 MB at a million
 * listings: in 4 KiB pages that is ~4,000 pages, far more than the TLB
 * holds, and a page walk on most queries; in 2 MiB pages it is 8. Where
 * the kernel gives no huge pages (THP off), madvise fails and the
 * mapping keeps ordinary pages: slower, still correct, so its result
 * does not matter. 0, -1 out of memory (the arrays are untouched).
 */
static int
zone_v4_pack(struct zone_base *b, struct zone_builder *zb)
{
	size_t off_lo, off_info, off_cls, len, slack;
	uint8_t *map, *start;

	off_lo = zone_round_up((ZONE_V4_BUCKETS + 1) * sizeof(*b->v4idx),
	    ZONE_CACHE_LINE);
	off_info = zone_round_up(off_lo + zb->v4n * sizeof(*b->v4lo),
	    ZONE_CACHE_LINE);
	off_cls = zone_round_up(off_info + zb->v4n * sizeof(*b->v4info),
	    ZONE_CACHE_LINE);
	len = zone_round_up(off_cls + zb->v4n * sizeof(*b->v4cls),
	    ZONE_HUGE_PAGE);
	/* Over-map by a huge page and trim to an aligned start. */
	map = mmap(NULL, len + ZONE_HUGE_PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	slack = zone_round_up((uintptr_t)map, ZONE_HUGE_PAGE) -
	    (uintptr_t)map;
	start = map + slack;
	if (slack > 0)
		(void)munmap(map, slack);
	if (ZONE_HUGE_PAGE - slack > 0)
		(void)munmap(start + len, ZONE_HUGE_PAGE - slack);
	(void)madvise(start, len, MADV_HUGEPAGE);

	b->v4map = start;
	b->v4maplen = len;
	b->v4idx = (uint32_t *)(void *)start;
	b->v4lo = (uint16_t *)(void *)(start + off_lo);
	b->v4info = (struct zone_v4info *)(void *)(start + off_info);
	b->v4cls = start + off_cls;
	memcpy(b->v4idx, zb->v4idx, (ZONE_V4_BUCKETS + 1) * sizeof(*b->v4idx));
	memcpy(b->v4lo, zb->v4lo, zb->v4n * sizeof(*b->v4lo));
	memcpy(b->v4info, zb->v4info, zb->v4n * sizeof(*b->v4info));
	memcpy(b->v4cls, zb->v4cls, zb->v4n * sizeof(*b->v4cls));
	free(zb->v4idx);
	free(zb->v4lo);
	free(zb->v4info);
	free(zb->v4cls);
	return 0;
}

struct zone_base *
zone_build_finish(struct zone_builder *zb)
{
	/*
	 * The v4-mapped range starts at ::ffff:0:0; the first address past
	 * its end, ::ffff:255.255.255.255 + 1, is ::1:0:0:0.
	 */
	static const struct addr v4first = { {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0,
	} }, v4past = { {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	} };
	struct zone_base *b;
	unsigned int len;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		zone_build_discard(zb);
		zb->err = "out of memory";
		return NULL;
	}
	b->obj.kind = ZONE_OBJ_BASE;
	b->count = zb->count;
	b->v4n = zb->v4n;
	if (zb->v4n > 0) {
		while (zb->v4nb <= ZONE_V4_BUCKETS)
			zb->v4idx[zb->v4nb++] = (uint32_t)zb->v4n;
		if (zone_v4_pack(b, zb) == -1) {
			free(b);
			zone_build_discard(zb);
			zb->err = "out of memory";
			return NULL;
		}
	} else {
		free(zb->v4idx);
		free(zb->v4lo);
		free(zb->v4info);
		free(zb->v4cls);
	}
	for (len = 0; len < ZONE_NLENS; len++) {
		b->nwide[len] = zb->nwide[len];
		b->wide[len] = zone_shrink(zb->wide[len], zb->nwide[len],
		    sizeof(*b->wide[len]));
		b->w4beg[len] = zone_entry_lower(b->wide[len], b->nwide[len],
		    &v4first);
		b->w4end[len] = zone_entry_lower(b->wide[len], b->nwide[len],
		    &v4past);
	}
	for (len = ZONE_NLENS; len-- > 0;) {
		if (b->nwide[len] > 0 || (len == 128 && b->v4n > 0))
			b->lens[b->nlens++] = (uint8_t)len;
	}
	zone_build_init(zb);
	return b;
}

void
zone_base_free(struct zone_base *b)
{
	if (b == NULL)
		return;
	if (b->v4map != NULL)
		(void)munmap(b->v4map, b->v4maplen);
	for (unsigned int i = 0; i < ZONE_NLENS; i++)
		free(b->wide[i]);
	free(b);
}

/*
 * Walks the base listings of one prefix length in address order. For
 * length 128 that interleaves the compact table with wide[128] (the IPv4
 * hosts that did not fit and IPv6 hosts): v4-mapped addresses sort
 * among IPv6 ones by memcmp, so the two merge like any sorted lists.
 */
struct zone_base_iter {
	const struct zone_base	*b;
	unsigned int		 len;
	size_t			 ci;	/* next compact position */
	uint32_t		 bucket;	/* bucket of ci */
	size_t			 wi;	/* next wide position */
};

static void
zone_base_iter_init(struct zone_base_iter *it, const struct zone_base *b,
    unsigned int len)
{
	memset(it, 0, sizeof(*it));
	it->b = b;
	it->len = len;
}

static void
zone_base_compact_entry(const struct zone_base *b, size_t pos,
    uint32_t bucket, struct zone_entry *out)
{
	const struct zone_v4info *info = &b->v4info[pos];
	uint32_t key = bucket << 16 | b->v4lo[pos];

	memset(out, 0, sizeof(*out));
	out->addr.b[10] = 0xff;
	out->addr.b[11] = 0xff;
	out->addr.b[12] = (uint8_t)(key >> 24);
	out->addr.b[13] = (uint8_t)(key >> 16);
	out->addr.b[14] = (uint8_t)(key >> 8);
	out->addr.b[15] = (uint8_t)key;
	out->len = 128;
	out->since = info->since;
	out->seen = info->seen;
	out->expires = info->expires == ZONE_V4_NEVER ? STORE_NEVER :
	    (int64_t)info->expires;
	out->classes = b->v4cls[pos];
}

/* 1 and *out the next listing, 0 at the end. */
static int
zone_base_iter_next(struct zone_base_iter *it, struct zone_entry *out)
{
	const struct zone_base *b = it->b;
	const struct zone_entry *w = NULL;
	struct zone_entry c;
	int have_c = 0;

	if (b == NULL)
		return 0;
	if (it->wi < b->nwide[it->len])
		w = &b->wide[it->len][it->wi];
	if (it->len == 128 && it->ci < b->v4n) {
		while (b->v4idx[it->bucket + 1] <= it->ci)
			it->bucket++;
		zone_base_compact_entry(b, it->ci, it->bucket, &c);
		have_c = 1;
	}
	if (have_c && (w == NULL || addr_cmp(&c.addr, &w->addr) < 0)) {
		*out = c;
		it->ci++;
		return 1;
	}
	if (w == NULL)
		return 0;
	*out = *w;
	it->wi++;
	return 1;
}

/* The first overlay entry at or after i that has length len, or n. */
static size_t
zone_ov_next(const struct zone_entry *ov, size_t n, size_t i,
    unsigned int len)
{
	while (i < n && ov[i].len != len)
		i++;
	return i;
}

/*
 * A merge builds the new base in one pass per prefix length: the base's
 * listings and the overlay's entries of that length, both in address
 * order, are merged like two sorted lists; on equal addresses the
 * overlay wins (its data, or nothing when it is gone). The old base is
 * only read, so readers go on using it until the new one is published.
 * Cost: linear in the base (a million IPv4 hosts take a few tens of
 * milliseconds), paid once per ZONE_OVERLAY_MAX changes.
 */
struct zone_base *
zone_base_merge(const struct zone_base *b, const struct zone_entry *ov,
    size_t n, const char **err)
{
	struct zone_builder zb;
	struct zone_base_iter it;
	struct zone_entry be;
	struct zone_base *nb;
	uint64_t ovlens[3] = { 0, 0, 0 };
	size_t i, fit = 0;
	unsigned int len;
	int have, c;

	zone_build_init(&zb);
	for (i = 0; i < n; i++) {
		ovlens[ov[i].len / 64] |= 1ULL << (ov[i].len % 64);
		fit += zone_entry_compact(&ov[i]);
	}
	if (zone_build_reserve(&zb, (b ? b->v4n : 0) + fit) == -1)
		goto fail;
	for (len = 0; len < ZONE_NLENS; len++) {
		int inov = (ovlens[len / 64] >> (len % 64)) & 1;

		if (!inov && (b == NULL || (b->nwide[len] == 0 &&
		    (len != 128 || b->v4n == 0))))
			continue;
		zone_base_iter_init(&it, b, len);
		have = zone_base_iter_next(&it, &be);
		i = inov ? zone_ov_next(ov, n, 0, len) : n;
		while (have || i < n) {
			if (!have)
				c = 1;
			else if (i >= n)
				c = -1;
			else
				c = addr_cmp(&be.addr, &ov[i].addr);
			if (c < 0) {
				if (zone_build_add(&zb, &be) == -1)
					goto fail;
				have = zone_base_iter_next(&it, &be);
				continue;
			}
			if (c == 0)
				have = zone_base_iter_next(&it, &be);
			if (!ov[i].gone && zone_build_add(&zb, &ov[i]) == -1)
				goto fail;
			i = zone_ov_next(ov, n, i + 1, len);
		}
	}
	if ((nb = zone_build_finish(&zb)) == NULL)
		goto fail;
	return nb;
fail:
	*err = zb.err;
	zone_build_discard(&zb);
	return NULL;
}

/* Longest first, then address order. */
static int
zone_excl_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return addr_cmp(&x->addr, &y->addr);
}

struct zone_excl *
zone_excl_new(const struct prefix *p, size_t n)
{
	struct zone_excl *ex;
	struct prefix *sorted = NULL;
	size_t i, m = 0;

	if (n > 0) {
		if ((sorted = calloc(n, sizeof(*sorted))) == NULL)
			return NULL;
		for (i = 0; i < n; i++) {
			sorted[i] = p[i];
			if (sorted[i].len > 128)
				sorted[i].len = 128;
			addr_mask(&sorted[i].addr, sorted[i].len);
		}
		qsort(sorted, n, sizeof(*sorted), zone_excl_cmp);
		for (i = 0; i < n; i++) {
			if (m == 0 || zone_excl_cmp(&sorted[m - 1],
			    &sorted[i]) != 0)
				sorted[m++] = sorted[i];
		}
	}
	if ((ex = calloc(1, sizeof(*ex) + m * sizeof(ex->a[0]))) == NULL) {
		free(sorted);
		return NULL;
	}
	ex->obj.kind = ZONE_OBJ_EXCL;
	ex->n = m;
	for (i = 0; i < m; i++) {
		ex->a[i] = sorted[i].addr;
		if (ex->nruns == 0 ||
		    ex->runs[ex->nruns - 1].len != sorted[i].len) {
			ex->runs[ex->nruns].len = (uint8_t)sorted[i].len;
			ex->runs[ex->nruns].start = (uint32_t)i;
			ex->nruns++;
		}
		ex->runs[ex->nruns - 1].end = (uint32_t)i + 1;
	}
	free(sorted);
	return ex;
}

void
zone_excl_list(const struct zone_excl *ex, struct prefix *out)
{
	for (unsigned int r = 0; r < ex->nruns; r++) {
		for (uint32_t i = ex->runs[r].start; i < ex->runs[r].end; i++) {
			out[i].addr = ex->a[i];
			out[i].len = ex->runs[r].len;
		}
	}
}

void
zone_excl_free(struct zone_excl *ex)
{
	free(ex);
}
