/* cmd_serve.c -- `backscatter serve`: every daemon in one process. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_dns.h"
#include "cli/cmd_policy.h"
#include "core/log.h"
#include "trap/trap_server.h"
#include "web/web_server.h"

/*
 * Everything one `serve` runs. The trap's loop runs in a thread of
 * cli_daemon_run, which takes the signals in the main thread; web and
 * policy each run their own loop in a thread; the DNS server has
 * threads of its own.
 */
struct serve {
	struct trap_server	*trap;
	struct dns_server	*dns;
	struct web_server	*web;
	struct policy_server	*policy;
	pthread_t		 web_thread, policy_thread;
	int			 web_started, policy_started;
};

/* Every stop function only sets a flag or writes to a pipe. */
static void
serve_stop_all(struct serve *sv)
{
	trap_server_stop(sv->trap);
	dns_server_stop(sv->dns);
	web_server_stop(sv->web);
	policy_server_stop(sv->policy);
}

static void
serve_stop(void *arg)
{
	serve_stop_all(arg);
}

static int
serve_trap_run(void *arg)
{
	struct serve *sv = arg;

	return trap_server_run(sv->trap);
}

static void *
serve_web_thread(void *arg)
{
	if (web_server_run(arg) == -1)
		log_warnx("serve: the web server's event loop failed");
	return NULL;
}

static void *
serve_policy_thread(void *arg)
{
	if (policy_server_run(arg) == -1)
		log_warnx("serve: the policy service's event loop failed");
	return NULL;
}

/* Stops what runs, waits for its threads and frees everything. */
static void
serve_close(struct serve *sv)
{
	serve_stop_all(sv);
	if (sv->web_started)
		pthread_join(sv->web_thread, NULL);
	if (sv->policy_started)
		pthread_join(sv->policy_thread, NULL);
	dns_server_wait(sv->dns);
	web_server_free(sv->web);
	policy_server_free(sv->policy);
	trap_server_free(sv->trap);
}

/* Command-line values replace their config keys, as in dns and trap. */
static int
serve_override(struct cli *c, const char *section, const char *key,
    const char *value, const char *option)
{
	char err[600];

	if (value[0] == '\0')
		return 0;
	if (config_set(&c->cfg, section, key, value, err, sizeof(err)) == -1) {
		cli_usage(c, "%s: %s", option, err);
		return -1;
	}
	return 0;
}

/* The settings of every part, built before anything starts. */
struct serve_config {
	struct trap_server_config	 trap;
	struct dns_server_config	 dns;
	struct web_server_config	 web;
	struct policy_server_config	 policy;
};

/*
 * Binds trap, web and policy (nothing accepted yet) and starts the DNS
 * server (zone loaded, answering), which drops privileges once bound
 * and before its threads start; then the web and policy threads, and
 * the trap's loop until a signal. SIGTERM, SIGINT and SIGHUP are
 * blocked in every thread since cli_daemon_begin and taken by
 * cli_daemon_run. One part failing to start stops the others: a
 * half-started blocklist would look healthy and not be.
 */
