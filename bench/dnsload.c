/* dnsload.c -- batched UDP DNS load generator for loopback benchmarks. */
/*
 * Build:
 *	gcc -O2 -Wall -Wextra -Werror -std=c17 -D_GNU_SOURCE \
 *	    -o dnsload bench/dnsload.c
 *
 * Usage:
 *	dnsload -f QUERIES [-S ADDR] [-p PORT] [-d SECS] [-r QPS] [-w WINDOW]
 *	    [-s SOCKETS] [-b BATCH] [-t TIMEOUT] [-n COUNT] [-c CPU] [-T]
 *
 * Sends the queries of QUERIES ("NAME TYPE" lines, TYPE A or TXT, as
 * dnsperf reads them) round-robin to ADDR:PORT [127.0.0.1:53], in
 * sendmmsg batches of up to BATCH [32], and reads the answers with
 * recvmmsg on the same SOCKETS [1]. It stops sending after -d seconds
 * [10] or -n queries, whichever comes first, then waits at most -t
 * seconds [1] for the answers still due, and prints one "key value" line
 * per figure, then a "#" line for people. -r QPS [0: as fast as the
 * window allows] keeps a schedule; -w WINDOW [100] caps the queries in
 * flight; -c pins to one CPU; -T adds "timeline SECOND SENT ANSWERED
 * LOST MAX_US" lines, by the second each query was sent in.
 *
 * Design:
 * - At most -w queries are in flight, so a slow server shows up as a low
 *   rate and higher latency, not as a queue that grows in our sockets or
 *   its own (a closed loop, like dnsperf -q). With -r the sender also
 *   keeps a schedule of QPS queries a second; give a large window to make
 *   it an open loop, which is what a server sees from many resolvers.
 * - Each socket has 65536 slots, one per DNS ID: the ID is the index of
 *   the slot that holds the send time and the query sent, so matching an
 *   answer costs one array access and no query allocates memory. Freed
 *   IDs queue behind all other free ones, which puts as much time as
 *   possible between two uses of one ID, so a late answer is not taken
 *   for the answer to a newer query.
 * - An answer counts only if it comes from the server (the sockets are
 *   connected), has QR set, an ID that is waiting, and echoes the
 *   question that was sent under that ID. Anything else is counted under
 *   bad_* or late, never as an answer.
 * - A query not answered within the timeout is lost; its slot is freed by
 *   a sweep so the window does not shrink for good.
 * - Latency goes into a log-linear histogram (64 steps per power of two,
 *   at most 1.6 % off), so percentiles cost no memory per query.
 *
 * Traffic goes to loopback only (127.0.0.0/8, ::1): this tool sends as
 * fast as it can, which is fine on this machine and a hazard on a shared
 * network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RFC 1035 4.1.1: the header is 12 octets; ID is its first 16 bits. */
#define DNS_HDR_LEN		12
#define DNS_IDS			65536
/* RFC 1035 2.3.4: labels of 63 octets, names of 255 in wire form. */
#define DNS_LABEL_MAX		63
#define DNS_NAME_MAX		255
#define DNS_TYPE_A		1
#define DNS_TYPE_TXT		16
#define DNS_CLASS_IN		1
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_NXDOMAIN	3

/* Caps on options: enough for any loopback run, small enough to allocate. */
#define DL_SOCKETS_MAX		64
#define DL_BATCH_MAX		256
#define DL_DURATION_MAX		3600.0
#define DL_TIMEOUT_MAX		60.0
#define DL_QUERIES_MAX		50000000
#define DL_LINE_MAX		1024
/*
 * Answers without EDNS are at most 512 octets (RFC 1035 4.2.1); a bigger
 * buffer lets us count a server that sends more instead of truncating.
 */
#define DL_RECV_MAX		4096
/* Socket buffers: room for a full window; the kernel caps them at rmem_max. */
#define DL_SOCKBUF		(4 * 1024 * 1024)
/* Between sweeps for lost queries, at most: a tenth of the timeout. */
#define DL_SWEEP_MAX_NS		100000000ULL
/* Longest sleep while waiting for answers or the next send. */
#define DL_WAIT_MAX_NS		1000000ULL

