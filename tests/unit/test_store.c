/* test_store.c -- the listing lifecycle against a real SQLite store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/special.h"
#include "store/store.h"

#define DAY		86400
#define TTL		(28 * DAY)
#define T0		1700000000

struct fixture {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static struct store_config
config_for(const char *path)
{
	struct store_config c = {
		.path = path,
		.busy_timeout_ms = 1000,
		.sync_full = 0,
		.ttl = TTL,
		.min_hits = 1,
		.window = TTL,
		.allow_special = 0,
	};
	return c;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_config c;
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bs-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/var/test.db", f->dir);
	c = config_for(f->path);
	f->s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err));
	if (f->s == NULL)
		fail_msg("store_open: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	if (test_rmdir(f->dir) == -1)
		return -1;
	free(f);
	return 0;
}

/* Reopens the store with another listing policy. */
static void
reopen(struct fixture *f, int min_hits, int64_t window, unsigned int allow)
{
	struct store_config c = config_for(f->path);
	char err[256];

	store_close(f->s);
	c.min_hits = min_hits;
	c.window = window;
	c.allow_special = allow;
	f->s = store_open(&c, 0, err, sizeof(err));
	if (f->s == NULL)
		fail_msg("reopen: %s", err);
}

static enum store_hit_outcome
hit(struct store *s, const char *ip, int64_t t, enum hit_class c)
{
	struct store_hit h = {
		.t = t, .addr = test_addr(ip), .class = c, .subclass = "test",
		.sensor = "unit", .helo = "mx.example.net",
		.mail_from = "", .rcpt = "trap@trap.test",
		.excerpt = "Subject: Undelivered Mail Returned to Sender",
	};
	enum store_hit_outcome o;

	if (store_record_hit(s, &h, &o) == -1)
		fail_msg("record_hit: %s", store_errmsg(s));
	return o;
}

static int
listed(struct store *s, const char *ip, int64_t now)
{
	struct addr a = test_addr(ip);
	int rc = store_lookup(s, &a, now, NULL);

	if (rc == -1)
		fail_msg("lookup: %s", store_errmsg(s));
	return rc;
}

static uint64_t
serial(struct store *s)
{
	uint64_t n;

	assert_int_equal(store_serial(s, &n), 0);
	return n;
}

static void
test_open_creates_and_reopens(void **state)
{
	struct fixture *f = *state;
	struct store_config c = config_for(f->path);
	struct store *again;
	char err[256];

	assert_true(access(f->path, F_OK) == 0);
	again = store_open(&c, STORE_OPEN_READONLY, err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(serial(again), 0);
	/* A read-only handle never writes. */
	assert_int_equal(store_expire(again, T0, "t", NULL), -1);
	store_close(again);
	store_close(NULL);
}

static void
test_hit_lists_until_exactly_ttl(void **state)
{
	struct fixture *f = *state;
	struct listing l;
	struct addr a = test_addr("192.0.2.1");

	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	assert_int_equal(hit(f->s, "192.0.2.1", T0, HIT_BOUNCE),
	    STORE_HIT_LISTED);
	assert_int_equal(store_lookup(f->s, &a, T0, &l), 1);
	assert_int_equal(l.listed_since, T0);
	assert_int_equal(l.last_seen, T0);
	assert_int_equal(l.expires, T0 + TTL);
	assert_int_equal(l.hits, 1);
	assert_int_equal(l.times_listed, 1);
	assert_int_equal(l.classes, HIT_CLASS_BIT(HIT_BOUNCE));
	assert_int_equal(l.state, LISTING_LISTED);
	/* Exact to the second, and without any sweep. */
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + TTL - 1), 1);
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + TTL), 0);
	assert_int_equal(listed(f->s, "192.0.2.2", T0), 0);
	assert_int_equal(store_listing_get(f->s, &(struct prefix){ a, 128 },
	    T0 + TTL, &l), 1);
	assert_int_equal(l.state, LISTING_EXPIRED);
}

static void
test_new_hit_extends(void **state)
{
	struct fixture *f = *state;
	struct listing l;
	struct addr a = test_addr("192.0.2.1");

	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	assert_int_equal(hit(f->s, "192.0.2.1", T0 + 10 * DAY, HIT_CALLOUT),
	    STORE_HIT_EXTENDED);
	assert_int_equal(store_lookup(f->s, &a, T0 + TTL, &l), 1);
	assert_int_equal(l.expires, T0 + 10 * DAY + TTL);
	assert_int_equal(l.listed_since, T0);
	assert_int_equal(l.hits, 2);
	assert_int_equal(l.times_listed, 1);
	assert_int_equal(l.classes,
	    HIT_CLASS_BIT(HIT_BOUNCE) | HIT_CLASS_BIT(HIT_CALLOUT));
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + 10 * DAY + TTL - 1),
	    1);
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + 10 * DAY + TTL), 0);
	/* A late hit (an older spooled event) never shortens the listing. */
	assert_int_equal(hit(f->s, "192.0.2.1", T0 + DAY, HIT_BOUNCE),
	    STORE_HIT_EXTENDED);
	assert_int_equal(store_lookup(f->s, &a, T0, &l), 1);
	assert_int_equal(l.expires, T0 + 10 * DAY + TTL);
	assert_int_equal(l.last_seen, T0 + 10 * DAY);
}

static int
count_change(void *arg, uint64_t s, int64_t t, const struct prefix *p,
    enum store_change_op op)
{
	char *ops = arg;
	size_t n = strlen(ops);

	(void)s;
	(void)t;
	(void)p;
	if (n < 63) {
		ops[n] = (char)op;
		ops[n + 1] = '\0';
	}
	return 0;
}

