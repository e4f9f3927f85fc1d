// SPDX-License-Identifier: MIT
#include "seccomp_policy.h"

#include <errno.h>
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "json_util.h"
#include "util.h"

static const char *const denied[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
	"perf_event_open", "mount", "umount2", "pivot_root", "swapon", "swapoff", "reboot", "keyctl",
	"add_key", "request_key", "open_by_handle_at", "ptrace", "fsopen", "fsmount", "move_mount",
	"open_tree",
};

/* Without CAP_SYS_ADMIN the kernel wants no_new_privs for a filter: nsh
 * decides no_new_privs itself (the target's), so libseccomp must not.
 * A binary tree of syscall numbers instead of libseccomp's default list:
 * the kernel emulates a new filter once per syscall number and arch to
 * build its allow cache (under a spinlock, in every seccomp() call), which
 * for Docker's 300-syscall profile took 0.78 ms as a list and 0.21 ms as a
 * tree (bench/exec). Older libseccomp without the attribute keeps the list. */
static scmp_filter_ctx new_ctx(uint32_t def)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (ctx) {
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	}
	return ctx;
}

int seccomp_policy_default(scmp_filter_ctx *ret)
{
	scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(denied) && r == 0; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* New user namespaces: unshare(CLONE_NEWUSER), clone(CLONE_NEWUSER);
	 * clone3 hides its flags in memory, so it answers ENOSYS and libc falls
	 * back to clone. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setns), 1,
				     SCMP_A1(SCMP_CMP_EQ, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret = ctx;
	return 0;
}

static int parse_action(const char *a, int64_t errno_ret, uint32_t *ret)
{
	if (!a)
		return -EINVAL;
	if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
		*ret = SCMP_ACT_ALLOW;
	else if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
		*ret = SCMP_ACT_ERRNO((uint16_t)(errno_ret > 0 && errno_ret < 4096 ? errno_ret : EPERM));
	else if (strcmp(a, "SCMP_ACT_KILL") == 0 || strcmp(a, "SCMP_ACT_KILL_THREAD") == 0)
		*ret = SCMP_ACT_KILL;
	else if (strcmp(a, "SCMP_ACT_KILL_PROCESS") == 0)
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(a, "SCMP_ACT_TRAP") == 0)
		*ret = SCMP_ACT_TRAP;
	else if (strcmp(a, "SCMP_ACT_LOG") == 0)
		*ret = SCMP_ACT_LOG;
	else if (strcmp(a, "SCMP_ACT_TRACE") == 0)
		*ret = SCMP_ACT_TRACE((uint16_t)(errno_ret > 0 ? errno_ret : 0));
	else
		return -EINVAL;
	return 0;
}

static int parse_op(const char *op, enum scmp_compare *ret)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; op && i < ARRAY_SIZE(ops); i++)
		if (strcmp(op, ops[i].name) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

/* At most 6 argument conditions per rule, as the syscall ABI has. */
static int parse_args(struct json_object *args, struct scmp_arg_cmp *cmp, unsigned *ret_n)
{
	size_t n = args && json_object_is_type(args, json_type_array) ? json_object_array_length(args) : 0;
	if (n > 6)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(args, i);
		int64_t index, value = 0, two = 0;
		enum scmp_compare op;
		if (json_get_i64(a, "index", &index) < 0 || index < 0 || index > 5 ||
		    parse_op(json_get_str(a, "op"), &op) < 0)
			return -EINVAL;
		json_get_i64(a, "value", &value);
		json_get_i64(a, "valueTwo", &two);
		cmp[i] = (struct scmp_arg_cmp){ .arg = (unsigned)index, .op = op, .datum_a = (uint64_t)value,
						.datum_b = (uint64_t)two };
	}
	*ret_n = (unsigned)n;
	return 0;
}

static uint32_t arch_token(const char *a)
{
	static const struct {
		const char *oci;
		const char *name;
	} map[] = { { "SCMP_ARCH_X86_64", "x86_64" }, { "SCMP_ARCH_X86", "x86" },   { "SCMP_ARCH_X32", "x32" },
		    { "SCMP_ARCH_AARCH64", "aarch64" }, { "SCMP_ARCH_ARM", "arm" } };
	for (size_t i = 0; a && i < ARRAY_SIZE(map); i++)
		if (strcmp(a, map[i].oci) == 0)
			return seccomp_arch_resolve_name(map[i].name);
	return 0;
}

