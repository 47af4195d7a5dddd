/* cmd_serve.c -- `backscatter serve`: trap and DNS server in one process. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_dns.h"
#include "core/log.h"
#include "trap/trap_server.h"

/*
 * What SIGTERM and SIGINT stop. Both stop functions only set a flag and
 * write to a pipe, so the handler is async-signal-safe. The pointers are
 * set before the signals are unblocked and cleared after both servers
 * are gone; a late second signal then finds nothing to do.
 */
static struct trap_server *volatile	serve_trap;
static struct dns_server *volatile	serve_dns;

static void
serve_on_signal(int sig)
{
	(void)sig;
	trap_server_stop(serve_trap);
	dns_server_stop(serve_dns);
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

/*
 * Starts the trap (bound, not yet accepting) and the DNS server (zone
 * loaded, answering), then runs the trap's loop in this thread until a
 * signal. The DNS threads are created with SIGTERM and SIGINT blocked so
 * that the signal always lands here. Either failing to start stops the
 * other: a half-started blocklist would look healthy and not be.
 */
static int
serve_run(struct cli *c, const struct trap_server_config *tc,
    const struct dns_server_config *dc)
{
	struct trap_server *trap;
	struct dns_server *dns;
	struct sigaction sa;
	sigset_t block, old;
	char err[1200];
	int rc;

	if ((trap = trap_server_new(tc, err, sizeof(err))) == NULL)
		return cli_error(c, "trap: %s", err);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((dns = dns_server_start(dc, err, sizeof(err))) == NULL) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		trap_server_free(trap);
		return cli_error(c, "dns: %s", err);
	}
	serve_trap = trap;
	serve_dns = dns;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("serve: trap and dns running");

	rc = trap_server_run(trap);
	/* The trap returns on a signal, or when its loop failed. */
	dns_server_stop(dns);
	dns_server_wait(dns);
	serve_dns = NULL;
	serve_trap = NULL;
	trap_server_free(trap);
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
		{ "trap-listen", required_argument, NULL, 'T' },
		{ "domain", required_argument, NULL, 'd' },
		{ "zone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	char dns_listen[CONFIG_LINE_MAX + 1] = "";
	char trap_listen[CONFIG_LINE_MAX + 1] = "";
	char domains[CONFIG_LINE_MAX + 1] = "";
	struct trap_server_config *tc = NULL;
	struct dns_server_config *dc = NULL;
	const char *zone = NULL;
	char err[1200];
	int ch, first, rc = CLI_USAGE;

	while ((ch = cli_getopt(c, argc, argv, "D:T:d:z:", opts, &first)) !=
	    -1) {
		switch (ch) {
		case 'D':
			if (cli_append_value(c, dns_listen, sizeof(dns_listen),
			    "--dns-listen", optarg) == -1)
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
	    serve_override(c, "trap", "listen", trap_listen,
	    "--trap-listen") == -1 ||
	    serve_override(c, "trap", "domains", domains, "--domain") == -1 ||
	    (zone != NULL && serve_override(c, "dns", "zone", zone,
	    "--zone") == -1))
		return CLI_USAGE;

	/* Both are big (paths, lists, the zone's names): not on the stack. */
	if ((tc = calloc(1, sizeof(*tc))) == NULL ||
	    (dc = calloc(1, sizeof(*dc))) == NULL) {
		rc = cli_error(c, "out of memory");
		goto out;
	}
	if (trap_server_config_init(tc, &c->cfg, err, sizeof(err)) == -1) {
		rc = cli_error(c, "%s", err);
		goto out;
	}
	if (cli_dns_server_config(c, dc, c->cfg.dns.zone) == -1)
		goto out;
	rc = serve_run(c, tc, dc);
out:
	free(tc);
	free(dc);
	return rc;
}
