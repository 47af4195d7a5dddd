/* test_zone.c -- the in-memory zone against a real store, and threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/special.h"
#include "store/store.h"
#include "zone/zone.h"

#define DAY		86400
#define TTL		(28 * DAY)
#define T0		1700000000

struct fixture {
	char			 dir[64];
	char			 path[128];
	struct store		*s;
	struct zone		*z;
	struct zone_reader	*r;
};

static struct store_config
config_for(const char *path)
{
	struct store_config c = {
		.path = path,
		.busy_timeout_ms = 5000,
		.sync_full = 0,
		.ttl = TTL,
		.min_hits = 1,
		.window = TTL,
		/* Documentation ranges make readable test addresses. */
		.allow_special = SPECIAL_ALL,
	};
	return c;
}

static struct store *
open_store(const char *path)
{
	struct store_config c = config_for(path);
	struct store *s;
	char err[256];

	if ((s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bs-zone-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	f->s = open_store(f->path);
	assert_non_null(f->z = zone_new());
	assert_non_null(f->r = zone_reader_register(f->z));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	zone_reader_unregister(f->r);
	zone_free(f->z);
	store_close(f->s);
	if (test_rmdir(f->dir) == -1)
		return -1;
	free(f);
	return 0;
}

/* Records a hit; what became of it is returned, not checked. */
static enum store_hit_outcome
hit_at(struct store *s, const struct addr *a, int64_t t, enum hit_class c)
{
	struct store_hit h = {
		.t = t, .addr = *a, .class = c, .subclass = "test",
		.sensor = "unit",
	};
	enum store_hit_outcome o;

	if (store_record_hit(s, &h, &o) == -1)
		fail_msg("record_hit: %s", store_errmsg(s));
	return o;
}

/* A hit that must list or extend. */
static void
hit(struct store *s, const char *ip, int64_t t, enum hit_class c)
{
	struct addr a = test_addr(ip);
	enum store_hit_outcome o = hit_at(s, &a, t, c);

	if (o != STORE_HIT_LISTED && o != STORE_HIT_EXTENDED)
		fail_msg("hit on %s not listed: outcome %d", ip, (int)o);
}

static void
list_add(struct store *s, const char *pfx, int64_t now, int64_t ttl)
{
	struct prefix p = test_prefix(pfx);

	if (store_list_add(s, &p, now, ttl, "test", "unit") == -1)
		fail_msg("list_add %s: %s", pfx, store_errmsg(s));
}

static void
list_del(struct store *s, const char *pfx, int64_t now)
{
	struct prefix p = test_prefix(pfx);

	assert_int_equal(store_list_del(s, &p, now, "operator", "test",
	    "unit"), 1);
}

static void
load(struct fixture *f)
{
	char err[256];

	if (zone_load(f->z, f->s, err, sizeof(err)) == -1)
		fail_msg("zone_load: %s", err);
}

static size_t
follow(struct fixture *f)
{
	char err[256];
	size_t n;

	if (zone_follow(f->z, f->s, &n, err, sizeof(err)) == -1)
		fail_msg("zone_follow: %s", err);
	return n;
}

static uint64_t
serial(struct store *s)
{
	uint64_t n;

	assert_int_equal(store_serial(s, &n), 0);
	return n;
}

/* 1 listed (and *l), 0 not. */
static int
zl(struct fixture *f, const char *ip, int64_t now, struct zone_listing *l)
{
	struct addr a = test_addr(ip);
	struct zone_listing dummy;

	return zone_lookup(f->r, &a, now, l ? l : &dummy);
}

static int
zi(struct fixture *f, const char *pfx)
{
	struct prefix p = test_prefix(pfx);

	return zone_intersects(f->r, &p);
}

/* The prefix of the listing that answers ip at now, or "-". */
static const char *
answer(struct fixture *f, const char *ip, int64_t now)
{
	static char buf[PREFIX_STRLEN];
	struct zone_listing l;

	if (!zl(f, ip, now, &l))
		return "-";
	assert_int_equal(prefix_format(&l.prefix, buf, sizeof(buf)), 0);
	return buf;
}

/*
 * The store is the oracle: zone_lookup must answer exactly what
 * store_lookup answers, the same listing with the same data.
 */
static void
agree_addr(struct fixture *f, const struct addr *a, int64_t now)
{
	struct zone_listing zlst;
	struct listing sl;
	char buf[ADDR_STRLEN];
	int zr, sr;

	/* The server's prefetch hint goes first: it must change nothing. */
	zone_prefetch(f->r, a, 0);
	zone_prefetch(f->r, a, 1);
	zone_prefetch(f->r, a, 2);
	zr = zone_lookup(f->r, a, now, &zlst);
	sr = store_lookup(f->s, a, now, &sl);
	assert_int_not_equal(sr, -1);
	addr_format(a, buf, sizeof(buf));
	if (zr != sr)
		fail_msg("%s at %lld: zone %d, store %d", buf, (long long)now,
		    zr, sr);
	if (zr == 1) {
		if (zlst.prefix.len != sl.prefix.len ||
		    addr_cmp(&zlst.prefix.addr, &sl.prefix.addr) != 0)
			fail_msg("%s: zone and store answer different "
			    "listings", buf);
		assert_int_equal(zlst.expires, sl.expires);
		assert_int_equal(zlst.listed_since, sl.listed_since);
		assert_int_equal(zlst.last_seen, sl.last_seen);
		assert_int_equal(zlst.classes, sl.classes);
	}
}

static void
agree(struct fixture *f, const char *ip, int64_t now)
{
	struct addr a = test_addr(ip);

	agree_addr(f, &a, now);
}

static void
test_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(zone_serial(f->z), 0);
	assert_int_equal(zone_count(f->z), 0);
	assert_int_equal(zl(f, "192.0.2.1", T0, NULL), 0);
	assert_int_equal(zl(f, "2001:db8::1", T0, NULL), 0);
	assert_int_equal(zi(f, "192.0.2.0/24"), 0);
	assert_int_equal(zi(f, "::/0"), 0);
	assert_int_equal(follow(f), 0);
	load(f);
	assert_int_equal(zone_count(f->z), 0);
	assert_int_equal(zl(f, "192.0.2.1", T0, NULL), 0);
	zone_reader_quiescent(f->r);
	zone_reclaim(f->z);
	zone_free(NULL);
	zone_reader_unregister(NULL);
}

static void
test_load_hosts(void **state)
{
	struct fixture *f = *state;
	struct zone_listing l;

	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	hit(f->s, "192.0.2.1", T0 + 100, HIT_CALLOUT);
	hit(f->s, "192.0.2.9", T0 + 5, HIT_AUTOREPLY);
	hit(f->s, "203.0.113.255", T0, HIT_BOUNCE);
	hit(f->s, "0.0.0.1", T0, HIT_BOUNCE);
	hit(f->s, "255.255.255.255", T0, HIT_BOUNCE);
	hit(f->s, "2001:db8::1", T0, HIT_CALLOUT);
	load(f);
	assert_int_equal(zone_serial(f->z), serial(f->s));
	assert_int_equal(zone_count(f->z), 6);

	assert_int_equal(zl(f, "192.0.2.1", T0 + 200, &l), 1);
	assert_int_equal(l.prefix.len, 128);
	assert_int_equal(l.listed_since, T0);
	assert_int_equal(l.last_seen, T0 + 100);
	assert_int_equal(l.expires, T0 + 100 + TTL);
	assert_int_equal(l.classes, HIT_CLASS_BIT(HIT_BOUNCE) |
	    HIT_CLASS_BIT(HIT_CALLOUT));
	assert_string_equal(answer(f, "192.0.2.9", T0 + 5), "192.0.2.9");
	assert_string_equal(answer(f, "203.0.113.255", T0), "203.0.113.255");
	assert_string_equal(answer(f, "0.0.0.1", T0), "0.0.0.1");
	assert_string_equal(answer(f, "255.255.255.255", T0),
	    "255.255.255.255");
	assert_string_equal(answer(f, "2001:db8::1", T0), "2001:db8::1");
	/* Neighbours, in the same bucket and not. */
	assert_string_equal(answer(f, "192.0.2.2", T0), "-");
	assert_string_equal(answer(f, "192.0.2.0", T0), "-");
	assert_string_equal(answer(f, "192.0.3.1", T0), "-");
	assert_string_equal(answer(f, "0.0.0.0", T0), "-");
	assert_string_equal(answer(f, "2001:db8::2", T0), "-");
	/* The IPv6 spelling of a listed IPv4 address is the same address. */
	assert_string_equal(answer(f, "::ffff:192.0.2.1", T0), "192.0.2.1");

	/* Exact to the second. */
	assert_int_equal(zl(f, "192.0.2.9", T0 + 5 + TTL - 1, NULL), 1);
	assert_int_equal(zl(f, "192.0.2.9", T0 + 5 + TTL, NULL), 0);
	agree(f, "192.0.2.1", T0 + 100 + TTL - 1);
	agree(f, "192.0.2.1", T0 + 100 + TTL);
	agree(f, "2001:db8::1", T0 + TTL);
}

static void
test_nested_prefixes(void **state)
{
	struct fixture *f = *state;
	const char *ips[] = {
		"192.0.2.200", "192.0.2.129", "192.0.2.1", "192.0.3.1",
		"2001:db8:1::1", "2001:db8:1::2", "2001:db8:2::1",
	};
	struct zone_listing l;

	list_add(f->s, "192.0.2.0/24", T0, 30 * DAY);
	list_add(f->s, "192.0.2.128/25", T0, 10 * DAY);
	hit(f->s, "192.0.2.200", T0, HIT_BOUNCE);	/* expires at 28 d */
	list_add(f->s, "2001:db8:1::/48", T0, 5 * DAY);
	list_add(f->s, "2001:db8:1::1", T0, 1 * DAY);
	load(f);

	/* The most specific active listing answers... */
	assert_string_equal(answer(f, "192.0.2.200", T0), "192.0.2.200");
	assert_string_equal(answer(f, "192.0.2.129", T0), "192.0.2.128/25");
	assert_string_equal(answer(f, "192.0.2.1", T0), "192.0.2.0/24");
	assert_string_equal(answer(f, "192.0.3.1", T0), "-");
	/* ...and when it expires, the next shorter one that is active. */
	assert_string_equal(answer(f, "192.0.2.200", T0 + 10 * DAY - 1),
	    "192.0.2.200");
	assert_string_equal(answer(f, "192.0.2.129", T0 + 10 * DAY),
	    "192.0.2.0/24");
	assert_string_equal(answer(f, "192.0.2.200", T0 + TTL),
	    "192.0.2.0/24");
	assert_int_equal(zl(f, "192.0.2.200", T0 + TTL, &l), 1);
	assert_int_equal(l.expires, T0 + 30 * DAY);
	assert_int_equal(l.classes, HIT_CLASS_BIT(HIT_MANUAL));
	assert_string_equal(answer(f, "192.0.2.200", T0 + 30 * DAY), "-");

	assert_string_equal(answer(f, "2001:db8:1::1", T0), "2001:db8:1::1");
	assert_string_equal(answer(f, "2001:db8:1::1", T0 + DAY),
	    "2001:db8:1::/48");
	assert_string_equal(answer(f, "2001:db8:1:ffff::1", T0),
	    "2001:db8:1::/48");
	assert_string_equal(answer(f, "2001:db8:2::1", T0), "-");
	assert_string_equal(answer(f, "2001:db8:1::1", T0 + 5 * DAY), "-");

	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		for (int64_t t = T0; t < T0 + 31 * DAY; t += DAY / 2)
			agree(f, ips[i], t);
}

static void
test_exclusions(void **state)
{
	struct fixture *f = *state;
	struct prefix ex = test_prefix("192.0.2.16/28"), ex6 = test_prefix("2001:db8::/64");

	list_add(f->s, "192.0.2.0/24", T0, TTL);
	hit(f->s, "192.0.2.40", T0, HIT_BOUNCE);
	hit(f->s, "2001:db8::5", T0, HIT_BOUNCE);
	assert_int_equal(store_exclude_add(f->s, &ex, T0, "ours", "unit"), 0);
	load(f);
	/* A hole in the /24. */
	assert_string_equal(answer(f, "192.0.2.15", T0), "192.0.2.0/24");
	assert_string_equal(answer(f, "192.0.2.16", T0), "-");
	assert_string_equal(answer(f, "192.0.2.31", T0), "-");
	assert_string_equal(answer(f, "192.0.2.32", T0), "192.0.2.0/24");
	assert_string_equal(answer(f, "192.0.2.40", T0), "192.0.2.40");
	agree(f, "192.0.2.20", T0);

	/* Followed: a new exclusion delists what lies inside it. */
	assert_int_equal(store_exclude_add(f->s, &ex6, T0 + 1, "ours",
	    "unit"), 0);
	assert_true(follow(f) >= 2);
	assert_string_equal(answer(f, "2001:db8::5", T0 + 1), "-");
	assert_int_equal(zone_count(f->z), 2);
	agree(f, "2001:db8::5", T0 + 1);

	/* Removed: the /24 answers there again. */
	assert_int_equal(store_exclude_del(f->s, &ex, T0 + 2, "no", "unit"),
	    1);
	assert_int_equal(follow(f), 1);
	assert_string_equal(answer(f, "192.0.2.16", T0 + 2), "192.0.2.0/24");
	agree(f, "192.0.2.16", T0 + 2);

	/* A fresh load agrees with what was followed. */
	load(f);
	assert_string_equal(answer(f, "192.0.2.16", T0 + 2), "192.0.2.0/24");
	assert_string_equal(answer(f, "2001:db8::5", T0 + 2), "-");
	assert_string_equal(answer(f, "2001:db8::6", T0 + 2), "-");
	assert_int_equal(zone_serial(f->z), serial(f->s));
}

/* A fresh zone in f from the snapshot at path: 1 loaded, 0 refused. */
static int
from_snapshot(struct fixture *f, const char *path)
{
	char err[512];

	zone_reader_unregister(f->r);
	zone_free(f->z);
	assert_non_null(f->z = zone_new());
	assert_non_null(f->r = zone_reader_register(f->z));
	return zone_load_snapshot(f->z, f->s, path, err, sizeof(err));
}

static void
save(struct fixture *f, const char *path)
{
	char err[512];

	if (zone_snapshot_save(f->z, f->s, AT_FDCWD, path, err,
	    sizeof(err)) != 1)
		fail_msg("zone_snapshot_save: %s", err);
}

/* Flips one byte of the file at off. */
static void
flip_byte(const char *path, long off)
{
	FILE *fp = fopen(path, "r+b");
	int c;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_not_equal(c = fgetc(fp), EOF);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_not_equal(fputc(c ^ 0x5a, fp), EOF);
	assert_int_equal(fclose(fp), 0);
}

/*
 * A restart from a snapshot answers as a load from the store does, and
 * follows what changed since; a snapshot that is damaged, cut short or
 * of another store is refused, and the zone keeps its contents.
 */
static void
test_snapshot(void **state)
{
	struct fixture *f = *state;
	static const char *const ips[] = {
		"192.0.2.1", "192.0.2.77", "198.51.100.9", "198.51.100.200",
		"203.0.113.5", "2001:db8::5", "2001:db8:1::9", "10.9.9.9",
	};
	struct prefix ex = test_prefix("198.51.100.192/26");
	char path[192], other_path[192], cmd[512];
	struct store *other;
	size_t i;

	snprintf(path, sizeof(path), "%s/test.db.zone", f->dir);
	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	hit(f->s, "198.51.100.9", T0, HIT_CALLOUT);
	hit(f->s, "198.51.100.200", T0, HIT_AUTOREPLY);
	hit(f->s, "2001:db8::5", T0, HIT_BOUNCE);
	list_add(f->s, "203.0.113.0/24", T0, TTL);
	list_add(f->s, "2001:db8:1::/48", T0, STORE_NEVER);
	assert_int_equal(store_exclude_add(f->s, &ex, T0, "ours", "unit"), 0);
	load(f);
	/* In the overlay when saved: the snapshot merges it. */
	hit(f->s, "192.0.2.77", T0 + 5, HIT_BOUNCE);
	assert_int_equal(follow(f), 1);
	save(f, path);

	assert_int_equal(from_snapshot(f, path), 1);
	assert_int_equal(zone_serial(f->z), serial(f->s));
	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		agree(f, ips[i], T0 + 10);
	assert_string_equal(answer(f, "198.51.100.200", T0 + 10), "-");

	/* Changes after the snapshot: followed from its serial. */
	list_del(f->s, "203.0.113.0/24", T0 + 20);
	hit(f->s, "10.9.9.9", T0 + 20, HIT_BOUNCE);
	assert_int_equal(store_exclude_del(f->s, &ex, T0 + 20, "no", "unit"),
	    1);
	assert_int_equal(from_snapshot(f, path), 1);
	assert_true(follow(f) >= 3);
	assert_int_equal(zone_serial(f->z), serial(f->s));
	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		agree(f, ips[i], T0 + 30);
	/* Delisted by the exclusion, it stays so once that is removed. */
	assert_string_equal(answer(f, "198.51.100.200", T0 + 30), "-");
	assert_string_equal(answer(f, "10.9.9.9", T0 + 30), "10.9.9.9");
	assert_string_equal(answer(f, "203.0.113.5", T0 + 30), "-");

	/* Damaged: a byte of the body, then one of the header's serial. */
	save(f, path);
	flip_byte(path, 2000);
	assert_int_equal(from_snapshot(f, path), 0);
	assert_int_equal(zone_count(f->z), 0);
	load(f);
	save(f, path);
	flip_byte(path, 16);
	assert_int_equal(from_snapshot(f, path), 0);
	/* Cut short. */
	load(f);
	save(f, path);
	snprintf(cmd, sizeof(cmd), "truncate -s -1 %s", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(from_snapshot(f, path), 0);
	assert_int_equal(from_snapshot(f, "/nonexistent/zone"), 0);

	/* Of another store whose journal has as many entries. */
	load(f);
	save(f, path);
	snprintf(other_path, sizeof(other_path), "%s/other.db", f->dir);
	other = open_store(other_path);
	while (serial(other) < serial(f->s))
		list_add(other, "192.0.2.250", T0 + serial(other), TTL);
	store_close(f->s);
	f->s = other;
	assert_int_equal(serial(f->s), zone_serial(f->z));
	assert_int_equal(from_snapshot(f, path), 0);
}

/*
 * More wide listings than the snapshot writes at once (ZONE_SNAP_BATCH,
 * 1024): every one of them comes back.
 */
static void
test_snapshot_many_wide(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[250];
	char path[192], ip[64];
	size_t total = 0;

	snprintf(path, sizeof(path), "%s/test.db.zone", f->dir);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 250; i++) {
			snprintf(ip, sizeof(ip), "2001:db8:%x::%x", round,
			    i + 1);
			memset(&h[i], 0, sizeof(h[i]));
			h[i].t = T0;
			h[i].addr = test_addr(ip);
			h[i].class = HIT_BOUNCE;
			h[i].subclass = "test";
		}
		assert_int_equal(store_record_hits(f->s, h, 250, NULL), 0);
		total += 250;
	}
	load(f);
	assert_int_equal(zone_count(f->z), total);
	save(f, path);
	assert_int_equal(from_snapshot(f, path), 1);
	assert_int_equal(zone_count(f->z), total);
	agree(f, "2001:db8::1", T0 + 1);
	agree(f, "2001:db8:4::fa", T0 + 1);
	agree(f, "2001:db8:9::fa", T0 + 1);
	assert_string_equal(answer(f, "2001:db8:9::fb", T0 + 1), "-");
}

