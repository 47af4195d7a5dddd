/* test_config.c -- the INI configuration: defaults, every key, every error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/special.h"

static char	test_dir[] = "/tmp/test_config.XXXXXX";
static char	test_path[sizeof(test_dir) + 32];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(test_dir) == NULL)
		return -1;
	snprintf(test_path, sizeof(test_path), "%s/test.conf", test_dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(test_path);
	return rmdir(test_dir);
}

/* Writes len bytes (NUL bytes included) to test_path. */
static void
write_conf(const char *text, size_t len)
{
	FILE *fp;

	assert_non_null(fp = fopen(test_path, "w"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_string_equal(cfg.store.path, "./var/backscatter.db");
	assert_int_equal(cfg.store.busy_timeout, 5000);
	assert_int_equal(cfg.store.sync_full, 1);
	assert_int_equal(cfg.listing.ttl, 28 * 86400);
	assert_int_equal(cfg.listing.min_hits, 1);
	assert_int_equal(cfg.listing.window, 28 * 86400);
	assert_int_equal(cfg.listing.allow_special, 0);
	assert_string_equal(cfg.dns.zone, "bl.example.org");
	assert_string_equal(cfg.dns.answer, "127.0.0.2");
	assert_int_equal(cfg.dns.ttl, 2100);
	assert_string_equal(cfg.dns.txt,
	    "{ip} listed for backscatter ({class}), last seen {last}; see {url}");
	assert_string_equal(cfg.web.lookup_url,
	    "http://localhost:8080/lookup?ip={ip}");
	assert_string_equal(cfg.web.listen, "127.0.0.1:8080 [::1]:8080");
	assert_string_equal(cfg.web.help_dir, "auto");
	assert_string_equal(cfg.web.admin_tokens, "none");
	assert_int_equal(cfg.web.lookups_per_minute, 60);
	assert_int_equal(cfg.web.requests_per_hour, 10);
	assert_int_equal(cfg.web.timeout, 30);
	assert_int_equal(cfg.express.enabled, 1);
	assert_int_equal(cfg.express.quiet_period, 86400);
	assert_int_equal(cfg.express.max_delistings, 2);
	assert_string_equal(cfg.express.blocked, "none");
	assert_int_equal(cfg.express.auto_approve, 0);
	assert_int_equal(cfg.log.level, LOG_LEVEL_INFO);
	assert_string_equal(cfg.trap.listen, "127.0.0.1:2525 [::1]:2525");
	assert_string_equal(cfg.trap.domains, "trap.example.org");
	assert_string_equal(cfg.trap.addresses, "*");
	assert_string_equal(cfg.trap.hostname, "auto");
	assert_string_equal(cfg.trap.sensor, "auto");
	assert_string_equal(cfg.trap.callout_senders, "auto");
	assert_int_equal(cfg.trap.line_max, 2048);
	assert_int_equal(cfg.trap.max_recipients, 100);
	assert_int_equal(cfg.trap.max_message_size, 10 * 1024 * 1024);
	assert_int_equal(cfg.trap.keep_headers, 64 * 1024);
	assert_int_equal(cfg.trap.keep_body, 64 * 1024);
	assert_int_equal(cfg.trap.max_commands, 1000);
	assert_int_equal(cfg.trap.max_errors, 10);
	assert_int_equal(cfg.trap.session_timeout, 600);
	assert_int_equal(cfg.trap.idle_timeout, 300);
	assert_int_equal(cfg.trap.max_sessions, 1000);
	assert_int_equal(cfg.trap.max_sessions_per_ip, 10);
	assert_int_equal(cfg.trap.tls, 1);
	assert_string_equal(cfg.trap.tls_cert, "auto");
	assert_string_equal(cfg.trap.tls_key, "auto");
	assert_int_equal(cfg.trap.proxy_protocol, 0);
	assert_string_equal(cfg.trap.proxy_trusted, "none");
	assert_string_equal(cfg.dns.refuse, "none");
	config_free(&cfg);
	assert_null(cfg.store.path);
	assert_null(cfg.trap.domains);
	config_free(&cfg);		/* twice is harmless */
	config_free(NULL);
}

/* Every key set to something else, with the syntax variations inih allows. */
static void
test_every_key(void **state)
{
	static const char text[] =
	    "\xef\xbb\xbf# a comment\r\n"
	    "; another\n"
	    "\n"
	    "[store] ; inline comment after a section\n"
	    "path = /var/lib/backscatter/bs.db\n"
	    "busy_timeout = 250ms\n"
	    "synchronous = normal\n"
	    "[listing]\n"
	    "ttl = 7d\n"
	    "  min_hits = 3\n"
	    "window=1d12h\n"
	    "allow_special = loopback, private\n"
	    "[dns]\n"
	    "zone = BL.Example.NET.\n"
	    "answer = 127.0.0.10\r\n"
	    "ttl = 0 ; no caching\n"
	    "txt = {{{ip}}} listed since {since}, until {expires}\n"
	    "[web]\n"
	    "lookup_url = https://bl.example.net/q?ip={ip}&x={{y}}\n"
	    "listen = 0.0.0.0:80, [::]:80\n"
	    "help_dir = /usr/share/backscatter/help\n"
	    "admin_tokens = 0123456789abcdef0123, Tok-._~+/en0123456789\n"
	    "lookups_per_minute = 600\n"
	    "requests_per_hour = 3\n"
	    "timeout = 1m\n"
	    "[express]\n"
	    "enabled = off\n"
	    "quiet_period = 0\n"
	    "max_delistings = 5\n"
	    "blocked = 192.0.2.0/24,2001:db8::/32\n"
	    "auto_approve = yes\n"
	    "[log]\n"
	    "level = debug\n"
	    "[trap]\n"
	    "listen = 0.0.0.0:25, [::]:25\n"
	    "domains = Trap.Example.NET., t2.example.com\t,t3.example.com\n"
	    "addresses = Bounce-*@trap.example.net, *@t2.example.com\n"
	    "hostname = MX1.Example.NET\n"
	    "sensor = sensor-1.fra\n"
	    "callout_senders = postmaster,double-bounce  mailer-daemon\n"
	    "line_max = 1k\n"
	    "max_recipients = 5\n"
	    "max_message_size = 1g\n"
	    "keep_headers = 16384\n"
	    "keep_body = 0\n"
	    "max_commands = 50\n"
	    "max_errors = 3\n"
	    "session_timeout = 1h\n"
	    "idle_timeout = 30s\n"
	    "max_sessions = 20000\n"
	    "max_sessions_per_ip = 2\n"
	    "tls = no\n"
	    "tls_cert = /etc/ssl/trap.pem\n"
	    "tls_key = /etc/ssl/private/trap.key\n"
	    "proxy_protocol = yes\n"
	    "proxy_trusted = 10.0.0.0/8 192.0.2.1, 2001:db8::/32\n"
	    "[store]\n";
	struct config cfg;
	char err[512];

	(void)state;
	write_conf(text, sizeof(text) - 1);
	assert_int_equal(config_defaults(&cfg), 0);
	if (config_load(&cfg, test_path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.store.path, "/var/lib/backscatter/bs.db");
	assert_int_equal(cfg.store.busy_timeout, 250);
	assert_int_equal(cfg.store.sync_full, 0);
	assert_int_equal(cfg.listing.ttl, 7 * 86400);
	assert_int_equal(cfg.listing.min_hits, 3);
	assert_int_equal(cfg.listing.window, 36 * 3600);
	assert_int_equal(cfg.listing.allow_special,
	    SPECIAL_LOOPBACK | SPECIAL_PRIVATE);
	assert_string_equal(cfg.dns.zone, "bl.example.net");
	assert_string_equal(cfg.dns.answer, "127.0.0.10");
	assert_int_equal(cfg.dns.ttl, 0);
	assert_string_equal(cfg.dns.txt,
	    "{{{ip}}} listed since {since}, until {expires}");
	assert_string_equal(cfg.web.lookup_url,
	    "https://bl.example.net/q?ip={ip}&x={{y}}");
	assert_string_equal(cfg.web.listen, "0.0.0.0:80, [::]:80");
	assert_string_equal(cfg.web.help_dir, "/usr/share/backscatter/help");
	assert_string_equal(cfg.web.admin_tokens,
	    "0123456789abcdef0123 Tok-._~+/en0123456789");
	assert_int_equal(cfg.web.lookups_per_minute, 600);
	assert_int_equal(cfg.web.requests_per_hour, 3);
	assert_int_equal(cfg.web.timeout, 60);
	assert_int_equal(cfg.express.enabled, 0);
	assert_int_equal(cfg.express.quiet_period, 0);
	assert_int_equal(cfg.express.max_delistings, 5);
	assert_string_equal(cfg.express.blocked, "192.0.2.0/24 2001:db8::/32");
	assert_int_equal(cfg.express.auto_approve, 1);
	assert_int_equal(cfg.log.level, LOG_LEVEL_DEBUG);
	assert_string_equal(cfg.trap.listen, "0.0.0.0:25, [::]:25");
	/* Lists come back canonical: lower case, one space apart. */
	assert_string_equal(cfg.trap.domains,
	    "trap.example.net t2.example.com t3.example.com");
	assert_string_equal(cfg.trap.addresses,
	    "bounce-*@trap.example.net *@t2.example.com");
	assert_string_equal(cfg.trap.hostname, "mx1.example.net");
	assert_string_equal(cfg.trap.sensor, "sensor-1.fra");
	assert_string_equal(cfg.trap.callout_senders,
	    "postmaster double-bounce mailer-daemon");
	assert_int_equal(cfg.trap.line_max, 1024);
	assert_int_equal(cfg.trap.max_recipients, 5);
	assert_int_equal(cfg.trap.max_message_size, 1024LL * 1024 * 1024);
	assert_int_equal(cfg.trap.keep_headers, 16384);
	assert_int_equal(cfg.trap.keep_body, 0);
	assert_int_equal(cfg.trap.max_commands, 50);
	assert_int_equal(cfg.trap.max_errors, 3);
	assert_int_equal(cfg.trap.session_timeout, 3600);
	assert_int_equal(cfg.trap.idle_timeout, 30);
	assert_int_equal(cfg.trap.max_sessions, 20000);
	assert_int_equal(cfg.trap.max_sessions_per_ip, 2);
	assert_int_equal(cfg.trap.tls, 0);
	assert_string_equal(cfg.trap.tls_cert, "/etc/ssl/trap.pem");
	assert_string_equal(cfg.trap.tls_key, "/etc/ssl/private/trap.key");
	assert_int_equal(cfg.trap.proxy_protocol, 1);
	assert_string_equal(cfg.trap.proxy_trusted,
	    "10.0.0.0/8 192.0.2.1 2001:db8::/32");
	config_free(&cfg);
}

/* An empty file and a comment-only file change nothing. */
static void
test_empty(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	write_conf("", 0);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), 0);
	assert_int_equal(cfg.listing.ttl, 28 * 86400);
	write_conf("# nothing\n[dns]\n", 16);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), 0);
	assert_string_equal(cfg.dns.zone, "bl.example.org");
	config_free(&cfg);
}

