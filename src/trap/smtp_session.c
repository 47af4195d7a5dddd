/* smtp_session.c -- one trap SMTP session: the RFC 5321 state machine. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "core/log.h"
#include "trap/smtp_session.h"

/*
 * A reply line: RFC 5321 4.5.3.1.5 caps it at 512 octets with the CRLF.
 * The EHLO reply is several lines and gets a buffer of its own.
 */
#define SMTP_REPLY_MAX		512
#define SMTP_EHLO_MAX		1024
/* Log values are cut here: a log line is for people (log.c cuts at 4k). */
#define SMTP_LOG_VALUE_MAX	300
/* The message buffer grows from this size up to keep_headers + keep_body. */
#define SMTP_MSG_INITIAL	8192
/*
 * Replies held while a hit is queued: no input is taken meanwhile, so at
 * most the reply of the command that ended the transaction (EHLO's is
 * the longest) and a 421 from the server ending the session.
 */
#define SMTP_HELD_MAX		(SMTP_EHLO_MAX + 2 * SMTP_REPLY_MAX)

enum smtp_state {
	SMTP_S_CMD,		/* reading commands */
	SMTP_S_DATA,		/* reading message content, after 354 */
	SMTP_S_TLS,		/* 220 to STARTTLS sent, handshake next */
	SMTP_S_CLOSED,		/* 221 or 421 sent, or the peer is gone */
};

struct smtp_session {
	const struct smtp_config	*cfg;
	const struct smtp_io		*io;
	void				*arg;
	char				 id[SMTP_ID_MAX];
	struct addr			 addr;
	char				 addrtxt[ADDR_STRLEN];
	enum smtp_state			 state;
	int				 tls;		/* TLS is on */
	int				 draining;	/* 421 after DATA */
	int				 gone;		/* no more writes */

	/*
	 * A hit io->record() queued (SMTP_RECORD_QUEUED). Until its result
	 * comes, replies go to held and no input is taken. After the final
	 * dot the reply itself waits: it depends on the result.
	 */
	int				 pending;
	int				 pend_data;	/* reply 250/451/552 */
	int				 pend_big;	/* 552, not 250 */
	size_t				 pend_rcpts;	/* for the log line */
	uint64_t			 pend_size;
	char				*held;
	size_t				 heldlen;
	size_t				 heldcap;

	/* The line being assembled: line_max - 1 bytes, no LF. */
	char				*line;
	size_t				 linecap;
	size_t				 linelen;
	int				 overflow;	/* line too long */
	int				 midline;	/* DATA: line split */

	char				 helo[SMTP_HELO_MAX + 1];

	/* The transaction: MAIL seen, recipients, the message. */
	int				 has_mail;
	char				 mail_from[SMTP_PATH_MAX + 1];
	char				 rcpt[SMTP_PATH_MAX + 1];
	size_t				 nrcpt;
	unsigned int			 txn;		/* messages so far */

	char				*msg;		/* kept bytes */
	size_t				 msglen;
	size_t				 msgcap;
	uint64_t			 msgsize;	/* all bytes received */
	size_t				 hdr_kept;
	size_t				 body_kept;
	int				 in_headers;
	int				 hdr_full;	/* lines dropped */
	int				 line_kept;	/* of this line */

	struct smtp_stats		 stats;
};

static void	smtp_reply(struct smtp_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

const char *
smtp_log_quote(const char *in, size_t len, char *out, size_t size)
{
	size_t off = 0, i;
	unsigned char c;

	if (size < 8) {
		if (size > 0)
			out[0] = '\0';
		return out;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		/* Room for this byte's escape, "..." and the NUL. */
		if (off + 4 + 4 >= size) {
			memcpy(out + off, "...", 3);
			off += 3;
			break;
		}
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
			snprintf(out + off, size - off, "\\x%02x", c);
			off += 4;
		} else
			out[off++] = (char)c;
	}
	out[off] = '\0';
	return out;
}

static const char *
smtp_outcome_name(enum store_hit_outcome o)
{
	switch (o) {
	case STORE_HIT_LISTED:
		return "listed";
	case STORE_HIT_EXTENDED:
		return "extended";
	case STORE_HIT_PENDING:
		return "pending";
	case STORE_HIT_NOT_LISTABLE:
		return "not-listable";
	case STORE_HIT_SPECIAL:
		return "special";
	case STORE_HIT_EXCLUDED:
		return "excluded";
	}
	return "?";
}

/*
 * Hands reply bytes to the server, or holds them while a hit is queued:
 * a reply must not overtake the one that waits for the commit.
 */
