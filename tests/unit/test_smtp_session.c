/* test_smtp_session.c -- the trap SMTP state machine, without sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "trap/smtp_session.h"
#include "testutil.h"

#define T_OUT_MAX	(256 * 1024)
#define T_HITS_MAX	16

/* One recorded hit, copied, and what the client had been told by then. */
struct t_hit {
	struct store_hit	 h;
	char			 subclass[64];
	char			 helo[300];
	char			 from[300];
	char			 rcpt[300];
	size_t			 outlen;	/* reply bytes when recorded */
};

/* The fake server: an output buffer and a store that can fail. */
struct t_srv {
	char		 out[T_OUT_MAX];
	size_t		 outlen;
	size_t		 backlog;	/* what backlog() reports */
	int		 fail;		/* record() fails */
	int		 queue;		/* record() queues, as the trap does */
	struct t_hit	 hits[T_HITS_MAX];
	size_t		 nhits;
	char		 msg[200 * 1024];	/* the last message seen */
	size_t		 msglen;
};

static void
t_write(void *arg, const char *buf, size_t len)
{
	struct t_srv *t = arg;

	assert_true(t->outlen + len < sizeof(t->out));
	memcpy(t->out + t->outlen, buf, len);
	t->outlen += len;
	t->out[t->outlen] = '\0';
}

static int
t_record(void *arg, const struct store_hit *h, enum store_hit_outcome *o)
{
	struct t_srv *t = arg;
	struct t_hit *c;

	if (t->fail)
		return -1;
	assert_true(t->nhits < T_HITS_MAX);
	c = &t->hits[t->nhits++];
	c->h = *h;
	snprintf(c->subclass, sizeof(c->subclass), "%s",
	    h->subclass ? h->subclass : "");
	snprintf(c->helo, sizeof(c->helo), "%s", h->helo ? h->helo : "");
	snprintf(c->from, sizeof(c->from), "%s", h->mail_from);
	snprintf(c->rcpt, sizeof(c->rcpt), "%s", h->rcpt);
	c->outlen = t->outlen;
	*o = STORE_HIT_LISTED;
	return t->queue ? SMTP_RECORD_QUEUED : 0;
}

/* The i-th hit as the server's copy hands it back after a group commit. */
static struct store_hit
t_hit(struct t_srv *t, size_t i)
{
	struct store_hit h = t->hits[i].h;

	h.subclass = t->hits[i].subclass;
	h.helo = t->hits[i].helo;
	h.mail_from = t->hits[i].from;
	h.rcpt = t->hits[i].rcpt;
	h.excerpt = NULL;
	return h;
}

static size_t
t_backlog(void *arg)
{
	return ((struct t_srv *)arg)->backlog;
}

static int64_t
t_now(void *arg)
{
	(void)arg;
	return 1800000000;
}

static const struct smtp_io t_io = { t_write, t_record, t_backlog, t_now };
static const char *const t_domains[] = { "trap.test", "t2.test" };
static const char *const t_patterns[] = { "*@trap.test", "bounce-*@t2.test" };
static struct classify_config t_classify;

static struct smtp_config
t_config(void)
{
	struct smtp_config c;

	memset(&c, 0, sizeof(c));
	c.hostname = "mx.trap.test";
	c.sensor = "unit";
	c.domains = t_domains;
	c.ndomains = 2;
	c.patterns = t_patterns;
	c.npatterns = 2;
	c.line_max = 512;
	c.max_recipients = 3;
	c.max_message_size = 100000;
	c.keep_headers = 2048;
	c.keep_body = 4096;
	c.max_commands = 100;
	c.max_errors = 5;
	c.tls = 1;
	c.classify = &t_classify;
	return c;
}

static struct smtp_session *
t_start(struct t_srv *t, const struct smtp_config *c)
{
	struct smtp_session *s;
	struct addr a = test_addr("192.0.2.25");

	memset(t, 0, sizeof(*t));
	assert_non_null(s = smtp_session_new(c, &t_io, t, "0123456789abcdef",
	    &a));
	smtp_session_greet(s);
	return s;
}

/* Feeds the whole text; every byte must be taken. */
static void
t_feed(struct smtp_session *s, const char *text)
{
	size_t len = strlen(text);

	assert_int_equal(smtp_session_input(s, text, len), len);
}

