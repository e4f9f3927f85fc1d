/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for cache keys that must not collide: the seccomp
 * filter cache names and checks its entries by the digest of the exact
 * policy text. Not for secrets (no constant-time claims needed here). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;        /* bytes hashed so far */
	unsigned char buf[64]; /* a partial block */
	size_t n;              /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_BYTES]);
/* Compress with the portable code even where the CPU has the SHA
 * extensions (true), or choose again (false): for the tests that compare. */
void sha256_force_portable(bool portable);
/* out: 64 lowercase hex digits and a NUL. */
void sha256_hex(const unsigned char d[SHA256_BYTES], char out[2 * SHA256_BYTES + 1]);
