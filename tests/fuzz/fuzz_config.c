/* fuzz_config.c -- libFuzzer harness for config_load (the INI file). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "core/config.h"

/* As big as the buffer main() passes, so messages are cut the same way. */
#define FUZZ_ERR_MAX	512

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * config_load wants a path. Creating a file per input would cost more
 * than the parse, so one file is made at the first call and rewritten
 * in place after that; it is removed at exit (a crash leaves it in /tmp,
 * next to the crash input it came from).
 */
static char	fuzz_config_path[] = "/tmp/fuzz_config.XXXXXX";
static int	fuzz_config_fd = -1;

static void
fuzz_config_cleanup(void)
{
	if (fuzz_config_fd != -1) {
		close(fuzz_config_fd);
		unlink(fuzz_config_path);
		fuzz_config_fd = -1;
	}
}

/*
 * Replaces the file's contents with the input. Failing to write to /tmp
 * is no finding, but fuzzing on without the input would be pointless:
 * exit instead of abort(), so no crash file is written.
 */
static void
fuzz_config_write(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (fuzz_config_fd == -1) {
		if ((fuzz_config_fd = mkstemp(fuzz_config_path)) == -1) {
			perror("fuzz_config: mkstemp");
			exit(1);
		}
		atexit(fuzz_config_cleanup);
	}
	if (ftruncate(fuzz_config_fd, 0) == -1) {
		perror("fuzz_config: ftruncate");
		exit(1);
	}
	while (off < size) {
		n = pwrite(fuzz_config_fd, data + off, size - off, (off_t)off);
		if (n <= 0) {
			perror("fuzz_config: pwrite");
			exit(1);
		}
		off += (size_t)n;
	}
}

/*
 * Whatever the file holds, a config that loads must be one the daemon
 * can run with: every string set, a zone in the canonical form without
 * its trailing dot, and the numeric keys inside the ranges config.c
 * promises. A failure must say why. config_load changes inih's global
 * options for the parse only, so they must be back as they were. Any
 * violation is a bug: abort() so the fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[FUZZ_ERR_MAX];
	bool multi = ini_allow_multiline, stop = ini_stop_on_first_error;
	int max = ini_max_line;
	size_t zlen;

	fuzz_config_write(data, size);
	if (config_defaults(&cfg) == -1)
		return 0;	/* out of memory, and already freed */
	memset(err, 'x', sizeof(err));
	if (config_load(&cfg, fuzz_config_path, err, sizeof(err)) == 0) {
		if (cfg.store.path == NULL || cfg.dns.zone == NULL ||
		    cfg.dns.answer == NULL || cfg.dns.txt == NULL ||
		    cfg.web.lookup_url == NULL)
			abort();
		zlen = strlen(cfg.dns.zone);
		if (zlen == 0 || cfg.dns.zone[zlen - 1] == '.')
			abort();
		if (cfg.listing.min_hits < 1 || cfg.listing.min_hits > 1000)
			abort();
		if (cfg.listing.ttl <= 0 || cfg.listing.window <= 0 ||
		    cfg.dns.ttl < 0)
			abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
		abort();
	if (ini_allow_multiline != multi || ini_stop_on_first_error != stop ||
	    ini_max_line != max)
		abort();
	/* On every path: a failed load may have replaced some strings. */
	config_free(&cfg);
	return 0;
}
