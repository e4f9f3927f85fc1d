// SPDX-License-Identifier: MIT
#include "lib/proc/hostmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

int hostload_parse(const char *buf, struct hostload *ret)
{
	struct hostload l;
	char tail;
	l.last_pid = -1;
	if (sscanf(buf, "%lf %lf %lf %u/%u %d%c", &l.avg[0], &l.avg[1], &l.avg[2], &l.running,
		   &l.total, &l.last_pid, &tail) < 5)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		if (!(l.avg[i] >= 0 && l.avg[i] < 1e9))
			return -EINVAL;
	*ret = l;
	return 0;
}

int hostmem_parse(const char *buf, struct hostmem *ret)
{
	static const char *const keys[] = { "MemTotal:", "MemFree:",   "MemAvailable:", "Buffers:",
					    "Cached:",   "SwapTotal:", "SwapFree:" };
	uint64_t v[7] = { 0 };
	bool seen[7] = { false };
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			size_t kl = strlen(keys[k]);
			if (strncmp(line, keys[k], kl) != 0)
				continue;
			char num[32];
			const char *p = line + kl;
			while (*p == ' ')
				p++;
			size_t n = strspn(p, "0123456789");
			if (n == 0 || n >= sizeof(num))
				return -EINVAL;
			memcpy(num, p, n);
			num[n] = '\0';
			uint64_t kb;
			if (parse_u64(num, &kb) < 0 || kb > UINT64_MAX / 1024)
				return -EINVAL;
			v[k] = kb * 1024;
			seen[k] = true;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!seen[0] || !seen[1])
		return -EINVAL;
	struct hostmem m = { v[0], v[1], v[2], v[3], v[4], v[5], v[6] };
	if (!seen[2])
		m.available = m.free + m.buffers + m.cached;
	*ret = m;
	return 0;
}

int hostload_read(const struct host *h, struct hostload *ret)
{
	char buf[256];
	int r = host_read_small(h, "/proc/loadavg", buf, sizeof(buf));
	return r < 0 ? r : hostload_parse(buf, ret);
}

int hostmem_read(const struct host *h, struct hostmem *ret)
{
	char buf[8192];
	int r = host_read_small(h, "/proc/meminfo", buf, sizeof(buf));
	return r < 0 ? r : hostmem_parse(buf, ret);
}
