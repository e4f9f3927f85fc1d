// SPDX-License-Identifier: MIT
/* enter_plan_lsm on fixture trees made here: the init's label is applied
 * when an LSM nsh knows made it, and refused (fail closed) when it cannot
 * be: unreadable, no AppArmor or SELinux to have made it, too long for
 * the buffer, control characters. No label at all is not an error.
 * enter_prepare on the docker-v2-systemd fixture host: the plan takes the
 * init's ids, capabilities, environment and cgroup from its fixture
 * /proc/6000 files (read here with sscanf, not with lib/proc/proc.c), joins
 * the namespaces it does not share with this process, and refuses what
 * SECURITY.md says it must. */
#include "unit.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter/enter.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define PID 4242

struct tree {
	char root[64];
};

static void put(const struct tree *t, const char *rel, const char *text, size_t len)
{
	char path[512], dir[512];
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (char *s = path + strlen(t->root) + 1; (s = strchr(s, '/')); s++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - path), path);
		mkdir(dir, 0755);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* A tree with an LSM list (NULL: none) and the init's attr/current (NULL:
 * none; len 0: strlen). */
static int plan(const char *lsm, const char *attr, size_t len, struct enter_plan *p,
		const char **why)
{
	struct tree t;
	snprintf(t.root, sizeof(t.root), "/tmp/nsh-lsm-XXXXXX");
	assert_non_null(mkdtemp(t.root));
	if (lsm)
		put(&t, "sys/kernel/security/lsm", lsm, strlen(lsm));
	char rel[64];
	snprintf(rel, sizeof(rel), "proc/%d/attr/current", PID);
	if (attr)
		put(&t, rel, attr, len ? len : strlen(attr));
	struct host h;
	assert_int_equal(host_init(&h, t.root), 0);
	memset(p, 0, sizeof(*p));
	*why = NULL;
	int r = enter_plan_lsm(&h, PID, p, why);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.root);
	assert_int_equal(system(cmd), 0);
	return r;
}

static void applied(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	assert_int_equal(plan("capability,yama,apparmor", "docker-default (enforce)\n", 0, &p,
			      &why),
			 0);
	assert_string_equal(p.lsm_label, "docker-default");
	assert_true(p.lsm_is_apparmor);
	static const char ctx[] = "system_u:system_r:container_t:s0:c1,c2";
	assert_int_equal(plan("capability,selinux", ctx, sizeof(ctx), &p, &why), 0);
	assert_string_equal(p.lsm_label, "system_u:system_r:container_t:s0:c1,c2");
	assert_false(p.lsm_is_apparmor);
}

