/* milter.c -- `backscatter milter`: the same decision at MAIL FROM, over libmilter. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "client/milter.h"
#include "core/clock.h"
#include "core/log.h"

/*
 * libmilter calls back with no user pointer of its own beyond the
 * per-connection private data, so the milter's state is process-wide:
 * one milter per process, set before smfi_main() and read-only after,
 * except the cache (locked inside) and the store (locked here).
 */
static struct {
	struct milter_config	 cfg;
	struct policy_cache	*cache;
	struct store		*store;
	pthread_mutex_t		 store_lock;
	uint64_t		 connections;
	uint64_t		 checked;
	uint64_t		 rejects;
	uint64_t		 errors;
} milter;

/* What one SMTP connection remembers between callbacks. */
struct milter_conn {
	struct addr	 addr;
	int		 have_addr;	/* a TCP peer, not a local submission */
	char		 ip[ADDR_STRLEN];
};

int
milter_conn_parse(const char *listen, char *out, size_t size, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct addr a;
	char ip[ADDR_STRLEN];
	const struct sockaddr_in *sin = (const void *)&ss;
	const struct sockaddr_in6 *sin6 = (const void *)&ss;
	int n;

	if (strncmp(listen, "unix:", 5) == 0) {
		if (listen[5] != '/') {
			snprintf(err, errlen, "'%.64s': unix: needs an "
			    "absolute path", listen);
			return -1;
		}
		n = snprintf(out, size, "unix:%s", listen + 5);
	} else if (addr_parse_sockaddr(listen, &ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET) {
			addr_from_v4(&a, (const uint8_t *)&sin->sin_addr);
			addr_format(&a, ip, sizeof(ip));
			n = snprintf(out, size, "inet:%u@%s",
			    ntohs(sin->sin_port), ip);
		} else {
			memcpy(a.b, &sin6->sin6_addr, 16);
			addr_format(&a, ip, sizeof(ip));
			n = snprintf(out, size, "inet6:%u@%s",
			    ntohs(sin6->sin6_port), ip);
		}
	} else {
		snprintf(err, errlen, "'%.64s' is not ADDR:PORT, [IPV6]:PORT "
		    "or unix:/PATH", listen);
		return -1;
	}
	if (n < 0 || (size_t)n >= size) {
		snprintf(err, errlen, "'%.64s': too long", listen);
		return -1;
	}
	return 0;
}

static sfsistat
// NOLINTNEXTLINE(readability-non-const-parameter): libmilter's signature
milter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct milter_conn *mc;

	(void)host;
	if ((mc = calloc(1, sizeof(*mc))) == NULL)
		return SMFIS_ACCEPT;	/* fail open: this mail is not ours */
	if (sa != NULL && sa->sa_family == AF_INET) {
		addr_from_v4(&mc->addr, (const uint8_t *)
		    &((struct sockaddr_in *)(void *)sa)->sin_addr);
		mc->have_addr = 1;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(mc->addr.b,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, 16);
		mc->have_addr = 1;
	}
	if (mc->have_addr)
		addr_format(&mc->addr, mc->ip, sizeof(mc->ip));
	__atomic_add_fetch(&milter.connections, 1, __ATOMIC_RELAXED);
	smfi_setpriv(ctx, mc);
	return SMFIS_CONTINUE;
}

/* The verdict for a, from the cache, the store or DNS. */
static void
milter_lookup(const struct addr *a, struct policy_result *r)
{
	if (policy_cache_get(milter.cache, a, clock_mono_ms(), r))
		return;
	if (milter.cfg.mode == POLICY_MODE_STORE) {
		pthread_mutex_lock(&milter.store_lock);
		policy_store_result(milter.store, a, (int64_t)time(NULL),
		    milter.cfg.txt, milter.cfg.lookup_url,
		    milter.cfg.dns.zones[0], r);
		pthread_mutex_unlock(&milter.store_lock);
		return;
	}
	policy_dns_lookup_sync(&milter.cfg.dns, a, r);
	policy_cache_put(milter.cache, a, clock_mono_ms(), r);
}

/*
 * MAIL FROM. A rejection here is the MTA's answer to MAIL only: Postfix
 * and Sendmail say 550 to that command and the client may go on with
 * another transaction on the same connection.
 */
static sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *mc = smfi_getpriv(ctx);
	struct policy_result r;
	char text[POLICY_TEXT_MAX + 1], clean[POLICY_TEXT_MAX + 1];
	char esc[POLICY_SENDER_LOG_MAX];
	const char *sender = argv != NULL && argv[0] != NULL ? argv[0] : "";

	if (mc == NULL || !mc->have_addr ||
	    !policy_sender_wanted(&milter.cfg.senders, sender,
	    strlen(sender)))
		return SMFIS_CONTINUE;
	__atomic_add_fetch(&milter.checked, 1, __ATOMIC_RELAXED);
	milter_lookup(&mc->addr, &r);
	if (r.verdict == POLICY_ERROR) {
		__atomic_add_fetch(&milter.errors, 1, __ATOMIC_RELAXED);
		log_warnx("milter: client=%s lookup failed, accepting (fail "
		    "open): %s", mc->ip, r.text);
		return SMFIS_CONTINUE;
	}
	if (r.verdict != POLICY_LISTED)
		return SMFIS_CONTINUE;
	if (policy_reply_text(&r, &mc->addr, milter.cfg.lookup_url, text,
	    sizeof(text)) == -1)
		snprintf(text, sizeof(text), "Backscatter source listed in %s",
		    r.zone);
	/* libmilter reads '%' in reply text as a format: none may pass. */
	policy_text_clean(text, strlen(text), clean, sizeof(clean));
	if (smfi_setreply(ctx, "550", "5.7.1", clean) != MI_SUCCESS)
		log_warnx("milter: client=%s smfi_setreply failed; the MTA "
		    "gives its default 5xx", mc->ip);
	__atomic_add_fetch(&milter.rejects, 1, __ATOMIC_RELAXED);
	policy_log_escape(sender, esc, sizeof(esc));
	log_info("milter: client=%s sender=%s listed zone=%s action=550",
	    mc->ip, esc, r.zone);
	return SMFIS_REJECT;
}

static sfsistat
milter_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
milter_run(const struct milter_config *cfg, char *err, size_t errlen)
{
	struct smfiDesc desc;
	int rc;

	memset(&milter, 0, sizeof(milter));
	milter.cfg = *cfg;
	milter.cfg.store.path = milter.cfg.store_path;
	pthread_mutex_init(&milter.store_lock, NULL);
	if ((milter.cache = policy_cache_new(cfg->cache_size)) == NULL) {
		snprintf(err, errlen, "cache: out of memory");
		return -1;
	}
	if (cfg->mode == POLICY_MODE_STORE) {
		if ((milter.store = store_open(&milter.cfg.store,
		    STORE_OPEN_READONLY, err, errlen)) == NULL) {
			policy_cache_free(milter.cache);
			return -1;
		}
	} else if (policy_dns_library_init() == -1) {
		snprintf(err, errlen, "c-ares: cannot initialise");
		policy_cache_free(milter.cache);
		return -1;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = (char *)"backscatter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = 0;		/* we never change a message */
	desc.xxfi_connect = milter_connect;
	desc.xxfi_envfrom = milter_envfrom;
	desc.xxfi_close = milter_close;
	rc = -1;
	if (smfi_setconn(milter.cfg.conn) == MI_FAILURE)
		snprintf(err, errlen, "listen %s: not a usable socket spec",
		    milter.cfg.conn);
	else if (cfg->timeout_s > 0 && smfi_settimeout(cfg->timeout_s) ==
	    MI_FAILURE)
		snprintf(err, errlen, "timeout: refused by libmilter");
	else if (smfi_register(desc) == MI_FAILURE)
		snprintf(err, errlen, "libmilter refused to register");
	/* Opened now, so a port in use is an error at start-up. */
	else if (smfi_opensocket(1) == MI_FAILURE)
		snprintf(err, errlen, "listen %s: cannot open (in use, or no "
		    "permission)", milter.cfg.conn);
	else {
		log_info("milter: answering on %s", milter.cfg.conn);
		rc = smfi_main() == MI_SUCCESS ? 0 : -1;
		if (rc == -1)
			snprintf(err, errlen, "libmilter stopped with an "
			    "error");
		log_info("milter: stopped connections=%llu checked=%llu "
		    "rejects=%llu errors=%llu",
		    (unsigned long long)milter.connections,
		    (unsigned long long)milter.checked,
		    (unsigned long long)milter.rejects,
		    (unsigned long long)milter.errors);
	}
	store_close(milter.store);
	policy_cache_free(milter.cache);
	pthread_mutex_destroy(&milter.store_lock);
	return rc;
}
