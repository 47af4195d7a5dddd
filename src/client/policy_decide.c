/* policy_decide.c -- whom to look up, what an answer means, and the answer cache. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/policy_decide.h"
#include "core/txt.h"

/* Ways per cache set: few enough to scan, enough to ride out collisions. */
#define POLICY_CACHE_WAYS	4

int
policy_senders_parse(const char *list, struct policy_senders *s, char *err,
    size_t errlen)
{
	const char *p = list, *tok;
	size_t len, i;

	memset(s, 0, sizeof(*s));
	if (strcmp(list, "none") == 0)
		return 0;
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		tok = p;
		len = strcspn(p, ", \t");
		p += len;
		if (len > POLICY_LOCAL_MAX) {
			snprintf(err, errlen, "a local part is at most %d "
			    "characters", POLICY_LOCAL_MAX);
			return -1;
		}
		if (memchr(tok, '@', len) != NULL || memchr(tok, '<', len) !=
		    NULL || memchr(tok, '>', len) != NULL) {
			snprintf(err, errlen, "'%.*s': give the local part "
			    "only, as in postmaster", (int)len, tok);
			return -1;
		}
		if (s->n == POLICY_SENDERS_MAX) {
			snprintf(err, errlen, "more than %d senders",
			    POLICY_SENDERS_MAX);
			return -1;
		}
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)tok[i];

			if (c <= 0x20 || c >= 0x7f) {
				snprintf(err, errlen, "a local part here is "
				    "printable ASCII");
				return -1;
			}
			s->local[s->n][i] = (char)(c >= 'A' && c <= 'Z' ?
			    c - 'A' + 'a' : c);
		}
		s->local[s->n][len] = '\0';
		s->n++;
	}
	if (s->n == 0) {
		snprintf(err, errlen, "no sender (say none for the null "
		    "sender only)");
		return -1;
	}
	return 0;
}

int
policy_sender_wanted(const struct policy_senders *s, const char *sender,
    size_t len)
{
	const char *at = NULL;
	size_t local, i;

	if (len >= 2 && sender[0] == '<' && sender[len - 1] == '>') {
		sender++;
		len -= 2;
	}
	if (len == 0)
		return 1;
	/* The last '@': a quoted local part may hold one of its own. */
	for (i = len; i > 0; i--)
		if (sender[i - 1] == '@') {
			at = sender + i - 1;
			break;
		}
	local = at != NULL ? (size_t)(at - sender) : len;
	for (i = 0; i < s->n; i++)
		if (strlen(s->local[i]) == local &&
		    strncasecmp(s->local[i], sender, local) == 0)
			return 1;
	return 0;
}

int
policy_state_has_sender(const char *protocol_state)
{
	static const char *const states[] = {
		"MAIL", "RCPT", "DATA", "BDAT", "END-OF-MESSAGE",
	};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(protocol_state, states[i]) == 0)
			return 1;
	return 0;
}

enum policy_verdict
policy_a_verdict(const uint8_t a4[4])
{
	if (a4[0] != 127)
		return POLICY_ERROR;
	if (a4[1] == 255 && a4[2] == 255)
		return POLICY_ERROR;
	return POLICY_LISTED;
}

void
policy_text_clean(const char *in, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	if (size == 0)
		return;
	for (i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)in[i];

		out[n++] = (c < 0x20 || c >= 0x7f || c == '%') ? '?' :
		    (char)c;
	}
	out[n] = '\0';
}

