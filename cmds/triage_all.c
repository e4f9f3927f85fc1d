// SPDX-License-Identifier: MIT
/* triage --all, and the ranking under a host triage: every running
 * container and VM judged by its cgroup (tri_row_*), one row each with its
 * worst verdict and the checks that gave it, worst first. The ancestors'
 * limit files most rows share are read once (cg_memo). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"
#include "triage.h"

struct all_row {
	const struct container *c;
	char spec[800]; /* how nsh names it: its name, k8s:NS/POD/CTR for a pod's */
	struct tri_target *tt;
	enum tri_verdict worst;
	unsigned n_crit, n_warn;
	char flagged[256]; /* "cpu.throttled CRIT 100.0%, ..." */
	struct json_object *checks;
};

struct tri_all {
	struct container_list l;
	struct all_row *rows;
	size_t n;
};

void tri_all_free(struct tri_all *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		tri_target_free(a->rows[i].tt);
		json_object_put(a->rows[i].checks);
	}
	free(a->rows);
	container_list_free(&a->l);
	free(a);
}

int tri_all_begin(struct tri_run *run, struct tri_all **ret)
{
	struct tri_all *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	int r = target_list_all(run->h, LIST_NO_STATE, &a->l);
	if (r < 0) {
		free(a);
		return r;
	}
	a->rows = calloc(a->l.n ? a->l.n : 1, sizeof(*a->rows));
	if (!a->rows) {
		tri_all_free(a);
		return -ENOMEM;
	}
	struct cg_memo *memo = NULL;
	for (size_t i = 0; i < a->l.n; i++) {
		const struct container *c = &a->l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		struct all_row *w = &a->rows[a->n];
		w->c = c;
		if (c->pod_name[0])
			snprintf(w->spec, sizeof(w->spec), "k8s:%s/%s/%s", c->pod_namespace,
				 c->pod_name, c->pod_container);
		else
			snprintf(w->spec, sizeof(w->spec), "%s", c->name[0] ? c->name : c->id);
		if (tri_row_begin(run, c, &memo, &w->tt) < 0)
			break;
		a->n++;
	}
	cg_memo_free(memo);
	*ret = a;
	return 0;
}

/* Worst first; then more CRITs, more WARNs; then by name. */
static int cmp_rows(const void *x, const void *y)
{
	const struct all_row *a = x, *b = y;
	if (a->worst != b->worst)
		return a->worst > b->worst ? -1 : 1;
	if (a->n_crit != b->n_crit)
		return a->n_crit > b->n_crit ? -1 : 1;
	if (a->n_warn != b->n_warn)
		return a->n_warn > b->n_warn ? -1 : 1;
	return strcmp(a->spec, b->spec);
}

/* Judge one row into its own run (its NEXT names it). */
static void judge(struct tri_run *run, struct all_row *w, bool json)
{
	struct tri_run sub = { .ctx = run->ctx,
			       .h = run->h,
			       .lim = run->lim,
			       .only = run->only,
			       .window = run->window,
			       .spec = w->spec,
			       .ooms = run->ooms,
			       .ooms_why = run->ooms_why };
	tri_row_end(&sub, w->tt);
	w->worst = TRI_NA;
	size_t len = 0;
	w->checks = json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < sub.n; i++) {
		const struct tri_result *r = &sub.res[i];
		if (r->verdict > w->worst)
			w->worst = r->verdict;
		if (r->verdict < TRI_WARN)
			continue;
		w->n_crit += r->verdict == TRI_CRIT;
		w->n_warn += r->verdict == TRI_WARN;
		if (len < sizeof(w->flagged))
			len += (size_t)snprintf(w->flagged + len, sizeof(w->flagged) - len,
						"%s%s %s %s", len ? ", " : "", r->label,
						tri_verdict_name(r->verdict), r->shown);
		if (w->checks) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(r->label));
			json_object_object_add(o, "verdict",
					       json_object_new_string(
						       tri_verdict_name(r->verdict)));
			json_object_object_add(o, "value",
					       json_object_new_double(round(r->value * 1000) /
								      1000));
			json_object_object_add(o, "next", json_object_new_string(r->next));
			json_object_array_add(w->checks, o);
		}
	}
	free(sub.res);
}

enum { TA_VERDICT, TA_TARGET, TA_RUNTIME, TA_PID, TA_CHECKS, TA_COUNT };
static const struct out_column all_columns[] = {
	[TA_VERDICT] = { "VERDICT", "verdict", OUT_STR, 7, 0, "its worst check" },
	[TA_TARGET] = { "TARGET", "target", OUT_STR, 20, 0, "container or VM as nsh names it" },
	[TA_RUNTIME] = { "RUNTIME", "runtime", OUT_STR, 10, 0, "runtime or hypervisor" },
	[TA_PID] = { "PID", "pid", OUT_INT, 7, OUT_RIGHT, "init host PID" },
	[TA_CHECKS] = { "WARN/CRIT", "checks", OUT_OBJECT, 40, OUT_WRAP,
			"the checks at WARN or CRIT, and their values" },
	{ NULL },
};

int tri_all_print(struct cmd_ctx *ctx, struct tri_run *run, struct tri_all *a,
		  enum tri_verdict *ret_worst, struct json_object **ret_json)
{
	if (tri_wanted(run, TRI_MEM_OOM))
		tri_ooms(run);
	for (size_t i = 0; i < a->n; i++)
		judge(run, &a->rows[i], ret_json != NULL);
	qsort(a->rows, a->n, sizeof(*a->rows), cmp_rows);
	*ret_worst = a->n ? a->rows[0].worst : TRI_NA;
	if (ret_json) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < a->n; i++) {
			struct all_row *w = &a->rows[i];
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "target", json_object_new_string(w->spec));
			json_object_object_add(o, "runtime", json_object_new_string(w->c->runtime));
			json_object_object_add(o, "pid", json_object_new_int(w->c->pid));
			json_object_object_add(o, "verdict",
					       json_object_new_string(tri_verdict_name(w->worst)));
			json_object_object_add(o, "checks", w->checks);
			w->checks = NULL;
			json_object_array_add(arr, o);
		}
		*ret_json = arr;
		return 0;
	}
	struct out_table *tb;
	if (cmd_table_new_cols(ctx, "targets", all_columns, &tb) < 0)
		return -EINVAL;
	for (size_t i = 0; i < a->n; i++) {
		const struct all_row *w = &a->rows[i];
		int row = out_row_add(tb, -1);
		if (row < 0)
			break;
		out_set_str(tb, row, TA_VERDICT, tri_verdict_name(w->worst));
		out_set_str(tb, row, TA_TARGET, w->spec);
		out_set_str(tb, row, TA_RUNTIME, w->c->runtime);
		out_set_int(tb, row, TA_PID, w->c->pid);
		out_set_object(tb, row, TA_CHECKS, NULL, w->flagged[0] ? w->flagged : "-");
	}
	int r = out_table_print(tb);
	out_table_free(tb);
	return r < 0 ? -EIO : 0;
}
