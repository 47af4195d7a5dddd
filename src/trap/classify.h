/* classify.h -- what kind of backscatter one trap transaction was. */
#ifndef BACKSCATTER_CLASSIFY_H
#define BACKSCATTER_CLASSIFY_H

#include <stddef.h>

#include "core/hitclass.h"

#define CLASSIFY_SUBCLASS_MAX	32
#define CLASSIFY_EXCERPT_MAX	1024
#define CLASSIFY_SENDERS_MAX	16

/*
 * The sender local parts that verification probes use ("postmaster",
 * "double-bounce", "mailer-daemon"); the null sender <> always counts.
 * nsenders == 0 means the built-in list.
 */
struct classify_config {
	const char	*senders[CLASSIFY_SENDERS_MAX];
	size_t		 nsenders;
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

/* Fills cfg from a comma or space separated list; -1 if too many or empty. */
int	 classify_config_parse(struct classify_config *cfg, const char *list);

/*
 * A transaction that reached a trap recipient and ended without DATA
 * (RSET, QUIT, a new MAIL or a dropped connection). mail_from is the
 * envelope sender without angle brackets, "" for <>.
 */
void	 classify_no_data(const struct classify_config *,
	    const char *mail_from, struct classify_result *);

/*
 * A transaction that delivered a message: msg holds the len bytes kept
 * (headers and the start of the body, not NUL-terminated, untrusted);
 * the rest may have been discarded.
 */
void	 classify_message(const struct classify_config *,
	    const char *mail_from, const char *msg, size_t len,
	    struct classify_result *);

#endif
