/* timefmt.h -- durations ("28d") and timestamps (ISO 8601, UTC) as text. */
#ifndef BACKSCATTER_TIMEFMT_H
#define BACKSCATTER_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* A century: longer durations are typos, not policy. */
#define DURATION_MAX		(100LL * 365 * 86400)

/*
 * Parses a duration: a plain number of seconds ("3600") or one or more
 * NUMBER UNIT groups with units w, d, h, m, s ("28d", "1d12h", "90s").
 * Result in 0..DURATION_MAX. 0 ok, -1 malformed or out of range.
 */
int	 duration_parse(const char *s, int64_t *secs);

/*
 * Writes the shortest exact form ("28d", "1d12h", "45s", "0s").
 * 0 ok, -1 if size is too small.
 */
int	 duration_format(int64_t secs, char *buf, size_t size);

/*
 * Parses a point in time as seconds since the epoch, UTC: "@SECONDS",
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD HH:MM:SS" (UTC;
 * a trailing "Z" or " UTC" is allowed). Fields are range-checked
 * (no 25:00, no Feb 30). 0 ok, -1 malformed.
 */
int	 timestamp_parse(const char *s, int64_t *t);

/*
 * Writes "YYYY-MM-DDTHH:MM:SSZ". 0 ok, -1 if size is too small
 * (TIMESTAMP_STRLEN is enough).
 */
#define TIMESTAMP_STRLEN	21
int	 timestamp_format(int64_t t, char *buf, size_t size);

#endif
