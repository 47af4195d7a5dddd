/* dns_xfr.h -- zone transfers to secondaries: AXFR, IXFR from the journal, ACL and TSIG. */
#ifndef BACKSCATTER_DNS_XFR_H
#define BACKSCATTER_DNS_XFR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "dns/dns_answer.h"
#include "dns/dns_notify.h"
#include "dns/dns_tsig.h"
#include "store/store.h"

/* Entries in dns.xfr_allow. */
#define DNS_XFR_ACL_MAX		32
/*
 * Transfer messages are cut at 16 KiB, not at the 64 KiB TCP allows:
 * every offset in the message then fits a compression pointer (RFC
 * 1035 4.1.4: 14 bits), so each owner name is its labels and one
 * pointer, and the TXT's owner a pointer to the A's.
 */
#define DNS_XFR_MSG_MAX		16384

/* One dns.xfr_allow entry: clients in prefix, with key (or none). */
struct dns_xfr_acl {
	struct prefix	 prefix;
	int		 key;		/* index in the key ring; -1: NOKEY */
};

struct dns_xfr_config {
	struct dns_tsig_ring		 keys;		/* dns.tsig_keys */
	struct dns_xfr_acl		 acl[DNS_XFR_ACL_MAX];
	size_t				 nacl;		/* 0: transfers off */
	struct dns_notify_target	 notify[DNS_NOTIFY_MAX];
	size_t				 nnotify;
	size_t				 history;	/* changes kept for IXFR */
	int				 max;		/* concurrent transfers */
	int64_t				 timeout_ms;	/* a stalled client */
};

struct dns_xfr;

/*
 * Loads the transfer view of the zone from the store (its own
 * connection). zone, cfg and store must outlive the object. NULL with
 * err.
 */
struct dns_xfr	*dns_xfr_new(const struct dns_zone *zone,
		    const struct dns_xfr_config *cfg,
		    const struct store_config *store, int64_t poll_ms,
		    char *err, size_t errlen);

/*
 * Starts the journal follower, every poll_ms (it journals expiries
 * every second, so that the serial moves when a listing expires, and
 * sends NOTIFY), and the NOTIFY thread. Without it the caller drives
 * dns_xfr_step (the tests). 0, or -1 with err.
 */
int		 dns_xfr_start(struct dns_xfr *, char *err, size_t errlen);

/* Stops the follower, waits for running transfers, frees. NULL no-op. */
void		 dns_xfr_free(struct dns_xfr *);

/*
 * One follower round at now: journal expiries (when expire is set),
 * then apply the journal. 1 when the serial moved, 0 when not, -1 on a
 * store error (logged).
 */
int		 dns_xfr_step(struct dns_xfr *, int64_t now, int expire);

/* The SOA serial transfers carry now (the journal serial, 32 bits). */
uint32_t	 dns_xfr_serial(struct dns_xfr *);

/*
 * Should a TCP message go to the transfer module rather than to
 * dns_answer: an AXFR or IXFR query, or any message with a TSIG? 1 / 0.
 * A quick look; dns_xfr_handle does the real parse.
 */
int		 dns_xfr_wants(const uint8_t *msg, size_t len);

/*
 * Takes a TCP connection whose next message is msg (dns_xfr_wants said
 * so): a thread of its own answers it (streaming the zone, so that the
 * answering threads never wait) and closes fd. 0: fd is ours now; -1:
 * as many transfers as dns.xfr_max already run, the caller keeps fd
 * (and answers with dns_answer, which refuses).
 */
int		 dns_xfr_take(struct dns_xfr *, int fd,
		    const struct addr *peer, const uint8_t *msg, size_t len);

/* Where a response's messages go, each whole (no length prefix). */
typedef int	(*dns_xfr_send_fn)(void *arg, const uint8_t *msg, size_t len);

/*
 * Answers one request from peer at now: FORMERR, NOTAUTH with a TSIG
 * error (RFC 8945 5.2), REFUSED (ACL), a signed SOA, or the transfer:
 * AXFR (RFC 5936), IXFR (RFC 1995: the differences since the client's
 * serial, or the whole zone when the history does not reach back that
 * far, or the SOA alone when the client is current). Every message is
 * signed when the request was (RFC 8945 5.3.1). 0 sent, -1 send failed.
 */
int		 dns_xfr_handle(struct dns_xfr *, const struct addr *peer,
		    const uint8_t *msg, size_t len, int64_t now,
		    dns_xfr_send_fn send, void *arg);

/* What dns_xfr_parse finds in a transfer request. */
struct dns_xfr_req {
	struct dns_header	 hdr;
	struct dns_name		 qname;
	uint16_t		 qtype, qclass;
	int			 has_soa;	/* IXFR: authority SOA read */
	uint32_t		 serial;	/* ... and its serial */
	int			 has_tsig;
	struct dns_tsig_rr	 tsig;
};

/*
 * Parses a request from a client: one question; for IXFR one SOA in the
 * authority section (RFC 1995 3) with its owner the question name; no
 * answer records; additional records only OPT and a last TSIG. 0 ok,
 * -1 malformed (FORMERR). Pure: no I/O, for fuzzing.
 */
int		 dns_xfr_parse(const uint8_t *msg, size_t len,
		    struct dns_xfr_req *out);

/* RFC 1982: 1 if a is before b in serial arithmetic, else 0. */
int		 dns_serial_lt(uint32_t a, uint32_t b);

/*
 * The aligned prefixes that cover p with whole labels (8 bits for
 * IPv4, 4 for IPv6): p itself when its length is on a label boundary,
 * else 2^k of the next boundary down (at most 128). Returns how many
 * were written to out (room for DNS_XFR_PIECES_MAX).
 */
#define DNS_XFR_PIECES_MAX	128
size_t		 dns_xfr_pieces(const struct prefix *p, struct prefix *out);

/*
 * The owner of an aligned prefix in wire form, without the zone: the
 * labels of an IPv4 host (d.c.b.a) or an IPv6 one (32 nibbles), "*"
 * and the labels above for a shorter prefix (RFC 5782 2.1, 2.4).
 * Returns the length written (max must be >= 2 * 33), 0 if unaligned.
 */
size_t		 dns_xfr_owner(const struct prefix *piece, uint8_t *out,
		    size_t max);

#endif
