/*
 * image.c - see image.h.  The image is read by dmarscan-image
 * (src/image/reader.c), a process of its own that links libtsk: libtsk's
 * image libraries carry copies of libyal's support code under the same
 * symbol names as the libregf, libbfio and libfwnt that libdmarscan uses,
 * and a crash in a parser of a hostile image costs one input, not the run.
 * This file runs it, reads what it says, and opens the hives it hands over
 * with dmar_hive_open_memory().
 *
 * Finding (image_find, at start-up): "dmarscan-image find IMAGE" lists the
 * folders with a SYSTEM hive and the metadata address of each hive and log
 * in them; what is kept is where to find the files again, not their bytes,
 * so memory does not grow with the number of images.
 *
 * Reading (image_open_hives, in a worker): "dmarscan-image read ..." hands
 * over the bytes of the hive, its logs, and the SOFTWARE hive with its logs.
 * Each worker runs its own reader: nothing is shared between threads.
 */
#include "config.h"

#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "grow.h"

#define READER "dmarscan-image"

extern char **environ;
#define MAX_LISTING (4u * 1024 * 1024)   /* bytes of a "find" answer */
#define MAX_FOLDERS 256                  /* as the reader bounds them */
#define FRAME_LINE 512                   /* a "read" frame's header line */

/* Names that say "disk image", for a clear message when one cannot be read. */
static const char *const IMAGE_EXTENSIONS[] = {
	".e01", ".ex01", ".s01", ".l01", ".raw", ".dd", ".img", ".001", ".aa",
	".vhd", ".vhdx", ".vmdk", ".aff", ".afd", ".afm", ".iso", ".qcow2",
	".qcow", ".vdi",
};

/* The files of a folder that make its two hives, as the reader names
 * their roles. */
enum { SYSTEM, SYSTEM_LOG1, SYSTEM_LOG2, SYSTEM_LOG, SOFTWARE, SOFTWARE_LOG1,
       SOFTWARE_LOG2, SOFTWARE_LOG, N_ROLES };

typedef struct found_file {
	char *name;                /* as the file system spells it; NULL: none */
	uint64_t inum;             /* its metadata address */
} found_file;

struct image_files {
	unsigned fs_type;          /* libtsk's TSK_FS_TYPE_ENUM */
	char *folder;              /* /Windows/System32/config[/RegBack] */
	found_file files[N_ROLES];
};

static char *printf_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *printf_alloc(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int named_like_image(const char *path)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < sizeof(IMAGE_EXTENSIONS) / sizeof(*IMAGE_EXTENSIONS); i++) {
		size_t n = strlen(IMAGE_EXTENSIONS[i]);
		if (len > n && strcasecmp(path + len - n, IMAGE_EXTENSIONS[i]) == 0)
			return 1;
	}
	return 0;
}

/* Regular files and block devices may be images; a hive ('regf') is not
 * one, nor is an empty file.  Pipes are never read ahead of their turn.
 * 'head' gets the file's first bytes (zeros past its end). */
