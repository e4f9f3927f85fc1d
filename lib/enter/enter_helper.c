// SPDX-License-Identifier: MIT
/* Packing the plan for the split path's sealed helper (enter_helper.h).
 * The pack is the plan struct as it is, pointers cleared, followed by what
 * they point at: the seccomp filter, then NUL-terminated strings (the
 * environment, argv, -w, -u). Scalars and arrays added to struct
 * enter_plan travel by themselves; a new POINTER field must be added here. */
#include "lib/enter/enter_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter/sealed.h"
#include "lib/base/util.h"

#define PACK_MAGIC "nshplan1"
#define PACK_MAX   (64u << 20)

struct pack_head {
	char magic[8];
	uint64_t size;                              /* of the whole pack */
	uint64_t plan_size, target_size, host_size; /* this build's struct sizes */
	struct enter_helper_state st;
	char kind[16]; /* t->kind, a static string in nsh */
	uint32_t n_env, n_argv, n_filter;
	uint8_t has_cwd, has_user;
};

struct buf {
	char *p;
	size_t len, cap;
};

static int put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > PACK_MAX)
		return -E2BIG;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

static int put_str(struct buf *b, const char *s)
{
	return put(b, s, strlen(s) + 1);
}

static size_t count(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int enter_helper_pack(const struct enter_plan *p, const sigset_t *oldmask)
{
	struct pack_head *h = calloc(1, sizeof(*h));
	struct buf b = { 0 };
	int r = -ENOMEM;
	if (!h)
		return -ENOMEM;
	memcpy(h->magic, PACK_MAGIC, sizeof(h->magic));
	h->plan_size = sizeof(struct enter_plan);
	h->target_size = sizeof(struct target);
	h->host_size = sizeof(struct host);
	h->st.plan = *p;
	h->st.target = *p->t;
	h->st.host = *p->t->host;
	h->st.oldmask = *oldmask;
	copy_str(h->kind, sizeof(h->kind), p->t->kind ? p->t->kind : "");
	h->n_env = (uint32_t)count(p->env);
	h->n_argv = (uint32_t)count(p->o.argv);
	h->n_filter = p->seccomp_prog.filter ? p->seccomp_prog.len : 0;
	h->has_cwd = p->o.cwd != NULL;
	h->has_user = p->o.user != NULL;
	/* Pointers mean nothing in the new image. */
	struct enter_plan *q = &h->st.plan;
	q->t = NULL;
	q->env = NULL;
	q->seccomp_prog.filter = NULL;
	q->o.argv = NULL;
	q->o.cwd = q->o.user = NULL;
	q->lsm_skipped = NULL; /* for nsh's own message only */
	q->o.env_add = NULL;   /* merged into env by enter_prepare */
	q->o.n_env_add = 0;
	h->st.target.host = NULL;
	h->st.target.kind = NULL;

	r = put(&b, h, sizeof(*h));
	if (r == 0 && h->n_filter)
		r = put(&b, p->seccomp_prog.filter, h->n_filter * sizeof(struct sock_filter));
	for (uint32_t i = 0; r == 0 && i < h->n_env; i++)
		r = put_str(&b, p->env[i]);
	for (uint32_t i = 0; r == 0 && i < h->n_argv; i++)
		r = put_str(&b, p->o.argv[i]);
	if (r == 0 && p->o.cwd)
		r = put_str(&b, p->o.cwd);
	if (r == 0 && p->o.user)
		r = put_str(&b, p->o.user);
	if (r == 0)
		((struct pack_head *)b.p)->size = b.len;
	free(h);
	if (r < 0) {
		free(b.p);
		return r;
	}

	int fd = memfd_create("nsh-plan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		r = -errno;
		free(b.p);
		return r;
	}
	for (size_t off = 0; off < b.len && r == 0;) {
		ssize_t n = write(fd, b.p + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	free(b.p);
	if (r == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The next NUL-terminated string of [*at, end), or NULL. */
static char *take_str(char **at, char *end)
{
	char *s = *at, *z = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
	if (!z)
		return NULL;
	*at = z + 1;
	return s;
}

int enter_helper_unpack(int fd, struct enter_helper_state **ret)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < (off_t)sizeof(struct pack_head) || (uint64_t)st.st_size > PACK_MAX)
		return -EBADMSG;
	size_t len = (size_t)st.st_size;
	char *raw = malloc(len);
	if (!raw)
		return -ENOMEM;
	for (size_t off = 0; off < len;) {
		ssize_t n = pread(fd, raw + off, len - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(raw);
			return n < 0 ? -errno : -EBADMSG;
		}
		off += (size_t)n;
	}
	struct pack_head *h = (struct pack_head *)raw;
	if (memcmp(h->magic, PACK_MAGIC, sizeof(h->magic)) != 0 || h->size != len ||
	    h->plan_size != sizeof(struct enter_plan) || h->target_size != sizeof(struct target) ||
	    h->host_size != sizeof(struct host) || h->n_env > 1u << 20 || h->n_argv > 1u << 20 ||
	    h->n_filter > 65535 ||
	    (uint64_t)h->n_filter * sizeof(struct sock_filter) > len - sizeof(*h)) {
		free(raw);
		return -EBADMSG;
	}
	struct enter_helper_state *s = &h->st;
	struct enter_plan *p = &s->plan;
	char *at = raw + sizeof(*h), *end = raw + len;
	h->kind[sizeof(h->kind) - 1] = '\0';
	s->target.kind = h->kind;
	s->target.host = &s->host;
	p->t = &s->target;
	if (h->n_filter) {
		p->seccomp_prog.filter = (struct sock_filter *)(void *)at;
		p->seccomp_prog.len = (unsigned short)h->n_filter;
		at += h->n_filter * sizeof(struct sock_filter);
	}
	p->env = calloc((size_t)h->n_env + 1, sizeof(char *));
	char **argv = h->n_argv ? calloc((size_t)h->n_argv + 1, sizeof(char *)) : NULL;
	if (!p->env || (h->n_argv && !argv)) {
		free(p->env);
		free(argv);
		free(raw);
		return -ENOMEM;
	}
	bool ok = true;
	for (uint32_t i = 0; ok && i < h->n_env; i++)
		ok = (p->env[i] = take_str(&at, end)) != NULL;
	for (uint32_t i = 0; ok && i < h->n_argv; i++)
		ok = (argv[i] = take_str(&at, end)) != NULL;
	p->o.argv = argv;
	if (ok && h->has_cwd)
		ok = (p->o.cwd = take_str(&at, end)) != NULL;
	if (ok && h->has_user)
		ok = (p->o.user = take_str(&at, end)) != NULL;
	if (!ok || at != end) {
		free(p->env);
		free(argv);
		free(raw);
		return -EBADMSG;
	}
	/* The filter is used in place: the pack (raw) lives as long as the
	 * helper. */
	*ret = s;
	return 0;
}

int enter_helper_exe(void)
{
	static int fd = -1;
	if (fd < 0) {
		int r = sealed_copy();
		if (r < 0)
			return r;
		fd = r;
	}
	return fd;
}
