/*
 * output.h - the report writers.  One file per format implements these
 * calls; main.c drives them input by input, so output streams: a hive is
 * written as soon as it is analysed.
 */
#ifndef DMAR_OUTPUT_H
#define DMAR_OUTPUT_H

#include <dmarscan.h>
#include <stdio.h>

#include "image.h"
#include "options.h"

typedef struct output output;

typedef struct output_ops {
	void (*begin)(output *o);
	/* An analysed hive; report->error may say what could not be read.
	 * 'origin': where in a disk image it was read, NULL for a hive file. */
	void (*hive)(output *o, const dmar_report *report,
	             const input_origin *origin);
	/* An input that could not be opened as a hive at all. */
	void (*failed)(output *o, const char *path, const input_origin *origin,
	               const char *message);
	/* Returns 0, or -1 when writing failed. */
	int (*end)(output *o);
} output_ops;

struct output {
	const output_ops *ops;
	FILE *out;
	const cli_options *opts;
	int color;
	void *state;
};

extern const output_ops output_text_ops;
extern const output_ops output_json_ops;
extern const output_ops output_timeline_ops;
extern const output_ops output_csv_ops;
extern const output_ops output_jsonl_ops;

#endif /* DMAR_OUTPUT_H */
