/*
 * inputs.h - what the command line names, as a list of hives to analyse.
 *
 * A file is a hive to analyse, as given.  A folder is searched for hives
 * (-r: and the folders below it): a regular file is a hive when it starts
 * with a primary base block ('regf', file type 0), whatever its name;
 * transaction logs (their base blocks say so) are left to their hive.
 * A SYSTEM hive is recognised by the name in its base block or, failing
 * that, by its file name; a SOFTWARE hive beside it is paired with it;
 * other hives (SAM, SECURITY, NTUSER.DAT...) are passed over.  A hive of
 * no known name is analysed, and passed over quietly when it turns out
 * not to be a SYSTEM hive.  Folders are read in byte order of the names,
 * so the same tree always gives the same list.
 *
 * A file named on the command line that is no hive may be a disk image
 * (image.h): it gives an input per SYSTEM hive found in it, each with its
 * origin, or one input with a problem when none can be found.  Files in
 * folders are not looked into as images.
 */
#ifndef DMAR_INPUTS_H
#define DMAR_INPUTS_H

#include <stddef.h>

#include "image.h"

typedef struct input {
	char *path;                /* as named, or a hive's location in an image */
	char *software;            /* found beside it in a folder, or NULL */
	int found;                 /* found in a folder (not named) */
	char *problem;             /* cannot be read: why (nothing to analyse) */
	input_origin *origin;      /* a hive inside a disk image, or NULL */
	int bad_image;             /* a disk image that gave no hive (problem
	                              says why): its segments are evidence */
} input;

typedef struct input_list {
	input *v;
	size_t n, cap;
	size_t folders;            /* folders searched */
	size_t passed_over;        /* hives of other kinds in them */
} input_list;

/* Expand 'paths' (files and folders).  Returns 0, or -1 when memory ran
 * out.  A folder without any hive adds an input with a problem. */
int inputs_expand(char **paths, int n, int recursive, input_list *out);

void inputs_free(input_list *l);

/* A file named SOFTWARE (any case) in the folder of the hive 'path',
 * other than that hive itself: the SOFTWARE hive of the same machine, as a
 * collection usually keeps it.  malloc'd, or NULL. */
char *inputs_software_beside(const char *path);

#endif /* DMAR_INPUTS_H */
