/* classify.c -- what kind of backscatter one trap transaction was. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "trap/classify.h"
#include "trap/mime_parse.h"

/*
 * RFC 5322 2.1.1 allows 998 octets a line, and a folded field more. We
 * keep the first 512 octets of the fields we look at: the patterns are
 * all near the start, and the excerpt shows less than that.
 */
#define CLASSIFY_FIELD_MAX	512
/*
 * The notification text searched for phrases: the first 8 KiB, after
 * transfer decoding. Every phrase we know stands in the opening lines;
 * reading further would only reach the returned message.
 */
#define CLASSIFY_TEXT_MAX	8192
/* Decoding scratch for a base64 or quoted-printable part. */
#define CLASSIFY_DECODE_MAX	8192
/*
 * Header values that name the sending software ("hints"), one line
 * each, lowercased. Only the topmost Received fields are the bouncer's
 * own; older ones may be a relay's.
 */
#define CLASSIFY_HINTS_MAX	6144
#define CLASSIFY_HINT_LINE_MAX	300
#define CLASSIFY_RECEIVED_MAX	8
/* Room per excerpt value, escapes included; all of them fit together. */
#define CLASSIFY_X_SUBJECT	200
#define CLASSIFY_X_SHORT	40
#define CLASSIFY_X_MEDIUM	120
#define CLASSIFY_X_DIAG		280

static const char *const classify_builtin_senders[] = {
	"postmaster", "double-bounce", "mailer-daemon",
};
#define CLASSIFY_NBUILTIN \
	(sizeof(classify_builtin_senders) / sizeof(classify_builtin_senders[0]))

#define CLASSIFY_N(a)	(sizeof(a) / sizeof((a)[0]))

/* A kept field value: bytes, not a C string (it may hold a NUL). */
struct classify_val {
	size_t		 len;
	char		 buf[CLASSIFY_FIELD_MAX];
};

#define CLASSIFY_F_AUTOREPLY	0x01	/* X-Autoreply and the like */
#define CLASSIFY_F_CHALLENGE	0x02	/* TMDA, X-Challenge, BoxTrapper */

/* The software we can name; the order is the priority of the guess. */
enum classify_mta {
	CLASSIFY_MTA_GMAIL,
	CLASSIFY_MTA_EXCHANGE,
	CLASSIFY_MTA_ZIMBRA,
	CLASSIFY_MTA_MDAEMON,
	CLASSIFY_MTA_HMAILSERVER,
	CLASSIFY_MTA_KERIO,
	CLASSIFY_MTA_DOMINO,
	CLASSIFY_MTA_EXIM,
	CLASSIFY_MTA_POSTFIX,
	CLASSIFY_MTA_QMAIL,
	CLASSIFY_MTA_SENDMAIL,
	CLASSIFY_NMTA
};

static const char *const classify_mta_names[CLASSIFY_NMTA] = {
	"gmail", "exchange", "zimbra", "mdaemon", "hmailserver", "kerio",
	"domino", "exim", "postfix", "qmail", "sendmail",
};

/*
 * A text searched for many phrases, with the set of its byte pairs
 * hashed into 1,024 bits. A phrase with a pair the text lacks cannot
 * occur in it, which rules out most of the ~150 phrases of a message
 * before any search. For two lowercase letters the hash has no
 * collisions.
 */
#define CLASSIFY_GRAM_BITS	1024

struct classify_hay {
	const char	*s;
	size_t		 n;
	uint64_t	 grams[CLASSIFY_GRAM_BITS / 64];
};

/* What one message told us; filled in by one pass over it. */
struct classify_facts {
	int			 daemon_sender;	/* <> or a probe local part */
	struct classify_val	 subject;	/* decoded, unfolded */
	struct classify_val	 subject_lc;	/* lowercased, for matching */
	struct classify_val	 auto_submitted;
	struct classify_val	 x_mailer;
	struct classify_val	 precedence;
	unsigned int		 flags;		/* CLASSIFY_F_* */
	size_t			 nreceived;
	int			 dsn;		/* delivery-status report */
	int			 mdn;		/* disposition notification */
	int			 have_dsn_fields;
	struct classify_val	 status;
	struct classify_val	 action;
	struct classify_val	 reporting_mta;
	struct classify_val	 diagnostic;
	int			 have_text;
	int			 text_is_html;
	int			 past_notice;	/* met the returned message */
	int			 seen_subject;
	size_t			 textlen;
	char			 text[CLASSIFY_TEXT_MAX];
	size_t			 hintslen;
	char			 hints[CLASSIFY_HINTS_MAX];
	char			 scratch[CLASSIFY_DECODE_MAX];
	/* Set once the message is read, for the phrase search. */
	struct classify_hay	 in_subject;
	struct classify_hay	 in_text;
	struct classify_hay	 in_hints;
};

static char
classify_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 if b[0..n) equals the C string s, ignoring ASCII case. */
static int
classify_eq(const char *b, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(b, s, n) == 0;
}

/*
 * Where needle[0..k) first occurs in hay[0..n), or NULL. memmem() is a
 * GNU extension our feature macros do not expose. memchr finds each
 * candidate; with at most CLASSIFY_TEXT_MAX bytes of haystack and short
 * needles the naive comparison is cheap enough.
 */
