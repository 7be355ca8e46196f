/*
 * text.h - strings as the registry stores them, made safe to carry around.
 *
 * Registry strings are UTF-16LE of any length and any content: unpaired
 * surrogates, missing terminators, odd byte counts.  Everything the report
 * holds is valid UTF-8 made here, so the writers downstream never see
 * invalid text (invalid units become U+FFFD).
 */
#ifndef DMAR_TEXT_H
#define DMAR_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Decode UTF-16LE up to the first NUL unit (or the end) into UTF-8. */
char *text_from_utf16le(dmar_arena *a, const uint8_t *data, size_t size);

/* The same into a caller's buffer of at least size / 2 * 3 + 1 bytes;
 * returns the length written. */
size_t text_utf16le_decode(const uint8_t *data, size_t size, char *out);

/* Decode a REG_MULTI_SZ into *out (arena array of strings); empty strings
 * end the list, as Windows reads it.  Returns the count, -1 on OOM. */
int text_multi_from_utf16le(dmar_arena *a, const uint8_t *data, size_t size,
                            const char ***out);

/* Decode the UTF-8 sequence at s (at most 'left' bytes): its length (1..4)
 * with the code point in *cp, or 0 when invalid (overlong, surrogate,
 * truncated, above U+10FFFF). */
size_t text_utf8_next(const char *s, size_t left, uint32_t *cp);

/* Copy bytes claimed to be UTF-8, replacing invalid sequences by U+FFFD. */
char *text_sanitize_utf8(dmar_arena *a, const char *s, size_t len);

/* ASCII case-insensitive comparison, as the registry compares names for
 * the characters that matter here. */
int text_casecmp(const char *a, const char *b);
int text_ncasecmp(const char *a, const char *b, size_t n);
int text_starts_with_nocase(const char *s, const char *prefix);

/* Indirect strings as Windows shows them:
 * "@oem1.inf,%desc%;Intel(R) Ethernet" -> "Intel(R) Ethernet", and
 * "@pci.sys,#65536;PCI bus %1, device %2;(3,0)" -> "PCI bus 3, device 0".
 * Strings that are not indirect come back unchanged. */
const char *text_indirect_format(dmar_arena *a, const char *s);

/* items joined with sep, in one allocation. */
char *text_join(dmar_arena *a, const char *const *items, size_t n,
                const char *sep);

/* Render value data for evidence: "REG_SZ \"1\"", "REG_BINARY 2 bytes 01 00"
 * (at most 16 bytes or 16 strings shown). */
char *text_value_display(dmar_arena *a, uint32_t type, const uint8_t *data,
                         size_t size);

/* "REG_DWORD", or "type 0xffff0012" for types without a name. */
const char *text_type_label(dmar_arena *a, uint32_t type);

/* ASCII lower-case copy in the arena. */
char *text_lower(dmar_arena *a, const char *s);

#endif /* DMAR_TEXT_H */
