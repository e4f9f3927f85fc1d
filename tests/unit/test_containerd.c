// SPDX-License-Identifier: MIT
/* The containerd adapter and the kubepods cgroup parsers, on fixture hosts
 * (tests/fixtures/hosts/containerd-v2-{systemd,cgroupfs}) and hostile paths. */
#include "ctrlist.h"

#include <limits.h>

#include "lib/resolve/runtime/kubepods.h"
#include "lib/resolve/runtime/runtime.h"
#include "lib/base/util.h"

#define WEB_UID  "1f0c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
#define WEB_UID_ "1f0c9a2e_3b4d_4e5f_8a9b_0c1d2e3f4a5b"
#define DNS_UID  "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
#define API_UID  "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
#define DB_UID   "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
#define ID64(x)  x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x
#define WEB_SLICE \
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" WEB_UID_ ".slice"
#define DNS_SLICE "/kubepods.slice/kubepods-pod9a8b7c6d_5e4f_4a3b_8c2d_1e0f9a8b7c6d.slice"
#define TASKS     "/run/containerd/io.containerd.runtime.v2.task"

static void assert_entry(const struct container *c, const char *ns, pid_t pid, const char *state)
{
	assert_non_null(c);
	assert_string_equal(c->runtime, "containerd");
	assert_string_equal(c->ns, ns);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, pid);
	assert_string_equal(c->state, state);
	assert_int_equal(c->start_time, pid ? 100000 + (uint64_t)pid : 0);
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 70);
	assert_true(valid_id(c->id));
}

static void assert_pod(const struct container *c, const char *ns, const char *name, const char *ctr,
		       const char *uid, bool sandbox)
{
	assert_string_equal(c->pod_namespace, ns);
	assert_string_equal(c->pod_name, name);
	assert_string_equal(c->pod_container, ctr);
	assert_string_equal(c->pod_uid, uid);
	assert_int_equal(c->sandbox, sandbox);
}

/* ---- kubepods_parse_path ---- */

struct parse_case {
	const char *path;
	enum kubepods_driver driver;
	enum kubepods_qos qos;
	enum kubepods_runtime rt;
	const char *uid, *id;
};

static void test_parse_valid(void **state)
{
	(void)state;
	static const struct parse_case cases[] = {
		{ "/kubepods/besteffort/pod" API_UID "/" ID64("22"), KUBEPODS_CGROUPFS,
		  KUBEPODS_BESTEFFORT, KUBEPODS_RT_UNKNOWN, API_UID, ID64("22") },
		{ "/kubepods/burstable/pod" API_UID "/crio-" ID64("ab"), KUBEPODS_CGROUPFS,
		  KUBEPODS_BURSTABLE, KUBEPODS_RT_CRIO, API_UID, ID64("ab") },
		{ "/kubepods/pod" DB_UID "/" ID64("44"), KUBEPODS_CGROUPFS, KUBEPODS_GUARANTEED,
		  KUBEPODS_RT_UNKNOWN, DB_UID, ID64("44") },
		{ "kubepods/pod" DB_UID "/" ID64("44") "/", KUBEPODS_CGROUPFS, KUBEPODS_GUARANTEED,
		  KUBEPODS_RT_UNKNOWN, DB_UID, ID64("44") },
		{ WEB_SLICE "/cri-containerd-" ID64("b2") ".scope", KUBEPODS_SYSTEMD,
		  KUBEPODS_BURSTABLE, KUBEPODS_RT_CONTAINERD, WEB_UID, ID64("b2") },
		{ DNS_SLICE "/crio-" ID64("e5") ".scope", KUBEPODS_SYSTEMD, KUBEPODS_GUARANTEED,
		  KUBEPODS_RT_CRIO, DNS_UID, ID64("e5") },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" WEB_UID_
		  ".slice/docker-" ID64("c3") ".scope",
		  KUBEPODS_SYSTEMD, KUBEPODS_BESTEFFORT, KUBEPODS_RT_DOCKER, WEB_UID, ID64("c3") },
		/* kind: a node in a docker container, kubelet --cgroup-root=/kubelet */
		{ "/docker/" ID64("0f") "/kubelet/kubepods/burstable/pod" API_UID "/" ID64("22"),
		  KUBEPODS_CGROUPFS, KUBEPODS_BURSTABLE, KUBEPODS_RT_UNKNOWN, API_UID, ID64("22") },
		{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
		  "kubelet-kubepods-besteffort-pod" WEB_UID_
		  ".slice/cri-containerd-" ID64("b2") ".scope",
		  KUBEPODS_SYSTEMD, KUBEPODS_BESTEFFORT, KUBEPODS_RT_CONTAINERD, WEB_UID,
		  ID64("b2") },
		/* static pods: the UID is a hash */
		{ "/kubepods/burstable/pod6b5e3f7d0a1c4e2f9b8a7c6d5e4f3a2b/" ID64("12"),
		  KUBEPODS_CGROUPFS, KUBEPODS_BURSTABLE, KUBEPODS_RT_UNKNOWN,
		  "6b5e3f7d0a1c4e2f9b8a7c6d5e4f3a2b", ID64("12") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kubepods_ref ref;
		memset(&ref, 0x5a, sizeof(ref));
		assert_int_equal(kubepods_parse_path(cases[i].path, &ref), 0);
		assert_int_equal(ref.driver, cases[i].driver);
		assert_int_equal(ref.qos, cases[i].qos);
		assert_int_equal(ref.runtime, cases[i].rt);
		assert_string_equal(ref.pod_uid, cases[i].uid);
		assert_string_equal(ref.id, cases[i].id);
	}
}