static void
smtp_write(struct smtp_session *s, const char *buf, size_t len)
{
	size_t cap;
	char *p;

	if (s->gone)
		return;
	if (!s->pending) {
		s->io->write(s->arg, buf, len);
		return;
	}
	if (s->heldlen + len > s->heldcap) {
		cap = s->heldlen + len > SMTP_REPLY_MAX ? SMTP_HELD_MAX :
		    SMTP_REPLY_MAX;
		/* Cannot happen (SMTP_HELD_MAX): our bug, not the peer's. */
		if (s->heldlen + len > cap ||
		    (p = realloc(s->held, cap)) == NULL) {
			log_warnx("%s event=error what=\"reply dropped while "
			    "a hit is queued\" bytes=%zu", s->id, len);
			return;
		}
		s->held = p;
		s->heldcap = cap;
	}
	memcpy(s->held + s->heldlen, buf, len);
	s->heldlen += len;
}

/* Writes one reply line; every 5xx counts against max_errors. */
static void
smtp_reply(struct smtp_session *s, const char *fmt, ...)
{
	char buf[SMTP_REPLY_MAX];
	va_list ap;
	int n;

	/* Most replies are fixed text: no printf for them. */
	if (strchr(fmt, '%') == NULL) {
		n = (int)strnlen(fmt, sizeof(buf) - 3);
		memcpy(buf, fmt, (size_t)n);
	} else {
		va_start(ap, fmt);
		n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
	}
	if ((size_t)n > sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;
	buf[n++] = '\r';
	buf[n++] = '\n';
	smtp_write(s, buf, (size_t)n);
	if (buf[0] == '5')
		s->stats.errors++;
}

/*
 * "250 2.0.0 Ok: queued as ID.N", the reply to every message: put
 * together by hand, as smtp_reply() would need vsnprintf for it.
 */
static void
smtp_reply_queued(struct smtp_session *s)
{
	static const char head[] = "250 2.0.0 Ok: queued as ";
	char buf[sizeof(head) - 1 + SMTP_ID_MAX + 1 + 10 + 2];
	char digits[10];
	size_t n = sizeof(head) - 1, idlen, k = 0;
	unsigned int v = s->txn;

	memcpy(buf, head, n);
	idlen = strnlen(s->id, sizeof(s->id));
	memcpy(buf + n, s->id, idlen);
	n += idlen;
	buf[n++] = '.';
	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && k < sizeof(digits));
	while (k > 0)
		buf[n++] = digits[--k];
	buf[n++] = '\r';
	buf[n++] = '\n';
	smtp_write(s, buf, n);
}

/*
 * Closes with 421 (RFC 5321 3.8: the server may close at any time, but
 * should say so first). A transaction that reached a trap is recorded
 * before the reply, as for QUIT.
 */
static void	smtp_txn_end(struct smtp_session *);

static void
smtp_close(struct smtp_session *s, const char *code, const char *text)
{
	if (s->state == SMTP_S_CLOSED)
		return;
	if (s->state == SMTP_S_DATA)
		/*
		 * Not recorded: the client did not get its 250, so it keeps
		 * the message and sends it again; a record of the cut copy
		 * would count it twice, classified on half of it.
		 */
		log_info("%s event=abort state=data addr=%s size=%llu",
		    s->id, s->addrtxt, (unsigned long long)s->msgsize);
	else
		smtp_txn_end(s);
	s->state = SMTP_S_CLOSED;
	smtp_reply(s, "421 %s %s %s", code, s->cfg->hostname, text);
}

/* After a client error: the max_errors-th closes the session. */
static void
smtp_check_errors(struct smtp_session *s)
{
	if (s->state != SMTP_S_CLOSED &&
	    s->stats.errors >= s->cfg->max_errors) {
		log_info("%s event=limit what=errors addr=%s count=%u", s->id,
		    s->addrtxt, s->stats.errors);
		smtp_close(s, "4.7.0", "Error: too many errors");
	}
}

/* The log line of a hit once its fate is known; counts it. */
static void
smtp_hit_log(struct smtp_session *s, const struct store_hit *h, int rc,
    enum store_hit_outcome outcome, size_t nrcpt, uint64_t size)
{
	char helo[SMTP_LOG_VALUE_MAX], from[SMTP_LOG_VALUE_MAX];
	char rcpt[SMTP_LOG_VALUE_MAX], sub[SMTP_LOG_VALUE_MAX];
	struct log_line l;
	const char *name, *v;

