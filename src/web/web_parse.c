/* web_parse.c -- pure parsing of HTTP request targets, forms and headers. */
#include <string.h>
#include <strings.h>

#include "web/web_parse.h"

static int
web_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
web_path_char(unsigned char c)
{
	/* c != 0: strchr() finds the terminating NUL too. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("-._~:/", c) != NULL);
}

int
web_parse_target(const char *target, size_t len, char *path, size_t size,
    const char **query, size_t *qlen, const char **err)
{
	size_t plen;

	*query = "";
	*qlen = 0;
	if (len == 0 || len > WEB_TARGET_MAX) {
		*err = "bad request target length";
		return -1;
	}
	if (target[0] != '/') {
		*err = "request target is not a path";
		return -1;
	}
	for (plen = 0; plen < len && target[plen] != '?'; plen++) {
		if (!web_path_char((unsigned char)target[plen])) {
			*err = "unexpected byte in path";
			return -1;
		}
	}
	if (plen >= size || plen > WEB_PATH_MAX) {
		*err = "path too long";
		return -1;
	}
	/* A path segment ".." is never ours; refuse it outright. */
	for (size_t i = 0; i + 1 < plen; i++) {
		if (target[i] == '.' && target[i + 1] == '.' &&
		    (i == 0 || target[i - 1] == '/') &&
		    (i + 2 == plen || target[i + 2] == '/')) {
			*err = "dot segment in path";
			return -1;
		}
	}
	memcpy(path, target, plen);
	path[plen] = '\0';
	if (plen < len) {
		if (memchr(target + plen, '#', len - plen) != NULL) {
			*err = "fragment in request target";
			return -1;
		}
		*query = target + plen + 1;
		*qlen = len - plen - 1;
	}
	return 0;
}

/*
 * UTF-8 per RFC 3629 section 4: no overlong forms, no surrogates,
 * nothing past U+10FFFF. Control bytes (C0 and DEL) are refused too:
 * every text we take ends up in a page, a header or the audit log.
 */
int
web_text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	unsigned int cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Decodes s[0..len) into out (size bytes, NUL-terminated). Returns the
 * decoded length, or -1 on a bad escape or when it does not fit.
 */
static long
web_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (len - i < 3 ||
			    (hi = web_hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = web_hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (long)o;
}

static int
web_key_ok(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k != '\0'; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		    (*k >= '0' && *k <= '9') || *k == '_'))
			return 0;
	return 1;
}

int
web_parse_form(const char *s, size_t len, struct web_params *out,
    const char **err)
{
	size_t i = 0, end, eq;
	struct web_param *p;
	long n;

	out->n = 0;
	if (len > WEB_FORM_MAX) {
		*err = "form too long";
		return -1;
	}
	while (i < len) {
		for (end = i; end < len && s[end] != '&'; end++)
			;
		if (end == i) {
			i++;
			continue;
		}
		if (out->n == WEB_PARAMS_MAX) {
			*err = "too many fields";
			return -1;
		}
		p = &out->p[out->n];
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (web_decode(s + i, eq - i, p->key, sizeof(p->key)) < 0 ||
		    !web_key_ok(p->key)) {
			*err = "bad field name";
			return -1;
		}
		n = eq < end ? web_decode(s + eq + 1, end - eq - 1, p->value,
		    sizeof(p->value)) : web_decode("", 0, p->value,
		    sizeof(p->value));
		if (n < 0) {
			*err = "bad or too long field value";
			return -1;
		}
		if (!web_text_ok(p->value, (size_t)n)) {
			*err = "control bytes or invalid UTF-8 in a field";
			return -1;
		}
		if (web_param_get(out, p->key) != NULL) {
			*err = "repeated field";
			return -1;
		}
		out->n++;
		i = end + 1;
	}
	return 0;
}

const char *
web_param_get(const struct web_params *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].key, key) == 0)
			return ps->p[i].value;
	return NULL;
}

int
web_path_tail(const char *path, const char *prefix, char *out, size_t size)
{
	size_t plen = strlen(prefix), rest;

	if (strncmp(path, prefix, plen) != 0 || path[plen] == '\0')
		return 0;
	rest = strlen(path + plen);
	if (rest >= size)
		return -1;
	memcpy(out, path + plen, rest + 1);
	return 1;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
int
web_parse_bearer(const char *v, size_t len, char *out, size_t size)
{
	size_t i, start;

	if (len < 7 || strncasecmp(v, "Bearer ", 7) != 0)
		return -1;
	for (start = 7; start < len && v[start] == ' '; start++)
		;
	for (i = start; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != 0 && strchr("-._~+/", c) != NULL)))
			break;
	}
	while (i < len && v[i] == '=')
		i++;
	if (i != len || i == start || i - start >= size)
		return -1;
	memcpy(out, v + start, i - start);
	out[i - start] = '\0';
	return 0;
}

int
web_cursor_parse(const char *s, size_t len, struct prefix *out)
{
	int hi, lo;
	unsigned int plen = 0;	/* set by the last pair; 0 for the compiler */
	struct addr masked;

	if (len != WEB_CURSOR_LEN)
		return -1;
	for (size_t i = 0; i < 17; i++) {
		if ((hi = web_hexval((unsigned char)s[2 * i])) < 0 ||
		    (lo = web_hexval((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		if (i < 16)
			out->addr.b[i] = (uint8_t)(hi << 4 | lo);
		else
			plen = (unsigned int)(hi << 4 | lo);
	}
	if (plen > 128)
		return -1;
	out->len = plen;
	/* Only cursors we wrote: host bits clear. */
	masked = out->addr;
	addr_mask(&masked, plen);
	if (addr_cmp(&masked, &out->addr) != 0)
		return -1;
	return 0;
}

int
web_cursor_format(const struct prefix *p, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";

	if (size < WEB_CURSOR_LEN + 1)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		buf[2 * i] = hex[p->addr.b[i] >> 4];
		buf[2 * i + 1] = hex[p->addr.b[i] & 0xf];
	}
	buf[32] = hex[(p->len >> 4) & 0xf];
	buf[33] = hex[p->len & 0xf];
	buf[34] = '\0';
	return 0;
}

int
web_parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long n = 0;
	size_t i;

	if (s[0] < '1' || s[0] > '9')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 9 || s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > max)
		return -1;
	*out = (unsigned int)n;
	return 0;
}
