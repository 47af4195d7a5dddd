/* mime_parse.c -- bounded parsing of RFC 5322 headers and MIME structure. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "trap/mime_parse.h"

/* Where the line at off ends (its LF, or len) and where the next begins. */
static size_t
mime_line_end(const char *buf, size_t len, size_t off, size_t *next)
{
	const char *lf;

	lf = memchr(buf + off, '\n', len - off);
	if (lf == NULL) {
		*next = len;
		return len;
	}
	*next = (size_t)(lf - buf) + 1;
	return (size_t)(lf - buf);
}

/*
 * RFC 2047 2 says 75 bytes; mail agents that ignore it write words of a
 * few hundred. Anything longer is not taken for a word.
 */
#define MIME_WORD_MAX		512

static int
mime_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char
mime_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

void
mime_hdrs_init(struct mime_hdrs *it, const char *buf, size_t len)
{
	it->buf = buf;
	it->len = buf == NULL ? 0 : len;
	it->off = 0;
	it->nfields = 0;
	it->done = 0;
	it->capped = 0;
}

/*
 * Reads lines until a field is found or the block ends. A field is a
 * name of printable ASCII (RFC 5322 3.6.8 ftext), optional blanks (the
 * obsolete syntax of 4.5) and a colon; its value runs on over the lines
 * that start with a blank. A continuation with no field before it is
 * skipped. Any other line ends the block and starts the body, as a
 * header line without a colon cannot be a field. Once MIME_HEADERS_MAX
 * fields were returned, the rest are read but not returned.
 */
int
mime_hdrs_next(struct mime_hdrs *it, struct mime_hdr *h)
{
	const char *b = it->buf;
	size_t eol, next, i, name_end, p;

	while (!it->done) {
		if (it->off >= it->len) {
			it->done = 1;
			break;
		}
		eol = mime_line_end(b, it->len, it->off, &next);
		if (eol == it->off ||
		    (eol == it->off + 1 && b[it->off] == '\r')) {
			/* The empty line: the body follows it. */
			it->off = next;
			it->done = 1;
			break;
		}
		if (mime_is_blank(b[it->off])) {
			it->off = next;
			continue;
		}
		for (i = it->off; i < eol; i++) {
			if ((unsigned char)b[i] <= ' ' ||
			    (unsigned char)b[i] >= 0x7f || b[i] == ':')
				break;
		}
		name_end = i;
		while (i < eol && mime_is_blank(b[i]))
			i++;
		if (name_end == it->off || i >= eol || b[i] != ':') {
			it->done = 1;	/* not a field: the body starts here */
			break;
		}
		/* The value runs over the continuation lines. */
		p = next;
		while (p < it->len && mime_is_blank(b[p]))
			(void)mime_line_end(b, it->len, p, &p);
		h->name = b + it->off;
		h->namelen = name_end - it->off;
		h->value = b + i + 1;
		h->valuelen = p - (i + 1);
		it->off = p;
		if (h->namelen > MIME_NAME_MAX)
			continue;
		if (it->nfields >= MIME_HEADERS_MAX) {
			it->capped = 1;
			continue;
		}
		it->nfields++;
		return 1;
	}
	return 0;
}

int
mime_hdr_is(const struct mime_hdr *h, const char *name)
{
	/*
	 * Most names differ in their first letter. When strncasecmp says
	 * equal, name has namelen bytes before any NUL (a field name has
	 * none), so name[namelen] is in bounds and must end it.
	 */
	if (h->namelen == 0 || mime_lower(h->name[0]) != mime_lower(name[0]))
		return 0;
	return strncasecmp(h->name, name, h->namelen) == 0 &&
	    name[h->namelen] == '\0';
}

/*
 * Line breaks (CR, LF) count as blanks, so a bare CR cannot hide a
 * fold; one space is written for each run, and none at either end.
 */
