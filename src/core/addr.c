/* addr.c -- IPv4/IPv6 addresses and prefixes, text and reverse-DNS forms. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"

/*
 * Longest text form we accept: six full hex groups and a dotted quad
 * ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", RFC 4291 2.2 form 3).
 * Anything longer cannot be an address, so we reject it before parsing.
 */
#define ADDR_TEXT_MAX		(ADDR_STRLEN - 1)
/* The decimal length part of a prefix: at most "128". */
#define PREFIX_LEN_DIGITS	3
/* "[" ADDR "]:" PORT, where PORT is at most 5 digits. */
#define ADDR_SOCKADDR_MAX	(ADDR_TEXT_MAX + 3 + 5)
/* A v4-mapped address: 80 zero bits, 16 one bits (RFC 4291 2.5.5.2). */
#define ADDR_V4_OFF		12
#define ADDR_V4_BITS		96

static const uint8_t addr_v4_prefix[ADDR_V4_OFF] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static const char addr_hexdigits[] = "0123456789abcdef";

static int
addr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses exactly len bytes as a decimal number without leading zeros
 * ("0" itself is fine) of at most maxdigits digits and at most max.
 * Leading zeros are rejected because inet_aton() and friends read them
 * as octal, so "010" would mean different things to different tools.
 */
int
addr_parse_dec(const char *s, size_t len, size_t maxdigits, unsigned int max,
    unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > maxdigits)
		return -1;
	if (s[0] == '0' && len > 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A strict dotted quad over exactly len bytes: four decimal octets,
 * 0..255, no leading zeros, no shortened forms ("1.2.3" or "1.2"), which
 * inet_aton() would accept with a different meaning.
 */
static int
addr_parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0, j;
	unsigned int v;

	for (int k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		for (j = i; j < len && s[j] != '.'; j++)
			;
		if (addr_parse_dec(s + i, j - i, 3, 255, &v) == -1)
			return -1;
		out[k] = (uint8_t)v;
		i = j;
	}
	return i == len ? 0 : -1;
}

/*
 * RFC 4291 2.2: up to eight groups of 1..4 hex digits separated by
 * colons; one "::" stands for one or more zero groups; the last 32 bits
 * may be written as a dotted quad. We walk the text group by group,
 * remember where "::" was, and then slide the groups after it to the end.
 * No zone index (RFC 4007 11.2), no brackets, no prefix length.
 */
static int
addr_parse_v6(const char *s, size_t len, struct addr *out)
{
	uint16_t w[8];
	size_t i = 0, j;
	int n = 0, gap = -1, d, k;
	unsigned int v;
	uint8_t v4[4];

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len > 0 && s[0] == ':')
		return -1;
	while (i < len) {
		for (j = i; j < len && s[j] != ':'; j++)
			;
		if (j == i)
			return -1;		/* ":::" or a stray colon */
		if (memchr(s + i, '.', j - i) != NULL) {
			/* The embedded IPv4 form ends the address. */
			if (j != len || n > 6)
				return -1;
			if (addr_parse_v4(s + i, j - i, v4) == -1)
				return -1;
			w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (j - i > 4 || n >= 8)
			return -1;
		v = 0;
		for (k = 0; k < (int)(j - i); k++) {
			if ((d = addr_hexval(s[i + (size_t)k])) == -1)
				return -1;
			v = v << 4 | (unsigned int)d;
		}
		w[n++] = (uint16_t)v;
		if (j == len)
			break;
		/* s[j] is ':'; a second one right after it is the "::". */
		if (j + 1 < len && s[j + 1] == ':') {
			if (gap != -1)
				return -1;	/* a second "::" */
			gap = n;
			i = j + 2;
		} else {
			i = j + 1;
			if (i == len)
				return -1;	/* trailing single colon */
		}
	}
	/* "::" must stand for at least one group (RFC 4291 2.2 form 2). */
	if (gap == -1 ? n != 8 : n > 7)
		return -1;
	memset(out, 0, sizeof(*out));
	for (k = 0; k < n; k++) {
		int pos = k;

		if (gap != -1 && k >= gap)
			pos = 8 - n + k;
		out->b[2 * pos] = (uint8_t)(w[k] >> 8);
		out->b[2 * pos + 1] = (uint8_t)(w[k] & 0xff);
	}
	return 0;
}

int
addr_parse(const char *s, size_t len, struct addr *out)
{
	uint8_t v4[4];

	if (s == NULL || out == NULL || len == 0 || len > ADDR_TEXT_MAX)
		return -1;
	if (memchr(s, ':', len) != NULL)
		return addr_parse_v6(s, len, out);
	if (addr_parse_v4(s, len, v4) == -1)
		return -1;
	addr_from_v4(out, v4);
	return 0;
}

void
addr_from_v4(struct addr *out, const uint8_t v4[4])
{
	memcpy(out->b, addr_v4_prefix, ADDR_V4_OFF);
	memcpy(out->b + ADDR_V4_OFF, v4, 4);
}

