/* txt.c -- the TXT and lookup-URL templates shown to listed admins. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "core/txt.h"

/*
 * Room for the longest expansion of one variable: a prefix
 * (PREFIX_STRLEN), every class name joined by ", " (under 64), or a
 * date. {url} is copied straight from the caller and needs none.
 */
#define TXT_VAR_MAX		128

enum txt_var {
	TXT_VAR_IP,
	TXT_VAR_SINCE,
	TXT_VAR_LAST,
	TXT_VAR_EXPIRES,
	TXT_VAR_CLASS,
	TXT_VAR_URL,
};

#define TXT_NAME(s, var)	{ s, sizeof(s) - 1, var }
static const struct txt_name {
	const char	*name;
	size_t		 len;
	enum txt_var	 var;
} txt_names[] = {
	TXT_NAME("ip", TXT_VAR_IP),
	TXT_NAME("since", TXT_VAR_SINCE),
	TXT_NAME("last", TXT_VAR_LAST),
	TXT_NAME("expires", TXT_VAR_EXPIRES),
	TXT_NAME("class", TXT_VAR_CLASS),
	TXT_NAME("url", TXT_VAR_URL),
};
#define TXT_NNAMES	(sizeof(txt_names) / sizeof(txt_names[0]))

/* The output being built; a failed append leaves err set for good. */
struct txt_out {
	char		*buf;		/* NULL when only checking */
	size_t		 size;
	size_t		 off;
	int		 err;
};

static void
txt_append(struct txt_out *o, const char *s, size_t len)
{
	if (o->buf == NULL || o->err)
		return;
	/* Keep one byte for the NUL: a result of size bytes does not fit. */
	if (len >= o->size - o->off) {
		o->err = 1;
		return;
	}
	memcpy(o->buf + o->off, s, len);
	o->off += len;
	o->buf[o->off] = '\0';
}

/* Writes v as exactly width decimal digits (v fits). */
static void
txt_digits(char *p, unsigned int v, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * The proleptic Gregorian date of day number days (0 is 1970-01-01),
 * by whole eras of 400 years (146,097 days), which repeat exactly;
 * counted from 0000-03-01 so that a leap day ends its year.
 */
static void
txt_civil(int64_t days, int64_t *year, unsigned int *month,
    unsigned int *mday)
{
	int64_t z = days + 719468, era;
	unsigned int doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*mday = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/*
 * "YYYY-MM-DD" with withtime 0, "YYYY-MM-DD HH:MM UTC" with withtime 1.
 * Written digit by digit and computed without gmtime_r: the DNS server
 * renders this for every TXT answer, snprintf costs several times the
 * rest of the answer, and gmtime_r takes the time zone lock each call.
 */
static int
txt_date(int64_t t, int withtime, char *buf, size_t size)
{
	static const char fmt[] = "0000-00-00 00:00 UTC";
	int64_t days = t / 86400, secs = t % 86400, year;
	unsigned int month, mday;
	size_t n = withtime ? sizeof(fmt) - 1 : 10;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	txt_civil(days, &year, &month, &mday);
	if (year < 0 || year > 9999 || n >= size)
		return -1;
	memcpy(buf, fmt, n);
	buf[n] = '\0';
	txt_digits(buf, (unsigned int)year, 4);
	txt_digits(buf + 5, month, 2);
	txt_digits(buf + 8, mday, 2);
	if (withtime) {
		txt_digits(buf + 11, (unsigned int)(secs / 3600), 2);
		txt_digits(buf + 14, (unsigned int)(secs % 3600 / 60), 2);
	}
	return 0;
}

/* Writes the text of one variable into val. 0 ok, -1 cannot be shown. */
static int
txt_value(enum txt_var var, const struct txt_vars *v, char *val, size_t size)
{
	switch (var) {
	case TXT_VAR_IP:
		if (v->prefix == NULL)
			return -1;
		return prefix_format(v->prefix, val, size);
	case TXT_VAR_SINCE:
		return txt_date(v->listed_since, 0, val, size);
	case TXT_VAR_LAST:
		return txt_date(v->last_seen, 1, val, size);
	case TXT_VAR_EXPIRES:
		/* A manual listing without an end says so, not year 292e9. */
		if (v->expires == INT64_MAX) {
			if (snprintf(val, size, "never") >= (int)size)
				return -1;
			return 0;
		}
		return txt_date(v->expires, 1, val, size);
	case TXT_VAR_CLASS:
		return hitclass_mask_format(v->classes, val, size);
	case TXT_VAR_URL:
		break;		/* copied by the caller, it may be long */
	}
	return -1;
}

/*
 * The one walk over a template that both txt_check and txt_render use,
 * so that what passes the check is exactly what renders. With v NULL
 * nothing is rendered and only the syntax is checked. Braces are either
 * doubled ("{{" and "}}", a literal brace) or enclose a known name; a
 * lone "}" is rejected too, since it is as likely a typo as a lone "{".
 */
static int
txt_walk(const char *tmpl, const struct txt_vars *v, struct txt_out *o,
    char *err, size_t errlen)
{
	char val[TXT_VAR_MAX];
	const char *p = tmpl, *q, *end;
	size_t i, len;

	while (*p != '\0') {
		q = p + strcspn(p, "{}");
		txt_append(o, p, (size_t)(q - p));
		p = q;
		if (*p == '\0')
			break;
		if (p[0] == p[1]) {
			txt_append(o, p, 1);
			p += 2;
			continue;
		}
		if (*p == '}') {
			snprintf(err, errlen, "unmatched '}' at offset %zu",
			    (size_t)(p - tmpl));
			return -1;
		}
		end = strpbrk(p + 1, "{}");
		if (end == NULL || *end != '}') {
			snprintf(err, errlen, "unclosed '{' at offset %zu",
			    (size_t)(p - tmpl));
			return -1;
		}
		len = (size_t)(end - (p + 1));
		for (i = 0; i < TXT_NNAMES; i++)
			if (txt_names[i].len == len &&
			    memcmp(txt_names[i].name, p + 1, len) == 0)
				break;
		if (i == TXT_NNAMES) {
			snprintf(err, errlen, "unknown variable {%.*s}",
			    len > 32 ? 32 : (int)len, p + 1);
			return -1;
		}
		if (v != NULL) {
			if (txt_names[i].var == TXT_VAR_URL) {
				/* NULL while rendering the URL itself. */
				if (v->url != NULL)
					txt_append(o, v->url, strlen(v->url));
			} else if (txt_value(txt_names[i].var, v, val,
			    sizeof(val)) == -1) {
				snprintf(err, errlen, "cannot show {%s}",
				    txt_names[i].name);
				return -1;
			} else
				txt_append(o, val, strlen(val));
		}
		p = end + 1;
	}
	return 0;
}

int
txt_render(const char *tmpl, const struct txt_vars *v, char *buf, size_t size)
{
	struct txt_out o = { buf, size, 0, 0 };
	char err[64];

	if (tmpl == NULL || v == NULL || buf == NULL || size == 0)
		return -1;
	buf[0] = '\0';
	if (txt_walk(tmpl, v, &o, err, sizeof(err)) == -1 || o.err) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
txt_check(const char *tmpl, char *err, size_t errlen)
{
	struct txt_out o = { NULL, 0, 0, 0 };
	char dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (tmpl == NULL) {
		snprintf(err, errlen, "no template");
		return -1;
	}
	return txt_walk(tmpl, NULL, &o, err, errlen);
}
