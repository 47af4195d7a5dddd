/* web_html.h -- HTML escaping and the page layout every page shares. */
#ifndef BACKSCATTER_WEB_HTML_H
#define BACKSCATTER_WEB_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The stylesheet, served at /style.css (no file to install). */
extern const char	web_css[];

/*
 * Escapes len bytes of untrusted text for HTML element content and for
 * quoted attribute values: & < > " ' become entities; control bytes
 * other than tab and newline, and bytes that are not valid UTF-8,
 * become U+FFFD, so the page stays well-formed whatever the peer sent.
 * Writes at most size - 1 bytes and a NUL. 0 ok, -1 cut short (buf
 * still NUL-terminated).
 */
int	 web_html_escape(const char *s, size_t len, char *buf, size_t size);

/* The same straight to a stream; NULL writes nothing. */
void	 web_html_put(FILE *, const char *s);
/* printf, then the escaped value: web_html_putf(f, "%s", untrusted). */
void	 web_html_putf(FILE *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Percent-encodes s for a URL query value (RFC 3986 unreserved kept). */
void	 web_url_put(FILE *, const char *s);

/*
 * The page head and header: a skip link, the site name and the
 * navigation, with nav marked aria-current. title is escaped.
 */
void	 web_html_begin(FILE *, const char *title, const char *nav);
void	 web_html_end(FILE *);

/* "2026-11-23 10:00 UTC" (to the minute); "-" for 0, "never". */
const char *web_time_minute(int64_t t, char *buf, size_t size);
/* "12 days 3 hours", "45 minutes", "less than a minute". */
const char *web_duration_words(int64_t secs, char *buf, size_t size);

#endif