int
addr_is_v4(const struct addr *a)
{
	return memcmp(a->b, addr_v4_prefix, ADDR_V4_OFF) == 0;
}

/*
 * RFC 5952 4: hex digits in lower case without leading zeros (4.1, 4.3);
 * "::" replaces the longest run of two or more zero groups, the first
 * one when runs tie (4.2.1 to 4.2.3); a single zero group is written as
 * "0". IPv4 (v4-mapped) is written as a plain dotted quad, the form the
 * rest of the world uses for IPv4 peers. We build the text in a local
 * buffer, so a short buf never sees a partial address.
 */
int
addr_format(const struct addr *a, char *buf, size_t size)
{
	char tmp[ADDR_STRLEN];
	size_t off = 0, n;
	int best = -1, bestlen = 0, run, i, j;
	unsigned int w;

	/* By hand: the DNS server writes one into every TXT answer. */
	if (addr_is_v4(a)) {
		for (i = 12; i < 16; i++) {
			w = a->b[i];
			if (w >= 100)
				tmp[off++] = (char)('0' + w / 100);
			if (w >= 10)
				tmp[off++] = (char)('0' + w / 10 % 10);
			tmp[off++] = (char)('0' + w % 10);
			tmp[off++] = i < 15 ? '.' : '\0';
		}
		goto out;
	}
	for (i = 0; i < 8; i = j) {
		for (j = i; j < 8 && a->b[2 * j] == 0 && a->b[2 * j + 1] == 0;
		    j++)
			;
		run = j - i;
		if (run >= 2 && run > bestlen) {
			best = i;
			bestlen = run;
		}
		if (j == i)
			j++;
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			tmp[off++] = ':';
			tmp[off++] = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			tmp[off++] = ':';
		w = (unsigned int)a->b[2 * i] << 8 | a->b[2 * i + 1];
		/* Most significant digit first, without zero padding. */
		for (int shift = 12; shift >= 0; shift -= 4) {
			if ((w >> shift) != 0 || shift == 0)
				tmp[off++] = addr_hexdigits[(w >> shift) & 0xf];
		}
	}
	tmp[off] = '\0';
out:
	n = strlen(tmp);
	if (n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	memcpy(buf, tmp, n + 1);
	return 0;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

void
addr_mask(struct addr *a, unsigned int len)
{
	unsigned int i;

	if (len >= 128)
		return;
	i = len / 8;
	if (len % 8 != 0) {
		a->b[i] &= (uint8_t)(0xff << (8 - len % 8));
		i++;
	}
	for (; i < 16; i++)
		a->b[i] = 0;
}

/*
 * The family is taken from the text: an address written with a colon
 * is IPv6 and its length counts 128 bits, even "::ffff:192.0.2.0/120";
 * a dotted quad takes an IPv4 length (0..32) and is stored as len + 96.
 */
int
prefix_parse(const char *s, size_t len, struct prefix *out)
{
	const char *slash;
	struct addr masked;
	size_t alen;
	unsigned int plen, max;
	int v6;

	if (s == NULL || out == NULL || len == 0)
		return -1;
	if ((slash = memchr(s, '/', len)) == NULL) {
		if (addr_parse(s, len, &out->addr) == -1)
			return -1;
		out->len = 128;
		return 0;
	}
	alen = (size_t)(slash - s);
	if (addr_parse(s, alen, &out->addr) == -1)
		return -1;
	v6 = memchr(s, ':', alen) != NULL;
	max = v6 ? 128 : 32;
	if (addr_parse_dec(slash + 1, len - alen - 1, PREFIX_LEN_DIGITS, max,
	    &plen) == -1)
		return -1;
	out->len = v6 ? plen : plen + ADDR_V4_BITS;
	/* Host bits set past the length: reject, don't repair. */
	masked = out->addr;
	addr_mask(&masked, out->len);
	if (addr_cmp(&masked, &out->addr) != 0)
		return -1;
	return 0;
}

int
prefix_format(const struct prefix *p, char *buf, size_t size)
{
	char tmp[ADDR_STRLEN];
	int n;

	if (prefix_is_host(p))
		return addr_format(&p->addr, buf, size);
	if (addr_format(&p->addr, tmp, sizeof(tmp)) == -1)
		return -1;
	n = snprintf(buf, size, "%s/%u", tmp, prefix_family_len(p));
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
prefix_is_v4(const struct prefix *p)
{
	return p->len >= ADDR_V4_BITS && addr_is_v4(&p->addr);
}

unsigned int
prefix_family_len(const struct prefix *p)
{
	return prefix_is_v4(p) ? p->len - ADDR_V4_BITS : p->len;
}

int
prefix_is_host(const struct prefix *p)
{
	return p->len == 128;
}

void
prefix_from_addr(struct prefix *out, const struct addr *a)
{
	out->addr = *a;
	out->len = 128;
}

int
prefix_contains(const struct prefix *p, const struct addr *a)
{
	struct addr x = *a, y = p->addr;

	addr_mask(&x, p->len);
	addr_mask(&y, p->len);
	return addr_cmp(&x, &y) == 0;
}

int
prefix_covers(const struct prefix *outer, const struct prefix *inner)
{
	return outer->len <= inner->len &&
	    prefix_contains(outer, &inner->addr);
}

void
prefix_last(const struct prefix *p, struct addr *out)
{
	unsigned int i;

	*out = p->addr;
	if (p->len >= 128)
		return;
	i = p->len / 8;
	if (p->len % 8 != 0) {
		out->b[i] |= (uint8_t)(0xff >> (p->len % 8));
		i++;
	}
	for (; i < 16; i++)
		out->b[i] = 0xff;
}

/*
 * RFC 5782 2.1: IPv4 as its four octets in reverse order; 2.4: IPv6 as
 * 32 nibbles in reverse order, like ip6.arpa (RFC 3596 2.5).
 */
int
addr_revname(const struct addr *a, char *buf, size_t size)
{
	size_t off = 0;
	int n;

	if (addr_is_v4(a)) {
		n = snprintf(buf, size, "%u.%u.%u.%u", a->b[15], a->b[14],
		    a->b[13], a->b[12]);
		if (n < 0 || (size_t)n >= size) {
			if (size > 0)
				buf[0] = '\0';
			return -1;
		}
		return 0;
	}
	if (size < ADDR_REVNAME_MAX) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	for (int i = 15; i >= 0; i--) {
		buf[off++] = addr_hexdigits[a->b[i] & 0xf];
		buf[off++] = '.';
		buf[off++] = addr_hexdigits[a->b[i] >> 4];
		buf[off++] = i > 0 ? '.' : '\0';
	}
	return 0;
}

/*
 * Only the two forms addr_revname writes are accepted. Both have a fixed
 * label count, so we count labels first and reject anything else before
 * looking at their contents; the length cap keeps a hostile query name
 * from costing more than one short scan.
 */
int
addr_from_revname(const char *s, size_t len, struct addr *out)
{
	uint8_t v4[4], rev[4];
	size_t labels = 1, i;
	int d;

	if (s == NULL || out == NULL || len == 0 || len >= ADDR_REVNAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] == '.')
			labels++;
	if (labels == 4) {
		if (addr_parse_v4(s, len, v4) == -1)
			return -1;
		rev[0] = v4[3];
		rev[1] = v4[2];
		rev[2] = v4[1];
		rev[3] = v4[0];
		addr_from_v4(out, rev);
		return 0;
	}
	/* 32 one-character labels and 31 dots: exactly 63 bytes. */
	if (labels != 32 || len != 63)
		return -1;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < 32; i++) {
		if (i > 0 && s[2 * i - 1] != '.')
			return -1;
		if ((d = addr_hexval(s[2 * i])) == -1)
			return -1;
		/* Label i holds nibble i counted from the least significant. */
		if (i % 2 == 0)
			out->b[15 - i / 2] |= (uint8_t)d;
		else
			out->b[15 - i / 2] |= (uint8_t)(d << 4);
	}
	return 0;
}

/*
 * IPv6 needs brackets around it (RFC 3986 3.2.2), since "::1:53" could
 * be either an address or an address and a port. IPv4 must not have
 * them. Port 0 means "any" to bind(), which is never what a
 * configuration means, so the range is 1..65535.
 */
int
addr_parse_sockaddr(const char *s, struct sockaddr_storage *out,
    socklen_t *outlen)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	struct addr a;
	const char *host, *port;
	size_t len, hlen;
	unsigned int pnum;
	uint8_t v4[4];
	int v6;

	if (s == NULL || out == NULL || outlen == NULL)
		return -1;
	len = strnlen(s, ADDR_SOCKADDR_MAX + 1);
	if (len == 0 || len > ADDR_SOCKADDR_MAX)
		return -1;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', len);

		if (end == NULL || end + 1 == s + len || end[1] != ':')
			return -1;
		host = s + 1;
		hlen = (size_t)(end - host);
		/* Brackets are for IPv6 only: "[192.0.2.1]:25" is wrong. */
		if (memchr(host, ':', hlen) == NULL)
			return -1;
		if (addr_parse(host, hlen, &a) == -1)
			return -1;
		port = end + 2;
		v6 = 1;
	} else {
		const char *colon = memchr(s, ':', len);

		if (colon == NULL)
			return -1;
		host = s;
		hlen = (size_t)(colon - s);
		if (addr_parse_v4(host, hlen, v4) == -1)
			return -1;
		port = colon + 1;
		v6 = 0;
	}
	if (addr_parse_dec(port, len - (size_t)(port - s), 5, 65535,
	    &pnum) == -1 || pnum == 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (v6) {
		sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pnum);
		memcpy(&sin6->sin6_addr, a.b, sizeof(a.b));
		*outlen = sizeof(*sin6);
	} else {
		sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pnum);
		memcpy(&sin->sin_addr, v4, sizeof(v4));
		*outlen = sizeof(*sin);
	}
	return 0;
}
