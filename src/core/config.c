/* config.c -- the INI configuration: every key, its default and its check. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/hitclass.h"
#include "core/log.h"
#include "core/special.h"
#include "core/timefmt.h"
#include "core/txt.h"

/* Longest piece of a bad value quoted back in an error message. */
#define CONFIG_QUOTE_MAX	48
/*
 * RFC 1035 2.3.4: labels of 63 octets, names of 255 octets on the wire,
 * which is 253 characters as text without the trailing dot.
 */
#define CONFIG_LABEL_MAX	63
#define CONFIG_DNAME_MAX	253
/* Longest SQLite busy timeout: beyond an hour a writer is stuck, not busy. */
#define CONFIG_BUSY_MAX_MS	(3600LL * 1000)
/* A week: RFC 8767 4 has resolvers cap TTLs there anyway. */
#define CONFIG_DNS_TTL_MAX	(7LL * 86400)
/* Match DNS_LISTEN_MAX and DNS_NS_MAX of the DNS server. */
#define CONFIG_LISTEN_MAX	16
#define CONFIG_NAMES_MAX	8
/* A gigabyte: a bigger message is not mail anybody bounces. */
#define CONFIG_SIZE_MAX		(1024LL * 1024 * 1024)
/* Session limits: far above any real peer, far below a wrap-around. */
#define CONFIG_COUNT_MAX	1000000

enum config_type {
	CONFIG_STRING,		/* char *, optionally checked by check */
	CONFIG_TEMPLATE,	/* char *, a txt.h template */
	CONFIG_ADDRESS,		/* char *, an IPv4 or IPv6 address */
	CONFIG_DURATION,	/* int64_t seconds, min..max */
	CONFIG_MSEC,		/* int64_t ms, "250ms" or a duration */
	CONFIG_INT,		/* int, min..max */
	CONFIG_BOOL,		/* int, 0 or 1 */
	CONFIG_WORD,		/* int, the value of one of words */
	CONFIG_LOGLEVEL,	/* int, LOG_LEVEL_* */
	CONFIG_SPECIAL,		/* unsigned int, a SPECIAL_* mask */
	CONFIG_SIZE,		/* int64_t bytes, "64k", min..max */
};

/* One accepted word and the int it stands for; a NULL word ends a list. */
struct config_word {
	const char	*word;
	int		 value;
};

static const struct config_word config_bool_words[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
	{ NULL, 0 },
};

/* policy.mode: ask the zones over DNS, or read the store beside the list. */
static const struct config_word config_policy_mode_words[] = {
	{ "dns", 0 }, { "store", 1 },
	{ NULL, 0 },
};

/* PRAGMA synchronous: FULL survives power loss in WAL mode, NORMAL not. */
static const struct config_word config_sync_words[] = {
	{ "full", 1 }, { "normal", 0 },
	{ NULL, 0 },
};

/*
 * An extra check for string-valued keys. It gets a private copy of the
 * value and may canonicalise it in place (lower-case a DNS name); 0 ok,
 * -1 with the reason in err.
 */
typedef int	(*config_check_fn)(char *, char *, size_t);

struct config_key {
	const char		*section;
	const char		*key;
	enum config_type	 type;
	size_t			 offset;	/* into struct config */
	const char		*def;		/* as written in a file */
	int64_t			 min, max;	/* numeric types */
	const struct config_word *words;	/* CONFIG_WORD */
	config_check_fn		 check;		/* string types */
};

static int	config_check_dname(char *, char *, size_t);
static int	config_check_answer(char *, char *, size_t);
static int	config_check_url(char *, char *, size_t);
static int	config_check_listen(char *, char *, size_t);
static int	config_check_names(char *, char *, size_t);
static int	config_check_domains(char *, char *, size_t);
static int	config_check_patterns(char *, char *, size_t);
static int	config_check_hostname(char *, char *, size_t);
static int	config_check_sensor(char *, char *, size_t);
static int	config_check_senders(char *, char *, size_t);
static int	config_check_trusted(char *, char *, size_t);
static int	config_check_tokens(char *, char *, size_t);
static int	config_check_blocked(char *, char *, size_t);
static int	config_check_refuse(char *, char *, size_t);
static int	config_check_policy_listen(char *, char *, size_t);
static int	config_check_milter_listen(char *, char *, size_t);
static int	config_check_policy_zones(char *, char *, size_t);
static int	config_check_resolver(char *, char *, size_t);
static int	config_check_policy_senders(char *, char *, size_t);
static int	config_check_log_target(char *, char *, size_t);
static int	config_check_log_facility(char *, char *, size_t);
static int	config_check_account(char *, char *, size_t);
static int	config_check_chroot(char *, char *, size_t);
static int	config_check_sensor_tokens(char *, char *, size_t);
static int	config_check_central(char *, char *, size_t);
static int	config_check_central_token(char *, char *, size_t);

#define CONFIG_OFF(field)	offsetof(struct config, field)
#define CONFIG_KEY(sec, key, type, field, def, min, max, words, check)	\
	{ sec, key, type, CONFIG_OFF(field), def, min, max, words, check }

/*
 * Every key there is. The defaults are text and go through the same
 * parser and checks as a file, so a default can never be a value a file
 * could not hold. To add a key: a field in struct config, a line here,
 * and a paragraph in etc/backscatter.conf and backscatter.conf(5).
 */
