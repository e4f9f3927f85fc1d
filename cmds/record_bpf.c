// SPDX-License-Identifier: MIT
/* `nsh record --bpf`: biosnoop's program over the whole host for as long as
 * the recording runs, and kvmexits' for each VM followed that runs under
 * KVM. Each round's block I/O goes into the frame as nsh/bpf/biosnoop
 * (biorec.h): per container charged, named as `biosnoop --all` names it,
 * its I/Os, bytes and latency histogram, and the round's slowest I/Os
 * whole; each VM's exit counters, as they stand, as nsh/bpf/kvmexits/NAME
 * (kvxrec.h). `nsh replay FILE biosnoop` and `kvmexits` read them back.
 * Drained outside the views' capture: they are not a file any view reads. */
#include "record_round.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biorec.h"
#include "cgowners.h"
#include "kvxrec.h"
#include "lib/resolve/runtime/vm.h"

#ifdef NSH_HAVE_BPF
#include "bpf/biosnoop.h"
#include "bpf/kvmexits.h"
#include "bpf/loader.h"

/* A VM followed, under KVM: its counters, kept while it is the same VM. */
struct rec_vm {
	char name[256];
	pid_t pid;
	uint64_t start_time;
	struct kvmexits *k;
	struct vcpu_threads vc;
	bool seen;
};

#define REC_VMS_MAX 16

struct record_bpf {
	struct biosnoop *b;
	struct cg_owners owners;
	struct biorec round;
	uint64_t drops, untracked; /* the program's counters at the last round */
	int err;
	struct rec_vm *vms[REC_VMS_MAX];
	size_t n_vms;
	/* VMs not under KVM, or whose program did not load: not tried again
	 * each round (the test reads the VM's fds, a load is milliseconds). */
	struct {
		pid_t pid;
		uint64_t start_time;
	} passed[REC_VMS_MAX];
	size_t n_passed;
};

static bool passed_over(const struct record_bpf *rb, const struct container *c)
{
	for (size_t i = 0; i < rb->n_passed; i++)
		if (rb->passed[i].pid == c->pid && rb->passed[i].start_time == c->start_time)
			return true;
	return false;
}

static void pass_over(struct record_bpf *rb, const struct container *c)
{
	size_t i = rb->n_passed < REC_VMS_MAX ? rb->n_passed++ : REC_VMS_MAX - 1;
	rb->passed[i].pid = c->pid;
	rb->passed[i].start_time = c->start_time;
}

static int on_event(void *ctx, const struct bio_event *e)
{
	struct record_bpf *rb = ctx;
	const char *name = cg_owners_find(&rb->owners, e->owner == BIO_OWNER_BLKCG, e->blkcg_id,
					  e->cgroup_id, e->pidns_ino);
	/* A CTPID only inside a container's pid namespace, as biosnoop --all
	 * shows it. */
	struct bio_event ev = *e;
	if (ev.pidns_ino == (uint32_t)rb->owners.host_pidns)
		ev.ctpid = 0;
	int r = biorec_add(&rb->round, name, &ev);
	if (r < 0 && !rb->err)
		rb->err = r;
	return 0;
}

