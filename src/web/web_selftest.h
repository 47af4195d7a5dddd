/* web_selftest.h -- the web self-test: target rules and the probe table. */
#ifndef BACKSCATTER_WEB_SELFTEST_H
#define BACKSCATTER_WEB_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

#include "client/probe.h"
#include "core/addr.h"
#include "store/store.h"

/*
 * The table of probes the web server started: a few run at once (each
 * holds a thread, a store connection and an SMTP connection for up to
 * probe.wait plus some probe.timeout), finished ones stay viewable for
 * WEB_SELFTEST_KEEP seconds, and the table never grows.
 */
#define WEB_SELFTEST_SLOTS		32
#define WEB_SELFTEST_RUNNING_MAX	4
#define WEB_SELFTEST_KEEP		3600
/* Targets remembered for probe.interval; full and all fresh: 503. */
#define WEB_SELFTEST_TARGETS_MAX	256
/* Requesters (IPv4 addresses, IPv6 /64s) the per_hour limit tracks. */
#define WEB_SELFTEST_REQUESTERS_MAX	4096
/* 16 random bytes as lower-case hex: unguessable, no store needed. */
#define WEB_SELFTEST_ID_BYTES		16
#define WEB_SELFTEST_ID_LEN		(2 * WEB_SELFTEST_ID_BYTES)
/* RFC 5321 4.5.4: mail servers listen on port 25. */
#define WEB_SELFTEST_PORT		25
/* The progress page reloads itself this often (s) while probing. */
#define WEB_SELFTEST_REFRESH		2

/* What the web needs of [probe]; built by web_server_config_init(). */
struct web_selftest_config {
	int			 enabled;	/* probe.web */
	int64_t			 interval;	/* s per target */
	unsigned int		 per_hour;	/* per requester */
	unsigned int		 allow_special;	/* SPECIAL_* mask */
	int			 ready;		/* probe is filled in */
	char			 why[128];	/* when not ready */
	struct probe_config	 probe;		/* template, no target */
};

/* A target as the form gave it, checked and normalised. */
struct web_selftest_target {
	char		 host[PROBE_NAME_MAX];	/* lower case, no brackets */
	int		 port;
	int		 is_addr;		/* host is an IP address */
	struct addr	 addr;			/* when is_addr */
	/* "host:port" or "[v6]:port": the per-target limit's key. */
	char		 key[PROBE_HOSTPORT_MAX];
};

/*
 * Parses len untrusted bytes from the form: a domain name, an IP
 * address, or either with ":PORT" ("[v6]:PORT"), surrounding spaces
 * allowed. A name must have a dot and only letters, digits, '-' and
 * '.' (RFC 1035 2.3.1), labels of 1..63 characters. Pure. 0, or -1
 * with a sentence for the requester in *why.
 */
int	 web_selftest_parse_target(const char *s, size_t len,
	    struct web_selftest_target *t, const char **why);

/*
 * May the web probe a at port? Special-purpose addresses (special.h)
 * only when their class is in allow_special, and a port other than 25
 * only for such explicitly allowed addresses (test set-ups): a public
 * form must not become a way to talk SMTP to any port on the Internet.
 * Pure. NULL yes, else a sentence saying why not.
 */
const char *web_selftest_eligible(const struct addr *a, int port,
	    unsigned int allow_special);

/* 1 when s is WEB_SELFTEST_ID_LEN lower-case hex digits, else 0. Pure. */
int	 web_selftest_id_ok(const char *s);

struct web_selftest;

/*
 * The table, with copies of cfg and of the store settings (each probe
 * opens its own connection with them). NULL when out of memory.
 */
struct web_selftest	*web_selftest_new(const struct web_selftest_config *,
			    const struct store_config *);
/*
 * Drops the server's reference; running probes keep theirs, and the
 * last one out frees the table. NULL is a no-op.
 */
void			 web_selftest_free(struct web_selftest *);

#endif
