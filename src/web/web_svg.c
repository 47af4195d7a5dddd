/* web_svg.c -- bar and line charts as inline SVG, drawn without scripts. */
#include <stdio.h>
#include <time.h>

#include "web/web_html.h"
#include "web/web_svg.h"

/* Geometry in user units; the viewBox scales it to the page. */
#define SVG_W		720
#define SVG_H		260
#define SVG_LEFT	56
#define SVG_RIGHT	12
#define SVG_TOP		16
#define SVG_BOTTOM	36
#define SVG_TICKS	4

int64_t
web_svg_nice_max(int64_t max)
{
	int64_t p = 1;

	if (max < 1)
		return 1;
	for (;;) {
		if (p >= max)
			return p;
		if (2 * p >= max)
			return 2 * p;
		if (5 * p >= max)
			return 5 * p;
		if (p > INT64_MAX / 100)
			return max;
		p *= 10;
	}
}

static int64_t
svg_value(const struct web_svg_series *s, size_t i)
{
	return s->values[i] < 0 ? 0 : s->values[i];
}

int
web_svg_chart(FILE *f, const struct web_svg_chart *c)
{
	const int pw = SVG_W - SVG_LEFT - SVG_RIGHT;
	const int ph = SVG_H - SVG_TOP - SVG_BOTTOM;
	int64_t max = 0, top, sum;
	double step, x, y, h;
	char day[16];
	struct tm tm;
	time_t t;
	size_t i, k, every;

	if (c->npoints == 0 || c->npoints > WEB_SVG_POINTS_MAX ||
	    c->nseries == 0 || c->nseries > WEB_SVG_SERIES_MAX)
		return -1;
	for (i = 0; i < c->npoints; i++) {
		sum = 0;
		for (k = 0; k < c->nseries; k++) {
			if (c->kind == WEB_SVG_STACKED)
				sum += svg_value(&c->series[k], i);
			else if (svg_value(&c->series[k], i) > sum)
				sum = svg_value(&c->series[k], i);
		}
		if (sum > max)
			max = sum;
	}
	top = web_svg_nice_max(max);
	step = (double)pw / (double)c->npoints;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
	    "%d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
	    SVG_W, SVG_H, SVG_W, SVG_H);
	web_html_put(f, c->title);
	fputs("\"><title>", f);
	web_html_put(f, c->title);
	fputs("</title>\n", f);
	/* Grid and y labels. */
	for (i = 0; i <= SVG_TICKS; i++) {
		y = SVG_TOP + ph - (double)ph * (double)i / SVG_TICKS;
		fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%lld</text>\n", SVG_LEFT, y,
		    SVG_W - SVG_RIGHT, y, SVG_LEFT - 6, y + 4,
		    (long long)(top * (int64_t)i / SVG_TICKS));
	}
	fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", SVG_LEFT, SVG_TOP + ph, SVG_W - SVG_RIGHT,
	    SVG_TOP + ph);
	/* About six date labels along x. */
	every = c->npoints / 6 ? c->npoints / 6 : 1;
	for (i = 0; i < c->npoints; i += every) {
		t = (time_t)(c->day0 + (int64_t)i * 86400);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(day, sizeof(day), "%m-%d", &tm) == 0)
			continue;
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
		    "%s</text>\n", SVG_LEFT + step * ((double)i + 0.5),
		    SVG_H - SVG_BOTTOM + 18, day);
	}
	if (c->kind == WEB_SVG_STACKED) {
		for (i = 0; i < c->npoints; i++) {
			double base = SVG_TOP + ph;

			x = SVG_LEFT + step * (double)i + step * 0.1;
			for (k = 0; k < c->nseries; k++) {
				h = (double)ph * (double)svg_value(&c->series[k],
				    i) / (double)top;
				if (h <= 0)
					continue;
				base -= h;
				fprintf(f, "<rect class=\"%s\" x=\"%.1f\" "
				    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
				    c->series[k].css, x, base, step * 0.8, h);
			}
		}
		fputc('\n', f);
	} else {
		for (k = 0; k < c->nseries; k++) {
			fprintf(f, "<polyline class=\"%s\" points=\"",
			    c->series[k].css);
			for (i = 0; i < c->npoints; i++) {
				x = SVG_LEFT + step * ((double)i + 0.5);
				y = SVG_TOP + ph - (double)ph *
				    (double)svg_value(&c->series[k], i) /
				    (double)top;
				fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
			}
			fputs("\"/>\n", f);
		}
	}
	fputs("</svg>\n", f);
	return 0;
}
