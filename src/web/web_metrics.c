/* web_metrics.c -- request counters and the Prometheus text exposition. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/hitclass.h"
#include "web/web_metrics.h"

/* Upper bounds in microseconds, matching the "le" labels below. */
static const int64_t web_bucket_usec[WEB_METRICS_NBUCKETS] = {
	1000, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000,
};
static const char *const web_bucket_le[WEB_METRICS_NBUCKETS] = {
	"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1", "5",
};

int
web_metrics_route(struct web_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nroutes; i++)
		if (strcmp(m->routes[i], name) == 0)
			return (int)i;
	if (m->nroutes == WEB_METRICS_ROUTES_MAX)
		return -1;
	m->routes[m->nroutes] = name;
	return (int)m->nroutes++;
}

void
web_metrics_observe(struct web_metrics *m, int route, int status,
    int64_t usec)
{
	int cls = status / 100 - 1;

	if (route < 0 || (size_t)route >= m->nroutes)
		return;
	if (cls < 0 || cls > 4)
		cls = 4;
	if (usec < 0)
		usec = 0;
	m->requests[route][cls]++;
	m->count[route]++;
	m->usec_sum[route] += (uint64_t)usec;
	for (int b = 0; b < WEB_METRICS_NBUCKETS; b++)
		if (usec <= web_bucket_usec[b])
			m->bucket[route][b]++;
}

int
web_metrics_write(FILE *f, const struct web_metrics *m,
    const struct store_stats *st)
{
	size_t r;
	int c, b;

	fputs("# HELP backscatter_http_requests_total HTTP requests answered, "
	    "by route and status class.\n"
	    "# TYPE backscatter_http_requests_total counter\n", f);
	for (r = 0; r < m->nroutes; r++)
		for (c = 0; c < 5; c++)
			fprintf(f, "backscatter_http_requests_total{route=\"%s\","
			    "code=\"%dxx\"} %" PRIu64 "\n", m->routes[r], c + 1,
			    m->requests[r][c]);
	fputs("# HELP backscatter_http_request_duration_seconds Time to "
	    "answer, by route.\n"
	    "# TYPE backscatter_http_request_duration_seconds histogram\n", f);
	for (r = 0; r < m->nroutes; r++) {
		for (b = 0; b < WEB_METRICS_NBUCKETS; b++)
			fprintf(f, "backscatter_http_request_duration_seconds_"
			    "bucket{route=\"%s\",le=\"%s\"} %" PRIu64 "\n",
			    m->routes[r], web_bucket_le[b], m->bucket[r][b]);
		fprintf(f, "backscatter_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", m->routes[r],
		    m->count[r]);
		fprintf(f, "backscatter_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n", m->routes[r],
		    m->usec_sum[r] / 1000000, m->usec_sum[r] % 1000000);
		fprintf(f, "backscatter_http_request_duration_seconds_count"
		    "{route=\"%s\"} %" PRIu64 "\n", m->routes[r], m->count[r]);
	}
	fprintf(f, "# HELP backscatter_http_refused_total Requests refused "
	    "before any work, by reason.\n"
	    "# TYPE backscatter_http_refused_total counter\n"
	    "backscatter_http_refused_total{reason=\"rate_limit\"} %" PRIu64
	    "\nbackscatter_http_refused_total{reason=\"csrf\"} %" PRIu64
	    "\nbackscatter_http_refused_total{reason=\"auth\"} %" PRIu64 "\n"
	    "# HELP backscatter_delist_requests_total Express delisting "
	    "requests filed through this server.\n"
	    "# TYPE backscatter_delist_requests_total counter\n"
	    "backscatter_delist_requests_total %" PRIu64 "\n",
	    m->rate_limited, m->csrf_refused, m->auth_refused,
	    m->delist_requests);
	if (st != NULL) {
		fputs("# HELP backscatter_listings Listings by effective "
		    "state.\n# TYPE backscatter_listings gauge\n", f);
		for (c = 0; c < LISTING_NSTATES; c++)
			fprintf(f, "backscatter_listings{state=\"%s\"} %" PRId64
			    "\n", store_state_name((enum listing_state)c),
			    st->by_state[c]);
		fputs("# HELP backscatter_listings_active_by_class Active "
		    "listings by class seen.\n"
		    "# TYPE backscatter_listings_active_by_class gauge\n", f);
		for (c = 0; c < HIT_NCLASSES; c++)
			fprintf(f, "backscatter_listings_active_by_class{class="
			    "\"%s\"} %" PRId64 "\n",
			    hitclass_name((enum hit_class)c),
			    st->listed_by_class[c]);
		fputs("# HELP backscatter_hits Trap hits stored, by class.\n"
		    "# TYPE backscatter_hits gauge\n", f);
		for (c = 0; c < HIT_NCLASSES; c++)
			fprintf(f, "backscatter_hits{class=\"%s\"} %" PRId64
			    "\n", hitclass_name((enum hit_class)c),
			    st->hits_by_class[c]);
		fprintf(f, "# HELP backscatter_journal_serial The last change "
		    "journal serial.\n# TYPE backscatter_journal_serial gauge\n"
		    "backscatter_journal_serial %" PRIu64 "\n", st->serial);
	}
	return ferror(f) ? -1 : 0;
}
