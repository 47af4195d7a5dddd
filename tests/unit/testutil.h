/* testutil.h -- helpers the unit tests share: test data from text, temp dirs. */
#ifndef BACKSCATTER_TESTUTIL_H
#define BACKSCATTER_TESTUTIL_H

/* Include after <cmocka.h>: failures go through fail_msg(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

/* An address written in a test; a typo there fails the test. */
static inline struct addr
test_addr(const char *s)
{
	struct addr a;

	if (addr_parse(s, strlen(s), &a) == -1)
		fail_msg("bad test address %s", s);
	return a;
}

static inline struct prefix
test_prefix(const char *s)
{
	struct prefix p;

	if (prefix_parse(s, strlen(s), &p) == -1)
		fail_msg("bad test prefix %s", s);
	return p;
}

/* Removes a temporary directory a fixture made with mkdtemp(). 0 / -1. */
static inline int
test_rmdir(const char *dir)
{
	char cmd[256];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >=
	    (int)sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

#endif