void
policy_log_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	for (; *in != '\0' && n + 5 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

void
policy_result_init(struct policy_result *acc)
{
	memset(acc, 0, sizeof(*acc));
	acc->verdict = POLICY_NOT_LISTED;
	acc->ttl = POLICY_CACHE_TTL_MAX;
}

void
policy_result_merge(struct policy_result *acc, const struct policy_result *one)
{
	if (one->ttl < acc->ttl)
		acc->ttl = one->ttl;
	if (acc->verdict == POLICY_LISTED)
		return;
	if (one->verdict == POLICY_LISTED) {
		memcpy(acc->zone, one->zone, sizeof(acc->zone));
		memcpy(acc->text, one->text, sizeof(acc->text));
		acc->verdict = POLICY_LISTED;
	} else if (one->verdict == POLICY_ERROR)
		acc->verdict = POLICY_ERROR;
}

int
policy_reply_text(const struct policy_result *r, const struct addr *a,
    const char *url_template, char *buf, size_t size)
{
	char ip[ADDR_STRLEN], url[TXT_URL_MAX];
	struct prefix p;
	struct txt_vars v;
	int n;

	if (r->text[0] != '\0') {
		n = snprintf(buf, size, "%s", r->text);
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	if (addr_format(a, ip, sizeof(ip)) == -1)
		return -1;
	url[0] = '\0';
	if (url_template != NULL && url_template[0] != '\0') {
		memset(&v, 0, sizeof(v));
		prefix_from_addr(&p, a);
		v.prefix = &p;
		if (txt_render(url_template, &v, url, sizeof(url)) == -1)
			url[0] = '\0';
	}
	if (url[0] != '\0')
		n = snprintf(buf, size, "Backscatter from [%s] listed in %s; "
		    "see %s", ip, r->zone, url);
	else
		n = snprintf(buf, size, "Backscatter from [%s] listed in %s",
		    ip, r->zone);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

struct policy_cache_entry {
	struct addr		 addr;
	int64_t			 expires_ms;	/* 0: empty */
	struct policy_result	 r;
};

struct policy_cache {
	pthread_mutex_t			 lock;
	size_t				 nsets;	/* a power of two */
	struct policy_cache_entry	*e;	/* nsets * POLICY_CACHE_WAYS */
	uint64_t			 seed;
};

struct policy_cache *
policy_cache_new(size_t entries)
{
	struct policy_cache *c;
	size_t nsets = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	if (entries == 0)
		return c;
	while (nsets * POLICY_CACHE_WAYS < entries && nsets < ((size_t)1 << 24))
		nsets <<= 1;
	if ((c->e = calloc(nsets * POLICY_CACHE_WAYS, sizeof(*c->e))) ==
	    NULL) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	c->nsets = nsets;
	/* Not a secret: only spreads neighbouring addresses over the sets. */
	c->seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)c;
	return c;
}

void
policy_cache_free(struct policy_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->e);
	free(c);
}

/* FNV-1a over the 16 bytes, seeded: neighbours land in different sets. */
static size_t
policy_cache_set(const struct policy_cache *c, const struct addr *a)
{
	uint64_t h = 1469598103934665603ULL ^ c->seed;

	for (size_t i = 0; i < sizeof(a->b); i++) {
		h ^= a->b[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29)) & (c->nsets - 1);
}

int
policy_cache_get(struct policy_cache *c, const struct addr *a, int64_t now_ms,
    struct policy_result *out)
{
	struct policy_cache_entry *set;
	int found = 0;

	if (c == NULL || c->nsets == 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	set = c->e + policy_cache_set(c, a) * POLICY_CACHE_WAYS;
	for (size_t i = 0; i < POLICY_CACHE_WAYS; i++) {
		if (set[i].expires_ms > now_ms &&
		    addr_cmp(&set[i].addr, a) == 0) {
			*out = set[i].r;
			/* What is left of the TTL, for whoever passes it on. */
			out->ttl = (uint32_t)((set[i].expires_ms - now_ms +
			    999) / 1000);
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
policy_cache_put(struct policy_cache *c, const struct addr *a, int64_t now_ms,
    const struct policy_result *r)
{
	struct policy_cache_entry *set, *victim = NULL;
	uint32_t ttl = r->ttl;

	if (c == NULL || c->nsets == 0 || r->verdict == POLICY_ERROR ||
	    ttl == 0)
		return;
	if (ttl > POLICY_CACHE_TTL_MAX)
		ttl = POLICY_CACHE_TTL_MAX;
	pthread_mutex_lock(&c->lock);
	set = c->e + policy_cache_set(c, a) * POLICY_CACHE_WAYS;
	for (size_t i = 0; i < POLICY_CACHE_WAYS; i++) {
		/* The same address again (a lookup raced another). */
		if (set[i].expires_ms != 0 && addr_cmp(&set[i].addr, a) == 0) {
			victim = &set[i];
			break;
		}
		if (victim == NULL || set[i].expires_ms < victim->expires_ms)
			victim = &set[i];
	}
	victim->addr = *a;
	victim->expires_ms = now_ms + (int64_t)ttl * 1000;
	victim->r = *r;
	pthread_mutex_unlock(&c->lock);
}
