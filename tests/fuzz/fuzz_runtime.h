/* SPDX-License-Identifier: MIT */
/* fuzz_parsers' selectors for the runtime adapters and the OCI seccomp
 * translation (fuzz_runtime.c): apart from fuzz_parsers.c because they
 * need a host tree on disk, which the other selectors do not. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The first of them, and how many: fuzz_parsers.c picks a selector modulo
 * FUZZ_RT_FIRST + FUZZ_RT_COUNT. */
#define FUZZ_RT_FIRST 20
#define FUZZ_RT_COUNT 10

/* Run selector sel (FUZZ_RT_FIRST..) on the input without its selector
 * byte; s is the same bytes NUL-terminated. Aborts on a broken invariant. */
void fuzz_runtime(unsigned sel, const uint8_t *data, size_t len, const char *s);
