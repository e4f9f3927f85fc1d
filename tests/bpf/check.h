/* SPDX-License-Identifier: MIT */
/* The bpf suite's one assertion: print "not ok: ..." and count, go on. */
#pragma once

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                \
	do {                                            \
		if (!(cond)) {                          \
			printf("not ok: " __VA_ARGS__); \
			putchar('\n');                  \
			failures++;                     \
		}                                       \
	} while (0)
