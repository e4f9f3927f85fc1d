// SPDX-License-Identifier: MIT
#include "lib/enter/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int pty_open(int *ret_master, int *ret_slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0) {
		int e = errno;
		close(m);
		return -e;
	}
	/* TIOCGPTPEER opens the slave from the master itself: no path lookup
	 * in /dev/pts that someone could race. */
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int e = errno;
		close(m);
		return -e;
	}
	*ret_master = m;
	*ret_slave = s;
	return 0;
}

void pty_sync_size(int outer, int master)
{
	struct winsize ws;
	if (ioctl(outer, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

int pty_raw(int fd, struct pty_saved *ret)
{
	ret->active = false;
	if (tcgetattr(fd, &ret->tio) < 0)
		return -errno;
	struct termios raw = ret->tio;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	ret->active = true;
	return 0;
}

void pty_restore(int fd, const struct pty_saved *s)
{
	if (s->active)
		tcsetattr(fd, TCSANOW, &s->tio);
}