static int may_be_image(const char *path, unsigned char head[128])
{
	struct stat st;
	memset(head, 0, 128);
	if (stat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ssize_t got = pread(fd, head, 128, 0);
	close(fd);
	return got > 0 && !(got >= 4 && memcmp(head, "regf", 4) == 0);
}

/* Virtual-machine disks libtsk does not read, by their signatures: named,
 * with what to do, rather than taken for a damaged hive. */
static char *unread_container(const char *path, const unsigned char head[128])
{
	const char *kind = NULL;
	if (memcmp(head, "QFI\xFB", 4) == 0)
		kind = "a QEMU QCOW";
	else if (head[0x40] == 0x7F && head[0x41] == 0x10 && head[0x42] == 0xDA &&
	         head[0x43] == 0xBE)
		kind = "a VirtualBox VDI";
	if (kind == NULL)
		return NULL;
	return printf_alloc("%s disk image, which libtsk does not read: convert "
	                    "it to a raw image away from the evidence first "
	                    "(qemu-img convert -O raw %s /elsewhere/disk.raw)",
	                    kind, path);
}

void image_origin_free(input_origin *o)
{
	if (o == NULL)
		return;
	free(o->label);
	free(o->software_label);
	free(o->image);
	free(o->format);
	free(o->volume_system);
	free(o->volume);
	free(o->file_system);
	free(o->path);
	free(o->save_name);
	if (o->files != NULL) {
		free(o->files->folder);
		for (int r = 0; r < N_ROLES; r++)
			free(o->files->files[r].name);
		free(o->files);
	}
	free(o);
}

static unsigned cpu_limit = IMAGE_CPU_LIMIT_DEFAULT;

void image_set_cpu_limit(unsigned seconds)
{
	cpu_limit = seconds;
}

#ifdef HAVE_TSK

static const char *const ROLES[N_ROLES] = {
	"SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2", "SYSTEM.LOG",
	"SOFTWARE", "SOFTWARE.LOG1", "SOFTWARE.LOG2", "SOFTWARE.LOG",
};

/* ---- Running the reader ------------------------------------------------------- */

static char reader_path[4096];
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

/* dmarscan-image beside this program (a build tree), else where it was
 * installed. */
static void locate_reader(void)
{
	char self[sizeof(reader_path) - sizeof(READER)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			slash[1] = '\0';
			snprintf(reader_path, sizeof(reader_path), "%s%s", self, READER);
			if (access(reader_path, X_OK) == 0)
				return;
		}
	}
	snprintf(reader_path, sizeof(reader_path), "%s/%s", DMAR_PKGLIBEXECDIR, READER);
}

typedef struct reader {
	pid_t pid;
	FILE *out;                 /* its standard output */
} reader;

/* The reader's limits: no core file (a crash on a hostile image would
 * write the image's memory into the working folder, which may hold the
 * evidence; the reader also drops it itself), and the CPU time: SIGXCPU
 * at the limit, SIGKILL a little later, never above the hard limit this
 * process inherited (raising it is not allowed). */
static int limit_reader(pid_t pid)
{
	struct rlimit none = { 0, 0 };
	if (prlimit(pid, RLIMIT_CORE, &none, NULL) != 0)
		return -1;
	if (cpu_limit == 0)
		return 0;
	struct rlimit have, cpu = { cpu_limit, (rlim_t)cpu_limit + 5 };
	if (getrlimit(RLIMIT_CPU, &have) == 0 && have.rlim_max != RLIM_INFINITY) {
		if (cpu.rlim_max > have.rlim_max)
			cpu.rlim_max = have.rlim_max;
		if (cpu.rlim_cur > cpu.rlim_max)
			cpu.rlim_cur = cpu.rlim_max;
	}
	return prlimit(pid, RLIMIT_CPU, &cpu, NULL);
}

