/*
 * runcases.c - dmarscan's end-to-end test runner.
 *
 * Why this exists: dmarscan's behaviour is best pinned down by running the
 * real program on real (or built) hives and looking at its report.  Writing
 * one shell script per scenario would scatter quoting, temp files and exit
 * code handling over dozens of files, and a full "expected output" file per
 * scenario breaks on every harmless addition to the report.  Instead each
 * scenario is a small JSON file in tests/cases/ that says which inputs to
 * make, how to call dmarscan, and which facts the output must contain (see
 * tests/cases/README.md for the format).  This program makes the inputs,
 * runs dmarscan under a timeout without a shell, checks the facts with
 * jsonmatch.c, and reports one line per case in a form that tells a
 * developer what broke and how to run it again.
 *
 * It follows the Automake test protocol: exit 0 when every case that ran
 * passed, 1 when one failed, 77 when all were skipped, 99 on a usage or
 * set-up error (bad options, unreadable case folder).
 *
 * Usage:
 *   runcases --dmarscan PROG --reg2hive PROG --cases DIR --fixtures DIR
 *            --work DIR [--shared-hives DIR] [--only NAME]
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jsonmatch.h"

#if defined(__GNUC__)
#define RC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define RC_NORETURN __attribute__((noreturn))
#else
#define RC_PRINTF(f, a)
#define RC_NORETURN
#endif

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_SKIP = 77, EXIT_HARD = 99 };

#define DEFAULT_TIMEOUT 60.0    /* seconds per dmarscan run */
#define TOOL_TIMEOUT 300.0      /* seconds for reg2hive or xz */
#define STDERR_SHOWN 5          /* lines of stderr shown for a failure */

/* ---- Memory and strings (out of memory ends the run: exit 99) ----------- */

static RC_NORETURN void out_of_memory(void)
{
	fputs("runcases: out of memory\n", stderr);
	exit(EXIT_HARD);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n != 0 ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		out_of_memory();
	return d;
}

static char *xvprintf(const char *fmt, va_list ap) RC_PRINTF(1, 0);

static char *xvprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		out_of_memory();   /* only an encoding error; treat as fatal */
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *xprintf(const char *fmt, ...) RC_PRINTF(1, 2);

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* A growable, NULL-terminated list of owned strings. */
typedef struct strlist {
	char **v;
	size_t n, cap;
} strlist;

static void sl_push(strlist *l, char *s)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

static void sl_free(strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* A name made safe for a file name: [A-Za-z0-9._-], others become '_'. */
static char *file_safe(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == '_'))
			*p = '_';
	return d;
}

/* s quoted for a POSIX shell, only when it needs quoting. */
static char *shell_quote(const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
	                           "QRSTUVWXYZ0123456789_@%+=:,./-";
	size_t n = 3, i, o = 0;
	char *q;

	if (s[0] != '\0' && strspn(s, safe) == strlen(s))
		return xstrdup(s);
	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '\'' ? 4 : 1;
	q = xmalloc(n);
	q[o++] = '\'';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\'') {
			memcpy(q + o, "'\\''", 4);
			o += 4;
		} else {
			q[o++] = s[i];
		}
	}
	q[o++] = '\'';
	q[o] = '\0';
	return q;
}

/* argv as one shell command line. */
static char *command_line(char *const argv[])
{
	char *line = xstrdup(""), *q, *longer;
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		q = shell_quote(argv[i]);
		longer = xprintf("%s%s%s", line, i ? " " : "", q);
		free(q);
		free(line);
		line = longer;
	}
	return line;
}

/* Compact JSON text of a value, for messages. */
static char *json_text(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		out_of_memory();
	return s;
}

/* ---- Files ------------------------------------------------------------------- */

/* Read a whole file; the buffer gets a NUL after the data.  On failure
 * returns NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t got;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 2)
			buf = xrealloc(buf, cap *= 2);
		got = read(fd, buf + n, cap - n - 1);
		if (got == 0)
			break;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t put = write(fd, data, len);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -1;
		data += put;
		len -= (size_t)put;
	}
	return 0;
}

/* Create (or replace) path with the given bytes; NULL or a problem. */
static char *write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return xprintf("cannot create %s: %s", path, strerror(errno));
	if (write_all(fd, data, len) != 0) {
		char *why = xprintf("cannot write %s: %s", path, strerror(errno));

		close(fd);
		return why;
	}
	if (close(fd) != 0)
		return xprintf("cannot write %s: %s", path, strerror(errno));
	return NULL;
}

/* Copy the first n bytes of src to dst; NULL or a problem. */
static char *copy_prefix(const char *src, const char *dst, size_t n)
{
	size_t len;
	char *data = read_file(src, &len), *why;

	if (data == NULL)
		return xprintf("cannot read %s: %s", src, strerror(errno));
	if (len < n)
		why = xprintf("cannot truncate %s to %zu bytes: it has only %zu",
		              src, n, len);
	else
		why = write_file(dst, data, n);
	free(data);
	return why;
}

