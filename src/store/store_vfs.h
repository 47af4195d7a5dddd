/* store_vfs.h -- an SQLite VFS that writes a commit's WAL frames in one call. */
#ifndef BACKSCATTER_STORE_VFS_H
#define BACKSCATTER_STORE_VFS_H

/* The name to pass to sqlite3_open_v2(). */
#define STORE_VFS_NAME	"backscatter-walbatch"

/*
 * Registers the VFS (not as the default) over the process's default
 * one, once; later calls return what the first did. 0 / -1.
 *
 * SQLite writes each WAL frame as two calls, its 24-byte header and its
 * page, so a group commit of the trap is some 40 pwrite()s. This VFS
 * keeps a WAL file's contiguous writes in memory and hands them to the
 * file in one write when SQLite syncs, reads, truncates, asks the size,
 * closes, or writes elsewhere in the file. Every other file, and every
 * other call, goes straight to the default VFS.
 *
 * Only for connections with synchronous = FULL: there SQLite syncs the
 * WAL after a commit's last frame and before it makes the commit
 * visible in the wal-index, so no reader, in this process or another,
 * is ever pointed at frames still held here. With NORMAL it does not
 * sync, and a reader could be; open those connections with the default
 * VFS.
 */
int	 store_vfs_register(void);

#endif