/* Start the reader with 'args' (NULL-terminated, after the program). */
static int reader_start(reader *r, const char *const *args, char **why)
{
	pthread_once(&reader_once, locate_reader);
	const char *argv[16];
	size_t n = 0;
	argv[n++] = reader_path;
	for (; args[n - 1] != NULL && n < sizeof(argv) / sizeof(*argv) - 1; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		*why = printf_alloc("cannot run %s: %s", reader_path, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
	posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
	int rc = posix_spawn(&r->pid, reader_path, &actions, NULL,
	                     (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		*why = printf_alloc("cannot run the disk-image reader %s: %s (is it "
		                    "installed?)", reader_path, strerror(rc));
		return -1;
	}
	if (limit_reader(r->pid) != 0)
		*why = printf_alloc("cannot set the disk-image reader's limits: %s",
		                    strerror(errno));
	else if ((r->out = fdopen(fds[0], "rb")) == NULL)
		*why = printf_alloc("out of memory");
	else
		return 0;
	close(fds[0]);
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	return -1;
}

/* Wait for the reader; NULL when it ended well, else how it ended. */
static char *reader_end(reader *r)
{
	int status = 0;
	struct rusage used = { 0 };
	fclose(r->out);   /* a reader still writing gets SIGPIPE */
	while (wait4(r->pid, &status, 0, &used) < 0 && errno == EINTR)
		;
	long cpu = (long)used.ru_utime.tv_sec + (long)used.ru_stime.tv_sec;
	/* SIGXCPU is the limit's; SIGKILL is when the reader went on past it
	 * (else the OOM killer or an operator) */
	if (WIFSIGNALED(status) && cpu_limit > 0 &&
	    (WTERMSIG(status) == SIGXCPU ||
	     (WTERMSIG(status) == SIGKILL && cpu >= (long)cpu_limit)))
		return printf_alloc("the disk-image reader (libtsk) used %ld s of CPU "
		                    "time on this image and was stopped at the limit: "
		                    "it may be damaged or hostile (--image-cpu-limit)",
		                    cpu);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGPIPE)
		return printf_alloc("the disk-image reader (libtsk) stopped on signal %d "
		                    "reading this image: it may be damaged or hostile",
		                    WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return printf_alloc("the disk-image reader (libtsk) failed (exit status "
		                    "%d)", WEXITSTATUS(status));
	return NULL;
}

const char *image_reader_version(void)
{
	static char version[128];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	if (version[0] == '\0') {
		const char *args[] = { "version", NULL };
		reader r;
		char *why = NULL;
		if (reader_start(&r, args, &why) == 0) {
			if (fgets(version, sizeof(version), r.out) != NULL)
				version[strcspn(version, "\n")] = '\0';
			free(reader_end(&r));
		}
		if (version[0] == '\0')
			snprintf(version, sizeof(version), "%s", why ? why
			         : "the disk-image reader did not answer");
		free(why);
	}
	pthread_mutex_unlock(&lock);
	return version;
}

/* ---- Finding ------------------------------------------------------------------ */

/* Undo the reader's escapes in place. */
static char *unescape(char *s)
{
	char *w = s;
	for (const char *p = s; *p; p++) {
		if (*p != '\\' || p[1] == '\0') {
			*w++ = *p;
			continue;
		}
		p++;
		*w++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
	}
	*w = '\0';
	return s;
}

/* Split a line into at most 'max' tab-separated fields, unescaped. */
static size_t fields(char *line, char **out, size_t max)
{
	size_t n = 0;
	while (n < max) {
		char *tab = n + 1 < max ? strchr(line, '\t') : NULL;
		if (tab != NULL)
			*tab = '\0';
		out[n++] = unescape(line);
		if (tab == NULL)
			break;
		line = tab + 1;
	}
	return n;
}

/* What the reader said about one image. */
typedef struct listing {
	const char *image;
	char *format;              /* NULL: it could not be opened */
	char *volume_system;
	char *problem_kind;        /* "open", "nothing" */
	char *problem;
	char *searched;
	input_origin **found;
	size_t n, cap;
	int failed;                /* out of memory */
} listing;

static char *dup_or_null(const char *s)
{
	return (s == NULL || strcmp(s, "-") == 0) ? NULL : strdup(s);
}

/* "IMAGE:/p2" + path + "/" + name: where a file is, for people. */
static char *location(const input_origin *o, const char *name)
{
	return o->volume ? printf_alloc("%s:/%s%s/%s", o->image, o->volume,
	                                o->files->folder, name)
	                 : printf_alloc("%s:%s/%s", o->image, o->files->folder, name);
}

/* IMAGE_pN_Windows_System32_config_SYSTEM: the image's file name and the
 * hive's location, one name. */
static char *save_name(const input_origin *o)
{
	const char *slash = strrchr(o->image, '/');
	char *name = printf_alloc("%s%s%s%s", slash ? slash + 1 : o->image,
	                          o->volume ? "_" : "", o->volume ? o->volume : "",
	                          o->path);
	for (char *p = name; p != NULL && *p; p++)
		if (*p == '/')
			*p = '_';
	return name;
}

/* folder VOLUME OFFSET FS-TYPE FS-NAME BACKUP PATH */
static void add_folder(listing *l, char **f)
{
	input_origin *o = calloc(1, sizeof(*o));
	input_origin **more = l->n < MAX_FOLDERS
	                      ? grow_for_one(l->found, l->n, &l->cap, sizeof(*more), 4)
	                      : NULL;
	if (o == NULL || more == NULL || (o->files = calloc(1, sizeof(*o->files))) == NULL) {
		image_origin_free(o);
		l->failed |= l->n < MAX_FOLDERS;
		return;
	}
	l->found = more;
	l->found[l->n++] = o;
	o->image = strdup(l->image);
	o->format = dup_or_null(l->format);
	o->volume_system = dup_or_null(l->volume_system);
	o->volume = dup_or_null(f[1]);
	o->offset = strtoull(f[2], NULL, 10);
	o->files->fs_type = (unsigned)strtoul(f[3], NULL, 10);
	o->file_system = dup_or_null(f[4]);
	o->backup = strcmp(f[5], "1") == 0;
	o->files->folder = strdup(f[6]);
	if (o->image == NULL || o->files->folder == NULL)
		l->failed = 1;
}

/* file ROLE INUM NAME, of the last folder */
static void add_file(listing *l, char **f)
{
	if (l->n == 0)
		return;
	struct image_files *files = l->found[l->n - 1]->files;
	for (int r = 0; r < N_ROLES; r++) {
		if (strcmp(f[1], ROLES[r]) != 0 || files->files[r].name != NULL)
			continue;
		files->files[r].inum = strtoull(f[2], NULL, 10);
		if ((files->files[r].name = strdup(f[3])) == NULL)
			l->failed = 1;
	}
}

static void parse_line(listing *l, char *line)
{
	char *f[8];
	size_t n = fields(line, f, 8);
	if (strcmp(f[0], "image") == 0 && n == 3) {
		free(l->format);
		free(l->volume_system);
		l->format = strdup(f[1]);
		l->volume_system = dup_or_null(f[2]);
	} else if (strcmp(f[0], "folder") == 0 && n == 7) {
		add_folder(l, f);
	} else if (strcmp(f[0], "file") == 0 && n == 4) {
		add_file(l, f);
	} else if (strcmp(f[0], "searched") == 0 && n == 2) {
		free(l->searched);
		l->searched = strdup(f[1]);
	} else if (strcmp(f[0], "problem") == 0 && n == 3) {
		free(l->problem_kind);
		free(l->problem);
		l->problem_kind = strdup(f[1]);
		l->problem = strdup(f[2]);
	}
}

/* Labels and paths of what was found: the SYSTEM hive's location, and
 * the SOFTWARE hive's beside it. */
static void finish_origins(listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		input_origin *o = l->found[i];
		const found_file *sys = &o->files->files[SYSTEM];
		const found_file *sw = &o->files->files[SOFTWARE];
		if (sys->name == NULL) {
			l->failed = 1;   /* the reader lists a SYSTEM hive for each */
			continue;
		}
		o->path = printf_alloc("%s/%s", o->files->folder, sys->name);
		o->label = location(o, sys->name);
		o->software_label = sw->name ? location(o, sw->name) : NULL;
		o->save_name = o->path ? save_name(o) : NULL;
		if (o->path == NULL || o->label == NULL || o->save_name == NULL ||
		    (sw->name && !o->software_label))
			l->failed = 1;
	}
}

/* Run "find" and read its answer. */
static char *list_image(listing *l)
{
	const char *args[] = { "find", l->image, NULL };
	reader r;
	char *why = NULL;
	if (reader_start(&r, args, &why) != 0)
		return why;
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, r.out)) > 0 && total < MAX_LISTING) {
		total += (size_t)len;
		line[strcspn(line, "\n")] = '\0';
		parse_line(l, line);
	}
	free(line);
	why = reader_end(&r);
	finish_origins(l);
	return why;
}

