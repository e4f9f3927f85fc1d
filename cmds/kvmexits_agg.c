// SPDX-License-Identifier: MIT
/* kvmexits' arithmetic and names (see kvmexits_agg.h). */
#include "kvmexits_agg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

int kvx_agg_add(struct kvx_agg *a, const struct kvx_key *k, const struct kvx_stat *st)
{
	if (k->src >= KVX_SRC_COUNT)
		return 0;
	struct kvx_row *row = NULL;
	for (size_t i = 0; i < a->n && !row; i++)
		if (a->rows[i].src == k->src && a->rows[i].reason == k->reason)
			row = &a->rows[i];
	if (!row) {
		if (a->n == a->cap) {
			size_t ncap = a->cap ? a->cap * 2 : 32;
			struct kvx_row *nr = realloc(a->rows, ncap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			a->rows = nr;
			a->cap = ncap;
		}
		row = &a->rows[a->n++];
		memset(row, 0, sizeof(*row));
		row->src = k->src;
		row->reason = k->reason;
	}
	row->count += st->count;
	row->sum_ns += st->sum_ns;
	for (int i = 0; i < KVX_SLOTS; i++)
		row->slots[i] += st->slots[i];
	a->total[k->src] += st->count;
	if (k->vcpu < KVX_MAX_VCPUS)
		a->vcpu_exits[k->src][k->vcpu] += st->count;
	return 0;
}

static int cmp_row(const void *x, const void *y)
{
	const struct kvx_row *a = x, *b = y;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->reason > b->reason) - (a->reason < b->reason);
}

void kvx_agg_sort(struct kvx_agg *a)
{
	if (a->n)
		qsort(a->rows, a->n, sizeof(*a->rows), cmp_row);
}

void kvx_agg_free(struct kvx_agg *a)
{
	free(a->rows);
	a->rows = NULL;
	a->n = a->cap = 0;
}

enum kvx_source kvx_agg_primary(const struct kvx_agg *a)
{
	return a->total[KVX_SRC_EXIT] ? KVX_SRC_EXIT : KVX_SRC_USERSPACE;
}

uint64_t kvx_slot_low(int slot)
{
	return slot <= 0 ? 0 : 1ull << slot;
}

uint64_t kvx_slot_high(int slot)
{
	return slot >= KVX_SLOTS - 1 ? UINT64_MAX : (1ull << (slot + 1)) - 1;
}

uint64_t kvx_quantile_ns(const uint64_t *slots, double q)
{
	uint64_t total = 0, seen = 0;
	for (int i = 0; i < KVX_SLOTS; i++)
		total += slots[i];
	if (!total)
		return 0;
	/* the smallest slot edge with at least q of the values at or below it */
	uint64_t need = (uint64_t)((double)total * q);
	if ((double)need < (double)total * q)
		need++;
	if (need == 0)
		need = 1;
	for (int i = 0; i < KVX_SLOTS; i++) {
		seen += slots[i];
		if (seen >= need)
			return kvx_slot_high(i);
	}
	return kvx_slot_high(KVX_SLOTS - 1);
}

const char *kvx_source_name(enum kvx_source src)
{
	static const char *const names[KVX_SRC_COUNT] = {
		[KVX_SRC_EXIT] = "exit", [KVX_SRC_USERSPACE] = "userspace", [KVX_SRC_PIO] = "pio",
		[KVX_SRC_MMIO] = "mmio", [KVX_SRC_EMULATE] = "emulate",     [KVX_SRC_HALT] = "halt",
		[KVX_SRC_IRQ] = "irq",
	};
	return src < KVX_SRC_COUNT ? names[src] : "?";
}

/* arch/x86/include/uapi/asm/vmx.h: the basic exit reason (low 16 bits) */
static const char *const vmx_reasons[] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL",
	[4] = "SIPI_SIGNAL",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMOFF",
	[27] = "VMON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",
	[31] = "MSR_READ",
	[32] = "MSR_WRITE",
	[33] = "INVALID_STATE",
	[34] = "MSR_LOAD_FAIL",
	[36] = "MWAIT_INSTRUCTION",
	[37] = "MONITOR_TRAP_FLAG",
	[39] = "MONITOR_INSTRUCTION",
	[40] = "PAUSE_INSTRUCTION",
	[41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
};

/* arch/x86/include/uapi/asm/svm.h, 0x060 onwards */
static const char *const svm_reasons_60[] = {
	"intr",        "nmi",       "smi",        "init",    "vintr",      "cr0_sel_write",
	"idtr_read",   "gdtr_read", "ldtr_read",  "tr_read", "idtr_write", "gdtr_write",
	"ldtr_write",  "tr_write",  "rdtsc",      "rdpmc",   "pushf",      "popf",
	"cpuid",       "rsm",       "iret",       "swint",   "invd",       "pause",
	"hlt",         "invlpg",    "invlpga",    "ioio",    "msr",        "task_switch",
	"ferr_freeze", "shutdown",  "vmrun",      "vmmcall", "vmload",     "vmsave",
	"stgi",        "clgi",      "skinit",     "rdtscp",  "icebp",      "wbinvd",
	"monitor",     "mwait",     "mwait_cond", "xsetbv",  "rdpru",      "efer_write_trap",
};