static void test_parse_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"/",
		"/kubepods",
		"/kubepods/besteffort",
		"/kubepods/besteffort/pod" API_UID, /* a pod, not a container */
		"/kubepods.slice/kubepods-burstable.slice",
		WEB_SLICE,
		/* CRI-O's conmon holds no container */
		WEB_SLICE "/crio-conmon-" ID64("99") ".scope",
		"/kubepods/besteffort/pod" API_UID "/crio-conmon-" ID64("99"),
		/* too long an ID: 129 characters */
		"/kubepods/besteffort/pod" API_UID "/" ID64("ab") ID64("cd") "e",
		WEB_SLICE "/cri-containerd-" ID64("ab") ID64("cd") "e.scope",
		/* dot-dot and hidden names */
		"/kubepods/besteffort/pod" API_UID "/..",
		"/kubepods/besteffort/pod" API_UID "/.hidden",
		"/kubepods/besteffort/pod../" ID64("22"),
		"/kubepods/besteffort/pod" API_UID "/../" ID64("22"),
		"/kubepods/../pod" API_UID "/" ID64("22"),
		/* control characters, odd bytes */
		"/kubepods/besteffort/pod" API_UID "/abc\001def",
		"/kubepods/besteffort/pod5e6f\n7a8b/" ID64("22"),
		"/kubepods/besteffort/pod" API_UID "/abc def",
		"/kubepods/besteffort/pod" API_UID "/\xc3\xa9t\xc3\xa9",
		/* unknown QoS, mismatched QoS */
		"/kubepods/gold/pod" API_UID "/" ID64("22"),
		"/kubepods/guaranteed/pod" API_UID "/" ID64("22"),
		"/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" WEB_UID_
		".slice/cri-containerd-" ID64("b2") ".scope",
		"/kubepods.slice/kubepods-gold.slice/kubepods-gold-pod" WEB_UID_
		".slice/cri-containerd-" ID64("b2") ".scope",
		/* UIDs in the other driver's spelling, empty UIDs, too long UIDs */
		"/kubepods.slice/kubepods-pod" WEB_UID ".slice/cri-containerd-" ID64("b2") ".scope",
		"/kubepods/pod" WEB_UID_ "/" ID64("22"),
		"/kubepods/pod/" ID64("22"),
		"/kubepods.slice/kubepods-pod.slice/cri-containerd-" ID64("b2") ".scope",
		"/kubepods/pod" ID64("0a") "/" ID64("22"),
		"/kubepods/pod-" API_UID "/" ID64("22"),
		/* anything after the container */
		"/kubepods/pod" DB_UID "/" ID64("44") "/sub",
		"/kubepods/besteffort/pod" API_UID "/" ID64("22") "/kubepods/pod" DB_UID
								  "/" ID64("66"),
		WEB_SLICE "/cri-containerd-" ID64("b2") ".scope/container",
		/* scopes of no known runtime, empty IDs */
		DNS_SLICE "/foo-" ID64("b2") ".scope",
		DNS_SLICE "/cri-containerd-.scope",
		DNS_SLICE "/cri-containerd-" ID64("b2"),
		DNS_SLICE "/" ID64("b2"),
		"/kubepods/burstable/pod" API_UID "/crio-",
		/* not kubepods at all */
		"/docker/" ID64("88"),
		"/system.slice/docker-" ID64("88") ".scope",
		"/kubepodsx/pod" DB_UID "/" ID64("44"),
		"/kubepods.slicex/kubepods-pod" WEB_UID_ ".slice/crio-" ID64("b2") ".scope",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kubepods_ref ref;
		if (kubepods_parse_path(bad[i], &ref) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	struct kubepods_ref ref;
	assert_int_equal(kubepods_parse_path(NULL, &ref), -EINVAL);

	/* Longer than PATH_MAX, and more components than any real path. */
	char *huge = malloc(PATH_MAX + 64);
	assert_non_null(huge);
	memset(huge, 'a', PATH_MAX + 63);
	huge[PATH_MAX + 63] = '\0';
	assert_int_equal(kubepods_parse_path(huge, &ref), -EINVAL);
	char *p = huge;
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "/a");
	sprintf(p, "/kubepods/pod" DB_UID "/" ID64("44"));
	assert_int_equal(kubepods_parse_path(huge, &ref), -EINVAL);
	free(huge);
}

