/*
 * replay.c - the fuzzing harness run on files, without libFuzzer: each
 * file named is one input, given to LLVMFuzzerTestOneInput as libFuzzer
 * would give it.
 *
 *   fuzz_replay FILE...
 *
 * tests/hostile-inputs.sh replays its inputs through it in every build, so
 * the library's own path (the scan with its built-in tables, a report that
 * outlives them, every writer) is checked where the tool's is, and under
 * the sanitizers in a sanitizer build.  Each file's name goes to stderr
 * before it runs: after a crash, the last name is the input's.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static uint8_t *read_whole(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, len = 0, n;
	uint8_t *buf = malloc(cap);
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *more = realloc(buf, cap * 2);
			if (more == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	if (buf != NULL && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = len;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	int status = 0;
	for (int i = 1; i < argc; i++) {
		size_t size = 0;
		uint8_t *data = read_whole(argv[i], &size);
		if (data == NULL) {
			perror(argv[i]);
			status = 2;
			continue;
		}
		fprintf(stderr, "%s\n", argv[i]);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	return status;
}