static const char *
classify_find(const char *hay, size_t n, const char *needle, size_t k)
{
	const char *p = hay, *end = hay + n;

	if (k == 0)
		return hay;
	while ((size_t)(end - p) >= k &&
	    (p = memchr(p, needle[0], (size_t)(end - p) - k + 1)) != NULL) {
		/* Most candidates differ at once: no call for them. */
		if ((k == 1 || p[1] == needle[1]) && memcmp(p, needle, k) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* 1 if the lowercase needle occurs in hay[0..n). */
static int
classify_has(const char *hay, size_t n, const char *needle)
{
	return classify_find(hay, n, needle, strlen(needle)) != NULL;
}

/* 1 if hay[0..n) starts with the lowercase needle. */
static int
classify_starts(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	return k <= n && memcmp(hay, needle, k) == 0;
}

static unsigned int
classify_gram(char a, char b)
{
	return ((unsigned int)(unsigned char)a * 33u +
	    (unsigned char)b) % CLASSIFY_GRAM_BITS;
}

static void
classify_hay_init(struct classify_hay *h, const char *s, size_t n)
{
	unsigned int g;

	h->s = s;
	h->n = n;
	memset(h->grams, 0, sizeof(h->grams));
	for (size_t i = 0; i + 1 < n; i++) {
		g = classify_gram(s[i], s[i + 1]);
		h->grams[g / 64] |= UINT64_C(1) << (g % 64);
	}
}

/*
 * 1 if the lowercase needle occurs in the hay. The needle's byte pairs
 * at even offsets are looked up first (a step of two never passes its
 * NUL); a pair the hay lacks settles it.
 */
static int
classify_hay_has(const struct classify_hay *h, const char *needle)
{
	unsigned int g;
	size_t i;

	for (i = 0; needle[i] != '\0' && needle[i + 1] != '\0'; i += 2) {
		g = classify_gram(needle[i], needle[i + 1]);
		if ((h->grams[g / 64] & (UINT64_C(1) << (g % 64))) == 0)
			return 0;
	}
	return classify_has(h->s, h->n, needle);
}

static void
classify_val_unfold(struct classify_val *v, const struct mime_hdr *h)
{
	v->len = mime_unfold(h->value, h->valuelen, v->buf, sizeof(v->buf));
}

/*
 * The first token of a value, to compare with a keyword: RFC 3834 5
 * "auto-replied; owner-email=..." and "Precedence: junk (vacation)".
 */
static size_t
classify_token_len(const struct classify_val *v)
{
	size_t i;

	for (i = 0; i < v->len; i++)
		if (v->buf[i] == ';' || v->buf[i] == ' ' || v->buf[i] == '(')
			break;
	return i;
}

/* The name of probe sender i, or NULL (see classify.h about names[]). */
static const char *
classify_sender(const struct classify_config *cfg, size_t i)
{
	if (cfg->names[i][0] != '\0')
		return cfg->names[i];
	return cfg->senders[i];
}

/*
 * Finds the probe sender name that the local part of mail_from is, or
 * NULL. The local part is what precedes the last "@" (all of it if there
 * is none), without the quotes of a quoted-string. With no configured
 * list, or when builtin is set, the built-in names count too.
 */
static const char *
classify_probe_sender(const struct classify_config *cfg,
    const char *mail_from, int builtin)
{
	const char *at, *name;
	size_t n, nsenders = 0;

	at = strrchr(mail_from, '@');
	n = at != NULL ? (size_t)(at - mail_from) : strlen(mail_from);
	if (n >= 2 && mail_from[0] == '"' && mail_from[n - 1] == '"') {
		mail_from++;
		n -= 2;
	}
	if (cfg != NULL)
		nsenders = cfg->nsenders < CLASSIFY_SENDERS_MAX ?
		    cfg->nsenders : CLASSIFY_SENDERS_MAX;
	for (size_t i = 0; i < nsenders; i++) {
		name = classify_sender(cfg, i);
		if (name != NULL && classify_eq(mail_from, n, name))
			return name;
	}
	if (nsenders == 0 || builtin) {
		for (size_t i = 0; i < CLASSIFY_NBUILTIN; i++)
			if (classify_eq(mail_from, n,
			    classify_builtin_senders[i]))
				return classify_builtin_senders[i];
	}
	return NULL;
}

static int
classify_is_null_sender(const char *mail_from)
{
	return mail_from[0] == '\0' || strcmp(mail_from, "<>") == 0;
}

static void
classify_result_init(struct classify_result *res)
{
	memset(res, 0, sizeof(*res));
	res->class = HIT_OTHER;
}

/* RFC 5322 3.2.3 atext, which a probe sender's local part is made of. */
static int
classify_is_atext(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

int
classify_config_parse(struct classify_config *cfg, const char *list)
{
	size_t i = 0, start, n, k;

	memset(cfg, 0, sizeof(*cfg));
	if (list == NULL)
		return -1;
	for (;;) {
		while (list[i] == ',' || list[i] == ' ' || list[i] == '\t')
			i++;
		if (list[i] == '\0')
			break;
		start = i;
		while (list[i] != '\0' && list[i] != ',' && list[i] != ' ' &&
		    list[i] != '\t')
			i++;
		n = i - start;
		if (cfg->nsenders >= CLASSIFY_SENDERS_MAX ||
		    n > CLASSIFY_SENDER_MAX)
			goto fail;
		k = cfg->nsenders;
		for (size_t j = 0; j < n; j++) {
			if (!classify_is_atext(list[start + j]))
				goto fail;
			cfg->names[k][j] = classify_lower(list[start + j]);
		}
		cfg->names[k][n] = '\0';
		cfg->senders[k] = cfg->names[k];
		cfg->nsenders++;
	}
	if (cfg->nsenders == 0)
		goto fail;
	return 0;
fail:
	memset(cfg, 0, sizeof(*cfg));
	return -1;
}

void
classify_no_data(const struct classify_config *cfg, const char *mail_from,
    struct classify_result *res)
{
	const char *name;

	classify_result_init(res);
	if (mail_from == NULL)
		mail_from = "";
	if (classify_is_null_sender(mail_from)) {
		res->class = HIT_CALLOUT;
		snprintf(res->subclass, sizeof(res->subclass),
		    "callout/null-sender");
		return;
	}
	if ((name = classify_probe_sender(cfg, mail_from, 0)) != NULL) {
		res->class = HIT_CALLOUT;
		/* A hand-filled name too long for the subclass is cut. */
		snprintf(res->subclass, sizeof(res->subclass), "callout/%s",
		    name);
		for (char *p = res->subclass; *p != '\0'; p++)
			*p = classify_lower(*p);
		if (strcmp(res->subclass, "callout/double-bounce") == 0)
			snprintf(res->mta, sizeof(res->mta), "postfix");
		return;
	}
	snprintf(res->subclass, sizeof(res->subclass), "other/no-data");
}

/*
 * Appends "\nname: value" (lowercased, cut at CLASSIFY_HINT_LINE_MAX)
 * to the hints; with value NULL only "\nname:". Once the buffer is full
 * later hints are dropped: the fields that matter come first in mail.
 */
static void
classify_hint(struct classify_facts *f, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	char line[CLASSIFY_HINT_LINE_MAX];
	size_t n = 0;

	line[n++] = '\n';
	for (size_t i = 0; i < namelen && n < sizeof(line); i++)
		line[n++] = classify_lower(name[i]);
	if (n < sizeof(line))
		line[n++] = ':';
	if (value != NULL && n < sizeof(line))
		line[n++] = ' ';
	if (value != NULL)
		n += mime_unfold(value, valuelen, line + n, sizeof(line) - n);
	for (size_t i = 0; i < n; i++)
		line[i] = classify_lower(line[i]);
	if (sizeof(f->hints) - f->hintslen < n)
		return;
	memcpy(f->hints + f->hintslen, line, n);
	f->hintslen += n;
}

/* Top-level fields that may name the software, besides X- names. */
static const char *const classify_hint_fields[] = {
	"From", "Message-ID", "User-Agent",
};
static const char *const classify_x_hint_fields[] = {
	"X-Mailer", "X-MimeOLE", "X-MIMETrack", "X-Delivery-Agent",
};

/* Keeps the whole field as a hint if its name is one of names[0..n). */
static int
classify_hint_field(struct classify_facts *f, const struct mime_hdr *h,
    const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (mime_hdr_is(h, names[i])) {
			classify_hint(f, h->name, h->namelen, h->value,
			    h->valuelen);
			return 1;
		}
	}
	return 0;
}

/* A field whose name starts with X: marks of auto-replies and hints. */
static void
classify_x_header(struct classify_facts *f, const struct mime_hdr *h)
{
	if (mime_hdr_is(h, "X-Mailer") && f->x_mailer.len == 0)
		classify_val_unfold(&f->x_mailer, h);
	if (mime_hdr_is(h, "X-Autoreply") || mime_hdr_is(h, "X-Autorespond") ||
	    mime_hdr_is(h, "X-Autoresponder") ||
	    mime_hdr_is(h, "X-Autoreply-From")) {
		struct classify_val v;

		classify_val_unfold(&v, h);
		if (!classify_eq(v.buf, v.len, "no") &&
		    !classify_eq(v.buf, v.len, "false"))
			f->flags |= CLASSIFY_F_AUTOREPLY;
	}
	/* Novell GroupWise marks its auto-replies "X-Autogenerated: Reply". */
	if (mime_hdr_is(h, "X-Autogenerated")) {
		struct classify_val v;

		classify_val_unfold(&v, h);
		if (classify_eq(v.buf, v.len, "reply"))
			f->flags |= CLASSIFY_F_AUTOREPLY;
	}
	if (mime_hdr_is(h, "X-Delivery-Agent")) {
		struct classify_val v;

		classify_val_unfold(&v, h);
		for (size_t i = 0; i < v.len; i++)
			v.buf[i] = classify_lower(v.buf[i]);
		if (classify_has(v.buf, v.len, "tmda"))
			f->flags |= CLASSIFY_F_CHALLENGE;
	}
	if ((h->namelen >= 11 &&
	    strncasecmp(h->name, "X-Challenge", 11) == 0) ||
	    (h->namelen >= 12 &&
	    strncasecmp(h->name, "X-BoxTrapper", 12) == 0))
		f->flags |= CLASSIFY_F_CHALLENGE;
	if (classify_hint_field(f, h, classify_x_hint_fields,
	    CLASSIFY_N(classify_x_hint_fields)))
		return;
	if (h->namelen > 2 && h->name[1] == '-')
		classify_hint(f, h->name, h->namelen, NULL, 0);
}

/*
 * One top-level field. Only the first Subject, Auto-Submitted, X-Mailer
 * and Precedence count: a second one is an oddity, and the first is what
 * most readers show. The first letter sorts out most fields at once.
 */
static void
classify_header(void *arg, const struct mime_hdr *h)
{
	struct classify_facts *f = arg;
	char raw[CLASSIFY_FIELD_MAX];
	size_t n;

	switch (classify_lower(h->name[0])) {
	case 's':
		if (!mime_hdr_is(h, "Subject") || f->seen_subject)
			return;
		f->seen_subject = 1;
		n = mime_unfold(h->value, h->valuelen, raw, sizeof(raw));
		f->subject.len = mime_decode_words(raw, n, f->subject.buf,
		    sizeof(f->subject.buf));
		for (size_t i = 0; i < f->subject.len; i++)
			f->subject_lc.buf[i] =
			    classify_lower(f->subject.buf[i]);
		f->subject_lc.len = f->subject.len;
		return;
	case 'a':
		if (mime_hdr_is(h, "Auto-Submitted") &&
		    f->auto_submitted.len == 0)
			classify_val_unfold(&f->auto_submitted, h);
		return;
	case 'p':
		if (mime_hdr_is(h, "Precedence") && f->precedence.len == 0)
			classify_val_unfold(&f->precedence, h);
		return;
	case 'r':
		if (mime_hdr_is(h, "Received") &&
		    f->nreceived++ < CLASSIFY_RECEIVED_MAX)
			classify_hint(f, h->name, h->namelen, h->value,
			    h->valuelen);
		return;
	case 'x':
		classify_x_header(f, h);
		return;
	default:
		(void)classify_hint_field(f, h, classify_hint_fields,
		    CLASSIFY_N(classify_hint_fields));
		return;
	}
}

/*
 * The part's body after transfer decoding: the span itself, or the
 * first CLASSIFY_DECODE_MAX bytes of it decoded into f->scratch.
 */
static const char *
classify_body(struct classify_facts *f, const struct mime_part *p,
    size_t *len)
{
	if (p->cte == MIME_CTE_IDENTITY) {
		*len = p->bodylen;
		return p->body;
	}
	*len = mime_decode_body(p->cte, p->body, p->bodylen, f->scratch,
	    sizeof(f->scratch));
	return f->scratch;
}

/*
 * The fields of a message/delivery-status part (RFC 3464 2.1): blocks of
 * header-like fields, the per-message one first, then one per recipient.
 * The first Reporting-MTA, Status, Action and Diagnostic-Code are kept;
 * recipients (Final-Recipient, Original-Recipient) never are. An
 * X-Postfix-* field names the software.
 */
static void
classify_dsn_fields(struct classify_facts *f, const struct mime_part *p)
{
	struct mime_hdrs it;
	struct mime_hdr h;
	const char *b, *lf;
	size_t n, off = 0;

	b = classify_body(f, p, &n);
	f->have_dsn_fields = 1;
	while (off < n) {
		mime_hdrs_init(&it, b + off, n - off);
		while (mime_hdrs_next(&it, &h)) {
			if (mime_hdr_is(&h, "Reporting-MTA")) {
				if (f->reporting_mta.len == 0) {
					classify_val_unfold(&f->reporting_mta,
					    &h);
					classify_hint(f, h.name, h.namelen,
					    h.value, h.valuelen);
				}
			} else if (mime_hdr_is(&h, "Status")) {
				if (f->status.len == 0)
					classify_val_unfold(&f->status, &h);
			} else if (mime_hdr_is(&h, "Action")) {
				if (f->action.len == 0)
					classify_val_unfold(&f->action, &h);
			} else if (mime_hdr_is(&h, "Diagnostic-Code")) {
				if (f->diagnostic.len == 0)
					classify_val_unfold(&f->diagnostic, &h);
			} else if (h.namelen > 2 &&
			    strncasecmp(h.name, "X-", 2) == 0)
				classify_hint(f, h.name, h.namelen, NULL, 0);
		}
		if (it.off > 0) {
			off += it.off;
			continue;
		}
		/* A line that is no field: step over it, so we progress. */
		lf = memchr(b + off, '\n', n - off);
		off = lf != NULL ? (size_t)(lf - b) + 1 : n;
	}
}

/*
 * Where a returned message starts inside a plain-text notice (qmail,
 * Exim, old Sendmail, Outlook forwards): the search for phrases stops
 * there, as the spam's own words are no evidence.
 */
static const char *const classify_text_ends[] = {
	"--- below this line is a copy of the message",
	"------ this is a copy of the message",
	"----- original message follows -----",
	"----- unsent message follows -----",
	"--- original message ---",
	"-----original message-----",
};

/*
 * Copies the notification text into f->text for matching: lowercased,
 * each run of white space as one space, and for HTML the tags left out.
 * Then the text is cut where a returned message begins.
 */
static void
classify_take_text(struct classify_facts *f, const struct mime_part *p,
    int html)
{
	const char *b, *end;
	size_t n, o = 0;
	int space = 0, tag = 0;

	b = classify_body(f, p, &n);
	for (size_t i = 0; i < n && o < sizeof(f->text); i++) {
		char c = b[i];

		if (html && tag) {
			if (c == '>')
				tag = 0;
			continue;
		}
		if (html && c == '<') {
			tag = 1;
			space = o > 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = o > 0;
			continue;
		}
		if (space) {
			f->text[o++] = ' ';
			space = 0;
			if (o >= sizeof(f->text))
				break;
		}
		f->text[o++] = classify_lower(c);
	}
	f->textlen = o;
	for (size_t i = 0; i < sizeof(classify_text_ends) /
	    sizeof(classify_text_ends[0]); i++) {
		end = classify_find(f->text, f->textlen, classify_text_ends[i],
		    strlen(classify_text_ends[i]));
		if (end != NULL)
			f->textlen = (size_t)(end - f->text);
	}
	f->have_text = 1;
	f->text_is_html = html;
}

/*
 * mime_walk callback: notes report types, reads the delivery-status
 * fields, and takes the first text part (plain preferred to HTML) that
 * comes before any returned message.
 */
static int
classify_part(void *arg, const struct mime_part *p)
{
	struct classify_facts *f = arg;
	const char *t = p->ct.type;

	if (strcmp(t, "multipart/report") == 0) {
		/* RFC 6522 3; RFC 6533 for the internationalised kinds. */
		if (strcmp(p->ct.report_type, "delivery-status") == 0 ||
		    strcmp(p->ct.report_type, "global-delivery-status") == 0)
			f->dsn = 1;
		else if (strcmp(p->ct.report_type,
		    "disposition-notification") == 0 ||
		    strcmp(p->ct.report_type,
		    "global-disposition-notification") == 0)
			f->mdn = 1;
		return 0;
	}
	if (strcmp(t, "message/delivery-status") == 0 ||
	    strcmp(t, "message/global-delivery-status") == 0) {
		f->dsn = 1;
		f->past_notice = 1;
		if (!f->have_dsn_fields)
			classify_dsn_fields(f, p);
		return 0;
	}
	if (strcmp(t, "message/disposition-notification") == 0 ||
	    strcmp(t, "message/global-disposition-notification") == 0) {
		f->mdn = 1;
		f->past_notice = 1;
		return 0;
	}
	if (strncmp(t, "message/", 8) == 0 ||
	    strcmp(t, "text/rfc822-headers") == 0 ||
	    strcmp(t, "text/global-headers") == 0) {
		f->past_notice = 1;
		return 0;
	}
	if (f->past_notice)
		return 0;
	if (strcmp(t, "text/plain") == 0 && (!f->have_text || f->text_is_html))
		classify_take_text(f, p, 0);
	else if (strcmp(t, "text/html") == 0 && !f->have_text)
		classify_take_text(f, p, 1);
	return 0;
}

/* Where a phrase is looked for. */
enum classify_where {
	CLASSIFY_SUBJECT_START,		/* the subject begins with it */
	CLASSIFY_SUBJECT,		/* anywhere in the subject */
	CLASSIFY_TEXT,			/* in the notification text */
	CLASSIFY_ANY,			/* subject or text */
};

/*
 * A phrase that marks a kind of message. A weak one counts only with
 * other signs of an automatic sender (classify_auto_evidence): alone it
 * could as well be spam that imitates a notice. Phrases are lowercase.
 */
struct classify_phrase {
	enum classify_where	 where;
	int			 weak;
	const char		*text;
	const char		*also;	/* must occur too, or NULL */
};

static const struct classify_phrase classify_virus[] = {
	{ CLASSIFY_ANY, 0, "your message contained a virus", NULL },
	{ CLASSIFY_ANY, 0, "virus found in sent message", NULL },
	/* amavisd-new: "VIRUS (Eicar-Test-Signature) IN MAIL FROM YOU" */
	{ CLASSIFY_SUBJECT_START, 0, "virus (", ") in mail from you" },
	{ CLASSIFY_SUBJECT_START, 1, "virus", NULL },
	{ CLASSIFY_ANY, 1, "virus found in", NULL },
	{ CLASSIFY_ANY, 1, "virus detected", NULL },
	{ CLASSIFY_ANY, 1, "a virus was found", NULL },
	{ CLASSIFY_ANY, 1, "contained a virus", NULL },
	{ CLASSIFY_ANY, 1, "contains a virus", NULL },
	{ CLASSIFY_ANY, 1, "infected with a virus", NULL },
	{ CLASSIFY_ANY, 1, "virus alert", NULL },
	{ CLASSIFY_ANY, 1, "virus notification", NULL },
};

static const struct classify_phrase classify_ndr[] = {
	/* The default subjects of the common MTAs. */
	{ CLASSIFY_SUBJECT_START, 0, "undelivered mail returned to sender",
	    NULL },
	{ CLASSIFY_SUBJECT_START, 0, "mail delivery failed", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "delivery status notification (failure)",
	    NULL },
	{ CLASSIFY_SUBJECT_START, 0, "undeliverable:", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "failure notice", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "returned mail: see transcript", NULL },
	/* Their opening sentences. */
	{ CLASSIFY_TEXT, 0, "this is the qmail-send program", NULL },
	{ CLASSIFY_TEXT, 0,
	    "the following addresses had permanent fatal errors", NULL },
	{ CLASSIFY_TEXT, 0, "delivery has failed to these recipients or groups",
	    NULL },
	{ CLASSIFY_TEXT, 0,
	    "this message was created automatically by mail delivery software",
	    NULL },
	{ CLASSIFY_TEXT, 0, "delivery to the following recipient failed",
	    NULL },
	{ CLASSIFY_TEXT, 0, "this is the mail system at host", NULL },
	{ CLASSIFY_TEXT, 0, "had permanent fatal delivery errors", NULL },
	{ CLASSIFY_TEXT, 0,
	    "did not reach some or all of the intended recipients", NULL },
	/* Generic or translated wording: only from an automatic sender. */
	{ CLASSIFY_SUBJECT_START, 1, "delivery status notification", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "returned mail", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "undeliverable", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "undelivered", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "message undeliverable", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "message not delivered", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "mail delivery failure", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "delivery failure", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "permanent delivery failure", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "delivery notification", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "non-delivery", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "nondeliverable", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "mail system error", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "warning: could not send message", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "unable to deliver", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "unzustellbar", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "nicht zustellbar", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "non remis", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "non distribuable", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "non recapitabile", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "no se puede entregar", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "onbestelbaar", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "olevererbart", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "kan ikke leveres", NULL },
	{ CLASSIFY_TEXT, 1, "could not be delivered", NULL },
	{ CLASSIFY_TEXT, 1, "was not delivered", NULL },
	{ CLASSIFY_TEXT, 1, "was undeliverable", NULL },
	{ CLASSIFY_TEXT, 1, "delivery failed", NULL },
	{ CLASSIFY_TEXT, 1, "transcript of session follows", NULL },
	{ CLASSIFY_TEXT, 1, "the original message was received at", NULL },
	{ CLASSIFY_TEXT, 1, "could not be reached", NULL },
	{ CLASSIFY_TEXT, 1, "user unknown", NULL },
	{ CLASSIFY_TEXT, 1, "no such user", NULL },
	{ CLASSIFY_TEXT, 1, "mailbox unavailable", NULL },
	{ CLASSIFY_TEXT, 1, "recipient address rejected", NULL },
};

static const struct classify_phrase classify_challenge[] = {
	/* cPanel BoxTrapper and TMDA. */
	{ CLASSIFY_ANY, 0, "your email requires verification", NULL },
	{ CLASSIFY_ANY, 0, "please confirm your message", NULL },
	{ CLASSIFY_ANY, 1, "challenge-response", NULL },
	{ CLASSIFY_ANY, 1, "please verify your email", NULL },
	{ CLASSIFY_ANY, 1, "confirm that you are a human", NULL },
};

static const struct classify_phrase classify_vacation[] = {
	/* Outlook, Gmail, Thunderbird and friends, in a few languages. */
	{ CLASSIFY_SUBJECT_START, 0, "out of office", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "out of the office", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "auto reply", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "auto-reply", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "autoreply", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "auto response", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "auto-response", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "on vacation", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "abwesend", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "afwezig", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "autosvar", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "automatisch antwoord", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "resposta autom\xc3\xa1tica", NULL },
	{ CLASSIFY_SUBJECT_START, 0, "automaattinen vastaus", NULL },
	{ CLASSIFY_SUBJECT, 0, "out of office", NULL },
	{ CLASSIFY_SUBJECT, 0, "automatic reply", NULL },
	{ CLASSIFY_SUBJECT, 0, "automatische antwort", NULL },
	{ CLASSIFY_SUBJECT, 0, "abwesenheitsnotiz", NULL },
	{ CLASSIFY_SUBJECT, 0, "r\xc3\xa9ponse automatique", NULL },
	{ CLASSIFY_SUBJECT, 0, "respuesta autom\xc3\xa1tica", NULL },
	{ CLASSIFY_SUBJECT, 0, "risposta automatica", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "vacation", NULL },
	{ CLASSIFY_SUBJECT_START, 1, "away", NULL },
	{ CLASSIFY_TEXT, 1, "out of the office", NULL },
	{ CLASSIFY_TEXT, 1, "out of office", NULL },
	{ CLASSIFY_TEXT, 1, "i am on vacation", NULL },
	{ CLASSIFY_TEXT, 1, "i'm on vacation", NULL },
	{ CLASSIFY_TEXT, 1, "i am away", NULL },
	{ CLASSIFY_TEXT, 1, "this is an automatic reply", NULL },
	{ CLASSIFY_TEXT, 1, "this is an automated reply", NULL },
	{ CLASSIFY_TEXT, 1, "ich bin bis", NULL },
	{ CLASSIFY_TEXT, 1, "nicht im b\xc3\xbcro", NULL },
	{ CLASSIFY_TEXT, 1, "je suis absent", NULL },
	{ CLASSIFY_TEXT, 1, "fuera de la oficina", NULL },
	{ CLASSIFY_TEXT, 1, "fuori ufficio", NULL },
	{ CLASSIFY_TEXT, 1, "ik ben afwezig", NULL },
};


/*
 * Signs that a machine wrote the message: a null or daemon envelope
 * sender (RFC 5321 4.5.5 wants <> for notices), RFC 3834 fields, the
 * traditional Precedence of vacation(1), or a report.
 */
static int
classify_auto_evidence(const struct classify_facts *f)
{
	const struct classify_val *p = &f->precedence;
	size_t n;

	if (f->daemon_sender || f->dsn || f->mdn ||
	    (f->flags & CLASSIFY_F_AUTOREPLY))
		return 1;
	n = classify_token_len(&f->auto_submitted);
	if (n > 0 && !classify_eq(f->auto_submitted.buf, n, "no"))
		return 1;
	/*
	 * vacation(1) sends "Precedence: junk". "bulk" and "list" are left
	 * out: every newsletter carries them.
	 */
	n = classify_token_len(p);
	return classify_eq(p->buf, n, "junk") ||
	    classify_eq(p->buf, n, "auto_reply");
}

static int
classify_phrase_in(const struct classify_phrase *ph,
    const struct classify_hay *h, int start)
{
	if (start ? !classify_starts(h->s, h->n, ph->text) :
	    !classify_hay_has(h, ph->text))
		return 0;
	return ph->also == NULL || classify_hay_has(h, ph->also);
}

/* 1 if any phrase of the table matches (weak ones only if weak_ok). */
static int
classify_match(const struct classify_facts *f,
    const struct classify_phrase *tab, size_t n, int weak_ok)
{
	for (size_t i = 0; i < n; i++) {
		const struct classify_phrase *ph = &tab[i];

		if (ph->weak && !weak_ok)
			continue;
		if (ph->where == CLASSIFY_SUBJECT_START &&
		    classify_phrase_in(ph, &f->in_subject, 1))
			return 1;
		if ((ph->where == CLASSIFY_SUBJECT ||
		    ph->where == CLASSIFY_ANY) &&
		    classify_phrase_in(ph, &f->in_subject, 0))
			return 1;
		if ((ph->where == CLASSIFY_TEXT || ph->where == CLASSIFY_ANY) &&
		    classify_phrase_in(ph, &f->in_text, 0))
			return 1;
	}
	return 0;
}

/*
 * Where an MTA hint is looked for. Product names are not looked for in
 * the subject: a notice quotes the spam's subject, and phishing loves
 * "Zimbra" and "Exchange" there. Only the MTAs' own default subjects
 * count, at the start.
 */
enum classify_hint_where {
	CLASSIFY_IN_HINTS,
	CLASSIFY_IN_TEXT,
	CLASSIFY_IN_SUBJECT,		/* the subject starts with it */
};

static const struct classify_mta_rule {
	enum classify_mta		 mta;
	enum classify_hint_where	 where;
	const char			*text;
} classify_mta_rules[] = {
	{ CLASSIFY_MTA_GMAIL, CLASSIFY_IN_HINTS, "mx.google.com" },
	{ CLASSIFY_MTA_GMAIL, CLASSIFY_IN_HINTS, "googlemail.com" },
	{ CLASSIFY_MTA_GMAIL, CLASSIFY_IN_HINTS, "\nx-gm-" },
	{ CLASSIFY_MTA_GMAIL, CLASSIFY_IN_HINTS, "\nx-google-" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_HINTS, "\nx-ms-exchange-" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_HINTS, "microsoft smtp server" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_HINTS, "microsoft exchange" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_HINTS, "microsoftexchange" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_HINTS, ".outlook.com" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_TEXT, "microsoft exchange" },
	{ CLASSIFY_MTA_EXCHANGE, CLASSIFY_IN_TEXT,
	    "delivery has failed to these recipients or groups" },
	{ CLASSIFY_MTA_ZIMBRA, CLASSIFY_IN_HINTS, "zimbra" },
	{ CLASSIFY_MTA_MDAEMON, CLASSIFY_IN_HINTS, "mdaemon" },
	{ CLASSIFY_MTA_MDAEMON, CLASSIFY_IN_HINTS, "\nx-mdremoteip" },
	{ CLASSIFY_MTA_MDAEMON, CLASSIFY_IN_TEXT,
	    "had permanent fatal delivery errors" },
	{ CLASSIFY_MTA_HMAILSERVER, CLASSIFY_IN_HINTS, "hmailserver" },
	{ CLASSIFY_MTA_HMAILSERVER, CLASSIFY_IN_TEXT, "hmailserver" },
	{ CLASSIFY_MTA_KERIO, CLASSIFY_IN_HINTS, "kerio" },
	{ CLASSIFY_MTA_KERIO, CLASSIFY_IN_TEXT, "kerio connect" },
	{ CLASSIFY_MTA_DOMINO, CLASSIFY_IN_HINTS, "\nx-mimetrack" },
	{ CLASSIFY_MTA_DOMINO, CLASSIFY_IN_HINTS, "domino" },
	{ CLASSIFY_MTA_DOMINO, CLASSIFY_IN_TEXT, "domino directory" },
	{ CLASSIFY_MTA_DOMINO, CLASSIFY_IN_TEXT, "lotus domino" },
	{ CLASSIFY_MTA_EXIM, CLASSIFY_IN_HINTS, "\nx-failed-recipients" },
	{ CLASSIFY_MTA_EXIM, CLASSIFY_IN_HINTS, "exim" },
	{ CLASSIFY_MTA_EXIM, CLASSIFY_IN_SUBJECT,
	    "mail delivery failed: returning message to sender" },
	{ CLASSIFY_MTA_EXIM, CLASSIFY_IN_TEXT,
	    "a message that you sent could not be delivered to one or more" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_HINTS, "\nx-postfix-" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_HINTS, "(postfix)" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_HINTS, "(postfix, from userid" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_HINTS, "(mail delivery system)" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_SUBJECT,
	    "undelivered mail returned to sender" },
	{ CLASSIFY_MTA_POSTFIX, CLASSIFY_IN_TEXT,
	    "this is the mail system at host" },
	{ CLASSIFY_MTA_QMAIL, CLASSIFY_IN_HINTS, "qmail" },
	{ CLASSIFY_MTA_QMAIL, CLASSIFY_IN_SUBJECT, "failure notice" },
	{ CLASSIFY_MTA_QMAIL, CLASSIFY_IN_TEXT, "qmail-send" },
	{ CLASSIFY_MTA_SENDMAIL, CLASSIFY_IN_HINTS, "sendmail" },
	{ CLASSIFY_MTA_SENDMAIL, CLASSIFY_IN_HINTS, "mail delivery subsystem" },
	{ CLASSIFY_MTA_SENDMAIL, CLASSIFY_IN_SUBJECT,
	    "returned mail: see transcript" },
	{ CLASSIFY_MTA_SENDMAIL, CLASSIFY_IN_TEXT,
	    "transcript of session follows" },
	{ CLASSIFY_MTA_SENDMAIL, CLASSIFY_IN_TEXT,
	    "following addresses had permanent fatal errors" },
};

/*
 * Sendmail writes its version twice in Received, "(8.17.1/8.17.1)": an
 * "(8." then digits and dots, a "/" and "8." again.
 */
static int
classify_sendmail_version(const char *s, size_t n)
{
	const char *p;
	size_t i;

	while ((p = classify_find(s, n, "(8.", 3)) != NULL) {
		i = (size_t)(p - s) + 3;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			i++;
		// cppcheck-suppress knownConditionTrueFalse ; i <= n, and n - i is anything from 0 to n
		if (n - i >= 3 && s[i] == '/' && s[i + 1] == '8' &&
		    s[i + 2] == '.')
			return 1;
		n -= (size_t)(p - s) + 3;
		s = p + 3;
	}
	return 0;
}

/* The highest-priority software with a hint, or "". */
static const char *
classify_guess_mta(const struct classify_facts *f)
{
	unsigned int seen = 0;

	for (size_t i = 0; i < CLASSIFY_N(classify_mta_rules); i++) {
		const struct classify_mta_rule *r = &classify_mta_rules[i];

		switch (r->where) {
		case CLASSIFY_IN_HINTS:
			if (classify_hay_has(&f->in_hints, r->text))
				seen |= 1u << r->mta;
			break;
		case CLASSIFY_IN_TEXT:
			if (classify_hay_has(&f->in_text, r->text))
				seen |= 1u << r->mta;
			break;
		case CLASSIFY_IN_SUBJECT:
			if (classify_starts(f->subject_lc.buf,
			    f->subject_lc.len, r->text))
				seen |= 1u << r->mta;
			break;
		}
	}
	if (classify_sendmail_version(f->hints, f->hintslen))
		seen |= 1u << CLASSIFY_MTA_SENDMAIL;
	for (unsigned int m = 0; m < CLASSIFY_NMTA; m++)
		if (seen & (1u << m))
			return classify_mta_names[m];
	return "";
}

/*
 * A neighbour that leaves an "@" alone: a delimiter that the excerpt
 * shows as itself. A line end becomes "\x0a" there, and an "@" next to
 * that, or glued to the address just before it, reads as part of one.
 */
static int
classify_lone_side(char c)
{
	return c != '\0' && c != '\r' && c != '\n' &&
	    strchr(" \t<>()[],;:\"", c) != NULL;
}

/*
 * Copies in[0..n) to out with every e-mail address replaced by
 * "[address]", so that no recipient, and so no trap address, reaches an
 * excerpt. Anything around an "@" that is not a delimiter counts: a
 * false positive costs a few words of evidence, a miss a trap address.
 * A quoted local part ("a b"@x) goes with its quotes. Returns the bytes
 * written; the output is cut short at outsize.
 */
static size_t
classify_redact(const char *in, size_t n, char *out, size_t outsize)
{
	static const char delim[] = " \t\r\n<>()[],;:\"";
	static const char mark[] = "[address]";
	size_t i = 0, o = 0, l, r, k;

	while (i < n) {
		const char *at = memchr(in + i, '@', n - i);
		size_t a = at != NULL ? (size_t)(at - in) : n;

		/* Find the local part's start, at most back to i. */
		l = a;
		if (a < n) {
			if (l > i && in[l - 1] == '"') {
				for (k = l - 1; k > i && in[k - 1] != '"'; k--)
					;
				l = k > i ? k - 1 : l;
			}
			while (l > i && (in[l - 1] == '\0' ||
			    strchr(delim, in[l - 1]) == NULL))
				l--;
		}
		k = l - i < outsize - o ? l - i : outsize - o;
		memcpy(out + o, in + i, k);
		o += k;
		if (a >= n)
			break;
		r = a + 1;
		if (r < n && in[r] == '[') {
			while (r < n && in[r] != ']')
				r++;
			if (r < n)
				r++;
		} else {
			while (r < n && (in[r] == '\0' ||
			    (strchr(delim, in[r]) == NULL && in[r] != '@')))
				r++;
			/*
			 * A sentence's full stop is not part of the domain,
			 * but "@." keeps its dot: a lone "@" is one with a
			 * delimiter on each side.
			 */
			while (r > a + 2 && in[r - 1] == '.')
				r--;
		}
		if (l == a && r == a + 1 &&
		    (a == 0 || classify_lone_side(in[a - 1])) &&
		    (r == n || classify_lone_side(in[r]))) {
			if (o < outsize)
				out[o++] = '@';	/* a lone "@": no address */
		} else {
			for (k = 0; k < sizeof(mark) - 1 && o < outsize; k++)
				out[o++] = mark[k];
		}
		i = r;
	}
	return o;
}

/*
 * Length of a well-formed UTF-8 sequence at s[0..n) (RFC 3629 4: no
 * overlong forms, no surrogates, nothing past U+10FFFF) and its code
 * point, or 0 if the bytes are not one.
 */
static size_t
classify_utf8(const unsigned char *s, size_t n, unsigned int *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	*cp = k == 2 ? (c & 0x1fu) : k == 3 ? (c & 0x0fu) : (c & 0x07u);
	for (size_t i = 1; i < k; i++)
		*cp = *cp << 6 | (s[i] & 0x3fu);
	return k;
}

/*
 * Characters that are valid but would mislead a reader: C1 controls,
 * invisible and bidirectional formatting (the "Trojan Source" family),
 * line separators and the BOM.
 */
static int
classify_cp_hidden(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb);
}

/*
 * The printable form of the character at in[i]: itself if printable
 * ASCII or well-formed, visible UTF-8; "\\" for a backslash; "\xNN" for
 * a control or a byte that is not UTF-8; "\uNNNN" for a hidden code
 * point. Writes it to unit (at least 12 bytes) and returns its length;
 * *used is how many input bytes it stands for.
 */
static size_t
classify_escape_unit(const char *in, size_t n, size_t i, char *unit,
    size_t *used)
{
	unsigned char c = (unsigned char)in[i];
	unsigned int cp;
	size_t k;

	*used = 1;
	if (c == '\\') {
		memcpy(unit, "\\\\", 2);
		return 2;
	}
	if (c == '\t')
		c = ' ';
	if (c >= 0x20 && c < 0x7f) {
		unit[0] = (char)c;
		return 1;
	}
	if (c >= 0x80 && (k = classify_utf8((const unsigned char *)in + i,
	    n - i, &cp)) > 0) {
		*used = k;
		if (classify_cp_hidden(cp))
			return (size_t)snprintf(unit, 12, "\\u%04x", cp);
		memcpy(unit, in + i, k);
		return k;
	}
	return (size_t)snprintf(unit, 12, "\\x%02x", c);
}

/*
 * Writes the printable form of in[0..n) to out, at most cap bytes. If it
 * does not fit, whole characters are written while there is room for
 * "..." after them, then "...": never half an escape or half a UTF-8
 * sequence. Returns the length.
 */
static size_t
classify_escape(const char *in, size_t n, char *out, size_t cap)
{
	char unit[12];
	size_t i, o = 0, total = 0, used, u;
	unsigned char c;

	/*
	 * Printable ASCII but the backslash stands for itself: most bytes,
	 * and often all of them.
	 */
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			break;
	}
	if (i == n && n <= cap) {
		memcpy(out, in, n);
		return n;
	}
	for (i = 0; i < n; i += used) {
		c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			total++;
			used = 1;
		} else
			total += classify_escape_unit(in, n, i, unit, &used);
	}
	for (i = 0; i < n; i += used) {
		c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			unit[0] = (char)c;
			u = used = 1;
		} else
			u = classify_escape_unit(in, n, i, unit, &used);
		if (total > cap && o + u + 3 > cap)
			break;
		if (o + u > cap)
			break;
		if (u == 1)
			out[o] = unit[0];
		else
			memcpy(out + o, unit, u);
		o += u;
	}
	if (total > cap && cap >= 3 && o + 3 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	return o;
}

