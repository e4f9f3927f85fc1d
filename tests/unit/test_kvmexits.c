// SPDX-License-Identifier: MIT
/* kvmexits' arithmetic on a recorded exit-event sequence: the pairing the
 * kernel side does (exit → entry of the same thread, user-space exit → the
 * next KVM_RUN) replayed here with the same slot function, then merged,
 * ranked and quantiled by the command's code; and the reason names. */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "cmds/kvmexits_agg.h"

enum ev { EV_EXIT, EV_USEREXIT, EV_ENTRY };

struct rec {
	uint64_t ts;
	uint32_t tid;
	enum ev ev;
	uint32_t reason;
};

/* Two vCPU threads, TIDs 100 (vCPU 0) and 101 (vCPU 1), as recorded:
 * vCPU 0: HLT for 3000 ns, IO_INSTRUCTION for 700 ns then to user space
 * (KVM_EXIT_IO) for 5000 ns; vCPU 1 interleaved: IO_INSTRUCTION 1500 ns,
 * 100 ns. An entry without an exit (tracing began mid-exit) is ignored. */
static const struct rec seq[] = {
	{ 1000, 101, EV_ENTRY, 0 },  { 10000, 100, EV_EXIT, 12 }, { 10500, 101, EV_EXIT, 30 },
	{ 12000, 101, EV_ENTRY, 0 }, { 13000, 100, EV_ENTRY, 0 }, { 20000, 100, EV_EXIT, 30 },
	{ 20100, 101, EV_EXIT, 30 }, { 20200, 101, EV_ENTRY, 0 }, { 20700, 100, EV_USEREXIT, 2 },
	{ 25700, 100, EV_ENTRY, 0 },
};

struct pend {
	bool on;
	uint64_t ts;
	uint32_t reason;
	uint8_t src;
};

static void record(struct kvx_agg *a, uint8_t src, uint32_t reason, uint16_t vcpu, uint64_t ns)
{
	struct kvx_key k = { .reason = reason, .vcpu = vcpu, .src = src };
	struct kvx_stat st = { .count = 1, .sum_ns = ns };
	st.slots[kvx_slot(ns)] = 1;
	assert_int_equal(kvx_agg_add(a, &k, &st), 0);
}

static void replay(struct kvx_agg *a)
{
	struct pend p[2] = { 0 };
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const struct rec *r = &seq[i];
		uint16_t v = (uint16_t)(r->tid - 100);
		if (r->ev != EV_EXIT && p[v].on) {
			/* a user-space exit ends the kernel's part of the exit before it */
			record(a, p[v].src, p[v].reason, v, r->ts - p[v].ts);
			p[v].on = false;
		}
		if (r->ev != EV_ENTRY)
			p[v] = (struct pend){ .on = true,
					      .ts = r->ts,
					      .reason = r->reason,
					      .src = r->ev == EV_EXIT ? KVX_SRC_EXIT
								      : KVX_SRC_USERSPACE };
	}
}

static void test_slot(void **state)
{
	(void)state;
	assert_int_equal(kvx_slot(0), 0);
	assert_int_equal(kvx_slot(1), 0);
	assert_int_equal(kvx_slot(2), 1);
	assert_int_equal(kvx_slot(3), 1);
	assert_int_equal(kvx_slot(700), 9); /* 512..1023 */
	assert_int_equal(kvx_slot(1024), 10);
	assert_int_equal(kvx_slot(5000), 12); /* 4096..8191 */
	assert_int_equal(kvx_slot(UINT64_MAX), KVX_SLOTS - 1);
	for (int i = 1; i < KVX_SLOTS - 1; i++) {
		assert_int_equal(kvx_slot(kvx_slot_low(i)), i);
		assert_int_equal(kvx_slot(kvx_slot_high(i)), i);
	}
}