static int
serve_run(struct cli *c, const struct serve_config *cf)
{
	struct serve sv;
	char err[1200];
	int rc;

	memset(&sv, 0, sizeof(sv));
	if (cli_daemon_begin(c, CLI_DAEMON_STORE) != CLI_OK)
		return CLI_ERROR;
	if ((sv.trap = trap_server_new(&cf->trap, err, sizeof(err))) == NULL) {
		cli_daemon_end();
		return cli_error(c, "trap: %s", err);
	}
	if ((sv.web = web_server_new(&cf->web, err, sizeof(err))) == NULL) {
		serve_close(&sv);
		cli_daemon_end();
		return cli_error(c, "web: %s", err);
	}
	if ((sv.policy = policy_server_new(&cf->policy, err,
	    sizeof(err))) == NULL) {
		serve_close(&sv);
		cli_daemon_end();
		return cli_error(c, "policy: %s", err);
	}
	if ((sv.dns = dns_server_start(&cf->dns, err, sizeof(err))) == NULL) {
		serve_close(&sv);
		cli_daemon_end();
		return cli_error(c, "dns: %s", err);
	}
	sv.web_started = pthread_create(&sv.web_thread, NULL,
	    serve_web_thread, sv.web) == 0;
	sv.policy_started = pthread_create(&sv.policy_thread, NULL,
	    serve_policy_thread, sv.policy) == 0;
	if (!sv.web_started || !sv.policy_started) {
		serve_close(&sv);
		cli_daemon_end();
		return cli_error(c, "cannot start a thread");
	}
	log_info("serve: trap, dns, web and policy running");

	/* The trap returns on a signal, or when its loop failed. */
	rc = cli_daemon_run(c, serve_trap_run, serve_stop, &sv);
	serve_close(&sv);
	cli_daemon_end();
	if (rc == -1)
		return cli_error(c, "trap: the event loop failed");
	log_info("serve: stopped");
	return CLI_OK;
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dns-listen", required_argument, NULL, 'D' },
		{ "web-listen", required_argument, NULL, 'W' },
		{ "policy-listen", required_argument, NULL, 'P' },
		{ "trap-listen", required_argument, NULL, 'T' },
		{ "domain", required_argument, NULL, 'd' },
		{ "zone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	char dns_listen[CONFIG_LINE_MAX + 1] = "";
	char web_listen[CONFIG_LINE_MAX + 1] = "";
	char policy_listen[CONFIG_LINE_MAX + 1] = "";
	char trap_listen[CONFIG_LINE_MAX + 1] = "";
	char domains[CONFIG_LINE_MAX + 1] = "";
	struct serve_config *cf = NULL;
	const char *zone = NULL;
	char err[1200];
	int ch, first, rc = CLI_USAGE;

	while ((ch = cli_getopt(c, argc, argv, "D:W:P:T:d:z:", opts, &first)) !=
	    -1) {
		switch (ch) {
		case 'D':
			if (cli_append_value(c, dns_listen, sizeof(dns_listen),
			    "--dns-listen", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'W':
			if (cli_append_value(c, web_listen, sizeof(web_listen),
			    "--web-listen", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'P':
			if (cli_append_value(c, policy_listen,
			    sizeof(policy_listen), "--policy-listen",
			    optarg) == -1)
				return CLI_USAGE;
			break;
		case 'T':
			if (cli_append_value(c, trap_listen,
			    sizeof(trap_listen), "--trap-listen", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'd':
			if (cli_append_value(c, domains, sizeof(domains),
			    "--domain", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	if (serve_override(c, "dns", "listen", dns_listen,
	    "--dns-listen") == -1 ||
	    serve_override(c, "web", "listen", web_listen,
	    "--web-listen") == -1 ||
	    serve_override(c, "policy", "listen", policy_listen,
	    "--policy-listen") == -1 ||
	    serve_override(c, "trap", "listen", trap_listen,
	    "--trap-listen") == -1 ||
	    serve_override(c, "trap", "domains", domains, "--domain") == -1 ||
	    (zone != NULL && serve_override(c, "dns", "zone", zone,
	    "--zone") == -1))
		return CLI_USAGE;

	/* Big (paths, lists, the zone's names): not on the stack. */
	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		rc = cli_error(c, "out of memory");
		goto out;
	}
	if (trap_server_config_init(&cf->trap, &c->cfg, err,
	    sizeof(err)) == -1 ||
	    web_server_config_init(&cf->web, &c->cfg, err, sizeof(err)) == -1) {
		rc = cli_error(c, "%s", err);
		goto out;
	}
	if (cli_dns_server_config(c, &cf->dns, c->cfg.dns.zone) == -1)
		goto out;
	cf->dns.ready = cli_daemon_drop_hook;
	/*
	 * Beside the list, the policy service reads the store itself
	 * (policy.mode = store): no resolver needs to know our zone.
	 */
	if (config_set(&c->cfg, "policy", "mode", "store", err,
	    sizeof(err)) == -1) {
		rc = cli_error(c, "policy: %s", err);
		goto out;
	}
	if (cli_policy_server_config(c, &cf->policy) == -1)
		goto out;
	rc = serve_run(c, cf);
out:
	free(cf);
	return rc;
}