/*
 * Appends "Key: value\n" to the excerpt, the value redacted and escaped,
 * at most cap bytes of it; an empty value adds nothing. A line that
 * cannot get a few bytes of value is left out whole.
 */
static void
classify_excerpt_add(struct classify_result *res, size_t *off,
    const char *key, const char *val, size_t vlen, size_t cap)
{
	char red[CLASSIFY_FIELD_MAX];
	size_t klen = strlen(key), room, n;
	char *x = res->excerpt;

	if (vlen == 0)
		return;
	room = sizeof(res->excerpt) - 1 - *off;		/* the NUL */
	if (room < klen + 2 + 8 + 1)
		return;
	if (cap > room - klen - 2 - 1)
		cap = room - klen - 2 - 1;
	n = classify_redact(val, vlen, red, sizeof(red));
	memcpy(x + *off, key, klen);
	memcpy(x + *off + klen, ": ", 2);
	*off += klen + 2;
	*off += classify_escape(red, n, x + *off, cap);
	x[(*off)++] = '\n';
	x[*off] = '\0';
}

/* Copies the C string src into dst[size], cut short if need be. */
static void
classify_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
classify_set(struct classify_result *res, enum hit_class c, const char *sub)
{
	res->class = c;
	classify_copy(res->subclass, sizeof(res->subclass), sub);
}

