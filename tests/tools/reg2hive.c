/*
 * reg2hive.c - turn a readable .reg fixture into a real SYSTEM hive file.
 *
 * Why this exists: dmarscan's test fixtures are written as .reg text and
 * built into hives with hivexregedit, which is awkward to drive directly:
 * it only merges into an existing hive whose root key has a security cell,
 * wants every parent key listed and a blank line before each key header,
 * cannot write REG_MULTI_SZ readably, and leaves every key timestamp zero.
 * reg2hive hides all of that:
 *
 *   1. it parses IN.reg itself and writes a canonical .reg (absolute key
 *      paths, missing parents added, every value re-encoded as dword: or
 *      hex(N): so strings come out as correct UTF-16LE);
 *   2. it writes the minimal empty hive (regfwrite.c) to OUT.tmp;
 *   3. it runs hivexregedit --merge on it (fork/exec, no shell);
 *   4. it applies the ";@" directives (timestamps, dirty sequence numbers)
 *      and renames OUT.tmp to OUT.
 *
 * Any error gives one line "reg2hive: IN.reg:LINE: problem" on stderr,
 * exit status 1, and leaves neither OUT nor temporary files behind.
 */
#define _POSIX_C_SOURCE 200809L

#include "regfwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__GNUC__)
#define R2H_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define R2H_PRINTF(f, a)
#endif

#define HIVE_PREFIX   "HKEY_LOCAL_MACHINE\\SYSTEM"
#define SHORT_PREFIX  "HKLM\\SYSTEM"
#define DEFAULT_PROG  "hivexregedit"
#define REG_SZ        1u
#define REG_DWORD     4u
#define OUTPUT_MAX    65536     /* bytes of hivexregedit output kept */

/* ---- Growable byte buffer ----------------------------------------------- */

/* Appends never fail loudly: on allocation failure the buffer is marked
 * with oom and later appends are ignored; callers check oom once. */
struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->cap - b->len <= n) {
		cap = b->cap ? b->cap : 256;
		while (cap - b->len <= n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_byte(struct buf *b, unsigned c)
{
	unsigned char ch = (unsigned char)c;

	buf_add(b, &ch, 1);
}

static void buf_u16(struct buf *b, uint32_t u)
{
	buf_byte(b, u & 0xFF);
	buf_byte(b, (u >> 8) & 0xFF);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- Set of known keys (case-insensitive for ASCII) --------------------- */

/* Keys already emitted, by path relative to the hive root, so parents are
 * emitted once.  Open addressing; removed entries become tombstones. */
struct keyset {
	char **slot;
	size_t cap, used;
};

static char tombstone[1];

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int same_ci(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static size_t hash_ci(const char *s, size_t n)
{
	size_t h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ (size_t)lower((unsigned char)s[i])) * 16777619u;
	return h;
}

/* Index of key[0..n) in the set, or of the free slot where it belongs. */
static size_t keyset_slot(const struct keyset *ks, const char *key, size_t n)
{
	size_t i = hash_ci(key, n) & (ks->cap - 1);
	size_t free_slot = SIZE_MAX;
	char *s;

	while ((s = ks->slot[i]) != NULL) {
		if (s == tombstone) {
			if (free_slot == SIZE_MAX)
				free_slot = i;
		} else if (strlen(s) == n && same_ci(s, key, n)) {
			return i;
		}
		i = (i + 1) & (ks->cap - 1);
	}
	return free_slot != SIZE_MAX ? free_slot : i;
}

static int keyset_has(const struct keyset *ks, const char *key, size_t n)
{
	char *s;

	if (ks->cap == 0)
		return 0;
	s = ks->slot[keyset_slot(ks, key, n)];
	return s != NULL && s != tombstone;
}

static int keyset_grow(struct keyset *ks)
{
	struct keyset big = { NULL, ks->cap ? ks->cap * 2 : 64, 0 };
	size_t i, j;

	big.slot = calloc(big.cap, sizeof *big.slot);
	if (big.slot == NULL)
		return -1;
	for (i = 0; i < ks->cap; i++) {
		if (ks->slot[i] == NULL || ks->slot[i] == tombstone)
			continue;
		j = keyset_slot(&big, ks->slot[i], strlen(ks->slot[i]));
		big.slot[j] = ks->slot[i];
		big.used++;
	}
	free(ks->slot);
	*ks = big;
	return 0;
}

/* Add key[0..n) unless present; -1 when out of memory. */
static int keyset_add(struct keyset *ks, const char *key, size_t n)
{
	size_t i;
	char *copy;

	if (keyset_has(ks, key, n))
		return 0;
	if ((ks->used + 1) * 2 > ks->cap && keyset_grow(ks) != 0)
		return -1;
	copy = malloc(n + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, key, n);
	copy[n] = '\0';
	i = keyset_slot(ks, key, n);
	if (ks->slot[i] == NULL)
		ks->used++;
	ks->slot[i] = copy;
	return 0;
}

/* Forget key and everything below it (after a [-KEY] block). */
static void keyset_remove_tree(struct keyset *ks, const char *key)
{
	size_t n = strlen(key), i;
	char *s;

	for (i = 0; i < ks->cap; i++) {
		s = ks->slot[i];
		if (s == NULL || s == tombstone || strlen(s) < n ||
		    !same_ci(s, key, n) || (s[n] != '\0' && s[n] != '\\'))
			continue;
		free(s);
		ks->slot[i] = tombstone;
	}
}

static void keyset_free(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->cap; i++)
		if (ks->slot[i] != tombstone)
			free(ks->slot[i]);
	free(ks->slot);
	memset(ks, 0, sizeof *ks);
}

/* ---- The job ------------------------------------------------------------ */

struct mtime {
	char *path;             /* relative to the hive root */
	uint64_t filetime;
	unsigned long line;
};

struct acl {
	char *path;             /* relative to the hive root */
	unsigned char sd[8192];
	size_t sdlen;
	unsigned long line;
};

struct job {
	const char *in, *out, *prog;
	const char *base;       /* --base HIVE: start from a copy of it */
	struct buf reg;         /* the canonical .reg for hivexregedit */
	struct keyset keys;
	int in_key;             /* value lines allowed (after [KEY]) */
	unsigned long dirty_line, mtime_all_line;
	uint32_t seq1, seq2;
	uint64_t mtime_all;
	struct mtime *mtimes;
	size_t nmtimes;
	struct acl *acls;
	size_t nacls;
	char *tmp_hive, *tmp_reg;
	unsigned long err_line; /* 0: the error has no line */
	char err[512];
};

static int job_fail(struct job *j, unsigned long line, const char *fmt, ...)
	R2H_PRINTF(3, 4);

static int job_fail(struct job *j, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	j->err_line = line;
	va_start(ap, fmt);
	vsnprintf(j->err, sizeof j->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(struct job *j, unsigned long line)
{
	return job_fail(j, line, "out of memory");
}

/* ---- Lexing helpers ----------------------------------------------------- */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\f' || c == '\v';
}

static const char *skip_space(const char *p)
{
	while (is_space((unsigned char)*p))
		p++;
	return p;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Does s start with prefix, ignoring ASCII case? */
static int starts_ci(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strlen(s) >= n && same_ci(s, prefix, n);
}

/* Consume word at *p, ignoring ASCII case. */
static int eat(const char **p, const char *word)
{
	if (!starts_ci(*p, word))
		return 0;
	*p += strlen(word);
	return 1;
}

/* A hexadecimal number of 1 to 8 digits (a DWORD or a value type). */
static int hex_u32(const char **p, uint32_t *v)
{
	int d, n = 0;

	*v = 0;
	while (**p == '0' && hex_value((unsigned char)(*p)[1]) >= 0)
		(*p)++;                 /* leading zeros do not count */
	while ((d = hex_value((unsigned char)**p)) >= 0) {
		if (++n > 8)
			return -1;
		*v = *v << 4 | (uint32_t)d;
		(*p)++;
	}
	return n > 0 ? 0 : -1;
}

/* A .reg quoted string at *p ("..." with \\ and \" escapes; as in
 * hivexregedit, a backslash takes the next character literally). */
static int quoted(const char **p, struct buf *out)
{
	const char *s = *p;

	if (*s++ != '"')
		return -1;
	for (; *s != '"'; s++) {
		if (*s == '\\')
			s++;
		if (*s == '\0')
			return -1;
		buf_add(out, s, 1);
	}
	*p = s + 1;
	return 0;
}

/* UTF-8 text[0..n) as UTF-16LE code units, without a terminator. */
static int utf16(struct buf *out, const char *text, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		if (regf_utf8_next(text, n, &i, &c) != 0)
			return -1;
		if (c >= 0x10000) {
			c -= 0x10000;
			buf_u16(out, 0xD800 + (c >> 10));
			buf_u16(out, 0xDC00 + (c & 0x3FF));
		} else {
			buf_u16(out, c);
		}
	}
	return 0;
}

/* ---- Values ------------------------------------------------------------- */

/* A quoted string at p, alone on the rest of the line, as UTF-16LE with a
 * NUL terminator. */
static int string_data(struct job *j, unsigned long ln, const char *p,
		       struct buf *data)
{
	struct buf s = { 0 };
	int r = -1;

	if (quoted(&p, &s) != 0)
		job_fail(j, ln, "unterminated string");
	else if (s.oom)
		oom(j, ln);
	else if (*skip_space(p) != '\0')
		job_fail(j, ln, "unexpected text after the string: %.40s", p);
	else if (utf16(data, s.p ? s.p : "", s.len) != 0)
		job_fail(j, ln, "invalid UTF-8 in string");
	else
		r = 0;
	buf_u16(data, 0);
	buf_free(&s);
	return r;
}

/* One quoted string of a multi: list, UTF-16LE and NUL-terminated. */
static int multi_item(struct job *j, unsigned long ln, const char **p,
		      struct buf *s, struct buf *data)
{
	s->len = 0;
	if (quoted(p, s) != 0)
		return job_fail(j, ln, "multi: wants quoted strings separated "
				"by commas");
	if (s->oom)
		return oom(j, ln);
	if (utf16(data, s->p ? s->p : "", s->len) != 0)
		return job_fail(j, ln, "invalid UTF-8 in string");
	buf_u16(data, 0);
	return 0;
}

/* multi:"a","b",... as REG_MULTI_SZ data; multi: alone is empty. */
static int multi_data(struct job *j, unsigned long ln, const char *p,
		      struct buf *data)
{
	struct buf s = { 0 };
	int r = 0, more = 0;

	p = skip_space(p);
	while (r == 0 && (more || *p != '\0')) {
		r = multi_item(j, ln, &p, &s, data);
		p = skip_space(p);
		more = *p == ',';
		if (more)
			p = skip_space(p + 1);
		else if (r == 0 && *p != '\0')
			r = job_fail(j, ln, "unexpected text after the "
				     "string: %.40s", p);
	}
	buf_u16(data, 0);
	buf_free(&s);
	return r;
}

/* hex: digits, commas and white space, as hivexregedit reads them. */
static int hex_data(struct job *j, unsigned long ln, const char *p,
		    struct buf *data)
{
	int hi = -1, d;

	for (; *p != '\0'; p++) {
		if (*p == ',' || is_space((unsigned char)*p))
			continue;
		d = hex_value((unsigned char)*p);
		if (d < 0)
			return job_fail(j, ln, "bad hex data at: %.20s", p);
		if (hi < 0) {
			hi = d;
		} else {
			buf_byte(data, (unsigned)(hi << 4 | d));
			hi = -1;
		}
	}
	if (hi >= 0)
		return job_fail(j, ln, "odd number of hex digits");
	return 0;
}

/* The "(N):" of hex(N): and str(N):. */
static int type_number(struct job *j, unsigned long ln, const char **p,
		       uint32_t *type)
{
	if (hex_u32(p, type) != 0 || !eat(p, "):"))
		return job_fail(j, ln, "bad type: want (N): with N a "
				"hexadecimal number of at most 8 digits");
	return 0;
}

static int dword_data(struct job *j, unsigned long ln, const char *p,
		      struct buf *data)
{
	uint32_t v;

	if (hex_u32(&p, &v) != 0 || *skip_space(p) != '\0')
		return job_fail(j, ln, "bad dword: want 1 to 8 hex digits");
	buf_u16(data, v & 0xFFFF);
	buf_u16(data, v >> 16);
	return 0;
}

/* filetime(N):2024-05-01T10:00:00Z: the 8-byte FILETIME, little-endian
 * (device properties of type DEVPROP_TYPE_FILETIME, 0xffff0010). */
static int filetime_data(struct job *j, unsigned long ln, const char *p,
			 struct buf *data)
{
	char err[160];
	uint64_t ft;

	if (regf_parse_time(skip_space(p), &ft, err, sizeof err) != 0)
		return job_fail(j, ln, "%s", err);
	for (int i = 0; i < 8; i++)
		buf_byte(data, (unsigned)((ft >> (8 * i)) & 0xFF));
	return 0;
}

/* The data after '=': its type and bytes. */
static int value_data(struct job *j, unsigned long ln, const char *p,
		      uint32_t *type, struct buf *data)
{
	*type = REG_SZ;
	if (*p == '"' || eat(&p, "str:"))
		return string_data(j, ln, p, data);
	if (eat(&p, "str(")) {
		if (type_number(j, ln, &p, type) != 0)
			return -1;
		return string_data(j, ln, p, data);
	}
	*type = 3;
	if (eat(&p, "hex:"))
		return hex_data(j, ln, p, data);
	if (eat(&p, "hex(")) {
		if (type_number(j, ln, &p, type) != 0)
			return -1;
		return hex_data(j, ln, p, data);
	}
	*type = 7;
	if (eat(&p, "multi:"))
		return multi_data(j, ln, p, data);
	if (eat(&p, "multi(")) {
		if (type_number(j, ln, &p, type) != 0)
			return -1;
		return multi_data(j, ln, p, data);
	}
	*type = REG_DWORD;
	if (eat(&p, "dword:"))
		return dword_data(j, ln, p, data);
	if (eat(&p, "dword(")) {
		if (type_number(j, ln, &p, type) != 0)
			return -1;
		return dword_data(j, ln, p, data);
	}
	if (eat(&p, "filetime(")) {
		if (type_number(j, ln, &p, type) != 0)
			return -1;
		return filetime_data(j, ln, p, data);
	}
	return job_fail(j, ln, "unknown value data: %.40s", p);
}

/* A value name (or @) as a .reg quoted string. */
static void emit_name(struct buf *reg, const struct buf *name, int dflt)
{
	size_t i;

	if (dflt) {
		buf_byte(reg, '@');
		return;
	}
	buf_byte(reg, '"');
	for (i = 0; i < name->len; i++) {
		if (name->p[i] == '\\' || name->p[i] == '"')
			buf_byte(reg, '\\');
		buf_byte(reg, (unsigned char)name->p[i]);
	}
	buf_byte(reg, '"');
}

static void emit_data(struct buf *reg, uint32_t type, const struct buf *d)
{
	static const char digit[] = "0123456789abcdef";
	char head[32];
	size_t i;
	const unsigned char *b = (const unsigned char *)d->p;

	if (type == REG_DWORD && d->len == 4) {
		snprintf(head, sizeof head, "dword:%02x%02x%02x%02x\n",
			 b[3], b[2], b[1], b[0]);
		buf_str(reg, head);
		return;
	}
	snprintf(head, sizeof head, "hex(%" PRIx32 "):", type);
	buf_str(reg, head);
	for (i = 0; i < d->len; i++) {
		if (i > 0)
			buf_byte(reg, ',');
		buf_byte(reg, (unsigned char)digit[b[i] >> 4]);
		buf_byte(reg, (unsigned char)digit[b[i] & 15]);
	}
	buf_byte(reg, '\n');
}

/* "name"=data, @=data, "name"=- or @=- inside a key block. */
static int value_line(struct job *j, unsigned long ln, const char *p)
{
	struct buf name = { 0 }, data = { 0 };
	int dflt = *p == '@', r = 0;
	uint32_t type;

	if (!j->in_key)
		return job_fail(j, ln, "value outside a key block "
				"(no [KEY] line before it)");
	if (dflt)
		p++;
	else if (quoted(&p, &name) != 0)
		p = "";                 /* fails just below */
	if (*p != '=') {
		r = job_fail(j, ln, "want \"NAME\"= or @= at the start of "
			     "a value line");
	} else if (strcmp(++p, "-") == 0) {
		emit_name(&j->reg, &name, dflt);
		buf_str(&j->reg, "=-\n");
	} else if ((r = value_data(j, ln, p, &type, &data)) == 0) {
		emit_name(&j->reg, &name, dflt);
		buf_byte(&j->reg, '=');
		emit_data(&j->reg, type, &data);
	}
	if (r == 0 && (name.oom || data.oom))
		r = oom(j, ln);
	buf_free(&name);
	buf_free(&data);
	return r;
}

/* ---- Keys --------------------------------------------------------------- */

/* Does s start with prefix (ignoring ASCII case) followed by '\' or end? */
static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!starts_ci(s, prefix))
		return NULL;
	if (s[n] == '\0')
		return s + n;
	return s[n] == '\\' ? s + n + 1 : NULL;
}

/* Path relative to the hive root from an absolute (HKEY_LOCAL_MACHINE\
 * SYSTEM\..., HKLM\SYSTEM\...) or relative (ControlSet001\..., or with a
 * leading backslash) key path.  *rel points into path. */
static int relative_key(struct job *j, unsigned long ln, const char *path,
			const char **rel)
{
	const char *r = after_prefix(path, HIVE_PREFIX);

	if (r == NULL)
		r = after_prefix(path, SHORT_PREFIX);
	if (r == NULL && (starts_ci(path, "HKEY_") ||
			  after_prefix(path, "HKLM") != NULL))
		return job_fail(j, ln, "key not under " HIVE_PREFIX ": %s",
				path);
	if (r == NULL)
		r = path[0] == '\\' ? path + 1 : path;
	if (r[0] == '\\' || strstr(r, "\\\\") != NULL ||
	    (r[0] != '\0' && r[strlen(r) - 1] == '\\'))
		return job_fail(j, ln, "empty key name in path: %s", path);
	*rel = r;
	return 0;
}

static void emit_header(struct buf *reg, const char *rel, size_t n, int del)
{
	buf_str(reg, del ? "\n[-" HIVE_PREFIX : "\n[" HIVE_PREFIX);
	if (n > 0) {
		buf_byte(reg, '\\');
		buf_add(reg, rel, n);
	}
	buf_str(reg, "]\n");
}

/* Emit rel's ancestors that hivexregedit has not seen yet, then rel. */
static int emit_key(struct job *j, unsigned long ln, const char *rel)
{
	size_t n = strlen(rel), i;

	for (i = 0; i <= n; i++) {
		if (rel[i] != '\\' && rel[i] != '\0')
			continue;
		if (i < n && keyset_has(&j->keys, rel, i))
			continue;
		emit_header(&j->reg, rel, i, 0);
		if (keyset_add(&j->keys, rel, i) != 0)
			return oom(j, ln);
	}
	return 0;
}

/* [KEY] or [-KEY]; s is the whole (trimmed) line. */
static int key_line(struct job *j, unsigned long ln, char *s)
{
	size_t n = strlen(s);
	int del = s[1] == '-';
	const char *rel;

	if (s[n - 1] != ']')
		return job_fail(j, ln, "key header without a closing ']'");
	s[n - 1] = '\0';
	if (relative_key(j, ln, s + 1 + del, &rel) != 0)
		return -1;
	j->in_key = !del;
	if (!del)
		return emit_key(j, ln, rel);
	if (rel[0] == '\0')
		return job_fail(j, ln, "the root key cannot be deleted");
	keyset_remove_tree(&j->keys, rel);
	emit_header(&j->reg, rel, strlen(rel), 1);
	return 0;
}

/* ---- Directives --------------------------------------------------------- */

/* A decimal or 0x-hexadecimal number that fits in 32 bits. */
static int parse_u32(const char *s, uint32_t *v)
{
	int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	unsigned long long n;
	char *end;

	if (hex_value((unsigned char)s[base == 16 ? 2 : 0]) < 0 ||
	    (base == 10 && (s[0] < '0' || s[0] > '9')))
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* Split the next white-space separated word off *p. */
static char *word(char **p)
{
	char *w = (char *)skip_space(*p), *e = w;

	while (*e != '\0' && !is_space((unsigned char)*e))
		e++;
	*p = e;
	if (*e != '\0')
		*p = e + 1;
	*e = '\0';
	return w;
}

static int dirty_directive(struct job *j, unsigned long ln, char *args)
{
	char *a = word(&args), *b = word(&args);

	if (j->dirty_line != 0)
		return job_fail(j, ln, "second ;@ dirty (first on line %lu)",
				j->dirty_line);
	if (parse_u32(a, &j->seq1) != 0 || parse_u32(b, &j->seq2) != 0 ||
	    *skip_space(args) != '\0')
		return job_fail(j, ln, "want ;@ dirty PRIMARY SECONDARY "
				"(32-bit numbers)");
	j->dirty_line = ln;
	return 0;
}

static int mtime_all_directive(struct job *j, unsigned long ln, char *args)
{
	char *t = word(&args), msg[256];

	if (j->mtime_all_line != 0)
		return job_fail(j, ln, "second ;@ mtime-all (first on line "
				"%lu)", j->mtime_all_line);
	if (*t == '\0' || *skip_space(args) != '\0')
		return job_fail(j, ln, "want ;@ mtime-all TIME");
	if (regf_parse_time(t, &j->mtime_all, msg, sizeof msg) != 0)
		return job_fail(j, ln, "%s", msg);
	j->mtime_all_line = ln;
	return 0;
}

/* Split s at its last white space: returns the last word (NULL when s is
 * a single word) and trims the white space off the end of what is left. */
static char *last_word(char *s)
{
	char *e = s + strlen(s), *w;

	while (e > s && !is_space((unsigned char)e[-1]))
		e--;
	if (e == s)
		return NULL;
	w = e;
	while (e > s && is_space((unsigned char)e[-1]))
		*--e = '\0';
	return w;
}

static int add_mtime(struct job *j, unsigned long ln, const char *rel,
		     uint64_t filetime)
{
	struct mtime *m = realloc(j->mtimes, (j->nmtimes + 1) * sizeof *m);

	if (m == NULL)
		return oom(j, ln);
	j->mtimes = m;
	m += j->nmtimes;
	m->path = strdup(rel);
	if (m->path == NULL)
		return oom(j, ln);
	m->filetime = filetime;
	m->line = ln;
	j->nmtimes++;
	return 0;
}

/* ;@ mtime KEYPATH TIME: the key path may hold spaces, the time is the
 * last word. */
static int mtime_directive(struct job *j, unsigned long ln, char *args)
{
	char *key = (char *)skip_space(args), *t = last_word(key);
	const char *rel;
	uint64_t filetime;
	char msg[256];

	if (t == NULL)
		return job_fail(j, ln, "want ;@ mtime KEYPATH TIME");
	if (regf_parse_time(t, &filetime, msg, sizeof msg) != 0)
		return job_fail(j, ln, "%s", msg);
	if (relative_key(j, ln, key, &rel) != 0)
		return -1;
	return add_mtime(j, ln, rel, filetime);
}

/* The next descriptor slot (not yet counted), or NULL. */
static struct acl *acl_slot(struct job *j)
{
	struct acl *a = realloc(j->acls, (j->nacls + 1) * sizeof *a);
	if (a == NULL)
		return NULL;
	j->acls = a;
	return a + j->nacls;
}

/* Count the filled slot a as the descriptor of key 'rel'. */
static int acl_keep(struct job *j, unsigned long ln, struct acl *a, const char *rel)
{
	a->path = strdup(rel);
	if (a->path == NULL)
		return oom(j, ln);
	a->line = ln;
	j->nacls++;
	return 0;
}

/* ;@ acl KEYPATH = OWNER ACE...: the key path may hold spaces; the
 * descriptor is built now so that a bad one is reported with its line. */
static int acl_directive(struct job *j, unsigned long ln, char *args)
{
	char *key = (char *)skip_space(args), *eq = strstr(key, " = ");
	const char *rel, *words[64], *owner;
	size_t n = 0;
	char msg[256];
	struct acl *a;

	if (eq == NULL)
		return job_fail(j, ln, "want ;@ acl KEYPATH = OWNER-SID "
				"allow:SID:MASK ...");
	*eq = '\0';
	owner = strtok(eq + 3, " \t");
	for (char *w; (w = strtok(NULL, " \t")) != NULL && n < 64;)
		words[n++] = w;
	if (owner == NULL)
		return job_fail(j, ln, "want an owner SID after '='");
	if (relative_key(j, ln, key, &rel) != 0)
		return -1;
	if ((a = acl_slot(j)) == NULL)
		return oom(j, ln);
	if (regf_build_sd(owner, words, n, a->sd, sizeof a->sd, &a->sdlen, msg,
			  sizeof msg) != 0)
		return job_fail(j, ln, "%s", msg);
	return acl_keep(j, ln, a, rel);
}

/* ;@ sd KEYPATH = HEX: a raw self-relative descriptor, for descriptors
 * the acl directive cannot say (object and callback ACEs, damaged ACLs). */
static int sd_directive(struct job *j, unsigned long ln, char *args)
{
	char *key = (char *)skip_space(args), *eq = strstr(key, " = ");
	const char *rel, *hex;
	struct acl *a;
	size_t n = 0;

	if (eq == NULL)
		return job_fail(j, ln, "want ;@ sd KEYPATH = HEX");
	*eq = '\0';
	hex = skip_space(eq + 3);
	if (relative_key(j, ln, key, &rel) != 0)
		return -1;
	if ((a = acl_slot(j)) == NULL)
		return oom(j, ln);
	for (const char *p = hex; *p && *p != '\n' && *p != '\r'; p += 2) {
		unsigned v;
		if (n == sizeof a->sd || sscanf(p, "%2x", &v) != 1 || p[1] == '\0')
			return job_fail(j, ln, "the descriptor is not hex bytes (at most "
					"%zu)", sizeof a->sd);
		a->sd[n++] = (unsigned char)v;
	}
	if (n < 20)
		return job_fail(j, ln, "a descriptor has at least 20 bytes");
	a->sdlen = n;
	return acl_keep(j, ln, a, rel);
}

/* s follows ";@". */
static int directive(struct job *j, unsigned long ln, char *s)
{
	char *name = word(&s);

	if (strcmp(name, "dirty") == 0)
		return dirty_directive(j, ln, s);
	if (strcmp(name, "mtime-all") == 0)
		return mtime_all_directive(j, ln, s);
	if (strcmp(name, "mtime") == 0)
		return mtime_directive(j, ln, s);
	if (strcmp(name, "acl") == 0)
		return acl_directive(j, ln, s);
	if (strcmp(name, "sd") == 0)
		return sd_directive(j, ln, s);
	return job_fail(j, ln, "unknown directive ;@ %s", name);
}

/* ---- Lines -------------------------------------------------------------- */

static int valid_utf8(const char *s)
{
	size_t i = 0, n = strlen(s);
	uint32_t c;

	while (i < n)
		if (regf_utf8_next(s, n, &i, &c) != 0)
			return 0;
	return 1;
}

/* One logical line: continuations joined, trailing white space removed. */
static int handle_line(struct job *j, unsigned long ln, char *s)
{
	char *p = (char *)skip_space(s);
	int r;

	if (!valid_utf8(p))
		return job_fail(j, ln, "invalid UTF-8");
	if (*p == '\0')
		r = 0;
	else if (p[0] == ';' && p[1] == '@')
		r = directive(j, ln, p + 2);
	else if (*p == ';')
		r = 0;
	else if (*p == '[')
		r = key_line(j, ln, p);
	else if (*p == '"' || *p == '@')
		r = value_line(j, ln, p);
	else if (strstr(p, "Windows Registry Editor Version") != NULL ||
		 strncmp(p, "REGEDIT", 7) == 0)
		r = 0;
	else
		r = job_fail(j, ln, "unexpected text: %.40s", p);
	if (r == 0 && j->reg.oom)
		r = oom(j, ln);
	return r;
}

/* The next logical line from text[*pos..len) into line: a physical line
 * ending in a backslash (and optional white space) continues on the next,
 * as in hivexregedit.  CR and trailing white space are dropped. */
static void next_line(const char *text, size_t len, size_t *pos,
		      unsigned long *lineno, struct buf *line)
{
	const char *s, *nl;
	size_t n;

	line->len = 0;
	buf_add(line, "", 0);
	for (;;) {
		s = text + *pos;
		nl = memchr(s, '\n', len - *pos);
		n = nl != NULL ? (size_t)(nl - s) : len - *pos;
		*pos += n + (nl != NULL);
		(*lineno)++;
		while (n > 0 && is_space((unsigned char)s[n - 1]))
			n--;
		if (n == 0 || s[n - 1] != '\\' || *pos >= len)
			break;
		buf_add(line, s, n - 1);
	}
	buf_add(line, s, n);
}

static unsigned long line_of(const char *text, size_t pos)
{
	unsigned long ln = 1;
	size_t i;

	for (i = 0; i < pos; i++)
		ln += text[i] == '\n';
	return ln;
}

/* IN.reg text -> j->reg (canonical .reg) and the directives. */
static int preprocess(struct job *j, const char *text, size_t len)
{
	struct buf line = { 0 };
	const char *nul = memchr(text, '\0', len);
	unsigned long lineno = 0, first;
	size_t pos = 0;
	int r = 0;

	if (nul != NULL)
		return job_fail(j, line_of(text, (size_t)(nul - text)),
				"NUL byte (UTF-16 file? convert it to UTF-8)");
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	buf_str(&j->reg, "Windows Registry Editor Version 5.00\n");
	while (r == 0 && pos < len) {
		first = lineno + 1;
		next_line(text, len, &pos, &lineno, &line);
		r = line.oom ? oom(j, first) : handle_line(j, first, line.p);
	}
	buf_free(&line);
	return r;
}

/* ---- Running hivexregedit ----------------------------------------------- */

/* "./" before a relative path, so that hivexregedit takes it for a file
 * name, never for an option or a Perl open() mode. */
static char *safe_path(const char *path)
{
	size_t n = strlen(path), k = path[0] == '/' ? 0 : 2;
	char *s = malloc(n + k + 1);

	if (s != NULL) {
		memcpy(s, "./", k);
		memcpy(s + k, path, n + 1);
	}
	return s;
}

/* In the child: output to fd, stdin from /dev/null, then exec. */
static void run_child(int fd, char *const argv[])
{
	int in = open("/dev/null", O_RDONLY);

	if (in < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	if (in > 2)
		close(in);
	if (fd > 2)
		close(fd);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Everything the child writes (the first OUTPUT_MAX bytes are kept). */
static int collect(int fd, struct buf *out)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if (out->len < OUTPUT_MAX)
			buf_add(out, chunk, (size_t)n);
	}
}

/* The first non-blank line of the child's output, for a one-line error. */
static const char *first_line(struct buf *out)
{
	char *s;

	if (out->p == NULL || out->oom)
		return "(no output)";
	s = (char *)skip_space(out->p);
	s[strcspn(s, "\r\n")] = '\0';
	return *s != '\0' ? s : "(no output)";
}

static int merge_status(struct job *j, int status, struct buf *out)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (out->len > 0)
			fputs(out->p, stderr);  /* warnings, if any */
		return 0;
	}
	if (WIFSIGNALED(status))
		return job_fail(j, 0, "%s killed by signal %d: %s", j->prog,
				WTERMSIG(status), first_line(out));
	if (WEXITSTATUS(status) == 127)
		return job_fail(j, 0, "%s", first_line(out));
	return job_fail(j, 0, "%s failed (exit status %d): %s", j->prog,
			WEXITSTATUS(status), first_line(out));
}

