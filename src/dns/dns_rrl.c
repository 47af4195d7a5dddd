/* dns_rrl.c -- response rate limiting for UDP: token buckets per client network. */
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns/dns_rrl.h"
#include "dns/dns_wire.h"

/*
 * A bucket is one 64-bit word, so that it is read and replaced with one
 * compare-and-swap and no lock:
 *
 *	63        40 39          16 15        0
 *	[ tag (24) ][ stamp (24)   ][ tokens (16) ]
 *
 * tag: other bits of the network's hash than the slot index, never 0
 * (an empty bucket is all zero and matches no network); stamp: the
 * monotonic milliseconds up to which tokens were credited, modulo 2^24
 * (4.6 hours: a bucket untouched that long is full whatever the stamp
 * says, unless the wrap lands within a second of the last use, which
 * costs that network at most one bucket's worth of waiting).
 */
#define RRL_TAG_SHIFT		40
#define RRL_STAMP_SHIFT		16
#define RRL_STAMP_MASK		0xffffffULL
#define RRL_TOKENS_MASK		0xffffULL

struct dns_rrl {
	struct dns_rrl_config	 cfg;
	uint64_t		 seed;
	_Atomic uint64_t	 slot[DNS_RRL_SLOTS];
};

struct dns_rrl *
dns_rrl_new(const struct dns_rrl_config *cfg)
{
	struct dns_rrl *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cfg = *cfg;
	if (r->cfg.rate > DNS_RRL_RATE_MAX)
		r->cfg.rate = DNS_RRL_RATE_MAX;
	if (r->cfg.burst == 0)
		r->cfg.burst = r->cfg.rate;
	if (r->cfg.burst > DNS_RRL_BURST_MAX)
		r->cfg.burst = DNS_RRL_BURST_MAX;
	if (r->cfg.v4_prefix > 32)
		r->cfg.v4_prefix = 32;
	if (r->cfg.v6_prefix > 128)
		r->cfg.v6_prefix = 128;
	/*
	 * A seed nobody outside knows, so that a flood cannot pick networks
	 * that share a bucket with a resolver it wants limited. Without
	 * entropy the clock still differs per run.
	 */
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(r->seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)ts.tv_sec;
	}
	for (size_t i = 0; i < DNS_RRL_SLOTS; i++)
		atomic_init(&r->slot[i], 0);
	return r;
}

void
dns_rrl_free(struct dns_rrl *r)
{
	free(r);
}

/* The finaliser of splitmix64: every input bit moves every output bit. */
static uint64_t
rrl_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The top bits of a 64-bit word, the rest cleared. */
static uint64_t
rrl_mask64(uint64_t v, unsigned int bits)
{
	if (bits == 0)
		return 0;
	if (bits >= 64)
		return v;
	return v & ~((1ULL << (64 - bits)) - 1);
}

static uint64_t
rrl_be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/*
 * The hash of the client's network: the address masked to its prefix,
 * with the family mixed in so that 0.0.0.0/0 and ::/0 differ. 0 for a
 * family we do not limit.
 */
