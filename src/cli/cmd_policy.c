/* cmd_policy.c -- `backscatter policy`: the Postfix policy delegation service. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_policy.h"
#include "client/policy_server.h"
#include "core/log.h"

/* policy.zones: "auto" stands for dns.zone. */
static int
policy_zones_from_config(struct cli *c, struct policy_dns_config *d)
{
	char buf[CONFIG_LINE_MAX + 1], *tok, *save = NULL;
	const char *list = c->cfg.policy.zones;

	if (strcmp(list, "auto") == 0)
		list = c->cfg.dns.zone;
	snprintf(buf, sizeof(buf), "%s", list);
	d->nzones = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (d->nzones == POLICY_ZONES_MAX ||
		    strlen(tok) > POLICY_ZONE_MAX) {
			cli_usage(c, "policy.zones: at most %d names",
			    POLICY_ZONES_MAX);
			return -1;
		}
		snprintf(d->zones[d->nzones++], sizeof(d->zones[0]), "%s", tok);
	}
	if (d->nzones == 0) {
		cli_usage(c, "policy.zones: no zone");
		return -1;
	}
	return 0;
}

int
cli_policy_server_config(struct cli *c, struct policy_server_config *sc)
{
	char err[256];

	if (sc->nlisten == 0 && policy_listen_parse(c->cfg.policy.listen,
	    sc->listen, sc->listen_len, &sc->nlisten, POLICY_LISTEN_MAX, err,
	    sizeof(err)) == -1) {
		cli_usage(c, "policy.listen: %s", err);
		return -1;
	}
	sc->mode = c->cfg.policy.mode == 1 ? POLICY_MODE_STORE :
	    POLICY_MODE_DNS;
	if (policy_zones_from_config(c, &sc->dns) == -1)
		return -1;
	if (strcmp(c->cfg.policy.resolver, "system") == 0)
		sc->dns.resolver[0] = '\0';
	else if (snprintf(sc->dns.resolver, sizeof(sc->dns.resolver), "%s",
	    c->cfg.policy.resolver) >= (int)sizeof(sc->dns.resolver)) {
		cli_usage(c, "policy.resolver: too long");
		return -1;
	}
	sc->dns.timeout_ms = (int)c->cfg.policy.timeout;
	if (policy_senders_parse(c->cfg.policy.senders, &sc->senders, err,
	    sizeof(err)) == -1) {
		cli_usage(c, "policy.senders: %s", err);
		return -1;
	}
	sc->cache_size = (size_t)c->cfg.policy.cache_size;
	sc->max_connections = c->cfg.policy.max_connections;
	sc->idle_timeout_ms = c->cfg.policy.idle_timeout * 1000;
	snprintf(sc->lookup_url, sizeof(sc->lookup_url), "%s",
	    c->cfg.web.lookup_url);
	snprintf(sc->txt, sizeof(sc->txt), "%s", c->cfg.dns.txt);
	cli_store_config(c, &sc->store);
	if (snprintf(sc->store_path, sizeof(sc->store_path), "%s",
	    c->cfg.store.path) >= (int)sizeof(sc->store_path)) {
		cli_usage(c, "store.path: too long");
		return -1;
	}
	sc->store.path = sc->store_path;
	return 0;
}

static int
policy_run(void *srv)
{
	return policy_server_run(srv);
}

static void
policy_stop(void *srv)
{
	policy_server_stop(srv);
}

int
cmd_policy(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "resolver", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_server_config *sc;
	struct policy_server *srv;
	struct policy_stats st;
	char listen[CONFIG_LINE_MAX + 1] = "", err[1200];
	const char *mode = NULL, *resolver = NULL;
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "l:m:r:", opts, &first)) !=
	    -1) {
		switch (ch) {
		case 'l':
			if (cli_append_value(c, listen, sizeof(listen),
			    "--listen", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'r':
			resolver = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	if ((listen[0] != '\0' && config_set(&c->cfg, "policy", "listen",
	    listen, err, sizeof(err)) == -1) ||
	    (mode != NULL && config_set(&c->cfg, "policy", "mode", mode, err,
	    sizeof(err)) == -1) ||
	    (resolver != NULL && config_set(&c->cfg, "policy", "resolver",
	    resolver, err, sizeof(err)) == -1))
		return cli_usage(c, "%s", err);

	/* Big (paths, templates): not on the stack. */
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cli_error(c, "out of memory");
	if (cli_policy_server_config(c, sc) == -1) {
		free(sc);
		return CLI_USAGE;
	}
	if (cli_daemon_begin(c, sc->mode == POLICY_MODE_STORE ?
	    CLI_DAEMON_STORE : 0) != CLI_OK) {
		free(sc);
		return CLI_ERROR;
	}
	srv = policy_server_new(sc, err, sizeof(err));
	free(sc);
	if (srv == NULL || cli_daemon_drop(err, sizeof(err)) == -1) {
		policy_server_free(srv);
		cli_daemon_end();
		return cli_error(c, "%s", err);
	}
	/*
	 * cli_daemon_run keeps taking signals until the loop ended: a
	 * second SIGTERM (timeout(1) signals the child and then its whole
	 * group) must not kill us while cleaning up.
	 */
	rc = cli_daemon_run(c, policy_run, policy_stop, srv);
	policy_server_stats(srv, &st);
	log_info("policy: stopped requests=%llu rejects=%llu skipped=%llu "
	    "lookups=%llu cache_hits=%llu dns_errors=%llu malformed=%llu "
	    "refused=%llu", (unsigned long long)st.requests,
	    (unsigned long long)st.rejects, (unsigned long long)st.skipped,
	    (unsigned long long)st.lookups, (unsigned long long)st.cache_hits,
	    (unsigned long long)st.dns_errors,
	    (unsigned long long)st.malformed, (unsigned long long)st.refused);
	policy_server_free(srv);
	cli_daemon_end();
	if (rc == -1)
		return cli_error(c, "the event loop failed");
	return CLI_OK;
}
