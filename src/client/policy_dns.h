/* policy_dns.h -- DNSBL lookups over c-ares: asynchronous in an event loop, or blocking. */
#ifndef BACKSCATTER_POLICY_DNS_H
#define BACKSCATTER_POLICY_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "client/policy_decide.h"
#include "core/addr.h"

/* Resolver addresses (policy.resolver): c-ares takes a short list. */
#define POLICY_RESOLVER_MAX	256

struct policy_dns_config {
	char	 zones[POLICY_ZONES_MAX][POLICY_ZONE_MAX + 1];
	size_t	 nzones;
	/* "" for the system's resolv.conf, else "ADDR:PORT,[V6]:PORT". */
	char	 resolver[POLICY_RESOLVER_MAX];
	int	 timeout_ms;	/* the whole lookup, split over the tries */
};

/*
 * RFC 2308 5: how long a negative answer may be cached, from the SOA in
 * the authority section of b (len bytes, a whole DNS message): the
 * smaller of the SOA record's TTL and its MINIMUM field. 1 and *ttl set;
 * 0 when there is no SOA; -1 when the message is malformed. Pure, for
 * untrusted bytes: every read is checked against len.
 */
int	 policy_dns_negative_ttl(const uint8_t *b, size_t len, uint32_t *ttl);

/* The verdict for one address over every zone; called exactly once. */
typedef void	(*policy_dns_cb)(void *arg, const struct policy_result *);

struct policy_dns;
struct event_base;

/*
 * One resolver channel. With a base, its sockets and timers run in that
 * libevent loop and policy_dns_lookup() answers later through the
 * callback; without one, only policy_dns_lookup_sync() may be used. cfg
 * is copied. NULL with the reason in err.
 */
struct policy_dns *policy_dns_new(const struct policy_dns_config *cfg,
	    struct event_base *base, char *err, size_t errlen);

/*
 * Frees the channel. Lookups still under way end without their
 * callbacks being called: their owners are going away too. NULL is a
 * no-op.
 */
void	 policy_dns_free(struct policy_dns *);

/*
 * Starts the lookups of addr in every zone at once (A, then TXT for the
 * reason when listed); cb gets the merged result (policy_result_merge),
 * with verdict POLICY_ERROR and the reason in text when a zone did not
 * answer. Never calls cb before returning. 0, or -1 (out of memory; cb
 * will not be called).
 */
int	 policy_dns_lookup(struct policy_dns *, const struct addr *,
	    policy_dns_cb cb, void *arg);

/*
 * The same, blocking the calling thread (the milter: one thread per
 * connection) on a channel of its own made from cfg, so that threads
 * share nothing. Always fills *out; 0.
 */
int	 policy_dns_lookup_sync(const struct policy_dns_config *cfg,
	    const struct addr *, struct policy_result *out);

/*
 * Process-wide c-ares set-up; call once before any thread uses the
 * functions above. 0 / -1.
 */
int	 policy_dns_library_init(void);

#endif
