/* txt.h -- the TXT and lookup-URL templates shown to listed admins. */
#ifndef BACKSCATTER_TXT_H
#define BACKSCATTER_TXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/* A single TXT character-string holds at most 255 octets (RFC 1035 3.3). */
#define TXT_MAX			255
#define TXT_URL_MAX		512

/* What a template may show about one listing. */
struct txt_vars {
	const struct prefix	*prefix;	/* {ip} */
	int64_t			 listed_since;	/* {since}: YYYY-MM-DD */
	int64_t			 last_seen;	/* {last}: YYYY-MM-DD HH:MM UTC */
	int64_t			 expires;	/* {expires}: YYYY-MM-DD HH:MM UTC */
	unsigned int		 classes;	/* {class}: "bounce, callout" */
	const char		*url;		/* {url}: the rendered lookup URL */
};

/*
 * Renders a template: {ip} {since} {last} {expires} {class} {url} are
 * replaced, "{{" and "}}" are literal braces, any other {name} is an
 * error. 0 ok; -1 on an unknown variable or if the result would not fit
 * in size bytes (truncation is rejection: a cut TXT misleads).
 */
int	 txt_render(const char *tmpl, const struct txt_vars *, char *buf,
	    size_t size);

/*
 * Checks a template without rendering it: 0 ok, -1 with the reason in err.
 * Used when the config is loaded so a typo fails at start-up.
 */
int	 txt_check(const char *tmpl, char *err, size_t errlen);

#endif
