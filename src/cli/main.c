/* main.c -- `backscatter <command>`: global options, configuration and dispatch. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_policy.h"
#include "cli/cmd_probe.h"
#include "cli/cmd_trap.h"
#include "cli/cmd_web.h"
#include "core/log.h"

#define GLOBAL_USAGE \
	"usage: backscatter [-c FILE] [--store PATH] [--now TIME] COMMAND [ARGS]\n"

const struct cli_command cli_commands[] = {
	{ "list add", cmd_list_add,
	  "PREFIX [--reason TEXT] [--ttl DURATION|never]",
	  "List an address or CIDR prefix by hand (class \"manual\"). The\n"
	  "listing expires --ttl after now (default listing.ttl, 28d); adding\n"
	  "it again restarts that clock. A prefix inside an exclusion is\n"
	  "refused. Audited with --reason.\n" },
	{ "list del", cmd_list_del, "PREFIX [--reason TEXT]",
	  "Delist exactly this address or prefix now (DNS stops answering\n"
	  "it). A new trap hit lists it again. Audited with --reason.\n" },
	{ "list show", cmd_list_show, "ADDRESS [--json]",
	  "Is ADDRESS listed? Shows the covering listing, the address's own\n"
	  "record (state, since, last seen, expiry, classes, hits, times\n"
	  "listed), exclusions and special ranges that apply, the newest\n"
	  "hits (evidence) and the audit history.\n" },
	{ "list search",
	  cmd_list_search,
	  "[--class C,..] [--since TIME] [--prefix CIDR] [--state S,..|all]\n"
	  "                [--limit N] [--json]",
	  "Listings in address order. --state defaults to listed (active\n"
	  "now); --class matches any class seen (bounce, autoreply, callout,\n"
	  "manual); --since filters on the start of the listing; --limit\n"
	  "defaults to 1000, 0 for all.\n" },
	{ "exclude add", cmd_exclude_add, "PREFIX [--reason TEXT]",
	  "Never list this range: hits inside are recorded but not listed,\n"
	  "lookups inside answer \"not listed\", and listings lying inside are\n"
	  "delisted now. Special-purpose ranges (RFC 6890) are always\n"
	  "excluded from hit listing and need no entry.\n" },
	{ "exclude del", cmd_exclude_del, "PREFIX [--reason TEXT]",
	  "Remove an exclusion. Listings it delisted stay delisted.\n" },
	{ "exclude list", cmd_exclude_list, "[--json]",
	  "The operator's exclusions.\n" },
	{ "expire", cmd_expire, "[--json]",
	  "Journal listings whose expiry has passed as expired. Answers never\n"
	  "wait for this: an expired listing is not answered to the second.\n"
	  "Running it twice changes nothing.\n" },
	{ "stats", cmd_stats, "[--json]",
	  "Counts of listings by state and class, hits, exclusions, the\n"
	  "journal serial and the store's size.\n" },
	{ "export", cmd_export,
	  "--format rbldnsd|bind|postfix|csv|json [-o FILE]",
	  "Write the listings active now. rbldnsd: a combined ip4set+ip6trie\n"
	  "dataset for `rbldnsd ZONE:combined:FILE`; bind: a master file for\n"
	  "dns.zone; postfix: a cidr: table for check_client_access inside a\n"
	  "null-sender restriction class; csv and json for scripts. With -o\n"
	  "the file is replaced atomically (temporary file + rename).\n" },
	{ "import", cmd_import,
	  "[--format auto|rbldnsd|plain] [--reason TEXT] [--ttl D|never] FILE|-",
	  "Migrate an existing list: rbldnsd ip4set/ip6trie data (\"!\" lines\n"
	  "become exclusions) or one address or CIDR per line. Entries become\n"
	  "manual listings with --ttl (default listing.ttl). One transaction:\n"
	  "a bad line (reported as FILE:LINE) imports nothing.\n" },
	{ "dns", cmd_dns,
	  "[--listen ADDR:PORT]... [--zone NAME] [--threads N]",
	  "Serve the list as an authoritative DNS zone (RFC 5782) on UDP and\n"
	  "TCP: listed d.c.b.a.ZONE and IPv6 nibble names answer A (dns.answer)\n"
	  "and TXT (dns.txt); others NXDOMAIN. Loads the store into memory at\n"
	  "start and follows its journal every dns.poll_interval, so a change\n"
	  "made by any process is answered within a second. --listen (repeat\n"
	  "it; [::1]:PORT for IPv6) replaces dns.listen. Logs to stderr; stops\n"
	  "cleanly on SIGTERM.\n" },
	{ "trap", cmd_trap,
	  "[--listen ADDR:PORT]... [--domain DOMAIN]...\n"
	  "\t[--central URL --token TOKEN]",
	  "Run the SMTP spamtrap for trap.domains (--domain, repeatable,\n"
	  "replaces them). Mail to any other domain gets 550 5.7.1; nothing is\n"
	  "ever relayed or sent. Each transaction that reaches a trap address\n"
	  "is classified (bounce, autoreply, callout, other) and recorded in\n"
	  "the store before the client's 250 is written; if the store fails,\n"
	  "the client gets 451. ESMTP with PIPELINING, SIZE, 8BITMIME and\n"
	  "STARTTLS (a self-signed certificate is made next to the store on the\n"
	  "first run unless trap.tls_cert names one); PROXY protocol v1/v2 from\n"
	  "trap.proxy_trusted. --listen (repeat it; [::1]:PORT for IPv6)\n"
	  "replaces trap.listen, default 127.0.0.1:2525 and [::1]:2525. Logs to\n"
	  "stderr; on SIGTERM it stops accepting, finishes messages being\n"
	  "received, says 421 to the rest and exits. With --central (trap.central)\n"
	  "it is a remote sensor: its store is a durable spool, and a thread\n"
	  "posts every hit, with its unique id, to URL/api/v1/hits with the\n"
	  "bearer --token (trap.central_token), retrying with capped backoff;\n"
	  "nothing is lost or counted twice across restarts or kill -9.\n" },
	{ "serve", cmd_serve,
	  "[--trap-listen ADDR:PORT]... [--dns-listen ADDR:PORT]...\n"
	  "\t[--web-listen ADDR:PORT]... [--policy-listen ADDR:PORT]...\n"
	  "\t[--domain DOMAIN]... [--zone NAME]",
	  "Run the trap, the DNS server, the web lookup and the policy service\n"
	  "in one process on one store: the all-in-one for a first\n"
	  "installation. Defaults are unprivileged: SMTP on 127.0.0.1:2525 and\n"
	  "[::1]:2525 (trap.listen), DNS on 127.0.0.1:5353 (dns.listen), HTTP\n"
	  "on 127.0.0.1:8080 and [::1]:8080 (web.listen), the policy service on\n"
	  "127.0.0.1:10040 (policy.listen, reading the store directly), the\n"
	  "store in ./var/. A hit the trap records is answered by DNS within a\n"
	  "second. The options replace those keys, trap.domains and dns.zone.\n"
	  "If one part cannot start, none runs. SIGTERM stops all cleanly.\n" },
	{ "policy", cmd_policy,
	  "[--listen ADDR:PORT|unix:/PATH]... [--mode dns|store]\n"
	  "\t[--resolver ADDR:PORT]",
	  "Run the Postfix policy service (check_policy_service). Only for a\n"
	  "null sender <> or a sender whose local part is in policy.senders\n"
	  "(postmaster) is the client address looked up in policy.zones\n"
	  "(default: dns.zone); a listing answers \"550 5.7.1\" with the\n"
	  "TXT reason or the lookup URL, which rejects that message, never the\n"
	  "host. Everything else, and every DNS error or timeout, answers\n"
	  "DUNNO (fail open). Answers are cached for their TTL. --mode store\n"
	  "reads the store beside the list instead of DNS. --listen (repeat\n"
	  "it) replaces policy.listen, default 127.0.0.1:10040; --resolver\n"
	  "replaces policy.resolver (default: the system's resolv.conf).\n"
	  "Logs to stderr; stops on SIGTERM.\n" },
	{ "milter", cmd_milter,
	  "[--listen ADDR:PORT|unix:/PATH] [--mode dns|store]\n"
	  "\t[--resolver ADDR:PORT]",
	  "The same decision as a milter (smtpd_milters, Sendmail's\n"
	  "INPUT_MAIL_FILTER): at MAIL FROM, a listed client with a sender we\n"
	  "look up gets 550 5.7.1 for that transaction only; the connection\n"
	  "stays. Uses the [policy] settings; --listen replaces milter.listen,\n"
	  "default 127.0.0.1:8895. Stops on SIGTERM.\n" },
	{ "web", cmd_web, "[--listen ADDR:PORT]... [--help-dir DIR]",
	  "Serve the lookup pages, the fix guides, express delisting, the\n"
	  "JSON API (/api/v1/openapi.json), statistics and /metrics over\n"
	  "HTTP. Reads the store through its own connection and writes only\n"
	  "delisting requests and admin actions, each audited. --listen\n"
	  "(repeat it) replaces web.listen, default 127.0.0.1:8080 and\n"
	  "[::1]:8080; --help-dir replaces web.help_dir (the Markdown guides).\n"
	  "Put a TLS proxy in front of it for the public. Stops on SIGTERM.\n"
	  "Also serves /download/ZONE.rbldnsd.gz and writes feed.path (the\n"
	  "rbldnsd feed, rebuilt when the list changes, at most every\n"
	  "feed.interval), and takes remote sensors' hits at POST\n"
	  "/api/v1/hits with a token from web.sensor_tokens.\n" },
	{ "delist list", cmd_delist_list,
	  "[--state pending|approved|denied|all] [--limit N] [--json]",
	  "Express delisting requests, newest first; pending ones by default.\n"
	  "Contact and reason come from the requester and are shown escaped.\n" },
	{ "delist approve", cmd_delist_approve, "ID [--note TEXT]",
	  "Approve a pending request: the address is delisted now (DNS stops\n"
	  "answering it within a second) and the approval is audited. A new\n"
	  "trap hit lists it again.\n" },
	{ "delist deny", cmd_delist_deny, "ID [--note TEXT]",
	  "Deny a pending request; the listing stays until it expires. Audited\n"
	  "with --note.\n" },
	{ "probe", cmd_probe,
	  "DOMAIN|HOST[:PORT] [--mx HOST:PORT] [--rcpt-domain D] [--wait D]\n"
	  "\t[--timeout D] [--resolver ADDR:PORT] [--json]",
	  "Am I a backscatterer? Connects to the target's MX (or HOST:PORT,\n"
	  "or --mx), sends MAIL FROM a unique probe address at the first\n"
	  "trap domain (probe.domain) and RCPT TO a made-up recipient. A\n"
	  "5xx at RCPT is good; if it is accepted, a short test message\n"
	  "follows and the trap beside this store (serve or trap, same\n"
	  "store) is watched for --wait (probe.wait, 2m) for a bounce or\n"
	  "auto-reply to the probe address; a connection back to it during\n"
	  "the probe is a sender callout. Hits caused by the probe are kept\n"
	  "as evidence but never list the target. Exit: 0 good, 1 error,\n"
	  "2 usage, 3 backscatter, 4 callout, 5 both, 6 inconclusive.\n" },
	{ NULL, NULL, NULL, NULL },
};

static void
usage_all(FILE *out)
{
	fputs(GLOBAL_USAGE, out);
	fputs("\nA backscatter and sender-callout blocklist: spamtrap, DNSBL, "
	    "lookup.\n\nCommands:\n", out);
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		fprintf(out, "  %s %s\n", cmd->name, cmd->usage);
	fputs("  help [COMMAND]\n"
	    "\nGlobal options (before the command):\n"
	    "  -c, --config FILE  INI file (etc/backscatter.conf documents "
	    "every key;\n"
	    "                     without it, built-in defaults)\n"
	    "  --store PATH       the SQLite store (overrides store.path,\n"
	    "                     default ./var/backscatter.db)\n"
	    "  --now TIME         act as of TIME (YYYY-MM-DDTHH:MM:SSZ or "
	    "@EPOCH, UTC)\n"
	    "  -h, --help         this text; COMMAND --help for one command\n"
	    "  -V, --version      print the version\n"
	    "\nDaemons (serve, dns, trap, web, policy, milter): SIGTERM stops "
	    "cleanly,\nSIGHUP reloads [log] and reopens the log file. Started "
	    "as root they\ndrop to [process] user once bound, or refuse to "
	    "run (unless\nBACKSCATTER_ALLOW_ROOT=1).\n"
	    "\nExit status: 0 ok, 1 error, 2 usage. See backscatter(8).\n",
	    out);
}

static void
usage_command(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "usage: backscatter %s %s\n\n%s", cmd->name, cmd->usage,
	    cmd->help);
}

/*
 * Finds the command named by the first one or two words of argv.
 * *words gets how many words the name took.
 */
