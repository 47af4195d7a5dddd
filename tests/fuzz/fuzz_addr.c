/* fuzz_addr.c -- libFuzzer harness for address, prefix and revname parsing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The parsers get the fuzzer's buffer as it is, with no NUL after it, so
 * AddressSanitizer catches any read past len. Whatever a parser accepts
 * must survive format-then-parse unchanged, and an address we accept must
 * be one the C library reads the same way (we may be stricter, never
 * looser). A mismatch is a bug: abort() so the fuzzer keeps the input.
 */
static void
fuzz_addr(const char *s, size_t len)
{
	struct addr a, b, lib;
	struct in_addr in4;
	char buf[ADDR_STRLEN], rev[ADDR_REVNAME_MAX], *z;

	if (addr_parse(s, len, &a) != 0)
		return;
	if (addr_format(&a, buf, sizeof(buf)) != 0)
		abort();
	if (addr_parse(buf, strlen(buf), &b) != 0 || addr_cmp(&a, &b) != 0)
		abort();
	if (addr_revname(&a, rev, sizeof(rev)) != 0)
		abort();
	if (addr_from_revname(rev, strlen(rev), &b) != 0 ||
	    addr_cmp(&a, &b) != 0)
		abort();

	if ((z = malloc(len + 1)) == NULL)
		return;
	memcpy(z, s, len);
	z[len] = '\0';
	memset(&lib, 0, sizeof(lib));
	if (memchr(s, ':', len) != NULL) {
		if (inet_pton(AF_INET6, z, lib.b) != 1)
			abort();
	} else {
		if (inet_pton(AF_INET, z, &in4) != 1)
			abort();
		lib.b[10] = lib.b[11] = 0xff;
		memcpy(lib.b + 12, &in4, 4);
	}
	free(z);
	if (addr_cmp(&a, &lib) != 0)
		abort();
}

static void
fuzz_prefix(const char *s, size_t len)
{
	struct prefix p, q;
	struct addr m, last;
	char buf[PREFIX_STRLEN];

	if (prefix_parse(s, len, &p) != 0)
		return;
	if (p.len > 128)
		abort();
	m = p.addr;
	addr_mask(&m, p.len);
	if (addr_cmp(&m, &p.addr) != 0)
		abort();
	if (prefix_format(&p, buf, sizeof(buf)) != 0)
		abort();
	if (prefix_parse(buf, strlen(buf), &q) != 0 || q.len != p.len ||
	    addr_cmp(&q.addr, &p.addr) != 0)
		abort();
	prefix_last(&p, &last);
	if (!prefix_contains(&p, &p.addr) || !prefix_contains(&p, &last) ||
	    !prefix_covers(&p, &q) || addr_cmp(&p.addr, &last) > 0)
		abort();
}

static void
fuzz_revname(const char *s, size_t len)
{
	struct addr a, b;
	char rev[ADDR_REVNAME_MAX];

	if (addr_from_revname(s, len, &a) != 0)
		return;
	if (addr_revname(&a, rev, sizeof(rev)) != 0)
		abort();
	if (addr_from_revname(rev, strlen(rev), &b) != 0 ||
	    addr_cmp(&a, &b) != 0)
		abort();
	/* Our own output is the only form; the input differs only in case. */
	if (strlen(rev) == len && strncasecmp(rev, s, len) != 0)
		abort();
}

static void
fuzz_sockaddr(const char *s, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char *z;

	if ((z = malloc(len + 1)) == NULL)
		return;
	memcpy(z, s, len);
	z[len] = '\0';
	if (addr_parse_sockaddr(z, &ss, &sl) == 0 &&
	    ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
		abort();
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	fuzz_addr(s, size);
	fuzz_prefix(s, size);
	fuzz_revname(s, size);
	fuzz_sockaddr(s, size);
	return 0;
}