	if (rc != -1) {
		s->stats.hits++;
		if (!log_enabled(LOG_LEVEL_INFO))
			return;
	}
	v = h->helo != NULL ? h->helo : "";
	smtp_log_quote(v, strlen(v), helo, sizeof(helo));
	smtp_log_quote(h->mail_from, strlen(h->mail_from), from, sizeof(from));
	smtp_log_quote(h->rcpt, strlen(h->rcpt), rcpt, sizeof(rcpt));
	v = h->subclass != NULL ? h->subclass : "";
	smtp_log_quote(v, strnlen(v, CLASSIFY_SUBCLASS_MAX), sub, sizeof(sub));
	name = hitclass_name(h->class);
	if (rc == -1) {
		s->stats.lost++;
		log_warnx("%s event=store-error addr=%s class=%s "
		    "subclass=\"%s\" helo=\"%s\" from=\"%s\" rcpt=\"%s\"",
		    s->id, s->addrtxt, name ? name : "?", sub, helo, from,
		    rcpt);
		return;
	}
	/*
	 * "%s event=hit addr=%s class=%s subclass=\"%s\" outcome=%s
	 * helo=\"%s\" from=\"%s\" rcpt=\"%s\" rcpts=%zu size=%llu", by
	 * pieces: this line is written for every hit.
	 */
	log_line_init(&l);
	log_line_str(&l, s->id);
	log_line_str(&l, " event=hit addr=");
	log_line_str(&l, s->addrtxt);
	log_line_str(&l, " class=");
	log_line_str(&l, name ? name : "?");
	log_line_str(&l, " subclass=\"");
	log_line_str(&l, sub);
	log_line_str(&l, "\" outcome=");
	log_line_str(&l, smtp_outcome_name(outcome));
	log_line_str(&l, " helo=\"");
	log_line_str(&l, helo);
	log_line_str(&l, "\" from=\"");
	log_line_str(&l, from);
	log_line_str(&l, "\" rcpt=\"");
	log_line_str(&l, rcpt);
	log_line_str(&l, "\" rcpts=");
	log_line_u64(&l, nrcpt);
	log_line_str(&l, " size=");
	log_line_u64(&l, (unsigned long long)size);
	log_line_emit(LOG_LEVEL_INFO, &l);
}

/*
 * Builds one hit and hands it to the server: 0 committed, -1 the store
 * failed, or SMTP_RECORD_QUEUED: the session now waits for
 * smtp_session_recorded() (one hit at most: no input is taken until).
 */
static int
smtp_record(struct smtp_session *s, const struct classify_result *res)
{
	struct store_hit h;
	enum store_hit_outcome outcome = STORE_HIT_NOT_LISTABLE;
	int rc;

	memset(&h, 0, sizeof(h));
	h.t = s->io->now(s->arg);
	h.addr = s->addr;
	h.class = res->class;
	h.subclass = res->subclass[0] != '\0' ? res->subclass : NULL;
	h.sensor = s->cfg->sensor;
	h.helo = s->helo[0] != '\0' ? s->helo : NULL;
	h.mail_from = s->mail_from;
	h.rcpt = s->rcpt;
	h.excerpt = res->excerpt[0] != '\0' ? res->excerpt : NULL;

	rc = s->io->record(s->arg, &h, &outcome);
	if (rc == SMTP_RECORD_QUEUED) {
		s->pending = 1;
		s->pend_rcpts = s->nrcpt;
		s->pend_size = s->msgsize;
		return rc;
	}
	rc = rc == 0 ? 0 : -1;
	smtp_hit_log(s, &h, rc, outcome, s->nrcpt, s->msgsize);
	return rc;
}

static void
smtp_txn_reset(struct smtp_session *s)
{
	s->has_mail = 0;
	s->mail_from[0] = '\0';
	s->rcpt[0] = '\0';
	s->nrcpt = 0;
	s->msgsize = 0;
	s->hdr_kept = s->body_kept = 0;
	s->in_headers = 1;
	s->hdr_full = s->line_kept = 0;
}

/*
 * Ends a transaction without a message (RSET, QUIT, HELO/EHLO again,
 * STARTTLS, a limit, the connection lost). If it reached a trap, that is
 * what a sender callout looks like, whatever the sender: classify and
 * record it. A failed store cannot be reported to the client here (RSET
 * and QUIT have no failure reply that means "retry"), so it is logged.
 */
static void
smtp_txn_end(struct smtp_session *s)
{
	struct classify_result res;

	if (s->has_mail && s->nrcpt > 0) {
		s->stats.transactions++;
		classify_no_data(s->cfg->classify, s->mail_from, &res);
		(void)smtp_record(s, &res);
	}
	smtp_txn_reset(s);
}

/* RFC 5321 4.1.1.1: EHLO and HELO take exactly one argument. */
static int
smtp_check_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	const char *err;

	if (smtp_parse_helo(cmd->arg, cmd->arglen, &err) == -1) {
		smtp_reply(s, "501 5.5.4 Syntax: %s hostname (%s)",
		    cmd->verb == SMTP_VERB_EHLO ? "EHLO" : "HELO", err);
		return -1;
	}
	return 0;
}

static void
smtp_set_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	char q[SMTP_LOG_VALUE_MAX];

	/* RFC 5321 4.1.4: a second EHLO ends the transaction like RSET. */
	smtp_txn_end(s);
	memcpy(s->helo, cmd->arg, cmd->arglen);
	s->helo[cmd->arglen] = '\0';
	log_debug("%s event=helo addr=%s verb=%s helo=\"%s\"", s->id,
	    s->addrtxt, smtp_verb_name(cmd->verb),
	    smtp_log_quote(s->helo, cmd->arglen, q, sizeof(q)));
}

