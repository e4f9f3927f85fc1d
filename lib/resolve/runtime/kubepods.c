// SPDX-License-Identifier: MIT
/* Recognising Kubernetes container cgroups by name (kubepods.h), and finding
 * them in a host's cgroupfs when the runtime's own state is not visible. */
#include "lib/resolve/runtime/kubepods.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cgroup/cgroup.h"
#include "lib/base/util.h"

/* Deeper than any real cgroup path; more components is hostile. */
#define KUBEPODS_MAX_COMPONENTS 64
/* kubepods root -> qos -> pod -> container. */
#define KUBEPODS_MAX_DEPTH      3
/* Directories visited by one walk: far more than a node's pods. */
#define KUBEPODS_WALK_BUDGET    100000

static int parse_qos(const char *s, size_t len, enum kubepods_qos *ret)
{
	if (len == strlen("burstable") && strncmp(s, "burstable", len) == 0) {
		*ret = KUBEPODS_BURSTABLE;
		return 0;
	}
	if (len == strlen("besteffort") && strncmp(s, "besteffort", len) == 0) {
		*ret = KUBEPODS_BESTEFFORT;
		return 0;
	}
	return -EINVAL;
}

/* s is prefix + middle + suffix with a non-empty middle: copy the middle. */
static int strip_affixes(const char *s, const char *prefix, const char *suffix, char *out,
			 size_t size)
{
	size_t sl = strlen(s), pl = strlen(prefix), xl = strlen(suffix);
	if (sl <= pl + xl || strncmp(s, prefix, pl) != 0 || !str_endswith(s, suffix))
		return -EINVAL;
	size_t ml = sl - pl - xl;
	if (ml >= size)
		return -EINVAL;
	memcpy(out, s + pl, ml);
	out[ml] = '\0';
	return 0;
}

/* Pod UIDs are UUIDs (or, for static pods, hex hashes). The systemd driver
 * writes their dashes as underscores, since '-' nests slices. */
static int parse_uid(const char *raw, bool systemd, char *out, size_t size)
{
	size_t n = strlen(raw);
	if (n == 0 || n >= size || raw[0] == '-' || raw[0] == '_')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = raw[i];
		if (systemd && ch == '_')
			ch = '-';
		else if (systemd && ch == '-')
			return -EINVAL;
		else if (!systemd && ch == '_')
			return -EINVAL;
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || ch == '-'))
			return -EINVAL;
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

static int set_id(struct kubepods_ref *ref, const char *id, enum kubepods_runtime rt)
{
	if (!valid_id(id) || copy_str(ref->id, sizeof(ref->id), id) < 0)
		return -EINVAL;
	ref->runtime = rt;
	return 0;
}

static int parse_container_cgroupfs(const char *comp, struct kubepods_ref *ref)
{
	if (str_startswith(comp, "crio-conmon-"))
		return -EINVAL;
	if (str_startswith(comp, "crio-"))
		return set_id(ref, comp + strlen("crio-"), KUBEPODS_RT_CRIO);
	return set_id(ref, comp, KUBEPODS_RT_UNKNOWN);
}

static int parse_container_systemd(const char *comp, struct kubepods_ref *ref)
{
	static const struct {
		const char *prefix;
		enum kubepods_runtime rt;
	} scopes[] = {
		{ "cri-containerd-", KUBEPODS_RT_CONTAINERD },
		{ "crio-", KUBEPODS_RT_CRIO },
		{ "docker-", KUBEPODS_RT_DOCKER },
	};
	char id[sizeof(ref->id)];

	if (str_startswith(comp, "crio-conmon-"))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++)
		if (strip_affixes(comp, scopes[i].prefix, ".scope", id, sizeof(id)) == 0)
			return set_id(ref, id, scopes[i].rt);
	return -EINVAL;
}

