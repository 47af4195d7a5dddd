/* import.c -- read rbldnsd ip4set/ip6trie and plain lists to migrate them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"
#include "listio/import.h"

/*
 * Longest line we accept, without its newline. rbldnsd itself reads
 * lines of any length but cuts values at 255 bytes; no sane entry comes
 * near this, so a longer line is a wrong file (or a binary one).
 */
#define IMPORT_LINE_MAX		4096
/*
 * "auto" must see the whole input before it can decide, and stdin
 * cannot be read twice, so it is kept in memory. Real lists are tens
 * of megabytes; this cap only stops a runaway input.
 */
#define IMPORT_SIZE_MAX		((size_t)256 * 1024 * 1024)
/* How much of an offending token an error message quotes. */
#define IMPORT_SHOW_MAX		64
/* "$DATASET TYPE": the longest dataset type name we quote. */
#define IMPORT_TYPE_MAX		32

/* Which syntax entries follow: rbldnsd files switch it with $DATASET. */
enum import_section {
	IMPORT_SEC_ANY,		/* no $DATASET yet: family from the text */
	IMPORT_SEC_IP4SET,
	IMPORT_SEC_IP6TRIE,
};

struct import_ctx {
	const char		*name;
	size_t			 lineno;
	import_cb		 cb;
	void			*arg;
	char			*err;
	size_t			 errlen;
	enum import_section	 section;
	int			 seen_dataset;	/* a $DATASET line was read */
	size_t			 entries;	/* entries passed to cb */
};

/* One line as read: not NUL-terminated, newline removed. */
struct import_line {
	const char	*s;
	size_t		 len;
};

int
import_format_parse(const char *name, enum import_format *out)
{
	if (name == NULL || out == NULL)
		return -1;
	if (strcmp(name, "auto") == 0)
		*out = IMPORT_AUTO;
	else if (strcmp(name, "rbldnsd") == 0)
		*out = IMPORT_RBLDNSD;
	else if (strcmp(name, "plain") == 0)
		*out = IMPORT_PLAIN;
	else
		return -1;
	return 0;
}

/*
 * Writes "NAME:LINE: what ('token')" into err. The token comes from the
 * file, so it is cut and its unprintable bytes are shown as '?' before
 * it can reach a terminal or a log. Always returns -1.
 */
static int
import_error(struct import_ctx *c, const char *what, const char *tok,
    size_t toklen)
{
	char show[IMPORT_SHOW_MAX + 4];
	size_t i, n;

	if (c->err == NULL || c->errlen == 0)
		return -1;
	if (tok == NULL) {
		snprintf(c->err, c->errlen, "%s:%zu: %s", c->name, c->lineno,
		    what);
		return -1;
	}
	n = toklen;
	if (n > IMPORT_SHOW_MAX)
		n = IMPORT_SHOW_MAX;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)tok[i];

		show[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	if (n < toklen) {
		memcpy(show + n, "...", 3);
		n += 3;
	}
	show[n] = '\0';
	snprintf(c->err, c->errlen, "%s:%zu: %s ('%s')", c->name, c->lineno,
	    what, show);
	return -1;
}

static int
import_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Strips blanks on both ends, and the CR of a CRLF line ending. */
static void
import_trim(struct import_line *l)
{
	while (l->len > 0 && import_is_blank(l->s[0])) {
		l->s++;
		l->len--;
	}
	while (l->len > 0 && (import_is_blank(l->s[l->len - 1]) ||
	    l->s[l->len - 1] == '\r'))
		l->len--;
}

/*
 * Reads one line into buf (IMPORT_LINE_MAX + 1 bytes). A line longer
 * than the cap or with a NUL byte is an error, not something to cut:
 * either one means this is not the text file the operator thinks it is.
 * 1 a line, 0 end of input, -1 error (in err).
 */
