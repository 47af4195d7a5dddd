/* export.c -- write the active list for rbldnsd, BIND, Postfix, CSV, JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "core/txt.h"
#include "listio/export.h"
#include "store/store.h"

#ifndef BACKSCATTER_VERSION
#define BACKSCATTER_VERSION	"unknown"
#endif

/*
 * BIND has no "!" lines and no prefixes: one listing becomes as many
 * records as it takes to cover it with whole labels (a /26 is 64 host
 * names). Past this many a zone file is the wrong tool, so we refuse
 * rather than write a file that no server loads in reasonable time.
 */
#define EXPORT_SPLIT_MAX	65536
/*
 * rbldnsd cuts A+TXT values at 255 bytes before it expands "$"
 * (rbldnsd_util.c, parse_a_txt), so the escaped template must fit.
 */
#define EXPORT_RBL_TXT_MAX	255
/* RFC 1035 2.3.4: a name is at most 255 octets, 253 in text. */
#define EXPORT_ZONE_MAX		253
/* RFC 2181 8: a TTL is an unsigned 31-bit number. */
#define EXPORT_TTL_MAX		2147483647LL
/*
 * SOA timers (RFC 1912 2.2 ranges): secondaries refresh hourly, retry
 * every 10 minutes and keep serving for a week without the primary.
 */
#define EXPORT_SOA_REFRESH	3600
#define EXPORT_SOA_RETRY	600
#define EXPORT_SOA_EXPIRE	604800
/*
 * The placeholder name server sits inside the zone, so it needs glue
 * or the zone does not load; an RFC 5737 documentation address shows
 * at a glance that it is a placeholder.
 */
#define EXPORT_NS_GLUE		"192.0.2.53"
/* One name of 32 nibbles ("*." and 32 "x." labels) plus NUL. */
#define EXPORT_NAME_MAX		(2 + 2 * 32 + 1)
/* RFC 1035 5.1 escaping at worst quadruples a byte ("\DDD"). */
#define EXPORT_QUOTED_MAX	(4 * TXT_MAX + 3)

/* What the zone formats need of a listing, kept for the BIND pass. */
struct export_item {
	struct prefix	prefix;
	int64_t		listed_since;
	int64_t		last_seen;
	int64_t		expires;
	unsigned int	classes;
};

struct export_ctx {
	struct store			*store;
	const struct export_opts	*o;
	enum export_format		 fmt;
	FILE				*out;
	char				*err;
	size_t				 errlen;
	struct prefix			*excl;		/* sorted */
	size_t				 nexcl;
	size_t				 aexcl;
	unsigned char			 excl_len[129];	/* lengths in use */
	int				 v4;		/* this pass: IPv4 */
	int				 failed;	/* err is set */
	struct export_item		*items;		/* BIND */
	size_t				 nitems;
	size_t				 aitems;
	const char			*txt;		/* quoted, BIND */
	size_t				 written;	/* JSON objects */
};

int
export_format_parse(const char *name, enum export_format *out)
{
	static const struct {
		const char		*name;
		enum export_format	 fmt;
	} names[] = {
		{ "rbldnsd",	EXPORT_RBLDNSD },
		{ "bind",	EXPORT_BIND },
		{ "postfix",	EXPORT_POSTFIX },
		{ "csv",	EXPORT_CSV },
		{ "json",	EXPORT_JSON },
	};

	if (name == NULL || out == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].fmt;
			return 0;
		}
	}
	return -1;
}

