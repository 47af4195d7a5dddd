/* web_svg.h -- bar and line charts as inline SVG, drawn without scripts. */
#ifndef BACKSCATTER_WEB_SVG_H
#define BACKSCATTER_WEB_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WEB_SVG_SERIES_MAX	8
#define WEB_SVG_POINTS_MAX	366

/* One series: npoints values; css is a class the stylesheet colours. */
struct web_svg_series {
	const char	*name;
	const char	*css;		/* "c1": fill and stroke */
	const int64_t	*values;
};

enum web_svg_kind {
	WEB_SVG_LINES,			/* each series a polyline */
	WEB_SVG_STACKED,		/* series stacked as bars per point */
};

struct web_svg_chart {
	const char		*title;		/* escaped; also aria-label */
	enum web_svg_kind	 kind;
	size_t			 npoints;	/* one per day */
	int64_t			 day0;		/* epoch of the first day */
	const struct web_svg_series *series;
	size_t			 nseries;
};

/*
 * Writes one <svg role="img"> with a title, axes, "nice" y ticks and
 * date labels on x. Values below 0 are drawn as 0. Pure: the same chart
 * gives the same bytes. 0 ok, -1 on a bad chart (no points, too many
 * series or points).
 */
int	 web_svg_chart(FILE *, const struct web_svg_chart *);

/* The smallest 1, 2 or 5 times a power of ten >= max (and >= 1). */
int64_t	 web_svg_nice_max(int64_t max);

#endif