static void listing_free(listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		image_origin_free(l->found[i]);
	free(l->found);
	free(l->format);
	free(l->volume_system);
	free(l->problem_kind);
	free(l->problem);
	free(l->searched);
}

/* image_find past the checks both builds make: what libtsk finds. */
static int look_into(const char *path, input_origin ***found, size_t *n,
                     char **problem)
{
	listing l = { .image = path };
	char *crashed = list_image(&l);
	/* named like an image, or recognised as one (E01, VHD...): say why it
	 * gives no hive; a raw file in which nothing was recognised may still
	 * be a damaged hive, and is left to be opened as one */
	int is_image = named_like_image(path) || l.searched != NULL ||
	               (l.format != NULL && (strcmp(l.format, "raw") != 0 ||
	                                     crashed != NULL));
	int rc = IMAGE_PROBLEM;
	if (l.failed) {
		rc = -1;
	} else if (l.n > 0) {
		*found = l.found;
		*n = l.n;
		l.found = NULL;
		l.n = 0;
		rc = IMAGE_FOUND;
	} else if (!is_image) {
		rc = IMAGE_NOT;
	} else if (crashed != NULL) {
		*problem = crashed;
		crashed = NULL;
	} else if (l.format == NULL) {
		*problem = printf_alloc("cannot open the disk image: %s",
		                        l.problem ? l.problem : "no detail given");
	} else if (l.searched == NULL) {
		*problem = printf_alloc("this %s disk image holds %s", l.format,
		                        l.problem ? l.problem : "nothing libtsk reads");
	} else {
		*problem = printf_alloc("no Windows installation found in this %s disk "
		                        "image (%s%s%s)", l.format,
		                        l.volume_system ? l.volume_system : "",
		                        l.volume_system ? ": " : "", l.searched);
	}
	if (rc == IMAGE_PROBLEM && *problem == NULL)
		rc = -1;
	free(crashed);
	listing_free(&l);
	return rc;
}

