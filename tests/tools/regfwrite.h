/*
 * regfwrite.h - build and patch Windows registry hive (REGF) files for tests.
 *
 * Why this exists: the test fixtures of dmarscan are real hive files, made
 * from readable .reg text by hivexregedit.  hivexregedit can only merge into
 * an existing hive, and it cannot set key timestamps or make a hive "dirty".
 * This small library writes the minimal empty hive that hivexregedit needs
 * and patches hives held in memory afterwards (sequence numbers, key
 * last-written times, the base block checksum).  reg2hive uses it, and so
 * can tests that need to damage or age a hive.
 *
 * It is test tooling, not part of libdmarscan, and shares no code with it.
 * Every parser here is bounds-checked and bounded (recursion depth, cells
 * visited), because the same functions are pointed at damaged hives.
 *
 * Conventions: functions return 0 on success and -1 on failure; on failure
 * a one-line message (no trailing newline) is written to err[errlen] when
 * err is not NULL.  A hive "held in memory" is the whole file as bytes:
 * hive[0..len).  Offsets returned are file offsets (bytes from the start of
 * the file); a cell's file offset is 4096 + its hive-bin offset and points
 * at the cell's 4-byte size field.  Times are Windows FILETIMEs: 100 ns
 * intervals since 1601-01-01T00:00:00Z.
 */
#ifndef REGFWRITE_H
#define REGFWRITE_H

#include <stddef.h>
#include <stdint.h>

/* Size of the base block (file header); hive bins start right after it. */
#define REGF_BASE_BLOCK_SIZE 4096u
/* Size of the hive written by regf_build_empty(): base block + one bin. */
#define REGF_EMPTY_HIVE_SIZE 8192u
/* Deepest key nesting the tree walkers accept (Windows allows 512). */
#define REGF_MAX_DEPTH 512

/* Build the minimal valid empty hive in buf[0..REGF_EMPTY_HIVE_SIZE):
 * base block with equal sequence numbers (1) and a correct checksum, one
 * 4096-byte hive bin holding the root key "ROOT", an sk cell (owner
 * BUILTIN\Administrators, group SYSTEM, DACL: SYSTEM and Administrators
 * full control, Users read, all container-inherit) and a free cell.
 * filetime is stored as the hive's and the root key's last-written time. */
int regf_build_empty(unsigned char *buf, size_t len, uint64_t filetime,
		     char *err, size_t errlen);

/* regf_build_empty() written to path (through a temporary file + rename). */
int regf_write_empty(const char *path, uint64_t filetime,
		     char *err, size_t errlen);

/* XOR-32 checksum of the first 508 bytes of the base block, with 0 mapped
 * to 1 and 0xFFFFFFFF to 0xFFFFFFFE, as Windows computes it. */
int regf_compute_checksum(const unsigned char *hive, size_t len,
			  uint32_t *sum, char *err, size_t errlen);

/* Store regf_compute_checksum() at offset 0x1FC of the base block. */
int regf_fix_checksum(unsigned char *hive, size_t len,
		      char *err, size_t errlen);

/* Set the primary and secondary sequence numbers (unequal = dirty hive)
 * and fix the checksum. */
int regf_set_sequence(unsigned char *hive, size_t len, uint32_t primary,
		      uint32_t secondary, char *err, size_t errlen);

/* Set the base block last-written time and the first hive bin's copy of
 * it, and fix the checksum. */
int regf_set_hive_time(unsigned char *hive, size_t len, uint64_t filetime,
		       char *err, size_t errlen);

/* Find a key by path: backslash-separated names relative to the root key
 * ("" or "\" is the root itself), compared case-insensitively for ASCII.
 * Follows lf, lh, li and ri subkey lists.  *offset receives the file
 * offset of the key's nk cell. */
int regf_find_key(const unsigned char *hive, size_t len, const char *path,
		  size_t *offset, char *err, size_t errlen);

/* Set the last-written time of the key at path (see regf_find_key()). */
int regf_set_key_time(unsigned char *hive, size_t len, const char *path,
		      uint64_t filetime, char *err, size_t errlen);

/* Set the last-written time of every key reachable from the root key.
 * *nkeys (may be NULL) receives the number of keys changed. */
int regf_set_all_key_times(unsigned char *hive, size_t len, uint64_t filetime,
			   size_t *nkeys, char *err, size_t errlen);

/* A self-relative security descriptor: owner SID (text, "S-1-5-32-544"),
 * group SYSTEM, and a DACL of the ACEs "allow:SID:MASK" / "deny:SID:MASK"
 * (MASK in hex), each inherited by subkeys.  *size receives its size. */
int regf_build_sd(const char *owner, const char *const *aces, size_t naces,
		  unsigned char *sd, size_t cap, size_t *size,
		  char *err, size_t errlen);

/* Give the key at path (see regf_find_key()) a security descriptor of its
 * own: a new hive bin holding a new sk cell, linked into the sk list.
 * *hive is reallocated (and *len grows by one hive bin); the checksum is
 * fixed. */
int regf_set_key_security(unsigned char **hive, size_t *len, const char *path,
			  const unsigned char *sd, size_t sdlen,
			  char *err, size_t errlen);

/* Parse "YYYY-MM-DDTHH:MM:SS[.fffffff]Z" (UTC, years 1601-30827). */
int regf_parse_time(const char *text, uint64_t *filetime,
		    char *err, size_t errlen);

/* Decode the UTF-8 character at text[*i] (text holds len bytes) into *cp
 * and advance *i.  Fails (without moving) on an invalid, overlong or
 * truncated sequence, a surrogate or a code point above U+10FFFF. */
int regf_utf8_next(const char *text, size_t len, size_t *i, uint32_t *cp);

/* Read a whole file.  *data is malloc'ed, NUL-terminated one byte past
 * *len (handy for text), and freed by the caller with free(). */
int regf_load_file(const char *path, unsigned char **data, size_t *len,
		   char *err, size_t errlen);

/* Write data to path atomically: a temporary file in the same directory,
 * then rename().  The file gets mode 0666 minus the umask. */
int regf_save_file(const char *path, const unsigned char *data, size_t len,
		   char *err, size_t errlen);

#endif /* REGFWRITE_H */
