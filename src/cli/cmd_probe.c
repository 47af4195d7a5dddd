/* cmd_probe.c -- `backscatter probe`: am I a backscatterer? */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_probe.h"
#include "client/probe.h"
#include "core/json.h"
#include "core/timefmt.h"

/* "http://host:port" of web.lookup_url, for the guide's address. */
static void
probe_web_base(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (p == NULL) {
		buf[0] = '\0';
		return;
	}
	p += 3;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	if (n >= size)
		n = 0;
	memcpy(buf, url, n);
	buf[n] = '\0';
}

static void
probe_print_json(const struct probe_result *r, const char *guide_url)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key_str(&j, "verdict", probe_verdict_name(r->verdict));
	json_key_int(&j, "exit", (int64_t)r->verdict);
	json_key_str(&j, "summary", r->summary);
	json_key_str(&j, "token", r->token);
	json_key_str(&j, "sender", r->sender);
	json_key_str(&j, "rcpt", r->rcpt);
	json_key_str(&j, "host", r->host);
	json_key_str(&j, "address", r->peer);
	json_key_int(&j, "rcpt_code", r->rcpt_code);
	json_key_int(&j, "data_code", r->data_code);
	json_key_int(&j, "backscatter", r->backscatter);
	json_key_int(&j, "callouts", r->callouts);
	json_key_str(&j, "error", r->error[0] ? r->error : NULL);
	json_key_str(&j, "guide", r->guide[0] ? r->guide : NULL);
	json_key_str(&j, "guide_url", guide_url);
	json_key(&j, "dialogue");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->nsteps; i++) {
		json_obj_begin(&j);
		json_key_str(&j, "step", r->steps[i].cmd);
		json_key_int(&j, "code", r->steps[i].code);
		json_key_str(&j, "text", r->steps[i].text);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "evidence");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		json_obj_begin(&j);
		json_key_time(&j, "time", e->t);
		json_key_str(&j, "address", e->addr);
		json_key_str(&j, "class", e->class);
		json_key_str(&j, "subclass", e->subclass);
		json_key_str(&j, "helo", e->helo);
		json_key_str(&j, "mail_from", e->mail_from);
		json_key_str(&j, "excerpt", e->excerpt);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	fputc('\n', stdout);
}

static void
probe_print_text(const struct probe_result *r, const char *guide_url)
{
	char t[32], safe[PROBE_EXCERPT_MAX * 4];

	printf("probe:    %s (%s)\n", r->host[0] ? r->host : "-",
	    r->peer[0] ? r->peer : "-");
	printf("sender:   %s\nrcpt:     %s\n", r->sender, r->rcpt);
	for (size_t i = 0; i < r->nsteps; i++) {
		cli_safe(r->steps[i].text, safe, sizeof(safe));
		printf("  %-6s %d %s\n", r->steps[i].cmd, r->steps[i].code,
		    safe);
	}
	for (size_t i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		cli_safe(e->mail_from, safe, sizeof(safe));
		printf("evidence: %s from %s: %s, MAIL FROM:<%s>",
		    cli_time(e->t, t, sizeof(t)), e->addr, e->subclass, safe);
		cli_safe(e->helo, safe, sizeof(safe));
		printf(" HELO %s\n", safe);
	}
	if (r->error[0] != '\0') {
		cli_safe(r->error, safe, sizeof(safe));
		printf("note:     %s\n", safe);
	}
	printf("verdict:  %s: %s\n", probe_verdict_name(r->verdict),
	    r->summary);
	if (r->verdict != PROBE_GOOD && r->verdict != PROBE_ERROR)
		printf("fix:      %s\n", guide_url);
}

static int
probe_parse_ms(struct cli *c, const char *what, const char *arg,
    int64_t max_s, int64_t *ms)
{
	int64_t s;

	if (duration_parse(arg, &s) == -1 || s < 1 || s > max_s) {
		cli_usage(c, "%s: bad duration '%s'", what, arg);
		return -1;
	}
	*ms = s * 1000;
	return 0;
}

int
cmd_probe(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mx", required_argument, NULL, 'm' },
		{ "rcpt-domain", required_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "resolver", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_config pc;
	struct probe_result *res;
	struct store *st;
	const char *mx = NULL, *rdom = NULL, *resolver = NULL;
	char err[256], base[256], guide_url[384];
	int64_t wait_ms = -1, timeout_ms = -1;
	int ch, first, json = 0, verdict;

	while ((ch = cli_getopt(c, argc, argv, "m:r:w:t:R:j", opts,
	    &first)) != -1) {
		switch (ch) {
		case 'm':
			mx = optarg;
			break;
		case 'r':
			rdom = optarg;
			break;
		case 'w':
			if (probe_parse_ms(c, "--wait", optarg, 3600,
			    &wait_ms) == -1)
				return CLI_USAGE;
			break;
		case 't':
			if (probe_parse_ms(c, "--timeout", optarg, 600,
			    &timeout_ms) == -1)
				return CLI_USAGE;
			break;
		case 'R':
			resolver = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (first != argc - 1)
		return cli_usage(c, "one target: a domain or HOST[:PORT]");
	if (resolver != NULL && config_set(&c->cfg, "probe", "resolver",
	    resolver, err, sizeof(err)) == -1)
		return cli_usage(c, "--resolver: %s", err);
	if (probe_config_init(&pc, &c->cfg, argv[first], err,
	    sizeof(err)) == -1)
		return cli_usage(c, "%s", err);
	if (mx != NULL) {
		if (strlen(mx) >= sizeof(pc.mx))
			return cli_usage(c, "--mx: too long");
		snprintf(pc.mx, sizeof(pc.mx), "%s", mx);
	}
	if (rdom != NULL) {
		if (strlen(rdom) >= sizeof(pc.rcpt_domain))
			return cli_usage(c, "--rcpt-domain: too long");
		snprintf(pc.rcpt_domain, sizeof(pc.rcpt_domain), "%s", rdom);
	}
	if (wait_ms > 0)
		pc.wait_ms = wait_ms;
	if (timeout_ms > 0)
		pc.timeout_ms = timeout_ms;
	if ((st = cli_store(c, 0)) == NULL)
		return CLI_ERROR;
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return cli_error(c, "out of memory");
	if (probe_run(&pc, st, c->now, res, NULL, NULL) == -1) {
		cli_error(c, "%s", res->error);
		free(res);
		return CLI_ERROR;
	}
	probe_web_base(c->cfg.web.lookup_url, base, sizeof(base));
	snprintf(guide_url, sizeof(guide_url), "%s/help%s%s", base,
	    res->guide[0] ? "/" : "", res->guide);
	if (json)
		probe_print_json(res, guide_url);
	else
		probe_print_text(res, guide_url);
	verdict = (int)res->verdict;
	free(res);
	return verdict;
}
