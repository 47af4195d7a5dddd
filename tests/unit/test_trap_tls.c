/* test_trap_tls.c -- the trap's certificate: made once, kept, and loadable. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trap/trap_tls.h"
#include "testutil.h"

static char	test_dir[] = "/tmp/test_trap_tls.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(test_dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return test_rmdir(test_dir);
}

static void
test_auto_paths(void **state)
{
	char cert[64], key[64];

	(void)state;
	assert_int_equal(trap_tls_auto_paths("./var/backscatter.db", cert,
	    sizeof(cert), key, sizeof(key)), 0);
	assert_string_equal(cert, "./var/trap-tls.pem");
	assert_string_equal(key, "./var/trap-tls.key");
	assert_int_equal(trap_tls_auto_paths("bl.db", cert, sizeof(cert), key,
	    sizeof(key)), 0);
	assert_string_equal(cert, "./trap-tls.pem");
	assert_int_equal(trap_tls_auto_paths("/bl.db", cert, sizeof(cert), key,
	    sizeof(key)), 0);
	assert_string_equal(key, "/trap-tls.key");
	/* Too long for the buffers: refused, not cut. */
	assert_int_equal(trap_tls_auto_paths("/a/very/long/directory/name/that/"
	    "does/not/fit/x.db", cert, 32, key, 32), -1);
}

static void
test_selfsigned(void **state)
{
	char cert[256], key[256], key3[256], err[512];
	struct stat st;
	SSL_CTX *ctx;
	time_t mtime;
	int made;

	(void)state;
	snprintf(cert, sizeof(cert), "%s/trap-tls.pem", test_dir);
	snprintf(key, sizeof(key), "%s/trap-tls.key", test_dir);
	if (trap_tls_make_selfsigned(cert, key, "mx.trap.test", &made, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(made, 1);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	mtime = st.st_mtime;
	if ((ctx = trap_tls_ctx_new(cert, key, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	SSL_CTX_free(ctx);

	/* A second start keeps the pair. */
	assert_int_equal(trap_tls_make_selfsigned(cert, key, "mx.trap.test",
	    &made, err, sizeof(err)), 0);
	assert_int_equal(made, 0);
	assert_int_equal(stat(cert, &st), 0);
	assert_int_equal(st.st_mtime, mtime);

	/* Half a pair is an error, and the half is left alone. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(trap_tls_make_selfsigned(cert, key, "mx.trap.test",
	    &made, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists but"));
	assert_int_equal(stat(cert, &st), 0);
	assert_int_equal(trap_tls_ctx_new(cert, key, err, sizeof(err)), NULL);
	assert_non_null(strstr(err, key));

	/* A key that is not the certificate's. */
	assert_int_equal(unlink(cert), 0);
	snprintf(key, sizeof(key), "%s/other.key", test_dir);
	snprintf(cert, sizeof(cert), "%s/other.pem", test_dir);
	assert_int_equal(trap_tls_make_selfsigned(cert, key, "a.test", &made,
	    err, sizeof(err)), 0);
	snprintf(cert, sizeof(cert), "%s/third.pem", test_dir);
	snprintf(key3, sizeof(key3), "%s/third.key", test_dir);
	assert_int_equal(trap_tls_make_selfsigned(cert, key3, "b.test", &made,
	    err, sizeof(err)), 0);
	assert_null(trap_tls_ctx_new(cert, key, err, sizeof(err)));
	assert_non_null(strstr(err, "TLS key"));

	/* A directory that is not there. */
	snprintf(cert, sizeof(cert), "%s/nodir/c.pem", test_dir);
	snprintf(key, sizeof(key), "%s/nodir/c.key", test_dir);
	assert_int_equal(trap_tls_make_selfsigned(cert, key, "a.test", &made,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_paths),
		cmocka_unit_test(test_selfsigned),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
