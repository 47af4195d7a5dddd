/* cli_util.c -- argument parsing, messages and output helpers for the commands. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hitclass.h"
#include "core/json.h"
#include "core/timefmt.h"

static void	cli_vmessage(struct cli *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
cli_vmessage(struct cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "backscatter%s%s: ", c->command ? " " : "",
	    c->command ? c->command : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmessage(c, fmt, ap);
	va_end(ap);
	return CLI_ERROR;
}

int
cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmessage(c, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'backscatter %s --help'.\n",
	    c->command ? c->command : "");
	return CLI_USAGE;
}

void
cli_store_config(const struct cli *c, struct store_config *sc)
{
	store_config_from(sc, &c->cfg, c->cfg.store.path);
}

struct store *
cli_store(struct cli *c, int flags)
{
	struct store_config sc;
	char err[600];

	cli_store_config(c, &sc);
	if (c->store != NULL)
		return c->store;
	c->store = store_open(&sc, flags, err, sizeof(err));
	if (c->store == NULL)
		cli_error(c, "%s", err);
	return c->store;
}

int
cli_parse_prefix(struct cli *c, const char *arg, struct prefix *out)
{
	if (prefix_parse(arg, strlen(arg), out) == 0)
		return 0;
	cli_usage(c, "'%s' is not an IPv4/IPv6 address or CIDR prefix "
	    "(host bits must be zero: 192.0.2.0/24, 2001:db8::/32)", arg);
	return -1;
}

int
cli_parse_addr(struct cli *c, const char *arg, struct addr *out)
{
	if (addr_parse(arg, strlen(arg), out) == 0)
		return 0;
	cli_usage(c, "'%s' is not an IPv4 or IPv6 address", arg);
	return -1;
}

int
cli_parse_ttl(struct cli *c, const char *arg, int64_t *out)
{
	if (strcmp(arg, "never") == 0) {
		*out = STORE_NEVER;
		return 0;
	}
	if (duration_parse(arg, out) == 0 && *out > 0)
		return 0;
	cli_usage(c, "--ttl '%s': expected a duration such as 28d, 12h, "
	    "3600 or 'never'", arg);
	return -1;
}

int
cli_parse_time(struct cli *c, const char *arg, int64_t *out)
{
	if (timestamp_parse(arg, out) == 0)
		return 0;
	cli_usage(c, "'%s' is not a time (YYYY-MM-DD, "
	    "YYYY-MM-DDTHH:MM:SSZ or @EPOCH, UTC)", arg);
	return -1;
}

int
cli_check_reason(struct cli *c, const char *arg)
{
	const unsigned char *p;

	if (strlen(arg) >= STORE_REASON_MAX) {
		cli_usage(c, "--reason is longer than %d bytes",
		    STORE_REASON_MAX - 1);
		return -1;
	}
	for (p = (const unsigned char *)arg; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			cli_usage(c, "--reason contains a control character");
			return -1;
		}
	}
	return 0;
}

void
cli_safe(const char *in, char *out, size_t size)
{
	const unsigned char *p;
	size_t off = 0;

	if (size == 0)
		return;
	for (p = (const unsigned char *)(in ? in : ""); *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (size - off < 2)
				break;
			out[off++] = (char)*p;
		} else {
			if (size - off < 5)
				break;
			snprintf(out + off, size - off, "\\x%02x", *p);
			off += 4;
		}
	}
	out[off] = '\0';
}

const char *
cli_time(int64_t t, char *buf, size_t size)
{
	if (t == STORE_NEVER)
		snprintf(buf, size, "never");
	else if (t == 0 || timestamp_format(t, buf, size) == -1)
		snprintf(buf, size, "-");
	return buf;
}

void
cli_json_listing(struct json *w, const struct listing *l)
{
	char pfx[PREFIX_STRLEN];

	prefix_format(&l->prefix, pfx, sizeof(pfx));
	json_obj_begin(w);
	json_key_str(w, "prefix", pfx);
	json_key_str(w, "state", store_state_name(l->state));
	json_key_time(w, "listed_since", l->listed_since);
	json_key_time(w, "first_seen", l->first_seen);
	json_key_time(w, "last_seen", l->last_seen);
	json_key_time(w, "expires", l->expires);
	json_key_int(w, "hits", l->hits);
	json_key(w, "classes");
	json_arr_begin(w);
	for (unsigned int i = 0; i < HIT_NCLASSES; i++)
		if (l->classes & HIT_CLASS_BIT(i))
			json_str(w, hitclass_name((enum hit_class)i));
	json_arr_end(w);
	json_key_int(w, "times_listed", l->times_listed);
	json_key_time(w, "delisted_at", l->delisted_at);
	json_key_str(w, "delist_how", l->delist_how[0] ? l->delist_how : NULL);
	json_key_str(w, "reason", l->reason[0] ? l->reason : NULL);
	json_obj_end(w);
}

int
cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *first)
{
	int ch;

	opterr = 0;
	ch = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (ch == -1) {
		*first = optind;
		return -1;
	}
	if (ch == '?' || ch == ':') {
		if (optopt != 0 && (ch == ':' ||
		    strchr(shortopts, optopt) != NULL))
			cli_usage(c, "option -%c needs a value", optopt);
		else if (optopt != 0)
			cli_usage(c, "unknown option -%c", optopt);
		else
			cli_usage(c, "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		return '?';
	}
	return ch;
}

int
cli_append_value(struct cli *c, char *list, size_t size, const char *what,
    const char *value)
{
	size_t len = strlen(list);

	if (snprintf(list + len, size - len, "%s%s", len ? " " : "", value) >=
	    (int)(size - len)) {
		cli_usage(c, "too many %s values", what);
		return -1;
	}
	return 0;
}