/* Random mutations of a valid path: never crash, and whatever is accepted
 * carries a valid ID and UID. */
static void test_parse_fuzz(void **state)
{
	(void)state;
	static const char *const seeds[] = {
		"/kubepods/besteffort/pod" API_UID "/" ID64("22"),
		WEB_SLICE "/cri-containerd-" ID64("b2") ".scope",
		DNS_SLICE "/crio-conmon-" ID64("e5") ".scope",
	};
	static const char alphabet[] = "/._-:\\\001\n abcdef0123456789kubepodsliceKP\xff";
	char buf[512];
	unsigned seed = 42;

	for (int round = 0; round < 30000; round++) {
		const char *s = seeds[round % ARRAY_SIZE(seeds)];
		size_t len = strlen(s);
		memcpy(buf, s, len + 1);
		int edits = 1 + rand_r(&seed) % 4;
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand_r(&seed) % len;
			switch (rand_r(&seed) % 3) {
			case 0: /* replace */
				buf[pos] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1: /* truncate */
				buf[pos] = '\0';
				len = pos ? pos : 1;
				break;
			default: /* duplicate a tail */
				if (len + (len - pos) < sizeof(buf)) {
					memmove(buf + len, buf + pos, len - pos);
					len += len - pos;
					buf[len] = '\0';
				}
			}
			len = strlen(buf);
			if (!len)
				break;
		}
		struct kubepods_ref ref;
		if (kubepods_parse_path(buf, &ref) == 0) {
			assert_true(valid_id(ref.id));
			assert_true(valid_id(ref.pod_uid));
			assert_null(strchr(ref.pod_uid, '_'));
		}
	}
}

/* ---- kubepods_walk ---- */

static const struct kubepods_cgroup *kfind(const struct kubepods_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].ref.id, id) == 0)
			return &l->items[i];
	return NULL;
}

