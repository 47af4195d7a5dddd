/* config.h -- the INI configuration: every key, its default and its check. */
#ifndef BACKSCATTER_CONFIG_H
#define BACKSCATTER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Longest config line we accept; inih's own buffer is sized to match. */
#define CONFIG_LINE_MAX		1024

/*
 * Caps on the lists in [trap]; a line of CONFIG_LINE_MAX bytes could
 * hold more, but nobody runs a trap with hundreds of domains in one line.
 */
#define CONFIG_TRAP_DOMAINS_MAX		64
#define CONFIG_TRAP_PATTERNS_MAX	64
#define CONFIG_TRAP_TRUSTED_MAX		64
#define CONFIG_DNS_REFUSE_MAX		64	/* = DNS_REFUSE_MAX */
#define CONFIG_TRAP_SENDERS_MAX		16	/* CLASSIFY_SENDERS_MAX */
#define CONFIG_TRAP_SENDER_LEN		23	/* CLASSIFY_SENDER_MAX */
/* Longest address pattern: a whole path (RFC 5321 4.5.3.1.3). */
#define CONFIG_TRAP_PATTERN_LEN		256
/* [web] admin_tokens: a few tokens, long enough not to be guessed. */
#define CONFIG_WEB_TOKENS_MAX		8
#define CONFIG_WEB_TOKEN_MIN		16
#define CONFIG_WEB_TOKEN_LEN		127
/* [express] blocked: operator ranges never delisted early. */
#define CONFIG_EXPRESS_BLOCKED_MAX	64
/* [policy]: zones asked per lookup, local parts, resolver addresses. */
#define CONFIG_POLICY_ZONES_MAX		4	/* POLICY_ZONES_MAX */
#define CONFIG_POLICY_SENDERS_MAX	16	/* POLICY_SENDERS_MAX */
#define CONFIG_POLICY_LOCAL_LEN		64	/* RFC 5321 4.5.3.1.1 */
#define CONFIG_POLICY_RESOLVERS_MAX	4
/* Longest sensor name, without the NUL. */
#define CONFIG_SENSOR_LEN		63

/*
 * Every key has a default (config_defaults), so a first run needs no file.
 * Strings are owned by the struct and released by config_free().
 */
