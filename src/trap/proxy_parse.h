/* proxy_parse.h -- the PROXY protocol header, v1 (text) and v2 (binary). */
#ifndef BACKSCATTER_PROXY_PARSE_H
#define BACKSCATTER_PROXY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/*
 * HAProxy's PROXY protocol specification (2020-03-05): a v1 header is at
 * most 107 bytes with its CRLF (section 2.1); a v2 header is 16 bytes
 * and an announced length of up to 65535, but addresses take at most 216
 * and TLVs a few hundred, so we refuse anything longer than this.
 */
#define PROXY_V1_MAX		107
#define PROXY_V2_HEAD		16
#define PROXY_V2_LEN_MAX	2048
/* The most bytes proxy_parse() ever needs to decide. */
#define PROXY_MAX		(PROXY_V2_HEAD + PROXY_V2_LEN_MAX)

struct proxy_hdr {
	int		 version;	/* 1 or 2 */
	/*
	 * 1: src and dst are the client's connection. 0: "PROXY UNKNOWN",
	 * a v2 LOCAL command (the proxy's own health check) or an address
	 * family without IP addresses: use the TCP peer.
	 */
	int		 known;
	struct addr	 src;		/* IPv4 as v4-mapped */
	struct addr	 dst;
	uint16_t	 sport;
	uint16_t	 dport;
};

/*
 * Parses the header at the start of buf, which holds the first len
 * bytes received. Returns the header's length (> 0) with *out filled in;
 * 0 when len bytes are a valid beginning but not yet a whole header (read
 * more, up to PROXY_MAX); -1 with *err set when the bytes cannot start a
 * header. Bytes after the header are the client's and are not looked at.
 */
int	 proxy_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out,
	    const char **err);

#endif
