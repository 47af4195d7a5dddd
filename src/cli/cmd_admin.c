/* cmd_admin.c -- expire, stats, export and import: whole-list operations. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/hitclass.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "listio/export.h"
#include "listio/import.h"

/* Commands that take no operands and at most --json. */
static int
json_flag_only(struct cli *c, int argc, char **argv, int *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, first;

	*json = 0;
	while ((ch = cli_getopt(c, argc, argv, "j", opts, &first)) != -1) {
		if (ch != 'j')
			return -1;
		*json = 1;
	}
	if (first != argc) {
		cli_usage(c, "unexpected argument '%s'", argv[first]);
		return -1;
	}
	return 0;
}

int
cmd_expire(struct cli *c, int argc, char **argv)
{
	struct store *s;
	int64_t n;
	int json;

	if (json_flag_only(c, argc, argv, &json) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	if (store_expire(s, c->now, c->who, &n) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (json)
		printf("{\"expired\":%" PRId64 "}\n", n);
	else
		printf("expired %" PRId64 " listing%s\n", n, n == 1 ? "" : "s");
	return CLI_OK;
}

static void
stats_json(const struct store_stats *st)
{
	struct json w;

	json_init(&w, stdout);
	json_obj_begin(&w);
	json_key_int(&w, "listed", st->listed);
	json_key(&w, "listed_by_class");
	json_obj_begin(&w);
	for (unsigned int i = 0; i < HIT_NCLASSES; i++)
		json_key_int(&w, hitclass_name((enum hit_class)i),
		    st->listed_by_class[i]);
	json_obj_end(&w);
	json_key(&w, "by_state");
	json_obj_begin(&w);
	for (unsigned int i = 0; i < LISTING_NSTATES; i++)
		json_key_int(&w, store_state_name((enum listing_state)i),
		    st->by_state[i]);
	json_obj_end(&w);
	json_key_int(&w, "hits", st->hits);
	json_key_int(&w, "hits_24h", st->hits_24h);
	json_key(&w, "hits_by_class");
	json_obj_begin(&w);
	for (unsigned int i = 0; i < HIT_NCLASSES; i++)
		json_key_int(&w, hitclass_name((enum hit_class)i),
		    st->hits_by_class[i]);
	json_obj_end(&w);
	json_key_int(&w, "exclusions", st->exclusions);
	json_key_int(&w, "serial", (int64_t)st->serial);
	json_key_int(&w, "db_bytes", st->db_bytes);
	json_obj_end(&w);
	(void)json_finish(&w);
}

int
cmd_stats(struct cli *c, int argc, char **argv)
{
	struct store_stats st;
	struct store *s;
	int json;

	if (json_flag_only(c, argc, argv, &json) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_READONLY)) == NULL)
		return CLI_ERROR;
	if (store_stats(s, c->now, &st) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (json) {
		stats_json(&st);
		return ferror(stdout) ? CLI_ERROR : CLI_OK;
	}
	printf("store           %s\n", c->cfg.store.path);
	printf("listed now      %" PRId64 "\n", st.listed);
	for (unsigned int i = 1; i < HIT_NCLASSES; i++)
		printf("  %-13s %" PRId64 "\n", hitclass_name((enum hit_class)i),
		    st.listed_by_class[i]);
	printf("pending         %" PRId64 "\n", st.by_state[LISTING_PENDING]);
	printf("delisted        %" PRId64 "\n", st.by_state[LISTING_DELISTED]);
	printf("expired         %" PRId64 "\n", st.by_state[LISTING_EXPIRED]);
	printf("hits            %" PRId64 " (%" PRId64 " in the last 24h)\n",
	    st.hits, st.hits_24h);
	for (unsigned int i = 0; i < HIT_NCLASSES; i++)
		if (i != HIT_MANUAL)
			printf("  %-13s %" PRId64 "\n",
			    hitclass_name((enum hit_class)i),
			    st.hits_by_class[i]);
	printf("exclusions      %" PRId64 "\n", st.exclusions);
	printf("serial          %" PRIu64 "\n", st.serial);
	printf("size            %" PRId64 " bytes\n", st.db_bytes);
	return CLI_OK;
}

/*
 * Writes to a temporary file beside the target and renames it over the
 * target only when complete: a reader (rbldnsd, rsync) never sees half a
 * list, and a failed export leaves the old file in place.
 */
static int
export_to_file(struct cli *c, struct store *s, enum export_format fmt,
    const struct export_opts *o, const char *path)
{
	char tmp[4096], err[512];
	FILE *fp;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp))
		return cli_error(c, "%s: path too long", path);
	if ((fd = mkstemp(tmp)) == -1)
		return cli_error(c, "%s: %s", tmp, strerror(errno));
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return cli_error(c, "%s: %s", tmp, strerror(errno));
	}
	if (export_write(s, fmt, o, fp, err, sizeof(err)) == -1) {
		fclose(fp);
		unlink(tmp);
		return cli_error(c, "%s", err);
	}
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		cli_error(c, "%s: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		return CLI_ERROR;
	}
	if (fclose(fp) == EOF) {
		unlink(tmp);
		return cli_error(c, "%s: %s", tmp, strerror(errno));
	}
	/* mkstemp makes 0600; the list is public data for mirrors. */
	if (chmod(tmp, 0644) == -1 || rename(tmp, path) == -1) {
		cli_error(c, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return CLI_ERROR;
	}
	return CLI_OK;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_opts o = {
		.now = c->now,
		.zone = c->cfg.dns.zone,
		.answer = c->cfg.dns.answer,
		.ttl = c->cfg.dns.ttl,
		.txt = c->cfg.dns.txt,
		.lookup_url = c->cfg.web.lookup_url,
	};
	enum export_format fmt;
	const char *output = NULL, *format = NULL;
	struct store *s;
	char err[512];
	int ch, first;

	while ((ch = cli_getopt(c, argc, argv, "f:o:", opts, &first)) != -1) {
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	if (format == NULL)
		return cli_usage(c, "--format is required (rbldnsd, bind, "
		    "postfix, csv, json)");
	if (export_format_parse(format, &fmt) == -1)
		return cli_usage(c, "unknown format '%s' (rbldnsd, bind, "
		    "postfix, csv, json)", format);
	if ((s = cli_store(c, STORE_OPEN_READONLY)) == NULL)
		return CLI_ERROR;
	if (store_serial(s, &o.serial) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (output != NULL && strcmp(output, "-") != 0)
		return export_to_file(c, s, fmt, &o, output);
	if (export_write(s, fmt, &o, stdout, err, sizeof(err)) == -1)
		return cli_error(c, "%s", err);
	if (fflush(stdout) == EOF)
		return cli_error(c, "writing output: %s", strerror(errno));
	return CLI_OK;
}

struct import_ctx {
	struct cli	*cli;
	struct store	*store;
	const char	*name;
	const char	*reason;
	int64_t		 ttl;
	int64_t		 listed;
	int64_t		 excluded;
	char		 err[600];
};

static int
import_entry(void *arg, const struct prefix *p, int exclude, size_t line)
{
	struct import_ctx *ic = arg;
	int rc;

	if (exclude)
		rc = store_exclude_add(ic->store, p, ic->cli->now, ic->reason,
		    ic->cli->who);
	else
		rc = store_list_add(ic->store, p, ic->cli->now, ic->ttl,
		    ic->reason, ic->cli->who);
	if (rc == -1) {
		snprintf(ic->err, sizeof(ic->err), "%s:%zu: %s", ic->name,
		    line, store_errmsg(ic->store));
		return -1;
	}
	if (exclude)
		ic->excluded++;
	else
		ic->listed++;
	return 0;
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_ctx ic = { .cli = c, .ttl = c->cfg.listing.ttl,
	    .reason = "import" };
	enum import_format fmt = IMPORT_AUTO;
	FILE *in;
	char err[600];
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "f:r:t:", opts, &first)) !=
	    -1) {
		switch (ch) {
		case 'f':
			if (import_format_parse(optarg, &fmt) == -1)
				return cli_usage(c, "unknown format '%s' "
				    "(auto, rbldnsd, plain)", optarg);
			break;
		case 'r':
			if (cli_check_reason(c, optarg) == -1)
				return CLI_USAGE;
			ic.reason = optarg;
			break;
		case 't':
			if (cli_parse_ttl(c, optarg, &ic.ttl) == -1)
				return CLI_USAGE;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - first != 1)
		return cli_usage(c, "expected one file (or - for stdin)");
	ic.name = argv[first];
	if (strcmp(ic.name, "-") == 0) {
		in = stdin;
		ic.name = "<stdin>";
	} else if ((in = fopen(ic.name, "r")) == NULL)
		return cli_error(c, "%s: %s", ic.name, strerror(errno));
	if ((ic.store = cli_store(c, STORE_OPEN_CREATE)) == NULL ||
	    store_begin(ic.store) == -1) {
		if (in != stdin)
			fclose(in);
		return ic.store ? cli_error(c, "%s",
		    store_errmsg(ic.store)) : CLI_ERROR;
	}
	err[0] = '\0';
	rc = import_read(in, ic.name, fmt, import_entry, &ic, err,
	    sizeof(err));
	if (in != stdin)
		fclose(in);
	/* All or nothing: one bad line imports none of the file. */
	if (rc == -1) {
		(void)store_rollback(ic.store);
		return cli_error(c, "%s; nothing imported",
		    ic.err[0] ? ic.err : err);
	}
	if (store_commit(ic.store) == -1)
		return cli_error(c, "%s", store_errmsg(ic.store));
	printf("imported %" PRId64 " listing%s and %" PRId64 " exclusion%s "
	    "from %s\n", ic.listed, ic.listed == 1 ? "" : "s", ic.excluded,
	    ic.excluded == 1 ? "" : "s", ic.name);
	return CLI_OK;
}
