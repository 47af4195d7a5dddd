/* web_hits_parse.h -- parse and check a sensor's POST /api/v1/hits body. */
#ifndef BACKSCATTER_WEB_HITS_PARSE_H
#define BACKSCATTER_WEB_HITS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Caps on what one sensor upload may hold. A sensor sends at most
 * SENSOR_FORWARD_BATCH (500) hits per request; the text caps are the
 * trap's own (RFC 5321 path and domain lengths, classify.h's excerpt)
 * times three, room for U+FFFD where a sensor replaced bytes that were
 * not UTF-8.
 */
#define WEB_HITS_MAX		1000
/*
 * evhttp has one body limit for every route, so this is also what any
 * client may make the server buffer: 1 MiB, about 2,000 typical hits. A
 * sensor whose batch is refused with 413 halves it.
 */
#define WEB_HITS_BODY_MAX	(1024 * 1024)
#define WEB_HITS_SUBCLASS_MAX	96
#define WEB_HITS_TEXT_MAX	1024	/* helo, mail_from, rcpt */
#define WEB_HITS_EXCERPT_MAX	4096
/* A hit may be stamped at most this far in the central's future (s). */
#define WEB_HITS_SKEW_MAX	3600

/*
 * A parsed body: hits[i] are ready for store_ingest_hits() except for
 * the sensor name, which the caller sets (it comes from the token).
 * Strings are borrowed from the parsed document until web_hits_free().
 */
struct web_hits {
	struct store_hit	*hits;
	size_t			 n;
	void			*doc;		/* the JSON document */
};

/*
 * Parses {"hits":[{"uid":"<32 hex>","t":SECONDS,"addr":"ADDR",
 * "class":"bounce|autoreply|callout|other","subclass":S,"helo":S,
 * "mail_from":S,"rcpt":S,"excerpt":S}, ...]} from (body, len): 1 to
 * WEB_HITS_MAX hits, each text optional (null or absent), no NUL
 * inside, within its cap; t > 0 and not more than WEB_HITS_SKEW_MAX
 * after now; unknown keys are ignored (a newer sensor may send more).
 * 0 and *out filled (free with web_hits_free()), or -1 with a one-line
 * reason in err that names the hit ("hits[3].addr: not an address").
 */
int	 web_hits_parse(const char *body, size_t len, int64_t now,
	    struct web_hits *out, char *err, size_t errlen);

/* Frees what web_hits_parse() made; a zeroed struct is a no-op. */
void	 web_hits_free(struct web_hits *);

#endif
