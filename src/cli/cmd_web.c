/* cmd_web.c -- `backscatter web`: the lookup, delisting and help service. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "cli/cmd_web.h"
#include "web/web_server.h"

/*
 * SIGTERM and SIGINT stop the server through cli_daemon_run, which
 * keeps taking signals until the loop ended, so a second signal cannot
 * kill us while the store closes.
 */
static int
web_run(void *srv)
{
	return web_server_run(srv);
}

static void
web_stop(void *srv)
{
	web_server_stop(srv);
}

int
cmd_web(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help-dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct web_server_config *wc;
	struct web_server *srv;
	char listen[CONFIG_LINE_MAX + 1] = "", err[1200];
	const char *help_dir = NULL;
	size_t len;
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "l:d:", opts, &first)) != -1) {
		switch (ch) {
		case 'l':
			len = strlen(listen);
			if (snprintf(listen + len, sizeof(listen) - len, "%s%s",
			    len ? " " : "", optarg) >= (int)(sizeof(listen) -
			    len))
				return cli_usage(c, "too many --listen values");
			break;
		case 'd':
			help_dir = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	/* --listen and --help-dir replace their keys, through its checks. */
	if (listen[0] != '\0' && config_set(&c->cfg, "web", "listen", listen,
	    err, sizeof(err)) == -1)
		return cli_usage(c, "--listen: %s", err);
	if (help_dir != NULL && config_set(&c->cfg, "web", "help_dir",
	    help_dir, err, sizeof(err)) == -1)
		return cli_usage(c, "--help-dir: %s", err);

	/* Big (paths, tokens, masks): not on the stack. */
	if ((wc = calloc(1, sizeof(*wc))) == NULL)
		return cli_error(c, "out of memory");
	if (web_server_config_init(wc, &c->cfg, err, sizeof(err)) == -1) {
		free(wc);
		return cli_error(c, "%s", err);
	}
	if (cli_daemon_begin(c, CLI_DAEMON_STORE) != CLI_OK) {
		free(wc);
		return CLI_ERROR;
	}
	srv = web_server_new(wc, err, sizeof(err));
	free(wc);
	if (srv == NULL || cli_daemon_drop(err, sizeof(err)) == -1) {
		web_server_free(srv);
		cli_daemon_end();
		return cli_error(c, "%s", err);
	}
	rc = cli_daemon_run(c, web_run, web_stop, srv);
	web_server_free(srv);
	cli_daemon_end();
	if (rc == -1)
		return cli_error(c, "the event loop failed");
	return CLI_OK;
}
