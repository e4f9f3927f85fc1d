// SPDX-License-Identifier: MIT
/* CRI-O adapter on tests/fixtures/hosts/crio-v2-systemd: a cgroup v2 host,
 * systemd cgroup driver, one burstable pod (pause + nginx, plus leftovers)
 * with bundles under /run/containers/storage, and a guaranteed pod seen only
 * through its crio-<id>.scope. podman bundles share the storage. */
#include "unit.h"

#include <unistd.h>

#include "lib/proc/proc.h"
#include "lib/resolve/runtime/runtime.h"

#define POD_UID "3f9d2c1e-7a4b-4c2d-9e8f-0a1b2c3d4e5f"
#define POD_SLICE                                   \
	"/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod3f9d2c1e_7a4b_4c2d_9e8f_0a1b2c3d4e5f.slice"
#define ID_SANDBOX       "a18bfabd3cf1d74d0267b59ef276e9c1c94d4e31a9fb482340d884a4c4275b94"
#define ID_NGINX         "9689413a5a09c74fc99b598f6c28096cc8a94018930db76b0a230d72259fa57b"
#define ID_EXITED        "a2e94d2bd7c9a6a3c400058d512e545fe086e09655fbb3ac9f45a986b200e8b2"
#define ID_STALE         "bc371bfeb058713c63ac66909bc517dd01a6d8f9aa51f6b8c59eed61ea0ab375"
#define ID_MALFORMED     "d189afa0a5e2abb3f670d0f8b0cbac3727c1838a93f89105ac965aac02665a7a"
#define ID_HOSTILE       "5880a74872769d61d6396a0dd667ee52816f925a3b8d11959f9cf035719bb484"
#define ID_PODMAN        "5ed2ebc57f32cb488afcbbb2368d8deabc0c847345231b71d55eddea868e6d4b"
#define ID_PODMAN_LIBPOD "27d10b9aec15e2b9e8ec271997393541ff922c5816abf6abbab2314cc309e99e"
#define ID_CGONLY        "850c19a30718065b893c14e0fb12c0d730c9bfe67e0f5476047f95d8e4c79279"
#define RUNDIR           "/run/containers/storage/overlay-containers/"

static struct host host;
static struct container_list ctrs;

static int setup(void **state)
{
	(void)state;
	fixture_host(&host, "hosts/crio-v2-systemd");
	memset(&ctrs, 0, sizeof(ctrs));
	return runtime_crio.list(&host, LIST_SCAN_PROC, &ctrs);
}

static int teardown(void **state)
{
	(void)state;
	container_list_free(&ctrs);
	return 0;
}

static const struct container *find(const char *id)
{
	for (size_t i = 0; i < ctrs.n; i++)
		if (strcmp(ctrs.items[i].id, id) == 0)
			return &ctrs.items[i];
	return NULL;
}

static const struct container *get(const char *id)
{
	const struct container *c = find(id);
	if (!c)
		fail_msg("%s: not listed", id);
	assert_string_equal(c->runtime, "crio");
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 80);
	return c;
}

static void host_is_v2(void **state)
{
	(void)state;
	assert_int_equal(host.cgroup_version, 2);
	assert_false(host.live_proc);
}

static void lists_exactly(void **state)
{
	(void)state;
	/* sandbox, nginx, exited, stale, hostile, cgroup-only */
	assert_int_equal(ctrs.n, 6);
	assert_null(find(ID_MALFORMED));
	assert_null(find(ID_PODMAN));
	assert_null(find(ID_PODMAN_LIBPOD));
	assert_null(find("-bad"));
}

static void app_container(void **state)
{
	(void)state;
	const struct container *c = get(ID_NGINX);
	assert_string_equal(c->name, "k8s_nginx_web-0_default_" POD_UID "_0");
	assert_string_equal(c->pod_namespace, "default");
	assert_string_equal(c->pod_name, "web-0");
	assert_string_equal(c->pod_container, "nginx");
	assert_string_equal(c->pod_uid, POD_UID);
	assert_false(c->sandbox);
	assert_int_equal(c->pid, 4120);
	assert_int_equal(c->start_time, 50200);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->bundle, RUNDIR ID_NGINX "/userdata");
	/* The walk of kubepods.slice adds the scope, never crio-conmon-. */
	assert_string_equal(c->cgroup, POD_SLICE "/crio-" ID_NGINX ".scope");
	assert_string_equal(c->ns, "");
}

static void sandbox_container(void **state)
{
	(void)state;
	const struct container *c = get(ID_SANDBOX);
	assert_true(c->sandbox);
	assert_string_equal(c->name, "k8s_POD_web-0_default_" POD_UID "_0");
	assert_string_equal(c->pod_namespace, "default");
	assert_string_equal(c->pod_name, "web-0");
	assert_string_equal(c->pod_container, "POD");
	assert_int_equal(c->pid, 4101);
	assert_int_equal(c->start_time, 50100);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->cgroup, POD_SLICE "/crio-" ID_SANDBOX ".scope");
}

static void exited_and_reused(void **state)
{
	(void)state;
	/* pidfile names a PID that is gone */
	const struct container *c = get(ID_EXITED);
	assert_int_equal(c->pid, 0);
	assert_int_equal(c->start_time, 0);
	assert_string_equal(c->state, "stopped");
	assert_string_equal(c->pod_container, "migrate");
	assert_string_equal(c->cgroup, "");
	/* pidfile names PID 1, alive but not in the container's cgroup */
	c = get(ID_STALE);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "stopped");
	assert_string_equal(c->pod_container, "old");
}