static int
import_getline(FILE *in, struct import_ctx *c, char *buf, size_t *len)
{
	size_t n = 0;
	int ch;

	for (;;) {
		ch = getc(in);
		if (ch == EOF) {
			if (ferror(in)) {
				snprintf(c->err, c->errlen, "%s:%zu: %s",
				    c->name, c->lineno + 1, strerror(errno));
				return -1;
			}
			if (n == 0)
				return 0;
			break;
		}
		if (ch == '\n')
			break;
		if (ch == '\0') {
			c->lineno++;
			return import_error(c, "NUL byte in line", NULL, 0);
		}
		if (n == IMPORT_LINE_MAX) {
			c->lineno++;
			snprintf(c->err, c->errlen,
			    "%s:%zu: line longer than %d bytes", c->name,
			    c->lineno, IMPORT_LINE_MAX);
			return -1;
		}
		buf[n++] = (char)ch;
	}
	c->lineno++;
	buf[n] = '\0';
	*len = n;
	return 1;
}

/* Length of the leading run of s that holds only bytes from set. */
static size_t
import_span(const char *s, size_t len, const char *set)
{
	size_t i;

	for (i = 0; i < len && strchr(set, s[i]) != NULL && s[i] != '\0'; i++)
		;
	return i;
}

static void
import_v4_prefix(uint32_t a, unsigned int bits, struct prefix *out)
{
	uint8_t b[4];

	b[0] = (uint8_t)(a >> 24);
	b[1] = (uint8_t)(a >> 16);
	b[2] = (uint8_t)(a >> 8);
	b[3] = (uint8_t)a;
	addr_from_v4(&out->addr, b);
	out->len = 96 + bits;
}

/* 1 if s holds "::", the IPv6 zero-run shorthand. */
static int
import_has_dcolon(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == ':' && s[i + 1] == ':')
			return 1;
	return 0;
}

static uint32_t
import_v4_mask(unsigned int bits)
{
	return bits == 0 ? 0 : 0xffffffffu << (32 - bits);
}

static int
import_emit(struct import_ctx *c, const struct prefix *p, int exclude,
    const char *tok, size_t toklen)
{
	if (c->cb(c->arg, p, exclude, c->lineno) != 0) {
		if (c->err != NULL && c->errlen > 0 && c->err[0] == '\0')
			import_error(c, "entry refused", tok, toklen);
		return -1;
	}
	c->entries++;
	return 0;
}

/*
 * An rbldnsd IPv4 "prefix": one to four dotted decimal octets, the
 * missing ones zero ("127.0" is 127.0.0.0). Returns the number of
 * octets and sets *used to the bytes consumed, or -1.
 */
static int
import_v4_octets(const char *s, size_t len, uint32_t *a, size_t *used)
{
	size_t i = 0, j;
	unsigned int v;
	int n;

	*a = 0;
	for (n = 0; n < 4; n++) {
		if (n > 0) {
			if (i >= len || s[i] != '.' || i + 1 >= len ||
			    s[i + 1] < '0' || s[i + 1] > '9')
				break;
			i++;
		}
		j = i + import_span(s + i, len - i, "0123456789");
		if (addr_parse_dec(s + i, j - i, 3, 255, &v) == -1)
			return -1;
		*a |= (uint32_t)v << (24 - 8 * n);
		i = j;
	}
	*used = i;
	return n;
}

/*
 * Splits the inclusive range a..b into the fewest CIDR prefixes, lowest
 * first: at each step the largest aligned block that starts at a and
 * does not pass b. At most 62 prefixes for any IPv4 range.
 */
static int
import_v4_range(struct import_ctx *c, uint32_t a, uint32_t b, int exclude,
    const char *tok, size_t toklen)
{
	uint64_t lo = a, hi = b;
	unsigned int bits;
	struct prefix p;

	while (lo <= hi) {
		bits = 32;
		while (bits > 0) {
			uint64_t size = (uint64_t)1 << (32 - bits + 1);

			if ((lo & (size - 1)) != 0 || lo + size - 1 > hi)
				break;
			bits--;
		}
		import_v4_prefix((uint32_t)lo, bits, &p);
		if (import_emit(c, &p, exclude, tok, toklen) == -1)
			return -1;
		lo += (uint64_t)1 << (32 - bits);
	}
	return 0;
}

