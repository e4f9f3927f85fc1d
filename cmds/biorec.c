// SPDX-License-Identifier: MIT
/* The nsh/bpf/biosnoop blob (biorec.h). Its lines:
 *   nsh-biosnoop 1
 *   lost DROPS UNTRACKED
 *   owner NAME COUNT RD_IOS WR_IOS RD_BYTES WR_BYTES MAX_NS
 *   log2 NAME SLOT:N ...        (lathist's log2 slots, the non-empty ones)
 *   fine NAME SLOT:N ...        (its fine slots)
 *   io NAME TS LAT QUE SECTOR BYTES DEV OP FLAGS OWNER PID CTPID PIDNS COMM
 * NAME is "-" for the host, and NAME and COMM have every byte outside
 * '!'..'~' and '%' written %XX. */
#include "biorec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/textbuf.h"
#include "lib/base/util.h"

static struct biorec_owner *owner_of(struct biorec *r, const char *name)
{
	if (!name)
		name = "";
	for (size_t i = 0; i < r->n_owners; i++)
		if (strcmp(r->owners[i].name, name) == 0)
			return &r->owners[i];
	/* Past BIOREC_OWNERS, the last one takes the rest: bounded whatever
	 * a host runs. */
	if (r->n_owners >= BIOREC_OWNERS)
		return &r->owners[r->n_owners - 1];
	if (r->n_owners == r->cap_owners) {
		size_t nc = r->cap_owners ? r->cap_owners * 2 : 8;
		struct biorec_owner *nv = realloc(r->owners, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		r->owners = nv;
		r->cap_owners = nc;
	}
	struct biorec_owner *o = &r->owners[r->n_owners++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	return o;
}

/* The slowest kept: replace the fastest of them when full. */
static void keep_slow(struct biorec *r, const struct bio_event *e, size_t owner)
{
	size_t at = r->n_slowest;
	if (at == BIOREC_SLOWEST) {
		at = 0;
		for (size_t i = 1; i < r->n_slowest; i++)
			if (r->slowest[i].lat_ns < r->slowest[at].lat_ns)
				at = i;
		if (r->slowest[at].lat_ns >= e->lat_ns)
			return;
	} else {
		r->n_slowest++;
	}
	r->slowest[at] = *e;
	r->slowest_owner[at] = (uint16_t)owner;
}

int biorec_add(struct biorec *r, const char *owner, const struct bio_event *e)
{
	struct biorec_owner *o = owner_of(r, owner);
	if (!o)
		return -ENOMEM;
	o->count++;
	if (e->op == BIO_OP_READ || e->op == BIO_OP_WRITE) {
		o->ios[e->op == BIO_OP_WRITE]++;
		o->bytes[e->op == BIO_OP_WRITE] += e->bytes;
	}
	if (e->lat_ns != BIO_LAT_UNKNOWN) {
		lathist_add(&o->hist, e->lat_ns);
		keep_slow(r, e, (size_t)(o - r->owners));
	}
	return 0;
}

static void put_word(struct textbuf *b, const char *s, size_t max)
{
	if (!*s)
		textbuf_printf(b, " -");
	else
		textbuf_printf(b, " ");
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c > '~' || c == '%' || (i == 0 && c == '-' && !s[1]))
			textbuf_printf(b, "%%%02X", c);
		else
			textbuf_printf(b, "%c", c);
	}
}

static void put_slots(struct textbuf *b, const char *key, const char *name, const uint64_t *v,
		      size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n && !any; i++)
		any = v[i] != 0;
	if (!any)
		return;
	textbuf_printf(b, "%s", key);
	put_word(b, name, BIOREC_NAME);
	for (size_t i = 0; i < n; i++)
		if (v[i])
			textbuf_printf(b, " %zu:%" PRIu64, i, v[i]);
	textbuf_printf(b, "\n");
}

