/*
 * memopen.c - does a hive opened from memory, its logs given as buffers,
 * come out as the same hive opened from its file with the logs beside it?
 *
 *   memopen HIVE [LOG ...]
 *
 * Opens HIVE with dmar_hive_open_with() (which finds the logs beside it)
 * and again with dmar_hive_open_memory(), HIVE and each LOG read into
 * memory and labelled with its path, then compares every field of the two
 * dmar_hive_info, the logs' included.  Exit 0 when they agree (or both
 * fail with the same message), 1 naming the first difference, 2 on a usage
 * or read error.
 */
#include "config.h"

#include <dmarscan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOGS 8

static int read_whole(const char *path, dmar_memory_file *out)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	if (f == NULL || buf == NULL) {
		perror(path);
		free(buf);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *more = realloc(buf, cap * 2);
			if (more == NULL)
				break;
			buf = more;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		perror(path);
		free(buf);
		return -1;
	}
	out->label = path;
	out->data = buf;
	out->size = len;
	return 0;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

#define SAME_NUMBER(field) do { \
	if (a->field != b->field) { \
		printf("%s: %s differs: %llu from the file, %llu from memory\n", \
		       what, #field, (unsigned long long)a->field, \
		       (unsigned long long)b->field); \
		return 1; \
	} } while (0)
#define SAME_TEXT(field) do { \
	if (strcmp(or_empty(a->field), or_empty(b->field)) != 0) { \
		printf("%s: %s differs: \"%s\" from the file, \"%s\" from memory\n", \
		       what, #field, or_empty(a->field), or_empty(b->field)); \
		return 1; \
	} } while (0)

static int same_log(const char *what, const dmar_log_info *a,
                    const dmar_log_info *b)
{
	SAME_TEXT(path);
	SAME_TEXT(sha256);
	SAME_NUMBER(size);
	SAME_TEXT(format);
	SAME_NUMBER(entries);
	SAME_NUMBER(first_seq);
	SAME_NUMBER(last_seq);
	SAME_NUMBER(entries_applied);
	SAME_NUMBER(pages_applied);
	SAME_NUMBER(applied);
	SAME_TEXT(problem);
	SAME_NUMBER(damaged);
	return 0;
}

static int same_info(const char *what, const dmar_hive_info *a,
                     const dmar_hive_info *b)
{
	SAME_TEXT(path);
	SAME_NUMBER(size);
	SAME_TEXT(sha256);
	SAME_NUMBER(seq_primary);
	SAME_NUMBER(seq_secondary);
	SAME_NUMBER(dirty);
	SAME_NUMBER(checksum_ok);
	SAME_NUMBER(hbins_size);
	SAME_TEXT(embedded_name);
	SAME_NUMBER(logs_searched);
	SAME_NUMBER(n_logs);
	SAME_NUMBER(recovered);
	SAME_NUMBER(recovered_pages);
	SAME_NUMBER(recovered_first_seq);
	SAME_NUMBER(recovered_last_seq);
	SAME_NUMBER(recovered_base_block);
	SAME_TEXT(recovered_sha256);
	SAME_NUMBER(recovered_size);
	SAME_NUMBER(guarded_cells);
	SAME_NUMBER(unsound_bin_pages);
	for (size_t i = 0; i < a->n_logs; i++)
		if (same_log(what, &a->logs[i], &b->logs[i]) != 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc - 2 > MAX_LOGS) {
		fprintf(stderr, "usage: memopen HIVE [LOG ...] (at most %d logs)\n",
		        MAX_LOGS);
		return 2;
	}
	dmar_memory_file hive, logs[MAX_LOGS];
	size_t n_logs = 0;
	if (read_whole(argv[1], &hive) != 0)
		return 2;
	int status = 0;
	for (int i = 2; i < argc && status == 0; i++) {
		if (read_whole(argv[i], &logs[n_logs]) != 0)
			status = 2;
		else
			n_logs++;
	}
	dmar_hive *from_file = NULL, *from_memory = NULL;
	dmar_error *fe = NULL, *me = NULL;
	if (status == 0) {
		int frc = dmar_hive_open_with(&from_file, argv[1], NULL, &fe);
		int mrc = dmar_hive_open_memory(&from_memory, &hive, logs, n_logs,
		                                NULL, &me);
		if (frc != mrc || (frc != 0 && strcmp(fe ? fe->message : "",
		                                      me ? me->message : "") != 0)) {
			printf("%s: opening gives %d (%s) from the file, %d (%s) from "
			       "memory\n", argv[1], frc, fe ? fe->message : "",
			       mrc, me ? me->message : "");
			status = 1;
		} else if (frc == 0) {
			status = same_info(argv[1], dmar_hive_get_info(from_file),
			                   dmar_hive_get_info(from_memory));
		}
	}
	dmar_error_free(fe);
	dmar_error_free(me);
	dmar_hive_free(from_file);
	dmar_hive_free(from_memory);
	free((void *)hive.data);
	for (size_t i = 0; i < n_logs; i++)
		free((void *)logs[i].data);
	return status;
}
