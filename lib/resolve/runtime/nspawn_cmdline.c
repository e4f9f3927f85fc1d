// SPDX-License-Identifier: MIT
/* The pure half of the nspawn adapter: what a systemd-nspawn supervisor's
 * command line says (the machine name, its directory, image and OCI
 * bundle), read as nspawn's own getopt_long would. It reads nothing but the
 * argv it is given, which is the supervisor's starter's to choose: bounded
 * copies, names checked before use. Apart from nspawn.c as vm_cmdline.c is
 * from vm.c. */
#include "lib/resolve/runtime/nspawn.h"

#include <errno.h>
#include <string.h>

#include "lib/base/util.h"

enum opt_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct nspawn_opt {
	const char *name;
	enum opt_arg arg;
	char key; /* 'D' directory, 'M' machine, 'i' image, 'B' OCI bundle, 0 other */
};

/* systemd-nspawn's long options (getopt_long table of systemd 252..256).
 * Unknown ones are taken to need an argument: nearly all new ones do. */
static const struct nspawn_opt long_opts[] = {
	{ "help", ARG_NONE, 0 },
	{ "version", ARG_NONE, 0 },
	{ "directory", ARG_REQUIRED, 'D' },
	{ "template", ARG_REQUIRED, 0 },
	{ "ephemeral", ARG_NONE, 0 },
	{ "user", ARG_REQUIRED, 0 },
	{ "private-network", ARG_NONE, 0 },
	{ "as-pid2", ARG_NONE, 0 },
	{ "boot", ARG_NONE, 0 },
	{ "uuid", ARG_REQUIRED, 0 },
	{ "read-only", ARG_NONE, 0 },
	{ "capability", ARG_REQUIRED, 0 },
	{ "ambient-capability", ARG_REQUIRED, 0 },
	{ "drop-capability", ARG_REQUIRED, 0 },
	{ "no-new-privileges", ARG_REQUIRED, 0 },
	{ "link-journal", ARG_REQUIRED, 0 },
	{ "bind", ARG_REQUIRED, 0 },
	{ "bind-ro", ARG_REQUIRED, 0 },
	{ "tmpfs", ARG_REQUIRED, 0 },
	{ "overlay", ARG_REQUIRED, 0 },
	{ "overlay-ro", ARG_REQUIRED, 0 },
	{ "inaccessible", ARG_REQUIRED, 0 },
	{ "machine", ARG_REQUIRED, 'M' },
	{ "hostname", ARG_REQUIRED, 0 },
	{ "slice", ARG_REQUIRED, 0 },
	{ "setenv", ARG_REQUIRED, 0 },
	{ "selinux-context", ARG_REQUIRED, 0 },
	{ "selinux-apifs-context", ARG_REQUIRED, 0 },
	{ "quiet", ARG_NONE, 0 },
	{ "share-system", ARG_NONE, 0 },
	{ "register", ARG_REQUIRED, 0 },
	{ "keep-unit", ARG_NONE, 0 },
	{ "network-interface", ARG_REQUIRED, 0 },
	{ "network-macvlan", ARG_REQUIRED, 0 },
	{ "network-ipvlan", ARG_REQUIRED, 0 },
	{ "network-veth", ARG_NONE, 0 },
	{ "network-veth-extra", ARG_REQUIRED, 0 },
	{ "network-bridge", ARG_REQUIRED, 0 },
	{ "network-zone", ARG_REQUIRED, 0 },
	{ "network-namespace-path", ARG_REQUIRED, 0 },
	{ "personality", ARG_REQUIRED, 0 },
	{ "image", ARG_REQUIRED, 'i' },
	{ "volatile", ARG_OPTIONAL, 0 },
	{ "port", ARG_REQUIRED, 0 },
	{ "property", ARG_REQUIRED, 0 },
	{ "private-users", ARG_OPTIONAL, 0 },
	{ "private-users-chown", ARG_OPTIONAL, 0 },
	{ "private-users-ownership", ARG_REQUIRED, 0 },
	{ "kill-signal", ARG_REQUIRED, 0 },
	{ "settings", ARG_REQUIRED, 0 },
	{ "chdir", ARG_REQUIRED, 0 },
	{ "pivot-root", ARG_REQUIRED, 0 },
	{ "notify-ready", ARG_REQUIRED, 0 },
	{ "root-hash", ARG_REQUIRED, 0 },
	{ "root-hash-sig", ARG_REQUIRED, 0 },
	{ "verity-data", ARG_REQUIRED, 0 },
	{ "system-call-filter", ARG_REQUIRED, 0 },
	{ "rlimit", ARG_REQUIRED, 0 },
	{ "oom-score-adjust", ARG_REQUIRED, 0 },
	{ "cpu-affinity", ARG_REQUIRED, 0 },
	{ "resolv-conf", ARG_REQUIRED, 0 },
	{ "timezone", ARG_REQUIRED, 0 },
	{ "console", ARG_REQUIRED, 0 },
	{ "pipe", ARG_NONE, 0 },
	{ "oci-bundle", ARG_REQUIRED, 'B' },
	{ "no-pager", ARG_NONE, 0 },
	{ "set-credential", ARG_REQUIRED, 0 },
	{ "load-credential", ARG_REQUIRED, 0 },
	{ "bind-user", ARG_REQUIRED, 0 },
	{ "suppress-sync", ARG_REQUIRED, 0 },
	{ "image-policy", ARG_REQUIRED, 0 },
	{ "no-ask-password", ARG_NONE, 0 },
	{ "cleanup", ARG_NONE, 0 },
};

