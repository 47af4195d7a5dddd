/* policy_server.h -- `backscatter policy`: the Postfix policy service. */
#ifndef BACKSCATTER_POLICY_SERVER_H
#define BACKSCATTER_POLICY_SERVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client/policy_decide.h"
#include "client/policy_dns.h"
#include "core/config.h"
#include "core/txt.h"
#include "store/store.h"

#define POLICY_LISTEN_MAX	16

enum policy_mode {
	POLICY_MODE_DNS = 0,	/* ask the zones over DNS (c-ares) */
	POLICY_MODE_STORE,	/* read the store beside the list */
};

/*
 * Everything the service needs, self-contained (no pointer into a
 * struct config). Listen addresses are TCP (ADDR:PORT) or UNIX-domain
 * sockets (unix:/path).
 */
struct policy_server_config {
	struct sockaddr_storage	 listen[POLICY_LISTEN_MAX];
	socklen_t		 listen_len[POLICY_LISTEN_MAX];
	size_t			 nlisten;
	enum policy_mode	 mode;
	struct policy_dns_config dns;
	struct policy_senders	 senders;
	size_t			 cache_size;	/* entries; 0: no cache */
	int			 max_connections;
	int64_t			 idle_timeout_ms;
	/* Templates (txt.h): the lookup URL, and dns.txt for store mode. */
	char			 lookup_url[CONFIG_LINE_MAX + 1];
	char			 txt[CONFIG_LINE_MAX + 1];
	char			 store_path[PATH_MAX];
	struct store_config	 store;		/* .path is store_path */
};

/*
 * Adds "ADDR:PORT", "[V6]:PORT" or "unix:/path" entries of a list
 * separated by spaces or commas. 0, or -1 with the reason in err.
 */
int	 policy_listen_parse(const char *list, struct sockaddr_storage *ss,
	    socklen_t *sslen, size_t *n, size_t max, char *err, size_t errlen);

/* What the service did since it started (logged when it stops). */
struct policy_stats {
	uint64_t	 requests;
	uint64_t	 rejects;	/* 550 answers */
	uint64_t	 skipped;	/* senders we do not look up */
	uint64_t	 lookups;	/* DNS lookups, or store reads */
	uint64_t	 cache_hits;
	uint64_t	 dns_errors;	/* failed open: DUNNO */
	uint64_t	 malformed;
	uint64_t	 refused;	/* connections over max_connections */
};

struct policy_server;

/*
 * Binds every listener (a stale UNIX socket file is replaced; a new one
 * is made mode 0666, so put it in a directory that limits who reaches
 * it), opens the store (store mode) or the resolver (dns mode). Nothing
 * is served until policy_server_run(). cfg is copied. NULL with a one-
 * line reason in err.
 */
struct policy_server *policy_server_new(const struct policy_server_config *,
	    char *err, size_t errlen);

/* Serves until policy_server_stop(). 0, or -1 if the loop fails. */
int	 policy_server_run(struct policy_server *);

/* Async-signal-safe and thread-safe: writes a byte to a pipe. */
void	 policy_server_stop(struct policy_server *);

/* The counters so far. */
void	 policy_server_stats(const struct policy_server *,
	    struct policy_stats *);

/*
 * policy.mode = store: is a listed at now in the store? The reason is
 * txt_tmpl (dns.txt) rendered with url_tmpl as {url}, exactly the TXT the
 * DNS server would give; zone names the list in the reply. 1 listed, 0
 * not (out->verdict says the same), -1 store error (out->text why).
 */
int	 policy_store_result(struct store *, const struct addr *a, int64_t now,
	    const char *txt_tmpl, const char *url_tmpl, const char *zone,
	    struct policy_result *out);

/* Closes everything and removes the UNIX socket files; NULL is a no-op. */
void	 policy_server_free(struct policy_server *);

#endif