/*
 * The precedence of classify.h, on the facts gathered: report structure
 * first (it cannot be mistaken), then phrases, then header marks.
 */
static void
classify_decide(const struct classify_facts *f, struct classify_result *res)
{
	int weak_ok = classify_auto_evidence(f);
	size_t n;

	if (f->dsn) {
		/*
		 * Only the strong phrases: a DSN relaying "550 message
		 * contains a virus" from the next hop is still a DSN.
		 */
		if (classify_match(f, classify_virus,
		    CLASSIFY_N(classify_virus), 0))
			classify_set(res, HIT_BOUNCE, "bounce/virus");
		else
			classify_set(res, HIT_BOUNCE, "bounce/dsn");
		return;
	}
	if (f->mdn) {
		classify_set(res, HIT_AUTOREPLY, "autoreply/mdn");
		return;
	}
	/*
	 * A challenge system's own header outranks the phrases: TMDA opens
	 * its request with the same sentence as Exim's bounces.
	 */
	if (f->flags & CLASSIFY_F_CHALLENGE) {
		classify_set(res, HIT_AUTOREPLY, "autoreply/challenge");
		return;
	}
	if (classify_match(f, classify_virus, CLASSIFY_N(classify_virus),
	    weak_ok)) {
		classify_set(res, HIT_BOUNCE, "bounce/virus");
		return;
	}
	if (classify_match(f, classify_ndr, CLASSIFY_N(classify_ndr),
	    weak_ok)) {
		classify_set(res, HIT_BOUNCE, "bounce/ndr");
		return;
	}
	if (classify_match(f, classify_challenge,
	    CLASSIFY_N(classify_challenge), weak_ok)) {
		classify_set(res, HIT_AUTOREPLY, "autoreply/challenge");
		return;
	}
	n = classify_token_len(&f->auto_submitted);
	if ((f->flags & CLASSIFY_F_AUTOREPLY) ||
	    classify_eq(f->auto_submitted.buf, n, "auto-replied") ||
	    classify_eq(f->precedence.buf, classify_token_len(&f->precedence),
	    "auto_reply") ||
	    classify_match(f, classify_vacation, CLASSIFY_N(classify_vacation),
	    weak_ok)) {
		classify_set(res, HIT_AUTOREPLY, "autoreply/vacation");
		return;
	}
	if (n > 0 && !classify_eq(f->auto_submitted.buf, n, "no")) {
		classify_set(res, HIT_AUTOREPLY, "autoreply/auto-submitted");
		return;
	}
	classify_set(res, HIT_OTHER, "other/spam");
}