static void test_walk_systemd(void **state)
{
	(void)state;
	struct host h;
	struct kubepods_list l = { 0 };

	fixture_host(&h, "hosts/containerd-v2-systemd");
	assert_int_equal(h.cgroup_version, 2);
	assert_int_equal(kubepods_walk(&h, &l), 0);
	/* six cri-containerd scopes; the crio-conmon scope is not one */
	assert_int_equal(l.n, 6);
	const struct kubepods_cgroup *k = kfind(&l, ID64("b2"));
	assert_non_null(k);
	assert_string_equal(k->path, WEB_SLICE "/cri-containerd-" ID64("b2") ".scope");
	assert_string_equal(k->dir,
			    "/sys/fs/cgroup" WEB_SLICE "/cri-containerd-" ID64("b2") ".scope");
	assert_int_equal(k->ref.qos, KUBEPODS_BURSTABLE);
	assert_int_equal(k->ref.runtime, KUBEPODS_RT_CONTAINERD);
	assert_string_equal(k->ref.pod_uid, WEB_UID);
	k = kfind(&l, ID64("e5"));
	assert_non_null(k);
	assert_int_equal(k->ref.qos, KUBEPODS_GUARANTEED);
	assert_string_equal(k->ref.pod_uid, DNS_UID);
	assert_null(kfind(&l, ID64("99")));
	kubepods_list_free(&l);
}

static void test_walk_cgroupfs(void **state)
{
	(void)state;
	struct host h;
	struct kubepods_list l = { 0 };

	fixture_host(&h, "hosts/containerd-v2-cgroupfs");
	assert_int_equal(kubepods_walk(&h, &l), 0);
	/* 11, 22, 77 (empty) in besteffort, 33 and 44 guaranteed; the hostile
	 * names (..x, a 129-character ID, a nested kubepods tree, a UID with an
	 * underscore) and crio-conmon are not listed. */
	assert_int_equal(l.n, 5);
	const struct kubepods_cgroup *k = kfind(&l, ID64("44"));
	assert_non_null(k);
	assert_string_equal(k->path, "/kubepods/pod" DB_UID "/" ID64("44"));
	assert_string_equal(k->dir, "/sys/fs/cgroup/kubepods/pod" DB_UID "/" ID64("44"));
	assert_int_equal(k->ref.driver, KUBEPODS_CGROUPFS);
	assert_int_equal(k->ref.qos, KUBEPODS_GUARANTEED);
	assert_int_equal(k->ref.runtime, KUBEPODS_RT_UNKNOWN);
	assert_non_null(kfind(&l, ID64("77")));
	assert_null(kfind(&l, ID64("66")));
	assert_null(kfind(&l, ID64("67")));
	kubepods_list_free(&l);

	/* No kubepods at all. */
	fixture_host(&h, "hosts/lxc-nspawn-v1");
	assert_int_equal(kubepods_walk(&h, &l), 0);
	assert_int_equal(l.n, 0);
	kubepods_list_free(&l);
}

/* ---- the adapter ---- */

