/* log.h -- one line per event on stderr (later: syslog). */
#ifndef BACKSCATTER_LOG_H
#define BACKSCATTER_LOG_H

#define LOG_LEVEL_ERROR	0
#define LOG_LEVEL_WARN	1
#define LOG_LEVEL_INFO	2
#define LOG_LEVEL_DEBUG	3

void	 log_init(const char *progname, int level);
void	 log_set_level(int level);
/* Parses "error", "warn", "info", "debug". 0 ok, -1 unknown. */
int	 log_level_parse(const char *s, int *level);

/* log_warn and fatal append ": strerror(errno)". */
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up and impossible states only: never for anything a peer sends. */
void	 fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