static void
test_expire_is_idempotent(void **state)
{
	struct fixture *f = *state;
	int64_t n = -1;
	uint64_t before;
	char ops[64] = "";

	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	hit(f->s, "192.0.2.9", T0 + DAY, HIT_AUTOREPLY);
	assert_int_equal(store_expire(f->s, T0 + TTL - 1, "test", &n), 0);
	assert_int_equal(n, 0);
	before = serial(f->s);
	assert_int_equal(store_expire(f->s, T0 + TTL, "test", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(serial(f->s), before + 1);
	assert_int_equal(store_expire(f->s, T0 + TTL, "test", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(serial(f->s), before + 1);
	assert_int_equal(store_changes_since(f->s, 0, count_change, ops), 0);
	assert_string_equal(ops, "AAD");
	assert_int_equal(listed(f->s, "192.0.2.9", T0 + TTL), 1);
}

static void
test_relist_after_expiry_and_delist(void **state)
{
	struct fixture *f = *state;
	struct listing l;
	struct prefix p = test_prefix("192.0.2.1");

	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	/* Expired (no sweep ran): the next hit starts a new listing. */
	assert_int_equal(hit(f->s, "192.0.2.1", T0 + 40 * DAY, HIT_BOUNCE),
	    STORE_HIT_LISTED);
	assert_int_equal(store_listing_get(f->s, &p, T0 + 40 * DAY, &l), 1);
	assert_int_equal(l.times_listed, 2);
	assert_int_equal(l.listed_since, T0 + 40 * DAY);
	assert_int_equal(l.first_seen, T0);

	assert_int_equal(store_list_del(f->s, &p, T0 + 41 * DAY, "operator",
	    "fixed their Postfix", "cli:test"), 1);
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + 41 * DAY), 0);
	assert_int_equal(store_listing_get(f->s, &p, T0 + 41 * DAY, &l), 1);
	assert_int_equal(l.state, LISTING_DELISTED);
	assert_int_equal(l.delisted_at, T0 + 41 * DAY);
	assert_string_equal(l.delist_how, "operator");
	assert_int_equal(store_list_del(f->s, &p, T0 + 41 * DAY, "operator",
	    NULL, "cli:test"), 0);
	/* A new hit relists. */
	assert_int_equal(hit(f->s, "192.0.2.1", T0 + 42 * DAY, HIT_CALLOUT),
	    STORE_HIT_LISTED);
	assert_int_equal(store_listing_get(f->s, &p, T0 + 42 * DAY, &l), 1);
	assert_int_equal(l.times_listed, 3);
	assert_int_equal(l.hits, 3);
	assert_int_equal(listed(f->s, "192.0.2.1", T0 + 42 * DAY), 1);
}

static void
test_exclusions(void **state)
{
	struct fixture *f = *state;
	struct prefix ex = test_prefix("198.51.100.0/24"), got;
	struct prefix inside = test_prefix("198.51.100.0/25");
	struct prefix wider = test_prefix("198.51.0.0/16");
	struct addr a = test_addr("198.51.100.8");

	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	hit(f->s, "198.51.100.7", T0, HIT_BOUNCE);
	assert_int_equal(store_list_add(f->s, &wider, T0, TTL, "whole net",
	    "cli:test"), 0);
	assert_int_equal(listed(f->s, "198.51.100.7", T0), 1);
	assert_int_equal(store_exclude_add(f->s, &ex, T0 + 1, "our customer",
	    "cli:test"), 0);
	/* Listings inside the range are delisted, the wider one carved. */
	assert_int_equal(listed(f->s, "198.51.100.7", T0 + 1), 0);
	assert_int_equal(listed(f->s, "198.51.100.200", T0 + 1), 0);
	assert_int_equal(listed(f->s, "198.51.7.1", T0 + 1), 1);
	assert_int_equal(store_is_excluded(f->s, &a, &got), 1);
	assert_int_equal(got.len, 120);
	assert_int_equal(hit(f->s, "198.51.100.8", T0 + 2, HIT_BOUNCE),
	    STORE_HIT_EXCLUDED);
	assert_int_equal(store_list_add(f->s, &inside, T0 + 2, TTL, NULL,
	    "cli:test"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "exclusion"));
	/* Adding it again is not an error and journals nothing. */
	uint64_t before = serial(f->s);
	assert_int_equal(store_exclude_add(f->s, &ex, T0 + 3, NULL, "t"), 0);
	assert_int_equal(serial(f->s), before);

	assert_int_equal(store_exclude_del(f->s, &ex, T0 + 4, NULL, "t"), 1);
	assert_int_equal(store_exclude_del(f->s, &ex, T0 + 4, NULL, "t"), 0);
	assert_int_equal(hit(f->s, "198.51.100.8", T0 + 5, HIT_BOUNCE),
	    STORE_HIT_LISTED);
}

static void
test_special_ranges(void **state)
{
	struct fixture *f = *state;

	reopen(f, 1, TTL, 0);
	assert_int_equal(hit(f->s, "10.1.2.3", T0, HIT_BOUNCE),
	    STORE_HIT_SPECIAL);
	assert_int_equal(hit(f->s, "127.0.0.5", T0, HIT_BOUNCE),
	    STORE_HIT_SPECIAL);
	assert_int_equal(hit(f->s, "2001:db8::1", T0, HIT_BOUNCE),
	    STORE_HIT_SPECIAL);
	assert_int_equal(hit(f->s, "fe80::1", T0, HIT_CALLOUT),
	    STORE_HIT_SPECIAL);
	assert_int_equal(listed(f->s, "127.0.0.5", T0), 0);
	/* Test setups on loopback allow that one class by name. */
	reopen(f, 1, TTL, SPECIAL_LOOPBACK);
	assert_int_equal(hit(f->s, "127.0.0.5", T0, HIT_BOUNCE),
	    STORE_HIT_LISTED);
	assert_int_equal(hit(f->s, "10.1.2.3", T0, HIT_BOUNCE),
	    STORE_HIT_SPECIAL);
	assert_int_equal(listed(f->s, "127.0.0.5", T0), 1);
	/* Public addresses need no permission. */
	assert_int_equal(hit(f->s, "8.8.4.4", T0, HIT_AUTOREPLY),
	    STORE_HIT_LISTED);
	assert_int_equal(hit(f->s, "2a00:1450::1", T0, HIT_CALLOUT),
	    STORE_HIT_LISTED);
	assert_int_equal(listed(f->s, "2a00:1450::1", T0), 1);
	assert_int_equal(listed(f->s, "2a00:1450::2", T0), 0);
}

static int
count_hit(void *arg, int64_t id, const struct store_hit *h)
{
	int *n = arg;

	(void)id;
	assert_string_equal(h->rcpt, "trap@trap.test");
	(*n)++;
	return 0;
}

static void
test_other_is_evidence_only(void **state)
{
	struct fixture *f = *state;
	struct addr a = test_addr("8.8.8.8");
	int n = 0;

	assert_int_equal(hit(f->s, "8.8.8.8", T0, HIT_OTHER),
	    STORE_HIT_NOT_LISTABLE);
	assert_int_equal(listed(f->s, "8.8.8.8", T0), 0);
	assert_int_equal(serial(f->s), 0);
	assert_int_equal(store_hits_foreach(f->s, &a, 10, count_hit, &n), 0);
	assert_int_equal(n, 1);
}

static enum store_hit_outcome
hit_to(struct store *s, const char *ip, int64_t t, enum hit_class c,
    const char *rcpt)
{
	struct store_hit h = {
		.t = t, .addr = test_addr(ip), .class = c, .subclass = "test",
		.sensor = "unit", .helo = "mx.example.net",
		.mail_from = "", .rcpt = rcpt,
	};
	enum store_hit_outcome o;

	if (store_record_hit(s, &h, &o) == -1)
		fail_msg("record_hit: %s", store_errmsg(s));
	return o;
}

struct probe_walk {
	int	n;
	int64_t	last;
};

static int
probe_walk_cb(void *arg, int64_t id, const struct store_hit *h)
{
	struct probe_walk *w = arg;

	assert_non_null(h->rcpt);
	w->n++;
	w->last = id;
	return 0;
}

/*
 * A hit to an active probe address is evidence, never a listing; the
 * same address after the probe expired, an unknown token, or a token
 * only as a substring of the local part lists as usual.
 */
static void
test_probe_hits_not_listed(void **state)
{
	struct fixture *f = *state;
	struct probe_walk w = { 0, 0 };
	int64_t last = -1;

	assert_int_equal(store_hit_last_id(f->s, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_probe_add(f->s, "probe-abc123", "mx.test",
	    T0, T0 + 600), 0);
	/* Used tokens and bad ones are refused. */
	assert_int_equal(store_probe_add(f->s, "probe-abc123", "mx.test",
	    T0, T0 + 600), -1);
	assert_int_equal(store_probe_add(f->s, "abc123", "x", T0, T0 + 1), -1);
	assert_int_equal(store_probe_add(f->s, "probe-", "x", T0, T0 + 1), -1);
	assert_int_equal(store_probe_add(f->s, "probe-a'b", "x", T0, T0 + 1),
	    -1);
	assert_int_equal(store_probe_add(f->s, "probe-a@b", "x", T0, T0 + 1),
	    -1);

	assert_int_equal(store_probe_active(f->s, "probe-abc123", T0), 1);
	assert_int_equal(store_probe_active(f->s, "PROBE-ABC123", T0 + 599),
	    1);
	assert_int_equal(store_probe_active(f->s, "probe-abc123", T0 + 600),
	    0);
	assert_int_equal(store_probe_active(f->s, "probe-abc123", T0 - 1), 0);

	assert_int_equal(hit_to(f->s, "8.8.8.8", T0 + 1, HIT_BOUNCE,
	    "probe-abc123@trap.test"), STORE_HIT_NOT_LISTABLE);
	assert_int_equal(hit_to(f->s, "8.8.8.8", T0 + 2, HIT_CALLOUT,
	    "<Probe-ABC123@trap.test>"), STORE_HIT_NOT_LISTABLE);
	assert_int_equal(listed(f->s, "8.8.8.8", T0 + 3), 0);
	assert_int_equal(serial(f->s), 0);
	assert_int_equal(store_hits_for_probe(f->s, 0, "probe-abc123",
	    probe_walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(store_hit_last_id(f->s, &last), 0);
	assert_int_equal(last, w.last);

	/* Not a probe: other tokens, a longer local part, no domain. */
	assert_int_equal(hit_to(f->s, "8.8.4.4", T0 + 1, HIT_BOUNCE,
	    "probe-zzz@trap.test"), STORE_HIT_LISTED);
	assert_int_equal(hit_to(f->s, "8.8.4.5", T0 + 1, HIT_BOUNCE,
	    "probe-abc1234@trap.test"), STORE_HIT_LISTED);
	assert_int_equal(hit_to(f->s, "8.8.4.6", T0 + 1, HIT_BOUNCE,
	    "probe-abc123"), STORE_HIT_LISTED);
	/* After its expiry a probe's address is a trap like any other. */
	assert_int_equal(hit_to(f->s, "8.8.8.8", T0 + 600, HIT_BOUNCE,
	    "probe-abc123@trap.test"), STORE_HIT_LISTED);
	w.n = 0;
	assert_int_equal(store_hits_for_probe(f->s, last, "probe-abc123",
	    probe_walk_cb, &w), 0);
	assert_int_equal(w.n, 1);
}

static void
test_min_hits_within_window(void **state)
{
	struct fixture *f = *state;

	reopen(f, 3, DAY, 0);
	assert_int_equal(hit(f->s, "8.8.8.8", T0, HIT_BOUNCE),
	    STORE_HIT_PENDING);
	assert_int_equal(hit(f->s, "8.8.8.8", T0 + 3600, HIT_BOUNCE),
	    STORE_HIT_PENDING);
	assert_int_equal(listed(f->s, "8.8.8.8", T0 + 3600), 0);
	/* "other" never counts toward the threshold. */
	assert_int_equal(hit(f->s, "8.8.8.8", T0 + 3700, HIT_OTHER),
	    STORE_HIT_NOT_LISTABLE);
	assert_int_equal(hit(f->s, "8.8.8.8", T0 + 7200, HIT_CALLOUT),
	    STORE_HIT_LISTED);
	assert_int_equal(listed(f->s, "8.8.8.8", T0 + 7200), 1);

	/* Spread wider than the window: never listed. */
	assert_int_equal(hit(f->s, "9.9.9.9", T0, HIT_BOUNCE),
	    STORE_HIT_PENDING);
	assert_int_equal(hit(f->s, "9.9.9.9", T0 + 2 * DAY, HIT_BOUNCE),
	    STORE_HIT_PENDING);
	assert_int_equal(hit(f->s, "9.9.9.9", T0 + 4 * DAY, HIT_BOUNCE),
	    STORE_HIT_PENDING);
	assert_int_equal(listed(f->s, "9.9.9.9", T0 + 4 * DAY), 0);
}

struct serials {
	uint64_t	last;
	int		n;
	int		monotonic;
};

static int
check_serial(void *arg, uint64_t s, int64_t t, const struct prefix *p,
    enum store_change_op op)
{
	struct serials *c = arg;

	(void)t;
	(void)p;
	(void)op;
	if (s <= c->last)
		c->monotonic = 0;
	c->last = s;
	c->n++;
	return 0;
}

static void
test_serials_monotonic(void **state)
{
	struct fixture *f = *state;
	struct serials c = { 0, 0, 1 };
	struct prefix p = test_prefix("8.8.8.8");

	hit(f->s, "8.8.8.8", T0, HIT_BOUNCE);
	hit(f->s, "8.8.8.8", T0 + 1, HIT_BOUNCE);
	hit(f->s, "1.1.1.1", T0 + 2, HIT_CALLOUT);
	assert_int_equal(store_list_del(f->s, &p, T0 + 3, "operator", NULL,
	    "t"), 1);
	hit(f->s, "8.8.8.8", T0 + 4, HIT_BOUNCE);
	assert_int_equal(store_expire(f->s, T0 + 10 * TTL, "t", NULL), 0);
	assert_int_equal(store_changes_since(f->s, 0, check_serial, &c), 0);
	assert_true(c.monotonic);
	assert_int_equal(c.n, 7);
	assert_int_equal(serial(f->s), c.last);
	/* Reading from the middle gives only what came after. */
	c = (struct serials){ 3, 0, 1 };
	assert_int_equal(store_changes_since(f->s, 3, check_serial, &c), 0);
	assert_int_equal(c.n, 4);
}

static void
test_manual_prefixes(void **state)
{
	struct fixture *f = *state;
	struct prefix net = test_prefix("203.0.113.0/24"), v6 = test_prefix("2001:db8:1::/48");
	struct prefix bad = test_prefix("::/0"), ex = test_prefix("203.0.113.9");
	struct listing l;
	struct addr a = test_addr("203.0.113.77");

	assert_int_equal(store_list_add(f->s, &net, T0, STORE_NEVER,
	    "known backscatterer", "cli:test"), 0);
	assert_int_equal(store_lookup(f->s, &a, T0 + 1000 * DAY, &l), 1);
	assert_int_equal(l.prefix.len, 120);
	assert_int_equal(l.expires, STORE_NEVER);
	assert_string_equal(l.reason, "known backscatterer");
	assert_int_equal(l.classes, HIT_CLASS_BIT(HIT_MANUAL));
	assert_int_equal(listed(f->s, "203.0.114.1", T0), 0);
	/* A host listing inside wins as the most specific answer. */
	reopen(f, 1, TTL, SPECIAL_DOCUMENTATION);
	hit(f->s, "203.0.113.77", T0, HIT_BOUNCE);
	assert_int_equal(store_lookup(f->s, &a, T0, &l), 1);
	assert_int_equal(l.prefix.len, 128);
	/* An exclusion carves a hole in a wider manual listing. */
	assert_int_equal(store_exclude_add(f->s, &ex, T0, NULL, "t"), 0);
	assert_int_equal(listed(f->s, "203.0.113.9", T0), 0);
	assert_int_equal(listed(f->s, "203.0.113.10", T0), 1);

	assert_int_equal(store_list_add(f->s, &v6, T0, TTL, NULL, "t"), 0);
	assert_int_equal(listed(f->s, "2001:db8:1:ffff::1", T0), 1);
	assert_int_equal(listed(f->s, "2001:db8:2::1", T0), 0);
	assert_int_equal(listed(f->s, "2001:db8:1::1", T0 + TTL), 0);
	assert_int_equal(store_list_add(f->s, &bad, T0, TTL, NULL, "t"), -1);
	assert_int_equal(store_list_add(f->s, &net, T0, 0, NULL, "t"), -1);
}

struct audit_seen {
	int	adds, dels;
};

static int
count_audit(void *arg, const struct store_audit *a)
{
	struct audit_seen *s = arg;

	assert_string_equal(a->target, "192.0.2.0/24");
	assert_string_equal(a->who, "cli:alice");
	if (strcmp(a->action, "list add") == 0)
		s->adds++;
	else if (strcmp(a->action, "list del") == 0) {
		assert_string_equal(a->reason, "mistake");
		s->dels++;
	}
	return 0;
}

static void
test_audit(void **state)
{
	struct fixture *f = *state;
	struct prefix p = test_prefix("192.0.2.0/24");
	struct audit_seen seen = { 0, 0 };

	assert_int_equal(store_list_add(f->s, &p, T0, TTL, "spam run",
	    "cli:alice"), 0);
	assert_int_equal(store_list_del(f->s, &p, T0 + 1, "operator",
	    "mistake", "cli:alice"), 1);
	assert_int_equal(store_audit_foreach(f->s, "192.0.2.0/24", 0,
	    count_audit, &seen), 0);
	assert_int_equal(seen.adds, 1);
	assert_int_equal(seen.dels, 1);
}

static void
test_batch_is_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[2] = {
		{ .t = T0, .addr = test_addr("8.8.8.8"), .class = HIT_BOUNCE },
		{ .t = T0, .addr = test_addr("8.8.4.4"), .class = (enum hit_class)42 },
	};
	struct store_stats st;

	assert_int_equal(store_record_hits(f->s, h, 2, NULL), -1);
	assert_non_null(strstr(store_errmsg(f->s), "class"));
	assert_int_equal(store_stats(f->s, T0, &st), 0);
	assert_int_equal(st.hits, 0);
	assert_int_equal(listed(f->s, "8.8.8.8", T0), 0);
	h[1].class = HIT_CALLOUT;
	assert_int_equal(store_record_hits(f->s, h, 2, NULL), 0);
	assert_int_equal(store_stats(f->s, T0, &st), 0);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.listed, 2);
	assert_int_equal(st.listed_by_class[HIT_CALLOUT], 1);
	assert_int_equal(st.by_state[LISTING_LISTED], 2);
	assert_int_equal(st.hits_24h, 2);
	assert_true(st.db_bytes > 0);
	/*
	 * Both are in the last 24 hours for a day, and until the end of
	 * their minute a day later (T0 is 20 s into its minute).
	 */
	assert_int_equal(store_stats(f->s, T0 + 86399, &st), 0);
	assert_int_equal(st.hits_24h, 2);
	assert_int_equal(store_stats(f->s, T0 + 86400 + 39, &st), 0);
	assert_int_equal(st.hits_24h, 2);
	assert_int_equal(store_stats(f->s, T0 + 86400 + 40, &st), 0);
	assert_int_equal(st.hits_24h, 0);
	assert_int_equal(st.hits, 2);
	assert_int_equal(store_stats(f->s, T0 + TTL, &st), 0);
	assert_int_equal(st.listed, 0);
	assert_int_equal(st.by_state[LISTING_EXPIRED], 2);
}

/* Keeps the uid of every hit walked, in walk order (newest first). */
struct uid_list {
	char	 uid[8][STORE_UID_LEN + 1];
	size_t	 n;
};

static int
collect_uid(void *arg, int64_t id, const struct store_hit *h)
{
	struct uid_list *u = arg;

	(void)id;
	if (u->n < 8 && h->uid != NULL)
		snprintf(u->uid[u->n++], sizeof(u->uid[0]), "%s", h->uid);
	return 0;
}

/*
 * A flood from one address in one group commit: every hit stored, the
 * journal told once (a reader reads the listing as committed), and each
 * hit's uid made in time order: milliseconds since 1970 in front.
 */
static void
test_batch_of_one_address(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[3] = {
		{ .t = T0, .addr = test_addr("8.8.8.8"), .class = HIT_BOUNCE },
		{ .t = T0 + 1, .addr = test_addr("8.8.8.8"),
		    .class = HIT_CALLOUT },
		{ .t = T0 + 2, .addr = test_addr("8.8.8.8"),
		    .class = HIT_BOUNCE },
	};
	struct store_stats st;
	struct uid_list u = { .n = 0 };
	struct addr a = test_addr("8.8.8.8");
	struct listing l;
	struct timespec ts;
	unsigned long long now_ms, uid_ms;
	char ms_hex[16];
	uint64_t before = serial(f->s);

	assert_int_equal(store_record_hits(f->s, h, 3, NULL), 0);
	assert_int_equal(serial(f->s), before + 1);
	assert_int_equal(store_stats(f->s, T0, &st), 0);
	assert_int_equal(st.hits, 3);
	assert_int_equal(store_lookup(f->s, &a, T0 + 2, &l), 1);
	assert_int_equal(l.hits, 3);
	assert_int_equal(l.last_seen, T0 + 2);
	assert_int_equal(l.expires, T0 + 2 + TTL);

	/* Two batches: two entries, one each. */
	h[0].t = h[1].t = h[2].t = T0 + 3;
	assert_int_equal(store_record_hits(f->s, h, 3, NULL), 0);
	assert_int_equal(serial(f->s), before + 2);

	assert_int_equal(store_hits_foreach(f->s, &a, 8, collect_uid, &u), 0);
	assert_int_equal(u.n, 6);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	now_ms = (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
	for (size_t i = 0; i < u.n; i++) {
		assert_int_equal(strlen(u.uid[i]), STORE_UID_LEN);
		/* Made within the last minute. */
		snprintf(ms_hex, sizeof(ms_hex), "%.12s", u.uid[i]);
		uid_ms = strtoull(ms_hex, NULL, 16);
		assert_true(uid_ms <= now_ms && now_ms - uid_ms < 60000);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(u.uid[i], u.uid[j]);
	}
}

/*
 * A batch keeps the listings it touches and writes them at its end, and
 * starts again past STORE_BATCH_LISTINGS (16) of them: whatever the
 * interleaving, the outcome of every hit and every listing must be what
 * hits recorded one by one make of them. 20 addresses here, one of them
 * excluded, one special, one listed before the batch, and min_hits 2 so that hits in
 * the batch move listings from pending to listed.
 */
/* count(*) of hit through a connection of its own, with SQLite's own VFS. */
static int64_t
hits_seen_by_other(const char *path, char *check, size_t checksize)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM hit",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(check, checksize, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/*
 * With synchronous = FULL the store writes the WAL through its own VFS,
 * which holds a commit's frames and writes them together. A commit far
 * bigger than one hold (300 rows of 1 KB) and a small one after it are
 * whole and visible to another connection the moment they return, and
 * after the store is closed and opened again.
 */
static void
test_full_sync_commits(void **state)
{
	struct fixture *f = *state;
	struct store_config c = config_for(f->path);
	struct store_hit h[300];
	struct store_stats st;
	char excerpt[1000], ip[300][24], check[64] = "", err[256];

	store_close(f->s);
	c.sync_full = 1;
	if ((f->s = store_open(&c, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	memset(excerpt, 'x', sizeof(excerpt) - 1);
	excerpt[sizeof(excerpt) - 1] = '\0';
	for (size_t i = 0; i < 300; i++) {
		snprintf(ip[i], sizeof(ip[i]), "8.8.%zu.%zu", i / 200, i % 200);
		memset(&h[i], 0, sizeof(h[i]));
		h[i].t = T0 + (int64_t)i;
		h[i].addr = test_addr(ip[i]);
		h[i].class = HIT_BOUNCE;
		h[i].subclass = "bounce/dsn";
		h[i].sensor = "unit";
		h[i].helo = "mx.example.net";
		h[i].mail_from = "";
		h[i].rcpt = "trap@trap.test";
		h[i].excerpt = excerpt;
	}
	assert_int_equal(store_record_hits(f->s, h, 300, NULL), 0);
	assert_int_equal(hits_seen_by_other(f->path, check, sizeof(check)),
	    300);
	assert_string_equal(check, "ok");
	hit(f->s, "8.8.9.9", T0 + 400, HIT_BOUNCE);
	assert_int_equal(hits_seen_by_other(f->path, check, sizeof(check)),
	    301);

	store_close(f->s);
	if ((f->s = store_open(&c, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(store_stats(f->s, T0 + 400, &st), 0);
	assert_int_equal(st.hits, 301);
	assert_int_equal(listed(f->s, "8.8.1.99", T0 + 400), 1);
}

static void
test_batch_agrees_with_single_hits(void **state)
{
	struct fixture *f = *state;
	struct store_config c = config_for(f->path);
	struct store *one, *many;
	struct store_hit h[60];
	enum store_hit_outcome o_one, o_many[60];
	struct prefix ex = test_prefix("8.8.8.7/32");
	struct listing l1, lm;
	char path[160], ip[20][32], err[256];

	store_close(f->s);
	f->s = NULL;
	c.min_hits = 2;
	if ((many = store_open(&c, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	snprintf(path, sizeof(path), "%s/var/one.db", f->dir);
	c.path = path;
	if ((one = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	for (size_t i = 0; i < 20; i++)
		snprintf(ip[i], sizeof(ip[i]), "8.8.8.%zu", i + 1);
	/* Documentation space, not allowed here: never listed. */
	snprintf(ip[19], sizeof(ip[19]), "192.0.2.20");
	assert_int_equal(store_exclude_add(one, &ex, T0, "t", "t"), 0);
	assert_int_equal(store_exclude_add(many, &ex, T0, "t", "t"), 0);
	hit(one, ip[0], T0, HIT_BOUNCE);
	hit(one, ip[0], T0 + 1, HIT_BOUNCE);
	hit(many, ip[0], T0, HIT_BOUNCE);
	hit(many, ip[0], T0 + 1, HIT_BOUNCE);

	for (size_t i = 0; i < 60; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].t = T0 + 10 + (int64_t)i;
		h[i].addr = test_addr(ip[(i * 7) % 20]);
		h[i].class = i % 3 == 0 ? HIT_CALLOUT : HIT_BOUNCE;
		h[i].subclass = "test";
	}
	assert_int_equal(store_record_hits(many, h, 60, o_many), 0);
	for (size_t i = 0; i < 60; i++) {
		assert_int_equal(store_record_hit(one, &h[i], &o_one), 0);
		assert_int_equal(o_many[i], o_one);
	}
	for (size_t i = 0; i < 20; i++) {
		struct addr a = test_addr(ip[i]);
		int found = store_lookup(one, &a, T0 + 100, &l1);

		assert_int_equal(store_lookup(many, &a, T0 + 100, &lm), found);
		if (!found)
			continue;
		assert_int_equal(lm.state, l1.state);
		assert_int_equal(lm.hits, l1.hits);
		assert_int_equal(lm.classes, l1.classes);
		assert_int_equal(lm.first_seen, l1.first_seen);
		assert_int_equal(lm.last_seen, l1.last_seen);
		assert_int_equal(lm.listed_since, l1.listed_since);
		assert_int_equal(lm.expires, l1.expires);
		assert_int_equal(lm.times_listed, l1.times_listed);
	}
	/* 8.8.8.7 (hit 18: 18 * 7 % 20 = 6) is excluded: no listing. */
	assert_int_equal(o_many[18], STORE_HIT_EXCLUDED);
	assert_int_equal(listed(many, "8.8.8.7", T0 + 100), 0);
	assert_int_equal(listed(many, "8.8.8.1", T0 + 100), 1);
	/* 192.0.2.20 (hit 17: 17 * 7 % 20 = 19) is special. */
	assert_int_equal(o_many[17], STORE_HIT_SPECIAL);
	store_close(one);
	f->s = many;
}

static void
test_transaction_rollback(void **state)
{
	struct fixture *f = *state;
	struct prefix p = test_prefix("8.8.8.0/24");

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_list_add(f->s, &p, T0, TTL, NULL, "t"), 0);
	assert_int_equal(listed(f->s, "8.8.8.1", T0), 1);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(listed(f->s, "8.8.8.1", T0), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_list_add(f->s, &p, T0, TTL, NULL, "t"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(listed(f->s, "8.8.8.1", T0), 1);
}

struct walk {
	int	n;
	char	first[PREFIX_STRLEN];
};

static int
walk_cb(void *arg, const struct listing *l)
{
	struct walk *w = arg;

	if (w->n++ == 0)
		prefix_format(&l->prefix, w->first, sizeof(w->first));
	return 0;
}

static void
test_listing_walk_filters(void **state)
{
	struct fixture *f = *state;
	struct prefix within = test_prefix("8.8.0.0/16");
	struct store_filter flt = { .now = T0 + 10 };
	struct walk w = { 0, "" };

	hit(f->s, "9.9.9.9", T0, HIT_BOUNCE);
	hit(f->s, "8.8.8.8", T0 + 5, HIT_CALLOUT);
	hit(f->s, "8.8.4.4", T0 + 6, HIT_AUTOREPLY);
	assert_int_equal(store_listing_foreach(f->s, &flt, walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.first, "8.8.4.4");	/* address order */
	w = (struct walk){ 0, "" };
	flt.within = &within;
	assert_int_equal(store_listing_foreach(f->s, &flt, walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
	w = (struct walk){ 0, "" };
	flt.classes = HIT_CLASS_BIT(HIT_CALLOUT);
	assert_int_equal(store_listing_foreach(f->s, &flt, walk_cb, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.first, "8.8.8.8");
	w = (struct walk){ 0, "" };
	flt = (struct store_filter){ .now = T0 + TTL + 5, .since = T0 + 1,
	    .states = 1u << LISTING_EXPIRED };
	assert_int_equal(store_listing_foreach(f->s, &flt, walk_cb, &w), 0);
	/* 8.8.8.8 ran out one second before 8.8.4.4 does. */
	assert_int_equal(w.n, 1);
	assert_string_equal(w.first, "8.8.8.8");
	w = (struct walk){ 0, "" };
	flt = (struct store_filter){ .now = T0, .limit = 2 };
	assert_int_equal(store_listing_foreach(f->s, &flt, walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
}

static void
test_refuses_foreign_files(void **state)
{
	struct fixture *f = *state;
	char other[160], junk[160], err[256];
	struct store_config c;
	sqlite3 *db;
	FILE *fp;

	snprintf(other, sizeof(other), "%s/other.db", f->dir);
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	c = config_for(other);
	assert_null(store_open(&c, STORE_OPEN_CREATE, err, sizeof(err)));
	assert_non_null(strstr(err, "not a backscatter store"));

	snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
	assert_non_null(fp = fopen(junk, "w"));
	fputs("this is not a database, it is a text file of some length "
	    "that goes on for a while to fill a header page.........\n", fp);
	fclose(fp);
	c = config_for(junk);
	assert_null(store_open(&c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, junk));

	/* A newer schema is refused, never touched. */
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	c = config_for(f->path);
	assert_null(store_open(&c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));

	c = config_for("/nonexistent/dir/x.db");
	assert_null(store_open(&c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
}

static int
count_requests(void *arg, const struct store_delist_request *q)
{
	(void)q;
	(*(int *)arg)++;
	return 0;
}

static void
test_delist_requests(void **state)
{
	struct fixture *f = *state;
	struct prefix p = test_prefix("198.18.0.1");
	struct store_delist_request q;
	struct addr a = test_addr("198.18.0.1");
	uint64_t before;
	int64_t id, id2, n;
	int cnt = 0;

	reopen(f, 1, TTL, SPECIAL_BENCHMARKING);
	hit(f->s, "198.18.0.1", T0, HIT_BOUNCE);
	hit(f->s, "198.18.0.1", T0 + 100, HIT_CALLOUT);
	assert_int_equal(store_hits_since(f->s, &a, T0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_hits_since(f->s, &a, T0 - 1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_delist_request_pending(f->s, &p, &q), 0);
	assert_int_equal(store_delist_request_add(f->s, &p, T0 + DAY,
	    "me@example.net", "fixed it", "web:192.0.2.9", "web:test", &id),
	    0);
	assert_int_equal(store_delist_request_pending(f->s, &p, &q), 1);
	assert_int_equal(q.id, id);
	assert_int_equal(q.state, STORE_DELIST_PENDING);
	assert_string_equal(q.requester, "me@example.net");
	assert_string_equal(q.client, "web:192.0.2.9");
	assert_int_equal(listed(f->s, "198.18.0.1", T0 + DAY), 1);

	/* Approval delists at once and journals an unlist change. */
	before = serial(f->s);
	assert_int_equal(store_delist_request_decide(f->s, id, 1, T0 + DAY + 5,
	    "ok", "cli:op"), 1);
	assert_int_equal(listed(f->s, "198.18.0.1", T0 + DAY + 5), 0);
	assert_int_equal(serial(f->s), before + 1);
	assert_int_equal(store_delist_request_get(f->s, id, &q), 1);
	assert_int_equal(q.state, STORE_DELIST_APPROVED);
	assert_int_equal(q.decided_at, T0 + DAY + 5);
	assert_string_equal(q.decided_by, "cli:op");
	assert_string_equal(q.note, "ok");
	/* Deciding twice changes nothing. */
	assert_int_equal(store_delist_request_decide(f->s, id, 0, T0 + DAY + 9,
	    NULL, "cli:op"), 0);
	assert_int_equal(store_delist_request_decide(f->s, 9999, 1, T0, NULL,
	    "cli:op"), 0);
	assert_int_equal(store_express_count(f->s, &p, T0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_express_count(f->s, &p, T0 + DAY + 5, &n), 0);
	assert_int_equal(n, 0);

	/* A new hit lists it again; a denial leaves it listed. */
	assert_int_equal(hit(f->s, "198.18.0.1", T0 + 2 * DAY, HIT_BOUNCE),
	    STORE_HIT_LISTED);
	assert_int_equal(store_delist_request_add(f->s, &p, T0 + 3 * DAY, NULL,
	    NULL, NULL, "web:test", &id2), 0);
	assert_int_equal(store_delist_request_decide(f->s, id2, 0,
	    T0 + 3 * DAY, "no", "cli:op"), 1);
	assert_int_equal(listed(f->s, "198.18.0.1", T0 + 3 * DAY), 1);
	assert_int_equal(store_delist_request_foreach(f->s, 0, 0,
	    count_requests, &cnt), 0);
	assert_int_equal(cnt, 2);
	cnt = 0;
	assert_int_equal(store_delist_request_foreach(f->s,
	    1u << STORE_DELIST_PENDING, 0, count_requests, &cnt), 0);
	assert_int_equal(cnt, 0);
}

struct hist {
	int64_t			 t[8];
	enum store_change_op	 op[8];
	int			 n;
};

static int
hist_cb(void *arg, int64_t t, enum store_change_op op)
{
	struct hist *h = arg;

	if (h->n < 8) {
		h->t[h->n] = t;
		h->op[h->n] = op;
	}
	h->n++;
	return 0;
}

static void
test_history(void **state)
{
	struct fixture *f = *state;
	struct prefix p = test_prefix("198.18.0.2");
	struct hist h;

	reopen(f, 1, TTL, SPECIAL_BENCHMARKING);
	hit(f->s, "198.18.0.2", T0, HIT_BOUNCE);
	hit(f->s, "198.18.0.2", T0 + 10, HIT_BOUNCE);	/* extends: same run */
	hit(f->s, "198.18.0.2", T0 + 20, HIT_BOUNCE);
	assert_int_equal(store_list_del(f->s, &p, T0 + 30, "operator", NULL,
	    "cli:op"), 1);
	hit(f->s, "198.18.0.2", T0 + 40, HIT_AUTOREPLY);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_history_foreach(f->s, &p, 0, hist_cb, &h), 0);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.t[0], T0 + 40);
	assert_int_equal(h.op[0], STORE_CHANGE_LIST);
	assert_int_equal(h.t[1], T0 + 30);
	assert_int_equal(h.op[1], STORE_CHANGE_UNLIST);
	assert_int_equal(h.t[2], T0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_history_foreach(f->s, &p, 1, hist_cb, &h), 0);
	assert_int_equal(h.n, 1);
}

struct top {
	char	 name[64];
	int64_t	 count;
	int	 n;
};

static int
top_net(void *arg, const struct prefix *p, int64_t count)
{
	struct top *t = arg;

	if (t->n++ == 0) {
		prefix_format(p, t->name, sizeof(t->name));
		t->count = count;
	}
	return 0;
}

static int
top_value(void *arg, const char *v, int64_t count)
{
	struct top *t = arg;

	if (t->n++ == 0) {
		snprintf(t->name, sizeof(t->name), "%s", v);
		t->count = count;
	}
	return 0;
}

static int
page_cb(void *arg, const struct listing *l)
{
	struct prefix *last = arg;

	*last = l->prefix;
	return 0;
}

static void
test_web_stats(void **state)
{
	struct fixture *f = *state;
	struct store_day days[3];
	struct store_hit h = {
		.class = HIT_BOUNCE, .subclass = "bounce/dsn", .rcpt = "t@trap",
		.excerpt = "Subject: x\nReporting-MTA: dns; MX.Example.NET\n"
		    "MTA: postfix",
	};
	enum store_hit_outcome o;
	struct prefix last, p;
	struct top t;
	int64_t day0 = (T0 / DAY) * DAY;

	reopen(f, 1, TTL, SPECIAL_BENCHMARKING);
	h.t = day0 + 100;
	h.addr = test_addr("198.18.5.1");
	assert_int_equal(store_record_hit(f->s, &h, &o), 0);
	h.addr = test_addr("198.18.5.2");
	assert_int_equal(store_record_hit(f->s, &h, &o), 0);
	hit(f->s, "198.18.6.1", day0 + DAY + 5, HIT_CALLOUT);
	p = test_prefix("198.18.7.0/24");
	assert_int_equal(store_list_add(f->s, &p, day0 + DAY + 6, TTL, NULL,
	    "cli:op"), 0);
	assert_int_equal(store_daily_stats(f->s, day0, 3, days), 0);
	assert_int_equal(days[0].active, 2);
	assert_int_equal(days[0].new_by_class[HIT_BOUNCE], 2);
	assert_int_equal(days[1].active, 4);
	assert_int_equal(days[1].new_by_class[HIT_CALLOUT], 1);
	assert_int_equal(days[1].new_by_class[HIT_MANUAL], 1);
	assert_int_equal(days[2].active, 4);
	/* A listing that ended does not count after its end. */
	assert_int_equal(store_daily_stats(f->s, day0 + 40 * DAY, 1, days), 0);
	assert_int_equal(days[0].active, 0);

	memset(&t, 0, sizeof(t));
	assert_int_equal(store_top_networks(f->s, day0 + 2 * DAY, 0, 10,
	    top_net, &t), 0);
	assert_string_equal(t.name, "198.18.5.0/24");
	assert_int_equal(t.count, 2);
	assert_int_equal(t.n, 3);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_top_networks(f->s, day0 + 2 * DAY, 1, 10,
	    top_net, &t), 0);
	assert_int_equal(t.n, 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_top_excerpt_values(f->s, "Reporting-MTA", 0, 5,
	    top_value, &t), 0);
	assert_string_equal(t.name, "dns; mx.example.net");
	assert_int_equal(t.count, 2);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_top_excerpt_values(f->s, "MTA", 0, 5,
	    top_value, &t), 0);
	assert_string_equal(t.name, "postfix");

	/* Pages: 4 active listings, 3 per page. */
	assert_int_equal(store_listings_page(f->s, day0 + 2 * DAY, 0, NULL, 3,
	    page_cb, &last), 0);
	p = last;
	memset(&last, 0, sizeof(last));
	assert_int_equal(store_listings_page(f->s, day0 + 2 * DAY, 0, &p, 3,
	    page_cb, &last), 0);
	prefix_format(&last, t.name, sizeof(t.name));
	assert_string_equal(t.name, "198.18.7.0/24");
	assert_int_equal(store_listings_page(f->s, day0 + 2 * DAY, 0, NULL, 0,
	    page_cb, &last), -1);
}

/*
 * The statistics' counts against the hit table itself: what
 * store_stats() reads from hit_count and the hits past its mark must be
 * what a count of every hit says, class by class and for the last 24
 * hours in whole minutes.
 */
static void
assert_counts_are_the_hits(struct store *s, const char *path, int64_t now)
{
	int64_t by_class[HIT_NCLASSES] = { 0 }, last_day = 0;
	struct store_stats st;
	sqlite3_stmt *q;
	sqlite3 *db;

	assert_int_equal(store_stats(s, now, &st), 0);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT class, count(*),"
	    " sum(t / 60 >= ?1 / 60 - 1440) FROM hit GROUP BY class", -1, &q,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, now);
	while (sqlite3_step(q) == SQLITE_ROW) {
		by_class[sqlite3_column_int(q, 0)] = sqlite3_column_int64(q, 1);
		last_day += sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	for (int c = 0; c < HIT_NCLASSES; c++)
		assert_int_equal(st.hits_by_class[c], by_class[c]);
	assert_int_equal(st.hits_24h, last_day);
}

/* Rows in hit_count. */
static int64_t
count_rows(const char *path)
{
	sqlite3_stmt *q;
	sqlite3 *db;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM"
	    " hit_count", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

#define COUNT_HITS	5000	/* past the store's STORE_COUNT_EVERY */
#define COUNT_BATCH	500

/*
 * Hits are counted now and then, by minute; the statistics add the few
 * not yet counted; minutes two days behind fold into one row. The
 * figures stay right through batches, counting, late hits, folds and a
 * failed batch.
 */
static void
test_hit_counts(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[COUNT_BATCH];
	struct store_stats st;
	int64_t end = T0 + 5 * DAY;

	memset(h, 0, sizeof(h));
	for (int i = 0; i < 4; i++) {
		h[i].t = T0;
		h[i].addr = test_addr("192.0.2.1");
		h[i].class = (enum hit_class)i;
	}
	h[3].t = T0 + 40;		/* the next minute */
	assert_int_equal(store_record_hits(f->s, h, 4, NULL), 0);
	hit(f->s, "192.0.2.2", T0, HIT_BOUNCE);
	assert_int_equal(store_stats(f->s, T0 + 40, &st), 0);
	assert_int_equal(st.hits, 5);
	assert_int_equal(st.hits_by_class[HIT_OTHER], 1);
	assert_int_equal(st.hits_by_class[HIT_BOUNCE], 2);
	assert_int_equal(st.hits_by_class[HIT_AUTOREPLY], 1);
	assert_int_equal(st.hits_by_class[HIT_CALLOUT], 1);
	assert_int_equal(st.hits_24h, 5);
	/* Too few to count yet: all of them are past the mark. */
	assert_int_equal(count_rows(f->path), 0);
	/* A day and a minute on, only the second minute is left. */
	assert_int_equal(store_stats(f->s, T0 + 86400 + 40, &st), 0);
	assert_int_equal(st.hits_24h, 1);

	/* A hit a minute for 3.5 days, up to end: counted, then folded. */
	for (int b = 0; b < COUNT_HITS / COUNT_BATCH; b++) {
		for (int i = 0; i < COUNT_BATCH; i++) {
			int k = b * COUNT_BATCH + i;

			h[i].t = end - (int64_t)(COUNT_HITS - 1 - k) * 60;
			h[i].addr = test_addr(k % 2 ? "192.0.2.3" :
			    "2001:db8::3");
			h[i].class = k % 3 ? HIT_BOUNCE : HIT_CALLOUT;
		}
		assert_int_equal(store_record_hits(f->s, h, COUNT_BATCH,
		    NULL), 0);
	}
	assert_true(count_rows(f->path) > 0);
	assert_true(count_rows(f->path) <= 2 * 1440 + 2);
	assert_int_equal(store_stats(f->s, end, &st), 0);
	assert_int_equal(st.hits, 5 + COUNT_HITS);
	assert_int_equal(st.hits_24h, 1441);
	assert_counts_are_the_hits(f->s, f->path, end);
	assert_counts_are_the_hits(f->s, f->path, end - DAY);

	/* A late hit, and a batch that fails: it counts nothing. */
	hit(f->s, "192.0.2.4", T0, HIT_AUTOREPLY);
	h[0].t = end;
	h[1].t = end;
	h[1].class = (enum hit_class)42;
	assert_int_equal(store_record_hits(f->s, h, 2, NULL), -1);
	assert_int_equal(store_stats(f->s, end, &st), 0);
	assert_int_equal(st.hits, 6 + COUNT_HITS);
	assert_counts_are_the_hits(f->s, f->path, end);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_open_creates_and_reopens),
		T(test_hit_lists_until_exactly_ttl),
		T(test_new_hit_extends),
		T(test_expire_is_idempotent),
		T(test_relist_after_expiry_and_delist),
		T(test_exclusions),
		T(test_special_ranges),
		T(test_other_is_evidence_only),
		T(test_probe_hits_not_listed),
		T(test_min_hits_within_window),
		T(test_serials_monotonic),
		T(test_manual_prefixes),
		T(test_audit),
		T(test_batch_is_all_or_nothing),
		T(test_batch_of_one_address),
		T(test_batch_agrees_with_single_hits),
		T(test_full_sync_commits),
		T(test_transaction_rollback),
		T(test_listing_walk_filters),
		T(test_refuses_foreign_files),
		T(test_delist_requests),
		T(test_history),
		T(test_web_stats),
		T(test_hit_counts),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