static int	export_fail(struct export_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
export_fail(struct export_ctx *c, const char *fmt, ...)
{
	va_list ap;

	/* The first reason wins: later ones are consequences. */
	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The text form of p for a message; "?" if it does not format. */
static const char *
export_pfx(const struct prefix *p, char *buf, size_t size)
{
	if (prefix_format(p, buf, size) == -1)
		snprintf(buf, size, "?");
	return buf;
}

static int
export_store_fail(struct export_ctx *c)
{
	if (!c->failed) {
		c->failed = 1;
		snprintf(c->err, c->errlen, "%s", store_errmsg(c->store));
	}
	return -1;
}

static int
export_prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;
	int r = addr_cmp(&x->addr, &y->addr);

	if (r != 0)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int
export_excl_cb(void *arg, const struct store_exclusion *e)
{
	struct export_ctx *c = arg;
	struct prefix *n;
	size_t na;

	if (c->nexcl == c->aexcl) {
		na = c->aexcl == 0 ? 16 : c->aexcl * 2;
		if ((n = realloc(c->excl, na * sizeof(*n))) == NULL)
			return export_fail(c, "export: %s", strerror(errno));
		c->excl = n;
		c->aexcl = na;
	}
	c->excl[c->nexcl++] = e->prefix;
	c->excl_len[e->prefix.len] = 1;
	return 0;
}

/*
 * Reads all operator exclusions, sorted by address then length. They
 * are few (operator ranges), but lookups against them run once per
 * listing, so they are kept sorted for bsearch.
 */
static int
export_load_exclusions(struct export_ctx *c)
{
	if (store_exclude_foreach(c->store, export_excl_cb, c) == -1)
		return export_store_fail(c);
	if (c->failed)
		return -1;
	if (c->nexcl > 1)
		qsort(c->excl, c->nexcl, sizeof(*c->excl), export_prefix_cmp);
	return 0;
}

/*
 * 1 if an exclusion covers all of p. One bsearch per prefix length in
 * use: the covering exclusion of length n can only be p masked to n.
 */
static int
export_excluded(const struct export_ctx *c, const struct prefix *p)
{
	struct prefix key;

	for (unsigned int len = 0; len <= p->len; len++) {
		if (!c->excl_len[len])
			continue;
		key.addr = p->addr;
		addr_mask(&key.addr, len);
		key.len = len;
		if (bsearch(&key, c->excl, c->nexcl, sizeof(*c->excl),
		    export_prefix_cmp) != NULL)
			return 1;
	}
	return 0;
}

/*
 * IPv6 text for rbldnsd's ip6trie: RFC 5952 compression but never the
 * dotted tail that addr_format may choose for some addresses, since
 * rbldnsd's ip6 parser reads hex groups only.
 */
static void
export_v6_format(const struct prefix *p, char *buf, size_t size)
{
	unsigned int w[8];
	int best = -1, bestlen = 1, run, i, off = 0;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned int)p->addr.b[2 * i] << 8 |
		    p->addr.b[2 * i + 1];
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			off += snprintf(buf + off, size - (size_t)off, "::");
			i += bestlen - 1;
			continue;
		}
		off += snprintf(buf + off, size - (size_t)off, "%s%x",
		    off > 0 && buf[off - 1] != ':' ? ":" : "", w[i]);
	}
	if (p->len != 128)
		snprintf(buf + off, size - (size_t)off, "/%u", p->len);
}

/*
 * Renders dns.txt for one listing, with {url} from web.lookup_url
 * rendered for the same listing. An empty template means no TXT.
 * 0 ok, -1 (err set) if a template fails or its result does not fit a
 * single TXT string (RFC 1035 3.3.14, 255 bytes): a cut TXT misleads.
 */
static int
export_txt(struct export_ctx *c, const struct prefix *p, int64_t since,
    int64_t last, int64_t expires, unsigned int classes, char *buf,
    size_t size)
{
	char url[TXT_URL_MAX + 1], pb[PREFIX_STRLEN];
	struct txt_vars v;
	const unsigned char *s;

	buf[0] = '\0';
	if (c->o->txt == NULL || c->o->txt[0] == '\0')
		return 0;
	memset(&v, 0, sizeof(v));
	v.prefix = p;
	v.listed_since = since;
	v.last_seen = last;
	v.expires = expires;
	v.classes = classes;
	url[0] = '\0';
	if (c->o->lookup_url != NULL && c->o->lookup_url[0] != '\0' &&
	    txt_render(c->o->lookup_url, &v, url, sizeof(url)) == -1)
		return export_fail(c, "export: lookup URL for %s does not "
		    "render or fit", export_pfx(p, pb, sizeof(pb)));
	v.url = url;
	if (txt_render(c->o->txt, &v, buf, size) == -1)
		return export_fail(c, "export: TXT for %s does not render or "
		    "fit 255 bytes", export_pfx(p, pb, sizeof(pb)));
	/* Every format here is line-based: a control byte would break it. */
	for (s = (const unsigned char *)buf; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f)
			return export_fail(c, "export: TXT for %s has a "
			    "control character", export_pfx(p, pb, sizeof(pb)));
	return 0;
}