/* Accepted values that are worth pinning down, one key at a time. */
static const struct {
	const char	*text;
	size_t		 field;		/* which check below */
	int64_t		 want;
} good_cases[] = {
	{ "[store]\nbusy_timeout = 0ms\n", 0, 0 },
	{ "[store]\nbusy_timeout = 1h\n", 0, 3600000 },
	{ "[store]\nbusy_timeout = 3600000ms\n", 0, 3600000 },
	{ "[store]\nbusy_timeout = 2\n", 0, 2000 },
	{ "[listing]\nmin_hits = 1000\n", 1, 1000 },
	{ "[listing]\nttl = 1s\n", 2, 1 },
	{ "[listing]\nttl = 36500d\n", 2, 36500LL * 86400 },
	{ "[dns]\nttl = 7d\n", 3, 7 * 86400 },
	{ "[log]\nlevel = error\n", 4, LOG_LEVEL_ERROR },
	{ "[log]\nlevel = warn\n", 4, LOG_LEVEL_WARN },
	{ "[listing]\nallow_special = all\n", 5, SPECIAL_ALL },
	{ "[listing]\nallow_special = none\n", 5, 0 },
	{ "[trap]\nline_max = 512\n", 6, 512 },
	{ "[trap]\nline_max = 64k\n", 6, 65536 },
	{ "[trap]\nmax_message_size = 1k\n", 7, 1024 },
	{ "[trap]\nmax_message_size = 25m\n", 7, 25 * 1024 * 1024 },
	{ "[trap]\nmax_message_size = 1048576\n", 7, 1024 * 1024 },
	{ "[trap]\nkeep_body = 16m\n", 8, 16 * 1024 * 1024 },
	{ "[trap]\nidle_timeout = 1h\n", 9, 3600 },
	{ "[trap]\nproxy_protocol = on\n", 10, 1 },
};