/* Log-linear histogram: values below 128 ns exact, then 64 per octave. */
#define HIST_SUB_BITS		6
#define HIST_SUB		(1 << HIST_SUB_BITS)
#define HIST_LINEAR		(2 * HIST_SUB)
#define HIST_BUCKETS		(HIST_LINEAR + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

#define NS			1000000000ULL

enum slot_state {
	SLOT_FREE = 0,
	SLOT_WAIT,
};

struct dl_slot {
	uint64_t	 sent;		/* CLOCK_MONOTONIC ns */
	uint32_t	 query;		/* index into dl_queries */
	uint8_t		 state;
};

struct dl_sock {
	int		 fd;
	struct dl_slot	*slot;		/* DNS_IDS of them */
	uint16_t	*freeq;		/* ring of free IDs, DNS_IDS long */
	uint32_t	 fhead;
	uint32_t	 fcount;
};

/* The questions, in wire form (QNAME QTYPE QCLASS), one after another. */
struct dl_queries {
	uint8_t		*buf;
	size_t		 len;
	size_t		 size;
	uint32_t	*off;		/* n + 1 offsets: query i is off[i]..off[i+1] */
	size_t		 n;
	size_t		 alloc;
};

/* Per second of sending, by the second a query was sent in. */
struct dl_second {
	uint64_t	 sent;
	uint64_t	 answered;
	uint64_t	 lost;
	uint64_t	 max_ns;
};

struct dl_stats {
	uint64_t	 sent;
	uint64_t	 answered;
	uint64_t	 answered_in_run;	/* before sending stopped */
	uint64_t	 lost;
	uint64_t	 late;			/* ID not waiting */
	uint64_t	 bad_header;		/* short, QR clear, QDCOUNT != 1 */
	uint64_t	 bad_question;		/* question differs from ours */
	uint64_t	 oversize;		/* more than DL_RECV_MAX */
	uint64_t	 noerror;
	uint64_t	 nxdomain;
	uint64_t	 rcode_other;
	uint64_t	 tc;
	uint64_t	 send_errors;
	uint64_t	 recv_errors;
	uint64_t	 window_full_ns;	/* time with no room to send */
	uint64_t	 sum_ns;
	uint64_t	 max_ns;
	uint64_t	 hist[HIST_BUCKETS];
};

static struct dl_queries	 queries;
static struct dl_sock		 socks[DL_SOCKETS_MAX];
static struct dl_stats		 st;
static struct dl_second		*seconds;
static size_t			 nseconds;
static uint64_t			 t_start;
static uint64_t			 inflight;
static uint64_t			 timeout_ns;

/* Batch buffers, shared by all sockets: one thread, one socket at a time. */
static uint8_t			 send_hdr[DL_BATCH_MAX][DNS_HDR_LEN];
static struct iovec		 send_iov[DL_BATCH_MAX][2];
static struct mmsghdr		 send_msg[DL_BATCH_MAX];
static uint16_t			 send_id[DL_BATCH_MAX];
static uint8_t			 recv_buf[DL_BATCH_MAX][DL_RECV_MAX];
static struct iovec		 recv_iov[DL_BATCH_MAX];
static struct mmsghdr		 recv_msg[DL_BATCH_MAX];

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dnsload -f QUERIES [-S ADDR] [-p PORT] [-d SECS] "
	    "[-r QPS] [-w WINDOW]\n"
	    "\t[-s SOCKETS] [-b BATCH] [-t TIMEOUT] [-n COUNT] [-c CPU] "
	    "[-T]\n");
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* A number in [min, max], the whole string or nothing. 0 ok, -1 not. */
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
		fprintf(stderr, "dnsload: -%c %s: want a number in [%g, %g]\n",
		    opt, s, min, max);
		exit(2);
	}
	return v;
}

/* ---- histogram --------------------------------------------------- */

