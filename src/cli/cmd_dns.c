/* cmd_dns.c -- `backscatter dns`: the authoritative DNSBL server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_dns.h"
#include "core/log.h"
#include "dns/dns_server.h"

/* Adds each address of a "A:P, [B]:Q" list; -1 after a message. */
static int
dns_add_listen(struct cli *c, struct dns_server_config *sc, const char *list)
{
	char buf[1024], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		cli_usage(c, "listen list too long");
		return -1;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (sc->nlisten == DNS_LISTEN_MAX) {
			cli_usage(c, "more than %d listen addresses",
			    DNS_LISTEN_MAX);
			return -1;
		}
		if (addr_parse_sockaddr(tok, &sc->listen[sc->nlisten],
		    &sc->listen_len[sc->nlisten]) == -1) {
			cli_usage(c, "--listen '%s': expected ADDR:PORT or "
			    "[IPV6]:PORT", tok);
			return -1;
		}
		sc->nlisten++;
	}
	return 0;
}

/* The zone's fixed data from [dns] (and --zone). */
static int
dns_zone_from_config(struct cli *c, struct dns_zone *z, const char *zone)
{
	char err[256], buf[1024], *tok, *save = NULL;
	struct addr a;
	size_t n = 0;

	if (dns_zone_init(z, zone, err, sizeof(err)) == -1) {
		cli_usage(c, "zone '%s': %s", zone, err);
		return -1;
	}
	z->ttl = (uint32_t)c->cfg.dns.ttl;
	z->negative_ttl = (uint32_t)c->cfg.dns.negative_ttl;
	z->txt = c->cfg.dns.txt;
	z->lookup_url = c->cfg.web.lookup_url;
	if (addr_parse(c->cfg.dns.answer, strlen(c->cfg.dns.answer), &a) == 0)
		memcpy(z->answer, a.b + 12, 4);
	if (strcmp(c->cfg.dns.ns, "auto") != 0) {
		snprintf(buf, sizeof(buf), "%s", c->cfg.dns.ns);
		memset(z->ns, 0, sizeof(z->ns));
		for (tok = strtok_r(buf, ", \t", &save);
		    tok != NULL && n < DNS_NS_MAX;
		    tok = strtok_r(NULL, ", \t", &save))
			snprintf(z->ns[n++].name, sizeof(z->ns[0].name), "%s",
			    tok);
		z->nns = n;
	}
	if (strcmp(c->cfg.dns.hostmaster, "auto") != 0)
		snprintf(z->hostmaster, sizeof(z->hostmaster), "%s",
		    c->cfg.dns.hostmaster);
	if (dns_zone_prepare(z) == -1) {
		cli_usage(c, "[dns] ns or hostmaster is not a valid DNS name");
		return -1;
	}
	return 0;
}

/* dns.refuse: the config check already read every prefix. */
static int
dns_refuse_from_config(struct cli *c, struct dns_server_config *sc)
{
	char buf[CONFIG_LINE_MAX + 1], *tok, *save = NULL;

	if (strcmp(c->cfg.dns.refuse, "none") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", c->cfg.dns.refuse);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (sc->nrefuse == DNS_REFUSE_MAX ||
		    prefix_parse(tok, strlen(tok),
		    &sc->refuse[sc->nrefuse]) == -1) {
			cli_usage(c, "dns.refuse: '%s' is not usable", tok);
			return -1;
		}
		sc->nrefuse++;
	}
	return 0;
}

/* A key name in xfr_allow or notify: its index, -1 for NOKEY, -2 unknown. */
static int
dns_xfr_key_index(const struct dns_tsig_ring *ring, const char *name)
{
	const struct dns_tsig_key *k;

	if (strcasecmp(name, "NOKEY") == 0)
		return -1;
	if ((k = dns_tsig_ring_find_text(ring, name)) == NULL)
		return -2;
	return (int)(k - ring->keys);
}

/*
 * dns.tsig_keys ("NAME:SECRET ..."), dns.xfr_allow ("PREFIX KEY, ...",
 * KEY a key name or NOKEY, as NSD's provide-xfr) and dns.notify
 * ("ADDR:PORT [KEY], ..."). -1 after a message.
 */
