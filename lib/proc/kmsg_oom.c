// SPDX-License-Identifier: MIT
#include "lib/proc/kmsg_oom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/util.h"

/* The ring buffer holds a few MiB at most; records are at most 1 KiB of
 * text (PRINTK_MESSAGE_MAX) plus the dictionary. */
#define KMSG_RECORD_MAX  8192
#define KMSG_RECORDS_MAX 200000
#define KMSG_KILLS_MAX   4096

int kmsg_oom_parse(const char *rec, size_t len, char *memcg, size_t size, uint64_t *ret_usec)
{
	/* The record is one line of text; continuation lines (dictionary) follow. */
	const char *end = memchr(rec, '\n', len);
	size_t line = end ? (size_t)(end - rec) : len;
	const char *semi = memchr(rec, ';', line);
	uint64_t usec = 0;
	const char *text = rec;
	if (semi) {
		/* "PRI,SEQ,USEC,FLAGS": the third field */
		char head[64];
		size_t hl = (size_t)(semi - rec);
		if (hl < sizeof(head)) {
			memcpy(head, rec, hl);
			head[hl] = '\0';
			char *f = strchr(head, ',');
			f = f ? strchr(f + 1, ',') : NULL;
			if (f) {
				char *g = strchr(++f, ',');
				if (g)
					*g = '\0';
				if (parse_u64(f, &usec) < 0)
					usec = 0;
			}
		}
		text = semi + 1;
	}
	size_t tl = line - (size_t)(text - rec);
	static const char tag[] = "oom-kill:";
	if (tl < sizeof(tag) - 1 || memcmp(text, tag, sizeof(tag) - 1) != 0)
		return 0;
	/* ",task_memcg=PATH," (the key after a comma, so oom_memcg= is not it) */
	static const char key[] = ",task_memcg=";
	const char *k = memmem(text, tl, key, sizeof(key) - 1);
	if (!k)
		return -EINVAL;
	/* Exactly one: the cpuset's name and oom_memcg's path before it, and
	 * the task's name after it, are cgroup and process names a container
	 * chooses. One with ",task_memcg=/docker/VICTIM" in its own cgroup's
	 * name made its own kill count as its victim's. A line with a second
	 * key is dropped: at worst a container hides its own kill. */
	const char *after = k + sizeof(key) - 1;
	if (memmem(after, tl - (size_t)(after - text), key, sizeof(key) - 1))
		return -EINVAL;
	const char *v = k + sizeof(key) - 1;
	const char *stop = memchr(v, ',', tl - (size_t)(v - text));
	size_t vl = stop ? (size_t)(stop - v) : tl - (size_t)(v - text);
	if (vl == 0 || vl >= size || v[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < vl; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return -EINVAL;
	memcpy(memcg, v, vl);
	memcg[vl] = '\0';
	*ret_usec = usec;
	return 1;
}

int kmsg_oom_read(const struct host *h, struct kmsg_oom_list *ret)
{
	ret->v = NULL;
	ret->n = 0;
	if (h->root[0])
		return -EOPNOTSUPP;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A reader starts at the oldest record still kept. */
	char *rec = malloc(KMSG_RECORD_MAX);
	int r = rec ? 0 : -ENOMEM;
	size_t cap = 0;
	for (unsigned i = 0; r == 0 && i < KMSG_RECORDS_MAX; i++) {
		ssize_t n = read(fd, rec, KMSG_RECORD_MAX - 1);
		if (n < 0) {
			/* EPIPE: records were overwritten under us; go on from the next. */
			if (errno == EPIPE)
				continue;
			if (errno != EAGAIN)
				r = -errno;
			break;
		}
		if (n == 0)
			break;
		struct kmsg_oom k;
		if (kmsg_oom_parse(rec, (size_t)n, k.memcg, sizeof(k.memcg), &k.usec) != 1 ||
		    ret->n >= KMSG_KILLS_MAX)
			continue;
		if (ret->n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct kmsg_oom *v = realloc(ret->v, nc * sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			ret->v = v;
			cap = nc;
		}
		ret->v[ret->n++] = k;
	}
	free(rec);
	close(fd);
	if (r < 0)
		kmsg_oom_free(ret);
	return r;
}

unsigned kmsg_oom_count(const struct kmsg_oom_list *l, const char *memcg, uint64_t *ret_last)
{
	unsigned n = 0;
	size_t ml = strlen(memcg);
	*ret_last = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *m = l->v[i].memcg;
		/* the cgroup itself, or one below it ("/" holds everything) */
		bool in = strcmp(m, memcg) == 0 || (strncmp(m, memcg, ml) == 0 &&
						    (m[ml] == '/' || (ml == 1 && memcg[0] == '/')));
		if (!in)
			continue;
		n++;
		if (l->v[i].usec > *ret_last)
			*ret_last = l->v[i].usec;
	}
	return n;
}

void kmsg_oom_free(struct kmsg_oom_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
