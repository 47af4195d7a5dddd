/* schema.h -- the store's SQL schema and its migrations. */
#ifndef BACKSCATTER_SCHEMA_H
#define BACKSCATTER_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* 'BSCT': PRAGMA application_id marks a file as ours (SQLite fileformat 1.3.28). */
#define SCHEMA_APPLICATION_ID	0x42534354

/* The version this program writes (PRAGMA user_version). */
int	 schema_version(void);

/*
 * Brings a database from version `from` up to schema_version(), each step
 * in the caller's transaction. 0 ok, -1 with the SQLite message in err.
 */
int	 schema_migrate(sqlite3 *db, int from, char *err, size_t errlen);

#endif
