/* log.h -- one line per event: on stderr, to syslog or to a file. */
#ifndef BACKSCATTER_LOG_H
#define BACKSCATTER_LOG_H

#include <stddef.h>
#include <sys/types.h>

#define LOG_LEVEL_ERROR	0
#define LOG_LEVEL_WARN	1
#define LOG_LEVEL_INFO	2
#define LOG_LEVEL_DEBUG	3

void	 log_init(const char *progname, int level);
/* Safe from any thread at any time: daemons change it on SIGHUP. */
void	 log_set_level(int level);
int	 log_get_level(void);
/* Parses "error", "warn", "info", "debug". 0 ok, -1 unknown. */
int	 log_level_parse(const char *s, int *level);
/* The name of a LOG_LEVEL_*, "debug" for anything out of range. */
const char *log_level_name(int level);

/*
 * Destinations ([log] target): "stderr" (the default), "syslog", or
 * "file:/absolute/path". log_target_check only checks the syntax;
 * log_facility_parse maps "daemon", "mail", "user", "local0".."local7"
 * to syslog(3)'s LOG_*. Both 0 ok, -1 (err says why).
 */
int	 log_target_check(const char *target, char *err, size_t errlen);
int	 log_facility_parse(const char *name, int *facility);

/*
 * Sends the lines to target from now on. The new destination is opened
 * first and the old one kept if that fails (-1, err says why). A file
 * is opened for appending, made mode 0640 when created, and given to
 * owner:group when those are not -1 (the user a daemon will drop to, so
 * that it can reopen the file later). Thread-safe.
 */
int	 log_open(const char *target, const char *facility, uid_t owner,
	    gid_t group, char *err, size_t errlen);
/* The target log_open last set, "stderr" before. */
const char *log_target(void);
const char *log_facility(void);
/*
 * Reopens a log file by its name (after logrotate moved it away); no-op
 * for stderr and syslog. On failure the old file stays in use and -1 is
 * returned with err.
 */
int	 log_reopen(char *err, size_t errlen);

/*
 * The calling thread keeps its info and debug lines from now on and
 * writes them in one call at log_flush(); warnings and errors still go
 * at once, after the held lines. waiting(arg) runs when a line is kept
 * and none was before: the loop schedules its flush there. Lines to
 * syslog are never held. log_release() flushes and stops holding. For
 * an event loop that logs a line or two per session and per round.
 */
void	 log_hold(void (*waiting)(void *), void *arg);
void	 log_flush(void);
void	 log_release(void);

/* log_warn and fatal append ": strerror(errno)". */
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A line put together piece by piece, for the lines logged for every hit
 * and every session: printf's reading of a long format with a dozen
 * conversions was most of what such a line cost. The pieces are cut at
 * LOG_LINE_MAX as a formatted line would be; log_line_emit() writes it
 * as log_info() and friends do.
 */
#define LOG_LINE_MAX		4096

struct log_line {
	size_t	 len;
	char	 buf[LOG_LINE_MAX];
};

/* 1 if a line of this level would be written: build it only then. */
int	 log_enabled(int level);
void	 log_line_init(struct log_line *);
void	 log_line_mem(struct log_line *, const char *, size_t);
void	 log_line_str(struct log_line *, const char *);
void	 log_line_u64(struct log_line *, unsigned long long);
void	 log_line_i64(struct log_line *, long long);
void	 log_line_emit(int level, const struct log_line *);

/* For start-up and impossible states only: never for anything a peer sends. */
void	 fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
