/* store.c -- the listing store on SQLite: the only module that speaks SQL. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "core/special.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_vfs.h"

/*
 * Every statement the store runs, prepared once on first use and kept for
 * the life of the connection. Only bound parameters ever carry data.
 */
enum st {
	ST_HIT_INSERT,
	ST_LISTING_GET,
	ST_LISTING_INSERT,
	ST_LISTING_UPDATE,
	ST_LISTING_SET_STATE,
	ST_LISTING_LOOKUP,
	ST_LISTING_WALK,
	ST_LISTING_INSIDE,
	ST_PLEN_INSERT,
	ST_HITS_IN_WINDOW,
	ST_CHANGE_INSERT,
	ST_AUDIT_INSERT,
	ST_EXCLUDE_ALL,
	ST_EXCLUDE_INSERT,
	ST_EXCLUDE_DELETE,
	ST_EXPIRE_JOURNAL,
	ST_EXPIRE_UPDATE,
	ST_HITS_WALK,
	ST_AUDIT_WALK,
	ST_CHANGES_WALK,
	ST_SERIAL,
	ST_ZONE_ROWS,
	ST_CHANGE_AT,
	ST_DELIST_INSERT,
	ST_DELIST_GET,
	ST_DELIST_PENDING,
	ST_DELIST_WALK,
	ST_DELIST_DECIDE,
	ST_EXPRESS_COUNT,
	ST_HITS_SINCE,
	ST_HISTORY,
	ST_LISTINGS_PAGE,
	ST_PROBE_INSERT,
	ST_PROBE_ACTIVE,
	ST_PROBE_TRIM,
	ST_HIT_LAST_ID,
	ST_HITS_FOR_PROBE,
	ST_HIT_EXISTS,
	ST_HITS_AFTER,
	ST_FORWARD_GET,
	ST_FORWARD_SET,
	ST_NEXT_EXPIRY,
	ST_COUNT_ADD,
	ST_COUNT_MARK,
	ST_COUNT_FOLD,
	ST_COUNT_TRIM,
	ST_NSTATEMENTS
};

#define DELIST_COLUMNS \
	"id, t, addr, plen, state, decided_at, requester, reason, client," \
	" decided_by, note"

#define LISTING_COLUMNS \
	"addr, plen, state, first_seen, listed_since, last_seen, expires," \
	" hits, classes, times_listed, delisted_at, delist_how, reason"

/* hit_count's upsert: the new row's counts add to the old row's. */
#define STORE_COUNT_SUM_EXCLUDED \
	"other = other + excluded.other, bounce = bounce + excluded.bounce," \
	" autoreply = autoreply + excluded.autoreply," \
	" callout = callout + excluded.callout"

_Static_assert(HIT_OTHER == 0 && HIT_BOUNCE == 1 && HIT_AUTOREPLY == 2 &&
    HIT_CALLOUT == 3 && HIT_MANUAL == 4,
    "hit_count's columns and the statistics' reading are in class order");

static const char *const store_sql[ST_NSTATEMENTS] = {
	[ST_HIT_INSERT] =
	    "INSERT INTO hit (t, addr, class, subclass, sensor, helo,"
	    " mail_from, rcpt, excerpt, uid) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
	    "?9,?10)",
	[ST_LISTING_GET] =
	    "SELECT " LISTING_COLUMNS " FROM listing WHERE addr = ?1"
	    " AND plen = ?2",
	[ST_LISTING_INSERT] =
	    "INSERT INTO listing (addr, plen, state, first_seen, listed_since,"
	    " last_seen, expires, hits, classes, times_listed, reason)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	[ST_LISTING_UPDATE] =
	    "UPDATE listing SET state = ?3, listed_since = ?4, last_seen = ?5,"
	    " expires = ?6, hits = ?7, classes = ?8, times_listed = ?9,"
	    " reason = ?10 WHERE addr = ?1 AND plen = ?2",
	[ST_LISTING_SET_STATE] =
	    "UPDATE listing SET state = ?3, delisted_at = ?4, delist_how = ?5"
	    " WHERE addr = ?1 AND plen = ?2",
	/*
	 * The most specific active listing covering ?1: one index probe per
	 * prefix length in use. bs_mask() clears the host bits. CROSS JOIN
	 * and the unary + pin the plan: left to itself the planner walks
	 * listing_state_expires_classes, that is every active listing, per
	 * lookup.
	 */
	[ST_LISTING_LOOKUP] =
	    "SELECT l.addr, l.plen, l.state, l.first_seen, l.listed_since,"
	    " l.last_seen, l.expires, l.hits, l.classes, l.times_listed,"
	    " l.delisted_at, l.delist_how, l.reason"
	    " FROM plen p CROSS JOIN listing l ON l.plen = p.plen"
	    " AND l.addr = bs_mask(?1, p.plen)"
	    " WHERE p.plen >= ?3 AND +l.state = 1 AND +l.expires > ?2"
	    " ORDER BY l.plen DESC LIMIT 1",
	[ST_LISTING_WALK] =
	    "SELECT " LISTING_COLUMNS " FROM listing"
	    " WHERE (?1 IS NULL OR (addr BETWEEN ?1 AND ?2 AND plen >= ?3))"
	    " AND (?4 = 0 OR (classes & ?4) != 0)"
	    " AND listed_since >= ?5"
	    " AND (?6 = 0 OR (state = 1 AND expires > ?7))"
	    " ORDER BY addr, plen",
	[ST_LISTING_INSIDE] =
	    "SELECT addr, plen FROM listing WHERE addr BETWEEN ?1 AND ?2"
	    " AND plen >= ?3 AND +state = 1 AND +expires > ?4",
	[ST_PLEN_INSERT] =
	    "INSERT OR IGNORE INTO plen (plen) VALUES (?1)",
	[ST_HITS_IN_WINDOW] =
	    "SELECT count(*) FROM hit WHERE addr = ?1 AND t > ?2 AND t <= ?3"
	    " AND class IN (1, 2, 3)",
	[ST_CHANGE_INSERT] =
	    "INSERT INTO change (t, addr, plen, op) VALUES (?1,?2,?3,?4)",
	[ST_AUDIT_INSERT] =
	    "INSERT INTO audit (t, who, action, target, reason)"
	    " VALUES (?1,?2,?3,?4,?5)",
	[ST_EXCLUDE_ALL] =
	    "SELECT addr, plen, created, reason, who FROM exclude"
	    " ORDER BY addr, plen",
	[ST_EXCLUDE_INSERT] =
	    "INSERT OR IGNORE INTO exclude (addr, plen, created, who, reason)"
	    " VALUES (?1,?2,?3,?4,?5)",
	[ST_EXCLUDE_DELETE] =
	    "DELETE FROM exclude WHERE addr = ?1 AND plen = ?2",
	[ST_EXPIRE_JOURNAL] =
	    "INSERT INTO change (t, addr, plen, op) SELECT ?1, addr, plen, 'D'"
	    " FROM listing WHERE state = 1 AND expires <= ?1"
	    " ORDER BY addr, plen",
	[ST_EXPIRE_UPDATE] =
	    "UPDATE listing SET state = 3 WHERE state = 1 AND expires <= ?1",
	[ST_HITS_WALK] =
	    "SELECT id, t, addr, class, subclass, sensor, helo, mail_from,"
	    " rcpt, excerpt, uid FROM hit WHERE addr = ?1"
	    " ORDER BY t DESC, id DESC LIMIT ?2",
	[ST_AUDIT_WALK] =
	    "SELECT t, who, action, target, reason FROM audit"
	    " WHERE (?1 IS NULL OR target = ?1) ORDER BY id DESC LIMIT ?2",
	[ST_CHANGES_WALK] =
	    "SELECT serial, t, addr, plen, op FROM change WHERE serial > ?1"
	    " ORDER BY serial",
	[ST_SERIAL] =
	    "SELECT coalesce(max(serial), 0) FROM change",
	[ST_CHANGE_AT] =
	    "SELECT t, addr, plen, op FROM change WHERE serial = ?1",
	/* NOT INDEXED: a table scan, see store_zone_rows(). */
	[ST_ZONE_ROWS] =
	    "SELECT addr, plen, listed_since, last_seen, expires, classes"
	    " FROM listing NOT INDEXED WHERE state = 1",
	[ST_DELIST_INSERT] =
	    "INSERT INTO delist_request (t, addr, plen, requester, reason,"
	    " client, state) VALUES (?1,?2,?3,?4,?5,?6,'pending')",
	[ST_DELIST_GET] =
	    "SELECT " DELIST_COLUMNS " FROM delist_request WHERE id = ?1",
	[ST_DELIST_PENDING] =
	    "SELECT " DELIST_COLUMNS " FROM delist_request WHERE addr = ?1"
	    " AND plen = ?2 AND state = 'pending' ORDER BY t DESC LIMIT 1",
	[ST_DELIST_WALK] =
	    "SELECT " DELIST_COLUMNS " FROM delist_request WHERE ?1 = 0 OR"
	    " (CASE state WHEN 'pending' THEN 1 WHEN 'approved' THEN 2"
	    " WHEN 'denied' THEN 4 ELSE 0 END & ?1) != 0"
	    " ORDER BY id DESC LIMIT ?2",
	[ST_DELIST_DECIDE] =
	    "UPDATE delist_request SET state = ?2, decided_at = ?3,"
	    " decided_by = ?4, note = ?5 WHERE id = ?1 AND state = 'pending'",
	[ST_EXPRESS_COUNT] =
	    "SELECT count(*) FROM delist_request WHERE addr = ?1 AND plen = ?2"
	    " AND state = 'approved' AND decided_at > ?3",
	[ST_HITS_SINCE] =
	    "SELECT count(*) FROM hit WHERE addr = ?1 AND t > ?2"
	    " AND class IN (1, 2, 3)",
	/*
	 * lag() keeps the first entry of each run of equal ops: a listing
	 * extended by a thousand hits is one "listed" event.
	 */
	[ST_HISTORY] =
	    "SELECT t, op FROM (SELECT t, op, serial, lag(op) OVER"
	    " (ORDER BY serial) AS prev FROM change WHERE addr = ?1"
	    " AND plen = ?2 AND op IN ('A', 'D'))"
	    " WHERE prev IS NULL OR prev != op ORDER BY serial DESC LIMIT ?3",
	[ST_LISTINGS_PAGE] =
	    "SELECT " LISTING_COLUMNS " FROM listing"
	    " WHERE (addr, plen) > (?1, ?2) AND state = 1 AND expires > ?3"
	    " AND listed_since >= ?4 ORDER BY addr, plen LIMIT ?5",
	[ST_PROBE_INSERT] =
	    "INSERT INTO probe (token, target, started, expires)"
	    " VALUES (lower(?1),?2,?3,?4)",
	[ST_PROBE_ACTIVE] =
	    "SELECT 1 FROM probe WHERE token = lower(?1) AND started <= ?2"
	    " AND expires > ?2",
	[ST_PROBE_TRIM] =
	    "DELETE FROM probe WHERE expires < ?1",
	[ST_HIT_LAST_ID] =
	    "SELECT coalesce(max(id), 0) FROM hit",
	/* id is the rowid: the range is a seek, not a scan of all hits. */
	[ST_HITS_FOR_PROBE] =
	    "SELECT id, t, addr, class, subclass, sensor, helo, mail_from,"
	    " rcpt, excerpt, uid FROM hit WHERE id > ?1"
	    " AND instr(lower(rcpt), lower(?2) || '@') > 0 ORDER BY id",
	/* All three are the key of hit_addr_t_uid: one seek. */
	[ST_HIT_EXISTS] =
	    "SELECT 1 FROM hit WHERE addr = ?1 AND t = ?2 AND uid = ?3",
	[ST_HITS_AFTER] =
	    "SELECT id, t, addr, class, subclass, sensor, helo, mail_from,"
	    " rcpt, excerpt, uid FROM hit WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_FORWARD_GET] =
	    "SELECT last_id FROM forward WHERE central = ?1",
	[ST_FORWARD_SET] =
	    "INSERT INTO forward (central, last_id, updated) VALUES (?1,?2,?3)"
	    " ON CONFLICT (central) DO UPDATE SET"
	    " last_id = max(last_id, excluded.last_id),"
	    " updated = excluded.updated",
	[ST_NEXT_EXPIRY] =
	    "SELECT min(expires) FROM listing WHERE state = 1 AND expires > ?1",
	/* Counts the hits past the mark into their minutes, moves the mark. */
	[ST_COUNT_ADD] =
	    "INSERT INTO hit_count (minute, other, bounce, autoreply, callout)"
	    " SELECT t / 60, sum(class = 0), sum(class = 1), sum(class = 2),"
	    " sum(class = 3) FROM hit WHERE id > (SELECT last_hit FROM"
	    " hit_count_mark) GROUP BY t / 60 ON CONFLICT (minute) DO UPDATE"
	    " SET " STORE_COUNT_SUM_EXCLUDED,
	[ST_COUNT_MARK] =
	    "UPDATE hit_count_mark SET last_hit = (SELECT coalesce(max(id),"
	    " last_hit) FROM hit)",
	/*
	 * ?1 is the folded row's minute, ?2 the minute now: minutes more
	 * than ?3 behind the newest counted one, or behind now if that is
	 * sooner (a sensor's clock may be years ahead), fold.
	 */
	[ST_COUNT_FOLD] =
	    "INSERT INTO hit_count (minute, other, bounce, autoreply, callout)"
	    " SELECT ?1, sum(other), sum(bounce), sum(autoreply),"
	    " sum(callout) FROM hit_count WHERE minute > ?1 AND minute <"
	    " min((SELECT max(minute) FROM hit_count), ?2) - ?3"
	    " HAVING count(*) > 0 ON CONFLICT (minute) DO UPDATE SET"
	    " " STORE_COUNT_SUM_EXCLUDED,
	[ST_COUNT_TRIM] =
	    "DELETE FROM hit_count WHERE minute > ?1 AND minute <"
	    " min((SELECT max(minute) FROM hit_count), ?2) - ?3",
};

