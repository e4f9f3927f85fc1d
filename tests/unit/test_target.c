// SPDX-License-Identifier: MIT
/* Target specs as users type them, including hostile ones; and resolution
 * on fixture host roots (cgroup v2 with the systemd and cgroupfs drivers,
 * CRI-O, crun). Expected values are read from the fixture's own files (the
 * runtime's init.pid / pidfile / status, /proc/PID/cgroup, ns links), never
 * from what the resolver printed. */
#include "unit.h"

#include <unistd.h>

#include "lib/base/json_util.h"
#include "lib/resolve/target.h"
#include "lib/base/util.h"

static void forms(void **state)
{
	(void)state;
	struct target_spec s;
	assert_int_equal(target_spec_parse("host", &s), 0);
	assert_int_equal(s.kind, SPEC_HOST);
	assert_int_equal(target_spec_parse("pid:123", &s), 0);
	assert_int_equal(s.kind, SPEC_PID);
	assert_int_equal(s.pid, 123);
	/* A bare number may be a PID or an ID prefix: resolution decides. */
	assert_int_equal(target_spec_parse("4567", &s), 0);
	assert_int_equal(s.kind, SPEC_ANY);
	assert_int_equal(s.pid, 4567);
	assert_string_equal(s.value, "4567");
	assert_int_equal(target_spec_parse(
				 "2222222222222222222222222222222222222222222222222222222222222222",
				 &s),
			 0);
	assert_int_equal(s.kind, SPEC_ANY);
	assert_int_equal(s.pid, 0);
	assert_int_equal(target_spec_parse("8e48132ccca1", &s), 0);
	assert_int_equal(s.kind, SPEC_ANY);
	assert_string_equal(s.value, "8e48132ccca1");
	assert_int_equal(target_spec_parse("docker:web1", &s), 0);
	assert_int_equal(s.kind, SPEC_RUNTIME);
	assert_string_equal(s.runtime, "docker");
	assert_string_equal(s.value, "web1");
	assert_int_equal(target_spec_parse("containerd:k8s.io/abc", &s), 0);
	assert_string_equal(s.runtime, "containerd");
	assert_string_equal(s.value, "k8s.io/abc");
	assert_int_equal(target_spec_parse("k8s:default/web/nginx", &s), 0);
	assert_int_equal(s.kind, SPEC_K8S);
	assert_string_equal(s.pod_ns, "default");
	assert_string_equal(s.pod_name, "web");
	assert_string_equal(s.pod_container, "nginx");
	assert_int_equal(target_spec_parse("k8s:default/web", &s), 0);
	assert_string_equal(s.pod_container, "");
	assert_int_equal(target_spec_parse("vm:guest1", &s), 0);
	assert_int_equal(s.kind, SPEC_VM);
	assert_int_equal(target_spec_parse("cgroup:/docker/abc", &s), 0);
	assert_int_equal(s.kind, SPEC_CGROUP);
	assert_string_equal(s.value, "/docker/abc");
	/* An unknown prefix is just a name with a colon. */
	assert_int_equal(target_spec_parse("foo:bar", &s), 0);
	assert_int_equal(s.kind, SPEC_ANY);
}

static void hostile(void **state)
{
	(void)state;
	struct target_spec s;
	assert_int_equal(target_spec_parse("", &s), -EINVAL);
	assert_int_equal(target_spec_parse("pid:abc", &s), -EINVAL);
	assert_int_equal(target_spec_parse("pid:0", &s), -EINVAL);
	assert_int_equal(target_spec_parse("k8s:nopod", &s), -EINVAL);
	assert_int_equal(target_spec_parse("k8s:a//b", &s), -EINVAL);
	assert_int_equal(target_spec_parse("cgroup:relative", &s), -EINVAL);
	assert_int_equal(target_spec_parse("cgroup:/a/../../etc", &s), -EINVAL);
	assert_int_equal(target_spec_parse("docker:", &s), -EINVAL);
	assert_int_equal(target_spec_parse("web\n1", &s), -EINVAL);
	char long_spec[700];
	memset(long_spec, 'a', sizeof(long_spec) - 1);
	long_spec[sizeof(long_spec) - 1] = '\0';
	assert_int_equal(target_spec_parse(long_spec, &s), -EINVAL);
}

/* A number from a fixture file (init.pid, pidfile). */
static long fixture_number(const char *rel)
{
	char *buf = fixture_read(rel, NULL);
	long v = strtol(buf, NULL, 10);
	free(buf);
	return v;
}

