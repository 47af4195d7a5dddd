/* policy_decide.h -- whom to look up, what an answer means, and the answer cache. */
#ifndef BACKSCATTER_POLICY_DECIDE_H
#define BACKSCATTER_POLICY_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/* Local parts checked besides the null sender (policy.senders). */
#define POLICY_SENDERS_MAX	16
/* RFC 5321 4.5.3.1.1: a local part holds at most 64 octets. */
#define POLICY_LOCAL_MAX	64
/* Zones asked in parallel (policy.zones); each is one more query. */
#define POLICY_ZONES_MAX	4
/* RFC 1035 2.3.4: a name is at most 253 characters as text. */
#define POLICY_ZONE_MAX		253
/*
 * The text after "550 5.7.1 ": one TXT string (RFC 1035 3.3, 255) or our
 * own sentence with a lookup URL. RFC 5321 4.5.3.1.5 caps a reply line
 * at 512 octets, which this stays well inside.
 */
#define POLICY_TEXT_MAX		400
/* RFC 8767 4: resolvers cap TTLs at a week; we cap our cache at a day. */
#define POLICY_CACHE_TTL_MAX	86400

struct policy_senders {
	char	 local[POLICY_SENDERS_MAX][POLICY_LOCAL_MAX + 1];
	size_t	 n;
};

/*
 * Parses "postmaster, abuse" (spaces or commas) into s, lower case; "none"
 * leaves only the null sender. 0, or -1 with the reason in err.
 */
int	 policy_senders_parse(const char *list, struct policy_senders *s,
	    char *err, size_t errlen);

/*
 * The whole point of the list: 1 if this envelope sender is one we look
 * up, that is the null sender "" (or "<>") or an address whose local
 * part (before the last '@', compared without case, as RFC 5321 4.5.1
 * says of postmaster) is in s; else 0. sender is len bytes, with or
 * without angle brackets; it is not NUL-terminated.
 */
int	 policy_sender_wanted(const struct policy_senders *s,
	    const char *sender, size_t len);

/*
 * Whether a policy request at this protocol_state can name a sender at
 * all. Before MAIL FROM (CONNECT, EHLO, HELO) Postfix sends "sender="
 * because there is none yet, which must not read as the null sender.
 * 1 yes (MAIL, RCPT, DATA, BDAT, END-OF-MESSAGE), 0 no.
 */
int	 policy_state_has_sender(const char *protocol_state);

enum policy_verdict {
	POLICY_NOT_LISTED = 0,
	POLICY_LISTED,
	POLICY_ERROR,		/* no answer: fail open */
};

/* One address's answer over every zone, as cached. */
struct policy_result {
	enum policy_verdict	 verdict;
	uint32_t		 ttl;		/* seconds it may be cached */
	/* The zone that lists it, and its reason (printable ASCII). */
	char			 zone[POLICY_ZONE_MAX + 1];
	char			 text[POLICY_TEXT_MAX + 1];
};

/*
 * What an A record from a DNSBL means (RFC 5782 2.1, 2.3): 127.0.0.0/8
 * is a listing, except 127.255.255.0/24, where lists (ours included,
 * 127.255.255.254 for refused clients) put error codes; anything outside
 * 127/8 is an error too (a hijacked NXDOMAIN, a wrong zone). a4 is the
 * four octets. Returns POLICY_LISTED or POLICY_ERROR.
 */
enum policy_verdict policy_a_verdict(const uint8_t a4[4]);

/*
 * Copies a TXT string into printable ASCII for an SMTP reply: control
 * and non-ASCII bytes become '?', '%' too (libmilter and some MTAs read
 * it as a format), the result is cut at size - 1. Always NUL-terminates.
 */
void	 policy_text_clean(const char *in, size_t len, char *out,
	    size_t size);

/*
 * Peer text (a sender) for a log line: printable ASCII as is, anything
 * else and the backslash as \xNN. Cut at size - 1; always terminated.
 */
#define POLICY_SENDER_LOG_MAX	(256 * 4 + 1)	/* an escaped path */
void	 policy_log_escape(const char *in, char *out, size_t size);

/*
 * Folds one zone's result into the combined one: any listing wins (the
 * first listing zone keeps its text), an error wins over "not listed"
 * (we cannot say not listed when a zone did not answer), and the TTL is
 * the smallest seen. Start acc with policy_result_init.
 */
void	 policy_result_init(struct policy_result *acc);
void	 policy_result_merge(struct policy_result *acc,
	    const struct policy_result *one);

/*
 * The reply text for a listing, without the "550 5.7.1 ": the TXT reason
 * when the zone gave one, else "Backscatter from [IP] listed in ZONE;
 * see URL" with URL the rendered url template (txt.h; may be NULL or
 * "" for none). 0, or -1 if it does not fit.
 */
int	 policy_reply_text(const struct policy_result *r, const struct addr *a,
	    const char *url_template, char *buf, size_t size);

/*
 * A bounded cache of results by address, safe to share between threads
 * (the milter runs a thread per connection). Set-associative: an address
 * hashes to a set of a few ways, and a new entry replaces an expired
 * one or the one that expires first, so memory is fixed at creation and
 * no entry is ever searched for beyond its set. Errors are not cached.
 */
struct policy_cache;

/* entries is rounded up to whole sets; 0 disables caching. NULL if OOM. */
struct policy_cache *policy_cache_new(size_t entries);
void	 policy_cache_free(struct policy_cache *);	/* NULL is a no-op */

/* 1 and *out filled if addr has an unexpired result at now_ms; else 0. */
int	 policy_cache_get(struct policy_cache *, const struct addr *,
	    int64_t now_ms, struct policy_result *out);

/* Stores r for min(r->ttl, POLICY_CACHE_TTL_MAX) s; a TTL of 0 is not kept. */
void	 policy_cache_put(struct policy_cache *, const struct addr *,
	    int64_t now_ms, const struct policy_result *r);

#endif
