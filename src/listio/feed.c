/* feed.c -- the rbldnsd feed: a file for rsync mirrors and a gzip for HTTP. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/clock.h"
#include "core/log.h"
#include "listio/export.h"
#include "listio/feed.h"

/* Read-back chunk while compressing. */
#define FEED_CHUNK		65536
/* gzip level: 6 is zlib's default, a fair trade on a list of text. */
#define FEED_GZ_LEVEL		6

struct feed {
	struct feed_config	 cfg;
	struct store		*store;
	pthread_mutex_t		 mu;		/* cur, stop */
	pthread_cond_t		 cond;
	struct feed_blob	*cur;
	int			 stop;
	int			 running;
	pthread_t		 thread;
	/* What the last build saw; only the building thread touches these. */
	int			 built;
	uint64_t		 serial;
	int64_t			 next_expiry;	/* 0: none */
	int64_t			 last_try;
	int64_t			 export_ms;	/* of the last build, for the log */
	int64_t			 gzip_ms;
};

static int
feed_copy(char *dst, size_t size, const char *src, const char *what,
    char *err, size_t errlen)
{
	if (snprintf(dst, size, "%s", src != NULL ? src : "") >= (int)size) {
		snprintf(err, errlen, "%s too long", what);
		return -1;
	}
	return 0;
}

int
feed_config_init(struct feed_config *fc, const struct config *cfg,
    char *err, size_t errlen)
{
	memset(fc, 0, sizeof(*fc));
	if (strcmp(cfg->feed.path, "none") != 0 &&
	    feed_copy(fc->path, sizeof(fc->path), cfg->feed.path,
	    "feed.path", err, errlen) == -1)
		return -1;
	fc->interval = cfg->feed.interval;
	fc->http = cfg->feed.http;
	if (feed_copy(fc->store_path, sizeof(fc->store_path), cfg->store.path,
	    "store.path", err, errlen) == -1 ||
	    feed_copy(fc->zone, sizeof(fc->zone), cfg->dns.zone, "dns.zone",
	    err, errlen) == -1 ||
	    feed_copy(fc->answer, sizeof(fc->answer), cfg->dns.answer,
	    "dns.answer", err, errlen) == -1 ||
	    feed_copy(fc->txt, sizeof(fc->txt), cfg->dns.txt, "dns.txt",
	    err, errlen) == -1 ||
	    feed_copy(fc->lookup_url, sizeof(fc->lookup_url),
	    cfg->web.lookup_url, "web.lookup_url", err, errlen) == -1)
		return -1;
	fc->ttl = cfg->dns.ttl;
	store_config_from(&fc->store, cfg, fc->store_path);
	return 0;
}

int
feed_config_enabled(const struct feed_config *fc)
{
	return fc->path[0] != '\0' || fc->http;
}

struct feed *
feed_new(const struct feed_config *fc, char *err, size_t errlen)
{
	struct feed *f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "feed: out of memory");
		return NULL;
	}
	memcpy(&f->cfg, fc, sizeof(*fc));
	f->cfg.store.path = f->cfg.store_path;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	/*
	 * Its own connection: the export reads for seconds on a big list
	 * and must not hold up the web server's queries. Read-write only
	 * so that a first run can create the store.
	 */
	if ((f->store = store_open(&f->cfg.store, STORE_OPEN_CREATE, err,
	    errlen)) == NULL) {
		feed_free(f);
		return NULL;
	}
	return f;
}

void
feed_blob_release(struct feed_blob *b)
{
	if (b == NULL)
		return;
	if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->gz);
		free(b);
	}
}

struct feed_blob *
feed_acquire(struct feed *f)
{
	struct feed_blob *b;

	if (f == NULL)
		return NULL;
	pthread_mutex_lock(&f->mu);
	if ((b = f->cur) != NULL)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&f->mu);
	return b;
}

const char *
feed_zone(const struct feed *f)
{
	return f->cfg.zone;
}

/*
 * Compresses the file just written (read back from the page cache)
 * into one gzip member and hashes its plain text for the ETag.
 */
