/* fuzz_proxy.c -- libFuzzer harness for the PROXY protocol header parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "trap/proxy_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Whatever the bytes: the answer is a length within the input and
 * PROXY_MAX, "more" or an error with a reason. A header found is found
 * again with more bytes after it, and every shorter prefix of it asks
 * for more: the server reads a byte at a time at worst and must reach
 * the same verdict. abort() so the fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_hdr h, h2;
	const char *err = NULL;
	uint8_t *more;
	int rc, rc2;

	rc = proxy_parse(data, size, &h, &err);
	if (rc < -1 || (rc > 0 && ((size_t)rc > size || rc > PROXY_MAX)))
		abort();
	if (rc == -1 && err == NULL)
		abort();
	if (rc == 0 && size >= PROXY_MAX)
		abort();
	if (rc <= 0)
		return 0;
	if (h.version != 1 && h.version != 2)
		abort();
	if (!h.known && (h.sport != 0 || h.dport != 0))
		abort();
	for (size_t n = 0; n < (size_t)rc; n++)
		if (proxy_parse(data, n, &h2, &err) != 0)
			abort();
	if ((more = malloc(size + 16)) == NULL)
		return 0;
	memcpy(more, data, size);
	memset(more + size, 'x', 16);
	rc2 = proxy_parse(more, size + 16, &h2, &err);
	free(more);
	if (rc2 != rc || memcmp(&h, &h2, sizeof(h)) != 0)
		abort();
	return 0;
}