static int
export_item_txt(struct export_ctx *c, const struct export_item *it,
    char *buf, size_t size)
{
	return export_txt(c, &it->prefix, it->listed_since, it->last_seen,
	    it->expires, it->classes, buf, size);
}

/* ---- rbldnsd ----------------------------------------------------- */

/*
 * rbldnsd replaces "$" in a TXT template by the queried address and
 * "$N" by a substitution variable (rbldnsd(8), "Resulting A values and
 * TXT templates"); "$$" is a literal dollar.
 */
static int
export_rbl_escape(struct export_ctx *c, const struct prefix *p,
    const char *in, char *out, size_t size)
{
	char pb[PREFIX_STRLEN];
	size_t o = 0;

	for (; *in != '\0'; in++) {
		if (o + (*in == '$' ? 2 : 1) > EXPORT_RBL_TXT_MAX ||
		    o + 2 >= size)
			return export_fail(c, "export: TXT for %s exceeds "
			    "rbldnsd's 255 bytes once '$' is escaped",
			    export_pfx(p, pb, sizeof(pb)));
		if (*in == '$')
			out[o++] = '$';
		out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

static void
export_rbl_prefix(const struct prefix *p, char *buf, size_t size)
{
	if (prefix_is_v4(p))
		prefix_format(p, buf, size);
	else
		export_v6_format(p, buf, size);
}

static int
export_rbl_cb(void *arg, const struct listing *l)
{
	struct export_ctx *c = arg;
	char txt[TXT_MAX + 1], esc[2 * TXT_MAX + 2], pfx[PREFIX_STRLEN];

	if (prefix_is_v4(&l->prefix) != c->v4 ||
	    export_excluded(c, &l->prefix))
		return 0;
	if (export_txt(c, &l->prefix, l->listed_since, l->last_seen,
	    l->expires, l->classes, txt, sizeof(txt)) == -1 ||
	    export_rbl_escape(c, &l->prefix, txt, esc, sizeof(esc)) == -1)
		return 1;
	export_rbl_prefix(&l->prefix, pfx, sizeof(pfx));
	/*
	 * ":A:TXT" with both colons: with the second colon and nothing
	 * after it rbldnsd answers no TXT at all, which is what an empty
	 * template asks for.
	 */
	fprintf(c->out, "%s :%s:%s\n", pfx, c->o->answer, esc);
	return 0;
}

static int
export_rbl_section(struct export_ctx *c, int v4)
{
	static const struct prefix mapped = {
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } },
		96
	};
	struct store_filter f;
	char pfx[PREFIX_STRLEN];
	size_t i;

	fprintf(c->out, "\n$DATASET %s @\n", v4 ? "ip4set:backscatter4" :
	    "ip6trie:backscatter6");
	for (i = 0; i < c->nexcl; i++) {
		if (prefix_is_v4(&c->excl[i]) != v4)
			continue;
		export_rbl_prefix(&c->excl[i], pfx, sizeof(pfx));
		fprintf(c->out, "!%s\n", pfx);
	}
	memset(&f, 0, sizeof(f));
	f.now = c->o->now;
	f.within = v4 ? &mapped : NULL;
	c->v4 = v4;
	if (store_listing_foreach(c->store, &f, export_rbl_cb, c) == -1)
		return export_store_fail(c);
	return c->failed ? -1 : 0;
}

/*
 * One file in rbldnsd's "combined" format (rbldnsd(8), "combined
 * Dataset"): a common part with $TTL, which rbldnsd copies into each
 * section, then an ip4set and an ip6trie section, both for the base
 * zone ("@"). Each entry carries its own A and TXT; operator
 * exclusions are "!" entries, which win over any covering entry in
 * both dataset types. No $SOA or $NS: they name the operator's own
 * servers, and rbldnsd takes them from the first file that has them.
 */
static int
export_rbldnsd(struct export_ctx *c)
{
	char when[TIMESTAMP_STRLEN];

	if (timestamp_format(c->o->now, when, sizeof(when)) == -1)
		snprintf(when, sizeof(when), "?");
	fprintf(c->out,
	    "# backscatter %s: rbldnsd export of %s, serial %" PRIu64
	    ", made %s\n"
	    "# Serve with: rbldnsd -b ADDR/PORT ... %s:combined:FILE\n"
	    "# ($SOA/$NS: list a small file of your own first:\n"
	    "# %s:combined:soa-ns,FILE.) Each entry has its own A and TXT;\n"
	    "# \"!\" lines are operator exclusions. Regenerated, not edited.\n"
	    "$TTL %" PRId64 "\n",
	    BACKSCATTER_VERSION, c->o->zone, c->o->serial, when, c->o->zone,
	    c->o->zone, c->o->ttl);
	if (export_rbl_section(c, 1) == -1 || export_rbl_section(c, 0) == -1)
		return -1;
	return 0;
}

