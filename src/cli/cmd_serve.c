/* cmd_serve.c -- `backscatter serve`: trap, DNS and web in one process. */
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
#include "web/web_server.h"

/*
 * What SIGTERM and SIGINT stop. Both stop functions only set a flag and
 * write to a pipe, so the handler is async-signal-safe. The pointers are
 * set before the signals are unblocked and cleared after both servers
 * are gone; a late second signal then finds nothing to do.
 */
static struct trap_server *volatile	serve_trap;
static struct dns_server *volatile	serve_dns;
static struct web_server *volatile	serve_web;

static void
serve_on_signal(int sig)
{
	(void)sig;
	trap_server_stop(serve_trap);
	dns_server_stop(serve_dns);
	web_server_stop(serve_web);
}

/* The web server's loop, in a thread of its own. */
static void *
serve_web_thread(void *arg)
{
	if (web_server_run(arg) == -1)
		log_warnx("serve: the web server's event loop failed");
	return NULL;
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
 * Starts the trap and the web server (bound, not yet accepting) and the
 * DNS server (zone loaded, answering), runs the web server in a thread
 * and the trap's loop in this one until a signal. The other threads are
 * created with SIGTERM and SIGINT blocked so that the signal always
 * lands here. One part failing to start stops the others: a
 * half-started blocklist would look healthy and not be.
 */
static int
serve_run(struct cli *c, const struct trap_server_config *tc,
    const struct dns_server_config *dc, const struct web_server_config *wc)
{
	struct trap_server *trap;
	struct web_server *web;
	struct dns_server *dns;
	struct sigaction sa;
	pthread_t web_thread;
	sigset_t block, old;
	char err[1200];
	int rc;

	if ((trap = trap_server_new(tc, err, sizeof(err))) == NULL)
		return cli_error(c, "trap: %s", err);
	if ((web = web_server_new(wc, err, sizeof(err))) == NULL) {
		trap_server_free(trap);
		return cli_error(c, "web: %s", err);
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((dns = dns_server_start(dc, err, sizeof(err))) == NULL) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		web_server_free(web);
		trap_server_free(trap);
		return cli_error(c, "dns: %s", err);
	}
	if (pthread_create(&web_thread, NULL, serve_web_thread, web) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		dns_server_stop(dns);
		dns_server_wait(dns);
		web_server_free(web);
		trap_server_free(trap);
		return cli_error(c, "web: cannot start its thread");
	}
	serve_trap = trap;
	serve_dns = dns;
	serve_web = web;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("serve: trap, dns and web running");

	rc = trap_server_run(trap);
	/* The trap returns on a signal, or when its loop failed. */
	web_server_stop(web);
	dns_server_stop(dns);
	pthread_join(web_thread, NULL);
	dns_server_wait(dns);
	serve_web = NULL;
	serve_dns = NULL;
	serve_trap = NULL;
	web_server_free(web);
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
		{ "web-listen", required_argument, NULL, 'W' },
		{ "trap-listen", required_argument, NULL, 'T' },
		{ "domain", required_argument, NULL, 'd' },
		{ "zone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	char dns_listen[CONFIG_LINE_MAX + 1] = "";
	char web_listen[CONFIG_LINE_MAX + 1] = "";
	char trap_listen[CONFIG_LINE_MAX + 1] = "";
	char domains[CONFIG_LINE_MAX + 1] = "";
	struct trap_server_config *tc = NULL;
	struct dns_server_config *dc = NULL;
	struct web_server_config *wc = NULL;
	const char *zone = NULL;
	char err[1200];
	int ch, first, rc = CLI_USAGE;

	while ((ch = cli_getopt(c, argc, argv, "D:W:T:d:z:", opts, &first)) !=
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
	    serve_override(c, "trap", "listen", trap_listen,
	    "--trap-listen") == -1 ||
	    serve_override(c, "trap", "domains", domains, "--domain") == -1 ||
	    (zone != NULL && serve_override(c, "dns", "zone", zone,
	    "--zone") == -1))
		return CLI_USAGE;

	/* All three are big (paths, lists, names): not on the stack. */
	if ((tc = calloc(1, sizeof(*tc))) == NULL ||
	    (dc = calloc(1, sizeof(*dc))) == NULL ||
	    (wc = calloc(1, sizeof(*wc))) == NULL) {
		rc = cli_error(c, "out of memory");
		goto out;
	}
	if (trap_server_config_init(tc, &c->cfg, err, sizeof(err)) == -1) {
		rc = cli_error(c, "%s", err);
		goto out;
	}
	if (web_server_config_init(wc, &c->cfg, err, sizeof(err)) == -1) {
		rc = cli_error(c, "%s", err);
		goto out;
	}
	if (cli_dns_server_config(c, dc, c->cfg.dns.zone) == -1)
		goto out;
	rc = serve_run(c, tc, dc, wc);
out:
	free(tc);
	free(dc);
	free(wc);
	return rc;
}
