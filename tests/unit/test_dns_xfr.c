/* test_dns_xfr.c -- TSIG, serial arithmetic, owner names, AXFR splitting, IXFR diffs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/addr.h"
#include "dns/dns_answer.h"
#include "dns/dns_notify.h"
#include "dns/dns_tsig.h"
#include "dns/dns_wire.h"
#include "dns/dns_xfr.h"
#include "store/store.h"

/*
 * A query for bl.example.org SOA signed by BIND's dig 9.18 with
 * -y hmac-sha256:xfr-key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
 * (the octets 0..31), captured off the wire: an independent
 * implementation's MAC that ours must verify.
 */
static const uint8_t dig_query[] = {
	0xc4, 0xad, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x62, 0x6c, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03,
	0x6f, 0x72, 0x67, 0x00, 0x00, 0x06, 0x00, 0x01, 0x07, 0x78, 0x66, 0x72,
	0x2d, 0x6b, 0x65, 0x79, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61,
	0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x6b, 0x04, 0xdc, 0x3f, 0x01, 0x2c,
	0x00, 0x20, 0x3b, 0x77, 0x07, 0xae, 0x73, 0x91, 0xb9, 0xac, 0x51, 0x15,
	0x39, 0x5a, 0x85, 0x55, 0xcd, 0xd2, 0x73, 0x42, 0x46, 0x3c, 0x06, 0x36,
	0x3d, 0xaf, 0xd8, 0x3c, 0xbf, 0x44, 0xde, 0xa5, 0x4f, 0x10, 0xc4, 0xad,
	0x00, 0x00, 0x00, 0x00
};
#define DIG_TIME	0x6b04dc3fLL
#define DIG_KEY		"xfr-key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void
ring_one(struct dns_tsig_ring *r, const char *spec)
{
	char err[128];

	memset(r, 0, sizeof(*r));
	assert_int_equal(dns_tsig_key_parse(spec, &r->keys[0], err,
	    sizeof(err)), 0);
	r->n = 1;
}

static void
test_tsig_vector(void **state)
{
	struct dns_tsig_ring ring, other;
	struct dns_tsig_rr t;
	struct dns_tsig_ctx ctx;
	uint8_t bad[sizeof(dig_query)];

	(void)state;
	ring_one(&ring, DIG_KEY);
	assert_int_equal(ring.keys[0].secretlen, 32);
	assert_int_equal(dns_tsig_find(dig_query, sizeof(dig_query), &t), 1);
	assert_int_equal(t.time_signed, DIG_TIME);
	assert_int_equal(t.fudge, 300);
	assert_int_equal(dns_tsig_verify(&ring, dig_query, sizeof(dig_query),
	    &t, DIG_TIME + 10, &ctx), 0);
	assert_ptr_equal(ctx.key, &ring.keys[0]);
	/* Outside the fudge: the MAC is good, the time is not. */
	assert_int_equal(dns_tsig_verify(&ring, dig_query, sizeof(dig_query),
	    &t, DIG_TIME + 301, &ctx), DNS_TSIG_BADTIME);
	/* One bit of the question flipped: BADSIG. */
	memcpy(bad, dig_query, sizeof(bad));
	bad[14] ^= 0x20;
	assert_int_equal(dns_tsig_find(bad, sizeof(bad), &t), 1);
	assert_int_equal(dns_tsig_verify(&ring, bad, sizeof(bad), &t,
	    DIG_TIME, &ctx), DNS_TSIG_BADSIG);
	/* Another secret under the same name: BADSIG; another name: BADKEY. */
	ring_one(&other, "xfr-key:c2VjcmV0c2VjcmV0");
	assert_int_equal(dns_tsig_find(dig_query, sizeof(dig_query), &t), 1);
	assert_int_equal(dns_tsig_verify(&other, dig_query, sizeof(dig_query),
	    &t, DIG_TIME, &ctx), DNS_TSIG_BADSIG);
	ring_one(&other, "other-key:c2VjcmV0c2VjcmV0");
	assert_int_equal(dns_tsig_verify(&other, dig_query, sizeof(dig_query),
	    &t, DIG_TIME, &ctx), DNS_TSIG_BADKEY);
}

