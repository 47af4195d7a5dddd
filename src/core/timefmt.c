/* timefmt.c -- durations ("28d") and timestamps (ISO 8601, UTC) as text. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"

/*
 * Timestamps are limited to years 1970..9999: the store never holds an
 * event before the epoch, and four-digit years keep parse and format
 * exact inverses of each other. 9999-12-31T23:59:59Z is this many
 * seconds after the epoch.
 */
#define TIMESTAMP_YEAR_MIN	1970
#define TIMESTAMP_YEAR_MAX	9999
#define TIMESTAMP_MAX		253402300799LL

static const struct timefmt_unit {
	char		name;
	int64_t		secs;
} timefmt_units[] = {
	{ 'w',	7 * 86400 },
	{ 'd',	86400 },
	{ 'h',	3600 },
	{ 'm',	60 },
	{ 's',	1 },
};
#define TIMEFMT_NUNITS	(sizeof(timefmt_units) / sizeof(timefmt_units[0]))

/*
 * Reads one run of decimal digits at *sp into *out, refusing values above
 * max. No sign and no leading space: strtoll would accept both, and
 * "- 1d" is a typo we want to reject. Advances *sp past the digits.
 * 0 ok, -1 no digits or too large.
 */
static int
timefmt_digits(const char **sp, int64_t max, int64_t *out)
{
	const char *s = *sp;
	int64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*sp = s;
	*out = v;
	return 0;
}

/*
 * A duration is either a bare number of seconds, or NUMBER UNIT groups
 * whose units appear at most once and from largest to smallest. "1h1d"
 * and "1d1d" are accepted by some parsers; here they are rejected, since
 * they are far more likely typos than intent.
 */
int
duration_parse(const char *s, int64_t *secs)
{
	int64_t total = 0, n;
	size_t next = 0, u;

	if (s == NULL || *s == '\0')
		return -1;
	if (timefmt_digits(&s, DURATION_MAX, &n) == -1)
		return -1;
	if (*s == '\0') {
		*secs = n;
		return 0;
	}
	for (;;) {
		for (u = next; u < TIMEFMT_NUNITS; u++)
			if (timefmt_units[u].name == *s)
				break;
		if (u == TIMEFMT_NUNITS)
			return -1;	/* unknown unit, or out of order */
		if (n > (DURATION_MAX - total) / timefmt_units[u].secs)
			return -1;
		total += n * timefmt_units[u].secs;
		next = u + 1;
		s++;
		if (*s == '\0')
			break;
		if (timefmt_digits(&s, DURATION_MAX, &n) == -1)
			return -1;
		if (*s == '\0')
			return -1;	/* "1d30": a number without a unit */
	}
	*secs = total;
	return 0;
}

/*
 * Days, hours, minutes and seconds only: "28d" reads better than "4w",
 * and the result parses back to the same value.
 */
int
duration_format(int64_t secs, char *buf, size_t size)
{
	size_t off = 0, u;
	int64_t q;
	int n;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	if (secs < 0)
		return -1;
	if (secs == 0)
		return snprintf(buf, size, "0s") < (int)size ? 0 : -1;
	for (u = 1; u < TIMEFMT_NUNITS; u++) {
		q = secs / timefmt_units[u].secs;
		if (q == 0)
			continue;
		secs -= q * timefmt_units[u].secs;
		n = snprintf(buf + off, size - off, "%lld%c", (long long)q,
		    timefmt_units[u].name);
		if (n < 0 || (size_t)n >= size - off) {
			buf[0] = '\0';
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int
timefmt_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
timefmt_mdays(int64_t y, int64_t m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (m == 2 && timefmt_leap(y))
		return 29;
	return mdays[m - 1];
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, without timegm()
 * and its time zone and normalisation behaviour. Counts in 400-year eras
 * (146097 days each) with March as the first month, so the leap day falls
 * at the end of a year (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms"). Fields must already be valid.
 */
static int64_t
timefmt_days(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Exactly n digits at s into *out. 0 ok, -1 otherwise. */
static int
timefmt_fixed(const char *s, int n, int64_t *out)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
timestamp_parse(const char *s, int64_t *t)
{
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, v;
	const char *p;

	if (s == NULL)
		return -1;
	if (s[0] == '@') {
		p = s + 1;
		if (timefmt_digits(&p, TIMESTAMP_MAX, &v) == -1 || *p != '\0')
			return -1;
		*t = v;
		return 0;
	}

	/* YYYY-MM-DD, then optionally [T ]HH:MM:SS and a zone. */
	if (strlen(s) < 10 || timefmt_fixed(s, 4, &y) == -1 || s[4] != '-' ||
	    timefmt_fixed(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    timefmt_fixed(s + 8, 2, &d) == -1)
		return -1;
	if (y < TIMESTAMP_YEAR_MIN || y > TIMESTAMP_YEAR_MAX || mo < 1 ||
	    mo > 12 || d < 1 || d > timefmt_mdays(y, mo))
		return -1;
	p = s + 10;
	if (*p != '\0') {
		if ((*p != 'T' && *p != ' ') || strlen(p) < 9 ||
		    timefmt_fixed(p + 1, 2, &h) == -1 || p[3] != ':' ||
		    timefmt_fixed(p + 4, 2, &mi) == -1 || p[6] != ':' ||
		    timefmt_fixed(p + 7, 2, &sec) == -1)
			return -1;
		/* No 24:00:00 and no leap second: time_t cannot hold one. */
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
		/*
		 * ISO 8601 without a zone means local time, so the "T" form
		 * must say Z; the space form is ours and always UTC.
		 */
		if (*p == 'T') {
			if (strcmp(p + 9, "Z") != 0)
				return -1;
		} else if (strcmp(p + 9, "") != 0 && strcmp(p + 9, "Z") != 0 &&
		    strcmp(p + 9, " UTC") != 0)
			return -1;
	}
	*t = timefmt_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

int
timestamp_format(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt;
	int n;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	/* Four-digit years only, so the width is fixed. */
	if (t < -62167219200LL || t > TIMESTAMP_MAX)
		return -1;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
