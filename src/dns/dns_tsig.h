/* dns_tsig.h -- TSIG (RFC 8945) with HMAC-SHA256: keys, parsing, signing, verifying. */
#ifndef BACKSCATTER_DNS_TSIG_H
#define BACKSCATTER_DNS_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns_wire.h"

/* Keys in dns.tsig_keys: a short list, looked up by name. */
#define DNS_TSIG_KEYS_MAX	16
/* Secrets longer than the hash block (64) are hashed by HMAC anyway. */
#define DNS_TSIG_SECRET_MAX	128
/* HMAC-SHA256 output (RFC 8945 6: the only algorithm we offer). */
#define DNS_TSIG_MAC_LEN	32
/*
 * RFC 8945 5.2.2.1: a MAC may be truncated to half its length, never
 * below 10 octets; we accept no truncation (BADTRUNC), but must read
 * up to this many octets to tell.
 */
#define DNS_TSIG_MAC_MAX	64
/* RFC 8945 10: 300 s is the recommended fudge. */
#define DNS_TSIG_FUDGE		300
/* Other Data is empty, or 6 octets of server time with BADTIME (5.2.3). */
#define DNS_TSIG_OTHER_MAX	6
/*
 * The most a TSIG record adds to a message: the key name (255), the
 * fixed part (10), the algorithm name (13), time, fudge, MAC size,
 * MAC, original ID, error, other length and other data.
 */
#define DNS_TSIG_RR_MAX		(DNS_NAME_MAX + DNS_RR_FIXED_LEN + 13 + \
				 6 + 2 + 2 + DNS_TSIG_MAC_LEN + 2 + 2 + 2 + \
				 DNS_TSIG_OTHER_MAX)

/* RFC 8945 3, 5.3.2: the RCODE and the TSIG error codes. */
#define DNS_RCODE_NOTAUTH	9
#define DNS_TSIG_BADSIG		16
#define DNS_TSIG_BADKEY		17
#define DNS_TSIG_BADTIME	18
#define DNS_TSIG_BADTRUNC	22
#define DNS_CLASS_ANY		255

struct dns_tsig_key {
	char		 text[DNS_NAME_MAX + 1];	/* "xfr-key", lower case */
	struct dns_name	 name;
	uint8_t		 secret[DNS_TSIG_SECRET_MAX];
	size_t		 secretlen;
};

struct dns_tsig_ring {
	struct dns_tsig_key	 keys[DNS_TSIG_KEYS_MAX];
	size_t			 n;
};

/*
 * Parses "NAME:BASE64SECRET" (the secret as tsig-keygen, keymgr or
 * `openssl rand -base64 32` print it) into k. 0 ok, -1 with err.
 */
int	 dns_tsig_key_parse(const char *spec, struct dns_tsig_key *k,
	    char *err, size_t errlen);

/* The key of that name (case ignored), or NULL. */
const struct dns_tsig_key *dns_tsig_ring_find(const struct dns_tsig_ring *,
	    const struct dns_name *);
/* The key of that text name, or NULL. */
const struct dns_tsig_key *dns_tsig_ring_find_text(
	    const struct dns_tsig_ring *, const char *);

/* A TSIG record as found at the end of a message (RFC 8945 4.2). */
struct dns_tsig_rr {
	size_t		 start;		/* offset of the record: MAC'd bytes */
	struct dns_name	 key;
	struct dns_name	 alg;
	uint64_t	 time_signed;	/* 48 bits */
	uint16_t	 fudge;
	uint16_t	 maclen;
	uint8_t		 mac[DNS_TSIG_MAC_MAX];
	uint16_t	 orig_id;
	uint16_t	 error;
	uint16_t	 otherlen;
	uint8_t		 other[DNS_TSIG_OTHER_MAX];
};

/*
 * Walks every section of msg and finds its TSIG: 1 found (the last
 * record of the additional section, class ANY, TTL 0, RDATA exactly
 * as long as its fields), 0 none, -1 malformed: the message does not
 * parse, or a TSIG is anywhere else or ill-formed (RFC 8945 5.2:
 * FORMERR).
 */
int	 dns_tsig_find(const uint8_t *msg, size_t len, struct dns_tsig_rr *out);

/* The state of one signed exchange, from the request to the last answer. */
struct dns_tsig_ctx {
	const struct dns_tsig_key	*key;
	uint8_t		 prior[DNS_TSIG_MAC_MAX];	/* request or prior MAC */
	uint16_t	 priorlen;	/* 0: none (a request, or unverified) */
	int		 nsigned;	/* messages signed so far */
	uint16_t	 error;		/* TSIG error to send (0, BADTIME) */
	uint64_t	 req_time;	/* the request's time, for BADTIME */
};

/*
 * Verifies the TSIG t of request msg (len bytes) with ring at now.
 * Returns 0 when valid (ctx is ready to sign responses: request MAC
 * kept), or the TSIG error the response must carry (RFC 8945 5.2):
 * DNS_TSIG_BADKEY (unknown key or algorithm), DNS_TSIG_BADSIG,
 * DNS_TSIG_BADTRUNC, or DNS_TSIG_BADTIME (the MAC was good, the time
 * is not: ctx is set to sign the error response). ctx->key is NULL for
 * BADKEY and BADSIG, whose responses go unsigned.
 */
int	 dns_tsig_verify(const struct dns_tsig_ring *, const uint8_t *msg,
	    size_t len, const struct dns_tsig_rr *t, int64_t now,
	    struct dns_tsig_ctx *ctx);

/*
 * Signs msg (len bytes, in a buffer of max) and appends the TSIG: the
 * first message of a response covers the request MAC, the message and
 * all TSIG variables; later ones (RFC 8945 5.3.1) the prior MAC, the
 * message and the timers only. A request (ctx->priorlen 0, nothing
 * signed yet) covers the message and the variables. ARCOUNT goes up by
 * one. Returns the new length, 0 when the TSIG does not fit or HMAC
 * fails (msg is unchanged then).
 */
size_t	 dns_tsig_sign(struct dns_tsig_ctx *, uint8_t *msg, size_t len,
	    size_t max, int64_t now);

/*
 * Appends an unsigned TSIG that carries error (BADKEY, BADSIG: RFC 8945
 * 5.3.2, MAC size 0) for key name t->key. Returns the new length, or 0.
 */
size_t	 dns_tsig_append_error(uint8_t *msg, size_t len, size_t max,
	    const struct dns_tsig_rr *t, uint16_t orig_id, uint16_t error);

#endif
