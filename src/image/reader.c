/*
 * reader.c - dmarscan-image, the disk-image reader dmarscan runs: the only
 * program of the project that talks to libtsk (The Sleuth Kit).
 *
 * Why a process of its own: libtsk and the libraries it loads (libewf,
 * libvhdi, libvmdk) carry private copies of libyal's support libraries
 * under the same symbol names as libregf, libbfio and libfwnt, which
 * libdmarscan uses; loaded into one process they bind to each other's
 * copies and corrupt memory.  Apart, each runs with its own.  And a
 * hostile image that crashes a parser here costs dmarscan one input, not
 * the run.
 *
 *   dmarscan-image find IMAGE
 *       Search IMAGE (raw or split raw, E01, VHD, VMDK: what libtsk reads)
 *       for Windows installations: in every partition of its volume system
 *       (or the file system at offset 0 when it has none), every
 *       Windows/System32/config (any case; also below Windows.old, the
 *       installation an upgrade kept) and its RegBack folder that holds a
 *       SYSTEM hive.  Writes lines of tab-separated fields:
 *
 *         image     FORMAT  VOLUME-SYSTEM|-          the image opened
 *         folder    VOLUME|-  OFFSET  FS-TYPE  FS-NAME  BACKUP  PATH
 *         file      ROLE  INUM  NAME                 of the folder above
 *         searched  NOTE                             what was looked at
 *         problem   KIND  MESSAGE                    open | nothing
 *
 *       VOLUME is p<N>, N the partition's number as Linux gives it (GPT
 *       entry, MBR primary slot 1-4, logical partitions from 5); ROLE is
 *       SYSTEM, SYSTEM.LOG1, SYSTEM.LOG2, SYSTEM.LOG, SOFTWARE, ...; NAME
 *       and PATH as the file system spells them.  Text fields escape
 *       backslash, tab, newline and carriage return as \\ \t \n \r.
 *
 *   dmarscan-image read IMAGE OFFSET FS-TYPE INUM:MAX ...
 *       Write each file whole: "ok SIZE\n" and its SIZE bytes, or
 *       "error MESSAGE\n" (not a regular file, larger than MAX, a read
 *       error).
 *
 *   dmarscan-image version
 *
 * The image is opened read-only; nothing is written but standard output.
 * Exit status 0, or 2 on a usage error or when the file system of 'read'
 * cannot be opened (its message on standard output as an "error" line).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include <tsk/libtsk.h>

/* Bounds on what a hostile image can make the search do. */
#define MAX_MATCHES 8          /* entries matching one path component */
#define MAX_FOLDERS 256        /* folders with a SYSTEM hive reported */
#define MAX_VOLUMES 256        /* partitions looked into */
#define NOTE_SIZE 2048         /* bytes of the "what was searched" note */
#define CHUNK (1024u * 1024u)

static const char *const HIVES[] = { "SYSTEM", "SOFTWARE" };
static const char *const LOG_SUFFIXES[] = { ".LOG1", ".LOG2", ".LOG" };

/* ---- Output ----------------------------------------------------------------- */

/* A text field, escaped so that it stays one field of one line. */
static void put_text(const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default: putchar(*s);
		}
	}
}

/* libtsk's last error (NULL-safe), then cleared. */
static const char *tsk_why(void)
{
	static char line[300];
	const char *e = tsk_error_get();
	snprintf(line, sizeof(line), "%s", e && *e ? e : "no detail given");
	tsk_error_reset();
	return line;
}

/* ---- find ------------------------------------------------------------------- */

typedef struct entry {
	char *name;
	TSK_INUM_T inum;
} entry;

typedef struct search {
	size_t folders;
	char note[NOTE_SIZE];
	size_t note_len;
} search;