int seccomp_policy_from_oci(struct json_object *sc, scmp_filter_ctx *ret)
{
	uint32_t def;
	int64_t def_errno = EPERM;
	json_get_i64(sc, "defaultErrnoRet", &def_errno);
	if (parse_action(json_get_str(sc, "defaultAction"), def_errno, &def) < 0)
		return -EINVAL;
	scmp_filter_ctx ctx = new_ctx(def);
	if (!ctx)
		return -ENOMEM;

	struct json_object *arches = json_get_member(sc, "architectures");
	size_t na = arches && json_object_is_type(arches, json_type_array) ? json_object_array_length(arches) : 0;
	for (size_t i = 0; i < na; i++) {
		uint32_t tok = arch_token(json_str_of(json_object_array_get_idx(arches, i)));
		if (tok && tok != seccomp_arch_native())
			seccomp_arch_add(ctx, tok);
	}

	int r = 0;
	struct json_object *rules = json_get_member(sc, "syscalls");
	size_t nr = rules && json_object_is_type(rules, json_type_array) ? json_object_array_length(rules) : 0;
	for (size_t i = 0; i < nr && r == 0; i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i);
		int64_t eret = EPERM;
		json_get_i64(rule, "errnoRet", &eret);
		uint32_t act;
		struct scmp_arg_cmp cmp[6];
		unsigned ncmp = 0;
		if (parse_action(json_get_str(rule, "action"), eret, &act) < 0 ||
		    parse_args(json_get_member(rule, "args"), cmp, &ncmp) < 0) {
			r = -EINVAL;
			break;
		}
		if (act == def)
			continue;
		struct json_object *names = json_get_member(rule, "names");
		size_t nn = names && json_object_is_type(names, json_type_array) ? json_object_array_length(names) : 0;
		for (size_t k = 0; k < nn; k++) {
			const char *name = json_str_of(json_object_array_get_idx(names, k));
			int nr_sys = name ? seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
			if (nr_sys == __NR_SCMP_ERROR)
				continue; /* a syscall this kernel/arch does not have */
			int e = seccomp_rule_add_array(ctx, act, nr_sys, ncmp, cmp);
			/* Conflicting duplicate rules in real profiles are not fatal. */
			if (e == -ENOMEM) {
				r = e;
				break;
			}
		}
	}
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret = ctx;
	return 0;
}

/* BPF_MAXINSNS instructions at most, as the kernel accepts. */
#define PROG_MAX_BYTES (4096 * sizeof(struct sock_filter))

static int prog_from_fd(int fd, struct seccomp_prog *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	int r = read_fd_all(fd, PROG_MAX_BYTES, &buf, &len);
	if (r < 0)
		return r;
	if (len == 0 || len % sizeof(struct sock_filter))
		return -EINVAL;
	ret->fprog.len = (unsigned short)(len / sizeof(struct sock_filter));
	ret->fprog.filter = (struct sock_filter *)TAKE_PTR(buf);
	return 0;
}

