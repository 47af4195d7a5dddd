/* test_log.c -- log destinations, reopening after logrotate, levels; the [log] and [process] keys. */
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

#include "core/config.h"
#include "core/log.h"

/* The whole of a small file, NUL-terminated, in buf. */
static const char *
slurp(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (fp == NULL)
		return buf;
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Logs to a new file in a new directory dir (a mkdtemp template). */
static void
log_to_temp_file(char *dir, char *path, size_t pathlen)
{
	char target[160], err[256];

	assert_non_null(mkdtemp(dir));
	snprintf(path, pathlen, "%s/bs.log", dir);
	snprintf(target, sizeof(target), "file:%s", path);
	log_init("test_log", LOG_LEVEL_INFO);
	assert_int_equal(log_open(target, "daemon", (uid_t)-1, (gid_t)-1, err,
	    sizeof(err)), 0);
}

static void
test_targets(void **state)
{
	static const struct {
		const char	*target;
		int		 ok;
	} cases[] = {
		{ "stderr", 1 }, { "syslog", 1 }, { "file:/var/log/bs.log", 1 },
		{ "file:", 0 }, { "file:/", 0 }, { "file:relative.log", 0 },
		{ "journal", 0 }, { "", 0 }, { "STDERR", 0 },
		{ "file:~/bs.log", 0 },
	};
	char err[256];
	int fac;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(log_target_check(cases[i].target, err,
		    sizeof(err)), cases[i].ok ? 0 : -1);
	assert_int_equal(log_facility_parse("daemon", &fac), 0);
	assert_int_equal(log_facility_parse("local7", &fac), 0);
	assert_int_equal(log_facility_parse("local8", &fac), -1);
	assert_int_equal(log_facility_parse("kern", &fac), -1);
	assert_int_equal(log_facility_parse(NULL, &fac), -1);
}

/*
 * A file target: lines carry a time stamp and the name; the level
 * filters; after the file is moved away, lines keep going to it until
 * log_reopen() makes a new one, as logrotate expects.
 */
static void
test_file_reopen(void **state)
{
	char dir[] = "/tmp/bs-test-log-XXXXXX", path[128], moved[128];
	char target[160], err[256], buf[8192];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bs.log", dir);
	snprintf(moved, sizeof(moved), "%s/bs.log.1", dir);
	snprintf(target, sizeof(target), "file:%s", path);
	log_init("test_log", LOG_LEVEL_INFO);
	assert_int_equal(log_open(target, "daemon", (uid_t)-1, (gid_t)-1, err,
	    sizeof(err)), 0);
	assert_string_equal(log_target(), target);
	log_info("first line n=%d", 1);
	log_debug("hidden at info");
	log_set_level(LOG_LEVEL_DEBUG);
	assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
	log_debug("shown at debug");
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Z test_log: first line n=1\n"));
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, "test_log: shown at debug\n"));
	assert_true(buf[0] >= '2' && buf[0] <= '9');	/* 20XX-...Z */

	assert_int_equal(rename(path, moved), 0);
	log_info("after the move");
	assert_int_equal(log_reopen(err, sizeof(err)), 0);
	log_info("after the reopen");
	slurp(moved, buf, sizeof(buf));
	assert_non_null(strstr(buf, "after the move"));
	assert_null(strstr(buf, "after the reopen"));
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "after the reopen"));
	assert_null(strstr(buf, "after the move"));

	/* A destination that cannot be opened keeps the old one. */
	assert_int_equal(log_open("file:/nonexistent-dir/x.log", "daemon",
	    (uid_t)-1, (gid_t)-1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
	assert_string_equal(log_target(), target);
	log_info("still here");
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "still here"));

	assert_int_equal(log_open("stderr", "daemon", (uid_t)-1, (gid_t)-1,
	    err, sizeof(err)), 0);
	assert_int_equal(log_reopen(err, sizeof(err)), 0);	/* no-op */
	log_set_level(LOG_LEVEL_WARN);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

/*
 * A line built by pieces reads as the same line formatted by log_info,
 * numbers at their extremes included; one too long for a line is cut
 * where a formatted one would be; below the level, nothing is written.
 */
