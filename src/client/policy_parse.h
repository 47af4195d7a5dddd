/* policy_parse.h -- the Postfix policy delegation protocol: framing and attributes. */
#ifndef BACKSCATTER_POLICY_PARSE_H
#define BACKSCATTER_POLICY_PARSE_H

#include <stddef.h>

#include "core/addr.h"

/*
 * Postfix SMTPD_POLICY_README: a request is "name=value" lines ending in
 * an empty line. Postfix 3.7 sends about 35 attributes and well under
 * 2 KB (certificate fields are the longest); these caps leave room for
 * future attributes without letting a peer make us buffer without end.
 */
#define POLICY_REQUEST_MAX	16384	/* bytes, both newlines included */
#define POLICY_ATTRS_MAX	128	/* lines per request */
#define POLICY_NAME_MAX		64	/* an attribute name */
/* RFC 5321 4.5.3.1.3: a path holds at most 256 octets. */
#define POLICY_SENDER_MAX	256
/* Postfix's own names: "smtpd_access_policy", "END-OF-MESSAGE". */
#define POLICY_WORD_MAX		32
/* Postfix's queue-file-style instance ids are short hex strings. */
#define POLICY_INSTANCE_MAX	64

/*
 * What we keep of one request. The strings are NUL-terminated copies;
 * a field Postfix did not send is "" and its have_ flag 0.
 */
struct policy_request {
	char		request[POLICY_WORD_MAX + 1];	/* smtpd_access_... */
	char		protocol_state[POLICY_WORD_MAX + 1];	/* RCPT, ... */
	char		sender[POLICY_SENDER_MAX + 1];	/* "" for <> */
	char		instance[POLICY_INSTANCE_MAX + 1];
	struct addr	client;		/* parsed client_address */
	int		have_sender;
	int		have_client;	/* client_address was an address */
	int		client_unknown;	/* "unknown": not a TCP peer */
	size_t		nattrs;		/* lines, ours and the others */
};

/*
 * Looks for the end of one request in buf: an empty line, that is "\n\n",
 * or a lone "\n" at the start. Returns 1 with *reqlen the length of the
 * request including that newline pair; 0 when more bytes are needed; -1
 * when POLICY_REQUEST_MAX bytes hold no end (the peer is not speaking the
 * protocol, or sends more than we accept).
 */
int	 policy_frame(const char *buf, size_t len, size_t *reqlen);

/*
 * Parses exactly one framed request (as policy_frame measured it) into
 * *req. Unknown attributes are skipped, because Postfix adds new ones
 * with every release. Rejected: a line without '=', an empty or over-
 * long name, NUL or other control bytes, more than POLICY_ATTRS_MAX
 * lines, a known attribute given twice, a request= other than
 * smtpd_access_policy, a sender longer than a path may be, and a missing
 * sender or client_address. Returns 0, or -1 with *err a static reason.
 */
int	 policy_parse(const char *buf, size_t len, struct policy_request *req,
	    const char **err);

#endif
