/* cli_daemon.h -- what every daemon does around its servers: privileges, signals, reload. */
#ifndef BACKSCATTER_CLI_DAEMON_H
#define BACKSCATTER_CLI_DAEMON_H

#include <stddef.h>

struct cli;

/* The environment variable that lets a daemon keep running as root. */
#define CLI_DAEMON_ALLOW_ROOT	"BACKSCATTER_ALLOW_ROOT"

/* cli_daemon_begin flags. */
#define CLI_DAEMON_STORE	0x01	/* the daemon writes the store */

/*
 * Call before any server is made, in the main thread, before any other
 * thread exists. Sends the log to [log] target; refuses to go on as
 * root without [process] user unless BACKSCATTER_ALLOW_ROOT=1; looks
 * the user and group up; enters [process] chroot; with CLI_DAEMON_STORE
 * makes the store's directory and file the user's (SQLite creates its
 * -wal and -shm files there later, as that user); and blocks SIGTERM,
 * SIGINT and SIGHUP, so that every thread made from here on has them
 * blocked and only cli_daemon_run() takes them. CLI_OK, or CLI_ERROR
 * after a message.
 */
int	 cli_daemon_begin(struct cli *, int flags);

/*
 * Becomes [process] user and group for good (setgroups, setresgid,
 * setresuid) and checks that root cannot be regained. Call once the
 * servers have bound their sockets and opened their files, before they
 * start threads where the server allows it (glibc applies the change to
 * every thread anyway). A no-op when not started as root. 0, or -1 with
 * err; the daemon must then exit.
 */
int	 cli_daemon_drop(char *err, size_t errlen);

/*
 * Runs run(arg) in a thread (or nothing when run is NULL: the servers
 * have threads of their own) and takes the signals in the calling
 * thread: SIGTERM and SIGINT call stop(arg), SIGHUP re-reads the
 * configuration (the log level and destination change at once, other
 * changed keys are logged as needing a restart, a file that fails to
 * parse is logged and the running configuration kept) and reopens a
 * log file. Returns run's result once it returned, or 0 after the first
 * stop when run is NULL.
 */
int	 cli_daemon_run(struct cli *, int (*run)(void *), void (*stop)(void *),
	    void *arg);

/* Releases what cli_daemon_begin kept (the configuration as loaded). */
void	 cli_daemon_end(void);

/* For the DNS server's start-up hook: cli_daemon_drop(). */
int	 cli_daemon_drop_hook(void *arg, char *err, size_t errlen);

#endif