static void nothing_to_apply(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	/* No LSM labels processes: attr/current answers EINVAL, here absent. */
	assert_int_equal(plan(NULL, NULL, 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
	assert_int_equal(plan("capability,apparmor", "unconfined\n", 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
	assert_int_equal(plan("capability,yama", NULL, 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
}

static void refused(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	/* A label, but no LSM nsh knows to have made it (nor to apply it). */
	assert_int_equal(plan("capability,yama,smack", "container-label\n", 0, &p, &why), -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* AppArmor on, but the init's label cannot be read. */
	assert_int_equal(plan("capability,apparmor", NULL, 0, &p, &why), -EPERM);
	assert_non_null(why);
	/* Too long for the buffer: not cut short. */
	char longl[400];
	memset(longl, 'a', sizeof(longl) - 1);
	longl[sizeof(longl) - 1] = '\0';
	assert_int_equal(plan("capability,apparmor", longl, 0, &p, &why), -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* Control characters. */
	assert_int_equal(plan("capability,apparmor", "evil\x1b[2J (enforce)\n", 0, &p, &why),
			 -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* A label on a host whose LSM list cannot be read (no securityfs). */
	assert_int_equal(plan(NULL, "docker-default (enforce)\n", 0, &p, &why), -EPERM);
	assert_non_null(why);
}

/* ---- enter_prepare on a fixture host ---- */

#define DV2     "hosts/docker-v2-systemd"
#define DV2_ID  "cf54c1a716c459683a5c1dd2cff8937f108b918bcf6ebabbe4b7d0b8d7f4a058"
#define DV2_PID 6000

/* Field KEY of the fixture init's status: the text after "KEY:\t". */
static const char *fx_field(const char *status, const char *key)
{
	char k[32];
	snprintf(k, sizeof(k), "\n%s:\t", key);
	const char *f = strstr(status, k);
	assert_non_null(f);
	return f + strlen(k);
}

/* The N-th (0-based) number of a status field. */
static unsigned long fx_nth(const char *status, const char *key, int n)
{
	const char *f = fx_field(status, key);
	unsigned long v = 0;
	for (int i = 0; i <= n; i++) {
		char *end;
		v = strtoul(f, &end, 10);
		assert_true(end != f);
		f = end;
	}
	return v;
}

static uint64_t fx_hex(const char *status, const char *key)
{
	return strtoull(fx_field(status, key), NULL, 16);
}

/* CLONE_NEW* of each namespace the fixture's init has other than this
 * process's (its ns links against stat of /proc/self/ns). */
static int fx_own_ns(void)
{
	static const struct {
		const char *f;
		int flag;
	} types[] = {
		{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "mnt", CLONE_NEWNS },
		{ "net", CLONE_NEWNET },       { "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME },
		{ "user", CLONE_NEWUSER },     { "uts", CLONE_NEWUTS },
	};
	int own = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char path[4096], link[64], self[64];
		snprintf(path, sizeof(path), "%s/" DV2 "/proc/%d/ns/%s", fixtures_dir(), DV2_PID,
			 types[i].f);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		unsigned long long ino = strtoull(strchr(link, '[') + 1, NULL, 10);
		struct stat st;
		snprintf(self, sizeof(self), "/proc/self/ns/%s", types[i].f);
		if (stat(self, &st) < 0 || (unsigned long long)st.st_ino != ino)
			own |= types[i].flag;
	}
	return own;
}

static void dv2_target(struct host *h, struct target *t)
{
	fixture_host(h, DV2);
	assert_int_equal(target_resolve(h, DV2_ID, t, NULL), 0);
	assert_int_equal(t->pid, DV2_PID);
}

static void prepare_confined(void **state)
{
	(void)state;
	struct host h;
	struct target t;
	dv2_target(&h, &t);
	char *env_add[] = { (char *)"FOO=from-nsh", (char *)"NEW=1" };
	struct enter_opts o = { .env_add = env_add, .n_env_add = 2 };
	struct enter_plan p;
	const char *why = NULL;
	int r = enter_prepare(&t, &o, false, &p, &why);
	if (r < 0)
		fail_msg("enter_prepare: %d (%s)", r, why ? why : "");
	char *st = fixture_read(DV2 "/proc/6000/status", NULL);

	/* The effective ids, the supplementary groups. */
	assert_int_equal(p.uid, fx_nth(st, "Uid", 1));
	assert_int_equal(p.uid, 1001);
	assert_int_equal(p.gid, fx_nth(st, "Gid", 1));
	assert_int_equal(p.gid, 2002);
	assert_int_equal(p.n_groups, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(p.groups[i], fx_nth(st, "Groups", i));

	/* Capabilities within the bounding set (CapEff and CapInh hold a bit
	 * that is not in it); no_new_privs as the init has it. */
	uint64_t bnd = fx_hex(st, "CapBnd");
	assert_int_equal(p.cap_bnd, bnd);
	assert_int_equal(p.cap_eff, fx_hex(st, "CapEff") & bnd);
	assert_true(p.cap_eff != fx_hex(st, "CapEff"));
	assert_int_equal(p.cap_prm, fx_hex(st, "CapPrm") & bnd);
	assert_int_equal(p.cap_inh, fx_hex(st, "CapInh") & bnd);
	assert_int_equal(p.cap_inh, 0x400);
	assert_true(p.no_new_privs);
	assert_int_equal(fx_nth(st, "NoNewPrivs", 0), 1);

	/* Every namespace it does not share with us; its PID in its own. */
	assert_int_equal(p.ns_mask, fx_own_ns());
	assert_true(p.ns_mask & CLONE_NEWNS);
	char nspid[16];
	const char *f = fx_field(st, "NSpid");
	const char *last = f + strcspn(f, "\n");
	while (last > f && last[-1] != '\t')
		last--;
	snprintf(nspid, sizeof(nspid), "%.*s", (int)strcspn(last, "\n"), last);
	assert_string_equal(p.ctpid_init, nspid);

	/* Seccomp mode 2, no bundle to take a profile from: the denylist. */
	assert_int_equal(fx_nth(st, "Seccomp", 0), 2);
	assert_int_equal(p.seccomp, SECCOMP_DEFAULT);
	assert_string_equal(p.seccomp_source, "nsh default denylist");
	assert_true(p.seccomp_prog.len > 0);
	assert_string_equal(p.seccomp_warning, "");
	/* A fixture has no live limits, no LSM labels it. */
	assert_false(p.have_rlim);
	assert_string_equal(p.lsm_label, "");
	free(st);

	/* cgroup v2: the one unified dir of its cgroup line, under the root. */
	char *cg = fixture_read(DV2 "/proc/6000/cgroup", NULL);
	assert_true(strncmp(cg, "0::", 3) == 0);
	cg[strcspn(cg, "\n")] = '\0';
	char want[8192];
	snprintf(want, sizeof(want), "%s/sys/fs/cgroup%s", h.root, cg + 3);
	assert_string_equal(p.cgroup2_dir, want);
	assert_int_equal(p.n_cgroup_dirs, 0);
	free(cg);

	/* The environment: the init's environ in its order (a string without
	 * "=" left out), -e replacing FOO where it stands and adding NEW. */
	size_t len;
	char *env = fixture_read(DV2 "/proc/6000/environ", &len);
	size_t n = 0;
	for (size_t off = 0; off < len; off += strlen(env + off) + 1) {
		const char *e = env + off;
		if (!strchr(e, '='))
			continue;
		assert_non_null(p.env[n]);
		assert_string_equal(p.env[n], strncmp(e, "FOO=", 4) == 0 ? "FOO=from-nsh" : e);
		n++;
	}
	assert_int_equal(n, 5);
	assert_string_equal(p.env[n], "NEW=1");
	assert_null(p.env[n + 1]);
	free(env);
	enter_plan_free(&p);
	target_release(&t);
}

static void prepare_refused(void **state)
{
	(void)state;
	struct host h;
	struct target t;
	dv2_target(&h, &t);
	int own = fx_own_ns();
	struct enter_plan p;
	const char *why = NULL;

	/* A confined join of only some of its namespaces. */
	struct enter_opts o = { .ns_mask = CLONE_NEWNET };
	assert_int_equal(enter_prepare(&t, &o, false, &p, &why), -EPERM);
	/* The missing ones named by exec's options (nsh(1)), mnt and pid first. */
	static const struct {
		int flag;
		const char *opt;
	} opts[] = {
		{ CLONE_NEWNS, "-m" },   { CLONE_NEWPID, "-p" },    { CLONE_NEWNET, "-n" },
		{ CLONE_NEWIPC, "-i" },  { CLONE_NEWUTS, "--uts" }, { CLONE_NEWCGROUP, "-C" },
		{ CLONE_NEWUSER, "-U" }, { CLONE_NEWTIME, "-T" },
	};
	char lack[64] = "", want[320];
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if ((own & ~CLONE_NEWNET) & opts[i].flag)
			snprintf(lack + strlen(lack), sizeof(lack) - strlen(lack), "%s%s",
				 lack[0] ? " " : "", opts[i].opt);
	snprintf(want, sizeof(want),
		 "-n without %s would give the container a way to the host's files: add %s, or use "
		 "--privileged",
		 lack, lack);
	assert_non_null(why);
	assert_string_equal(why, want);

	/* --privileged in its mount namespace, outside its user namespace. */
	o = (struct enter_opts){ .privileged = true };
	why = NULL;
	if ((own & CLONE_NEWNS) && !(own & CLONE_NEWUSER)) {
		assert_int_equal(enter_prepare(&t, &o, false, &p, &why), -EPERM);
		assert_string_equal(
			why,
			"--privileged in the container's mount namespace would run the container's "
			"binaries with the host's capabilities: add --force to do it anyway");
	}
	/* With --force it plans, keeping nsh's own ids: none taken from the init. */
	assert_int_equal(enter_prepare(&t, &o, true, &p, &why), 0);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.n_groups, 0);
	assert_int_equal(p.seccomp, SECCOMP_NONE);
	enter_plan_free(&p);

	/* -u goes with a confined join only. */
	o = (struct enter_opts){ .privileged = true, .user = "app" };
	assert_int_equal(enter_prepare(&t, &o, true, &p, &why), -EINVAL);
	assert_string_equal(why, "-u does not go with --privileged or --host-tools");

	/* -e must be KEY=VALUE. */
	char *bad[] = { (char *)"JUSTAKEY" };
	o = (struct enter_opts){ .env_add = bad, .n_env_add = 1 };
	assert_int_equal(enter_prepare(&t, &o, false, &p, &why), -EINVAL);
	assert_string_equal(why, "-e wants KEY=VALUE");
	target_release(&t);
}

/* cgroup v1 (hybrid, docker-v1): a dir per hierarchy of the init's cgroup
 * file, under the mount named after its first controller ("name="
 * stripped) when the host has one, else after all of them (cpu,cpuacct);
 * the unified line's dir under /sys/fs/cgroup/unified. */
#define DV1    "hosts/docker-v1"
#define DV1_ID "aed4cebcaf364cb3d8e610e862b1e5ecdeae9c59aaab8913729ae5647465b7bc"

static void prepare_cgroup_v1(void **state)
{
	(void)state;
	struct host h;
	struct target t;
	fixture_host(&h, DV1);
	assert_int_equal(target_resolve(&h, DV1_ID, &t, NULL), 0);
	struct enter_opts o = { .privileged = true };
	struct enter_plan p;
	const char *why = NULL;
	int r = enter_prepare(&t, &o, true, &p, &why);
	if (r < 0)
		fail_msg("enter_prepare: %d (%s)", r, why ? why : "");
	char rel[64];
	snprintf(rel, sizeof(rel), DV1 "/proc/%d/cgroup", t.pid);
	char *cg = fixture_read(rel, NULL);
	int n = 0, freezer = 0;
	char *save = NULL, want[8192];
	bool unified = false;
	for (char *l = strtok_r(cg, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctls = strchr(l, ':') + 1, *path = strchr(ctls, ':');
		*path++ = '\0';
		if (!*ctls) {
			snprintf(want, sizeof(want), "%s/sys/fs/cgroup/unified%s", h.root, path);
			assert_string_equal(p.cgroup2_dir, want);
			unified = true;
			continue;
		}
		char first[64], dir[4200];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(ctls, ","), ctls);
		const char *mount = strncmp(first, "name=", 5) == 0 ? first + 5 : first;
		struct stat st;
		snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup/%s", h.root, mount);
		if (stat(dir, &st) < 0)
			mount = ctls;
		snprintf(want, sizeof(want), "%s/sys/fs/cgroup/%s%s", h.root, mount, path);
		assert_true(n < p.n_cgroup_dirs);
		assert_string_equal(p.cgroup_dirs[n], want);
		if (strcmp(mount, "freezer") == 0)
			freezer = n + 1;
		n++;
	}
	assert_true(unified);
	assert_int_equal(p.n_cgroup_dirs, n);
	assert_int_equal(n, 8);
	/* The one hierarchy whose freezer.state says whether the init is frozen. */
	assert_true(freezer > 0);
	assert_int_equal(p.freezer_dir, freezer);
	free(cg);
	enter_plan_free(&p);

	/* More v1 hierarchies than the plan holds: refused, not cut. A
	 * /proc/PID/cgroup of 17 v1 lines keeps 16 and counts the one dropped. */
	char many[4096] = "";
	for (int i = 1; i <= 17; i++) {
		char l[64];
		snprintf(l, sizeof(l), "%d:name=n%d:/x\n", i, i);
		strcat(many, l);
	}
	struct cgroup_paths cp;
	assert_int_equal(cgroup_parse_proc(many, &cp), 0);
	assert_int_equal(cp.n_v1, 16);
	assert_int_equal(cp.n_v1_dropped, 1);
	t.cg.n_v1_dropped = 1;
	why = NULL;
	assert_int_equal(enter_prepare(&t, &o, true, &p, &why), -E2BIG);
	assert_string_equal(why,
			    "the target is in 9 cgroup v1 hierarchies, more than nsh joins (16)");
	target_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(applied),         cmocka_unit_test(nothing_to_apply),
		cmocka_unit_test(refused),         cmocka_unit_test(prepare_confined),
		cmocka_unit_test(prepare_refused), cmocka_unit_test(prepare_cgroup_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