/* Run PROG on the child side of a pipe and wait for it. */
static int spawn(struct job *j, char *const argv[], struct buf *out,
		 int *status)
{
	int fds[2], r;
	pid_t pid;

	if (pipe(fds) != 0)
		return job_fail(j, 0, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return job_fail(j, 0, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(fds[1], argv);
	}
	close(fds[1]);
	r = collect(fds[0], out);
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return job_fail(j, 0, "waitpid: %s", strerror(errno));
	if (r != 0)
		return job_fail(j, 0, "reading %s output failed", j->prog);
	return out->oom ? oom(j, 0) : 0;
}

/* PROG --merge OUT.tmp --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' TMP.reg */
static int run_merge(struct job *j)
{
	char *hive = safe_path(j->tmp_hive), *reg = safe_path(j->tmp_reg);
	char merge[] = "--merge", prefix_opt[] = "--prefix";
	char prefix[] = HIVE_PREFIX;
	char *argv[] = { (char *)j->prog, merge, hive, prefix_opt, prefix,
			 reg, NULL };
	struct buf out = { 0 };
	int status, r;

	if (hive == NULL || reg == NULL)
		r = oom(j, 0);
	else if ((r = spawn(j, argv, &out, &status)) == 0)
		r = merge_status(j, status, &out);
	free(hive);
	free(reg);
	buf_free(&out);
	return r;
}

/* ---- Directives on the merged hive -------------------------------------- */

static int apply_times(struct job *j, unsigned char *hive, size_t len)
{
	char msg[300];
	size_t i;

	if (j->mtime_all_line != 0 &&
	    regf_set_all_key_times(hive, len, j->mtime_all, NULL,
				   msg, sizeof msg) != 0)
		return job_fail(j, j->mtime_all_line, "%s", msg);
	for (i = 0; i < j->nmtimes; i++)
		if (regf_set_key_time(hive, len, j->mtimes[i].path,
				      j->mtimes[i].filetime,
				      msg, sizeof msg) != 0)
			return job_fail(j, j->mtimes[i].line, "%s", msg);
	return 0;
}

static int apply_directives(struct job *j)
{
	unsigned char *hive;
	size_t len;
	char msg[300];
	int r = -1;

	if (regf_load_file(j->tmp_hive, &hive, &len, msg, sizeof msg) != 0)
		return job_fail(j, 0, "%s", msg);
	if (apply_times(j, hive, len) != 0)
		goto out;
	for (size_t i = 0; i < j->nacls; i++)
		if (regf_set_key_security(&hive, &len, j->acls[i].path, j->acls[i].sd,
					  j->acls[i].sdlen, msg, sizeof msg) != 0) {
			job_fail(j, j->acls[i].line, "%s", msg);
			goto out;
		}
	if (j->dirty_line != 0 &&
	    regf_set_sequence(hive, len, j->seq1, j->seq2,
			      msg, sizeof msg) != 0) {
		job_fail(j, j->dirty_line, "%s", msg);
		goto out;
	}
	if (regf_fix_checksum(hive, len, msg, sizeof msg) != 0 ||
	    regf_save_file(j->tmp_hive, hive, len, msg, sizeof msg) != 0) {
		job_fail(j, 0, "%s", msg);
		goto out;
	}
	r = 0;
out:
	free(hive);
	return r;
}

/* ---- Main --------------------------------------------------------------- */

static char *with_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);
	char *s = malloc(n + k + 1);

	if (s != NULL) {
		memcpy(s, path, n);
		memcpy(s + n, suffix, k + 1);
	}
	return s;
}

