/* answer_bench.c -- the cost of dns_answer alone, per query, on the bench mix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns_answer.h"
#include "store/store.h"
#include "zone/zone.h"

/*
 * Usage: answer_bench STORE QUERIES [N [ROUNDS]]
 *
 * Loads the zone from STORE (as `backscatter dns` does), turns the first
 * N lines of QUERIES ("NAME TYPE", bench/dns_data.sh's format) into wire
 * queries, and runs dns_answer over them ROUNDS times in one thread: no
 * sockets, no system calls, so the figure is the server's own work per
 * query. Under `perf record` it shows where that work goes. The queries
 * sit in a big array, so each one is a cache miss here that a server,
 * which has just received it, does not pay.
 */
#define BENCH_QUERIES_MAX	1000000
#define BENCH_QUERY_LEN		300
#define BENCH_DEFAULT_N		200000
#define BENCH_DEFAULT_ROUNDS	20

static uint8_t	bench_q[BENCH_QUERIES_MAX][BENCH_QUERY_LEN];
static size_t	bench_qlen[BENCH_QUERIES_MAX];

static int
bench_lookup(void *arg, const struct addr *a, int64_t now,
    struct zone_listing *out)
{
	return zone_lookup(arg, a, now, out);
}

static int
bench_intersects(void *arg, const struct prefix *p)
{
	return zone_intersects(arg, p);
}

/* "4.3.2.1.bl.test A" to a query message; 0 if the line does not fit. */
static size_t
bench_encode(const char *line, uint16_t id, uint8_t *q)
{
	char name[256], type[16];
	const char *s, *dot;
	size_t off = 12, len;

	if (sscanf(line, "%255s %15s", name, type) != 2)
		return 0;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;			/* RD, as resolvers send */
	q[5] = 1;			/* QDCOUNT */
	for (s = name; *s != '\0'; s = *dot ? dot + 1 : dot) {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		len = (size_t)(dot - s);
		if (len == 0 || len > 63 || off + len + 6 > BENCH_QUERY_LEN)
			return 0;
		q[off++] = (uint8_t)len;
		memcpy(q + off, s, len);
		off += len;
	}
	q[off++] = 0;
	q[off++] = 0;
	q[off++] = strcmp(type, "TXT") == 0 ? 16 : 1;
	q[off++] = 0;
	q[off++] = 1;			/* IN */
	return off;
}

int
main(int argc, char **argv)
{
	struct store_config sc;
	struct dns_source src;
	struct dns_zone dz;
	struct dns_peek peek;
	struct zone_reader *zr;
	struct timespec t0, t1;
	struct store *st;
	struct zone *z;
	static uint8_t out[DNS_EDNS_UDP_MAX];
	char err[600], line[512];
	size_t n = BENCH_DEFAULT_N, nq = 0, bytes = 0;
	long rounds = BENCH_DEFAULT_ROUNDS;
	int64_t now = time(NULL);
	double ns;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: answer_bench STORE QUERIES [N [ROUNDS]]\n");
		return 2;
	}
	if (argc > 3)
		n = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		rounds = strtol(argv[4], NULL, 10);
	if (n == 0 || n > BENCH_QUERIES_MAX || rounds <= 0) {
		fprintf(stderr, "answer_bench: N 1..%d, ROUNDS > 0\n",
		    BENCH_QUERIES_MAX);
		return 2;
	}
	memset(&sc, 0, sizeof(sc));
	sc.path = argv[1];
	sc.busy_timeout_ms = 5000;
	sc.ttl = 28 * 86400;
	sc.min_hits = 1;
	sc.window = 28 * 86400;
	if ((st = store_open(&sc, STORE_OPEN_READONLY, err, sizeof(err))) ==
	    NULL || (z = zone_new()) == NULL ||
	    zone_load(z, st, err, sizeof(err)) == -1 ||
	    (zr = zone_reader_register(z)) == NULL ||
	    dns_zone_init(&dz, "bl.test", err, sizeof(err)) == -1) {
		fprintf(stderr, "answer_bench: %s\n", err);
		return 1;
	}
	src.lookup = bench_lookup;
	src.intersects = bench_intersects;
	src.arg = zr;
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (nq < n && fgets(line, sizeof(line), f) != NULL)
		if ((bench_qlen[nq] = bench_encode(line, (uint16_t)nq,
		    bench_q[nq])) > 0)
			nq++;
	fclose(f);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* As the UDP worker does: the name read ahead, then the answer. */
	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < nq; i++) {
			(void)dns_query_peek(&dz, bench_q[i], bench_qlen[i],
			    &peek);
			bytes += dns_answer_peeked(&dz, &src, 1, now,
			    bench_q[i], bench_qlen[i], out, sizeof(out), 0,
			    &peek);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / ((double)nq * (double)rounds);
	printf("%zu queries x %ld rounds: %.1f ns per query (%zu bytes)\n",
	    nq, rounds, ns, bytes);
	zone_reader_unregister(zr);
	zone_free(z);
	store_close(st);
	return 0;
}
