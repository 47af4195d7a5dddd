/* web_selftest.c -- /selftest: probe a mail server from the web. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>
#include <openssl/rand.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/special.h"
#include "web/web_guide.h"
#include "web/web_html.h"
#include "web/web_internal.h"
#include "web/web_selftest.h"

/* RFC 1035 2.3.4: labels are at most 63 octets. */
#define WEB_SELFTEST_LABEL_MAX	63
/* MX hosts and addresses looked at for a domain target. */
#define WEB_SELFTEST_MX_MAX	4
#define WEB_SELFTEST_ADDRS_MAX	8
#define WEB_SELFTEST_STAGE_MAX	256

enum web_selftest_state {
	WEB_SELFTEST_FREE,
	WEB_SELFTEST_RUNNING,
	WEB_SELFTEST_DONE,
};

struct web_selftest_slot {
	enum web_selftest_state	 state;
	char			 id[WEB_SELFTEST_ID_LEN + 1];
	char			 target[PROBE_HOSTPORT_MAX];
	char			 stage[WEB_SELFTEST_STAGE_MAX];
	int64_t			 started, finished;	/* wall clock, s */
	struct probe_result	*res;			/* DONE: owned */
	char			 refused[256];		/* DONE, no probe */
};

struct web_selftest_seen {
	char			 key[PROBE_HOSTPORT_MAX];
	int64_t			 at;			/* monotonic ms */
};

/*
 * Shared by the event loop and the probe threads: everything below mu
 * is read and written with mu held, except cfg and store, which never
 * change after web_selftest_new(), and rl, which only the event loop
 * uses.
 */
struct web_selftest {
	pthread_mutex_t		 mu;
	int			 refs;
	size_t			 running;
	struct web_selftest_config cfg;
	char			 store_path[PATH_MAX];
	struct store_config	 store;
	struct web_ratelimit	*rl;
	struct web_selftest_slot slots[WEB_SELFTEST_SLOTS];
	struct web_selftest_seen seen[WEB_SELFTEST_TARGETS_MAX];
};

/* One probe thread's own data; freed by the thread. */
struct web_selftest_job {
	struct web_selftest		*st;
	size_t				 slot;
	char				 id[WEB_SELFTEST_ID_LEN + 1];
	struct web_selftest_target	 t;
	struct probe_config		 pc;
};

/* A name of letters, digits, '-' and '.', with a dot; lowers it. */
static int
web_selftest_name_ok(char *h)
{
	size_t label = 0, dots = 0;

	for (char *p = h; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 'A' && c <= 'Z')
			*p = (char)(c + ('a' - 'A'));
		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return -1;
			label = 0;
			dots++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return -1;
		if ((label == 0 && c == '-') ||
		    ++label > WEB_SELFTEST_LABEL_MAX)
			return -1;
	}
	/* A trailing dot (FQDN) is fine; a single label is not a domain. */
	if (label == 0 && dots > 0) {
		h[strlen(h) - 1] = '\0';
		dots--;
	}
	if (dots == 0 || h[0] == '\0' || h[strlen(h) - 1] == '-')
		return -1;
	return 0;
}

int
web_selftest_parse_target(const char *s, size_t len,
    struct web_selftest_target *t, const char **why)
{
	int n;

	memset(t, 0, sizeof(*t));
	*why = "Enter a domain or the address of a mail server.";
	if (s == NULL)
		return -1;
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= PROBE_HOSTPORT_MAX ||
	    probe_split_hostport(s, len, t->host, sizeof(t->host), &t->port,
	    WEB_SELFTEST_PORT) == -1)
		return -1;
	if (addr_parse(t->host, strlen(t->host), &t->addr) == 0) {
		t->is_addr = 1;
		/* Normalised: 2001:DB8::25 and 2001:db8::25 share one key. */
		if (addr_format(&t->addr, t->host, sizeof(t->host)) == -1)
			return -1;
	} else if (s[0] == '[' || web_selftest_name_ok(t->host) == -1) {
		*why = "That is neither a domain name nor an IP address.";
		return -1;
	}
	if (t->is_addr && !addr_is_v4(&t->addr))
		n = snprintf(t->key, sizeof(t->key), "[%s]:%d", t->host,
		    t->port);
	else
		n = snprintf(t->key, sizeof(t->key), "%s:%d", t->host,
		    t->port);
	if (n < 0 || (size_t)n >= sizeof(t->key))
		return -1;
	*why = NULL;
	return 0;
}

