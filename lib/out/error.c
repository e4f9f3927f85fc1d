// SPDX-License-Identifier: MIT
/* Escaping text for a terminal (out_escape and its helpers: what a
 * container controls never reaches the operator's terminal raw) and the
 * error line (out_error), which is printed through it. Apart from the
 * tables because every text path uses it, tables, streams and errors alike,
 * and because it is the part that must be right for security's sake: small
 * enough to read whole. */
#include "lib/out/output.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

/* The length of the valid UTF-8 character at p and its code point, 0 when
 * p does not start one (a stray continuation byte such as a raw C1 0x85,
 * an overlong form, a surrogate, beyond U+10FFFF, a cut sequence). */
static size_t utf8_char(const unsigned char *p, uint32_t *ret)
{
	size_t n;
	uint32_t v, min;

	if (p[0] < 0x80) {
		*ret = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, v = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, v = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, v = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	/* A NUL is not a continuation byte: never reads past the end. */
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*ret = v;
	return n;
}

/* Code points a terminal acts on or that reorder what follows: C1 controls
 * (U+0085 NEL, U+009B CSI, U+009D OSC...) and the bidi controls. */
static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t out_char(const char *s, bool *ret_unsafe)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	if (!*p) {
		*ret_unsafe = false;
		return 0;
	}
	n = utf8_char(p, &cp);
	if (n == 0) {
		*ret_unsafe = true;
		return 1;
	}
	*ret_unsafe = n == 1 ? cp < 0x20 || cp == 0x7f : cp_unsafe(cp);
	return n;
}

size_t out_escape(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0, w = 0; /* the whole escaped text, what buf holds */
	bool full = size == 0;

	while (*p) {
		char esc[8];
		const char *piece = (const char *)p;
		bool unsafe;
		size_t n = out_char(piece, &unsafe), plen = n;

		if (unsafe) {
			uint32_t cp;
			if (utf8_char(p, &cp) > 1)
				plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			else
				plen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
			piece = esc;
		}
		/* Once a piece does not fit, nothing after it is written: a
		 * shorter later piece would make the cut text lie. */
		if (!full && w + plen < size) {
			memcpy(buf + w, piece, plen);
			w += plen;
		} else {
			full = true;
		}
		len += plen;
		p += n;
	}
	if (size)
		buf[w] = '\0';
	return len;
}

char *out_escape_dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = out_escape(NULL, 0, s);
	char *r = malloc(n + 1);
	if (r)
		out_escape(r, n + 1, s);
	return r;
}

void out_write_text(FILE *f, const void *data, size_t n)
{
	char *copy = malloc(n + 1);
	if (!copy)
		return;
	memcpy(copy, data, n);
	copy[n] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && copy[j] != '\n' && copy[j] != '\t' && copy[j] != '\0')
			j++;
		if (j > i) {
			char keep = copy[j];
			copy[j] = '\0';
			char *e = out_escape_dup(copy + i);
			if (e)
				fputs(e, f);
			free(e);
			copy[j] = keep;
		}
		if (j < n) {
			if (copy[j] == '\0')
				fputs("\\x00", f);
			else
				fputc(copy[j], f);
			j++;
		}
		i = j;
	}
	free(copy);
}

const char *out_esc(char *buf, size_t size, const char *s)
{
	out_escape(buf, size, s ? s : "-");
	return buf;
}

static bool error_json;

void out_error_set_json(bool json)
{
	error_json = json;
}

void out_error(const char *what, const char *fmt, ...)
{
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* The message may carry names, paths and commands from a container:
	 * escaped on the terminal, exact in JSON (json-c escapes controls). */
	if (error_json) {
		char msg[1400];
		snprintf(msg, sizeof(msg), "nsh: %s: %s", what, why);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(msg));
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		char ewhat[256], ewhy[2048];
		out_escape(ewhat, sizeof(ewhat), what);
		out_escape(ewhy, sizeof(ewhy), why);
		fprintf(stderr, "nsh: %s: %s\n", ewhat, ewhy);
	}
}
