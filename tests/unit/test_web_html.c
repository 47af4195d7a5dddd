/* test_web_html.c -- escaping, trap masking, CSRF tokens, guide matching. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_csrf.h"
#include "web/web_guide.h"
#include "web/web_html.h"
#include "web/web_lookup.h"

static void
test_escape(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "plain", "plain" },
		{ "<script>alert('x')</script>",
		    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "a&b \"q\"", "a&amp;b &quot;q&quot;" },
		{ "\xc3\xa9", "\xc3\xa9" },
		{ "bad\xff", "bad\xef\xbf\xbd" },
		{ "ctl\x01\x1b", "ctl\xef\xbf\xbd\xef\xbf\xbd" },
		{ "over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd" },
		{ "tab\tnl\n", "tab\tnl\n" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(web_html_escape(cases[i].in,
		    strlen(cases[i].in), buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].out);
	}
	/* Cut short: -1, still terminated, never half an entity. */
	assert_int_equal(web_html_escape("<<<<", 4, buf, 10), -1);
	assert_string_equal(buf, "&lt;&lt;");
}

static void
test_put_long(void **state)
{
	char *out = NULL, in[3000];
	size_t len = 0;
	FILE *f;

	(void)state;
	/* Multi-byte characters across the writer's chunk edges. */
	for (size_t i = 0; i + 2 < sizeof(in); i += 3)
		memcpy(in + i, i % 2 ? "\xc3\xa9<" : "<\xc3\xa9", 3);
	in[sizeof(in) - 1] = '\0';
	assert_non_null(f = open_memstream(&out, &len));
	web_html_put(f, in);
	fclose(f);
	assert_null(strchr(out, '<'));
	assert_null(strstr(out, "\xef\xbf\xbd"));
	free(out);
}

static void
test_mask(void **state)
{
	struct web_mask m;
	char out[WEB_FIELD_MAX];

	(void)state;
	memset(&m, 0, sizeof(m));
	snprintf(m.domains[0], sizeof(m.domains[0]), "trap.example");
	m.ndomains = 1;
	web_mask_text(&m, "lisa@trap.test", "mx.example.net", out,
	    sizeof(out));
	assert_string_equal(out, "mx.example.net");
	web_mask_text(&m, "lisa@trap.test", "lisa@trap.test", out,
	    sizeof(out));
	assert_string_equal(out, "[hidden]");
	web_mask_text(&m, "lisa@trap.test", "for <LISA@TRAP.TEST> ok", out,
	    sizeof(out));
	assert_string_equal(out, "[hidden]");
	web_mask_text(&m, "lisa@trap.test", "bob@trap.test, x@other.org", out,
	    sizeof(out));
	assert_string_equal(out, "*@trap.test, x@other.org");
	web_mask_text(&m, NULL, "to <kim.b@trap.example>", out, sizeof(out));
	assert_string_equal(out, "to <*@trap.example>");
	web_mask_text(&m, NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "");
	web_rcpt_domain("a@b.c", out, sizeof(out));
	assert_string_equal(out, "b.c");
	web_rcpt_domain("nobody", out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_csrf(void **state)
{
	uint8_t key[WEB_CSRF_KEY_LEN], other[WEB_CSRF_KEY_LEN];
	struct addr a = test_addr("192.0.2.1"), b = test_addr("192.0.2.2");
	char tok[WEB_CSRF_TOKEN_MAX];

	(void)state;
	memset(key, 1, sizeof(key));
	memset(other, 2, sizeof(other));
	assert_int_equal(web_csrf_make(key, &a, 1000000, tok, sizeof(tok)), 0);
	assert_true(web_csrf_check(key, &a, 1000000, tok));
	assert_true(web_csrf_check(key, &a, 1000000 + WEB_CSRF_LIFETIME, tok));
	assert_false(web_csrf_check(key, &a, 1000001 + WEB_CSRF_LIFETIME,
	    tok));
	assert_false(web_csrf_check(key, &a, 999999, tok));	/* future */
	assert_false(web_csrf_check(key, &b, 1000000, tok));
	assert_false(web_csrf_check(other, &a, 1000000, tok));
	tok[strlen(tok) - 1] ^= 1;
	assert_false(web_csrf_check(key, &a, 1000000, tok));
	assert_false(web_csrf_check(key, &a, 1000000, NULL));
	assert_false(web_csrf_check(key, &a, 1000000, ""));
	assert_false(web_csrf_check(key, &a, 1000000, ".abc"));
	assert_false(web_csrf_check(key, &a, 1000000,
	    "99999999999999999999.00"));
}

static void
test_guides(void **state)
{
	const struct web_guide *g;
	size_t n;

	(void)state;
	g = web_guide_all(&n);
	assert_true(n >= 13);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(web_guide_find(g[i].name), &g[i]);
	assert_null(web_guide_find("../etc/passwd"));
	assert_string_equal(web_guide_for_evidence("Subject: x\nMTA: exim\n",
	    NULL, NULL)->name, "exim");
	assert_string_equal(web_guide_for_evidence(
	    "Reporting-MTA: dns; mail.example.com (Zimbra)", NULL, NULL)->name,
	    "zimbra");
	assert_string_equal(web_guide_for_evidence(NULL,
	    "callout/double-bounce", NULL)->name, "postfix");
	assert_string_equal(web_guide_for_evidence("", "bounce/dsn",
	    "exchange01.corp.example")->name, "exchange");
	assert_null(web_guide_for_evidence("Subject: hello", "bounce/ndr",
	    "mx.example.net"));
}

static void
test_guide_files(void **state)
{
	const char *src = getenv("BACKSCATTER_SOURCE_DIR");
	const struct web_guide *g;
	char dir[4096], *out = NULL;
	size_t n, len = 0;
	FILE *f;

	(void)state;
	if (src == NULL)
		skip();
	snprintf(dir, sizeof(dir), "%s/docs/help", src);
	g = web_guide_all(&n);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(f = open_memstream(&out, &len));
		if (web_guide_render(f, dir, &g[i]) == -1)
			fail_msg("guide %s missing", g[i].name);
		fclose(f);
		assert_non_null(strstr(out, "<h1>"));
		assert_non_null(strstr(out, "<h2>"));
		/* Raw HTML in Markdown is never passed through. */
		assert_null(strstr(out, "<script"));
		free(out);
		out = NULL;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_put_long),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_guides),
		cmocka_unit_test(test_guide_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