size_t
mime_unfold(const char *in, size_t inlen, char *out, size_t outsize)
{
	size_t i = 0, o = 0;

	if (outsize == 0)
		return 0;
	while (i < inlen) {
		unsigned char c = (unsigned char)in[i];

		/* Anything above the space is copied: nearly every byte. */
		if (c > ' ' || (c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n')) {
			out[o++] = (char)c;
			i++;
			if (o == outsize)
				break;
			continue;
		}
		while (i < inlen && (in[i] == ' ' || in[i] == '\t' ||
		    in[i] == '\r' || in[i] == '\n'))
			i++;
		if (i == inlen)
			break;
		if (o > 0) {
			out[o++] = ' ';
			if (o == outsize)
				break;
		}
	}
	return o;
}

/* The value of a base64 digit, or -1. */
static int
mime_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
mime_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The charsets mime_decode_words converts; the rest are kept encoded. */
enum mime_charset {
	MIME_CS_UNKNOWN = 0,
	MIME_CS_UTF8,		/* also US-ASCII: bytes copied as they are */
	MIME_CS_LATIN1,		/* ISO-8859-1, and -15 as an approximation */
	MIME_CS_CP1252,
};

static enum mime_charset
mime_charset_lookup(const char *cs, size_t len)
{
	static const struct {
		const char		*name;
		enum mime_charset	 cs;
	} names[] = {
		{ "utf-8", MIME_CS_UTF8 },
		{ "utf8", MIME_CS_UTF8 },
		{ "us-ascii", MIME_CS_UTF8 },
		{ "ascii", MIME_CS_UTF8 },
		{ "iso-8859-1", MIME_CS_LATIN1 },
		{ "iso8859-1", MIME_CS_LATIN1 },
		{ "latin1", MIME_CS_LATIN1 },
		{ "iso-8859-15", MIME_CS_LATIN1 },
		{ "windows-1252", MIME_CS_CP1252 },
		{ "cp1252", MIME_CS_CP1252 },
	};
	const char *star;

	/* RFC 2231 5: "charset*language" */
	if ((star = memchr(cs, '*', len)) != NULL)
		len = (size_t)(star - cs);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == len &&
		    strncasecmp(names[i].name, cs, len) == 0)
			return names[i].cs;
	}
	return MIME_CS_UNKNOWN;
}

/* Windows-1252 0x80..0x9f; 0 for the five unassigned positions. */
static const uint16_t mime_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/*
 * Appends one decoded byte in charset cs to out as UTF-8. A character
 * that does not fit whole is dropped, so the output is never cut inside
 * a sequence we made (bytes copied from UTF-8 input may still be).
 */
static void
mime_put(char *out, size_t outsize, size_t *o, unsigned char c,
    enum mime_charset cs)
{
	unsigned int cp = c;

