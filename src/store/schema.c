/* schema.c -- the store's SQL schema and its migrations. */
#include <stdio.h>

#include "store/schema.h"

/*
 * Each entry takes the schema from version i to i + 1. Entries are never
 * edited once released: a change is a new entry, so every existing store
 * walks the same path.
 *
 * Addresses are 16-byte BLOBs (IPv4 v4-mapped) so that memcmp order is
 * address order and one index serves both families. Times are seconds
 * since the epoch, UTC. A listing's classes are a bit mask of hit classes
 * (hitclass.h).
 */
static const char *const schema_steps[] = {
	/* 0 -> 1 */
	"CREATE TABLE listing ("
	"  id INTEGER PRIMARY KEY,"
	"  addr BLOB NOT NULL CHECK (length(addr) = 16),"
	"  plen INTEGER NOT NULL CHECK (plen BETWEEN 0 AND 128),"
	"  state INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  listed_since INTEGER NOT NULL DEFAULT 0,"
	"  last_seen INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  hits INTEGER NOT NULL DEFAULT 0,"
	"  classes INTEGER NOT NULL DEFAULT 0,"
	"  times_listed INTEGER NOT NULL DEFAULT 0,"
	"  delisted_at INTEGER NOT NULL DEFAULT 0,"
	"  delist_how TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (addr, plen));"
	"CREATE INDEX listing_state_expires ON listing (state, expires);"
	/*
	 * The prefix lengths in use. Lookups probe listing once per length
	 * here instead of once per possible length (33 for IPv4, 129 for
	 * IPv6); rows are never removed, a stale length costs one probe.
	 */
	"CREATE TABLE plen (plen INTEGER PRIMARY KEY);"
	"CREATE TABLE hit ("
	"  id INTEGER PRIMARY KEY,"
	"  t INTEGER NOT NULL,"
	"  addr BLOB NOT NULL CHECK (length(addr) = 16),"
	"  class INTEGER NOT NULL,"
	"  subclass TEXT, sensor TEXT, helo TEXT, mail_from TEXT,"
	"  rcpt TEXT, excerpt TEXT);"
	"CREATE INDEX hit_addr_t ON hit (addr, t);"
	"CREATE INDEX hit_t ON hit (t);"
	/* AUTOINCREMENT: a serial is never reused, even after a trim. */
	"CREATE TABLE change ("
	"  serial INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  t INTEGER NOT NULL,"
	"  addr BLOB NOT NULL,"
	"  plen INTEGER NOT NULL,"
	"  op TEXT NOT NULL);"
	"CREATE TABLE exclude ("
	"  addr BLOB NOT NULL CHECK (length(addr) = 16),"
	"  plen INTEGER NOT NULL CHECK (plen BETWEEN 0 AND 128),"
	"  created INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (addr, plen));"
	"CREATE TABLE delist_request ("
	"  id INTEGER PRIMARY KEY,"
	"  t INTEGER NOT NULL,"
	"  addr BLOB NOT NULL,"
	"  plen INTEGER NOT NULL,"
	"  requester TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  decided_at INTEGER NOT NULL DEFAULT 0,"
	"  decided_by TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  t INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX audit_target ON audit (target, id);",
	/*
	 * 1 -> 2: the web lookup and express delisting. A listing's history
	 * reads the journal by address; requests are found by address and
	 * by state; client and note keep who filed a request and why it was
	 * decided, for the audit trail.
	 */
	"CREATE INDEX change_addr ON change (addr, plen, serial);"
	"CREATE INDEX delist_request_addr ON delist_request (addr, plen, t);"
	"CREATE INDEX delist_request_state ON delist_request (state, id);"
	"ALTER TABLE delist_request ADD COLUMN client TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE delist_request ADD COLUMN note TEXT NOT NULL"
	"  DEFAULT '';",
	/*
	 * 2 -> 3: self-test probes (`backscatter probe`, /selftest). A hit
	 * whose recipient is a registered probe address is evidence for the
	 * probe, never a listing: the operator asked for that mail.
	 */
	"CREATE TABLE probe ("
	"  token TEXT PRIMARY KEY,"
	"  target TEXT NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL);"
	"CREATE INDEX probe_expires ON probe (expires);",
	/*
	 * 3 -> 4: remote sensors. Every hit gets a unique id (128 random
	 * bits in hex) that travels with it from a sensor to the central,
	 * so that a batch sent twice is counted once. Hits from before get
	 * one now. forward keeps, per central URL, the last hit id that
	 * central acknowledged: the sensor's store is its spool.
	 */
	"ALTER TABLE hit ADD COLUMN uid TEXT;"
	"UPDATE hit SET uid = lower(hex(randomblob(16)));"
	"CREATE UNIQUE INDEX hit_uid ON hit (uid);"
	"CREATE TABLE forward ("
	"  central TEXT PRIMARY KEY,"
	"  last_id INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL DEFAULT 0);",
	/*
	 * 4 -> 5: a hit carries its address and time with its uid, so an
	 * upload sent twice is found by all three in the address index,
	 * and the uid needs no index of its own. Every index is written
	 * on every group commit of the trap: one fewer is a sixth fewer
	 * pages per commit.
	 */
	"DROP INDEX hit_uid;"
	"DROP INDEX hit_addr_t;"
	"CREATE INDEX hit_addr_t_uid ON hit (addr, t, uid);",
	/*
	 * 5 -> 6: the time index served one figure, the hits of the last
	 * 24 hours, read by the same statistics that count every hit by
	 * class, a pass over the whole table: that pass now counts both.
	 * The trap's group commit writes one index fewer for every hit.
	 */
	"DROP INDEX IF EXISTS hit_t;",
	/*
	 * 6 -> 7: the statistics (the web's /stats, /metrics, `stats`)
	 * read every hit: about two seconds per call at 3 million.
	 * hit_count holds the hits counted so far, a row per minute of
	 * their time and a column per class; hit_count_mark the last hit
	 * id counted. Writers fold the hits past the mark in now and then
	 * (store.c), readers add the few past it themselves. Minutes long
	 * gone are added into one row, minute = the smallest integer.
	 */
	"CREATE TABLE hit_count ("
	"  minute INTEGER PRIMARY KEY,"
	"  other INTEGER NOT NULL DEFAULT 0,"
	"  bounce INTEGER NOT NULL DEFAULT 0,"
	"  autoreply INTEGER NOT NULL DEFAULT 0,"
	"  callout INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE hit_count_mark ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  last_hit INTEGER NOT NULL);"
	"INSERT INTO hit_count (minute, other, bounce, autoreply, callout)"
	"  SELECT t / 60, sum(class = 0), sum(class = 1), sum(class = 2),"
	"  sum(class = 3) FROM hit GROUP BY t / 60;"
	"INSERT INTO hit_count_mark (id, last_hit)"
	"  SELECT 1, coalesce(max(id), 0) FROM hit;",
	/*
	 * 7 -> 8: the statistics count the active listings by class. With
	 * classes in the index that finds them, the count reads the index
	 * alone instead of every active listing's row: 0.29 s -> 0.04 s at
	 * 200,000 listings. A listing's update rewrites its entry anyway
	 * (state and expires change with every hit), so commits write no
	 * more than before.
	 */
	"DROP INDEX IF EXISTS listing_state_expires;"
	"CREATE INDEX listing_state_expires_classes ON listing"
	"  (state, expires, classes);",
};

#define SCHEMA_NSTEPS	(sizeof(schema_steps) / sizeof(schema_steps[0]))

int
schema_version(void)
{
	return (int)SCHEMA_NSTEPS;
}

int
schema_migrate(sqlite3 *db, int from, char *err, size_t errlen)
{
	char sql[64];
	char *msg = NULL;

	for (int v = from; v < (int)SCHEMA_NSTEPS; v++) {
		if (sqlite3_exec(db, schema_steps[v], NULL, NULL, &msg) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "migration to schema %d: %s",
			    v + 1, msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			return -1;
		}
	}
	snprintf(sql, sizeof(sql),
	    "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	    SCHEMA_APPLICATION_ID, (int)SCHEMA_NSTEPS);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "setting schema version: %s",
		    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