static void
test_good_values(void **state)
{
	struct config cfg;
	char err[512];
	int64_t got;

	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]);
	    i++) {
		write_conf(good_cases[i].text, strlen(good_cases[i].text));
		assert_int_equal(config_defaults(&cfg), 0);
		if (config_load(&cfg, test_path, err, sizeof(err)) != 0)
			fail_msg("%s: %s", good_cases[i].text, err);
		switch (good_cases[i].field) {
		case 0: got = cfg.store.busy_timeout; break;
		case 1: got = cfg.listing.min_hits; break;
		case 2: got = cfg.listing.ttl; break;
		case 3: got = cfg.dns.ttl; break;
		case 4: got = cfg.log.level; break;
		case 5: got = cfg.listing.allow_special; break;
		case 6: got = cfg.trap.line_max; break;
		case 7: got = cfg.trap.max_message_size; break;
		case 8: got = cfg.trap.keep_body; break;
		case 9: got = cfg.trap.idle_timeout; break;
		default: got = cfg.trap.proxy_protocol; break;
		}
		if (got != good_cases[i].want)
			fail_msg("%s: got %lld", good_cases[i].text,
			    (long long)got);
		config_free(&cfg);
	}
}

/* Each file must fail with exactly "PATH" + err. */
static const struct {
	const char	*text;
	const char	*err;
} bad_cases[] = {
	/* structure */
	{ "[store]\nfoo = 1\n", ":2: unknown key 'foo' in [store]" },
	{ "[store]\nfoo = 1\nbar = 2\n[x]\n",
	    ":2: unknown key 'foo' in [store]" },
	{ "[store]\t\r\n[x]\n", ":2: unknown section [x]" },
	{ "[store]\nPath = x\n", ":2: unknown key 'Path' in [store]" },
	{ "[foo]\nbar = 1\n", ":1: unknown section [foo]" },
	{ "\n[stroe]\n", ":2: unknown section [stroe]" },
	{ "[Store]\n", ":1: unknown section [Store]" },
	{ "\f[stroe]\n", ":1: unknown section [stroe]" },
	{ "\v[stroe]\n", ":1: unknown section [stroe]" },
	{ "[ store ]\n", ":1: unknown section [ store ]" },
	{ "[]\n", ":1: unknown section []" },
	{ "[store] path = x\n", ":1: syntax error after ']'" },
	{ "[store\npath = x\n", ":1: syntax error" },
	{ "ttl = 1d\n", ":1: key 'ttl' outside any section" },
	{ "[listing]\nttl = 1d\n\nttl = 2d\n",
	    ":4: duplicate key 'ttl' in [listing]" },
	{ "[listing]\nttl = 1d\n[store]\n[listing]\nttl = 1d\n",
	    ":5: duplicate key 'ttl' in [listing]" },
	{ "[store]\npath\n", ":2: syntax error" },
	{ "[store]\n= x\n", ":2: unknown key '' in [store]" },
	{ "[store]\npath =\n", ":2: store.path: empty value" },
	{ "[store]\npath = ; comment only\n", ":2: store.path: empty value" },
	{ "[store]\npath = \"/tmp/x\"\n", ":2: store.path: values are taken "
	    "literally, remove the quotes from \"/tmp/x\"" },
	{ "[dns]\nzone = 'a.b'\n", ":2: dns.zone: values are taken "
	    "literally, remove the quotes from 'a.b'" },
	/* durations */
	{ "[store]\nbusy_timeout = abc\n",
	    ":2: store.busy_timeout: invalid duration 'abc'" },
	{ "[store]\nbusy_timeout = 2h\n",
	    ":2: store.busy_timeout: '2h' is out of range (0ms..3600000ms)" },
	{ "[store]\nbusy_timeout = 3600001ms\n", ":2: store.busy_timeout: "
	    "'3600001ms' is out of range (0ms..3600000ms)" },
	{ "[store]\nbusy_timeout = ms\n",
	    ":2: store.busy_timeout: invalid duration 'ms'" },
	{ "[store]\nbusy_timeout = -5ms\n",
	    ":2: store.busy_timeout: invalid duration '-5ms'" },
	{ "[store]\nbusy_timeout = 1s500ms\n",
	    ":2: store.busy_timeout: invalid duration '1s500ms'" },
	{ "[store]\nbusy_timeout = 99999999999999999999ms\n",
	    ":2: store.busy_timeout: invalid duration "
	    "'99999999999999999999ms'" },
	{ "[listing]\nttl = 0\n",
	    ":2: listing.ttl: '0' is out of range (1s..36500d)" },
	{ "[listing]\nttl = -1d\n", ":2: listing.ttl: invalid duration '-1d'" },
	{ "[listing]\nttl = 1d 2h\n",
	    ":2: listing.ttl: invalid duration '1d 2h'" },
	{ "[listing]\nwindow = 99999999999999999999\n",
	    ":2: listing.window: invalid duration '99999999999999999999'" },
	{ "[dns]\nttl = 8d\n", ":2: dns.ttl: '8d' is out of range (0s..7d)" },
	/* numbers */
	{ "[listing]\nmin_hits = 0\n",
	    ":2: listing.min_hits: invalid number '0' (1..1000)" },
	{ "[listing]\nmin_hits = 1001\n",
	    ":2: listing.min_hits: invalid number '1001' (1..1000)" },
	{ "[listing]\nmin_hits = +1\n",
	    ":2: listing.min_hits: invalid number '+1' (1..1000)" },
	{ "[listing]\nmin_hits = 1x\n",
	    ":2: listing.min_hits: invalid number '1x' (1..1000)" },
	{ "[listing]\nmin_hits = 0x10\n",
	    ":2: listing.min_hits: invalid number '0x10' (1..1000)" },
	{ "[listing]\nmin_hits = 99999999999999999999\n",
	    ":2: listing.min_hits: invalid number '99999999999999999999' "
	    "(1..1000)" },
	/* words */
	{ "[store]\nsynchronous = off\n",
	    ":2: store.synchronous: expected full or normal, not 'off'" },
	{ "[store]\nsynchronous = FULL\n",
	    ":2: store.synchronous: expected full or normal, not 'FULL'" },
	{ "[log]\nlevel = verbose\n", ":2: log.level: unknown log level "
	    "'verbose' (error, warn, info or debug)" },
	{ "[log]\nlevel = INFO\n", ":2: log.level: unknown log level "
	    "'INFO' (error, warn, info or debug)" },
	/* special classes: the message is special_mask_parse's own */
	{ "[listing]\nallow_special = loopback, bogus\n",
	    ":2: listing.allow_special: " },
	/* DNS names */
	{ "[dns]\nzone = .\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = a..b\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = .a.b\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = a.b..\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = -a.b\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = a-.b\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = a_b.c\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = a b.c\n", ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = bl.\xc3\xa9xample.org\n",
	    ":2: dns.zone: invalid DNS name" },
	{ "[dns]\nzone = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaa.org\n",
	    ":2: dns.zone: label longer than 63 characters" },
	/* a label of exactly 63 is fine */
	{ "[dns]\nzone = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaa.org\n", NULL },
	/* addresses */
	{ "[dns]\nanswer = 10.0.0.2\n",
	    ":2: dns.answer: must be an IPv4 address in 127.0.0.0/8" },
	{ "[dns]\nanswer = ::1\n",
	    ":2: dns.answer: must be an IPv4 address in 127.0.0.0/8" },
	{ "[dns]\nanswer = 127.255.255.254\n",
	    ":2: dns.answer: 127.255.255.254 is reserved for refused clients "
	    "(dns.refuse)" },
	{ "[dns]\nrefuse = 192.0.2.0/24 banana\n",
	    ":2: dns.refuse: 'banana' is not an address or CIDR prefix" },
	{ "[dns]\nanswer = ::ffff:127.0.0.2\n",
	    ":2: dns.answer: must be an IPv4 address in 127.0.0.0/8" },
	{ "[dns]\nanswer = 127.255.255.255\n", NULL },
	{ "[dns]\nanswer = 127.0.0.02\n",
	    ":2: dns.answer: invalid address '127.0.0.02'" },
	{ "[dns]\nanswer = 127.2\n",
	    ":2: dns.answer: invalid address '127.2'" },
	{ "[dns]\nanswer = localhost\n",
	    ":2: dns.answer: invalid address 'localhost'" },
	/* templates */
	{ "[dns]\ntxt = listed {foo}\n",
	    ":2: dns.txt: unknown variable {foo}" },
	{ "[dns]\ntxt = listed {ip\n",
	    ":2: dns.txt: unclosed '{' at offset 7" },
	{ "[dns]\ntxt = listed }\n", ":2: dns.txt: unmatched '}' at offset 7" },
	{ "[web]\nadmin_tokens = short\n",
	    ":2: web.admin_tokens: a token must be 16 to 127 characters" },
	{ "[web]\nadmin_tokens = 0123456789abcdef\"x\n",
	    ":2: web.admin_tokens: a token may hold only letters, digits and "
	    "-._~+/" },
	{ "[web]\nadmin_tokens = 0123456789abcdef 0123456789abcdeg "
	    "0123456789abcdeh 0123456789abcdei 0123456789abcdej "
	    "0123456789abcdek 0123456789abcdel 0123456789abcdem "
	    "0123456789abcden\n",
	    ":2: web.admin_tokens: more than 8 tokens" },
	{ "[web]\nlisten = localhost:80\n",
	    ":2: web.listen: 'localhost:80' is not ADDR:PORT or [IPV6]:PORT" },
	{ "[web]\nlookups_per_minute = 0\n",
	    ":2: web.lookups_per_minute: invalid number '0' (1..100000)" },
	{ "[web]\nlookups_per_minute = 1\n", NULL },
	{ "[express]\nblocked = 192.0.2.1/24\n",
	    ":2: express.blocked: '192.0.2.1/24' is not an address or CIDR "
	    "prefix" },
	{ "[express]\nquiet_period = soon\n",
	    ":2: express.quiet_period: invalid duration 'soon'" },
	{ "[express]\nquiet_period = 0\n", NULL },
	{ "[web]\nlookup_url = ftp://x/{ip}\n",
	    ":2: web.lookup_url: must start with http:// or https://" },
	{ "[web]\nlookup_url = HTTP://x/{ip}\n",
	    ":2: web.lookup_url: must start with http:// or https://" },
	{ "[web]\nlookup_url = http://x/?ip={ip}&u={url}\n",
	    ":2: web.lookup_url: must not contain {url}" },
	{ "[web]\nlookup_url = http://x/ {ip}\n",
	    ":2: web.lookup_url: must not contain spaces or non-ASCII bytes" },
	{ "[web]\nlookup_url = http://x/{bad}\n",
	    ":2: web.lookup_url: unknown variable {bad}" },
	/* a TXT that can outgrow one character-string (RFC 1035 3.3) */
	{ "[dns]\ntxt = {ip} {ip} {ip} {ip} {ip} {ip} {url}\n",
	    ": dns.txt can grow past the 255 bytes " },
	{ "[web]\nlookup_url = https://lookup.example.net/a/very/long/path/"
	    "that/goes/on/and/on/and/on/for/quite/a/while/before/it/finally/"
	    "reaches/the/address/parameter/of/the/page?ip={ip}\n",
	    ": dns.txt can grow past the 255 bytes " },
	{ "[dns]\ntxt = {ip} {ip} {ip} {ip}\n", NULL },
	/* [trap]: sizes */
	{ "[trap]\nline_max = 511\n",
	    ":2: trap.line_max: '511' is out of range (512..64k)" },
	{ "[trap]\nline_max = 65537\n",
	    ":2: trap.line_max: '65537' is out of range (512..64k)" },
	{ "[trap]\nline_max = 2K\n", ":2: trap.line_max: invalid size '2K'" },
	{ "[trap]\nline_max = 2kb\n", ":2: trap.line_max: invalid size '2kb'" },
	{ "[trap]\nline_max = k\n", ":2: trap.line_max: invalid size 'k'" },
	{ "[trap]\nline_max = -1k\n", ":2: trap.line_max: invalid size '-1k'" },
	{ "[trap]\nline_max = 1.5k\n",
	    ":2: trap.line_max: invalid size '1.5k'" },
	{ "[trap]\nline_max = 1 k\n", ":2: trap.line_max: invalid size '1 k'" },
	{ "[trap]\nmax_message_size = 2g\n",
	    ":2: trap.max_message_size: '2g' is out of range (1k..1g)" },
	{ "[trap]\nmax_message_size = 99999999999999999999g\n",
	    ":2: trap.max_message_size: invalid size "
	    "'99999999999999999999g'" },
	{ "[trap]\nmax_message_size = 9999999999999g\n",
	    ":2: trap.max_message_size: invalid size '9999999999999g'" },
	{ "[trap]\nkeep_headers = 1023\n",
	    ":2: trap.keep_headers: '1023' is out of range (1k..16m)" },
	{ "[trap]\nkeep_body = 17m\n",
	    ":2: trap.keep_body: '17m' is out of range (0..16m)" },
	/* [trap]: numbers, durations, booleans */
	{ "[trap]\nmax_recipients = 0\n",
	    ":2: trap.max_recipients: invalid number '0' (1..10000)" },
	{ "[trap]\nmax_commands = 9\n",
	    ":2: trap.max_commands: invalid number '9' (10..1000000)" },
	{ "[trap]\nmax_errors = 1001\n",
	    ":2: trap.max_errors: invalid number '1001' (1..1000)" },
	{ "[trap]\nmax_sessions = 0\n",
	    ":2: trap.max_sessions: invalid number '0' (1..100000)" },
	{ "[trap]\nmax_sessions_per_ip = many\n",
	    ":2: trap.max_sessions_per_ip: invalid number 'many' (1..100000)" },
	{ "[trap]\nidle_timeout = 0\n",
	    ":2: trap.idle_timeout: '0' is out of range (1s..1h)" },
	{ "[trap]\nsession_timeout = 2d\n",
	    ":2: trap.session_timeout: '2d' is out of range (1s..1d)" },
	{ "[trap]\ntls = maybe\n", ":2: trap.tls: expected yes, no, true, "
	    "false, on, off, 1 or 0, not 'maybe'" },
	{ "[trap]\nproxy_protocol = v2\n", ":2: trap.proxy_protocol: "
	    "expected yes, no, true, false, on, off, 1 or 0, not 'v2'" },
	/* [trap]: lists */
	{ "[trap]\nlisten = 127.0.0.1\n", ":2: trap.listen: '127.0.0.1' "
	    "is not ADDR:PORT or [IPV6]:PORT" },
	{ "[trap]\nlisten = ::1:25\n", ":2: trap.listen: '::1:25' "
	    "is not ADDR:PORT or [IPV6]:PORT" },
	{ "[trap]\ndomains = localhost\n",
	    ":2: trap.domains: 'localhost': not a domain with a dot" },
	{ "[trap]\ndomains = trap.example.org a..b\n",
	    ":2: trap.domains: 'a..b': invalid DNS name" },
	{ "[trap]\ndomains = *.example.org\n",
	    ":2: trap.domains: '*.example.org': invalid DNS name" },
	{ "[trap]\ndomains = ,\n", ":2: trap.domains: no domains" },
	{ "[trap]\ndomains = a.b b.c c.d d.e e.f f.g g.h h.i i.j j.k k.l "
	    "l.m m.n n.o o.p p.q q.r r.s s.t t.u u.v v.w w.x x.y y.z z.a "
	    "a.c b.d c.e d.f e.g f.h g.i h.j i.k j.l k.m l.n m.o n.p o.q "
	    "p.r q.s r.t s.u t.v u.w v.x w.y x.z y.a z.b a.d b.e c.f d.g "
	    "e.h f.i g.j h.k i.l j.m k.n l.o m.p\n",
	    ":2: trap.domains: more than 64 domains" },
	{ "[trap]\naddresses = bounce-\x01*@x.org\n",
	    ":2: trap.addresses: 'bounce-\\x01*@x.org': patterns are "
	    "printable ASCII" },
	{ "[trap]\naddresses = caf\xc3\xa9@x.org\n",
	    ":2: trap.addresses: 'caf\\xc3\\xa9@x.org': patterns are "
	    "printable ASCII" },
	{ "[trap]\nhostname = mx_1.example.org\n",
	    ":2: trap.hostname: invalid DNS name" },
	{ "[trap]\nsensor = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaa\n",
	    ":2: trap.sensor: longer than 63 characters" },
	{ "[trap]\nsensor = a\x7f" "b\n",
	    ":2: trap.sensor: must be printable ASCII without spaces" },
	{ "[trap]\ncallout_senders = postmaster@example.org\n",
	    ":2: trap.callout_senders: 'postmaster@example.org' is not a "
	    "local part" },
	{ "[trap]\ncallout_senders = <>\n",
	    ":2: trap.callout_senders: '<>' is not a local part" },
	{ "[trap]\ncallout_senders = a\"b\n",
	    ":2: trap.callout_senders: 'a\"b' is not a local part" },
	{ "[trap]\ncallout_senders = abcdefghijklmnopqrstuvwx\n",
	    ":2: trap.callout_senders: 'abcdefghijklmnopqrstuvwx' is longer "
	    "than 23 characters" },
	{ "[trap]\ncallout_senders = abcdefghijklmnopqrstuvw bounces+x\n",
	    NULL },
	{ "[trap]\ncallout_senders = a b c d e f g h i j k l m n o p q\n",
	    ":2: trap.callout_senders: more than 16 senders" },
	{ "[trap]\ncallout_senders = a b c d e f g h i j k l m n o p\n",
	    NULL },
	{ "[trap]\nproxy_trusted = 10.0.0.1/8\n", ":2: trap.proxy_trusted: "
	    "'10.0.0.1/8' is not an address or CIDR prefix" },
	{ "[trap]\nproxy_trusted = lb.example.org\n",
	    ":2: trap.proxy_trusted: 'lb.example.org' is not an address or "
	    "CIDR prefix" },
	{ "[trap]\nproxy_trusted = ::1 127.0.0.0/8\n", NULL },
	/* control bytes are escaped when quoted back */
	{ "[log]\nlevel = de\x01" "bug\n", ":2: log.level: unknown log level "
	    "'de\\x01bug' (error, warn, info or debug)" },
};