/* ---- Reading ----------------------------------------------------------------- */

/* One file as the reader hands it over. */
typedef struct read_file {
	char *label;
	void *data;
	size_t size;
	char *problem;             /* why it could not be read */
	int cut;                   /* the stream ended inside it */
} read_file;

static void read_file_free(read_file *f)
{
	free(f->label);
	free(f->data);
	free(f->problem);
}

/* The next frame: "ok SIZE\n" and the bytes, or "error MESSAGE\n"; none
 * (neither data nor a problem) when the reader stopped before it. */
static void read_frame(FILE *in, read_file *f)
{
	char line[FRAME_LINE];
	if (fgets(line, sizeof(line), in) == NULL)
		return;
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "error ", 6) == 0) {
		f->problem = strdup(unescape(line + 6));
		return;
	}
	char *end = NULL;
	uint64_t size = strncmp(line, "ok ", 3) == 0 ? strtoull(line + 3, &end, 10) : 0;
	if (end == NULL || *end != '\0' || size > DMAR_HIVE_MAX_SIZE) {
		f->problem = printf_alloc("the disk-image reader's answer is garbled");
		return;
	}
	f->data = malloc(size ? (size_t)size : 1);
	if (f->data == NULL) {
		f->problem = printf_alloc("out of memory for %" PRIu64 " bytes", size);
		return;
	}
	f->size = fread(f->data, 1, (size_t)size, in);
	f->cut = f->size != size;
	if (f->cut)
		f->problem = printf_alloc("read error in the image after %zu of %" PRIu64
		                          " bytes", f->size, size);
}

/* What one reader run gave: the files of the roles asked for. */
typedef struct read_set {
	read_file files[N_ROLES];
	char *failed;              /* the reader could not run or read at all */
} read_set;

static void read_set_free(read_set *s)
{
	for (int r = 0; r < N_ROLES; r++)
		read_file_free(&s->files[r]);
	free(s->failed);
}

static void read_roles(const input_origin *o, int software, read_set *out)
{
	const struct image_files *files = o->files;
	char offset[32], type[16], specs[N_ROLES][48];
	const char *args[6 + N_ROLES] = { "read", o->image, offset, type };
	size_t n = 4;
	int asked[N_ROLES];
	snprintf(offset, sizeof(offset), "%" PRIu64, o->offset);
	snprintf(type, sizeof(type), "%u", files->fs_type);
	for (int r = 0; r < N_ROLES; r++) {
		asked[r] = files->files[r].name != NULL && (software || r < SOFTWARE);
		if (!asked[r])
			continue;
		int log = r != SYSTEM && r != SOFTWARE;
		snprintf(specs[r], sizeof(specs[r]), "%" PRIu64 ":%" PRIu64,
		         files->files[r].inum,
		         log ? (uint64_t)DMAR_LOG_MAX_SIZE : (uint64_t)DMAR_HIVE_MAX_SIZE);
		args[n++] = specs[r];
		out->files[r].label = location(o, files->files[r].name);
	}
	args[n] = NULL;
	reader rd;
	if (reader_start(&rd, args, &out->failed) != 0)
		return;
	for (int r = 0; r < N_ROLES; r++)
		if (asked[r])
			read_frame(rd.out, &out->files[r]);
	out->failed = reader_end(&rd);
}

