/* smtp_parse.c -- SMTP command lines, paths and ESMTP parameters: no I/O. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trap/smtp_parse.h"

/* RFC 1035 2.3.4 via RFC 5321 4.1.2: a label of 1 to 63 octets. */
#define SMTP_LABEL_MAX		63
/* Verbs we know are at most 8 letters ("STARTTLS"); any longer is unknown. */
#define SMTP_VERB_MAX		8

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} smtp_verbs[] = {
	{ "HELO", SMTP_VERB_HELO },
	{ "EHLO", SMTP_VERB_EHLO },
	{ "MAIL", SMTP_VERB_MAIL },
	{ "RCPT", SMTP_VERB_RCPT },
	{ "DATA", SMTP_VERB_DATA },
	{ "RSET", SMTP_VERB_RSET },
	{ "NOOP", SMTP_VERB_NOOP },
	{ "QUIT", SMTP_VERB_QUIT },
	{ "VRFY", SMTP_VERB_VRFY },
	{ "EXPN", SMTP_VERB_EXPN },
	{ "HELP", SMTP_VERB_HELP },
	{ "STARTTLS", SMTP_VERB_STARTTLS },
	{ "AUTH", SMTP_VERB_AUTH },
	{ "BDAT", SMTP_VERB_BDAT },
	{ "ETRN", SMTP_VERB_ETRN },
	{ "TURN", SMTP_VERB_TURN },
};
#define SMTP_NVERBS	(sizeof(smtp_verbs) / sizeof(smtp_verbs[0]))

/* A read cursor over untrusted bytes. Invariant: off <= len. */
struct smtp_rd {
	const char	*buf;
	size_t		 len;
	size_t		 off;
};

static int
smtp_rd_peek(const struct smtp_rd *r)
{
	return r->off < r->len ? (unsigned char)r->buf[r->off] : -1;
}