static unsigned int
hist_index(uint64_t v)
{
	unsigned int e;

	if (v < HIST_LINEAR)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);	/* >= HIST_SUB_BITS + 1 */
	return HIST_LINEAR + (e - HIST_SUB_BITS - 1) * HIST_SUB +
	    (unsigned int)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The middle of bucket i's range, in ns. */
static double
hist_value(unsigned int i)
{
	unsigned int e, sub;
	double lo, width;

	if (i < HIST_LINEAR)
		return i;
	e = (i - HIST_LINEAR) / HIST_SUB + HIST_SUB_BITS + 1;
	sub = (i - HIST_LINEAR) % HIST_SUB;
	width = (double)(1ULL << (e - HIST_SUB_BITS));
	lo = (double)(1ULL << e) + sub * width;
	return lo + width / 2;
}

/* The latency at or below which fraction p of the answers came, in us. */
static double
hist_percentile(double p)
{
	uint64_t want, seen = 0;
	unsigned int i;

	if (st.answered == 0)
		return 0;
	want = (uint64_t)(p * (double)st.answered);
	if ((double)want < p * (double)st.answered)
		want++;
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += st.hist[i];
		if (seen >= want)
			return hist_value(i) / 1000.0;
	}
	return (double)st.max_ns / 1000.0;
}

/* ---- query file -------------------------------------------------- */

static int
queries_push(const uint8_t *q, size_t len)
{
	size_t ns;
	void *p;

	if (queries.n + 1 >= queries.alloc) {
		ns = queries.alloc == 0 ? 4096 : queries.alloc * 2;
		if ((p = realloc(queries.off, ns * sizeof(*queries.off))) ==
		    NULL)
			return -1;
		queries.off = p;
		queries.alloc = ns;
	}
	if (queries.len + len > queries.size) {
		ns = queries.size == 0 ? 1 << 20 : queries.size * 2;
		if ((p = realloc(queries.buf, ns)) == NULL)
			return -1;
		queries.buf = p;
		queries.size = ns;
	}
	/*
	 * Offsets are 32 bits: DL_QUERIES_MAX queries of up to 259 octets
	 * could pass 4 GiB, so check the total instead of trusting the cap.
	 */
	if (queries.len + len > UINT32_MAX)
		return -1;
	memcpy(queries.buf + queries.len, q, len);
	queries.off[queries.n] = (uint32_t)queries.len;
	queries.len += len;
	queries.n++;
	queries.off[queries.n] = (uint32_t)queries.len;
	return 0;
}

/*
 * "NAME TYPE" to QNAME QTYPE QCLASS in out. Letters, digits, '-', '_'
 * and '*' only: what DNSBL and test zones use; anything else is an error
 * in the query file, not something to send. 0 ok, -1 with *err set.
 */