static const struct config_key config_keys[] = {
	CONFIG_KEY("store", "path", CONFIG_STRING, store.path,
	    "./var/backscatter.db", 0, 0, NULL, NULL),
	CONFIG_KEY("store", "busy_timeout", CONFIG_MSEC, store.busy_timeout,
	    "5s", 0, CONFIG_BUSY_MAX_MS, NULL, NULL),
	CONFIG_KEY("store", "synchronous", CONFIG_WORD, store.sync_full,
	    "full", 0, 0, config_sync_words, NULL),

	CONFIG_KEY("listing", "ttl", CONFIG_DURATION, listing.ttl,
	    "28d", 1, DURATION_MAX, NULL, NULL),
	CONFIG_KEY("listing", "min_hits", CONFIG_INT, listing.min_hits,
	    "1", 1, 1000, NULL, NULL),
	CONFIG_KEY("listing", "window", CONFIG_DURATION, listing.window,
	    "28d", 1, DURATION_MAX, NULL, NULL),
	CONFIG_KEY("listing", "allow_special", CONFIG_SPECIAL,
	    listing.allow_special, "none", 0, 0, NULL, NULL),

	CONFIG_KEY("dns", "zone", CONFIG_STRING, dns.zone,
	    "bl.example.org", 0, 0, NULL, config_check_dname),
	CONFIG_KEY("dns", "answer", CONFIG_ADDRESS, dns.answer,
	    "127.0.0.2", 0, 0, NULL, config_check_answer),
	CONFIG_KEY("dns", "ttl", CONFIG_DURATION, dns.ttl,
	    "2100", 0, CONFIG_DNS_TTL_MAX, NULL, NULL),
	CONFIG_KEY("dns", "txt", CONFIG_TEMPLATE, dns.txt,
	    "{ip} listed for backscatter ({class}), last seen {last}; see {url}",
	    0, 0, NULL, NULL),

	CONFIG_KEY("dns", "listen", CONFIG_STRING, dns.listen,
	    "127.0.0.1:5353", 0, 0, NULL, config_check_listen),
	CONFIG_KEY("dns", "threads", CONFIG_INT, dns.threads,
	    "0", 0, 64, NULL, NULL),
	CONFIG_KEY("dns", "negative_ttl", CONFIG_DURATION, dns.negative_ttl,
	    "300", 0, CONFIG_DNS_TTL_MAX, NULL, NULL),
	CONFIG_KEY("dns", "ns", CONFIG_STRING, dns.ns,
	    "auto", 0, 0, NULL, config_check_names),
	CONFIG_KEY("dns", "hostmaster", CONFIG_STRING, dns.hostmaster,
	    "auto", 0, 0, NULL, config_check_names),
	CONFIG_KEY("dns", "poll_interval", CONFIG_MSEC, dns.poll_interval,
	    "200ms", 10, 60000, NULL, NULL),
	CONFIG_KEY("dns", "tcp_idle_timeout", CONFIG_MSEC,
	    dns.tcp_idle_timeout, "10s", 100, 3600000, NULL, NULL),
	CONFIG_KEY("dns", "tcp_max_connections", CONFIG_INT,
	    dns.tcp_max_connections, "256", 1, 65536, NULL, NULL),
	CONFIG_KEY("dns", "refuse", CONFIG_STRING, dns.refuse,
	    "none", 0, 0, NULL, config_check_refuse),
	/* Zone transfers: the values are read by cmd_dns.c (dns_xfr.h). */
	CONFIG_KEY("dns", "tsig_keys", CONFIG_STRING, dns.tsig_keys,
	    "none", 0, 0, NULL, NULL),
	CONFIG_KEY("dns", "xfr_allow", CONFIG_STRING, dns.xfr_allow,
	    "none", 0, 0, NULL, NULL),
	CONFIG_KEY("dns", "notify", CONFIG_STRING, dns.notify,
	    "none", 0, 0, NULL, NULL),
	CONFIG_KEY("dns", "xfr_history", CONFIG_INT, dns.xfr_history,
	    "100000", 0, 10000000, NULL, NULL),
	CONFIG_KEY("dns", "xfr_max", CONFIG_INT, dns.xfr_max,
	    "4", 1, 64, NULL, NULL),
	CONFIG_KEY("dns", "xfr_timeout", CONFIG_MSEC, dns.xfr_timeout,
	    "30s", 1000, 3600000, NULL, NULL),
	CONFIG_KEY("dns", "tcp_max_per_ip", CONFIG_INT, dns.tcp_max_per_ip,
	    "32", 1, 65536, NULL, NULL),
	CONFIG_KEY("dns", "rrl_rate", CONFIG_INT, dns.rrl_rate,
	    "0", 0, 65535, NULL, NULL),
	CONFIG_KEY("dns", "rrl_burst", CONFIG_INT, dns.rrl_burst,
	    "0", 0, 65535, NULL, NULL),
	CONFIG_KEY("dns", "rrl_slip", CONFIG_INT, dns.rrl_slip,
	    "2", 0, 100, NULL, NULL),
	CONFIG_KEY("dns", "rrl_ipv4_prefix", CONFIG_INT, dns.rrl_ipv4_prefix,
	    "24", 0, 32, NULL, NULL),
	CONFIG_KEY("dns", "rrl_ipv6_prefix", CONFIG_INT, dns.rrl_ipv6_prefix,
	    "56", 0, 128, NULL, NULL),

	CONFIG_KEY("web", "lookup_url", CONFIG_TEMPLATE, web.lookup_url,
	    "http://localhost:8080/lookup?ip={ip}", 0, 0, NULL,
	    config_check_url),
	CONFIG_KEY("web", "listen", CONFIG_STRING, web.listen,
	    "127.0.0.1:8080 [::1]:8080", 0, 0, NULL, config_check_listen),
	CONFIG_KEY("web", "help_dir", CONFIG_STRING, web.help_dir,
	    "auto", 0, 0, NULL, NULL),
	CONFIG_KEY("web", "admin_tokens", CONFIG_STRING, web.admin_tokens,
	    "none", 0, 0, NULL, config_check_tokens),
	CONFIG_KEY("web", "lookups_per_minute", CONFIG_INT,
	    web.lookups_per_minute, "60", 1, 100000, NULL, NULL),
	CONFIG_KEY("web", "requests_per_hour", CONFIG_INT,
	    web.requests_per_hour, "10", 1, 10000, NULL, NULL),
	CONFIG_KEY("web", "timeout", CONFIG_DURATION, web.timeout,
	    "30s", 1, 3600, NULL, NULL),
	CONFIG_KEY("web", "sensor_tokens", CONFIG_STRING, web.sensor_tokens,
	    "none", 0, 0, NULL, config_check_sensor_tokens),

	CONFIG_KEY("express", "enabled", CONFIG_BOOL, express.enabled,
	    "on", 0, 0, NULL, NULL),
	CONFIG_KEY("express", "quiet_period", CONFIG_DURATION,
	    express.quiet_period, "24h", 0, DURATION_MAX, NULL, NULL),
	CONFIG_KEY("express", "max_delistings", CONFIG_INT,
	    express.max_delistings, "2", 0, 1000, NULL, NULL),
	CONFIG_KEY("express", "blocked", CONFIG_STRING, express.blocked,
	    "none", 0, 0, NULL, config_check_blocked),
	CONFIG_KEY("express", "auto_approve", CONFIG_BOOL,
	    express.auto_approve, "off", 0, 0, NULL, NULL),

	CONFIG_KEY("log", "level", CONFIG_LOGLEVEL, log.level,
	    "info", 0, 0, NULL, NULL),
	CONFIG_KEY("log", "target", CONFIG_STRING, log.target,
	    "stderr", 0, 0, NULL, config_check_log_target),
	CONFIG_KEY("log", "facility", CONFIG_STRING, log.facility,
	    "daemon", 0, 0, NULL, config_check_log_facility),

	/* Privileges of the daemons: see cli_daemon.c. */
	CONFIG_KEY("process", "user", CONFIG_STRING, process.user,
	    "none", 0, 0, NULL, config_check_account),
	CONFIG_KEY("process", "group", CONFIG_STRING, process.group,
	    "auto", 0, 0, NULL, config_check_account),
	CONFIG_KEY("process", "chroot", CONFIG_STRING, process.chroot,
	    "none", 0, 0, NULL, config_check_chroot),

	/* 10040: no registered service; the policy-server port of habit. */
	CONFIG_KEY("policy", "listen", CONFIG_STRING, policy.listen,
	    "127.0.0.1:10040", 0, 0, NULL, config_check_policy_listen),
	CONFIG_KEY("policy", "mode", CONFIG_WORD, policy.mode,
	    "dns", 0, 0, config_policy_mode_words, NULL),
	CONFIG_KEY("policy", "zones", CONFIG_STRING, policy.zones,
	    "auto", 0, 0, NULL, config_check_policy_zones),
	CONFIG_KEY("policy", "resolver", CONFIG_STRING, policy.resolver,
	    "system", 0, 0, NULL, config_check_resolver),
	CONFIG_KEY("policy", "timeout", CONFIG_MSEC, policy.timeout,
	    "2s", 30, 60000, NULL, NULL),
	CONFIG_KEY("policy", "senders", CONFIG_STRING, policy.senders,
	    "postmaster", 0, 0, NULL, config_check_policy_senders),
	CONFIG_KEY("policy", "cache_size", CONFIG_INT, policy.cache_size,
	    "65536", 0, 16777216, NULL, NULL),
	CONFIG_KEY("policy", "max_connections", CONFIG_INT,
	    policy.max_connections, "256", 1, 65536, NULL, NULL),
	/*
	 * Postfix closes an idle policy connection after 300 s
	 * (smtpd_policy_service_max_idle); we wait longer than that.
	 */
	CONFIG_KEY("policy", "idle_timeout", CONFIG_DURATION,
	    policy.idle_timeout, "10m", 1, 86400, NULL, NULL),

	CONFIG_KEY("milter", "listen", CONFIG_STRING, milter.listen,
	    "127.0.0.1:8895", 0, 0, NULL, config_check_milter_listen),
	/* libmilter's own default: 7210 s. */
	CONFIG_KEY("milter", "timeout", CONFIG_DURATION, milter.timeout,
	    "2h", 1, 86400, NULL, NULL),

	/*
	 * The self-test. A bounce normally leaves within seconds, but a
	 * busy queue may hold it for minutes; the web waits as long.
	 */
	CONFIG_KEY("probe", "domain", CONFIG_STRING, probe.domain,
	    "auto", 0, 0, NULL, config_check_hostname),
	CONFIG_KEY("probe", "helo", CONFIG_STRING, probe.helo,
	    "auto", 0, 0, NULL, config_check_hostname),
	CONFIG_KEY("probe", "resolver", CONFIG_STRING, probe.resolver,
	    "system", 0, 0, NULL, config_check_resolver),
	CONFIG_KEY("probe", "wait", CONFIG_DURATION, probe.wait,
	    "2m", 1, 3600, NULL, NULL),
	/* RFC 5321 4.5.3.2 asks for 5 minutes; a self-test gives up sooner. */
	CONFIG_KEY("probe", "timeout", CONFIG_DURATION, probe.timeout,
	    "30s", 1, 600, NULL, NULL),
	CONFIG_KEY("probe", "web", CONFIG_BOOL, probe.web,
	    "on", 0, 0, NULL, NULL),
	CONFIG_KEY("probe", "interval", CONFIG_DURATION, probe.interval,
	    "10m", 0, 86400, NULL, NULL),
	CONFIG_KEY("probe", "per_hour", CONFIG_INT, probe.per_hour,
	    "3", 1, 1000, NULL, NULL),
	CONFIG_KEY("probe", "allow_special", CONFIG_SPECIAL,
	    probe.allow_special, "none", 0, 0, NULL, NULL),

	CONFIG_KEY("trap", "listen", CONFIG_STRING, trap.listen,
	    "127.0.0.1:2525 [::1]:2525", 0, 0, NULL, config_check_listen),
	CONFIG_KEY("trap", "domains", CONFIG_STRING, trap.domains,
	    "trap.example.org", 0, 0, NULL, config_check_domains),
	CONFIG_KEY("trap", "addresses", CONFIG_STRING, trap.addresses,
	    "*", 0, 0, NULL, config_check_patterns),
	CONFIG_KEY("trap", "hostname", CONFIG_STRING, trap.hostname,
	    "auto", 0, 0, NULL, config_check_hostname),
	CONFIG_KEY("trap", "sensor", CONFIG_STRING, trap.sensor,
	    "auto", 0, 0, NULL, config_check_sensor),
	CONFIG_KEY("trap", "callout_senders", CONFIG_STRING,
	    trap.callout_senders, "auto", 0, 0, NULL, config_check_senders),
	/* RFC 5321 4.5.3.1.4: a server must take command lines of 512. */
	CONFIG_KEY("trap", "line_max", CONFIG_SIZE, trap.line_max,
	    "2048", 512, 65536, NULL, NULL),
	/* RFC 5321 4.5.3.1.8: a server must take 100 recipients. */
	CONFIG_KEY("trap", "max_recipients", CONFIG_INT, trap.max_recipients,
	    "100", 1, 10000, NULL, NULL),
	CONFIG_KEY("trap", "max_message_size", CONFIG_SIZE,
	    trap.max_message_size, "10m", 1024, CONFIG_SIZE_MAX, NULL, NULL),
	CONFIG_KEY("trap", "keep_headers", CONFIG_SIZE, trap.keep_headers,
	    "64k", 1024, 16LL * 1024 * 1024, NULL, NULL),
	CONFIG_KEY("trap", "keep_body", CONFIG_SIZE, trap.keep_body,
	    "64k", 0, 16LL * 1024 * 1024, NULL, NULL),
	CONFIG_KEY("trap", "max_commands", CONFIG_INT, trap.max_commands,
	    "1000", 10, CONFIG_COUNT_MAX, NULL, NULL),
	CONFIG_KEY("trap", "max_errors", CONFIG_INT, trap.max_errors,
	    "10", 1, 1000, NULL, NULL),
	CONFIG_KEY("trap", "session_timeout", CONFIG_DURATION,
	    trap.session_timeout, "10m", 1, 86400, NULL, NULL),
	/* RFC 5321 4.5.3.2.7: the server waits 5 minutes for a command. */
	CONFIG_KEY("trap", "idle_timeout", CONFIG_DURATION, trap.idle_timeout,
	    "5m", 1, 3600, NULL, NULL),
	CONFIG_KEY("trap", "max_sessions", CONFIG_INT, trap.max_sessions,
	    "1000", 1, 100000, NULL, NULL),
	CONFIG_KEY("trap", "max_sessions_per_ip", CONFIG_INT,
	    trap.max_sessions_per_ip, "10", 1, 100000, NULL, NULL),
	CONFIG_KEY("trap", "tls", CONFIG_BOOL, trap.tls,
	    "on", 0, 0, NULL, NULL),
	CONFIG_KEY("trap", "tls_cert", CONFIG_STRING, trap.tls_cert,
	    "auto", 0, 0, NULL, NULL),
	CONFIG_KEY("trap", "tls_key", CONFIG_STRING, trap.tls_key,
	    "auto", 0, 0, NULL, NULL),
	CONFIG_KEY("trap", "proxy_protocol", CONFIG_BOOL, trap.proxy_protocol,
	    "off", 0, 0, NULL, NULL),
	CONFIG_KEY("trap", "proxy_trusted", CONFIG_STRING, trap.proxy_trusted,
	    "none", 0, 0, NULL, config_check_trusted),
	CONFIG_KEY("trap", "central", CONFIG_STRING, trap.central,
	    "none", 0, 0, NULL, config_check_central),
	CONFIG_KEY("trap", "central_token", CONFIG_STRING, trap.central_token,
	    "none", 0, 0, NULL, config_check_central_token),

	CONFIG_KEY("feed", "path", CONFIG_STRING, feed.path,
	    "none", 0, 0, NULL, NULL),
	CONFIG_KEY("feed", "interval", CONFIG_DURATION, feed.interval,
	    "60s", 1, 86400, NULL, NULL),
	CONFIG_KEY("feed", "http", CONFIG_BOOL, feed.http,
	    "on", 0, 0, NULL, NULL),
};
#define CONFIG_NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

