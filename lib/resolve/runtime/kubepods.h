/* SPDX-License-Identifier: MIT */
/* The kubelet's cgroup layouts. A Kubernetes container's cgroup names its
 * QoS class, its pod's UID and its container ID, whatever the runtime:
 *
 *   cgroupfs driver:  /kubepods/<qos>/pod<uid>/<id>           (burstable, besteffort)
 *                     /kubepods/pod<uid>/<id>                 (guaranteed)
 *   systemd driver:   /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<scope>
 *                     /kubepods.slice/kubepods-pod<uid_>.slice/<scope>
 *
 * where <scope> is cri-containerd-<id>.scope, crio-<id>.scope or
 * docker-<id>.scope, <uid_> is the UID with '-' written '_', and under
 * cgroupfs CRI-O's containers are crio-<id>. CRI-O's conmon cgroups
 * (crio-conmon-<id>) hold no container and are not recognised. A prefix
 * before the kubepods component (a --cgroup-root, a node-in-a-container) is
 * allowed; anything after the container component is not. */
#pragma once

#include <limits.h>
#include <stddef.h>

#include "lib/base/host.h"

enum kubepods_qos {
	KUBEPODS_GUARANTEED,
	KUBEPODS_BURSTABLE,
	KUBEPODS_BESTEFFORT,
};

enum kubepods_driver {
	KUBEPODS_CGROUPFS,
	KUBEPODS_SYSTEMD,
};

/* Which runtime the cgroup name says created the container. The cgroupfs
 * driver names containerd's (and cri-dockerd's) containers by bare ID. */
enum kubepods_runtime {
	KUBEPODS_RT_UNKNOWN,
	KUBEPODS_RT_CONTAINERD,
	KUBEPODS_RT_CRIO,
	KUBEPODS_RT_DOCKER,
};

struct kubepods_ref {
	enum kubepods_qos qos;
	enum kubepods_driver driver;
	enum kubepods_runtime runtime;
	char pod_uid[64]; /* as the API writes it, with '-' */
	char id[129];     /* passed valid_id() */
};

/* Parse a cgroup path (as in /proc/PID/cgroup, or relative to a hierarchy's
 * mount point) naming one Kubernetes container. 0 and *ret filled on
 * success; -EINVAL when the path is not a container cgroup of a known
 * layout or carries an invalid UID or ID. */
int kubepods_parse_path(const char *path, struct kubepods_ref *ret);

/* One container cgroup found by kubepods_walk. */
struct kubepods_cgroup {
	struct kubepods_ref ref;
	char path[PATH_MAX]; /* cgroup path: "/kubepods/besteffort/pod<uid>/<id>" */
	char dir[PATH_MAX];  /* its directory on the host, not prefixed with the host root:
			      * "/sys/fs/cgroup/pids/kubepods/besteffort/pod<uid>/<id>" */
};

struct kubepods_list {
	struct kubepods_cgroup *items;
	size_t n, cap;
};

/* Every container cgroup under the host's kubepods hierarchy: on cgroup v2
 * /sys/fs/cgroup/kubepods{,.slice}; on v1 (or hybrid) the first hierarchy
 * of cgroup_v1_hierarchies (cgroup.h) that has one.
 * Bounded in depth and entries. No kubepods hierarchy: 0 and an empty list. */
int kubepods_walk(const struct host *h, struct kubepods_list *out);
/* Between hold and release (nestable), kubepods_walk walks once and hands
 * each caller a copy: one container listing asks for it once per adapter. */
void kubepods_hold(const struct host *h);
void kubepods_release(void);
void kubepods_list_free(struct kubepods_list *l);