const char *
web_selftest_eligible(const struct addr *a, int port,
    unsigned int allow_special)
{
	if (special_match(a, allow_special, NULL) != NULL)
		return "That address is in a special-purpose range (private, "
		    "loopback, documentation and the like); this service does "
		    "not probe those.";
	if (port != WEB_SELFTEST_PORT && special_match(a, 0, NULL) == NULL)
		return "Only port 25 can be probed from here.";
	return NULL;
}

int
web_selftest_id_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= WEB_SELFTEST_ID_LEN || !((s[i] >= '0' &&
		    s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == WEB_SELFTEST_ID_LEN;
}

struct web_selftest *
web_selftest_new(const struct web_selftest_config *cfg,
    const struct store_config *store)
{
	struct web_selftest *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	if (pthread_mutex_init(&st->mu, NULL) != 0) {
		free(st);
		return NULL;
	}
	st->refs = 1;
	st->cfg = *cfg;
	st->store = *store;
	snprintf(st->store_path, sizeof(st->store_path), "%s",
	    store->path != NULL ? store->path : "");
	st->store.path = st->store_path;
	if (cfg->per_hour > 0)
		st->rl = web_ratelimit_new(WEB_SELFTEST_REQUESTERS_MAX,
		    cfg->per_hour, 3600000);
	return st;
}

/* Drops one reference with mu held; unlocks; frees on the last. */
static void
web_selftest_unref_locked(struct web_selftest *st)
{
	int last = --st->refs == 0;

	pthread_mutex_unlock(&st->mu);
	if (!last)
		return;
	for (size_t i = 0; i < WEB_SELFTEST_SLOTS; i++)
		free(st->slots[i].res);
	web_ratelimit_free(st->rl);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

void
web_selftest_free(struct web_selftest *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	web_selftest_unref_locked(st);
}

/* Frees finished slots older than WEB_SELFTEST_KEEP; mu held. */
static void
web_selftest_expire(struct web_selftest *st, int64_t now)
{
	for (size_t i = 0; i < WEB_SELFTEST_SLOTS; i++) {
		struct web_selftest_slot *s = &st->slots[i];

		if (s->state != WEB_SELFTEST_DONE || now - s->finished <
		    WEB_SELFTEST_KEEP)
			continue;
		free(s->res);
		memset(s, 0, sizeof(*s));
	}
}

/*
 * When may key be probed again? 0 now, else the ms to wait; mu held.
 * Finds or frees an entry for it in *free_idx (-1 when the table is
 * full of fresh targets).
 */
static int64_t
web_selftest_target_wait(struct web_selftest *st, const char *key,
    int64_t now_ms, long *idx)
{
	int64_t ival = st->cfg.interval * 1000;

	*idx = -1;
	for (size_t i = 0; i < WEB_SELFTEST_TARGETS_MAX; i++) {
		struct web_selftest_seen *e = &st->seen[i];

		if (e->key[0] != '\0' && now_ms - e->at >= ival)
			e->key[0] = '\0';
		if (e->key[0] != '\0' && strcmp(e->key, key) == 0) {
			*idx = (long)i;
			return ival - (now_ms - e->at);
		}
		if (e->key[0] == '\0' && *idx == -1)
			*idx = (long)i;
	}
	return 0;
}

static void
web_selftest_progress(void *arg, const char *stage)
{
	struct web_selftest_job *job = arg;
	struct web_selftest_slot *s = &job->st->slots[job->slot];

	pthread_mutex_lock(&job->st->mu);
	snprintf(s->stage, sizeof(s->stage), "%s", stage);
	pthread_mutex_unlock(&job->st->mu);
}

/* The blocking c-ares loop; c-ares bounds it by its own timeouts. */
static void
web_selftest_ares_wait(ares_channel ch, const int *done)
{
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	int bits, nfd, ms;

	while (!*done) {
		bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		nfd = 0;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			int rd = ARES_GETSOCK_READABLE(bits, i);
			int wr = ARES_GETSOCK_WRITABLE(bits, i);

			if (!rd && !wr)
				continue;
			pfd[nfd].fd = socks[i];
			pfd[nfd].events = (short)((rd ? POLLIN : 0) |
			    (wr ? POLLOUT : 0));
			pfd[nfd].revents = 0;
			nfd++;
		}
		if (nfd == 0)
			break;
		tvp = ares_timeout(ch, NULL, &tv);
		ms = tvp != NULL ? (int)(tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000) : 1000;
		if (poll(pfd, (nfds_t)nfd, ms) == -1 && errno != EINTR)
			break;
		for (int i = 0; i < nfd; i++)
			ares_process_fd(ch,
			    (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ?
			    pfd[i].fd : ARES_SOCKET_BAD,
			    (pfd[i].revents & POLLOUT) ? pfd[i].fd :
			    ARES_SOCKET_BAD);
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
}

struct web_selftest_mx {
	int	 done;
	size_t	 n;
	char	 hosts[WEB_SELFTEST_MX_MAX][PROBE_NAME_MAX];
	int	 pref[WEB_SELFTEST_MX_MAX];
};

static void
web_selftest_on_mx(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct web_selftest_mx *m = arg;
	struct ares_mx_reply *mx = NULL;

	(void)timeouts;
	m->done = 1;
	if (status != ARES_SUCCESS || ares_parse_mx_reply(abuf, alen, &mx) !=
	    ARES_SUCCESS)
		return;
	/* The best preference wins; ties keep the order of the answer. */
	for (struct ares_mx_reply *r = mx; r != NULL; r = r->next) {
		size_t i;

		if (r->host[0] == '\0' || strlen(r->host) >= PROBE_NAME_MAX)
			continue;
		for (i = m->n; i > 0 && m->pref[i - 1] > r->priority; i--)
			if (i < WEB_SELFTEST_MX_MAX) {
				m->pref[i] = m->pref[i - 1];
				memcpy(m->hosts[i], m->hosts[i - 1],
				    PROBE_NAME_MAX);
			}
		if (i >= WEB_SELFTEST_MX_MAX)
			continue;
		m->pref[i] = r->priority;
		snprintf(m->hosts[i], PROBE_NAME_MAX, "%s", r->host);
		if (m->n < WEB_SELFTEST_MX_MAX)
			m->n++;
	}
	ares_free_data(mx);
}

struct web_selftest_ai {
	int		 done;
	size_t		 n;
	struct addr	 a[WEB_SELFTEST_ADDRS_MAX];
};

static void
web_selftest_on_ai(void *arg, int status, int timeouts,
    struct ares_addrinfo *ai)
{
	struct web_selftest_ai *out = arg;

	(void)status;
	(void)timeouts;
	out->done = 1;
	if (ai == NULL)
		return;
	for (struct ares_addrinfo_node *nd = ai->nodes; nd != NULL &&
	    out->n < WEB_SELFTEST_ADDRS_MAX; nd = nd->ai_next) {
		struct addr *a = &out->a[out->n];

		memset(a, 0, sizeof(*a));
		if (nd->ai_family == AF_INET) {
			addr_from_v4(a, (const uint8_t *)&((const struct
			    sockaddr_in *)(const void *)nd->ai_addr)->sin_addr);
			out->n++;
		} else if (nd->ai_family == AF_INET6) {
			memcpy(a->b, &((const struct sockaddr_in6 *)(const
			    void *)nd->ai_addr)->sin6_addr, 16);
			out->n++;
		}
	}
	ares_freeaddrinfo(ai);
}

/*
 * Resolves a domain target to the one address the probe will talk to:
 * the best MX (RFC 5321 5.1: the domain itself when it has none) and
 * its first address. Every address of that host must be eligible, so
 * that a name cannot smuggle a forbidden address past the check; the
 * probe is then pinned to the checked address and resolves nothing
 * itself (no second answer can differ). 0, or -1 with why.
 */
static int
web_selftest_resolve(const struct web_selftest_job *job, struct addr *out,
    char *why, size_t whylen)
{
	struct ares_options opts;
	struct ares_addrinfo_hints hints;
	struct web_selftest_mx mx;
	struct web_selftest_ai ai;
	ares_channel ch;
	char csv[PROBE_RESOLVER_MAX];
	const char *no;
	int rc = -1;

	memset(&opts, 0, sizeof(opts));
	opts.timeout = 2000;
	opts.tries = 2;
	opts.flags = ARES_FLAG_NOSEARCH;
	if (ares_init_options(&ch, &opts, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_FLAGS) != ARES_SUCCESS) {
		snprintf(why, whylen, "The resolver could not be set up.");
		return -1;
	}
	if (job->pc.resolver[0] != '\0') {
		snprintf(csv, sizeof(csv), "%s", job->pc.resolver);
		for (size_t i = 0; csv[i] != '\0'; i++)
			if (csv[i] == ' ' || csv[i] == '\t')
				csv[i] = ',';
		if (ares_set_servers_ports_csv(ch, csv) != ARES_SUCCESS) {
			snprintf(why, whylen, "The resolver is misconfigured.");
			goto out;
		}
	}
	memset(&mx, 0, sizeof(mx));
	if (job->t.port == WEB_SELFTEST_PORT) {
		ares_query(ch, job->t.host, ns_c_in, ns_t_mx,
		    web_selftest_on_mx, &mx);
		web_selftest_ares_wait(ch, &mx.done);
	}
	if (mx.n == 0) {
		snprintf(mx.hosts[0], PROBE_NAME_MAX, "%s", job->t.host);
		mx.n = 1;
	}
	memset(&ai, 0, sizeof(ai));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ares_getaddrinfo(ch, mx.hosts[0], NULL, &hints, web_selftest_on_ai,
	    &ai);
	web_selftest_ares_wait(ch, &ai.done);
	if (ai.n == 0) {
		snprintf(why, whylen, "The mail server of that domain has no "
		    "address.");
		goto out;
	}
	for (size_t i = 0; i < ai.n; i++)
		if ((no = web_selftest_eligible(&ai.a[i], job->t.port,
		    job->st->cfg.allow_special)) != NULL) {
			snprintf(why, whylen, "%s", no);
			goto out;
		}
	*out = ai.a[0];
	rc = 0;
out:
	ares_destroy(ch);
	return rc;
}

/* Ends a job: the result into its slot, one reference dropped. */
static void
web_selftest_finish(struct web_selftest_job *job, struct probe_result *res,
    const char *refused)
{
	struct web_selftest *st = job->st;
	struct web_selftest_slot *s = &st->slots[job->slot];

	pthread_mutex_lock(&st->mu);
	s->res = res;
	if (refused != NULL)
		snprintf(s->refused, sizeof(s->refused), "%s", refused);
	s->finished = (int64_t)time(NULL);
	s->state = WEB_SELFTEST_DONE;
	st->running--;
	web_selftest_unref_locked(st);
	free(job);
}

/*
 * The probe thread: its own store connection (SQLite connections are
 * not shared between threads here), the eligibility check of what the
 * name resolves to, then probe_run() pinned to that address.
 */
static void *
web_selftest_worker(void *arg)
{
	struct web_selftest_job *job = arg;
	struct probe_result *res;
	struct store *store;
	struct addr a;
	char err[256], text[ADDR_STRLEN];
	int n;

	if ((res = calloc(1, sizeof(*res))) == NULL) {
		web_selftest_finish(job, NULL, "Out of memory.");
		return NULL;
	}
	if ((store = store_open(&job->st->store, 0, err, sizeof(err))) ==
	    NULL) {
		log_warnx("web selftest id=%.8s: %s", job->id, err);
		free(res);
		web_selftest_finish(job, NULL, "The list is busy; try again "
		    "later.");
		return NULL;
	}
	if (job->t.is_addr)
		a = job->t.addr;
	else {
		web_selftest_progress(job, "looking up the mail server");
		if (web_selftest_resolve(job, &a, err, sizeof(err)) == -1) {
			store_close(store);
			free(res);
			web_selftest_finish(job, NULL, err);
			return NULL;
		}
	}
	if (store_is_excluded(store, &a, NULL) != 0) {
		store_close(store);
		free(res);
		web_selftest_finish(job, NULL, "The operator of this list "
		    "excludes that network; it is not probed.");
		return NULL;
	}
	addr_format(&a, text, sizeof(text));
	n = snprintf(job->pc.mx, sizeof(job->pc.mx), addr_is_v4(&a) ?
	    "%s:%d" : "[%s]:%d", text, job->t.port);
	if (!job->t.is_addr)
		snprintf(job->pc.rcpt_domain, sizeof(job->pc.rcpt_domain),
		    "%s", job->t.host);
	if (n < 0 || (size_t)n >= sizeof(job->pc.mx) ||
	    probe_run(&job->pc, store, (int64_t)time(NULL), res,
	    web_selftest_progress, job) == -1)
		log_warnx("web selftest id=%.8s: %s", job->id, res->error);
	log_info("web selftest id=%.8s verdict=%s", job->id,
	    probe_verdict_name(res->verdict));
	store_close(store);
	web_selftest_finish(job, res, NULL);
	return NULL;
}

static void
web_selftest_off(struct web_req *r)
{
	web_page_error(r, 404, "The self-test is switched off on this "
	    "server.");
}

/* The page head, with a meta refresh when refresh > 0 (no script). */
static void
web_selftest_begin(struct web_req *r, const char *title, int refresh)
{
	char *buf = NULL, *head;
	size_t len = 0;
	FILE *f;

	if (refresh <= 0 || (f = open_memstream(&buf, &len)) == NULL) {
		web_html_begin(r->out, title, "selftest");
		return;
	}
	web_html_begin(f, title, "selftest");
	if (fclose(f) != 0 || (head = strstr(buf, "</head>")) == NULL) {
		free(buf);
		web_html_begin(r->out, title, "selftest");
		return;
	}
	fwrite(buf, 1, (size_t)(head - buf), r->out);
	fprintf(r->out, "<meta http-equiv=\"refresh\" content=\"%d\">",
	    refresh);
	fputs(head, r->out);
	free(buf);
}

static void
web_selftest_explain(struct web_req *r)
{
	const struct web_selftest_config *c = &r->srv->cfg->selftest;
	char d[64];

	fputs("<div class=\"box\"><h2>What the test sends</h2><ul>"
	    "<li>It connects to your mail server (the domain's MX, or the "
	    "address you give) on port 25 and sends <code>MAIL FROM</code> "
	    "a one-off address of ours, shaped like <code>probe-"
	    "<var>random</var>@", r->out);
	web_html_put(r->out, c->probe.trap_domain);
	fputs("</code>.</li><li><code>RCPT TO</code> a random recipient "
	    "that cannot exist at your domain, like <code>nouser-"
	    "<var>random</var>@<var>your domain</var></code>.</li><li>If "
	    "your server accepts it, a short test message that says what it "
	    "is. Nothing else.</li></ul><p>Then it waits ", r->out);
	web_html_put(r->out, web_duration_words(c->probe.wait_ms / 1000, d,
	    sizeof(d)));
	fputs(" for a bounce, an automatic reply or a sender callout to our "
	    "address. A good server rejects the recipient during the SMTP "
	    "dialogue and never writes back.</p><p><strong>Nothing is listed "
	    "because of this test</strong>: what comes back is kept as "
	    "evidence for this page only.</p></div>\n", r->out);
}

static void
web_selftest_form(struct web_req *r, const char *value)
{
	char token[WEB_CSRF_TOKEN_MAX];

	if (web_csrf_make(r->srv->csrf_key, &r->client, r->now, token,
	    sizeof(token)) == -1)
		token[0] = '\0';
	fputs("<form action=\"/selftest\" method=\"post\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"", r->out);
	web_html_put(r->out, token);
	fputs("\"><div><label for=\"target\">Your domain, or your mail "
	    "server's address</label><input type=\"text\" id=\"target\" "
	    "name=\"target\" required autocomplete=\"off\" "
	    "spellcheck=\"false\" maxlength=\"260\" value=\"", r->out);
	web_html_put(r->out, value);
	fputs("\"></div><button type=\"submit\">Test my server</button>"
	    "</form>\n", r->out);
}

void
web_page_selftest(struct web_req *r)
{
	const struct web_selftest_config *c = &r->srv->cfg->selftest;
	char d[64];

	if (!c->enabled || r->srv->selftest == NULL) {
		web_selftest_off(r);
		return;
	}
	web_selftest_begin(r, "Self-test", 0);
	fputs("<h1>Am I a backscatterer?</h1>\n<p>This test sends your "
	    "mail server one message the way spam with a forged sender "
	    "arrives, and tells you whether your server would send "
	    "backscatter.</p>\n", r->out);
	if (!c->ready) {
		fputs("<p class=\"err\" role=\"alert\">The self-test is not "
		    "configured on this server.</p>\n", r->out);
		web_html_end(r->out);
		return;
	}
	web_selftest_explain(r);
	web_selftest_form(r, "");
	fprintf(r->out, "<p>Each server can be tested once every ");
	web_html_put(r->out, web_duration_words(c->interval, d, sizeof(d)));
	fprintf(r->out, ", and each visitor may start %u tests an hour.</p>\n",
	    c->per_hour);
	web_html_end(r->out);
}

static void
web_selftest_refuse(struct web_req *r, int status, const char *msg,
    int64_t retry_ms)
{
	char secs[24];

	if (retry_ms > 0) {
		snprintf(secs, sizeof(secs), "%lld",
		    (long long)retry_ms / 1000 + 1);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", secs);
	}
	web_page_error(r, status, msg);
}

/* A new id from the CSPRNG. 0 / -1. */
static int
web_selftest_new_id(char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[WEB_SELFTEST_ID_BYTES];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	buf[WEB_SELFTEST_ID_LEN] = '\0';
	return 0;
}

/*
 * Claims a slot and the target under mu, then starts the thread, which
 * owns job from then on. 0 started (its id copied to id), else the
 * HTTP status to refuse with and *retry_ms.
 */
static int
web_selftest_launch(struct web_selftest *st, struct web_selftest_job *job,
    int64_t now, char id[WEB_SELFTEST_ID_LEN + 1], int64_t *retry_ms)
{
	pthread_attr_t attr;
	pthread_t tid;
	int64_t now_ms = clock_mono_ms(), wait;
	long seen;
	size_t i;
	int rc;

	*retry_ms = 0;
	pthread_mutex_lock(&st->mu);
	web_selftest_expire(st, now);
	if ((wait = web_selftest_target_wait(st, job->t.key, now_ms,
	    &seen)) > 0) {
		pthread_mutex_unlock(&st->mu);
		*retry_ms = wait;
		return 429;
	}
	for (i = 0; i < WEB_SELFTEST_SLOTS; i++)
		if (st->slots[i].state == WEB_SELFTEST_FREE)
			break;
	if (seen < 0 || i == WEB_SELFTEST_SLOTS ||
	    st->running >= WEB_SELFTEST_RUNNING_MAX ||
	    web_selftest_new_id(job->id) == -1) {
		pthread_mutex_unlock(&st->mu);
		*retry_ms = 30000;
		return 503;
	}
	job->st = st;
	job->slot = i;
	memset(&st->slots[i], 0, sizeof(st->slots[i]));
	st->slots[i].state = WEB_SELFTEST_RUNNING;
	memcpy(st->slots[i].id, job->id, sizeof(job->id));
	memcpy(id, job->id, sizeof(job->id));
	snprintf(st->slots[i].target, sizeof(st->slots[i].target), "%s",
	    job->t.key);
	snprintf(st->slots[i].stage, sizeof(st->slots[i].stage),
	    "starting");
	st->slots[i].started = now;
	st->running++;
	st->refs++;
	rc = pthread_attr_init(&attr);
	if (rc == 0)
		rc = pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED);
	if (rc == 0)
		rc = pthread_create(&tid, &attr, web_selftest_worker, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		st->running--;
		st->refs--;
		memset(&st->slots[i], 0, sizeof(st->slots[i]));
		pthread_mutex_unlock(&st->mu);
		*retry_ms = 30000;
		return 503;
	}
	/* The target counts from now on, whatever the probe finds. */
	snprintf(st->seen[seen].key, sizeof(st->seen[seen].key), "%s",
	    job->t.key);
	st->seen[seen].at = now_ms;
	pthread_mutex_unlock(&st->mu);
	return 0;
}

void
web_page_selftest_start(struct web_req *r)
{
	struct web_selftest *st = r->srv->selftest;
	const struct web_selftest_config *c = &r->srv->cfg->selftest;
	const char *target = web_param_get(&r->form, "target"), *why;
	struct web_selftest_job *job;
	char loc[sizeof("/selftest/") + WEB_SELFTEST_ID_LEN];
	char id[WEB_SELFTEST_ID_LEN + 1];
	int64_t retry;
	int status;

	if (!c->enabled || st == NULL) {
		web_selftest_off(r);
		return;
	}
	if (!web_csrf_check(r->srv->csrf_key, &r->client, r->now,
	    web_param_get(&r->form, "csrf"))) {
		r->srv->metrics.csrf_refused++;
		web_page_error(r, 403, "This form has expired or did not come "
		    "from this site. Open the self-test page again.");
		return;
	}
	if (!c->ready) {
		web_page_error(r, 503, "The self-test is not configured on "
		    "this server.");
		return;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		web_page_error(r, 503, "Out of memory; try again.");
		return;
	}
	if (web_selftest_parse_target(target, target ? strlen(target) : 0,
	    &job->t, &why) == -1) {
		free(job);
		web_page_error(r, 400, why);
		return;
	}
	/* An address is judged now; a name once the probe resolved it. */
	if (job->t.is_addr) {
		if ((why = web_selftest_eligible(&job->t.addr, job->t.port,
		    c->allow_special)) != NULL) {
			free(job);
			web_page_error(r, 403, why);
			return;
		}
		if (store_is_excluded(r->srv->store, &job->t.addr, NULL) !=
		    0) {
			free(job);
			web_page_error(r, 403, "The operator of this list "
			    "excludes that network; it is not probed.");
			return;
		}
	}
	if (!r->admin && (st->rl == NULL || !web_ratelimit_take(st->rl,
	    &r->client, clock_mono_ms(), &retry))) {
		free(job);
		r->srv->metrics.rate_limited++;
		web_selftest_refuse(r, 429, "You have started as many tests as "
		    "allowed for now; try again later.", st->rl ? retry :
		    3600000);
		return;
	}
	job->pc = c->probe;
	snprintf(job->pc.target, sizeof(job->pc.target), "%s", job->t.key);
	if ((status = web_selftest_launch(st, job, r->now, id, &retry)) !=
	    0) {
		free(job);
		if (status == 429)
			r->srv->metrics.rate_limited++;
		web_selftest_refuse(r, status, status == 429 ? "That server "
		    "was tested a short while ago; try again later." :
		    "Too many tests are running; try again in a minute.",
		    retry);
		return;
	}
	/* job belongs to the thread now: only the copied id is used. */
	snprintf(loc, sizeof(loc), "/selftest/%s", id);
	log_info("web selftest id=%.8s client=%s", id, r->client_text);
	r->status = 303;
	web_html_begin(r->out, "Test started", "selftest");
	fputs("<h1>Test started</h1><p><a href=\"", r->out);
	fputs(loc, r->out);
	fputs("\">Follow its progress</a>.</p>\n", r->out);
	web_html_end(r->out);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Location", loc);
}

/* The verdict, the dialogue and the evidence of a finished probe. */
static void
web_selftest_report(struct web_req *r, const struct probe_result *res)
{
	const struct web_guide *g = res->guide[0] ? web_guide_find(res->guide) :
	    NULL;
	FILE *f = r->out;
	char t[64];

	fprintf(f, "<h2 class=\"%s\">Verdict: ", res->verdict == PROBE_GOOD ?
	    "clean" : "listed");
	web_html_put(f, probe_verdict_name(res->verdict));
	fputs("</h2>\n<p role=\"status\">Your server ", f);
	web_html_put(f, res->summary);
	fputs(".</p>\n<dl class=\"facts\">", f);
	fputs("<dt>Mail server</dt><dd>", f);
	web_html_put(f, res->peer[0] ? res->peer : "-");
	fputs("</dd><dt>Our sender</dt><dd>", f);
	/* The one-off probe address, not a trap address: fine to show. */
	web_html_put(f, res->sender);
	fputs("</dd></dl>\n", f);
	if (res->nsteps > 0) {
		fputs("<h2>The SMTP dialogue</h2>\n<div class=\"scroll\">"
		    "<table><thead><tr><th scope=\"col\">Step</th>"
		    "<th scope=\"col\">Reply</th></tr></thead><tbody>\n", f);
		for (size_t i = 0; i < res->nsteps; i++) {
			fputs("<tr><td>", f);
			web_html_put(f, res->steps[i].cmd);
			fprintf(f, "</td><td>%d ", res->steps[i].code);
			web_html_put(f, res->steps[i].text);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table></div>\n", f);
	}
	if (res->nev > 0) {
		fputs("<h2>What came back</h2>\n<div class=\"scroll\"><table>"
		    "<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">"
		    "From</th><th scope=\"col\">Class</th><th scope=\"col\">"
		    "HELO</th><th scope=\"col\">MAIL FROM</th></tr></thead>"
		    "<tbody>\n", f);
		for (size_t i = 0; i < res->nev; i++) {
			const struct probe_evidence *e = &res->ev[i];

			fprintf(f, "<tr><td>%s</td><td>",
			    web_time_minute(e->t, t, sizeof(t)));
			web_html_put(f, e->addr);
			fputs("</td><td>", f);
			web_html_put(f, e->subclass[0] ? e->subclass :
			    e->class);
			fputs("</td><td>", f);
			web_html_put(f, e->helo[0] ? e->helo : "-");
			fputs("</td><td>&lt;", f);
			web_html_put(f, e->mail_from);
			fputs("&gt;</td></tr>\n", f);
		}
		fputs("</tbody></table></div>\n", f);
	}
	if (res->verdict == PROBE_GOOD)
		fputs("<p>Nothing to fix. <a href=\"/help/testing\">More ways "
		    "to test</a>.</p>\n", f);
	else if (g != NULL)
		fprintf(f, "<p>Read <a href=\"/help/%s\">the fix guide for "
		    "%s</a>, or <a href=\"/help\">all guides</a>.</p>\n",
		    g->name, g->title);
	else
		fputs("<p><a href=\"/help\">Pick your server from the fix "
		    "guides</a>.</p>\n", f);
}

void
web_page_selftest_status(struct web_req *r)
{
	struct web_selftest *st = r->srv->selftest;
	struct web_selftest_slot *s = NULL;
	struct probe_result *res = NULL;
	char target[PROBE_HOSTPORT_MAX], stage[WEB_SELFTEST_STAGE_MAX];
	char refused[sizeof(s->refused)];
	int running = 0;

	if (!r->srv->cfg->selftest.enabled || st == NULL) {
		web_selftest_off(r);
		return;
	}
	if (!web_selftest_id_ok(r->tail)) {
		web_page_error(r, 404, "There is no such test.");
		return;
	}
	/* Copies under mu, so the page is built without holding it. */
	pthread_mutex_lock(&st->mu);
	web_selftest_expire(st, r->now);
	for (size_t i = 0; i < WEB_SELFTEST_SLOTS && s == NULL; i++)
		if (st->slots[i].state != WEB_SELFTEST_FREE &&
		    strcmp(st->slots[i].id, r->tail) == 0)
			s = &st->slots[i];
	if (s != NULL) {
		running = s->state == WEB_SELFTEST_RUNNING;
		memcpy(target, s->target, sizeof(target));
		memcpy(stage, s->stage, sizeof(stage));
		memcpy(refused, s->refused, sizeof(refused));
		if (s->res != NULL && (res = malloc(sizeof(*res))) != NULL)
			memcpy(res, s->res, sizeof(*res));
	}
	pthread_mutex_unlock(&st->mu);
	if (s == NULL) {
		web_page_error(r, 404, "There is no such test, or its result "
		    "has expired.");
		return;
	}
	web_selftest_begin(r, running ? "Testing" : "Test result", running ?
	    WEB_SELFTEST_REFRESH : 0);
	fputs("<h1>Self-test of ", r->out);
	web_html_put(r->out, target);
	fputs("</h1>\n", r->out);
	if (running) {
		fputs("<p role=\"status\">Testing: ", r->out);
		web_html_put(r->out, stage);
		fputs("&hellip;</p>\n<p>This page reloads itself until the "
		    "verdict is in.</p>\n", r->out);
	} else if (res != NULL)
		web_selftest_report(r, res);
	else {
		fputs("<p class=\"err\" role=\"alert\">Not tested: ", r->out);
		web_html_put(r->out, refused[0] ? refused : "an error.");
		fputs("</p>\n", r->out);
	}
	fputs("<p><a href=\"/selftest\">Test another server</a></p>\n", r->out);
	web_html_end(r->out);
	free(res);
}
