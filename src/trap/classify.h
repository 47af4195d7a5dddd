/* classify.h -- what kind of backscatter one trap transaction was. */
#ifndef BACKSCATTER_CLASSIFY_H
#define BACKSCATTER_CLASSIFY_H

#include <stddef.h>

#include "core/hitclass.h"

#define CLASSIFY_SUBCLASS_MAX	32
#define CLASSIFY_EXCERPT_MAX	1024
#define CLASSIFY_SENDERS_MAX	16
/* A probe sender's name must fit in a subclass after "callout/". */
#define CLASSIFY_SENDER_MAX	(CLASSIFY_SUBCLASS_MAX - sizeof("callout/"))

/*
 * The sender local parts that verification probes use ("postmaster",
 * "double-bounce", "mailer-daemon"); the null sender <> always counts.
 * nsenders == 0 means the built-in list.
 *
 * classify_config_parse() keeps its own copies of the names in names[]
 * and points senders[] at them. The classifier reads names[i] when it is
 * not empty and senders[i] otherwise, so a parsed config may be copied
 * by value, and one filled in by hand (senders[] only, names[] zeroed)
 * works as before.
 */
struct classify_config {
	const char	*senders[CLASSIFY_SENDERS_MAX];
	size_t		 nsenders;
	char		 names[CLASSIFY_SENDERS_MAX][CLASSIFY_SENDER_MAX + 1];
};

/*
 * One result per transaction. subclass names the evidence
 * ("bounce/dsn", "autoreply/vacation", "callout/double-bounce",
 * "other/spam"); excerpt is printable "Key: value" lines (Subject,
 * Status, Action, Reporting-MTA, Diagnostic-Code, Auto-Submitted,
 * X-Mailer, MTA) that a lookup page can show; mta is a guess at the
 * sending server's software ("postfix", "exim", "exchange", ...) or "".
 */
struct classify_result {
	enum hit_class	 class;
	char		 subclass[CLASSIFY_SUBCLASS_MAX];
	char		 excerpt[CLASSIFY_EXCERPT_MAX];
	char		 mta[CLASSIFY_SUBCLASS_MAX];
};

/*
 * Fills cfg from a comma or space separated list of local parts, stored
 * in lower case; -1 if too many (CLASSIFY_SENDERS_MAX), empty, or a name
 * is longer than CLASSIFY_SENDER_MAX or has a byte RFC 5322 atext does
 * not allow ("@", controls, ...). On -1, cfg is left as the built-in list.
 */
int	 classify_config_parse(struct classify_config *cfg, const char *list);

/*
 * A transaction that reached a trap recipient and ended without DATA
 * (RSET, QUIT, a new MAIL or a dropped connection). mail_from is the
 * envelope sender without angle brackets, "" for <>.
 *
 * Subclasses: "callout/null-sender", "callout/<local part>" for a probe
 * sender (matched case-insensitively), else HIT_OTHER "other/no-data".
 * The excerpt is empty; mta is "postfix" for double-bounce (Postfix's
 * default address_verify_sender), "" otherwise.
 */
void	 classify_no_data(const struct classify_config *,
	    const char *mail_from, struct classify_result *);

/*
 * A transaction that delivered a message: msg holds the len bytes kept
 * (headers and the start of the body, not NUL-terminated, untrusted);
 * the rest may have been discarded.
 *
 * Subclasses, first match wins: a DSN (RFC 3464) is "bounce/virus" if it
 * is a virus scanner's notice, else "bounce/dsn"; then "autoreply/mdn"
 * (RFC 8098), "bounce/virus", "bounce/ndr" (non-delivery text without
 * DSN structure), "autoreply/challenge", "autoreply/vacation",
 * "autoreply/auto-submitted" (RFC 3834, other than "no"), "other/spam".
 * No address of any kind is copied into the excerpt: each one becomes
 * "[address]", so a trap address cannot leak through it. Needs no
 * allocation; uses some 30 KiB of stack.
 */
void	 classify_message(const struct classify_config *,
	    const char *mail_from, const char *msg, size_t len,
	    struct classify_result *);

#endif