static void note(search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(search *s, const char *fmt, ...)
{
	if (s->note_len + 1 >= sizeof(s->note))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->note + s->note_len, sizeof(s->note) - s->note_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->note_len += (size_t)n < sizeof(s->note) - s->note_len
		               ? (size_t)n : sizeof(s->note) - s->note_len - 1;
}

/* The allocated entries of a folder named 'name' in any case (folders
 * when 'want_dir', else files), each metadata address once. */
static size_t children_named(TSK_FS_INFO *fs, TSK_INUM_T dir_inum, const char *name,
                             int want_dir, entry *out)
{
	TSK_FS_DIR *dir = tsk_fs_dir_open_meta(fs, dir_inum);
	size_t n = 0;
	if (dir == NULL) {
		tsk_error_reset();
		return 0;
	}
	size_t size = tsk_fs_dir_getsize(dir);
	for (size_t i = 0; i < size && n < MAX_MATCHES; i++) {
		const TSK_FS_NAME *e = tsk_fs_dir_get_name(dir, i);
		if (e == NULL || e->name == NULL || !(e->flags & TSK_FS_NAME_FLAG_ALLOC) ||
		    e->meta_addr == 0 || strcasecmp(e->name, name) != 0)
			continue;
		if (e->type != TSK_FS_NAME_TYPE_UNDEF &&
		    (TSK_FS_IS_DIR_NAME(e->type) ? 1 : 0) != want_dir)
			continue;
		int seen = 0;
		for (size_t k = 0; k < n; k++)
			seen |= out[k].inum == e->meta_addr;
		if (seen || (out[n].name = strdup(e->name)) == NULL)
			continue;
		out[n++].inum = e->meta_addr;
	}
	tsk_fs_dir_close(dir);
	tsk_error_reset();
	return n;
}

static void entries_free(entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
}

/* The first file of 'folder' named ROLE (any case), as a "file" line. */
static int put_file(TSK_FS_INFO *fs, TSK_INUM_T folder, const char *role)
{
	entry m[MAX_MATCHES];
	size_t n = children_named(fs, folder, role, 0, m);
	if (n > 0) {
		printf("file\t%s\t%" PRIuINUM "\t", role, m[0].inum);
		put_text(m[0].name);
		putchar('\n');
	}
	entries_free(m, n);
	return n > 0;
}

/* A config folder (or its RegBack) with a SYSTEM hive: its hives and logs. */
static void put_folder(search *s, TSK_FS_INFO *fs, const char *volume,
                       TSK_OFF_T offset, TSK_INUM_T inum, const char *path,
                       int backup)
{
	entry m[MAX_MATCHES];
	size_t n = children_named(fs, inum, "SYSTEM", 0, m);
	entries_free(m, n);
	if (n == 0 || s->folders == MAX_FOLDERS)
		return;
	s->folders++;
	printf("folder\t%s\t%" PRIdOFF "\t%u\t%s\t%d\t", volume ? volume : "-", offset,
	       (unsigned)fs->ftype, tsk_fs_type_toname(fs->ftype), backup);
	put_text(path);
	putchar('\n');
	for (size_t h = 0; h < sizeof(HIVES) / sizeof(*HIVES); h++) {
		if (!put_file(fs, inum, HIVES[h]))
			continue;
		for (size_t k = 0; k < sizeof(LOG_SUFFIXES) / sizeof(*LOG_SUFFIXES); k++) {
			char role[32];
			snprintf(role, sizeof(role), "%s%s", HIVES[h], LOG_SUFFIXES[k]);
			put_file(fs, inum, role);
		}
	}
}

/* The config folders below 'windows' (System32/config, any case), and
 * their RegBack folders; 'above' is the path of its parent ("" for the
 * root). */
static void search_windows(search *s, TSK_FS_INFO *fs, const char *volume,
                           TSK_OFF_T offset, const char *above,
                           const entry *windows)
{
	entry sys32[MAX_MATCHES], config[MAX_MATCHES], back[MAX_MATCHES];
	size_t n32 = children_named(fs, windows->inum, "System32", 1, sys32);
	for (size_t a = 0; a < n32; a++) {
		size_t nc = children_named(fs, sys32[a].inum, "config", 1, config);
		for (size_t b = 0; b < nc; b++) {
			char path[1024], back_path[1280];
			snprintf(path, sizeof(path), "%s/%s/%s/%s", above, windows->name,
			         sys32[a].name, config[b].name);
			put_folder(s, fs, volume, offset, config[b].inum, path, 0);
			size_t nb = children_named(fs, config[b].inum, "RegBack", 1, back);
			for (size_t c = 0; c < nb; c++) {
				snprintf(back_path, sizeof(back_path), "%s/%s", path,
				         back[c].name);
				put_folder(s, fs, volume, offset, back[c].inum, back_path, 1);
			}
			entries_free(back, nb);
		}
		entries_free(config, nc);
	}
	entries_free(sys32, n32);
}

/* Windows at the root, and the installation an upgrade kept in
 * Windows.old/Windows. */
static void search_fs(search *s, TSK_FS_INFO *fs, const char *volume, TSK_OFF_T offset)
{
	entry windows[MAX_MATCHES], old[MAX_MATCHES], kept[MAX_MATCHES];
	size_t before = s->folders;
	size_t n = children_named(fs, fs->root_inum, "Windows", 1, windows);
	for (size_t i = 0; i < n; i++)
		search_windows(s, fs, volume, offset, "", &windows[i]);
	entries_free(windows, n);
	size_t n_old = children_named(fs, fs->root_inum, "Windows.old", 1, old);
	for (size_t i = 0; i < n_old; i++) {
		char above[300];
		snprintf(above, sizeof(above), "/%s", old[i].name);
		size_t n_kept = children_named(fs, old[i].inum, "Windows", 1, kept);
		for (size_t k = 0; k < n_kept; k++)
			search_windows(s, fs, volume, offset, above, &kept[k]);
		entries_free(kept, n_kept);
	}
	entries_free(old, n_old);
	note(s, "%s%s%s%s", s->note_len ? "; " : "", volume ? volume : "",
	     volume ? " " : "", tsk_fs_type_toname(fs->ftype));
	if (s->folders == before)
		note(s, " without Windows/System32/config/SYSTEM");
}

/* p<N> as Linux numbers partitions: the GPT entry, MBR primary slots 1-4,
 * logical partitions from 5 on (one per extended table); other volume
 * systems by slot, else by order. */
static void volume_name(const TSK_VS_INFO *vs, const TSK_VS_PART_INFO *p,
                        unsigned ordinal, char *out, size_t size)
{
	long number = p->slot_num >= 0 ? p->slot_num + 1L : (long)ordinal;
	if (vs->vstype == TSK_VS_TYPE_DOS && p->table_num > 0)
		number = 4L + p->table_num;
	snprintf(out, size, "p%ld", number);
}

static void search_volumes(search *s, TSK_IMG_INFO *img, TSK_VS_INFO *vs)
{
	static char used[MAX_VOLUMES][16];
	unsigned count = 0;
	for (TSK_PNUM_T i = 0; i < vs->part_count && count < MAX_VOLUMES; i++) {
		const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
		if (p == NULL || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
			continue;
		char name[16];
		volume_name(vs, p, count + 1, name, sizeof(name));
		for (unsigned k = 0; k < count; k++)
			if (strcmp(used[k], name) == 0)   /* a hostile table */
				snprintf(name, sizeof(name), "v%u", (unsigned)p->addr);
		snprintf(used[count++], sizeof(used[0]), "%s", name);
		TSK_OFF_T offset = (TSK_OFF_T)p->start * vs->block_size + vs->offset;
		TSK_FS_INFO *fs = tsk_fs_open_img(img, offset, TSK_FS_TYPE_DETECT);
		if (fs == NULL) {
			tsk_error_reset();
			note(s, "%s%s without a file system libtsk reads",
			     s->note_len ? "; " : "", name);
			continue;
		}
		search_fs(s, fs, name, offset);
		tsk_fs_close(fs);
	}
	if (count == 0)
		note(s, "no partition");
}

static int find(const char *path)
{
	TSK_IMG_INFO *img = tsk_img_open_utf8_sing(path, TSK_IMG_TYPE_DETECT, 0);
	if (img == NULL) {
		printf("problem\topen\t");
		put_text(tsk_why());
		putchar('\n');
		return 0;
	}
	TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
	tsk_error_reset();
	TSK_FS_INFO *fs = vs ? NULL : tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
	tsk_error_reset();
	printf("image\t%s\t%s\n", tsk_img_type_toname(img->itype),
	       vs ? tsk_vs_type_toname(vs->vstype) : "-");
	search s = { 0, "", 0 };
	if (vs != NULL)
		search_volumes(&s, img, vs);
	else if (fs != NULL)
		search_fs(&s, fs, NULL, 0);
	else
		printf("problem\tnothing\tneither a volume system nor a file system "
		       "that libtsk reads\n");
	if (vs != NULL || fs != NULL) {
		printf("searched\t");
		put_text(s.note);
		putchar('\n');
	}
	if (fs != NULL)
		tsk_fs_close(fs);
	if (vs != NULL)
		tsk_vs_close(vs);
	tsk_img_close(img);
	return 0;
}

/* ---- read ------------------------------------------------------------------- */

static void put_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void put_error(const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fputs("error ", stdout);
	put_text(line);
	putchar('\n');
}

/* One file, framed: "ok SIZE\n" + bytes, or an error line.  Bytes go out
 * as they are read; a read error part-way is reported by the reader as a
 * short frame (the stream ends). */
static void read_one(TSK_FS_INFO *fs, TSK_INUM_T inum, uint64_t max)
{
	TSK_FS_FILE *file = tsk_fs_file_open_meta(fs, NULL, inum);
	char *buf = NULL;
	if (file == NULL || file->meta == NULL) {
		put_error("cannot read it from the image: %s", tsk_why());
	} else if (file->meta->type != TSK_FS_META_TYPE_REG) {
		put_error("not a regular file in the image");
	} else if (file->meta->size < 0) {
		put_error("its size in the file system is damaged (%" PRIdOFF ")",
		          file->meta->size);
	} else if ((uint64_t)file->meta->size > max) {
		put_error("%" PRIdOFF " bytes: more than the %" PRIu64 " bytes a file "
		          "of its kind can have; not read", file->meta->size, max);
	} else if ((buf = malloc(CHUNK)) == NULL) {
		put_error("out of memory");
	} else {
		uint64_t size = (uint64_t)file->meta->size, done = 0;
		printf("ok %" PRIu64 "\n", size);
		while (done < size) {
			size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
			ssize_t got = tsk_fs_file_read(file, (TSK_OFF_T)done, buf, want,
			                               TSK_FS_FILE_READ_FLAG_NONE);
			if (got <= 0)
				exit(1);   /* the frame is cut short: the reader says so */
			fwrite(buf, 1, (size_t)got, stdout);
			done += (uint64_t)got;
		}
	}
	free(buf);
	if (file != NULL)
		tsk_fs_file_close(file);
	tsk_error_reset();
}

static int read_files(int argc, char **argv)
{
	char *end = NULL;
	long long offset = strtoll(argv[3], &end, 10);
	unsigned long type = end && *end == '\0' ? strtoul(argv[4], &end, 10) : 0;
	if (end == NULL || *end != '\0' || offset < 0) {
		put_error("bad offset or file system type");
		return 2;
	}
	TSK_IMG_INFO *img = tsk_img_open_utf8_sing(argv[2], TSK_IMG_TYPE_DETECT, 0);
	TSK_FS_INFO *fs = img ? tsk_fs_open_img(img, (TSK_OFF_T)offset,
	                                        (TSK_FS_TYPE_ENUM)type) : NULL;
	if (fs == NULL) {
		put_error("cannot open the %s: %s", img ? "file system" : "disk image",
		          tsk_why());
		if (img != NULL)
			tsk_img_close(img);
		return 2;
	}
	for (int i = 5; i < argc; i++) {
		unsigned long long inum = strtoull(argv[i], &end, 10);
		unsigned long long max = *end == ':' ? strtoull(end + 1, &end, 10) : 0;
		if (*end != '\0')
			put_error("bad file %s", argv[i]);
		else
			read_one(fs, (TSK_INUM_T)inum, max);
	}
	tsk_fs_close(fs);
	tsk_img_close(img);
	return 0;
}

int main(int argc, char **argv)
{
	static char out_buffer[1u << 16];
	/* a crash on a hostile image leaves no core file (the working folder
	 * may hold the evidence); dmarscan sets this too, a moment later */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	int rc = 2;
	if (argc == 3 && strcmp(argv[1], "find") == 0)
		rc = find(argv[2]);
	else if (argc >= 6 && strcmp(argv[1], "read") == 0)
		rc = read_files(argc, argv);
	else if (argc == 2 && strcmp(argv[1], "version") == 0)
		rc = printf("libtsk %s\n", tsk_version_get_str()) < 0;
	else
		fprintf(stderr, "usage: dmarscan-image find IMAGE | read IMAGE OFFSET "
		        "FS-TYPE INUM:MAX ... | version\n(run by dmarscan)\n");
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
