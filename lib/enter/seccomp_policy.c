// SPDX-License-Identifier: MIT
#include "lib/enter/seccomp_policy.h"

#include <errno.h>
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/json_util.h"
#include "lib/base/sha256.h"
#include "lib/base/util.h"

static const char *const denied[] = {
	"kexec_load",  "kexec_file_load",   "init_module", "finit_module", "delete_module",
	"bpf",         "perf_event_open",   "mount",       "umount2",      "pivot_root",
	"swapon",      "swapoff",           "reboot",      "keyctl",       "add_key",
	"request_key", "open_by_handle_at", "ptrace",      "fsopen",       "fsmount",
	"move_mount",  "open_tree",
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

/* A reason for the refusal, into why (NULL: none wanted). */
__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t size, const char *fmt, ...)
{
	if (why && size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* errnoRet/defaultErrnoRet: absent is EPERM (as runc); present, exactly the
 * value, which must fit what the kernel returns (0..4095). */
static int get_errno_ret(struct json_object *o, const char *key, int64_t *ret)
{
	if (!json_get_member(o, key)) {
		*ret = EPERM;
		return 0;
	}
	if (json_get_i64(o, key, ret) < 0 || *ret < 0 || *ret > 4095)
		return -EINVAL;
	return 0;
}

/* Every action a profile may name maps to exactly one libseccomp action;
 * SCMP_ACT_NOTIFY has none for nsh: it hands the syscall to a seccomp agent
 * that listens only for the runtime's own processes. */
static int parse_action(const char *a, int64_t errno_ret, uint32_t *ret)
{
	if (!a)
		return -EINVAL;
	if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
		*ret = SCMP_ACT_ALLOW;
	else if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
		*ret = SCMP_ACT_ERRNO((uint16_t)errno_ret);
	else if (strcmp(a, "SCMP_ACT_KILL") == 0 || strcmp(a, "SCMP_ACT_KILL_THREAD") == 0)
		*ret = SCMP_ACT_KILL;
	else if (strcmp(a, "SCMP_ACT_KILL_PROCESS") == 0)
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(a, "SCMP_ACT_TRAP") == 0)
		*ret = SCMP_ACT_TRAP;
	else if (strcmp(a, "SCMP_ACT_LOG") == 0)
		*ret = SCMP_ACT_LOG;
	else if (strcmp(a, "SCMP_ACT_TRACE") == 0)
		*ret = SCMP_ACT_TRACE((uint16_t)errno_ret);
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
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; op && i < ARRAY_SIZE(ops); i++)
		if (strcmp(op, ops[i].name) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

/* value/valueTwo are uint64 in the OCI spec: absent is 0, a negative or
 * non-integer one is an error, not a silent 0. */
static int get_u64(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v = json_get_member(o, key);
	*ret = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -EINVAL;
	*ret = json_object_get_uint64(v);
	return 0;
}

/* At most 6 argument conditions per rule, as the syscall ABI has. */
static int parse_args(struct json_object *args, struct scmp_arg_cmp *cmp, unsigned *ret_n,
		      char *why, size_t wsize)
{
	if (args && !json_object_is_type(args, json_type_array))
		return fail(why, wsize, "\"args\" is not an array");
	size_t n = args ? json_object_array_length(args) : 0;
	if (n > 6)
		return fail(why, wsize, "%zu argument conditions in one rule (at most 6)", n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(args, i);
		int64_t index;
		uint64_t value, two;
		enum scmp_compare op;
		const char *ops = json_get_str(a, "op");
		if (json_get_i64(a, "index", &index) < 0 || index < 0 || index > 5)
			return fail(why, wsize, "an argument index that is not 0..5");
		if (parse_op(ops, &op) < 0)
			return fail(why, wsize, "argument operator %.40s is not supported",
				    ops ? ops : "(none)");
		if (get_u64(a, "value", &value) < 0 || get_u64(a, "valueTwo", &two) < 0)
			return fail(why, wsize,
				    "an argument value that is not an unsigned 64-bit integer");
		cmp[i] = (struct scmp_arg_cmp){
			.arg = (unsigned)index, .op = op, .datum_a = value, .datum_b = two
		};
	}
	*ret_n = (unsigned)n;
	return 0;
}

/* Two conditions on one argument: libseccomp ANDs a rule's conditions and
 * refuses two on the same argument; runc then adds one rule per condition
 * (an OR), and so does nsh. */
static bool same_arg_twice(const struct scmp_arg_cmp *cmp, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if (cmp[i].arg == cmp[j].arg)
				return true;
	return false;
}

static uint32_t arch_token(const char *a)
{
	static const struct {
		const char *oci;
		const char *name;
	} map[] = { { "SCMP_ARCH_X86_64", "x86_64" },
		    { "SCMP_ARCH_X86", "x86" },
		    { "SCMP_ARCH_X32", "x32" },
		    { "SCMP_ARCH_AARCH64", "aarch64" },
		    { "SCMP_ARCH_ARM", "arm" } };
	for (size_t i = 0; a && i < ARRAY_SIZE(map); i++)
		if (strcmp(a, map[i].oci) == 0)
			return seccomp_arch_resolve_name(map[i].name);
	return 0;
}

int seccomp_policy_from_oci(struct json_object *sc, scmp_filter_ctx *ret, char *why, size_t wsize)
{
	uint32_t def;
	int64_t def_errno;
	const char *defs = json_get_str(sc, "defaultAction");
	if (get_errno_ret(sc, "defaultErrnoRet", &def_errno) < 0)
		return fail(why, wsize, "defaultErrnoRet is not 0..4095");
	if (parse_action(defs, def_errno, &def) < 0)
		return fail(why, wsize, "default action %.40s is not supported",
			    defs ? defs : "(none)");
	scmp_filter_ctx ctx = new_ctx(def);
	if (!ctx)
		return -ENOMEM;

	/* Architectures nsh does not know are left out: their syscalls then
	 * meet libseccomp's bad-arch action (kill), stricter, not weaker. */
	struct json_object *arches = json_get_member(sc, "architectures");
	size_t na = arches && json_object_is_type(arches, json_type_array)
			    ? json_object_array_length(arches)
			    : 0;
	for (size_t i = 0; i < na; i++) {
		uint32_t tok = arch_token(json_str_of(json_object_array_get_idx(arches, i)));
		if (tok && tok != seccomp_arch_native())
			seccomp_arch_add(ctx, tok);
	}

	int r = 0;
	struct json_object *rules = json_get_member(sc, "syscalls");
	if (rules && !json_object_is_type(rules, json_type_array))
		r = fail(why, wsize, "\"syscalls\" is not an array");
	size_t nr = r == 0 && rules ? json_object_array_length(rules) : 0;
	for (size_t i = 0; i < nr && r == 0; i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i);
		const char *acts = json_get_str(rule, "action");
		int64_t eret;
		uint32_t act;
		struct scmp_arg_cmp cmp[6];
		unsigned ncmp = 0;
		if (get_errno_ret(rule, "errnoRet", &eret) < 0) {
			r = fail(why, wsize, "rule %zu: errnoRet is not 0..4095", i + 1);
			break;
		}
		if (parse_action(acts, eret, &act) < 0) {
			r = fail(why, wsize, "rule %zu: action %.40s is not supported%s", i + 1,
				 acts ? acts : "(none)",
				 acts && strcmp(acts, "SCMP_ACT_NOTIFY") == 0
					 ? " (only the runtime's seccomp agent could answer it)"
					 : "");
			break;
		}
		char awhy[120] = "";
		if (parse_args(json_get_member(rule, "args"), cmp, &ncmp, awhy, sizeof(awhy)) < 0) {
			r = fail(why, wsize, "rule %zu: %s", i + 1, awhy);
			break;
		}
		/* As runc: a rule that says what the default says adds nothing
		 * (and libseccomp would refuse it). */
		if (act == def)
			continue;
		struct json_object *names = json_get_member(rule, "names");
		size_t nn = names && json_object_is_type(names, json_type_array)
				    ? json_object_array_length(names)
				    : 0;
		bool split = same_arg_twice(cmp, ncmp);
		for (size_t k = 0; k < nn && r == 0; k++) {
			const char *name = json_str_of(json_object_array_get_idx(names, k));
			if (!name) {
				r = fail(why, wsize,
					 "rule %zu: a syscall name that is not a string", i + 1);
				break;
			}
			/* As runc: a name libseccomp cannot resolve is a syscall this
			 * kernel/arch does not have, skipped. */
			int nr_sys = seccomp_syscall_resolve_name(name);
			if (nr_sys == __NR_SCMP_ERROR)
				continue;
			int e = 0;
			if (!split)
				e = seccomp_rule_add_array(ctx, act, nr_sys, ncmp, cmp);
			for (unsigned c = 0; split && c < ncmp && e == 0; c++)
				e = seccomp_rule_add_array(ctx, act, nr_sys, 1, &cmp[c]);
			if (e < 0)
				r = e == -ENOMEM
					    ? e
					    : fail(why, wsize,
						   "rule %zu (%.40s): libseccomp refuses it: %s",
						   i + 1, name, strerror(-e));
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

static int prog_from_fd(int fd, off_t offset, struct seccomp_prog *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (lseek(fd, offset, SEEK_SET) < 0)
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
	return prog_from_fd(fd, 0, ret);
}

/* A cache entry: this header, then the BPF program. The file is named by
 * the key's SHA-256, and the header holds that digest and the key's length
 * again: an entry is used only when both match what nsh computed from the
 * policy text it has just read, so a renamed or stale file cannot stand in
 * for another policy. */
struct cache_header {
	char magic[8]; /* "nshscmp2" */
	unsigned char key_sha256[SHA256_BYTES];
	uint64_t key_len;
};

static const char cache_magic[8] = { 'n', 's', 'h', 's', 'c', 'm', 'p', '2' };

/* A cache file is trusted only if root owns it and nobody else can write,
 * and it was stored for this very key. */
static int read_cached(int dirfd, const char *name, const struct cache_header *want,
		       struct seccomp_prog *ret)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	struct cache_header h;
	if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || memcmp(&h, want, sizeof(h)) != 0)
		return -ESTALE;
	return prog_from_fd(fd, sizeof(h), ret);
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
static void store_cached(int dirfd, const char *name, const struct cache_header *h,
			 const struct seccomp_prog *prog)
{
	char tmp[128];
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t bytes = prog->fprog.len * sizeof(struct sock_filter);
	bool ok = write(fd, h, sizeof(*h)) == (ssize_t)sizeof(*h) &&
		  write(fd, prog->fprog.filter, bytes) == (ssize_t)bytes;
	close(fd);
	if (!ok || renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
	else
		prune_cache(dirfd, name);
}

typedef int (*build_fn)(const void *arg, size_t len, struct seccomp_prog *ret, char *why,
			size_t wsize);

/* The program for key (the exact bytes that decide it), from cache_dir when
 * it was compiled before, else built and stored. The digest covers the key,
 * the libseccomp version and the native arch. */
static int cached_prog(const void *key, size_t keylen, const char *cache_dir, build_fn build,
		       const void *arg, size_t arglen, struct seccomp_prog *ret, bool *ret_cached,
		       char *why, size_t wsize)
{
	*ret_cached = false;
	const struct scmp_version *v = seccomp_version();
	uint32_t arch = seccomp_arch_native();
	uint32_t ver[3] = { v->major, v->minor, v->micro };
	struct cache_header h = { 0 };
	memcpy(h.magic, cache_magic, sizeof(h.magic));
	h.key_len = keylen;
	struct sha256 s;
	sha256_init(&s);
	sha256_update(&s, ver, sizeof(ver));
	sha256_update(&s, &arch, sizeof(arch));
	sha256_update(&s, key, keylen);
	sha256_final(&s, h.key_sha256);
	char hex[2 * SHA256_BYTES + 1], name[2 * SHA256_BYTES + 8];
	sha256_hex(h.key_sha256, hex);
	snprintf(name, sizeof(name), "%s.bpf", hex);

	_cleanup_close_ int dirfd = open_cache_dir(cache_dir);
	if (dirfd >= 0 && read_cached(dirfd, name, &h, ret) == 0) {
		*ret_cached = true;
		return 0;
	}
	int r = build(arg, arglen, ret, why, wsize);
	if (r == 0 && dirfd >= 0)
		store_cached(dirfd, name, &h, ret);
	return r;
}

static int build_oci(const void *seccomp, size_t len, struct seccomp_prog *ret, char *why,
		     size_t wsize)
{
	(void)len;
	scmp_filter_ctx ctx = NULL;
	int r = seccomp_policy_from_oci((struct json_object *)seccomp, &ctx, why, wsize);
	if (r < 0)
		return r;
	r = seccomp_policy_export(ctx, ret);
	seccomp_release(ctx);
	if (r < 0)
		return fail(why, wsize, "the compiled filter is not usable: %s",
			    r == -EFBIG ? "over the kernel's 4096 instructions" : strerror(-r));
	return r;
}

int seccomp_policy_oci_cached(const char *config, size_t len, const char *cache_dir,
			      struct seccomp_prog *ret, bool *ret_cached, char *why, size_t wsize)
{
	*ret_cached = false;
	_cleanup_json_ struct json_object *cfg = NULL;
	if (json_parse_buf(config, len, &cfg) < 0)
		return fail(why, wsize, "not valid JSON");
	struct json_object *sc = json_get_path(cfg, "linux.seccomp");
	if (!sc)
		return -ENOENT;
	/* The key is linux.seccomp as json-c writes it back: the very object
	 * the filter is built from, so one key is one policy. Not the bundle's
	 * paths and IDs (docker's cgroupsPath, hostname, mounts): containers
	 * with one profile share one entry. (The text from the first literal
	 * "seccomp" on was the key once: a config that spelled its own key
	 * "seccom\u0070" and carried another policy's text after it stored
	 * its filter under that policy's key.) */
	const char *key =
		json_object_to_json_string_ext(sc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!key)
		return -ENOMEM;
	return cached_prog(key, strlen(key), cache_dir, build_oci, sc, 0, ret, ret_cached, why,
			   wsize);
}

static int build_default(const void *arg, size_t len, struct seccomp_prog *ret, char *why,
			 size_t wsize)
{
	(void)arg, (void)len, (void)why, (void)wsize;
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
	char key[1024];
	size_t n = (size_t)snprintf(key, sizeof(key), "nsh default denylist 1");
	for (size_t i = 0; i < ARRAY_SIZE(denied) && n < sizeof(key); i++)
		n += (size_t)snprintf(key + n, sizeof(key) - n, "%c%s", 0, denied[i]);
	if (n >= sizeof(key))
		return -E2BIG;
	return cached_prog(key, n, cache_dir, build_default, NULL, 0, ret, ret_cached, NULL, 0);
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
