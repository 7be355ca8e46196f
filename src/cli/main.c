/*
 * main.c - the dmarscan tool: parse options, analyse each input with
 * libdmarscan, hand the reports to the chosen writer, set the exit status.
 *
 * Exit status (stable): 0 no finding at or above --fail-on, 1 at least one,
 * 2 usage error, 3 at least one input could not be analysed.  An input that
 * fails is named on stderr in one line and still appears in the report
 * with its error; the other inputs are analysed as usual.
 */
#include "config.h"

#include <dmarscan.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "evidence.h"
#include "inputs.h"
#include "options.h"
#include "output.h"
#include "term.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };
#define MAX_JOBS 256
#define OUTPUT_BUFFER (256u * 1024u)

/* One line naming the input and the problem, for stderr ('err' holds an
 * input's lines until its turn comes, so that they keep the input order). */
static void input_problem(FILE *err, const char *path, const char *message)
{
	char *p = term_safe(path);
	char *m = term_safe(message);
	fprintf(err, "dmarscan: %s: %s\n", p ? p : "?", m ? m : "?");
	free(p);
	free(m);
}

static FILE *open_output(const cli_options *o)
{
	if (o->output == NULL || strcmp(o->output, "-") == 0) {
		setvbuf(stdout, NULL, _IOFBF, OUTPUT_BUFFER);   /* few, large writes */
		return stdout;
	}
	char *software[] = { (char *)o->software };
	const char *conflict = evidence_conflict(o->output, o->inputs, o->n_inputs, 0);
	if (conflict == NULL)
		conflict = evidence_segment_conflict(o->output, o->images, o->n_images);
	if (conflict == NULL && o->software != NULL)
		conflict = evidence_conflict(o->output, software, 1, 0);
	if (conflict != NULL) {
		fprintf(stderr, "dmarscan: -o %s: %s\n", o->output, conflict);
		return NULL;
	}
	int fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f != NULL)
		setvbuf(f, NULL, _IOFBF, OUTPUT_BUFFER);
	if (f == NULL) {
		fprintf(stderr, "dmarscan: cannot write %s: %s\n", o->output,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* The built-in tables and the user's additions; a bad file is a usage
 * error, named with its line. */
static int load_tables(const cli_options *o, dmar_tables **out)
{
	dmar_error *err = NULL;
	if (dmar_tables_new(out, &err) != 0) {
		fprintf(stderr, "dmarscan: %s\n", err ? err->message : "out of memory");
		dmar_error_free(err);
		return -1;
	}
	for (int i = 0; i < o->n_port_id_files + o->n_ioc_files; i++) {
		int port = i < o->n_port_id_files;
		const char *path = port ? o->port_id_files[i]
		                        : o->ioc_files[i - o->n_port_id_files];
		if ((port ? dmar_tables_add_port_ids(*out, path, &err)
		          : dmar_tables_add_attack_ids(*out, path, &err)) != 0) {
			fprintf(stderr, "dmarscan: %s: %s\n", port ? "--port-ids" : "--ioc-file",
			        err ? err->message : "cannot read");
			dmar_error_free(err);
			dmar_tables_free(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* The SOFTWARE hive for an input: --software, the one found beside it in
 * a folder, else a file named SOFTWARE beside it (unless --no-software or
 * the input is itself that file).  Returns 0 with *out set or NULL, -1
 * when an explicit --software cannot be read. */
static int open_software(const cli_options *o, const input *in, FILE *err,
                         dmar_hive **out)
{
	*out = NULL;
	char *beside = NULL;
	const char *which = o->no_software ? NULL
	                  : o->software ? o->software : in->software;
	if (which == NULL && !o->no_software && !in->found && in->origin == NULL)
		which = beside = inputs_software_beside(in->path);
	if (which == NULL)
		return 0;
	dmar_error *e = NULL;
	int rc = 0;
	if (dmar_hive_open_with(out, which, &o->open, &e) != 0) {
		char *msg = NULL;
		if (asprintf(&msg, "%s %s: %s", o->software ? "--software" : "the SOFTWARE "
		             "hive beside it,", which, e ? e->message : "cannot open") < 0)
			msg = NULL;
		input_problem(err, in->path, msg ? msg : "cannot open the SOFTWARE hive");
		free(msg);
		rc = o->software ? -1 : 0;   /* one beside it is a bonus */
		*out = NULL;
	}
	dmar_error_free(e);
	free(beside);
	return rc;
}

/* Files --save-recovered wrote in this run (workers share it). */
typedef struct saved_list {
	char **paths;
	size_t n;
	pthread_mutex_t lock;
} saved_list;

static int saved_has(const saved_list *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->paths[i], path) == 0)
			return 1;
	return 0;
}

/* Takes 'path' (freed when it cannot be kept). */
static void saved_add(saved_list *s, char *path)
{
	char **more = realloc(s->paths, (s->n + 1) * sizeof(*more));
	if (more == NULL) {
		free(path);
		return;
	}
	more[s->n++] = path;
	s->paths = more;
}

static void saved_free(saved_list *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
}

/* Where --save-recovered writes the hive read from 'path'. */
static char *save_path_for(const cli_options *o, const char *path)
{
	if (!o->save_to_dir)
		return strdup(o->save_recovered);
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t n = strlen(o->save_recovered) + strlen(name) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s", o->save_recovered, name);
	return p;
}

/* --save-recovered: write the image as analysed.  Never over an input
 * (the library also refuses the hive and its logs) nor over what this run
 * saved for another input.  A hive from a disk image is saved under the
 * name its location gives ('name').  Returns 0 or -1 after naming the
 * problem. */
static int save_recovered(const cli_options *o, saved_list *saved,
                          const dmar_hive *hive, const char *path,
                          const char *name, FILE *err)
{
	char *target = save_path_for(o, name ? name : path);
	const char *conflict = NULL;
	dmar_error *e = NULL;
	int rc = -1;
	pthread_mutex_lock(&saved->lock);
	if (target == NULL) {
		input_problem(err, path, "--save-recovered: out of memory");
	} else if ((conflict = evidence_conflict(target, o->inputs, o->n_inputs,
	                                         1)) != NULL) {
		char *msg = NULL;
		if (asprintf(&msg, "--save-recovered %s: %s", target, conflict) < 0)
			msg = NULL;
		input_problem(err, path, msg ? msg : conflict);
		free(msg);
	} else if (saved_has(saved, target)) {
		input_problem(err, path, "--save-recovered: another hive of the same "
		              "name was saved there in this run; give the hives a "
		              "folder each");
	} else if (dmar_hive_save(hive, target, &e) != 0) {
		char *msg = NULL;
		if (asprintf(&msg, "--save-recovered: %s",
		             e ? e->message : "cannot write") < 0)
			msg = NULL;
		input_problem(err, path, msg ? msg : "--save-recovered failed");
		free(msg);
		dmar_error_free(e);
	} else {
		const dmar_hive_info *h = dmar_hive_get_info(hive);
		char *t = term_safe(target), *p = term_safe(path);
		fprintf(err, "dmarscan: %s: %s written to %s%s%s\n", p ? p : "?",
		        h->recovered ? "the recovered hive" : "the hive (nothing to "
		        "recover)", t ? t : "?", h->recovered ? ", sha256 " : "",
		        h->recovered ? h->recovered_sha256 : "");
		free(t);
		free(p);
		saved_add(saved, target);
		target = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&saved->lock);
	free(target);
	return rc;
}

/* 3 outranks 1: a script must notice that an input was not analysed. */
static int worse(int a, int b)
{
	if (a == EXIT_INPUT || b == EXIT_INPUT)
		return EXIT_INPUT;
	return a > b ? a : b;
}

/* ---- One input ------------------------------------------------------------------ */

/* What analysing one input gave, kept until its turn to be written. */
typedef struct result {
	dmar_report *report;       /* NULL when it could not be analysed */
	char *failed;              /* ... and why, for the report */
	char *messages;            /* its stderr lines */
	size_t messages_len;
	int status;
	int skipped;               /* found in a folder, not a SYSTEM hive */
	int done;
} result;

/* The SYSTEM hive of an input: its file, or read from a disk image with
 * the image's SOFTWARE hive (unless --software or --no-software). */
static int open_input(const cli_options *o, const input *in, FILE *err,
                      dmar_hive **hive, dmar_hive **software, dmar_error **e)
{
	*software = NULL;
	if (in->origin == NULL)
		return dmar_hive_open_with(hive, in->path, &o->open, e);
	image_hives got;
	int rc = image_open_hives(in->origin, &o->open,
	                          o->software == NULL && !o->no_software, &got, e);
	if (got.notes != NULL)
		input_problem(err, in->path, got.notes);
	free(got.notes);
	*hive = got.system;
	*software = got.software;
	return rc;
}

static void analyse_into(const cli_options *o, saved_list *saved,
                         const input *in, result *r, FILE *err)
{
	dmar_hive *hive = NULL, *image_software = NULL;
	dmar_error *e = NULL;
	r->status = EXIT_INPUT;
	if (in->problem != NULL) {
		input_problem(err, in->path, in->problem);
		r->failed = strdup(in->problem);
		return;
	}
	if (open_input(o, in, err, &hive, &image_software, &e) != 0) {
		const char *msg = e ? e->message : "cannot open";
		input_problem(err, in->path, msg);
		r->failed = strdup(msg);
		dmar_error_free(e);
		return;
	}
	int save_failed = o->save_recovered != NULL &&
	                  save_recovered(o, saved, hive, in->path, in->origin
	                                 ? in->origin->save_name : NULL, err) != 0;
	dmar_options scan = o->scan;
	scan.software = image_software;
	if (scan.software == NULL && open_software(o, in, err, &scan.software) != 0) {
		r->failed = strdup("the SOFTWARE hive given with --software cannot be "
		                   "read");
		dmar_hive_free(hive);
		return;
	}
	int scanned = dmar_scan(&r->report, hive, &scan, &e);
	dmar_hive_free(scan.software);
	dmar_hive_free(hive);
	if (scanned != 0) {
		const char *msg = e ? e->message : "analysis failed";
		input_problem(err, in->path, msg);
		r->failed = strdup(msg);
		dmar_error_free(e);
		return;
	}
	r->status = save_failed ? EXIT_INPUT : EXIT_CLEAN;
	if (r->report->not_system && in->found) {
		r->skipped = 1;    /* SAM, NTUSER.DAT...: passed over */
		r->status = EXIT_CLEAN;
	} else if (r->report->not_system && o->save_recovered != NULL && !save_failed) {
		/* saving a SOFTWARE or NTUSER.DAT hive is a job done */
	} else if (r->report->error != NULL) {
		input_problem(err, in->path, r->report->error);
		r->status = EXIT_INPUT;
	} else if (dmar_report_count_at_least(r->report, o->fail_on) > 0) {
		r->status = EXIT_FINDINGS;
	}
}

static void analyse(const cli_options *o, saved_list *saved, const input *in,
                    result *r)
{
	FILE *err = open_memstream(&r->messages, &r->messages_len);
	analyse_into(o, saved, in, r, err ? err : stderr);
	if (err != NULL)
		fclose(err);
}

/* ---- Progress ------------------------------------------------------------------- */

typedef struct progress {
	int on;
	size_t total, done, with_findings, failed;
	time_t started;
} progress;

static void progress_clear(progress *p)
{
	if (p->on && p->done > 0)
		fputs("\r\033[K", stderr);
}

static void progress_show(progress *p)
{
	if (!p->on)
		return;
	enum { WIDTH = 30 };
	size_t filled = p->total ? p->done * WIDTH / p->total : WIDTH;
	char bar[WIDTH + 1];
	memset(bar, '#', filled);
	memset(bar + filled, '.', WIDTH - filled);
	bar[WIDTH] = '\0';
	long elapsed = (long)(time(NULL) - p->started);
	long left = p->done ? elapsed * (long)(p->total - p->done) / (long)p->done : 0;
	fprintf(stderr, "\r\033[K[%s] %zu/%zu hives, %zu with findings, %zu not "
	        "analysed, %ld:%02ld left", bar, p->done, p->total, p->with_findings,
	        p->failed, left / 60, left % 60);
	fflush(stderr);
}

/* Write one input's result in its turn, and free it. */
static int deliver(output *out, progress *p, result *r, const input *in)
{
	progress_clear(p);
	if (r->messages_len > 0)
		fwrite(r->messages, 1, r->messages_len, stderr);
	if (r->report != NULL && !r->skipped)
		out->ops->hive(out, r->report, in->origin);
	else if (r->report == NULL)
		out->ops->failed(out, in->path, in->origin,
		                 r->failed ? r->failed : "out of memory");
	p->done++;
	p->with_findings += r->status == EXIT_FINDINGS;
	p->failed += r->status == EXIT_INPUT;
	progress_show(p);
	int status = r->status;
	dmar_report_free(r->report);
	free(r->failed);
	free(r->messages);
	memset(r, 0, sizeof(*r));
	return status;
}

/* ---- Many inputs ---------------------------------------------------------------- */

/* Workers take inputs in order and analyse them; the main thread writes
 * each result in input order as soon as it and all before it are done.
 * At most 'window' results wait to be written: memory stays bounded
 * whatever the number of hives. */
typedef struct pool {
	const cli_options *opts;
	saved_list *saved;
	const input_list *inputs;
	result *results;
	size_t next;               /* the next input to start */
	size_t written;            /* inputs written */
	size_t window;
	pthread_mutex_t lock;
	pthread_cond_t changed;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;
	pthread_mutex_lock(&p->lock);
	while (p->next < p->inputs->n) {
		if (p->next >= p->written + p->window) {
			pthread_cond_wait(&p->changed, &p->lock);
			continue;
		}
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		analyse(p->opts, p->saved, &p->inputs->v[i], &p->results[i]);
		pthread_mutex_lock(&p->lock);
		p->results[i].done = 1;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int run_parallel(output *out, progress *prog, pool *p, int jobs)
{
	pthread_t threads[MAX_JOBS];
	int started = 0, status = EXIT_CLEAN;
	for (; started < jobs; started++)
		if (pthread_create(&threads[started], NULL, worker, p) != 0)
			break;
	if (started == 0)
		worker(p);   /* no thread could be made: do it here */
	for (size_t i = 0; i < p->inputs->n; i++) {
		pthread_mutex_lock(&p->lock);
		while (!p->results[i].done)
			pthread_cond_wait(&p->changed, &p->lock);
		pthread_mutex_unlock(&p->lock);
		status = worse(status, deliver(out, prog, &p->results[i], &p->inputs->v[i]));
		pthread_mutex_lock(&p->lock);
		p->written++;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
	for (int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	return status;
}

/* Scan every input with the writer chosen; returns the exit status. */
static int run(cli_options *opts, const input_list *inputs, FILE *f)
{
	output out = {
		.ops = opts->format == FORMAT_JSON ? &output_json_ops
		     : opts->format == FORMAT_TIMELINE ? &output_timeline_ops
		     : opts->format == FORMAT_CSV ? &output_csv_ops
		     : opts->format == FORMAT_JSONL ? &output_jsonl_ops
		     : &output_text_ops,
		.out = f,
		.opts = opts,
		.color = opts->format == FORMAT_TEXT && f == stdout &&
		         term_want_color(f, opts->color),
	};
	saved_list saved = { NULL, 0, PTHREAD_MUTEX_INITIALIZER };
	progress prog = { .total = inputs->n, .started = time(NULL) };
	prog.on = opts->progress == PROGRESS_ALWAYS ||
	          (opts->progress == PROGRESS_AUTO && inputs->n > 1 && isatty(2));
	int jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	int cores = jobs;
	if ((size_t)jobs > inputs->n)
		jobs = (int)inputs->n;
	if (opts->save_recovered != NULL)
		jobs = 1;   /* files written in input order: the first of a name wins */
	/* -j N is N threads busy: a hive's sha256 gets a thread of its own
	 * only when there are cores to spare for it. */
	opts->open.one_thread = jobs < 1 || cores / jobs < 2;
	/* Several workers: mapping and unmapping hive after hive, they would
	 * wait on each other's page-table work (one address space); instead
	 * each reads its hives into heap memory that stays with it, reused
	 * from one hive to the next. */
	if (jobs > 1) {
		opts->open.no_map = 1;
#ifdef M_MMAP_THRESHOLD
		mallopt(M_MMAP_THRESHOLD, 32 << 20);   /* glibc's largest */
		mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
	}
	int status = EXIT_CLEAN;
	out.ops->begin(&out);
	result *results = calloc(inputs->n + 1, sizeof(*results));
	if (results == NULL) {
		fprintf(stderr, "dmarscan: out of memory\n");
		status = EXIT_INPUT;
	} else if (jobs <= 1) {
		for (size_t i = 0; i < inputs->n; i++) {
			analyse(opts, &saved, &inputs->v[i], &results[i]);
			status = worse(status, deliver(&out, &prog, &results[i], &inputs->v[i]));
		}
	} else {
		pool p = { opts, &saved, inputs, results, 0, 0, (size_t)jobs * 2,
		           PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };
		status = run_parallel(&out, &prog, &p, jobs);
	}
	free(results);
	progress_clear(&prog);
	saved_free(&saved);
	int write_failed = out.ops->end(&out) != 0;
	if (fflush(f) != 0 || ferror(f))
		write_failed = 1;
	if (f != stdout && fclose(f) != 0)
		write_failed = 1;
	if (write_failed) {
		fprintf(stderr, "dmarscan: writing the report failed: %s\n",
		        strerror(errno));
		return EXIT_INPUT;
	}
	return status;
}

/* The hives the inputs name (folders searched), also the list the
 * evidence checks of -o and --save-recovered compare against. */
static int expand(cli_options *opts, input_list *inputs, char ***paths)
{
	if (inputs_expand(opts->inputs, opts->n_inputs, opts->recursive, inputs) != 0) {
		fprintf(stderr, "dmarscan: out of memory\n");
		return -1;
	}
	/* the inputs, then the images among them */
	*paths = calloc(3 * inputs->n + 1, sizeof(**paths));
	if (*paths == NULL) {
		fprintf(stderr, "dmarscan: out of memory\n");
		return -1;
	}
	int n = 0;
	for (size_t i = 0; i < inputs->n; i++) {
		const input_origin *origin = inputs->v[i].origin;
		(*paths)[n++] = origin != NULL ? origin->image : inputs->v[i].path;
		if (inputs->v[i].software != NULL)
			(*paths)[n++] = inputs->v[i].software;
	}
	opts->inputs = *paths;
	opts->n_inputs = n;
	opts->images = *paths + n;
	opts->n_images = 0;
	for (size_t i = 0; i < inputs->n; i++)
		if (inputs->v[i].origin != NULL)
			opts->images[opts->n_images++] = inputs->v[i].origin->image;
		else if (inputs->v[i].bad_image)
			opts->images[opts->n_images++] = inputs->v[i].path;
	if (opts->save_recovered != NULL && !opts->save_to_dir && inputs->n > 1) {
		fprintf(stderr, "dmarscan: --save-recovered %s: with %zu hives, give an "
		        "existing folder (each is written as FOLDER/NAME)\n",
		        opts->save_recovered, inputs->n);
		return -1;
	}
	return 0;
}

/* Large hives are mapped (dmar_hive_open_with): one that another program
 * truncates while it is analysed, or whose device fails when a page is
 * read again, raises SIGBUS.  Say so and stop as for an unreadable input,
 * rather than die with a core dump. */
static void on_sigbus(int sig)
{
	static const char msg[] = "dmarscan: an input file shrank or could not be "
	                          "read from its device while it was analysed "
	                          "(SIGBUS); analyse a copy that nothing else "
	                          "writes to\n";
	(void)sig;
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(EXIT_INPUT);
}

int main(int argc, char **argv)
{
	struct sigaction bus = { .sa_handler = on_sigbus };
	sigaction(SIGBUS, &bus, NULL);
	cli_options opts;
	dmar_tables *tables = NULL;
	input_list inputs = { 0 };
	char **paths = NULL;
	FILE *f = NULL;
	int status;
	int rc = options_parse(argc, argv, &opts);
	image_set_cpu_limit(opts.image_cpu_limit);
	if (rc == OPTIONS_DIFF)
		status = load_tables(&opts, &tables) != 0 ? EXIT_USAGE
		       : diff_main(&opts, tables);
	else if (rc == OPTIONS_DONE)
		status = ferror(stdout) ? EXIT_USAGE : EXIT_CLEAN;
	else if (rc != OPTIONS_RUN || expand(&opts, &inputs, &paths) != 0 ||
	         load_tables(&opts, &tables) != 0 || (f = open_output(&opts)) == NULL)
		status = EXIT_USAGE;
	else {
		opts.scan.tables = tables;
		status = run(&opts, &inputs, f);
	}
	dmar_tables_free(tables);
	inputs_free(&inputs);
	free(paths);
	free(opts.port_id_files);
	free(opts.ioc_files);
	return status;
}