static void
test_intersects(void **state)
{
	struct fixture *f = *state;

	hit(f->s, "192.0.2.77", T0, HIT_BOUNCE);
	list_add(f->s, "198.51.100.0/24", T0, DAY);
	list_add(f->s, "2001:db8:aa::/48", T0, DAY);
	hit(f->s, "2001:db8:bb::1", T0, HIT_CALLOUT);
	load(f);

	/* Inside p. */
	assert_int_equal(zi(f, "192.0.2.0/24"), 1);
	assert_int_equal(zi(f, "192.0.0.0/16"), 1);
	assert_int_equal(zi(f, "192.0.0.0/8"), 1);
	assert_int_equal(zi(f, "0.0.0.0/0"), 1);
	assert_int_equal(zi(f, "192.0.2.77"), 1);
	assert_int_equal(zi(f, "192.0.2.64/28"), 1);
	assert_int_equal(zi(f, "192.0.2.80/28"), 0);
	assert_int_equal(zi(f, "192.0.3.0/24"), 0);
	assert_int_equal(zi(f, "192.0.1.0/24"), 0);
	assert_int_equal(zi(f, "193.0.0.0/8"), 0);
	/* Covering p. */
	assert_int_equal(zi(f, "198.51.100.128/25"), 1);
	assert_int_equal(zi(f, "198.51.100.1"), 1);
	assert_int_equal(zi(f, "198.51.0.0/16"), 1);
	assert_int_equal(zi(f, "198.51.101.0/24"), 0);
	/* IPv6; and an IPv6 prefix over the whole mapped range. */
	assert_int_equal(zi(f, "2001:db8:aa:1::/64"), 1);
	assert_int_equal(zi(f, "2001:db8:aa::5"), 1);
	assert_int_equal(zi(f, "2001:db8::/32"), 1);
	assert_int_equal(zi(f, "2001:db8:bb::/64"), 1);
	assert_int_equal(zi(f, "2001:db8:cc::/48"), 0);
	assert_int_equal(zi(f, "::/64"), 1);
	assert_int_equal(zi(f, "::/0"), 1);
	assert_int_equal(zi(f, "::/96"), 0);
	/* Expired listings still count: a false "yes" is harmless. */
	assert_int_equal(zl(f, "198.51.100.1", T0 + DAY, NULL), 0);
	assert_int_equal(zi(f, "198.51.100.0/24"), 1);

	/* Followed changes count too: a new listing, a removed one. */
	hit(f->s, "192.0.2.90", T0 + 1, HIT_BOUNCE);
	list_del(f->s, "192.0.2.77", T0 + 1);
	hit(f->s, "203.0.113.7", T0 + 1, HIT_BOUNCE);
	assert_int_equal(follow(f), 3);
	assert_int_equal(zi(f, "192.0.2.64/28"), 0);
	assert_int_equal(zi(f, "192.0.2.80/28"), 1);
	assert_int_equal(zi(f, "192.0.2.0/24"), 1);
	assert_int_equal(zi(f, "203.0.113.0/24"), 1);
	assert_int_equal(zi(f, "203.0.113.7"), 1);
	list_del(f->s, "192.0.2.90", T0 + 2);
	follow(f);
	assert_int_equal(zi(f, "192.0.2.0/24"), 0);
	assert_int_equal(zi(f, "192.0.0.0/8"), 0);
	assert_int_equal(zi(f, "203.0.0.0/8"), 1);
	list_del(f->s, "198.51.100.0/24", T0 + 2);
	follow(f);
	assert_int_equal(zi(f, "198.51.100.1"), 0);
	assert_int_equal(zi(f, "198.51.100.0/24"), 0);
}

