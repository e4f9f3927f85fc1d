// SPDX-License-Identifier: MIT
#include "lib/base/textbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
	while (!b->oom) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = b->p ? vsnprintf(b->p + b->len, room, fmt, ap) : -1;
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t need = n > 0 ? b->len + (size_t)n + 1 : 0;
		size_t nc = b->cap ? b->cap * 2 : 4096;
		while (nc < need)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np)
			b->oom = true;
		else {
			b->p = np;
			b->cap = nc;
		}
	}
}

int textbuf_take(struct textbuf *b, char **ret, size_t *ret_len)
{
	if (!b->p)
		textbuf_printf(b, "%s", ""); /* nothing appended: an empty text */
	if (b->oom) {
		free(b->p);
		*b = (struct textbuf){ 0 };
		return -ENOMEM;
	}
	*ret = b->p;
	*ret_len = b->len;
	*b = (struct textbuf){ 0 };
	return 0;
}