/*
 * hit_count keeps a row per minute for this long behind the newest hit
 * counted: the last 24 hours' figure needs 1,440 of them, and hits that
 * a sensor uploads late still find their minute. Older minutes are
 * added into one row, the folded row, so the table stays a few thousand
 * rows however many hits there are.
 */
#define STORE_COUNT_KEEP_MINUTES	(2 * 1440)
#define STORE_COUNT_FOLDED		INT64_MIN
/*
 * A writer counts the hits past the mark once it has stored this many
 * since it last did (any writer's hits past the mark, so the readers'
 * share stays a few thousand rows). Never on every commit: hit_count's
 * page would be one more for the trap's group commit to write.
 */
#define STORE_COUNT_EVERY		4096

#define STORE_ERR_MAX	512
/* Page cache per connection, KiB: the hot index pages of ~1M listings. */
#define STORE_CACHE_KIB	65536

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_NSTATEMENTS];
	char		*path;
	int64_t		 ttl;
	int		 min_hits;
	int64_t		 window;
	unsigned int	 allow_special;
	int		 readonly;
	int		 in_txn;	/* inside store_begin() */
	int64_t		 uncounted;	/* hits stored since counting */
	char		 err[STORE_ERR_MAX];
};

static const char *const store_state_names[LISTING_NSTATES] = {
	"pending", "listed", "delisted", "expired",
};

