/* dns_rrl.h -- response rate limiting for UDP: token buckets per client network. */
#ifndef BACKSCATTER_DNS_RRL_H
#define BACKSCATTER_DNS_RRL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Buckets in the table: one 8-byte word each, 512 KiB in all, whatever
 * the traffic. Networks that hash to the same bucket take it from each
 * other; the one that loses it starts again with a full bucket, so a
 * crowded table errs toward answering, never toward silence.
 */
#define DNS_RRL_SLOTS		65536
/* The token count is 16 bits of the bucket's word. */
#define DNS_RRL_RATE_MAX	65535
#define DNS_RRL_BURST_MAX	65535

struct dns_rrl_config {
	unsigned int	 rate;		/* responses a second; 0: off */
	unsigned int	 burst;		/* bucket size; 0: same as rate */
	unsigned int	 slip;		/* every Nth limited one TC; 0: none */
	unsigned int	 v4_prefix;	/* client network, 0..32 */
	unsigned int	 v6_prefix;	/* client network, 0..128 */
};

/*
 * What one worker thread limited. Only that worker writes (relaxed
 * atomic stores, plain moves on x86); any thread may read for the log.
 */
struct dns_rrl_counters {
	_Atomic uint64_t	 limited;	/* over the rate */
	_Atomic uint64_t	 dropped;	/* of them not answered */
	_Atomic uint64_t	 slipped;	/* of them answered with TC */
	unsigned int		 slip_next;	/* countdown to the next slip */
};

enum dns_rrl_verdict {
	DNS_RRL_PASS,		/* answer as usual */
	DNS_RRL_DROP,		/* send nothing */
	DNS_RRL_SLIP,		/* send the answer cut by dns_rrl_truncate */
};

struct dns_rrl;

/*
 * A table shared by every worker (lock-free: one compare-and-swap on the
 * client network's bucket per response). NULL when out of memory.
 * Release with dns_rrl_free().
 */
struct dns_rrl	*dns_rrl_new(const struct dns_rrl_config *);
void		 dns_rrl_free(struct dns_rrl *);	/* NULL is a no-op */

/*
 * Takes a token for one response to sa (AF_INET or AF_INET6; another
 * family always passes) at now_ms, a monotonic clock in milliseconds.
 * A limited response counts in c and is dropped, or, every slip-th one,
 * slipped. Never allocates, never blocks.
 */
enum dns_rrl_verdict	 dns_rrl_check(struct dns_rrl *,
			    struct dns_rrl_counters *c,
			    const struct sockaddr *sa, int64_t now_ms);

/*
 * Cuts a response of len bytes to its header and question, with TC set
 * and no records (RFC 1035 4.1.1; what a slip sends: a resolver that
 * gets it asks again over TCP, a forged victim gets no more bytes than
 * the query had). Returns the new length, or 0 when msg has no question
 * that can be read (send nothing then).
 */
size_t	 dns_rrl_truncate(uint8_t *msg, size_t len);

#endif
