/* test_web_express.c -- express delisting rules, table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <string.h>

#include "core/hitclass.h"
#include "web/web_express.h"

#define HOUR	3600

static void
test_rules(void **state)
{
	const unsigned int bounce = HIT_CLASS_BIT(HIT_BOUNCE);
	const unsigned int manual = HIT_CLASS_BIT(HIT_MANUAL) | bounce;
	static struct {
		const char			*ip;
		int				 enabled;
		struct web_express_facts	 f;
		enum web_express_verdict	 want;
	} cases[] = {
		{ "198.18.1.1", 1, { 1, 1, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_ELIGIBLE },
		{ "198.18.1.1", 0, { 1, 1, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_DISABLED },
		{ "198.18.1.1", 1, { 0, 0, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_NOT_LISTED },
		{ "198.18.1.1", 1, { 1, 1, 0, 0, 0, 0, 1 },
		    WEB_EXPRESS_PENDING },
		{ "203.0.113.9", 1, { 1, 1, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_BLOCKED },
		{ "198.18.1.1", 1, { 1, 0, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_MANUAL },
		{ "198.18.1.1", 1, { 1, 1, 0, 0, 0, 0, 0 },
		    WEB_EXPRESS_MANUAL },
		{ "198.18.1.1", 1, { 1, 1, 0, 1000, 3, 0, 0 },
		    WEB_EXPRESS_RECENT_HITS },
		{ "198.18.1.1", 1, { 1, 1, 0, 0, 0, 2, 0 },
		    WEB_EXPRESS_TOO_MANY },
		{ "198.18.1.1", 1, { 1, 1, 0, 0, 0, 1, 0 },
		    WEB_EXPRESS_ELIGIBLE },
		/* Blocked wins over recent hits: it never becomes eligible. */
		{ "203.0.113.9", 1, { 1, 1, 0, 1000, 3, 5, 0 },
		    WEB_EXPRESS_BLOCKED },
	};
	struct web_express_policy pol;
	struct addr a;
	int64_t retry;

	(void)state;
	/* Classes per case: manual rows 5 and 6 differ only there. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cases[i].f.classes = bounce;
	cases[6].f.classes = manual;
	memset(&pol, 0, sizeof(pol));
	pol.quiet_period = 24 * HOUR;
	pol.max_delistings = 2;
	pol.blocked[0] = test_prefix("203.0.113.0/24");
	pol.nblocked = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum web_express_verdict v;

		pol.enabled = cases[i].enabled;
		a = test_addr(cases[i].ip);
		v = web_express_check(&pol, &a, &cases[i].f, &retry);
		if (v != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i,
			    web_express_code(v),
			    web_express_code(cases[i].want));
		assert_true(strlen(web_express_explain(v)) > 20);
		if (v == WEB_EXPRESS_RECENT_HITS)
			assert_int_equal(retry, 1000 + 24 * HOUR);
		else
			assert_int_equal(retry, 0);
	}
	/* max_delistings 0: never eligible. */
	pol.enabled = 1;
	pol.max_delistings = 0;
	a = test_addr("198.18.1.1");
	assert_int_equal(web_express_check(&pol, &a, &cases[0].f, NULL),
	    WEB_EXPRESS_TOO_MANY);
	assert_string_equal(web_express_code(WEB_EXPRESS_RECENT_HITS),
	    "recent_hits");
	assert_string_equal(web_express_code((enum web_express_verdict)99),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
