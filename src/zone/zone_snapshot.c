/* zone_snapshot.c -- the zone's arrays in a file, for a start without a table scan. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "zone/zone_build.h"
#include "zone/zone_snapshot.h"

/*
 * Layout: a header, then the compact table (bucket index, keys, times,
 * classes) and every wide table in full, in host byte order: a snapshot
 * is read back by the machine that wrote it. The CRC covers everything
 * after the header; the header says how long each part is, and a file
 * of any other length is not a snapshot.
 */
#define ZONE_SNAP_MAGIC		"BSZONE\0\1"
#define ZONE_SNAP_VERSION	1
/* Reads and writes in pieces of this much. */
#define ZONE_SNAP_CHUNK		(1u << 20)
/* Wide entries put together for one write (some 50 KiB of stack). */
#define ZONE_SNAP_BATCH		1024

struct zone_snap_header {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 header_len;
	uint64_t	 serial;
	struct zone_mark mark;
	uint64_t	 v4n;
	uint64_t	 nwide[ZONE_NLENS];
	uint32_t	 crc;
	uint32_t	 entry_len;
};

static int
zone_snap_write_all(int fd, const void *p, size_t len, uLong *crc)
{
	const uint8_t *b = p;
	ssize_t n;

	while (len > 0) {
		size_t piece = len < ZONE_SNAP_CHUNK ? len : ZONE_SNAP_CHUNK;

		if ((n = write(fd, b, piece)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		*crc = crc32(*crc, b, (uInt)n);
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
zone_snapshot_write(const struct zone_base *b, uint64_t serial,
    const struct zone_mark *mark, int dirfd, const char *path, char *err,
    size_t errlen)
{
	struct zone_snap_header h;
	struct zone_entry batch[ZONE_SNAP_BATCH];
	char tmp[4096];
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t n = 0;
	int fd = -1, rc;
	unsigned int len;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, ZONE_SNAP_MAGIC, sizeof(h.magic));
	h.version = ZONE_SNAP_VERSION;
	h.header_len = sizeof(h);
	h.entry_len = sizeof(struct zone_entry);
	h.serial = serial;
	h.mark = *mark;
	h.v4n = b != NULL ? b->v4n : 0;
	for (len = 0; b != NULL && len < ZONE_NLENS; len++)
		h.nwide[len] = b->nwide[len];
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1)
		goto fail;
	/* The header goes last, with the CRC: a torn file fails it. */
	if (lseek(fd, (off_t)sizeof(h), SEEK_SET) == -1)
		goto fail;
	if (h.v4n > 0 && (zone_snap_write_all(fd, b->v4idx,
	    (ZONE_V4_BUCKETS + 1) * sizeof(*b->v4idx), &crc) == -1 ||
	    zone_snap_write_all(fd, b->v4lo, h.v4n * sizeof(*b->v4lo),
	    &crc) == -1 ||
	    zone_snap_write_all(fd, b->v4info, h.v4n * sizeof(*b->v4info),
	    &crc) == -1 ||
	    zone_snap_write_all(fd, b->v4cls, h.v4n * sizeof(*b->v4cls),
	    &crc) == -1))
		goto fail;
	/* A batch of entries to a write: one each was a call each. */
	for (len = 0; b != NULL && len < ZONE_NLENS; len++)
		for (size_t i = 0; i < b->nwide[len]; i++) {
			struct zone_entry *e = &batch[n++];

			/* Field by field: no padding byte of ours leaks. */
			memset(e, 0, sizeof(*e));
			e->addr = b->wide[len][i].addr;
			e->since = b->wide[len][i].since;
			e->seen = b->wide[len][i].seen;
			e->expires = b->wide[len][i].expires;
			e->classes = b->wide[len][i].classes;
			e->len = b->wide[len][i].len;
			if (n == ZONE_SNAP_BATCH) {
				if (zone_snap_write_all(fd, batch,
				    n * sizeof(*batch), &crc) == -1)
					goto fail;
				n = 0;
			}
		}
	if (n > 0 && zone_snap_write_all(fd, batch, n * sizeof(*batch),
	    &crc) == -1)
		goto fail;
	h.crc = (uint32_t)crc;
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    fsync(fd) == -1)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc == -1)
		goto fail;
	if (renameat(dirfd, tmp, dirfd, path) == -1)
		goto fail;
	/* The rename itself, on disk: the directory's own fsync. */
	if (dirfd != AT_FDCWD)
		(void)fsync(dirfd);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	return -1;
}