static void test_list_systemd(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/containerd-v2-systemd");
	assert_int_equal(runtime_containerd.list(&h, LIST_SCAN_PROC, &l), 0);
	/* Every malformed bundle (init.pid "abc", "-1", "99999999999", empty,
	 * too long; config.json truncated, an array, empty, with trailing
	 * garbage; either file missing; bad IDs and namespaces) is skipped. */
	assert_int_equal(l.n, 9);

	const struct container *c = find_id(&l, ID64("a1"));
	assert_entry(c, "k8s.io", 2101, "running");
	assert_pod(c, "default", "web-7d4b9c", "", WEB_UID, true);
	assert_string_equal(c->bundle, TASKS "/k8s.io/" ID64("a1"));
	assert_string_equal(c->cgroup, WEB_SLICE "/cri-containerd-" ID64("a1") ".scope");

	c = find_id(&l, ID64("b2"));
	assert_entry(c, "k8s.io", 2201, "running");
	assert_pod(c, "default", "web-7d4b9c", "nginx", WEB_UID, false);
	assert_string_equal(c->bundle, TASKS "/k8s.io/" ID64("b2"));
	assert_string_equal(c->cgroup, WEB_SLICE "/cri-containerd-" ID64("b2") ".scope");

	c = find_id(&l, ID64("c3"));
	assert_entry(c, "k8s.io", 2301, "running");
	assert_pod(c, "default", "web-7d4b9c", "log-shipper", WEB_UID, false);

	c = find_id(&l, ID64("d4"));
	assert_entry(c, "k8s.io", 2401, "running");
	assert_pod(c, "kube-system", "coredns-5d78c9869d-abcde", "", DNS_UID, true);
	assert_string_equal(c->cgroup, DNS_SLICE "/cri-containerd-" ID64("d4") ".scope");

	c = find_id(&l, ID64("e5"));
	assert_entry(c, "k8s.io", 2501, "running");
	assert_pod(c, "kube-system", "coredns-5d78c9869d-abcde", "coredns", DNS_UID, false);

	/* A plain ctr container: no pod, no kubepods cgroup. */
	c = find_id(&l, "plain-ctr1");
	assert_entry(c, "default", 2601, "running");
	assert_pod(c, "", "", "", "", false);
	assert_string_equal(c->bundle, TASKS "/default/plain-ctr1");
	assert_string_equal(c->cgroup, "");

	/* An exited init container whose bundle is still there. */
	c = find_id(&l, ID64("f6"));
	assert_entry(c, "k8s.io", 0, "stopped");
	assert_pod(c, "default", "web-7d4b9c", "init-db", WEB_UID, false);

	/* An exited task whose init.pid names a reused PID (containerd's own,
	 * not in the config's cgroup cri-containerd-<id>.scope). */
	c = find_id(&l, ID64("b9"));
	assert_entry(c, "k8s.io", 0, "stopped");
	assert_pod(c, "default", "web-7d4b9c", "job", WEB_UID, false);

	/* A control character in the pod name: no pod, only its UID. */
	c = find_id(&l, ID64("a7"));
	assert_entry(c, "k8s.io", 2701, "running");
	assert_pod(c, "", "", "", WEB_UID, false);

	for (size_t i = 0; i < l.n; i++)
		assert_false(str_startswith(l.items[i].id, "bad") ||
			     str_startswith(l.items[i].id, "no-"));
	container_list_free(&l);
}

static void test_list_cgroupfs(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/containerd-v2-cgroupfs");
	assert_int_equal(runtime_containerd.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 5);

	const struct container *c = find_id(&l, ID64("11"));
	assert_entry(c, "k8s.io", 3101, "running");
	assert_pod(c, "shop", "api-0", "", API_UID, true);
	assert_string_equal(c->cgroup, "/kubepods/besteffort/pod" API_UID "/" ID64("11"));

	/* Its /proc/PID/cgroup reads relative, as from inside a cgroup
	 * namespace: still its cgroup. */
	c = find_id(&l, ID64("22"));
	assert_entry(c, "k8s.io", 3201, "running");
	assert_pod(c, "shop", "api-0", "api", API_UID, false);
	assert_string_equal(c->bundle, TASKS "/k8s.io/" ID64("22"));

	/* Bundles not visible: from the cgroup walker, the pause process marks
	 * the sandbox. */
	c = find_id(&l, ID64("33"));
	assert_entry(c, "k8s.io", 3301, "running");
	assert_pod(c, "", "", "", DB_UID, true);
	assert_string_equal(c->bundle, "");
	assert_string_equal(c->cgroup, "/kubepods/pod" DB_UID "/" ID64("33"));

	c = find_id(&l, ID64("44"));
	assert_entry(c, "k8s.io", 3401, "running");
	assert_pod(c, "", "", "", DB_UID, false);
	assert_string_equal(c->cgroup, "/kubepods/pod" DB_UID "/" ID64("44"));

	/* Docker's containerd. */
	c = find_id(&l, ID64("88"));
	assert_entry(c, "moby", 3801, "running");
	assert_pod(c, "", "", "", "", false);
	assert_string_equal(
		c->bundle,
		"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/" ID64("88"));

	/* Empty cgroup, no bundle: nothing. */
	assert_null(find_id(&l, ID64("77")));
	container_list_free(&l);
}