/*
 * One ip4set entry, as rbldnsd's ip4range() reads it (rbldnsd(8),
 * "ip4set Dataset"): "a.b.c.d", "a.b.c" (/24), "a.b" (/16), any of them
 * with "/n", and ranges "a.b.c.d-e.f.g.h", "a.b.c-e.f.g" (the end is
 * completed with 255s), "a.b.c.d-h" (the end replaces the last octet
 * written). Where rbldnsd skips an entry with a warning we stop with an
 * error, since a silently smaller list is worse than a failed import:
 * a bare number ("10", rbldnsd wants "10/8"), host bits past /n
 * ("1.2.3.4/24", rbldnsd without -e), ends of different lengths
 * ("127-127.0.0", although the manual shows it), a reversed range.
 * Octets with leading zeros, which rbldnsd reads as decimal and
 * inet_aton() as octal, are refused as ambiguous.
 */
static int
import_rbl_v4(struct import_ctx *c, const char *tok, size_t len, int exclude)
{
	uint32_t a, b, mask;
	size_t used, used2;
	unsigned int bits;
	int n, n2;
	struct prefix p;

	if ((n = import_v4_octets(tok, len, &a, &used)) == -1)
		return import_error(c, "not an IPv4 entry", tok, len);
	if (used < len && tok[used] == '-') {
		n2 = import_v4_octets(tok + used + 1, len - used - 1, &b,
		    &used2);
		if (n2 == -1 || used + 1 + used2 != len)
			return import_error(c, "not an IPv4 range", tok, len);
		if (n2 == 1 && n > 1) {
			/* "1.2.3.4-9": 9 replaces the last octet written. */
			b = (a & import_v4_mask(8 * (unsigned int)(n - 1))) |
			    (b >> (8 * (unsigned int)(n - 1)));
		} else if (n2 != n)
			return import_error(c,
			    "range ends have different lengths", tok, len);
		b |= ~import_v4_mask(8 * (unsigned int)n);
		if (a > b)
			return import_error(c, "range start is after its end",
			    tok, len);
		return import_v4_range(c, a, b, exclude, tok, len);
	}
	if (used < len && tok[used] == '/') {
		if (addr_parse_dec(tok + used + 1, len - used - 1, 3, 32, &bits) ==
		    -1)
			return import_error(c, "bad prefix length (0..32)", tok,
			    len);
	} else if (used != len)
		return import_error(c, "not an IPv4 entry", tok, len);
	else if (n == 1)
		return import_error(c,
		    "a bare number is not an entry (rbldnsd skips it; write "
		    "N/8)", tok, len);
	else
		bits = 8 * (unsigned int)n;
	mask = import_v4_mask(bits);
	if ((a & ~mask) != 0)
		return import_error(c, "host bits set past the prefix length",
		    tok, len);
	import_v4_prefix(a, bits, &p);
	return import_emit(c, &p, exclude, tok, len);
}

/* 1 if p overlaps ::ffff:0:0/96, the v4-mapped space. */
static int
import_overlaps_v4(const struct prefix *p)
{
	static const struct prefix mapped = {
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } },
		96
	};

	return prefix_covers(p, &mapped) || prefix_covers(&mapped, p);
}

/*
 * One ip6trie entry as rbldnsd reads it (rbldnsd(8), "ip6trie
 * Dataset"): a full or "::"-compressed address, or leading groups only
 * ("2001:db8:2" is 2001:db8:2::/48: the length is 16 bits per group
 * written), each optionally with "/n". A single group without a length
 * is a bare number and rbldnsd skips it, as it does host bits past /n;
 * we refuse both. rbldnsd has no dotted IPv4 tail here, and an entry in
 * the v4-mapped space would be an IPv4 listing for us but only an IPv6
 * one for rbldnsd, so both are refused rather than given a new meaning.
 */