static struct feed_blob *
feed_compress(FILE *fp, char *err, size_t errlen)
{
	unsigned char in[FEED_CHUNK], md[EVP_MAX_MD_SIZE];
	struct feed_blob *b = NULL;
	EVP_MD_CTX *md_ctx = NULL;
	z_stream z;
	size_t n, cap;
	unsigned int mdlen;
	int zrc, zinit = 0, flush;

	memset(&z, 0, sizeof(z));
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (md_ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL) != 1)
		goto oom;
	/* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
	if (deflateInit2(&z, FEED_GZ_LEVEL, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		goto oom;
	zinit = 1;
	cap = FEED_CHUNK;
	if ((b->gz = malloc(cap)) == NULL)
		goto oom;
	if (fseek(fp, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "feed: rewind: %s", strerror(errno));
		goto fail;
	}
	do {
		n = fread(in, 1, sizeof(in), fp);
		if (ferror(fp)) {
			snprintf(err, errlen, "feed: read back: %s",
			    strerror(errno));
			goto fail;
		}
		b->rawlen += n;
		if (EVP_DigestUpdate(md_ctx, in, n) != 1)
			goto oom;
		flush = feof(fp) ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			if (b->gzlen == cap) {
				unsigned char *g;

				if ((g = realloc(b->gz, cap * 2)) == NULL)
					goto oom;
				b->gz = g;
				cap *= 2;
			}
			z.next_out = b->gz + b->gzlen;
			z.avail_out = (uInt)(cap - b->gzlen);
			zrc = deflate(&z, flush);
			b->gzlen = cap - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH &&
		    zrc != Z_STREAM_END));
	} while (flush != Z_FINISH);
	if (EVP_DigestFinal_ex(md_ctx, md, &mdlen) != 1 || mdlen < 16)
		goto oom;
	b->etag[0] = '"';
	for (unsigned int i = 0; i < 16; i++)
		snprintf(b->etag + 1 + 2 * i, 3, "%02x", md[i]);
	b->etag[33] = '"';
	b->etag[34] = '\0';
	b->refs = 1;
	deflateEnd(&z);
	EVP_MD_CTX_free(md_ctx);
	return b;
oom:
	snprintf(err, errlen, "feed: out of memory compressing");
fail:
	if (zinit)
		deflateEnd(&z);
	EVP_MD_CTX_free(md_ctx);
	if (b != NULL)
		free(b->gz);
	free(b);
	return NULL;
}

/* Makes a rename durable: fsync(2) of the directory that holds path. */
static void
feed_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/*
 * The export inside one read transaction, so that serial, exclusions
 * and listings agree.
 */
static int
feed_export(struct feed *f, FILE *fp, int64_t now, uint64_t *serial,
    int64_t *next, char *err, size_t errlen)
{
	struct export_opts o = {
		.now = now,
		.zone = f->cfg.zone,
		.answer = f->cfg.answer,
		.ttl = f->cfg.ttl,
		.txt = f->cfg.txt,
		.lookup_url = f->cfg.lookup_url,
	};
	int rc;

	if (store_read_begin(f->store) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(f->store));
		return -1;
	}
	if (store_serial(f->store, &o.serial) == -1 ||
	    (rc = store_next_expiry(f->store, now, next)) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(f->store));
		(void)store_read_end(f->store);
		return -1;
	}
	if (rc == 0)
		*next = 0;
	*serial = o.serial;
	rc = export_write(f->store, EXPORT_RBLDNSD, &o, fp, err, errlen);
	(void)store_read_end(f->store);
	return rc;
}

/* Has the list changed since the last build? 1 / 0 / -1. */
static int
feed_changed(struct feed *f, int64_t now, char *err, size_t errlen)
{
	uint64_t serial;

	if (!f->built)
		return 1;
	if (store_serial(f->store, &serial) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(f->store));
		return -1;
	}
	/* An expiry is not journaled until `expire` runs: watch for it. */
	return serial != f->serial || (f->next_expiry != 0 &&
	    f->next_expiry <= now);
}