/* mkdir -p; NULL or a problem. */
static char *make_dirs(const char *path)
{
	char *p = xstrdup(path), *s, *why = NULL;

	for (s = p + 1; why == NULL; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			why = xprintf("cannot create folder %s: %s", p,
			              strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return why;
}

/* The first line of a file (at most 200 bytes), or "". */
static char *first_line(const char *path)
{
	size_t len;
	char *data = read_file(path, &len), *line;

	if (data == NULL)
		return xstrdup("");
	data[strcspn(data, "\n")] = '\0';
	line = xprintf("%.200s", data);
	free(data);
	return line;
}

/* ---- Processes ------------------------------------------------------------- */

typedef struct proc {
	int exec_errno;   /* nonzero: the program could not be started */
	int timed_out;    /* killed after the timeout */
	int status;       /* from waitpid otherwise */
} proc;

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* In the child: stdin from /dev/null, stdout and stderr to the files, own
 * process group (so a timeout kills grandchildren too), then exec.  An exec
 * failure is reported to the parent through report_fd as an errno. */
static RC_NORETURN void child_exec(char *const argv[], int out_fd,
                                   int err_fd, int report_fd)
{
	int in = open("/dev/null", O_RDONLY), e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (in >= 0 && dup2(in, 0) >= 0 && dup2(out_fd, 1) >= 0 &&
	    dup2(err_fd, 2) >= 0)
		execvp(argv[0], argv);
	e = errno;
	if (write(report_fd, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

static void kill_group(pid_t pid)
{
	if (kill(-pid, SIGKILL) != 0)
		kill(pid, SIGKILL);
}

static int wait_blocking(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Wait for pid at most 'timeout' seconds, then kill it. */
static int wait_timeout(pid_t pid, double timeout, proc *p)
{
	struct timespec start, nap = { 0, 1000000 };
	pid_t w;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		w = waitpid(pid, &p->status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -1;
		if (seconds_since(&start) >= timeout) {
			kill_group(pid);
			p->timed_out = 1;
			return wait_blocking(pid, &p->status);
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 50000000)
			nap.tv_nsec *= 2;
	}
}

/* Read the exec report: 1 and *e set when exec failed, 0 when it ran. */
static int read_exec_report(int fd, int *e)
{
	ssize_t got;

	do
		got = read(fd, e, sizeof *e);
	while (got < 0 && errno == EINTR);
	return got == (ssize_t)sizeof *e;
}

/* Run argv with stdout and stderr into the given descriptors.  Returns 0
 * when the run is described in *p, -1 with *why when it could not start. */
static int spawn_wait(char *const argv[], int out_fd, int err_fd,
                      double timeout, proc *p, char **why)
{
	int report[2], e = 0;
	pid_t pid;

	memset(p, 0, sizeof *p);
	if (pipe(report) != 0) {
		*why = xprintf("pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(report[0], F_SETFD, FD_CLOEXEC);
	fcntl(report[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		*why = xprintf("fork: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, out_fd, err_fd, report[1]);
	setpgid(pid, pid);   /* also in the parent: no race with kill_group */
	close(report[1]);
	if (read_exec_report(report[0], &e)) {
		p->exec_errno = e;
		close(report[0]);
		return wait_blocking(pid, &p->status) == 0 ? 0 : -1;
	}
	close(report[0]);
	if (wait_timeout(pid, timeout, p) != 0) {
		*why = xprintf("waitpid: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int proc_ok(const proc *p)
{
	return !p->exec_errno && !p->timed_out && WIFEXITED(p->status) &&
	       WEXITSTATUS(p->status) == 0;
}

/* "exit status 3", "killed by signal 11 (Segmentation fault)", ... */
static char *describe_proc(const proc *p, const char *prog, double timeout)
{
	if (p->exec_errno)
		return xprintf("cannot run %s: %s", prog, strerror(p->exec_errno));
	if (p->timed_out)
		return xprintf("timed out after %g s (killed)", timeout);
	if (WIFSIGNALED(p->status))
		return xprintf("killed by signal %d (%s)", WTERMSIG(p->status),
		               strsignal(WTERMSIG(p->status)));
	if (WIFEXITED(p->status))
		return xprintf("exit status %d", WEXITSTATUS(p->status));
	return xprintf("ended with wait status %#x", (unsigned)p->status);
}

static int open_output(const char *path, char **why)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		*why = xprintf("cannot create %s: %s", path, strerror(errno));
	return fd;
}

/* Run argv, stdout to out_path, stderr to err_path.  0 or -1 and *why. */
static int run_to_files(char *const argv[], const char *out_path,
                        const char *err_path, double timeout, proc *p,
                        char **why)
{
	int out_fd, err_fd, rc = -1;

	memset(p, 0, sizeof *p);
	out_fd = open_output(out_path, why);
	if (out_fd < 0)
		return -1;
	err_fd = open_output(err_path, why);
	if (err_fd >= 0) {
		rc = spawn_wait(argv, out_fd, err_fd, timeout, p, why);
		close(err_fd);
	}
	close(out_fd);
	return rc;
}

/* Run a helper tool (reg2hive, xz); NULL when it exited 0, else a problem
 * naming the command, the status and the first line of its stderr. */
static char *run_tool(char *const argv[], const char *out_path,
                      const char *log_path, proc *p)
{
	char *why = NULL, *cmd, *status, *line;

	if (run_to_files(argv, out_path, log_path, TOOL_TIMEOUT, p, &why) != 0)
		return why;
	if (proc_ok(p))
		return NULL;
	cmd = command_line(argv);
	status = describe_proc(p, argv[0], TOOL_TIMEOUT);
	line = first_line(log_path);
	why = xprintf("%s: %s%s%s (command: %s; log: %s)", argv[0], status,
	              line[0] ? ": " : "", line, cmd, log_path);
	free(cmd);
	free(status);
	free(line);
	return why;
}

/* ---- Options --------------------------------------------------------------- */

typedef struct options {
	const char *dmarscan, *reg2hive, *cases, *fixtures, *work;
	const char *shared;   /* may be NULL */
	const char *prebuilt; /* may be NULL */
	const char *only;     /* may be NULL */
} options;

static void usage(FILE *to)
{
	fputs("usage: runcases --dmarscan PROG --reg2hive PROG --cases DIR\n"
	      "                --fixtures DIR --work DIR [--shared-hives DIR]\n"
	      "                [--prebuilt DIR] [--only NAME]\n"
	      "Runs every DIR/*.json case (see tests/cases/README.md).\n"
	      "Exit: 0 passed, 1 a case failed, 77 all skipped, 99 error.\n",
	      to);
}

/* Which options field a flag fills, or NULL. */
static const char **option_slot(options *o, const char *flag)
{
	static const char *const names[] = { "--dmarscan", "--reg2hive",
		"--cases", "--fixtures", "--work", "--shared-hives", "--prebuilt",
		"--only" };
	const char **slots[] = { &o->dmarscan, &o->reg2hive, &o->cases,
		&o->fixtures, &o->work, &o->shared, &o->prebuilt, &o->only };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(flag, names[i]) == 0)
			return slots[i];
	return NULL;
}

static int parse_options(int argc, char **argv, options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char **slot = option_slot(o, argv[i]);

		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(EXIT_PASS);
		}
		if (slot == NULL || i + 1 >= argc) {
			fprintf(stderr, "runcases: %s '%s'\n", slot ? "no value "
			        "for" : "unknown option", argv[i]);
			return -1;
		}
		*slot = argv[++i];
	}
	if (!o->dmarscan || !o->reg2hive || !o->cases || !o->fixtures ||
	    !o->work) {
		fputs("runcases: --dmarscan, --reg2hive, --cases, --fixtures "
		      "and --work are required\n", stderr);
		return -1;
	}
	return 0;
}

/* ---- Built inputs, made once per run ------------------------------------ */

typedef struct built {
	char *key;       /* fixture or shared hive name */
	char *path;      /* the file made, or NULL */
	char *problem;   /* why not, or NULL */
	int skip;        /* the problem means "skip", not "fail" */
} built;

typedef struct cache {
	built *v;
	size_t n;
} cache;

static built *cache_get(cache *c, const char *key, int *fresh)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0) {
			*fresh = 0;
			return &c->v[i];
		}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	memset(&c->v[c->n], 0, sizeof c->v[c->n]);
	c->v[c->n].key = xstrdup(key);
	*fresh = 1;
	return &c->v[c->n++];
}

static void cache_free(cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].path);
		free(c->v[i].problem);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

typedef struct runner {
	options opt;
	int argc;
	char **argv;
	cache fixtures, shared;
	size_t passed, failed, skipped;
} runner;

/* reg2hive FIXTURES/NAME WORK/hives/STEM.hive */
static void build_fixture(const runner *r, built *b)
{
	char *stem = file_safe(b->key), *src, *dst, *log;
	char *argv[4];
	struct stat sb;
	proc p;

	stem[strlen(stem) - 4] = '\0';   /* drop ".reg" */
	src = xprintf("%s/%s", r->opt.fixtures, b->key);
	dst = xprintf("%s/hives/%s.hive", r->opt.work, stem);
	log = xprintf("%s/hives/%s.log", r->opt.work, stem);
	argv[0] = (char *)r->opt.reg2hive;
	argv[1] = src;
	argv[2] = dst;
	argv[3] = NULL;
	if (stat(src, &sb) != 0)
		b->problem = xprintf("fixture %s not found (%s: %s)", b->key, src,
		                     strerror(errno));
	else if (unlink(dst) != 0 && errno != ENOENT)
		b->problem = xprintf("cannot remove %s: %s", dst, strerror(errno));
	else if ((b->problem = run_tool(argv, log, log, &p)) == NULL &&
	         stat(dst, &sb) != 0)
		b->problem = xprintf("reg2hive exited 0 but did not create %s",
		                     dst);
	if (b->problem == NULL)
		b->path = dst;
	else
		free(dst);
	free(stem);
	free(src);
	free(log);
}

/* SHARED/NAME.xz, or NULL with b marked "skip" when it is not there. */
static char *shared_source(const runner *r, built *b)
{
	char *src;

	if (r->opt.shared == NULL) {
		b->skip = 1;
		b->problem = xprintf("shared hive %s not available (no "
		                     "--shared-hives folder given)", b->key);
		return NULL;
	}
	src = xprintf("%s/%s.xz", r->opt.shared, b->key);
	if (access(src, R_OK) == 0)
		return src;
	b->skip = 1;
	b->problem = xprintf("shared hive %s not available (%s)", b->key,
	                     r->opt.shared);
	free(src);
	return NULL;
}

/* xz -dc SRC > DST (through DST.part; xz's messages in WORK/tool-logs/,
 * not beside DST, where a NAME.LOG file would be taken for a transaction
 * log).  NULL or a problem; *missing_xz tells that xz is not installed. */
static char *unpack_xz(const runner *r, const char *src, const char *dst,
                       int *missing_xz)
{
	const char *base = strrchr(dst, '/');
	char *part = xprintf("%s.part", dst), *problem;
	char *log = xprintf("%s/tool-logs/%s.xz-messages", r->opt.work,
	                    base ? base + 1 : dst);
	char *argv[] = { "xz", "-dc", "--", (char *)src, NULL };
	proc p;

	problem = run_tool(argv, part, log, &p);
	*missing_xz = problem != NULL && p.exec_errno == ENOENT;
	if (problem == NULL && rename(part, dst) != 0)
		problem = xprintf("cannot rename %s: %s", part, strerror(errno));
	free(part);
	free(log);
	return problem;
}

/* SHARED/NAME.xz unpacked into WORK/shared/NAME, with its transaction logs
 * (SHARED/NAME.LOG1.xz, .LOG2.xz, .LOG.xz) when they are there. */
static void unpack_shared(const runner *r, built *b)
{
	static const char *const logs[] = { ".LOG1", ".LOG2", ".LOG" };
	char *src = shared_source(r, b), *dst;
	int missing_xz = 0;
	size_t i;

	if (src == NULL)
		return;
	dst = xprintf("%s/shared/%s", r->opt.work, b->key);
	b->problem = unpack_xz(r, src, dst, &missing_xz);
	for (i = 0; b->problem == NULL && i < sizeof logs / sizeof logs[0]; i++) {
		char *lsrc = xprintf("%s/%s%s.xz", r->opt.shared, b->key, logs[i]);
		char *ldst = xprintf("%s%s", dst, logs[i]);

		if (access(lsrc, R_OK) == 0)
			b->problem = unpack_xz(r, lsrc, ldst, &missing_xz);
		free(lsrc);
		free(ldst);
	}
	if (b->problem != NULL && missing_xz) {
		free(b->problem);
		b->skip = 1;
		b->problem = xprintf("xz is not installed (needed to unpack shared "
		                     "hive %s)", b->key);
	}
	if (b->problem == NULL)
		b->path = xstrdup(dst);
	free(src);
	free(dst);
}

/* ---- Cases ---------------------------------------------------------------- */

enum { OUT_STDOUT_CONTAINS, OUT_STDOUT_LACKS, OUT_STDERR_CONTAINS,
       OUT_STDERR_LACKS, OUT_CHECKS };

static const char *const output_check_keys[OUT_CHECKS] = {
	"stdout_contains", "stdout_lacks", "stderr_contains", "stderr_lacks"
};

/* A case file, checked; json_t pointers are borrowed from root. */
typedef struct casedef {
	const char *name;
	json_t *root;
	const char *about;
	const json_t *inputs;   /* array, maybe empty */
	const json_t *args;     /* array of strings, maybe empty */
	const char *format;     /* the effective format */
	int format_in_args;     /* args already hold --format */
	int exit_code;
	const json_t *expect;   /* or NULL */
	const json_t *counts;   /* array or NULL */
	const json_t *output_checks[OUT_CHECKS];   /* arrays or NULL */
	double timeout;
} casedef;

typedef enum verdict { V_PASS, V_FAIL, V_SKIP } verdict;

/* What happened to a case, with everything needed to report it. */
typedef struct outcome {
	verdict verdict;
	strlist reasons;   /* failures (all of them) or the skip reason */
	char *command;     /* the dmarscan command line, once run */
	char *out_path, *err_path;
} outcome;

static void fail_owned(outcome *o, char *reason)
{
	o->verdict = V_FAIL;
	sl_push(&o->reasons, reason);
}

static void fail(outcome *o, const char *fmt, ...) RC_PRINTF(2, 3);

static void fail(outcome *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_owned(o, xvprintf(fmt, ap));
	va_end(ap);
}

static void skip_owned(outcome *o, char *reason)
{
	o->verdict = V_SKIP;
	sl_push(&o->reasons, reason);
}

/* ---- Checking a case file --------------------------------------------------
 * Each check returns NULL when fine, else a malloc'd problem. */

static const char *const case_keys[] = {
	"about", "inputs", "args", "format", "exit", "expect", "counts",
	"stdout_contains", "stdout_lacks", "stderr_contains", "stderr_lacks",
	"timeout", NULL
};

static const char *const count_keys[] = {
	"at", "where", "count", "min", "max", NULL
};

/* Unknown keys are typos that would silently weaken a case; keys that
 * start with '_' are free for comments. */
static char *check_keys(const json_t *obj, const char *const known[],
                        const char *what)
{
	const char *key;
	size_t i;
	void *it;

	for (it = json_object_iter((json_t *)obj); it != NULL;
	     it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL && key[0] != '_')
			return xprintf("%sunknown key \"%s\"", what, key);
	}
	return NULL;
}

static char *check_input(const json_t *in, const char *what);

static char *check_truncate(const json_t *in, const char *what)
{
	static const char *const keys[] = { "truncate", "to", NULL };
	const json_t *to = json_object_get(in, "to");
	char *why = check_keys(in, keys, what), *inner;

	if (why != NULL)
		return why;
	if (!json_is_integer(to) || json_integer_value(to) < 0)
		return xprintf("%s\"to\" must be a byte count (integer >= 0)",
		               what);
	inner = xprintf("%struncate: ", what);
	why = check_input(json_object_get(in, "truncate"), inner);
	free(inner);
	return why;
}

/* Objects with one key: {"shared": NAME}, {"prebuilt": PATH},
 * {"bytes": TEXT}, {"empty": true}. */
static char *check_single(const json_t *in, const char *key,
                          const char *what)
{
	const char *const keys[] = { key, NULL };
	const json_t *v = json_object_get(in, key);
	const char *s = json_string_value(v);
	char *why = check_keys(in, keys, what);

	if (why != NULL)
		return why;
	if (strcmp(key, "empty") == 0)
		return json_is_true(v) ? NULL :
		       xprintf("%s\"empty\" must be true", what);
	if (s == NULL)
		return xprintf("%s\"%s\" must be a string", what, key);
	if (strcmp(key, "shared") == 0 &&
	    (s[0] == '\0' || s[0] == '.' || strchr(s, '/') != NULL))
		return xprintf("%sshared hive name \"%s\" must be a plain file "
		               "name", what, s);
	if (strcmp(key, "prebuilt") == 0 &&
	    (s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL))
		return xprintf("%sprebuilt file \"%s\" must be a path inside the "
		               "prebuilt folder", what, s);
	return NULL;
}

/* {"folder": [["NAME", "fixture.reg"], ...]}: plain names, .reg fixtures. */
static char *check_folder(const json_t *in, const char *what)
{
	const char *const keys[] = { "folder", NULL };
	const json_t *list = json_object_get(in, "folder");
	char *why = check_keys(in, keys, what);
	size_t i;

	if (why != NULL)
		return why;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return xprintf("%s\"folder\" must be a non-empty array of "
		               "[NAME, FIXTURE] pairs", what);
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *pair = json_array_get(list, i);
		const char *name = json_string_value(json_array_get(pair, 0));
		const char *fix = json_string_value(json_array_get(pair, 1));

		if (!json_is_array(pair) || json_array_size(pair) != 2 ||
		    name == NULL || fix == NULL || name[0] == '\0' ||
		    name[0] == '.' || strchr(name, '/') != NULL ||
		    !has_suffix(fix, ".reg") || fix[0] == '/')
			return xprintf("%s\"folder\" entry %zu must be [\"NAME\", "
			               "\"fixture.reg\"] with a plain NAME", what, i);
	}
	return NULL;
}

static char *check_input(const json_t *in, const char *what)
{
	const char *s = json_string_value(in);
	static const char *const singles[] = { "shared", "prebuilt", "bytes",
	                                       "empty" };
	size_t i, kinds = 0;

	if (s != NULL)
		return has_suffix(s, ".reg") && strlen(s) > 4 && s[0] != '/' ? NULL
		       : xprintf("%sa string input must be a relative .reg "
		                 "fixture name, not \"%s\"", what, s);
	if (!json_is_object(in))
		return xprintf("%san input must be a string or an object", what);
	for (i = 0; i < sizeof singles / sizeof singles[0]; i++)
		kinds += json_object_get(in, singles[i]) != NULL;
	kinds += json_object_get(in, "truncate") != NULL;
	kinds += json_object_get(in, "folder") != NULL;
	if (kinds > 1)
		return xprintf("%san input object takes only one of \"shared\", "
		               "\"prebuilt\", \"bytes\", \"empty\" and \"truncate\"",
		               what);
	for (i = 0; i < sizeof singles / sizeof singles[0]; i++)
		if (json_object_get(in, singles[i]) != NULL)
			return check_single(in, singles[i], what);
	if (json_object_get(in, "truncate") != NULL)
		return check_truncate(in, what);
	if (json_object_get(in, "folder") != NULL)
		return check_folder(in, what);
	return xprintf("%sunknown kind of input (expected a .reg name, "
	               "\"shared\", \"prebuilt\", \"bytes\", \"empty\" or "
	               "\"truncate\")", what);
}

/* Optional array whose elements pass 'each' (NULL: any element). */
static char *check_array(const json_t *v, const char *key,
                         char *(*each)(const json_t *, const char *))
{
	size_t i;
	char *what, *why = NULL;

	if (v == NULL)
		return NULL;
	if (!json_is_array(v))
		return xprintf("\"%s\" must be an array", key);
	for (i = 0; i < json_array_size(v) && why == NULL; i++) {
		what = xprintf("%s[%zu]: ", key, i);
		why = each ? each(json_array_get(v, i), what) : NULL;
		free(what);
	}
	return why;
}

static char *check_string_element(const json_t *v, const char *what)
{
	return json_is_string(v) ? NULL : xprintf("%smust be a string", what);
}

static char *check_bound(const json_t *entry, const char *key,
                         const char *what)
{
	const json_t *v = json_object_get(entry, key);

	if (v == NULL || (json_is_integer(v) && json_integer_value(v) >= 0))
		return NULL;
	return xprintf("%s\"%s\" must be an integer >= 0", what, key);
}

static char *check_count_entry(const json_t *e, const char *what)
{
	static const char *const bounds[] = { "count", "min", "max" };
	int has_count, has_range;
	char *why;
	size_t i;

	if (!json_is_object(e))
		return xprintf("%smust be an object", what);
	if ((why = check_keys(e, count_keys, what)) != NULL)
		return why;
	if (!json_is_string(json_object_get(e, "at")))
		return xprintf("%s\"at\" (a JSON pointer string) is required",
		               what);
	for (i = 0; i < 3; i++)
		if ((why = check_bound(e, bounds[i], what)) != NULL)
			return why;
	has_count = json_object_get(e, "count") != NULL;
	has_range = json_object_get(e, "min") || json_object_get(e, "max");
	if (has_count == has_range)
		return xprintf("%sgive either \"count\" or \"min\"/\"max\"", what);
	return NULL;
}

/* The value after --format in args (either "--format X" or "--format=X"). */
static const char *format_in_args(const json_t *args, int *found)
{
	size_t i;
	const char *a;

	*found = 0;
	for (i = 0; i < json_array_size(args); i++) {
		a = json_string_value(json_array_get(args, i));
		if (strncmp(a, "--format=", 9) == 0) {
			*found = 1;
			return a + 9;
		}
		if (strcmp(a, "--format") == 0) {
			*found = 1;
			return json_string_value(json_array_get(args, i + 1));
		}
	}
	return NULL;
}

static char *check_format(casedef *c)
{
	const json_t *f = json_object_get(c->root, "format");
	const char *from_args = format_in_args(c->args, &c->format_in_args);

	if (f != NULL && !json_is_string(f))
		return xprintf("\"format\" must be a string");
	c->format = f ? json_string_value(f) : from_args ? from_args : "json";
	if (f && from_args && strcmp(c->format, from_args) != 0)
		return xprintf("\"format\" is \"%s\" but args say --format %s",
		               c->format, from_args);
	if (strcmp(c->format, "json") != 0 && (c->expect || c->counts))
		return xprintf("\"expect\" and \"counts\" need format json, not "
		               "\"%s\"", c->format);
	return NULL;
}

static char *check_scalars(casedef *c)
{
	const json_t *about = json_object_get(c->root, "about");
	const json_t *ex = json_object_get(c->root, "exit");
	const json_t *t = json_object_get(c->root, "timeout");

	if (!json_is_string(about) || json_string_length(about) == 0)
		return xprintf("\"about\" (what the case proves) is required");
	c->about = json_string_value(about);
	if (ex != NULL && (!json_is_integer(ex) || json_integer_value(ex) < 0 ||
	                   json_integer_value(ex) > 255))
		return xprintf("\"exit\" must be an integer from 0 to 255");
	c->exit_code = ex ? (int)json_integer_value(ex) : 0;
	if (t != NULL && (!json_is_number(t) || json_number_value(t) <= 0))
		return xprintf("\"timeout\" must be a number of seconds > 0");
	c->timeout = t ? json_number_value(t) : DEFAULT_TIMEOUT;
	return NULL;
}

static char *check_lists(casedef *c)
{
	char *why;
	size_t i;

	if ((why = check_array(c->inputs, "inputs", check_input)) != NULL ||
	    (why = check_array(c->args, "args", check_string_element)) != NULL ||
	    (why = check_array(c->counts, "counts", check_count_entry)) != NULL)
		return why;
	for (i = 0; i < OUT_CHECKS; i++) {
		c->output_checks[i] = json_object_get(c->root,
		                                      output_check_keys[i]);
		why = check_array(c->output_checks[i], output_check_keys[i],
		                  check_string_element);
		if (why != NULL)
			return why;
	}
	return NULL;
}

static char *check_case(casedef *c)
{
	char *why;

	if (!json_is_object(c->root))
		return xprintf("a case must be a JSON object");
	if ((why = check_keys(c->root, case_keys, "")) != NULL ||
	    (why = check_scalars(c)) != NULL)
		return why;
	c->inputs = json_object_get(c->root, "inputs");
	c->args = json_object_get(c->root, "args");
	c->expect = json_object_get(c->root, "expect");
	c->counts = json_object_get(c->root, "counts");
	if ((why = check_lists(c)) != NULL)
		return why;
	return check_format(c);
}

/* Load and check DIR/NAME.json; 0 or -1 with the failure in o. */
static int load_case(const char *path, casedef *c, outcome *o)
{
	json_error_t err;
	char *why;

	c->root = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	                         &err);
	if (c->root == NULL) {
		fail(o, "case file %s is not valid JSON: %s (line %d, column %d)",
		     path, err.text, err.line, err.column);
		return -1;
	}
	why = check_case(c);
	if (why == NULL)
		return 0;
	fail(o, "invalid case file %s: %s", path, why);
	free(why);
	return -1;
}

/* ---- Inputs ----------------------------------------------------------------- */

static verdict use_built(const built *b, const char *label, char **path,
                         outcome *o)
{
	if (b->path != NULL) {
		*path = xstrdup(b->path);
		return V_PASS;
	}
	if (b->skip) {
		skip_owned(o, xstrdup(b->problem));
		return V_SKIP;
	}
	fail(o, "inputs[%s]: %s", label, b->problem);
	return V_FAIL;
}

static verdict prepare_fixture(runner *r, const char *name,
                               const char *label, char **path, outcome *o)
{
	int fresh;
	built *b = cache_get(&r->fixtures, name, &fresh);

	if (fresh)
		build_fixture(r, b);
	return use_built(b, label, path, o);
}

static verdict prepare_shared(runner *r, const char *name,
                              const char *label, char **path, outcome *o)
{
	int fresh;
	built *b = cache_get(&r->shared, name, &fresh);

	if (fresh)
		unpack_shared(r, b);
	return use_built(b, label, path, o);
}

/* PREBUILT/PATH, made by the test script before the run (it is used in
 * place: dmarscan must find the files beside it, e.g. transaction logs). */
static verdict prepare_prebuilt(runner *r, const char *name,
                                const char *label, char **path, outcome *o)
{
	char *p;

	if (r->opt.prebuilt == NULL) {
		skip_owned(o, xprintf("inputs[%s]: prebuilt file %s not available "
		                      "(no --prebuilt folder given)", label, name));
		return V_SKIP;
	}
	p = xprintf("%s/%s", r->opt.prebuilt, name);
	if (access(p, R_OK) != 0) {
		fail(o, "inputs[%s]: prebuilt file %s: %s", label, p,
		     strerror(errno));
		free(p);
		return V_FAIL;
	}
	*path = p;
	return V_PASS;
}

/* WORK/inputs/CASE-LABEL-KIND, holding data[0..len). */
static verdict write_input(const runner *r, const casedef *c,
                           const char *label, const char *kind,
                           const char *data, size_t len, char **path,
                           outcome *o)
{
	char *safe = file_safe(c->name), *p, *why;

	p = xprintf("%s/inputs/%s-%s-%s", r->opt.work, safe, label, kind);
	free(safe);
	why = write_file(p, data, len);
	if (why == NULL) {
		*path = p;
		return V_PASS;
	}
	fail(o, "inputs[%s]: %s", label, why);
	free(why);
	free(p);
	return V_FAIL;
}

static verdict prepare_input(runner *r, const casedef *c, const json_t *in,
                             const char *label, char **path, outcome *o);

/* How the source of a truncation shows in the new file's name: its file
 * name, without the "CASE-LABEL-" prefix when the runner made it. */
static const char *source_kind(const casedef *c, const char *inner_label,
                               const char *src)
{
	const char *base = strrchr(src, '/');
	char *safe = file_safe(c->name);
	char *prefix = xprintf("%s-%s-", safe, inner_label);

	base = base != NULL ? base + 1 : src;
	if (strncmp(base, prefix, strlen(prefix)) == 0)
		base += strlen(prefix);
	free(safe);
	free(prefix);
	return base;
}

/* The first N bytes of another input: WORK/inputs/CASE-LABEL-SRC-toN. */
static verdict prepare_truncate(runner *r, const casedef *c,
                                const json_t *in, const char *label,
                                char **path, outcome *o)
{
	size_t to = (size_t)json_integer_value(json_object_get(in, "to"));
	char *inner_label = xprintf("%s-src", label), *src = NULL, *why;
	char *kind, *p;
	verdict v;

	v = prepare_input(r, c, json_object_get(in, "truncate"), inner_label,
	                  &src, o);
	if (v != V_PASS) {
		free(inner_label);
		return v;
	}
	kind = xprintf("%s-to%zu", source_kind(c, inner_label, src), to);
	free(inner_label);
	v = write_input(r, c, label, kind, "", 0, &p, o);
	free(kind);
	if (v == V_PASS && (why = copy_prefix(src, p, to)) != NULL) {
		fail(o, "inputs[%s]: %s", label, why);
		free(why);
		free(p);
		v = V_FAIL;
	} else if (v == V_PASS) {
		*path = p;
	}
	free(src);
	return v;
}

/* A folder WORK/inputs/CASE-LABEL-folder/ holding each built fixture under
 * its name; the first one is the input (the others sit beside it, as a
 * SOFTWARE hive sits beside SYSTEM). */
static verdict prepare_folder(runner *r, const casedef *c, const json_t *list,
                              const char *label, char **path, outcome *o)
{
	char *safe = file_safe(c->name);
	char *dir = xprintf("%s/inputs/%s-%s-folder", r->opt.work, safe, label);
	char *why = make_dirs(dir);
	verdict v = V_PASS;
	size_t i;

	free(safe);
	if (why != NULL) {
		fail(o, "inputs[%s]: %s", label, why);
		free(why);
		free(dir);
		return V_FAIL;
	}
	for (i = 0; v == V_PASS && i < json_array_size(list); i++) {
		const json_t *pair = json_array_get(list, i);
		const char *name = json_string_value(json_array_get(pair, 0));
		char *hive = NULL, *dst = xprintf("%s/%s", dir, name);
		size_t len = 0;
		char *data;

		v = prepare_fixture(r, json_string_value(json_array_get(pair, 1)),
		                    label, &hive, o);
		if (v == V_PASS && (data = read_file(hive, &len)) == NULL) {
			fail(o, "inputs[%s]: cannot read %s", label, hive);
			v = V_FAIL;
		} else if (v == V_PASS) {
			if ((why = write_file(dst, data, len)) != NULL) {
				fail(o, "inputs[%s]: %s", label, why);
				free(why);
				v = V_FAIL;
			}
			free(data);
		}
		if (v == V_PASS && i == 0)
			*path = xstrdup(dst);
		free(hive);
		free(dst);
	}
	free(dir);
	return v;
}

static verdict prepare_input(runner *r, const casedef *c, const json_t *in,
                             const char *label, char **path, outcome *o)
{
	const json_t *v;

	if (json_is_string(in))
		return prepare_fixture(r, json_string_value(in), label, path, o);
	if ((v = json_object_get(in, "shared")) != NULL)
		return prepare_shared(r, json_string_value(v), label, path, o);
	if ((v = json_object_get(in, "prebuilt")) != NULL)
		return prepare_prebuilt(r, json_string_value(v), label, path, o);
	if ((v = json_object_get(in, "bytes")) != NULL)
		return write_input(r, c, label, "bytes", json_string_value(v),
		                   json_string_length(v), path, o);
	if (json_object_get(in, "empty") != NULL)
		return write_input(r, c, label, "empty", "", 0, path, o);
	if ((v = json_object_get(in, "folder")) != NULL)
		return prepare_folder(r, c, v, label, path, o);
	return prepare_truncate(r, c, in, label, path, o);
}

/* Make every input of the case, in order; stop at the first problem. */
static verdict prepare_inputs(runner *r, const casedef *c, strlist *paths,
                              outcome *o)
{
	verdict v = V_PASS;
	size_t i;

	for (i = 0; i < json_array_size(c->inputs) && v == V_PASS; i++) {
		char *label = xprintf("%zu", i), *path = NULL;

		v = prepare_input(r, c, json_array_get(c->inputs, i), label, &path,
		                  o);
		if (v == V_PASS)
			sl_push(paths, path);
		free(label);
	}
	return v;
}

/* ---- Running dmarscan and checking its output -------------------------- */

/* An argument with a leading "$FIXTURES" replaced by the fixtures folder,
 * so a case can name a data file kept beside its fixtures. */
static char *expand_arg(const runner *r, const char *arg, const strlist *inputs)
{
	static const char token[] = "$FIXTURES", dir0[] = "$DIR0";
	if (strncmp(arg, token, sizeof(token) - 1) == 0)
		return xprintf("%s%s", r->opt.fixtures, arg + sizeof(token) - 1);
	if (strncmp(arg, dir0, sizeof(dir0) - 1) == 0 && inputs->n > 0) {
		const char *slash = strrchr(inputs->v[0], '/');
		int n = slash ? (int)(slash - inputs->v[0]) : 1;
		return xprintf("%.*s%s", n, slash ? inputs->v[0] : ".",
		               arg + sizeof(dir0) - 1);
	}
	return xstrdup(arg);
}

/* PROG [args...] [--format FORMAT] inputs... */
static void build_argv(const runner *r, const casedef *c,
                       const strlist *inputs, strlist *argv)
{
	size_t i;

	sl_push(argv, xstrdup(r->opt.dmarscan));
	for (i = 0; i < json_array_size(c->args); i++)
		sl_push(argv, expand_arg(r, json_string_value(
		                                json_array_get(c->args, i)), inputs));
	if (!c->format_in_args) {
		sl_push(argv, xstrdup("--format"));
		sl_push(argv, xstrdup(c->format));
	}
	for (i = 0; i < inputs->n; i++)
		sl_push(argv, xstrdup(inputs->v[i]));
}

/* Run the command; 0 when it exited (whatever the status), else -1. */
static int run_dmarscan(const runner *r, const casedef *c,
                        const strlist *argv, outcome *o)
{
	char *safe = file_safe(c->name), *why = NULL;
	proc p;
	int code;

	o->out_path = xprintf("%s/out/%s.stdout", r->opt.work, safe);
	o->err_path = xprintf("%s/out/%s.stderr", r->opt.work, safe);
	o->command = command_line(argv->v);
	free(safe);
	if (run_to_files(argv->v, o->out_path, o->err_path, c->timeout, &p,
	                 &why) != 0) {
		fail_owned(o, why);
		return -1;
	}
	if (p.exec_errno || p.timed_out || !WIFEXITED(p.status)) {
		fail_owned(o, describe_proc(&p, argv->v[0], c->timeout));
		return -1;
	}
	code = WEXITSTATUS(p.status);
	if (code != c->exit_code)
		fail(o, "exit status: expected %d, got %d", c->exit_code, code);
	return 0;
}

/* Offset of needle in hay, or -1; both may hold NUL bytes. */
static long find_bytes(const char *hay, size_t hlen, const char *needle,
                       size_t nlen)
{
	size_t i;

	for (i = 0; nlen <= hlen && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

static char *quoted_bytes(const char *s, size_t len)
{
	json_t *v = json_stringn(s, len);
	char *q;

	if (v == NULL)
		out_of_memory();
	q = json_text(v);
	json_decref(v);
	return q;
}

/* One substring check of stdout or stderr. */
static void check_substring(const json_t *needle, const char *what,
                            int want, const char *stream, const char *data,
                            size_t len, const jm_vars *vars, outcome *o)
{
	const char *s = json_string_value(needle);
	size_t n = json_string_length(needle);
	int ph = jm_placeholder(s, n, vars, &s);
	long at;
	char *q;

	if (ph < 0) {
		fail(o, "%s: %s names an input the case does not have (it has "
		     "%zu)", what, s, vars->n_inputs);
		return;
	}
	if (ph > 0)
		n = strlen(s);
	at = find_bytes(data, len, s, n);
	if ((at >= 0) == want)
		return;
	q = quoted_bytes(s, n);
	if (want)
		fail(o, "%s: %s not found in %s (%zu bytes)", what, q, stream, len);
	else
		fail(o, "%s: %s found in %s at byte %ld", what, q, stream, at);
	free(q);
}

static void check_substrings(const casedef *c, const char *out,
                             size_t out_len, const char *err,
                             size_t err_len, const jm_vars *vars,
                             outcome *o)
{
	size_t k, i;

	for (k = 0; k < OUT_CHECKS; k++) {
		const json_t *list = c->output_checks[k];
		int is_out = k == OUT_STDOUT_CONTAINS || k == OUT_STDOUT_LACKS;
		int want = k == OUT_STDOUT_CONTAINS || k == OUT_STDERR_CONTAINS;

		for (i = 0; i < json_array_size(list); i++) {
			char *what = xprintf("%s[%zu]", output_check_keys[k], i);

			check_substring(json_array_get(list, i), what, want,
			                is_out ? "stdout" : "stderr",
			                is_out ? out : err, is_out ? out_len : err_len,
			                vars, o);
			free(what);
		}
	}
}

/* "exactly 2", "at least 1", "at most 3", "between 1 and 3". */
static char *count_wanted(const json_t *e, size_t n, int *ok)
{
	const json_t *cnt = json_object_get(e, "count");
	const json_t *lo = json_object_get(e, "min"), *hi = json_object_get(e,
	                                                                  "max");
	json_int_t min = lo ? json_integer_value(lo) : 0;
	json_int_t max = hi ? json_integer_value(hi) : 0;

	if (cnt != NULL) {
		*ok = (json_int_t)n == json_integer_value(cnt);
		return xprintf("exactly %" JSON_INTEGER_FORMAT,
		               json_integer_value(cnt));
	}
	*ok = (json_int_t)n >= min && (hi == NULL || (json_int_t)n <= max);
	if (lo && hi)
		return xprintf("between %" JSON_INTEGER_FORMAT " and %"
		               JSON_INTEGER_FORMAT, min, max);
	return lo ? xprintf("at least %" JSON_INTEGER_FORMAT, min)
	          : xprintf("at most %" JSON_INTEGER_FORMAT, max);
}

static void check_count(const json_t *doc, const json_t *e, size_t i,
                        const jm_vars *vars, outcome *o)
{
	const char *at = json_string_value(json_object_get(e, "at"));
	const json_t *where = json_object_get(e, "where");
	char *msg = NULL, *wanted, *shown;
	size_t n = 0;
	int ok;
	jm_status st = jm_count(doc, at, where, vars, &n, &msg);

	if (st == JM_ENOMEM)
		out_of_memory();
	if (st != JM_OK) {
		fail(o, "counts[%zu]: %s", i, msg);
		free(msg);
		return;
	}
	wanted = count_wanted(e, n, &ok);
	if (!ok) {
		shown = where ? json_text(where) : xstrdup("");
		fail(o, "counts[%zu]: %s%s%s: expected %s, found %zu", i, at,
		     where ? " where " : "", shown, wanted, n);
		free(shown);
	}
	free(wanted);
}

static void check_json(const casedef *c, const char *out, size_t len,
                       const jm_vars *vars, outcome *o)
{
	json_error_t err;
	json_t *doc = json_loadb(out, len, JSON_REJECT_DUPLICATES, &err);
	char *msg = NULL;
	jm_status st;
	size_t i;

	if (doc == NULL) {
		fail(o, "stdout is not valid JSON: %s (line %d, column %d, byte "
		     "%d)", err.text, err.line, err.column, err.position);
		return;
	}
	if (c->expect != NULL) {
		st = jm_match(c->expect, doc, vars, &msg);
		if (st == JM_ENOMEM)
			out_of_memory();
		if (st != JM_OK)
			fail(o, "expect: %s", msg);
		free(msg);
	}
	for (i = 0; i < json_array_size(c->counts); i++)
		check_count(doc, json_array_get(c->counts, i), i, vars, o);
	json_decref(doc);
}

static void check_output(const casedef *c, const jm_vars *vars, outcome *o)
{
	size_t out_len = 0, err_len = 0;
	char *out = read_file(o->out_path, &out_len), *err;

	if (out == NULL) {
		fail(o, "cannot read %s: %s", o->out_path, strerror(errno));
		return;
	}
	err = read_file(o->err_path, &err_len);
	if (err == NULL)
		fail(o, "cannot read %s: %s", o->err_path, strerror(errno));
	else
		check_substrings(c, out, out_len, err, err_len, vars, o);
	if (strcmp(c->format, "json") == 0)
		check_json(c, out, out_len, vars, o);
	free(out);
	free(err);
}

static void execute(const runner *r, const casedef *c, const strlist *inputs,
                    outcome *o)
{
	strlist argv = { NULL, 0, 0 };
	jm_vars vars;

	vars.inputs = (const char *const *)inputs->v;
	vars.n_inputs = inputs->n;
	build_argv(r, c, inputs, &argv);
	if (run_dmarscan(r, c, &argv, o) == 0)
		check_output(c, &vars, o);
	sl_free(&argv);
}

/* ---- Reporting ------------------------------------------------------------- */

/* The first lines of the case's stderr, to see a crash or error at once. */
static void show_stderr(const char *path)
{
	size_t len, shown = 0;
	char *data = read_file(path, &len), *line, *next;

	if (data == NULL)
		return;
	for (line = data; *line != '\0' && shown < STDERR_SHOWN; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		printf("  stderr| %s\n", line);
		shown++;
	}
	if (*line != '\0')
		printf("  stderr| ... (more in %s)\n", path);
	free(data);
}

/* The runcases command line again, limited to this case. */
static char *rerun_line(const runner *r, const char *name)
{
	strlist argv = { NULL, 0, 0 };
	char *line;
	int i;

	for (i = 0; i < r->argc; i++) {
		if (strcmp(r->argv[i], "--only") == 0 && i + 1 < r->argc) {
			i++;
			continue;
		}
		sl_push(&argv, xstrdup(r->argv[i]));
	}
	sl_push(&argv, xstrdup("--only"));
	sl_push(&argv, xstrdup(name));
	line = command_line(argv.v);
	sl_free(&argv);
	return line;
}

static void report_failure(const runner *r, const casedef *c,
                           const outcome *o)
{
	char *rerun = rerun_line(r, c->name);
	size_t i;

	printf("FAIL %s: %s\n", c->name, o->reasons.v[0]);
	for (i = 1; i < o->reasons.n; i++)
		printf("  also: %s\n", o->reasons.v[i]);
	if (c->about != NULL)
		printf("  about: %s\n", c->about);
	if (o->command != NULL) {
		printf("  command: %s\n", o->command);
		printf("  output: %s %s\n", o->out_path, o->err_path);
		show_stderr(o->err_path);
	}
	printf("  rerun: %s\n", rerun);
	free(rerun);
}

static void report(runner *r, const casedef *c, const outcome *o)
{
	switch (o->verdict) {
	case V_PASS:
		printf("PASS %s\n", c->name);
		r->passed++;
		break;
	case V_SKIP:
		printf("SKIP %s: %s\n", c->name, o->reasons.v[0]);
		r->skipped++;
		break;
	case V_FAIL:
		report_failure(r, c, o);
		r->failed++;
		break;
	}
}

/* ---- Main ---------------------------------------------------------------- */

static void run_case(runner *r, const char *name)
{
	casedef c;
	outcome o;
	strlist inputs = { NULL, 0, 0 };
	char *path = xprintf("%s/%s.json", r->opt.cases, name);

	memset(&c, 0, sizeof c);
	memset(&o, 0, sizeof o);
	c.name = name;
	if (load_case(path, &c, &o) == 0 &&
	    prepare_inputs(r, &c, &inputs, &o) == V_PASS)
		execute(r, &c, &inputs, &o);
	report(r, &c, &o);
	json_decref(c.root);
	sl_free(&inputs);
	sl_free(&o.reasons);
	free(o.command);
	free(o.out_path);
	free(o.err_path);
	free(path);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAME for every DIR/NAME.json, sorted; 0 or -1 (message printed). */
static int list_cases(const char *dir, strlist *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len;
	int failure;

	if (d == NULL) {
		fprintf(stderr, "runcases: cannot open %s: %s\n", dir,
		        strerror(errno));
		return -1;
	}
	while ((errno = 0, e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] != '.' && len > 5 && has_suffix(e->d_name, ".json"))
			sl_push(names, xprintf("%.*s", (int)(len - 5), e->d_name));
	}
	failure = errno;
	closedir(d);
	if (failure != 0) {
		fprintf(stderr, "runcases: cannot read %s: %s\n", dir,
		        strerror(failure));
		return -1;
	}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof *names->v, compare_names);
	return 0;
}

static int prepare_work(const char *work)
{
	static const char *const subs[] = { "", "/hives", "/shared", "/inputs",
	                                    "/out", "/tool-logs" };
	size_t i;

	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char *dir = xprintf("%s%s", work, subs[i]);
		char *why = make_dirs(dir);

		free(dir);
		if (why != NULL) {
			fprintf(stderr, "runcases: %s\n", why);
			free(why);
			return -1;
		}
	}
	return 0;
}

/* Is this case selected by --only (which may name NAME or NAME.json)? */
static int selected(const char *only, const char *name)
{
	size_t n = strlen(name);

	return only == NULL || strcmp(only, name) == 0 ||
	       (strncmp(only, name, n) == 0 && strcmp(only + n, ".json") == 0);
}

static int run_all(runner *r, const strlist *names)
{
	size_t i, ran = 0;

	for (i = 0; i < names->n; i++) {
		if (!selected(r->opt.only, names->v[i]))
			continue;
		run_case(r, names->v[i]);
		ran++;
	}
	if (ran == 0 && r->opt.only != NULL) {
		fprintf(stderr, "runcases: no case named %s in %s\n",
		        r->opt.only, r->opt.cases);
		return EXIT_HARD;
	}
	if (ran == 0) {
		printf("SKIP: no cases (*.json) in %s\n", r->opt.cases);
		return EXIT_SKIP;
	}
	printf("# %zu case%s: %zu passed, %zu failed, %zu skipped\n", ran,
	       ran == 1 ? "" : "s", r->passed, r->failed, r->skipped);
	if (r->failed > 0)
		return EXIT_FAIL;
	return r->passed == 0 ? EXIT_SKIP : EXIT_PASS;
}

int main(int argc, char **argv)
{
	runner r;
	strlist names = { NULL, 0, 0 };
	int rc = EXIT_HARD;

	memset(&r, 0, sizeof r);
	r.argc = argc;
	r.argv = argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_options(argc, argv, &r.opt) != 0) {
		usage(stderr);
		return EXIT_HARD;
	}
	if (prepare_work(r.opt.work) == 0 &&
	    list_cases(r.opt.cases, &names) == 0)
		rc = run_all(&r, &names);
	sl_free(&names);
	cache_free(&r.fixtures);
	cache_free(&r.shared);
	return rc;
}
