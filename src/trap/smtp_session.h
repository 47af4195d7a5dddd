/* smtp_session.h -- one trap SMTP session: the RFC 5321 state machine. */
#ifndef BACKSCATTER_SMTP_SESSION_H
#define BACKSCATTER_SMTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "store/store.h"
#include "trap/classify.h"
#include "trap/smtp_parse.h"

/*
 * The session does no I/O of its own: the server feeds it the bytes it
 * read and sends what it writes, so the same code runs under libevent,
 * in unit tests and in the fuzzer. It never relays and never sends mail.
 */

/* Replies queued and unsent past which the session stops reading input. */
#define SMTP_BACKLOG_MAX	(64 * 1024)
/* A session id as the server hands it in: 16 hex digits and a NUL. */
#define SMTP_ID_MAX		24
/* smtp_io.record(): the hit is queued, the result comes later. */
#define SMTP_RECORD_QUEUED	1

/* Everything is borrowed and must outlive every session that uses it. */
struct smtp_config {
	const char			*hostname;	/* greeting, EHLO */
	const char			*sensor;	/* into every hit */
	const char *const		*domains;	/* lower case */
	size_t				 ndomains;
	const char *const		*patterns;	/* fnmatch(3) */
	size_t				 npatterns;	/* 0: every address */
	size_t				 line_max;	/* with CRLF, >= 512 */
	size_t				 max_recipients;
	uint64_t			 max_message_size;
	size_t				 keep_headers;
	size_t				 keep_body;
	unsigned int			 max_commands;
	unsigned int			 max_errors;
	int				 tls;		/* offer STARTTLS */
	const struct classify_config	*classify;
};

/* How the session reaches the outside world; arg is the server's. */
struct smtp_io {
	/* Queues reply bytes for the client. */
	void		(*write)(void *arg, const char *buf, size_t len);
	/*
	 * Commits one hit: 0 with *outcome once it is durable, -1 when the
	 * store failed (nothing written). The session writes the reply that
	 * acknowledges the hit only after this returns 0.
	 *
	 * Or SMTP_RECORD_QUEUED: the server copied the hit (its strings are
	 * the session's and change) to commit it later, in a group with
	 * others, and calls smtp_session_recorded() with the result. Until
	 * then the session holds the replies it writes and takes no input.
	 */
	int		(*record)(void *arg, const struct store_hit *,
			    enum store_hit_outcome *outcome);
	/* Bytes written and not yet sent. */
	size_t		(*backlog)(void *arg);
	/* The wall clock, seconds since the epoch. */
	int64_t		(*now)(void *arg);
};

/* What the server must do next. */
enum smtp_want {
	SMTP_WANT_INPUT,	/* read and feed more input */
	SMTP_WANT_TLS,		/* start TLS; discard input read so far */
	SMTP_WANT_CLOSE,	/* send what was written, then close */
	SMTP_WANT_COMMIT,	/* a queued hit: feed nothing until
				   smtp_session_recorded() */
};

/* Why the server ends a session (each has its own 421 text). */
enum smtp_end {
	SMTP_END_IDLE,		/* no command within the idle timeout */
	SMTP_END_TIMEOUT,	/* the session's time is up */
	SMTP_END_SHUTDOWN,	/* the trap is stopping */
};

/* Counters for the log line that closes a session. */
struct smtp_stats {
	unsigned int	 commands;
	unsigned int	 errors;
	unsigned int	 transactions;	/* with at least one trap recipient */
	unsigned int	 hits;		/* recorded */
	unsigned int	 lost;		/* the store failed */
};

/* Whom a recipient reaches. */
enum smtp_rcpt_match {
	SMTP_RCPT_TRAP,		/* a trap address: accepted */
	SMTP_RCPT_UNKNOWN,	/* a trap domain, but no trap address */
	SMTP_RCPT_RELAY,	/* another domain: we never relay */
};

struct smtp_session;