int biorec_format(const struct biorec *r, char **ret, size_t *ret_len)
{
	struct textbuf b = { 0 };
	textbuf_printf(&b, "nsh-biosnoop 1\nlost %" PRIu64 " %" PRIu64 "\n", r->drops,
		       r->untracked);
	for (size_t i = 0; i < r->n_owners; i++) {
		const struct biorec_owner *o = &r->owners[i];
		textbuf_printf(&b, "owner");
		put_word(&b, o->name, BIOREC_NAME);
		textbuf_printf(&b,
			       " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			       " %" PRIu64 "\n",
			       o->count, o->ios[0], o->ios[1], o->bytes[0], o->bytes[1],
			       o->hist.max_ns);
		put_slots(&b, "log2", o->name, o->hist.log2, LATHIST_LOG2);
		put_slots(&b, "fine", o->name, o->hist.fine, LATHIST_FINE);
	}
	for (size_t i = 0; i < r->n_slowest; i++) {
		const struct bio_event *e = &r->slowest[i];
		char comm[BIO_COMM_LEN + 1];
		memcpy(comm, e->comm, BIO_COMM_LEN);
		comm[BIO_COMM_LEN] = '\0';
		textbuf_printf(&b, "io");
		put_word(&b, r->owners[r->slowest_owner[i]].name, BIOREC_NAME);
		textbuf_printf(&b,
			       " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			       " %u %u %u %u %u %u %u %u",
			       (uint64_t)e->ts_ns, (uint64_t)e->lat_ns, (uint64_t)e->queue_ns,
			       (uint64_t)e->sector, e->bytes, e->dev, e->op, e->flags, e->owner,
			       e->pid, e->ctpid, e->pidns_ino);
		put_word(&b, comm, BIO_COMM_LEN);
		textbuf_printf(&b, "\n");
	}
	return textbuf_take(&b, ret, ret_len);
}

/* ---- reading ---- */

/* The next space-separated word of *p into w (at most size-1 bytes). */
static bool word(const char **p, const char *end, char *w, size_t size)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	size_t n = 0;
	while (s < end && *s != ' ') {
		if (n + 1 >= size)
			return false;
		w[n++] = *s++;
	}
	w[n] = '\0';
	*p = s;
	return n > 0;
}

