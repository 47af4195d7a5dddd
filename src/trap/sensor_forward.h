/* sensor_forward.h -- a remote trap sends its hits to the central's API. */
#ifndef BACKSCATTER_SENSOR_FORWARD_H
#define BACKSCATTER_SENSOR_FORWARD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"

/* Hits per POST; the central takes up to WEB_HITS_MAX. */
#define SENSOR_FORWARD_BATCH		500
/* Body bytes per POST, well under the central's WEB_HITS_BODY_MAX. */
#define SENSOR_FORWARD_BODY_MAX		(512 * 1024)
/* How often an idle forwarder looks for new hits in its store, ms. */
#define SENSOR_FORWARD_POLL_MS		250
/* Retry after a failure: doubling from MIN, never beyond MAX, ms. */
#define SENSOR_FORWARD_BACKOFF_MIN_MS	500
#define SENSOR_FORWARD_BACKOFF_MAX_MS	30000
/* A request that has not been answered in this long failed, s. */
#define SENSOR_FORWARD_TIMEOUT		30
#define SENSOR_FORWARD_URL_MAX		512

/*
 * Self-contained (no pointer into a struct config), like the servers'
 * configs. enabled is 0 when trap.central is "none".
 */
struct sensor_forward_config {
	int			 enabled;
	char			 central[SENSOR_FORWARD_URL_MAX + 1];
	char			 token[CONFIG_WEB_TOKEN_LEN + 1];
	char			 store_path[PATH_MAX];
	struct store_config	 store;
};

/*
 * Fills sc from [trap] central and central_token and the store keys.
 * A central without a token is an error. 0, or -1 with err.
 */
int	 sensor_forward_config_init(struct sensor_forward_config *sc,
	    const struct config *cfg, char *err, size_t errlen);

struct sensor_forward;

/*
 * Checks the URL, opens a store connection of its own and, for https,
 * a TLS context that verifies the central against the system's CAs
 * and its host name. Sends nothing before sensor_forward_start(). NULL
 * with the reason in err.
 */
struct sensor_forward	*sensor_forward_new(
			    const struct sensor_forward_config *, char *err,
			    size_t errlen);

/*
 * Starts the forwarding thread. The store is the spool: the trap
 * commits each hit before its SMTP reply, and the thread posts the
 * hits after the central's cursor (store_forward_get()) in batches,
 * moving the cursor only once the central answered 2xx. Every hit
 * carries its uid, so a batch sent again is not counted twice. 0 / -1.
 */
int			 sensor_forward_start(struct sensor_forward *);

/* Stops the thread (an unanswered batch is sent again next time). */
void			 sensor_forward_stop(struct sensor_forward *);

/* Stops if needed and frees; NULL is a no-op. */
void			 sensor_forward_free(struct sensor_forward *);

/*
 * Replaces bytes that are not UTF-8 (RFC 3629) in in by U+FFFD, so
 * that evidence in any charset can travel as JSON. Returns the new
 * length, or -1 if out (size bytes) is too small (3 * strlen + 1 always
 * fits).
 */
int			 sensor_forward_utf8(const char *in, char *out,
			    size_t size);

#endif
