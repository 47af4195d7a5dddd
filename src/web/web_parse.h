/* web_parse.h -- pure parsing of HTTP request targets, forms and headers. */
#ifndef BACKSCATTER_WEB_PARSE_H
#define BACKSCATTER_WEB_PARSE_H

#include <stddef.h>

#include "core/addr.h"

/*
 * Caps on what a client may send us. Our forms have at most five
 * fields; the longest value is a reason of STORE_REASON_MAX - 1 bytes,
 * which percent-encoding may triple.
 */
#define WEB_TARGET_MAX		2048	/* request target, as libevent's default */
#define WEB_PATH_MAX		256	/* our longest path is far shorter */
#define WEB_FORM_MAX		4096	/* encoded query string or form body */
#define WEB_PARAMS_MAX		16
#define WEB_PARAM_KEY_MAX	32	/* incl. NUL */
#define WEB_PARAM_VALUE_MAX	512	/* decoded, incl. NUL */
#define WEB_TOKEN_MAX		128	/* a bearer token, incl. NUL */
/* An opaque listings cursor: 32 hex digits of address, 2 of length. */
#define WEB_CURSOR_LEN		34

struct web_param {
	char		 key[WEB_PARAM_KEY_MAX];
	char		 value[WEB_PARAM_VALUE_MAX];
};

struct web_params {
	struct web_param p[WEB_PARAMS_MAX];
	size_t		 n;
};

/*
 * Splits a request target (untrusted, len bytes, not NUL-terminated)
 * into its path, copied to path (size bytes), and its query, pointed
 * to by *query / *qlen (empty when there is none). The path must start
 * with "/" and hold only letters, digits and "-._~:/": none of our
 * routes needs more, and refusing "%" and ".." up front means no path
 * is ever decoded or walked. A fragment is refused (clients never send
 * one). 0 ok, -1 with the reason in *err.
 */
int		 web_parse_target(const char *target, size_t len, char *path,
		    size_t size, const char **query, size_t *qlen,
		    const char **err);

/*
 * Parses application/x-www-form-urlencoded text (a query string or a
 * form body) of len bytes: "&"-separated key=value pairs, "+" is a
 * space, %XX escapes. Rejected: more than WEB_PARAMS_MAX pairs, a key or
 * value over its cap, a bad escape, a repeated key, a key that is not
 * [A-Za-z0-9_], and decoded control bytes or invalid UTF-8 in a value.
 * Empty pairs ("a=1&&b=2") are skipped. 0 ok, -1 with *err.
 */
int		 web_parse_form(const char *s, size_t len,
		    struct web_params *out, const char **err);

/* The value of key, or NULL when absent. */
const char	*web_param_get(const struct web_params *, const char *key);

/*
 * If path is prefix followed by at least one byte, copies the rest to
 * out. 1 matched, 0 path does not start with prefix (or nothing
 * follows), -1 the rest does not fit.
 */
int		 web_path_tail(const char *path, const char *prefix, char *out,
		    size_t size);

/*
 * Parses an Authorization header value "Bearer TOKEN" (RFC 6750 2.1:
 * the scheme is case-insensitive, the token is b64token characters).
 * 0 and the token in out, -1 anything else.
 */
int		 web_parse_bearer(const char *value, size_t len, char *out,
		    size_t size);

/* A listings cursor: WEB_CURSOR_LEN hex digits. 0 / -1. */
int		 web_cursor_parse(const char *s, size_t len, struct prefix *out);
/* Writes one; size must be at least WEB_CURSOR_LEN + 1. 0 / -1. */
int		 web_cursor_format(const struct prefix *, char *buf,
		    size_t size);

/*
 * A positive decimal number of at most 9 digits, no sign, no leading
 * zero, at most max. 0 / -1.
 */
int		 web_parse_uint(const char *s, unsigned int max,
		    unsigned int *out);

/* 1 if s (NUL-terminated) is valid UTF-8 without control bytes. */
int		 web_text_ok(const char *s, size_t len);

#endif