	if (c < 0x80 || cs == MIME_CS_UTF8 || cs == MIME_CS_UNKNOWN) {
		if (*o < outsize)
			out[(*o)++] = (char)c;
		return;
	}
	if (cs == MIME_CS_CP1252 && c < 0xa0)
		cp = mime_cp1252[c - 0x80] != 0 ? mime_cp1252[c - 0x80] :
		    0xfffd;
	if (cp < 0x800) {
		if (outsize - *o < 2)
			return;
		out[(*o)++] = (char)(0xc0 | cp >> 6);
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		if (outsize - *o < 3)
			return;
		out[(*o)++] = (char)(0xe0 | cp >> 12);
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/*
 * Checks the encoded text of a word before anything is written, so a
 * malformed word can be kept as it stands. B: alphabet characters, then
 * at most two "=" at the end, a length that is a multiple of 4 when
 * padded. Q: "=" must start two hex digits.
 */
static int
mime_word_valid(char enc, const char *t, size_t n)
{
	size_t i, pad = 0;

	if (enc == 'B') {
		for (i = 0; i < n; i++) {
			if (t[i] == '=') {
				pad++;
				continue;
			}
			if (pad > 0 || mime_b64_value((unsigned char)t[i]) < 0)
				return 0;
		}
		if (pad > 2 || (pad > 0 && n % 4 != 0) || n % 4 == 1)
			return 0;
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (t[i] != '=')
			continue;
		if (n - i < 3 || mime_hex_value((unsigned char)t[i + 1]) < 0 ||
		    mime_hex_value((unsigned char)t[i + 2]) < 0)
			return 0;
		i += 2;
	}
	return 1;
}

static void
mime_word_decode(char enc, const char *t, size_t n, enum mime_charset cs,
    char *out, size_t outsize, size_t *o)
{
	unsigned int acc = 0, bits = 0;
	size_t i;
	int v, hi, lo;

	if (enc == 'B') {
		for (i = 0; i < n && t[i] != '='; i++) {
			v = mime_b64_value((unsigned char)t[i]);
			acc = (acc << 6 | (unsigned int)v) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				mime_put(out, outsize, o,
				    (unsigned char)(acc >> bits), cs);
			}
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (t[i] == '_') {
			mime_put(out, outsize, o, ' ', cs);	/* 4.2 (2) */
		} else if (t[i] == '=') {
			hi = mime_hex_value((unsigned char)t[i + 1]);
			lo = mime_hex_value((unsigned char)t[i + 2]);
			/* Valid hex (mime_word_valid); unsigned all the same. */
			mime_put(out, outsize, o, (unsigned char)
			    ((unsigned int)hi << 4 | (unsigned int)lo), cs);
			i += 2;
		} else
			mime_put(out, outsize, o, (unsigned char)t[i], cs);
	}
}

/*
 * Tries to read an encoded-word at in[0..n): "=?" charset "?" B|Q "?"
 * text "?=". Returns its length, 0 if there is none, and the pieces.
 * RFC 2047 2 forbids blanks inside a word and limits it to 75 bytes.
 * Longer words are common, so MIME_WORD_MAX is more generous; it also
 * bounds the search, which keeps a value full of "=?" linear.
 */
static size_t
mime_word_scan(const char *in, size_t n, const char **cs, size_t *cslen,
    char *enc, const char **text, size_t *textlen)
{
	size_t i, q1;

	if (n < 8 || in[0] != '=' || in[1] != '?')
		return 0;
	for (i = 2; i < n && in[i] != '?'; i++)
		if (mime_is_blank(in[i]))
			return 0;
	if (i == 2 || n - i < 5)
		return 0;
	q1 = i;
	if (q1 > MIME_WORD_MAX)
		return 0;
	if (in[q1 + 2] != '?')
		return 0;
	*enc = mime_lower(in[q1 + 1]) == 'b' ? 'B' :
	    mime_lower(in[q1 + 1]) == 'q' ? 'Q' : 0;
	if (*enc == 0)
		return 0;
	for (i = q1 + 3; i + 1 < n; i++) {
		if (mime_is_blank(in[i]) || i > MIME_WORD_MAX)
			return 0;
		if (in[i] == '?' && in[i + 1] == '=')
			break;
	}
	if (i + 1 >= n)
		return 0;
	*cs = in + 2;
	*cslen = q1 - 2;
	*text = in + q1 + 3;
	*textlen = i - (q1 + 3);
	return i + 2;
}

/*
 * One pass: each encoded-word that can be decoded is replaced by its
 * text; after one, the output position is remembered, and if only
 * blanks come before the next decoded word they are taken back out
 * (RFC 2047 6.2). Everything else is copied byte for byte.
 */
size_t
mime_decode_words(const char *in, size_t inlen, char *out, size_t outsize)
{
	size_t i = 0, o = 0, w, cslen, textlen, after_word = 0;
	const char *cs, *text;
	enum mime_charset set;
	int only_blanks = 0;
	char enc;

	while (i < inlen) {
		w = 0;
		if (in[i] == '=')
			w = mime_word_scan(in + i, inlen - i, &cs, &cslen, &enc,
			    &text, &textlen);
		if (w > 0 && (set = mime_charset_lookup(cs, cslen)) !=
		    MIME_CS_UNKNOWN && mime_word_valid(enc, text, textlen)) {
			if (only_blanks)
				o = after_word;
			mime_word_decode(enc, text, textlen, set, out, outsize,
			    &o);
			after_word = o;
			only_blanks = 1;
			i += w;
			continue;
		}
		if (w > 0) {
			/* Kept as it stands: not a decoded word for 6.2. */
			for (size_t k = 0; k < w && o < outsize; k++)
				out[o++] = in[i + k];
			only_blanks = 0;
			i += w;
			continue;
		}
		if (!mime_is_blank(in[i]))
			only_blanks = 0;
		if (o < outsize)
			out[o++] = in[i];
		i++;
	}
	return o;
}

enum mime_cte
mime_cte_parse(const char *value, size_t len)
{
	char v[32];
	size_t n;

	n = mime_unfold(value, len, v, sizeof(v));
	if (n == 6 && strncasecmp(v, "base64", 6) == 0)
		return MIME_CTE_BASE64;
	if (n == 16 && strncasecmp(v, "quoted-printable", 16) == 0)
		return MIME_CTE_QP;
	return MIME_CTE_IDENTITY;
}

size_t
mime_decode_body(enum mime_cte cte, const char *in, size_t inlen, char *out,
    size_t outsize)
{
	unsigned int acc = 0, bits = 0;
	size_t i, o = 0;
	int v, hi, lo;

	switch (cte) {
	case MIME_CTE_BASE64:
		for (i = 0; i < inlen && o < outsize; i++) {
			if (in[i] == '=')
				break;		/* padding: the data ends */
			if ((v = mime_b64_value((unsigned char)in[i])) < 0)
				continue;
			acc = (acc << 6 | (unsigned int)v) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[o++] = (char)(acc >> bits & 0xff);
			}
		}
		return o;
	case MIME_CTE_QP:
		for (i = 0; i < inlen && o < outsize; i++) {
			if (in[i] != '=') {
				out[o++] = in[i];
				continue;
			}
			/* RFC 2045 6.7 (5): "=" at a line end: soft break. */
			if (i + 1 < inlen && in[i + 1] == '\n') {
				i += 1;
				continue;
			}
			if (i + 2 < inlen && in[i + 1] == '\r' &&
			    in[i + 2] == '\n') {
				i += 2;
				continue;
			}
			hi = i + 2 < inlen ?
			    mime_hex_value((unsigned char)in[i + 1]) : -1;
			lo = i + 2 < inlen ?
			    mime_hex_value((unsigned char)in[i + 2]) : -1;
			if (hi >= 0 && lo >= 0) {
				out[o++] = (char)(hi << 4 | lo);
				i += 2;
				continue;
			}
			out[o++] = '=';		/* 6.7 note (1): keep it */
		}
		return o;
	case MIME_CTE_IDENTITY:
	default:
		o = inlen < outsize ? inlen : outsize;
		if (o > 0)
			memcpy(out, in, o);
		return o;
	}
}

/* RFC 2045 5.2: no Content-Type, or one we cannot read, is text/plain. */
static void
mime_ctype_default(struct mime_ctype *ct)
{
	snprintf(ct->type, sizeof(ct->type), "text/plain");
}

/* RFC 2045 5.1: tspecials end a token. */
static int
mime_is_tspecial(char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
	case '=':
		return 1;
	default:
		return 0;
	}
}