static const struct cli_command *
find_command(int argc, char **argv, int *words)
{
	size_t n0 = strlen(argv[0]);

	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++) {
		const char *space = strchr(cmd->name, ' ');

		if (space == NULL) {
			if (strcmp(cmd->name, argv[0]) == 0) {
				*words = 1;
				return cmd;
			}
			continue;
		}
		if ((size_t)(space - cmd->name) == n0 &&
		    strncmp(cmd->name, argv[0], n0) == 0 && argc > 1 &&
		    strcmp(space + 1, argv[1]) == 0) {
			*words = 2;
			return cmd;
		}
	}
	return NULL;
}

/* "list" alone or with an unknown word: show what it offers. */
static int
unknown_command(int argc, char **argv)
{
	size_t n0 = strlen(argv[0]);
	int group = 0;

	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		if (strncmp(cmd->name, argv[0], n0) == 0 &&
		    cmd->name[n0] == ' ')
			group = 1;
	if (group && argc > 1)
		fprintf(stderr, "backscatter: unknown command '%s %s'\n",
		    argv[0], argv[1]);
	else if (group)
		fprintf(stderr, "backscatter: '%s' needs a subcommand\n",
		    argv[0]);
	else
		fprintf(stderr, "backscatter: unknown command '%s'\n", argv[0]);
	fputs(GLOBAL_USAGE, stderr);
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		if (!group || (strncmp(cmd->name, argv[0], n0) == 0 &&
		    cmd->name[n0] == ' '))
			fprintf(stderr, "  %s %s\n", cmd->name, cmd->usage);
	fputs("Try 'backscatter --help'.\n", stderr);
	return CLI_USAGE;
}

