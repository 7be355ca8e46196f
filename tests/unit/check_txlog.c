/*
 * check_txlog.c - the checksums of transaction-log replay: Marvin32 with
 * the registry's seed, checked against hashes Windows wrote, and the base
 * block's XOR-32 checksum with its two special values; and what opening a
 * hive from memory refuses (the replay itself: tests/tools/memopen).
 */
#include "config.h"

#include <check.h>
#include "unit.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmarscan.h>
#include "txlog.h"

/* The first 32 bytes of log entries of a real Windows 10 SYSTEM.LOG1
 * (sequence numbers 2107 to 2109) and the Hash-2 Windows stored for them. */
static const struct {
	const char *header;
	uint64_t hash;
} ENTRIES[] = {
	{ "48764c45003e0000010000003b0800000030bd0003000000c4812cbea1b6704b",
	  0xdd88c5d7df48f30aull },
	{ "48764c4500300000010000003c0800000030bd000200000007dc2540c16531d1",
	  0x58beec3c34798fa5ull },
	{ "48764c4500300000010000003d0800000030bd0002000000e0111c493ceb5d9f",
	  0xe8c7b1c18fbac661ull },
};

static void from_hex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		ck_assert(sscanf(hex + 2 * i, "%2x", &v) == 1);
		out[i] = (uint8_t)v;
	}
}

START_TEST(test_marvin32_windows_vectors)
{
	uint8_t header[32];
	from_hex(ENTRIES[_i].header, header, sizeof(header));
	ck_assert_uint_eq(txlog_marvin32(header, sizeof(header)), ENTRIES[_i].hash);
	header[31] ^= 1;   /* one bit changes the hash */
	ck_assert_uint_ne(txlog_marvin32(header, sizeof(header)), ENTRIES[_i].hash);
}
END_TEST

START_TEST(test_marvin32_lengths)
{
	/* every tail length (0-3 bytes) is hashed, and differs from the others */
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint64_t h[9];
	for (size_t n = 0; n <= 8; n++) {
		h[n] = txlog_marvin32(data, n);
		for (size_t k = 0; k < n; k++)
			ck_assert_uint_ne(h[n], h[k]);
	}
}
END_TEST

START_TEST(test_base_block_checksum)
{
	uint8_t b[512];
	memset(b, 0, sizeof(b));
	ck_assert_uint_eq(txlog_base_block_checksum(b), 1);   /* 0 becomes 1 */
	memset(b, 0xFF, 4);
	ck_assert_uint_eq(txlog_base_block_checksum(b), 0xFFFFFFFEu);
	memset(b, 0, sizeof(b));
	memcpy(b, "regf", 4);
	b[4] = 0x10;
	b[504] = 0x01;   /* bytes from 508 on are not covered */
	b[508] = 0xAA;
	ck_assert_uint_eq(txlog_base_block_checksum(b), 0x66676572u ^ 0x10u ^ 0x01u);
}
END_TEST

/* What dmar_hive_open_memory refuses before reading anything: one row per
 * way of handing it logs it cannot place, or a hive it cannot hold. */
static const struct {
	const char *why;
	const char *labels[3];
	size_t n_logs;
	int huge;
	int code;
} MEMORY_REFUSALS[] = {
	{ "a log label without a log kind", { "SYSTEM.LOG1", "SYSTEM.bak" }, 2, 0,
	  DMAR_EINVAL },
	{ "two logs of one kind (any case)", { "a/SYSTEM.LOG1", "b/system.log1" }, 2,
	  0, DMAR_EINVAL },
	{ "a log without a label", { NULL }, 1, 0, DMAR_EINVAL },
	{ "a hive larger than any hive can be", { NULL }, 0, 1, DMAR_EFORMAT },
	{ "an empty hive", { NULL }, 0, 0, DMAR_EFORMAT },
};

START_TEST(test_open_memory_refusals)
{
	static const uint8_t byte = 0;
	dmar_memory_file hive = { "SYSTEM", &byte, 0 };
	dmar_memory_file logs[3];
	for (size_t i = 0; i < 3; i++) {
		logs[i].label = MEMORY_REFUSALS[_i].labels[i];
		logs[i].data = &byte;
		logs[i].size = 1;
	}
	if (MEMORY_REFUSALS[_i].huge)
		hive.size = (size_t)DMAR_HIVE_MAX_SIZE + 1;   /* never read */
	dmar_hive *h = NULL;
	dmar_error *err = NULL;
	int rc = dmar_hive_open_memory(&h, &hive, logs, MEMORY_REFUSALS[_i].n_logs,
	                               NULL, &err);
	ck_assert_msg(rc == MEMORY_REFUSALS[_i].code, "%s: got %d (%s)",
	              MEMORY_REFUSALS[_i].why, rc, err ? err->message : "");
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(err);
	dmar_error_free(err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("txlog");
	TCase *t = tcase_create("checksums");
	tcase_add_loop_test(t, test_marvin32_windows_vectors, 0,
	                    (int)(sizeof(ENTRIES) / sizeof(ENTRIES[0])));
	tcase_add_test(t, test_marvin32_lengths);
	tcase_add_test(t, test_base_block_checksum);
	suite_add_tcase(s, t);
	TCase *m = tcase_create("memory");
	tcase_add_loop_test(m, test_open_memory_refusals, 0,
	                    (int)(sizeof(MEMORY_REFUSALS) / sizeof(MEMORY_REFUSALS[0])));
	suite_add_tcase(s, m);
	return unit_run(s);
}