/* The "0::" path of a fixture process. */
static void fixture_cgroup_v2(const char *host, pid_t pid, char *out, size_t size)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "%s/proc/%d/cgroup", host, pid);
	char *buf = fixture_read(rel, NULL);
	char *line = strstr(buf, "0::");
	assert_non_null(line);
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	snprintf(out, size, "%s", line);
	free(buf);
}

static uint64_t fixture_ns(const char *host, pid_t pid, const char *type)
{
	char path[4096], link[64];
	snprintf(path, sizeof(path), "%s/%s/proc/%d/ns/%s", fixtures_dir(), host, pid, type);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	return strtoull(strchr(link, '[') + 1, NULL, 10);
}

/* want_cgroup NULL: the "0::" line of the fixture's /proc/PID/cgroup. */
static void assert_resolves_in(const struct host *h, const char *hostdir, const char *spec,
			       const char *runtime, pid_t want_pid, const char *want_cgroup)
{
	struct target t;
	int r = target_resolve(h, spec, &t, NULL);
	if (r != 0)
		fail_msg("%s on %s: %s", spec, hostdir, target_strerror(r));
	assert_string_equal(t.c.runtime, runtime);
	assert_int_equal(t.pid, want_pid);
	assert_int_equal(t.pidfd, -1); /* a fixture has no live /proc */
	assert_int_equal(t.cgroup_version, 2);
	char cg[1024];
	if (want_cgroup)
		snprintf(cg, sizeof(cg), "%s", want_cgroup);
	else
		fixture_cgroup_v2(hostdir, want_pid, cg, sizeof(cg));
	assert_string_equal(t.cgroup, cg);
	assert_int_equal(t.ns[NS_PID], fixture_ns(hostdir, want_pid, "pid"));
	assert_int_equal(t.ns[NS_NET], fixture_ns(hostdir, want_pid, "net"));
	target_release(&t);
}

static void assert_resolves(const struct host *h, const char *hostdir, const char *spec,
			    const char *runtime, pid_t want_pid)
{
	assert_resolves_in(h, hostdir, spec, runtime, want_pid, NULL);
}

#define CTRD_SYSTEMD "hosts/containerd-v2-systemd"
#define CTRD_TASKS   CTRD_SYSTEMD "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
#define NGINX_ID     "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

static void containerd_systemd_driver(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, CTRD_SYSTEMD);
	assert_int_equal(h.cgroup_version, 2);
	assert_false(h.live_proc);
	pid_t nginx = (pid_t)fixture_number(CTRD_TASKS NGINX_ID "/init.pid");

	assert_resolves(&h, CTRD_SYSTEMD, "k8s:default/web-7d4b9c/nginx", "containerd", nginx);
	assert_resolves(&h, CTRD_SYSTEMD, NGINX_ID, "containerd", nginx);
	assert_resolves(&h, CTRD_SYSTEMD, "b2b2b2", "containerd", nginx);
	assert_resolves(&h, CTRD_SYSTEMD, "containerd:k8s.io/b2b2b2", "containerd", nginx);
	assert_resolves(&h, CTRD_SYSTEMD, "nginx", "containerd", nginx);

	struct target t;
	memset(&t, 0, sizeof(t));
	assert_int_equal(target_resolve(&h, "k8s:default/web-7d4b9c/nginx", &t, NULL), 0);
	assert_string_equal(t.c.pod_namespace, "default");
	assert_string_equal(t.c.pod_name, "web-7d4b9c");
	assert_string_equal(t.c.pod_container, "nginx");
	assert_string_equal(t.c.ns, "k8s.io");
	target_release(&t);
}

static void containerd_ambiguous_and_missing(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, CTRD_SYSTEMD);
	struct target t;
	struct container_list cands = { 0 };

	/* Two app containers in the pod: the pod alone does not say which. */
	assert_int_equal(target_resolve(&h, "k8s:default/web-7d4b9c", &t, &cands),
			 -TARGET_EAMBIGUOUS);
	assert_int_equal(cands.n, 2);
	bool nginx = false, shipper = false;
	for (size_t i = 0; i < cands.n; i++) {
		nginx |= strcmp(cands.items[i].pod_container, "nginx") == 0;
		shipper |= strcmp(cands.items[i].pod_container, "log-shipper") == 0;
	}
	assert_true(nginx && shipper);
	container_list_free(&cands);

	/* A container whose init.pid names no live process is not running. */
	assert_int_equal(target_resolve(&h, "k8s:default/web-7d4b9c/init-db", &t, NULL),
			 -TARGET_ENOTRUNNING);
	assert_int_equal(target_resolve(&h, "no-such-thing", &t, NULL), -TARGET_ENOMATCH);
	assert_int_equal(target_resolve(&h, "k8s:default/nopod/x", &t, NULL), -TARGET_ENOMATCH);
	assert_int_equal(target_resolve(&h, "docker:" NGINX_ID, &t, NULL), -TARGET_ENOMATCH);
}

