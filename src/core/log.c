/* log.c -- one line per event: on stderr, to syslog or to a file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

/*
 * A whole line is formatted first and written with one call, so that
 * lines from several processes sharing stderr do not interleave. Longer
 * lines are cut: a log line is for people, not data.
 */
/* "file:" and an absolute path. */
#define LOG_TARGET_MAX		(PATH_MAX + 8)

enum log_kind {
	LOG_KIND_STDERR,
	LOG_KIND_SYSLOG,
	LOG_KIND_FILE,
};

static const char	*log_progname = "backscatter";
/* Read on every call from every thread, changed by a reload. */
static atomic_int	 log_level = LOG_LEVEL_INFO;

/*
 * The destination. Writers hold the mutex while they write, so a switch
 * (SIGHUP, logrotate) never has a line go to a closed or reused fd. No
 * signal handler logs: daemons take their signals with sigwait(3).
 */
static pthread_mutex_t	 log_mu = PTHREAD_MUTEX_INITIALIZER;
static enum log_kind	 log_kind = LOG_KIND_STDERR;
static int		 log_fd = -1;		/* LOG_KIND_FILE */
static char		 log_target_name[LOG_TARGET_MAX] = "stderr";
static char		 log_facility_name[16] = "daemon";
static uid_t		 log_owner = (uid_t)-1;
static gid_t		 log_group = (gid_t)-1;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};
#define LOG_NLEVELS	(sizeof(log_level_names) / sizeof(log_level_names[0]))

/* syslog(3) priorities of our levels. */
static const int log_priorities[] = {
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_WARN] = LOG_WARNING,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

static const struct {
	const char	*name;
	int		 facility;
} log_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "mail", LOG_MAIL }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};
#define LOG_FACILITY_COUNT	(sizeof(log_facilities) / sizeof(log_facilities[0]))

static void	 log_vlog(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/*
 * Lines a thread holds (log_hold): an event loop writes the lines of a
 * round of its sessions in one call rather than one call each. The
 * hook tells the loop, once per batch, that a line waits.
 */
#define LOG_HOLD_MAX		65536

struct log_hold {
	char	 buf[LOG_HOLD_MAX];
	size_t	 len;
	void	(*waiting)(void *);
	void	*arg;
};

static _Thread_local struct log_hold *log_held;

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
	atomic_store(&log_level, level);
}