static void
smtp_run_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	smtp_set_helo(s, cmd);
	smtp_reply(s, "250 %s", s->cfg->hostname);
}

/*
 * RFC 5321 4.1.1.1 and the extensions we offer: RFC 2920 PIPELINING,
 * RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 2034 ENHANCEDSTATUSCODES and,
 * before TLS is on, RFC 3207 STARTTLS.
 */
static void
smtp_run_ehlo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	char buf[SMTP_EHLO_MAX];
	int n;

	smtp_set_helo(s, cmd);
	n = snprintf(buf, sizeof(buf),
	    "250-%s\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE %llu\r\n"
	    "%s"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 8BITMIME\r\n",
	    s->cfg->hostname, (unsigned long long)s->cfg->max_message_size,
	    s->cfg->tls && !s->tls ? "250-STARTTLS\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(buf))
		smtp_write(s, buf, (size_t)n);
}

static int
smtp_check_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_path p;
	const char *err;
	int rc;

	if (s->has_mail) {
		smtp_reply(s, "503 5.5.1 Error: nested MAIL command");
		return -1;
	}
	rc = smtp_parse_path(cmd->arg, cmd->arglen, SMTP_PATH_MAIL, &p, &err);
	if (rc == SMTP_PATH_PARAM) {
		smtp_reply(s, "555 5.5.4 Unsupported parameter in MAIL FROM "
		    "(%s)", err);
		return -1;
	}
	if (rc != 0) {
		smtp_reply(s, "501 5.1.7 Bad sender address syntax (%s)", err);
		return -1;
	}
	/* RFC 1870 6.1: refuse at once what the message will not fit in. */
	if (p.size != -1 && (uint64_t)p.size > s->cfg->max_message_size) {
		smtp_reply(s, "552 5.3.4 Message size exceeds fixed limit");
		return -1;
	}
	return 0;
}

static void
smtp_run_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_path p;
	const char *err;
	char q[SMTP_LOG_VALUE_MAX];

	/* Parsed again: check() keeps nothing, and it is cheap. */
	(void)smtp_parse_path(cmd->arg, cmd->arglen, SMTP_PATH_MAIL, &p,
	    &err);
	smtp_txn_reset(s);
	s->has_mail = 1;
	memcpy(s->mail_from, p.addr, strlen(p.addr) + 1);
	log_debug("%s event=mail addr=%s from=\"%s\"", s->id, s->addrtxt,
	    smtp_log_quote(p.addr, strlen(p.addr), q, sizeof(q)));
	smtp_reply(s, "250 2.1.0 Ok");
}

static int
smtp_check_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_path p;
	const char *err;
	int rc;

	if (!s->has_mail) {
		smtp_reply(s, "503 5.5.1 Error: need MAIL command");
		return -1;
	}
	rc = smtp_parse_path(cmd->arg, cmd->arglen, SMTP_PATH_RCPT, &p, &err);
	if (rc == SMTP_PATH_PARAM) {
		smtp_reply(s, "555 5.5.4 Unsupported parameter in RCPT TO "
		    "(%s)", err);
		return -1;
	}
	if (rc != 0) {
		smtp_reply(s, "501 5.1.3 Bad recipient address syntax (%s)",
		    err);
		return -1;
	}
	/* RFC 5321 4.5.3.1.10: 452 for too many recipients. */
	if (s->nrcpt >= s->cfg->max_recipients) {
		smtp_reply(s, "452 4.5.3 Error: too many recipients");
		return -1;
	}
	return 0;
}

static void
smtp_run_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_path p;
	const char *err;
	char q[SMTP_LOG_VALUE_MAX];

	(void)smtp_parse_path(cmd->arg, cmd->arglen, SMTP_PATH_RCPT, &p, &err);
	smtp_log_quote(p.addr, strlen(p.addr), q, sizeof(q));
	switch (smtp_rcpt_match(s->cfg, &p)) {
	case SMTP_RCPT_TRAP:
		if (s->nrcpt++ == 0)
			memcpy(s->rcpt, p.addr, strlen(p.addr) + 1);
		log_debug("%s event=rcpt addr=%s rcpt=\"%s\" result=trap",
		    s->id, s->addrtxt, q);
		smtp_reply(s, "250 2.1.5 Ok");
		break;
	case SMTP_RCPT_UNKNOWN:
		log_debug("%s event=rcpt addr=%s rcpt=\"%s\" result=unknown",
		    s->id, s->addrtxt, q);
		smtp_reply(s, "550 5.1.1 Recipient address rejected: "
		    "mailbox unavailable");
		break;
	case SMTP_RCPT_RELAY:
		log_info("%s event=rcpt addr=%s rcpt=\"%s\" result=relay",
		    s->id, s->addrtxt, q);
		smtp_reply(s, "550 5.7.1 Relaying denied");
		break;
	}
}

