/* udp_reply_loop.c -- the machine's UDP ceiling: NXDOMAIN to every query. */
/*
 * Build:
 *	gcc -O2 -Wall -Wextra -Werror -std=c17 -D_GNU_SOURCE -pthread \
 *	    -o udp_reply_loop bench/udp_reply_loop.c
 *
 * Usage:
 *	udp_reply_loop -p PORT [-a ADDR] [-n THREADS] [-c CPUS] [-b BATCH]
 *	    [-t SECS]
 *
 * N threads, each with its own SO_REUSEPORT socket on ADDR:PORT, read
 * queries in recvmmsg batches and send each back at once, in one
 * sendmmsg, as NXDOMAIN: the query itself with QR, AA and RCODE 3 set.
 * Nothing past the 12-octet header is read, so what this answers per
 * second is what the kernel and the load generator allow: the ceiling
 * that a real server's figures should be read against.
 *
 * -c pins thread i to the i-th CPU of a list ("0", "0,1", "0-1"), round-
 * robin. It runs until SIGTERM or SIGINT, or -t seconds, whichever
 * comes first, then prints "key value" lines. Loopback addresses only:
 * it answers anyone who writes to it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RFC 1035 4.1.1: the header; QR 0x80 and AA 0x04 of octet 2, RCODE. */
#define DNS_HDR_LEN		12
#define DNS_FLAG_QR		0x80
#define DNS_FLAG_AA		0x04
#define DNS_FLAG_TC		0x02
#define DNS_RCODE_NXDOMAIN	3

#define RL_THREADS_MAX		64
#define RL_BATCH_MAX		256
#define RL_CPUS_MAX		64
/* A UDP query is at most 512 octets without EDNS, 4096 is ample with. */
#define RL_PKT_MAX		4096
#define RL_SOCKBUF		(4 * 1024 * 1024)
/* How often a thread blocked in recvmmsg looks at the stop flag. */
#define RL_POLL_MS		100
#define RL_SECS_MAX		86400.0

struct rl_thread {
	pthread_t		 tid;
	int			 fd;
	int			 cpu;		/* -1: not pinned */
	uint64_t		 received;
	uint64_t		 replied;
	uint64_t		 dropped;	/* short, or already a response */
	uint64_t		 send_errors;
};

static struct rl_thread	 threads[RL_THREADS_MAX];
static unsigned int	 batch = 64;
static atomic_int	 stop;

static void
usage(void)
{
	fprintf(stderr, "usage: udp_reply_loop -p PORT [-a ADDR] "
	    "[-n THREADS] [-c CPUS] [-b BATCH] [-t SECS]\n");
	exit(2);
}

static int
parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static double
opt_num(int opt, const char *s, double min, double max)
{
	double v;

	if (parse_num(s, min, max, &v) == -1) {
		fprintf(stderr, "udp_reply_loop: -%c %s: want a number in "
		    "[%g, %g]\n", opt, s, min, max);
		exit(2);
	}
	return v;
}