static void
test_line_pieces(void **state)
{
	char dir[] = "/tmp/bs-test-log-XXXXXX", path[128];
	char err[256], buf[3 * LOG_LINE_MAX], *nl, *first, *second;
	static char longtext[LOG_LINE_MAX + 100];
	struct log_line l;

	(void)state;
	log_to_temp_file(dir, path, sizeof(path));
	assert_true(log_enabled(LOG_LEVEL_INFO));
	assert_false(log_enabled(LOG_LEVEL_DEBUG));

	log_info("id event=x n=%llu m=%llu k=%lld j=%lld i=%lld s=\"%s\"",
	    0ULL, 18446744073709551615ULL, -9223372036854775807LL - 1,
	    9223372036854775807LL, -42LL, "v");
	log_line_init(&l);
	log_line_str(&l, "id event=x n=");
	log_line_u64(&l, 0);
	log_line_str(&l, " m=");
	log_line_u64(&l, 18446744073709551615ULL);
	log_line_str(&l, " k=");
	log_line_i64(&l, -9223372036854775807LL - 1);
	log_line_str(&l, " j=");
	log_line_i64(&l, 9223372036854775807LL);
	log_line_str(&l, " i=");
	log_line_i64(&l, -42);
	log_line_str(&l, " s=\"");
	log_line_mem(&l, "vw", 1);
	log_line_str(&l, "\"");
	log_line_emit(LOG_LEVEL_INFO, &l);
	log_line_emit(LOG_LEVEL_DEBUG, &l);	/* filtered out */
	slurp(path, buf, sizeof(buf));
	/* Two lines, the same after their time stamps. */
	assert_non_null(nl = strchr(buf, '\n'));
	*nl = '\0';
	assert_non_null(first = strstr(buf, "Z test_log: "));
	assert_non_null(second = strstr(nl + 1, "Z test_log: "));
	assert_non_null(nl = strchr(second, '\n'));
	assert_string_equal(nl + 1, "");
	*nl = '\0';
	assert_string_equal(first, second);
	assert_non_null(strstr(first, "m=18446744073709551615 "
	    "k=-9223372036854775808 j=9223372036854775807 i=-42 s=\"v\""));

	/* Cut at LOG_LINE_MAX - 1 bytes, as vsnprintf cuts. */
	assert_int_equal(truncate(path, 0), 0);
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	log_info("%s", longtext);
	log_line_init(&l);
	log_line_str(&l, longtext);
	log_line_str(&l, "more");
	assert_int_equal(l.len, LOG_LINE_MAX - 1);
	log_line_emit(LOG_LEVEL_INFO, &l);
	slurp(path, buf, sizeof(buf));
	assert_non_null(nl = strchr(buf, '\n'));
	*nl = '\0';
	first = strstr(buf, "Z test_log: ");
	second = strstr(nl + 1, "Z test_log: ");
	assert_non_null(first);
	assert_non_null(second);
	assert_non_null(nl = strchr(second, '\n'));
	*nl = '\0';
	assert_string_equal(first, second);
	assert_int_equal(strlen(first), strlen("Z test_log: ") +
	    LOG_LINE_MAX - 1);

	assert_int_equal(log_open("stderr", "daemon", (uid_t)-1, (gid_t)-1,
	    err, sizeof(err)), 0);
	log_set_level(LOG_LEVEL_WARN);
	unlink(path);
	rmdir(dir);
}

static int hold_waits;

static void
hold_waiting(void *arg)
{
	(void)arg;
	hold_waits++;
}

/*
 * Held lines reach the file only at log_flush(), in one piece and in
 * order; the hook runs once per batch; a warning goes at once, after
 * what was held; more than the hold takes is written out, not lost.
 */