/* The replies so far, each line's first 3 bytes, space separated. */
static const char *
t_codes(const struct t_srv *t, char *buf, size_t size)
{
	const char *p = t->out;
	size_t off = 0;

	buf[0] = '\0';
	while (*p != '\0' && off + 5 < size) {
		/* Continuation lines of a multi-line reply are skipped. */
		if (p[3] == ' ') {
			memcpy(buf + off, p, 3);
			off += 3;
			buf[off++] = ' ';
		}
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
	}
	if (off > 0)
		off--;
	buf[off] = '\0';
	return buf;
}

static void
t_expect(const struct t_srv *t, const char *want)
{
	char buf[1024];

	if (strcmp(t_codes(t, buf, sizeof(buf)), want) != 0)
		fail_msg("replies '%s', want '%s'\n%s", buf, want, t->out);
}

static void
test_greeting_ehlo(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;

	(void)state;
	s = t_start(&t, &c);
	assert_string_equal(t.out, "220 mx.trap.test ESMTP\r\n");
	t_feed(s, "EHLO client.example\r\n");
	assert_non_null(strstr(t.out, "250-mx.trap.test\r\n250-PIPELINING\r\n"
	    "250-SIZE 100000\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250 8BITMIME\r\n"));
	t_feed(s, "HELO client.example\r\nNOOP\r\nHELP\r\nVRFY root\r\n"
	    "EXPN list\r\nQUIT\r\n");
	t_expect(&t, "220 250 250 250 214 252 502 221");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	/* Nothing is taken after QUIT. */
	assert_int_equal(smtp_session_input(s, "NOOP\r\n", 6), 0);
	assert_int_equal(t.nhits, 0);
	smtp_session_free(s);

	/* No STARTTLS on offer when TLS is off. */
	c.tls = 0;
	s = t_start(&t, &c);
	t_feed(s, "EHLO x\r\nSTARTTLS\r\n");
	assert_null(strstr(t.out, "STARTTLS"));
	t_expect(&t, "220 250 502");
	smtp_session_free(s);
}

/* The Postfix callout shape: the hit is stored before RSET is answered. */
static void
test_callout(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	struct smtp_stats st;

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, "EHLO mx.pf.test\r\nMAIL FROM:<> SIZE=210\r\n"
	    "RCPT TO:<victim@trap.test>\r\n");
	assert_int_equal(t.nhits, 0);
	t_feed(s, "RSET\r\n");
	assert_int_equal(t.nhits, 1);
	/* Recorded with RCPT's 250 out, RSET's not yet written. */
	assert_non_null(strstr(t.out, "250 2.1.5"));
	assert_int_equal(t.hits[0].outlen, strstr(t.out, "250 2.1.5") -
	    t.out + strlen("250 2.1.5 Ok\r\n"));
	assert_int_equal(t.hits[0].h.class, HIT_CALLOUT);
	assert_string_equal(t.hits[0].subclass, "callout/null-sender");
	assert_string_equal(t.hits[0].helo, "mx.pf.test");
	assert_string_equal(t.hits[0].from, "");
	assert_string_equal(t.hits[0].rcpt, "victim@trap.test");
	assert_int_equal(t.hits[0].h.t, 1800000000);
	assert_string_equal(t.hits[0].h.sensor, "unit");
	t_feed(s, "QUIT\r\n");
	assert_int_equal(t.nhits, 1);		/* RSET ended it */
	t_expect(&t, "220 250 250 250 250 221");
	smtp_session_stats(s, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.transactions, 1);
	assert_int_equal(st.commands, 5);
	smtp_session_free(s);

	/* Postfix's default probe sender, ended by QUIT. */
	s = t_start(&t, &c);
	t_feed(s, "EHLO mx.pf.test\r\nMAIL FROM:<double-bounce@mx.pf.test>\r\n"
	    "RCPT TO:<Victim@Trap.Test>\r\nQUIT\r\n");
	assert_int_equal(t.nhits, 1);
	assert_int_equal(t.hits[0].h.class, HIT_CALLOUT);
	assert_string_equal(t.hits[0].subclass, "callout/double-bounce");
	assert_string_equal(t.hits[0].rcpt, "Victim@Trap.Test");
	assert_null(strstr(t.out + t.hits[0].outlen, "250 2.1.5"));
	assert_non_null(strstr(t.out + t.hits[0].outlen, "221"));
	smtp_session_free(s);

	/* Ended by a second EHLO, by the connection, by a timeout. */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\nEHLO again\r\n");
	assert_int_equal(t.nhits, 1);
	assert_string_equal(t.hits[0].helo, "");	/* none before */
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n");
	smtp_session_lost(s);
	assert_int_equal(t.nhits, 2);
	assert_string_equal(t.hits[1].helo, "again");
	smtp_session_lost(s);
	assert_int_equal(t.nhits, 2);
	smtp_session_free(s);

	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n");
	smtp_session_end(s, SMTP_END_IDLE);
	assert_int_equal(t.nhits, 1);
	assert_non_null(strstr(t.out, "421 4.4.2 mx.trap.test"));
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	smtp_session_free(s);

	/* No trap recipient, nothing to record. */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\nRSET\r\n"
	    "QUIT\r\n");
	assert_int_equal(t.nhits, 0);
	t_expect(&t, "220 250 550 250 221");
	smtp_session_free(s);
}

