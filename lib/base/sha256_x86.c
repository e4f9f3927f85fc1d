// SPDX-License-Identifier: MIT
/* SHA-256's compression with the x86 SHA extensions (SHA-NI: sha256rnds2,
 * sha256msg1, sha256msg2), chosen at run time where the CPU has them.
 * exec hashes the target's seccomp policy text (several KB) for the filter
 * cache's key on every run; in software that is tens of microseconds, with
 * these instructions a few. Written from Intel's description of the
 * instructions: the state is kept as two vectors, ABEF and CDGH, because
 * that is the order sha256rnds2 takes and returns. */
#include "lib/base/sha256_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* Two CPUIDs (the highest leaf, then leaf 7's SHA bit), asked only when a
 * hash is first computed: not __builtin_cpu_supports, whose libgcc
 * constructor runs a dozen CPUIDs at every start of nsh. On a virtual
 * machine, the kind of node nsh often runs on, each CPUID is a VM exit
 * (7.5 us on this test bed, as long as the hash of a 6 KB policy in
 * software; with SHA-NI it takes 4 us). Every CPU with the SHA extensions
 * has SSE4.1, which the code below also uses. */
bool sha256_x86_usable(void)
{
	unsigned a, b, c, d;
	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return b & bit_SHA;
}

__attribute__((target("sha,sse4.1"))) void sha256_x86_blocks(uint32_t h[8], const unsigned char *p,
							     size_t nblocks, const uint32_t k[64])
{
	/* Big-endian message words: swap the bytes of each 32-bit lane. */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

	/* h[0..3] = A B C D, h[4..7] = E F G H (lane 0 first) -> ABEF, CDGH
	 * with A and C in the highest lane, as sha256rnds2 wants them. */
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

	for (; nblocks; nblocks--, p += 64) {
		__m128i abef_in = abef, cdgh_in = cdgh;
		__m128i w[16];
		for (int i = 0; i < 16; i++) {
			if (i < 4) {
				w[i] = _mm_shuffle_epi8(_mm_loadu_si128(
								(const __m128i *)(p + 16 * i)),
							bswap);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16],
				 * four at a time: msg1 adds s0 to W[t-16..], the
				 * alignr brings W[t-7..t-4], msg2 adds s1. */
				__m128i t = _mm_sha256msg1_epu32(w[i - 4], w[i - 3]);
				t = _mm_add_epi32(t, _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
				w[i] = _mm_sha256msg2_epu32(t, w[i - 1]);
			}
			__m128i m =
				_mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)&k[4 * i]));
			/* Two rounds on the low two words, two on the high. */
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	/* Back to A B C D, E F G H. */
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}
#else
bool sha256_x86_usable(void)
{
	return false;
}

void sha256_x86_blocks(uint32_t h[8], const unsigned char *p, size_t nblocks, const uint32_t k[64])
{
	(void)h, (void)p, (void)nblocks, (void)k;
}
#endif