/*
 * One walk over the MIME structure, which hands us the top-level fields
 * (for the marks and hints) on its way, then the report parts and the
 * notice's text; then the decision and the excerpt. Every read is
 * bounded by len.
 */
void
classify_message(const struct classify_config *cfg, const char *mail_from,
    const char *msg, size_t len, struct classify_result *res)
{
	struct classify_facts f;
	size_t off = 0;

	classify_result_init(res);
	if (msg == NULL)
		len = 0;
	if (mail_from == NULL)
		mail_from = "";
	memset(&f, 0, offsetof(struct classify_facts, text));
	f.textlen = 0;
	f.hintslen = 0;
	f.daemon_sender = classify_is_null_sender(mail_from) ||
	    classify_probe_sender(cfg, mail_from, 1) != NULL;

	(void)mime_walk_fields(msg, len, classify_header, classify_part, &f);
	classify_hay_init(&f.in_subject, f.subject_lc.buf, f.subject_lc.len);
	classify_hay_init(&f.in_text, f.text, f.textlen);
	classify_hay_init(&f.in_hints, f.hints, f.hintslen);

	classify_decide(&f, res);
	classify_copy(res->mta, sizeof(res->mta), classify_guess_mta(&f));

	classify_excerpt_add(res, &off, "Subject", f.subject.buf,
	    f.subject.len, CLASSIFY_X_SUBJECT);
	classify_excerpt_add(res, &off, "Status", f.status.buf, f.status.len,
	    CLASSIFY_X_SHORT);
	classify_excerpt_add(res, &off, "Action", f.action.buf, f.action.len,
	    CLASSIFY_X_SHORT);
	classify_excerpt_add(res, &off, "Reporting-MTA", f.reporting_mta.buf,
	    f.reporting_mta.len, CLASSIFY_X_MEDIUM);
	classify_excerpt_add(res, &off, "Diagnostic-Code", f.diagnostic.buf,
	    f.diagnostic.len, CLASSIFY_X_DIAG);
	classify_excerpt_add(res, &off, "Auto-Submitted", f.auto_submitted.buf,
	    f.auto_submitted.len, CLASSIFY_X_SHORT * 2);
	classify_excerpt_add(res, &off, "X-Mailer", f.x_mailer.buf,
	    f.x_mailer.len, CLASSIFY_X_MEDIUM);
	classify_excerpt_add(res, &off, "MTA", res->mta, strlen(res->mta),
	    CLASSIFY_X_SHORT);
}
