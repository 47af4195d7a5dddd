/* smtp_parse.h -- SMTP command lines, paths and ESMTP parameters: no I/O. */
#ifndef BACKSCATTER_SMTP_PARSE_H
#define BACKSCATTER_SMTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Everything here reads untrusted bytes from (ptr, len) without CRLF:
 * no NUL is needed, no byte past len is read, nothing is allocated.
 * Caps are the RFC 5321 4.5.3.1 sizes. The RFC lets a server accept
 * more; we do not, since no legitimate bounce or callout needs it.
 */
#define SMTP_LOCAL_MAX		64	/* 4.5.3.1.1: local part */
#define SMTP_DOMAIN_MAX		255	/* 4.5.3.1.2: domain */
#define SMTP_PATH_MAX		256	/* 4.5.3.1.3: path, with < and > */
/* HELO/EHLO names a domain or an address literal: a domain's size. */
#define SMTP_HELO_MAX		SMTP_DOMAIN_MAX
/* ESMTP parameters per MAIL or RCPT; we know two, so a few is plenty. */
#define SMTP_PARAMS_MAX		8
/* SIZE= digits: RFC 1870 allows any, but 20 digits overflow 64 bits. */
#define SMTP_SIZE_DIGITS_MAX	18

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_BDAT,
	SMTP_VERB_ETRN,
	SMTP_VERB_TURN,
};

/* One command line split in two; arg points into the line. */
struct smtp_cmd {
	enum smtp_verb	 verb;
	const char	*verbtxt;	/* the verb as sent (for logs) */
	size_t		 verblen;
	const char	*arg;		/* after the verb and its spaces */
	size_t		 arglen;	/* 0: none; trailing spaces cut */
};

/*
 * Splits a command line (without its CRLF) into verb and argument. The
 * verb is matched case-insensitively (RFC 5321 2.4); a verb we do not
 * know is SMTP_VERB_UNKNOWN, not an error. Returns 0, or -1 with *err
 * set when the line cannot be a command at all: empty, a NUL, another
 * control byte (but tab), or a byte above 0x7e (no SMTPUTF8 here).
 */
int		 smtp_parse_command(const char *line, size_t len,
		    struct smtp_cmd *out, const char **err);

/* The verb's name in upper case ("MAIL"); "?" for UNKNOWN. */
const char	*smtp_verb_name(enum smtp_verb);

/*
 * The HELO/EHLO argument: one token of at most SMTP_HELO_MAX bytes.
 * RFC 5321 4.1.1.1 wants a domain or an address literal, but a trap
 * records what it is told, so any printable token is taken. 0 / -1.
 */
int		 smtp_parse_helo(const char *arg, size_t len,
		    const char **err);

enum smtp_path_kind {
	SMTP_PATH_MAIL,		/* "FROM:<path> [params]" */
	SMTP_PATH_RCPT,		/* "TO:<path> [params]" */
};

enum smtp_body {
	SMTP_BODY_NONE = 0,	/* no BODY= */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,	/* RFC 6152 */
};

/*
 * A parsed reverse- or forward-path. addr is "local@domain" as sent,
 * without angle brackets and without a source route; "" for <>.
 */
struct smtp_path {
	char		 addr[SMTP_PATH_MAX + 1];
	size_t		 locallen;	/* addr[0..locallen): local part */
	int		 null;		/* MAIL FROM:<> */
	int		 postmaster;	/* RCPT TO:<Postmaster>, no domain */
	int64_t		 size;		/* SIZE=, -1 when absent */
	enum smtp_body	 body;
};

/* What smtp_parse_path() refuses, as the reply the session sends. */
/* The path or a parameter is malformed. */
#define SMTP_PATH_SYNTAX	501
/* RFC 5321 4.1.1.11: a parameter we do not know. */
#define SMTP_PATH_PARAM		555

/*
 * Parses the argument of MAIL or RCPT (RFC 5321 4.1.2): the keyword and
 * colon, optional spaces (not in the grammar, but common), the path in
 * angle brackets with an optional source route (accepted and ignored,
 * Appendix C), then parameters: SIZE (RFC 1870) and BODY (RFC 6152) for
 * MAIL, none for RCPT. Returns 0, or SMTP_PATH_SYNTAX or SMTP_PATH_PARAM
 * with a short reason in *err.
 */
int		 smtp_parse_path(const char *arg, size_t len,
		    enum smtp_path_kind, struct smtp_path *out,
		    const char **err);

/*
 * One line of message content (RFC 5321 4.5.2) without its CRLF: 1 if
 * it is the lone "." that ends the data, else 0 and (*out, *outlen) is
 * the line with one leading dot removed.
 */
int		 smtp_data_line(const char *line, size_t len,
		    const char **out, size_t *outlen);

#endif