static void
test_tsig_keys(void **state)
{
	struct dns_tsig_key k;
	char err[128];

	(void)state;
	assert_int_equal(dns_tsig_key_parse("Key.Name.:c2VjcmV0", &k, err,
	    sizeof(err)), 0);
	assert_string_equal(k.text, "key.name");
	assert_int_equal(k.secretlen, 6);
	assert_memory_equal(k.secret, "secret", 6);
	assert_int_equal(dns_tsig_key_parse("nokey", &k, err, sizeof(err)),
	    -1);
	assert_int_equal(dns_tsig_key_parse(":c2VjcmV0", &k, err,
	    sizeof(err)), -1);
	assert_int_equal(dns_tsig_key_parse("k:", &k, err, sizeof(err)), -1);
	assert_int_equal(dns_tsig_key_parse("k:c2Vjc", &k, err, sizeof(err)),
	    -1);
	assert_int_equal(dns_tsig_key_parse("k:c2Vj*mV0", &k, err,
	    sizeof(err)), -1);
	assert_int_equal(dns_tsig_key_parse("k:c2=jcmV0", &k, err,
	    sizeof(err)), -1);
}

/* Our signature over a request verifies, and a signed response chain. */
static void
test_tsig_roundtrip(void **state)
{
	struct dns_tsig_ring ring;
	struct dns_tsig_rr t;
	struct dns_tsig_ctx req, srv;
	struct dns_zone z;
	uint8_t buf[1024];
	size_t len, slen;
	char err[128];

	(void)state;
	ring_one(&ring, DIG_KEY);
	assert_int_equal(dns_zone_init(&z, "bl.example.org", err,
	    sizeof(err)), 0);
	len = dns_notify_build(&z, 42, 0x1234, buf, sizeof(buf));
	assert_true(len > DNS_HEADER_LEN);
	memset(&req, 0, sizeof(req));
	req.key = &ring.keys[0];
	slen = dns_tsig_sign(&req, buf, len, sizeof(buf), 1000000);
	assert_true(slen > len);
	assert_int_equal(buf[11], 1);	/* ARCOUNT */
	assert_int_equal(dns_tsig_find(buf, slen, &t), 1);
	assert_int_equal(t.start, len);
	assert_int_equal(dns_tsig_verify(&ring, buf, slen, &t, 1000000, &srv),
	    0);
	/* Does not fit: nothing changes. */
	assert_int_equal(dns_tsig_sign(&req, buf, len, len + 20, 1000000), 0);
	/* A TSIG that is not the last record is malformed. */
	buf[11] = 0;
	buf[9] = 2;			/* NSCOUNT: the TSIG in authority */
	assert_int_equal(dns_tsig_find(buf, slen, &t), -1);
}

static void
test_serial(void **state)
{
	(void)state;
	assert_true(dns_serial_lt(1, 2));
	assert_false(dns_serial_lt(2, 1));
	assert_false(dns_serial_lt(5, 5));
	/* RFC 1982: wrapping around. */
	assert_true(dns_serial_lt(0xfffffff0u, 3));
	assert_false(dns_serial_lt(3, 0xfffffff0u));
	assert_true(dns_serial_lt(0, 0x7fffffffu));
	/* A distance of exactly 2^31 is undefined: never "before". */
	assert_false(dns_serial_lt(0, 0x80000000u));
	assert_false(dns_serial_lt(0x80000000u, 0));
}

static void
owner_text(const struct prefix *p, char *out)
{
	uint8_t w[80];
	size_t n = dns_xfr_owner(p, w, sizeof(w)), i = 0, o = 0;

	while (i < n) {
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, w + i + 1, w[i]);
		o += w[i];
		i += 1 + (size_t)w[i];
	}
	out[o] = '\0';
}

