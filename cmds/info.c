// SPDX-License-Identifier: MIT
/* info: everything nsh knows about the target, as one JSON document; the
 * text form is the same document flattened to "key: value" lines. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "cgview.h"
#include "cmds.h"
#include "lib/cgroup/cgacct.h"
#include "lib/cgroup/cgroup.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/vm.h"
#include "lib/base/util.h"

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *cap_names(uint64_t mask)
{
	struct json_object *a = json_object_new_array();
	for (int c = 0; c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		char *name = cap_to_name((cap_value_t)c);
		json_object_array_add(a, json_object_new_string(name ? name : "?"));
		cap_free(name);
	}
	return a;
}

static struct json_object *user_ns_map(const struct host *h, pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	if (host_read_small(h, path, buf, sizeof(buf)) < 0)
		return NULL;
	struct json_object *a = json_object_new_array();
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long in, out, count;
		if (sscanf(l, "%llu %llu %llu", &in, &out, &count) != 3)
			continue;
		struct json_object *e = json_object_new_array();
		json_object_array_add(e, json_object_new_int64((int64_t)in));
		json_object_array_add(e, json_object_new_int64((int64_t)out));
		json_object_array_add(e, json_object_new_int64((int64_t)count));
		json_object_array_add(a, e);
	}
	return a;
}

static struct json_object *lsm_label(const struct host *h, pid_t pid)
{
	char buf[512];
	return proc_read_lsm_label(h, pid, buf, sizeof(buf)) == 0 ? str_or_null(buf) : NULL;
}

static struct json_object *from_or_null(const char *from)
{
	return from[0] ? json_object_new_string(from) : NULL;
}

/* The limits that bind the target: the tightest of its cgroup's and its
 * ancestors' (a Kubernetes limit often sits on the pod), with the cgroup
 * that sets each; the same reader as cgstat's and top's, so the three
 * agree (null: no limit anywhere, or unknown). */
static struct json_object *limits(const struct host *h, const struct target *t)
{
	struct json_object *o = json_object_new_object();
	struct cg_effective e;
	bool ok = cg_effective_limits(h, &t->cg, &e) == 0;

	json_object_object_add(o, "cpu_quota",
			       ok && e.cpu_cores > 0 ? json_object_new_double(e.cpu_cores) : NULL);
	json_object_object_add(o, "cpu_quota_from", ok ? from_or_null(e.cpu_from) : NULL);
	json_object_object_add(o, "memory",
			       ok && e.mem_limit != CG_NONE
				       ? json_object_new_int64((int64_t)e.mem_limit)
				       : NULL);
	json_object_object_add(o, "memory_from", ok ? from_or_null(e.mem_from) : NULL);
	json_object_object_add(o, "pids",
			       ok && e.pids_max != CG_NONE
				       ? json_object_new_int64((int64_t)e.pids_max)
				       : NULL);
	json_object_object_add(o, "pids_from", ok ? from_or_null(e.pids_from) : NULL);
	return o;
}

static struct json_object *str_array(char (*v)[256], size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* What the hypervisor's command line and open files say of the guest. */
static struct json_object *vm_info(const struct host *h, pid_t pid)
{
	struct vm_config cfg;
	unsigned threads = 0;

	if (vm_read_config(h, pid, &cfg) < 0)
		return NULL;
	vm_read_open_devices(h, pid, &cfg);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "hypervisor", json_object_new_string(vm_hypervisor_name(cfg.hv)));
	/* A KVM VM fd says what the guest runs under; the command line only
	 * what was asked (-accel kvm:tcg falls back without a word). */
	bool tcg = cfg.fds_read ? !cfg.kvm_fd : cfg.tcg;
	if (cfg.hv == VM_QEMU)
		json_object_object_add(o, "accel", json_object_new_string(tcg ? "tcg" : "kvm"));
	/* The threads say how many vCPUs run; the command line, how many were asked. */
	bool counted = vm_count_vcpu_threads(h, pid, cfg.hv, &threads) == 0 && threads;
	unsigned vcpus = counted ? threads : cfg.vcpus;
	json_object_object_add(o, "vcpus", vcpus ? json_object_new_int((int)vcpus) : NULL);
	json_object_object_add(o, "memory",
			       cfg.mem_bytes ? json_object_new_int64((int64_t)cfg.mem_bytes)
					     : NULL);
	json_object_object_add(o, "disks", str_array(cfg.disks, cfg.ndisks));
	struct json_object *taps = json_object_new_array();
	for (size_t i = 0; i < cfg.ntaps; i++)
		json_object_array_add(taps, json_object_new_string(cfg.taps[i]));
	json_object_object_add(o, "taps", taps);
	return o;
}

static struct json_object *build(const struct host *h, const struct target *t)
{
	struct json_object *o = json_object_new_object();
	const struct container *c = &t->c;