/* OUT.tmp as a copy of the --base hive. */
static int copy_base(struct job *j)
{
	unsigned char *hive;
	size_t len;
	char msg[300];
	int r;

	if (regf_load_file(j->base, &hive, &len, msg, sizeof msg) != 0)
		return job_fail(j, 0, "--base: %s", msg);
	r = regf_save_file(j->tmp_hive, hive, len, msg, sizeof msg);
	free(hive);
	return r != 0 ? job_fail(j, 0, "%s", msg) : 0;
}

/* Write TMP.reg and OUT.tmp: the empty hive, or a copy of --base. */
static int write_temps(struct job *j)
{
	char msg[300];

	j->tmp_reg = with_suffix(j->out, ".tmp.reg");
	j->tmp_hive = with_suffix(j->out, ".tmp");
	if (j->tmp_reg == NULL || j->tmp_hive == NULL)
		return oom(j, 0);
	if (regf_save_file(j->tmp_reg, (const unsigned char *)j->reg.p,
			   j->reg.len, msg, sizeof msg) != 0)
		return job_fail(j, 0, "%s", msg);
	if (j->base != NULL)
		return copy_base(j);
	if (regf_write_empty(j->tmp_hive, j->mtime_all, msg, sizeof msg) != 0)
		return job_fail(j, 0, "%s", msg);
	return 0;
}