/* ---- BIND -------------------------------------------------------- */

static int
export_item_cb(void *arg, const struct listing *l)
{
	struct export_ctx *c = arg;
	struct export_item *n;

	if (export_excluded(c, &l->prefix))
		return 0;
	if (c->nitems == c->aitems) {
		size_t na = c->aitems == 0 ? 1024 : c->aitems * 2;

		if ((n = realloc(c->items, na * sizeof(*n))) == NULL) {
			export_fail(c, "export: %s", strerror(errno));
			return 1;
		}
		c->items = n;
		c->aitems = na;
	}
	n = &c->items[c->nitems++];
	n->prefix = l->prefix;
	n->listed_since = l->listed_since;
	n->last_seen = l->last_seen;
	n->expires = l->expires;
	n->classes = l->classes;
	return 0;
}

/* The label granularity: 8 bits for IPv4 (in the 128-bit form), 4 for IPv6. */
static unsigned int
export_step(const struct prefix *p)
{
	return prefix_is_v4(p) ? 8 : 4;
}

/* The aligned length at or below which p's records are whole labels. */
static unsigned int
export_aligned(const struct prefix *p)
{
	unsigned int step = export_step(p), base = prefix_is_v4(p) ? 96 : 0;

	return base + (p->len - base + step - 1) / step * step;
}

/*
 * The owner name of an aligned prefix relative to the zone: "d.c.b.a"
 * for an IPv4 host, "*.c.b.a" for a /24 (RFC 5782 2.1), nibbles for
 * IPv6 (2.4), "*" alone for a /0.
 */
static void
export_bind_name(const struct prefix *p, int nibbles, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;
	unsigned int n, i;

	buf[0] = '\0';
	if (!prefix_is_host(p))
		off += (size_t)snprintf(buf, size, "*");
	if (!nibbles) {
		n = (p->len - 96) / 8;
		for (i = n; i > 0; i--)
			off += (size_t)snprintf(buf + off, size - off, "%s%u",
			    off > 0 ? "." : "", p->addr.b[12 + i - 1]);
	} else {
		n = p->len / 4;
		for (i = n; i > 0; i--) {
			uint8_t byte = p->addr.b[(i - 1) / 2];
			unsigned int nib = (i - 1) % 2 == 0 ? byte >> 4 :
			    byte & 0xf;

			off += (size_t)snprintf(buf + off, size - off, "%s%c",
			    off > 0 ? "." : "", hex[nib]);
		}
	}
}