/* The index of name in a table of names (any case), or -1. */
static int
store_name_index(const char *const *names, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcasecmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
store_state_name(enum listing_state s)
{
	if ((unsigned int)s >= LISTING_NSTATES)
		return NULL;
	return store_state_names[s];
}

int
store_state_parse(const char *name, enum listing_state *out)
{
	int i = store_name_index(store_state_names, LISTING_NSTATES, name);

	if (i == -1)
		return -1;
	*out = (enum listing_state)i;
	return 0;
}

int
store_schema_version(void)
{
	return schema_version();
}

const char *
store_errmsg(const struct store *s)
{
	return s->err;
}

static void store_seterr(struct store *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
store_seterr(struct store *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* A long message is cut: it is for a human, not parsed. */
	n = snprintf(s->err, sizeof(s->err), "store %s: ", s->path);
	if (n < 0 || (size_t)n >= sizeof(s->err))
		return;
	va_start(ap, fmt);
	vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Records the SQLite error of the last call as the store's error. */
static int
store_sqlerr(struct store *s, const char *what)
{
	store_seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

/* A prepared statement, reset and with its bindings cleared; NULL on error. */
static sqlite3_stmt *
store_stmt(struct store *s, enum st which)
{
	sqlite3_stmt *st = s->st[which];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[which], NULL) !=
		    SQLITE_OK) {
			store_sqlerr(s, "prepare");
			return NULL;
		}
		return s->st[which];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a statement that returns no rows. 0 / -1. */
static int
store_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, what);
	return 0;
}

static int
store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_seterr(s, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * Write operations run in their own IMMEDIATE transaction, or inside the
 * caller's store_begin() as a savepoint. IMMEDIATE takes the write lock
 * up front: a deferred reader that later upgrades can fail at once with
 * SQLITE_BUSY in WAL mode, without the busy timeout ever applying.
 */
static int
store_op_begin(struct store *s)
{
	if (s->readonly) {
		store_seterr(s, "opened read-only");
		return -1;
	}
	return store_exec(s, s->in_txn ? "SAVEPOINT op" : "BEGIN IMMEDIATE");
}

static int
store_op_end(struct store *s, int ok)
{
	char saved[STORE_ERR_MAX];

	if (ok) {
		if (store_exec(s, s->in_txn ? "RELEASE op" : "COMMIT") == 0)
			return 0;
		/*
		 * A COMMIT that failed (SQLITE_FULL, SQLITE_IOERR, BUSY) may
		 * leave the transaction open: every later BEGIN would then
		 * fail too, and the store would stay failed after the disk
		 * has room again. Roll it back, as the caller assumes.
		 */
		if (s->in_txn || sqlite3_get_autocommit(s->db))
			return -1;
	}
	/* Keep the error that made us roll back, not the rollback's. */
	memcpy(saved, s->err, sizeof(saved));
	if (s->in_txn)
		(void)store_exec(s, "ROLLBACK TO op; RELEASE op");
	else
		(void)store_exec(s, "ROLLBACK");
	memcpy(s->err, saved, sizeof(saved));
	return -1;
}

int
store_begin(struct store *s)
{
	if (s->in_txn) {
		store_seterr(s, "transaction already open");
		return -1;
	}
	if (store_op_begin(s) == -1)
		return -1;
	s->in_txn = 1;
	return 0;
}

int
store_commit(struct store *s)
{
	if (!s->in_txn) {
		store_seterr(s, "no transaction open");
		return -1;
	}
	s->in_txn = 0;
	if (store_exec(s, "COMMIT") == -1) {
		(void)store_exec(s, "ROLLBACK");
		return -1;
	}
	return 0;
}

int
store_rollback(struct store *s)
{
	if (!s->in_txn)
		return 0;
	s->in_txn = 0;
	return store_exec(s, "ROLLBACK");
}

int
store_read_begin(struct store *s)
{
	if (s->in_txn || !sqlite3_get_autocommit(s->db)) {
		store_seterr(s, "transaction already open");
		return -1;
	}
	return store_exec(s, "BEGIN DEFERRED");
}

int
store_read_end(struct store *s)
{
	if (s->in_txn) {
		store_seterr(s, "a write transaction is open");
		return -1;
	}
	if (sqlite3_get_autocommit(s->db))
		return 0;
	if (store_exec(s, "COMMIT") == -1) {
		(void)store_exec(s, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* bs_mask(addr BLOB(16), plen): addr with the bits past plen cleared. */
static void
store_sql_mask(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct addr a;
	int plen;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
	    sqlite3_value_bytes(argv[0]) != (int)sizeof(a.b)) {
		sqlite3_result_null(ctx);
		return;
	}
	plen = sqlite3_value_int(argv[1]);
	if (plen < 0 || plen > 128) {
		sqlite3_result_null(ctx);
		return;
	}
	memcpy(a.b, sqlite3_value_blob(argv[0]), sizeof(a.b));
	addr_mask(&a, (unsigned int)plen);
	sqlite3_result_blob(ctx, a.b, sizeof(a.b), SQLITE_TRANSIENT);
}

/* Creates the store's directory (one level) when it is missing. */
static int
store_mkdir_parent(struct store *s)
{
	char *dir, *slash;
	struct stat sb;
	int rc = 0;

	if ((dir = strdup(s->path)) == NULL) {
		store_seterr(s, "out of memory");
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (stat(dir, &sb) == -1 && errno == ENOENT &&
		    mkdir(dir, 0750) == -1) {
			store_seterr(s, "cannot create directory %s: %s", dir,
			    strerror(errno));
			rc = -1;
		}
	}
	free(dir);
	return rc;
}

static int
store_pragma_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, sql);
	return 0;
}

/* Adds the minutes long behind into the folded row. */
static int
store_count_fold(struct store *s)
{
	sqlite3_stmt *st;

	for (int which = ST_COUNT_FOLD; which <= ST_COUNT_TRIM; which++) {
		if ((st = store_stmt(s, (enum st)which)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, STORE_COUNT_FOLDED);
		sqlite3_bind_int64(st, 2, (int64_t)time(NULL) / 60);
		sqlite3_bind_int64(st, 3, STORE_COUNT_KEEP_MINUTES);
		if (store_done(s, st, "folding hit counts") == -1)
			return -1;
	}
	return 0;
}

/*
 * Counts the hits past the mark, whoever stored them, and moves the
 * mark, inside the caller's write transaction: the counts and the mark
 * move together or not at all.
 */
static int
store_count_hits(struct store *s)
{
	sqlite3_stmt *st;

	for (int which = ST_COUNT_ADD; which <= ST_COUNT_MARK; which++) {
		if ((st = store_stmt(s, (enum st)which)) == NULL ||
		    store_done(s, st, "counting hits") == -1)
			return -1;
	}
	s->uncounted = 0;
	return store_count_fold(s);
}

/*
 * Checks that the file is ours and brings its schema up to date. A file
 * with tables but no application id is someone else's database: refuse
 * rather than add our tables beside theirs.
 */
static int
store_check_schema(struct store *s)
{
	int64_t appid, version, tables;
	char err[256];

	if (store_op_begin(s) == -1) {
		if (!s->readonly)
			return -1;
		/* Read-only: inspect without a write lock. */
		s->err[0] = '\0';
	}
	if (store_pragma_int(s, "PRAGMA application_id", &appid) == -1 ||
	    store_pragma_int(s, "PRAGMA user_version", &version) == -1 ||
	    store_pragma_int(s, "SELECT count(*) FROM sqlite_master",
	    &tables) == -1)
		goto fail;
	if (appid != SCHEMA_APPLICATION_ID && (appid != 0 || tables != 0)) {
		store_seterr(s, "not a backscatter store");
		goto fail;
	}
	if (version > schema_version()) {
		store_seterr(s, "schema version %lld is newer than this "
		    "program's (%d); refusing to use it", (long long)version,
		    schema_version());
		goto fail;
	}
	if (version < schema_version()) {
		if (s->readonly) {
			store_seterr(s, "schema version %lld needs an upgrade; "
			    "run a command that writes first",
			    (long long)version);
			goto fail;
		}
		if (schema_migrate(s->db, (int)version, err, sizeof(err)) ==
		    -1) {
			store_seterr(s, "%s", err);
			goto fail;
		}
		/* Schema 7 counted every hit there was, by minute. */
		if (version < 7 && store_count_fold(s) == -1)
			goto fail;
	}
	if (!s->readonly)
		return store_op_end(s, 1);
	return 0;
fail:
	if (!s->readonly)
		(void)store_op_end(s, 0);
	return -1;
}

/*
 * Before SQLite's first use in the process: no statistics of its memory
 * (Debian builds it with them on), which nothing here reads and which
 * take a global mutex on every allocation of every connection, a few
 * dozen per hit. Too late if SQLite is in use already: then it stays.
 */
static pthread_once_t store_sqlite_once = PTHREAD_ONCE_INIT;
static int store_vfs_ok;

static void
store_sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	store_vfs_ok = store_vfs_register() == 0;
}

struct store *
store_open(const struct store_config *cfg, int flags, char *err,
    size_t errlen)
{
	struct store *s;
	int oflags;
	int64_t dummy;
	char sql[64];

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(cfg->path)) == NULL) {
		snprintf(err, errlen, "store %s: out of memory", cfg->path);
		free(s);
		return NULL;
	}
	s->ttl = cfg->ttl;
	s->min_hits = cfg->min_hits < 1 ? 1 : cfg->min_hits;
	s->window = cfg->window;
	s->allow_special = cfg->allow_special;
	s->readonly = (flags & STORE_OPEN_READONLY) != 0;

	(void)pthread_once(&store_sqlite_once, store_sqlite_setup);
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_OPEN_CREATE) {
		oflags |= SQLITE_OPEN_CREATE;
		if (store_mkdir_parent(s) == -1)
			goto fail;
	} else {
		struct stat sb;

		if (stat(cfg->path, &sb) == -1) {
			store_seterr(s, "%s", strerror(errno));
			goto fail;
		}
	}
	/*
	 * With FULL, the commit's frames go to the WAL in one write
	 * (store_vfs.h says why only then); if the VFS could not be
	 * registered they go as SQLite writes them.
	 */
	if (sqlite3_open_v2(cfg->path, &s->db, oflags, cfg->sync_full &&
	    store_vfs_ok ? STORE_VFS_NAME : NULL) != SQLITE_OK) {
		if (s->db == NULL) {
			store_seterr(s, "out of memory");
			goto fail;
		}
		/* A read-only file or directory still serves readers. */
		if (!s->readonly)
			goto sqlfail;
		sqlite3_close(s->db);
		s->db = NULL;
		if (sqlite3_open_v2(cfg->path, &s->db, SQLITE_OPEN_READONLY,
		    NULL) != SQLITE_OK)
			goto sqlfail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, cfg->busy_timeout_ms > INT_MAX ?
	    INT_MAX : (int)cfg->busy_timeout_ms);
	if (sqlite3_create_function(s->db, "bs_mask", 2,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, store_sql_mask, NULL,
	    NULL) != SQLITE_OK)
		goto sqlfail;
	/* Touch the file: "file is not a database" shows up here. */
	if (store_pragma_int(s, "PRAGMA schema_version", &dummy) == -1)
		goto fail;
	if (!s->readonly) {
		/*
		 * WAL lets the DNS server and the web read while the trap
		 * writes. FULL syncs the WAL on every commit, so an
		 * acknowledged hit survives power loss, not only kill -9.
		 */
		if (store_exec(s, "PRAGMA journal_mode = WAL") == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s",
		    cfg->sync_full ? "FULL" : "NORMAL");
		if (store_exec(s, sql) == -1)
			goto fail;
	}
	/*
	 * Hits arrive from random addresses, so every insert touches a
	 * random page of the address indexes; SQLite's default 2 MiB cache
	 * turns that into disk reads once the store outgrows it.
	 */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d",
	    STORE_CACHE_KIB);
	if (store_exec(s, sql) == -1)
		goto fail;
	if (store_check_schema(s) == -1)
		goto fail;
	if (s->readonly && store_exec(s, "PRAGMA query_only = 1") == -1)
		goto fail;
	return s;

sqlfail:
	store_seterr(s, "%s", s->db ? sqlite3_errmsg(s->db) :
	    "cannot open");
fail:
	snprintf(err, errlen, "%s", s->err);
	store_close(s);
	return NULL;
}

void
store_release_memory(struct store *s)
{
	(void)sqlite3_db_release_memory(s->db);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST_NSTATEMENTS; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* Binding helpers: an address is always its 16 bytes. */
static void
bind_addr(sqlite3_stmt *st, int i, const struct addr *a)
{
	sqlite3_bind_blob(st, i, a->b, sizeof(a->b), SQLITE_TRANSIENT);
}

/*
 * SQLITE_TRANSIENT makes SQLite copy the text; SQLITE_STATIC reads it in
 * place, for strings that outlive the statement's step, after which the
 * caller clears the bindings.
 */
static void
bind_text_as(sqlite3_stmt *st, int i, const char *s,
    sqlite3_destructor_type how)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, how);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	bind_text_as(st, i, s, SQLITE_TRANSIENT);
}

static void
column_addr(sqlite3_stmt *st, int i, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sqlite3_column_bytes(st, i) == (int)sizeof(a->b))
		memcpy(a->b, sqlite3_column_blob(st, i), sizeof(a->b));
}

static void
column_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

/* The state a reader sees at now: a listing past expiry is expired. */
static enum listing_state
store_effective_state(int state, int64_t expires, int64_t now)
{
	if (state == LISTING_LISTED && expires <= now)
		return LISTING_EXPIRED;
	if (state < 0 || state >= LISTING_NSTATES)
		return LISTING_EXPIRED;
	return (enum listing_state)state;
}

/* Fills l from a row of LISTING_COLUMNS starting at column 0. */
static void
store_row_listing(sqlite3_stmt *st, int64_t now, struct listing *l)
{
	int64_t plen;

	memset(l, 0, sizeof(*l));
	column_addr(st, 0, &l->prefix.addr);
	plen = sqlite3_column_int64(st, 1);
	l->prefix.len = plen < 0 || plen > 128 ? 128 : (unsigned int)plen;
	l->first_seen = sqlite3_column_int64(st, 3);
	l->listed_since = sqlite3_column_int64(st, 4);
	l->last_seen = sqlite3_column_int64(st, 5);
	l->expires = sqlite3_column_int64(st, 6);
	l->state = store_effective_state(sqlite3_column_int(st, 2),
	    l->expires, now);
	l->hits = sqlite3_column_int64(st, 7);
	l->classes = (unsigned int)sqlite3_column_int64(st, 8);
	l->times_listed = sqlite3_column_int(st, 9);
	l->delisted_at = sqlite3_column_int64(st, 10);
	column_text(st, 11, l->delist_how, sizeof(l->delist_how));
	column_text(st, 12, l->reason, sizeof(l->reason));
}

/* The stored (not effective) row for exactly p. 1 / 0 / -1. */
static int
store_row_get(struct store *s, const struct prefix *p, struct listing *l,
    int *raw_state)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_LISTING_GET)) == NULL)
		return -1;
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_row_listing(st, INT64_MIN, l);
		*raw_state = sqlite3_column_int(st, 2);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading listing");
	return 0;
}

static int
store_journal(struct store *s, int64_t t, const struct prefix *p,
    enum store_change_op op)
{
	sqlite3_stmt *st;
	char opstr[2] = { (char)op, '\0' };

