/* import.h -- read existing lists (rbldnsd ip4set/ip6trie, plain) to migrate them. */
#ifndef BACKSCATTER_IMPORT_H
#define BACKSCATTER_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "core/addr.h"

enum import_format {
	IMPORT_AUTO,		/* rbldnsd if any line looks like rbldnsd syntax, else plain */
	IMPORT_RBLDNSD,		/* ip4set or ip6trie data file */
	IMPORT_PLAIN,		/* one address or CIDR per line, # comments */
};

/* "auto", "rbldnsd", "plain". 0 ok, -1 unknown. */
int	 import_format_parse(const char *name, enum import_format *out);

/* Called once per entry; exclude is 1 for rbldnsd "!" lines. Non-zero stops. */
typedef int	(*import_cb)(void *arg, const struct prefix *, int exclude,
		    size_t line);

/*
 * Parses a whole file (name is for messages) and calls cb per entry.
 * The caller runs it inside one store transaction, so an error means
 * nothing is imported. 0 ok; -1 with "NAME:LINE: what is wrong" in err
 * (or the callback's non-zero return passed through as -1, err untouched
 * unless empty). Entries that rbldnsd would accept but we cannot list
 * exactly (an a.b.c.d-e.f.g.h range) are split into prefixes.
 */
int	 import_read(FILE *in, const char *name, enum import_format,
	    import_cb cb, void *arg, char *err, size_t errlen);

#endif