static int
smtp_check_noarg(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (cmd->arglen != 0) {
		smtp_reply(s, "501 5.5.4 Syntax: %s takes no argument",
		    smtp_verb_name(cmd->verb));
		return -1;
	}
	return 0;
}

static int
smtp_check_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (smtp_check_noarg(s, cmd) == -1)
		return -1;
	if (!s->has_mail) {
		smtp_reply(s, "503 5.5.1 Error: need MAIL command");
		return -1;
	}
	/* RFC 5321 3.3: 554 (or 503) when no recipient was accepted. */
	if (s->nrcpt == 0) {
		smtp_reply(s, "554 5.5.1 Error: no valid recipients");
		return -1;
	}
	return 0;
}

static void
smtp_run_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	s->state = SMTP_S_DATA;
	s->midline = 0;
	s->msglen = 0;
	s->msgsize = 0;
	s->hdr_kept = s->body_kept = 0;
	s->in_headers = 1;
	s->hdr_full = s->line_kept = 0;
	smtp_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void
smtp_run_rset(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_txn_end(s);
	smtp_reply(s, "250 2.0.0 Ok");
}

static int
smtp_check_any(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)s;
	(void)cmd;
	return 0;
}

static void
smtp_run_noop(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "250 2.0.0 Ok");
}

static void
smtp_run_quit(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_txn_end(s);
	s->state = SMTP_S_CLOSED;
	smtp_reply(s, "221 2.0.0 Bye");
}

static int
smtp_check_arg(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (cmd->arglen == 0) {
		smtp_reply(s, "501 5.5.4 Syntax: %s needs an argument",
		    smtp_verb_name(cmd->verb));
		return -1;
	}
	return 0;
}

/* RFC 5321 3.5.3: 252 says nothing about whether the user exists. */
static void
smtp_run_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "252 2.5.2 Cannot VRFY user; try RCPT to attempt "
	    "delivery");
}

static void
smtp_run_help(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET "
	    "NOOP QUIT VRFY HELP%s", s->cfg->tls && !s->tls ? " STARTTLS" :
	    "");
}

/* Commands we know but do not offer (EXPN, AUTH, BDAT, ETRN, TURN). */
static void
smtp_run_notimpl(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "502 5.5.1 Error: command not implemented");
}

static int
smtp_check_starttls(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (!s->cfg->tls) {
		smtp_reply(s, "502 5.5.1 Error: command not implemented");
		return -1;
	}
	if (s->tls) {
		smtp_reply(s, "503 5.5.1 Error: TLS already active");
		return -1;
	}
	return smtp_check_noarg(s, cmd);
}

/*
 * RFC 3207 4.2: the state is forgotten, and whatever the client sent
 * after STARTTLS in the clear must not be taken as commands once TLS is
 * on (CVE-2011-0411): the server discards its input buffer.
 */
static void
smtp_run_starttls(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_txn_end(s);
	s->helo[0] = '\0';
	s->state = SMTP_S_TLS;
	smtp_reply(s, "220 2.0.0 Ready to start TLS");
}

/*
 * The command table, as in OpenSMTPD: check() answers 501/503 and
 * returns -1 when the command cannot run; run() then acts and answers.
 */
static const struct smtp_cmd_entry {
	enum smtp_verb	 verb;
	int		(*check)(struct smtp_session *,
			    const struct smtp_cmd *);
	void		(*run)(struct smtp_session *, const struct smtp_cmd *);
} smtp_cmds[] = {
	{ SMTP_VERB_HELO,	smtp_check_helo,	smtp_run_helo },
	{ SMTP_VERB_EHLO,	smtp_check_helo,	smtp_run_ehlo },
	{ SMTP_VERB_MAIL,	smtp_check_mail,	smtp_run_mail },
	{ SMTP_VERB_RCPT,	smtp_check_rcpt,	smtp_run_rcpt },
	{ SMTP_VERB_DATA,	smtp_check_data,	smtp_run_data },
	{ SMTP_VERB_RSET,	smtp_check_noarg,	smtp_run_rset },
	{ SMTP_VERB_NOOP,	smtp_check_any,		smtp_run_noop },
	{ SMTP_VERB_QUIT,	smtp_check_noarg,	smtp_run_quit },
	{ SMTP_VERB_VRFY,	smtp_check_arg,		smtp_run_vrfy },
	{ SMTP_VERB_HELP,	smtp_check_any,		smtp_run_help },
	{ SMTP_VERB_STARTTLS,	smtp_check_starttls,	smtp_run_starttls },
	{ SMTP_VERB_EXPN,	smtp_check_any,		smtp_run_notimpl },
	{ SMTP_VERB_AUTH,	smtp_check_any,		smtp_run_notimpl },
	{ SMTP_VERB_BDAT,	smtp_check_any,		smtp_run_notimpl },
	{ SMTP_VERB_ETRN,	smtp_check_any,		smtp_run_notimpl },
	{ SMTP_VERB_TURN,	smtp_check_any,		smtp_run_notimpl },
};
#define SMTP_NCMDS	(sizeof(smtp_cmds) / sizeof(smtp_cmds[0]))