static int
import_rbl_v6(struct import_ctx *c, const char *tok, size_t len, int exclude)
{
	const char *slash;
	size_t alen, i, start;
	unsigned int bits, groups = 0, defbits;
	struct prefix p;
	struct addr masked;

	if (memchr(tok, '.', len) != NULL)
		return import_error(c, memchr(tok, ':', len) == NULL ?
		    "IPv4 entry in an ip6trie section" :
		    "dotted IPv4 is not allowed in an ip6trie entry", tok, len);
	slash = memchr(tok, '/', len);
	alen = slash != NULL ? (size_t)(slash - tok) : len;
	if (alen == 0 || import_span(tok, alen, "0123456789abcdefABCDEF:") !=
	    alen)
		return import_error(c, "not an IPv6 entry", tok, len);
	memset(&p, 0, sizeof(p));
	if (import_has_dcolon(tok, alen)) {
		if (addr_parse(tok, alen, &p.addr) == -1)
			return import_error(c, "not an IPv6 address", tok,
			    len);
		defbits = 128;
	} else {
		/* Leading groups only: each 1..4 hex digits, at most 8. */
		start = 0;
		for (i = 0; i <= alen; i++) {
			if (i < alen && tok[i] != ':')
				continue;
			if (i == start || i - start > 4 || groups == 8)
				return import_error(c, "not an IPv6 entry", tok,
				    len);
			unsigned int v = 0;
			for (size_t k = start; k < i; k++) {
				char ch = tok[k];

				v = v << 4 | (unsigned int)(ch <= '9' ?
				    ch - '0' : (ch | 0x20) - 'a' + 10);
			}
			p.addr.b[2 * groups] = (uint8_t)(v >> 8);
			p.addr.b[2 * groups + 1] = (uint8_t)v;
			groups++;
			start = i + 1;
		}
		defbits = 16 * groups;
	}
	if (slash != NULL) {
		if (addr_parse_dec(slash + 1, len - alen - 1, 3, 128, &bits) == -1)
			return import_error(c, "bad prefix length (0..128)",
			    tok, len);
	} else if (groups == 1)
		return import_error(c,
		    "a bare number is not an entry (rbldnsd skips it)", tok,
		    len);
	else
		bits = defbits;
	p.len = bits;
	masked = p.addr;
	addr_mask(&masked, bits);
	if (addr_cmp(&masked, &p.addr) != 0)
		return import_error(c, "host bits set past the prefix length",
		    tok, len);
	if (import_overlaps_v4(&p))
		return import_error(c,
		    "IPv4-mapped range in an ip6trie entry (list it as IPv4)",
		    tok, len);
	return import_emit(c, &p, exclude, tok, len);
}

/*
 * In a file without $DATASET (an ip4set or ip6trie file given on
 * rbldnsd's command line) the text says which: IPv6 has a colon in its
 * first word, IPv4 does not, except for a value glued to the address
 * ("1.2.3.4:127.0.0.2:text"), which rbldnsd allows.
 */
static int
import_is_v6(const char *s, size_t len)
{
	size_t n = import_span(s, len, "0123456789./-");

	if (n < len && s[n] == ':' && memchr(s, '.', n) != NULL)
		return 0;
	n = 0;
	while (n < len && !import_is_blank(s[n]) && s[n] != '#' &&
	    s[n] != ';') {
		if (s[n] == ':')
			return 1;
		n++;
	}
	return 0;
}

/*
 * "$DATASET type[:name] subzone..." (rbldnsd(8), "combined Dataset").
 * Only the two address datasets hold what we can list; a combined file
 * with a dnset or generic section is refused as a whole, since a
 * partial import would look complete.
 */
static int
import_dataset(struct import_ctx *c, const char *s, size_t len)
{
	size_t n;

	if (!c->seen_dataset && c->entries > 0)
		return import_error(c,
		    "$DATASET after entries (in a combined file every entry "
		    "belongs to a $DATASET section)", s, len);
	while (len > 0 && import_is_blank(*s)) {
		s++;
		len--;
	}
	n = 0;
	while (n < len && !import_is_blank(s[n]) && s[n] != ':')
		n++;
	if (n == 0)
		return import_error(c, "$DATASET without a type", NULL, 0);
	if (n == 6 && memcmp(s, "ip4set", 6) == 0)
		c->section = IMPORT_SEC_IP4SET;
	else if (n == 7 && memcmp(s, "ip6trie", 7) == 0)
		c->section = IMPORT_SEC_IP6TRIE;
	else
		return import_error(c,
		    "dataset type cannot be imported (only ip4set and "
		    "ip6trie)", s, n > IMPORT_TYPE_MAX ? IMPORT_TYPE_MAX : n);
	c->seen_dataset = 1;
	return 0;
}

