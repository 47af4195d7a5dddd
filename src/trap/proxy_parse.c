/* proxy_parse.c -- the PROXY protocol header, v1 (text) and v2 (binary). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trap/proxy_parse.h"

/* Section 2.2: the v2 signature, chosen so that no v1 or text starts so. */
static const uint8_t proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};
static const char proxy_v1_sig[] = "PROXY ";

/* Section 2.2, the 14th byte: address family (high) and transport (low). */
#define PROXY_AF_UNSPEC		0x0
#define PROXY_AF_INET		0x1
#define PROXY_AF_INET6		0x2
#define PROXY_AF_UNIX		0x3
#define PROXY_TP_UNSPEC		0x0
#define PROXY_TP_STREAM		0x1
/* Address block sizes for INET and INET6 (section 2.2). */
#define PROXY_V2_INET_LEN	12
#define PROXY_V2_INET6_LEN	36
/* "TCP4 " addresses and ports: at most 39 + 1 + 39 + 1 + 5 + 1 + 5. */
#define PROXY_V1_FIELDS		5

/*
 * Splits the v1 line (without "PROXY " and CRLF) at single spaces, as
 * section 2.1 requires exactly one space between fields. -1 if there are
 * more than PROXY_V1_FIELDS, empty fields or other white space.
 */
static int
proxy_v1_split(const char *s, size_t len, const char *f[], size_t flen[],
    size_t *n)
{
	size_t i, start = 0;

	*n = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (i == start || *n == PROXY_V1_FIELDS)
			return -1;
		f[*n] = s + start;
		flen[*n] = i - start;
		(*n)++;
		start = i + 1;
	}
	return 0;
}

static int
proxy_v1_port(const char *s, size_t len, uint16_t *out)
{
	unsigned int v;

	if (addr_parse_dec(s, len, 5, 65535, &v) == -1)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * Version 1: "PROXY TCP4 SRC DST SPORT DPORT\r\n", "PROXY TCP6 ...", or
 * "PROXY UNKNOWN" with anything up to the CRLF.
 */
static int
proxy_parse_v1(const uint8_t *buf, size_t len, struct proxy_hdr *out,
    const char **err)
{
	const char *s = (const char *)buf, *f[PROXY_V1_FIELDS];
	size_t flen[PROXY_V1_FIELDS], n, end, i;
	int v6;

	for (end = 0; end < len && end < PROXY_V1_MAX; end++)
		if (buf[end] == '\n')
			break;
	if (end == len && len < PROXY_V1_MAX)
		return 0;
	if (end == PROXY_V1_MAX || end < sizeof(proxy_v1_sig) ||
	    buf[end - 1] != '\r') {
		*err = "v1: line not ended by CRLF within 107 bytes";
		return -1;
	}
	for (i = 0; i < end - 1; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e) {
			*err = "v1: control or non-ASCII byte";
			return -1;
		}
	}
	out->version = 1;
	s += sizeof(proxy_v1_sig) - 1;
	if (proxy_v1_split(s, end - 1 - (sizeof(proxy_v1_sig) - 1), f, flen,
	    &n) == -1 || n == 0) {
		/* "PROXY UNKNOWN" may carry anything, so check it first. */
		if (end - 1 >= 13 && memcmp(buf, "PROXY UNKNOWN", 13) == 0 &&
		    (end - 1 == 13 || buf[13] == ' '))
			return (int)end + 1;
		*err = "v1: malformed fields";
		return -1;
	}
	if (flen[0] == 7 && memcmp(f[0], "UNKNOWN", 7) == 0)
		return (int)end + 1;
	if (flen[0] != 4 || (memcmp(f[0], "TCP4", 4) != 0 &&
	    memcmp(f[0], "TCP6", 4) != 0)) {
		*err = "v1: protocol is not TCP4, TCP6 or UNKNOWN";
		return -1;
	}
	if (n != PROXY_V1_FIELDS) {
		*err = "v1: expected addresses and ports";
		return -1;
	}
	v6 = f[0][3] == '6';
	for (i = 1; i <= 2; i++) {
		/* The family must match: a TCP4 line holds dotted quads. */
		if ((memchr(f[i], ':', flen[i]) != NULL) != v6) {
			*err = "v1: address does not match the protocol";
			return -1;
		}
	}
	if (addr_parse(f[1], flen[1], &out->src) == -1 ||
	    addr_parse(f[2], flen[2], &out->dst) == -1) {
		*err = "v1: bad address";
		return -1;
	}
	if (proxy_v1_port(f[3], flen[3], &out->sport) == -1 ||
	    proxy_v1_port(f[4], flen[4], &out->dport) == -1) {
		*err = "v1: bad port";
		return -1;
	}
	out->known = 1;
	return (int)end + 1;
}

