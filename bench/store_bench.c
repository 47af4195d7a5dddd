/* store_bench.c -- how fast the store records hits, exports, looks up. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/hitclass.h"
#include "core/special.h"
#include "listio/export.h"
#include "store/store.h"

/*
 * Defaults: a busy trap network's month, 1,000,000 hits from 200,000
 * sources. fsync-per-commit is slow by design, so it gets a smaller
 * sample; the batch size matches a sensor's spool upload.
 */
#define BENCH_HITS		1000000
#define BENCH_ADDRS		200000
#define BENCH_SYNC_HITS		20000
#define BENCH_BATCH		1000
#define BENCH_LOOKUPS		200000
/*
 * Lookups stop early after this long: a slow lookup path must show up
 * as a low rate, not as a benchmark that never ends.
 */
#define BENCH_LOOKUP_SECS	20.0
/* Hits fall in the 27 days before BENCH_END, so all are listed at its end. */
#define BENCH_END		1735689600	/* 2025-01-01T00:00:00Z */
#define BENCH_SPAN		(27 * 86400)
#define BENCH_TTL		(28 * 86400)
/* One address in ten is IPv6, as on a trap that listens on both. */
#define BENCH_V6_PERCENT	10
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

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench_addr_cmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/*
 * One public-looking address: IPv4 anywhere, IPv6 in 2000::/3, never
 * in a special-purpose range (special_match with nothing allowed), so
 * that every hit is listable as on a real trap.
 */
static void
bench_addr(uint64_t *rng, struct addr *a)
{
	uint64_t r;
	uint8_t v4[4];

	do {
		r = bench_rand(rng);
		if (r % 100 < BENCH_V6_PERCENT) {
			memset(a, 0, sizeof(*a));
			r = bench_rand(rng);
			for (int i = 0; i < 8; i++)
				a->b[i] = (uint8_t)(r >> (8 * i));
			a->b[0] = (uint8_t)(0x20 | (a->b[0] & 0x1f));
			r = bench_rand(rng);
			a->b[15] = (uint8_t)(r | 1);
		} else {
			r = bench_rand(rng);
			v4[0] = (uint8_t)r;
			v4[1] = (uint8_t)(r >> 8);
			v4[2] = (uint8_t)(r >> 16);
			v4[3] = (uint8_t)(r >> 24);
			addr_from_v4(a, v4);
		}
	} while (special_match(a, 0, NULL) != NULL);
}

/* n distinct addresses: draw, sort, redraw the duplicates, repeat. */
static struct addr *
bench_addrs(size_t n, uint64_t *rng)
{
	struct addr *a, *sorted;
	size_t i, dups;

	if ((a = calloc(n, sizeof(*a))) == NULL ||
	    (sorted = calloc(n, sizeof(*sorted))) == NULL) {
		free(a);
		return NULL;
	}
	for (i = 0; i < n; i++)
		bench_addr(rng, &a[i]);
	do {
		memcpy(sorted, a, n * sizeof(*a));
		qsort(sorted, n, sizeof(*sorted), bench_addr_cmp);
		dups = 0;
		for (i = 1; i < n; i++) {
			if (addr_cmp(&sorted[i], &sorted[i - 1]) != 0)
				continue;
			/* Redraw one copy of it where it sits in a. */
			for (size_t j = 0; j < n; j++) {
				if (addr_cmp(&a[j], &sorted[i]) == 0) {
					bench_addr(rng, &a[j]);
					break;
				}
			}
			dups++;
		}
	} while (dups > 0);
	free(sorted);
	return a;
}

/*
 * The hits: the first naddrs hits visit every address once (so all are
 * listed), the rest pick any address. Classes as a trap sees them:
 * mostly bounces, then callouts, auto-replies, and a tenth "other",
 * which is evidence only.
 */