int seccomp_policy_export(scmp_filter_ctx ctx, struct seccomp_prog *ret)
{
	_cleanup_close_ int fd = memfd_create("nsh-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	return prog_from_fd(fd, ret);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* A cache file is trusted only if root owns it and nobody else can write. */
static int read_cached(int dirfd, const char *name, struct seccomp_prog *ret)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	return prog_from_fd(fd, ret);
}

static int open_cache_dir(const char *cache_dir)
{
	if (!cache_dir)
		return -1;
	mkdir(cache_dir, 0700);
	int dirfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (dirfd >= 0 && (fstat(dirfd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)))
		dirfd = (close(dirfd), -1);
	return dirfd;
}

/* The cache only grows by distinct policies, a handful on a real node; past
 * CACHE_MAX_ENTRIES (something churns them) it starts over. */
#define CACHE_MAX_ENTRIES 64

static void prune_cache(int dirfd, const char *keep)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d)))
		n += str_endswith(de->d_name, ".bpf");
	if (n > CACHE_MAX_ENTRIES) {
		rewinddir(d);
		while ((de = readdir(d)))
			if (str_endswith(de->d_name, ".bpf") && strcmp(de->d_name, keep) != 0)
				unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* Write a temporary and rename it in: readers never see half a file. */
static void store_cached(int dirfd, const char *name, const struct seccomp_prog *prog)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t bytes = prog->fprog.len * sizeof(struct sock_filter);
	bool ok = write(fd, prog->fprog.filter, bytes) == (ssize_t)bytes;
	close(fd);
	if (!ok || renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
	else
		prune_cache(dirfd, name);
}

typedef int (*build_fn)(const void *arg, size_t len, struct seccomp_prog *ret);

/* The program for key (the bytes that decide it), from cache_dir when it
 * was compiled before, else built and stored. The key also hashes the
 * libseccomp version and the native arch. */
static int cached_prog(const void *key, size_t keylen, const char *cache_dir, build_fn build, const void *arg,
		       size_t arglen, struct seccomp_prog *ret, bool *ret_cached)
{
	*ret_cached = false;
	const struct scmp_version *v = seccomp_version();
	uint32_t arch = seccomp_arch_native();
	uint64_t h = 14695981039346656037ULL;
	h = fnv1a(h, key, keylen);
	h = fnv1a(h, v, sizeof(*v));
	h = fnv1a(h, &arch, sizeof(arch));
	char name[40];
	snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)h);

	_cleanup_close_ int dirfd = open_cache_dir(cache_dir);
	if (dirfd >= 0 && read_cached(dirfd, name, ret) == 0) {
		*ret_cached = true;
		return 0;
	}
	int r = build(arg, arglen, ret);
	if (r == 0 && dirfd >= 0)
		store_cached(dirfd, name, ret);
	return r;
}

static int build_oci(const void *config, size_t len, struct seccomp_prog *ret)
{
	_cleanup_json_ struct json_object *cfg = NULL;
	int r = json_parse_buf(config, len, &cfg);
	if (r < 0)
		return r;
	struct json_object *sc = json_get_path(cfg, "linux.seccomp");
	if (!sc)
		return -ENOENT;
	scmp_filter_ctx ctx = NULL;
	r = seccomp_policy_from_oci(sc, &ctx);
	if (r < 0)
		return r;
	r = seccomp_policy_export(ctx, ret);
	seccomp_release(ctx);
	return r;
}

int seccomp_policy_oci_cached(const char *config, size_t len, const char *cache_dir, struct seccomp_prog *ret,
			      bool *ret_cached)
{
	*ret_cached = false;
	/* The key is the text from the first "seccomp" key to the end: it holds
	 * the whole linux.seccomp object wherever that is, and not the bundle's
	 * paths and IDs that runtimes write before it (docker's cgroupsPath,
	 * hostname, mounts), so containers with one profile share one entry. */
	static const char token[] = "\"seccomp\"";
	const char *at = memmem(config, len, token, sizeof(token) - 1);
	if (!at)
		return -ENOENT;
	return cached_prog(at, len - (size_t)(at - config), cache_dir, build_oci, config, len, ret, ret_cached);
}

static int build_default(const void *arg, size_t len, struct seccomp_prog *ret)
{
	(void)arg, (void)len;
	scmp_filter_ctx ctx = NULL;
	int r = seccomp_policy_default(&ctx);
	if (r < 0)
		return r;
	r = seccomp_policy_export(ctx, ret);
	seccomp_release(ctx);
	return r;
}

int seccomp_policy_default_cached(const char *cache_dir, struct seccomp_prog *ret, bool *ret_cached)
{
	/* The denylist is nsh's own: its names and rules are the key. Change
	 * the version string when a rule other than the list changes. */
	uint64_t h = fnv1a(14695981039346656037ULL, "nsh default denylist 1", 22);
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		h = fnv1a(h, denied[i], strlen(denied[i]) + 1);
	return cached_prog(&h, sizeof(h), cache_dir, build_default, NULL, 0, ret, ret_cached);
}

int seccomp_prog_load(const struct seccomp_prog *p)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->fprog) < 0)
		return -errno;
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	free(p->fprog.filter);
	p->fprog.filter = NULL;
	p->fprog.len = 0;
}
