// SPDX-License-Identifier: MIT
#include "complete.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/out/output.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

#define CACHE_TTL 5.0 /* seconds: new containers show up within that */

int strv_add(struct strv *s, const char *word)
{
	if (s->n + 1 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		char **v = realloc(s->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = ncap;
	}
	s->v[s->n] = strdup(word);
	if (!s->v[s->n])
		return -ENOMEM;
	s->v[++s->n] = NULL;
	return 0;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){ 0 };
}

void complete_src_free(struct complete_src *src)
{
	strv_free(&src->targets);
	src->targets_at = 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Names, short IDs and k8s:NS/POD/CTR of every running container and VM. */
static int list_targets(struct complete_src *src)
{
	if (src->targets_at > 0 && now_s() - src->targets_at < CACHE_TTL)
		return 0;
	strv_free(&src->targets);
	struct container_list l = { 0 };
	int r = target_list_all(&src->g->host, 0, &l);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n && r == 0; i++) {
		const struct container *c = &l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		char buf[1024];
		if (c->name[0])
			r = strv_add(&src->targets, c->name);
		if (r == 0 && c->id[0]) {
			/* Hex IDs as docker shows them; others (runc, lxc) whole. */
			snprintf(buf, sizeof(buf), "%.*s",
				 strlen(c->id) == 64 ? 12 : (int)strlen(c->id), c->id);
			if (strcmp(buf, c->name) != 0)
				r = strv_add(&src->targets, buf);
		}
		if (r == 0 && c->pod_name[0] && c->pod_container[0]) {
			snprintf(buf, sizeof(buf), "k8s:%s/%s/%s", c->pod_namespace, c->pod_name,
				 c->pod_container);
			r = strv_add(&src->targets, buf);
		}
	}
	container_list_free(&l);
	src->targets_at = now_s();
	return r;
}

static int add_commands(struct strv *out, bool shell, bool need_target_ok)
{
	int r = 0;
	for (size_t i = 0; i < n_cmds && r == 0; i++) {
		const struct cmd *c = &cmds[i];
		if (!shell && (c->flags & CMD_SHELL_ONLY))
			continue;
		/* After a target in argv mode: only commands that take one. */
		if (need_target_ok && (c->flags & (CMD_NO_TARGET | CMD_SHELL_ONLY)))
			continue;
		r = strv_add(out, c->name);
	}
	return r;
}

static int add_options(struct strv *out, const struct cmd *c)
{
	int r = strv_add(out, "--help");
	if (r == 0 && !(c->flags & CMD_RAW_ARGS))
		r = strv_add(out, "--json");
	if (r == 0 && c->columns)
		r = strv_add(out, "-o");
	for (const struct cmd_option *o = c->options; o && o->key && r == 0; o++) {
		char buf[64];
		if (o->long_name) {
			snprintf(buf, sizeof(buf), "--%s", o->long_name);
			r = strv_add(out, buf);
		}
		if (r == 0 && o->key < OPT_KEY_LONG) {
			snprintf(buf, sizeof(buf), "-%c", o->key);
			r = strv_add(out, buf);
		}
	}
	return r;
}

/* The target's processes: host PIDs, or their PIDs in its pid namespace. */
static int add_pids(struct strv *out, const struct target *t, bool host)
{
	pid_t *pids = NULL;
	size_t n = 0;
	if (!t || target_members(t, &pids, &n) < 0)
		return 0;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		char buf[16];
		pid_t p = pids[i];
		if (!host) {
			struct proc_status st;
			if (proc_read_status(t->host, p, &st) < 0 ||
			    t->nspid_level >= st.nspid_levels)
				continue;
			p = st.nspid[t->nspid_level];
		}
		snprintf(buf, sizeof(buf), "%d", p);
		r = strv_add(out, buf);
	}
	free(pids);
	return r;
}

static bool has_word(char **words, int n, const char *a, const char *b)
{
	for (int i = 0; i < n; i++)
		if (strcmp(words[i], a) == 0 || strcmp(words[i], b) == 0)
			return true;
	return false;
}

static int add_all(struct strv *out, const struct strv *from)
{
	int r = 0;
	for (size_t i = 0; i < from->n && r == 0; i++)
		r = strv_add(out, from->v[i]);
	return r;
}

/* What follows command c, at word `word`; args (n) are the words between. */
static int complete_args(struct complete_src *src, const struct cmd *c, const struct target *t,
			 char **args, int n, const char *word, struct strv *out)
{
	if (word[0] == '-')
		return add_options(out, c);
	if (strstr(c->args, "TARGET")) {
		int r = list_targets(src);
		return r < 0 ? 0 : add_all(out, &src->targets);
	}
	if (strstr(c->args, "CMD") && !(c->flags & CMD_RAW_ARGS))
		return add_commands(out, true, false);
	/* pidmap takes container PIDs, host PIDs with --host. */
	if (strstr(c->args, "PID"))
		return add_pids(out, t, has_word(args, n, "--host", "-H"));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the candidates starting with prefix, sorted, without repeats. */
static void filter(struct strv *s, const char *prefix)
{
	size_t w = 0, pl = strlen(prefix);
	for (size_t i = 0; i < s->n; i++) {
		if (strncmp(s->v[i], prefix, pl) == 0)
			s->v[w++] = s->v[i];
		else
			free(s->v[i]);
	}
	s->n = w;
	if (s->v)
		s->v[w] = NULL;
	if (w)
		qsort(s->v, w, sizeof(char *), cmp_str);
	w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (w && strcmp(s->v[w - 1], s->v[i]) == 0)
			free(s->v[i]);
		else
			s->v[w++] = s->v[i];
	}
	s->n = w;
	if (s->v)
		s->v[w] = NULL;
}