	if ((st = store_stmt(s, ST_CHANGE_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	bind_addr(st, 2, &p->addr);
	sqlite3_bind_int(st, 3, (int)p->len);
	bind_text(st, 4, opstr);
	return store_done(s, st, "journaling change");
}

static int
store_audit(struct store *s, int64_t t, const char *who, const char *action,
    const struct prefix *p, const char *reason)
{
	sqlite3_stmt *st;
	char target[PREFIX_STRLEN] = "";

	if (p != NULL && prefix_format(p, target, sizeof(target)) == -1)
		target[0] = '\0';
	if ((st = store_stmt(s, ST_AUDIT_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	bind_text(st, 2, who ? who : "unknown");
	bind_text(st, 3, action);
	bind_text(st, 4, target);
	bind_text(st, 5, reason ? reason : "");
	return store_done(s, st, "writing audit");
}

static int
store_plen_note(struct store *s, unsigned int len)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_PLEN_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, (int)len);
	return store_done(s, st, "noting prefix length");
}

static int
store_row_insert(struct store *s, const struct listing *l)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_LISTING_INSERT)) == NULL)
		return -1;
	bind_addr(st, 1, &l->prefix.addr);
	sqlite3_bind_int(st, 2, (int)l->prefix.len);
	sqlite3_bind_int(st, 3, (int)l->state);
	sqlite3_bind_int64(st, 4, l->first_seen);
	sqlite3_bind_int64(st, 5, l->listed_since);
	sqlite3_bind_int64(st, 6, l->last_seen);
	sqlite3_bind_int64(st, 7, l->expires);
	sqlite3_bind_int64(st, 8, l->hits);
	sqlite3_bind_int64(st, 9, (int64_t)l->classes);
	sqlite3_bind_int(st, 10, l->times_listed);
	bind_text(st, 11, l->reason);
	if (store_done(s, st, "inserting listing") == -1)
		return -1;
	return store_plen_note(s, l->prefix.len);
}

static int
store_row_update(struct store *s, const struct listing *l, int state)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_LISTING_UPDATE)) == NULL)
		return -1;
	bind_addr(st, 1, &l->prefix.addr);
	sqlite3_bind_int(st, 2, (int)l->prefix.len);
	sqlite3_bind_int(st, 3, state);
	sqlite3_bind_int64(st, 4, l->listed_since);
	sqlite3_bind_int64(st, 5, l->last_seen);
	sqlite3_bind_int64(st, 6, l->expires);
	sqlite3_bind_int64(st, 7, l->hits);
	sqlite3_bind_int64(st, 8, (int64_t)l->classes);
	sqlite3_bind_int(st, 9, l->times_listed);
	bind_text(st, 10, l->reason);
	return store_done(s, st, "updating listing");
}

static int
store_row_set_state(struct store *s, const struct prefix *p, int state,
    int64_t when, const char *how)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_LISTING_SET_STATE)) == NULL)
		return -1;
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	sqlite3_bind_int(st, 3, state);
	sqlite3_bind_int64(st, 4, when);
	bind_text(st, 5, how);
	return store_done(s, st, "changing listing state");
}

/* t + d without overflowing into the past. */
static int64_t
store_add_time(int64_t t, int64_t d)
{
	if (d == STORE_NEVER || t > STORE_NEVER - d)
		return STORE_NEVER;
	return t + d;
}

/*
 * Calls cb for each exclusion; stops early when cb returns non-zero.
 * Exclusions are few (operator ranges), so a scan beats an index here.
 */
static int
store_exclusions(struct store *s, store_exclusion_cb cb, void *arg)
{
	sqlite3_stmt *st;
	struct store_exclusion e;
	int rc;

	if ((st = store_stmt(s, ST_EXCLUDE_ALL)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		column_addr(st, 0, &e.prefix.addr);
		e.prefix.len = (unsigned int)sqlite3_column_int(st, 1) & 0xff;
		if (e.prefix.len > 128)
			continue;
		e.created = sqlite3_column_int64(st, 2);
		e.reason = (const char *)sqlite3_column_text(st, 3);
		e.who = (const char *)sqlite3_column_text(st, 4);
		if (cb(arg, &e) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading exclusions");
	return 0;
}

int
store_exclude_foreach(struct store *s, store_exclusion_cb cb, void *arg)
{
	return store_exclusions(s, cb, arg);
}

struct exclusion_probe {
	const struct addr	*addr;		/* covers this address, or */
	const struct prefix	*prefix;	/* covers this whole prefix */
	struct prefix		 found;
	int			 hit;
};

static int
store_exclusion_probe_cb(void *arg, const struct store_exclusion *e)
{
	struct exclusion_probe *p = arg;

	if ((p->addr != NULL && prefix_contains(&e->prefix, p->addr)) ||
	    (p->prefix != NULL && prefix_covers(&e->prefix, p->prefix))) {
		p->found = e->prefix;
		p->hit = 1;
		return 1;
	}
	return 0;
}

int
store_is_excluded(struct store *s, const struct addr *a, struct prefix *range)
{
	struct exclusion_probe p = { .addr = a };

	if (store_exclusions(s, store_exclusion_probe_cb, &p) == -1)
		return -1;
	if (p.hit && range != NULL)
		*range = p.found;
	return p.hit;
}

static int
store_prefix_excluded(struct store *s, const struct prefix *pfx,
    struct prefix *range)
{
	struct exclusion_probe p = { .prefix = pfx };

	if (store_exclusions(s, store_exclusion_probe_cb, &p) == -1)
		return -1;
	if (p.hit && range != NULL)
		*range = p.found;
	return p.hit;
}

/*
 * A new hit's uid, in time order: 48 bits of milliseconds since 1970,
 * then 80 random bits, as 32 hex digits (the layout of a UUIDv7 without
 * its version bits). Random uids landed each hit of a group commit in a
 * leaf page of the uid index of its own, and the commit wrote every one
 * of those pages to the WAL; uids that grow put a commit's hits in the
 * index's last page or two. 80 random bits keep two sensors' hits of one
 * millisecond apart, which is what the central counts them by.
 */
static void
store_uid_make(char out[STORE_UID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[STORE_UID_LEN / 2];
	struct timespec ts;
	uint64_t ms = 0;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 0)
		ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000;
	for (int i = 5; i >= 0; i--) {
		b[i] = (unsigned char)(ms & 0xff);
		ms >>= 8;
	}
	sqlite3_randomness(sizeof(b) - 6, b + 6);
	for (size_t i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0x0f];
	}
	out[STORE_UID_LEN] = '\0';
}

static int
store_hit_insert(struct store *s, const struct store_hit *h)
{
	sqlite3_stmt *st;
	char uid[STORE_UID_LEN + 1];
	int rc;

	if ((st = store_stmt(s, ST_HIT_INSERT)) == NULL)
		return -1;
	if (h->uid == NULL)
		store_uid_make(uid);
	sqlite3_bind_int64(st, 1, h->t);
	bind_addr(st, 2, &h->addr);
	sqlite3_bind_int(st, 3, (int)h->class);
	bind_text_as(st, 4, h->subclass, SQLITE_STATIC);
	bind_text_as(st, 5, h->sensor, SQLITE_STATIC);
	bind_text_as(st, 6, h->helo, SQLITE_STATIC);
	bind_text_as(st, 7, h->mail_from, SQLITE_STATIC);
	bind_text_as(st, 8, h->rcpt, SQLITE_STATIC);
	bind_text_as(st, 9, h->excerpt, SQLITE_STATIC);
	bind_text_as(st, 10, h->uid != NULL ? h->uid : uid, SQLITE_STATIC);
	rc = store_done(s, st, "recording hit");
	/* The strings are the caller's and uid is ours: let go of them. */
	sqlite3_clear_bindings(st);
	return rc;
}

/* Listable hits from a within (t - window, t]. */
static int
store_hits_in_window(struct store *s, const struct addr *a, int64_t t,
    int64_t *count)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_HITS_IN_WINDOW)) == NULL)
		return -1;
	bind_addr(st, 1, a);
	sqlite3_bind_int64(st, 2, t - s->window);
	sqlite3_bind_int64(st, 3, t);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "counting hits");
	return 0;
}

/*
 * Was this hit caused by a self-test probe? Its recipient's local part
 * (angle brackets and a source route aside) must be an active token.
 * Only local parts with the probe prefix cost a query.
 */
static int
store_hit_is_probe(struct store *s, const struct store_hit *h)
{
	char local[STORE_PROBE_TOKEN_MAX];
	const char *r, *at;
	size_t n;

	if (h->rcpt == NULL)
		return 0;
	r = h->rcpt;
	if (*r == '<')
		r++;
	if ((at = strrchr(r, '@')) == NULL)
		return 0;
	n = (size_t)(at - r);
	if (n >= sizeof(local) || n <= sizeof(STORE_PROBE_PREFIX) - 1 ||
	    strncasecmp(r, STORE_PROBE_PREFIX,
	    sizeof(STORE_PROBE_PREFIX) - 1) != 0)
		return 0;
	memcpy(local, r, n);
	local[n] = '\0';
	return store_probe_active(s, local, h->t);
}

/*
 * The listings a batch of hits touches, kept while the batch runs and
 * written once at its end. A flood from one bouncer, the common shape of
 * backscatter, is many hits of a few addresses in every group commit;
 * reading, excluding, updating and journaling each listing once per
 * batch instead of once per hit is most of what a hit cost beyond its
 * own row. A reader of the journal reads each changed listing as it is
 * after the commit, so one entry per listing per transaction says all
 * there is. When more listings come than the batch keeps, the kept ones
 * are written out and it starts again.
 */
#define STORE_BATCH_LISTINGS	16

struct store_batch_listing {
	struct listing	 l;
	int		 raw_state;
	int		 special;	/* a special range not allowed */
	int		 excluded;	/* by an exclusion: no listing */
	int		 present;	/* the row exists, stored or here */
	int		 stored;	/* the row exists in the store */
	int		 dirty;		/* l is newer than the stored row */
	int		 journaled;
};

struct store_batch {
	struct store_batch_listing	 ent[STORE_BATCH_LISTINGS];
	size_t				 n;
};

/*
 * Writes the batch's changed listings, which it keeps, and counts the
 * hits past the mark when their time has come.
 */