static void
test_follow(void **state)
{
	struct fixture *f = *state;
	struct zone_listing l;

	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	load(f);
	assert_int_equal(follow(f), 0);
	assert_int_equal(zone_serial(f->z), serial(f->s));

	/* Add. */
	hit(f->s, "192.0.2.2", T0 + 10, HIT_CALLOUT);
	hit(f->s, "2001:db8::2", T0 + 10, HIT_CALLOUT);
	assert_int_equal(follow(f), 2);
	assert_int_equal(zone_serial(f->z), serial(f->s));
	assert_int_equal(zone_count(f->z), 3);
	assert_string_equal(answer(f, "192.0.2.2", T0 + 10), "192.0.2.2");
	assert_string_equal(answer(f, "2001:db8::2", T0 + 10), "2001:db8::2");

	/* Extend: a later hit pushes the expiry out. */
	hit(f->s, "192.0.2.1", T0 + 1000, HIT_AUTOREPLY);
	assert_int_equal(follow(f), 1);
	assert_int_equal(zl(f, "192.0.2.1", T0 + TTL, &l), 1);
	assert_int_equal(l.expires, T0 + 1000 + TTL);
	assert_int_equal(l.last_seen, T0 + 1000);
	assert_int_equal(l.listed_since, T0);
	assert_int_equal(zl(f, "192.0.2.1", T0 + 1000 + TTL, NULL), 0);

	/* Delete: from the base, and from the overlay. */
	list_del(f->s, "192.0.2.1", T0 + 2000);
	list_del(f->s, "192.0.2.2", T0 + 2000);
	assert_int_equal(follow(f), 2);
	assert_string_equal(answer(f, "192.0.2.1", T0 + 2000), "-");
	assert_string_equal(answer(f, "192.0.2.2", T0 + 2000), "-");
	assert_int_equal(zone_count(f->z), 1);

	/* Relisted after a delisting. */
	hit(f->s, "192.0.2.1", T0 + 3000, HIT_BOUNCE);
	assert_int_equal(follow(f), 1);
	assert_int_equal(zl(f, "192.0.2.1", T0 + 3000, &l), 1);
	assert_int_equal(l.listed_since, T0 + 3000);
	assert_int_equal(zone_count(f->z), 2);

	/* Many entries naming one prefix: read once, the last state wins. */
	for (int i = 0; i < 5; i++) {
		list_add(f->s, "192.0.2.64/26", T0 + 4000 + i, DAY);
		list_del(f->s, "192.0.2.64/26", T0 + 4000 + i);
	}
	list_add(f->s, "192.0.2.64/26", T0 + 4100, DAY);
	assert_int_equal(follow(f), 11);
	assert_string_equal(answer(f, "192.0.2.70", T0 + 4100),
	    "192.0.2.64/26");
	assert_int_equal(zone_count(f->z), 3);

	/* A sweep journals expiry: the listing leaves the zone. */
	assert_int_equal(store_expire(f->s, T0 + 4100 + DAY, "unit", NULL),
	    0);
	assert_int_equal(follow(f), 1);
	assert_int_equal(zone_count(f->z), 2);
	assert_int_equal(zi(f, "192.0.2.64/26"), 0);
	assert_int_equal(zone_serial(f->z), serial(f->s));
	agree(f, "192.0.2.70", T0 + 4100);
	agree(f, "192.0.2.1", T0 + 4100);
	agree(f, "2001:db8::2", T0 + 4100);
}

