/* log.c -- one line per event on stderr (later: syslog). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/*
 * A whole line is formatted first and written with one call, so that
 * lines from several processes sharing stderr do not interleave. Longer
 * lines are cut: a log line is for people, not data.
 */
#define LOG_LINE_MAX		4096

static const char	*log_progname = "backscatter";
static int		 log_level = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};
#define LOG_NLEVELS	(sizeof(log_level_names) / sizeof(log_level_names[0]))

static void	 log_vlog(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/* The name is borrowed, not copied: callers pass argv[0] or a literal. */
void
log_init(const char *progname, int level)
{
	log_progname = progname != NULL ? progname : "backscatter";
	log_set_level(level);
}

/* Out-of-range levels are clamped: a caller bug must not hide errors. */
void
log_set_level(int level)
{
	if (level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_level = level;
}

int
log_level_parse(const char *s, int *level)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < LOG_NLEVELS; i++) {
		if (strcmp(s, log_level_names[i]) == 0) {
			*level = (int)i;
			return 0;
		}
	}
	return -1;
}

/*
 * Writes "progname: message[: strerror(errnum)]\n" if level passes the
 * filter; errnum -1 means no errno part. errno is preserved so that a
 * caller can log and then still act on it.
 */
static void
log_vlog(int level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t off;
	int saved = errno, n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "%s: ", log_progname);
	off = n < 0 ? 0 : (size_t)n;
	if (off < sizeof(line)) {
		n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
		if (n > 0)
			off += (size_t)n;
	}
	if (errnum != -1 && off < sizeof(line)) {
		n = snprintf(line + off, sizeof(line) - off, ": %s",
		    strerror(errnum));
		if (n > 0)
			off += (size_t)n;
	}
	/* Keep room for the newline even when the message was cut. */
	if (off > sizeof(line) - 2)
		off = sizeof(line) - 2;
	line[off++] = '\n';
	fwrite(line, 1, off, stderr);
	fflush(stderr);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, errnum, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, -1, fmt, ap);
	va_end(ap);
}

/* Errors are never filtered out: level ERROR is the lowest there is. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
