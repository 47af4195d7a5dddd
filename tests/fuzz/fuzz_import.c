/* fuzz_import.c -- libFuzzer harness for importing rbldnsd and plain lists. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "listio/import.h"

/*
 * As big as the buffer the import command passes, so that a message cut
 * short here would be cut short there too.
 */
#define FUZZ_ERR_MAX	512

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What one import_read run may be given, and how the callback answers. */
struct fuzz_import {
	enum import_format	 fmt;
	size_t			 size;		/* input bytes */
	size_t			 entries;	/* seen by the callback */
	size_t			 refuse_at;	/* refuse entry n (from 1); 0 never */
};

/*
 * Whatever the text, every entry must be a prefix the store could hold:
 * a length of at most 128, no bits set past it, and an IPv4 prefix kept
 * as len 96 + n (addr.h). A line number past the input size, or an
 * exclusion from a plain list (which has no "!"), is a bug too. abort()
 * so the fuzzer keeps the input.
 */
static int
fuzz_import_cb(void *arg, const struct prefix *p, int exclude, size_t line)
{
	struct fuzz_import *fi = arg;
	struct addr m;

	if (p->len > 128)
		abort();
	m = p->addr;
	addr_mask(&m, p->len);
	if (addr_cmp(&m, &p->addr) != 0)
		abort();
	if (prefix_is_v4(p) && p->len < 96)
		abort();
	if (exclude != 0 && exclude != 1)
		abort();
	if (exclude && fi->fmt == IMPORT_PLAIN)
		abort();
	if (line == 0 || line > fi->size)
		abort();
	fi->entries++;
	if (fi->refuse_at != 0 && fi->entries == fi->refuse_at)
		return 1;
	return 0;
}

/*
 * One run over the bytes as a stream. err starts as junk without a NUL,
 * so a failure that forgets to write its message is caught: on -1 it
 * must hold a non-empty string that ends inside the buffer.
 */
static void
fuzz_import_run(const uint8_t *data, size_t size, enum import_format fmt,
    size_t refuse_at)
{
	struct fuzz_import fi;
	char err[FUZZ_ERR_MAX];
	FILE *f;
	int r;

	/* fmemopen fails on size 0, and "r" never writes to the buffer. */
	f = fmemopen((void *)(uintptr_t)data, size, "r");
	if (f == NULL)
		return;
	memset(&fi, 0, sizeof(fi));
	fi.fmt = fmt;
	fi.size = size;
	fi.refuse_at = refuse_at;
	memset(err, 'x', sizeof(err));
	r = import_read(f, "fuzz", fmt, fuzz_import_cb, &fi, err, sizeof(err));
	fclose(f);
	if (r != 0 && r != -1)
		abort();
	if (r == -1 && (memchr(err, '\0', sizeof(err)) == NULL ||
	    err[0] == '\0'))
		abort();
	/* A refused entry must stop the run, and must not be hidden. */
	if (refuse_at != 0 && fi.entries >= refuse_at && r != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fuzz_import_run(data, size, IMPORT_AUTO, 0);
	fuzz_import_run(data, size, IMPORT_RBLDNSD, 0);
	fuzz_import_run(data, size, IMPORT_PLAIN, 0);
	/* The callback's refusal path: "entry refused" must fill err. */
	fuzz_import_run(data, size, IMPORT_AUTO, 1);
	return 0;
}
