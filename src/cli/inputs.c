/*
 * inputs.c - see inputs.h.
 */
#include "config.h"

#include "inputs.h"
#include "grow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FOLDER_DEPTH 64

typedef enum hive_kind { KIND_NONE, KIND_SYSTEM, KIND_SOFTWARE, KIND_OTHER,
                         KIND_UNKNOWN } hive_kind;

/* Hives that hold nothing dmarscan reads. */
static const char *const OTHER_HIVES[] = {
	"SAM", "SECURITY", "DEFAULT", "NTUSER.DAT", "USRCLASS.DAT", "COMPONENTS",
	"DRIVERS", "BCD", "BCD-TEMPLATE", "ELAM", "BBI", "SCHEMA.DAT",
	"AMCACHE.HVE", "SYSCACHE.HVE", "USERDIFF", "VSMIDK", "DEFAULT.SAV",
	"SOFTWARE.SAV", "SYSTEM.SAV",
};

static hive_kind kind_of_name(const char *name)
{
	if (strcasecmp(name, "SYSTEM") == 0)
		return KIND_SYSTEM;
	if (strcasecmp(name, "SOFTWARE") == 0)
		return KIND_SOFTWARE;
	for (size_t i = 0; i < sizeof(OTHER_HIVES) / sizeof(*OTHER_HIVES); i++)
		if (strcasecmp(name, OTHER_HIVES[i]) == 0)
			return KIND_OTHER;
	return KIND_UNKNOWN;
}

/* The last component of the name in the base block (UTF-16LE at 0x30,
 * 32 units, often the tail of "\SystemRoot\System32\Config\SYSTEM"),
 * ASCII only. */
static void embedded_name(const unsigned char *b, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < 32 && n + 1 < size; i++) {
		unsigned u = b[0x30 + 2 * i] | b[0x31 + 2 * i] << 8;
		if (u == 0)
			break;
		if (u == '\\' || u == '/')
			n = 0;
		else
			out[n++] = u < 0x80 ? (char)u : '?';
	}
	out[n] = '\0';
}

/* What kind of hive the file at 'path' is: KIND_NONE when it is none (or
 * a transaction log).  The file name wins when it is a hive's name (tools
 * that build hives copy another hive's base block name); the base block
 * name tells SYSTEM_B and its like. */