/* "0", "0,1", "0-3,6": at most RL_CPUS_MAX. Returns the count, -1 bad. */
static int
parse_cpus(const char *s, int *cpus)
{
	char buf[256], *tok, *save, *dash;
	double lo, hi;
	int n = 0, c;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(tok, '-')) != NULL)
			*dash++ = '\0';
		if (parse_num(tok, 0, CPU_SETSIZE - 1, &lo) == -1 ||
		    parse_num(dash != NULL ? dash : tok, lo, CPU_SETSIZE - 1,
		    &hi) == -1)
			return -1;
		for (c = (int)lo; c <= (int)hi; c++) {
			if (n == RL_CPUS_MAX)
				return -1;
			cpus[n++] = c;
		}
	}
	return n > 0 ? n : -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sock_bufsize(int fd, int opt, int force)
{
	int v = RL_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

/*
 * One socket per thread on the same address: the kernel spreads clients
 * over them by a hash of the 4-tuple, so no lock and no shared queue.
 */
static int
sock_open(const struct sockaddr_storage *ss, socklen_t len)
{
	struct timeval tv = { 0, RL_POLL_MS * 1000 };
	int fd, one = 1;

	if ((fd = socket(ss->ss_family, SOCK_DGRAM, 0)) == -1) {
		perror("udp_reply_loop: socket");
		exit(1);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ==
	    -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		perror("udp_reply_loop: setsockopt");
		exit(1);
	}
	sock_bufsize(fd, SO_RCVBUF, SO_RCVBUFFORCE);
	sock_bufsize(fd, SO_SNDBUF, SO_SNDBUFFORCE);
	if (bind(fd, (const struct sockaddr *)ss, len) == -1) {
		perror("udp_reply_loop: bind");
		exit(1);
	}
	return fd;
}

/*
 * Read a batch (MSG_WAITFORONE: block for the first, take what else is
 * queued), turn each query into its answer in place, send the batch
 * back. Responses are never answered, so two of these cannot loop.
 */
static void *
reply_thread(void *arg)
{
	struct sockaddr_storage from[RL_BATCH_MAX];
	struct mmsghdr in[RL_BATCH_MAX], out[RL_BATCH_MAX];
	struct iovec iin[RL_BATCH_MAX], iout[RL_BATCH_MAX];
	struct rl_thread *t = arg;
	uint8_t (*buf)[RL_PKT_MAX];
	cpu_set_t set;
	unsigned int i, nout, sent;
	uint8_t *p;
	int r;

	if (t->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		if ((errno = pthread_setaffinity_np(pthread_self(),
		    sizeof(set), &set)) != 0) {
			perror("udp_reply_loop: pthread_setaffinity_np");
			exit(1);
		}
	}
	/*
	 * Allocated by the thread, once pinned: the first touch of a page
	 * places it near that CPU on a NUMA machine.
	 */
	if ((buf = malloc(sizeof(*buf) * batch)) == NULL) {
		perror("udp_reply_loop: malloc");
		exit(1);
	}
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (i = 0; i < batch; i++) {
			iin[i].iov_base = buf[i];
			iin[i].iov_len = RL_PKT_MAX;
			memset(&in[i], 0, sizeof(in[i]));
			in[i].msg_hdr.msg_iov = &iin[i];
			in[i].msg_hdr.msg_iovlen = 1;
			in[i].msg_hdr.msg_name = &from[i];
			in[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		r = recvmmsg(t->fd, in, batch, MSG_WAITFORONE, NULL);
		if (r <= 0)
			continue;	/* timeout or EINTR: look at stop */
		t->received += (unsigned int)r;
		nout = 0;
		for (i = 0; i < (unsigned int)r; i++) {
			p = buf[i];
			if (in[i].msg_len < DNS_HDR_LEN ||
			    (p[2] & DNS_FLAG_QR) ||
			    (in[i].msg_hdr.msg_flags & MSG_TRUNC)) {
				t->dropped++;
				continue;
			}
			/* Keep OPCODE and RD; clear TC; RA, Z, AD, CD 0. */
			p[2] = (uint8_t)((p[2] & ~DNS_FLAG_TC) | DNS_FLAG_QR |
			    DNS_FLAG_AA);
			p[3] = DNS_RCODE_NXDOMAIN;
			iout[nout].iov_base = p;
			iout[nout].iov_len = in[i].msg_len;
			memset(&out[nout], 0, sizeof(out[nout]));
			out[nout].msg_hdr.msg_iov = &iout[nout];
			out[nout].msg_hdr.msg_iovlen = 1;
			out[nout].msg_hdr.msg_name = &from[i];
			out[nout].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
			nout++;
		}
		/* A short send leaves the rest: try it again, once. */
		for (sent = 0; sent < nout;) {
			r = sendmmsg(t->fd, out + sent, nout - sent, 0);
			if (r <= 0) {
				t->send_errors++;
				break;
			}
			sent += (unsigned int)r;
		}
		t->replied += sent;
	}
	free(buf);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct timespec ts;
	socklen_t sslen;
	sigset_t sigs;
	const char *addr = "127.0.0.1";
	double secs = 0, t0, left, elapsed;
	uint64_t rx = 0, tx = 0, drop = 0, serr = 0;
	unsigned int port = 0, nthreads = 1, i;
	int cpus[RL_CPUS_MAX], ncpus = 0, opt, loop;

	while ((opt = getopt(argc, argv, "a:p:n:c:b:t:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)opt_num(opt, optarg, 1, 65535);
			break;
		case 'n':
			nthreads = (unsigned int)opt_num(opt, optarg, 1,
			    RL_THREADS_MAX);
			break;
		case 'c':
			if ((ncpus = parse_cpus(optarg, cpus)) == -1) {
				fprintf(stderr, "udp_reply_loop: -c %s: want "
				    "a CPU list like 0 or 0,1 or 0-3\n",
				    optarg);
				exit(2);
			}
			break;
		case 'b':
			batch = (unsigned int)opt_num(opt, optarg, 1,
			    RL_BATCH_MAX);
			break;
		case 't':
			secs = opt_num(opt, optarg, 0.001, RL_SECS_MAX);
			break;
		default:
			usage();
		}
	}
	if (port == 0 || optind != argc)
		usage();

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sslen = sizeof(*s4);
		loop = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*s6);
		loop = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		fprintf(stderr, "udp_reply_loop: -a %s: not an IP address\n",
		    addr);
		exit(2);
	}
	if (!loop) {
		fprintf(stderr, "udp_reply_loop: -a %s: loopback addresses "
		    "only\n", addr);
		exit(2);
	}

	/*
	 * Block the signals in every thread and take them here with
	 * sigtimedwait: no handler, and the deadline is the same wait.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)) != 0) {
		perror("udp_reply_loop: pthread_sigmask");
		exit(1);
	}
	/* Every socket is bound before any thread runs: ready means ready. */
	for (i = 0; i < nthreads; i++) {
		threads[i].fd = sock_open(&ss, sslen);
		threads[i].cpu = ncpus > 0 ? cpus[i % (unsigned int)ncpus] : -1;
	}
	t0 = now_s();
	for (i = 0; i < nthreads; i++) {
		if ((errno = pthread_create(&threads[i].tid, NULL,
		    reply_thread, &threads[i])) != 0) {
			perror("udp_reply_loop: pthread_create");
			exit(1);
		}
	}
	fprintf(stderr, "udp_reply_loop: %u thread(s) on %s port %u\n",
	    nthreads, addr, port);

	for (;;) {
		left = secs > 0 ? secs - (now_s() - t0) : 3600;
		if (left <= 0)
			break;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (sigtimedwait(&sigs, NULL, &ts) > 0)
			break;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].tid, NULL);
		close(threads[i].fd);
		rx += threads[i].received;
		tx += threads[i].replied;
		drop += threads[i].dropped;
		serr += threads[i].send_errors;
	}
	elapsed = now_s() - t0;
	printf("threads %u\nelapsed_s %.3f\nreceived %llu\nreplied %llu\n"
	    "dropped %llu\nsend_errors %llu\n", nthreads, elapsed,
	    (unsigned long long)rx, (unsigned long long)tx,
	    (unsigned long long)drop, (unsigned long long)serr);
	for (i = 0; i < nthreads; i++)
		printf("thread%u_replied %llu\n", i,
		    (unsigned long long)threads[i].replied);
	printf("# udp_reply_loop: %u thread(s), %.1f s, %llu replies\n",
	    nthreads, elapsed, (unsigned long long)tx);
	return 0;
}
