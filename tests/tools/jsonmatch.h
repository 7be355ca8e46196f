/*
 * jsonmatch.h - deep "contains" matching of JSON documents, for tests.
 *
 * The end-to-end test runner (runcases) checks dmarscan's JSON report
 * against small hand-written patterns instead of whole expected files, so
 * that a case states only what it proves and survives unrelated additions
 * to the report.  The rules live here, apart from the runner, so they can
 * be unit-tested (tests/unit/check_jsonmatch.c).  Everything here is a pure
 * function of its arguments: no I/O, no global state.
 *
 * Pattern rules (jm_match):
 *   - an object pattern matches an object that has every key of the
 *     pattern, each with a matching value; extra keys are ignored;
 *   - an array pattern matches an array when every element of the pattern
 *     matches some element of the array, in any order (so [] matches any
 *     array; count elements with jm_count to assert emptiness);
 *   - numbers match by value (1 matches 1.0); strings, true, false and null
 *     match only themselves;
 *   - the string "$INPUT<n>" stands for vars->inputs[n], exactly;
 *   - a string "~TEXT" matches any string containing TEXT ("~" matches every
 *     string); TEXT may itself be "$INPUT<n>".
 *
 * Messages name the place of the first mismatch as an RFC 6901 JSON pointer
 * into the document, e.g.
 *   /hives/0/findings: pattern element [0] {"rule":"X"} matched no element
 *   of the array (1 element); closest [0]: /hives/0/findings/0/rule:
 *   expected "X", found "Y"
 * Every message is a malloc'd string the caller frees.
 */
#ifndef DMARSCAN_TESTS_JSONMATCH_H
#define DMARSCAN_TESTS_JSONMATCH_H

#include <stddef.h>

#include <jansson.h>

/* Values of the "$INPUT<n>" placeholders. */
typedef struct jm_vars {
	const char *const *inputs;   /* inputs[n] replaces "$INPUT<n>" */
	size_t n_inputs;
} jm_vars;

typedef enum jm_status {
	JM_OK = 0,         /* matched, resolved or counted */
	JM_MISMATCH = 1,   /* the document does not match; *msg says where */
	JM_EPATTERN = 2,   /* the pattern or pointer is itself wrong; *msg */
	JM_ENOMEM = 3      /* out of memory; *msg may be NULL */
} jm_status;

/*
 * Match 'pattern' against 'doc'.  'vars' may be NULL (no placeholders).
 * On any status but JM_OK, *msg receives a description (or NULL when memory
 * ran out); on JM_OK, *msg is set to NULL.
 */
jm_status jm_match(const json_t *pattern, const json_t *doc,
                   const jm_vars *vars, char **msg);

/*
 * Resolve an RFC 6901 pointer ("" is the whole document).  On JM_OK, *out
 * is a borrowed reference into doc.  JM_MISMATCH: the document has nothing
 * there; JM_EPATTERN: the pointer is malformed.  *msg as for jm_match.
 */
jm_status jm_pointer_get(const json_t *doc, const char *pointer,
                         const json_t **out, char **msg);

/*
 * Count the elements of the array(s) at 'at' that match 'where' (every
 * element when 'where' is NULL).  'at' is a JSON pointer in which a segment
 * "*" stands for every element of an array (or every member of an object);
 * the counts of all arrays so reached are added up.  Fails with JM_MISMATCH
 * when a place on the way is missing or the end is not an array.
 */
jm_status jm_count(const json_t *doc, const char *at, const json_t *where,
                   const jm_vars *vars, size_t *count, char **msg);

/*
 * If text[0..len) is a placeholder "$INPUT<n>", set *value to its input and
 * return 1; return 0 when it is not a placeholder, -1 when it names an input
 * that does not exist (vars may be NULL: then there are no inputs).
 */
int jm_placeholder(const char *text, size_t len, const jm_vars *vars,
                   const char **value);

/* "base/token" with '~' and '/' of token escaped; NULL if out of memory. */
char *jm_pointer_append(const char *base, const char *token);

/* "base/index"; NULL if out of memory. */
char *jm_pointer_append_index(const char *base, size_t index);

#endif /* DMARSCAN_TESTS_JSONMATCH_H */
