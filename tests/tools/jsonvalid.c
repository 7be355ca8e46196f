/*
 * jsonvalid.c - is a report valid JSON (or JSON Lines) in valid UTF-8?
 *
 *   jsonvalid json FILE      one JSON document
 *   jsonvalid jsonl FILE     one JSON value per line
 *
 * Exit 0 when it is, 1 with the reason on stderr when not.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	json_error_t e;
	if (argc != 3 || (strcmp(argv[1], "json") != 0 && strcmp(argv[1], "jsonl") != 0)) {
		fprintf(stderr, "usage: jsonvalid json|jsonl FILE\n");
		return 2;
	}
	if (strcmp(argv[1], "json") == 0) {
		json_t *j = json_load_file(argv[2], JSON_REJECT_DUPLICATES, &e);
		if (j == NULL) {
			fprintf(stderr, "%s:%d: %s\n", argv[2], e.line, e.text);
			return 1;
		}
		json_decref(j);
		return 0;
	}
	FILE *f = fopen(argv[2], "rb");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long number = 0;
	int bad = 0;
	while (!bad && (n = getline(&line, &cap, f)) > 0) {
		number++;
		json_t *j = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &e);
		if (j == NULL) {
			fprintf(stderr, "%s:%ld: %s\n", argv[2], number, e.text);
			bad = 1;
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	return bad;
}
