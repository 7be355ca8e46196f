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

#include <dirent.h>
#include <dmarscan.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "output.h"
#include "term.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* One line on stderr naming the input and the problem. */
static void input_problem(const char *path, const char *message)
{
	char *p = term_safe(path);
	char *m = term_safe(message);
	fprintf(stderr, "dmarscan: %s: %s\n", p ? p : "?", m ? m : "?");
	free(p);
	free(m);
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

/* Evidence is never written: why 'path' may not be written, or NULL.  It
 * may not be an input or a transaction log of one; with 'not_beside', it
 * may not sit in an input's folder at all. */
static const char *evidence_conflict(const char *path, char **inputs, int n,
                                     int not_beside)
{
	struct stat target, folder;
	int exists = stat(path, &target) == 0;
	int has_folder = stat_folder(path, &folder) == 0;
	for (int i = 0; i < n; i++) {
		struct stat in, in_folder;
		if (stat(inputs[i], &in) != 0)
			continue;
		if (exists && same_inode(&in, &target))
			return "refusing to write over an input";
		if (!has_folder || stat_folder(inputs[i], &in_folder) != 0 ||
		    !same_inode(&folder, &in_folder))
			continue;
		if (log_name_of(base_name(path), base_name(inputs[i])))
			return "refusing to write over, or beside, an input as one of its "
			       "transaction logs";
		if (not_beside)
			return "refusing to write into the folder of an input (evidence "
			       "stays as it was found); choose another folder";
	}
	return NULL;
}

static FILE *open_output(const cli_options *o)
{
	if (o->output == NULL || strcmp(o->output, "-") == 0)
		return stdout;
	char *software[] = { (char *)o->software };
	const char *conflict = evidence_conflict(o->output, o->inputs, o->n_inputs, 0);
	if (conflict == NULL && o->software != NULL)
		conflict = evidence_conflict(o->output, software, 1, 0);
	if (conflict != NULL) {
		fprintf(stderr, "dmarscan: -o %s: %s\n", o->output, conflict);
		return NULL;
	}
	int fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
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

/* A file named SOFTWARE (any case) in the folder of 'path', or NULL. */
static char *software_beside(const char *path)
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
	return found;
}

/* The SOFTWARE hive for the input 'path': --software, else one beside it
 * (unless --no-software or the input is itself that file).  Returns 0
 * with *out set or NULL, -1 when an explicit --software cannot be read. */
static int open_software(const cli_options *o, const char *path, dmar_hive **out)
{
	*out = NULL;
	char *beside = NULL;
	const char *which = o->software;
	if (which == NULL && !o->no_software) {
		beside = software_beside(path);
		struct stat a, b;
		if (beside != NULL && stat(beside, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			free(beside);
			beside = NULL;
		}
		which = beside;
	}
	if (which == NULL)
		return 0;
	dmar_error *err = NULL;
	int rc = 0;
	if (dmar_hive_open_with(out, which, &o->open, &err) != 0) {
		char *msg = NULL;
		if (asprintf(&msg, "%s %s: %s", o->software ? "--software" : "the SOFTWARE "
		             "hive beside it,", which, err ? err->message : "cannot open") < 0)
			msg = NULL;
		input_problem(path, msg ? msg : "cannot open the SOFTWARE hive");
		free(msg);
		rc = o->software ? -1 : 0;   /* one beside it is a bonus */
		*out = NULL;
	}
	dmar_error_free(err);
	free(beside);
	return rc;
}

/* Files --save-recovered wrote in this run. */
typedef struct saved_list {
	char **paths;
	size_t n;
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
 * saved for another input.  Returns 0 or -1 after naming the problem. */
static int save_recovered(const cli_options *o, saved_list *saved,
                          const dmar_hive *hive, const char *path)
{
	char *target = save_path_for(o, path);
	const char *conflict = NULL;
	dmar_error *err = NULL;
	int rc = -1;
	if (target == NULL) {
		input_problem(path, "--save-recovered: out of memory");
	} else if ((conflict = evidence_conflict(target, o->inputs, o->n_inputs,
	                                         1)) != NULL) {
		char *msg = NULL;
		if (asprintf(&msg, "--save-recovered %s: %s", target, conflict) < 0)
			msg = NULL;
		input_problem(path, msg ? msg : conflict);
		free(msg);
	} else if (saved_has(saved, target)) {
		input_problem(path, "--save-recovered: another hive of the same name "
		              "was saved there in this run; give the hives a folder "
		              "each");
	} else if (dmar_hive_save(hive, target, &err) != 0) {
		char *msg = NULL;
		if (asprintf(&msg, "--save-recovered: %s",
		             err ? err->message : "cannot write") < 0)
			msg = NULL;
		input_problem(path, msg ? msg : "--save-recovered failed");
		free(msg);
		dmar_error_free(err);
	} else {
		const dmar_hive_info *h = dmar_hive_get_info(hive);
		char *t = term_safe(target), *p = term_safe(path);
		fprintf(stderr, "dmarscan: %s: %s written to %s%s%s\n", p ? p : "?",
		        h->recovered ? "the recovered hive" : "the hive (nothing to "
		        "recover)", t ? t : "?", h->recovered ? ", sha256 " : "",
		        h->recovered ? h->recovered_sha256 : "");
		free(t);
		free(p);
		saved_add(saved, target);
		target = NULL;
		rc = 0;
	}
	free(target);
	return rc;
}

/* Analyse one input; returns the worst exit status it causes. */
static int scan_input(output *out, saved_list *saved, const char *path)
{
	const cli_options *o = out->opts;
	dmar_hive *hive = NULL;
	dmar_report *report = NULL;
	dmar_error *err = NULL;
	if (dmar_hive_open_with(&hive, path, &o->open, &err) != 0) {
		const char *msg = err ? err->message : "cannot open";
		input_problem(path, msg);
		out->ops->failed(out, path, msg);
		dmar_error_free(err);
		return EXIT_INPUT;
	}
	int save_failed = o->save_recovered != NULL &&
	                  save_recovered(o, saved, hive, path) != 0;
	dmar_options scan = o->scan;
	if (open_software(o, path, &scan.software) != 0) {
		out->ops->failed(out, path, "the SOFTWARE hive given with --software "
		                 "cannot be read");
		dmar_hive_free(hive);
		return EXIT_INPUT;
	}
	int scanned = dmar_scan(&report, hive, &scan, &err);
	dmar_hive_free(scan.software);
	if (scanned != 0) {
		const char *msg = err ? err->message : "analysis failed";
		input_problem(path, msg);
		out->ops->failed(out, path, msg);
		dmar_error_free(err);
		dmar_hive_free(hive);
		return EXIT_INPUT;
	}
	out->ops->hive(out, report);
	int status = save_failed ? EXIT_INPUT : EXIT_CLEAN;
	if (report->not_system && o->save_recovered != NULL && !save_failed) {
		/* saving a SOFTWARE or NTUSER.DAT hive is a job done */
	} else if (report->error != NULL) {
		input_problem(path, report->error);
		status = EXIT_INPUT;
	} else if (dmar_report_count_at_least(report, o->fail_on) > 0) {
		status = EXIT_FINDINGS;
	}
	dmar_report_free(report);
	dmar_hive_free(hive);
	return status;
}

/* 3 outranks 1: a script must notice that an input was not analysed. */
static int worse(int a, int b)
{
	if (a == EXIT_INPUT || b == EXIT_INPUT)
		return EXIT_INPUT;
	return a > b ? a : b;
}

/* Scan every input with the writer chosen; returns the exit status. */
static int run(cli_options *opts, FILE *f)
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
	int status = EXIT_CLEAN;
	saved_list saved = { NULL, 0 };
	out.ops->begin(&out);
	for (int i = 0; i < opts->n_inputs; i++)
		status = worse(status, scan_input(&out, &saved, opts->inputs[i]));
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

int main(int argc, char **argv)
{
	cli_options opts;
	dmar_tables *tables = NULL;
	FILE *f = NULL;
	int status;
	int rc = options_parse(argc, argv, &opts);
	if (rc == OPTIONS_DONE)
		status = ferror(stdout) ? EXIT_USAGE : EXIT_CLEAN;
	else if (rc != OPTIONS_RUN || load_tables(&opts, &tables) != 0 ||
	         (f = open_output(&opts)) == NULL)
		status = EXIT_USAGE;
	else {
		opts.scan.tables = tables;
		status = run(&opts, f);
	}
	dmar_tables_free(tables);
	free(opts.port_id_files);
	free(opts.ioc_files);
	return status;
}
