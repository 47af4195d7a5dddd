/* cmd_milter.c -- `backscatter milter`: the policy decision as a milter. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_policy.h"
#include "client/milter.h"

/* milter_run in cli_daemon_run's thread, its error kept for the caller. */
struct milter_job {
	const struct milter_config	*mc;
	char				 err[1200];
};

static int
milter_job_run(void *arg)
{
	struct milter_job *job = arg;

	return milter_run(job->mc, job->err, sizeof(job->err));
}

/*
 * libmilter's smfi_stop: the listener stops accepting and smfi_main
 * returns once the sessions are done.
 */
static void
milter_job_stop(void *arg)
{
	(void)arg;
	smfi_stop();
}

int
cmd_milter(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "resolver", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_server_config *sc;
	struct milter_config *mc;
	struct milter_job job;
	const char *listen = NULL, *mode = NULL, *resolver = NULL;
	char err[1200];
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "l:m:r:", opts, &first)) !=
	    -1) {
		switch (ch) {
		case 'l':
			listen = optarg;
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
	if ((listen != NULL && config_set(&c->cfg, "milter", "listen",
	    listen, err, sizeof(err)) == -1) ||
	    (mode != NULL && config_set(&c->cfg, "policy", "mode", mode, err,
	    sizeof(err)) == -1) ||
	    (resolver != NULL && config_set(&c->cfg, "policy", "resolver",
	    resolver, err, sizeof(err)) == -1))
		return cli_usage(c, "%s", err);

	/* The decision's settings are the policy service's. */
	sc = calloc(1, sizeof(*sc));
	mc = calloc(1, sizeof(*mc));
	if (sc == NULL || mc == NULL) {
		free(sc);
		free(mc);
		return cli_error(c, "out of memory");
	}
	rc = CLI_USAGE;
	if (milter_conn_parse(c->cfg.milter.listen, mc->conn,
	    sizeof(mc->conn), err, sizeof(err)) == -1) {
		cli_usage(c, "milter.listen: %s", err);
		goto out;
	}
	if (cli_policy_server_config(c, sc) == -1)
		goto out;
	mc->mode = sc->mode;
	mc->dns = sc->dns;
	mc->senders = sc->senders;
	mc->cache_size = sc->cache_size;
	mc->timeout_s = (int)c->cfg.milter.timeout;
	memcpy(mc->lookup_url, sc->lookup_url, sizeof(mc->lookup_url));
	memcpy(mc->txt, sc->txt, sizeof(mc->txt));
	memcpy(mc->store_path, sc->store_path, sizeof(mc->store_path));
	mc->store = sc->store;
	mc->store.path = mc->store_path;
	/*
	 * libmilter binds inside milter_run, so privileges go first: a
	 * milter listens on an unprivileged port or a UNIX socket, and
	 * needs no root to open either.
	 */
	if (cli_daemon_begin(c, mc->mode == POLICY_MODE_STORE ?
	    CLI_DAEMON_STORE : 0) != CLI_OK) {
		rc = CLI_ERROR;
		goto out;
	}
	if (cli_daemon_drop(err, sizeof(err)) == -1) {
		rc = cli_error(c, "%s", err);
		cli_daemon_end();
		goto out;
	}
	job.mc = mc;
	job.err[0] = '\0';
	if (cli_daemon_run(c, milter_job_run, milter_job_stop, &job) == -1)
		rc = cli_error(c, "%s", job.err[0] ? job.err : "stopped");
	else
		rc = CLI_OK;
	cli_daemon_end();
out:
	free(sc);
	free(mc);
	return rc;
}
