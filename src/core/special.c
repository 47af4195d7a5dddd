/* special.c -- special-purpose address ranges (RFC 6890, IANA registries). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/special.h"

/* Longest class name we quote back in an error message. */
#define SPECIAL_NAME_QUOTE_MAX	32

/*
 * IPv4 ranges are kept in their v4-mapped form (RFC 4291 2.5.5.2), the
 * way struct addr holds every IPv4 address, so an IPv4 /n is a /96+n.
 */
#define V4(a, b, c, d)							\
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } }
#define V6(a, b, c, d, e, f, g, h)					\
	{ { (a) >> 8, (a) & 0xff, (b) >> 8, (b) & 0xff, (c) >> 8,	\
	    (c) & 0xff, (d) >> 8, (d) & 0xff, (e) >> 8, (e) & 0xff,	\
	    (f) >> 8, (f) & 0xff, (g) >> 8, (g) & 0xff, (h) >> 8,	\
	    (h) & 0xff } }

struct special_range {
	struct prefix	 prefix;	/* host bits clear */
	unsigned int	 class;		/* one SPECIAL_* bit */
	const char	*text;		/* prefix_format() of prefix */
};

/*
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (created by
 * RFC 6890, updated by RFC 8190), plus multicast, which has registries of
 * its own. Ranges nest (2001:2::/48 lies in 2001::/23, 255.255.255.255 in
 * 240.0.0.0/4); special_match() takes the longest match, so the most
 * specific class decides. ::ffff:0:0/96 is left out on purpose: every
 * IPv4 address lives there.
 */
