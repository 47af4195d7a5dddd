/* cmd_list.c -- list add, del, show and search: the operator's view of listings. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hitclass.h"
#include "core/json.h"
#include "core/special.h"
#include "core/timefmt.h"

/* What list show prints of the evidence and the history. */
#define SHOW_HITS_MAX		10
#define SHOW_HISTORY_MAX	20
/* A search prints at most this many rows unless --limit says otherwise. */
#define SEARCH_LIMIT_DEFAULT	1000

int
cmd_list_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	int64_t ttl = c->cfg.listing.ttl;
	struct prefix p;
	struct store *s;
	char pbuf[PREFIX_STRLEN], tbuf[32];
	int ch, first;

	while ((ch = cli_getopt(c, argc, argv, "r:t:", opts, &first)) != -1) {
		switch (ch) {
		case 'r':
			if (cli_check_reason(c, optarg) == -1)
				return CLI_USAGE;
			reason = optarg;
			break;
		case 't':
			if (cli_parse_ttl(c, optarg, &ttl) == -1)
				return CLI_USAGE;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - first != 1)
		return cli_usage(c, "expected one address or prefix");
	if (cli_parse_prefix(c, argv[first], &p) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	if (store_list_add(s, &p, c->now, ttl, reason, c->who) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	prefix_format(&p, pbuf, sizeof(pbuf));
	if (ttl == STORE_NEVER)
		printf("listed %s, never expires\n", pbuf);
	else {
		duration_format(ttl, tbuf, sizeof(tbuf));
		printf("listed %s for %s\n", pbuf, tbuf);
	}
	return CLI_OK;
}

int
cmd_list_del(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	struct prefix p;
	struct store *s;
	char pbuf[PREFIX_STRLEN];
	int ch, first, rc;

	while ((ch = cli_getopt(c, argc, argv, "r:", opts, &first)) != -1) {
		if (ch != 'r')
			return CLI_USAGE;
		if (cli_check_reason(c, optarg) == -1)
			return CLI_USAGE;
		reason = optarg;
	}
	if (argc - first != 1)
		return cli_usage(c, "expected one address or prefix");
	if (cli_parse_prefix(c, argv[first], &p) == -1)
		return CLI_USAGE;
	if ((s = cli_store(c, STORE_OPEN_CREATE)) == NULL)
		return CLI_ERROR;
	prefix_format(&p, pbuf, sizeof(pbuf));
	rc = store_list_del(s, &p, c->now, "operator", reason, c->who);
	if (rc == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (rc == 0)
		return cli_error(c, "%s is not listed (a wider or narrower "
		    "listing is its own entry: see 'list search --prefix')",
		    pbuf);
	printf("delisted %s\n", pbuf);
	return CLI_OK;
}

/* Everything list show gathers before it prints. */
struct show {
	struct addr	 addr;
	char		 query[ADDR_STRLEN];
	int		 listed;
	struct listing	 active;	/* the covering listing, if listed */
	int		 has_host;
	struct listing	 host;		/* the /128 row, any state */
	int		 excluded;
	struct prefix	 exclusion;
	const char	*special;
	const char	*special_range;
};

static int
show_hit_text(void *arg, int64_t id, const struct store_hit *h)
{
	char tbuf[TIMESTAMP_STRLEN], helo[300], from[300], rcpt[300];
	char sub[100], sensor[100];

	(void)arg;
	(void)id;
	cli_safe(h->helo, helo, sizeof(helo));
	cli_safe(h->mail_from, from, sizeof(from));
	cli_safe(h->rcpt, rcpt, sizeof(rcpt));
	cli_safe(h->subclass, sub, sizeof(sub));
	cli_safe(h->sensor, sensor, sizeof(sensor));
	printf("  %s  %-9s %s helo=%s from=<%s> rcpt=<%s> sensor=%s\n",
	    cli_time(h->t, tbuf, sizeof(tbuf)),
	    hitclass_name(h->class) ? hitclass_name(h->class) : "?",
	    sub[0] ? sub : "-", helo[0] ? helo : "-", from, rcpt,
	    sensor[0] ? sensor : "-");
	return 0;
}

static int
show_audit_text(void *arg, const struct store_audit *a)
{
	char tbuf[TIMESTAMP_STRLEN], who[100], why[STORE_REASON_MAX * 4];

	(void)arg;
	cli_safe(a->who, who, sizeof(who));
	cli_safe(a->reason, why, sizeof(why));
	printf("  %s  %-12s %s%s%s\n", cli_time(a->t, tbuf, sizeof(tbuf)),
	    a->action, who, why[0] ? ": " : "", why);
	return 0;
}

static void
show_listing_text(const char *title, const struct listing *l, int64_t now)
{
	char pbuf[PREFIX_STRLEN], tbuf[TIMESTAMP_STRLEN], cbuf[80], left[32];

	prefix_format(&l->prefix, pbuf, sizeof(pbuf));
	hitclass_mask_format(l->classes, cbuf, sizeof(cbuf));
	printf("%s %s (%s)\n", title, pbuf, store_state_name(l->state));
	printf("  classes       %s\n", cbuf);
	printf("  listed since  %s\n", cli_time(l->listed_since, tbuf,
	    sizeof(tbuf)));
	printf("  first seen    %s\n", cli_time(l->first_seen, tbuf,
	    sizeof(tbuf)));
	printf("  last seen     %s\n", cli_time(l->last_seen, tbuf,
	    sizeof(tbuf)));
	if (l->state == LISTING_LISTED && l->expires != STORE_NEVER &&
	    duration_format(l->expires - now, left, sizeof(left)) == 0)
		printf("  expires       %s (in %s)\n", cli_time(l->expires,
		    tbuf, sizeof(tbuf)), left);
	else
		printf("  expires       %s\n", cli_time(l->expires, tbuf,
		    sizeof(tbuf)));
	printf("  hits          %" PRId64 "\n", l->hits);
	printf("  times listed  %d\n", l->times_listed);
	if (l->delisted_at != 0)
		printf("  delisted      %s (%s)\n", cli_time(l->delisted_at,
		    tbuf, sizeof(tbuf)), l->delist_how);
	if (l->reason[0] != '\0')
		printf("  reason        %s\n", l->reason);
}

static int
show_text(struct cli *c, struct store *s, const struct show *sh)
{
	char pbuf[PREFIX_STRLEN];

	printf("%s: %s\n", sh->query, sh->listed ? "LISTED" : "not listed");
	if (sh->excluded) {
		prefix_format(&sh->exclusion, pbuf, sizeof(pbuf));
		printf("  excluded by %s: never listed\n", pbuf);
	}
	if (sh->special != NULL)
		printf("  in the special-purpose range %s (%s): hits from it "
		    "are not listed\n", sh->special_range, sh->special);
	if (sh->listed && (!sh->has_host ||
	    sh->active.prefix.len != sh->host.prefix.len))
		show_listing_text("covered by", &sh->active, c->now);
	if (sh->has_host)
		show_listing_text("listing", &sh->host, c->now);
	printf("recent hits (newest first):\n");
	if (store_hits_foreach(s, &sh->addr, SHOW_HITS_MAX, show_hit_text,
	    NULL) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	printf("history:\n");
	prefix_format(&sh->host.prefix, pbuf, sizeof(pbuf));
	if (store_audit_foreach(s, pbuf, SHOW_HISTORY_MAX, show_audit_text,
	    NULL) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	return CLI_OK;
}

static int
show_hit_json(void *arg, int64_t id, const struct store_hit *h)
{
	struct json *w = arg;

	json_obj_begin(w);
	json_key_int(w, "id", id);
	json_key_time(w, "time", h->t);
	json_key_str(w, "class", hitclass_name(h->class));
	json_key_str(w, "subclass", h->subclass);
	json_key_str(w, "sensor", h->sensor);
	json_key_str(w, "helo", h->helo);
	json_key_str(w, "mail_from", h->mail_from);
	json_key_str(w, "rcpt", h->rcpt);
	json_key_str(w, "excerpt", h->excerpt);
	json_obj_end(w);
	return 0;
}

static int
show_audit_json(void *arg, const struct store_audit *a)
{
	struct json *w = arg;

	json_obj_begin(w);
	json_key_time(w, "time", a->t);
	json_key_str(w, "who", a->who);
	json_key_str(w, "action", a->action);
	json_key_str(w, "reason", a->reason);
	json_obj_end(w);
	return 0;
}

static int
show_json(struct cli *c, struct store *s, const struct show *sh)
{
	struct json w;
	char pbuf[PREFIX_STRLEN];
	int rc = 0;

	json_init(&w, stdout);
	json_obj_begin(&w);
	json_key_str(&w, "query", sh->query);
	json_key_bool(&w, "listed", sh->listed);
	json_key(&w, "listing");
	if (sh->listed)
		cli_json_listing(&w, &sh->active);
	else
		json_null_value(&w);
	json_key(&w, "host");
	if (sh->has_host)
		cli_json_listing(&w, &sh->host);
	else
		json_null_value(&w);
	prefix_format(&sh->exclusion, pbuf, sizeof(pbuf));
	json_key_str(&w, "excluded_by", sh->excluded ? pbuf : NULL);
	json_key_str(&w, "special", sh->special);
	json_key(&w, "hits");
	json_arr_begin(&w);
	rc |= store_hits_foreach(s, &sh->addr, SHOW_HITS_MAX, show_hit_json,
	    &w);
	json_arr_end(&w);
	json_key(&w, "history");
	json_arr_begin(&w);
	prefix_format(&sh->host.prefix, pbuf, sizeof(pbuf));
	rc |= store_audit_foreach(s, pbuf, SHOW_HISTORY_MAX, show_audit_json,
	    &w);
	json_arr_end(&w);
	json_obj_end(&w);
	if (rc != 0)
		return cli_error(c, "%s", store_errmsg(s));
	if (json_finish(&w) == -1)
		return cli_error(c, "writing output failed");
	return CLI_OK;
}

int
cmd_list_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct show sh;
	struct store *s;
	int ch, first, json = 0, rc;

	while ((ch = cli_getopt(c, argc, argv, "j", opts, &first)) != -1) {
		if (ch != 'j')
			return CLI_USAGE;
		json = 1;
	}
	if (argc - first != 1)
		return cli_usage(c, "expected one address");
	memset(&sh, 0, sizeof(sh));
	if (cli_parse_addr(c, argv[first], &sh.addr) == -1)
		return CLI_USAGE;
	addr_format(&sh.addr, sh.query, sizeof(sh.query));
	if ((s = cli_store(c, STORE_OPEN_READONLY)) == NULL)
		return CLI_ERROR;
	prefix_from_addr(&sh.host.prefix, &sh.addr);
	if ((sh.listed = store_lookup(s, &sh.addr, c->now, &sh.active)) == -1 ||
	    (rc = store_listing_get(s, &sh.host.prefix, c->now, &sh.host)) ==
	    -1 ||
	    (sh.excluded = store_is_excluded(s, &sh.addr, &sh.exclusion)) ==
	    -1)
		return cli_error(c, "%s", store_errmsg(s));
	sh.has_host = rc;
	if (!sh.has_host)
		prefix_from_addr(&sh.host.prefix, &sh.addr);
	sh.special = special_match(&sh.addr, c->cfg.listing.allow_special,
	    &sh.special_range);
	return json ? show_json(c, s, &sh) : show_text(c, s, &sh);
}

struct search {
	struct json	*json;
	size_t		 n;
};

static int
search_row(void *arg, const struct listing *l)
{
	struct search *sr = arg;
	char pbuf[PREFIX_STRLEN], since[TIMESTAMP_STRLEN];
	char last[TIMESTAMP_STRLEN], exp[TIMESTAMP_STRLEN], cbuf[80];

	sr->n++;
	if (sr->json != NULL) {
		cli_json_listing(sr->json, l);
		return 0;
	}
	prefix_format(&l->prefix, pbuf, sizeof(pbuf));
	hitclass_mask_format(l->classes, cbuf, sizeof(cbuf));
	printf("%-39s %-8s %-20s %-20s %-20s %6" PRId64 " %s\n", pbuf,
	    store_state_name(l->state),
	    cli_time(l->listed_since, since, sizeof(since)),
	    cli_time(l->last_seen, last, sizeof(last)),
	    cli_time(l->expires, exp, sizeof(exp)), l->hits, cbuf);
	return 0;
}

static int
class_bit(const char *name, unsigned int *bit)
{
	enum hit_class hc;

	if (hitclass_parse(name, &hc) == -1)
		return -1;
	*bit = HIT_CLASS_BIT(hc);
	return 0;
}

static int
state_bit(const char *name, unsigned int *bit)
{
	enum listing_state st;

	if (strcmp(name, "all") == 0) {
		*bit = (1u << LISTING_NSTATES) - 1;
		return 0;
	}
	if (store_state_parse(name, &st) == -1)
		return -1;
	*bit = 1u << st;
	return 0;
}

/*
 * A list such as "bounce,callout" (commas and/or spaces; the option may
 * also repeat) into a mask, each word through bit(). -1 after a message
 * naming the unknown word and the choices.
 */
static int
search_mask(struct cli *c, const char *arg, const char *what,
    const char *choices, int (*bit)(const char *, unsigned int *),
    unsigned int *mask)
{
	char buf[128], *tok, *save = NULL;
	unsigned int b;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf)) {
		cli_usage(c, "--%s list too long", what);
		return -1;
	}
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (bit(tok, &b) == -1) {
			cli_usage(c, "unknown %s '%s' (%s)", what, tok,
			    choices);
			return -1;
		}
		*mask |= b;
	}
	return 0;
}

int
cmd_list_search(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 'S' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_filter f = { .now = c->now, .limit = SEARCH_LIMIT_DEFAULT };
	struct prefix within;
	struct search sr = { NULL, 0 };
	struct json w;
	struct store *s;
	char *end;
	unsigned long long n;
	int ch, first, json = 0;

	while ((ch = cli_getopt(c, argc, argv, "c:s:p:S:n:j", opts,
	    &first)) != -1) {
		switch (ch) {
		case 'c':
			if (search_mask(c, optarg, "class", "bounce, "
			    "autoreply, callout, manual, other", class_bit,
			    &f.classes) == -1)
				return CLI_USAGE;
			break;
		case 's':
			if (cli_parse_time(c, optarg, &f.since) == -1)
				return CLI_USAGE;
			break;
		case 'p':
			if (cli_parse_prefix(c, optarg, &within) == -1)
				return CLI_USAGE;
			f.within = &within;
			break;
		case 'S':
			if (search_mask(c, optarg, "state", "listed, "
			    "pending, delisted, expired, all", state_bit,
			    &f.states) == -1)
				return CLI_USAGE;
			break;
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' ||
			    errno != 0 || n > 100000000ULL)
				return cli_usage(c, "--limit '%s': expected a "
				    "number, 0 for no limit", optarg);
			f.limit = (size_t)n;
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
	if ((s = cli_store(c, STORE_OPEN_READONLY)) == NULL)
		return CLI_ERROR;
	if (json) {
		json_init(&w, stdout);
		json_arr_begin(&w);
		sr.json = &w;
	} else
		printf("%-39s %-8s %-20s %-20s %-20s %6s %s\n", "PREFIX",
		    "STATE", "LISTED-SINCE", "LAST-SEEN", "EXPIRES", "HITS",
		    "CLASSES");
	if (store_listing_foreach(s, &f, search_row, &sr) == -1)
		return cli_error(c, "%s", store_errmsg(s));
	if (json) {
		json_arr_end(&w);
		if (json_finish(&w) == -1)
			return cli_error(c, "writing output failed");
	} else if (f.limit != 0 && sr.n == f.limit)
		fprintf(stderr, "(stopped at --limit %zu)\n", f.limit);
	return CLI_OK;
}
