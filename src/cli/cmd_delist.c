/* cmd_delist.c -- `backscatter delist list|approve|deny`: express delisting requests. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_web.h"
#include "core/json.h"
#include "core/timefmt.h"

/* delist list prints at most this many requests unless --limit says. */
#define DELIST_LIMIT_DEFAULT	100

struct delist_out {
	struct json	*w;		/* NULL: text */
	size_t		 n;
};

static int
delist_row(void *arg, const struct store_delist_request *q)
{
	struct delist_out *o = arg;
	char pfx[PREFIX_STRLEN], t[TIMESTAMP_STRLEN], d[TIMESTAMP_STRLEN];
	char contact[STORE_REQUESTER_MAX * 4], why[STORE_REASON_MAX * 4];
	char note[STORE_REASON_MAX * 4], by[STORE_WHO_MAX * 4];

	prefix_format(&q->prefix, pfx, sizeof(pfx));
	o->n++;
	if (o->w != NULL) {
		json_obj_begin(o->w);
		json_key_int(o->w, "id", q->id);
		json_key_time(o->w, "filed", q->t);
		json_key_str(o->w, "ip", pfx);
		json_key_str(o->w, "state", store_delist_state_name(q->state));
		json_key_str(o->w, "contact", q->requester);
		json_key_str(o->w, "reason", q->reason);
		json_key_str(o->w, "client", q->client);
		json_key_time(o->w, "decided_at", q->decided_at);
		json_key_str(o->w, "decided_by", q->decided_by);
		json_key_str(o->w, "note", q->note);
		json_obj_end(o->w);
		return 0;
	}
	/* Requests come from the web: escape them for the terminal. */
	cli_safe(q->requester, contact, sizeof(contact));
	cli_safe(q->reason, why, sizeof(why));
	cli_safe(q->note, note, sizeof(note));
	cli_safe(q->decided_by, by, sizeof(by));
	printf("%-6" PRId64 " %s  %-9s %s", q->id, cli_time(q->t, t,
	    sizeof(t)), store_delist_state_name(q->state), pfx);
	if (contact[0])
		printf(" contact=%s", contact);
	if (why[0])
		printf(" reason=\"%s\"", why);
	if (q->state != STORE_DELIST_PENDING)
		printf(" decided=%s by=%s%s%s%s", cli_time(q->decided_at, d,
		    sizeof(d)), by, note[0] ? " note=\"" : "", note,
		    note[0] ? "\"" : "");
	putchar('\n');
	return 0;
}

int
cmd_delist_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	enum store_delist_state st;
	unsigned int mask = 1u << STORE_DELIST_PENDING;
	size_t limit = DELIST_LIMIT_DEFAULT;
	struct delist_out o = { NULL, 0 };
	struct json w;
	struct store *s;
	char *end;
	int ch, first, json = 0;
	long n;

	while ((ch = cli_getopt(c, argc, argv, "s:n:j", opts, &first)) != -1) {
		switch (ch) {
		case 's':
			if (strcmp(optarg, "all") == 0)
				mask = 0;
			else if (store_delist_state_parse(optarg, &st) == 0)
				mask = 1u << st;
			else
				return cli_usage(c, "--state: pending, approved, "
				    "denied or all");
			break;
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    n < 0 || n > 1000000)
				return cli_usage(c, "--limit: 0 to 1000000");
			limit = (size_t)n;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[first]);
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	if (json) {
		json_init(&w, stdout);
		o.w = &w;
		json_obj_begin(&w);
		json_key(&w, "requests");
		json_arr_begin(&w);
	}
	if (store_delist_request_foreach(s, mask, limit, delist_row, &o) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (json) {
		json_arr_end(&w);
		json_obj_end(&w);
		if (json_finish(&w) == -1)
			return cli_error(c, "writing JSON failed");
	} else if (o.n == 0)
		printf("no %s requests\n", mask == 0 ? "delisting" :
		    store_delist_state_name(mask == 1u << STORE_DELIST_PENDING ?
		    STORE_DELIST_PENDING : mask == 1u << STORE_DELIST_APPROVED ?
		    STORE_DELIST_APPROVED : STORE_DELIST_DENIED));
	return CLI_OK;
}

static int
delist_decide(struct cli *c, int argc, char **argv, int approve)
{
	static const struct option opts[] = {
		{ "note", required_argument, NULL, 'r' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_delist_request q;
	const char *note = NULL;
	struct store *s;
	char pfx[PREFIX_STRLEN], *end;
	int ch, first, rc;
	long long id;

	while ((ch = cli_getopt(c, argc, argv, "r:", opts, &first)) != -1) {
		if (ch != 'r')
			return CLI_USAGE;
		if (cli_check_reason(c, optarg) == -1)
			return CLI_USAGE;
		note = optarg;
	}
	if (argc - first != 1)
		return cli_usage(c, "expected one request id (see 'delist "
		    "list')");
	id = strtoll(argv[first], &end, 10);
	if (argv[first][0] < '1' || argv[first][0] > '9' || *end != '\0' ||
	    id <= 0)
		return cli_usage(c, "'%s' is not a request id", argv[first]);
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	if ((rc = store_delist_request_decide(s, (int64_t)id, approve, c->now,
	    note, c->who)) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (store_delist_request_get(s, (int64_t)id, &q) != 1)
		return cli_error(c, "no request %lld", id);
	prefix_format(&q.prefix, pfx, sizeof(pfx));
	if (rc == 0)
		return cli_error(c, "request %lld (%s) was already %s", id,
		    pfx, store_delist_state_name(q.state));
	if (approve)
		printf("approved request %lld: %s delisted\n", id, pfx);
	else
		printf("denied request %lld for %s\n", id, pfx);
	return CLI_OK;
}

int
cmd_delist_approve(struct cli *c, int argc, char **argv)
{
	return delist_decide(c, argc, argv, 1);
}

int
cmd_delist_deny(struct cli *c, int argc, char **argv)
{
	return delist_decide(c, argc, argv, 0);
}