static const struct special_range special_ranges[] = {
	/* RFC 791 3.2, RFC 1122 3.2.1.3: "this host on this network". */
	{ { V4(0, 0, 0, 0), 96 + 8 }, SPECIAL_THIS_NETWORK, "0.0.0.0/8" },
	/* RFC 1918 3: private internets. */
	{ { V4(10, 0, 0, 0), 96 + 8 }, SPECIAL_PRIVATE, "10.0.0.0/8" },
	/* RFC 6598: shared address space for carrier-grade NAT. */
	{ { V4(100, 64, 0, 0), 96 + 10 }, SPECIAL_SHARED, "100.64.0.0/10" },
	/* RFC 1122 3.2.1.3: loopback. */
	{ { V4(127, 0, 0, 0), 96 + 8 }, SPECIAL_LOOPBACK, "127.0.0.0/8" },
	/* RFC 3927: dynamic configuration of link-local addresses. */
	{ { V4(169, 254, 0, 0), 96 + 16 }, SPECIAL_LINK_LOCAL,
	    "169.254.0.0/16" },
	/* RFC 1918 3. */
	{ { V4(172, 16, 0, 0), 96 + 12 }, SPECIAL_PRIVATE, "172.16.0.0/12" },
	/*
	 * RFC 6890: IETF protocol assignments. The block holds DS-Lite
	 * (RFC 7335), the dummy address (RFC 7600), PCP and TURN anycast
	 * (RFC 7723, RFC 8155) and NAT64 discovery (RFC 7050); none of them
	 * sends mail, so the whole /24 is one class.
	 */
	{ { V4(192, 0, 0, 0), 96 + 24 }, SPECIAL_IETF, "192.0.0.0/24" },
	/* RFC 5737 3: TEST-NET-1. */
	{ { V4(192, 0, 2, 0), 96 + 24 }, SPECIAL_DOCUMENTATION,
	    "192.0.2.0/24" },
	/* RFC 7535: AS112-v4 (DNAME redirection). */
	{ { V4(192, 31, 196, 0), 96 + 24 }, SPECIAL_IETF, "192.31.196.0/24" },
	/* RFC 7450: Automatic Multicast Tunneling relay anycast. */
	{ { V4(192, 52, 193, 0), 96 + 24 }, SPECIAL_IETF, "192.52.193.0/24" },
	/* RFC 3068, deprecated by RFC 7526: 6to4 relay anycast. */
	{ { V4(192, 88, 99, 0), 96 + 24 }, SPECIAL_TRANSITION,
	    "192.88.99.0/24" },
	/* RFC 1918 3. */
	{ { V4(192, 168, 0, 0), 96 + 16 }, SPECIAL_PRIVATE, "192.168.0.0/16" },
	/* RFC 7534: AS112 direct delegation. */
	{ { V4(192, 175, 48, 0), 96 + 24 }, SPECIAL_IETF, "192.175.48.0/24" },
	/* RFC 2544 C.2.2: benchmarking. */
	{ { V4(198, 18, 0, 0), 96 + 15 }, SPECIAL_BENCHMARKING,
	    "198.18.0.0/15" },
	/* RFC 5737 3: TEST-NET-2. */
	{ { V4(198, 51, 100, 0), 96 + 24 }, SPECIAL_DOCUMENTATION,
	    "198.51.100.0/24" },
	/* RFC 5737 3: TEST-NET-3. */
	{ { V4(203, 0, 113, 0), 96 + 24 }, SPECIAL_DOCUMENTATION,
	    "203.0.113.0/24" },
	/* RFC 5771: IPv4 multicast. */
	{ { V4(224, 0, 0, 0), 96 + 4 }, SPECIAL_MULTICAST, "224.0.0.0/4" },
	/* RFC 1112 4, RFC 6890: former class E, reserved. */
	{ { V4(240, 0, 0, 0), 96 + 4 }, SPECIAL_RESERVED, "240.0.0.0/4" },
	/* RFC 919 7, RFC 8190: limited broadcast. */
	{ { V4(255, 255, 255, 255), 128 }, SPECIAL_RESERVED,
	    "255.255.255.255" },

	/* RFC 4291 2.5.2: the unspecified address. */
	{ { V6(0, 0, 0, 0, 0, 0, 0, 0), 128 }, SPECIAL_THIS_NETWORK, "::" },
	/* RFC 4291 2.5.3: loopback. */
	{ { V6(0, 0, 0, 0, 0, 0, 0, 1), 128 }, SPECIAL_LOOPBACK, "::1" },
	/* RFC 8215: local-use IPv4/IPv6 translation. */
	{ { V6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48 }, SPECIAL_TRANSITION,
	    "64:ff9b:1::/48" },
	/* RFC 6666: discard-only (remotely triggered black holes). */
	{ { V6(0x100, 0, 0, 0, 0, 0, 0, 0), 64 }, SPECIAL_DISCARD,
	    "100::/64" },
	/*
	 * RFC 2928: IETF protocol assignments. It holds Teredo
	 * (2001::/32, RFC 4380), PCP/TURN/DNS-SD anycast, AMT (2001:3::/32,
	 * RFC 7450), AS112-v6 (2001:4:112::/48, RFC 7535) and ORCHID
	 * (2001:10::/28, RFC 4843; 2001:20::/28, RFC 7343): one class for
	 * all of them.
	 */
	{ { V6(0x2001, 0, 0, 0, 0, 0, 0, 0), 23 }, SPECIAL_IETF,
	    "2001::/23" },
	/* RFC 5180 (errata 1752 corrects the prefix): benchmarking. */
	{ { V6(0x2001, 2, 0, 0, 0, 0, 0, 0), 48 }, SPECIAL_BENCHMARKING,
	    "2001:2::/48" },
	/* RFC 3849: documentation. */
	{ { V6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32 }, SPECIAL_DOCUMENTATION,
	    "2001:db8::/32" },
	/* RFC 3056 2: 6to4. */
	{ { V6(0x2002, 0, 0, 0, 0, 0, 0, 0), 16 }, SPECIAL_TRANSITION,
	    "2002::/16" },
	/* RFC 7534: AS112 direct delegation, the IPv6 side. */
	{ { V6(0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0), 48 }, SPECIAL_IETF,
	    "2620:4f:8000::/48" },
	/* RFC 9637: documentation, the larger block. */
	{ { V6(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20 }, SPECIAL_DOCUMENTATION,
	    "3fff::/20" },
	/* RFC 4193 3.1: unique local addresses. */
	{ { V6(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7 }, SPECIAL_UNIQUE_LOCAL,
	    "fc00::/7" },
	/* RFC 4291 2.5.6: link-local unicast. */
	{ { V6(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10 }, SPECIAL_LINK_LOCAL,
	    "fe80::/10" },
	/* RFC 4291 2.7: multicast. */
	{ { V6(0xff00, 0, 0, 0, 0, 0, 0, 0), 8 }, SPECIAL_MULTICAST,
	    "ff00::/8" },
};

#define SPECIAL_NRANGES	(sizeof(special_ranges) / sizeof(special_ranges[0]))

/* Indexed by bit position; the order of the SPECIAL_* bits. */
static const char *const special_names[] = {
	"this-network", "private", "shared", "loopback", "link-local", "ietf",
	"documentation", "benchmarking", "multicast", "reserved",
	"unique-local", "discard", "transition",
};

#define SPECIAL_NCLASSES (sizeof(special_names) / sizeof(special_names[0]))

/*
 * A linear scan: the table has a few dozen entries, the check runs once
 * per trap hit (not per DNS query), and a scan keeps the nesting rule
 * obvious. The longest matching range wins, so an address in 2001:2::/48
 * counts as benchmarking although it also lies in 2001::/23.
 */
const char *
special_match(const struct addr *a, unsigned int allowed, const char **range)
{
	const struct special_range *best = NULL;

	for (size_t i = 0; i < SPECIAL_NRANGES; i++) {
		const struct special_range *r = &special_ranges[i];

		if (!prefix_contains(&r->prefix, a))
			continue;
		if (best == NULL || r->prefix.len > best->prefix.len)
			best = r;
	}
	if (best == NULL || (best->class & allowed) != 0)
		return NULL;
	if (range != NULL)
		*range = best->text;
	return special_class_name(best->class);
}

const char *
special_class_name(unsigned int bit)
{
	for (size_t i = 0; i < SPECIAL_NCLASSES; i++)
		if (bit == 1u << i)
			return special_names[i];
	return NULL;
}

/*
 * The unknown name is quoted back with anything unprintable replaced and
 * its length capped, since the list may come from a file we do not trust
 * to be well formed and the message ends up in a log.
 */
static void
special_err_unknown(const char *name, size_t len, char *err, size_t errlen)
{
	char quoted[SPECIAL_NAME_QUOTE_MAX + 1];
	char known[256];
	size_t i, off = 0;
	int n;

	if (err == NULL || errlen == 0)
		return;
	for (i = 0; i < len && i < SPECIAL_NAME_QUOTE_MAX; i++)
		quoted[i] = (name[i] > ' ' && name[i] < 0x7f) ? name[i] : '?';
	quoted[i] = '\0';
	known[0] = '\0';
	for (i = 0; i < SPECIAL_NCLASSES; i++) {
		n = snprintf(known + off, sizeof(known) - off, "%s, ",
		    special_names[i]);
		if (n < 0 || (size_t)n >= sizeof(known) - off)
			break;
		off += (size_t)n;
	}
	snprintf(err, errlen,
	    "unknown special range class '%s%s' (known: %snone, all)", quoted,
	    len > SPECIAL_NAME_QUOTE_MAX ? "..." : "", known);
}

int
special_mask_parse(const char *list, unsigned int *mask, char *err,
    size_t errlen)
{
	static const char seps[] = ", \t";
	const char *p;
	unsigned int m = 0;
	size_t len, i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (list == NULL || mask == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no special range class list");
		return -1;
	}
	for (p = list; *p != '\0'; p += len) {
		p += strspn(p, seps);
		if ((len = strcspn(p, seps)) == 0)
			continue;
		if (len == 4 && strncasecmp(p, "none", 4) == 0)
			continue;
		if (len == 3 && strncasecmp(p, "all", 3) == 0) {
			m |= SPECIAL_ALL;
			continue;
		}
		for (i = 0; i < SPECIAL_NCLASSES; i++) {
			if (strlen(special_names[i]) == len &&
			    strncasecmp(p, special_names[i], len) == 0)
				break;
		}
		if (i == SPECIAL_NCLASSES) {
			special_err_unknown(p, len, err, errlen);
			return -1;
		}
		m |= 1u << i;
	}
	*mask = m;
	return 0;
}