static const char t_dsn[] =
    "From: MAILER-DAEMON@mx.pf.test\r\n"
    "To: victim@trap.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "..This line started with a dot.\r\n"
    "--B\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.pf.test\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nosuchuser@pf.test\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "\r\n"
    "--B--\r\n"
    ".\r\n";

static void
test_data(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	char *p;

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, "EHLO mx.pf.test\r\nMAIL FROM:<> SIZE=2121\r\n"
	    "RCPT TO:<victim@trap.test>\r\nRCPT TO:<other@example.org>\r\n"
	    "DATA\r\n");
	assert_int_equal(smtp_session_in_data(s), 1);
	t_feed(s, t_dsn);
	assert_int_equal(smtp_session_in_data(s), 0);
	assert_int_equal(t.nhits, 1);
	assert_int_equal(t.hits[0].h.class, HIT_BOUNCE);
	assert_string_equal(t.hits[0].subclass, "bounce/dsn");
	/* Stored before the 250 was written. */
	p = strstr(t.out, "250 2.0.0 Ok: queued as 0123456789abcdef.1\r\n");
	assert_non_null(p);
	assert_int_equal(t.hits[0].outlen, (size_t)(p - t.out));
	t_feed(s, "QUIT\r\n");
	t_expect(&t, "220 250 250 250 550 354 250 221");
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);

	/* The store fails: 451, never 250, and the client may try again. */
	s = t_start(&t, &c);
	t.fail = 1;
	t_feed(s, "EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<victim@trap.test>\r\n"
	    "DATA\r\n");
	t_feed(s, t_dsn);
	t_expect(&t, "220 250 250 250 354 451");
	t.fail = 0;
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<victim@trap.test>\r\nDATA\r\n");
	t_feed(s, t_dsn);
	t_expect(&t, "220 250 250 250 354 451 250 250 354 250");
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);
}

/* Replies come in order, whatever arrives in one read. */
static void
test_pipelining(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, "EHLO x\r\nMAIL FROM:<a@b.example>\r\n"
	    "RCPT TO:<x@trap.test>\r\nRCPT TO:<bad>\r\n"
	    "RCPT TO:<y@example.org>\r\nRCPT TO:<z@t2.test>\r\n"
	    "RCPT TO:<bounce-1@t2.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n"
	    ".\r\nRSET\r\nMAIL FROM:<>\r\nQUIT\r\n");
	t_expect(&t, "220 250 250 250 501 550 550 250 354 250 250 250 221");
	assert_int_equal(t.nhits, 1);
	assert_string_equal(t.hits[0].rcpt, "x@trap.test");
	smtp_session_free(s);

	/* The 250's count of messages, past one digit. */
	s = t_start(&t, &c);
	t_feed(s, "EHLO x\r\n");
	for (int i = 0; i < 12; i++)
		t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<x@trap.test>\r\nDATA\r\n"
		    "Subject: hi\r\n\r\nbody\r\n.\r\n");
	assert_int_equal(t.nhits, 12);
	assert_non_null(strstr(t.out,
	    "\r\n250 2.0.0 Ok: queued as 0123456789abcdef.9\r\n"));
	assert_non_null(strstr(t.out,
	    "\r\n250 2.0.0 Ok: queued as 0123456789abcdef.12\r\n"));
	smtp_session_free(s);
}