static void test_replay(void **state)
{
	(void)state;
	struct kvx_agg *a = calloc(1, sizeof(*a));
	assert_non_null(a);
	replay(a);
	kvx_agg_sort(a);

	/* exit: IO_INSTRUCTION x3 (700, 1500, 100 ns) before HLT x1 (3000 ns) */
	assert_int_equal(a->n, 3);
	assert_int_equal(a->rows[0].src, KVX_SRC_EXIT);
	assert_int_equal(a->rows[0].reason, 30);
	assert_int_equal(a->rows[0].count, 3);
	assert_int_equal(a->rows[0].sum_ns, 2300);
	assert_int_equal(a->rows[0].slots[6], 1);  /* 100: 64..127 */
	assert_int_equal(a->rows[0].slots[9], 1);  /* 700 */
	assert_int_equal(a->rows[0].slots[10], 1); /* 1500: 1024..2047 */
	assert_int_equal(kvx_quantile_ns(a->rows[0].slots, 0.5), 1023);
	assert_int_equal(kvx_quantile_ns(a->rows[0].slots, 0.99), 2047);
	assert_int_equal(kvx_quantile_ns(a->rows[0].slots, 0.01), 127);
	assert_int_equal(a->rows[1].reason, 12);
	assert_int_equal(a->rows[1].sum_ns, 3000);
	/* userspace: KVM_EXIT_IO for 5000 ns */
	assert_int_equal(a->rows[2].src, KVX_SRC_USERSPACE);
	assert_int_equal(a->rows[2].reason, 2);
	assert_int_equal(a->rows[2].sum_ns, 5000);
	assert_int_equal(kvx_quantile_ns(a->rows[2].slots, 0.5), 8191);

	/* per vCPU: 2 exits each; kvm_exit fired, so it is the headline */
	assert_int_equal(a->vcpu_exits[KVX_SRC_EXIT][0], 2);
	assert_int_equal(a->vcpu_exits[KVX_SRC_EXIT][1], 2);
	assert_int_equal(a->total[KVX_SRC_EXIT], 4);
	assert_int_equal(kvx_agg_primary(a), KVX_SRC_EXIT);
	kvx_agg_free(a);
	free(a);

	uint64_t empty[KVX_SLOTS] = { 0 };
	assert_int_equal(kvx_quantile_ns(empty, 0.5), 0);
}

static void test_names(void **state)
{
	(void)state;
	char b[64];
	kvx_reason_name(KVX_SRC_EXIT, 30, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "IO_INSTRUCTION");
	kvx_reason_name(KVX_SRC_EXIT, 0x80000021, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "INVALID_STATE (entry failed)");
	kvx_reason_name(KVX_SRC_EXIT, 0x7b, KVX_ARCH_SVM, b, sizeof(b));
	assert_string_equal(b, "ioio");
	kvx_reason_name(KVX_SRC_EXIT, 0x78, KVX_ARCH_SVM, b, sizeof(b));
	assert_string_equal(b, "hlt");
	kvx_reason_name(KVX_SRC_EXIT, 0x400, KVX_ARCH_SVM, b, sizeof(b));
	assert_string_equal(b, "npf");
	kvx_reason_name(KVX_SRC_EXIT, 0x13, KVX_ARCH_SVM, b, sizeof(b));
	assert_string_equal(b, "write_cr3");
	kvx_reason_name(KVX_SRC_USERSPACE, 2, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "IO");
	kvx_reason_name(KVX_SRC_USERSPACE, 6, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "MMIO");
	kvx_reason_name(KVX_SRC_PIO, 0x10000 | 0x80, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "port 0x80 out");
	kvx_reason_name(KVX_SRC_PIO, 0x3f8, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "port 0x3f8 in");
	kvx_reason_name(KVX_SRC_MMIO, (2u << 28) | 0xfee00, KVX_ARCH_VMX, b, sizeof(b));
	assert_string_equal(b, "page 0xfee00000 write");
}

static void test_arch(void **state)
{
	(void)state;
	char path[] = "/tmp/nsh-test-cpuinfo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char amd[] = "vendor_id\t: AuthenticAMD\nflags\t\t: fpu vme svm lm\n\n";
	assert_int_equal(write(fd, amd, sizeof(amd) - 1), (ssize_t)(sizeof(amd) - 1));
	close(fd);
	assert_int_equal(kvx_arch_detect(path), KVX_ARCH_SVM);
	fd = open(path, O_WRONLY | O_TRUNC);
	const char intel[] = "vendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx lm\n\n";
	assert_int_equal(write(fd, intel, sizeof(intel) - 1), (ssize_t)(sizeof(intel) - 1));
	close(fd);
	assert_int_equal(kvx_arch_detect(path), KVX_ARCH_VMX);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_arch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
