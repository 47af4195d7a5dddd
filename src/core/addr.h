/* addr.h -- IPv4/IPv6 addresses and CIDR prefixes, text and reverse-DNS forms. */
#ifndef BACKSCATTER_ADDR_H
#define BACKSCATTER_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text form of an address ("ffff:...:255.255.255.255") plus NUL. */
#define ADDR_STRLEN		46
/* An address plus "/128" and NUL. */
#define PREFIX_STRLEN		(ADDR_STRLEN + 4)
/* 32 nibbles with 31 dots between them, plus NUL. */
#define ADDR_REVNAME_MAX	64

/*
 * One address, always 16 bytes in network order. IPv4 is kept v4-mapped
 * (::ffff:a.b.c.d, RFC 4291 2.5.5.2) so that one comparison, one index and
 * one trie serve both families.
 */
struct addr {
	uint8_t		b[16];
};

/*
 * A CIDR prefix. len counts bits of the 128-bit form: an IPv4 /24 is kept
 * as len 120. Bits past len are always zero.
 */
struct prefix {
	struct addr	addr;
	unsigned int	len;		/* 0..128 */
};

/*
 * Parses exactly len bytes of s as an IPv4 dotted quad or an IPv6 address
 * (RFC 4291 2.2, including the embedded IPv4 form). Strict: no leading or
 * trailing space, no zone index, no leading zeros in IPv4 octets (they
 * mean octal to some parsers), no shortened IPv4 forms. 0 ok, -1 malformed.
 */
int	 addr_parse(const char *s, size_t len, struct addr *out);

/*
 * Parses exactly len bytes as a decimal number of at most maxdigits
 * digits and at most max, without leading zeros ("0" itself is fine):
 * octets and prefix lengths in every text form we read. 0 ok, -1 not.
 */
int	 addr_parse_dec(const char *s, size_t len, size_t maxdigits,
	    unsigned int max, unsigned int *out);

/* Builds the v4-mapped form of four IPv4 octets in network order. */
void	 addr_from_v4(struct addr *out, const uint8_t v4[4]);

/* 1 if the address is v4-mapped (that is, IPv4), else 0. */
int	 addr_is_v4(const struct addr *);

/*
 * Writes the canonical text form: dotted quad for IPv4, RFC 5952 for
 * IPv6 (lower case, longest zero run compressed, never a single zero
 * field). 0 ok, -1 if size is too small (buf then holds "").
 */
int	 addr_format(const struct addr *, char *buf, size_t size);

/* memcmp order on the 16 bytes: <0, 0, >0. */
int	 addr_cmp(const struct addr *, const struct addr *);

/* Clears every bit past the first len bits (len 0..128). */
void	 addr_mask(struct addr *, unsigned int len);

/*
 * Parses "ADDR" (a host prefix: /32 or /128) or "ADDR/LEN". LEN is decimal
 * without leading zeros, 0..32 for IPv4, 0..128 for IPv6. Host bits set
 * past LEN are an error ("192.0.2.1/24" is rejected, not repaired).
 * 0 ok, -1 malformed.
 */
int	 prefix_parse(const char *s, size_t len, struct prefix *out);

/*
 * Writes "ADDR/LEN" with the family's own length (IPv4 /24, not /120);
 * a host prefix (/32 or /128) is written as the bare address.
 * 0 ok, -1 if size is too small.
 */
int	 prefix_format(const struct prefix *, char *buf, size_t size);

/* 1 if the prefix is IPv4 (v4-mapped and len >= 96), else 0. */
int	 prefix_is_v4(const struct prefix *);

/* The family's own length: 0..32 for IPv4, 0..128 for IPv6. */
unsigned int prefix_family_len(const struct prefix *);

/* 1 if the prefix is a single address (/128, which is IPv4 /32). */
int	 prefix_is_host(const struct prefix *);

/* Fills a host prefix (/128) for one address. */
void	 prefix_from_addr(struct prefix *out, const struct addr *);

/* 1 if a is inside p, else 0. */
int	 prefix_contains(const struct prefix *p, const struct addr *a);

/* 1 if inner lies entirely inside outer (equal counts), else 0. */
int	 prefix_covers(const struct prefix *outer, const struct prefix *inner);

/* The last address of the prefix (all host bits set). */
void	 prefix_last(const struct prefix *, struct addr *out);

/*
 * Writes the reversed DNS form used below a DNSBL zone (RFC 5782 2.1 and
 * 2.4): "d.c.b.a" for IPv4, 32 dot-separated lower-case nibbles for IPv6.
 * No trailing dot, no zone. 0 ok, -1 if size is too small.
 */
int	 addr_revname(const struct addr *, char *buf, size_t size);

/*
 * The inverse of addr_revname over exactly len bytes (the labels before
 * the zone, without a trailing dot): exactly 4 decimal labels 0..255
 * without leading zeros, or exactly 32 single hex-digit labels (either
 * case). A 32-nibble name of a v4-mapped address yields that IPv4
 * address. 0 ok, -1 anything else.
 */
int	 addr_from_revname(const char *s, size_t len, struct addr *out);

/*
 * Parses a listen or connect address: "a.b.c.d:PORT" or "[v6]:PORT",
 * PORT 1..65535. Fills a sockaddr_in or sockaddr_in6 (IPv4 is NOT mapped
 * here: sockets want the native family). 0 ok, -1 malformed.
 */
int	 addr_parse_sockaddr(const char *s, struct sockaddr_storage *out,
	    socklen_t *outlen);

#endif
