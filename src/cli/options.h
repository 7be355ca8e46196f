/*
 * options.h - the dmarscan command line (stable: users script against it).
 */
#ifndef DMAR_OPTIONS_H
#define DMAR_OPTIONS_H

#include <dmarscan.h>
#include <stdio.h>

typedef enum out_format {
	FORMAT_TEXT, FORMAT_JSON, FORMAT_TIMELINE, FORMAT_CSV, FORMAT_JSONL
} out_format;

typedef struct cli_options {
	dmar_options scan;
	out_format format;
	const char *output;          /* -o FILE, NULL for stdout */
	dmar_severity min_severity;  /* what is shown */
	dmar_severity fail_on;       /* what makes the exit status 1 */
	int color;                   /* -1 auto, 0 never, 1 always */
	int verbose;                 /* text: every finding, no collapsing */
	int tree;                    /* text: the device tree */
	int acls;                    /* text: the security of the policy keys */
	int recursive;               /* -r: search folders below folders */
	int jobs;                    /* -j N; 0: one per online CPU */
	int progress;                /* PROGRESS_* */
	int diff;                    /* 'dmarscan diff BASELINE SUSPECT' */
	dmar_open_options open;      /* --no-logs */
	const char *software;        /* --software FILE */
	int no_software;             /* --no-software: no SOFTWARE beside */
	const char **ioc_files;      /* --ioc-file */
	int n_ioc_files;
	const char *save_recovered;  /* --save-recovered FILE|DIR */
	int save_to_dir;             /* ... it names an existing folder */
	const char **port_id_files;  /* --port-ids */
	int n_port_id_files;
	char **inputs;
	int n_inputs;
	unsigned image_cpu_limit;    /* --image-cpu-limit, seconds; 0: none */
	char **images;               /* the disk images among the inputs */
	int n_images;
} cli_options;

enum { PROGRESS_AUTO, PROGRESS_ALWAYS, PROGRESS_NEVER };

enum {
	OPTIONS_RUN = 0,     /* go on and scan */
	OPTIONS_DONE = 1,    /* --help, --version, --list-rules printed */
	OPTIONS_USAGE = 2,   /* usage error, message printed */
	OPTIONS_DIFF = 3     /* go on and compare two inputs */
};

int options_parse(int argc, char **argv, cli_options *out);

#endif /* DMAR_OPTIONS_H */