/* comp after the "kubepods" component: [qos/]pod<uid>/<id>. */
static int parse_cgroupfs(char **comp, size_t n, struct kubepods_ref *ref)
{
	char uid[sizeof(ref->pod_uid)];
	size_t i = 0;

	ref->driver = KUBEPODS_CGROUPFS;
	ref->qos = KUBEPODS_GUARANTEED;
	if (n == 3) {
		if (parse_qos(comp[0], strlen(comp[0]), &ref->qos) < 0)
			return -EINVAL;
		i = 1;
	} else if (n != 2) {
		return -EINVAL;
	}
	if (!str_startswith(comp[i], "pod") ||
	    parse_uid(comp[i] + strlen("pod"), false, uid, sizeof(uid)) < 0)
		return -EINVAL;
	memcpy(ref->pod_uid, uid, sizeof(uid));
	return parse_container_cgroupfs(comp[i + 1], ref);
}

/* comp after the "<base>.slice" component:
 * [<base>-<qos>.slice/]<base>[-<qos>]-pod<uid_>.slice/<scope>. */
static int parse_systemd(const char *base, char **comp, size_t n, struct kubepods_ref *ref)
{
	char prefix[128], raw[sizeof(ref->pod_uid)];
	size_t i = 0;

	ref->driver = KUBEPODS_SYSTEMD;
	ref->qos = KUBEPODS_GUARANTEED;
	if (n == 3) {
		char qos[16];
		int r = snprintf(prefix, sizeof(prefix), "%s-", base);
		if (r < 0 || (size_t)r >= sizeof(prefix))
			return -EINVAL;
		if (strip_affixes(comp[0], prefix, ".slice", qos, sizeof(qos)) < 0 ||
		    parse_qos(qos, strlen(qos), &ref->qos) < 0)
			return -EINVAL;
		r = snprintf(prefix, sizeof(prefix), "%s-%s-pod", base, qos);
		if (r < 0 || (size_t)r >= sizeof(prefix))
			return -EINVAL;
		i = 1;
	} else if (n == 2) {
		int r = snprintf(prefix, sizeof(prefix), "%s-pod", base);
		if (r < 0 || (size_t)r >= sizeof(prefix))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (strip_affixes(comp[i], prefix, ".slice", raw, sizeof(raw)) < 0 ||
	    parse_uid(raw, true, ref->pod_uid, sizeof(ref->pod_uid)) < 0)
		return -EINVAL;
	return parse_container_systemd(comp[i + 1], ref);
}

int kubepods_parse_path(const char *path, struct kubepods_ref *ret)
{
	char buf[PATH_MAX], *comp[KUBEPODS_MAX_COMPONENTS], *save = NULL;
	struct kubepods_ref ref = { 0 };
	size_t n = 0;
	int r = -EINVAL;

	if (!path || copy_str(buf, sizeof(buf), path) < 0)
		return -EINVAL;
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == ARRAY_SIZE(comp))
			return -EINVAL;
		comp[n++] = t;
	}

	/* The first kubepods component decides: a container that may create
	 * cgroups below its own cannot fake a second one, since nothing may
	 * follow the container component. */
	for (size_t k = 0; k < n; k++) {
		if (strcmp(comp[k], "kubepods") == 0) {
			r = parse_cgroupfs(comp + k + 1, n - k - 1, &ref);
			break;
		}
		if (strcmp(comp[k], "kubepods.slice") == 0 ||
		    str_endswith(comp[k], "-kubepods.slice")) {
			comp[k][strlen(comp[k]) - strlen(".slice")] = '\0';
			r = parse_systemd(comp[k], comp + k + 1, n - k - 1, &ref);
			break;
		}
	}
	if (r < 0)
		return -EINVAL;
	*ret = ref;
	return 0;
}

