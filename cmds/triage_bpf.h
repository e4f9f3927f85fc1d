/* SPDX-License-Identifier: MIT */
/* triage's optional eBPF probes (triage_bpf.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tri_run;
struct tri_result;
struct target;

/* io.latency: biosnoop's program counting the target's I/O (t NULL: every
 * I/O of the host) into a histogram. NULL only when out of memory; a probe
 * that could not load is not live, and tri_bio_why says why. */
struct tri_bio;
struct tri_bio *tri_bio_open(struct tri_run *run, const struct target *t);
bool tri_bio_live(const struct tri_bio *tb);
/* Sleep ms, handling the probe's events meanwhile. */
void tri_bio_wait(struct tri_bio *tb, int ms);
bool tri_bio_result(struct tri_run *run, struct tri_bio *tb, struct tri_result *r);
const char *tri_bio_why(const struct tri_bio *tb);
void tri_bio_close(struct tri_bio *tb);

/* vm.exits: kvmexits' counters for the VM tgid's vCPU threads. */
struct tri_kvm;
struct tri_kvm *tri_kvm_open(struct tri_run *run, pid_t tgid, const pid_t *tids, size_t n);
/* Read the counters and start detaching (in a thread): called just before
 * the window ends, so the detach overlaps it. The rate is over the time
 * the counters ran, said in the SOURCE. */
void tri_kvm_settle(struct tri_kvm *tk);
void tri_kvm_result(struct tri_run *run, struct tri_kvm *tk, struct tri_result *r);
void tri_kvm_close(struct tri_kvm *tk);