static void
test_hold(void **state)
{
	char dir[] = "/tmp/bs-test-log-XXXXXX", path[128], err[256], *p, *q;
	static char buf[256 * 1024];
	int n;

	(void)state;
	log_to_temp_file(dir, path, sizeof(path));
	hold_waits = 0;
	log_hold(hold_waiting, NULL);
	log_info("held one");
	log_info("held two");
	assert_int_equal(hold_waits, 1);
	assert_string_equal(slurp(path, buf, sizeof(buf)), "");
	log_flush();
	slurp(path, buf, sizeof(buf));
	assert_non_null(p = strstr(buf, "test_log: held one\n"));
	assert_non_null(q = strstr(buf, "test_log: held two\n"));
	assert_true(p < q);

	log_info("held three");
	assert_int_equal(hold_waits, 2);
	log_warnx("a warning");
	slurp(path, buf, sizeof(buf));
	assert_non_null(p = strstr(buf, "test_log: held three\n"));
	assert_non_null(q = strstr(buf, "test_log: a warning\n"));
	assert_true(p < q);

	/* 2,000 lines of ~100 bytes: three times what the hold takes. */
	assert_int_equal(truncate(path, 0), 0);
	for (n = 0; n < 2000; n++)
		log_info("line %04d %s", n, "................................"
		    "..................................................");
	log_release();
	slurp(path, buf, sizeof(buf));
	for (n = 0, p = buf; (p = strstr(p, "test_log: line ")) != NULL;
	    p++) {
		char want[16];

		snprintf(want, sizeof(want), "%04d", n);
		assert_memory_equal(p + strlen("test_log: line "), want, 4);
		n++;
	}
	assert_int_equal(n, 2000);
	/* Released: a line goes at once again. */
	log_info("not held");
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "test_log: not held\n"));

	assert_int_equal(log_open("stderr", "daemon", (uid_t)-1, (gid_t)-1,
	    err, sizeof(err)), 0);
	log_set_level(LOG_LEVEL_WARN);
	unlink(path);
	rmdir(dir);
}

static void
test_level_names(void **state)
{
	int level;

	(void)state;
	for (int i = LOG_LEVEL_ERROR; i <= LOG_LEVEL_DEBUG; i++) {
		assert_int_equal(log_level_parse(log_level_name(i), &level), 0);
		assert_int_equal(level, i);
	}
	log_set_level(99);
	assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
	log_set_level(-5);
	assert_int_equal(log_get_level(), LOG_LEVEL_ERROR);
	log_set_level(LOG_LEVEL_WARN);
}

static void
test_config_keys(void **state)
{
	static const struct {
		const char	*section, *key, *value;
		int		 ok;
	} cases[] = {
		{ "log", "target", "syslog", 1 },
		{ "log", "target", "file:/var/log/backscatter.log", 1 },
		{ "log", "target", "file:log.txt", 0 },
		{ "log", "target", "console", 0 },
		{ "log", "facility", "mail", 1 },
		{ "log", "facility", "auth", 0 },
		{ "process", "user", "backscatter", 1 },
		{ "process", "user", "_bs-1.x", 1 },
		{ "process", "user", "bad user", 0 },
		{ "process", "user", "-rf", 0 },
		{ "process", "user", "x;id", 0 },
		{ "process", "group", "nogroup", 1 },
		{ "process", "chroot", "/var/lib/backscatter", 1 },
		{ "process", "chroot", "var/jail", 0 },
	};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_string_equal(cfg.log.target, "stderr");
	assert_string_equal(cfg.log.facility, "daemon");
	assert_string_equal(cfg.process.user, "none");
	assert_string_equal(cfg.process.group, "auto");
	assert_string_equal(cfg.process.chroot, "none");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = config_set(&cfg, cases[i].section, cases[i].key,
		    cases[i].value, err, sizeof(err));

		if (rc != (cases[i].ok ? 0 : -1))
			fail_msg("%s.%s = %s: rc %d (%s)", cases[i].section,
			    cases[i].key, cases[i].value, rc, err);
	}
	config_free(&cfg);
}

static void
note(const char *section, const char *key, void *arg)
{
	char *out = arg;

	strcat(out, section);
	strcat(out, ".");
	strcat(out, key);
	strcat(out, " ");
}

/* What a reload reports: exactly the keys whose values differ. */
static void
test_config_diff(void **state)
{
	struct config a, b;
	char err[512], out[512] = "";

	(void)state;
	assert_int_equal(config_defaults(&a), 0);
	assert_int_equal(config_defaults(&b), 0);
	config_diff(&a, &b, note, out);
	assert_string_equal(out, "");
	assert_int_equal(config_set(&b, "dns", "ttl", "3600", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&b, "log", "level", "debug", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&b, "process", "user", "nobody", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&b, "dns", "zone", "bl.example.org", err,
	    sizeof(err)), 0);	/* the same value: no change */
	config_diff(&a, &b, note, out);
	assert_non_null(strstr(out, "dns.ttl "));
	assert_non_null(strstr(out, "log.level "));
	assert_non_null(strstr(out, "process.user "));
	assert_null(strstr(out, "dns.zone"));
	config_free(&a);
	config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_file_reopen),
		cmocka_unit_test(test_line_pieces),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_diff),
	};

	log_init("test_log", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