	json_object_object_add(o, "id", str_or_null(c->id));
	json_object_object_add(o, "name", str_or_null(c->name));
	json_object_object_add(o, "runtime", json_object_new_string(c->runtime));
	json_object_object_add(o, "kind", json_object_new_string(t->kind));
	json_object_object_add(o, "pid", json_object_new_int(t->pid));
	json_object_object_add(o, "state", str_or_null(c->state));
	if (c->ns[0])
		json_object_object_add(o, "namespace", json_object_new_string(c->ns));
	if (c->pod_name[0]) {
		struct json_object *pod = json_object_new_object();
		json_object_object_add(pod, "namespace", json_object_new_string(c->pod_namespace));
		json_object_object_add(pod, "name", json_object_new_string(c->pod_name));
		json_object_object_add(pod, "container", str_or_null(c->pod_container));
		json_object_object_add(o, "pod", pod);
	} else {
		json_object_object_add(o, "pod", NULL);
	}
	json_object_object_add(o, "bundle", str_or_null(c->bundle));

	struct json_object *cg = json_object_new_object();
	json_object_object_add(cg, "version", json_object_new_int(t->cgroup_version));
	json_object_object_add(cg, "path", json_object_new_string(t->cgroup));
	json_object_object_add(o, "cgroup", cg);

	struct json_object *ns = json_object_new_object();
	for (int i = 0; i < NS_TYPE_MAX; i++)
		if (t->ns[i])
			json_object_object_add(ns, ns_type_name((enum ns_type)i),
					       json_object_new_int64((int64_t)t->ns[i]));
	json_object_object_add(o, "namespaces", ns);
	json_object_object_add(o, "user_ns_map", user_ns_map(h, t->pid));

	struct proc_status st;
	if (proc_read_status(h, t->pid, &st) == 0) {
		struct json_object *caps = json_object_new_object();
		json_object_object_add(caps, "effective", cap_names(st.cap_eff));
		json_object_object_add(caps, "bounding", cap_names(st.cap_bnd));
		json_object_object_add(o, "caps", caps);
		static const char *const modes[] = { "disabled", "strict", "filter" };
		json_object_object_add(o, "seccomp",
				       st.seccomp >= 0 ? json_object_new_string(modes[st.seccomp])
						       : NULL);
		json_object_object_add(o, "no_new_privs",
				       st.no_new_privs >= 0
					       ? json_object_new_boolean(st.no_new_privs)
					       : NULL);
		char ids[64];
		snprintf(ids, sizeof(ids), "%u/%u", st.uid[1], st.gid[1]);
		json_object_object_add(o, "uid_gid", json_object_new_string(ids));
	}
	json_object_object_add(o, "lsm", lsm_label(h, t->pid));
	json_object_object_add(o, "limits", limits(h, t));
	/* How cgstat, top and ls account it (cgv_acct): by its own cgroup,
	 * or by its processes. */
	const char *acct = strcmp(t->kind, "host") != 0 ? cgv_target_accounted_by(t) : NULL;
	if (acct)
		json_object_object_add(o, "accounted_by", json_object_new_string(acct));
	if (strcmp(t->kind, "vm") == 0)
		json_object_object_add(o, "vm", vm_info(h, t->pid));
	return o;
}

/* "cgroup.path: /docker/abc" lines; arrays joined with commas; values
 * escaped (out_escape), keys are nsh's own. */
static void print_text(FILE *f, const char *prefix, struct json_object *o)
{
	json_object_object_foreach(o, key, val)
	{
		char full[128];
		snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (val && json_object_is_type(val, json_type_object)) {
			print_text(f, full, val);
			continue;
		}
		fprintf(f, "%-22s ", full);
		if (!val) {
			fputs("-\n", f);
		} else if (json_object_is_type(val, json_type_array)) {
			size_t n = json_object_array_length(val);
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(val, i);
				const char *s = json_object_is_type(e, json_type_array)
							? json_object_to_json_string_ext(
								  e, JSON_C_TO_STRING_PLAIN)
							: json_object_get_string(e);
				_cleanup_free_ char *es = out_escape_dup(s);
				fprintf(f, "%s%s", i ? "," : "", es ? es : "");
			}
			fputs(n ? "\n" : "-\n", f);
		} else {
			/* Names, labels, paths and commands from the container. */
			_cleanup_free_ char *e = out_escape_dup(json_object_get_string(val));
			fprintf(f, "%s\n", e ? e : "");
		}
	}
}

int cmd_info(struct cmd_ctx *ctx)
{
	struct json_object *o = build(&ctx->g->host, ctx->target);
	if (target_check(ctx->target) < 0) {
		json_object_put(o);
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	}
	if (ctx->out.json)
		out_json(&ctx->out, o);
	else
		print_text(ctx->out.out ? ctx->out.out : stdout, "", o);
	json_object_put(o);
	return EXIT_OK;
}