static int
store_batch_flush(struct store *s, struct store_batch *b)
{
	struct store_batch_listing *e;

	if (s->uncounted >= STORE_COUNT_EVERY && store_count_hits(s) == -1)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		e = &b->ent[i];
		if (!e->dirty)
			continue;
		e->l.state = (enum listing_state)e->raw_state;
		if ((e->stored ? store_row_update(s, &e->l, e->raw_state) :
		    store_row_insert(s, &e->l)) == -1)
			return -1;
		e->stored = 1;
		e->dirty = 0;
	}
	return 0;
}

/* The batch's entry for the single address a, read in if new; NULL: -1. */
static struct store_batch_listing *
store_batch_get(struct store *s, struct store_batch *b, const struct addr *a)
{
	struct store_batch_listing *e;
	struct prefix p;
	int rc;

	prefix_from_addr(&p, a);
	for (size_t i = 0; i < b->n; i++) {
		e = &b->ent[i];
		if (e->l.prefix.len == p.len &&
		    addr_cmp(&e->l.prefix.addr, &p.addr) == 0)
			return e;
	}
	if (b->n == STORE_BATCH_LISTINGS) {
		if (store_batch_flush(s, b) == -1)
			return NULL;
		b->n = 0;
	}
	e = &b->ent[b->n];
	memset(e, 0, sizeof(*e));
	e->l.prefix = p;
	e->special = special_match(a, s->allow_special, NULL) != NULL;
	if (!e->special && (rc = store_is_excluded(s, a, NULL)) != 0) {
		if (rc == -1)
			return NULL;
		e->excluded = 1;
	}
	if (!e->special && !e->excluded) {
		if ((rc = store_row_get(s, &p, &e->l, &e->raw_state)) == -1)
			return NULL;
		e->present = e->stored = rc;
	}
	b->n++;
	return e;
}

/*
 * One hit, inside the caller's transaction. The hit row is always kept:
 * it is the evidence a lookup shows, even when nothing gets listed.
 *
 * The listing is keyed by the single address (/128). A listing that is
 * active at the hit's time is extended: expires = last_seen + ttl, so
 * "28 days after the last abuse" holds whatever order hits arrive in.
 * Otherwise (new, pending, delisted, expired) it starts a new listing
 * once min_hits listable hits fall within the window ending at this hit.
 */
static int
store_hit_apply(struct store *s, const struct store_hit *h,
    enum store_hit_outcome *outcome, struct store_batch *batch)
{
	struct store_batch_listing *e;
	struct listing *l;
	int64_t count;
	int active;

	if ((unsigned int)h->class >= HIT_MANUAL) {
		store_seterr(s, "hit class %d is not a trap class",
		    (int)h->class);
		return -1;
	}
	if (store_hit_insert(s, h) == -1)
		return -1;
	s->uncounted++;
	if (h->class == HIT_OTHER) {
		*outcome = STORE_HIT_NOT_LISTABLE;
		return 0;
	}
	switch (store_hit_is_probe(s, h)) {
	case -1:
		return -1;
	case 1:
		*outcome = STORE_HIT_NOT_LISTABLE;
		return 0;
	}
	if ((e = store_batch_get(s, batch, &h->addr)) == NULL)
		return -1;
	if (e->special) {
		*outcome = STORE_HIT_SPECIAL;
		return 0;
	}
	if (e->excluded) {
		*outcome = STORE_HIT_EXCLUDED;
		return 0;
	}
	l = &e->l;
	if (!e->present) {
		l->first_seen = h->t;
		l->last_seen = h->t;
		e->raw_state = LISTING_PENDING;
		e->present = 1;
	}
	active = e->raw_state == LISTING_LISTED && l->expires > h->t;
	l->hits++;
	l->classes |= HIT_CLASS_BIT(h->class);
	if (h->t > l->last_seen)
		l->last_seen = h->t;
	e->dirty = 1;

	if (active) {
		int64_t until = store_add_time(l->last_seen, s->ttl);

		if (until > l->expires)
			l->expires = until;
		*outcome = STORE_HIT_EXTENDED;
	} else {
		count = 1;
		if (s->min_hits > 1 &&
		    store_hits_in_window(s, &h->addr, h->t, &count) == -1)
			return -1;
		if (count >= s->min_hits) {
			e->raw_state = LISTING_LISTED;
			l->listed_since = h->t;
			l->expires = store_add_time(l->last_seen, s->ttl);
			l->times_listed++;
			l->reason[0] = '\0';
			*outcome = STORE_HIT_LISTED;
		} else
			*outcome = STORE_HIT_PENDING;
	}
	if (*outcome == STORE_HIT_PENDING || e->journaled)
		return 0;
	e->journaled = 1;
	return store_journal(s, h->t, &l->prefix, STORE_CHANGE_LIST);
}

int
store_record_hits(struct store *s, const struct store_hit *hits, size_t n,
    enum store_hit_outcome *outcomes)
{
	enum store_hit_outcome dummy;
	struct store_batch batch = { .n = 0 };

	if (store_op_begin(s) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_hit_apply(s, &hits[i],
		    outcomes ? &outcomes[i] : &dummy, &batch) == -1)
			return store_op_end(s, 0);
	}
	if (store_batch_flush(s, &batch) == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1);
}

int
store_record_hit(struct store *s, const struct store_hit *h,
    enum store_hit_outcome *outcome)
{
	return store_record_hits(s, h, 1, outcome);
}

int
store_lookup(struct store *s, const struct addr *a, int64_t now,
    struct listing *out)
{
	sqlite3_stmt *st;
	struct listing l;
	int rc;

	switch (store_is_excluded(s, a, NULL)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	if ((st = store_stmt(s, ST_LISTING_LOOKUP)) == NULL)
		return -1;
	bind_addr(st, 1, a);
	sqlite3_bind_int64(st, 2, now);
	/* An IPv4 address is only ever covered by IPv4 prefixes. */
	sqlite3_bind_int(st, 3, addr_is_v4(a) ? 96 : 0);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_row_listing(st, now, &l);
		sqlite3_reset(st);
		if (out != NULL)
			*out = l;
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "looking up");
	return 0;
}

int
store_listing_get(struct store *s, const struct prefix *p, int64_t now,
    struct listing *out)
{
	int raw, rc;

	if ((rc = store_row_get(s, p, out, &raw)) != 1)
		return rc;
	out->state = store_effective_state(raw, out->expires, now);
	return 1;
}

/*
 * An IPv6 prefix shorter than /96 that covers ::ffff:0:0/96 would list
 * all of IPv4 through the back door; such prefixes are refused.
 */
static int
store_prefix_sane(struct store *s, const struct prefix *p)
{
	static const struct prefix mapped = {
		.addr = { { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff, 0,0,0,0 } },
		.len = 96,
	};

	if (p->len > 128) {
		store_seterr(s, "bad prefix length %u", p->len);
		return -1;
	}
	if (p->len < 96 && prefix_covers(p, &mapped)) {
		store_seterr(s, "prefix covers the IPv4-mapped range; list "
		    "IPv4 prefixes in IPv4 form");
		return -1;
	}
	return 0;
}

static int
store_list_add_locked(struct store *s, const struct prefix *p, int64_t now,
    int64_t ttl, const char *reason, const char *who)
{
	struct listing l;
	struct prefix ex;
	char pbuf[PREFIX_STRLEN], ebuf[PREFIX_STRLEN];
	int found, raw;

	switch (store_prefix_excluded(s, p, &ex)) {
	case -1:
		return -1;
	case 1:
		prefix_format(p, pbuf, sizeof(pbuf));
		prefix_format(&ex, ebuf, sizeof(ebuf));
		store_seterr(s, "%s lies inside the exclusion %s", pbuf, ebuf);
		return -1;
	}
	if ((found = store_row_get(s, p, &l, &raw)) == -1)
		return -1;
	if (!found) {
		memset(&l, 0, sizeof(l));
		l.prefix = *p;
		l.first_seen = now;
	}
	if (!found || raw != LISTING_LISTED || l.expires <= now) {
		l.listed_since = now;
		l.times_listed++;
	}
	l.state = LISTING_LISTED;
	l.last_seen = now > l.last_seen ? now : l.last_seen;
	/* The operator's ttl counts from now, shorter or longer. */
	l.expires = store_add_time(now, ttl);
	l.classes |= HIT_CLASS_BIT(HIT_MANUAL);
	snprintf(l.reason, sizeof(l.reason), "%s", reason ? reason : "");
	if ((found ? store_row_update(s, &l, LISTING_LISTED) :
	    store_row_insert(s, &l)) == -1)
		return -1;
	if (store_journal(s, now, p, STORE_CHANGE_LIST) == -1)
		return -1;
	return store_audit(s, now, who, "list add", p, reason);
}

int
store_list_add(struct store *s, const struct prefix *p, int64_t now,
    int64_t ttl, const char *reason, const char *who)
{
	if (store_prefix_sane(s, p) == -1)
		return -1;
	if (ttl <= 0) {
		store_seterr(s, "ttl must be positive");
		return -1;
	}
	if (store_op_begin(s) == -1)
		return -1;
	return store_op_end(s,
	    store_list_add_locked(s, p, now, ttl, reason, who) == 0);
}

int
store_list_del(struct store *s, const struct prefix *p, int64_t now,
    const char *how, const char *reason, const char *who)
{
	struct listing l;
	int found, raw;

	if (store_op_begin(s) == -1)
		return -1;
	if ((found = store_row_get(s, p, &l, &raw)) == -1)
		return store_op_end(s, 0);
	if (!found || raw != LISTING_LISTED || l.expires <= now) {
		(void)store_op_end(s, 1);
		return 0;
	}
	if (store_row_set_state(s, p, LISTING_DELISTED, now,
	    how ? how : "operator") == -1 ||
	    store_journal(s, now, p, STORE_CHANGE_UNLIST) == -1 ||
	    store_audit(s, now, who, "list del", p, reason) == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1) == 0 ? 1 : -1;
}