int
feed_build(struct feed *f, int64_t now, int force, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16];
	struct feed_blob *b = NULL, *old;
	uint64_t serial;
	int64_t next;
	FILE *fp = NULL;
	int64_t t0, t1;
	int fd = -1, rc;

	if (!force && (rc = feed_changed(f, now, err, errlen)) != 1)
		return rc;
	tmp[0] = '\0';
	if (f->cfg.path[0] != '\0') {
		/* Same directory: rename(2) is atomic only within one fs. */
		if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX",
		    f->cfg.path) >= (int)sizeof(tmp)) {
			snprintf(err, errlen, "feed: %s: path too long",
			    f->cfg.path);
			return -1;
		}
		if ((fd = mkstemp(tmp)) == -1) {
			snprintf(err, errlen, "feed: %s: %s", tmp,
			    strerror(errno));
			return -1;
		}
		fp = fdopen(fd, "w+");
	} else
		fp = tmpfile();
	if (fp == NULL) {
		snprintf(err, errlen, "feed: temporary file: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	t0 = clock_mono_ms();
	if (feed_export(f, fp, now, &serial, &next, err, errlen) == -1)
		goto fail;
	if (fflush(fp) == EOF || (tmp[0] != '\0' && (fsync(fileno(fp)) ==
	    -1 || fchmod(fileno(fp), 0644) == -1))) {
		snprintf(err, errlen, "feed: %s: %s", tmp, strerror(errno));
		goto fail;
	}
	t1 = clock_mono_ms();
	if (f->cfg.http && (b = feed_compress(fp, err, errlen)) == NULL)
		goto fail;
	f->export_ms = t1 - t0;
	f->gzip_ms = clock_mono_ms() - t1;
	if (fclose(fp) == EOF) {
		fp = NULL;
		snprintf(err, errlen, "feed: %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fp = NULL;
	/* mkstemp made it 0600; the list is public data for mirrors. */
	if (tmp[0] != '\0') {
		if (rename(tmp, f->cfg.path) == -1) {
			snprintf(err, errlen, "feed: %s: %s", f->cfg.path,
			    strerror(errno));
			goto fail;
		}
		feed_sync_dir(f->cfg.path);
	}
	f->built = 1;
	f->serial = serial;
	f->next_expiry = next;
	if (b != NULL) {
		b->mtime = now;
		b->serial = serial;
		pthread_mutex_lock(&f->mu);
		old = f->cur;
		f->cur = b;
		pthread_mutex_unlock(&f->mu);
		feed_blob_release(old);
	}
	return 1;
fail:
	if (fp != NULL)
		fclose(fp);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (b != NULL)
		feed_blob_release(b);
	return -1;
}

/*
 * The thread: looks at the store every FEED_POLL_MS and rebuilds when
 * the list changed and the last try is interval seconds old. A failed
 * build (a full disk) is tried again after the same interval.
 */
static void *
feed_main(void *arg)
{
	struct feed *f = arg;
	struct timespec until;
	char err[600];
	int64_t now;
	int rc;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		pthread_mutex_unlock(&f->mu);
		now = (int64_t)time(NULL);
		if (!f->built || now - f->last_try >= f->cfg.interval) {
			int64_t t0 = clock_mono_ms();

			rc = feed_build(f, now, 0, err, sizeof(err));
			if (rc != 0)
				f->last_try = now;
			if (rc == -1)
				log_warnx("feed: %s", err);
			else if (rc == 1)
				log_info("feed: built serial=%" PRIu64
				    " file=%s export_ms=%" PRId64 " gzip_ms=%"
				    PRId64 " ms=%" PRId64, f->serial,
				    f->cfg.path[0] != '\0' ? f->cfg.path : "-",
				    f->export_ms, f->gzip_ms, clock_mono_ms() - t0);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += FEED_POLL_MS / 1000;
		until.tv_nsec += (FEED_POLL_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&f->mu);
		if (!f->stop)
			(void)pthread_cond_timedwait(&f->cond, &f->mu, &until);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int
feed_start(struct feed *f)
{
	if (f == NULL || f->running)
		return 0;
	f->stop = 0;
	if (pthread_create(&f->thread, NULL, feed_main, f) != 0)
		return -1;
	f->running = 1;
	return 0;
}

void
feed_stop(struct feed *f)
{
	if (f == NULL || !f->running)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	f->running = 0;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	feed_stop(f);
	feed_blob_release(f->cur);
	store_close(f->store);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cond);
	free(f);
}
