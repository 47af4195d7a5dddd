/* fuzz_smtp.c -- libFuzzer harness for SMTP parsing and the trap's session. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "core/log.h"
#include "trap/smtp_parse.h"
#include "trap/smtp_session.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Small limits, so that inputs of a few kilobytes reach every edge: a
 * line cut at line_max, headers past keep_headers, a message past
 * max_message_size, the recipient, command and error limits.
 */
#define FUZZ_LINE_MAX		512
#define FUZZ_KEEP_HEADERS	1024
#define FUZZ_KEEP_BODY		512
#define FUZZ_MESSAGE_MAX	4096

struct fuzz_srv {
	size_t		 out;		/* reply bytes */
	size_t		 col;		/* bytes into the current reply line */
	char		 prev;		/* the last reply byte */
	int		 fail;		/* record() fails */
	unsigned int	 hits;
};

/* Every reply is whole lines: "DDD" then ' ' or '-', CRLF, <= 512. */
static void
fuzz_write(void *arg, const char *buf, size_t len)
{
	struct fuzz_srv *f = arg;

	for (size_t i = 0; i < len; i++) {
		if (f->col < 3 && (buf[i] < '0' || buf[i] > '9'))
			abort();
		if (f->col == 3 && buf[i] != ' ' && buf[i] != '-')
			abort();
		if (buf[i] == '\n') {
			if (f->col < 4 || f->prev != '\r')
				abort();
			f->col = 0;
		} else if (++f->col > 512)
			abort();
		f->prev = buf[i];
	}
	f->out += len;
}

/* A hit must be one the store can take, from a trap transaction. */
static int
fuzz_record(void *arg, const struct store_hit *h, enum store_hit_outcome *o)
{
	struct fuzz_srv *f = arg;

	if ((unsigned int)h->class >= HIT_NCLASSES || h->class == HIT_MANUAL)
		abort();
	if (h->mail_from == NULL || h->rcpt == NULL ||
	    strchr(h->rcpt, '@') == NULL || strlen(h->rcpt) > SMTP_PATH_MAX)
		abort();
	if (h->helo != NULL && strlen(h->helo) > SMTP_HELO_MAX)
		abort();
	*o = STORE_HIT_LISTED;
	if (f->fail)
		return -1;
	f->hits++;
	return 0;
}

static size_t
fuzz_backlog(void *arg)
{
	(void)arg;
	return 0;
}

static int64_t
fuzz_now(void *arg)
{
	(void)arg;
	return 1800000000;
}

static const struct smtp_io fuzz_io = {
	fuzz_write, fuzz_record, fuzz_backlog, fuzz_now,
};
static const char *const fuzz_domains[] = { "trap.test" };
static const char *const fuzz_patterns[] = { "*@trap.test", "[a-c]*" };

/* The parsers alone, on the whole input as one line. */
static void
fuzz_parsers(const char *s, size_t len)
{
	struct smtp_cmd cmd;
	struct smtp_path p;
	const char *err, *out;
	size_t outlen;
	int rc;

	err = NULL;
	if (smtp_parse_command(s, len, &cmd, &err) == 0) {
		if (cmd.arg < s || cmd.arg + cmd.arglen > s + len ||
		    cmd.verblen > len)
			abort();
	} else if (err == NULL)
		abort();
	for (int kind = SMTP_PATH_MAIL; kind <= SMTP_PATH_RCPT; kind++) {
		err = NULL;
		rc = smtp_parse_path(s, len, (enum smtp_path_kind)kind, &p,
		    &err);
		if (rc == 0) {
			size_t n = strnlen(p.addr, sizeof(p.addr));

			if (n == sizeof(p.addr) || n + 2 > SMTP_PATH_MAX ||
			    p.locallen > SMTP_LOCAL_MAX || p.locallen > n)
				abort();
			if (p.null != (n == 0) || (p.null &&
			    kind == SMTP_PATH_RCPT))
				abort();
			if (!p.null && !p.postmaster && p.addr[p.locallen] !=
			    '@')
				abort();
			if (p.size < -1)
				abort();
		} else if ((rc != SMTP_PATH_SYNTAX && rc != SMTP_PATH_PARAM) ||
		    err == NULL)
			abort();
	}
	err = NULL;
	if (smtp_parse_helo(s, len, &err) == -1 && err == NULL)
		abort();
	if (smtp_data_line(s, len, &out, &outlen) == 0 &&
	    (out < s || out + outlen > s + len))
		abort();
}

/*
 * A whole session over the input, fed in two pieces split where the
 * first byte says; a second run with a failing store.
 */
static void
fuzz_session(const char *s, size_t len, int fail)
{
	struct smtp_config c;
	struct classify_config cc;
	struct smtp_session *sess;
	struct fuzz_srv f;
	struct addr a;
	size_t split, off = 0, n, kept;

	memset(&c, 0, sizeof(c));
	memset(&cc, 0, sizeof(cc));
	memset(&f, 0, sizeof(f));
	memset(&a, 0, sizeof(a));
	c.hostname = "mx.trap.test";
	c.sensor = "fuzz";
	c.domains = fuzz_domains;
	c.ndomains = 1;
	c.patterns = fuzz_patterns;
	c.npatterns = 2;
	c.line_max = FUZZ_LINE_MAX;
	c.max_recipients = 3;
	c.max_message_size = FUZZ_MESSAGE_MAX;
	c.keep_headers = FUZZ_KEEP_HEADERS;
	c.keep_body = FUZZ_KEEP_BODY;
	c.max_commands = 200;
	c.max_errors = 20;
	c.tls = 1;
	c.classify = &cc;
	f.fail = fail;
	if ((sess = smtp_session_new(&c, &fuzz_io, &f, "fuzz", &a)) == NULL)
		return;
	smtp_session_greet(sess);
	split = len > 0 ? (unsigned char)s[0] % (len + 1) : 0;
	while (off < len) {
		size_t piece = off < split ? split - off : len - off;

		n = smtp_session_input(sess, s + off, piece);
		if (n > piece)
			abort();
		if (smtp_session_want(sess) == SMTP_WANT_TLS) {
			/* What the server does: drop the rest, finish TLS. */
			smtp_session_tls_ready(sess);
			off = len;
			break;
		}
		if (smtp_session_want(sess) == SMTP_WANT_CLOSE) {
			if (smtp_session_input(sess, "NOOP\r\n", 6) != 0)
				abort();
			break;
		}
		if (n < piece)
			abort();	/* backlog() is 0: all must be taken */
		off += n;
	}
	(void)smtp_session_message(sess, &kept);
	if (kept > FUZZ_KEEP_HEADERS + FUZZ_KEEP_BODY)
		abort();
	if (len > 1 && (s[1] & 1))
		smtp_session_drain(sess);
	smtp_session_lost(sess);
	smtp_session_free(sess);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	const char *s = (const char *)data;
	const char *nl;
	size_t off = 0;

	if (!once) {
		log_init("fuzz_smtp", LOG_LEVEL_ERROR);
		once = 1;
	}
	fuzz_parsers(s, size);
	/* And each line on its own, as the session would see it. */
	while (off < size && (nl = memchr(s + off, '\n', size - off)) != NULL) {
		fuzz_parsers(s + off, (size_t)(nl - (s + off)));
		off = (size_t)(nl - s) + 1;
	}
	fuzz_session(s, size, 0);
	fuzz_session(s, size, 1);
	return 0;
}
