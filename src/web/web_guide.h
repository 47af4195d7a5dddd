/* web_guide.h -- the fix guides: catalogue, evidence matching, Markdown. */
#ifndef BACKSCATTER_WEB_GUIDE_H
#define BACKSCATTER_WEB_GUIDE_H

#include <stddef.h>
#include <stdio.h>

/* Longest guide name in a URL ("hmailserver"), incl. NUL. */
#define WEB_GUIDE_NAME_MAX	24
/* A guide bigger than this is a mistake in the tree, not a guide. */
#define WEB_GUIDE_FILE_MAX	(256 * 1024)

struct web_guide {
	const char	*name;		/* URL and file name: /help/postfix */
	const char	*title;		/* "Postfix" */
};

/* Every guide, in index order; *n gets their number. */
const struct web_guide	*web_guide_all(size_t *n);

/* The guide with this name, or NULL (names outside the table never reach a file). */
const struct web_guide	*web_guide_find(const char *name);

/*
 * The guide the evidence points to: the classifier's "MTA: name" line
 * first, then Reporting-MTA, X-Mailer and Diagnostic-Code lines of the
 * excerpt, the subclass ("callout/double-bounce" is Postfix) and the
 * HELO name. Any argument may be NULL. NULL when nothing matches.
 */
const struct web_guide	*web_guide_for_evidence(const char *excerpt,
			    const char *subclass, const char *helo);

/*
 * Renders dir/NAME.md to HTML (CommonMark via cmark, raw HTML in the
 * Markdown suppressed) on f. 0, or -1 when the file cannot be read.
 */
int			 web_guide_render(FILE *f, const char *dir,
			    const struct web_guide *);

/*
 * Resolves web.help_dir "auto" into out: the installed
 * PREFIX/share/backscatter/help next to the running binary if it
 * exists, else the source tree's docs/help. 0, or -1 if neither exists.
 */
int			 web_guide_dir_auto(char *out, size_t size);

#endif