/* One complete command line, without CRLF. */
static void
smtp_command(struct smtp_session *s, const char *line, size_t len)
{
	struct smtp_cmd cmd;
	const char *err;
	char q[SMTP_LOG_VALUE_MAX];
	size_t i;

	if (++s->stats.commands > s->cfg->max_commands) {
		log_info("%s event=limit what=commands addr=%s count=%u",
		    s->id, s->addrtxt, s->cfg->max_commands);
		smtp_close(s, "4.7.0", "Error: too many commands");
		return;
	}
	if (smtp_parse_command(line, len, &cmd, &err) == -1) {
		log_debug("%s event=bad-command addr=%s why=\"%s\"", s->id,
		    s->addrtxt, err);
		smtp_reply(s, "500 5.5.2 Error: bad syntax (%s)", err);
		smtp_check_errors(s);
		return;
	}
	for (i = 0; i < SMTP_NCMDS; i++)
		if (smtp_cmds[i].verb == cmd.verb)
			break;
	if (i == SMTP_NCMDS) {
		log_debug("%s event=bad-command addr=%s verb=\"%s\"", s->id,
		    s->addrtxt, smtp_log_quote(cmd.verbtxt, cmd.verblen, q,
		    sizeof(q)));
		smtp_reply(s, "500 5.5.2 Error: command not recognized");
		smtp_check_errors(s);
		return;
	}
	if (smtp_cmds[i].check(s, &cmd) == 0)
		smtp_cmds[i].run(s, &cmd);
	smtp_check_errors(s);
}

/*
 * Keeps message bytes for the classifier: the header block up to
 * keep_headers in whole line segments (a cut header line would run into
 * the next one), then the body up to keep_body. Everything is counted
 * against max_message_size whether kept or not.
 */
static int
smtp_msg_grow(struct smtp_session *s, size_t need)
{
	size_t cap = s->msgcap ? s->msgcap : SMTP_MSG_INITIAL;
	size_t max = s->cfg->keep_headers + s->cfg->keep_body;
	char *p;

	if (s->msglen + need <= s->msgcap)
		return 0;
	while (cap < s->msglen + need)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (cap < s->msglen + need)
		return -1;
	if ((p = realloc(s->msg, cap)) == NULL)
		return -1;
	s->msg = p;
	s->msgcap = cap;
	return 0;
}

static void
smtp_msg_keep(struct smtp_session *s, const char *p, size_t n)
{
	if (n == 0 || smtp_msg_grow(s, n) == -1)
		return;
	memcpy(s->msg + s->msglen, p, n);
	s->msglen += n;
}

/* A piece of a content line (eol 0), or its end (eol 1). */
static void
smtp_msg_add(struct smtp_session *s, const char *p, size_t n, int eol)
{
	size_t room;

	s->msgsize += n + (eol ? 2 : 0);
	if (s->msgsize > s->cfg->max_message_size)
		return;
	if (s->in_headers) {
		/* The header/body separator: always kept (its 2 reserved). */
		if (eol && n == 0 && !s->midline) {
			smtp_msg_keep(s, "\r\n", 2);
			s->hdr_kept += 2;
			s->in_headers = 0;
			return;
		}
		/* Two bytes for this line's CRLF, two for the separator. */
		if (!s->hdr_full &&
		    s->hdr_kept + n + 4 <= s->cfg->keep_headers) {
			smtp_msg_keep(s, p, n);
			s->hdr_kept += n;
			s->line_kept = 1;
		} else if (n > 0)
			s->hdr_full = 1;
		if (eol) {
			if (s->line_kept) {
				smtp_msg_keep(s, "\r\n", 2);
				s->hdr_kept += 2;
			}
			s->line_kept = 0;
		}
		return;
	}
	room = s->cfg->keep_body - s->body_kept;
	if (n > room)
		n = room;
	smtp_msg_keep(s, p, n);
	s->body_kept += n;
	if (eol && s->cfg->keep_body - s->body_kept >= 2) {
		smtp_msg_keep(s, "\r\n", 2);
		s->body_kept += 2;
	}
}

/*
 * The answer to a message once its hit's fate is known: 250, or 552 for
 * an oversized one (evidence just the same), or 451 when the store
 * failed: the client keeps the message and tries again, so nothing we
 * acknowledged is lost.
 */
static void
smtp_data_reply(struct smtp_session *s, int rc, int too_big)
{
	if (rc == -1)
		smtp_reply(s, "451 4.3.0 Error: local error in processing, "
		    "try again later");
	else if (too_big)
		smtp_reply(s, "552 5.3.4 Error: message too big");
	else
		smtp_reply_queued(s);
	/* The message is answered: a draining trap now says goodbye. */
	if (s->draining)
		smtp_close(s, "4.3.2", "Service shutting down");
}