static void
test_bad_values(void **state)
{
	struct config cfg;
	char err[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		write_conf(bad_cases[i].text, strlen(bad_cases[i].text));
		assert_int_equal(config_defaults(&cfg), 0);
		err[0] = '\0';
		if (bad_cases[i].err == NULL) {
			/* a valid value among the bad ones: a boundary */
			if (config_load(&cfg, test_path, err, sizeof(err)) != 0)
				fail_msg("%s: %s", bad_cases[i].text, err);
			config_free(&cfg);
			continue;
		}
		if (config_load(&cfg, test_path, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad_cases[i].text);
		snprintf(want, sizeof(want), "%s%s", test_path,
		    bad_cases[i].err);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    (strlen(err) != strlen(want) &&
		    want[strlen(want) - 1] != ' '))
			fail_msg("for %s\ngot  \"%s\"\nwant \"%s\"",
			    bad_cases[i].text, err, want);
		config_free(&cfg);
	}
}

/* Lines past CONFIG_LINE_MAX and NUL bytes are errors, not cut lines. */
static void
test_hostile_lines(void **state)
{
	struct config cfg;
	char text[CONFIG_LINE_MAX + 64], err[512], want[512];
	size_t n;

	(void)state;
	/* Exactly CONFIG_LINE_MAX bytes on the line is fine. */
	n = (size_t)snprintf(text, sizeof(text), "[store]\npath = ");
	memset(text + n, 'a', CONFIG_LINE_MAX - 7);
	n += CONFIG_LINE_MAX - 7;
	text[n++] = '\n';
	write_conf(text, n);
	assert_int_equal(config_defaults(&cfg), 0);
	if (config_load(&cfg, test_path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(strlen(cfg.store.path), CONFIG_LINE_MAX - 7);

	/* One more is not. */
	n = (size_t)snprintf(text, sizeof(text), "[store]\npath = ");
	memset(text + n, 'a', CONFIG_LINE_MAX - 6);
	n += CONFIG_LINE_MAX - 6;
	text[n++] = '\n';
	write_conf(text, n);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: line longer than %d bytes",
	    test_path, CONFIG_LINE_MAX);
	assert_string_equal(err, want);

	/* A long line without a newline at the end of the file. */
	write_conf(text, n - 1);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* The last line needs no newline. */
	write_conf("[log]\nlevel = warn", 18);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), 0);
	assert_int_equal(cfg.log.level, LOG_LEVEL_WARN);

	write_conf("[store]\npath = a\0b\n", 19);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", test_path);
	assert_string_equal(err, want);

	/*
	 * An indented line is a key of its own, not the continuation of the
	 * one before (inih's multi-line values are turned off).
	 */
	write_conf("[store]\npath = a\n  b\n", 20);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: syntax error", test_path);
	assert_string_equal(err, want);
	config_free(&cfg);
}