static int build(struct job *j)
{
	unsigned char *text;
	size_t len;
	char msg[300];
	int r;

	if (regf_load_file(j->in, &text, &len, msg, sizeof msg) != 0)
		return job_fail(j, 0, "%s", msg);
	r = preprocess(j, (const char *)text, len);
	free(text);
	if (r != 0 || write_temps(j) != 0 || run_merge(j) != 0 ||
	    apply_directives(j) != 0)
		return -1;
	if (rename(j->tmp_hive, j->out) != 0)
		return job_fail(j, 0, "rename %s to %s: %s", j->tmp_hive,
				j->out, strerror(errno));
	return 0;
}

static void cleanup(struct job *j, int failed)
{
	size_t i;

	if (j->tmp_reg != NULL)
		unlink(j->tmp_reg);
	if (failed && j->tmp_hive != NULL)
		unlink(j->tmp_hive);
	if (failed && j->out != NULL)
		unlink(j->out);
	free(j->tmp_reg);
	free(j->tmp_hive);
	for (i = 0; i < j->nmtimes; i++)
		free(j->mtimes[i].path);
	free(j->mtimes);
	for (i = 0; i < j->nacls; i++)
		free(j->acls[i].path);
	free(j->acls);
	buf_free(&j->reg);
	keyset_free(&j->keys);
}

