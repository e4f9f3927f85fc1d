// SPDX-License-Identifier: MIT
/* Docker adapter on two fixture hosts:
 *   hosts/docker-v1          hybrid cgroups, cgroupfs driver: config.v2.json
 *                            + runc state under /run/docker/runtime-runc/moby,
 *                            dockershim labels, malformed and hostile files,
 *                            containers known only by their cgroup
 *   hosts/docker-v2-systemd  cgroup v2, systemd driver, no /var/lib/docker:
 *                            docker-<id>.scope only
 * and a hostile oversized config.v2.json made at run time. */
#include "scratch.h"

#include "lib/resolve/runtime/runtime.h"

#define ID_WEB1       "c7856df9170ac545e17f1ded78c62ddcc39a9ca306202e5ea9b742b941daa1c6"
#define ID_DB         "aed4cebcaf364cb3d8e610e862b1e5ecdeae9c59aaab8913729ae5647465b7bc"
#define ID_OLD        "1f5e86fc650fe006eeb67c7267cf8b740c58cfee68f367f1583d32d72465f059"
#define ID_FRESH      "8f0ed2bf0cb9e3e60931a77e635722ef9d3afd76dc050b89a20396f0e9b4a3dd"
#define ID_MALFORMED  "a9cbf3a6e806c3de2640f0e43b4a560dc37d44cb8d9234105aaf17191f989791"
#define ID_EVILNAME   "147dd89d374d1db7bc55c17328f32bfad7e051b8c875e29ecc8cd82392b01a9a"
#define ID_WRONGID    "0a645a7b7e337cfb9a57b867b0652007f7f8e6f78a7adc3bc866daf3dd608bb0"
#define ID_NOSTATE    "13f6392ab5f3c2c6419e809fade5e374ed025af0125db153af4f3aaa787bb347"
#define ID_REUSED     "df960e50f5e1f6dfca5efe5e29ebfe577697acbd9b6bfb644e67c31fc6768d29"
#define ID_COREDNS    "26983e52bd8df6d5f720126c04ac17ef9a9b06793d2a351a7d5aaf1407411995"
#define ID_PAUSE      "3339d866f07499df70777776acd387849921eafd8f1ee3b878fda1b1e2016b7c"
#define ID_CGONLY     "5c0f334d802caf9d12b1f4c2b3d558d38dd64d1bccda6a06f2720aa1ae1b9b5c"
#define ID_SCOPE      "8899a63bd79a0c13352d43b7336c2016f1701313032322d390d3974a8a6de232"
#define ID_RESTARTING "71577ec7c1618dc5a07bae3cd8cdc4d27962a210375204eeeb12927ea11a51c1"
#define ID_RUNCDEAD   "b115dbdd25cc3884537e1eef26ea4843008142dea4e1315847f937b6d128310f"
#define ID_V2_A       "cf54c1a716c459683a5c1dd2cff8937f108b918bcf6ebabbe4b7d0b8d7f4a058"
#define ID_V2_B       "e0f5660a61be8843747853178b9b5c723934a3f0ba75cb29cd0795bc87804a55"
#define ID_V2_DEAD    "a5f28d4f6cb7b9ae7fdba4675a4a838324b1a152c133e22606790cee832ca5a1"
#define MOBY_BUNDLE   "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/"

static const struct container *find(const struct container_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

static const struct container *get(const struct container_list *l, const char *id)
{
	const struct container *c = find(l, id);
	if (!c)
		fail_msg("%s: not listed", id);
	assert_string_equal(c->runtime, "docker");
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 90);
	assert_string_equal(c->ns, "");
	return c;
}

static void list_fixture(const char *fixture, struct container_list *l)
{
	struct host h;

	fixture_host(&h, fixture);
	memset(l, 0, sizeof(*l));
	assert_int_equal(runtime_docker.list(&h, LIST_SCAN_PROC, l), 0);
}

static void v1_lists_exactly(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	/* 11 config.v2.json that parse and describe their own directory, plus
	 * 2 cgroup-only containers; not malformed, not wrongid. */
	assert_int_equal(l.n, 13);
	assert_null(find(&l, ID_MALFORMED));
	assert_null(find(&l, ID_WRONGID));
	/* wrongid's file claims web1's ID: web1 is listed once. */
	size_t web1 = 0;
	for (size_t i = 0; i < l.n; i++)
		web1 += strcmp(l.items[i].id, ID_WEB1) == 0;
	assert_int_equal(web1, 1);
	for (size_t i = 0; i < l.n; i++)
		assert_string_not_equal(l.items[i].name, "impostor");
	container_list_free(&l);
}