/* Sets bit (0 = most significant) of a 128-bit address. */
static void
export_set_bit(struct addr *a, unsigned int bit)
{
	a->b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

static void
export_bind_emit(struct export_ctx *c, const struct prefix *p, int nibbles)
{
	char name[EXPORT_NAME_MAX];

	export_bind_name(p, nibbles, name, sizeof(name));
	fprintf(c->out, "%s\tIN\tA\t%s\n", name, c->o->answer);
	if (c->txt[0] != '\0')
		fprintf(c->out, "%s\tIN\tTXT\t%s\n", name, c->txt);
}

/*
 * Covers piece, minus the holes, with whole-label records. holes[] is
 * sorted by address and every hole overlaps piece: one that is as long
 * as piece or shorter covers it, so piece is left out; with no holes,
 * piece is written as 2^(aligned - len) records (only counted when
 * emit is 0); otherwise piece is halved and the holes are split
 * between the halves, each hole falling wholly in one of them. Each
 * hole is looked at once per level, so the cost is holes * 128 at
 * worst. Returns the records written (or that would be), stopping
 * early past EXPORT_SPLIT_MAX.
 */
static size_t
// NOLINTNEXTLINE(misc-no-recursion): halves the prefix, depth <= 128
export_split(struct export_ctx *c, const struct prefix *piece,
    const struct prefix *holes, size_t nholes, int emit)
{
	struct prefix half[2];
	unsigned int aligned;
	size_t i, mid, n;

	for (i = 0; i < nholes; i++)
		if (holes[i].len <= piece->len)
			return 0;
	aligned = export_aligned(piece);
	if (nholes == 0 && (!emit || aligned == piece->len)) {
		if (!emit)
			return aligned - piece->len >= 17 ?
			    EXPORT_SPLIT_MAX + 1 :
			    (size_t)1 << (aligned - piece->len);
		export_bind_emit(c, piece, !prefix_is_v4(piece));
		return 1;
	}
	half[0] = *piece;
	half[0].len++;
	half[1] = half[0];
	export_set_bit(&half[1].addr, piece->len);
	for (mid = 0; mid < nholes &&
	    addr_cmp(&holes[mid].addr, &half[1].addr) < 0; mid++)
		;
	n = export_split(c, &half[0], holes, mid, emit);
	if (n > EXPORT_SPLIT_MAX)
		return n;
	return n + export_split(c, &half[1], holes + mid, nholes - mid, emit);
}

/* The index of the first exclusion whose address is not below a. */
static size_t
export_excl_lower(const struct export_ctx *c, const struct addr *a)
{
	size_t lo = 0, hi = c->nexcl, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr_cmp(&c->excl[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The holes to carve out of item i: exclusions inside it and, since a
 * DNS wildcard does not reach below a name that exists (RFC 4592 2.2.2),
 * every more specific listing inside it, which answers for itself.
 * Both come sorted, so a merge keeps holes sorted.
 */
static int
export_holes(struct export_ctx *c, size_t i, struct prefix **holes,
    size_t *nholes, size_t *aholes)
{
	const struct prefix *p = &c->items[i].prefix;
	struct prefix *e, *n;
	struct addr last;
	size_t k, j, need;

	prefix_last(p, &last);
	k = export_excl_lower(c, &p->addr);
	for (j = i + 1; j < c->nitems &&
	    addr_cmp(&c->items[j].prefix.addr, &last) <= 0; j++)
		;
	need = (j - i - 1) + c->nexcl - k;
	if (need > *aholes) {
		if ((n = realloc(*holes, need * sizeof(*n))) == NULL)
			return export_fail(c, "export: %s", strerror(errno));
		*holes = n;
		*aholes = need;
	}
	*nholes = 0;
	if (need == 0)
		return 0;
	for (j = i + 1; j < c->nitems &&
	    addr_cmp(&c->items[j].prefix.addr, &last) <= 0; j++) {
		/* Inner exclusions that sort before this listing. */
		for (; k < c->nexcl && export_prefix_cmp(&c->excl[k],
		    &c->items[j].prefix) < 0; k++)
			if (prefix_covers(p, &c->excl[k]))
				(*holes)[(*nholes)++] = c->excl[k];
		if (c->items[j].prefix.len > p->len)
			(*holes)[(*nholes)++] = c->items[j].prefix;
	}
	for (; k < c->nexcl && addr_cmp(&c->excl[k].addr, &last) <= 0; k++) {
		e = &c->excl[k];
		if (prefix_covers(p, e))
			(*holes)[(*nholes)++] = *e;
	}
	return 0;
}

/* RFC 1035 5.1: a quoted character-string; \" \\ and \DDD escapes. */
static void
export_bind_quote(const char *in, char *out)
{
	const unsigned char *s;
	size_t o = 0;

	out[o++] = '"';
	for (s = (const unsigned char *)in; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*s;
		} else if (*s < 0x20 || *s >= 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\%03u", *s);
		} else
			out[o++] = (char)*s;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* A zone name we can write into a master file as-is. 0 ok, -1 not. */
static int
export_zone_check(const char *zone)
{
	size_t len, i, label = 0;

	if (zone == NULL || (len = strlen(zone)) == 0 ||
	    len > EXPORT_ZONE_MAX || zone[0] == '.' || zone[len - 1] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		char ch = zone[i];

		if (ch == '.') {
			if (label == 0)
				return -1;
			label = 0;
			continue;
		}
		/* RFC 1035 2.3.1 letters, digits, hyphen; RFC 2181 11. */
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return -1;
		if (++label > 63)
			return -1;
	}
	return 0;
}

/*
 * An RFC 1035 master file for the zone. The records of a listing are
 * whole-label names, so a prefix of another length is split (a /22
 * into four /24 wildcards, a /26 into 64 hosts), minus its holes (see
 * export_holes). The RFC 5782 5 test points are included: 127.0.0.2
 * (and ::ffff:127.0.0.2) listed, 127.0.0.1 absent.
 */
static int
export_bind(struct export_ctx *c)
{
	char when[TIMESTAMP_STRLEN], txt[TXT_MAX + 1];
	char quoted[EXPORT_QUOTED_MAX], pb[PREFIX_STRLEN];
	struct store_filter f;
	struct prefix *holes = NULL, tp;
	size_t nholes = 0, aholes = 0, i, n;
	static const uint8_t tp4[4] = { 127, 0, 0, 2 };
	int r = -1;

	if (c->o->serial > UINT32_MAX)
		return export_fail(c, "export: serial %" PRIu64 " does not fit "
		    "the 32-bit SOA serial (RFC 1035 3.3.13)", c->o->serial);
	memset(&f, 0, sizeof(f));
	f.now = c->o->now;
	if (store_listing_foreach(c->store, &f, export_item_cb, c) == -1)
		return export_store_fail(c);
	if (c->failed)
		return -1;
	if (timestamp_format(c->o->now, when, sizeof(when)) == -1)
		snprintf(when, sizeof(when), "?");
	fprintf(c->out,
	    "; backscatter %s: zone %s, serial %" PRIu64 ", made %s\n"
	    "; ns.%s., its address and hostmaster.%s. are placeholders:\n"
	    "; put your own name servers (and their glue) in their place.\n"
	    "$ORIGIN %s.\n"
	    "$TTL %" PRId64 "\n"
	    "@\tIN\tSOA\tns.%s. hostmaster.%s. ( %" PRIu64 " %d %d %d %"
	    PRId64 " )\n"
	    "@\tIN\tNS\tns.%s.\n"
	    "ns\tIN\tA\t%s\n",
	    BACKSCATTER_VERSION, c->o->zone, c->o->serial, when, c->o->zone,
	    c->o->zone, c->o->zone, c->o->ttl, c->o->zone, c->o->zone,
	    c->o->serial, EXPORT_SOA_REFRESH, EXPORT_SOA_RETRY,
	    EXPORT_SOA_EXPIRE, c->o->ttl, c->o->zone, EXPORT_NS_GLUE);

	/* RFC 5782 5: the test points, IPv4 and IPv6. */
	addr_from_v4(&tp.addr, tp4);
	tp.len = 128;
	export_bind_quote("Test point (RFC 5782)", quoted);
	c->txt = quoted;
	export_bind_emit(c, &tp, 0);
	/* IPv6 clients ask for ::ffff:7f00:2 by its 32 nibbles. */
	export_bind_emit(c, &tp, 1);

	for (i = 0; i < c->nitems; i++) {
		const struct export_item *it = &c->items[i];

		if (export_holes(c, i, &holes, &nholes, &aholes) == -1)
			goto out;
		n = export_split(c, &it->prefix, holes, nholes, 0);
		if (n > EXPORT_SPLIT_MAX) {
			export_fail(c, "export: %s needs more than %d records "
			    "in a zone file", export_pfx(&it->prefix, pb,
			    sizeof(pb)), EXPORT_SPLIT_MAX);
			goto out;
		}
		if (export_item_txt(c, it, txt, sizeof(txt)) == -1)
			goto out;
		export_bind_quote(txt, quoted);
		c->txt = txt[0] != '\0' ? quoted : "";
		export_split(c, &it->prefix, holes, nholes, 1);
	}
	r = 0;
out:
	c->txt = NULL;		/* it pointed into this frame */
	free(holes);
	return r;
}

/* ---- Postfix ----------------------------------------------------- */

static int
export_postfix_cb(void *arg, const struct listing *l)
{
	struct export_ctx *c = arg;
	char txt[TXT_MAX + 1], pfx[PREFIX_STRLEN];

	if (export_excluded(c, &l->prefix))
		return 0;
	if (export_txt(c, &l->prefix, l->listed_since, l->last_seen,
	    l->expires, l->classes, txt, sizeof(txt)) == -1)
		return 1;
	prefix_format(&l->prefix, pfx, sizeof(pfx));
	if (txt[0] != '\0')
		fprintf(c->out, "%s\t550 5.7.1 %s\n", pfx, txt);
	else
		fprintf(c->out, "%s\t550 5.7.1 Listed in %s\n", pfx,
		    c->o->zone);
	return 0;
}

/*
 * A cidr: table (cidr_table(5)). Tables are searched in order and the
 * first match wins, so the exclusions come first as DUNNO.
 */
static int
export_postfix(struct export_ctx *c)
{
	char when[TIMESTAMP_STRLEN], pfx[PREFIX_STRLEN];
	struct store_filter f;
	size_t i;

	if (timestamp_format(c->o->now, when, sizeof(when)) == -1)
		snprintf(when, sizeof(when), "?");
	fprintf(c->out,
	    "# backscatter %s: Postfix cidr table of %s, serial %" PRIu64
	    ", made %s\n"
	    "#\n"
	    "# Use it ONLY for mail from the null sender or postmaster@: a\n"
	    "# backscatterer is a misconfigured server, not a spammer, and\n"
	    "# its other mail is legitimate. In main.cf:\n"
	    "#   smtpd_restriction_classes = backscatter\n"
	    "#   backscatter = check_client_access cidr:/etc/postfix/"
	    "backscatter.cidr\n"
	    "#   smtpd_recipient_restrictions = ...,\n"
	    "#     check_sender_access inline:{<>=backscatter, "
	    "postmaster@=backscatter}\n"
	    "# Never put it straight into smtpd_client_restrictions.\n"
	    "# First match wins: exclusions come first.\n",
	    BACKSCATTER_VERSION, c->o->zone, c->o->serial, when);
	for (i = 0; i < c->nexcl; i++) {
		prefix_format(&c->excl[i], pfx, sizeof(pfx));
		fprintf(c->out, "%s\tDUNNO\n", pfx);
	}
	memset(&f, 0, sizeof(f));
	f.now = c->o->now;
	if (store_listing_foreach(c->store, &f, export_postfix_cb, c) == -1)
		return export_store_fail(c);
	return c->failed ? -1 : 0;
}

/* ---- CSV and JSON ------------------------------------------------ */

/* RFC 4180 2.6, 2.7: quote a field with , " CR or LF; double the ". */
static void
export_csv_field(FILE *out, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, out);
	else {
		fputc('"', out);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	}
	/* RFC 4180 2.1: records end with CRLF. */
	fputs(last ? "\r\n" : ",", out);
}

/* ISO 8601 UTC, or "" for 0 (never happened) and STORE_NEVER. */
static void
export_csv_time(FILE *out, int64_t t)
{
	char buf[TIMESTAMP_STRLEN];

	if (t <= 0 || t == STORE_NEVER ||
	    timestamp_format(t, buf, sizeof(buf)) == -1)
		buf[0] = '\0';
	export_csv_field(out, buf, 0);
}

static int
export_csv_cb(void *arg, const struct listing *l)
{
	struct export_ctx *c = arg;
	char buf[PREFIX_STRLEN], classes[128];
	const char *name;
	size_t off = 0;

	if (export_excluded(c, &l->prefix))
		return 0;
	prefix_format(&l->prefix, buf, sizeof(buf));
	export_csv_field(c->out, buf, 0);
	name = store_state_name(l->state);
	export_csv_field(c->out, name != NULL ? name : "", 0);
	export_csv_time(c->out, l->listed_since);
	export_csv_time(c->out, l->first_seen);
	export_csv_time(c->out, l->last_seen);
	export_csv_time(c->out, l->expires);
	fprintf(c->out, "%" PRId64 ",", l->hits);
	classes[0] = '\0';
	for (unsigned int i = 0; i < HIT_NCLASSES; i++) {
		if ((l->classes & HIT_CLASS_BIT(i)) == 0)
			continue;
		off += (size_t)snprintf(classes + off, sizeof(classes) - off,
		    "%s%s", off > 0 ? " " : "", hitclass_name(i));
	}
	export_csv_field(c->out, classes, 0);
	fprintf(c->out, "%d,", l->times_listed);
	export_csv_field(c->out, l->reason, 1);
	return 0;
}

static int
export_csv(struct export_ctx *c)
{
	struct store_filter f;

	fputs("address,state,listed_since,first_seen,last_seen,expires,hits,"
	    "classes,times_listed,reason\r\n", c->out);
	memset(&f, 0, sizeof(f));
	f.now = c->o->now;
	if (store_listing_foreach(c->store, &f, export_csv_cb, c) == -1)
		return export_store_fail(c);
	return c->failed ? -1 : 0;
}

/*
 * One object per line keeps big exports diffable and greppable, so
 * the array brackets and commas are ours and each object gets a fresh
 * writer.
 */
static int
export_json_cb(void *arg, const struct listing *l)
{
	struct export_ctx *c = arg;
	struct json w;
	char buf[PREFIX_STRLEN];

	if (export_excluded(c, &l->prefix))
		return 0;
	fputs(c->written++ > 0 ? ",\n" : "\n", c->out);
	prefix_format(&l->prefix, buf, sizeof(buf));
	json_init(&w, c->out);
	json_obj_begin(&w);
	json_key_str(&w, "address", buf);
	json_key_str(&w, "state", store_state_name(l->state));
	json_key_time(&w, "listed_since", l->listed_since);
	json_key_time(&w, "first_seen", l->first_seen);
	json_key_time(&w, "last_seen", l->last_seen);
	json_key_time(&w, "expires", l->expires);	/* null: never */
	json_key_int(&w, "hits", l->hits);
	json_key(&w, "classes");
	json_arr_begin(&w);
	for (unsigned int i = 0; i < HIT_NCLASSES; i++)
		if (l->classes & HIT_CLASS_BIT(i))
			json_str(&w, hitclass_name(i));
	json_arr_end(&w);
	json_key_int(&w, "times_listed", l->times_listed);
	json_key_str(&w, "reason", l->reason[0] != '\0' ? l->reason : NULL);
	json_obj_end(&w);
	if (w.err || w.depth != 0) {
		export_fail(c, "export: JSON writer error");
		return 1;
	}
	return 0;
}

static int
export_json(struct export_ctx *c)
{
	struct store_filter f;

	fputc('[', c->out);
	memset(&f, 0, sizeof(f));
	f.now = c->o->now;
	if (store_listing_foreach(c->store, &f, export_json_cb, c) == -1)
		return export_store_fail(c);
	if (c->failed)
		return -1;
	fputs("\n]\n", c->out);
	return 0;
}

/* ---- entry ------------------------------------------------------- */

static int
export_check_opts(struct export_ctx *c)
{
	const struct export_opts *o = c->o;
	struct addr a;

	if (c->fmt == EXPORT_CSV || c->fmt == EXPORT_JSON)
		return 0;
	if (export_zone_check(o->zone) == -1)
		return export_fail(c, "export: dns.zone '%.*s' is not a zone "
		    "name (letters, digits, '-', no final dot)",
		    EXPORT_ZONE_MAX, o->zone != NULL ? o->zone : "");
	if (c->fmt == EXPORT_POSTFIX)
		return 0;
	if (o->answer == NULL || addr_parse(o->answer, strlen(o->answer),
	    &a) == -1 || !addr_is_v4(&a))
		return export_fail(c, "export: dns.answer '%.*s' is not an "
		    "IPv4 address", ADDR_STRLEN, o->answer != NULL ? o->answer :
		    "");
	if (o->ttl < 0 || o->ttl > EXPORT_TTL_MAX)
		return export_fail(c, "export: dns.ttl %" PRId64 " out of "
		    "range (0..2^31-1, RFC 2181 8)", o->ttl);
	return 0;
}

int
export_write(struct store *s, enum export_format fmt,
    const struct export_opts *opts, FILE *out, char *err, size_t errlen)
{
	struct export_ctx c;
	char dummy[1];
	int r;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (s == NULL || opts == NULL || out == NULL) {
		snprintf(err, errlen, "export: no store, options or output");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.store = s;
	c.o = opts;
	c.fmt = fmt;
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	if (export_check_opts(&c) == -1)
		return -1;
	if (export_load_exclusions(&c) == -1) {
		free(c.excl);
		return -1;
	}
	switch (fmt) {
	case EXPORT_RBLDNSD:
		r = export_rbldnsd(&c);
		break;
	case EXPORT_BIND:
		r = export_bind(&c);
		break;
	case EXPORT_POSTFIX:
		r = export_postfix(&c);
		break;
	case EXPORT_CSV:
		r = export_csv(&c);
		break;
	case EXPORT_JSON:
		r = export_json(&c);
		break;
	default:
		r = export_fail(&c, "export: unknown format");
		break;
	}
	free(c.excl);
	free(c.items);
	if (r == 0 && (fflush(out) == EOF || ferror(out)))
		r = export_fail(&c, "export: write error: %s", strerror(errno));
	return r;
}
