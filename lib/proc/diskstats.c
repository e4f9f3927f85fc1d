// SPDX-License-Identifier: MIT
#include "lib/proc/diskstats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

/* A device line is "MAJ MIN NAME" and then at least 11 counters. */
#define DISKSTATS_MAX_BYTES (1u << 20)
#define DISKSTATS_MAX_DEVS  4096

static int next_word(const char **s, char *buf, size_t size)
{
	const char *p = *s + strspn(*s, " \t");
	size_t len = strcspn(p, " \t\n");
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(buf, p, len);
	buf[len] = '\0';
	*s = p + len;
	return 0;
}

static int parse_line(const char *line, struct disk_stat *d)
{
	char w[32];
	uint64_t v[11], maj, min;
	if (next_word(&line, w, sizeof(w)) < 0 || parse_u64(w, &maj) < 0 || maj > 0xfff ||
	    next_word(&line, w, sizeof(w)) < 0 || parse_u64(w, &min) < 0 || min > 0xfffff ||
	    next_word(&line, d->name, sizeof(d->name)) < 0)
		return -EINVAL;
	for (int i = 0; i < 11; i++)
		if (next_word(&line, w, sizeof(w)) < 0 || parse_u64(w, &v[i]) < 0)
			return -EINVAL;
	d->major = (unsigned)maj;
	d->minor = (unsigned)min;
	/* reads completed, merged, sectors, ms; writes the same */
	d->rd_ios = v[0];
	d->rd_ms = v[3];
	d->wr_ios = v[4];
	d->wr_ms = v[7];
	return 0;
}

int diskstats_parse(const char *text, struct disk_stat *out, size_t max, size_t *ret_n)
{
	size_t n = 0;
	for (const char *s = text; *s;) {
		size_t len = strcspn(s, "\n");
		if (len > 0 && strspn(s, " \t") < len) {
			char line[512];
			if (len >= sizeof(line))
				return -EINVAL;
			memcpy(line, s, len);
			line[len] = '\0';
			struct disk_stat d;
			if (parse_line(line, &d) < 0)
				return -EINVAL;
			if (n < max)
				out[n++] = d;
		}
		s += len;
		if (*s == '\n')
			s++;
	}
	*ret_n = n;
	return 0;
}

int diskstats_read(const struct host *h, struct disk_stat **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = host_read_file(h, "/proc/diskstats", DISKSTATS_MAX_BYTES, &text, &len);
	if (r < 0)
		return r;
	/* A line per device: at most one per 20 bytes of text. */
	size_t max = len / 20 + 1;
	if (max > DISKSTATS_MAX_DEVS)
		max = DISKSTATS_MAX_DEVS;
	struct disk_stat *d = calloc(max, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if ((r = diskstats_parse(text, d, max, ret_n)) < 0) {
		free(d);
		return r;
	}
	*ret = d;
	return 0;
}
