/* web_server.h -- `backscatter web`: the lookup, delisting and help service. */
#ifndef BACKSCATTER_WEB_SERVER_H
#define BACKSCATTER_WEB_SERVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/config.h"
#include "listio/feed.h"
#include "store/store.h"
#include "web/web_express.h"
#include "web/web_lookup.h"
#include "web/web_parse.h"
#include "web/web_selftest.h"

#define WEB_LISTEN_MAX		16
#define WEB_TOKENS_MAX		8
/* Bearer tokens shorter than this are guessable; refused at start-up. */
#define WEB_TOKEN_MIN		16
#define WEB_ZONE_MAX		254

/*
 * Everything one web server needs, self-contained (no pointer into a
 * struct config), so that it can be built once and handed to another
 * thread, as `backscatter serve` will. Big: allocate it.
 */
struct web_server_config {
	struct sockaddr_storage	 listen[WEB_LISTEN_MAX];
	socklen_t		 listen_len[WEB_LISTEN_MAX];
	size_t			 nlisten;
	char			 help_dir[PATH_MAX];
	char			 zone[WEB_ZONE_MAX];	/* to show the DNS query */
	int64_t			 listing_ttl;
	char			 tokens[WEB_TOKENS_MAX][WEB_TOKEN_MAX];
	size_t			 ntokens;
	unsigned int		 lookups_per_minute;	/* per client */
	unsigned int		 requests_per_hour;	/* per client */
	int64_t			 timeout;		/* s, per connection */
	struct web_express_policy express;
	struct web_mask		 mask;
	char			 store_path[PATH_MAX];
	struct store_config	 store;		/* .path is store_path */
	struct web_selftest_config selftest;	/* [probe], for /selftest */
	struct feed_config	 feed;		/* [feed]: file and download */
	/* [web] sensor_tokens: who may POST /api/v1/hits, as what sensor. */
	char			 sensor_tokens[WEB_TOKENS_MAX][WEB_TOKEN_MAX];
	char			 sensor_names[WEB_TOKENS_MAX][CONFIG_SENSOR_LEN + 1];
	size_t			 nsensors;
};

/* Fills the sensor_* fields from [web] sensor_tokens (web_hits.c). */
int	 web_hits_config(struct web_server_config *wc,
	    const struct config *cfg, char *err, size_t errlen);

/*
 * Fills wc from the config's [web], [express], [store], [listing],
 * [dns] zone and [trap] domains (whose local parts are never shown).
 * 0, or -1 with the reason in err.
 */
int	 web_server_config_init(struct web_server_config *wc,
	    const struct config *cfg, char *err, size_t errlen);

/*
 * Adds the listen addresses of a space or comma separated list
 * ("127.0.0.1:8080 [::1]:8080") to wc; set nlisten to 0 first to
 * replace the configured ones. 0, or -1 with the reason in err.
 */
int	 web_server_config_listen(struct web_server_config *wc,
	    const char *list, char *err, size_t errlen);

struct web_server;

/*
 * Opens the store (its own connection), binds every listener and
 * makes the per-process CSRF key, but serves nothing until
 * web_server_run(). The config is copied. NULL with a one-line reason
 * in err that names the address or file.
 */
struct web_server	*web_server_new(const struct web_server_config *,
			    char *err, size_t errlen);

/*
 * Serves in the calling thread, in an event loop of the server's own,
 * until web_server_stop(); then returns 0 (-1 if the loop fails).
 * SIGPIPE is ignored from here on.
 */
int			 web_server_run(struct web_server *);

/*
 * Asks a running (or about to run) server to stop. Async-signal-safe and
 * thread-safe: it only writes a byte to a pipe the loop watches.
 */
void			 web_server_stop(struct web_server *);

/* Closes everything; NULL is a no-op. Not while web_server_run() runs. */
void			 web_server_free(struct web_server *);

#endif