/* A listed but expired, unswept listing is held and never answers. */
static void
test_expired_unswept(void **state)
{
	struct fixture *f = *state;

	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	hit(f->s, "192.0.2.2", T0 + TTL, HIT_BOUNCE);
	load(f);
	assert_int_equal(zone_count(f->z), 2);
	assert_int_equal(zl(f, "192.0.2.1", T0 + TTL, NULL), 0);
	assert_int_equal(zl(f, "192.0.2.2", T0 + TTL, NULL), 1);
	assert_int_equal(zi(f, "192.0.2.1"), 1);
	assert_int_equal(store_expire(f->s, T0 + TTL, "unit", NULL), 0);
	assert_int_equal(follow(f), 1);
	assert_int_equal(zone_count(f->z), 1);
	assert_int_equal(zi(f, "192.0.2.1"), 0);
	/* And a load after the sweep does not see it either. */
	load(f);
	assert_int_equal(zone_count(f->z), 1);
}

/*
 * Times the compact table cannot hold (past 2106) keep their full form;
 * a listing moving between the two forms through follow and merge is
 * never lost nor doubled.
 */
static void
test_wide_times(void **state)
{
	struct fixture *f = *state;
	struct zone_listing l;
	char ip[32];

	list_add(f->s, "192.0.2.1", T0, 5000000000LL);	/* past 2106 */
	list_add(f->s, "192.0.2.2", T0, STORE_NEVER);
	list_add(f->s, "192.0.2.3", T0, DAY);
	/* IPv6 hosts sort before and after the IPv4 ones in wide[128]. */
	list_add(f->s, "::1:2", T0, DAY);
	list_add(f->s, "2001:db8::1", T0, DAY);
	load(f);
	assert_string_equal(answer(f, "::1:2", T0), "::1:2");
	assert_string_equal(answer(f, "2001:db8::1", T0), "2001:db8::1");
	assert_string_equal(answer(f, "::1:3", T0), "-");
	assert_int_equal(zl(f, "192.0.2.1", T0, &l), 1);
	assert_int_equal(l.expires, T0 + 5000000000LL);
	assert_int_equal(zl(f, "192.0.2.2", INT64_MAX - 1, &l), 1);
	assert_int_equal(l.expires, STORE_NEVER);
	assert_int_equal(zone_count(f->z), 5);

	/* Swap forms: .1 becomes compact, .3 wide. */
	list_add(f->s, "192.0.2.1", T0 + 1, DAY);
	list_add(f->s, "192.0.2.3", T0 + 1, 5000000000LL);
	follow(f);
	assert_int_equal(zl(f, "192.0.2.1", T0 + 1, &l), 1);
	assert_int_equal(l.expires, T0 + 1 + DAY);
	assert_int_equal(zl(f, "192.0.2.3", T0 + 1, &l), 1);
	assert_int_equal(l.expires, T0 + 1 + 5000000000LL);
	/* Force a merge with enough other changes. */
	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < ZONE_OVERLAY_MAX + 10; i++) {
		struct addr a;
		uint8_t v4[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i };

		addr_from_v4(&a, v4);
		assert_int_equal(hit_at(f->s, &a, T0 + 2, HIT_BOUNCE),
		    STORE_HIT_LISTED);
	}
	assert_int_equal(store_commit(f->s), 0);
	follow(f);
	assert_int_equal(zone_count(f->z), 5 + ZONE_OVERLAY_MAX + 10);
	assert_int_equal(zl(f, "192.0.2.1", T0 + 2, &l), 1);
	assert_int_equal(l.expires, T0 + 1 + DAY);
	assert_int_equal(zl(f, "192.0.2.3", T0 + 2, &l), 1);
	assert_int_equal(l.expires, T0 + 1 + 5000000000LL);
	assert_int_equal(zl(f, "192.0.2.2", T0 + 2, &l), 1);
	for (int i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		agree(f, ip, T0 + 2);
		agree(f, ip, T0 + 2 + DAY);
	}
	agree(f, "::1:2", T0 + 2);
	agree(f, "2001:db8::1", T0 + 2);
	/* And a delete of each form after the merge. */
	list_del(f->s, "192.0.2.1", T0 + 3);
	list_del(f->s, "192.0.2.3", T0 + 3);
	follow(f);
	assert_int_equal(zl(f, "192.0.2.1", T0 + 3, NULL), 0);
	assert_int_equal(zl(f, "192.0.2.3", T0 + 3, NULL), 0);
	assert_int_equal(zone_count(f->z), 3 + ZONE_OVERLAY_MAX + 10);
}

