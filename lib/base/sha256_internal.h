/* SPDX-License-Identifier: MIT */
/* Between sha256.c (the portable code, the choice) and sha256_x86.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does this CPU have the SHA extensions (and SSE4.1)? */
bool sha256_x86_usable(void);
/* Compress nblocks 64-byte blocks of p into h, with round constants k. */
void sha256_x86_blocks(uint32_t h[8], const unsigned char *p, size_t nblocks, const uint32_t k[64]);