int
store_expire(struct store *s, int64_t now, const char *who, int64_t *count)
{
	sqlite3_stmt *st;
	int64_t n;
	char why[64];

	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_EXPIRE_JOURNAL)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_int64(st, 1, now);
	if (store_done(s, st, "journaling expiry") == -1)
		return store_op_end(s, 0);
	n = sqlite3_changes64(s->db);
	if ((st = store_stmt(s, ST_EXPIRE_UPDATE)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_int64(st, 1, now);
	if (store_done(s, st, "expiring") == -1)
		return store_op_end(s, 0);
	if (n > 0) {
		snprintf(why, sizeof(why), "%lld listings expired",
		    (long long)n);
		if (store_audit(s, now, who, "expire", NULL, why) == -1)
			return store_op_end(s, 0);
	}
	if (count != NULL)
		*count = n;
	return store_op_end(s, 1);
}

/* Delists the active listings that lie entirely inside p. */
static int
store_delist_inside(struct store *s, const struct prefix *p, int64_t now)
{
	sqlite3_stmt *st;
	struct prefix *inside = NULL, *grown, q;
	struct addr last;
	size_t n = 0, cap = 0;
	int rc, ret = 0;

	if ((st = store_stmt(s, ST_LISTING_INSIDE)) == NULL)
		return -1;
	prefix_last(p, &last);
	bind_addr(st, 1, &p->addr);
	bind_addr(st, 2, &last);
	sqlite3_bind_int(st, 3, (int)p->len);
	sqlite3_bind_int64(st, 4, now);
	/* Collect first: the updates below would disturb this cursor. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_addr(st, 0, &q.addr);
		q.len = (unsigned int)sqlite3_column_int(st, 1);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = reallocarray(inside, cap,
			    sizeof(*inside))) == NULL) {
				store_seterr(s, "out of memory");
				ret = -1;
				break;
			}
			inside = grown;
		}
		inside[n++] = q;
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_sqlerr(s, "finding listings to exclude");
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (store_row_set_state(s, &inside[i], LISTING_DELISTED, now,
		    "excluded") == -1 ||
		    store_journal(s, now, &inside[i], STORE_CHANGE_UNLIST) == -1)
			ret = -1;
	}
	free(inside);
	return ret;
}

int
store_exclude_add(struct store *s, const struct prefix *p, int64_t now,
    const char *reason, const char *who)
{
	sqlite3_stmt *st;

	if (store_prefix_sane(s, p) == -1)
		return -1;
	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_EXCLUDE_INSERT)) == NULL)
		return store_op_end(s, 0);
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	sqlite3_bind_int64(st, 3, now);
	bind_text(st, 4, who ? who : "unknown");
	bind_text(st, 5, reason ? reason : "");
	if (store_done(s, st, "adding exclusion") == -1)
		return store_op_end(s, 0);
	if (sqlite3_changes(s->db) == 0)
		return store_op_end(s, 1);
	if (store_journal(s, now, p, STORE_CHANGE_EXCLUDE) == -1 ||
	    store_delist_inside(s, p, now) == -1 ||
	    store_audit(s, now, who, "exclude add", p, reason) == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1);
}

int
store_exclude_del(struct store *s, const struct prefix *p, int64_t now,
    const char *reason, const char *who)
{
	sqlite3_stmt *st;

	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_EXCLUDE_DELETE)) == NULL)
		return store_op_end(s, 0);
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	if (store_done(s, st, "removing exclusion") == -1)
		return store_op_end(s, 0);
	if (sqlite3_changes(s->db) == 0) {
		(void)store_op_end(s, 1);
		return 0;
	}
	if (store_journal(s, now, p, STORE_CHANGE_UNEXCLUDE) == -1 ||
	    store_audit(s, now, who, "exclude del", p, reason) == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1) == 0 ? 1 : -1;
}

int
store_listing_foreach(struct store *s, const struct store_filter *f,
    store_listing_cb cb, void *arg)
{
	sqlite3_stmt *st;
	struct listing l;
	struct addr last;
	unsigned int states = f->states ? f->states :
	    1u << LISTING_LISTED;
	size_t n = 0;
	int rc;

	if ((st = store_stmt(s, ST_LISTING_WALK)) == NULL)
		return -1;
	if (f->within != NULL) {
		prefix_last(f->within, &last);
		bind_addr(st, 1, &f->within->addr);
		bind_addr(st, 2, &last);
		sqlite3_bind_int(st, 3, (int)f->within->len);
	}
	sqlite3_bind_int64(st, 4, (int64_t)f->classes);
	sqlite3_bind_int64(st, 5, f->since);
	sqlite3_bind_int(st, 6, states == 1u << LISTING_LISTED);
	sqlite3_bind_int64(st, 7, f->now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_listing(st, f->now, &l);
		if ((states & (1u << l.state)) == 0)
			continue;
		if (cb(arg, &l) != 0 || (f->limit && ++n >= f->limit)) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking listings");
	return 0;
}

int
store_change_at(struct store *s, uint64_t serial, int64_t *t,
    struct prefix *p, enum store_change_op *op)
{
	sqlite3_stmt *st;
	const unsigned char *o;
	int rc;

	if (serial > INT64_MAX) {
		store_seterr(s, "serial out of range");
		return -1;
	}
	if ((st = store_stmt(s, ST_CHANGE_AT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)serial);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*t = sqlite3_column_int64(st, 0);
		column_addr(st, 1, &p->addr);
		p->len = (unsigned int)sqlite3_column_int(st, 2);
		o = sqlite3_column_text(st, 3);
		*op = (enum store_change_op)(o != NULL ? o[0] : 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading the journal");
	return 0;
}

int
store_zone_rows(struct store *s, store_zone_row_cb cb, void *arg)
{
	sqlite3_stmt *st;
	struct store_zone_row r;
	int64_t plen;
	int rc;

	if ((st = store_stmt(s, ST_ZONE_ROWS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_addr(st, 0, &r.prefix.addr);
		plen = sqlite3_column_int64(st, 1);
		if (plen < 0 || plen > 128)
			continue;
		r.prefix.len = (unsigned int)plen;
		r.listed_since = sqlite3_column_int64(st, 2);
		r.last_seen = sqlite3_column_int64(st, 3);
		r.expires = sqlite3_column_int64(st, 4);
		r.classes = (unsigned int)sqlite3_column_int64(st, 5);
		if (cb(arg, &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading listings");
	return 0;
}

/*
 * Hands each row of a bound hit statement (id, t, addr, class, subclass,
 * sensor, helo, mail_from, rcpt, excerpt) to cb until it returns non-zero.
 * 0 / -1 (what names the walk in the error).
 */
static int
store_hits_step(struct store *s, sqlite3_stmt *st, store_hit_cb cb,
    void *arg, const char *what)
{
	struct store_hit h;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&h, 0, sizeof(h));
		h.t = sqlite3_column_int64(st, 1);
		column_addr(st, 2, &h.addr);
		h.class = (enum hit_class)sqlite3_column_int(st, 3);
		h.subclass = (const char *)sqlite3_column_text(st, 4);
		h.sensor = (const char *)sqlite3_column_text(st, 5);
		h.helo = (const char *)sqlite3_column_text(st, 6);
		h.mail_from = (const char *)sqlite3_column_text(st, 7);
		h.rcpt = (const char *)sqlite3_column_text(st, 8);
		h.excerpt = (const char *)sqlite3_column_text(st, 9);
		h.uid = (const char *)sqlite3_column_text(st, 10);
		if (cb(arg, sqlite3_column_int64(st, 0), &h) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, what);
	return 0;
}

int
store_hits_foreach(struct store *s, const struct addr *a, size_t limit,
    store_hit_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_HITS_WALK)) == NULL)
		return -1;
	bind_addr(st, 1, a);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	return store_hits_step(s, st, cb, arg, "walking hits");
}

int
store_audit_foreach(struct store *s, const char *target, size_t limit,
    store_audit_cb cb, void *arg)
{
	sqlite3_stmt *st;
	struct store_audit a;
	int rc;

	if ((st = store_stmt(s, ST_AUDIT_WALK)) == NULL)
		return -1;
	bind_text(st, 1, target);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.t = sqlite3_column_int64(st, 0);
		a.who = (const char *)sqlite3_column_text(st, 1);
		a.action = (const char *)sqlite3_column_text(st, 2);
		a.target = (const char *)sqlite3_column_text(st, 3);
		a.reason = (const char *)sqlite3_column_text(st, 4);
		if (cb(arg, &a) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking audit");
	return 0;
}

int
store_serial(struct store *s, uint64_t *serial)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_SERIAL)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*serial = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "reading serial");
	return 0;
}

