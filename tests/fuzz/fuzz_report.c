/*
 * fuzz_report.c - libFuzzer harness over the library's entry point: bytes
 * in, report out, every output format rendered.
 *
 * The input is a hive image, optionally followed by transaction logs, each
 * after a line "\n--dmarscan-fuzz-log--\n": a hive alone is opened from
 * memory; with logs, the hive and its logs are written as SYSTEM,
 * SYSTEM.LOG1 and SYSTEM.LOG2 to a private folder and opened as the tool
 * opens them, so the log search and the replay are fuzzed too.  Every
 * report is rendered as text (with the tree and the key security), JSON,
 * CSV and timeline to /dev/null.
 *
 *   make fuzz FUZZ_RUNS=1000000        (configure CC=clang --enable-fuzzer)
 */
#include "config.h"

#include <dmarscan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char SEPARATOR[] = "\n--dmarscan-fuzz-log--\n";
static char folder[256];
static FILE *sink;

/* The private folder goes when the process ends normally. */
static void remove_folder(void)
{
	static const char *const names[] = { "SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2" };
	char path[320];
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", folder, names[i]);
		unlink(path);
	}
	rmdir(folder);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(folder, sizeof(folder), "%s/dmarscan-fuzz-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(folder) == NULL)
		abort();
	atexit(remove_folder);
	sink = fopen("/dev/null", "w");
	if (sink == NULL)
		abort();
	return 0;
}

static const uint8_t *find(const uint8_t *p, size_t n, const char *what)
{
	return memmem(p, n, what, strlen(what));
}

static int write_file(const char *name, const uint8_t *p, size_t n)
{
	char path[320];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	int ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The hive of the input: from memory, or from files with its logs. */
static dmar_hive *open_input(const uint8_t *data, size_t size)
{
	dmar_hive *h = NULL;
	dmar_error *err = NULL;
	const uint8_t *sep = find(data, size, SEPARATOR);
	if (sep == NULL) {
		dmar_hive_open_buffer(&h, "fuzz", data, size, &err);
		dmar_error_free(err);
		return h;
	}
	static const char *const names[] = { "SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2" };
	const uint8_t *part = data, *end = data + size;
	for (int i = 0; i < 3; i++) {
		char path[320];
		snprintf(path, sizeof(path), "%s/%s", folder, names[i]);
		unlink(path);
		if (part == NULL)
			continue;
		const uint8_t *next = find(part, (size_t)(end - part), SEPARATOR);
		size_t n = (size_t)((next ? next : end) - part);
		if (write_file(names[i], part, n) != 0)
			abort();
		part = next ? next + strlen(SEPARATOR) : NULL;
	}
	char path[320];
	snprintf(path, sizeof(path), "%s/SYSTEM", folder);
	dmar_hive_open(&h, path, &err);
	dmar_error_free(err);
	return h;
}

static void render(const output_ops *ops, const dmar_report *r, int all_sets)
{
	cli_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.min_severity = DMAR_SEV_INFO;
	opts.verbose = 1;
	opts.tree = 1;
	opts.acls = 1;
	opts.scan.control_set = all_sets ? DMAR_CONTROL_SET_ALL : DMAR_CONTROL_SET_CURRENT;
	output o = { ops, sink, &opts, 0, NULL };
	ops->begin(&o);
	ops->hive(&o, r, NULL);
	ops->failed(&o, "fuzz", NULL, "not a hive");
	ops->end(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dmar_hive *h = open_input(data, size);
	if (h == NULL)
		return 0;
	dmar_options opts;
	dmar_options_init(&opts);
	/* one byte of the input chooses the control sets, the rules and
	 * whether the hive is also read as its own SOFTWARE hive */
	unsigned pick = size > 0 ? data[size / 2] : 0;
	opts.control_set = (pick & 1) ? DMAR_CONTROL_SET_ALL : DMAR_CONTROL_SET_CURRENT;
	opts.rules = (pick >> 1) % 4 == 0 ? DMAR_RULES_AUTO
	             : (pick >> 1) % 4 == 1 ? DMAR_RULES_PRE_24H2
	             : (pick >> 1) % 4 == 2 ? DMAR_RULES_24H2 : DMAR_RULES_BOTH;
	opts.software = (pick & 8) ? h : NULL;   /* read as a SOFTWARE hive too */
	dmar_report *r = NULL;
	dmar_error *err = NULL;
	if (dmar_scan(&r, h, &opts, &err) == 0) {
		render(&output_text_ops, r, pick & 1);
		render(&output_json_ops, r, pick & 1);
		render(&output_jsonl_ops, r, pick & 1);
		render(&output_csv_ops, r, pick & 1);
		render(&output_timeline_ops, r, pick & 1);
		dmar_report_free(r);
	}
	dmar_error_free(err);
	dmar_hive_free(h);
	return 0;
}
