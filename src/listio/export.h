/* export.h -- write the active list for other software: rbldnsd, BIND, Postfix, CSV, JSON. */
#ifndef BACKSCATTER_EXPORT_H
#define BACKSCATTER_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

enum export_format {
	EXPORT_RBLDNSD,		/* rbldnsd "combined" dataset: ip4set + ip6trie */
	EXPORT_BIND,		/* RFC 1035 master file for the zone */
	EXPORT_POSTFIX,		/* cidr: table for check_client_access */
	EXPORT_CSV,		/* RFC 4180, one header line */
	EXPORT_JSON,		/* one array of objects */
};

/* "rbldnsd", "bind", "postfix", "csv", "json". 0 ok, -1 unknown. */
int	 export_format_parse(const char *name, enum export_format *out);

struct export_opts {
	int64_t		 now;		/* active listings at this time */
	const char	*zone;		/* dns.zone */
	const char	*answer;	/* dns.answer, "127.0.0.2" */
	int64_t		 ttl;		/* dns.ttl */
	const char	*txt;		/* dns.txt template */
	const char	*lookup_url;	/* web.lookup_url template */
	uint64_t	 serial;	/* SOA serial for bind */
};

/*
 * Writes every listing active at opts->now, in address order, leaving out
 * what operator exclusions cover (formats that cannot carve holes get the
 * prefix split around them). 0 ok; -1 with the reason in err (a store
 * error, a write error, a TXT that does not fit).
 */
int	 export_write(struct store *, enum export_format,
	    const struct export_opts *, FILE *out, char *err, size_t errlen);

#endif