/* Its getopt string; options after the first non-option belong to the command. */
static const char short_opts[] = "hD:u:abL:M:jS:Z:qi:xp:nUE:P";

/* getopt_long accepts a unique prefix of a long option. */
static const struct nspawn_opt *find_long(const char *name, size_t len)
{
	const struct nspawn_opt *found = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(long_opts); i++) {
		if (strncmp(long_opts[i].name, name, len) != 0)
			continue;
		if (strlen(long_opts[i].name) == len)
			return &long_opts[i];
		found = &long_opts[i];
		n++;
	}
	return n == 1 ? found : NULL;
}

static void set_arg(struct nspawn_args *a, char key, const char *val)
{
	switch (key) {
	case 'D':
		a->directory = val;
		break;
	case 'M':
		a->machine = val;
		break;
	case 'i':
		a->image = val;
		break;
	case 'B':
		a->oci_bundle = val;
		break;
	}
}

/* argv as systemd-nspawn's getopt_long("+...") would see it. */
void nspawn_cmdline_parse(char **argv, int argc, struct nspawn_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0 || arg[0] != '-' || arg[1] == '\0')
			return;
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct nspawn_opt *o = find_long(name, len);
			enum opt_arg type = o ? o->arg : ARG_REQUIRED;
			const char *val = NULL;

			if (eq)
				val = eq + 1;
			else if (type == ARG_REQUIRED) {
				if (i + 1 >= argc)
					return;
				val = argv[++i];
			}
			if (o && val)
				set_arg(a, o->key, val);
			continue;
		}
		for (const char *p = arg + 1; *p; p++) {
			const char *s = strchr(short_opts, *p);
			if (!s || *p == ':' || s[1] != ':')
				continue;
			const char *val = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (val)
				set_arg(a, *p, val);
			break;
		}
	}
}

/* The last path component, trailing '/' ignored, into out. */
static int path_basename(const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	const char *start = path + n;
	while (start > path && start[-1] != '/')
		start--;
	size_t bl = (size_t)(path + n - start);
	if (bl == 0 || bl >= size || (bl == 1 && *start == '/'))
		return -EINVAL;
	memcpy(out, start, bl);
	out[bl] = '\0';
	return 0;
}

/* The machine name nspawn uses: -M, else the image's basename without
 * ".raw", else the directory's basename. */
int nspawn_machine_name(const struct nspawn_args *a, char *out, size_t size)
{
	int r = -EINVAL;

	if (a->machine && *a->machine) {
		if (copy_str(out, size, a->machine) < 0)
			return -EINVAL;
		r = 0;
	} else if (a->image) {
		r = path_basename(a->image, out, size);
		if (r == 0 && str_endswith(out, ".raw") && strlen(out) > strlen(".raw"))
			out[strlen(out) - strlen(".raw")] = '\0';
	} else if (a->directory) {
		r = path_basename(a->directory, out, size);
	}
	if (r < 0 || !valid_id(out))
		return -EINVAL;
	return 0;
}