/* splitmix64: the same sequence everywhere. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * An address in a few ranges: crowded enough that changes often hit
 * the same listing or prefix again, wide enough (~40,000 addresses)
 * that the overlay outgrows ZONE_OVERLAY_MAX and gets merged.
 */
static void
rnd_addr(uint64_t *rng, struct addr *a)
{
	uint64_t r = rnd(rng);
	uint8_t v4[4];

	if (r % 8 == 0) {
		*a = test_addr("2001:db8::");
		a->b[6] = (uint8_t)(r >> 8) & 3;
		a->b[14] = (uint8_t)(r >> 24) & 7;
		a->b[15] = (uint8_t)(r >> 16);
		return;
	}
	v4[0] = (uint8_t)(r % 3 == 0 ? 192 : 203);
	v4[1] = 0;
	v4[2] = (uint8_t)((r >> 8) & 63);
	v4[3] = (uint8_t)(r >> 16);
	addr_from_v4(a, v4);
}

/*
 * Random adds, extensions, deletes, prefixes and exclusions, followed in
 * steps past several merges; after each step the zone must agree with
 * the store on every address tried, at several times.
 */
static void
test_random_against_store(void **state)
{
	struct fixture *f = *state;
	uint64_t rng = 42;
	struct addr a;
	struct prefix p;
	int64_t t = T0;
	size_t merges_needed = 4 * ZONE_OVERLAY_MAX;
	size_t changes = 0;

	hit(f->s, "192.0.2.1", t, HIT_BOUNCE);
	load(f);
	while (changes < merges_needed) {
		assert_int_equal(store_begin(f->s), 0);
		for (int i = 0; i < 400; i++) {
			uint64_t r = rnd(&rng) % 100;

			t += (int64_t)(rnd(&rng) % 600);
			rnd_addr(&rng, &a);
			prefix_from_addr(&p, &a);
			if (r < 70) {
				(void)hit_at(f->s, &a, t, HIT_BOUNCE);
			} else if (r < 90) {
				(void)store_list_del(f->s, &p, t, "operator",
				    "t", "unit");
			} else if (r < 97) {
				p.len = addr_is_v4(&a) ? 96 + 24 +
				    (unsigned int)(rnd(&rng) % 9) : 112;
				addr_mask(&p.addr, p.len);
				if (rnd(&rng) % 2)
					(void)store_list_add(f->s, &p, t,
					    (int64_t)(rnd(&rng) % (2 * DAY)) +
					    1, "t", "unit");
				else
					(void)store_list_del(f->s, &p, t,
					    "operator", "t", "unit");
			} else {
				p.len = addr_is_v4(&a) ? 96 + 28 : 124;
				addr_mask(&p.addr, p.len);
				if (rnd(&rng) % 3)
					(void)store_exclude_add(f->s, &p, t,
					    "t", "unit");
				else
					(void)store_exclude_del(f->s, &p, t,
					    "t", "unit");
			}
		}
		assert_int_equal(store_commit(f->s), 0);
		changes += follow(f);
		assert_int_equal(zone_serial(f->z), serial(f->s));
		for (int i = 0; i < 300; i++) {
			rnd_addr(&rng, &a);
			agree_addr(f, &a, t);
			agree_addr(f, &a, t + DAY);
			agree_addr(f, &a, t + TTL - 1000);
		}
		zone_reader_quiescent(f->r);
		zone_reclaim(f->z);
	}
	/* A fresh zone loaded now holds as many listings. */
	{
		struct zone *z2 = zone_new();
		char err[256];

		assert_non_null(z2);
		assert_int_equal(zone_load(z2, f->s, err, sizeof(err)), 0);
		assert_int_equal(zone_count(z2), zone_count(f->z));
		assert_int_equal(zone_serial(z2), zone_serial(f->z));
		zone_free(z2);
	}
}