/* A byte at a time gives the same replies and the same message. */
static void
test_bytewise(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	char whole[T_OUT_MAX];
	static const char script[] = "EHLO x\nMAIL FROM:<>\r\n"
	    "RCPT TO:<v@trap.test>\r\nDATA\r\nSubject: x\r\n\r\n.\r\n..\r\n"
	    ".\r\nQUIT\r\n";

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, script);
	memcpy(whole, t.out, t.outlen + 1);
	smtp_session_free(s);
	s = t_start(&t, &c);
	for (size_t i = 0; i < sizeof(script) - 1; i++)
		assert_int_equal(smtp_session_input(s, script + i, 1), 1);
	assert_string_equal(t.out, whole);
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);
}

static void
test_errors_and_limits(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	char line[2048];

	(void)state;
	/* A line past line_max: 500, and the session goes on. */
	s = t_start(&t, &c);
	memset(line, 'A', sizeof(line));
	assert_int_equal(smtp_session_input(s, line, sizeof(line)),
	    sizeof(line));
	t_feed(s, "\r\nNOOP\r\n");
	t_expect(&t, "220 500 250");
	/* exactly line_max with the CRLF is fine */
	memcpy(line, "NOOP ", 5);
	memset(line + 5, 'x', c.line_max - 7);
	memcpy(line + c.line_max - 2, "\r\n", 2);
	assert_int_equal(smtp_session_input(s, line, c.line_max), c.line_max);
	t_expect(&t, "220 500 250 250");
	line[c.line_max - 2] = 'x';
	memcpy(line + c.line_max - 1, "\r\n", 2);
	assert_int_equal(smtp_session_input(s, line, c.line_max + 1),
	    c.line_max + 1);
	t_expect(&t, "220 500 250 250 500");
	smtp_session_free(s);

	/* Sequence errors, bad bytes, unknown verbs: all 5xx, all counted. */
	s = t_start(&t, &c);
	t_feed(s, "RCPT TO:<a@trap.test>\r\nDATA\r\nMAIL FROM:<>\r\n"
	    "MAIL FROM:<>\r\nDATA\r\n");
	t_expect(&t, "220 503 503 250 503 554");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	t_feed(s, "HELO \x01\r\n");
	/* the fifth error closes */
	t_expect(&t, "220 503 503 250 503 554 500 421");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	assert_non_null(strstr(t.out, "421 4.7.0"));
	smtp_session_free(s);

	/* Too many recipients: 452, the ones accepted stand. */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "RCPT TO:<b@trap.test>\r\nRCPT TO:<c@trap.test>\r\n"
	    "RCPT TO:<d@trap.test>\r\nQUIT\r\n");
	t_expect(&t, "220 250 250 250 250 452 221");
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);

	/* SIZE over the limit at MAIL (RFC 1870). */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<> SIZE=100001\r\nMAIL FROM:<> SIZE=100000\r\n"
	    "MAIL FROM:<>\r\nRSET\r\nMAIL FROM:<> NOTIFY=NEVER\r\n");
	t_expect(&t, "220 552 250 503 250 555");
	smtp_session_free(s);

	/* Too many commands. */
	c.max_commands = 10;
	s = t_start(&t, &c);
	for (int i = 0; i < 10; i++)
		t_feed(s, "NOOP\r\n");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	t_feed(s, "NOOP\r\n");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	assert_non_null(strstr(t.out, "421 4.7.0 mx.trap.test Error: too many "
	    "commands\r\n"));
	smtp_session_free(s);
}

static void
test_message_limits(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	char buf[8192];
	size_t n;

	(void)state;
	c.keep_headers = 1024;
	c.keep_body = 100;
	c.max_message_size = 20000;
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\n");
	/* A header line longer than line_max: kept whole or not at all. */
	n = (size_t)snprintf(buf, sizeof(buf), "Subject: ");
	memset(buf + n, 's', 700);
	n += 700;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\nX-Big: ");
	memset(buf + n, 'b', 700);
	n += 700;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\nX-Small: 1\r\n"
	    "\r\n");
	/* A body line of 5000 bytes that starts with a stuffed dot. */
	buf[n++] = '.';
	buf[n++] = '.';
	memset(buf + n, 'y', 5000);
	n += 5000;
	memcpy(buf + n, "\r\n.\r\n", 5);
	n += 5;
	assert_int_equal(smtp_session_input(s, buf, n), n);
	t_expect(&t, "220 250 250 354 250");
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);

	/* Past max_message_size: read to the end, recorded, 552. */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\n"
	    "Subject: x\r\n\r\n");
	memset(buf, 'z', sizeof(buf));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(smtp_session_input(s, buf, sizeof(buf)),
		    sizeof(buf));
		assert_int_equal(smtp_session_in_data(s), 1);
	}
	t_feed(s, "\r\n.\r\nNOOP\r\n");
	t_expect(&t, "220 250 250 354 552 250");
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);
}

