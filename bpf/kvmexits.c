// SPDX-License-Identifier: MIT
/* kvmexits' loader: attaches the KVM tracepoints this kernel has (kvm_exit
 * exists but never fires under some hypervisors, e.g. kvm_pvm; the command
 * tells from the counts which source to show), fills the vCPU map with the
 * VM's vCPU threads so the kernel side counts only theirs, and reads the
 * counters. Never prints. */
#include "kvmexits.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/kvmexits.skel.h"
#include "tracepoint.h"

struct kvmexits {
	struct kvmexits_bpf *skel;
	struct bpf_link *links[16];
	size_t n_links;
	bool has[KVX_SRC_COUNT];
};

/* A tracepoint exists when the kernel's BTF has its btf_trace_ type. */
static bool have_tp(const char *name)
{
	return bpf_tp_args(name, NULL) == 0;
}

int kvmexits_open(const struct kvmexits_config *cfg, struct kvmexits **ret,
		  struct bpf_load_error *ret_err)
{
	struct kvmexits *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return -ENOMEM;
	bpf_load_begin();
	k->skel = kvmexits_bpf__open();
	if (!k->skel) {
		r = -errno;
		bpf_load_fail(ret_err, "open", NULL, r);
		free(k);
		return r;
	}
	struct kvmexits_bpf *s = k->skel;
	s->rodata->target_tgid = (uint32_t)cfg->tgid;

	struct {
		struct bpf_program *prog;
		const char *tp;
		int src; /* -1: no source of its own (the end of an exit) */
	} progs[] = {
		{ s->progs.kvm_exit, "kvm_exit", KVX_SRC_EXIT },
		{ s->progs.kvm_userspace_exit, "kvm_userspace_exit", KVX_SRC_USERSPACE },
		{ s->progs.kvm_entry, "kvm_entry", -1 },
		{ s->progs.kvm_run, "sys_enter_ioctl", -1 },
		{ s->progs.kvm_pio, "kvm_pio", KVX_SRC_PIO },
		{ s->progs.kvm_mmio, "kvm_mmio", KVX_SRC_MMIO },
		{ s->progs.kvm_emulate_insn, "kvm_emulate_insn", KVX_SRC_EMULATE },
		{ s->progs.kvm_vcpu_wakeup, "kvm_vcpu_wakeup", KVX_SRC_HALT },
		{ s->progs.kvm_set_irq, "kvm_set_irq", KVX_SRC_IRQ },
	};
	size_t n = sizeof(progs) / sizeof(progs[0]);
	struct bpf_tp_ref ids[sizeof(progs) / sizeof(progs[0])];
	/* sys_enter_ioctl is a syscall event, not a btf_trace_ type: always there. */
	for (size_t i = 0; i < n; i++) {
		bool on = strcmp(progs[i].tp, "sys_enter_ioctl") == 0 || have_tp(progs[i].tp);
		/* Exits only: the exit and its end (entry, the run ioctl). */
		if (cfg->exits_only && progs[i].src != KVX_SRC_EXIT &&
		    progs[i].src != KVX_SRC_USERSPACE && progs[i].src != -1)
			on = false;
		bpf_program__set_autoload(progs[i].prog, on);
		if (on && progs[i].src >= 0)
			k->has[progs[i].src] = true;
	}
	if (!k->has[KVX_SRC_EXIT] && !k->has[KVX_SRC_USERSPACE]) {
		r = -EOPNOTSUPP;
		bpf_load_fail(ret_err, "probe", "kvm_exit", r);
		goto fail;
	}
	/* The tracepoints' ids, for attaching: from tracefs, mounted or not. */
	for (size_t i = 0; i < n; i++)
		ids[i] = (struct bpf_tp_ref){ strcmp(progs[i].tp, "sys_enter_ioctl") == 0
						      ? "syscalls"
						      : "kvm",
					      progs[i].tp, -ENOENT };
	r = bpf_tp_ids(ids, n);
	if (r < 0) {
		bpf_load_fail(ret_err, "tracefs", NULL, r);
		goto fail;
	}
	r = kvmexits_bpf__load(s);
	if (r < 0) {
		bpf_load_fail(ret_err, "load", NULL, r);
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_vcpus && i < KVX_MAX_VCPUS; i++) {
		uint32_t tid = (uint32_t)cfg->vcpu_tids[i], idx = (uint32_t)i;
		if (bpf_map_update_elem(bpf_map__fd(s->maps.vcpus), &tid, &idx, BPF_ANY) < 0) {
			r = -errno;
			bpf_load_fail(ret_err, "vcpu map", NULL, r);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!bpf_program__autoload(progs[i].prog))
			continue;
		k->links[k->n_links] = ids[i].id > 0 ? bpf_tp_attach(progs[i].prog, ids[i].id)
						     : NULL;
		if (ids[i].id <= 0)
			errno = -ids[i].id;
		if (!k->links[k->n_links]) {
			r = -errno;
			bpf_load_fail(ret_err, "attach", progs[i].tp, r);
			goto fail;
		}
		k->n_links++;
	}
	*ret = k;
	return 0;
fail:
	kvmexits_close(k);
	return r < 0 ? r : -EINVAL;
}

bool kvmexits_has(const struct kvmexits *k, enum kvx_source src)
{
	return src < KVX_SRC_COUNT && k->has[src];
}

int kvmexits_read(struct kvmexits *k,
		  void (*fn)(void *ctx, const struct kvx_key *key, const struct kvx_stat *st),
		  void *ctx)
{
	int fd = bpf_map__fd(k->skel->maps.stats);
	struct kvx_key key, next;
	struct kvx_stat st;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &st) == 0)
			fn(ctx, &next, &st);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

uint64_t kvmexits_dropped(const struct kvmexits *k)
{
	return k->skel->bss->dropped;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

void kvmexits_close(struct kvmexits *k)
{
	if (!k)
		return;
	/* Detach before the programs go: the shell lives on after the command.
	 * Closing a classic tracepoint's perf event waits out an RCU grace
	 * period (tracepoint_synchronize_unregister), ~100 ms here: one after
	 * the other, nine of them took a second. Each from its own thread, the
	 * waits overlap. */
	pthread_t th[sizeof(k->links) / sizeof(k->links[0])];
	bool started[sizeof(k->links) / sizeof(k->links[0])] = { false };
	for (size_t i = 0; i < k->n_links; i++)
		started[i] = pthread_create(&th[i], NULL, destroy_link, k->links[i]) == 0;
	for (size_t i = 0; i < k->n_links; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			bpf_link__destroy(k->links[i]);
	}
	kvmexits_bpf__destroy(k->skel);
	free(k);
}