static int
help_command(int argc, char **argv)
{
	const struct cli_command *cmd;
	int words;

	if (argc == 0) {
		usage_all(stdout);
		return CLI_OK;
	}
	if ((cmd = find_command(argc, argv, &words)) == NULL)
		return unknown_command(argc, argv);
	usage_command(cmd, stdout);
	return CLI_OK;
}

/* "cli:alice": the invoking user, through sudo when there is one. */
static void
set_who(struct cli *c)
{
	const char *user = getenv("SUDO_USER");
	struct passwd *pw;

	if (user == NULL || *user == '\0') {
		pw = getpwuid(geteuid());
		user = pw ? pw->pw_name : NULL;
	}
	if (user != NULL)
		snprintf(c->who, sizeof(c->who), "cli:%.50s", user);
	else
		snprintf(c->who, sizeof(c->who), "cli:uid%u",
		    (unsigned int)geteuid());
}

/* Whether --help or -h stands among a command's arguments. */
static int
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd;
	const char *config_path = NULL, *store_path = NULL, *now_arg = NULL;
	struct cli c;
	char err[1200];
	int ch, words, rc;

	memset(&c, 0, sizeof(c));
	log_init("backscatter", LOG_LEVEL_INFO);
	opterr = 0;
	/* "+": stop at the command; its own options are parsed later. */
	while ((ch = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			store_path = optarg;
			break;
		case 'n':
			now_arg = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return CLI_OK;
		case 'V':
			printf("backscatter %s\n", BACKSCATTER_VERSION);
			return CLI_OK;
		default:
			fprintf(stderr, "backscatter: unknown option or missing "
			    "value: '%s'\n", argv[optind - 1]);
			fputs(GLOBAL_USAGE "Try 'backscatter --help'.\n",
			    stderr);
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_all(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return help_command(argc - 1, argv + 1);
	if (strcmp(argv[0], "version") == 0) {
		printf("backscatter %s\n", BACKSCATTER_VERSION);
		return CLI_OK;
	}
	if ((cmd = find_command(argc, argv, &words)) == NULL)
		return unknown_command(argc, argv);
	argc -= words - 1;
	argv += words - 1;
	if (wants_help(argc, argv)) {
		usage_command(cmd, stdout);
		return CLI_OK;
	}
	c.command = cmd->name;
	c.config_path = config_path;
	c.store_arg = store_path;

	if (config_defaults(&c.cfg) == -1) {
		fprintf(stderr, "backscatter: out of memory\n");
		return CLI_ERROR;
	}
	if (config_path != NULL &&
	    config_load(&c.cfg, config_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "backscatter: %s\n", err);
		config_free(&c.cfg);
		return CLI_ERROR;
	}
	if (store_path != NULL && config_set(&c.cfg, "store", "path",
	    store_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "backscatter: --store: %s\n", err);
		config_free(&c.cfg);
		return CLI_USAGE;
	}
	log_set_level(c.cfg.log.level);
	c.now = (int64_t)time(NULL);
	if (now_arg != NULL && cli_parse_time(&c, now_arg, &c.now) == -1) {
		config_free(&c.cfg);
		return CLI_USAGE;
	}
	set_who(&c);

	optind = 0;	/* glibc: start a fresh getopt scan for the command */
	rc = cmd->run(&c, argc, argv);
	store_close(c.store);
	config_free(&c.cfg);
	if (fflush(stdout) == EOF && rc == CLI_OK) {
		fprintf(stderr, "backscatter: writing output failed\n");
		rc = CLI_ERROR;
	}
	return rc;
}
