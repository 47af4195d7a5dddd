/* web_download.h -- the feed download's conditional-request helpers. */
#ifndef BACKSCATTER_WEB_DOWNLOAD_H
#define BACKSCATTER_WEB_DOWNLOAD_H

#include <stdint.h>

/*
 * An HTTP-date in the preferred IMF-fixdate form (RFC 9110 5.6.7). The
 * obsolete forms are not parsed: the header is then ignored, as RFC
 * 9110 13.1.3 asks for an invalid date. 0 ok, -1 not a date.
 */
int	 web_http_date_parse(const char *s, int64_t *out);

/*
 * If-None-Match (RFC 9110 13.1.2): "*" or a list of entity tags, any of
 * which matching etag by the weak comparison means "not modified".
 * 1 match, 0 no match (also for a malformed list).
 */
int	 web_etag_match(const char *list, const char *etag);

#endif