/* Version 2: the signature, then version/command, family, length. */
static int
proxy_parse_v2(const uint8_t *buf, size_t len, struct proxy_hdr *out,
    const char **err)
{
	size_t alen;
	unsigned int cmd, af, tp;

	if (len < PROXY_V2_HEAD)
		return 0;
	if ((buf[12] >> 4) != 2) {
		*err = "v2: version is not 2";
		return -1;
	}
	cmd = buf[12] & 0x0f;
	if (cmd > 1) {
		*err = "v2: unknown command";
		return -1;
	}
	af = buf[13] >> 4;
	tp = buf[13] & 0x0f;
	alen = (size_t)buf[14] << 8 | buf[15];
	if (alen > PROXY_V2_LEN_MAX) {
		*err = "v2: header too long";
		return -1;
	}
	if (len < PROXY_V2_HEAD + alen)
		return 0;
	out->version = 2;
	/* LOCAL: the proxy speaks for itself; "the receiver must ignore". */
	if (cmd == 0)
		return (int)(PROXY_V2_HEAD + alen);
	if (af > PROXY_AF_UNIX || tp > 2) {
		*err = "v2: unknown address family or transport";
		return -1;
	}
	if (tp != PROXY_TP_STREAM && !(af == PROXY_AF_UNSPEC &&
	    tp == PROXY_TP_UNSPEC)) {
		*err = "v2: not a stream connection";
		return -1;
	}
	buf += PROXY_V2_HEAD;
	switch (af) {
	case PROXY_AF_INET:
		if (alen < PROXY_V2_INET_LEN) {
			*err = "v2: address block too short";
			return -1;
		}
		addr_from_v4(&out->src, buf);
		addr_from_v4(&out->dst, buf + 4);
		out->sport = (uint16_t)(buf[8] << 8 | buf[9]);
		out->dport = (uint16_t)(buf[10] << 8 | buf[11]);
		out->known = 1;
		break;
	case PROXY_AF_INET6:
		if (alen < PROXY_V2_INET6_LEN) {
			*err = "v2: address block too short";
			return -1;
		}
		memcpy(out->src.b, buf, 16);
		memcpy(out->dst.b, buf + 16, 16);
		out->sport = (uint16_t)(buf[32] << 8 | buf[33]);
		out->dport = (uint16_t)(buf[34] << 8 | buf[35]);
		out->known = 1;
		break;
	default:
		/* UNSPEC or UNIX: no IP address to list; use the peer. */
		break;
	}
	/* TLVs (section 2.2.7) carry nothing a trap needs; skipped whole. */
	return (int)(PROXY_V2_HEAD + alen);
}

int
proxy_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out,
    const char **err)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	if (buf[0] == proxy_v2_sig[0]) {
		n = len < sizeof(proxy_v2_sig) ? len : sizeof(proxy_v2_sig);
		if (memcmp(buf, proxy_v2_sig, n) != 0) {
			*err = "not a PROXY header";
			return -1;
		}
		if (len < sizeof(proxy_v2_sig))
			return 0;
		return proxy_parse_v2(buf, len, out, err);
	}
	n = len < sizeof(proxy_v1_sig) - 1 ? len : sizeof(proxy_v1_sig) - 1;
	if (memcmp(buf, proxy_v1_sig, n) != 0) {
		*err = "not a PROXY header";
		return -1;
	}
	if (len < sizeof(proxy_v1_sig) - 1)
		return 0;
	return proxy_parse_v1(buf, len, out, err);
}