int record_bpf_open(struct recorder *rc, char *why, size_t wsize)
{
	struct record_bpf *rb = calloc(1, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	/* Every I/O of the host, the CTPID in each task's own namespace. */
	struct biosnoop_config cfg = { .pidns_level = -1, .mode = BPF_MODE_AUTO };
	struct bpf_load_error err;
	bpf_log_route(NULL, 20);
	int r = biosnoop_open(&cfg, on_event, rb, &rb->b, &err);
	if (r < 0) {
		char buf[512];
		snprintf(why, wsize, "biosnoop did not load: %s",
			 bpf_load_strerror(&err, buf, sizeof(buf)));
		free(rb);
		return r;
	}
	rc->bpf = rb;
	rc->bpf_owners_stale = true;
	return 0;
}

static void vm_close(struct rec_vm *v)
{
	kvmexits_close(v->k);
	free(v);
}

/* Counters for each VM followed now that runs under KVM (a new one's
 * program loaded), none for those gone. A VM whose program does not load
 * is left out: its frames have no counters, which replay says. */
static void follow_vms(struct recorder *rc, struct record_bpf *rb)
{
	for (size_t i = 0; i < rb->n_vms; i++)
		rb->vms[i]->seen = false;
	for (size_t k = 0; k < rc->n_fw; k++) {
		const struct container *c = &rc->fw[k].t.c;
		if (c->kind != KIND_VM || c->pid <= 0 || !c->name[0] || strchr(c->name, '/'))
			continue;
		struct rec_vm *v = NULL;
		for (size_t i = 0; i < rb->n_vms && !v; i++)
			if (rb->vms[i]->pid == c->pid && rb->vms[i]->start_time == c->start_time)
				v = rb->vms[i];
		if (!v && rb->n_vms < REC_VMS_MAX && !passed_over(rb, c)) {
			if (vm_uses_kvm(rc->h, c->pid) != 1 || !(v = calloc(1, sizeof(*v)))) {
				pass_over(rb, c);
				continue;
			}
			snprintf(v->name, sizeof(v->name), "%s", c->name);
			v->pid = c->pid;
			v->start_time = c->start_time;
			struct kvmexits_config cfg = { .tgid = c->pid };
			struct bpf_load_error err;
			int r = vcpu_threads_find(rc->h, c->pid, -1, &v->vc);
			if (r == 0 && v->vc.n) {
				cfg.vcpu_tids = v->vc.tids;
				cfg.n_vcpus = v->vc.n;
				r = kvmexits_open(&cfg, &v->k, &err);
			}
			if (r < 0 || !v->vc.n) {
				free(v);
				pass_over(rb, c);
				continue;
			}
			rb->vms[rb->n_vms++] = v;
		}
		if (v)
			v->seen = true;
	}
	size_t w = 0;
	for (size_t i = 0; i < rb->n_vms; i++) {
		if (rb->vms[i]->seen)
			rb->vms[w++] = rb->vms[i];
		else
			vm_close(rb->vms[i]);
	}
	rb->n_vms = w;
}

static void add_row(void *ctx, const struct kvx_key *k, const struct kvx_stat *st)
{
	kvxrec_add(ctx, k, st); /* a row too many is left out */
}

static int round_vm(struct recorder *rc, struct rec_vm *v)
{
	struct kvxrec x = { .named = v->vc.named,
			    .exit_tp = kvmexits_has(v->k, KVX_SRC_EXIT),
			    .dropped = kvmexits_dropped(v->k),
			    .n_vcpus = v->vc.n };
	memcpy(x.tids, v->vc.tids, sizeof(x.tids));
	int r = kvmexits_read(v->k, add_row, &x);
	char *text = NULL, name[300];
	size_t len;
	if (r == 0)
		r = kvxrec_format(&x, &text, &len);
	snprintf(name, sizeof(name), KVXREC_PREFIX "%s", v->name);
	if (r == 0) {
		r = rec_builder_put(&rc->bld, name, text, len);
		if (r == -EINVAL)
			r = 0; /* a name no frame can hold */
	}
	free(text);
	kvxrec_free(&x);
	return r;
}

int record_bpf_round(struct recorder *rc)
{
	struct record_bpf *rb = rc->bpf;
	if (!rb)
		return 0;
	follow_vms(rc, rb);
	for (size_t i = 0; i < rb->n_vms; i++) {
		int r = round_vm(rc, rb->vms[i]);
		if (r < 0)
			return r;
	}
	/* Owners from the recorder's own list, when it changed. */
	if (rc->bpf_owners_stale && cg_owners_from_list(rc->h, &rc->list, &rb->owners) == 0)
		rc->bpf_owners_stale = false;
	int r = biosnoop_poll(rb->b, 0);
	if (r < 0 && r != -EINTR)
		return r;
	if (rb->err)
		return rb->err;
	uint64_t d = biosnoop_drops(rb->b), u = biosnoop_untracked(rb->b);
	rb->round.drops = d - rb->drops;
	rb->round.untracked = u - rb->untracked;
	rb->drops = d;
	rb->untracked = u;
	char *text = NULL;
	size_t len;
	r = biorec_format(&rb->round, &text, &len);
	if (r == 0)
		r = rec_builder_put(&rc->bld, BIOREC_BLOB, text, len);
	free(text);
	biorec_clear(&rb->round);
	return r;
}

void record_bpf_close(struct recorder *rc)
{
	struct record_bpf *rb = rc->bpf;
	if (!rb)
		return;
	biosnoop_close(rb->b);
	for (size_t i = 0; i < rb->n_vms; i++)
		vm_close(rb->vms[i]);
	cg_owners_free(&rb->owners);
	biorec_free(&rb->round);
	free(rb);
	rc->bpf = NULL;
}
#else
int record_bpf_open(struct recorder *rc, char *why, size_t wsize)
{
	(void)rc;
	snprintf(why, wsize, "built without eBPF support");
	return -EOPNOTSUPP;
}

int record_bpf_round(struct recorder *rc)
{
	(void)rc;
	return 0;
}

void record_bpf_close(struct recorder *rc)
{
	(void)rc;
}
#endif