static void v1_running(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	const struct container *c = get(&l, ID_WEB1);
	assert_string_equal(c->name, "web1");
	assert_int_equal(c->pid, 3930);
	assert_int_equal(c->start_time, 99012);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->bundle, MOBY_BUNDLE ID_WEB1);
	assert_string_equal(c->cgroup, "");
	assert_string_equal(c->pod_namespace, "");
	assert_false(c->sandbox);

	c = get(&l, ID_DB);
	assert_string_equal(c->name, "db");
	assert_int_equal(c->pid, 4000);
	assert_string_equal(c->state, "paused");

	/* No runc state: State.Pid, alive and in the container's cgroup. */
	c = get(&l, ID_NOSTATE);
	assert_string_equal(c->name, "nostate");
	assert_int_equal(c->pid, 4300);
	assert_int_equal(c->start_time, 99300);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->bundle, "");
	container_list_free(&l);
}

static void v1_not_running(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	const struct container *c = get(&l, ID_OLD);
	assert_string_equal(c->name, "old");
	assert_int_equal(c->pid, 0);
	assert_int_equal(c->start_time, 0);
	assert_string_equal(c->state, "stopped");

	c = get(&l, ID_FRESH);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "created");

	/* State.Pid 1 is alive but not in this container's cgroup: reused. */
	c = get(&l, ID_REUSED);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "stopped");

	c = get(&l, ID_RESTARTING);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "stopped");

	/* config.v2.json says running, runc's state names a dead init. */
	c = get(&l, ID_RUNCDEAD);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "stopped");
	assert_string_equal(c->bundle, MOBY_BUNDLE ID_RUNCDEAD);
	container_list_free(&l);
}

static void v1_hostile_name(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	/* "/evil\e[2Jname": the container stays reachable by ID, nameless. */
	const struct container *c = get(&l, ID_EVILNAME);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, 4150);
	assert_string_equal(c->state, "running");
	container_list_free(&l);
}

static void v1_dockershim(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	const struct container *c = get(&l, ID_COREDNS);
	assert_string_equal(c->name, "k8s_coredns_coredns-7db6d8ff4d-x2x8q_kube-system_5d3c2b1a-"
				     "0f9e-4d8c-b7a6-958473625140_0");
	assert_string_equal(c->pod_namespace, "kube-system");
	assert_string_equal(c->pod_name, "coredns-7db6d8ff4d-x2x8q");
	assert_string_equal(c->pod_container, "coredns");
	assert_string_equal(c->pod_uid, "5d3c2b1a-0f9e-4d8c-b7a6-958473625140");
	assert_false(c->sandbox);
	assert_int_equal(c->pid, 4400);

	c = get(&l, ID_PAUSE);
	assert_true(c->sandbox);
	assert_string_equal(c->pod_name, "coredns-7db6d8ff4d-x2x8q");
	assert_string_equal(c->pod_container, "POD");
	assert_int_equal(c->pid, 4390);
	container_list_free(&l);
}

static void v1_cgroup_only(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	/* cgroupfs driver: /docker/<id>; the init is the NSpid-1 process. */
	const struct container *c = get(&l, ID_CGONLY);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, 4500);
	assert_int_equal(c->start_time, 99500);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->cgroup, "/docker/" ID_CGONLY);
	/* systemd driver on v1: /system.slice/docker-<id>.scope */
	c = get(&l, ID_SCOPE);
	assert_int_equal(c->pid, 4600);
	assert_string_equal(c->cgroup, "/system.slice/docker-" ID_SCOPE ".scope");
	container_list_free(&l);
}

static void v2_systemd_without_var(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v2-systemd", &l);
	/* a running, b paused; the dead one, docker.service and a short-ID
	 * scope are not containers. */
	assert_int_equal(l.n, 2);
	const struct container *c = get(&l, ID_V2_A);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, 6000);
	assert_int_equal(c->start_time, 80000);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->cgroup, "/system.slice/docker-" ID_V2_A ".scope");
	assert_string_equal(c->bundle, "");
	c = get(&l, ID_V2_B);
	assert_int_equal(c->pid, 6100);
	assert_string_equal(c->state, "paused");
	assert_null(find(&l, ID_V2_DEAD));
	container_list_free(&l);
}

