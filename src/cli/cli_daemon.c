/* cli_daemon.c -- what every daemon does around its servers: privileges, signals, reload. */
#define _GNU_SOURCE	/* setresuid(2) and friends */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_daemon.h"
#include "core/log.h"

/*
 * One daemon per process, so the state is one static struct: set up by
 * cli_daemon_begin() in the main thread before any other thread, read
 * by the others only through the calls below.
 */
static struct {
	int		 drop;		/* root with a user: drop at the end */
	uid_t		 uid;
	gid_t		 gid;
	char		 user[64];
	char		 chroot[PATH_MAX];
	int		 have_base;
	struct config	 base;		/* the file as the daemon started */
} daemon_st;

/*
 * The log destination from [log]. A file is given to the user we will
 * become, so that a SIGHUP after logrotate can make a new one.
 */
static int
daemon_log_open(const struct config *cfg)
{
	char err[PATH_MAX + 128];
	uid_t owner = daemon_st.drop ? daemon_st.uid : (uid_t)-1;
	gid_t group = daemon_st.drop ? daemon_st.gid : (gid_t)-1;
	int rc;

	if (strcmp(cfg->log.target, log_target()) == 0 &&
	    strcmp(cfg->log.facility, log_facility()) == 0)
		rc = log_reopen(err, sizeof(err));
	else
		rc = log_open(cfg->log.target, cfg->log.facility, owner,
		    group, err, sizeof(err));
	if (rc == -1)
		log_warnx("%s", err);
	return rc;
}