static int
smtp_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
smtp_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
smtp_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5322 3.2.3 atext. */
static int
smtp_is_atext(int c)
{
	return smtp_is_alpha(c) || smtp_is_digit(c) ||
	    (c > 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Matches a keyword case-insensitively and consumes it. */
static int
smtp_rd_keyword(struct smtp_rd *r, const char *kw)
{
	size_t n = strlen(kw);

	if (r->len - r->off < n)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (smtp_upper((unsigned char)r->buf[r->off + i]) != kw[i])
			return -1;
	r->off += n;
	return 0;
}

const char *
smtp_verb_name(enum smtp_verb v)
{
	for (size_t i = 0; i < SMTP_NVERBS; i++)
		if (smtp_verbs[i].verb == v)
			return smtp_verbs[i].name;
	return "?";
}

int
smtp_parse_command(const char *line, size_t len, struct smtp_cmd *out,
    const char **err)
{
	size_t i, vlen;
	unsigned char c;

	memset(out, 0, sizeof(*out));
	out->arg = line;
	if (len == 0) {
		*err = "empty line";
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if (c == '\0') {
			*err = "NUL byte";
			return -1;
		}
		if ((c < 0x20 && c != '\t') || c > 0x7e) {
			*err = "control or non-ASCII byte";
			return -1;
		}
	}
	/* The verb runs to the first space; RFC 5321 2.4: any case. */
	for (vlen = 0; vlen < len && line[vlen] != ' ' && line[vlen] != '\t';
	    vlen++)
		;
	out->verbtxt = line;
	out->verblen = vlen;
	out->verb = SMTP_VERB_UNKNOWN;
	for (i = 0; vlen <= SMTP_VERB_MAX && i < SMTP_NVERBS; i++) {
		const char *name = smtp_verbs[i].name;
		size_t k;

		if (strlen(name) != vlen)
			continue;
		for (k = 0; k < vlen; k++)
			if (smtp_upper((unsigned char)line[k]) != name[k])
				break;
		if (k == vlen) {
			out->verb = smtp_verbs[i].verb;
			break;
		}
	}
	/*
	 * The grammar has exactly one space before the argument and none at
	 * the end, but "QUIT " and "MAIL  FROM" are common and harmless.
	 */
	i = vlen;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	out->arg = line + i;
	out->arglen = len - i;
	while (out->arglen > 0 && (out->arg[out->arglen - 1] == ' ' ||
	    out->arg[out->arglen - 1] == '\t'))
		out->arglen--;
	return 0;
}

int
smtp_parse_helo(const char *arg, size_t len, const char **err)
{
	if (len == 0) {
		*err = "missing domain";
		return -1;
	}
	if (len > SMTP_HELO_MAX) {
		*err = "domain too long";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)arg[i];

		if (c <= 0x20 || c > 0x7e) {
			*err = "one domain or address literal expected";
			return -1;
		}
	}
	return 0;
}

/*
 * RFC 5321 4.1.2 Domain: sub-domain *("." sub-domain), each a letter or
 * digit, then letters, digits and hyphens, ending in a letter or digit;
 * or an address literal "[...]" of dcontent (4.1.3, kept as sent: it is
 * evidence, not an address we connect to).
 */
static int
smtp_rd_domain(struct smtp_rd *r, const char **err)
{
	size_t start = r->off, label = 0;
	int c, last = 0;

	if (smtp_rd_peek(r) == '[') {
		r->off++;
		while ((c = smtp_rd_peek(r)) != -1 && c != ']') {
			/* dcontent: %d33-90 / %d94-126 */
			if (c < 33 || c > 126 || c == '[' || c == '\\') {
				*err = "bad address literal";
				return -1;
			}
			r->off++;
		}
		if (c != ']' || r->off == start + 1) {
			*err = "bad address literal";
			return -1;
		}
		r->off++;
		goto done;
	}
	for (;;) {
		c = smtp_rd_peek(r);
		if (smtp_is_alpha(c) || smtp_is_digit(c) ||
		    (c == '-' && label > 0)) {
			if (++label > SMTP_LABEL_MAX) {
				*err = "domain label too long";
				return -1;
			}
			last = c;
			r->off++;
			continue;
		}
		if (label == 0 || last == '-') {
			*err = "bad domain";
			return -1;
		}
		if (c != '.')
			break;
		r->off++;
		label = 0;
	}
done:
	if (r->off - start > SMTP_DOMAIN_MAX) {
		*err = "domain too long";
		return -1;
	}
	return 0;
}

/* RFC 5321 4.1.2 Local-part: Dot-string / Quoted-string. */
static int
smtp_rd_local(struct smtp_rd *r, const char **err)
{
	size_t start = r->off;
	int c;

	if (smtp_rd_peek(r) == '"') {
		r->off++;
		for (;;) {
			c = smtp_rd_peek(r);
			if (c == '"')
				break;
			if (c == '\\') {
				/* quoted-pairSMTP: backslash, then %d32-126 */
				r->off++;
				c = smtp_rd_peek(r);
				if (c < 32 || c > 126) {
					*err = "bad quoted local part";
					return -1;
				}
			} else if (c < 32 || c > 126) {
				*err = "unterminated quoted local part";
				return -1;
			}
			r->off++;
		}
		r->off++;
	} else {
		for (;;) {
			if (!smtp_is_atext(smtp_rd_peek(r))) {
				*err = "bad local part";
				return -1;
			}
			while (smtp_is_atext(smtp_rd_peek(r)))
				r->off++;
			if (smtp_rd_peek(r) != '.')
				break;
			r->off++;
		}
	}
	if (r->off - start > SMTP_LOCAL_MAX) {
		*err = "local part too long";
		return -1;
	}
	return 0;
}

/*
 * A bounded decimal for SIZE=: digits only, at most SMTP_SIZE_DIGITS_MAX
 * of them, so the value fits in 63 bits without an overflow check.
 */
static int
smtp_parse_size(const char *v, size_t len, int64_t *out)
{
	int64_t n = 0;

	if (len == 0 || len > SMTP_SIZE_DIGITS_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!smtp_is_digit((unsigned char)v[i]))
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/* Case-insensitive comparison of (s, len) with an upper-case word. */
static int
smtp_word_is(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (smtp_upper((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

/*
 * RFC 5321 4.1.2 Mail-parameters: esmtp-param *(SP esmtp-param), each
 * esmtp-keyword ["=" esmtp-value].
 */
static int
smtp_rd_params(struct smtp_rd *r, enum smtp_path_kind kind,
    struct smtp_path *out, const char **err)
{
	const char *kw, *val;
	size_t kwlen, vallen;
	int c, n = 0;

	while (r->off < r->len) {
		if (smtp_rd_peek(r) != ' ' && smtp_rd_peek(r) != '\t') {
			*err = "junk after the path";
			return SMTP_PATH_SYNTAX;
		}
		while ((c = smtp_rd_peek(r)) == ' ' || c == '\t')
			r->off++;
		if (r->off == r->len)
			break;
		if (++n > SMTP_PARAMS_MAX) {
			*err = "too many parameters";
			return SMTP_PATH_SYNTAX;
		}
		kw = r->buf + r->off;
		if (!smtp_is_alpha(c) && !smtp_is_digit(c)) {
			*err = "bad parameter";
			return SMTP_PATH_SYNTAX;
		}
		while ((c = smtp_rd_peek(r)) != -1 &&
		    (smtp_is_alpha(c) || smtp_is_digit(c) || c == '-'))
			r->off++;
		kwlen = (size_t)(r->buf + r->off - kw);
		val = NULL;
		vallen = 0;
		if (c == '=') {
			r->off++;
			val = r->buf + r->off;
			/* esmtp-value: %d33-60 / %d62-126 */
			while ((c = smtp_rd_peek(r)) >= 33 && c <= 126 &&
			    c != '=')
				r->off++;
			vallen = (size_t)(r->buf + r->off - val);
			if (vallen == 0) {
				*err = "empty parameter value";
				return SMTP_PATH_SYNTAX;
			}
		}
		c = smtp_rd_peek(r);
		if (c != -1 && c != ' ' && c != '\t') {
			*err = "bad parameter";
			return SMTP_PATH_SYNTAX;
		}
		if (kind == SMTP_PATH_MAIL && smtp_word_is(kw, kwlen, "SIZE")) {
			if (out->size != -1) {
				*err = "SIZE given twice";
				return SMTP_PATH_SYNTAX;
			}
			if (val == NULL ||
			    smtp_parse_size(val, vallen, &out->size) == -1) {
				*err = "bad SIZE value";
				return SMTP_PATH_SYNTAX;
			}
		} else if (kind == SMTP_PATH_MAIL &&
		    smtp_word_is(kw, kwlen, "BODY")) {
			if (out->body != SMTP_BODY_NONE) {
				*err = "BODY given twice";
				return SMTP_PATH_SYNTAX;
			}
			if (val != NULL && smtp_word_is(val, vallen, "7BIT"))
				out->body = SMTP_BODY_7BIT;
			else if (val != NULL &&
			    smtp_word_is(val, vallen, "8BITMIME"))
				out->body = SMTP_BODY_8BITMIME;
			else {
				*err = "bad BODY value";
				return SMTP_PATH_SYNTAX;
			}
		} else {
			*err = "unsupported parameter";
			return SMTP_PATH_PARAM;
		}
	}
	return 0;
}

int
smtp_parse_path(const char *arg, size_t len, enum smtp_path_kind kind,
    struct smtp_path *out, const char **err)
{
	struct smtp_rd r = { arg, len, 0 };
	size_t start, plen;
	int c;

	memset(out, 0, sizeof(*out));
	out->size = -1;
	if (smtp_rd_keyword(&r, kind == SMTP_PATH_MAIL ? "FROM:" : "TO:") ==
	    -1) {
		*err = kind == SMTP_PATH_MAIL ? "expected FROM:<address>" :
		    "expected TO:<address>";
		return SMTP_PATH_SYNTAX;
	}
	while ((c = smtp_rd_peek(&r)) == ' ' || c == '\t')
		r.off++;
	if (c != '<') {
		*err = "address must be in angle brackets";
		return SMTP_PATH_SYNTAX;
	}
	start = r.off++;
	if (kind == SMTP_PATH_MAIL && smtp_rd_peek(&r) == '>') {
		r.off++;
		out->null = 1;
		goto params;
	}
	/* RFC 5321 4.5.1: "Postmaster" without a domain, any case. */
	if (kind == SMTP_PATH_RCPT && r.len - r.off >= 11 &&
	    smtp_word_is(r.buf + r.off, 10, "POSTMASTER") &&
	    r.buf[r.off + 10] == '>') {
		memcpy(out->addr, r.buf + r.off, 10);
		out->addr[10] = '\0';
		out->locallen = 10;
		out->postmaster = 1;
		r.off += 11;
		goto params;
	}
	/* Appendix C: a source route is accepted and ignored. */
	if (smtp_rd_peek(&r) == '@') {
		for (;;) {
			r.off++;
			if (smtp_rd_domain(&r, err) == -1)
				return SMTP_PATH_SYNTAX;
			c = smtp_rd_peek(&r);
			if (c == ':')
				break;
			if (c == ',') {
				r.off++;
				if (smtp_rd_peek(&r) == '@')
					continue;
			}
			*err = "bad source route";
			return SMTP_PATH_SYNTAX;
		}
		r.off++;
	}
	{
		size_t astart = r.off;

		if (smtp_rd_local(&r, err) == -1)
			return SMTP_PATH_SYNTAX;
		out->locallen = r.off - astart;
		if (smtp_rd_peek(&r) != '@') {
			*err = "address without a domain";
			return SMTP_PATH_SYNTAX;
		}
		r.off++;
		if (smtp_rd_domain(&r, err) == -1)
			return SMTP_PATH_SYNTAX;
		if (smtp_rd_peek(&r) != '>') {
			*err = "missing '>'";
			return SMTP_PATH_SYNTAX;
		}
		plen = r.off - astart;
		/* Checked here, after the parts: 64 + 1 + 255 > 254. */
		if (plen + 2 > SMTP_PATH_MAX) {
			*err = "address too long";
			return SMTP_PATH_SYNTAX;
		}
		memcpy(out->addr, r.buf + astart, plen);
		out->addr[plen] = '\0';
		r.off++;
	}
params:
	/* The whole path, route included, is capped too. */
	if (r.off - start > SMTP_PATH_MAX) {
		*err = "path too long";
		return SMTP_PATH_SYNTAX;
	}
	return smtp_rd_params(&r, kind, out, err);
}

int
smtp_data_line(const char *line, size_t len, const char **out,
    size_t *outlen)
{
	if (len == 1 && line[0] == '.')
		return 1;
	/* RFC 5321 4.5.2: the sender doubled every leading dot. */
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	*out = line;
	*outlen = len;
	return 0;
}