static void hostile_annotations(void **state)
{
	(void)state;
	const struct container *c = get(ID_HOSTILE);
	/* The name and the pod name carry control characters: dropped, and a
	 * pod without a valid name is no pod. */
	assert_string_equal(c->name, "");
	assert_string_equal(c->pod_namespace, "");
	assert_string_equal(c->pod_name, "");
	assert_string_equal(c->pod_container, "");
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "created");
}

static void cgroup_only_container(void **state)
{
	(void)state;
	const struct container *c = get(ID_CGONLY);
	assert_string_equal(c->name, "");
	assert_string_equal(c->pod_namespace, "");
	assert_string_equal(c->pod_uid, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
	assert_int_equal(c->pid, 4220);
	assert_int_equal(c->start_time, 50400);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->bundle, "");
	assert_string_equal(c->cgroup,
			    "/kubepods.slice/"
			    "kubepods-pod9a8b7c6d_5e4f_4a3b_8c2d_1e0f9a8b7c6d.slice/crio-" ID_CGONLY
			    ".scope");
}

static void fixture_processes(void **state)
{
	struct proc_status st;
	char link[64];

	(void)state;
	/* The container processes carry two NSpid levels and ns links. */
	assert_int_equal(proc_read_status(&host, 4120, &st), 0);
	assert_int_equal(st.nspid_levels, 2);
	assert_int_equal(st.nspid[0], 4120);
	assert_int_equal(st.nspid[1], 1);
	assert_int_equal(proc_read_status(&host, 4135, &st), 0);
	assert_int_equal(st.nspid[1], 7);
	char path[4096];
	assert_true(snprintf(path, sizeof(path), "%s/proc/4120/ns/pid", host.root) <
		    (int)sizeof(path));
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_true(strncmp(link, "pid:[40265", 10) == 0);
	/* The pod's init is the process whose innermost NSpid is 1. */
	pid_t init;
	assert_int_equal(cgroup_dir_init_pid(&host,
					     "/sys/fs/cgroup" POD_SLICE "/crio-" ID_NGINX ".scope",
					     &init),
			 0);
	assert_int_equal(init, 4120);
}

static void podman_adapter_skips_crio(void **state)
{
	struct container_list l = { 0 };

	(void)state;
	/* No containers.json here, and nothing CRI-O made is podman's. */
	assert_int_equal(runtime_podman.list(&host, LIST_SCAN_PROC, &l), 0);
	for (size_t i = 0; i < l.n; i++)
		assert_null(strstr(l.items[i].cgroup, "crio-"));
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

/* Whose bundle: decided from the text when the manager annotation says so,
 * parsed otherwise; the same answer either way. */
static void config_file_is_crio(void **state)
{
	static const struct {
		const char *json;
		int want;
	} cases[] = {
		{ "{\"annotations\":{\"io.container.manager\":\"libpod\"}}", 0 },
		{ "{\"annotations\": {\"io.container.manager\" :\n \"cri-o\"}}", 1 },
		{ "{\"annotations\":{\"io.container.manager\":\"cri-o\",\"x\":1}}", 1 },
		/* podman's own, with a pod namespace label copied in: libpod decides */
		{ "{\"annotations\":{\"io.kubernetes.pod.namespace\":\"a\",\"io.container."
		  "manager\":\"libpod\"}}",
		  0 },
		{ "{\"annotations\":{\"io.kubernetes.pod.namespace\":\"a\"}}", 1 },
		{ "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\"}}", 1 },
		/* the key inside a string value is escaped: not an annotation */
		{ "{\"process\":{\"args\":[\"\\\"io.container.manager\\\":\\\"libpod\\\"\"]},"
		  "\"annotations\":{\"io.container.manager\":\"cri-o\"}}",
		  1 },
		{ "{\"ociVersion\":\"1.0.2\"}", 0 },
	};
	char dir[] = "/tmp/nsh-unit-crio-XXXXXX", path[64];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	struct host live;
	host_init(&live, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].json, f);
		fclose(f);
		print_message("case %zu\n", i);
		assert_int_equal(oci_config_file_is_crio(&live, path), cases[i].want);
	}
	unlink(path);
	assert_int_equal(oci_config_file_is_crio(&live, path), -ENOENT);
	rmdir(dir);
}

static void match(void **state)
{
	(void)state;
	const struct container *c = get(ID_NGINX);
	assert_null(runtime_crio.match);
	assert_int_equal(container_match_default(c, ID_NGINX), MATCH_ID);
	assert_int_equal(container_match_default(c, "9689413a"), MATCH_PREFIX);
	assert_int_equal(container_match_default(c, "k8s_nginx_web-0_default_" POD_UID "_0"),
			 MATCH_NAME);
	assert_int_equal(container_match_default(c, "nginx"), MATCH_NONE);
}

static void missing_everything(void **state)
{
	struct host h;
	struct container_list l = { 0 };

	(void)state;
	/* A host with no CRI-O at all. */
	fixture_host(&h, "hosts/crun");
	assert_int_equal(runtime_crio.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_is_v2),
		cmocka_unit_test(lists_exactly),
		cmocka_unit_test(app_container),
		cmocka_unit_test(sandbox_container),
		cmocka_unit_test(exited_and_reused),
		cmocka_unit_test(hostile_annotations),
		cmocka_unit_test(cgroup_only_container),
		cmocka_unit_test(fixture_processes),
		cmocka_unit_test(podman_adapter_skips_crio),
		cmocka_unit_test(config_file_is_crio),
		cmocka_unit_test(match),
		cmocka_unit_test(missing_everything),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