static void
test_unreadable(void **state)
{
	struct config cfg;
	char err[1024], want[1024], path[512];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	snprintf(path, sizeof(path), "%s/nonexistent.conf", test_dir);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(config_load(&cfg, test_dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", test_dir);
	assert_string_equal(err, want);

	/* A small err buffer gets a cut message, never an overflow. */
	assert_int_equal(config_load(&cfg, path, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	config_free(&cfg);
}

static void
test_set(void **state)
{
	struct config cfg;
	char err[512], name[256];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_set(&cfg, "store", "path", "/tmp/x.db", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.store.path, "/tmp/x.db");
	/* Setting a key again is fine here: later overrides win. */
	assert_int_equal(config_set(&cfg, "store", "path", "/tmp/y.db", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.store.path, "/tmp/y.db");

	assert_int_equal(config_set(&cfg, "listing", "ttl", "abc", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "listing.ttl: invalid duration 'abc'");
	assert_int_equal(cfg.listing.ttl, 28 * 86400);

	/* A rejected string leaves the old value in place. */
	assert_int_equal(config_set(&cfg, "dns", "zone", "a..b", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "dns.zone: invalid DNS name");
	assert_string_equal(cfg.dns.zone, "bl.example.org");

	/* RFC 1035 2.3.4: 253 characters as text, 254 with the root dot. */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	assert_int_equal(config_set(&cfg, "dns", "zone", name, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(cfg.dns.zone), 253);
	name[253] = '.';
	name[254] = '\0';
	assert_int_equal(config_set(&cfg, "dns", "zone", name, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(cfg.dns.zone), 253);
	name[253] = 'a';
	assert_int_equal(config_set(&cfg, "dns", "zone", name, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "dns.zone: name longer than 253 characters");

	assert_int_equal(config_set(&cfg, "store", "nope", "1", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown key 'nope' in [store]");
	assert_int_equal(config_set(&cfg, "nope", "path", "1", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown section [nope]");
	assert_int_equal(config_set(&cfg, "store", "path", NULL, err,
	    sizeof(err)), -1);
	/* Short or absent err buffers get a cut message, never overflow. */
	assert_int_equal(config_set(&cfg, "listing", "ttl", "abc", err, 6),
	    -1);
	assert_string_equal(err, "listi");
	assert_int_equal(config_set(&cfg, "listing", "ttl", "abc", err, 16),
	    -1);
	assert_string_equal(err, "listing.ttl: in");
	assert_int_equal(config_set(&cfg, "listing", "ttl", "abc", NULL, 0),
	    -1);
	assert_int_equal(config_set(&cfg, "listing", "ttl", "2d", err, 6), 0);
	assert_int_equal(cfg.listing.ttl, 2 * 86400);
	config_free(&cfg);
}

/* The shipped example must load and match the built-in defaults. */
static void
test_shipped(void **state)
{
	struct config def, cfg;
	const char *src;
	char path[4096], err[512];

	(void)state;
	if ((src = getenv("BACKSCATTER_SOURCE_DIR")) == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/etc/backscatter.conf", src);
	assert_int_equal(config_defaults(&def), 0);
	assert_int_equal(config_defaults(&cfg), 0);
	if (config_load(&cfg, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.store.path, def.store.path);
	assert_int_equal(cfg.store.busy_timeout, def.store.busy_timeout);
	assert_int_equal(cfg.store.sync_full, def.store.sync_full);
	assert_int_equal(cfg.listing.ttl, def.listing.ttl);
	assert_int_equal(cfg.listing.min_hits, def.listing.min_hits);
	assert_int_equal(cfg.listing.window, def.listing.window);
	assert_int_equal(cfg.listing.allow_special, def.listing.allow_special);
	assert_string_equal(cfg.dns.zone, def.dns.zone);
	assert_string_equal(cfg.dns.answer, def.dns.answer);
	assert_int_equal(cfg.dns.ttl, def.dns.ttl);
	assert_string_equal(cfg.dns.txt, def.dns.txt);
	assert_string_equal(cfg.web.lookup_url, def.web.lookup_url);
	assert_string_equal(cfg.web.listen, def.web.listen);
	assert_string_equal(cfg.web.help_dir, def.web.help_dir);
	assert_string_equal(cfg.web.admin_tokens, def.web.admin_tokens);
	assert_int_equal(cfg.web.lookups_per_minute,
	    def.web.lookups_per_minute);
	assert_int_equal(cfg.web.requests_per_hour, def.web.requests_per_hour);
	assert_int_equal(cfg.web.timeout, def.web.timeout);
	assert_int_equal(cfg.express.enabled, def.express.enabled);
	assert_int_equal(cfg.express.quiet_period, def.express.quiet_period);
	assert_int_equal(cfg.express.max_delistings,
	    def.express.max_delistings);
	assert_string_equal(cfg.express.blocked, def.express.blocked);
	assert_int_equal(cfg.express.auto_approve, def.express.auto_approve);
	assert_int_equal(cfg.log.level, def.log.level);
	assert_string_equal(cfg.log.target, def.log.target);
	assert_string_equal(cfg.log.facility, def.log.facility);
	assert_string_equal(cfg.process.user, def.process.user);
	assert_string_equal(cfg.process.group, def.process.group);
	assert_string_equal(cfg.process.chroot, def.process.chroot);
	assert_string_equal(cfg.trap.listen, def.trap.listen);
	assert_string_equal(cfg.trap.domains, def.trap.domains);
	assert_string_equal(cfg.trap.addresses, def.trap.addresses);
	assert_string_equal(cfg.trap.hostname, def.trap.hostname);
	assert_string_equal(cfg.trap.sensor, def.trap.sensor);
	assert_string_equal(cfg.trap.callout_senders, def.trap.callout_senders);
	assert_int_equal(cfg.trap.line_max, def.trap.line_max);
	assert_int_equal(cfg.trap.max_recipients, def.trap.max_recipients);
	assert_int_equal(cfg.trap.max_message_size, def.trap.max_message_size);
	assert_int_equal(cfg.trap.keep_headers, def.trap.keep_headers);
	assert_int_equal(cfg.trap.keep_body, def.trap.keep_body);
	assert_int_equal(cfg.trap.max_commands, def.trap.max_commands);
	assert_int_equal(cfg.trap.max_errors, def.trap.max_errors);
	assert_int_equal(cfg.trap.session_timeout, def.trap.session_timeout);
	assert_int_equal(cfg.trap.idle_timeout, def.trap.idle_timeout);
	assert_int_equal(cfg.trap.max_sessions, def.trap.max_sessions);
	assert_int_equal(cfg.trap.max_sessions_per_ip,
	    def.trap.max_sessions_per_ip);
	assert_int_equal(cfg.trap.tls, def.trap.tls);
	assert_string_equal(cfg.trap.tls_cert, def.trap.tls_cert);
	assert_string_equal(cfg.trap.tls_key, def.trap.tls_key);
	assert_int_equal(cfg.trap.proxy_protocol, def.trap.proxy_protocol);
	assert_string_equal(cfg.trap.proxy_trusted, def.trap.proxy_trusted);
	assert_string_equal(cfg.probe.domain, def.probe.domain);
	assert_string_equal(cfg.probe.helo, def.probe.helo);
	assert_string_equal(cfg.probe.resolver, def.probe.resolver);
	assert_int_equal(cfg.probe.wait, def.probe.wait);
	assert_int_equal(cfg.probe.timeout, def.probe.timeout);
	assert_int_equal(cfg.probe.web, def.probe.web);
	assert_int_equal(cfg.probe.interval, def.probe.interval);
	assert_int_equal(cfg.probe.per_hour, def.probe.per_hour);
	assert_int_equal(cfg.probe.allow_special, def.probe.allow_special);
	assert_string_equal(cfg.policy.listen, def.policy.listen);
	assert_int_equal(cfg.policy.mode, def.policy.mode);
	assert_string_equal(cfg.policy.zones, def.policy.zones);
	assert_string_equal(cfg.policy.resolver, def.policy.resolver);
	assert_int_equal(cfg.policy.timeout, def.policy.timeout);
	assert_string_equal(cfg.policy.senders, def.policy.senders);
	assert_int_equal(cfg.policy.cache_size, def.policy.cache_size);
	assert_int_equal(cfg.policy.max_connections,
	    def.policy.max_connections);
	assert_int_equal(cfg.policy.idle_timeout, def.policy.idle_timeout);
	assert_string_equal(cfg.milter.listen, def.milter.listen);
	assert_int_equal(cfg.milter.timeout, def.milter.timeout);
	config_free(&def);
	config_free(&cfg);
}

/* [policy] and [milter]: defaults, good values, and every refusal. */
/* [probe]: defaults, accepted values, and values refused with a reason. */
static void
test_probe_keys(void **state)
{
	static const struct {
		const char	*key;
		const char	*value;
	} bad[] = {
		{ "domain", "bad_label.example" },
		{ "helo", "-x.example" },
		{ "resolver", "localhost:53" },
		{ "wait", "0" },
		{ "wait", "2h" },
		{ "timeout", "11m" },
		{ "web", "maybe" },
		{ "interval", "2d" },
		{ "per_hour", "0" },
		{ "allow_special", "intranet" },
	};
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_string_equal(cfg.probe.domain, "auto");
	assert_string_equal(cfg.probe.helo, "auto");
	assert_string_equal(cfg.probe.resolver, "system");
	assert_int_equal(cfg.probe.wait, 120);
	assert_int_equal(cfg.probe.timeout, 30);
	assert_int_equal(cfg.probe.web, 1);
	assert_int_equal(cfg.probe.interval, 600);
	assert_int_equal(cfg.probe.per_hour, 3);
	assert_int_equal(cfg.probe.allow_special, 0);

	assert_int_equal(config_set(&cfg, "probe", "domain", "Trap.Test",
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "probe", "resolver",
	    "127.0.0.1:5353", err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "probe", "wait", "5s", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.probe.wait, 5);
	assert_int_equal(config_set(&cfg, "probe", "allow_special",
	    "loopback", err, sizeof(err)), 0);
	assert_int_equal(cfg.probe.allow_special, SPECIAL_LOOPBACK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_set(&cfg, "probe", bad[i].key, bad[i].value, err,
		    sizeof(err)) != -1)
			fail_msg("probe.%s = %s accepted", bad[i].key,
			    bad[i].value);
	}
	config_free(&cfg);
}

static void
test_policy_keys(void **state)
{
	static const char good[] =
	    "[policy]\n"
	    "listen = 127.0.0.1:10040, unix:/run/backscatter/policy.sock\n"
	    "mode = store\n"
	    "zones = BL.Example.ORG. b.example.net\n"
	    "resolver = 127.0.0.1:5353 [::1]:53\n"
	    "timeout = 500ms\n"
	    "senders = PostMaster, abuse\n"
	    "cache_size = 0\n"
	    "max_connections = 10\n"
	    "idle_timeout = 30s\n"
	    "[milter]\n"
	    "listen = unix:/run/backscatter/milter.sock\n"
	    "timeout = 5m\n";
	static const struct {
		const char	*key;
		const char	*value;
		const char	*why;	/* part of the error */
	} bad[] = {
		{ "listen", "127.0.0.1", "ADDR:PORT" },
		{ "listen", "unix:relative.sock", "absolute" },
		{ "listen", "unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaa", "shorter" },
		{ "mode", "ldap", "dns or store" },
		{ "zones", "a.example b.example c.example d.example e.example",
		    "more than 4" },
		{ "zones", "nodot", "dot" },
		{ "zones", "bad_label.example", "invalid DNS name" },
		{ "resolver", "localhost:53", "ADDR:PORT" },
		{ "resolver", "127.0.0.1", "ADDR:PORT" },
		{ "timeout", "10ms", "out of range" },
		{ "timeout", "2m", "out of range" },
		{ "senders", "postmaster@example.org", "local parts" },
		{ "senders", "<>", "local parts" },
		{ "cache_size", "-1", "invalid number" },
		{ "max_connections", "0", "invalid number" },
		{ "idle_timeout", "0", "out of range" },
	};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_string_equal(cfg.policy.listen, "127.0.0.1:10040");
	assert_int_equal(cfg.policy.mode, 0);
	assert_string_equal(cfg.policy.zones, "auto");
	assert_string_equal(cfg.policy.resolver, "system");
	assert_int_equal(cfg.policy.timeout, 2000);
	assert_string_equal(cfg.policy.senders, "postmaster");
	assert_int_equal(cfg.policy.cache_size, 65536);
	assert_int_equal(cfg.policy.max_connections, 256);
	assert_int_equal(cfg.policy.idle_timeout, 600);
	assert_string_equal(cfg.milter.listen, "127.0.0.1:8895");
	assert_int_equal(cfg.milter.timeout, 7200);

	write_conf(good, sizeof(good) - 1);
	assert_int_equal(config_load(&cfg, test_path, err, sizeof(err)), 0);
	assert_string_equal(cfg.policy.listen,
	    "127.0.0.1:10040 unix:/run/backscatter/policy.sock");
	assert_int_equal(cfg.policy.mode, 1);
	assert_string_equal(cfg.policy.zones, "bl.example.org b.example.net");
	assert_string_equal(cfg.policy.resolver, "127.0.0.1:5353 [::1]:53");
	assert_int_equal(cfg.policy.timeout, 500);
	assert_string_equal(cfg.policy.senders, "postmaster abuse");
	assert_int_equal(cfg.policy.cache_size, 0);
	assert_int_equal(cfg.policy.max_connections, 10);
	assert_int_equal(cfg.policy.idle_timeout, 30);
	assert_string_equal(cfg.milter.listen,
	    "unix:/run/backscatter/milter.sock");
	assert_int_equal(cfg.milter.timeout, 300);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_set(&cfg, "policy", bad[i].key, bad[i].value, err,
		    sizeof(err)) != -1)
			fail_msg("policy.%s = %s accepted", bad[i].key,
			    bad[i].value);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("policy.%s = %s: '%s' lacks '%s'", bad[i].key,
			    bad[i].value, err, bad[i].why);
	}
	/* A refused value leaves the key as it was. */
	assert_int_equal(cfg.policy.mode, 1);
	assert_string_equal(cfg.policy.zones, "bl.example.org b.example.net");
	/* libmilter listens on one socket. */
	assert_int_equal(config_set(&cfg, "milter", "listen",
	    "127.0.0.1:1 127.0.0.1:2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "libmilter takes one"));
	assert_int_equal(config_set(&cfg, "policy", "senders", "none", err,
	    sizeof(err)), 0);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_policy_keys),
		cmocka_unit_test(test_probe_keys),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