static int
rrl_hash(const struct dns_rrl *r, const struct sockaddr *sa, uint64_t *out)
{
	uint64_t hi, lo;
	unsigned int p;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		const uint8_t *b = (const uint8_t *)&s4->sin_addr;

		hi = (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 |
		    (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32;
		hi = rrl_mask64(hi, r->cfg.v4_prefix);
		lo = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		const uint8_t *b = (const uint8_t *)&s6->sin6_addr;

		p = r->cfg.v6_prefix;
		hi = rrl_mask64(rrl_be64(b), p > 64 ? 64 : p);
		lo = rrl_mask64(rrl_be64(b + 8), p > 64 ? p - 64 : 0) ^ 6;
	} else
		return -1;
	*out = rrl_mix(rrl_mix(hi ^ r->seed) ^ lo);
	return 0;
}

/* Refills a bucket for the time since its stamp; returns the new word. */
static uint64_t
rrl_refill(const struct dns_rrl *r, uint64_t w, uint64_t tag, uint64_t now)
{
	uint64_t stamp, tokens, elapsed, add;

	if (w >> RRL_TAG_SHIFT != tag)
		return tag << RRL_TAG_SHIFT | now << RRL_STAMP_SHIFT |
		    r->cfg.burst;
	stamp = w >> RRL_STAMP_SHIFT & RRL_STAMP_MASK;
	tokens = w & RRL_TOKENS_MASK;
	elapsed = (now - stamp) & RRL_STAMP_MASK;
	add = elapsed * r->cfg.rate / 1000;
	if (add >= r->cfg.burst - tokens)
		return tag << RRL_TAG_SHIFT | now << RRL_STAMP_SHIFT |
		    r->cfg.burst;
	if (add == 0)
		return w;
	/*
	 * Credit only the time the whole tokens stand for: the fraction of
	 * a token is kept for the next response, so a client asking more
	 * often than 1000/rate ms is still held to the rate.
	 */
	stamp = (stamp + add * 1000 / r->cfg.rate) & RRL_STAMP_MASK;
	return tag << RRL_TAG_SHIFT | stamp << RRL_STAMP_SHIFT |
	    (tokens + add);
}

/* A single writer: no read-modify-write needed, just no torn value. */
static void
rrl_count(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v,
	    memory_order_relaxed) + 1, memory_order_relaxed);
}

/*
 * The bucket of the client's network gains rate tokens a second, up to
 * burst; a response takes one. The word is replaced by compare-and-swap;
 * a worker that loses the race (another worker answered the same network
 * at the same instant) tries again with the new word. A limited response
 * changes nothing in the bucket but the refill, so a flood does not
 * write to shared memory at all once its bucket is empty.
 */
enum dns_rrl_verdict
dns_rrl_check(struct dns_rrl *r, struct dns_rrl_counters *c,
    const struct sockaddr *sa, int64_t now_ms)
{
	_Atomic uint64_t *slot;
	uint64_t h, tag, now, old, w;
	int limited;

	if (r == NULL || r->cfg.rate == 0 || rrl_hash(r, sa, &h) == -1)
		return DNS_RRL_PASS;
	slot = &r->slot[h & (DNS_RRL_SLOTS - 1)];
	tag = (h >> RRL_TAG_SHIFT) | 1;
	now = (uint64_t)now_ms & RRL_STAMP_MASK;
	old = atomic_load_explicit(slot, memory_order_relaxed);
	for (;;) {
		w = rrl_refill(r, old, tag, now);
		limited = (w & RRL_TOKENS_MASK) == 0;
		if (!limited)
			w--;
		if (w == old || atomic_compare_exchange_weak_explicit(slot,
		    &old, w, memory_order_relaxed, memory_order_relaxed))
			break;
	}
	if (!limited)
		return DNS_RRL_PASS;
	rrl_count(&c->limited);
	if (r->cfg.slip > 0) {
		if (c->slip_next <= 1) {
			c->slip_next = r->cfg.slip;
			rrl_count(&c->slipped);
			return DNS_RRL_SLIP;
		}
		c->slip_next--;
	}
	rrl_count(&c->dropped);
	return DNS_RRL_DROP;
}

/*
 * The question of a response is the client's, echoed as received
 * (dns_answer never compresses it), so plain labels are walked; a
 * pointer or anything that runs past the end gives up.
 */
size_t
dns_rrl_truncate(uint8_t *msg, size_t len)
{
	size_t off = DNS_HEADER_LEN;
	uint16_t flags;

	if (len < DNS_HEADER_LEN || (msg[4] << 8 | msg[5]) != 1)
		return 0;
	while (off < len && msg[off] != 0) {
		if (msg[off] > DNS_LABEL_MAX)
			return 0;
		off += 1 + (size_t)msg[off];
	}
	/* The root label, QTYPE and QCLASS. */
	if (off + 5 > len)
		return 0;
	off += 5;
	flags = (uint16_t)(msg[2] << 8 | msg[3]) | DNS_FLAG_TC;
	msg[2] = (uint8_t)(flags >> 8);
	msg[3] = (uint8_t)flags;
	memset(msg + 6, 0, 6);		/* ANCOUNT, NSCOUNT, ARCOUNT */
	return off;
}