/* The state of one config_load, shared by the inih reader and handler. */
struct config_ctx {
	struct config	*cfg;
	FILE		*fp;
	int		 lineno;		/* lines read so far */
	int		 failed;		/* msg holds the first error */
	int		 errline;		/* the line msg is about */
	int		 ioerr;			/* errno of a read error */
	char		 seen[CONFIG_NKEYS];	/* key already set in file */
	char		 msg[512];
};

static void	config_fail(struct config_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Copies a value for an error message: bytes outside printable ASCII, and
 * the backslash, become \xNN so the message stays on one line and cannot
 * be mistaken for other text; long values are cut.
 */
static const char *
config_quote(const char *v, char *buf, size_t size)
{
	size_t off = 0, i;
	unsigned char c;

	for (i = 0; v[i] != '\0' && off + 8 < size; i++) {
		if (i == CONFIG_QUOTE_MAX) {
			memcpy(buf + off, "...", 3);
			off += 3;
			break;
		}
		c = (unsigned char)v[i];
		if (c < 0x20 || c > 0x7e || c == '\\') {
			snprintf(buf + off, size - off, "\\x%02x", c);
			off += 4;
		} else
			buf[off++] = (char)c;
	}
	buf[off] = '\0';
	return buf;
}

static int
config_has_section(const char *section, size_t len)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		if (strlen(config_keys[i].section) == len &&
		    memcmp(config_keys[i].section, section, len) == 0)
			return 1;
	return 0;
}

