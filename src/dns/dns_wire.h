/* dns_wire.h -- DNS wire format: a read cursor, names, and a bounded writer. */
#ifndef BACKSCATTER_DNS_WIRE_H
#define BACKSCATTER_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* RFC 1035 4.1.1: the fixed header. */
#define DNS_HEADER_LEN		12
/* RFC 1035 2.3.4: a label is at most 63 octets... */
#define DNS_LABEL_MAX		63
/* ...and a name at most 255 octets in wire form, root label included. */
#define DNS_NAME_MAX		255
/* Each label takes its length octet and at least one more; plus the root. */
#define DNS_LABELS_MAX		127
/*
 * Compression pointers (RFC 1035 4.1.4) followed in one name. A sane
 * encoder needs one; chains of pointers to pointers are legal but have
 * no use, and every hop must go further back (see dns_name_read), so
 * this only bounds the work a hostile message can ask for.
 */
#define DNS_PTR_HOPS_MAX	16
/* Fixed part of a resource record after its owner (RFC 1035 4.1.3). */
#define DNS_RR_FIXED_LEN	10
/* An OPT record with no options (RFC 6891 6.1.2): root, then fixed part. */
#define DNS_OPT_LEN		(1 + DNS_RR_FIXED_LEN)
/* A TXT character-string holds at most 255 octets (RFC 1035 3.3). */
#define DNS_TXT_STRING_MAX	255

/* Header flags, the second 16-bit word (RFC 1035 4.1.1, RFC 4035 3.1.6). */
#define DNS_FLAG_QR		0x8000
#define DNS_FLAG_AA		0x0400
#define DNS_FLAG_TC		0x0200
#define DNS_FLAG_RD		0x0100
#define DNS_FLAG_RA		0x0080
#define DNS_FLAG_AD		0x0020
#define DNS_FLAG_CD		0x0010
#define DNS_OPCODE(flags)	(((flags) >> 11) & 0xf)
#define DNS_OPCODE_MASK		0x7800
#define DNS_RCODE_MASK		0x000f

#define DNS_OPCODE_QUERY	0
#define DNS_OPCODE_STATUS	2
#define DNS_OPCODE_NOTIFY	4
#define DNS_OPCODE_UPDATE	5

/* RCODEs (RFC 1035 4.1.1, RFC 6891 9: BADVERS needs the OPT's upper bits). */
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_NOTIMP	4
#define DNS_RCODE_REFUSED	5
#define DNS_RCODE_BADVERS	16

#define DNS_TYPE_A		1
#define DNS_TYPE_NS		2
#define DNS_TYPE_SOA		6
#define DNS_TYPE_TXT		16
#define DNS_TYPE_AAAA		28
#define DNS_TYPE_OPT		41
#define DNS_TYPE_TKEY		249
#define DNS_TYPE_TSIG		250
#define DNS_TYPE_IXFR		251
#define DNS_TYPE_AXFR		252
#define DNS_TYPE_MAILB		253
#define DNS_TYPE_MAILA		254
#define DNS_TYPE_ANY		255

#define DNS_CLASS_IN		1
#define DNS_CLASS_CH		3

/* The OPT TTL field (RFC 6891 6.1.3, RFC 3225 3). */
#define DNS_EDNS_DO		0x8000

/*
 * A read cursor over untrusted bytes. Invariant: off <= len. The first
 * failure is kept in err and makes every later read fail, so a caller
 * may test once at the end.
 */
struct dns_rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
	const char	*err;		/* NULL until a read fails */
};

void	 dns_rd_init(struct dns_rd *, const uint8_t *buf, size_t len);
/* 0 and the value, or -1 (err set) when too few bytes are left. */
int	 dns_rd_u8(struct dns_rd *, uint8_t *);
int	 dns_rd_u16(struct dns_rd *, uint16_t *);
int	 dns_rd_u32(struct dns_rd *, uint32_t *);
int	 dns_rd_skip(struct dns_rd *, size_t n);
/* Bytes left to read (0 after an error). */
size_t	 dns_rd_left(const struct dns_rd *);

/* The fixed header (RFC 1035 4.1.1). */
struct dns_header {
	uint16_t	 id;
	uint16_t	 flags;
	uint16_t	 qdcount, ancount, nscount, arcount;
};

/* 0, or -1 when fewer than DNS_HEADER_LEN bytes are left. */
int	 dns_header_read(struct dns_rd *, struct dns_header *);
/* Writes the 12 header bytes at out. */
void	 dns_header_write(uint8_t *out, const struct dns_header *);

