/* zone_bench.c -- load time, memory and lookup rate of the DNS zone. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "core/special.h"
#include "store/store.h"
#include "zone/zone.h"

/*
 * Defaults: a million IPv4 listings, the size the zone is designed for,
 * and a twentieth as many IPv6 ones. Updates arrive at 100 a second, as
 * from a busy trap network, and are followed as they come.
 */
#define BENCH_V4		1000000
#define BENCH_V6		50000
#define BENCH_BATCH		10000
#define BENCH_LOOKUPS		20000000
#define BENCH_QUERIES		(1u << 20)	/* distinct queries */
#define BENCH_UPDATE_SECS	10
#define BENCH_UPDATE_RATE	100
#define BENCH_MERGE_CHANGES	5000
/* Every listing is active at BENCH_END: hits fall in the 27 days before. */
#define BENCH_END		1735689600	/* 2025-01-01T00:00:00Z */
#define BENCH_SPAN		(27 * 86400)
#define BENCH_TTL		(28 * 86400)
#define BENCH_V6_PERCENT	10
#define BENCH_QUIESCE_EVERY	64
#define BENCH_PATH_MAX		4096

/* splitmix64: small, fast and the same on every machine. */
static uint64_t
bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A bijection of 32-bit numbers (each step is invertible), so the i-th
 * listed address is perm(i) and every i past the listed count gives an
 * address that is certainly not listed, without any set to check.
 */
