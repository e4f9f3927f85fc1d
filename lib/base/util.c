// SPDX-License-Identifier: MIT
#include "lib/base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_fd_all(fd, max, ret, ret_len);
}

int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	/* /proc and cgroupfs report size 0, so grow as we go, bounded by max.
	 * A regular file that fills the first buffer (a runtime's state.json,
	 * 30 KB for runc) says its size: the rest in one more read, not four
	 * reads and reallocs. It may still grow while read: the loop copes. */
	size_t cap = 4096, len = 0;
	bool sized = false;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max)
				return -EFBIG;
			size_t ncap = cap * 2;
			struct stat st;
			if (!sized && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    (uint64_t)st.st_size >= cap && (uint64_t)st.st_size < max)
				ncap = (size_t)st.st_size + 2;
			sized = true;
			char *nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_small_at(int dirfd, const char *path, char *buf, size_t size, size_t *ret_len)
{
	if (size < 2)
		return -EINVAL;
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_small_fd(fd, buf, size, ret_len);
}

int read_small_fd(int fd, char *buf, size_t size, size_t *ret_len)
{
	if (size < 2)
		return -EINVAL;
	ssize_t n;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1) {
		/* Full buffer: make sure the file really ended here. */
		char extra;
		ssize_t m = read(fd, &extra, 1);
		if (m > 0)
			return -EFBIG;
	}
	buf[n] = '\0';
	if (ret_len)
		*ret_len = (size_t)n;
	return 0;
}

static int check_tail(const char *end)
{
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	return *end ? -EINVAL : 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (check_tail(end) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (check_tail(end) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_pid(const char *s, int *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);
	if (r < 0)
		return r;
	/* PID_MAX_LIMIT is 4M; 0 is never a valid process. */
	if (v == 0 || v > (1u << 22))
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

bool valid_id(const char *s)
{
	size_t n = 0;
	if (!s || !*s || *s == '.' || *s == '-')
		return false;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
			return false;
		if (n >= 128)
			return false;
	}
	return true;
}

bool valid_name(const char *s, bool allow_slash)
{
	size_t n = 0;
	if (!s || !*s)
		return false;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == '/' && !allow_slash)
			return false;
		if (n >= 255)
			return false;
	}
	return true;
}

int copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		if (size)
			dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void unescape_unit_name(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] == 'x' && hexval(r[2]) >= 0 && hexval(r[3]) >= 0) {
			char c = (char)(hexval(r[2]) * 16 + hexval(r[3]));
			/* Never let an escape produce a control char or NUL. */
			if ((unsigned char)c >= 0x20) {
				*w++ = c;
				r += 4;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

bool dirent_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}
