/* dns_tsig.c -- TSIG (RFC 8945) with HMAC-SHA256: keys, parsing, signing, verifying. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dns/dns_tsig.h"
#include "dns/dns_wire.h"

/* RFC 8945 6: "hmac-sha256" in wire form, the algorithm name we sign with. */
static const uint8_t dns_tsig_alg[] = {
	11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0 };

/* Base64 text of a secret: 4 characters for each 3 octets, plus padding. */
#define DNS_TSIG_B64_MAX	(DNS_TSIG_SECRET_MAX / 3 * 4 + 4)

int
dns_tsig_key_parse(const char *spec, struct dns_tsig_key *k, char *err,
    size_t errlen)
{
	const char *colon;
	unsigned char raw[DNS_TSIG_B64_MAX];
	size_t nlen, blen, pad = 0;
	int n;

	memset(k, 0, sizeof(*k));
	if (spec == NULL || (colon = strchr(spec, ':')) == NULL) {
		snprintf(err, errlen, "expected NAME:BASE64SECRET");
		return -1;
	}
	nlen = (size_t)(colon - spec);
	if (nlen == 0 || nlen >= sizeof(k->text)) {
		snprintf(err, errlen, "bad key name length");
		return -1;
	}
	memcpy(k->text, spec, nlen);
	k->text[nlen] = '\0';
	for (size_t i = 0; i < nlen; i++)
		if (k->text[i] >= 'A' && k->text[i] <= 'Z')
			k->text[i] = (char)(k->text[i] - 'A' + 'a');
	if (dns_name_from_text(&k->name, k->text) == -1) {
		snprintf(err, errlen, "key name '%s' is not a DNS name",
		    k->text);
		return -1;
	}
	/* A trailing dot names the same key; keep the text without it. */
	if (k->text[nlen - 1] == '.')
		k->text[nlen - 1] = '\0';
	blen = strlen(colon + 1);
	if (blen == 0 || blen % 4 != 0 || blen > DNS_TSIG_B64_MAX) {
		snprintf(err, errlen, "key '%s': the secret is not base64 of "
		    "1 to %d octets", k->text, DNS_TSIG_SECRET_MAX);
		return -1;
	}
	for (size_t i = 0; i < blen; i++) {
		char c = colon[1 + i];

		if (c == '=') {
			if (i + 2 < blen)
				goto bad64;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			goto bad64;
	}
	n = EVP_DecodeBlock(raw, (const unsigned char *)colon + 1, (int)blen);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad == 0 ||
	    (size_t)n - pad > DNS_TSIG_SECRET_MAX)
		goto bad64;
	k->secretlen = (size_t)n - pad;
	memcpy(k->secret, raw, k->secretlen);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
bad64:
	snprintf(err, errlen, "key '%s': the secret is not base64 of 1 to %d "
	    "octets", k->text, DNS_TSIG_SECRET_MAX);
	return -1;
}

const struct dns_tsig_key *
dns_tsig_ring_find(const struct dns_tsig_ring *r, const struct dns_name *n)
{
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (dns_name_equal(&r->keys[i].name, n))
			return &r->keys[i];
	return NULL;
}

const struct dns_tsig_key *
dns_tsig_ring_find_text(const struct dns_tsig_ring *r, const char *text)
{
	struct dns_name n;

	if (dns_name_from_text(&n, text) == -1)
		return NULL;
	return dns_tsig_ring_find(r, &n);
}

/* Reads the RDATA of a TSIG (RFC 8945 4.2) from rd, exactly rdlen long. */
static int
dns_tsig_read_rdata(struct dns_rd *r, uint16_t rdlen, struct dns_tsig_rr *t)
{
	size_t end = r->off + rdlen;
	uint16_t hi;
	uint32_t lo;

	if (dns_name_read(r, &t->alg) == -1 || dns_rd_u16(r, &hi) == -1 ||
	    dns_rd_u32(r, &lo) == -1 || dns_rd_u16(r, &t->fudge) == -1 ||
	    dns_rd_u16(r, &t->maclen) == -1)
		return -1;
	t->time_signed = (uint64_t)hi << 32 | lo;
	if (t->maclen > DNS_TSIG_MAC_MAX || dns_rd_left(r) < t->maclen) {
		r->err = "TSIG MAC too long";
		return -1;
	}
	memcpy(t->mac, r->buf + r->off, t->maclen);
	(void)dns_rd_skip(r, t->maclen);
	if (dns_rd_u16(r, &t->orig_id) == -1 ||
	    dns_rd_u16(r, &t->error) == -1 ||
	    dns_rd_u16(r, &t->otherlen) == -1)
		return -1;
	if (t->otherlen > DNS_TSIG_OTHER_MAX || dns_rd_left(r) < t->otherlen) {
		r->err = "TSIG other data too long";
		return -1;
	}
	memcpy(t->other, r->buf + r->off, t->otherlen);
	(void)dns_rd_skip(r, t->otherlen);
	if (r->off != end) {
		r->err = "TSIG RDATA length mismatch";
		return -1;
	}
	return 0;
}

