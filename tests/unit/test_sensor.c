/* test_sensor.c -- remote sensors: hit uids, the v4 migration, the spool cursor, the upload parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "trap/sensor_forward.h"
#include "web/web_hits_parse.h"

#define T0	1700000000
#define UID1	"0123456789abcdef0123456789abcdef"
#define UID2	"fedcba9876543210fedcba9876543210"

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
		.ttl = 28 * 86400,
		.min_hits = 1,
		.window = 28 * 86400,
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
	snprintf(f->dir, sizeof(f->dir), "/tmp/bs-sensor-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	c = config_for(f->path);
	if ((f->s = store_open(&c, STORE_OPEN_CREATE, err, sizeof(err))) ==
	    NULL)
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

static struct store_hit
mkhit(const char *ip, int64_t t, const char *uid)
{
	struct store_hit h;

	memset(&h, 0, sizeof(h));
	h.t = t;
	h.addr = test_addr(ip);
	h.class = HIT_BOUNCE;
	h.sensor = "s1";
	h.helo = "mx.example.net";
	h.uid = uid;
	return h;
}

struct collect {
	int64_t		 ids[16];
	char		 uids[16][STORE_UID_LEN + 1];
	size_t		 n;
};

static int
collect_cb(void *arg, int64_t id, const struct store_hit *h)
{
	struct collect *c = arg;

	if (c->n == 16)
		return 1;
	c->ids[c->n] = id;
	snprintf(c->uids[c->n], sizeof(c->uids[0]), "%s", h->uid ? h->uid :
	    "");
	c->n++;
	return 0;
}

/* The store makes a valid, distinct uid when the caller gives none. */
static void
test_uid_made(void **state)
{
	struct fixture *f = *state;
	struct store_hit h = mkhit("192.0.2.1", T0, NULL);
	enum store_hit_outcome o;
	struct collect c = { 0 };

	assert_int_equal(store_record_hit(f->s, &h, &o), 0);
	assert_int_equal(store_record_hit(f->s, &h, &o), 0);
	assert_int_equal(store_hits_after(f->s, 0, 10, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_true(store_uid_valid(c.uids[0]));
	assert_true(store_uid_valid(c.uids[1]));
	assert_string_not_equal(c.uids[0], c.uids[1]);
}

static void
test_uid_valid(void **state)
{
	(void)state;
	assert_true(store_uid_valid(UID1));
	assert_false(store_uid_valid(NULL));
	assert_false(store_uid_valid(""));
	assert_false(store_uid_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(store_uid_valid(UID1 "0"));
	assert_false(store_uid_valid("0123456789abcdef0123456789abcde"));
	assert_false(store_uid_valid("0123456789abcdef0123456789abcdeg"));
}

/*
 * A batch sent again is acknowledged but not counted: no second hit
 * row, the listing's counter unchanged.
 */
static void
test_ingest_idempotent(void **state)
{
	struct fixture *f = *state;
	/* Not a special-purpose address: it must get listed. */
	struct store_hit h[3] = {
		mkhit("45.33.32.1", T0, UID1),
		mkhit("45.33.32.1", T0 + 1, UID2),
		mkhit("45.33.32.1", T0, UID1),	/* same batch, again */
	};
	struct prefix p = test_prefix("45.33.32.1");
	unsigned char dup[3];
	struct listing l;
	struct store_stats st;
	size_t ndup;

	assert_int_equal(store_ingest_hits(f->s, h, 3, NULL, dup, &ndup), 0);
	assert_int_equal(ndup, 1);
	assert_int_equal(dup[0], 0);
	assert_int_equal(dup[1], 0);
	assert_int_equal(dup[2], 1);
	assert_int_equal(store_ingest_hits(f->s, h, 2, NULL, dup, &ndup), 0);
	assert_int_equal(ndup, 2);
	assert_int_equal(store_listing_get(f->s, &p, T0 + 3, &l), 1);
	assert_int_equal(l.hits, 2);
	assert_int_equal(store_stats(f->s, T0 + 3, &st), 0);
	assert_int_equal(st.hits, 2);
}

/* A hit without a valid uid refuses the whole batch. */
static void
test_ingest_needs_uid(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[2] = {
		mkhit("192.0.2.1", T0, UID1),
		mkhit("192.0.2.2", T0, "nope"),
	};
	struct store_stats st;

	assert_int_equal(store_ingest_hits(f->s, h, 2, NULL, NULL, NULL), -1);
	assert_int_equal(store_stats(f->s, T0, &st), 0);
	assert_int_equal(st.hits, 0);
}

static void
test_forward_cursor(void **state)
{
	struct fixture *f = *state;
	struct store_hit h = mkhit("192.0.2.1", T0, NULL);
	struct collect c = { 0 };
	int64_t id;

	for (int i = 0; i < 5; i++)
		assert_int_equal(store_record_hit(f->s, &h, NULL), 0);
	assert_int_equal(store_forward_get(f->s, "http://a", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(store_hits_after(f->s, id, 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(store_forward_set(f->s, "http://a", c.ids[1], T0),
	    0);
	/* Never backwards, and one cursor per central. */
	assert_int_equal(store_forward_set(f->s, "http://a", 1, T0), 0);
	assert_int_equal(store_forward_get(f->s, "http://a", &id), 0);
	assert_int_equal(id, c.ids[1]);
	assert_int_equal(store_forward_get(f->s, "http://b", &id), 0);
	assert_int_equal(id, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_forward_get(f->s, "http://a", &id), 0);
	assert_int_equal(store_hits_after(f->s, id, 10, collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
}

/* The listing index of schemas 1 to 7, in place of schema 8's. */
#define LISTING_INDEX_V7						\
	" DROP INDEX listing_state_expires_classes;"			\
	" CREATE INDEX listing_state_expires ON listing (state, expires);"

/*
 * Closes the fixture's store, takes it back to an older schema with sql
 * (which sets user_version), and opens it again: the open migrates it.
 */
static void
reopen_from(struct fixture *f, const char *sql)
{
	struct store_config cfg = config_for(f->path);
	char err[256], *msg = NULL;
	sqlite3 *db;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("downgrade: %s", msg);
	sqlite3_close(db);
	if ((f->s = store_open(&cfg, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
}

/* A v3 store gets uids for the hits it has, and a cursor table. */
static void
test_migration_v3(void **state)
{
	struct fixture *f = *state;
	struct store_hit h = mkhit("192.0.2.1", T0, NULL);
	struct collect c = { 0 };
	struct store_stats st;

	assert_int_equal(store_record_hit(f->s, &h, NULL), 0);
	assert_int_equal(store_record_hit(f->s, &h, NULL), 0);
	/* Back to what schema 3 looked like. */
	reopen_from(f, "DROP INDEX hit_addr_t_uid;"
	    " CREATE INDEX hit_addr_t ON hit (addr, t); CREATE INDEX hit_t ON"
	    " hit (t); ALTER TABLE hit DROP"
	    " COLUMN uid; DROP TABLE forward; DROP TABLE hit_count;"
	    " DROP TABLE hit_count_mark;" LISTING_INDEX_V7
	    " PRAGMA user_version = 3;");
	assert_int_equal(store_schema_version(), 8);
	/* Schema 7 counted the hits that were there. */
	assert_int_equal(store_stats(f->s, T0, &st), 0);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.hits_24h, 2);
	assert_int_equal(store_hits_after(f->s, 0, 10, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_true(store_uid_valid(c.uids[0]));
	assert_true(store_uid_valid(c.uids[1]));
	assert_string_not_equal(c.uids[0], c.uids[1]);
	assert_int_equal(store_forward_set(f->s, "http://a", 2, T0), 0);
}

/* The index names on table, sorted and joined by spaces, into out. */
static void
table_indexes(sqlite3 *db, const char *table, char *out, size_t outsize)
{
	sqlite3_stmt *st;
	size_t n = 0;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema"
	    " WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL"
	    " ORDER BY name", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, outsize - n, "%s%s",
		    n > 0 ? " " : "", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The first line of sql's query plan (EXPLAIN QUERY PLAN), into out. */
static void
query_plan(sqlite3 *db, const char *sql, char *out, size_t outsize)
{
	char explain[512];
	sqlite3_stmt *st;

	out[0] = '\0';
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, outsize, "%s", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/*
 * After a migration: table's indexes are exactly want (names joined by
 * spaces), and sql's plan reads the index covering, by its name alone.
 */
static void
check_indexes(struct fixture *f, const char *table, const char *want,
    const char *sql, const char *covering)
{
	char names[128], plan[256], expect[128];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	table_indexes(db, table, names, sizeof(names));
	query_plan(db, sql, plan, sizeof(plan));
	sqlite3_close(db);
	assert_string_equal(names, want);
	snprintf(expect, sizeof(expect), "USING COVERING INDEX %s", covering);
	assert_non_null(strstr(plan, expect));
}

/*
 * A v4 store, with its uid and time indexes, moves to the address index
 * that also holds the uid, and no other; hits it had are still found
 * when sent again, by a seek.
 */
static void
test_migration_v4(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[2] = {
		mkhit("45.33.32.1", T0, UID1),
		mkhit("45.33.32.2", T0 + 1, UID2),
	};
	unsigned char dup[2];
	size_t ndup;

	assert_int_equal(store_ingest_hits(f->s, h, 2, NULL, dup, &ndup), 0);
	reopen_from(f, "DROP INDEX hit_addr_t_uid;"
	    " CREATE INDEX hit_addr_t ON hit (addr, t);"
	    " CREATE UNIQUE INDEX hit_uid ON hit (uid);"
	    " CREATE INDEX hit_t ON hit (t); DROP TABLE hit_count;"
	    " DROP TABLE hit_count_mark;" LISTING_INDEX_V7
	    " PRAGMA user_version = 4;");
	assert_int_equal(store_ingest_hits(f->s, h, 2, NULL, dup, &ndup), 0);
	assert_int_equal(ndup, 2);

	check_indexes(f, "hit", "hit_addr_t_uid", "SELECT 1 FROM hit WHERE"
	    " addr = ?1 AND t = ?2 AND uid = ?3", "hit_addr_t_uid");
}

/*
 * A v7 store gets classes in its listing index, and the statistics'
 * count of active listings by class reads that index alone, with the
 * same figures as before.
 */
static void
test_migration_v7(void **state)
{
	struct fixture *f = *state;
	struct store_hit h[3] = {
		mkhit("45.33.32.1", T0, NULL),
		mkhit("45.33.32.2", T0, NULL),
		mkhit("45.33.32.2", T0 + 1, NULL),
	};
	struct store_stats before, after;

	h[2].class = HIT_CALLOUT;
	assert_int_equal(store_record_hits(f->s, h, 3, NULL), 0);
	assert_int_equal(store_stats(f->s, T0 + 1, &before), 0);
	assert_int_equal(before.listed_by_class[HIT_BOUNCE], 2);
	assert_int_equal(before.listed_by_class[HIT_CALLOUT], 1);
	reopen_from(f, LISTING_INDEX_V7 " PRAGMA user_version = 7;");
	assert_int_equal(store_stats(f->s, T0 + 1, &after), 0);
	assert_memory_equal(after.listed_by_class, before.listed_by_class,
	    sizeof(before.listed_by_class));
	assert_memory_equal(after.by_state, before.by_state,
	    sizeof(before.by_state));

	check_indexes(f, "listing", "listing_state_expires_classes",
	    "SELECT classes, count(*) FROM listing WHERE state = 1 AND"
	    " expires > ?1 GROUP BY classes", "listing_state_expires_classes");
}

static void
test_next_expiry(void **state)
{
	struct fixture *f = *state;
	struct prefix a = test_prefix("192.0.2.1"), b = test_prefix("192.0.2.2");
	int64_t t;

	assert_int_equal(store_next_expiry(f->s, T0, &t), 0);
	assert_int_equal(store_list_add(f->s, &a, T0, 100, "", "t"), 0);
	assert_int_equal(store_list_add(f->s, &b, T0, 50, "", "t"), 0);
	assert_int_equal(store_next_expiry(f->s, T0, &t), 1);
	assert_int_equal(t, T0 + 50);
	assert_int_equal(store_next_expiry(f->s, T0 + 50, &t), 1);
	assert_int_equal(t, T0 + 100);
	assert_int_equal(store_next_expiry(f->s, T0 + 100, &t), 0);
}

static void
test_utf8_clean(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "caf\xe9", "caf\xef\xbf\xbd" },		/* Latin-1 */
		{ "\xc3\x28", "\xef\xbf\xbd(" },		/* bad continuation */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },				/* > U+10FFFF */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },	/* cut short */
		{ "", "" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sensor_forward_utf8(cases[i].in, out,
		    sizeof(out)), (int)strlen(cases[i].want));
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(sensor_forward_utf8("\xff\xff", out, 6), -1);
}

static void
test_hits_parse(void **state)
{
#define H(x)	"{\"hits\":[{\"uid\":\"" UID1 "\",\"t\":1700000000," x "}]}"
	static const struct {
		const char	*body;
		int		 ok;
	} cases[] = {
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"bounce\""), 1 },
		{ H("\"addr\":\"2001:db8::1\",\"class\":\"other\",\"helo\":null,"
		    "\"x-new\":[1]"), 1 },
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"manual\""), 0 },
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"spam\""), 0 },
		{ H("\"addr\":\"192.0.2.0/24\",\"class\":\"bounce\""), 0 },
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"bounce\",\"helo\":5"),
		    0 },
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"bounce\","
		    "\"helo\":\"a\\u0000b\""), 0 },
		{ H("\"addr\":\"192.0.2.1\",\"class\":\"bounce\","
		    "\"addr\":\"192.0.2.2\""), 0 },	/* duplicate key */
		{ "{\"hits\":[{\"uid\":\"" UID1 "\",\"t\":9999999999,"
		    "\"addr\":\"192.0.2.1\",\"class\":\"bounce\"}]}", 0 },
		{ "{\"hits\":[{\"uid\":\"" UID1 "\",\"t\":0,"
		    "\"addr\":\"192.0.2.1\",\"class\":\"bounce\"}]}", 0 },
		{ "{\"hits\":[{\"uid\":\"" UID1 "\",\"t\":\"1700000000\","
		    "\"addr\":\"192.0.2.1\",\"class\":\"bounce\"}]}", 0 },
		{ "{\"hits\":[]}", 0 },
		{ "{\"hits\":{}}", 0 },
		{ "[]", 0 },
		{ "", 0 },
		{ "{\"hits\":[1]}", 0 },
		{ "{\"hits\":[{\"uid\":\"" UID1 "\"}]}", 0 },
	};
	struct web_hits h;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int rc = web_hits_parse(cases[i].body, strlen(cases[i].body),
		    T0 + 60, &h, err, sizeof(err));
		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (rc == 0) {
			assert_int_equal(h.n, 1);
			assert_string_equal(h.hits[0].uid, UID1);
			assert_null(h.hits[0].sensor);
			web_hits_free(&h);
		} else
			assert_true(err[0] != '\0');
	}
#undef H
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_uid_made),
		cmocka_unit_test(test_uid_valid),
		T(test_ingest_idempotent),
		T(test_ingest_needs_uid),
		T(test_migration_v4),
		T(test_migration_v7),
		T(test_forward_cursor),
		T(test_migration_v3),
		T(test_next_expiry),
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_hits_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
