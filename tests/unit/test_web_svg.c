/* test_web_svg.c -- the SVG chart, the Prometheus text and the rate limiter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_metrics.h"
#include "web/web_ratelimit.h"
#include "web/web_svg.h"

static char *
render(const struct web_svg_chart *c, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	*rc = web_svg_chart(f, c);
	fclose(f);
	return out;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_nice_max(void **state)
{
	(void)state;
	assert_int_equal(web_svg_nice_max(0), 1);
	assert_int_equal(web_svg_nice_max(1), 1);
	assert_int_equal(web_svg_nice_max(3), 5);
	assert_int_equal(web_svg_nice_max(7), 10);
	assert_int_equal(web_svg_nice_max(11), 20);
	assert_int_equal(web_svg_nice_max(200), 200);
	assert_int_equal(web_svg_nice_max(201), 500);
}

static void
test_chart(void **state)
{
	int64_t a[5] = { 0, 3, 7, -2, 10 }, b[5] = { 1, 1, 1, 1, 1 };
	struct web_svg_series s[2] = {
		{ "bounce", "c1", a }, { "callout", "c3", b },
	};
	struct web_svg_chart c = {
		.title = "New <listings> & more", .kind = WEB_SVG_STACKED,
		.npoints = 5, .day0 = 1700006400, .series = s, .nseries = 2,
	};
	char *out, *again;
	int rc;

	(void)state;
	out = render(&c, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "role=\"img\""));
	assert_non_null(strstr(out, "<title>New &lt;listings&gt; &amp; more"
	    "</title>"));
	assert_null(strstr(out, "<listings>"));
	/* 3 + 1 + ... bars: zero and negative values draw nothing. */
	assert_int_equal(count(out, "<rect class=\"c1\""), 3);
	assert_int_equal(count(out, "<rect class=\"c3\""), 5);
	/* Top of the scale: 11 rounds up to 20. */
	assert_non_null(strstr(out, ">20</text>"));
	assert_non_null(strstr(out, ">11-15</text>"));	/* 2023-11-15 */
	assert_int_equal(strncmp(out, "<svg ", 5), 0);
	assert_non_null(strstr(out, "</svg>\n"));
	again = render(&c, &rc);
	assert_string_equal(out, again);	/* deterministic */
	free(again);
	free(out);

	c.kind = WEB_SVG_LINES;
	c.nseries = 1;
	out = render(&c, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count(out, "<polyline class=\"c1\""), 1);
	free(out);

	c.npoints = 0;
	out = render(&c, &rc);
	assert_int_equal(rc, -1);
	free(out);
	c.npoints = WEB_SVG_POINTS_MAX + 1;
	out = render(&c, &rc);
	assert_int_equal(rc, -1);
	free(out);
}

static void
test_metrics(void **state)
{
	struct web_metrics *m = calloc(1, sizeof(*m));
	struct store_stats st;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	(void)state;
	assert_non_null(m);
	memset(&st, 0, sizeof(st));
	st.by_state[LISTING_LISTED] = 7;
	st.hits_by_class[1] = 42;
	st.serial = 99;
	r = web_metrics_route(m, "lookup");
	assert_int_equal(web_metrics_route(m, "lookup"), r);
	web_metrics_observe(m, r, 200, 800);		/* 0.8 ms */
	web_metrics_observe(m, r, 404, 30000);		/* 30 ms */
	web_metrics_observe(m, r, 503, 9000000);	/* 9 s */
	web_metrics_observe(m, 17, 200, 1);		/* unknown: ignored */
	m->rate_limited = 3;
	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(web_metrics_write(f, m, &st), 0);
	fclose(f);
	assert_non_null(strstr(out, "# TYPE backscatter_http_requests_total "
	    "counter\n"));
	assert_non_null(strstr(out, "backscatter_http_requests_total{route="
	    "\"lookup\",code=\"2xx\"} 1\n"));
	assert_non_null(strstr(out, "code=\"4xx\"} 1\n"));
	assert_non_null(strstr(out, "code=\"5xx\"} 1\n"));
	assert_non_null(strstr(out, "_bucket{route=\"lookup\",le=\"0.001\"} 1\n"));
	assert_non_null(strstr(out, "_bucket{route=\"lookup\",le=\"0.05\"} 2\n"));
	assert_non_null(strstr(out, "_bucket{route=\"lookup\",le=\"5\"} 2\n"));
	assert_non_null(strstr(out, "_bucket{route=\"lookup\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(out, "_sum{route=\"lookup\"} 9.030800\n"));
	assert_non_null(strstr(out, "_count{route=\"lookup\"} 3\n"));
	assert_non_null(strstr(out, "{reason=\"rate_limit\"} 3\n"));
	assert_non_null(strstr(out, "backscatter_listings{state=\"listed\"} 7\n"));
	assert_non_null(strstr(out, "backscatter_hits{class=\"bounce\"} 42\n"));
	assert_non_null(strstr(out, "backscatter_journal_serial 99\n"));
	/* Every line is a comment or "name{labels} value". */
	for (char *line = out, *nl; *line; line = nl + 1) {
		assert_non_null(nl = strchr(line, '\n'));
		if (*line != '#')
			assert_non_null(memchr(line, ' ', (size_t)(nl - line)));
	}
	free(out);
	free(m);
}

static void
test_ratelimit(void **state)
{
	struct web_ratelimit *rl = web_ratelimit_new(4, 3, 60000);
	struct addr a = test_addr("192.0.2.1"), b = test_addr("192.0.2.2");
	struct addr v6a = test_addr("2001:db8::1"), v6b =
	    test_addr("2001:db8::ffff");
	int64_t retry;

	(void)state;
	assert_non_null(rl);
	for (int i = 0; i < 3; i++)
		assert_int_equal(web_ratelimit_take(rl, &a, 1000, NULL), 1);
	assert_int_equal(web_ratelimit_take(rl, &a, 1000, &retry), 0);
	assert_int_equal(retry, 20001);
	assert_int_equal(web_ratelimit_take(rl, &b, 1000, NULL), 1);
	/* One token back after 20 s, even when polled every 10 ms. */
	for (int64_t t = 1010; t < 21000; t += 10)
		assert_int_equal(web_ratelimit_take(rl, &a, t, NULL), 0);
	assert_int_equal(web_ratelimit_take(rl, &a, 21001, NULL), 1);
	/* An IPv6 /64 is one client. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(web_ratelimit_take(rl, &v6a, 1000, NULL), 1);
	assert_int_equal(web_ratelimit_take(rl, &v6b, 1000, NULL), 0);
	/* A full table forgets the oldest, it never fails. */
	for (int i = 0; i < 100; i++) {
		struct addr x = a;

		x.b[15] = (uint8_t)(10 + i);
		assert_int_equal(web_ratelimit_take(rl, &x, 50000 + i, NULL),
		    1);
	}
	assert_null(web_ratelimit_new(0, 1, 1));
	assert_null(web_ratelimit_new(1, 0, 1));
	web_ratelimit_free(rl);
	web_ratelimit_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nice_max),
		cmocka_unit_test(test_chart),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