/*
 * Every record is skipped but the TSIG's, which is read in full. The
 * loops are bounded by the message: each record takes 11 bytes or more.
 */
int
dns_tsig_find(const uint8_t *msg, size_t len, struct dns_tsig_rr *out)
{
	struct dns_header h;
	struct dns_name name;
	struct dns_rd r;
	uint16_t type, klass, rdlen;
	uint32_t ttl;
	size_t i, n, start;
	int found = 0;

	dns_rd_init(&r, msg, len);
	if (dns_header_read(&r, &h) == -1)
		return -1;
	for (i = 0; i < h.qdcount; i++)
		if (dns_name_read(&r, &name) == -1 ||
		    dns_rd_u16(&r, &type) == -1 || dns_rd_u16(&r, &klass) == -1)
			return -1;
	n = (size_t)h.ancount + h.nscount + h.arcount;
	for (i = 0; i < n; i++) {
		start = r.off;
		if (dns_name_read(&r, &name) == -1 ||
		    dns_rd_u16(&r, &type) == -1 || dns_rd_u16(&r, &klass) == -1 ||
		    dns_rd_u32(&r, &ttl) == -1 || dns_rd_u16(&r, &rdlen) == -1)
			return -1;
		if (dns_rd_left(&r) < rdlen)
			return -1;
		if (type != DNS_TYPE_TSIG) {
			(void)dns_rd_skip(&r, rdlen);
			continue;
		}
		/* RFC 8945 5.2: only as the very last record, once. */
		if (i != n - 1 || h.arcount == 0 || klass != DNS_CLASS_ANY ||
		    ttl != 0)
			return -1;
		out->start = start;
		out->key = name;
		if (dns_tsig_read_rdata(&r, rdlen, out) == -1)
			return -1;
		found = 1;
	}
	if (dns_rd_left(&r) != 0)
		return -1;
	return found;
}

/* An HMAC-SHA256 computation fed piece by piece. */
struct dns_hmac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	int		 err;
};