int
store_changes_since(struct store *s, uint64_t after, store_change_cb cb,
    void *arg)
{
	sqlite3_stmt *st;
	struct prefix p;
	const unsigned char *op;
	int rc;

	if ((st = store_stmt(s, ST_CHANGES_WALK)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_addr(st, 2, &p.addr);
		p.len = (unsigned int)sqlite3_column_int(st, 3) & 0xff;
		op = sqlite3_column_text(st, 4);
		if (cb(arg, (uint64_t)sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), &p,
		    (enum store_change_op)(op ? op[0] : 0)) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking changes");
	return 0;
}

/*
 * Statistics run rarely (the CLI, a web page), so they use ad-hoc
 * statements instead of holding more prepared ones.
 */
static int
store_stats_query(struct store *s, const char *sql, int64_t now,
    void (*row)(struct store_stats *, sqlite3_stmt *), struct store_stats *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "stats");
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(out, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "stats");
	return 0;
}

static void
stats_states(struct store_stats *o, sqlite3_stmt *st)
{
	enum listing_state e = store_effective_state(
	    sqlite3_column_int(st, 0),
	    sqlite3_column_int(st, 1) ? INT64_MAX : INT64_MIN, 0);

	o->by_state[e] += sqlite3_column_int64(st, 2);
}

static void
stats_listed_classes(struct store_stats *o, sqlite3_stmt *st)
{
	unsigned int mask = (unsigned int)sqlite3_column_int64(st, 0);
	int64_t n = sqlite3_column_int64(st, 1);

	o->listed += n;
	for (unsigned int c = 0; c < HIT_NCLASSES; c++)
		if (mask & HIT_CLASS_BIT(c))
			o->listed_by_class[c] += n;
}

/* One row: the trap classes' counts in class order, then the last day's. */
static void
stats_hit_counts(struct store_stats *o, sqlite3_stmt *st)
{
	for (int c = 0; c < HIT_MANUAL; c++) {
		o->hits_by_class[c] += sqlite3_column_int64(st, c);
		o->hits += sqlite3_column_int64(st, c);
	}
	o->hits_24h += sqlite3_column_int64(st, HIT_MANUAL);
}

static void
stats_exclusions(struct store_stats *o, sqlite3_stmt *st)
{
	o->exclusions = sqlite3_column_int64(st, 0);
}

static void
stats_bytes(struct store_stats *o, sqlite3_stmt *st)
{
	o->db_bytes = sqlite3_column_int64(st, 0);
}

int
store_stats(struct store *s, int64_t now, struct store_stats *out)
{
	memset(out, 0, sizeof(*out));
	/* Read everything from one snapshot so the figures agree. */
	if (!s->in_txn && store_exec(s, "BEGIN") == -1)
		return -1;
	if (store_stats_query(s, "SELECT state, expires > ?1, count(*) FROM"
	    " listing GROUP BY 1, 2", now, stats_states, out) == -1 ||
	    store_stats_query(s, "SELECT classes, count(*) FROM listing"
	    " WHERE state = 1 AND expires > ?1 GROUP BY classes", now,
	    stats_listed_classes, out) == -1 ||
	    store_stats_query(s, "SELECT sum(other), sum(bounce),"
	    " sum(autoreply), sum(callout), sum(CASE WHEN minute >= ?1 / 60"
	    " - 1440 THEN other + bounce + autoreply + callout ELSE 0 END)"
	    " FROM hit_count", now, stats_hit_counts, out) == -1 ||
	    /* The hits past the mark: a rowid range, not the table. */
	    store_stats_query(s, "SELECT sum(class = 0), sum(class = 1),"
	    " sum(class = 2), sum(class = 3), sum(t / 60 >= ?1 / 60 - 1440)"
	    " FROM hit WHERE id > (SELECT last_hit FROM hit_count_mark)",
	    now, stats_hit_counts, out) == -1 ||
	    store_stats_query(s, "SELECT count(*) FROM exclude", now,
	    stats_exclusions, out) == -1 ||
	    store_stats_query(s, "SELECT page_count * page_size FROM"
	    " pragma_page_count(), pragma_page_size()", now, stats_bytes,
	    out) == -1 ||
	    store_serial(s, &out->serial) == -1) {
		if (!s->in_txn)
			(void)store_exec(s, "ROLLBACK");
		return -1;
	}
	if (!s->in_txn)
		(void)store_exec(s, "COMMIT");
	return 0;
}

static const char *const store_delist_state_names[STORE_DELIST_NSTATES] = {
	"pending", "approved", "denied",
};

const char *
store_delist_state_name(enum store_delist_state st)
{
	if ((unsigned int)st >= STORE_DELIST_NSTATES)
		return NULL;
	return store_delist_state_names[st];
}

int
store_delist_state_parse(const char *name, enum store_delist_state *out)
{
	int i = store_name_index(store_delist_state_names,
	    STORE_DELIST_NSTATES, name);

	if (i == -1)
		return -1;
	*out = (enum store_delist_state)i;
	return 0;
}

/* Fills r from a row of DELIST_COLUMNS starting at column 0. */
static void
store_row_delist(sqlite3_stmt *st, struct store_delist_request *r)
{
	const unsigned char *state;
	int64_t plen;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->t = sqlite3_column_int64(st, 1);
	column_addr(st, 2, &r->prefix.addr);
	plen = sqlite3_column_int64(st, 3);
	r->prefix.len = plen < 0 || plen > 128 ? 128 : (unsigned int)plen;
	state = sqlite3_column_text(st, 4);
	if (state == NULL || store_delist_state_parse((const char *)state,
	    &r->state) == -1)
		r->state = STORE_DELIST_DENIED;
	r->decided_at = sqlite3_column_int64(st, 5);
	column_text(st, 6, r->requester, sizeof(r->requester));
	column_text(st, 7, r->reason, sizeof(r->reason));
	column_text(st, 8, r->client, sizeof(r->client));
	column_text(st, 9, r->decided_by, sizeof(r->decided_by));
	column_text(st, 10, r->note, sizeof(r->note));
}

/* Runs a statement that yields at most one request. 1 / 0 / -1. */
static int
store_delist_one(struct store *s, sqlite3_stmt *st,
    struct store_delist_request *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		store_row_delist(st, out);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading delist request");
	return 0;
}

/* Binds a text that the store keeps at most size - 1 bytes of. */
static void
bind_text_cut(sqlite3_stmt *st, int i, const char *t, size_t size)
{
	size_t len;

	if (t == NULL)
		t = "";
	len = strnlen(t, size - 1);
	sqlite3_bind_text(st, i, t, (int)len, SQLITE_TRANSIENT);
}

int
store_delist_request_add(struct store *s, const struct prefix *p,
    int64_t now, const char *requester, const char *reason,
    const char *client, const char *who, int64_t *id)
{
	sqlite3_stmt *st;
	int64_t rowid;

	if (store_prefix_sane(s, p) == -1)
		return -1;
	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_DELIST_INSERT)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_int64(st, 1, now);
	bind_addr(st, 2, &p->addr);
	sqlite3_bind_int(st, 3, (int)p->len);
	bind_text_cut(st, 4, requester, STORE_REQUESTER_MAX);
	bind_text_cut(st, 5, reason, STORE_REASON_MAX);
	bind_text_cut(st, 6, client, STORE_CLIENT_MAX);
	if (store_done(s, st, "filing delist request") == -1)
		return store_op_end(s, 0);
	rowid = sqlite3_last_insert_rowid(s->db);
	if (store_audit(s, now, who, "delist request", p, reason) == -1)
		return store_op_end(s, 0);
	if (store_op_end(s, 1) == -1)
		return -1;
	if (id != NULL)
		*id = rowid;
	return 0;
}

int
store_delist_request_get(struct store *s, int64_t id,
    struct store_delist_request *out)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_DELIST_GET)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_delist_one(s, st, out);
}

int
store_delist_request_pending(struct store *s, const struct prefix *p,
    struct store_delist_request *out)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_DELIST_PENDING)) == NULL)
		return -1;
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	return store_delist_one(s, st, out);
}

int
store_delist_request_foreach(struct store *s, unsigned int states,
    size_t limit, store_delist_cb cb, void *arg)
{
	struct store_delist_request r;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_DELIST_WALK)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)states);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_delist(st, &r);
		if (cb(arg, &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking delist requests");
	return 0;
}

/*
 * The decision and its effect commit together: an approved request is
 * never left without its unlist change, nor a delisting without its
 * approved request (which express.max_delistings counts).
 */
int
store_delist_request_decide(struct store *s, int64_t id, int approve,
    int64_t now, const char *note, const char *who)
{
	struct store_delist_request r;
	struct listing l;
	sqlite3_stmt *st;
	int found, raw;

	if (store_op_begin(s) == -1)
		return -1;
	if ((found = store_delist_request_get(s, id, &r)) == -1)
		return store_op_end(s, 0);
	if (!found || r.state != STORE_DELIST_PENDING) {
		(void)store_op_end(s, 1);
		return 0;
	}
	if ((st = store_stmt(s, ST_DELIST_DECIDE)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, store_delist_state_name(approve ?
	    STORE_DELIST_APPROVED : STORE_DELIST_DENIED));
	sqlite3_bind_int64(st, 3, now);
	bind_text_cut(st, 4, who ? who : "unknown", STORE_WHO_MAX);
	bind_text_cut(st, 5, note, STORE_REASON_MAX);
	if (store_done(s, st, "deciding delist request") == -1)
		return store_op_end(s, 0);
	if (approve) {
		if ((found = store_row_get(s, &r.prefix, &l, &raw)) == -1)
			return store_op_end(s, 0);
		if (found && raw == LISTING_LISTED && l.expires > now &&
		    (store_row_set_state(s, &r.prefix, LISTING_DELISTED, now,
		    "express") == -1 ||
		    store_journal(s, now, &r.prefix, STORE_CHANGE_UNLIST) == -1))
			return store_op_end(s, 0);
	}
	if (store_audit(s, now, who, approve ? "delist approve" :
	    "delist deny", &r.prefix, note) == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1) == 0 ? 1 : -1;
}

/* Runs a count(*) statement. 0 / -1. */
static int
store_count(struct store *s, sqlite3_stmt *st, int64_t *count)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "counting");
	return 0;
}

int
store_express_count(struct store *s, const struct prefix *p, int64_t since,
    int64_t *count)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_EXPRESS_COUNT)) == NULL)
		return -1;
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	sqlite3_bind_int64(st, 3, since);
	return store_count(s, st, count);
}

int
store_hits_since(struct store *s, const struct addr *a, int64_t since,
    int64_t *count)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_HITS_SINCE)) == NULL)
		return -1;
	bind_addr(st, 1, a);
	sqlite3_bind_int64(st, 2, since);
	return store_count(s, st, count);
}

int
store_history_foreach(struct store *s, const struct prefix *p, size_t limit,
    store_history_cb cb, void *arg)
{
	sqlite3_stmt *st;
	const unsigned char *op;
	int rc;

	if ((st = store_stmt(s, ST_HISTORY)) == NULL)
		return -1;
	bind_addr(st, 1, &p->addr);
	sqlite3_bind_int(st, 2, (int)p->len);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		op = sqlite3_column_text(st, 1);
		if (cb(arg, sqlite3_column_int64(st, 0),
		    (enum store_change_op)(op ? op[0] : 0)) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking history");
	return 0;
}

/*
 * The statistics below run for a page that is cached, so, like
 * store_stats(), they prepare ad-hoc statements rather than keep them.
 */
static int
store_adhoc(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "prepare");
	return 0;
}

#define STORE_DAY	86400

/*
 * Active listings per day: each listing's period [listed_since, end)
 * adds one to every day whose end falls inside it, through a difference
 * array, so the cost is one pass over the rows plus ndays.
 */
int
store_daily_stats(struct store *s, int64_t day0, size_t ndays,
    struct store_day *out)
{
	sqlite3_stmt *st = NULL;
	int64_t *diff, end, since, from, to, d, run = 0;
	int rc, ret = -1;

