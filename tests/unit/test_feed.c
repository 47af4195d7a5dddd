/* test_feed.c -- the rbldnsd feed: rebuild on change, atomic file, gzip, 304 helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "core/config.h"
#include "listio/feed.h"
#include "store/store.h"
#include "web/web_download.h"

#define T0	1700000000

struct fixture {
	char		 dir[64];
	struct config	 cfg;
	struct feed_config fc;
	struct store	*s;
	struct feed	*f;
};

static int
setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	char err[600], path[128];

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/bs-feed-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	assert_int_equal(config_defaults(&x->cfg), 0);
	snprintf(path, sizeof(path), "%s/bs.db", x->dir);
	assert_int_equal(config_set(&x->cfg, "store", "path", path, err,
	    sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/bl.rbldnsd", x->dir);
	assert_int_equal(config_set(&x->cfg, "feed", "path", path, err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&x->cfg, "dns", "zone", "bl.test", err,
	    sizeof(err)), 0);
	assert_int_equal(feed_config_init(&x->fc, &x->cfg, err, sizeof(err)),
	    0);
	x->s = store_open(&x->fc.store, STORE_OPEN_CREATE, err, sizeof(err));
	if (x->s == NULL)
		fail_msg("store_open: %s", err);
	if ((x->f = feed_new(&x->fc, err, sizeof(err))) == NULL)
		fail_msg("feed_new: %s", err);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *x = *state;

	feed_free(x->f);
	store_close(x->s);
	config_free(&x->cfg);
	if (test_rmdir(x->dir) == -1)
		return -1;
	free(x);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
add(struct store *s, const char *p, int64_t now, int64_t ttl)
{
	struct prefix pf = test_prefix(p);

	assert_int_equal(store_list_add(s, &pf, now, ttl, "test", "test"), 0);
}

/* The gzip of the blob inflates to exactly the file's bytes. */
static void
check_blob(struct fixture *x, const char *file, size_t flen)
{
	struct feed_blob *b = feed_acquire(x->f);
	unsigned char *plain;
	z_stream z;

	assert_non_null(b);
	assert_int_equal(b->rawlen, flen);
	assert_int_equal(strlen(b->etag), 34);
	plain = malloc(flen + 1);
	assert_non_null(plain);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = b->gz;
	z.avail_in = (uInt)b->gzlen;
	z.next_out = plain;
	z.avail_out = (uInt)flen + 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, flen);
	assert_memory_equal(plain, file, flen);
	inflateEnd(&z);
	free(plain);
	feed_blob_release(b);
}

static void
test_build_on_change(void **state)
{
	struct fixture *x = *state;
	char err[600], *file;
	struct stat st0, st1;
	size_t len;

	assert_null(feed_acquire(x->f));
	add(x->s, "192.0.2.1", T0, 86400);
	assert_int_equal(feed_build(x->f, T0 + 1, 0, err, sizeof(err)), 1);
	file = slurp(x->fc.path, &len);
	assert_non_null(strstr(file, "\n192.0.2.1 :127.0.0.2:"));
	assert_non_null(strstr(file, "$DATASET ip6trie:backscatter6 @\n"));
	check_blob(x, file, len);
	free(file);
	assert_int_equal(stat(x->fc.path, &st0), 0);
	assert_int_equal(st0.st_mode & 0777, 0644);

	/* Nothing changed: nothing is written. */
	assert_int_equal(feed_build(x->f, T0 + 2, 0, err, sizeof(err)), 0);
	/* A change: a new file (a new inode, never written in place). */
	add(x->s, "2001:db8::1", T0 + 3, 86400);
	assert_int_equal(feed_build(x->f, T0 + 4, 0, err, sizeof(err)), 1);
	assert_int_equal(stat(x->fc.path, &st1), 0);
	assert_int_not_equal(st0.st_ino, st1.st_ino);
	file = slurp(x->fc.path, &len);
	assert_non_null(strstr(file, "\n2001:db8::1 :127.0.0.2:"));
	check_blob(x, file, len);
	free(file);
}

/* An expiry nobody journaled still rewrites the feed, to the second. */
static void
test_build_on_expiry(void **state)
{
	struct fixture *x = *state;
	char err[600], *file;
	size_t len;

	add(x->s, "192.0.2.7", T0, 100);
	add(x->s, "192.0.2.8", T0, 86400);
	assert_int_equal(feed_build(x->f, T0, 0, err, sizeof(err)), 1);
	assert_int_equal(feed_build(x->f, T0 + 99, 0, err, sizeof(err)), 0);
	assert_int_equal(feed_build(x->f, T0 + 100, 0, err, sizeof(err)), 1);
	file = slurp(x->fc.path, &len);
	assert_null(strstr(file, "192.0.2.7 "));
	assert_non_null(strstr(file, "192.0.2.8 "));
	free(file);
	assert_int_equal(feed_build(x->f, T0 + 101, 0, err, sizeof(err)), 0);
}

/* A directory that cannot take the file: an error, the old feed stays. */
static void
test_build_fails_cleanly(void **state)
{
	struct fixture *x = *state;
	struct feed_config fc = x->fc;
	struct feed *f;
	char err[600];

	snprintf(fc.path, sizeof(fc.path), "%s/missing/dir/bl", x->dir);
	assert_non_null(f = feed_new(&fc, err, sizeof(err)));
	assert_int_equal(feed_build(f, T0, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing/dir"));
	assert_null(feed_acquire(f));
	feed_free(f);
}

static void
test_etag_match(void **state)
{
	static const struct {
		const char	*list;
		int		 want;
	} cases[] = {
		{ "\"abc\"", 1 },
		{ "W/\"abc\"", 1 },
		{ "\"x\", \"abc\"", 1 },
		{ "\"x\",W/\"abc\"", 1 },
		{ "*", 1 },
		{ "\"abcd\"", 0 },
		{ "\"ab\"", 0 },
		{ "abc", 0 },
		{ "\"abc", 0 },
		{ "", 0 },
		{ "\"x\", junk, \"abc\"", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (web_etag_match(cases[i].list, "\"abc\"") != cases[i].want)
			fail_msg("If-None-Match '%s'", cases[i].list);
}

static void
test_http_date(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(web_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	    &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(web_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT",
	    &t), -1);
	assert_int_equal(web_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT "
	    "x", &t), -1);
	assert_int_equal(web_http_date_parse("", &t), -1);
	assert_int_equal(web_http_date_parse("yesterday", &t), -1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_build_on_change),
		T(test_build_on_expiry),
		T(test_build_fails_cleanly),
		cmocka_unit_test(test_etag_match),
		cmocka_unit_test(test_http_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