/*
 * A new session for a client at addr (the TCP peer, or the PROXY
 * source). id names it in every log line. Writes nothing yet: call
 * smtp_session_greet(). NULL when out of memory. Release with
 * smtp_session_free().
 */
struct smtp_session	*smtp_session_new(const struct smtp_config *,
			    const struct smtp_io *, void *arg, const char *id,
			    const struct addr *addr);
void			 smtp_session_free(struct smtp_session *);

/* Writes the 220 greeting (RFC 5321 4.3.1). */
void			 smtp_session_greet(struct smtp_session *);

/*
 * Feeds bytes read from the client. Every complete line is acted on and
 * answered in order (RFC 2920: pipelined commands). Returns how many
 * bytes were taken: fewer than len when the session stops reading
 * (smtp_session_want() is no longer SMTP_WANT_INPUT), or when the
 * client's unsent replies reach SMTP_BACKLOG_MAX; feed the rest once
 * they drain. A command whose hit io->record() queued is the last one
 * taken until smtp_session_recorded(), so that replies keep their order
 * (RFC 2920 3.1) and none acknowledges a hit not yet committed.
 */
size_t			 smtp_session_input(struct smtp_session *,
			    const char *buf, size_t len);

enum smtp_want		 smtp_session_want(const struct smtp_session *);

/* 1 while the client is sending message content (after 354). */
int			 smtp_session_in_data(const struct smtp_session *);

/*
 * The TLS handshake after STARTTLS succeeded: the session starts over
 * without HELO and without STARTTLS on offer (RFC 3207 4.2).
 */
void			 smtp_session_tls_ready(struct smtp_session *);

/*
 * The server ends the session: a transaction that reached a trap is
 * recorded (as a callout-like one without DATA), then a 421 is written
 * and smtp_session_want() says close. Nothing happens once closed.
 */
void			 smtp_session_end(struct smtp_session *,
			    enum smtp_end);

/*
 * The trap is stopping: like smtp_session_end(SMTP_END_SHUTDOWN), but a
 * message being received is finished and answered first.
 */
void			 smtp_session_drain(struct smtp_session *);

/*
 * The connection is gone (closed, reset, or a write timed out): records
 * a transaction that reached a trap, writes nothing, and never calls
 * io->write again, so a session whose hit is still queued may outlive
 * its connection until smtp_session_recorded().
 */
void			 smtp_session_lost(struct smtp_session *);

/*
 * The result of the hit that io->record() queued: rc 0, committed with
 * outcome; -1, the store failed and nothing of it was written. h is the
 * server's copy of the hit, read during the call only. Logs the hit,
 * then writes the reply it was waiting for (after DATA: 250, or 451 when
 * rc is -1) and the replies held meanwhile, in order. Afterwards
 * smtp_session_want() no longer says SMTP_WANT_COMMIT; feed the input
 * left over. A no-op when no hit is queued.
 */
void			 smtp_session_recorded(struct smtp_session *,
			    const struct store_hit *h, int rc,
			    enum store_hit_outcome outcome);

void			 smtp_session_stats(const struct smtp_session *,
			    struct smtp_stats *);

/*
 * The bytes kept of the message being received, or of the last one
 * until the next DATA: what the classifier sees (CRLF line ends, dots
 * unstuffed, at most keep_headers + keep_body). Borrowed.
 */
const char		*smtp_session_message(const struct smtp_session *,
			    size_t *len);

/* Whom a parsed RCPT path reaches under cfg. */
enum smtp_rcpt_match	 smtp_rcpt_match(const struct smtp_config *,
			    const struct smtp_path *);

/*
 * Copies text for a log line between double quotes: '"', '\' and bytes
 * outside printable ASCII become \xNN. Always NUL-terminates; a value
 * cut short ends in "...". Returns out.
 */
const char		*smtp_log_quote(const char *in, size_t len, char *out,
			    size_t size);

#endif