static int
zone_snap_read_all(int fd, void *p, size_t len, uLong *crc)
{
	uint8_t *b = p;
	ssize_t n;

	while (len > 0) {
		size_t piece = len < ZONE_SNAP_CHUNK ? len : ZONE_SNAP_CHUNK;

		if ((n = read(fd, b, piece)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPROTO;
			return -1;
		}
		*crc = crc32(*crc, b, (uInt)n);
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * What a lookup relies on, checked: a bucket index that only grows and
 * ends at v4n, keys sorted within each bucket, each wide table sorted
 * with entries of its own length. A file that passes the CRC but not
 * this was not written by us; it is refused rather than searched.
 */
static const char *
zone_snap_check(const struct zone_builder *zb)
{
	if (zb->v4n > 0) {
		if (zb->v4idx[0] != 0 ||
		    zb->v4idx[ZONE_V4_BUCKETS] != zb->v4n)
			return "bad bucket index";
		for (size_t k = 0; k < ZONE_V4_BUCKETS; k++) {
			if (zb->v4idx[k] > zb->v4idx[k + 1])
				return "bad bucket index";
			for (size_t i = zb->v4idx[k] + 1; i < zb->v4idx[k + 1];
			    i++)
				if (zb->v4lo[i - 1] >= zb->v4lo[i])
					return "keys out of order";
		}
	}
	for (unsigned int len = 0; len < ZONE_NLENS; len++)
		for (size_t i = 0; i < zb->nwide[len]; i++) {
			const struct zone_entry *e = &zb->wide[len][i];

			if (e->len != len || (i > 0 && addr_cmp(
			    &zb->wide[len][i - 1].addr, &e->addr) >= 0))
				return "listings out of order";
		}
	return NULL;
}

struct zone_base *
zone_snapshot_read(const char *path, uint64_t *serial, struct zone_mark *mark,
    char *err, size_t errlen)
{
	struct zone_snap_header h;
	struct zone_builder zb;
	struct zone_base *b;
	struct stat sb;
	uLong crc = crc32(0L, Z_NULL, 0);
	uint64_t want, count = 0;
	const char *why = NULL;
	int fd;

	zone_build_init(&zb);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || read(fd, &h, sizeof(h)) !=
	    (ssize_t)sizeof(h)) {
		why = "cannot read the header";
		goto fail;
	}
	if (memcmp(h.magic, ZONE_SNAP_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != ZONE_SNAP_VERSION || h.header_len != sizeof(h) ||
	    h.entry_len != sizeof(struct zone_entry)) {
		why = "not a zone snapshot of this version";
		goto fail;
	}
	/* The lengths the header claims, against the file's own. */
	want = sizeof(h);
	if (h.v4n > UINT32_MAX) {
		why = "too many listings";
		goto fail;
	}
	if (h.v4n > 0)
		want += (ZONE_V4_BUCKETS + 1) * sizeof(uint32_t) +
		    h.v4n * (sizeof(uint16_t) + sizeof(struct zone_v4info) + 1);
	for (unsigned int len = 0; len < ZONE_NLENS; len++) {
		if (h.nwide[len] > (uint64_t)sb.st_size /
		    sizeof(struct zone_entry))
			break;
		want += h.nwide[len] * sizeof(struct zone_entry);
		count += h.nwide[len];
	}
	if (want != (uint64_t)sb.st_size) {
		why = "its length does not match its header";
		goto fail;
	}
	if (h.v4n > 0) {
		if ((zb.v4idx = calloc(ZONE_V4_BUCKETS + 1,
		    sizeof(*zb.v4idx))) == NULL ||
		    (zb.v4lo = calloc(h.v4n, sizeof(*zb.v4lo))) == NULL ||
		    (zb.v4info = calloc(h.v4n, sizeof(*zb.v4info))) == NULL ||
		    (zb.v4cls = calloc(h.v4n, sizeof(*zb.v4cls))) == NULL) {
			why = "out of memory";
			goto fail;
		}
		if (zone_snap_read_all(fd, zb.v4idx, (ZONE_V4_BUCKETS + 1) *
		    sizeof(*zb.v4idx), &crc) == -1 ||
		    zone_snap_read_all(fd, zb.v4lo, h.v4n * sizeof(*zb.v4lo),
		    &crc) == -1 ||
		    zone_snap_read_all(fd, zb.v4info, h.v4n *
		    sizeof(*zb.v4info), &crc) == -1 ||
		    zone_snap_read_all(fd, zb.v4cls, h.v4n * sizeof(*zb.v4cls),
		    &crc) == -1) {
			why = "cannot read it";
			goto fail;
		}
		zb.v4n = zb.v4cap = h.v4n;
		/* Every bucket is set: finishing adds none. */
		zb.v4nb = ZONE_V4_BUCKETS + 1;
	}
	for (unsigned int len = 0; len < ZONE_NLENS; len++) {
		if (h.nwide[len] == 0)
			continue;
		if ((zb.wide[len] = calloc(h.nwide[len],
		    sizeof(*zb.wide[len]))) == NULL) {
			why = "out of memory";
			goto fail;
		}
		zb.nwide[len] = zb.capwide[len] = h.nwide[len];
		if (zone_snap_read_all(fd, zb.wide[len], h.nwide[len] *
		    sizeof(*zb.wide[len]), &crc) == -1) {
			why = "cannot read it";
			goto fail;
		}
	}
	if ((uint32_t)crc != h.crc) {
		why = "CRC mismatch";
		goto fail;
	}
	if ((why = zone_snap_check(&zb)) != NULL)
		goto fail;
	close(fd);
	zb.count = h.v4n + count;
	if ((b = zone_build_finish(&zb)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	*serial = h.serial;
	*mark = h.mark;
	return b;
fail:
	snprintf(err, errlen, "%s: %s", path, why);
	close(fd);
	zone_build_discard(&zb);
	return NULL;
}
