/* web_csrf.h -- stateless anti-CSRF tokens for our forms. */
#ifndef BACKSCATTER_WEB_CSRF_H
#define BACKSCATTER_WEB_CSRF_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define WEB_CSRF_KEY_LEN	32
/* "TTTTTTTTTT." and 32 hex digits of MAC, plus NUL. */
#define WEB_CSRF_TOKEN_MAX	48
/* A form may sit in a browser tab this long before it is refused. */
#define WEB_CSRF_LIFETIME	(2 * 3600)

/*
 * A token binds the time it was made and the client's address to a
 * per-process secret key: HMAC-SHA256(key, time "|" address), cut to
 * 128 bits. A cross-site page can neither read one (same-origin policy)
 * nor forge one (the key), and nothing is stored per client. A restart
 * makes a new key, so forms served before it are refused once.
 */
int	 web_csrf_make(const uint8_t key[WEB_CSRF_KEY_LEN],
	    const struct addr *client, int64_t now, char *buf, size_t size);

/* 1 valid (made for client, at most WEB_CSRF_LIFETIME ago), else 0. */
int	 web_csrf_check(const uint8_t key[WEB_CSRF_KEY_LEN],
	    const struct addr *client, int64_t now, const char *token);

#endif
