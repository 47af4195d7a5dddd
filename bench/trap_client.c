/* trap_client.c -- SMTP load for bench/trap.sh: idle sessions, callouts. */
/*
 * Two modes, both on loopback, both bounded:
 *
 *   trap_client idle -n N [-s SRC,...] [-t SECS] HOST PORT
 *	Opens N sessions, spread round-robin over the source addresses
 *	(any 127/8 address works: it gets past per-address limits and the
 *	ephemeral port range), reads each greeting, prints "open N" and
 *	holds them until stdin reaches EOF or SECS pass (default 120).
 *
 *   trap_client callout -c CONC -m TOTAL [-s SRC,...] [-r RCPT] HOST PORT
 *	TOTAL sessions, CONC at a time, each the dialogue a sender callout
 *	has (Exim's: EHLO, MAIL FROM:<>, RCPT TO, QUIT), one command per
 *	round trip as a verifier sends them. A session counts as
 *	acknowledged when RCPT got 2xx and QUIT got 221: a trap commits the
 *	hit before it says 221. Prints "key value" lines: sessions, acked,
 *	failed, elapsed_s, sessions_per_s.
 *
 * Exit 0, or 1 on a usage or setup error. Not part of the daemon: a
 * benchmark tool, so it keeps everything simple (one epoll loop, fixed
 * buffers, a peer that misbehaves fails its session).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TC_SOURCES_MAX	64
#define TC_REPLY_MAX	2048	/* reply bytes buffered per session */
#define TC_EVENTS	256
#define TC_TIMEOUT_MS	30000	/* no progress this long: give up */

struct tc_sess {
	int	 fd;
	int	 step;		/* replies read so far */
	int	 ok;		/* RCPT was accepted */
	size_t	 len;
	char	 buf[TC_REPLY_MAX];
};

static struct in_addr	tc_src[TC_SOURCES_MAX];
static size_t		tc_nsrc;
static struct sockaddr_in tc_dst;
static const char	*tc_rcpt = "victim@trap.test";

static void
tc_die(const char *what)
{
	perror(what);
	exit(1);
}

static double
tc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
tc_sources(const char *list)
{
	char buf[4096], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (tc_nsrc == TC_SOURCES_MAX ||
		    inet_pton(AF_INET, tok, &tc_src[tc_nsrc]) != 1) {
			fprintf(stderr, "bad source list: %s\n", list);
			exit(1);
		}
		tc_nsrc++;
	}
}

