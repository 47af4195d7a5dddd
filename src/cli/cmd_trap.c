/* cmd_trap.c -- `backscatter trap`: the SMTP spamtrap server. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_trap.h"
#include "trap/trap_server.h"

/*
 * The server a SIGTERM or SIGINT stops (trap_server_stop is safe there).
 * Once it has stopped the handler stays, with NULL here: timeout(1) and
 * init systems may send a second signal, which must not kill us while
 * the store closes.
 */
static struct trap_server *volatile	trap_signal_srv;

static void
trap_on_signal(int sig)
{
	(void)sig;
	trap_server_stop(trap_signal_srv);
}

int
cmd_trap(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "domain", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct trap_server_config *sc;
	struct trap_server *srv;
	struct sigaction sa;
	char listen[CONFIG_LINE_MAX + 1] = "";
	char domains[CONFIG_LINE_MAX + 1] = "";
	char err[1200];
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "l:d:", opts, &first)) != -1) {
		switch (ch) {
		case 'l':
			if (cli_append_value(c, listen, sizeof(listen),
			    "--listen", optarg) == -1)
				return CLI_USAGE;
			break;
		case 'd':
			if (cli_append_value(c, domains, sizeof(domains),
			    "--domain", optarg) == -1)
				return CLI_USAGE;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	/* Each replaces its key rather than adding to it, as dns does. */
	if (listen[0] != '\0' && config_set(&c->cfg, "trap", "listen", listen,
	    err, sizeof(err)) == -1)
		return cli_usage(c, "--listen: %s", err);
	if (domains[0] != '\0' && config_set(&c->cfg, "trap", "domains",
	    domains, err, sizeof(err)) == -1)
		return cli_usage(c, "--domain: %s", err);

	/* Big (paths and lists): not on the stack. */
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cli_error(c, "out of memory");
	if (trap_server_config_init(sc, &c->cfg, err, sizeof(err)) == -1) {
		free(sc);
		return cli_error(c, "%s", err);
	}
	srv = trap_server_new(sc, err, sizeof(err));
	free(sc);
	if (srv == NULL)
		return cli_error(c, "%s", err);

	trap_signal_srv = srv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = trap_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = trap_server_run(srv);
	trap_signal_srv = NULL;
	trap_server_free(srv);
	if (rc == -1)
		return cli_error(c, "the event loop failed");
	return CLI_OK;
}