static uint32_t
bench_perm(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void
bench_v4(uint32_t i, struct addr *a)
{
	uint32_t x = bench_perm(i);
	uint8_t v4[4] = {
		(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
		(uint8_t)x,
	};

	addr_from_v4(a, v4);
}

/* 2a01:xxxx:xxxx::1, one /48 of a hosting provider's space each. */
static void
bench_v6(uint32_t i, struct addr *a)
{
	uint32_t x = bench_perm(i);

	memset(a, 0, sizeof(*a));
	a->b[0] = 0x2a;
	a->b[1] = 0x01;
	a->b[2] = (uint8_t)(x >> 24);
	a->b[3] = (uint8_t)(x >> 16);
	a->b[4] = (uint8_t)(x >> 8);
	a->b[5] = (uint8_t)x;
	a->b[15] = 1;
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size from /proc/self/statm, bytes; 0 if unreadable. */
static long
bench_rss(void)
{
	FILE *fp;
	long size, resident = 0;

	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(fp);
	return resident * sysconf(_SC_PAGESIZE);
}

/* Bytes malloc has handed out and not had back. */
static size_t
bench_heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static struct store *
bench_open(const char *path)
{
	struct store_config c;
	struct store *s;
	char err[512];

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.busy_timeout_ms = 10000;
	c.ttl = BENCH_TTL;
	c.min_hits = 1;
	c.window = BENCH_TTL;
	/* perm() covers all of IPv4: list special ranges too. */
	c.allow_special = SPECIAL_ALL;
	if ((s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err))) == NULL)
		fprintf(stderr, "zone_bench: %s\n", err);
	return s;
}

static void
bench_hit(struct store_hit *h, const struct addr *a, int64_t t)
{
	memset(h, 0, sizeof(*h));
	h->t = t;
	h->addr = *a;
	h->class = HIT_BOUNCE;
	h->subclass = "bounce/dsn";
	h->sensor = "bench";
}

/* Lists n4 IPv4 and n6 IPv6 addresses, BENCH_BATCH hits a transaction. */
static int
bench_fill(struct store *s, size_t n4, size_t n6)
{
	struct store_hit *h;
	size_t total = n4 + n6, i, k;

	if ((h = calloc(BENCH_BATCH, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < total; i += k) {
		for (k = 0; k < BENCH_BATCH && i + k < total; k++) {
			struct addr a;
			size_t j = i + k;

			if (j < n4)
				bench_v4((uint32_t)j, &a);
			else
				bench_v6((uint32_t)(j - n4), &a);
			bench_hit(&h[k], &a, BENCH_END - BENCH_SPAN +
			    (int64_t)((uint64_t)BENCH_SPAN * j / total));
		}
		if (store_record_hits(s, h, k, NULL) == -1) {
			fprintf(stderr, "zone_bench: %s\n", store_errmsg(s));
			free(h);
			return -1;
		}
	}
	free(h);
	return 0;
}

/*
 * The query mix: half listed, half not; one in ten IPv6. Not-listed
 * IPv4 addresses are random, so a few fall inside the same bucket as
 * listed ones and most in a bucket of about n4 / 65536 others.
 */
static struct addr *
bench_queries(size_t n4, size_t n6, int listed_pct)
{
	struct addr *q;
	uint64_t rng = 99, r;
	size_t i;

	if ((q = calloc(BENCH_QUERIES, sizeof(*q))) == NULL)
		return NULL;
	for (i = 0; i < BENCH_QUERIES; i++) {
		int v6 = bench_rand(&rng) % 100 < BENCH_V6_PERCENT && n6 > 0;
		int listed = (int)(bench_rand(&rng) % 100) < listed_pct;
		size_t n = v6 ? n6 : n4;

		r = bench_rand(&rng);
		if (listed && n > 0)
			r %= n;
		else
			r = n + r % (UINT32_MAX - n);
		if (v6)
			bench_v6((uint32_t)r, &q[i]);
		else
			bench_v4((uint32_t)r, &q[i]);
	}
	return q;
}

/* Lookups per second on this thread over nlookups queries. */
static double
bench_lookups(struct zone_reader *r, const struct addr *q, size_t nlookups,
    size_t *found)
{
	struct zone_listing l;
	double t0 = bench_now();
	size_t i;

	*found = 0;
	for (i = 0; i < nlookups; i++) {
		*found += (size_t)zone_lookup(r, &q[i & (BENCH_QUERIES - 1)],
		    BENCH_END, &l);
		if (i % BENCH_QUIESCE_EVERY == 0)
			zone_reader_quiescent(r);
	}
	return (double)nlookups / (bench_now() - t0);
}

struct bench_reader {
	struct zone		*z;
	const struct addr	*q;
	atomic_int		 stop;
	atomic_int		 ready;
	uint64_t		 lookups;
	size_t			 found;
	double			 secs;
};

static void *
bench_reader_main(void *arg)
{
	struct bench_reader *br = arg;
	struct zone_reader *r;
	struct zone_listing l;
	uint64_t i = 0;
	double t0;

	if ((r = zone_reader_register(br->z)) == NULL) {
		atomic_store(&br->ready, -1);
		return NULL;
	}
	atomic_store(&br->ready, 1);
	t0 = bench_now();
	while (!atomic_load_explicit(&br->stop, memory_order_relaxed)) {
		for (int k = 0; k < BENCH_QUIESCE_EVERY; k++, i++)
			br->found += (size_t)zone_lookup(r,
			    &br->q[i & (BENCH_QUERIES - 1)], BENCH_END, &l);
		zone_reader_quiescent(r);
	}
	br->secs = bench_now() - t0;
	br->lookups = i;
	zone_reader_unregister(r);
	return NULL;
}

static int
bench_reader_start(struct bench_reader *br, pthread_t *th)
{
	atomic_store(&br->stop, 0);
	atomic_store(&br->ready, 0);
	br->lookups = 0;
	br->found = 0;
	if (pthread_create(th, NULL, bench_reader_main, br) != 0)
		return -1;
	while (atomic_load(&br->ready) == 0)
		usleep(1000);
	return atomic_load(&br->ready) == 1 ? 0 : -1;
}

static double
bench_reader_stop(struct bench_reader *br, pthread_t th)
{
	atomic_store(&br->stop, 1);
	pthread_join(th, NULL);
	return br->secs > 0 ? (double)br->lookups / br->secs : 0;
}

static void
bench_sleep_until(double t)
{
	double d = t - bench_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Copies a closed store (no WAL left) so that a run never changes it. */
static int
bench_copy(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *in, *out;
	size_t n;
	int rc = 0;

	if ((in = fopen(from, "rb")) == NULL)
		return -1;
	if ((out = fopen(to, "wb")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Removes a store and its WAL files. */
static void
bench_remove(const char *path)
{
	char p[BENCH_PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
usage(void)
{
	fprintf(stderr, "usage: zone_bench [-n ipv4] [-6 ipv6] [-l lookups] "
	    "[-s update_secs] [-d dir]\n"
	    "  -d: keep the store in dir/zone-bench.db and reuse it\n");
	exit(2);
}

static size_t
bench_count(const char *s, size_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		usage();
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	size_t n4 = BENCH_V4, n6 = BENCH_V6, nlookups = BENCH_LOOKUPS;
	size_t secs = BENCH_UPDATE_SECS, found, changed, count, follows = 0;
	size_t applied = 0, heap0, heap1;
	const char *dir = NULL;
	char tmpdir[] = "/tmp/zone-bench-XXXXXX", path[BENCH_PATH_MAX];
	char run[BENCH_PATH_MAX];
	char err[512];
	struct addr *mixed, *hits, *misses;
	struct store *s, *w;
	struct zone *z;
	struct zone_reader *r;
	struct bench_reader br;
	struct stat sb;
	pthread_t th;
	double t0, t, tload, fmax = 0, fsum = 0, idle, busy;
	uint64_t serial = 0;
	long rss0, rss1;
	uint32_t next = 0;
	int ch, reuse = 0;

	while ((ch = getopt(argc, argv, "n:6:l:s:d:")) != -1) {
		switch (ch) {
		case 'n':
			n4 = bench_count(optarg, 100000000);
			break;
		case '6':
			n6 = bench_count(optarg, 10000000);
			break;
		case 'l':
			nlookups = bench_count(optarg, 10000000000ULL);
			break;
		case 's':
			secs = bench_count(optarg, 3600);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (dir == NULL && (dir = mkdtemp(tmpdir)) == NULL) {
		fprintf(stderr, "zone_bench: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/zone-bench.db", dir);

	/* The store, built once (or reused when it has the right size). */
	if (stat(path, &sb) == 0 && (s = bench_open(path)) != NULL) {
		reuse = store_serial(s, &serial) == 0 && serial == n4 + n6;
		store_close(s);
		if (!reuse) {
			fprintf(stderr, "zone_bench: %s holds another data "
			    "set; remove it\n", path);
			return 1;
		}
	}
	if (!reuse) {
		if ((s = bench_open(path)) == NULL)
			return 1;
		t0 = bench_now();
		if (bench_fill(s, n4, n6) == -1)
			return 1;
		printf("store_fill_s %.1f\n", bench_now() - t0);
		store_close(s);
	}
	printf("listings_v4 %zu\nlistings_v6 %zu\n", n4, n6);
	fflush(stdout);
	snprintf(run, sizeof(run), "%s/zone-bench-run.db", dir);
	bench_remove(run);
	if (bench_copy(path, run) == -1) {
		fprintf(stderr, "zone_bench: copying %s: %s\n", path,
		    strerror(errno));
		return 1;
	}

	/* Query sets first, so that they are not counted as the zone's. */
	if ((mixed = bench_queries(n4, n6, 50)) == NULL ||
	    (hits = bench_queries(n4, n6, 100)) == NULL ||
	    (misses = bench_queries(n4, n6, 0)) == NULL) {
		fprintf(stderr, "zone_bench: out of memory\n");
		return 1;
	}
	if ((z = zone_new()) == NULL || (r = zone_reader_register(z)) == NULL)
		return 1;

	/*
	 * Memory: the zone's heap bytes and the growth of the RSS, both
	 * measured with the store closed (SQLite's page cache is the
	 * store's, not the zone's) and free memory given back to the OS.
	 */
	malloc_trim(0);
	rss0 = bench_rss();
	heap0 = bench_heap();
	if ((s = bench_open(run)) == NULL)
		return 1;
	t0 = bench_now();
	if (zone_load(z, s, err, sizeof(err)) == -1) {
		fprintf(stderr, "zone_bench: %s\n", err);
		return 1;
	}
	tload = bench_now() - t0;
	store_close(s);
	malloc_trim(0);
	rss1 = bench_rss();
	heap1 = bench_heap();
	count = zone_count(z);
	printf("zone_count %zu\nload_s %.2f\nload_listings_per_s %.0f\n",
	    count, tload, (double)count / tload);
	printf("zone_heap_bytes %zu\nheap_bytes_per_listing %.1f\n",
	    heap1 - heap0, (double)(heap1 - heap0) / (double)count);
	printf("rss_delta_bytes %ld\nrss_bytes_per_listing %.1f\n",
	    rss1 - rss0, (double)(rss1 - rss0) / (double)count);
	fflush(stdout);

	/* One core, the caller's thread. */
	bench_lookups(r, mixed, nlookups / 10, &found);	/* warm up */
	printf("lookups_per_s_mixed %.0f\n",
	    bench_lookups(r, mixed, nlookups, &found));
	printf("mixed_found_pct %.1f\n", 100.0 * (double)found /
	    (double)nlookups);
	printf("lookups_per_s_listed %.0f\n",
	    bench_lookups(r, hits, nlookups, &found));
	if (found != nlookups)
		fprintf(stderr, "zone_bench: %zu listed addresses not found\n",
		    nlookups - found);
	printf("lookups_per_s_unlisted %.0f\n",
	    bench_lookups(r, misses, nlookups, &found));
	if (found != 0)
		fprintf(stderr, "zone_bench: %zu unlisted addresses found\n",
		    found);
	fflush(stdout);

	/*
	 * Lookups on a reader thread, first alone, then while this thread
	 * records BENCH_UPDATE_RATE hits a second through one connection
	 * (as a trap does) and follows them through another (as the DNS
	 * server does) after each one.
	 */
	memset(&br, 0, sizeof(br));
	br.z = z;
	br.q = mixed;
	if (bench_reader_start(&br, &th) == -1)
		return 1;
	sleep(2);
	idle = bench_reader_stop(&br, th);
	printf("thread_lookups_per_s_idle %.0f\n", idle);
	fflush(stdout);

	if ((s = bench_open(run)) == NULL || (w = bench_open(run)) == NULL)
		return 1;
	if (bench_reader_start(&br, &th) == -1)
		return 1;
	t0 = bench_now();
	for (size_t i = 0; i < secs * BENCH_UPDATE_RATE; i++) {
		struct store_hit h;
		struct addr a;
		double f0;

		bench_sleep_until(t0 + (double)i / BENCH_UPDATE_RATE);
		/* Half new listings, half extensions of existing ones. */
		if (i % 2 == 0)
			bench_v4((uint32_t)(n4 + next++), &a);
		else
			bench_v4((uint32_t)(i * 7919 % n4), &a);
		bench_hit(&h, &a, BENCH_END - 60);
		if (store_record_hit(w, &h, NULL) == -1) {
			fprintf(stderr, "zone_bench: %s\n", store_errmsg(w));
			return 1;
		}
		f0 = bench_now();
		if (zone_follow(z, s, &changed, err, sizeof(err)) == -1) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t = bench_now() - f0;
		fsum += t;
		fmax = t > fmax ? t : fmax;
		follows++;
		applied += changed;
	}
	busy = bench_reader_stop(&br, th);
	printf("updates_per_s %d\nupdate_secs %zu\nchanges_followed %zu\n",
	    BENCH_UPDATE_RATE, secs, applied);
	printf("follow_ms_avg %.3f\nfollow_ms_max %.3f\n",
	    1000 * fsum / (double)follows, 1000 * fmax);
	printf("thread_lookups_per_s_during_updates %.0f\n", busy);
	fflush(stdout);

	/* A merge: more changes at once than the overlay holds. */
	{
		struct store_hit *h = calloc(BENCH_MERGE_CHANGES, sizeof(*h));
		struct addr a;

		if (h == NULL)
			return 1;
		for (size_t i = 0; i < BENCH_MERGE_CHANGES; i++) {
			bench_v4((uint32_t)(n4 + next++), &a);
			bench_hit(&h[i], &a, BENCH_END - 30);
		}
		if (store_record_hits(w, h, BENCH_MERGE_CHANGES, NULL) == -1) {
			fprintf(stderr, "zone_bench: %s\n", store_errmsg(w));
			return 1;
		}
		free(h);
		if (bench_reader_start(&br, &th) == -1)
			return 1;
		t0 = bench_now();
		if (zone_follow(z, s, &changed, err, sizeof(err)) == -1) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t = bench_now() - t0;
		zone_reader_quiescent(r);
		zone_reclaim(z);
		busy = bench_reader_stop(&br, th);
		printf("merge_changes %zu\nmerge_follow_ms %.1f\n", changed,
		    1000 * t);
		printf("zone_count_after %zu\n", zone_count(z));
	}

	zone_reader_unregister(r);
	zone_free(z);
	store_close(s);
	store_close(w);
	free(mixed);
	free(hits);
	free(misses);
	bench_remove(run);
	if (dir == tmpdir) {
		bench_remove(path);
		rmdir(dir);
	}
	return 0;
}
