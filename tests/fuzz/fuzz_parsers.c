// SPDX-License-Identifier: MIT
/* libFuzzer target over every parser that reads container-controlled or
 * runtime-written text (selector 0: every /proc file of a task the sampler
 * reads, and meminfo), and the shell's line tokenizer (selector 8, which
 * also checks what it returns): the first byte picks the parser, the rest is its
 * input (NUL-terminated copy, as the readers hand them over). Selector 9
 * runs every cgroup accounting parser (lib/cgroup/cgacct.h) on it; the text after
 * the first NUL, if any, is blkio's second file and a key to look up.
 * Selector 10 parses /proc/stat text (lib/proc/cpustat.h) and, when the text
 * after the first NUL parses too, runs the rate math between the two.
 * Selector 11 parses a hypervisor's command line (NUL-separated words, as
 * /proc/PID/cmdline; lib/resolve/runtime/vm.h) as each hypervisor, and the same text
 * as a cgroup path (libvirt scopes) and a thread name. Selector 12 parses a
 * user namespace's uid_map/gid_map (lib/enter/userns.h) and checks that every id
 * it maps goes there and back. Selector 13 reads the text as triage's
 * thresholds (triage.conf, --set, --only: lib/triage/triage.h) and as
 * /proc/diskstats (lib/proc/diskstats.h) and a kernel log record
 * (lib/proc/kmsg_oom.h), and checks what they keep. Selector 14 feeds
 * lib/net's parsers: the bytes as rtnetlink link and address messages, the
 * text as /proc/PID/net/dev, snmp, tcp and stat/nf_conntrack. Selector 15
 * reads the bytes as an `nsh record` file (lib/record/recfile.h) and loads
 * every frame forwards and backwards; the same again with every CRC made
 * right (so that mutations reach the payloads), and bytes that are not a
 * recording as raw payloads joined by "NSHP", each deflated into a frame
 * (so that they reach the entry parser). Selector 16 reads the text as a
 * recording's container list (nsh/targets.json) and checks that what it
 * accepts round-trips. Selector 17 reads it as a recording's block I/O
 * (nsh/bpf/biosnoop, cmds/biorec.h): what it accepts writes back and reads
 * again to the same sums. Selector 18 reads it as a VM's recorded exit
 * counters (nsh/bpf/kvmexits/NAME, cmds/kvxrec.h) and takes the difference
 * against itself (nothing) and against nothing (all). Selector 19 reads the
 * bytes as the guest channel's stream (lib/guest/chan.h) fed in uneven
 * pieces: every frame it yields is within bounds, a RUN payload splits into
 * arguments that pack back to the same bytes; and the text as a qemu
 * command line for the channel's socket (chan_find.h). Selectors 20-28 run
 * the runtime adapters on their state files in a host tree on disk, and 29
 * the OCI seccomp translation (fuzz_runtime.c). Run by scripts/test.sh for a
 * bounded time; crashes and sanitizer reports fail. tests/fuzz/parsers.txt
 * names each selector. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmds/biorec.h"
#include "cmds/kvxrec.h"
#include "lib/cgroup/cgacct.h"
#include "lib/cgroup/cgroup.h"
#include "lib/proc/cpustat.h"
#include "lib/proc/diskstats.h"
#include "lib/proc/kmsg_oom.h"
#include "lib/net/link.h"
#include "lib/net/netstat.h"
#include "lib/triage/triage.h"
#include "lib/base/json_pick.h"
#include "lib/base/json_util.h"
#include "lib/resolve/ns.h"
#include "lib/enter/passwd.h"
#include "lib/guest/chan.h"
#include "lib/guest/chan_find.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/kubepods.h"
#include "lib/resolve/runtime/runtime.h"
#include "lib/enter/userns.h"
#include "lib/resolve/runtime/vm.h"
#include "lib/proc/sample.h"
#include "lib/record/recfile.h"
#include "lib/record/recfile_internal.h"
#include "shell/shell_lex.h"
#include "lib/resolve/target.h"
#include "tests/fuzz/fuzz_runtime.h"

/* Selectors in all: fuzz_parsers.c's 0-19, then fuzz_runtime.c's. */
#define NSEL (FUZZ_RT_FIRST + FUZZ_RT_COUNT)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Raw text (host command, pipeline) as shell_lex returns it: not empty, no
 * longer than the line, trimmed except for an escaped trailing blank. */