/*
 * Finds a key. NULL with the reason in err when the section or the key
 * does not exist.
 */
static const struct config_key *
config_find(const char *section, const char *key, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8];

	if (*section == '\0') {
		snprintf(err, errlen, "key '%s' outside any section",
		    config_quote(key, q, sizeof(q)));
		return NULL;
	}
	if (!config_has_section(section, strlen(section))) {
		snprintf(err, errlen, "unknown section [%s]",
		    config_quote(section, q, sizeof(q)));
		return NULL;
	}
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	snprintf(err, errlen, "unknown key '%s' in [%s]",
	    config_quote(key, q, sizeof(q)), section);
	return NULL;
}

/*
 * A decimal number without sign, space or trailing bytes, in min..max.
 * strtoll alone would accept " +12", so the first byte is checked first.
 */
static int
config_number(const char *v, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/*
 * Milliseconds: "250ms", or any duration_parse() form in seconds. SQLite
 * counts its busy timeout in milliseconds; every other duration here is
 * whole seconds, so only this helper knows "ms", and "1s500ms" is not a
 * form it takes.
 */
static int
config_msec(const char *v, int64_t *ms)
{
	char num[32];
	size_t len = strlen(v);
	int64_t n;

	if (len > 2 && strcmp(v + len - 2, "ms") == 0) {
		if (len - 2 >= sizeof(num))
			return -1;
		memcpy(num, v, len - 2);
		num[len - 2] = '\0';
		return config_number(num, 0, INT64_MAX, ms);
	}
	if (duration_parse(v, &n) == -1)
		return -1;
	/* No overflow: DURATION_MAX * 1000 is about 3.2e12. */
	*ms = n * 1000;
	return 0;
}

/*
 * A size in bytes: a plain number, or a number with one lower-case binary
 * unit, k (1024), m or g ("64k", "10m"). Like durations, no spaces, no
 * sign, no fractions.
 */
static int
config_size(const char *v, int64_t *bytes)
{
	char num[32];
	size_t len = strlen(v);
	int64_t n, mult = 1;

	if (len == 0 || len >= sizeof(num))
		return -1;
	switch (v[len - 1]) {
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024 * 1024;
		break;
	case 'g':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		break;
	}
	memcpy(num, v, len + 1);
	if (mult != 1)
		num[len - 1] = '\0';
	/* Bounded so that n * mult cannot overflow. */
	if (config_number(num, 0, INT64_MAX / (1024 * 1024 * 1024), &n) == -1)
		return -1;
	*bytes = n * mult;
	return 0;
}

/* Writes a size as the shortest exact "64k" form, for error messages. */
static void
config_size_format(int64_t n, char *buf, size_t size)
{
	static const char units[] = "gmk";
	int64_t mult = 1024LL * 1024 * 1024;

	for (size_t i = 0; i < sizeof(units) - 1; i++, mult /= 1024) {
		if (n != 0 && n % mult == 0) {
			snprintf(buf, size, "%lld%c", (long long)(n / mult),
			    units[i]);
			return;
		}
	}
	snprintf(buf, size, "%lld", (long long)n);
}

/* Writes "a, b or c" for an error message. */
static void
config_words_list(const struct config_word *w, char *buf, size_t size)
{
	size_t off = 0, n = 0, i;
	int len;

	buf[0] = '\0';
	while (w[n].word != NULL)
		n++;
	for (i = 0; i < n; i++) {
		len = snprintf(buf + off, size - off, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", w[i].word);
		if (len < 0 || (size_t)len >= size - off)
			return;
		off += (size_t)len;
	}
}

static int
config_check_dname(char *v, char *err, size_t errlen)
{
	size_t len = strlen(v), label = 0, i;
	char c;

	/* The FQDN form "bl.example.org." names the same zone. */
	if (len > 1 && v[len - 1] == '.')
		v[--len] = '\0';
	if (len > CONFIG_DNAME_MAX) {
		snprintf(err, errlen, "name longer than %d characters",
		    CONFIG_DNAME_MAX);
		return -1;
	}
	for (i = 0; i <= len; i++) {
		c = v[i];
		if (c == '.' || c == '\0') {
			/* RFC 1123 2.1: no hyphen at either end of a label. */
			if (label == 0 || v[i - 1] == '-') {
				snprintf(err, errlen, "invalid DNS name");
				return -1;
			}
			label = 0;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			v[i] = (char)(c - 'A' + 'a');
		else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    !(c == '-' && label > 0)) {
			snprintf(err, errlen, "invalid DNS name");
			return -1;
		}
		if (++label > CONFIG_LABEL_MAX) {
			snprintf(err, errlen, "label longer than %d characters",
			    CONFIG_LABEL_MAX);
			return -1;
		}
	}
	return 0;
}

/*
 * A list of listen addresses, "ADDR:PORT" or "[V6]:PORT", separated by
 * spaces or commas; at most CONFIG_LISTEN_MAX of them.
 */
static int
config_check_listen(char *v, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char buf[CONFIG_LINE_MAX], *tok, *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (addr_parse_sockaddr(tok, &ss, &sslen) == -1) {
			snprintf(err, errlen, "'%.64s' is not ADDR:PORT or "
			    "[IPV6]:PORT", tok);
			return -1;
		}
		if (++n > CONFIG_LISTEN_MAX) {
			snprintf(err, errlen, "more than %d addresses",
			    CONFIG_LISTEN_MAX);
			return -1;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "no address");
		return -1;
	}
	return 0;
}

/* "auto", or DNS names separated by spaces or commas, each checked. */
static int
config_check_names(char *v, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX], name[CONFIG_LINE_MAX], *tok, *save = NULL;
	int n = 0;

	if (strcmp(v, "auto") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		snprintf(name, sizeof(name), "%s", tok);
		if (config_check_dname(name, err, errlen) == -1)
			return -1;
		if (++n > CONFIG_NAMES_MAX) {
			snprintf(err, errlen, "more than %d names",
			    CONFIG_NAMES_MAX);
			return -1;
		}
	}
	return n == 0 ? (snprintf(err, errlen, "no name"), -1) : 0;
}

