// SPDX-License-Identifier: MIT
/* Snapshots in memory, the header's JSON, and what the writer and the
 * reader share. */
#include "lib/record/recfile.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/base/util.h"
#include "lib/record/recfile_internal.h"

static double now_s(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t sysconf_u32(int name)
{
	long v = sysconf(name);
	return v > 0 && v <= (long)UINT32_MAX ? (uint32_t)v : 0;
}

void rec_header_init(struct rec_header *h, const char *version)
{
	*h = (struct rec_header){ .version = REC_VERSION };
	struct utsname u;
	if (uname(&u) == 0) {
		copy_str(h->host, sizeof(h->host), u.nodename);
		copy_str(h->kernel, sizeof(h->kernel), u.release);
	}
	if (version)
		copy_str(h->nsh, sizeof(h->nsh), version);
	h->started = now_s(CLOCK_REALTIME);
	h->boot_time = h->started - now_s(CLOCK_BOOTTIME);
	h->ncpu = sysconf_u32(_SC_NPROCESSORS_CONF);
	h->clk_tck = sysconf_u32(_SC_CLK_TCK);
	h->page_size = sysconf_u32(_SC_PAGESIZE);
}

bool rec_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int rec_header_json(const struct rec_header *h, char **ret, size_t *ret_len)
{
	if (!memchr(h->host, 0, sizeof(h->host)) || !memchr(h->kernel, 0, sizeof(h->kernel)) ||
	    !memchr(h->nsh, 0, sizeof(h->nsh)) || !rec_printable(h->host) ||
	    !rec_printable(h->kernel) || !rec_printable(h->nsh) || !isfinite(h->boot_time) ||
	    !isfinite(h->started))
		return -EINVAL;
	struct json_object *o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "host", json_object_new_string(h->host));
	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_object_object_add(o, "boot_time", json_object_new_double(h->boot_time));
	json_object_object_add(o, "ncpu", json_object_new_int64(h->ncpu));
	json_object_object_add(o, "clk_tck", json_object_new_int64(h->clk_tck));
	json_object_object_add(o, "page_size", json_object_new_int64(h->page_size));
	json_object_object_add(o, "started", json_object_new_double(h->started));
	json_object_object_add(o, "nsh", json_object_new_string(h->nsh));
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = txt ? strdup(txt) : NULL;
	json_object_put(o);
	if (!copy)
		return -ENOMEM;
	*ret_len = strlen(copy);
	*ret = copy;
	return *ret_len <= REC_JSON_MAX ? 0 : -EINVAL;
}

int rec_fail(char *why, size_t wsize, int err, const char *fmt, ...)
{
	if (why && wsize) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, wsize, fmt, ap);
		va_end(ap);
	}
	return err;
}

uint32_t rec_frame_crc(const unsigned char *hdr, const unsigned char *payload, uint32_t plen)
{
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, hdr + RF_PLEN, RF_CRC - RF_PLEN);
	c = crc32(c, hdr + RF_FLAGS, REC_FRAME_HDR - RF_FLAGS);
	c = crc32(c, payload, plen);
	return (uint32_t)c;
}

