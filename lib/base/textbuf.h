/* SPDX-License-Identifier: MIT */
/* Text built a printf at a time into one growing buffer (the blobs a
 * recorder writes). Out of memory once, every later append is dropped and
 * textbuf_take says -ENOMEM: the caller checks once, at the end. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (NUL-terminated, malloc'ed) and its length; the buffer is empty
 * after. -ENOMEM when an append failed (the text is freed). */
int textbuf_take(struct textbuf *b, char **ret, size_t *ret_len);