static void shell_raw_check(const char *t, size_t len)
{
	size_t n = strlen(t);
	if (n == 0 || n > len || blank(t[0]) || (blank(t[n - 1]) && (n < 2 || t[n - 2] != '\\')))
		abort();
}

/* What shell_lex promises about a line it accepted from len bytes. */
static void shell_line_check(const struct shell_line *l, size_t len)
{
	size_t words = 0;
	if (l->n > 0 && !l->cmds)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct shell_cmd *c = &l->cmds[i];
		if (c->kind == SHELL_CMD_WORDS) {
			if (c->host || !c->words || c->n_words == 0 || c->words[c->n_words])
				abort();
			for (size_t j = 0; j < c->n_words; j++)
				if (!c->words[j] || strlen(c->words[j]) > len)
					abort();
			if (c->pipeline)
				shell_raw_check(c->pipeline, len);
			words += c->n_words;
		} else if (c->kind == SHELL_CMD_HOST) {
			if (c->words || c->n_words || c->pipeline || !c->host)
				abort();
			shell_raw_check(c->host, len);
		} else {
			abort();
		}
	}
	if (words > SHELL_LEX_WORDS_MAX)
		abort();
}

static void psi_check(const struct cg_psi *p)
{
	const struct cg_psi_line *l[] = { &p->some, &p->full };
	for (size_t i = 0; i < 2; i++)
		if (!(l[i]->avg10 >= 0 && l[i]->avg60 >= 0 && l[i]->avg300 >= 0))
			abort();
}

/* Every lib/cgroup/cgacct.h parser on s (len bytes, NUL-terminated); the part
 * after the first NUL is the second input. What they return must hold. */
static void cgacct_parsers(const char *s, size_t len)
{
	size_t first = strlen(s);
	const char *second = first + 1 < len ? s + first + 1 : NULL;
	uint64_t v, q, p;
	unsigned n;
	if (cg_parse_limit(s, &v) == 0 && v >= (UINT64_C(1) << 62) && v != CG_NONE)
		abort();
	if (cg_parse_cpu_max(s, &q, &p) == 0 && (p == 0 || q == 0))
		abort();
	static const char *const keys[] = { "usage_usec", "oom", "oom_kill", "total_rss", "user" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cg_parse_keyed(s, keys[i], &v);
	if (second && strlen(second) < 64)
		cg_parse_keyed(s, second, &v);
	if (cg_parse_cpulist(s, &n) == 0 && n > (1u << 20) + 1)
		abort();

	struct cg_io_dev io[CG_IO_MAX];
	size_t nio = SIZE_MAX;
	if (cg_parse_io_stat(s, io, CG_IO_MAX, &nio) == 0 && nio > CG_IO_MAX)
		abort();
	if (cg_parse_io_stat(s, io, 1, &nio) == 0 && nio > 1)
		abort();
	if (cg_parse_blkio(s, second, io, CG_IO_MAX, &nio) == 0 && nio > CG_IO_MAX)
		abort();
	if (cg_parse_blkio(NULL, s, io, 2, &nio) == 0) {
		if (nio > 2)
			abort();
		for (size_t i = 0; i < nio; i++)
			if (!memchr(io[i].name, '\0', sizeof(io[i].name)))
				abort();
	}

	struct cg_psi psi;
	if (cg_parse_psi(s, &psi) == 0)
		psi_check(&psi);
}

/* What cpustat_parse promises about a snapshot it accepted. */
static void cpustat_check(const struct cpustat *s)
{
	unsigned online = 0;
	if (s->n_cpus > CPUSTAT_MAX_CPUS || (s->n_cpus && !s->cpu))
		abort();
	for (unsigned i = 0; i < s->n_cpus; i++) {
		const struct cpustat_ticks *t = &s->cpu[i].t;
		online += s->cpu[i].online;
		if (t->user > CPUSTAT_TICKS_MAX || t->idle > CPUSTAT_TICKS_MAX ||
		    t->guest_nice > CPUSTAT_TICKS_MAX)
			abort();
	}
	if (online != s->n_online || (s->n_cpus && !s->cpu[s->n_cpus - 1].online))
		abort();
}

static void pct_check(const struct cpustat_pct *p)
{
	const double v[] = { p->usr,  p->nice,  p->sys,   p->iowait, p->irq,
			     p->soft, p->steal, p->guest, p->gnice,  p->idle };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!(v[i] >= 0 && v[i] <= 100))
			abort();
}