/*
 * The final dot: classify what was kept and record the hit; the reply
 * comes only once it is committed, now or when the server's group
 * commit calls smtp_session_recorded().
 */
static void
smtp_data_end(struct smtp_session *s)
{
	struct classify_result res;
	int too_big = s->msgsize > s->cfg->max_message_size;
	int rc;

	s->state = SMTP_S_CMD;
	classify_message(s->cfg->classify, s->mail_from,
	    s->msg != NULL ? s->msg : "", s->msglen, &res);
	s->txn++;
	s->stats.transactions++;
	rc = smtp_record(s, &res);
	smtp_txn_reset(s);
	if (rc == SMTP_RECORD_QUEUED) {
		s->pend_data = 1;
		s->pend_big = too_big;
		return;
	}
	smtp_data_reply(s, rc, too_big);
}

/* A whole content line without its CRLF (or LF). */
static void
smtp_data_line_done(struct smtp_session *s, const char *line, size_t len)
{
	const char *p;
	size_t n;

	if (s->midline) {
		smtp_msg_add(s, line, len, 1);
		s->midline = 0;
		return;
	}
	if (smtp_data_line(line, len, &p, &n) == 1) {
		smtp_data_end(s);
		return;
	}
	smtp_msg_add(s, p, n, 1);
}

/*
 * The line buffer is full in the middle of a content line: pass on what
 * it holds. Such a line is far too long to be the final dot, but the
 * first piece still loses a stuffed dot. A CR at the end stays behind,
 * as it may be the first half of the CRLF.
 */
static void
smtp_data_flush(struct smtp_session *s)
{
	size_t n = s->linelen, skip = 0;
	int cr = n > 0 && s->line[n - 1] == '\r';

	if (cr)
		n--;
	if (!s->midline && n > 0 && s->line[0] == '.')
		skip = 1;
	smtp_msg_add(s, s->line + skip, n - skip, 0);
	s->midline = 1;
	s->linelen = 0;
	if (cr)
		s->line[s->linelen++] = '\r';
}

/* Appends bytes of the current line (no LF among them). */
static void
smtp_line_append(struct smtp_session *s, const char *p, size_t n)
{
	size_t room;

	while (n > 0) {
		if (s->overflow)
			return;
		room = s->linecap - s->linelen;
		if (n <= room) {
			memcpy(s->line + s->linelen, p, n);
			s->linelen += n;
			return;
		}
		if (s->state != SMTP_S_DATA) {
			/* A command line past line_max: drop it to its LF. */
			s->overflow = 1;
			return;
		}
		memcpy(s->line + s->linelen, p, room);
		s->linelen += room;
		p += room;
		n -= room;
		smtp_data_flush(s);
	}
}

/* The LF arrived: act on the line. */
static void
smtp_line_done(struct smtp_session *s)
{
	size_t len = s->linelen;

	/* RFC 5321 2.3.8 wants CRLF; a bare LF is taken, as Postfix does. */
	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	s->linelen = 0;
	if (s->overflow) {
		s->overflow = 0;
		s->stats.commands++;
		log_debug("%s event=bad-command addr=%s why=\"line too long\"",
		    s->id, s->addrtxt);
		/* RFC 5321 4.5.3.1.4: 500 for a line that is too long. */
		smtp_reply(s, "500 5.5.2 Error: line too long");
		smtp_check_errors(s);
		return;
	}
	if (s->state == SMTP_S_DATA)
		smtp_data_line_done(s, s->line, len);
	else
		smtp_command(s, s->line, len);
}

size_t
smtp_session_input(struct smtp_session *s, const char *buf, size_t len)
{
	const char *nl;
	size_t off = 0, n;

	while (off < len && !s->pending &&
	    (s->state == SMTP_S_CMD || s->state == SMTP_S_DATA)) {
		/* Pipelined commands wait while the client reads nothing. */
		if (s->state == SMTP_S_CMD && s->linelen == 0 &&
		    !s->overflow && s->io->backlog(s->arg) >= SMTP_BACKLOG_MAX)
			break;
		nl = memchr(buf + off, '\n', len - off);
		n = (nl != NULL ? (size_t)(nl - buf) : len) - off;
		smtp_line_append(s, buf + off, n);
		off += n;
		if (nl == NULL)
			break;
		off++;
		smtp_line_done(s);
	}
	return off;
}

