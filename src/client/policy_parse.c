/* policy_parse.c -- the Postfix policy delegation protocol: framing and attributes. */
#include <string.h>

#include "client/policy_parse.h"

int
policy_frame(const char *buf, size_t len, size_t *reqlen)
{
	const char *p;
	size_t scan = len < POLICY_REQUEST_MAX ? len : POLICY_REQUEST_MAX;

	/* An empty request: a newline with no attribute before it. */
	// cppcheck-suppress knownConditionTrueFalse ; scan is len up to the cap, cppcheck 2.10 misreads the ternary min
	if (scan >= 1 && buf[0] == '\n') {
		*reqlen = 1;
		return 1;
	}
	// cppcheck-suppress knownConditionTrueFalse ; as above
	for (p = buf; scan >= 2 && (p = memchr(p, '\n', scan - 1 -
	    (size_t)(p - buf))) != NULL; p++) {
		if (p[1] == '\n') {
			*reqlen = (size_t)(p - buf) + 2;
			return 1;
		}
	}
	return len >= POLICY_REQUEST_MAX ? -1 : 0;
}

/*
 * Copies a value into a field of size cap + 1, or fails: a value that
 * does not fit is rejected, never cut (a cut sender could match a list
 * entry that the real one does not).
 */
static int
policy_copy(char *dst, size_t cap, const char *v, size_t vlen)
{
	if (vlen > cap)
		return -1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

/* One "name=value" line (without its newline) into req. */
static int
policy_attr(struct policy_request *req, const char *line, size_t len,
    unsigned int *seen, const char **err)
{
	static const char *const known[] = {
		"request", "protocol_state", "sender", "client_address",
		"instance",
	};
	const char *eq, *v;
	size_t nlen, vlen, i;

	if ((eq = memchr(line, '=', len)) == NULL) {
		*err = "line without '='";
		return -1;
	}
	nlen = (size_t)(eq - line);
	v = eq + 1;
	vlen = len - nlen - 1;
	if (nlen == 0) {
		*err = "empty attribute name";
		return -1;
	}
	if (nlen > POLICY_NAME_MAX) {
		*err = "attribute name too long";
		return -1;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == nlen &&
		    memcmp(known[i], line, nlen) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]))
		return 0;	/* somebody else's attribute */
	if (*seen & (1u << i)) {
		*err = "attribute given twice";
		return -1;
	}
	*seen |= 1u << i;
	switch (i) {
	case 0:
		if (policy_copy(req->request, POLICY_WORD_MAX, v, vlen) == -1 ||
		    strcmp(req->request, "smtpd_access_policy") != 0) {
			*err = "request is not smtpd_access_policy";
			return -1;
		}
		return 0;
	case 1:
		if (policy_copy(req->protocol_state, POLICY_WORD_MAX, v,
		    vlen) == -1) {
			*err = "protocol_state too long";
			return -1;
		}
		return 0;
	case 2:
		if (policy_copy(req->sender, POLICY_SENDER_MAX, v, vlen) ==
		    -1) {
			*err = "sender longer than a path may be";
			return -1;
		}
		req->have_sender = 1;
		return 0;
	case 3:
		/* Postfix says "unknown" when there is no TCP peer. */
		if (vlen == 7 && memcmp(v, "unknown", 7) == 0) {
			req->client_unknown = 1;
			return 0;
		}
		if (addr_parse(v, vlen, &req->client) == -1) {
			*err = "client_address is not an address";
			return -1;
		}
		req->have_client = 1;
		return 0;
	default:
		if (policy_copy(req->instance, POLICY_INSTANCE_MAX, v, vlen) ==
		    -1) {
			*err = "instance too long";
			return -1;
		}
		return 0;
	}
}

/*
 * Walks the lines of one framed request. Bytes are checked before any
 * is used: control bytes other than the newline are refused (a CR is a
 * sign of a client that is not Postfix, and a NUL would cut a value),
 * bytes from 0x80 up pass, because SMTPUTF8 senders are UTF-8.
 */
int
policy_parse(const char *buf, size_t len, struct policy_request *req,
    const char **err)
{
	const char *line, *nl, *end;
	unsigned int seen = 0;
	size_t i;

	memset(req, 0, sizeof(*req));
	*err = NULL;
	if (len > POLICY_REQUEST_MAX) {
		*err = "request too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			*err = c == '\r' ? "CR in request (lines end in LF)" :
			    "control byte in request";
			return -1;
		}
	}
	if (len == 0 || buf[len - 1] != '\n') {
		*err = "request does not end in a newline";
		return -1;
	}
	/* The framing newline pair: the last line is the empty one. */
	end = buf + len - 1;
	for (line = buf; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line) + 1);
		if (nl == line) {
			*err = "empty line inside a request";
			return -1;
		}
		if (++req->nattrs > POLICY_ATTRS_MAX) {
			*err = "too many attributes";
			return -1;
		}
		if (policy_attr(req, line, (size_t)(nl - line), &seen,
		    err) == -1)
			return -1;
	}
	if (req->nattrs == 0) {
		*err = "empty request";
		return -1;
	}
	if (!req->have_sender) {
		*err = "no sender attribute";
		return -1;
	}
	if (!req->have_client && !req->client_unknown) {
		*err = "no client_address attribute";
		return -1;
	}
	return 0;
}