/* /proc/stat text, and the rates between it and the text after its first
 * NUL; sysstat's carry-over of offline CPUs too. */
static void cpustat_parsers(const char *s, size_t len)
{
	size_t first = strlen(s);
	struct cpustat a, b;
	struct cpustat_pct p;
	if (cpustat_parse(s, &a) < 0)
		return;
	cpustat_check(&a);
	cpustat_all_pct(NULL, &a, &p);
	pct_check(&p);
	if (first + 1 < len && cpustat_parse(s + first + 1, &b) == 0) {
		cpustat_check(&b);
		for (unsigned i = 0; i < a.n_cpus + 1 && i < 64; i++)
			if (cpustat_cpu_pct(&a, &b, i, &p))
				pct_check(&p);
		cpustat_all_pct(&a, &b, &p);
		pct_check(&p);
		if (cpustat_carry(&a, &b) == 0) {
			cpustat_all_pct(&a, &b, &p);
			pct_check(&p);
		}
		cpustat_free(&b);
	}
	cpustat_free(&a);
}

/* What rec_load promises of a snapshot: sorted, valid names, bounded. */
static uint32_t rec_snapshot_check(const struct rec_snapshot *s)
{
	uLong c = crc32(0L, Z_NULL, 0);
	if (s->n > REC_BLOBS_MAX)
		abort();
	for (size_t i = 0; i < s->n; i++) {
		const struct rec_blob *b = &s->v[i];
		size_t nlen = strlen(b->name);
		if (!rec_name_valid(b->name, nlen) || b->len > REC_BLOB_MAX || b->data[b->len] ||
		    (i && strcmp(s->v[i - 1].name, b->name) >= 0))
			abort();
		c = crc32(c, (const unsigned char *)b->name, (uInt)nlen + 1);
		c = crc32(c, b->data, b->len);
	}
	return (uint32_t)c;
}

/* Open a recording, load every frame forwards, then backwards from the
 * caches: both must give the same snapshots. */