void kubepods_list_free(struct kubepods_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static int list_add(struct kubepods_list *l, const struct kubepods_ref *ref, const char *path,
		    const char *dir)
{
	if (l->n == l->cap) {
		/* Four to start, as container_list_add (two PATH_MAX paths
		 * an entry: 16 would pass the 128 KB mmap threshold). */
		size_t ncap = l->cap ? l->cap * 2 : 4;
		struct kubepods_cgroup *n = realloc(l->items, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->items = n;
		l->cap = ncap;
	}
	struct kubepods_cgroup *e = &l->items[l->n];
	e->ref = *ref;
	if (copy_str(e->path, sizeof(e->path), path) < 0 ||
	    copy_str(e->dir, sizeof(e->dir), dir) < 0)
		return 0; /* too long to be one of ours: skip it */
	l->n++;
	return 0;
}

struct walk {
	const struct host *h;
	struct kubepods_list *out;
	size_t budget;
};

/* dfd is the directory of cgroup path (relative to the hierarchy) at depth
 * below the kubepods root; mount is the hierarchy's host path. Takes dfd. */
static int walk_dir(struct walk *w, int dfd, const char *mount, const char *path, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}

	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char child[PATH_MAX], dir[PATH_MAX];
		struct kubepods_ref ref;

		if (de->d_name[0] == '.' || !dirent_is_dir(dirfd(d), de))
			continue;
		if (w->budget == 0)
			break;
		w->budget--;
		int n = snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(child))
			continue;
		n = snprintf(dir, sizeof(dir), "%s%s", mount, child);
		if (n < 0 || (size_t)n >= sizeof(dir))
			continue;

		if (depth + 1 >= 2 && kubepods_parse_path(child, &ref) == 0) {
			r = list_add(w->out, &ref, child, dir);
			if (r < 0)
				break;
			continue;
		}
		if (depth + 1 >= KUBEPODS_MAX_DEPTH)
			continue;
		int cfd = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		r = walk_dir(w, cfd, mount, child, depth + 1);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* Walk mount/kubepods and mount/kubepods.slice. 1 when either exists. */
static int walk_mount(struct walk *w, const char *mount)
{
	static const char *const roots[] = { "kubepods", "kubepods.slice" };
	bool found = false;

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		char full[PATH_MAX], path[64];
		if (host_path(w->h, full, sizeof(full), "%s/%s", mount, roots[i]) < 0)
			continue;
		int fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = true;
		snprintf(path, sizeof(path), "/%s", roots[i]);
		int r = walk_dir(w, fd, mount, path, 0);
		if (r < 0)
			return r;
	}
	return found;
}

/* One walk per hold (kubepods_hold): containerd and CRI-O both read it. */
static struct {
	const struct host *h;
	unsigned depth;
	bool walked;
	int r;
	struct kubepods_list list;
} held;

void kubepods_hold(const struct host *h)
{
	if (held.depth++ == 0) {
		held.h = h;
		held.walked = false;
	}
}

void kubepods_release(void)
{
	if (held.depth == 0 || --held.depth > 0)
		return;
	kubepods_list_free(&held.list);
	held.walked = false;
	held.h = NULL;
}

static int list_copy(const struct kubepods_list *from, struct kubepods_list *to)
{
	*to = (struct kubepods_list){ 0 };
	if (!from->n)
		return 0;
	to->items = malloc(from->n * sizeof(*to->items));
	if (!to->items)
		return -ENOMEM;
	memcpy(to->items, from->items, from->n * sizeof(*to->items));
	to->n = to->cap = from->n;
	return 0;
}

static int walk_now(const struct host *h, struct kubepods_list *out);

int kubepods_walk(const struct host *h, struct kubepods_list *out)
{
	if (!held.depth || held.h != h)
		return walk_now(h, out);
	if (!held.walked) {
		held.r = walk_now(h, &held.list);
		held.walked = true;
	}
	if (held.r < 0) {
		*out = (struct kubepods_list){ 0 };
		return held.r;
	}
	int r = list_copy(&held.list, out);
	return r < 0 ? r : held.r;
}

static int walk_now(const struct host *h, struct kubepods_list *out)
{
	struct walk w = { .h = h, .out = out, .budget = KUBEPODS_WALK_BUDGET };

	if (h->cgroup_version == 2) {
		int r = walk_mount(&w, "/sys/fs/cgroup");
		return r < 0 ? r : 0;
	}
	for (size_t i = 0; i < cgroup_v1_n_hierarchies; i++) {
		char mount[64];
		snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s", cgroup_v1_hierarchies[i].mount);
		int r = walk_mount(&w, mount);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return 0;
}
