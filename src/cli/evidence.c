/*
 * evidence.c - see evidence.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence.h"

/* What writing 'path' would write: the file at the end of its links, also
 * a link to a file not there yet (opening it would create that file).
 * Malloc'd; a copy of 'path' when it is no link. */
static char *final_target(const char *path)
{
	char *at = strdup(path);
	for (int hops = 0; at != NULL && hops < 40; hops++) {
		struct stat st;
		if (lstat(at, &st) != 0 || !S_ISLNK(st.st_mode))
			break;
		char *real = realpath(at, NULL);
		if (real != NULL) {          /* a link to a file that exists */
			free(at);
			return real;
		}
		char link[4096];
		ssize_t n = readlink(at, link, sizeof(link) - 1);
		if (n <= 0)
			break;
		link[n] = '\0';
		char *next = NULL;
		const char *slash = strrchr(at, '/');
		if (link[0] == '/' || slash == NULL)
			next = strdup(link);
		else if (asprintf(&next, "%.*s/%s", (int)(slash - at), at, link) < 0)
			next = NULL;
		free(at);
		at = next;
	}
	return at;
}

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The folder holding 'path', as stat sees it. */
static int stat_folder(const char *path, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return stat(".", st);
	if (slash == path)
		return stat("/", st);
	char *dir = strndup(path, (size_t)(slash - path));
	int rc = dir ? stat(dir, st) : -1;
	free(dir);
	return rc;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Is 'name' NAME.LOG, NAME.LOG1 or NAME.LOG2 of the hive 'hive' (any case)? */
static int log_name_of(const char *name, const char *hive)
{
	static const char *const suffixes[] = { ".log", ".log1", ".log2" };
	size_t n = strlen(hive);
	if (strncasecmp(name, hive, n) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++)
		if (strcasecmp(name + n, suffixes[i]) == 0)
			return 1;
	return 0;
}

/* Could 'name' be a segment of the disk image 'image' (disk.E02,
 * disk.002, disk.ab, disk-s001.vmdk, disk-flat.vmdk)?  Those are named
 * after the image's first file without its extension (any case). */
static int segment_name_of(const char *name, const char *image)
{
	const char *dot = strrchr(image, '.');
	size_t n = dot != NULL && dot != image ? (size_t)(dot - image) : strlen(image);
	return strncasecmp(name, image, n) == 0;
}

/* Is 'path' in the folder of a disk image under a name of its segments?
 * Only the first segment is an input; the others are evidence too.  A
 * link is judged by what it points to. */
const char *evidence_segment_conflict(const char *path, char *const *images, int n)
{
	char *real = final_target(path);
	const char *target = real ? real : path;
	const char *why = NULL;
	struct stat folder, image_folder;
	for (int i = 0; why == NULL && i < n && stat_folder(target, &folder) == 0; i++)
		if (stat_folder(images[i], &image_folder) == 0 &&
		    same_inode(&folder, &image_folder) &&
		    segment_name_of(base_name(target), base_name(images[i])))
			why = "refusing to write beside a disk image under a name its "
			      "segments may have (the image's name up to its extension); "
			      "choose another name or folder";
	free(real);
	return why;
}

/* Evidence is never written: why 'path' may not be written, or NULL.  It
 * may not be an input or a transaction log of one; with 'not_beside', it
 * may not sit in an input's folder at all. */
const char *evidence_conflict(const char *path, char *const *inputs, int n,
                              int not_beside)
{
	char *resolved = final_target(path);
	const char *at = resolved ? resolved : path;
	const char *why = NULL;
	struct stat target, folder;
	int exists = stat(at, &target) == 0;
	int has_folder = stat_folder(at, &folder) == 0;
	for (int i = 0; why == NULL && i < n; i++) {
		struct stat in, in_folder;
		if (stat(inputs[i], &in) != 0)
			continue;
		if (exists && same_inode(&in, &target))
			why = "refusing to write over an input";
		else if (!has_folder || stat_folder(inputs[i], &in_folder) != 0 ||
		         !same_inode(&folder, &in_folder))
			continue;
		else if (log_name_of(base_name(at), base_name(inputs[i])))
			why = "refusing to write over, or beside, an input as one of its "
			      "transaction logs";
		else if (not_beside)
			why = "refusing to write into the folder of an input (evidence "
			      "stays as it was found); choose another folder";
	}
	free(resolved);
	return why;
}
