/* policy_load.c -- load generator for a Postfix policy service: requests/s. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage: policy_load PORT THREADS SECONDS MODE
 * MODE: "warm" cycles over 256 client addresses per thread (after one
 * pass they are all cached), "miss" gives every request a new address
 * (a DNS lookup each), "other" sends a normal sender (no lookup at all).
 * Each thread holds one connection and waits for each answer before the
 * next request, as one Postfix smtpd process does. Prints the total
 * requests per second and how many answers were rejections.
 */
#define LOAD_REQ_MAX	2048
#define LOAD_REPLY_MAX	4096

static int		 port, seconds;
static const char	*mode;

struct load_thread {
	pthread_t	 tid;
	int		 id;
	uint64_t	 done;
	uint64_t	 rejects;
	int		 failed;
};

static double
load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal 1..max, or -1. */
static int
load_number(const char *s, long max)
{
	char *end;
	long n;

	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n < 1 || n > max)
		return -1;
	return (int)n;
}

static void *
load_run(void *arg)
{
	struct load_thread *t = arg;
	struct sockaddr_in sin;
	char req[LOAD_REQ_MAX], reply[LOAD_REPLY_MAX];
	double end;
	uint32_t n = 0;
	size_t got;
	ssize_t r;
	int fd, one = 1, len;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		t->failed = 1;
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		t->failed = 1;
		close(fd);
		return NULL;
	}
	end = load_now() + seconds;
	while (load_now() < end) {
		uint32_t a;

		if (strcmp(mode, "miss") == 0)
			a = (10u << 24) | ((uint32_t)t->id << 18) |
			    (n & 0x3ffff);
		else
			a = (10u << 24) | ((uint32_t)t->id << 18) | (n & 0xff);
		n++;
		len = snprintf(req, sizeof(req),
		    "request=smtpd_access_policy\nprotocol_state=RCPT\n"
		    "protocol_name=ESMTP\nclient_address=%u.%u.%u.%u\n"
		    "client_name=unknown\nreverse_client_name=unknown\n"
		    "helo_name=mx.example.net\nsender=%s\n"
		    "recipient=postmaster@example.org\nrecipient_count=0\n"
		    "queue_id=\ninstance=1a2b.5f0c3d1e.8e6f.%u\nsize=0\n"
		    "etrn_domain=\nstress=\nsasl_method=\nsasl_username=\n"
		    "sasl_sender=\nccert_subject=\nccert_issuer=\n"
		    "ccert_fingerprint=\nccert_pubkey_fingerprint=\n"
		    "encryption_protocol=\nencryption_cipher=\n"
		    "encryption_keysize=0\npolicy_context=\n"
		    "server_address=127.0.0.1\nserver_port=25\n\n",
		    a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
		    strcmp(mode, "other") == 0 ? "someone@example.net" : "",
		    n);
		if (write(fd, req, (size_t)len) != len) {
			t->failed = 1;
			break;
		}
		got = 0;
		for (;;) {
			r = read(fd, reply + got, sizeof(reply) - 1 - got);
			if (r <= 0) {
				t->failed = 1;
				goto out;
			}
			got += (size_t)r;
			reply[got] = '\0';
			if (got >= 2 && strcmp(reply + got - 2, "\n\n") == 0)
				break;
			if (got == sizeof(reply) - 1) {
				t->failed = 1;
				goto out;
			}
		}
		if (strncmp(reply, "action=5", 8) == 0)
			t->rejects++;
		t->done++;
	}
out:
	close(fd);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct load_thread *t;
	uint64_t done = 0, rejects = 0;
	double start, el;
	int nthreads, failed = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: policy_load PORT THREADS SECONDS "
		    "warm|miss|other\n");
		return 2;
	}
	port = load_number(argv[1], 65535);
	nthreads = load_number(argv[2], 64);
	seconds = load_number(argv[3], 3600);
	mode = argv[4];
	if (port <= 0 || nthreads <= 0 || seconds <= 0)
		return 2;
	if ((t = calloc((size_t)nthreads, sizeof(*t))) == NULL)
		return 1;
	start = load_now();
	for (int i = 0; i < nthreads; i++) {
		t[i].id = i;
		pthread_create(&t[i].tid, NULL, load_run, &t[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		done += t[i].done;
		rejects += t[i].rejects;
		failed += t[i].failed;
	}
	el = load_now() - start;
	printf("%.0f req/s (%llu requests in %.1f s, %llu rejected, %d "
	    "connections failed)\n", (double)done / el,
	    (unsigned long long)done, el, (unsigned long long)rejects, failed);
	free(t);
	return failed ? 1 : 0;
}
