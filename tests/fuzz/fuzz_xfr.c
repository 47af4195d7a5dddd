/* fuzz_xfr.c -- libFuzzer harness for transfer requests: parse, TSIG find and verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_tsig.h"
#include "dns/dns_wire.h"
#include "dns/dns_xfr.h"

/* The time the seeds were signed at (see corpus/xfr). */
#define FUZZ_NOW		0x6b04dc3fLL

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dns_tsig_ring	fuzz_ring;
static int			fuzz_ready;

/*
 * Untrusted bytes reach dns_xfr_wants (on the TCP thread), then
 * dns_xfr_parse, dns_tsig_find and dns_tsig_verify. Whatever the input,
 * they must not read out of bounds, and their results must agree: a
 * parsed request's TSIG lies inside the message, an IXFR has its SOA,
 * and a signed response to it can be built and is found again.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_xfr_req req;
	struct dns_tsig_ctx ctx;
	struct dns_tsig_rr t;
	uint8_t out[DNS_HEADER_LEN + DNS_TSIG_RR_MAX];
	size_t len;
	int r;

	if (!fuzz_ready) {
		char err[64];

		if (dns_tsig_key_parse("xfr-key:AAECAwQFBgcICQoLDA0ODxAREh"
		    "MUFRYXGBkaGxwdHh8=", &fuzz_ring.keys[0], err,
		    sizeof(err)) == -1)
			abort();
		fuzz_ring.n = 1;
		fuzz_ready = 1;
	}
	(void)dns_xfr_wants(data, size);
	if (dns_xfr_parse(data, size, &req) == -1)
		return 0;
	if (req.qtype == DNS_TYPE_IXFR && !req.has_soa)
		abort();
	if (!req.has_tsig)
		return 0;
	if (req.tsig.start < DNS_HEADER_LEN || req.tsig.start >= size)
		abort();
	r = dns_tsig_verify(&fuzz_ring, data, size, &req.tsig, FUZZ_NOW, &ctx);
	if (r != 0 && r != DNS_TSIG_BADTIME)
		return 0;
	/* Answer with a bare header, signed as a response: it must parse. */
	memset(out, 0, sizeof(out));
	out[0] = data[0];
	out[1] = data[1];
	out[2] = 0x80;
	len = dns_tsig_sign(&ctx, out, DNS_HEADER_LEN, sizeof(out), FUZZ_NOW);
	if (len == 0 || dns_tsig_find(out, len, &t) != 1)
		abort();
	return 0;
}