static void
test_pieces_owner(void **state)
{
	struct prefix p, out[DNS_XFR_PIECES_MAX];
	char text[128];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.1", 9, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 1);
	owner_text(&out[0], text);
	assert_string_equal(text, "1.2.0.192");
	assert_int_equal(prefix_parse("198.51.100.0/24", 15, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 1);
	owner_text(&out[0], text);
	assert_string_equal(text, "*.100.51.198");
	/* A /23 is two /24 wildcards, a /30 four hosts. */
	assert_int_equal(prefix_parse("198.51.100.0/23", 15, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 2);
	owner_text(&out[1], text);
	assert_string_equal(text, "*.101.51.198");
	assert_int_equal(prefix_parse("10.0.0.4/30", 11, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 4);
	owner_text(&out[3], text);
	assert_string_equal(text, "7.0.0.10");
	/* The worst split: a /25 is 128 hosts. */
	assert_int_equal(prefix_parse("10.0.0.128/25", 13, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 128);
	owner_text(&out[127], text);
	assert_string_equal(text, "255.0.0.10");
	/* IPv6: nibbles; a /63 is two /64 wildcards. */
	assert_int_equal(prefix_parse("2001:db8::1", 11, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 1);
	owner_text(&out[0], text);
	assert_string_equal(text, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2");
	assert_int_equal(prefix_parse("2001:db8::/63", 13, &p), 0);
	assert_int_equal(dns_xfr_pieces(&p, out), 2);
	owner_text(&out[1], text);
	assert_string_equal(text, "*.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
}

/* ---- transfers from a real store -------------------------------- */

#define CAP_MAX		4096

struct capture {
	size_t		 n;
	uint8_t		*msg[CAP_MAX];
	size_t		 len[CAP_MAX];
};

static int
cap_send(void *arg, const uint8_t *msg, size_t len)
{
	struct capture *c = arg;

	assert_true(c->n < CAP_MAX);
	c->msg[c->n] = malloc(len);
	assert_non_null(c->msg[c->n]);
	memcpy(c->msg[c->n], msg, len);
	c->len[c->n++] = len;
	return 0;
}

static void
cap_free(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->msg[i]);
	c->n = 0;
}

/* The types of all answer records of all messages, in order. */
struct rrlist {
	size_t		 n;
	uint16_t	 type[200000];
	uint32_t	 soa_serial[200000];
};

static void
cap_records(const struct capture *c, struct rrlist *out, uint16_t *rcode)
{
	out->n = 0;
	for (size_t m = 0; m < c->n; m++) {
		struct dns_rd r;
		struct dns_header h;
		struct dns_name nm;
		uint16_t type, klass, rdlen, qt, qc;
		uint32_t ttl, serial;

		assert_true(c->len[m] <= DNS_XFR_MSG_MAX);
		dns_rd_init(&r, c->msg[m], c->len[m]);
		assert_int_equal(dns_header_read(&r, &h), 0);
		assert_true(h.flags & DNS_FLAG_QR);
		*rcode = h.flags & DNS_RCODE_MASK;
		for (size_t i = 0; i < h.qdcount; i++) {
			assert_int_equal(dns_name_read(&r, &nm), 0);
			assert_int_equal(dns_rd_u16(&r, &qt), 0);
			assert_int_equal(dns_rd_u16(&r, &qc), 0);
		}
		for (size_t i = 0; i < h.ancount; i++) {
			size_t end;

			if (dns_name_read(&r, &nm) == -1)
				fail_msg("message %zu record %zu at %zu: %s", m,
				    i, r.off, r.err);
			assert_int_equal(dns_rd_u16(&r, &type), 0);
			assert_int_equal(dns_rd_u16(&r, &klass), 0);
			assert_int_equal(dns_rd_u32(&r, &ttl), 0);
			assert_int_equal(dns_rd_u16(&r, &rdlen), 0);
			end = r.off + rdlen;
			serial = 0;
			if (type == DNS_TYPE_SOA) {
				assert_int_equal(dns_name_read(&r, &nm), 0);
				assert_int_equal(dns_name_read(&r, &nm), 0);
				assert_int_equal(dns_rd_u32(&r, &serial), 0);
			}
			r.off = end;
			assert_true(out->n < 200000);
			out->type[out->n] = type;
			out->soa_serial[out->n++] = serial;
		}
	}
}

/* Builds a transfer request: AXFR, or IXFR with the client's serial. */
static size_t
make_req(uint16_t qtype, uint32_t serial, uint8_t *buf, size_t max)
{
	struct dns_zone z;
	struct dns_wr w;
	struct dns_header h;
	struct dns_soa soa;
	char err[64];

	assert_int_equal(dns_zone_init(&z, "bl.example.org", err,
	    sizeof(err)), 0);
	dns_wr_init(&w, buf, max);
	memset(&h, 0, sizeof(h));
	dns_wr_bytes(&w, buf, DNS_HEADER_LEN);
	dns_wr_question(&w, &z.apex_wire, qtype, DNS_CLASS_IN);
	h.id = 0x4242;
	h.qdcount = 1;
	if (qtype == DNS_TYPE_IXFR) {
		soa.mname = &z.ns_wire[0];
		soa.rname = &z.hostmaster_wire;
		soa.serial = serial;
		soa.refresh = soa.retry = soa.expire = soa.minimum = 1;
		dns_wr_rr_soa(&w, &z.apex_wire, 0, &soa);
		h.nscount = 1;
	}
	assert_false(w.err);
	dns_header_write(buf, &h);
	return w.off;
}

struct fix {
	char			 dir[64];
	char			 path[96];
	struct store_config	 sc;
	struct store		*s;
	struct dns_zone		 zone;
	struct dns_xfr_config	 xc;
	struct dns_xfr		*x;
	struct capture		 cap;
	struct rrlist		 rr;
};

static int
fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bs-xfr-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->sc.path = f->path;
	f->sc.busy_timeout_ms = 5000;
	f->sc.ttl = 28 * 86400;
	f->sc.min_hits = 1;
	f->sc.window = 28 * 86400;
	f->s = store_open(&f->sc, STORE_OPEN_CREATE, err, sizeof(err));
	assert_non_null(f->s);
	assert_int_equal(dns_zone_init(&f->zone, "bl.example.org", err,
	    sizeof(err)), 0);
	assert_int_equal(prefix_parse("127.0.0.0/8", 11, &f->xc.acl[0].prefix),
	    0);
	f->xc.acl[0].key = -1;
	f->xc.nacl = 1;
	f->xc.history = 1000;
	f->xc.max = 2;
	f->xc.timeout_ms = 1000;
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	cap_free(&f->cap);
	dns_xfr_free(f->x);
	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
add(struct fix *f, const char *p, int64_t now)
{
	struct prefix pf;

	assert_int_equal(prefix_parse(p, strlen(p), &pf), 0);
	assert_int_equal(store_list_add(f->s, &pf, now, 86400, "t", "test"),
	    0);
}

static void
transfer(struct fix *f, uint16_t qtype, uint32_t serial, uint16_t *rcode)
{
	uint8_t req[512];
	struct addr peer;
	size_t len = make_req(qtype, serial, req, sizeof(req));

	assert_int_equal(addr_parse("127.0.0.1", 9, &peer), 0);
	cap_free(&f->cap);
	assert_int_equal(dns_xfr_handle(f->x, &peer, req, len, time(NULL),
	    cap_send, &f->cap), 0);
	cap_records(&f->cap, &f->rr, rcode);
}

/*
 * 3000 listings need several 16 KiB messages: SOA first and last,
 * SOA, NS, glue, 2 test points, 3000 x (A, TXT).
 */
static void
test_axfr_split(void **state)
{
	struct fix *f = *state;
	char err[256], ip[32];
	int64_t now = time(NULL);
	uint16_t rcode;
	uint32_t serial;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 256, i % 256);
		add(f, ip, now);
	}
	assert_int_equal(store_commit(f->s), 0);
	f->x = dns_xfr_new(&f->zone, &f->xc, &f->sc, 100, err, sizeof(err));
	assert_non_null(f->x);
	serial = dns_xfr_serial(f->x);
	transfer(f, DNS_TYPE_AXFR, 0, &rcode);
	assert_int_equal(rcode, DNS_RCODE_NOERROR);
	assert_true(f->cap.n >= 10);
	assert_int_equal(f->rr.n, 2 + 1 + 1 + 4 + 2 * 3000);
	assert_int_equal(f->rr.type[0], DNS_TYPE_SOA);
	assert_int_equal(f->rr.type[f->rr.n - 1], DNS_TYPE_SOA);
	assert_int_equal(f->rr.soa_serial[0], serial);
	/* Outside the ACL: REFUSED, nothing else. */
	{
		uint8_t req[512];
		struct addr peer;
		size_t len = make_req(DNS_TYPE_AXFR, 0, req, sizeof(req));

		assert_int_equal(addr_parse("192.0.2.1", 9, &peer), 0);
		cap_free(&f->cap);
		assert_int_equal(dns_xfr_handle(f->x, &peer, req, len, now,
		    cap_send, &f->cap), 0);
		cap_records(&f->cap, &f->rr, &rcode);
		assert_int_equal(rcode, DNS_RCODE_REFUSED);
		assert_int_equal(f->rr.n, 0);
	}
}

/*
 * One listing added, one removed, one extended: the IXFR holds the new
 * SOA, the old SOA, the deletions (A and TXT of the removed one, the old
 * TXT of the extended one), the delta's SOA, the additions, the SOA.
 */
static void
test_ixfr_diff(void **state)
{
	struct fix *f = *state;
	struct prefix p;
	char err[256];
	int64_t now = time(NULL);
	uint16_t rcode;
	uint32_t s0, s1;
	size_t i, soas = 0, a = 0, txt = 0;

	add(f, "192.0.2.1", now - 100);
	add(f, "192.0.2.2", now - 100);
	f->x = dns_xfr_new(&f->zone, &f->xc, &f->sc, 100, err, sizeof(err));
	assert_non_null(f->x);
	s0 = dns_xfr_serial(f->x);
	assert_int_equal(dns_xfr_step(f->x, now, 1), 0);

	add(f, "192.0.2.3", now);
	add(f, "192.0.2.2", now);
	assert_int_equal(prefix_parse("192.0.2.1", 9, &p), 0);
	assert_int_equal(store_list_del(f->s, &p, now, "operator", "t", "t"),
	    1);
	assert_int_equal(dns_xfr_step(f->x, now, 1), 1);
	s1 = dns_xfr_serial(f->x);
	assert_true(dns_serial_lt(s0, s1));

	transfer(f, DNS_TYPE_IXFR, s0, &rcode);
	assert_int_equal(rcode, DNS_RCODE_NOERROR);
	assert_int_equal(f->cap.n, 1);
	assert_int_equal(f->rr.type[0], DNS_TYPE_SOA);
	assert_int_equal(f->rr.soa_serial[0], s1);
	assert_int_equal(f->rr.soa_serial[1], s0);
	for (i = 0; i < f->rr.n; i++) {
		soas += f->rr.type[i] == DNS_TYPE_SOA;
		a += f->rr.type[i] == DNS_TYPE_A;
		txt += f->rr.type[i] == DNS_TYPE_TXT;
	}
	assert_int_equal(soas, 4);
	/* Deleted: A+TXT of .1, TXT of .2; added: TXT of .2, A+TXT of .3. */
	assert_int_equal(a, 2);
	assert_int_equal(txt, 4);
	assert_int_equal(f->rr.soa_serial[f->rr.n - 1], s1);

	/* Up to date: the SOA alone. */
	transfer(f, DNS_TYPE_IXFR, s1, &rcode);
	assert_int_equal(f->rr.n, 1);
	/* Older than the history: the whole zone (RFC 1995 4). */
	transfer(f, DNS_TYPE_IXFR, s0 - 1, &rcode);
	assert_int_equal(f->rr.n, 2 + 1 + 1 + 4 + 2 * 2);
	assert_int_equal(f->rr.type[1], DNS_TYPE_NS);
}

/* A listing that expires leaves the zone, with a new serial. */
static void
test_expiry(void **state)
{
	struct fix *f = *state;
	struct prefix p;
	char err[256];
	int64_t now = time(NULL);
	uint16_t rcode;
	uint32_t s0;

	assert_int_equal(prefix_parse("192.0.2.9", 9, &p), 0);
	assert_int_equal(store_list_add(f->s, &p, now - 100, 50, "t", "t"), 0);
	add(f, "192.0.2.10", now);
	f->x = dns_xfr_new(&f->zone, &f->xc, &f->sc, 100, err, sizeof(err));
	assert_non_null(f->x);
	s0 = dns_xfr_serial(f->x);
	/* Loaded without the expired one; the step journals it. */
	transfer(f, DNS_TYPE_AXFR, 0, &rcode);
	assert_int_equal(f->rr.n, 2 + 1 + 1 + 4 + 2);
	assert_int_equal(dns_xfr_step(f->x, now, 1), 1);
	assert_true(dns_serial_lt(s0, dns_xfr_serial(f->x)));
	transfer(f, DNS_TYPE_AXFR, 0, &rcode);
	assert_int_equal(f->rr.n, 2 + 1 + 1 + 4 + 2);
}

static void
test_parse(void **state)
{
	struct dns_xfr_req req;
	uint8_t buf[512];
	size_t len;

	(void)state;
	len = make_req(DNS_TYPE_IXFR, 77, buf, sizeof(buf));
	assert_int_equal(dns_xfr_parse(buf, len, &req), 0);
	assert_int_equal(req.qtype, DNS_TYPE_IXFR);
	assert_true(req.has_soa);
	assert_int_equal(req.serial, 77);
	assert_int_equal(dns_xfr_wants(buf, len), 1);
	/* Cut anywhere: malformed. */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(dns_xfr_parse(buf, n, &req), -1);
	/* IXFR without its SOA. */
	len = make_req(DNS_TYPE_IXFR, 77, buf, sizeof(buf));
	buf[9] = 0;
	assert_int_equal(dns_xfr_parse(buf, len, &req), -1);
	len = make_req(DNS_TYPE_AXFR, 0, buf, sizeof(buf));
	assert_int_equal(dns_xfr_parse(buf, len, &req), 0);
	assert_false(req.has_soa);
	/* A plain query is not for us. */
	len = make_req(DNS_TYPE_SOA, 0, buf, sizeof(buf));
	assert_int_equal(dns_xfr_wants(buf, len), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsig_vector),
		cmocka_unit_test(test_tsig_keys),
		cmocka_unit_test(test_tsig_roundtrip),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_pieces_owner),
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_axfr_split, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_diff, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_expiry, fix_setup,
		    fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
