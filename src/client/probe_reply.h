/* probe_reply.h -- SMTP reply parsing for the probe client: pure, no I/O. */
#ifndef BACKSCATTER_PROBE_REPLY_H
#define BACKSCATTER_PROBE_REPLY_H

#include <stddef.h>

/*
 * RFC 5321 4.5.3.1.5 caps a reply line at 512 octets with its CRLF.
 * Servers exceed it (long EHLO keyword lists, banners), so we accept
 * twice that, never an unbounded amount.
 */
#define PROBE_REPLY_LINE_MAX	1024
/* EHLO answers run to some 20 lines; a hundred is a hostile server. */
#define PROBE_REPLY_LINES_MAX	100
/* Reply text kept for the report, incl. NUL; the rest is cut. */
#define PROBE_REPLY_TEXT_MAX	512

struct probe_reply {
	int	 code;			/* 200..559 */
	size_t	 nlines;
	/*
	 * The lines' text after the code, joined by " / ", printable
	 * ASCII only (other bytes become '?'), cut at the end.
	 */
	char	 text[PROBE_REPLY_TEXT_MAX];
};

/*
 * Parses one reply (RFC 5321 4.2: "xyz-text" lines, then "xyz text" or
 * "xyz", each ending in CRLF, every line with the same code, the first
 * digit 2..5, the second 0..5) from the start of buf (len bytes,
 * untrusted, not NUL-terminated).
 *
 * 1: a whole reply; *out filled in and *used the bytes it took.
 * 0: buf holds a proper beginning of a reply; read more.
 * -1: malformed (bare LF or CR, NUL, short line, bad code or separator,
 *     a code that changes between lines, too long or too many lines);
 *     *err says what. Reject, don't repair: the caller hangs up.
 */
int	 probe_reply_parse(const char *buf, size_t len,
	    struct probe_reply *out, size_t *used, const char **err);

#endif