static int
query_encode(char *line, uint8_t *out, size_t *outlen, const char **err)
{
	char *name, *type, *extra, *save, *p;
	size_t o = 0, lab;
	uint16_t qtype;

	name = strtok_r(line, " \t\r\n", &save);
	type = strtok_r(NULL, " \t\r\n", &save);
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (name == NULL || type == NULL || extra != NULL) {
		*err = "want NAME TYPE";
		return -1;
	}
	if (strcasecmp(type, "A") == 0)
		qtype = DNS_TYPE_A;
	else if (strcasecmp(type, "TXT") == 0)
		qtype = DNS_TYPE_TXT;
	else {
		*err = "TYPE is not A or TXT";
		return -1;
	}
	if (strcmp(name, ".") != 0) {
		for (p = name; *p != '\0';) {
			for (lab = 0; p[lab] != '.' && p[lab] != '\0'; lab++) {
				char c = p[lab];

				if (!((c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '-' ||
				    c == '_' || c == '*')) {
					*err = "bad character in NAME";
					return -1;
				}
			}
			if (lab == 0 || lab > DNS_LABEL_MAX) {
				*err = "empty or over-long label";
				return -1;
			}
			/* +1 for the root label that ends every name. */
			if (o + 1 + lab + 1 > DNS_NAME_MAX) {
				*err = "NAME over 255 octets";
				return -1;
			}
			out[o++] = (uint8_t)lab;
			memcpy(out + o, p, lab);
			o += lab;
			p += lab;
			if (*p == '.')
				p++;
		}
	}
	out[o++] = 0;
	out[o++] = (uint8_t)(qtype >> 8);
	out[o++] = (uint8_t)qtype;
	out[o++] = 0;
	out[o++] = DNS_CLASS_IN;
	*outlen = o;
	return 0;
}

static void
queries_load(const char *path)
{
	char line[DL_LINE_MAX];
	uint8_t q[DNS_NAME_MAX + 4];
	const char *err;
	size_t lineno = 0, len, qlen;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "dnsload: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			fprintf(stderr, "dnsload: %s:%zu: line too long\n",
			    path, lineno);
			exit(1);
		}
		if (line[strspn(line, " \t\r\n")] == '\0' ||
		    line[strspn(line, " \t")] == '#')
			continue;
		if (query_encode(line, q, &qlen, &err) == -1) {
			fprintf(stderr, "dnsload: %s:%zu: %s\n", path, lineno,
			    err);
			exit(1);
		}
		if (queries.n >= DL_QUERIES_MAX || queries_push(q, qlen) == -1) {
			fprintf(stderr, "dnsload: %s:%zu: too many queries\n",
			    path, lineno);
			exit(1);
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "dnsload: %s: read error\n", path);
		exit(1);
	}
	fclose(f);
	if (queries.n == 0) {
		fprintf(stderr, "dnsload: %s: no queries\n", path);
		exit(1);
	}
}

/* ---- sockets ----------------------------------------------------- */

/* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
static int
addr_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
	    s6->sin6_addr.s6_addr[12] == 127;
}

static void
sock_bufsize(int fd, int opt, int force)
{
	int v = DL_SOCKBUF;

	/* The FORCE variant passes rmem_max/wmem_max, but needs root. */
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

/*
 * One connected UDP socket per -s. connect() gives each its own
 * ephemeral source port, so a server with SO_REUSEPORT hashes them over
 * its sockets, and makes the kernel drop datagrams from anyone but the
 * server.
 */
static void
sock_open(struct dl_sock *s, const struct sockaddr_storage *srv,
    socklen_t srvlen)
{
	uint32_t i;

	s->fd = socket(srv->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s->fd == -1) {
		perror("dnsload: socket");
		exit(1);
	}
	sock_bufsize(s->fd, SO_RCVBUF, SO_RCVBUFFORCE);
	sock_bufsize(s->fd, SO_SNDBUF, SO_SNDBUFFORCE);
	if (connect(s->fd, (const struct sockaddr *)srv, srvlen) == -1) {
		perror("dnsload: connect");
		exit(1);
	}
	s->slot = calloc(DNS_IDS, sizeof(*s->slot));
	s->freeq = calloc(DNS_IDS, sizeof(*s->freeq));
	if (s->slot == NULL || s->freeq == NULL) {
		perror("dnsload: calloc");
		exit(1);
	}
	for (i = 0; i < DNS_IDS; i++)
		s->freeq[i] = (uint16_t)i;
	s->fhead = 0;
	s->fcount = DNS_IDS;
}

static uint16_t
sock_id_get(struct dl_sock *s)
{
	uint16_t id = s->freeq[s->fhead];

	s->fhead = (s->fhead + 1) % DNS_IDS;
	s->fcount--;
	return id;
}

/* To the back of the queue: the longest wait before it is used again. */
static void
sock_id_put(struct dl_sock *s, uint16_t id)
{
	s->freeq[(s->fhead + s->fcount) % DNS_IDS] = id;
	s->fcount++;
}

static struct dl_second *
second_of(uint64_t sent)
{
	size_t i = (size_t)((sent - t_start) / NS);

	return &seconds[i < nseconds ? i : nseconds - 1];
}

/* ---- send, receive, sweep --------------------------------------- */

/*
 * Up to n queries on s, in one sendmmsg. The send time is taken once,
 * before the call, so a query's latency includes the time the kernel
 * spent on the queries before it in the batch: it errs high, never low.
 * Returns the number sent.
 */