static hive_kind probe(const char *path, const char *file_name)
{
	unsigned char b[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return KIND_NONE;
	ssize_t got = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (got < 0x70 || memcmp(b, "regf", 4) != 0)
		return KIND_NONE;
	uint32_t type = b[28] | b[29] << 8 | (uint32_t)b[30] << 16 | (uint32_t)b[31] << 24;
	if (type != 0)
		return KIND_NONE;   /* a transaction log: replayed with its hive */
	hive_kind by_file = kind_of_name(file_name);
	if (by_file != KIND_UNKNOWN)
		return by_file;
	char inner[40];
	embedded_name(b, inner, sizeof(inner));
	return kind_of_name(inner);
}

static int push(input_list *l, const char *path, const char *software,
                int found, const char *problem)
{
	input *v = grow_for_one(l->v, l->n, &l->cap, sizeof(*v), 16);
	if (v == NULL)
		return -1;
	l->v = v;
	input *in = &l->v[l->n];
	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	in->software = software ? strdup(software) : NULL;
	in->problem = problem ? strdup(problem) : NULL;
	in->found = found;
	if (in->path == NULL || (software && in->software == NULL) ||
	    (problem && in->problem == NULL)) {
		free(in->path);
		free(in->software);
		free(in->problem);
		return -1;
	}
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a folder, sorted; NULL with errno set on failure. */
static char **folder_names(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t cap = 0;
	*n = 0;
	if (d == NULL)
		return NULL;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char **more = grow_for_one(names, *n, &cap, sizeof(*more), 32);
		if (more == NULL)
			break;
		names = more;
		if ((names[*n] = strdup(e->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (names == NULL)
		names = calloc(1, sizeof(*names));
	if (names != NULL)
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

typedef struct walk {
	input_list *out;
	int recursive;
	dev_t dev[MAX_FOLDER_DEPTH];   /* the folders being walked: a bind */
	ino_t ino[MAX_FOLDER_DEPTH];   /* mount or link back is not re-entered */
	int depth;
	int failed;
} walk;

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/'
		         ? "" : "/", name);
	return p;
}

static void walk_folder(walk *w, const char *dir);

/* The hives of one folder, then (-r) its folders. */
static void walk_entries(walk *w, const char *dir, char **names, size_t n)
{
	char **paths = calloc(n + 1, sizeof(*paths));
	hive_kind *kinds = calloc(n + 1, sizeof(*kinds));
	const char *software = NULL;
	if (paths == NULL || kinds == NULL) {
		w->failed = 1;
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if ((paths[i] = join(dir, names[i])) == NULL) {
			w->failed = 1;
			continue;
		}
		if (stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		kinds[i] = probe(paths[i], names[i]);
		if (kinds[i] == KIND_SOFTWARE && software == NULL)
			software = paths[i];
		else if (kinds[i] == KIND_OTHER || kinds[i] == KIND_SOFTWARE)
			w->out->passed_over++;
	}
	for (size_t i = 0; i < n; i++)
		if ((kinds[i] == KIND_SYSTEM || kinds[i] == KIND_UNKNOWN) &&
		    push(w->out, paths[i], software, 1, NULL) != 0)
			w->failed = 1;
	for (size_t i = 0; w->recursive && i < n; i++) {
		struct stat st;
		if (paths[i] != NULL && lstat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			walk_folder(w, paths[i]);   /* not through links: no loops */
	}
	for (size_t i = 0; paths != NULL && i < n; i++)
		free(paths[i]);
	free(paths);
	free(kinds);
}

static void walk_folder(walk *w, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return;
	for (int i = 0; i < w->depth; i++)
		if (w->dev[i] == st.st_dev && w->ino[i] == st.st_ino)
			return;
	if (w->depth == MAX_FOLDER_DEPTH)
		return;
	size_t n = 0;
	char **names = folder_names(dir, &n);
	if (names == NULL) {
		char why[300];
		snprintf(why, sizeof(why), "cannot read the folder: %s", strerror(errno));
		if (push(w->out, dir, NULL, 1, why) != 0)
			w->failed = 1;
		return;
	}
	w->out->folders++;
	w->dev[w->depth] = st.st_dev;
	w->ino[w->depth] = st.st_ino;
	w->depth++;
	walk_entries(w, dir, names, n);
	w->depth--;
	names_free(names, n);
}

/* A file named on the command line: a hive as named, or the SYSTEM hives
 * of a disk image. */
static int add_named_file(input_list *out, const char *path)
{
	input_origin **found = NULL;
	size_t n = 0;
	char *problem = NULL;
	int kind = image_find(path, &found, &n, &problem);
	int rc = kind < 0 ? -1 : 0;
	if (kind == IMAGE_NOT || kind == IMAGE_PROBLEM)
		rc = push(out, path, NULL, 0, problem);
	if (rc == 0 && kind == IMAGE_PROBLEM)
		out->v[out->n - 1].bad_image = 1;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && (rc = push(out, found[i]->label, NULL, 0, NULL)) == 0) {
			out->v[out->n - 1].origin = found[i];
			found[i] = NULL;
		}
		image_origin_free(found[i]);
	}
	free(found);
	free(problem);
	return rc;
}

int inputs_expand(char **paths, int n, int recursive, input_list *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			if (add_named_file(out, paths[i]) != 0)
				return -1;
			continue;
		}
		walk w = { .out = out, .recursive = recursive };
		size_t before = out->n;
		walk_folder(&w, paths[i]);
		if (w.failed)
			return -1;
		if (out->n == before &&
		    push(out, paths[i], NULL, 0, recursive
		         ? "no SYSTEM hive in this folder or below it"
		         : "no SYSTEM hive in this folder (-r also searches the "
		           "folders below it)") != 0)
			return -1;
	}
	return 0;
}

char *inputs_software_beside(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup("./");
	DIR *d = dir ? opendir(dir[0] ? dir : "/") : NULL;
	char *found = NULL;
	struct dirent *e;
	while (d != NULL && found == NULL && (e = readdir(d)) != NULL) {
		if (strcasecmp(e->d_name, "SOFTWARE") != 0)
			continue;
		struct stat st;
		size_t n = strlen(dir) + strlen(e->d_name) + 1;
		char *p = malloc(n);
		if (p != NULL)
			snprintf(p, n, "%s%s", dir, e->d_name);
		if (p != NULL && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			found = p;
		else
			free(p);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	struct stat a, b;
	if (found != NULL && stat(found, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		free(found);   /* the input is that file */
		found = NULL;
	}
	return found;
}

void inputs_free(input_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].software);
		free(l->v[i].problem);
		image_origin_free(l->v[i].origin);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