static const char help_text[] =
"Usage: reg2hive [--hivexregedit PROG] [--base HIVE] IN.reg OUT.hive\n"
"\n"
"Build a Windows SYSTEM registry hive from a .reg file (UTF-8, LF or CRLF).\n"
"The hive starts empty (root key with a security descriptor) or, with\n"
"--base, as a copy of HIVE (which is not changed); IN.reg is merged into\n"
"it with PROG --merge (default: $HIVEXREGEDIT, else hivexregedit), then\n"
"the directives below are applied.  Successive --base builds give the\n"
"states of a hive that changes step by step, as the transaction-log tests\n"
"need.\n"
"\n"
"Syntax: regedit/hivexregedit .reg syntax: [KEY], [-KEY], \"name\"=...,\n"
"@=..., \"name\"=-, values \"text\", str:\"..\", str(N):\"..\", dword:X,\n"
"hex:.., hex(N):.. (any 32-bit N), ';' comments, '\\' continuations.\n"
"Relaxed: key paths may be relative to the hive ([ControlSet001\\Enum]) or\n"
"start with HKEY_LOCAL_MACHINE\\SYSTEM or HKLM\\SYSTEM; parent keys are\n"
"added as needed; blank lines and comments may sit anywhere, even between\n"
"the values of a key; strings are stored as UTF-16LE (surrogate pairs\n"
"above U+FFFF).\n"
"\n"
"Extension:\n"
"  \"Name\"=multi:\"first\",\"second\"   REG_MULTI_SZ; multi: alone is empty\n"
"  multi(N):\"a\",\"b\"   the same data with type N (e.g. ffff2012)\n"
"  dword(N):X            a 4-byte number with type N (e.g. ffff0007)\n"
"  filetime(N):2024-05-01T10:00:00Z   an 8-byte FILETIME with type N\n"
"\n"
"Directives (comments to hivexregedit):\n"
"  ;@ dirty PRIMARY SECONDARY    base block sequence numbers (dirty hive\n"
"                                when they differ)\n"
"  ;@ mtime-all TIME             every key's last-written time, and the\n"
"                                hive's; applied before the ;@ mtime lines\n"
"  ;@ mtime KEYPATH TIME         one key's last-written time; KEYPATH is\n"
"                                relative to the hive root, may hold spaces\n"
"  ;@ acl KEYPATH = OWNER ACE... the key's own security descriptor: owner\n"
"                                SID, group SYSTEM, ACEs allow:SID:MASK or\n"
"                                deny:SID:MASK (MASK in hex), e.g.\n"
"                                ;@ acl ControlSet001\\Services\\x = S-1-5-32-544\n"
"                                allow:S-1-5-18:F003F allow:S-1-5-32-545:20006\n"
"  ;@ sd KEYPATH = HEX           the key's descriptor as raw bytes (object\n"
"                                and callback ACEs, damaged ACLs)\n"
"TIME is YYYY-MM-DDTHH:MM:SS[.fffffff]Z.  Without directives every time is\n"
"zero (1601-01-01) and the sequence numbers are equal.  Other ;@ lines are\n"
"errors.\n"
"\n"
"On error: one line \"reg2hive: IN.reg:LINE: problem\" on stderr, exit\n"
"status 1, and neither OUT.hive nor temporary files are left behind.\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "reg2hive: %s%s (see reg2hive --help)\n", msg, arg);
	return 1;
}