static unsigned int
send_batch(struct dl_sock *s, unsigned int n, size_t *cursor, uint64_t now)
{
	struct dl_slot *sl;
	unsigned int i;
	uint32_t qi;
	int r;

	if (n > s->fcount)
		n = s->fcount;
	for (i = 0; i < n; i++) {
		qi = (uint32_t)*cursor;
		*cursor = (*cursor + 1) % queries.n;
		send_id[i] = sock_id_get(s);
		sl = &s->slot[send_id[i]];
		sl->sent = now;
		sl->query = qi;
		sl->state = SLOT_WAIT;
		/* ID, then RD=0 (we ask an authority), QDCOUNT=1. */
		memset(send_hdr[i], 0, DNS_HDR_LEN);
		send_hdr[i][0] = (uint8_t)(send_id[i] >> 8);
		send_hdr[i][1] = (uint8_t)send_id[i];
		send_hdr[i][5] = 1;
		send_iov[i][0].iov_base = send_hdr[i];
		send_iov[i][0].iov_len = DNS_HDR_LEN;
		send_iov[i][1].iov_base = queries.buf + queries.off[qi];
		send_iov[i][1].iov_len = queries.off[qi + 1] - queries.off[qi];
		memset(&send_msg[i], 0, sizeof(send_msg[i]));
		send_msg[i].msg_hdr.msg_iov = send_iov[i];
		send_msg[i].msg_hdr.msg_iovlen = 2;
	}
	r = n == 0 ? 0 : sendmmsg(s->fd, send_msg, n, MSG_DONTWAIT);
	if (r < 0) {
		/* EAGAIN, ENOBUFS, or ECONNREFUSED left by an ICMP error. */
		st.send_errors++;
		r = 0;
	}
	/* What did not go out was never sent: give the IDs back. */
	for (i = (unsigned int)r; i < n; i++) {
		s->slot[send_id[i]].state = SLOT_FREE;
		sock_id_put(s, send_id[i]);
	}
	second_of(now)->sent += (unsigned int)r;
	st.sent += (unsigned int)r;
	inflight += (unsigned int)r;
	return (unsigned int)r;
}

