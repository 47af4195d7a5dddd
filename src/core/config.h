/* config.h -- the INI configuration: every key, its default and its check. */
#ifndef BACKSCATTER_CONFIG_H
#define BACKSCATTER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Longest config line we accept; inih's own buffer is sized to match. */
#define CONFIG_LINE_MAX		1024

/*
 * Every key has a default (config_defaults), so a first run needs no file.
 * Strings are owned by the struct and released by config_free().
 */
struct config {
	struct {
		char		*path;		/* ./var/backscatter.db */
		int64_t		 busy_timeout;	/* ms to wait on a lock, 5000 */
		int		 sync_full;	/* synchronous = full (1) | normal (0) */
	} store;
	struct {
		int64_t		 ttl;		/* s after the last hit, 28d */
		int		 min_hits;	/* hits within window to list, 1 */
		int64_t		 window;	/* s, 28d */
		unsigned int	 allow_special;	/* SPECIAL_* mask, 0 */
	} listing;
	struct {
		char		*zone;		/* bl.example.org */
		char		*answer;	/* 127.0.0.2 */
		int64_t		 ttl;		/* s, 2100 */
		char		*txt;		/* TXT template, see txt.h */
		char		*listen;	/* "127.0.0.1:5353 [::1]:5353" */
		int		 threads;	/* UDP workers, 0: one per CPU */
		int64_t		 negative_ttl;	/* s, 300 (SOA minimum) */
		char		*ns;		/* "auto" or name server names */
		char		*hostmaster;	/* "auto" or the SOA RNAME */
		int64_t		 poll_interval;	/* ms between journal reads */
		int64_t		 tcp_idle_timeout; /* ms */
		int		 tcp_max_connections;
	} dns;
	struct {
		char		*lookup_url;	/* URL template, see txt.h */
	} web;
	struct {
		int		 level;		/* LOG_LEVEL_INFO */
	} log;
};

/* Fills every key with its default. Returns 0, or -1 when out of memory. */
int	 config_defaults(struct config *);

/*
 * Reads an INI file over the defaults already in cfg. Unknown sections,
 * unknown keys, repeated keys, bad values and unreadable files are errors:
 * err gets "PATH:LINE: what is wrong" (or "PATH: why" when the file cannot
 * be read) and -1 is returned. cfg may then be partly updated; the caller
 * frees it and exits.
 */
int	 config_load(struct config *cfg, const char *path, char *err,
	    size_t errlen);

/*
 * Sets one key as if it stood in [section] of a file (used for command-line
 * overrides such as --store). 0 ok, -1 with err "section.key: why".
 */
int	 config_set(struct config *cfg, const char *section, const char *key,
	    const char *value, char *err, size_t errlen);

/* Releases the strings; the struct may be reused after config_defaults. */
void	 config_free(struct config *);

#endif
