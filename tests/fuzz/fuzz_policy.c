/* fuzz_policy.c -- libFuzzer harness for the policy protocol and DNSBL answer parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/policy_decide.h"
#include "client/policy_dns.h"
#include "client/policy_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Every string field ends inside its array. */
static void
fuzz_terminated(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

/*
 * The input is a stream of requests as a peer might send them: framed
 * one by one the way the server does (policy_frame, then policy_parse on
 * exactly the framed bytes), each result checked, and the same request
 * parsed twice must give the same answer. The whole input also goes to
 * policy_dns_negative_ttl as a DNS message, and to the sender check and
 * the TXT cleaner. abort() so the fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err, *err2;
	struct policy_request req, req2;
	struct policy_senders senders;
	char errbuf[128], clean[64];
	size_t off = 0, reqlen;
	uint32_t ttl;
	int rc, rc2;

	while (off < size) {
		rc = policy_frame(buf + off, size - off, &reqlen);
		if (rc == 0) {
			if (size - off >= POLICY_REQUEST_MAX)
				abort();
			break;
		}
		if (rc == -1)
			break;
		if (rc != 1 || reqlen == 0 || reqlen > size - off ||
		    reqlen > POLICY_REQUEST_MAX)
			abort();
		if (buf[off + reqlen - 1] != '\n')
			abort();
		rc = policy_parse(buf + off, reqlen, &req, &err);
		rc2 = policy_parse(buf + off, reqlen, &req2, &err2);
		if (rc != rc2 || (rc == 0 && memcmp(&req, &req2,
		    sizeof(req)) != 0))
			abort();
		if (rc == -1 && (err == NULL || err != err2))
			abort();
		if (rc == 0) {
			fuzz_terminated(req.request, sizeof(req.request));
			fuzz_terminated(req.protocol_state,
			    sizeof(req.protocol_state));
			fuzz_terminated(req.sender, sizeof(req.sender));
			fuzz_terminated(req.instance, sizeof(req.instance));
			if (!req.have_sender ||
			    (!req.have_client && !req.client_unknown) ||
			    req.nattrs == 0 || req.nattrs > POLICY_ATTRS_MAX)
				abort();
			if (policy_senders_parse("postmaster", &senders,
			    errbuf, sizeof(errbuf)) == -1)
				abort();
			rc = policy_sender_wanted(&senders, req.sender,
			    strlen(req.sender));
			if (rc != 0 && rc != 1)
				abort();
			if (req.sender[0] == '\0' && rc != 1)
				abort();
			(void)policy_state_has_sender(req.protocol_state);
		}
		off += reqlen;
	}

	rc = policy_dns_negative_ttl(data, size, &ttl);
	if (rc < -1 || rc > 1 || (rc == 1 && ttl > 0x7fffffffU))
		abort();
	policy_text_clean(buf, size, clean, sizeof(clean));
	fuzz_terminated(clean, sizeof(clean));
	for (size_t i = 0; clean[i] != '\0'; i++)
		if ((unsigned char)clean[i] < 0x20 ||
		    (unsigned char)clean[i] >= 0x7f || clean[i] == '%')
			abort();
	return 0;
}