struct smtp_session *
smtp_session_new(const struct smtp_config *cfg, const struct smtp_io *io,
    void *arg, const char *id, const struct addr *addr)
{
	struct smtp_session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->linecap = cfg->line_max > 2 ? cfg->line_max - 1 : 1;
	if ((s->line = malloc(s->linecap)) == NULL) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->io = io;
	s->arg = arg;
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->addr = *addr;
	if (addr_format(addr, s->addrtxt, sizeof(s->addrtxt)) == -1)
		snprintf(s->addrtxt, sizeof(s->addrtxt), "?");
	s->state = SMTP_S_CMD;
	smtp_txn_reset(s);
	return s;
}

void
smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return;
	free(s->line);
	free(s->msg);
	free(s->held);
	free(s);
}

void
smtp_session_greet(struct smtp_session *s)
{
	smtp_reply(s, "220 %s ESMTP", s->cfg->hostname);
}

enum smtp_want
smtp_session_want(const struct smtp_session *s)
{
	if (s->pending)
		return SMTP_WANT_COMMIT;
	switch (s->state) {
	case SMTP_S_TLS:
		return SMTP_WANT_TLS;
	case SMTP_S_CLOSED:
		return SMTP_WANT_CLOSE;
	default:
		return SMTP_WANT_INPUT;
	}
}

int
smtp_session_in_data(const struct smtp_session *s)
{
	return s->state == SMTP_S_DATA;
}

void
smtp_session_tls_ready(struct smtp_session *s)
{
	if (s->state != SMTP_S_TLS)
		return;
	s->tls = 1;
	s->state = SMTP_S_CMD;
	s->linelen = 0;
	s->overflow = 0;
}

void
smtp_session_end(struct smtp_session *s, enum smtp_end why)
{
	switch (why) {
	case SMTP_END_IDLE:
		smtp_close(s, "4.4.2", "Error: timeout exceeded");
		break;
	case SMTP_END_TIMEOUT:
		smtp_close(s, "4.4.2", "Error: session time limit exceeded");
		break;
	case SMTP_END_SHUTDOWN:
		smtp_close(s, "4.3.2", "Service shutting down");
		break;
	}
}

void
smtp_session_drain(struct smtp_session *s)
{
	if (s->state == SMTP_S_DATA) {
		s->draining = 1;
		return;
	}
	smtp_session_end(s, SMTP_END_SHUTDOWN);
}

void
smtp_session_lost(struct smtp_session *s)
{
	s->gone = 1;
	if (s->state == SMTP_S_CLOSED)
		return;
	if (s->state == SMTP_S_DATA)
		log_info("%s event=abort state=data addr=%s size=%llu", s->id,
		    s->addrtxt, (unsigned long long)s->msgsize);
	else
		smtp_txn_end(s);
	s->state = SMTP_S_CLOSED;
}

void
smtp_session_recorded(struct smtp_session *s, const struct store_hit *h,
    int rc, enum store_hit_outcome outcome)
{
	if (!s->pending)
		return;
	s->pending = 0;
	rc = rc == 0 ? 0 : -1;
	smtp_hit_log(s, h, rc, outcome, s->pend_rcpts, s->pend_size);
	if (s->pend_data) {
		s->pend_data = 0;
		smtp_data_reply(s, rc, s->pend_big);
	}
	/* What the session said meanwhile follows, in order. */
	if (s->heldlen > 0 && !s->gone)
		s->io->write(s->arg, s->held, s->heldlen);
	free(s->held);
	s->held = NULL;
	s->heldlen = s->heldcap = 0;
}

void
smtp_session_stats(const struct smtp_session *s, struct smtp_stats *out)
{
	*out = s->stats;
}

const char *
smtp_session_message(const struct smtp_session *s, size_t *len)
{
	*len = s->msglen;
	return s->msg != NULL ? s->msg : "";
}

/*
 * A trap domain matches exactly, without subdomains, ignoring case; an
 * address literal never does. Within a trap domain, the patterns (if
 * any) pick the trap addresses, matched in lower case.
 */
enum smtp_rcpt_match
smtp_rcpt_match(const struct smtp_config *cfg, const struct smtp_path *p)
{
	char lower[SMTP_PATH_MAX + 1];
	const char *domain;
	size_t i, len;

	/* RFC 5321 4.5.1 <Postmaster>: a trap has no one to read it. */
	if (p->postmaster || p->addr[p->locallen] != '@')
		return SMTP_RCPT_UNKNOWN;
	domain = p->addr + p->locallen + 1;
	len = strlen(p->addr);
	for (i = 0; i <= len; i++) {
		char c = p->addr[i];

		lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	domain = lower + (domain - p->addr);
	for (i = 0; i < cfg->ndomains; i++)
		if (strcmp(cfg->domains[i], domain) == 0)
			break;
	if (i == cfg->ndomains)
		return SMTP_RCPT_RELAY;
	if (cfg->npatterns == 0)
		return SMTP_RCPT_TRAP;
	for (i = 0; i < cfg->npatterns; i++)
		if (fnmatch(cfg->patterns[i], lower, 0) == 0)
			return SMTP_RCPT_TRAP;
	return SMTP_RCPT_UNKNOWN;
}