#define CTRD_CGROUPFS "hosts/containerd-v2-cgroupfs"

static void containerd_cgroupfs_driver(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, CTRD_CGROUPFS);
	pid_t api = (pid_t)fixture_number(
		CTRD_CGROUPFS
		"/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
		"2222222222222222222222222222222222222222222222222222222222222222/init.pid");
	/* Its /proc/PID/cgroup reads "/../../pod.../ID" (outside nsh's cgroup
	 * namespace): the host path comes from the cgroupfs directory. */
	const char *dir = "/kubepods/besteffort/pod5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9/"
			  "2222222222222222222222222222222222222222222222222222222222222222";
	char probe[4096];
	snprintf(probe, sizeof(probe), "%s/" CTRD_CGROUPFS "/sys/fs/cgroup%s", fixtures_dir(), dir);
	assert_int_equal(access(probe, F_OK), 0);
	assert_resolves_in(&h, CTRD_CGROUPFS, "k8s:shop/api-0/api", "containerd", api, dir);
	assert_resolves_in(&h, CTRD_CGROUPFS, "222222", "containerd", api, dir);
}

#define CRIO       "hosts/crio-v2-systemd"
#define CRIO_NGINX "9689413a5a09c74fc99b598f6c28096cc8a94018930db76b0a230d72259fa57b"

static void crio(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, CRIO);
	pid_t nginx = (pid_t)fixture_number(
		CRIO "/run/containers/storage/overlay-containers/" CRIO_NGINX "/userdata/pidfile");
	assert_resolves(&h, CRIO, "k8s:default/web-0/nginx", "crio", nginx);
	assert_resolves(&h, CRIO, "crio:968941", "crio", nginx);
	assert_resolves(&h, CRIO, CRIO_NGINX, "crio", nginx);

	struct target t;
	assert_int_equal(target_resolve(&h, CRIO_NGINX, &t, NULL), 0);
	/* The container's own scope, whole: the fixture's cgroup line of its
	 * PID, which is the crio-ID scope under the pod's slice (not the
	 * crio-conmon-ID scope beside it), and that directory on the host. */
	char cg[1024], dir[1100];
	fixture_cgroup_v2(CRIO, nginx, cg, sizeof(cg));
	assert_string_equal(strrchr(cg, '/'), "/crio-" CRIO_NGINX ".scope");
	assert_string_equal(t.cgroup, cg);
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", cg);
	assert_string_equal(t.cgroup_dir, dir);
	assert_true(t.own_cgroup);
	target_release(&t);
}

#define CRUN "hosts/crun"

static void crun(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, CRUN);
	struct json_object *status = NULL;
	assert_int_equal(json_load_host_file(&h, "/run/crun/web/status", &status), 0);
	int64_t web;
	assert_int_equal(json_get_i64(status, "pid", &web), 0);
	json_object_put(status);

	assert_resolves(&h, CRUN, "crun:web", "crun", (pid_t)web);
	assert_resolves(&h, CRUN, "web", "crun", (pid_t)web);

	struct target t;
	assert_int_equal(target_resolve(&h, "crun:dead", &t, NULL), -TARGET_ENOTRUNNING);
	assert_int_equal(target_resolve(&h, "runc:web", &t, NULL), -TARGET_ENOMATCH);
}

static void hint_does_not_hide_matches(void **state)
{
	(void)state;
	/* With the resolver's hint, adapters skip containers that cannot
	 * match; a name found only inside config.json must still be found. */
	struct host h;
	fixture_host(&h, CTRD_SYSTEMD);
	struct container_list all = { 0 }, hinted = { .hint = "log-shipper" };
	assert_int_equal(runtime_containerd.list(&h, 0, &all), 0);
	assert_int_equal(runtime_containerd.list(&h, 0, &hinted), 0);
	assert_true(hinted.n < all.n);
	bool found = false;
	for (size_t i = 0; i < hinted.n; i++)
		found |= strcmp(hinted.items[i].pod_container, "log-shipper") == 0;
	assert_true(found);
	container_list_free(&all);
	container_list_free(&hinted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(hostile),
		cmocka_unit_test(containerd_systemd_driver),
		cmocka_unit_test(containerd_ambiguous_and_missing),
		cmocka_unit_test(containerd_cgroupfs_driver),
		cmocka_unit_test(crio),
		cmocka_unit_test(crun),
		cmocka_unit_test(hint_does_not_hide_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