/*
 * Checks a list separated by spaces, tabs and commas, one token at a
 * time: fn may canonicalise its token in place (lower case, no trailing
 * dot), and v is then rewritten as the checked tokens one space apart,
 * which is never longer than v was. At most max tokens, at least one.
 */
static int
config_each(char *v, int max, const char *what,
    int (*fn)(char *, char *, size_t), char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 1], out[CONFIG_LINE_MAX + 1];
	char *tok, *save = NULL;
	size_t off = 0, len;
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -1;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (n == max) {
			snprintf(err, errlen, "more than %d %s", max, what);
			return -1;
		}
		if (fn(tok, err, errlen) == -1)
			return -1;
		len = strlen(tok);
		if (n > 0)
			out[off++] = ' ';
		memcpy(out + off, tok, len);
		off += len;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "no %s", what);
		return -1;
	}
	out[off] = '\0';
	memcpy(v, out, off + 1);
	return 0;
}

static int
config_domain_one(char *tok, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8], why[128];

	config_quote(tok, q, sizeof(q));
	if (config_check_dname(tok, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "'%s': %s", q, why);
		return -1;
	}
	if (strchr(tok, '.') == NULL) {
		snprintf(err, errlen, "'%s': not a domain with a dot", q);
		return -1;
	}
	return 0;
}

/*
 * Trap domains: DNS names with at least one dot, matched exactly (no
 * wildcards, no subdomains) and case-insensitively, so they are kept in
 * lower case.
 */
static int
config_check_domains(char *v, char *err, size_t errlen)
{
	return config_each(v, CONFIG_TRAP_DOMAINS_MAX, "domains",
	    config_domain_one, err, errlen);
}

static int
config_pattern_one(char *tok, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8];
	unsigned char *p;

	if (strlen(tok) > CONFIG_TRAP_PATTERN_LEN) {
		snprintf(err, errlen, "pattern longer than %d characters",
		    CONFIG_TRAP_PATTERN_LEN);
		return -1;
	}
	for (p = (unsigned char *)tok; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f) {
			snprintf(err, errlen, "'%s': patterns are printable "
			    "ASCII", config_quote(tok, q, sizeof(q)));
			return -1;
		}
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p - 'A' + 'a');
	}
	return 0;
}

/*
 * Address patterns: fnmatch(3) patterns on "local@domain", matched in
 * lower case (addresses are folded before matching), so kept in lower
 * case. "*" is every address of the trap domains.
 */
static int
config_check_patterns(char *v, char *err, size_t errlen)
{
	return config_each(v, CONFIG_TRAP_PATTERNS_MAX, "patterns",
	    config_pattern_one, err, errlen);
}

/* "auto" (the host name at start-up) or a DNS name. */
static int
config_check_hostname(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") == 0)
		return 0;
	return config_check_dname(v, err, errlen);
}

/*
 * A sensor name goes into every hit and is shown on lookup pages: short,
 * printable, no spaces.
 */
static int
config_check_sensor(char *v, char *err, size_t errlen)
{
	const unsigned char *p;

	if (strlen(v) > CONFIG_SENSOR_LEN) {
		snprintf(err, errlen, "longer than %d characters",
		    CONFIG_SENSOR_LEN);
		return -1;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f) {
			snprintf(err, errlen, "must be printable ASCII "
			    "without spaces");
			return -1;
		}
	}
	return 0;
}

static int
config_sender_one(char *tok, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8];
	const unsigned char *p;

	config_quote(tok, q, sizeof(q));
	/* The classifier puts the name into "callout/NAME" subclasses. */
	if (strlen(tok) > CONFIG_TRAP_SENDER_LEN) {
		snprintf(err, errlen, "'%s' is longer than %d characters", q,
		    CONFIG_TRAP_SENDER_LEN);
		return -1;
	}
	/* RFC 5322 3.2.3: a dot-atom of atext. */
	for (p = (const unsigned char *)tok; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) != NULL)
			continue;
		snprintf(err, errlen, "'%s' is not a local part", q);
		return -1;
	}
	return 0;
}

/* "auto" (the classifier's built-in list) or local parts. */
static int
config_check_senders(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") == 0)
		return 0;
	return config_each(v, CONFIG_TRAP_SENDERS_MAX, "senders",
	    config_sender_one, err, errlen);
}

static int
config_trusted_one(char *tok, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8];
	struct prefix p;

	if (prefix_parse(tok, strlen(tok), &p) == -1) {
		snprintf(err, errlen, "'%s' is not an address or CIDR prefix",
		    config_quote(tok, q, sizeof(q)));
		return -1;
	}
	return 0;
}

/* "none", or the addresses and prefixes of trusted proxies. */
static int
config_check_trusted(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_TRAP_TRUSTED_MAX, "prefixes",
	    config_trusted_one, err, errlen);
}

/*
 * One bearer token (RFC 6750 2.1 b64token characters), long enough
 * that guessing it through the rate limit is hopeless.
 */
static int
config_token_one(char *tok, char *err, size_t errlen)
{
	size_t len = strlen(tok);

	if (len < CONFIG_WEB_TOKEN_MIN || len > CONFIG_WEB_TOKEN_LEN) {
		snprintf(err, errlen, "a token must be %d to %d characters",
		    CONFIG_WEB_TOKEN_MIN, CONFIG_WEB_TOKEN_LEN);
		return -1;
	}
	for (const char *p = tok; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~+/", *p) != NULL)) {
			snprintf(err, errlen, "a token may hold only letters, "
			    "digits and -._~+/");
			return -1;
		}
	}
	return 0;
}

/* "none", or the admin API's bearer tokens. */
static int
config_check_tokens(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_WEB_TOKENS_MAX, "tokens",
	    config_token_one, err, errlen);
}

/*
 * One NAME:TOKEN pair of web.sensor_tokens: the sensor name that hits
 * posted with TOKEN are recorded under, and the token itself.
 */
static int
config_sensor_token_one(char *tok, char *err, size_t errlen)
{
	char *colon = strchr(tok, ':');
	int rc;

	if (colon == NULL || colon == tok) {
		snprintf(err, errlen, "expected NAME:TOKEN pairs");
		return -1;
	}
	*colon = '\0';
	rc = config_check_sensor(tok, err, errlen);
	*colon = ':';
	if (rc == -1)
		return -1;
	return config_token_one(colon + 1, err, errlen);
}