/* Case-insensitive, as RFC 4343 says names compare; the rest exact. */
static int
question_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;
	uint8_t x, y;

	for (i = 0; i < len; i++) {
		x = a[i];
		y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

static void
answer_one(struct dl_sock *s, const uint8_t *p, size_t len, int trunc,
    uint64_t now, int running)
{
	struct dl_slot *sl;
	struct dl_second *sec;
	const uint8_t *q;
	size_t qlen;
	uint64_t lat;
	uint16_t id;
	unsigned int rcode;

	if (trunc) {
		st.oversize++;
		return;
	}
	/* RFC 1035 4.1.1: QR (0x80 of octet 2) set, OPCODE 0, QDCOUNT 1. */
	if (len < DNS_HDR_LEN || (p[2] & 0x80) == 0 || (p[2] & 0x78) != 0 ||
	    p[4] != 0 || p[5] != 1) {
		st.bad_header++;
		return;
	}
	id = (uint16_t)(p[0] << 8 | p[1]);
	sl = &s->slot[id];
	if (sl->state != SLOT_WAIT) {
		st.late++;
		return;
	}
	q = queries.buf + queries.off[sl->query];
	qlen = queries.off[sl->query + 1] - queries.off[sl->query];
	if (len - DNS_HDR_LEN < qlen ||
	    !question_equal(p + DNS_HDR_LEN, q, qlen)) {
		st.bad_question++;
		return;
	}
	lat = now - sl->sent;
	sec = second_of(sl->sent);
	sec->answered++;
	if (lat > sec->max_ns)
		sec->max_ns = lat;
	sl->state = SLOT_FREE;
	sock_id_put(s, id);
	inflight--;
	st.answered++;
	if (running)
		st.answered_in_run++;
	st.sum_ns += lat;
	if (lat > st.max_ns)
		st.max_ns = lat;
	st.hist[hist_index(lat)]++;
	rcode = p[3] & 0x0f;
	if (rcode == DNS_RCODE_NOERROR)
		st.noerror++;
	else if (rcode == DNS_RCODE_NXDOMAIN)
		st.nxdomain++;
	else
		st.rcode_other++;
	if (p[2] & 0x02)
		st.tc++;
}

/* Reads what s has, without blocking. Returns the datagrams read. */
static unsigned int
recv_all(struct dl_sock *s, int running)
{
	unsigned int total = 0, i;
	uint64_t now;
	int r;

	for (;;) {
		for (i = 0; i < DL_BATCH_MAX; i++) {
			recv_iov[i].iov_base = recv_buf[i];
			recv_iov[i].iov_len = DL_RECV_MAX;
			memset(&recv_msg[i], 0, sizeof(recv_msg[i]));
			recv_msg[i].msg_hdr.msg_iov = &recv_iov[i];
			recv_msg[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(s->fd, recv_msg, DL_BATCH_MAX, MSG_DONTWAIT,
		    NULL);
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				st.recv_errors++;
			return total;
		}
		now = now_ns();
		for (i = 0; i < (unsigned int)r; i++)
			answer_one(s, recv_buf[i], recv_msg[i].msg_len,
			    (recv_msg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0,
			    now, running);
		total += (unsigned int)r;
		if (r < DL_BATCH_MAX)
			return total;
	}
}

/*
 * Frees the slots of queries older than the timeout and counts them
 * lost; now = UINT64_MAX takes every query still waiting. A full pass
 * over the slots, but at most every DL_SWEEP_MAX_NS: cheaper than a
 * list in send order, whose length would grow with rate times timeout.
 */
static void
sweep(int nsock, uint64_t now)
{
	struct dl_slot *sl;
	int k;
	uint32_t id;

	for (k = 0; k < nsock; k++) {
		for (id = 0; id < DNS_IDS; id++) {
			sl = &socks[k].slot[id];
			if (sl->state != SLOT_WAIT || now - sl->sent < timeout_ns)
				continue;
			sl->state = SLOT_FREE;
			sock_id_put(&socks[k], (uint16_t)id);
			second_of(sl->sent)->lost++;
			st.lost++;
			inflight--;
		}
	}
}

/* Sleeps until a socket is readable or wait_ns passed. */
static void
wait_readable(int nsock, uint64_t wait_ns)
{
	struct pollfd pfd[DL_SOCKETS_MAX];
	struct timespec ts;
	int k;

	for (k = 0; k < nsock; k++) {
		pfd[k].fd = socks[k].fd;
		pfd[k].events = POLLIN;
		pfd[k].revents = 0;
	}
	ts.tv_sec = (time_t)(wait_ns / NS);
	ts.tv_nsec = (long)(wait_ns % NS);
	(void)ppoll(pfd, (nfds_t)nsock, &ts, NULL);
}

static void
pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == -1) {
		perror("dnsload: sched_setaffinity");
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage srv;
	struct rusage ru;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&srv;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&srv;
	socklen_t srvlen;
	const char *file = NULL, *addr = "127.0.0.1";
	double duration = 10, rate = 0, timeout = 1;
	uint64_t window = 100, count = 0, t_end, t_drain, last_sweep, now;
	uint64_t sweep_ns, due, room, elapsed_ns, wait_ns, t_stop;
	uint64_t full_since = 0;
	unsigned int batch = 32, n, port = 53;
	int nsock = 1, cpu = -1, timeline = 0, opt, k, cur = 0, running, did;
	size_t cursor = 0, i;
	double elapsed;

	while ((opt = getopt(argc, argv, "f:S:p:d:r:w:s:b:t:n:c:T")) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'S':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)opt_num(opt, optarg, 1, 65535);
			break;
		case 'd':
			duration = opt_num(opt, optarg, 0.001, DL_DURATION_MAX);
			break;
		case 'r':
			rate = opt_num(opt, optarg, 0, 100e6);
			break;
		case 'w':
			window = (uint64_t)opt_num(opt, optarg, 1,
			    (double)DNS_IDS * DL_SOCKETS_MAX);
			break;
		case 's':
			nsock = (int)opt_num(opt, optarg, 1, DL_SOCKETS_MAX);
			break;
		case 'b':
			batch = (unsigned int)opt_num(opt, optarg, 1,
			    DL_BATCH_MAX);
			break;
		case 't':
			timeout = opt_num(opt, optarg, 0.001, DL_TIMEOUT_MAX);
			break;
		case 'n':
			count = (uint64_t)opt_num(opt, optarg, 0, 1e12);
			break;
		case 'c':
			cpu = (int)opt_num(opt, optarg, 0, CPU_SETSIZE - 1);
			break;
		case 'T':
			timeline = 1;
			break;
		default:
			usage();
		}
	}
	if (file == NULL || optind != argc)
		usage();
	if (window > (uint64_t)DNS_IDS * (uint64_t)nsock) {
		fprintf(stderr, "dnsload: -w over 65536 per socket; "
		    "raise -s\n");
		exit(2);
	}

	memset(&srv, 0, sizeof(srv));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		srvlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		srvlen = sizeof(*s6);
	} else {
		fprintf(stderr, "dnsload: -S %s: not an IP address\n", addr);
		exit(2);
	}
	if (!addr_is_loopback(&srv)) {
		fprintf(stderr, "dnsload: -S %s: loopback addresses only\n",
		    addr);
		exit(2);
	}

	if (cpu >= 0)
		pin_cpu(cpu);
	queries_load(file);
	for (k = 0; k < nsock; k++)
		sock_open(&socks[k], &srv, srvlen);
	/* A query sent in the last moment may be lost up to timeout later. */
	nseconds = (size_t)(duration + timeout) + 2;
	if ((seconds = calloc(nseconds, sizeof(*seconds))) == NULL) {
		perror("dnsload: calloc");
		exit(1);
	}

	timeout_ns = (uint64_t)(timeout * NS);
	sweep_ns = timeout_ns / 10 < DL_SWEEP_MAX_NS ? timeout_ns / 10 :
	    DL_SWEEP_MAX_NS;
	t_start = last_sweep = now_ns();
	t_end = t_start + (uint64_t)(duration * NS);
	t_stop = 0;
	t_drain = 0;

	for (;;) {
		now = now_ns();
		running = now < t_end && (count == 0 || st.sent < count);
		if (!running && t_stop == 0) {
			if (full_since != 0)
				st.window_full_ns += now - full_since;
			t_stop = now;
			t_drain = now + timeout_ns;
		}
		if (!running && (inflight == 0 || now >= t_drain))
			break;
		if (now - last_sweep >= sweep_ns) {
			sweep(nsock, now);
			last_sweep = now;
		}
		did = 0;
		wait_ns = DL_WAIT_MAX_NS;
		if (running) {
			room = window > inflight ? window - inflight : 0;
			if (count != 0 && count - st.sent < room)
				room = count - st.sent;
			if (rate > 0) {
				elapsed_ns = now - t_start;
				due = (uint64_t)((double)elapsed_ns * rate /
				    NS) + 1;
				due = due > st.sent ? due - st.sent : 0;
				if (due < room && due < batch) {
					/* Sleep until a batch is due. */
					uint64_t w = (uint64_t)((double)
					    ((room < batch ? room : batch) -
					    due) * NS / rate);

					if (w < wait_ns)
						wait_ns = w;
				}
				if (due < room)
					room = due;
			}
			/*
			 * Time the window held us back: a closed loop's
			 * rate is the server's only while this is small.
			 */
			if (window <= inflight) {
				if (full_since == 0)
					full_since = now;
			} else if (full_since != 0) {
				st.window_full_ns += now - full_since;
				full_since = 0;
			}
			n = room < batch ? (unsigned int)room : batch;
			/* Round-robin, skipping sockets out of free IDs. */
			for (k = 0; n > 0 && k < nsock; k++) {
				struct dl_sock *s = &socks[cur];

				cur = (cur + 1) % nsock;
				if (s->fcount == 0)
					continue;
				did += (int)send_batch(s, n, &cursor, now);
				break;
			}
		}
		for (k = 0; k < nsock; k++)
			did += (int)recv_all(&socks[k], running);
		if (!did)
			wait_readable(nsock, wait_ns);
	}
	sweep(nsock, UINT64_MAX);

	elapsed = (double)(t_stop - t_start) / NS;
	printf("server %s\nport %u\nsockets %d\nwindow %llu\nbatch %u\n"
	    "rate %.0f\nduration_s %.3f\ntimeout_s %.3f\nqueries_in_file %zu\n",
	    addr, port, nsock, (unsigned long long)window, batch, rate,
	    elapsed, timeout, queries.n);
	printf("sent %llu\nanswered %llu\nlost %llu\nlost_pct %.4f\n"
	    "late %llu\nbad_header %llu\nbad_question %llu\noversize %llu\n",
	    (unsigned long long)st.sent, (unsigned long long)st.answered,
	    (unsigned long long)st.lost,
	    st.sent ? 100.0 * (double)st.lost / (double)st.sent : 0.0,
	    (unsigned long long)st.late, (unsigned long long)st.bad_header,
	    (unsigned long long)st.bad_question,
	    (unsigned long long)st.oversize);
	printf("noerror %llu\nnxdomain %llu\nrcode_other %llu\ntc %llu\n"
	    "send_errors %llu\nrecv_errors %llu\nwindow_full_s %.3f\n",
	    (unsigned long long)st.noerror, (unsigned long long)st.nxdomain,
	    (unsigned long long)st.rcode_other, (unsigned long long)st.tc,
	    (unsigned long long)st.send_errors,
	    (unsigned long long)st.recv_errors,
	    (double)st.window_full_ns / NS);
	/* Our own CPU time, so a caller can tell what else used the CPUs. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("cpu_user_s %.3f\ncpu_sys_s %.3f\n",
		    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	printf("qps %.0f\nqps_sent %.0f\n",
	    elapsed > 0 ? (double)st.answered_in_run / elapsed : 0.0,
	    elapsed > 0 ? (double)st.sent / elapsed : 0.0);
	printf("lat_mean_us %.1f\nlat_p50_us %.1f\nlat_p99_us %.1f\n"
	    "lat_p999_us %.1f\nlat_max_us %.1f\n",
	    st.answered ? (double)st.sum_ns / (double)st.answered / 1000.0 :
	    0.0, hist_percentile(0.50), hist_percentile(0.99),
	    hist_percentile(0.999), (double)st.max_ns / 1000.0);
	if (timeline) {
		/* "timeline SECOND SENT ANSWERED LOST MAX_US", by send time. */
		for (i = 0; i < nseconds; i++) {
			if (seconds[i].sent == 0)
				continue;
			printf("timeline %zu %llu %llu %llu %.1f\n", i,
			    (unsigned long long)seconds[i].sent,
			    (unsigned long long)seconds[i].answered,
			    (unsigned long long)seconds[i].lost,
			    (double)seconds[i].max_ns / 1000.0);
		}
	}
	printf("# dnsload: %.1f s, %.0f qps answered, %llu sent, %llu lost "
	    "(%.3f %%), p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
	    "NOERROR %llu NXDOMAIN %llu other %llu TC %llu\n",
	    elapsed, elapsed > 0 ? (double)st.answered_in_run / elapsed : 0.0,
	    (unsigned long long)st.sent, (unsigned long long)st.lost,
	    st.sent ? 100.0 * (double)st.lost / (double)st.sent : 0.0,
	    hist_percentile(0.50), hist_percentile(0.99),
	    hist_percentile(0.999), (unsigned long long)st.noerror,
	    (unsigned long long)st.nxdomain,
	    (unsigned long long)st.rcode_other, (unsigned long long)st.tc);
	for (k = 0; k < nsock; k++) {
		close(socks[k].fd);
		free(socks[k].slot);
		free(socks[k].freeq);
	}
	free(seconds);
	free(queries.buf);
	free(queries.off);
	return 0;
}