/* What the classifier gets: unstuffed, header cut at line edges. */
static void
test_kept(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	const char *m;
	char buf[4096], want[4096];
	size_t n, len;

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\n"
	    "Subject: a\nX: ..b\r\n\r\n..\r\n...x\r\n.y\r\n\r\n"
	    "last\r\n.\r\n");
	m = smtp_session_message(s, &len);
	assert_int_equal(len, 41);
	assert_memory_equal(m, "Subject: a\r\nX: ..b\r\n\r\n.\r\n..x\r\n"
	    "y\r\n\r\nlast\r\n", 41);
	smtp_session_free(s);

	/* keep_headers 1024: the 700-byte lines fit once, not twice. */
	c.keep_headers = 1024;
	c.keep_body = 10;
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\n");
	n = (size_t)snprintf(buf, sizeof(buf), "A: ");
	memset(buf + n, 'a', 697);
	n += 697;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\nB: ");
	memset(buf + n, 'b', 697);
	n += 697;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\nC: c\r\n\r\n"
	    "0123456789abcdef\r\n.\r\n");
	assert_int_equal(smtp_session_input(s, buf, n), n);
	m = smtp_session_message(s, &len);
	n = (size_t)snprintf(want, sizeof(want), "A: ");
	memset(want + n, 'a', 697);
	n += 697;
	n += (size_t)snprintf(want + n, sizeof(want) - n, "\r\n\r\n"
	    "0123456789");
	if (len != n || memcmp(m, want, n) != 0)
		fail_msg("kept %zu bytes: %.*s", len, (int)len, m);
	smtp_session_free(s);
}

static void
test_starttls(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	static const char in[] = "EHLO x\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<v@trap.test>\r\nSTARTTLS\r\nMAIL FROM:<injected>\r\n";
	size_t n;

	(void)state;
	s = t_start(&t, &c);
	n = smtp_session_input(s, in, sizeof(in) - 1);
	/* Taken up to STARTTLS; the rest is for the server to discard. */
	assert_int_equal(n, strstr(in, "MAIL FROM:<injected>") - in);
	assert_int_equal(smtp_session_want(s), SMTP_WANT_TLS);
	assert_int_equal(t.nhits, 1);		/* STARTTLS ends it */
	t_expect(&t, "220 250 250 250 220");
	assert_int_equal(smtp_session_input(s, "NOOP\r\n", 6), 0);
	smtp_session_tls_ready(s);
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	t.outlen = 0;
	t.out[0] = '\0';
	t_feed(s, "EHLO x\r\nSTARTTLS\r\n");
	assert_null(strstr(t.out, "STARTTLS"));
	t_expect(&t, "250 503");
	smtp_session_free(s);
}

/* Replies pile up unread: input stops at a line edge, then resumes. */
static void
test_backlog(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	static const char in[] = "NOOP\r\nNOOP\r\n";

	(void)state;
	s = t_start(&t, &c);
	assert_int_equal(smtp_session_input(s, in, 3), 3);
	t.backlog = SMTP_BACKLOG_MAX;
	/* The line already begun is finished, nothing more. */
	assert_int_equal(smtp_session_input(s, in + 3, sizeof(in) - 4), 3);
	t_expect(&t, "220 250");
	t.backlog = 0;
	assert_int_equal(smtp_session_input(s, in + 6, 6), 6);
	t_expect(&t, "220 250 250");
	smtp_session_free(s);
}

/* Stopping: a message in flight is answered first, then 421. */
static void
test_drain(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;

	(void)state;
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\n"
	    "Subject: x\r\n");
	smtp_session_drain(s);
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	t_feed(s, "\r\nbody\r\n.\r\n");
	t_expect(&t, "220 250 250 354 250 421");
	assert_non_null(strstr(t.out, "421 4.3.2"));
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);

	/* Cut off in DATA: the client will retry, nothing recorded. */
	s = t_start(&t, &c);
	t_feed(s, "MAIL FROM:<>\r\nRCPT TO:<v@trap.test>\r\nDATA\r\nx\r\n");
	smtp_session_end(s, SMTP_END_TIMEOUT);
	assert_int_equal(t.nhits, 0);
	assert_non_null(strstr(t.out, "421 4.4.2"));
	smtp_session_free(s);

	/* Idle between commands: 421 at once. */
	s = t_start(&t, &c);
	smtp_session_drain(s);
	t_expect(&t, "220 421");
	smtp_session_free(s);
}

