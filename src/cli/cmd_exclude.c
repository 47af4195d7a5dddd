/* cmd_exclude.c -- exclude add, del and list: ranges that are never listed. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/timefmt.h"

/* add and del take the same arguments: PREFIX [--reason TEXT]. */
static int
exclude_args(struct cli *c, int argc, char **argv, struct prefix *p,
    const char **reason)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, first;

	*reason = NULL;
	while ((ch = cli_getopt(c, argc, argv, "r:", opts, &first)) != -1) {
		if (ch != 'r' || cli_check_reason(c, optarg) == -1)
			return -1;
		*reason = optarg;
	}
	if (argc - first != 1) {
		cli_usage(c, "expected one address or prefix");
		return -1;
	}
	return cli_parse_prefix(c, argv[first], p);
}

int
cmd_exclude_add(struct cli *c, int argc, char **argv)
{
	const char *reason;
	struct prefix p;
	struct store *s;
	char pbuf[PREFIX_STRLEN];

	if (exclude_args(c, argc, argv, &p, &reason) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	if (store_exclude_add(s, &p, c->now, reason, c->who) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	prefix_format(&p, pbuf, sizeof(pbuf));
	printf("excluded %s: never listed, listings inside delisted\n", pbuf);
	return CLI_OK;
}

int
cmd_exclude_del(struct cli *c, int argc, char **argv)
{
	const char *reason;
	struct prefix p;
	struct store *s;
	char pbuf[PREFIX_STRLEN];
	int rc;

	if (exclude_args(c, argc, argv, &p, &reason) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	prefix_format(&p, pbuf, sizeof(pbuf));
	if ((rc = store_exclude_del(s, &p, c->now, reason, c->who)) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (rc == 0)
		return cli_error(c, "%s is not an exclusion (see 'exclude "
		    "list')", pbuf);
	printf("removed exclusion %s\n", pbuf);
	return CLI_OK;
}

static int
exclude_row(void *arg, const struct store_exclusion *e)
{
	struct json *w = arg;
	char pbuf[PREFIX_STRLEN], tbuf[TIMESTAMP_STRLEN];
	char who[100], why[STORE_REASON_MAX * 4];

	prefix_format(&e->prefix, pbuf, sizeof(pbuf));
	if (w != NULL) {
		json_obj_begin(w);
		json_key_str(w, "prefix", pbuf);
		json_key_time(w, "created", e->created);
		json_key_str(w, "who", e->who);
		json_key_str(w, "reason", e->reason);
		json_obj_end(w);
		return 0;
	}
	cli_safe(e->who, who, sizeof(who));
	cli_safe(e->reason, why, sizeof(why));
	printf("%-43s %-20s %-16s %s\n", pbuf,
	    cli_time(e->created, tbuf, sizeof(tbuf)), who, why);
	return 0;
}

int
cmd_exclude_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s;
	struct json w;
	int ch, first, json = 0;

	while ((ch = cli_getopt(c, argc, argv, "j", opts, &first)) != -1) {
		if (ch != 'j')
			return CLI_USAGE;
		json = 1;
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	if ((s = cli_store(c, STORE_OPEN_READONLY)) == NULL)
		return CLI_ERROR;
	if (json) {
		json_init(&w, stdout);
		json_arr_begin(&w);
	} else
		printf("%-43s %-20s %-16s %s\n", "PREFIX", "CREATED", "WHO",
		    "REASON");
	if (store_exclude_foreach(s, exclude_row, json ? &w : NULL) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (json) {
		json_arr_end(&w);
		if (json_finish(&w) == -1)
			return cli_error(c, "writing output failed");
	}
	return CLI_OK;
}
