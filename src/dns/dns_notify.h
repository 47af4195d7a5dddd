/* dns_notify.h -- NOTIFY (RFC 1996) to the secondaries when the serial changes. */
#ifndef BACKSCATTER_DNS_NOTIFY_H
#define BACKSCATTER_DNS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/dns_answer.h"
#include "dns/dns_tsig.h"

/* Entries in dns.notify. */
#define DNS_NOTIFY_MAX		16
/*
 * RFC 1996 3.6 asks for at most one NOTIFY in flight per secondary and
 * says a change burst may be coalesced: a new serial goes out at most
 * this often.
 */
#define DNS_NOTIFY_COALESCE_MS	2000
/* RFC 1996 3.6: retry with backoff, a bounded number of times. */
#define DNS_NOTIFY_FIRST_MS	1000
#define DNS_NOTIFY_TRIES	5

struct dns_notify_target {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 key;	/* index in the key ring; -1: unsigned */
};

struct dns_notify;

/*
 * Starts the thread that notifies targets[0..n) (copied) of new serials,
 * signing with ring's keys where a target names one. zone and ring must
 * outlive it. NULL with err.
 */
struct dns_notify *dns_notify_start(const struct dns_zone *zone,
	    const struct dns_notify_target *targets, size_t n,
	    const struct dns_tsig_ring *ring, char *err, size_t errlen);

/* The zone's serial is now serial: notify everyone (coalesced). */
void	 dns_notify_serial(struct dns_notify *, uint32_t serial);

/* Stops the thread and frees. NULL is a no-op. */
void	 dns_notify_free(struct dns_notify *);

/*
 * Builds a NOTIFY for the zone's SOA with serial (RFC 1996 3.7: the
 * answer section holds the new SOA): opcode NOTIFY, AA, one question.
 * Returns the length, 0 if it does not fit in max.
 */
size_t	 dns_notify_build(const struct dns_zone *zone, uint32_t serial,
	    uint16_t id, uint8_t *buf, size_t max);

#endif
