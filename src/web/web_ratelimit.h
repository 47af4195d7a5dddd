/* web_ratelimit.h -- per-client token buckets in a fixed-size table. */
#ifndef BACKSCATTER_WEB_RATELIMIT_H
#define BACKSCATTER_WEB_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/*
 * A client may spend burst requests at once and earns them back at
 * burst per period. Clients are IPv4 addresses and IPv6 /64s (one
 * subscriber usually holds a whole /64). The table has a fixed number
 * of slots, so memory is bounded whatever the number of clients; when
 * it is full the least recently seen client in a probe window is
 * forgotten, which at worst gives that client a fresh bucket.
 */
struct web_ratelimit;

/* NULL when out of memory or burst/period/slots is 0. */
struct web_ratelimit	*web_ratelimit_new(size_t slots, unsigned int burst,
			    int64_t period_ms);
void			 web_ratelimit_free(struct web_ratelimit *);

/*
 * Takes one token for client at now_ms (a monotonic clock). 1 allowed,
 * 0 refused; *retry_ms (may be NULL) gets the wait for the next token.
 */
int			 web_ratelimit_take(struct web_ratelimit *,
			    const struct addr *client, int64_t now_ms,
			    int64_t *retry_ms);

#endif