/* A socket bound to the i-th source, connecting (non-blocking) to dst. */
static int
tc_connect(size_t i, int nonblock)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (tc_nsrc > 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = tc_src[i % tc_nsrc];
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&tc_dst, sizeof(tc_dst)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one whole reply line (blocking, with a timeout); 0 or -1. */
static int
tc_read_greeting(int fd, char *code)
{
	char buf[512];
	size_t len = 0;
	ssize_t n;
	struct pollfd p = { fd, POLLIN, 0 };

	while (memchr(buf, '\n', len) == NULL) {
		if (len == sizeof(buf) || poll(&p, 1, TC_TIMEOUT_MS) != 1)
			return -1;
		if ((n = read(fd, buf + len, sizeof(buf) - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
	memcpy(code, buf, 3);
	return len >= 3 ? 0 : -1;
}

static int
tc_idle(int argc, char **argv)
{
	long n = 0, secs = 120, i, open = 0;
	int *fds, ch;
	char code[4] = "";
	struct pollfd p = { 0, POLLIN, 0 };

	while ((ch = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 's':
			tc_sources(optarg);
			break;
		case 't':
			secs = strtol(optarg, NULL, 10);
			break;
		default:
			return 1;
		}
	}
	if (n <= 0 || argc - optind != 2)
		return 1;
	tc_dst.sin_family = AF_INET;
	tc_dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &tc_dst.sin_addr) != 1)
		return 1;
	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		tc_die("calloc");
	for (i = 0; i < n; i++) {
		if ((fds[i] = tc_connect((size_t)i, 0)) == -1)
			tc_die("connect");
		if (tc_read_greeting(fds[i], code) == -1 ||
		    memcmp(code, "220", 3) != 0) {
			fprintf(stderr, "session %ld: no 220 (got '%.3s')\n",
			    i, code);
			break;
		}
		open++;
	}
	printf("open %ld\n", open);
	fflush(stdout);
	/* Hold until stdin closes or the time is up. */
	(void)poll(&p, 1, (int)(secs * 1000));
	for (i = 0; i < open; i++)
		close(fds[i]);
	free(fds);
	return open == n ? 0 : 1;
}

static const char *tc_cmds[] = {
	"EHLO bench.callout.test\r\n",
	"MAIL FROM:<>\r\n",
	NULL,			/* RCPT: built from tc_rcpt */
	"QUIT\r\n",
};

static int
tc_send_step(struct tc_sess *s)
{
	char buf[512];
	const char *cmd = tc_cmds[s->step - 1];
	int n;

	if (cmd == NULL) {
		n = snprintf(buf, sizeof(buf), "RCPT TO:<%s>\r\n", tc_rcpt);
		cmd = buf;
	} else
		n = (int)strlen(cmd);
	return write(s->fd, cmd, (size_t)n) == n ? 0 : -1;
}

/*
 * Takes the replies in s->buf. Returns 1 when the session is done
 * (acknowledged or not), 0 to go on, -1 on a failure.
 */
static int
tc_progress(struct tc_sess *s)
{
	char *nl, *line;
	int code;

	while ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
		line = s->buf;
		if (nl - line < 3)
			return -1;
		/* A continuation line ("250-...") is not the end. */
		if (nl - line > 3 && line[3] == '-') {
			s->len -= (size_t)(nl + 1 - line);
			memmove(s->buf, nl + 1, s->len);
			continue;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		s->len -= (size_t)(nl + 1 - line);
		memmove(s->buf, nl + 1, s->len);
		/* step: 0 greeting, 1 EHLO, 2 MAIL, 3 RCPT, 4 QUIT. */
		if (s->step == 3)
			s->ok = code / 100 == 2;
		if (s->step == 4)
			return code == 221 ? 1 : -1;
		if (code / 100 != 2)
			return -1;
		s->step++;
		if (tc_send_step(s) == -1)
			return -1;
	}
	return 0;
}

static int
tc_callout(int argc, char **argv)
{
	long conc = 100, total = 1000, started = 0, done = 0, acked = 0;
	long failed = 0, active = 0, i;
	struct tc_sess *ss;
	struct epoll_event ev, evs[TC_EVENTS];
	double t0, t1;
	int ep, ch, n, rc;
	ssize_t r;

	while ((ch = getopt(argc, argv, "c:m:s:r:")) != -1) {
		switch (ch) {
		case 'c':
			conc = strtol(optarg, NULL, 10);
			break;
		case 'm':
			total = strtol(optarg, NULL, 10);
			break;
		case 's':
			tc_sources(optarg);
			break;
		case 'r':
			tc_rcpt = optarg;
			break;
		default:
			return 1;
		}
	}
	if (conc <= 0 || total <= 0 || argc - optind != 2)
		return 1;
	tc_dst.sin_family = AF_INET;
	tc_dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &tc_dst.sin_addr) != 1)
		return 1;
	if ((ss = calloc((size_t)conc, sizeof(*ss))) == NULL)
		tc_die("calloc");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		tc_die("epoll_create1");
	t0 = tc_now();
	for (i = 0; i < conc; i++)
		ss[i].fd = -1;
	while (done < total) {
		/* Keep conc sessions going. */
		for (i = 0; i < conc && started < total; i++) {
			if (ss[i].fd != -1)
				continue;
			memset(&ss[i], 0, sizeof(ss[i]));
			if ((ss[i].fd = tc_connect((size_t)started, 1)) == -1)
				tc_die("connect");
			ev.events = EPOLLIN;
			ev.data.u64 = (uint64_t)i;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, ss[i].fd, &ev) == -1)
				tc_die("epoll_ctl");
			started++;
			active++;
		}
		if (active == 0)
			break;
		n = epoll_wait(ep, evs, TC_EVENTS, TC_TIMEOUT_MS);
		if (n == 0) {
			fprintf(stderr, "no progress in %d ms\n",
			    TC_TIMEOUT_MS);
			break;
		}
		for (int k = 0; k < n; k++) {
			struct tc_sess *s = &ss[evs[k].data.u64];

			r = read(s->fd, s->buf + s->len,
			    sizeof(s->buf) - s->len);
			if (r == -1 && errno == EAGAIN)
				continue;
			if (r <= 0)
				rc = -1;
			else {
				s->len += (size_t)r;
				rc = tc_progress(s);
				if (rc == 0 && s->len == sizeof(s->buf))
					rc = -1;
			}
			if (rc == 0)
				continue;
			if (rc == 1 && s->ok)
				acked++;
			else
				failed++;
			close(s->fd);
			s->fd = -1;
			active--;
			done++;
		}
	}
	t1 = tc_now();
	printf("sessions %ld\nacked %ld\nfailed %ld\nelapsed_s %.3f\n"
	    "sessions_per_s %.0f\n", done, acked, failed, t1 - t0,
	    (double)done / (t1 - t0));
	free(ss);
	close(ep);
	return done == total ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "idle") == 0)
		return tc_idle(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "callout") == 0)
		return tc_callout(argc - 1, argv + 1);
	fprintf(stderr, "usage: trap_client idle -n N [-s SRC,...] "
	    "[-t SECS] HOST PORT\n"
	    "       trap_client callout -c CONC -m TOTAL [-s SRC,...] "
	    "[-r RCPT] HOST PORT\n");
	return 1;
}
