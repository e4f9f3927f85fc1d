/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every module: cleanup attributes, bounded reads,
 * checked number parsing, validation of untrusted identifiers. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _p = (p); \
		(p) = NULL;             \
		_p;                     \
	})
#define TAKE_FD(fd)             \
	({                      \
		int _fd = (fd); \
		(fd) = -1;      \
		_fd;            \
	})

/* Largest file nsh reads in one go from /proc, cgroupfs or a runtime's state
 * dir. Anything bigger is treated as hostile and refused with -EFBIG. */
#define READ_MAX_DEFAULT (1u << 20)

/* Read a whole file relative to dirfd (AT_FDCWD for absolute paths) into a
 * NUL-terminated heap buffer, refusing files larger than max bytes. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* The same for an open fd, read from its current offset. */
int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len);

/* Read at most size-1 bytes of a small file (/proc/PID/stat, cgroup knobs)
 * into buf with one read(2), NUL-terminated. -EFBIG if it did not fit. */
int read_small_at(int dirfd, const char *path, char *buf, size_t size, size_t *ret_len);
/* The same for an open fd, read from its current offset. */
int read_small_fd(int fd, char *buf, size_t size, size_t *ret_len);

/* Checked decimal parsers: the whole string must be the number (trailing
 * whitespace allowed), no sign for unsigned, range-checked. */
int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);
int parse_pid(const char *s, int *ret);

/* Container/pod IDs from runtime files: [A-Za-z0-9_.-], 1..128 bytes,
 * not starting with '.' or '-'. */
bool valid_id(const char *s);
/* Names (container, pod, namespace, machine): printable ASCII or UTF-8 without
 * control characters, '/' allowed only where allow_slash, 1..255 bytes. */
bool valid_name(const char *s, bool allow_slash);

/* strlcpy-like: copies and NUL-terminates, returns -ENAMETOOLONG on
 * truncation (the destination is then left empty). */
int copy_str(char *dst, size_t size, const char *src);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);

/* Is a readdir entry of dfd a directory (d_type, else fstatat without
 * following symlinks)? */
struct dirent;
bool dirent_is_dir(int dfd, const struct dirent *de);

/* Replace systemd's "\x2d" style escapes in unit names in place. */
void unescape_unit_name(char *s);
