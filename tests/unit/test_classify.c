/* test_classify.c -- the trap's classifier: corpus, hostile mail, MIME. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "trap/classify.h"
#include "trap/mime_parse.h"

/* The corpus files are small; anything bigger is a mistake in the tree. */
#define TEST_MAIL_MAX	(256 * 1024)

/*
 * Reads tests/data/mail/name into a buffer of exactly its size, so ASan
 * catches a read one byte past the end. Caller frees. Skips the test when
 * the build did not say where the sources are.
 */
static char *
test_read_mail(const char *name, size_t *len)
{
	const char *src;
	char path[4096];
	char *buf;
	FILE *fp;
	long n;

	if ((src = getenv("BACKSCATTER_SOURCE_DIR")) == NULL)
		skip();
	if (snprintf(path, sizeof(path), "%s/tests/data/mail/%s", src, name) >=
	    (int)sizeof(path))
		fail_msg("path too long");
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0 && n < TEST_MAIL_MAX);
	rewind(fp);
	assert_non_null(buf = malloc(n > 0 ? (size_t)n : 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A string field must end inside its array. */
static void
test_check_nul(const char *s, size_t size)
{
	assert_non_null(memchr(s, '\0', size));
}

static int
test_is_delim(char c)
{
	return c == '\0' || strchr(" \t\r\n<>()[],;:\"@", c) != NULL;
}

/*
 * What every result must satisfy, whatever the input: a class with a
 * matching subclass, strings that end in their arrays, and an excerpt of
 * "Key: value\n" lines with allowed keys, no control bytes, valid UTF-8,
 * and no "@" that could belong to an address.
 */
static void
test_check_result(const struct classify_result *r)
{
	static const char *const keys[] = {
		"Subject: ", "Status: ", "Action: ", "Reporting-MTA: ",
		"Diagnostic-Code: ", "Auto-Submitted: ", "X-Mailer: ", "MTA: ",
	};
	const char *name, *line, *nl;
	size_t i, k, n;

	test_check_nul(r->subclass, sizeof(r->subclass));
	test_check_nul(r->excerpt, sizeof(r->excerpt));
	test_check_nul(r->mta, sizeof(r->mta));
	assert_true(r->class == HIT_OTHER || r->class == HIT_BOUNCE ||
	    r->class == HIT_AUTOREPLY || r->class == HIT_CALLOUT);
	name = hitclass_name(r->class);
	n = strlen(name);
	if (strncmp(r->subclass, name, n) != 0 || r->subclass[n] != '/')
		fail_msg("subclass %s for class %s", r->subclass, name);

	n = strlen(r->excerpt);
	assert_true(n == 0 || r->excerpt[n - 1] == '\n');
	for (line = r->excerpt; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strncmp(line, keys[k], strlen(keys[k])) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			fail_msg("excerpt line %.*s", (int)(nl - line), line);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->excerpt[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f))
			continue;
		/* A lead byte and its continuation bytes, not a control. */
		assert_true(c >= 0xc2 && c <= 0xf4);
		k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		assert_true(i + k < n);
		for (size_t j = 1; j <= k; j++)
			assert_true(((unsigned char)r->excerpt[i + j] & 0xc0) ==
			    0x80);
		i += k;
	}
	for (i = 0; i < n; i++) {
		if (r->excerpt[i] != '@')
			continue;
		/* A lone "@" may meet the "..." of a cut value. */
		if (!(i == 0 || test_is_delim(r->excerpt[i - 1])) ||
		    !(test_is_delim(r->excerpt[i + 1]) ||
		    strncmp(r->excerpt + i + 1, "...\n", 4) == 0))
			fail_msg("address-like @ in excerpt: %s", r->excerpt);
	}
}

static void
test_classify(const char *mail_from, const char *msg, size_t len,
    struct classify_result *r)
{
	memset(r, 0x5a, sizeof(*r));	/* junk: every field must be set */
	classify_message(NULL, mail_from, msg, len, r);
	test_check_result(r);
}

/*
 * The corpus: one realistic message per shape (tests/data/mail), with
 * what it must be. mta NULL: not checked; excerpt: a line that must be
 * there, or NULL.
 */
static const struct test_mail {
	const char	*file;
	const char	*mail_from;
	enum hit_class	 class;
	const char	*subclass;
	const char	*mta;
	const char	*excerpt;
} test_mails[] = {
	/* Bounces with DSN structure. */
	{ "postfix-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "postfix",
	    "Status: 5.1.1\n" },
	{ "exim-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "exim",
	    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n" },
	{ "sendmail-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "sendmail",
	    "Diagnostic-Code: SMTP; 550 5.1.1 <[address]>... User unknown\n" },
	{ "exchange-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "exchange",
	    "Status: 5.1.10\n" },
	{ "gmail-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "gmail",
	    "Reporting-MTA: dns; googlemail.com\n" },
	{ "kerio-dsn.eml", "", HIT_BOUNCE, "bounce/dsn", "kerio",
	    "Action: failed\n" },
	{ "dsn-base64-status.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Status: 5.4.4\n" },
	{ "dsn-truncated.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Subject: Delivery report\n" },
	{ "dsn-nested-in-mixed.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Status: 5.2.2\n" },
	{ "dsn-global-utf8.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Subject: Unzustellbar: R\xc3\xbc" "ckfrage\n" },
	{ "dsn-success-relay.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Action: relayed\n" },
	/* Non-delivery reports without DSN structure. */
	{ "exim-ndr-plain.eml", "", HIT_BOUNCE, "bounce/ndr", "exim", NULL },
	{ "sendmail-ndr-plain.eml", "", HIT_BOUNCE, "bounce/ndr", "sendmail",
	    NULL },
	{ "exchange-ndr-plain.eml", "", HIT_BOUNCE, "bounce/ndr", "exchange",
	    "Subject: Undeliverable: Your order\n" },
	{ "qmail-bounce.eml", "", HIT_BOUNCE, "bounce/ndr", "qmail",
	    "Subject: failure notice\n" },
	{ "mdaemon-ndr.eml", "", HIT_BOUNCE, "bounce/ndr", "mdaemon", NULL },
	{ "hmailserver-ndr.eml", "", HIT_BOUNCE, "bounce/ndr", "hmailserver",
	    NULL },
	{ "domino-ndr.eml", "", HIT_BOUNCE, "bounce/ndr", "domino",
	    "Subject: DELIVERY FAILURE: User frank ([address]) not listed in "
	    "Domino Directory\n" },
	{ "undeliverable-unknown-mta.eml", "postmaster@gw.example.net",
	    HIT_BOUNCE, "bounce/ndr", "", NULL },
	/* Virus scanners. */
	{ "virus-amavis-dsn.eml", "", HIT_BOUNCE, "bounce/virus", "postfix",
	    "Status: 5.7.0\n" },
	{ "virus-found-plain.eml", "", HIT_BOUNCE, "bounce/virus", "", NULL },
	{ "virus-contained.eml", "postmaster@filter.example.net", HIT_BOUNCE,
	    "bounce/virus", "", "X-Mailer: MailScanner 5.4.5\n" },
	/* Auto-replies, with their real senders. */
	{ "zimbra-vacation.eml", "nina.t@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "zimbra",
	    "Auto-Submitted: auto-replied (zimbra; vacation)\n" },
	{ "exchange-ooo.eml", "tom.berger@corp.example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "exchange", NULL },
	{ "vacation-unix.eml", "kweber@shell.example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "postfix", "X-Mailer: vacation 1.2.7.1\n" },
	{ "vacation-german-qp.eml", "j.krause@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "",
	    "Subject: Automatische Antwort: Ihr Paket wartet auf "
	    "Zustellung\n" },
	{ "vacation-french-b64.eml", "c.martin@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "",
	    "Subject: R\xc3\xa9ponse automatique : Votre commande\n" },
	{ "vacation-spanish-latin1.eml", "pruiz@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "",
	    "Subject: Respuesta autom\xc3\xa1tica: Factura pendiente\n" },
	{ "vacation-italian.eml", "m.bianchi@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "", NULL },
	{ "vacation-dutch.eml", "sanne@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "", NULL },
	{ "vacation-swedish.eml", "erik.lind@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "",
	    "Subject: Autosvar: Din best\xc3\xa4llning\n" },
	{ "vacation-abwesenheitsnotiz.eml", "k.meier@example.net",
	    HIT_AUTOREPLY, "autoreply/vacation", "",
	    "Subject: Abwesenheitsnotiz: R\xc3\xbc" "ckruf erbeten\n" },
	{ "vacation-x-autoreply.eml", "linda@example.net", HIT_AUTOREPLY,
	    "autoreply/vacation", "", NULL },
	{ "vacation-precedence-autoreply.eml", "support@shop.example.net",
	    HIT_AUTOREPLY, "autoreply/vacation", "", NULL },
	{ "tmda-challenge.eml",
	    "sam-confirm+1715690000.12345.abcdef@example.net", HIT_AUTOREPLY,
	    "autoreply/challenge", "", NULL },
	{ "boxtrapper-challenge.eml", "nina@example.net", HIT_AUTOREPLY,
	    "autoreply/challenge", "", NULL },
	{ "x-challenge.eml", "gatekeeper@example.net", HIT_AUTOREPLY,
	    "autoreply/challenge", "", NULL },
	{ "mdn-read-receipt.eml", "m.lopez@example.net", HIT_AUTOREPLY,
	    "autoreply/mdn", "", NULL },
	{ "auto-generated-ticket.eml", "helpdesk@support.example.net",
	    HIT_AUTOREPLY, "autoreply/auto-submitted", "",
	    "Auto-Submitted: auto-generated\n" },
	/* Spam: recorded, never listed. */
	{ "spam-plain.eml", "deals@offers.example.test", HIT_OTHER,
	    "other/spam", "", "X-Mailer: PHPMailer 6.1.4\n" },
	{ "spam-phish-ndr.eml", "helpdesk@it-support.example.test", HIT_OTHER,
	    "other/spam", "", NULL },
	{ "spam-html-multipart.eml", "sales@pharm.example.test", HIT_OTHER,
	    "other/spam", "",
	    "Subject: Best prices \xe2\x80\x94 order now\n" },
	{ "spam-null-sender.eml", "", HIT_OTHER, "other/spam", "", NULL },
	/* Malformed mail. */
	{ "hostile-bare-cr.eml", "", HIT_OTHER, "other/spam", NULL, NULL },
	{ "hostile-nul-bytes.eml", "", HIT_BOUNCE, "bounce/ndr", "",
	    "Subject: Undeliverable:\\x00 [address]\n" },
	{ "hostile-headers-only.eml", "", HIT_BOUNCE, "bounce/dsn", "postfix",
	    NULL },
	{ "hostile-unclosed-multipart.eml", "", HIT_BOUNCE, "bounce/ndr", "",
	    NULL },
	{ "hostile-huge-boundary.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    NULL },
	{ "hostile-deep-nesting.eml", "", HIT_OTHER, "other/spam", "", NULL },
	{ "hostile-encoded-words.eml", "someone@example.test", HIT_OTHER,
	    "other/spam", "",
	    "Subject: =?utf-8?B?####?= =?x-unknown?Q?Out_of_office?= "
	    "=?utf-8?Q?=ZZbad?= Out of\n" },
	{ "hostile-excerpt-injection.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Subject: Undeliverable: evil\\x0aStatus: 2.0.0 \\x1b[31mred"
	    "\\u202e [address] \\\\\n" },
	/* An "@" by a line end, or glued to an address, goes with it. */
	{ "hostile-at-line-end.eml", "", HIT_BOUNCE, "bounce/dsn", "",
	    "Subject: Undeliverable: [address][address]\\x0aline [address]"
	    "\\x0aend\n" },
};

static void
test_corpus(void **state)
{
	const struct test_mail *t;
	struct classify_result r;
	size_t len;
	char *msg;

	(void)state;
	for (size_t i = 0; i < sizeof(test_mails) / sizeof(test_mails[0]);
	    i++) {
		t = &test_mails[i];
		msg = test_read_mail(t->file, &len);
		test_classify(t->mail_from, msg, len, &r);
		if (r.class != t->class || strcmp(r.subclass, t->subclass) != 0)
			fail_msg("%s: %s, want %s", t->file, r.subclass,
			    t->subclass);
		if (t->mta != NULL && strcmp(r.mta, t->mta) != 0)
			fail_msg("%s: mta \"%s\", want \"%s\"", t->file, r.mta,
			    t->mta);
		if (t->excerpt != NULL && strstr(r.excerpt, t->excerpt) == NULL)
			fail_msg("%s: excerpt lacks \"%s\":\n%s", t->file,
			    t->excerpt, r.excerpt);
		/* The trap addresses, all in trap.example.org, never leak. */
		assert_null(strstr(r.excerpt, "trap.example"));
		assert_null(strchr(r.excerpt, '@'));
		free(msg);
	}
}

/* Every file in the corpus has a row in the table, so none is untested. */
static void
test_corpus_complete(void **state)
{
	const char *src;
	char path[4096];
	struct dirent *de;
	size_t n = 0, k;
	DIR *d;

	(void)state;
	if ((src = getenv("BACKSCATTER_SOURCE_DIR")) == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/tests/data/mail", src);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (k = 0; k < sizeof(test_mails) / sizeof(test_mails[0]); k++)
			if (strcmp(de->d_name, test_mails[k].file) == 0)
				break;
		if (k == sizeof(test_mails) / sizeof(test_mails[0]))
			fail_msg("%s has no row in test_mails", de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, sizeof(test_mails) / sizeof(test_mails[0]));
}

/* The Postfix bounce's excerpt in full: order, redaction, MTA line. */
static void
test_corpus_excerpt(void **state)
{
	struct classify_result r;
	size_t len;
	char *msg;

	(void)state;
	msg = test_read_mail("postfix-dsn.eml", &len);
	test_classify("", msg, len, &r);
	assert_string_equal(r.excerpt,
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Status: 5.1.1\n"
	    "Action: failed\n"
	    "Reporting-MTA: dns; mail.example.net\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <[address]>: Recipient address "
	    "rejected: User unknown in virtual mailbox table\n"
	    "Auto-Submitted: auto-replied\n"
	    "MTA: postfix\n");
	free(msg);
}

/*
 * A trap keeps only the start of a message, so every prefix of every
 * corpus file must classify without reading past its end (each prefix
 * is copied to a buffer of its own size for ASan to watch).
 */
static void
test_corpus_prefixes(void **state)
{
	struct classify_result r;
	size_t len, step;
	char *msg, *cut;

	(void)state;
	for (size_t i = 0; i < sizeof(test_mails) / sizeof(test_mails[0]);
	    i++) {
		msg = test_read_mail(test_mails[i].file, &len);
		step = len / 97 + 1;
		for (size_t n = 0; n <= len; n += step) {
			assert_non_null(cut = malloc(n > 0 ? n : 1));
			memcpy(cut, msg, n);
			test_classify(test_mails[i].mail_from, cut, n, &r);
			free(cut);
		}
		free(msg);
	}
}

/* A growing message buffer for the generated cases. */
struct test_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
test_put(struct test_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n) {
		b->cap = (b->cap + n) * 2;
		assert_non_null(b->p = realloc(b->p, b->cap));
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
test_puts(struct test_buf *b, const char *s)
{
	test_put(b, s, strlen(s));
}

static void
test_putn(struct test_buf *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		test_puts(b, s);
}

static void
gen_empty(struct test_buf *b)
{
	(void)b;
}

static void
gen_subject_no_newline(struct test_buf *b)
{
	test_puts(b, "Subject: failure notice");
}

static void
gen_blank_only(struct test_buf *b)
{
	test_puts(b, "\r\n\r\n");
}

/* MIME_HEADERS_MAX: a Subject after 10 000 fields is not looked at. */
static void
gen_many_headers_then_subject(struct test_buf *b)
{
	test_putn(b, "X-Junk: filler\r\n", 10000);
	test_puts(b, "Subject: failure notice\r\n\r\nbody\r\n");
}

static void
gen_subject_then_many_headers(struct test_buf *b)
{
	test_puts(b, "Subject: failure notice\r\n");
	test_putn(b, "X-Junk: filler\r\n", 10000);
	test_puts(b, "\r\nbody\r\n");
}

/* One Subject folded over 200 KB: kept to CLASSIFY_FIELD_MAX, cut safely. */
static void
gen_long_folded_subject(struct test_buf *b)
{
	test_puts(b, "Subject: Undeliverable:");
	test_putn(b, "\r\n \xc3\xa9t\xc3\xa9", 40000);
	test_puts(b, "\r\n\r\nbody");
}

static void
gen_dsn_with_boundary(struct test_buf *b, size_t blen)
{
	char bnd[128];

	assert_true(blen < sizeof(bnd));
	memset(bnd, 'b', blen);
	bnd[blen] = '\0';
	test_puts(b, "Subject: report\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"");
	test_puts(b, bnd);
	test_puts(b, "\"\r\n\r\n--");
	test_puts(b, bnd);
	test_puts(b, "\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Status: 5.1.1\r\n\r\n--");
	test_puts(b, bnd);
	test_puts(b, "--\r\n");
}

/* RFC 2046 5.1.1: 70 characters is the longest boundary, 71 is refused. */
static void
gen_boundary_70(struct test_buf *b)
{
	gen_dsn_with_boundary(b, 70);
}

static void
gen_boundary_71(struct test_buf *b)
{
	gen_dsn_with_boundary(b, 71);
}

static void
gen_nul_in_name(struct test_buf *b)
{
	test_put(b, "Sub\0ject: failure notice\r\n\r\nx", 30);
}

static void
gen_nul_everywhere(struct test_buf *b)
{
	static const char z[64];

	test_puts(b, "Subject: ");
	test_put(b, z, sizeof(z));
	test_puts(b, "\r\nContent-Type: multipart/report; boundary=\"");
	test_put(b, z, 8);
	test_puts(b, "\"\r\n\r\n");
	test_put(b, z, sizeof(z));
}

static void
gen_bare_cr(struct test_buf *b)
{
	test_puts(b, "From: x\rSubject: failure notice\r\rbody\r");
}

static void
gen_bare_lf_crlf_mix(struct test_buf *b)
{
	test_puts(b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered\r\n Mail Returned to Sender\n"
	    "Content-Type: multipart/report;\r\n"
	    "\treport-type=delivery-status; boundary=m\n\r\n"
	    "--m\nContent-Type: message/delivery-status\r\n\n"
	    "Status: 5.1.2\r\nAction: failed\n\n--m--\n");
}

/* MIME_PARTS_MAX: a delivery-status part as part 10 counts, as 900 not. */
static void
gen_parts(struct test_buf *b, size_t where)
{
	test_puts(b, "Subject: x\r\nContent-Type: multipart/mixed; "
	    "boundary=p\r\n\r\n");
	for (size_t i = 0; i < 1000; i++) {
		if (i == where)
			test_puts(b, "--p\r\nContent-Type: "
			    "message/delivery-status\r\n\r\nStatus: 5.0.0\r\n");
		else
			test_puts(b, "--p\r\nContent-Type: text/plain\r\n\r\n"
			    "filler\r\n");
	}
	test_puts(b, "--p--\r\n");
}

static void
gen_part_10(struct test_buf *b)
{
	gen_parts(b, 10);
}

static void
gen_part_900(struct test_buf *b)
{
	gen_parts(b, 900);
}

/* MIME_DEPTH_MAX: a report 3 levels down counts, one 100 down does not. */
static void
gen_nested(struct test_buf *b, int levels)
{
	char line[128];

	test_puts(b, "Subject: x\r\n");
	for (int i = 0; i < levels; i++) {
		snprintf(line, sizeof(line), "Content-Type: multipart/mixed; "
		    "boundary=n%d\r\n\r\n--n%d\r\n", i, i);
		test_puts(b, line);
	}
	test_puts(b, "Content-Type: message/delivery-status\r\n\r\n"
	    "Status: 5.0.0\r\n");
}

static void
gen_nested_3(struct test_buf *b)
{
	gen_nested(b, 3);
}

static void
gen_nested_100(struct test_buf *b)
{
	gen_nested(b, 100);
}

static void
gen_no_boundary(struct test_buf *b)
{
	test_puts(b, "Subject: x\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status\r\n\r\n--\r\n--\r\n");
}

static void
gen_unterminated_quote(struct test_buf *b)
{
	test_puts(b, "Subject: x\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"q\r\n\r\n--q\r\n"
	    "Content-Type: message/delivery-status\r\n\r\nStatus: 4.4.1\r\n");
}

static void
gen_base64_garbage(struct test_buf *b)
{
	test_puts(b, "Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "!!!!====////****\r\n\x80\x81\xff====VGhpcyBpcyB0aGUgcW1haWwtc2Vu"
	    "ZCBwcm9ncmFt\r\n");
}

/* Base64 text is decoded before the search: the qmail sentence counts. */
static void
gen_base64_qmail(struct test_buf *b)
{
	test_puts(b, "Subject: x\r\nContent-Transfer-Encoding: Base64\r\n\r\n"
	    "SGkuIFRoaXMgaXMgdGhl\r\nIHFtYWlsLXNlbmQgcHJvZ3JhbSBhdCB4Lg==\r\n");
}

static void
gen_long_name(struct test_buf *b)
{
	test_putn(b, "X", 1000);
	test_puts(b, ": y\r\nSubject: failure notice\r\n\r\n");
}

static void
gen_continuation_first(struct test_buf *b)
{
	test_puts(b, " folded\r\n\tagain\r\nSubject: failure notice\r\n\r\n");
}

static void
gen_many_words(struct test_buf *b)
{
	test_puts(b, "Subject: ");
	test_putn(b, "=?utf-8?Q?Out_of_office?= ", 2000);
	test_puts(b, "\r\n\r\n");
}

static void
gen_word_starts(struct test_buf *b)
{
	test_puts(b, "Subject: ");
	test_putn(b, "x=?a?q?", 9000);
	test_puts(b, "\r\n\r\n");
}

static void
gen_at_signs(struct test_buf *b)
{
	test_puts(b, "Subject: ");
	test_putn(b, "@", 3000);
	test_puts(b, "\r\nX-Mailer: a@b@c@d @ e @. f@.. g@h.\r\n\r\n");
}

/* Every excerpt field at its longest: the excerpt still ends cleanly. */
static void
gen_excerpt_overflow(struct test_buf *b)
{
	test_puts(b, "Received: by mx.example.net (Postfix) id 1\r\n");
	test_puts(b, "Subject: ");
	test_putn(b, "\x01\xe2\x80\xae\\", 2000);
	test_puts(b, "\r\nAuto-Submitted: auto-generated; ");
	test_putn(b, "\xf0\x9f\x93\xa7", 2000);
	test_puts(b, "\r\nX-Mailer: ");
	test_putn(b, "M", 5000);
	test_puts(b, "\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=e\r\n\r\n--e\r\n"
	    "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: ");
	test_putn(b, "r", 5000);
	test_puts(b, "\r\nStatus: ");
	test_putn(b, "5", 5000);
	test_puts(b, "\r\nAction: ");
	test_putn(b, "a", 5000);
	test_puts(b, "\r\nDiagnostic-Code: ");
	test_putn(b, "\xff", 5000);
	test_puts(b, "\r\n\r\n--e--\r\n");
}

/* DSN fields in blocks with junk lines between them. */
static void
gen_dsn_junk_lines(struct test_buf *b)
{
	test_puts(b, "Content-Type: message/delivery-status\r\n\r\n"
	    "not a field\r\n: neither\r\n\r\n\r\n  indented\r\n"
	    "Action: delayed\r\n\r\nStatus: 4.4.7\r\n");
}

static const struct test_hostile {
	const char	*name;
	void		(*gen)(struct test_buf *);
	const char	*mail_from;
	enum hit_class	 class;
	const char	*subclass;
	const char	*excerpt;	/* must occur, or NULL */
	const char	*absent;	/* must not occur, or NULL */
} test_hostile[] = {
	{ "empty", gen_empty, "", HIT_OTHER, "other/spam", NULL, NULL },
	{ "subject without newline", gen_subject_no_newline, "",
	    HIT_BOUNCE, "bounce/ndr", "Subject: failure notice\n", NULL },
	{ "blank lines only", gen_blank_only, "", HIT_OTHER, "other/spam",
	    NULL, NULL },
	{ "10k headers, then Subject", gen_many_headers_then_subject, "",
	    HIT_OTHER, "other/spam", NULL, "Subject" },
	{ "Subject, then 10k headers", gen_subject_then_many_headers, "",
	    HIT_BOUNCE, "bounce/ndr", NULL, NULL },
	{ "200 KB folded subject", gen_long_folded_subject, "", HIT_BOUNCE,
	    "bounce/ndr", "...\n", NULL },
	{ "70-byte boundary", gen_boundary_70, "", HIT_BOUNCE, "bounce/dsn",
	    "Status: 5.1.1\n", NULL },
	{ "71-byte boundary", gen_boundary_71, "", HIT_BOUNCE, "bounce/dsn",
	    NULL, "Status" },
	{ "NUL in a field name", gen_nul_in_name, "", HIT_OTHER, "other/spam",
	    NULL, "Subject" },
	{ "NULs everywhere", gen_nul_everywhere, "", HIT_OTHER, "other/spam",
	    "Subject: \\x00\\x00", NULL },
	{ "bare CR", gen_bare_cr, "", HIT_OTHER, "other/spam", NULL, NULL },
	{ "LF and CRLF mixed", gen_bare_lf_crlf_mix, "", HIT_BOUNCE,
	    "bounce/dsn", "Status: 5.1.2\n", NULL },
	{ "report in part 10", gen_part_10, "", HIT_BOUNCE, "bounce/dsn",
	    "Status: 5.0.0\n", NULL },
	{ "report in part 900", gen_part_900, "", HIT_OTHER, "other/spam",
	    NULL, "Status" },
	{ "report 3 levels down", gen_nested_3, "", HIT_BOUNCE, "bounce/dsn",
	    NULL, NULL },
	{ "report 100 levels down", gen_nested_100, "", HIT_OTHER,
	    "other/spam", NULL, NULL },
	{ "multipart without boundary", gen_no_boundary, "", HIT_BOUNCE,
	    "bounce/dsn", NULL, NULL },
	{ "unterminated quoted boundary", gen_unterminated_quote, "",
	    HIT_BOUNCE, "bounce/dsn", "Status: 4.4.1\n", NULL },
	{ "base64 garbage", gen_base64_garbage, "x@example.net", HIT_OTHER,
	    "other/spam", NULL, NULL },
	{ "base64 qmail text", gen_base64_qmail, "x@example.net", HIT_BOUNCE,
	    "bounce/ndr", "MTA: qmail\n", NULL },
	{ "1000-byte field name", gen_long_name, "", HIT_BOUNCE, "bounce/ndr",
	    NULL, NULL },
	{ "continuation first", gen_continuation_first, "", HIT_BOUNCE,
	    "bounce/ndr", NULL, NULL },
	{ "2000 encoded-words", gen_many_words, "x@example.net",
	    HIT_AUTOREPLY, "autoreply/vacation",
	    "Subject: Out of officeOut of office", NULL },
	{ "9000 almost-words", gen_word_starts, "x@example.net", HIT_OTHER,
	    "other/spam", NULL, NULL },
	{ "3000 @ signs", gen_at_signs, "x@example.net", HIT_OTHER,
	    "other/spam",
	    "X-Mailer: [address][address][address] @ e [address] [address]. "
	    "[address].\n", NULL },
	{ "every field too long", gen_excerpt_overflow, "", HIT_BOUNCE,
	    "bounce/dsn", "MTA: postfix\n", NULL },
	{ "bare delivery-status", gen_dsn_junk_lines, "", HIT_BOUNCE,
	    "bounce/dsn", "Status: 4.4.7\nAction: delayed\n", NULL },
};

static void
test_hostile_table(void **state)
{
	const struct test_hostile *t;
	struct test_buf b;
	struct classify_result r;
	char *exact;

	(void)state;
	for (size_t i = 0; i < sizeof(test_hostile) / sizeof(test_hostile[0]);
	    i++) {
		t = &test_hostile[i];
		memset(&b, 0, sizeof(b));
		t->gen(&b);
		/* An exact-size copy, so ASan sees a read past the end. */
		assert_non_null(exact = malloc(b.len > 0 ? b.len : 1));
		if (b.len > 0)
			memcpy(exact, b.p, b.len);
		test_classify(t->mail_from, exact, b.len, &r);
		if (r.class != t->class || strcmp(r.subclass, t->subclass) != 0)
			fail_msg("%s: %s, want %s", t->name, r.subclass,
			    t->subclass);
		if (t->excerpt != NULL && strstr(r.excerpt, t->excerpt) == NULL)
			fail_msg("%s: excerpt lacks \"%s\":\n%s", t->name,
			    t->excerpt, r.excerpt);
		if (t->absent != NULL && strstr(r.excerpt, t->absent) != NULL)
			fail_msg("%s: excerpt has \"%s\":\n%s", t->name,
			    t->absent, r.excerpt);
		free(exact);
		free(b.p);
	}
	/* No buffer at all. */
	test_classify("", NULL, 0, &r);
	assert_string_equal(r.subclass, "other/spam");
	test_classify(NULL, NULL, 100, &r);
	assert_string_equal(r.subclass, "other/spam");
}

/* Every field at its longest still leaves all eight lines whole. */
static void
test_excerpt_bounds(void **state)
{
	struct test_buf b;
	struct classify_result r;
	const char *p;
	int lines = 0;

	(void)state;
	memset(&b, 0, sizeof(b));
	gen_excerpt_overflow(&b);
	test_classify("", b.p, b.len, &r);
	assert_true(strlen(r.excerpt) < sizeof(r.excerpt));
	for (p = r.excerpt; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 8);
	assert_non_null(strstr(r.excerpt, "Subject: \\x01\\u202e\\\\"));
	assert_non_null(strstr(r.excerpt, "Diagnostic-Code: \\xff\\xff"));
	assert_non_null(strstr(r.excerpt, "...\nAuto-Submitted: "));
	assert_non_null(strstr(r.excerpt, "\nMTA: postfix\n"));
	free(b.p);
}

/* The precedence of classify.h, on small messages. */
static void
test_precedence(void **state)
{
	static const struct {
		const char	*msg;
		const char	*mail_from;
		const char	*subclass;
	} t[] = {
		/* A DSN stays a bounce whatever it also says. */
		{ "Auto-Submitted: auto-replied\r\nSubject: Out of office\r\n"
		    "Content-Type: multipart/report; "
		    "report-type=delivery-status\r\n\r\n", "", "bounce/dsn" },
		/* An MDN is an auto-reply, even with a bounce's subject. */
		{ "Subject: Undeliverable: x\r\nContent-Type: multipart/report;"
		    " report-type=disposition-notification\r\n\r\n", "",
		    "autoreply/mdn" },
		{ "Subject: Virus found in sent message\r\nContent-Type: "
		    "multipart/report; report-type=delivery-status\r\n\r\n", "",
		    "bounce/virus" },
		/* A downstream "contains a virus" does not make it one. */
		{ "Subject: Undelivered Mail Returned to Sender\r\n"
		    "Content-Type: multipart/report; "
		    "report-type=delivery-status; boundary=b\r\n\r\n"
		    "--b\r\n\r\n550 message contains a virus"
		    "\r\n--b--\r\n", "", "bounce/dsn" },
		{ "Subject: failure notice\r\nAuto-Submitted: auto-replied\r\n"
		    "\r\n", "", "bounce/ndr" },
		{ "Subject: Undeliverable: x\r\nX-Autoreply: yes\r\n\r\n", "",
		    "bounce/ndr" },
		/* Weak phrases need an automatic sender. */
		{ "Subject: Returned mail\r\n\r\n", "bob@example.net",
		    "other/spam" },
		{ "Subject: Returned mail\r\n\r\n", "", "bounce/ndr" },
		{ "Subject: Returned mail\r\n\r\n", "MAILER-DAEMON@example.net",
		    "bounce/ndr" },
		{ "Subject: Returned mail\r\nAuto-Submitted: auto-generated\r\n"
		    "\r\n", "bob@example.net", "bounce/ndr" },
		{ "Subject: Returned mail\r\nAuto-Submitted: no\r\n\r\n",
		    "bob@example.net", "other/spam" },
		{ "Subject: hi\r\n\r\nI am on vacation.\r\n", "bob@example.net",
		    "other/spam" },
		{ "Subject: hi\r\nPrecedence: junk\r\n\r\n"
		    "I am on vacation.\r\n",
		    "bob@example.net", "autoreply/vacation" },
		{ "Subject: hi\r\nPrecedence: bulk\r\n\r\n"
		    "I am on vacation.\r\n",
		    "bob@example.net", "other/spam" },
		/* Only the start of the subject names a bounce. */
		{ "Subject: Automatic reply: failure notice\r\n\r\n", "",
		    "autoreply/vacation" },
		{ "Subject: Fwd: Undeliverable: x\r\n\r\n", "bob@example.net",
		    "other/spam" },
		/* Challenge headers beat bounce wording. */
		{ "X-Delivery-Agent: TMDA/1.1\r\nSubject: x\r\n\r\nThis message"
		    " was created automatically by mail delivery software.\r\n",
		    "", "autoreply/challenge" },
		{ "X-BoxTrapper-Queue: 1\r\nSubject: x\r\n\r\n", "a@b.example",
		    "autoreply/challenge" },
		{ "Auto-Submitted: auto-replied; owner-email=x@example.net\r\n"
		    "\r\n", "a@example.net", "autoreply/vacation" },
		{ "Auto-Submitted: Auto-Generated\r\n\r\n", "a@example.net",
		    "autoreply/auto-submitted" },
		{ "Auto-Submitted: auto-notified\r\n\r\n", "a@example.net",
		    "autoreply/auto-submitted" },
		{ "Auto-Submitted: no\r\n\r\n", "a@example.net", "other/spam" },
		{ "X-Autoreply: no\r\n\r\n", "a@example.net", "other/spam" },
		{ "X-Autogenerated: Reply\r\n\r\n", "a@example.net",
		    "autoreply/vacation" },
		/* The returned message is no evidence. */
		{ "Subject: failure notice\r\n\r\nHi. This is the qmail-send "
		    "program.\r\n--- Below this line is a copy of the message."
		    "\r\n\r\nSubject: Virus found in sent message\r\n", "",
		    "bounce/ndr" },
		{ "Subject: Notice\r\nContent-Type: multipart/mixed; boundary=r"
		    "\r\n\r\n--r\r\nContent-Type: message/rfc822\r\n\r\n"
		    "Subject: failure notice\r\n\r\nThis is the qmail-send "
		    "program\r\n--r--\r\n", "bob@example.net", "other/spam" },
	};
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		test_classify(t[i].mail_from, t[i].msg, strlen(t[i].msg), &r);
		if (strcmp(r.subclass, t[i].subclass) != 0)
			fail_msg("case %zu: %s, want %s", i, r.subclass,
			    t[i].subclass);
	}
}

static void
test_no_data(void **state)
{
	static const struct {
		const char	*mail_from;
		enum hit_class	 class;
		const char	*subclass;
		const char	*mta;
	} t[] = {
		{ "", HIT_CALLOUT, "callout/null-sender", "" },
		{ "<>", HIT_CALLOUT, "callout/null-sender", "" },
		{ NULL, HIT_CALLOUT, "callout/null-sender", "" },
		{ "postmaster@mail.example.net", HIT_CALLOUT,
		    "callout/postmaster", "" },
		{ "PostMaster@mail.example.net", HIT_CALLOUT,
		    "callout/postmaster", "" },
		{ "postmaster", HIT_CALLOUT, "callout/postmaster", "" },
		{ "\"postmaster\"@mail.example.net", HIT_CALLOUT,
		    "callout/postmaster", "" },
		{ "double-bounce@mail.example.net", HIT_CALLOUT,
		    "callout/double-bounce", "postfix" },
		{ "MAILER-DAEMON@mail.example.net", HIT_CALLOUT,
		    "callout/mailer-daemon", "" },
		{ "postmaster2@mail.example.net", HIT_OTHER, "other/no-data",
		    "" },
		{ "bob@example.net", HIT_OTHER, "other/no-data", "" },
		{ "bob@postmaster", HIT_OTHER, "other/no-data", "" },
		{ "postmaster@x@example.net", HIT_OTHER, "other/no-data", "" },
	};
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		classify_no_data(NULL, t[i].mail_from, &r);
		test_check_result(&r);
		if (r.class != t[i].class ||
		    strcmp(r.subclass, t[i].subclass) != 0 ||
		    strcmp(r.mta, t[i].mta) != 0)
			fail_msg("%s: %s \"%s\"", t[i].mail_from, r.subclass,
			    r.mta);
		assert_string_equal(r.excerpt, "");
	}
}

/* A configured list replaces the built-in one; <> always counts. */
static void
test_no_data_config(void **state)
{
	struct classify_config cfg, copy, hand;
	struct classify_result r;

	(void)state;
	assert_int_equal(classify_config_parse(&cfg, "Verify, postmaster"), 0);
	classify_no_data(&cfg, "verify@mx.example.net", &r);
	assert_string_equal(r.subclass, "callout/verify");
	classify_no_data(&cfg, "VERIFY@mx.example.net", &r);
	assert_string_equal(r.subclass, "callout/verify");
	classify_no_data(&cfg, "double-bounce@mx.example.net", &r);
	assert_string_equal(r.subclass, "other/no-data");
	classify_no_data(&cfg, "", &r);
	assert_string_equal(r.subclass, "callout/null-sender");

	/* A copy works after the original is gone (names[] travel along). */
	copy = cfg;
	memset(&cfg, 0xff, sizeof(cfg));
	classify_no_data(&copy, "postmaster@mx.example.net", &r);
	assert_string_equal(r.subclass, "callout/postmaster");

	/* Filled in by hand, the original way: senders[] only. */
	memset(&hand, 0, sizeof(hand));
	hand.senders[0] = "Probe";
	hand.nsenders = 1;
	classify_no_data(&hand, "probe@mx.example.net", &r);
	assert_string_equal(r.subclass, "callout/probe");
	classify_no_data(&hand, "postmaster@mx.example.net", &r);
	assert_string_equal(r.subclass, "other/no-data");

	/* A message from a configured name counts as automatic. */
	classify_message(&copy, "verify@mx.example.net",
	    "Subject: Returned mail\r\n\r\n",
	    strlen("Subject: Returned mail\r\n\r\n"), &r);
	assert_string_equal(r.subclass, "bounce/ndr");
}

static void
test_config_parse(void **state)
{
	static const struct {
		const char	*list;
		int		 ret;
		size_t		 n;
		const char	*first;
		const char	*last;
	} t[] = {
		{ "postmaster, double-bounce mailer-daemon", 0, 3, "postmaster",
		    "mailer-daemon" },
		{ "  Verify\t", 0, 1, "verify", "verify" },
		{ ",,a,,b,,", 0, 2, "a", "b" },
		{ "a b c d e f g h i j k l m n o p", 0, 16, "a", "p" },
		{ "a b c d e f g h i j k l m n o p q", -1, 0, NULL, NULL },
		{ "abcdefghijklmnopqrstuvw", 0, 1, "abcdefghijklmnopqrstuvw",
		    NULL },
		{ "abcdefghijklmnopqrstuvwx", -1, 0, NULL, NULL },
		{ "", -1, 0, NULL, NULL },
		{ " , ,\t", -1, 0, NULL, NULL },
		{ "postmaster@example.net", -1, 0, NULL, NULL },
		{ "post<master", -1, 0, NULL, NULL },
		{ "ok, bad\x01", -1, 0, NULL, NULL },
		{ "o'brien+probe", 0, 1, "o'brien+probe", NULL },
	};
	struct classify_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cfg, 0x5a, sizeof(cfg));
		if (classify_config_parse(&cfg, t[i].list) != t[i].ret)
			fail_msg("\"%s\": want %d", t[i].list, t[i].ret);
		assert_int_equal(cfg.nsenders, t[i].n);
		if (t[i].first != NULL)
			assert_string_equal(cfg.senders[0], t[i].first);
		if (t[i].last != NULL)
			assert_string_equal(cfg.senders[cfg.nsenders - 1],
			    t[i].last);
	}
	assert_int_equal(classify_config_parse(&cfg, NULL), -1);
	assert_int_equal(cfg.nsenders, 0);
}

static void
test_mime_decode_words(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "=?UTF-8?Q?a_b?=", "a b" },
		{ "=?ISO-8859-1?Q?caf=E9?=", "caf\xc3\xa9" },
		{ "=?iso-8859-15?q?=E9t=E9?=", "\xc3\xa9t\xc3\xa9" },
		{ "=?utf-8?B?w6k=?=", "\xc3\xa9" },
		{ "=?utf-8?b?w6k?=", "\xc3\xa9" },
		{ "=?windows-1252?Q?=80_=93x=94?=",
		    "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d" },
		{ "=?windows-1252?Q?=81?=", "\xef\xbf\xbd" },
		{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab" },
		{ "=?utf-8?q?a?=\t \t=?utf-8?q?b?=", "ab" },
		{ "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b" },
		{ "x =?utf-8?q?a?=", "x a" },
		{ "=?utf-8*en?Q?hi?=", "hi" },
		{ "=?us-ascii?Q?plain?=", "plain" },
		{ "=?utf-8?Q?" "?=", "" },
		/* Kept as they stand. */
		{ "=?koi8-r?B?8NLJ18XU?=", "=?koi8-r?B?8NLJ18XU?=" },
		{ "=?utf-8?B?####?=", "=?utf-8?B?####?=" },
		{ "=?utf-8?B?w6k?=?=", "\xc3\xa9?=" },
		{ "=?utf-8?B?w===?=", "=?utf-8?B?w===?=" },
		{ "=?utf-8?B?w?=", "=?utf-8?B?w?=" },
		{ "=?utf-8?Q?=ZZ?=", "=?utf-8?Q?=ZZ?=" },
		{ "=?utf-8?Q?=E?=", "=?utf-8?Q?=E?=" },
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
		{ "=?utf-8?Q?a b?=", "=?utf-8?Q?a b?=" },
		{ "=??Q?a?=", "=??Q?a?=" },
		{ "=?utf-8?Q?abc", "=?utf-8?Q?abc" },
		{ "plain =? text ?=", "plain =? text ?=" },
		/* A kept word breaks the run: its blanks stay. */
		{ "=?utf-8?q?a?= =?x?q?b?= =?utf-8?q?c?=", "a =?x?q?b?= c" },
	};
	char out[256];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = mime_decode_words(t[i].in, strlen(t[i].in), out,
		    sizeof(out));
		if (n != strlen(t[i].out) || memcmp(out, t[i].out, n) != 0)
			fail_msg("\"%s\" gave \"%.*s\"", t[i].in, (int)n, out);
	}
	/* Cut short at outsize, and never a half character we made. */
	n = mime_decode_words("=?iso-8859-1?q?a=E9?=", 21, out, 2);
	assert_int_equal(n, 1);
	n = mime_decode_words("abc", 3, out, 0);
	assert_int_equal(n, 0);
}

static void
test_mime_unfold(void **state)
{
	char out[32];
	size_t n;

	(void)state;
	n = mime_unfold("  a\r\n\tb  c \r\n", 13, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a b c", 5);
	n = mime_unfold("a\rb", 3, out, sizeof(out));
	assert_memory_equal(out, "a b", n);
	n = mime_unfold("abcdef", 6, out, 3);
	assert_int_equal(n, 3);
	n = mime_unfold(" \r\n ", 4, out, sizeof(out));
	assert_int_equal(n, 0);
	/* Cut short inside a run of blanks, and with no room at all. */
	n = mime_unfold("ab \t cd", 7, out, 3);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "ab ", 3);
	n = mime_unfold("ab \t cd", 7, out, 2);
	assert_int_equal(n, 2);
	assert_int_equal(mime_unfold("ab", 2, out, 0), 0);
	n = mime_unfold("\x01\x7f\xff x", 5, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\x01\x7f\xff x", 5);
}

static void
test_mime_ctype(void **state)
{
	static const struct {
		const char	*in;
		const char	*type;
		const char	*boundary;
		const char	*report_type;
		const char	*charset;
	} t[] = {
		{ "multipart/report; report-type=delivery-status; "
		    "boundary=\"a b\"", "multipart/report", "a b",
		    "delivery-status", "" },
		{ "Multipart/Report;\r\n\tReport-Type=\"Delivery-Status\";\r\n"
		    "\tBoundary=----=_Part_1", "multipart/report",
		    "----=_Part_1", "delivery-status", "" },
		{ "text/plain (comment) ; charset = \"UTF-8\"", "text/plain",
		    "", "", "utf-8" },
		{ "text/plain;charset=us-ascii;format=flowed", "text/plain", "",
		    "", "us-ascii" },
		{ "multipart/mixed; boundary=\"a\\\"b\"", "multipart/mixed",
		    "a\"b", "", "" },
		{ "multipart/mixed; junk; boundary=x", "multipart/mixed", "x",
		    "", "" },
		{ "multipart/mixed; boundary*0=x", "multipart/mixed", "", "",
		    "" },
		{ "multipart/mixed; boundary=\"\"", "multipart/mixed", "", "",
		    "" },
		{ "", "text/plain", "", "", "" },
		{ "garbage", "text/plain", "", "", "" },
		{ "/plain", "text/plain", "", "", "" },
		{ "text/", "text/plain", "", "", "" },
		{ "(unclosed comment", "text/plain", "", "", "" },
	};
	struct mime_ctype ct;
	char b70[128], b71[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mime_ctype_parse(t[i].in, strlen(t[i].in), &ct);
		assert_string_equal(ct.type, t[i].type);
		assert_string_equal(ct.boundary, t[i].boundary);
		assert_int_equal(ct.boundarylen, strlen(t[i].boundary));
		assert_string_equal(ct.report_type, t[i].report_type);
		assert_string_equal(ct.charset, t[i].charset);
	}
	snprintf(b70, sizeof(b70), "multipart/mixed; boundary=%070d", 7);
	mime_ctype_parse(b70, strlen(b70), &ct);
	assert_int_equal(ct.boundarylen, 70);
	snprintf(b71, sizeof(b71), "multipart/mixed; boundary=\"%071d\"", 7);
	mime_ctype_parse(b71, strlen(b71), &ct);
	assert_int_equal(ct.boundarylen, 0);
}

static void
test_mime_body(void **state)
{
	static const char b64[] = "SGVs\r\nbG8*g\x80" "d29y\nbGQ=\r\nignored";
	static const char qp[] = "a=3Db=\r\nc=\nd=ZZ=4";
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(mime_cte_parse(" Base64 ", 8), MIME_CTE_BASE64);
	assert_int_equal(mime_cte_parse("quoted-printable", 16), MIME_CTE_QP);
	assert_int_equal(mime_cte_parse("8bit", 4), MIME_CTE_IDENTITY);
	assert_int_equal(mime_cte_parse("x-uuencode", 10), MIME_CTE_IDENTITY);
	n = mime_decode_body(MIME_CTE_BASE64, b64, sizeof(b64) - 1, out,
	    sizeof(out));
	assert_int_equal(n, 11);
	assert_memory_equal(out, "Hello world", 11);
	n = mime_decode_body(MIME_CTE_QP, qp, sizeof(qp) - 1, out,
	    sizeof(out));
	assert_int_equal(n, 10);
	assert_memory_equal(out, "a=bcd=ZZ=4", 10);
	n = mime_decode_body(MIME_CTE_BASE64, b64, sizeof(b64) - 1, out, 4);
	assert_int_equal(n, 4);
	n = mime_decode_body(MIME_CTE_IDENTITY, "abc", 3, out, 2);
	assert_int_equal(n, 2);
}

static void
test_mime_hdrs(void **state)
{
	static const char msg[] = "A: 1\r\n b\r\nBee :2\n"
	    " \r\n"
	    "C:\r\n\r\nbody";
	struct mime_hdrs it;
	struct mime_hdr h;

	(void)state;
	mime_hdrs_init(&it, msg, sizeof(msg) - 1);
	assert_int_equal(mime_hdrs_next(&it, &h), 1);
	assert_true(mime_hdr_is(&h, "a"));
	assert_int_equal(h.valuelen, 8);
	assert_memory_equal(h.value, " 1\r\n b\r\n", 8);
	assert_int_equal(mime_hdrs_next(&it, &h), 1);
	assert_true(mime_hdr_is(&h, "BEE"));
	assert_memory_equal(h.value, "2\n \r\n", 5);
	assert_int_equal(mime_hdrs_next(&it, &h), 1);
	assert_true(mime_hdr_is(&h, "C"));
	assert_int_equal(h.valuelen, 2);
	assert_int_equal(mime_hdrs_next(&it, &h), 0);
	assert_int_equal(mime_hdrs_next(&it, &h), 0);
	assert_string_equal(msg + it.off, "body");

	/* A line that is no field starts the body at that line. */
	mime_hdrs_init(&it, "A: 1\nno colon here\nB: 2\n",
	    strlen("A: 1\nno colon here\nB: 2\n"));
	assert_int_equal(mime_hdrs_next(&it, &h), 1);
	assert_int_equal(mime_hdrs_next(&it, &h), 0);
	assert_int_equal(it.off, 5);

	/* A NULL buffer is an empty one. */
	mime_hdrs_init(&it, NULL, 10);
	assert_int_equal(mime_hdrs_next(&it, &h), 0);
	assert_int_equal(it.off, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_complete),
		cmocka_unit_test(test_corpus_excerpt),
		cmocka_unit_test(test_corpus_prefixes),
		cmocka_unit_test(test_hostile_table),
		cmocka_unit_test(test_excerpt_bounds),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_no_data),
		cmocka_unit_test(test_no_data_config),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_mime_decode_words),
		cmocka_unit_test(test_mime_unfold),
		cmocka_unit_test(test_mime_ctype),
		cmocka_unit_test(test_mime_body),
		cmocka_unit_test(test_mime_hdrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
