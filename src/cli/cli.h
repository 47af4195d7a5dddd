/* cli.h -- the operator command line: shared state and helpers. */
#ifndef BACKSCATTER_CLI_H
#define BACKSCATTER_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/config.h"
#include "store/store.h"

/* Exit codes every command keeps. */
#define CLI_OK		0
#define CLI_ERROR	1
#define CLI_USAGE	2

/* What every command gets: the config, the clock and who is acting. */
struct cli {
	struct config	 cfg;
	int64_t		 now;		/* --now, or the wall clock */
	char		 who[STORE_WHO_MAX];	/* "cli:alice" for the audit */
	const char	*command;	/* "list add", for messages */
	struct store	*store;		/* opened by cli_store() */
	const char	*config_path;	/* -c, re-read on SIGHUP; or NULL */
	const char	*store_arg;	/* --store, or NULL */
};

struct cli_command {
	const char	*name;		/* "list add" */
	int		(*run)(struct cli *, int argc, char **argv);
	const char	*usage;		/* arguments after the name */
	const char	*help;		/* full text for --help */
};

/* The table of every command, ending with a NULL name. */
extern const struct cli_command cli_commands[];

/* The store's settings from the config (for daemons that open their own). */
void		 cli_store_config(const struct cli *, struct store_config *);

/* Opens the store once; NULL after printing the reason. */
struct store	*cli_store(struct cli *, int flags);

/* Prints "backscatter CMD: message" on stderr and returns CLI_ERROR. */
int		 cli_error(struct cli *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The same, plus a hint to --help; returns CLI_USAGE. */
int		 cli_usage(struct cli *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* Parse an argument or print why not. 0 ok, -1 (message printed). */
int		 cli_parse_prefix(struct cli *, const char *arg,
		    struct prefix *out);
int		 cli_parse_addr(struct cli *, const char *arg,
		    struct addr *out);
/* A duration or "never" (STORE_NEVER). */
int		 cli_parse_ttl(struct cli *, const char *arg, int64_t *out);
int		 cli_parse_time(struct cli *, const char *arg, int64_t *out);
/* --reason: printable text of at most STORE_REASON_MAX - 1 bytes. */
int		 cli_check_reason(struct cli *, const char *arg);

/*
 * Copies text that came from a peer (HELO, MAIL FROM) for a terminal:
 * control bytes and non-ASCII become \xNN. Always NUL-terminates.
 */
void		 cli_safe(const char *in, char *out, size_t size);

/* "2026-11-23T10:00:00Z", "never" or "-" for 0. Returns buf. */
const char	*cli_time(int64_t t, char *buf, size_t size);

/* Writes a listing as a JSON object (see core/json.h). */
struct json;
void		 cli_json_listing(struct json *, const struct listing *);

/*
 * getopt_long for a command: argv[0] is the command name. Returns the
 * option, -1 at the end (then *first is the first operand), or '?' after
 * printing what was wrong.
 */
struct option;
int		 cli_getopt(struct cli *, int argc, char **argv,
		    const char *shortopts, const struct option *longopts,
		    int *first);

/*
 * Appends value to a space-separated list (a repeated option such as
 * --listen, collected to replace a config key). -1 after a message
 * naming the option (what) when the list is full.
 */
int		 cli_append_value(struct cli *, char *list, size_t size,
		    const char *what, const char *value);

/* The commands themselves. */
int	cmd_list_add(struct cli *, int, char **);
int	cmd_list_del(struct cli *, int, char **);
int	cmd_list_show(struct cli *, int, char **);
int	cmd_list_search(struct cli *, int, char **);
int	cmd_exclude_add(struct cli *, int, char **);
int	cmd_exclude_del(struct cli *, int, char **);
int	cmd_exclude_list(struct cli *, int, char **);
int	cmd_expire(struct cli *, int, char **);
int	cmd_stats(struct cli *, int, char **);
int	cmd_export(struct cli *, int, char **);
int	cmd_import(struct cli *, int, char **);
int	cmd_dns(struct cli *, int, char **);
int	cmd_serve(struct cli *, int, char **);

#endif