static void
test_rcpt_match(void **state)
{
	static const struct {
		const char		*arg;
		enum smtp_rcpt_match	 want;
	} cases[] = {
		{ "TO:<a@trap.test>", SMTP_RCPT_TRAP },
		{ "TO:<A@TRAP.TEST>", SMTP_RCPT_TRAP },
		{ "TO:<\"a b\"@trap.test>", SMTP_RCPT_TRAP },
		{ "TO:<\"x@t2.test\"@trap.test>", SMTP_RCPT_TRAP },
		{ "TO:<a@sub.trap.test>", SMTP_RCPT_RELAY },
		{ "TO:<a@trap.test.example>", SMTP_RCPT_RELAY },
		{ "TO:<a@[127.0.0.1]>", SMTP_RCPT_RELAY },
		{ "TO:<a@example.org>", SMTP_RCPT_RELAY },
		{ "TO:<bounce-42@t2.test>", SMTP_RCPT_TRAP },
		{ "TO:<Bounce-42@T2.test>", SMTP_RCPT_TRAP },
		{ "TO:<bounce@t2.test>", SMTP_RCPT_UNKNOWN },
		{ "TO:<\"bounce-1@trap.test\"@t2.test>", SMTP_RCPT_UNKNOWN },
		{ "TO:<Postmaster>", SMTP_RCPT_UNKNOWN },
	};
	struct smtp_config c = t_config();
	struct smtp_path p;
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(smtp_parse_path(cases[i].arg,
		    strlen(cases[i].arg), SMTP_PATH_RCPT, &p, &err), 0);
		if (smtp_rcpt_match(&c, &p) != cases[i].want)
			fail_msg("%s: %d", cases[i].arg, smtp_rcpt_match(&c,
			    &p));
	}
	/* No patterns: every address in a trap domain. */
	c.npatterns = 0;
	assert_int_equal(smtp_parse_path("TO:<bounce@t2.test>", 19,
	    SMTP_PATH_RCPT, &p, &err), 0);
	assert_int_equal(smtp_rcpt_match(&c, &p), SMTP_RCPT_TRAP);
}

/*
 * Group commit: the server queues the hit; the session takes no more
 * input and holds its replies until smtp_session_recorded(), then
 * answers in order. Nothing acknowledges a hit before its result.
 */