bool rec_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > REC_NAME_MAX)
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '/';
		if (c != '/') {
			if (c < 0x20 || c > 0x7e)
				return false;
			continue;
		}
		/* A component ends at i: not empty (no leading, trailing or
		 * double slash), not "." or "..", so that a replay reading the
		 * names as paths stays below its root. */
		size_t cl = i - start;
		if (cl == 0 || (cl == 1 && name[start] == '.') ||
		    (cl == 2 && name[start] == '.' && name[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

int rec_blob_alloc(struct rec_blob *b, const char *name, size_t nlen, size_t len)
{
	b->name = malloc(nlen + 1);
	b->data = malloc(len + 1);
	if (!b->name || !b->data) {
		rec_blob_free(b);
		return -ENOMEM;
	}
	memcpy(b->name, name, nlen);
	b->name[nlen] = '\0';
	b->data[len] = '\0';
	b->len = (uint32_t)len;
	b->hash = 0;
	return 0;
}

int rec_blob_new(struct rec_blob *b, const char *name, size_t nlen, const void *data, size_t len)
{
	int r = rec_blob_alloc(b, name, nlen, len);
	if (r >= 0 && len)
		memcpy(b->data, data, len);
	return r;
}

void rec_blob_free(struct rec_blob *b)
{
	free(b->name);
	free(b->data);
	b->name = NULL;
	b->data = NULL;
	b->len = 0;
}

int rec_grow(void **v, size_t *cap, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	void *n = realloc(*v, ncap * size);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = ncap;
	return 0;
}

int rec_snapshot_add(struct rec_snapshot *s, const char *name, const void *data, size_t len)
{
	if (!name || !rec_name_valid(name, strlen(name)))
		return -EINVAL;
	if (len > REC_BLOB_MAX)
		return -EFBIG;
	if (s->n >= REC_BLOBS_MAX)
		return -E2BIG;
	if (s->n == s->cap && rec_grow((void **)&s->v, &s->cap, sizeof(*s->v), 64) < 0)
		return -ENOMEM;
	int r = rec_blob_new(&s->v[s->n], name, strlen(name), data, len);
	if (r < 0)
		return r;
	s->n++;
	return 0;
}

static int blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec_blob *)a)->name, ((const struct rec_blob *)b)->name);
}

void rec_snapshot_sort(struct rec_snapshot *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), blob_cmp);
}

void rec_snapshot_dedupe(struct rec_snapshot *s)
{
	rec_snapshot_sort(s);
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (w && strcmp(s->v[w - 1].name, s->v[i].name) == 0) {
			/* Two readers of one file in one round: the longer read
			 * (cpustat reads /proc/stat only up to its cpu lines). */
			if (s->v[i].len > s->v[w - 1].len) {
				rec_blob_free(&s->v[w - 1]);
				s->v[w - 1] = s->v[i];
			} else {
				rec_blob_free(&s->v[i]);
			}
			continue;
		}
		s->v[w++] = s->v[i];
	}
	s->n = w;
}

const struct rec_blob *rec_snapshot_find(const struct rec_snapshot *s, const char *name)
{
	struct rec_blob key = { .name = (char *)name };
	if (!s->n)
		return NULL;
	return bsearch(&key, s->v, s->n, sizeof(*s->v), blob_cmp);
}

int rec_snapshot_take(struct rec_snapshot *to, struct rec_snapshot *from, const char *name)
{
	struct rec_blob *b = (struct rec_blob *)rec_snapshot_find(from, name);
	if (!b || !b->data)
		return -ENOENT;
	if (to->n >= REC_BLOBS_MAX)
		return -E2BIG;
	if (to->n == to->cap && rec_grow((void **)&to->v, &to->cap, sizeof(*to->v), 64) < 0)
		return -ENOMEM;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	/* The bytes move; the name stays behind for the searches to come. */
	to->v[to->n++] = (struct rec_blob){ .name = copy, .data = b->data, .len = b->len };
	b->data = NULL;
	b->len = 0;
	return 0;
}

int rec_snapshot_copy(const struct rec_snapshot *s, struct rec_snapshot *ret)
{
	*ret = (struct rec_snapshot){ .realtime_ns = s->realtime_ns,
				      .monotonic_ns = s->monotonic_ns,
				      .v = calloc(s->n ? s->n : 1, sizeof(struct rec_blob)),
				      .cap = s->n };
	if (!ret->v)
		return -ENOMEM;
	for (; ret->n < s->n; ret->n++) {
		const struct rec_blob *b = &s->v[ret->n];
		int r = rec_blob_new(&ret->v[ret->n], b->name, strlen(b->name), b->data, b->len);
		if (r < 0) {
			rec_snapshot_free(ret);
			return r;
		}
	}
	return 0;
}

void rec_snapshot_free(struct rec_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		rec_blob_free(&s->v[i]);
	free(s->v);
	*s = (struct rec_snapshot){ 0 };
}