/* "none", or the sensors allowed to POST /api/v1/hits. */
static int
config_check_sensor_tokens(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_WEB_TOKENS_MAX, "sensor tokens",
	    config_sensor_token_one, err, errlen);
}

/*
 * "none", or the central's base URL, http:// or https://, to which
 * /api/v1/hits is appended. No user info: the token is its own key.
 */
static int
config_check_central(char *v, char *err, size_t errlen)
{
	const char *host;

	if (strcmp(v, "none") == 0)
		return 0;
	if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else {
		snprintf(err, errlen, "expected none or an http:// or "
		    "https:// URL");
		return -1;
	}
	if (*host == '\0' || *host == '/' || strchr(v, '@') != NULL ||
	    strpbrk(v, " \t?#") != NULL || strlen(v) > 512) {
		snprintf(err, errlen, "expected http(s)://HOST[:PORT][/PATH], "
		    "without user, query or fragment");
		return -1;
	}
	return 0;
}

/* "none", or the bearer token this sensor presents to the central. */
static int
config_check_central_token(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_token_one(v, err, errlen);
}

/* "none", or ranges whose listings express delisting never lifts. */
static int
config_check_blocked(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_EXPRESS_BLOCKED_MAX, "prefixes",
	    config_trusted_one, err, errlen);
}

/*
 * RFC 5782 2.3: a DNSBL answers with an A record in 127.0.0.0/8, so that
 * a listing can never send a client's mail to a routable address. The
 * v4-mapped form names the same address but is refused: the value goes
 * into A records, and whoever reads it may expect a dotted quad.
 */
static int
config_check_answer(char *v, char *err, size_t errlen)
{
	struct addr a;

	if (addr_parse(v, strlen(v), &a) == -1 || !addr_is_v4(&a) ||
	    strchr(v, ':') != NULL || a.b[12] != 127) {
		snprintf(err, errlen, "must be an IPv4 address in 127.0.0.0/8");
		return -1;
	}
	/* Reserved for refused clients (dns.refuse), never a listing. */
	if (a.b[13] == 255 && a.b[14] == 255 && a.b[15] == 254) {
		snprintf(err, errlen, "127.255.255.254 is reserved for refused "
		    "clients (dns.refuse)");
		return -1;
	}
	return 0;
}

/* "none", or the clients whose queries get 127.255.255.254. */
static int
config_check_refuse(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_DNS_REFUSE_MAX, "prefixes",
	    config_trusted_one, err, errlen);
}

/*
 * The lookup URL goes into TXT records and web pages, so it must be a
 * plain web address: no other scheme, no spaces, and no {url} (there is
 * no URL yet while this one is rendered).
 */
static int
config_check_url(char *v, char *err, size_t errlen)
{
	const char *p;

	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(err, errlen, "must start with http:// or https://");
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen,
			    "must not contain spaces or non-ASCII bytes");
			return -1;
		}
	}
	/* txt_check already passed, so braces are doubled or a variable. */
	for (p = v; *p != '\0'; p++) {
		if (p[0] == '{' && p[1] == '{')
			p++;
		else if (strncmp(p, "{url}", 5) == 0) {
			snprintf(err, errlen, "must not contain {url}");
			return -1;
		}
	}
	return 0;
}

/* One policy or milter listen address: ADDR:PORT or unix:/path. */
static int
config_policy_listen_one(char *tok, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t len;

	if (strncmp(tok, "unix:", 5) == 0) {
		len = strlen(tok + 5);
		/* sizeof(sockaddr_un.sun_path) is 108 on Linux. */
		if (tok[5] != '/' || len >= 108) {
			snprintf(err, errlen, "'%.64s': unix: needs an "
			    "absolute path shorter than 108 bytes", tok);
			return -1;
		}
		return 0;
	}
	if (addr_parse_sockaddr(tok, &ss, &sslen) == -1) {
		snprintf(err, errlen, "'%.64s' is not ADDR:PORT, [IPV6]:PORT "
		    "or unix:/PATH", tok);
		return -1;
	}
	return 0;
}

static int
config_check_policy_listen(char *v, char *err, size_t errlen)
{
	return config_each(v, CONFIG_LISTEN_MAX, "addresses",
	    config_policy_listen_one, err, errlen);
}

/* libmilter listens on one socket only. */
static int
config_check_milter_listen(char *v, char *err, size_t errlen)
{
	return config_each(v, 1, "addresses (libmilter takes one)",
	    config_policy_listen_one, err, errlen);
}

/* "auto" (dns.zone), or the zones asked, each a DNS name. */
static int
config_check_policy_zones(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") == 0)
		return 0;
	return config_each(v, CONFIG_POLICY_ZONES_MAX, "zones",
	    config_domain_one, err, errlen);
}

static int
config_resolver_one(char *tok, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	if (addr_parse_sockaddr(tok, &ss, &sslen) == -1) {
		snprintf(err, errlen, "'%.64s' is not ADDR:PORT or "
		    "[IPV6]:PORT", tok);
		return -1;
	}
	return 0;
}

/* "system" (resolv.conf), or the resolvers' ADDR:PORT. */
static int
config_check_resolver(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "system") == 0)
		return 0;
	return config_each(v, CONFIG_POLICY_RESOLVERS_MAX, "resolvers",
	    config_resolver_one, err, errlen);
}

/* A local part, as in postmaster: lower-cased, no '@' or brackets. */
static int
config_policy_sender_one(char *tok, char *err, size_t errlen)
{
	char *p;

	if (strlen(tok) > CONFIG_POLICY_LOCAL_LEN) {
		snprintf(err, errlen, "a local part is at most %d characters",
		    CONFIG_POLICY_LOCAL_LEN);
		return -1;
	}
	for (p = tok; *p != '\0'; p++) {
		if (*p == '@' || *p == '<' || *p == '>' ||
		    (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
			snprintf(err, errlen, "'%.64s': give local parts only, "
			    "as in postmaster", tok);
			return -1;
		}
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return 0;
}

/*
 * "none" (the null sender only), or the local parts looked up besides
 * the null sender, which is always looked up.
 */
static int
config_check_policy_senders(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0)
		return 0;
	return config_each(v, CONFIG_POLICY_SENDERS_MAX, "senders",
	    config_policy_sender_one, err, errlen);
}

static int
config_check_log_target(char *v, char *err, size_t errlen)
{
	return log_target_check(v, err, errlen);
}

static int
config_check_log_facility(char *v, char *err, size_t errlen)
{
	int facility;

	if (log_facility_parse(v, &facility) == 0)
		return 0;
	snprintf(err, errlen, "expected daemon, mail, user or local0..local7");
	return -1;
}

/*
 * A user or group name as useradd(8) makes them (or a number). Looked
 * up only when a daemon starts: the file may be checked elsewhere.
 */
static int
config_check_account(char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);

	if (len > 32 || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != len) {
		snprintf(err, errlen, "not a user or group name");
		return -1;
	}
	return 0;
}