static void rec_check(const unsigned char *buf, size_t len)
{
	struct rec_reader *r = NULL;
	char why[256];
	if (rec_open_mem(buf, len, &r, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		return;
	}
	const char *const *notes;
	size_t nn = rec_notes(r, &notes);
	for (size_t i = 0; i < nn; i++)
		if (!notes[i] || !notes[i][0] || strchr(notes[i], '\n'))
			abort();
	size_t n = rec_frames(r);
	static uint32_t sum[8192];
	static bool ok[8192];
	for (size_t k = 0; k < 2 * n && n <= 8192; k++) {
		size_t i = k < n ? k : 2 * n - 1 - k;
		struct rec_snapshot s;
		why[0] = '\0';
		if (rec_load(r, i, &s, why, sizeof(why)) < 0) {
			if (!why[0] || s.n || (k >= n && ok[i]))
				abort();
			ok[i] = false;
			continue;
		}
		uint32_t c = rec_snapshot_check(&s);
		if (k >= n && c != sum[i])
			abort();
		sum[i] = c;
		ok[i] = true;
		if (s.realtime_ns != rec_frame_time(r, i) || rec_frame_at(r, s.realtime_ns) >= n)
			abort();
		rec_snapshot_free(&s);
	}
	rec_reader_close(r);
}

/* buf as it is, and again with the header's and every frame's CRC made
 * right, following the frames' own lengths. */
static void rec_fix_crcs(unsigned char *buf, size_t len)
{
	if (len < REC_HDR_FIXED)
		return;
	uint32_t jlen = rec_get32(buf + 12);
	if (jlen > len - REC_HDR_FIXED || len - REC_HDR_FIXED - jlen < 4)
		return;
	rec_put32(buf + REC_HDR_FIXED + jlen, (uint32_t)crc32(0L, buf + 8, 8 + jlen));
	size_t pos = REC_HDR_FIXED + jlen + 4;
	while (len - pos >= REC_FRAME_HDR && memcmp(buf + pos, REC_FRAME_SYNC, 4) == 0) {
		uint32_t plen = rec_get32(buf + pos + RF_PLEN);
		if (plen > len - pos - REC_FRAME_HDR)
			break;
		rec_put32(buf + pos + RF_CRC,
			  rec_frame_crc(buf + pos, buf + pos + REC_FRAME_HDR, plen));
		pos += REC_FRAME_HDR + plen;
	}
}

/* A recording whose frames' raw payloads are the pieces of in between
 * "NSHP" markers: the first a KEY frame, the others deltas. */
static void rec_from_payloads(const unsigned char *in, size_t len)
{
	static unsigned char out[1 << 20];
	static const char json[] = "{\"host\":\"fuzz\"}";
	size_t o = REC_HDR_FIXED + sizeof(json) - 1 + 4;
	memcpy(out, REC_MAGIC, REC_MAGIC_LEN);
	rec_put32(out + 8, REC_VERSION);
	rec_put32(out + 12, sizeof(json) - 1);
	memcpy(out + REC_HDR_FIXED, json, sizeof(json) - 1);
	rec_put32(out + o - 4, (uint32_t)crc32(0L, out + 8, 8 + sizeof(json) - 1));
	for (size_t i = 0, at = 0; at <= len; i++) {
		const unsigned char *m = memmem(in + at, len - at, "NSHP", 4);
		size_t plen = m ? (size_t)(m - in) - at : len - at;
		uLongf zlen = compressBound(plen);
		if (o + REC_FRAME_HDR + zlen > sizeof(out))
			break;
		unsigned char *f = out + o;
		if (compress2(f + REC_FRAME_HDR, &zlen, in + at, plen, 9) != Z_OK)
			break;
		memcpy(f, REC_FRAME_SYNC, 4);
		rec_put32(f + RF_PLEN, (uint32_t)zlen);
		rec_put32(f + RF_RLEN, (uint32_t)plen);
		memset(f + RF_FLAGS, 0, 4);
		f[RF_FLAGS] = i == 0 ? REC_FLAG_KEY : 0;
		rec_put64(f + RF_REALTIME, i * 1000000000ull);
		rec_put64(f + RF_MONOTONIC, i * 1000000000ull);
		rec_put32(f + RF_CRC, rec_frame_crc(f, f + REC_FRAME_HDR, (uint32_t)zlen));
		o += REC_FRAME_HDR + zlen;
		at += plen + 4;
	}
	rec_check(out, o);
}

static void rec_fuzz(const uint8_t *in, size_t len)
{
	rec_check(in, len);
	if (len >= REC_MAGIC_LEN && memcmp(in, REC_MAGIC, REC_MAGIC_LEN) == 0) {
		unsigned char *copy = malloc(len);
		if (!copy)
			return;
		memcpy(copy, in, len);
		rec_fix_crcs(copy, len);
		rec_check(copy, len);
		free(copy);
	} else {
		rec_from_payloads(in, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	/* -DFUZZ_SELECTOR=N (run.sh's FUZZ_SELECTOR): one parser only, its
	 * seeds' first byte still skipped. */
#ifdef FUZZ_SELECTOR
	unsigned sel = FUZZ_SELECTOR;
#else
	unsigned sel = data[0] % NSEL;
#endif
	switch (sel) {
	case 0: {
		/* Every file of a task the sampler reads, and meminfo. */
		struct proc_stat st;
		proc_stat_parse(s, &st);
		struct sample_status ss;
		sample_parse_status(s, 1, &ss);
		uint64_t a, b, c;
		sample_parse_schedstat(s, &a, &b);
		sample_parse_io(s, &a, &b, &c);
		proc_meminfo_parse_total(s, &a);
		break;
	}
	case 1: {
		struct proc_status st;
		proc_status_parse(s, &st);
		break;
	}
	case 2: {
		struct cgroup_paths *p = malloc(sizeof(*p));
		if (p && cgroup_parse_proc(s, p) == 0)
			cgroup_primary(p, 1, NULL);
		free(p);
		break;
	}
	case 3: {
		struct passwd_map m;
		if (passwd_parse(s, &m) == 0) {
			passwd_lookup(&m, 0);
			passwd_lookup_name(&m, "root");
			passwd_map_free(&m);
		}
		break;
	}
	case 4: {
		static const char *const picks[] = { "id", "init_process_pid", "config.labels",
						     "a.b" };
		struct json_object *o = NULL;
		if (json_pick(s, strlen(s), picks, 4, &o) == 0)
			json_object_put(o);
		o = NULL;
		if (json_parse_buf(s, strlen(s), &o) == 0) {
			struct container c;
			memset(&c, 0, sizeof(c));
			container_set_pod_from_annotations(&c, o);
			int64_t v;
			json_get_i64(o, "State.Pid", &v);
			json_object_put(o);
		}
		break;
	}
	case 5: {
		struct target_spec sp;
		target_spec_parse(s, &sp);
		break;
	}
	case 6: {
		struct kubepods_ref ref;
		kubepods_parse_path(s, &ref);
		break;
	}
	case 7: {
		uint64_t ino;
		ns_parse_link(s, "pid", &ino);
		break;
	}
	case 8: {
		struct shell_line l;
		const char *err = NULL;
		size_t pos = SIZE_MAX, len = strlen(s);
		int r = shell_lex(s, &l, &err, &pos);
		if (r == 0) {
			shell_line_check(&l, len);
			shell_line_free(&l);
			break;
		}
		/* Refused: an empty result, and a message pointing into the line. */
		if (l.cmds || l.n || (r != -EINVAL && r != -ENOMEM))
			abort();
		if (r == -EINVAL && (!err || !err[0] || pos >= len))
			abort();
		break;
	}
	case 9:
		cgacct_parsers(s, size - 1);
		break;
	case 10:
		cpustat_parsers(s, size - 1);
		break;
	case 11: {
		static const char *const comms[] = { "qemu-system-x86", "firecracker",
						     "cloud-hyperviso", "crosvm" };
		struct vm_config cfg;
		char out[256];
		int vcpu;
		for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
			vm_cmdline_parse(s, size - 1, comms[i], &cfg);
			vm_thread_label((enum vm_hypervisor)(i + 1), s, false, &vcpu);
		}
		vm_name_from_scope(s, out, sizeof(out));
		vm_qemu_opt(s, NULL, out, sizeof(out));
		vm_qemu_opt(s, "guest", out, sizeof(out));
		break;
	}
	case 12: {
		static struct id_map m;
		if (id_map_parse(s, size - 1, &m) < 0)
			break;
		if (m.n > ID_MAP_MAX_EXTENTS)
			abort();
		for (size_t i = 0; i < m.n; i++) {
			uint32_t in, out;
			/* The first and last id of each line map both ways. */
			if (id_map_to_inside(&m, m.e[i].lower, &in) < 0 ||
			    id_map_to_outside(&m, in, &out) < 0)
				abort();
			if (id_map_to_inside(&m, m.e[i].lower + (m.e[i].count - 1), &in) < 0)
				abort();
		}
		break;
	}
	case 13: {
		struct tri_limits l;
		char why[160];
		uint32_t mask;
		tri_limits_default(&l);
		/* A level kept is a number of 0 and up, or none (NAN). */
		if (tri_limits_conf(&l, s, why, sizeof(why)) == 0 ||
		    tri_limits_set(&l, s, why, sizeof(why)) == 0)
			for (int i = 0; i < TRI_CHECK_COUNT; i++)
				if (l.warn[i] < 0 || l.crit[i] < 0)
					abort();
		if (tri_only_parse(s, &mask, why, sizeof(why)) == 0 &&
		    (mask == 0 || mask >> TRI_CHECK_COUNT))
			abort();
		char memcg[512];
		uint64_t usec;
		if (kmsg_oom_parse(s, size - 1, memcg, sizeof(memcg), &usec) == 1 &&
		    (memcg[0] != '/' || strlen(memcg) >= sizeof(memcg)))
			abort();
		static struct disk_stat d[64];
		size_t n = 0;
		if (diskstats_parse(s, d, 64, &n) == 0)
			for (size_t i = 0; i < n; i++)
				if (d[i].major > 0xfff || !d[i].name[0] || strlen(d[i].name) >= 32)
					abort();
		break;
	}
	case 14: {
		/* The raw bytes after the selector as one netlink message, aligned. */
		static unsigned char msg[65536];
		size_t n = size - 1 < sizeof(msg) ? size - 1 : sizeof(msg);
		memcpy(msg, data + 1, n);
		struct net_link l;
		if (net_link_parse(msg, n, &l) == 1 &&
		    (!l.name[0] || strlen(l.name) >= NET_IFNAME_MAX || l.ifindex <= 0))
			abort();
		static struct net_link one[1];
		struct net_links ls = { one, 1, 1 };
		one[0] = (struct net_link){ .ifindex = 1, .name = "x" };
		net_addr_parse(msg, n, &ls);
		if (one[0].n_addrs > NET_ADDRS_MAX)
			abort();
		static struct net_dev d[32];
		size_t nd;
		net_dev_parse(s, d, 32, &nd);
		uint64_t v, c[NET_TCP_STATES] = { 0 };
		net_snmp_get(s, "Tcp", "RetransSegs", &v);
		net_tcp_states(s, c);
		net_conntrack_entries(s, &v);
		break;
	}
	case 15:
		rec_fuzz(data + 1, size - 1);
		break;
	case 16: {
		/* A recording's container list (nsh/targets.json): what it
		 * accepts writes back and reads again the same. */
		struct container_list l = { 0 }, back = { 0 };
		if (container_list_from_json(s, size - 1, &l) < 0)
			break;
		char *json;
		size_t len;
		if (container_list_to_json(&l, &json, &len) < 0)
			abort();
		if (container_list_from_json(json, len, &back) < 0 || back.n != l.n ||
		    (l.n && memcmp(back.items, l.items, l.n * sizeof(*l.items)) != 0))
			abort();
		free(json);
		container_list_free(&back);
		container_list_free(&l);
		break;
	}
	case 17: {
		/* A recording's block I/O: parsed twice sums twice; what it
		 * accepts writes back and reads again the same. */
		struct biorec r = { 0 }, back = { 0 };
		if (biorec_parse(s, size - 1, &r) < 0) {
			biorec_free(&r);
			break;
		}
		char *text;
		size_t len;
		if (biorec_format(&r, &text, &len) < 0)
			abort();
		if (biorec_parse(text, len, &back) < 0 || back.n_owners != r.n_owners ||
		    back.n_slowest != r.n_slowest || back.drops != r.drops)
			abort();
		for (size_t i = 0; i < r.n_owners; i++)
			if (back.owners[i].count != r.owners[i].count ||
			    back.owners[i].hist.count != r.owners[i].hist.count ||
			    strcmp(back.owners[i].name, r.owners[i].name) != 0)
				abort();
		free(text);
		biorec_free(&back);
		biorec_free(&r);
		break;
	}
	case 18: {
		/* A VM's recorded exit counters: against itself nothing is
		 * counted; against nothing, every row's count. */
		struct kvxrec r = { 0 };
		if (kvxrec_parse(s, size - 1, &r) < 0)
			break;
		static struct kvx_agg same, all;
		memset(&same, 0, sizeof(same));
		memset(&all, 0, sizeof(all));
		if (kvxrec_diff(&r, &r, &same) == 0 && same.n != 0)
			abort();
		uint64_t want = 0;
		for (size_t i = 0; i < r.n; i++)
			if (r.rows[i].key.src < KVX_SRC_COUNT)
				want += r.rows[i].st.count;
		uint64_t got = 0;
		if (kvxrec_diff(NULL, &r, &all) == 0) {
			for (int k = 0; k < KVX_SRC_COUNT; k++)
				got += all.total[k];
			if (got != want)
				abort();
		}
		kvx_agg_free(&same);
		kvx_agg_free(&all);
		kvxrec_free(&r);
		break;
	}
	case 19: {
		/* The guest channel: frames from a stream in uneven pieces. */
		static struct gch_reader rd;
		memset(&rd, 0, sizeof(rd));
		size_t off = 0, step = 1;
		while (off < size - 1) {
			size_t n = step < size - 1 - off ? step : size - 1 - off;
			off += gch_reader_feed(&rd, data + 1 + off, n);
			step = step * 3 % 17 + 1;
			struct gch_header h;
			const uint8_t *p;
			int r;
			while ((r = gch_reader_next(&rd, &h, &p)) == 1) {
				if (h.len > GCH_MAX_PAYLOAD || h.type == 0 || h.type > GCH_TYPE_MAX)
					abort();
				if (h.type != GCH_RUN)
					continue;
				static uint8_t copy[GCH_MAX_PAYLOAD], back[GCH_MAX_PAYLOAD];
				char *argv[GCH_MAX_ARGS + 1];
				int argc;
				memcpy(copy, p, h.len);
				if (gch_run_unpack(copy, h.len, argv, &argc) < 0)
					continue;
				if (argc < 1 || argc > GCH_MAX_ARGS || argv[argc])
					abort();
				int n2 = gch_run_pack(argc, argv, back, sizeof(back));
				if (n2 != (int)h.len || memcmp(back, p, h.len) != 0)
					abort();
			}
			if (r < 0)
				break;
		}
		char path[108];
		if (gch_qemu_socket(s, size - 1, path, sizeof(path)) == 0 &&
		    (path[0] != '/' || strnlen(path, sizeof(path)) == sizeof(path)))
			abort();
		break;
	}
	default:
		fuzz_runtime(sel, data + 1, size - 1, s);
		break;
	}
	free(s);
	return 0;
}