static void
bench_hit(struct store_hit *h, size_t i, size_t nhits, const struct addr *addrs,
    size_t naddrs, uint64_t *rng)
{
	static const struct {
		enum hit_class	 class;
		const char	*subclass;
		const char	*mail_from;
		const char	*excerpt;
	} kinds[] = {
		{ HIT_BOUNCE, "bounce/dsn", "<>",
		    "Subject: Undelivered Mail Returned to Sender; "
		    "Status: 5.1.1" },
		{ HIT_CALLOUT, "callout/null", "<>", "" },
		{ HIT_AUTOREPLY, "autoreply/vacation",
		    "<someone@example.net>", "Subject: Out of office" },
		{ HIT_OTHER, "other", "<spam@example.net>",
		    "Subject: cheap watches" },
	};
	uint64_t r = bench_rand(rng);
	unsigned int pct = (unsigned int)(r % 100), k;

	k = pct < 45 ? 0 : pct < 70 ? 1 : pct < 90 ? 2 : 3;
	memset(h, 0, sizeof(*h));
	h->t = BENCH_END - BENCH_SPAN +
	    (int64_t)((uint64_t)BENCH_SPAN * i / (nhits ? nhits : 1));
	h->addr = addrs[i < naddrs ? i : (r >> 8) % naddrs];
	h->class = kinds[k].class;
	h->subclass = kinds[k].subclass;
	h->sensor = "bench";
	h->helo = "mx.example.net";
	h->mail_from = kinds[k].mail_from;
	h->rcpt = "<victim@trap.example.org>";
	h->excerpt = kinds[k].excerpt;
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

/* Opens the store at path; fresh: remove what was there first. */
static struct store *
bench_open(const char *path, int sync_full, int fresh)
{
	struct store_config c;
	char err[512];
	struct store *s;

	if (fresh)
		bench_remove(path);
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.busy_timeout_ms = 5000;
	c.sync_full = sync_full;
	c.ttl = BENCH_TTL;
	c.min_hits = 1;
	c.window = BENCH_TTL;
	c.allow_special = 0;
	if ((s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err))) == NULL)
		fprintf(stderr, "store_bench: %s\n", err);
	return s;
}

/* One transaction per hit, as the trap does before its SMTP reply. */
static int
bench_single(const char *path, int sync_full, size_t nhits,
    const struct addr *addrs, size_t naddrs, double *rate)
{
	struct store *s;
	struct store_hit h;
	enum store_hit_outcome out;
	uint64_t rng = 42;
	double t0;

	if ((s = bench_open(path, sync_full, 1)) == NULL)
		return -1;
	t0 = bench_now();
	for (size_t i = 0; i < nhits; i++) {
		bench_hit(&h, i, nhits, addrs, naddrs, &rng);
		if (store_record_hit(s, &h, &out) == -1) {
			fprintf(stderr, "store_bench: %s\n", store_errmsg(s));
			store_close(s);
			return -1;
		}
	}
	*rate = (double)nhits / (bench_now() - t0);
	store_close(s);
	return 0;
}

static int
bench_batched(const char *path, size_t nhits, const struct addr *addrs,
    size_t naddrs, double *rate)
{
	struct store *s;
	struct store_hit *h;
	uint64_t rng = 42;
	double t0;
	size_t i, n;

	if ((h = calloc(BENCH_BATCH, sizeof(*h))) == NULL)
		return -1;
	if ((s = bench_open(path, 0, 1)) == NULL) {
		free(h);
		return -1;
	}
	t0 = bench_now();
	for (i = 0; i < nhits; i += n) {
		n = nhits - i < BENCH_BATCH ? nhits - i : BENCH_BATCH;
		for (size_t k = 0; k < n; k++)
			bench_hit(&h[k], i + k, nhits, addrs, naddrs, &rng);
		if (store_record_hits(s, h, n, NULL) == -1) {
			fprintf(stderr, "store_bench: %s\n", store_errmsg(s));
			store_close(s);
			free(h);
			return -1;
		}
	}
	*rate = (double)nhits / (bench_now() - t0);
	store_close(s);
	free(h);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: store_bench [-n hits] [-a addresses] "
	    "[-s sync-full-hits] [-l lookups] [-d dir]\n"
	    "Leaves DIR/bench.db (the one-transaction-per-hit store) for "
	    "the CLI export.\n");
	exit(2);
}