/*
 * A journal that cannot bring the zone up to date (the store's serial
 * went back: another or a restored store) makes follow load afresh.
 */
static void
test_serial_went_back(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct store *other;

	for (int i = 1; i <= 5; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		hit(f->s, ip, T0, HIT_BOUNCE);
	}
	load(f);
	assert_int_equal(zone_serial(f->z), 5);
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	other = open_store(path);
	hit(other, "198.51.100.1", T0, HIT_BOUNCE);
	hit(other, "198.51.100.2", T0, HIT_BOUNCE);
	{
		char err[256];
		size_t n;

		assert_int_equal(zone_follow(f->z, other, &n, err,
		    sizeof(err)), 0);
	}
	assert_int_equal(zone_serial(f->z), 2);
	assert_int_equal(zone_count(f->z), 2);
	assert_string_equal(answer(f, "192.0.2.1", T0), "-");
	assert_string_equal(answer(f, "198.51.100.2", T0), "198.51.100.2");
	store_close(other);
}

/* A follow on a zone that was never loaded replays the whole journal. */
static void
test_follow_from_zero(void **state)
{
	struct fixture *f = *state;

	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	list_add(f->s, "198.51.100.0/24", T0, DAY);
	list_del(f->s, "192.0.2.1", T0 + 1);
	assert_int_equal(follow(f), 3);
	assert_int_equal(zone_count(f->z), 1);
	assert_string_equal(answer(f, "198.51.100.3", T0 + 1),
	    "198.51.100.0/24");
	assert_string_equal(answer(f, "192.0.2.1", T0 + 1), "-");
}

