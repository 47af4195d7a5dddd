/* web_metrics.h -- request counters and the Prometheus text exposition. */
#ifndef BACKSCATTER_WEB_METRICS_H
#define BACKSCATTER_WEB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define WEB_METRICS_ROUTES_MAX	32
/* Latency buckets, seconds: the Prometheus client defaults, trimmed. */
#define WEB_METRICS_NBUCKETS	9

/*
 * Counters for one server. Only the event loop's thread touches them,
 * so they need no locking. route names are borrowed for the server's
 * life (the routing table's).
 */
struct web_metrics {
	const char	*routes[WEB_METRICS_ROUTES_MAX];
	size_t		 nroutes;
	/* by route and status class 1xx..5xx */
	uint64_t	 requests[WEB_METRICS_ROUTES_MAX][5];
	uint64_t	 bucket[WEB_METRICS_ROUTES_MAX][WEB_METRICS_NBUCKETS];
	uint64_t	 count[WEB_METRICS_ROUTES_MAX];
	uint64_t	 usec_sum[WEB_METRICS_ROUTES_MAX];
	uint64_t	 rate_limited;
	uint64_t	 csrf_refused;
	uint64_t	 auth_refused;
	uint64_t	 delist_requests;
};

/* Registers a route; returns its index, or -1 when the table is full. */
int	 web_metrics_route(struct web_metrics *, const char *name);

/* Counts one answered request: route index, HTTP status, duration. */
void	 web_metrics_observe(struct web_metrics *, int route, int status,
	    int64_t usec);

/*
 * Writes the Prometheus text format (version 0.0.4): request counters,
 * the latency histogram, and, from st (may be NULL), listings by state
 * and class and hits by class. 0, or -1 on a stream error.
 */
int	 web_metrics_write(FILE *, const struct web_metrics *,
	    const struct store_stats *st);

#endif