/* include/uapi/linux/kvm.h KVM_EXIT_* */
static const char *const kvm_exit_names[] = {
	"UNKNOWN",
	"EXCEPTION",
	"IO",
	"HYPERCALL",
	"DEBUG",
	"HLT",
	"MMIO",
	"IRQ_WINDOW_OPEN",
	"SHUTDOWN",
	"FAIL_ENTRY",
	"INTR",
	"SET_TPR",
	"TPR_ACCESS",
	"S390_SIEIC",
	"S390_RESET",
	"DCR",
	"NMI",
	"INTERNAL_ERROR",
	"OSI",
	"PAPR_HCALL",
	"S390_UCONTROL",
	"WATCHDOG",
	"S390_TSCH",
	"EPR",
	"SYSTEM_EVENT",
	"S390_STSI",
	"IOAPIC_EOI",
	"HYPERV",
	"ARM_NISV",
	"X86_RDMSR",
	"X86_WRMSR",
	"DIRTY_RING_FULL",
	"AP_RESET_HOLD",
	"X86_BUS_LOCK",
	"XEN",
	"RISCV_SBI",
	"RISCV_CSR",
	"NOTIFY",
	"LOONGARCH_IOCSR",
	"MEMORY_FAULT",
};

static void svm_name(uint32_t r, char *buf, size_t size)
{
	static const char *const cr_dr[] = { "read_cr", "write_cr", "read_dr", "write_dr" };
	if (r < 0x40)
		snprintf(buf, size, "%s%u", cr_dr[r >> 4], r & 0xf);
	else if (r < 0x60)
		snprintf(buf, size, "excp_%u", r - 0x40);
	else if (r - 0x60 < ARRAY_SIZE(svm_reasons_60))
		snprintf(buf, size, "%s", svm_reasons_60[r - 0x60]);
	else if (r >= 0x90 && r < 0xa0)
		snprintf(buf, size, "cr%u_write_trap", r - 0x90);
	else if (r == 0xa0)
		snprintf(buf, size, "invpcid");
	else if (r == 0x400)
		snprintf(buf, size, "npf");
	else if (r == 0x401)
		snprintf(buf, size, "avic_incomplete_ipi");
	else if (r == 0x402)
		snprintf(buf, size, "avic_unaccelerated_access");
	else if (r == 0x403)
		snprintf(buf, size, "vmgexit");
	else
		snprintf(buf, size, "0x%x", r);
}

void kvx_reason_name(enum kvx_source src, uint32_t reason, enum kvx_arch arch, char *buf,
		     size_t size)
{
	switch (src) {
	case KVX_SRC_EXIT:
		if (arch == KVX_ARCH_SVM) {
			svm_name(reason, buf, size);
		} else {
			uint32_t basic = reason & 0xffff;
			const char *n = basic < ARRAY_SIZE(vmx_reasons) ? vmx_reasons[basic] : NULL;
			if (n)
				snprintf(buf, size, "%s%s", n,
					 reason & 0x80000000u ? " (entry failed)" : "");
			else
				snprintf(buf, size, "%u", reason);
		}
		break;
	case KVX_SRC_USERSPACE:
		if (reason < ARRAY_SIZE(kvm_exit_names))
			snprintf(buf, size, "%s", kvm_exit_names[reason]);
		else
			snprintf(buf, size, "%u", reason);
		break;
	case KVX_SRC_PIO:
		/* kvm_pio's rw is 1 for a write: out */
		snprintf(buf, size, "port 0x%x %s", reason & 0xffff, reason >> 16 ? "out" : "in");
		break;
	case KVX_SRC_MMIO: {
		/* include/trace/events/kvm.h: 0 unsatisfied-read, 1 read, 2 write */
		static const char *const types[] = { "unsatisfied read", "read", "write" };
		uint32_t type = reason >> 28;
		snprintf(buf, size, "page 0x%llx %s",
			 (unsigned long long)(reason & 0x0fffffff) << 12,
			 type < ARRAY_SIZE(types) ? types[type] : "?");
		break;
	}
	case KVX_SRC_EMULATE:
		snprintf(buf, size, "%s", reason ? "failed" : "emulated");
		break;
	case KVX_SRC_HALT:
		snprintf(buf, size, "%s", reason ? "halt (waited)" : "halt (polled)");
		break;
	case KVX_SRC_IRQ:
		snprintf(buf, size, "gsi %u", reason);
		break;
	default:
		snprintf(buf, size, "%u", reason);
	}
}

enum kvx_arch kvx_arch_detect(const char *cpuinfo_path)
{
	_cleanup_free_ char *buf = NULL;
	if (read_file_at(AT_FDCWD, cpuinfo_path ? cpuinfo_path : "/proc/cpuinfo", 4 << 20, &buf,
			 NULL) < 0)
		return KVX_ARCH_VMX;
	/* the first CPU's flags line says */
	const char *f = strstr(buf, "\nflags");
	if (!f)
		return KVX_ARCH_VMX;
	const char *end = strchr(f + 1, '\n');
	size_t n = end ? (size_t)(end - f) : strlen(f);
	if (memmem(f, n, " svm", 4))
		return KVX_ARCH_SVM;
	if (!memmem(f, n, " vmx", 4) && strstr(buf, "AuthenticAMD"))
		return KVX_ARCH_SVM;
	return KVX_ARCH_VMX;
}