/* A reader that unregisters no longer holds anything back. */
static void
test_readers_register(void **state)
{
	struct fixture *f = *state;
	struct zone_reader *idle;

	assert_non_null(idle = zone_reader_register(f->z));
	hit(f->s, "192.0.2.1", T0, HIT_BOUNCE);
	follow(f);
	hit(f->s, "192.0.2.2", T0, HIT_BOUNCE);
	follow(f);
	zone_reader_quiescent(f->r);
	zone_reclaim(f->z);
	/* idle still sees the zone: it was never quiescent. */
	{
		struct addr a = test_addr("192.0.2.2");
		struct zone_listing l;

		assert_int_equal(zone_lookup(idle, &a, T0, &l), 1);
	}
	zone_reader_unregister(idle);
	zone_reclaim(f->z);
	assert_string_equal(answer(f, "192.0.2.1", T0), "192.0.2.1");
}

/*
 * Two reader threads look up addresses that stay listed throughout
 * while this thread applies thousands of changes around them, follows
 * them (through several merges) and reclaims. Every lookup of a stable
 * address must answer listed: an update may never hide one, not even
 * for an instant. Run under ASan and TSan.
 */
#define CONC_STABLE	2000
#define CONC_READERS	2

struct conc {
	struct zone	*z;
	struct addr	 stable[CONC_STABLE];
	atomic_int	 stop;
	atomic_long	 lookups;
	atomic_long	 lost;
	atomic_long	 wrong;
};

