/* test_web_parse.c -- request targets, forms, bearer tokens, cursors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <string.h>

#include "web/web_parse.h"

static void
test_targets(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*path;
		const char	*query;
	} cases[] = {
		{ "/", 0, "/", "" },
		{ "/lookup?ip=192.0.2.1", 0, "/lookup", "ip=192.0.2.1" },
		{ "/api/v1/lookup/2001:db8::1", 0, "/api/v1/lookup/2001:db8::1",
		    "" },
		{ "/help/postfix?", 0, "/help/postfix", "" },
		{ "lookup", -1, NULL, NULL },
		{ "", -1, NULL, NULL },
		{ "/a%2fb", -1, NULL, NULL },
		{ "/help/../etc/passwd", -1, NULL, NULL },
		{ "/..", -1, NULL, NULL },
		{ "/a..b", 0, "/a..b", "" },
		{ "/x y", -1, NULL, NULL },
		{ "/<script>", -1, NULL, NULL },
		{ "/a?b#c", -1, NULL, NULL },
		{ "http://evil/", -1, NULL, NULL },
	};
	char path[WEB_PATH_MAX + 1], big[WEB_PATH_MAX + 10];
	const char *q, *err;
	size_t qlen;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = web_parse_target(cases[i].in, strlen(cases[i].in),
		    path, sizeof(path), &q, &qlen, &err);

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d", cases[i].in, rc);
		if (rc == 0) {
			assert_string_equal(path, cases[i].path);
			assert_int_equal(qlen, strlen(cases[i].query));
			assert_memory_equal(q, cases[i].query, qlen);
		}
	}
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(web_parse_target(big, strlen(big), path, sizeof(path),
	    &q, &qlen, &err), -1);
}

static void
test_forms(void **state)
{
	struct web_params p;
	const char *err;
	char many[512] = "";

	(void)state;
	assert_int_equal(web_parse_form("ip=192.0.2.1&reason=fixed+it%21",
	    31, &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(web_param_get(&p, "ip"), "192.0.2.1");
	assert_string_equal(web_param_get(&p, "reason"), "fixed it!");
	assert_null(web_param_get(&p, "csrf"));
	/* Empty pairs skipped, key without '=' is an empty value. */
	assert_int_equal(web_parse_form("&&a&b=", 6, &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(web_param_get(&p, "a"), "");
	/* UTF-8 is fine. */
	assert_int_equal(web_parse_form("r=%C3%A9t%C3%A9", 15, &p, &err), 0);
	assert_string_equal(web_param_get(&p, "r"), "\xc3\xa9t\xc3\xa9");

	static const char *const bad[] = {
		"a=%zz", "a=%4", "a=1&a=2", "a=%00", "a=%0d%0a", "a=%7f",
		"a=%ff", "a=%c0%af", "a=%ed%a0%80", "b%20c=1", "=1",
		"a-b=1", "a=%C3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (web_parse_form(bad[i], strlen(bad[i]), &p, &err) != -1)
			fail_msg("accepted %s", bad[i]);
	for (int i = 0; i < WEB_PARAMS_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "k%d=1&", i);
	assert_int_equal(web_parse_form(many, strlen(many), &p, &err), -1);
	/* A value at its cap. */
	char longv[WEB_PARAM_VALUE_MAX + 8];
	memcpy(longv, "v=", 2);
	memset(longv + 2, 'x', WEB_PARAM_VALUE_MAX);
	longv[WEB_PARAM_VALUE_MAX + 2] = '\0';
	assert_int_equal(web_parse_form(longv, strlen(longv), &p, &err), -1);
	longv[WEB_PARAM_VALUE_MAX + 1] = '\0';
	assert_int_equal(web_parse_form(longv, strlen(longv), &p, &err), 0);
}

static void
test_bearer_and_tail(void **state)
{
	char tok[WEB_TOKEN_MAX], tail[32];

	(void)state;
	assert_int_equal(web_parse_bearer("Bearer abc.DEF-1~+/=", 20, tok,
	    sizeof(tok)), 0);
	assert_string_equal(tok, "abc.DEF-1~+/=");
	assert_int_equal(web_parse_bearer("bearer xyz", 10, tok, sizeof(tok)),
	    0);
	assert_int_equal(web_parse_bearer("Basic abc", 9, tok, sizeof(tok)),
	    -1);
	assert_int_equal(web_parse_bearer("Bearer ", 7, tok, sizeof(tok)), -1);
	assert_int_equal(web_parse_bearer("Bearer a b", 10, tok, sizeof(tok)),
	    -1);
	assert_int_equal(web_parse_bearer("Bearer a\"", 9, tok, sizeof(tok)),
	    -1);
	assert_int_equal(web_path_tail("/help/postfix", "/help/", tail,
	    sizeof(tail)), 1);
	assert_string_equal(tail, "postfix");
	assert_int_equal(web_path_tail("/help/", "/help/", tail,
	    sizeof(tail)), 0);
	assert_int_equal(web_path_tail("/helpx", "/help/", tail,
	    sizeof(tail)), 0);
}

static void
test_cursor_and_uint(void **state)
{
	struct prefix p = test_prefix("198.51.100.0/24"), q;
	char buf[WEB_CURSOR_LEN + 1];
	unsigned int n;

	(void)state;
	assert_int_equal(web_cursor_format(&p, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), WEB_CURSOR_LEN);
	assert_int_equal(web_cursor_parse(buf, strlen(buf), &q), 0);
	assert_int_equal(addr_cmp(&p.addr, &q.addr), 0);
	assert_int_equal(p.len, q.len);
	buf[31] = '1';		/* a host bit past /120 */
	assert_int_equal(web_cursor_parse(buf, strlen(buf), &q), -1);
	assert_int_equal(web_cursor_parse("zz", 2, &q), -1);
	assert_int_equal(web_cursor_parse("00000000000000000000000000000000ff",
	    34, &q), -1);
	assert_int_equal(web_parse_uint("100", 1000, &n), 0);
	assert_int_equal(n, 100);
	assert_int_equal(web_parse_uint("0", 1000, &n), -1);
	assert_int_equal(web_parse_uint("007", 1000, &n), -1);
	assert_int_equal(web_parse_uint("1001", 1000, &n), -1);
	assert_int_equal(web_parse_uint("-1", 1000, &n), -1);
	assert_int_equal(web_parse_uint("9999999999", 4000000000u, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bearer_and_tail),
		cmocka_unit_test(test_cursor_and_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
