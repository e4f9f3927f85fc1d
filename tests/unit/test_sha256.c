// SPDX-License-Identifier: MIT
/* SHA-256 against the FIPS 180-2 examples (appendix B) and the empty
 * string, in one piece and fed a byte at a time; with the portable code and
 * with the SHA extensions where this CPU has them, and the two against each
 * other on every length across several blocks. */
#include "unit.h"

#include <string.h>

#include "lib/base/sha256.h"

static void hex_of(const void *data, size_t len, size_t step, char out[65])
{
	struct sha256 s;
	unsigned char d[SHA256_BYTES];
	sha256_init(&s);
	for (size_t off = 0; off < len; off += step)
		sha256_update(&s, (const char *)data + off, len - off < step ? len - off : step);
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void check(const char *msg, size_t len, const char *want)
{
	char got[65];
	hex_of(msg, len, len ? len : 1, got);
	assert_string_equal(got, want);
	hex_of(msg, len, 1, got);
	assert_string_equal(got, want);
	hex_of(msg, len, 63, got);
	assert_string_equal(got, want);
}

static void fips_vectors(void **state)
{
	(void)state;
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* Two blocks: 56 bytes leave no room for the length in the first. */
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void fips_vectors_portable(void **state)
{
	sha256_force_portable(true);
	fips_vectors(state);
	sha256_force_portable(false);
}

static void digest(const unsigned char *data, size_t len, size_t step, char out[65])
{
	hex_of(data, len, step ? step : (len ? len : 1), out);
}

/* Every length 0..600 (up to ten blocks, every tail), in one piece and in
 * pieces of 7: the chosen code (SHA-NI here when the CPU has it) gives the
 * portable code's digest. */
static void accelerated_equals_portable(void **state)
{
	(void)state;
	static unsigned char data[600];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	for (size_t len = 0; len <= sizeof(data); len++) {
		char a[65], b[65], c[65];
		sha256_force_portable(true);
		digest(data, len, 0, a);
		sha256_force_portable(false);
		digest(data, len, 0, b);
		digest(data, len, 7, c);
		assert_string_equal(a, b);
		assert_string_equal(a, c);
	}
}

static void million_a(void **state)
{
	(void)state;
	static char a[1000000];
	memset(a, 'a', sizeof(a));
	char got[65];
	hex_of(a, sizeof(a), 4096, got);
	assert_string_equal(got,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_vectors),
		cmocka_unit_test(million_a),
		cmocka_unit_test(fips_vectors_portable),
		cmocka_unit_test(accelerated_equals_portable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