struct config {
	struct {
		char		*path;		/* ./var/backscatter.db */
		int64_t		 busy_timeout;	/* ms to wait on a lock, 5000 */
		int		 sync_full;	/* synchronous = full (1) | normal (0) */
	} store;
	struct {
		int64_t		 ttl;		/* s after the last hit, 28d */
		int		 min_hits;	/* hits within window to list, 1 */
		int64_t		 window;	/* s, 28d */
		unsigned int	 allow_special;	/* SPECIAL_* mask, 0 */
	} listing;
	struct {
		char		*zone;		/* bl.example.org */
		char		*answer;	/* 127.0.0.2 */
		int64_t		 ttl;		/* s, 2100 */
		char		*txt;		/* TXT template, see txt.h */
		char		*listen;	/* "127.0.0.1:5353 [::1]:5353" */
		int		 threads;	/* UDP workers, 0: one per CPU */
		int64_t		 negative_ttl;	/* s, 300 (SOA minimum) */
		char		*ns;		/* "auto" or name server names */
		char		*hostmaster;	/* "auto" or the SOA RNAME */
		int64_t		 poll_interval;	/* ms between journal reads */
		int64_t		 tcp_idle_timeout; /* ms */
		int		 tcp_max_connections;
		char		*refuse;	/* "none" or client prefixes */
		char		*tsig_keys;	/* "none" or NAME:SECRET ... */
		char		*xfr_allow;	/* "none" or PREFIX KEY, ... */
		char		*notify;	/* "none" or ADDR:PORT [KEY], ... */
		int		 xfr_history;	/* changes kept for IXFR */
		int		 xfr_max;	/* concurrent transfers */
		int64_t		 xfr_timeout;	/* ms, a stalled transfer */
		int		 tcp_max_per_ip; /* connections per client, 32 */
		int		 rrl_rate;	/* UDP responses/s per net, 0 off */
		int		 rrl_burst;	/* bucket; 0: rrl_rate */
		int		 rrl_slip;	/* every Nth limited one TC, 2 */
		int		 rrl_ipv4_prefix; /* client network, 24 */
		int		 rrl_ipv6_prefix; /* client network, 56 */
	} dns;
	struct {
		char		*lookup_url;	/* URL template, see txt.h */
		char		*listen;	/* "127.0.0.1:8080 [::1]:8080" */
		char		*help_dir;	/* "auto" or a directory */
		char		*admin_tokens;	/* "none" or bearer tokens */
		int		 lookups_per_minute; /* per client, 60 */
		int		 requests_per_hour; /* per client, 10 */
		int64_t		 timeout;	/* s per connection, 30 */
		char		*sensor_tokens;	/* "none" or NAME:TOKEN pairs */
	} web;
	struct {
		int		 enabled;	/* express delisting, on */
		int64_t		 quiet_period;	/* s without hits first, 24h */
		int		 max_delistings; /* per address in 180 days, 2 */
		char		*blocked;	/* "none" or prefixes */
		int		 auto_approve;	/* off */
	} express;
	struct {
		char		*listen;	/* ADDR:PORT list */
		char		*domains;	/* trap domains, lower case */
		char		*addresses;	/* fnmatch(3) patterns */
		char		*hostname;	/* "auto" or a name */
		char		*sensor;	/* "auto" or this trap's name */
		char		*callout_senders; /* "auto" or local parts */
		int64_t		 line_max;	/* bytes per command line */
		int		 max_recipients; /* per transaction */
		int64_t		 max_message_size; /* bytes, advertised SIZE */
		int64_t		 keep_headers;	/* header bytes kept */
		int64_t		 keep_body;	/* body bytes kept */
		int		 max_commands;	/* per session */
		int		 max_errors;	/* per session */
		int64_t		 session_timeout; /* s */
		int64_t		 idle_timeout;	/* s */
		int		 max_sessions;	/* in total */
		int		 max_sessions_per_ip;
		int		 tls;		/* offer STARTTLS */
		char		*tls_cert;	/* "auto" or a PEM file */
		char		*tls_key;	/* "auto" or a PEM file */
		int		 proxy_protocol; /* PROXY v1/v2 from trusted */
		char		*proxy_trusted;	/* "none" or prefixes */
		char		*central;	/* "none" or the central's URL */
		char		*central_token;	/* "none" or its bearer token */
	} trap;
	struct {
		char		*path;		/* "none" or the rbldnsd file */
		int64_t		 interval;	/* s between rewrites, 60 */
		int		 http;		/* /download/ZONE.rbldnsd.gz, on */
	} feed;
	struct {
		char		*listen;	/* ADDR:PORT or unix:/path list */
		int		 mode;		/* 0 dns, 1 store */
		char		*zones;		/* "auto" (dns.zone) or names */
		char		*resolver;	/* "system" or ADDR:PORT list */
		int64_t		 timeout;	/* ms for a whole lookup, 2s */
		char		*senders;	/* local parts besides <>, or none */
		int		 cache_size;	/* entries, 65536; 0 none */
		int		 max_connections; /* 256 */
		int64_t		 idle_timeout;	/* s, 10m */
	} policy;
	struct {
		char		*listen;	/* ADDR:PORT or unix:/path */
		int64_t		 timeout;	/* s, MTA I/O, 2h */
	} milter;
	struct {
		char		*domain;	/* "auto": the first trap domain */
		char		*helo;		/* "auto": trap.hostname */
		char		*resolver;	/* "system" or ADDR:PORT list */
		int64_t		 wait;		/* s for a bounce, 2m */
		int64_t		 timeout;	/* s per SMTP reply, 30s */
		int		 web;		/* /selftest on, on */
		int64_t		 interval;	/* s between web probes of a target, 10m */
		int		 per_hour;	/* web probes per requester, 3 */
		unsigned int	 allow_special;	/* SPECIAL_* the web may probe, 0 */
	} probe;
	struct {
		int		 level;		/* LOG_LEVEL_INFO */
		char		*target;	/* stderr | syslog | file:/path */
		char		*facility;	/* syslog facility, daemon */
	} log;
	struct {
		char		*user;		/* "none" or who daemons become */
		char		*group;		/* "auto": the user's group */
		char		*chroot;	/* "none" or a directory */
	} process;
};

/* Fills every key with its default. Returns 0, or -1 when out of memory. */
int	 config_defaults(struct config *);

/*
 * Reads an INI file over the defaults already in cfg. Unknown sections,
 * unknown keys, repeated keys, bad values and unreadable files are errors:
 * err gets "PATH:LINE: what is wrong" (or "PATH: why" when the file cannot
 * be read) and -1 is returned. cfg may then be partly updated; the caller
 * frees it and exits.
 */
int	 config_load(struct config *cfg, const char *path, char *err,
	    size_t errlen);

/*
 * Sets one key as if it stood in [section] of a file (used for command-line
 * overrides such as --store). 0 ok, -1 with err "section.key: why".
 */
int	 config_set(struct config *cfg, const char *section, const char *key,
	    const char *value, char *err, size_t errlen);

/*
 * Calls fn for every key whose value differs between a and b (a reload
 * compares the running file with the new one).
 */
void	 config_diff(const struct config *a, const struct config *b,
	    void (*fn)(const char *section, const char *key, void *arg),
	    void *arg);

/* Releases the strings; the struct may be reused after config_defaults. */
void	 config_free(struct config *);

#endif