/* Entries other adapters appended before are left alone. A docker task
 * (namespace moby) the docker adapter listed already is not read again:
 * its 20 KB OCI config adds nothing, and the docker entry wins anyway. */
static void test_list_appends(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };
	struct container *c;

	assert_int_equal(container_list_add(&l, &c), 0);
	copy_str(c->runtime, sizeof(c->runtime), "docker");
	copy_str(c->id, sizeof(c->id), ID64("88"));
	c->pid = 3801;

	fixture_host(&h, "hosts/containerd-v2-cgroupfs");
	assert_int_equal(runtime_containerd.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.items[0].runtime, "docker");
	size_t moby = 0;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.items[i].id, ID64("88")) == 0 &&
		    strcmp(l.items[i].runtime, "containerd") == 0)
			moby++;
	assert_int_equal(moby, 0);
	container_list_free(&l);

	/* Without the docker entry, the moby task is containerd's to list. */
	fixture_host(&h, "hosts/containerd-v2-cgroupfs");
	assert_int_equal(runtime_containerd.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 5);
	assert_non_null(find_id(&l, ID64("88")));
	container_list_free(&l);

	/* No containerd on the host: nothing, no error. */
	fixture_host(&h, "hosts/lxc-nspawn-v1");
	assert_int_equal(runtime_containerd.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

static void test_match(void **state)
{
	(void)state;
	struct container c = { 0 };
	copy_str(c.runtime, sizeof(c.runtime), "containerd");
	copy_str(c.ns, sizeof(c.ns), "k8s.io");
	copy_str(c.id, sizeof(c.id), ID64("b2"));

	enum match_level (*m)(const struct container *, const char *) = runtime_containerd.match;
	assert_non_null(m);
	assert_int_equal(m(&c, ID64("b2")), MATCH_ID);
	assert_int_equal(m(&c, "b2b2b2"), MATCH_PREFIX);
	assert_int_equal(m(&c, "k8s.io/" ID64("b2")), MATCH_NAME);
	assert_int_equal(m(&c, "k8s.io/b2b2"), MATCH_PREFIX);
	assert_int_equal(m(&c, "k8s.io/"), MATCH_NONE);
	assert_int_equal(m(&c, "moby/" ID64("b2")), MATCH_NONE);
	assert_int_equal(m(&c, "k8s.i/b2b2"), MATCH_NONE);
	assert_int_equal(m(&c, "k8s.io.x/b2b2"), MATCH_NONE);
	assert_int_equal(m(&c, "/b2b2"), MATCH_NONE);
	assert_int_equal(m(&c, "k8s.io/c3"), MATCH_NONE);
	assert_int_equal(m(&c, "k8s.io/b2/b2"), MATCH_NONE);
	assert_int_equal(m(&c, ""), MATCH_NONE);
	assert_int_equal(m(&c, "c3"), MATCH_NONE);

	/* Without a namespace, NS/ID never matches. */
	c.ns[0] = '\0';
	assert_int_equal(m(&c, "/" ID64("b2")), MATCH_NONE);
	assert_int_equal(m(&c, ID64("b2")), MATCH_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),   cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_fuzz),    cmocka_unit_test(test_walk_systemd),
		cmocka_unit_test(test_walk_cgroupfs), cmocka_unit_test(test_list_systemd),
		cmocka_unit_test(test_list_cgroupfs), cmocka_unit_test(test_list_appends),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
