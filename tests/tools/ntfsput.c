/*
 * ntfsput.c - copy files into an NTFS file system image without mounting
 * it, for the disk-image tests.
 *
 *   ntfsput IMAGE PATH=FILE ...
 *
 * IMAGE is an NTFS file system (mkntfs -F on a file); each PATH (with '/'
 * between the names, e.g. Windows/System32/config/SYSTEM) gets the bytes
 * of FILE, the folders on the way created as needed.  Written with
 * libntfs-3g, so no FUSE mount and no root are needed.  Exit 0, or 1 with
 * one line naming the problem.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#define MAX_FILE (64u * 1024 * 1024)

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "ntfsput: %s: %s: %s\n", what, name,
	        errno ? strerror(errno) : "failed");
	return -1;
}

/* The entry 'name' of the folder 'dir', created as 'type' when absent. */
static ntfs_inode *child(ntfs_volume *vol, ntfs_inode *dir, const char *name,
                         mode_t type)
{
	ntfschar *uname = NULL;
	int len = ntfs_mbstoucs(name, &uname);
	if (len <= 0 || len > 255) {
		free(uname);
		errno = EINVAL;
		return NULL;
	}
	ntfs_inode *ni = NULL;
	u64 ref = ntfs_inode_lookup_by_name(dir, uname, len);
	if (ref != (u64)-1)
		ni = ntfs_inode_open(vol, MREF(ref));
	else
		ni = ntfs_create(dir, const_cpu_to_le32(0), uname, (u8)len, type);
	free(uname);
	return ni;
}

static int write_data(ntfs_inode *ni, const char *file)
{
	FILE *f = fopen(file, "rb");
	char *buf = malloc(MAX_FILE);
	size_t n = (f && buf) ? fread(buf, 1, MAX_FILE, f) : 0;
	int rc = (f == NULL || buf == NULL || ferror(f) || !feof(f)) ? -1 : 0;
	ntfs_attr *na = rc == 0 ? ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0) : NULL;
	if (na == NULL ||
	    (n > 0 && ntfs_attr_pwrite(na, 0, (s64)n, buf) != (s64)n))
		rc = -1;
	if (na != NULL)
		ntfs_attr_close(na);
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

/* PATH=FILE: folders on the way, then the file's bytes. */
static int put(ntfs_volume *vol, char *spec)
{
	char *eq = strchr(spec, '=');
	if (eq == NULL) {
		errno = EINVAL;
		return fail("not PATH=FILE", spec);
	}
	*eq = '\0';
	const char *file = eq + 1;
	ntfs_inode *dir = ntfs_inode_open(vol, FILE_root);
	char *save = NULL;
	int rc = dir ? 0 : fail("cannot open the root folder", spec);
	for (char *name = strtok_r(spec, "/", &save); rc == 0 && name != NULL;) {
		char *next = strtok_r(NULL, "/", &save);
		ntfs_inode *ni = child(vol, dir, name, next ? S_IFDIR : S_IFREG);
		if (ni == NULL)
			rc = fail("cannot create", name);
		else if (next == NULL && write_data(ni, file) != 0)
			rc = fail("cannot write", file);
		ntfs_inode_close(dir);
		dir = ni;
		name = next;
	}
	if (dir != NULL)
		ntfs_inode_close(dir);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ntfsput IMAGE PATH=FILE ...\n");
		return 2;
	}
	ntfs_volume *vol = ntfs_mount(argv[1], 0);
	if (vol == NULL) {
		fail("cannot open as NTFS", argv[1]);
		return 1;
	}
	int rc = 0;
	for (int i = 2; i < argc && rc == 0; i++)
		rc = put(vol, argv[i]);
	if (ntfs_umount(vol, FALSE) != 0 && rc == 0)
		rc = fail("cannot close", argv[1]);
	return rc == 0 ? 0 : 1;
}