/*
 * A name in uncompressed wire form, twice: as received (the question is
 * echoed with its 0x20 case kept) and lower-cased (ASCII only, RFC 4343)
 * for comparisons. label[i] is the offset of label i's length octet,
 * counted from the left; the root label is not counted in nlabels.
 */
struct dns_name {
	uint8_t		 wire[DNS_NAME_MAX];
	uint8_t		 lower[DNS_NAME_MAX];
	size_t		 len;		/* octets, root included */
	size_t		 nlabels;
	uint8_t		 label[DNS_LABELS_MAX];
};

/*
 * Reads a possibly compressed name at the cursor; the cursor moves past
 * the name as it stands in the message (past the first pointer). Every
 * pointer must point before the start of the run of labels it ends, so
 * a loop cannot exist, and at most DNS_PTR_HOPS_MAX are followed. Label
 * types 01 and 10 (RFC 6891 5) are errors. 0 ok, -1 with r->err set.
 */
int	 dns_name_read(struct dns_rd *, struct dns_name *);

/*
 * Fills n from a text name ("bl.example.org", a trailing dot allowed,
 * "" or "." for the root). No escapes: a label is 1..63 octets of
 * anything but '.', lower-cased. 0 ok, -1 too long or an empty label.
 */
int	 dns_name_from_text(struct dns_name *, const char *);

/* 1 if a and b are the same name (case ignored), else 0. */
int	 dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/*
 * How many labels name has below apex: 0 for the apex itself, -1 when
 * name is not apex and not below it. Case ignored.
 */
int	 dns_name_below(const struct dns_name *name,
	    const struct dns_name *apex);

/*
 * A bounded writer. max is the size the message may take; the first
 * write that does not fit sets err, and later writes do nothing, so a
 * caller may test once. Names are compressed (RFC 1035 4.1.4) against
 * the question name once dns_wr_question wrote it: any suffix of it.
 */
struct dns_wr {
	uint8_t			*buf;
	size_t			 max;
	size_t			 off;
	int			 err;
	const struct dns_name	*qname;	/* NULL: no compression */
	size_t			 qoff;	/* where qname is in buf */
};

void	 dns_wr_init(struct dns_wr *, uint8_t *buf, size_t max);
void	 dns_wr_u8(struct dns_wr *, uint8_t);
void	 dns_wr_u16(struct dns_wr *, uint16_t);
void	 dns_wr_u32(struct dns_wr *, uint32_t);
void	 dns_wr_bytes(struct dns_wr *, const void *, size_t);
/* Writes n, compressed against the question name where a suffix matches. */
void	 dns_wr_name(struct dns_wr *, const struct dns_name *n);
/*
 * Writes the question as received (case kept, never compressed) and
 * makes its name the compression target; q must outlive the writer.
 */
void	 dns_wr_question(struct dns_wr *, const struct dns_name *q,
	    uint16_t qtype, uint16_t qclass);

/* Resource records of class IN; each is whole or, on error, partial. */
void	 dns_wr_rr_a(struct dns_wr *, const struct dns_name *owner,
	    uint32_t ttl, const uint8_t v4[4]);
void	 dns_wr_rr_aaaa(struct dns_wr *, const struct dns_name *owner,
	    uint32_t ttl, const uint8_t v6[16]);
/* len bytes of s as as many character-strings of <= 255 as it takes. */
void	 dns_wr_rr_txt(struct dns_wr *, const struct dns_name *owner,
	    uint32_t ttl, const char *s, size_t len);
void	 dns_wr_rr_ns(struct dns_wr *, const struct dns_name *owner,
	    uint32_t ttl, const struct dns_name *ns);

/* The RDATA of an SOA record (RFC 1035 3.3.13). */
struct dns_soa {
	const struct dns_name	*mname, *rname;
	uint32_t		 serial, refresh, retry, expire, minimum;
};
void	 dns_wr_rr_soa(struct dns_wr *, const struct dns_name *owner,
	    uint32_t ttl, const struct dns_soa *);

/*
 * An OPT record without options (RFC 6891 6.1.2): our UDP payload size,
 * the upper 8 bits of an extended RCODE, version, and the DO bit.
 */
void	 dns_wr_opt(struct dns_wr *, uint16_t udpsize, uint8_t ext_rcode,
	    uint8_t version, int dobit);

#endif