static void *
conc_reader(void *arg)
{
	struct conc *c = arg;
	struct zone_reader *r;
	struct zone_listing l;
	struct prefix p;
	uint64_t rng = (uint64_t)(uintptr_t)&r;
	long n = 0;

	if ((r = zone_reader_register(c->z)) == NULL) {
		atomic_fetch_add(&c->lost, 1);
		return NULL;
	}
	while (!atomic_load(&c->stop)) {
		for (int i = 0; i < 64; i++) {
			size_t k = rnd(&rng) % CONC_STABLE;
			struct addr other;

			if (zone_lookup(r, &c->stable[k], T0 + 10, &l) != 1)
				atomic_fetch_add(&c->lost, 1);
			else if (l.prefix.len != 128 || addr_cmp(
			    &l.prefix.addr, &c->stable[k]) != 0 ||
			    l.expires != T0 + TTL)
				atomic_fetch_add(&c->wrong, 1);
			rnd_addr(&rng, &other);
			(void)zone_lookup(r, &other, T0 + 10, &l);
			prefix_from_addr(&p, &c->stable[k]);
			if (zone_intersects(r, &p) != 1)
				atomic_fetch_add(&c->lost, 1);
			n += 3;
		}
		zone_reader_quiescent(r);
	}
	zone_reader_unregister(r);
	atomic_fetch_add(&c->lookups, n);
	return NULL;
}

static void
test_concurrent_readers(void **state)
{
	struct fixture *f = *state;
	struct conc *c = calloc(1, sizeof(*c));
	pthread_t th[CONC_READERS];
	uint64_t rng = 7;
	size_t changes = 0;
	struct addr a;
	struct prefix p;
	int64_t t = T0 + 1;

	assert_non_null(c);
	c->z = f->z;
	/* Stable listings live in 198.51.100.0/22 and 2001:db8:5::/48. */
	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < CONC_STABLE; i++) {
		if (i % 4 == 3) {
			c->stable[i] = test_addr("2001:db8:5::");
			c->stable[i].b[14] = (uint8_t)(i >> 8);
			c->stable[i].b[15] = (uint8_t)i;
		} else {
			uint8_t v4[4] = { 198, 51, (uint8_t)(100 + (i >> 8)),
			    (uint8_t)i };

			addr_from_v4(&c->stable[i], v4);
		}
		assert_int_equal(hit_at(f->s, &c->stable[i], T0, HIT_BOUNCE),
		    STORE_HIT_LISTED);
	}
	assert_int_equal(store_commit(f->s), 0);
	load(f);
	atomic_init(&c->stop, 0);
	for (int i = 0; i < CONC_READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, conc_reader, c),
		    0);
	/* Churn elsewhere: rnd_addr never falls in the stable ranges. */
	while (changes < 3 * ZONE_OVERLAY_MAX) {
		assert_int_equal(store_begin(f->s), 0);
		for (int i = 0; i < 100; i++) {
			rnd_addr(&rng, &a);
			prefix_from_addr(&p, &a);
			if (rnd(&rng) % 4)
				(void)hit_at(f->s, &a, t, HIT_CALLOUT);
			else
				(void)store_list_del(f->s, &p, t, "operator",
				    "t", "unit");
		}
		/* Exclusions and prefixes around, never over, the stable. */
		p = test_prefix("198.51.110.0/24");
		if (changes % 2)
			(void)store_exclude_add(f->s, &p, t, "t", "unit");
		else
			(void)store_exclude_del(f->s, &p, t, "t", "unit");
		p = test_prefix("198.51.112.0/22");
		(void)store_list_add(f->s, &p, t, DAY, "t", "unit");
		assert_int_equal(store_commit(f->s), 0);
		changes += follow(f);
		zone_reclaim(f->z);
	}
	atomic_store(&c->stop, 1);
	for (int i = 0; i < CONC_READERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	zone_reclaim(f->z);
	assert_int_equal(atomic_load(&c->lost), 0);
	assert_int_equal(atomic_load(&c->wrong), 0);
	assert_true(atomic_load(&c->lookups) > 0);
	print_message("concurrent: %zu changes followed, %ld lookups\n",
	    changes, (long)atomic_load(&c->lookups));
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_empty),
		T(test_load_hosts),
		T(test_nested_prefixes),
		T(test_exclusions),
		T(test_snapshot),
		T(test_snapshot_many_wide),
		T(test_intersects),
		T(test_follow),
		T(test_expired_unswept),
		T(test_wide_times),
		T(test_random_against_store),
		T(test_serial_went_back),
		T(test_follow_from_zero),
		T(test_readers_register),
		T(test_concurrent_readers),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