static int
dns_hmac_init(struct dns_hmac *h, const struct dns_tsig_key *k)
{
	OSSL_PARAM params[2];
	char digest[] = "SHA256";

	h->err = 0;
	h->ctx = NULL;
	if ((h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (h->ctx = EVP_MAC_CTX_new(h->mac)) == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(h->ctx, k->secret, k->secretlen, params) != 1)
		goto fail;
	return 0;
fail:
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	h->ctx = NULL;
	h->mac = NULL;
	return -1;
}

static void
dns_hmac_update(struct dns_hmac *h, const void *p, size_t n)
{
	if (!h->err && n > 0 && EVP_MAC_update(h->ctx, p, n) != 1)
		h->err = 1;
}

static void
dns_hmac_u16(struct dns_hmac *h, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	dns_hmac_update(h, b, sizeof(b));
}

static void
dns_hmac_time(struct dns_hmac *h, uint64_t t)
{
	uint8_t b[6];

	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(t >> (40 - 8 * i));
	dns_hmac_update(h, b, sizeof(b));
}

/* Finishes; 0 and the MAC in out (DNS_TSIG_MAC_LEN), -1 on failure. */
static int
dns_hmac_final(struct dns_hmac *h, uint8_t *out)
{
	size_t outl = 0;
	int rc = -1;

	if (!h->err && EVP_MAC_final(h->ctx, out, &outl,
	    DNS_TSIG_MAC_LEN) == 1 && outl == DNS_TSIG_MAC_LEN)
		rc = 0;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return rc;
}

/*
 * The message part of the digest (RFC 8945 4.3.1): the message as it
 * was before the TSIG was added, so with ARCOUNT one less and the
 * original ID in the header.
 */
static void
dns_hmac_message(struct dns_hmac *h, const uint8_t *msg, size_t len,
    uint16_t id, int had_tsig)
{
	uint8_t hdr[DNS_HEADER_LEN];
	uint16_t ar;

	memcpy(hdr, msg, DNS_HEADER_LEN);
	hdr[0] = (uint8_t)(id >> 8);
	hdr[1] = (uint8_t)id;
	if (had_tsig) {
		ar = (uint16_t)((hdr[10] << 8 | hdr[11]) - 1);
		hdr[10] = (uint8_t)(ar >> 8);
		hdr[11] = (uint8_t)ar;
	}
	dns_hmac_update(h, hdr, sizeof(hdr));
	dns_hmac_update(h, msg + DNS_HEADER_LEN, len - DNS_HEADER_LEN);
}

/* RFC 8945 4.3.3: the TSIG variables, names in canonical form. */
static void
dns_hmac_variables(struct dns_hmac *h, const struct dns_tsig_key *k,
    uint64_t time_signed, uint16_t fudge, uint16_t error, uint16_t otherlen,
    const uint8_t *other)
{
	static const uint8_t class_ttl[6] = { 0, DNS_CLASS_ANY, 0, 0, 0, 0 };

	dns_hmac_update(h, k->name.lower, k->name.len);
	dns_hmac_update(h, class_ttl, sizeof(class_ttl));
	dns_hmac_update(h, dns_tsig_alg, sizeof(dns_tsig_alg));
	dns_hmac_time(h, time_signed);
	dns_hmac_u16(h, fudge);
	dns_hmac_u16(h, error);
	dns_hmac_u16(h, otherlen);
	dns_hmac_update(h, other, otherlen);
}

int
dns_tsig_verify(const struct dns_tsig_ring *ring, const uint8_t *msg,
    size_t len, const struct dns_tsig_rr *t, int64_t now,
    struct dns_tsig_ctx *ctx)
{
	struct dns_hmac h;
	uint8_t mac[DNS_TSIG_MAC_LEN];
	const struct dns_tsig_key *k;
	int64_t skew;

	memset(ctx, 0, sizeof(*ctx));
	if (t->start > len || t->start < DNS_HEADER_LEN)
		return DNS_TSIG_BADSIG;
	/* RFC 8945 5.2.1: an unknown key or algorithm is BADKEY. */
	if ((k = dns_tsig_ring_find(ring, &t->key)) == NULL ||
	    t->alg.len != sizeof(dns_tsig_alg) ||
	    memcmp(t->alg.lower, dns_tsig_alg, sizeof(dns_tsig_alg)) != 0)
		return DNS_TSIG_BADKEY;
	/*
	 * RFC 8945 5.2.2.1: a MAC shorter than half the hash or than 10
	 * octets is not acceptable at all; we take no truncation.
	 */
	if (t->maclen != DNS_TSIG_MAC_LEN)
		return t->maclen < DNS_TSIG_MAC_LEN / 2 ? DNS_TSIG_BADSIG :
		    DNS_TSIG_BADTRUNC;
	if (dns_hmac_init(&h, k) == -1)
		return DNS_TSIG_BADSIG;
	dns_hmac_message(&h, msg, t->start, t->orig_id, 1);
	dns_hmac_variables(&h, k, t->time_signed, t->fudge, t->error,
	    t->otherlen, t->other);
	if (dns_hmac_final(&h, mac) == -1 ||
	    CRYPTO_memcmp(mac, t->mac, DNS_TSIG_MAC_LEN) != 0)
		return DNS_TSIG_BADSIG;
	ctx->key = k;
	memcpy(ctx->prior, t->mac, DNS_TSIG_MAC_LEN);
	ctx->priorlen = DNS_TSIG_MAC_LEN;
	ctx->req_time = t->time_signed;
	/* RFC 8945 5.2.3: the time is checked after the MAC. */
	skew = now - (int64_t)t->time_signed;
	if (skew < -(int64_t)t->fudge || skew > (int64_t)t->fudge) {
		ctx->error = DNS_TSIG_BADTIME;
		return DNS_TSIG_BADTIME;
	}
	return 0;
}

/* Writes the TSIG record's bytes; returns the new length or 0. */
static size_t
dns_tsig_write(uint8_t *msg, size_t len, size_t max,
    const struct dns_name *key, uint64_t t, uint16_t fudge, const uint8_t *mac,
    uint16_t maclen, uint16_t orig_id, uint16_t error, uint16_t otherlen,
    const uint8_t *other)
{
	struct dns_wr w;
	uint16_t ar;
	size_t rdlen = sizeof(dns_tsig_alg) + 6 + 2 + 2 + maclen + 2 + 2 + 2 +
	    otherlen;

	dns_wr_init(&w, msg, max);
	w.off = len;
	dns_wr_bytes(&w, key->lower, key->len);
	dns_wr_u16(&w, DNS_TYPE_TSIG);
	dns_wr_u16(&w, DNS_CLASS_ANY);
	dns_wr_u32(&w, 0);
	dns_wr_u16(&w, (uint16_t)rdlen);
	dns_wr_bytes(&w, dns_tsig_alg, sizeof(dns_tsig_alg));
	dns_wr_u16(&w, (uint16_t)(t >> 32));
	dns_wr_u32(&w, (uint32_t)t);
	dns_wr_u16(&w, fudge);
	dns_wr_u16(&w, maclen);
	dns_wr_bytes(&w, mac, maclen);
	dns_wr_u16(&w, orig_id);
	dns_wr_u16(&w, error);
	dns_wr_u16(&w, otherlen);
	dns_wr_bytes(&w, other, otherlen);
	if (w.err)
		return 0;
	ar = (uint16_t)((msg[10] << 8 | msg[11]) + 1);
	msg[10] = (uint8_t)(ar >> 8);
	msg[11] = (uint8_t)ar;
	return w.off;
}

size_t
dns_tsig_sign(struct dns_tsig_ctx *ctx, uint8_t *msg, size_t len, size_t max,
    int64_t now)
{
	struct dns_hmac h;
	uint8_t mac[DNS_TSIG_MAC_LEN], other[DNS_TSIG_OTHER_MAX];
	uint16_t id, otherlen = 0;
	uint64_t t = (uint64_t)now;
	size_t out;

	if (ctx->key == NULL || len < DNS_HEADER_LEN)
		return 0;
	id = (uint16_t)(msg[0] << 8 | msg[1]);
	if (dns_hmac_init(&h, ctx->key) == -1)
		return 0;
	/* RFC 8945 4.3.3 and 5.3.1: the request MAC or the prior one. */
	if (ctx->priorlen > 0) {
		dns_hmac_u16(&h, ctx->priorlen);
		dns_hmac_update(&h, ctx->prior, ctx->priorlen);
	}
	dns_hmac_message(&h, msg, len, id, 0);
	if (ctx->nsigned == 0) {
		/*
		 * RFC 8945 5.2.3: with BADTIME, Other Data is our time, and
		 * Time Signed echoes the request's.
		 */
		if (ctx->error == DNS_TSIG_BADTIME) {
			for (int i = 0; i < 6; i++)
				other[i] = (uint8_t)(t >> (40 - 8 * i));
			otherlen = 6;
			t = ctx->req_time;
		}
		dns_hmac_variables(&h, ctx->key, t, DNS_TSIG_FUDGE,
		    ctx->error, otherlen, other);
	} else {
		dns_hmac_time(&h, t);
		dns_hmac_u16(&h, DNS_TSIG_FUDGE);
	}
	if (dns_hmac_final(&h, mac) == -1)
		return 0;
	out = dns_tsig_write(msg, len, max, &ctx->key->name, t,
	    DNS_TSIG_FUDGE, mac, DNS_TSIG_MAC_LEN, id,
	    ctx->nsigned == 0 ? ctx->error : 0, otherlen, other);
	if (out == 0)
		return 0;
	memcpy(ctx->prior, mac, DNS_TSIG_MAC_LEN);
	ctx->priorlen = DNS_TSIG_MAC_LEN;
	ctx->nsigned++;
	return out;
}

size_t
dns_tsig_append_error(uint8_t *msg, size_t len, size_t max,
    const struct dns_tsig_rr *t, uint16_t orig_id, uint16_t error)
{
	static const uint8_t none[1];

	return dns_tsig_write(msg, len, max, &t->key, t->time_signed,
	    t->fudge, none, 0, orig_id, error, 0, none);
}