/* Skips blanks and (nested) comments; RFC 5322 3.2.2 CFWS, folded already. */
static size_t
mime_skip_cfws(const char *v, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth > 0)
			depth--;
		else if (v[i] == '\\' && depth > 0 && i + 1 < n)
			i++;
		else if (depth == 0 && !mime_is_blank(v[i]))
			break;
		i++;
	}
	return i;
}

/* Copies v[from..to) lowercased into out (size >= 1), NUL-terminated. */
static void
mime_copy_lower(const char *v, size_t from, size_t to, char *out,
    size_t size)
{
	size_t o = 0;

	for (size_t i = from; i < to && o + 1 < size; i++)
		out[o++] = mime_lower(v[i]);
	out[o] = '\0';
}

/*
 * The value of one parameter: a quoted-string (with its backslash
 * escapes removed) or a token. Real mail often leaves "=" and "/"
 * unquoted in boundaries, so a token runs to ";" or a blank. Writes at
 * most size - 1 bytes and a NUL; *too_long is set if more were there.
 */
static size_t
mime_param_value(const char *v, size_t n, size_t i, char *out, size_t size,
    size_t *outlen, int *too_long)
{
	size_t o = 0;

	*too_long = 0;
	if (i < n && v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			if (o + 1 < size)
				out[o++] = v[i];
			else
				*too_long = 1;
		}
		if (i < n)
			i++;		/* the closing quote */
	} else {
		for (; i < n && v[i] != ';' && !mime_is_blank(v[i]); i++) {
			if (o + 1 < size)
				out[o++] = v[i];
			else
				*too_long = 1;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return i;
}

/*
 * RFC 2045 5.1: type "/" subtype *(";" attribute "=" value). Parameter
 * names are case-insensitive; RFC 2231 continuations ("boundary*0") are
 * not joined, so such a boundary is simply not found. A parameter that
 * cannot be read is skipped up to the next ";".
 */
void
mime_ctype_parse(const char *value, size_t len, struct mime_ctype *ct)
{
	char v[MIME_CTYPE_MAX], val[MIME_BOUNDARY_MAX + 2];
	size_t n, i, s, vlen, t_end, a_start, a_end;
	int too_long;

	memset(ct, 0, sizeof(*ct));
	n = mime_unfold(value, len, v, sizeof(v));
	i = mime_skip_cfws(v, n, 0);
	s = i;
	while (i < n && !mime_is_tspecial(v[i]) && !mime_is_blank(v[i]) &&
	    (unsigned char)v[i] > ' ')
		i++;
	t_end = i;
	i = mime_skip_cfws(v, n, i);
	if (t_end == s || i >= n || v[i] != '/') {
		mime_ctype_default(ct);
		return;
	}
	i = mime_skip_cfws(v, n, i + 1);
	a_start = i;
	while (i < n && !mime_is_tspecial(v[i]) && !mime_is_blank(v[i]) &&
	    (unsigned char)v[i] > ' ')
		i++;
	if (i == a_start || (t_end - s) + 1 + (i - a_start) >=
	    sizeof(ct->type)) {
		mime_ctype_default(ct);
		return;
	}
	mime_copy_lower(v, s, t_end, ct->type, sizeof(ct->type));
	ct->type[t_end - s] = '/';
	mime_copy_lower(v, a_start, i, ct->type + (t_end - s) + 1,
	    sizeof(ct->type) - (t_end - s) - 1);

	while (i < n) {
		i = mime_skip_cfws(v, n, i);
		if (i >= n)
			break;
		if (v[i] != ';') {
			/* Junk: resynchronise at the next parameter. */
			while (i < n && v[i] != ';')
				i++;
			continue;
		}
		i = mime_skip_cfws(v, n, i + 1);
		a_start = i;
		while (i < n && !mime_is_tspecial(v[i]) &&
		    !mime_is_blank(v[i]) && (unsigned char)v[i] > ' ')
			i++;
		a_end = i;
		i = mime_skip_cfws(v, n, i);
		if (a_end == a_start || i >= n || v[i] != '=')
			continue;
		i = mime_skip_cfws(v, n, i + 1);
		i = mime_param_value(v, n, i, val, sizeof(val), &vlen,
		    &too_long);
		if (a_end - a_start == 8 &&
		    strncasecmp(v + a_start, "boundary", 8) == 0) {
			/* RFC 2046 5.1.1: 1 to 70 characters, or none. */
			if (!too_long && vlen > 0 &&
			    vlen <= MIME_BOUNDARY_MAX) {
				memcpy(ct->boundary, val, vlen);
				ct->boundary[vlen] = '\0';
				ct->boundarylen = vlen;
			} else {
				ct->boundary[0] = '\0';
				ct->boundarylen = 0;
			}
		} else if (a_end - a_start == 11 &&
		    strncasecmp(v + a_start, "report-type", 11) == 0) {
			if (!too_long)
				mime_copy_lower(val, 0, vlen, ct->report_type,
				    sizeof(ct->report_type));
		} else if (a_end - a_start == 7 &&
		    strncasecmp(v + a_start, "charset", 7) == 0) {
			if (!too_long)
				mime_copy_lower(val, 0, vlen, ct->charset,
				    sizeof(ct->charset));
		}
	}
}

/*
 * Finds the next delimiter line (RFC 2046 5.1.1: "--" boundary, after a
 * line break or at the very start, then optional "--" for the close
 * delimiter, then only blanks) at or after from. Returns its offset or
 * len; *after is where the line after it starts, *close if it was the
 * close delimiter. Lines are checked one at a time, so the scan is
 * linear in the body.
 */
static size_t
mime_find_delim(const char *b, size_t len, size_t from, const char *bnd,
    size_t blen, size_t *after, int *close)
{
	size_t off = from, eol, next, i;

	while (off < len) {
		eol = mime_line_end(b, len, off, &next);
		if (eol - off >= blen + 2 && b[off] == '-' &&
		    b[off + 1] == '-' && memcmp(b + off + 2, bnd, blen) == 0) {
			i = off + 2 + blen;
			*close = 0;
			if (eol - i >= 2 && b[i] == '-' && b[i + 1] == '-') {
				*close = 1;
				i += 2;
			}
			while (i < eol && (mime_is_blank(b[i]) || b[i] == '\r'))
				i++;
			if (i == eol) {
				*after = next;
				return off;
			}
		}
		off = next;
	}
	*after = len;
	*close = 0;
	return len;
}

struct mime_walker {
	int		(*cb)(void *, const struct mime_part *);
	void		(*field_cb)(void *, const struct mime_hdr *);
	void		*arg;
	size_t		 nparts;
	int		 stop;
};

/*
 * Visits one part and, for a multipart, its children: each runs from
 * the line after a delimiter to the line break before the next (RFC
 * 2046 5.1.1: that CRLF belongs to the delimiter). A part with no
 * delimiter after it (a cut-short message) runs to the end. Recursive,
 * but never deeper than MIME_DEPTH_MAX.
 */
static void
// NOLINTNEXTLINE(misc-no-recursion): bounded by MIME_DEPTH_MAX (4 levels)
mime_walk_part(struct mime_walker *w, const char *buf, size_t len, int depth)
{
	struct mime_part part;
	struct mime_hdrs it;
	struct mime_hdr h;
	int have_ct = 0, close = 0;
	size_t d, after, next_d, next_after, end;

	if (w->stop || w->nparts >= MIME_PARTS_MAX)
		return;
	w->nparts++;
	memset(&part, 0, sizeof(part));
	part.depth = depth;
	mime_hdrs_init(&it, buf, len);
	while (mime_hdrs_next(&it, &h)) {
		if (depth == 0 && w->field_cb != NULL)
			w->field_cb(w->arg, &h);
		if (!have_ct && mime_hdr_is(&h, "Content-Type")) {
			mime_ctype_parse(h.value, h.valuelen, &part.ct);
			have_ct = 1;
		} else if (mime_hdr_is(&h, "Content-Transfer-Encoding"))
			part.cte = mime_cte_parse(h.value, h.valuelen);
	}
	if (!have_ct)
		mime_ctype_default(&part.ct);
	part.hdr = buf;
	part.hdrlen = it.off;
	part.body = buf + it.off;
	part.bodylen = len - it.off;
	if (w->cb(w->arg, &part) != 0) {
		w->stop = 1;
		return;
	}
	if (strncmp(part.ct.type, "multipart/", 10) != 0 ||
	    part.ct.boundarylen == 0 || depth >= MIME_DEPTH_MAX)
		return;

	d = mime_find_delim(part.body, part.bodylen, 0, part.ct.boundary,
	    part.ct.boundarylen, &after, &close);
	while (d < part.bodylen && !close && !w->stop &&
	    w->nparts < MIME_PARTS_MAX) {
		next_d = mime_find_delim(part.body, part.bodylen, after,
		    part.ct.boundary, part.ct.boundarylen, &next_after,
		    &close);
		end = next_d;
		if (end < part.bodylen && end > after &&
		    part.body[end - 1] == '\n') {
			end--;
			if (end > after && part.body[end - 1] == '\r')
				end--;
		}
		mime_walk_part(w, part.body + after, end - after, depth + 1);
		d = next_d;
		after = next_after;
	}
}

size_t
mime_walk(const char *msg, size_t len,
    int (*cb)(void *arg, const struct mime_part *), void *arg)
{
	return mime_walk_fields(msg, len, NULL, cb, arg);
}

size_t
mime_walk_fields(const char *msg, size_t len,
    void (*field_cb)(void *arg, const struct mime_hdr *),
    int (*cb)(void *arg, const struct mime_part *), void *arg)
{
	struct mime_walker w;

	w.cb = cb;
	w.field_cb = field_cb;
	w.arg = arg;
	w.nparts = 0;
	w.stop = 0;
	mime_walk_part(&w, msg, msg == NULL ? 0 : len, 0);
	return w.nparts;
}