/* [process] user and group: who to become. 0, or -1 after a message. */
static int
daemon_lookup(struct cli *c)
{
	const struct config *cfg = &c->cfg;
	struct passwd *pw;
	struct group *gr;

	errno = 0;
	if ((pw = getpwnam(cfg->process.user)) == NULL) {
		cli_error(c, "process.user: no user '%s'%s%s", cfg->process.user,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0) {
		cli_error(c, "process.user: '%s' is root; name an unprivileged "
		    "user", cfg->process.user);
		return -1;
	}
	daemon_st.uid = pw->pw_uid;
	daemon_st.gid = pw->pw_gid;
	snprintf(daemon_st.user, sizeof(daemon_st.user), "%s", pw->pw_name);
	if (strcmp(cfg->process.group, "auto") != 0) {
		errno = 0;
		if ((gr = getgrnam(cfg->process.group)) == NULL) {
			cli_error(c, "process.group: no group '%s'",
			    cfg->process.group);
			return -1;
		}
		daemon_st.gid = gr->gr_gid;
	}
	if (daemon_st.gid == 0) {
		cli_error(c, "process.group: the group is root's; name an "
		    "unprivileged group");
		return -1;
	}
	return 0;
}

/* Whether the user we become may create files in, or write to, sb. */
static int
daemon_writable(const struct stat *sb)
{
	if (sb->st_uid == daemon_st.uid)
		return (sb->st_mode & S_IWUSR) != 0;
	if (sb->st_gid == daemon_st.gid)
		return (sb->st_mode & S_IWGRP) != 0;
	return (sb->st_mode & S_IWOTH) != 0;
}

/*
 * Run as root before the servers open the store: its directory and
 * file must belong to the user we become, because SQLite makes the -wal
 * and -shm files in that directory whenever a connection opens after
 * the last one closed (the web's self-test opens connections late).
 * What is missing is made for the user; what exists and is not
 * writable by the user is an error that says so, rather than a store
 * that fails hours later.
 */
static int
daemon_prepare_store(struct cli *c)
{
	char dir[PATH_MAX], *slash;
	const char *path = c->cfg.store.path;
	struct stat sb;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		cli_error(c, "store.path: too long");
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == -1 && errno == ENOENT) {
		if (mkdir(dir, 0750) == -1 ||
		    chown(dir, daemon_st.uid, daemon_st.gid) == -1)
			goto fail_dir;
		log_info("made the store directory %s for user %s", dir,
		    daemon_st.user);
	}
	if (stat(dir, &sb) == -1)
		goto fail_dir;
	if (!daemon_writable(&sb)) {
		cli_error(c, "store directory %s is not writable by user %s "
		    "(process.user), who must create the store's -wal and "
		    "-shm files there: chown it, or use systemd's "
		    "StateDirectory=", dir, daemon_st.user);
		return -1;
	}
	/* An empty file is an empty SQLite database. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1 && errno != EEXIST)
		goto fail_file;
	if (fd != -1 && fchown(fd, daemon_st.uid, daemon_st.gid) == -1) {
		close(fd);
		goto fail_file;
	}
	if (fd != -1)
		close(fd);
	if (stat(path, &sb) == -1)
		goto fail_file;
	if (!daemon_writable(&sb)) {
		cli_error(c, "store %s is not writable by user %s "
		    "(process.user): chown it", path, daemon_st.user);
		return -1;
	}
	return 0;
fail_dir:
	cli_error(c, "store directory %s: %s", dir, strerror(errno));
	return -1;
fail_file:
	cli_error(c, "store %s: %s", path, strerror(errno));
	return -1;
}

/* The configuration file as it is now, with --store applied. */
static int
daemon_load(struct cli *c, struct config *cfg, char *err, size_t errlen)
{
	if (config_defaults(cfg) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((c->config_path != NULL && config_load(cfg, c->config_path, err,
	    errlen) == -1) || (c->store_arg != NULL && config_set(cfg,
	    "store", "path", c->store_arg, err, errlen) == -1)) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
cli_daemon_begin(struct cli *c, int flags)
{
	const struct config *cfg = &c->cfg;
	const char *allow = getenv(CLI_DAEMON_ALLOW_ROOT);
	char err[1200];
	sigset_t set;

	memset(&daemon_st, 0, sizeof(daemon_st));
	if (strcmp(cfg->process.user, "none") != 0) {
		if (daemon_lookup(c) == -1)
			return CLI_ERROR;
		if (geteuid() == 0)
			daemon_st.drop = 1;
		else if (geteuid() != daemon_st.uid)
			log_warnx("process.user %s: not started as root, so "
			    "staying uid %u", daemon_st.user,
			    (unsigned int)geteuid());
	} else if (geteuid() == 0) {
		if (allow == NULL || strcmp(allow, "1") != 0)
			return cli_error(c, "refusing to run as root: set "
			    "[process] user (and group) in the configuration "
			    "to drop privileges once the ports are bound, or "
			    "set %s=1 where root is unprivileged (a container, "
			    "a test rig)", CLI_DAEMON_ALLOW_ROOT);
		log_warnx("running as root: process.user is not set and %s=1",
		    CLI_DAEMON_ALLOW_ROOT);
	}
	if (daemon_log_open(cfg) == -1)
		return cli_error(c, "log.target %s: cannot be opened",
		    cfg->log.target);

	/*
	 * The file as it was read, to tell on SIGHUP what changed. Read
	 * again rather than copied: c->cfg already holds the command
	 * line's overrides.
	 */
	if (c->config_path != NULL &&
	    daemon_load(c, &daemon_st.base, err, sizeof(err)) == 0)
		daemon_st.have_base = 1;
	else if (c->config_path != NULL)
		log_warnx("reload: %s; SIGHUP will not compare keys", err);

	if (strcmp(cfg->process.chroot, "none") != 0) {
		if (chroot(cfg->process.chroot) == -1 || chdir("/") == -1)
			return cli_error(c, "process.chroot %s: %s",
			    cfg->process.chroot, strerror(errno));
		snprintf(daemon_st.chroot, sizeof(daemon_st.chroot), "%s",
		    cfg->process.chroot);
	}
	if ((flags & CLI_DAEMON_STORE) && daemon_st.drop &&
	    daemon_prepare_store(c) == -1)
		return CLI_ERROR;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return CLI_OK;
}

int
cli_daemon_drop(char *err, size_t errlen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[2];

	if (!daemon_st.drop)
		return 0;
	/* Groups first: once the uid is gone, they cannot be changed. */
	if (setgroups(1, &daemon_st.gid) == -1 ||
	    setresgid(daemon_st.gid, daemon_st.gid, daemon_st.gid) == -1 ||
	    setresuid(daemon_st.uid, daemon_st.uid, daemon_st.uid) == -1) {
		snprintf(err, errlen, "dropping privileges to %s: %s",
		    daemon_st.user, strerror(errno));
		return -1;
	}
	/* Trust, but verify: a drop that can be undone is no drop. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != daemon_st.uid || euid != daemon_st.uid ||
	    suid != daemon_st.uid || rgid != daemon_st.gid ||
	    egid != daemon_st.gid || sgid != daemon_st.gid ||
	    getgroups(2, groups) != 1 || groups[0] != daemon_st.gid) {
		snprintf(err, errlen, "dropping privileges to %s did not "
		    "take: root could be regained", daemon_st.user);
		return -1;
	}
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * The kernel made us undumpable, and then LeakSanitizer cannot
	 * inspect our threads at exit. Sanitizer builds are for tests.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	log_info("privileges dropped to user %s (uid %u, gid %u)%s%s",
	    daemon_st.user, (unsigned int)daemon_st.uid,
	    (unsigned int)daemon_st.gid, daemon_st.chroot[0] ? ", chroot " :
	    "", daemon_st.chroot);
	return 0;
}

int
cli_daemon_drop_hook(void *arg, char *err, size_t errlen)
{
	(void)arg;
	return cli_daemon_drop(err, errlen);
}

/* Counts the keys a reload cannot apply and says which. */
static void
daemon_note_change(const char *section, const char *key, void *arg)
{
	int *n = arg;

	if (strcmp(section, "log") == 0)
		return;
	(*n)++;
	log_warnx("reload: %s.%s changed; it takes effect only after a "
	    "restart", section, key);
}

/*
 * SIGHUP. What a running daemon can change safely is the log: its
 * level, its destination, and the file reopened after logrotate moved
 * it. Every other key is built into servers, sockets and threads; a
 * change there is reported, not half applied.
 */
static void
daemon_reload(struct cli *c)
{
	struct config nc;
	char err[1200];
	int n = 0;

	if (c->config_path == NULL) {
		if (log_reopen(err, sizeof(err)) == -1)
			log_warnx("reload: %s", err);
		log_info("reload: no configuration file (-c); log reopened");
		return;
	}
	if (daemon_load(c, &nc, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		if (log_reopen(err, sizeof(err)) == -1)
			log_warnx("reload: %s", err);
		return;
	}
	/* The log first, so that what follows lands in the new one. */
	log_set_level(nc.log.level);
	if (daemon_log_open(&nc) == -1)
		log_warnx("reload: keeping log.target %s", log_target());
	if (daemon_st.have_base)
		config_diff(&daemon_st.base, &nc, daemon_note_change, &n);
	log_info("reload: %s read; log.level %s, log.target %s; %d other "
	    "change%s need%s a restart", c->config_path,
	    log_level_name(log_get_level()), log_target(), n, n == 1 ? "" :
	    "s", n == 1 ? "s" : "");
	config_free(&nc);
}

/* The thread that runs a server's loop, and how it tells it ended. */
struct daemon_runner {
	int		(*run)(void *);
	void		*arg;
	int		 rc;
	pthread_t	 main;
	atomic_int	 done;
};

static void *
daemon_runner_thread(void *p)
{
	struct daemon_runner *r = p;

	r->rc = r->run(r->arg);
	atomic_store(&r->done, 1);
	/* Wakes the sigwait below; SIGTERM is blocked everywhere else. */
	// NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread,cert-pos44-c): SIGTERM is blocked, only sigwait() takes it
	pthread_kill(r->main, SIGTERM);
	return NULL;
}

/*
 * The signals are taken here with sigwait(3), never in a handler: a
 * reload parses a file and logs, which a handler may not do. Every
 * other thread has them blocked since cli_daemon_begin(). Linux gives
 * a signal sent to the process to its main thread first when that
 * thread waits for it, so libmilter's own signal thread does not get
 * them either.
 */
int
cli_daemon_run(struct cli *c, int (*run)(void *), void (*stop)(void *),
    void *arg)
{
	struct daemon_runner r;
	pthread_t tid;
	sigset_t set;
	int sig, stopping = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&r, 0, sizeof(r));
	r.run = run;
	r.arg = arg;
	r.main = pthread_self();
	atomic_init(&r.done, 0);
	if (run != NULL &&
	    pthread_create(&tid, NULL, daemon_runner_thread, &r) != 0) {
		log_warnx("%s: cannot start a thread", c->command);
		return -1;
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (run != NULL && atomic_load(&r.done))
			break;
		if (sig == SIGHUP) {
			daemon_reload(c);
			continue;
		}
		if (!stopping)
			log_info("%s: %s, stopping", c->command,
			    sig == SIGINT ? "SIGINT" : "SIGTERM");
		stopping = 1;
		stop(arg);
		if (run == NULL)
			return 0;
	}
	pthread_join(tid, NULL);
	return r.rc;
}

void
cli_daemon_end(void)
{
	if (daemon_st.have_base)
		config_free(&daemon_st.base);
	daemon_st.have_base = 0;
}