	memset(out, 0, ndays * sizeof(*out));
	if (ndays == 0)
		return 0;
	if (ndays > 100000) {
		store_seterr(s, "too many days");
		return -1;
	}
	if ((diff = calloc(ndays + 1, sizeof(*diff))) == NULL) {
		store_seterr(s, "out of memory");
		return -1;
	}
	to = day0 + (int64_t)ndays * STORE_DAY;
	if (store_adhoc(s, "SELECT listed_since, CASE WHEN state = 2 THEN"
	    " min(expires, delisted_at) ELSE expires END FROM listing"
	    " WHERE state IN (1, 2, 3) AND listed_since < ?2 AND"
	    " expires > ?1", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, day0);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		since = sqlite3_column_int64(st, 0);
		end = sqlite3_column_int64(st, 1);
		/*
		 * Day i counts it when since <= its last second < end; its
		 * last second is day0 + (i + 1) * DAY - 1.
		 */
		from = since <= day0 ? 0 : (since - day0) / STORE_DAY;
		d = end >= to ? (int64_t)ndays - 1 :
		    (end - day0) / STORE_DAY - 1;
		if (d < from)
			continue;
		diff[from]++;
		diff[d + 1]--;
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "daily stats");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < ndays; i++) {
		run += diff[i];
		out[i].active = run;
	}
	/* The class of the hit that started each listing, or manual. */
	if (store_adhoc(s, "SELECT (l.listed_since - ?1) / 86400,"
	    " coalesce((SELECT h.class FROM hit h WHERE h.addr = l.addr"
	    " AND h.t = l.listed_since AND h.class IN (1, 2, 3) LIMIT 1), 4),"
	    " count(*) FROM listing l WHERE l.listed_since >= ?1 AND"
	    " l.listed_since < ?2 AND l.state IN (1, 2, 3) GROUP BY 1, 2",
	    &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, day0);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t day = sqlite3_column_int64(st, 0);
		int c = sqlite3_column_int(st, 1);

		if (day >= 0 && day < (int64_t)ndays && c >= 0 &&
		    c < HIT_NCLASSES)
			out[day].new_by_class[c] += sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "daily stats");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(diff);
	return ret;
}

int
store_top_networks(struct store *s, int64_t now, int v6, size_t limit,
    store_network_cb cb, void *arg)
{
	static const uint8_t mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };
	sqlite3_stmt *st;
	struct prefix p;
	int rc, n;

	/* IPv4 /24: 15 bytes of the mapped form; IPv6 /48: 6 bytes. */
	if (store_adhoc(s, "SELECT substr(addr, 1, ?3), count(*) FROM listing"
	    " WHERE state = 1 AND expires > ?1 AND"
	    " (substr(addr, 1, 12) = ?4) = (?3 = 15) GROUP BY 1"
	    " ORDER BY 2 DESC, 1 LIMIT ?2", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	sqlite3_bind_int(st, 3, v6 ? 6 : 15);
	sqlite3_bind_blob(st, 4, mapped, sizeof(mapped), SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		n = sqlite3_column_bytes(st, 0);
		if (n > 0 && n <= (int)sizeof(p.addr.b))
			memcpy(p.addr.b, sqlite3_column_blob(st, 0), (size_t)n);
		p.len = v6 ? 48 : 120;
		addr_mask(&p.addr, p.len);
		if (cb(arg, &p, sqlite3_column_int64(st, 1)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "top networks");
	return 0;
}

int
store_top_excerpt_values(struct store *s, const char *key, int64_t since,
    size_t limit, store_value_cb cb, void *arg)
{
	sqlite3_stmt *st;
	char needle[64];
	int rc;

	/* The line "Key: value": after a newline, or at the start. */
	if (snprintf(needle, sizeof(needle), "\n%s: ", key) >=
	    (int)sizeof(needle)) {
		store_seterr(s, "excerpt key too long");
		return -1;
	}
	if (store_adhoc(s, "WITH e AS (SELECT substr(char(10) || excerpt,"
	    " instr(char(10) || excerpt, ?2) + length(?2)) AS rest FROM hit"
	    " WHERE t > ?1 AND instr(char(10) || excerpt, ?2) > 0)"
	    " SELECT lower(substr(rest, 1, instr(rest || char(10), char(10))"
	    " - 1)) AS v, count(*) FROM e WHERE v != '' GROUP BY v"
	    " ORDER BY 2 DESC, 1 LIMIT ?3", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_text(st, 2, needle, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "top excerpt values");
	return 0;
}

int
store_listings_page(struct store *s, int64_t now, int64_t since,
    const struct prefix *after, size_t limit, store_listing_cb cb, void *arg)
{
	static const struct addr zero;
	sqlite3_stmt *st;
	struct listing l;
	int rc;

	if (limit == 0) {
		store_seterr(s, "page limit must be positive");
		return -1;
	}
	if ((st = store_stmt(s, ST_LISTINGS_PAGE)) == NULL)
		return -1;
	bind_addr(st, 1, after ? &after->addr : &zero);
	sqlite3_bind_int(st, 2, after ? (int)after->len : -1);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, since);
	sqlite3_bind_int64(st, 5, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_listing(st, now, &l);
		if (cb(arg, &l) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "walking listings");
	return 0;
}

/* A probe token: the prefix, then [A-Za-z0-9-], bounded. */
static int
store_probe_token_ok(const char *token)
{
	size_t n, plen = sizeof(STORE_PROBE_PREFIX) - 1;

	n = strnlen(token, STORE_PROBE_TOKEN_MAX);
	if (n >= STORE_PROBE_TOKEN_MAX || n <= plen ||
	    strncasecmp(token, STORE_PROBE_PREFIX, plen) != 0)
		return 0;
	for (size_t i = plen; i < n; i++) {
		unsigned char c = (unsigned char)token[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int
store_probe_add(struct store *s, const char *token, const char *target,
    int64_t now, int64_t expires)
{
	sqlite3_stmt *st;

	if (!store_probe_token_ok(token)) {
		store_seterr(s, "bad probe token");
		return -1;
	}
	if (strnlen(target, STORE_PROBE_TARGET_MAX) >= STORE_PROBE_TARGET_MAX) {
		store_seterr(s, "probe target too long");
		return -1;
	}
	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_PROBE_TRIM)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_int64(st, 1, now - 86400);
	if (store_done(s, st, "trimming probes") == -1)
		return store_op_end(s, 0);
	if ((st = store_stmt(s, ST_PROBE_INSERT)) == NULL)
		return store_op_end(s, 0);
	sqlite3_bind_text(st, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, expires);
	if (store_done(s, st, "registering probe") == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1);
}

int
store_probe_active(struct store *s, const char *token, int64_t t)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_PROBE_ACTIVE)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, t);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sqlerr(s, "probe lookup");
}

int
store_hit_last_id(struct store *s, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_HIT_LAST_ID)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "last hit");
	return 0;
}

int
store_hits_for_probe(struct store *s, int64_t after, const char *token,
    store_hit_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_HITS_FOR_PROBE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_text(st, 2, token, -1, SQLITE_TRANSIENT);
	return store_hits_step(s, st, cb, arg, "walking probe hits");
}

int
store_uid_valid(const char *uid)
{
	size_t i;

	if (uid == NULL)
		return 0;
	for (i = 0; i < STORE_UID_LEN; i++)
		if (!((uid[i] >= '0' && uid[i] <= '9') ||
		    (uid[i] >= 'a' && uid[i] <= 'f')))
			return 0;
	return uid[i] == '\0';
}

/*
 * 1 the store holds h already, 0 not, -1 error. A hit sent again comes
 * with the same uid, address and time.
 */
static int
store_hit_exists(struct store *s, const struct store_hit *h)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_HIT_EXISTS)) == NULL)
		return -1;
	bind_addr(st, 1, &h->addr);
	sqlite3_bind_int64(st, 2, h->t);
	bind_text(st, 3, h->uid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "looking up hit uid");
	return 0;
}

/*
 * The uid check and the insert run in one write transaction, so two
 * uploads of the same batch racing each other still count it once.
 */
int
store_ingest_hits(struct store *s, const struct store_hit *hits, size_t n,
    enum store_hit_outcome *outcomes, unsigned char *dup, size_t *ndup)
{
	enum store_hit_outcome dummy;
	struct store_batch batch = { .n = 0 };
	size_t skipped = 0;
	int found;

	for (size_t i = 0; i < n; i++) {
		if (!store_uid_valid(hits[i].uid)) {
			store_seterr(s, "hit %zu: no valid uid", i);
			return -1;
		}
	}
	if (store_op_begin(s) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((found = store_hit_exists(s, &hits[i])) == -1)
			return store_op_end(s, 0);
		if (dup != NULL)
			dup[i] = (unsigned char)found;
		if (found) {
			skipped++;
			if (outcomes != NULL)
				outcomes[i] = STORE_HIT_NOT_LISTABLE;
			continue;
		}
		if (store_hit_apply(s, &hits[i],
		    outcomes ? &outcomes[i] : &dummy, &batch) == -1)
			return store_op_end(s, 0);
	}
	if (store_batch_flush(s, &batch) == -1)
		return store_op_end(s, 0);
	if (store_op_end(s, 1) == -1)
		return -1;
	if (ndup != NULL)
		*ndup = skipped;
	return 0;
}

int
store_hits_after(struct store *s, int64_t after, size_t limit,
    store_hit_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_HITS_AFTER)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, limit > 0 && limit < INT64_MAX ?
	    (int64_t)limit : 1);
	return store_hits_step(s, st, cb, arg, "walking hits to forward");
}

int
store_forward_get(struct store *s, const char *central, int64_t *last_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_FORWARD_GET)) == NULL)
		return -1;
	bind_text(st, 1, central);
	rc = sqlite3_step(st);
	*last_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading the forward cursor");
	return 0;
}

int
store_forward_set(struct store *s, const char *central, int64_t last_id,
    int64_t now)
{
	sqlite3_stmt *st;

	if (store_op_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_FORWARD_SET)) == NULL)
		return store_op_end(s, 0);
	bind_text(st, 1, central);
	sqlite3_bind_int64(st, 2, last_id);
	sqlite3_bind_int64(st, 3, now);
	if (store_done(s, st, "moving the forward cursor") == -1)
		return store_op_end(s, 0);
	return store_op_end(s, 1);
}

int
store_next_expiry(struct store *s, int64_t now, int64_t *t)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((st = store_stmt(s, ST_NEXT_EXPIRY)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*t = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "next expiry");
	return found;
}
