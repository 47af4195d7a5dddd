/* cmd_dns.c -- `backscatter dns`: the authoritative DNSBL server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_dns.h"
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
	sc->threads = c->cfg.dns.threads;
	sc->poll_ms = c->cfg.dns.poll_interval;
	sc->tcp_idle_ms = c->cfg.dns.tcp_idle_timeout;
	sc->tcp_max = c->cfg.dns.tcp_max_connections;
	cli_store_config(c, &sc->store);
	return 0;
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
	rc = dns_server_run(sc, err, sizeof(err));
	free(sc);
	if (rc == -1)
		return cli_error(c, "%s", err);
	return CLI_OK;
}
