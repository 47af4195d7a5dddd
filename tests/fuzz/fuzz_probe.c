/* fuzz_probe.c -- libFuzzer harness for the probe client's SMTP reply parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/probe_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Whatever a hostile server sends: a reply found uses bytes within the
 * input, has a code 200..559 and a NUL-terminated printable text; an
 * error has a reason; the same bytes give the same answer; every proper
 * prefix of a found reply asks for more or fails the same early check,
 * never finds a different reply. abort() so the fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_reply r, r2;
	const char *err = NULL, *err2 = NULL;
	size_t used = 0, used2 = 0;
	int rc, rc2;

	rc = probe_reply_parse((const char *)data, size, &r, &used, &err);
	if (rc < -1 || rc > 1)
		abort();
	if (rc == -1 && err == NULL)
		abort();
	if (rc == 1) {
		if (used == 0 || used > size || r.code < 200 || r.code > 559 ||
		    r.nlines == 0 || r.nlines > PROBE_REPLY_LINES_MAX)
			abort();
		if (memchr(r.text, '\0', sizeof(r.text)) == NULL)
			abort();
		for (const char *p = r.text; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p >= 0x7f)
				abort();
		rc2 = probe_reply_parse((const char *)data, used - 1, &r2,
		    &used2, &err2);
		if (rc2 == 1)
			abort();
	}
	rc2 = probe_reply_parse((const char *)data, size, &r2, &used2, &err2);
	if (rc2 != rc || (rc == 1 && (used2 != used || r2.code != r.code ||
	    strcmp(r2.text, r.text) != 0)))
		abort();
	return 0;
}
