/* web_guide.c -- the fix guides: catalogue, evidence matching, Markdown. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>

#include "web/web_guide.h"

static const struct web_guide web_guides[] = {
	{ "postfix", "Postfix" },
	{ "exim", "Exim" },
	{ "sendmail", "Sendmail" },
	{ "exchange", "Microsoft Exchange" },
	{ "qmail", "qmail and netqmail" },
	{ "zimbra", "Zimbra" },
	{ "mdaemon", "MDaemon" },
	{ "hmailserver", "hMailServer" },
	{ "kerio", "Kerio Connect" },
	{ "iis-smtp", "IIS SMTP service" },
	{ "domino", "HCL Domino" },
	{ "gateway", "Anti-spam gateways and filtering services" },
	{ "testing", "How to test your server" },
};
#define WEB_NGUIDES	(sizeof(web_guides) / sizeof(web_guides[0]))

/*
 * Words that name a server in evidence, lower case. The classifier's
 * own names come first; the rest catch what it leaves out (IIS, a
 * Reporting-MTA host named after its software).
 */
static const struct {
	const char	*word;
	const char	*guide;
} web_guide_words[] = {
	{ "postfix", "postfix" },
	{ "exim", "exim" },
	{ "sendmail", "sendmail" },
	{ "exchange", "exchange" },
	{ "microsoft smtp", "exchange" },
	{ "outlook.com", "exchange" },
	{ "netqmail", "qmail" },
	{ "qmail", "qmail" },
	{ "zimbra", "zimbra" },
	{ "mdaemon", "mdaemon" },
	{ "hmailserver", "hmailserver" },
	{ "kerio", "kerio" },
	{ "iis", "iis-smtp" },
	{ "domino", "domino" },
	{ "lotus", "domino" },
	{ "barracuda", "gateway" },
	{ "proofpoint", "gateway" },
	{ "mimecast", "gateway" },
	{ "ironport", "gateway" },
	{ "sophos", "gateway" },
	{ "spamtitan", "gateway" },
	{ "mailcleaner", "gateway" },
	{ "proxmox", "gateway" },
};

const struct web_guide *
web_guide_all(size_t *n)
{
	*n = WEB_NGUIDES;
	return web_guides;
}

const struct web_guide *
web_guide_find(const char *name)
{
	for (size_t i = 0; i < WEB_NGUIDES; i++)
		if (strcmp(web_guides[i].name, name) == 0)
			return &web_guides[i];
	return NULL;
}

/* The guide a piece of text names, or NULL. */
static const struct web_guide *
web_guide_in(const char *s, size_t len)
{
	char low[256];

	if (len >= sizeof(low))
		len = sizeof(low) - 1;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 :
		    s[i]);
	low[len] = '\0';
	for (size_t i = 0; i < sizeof(web_guide_words) /
	    sizeof(web_guide_words[0]); i++)
		if (strstr(low, web_guide_words[i].word) != NULL)
			return web_guide_find(web_guide_words[i].guide);
	return NULL;
}

/* The value of the excerpt line "key: value", or NULL; *len its length. */
static const char *
web_guide_line(const char *excerpt, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = excerpt, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (strncasecmp(p, key, klen) == 0 && p[klen] == ':' &&
		    p[klen + 1] == ' ') {
			*len = (nl ? (size_t)(nl - p) : strlen(p)) - klen - 2;
			return p + klen + 2;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

const struct web_guide *
web_guide_for_evidence(const char *excerpt, const char *subclass,
    const char *helo)
{
	static const char *const keys[] = {
		"MTA", "Reporting-MTA", "X-Mailer", "Diagnostic-Code",
	};
	const struct web_guide *g;
	const char *v;
	size_t len;

	for (size_t i = 0; excerpt != NULL && i < sizeof(keys) /
	    sizeof(keys[0]); i++)
		if ((v = web_guide_line(excerpt, keys[i], &len)) != NULL &&
		    (g = web_guide_in(v, len)) != NULL)
			return g;
	/* Postfix's address verification probes come from double-bounce@. */
	if (subclass != NULL && strcasecmp(subclass,
	    "callout/double-bounce") == 0)
		return web_guide_find("postfix");
	if (helo != NULL && (g = web_guide_in(helo, strlen(helo))) != NULL)
		return g;
	return NULL;
}

int
web_guide_render(FILE *f, const char *dir, const struct web_guide *g)
{
	char path[PATH_MAX], *md, *html;
	FILE *in;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/%s.md", dir, g->name) >=
	    (int)sizeof(path))
		return -1;
	if ((in = fopen(path, "r")) == NULL)
		return -1;
	if ((md = malloc(WEB_GUIDE_FILE_MAX)) == NULL) {
		fclose(in);
		return -1;
	}
	n = fread(md, 1, WEB_GUIDE_FILE_MAX, in);
	fclose(in);
	if (n == WEB_GUIDE_FILE_MAX) {
		free(md);
		return -1;
	}
	/* CMARK_OPT_DEFAULT leaves raw HTML out (cmark >= 0.29 is safe by default). */
	html = cmark_markdown_to_html(md, n, CMARK_OPT_DEFAULT |
	    CMARK_OPT_SMART);
	free(md);
	if (html == NULL)
		return -1;
	fputs(html, f);
	free(html);
	return 0;
}

static int
web_guide_isdir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Why not embed the guides? That takes a build step (CMakeLists.txt,
 * not ours to change yet); reading them at run time also lets an
 * operator edit a guide without a rebuild. So "auto" looks where an
 * install puts them, next to the binary, and then in the source tree
 * this file was compiled from, which is what a build tree runs.
 */
int
web_guide_dir_auto(char *out, size_t size)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	const char *src = __FILE__;
	const char *tail = "src/web/web_guide.c";
	size_t slen = strlen(src), tlen = strlen(tail);

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (snprintf(out, size, "%s/../share/backscatter/help",
			    exe) < (int)size && web_guide_isdir(out))
				return 0;
		}
	}
	// cppcheck-suppress knownConditionTrueFalse ; cppcheck's __FILE__ is not the compiler's
	if (slen > tlen && strcmp(src + slen - tlen, tail) == 0 &&
	    snprintf(out, size, "%.*sdocs/help", (int)(slen - tlen), src) <
	    (int)size && web_guide_isdir(out))
		return 0;
	return -1;
}
