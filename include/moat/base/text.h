/*
 * text.h - UTF-8 checking and repair for text that came from an image or a
 * feed and is about to be written somewhere that needs valid UTF-8 (JSON,
 * XML, a terminal). Results that allocate say so.
 */
#ifndef MOAT_BASE_TEXT_H
#define MOAT_BASE_TEXT_H

#include <stddef.h>

/*
 * Length (1-4) of the valid UTF-8 sequence at s, n bytes available, or 0 when
 * it is invalid (overlong, surrogate, above U+10FFFF, truncated).
 */
size_t moat_utf8_seq(const unsigned char *s, size_t n);

/*
 * A malloc'd copy of the NUL-terminated s with every byte that does not start
 * a valid sequence replaced by U+FFFD. NULL for NULL or when out of memory;
 * the caller frees the result.
 */
char *moat_utf8_repair(const char *s);

/*
 * Text for one terminal cell: s (NULL is "") with invalid UTF-8 repaired,
 * C0/C1 control characters and DEL shown as '?', and cut to max code points
 * with a final "…" when longer. *width gets the code points in the result.
 * malloc'd, the caller frees it; NULL when out of memory.
 */
char *moat_text_cell(const char *s, size_t max, size_t *width);

#endif