/*
 * "$NAME ..." special entries (also written "#$", ";$", ":$" for
 * rbldns compatibility). $TTL, $SOA, $NS, $MAXRANGE4, $TIMESTAMP, $=
 * and $0..$9 say how to serve, not what is listed: ignored. $DATASET
 * switches the syntax of what follows.
 */
static int
import_special(struct import_ctx *c, const char *s, size_t len)
{
	if (len >= 8 && strncasecmp(s, "dataset", 7) == 0 &&
	    import_is_blank(s[7]))
		return import_dataset(c, s + 7, len - 7);
	if (len == 7 && strncasecmp(s, "dataset", 7) == 0)
		return import_error(c, "$DATASET without a type", NULL, 0);
	return 0;
}

/* One trimmed line of an rbldnsd ip4set, ip6trie or combined file. */
static int
import_rbl_line(struct import_ctx *c, const char *s, size_t len)
{
	size_t n;
	int exclude = 0, v6;

	if (len == 0)
		return 0;
	if (s[0] == '$')
		return import_special(c, s + 1, len - 1);
	if (len >= 2 && (s[0] == '#' || s[0] == ';' || s[0] == ':') &&
	    s[1] == '$')
		return import_special(c, s + 2, len - 2);
	if (s[0] == '#' || s[0] == ';')
		return 0;
	/* ":A:TXT" is the default value; "::1" is an address. */
	if (s[0] == ':' && (len < 2 || s[1] != ':'))
		return 0;
	if (s[0] == '!') {
		exclude = 1;
		s++;
		len--;
		while (len > 0 && import_is_blank(*s)) {
			s++;
			len--;
		}
		if (len == 0)
			return import_error(c, "'!' without an entry", NULL,
			    0);
	}
	/* A section decides the syntax; the text only when there is none. */
	v6 = import_is_v6(s, len);
	if (c->section == IMPORT_SEC_IP4SET && v6)
		return import_error(c, "IPv6 entry in an ip4set section", s,
		    len);
	if (c->section == IMPORT_SEC_IP6TRIE)
		v6 = 1;
	/*
	 * The entry ends at a blank, a comment, or (IPv4 only) the colon
	 * of a glued value; what follows is a value, which we do not keep.
	 */
	for (n = 0; n < len; n++) {
		if (import_is_blank(s[n]) || s[n] == '#' || s[n] == ';')
			break;
		if (!v6 && s[n] == ':')
			break;
	}
	if (n == 0)
		return import_error(c, "no entry before the value", s, len);
	if (v6)
		return import_rbl_v6(c, s, n, exclude);
	return import_rbl_v4(c, s, n, exclude);
}

/*
 * One trimmed plain line: an address or CIDR prefix in our own strict
 * syntax (prefix_parse), optionally followed by blanks and a "#"
 * comment. Anything else is an error.
 */
static int
import_plain_line(struct import_ctx *c, const char *s, size_t len)
{
	struct prefix p;
	size_t n, k;

	if (len == 0 || s[0] == '#')
		return 0;
	// NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): import_getline wrote len bytes of s
	for (n = 0; n < len && !import_is_blank(s[n]); n++)
		;
	for (k = n; k < len && import_is_blank(s[k]); k++)
		;
	if (k < len && s[k] != '#')
		return import_error(c,
		    "one address or prefix per line expected", s, len);
	if (prefix_parse(s, n, &p) == -1)
		return import_error(c, "not an address or CIDR prefix", s, n);
	return import_emit(c, &p, 0, s, n);
}

/*
 * Does this trimmed line use rbldnsd syntax that plain does not have?
 * Specials, default values, exclusions, ";" comments, abbreviated or
 * range entries, or a value after the entry. Used by "auto".
 */
