/* trap_server.h -- `backscatter trap`: listeners, limits, TLS and the store. */
#ifndef BACKSCATTER_TRAP_SERVER_H
#define BACKSCATTER_TRAP_SERVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/config.h"
#include "store/store.h"
#include "trap/classify.h"
#include "trap/smtp_parse.h"

#define TRAP_LISTEN_MAX		16
#define TRAP_DOMAINS_MAX	CONFIG_TRAP_DOMAINS_MAX
#define TRAP_PATTERNS_MAX	CONFIG_TRAP_PATTERNS_MAX
#define TRAP_TRUSTED_MAX	CONFIG_TRAP_TRUSTED_MAX
#define TRAP_SENSOR_MAX		(CONFIG_SENSOR_LEN + 1)

/*
 * Everything one trap needs, self-contained (no pointer into a struct
 * config), so that it can be built once and handed to another thread,
 * as `backscatter serve` will. Big: allocate it, do not put it on a
 * small stack.
 */
struct trap_server_config {
	struct sockaddr_storage	 listen[TRAP_LISTEN_MAX];
	socklen_t		 listen_len[TRAP_LISTEN_MAX];
	size_t			 nlisten;
	char			 domains[TRAP_DOMAINS_MAX][SMTP_DOMAIN_MAX + 1];
	size_t			 ndomains;
	char			 patterns[TRAP_PATTERNS_MAX]
				    [CONFIG_TRAP_PATTERN_LEN + 1];
	size_t			 npatterns;	/* 0: every address */
	char			 hostname[SMTP_DOMAIN_MAX + 1];
	char			 sensor[TRAP_SENSOR_MAX];
	size_t			 line_max;
	size_t			 max_recipients;
	uint64_t		 max_message_size;
	size_t			 keep_headers;
	size_t			 keep_body;
	unsigned int		 max_commands;
	unsigned int		 max_errors;
	int64_t			 session_timeout_ms;
	int64_t			 idle_timeout_ms;
	int			 max_sessions;
	int			 max_sessions_per_ip;
	int			 tls;
	char			 tls_cert[PATH_MAX];
	char			 tls_key[PATH_MAX];
	int			 tls_make;	/* make a pair if missing */
	int			 proxy_protocol;
	struct prefix		 proxy_trusted[TRAP_TRUSTED_MAX];
	size_t			 nproxy_trusted;
	struct classify_config	 classify;
	char			 store_path[PATH_MAX];
	struct store_config	 store;		/* .path is store_path */
};

/*
 * Fills sc from the [trap], [store] and [listing] sections: lists split,
 * "auto" resolved (the host name for trap.hostname and trap.sensor, the
 * store's directory for the TLS files). 0, or -1 with the reason in err.
 */
int	 trap_server_config_init(struct trap_server_config *sc,
	    const struct config *cfg, char *err, size_t errlen);

struct trap_server;

/*
 * Opens the store, binds every listener and sets up TLS (making a
 * self-signed certificate next to the store on the first run when none
 * is configured), but accepts nothing until trap_server_run(). The
 * config is copied. NULL with a one-line reason in err that names the
 * address or file ("listen 127.0.0.1:2525: Address already in use").
 */
struct trap_server	*trap_server_new(const struct trap_server_config *,
			    char *err, size_t errlen);

/*
 * Serves in the calling thread, in an event loop of the server's own,
 * until trap_server_stop(). Then it drains: it stops accepting, lets a
 * message being received finish and be answered, says 421 to every
 * session and returns 0 once they are gone (or after a grace period).
 * -1 if the loop itself fails. SIGPIPE is ignored from here on.
 */
int			 trap_server_run(struct trap_server *);

/*
 * Asks a running (or about to run) server to stop. Async-signal-safe and
 * thread-safe: it only writes a byte to a pipe the loop watches.
 */
void			 trap_server_stop(struct trap_server *);

/* Closes everything; NULL is a no-op. Not while trap_server_run() runs. */
void			 trap_server_free(struct trap_server *);

#endif