/* A bounded decimal option value. */
static size_t
bench_count(const char *s, size_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max ||
	    s[0] == '-')
		usage();
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	size_t nhits = BENCH_HITS, naddrs = BENCH_ADDRS;
	size_t nsync = BENCH_SYNC_HITS, nlookups = BENCH_LOOKUPS;
	const char *dir = ".";
	char path[BENCH_PATH_MAX], tmp[BENCH_PATH_MAX], err[512];
	double single, full, batched, t0, texport, tlookup;
	struct addr *addrs, a;
	struct store *s;
	struct store_stats st;
	struct export_opts o;
	struct config cfg;
	struct stat sb;
	uint64_t rng = 1;
	size_t listed = 0, done;
	FILE *fp;
	int ch;

	while ((ch = getopt(argc, argv, "n:a:s:l:d:")) != -1) {
		switch (ch) {
		case 'n':
			nhits = bench_count(optarg, 100000000);
			break;
		case 'a':
			naddrs = bench_count(optarg, 10000000);
			break;
		case 's':
			nsync = bench_count(optarg, 10000000);
			break;
		case 'l':
			nlookups = bench_count(optarg, 100000000);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || naddrs > nhits || nsync > nhits)
		usage();
	if (config_defaults(&cfg) == -1)
		return 1;
	if ((addrs = bench_addrs(naddrs, &rng)) == NULL) {
		fprintf(stderr, "store_bench: out of memory\n");
		return 1;
	}
	printf("hits %zu\naddresses %zu\n", nhits, naddrs);
	fflush(stdout);

	snprintf(path, sizeof(path), "%s/bench-full.db", dir);
	if (bench_single(path, 1, nsync, addrs, naddrs < nsync ? naddrs :
	    nsync, &full) == -1)
		return 1;
	bench_remove(path);
	printf("sync_full_hits %zu\nsync_full_hits_per_s %.0f\n", nsync, full);
	fflush(stdout);

	snprintf(path, sizeof(path), "%s/bench-batch.db", dir);
	if (bench_batched(path, nhits, addrs, naddrs, &batched) == -1)
		return 1;
	bench_remove(path);
	printf("batch_size %d\nbatched_hits_per_s %.0f\n", BENCH_BATCH,
	    batched);
	fflush(stdout);

	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if (bench_single(path, 0, nhits, addrs, naddrs, &single) == -1)
		return 1;
	printf("single_hits_per_s %.0f\n", single);
	fflush(stdout);

	if ((s = bench_open(path, 0, 0)) == NULL)
		return 1;
	if (store_stats(s, BENCH_END, &st) == -1) {
		fprintf(stderr, "store_bench: %s\n", store_errmsg(s));
		return 1;
	}
	printf("listings %" PRId64 "\ndb_bytes %" PRId64 "\n", st.listed,
	    st.db_bytes);
	fflush(stdout);

	/* The same export the CLI runs, with the default templates. */
	memset(&o, 0, sizeof(o));
	o.now = BENCH_END;
	o.zone = cfg.dns.zone;
	o.answer = cfg.dns.answer;
	o.ttl = cfg.dns.ttl;
	o.txt = cfg.dns.txt;
	o.lookup_url = cfg.web.lookup_url;
	o.serial = st.serial;
	snprintf(tmp, sizeof(tmp), "%s/bench.rbldnsd", dir);
	if ((fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "store_bench: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	t0 = bench_now();
	if (export_write(s, EXPORT_RBLDNSD, &o, fp, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_bench: %s\n", err);
		return 1;
	}
	fclose(fp);
	texport = bench_now() - t0;
	if (stat(tmp, &sb) == -1)
		sb.st_size = 0;
	printf("export_s %.2f\nexport_bytes %lld\n", texport,
	    (long long)sb.st_size);
	fflush(stdout);
	unlink(tmp);

	/* Half the lookups hit a listed address, half a random one. */
	rng = 7;
	t0 = bench_now();
	for (done = 0; done < nlookups; done++) {
		size_t i = done;

		if (bench_now() - t0 > BENCH_LOOKUP_SECS)
			break;
		if (i % 2 == 0)
			a = addrs[bench_rand(&rng) % naddrs];
		else
			bench_addr(&rng, &a);
		switch (store_lookup(s, &a, BENCH_END, NULL)) {
		case -1:
			fprintf(stderr, "store_bench: %s\n", store_errmsg(s));
			return 1;
		case 1:
			listed++;
			break;
		}
	}
	tlookup = bench_now() - t0;
	printf("lookups %zu\nlookups_listed %zu\nlookups_per_s %.0f\n",
	    done, listed, (double)done / tlookup);
	store_close(s);
	config_free(&cfg);
	free(addrs);
	return 0;
}
