/* store_vfs.c -- an SQLite VFS that writes a commit's WAL frames in one call. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_vfs.h"

/*
 * Bytes held per WAL file before they go out anyway. SQLite's unix VFS
 * takes at most 128 KiB - 1 in one write (os_unix.c masks the length to
 * 17 bits), so a hold stays below that: 29 frames of 4 KiB pages. A
 * group commit of the trap is 15 to 60 frames, one to three writes; a
 * bigger transaction (an import) goes out in pieces of this size.
 */
#define STORE_VFS_HOLD_MAX	(120 * 1024)

struct vfs_file {
	sqlite3_file	 base;		/* must come first */
	sqlite3_file	*real;		/* the default VFS's file, after us */
	int		 is_wal;
	char		*held;		/* STORE_VFS_HOLD_MAX bytes, or NULL */
	size_t		 heldlen;
	sqlite3_int64	 heldoff;	/* file offset of held[0] */
};

/* Where the real file starts in our allocation, 8-byte aligned. */
#define VFS_REAL_OFF	((sizeof(struct vfs_file) + 7) & ~(size_t)7)

static sqlite3_vfs	 vfs_self;
static sqlite3_vfs	*vfs_real;

static const sqlite3_io_methods *
vfs_m(const struct vfs_file *f)
{
	return f->real->pMethods;
}

/* Writes what is held, in one call. Dropped whether or not it worked. */
static int
vfs_flush(struct vfs_file *f)
{
	int rc;

	if (f->heldlen == 0)
		return SQLITE_OK;
	rc = vfs_m(f)->xWrite(f->real, f->held, (int)f->heldlen, f->heldoff);
	f->heldlen = 0;
	return rc;
}

static int
vfs_close(sqlite3_file *file)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc, rc2;

	rc = vfs_flush(f);
	rc2 = vfs_m(f)->xClose(f->real);
	free(f->held);
	f->held = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
vfs_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xRead(f->real, buf, amt, off);
}

/*
 * A write that continues the held bytes joins them; any other write
 * first sends them out. SQLite rewriting a frame it wrote earlier in
 * the same transaction is such a write, so the file sees every write in
 * the order SQLite made it.
 */
static int
vfs_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct vfs_file *f = (struct vfs_file *)file;
	size_t n = amt > 0 ? (size_t)amt : 0;
	int rc;

	if (!f->is_wal)
		return vfs_m(f)->xWrite(f->real, buf, amt, off);
	if (f->heldlen > 0 && off == f->heldoff + (sqlite3_int64)f->heldlen &&
	    n <= STORE_VFS_HOLD_MAX - f->heldlen) {
		memcpy(f->held + f->heldlen, buf, n);
		f->heldlen += n;
		return SQLITE_OK;
	}
	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	if (n >= STORE_VFS_HOLD_MAX)
		return vfs_m(f)->xWrite(f->real, buf, amt, off);
	if (f->held == NULL && (f->held = malloc(STORE_VFS_HOLD_MAX)) == NULL)
		return vfs_m(f)->xWrite(f->real, buf, amt, off);
	memcpy(f->held, buf, n);
	f->heldlen = n;
	f->heldoff = off;
	return SQLITE_OK;
}

static int
vfs_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xTruncate(f->real, size);
}

/* The commit's frames reach the file here, before SQLite syncs it. */
static int
vfs_sync(sqlite3_file *file, int flags)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xSync(f->real, flags);
}

static int
vfs_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xFileSize(f->real, size);
}

static int
vfs_lock(sqlite3_file *file, int level)
{
	struct vfs_file *f = (struct vfs_file *)file;

	return vfs_m(f)->xLock(f->real, level);
}

static int
vfs_unlock(sqlite3_file *file, int level)
{
	struct vfs_file *f = (struct vfs_file *)file;

	return vfs_m(f)->xUnlock(f->real, level);
}

static int
vfs_check_reserved(sqlite3_file *file, int *out)
{
	struct vfs_file *f = (struct vfs_file *)file;

	return vfs_m(f)->xCheckReservedLock(f->real, out);
}

/* Whatever SQLite asks of the file, it asks of the file as written. */
static int
vfs_file_control(sqlite3_file *file, int op, void *arg)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xFileControl(f->real, op, arg);
}

static int
vfs_sector_size(sqlite3_file *file)
{
	struct vfs_file *f = (struct vfs_file *)file;

	return vfs_m(f)->xSectorSize(f->real);
}

static int
vfs_device_characteristics(sqlite3_file *file)
{
	struct vfs_file *f = (struct vfs_file *)file;

	return vfs_m(f)->xDeviceCharacteristics(f->real);
}

/* The wal-index (shared memory) and mmap calls are the database file's. */
static int
vfs_shm_map(sqlite3_file *file, int pg, int pgsz, int extend,
    void volatile **pp)
{
	struct vfs_file *f = (struct vfs_file *)file;

	if (vfs_m(f)->iVersion < 2 || vfs_m(f)->xShmMap == NULL)
		return SQLITE_IOERR_SHMMAP;
	return vfs_m(f)->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int
vfs_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct vfs_file *f = (struct vfs_file *)file;

	if (vfs_m(f)->iVersion < 2 || vfs_m(f)->xShmLock == NULL)
		return SQLITE_IOERR_SHMLOCK;
	return vfs_m(f)->xShmLock(f->real, offset, n, flags);
}

static void
vfs_shm_barrier(sqlite3_file *file)
{
	struct vfs_file *f = (struct vfs_file *)file;

	if (vfs_m(f)->iVersion >= 2 && vfs_m(f)->xShmBarrier != NULL)
		vfs_m(f)->xShmBarrier(f->real);
}