static void
test_queued(void **state)
{
	struct smtp_config c = t_config();
	struct t_srv t;
	struct smtp_session *s;
	struct smtp_stats st;
	struct store_hit h;
	const char *in = "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>"
	    "\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<b@trap.test>\r\nQUIT\r\n";
	const char *rest = strstr(in, ".\r\n") + 3;
	size_t n, outlen;

	(void)state;
	s = t_start(&t, &c);
	t.queue = 1;
	/* Pipelined: taken up to the final dot, not a byte further. */
	n = smtp_session_input(s, in, strlen(in));
	assert_int_equal(n, (size_t)(rest - in));
	assert_int_equal(smtp_session_want(s), SMTP_WANT_COMMIT);
	assert_int_equal(t.nhits, 1);
	t_expect(&t, "220 250 250 250 354");
	assert_int_equal(smtp_session_input(s, rest, strlen(rest)), 0);
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	t_expect(&t, "220 250 250 250 354 250");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	/* A second result is ignored: nothing is queued. */
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	t_expect(&t, "220 250 250 250 354 250");

	/* The callout's QUIT: 221 only once its hit is committed. */
	t_feed(s, rest);
	t_expect(&t, "220 250 250 250 354 250 250 250");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_COMMIT);
	assert_int_equal(t.nhits, 2);
	assert_string_equal(t.hits[1].rcpt, "b@trap.test");
	h = t_hit(&t, 1);
	smtp_session_recorded(s, &h, 0, STORE_HIT_EXTENDED);
	t_expect(&t, "220 250 250 250 354 250 250 250 221");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	smtp_session_stats(s, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.lost, 0);
	smtp_session_free(s);

	/* The commit failed: 451, never 250; the session goes on. */
	s = t_start(&t, &c);
	t.queue = 1;
	t_feed(s, "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "DATA\r\nSubject: x\r\n\r\n.\r\n");
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, -1, STORE_HIT_NOT_LISTABLE);
	t_expect(&t, "220 250 250 250 354 451");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_INPUT);
	smtp_session_stats(s, &st);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.lost, 1);
	t_feed(s, "NOOP\r\n");
	t_expect(&t, "220 250 250 250 354 451 250");
	smtp_session_free(s);

	/* RSET and EHLO after a callout wait too, and keep their order. */
	s = t_start(&t, &c);
	t.queue = 1;
	in = "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "RSET\r\nNOOP\r\n";
	n = smtp_session_input(s, in, strlen(in));
	assert_int_equal(n, strlen(in) - strlen("NOOP\r\n"));
	t_expect(&t, "220 250 250 250");
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	t_expect(&t, "220 250 250 250 250");
	t_feed(s, "NOOP\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "EHLO again\r\n");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_COMMIT);
	outlen = t.outlen;
	h = t_hit(&t, 1);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	assert_true(t.outlen > outlen);
	assert_non_null(strstr(t.out + outlen, "250-mx.trap.test\r\n"));
	smtp_session_free(s);

	/* The server ends the session meanwhile: the 250, then its 421. */
	s = t_start(&t, &c);
	t.queue = 1;
	t_feed(s, "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "DATA\r\nSubject: x\r\n\r\n.\r\n");
	smtp_session_end(s, SMTP_END_SHUTDOWN);
	t_expect(&t, "220 250 250 250 354");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_COMMIT);
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	t_expect(&t, "220 250 250 250 354 250 421");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	assert_int_equal(t.nhits, 1);
	smtp_session_free(s);

	/* STARTTLS after a callout: the 220, then the handshake. */
	s = t_start(&t, &c);
	t.queue = 1;
	t_feed(s, "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "STARTTLS\r\n");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_COMMIT);
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	t_expect(&t, "220 250 250 250 220");
	assert_int_equal(smtp_session_want(s), SMTP_WANT_TLS);
	smtp_session_free(s);

	/*
	 * The connection is lost meanwhile: the hit is still logged and
	 * counted when its result comes, and nothing more is written.
	 */
	s = t_start(&t, &c);
	t.queue = 1;
	t_feed(s, "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n"
	    "DATA\r\nSubject: x\r\n\r\n.\r\n");
	outlen = t.outlen;
	smtp_session_lost(s);
	assert_int_equal(t.nhits, 1);
	h = t_hit(&t, 0);
	smtp_session_recorded(s, &h, 0, STORE_HIT_LISTED);
	assert_int_equal(t.outlen, outlen);
	assert_int_equal(smtp_session_want(s), SMTP_WANT_CLOSE);
	smtp_session_stats(s, &st);
	assert_int_equal(st.hits, 1);
	smtp_session_free(s);

	/* Lost with a callout open: queued, and freed without a result. */
	s = t_start(&t, &c);
	t.queue = 1;
	t_feed(s, "EHLO q.test\r\nMAIL FROM:<>\r\nRCPT TO:<a@trap.test>\r\n");
	outlen = t.outlen;
	smtp_session_lost(s);
	assert_int_equal(t.nhits, 1);
	assert_string_equal(t.hits[0].subclass, "callout/null-sender");
	assert_int_equal(t.outlen, outlen);
	smtp_session_free(s);
}

static void
test_log_quote(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(smtp_log_quote("mx.example", 10, out, sizeof(out)),
	    "mx.example");
	assert_string_equal(smtp_log_quote("a\"b\\c\n", 6, out, sizeof(out)),
	    "a\\x22b\\x5cc\\x0a");
	assert_string_equal(smtp_log_quote("a\0b", 3, out, sizeof(out)),
	    "a\\x00b");
	smtp_log_quote("0123456789012345678901234567890123456789", 40, out,
	    sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_non_null(strstr(out, "..."));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_ehlo),
		cmocka_unit_test(test_callout),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_bytewise),
		cmocka_unit_test(test_errors_and_limits),
		cmocka_unit_test(test_message_limits),
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_backlog),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_rcpt_match),
		cmocka_unit_test(test_queued),
		cmocka_unit_test(test_log_quote),
	};

	log_init("test_smtp_session", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