static int
config_check_chroot(char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0 || v[0] == '/')
		return 0;
	snprintf(err, errlen, "expected none or an absolute directory");
	return -1;
}

/* Replaces a string field with a copy of v, or fails with nothing changed. */
static int
config_set_string(char **field, const char *v, config_check_fn check,
    char *err, size_t errlen)
{
	char *copy;

	if ((copy = strdup(v)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (check != NULL && check(copy, err, errlen) == -1) {
		free(copy);
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/*
 * Parses v as the key's type into the field. On failure the field is
 * untouched and err says why, without the key's name.
 */
static int
config_apply(struct config *cfg, const struct config_key *k, const char *v,
    char *err, size_t errlen)
{
	char *field = (char *)cfg + k->offset;
	char q[CONFIG_QUOTE_MAX * 4 + 8], list[128];
	unsigned int mask;
	struct addr a;
	size_t len = strlen(v), i;
	int64_t n;
	int level;

	config_quote(v, q, sizeof(q));
	if (len == 0) {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	/*
	 * inih keeps quotes, and a quoted TXT template would put the quotes
	 * into every answer. Values are literal; say so instead of guessing.
	 */
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
		snprintf(err, errlen, "values are taken literally, "
		    "remove the quotes from %s", q);
		return -1;
	}

	switch (k->type) {
	case CONFIG_STRING:
		return config_set_string((char **)(void *)field, v, k->check,
		    err, errlen);
	case CONFIG_TEMPLATE:
		if (txt_check(v, err, errlen) == -1)
			return -1;
		return config_set_string((char **)(void *)field, v, k->check,
		    err, errlen);
	case CONFIG_ADDRESS:
		if (addr_parse(v, len, &a) == -1) {
			snprintf(err, errlen, "invalid address '%s'", q);
			return -1;
		}
		return config_set_string((char **)(void *)field, v, k->check,
		    err, errlen);
	case CONFIG_DURATION:
		if (duration_parse(v, &n) == -1) {
			snprintf(err, errlen, "invalid duration '%s'", q);
			return -1;
		}
		if (n < k->min || n > k->max) {
			char lo[32], hi[32];

			duration_format(k->min, lo, sizeof(lo));
			duration_format(k->max, hi, sizeof(hi));
			snprintf(err, errlen, "'%s' is out of range (%s..%s)",
			    q, lo, hi);
			return -1;
		}
		*(int64_t *)(void *)field = n;
		return 0;
	case CONFIG_MSEC:
		if (config_msec(v, &n) == -1) {
			snprintf(err, errlen, "invalid duration '%s'", q);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(err, errlen,
			    "'%s' is out of range (%lldms..%lldms)", q,
			    (long long)k->min, (long long)k->max);
			return -1;
		}
		*(int64_t *)(void *)field = n;
		return 0;
	case CONFIG_INT:
		if (config_number(v, k->min, k->max, &n) == -1) {
			snprintf(err, errlen,
			    "invalid number '%s' (%lld..%lld)", q,
			    (long long)k->min, (long long)k->max);
			return -1;
		}
		*(int *)(void *)field = (int)n;
		return 0;
	case CONFIG_BOOL:
	case CONFIG_WORD: {
		const struct config_word *w = k->type == CONFIG_BOOL ?
		    config_bool_words : k->words;

		for (i = 0; w[i].word != NULL; i++) {
			if (strcmp(v, w[i].word) == 0) {
				*(int *)(void *)field = w[i].value;
				return 0;
			}
		}
		config_words_list(w, list, sizeof(list));
		snprintf(err, errlen, "expected %s, not '%s'", list, q);
		return -1;
	}
	case CONFIG_LOGLEVEL:
		if (log_level_parse(v, &level) == -1) {
			snprintf(err, errlen, "unknown log level '%s' "
			    "(error, warn, info or debug)", q);
			return -1;
		}
		*(int *)(void *)field = level;
		return 0;
	case CONFIG_SPECIAL:
		if (special_mask_parse(v, &mask, err, errlen) == -1)
			return -1;
		*(unsigned int *)(void *)field = mask;
		return 0;
	case CONFIG_SIZE:
		if (config_size(v, &n) == -1) {
			snprintf(err, errlen, "invalid size '%s'", q);
			return -1;
		}
		if (n < k->min || n > k->max) {
			char lo[32], hi[32];

			config_size_format(k->min, lo, sizeof(lo));
			config_size_format(k->max, hi, sizeof(hi));
			snprintf(err, errlen, "'%s' is out of range (%s..%s)",
			    q, lo, hi);
			return -1;
		}
		*(int64_t *)(void *)field = n;
		return 0;
	}
	snprintf(err, errlen, "internal error: unknown key type");
	return -1;
}

/* config_apply, with "section.key: " in front of the reason. */
static int
config_apply_named(struct config *cfg, const struct config_key *k,
    const char *v, char *err, size_t errlen)
{
	char scratch[8];
	size_t off;
	int n, rc;

	n = snprintf(err, errlen, "%s.%s: ", k->section, k->key);
	off = n < 0 ? errlen : (size_t)n;
	/* Without room for the reason, the cut prefix has to do. */
	if (off >= errlen)
		rc = config_apply(cfg, k, v, scratch, sizeof(scratch));
	else
		rc = config_apply(cfg, k, v, err + off, errlen - off);
	if (rc == 0 && errlen > 0)
		err[0] = '\0';
	return rc;
}

int
config_defaults(struct config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		if (config_apply_named(cfg, &config_keys[i],
		    config_keys[i].def, err, sizeof(err)) == -1) {
			/* Only out of memory: the defaults are tested. */
			log_warnx("config: %s", err);
			config_free(cfg);
			return -1;
		}
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	char **field;

	if (cfg == NULL)
		return;
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		switch (config_keys[i].type) {
		case CONFIG_STRING:
		case CONFIG_TEMPLATE:
		case CONFIG_ADDRESS:
			field = (char **)(void *)((char *)cfg +
			    config_keys[i].offset);
			free(*field);
			*field = NULL;
			break;
		default:
			break;
		}
	}
}

void
config_diff(const struct config *a, const struct config *b,
    void (*fn)(const char *, const char *, void *), void *arg)
{
	const char *pa, *pb;
	size_t off, size;
	int differ;

	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		off = config_keys[i].offset;
		pa = (const char *)a + off;
		pb = (const char *)b + off;
		switch (config_keys[i].type) {
		case CONFIG_STRING:
		case CONFIG_TEMPLATE:
		case CONFIG_ADDRESS:
			differ = strcmp(*(char *const *)(const void *)pa,
			    *(char *const *)(const void *)pb) != 0;
			break;
		case CONFIG_DURATION:
		case CONFIG_MSEC:
		case CONFIG_SIZE:
			size = sizeof(int64_t);
			differ = memcmp(pa, pb, size) != 0;
			break;
		case CONFIG_SPECIAL:
			size = sizeof(unsigned int);
			differ = memcmp(pa, pb, size) != 0;
			break;
		default:
			size = sizeof(int);
			differ = memcmp(pa, pb, size) != 0;
			break;
		}
		if (differ)
			fn(config_keys[i].section, config_keys[i].key, arg);
	}
}

int
config_set(struct config *cfg, const char *section, const char *key,
    const char *value, char *err, size_t errlen)
{
	const struct config_key *k;

	if (section == NULL || key == NULL || value == NULL) {
		snprintf(err, errlen, "missing section, key or value");
		return -1;
	}
	if ((k = config_find(section, key, err, errlen)) == NULL)
		return -1;
	return config_apply_named(cfg, k, value, err, errlen);
}

/* Records the first error, on the line being read. */
static void
config_fail(struct config_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = 1;
	ctx->errline = ctx->lineno;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
}

/*
 * Section lines are checked here rather than in the handler, because inih
 * only calls the handler for keys: an empty "[stroe]" would otherwise pass
 * unnoticed. Also rejects junk after "]", which inih ignores.
 */
static int
config_reader_section(struct config_ctx *ctx, const char *line)
{
	char q[CONFIG_QUOTE_MAX * 4 + 8], name[CONFIG_LINE_MAX + 1];
	const char *end, *rest;
	size_t len;

	/* inih skips a UTF-8 byte order mark on the first line. */
	if (ctx->lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	/* The same white space inih skips (isspace), or "\f[x]" slips by. */
	line += strspn(line, " \t\r\n\f\v");
	if (*line != '[')
		return 0;
	if ((end = strchr(line, ']')) == NULL)
		return 0;	/* inih reports the syntax error */
	len = (size_t)(end - line - 1);
	rest = end + 1 + strspn(end + 1, " \t\r\n");
	if (*rest != '\0' && *rest != ';') {
		config_fail(ctx, "syntax error after ']'");
		return -1;
	}
	if (!config_has_section(line + 1, len)) {
		memcpy(name, line + 1, len);
		name[len] = '\0';
		config_fail(ctx, "unknown section [%s]",
		    config_quote(name, q, sizeof(q)));
		return -1;
	}
	return 0;
}

/*
 * The fgets-like reader that feeds inih. It reads whole lines itself so
 * that an over-long line is an error: inih's own fgets would split it and
 * parse the tail as a line of its own. NUL bytes are rejected because
 * inih would silently cut the line there. Returns NULL at the end of the
 * file or on an error, which is then in ctx.
 */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_ctx *ctx = stream;
	size_t len = 0, max;
	int c;

	if (ctx->failed)
		return NULL;
	if (num < 3) {
		config_fail(ctx, "inih line buffer too small");
		return NULL;
	}
	/* Room for the newline and the NUL that fgets would store. */
	max = (size_t)num - 2;
	if (max > CONFIG_LINE_MAX)
		max = CONFIG_LINE_MAX;
	if ((c = getc(ctx->fp)) == EOF) {
		if (ferror(ctx->fp)) {
			ctx->ioerr = errno != 0 ? errno : EIO;
			ctx->failed = 1;
		}
		return NULL;
	}
	ctx->lineno++;
	for (; c != EOF && c != '\n'; c = getc(ctx->fp)) {
		if (c == '\0') {
			config_fail(ctx, "NUL byte in line");
			return NULL;
		}
		if (len == max) {
			config_fail(ctx, "line longer than %zu bytes", max);
			return NULL;
		}
		str[len++] = (char)c;
	}
	if (c == EOF && ferror(ctx->fp)) {
		ctx->ioerr = errno != 0 ? errno : EIO;
		ctx->failed = 1;
		return NULL;
	}
	str[len++] = '\n';
	str[len] = '\0';
	if (config_reader_section(ctx, str) == -1)
		return NULL;
	return str;
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_ctx *ctx = user;
	const struct config_key *k;
	char why[sizeof(ctx->msg)];
	size_t i;

	if ((k = config_find(section, name, why, sizeof(why))) == NULL)
		goto fail;
	i = (size_t)(k - config_keys);
	if (ctx->seen[i]) {
		snprintf(why, sizeof(why), "duplicate key '%s' in [%s]",
		    k->key, k->section);
		goto fail;
	}
	ctx->seen[i] = 1;
	if (config_apply_named(ctx->cfg, k, value, why, sizeof(why)) == -1)
		goto fail;
	return 1;
fail:
	config_fail(ctx, "%s", why);
	return 0;
}

/*
 * inih does the INI syntax; we feed it lines through config_reader and
 * check every key in config_handler. Debian's libinih exposes its build
 * options as variables; we set them for the duration of one parse and
 * put them back: stop at the first error (one clear message beats a
 * cascade), no continuation lines (an indented "key = value" is just a
 * key), and a line buffer as long as CONFIG_LINE_MAX. Inline comments
 * stay as built: " ;" (a semicolon after a space) starts a comment.
 */
/*
 * A TXT string holds 255 octets (RFC 1035 3.3). Rendering dns.txt with the
 * longest values it can meet (the widest IPv6 prefix, every class, a
 * lookup URL built from that prefix) must fit, or the DNS server would
 * fail on some listing long after start-up. Checked once the whole file
 * is read, because the two templates may come in either order.
 */
static int
config_check_txt_fits(const struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	static const char widest[] = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120";
	struct prefix p;
	struct txt_vars v;
	char url[TXT_URL_MAX], txt[TXT_MAX + 1];

	if (prefix_parse(widest, sizeof(widest) - 1, &p) == -1)
		return 0;
	memset(&v, 0, sizeof(v));
	v.prefix = &p;
	v.listed_since = v.last_seen = v.expires = 253402300799LL;
	v.classes = (1u << HIT_NCLASSES) - 1;
	if (txt_render(cfg->web.lookup_url, &v, url, sizeof(url)) == -1) {
		snprintf(err, errlen, "%s: web.lookup_url can grow past %d "
		    "bytes for a long IPv6 prefix", path, TXT_URL_MAX - 1);
		return -1;
	}
	v.url = url;
	if (txt_render(cfg->dns.txt, &v, txt, sizeof(txt)) == -1) {
		snprintf(err, errlen, "%s: dns.txt can grow past the %d bytes "
		    "of a TXT string (RFC 1035 3.3) for a long IPv6 prefix; "
		    "shorten it or web.lookup_url", path, TXT_MAX);
		return -1;
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_ctx ctx;
	bool save_multi, save_stop;
	int save_max, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	if ((ctx.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	save_multi = ini_allow_multiline;
	save_stop = ini_stop_on_first_error;
	save_max = ini_max_line;
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_max_line = CONFIG_LINE_MAX + 3;
	rc = ini_parse_stream(config_reader, &ctx, config_handler, &ctx);
	ini_allow_multiline = save_multi;
	ini_stop_on_first_error = save_stop;
	ini_max_line = save_max;
	fclose(ctx.fp);

	if (ctx.ioerr != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(ctx.ioerr));
		return -1;
	}
	if (ctx.failed) {
		snprintf(err, errlen, "%s:%d: %s", path, ctx.errline, ctx.msg);
		return -1;
	}
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: syntax error", path, rc);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	return config_check_txt_fits(cfg, path, err, errlen);
}