static int
import_looks_rbldnsd(const char *s, size_t len)
{
	size_t n, k, dots;

	if (len == 0)
		return 0;
	if (s[0] == '$' || s[0] == '!' || s[0] == ';')
		return 1;
	if (s[0] == '#')
		return len >= 2 && s[1] == '$';
	if (s[0] == ':' && (len < 2 || s[1] != ':'))
		return 1;
	if (!import_is_v6(s, len)) {
		n = import_span(s, len, "0123456789./-");
		if (n == 0)
			return 0;	/* not an address: plain says so */
		if (memchr(s, '-', n) != NULL)
			return 1;
		for (k = 0, dots = 0; k < n && s[k] != '/'; k++)
			dots += s[k] == '.';
		if (dots < 3)
			return 1;
	} else {
		n = 0;
		while (n < len && !import_is_blank(s[n]) && s[n] != '#' &&
		    s[n] != ';')
			n++;
		/* Leading groups only, without "::" and not all eight. */
		for (k = 0, dots = 0; k < n && s[k] != '/'; k++)
			dots += s[k] == ':';
		if (!import_has_dcolon(s, k) && memchr(s, '.', k) == NULL &&
		    dots < 7)
			return 1;
	}
	/* A glued value or comment, or a value after blanks. */
	if (n < len && (s[n] == ':' || s[n] == ';'))
		return 1;
	for (k = n; k < len && import_is_blank(s[k]); k++)
		;
	return k > n && k < len && s[k] != '#';
}

static int
import_line(struct import_ctx *c, enum import_format fmt, const char *s,
    size_t len)
{
	struct import_line l = { s, len };

	import_trim(&l);
	if (fmt == IMPORT_PLAIN)
		return import_plain_line(c, l.s, l.len);
	return import_rbl_line(c, l.s, l.len);
}

/*
 * "auto" reads everything first (each line checked for length and NUL
 * as usual), decides once for the whole file, then parses the copy: one
 * rbldnsd line makes the whole file rbldnsd, so that a plain-looking
 * line means the same wherever it stands.
 */
static int
import_auto(FILE *in, struct import_ctx *c)
{
	char line[IMPORT_LINE_MAX + 1];
	char *buf = NULL, *nbuf;
	size_t size = 0, used = 0, len = 0, off;
	int r, rbl = 0;
	enum import_format fmt;
	struct import_line l;

	while ((r = import_getline(in, c, line, &len)) == 1) {
		if (used + len + 1 > IMPORT_SIZE_MAX) {
			snprintf(c->err, c->errlen,
			    "%s:%zu: input larger than %zu bytes", c->name,
			    c->lineno, IMPORT_SIZE_MAX);
			free(buf);
			return -1;
		}
		if (used + len + 1 > size) {
			size_t nsize = size == 0 ? 65536 : size;

			while (nsize < used + len + 1)
				nsize *= 2;
			if ((nbuf = realloc(buf, nsize)) == NULL) {
				snprintf(c->err, c->errlen, "%s: %s", c->name,
				    strerror(errno));
				free(buf);
				return -1;
			}
			buf = nbuf;
			size = nsize;
		}
		// NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): size == 0 always grows buf first
		memcpy(buf + used, line, len);
		buf[used + len] = '\n';
		used += len + 1;
		l.s = line;
		l.len = len;
		import_trim(&l);
		if (!rbl && import_looks_rbldnsd(l.s, l.len))
			rbl = 1;
	}
	if (r == -1) {
		free(buf);
		return -1;
	}
	fmt = rbl ? IMPORT_RBLDNSD : IMPORT_PLAIN;
	c->lineno = 0;
	for (off = 0; off < used; off += len + 1) {
		len = (size_t)((char *)memchr(buf + off, '\n', used - off) -
		    (buf + off));
		c->lineno++;
		if (import_line(c, fmt, buf + off, len) == -1) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

int
import_read(FILE *in, const char *name, enum import_format fmt, import_cb cb,
    void *arg, char *err, size_t errlen)
{
	char line[IMPORT_LINE_MAX + 1];
	char dummy[1];
	struct import_ctx c;
	size_t len = 0;
	int r;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (in == NULL || cb == NULL) {
		snprintf(err, errlen, "import: no input or no callback");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.name = name != NULL ? name : "-";
	c.cb = cb;
	c.arg = arg;
	c.err = err;
	c.errlen = errlen;
	c.section = IMPORT_SEC_ANY;
	if (fmt == IMPORT_AUTO)
		return import_auto(in, &c);
	if (fmt != IMPORT_RBLDNSD && fmt != IMPORT_PLAIN) {
		snprintf(err, errlen, "import: unknown format");
		return -1;
	}
	while ((r = import_getline(in, &c, line, &len)) == 1)
		if (import_line(&c, fmt, line, len) == -1)
			return -1;
	return r;
}
