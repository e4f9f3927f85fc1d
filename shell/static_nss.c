// SPDX-License-Identifier: MIT
/*
 * The passwd look-ups of a static nsh (-Dstatic=true), in place of glibc's.
 *
 * Readline asks for passwd entries: ~ and ~USER (tilde.c, shell.c) and
 * ~USER completion (complete.c). In a static binary glibc answers through
 * NSS by dlopen()ing libnss_*.so from whatever root the binary runs in: a
 * scratch image has none (every look-up fails after a warning at link
 * time), and a foreign root would hand nsh foreign code. Defining the five
 * functions here keeps the linker from taking glibc's: they read the
 * passwd(5) file of nsh's own root, /etc/passwd, bounded, and nothing else.
 * Only the single-threaded, non-reentrant forms readline calls are given.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

#define PASSWD_MAX (4u << 20)

static char *db; /* /etc/passwd as read, split in place */
static size_t db_len;
static size_t cursor; /* getpwent's offset in db */
static struct passwd entry;

static void db_load(void)
{
	if (db)
		return;
	if (read_file_at(AT_FDCWD, "/etc/passwd", PASSWD_MAX, &db, &db_len) < 0) {
		db = strdup("");
		db_len = 0;
	}
}

/* Parse the line at *off into entry and move *off past it; false at the end.
 * A malformed line (fewer than seven fields, a non-numeric id) gives an
 * entry with an empty name, which no caller matches. */
static bool next_line(size_t *off)
{
	if (!db || *off >= db_len)
		return false;
	char *line = db + *off;
	char *nl = memchr(line, '\n', db_len - *off);
	size_t len = nl ? (size_t)(nl - line) : db_len - *off;
	*off += len + (nl ? 1 : 0);

	/* entry points into this copy until the next call, as glibc's does
	 * into its own static buffer; a line longer than it counts as empty. */
	static char fields[1024];
	if (len >= sizeof(fields))
		len = 0;
	memcpy(fields, line, len);
	fields[len] = '\0';

	char *f[7] = { 0 };
	char *p = fields;
	for (int i = 0; i < 7; i++) {
		f[i] = p;
		p = i < 6 ? strchr(p, ':') : NULL;
		if (i < 6 && !p) {
			memset(&entry, 0, sizeof(entry));
			entry.pw_name = entry.pw_passwd = entry.pw_gecos = entry.pw_dir =
				entry.pw_shell = (char *)"";
			return true;
		}
		if (p)
			*p++ = '\0';
	}
	uint64_t uid, gid;
	bool ok = parse_u64(f[2], &uid) == 0 && uid <= UINT32_MAX && parse_u64(f[3], &gid) == 0 &&
		  gid <= UINT32_MAX;
	entry = (struct passwd){
		.pw_name = ok ? f[0] : (char *)"",
		.pw_passwd = f[1],
		.pw_uid = ok ? (uid_t)uid : (uid_t)-1,
		.pw_gid = ok ? (gid_t)gid : (gid_t)-1,
		.pw_gecos = f[4],
		.pw_dir = f[5],
		.pw_shell = f[6],
	};
	return true;
}

struct passwd *getpwnam(const char *name)
{
	db_load();
	for (size_t off = 0; next_line(&off);)
		if (entry.pw_name[0] && strcmp(entry.pw_name, name) == 0)
			return &entry;
	errno = 0;
	return NULL;
}

struct passwd *getpwuid(uid_t uid)
{
	db_load();
	for (size_t off = 0; next_line(&off);)
		if (entry.pw_name[0] && entry.pw_uid == uid)
			return &entry;
	errno = 0;
	return NULL;
}

void setpwent(void)
{
	db_load();
	cursor = 0;
}

struct passwd *getpwent(void)
{
	db_load();
	while (next_line(&cursor))
		if (entry.pw_name[0])
			return &entry;
	return NULL;
}

void endpwent(void)
{
	cursor = 0;
}