int
log_get_level(void)
{
	return atomic_load(&log_level);
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

const char *
log_level_name(int level)
{
	if (level < 0 || (size_t)level >= LOG_NLEVELS)
		return "debug";
	return log_level_names[level];
}

int
log_facility_parse(const char *name, int *facility)
{
	for (size_t i = 0; name != NULL && i < LOG_FACILITY_COUNT; i++) {
		if (strcmp(name, log_facilities[i].name) == 0) {
			*facility = log_facilities[i].facility;
			return 0;
		}
	}
	return -1;
}

int
log_target_check(const char *target, char *err, size_t errlen)
{
	const char *path;

	if (strcmp(target, "stderr") == 0 || strcmp(target, "syslog") == 0)
		return 0;
	if (strncmp(target, "file:", 5) != 0) {
		snprintf(err, errlen, "expected stderr, syslog or "
		    "file:/absolute/path");
		return -1;
	}
	path = target + 5;
	/* Relative paths would change meaning with chroot and chdir. */
	if (path[0] != '/' || path[1] == '\0') {
		snprintf(err, errlen, "file: needs an absolute path to a file");
		return -1;
	}
	if (strlen(target) >= LOG_TARGET_MAX) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return 0;
}

/* Opens path for appending, owned by log_owner:log_group if set. */
static int
log_open_file(const char *path, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);
	if (fd == -1) {
		snprintf(err, errlen, "log file %s: %s", path, strerror(errno));
		return -1;
	}
	/* Only root can give a file away; anyone else already owns it. */
	if (log_owner != (uid_t)-1 && geteuid() == 0 &&
	    fchown(fd, log_owner, log_group) == -1) {
		snprintf(err, errlen, "log file %s: chown: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
log_open(const char *target, const char *facility, uid_t owner, gid_t group,
    char *err, size_t errlen)
{
	enum log_kind kind;
	int fac = LOG_DAEMON, fd = -1, old_fd;
	enum log_kind old_kind;

	if (log_target_check(target, err, errlen) == -1)
		return -1;
	if (facility != NULL && log_facility_parse(facility, &fac) == -1) {
		snprintf(err, errlen, "unknown syslog facility '%.32s'",
		    facility);
		return -1;
	}
	log_owner = owner;
	log_group = group;
	if (strcmp(target, "stderr") == 0)
		kind = LOG_KIND_STDERR;
	else if (strcmp(target, "syslog") == 0)
		kind = LOG_KIND_SYSLOG;
	else {
		kind = LOG_KIND_FILE;
		if ((fd = log_open_file(target + 5, err, errlen)) == -1)
			return -1;
	}

	pthread_mutex_lock(&log_mu);
	old_kind = log_kind;
	old_fd = log_fd;
	if (old_kind == LOG_KIND_SYSLOG)
		closelog();
	/*
	 * LOG_NDELAY connects now, while /dev/log is still reachable (a
	 * chroot comes later) and before privileges are dropped.
	 */
	if (kind == LOG_KIND_SYSLOG)
		openlog(log_progname, LOG_PID | LOG_NDELAY, fac);
	log_kind = kind;
	log_fd = fd;
	snprintf(log_target_name, sizeof(log_target_name), "%s", target);
	snprintf(log_facility_name, sizeof(log_facility_name), "%s",
	    facility != NULL ? facility : "daemon");
	pthread_mutex_unlock(&log_mu);
	if (old_fd != -1)
		close(old_fd);
	return 0;
}

const char *
log_target(void)
{
	return log_target_name;
}

const char *
log_facility(void)
{
	return log_facility_name;
}

int
log_reopen(char *err, size_t errlen)
{
	int fd, old_fd;

	pthread_mutex_lock(&log_mu);
	if (log_kind != LOG_KIND_FILE) {
		pthread_mutex_unlock(&log_mu);
		return 0;
	}
	if ((fd = log_open_file(log_target_name + 5, err, errlen)) == -1) {
		pthread_mutex_unlock(&log_mu);
		return -1;
	}
	old_fd = log_fd;
	log_fd = fd;
	pthread_mutex_unlock(&log_mu);
	close(old_fd);
	return 0;
}

/* Writes all of buf, or as much as the fd takes; a log cannot fail. */
static void
log_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Appends s to buf (size bytes) at *off, as much as fits. */
static void
log_append(char *buf, size_t size, size_t *off, const char *s)
{
	size_t len = strlen(s);

	if (len > size - *off)
		len = size - *off;
	memcpy(buf + *off, s, len);
	*off += len;
}

/* Writes bytes of whole lines to a file or stderr; log_mu is held. */
static void
log_write_lines(const char *buf, size_t len)
{
	if (len == 0)
		return;
	if (log_kind == LOG_KIND_FILE)
		log_write_all(log_fd, buf, len);
	else if (log_kind == LOG_KIND_STDERR) {
		fwrite(buf, 1, len, stderr);
		fflush(stderr);
	}
}

void
log_hold(void (*waiting)(void *), void *arg)
{
	struct log_hold *h;

	if (log_held != NULL || (h = malloc(sizeof(*h))) == NULL)
		return;
	h->len = 0;
	h->waiting = waiting;
	h->arg = arg;
	log_held = h;
}

void
log_flush(void)
{
	struct log_hold *h = log_held;

	if (h == NULL || h->len == 0)
		return;
	pthread_mutex_lock(&log_mu);
	log_write_lines(h->buf, h->len);
	pthread_mutex_unlock(&log_mu);
	h->len = 0;
}

void
log_release(void)
{
	log_flush();
	free(log_held);
	log_held = NULL;
}

/*
 * Writes msg (NUL-terminated) to the destination, with the time stamp
 * and name in front where it takes them. A thread that holds its lines
 * keeps those of info and debug; a warning or an error goes out at once,
 * after what the thread held, so that it is never late nor out of order.
 */
static void
log_emit(int level, const char *msg)
{
	char line[LOG_LINE_MAX + 64], stamp[32];
	struct log_hold *h = log_held;
	struct tm tm;
	time_t now;
	size_t off;
	int first;

	stamp[0] = '\0';
	if (h != NULL && level < LOG_LEVEL_INFO)
		log_flush();
	pthread_mutex_lock(&log_mu);
	switch (log_kind) {
	case LOG_KIND_SYSLOG:
		syslog(log_priorities[level], "%s", msg);
		break;
	case LOG_KIND_FILE:
		now = time(NULL);
		if (gmtime_r(&now, &tm) != NULL)
			strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ",
			    &tm);
		/* FALLTHROUGH */
	case LOG_KIND_STDERR:
		/*
		 * Pieces copied, not formatted again: the trap logs a line
		 * per hit, and a second printf pass was a fifth of a line's
		 * cost. Room is kept for the newline when the text is cut.
		 */
		off = 0;
		log_append(line, sizeof(line) - 1, &off, stamp);
		log_append(line, sizeof(line) - 1, &off, log_progname);
		log_append(line, sizeof(line) - 1, &off, ": ");
		log_append(line, sizeof(line) - 1, &off, msg);
		line[off++] = '\n';
		if (h == NULL || level < LOG_LEVEL_INFO) {
			log_write_lines(line, off);
			break;
		}
		if (off > sizeof(h->buf) - h->len) {
			log_write_lines(h->buf, h->len);
			h->len = 0;
		}
		first = h->len == 0;
		memcpy(h->buf + h->len, line, off);
		h->len += off;
		if (first && h->waiting != NULL) {
			pthread_mutex_unlock(&log_mu);
			h->waiting(h->arg);
			return;
		}
		break;
	}
	pthread_mutex_unlock(&log_mu);
}

/*
 * Writes "progname: message[: strerror(errnum)]\n" if level passes the
 * filter; errnum -1 means no errno part. syslog gets the message alone
 * (it adds the name), a file gets a UTC time stamp in front (stderr
 * has none: journald and the terminal add their own). errno is
 * preserved so that a caller can log and then still act on it.
 */
static void
log_vlog(int level, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	size_t off = 0;
	int saved = errno, n;

	if (level > atomic_load(&log_level))
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	off = n < 0 ? 0 : (size_t)n;
	if (off >= sizeof(msg))
		off = sizeof(msg) - 1;
	if (errnum != -1 && off < sizeof(msg) - 1) {
		n = snprintf(msg + off, sizeof(msg) - off, ": %s",
		    strerror(errnum));
		if (n > 0)
			off += (size_t)n;
		if (off >= sizeof(msg))
			off = sizeof(msg) - 1;
	}
	msg[off] = '\0';
	log_emit(level, msg);
	errno = saved;
}

int
log_enabled(int level)
{
	return level <= atomic_load(&log_level);
}

void
log_line_init(struct log_line *l)
{
	l->len = 0;
	l->buf[0] = '\0';
}

/* As much of s[0..n) as fits, the NUL kept. */
void
log_line_mem(struct log_line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len;

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

void
log_line_str(struct log_line *l, const char *s)
{
	log_line_mem(l, s, strlen(s));
}

void
log_line_u64(struct log_line *l, unsigned long long v)
{
	char digits[24];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	log_line_mem(l, digits + i, sizeof(digits) - i);
}

void
log_line_i64(struct log_line *l, long long v)
{
	if (v < 0) {
		log_line_mem(l, "-", 1);
		/* -LLONG_MIN overflows; its magnitude fits unsigned. */
		log_line_u64(l, 0ULL - (unsigned long long)v);
	} else
		log_line_u64(l, (unsigned long long)v);
}

void
log_line_emit(int level, const struct log_line *l)
{
	int saved = errno;

	if (level > atomic_load(&log_level))
		return;
	log_emit(level, l->buf);
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
