/* milter.h -- `backscatter milter`: the same decision at MAIL FROM, over libmilter. */
#ifndef BACKSCATTER_MILTER_H
#define BACKSCATTER_MILTER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "client/policy_decide.h"
#include "client/policy_dns.h"
#include "client/policy_server.h"
#include "core/config.h"
#include "store/store.h"

/* libmilter's socket spec: "inet:PORT@ADDR", "inet6:...", "unix:PATH". */
#define MILTER_CONN_MAX		(PATH_MAX + 16)

struct milter_config {
	char			 conn[MILTER_CONN_MAX];
	enum policy_mode	 mode;
	struct policy_dns_config dns;
	struct policy_senders	 senders;
	size_t			 cache_size;
	int			 timeout_s;	/* MTA I/O (smfi_settimeout) */
	char			 lookup_url[CONFIG_LINE_MAX + 1];
	char			 txt[CONFIG_LINE_MAX + 1];
	char			 store_path[PATH_MAX];
	struct store_config	 store;		/* .path is store_path */
};

/*
 * Turns one listen address of ours ("ADDR:PORT", "[V6]:PORT" or
 * "unix:/path") into libmilter's spec in out. 0, or -1 with err.
 */
int	 milter_conn_parse(const char *listen, char *out, size_t size,
	    char *err, size_t errlen);

/*
 * Runs the milter until SIGTERM or SIGINT (libmilter's own signal
 * thread stops it). For a sender we look up (policy_sender_wanted), the
 * client address from the connect callback is looked up, and a listing
 * rejects the MAIL command with 550 5.7.1 (smfi_setreply): that
 * transaction only, never the connection. Lookups that fail let the
 * mail pass. 0 after a clean stop, -1 with the reason in err.
 */
int	 milter_run(const struct milter_config *, char *err, size_t errlen);

#endif