static int
dns_xfr_from_config(struct cli *c, struct dns_xfr_config *xc)
{
	char buf[CONFIG_LINE_MAX + 1], *ent, *save = NULL, *tok, *s2;
	char err[256];
	int k;

	xc->history = (size_t)c->cfg.dns.xfr_history;
	xc->max = c->cfg.dns.xfr_max;
	xc->timeout_ms = c->cfg.dns.xfr_timeout;
	if (strcmp(c->cfg.dns.tsig_keys, "none") != 0) {
		snprintf(buf, sizeof(buf), "%s", c->cfg.dns.tsig_keys);
		for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			if (xc->keys.n == DNS_TSIG_KEYS_MAX) {
				cli_usage(c, "dns.tsig_keys: more than %d keys",
				    DNS_TSIG_KEYS_MAX);
				return -1;
			}
			if (dns_tsig_key_parse(tok, &xc->keys.keys[xc->keys.n],
			    err, sizeof(err)) == -1) {
				cli_usage(c, "dns.tsig_keys: %s", err);
				return -1;
			}
			xc->keys.n++;
		}
	}
	if (strcmp(c->cfg.dns.xfr_allow, "none") != 0) {
		snprintf(buf, sizeof(buf), "%s", c->cfg.dns.xfr_allow);
		for (ent = strtok_r(buf, ",", &save); ent != NULL;
		    ent = strtok_r(NULL, ",", &save)) {
			char *pfx = strtok_r(ent, " \t", &s2);
			char *key = pfx != NULL ? strtok_r(NULL, " \t", &s2) :
			    NULL;

			if (pfx == NULL)
				continue;
			if (xc->nacl == DNS_XFR_ACL_MAX || key == NULL ||
			    strtok_r(NULL, " \t", &s2) != NULL ||
			    prefix_parse(pfx, strlen(pfx),
			    &xc->acl[xc->nacl].prefix) == -1) {
				cli_usage(c, "dns.xfr_allow: '%s': expected "
				    "PREFIX KEY or PREFIX NOKEY, at most %d",
				    pfx, DNS_XFR_ACL_MAX);
				return -1;
			}
			if ((k = dns_xfr_key_index(&xc->keys, key)) == -2) {
				cli_usage(c, "dns.xfr_allow: key '%s' is not "
				    "in dns.tsig_keys", key);
				return -1;
			}
			xc->acl[xc->nacl++].key = k;
		}
	}
	if (strcmp(c->cfg.dns.notify, "none") != 0) {
		snprintf(buf, sizeof(buf), "%s", c->cfg.dns.notify);
		for (ent = strtok_r(buf, ",", &save); ent != NULL;
		    ent = strtok_r(NULL, ",", &save)) {
			struct dns_notify_target *t = &xc->notify[xc->nnotify];
			char *ap = strtok_r(ent, " \t", &s2);
			char *key = ap != NULL ? strtok_r(NULL, " \t", &s2) :
			    NULL;

			if (ap == NULL)
				continue;
			if (xc->nnotify == DNS_NOTIFY_MAX ||
			    strtok_r(NULL, " \t", &s2) != NULL ||
			    addr_parse_sockaddr(ap, &t->ss, &t->len) == -1) {
				cli_usage(c, "dns.notify: '%s': expected "
				    "ADDR:PORT [KEY], at most %d", ap,
				    DNS_NOTIFY_MAX);
				return -1;
			}
			t->key = key == NULL ? -1 :
			    dns_xfr_key_index(&xc->keys, key);
			if (t->key == -2) {
				cli_usage(c, "dns.notify: key '%s' is not in "
				    "dns.tsig_keys", key);
				return -1;
			}
			xc->nnotify++;
		}
	}
	return 0;
}

int
cli_dns_server_config(struct cli *c, struct dns_server_config *sc,
    const char *zone)
{
	/* --listen replaces dns.listen rather than adding to it. */
	if (sc->nlisten == 0 && dns_add_listen(c, sc, c->cfg.dns.listen) == -1)
		return -1;
	if (dns_zone_from_config(c, &sc->zone, zone) == -1)
		return -1;
	if (dns_refuse_from_config(c, sc) == -1)
		return -1;
	if (dns_xfr_from_config(c, &sc->xfr) == -1)
		return -1;
	sc->threads = c->cfg.dns.threads;
	sc->poll_ms = c->cfg.dns.poll_interval;
	sc->tcp_idle_ms = c->cfg.dns.tcp_idle_timeout;
	sc->tcp_max = c->cfg.dns.tcp_max_connections;
	sc->tcp_max_per_ip = c->cfg.dns.tcp_max_per_ip;
	sc->rrl.rate = (unsigned int)c->cfg.dns.rrl_rate;
	sc->rrl.burst = (unsigned int)c->cfg.dns.rrl_burst;
	sc->rrl.slip = (unsigned int)c->cfg.dns.rrl_slip;
	sc->rrl.v4_prefix = (unsigned int)c->cfg.dns.rrl_ipv4_prefix;
	sc->rrl.v6_prefix = (unsigned int)c->cfg.dns.rrl_ipv6_prefix;
	cli_store_config(c, &sc->store);
	return 0;
}

static void
dns_stop(void *srv)
{
	dns_server_stop(srv);
}

int
cmd_dns(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "zone", required_argument, NULL, 'z' },
		{ "threads", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct dns_server_config *sc;
	struct dns_server *srv;
	const char *zone = c->cfg.dns.zone;
	char err[700], *end;
	long threads = c->cfg.dns.threads;
	int ch, first, rc;

	/* Big (the zone data has room for every NS): not on the stack. */
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cli_error(c, "out of memory");
	while ((ch = cli_getopt(c, argc, argv, "l:z:t:", opts, &first)) != -1) {
		switch (ch) {
		case 'l':
			if (dns_add_listen(c, sc, optarg) == -1) {
				free(sc);
				return CLI_USAGE;
			}
			break;
		case 'z':
			zone = optarg;
			break;
		case 't':
			threads = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || threads < 0 ||
			    threads > DNS_THREADS_MAX) {
				free(sc);
				return cli_usage(c, "--threads '%s': expected "
				    "0 (one per CPU) to %d", optarg,
				    DNS_THREADS_MAX);
			}
			break;
		default:
			free(sc);
			return CLI_USAGE;
		}
	}
	if (first != argc) {
		free(sc);
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	}
	if (cli_dns_server_config(c, sc, zone) == -1) {
		free(sc);
		return CLI_USAGE;
	}
	sc->threads = (int)threads;
	/* Bound, loaded, then privileges dropped before its threads start. */
	if (cli_daemon_begin(c, CLI_DAEMON_STORE) != CLI_OK) {
		free(sc);
		return CLI_ERROR;
	}
	sc->ready = cli_daemon_drop_hook;
	if ((srv = dns_server_start(sc, err, sizeof(err))) == NULL) {
		free(sc);
		cli_daemon_end();
		return cli_error(c, "%s", err);
	}
	rc = cli_daemon_run(c, NULL, dns_stop, srv);
	dns_server_wait(srv);
	log_info("dns: stopped");
	free(sc);
	cli_daemon_end();
	return rc == 0 ? CLI_OK : CLI_ERROR;
}