/* nsh's own options, and which of them take the next word. */
static const char *const global_opts[] = { "--json",
					   "--color=auto",
					   "--color=always",
					   "--color=never",
					   "--host-root",
					   "--log",
					   "-c",
					   "-f",
					   "-k",
					   "--keep-going",
					   "-v",
					   "--version",
					   "--help" };

static bool global_takes_arg(const char *w)
{
	return strcmp(w, "--host-root") == 0 || strcmp(w, "--log") == 0 || strcmp(w, "-c") == 0 ||
	       strcmp(w, "-f") == 0;
}

/* argv mode: [GLOBAL..] [TARGET] [COMMAND [ARG..]]. */
static int complete_argv(struct complete_src *src, char **words, int n, int index, const char *word,
			 struct strv *out)
{
	int i = 0;
	for (; i < n && i < index && words[i][0] == '-'; i++)
		if (global_takes_arg(words[i]))
			i++;
	if (i == index) {
		if (word[0] == '-') {
			for (size_t k = 0; k < ARRAY_SIZE(global_opts); k++)
				if (strv_add(out, global_opts[k]) < 0)
					return -ENOMEM;
			return 0;
		}
		int r = add_commands(out, false, false);
		if (r == 0 && list_targets(src) == 0)
			r = add_all(out, &src->targets);
		return r;
	}
	if (i > index)
		return 0; /* the argument of a global option: a file, a directory */
	const struct cmd *c = cmd_lookup(words[i]);
	const char *spec = NULL;
	if (!c || (c->flags & CMD_SHELL_ONLY)) {
		spec = words[i++];
		if (i == index)
			return add_commands(out, false, true);
		c = i < n ? cmd_lookup(words[i]) : NULL;
		if (!c)
			return 0;
	}
	/* A PID list needs the target resolved; nothing else does. */
	struct target t;
	bool have = false;
	if (strstr(c->args, "PID") && word[0] != '-' && spec)
		have = target_resolve(&src->g->host, spec, &t, NULL) == 0;
	int r = complete_args(src, c, have ? &t : NULL, words + i + 1, index - i - 1, word, out);
	if (have)
		target_release(&t);
	return r;
}

int complete_words(struct complete_src *src, bool shell, char **words, int n, int index,
		   struct strv *out)
{
	const char *word = index < n ? words[index] : "";
	int r;
	if (!shell) {
		r = complete_argv(src, words, n, index, word, out);
	} else if (index == 0) {
		r = add_commands(out, true, false);
	} else {
		const struct cmd *c = cmd_lookup(words[0]);
		r = c ? complete_args(src, c, src->attached, words + 1, index - 1, word, out) : 0;
	}
	if (r < 0)
		return r;
	filter(out, word);
	return 0;
}

char *complete_quote(const char *word)
{
	/* At most $'\xHH' (7 bytes) for each byte. */
	char *r = malloc(strlen(word) * 7 + 1), *o = r;
	if (!r)
		return NULL;
	for (const char *p = word; *p;) {
		bool unsafe;
		size_t n = out_char(p, &unsafe);
		if (unsafe) {
			o += sprintf(o, "$'");
			for (size_t k = 0; k < n; k++)
				o += sprintf(o, "\\x%02x", (unsigned char)p[k]);
			*o++ = '\'';
		} else if (n == 1 && strchr(" !\"#$&'()*;<>?[\\]^`{|}~", *p)) {
			*o++ = '\\';
			*o++ = *p;
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return r;
}

int complete_main(struct nsh_globals *g, int argc, char **argv)
{
	uint64_t index, cut = 0;
	if (argc >= 2 && strcmp(argv[0], "--cut") == 0) {
		if (parse_u64(argv[1], &cut) < 0)
			return EXIT_USAGE;
		argc -= 2;
		argv += 2;
	}
	if (argc < 1 || parse_u64(argv[0], &index) < 0 || index > (uint64_t)argc)
		return EXIT_USAGE;
	struct complete_src src = { .g = g };
	struct strv out = { 0 };
	int r = complete_words(&src, false, argv + 1, argc - 1, (int)index, &out);
	/* Candidates come from the containers (names, pods, users): quoted,
	 * so that the shell inserts them literally and one a line holds. */
	for (size_t i = 0; r == 0 && i < out.n; i++) {
		if (strlen(out.v[i]) <= cut)
			continue;
		_cleanup_free_ char *q = complete_quote(out.v[i] + cut);
		if (!q)
			r = -ENOMEM;
		else
			printf("%s\n", q);
	}
	strv_free(&out);
	complete_src_free(&src);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