/* Append "label: why" to the notes. */
static void add_note(char **notes, const char *label, const char *why)
{
	char *more = printf_alloc("%s%s%s: %s", *notes ? *notes : "",
	                          *notes ? "; " : "", label ? label : "?", why);
	if (more != NULL) {
		free(*notes);
		*notes = more;
	}
}

/* Open the hive of role 'hive' with the logs read beside it; a log that
 * could not be read is noted and left out. */
static int open_read(read_set *s, int hive, const dmar_open_options *opts,
                     dmar_hive **out, char **notes, dmar_error **err)
{
	const read_file *h = &s->files[hive];
	if (h->problem != NULL)
		return dmar_error_set(err, DMAR_EIO, "%s", h->problem);
	dmar_memory_file file = { h->label, h->data, h->size };
	dmar_memory_file logs[3];
	size_t n = 0;
	for (int r = hive + 1; r <= hive + 3; r++) {
		const read_file *l = &s->files[r];
		if (l->problem != NULL)
			add_note(notes, l->label, l->problem);
		else if (l->data != NULL)
			logs[n++] = (dmar_memory_file){ l->label, l->data, l->size };
	}
	return dmar_hive_open_memory(out, &file, logs, n, opts, err);
}

int image_open_hives(const input_origin *o, const dmar_open_options *opts,
                     int software, image_hives *out, dmar_error **err)
{
	memset(out, 0, sizeof(*out));
	read_set s;
	memset(&s, 0, sizeof(s));
	read_roles(o, software, &s);
	int told = 0;   /* how the reader ended is said on a file */
	for (int r = 0; r < N_ROLES; r++) {
		read_file *f = &s.files[r];
		char *why = NULL;
		if (f->cut && s.failed != NULL)   /* it stopped inside this file */
			why = printf_alloc("%s: %s", f->problem, s.failed);
		else if (f->label != NULL && f->data == NULL && f->problem == NULL)
			why = strdup(s.failed ? s.failed   /* it stopped before it */
			             : "the disk-image reader gave no answer");
		if (why == NULL)
			continue;
		free(f->problem);
		f->problem = why;
		told = 1;
	}
	int rc = open_read(&s, SYSTEM, opts, &out->system, &out->notes, err);
	if (rc == 0 && s.failed != NULL && !told)
		add_note(&out->notes, o->image, s.failed);
	if (rc == 0 && (s.files[SOFTWARE].data || s.files[SOFTWARE].problem)) {
		dmar_error *e = NULL;
		if (open_read(&s, SOFTWARE, opts, &out->software, &out->notes, &e) != 0)
			add_note(&out->notes, o->software_label, e ? e->message : "cannot open");
		dmar_error_free(e);
	}
	read_set_free(&s);
	return rc;
}

#else /* !HAVE_TSK */

const char *image_reader_version(void)
{
	return "none: built without libtsk";
}

/* Without libtsk, a file named like an image is refused, not taken for a
 * damaged hive. */
static int look_into(const char *path, input_origin ***found, size_t *n,
                     char **problem)
{
	(void)found;
	(void)n;
	if (!named_like_image(path))
		return IMAGE_NOT;
	*problem = printf_alloc("reading disk images needs The Sleuth Kit (libtsk), "
	                        "which this dmarscan was built without (Debian: "
	                        "libtsk-dev, then configure again); or give the "
	                        "exported hives");
	return *problem ? IMAGE_PROBLEM : -1;
}

int image_open_hives(const input_origin *o, const dmar_open_options *opts,
                     int software, image_hives *out, dmar_error **err)
{
	(void)o;
	(void)opts;
	(void)software;
	memset(out, 0, sizeof(*out));
	return dmar_error_set(err, DMAR_EINVAL, "built without libtsk");
}

#endif /* HAVE_TSK */

int image_find(const char *path, input_origin ***found, size_t *n, char **problem)
{
	*found = NULL;
	*n = 0;
	*problem = NULL;
	unsigned char head[128];
	if (!may_be_image(path, head))
		return IMAGE_NOT;
	if ((*problem = unread_container(path, head)) != NULL)
		return IMAGE_PROBLEM;
	return look_into(path, found, n, problem);
}
