/* mime_parse.h -- bounded parsing of RFC 5322 headers and MIME structure. */
#ifndef BACKSCATTER_MIME_PARSE_H
#define BACKSCATTER_MIME_PARSE_H

#include <stddef.h>

/*
 * Everything here reads untrusted bytes from (ptr, len): no NUL is
 * expected or needed, no byte past len is read, nothing is allocated.
 * Lines end in LF, with or without a CR before it; a bare CR is an
 * ordinary byte. Outputs are written to caller buffers and cut short
 * (never overrun) when they do not fit.
 */

/*
 * RFC 5322 sets no limit on the number of fields; real mail carries a
 * few dozen (Exchange up to about a hundred). Fields past this many in
 * one header block are skipped, though the block is still read to its
 * end so the body is found.
 */
#define MIME_HEADERS_MAX	500
/* RFC 5322 3.6.8: a name is ftext up to the colon; real ones are short. */
#define MIME_NAME_MAX		76
/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. Longer ones are refused. */
#define MIME_BOUNDARY_MAX	70
/* "type/subtype" and the parameters we keep, lowercased. */
#define MIME_TYPE_MAX		64
#define MIME_CHARSET_MAX	32
/*
 * The first 1 KiB of a Content-Type field is read: a boundary written
 * after that is not found. Real fields are a line or two.
 */
#define MIME_CTYPE_MAX		1024
/* Multipart nesting we descend into, and parts visited per message. */
#define MIME_DEPTH_MAX		4
#define MIME_PARTS_MAX		64

/* One header field: raw spans into the buffer, the value still folded. */
struct mime_hdr {
	const char	*name;
	size_t		 namelen;
	const char	*value;		/* after the colon, to the line end */
	size_t		 valuelen;
};

/*
 * An iterator over one header block. When it is done, off is where the
 * body starts: after the empty line, at the first line that is neither
 * a field nor a continuation, or at len if the block never ended.
 */
struct mime_hdrs {
	const char	*buf;
	size_t		 len;
	size_t		 off;
	size_t		 nfields;
	int		 done;
	int		 capped;	/* fields past the cap were skipped */
};

void	 mime_hdrs_init(struct mime_hdrs *, const char *buf, size_t len);
/* 1 and *h filled in, or 0 at the end of the block. */
int	 mime_hdrs_next(struct mime_hdrs *, struct mime_hdr *h);

/* 1 if the field's name is name (case-insensitive), else 0. */
int	 mime_hdr_is(const struct mime_hdr *, const char *name);

/*
 * Copies an unfolded value (RFC 5322 2.2.3) to out: line breaks and runs
 * of blanks become one space, leading and trailing blanks are dropped.
 * Returns the bytes written (at most outsize; no NUL is added).
 */
size_t	 mime_unfold(const char *in, size_t inlen, char *out, size_t outsize);

/*
 * Decodes RFC 2047 encoded-words ("=?charset?B|Q?text?=") in an unfolded
 * value to UTF-8; blanks between two encoded-words are dropped (RFC 2047
 * 6.2). UTF-8, US-ASCII, ISO-8859-1/-15 and Windows-1252 are decoded;
 * a word in another charset, or one that is malformed, is kept as it
 * stands. Other bytes are copied. Returns the bytes written.
 */
size_t	 mime_decode_words(const char *in, size_t inlen, char *out,
	    size_t outsize);

/* Content-Transfer-Encoding (RFC 2045 6); unknown ones are left alone. */
enum mime_cte {
	MIME_CTE_IDENTITY = 0,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
};

enum mime_cte	 mime_cte_parse(const char *value, size_t len);

/*
 * Decodes a body in the given transfer encoding into out, up to outsize
 * bytes (the rest is dropped). Base64 skips characters outside its
 * alphabet (RFC 2045 6.8); quoted-printable keeps a malformed "=" as is.
 * Returns the bytes written.
 */
size_t	 mime_decode_body(enum mime_cte, const char *in, size_t inlen,
	    char *out, size_t outsize);

/*
 * A parsed Content-Type (RFC 2045 5.1). type is "type/subtype" in lower
 * case, "text/plain" when the field is missing or unreadable (RFC 2045
 * 5.2). boundarylen is 0 if there is no usable boundary (none, empty or
 * longer than MIME_BOUNDARY_MAX). report_type (RFC 6522) and charset are
 * lowercased, "" when absent.
 */
struct mime_ctype {
	char		 type[MIME_TYPE_MAX];
	char		 report_type[MIME_TYPE_MAX];
	char		 charset[MIME_CHARSET_MAX];
	char		 boundary[MIME_BOUNDARY_MAX + 1];
	size_t		 boundarylen;
};

void	 mime_ctype_parse(const char *value, size_t len, struct mime_ctype *);

/*
 * One part met by mime_walk(): the message itself (depth 0), or a body
 * part of a multipart at depth 1 and more. hdr/hdrlen is its header
 * block, body/bodylen what follows (cut short if the message was).
 */
struct mime_part {
	const char		*hdr;
	size_t			 hdrlen;
	const char		*body;
	size_t			 bodylen;
	struct mime_ctype	 ct;
	enum mime_cte		 cte;
	int			 depth;
};

/*
 * Visits the message and its parts depth first, in order. Multiparts are
 * entered up to MIME_DEPTH_MAX levels, MIME_PARTS_MAX parts in all; a
 * message/rfc822 part is not entered (in a bounce it is the returned
 * mail, whose contents say nothing about the bouncer). cb returns 0 to
 * go on or 1 to stop. Returns the number of parts visited.
 */
size_t	 mime_walk(const char *msg, size_t len,
	    int (*cb)(void *arg, const struct mime_part *), void *arg);

/*
 * mime_walk(), and field_cb gets each field of the message's own header,
 * in order, before cb gets the message: one reading of that header for
 * the caller and the walk.
 */
size_t	 mime_walk_fields(const char *msg, size_t len,
	    void (*field_cb)(void *arg, const struct mime_hdr *),
	    int (*cb)(void *arg, const struct mime_part *), void *arg);

#endif