/* Options into j; returns -1 to go on, or an exit status. */
static int parse_args(struct job *j, int argc, char **argv)
{
	const char *env = getenv("HIVEXREGEDIT");
	int i;

	j->prog = env != NULL && *env != '\0' ? env : DEFAULT_PROG;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--help") == 0 ||
			   strcmp(argv[i], "-h") == 0) {
			return fputs(help_text, stdout) < 0 ||
			       fflush(stdout) != 0;
		} else if (strcmp(argv[i], "--hivexregedit") == 0 &&
			   i + 1 < argc && argv[i + 1][0] != '\0') {
			j->prog = argv[++i];
		} else if (strncmp(argv[i], "--hivexregedit=", 15) == 0 &&
			   argv[i][15] != '\0') {
			j->prog = argv[i] + 15;
		} else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc &&
			   argv[i + 1][0] != '\0') {
			j->base = argv[++i];
		} else {
			return usage_error("bad option ", argv[i]);
		}
	}
	if (argc - i != 2)
		return usage_error("usage: reg2hive [--hivexregedit PROG] "
				   "[--base HIVE] IN.reg OUT.hive", "");
	j->in = argv[i];
	j->out = argv[i + 1];
	if (strcmp(j->in, j->out) == 0)
		return usage_error("IN.reg and OUT.hive are the same", "");
	if (j->base != NULL && strcmp(j->base, j->out) == 0)
		return usage_error("--base HIVE and OUT.hive are the same", "");
	return -1;
}

static void report(const struct job *j)
{
	char msg[sizeof j->err];
	size_t i;

	for (i = 0; j->err[i] != '\0'; i++)   /* keep it on one line */
		msg[i] = (j->err[i] == '\n' || j->err[i] == '\r') ? ' '
								   : j->err[i];
	msg[i] = '\0';
	if (j->err_line != 0)
		fprintf(stderr, "reg2hive: %s:%lu: %s\n", j->in, j->err_line,
			msg);
	else
		fprintf(stderr, "reg2hive: %s: %s\n", j->in, msg);
}

int main(int argc, char **argv)
{
	struct job j;
	int r;

	memset(&j, 0, sizeof j);
	r = parse_args(&j, argc, argv);
	if (r >= 0)
		return r;
	r = build(&j);
	if (r != 0)
		report(&j);
	cleanup(&j, r != 0);
	return r != 0 ? 1 : 0;
}
