/* SPDX-License-Identifier: MIT */
/* systemd-nspawn (lib/resolve/runtime/nspawn.c): a machine without a unit
 * of its own is known by its supervisor's command line. The parser is pure
 * (nspawn_cmdline.c), as vm_cmdline.c is for VMs; the adapter reads /proc
 * and cgroupfs. */
#pragma once

#include <stddef.h>

/* What a supervisor's argv names; pointers into that argv, NULL when not
 * given. */
struct nspawn_args {
	const char *machine, *directory, *image, *oci_bundle;
};

/* argv as systemd-nspawn's getopt_long("+...") would see it: -D/--directory,
 * -M/--machine, -i/--image and --oci-bundle, the last of each. */
void nspawn_cmdline_parse(char **argv, int argc, struct nspawn_args *a);

/* The machine name nspawn gives those arguments: -M, else the image's
 * basename without ".raw", else the directory's basename. -EINVAL when
 * there is none, or it is too long or not a valid ID. */
int nspawn_machine_name(const struct nspawn_args *a, char *out, size_t size);