static bool unescape(const char *w, char *out, size_t size)
{
	if (strcmp(w, "-") == 0) {
		out[0] = '\0';
		return true;
	}
	size_t n = 0;
	for (const char *s = w; *s; s++) {
		unsigned v;
		char c = *s;
		if (c == '%') {
			if (sscanf(s + 1, "%2x", &v) != 1 || !s[1] || !s[2])
				return false;
			c = (char)v;
			s += 2;
		}
		if (!c || n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

static bool num(const char **p, const char *end, uint64_t max, uint64_t *ret)
{
	char w[32], *e;
	if (!word(p, end, w, sizeof(w)) || w[0] == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(w, &e, 10);
	if (errno || *e || v > max)
		return false;
	*ret = v;
	return true;
}

/* "SLOT:COUNT" words, digits only on both sides: strtoull alone takes a
 * sign, and "0:-1" was a count of 2^64 - 1. A sum past 2^64 is refused too. */
static bool slots(const char **p, const char *end, uint64_t *v, size_t n)
{
	char w[48], *e;
	while (word(p, end, w, sizeof(w))) {
		if (w[0] < '0' || w[0] > '9')
			return false;
		errno = 0;
		unsigned long long i = strtoull(w, &e, 10);
		if (errno || *e != ':' || i >= n || e[1] < '0' || e[1] > '9')
			return false;
		char *e2;
		unsigned long long c = strtoull(e + 1, &e2, 10);
		if (errno || *e2 || v[i] > UINT64_MAX - c)
			return false;
		v[i] += c;
	}
	return true;
}

static int parse_line(const char *s, const char *end, struct biorec *r)
{
	char key[16], w[4 * BIOREC_NAME], name[BIOREC_NAME];
	if (!word(&s, end, key, sizeof(key)))
		return 0; /* an empty line */
	if (strcmp(key, "nsh-biosnoop") == 0) {
		uint64_t v;
		return num(&s, end, UINT32_MAX, &v) && v == 1 ? 0 : -EINVAL;
	}
	if (strcmp(key, "lost") == 0) {
		uint64_t d, u;
		if (!num(&s, end, UINT64_MAX, &d) || !num(&s, end, UINT64_MAX, &u))
			return -EINVAL;
		r->drops += d;
		r->untracked += u;
		return 0;
	}
	bool known = !strcmp(key, "owner") || !strcmp(key, "log2") || !strcmp(key, "fine") ||
		     !strcmp(key, "io");
	if (!known)
		return 0; /* a later version's: not ours to read */
	if (!word(&s, end, w, sizeof(w)) || !unescape(w, name, sizeof(name)))
		return -EINVAL;
	struct biorec_owner *o = owner_of(r, name);
	if (!o)
		return -ENOMEM;
	if (!strcmp(key, "owner")) {
		uint64_t v[6];
		for (int i = 0; i < 6; i++)
			if (!num(&s, end, UINT64_MAX, &v[i]))
				return -EINVAL;
		o->count += v[0];
		o->ios[0] += v[1];
		o->ios[1] += v[2];
		o->bytes[0] += v[3];
		o->bytes[1] += v[4];
		if (v[5] > o->hist.max_ns)
			o->hist.max_ns = v[5];
		return 0;
	}
	if (!strcmp(key, "log2"))
		return slots(&s, end, o->hist.log2, LATHIST_LOG2) ? 0 : -EINVAL;
	if (!strcmp(key, "fine")) {
		uint64_t before = 0, after = 0;
		for (size_t i = 0; i < LATHIST_FINE; i++)
			before += o->hist.fine[i];
		if (!slots(&s, end, o->hist.fine, LATHIST_FINE))
			return -EINVAL;
		for (size_t i = 0; i < LATHIST_FINE; i++)
			after += o->hist.fine[i];
		o->hist.count += after - before;
		return 0;
	}
	struct bio_event e = { 0 };
	uint64_t v[12];
	static const uint64_t max[12] = { UINT64_MAX, UINT64_MAX, UINT64_MAX,   UINT64_MAX,
					  UINT32_MAX, UINT32_MAX, BIO_OP_OTHER, UINT8_MAX,
					  UINT8_MAX,  UINT32_MAX, UINT32_MAX,   UINT32_MAX };
	for (int i = 0; i < 12; i++)
		if (!num(&s, end, max[i], &v[i]))
			return -EINVAL;
	char comm[BIO_COMM_LEN + 1];
	if (!word(&s, end, w, sizeof(w)) || !unescape(w, comm, sizeof(comm)))
		return -EINVAL;
	e.ts_ns = v[0];
	e.lat_ns = v[1];
	e.queue_ns = v[2];
	e.sector = v[3];
	e.bytes = (uint32_t)v[4];
	e.dev = (uint32_t)v[5];
	e.op = (uint8_t)v[6];
	e.flags = (uint8_t)v[7];
	e.owner = (uint8_t)v[8];
	e.pid = (uint32_t)v[9];
	e.ctpid = (uint32_t)v[10];
	e.pidns_ino = (uint32_t)v[11];
	memcpy(e.comm, comm, strlen(comm));
	if (e.lat_ns != BIO_LAT_UNKNOWN)
		keep_slow(r, &e, (size_t)(o - r->owners));
	return 0;
}

int biorec_parse(const char *text, size_t len, struct biorec *r)
{
	/* Parsed into a copy first: a bad line leaves r as it was. */
	struct biorec t = { 0 };
	const char *p = text, *end = text + len;
	int rc = 0;
	if (len < 14 || strncmp(text, "nsh-biosnoop ", 13) != 0)
		rc = -EINVAL;
	while (rc == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le - p > 4096)
			rc = -EINVAL;
		else
			rc = parse_line(p, le, &t);
		p = nl ? nl + 1 : end;
	}
	if (rc == 0) {
		for (size_t i = 0; i < t.n_owners && rc == 0; i++) {
			struct biorec_owner *o = owner_of(r, t.owners[i].name);
			if (!o) {
				rc = -ENOMEM;
				break;
			}
			const struct biorec_owner *a = &t.owners[i];
			o->count += a->count;
			for (int k = 0; k < 2; k++) {
				o->ios[k] += a->ios[k];
				o->bytes[k] += a->bytes[k];
			}
			for (size_t k = 0; k < LATHIST_LOG2; k++)
				o->hist.log2[k] += a->hist.log2[k];
			for (size_t k = 0; k < LATHIST_FINE; k++)
				o->hist.fine[k] += a->hist.fine[k];
			o->hist.count += a->hist.count;
			if (a->hist.max_ns > o->hist.max_ns)
				o->hist.max_ns = a->hist.max_ns;
		}
		for (size_t i = 0; i < t.n_slowest && rc == 0; i++) {
			struct biorec_owner *o = owner_of(r, t.owners[t.slowest_owner[i]].name);
			keep_slow(r, &t.slowest[i], (size_t)(o - r->owners));
		}
		r->drops += t.drops;
		r->untracked += t.untracked;
	}
	biorec_free(&t);
	return rc;
}

void biorec_clear(struct biorec *r)
{
	r->n_owners = 0;
	r->n_slowest = 0;
	r->drops = r->untracked = 0;
}

void biorec_free(struct biorec *r)
{
	free(r->owners);
	memset(r, 0, sizeof(*r));
}