static void other_fixtures_have_no_docker(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/crun", &l);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
	list_fixture("hosts/crio-v2-systemd", &l);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

static void match_by_name_and_prefix(void **state)
{
	struct container_list l;

	(void)state;
	list_fixture("hosts/docker-v1", &l);
	const struct container *c = get(&l, ID_WEB1);
	assert_null(runtime_docker.match);
	assert_int_equal(container_match_default(c, "web1"), MATCH_NAME);
	assert_int_equal(container_match_default(c, "/web1"), MATCH_NONE);
	assert_int_equal(container_match_default(c, "c7856df9"), MATCH_PREFIX);
	assert_int_equal(container_match_default(c, ID_WEB1), MATCH_ID);
	container_list_free(&l);
}

/* ---- hostile files in a host root made for the test ---- */

#define HUGE_ID      "1111111111111111111111111111111111111111111111111111111111111111"
#define TYPES_ID     "2222222222222222222222222222222222222222222222222222222222222222"
#define LONGNAME_ID  "3333333333333333333333333333333333333333333333333333333333333333"
#define SLASHNAME_ID "4444444444444444444444444444444444444444444444444444444444444444"
#define OK_ID        "5555555555555555555555555555555555555555555555555555555555555555"

static void hostile_files(void **state)
{
	struct host h;
	struct container_list l = { 0 };
	char buf[1024];

	(void)state;
	/* An oversized config.v2.json (a valid JSON object > 4 MiB). */
	size_t big = (4u << 20) + 100;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	int n = snprintf(huge, big,
			 "{\"ID\":\"%s\",\"Name\":\"/huge\",\"State\":{\"Running\":false}}",
			 HUGE_ID);
	huge[n] = ' ';
	write_at("var/lib/docker/containers/" HUGE_ID "/config.v2.json", huge, big);
	free(huge);

	/* Wrong types: Running a string, Pid a string. */
	n = snprintf(
		buf, sizeof(buf),
		"{\"ID\":\"%s\",\"Name\":\"/types\",\"State\":{\"Running\":\"yes\",\"Pid\":\"1\"}}",
		TYPES_ID);
	write_at("var/lib/docker/containers/" TYPES_ID "/config.v2.json", buf, (size_t)n);

	/* A 300-byte name, and a name with a slash inside. */
	char longname[301];
	memset(longname, 'a', 300);
	longname[300] = '\0';
	n = snprintf(buf, sizeof(buf),
		     "{\"ID\":\"%s\",\"Name\":\"/%s\",\"State\":{\"Running\":false}}", LONGNAME_ID,
		     longname);
	write_at("var/lib/docker/containers/" LONGNAME_ID "/config.v2.json", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf),
		     "{\"ID\":\"%s\",\"Name\":\"/a/b\",\"State\":{\"Running\":false}}",
		     SLASHNAME_ID);
	write_at("var/lib/docker/containers/" SLASHNAME_ID "/config.v2.json", buf, (size_t)n);

	/* A plain one, to prove the directory is read at all; Name absent. */
	n = snprintf(buf, sizeof(buf),
		     "{\"ID\":\"%s\",\"State\":{\"Running\":false,\"StartedAt\":\"2026-01-01T00:00:"
		     "00Z\"}}",
		     OK_ID);
	write_at("var/lib/docker/containers/" OK_ID "/config.v2.json", buf, (size_t)n);
	/* A directory without config.v2.json. */
	write_at("var/lib/docker/containers/" HUGE_ID "0/hostname", "x", 1);

	assert_int_equal(host_init(&h, tmp_root), 0);
	assert_int_equal(runtime_docker.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 3);
	assert_null(find(&l, HUGE_ID));
	assert_null(find(&l, TYPES_ID));
	assert_string_equal(get(&l, LONGNAME_ID)->name, "");
	assert_string_equal(get(&l, SLASHNAME_ID)->name, "");
	assert_string_equal(get(&l, OK_ID)->name, "");
	assert_string_equal(get(&l, OK_ID)->state, "stopped");
	container_list_free(&l);
}

/* A PID is the container's when its cgroup path's first 64-hex ID is the
 * container's: another container that makes a cgroup of its own named
 * after the first's ID (its path .../Y/X) does not pass for X with a PID it
 * got by reuse (a stale init.pid or conmon pidfile naming it). */
static void pid_in_cgroup_by_first_id(void **state)
{
	(void)state;
	struct host h;
	static const char own[] = "0::/system.slice/docker-" OK_ID ".scope\n";
	static const char nested[] = "0::/system.slice/docker-" TYPES_ID ".scope/" OK_ID "\n";
	static const char v1[] = "4:memory:/docker/" OK_ID "/init.scope\n0::/\n";
	write_at("proc/4242/cgroup", own, sizeof(own) - 1);
	write_at("proc/4243/cgroup", nested, sizeof(nested) - 1);
	write_at("proc/4244/cgroup", v1, sizeof(v1) - 1);
	assert_int_equal(host_init(&h, tmp_root), 0);
	assert_int_equal(container_pid_in_cgroup(&h, 4242, OK_ID), 1);
	assert_int_equal(container_pid_in_cgroup(&h, 4243, OK_ID), 0);
	assert_int_equal(container_pid_in_cgroup(&h, 4243, TYPES_ID), 1);
	assert_int_equal(container_pid_in_cgroup(&h, 4244, OK_ID), 1);
	assert_int_equal(container_pid_in_cgroup(&h, 4245, OK_ID), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_lists_exactly),
		cmocka_unit_test(v1_running),
		cmocka_unit_test(v1_not_running),
		cmocka_unit_test(v1_hostile_name),
		cmocka_unit_test(v1_dockershim),
		cmocka_unit_test(v1_cgroup_only),
		cmocka_unit_test(v2_systemd_without_var),
		cmocka_unit_test(other_fixtures_have_no_docker),
		cmocka_unit_test(match_by_name_and_prefix),
		cmocka_unit_test_setup_teardown(hostile_files, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(pid_in_cgroup_by_first_id, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