static int
vfs_shm_unmap(sqlite3_file *file, int delete_flag)
{
	struct vfs_file *f = (struct vfs_file *)file;

	if (vfs_m(f)->iVersion < 2 || vfs_m(f)->xShmUnmap == NULL)
		return SQLITE_OK;
	return vfs_m(f)->xShmUnmap(f->real, delete_flag);
}

/* *pp = NULL with SQLITE_OK means "no mapping, read instead". */
static int
vfs_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	*pp = NULL;
	if (vfs_m(f)->iVersion < 3 || vfs_m(f)->xFetch == NULL)
		return SQLITE_OK;
	if ((rc = vfs_flush(f)) != SQLITE_OK)
		return rc;
	return vfs_m(f)->xFetch(f->real, off, amt, pp);
}

static int
vfs_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	struct vfs_file *f = (struct vfs_file *)file;

	if (vfs_m(f)->iVersion < 3 || vfs_m(f)->xUnfetch == NULL)
		return SQLITE_OK;
	return vfs_m(f)->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods vfs_methods = {
	.iVersion = 3,
	.xClose = vfs_close,
	.xRead = vfs_read,
	.xWrite = vfs_write,
	.xTruncate = vfs_truncate,
	.xSync = vfs_sync,
	.xFileSize = vfs_file_size,
	.xLock = vfs_lock,
	.xUnlock = vfs_unlock,
	.xCheckReservedLock = vfs_check_reserved,
	.xFileControl = vfs_file_control,
	.xSectorSize = vfs_sector_size,
	.xDeviceCharacteristics = vfs_device_characteristics,
	.xShmMap = vfs_shm_map,
	.xShmLock = vfs_shm_lock,
	.xShmBarrier = vfs_shm_barrier,
	.xShmUnmap = vfs_shm_unmap,
	.xFetch = vfs_fetch,
	.xUnfetch = vfs_unfetch,
};

/*
 * Opens the file with the default VFS inside our own file object. As
 * SQLite requires, pMethods is set even on failure when the real file
 * has methods, so that SQLite closes it.
 */
static int
vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
    int flags, int *outflags)
{
	struct vfs_file *f = (struct vfs_file *)file;
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)((char *)file + VFS_REAL_OFF);
	f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = vfs_real->xOpen(vfs_real, name, f->real, flags, outflags);
	f->base.pMethods = f->real->pMethods != NULL ? &vfs_methods : NULL;
	return rc;
}

static int
vfs_delete(sqlite3_vfs *vfs, const char *name, int syncdir)
{
	(void)vfs;
	return vfs_real->xDelete(vfs_real, name, syncdir);
}

static int
vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return vfs_real->xAccess(vfs_real, name, flags, out);
}

static int
vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return vfs_real->xFullPathname(vfs_real, name, n, out);
}

static void *
vfs_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return vfs_real->xDlOpen(vfs_real, name);
}

static void
vfs_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	vfs_real->xDlError(vfs_real, n, msg);
}

static void (*vfs_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return vfs_real->xDlSym(vfs_real, h, sym);
}

static void
vfs_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	vfs_real->xDlClose(vfs_real, h);
}

static int
vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return vfs_real->xRandomness(vfs_real, n, out);
}

static int
vfs_sleep(sqlite3_vfs *vfs, int usec)
{
	(void)vfs;
	return vfs_real->xSleep(vfs_real, usec);
}

static int
vfs_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return vfs_real->xCurrentTime(vfs_real, out);
}

static int
vfs_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return vfs_real->xGetLastError(vfs_real, n, out);
}

static int
vfs_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	double d;
	int rc;

	(void)vfs;
	if (vfs_real->iVersion >= 2 && vfs_real->xCurrentTimeInt64 != NULL)
		return vfs_real->xCurrentTimeInt64(vfs_real, out);
	rc = vfs_real->xCurrentTime(vfs_real, &d);
	*out = (sqlite3_int64)(d * 86400000.0);
	return rc;
}

static pthread_once_t	 vfs_once = PTHREAD_ONCE_INIT;
static int		 vfs_result = -1;

static void
vfs_setup(void)
{
	if ((vfs_real = sqlite3_vfs_find(NULL)) == NULL)
		return;
	vfs_self.iVersion = 2;
	vfs_self.szOsFile = (int)VFS_REAL_OFF + vfs_real->szOsFile;
	vfs_self.mxPathname = vfs_real->mxPathname;
	vfs_self.zName = STORE_VFS_NAME;
	vfs_self.xOpen = vfs_open;
	vfs_self.xDelete = vfs_delete;
	vfs_self.xAccess = vfs_access;
	vfs_self.xFullPathname = vfs_full_pathname;
	vfs_self.xDlOpen = vfs_dl_open;
	vfs_self.xDlError = vfs_dl_error;
	vfs_self.xDlSym = vfs_dl_sym;
	vfs_self.xDlClose = vfs_dl_close;
	vfs_self.xRandomness = vfs_randomness;
	vfs_self.xSleep = vfs_sleep;
	vfs_self.xCurrentTime = vfs_current_time;
	vfs_self.xGetLastError = vfs_last_error;
	vfs_self.xCurrentTimeInt64 = vfs_current_time64;
	if (sqlite3_vfs_register(&vfs_self, 0) == SQLITE_OK)
		vfs_result = 0;
}

int
store_vfs_register(void)
{
	(void)pthread_once(&vfs_once, vfs_setup);
	return vfs_result;
}
