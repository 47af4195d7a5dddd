/* cmd_trap.c -- `backscatter trap`: the SMTP spamtrap server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_trap.h"
#include "trap/sensor_forward.h"
#include "trap/trap_server.h"

/*
 * SIGTERM and SIGINT stop the trap through cli_daemon_run, which keeps
 * taking signals until the loop has drained: timeout(1) and init
 * systems may send a second one, which must not kill us while the store
 * closes.
 */
static int
trap_run(void *srv)
{
	return trap_server_run(srv);
}

static void
trap_stop(void *srv)
{
	trap_server_stop(srv);
}

int
cmd_trap(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "domain", required_argument, NULL, 'd' },
		{ "central", required_argument, NULL, 'C' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct trap_server_config *sc;
	struct sensor_forward_config *fc = NULL;
	struct sensor_forward *fwd = NULL;
	struct trap_server *srv;
	const char *central = NULL, *token = NULL;
	char listen[CONFIG_LINE_MAX + 1] = "";
	char domains[CONFIG_LINE_MAX + 1] = "";
	char err[1200];
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "l:d:C:t:", opts, &first)) !=
	    -1) {
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
		case 'C':
			central = optarg;
			break;
		case 't':
			token = optarg;
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
	if (central != NULL && config_set(&c->cfg, "trap", "central", central,
	    err, sizeof(err)) == -1)
		return cli_usage(c, "--central: %s", err);
	if (token != NULL && config_set(&c->cfg, "trap", "central_token",
	    token, err, sizeof(err)) == -1)
		return cli_usage(c, "--token: %s", err);

	/* Big (paths and lists): not on the stack. */
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cli_error(c, "out of memory");
	if (trap_server_config_init(sc, &c->cfg, err, sizeof(err)) == -1 ||
	    (fc = calloc(1, sizeof(*fc))) == NULL ||
	    sensor_forward_config_init(fc, &c->cfg, err, sizeof(err)) == -1) {
		if (fc == NULL)
			snprintf(err, sizeof(err), "out of memory");
		free(fc);
		free(sc);
		return cli_error(c, "%s", err);
	}
	if (cli_daemon_begin(c, CLI_DAEMON_STORE) != CLI_OK) {
		free(fc);
		free(sc);
		return CLI_ERROR;
	}
	/* Bound and the certificate read (or made) as root; then drop. */
	srv = trap_server_new(sc, err, sizeof(err));
	free(sc);
	if (srv == NULL || cli_daemon_drop(err, sizeof(err)) == -1) {
		trap_server_free(srv);
		cli_daemon_end();
		free(fc);
		return cli_error(c, "%s", err);
	}
	/*
	 * A remote sensor (trap.central): the store the trap commits each
	 * hit to before its reply is the spool, and a thread of its own
	 * sends what it holds to the central (sensor_forward.h).
	 */
	if (fc->enabled && ((fwd = sensor_forward_new(fc, err,
	    sizeof(err))) == NULL || sensor_forward_start(fwd) == -1)) {
		if (fwd != NULL)
			snprintf(err, sizeof(err), "cannot start the "
			    "forwarding thread");
		sensor_forward_free(fwd);
		trap_server_free(srv);
		cli_daemon_end();
		free(fc);
		return cli_error(c, "%s", err);
	}
	free(fc);
	rc = cli_daemon_run(c, trap_run, trap_stop, srv);
	sensor_forward_free(fwd);
	trap_server_free(srv);
	cli_daemon_end();
	if (rc == -1)
		return cli_error(c, "the event loop failed");
	return CLI_OK;
}
