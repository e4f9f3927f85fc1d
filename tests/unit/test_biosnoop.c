// SPDX-License-Identifier: MIT
/* biosnoop's pure parts: the T column (the kernel's blk_fill_rwbs), the
 * latency histogram's buckets and quantiles, the slowest-I/O keeper, and
 * the streaming rows (libbpf-tools' printf layout, JSON Lines, -o). */
#include "capture.h"

#include "cmds/biorec.h"
#include "cmds/biosnoop_fmt.h"
#include "lib/proc/lathist.h"

static void test_rwbs(void **state)
{
	(void)state;
	char b[8];
	/* The cases as blk_fill_rwbs builds them: preflush first, the
	 * operation, then FUA, readahead, sync, metadata. */
	bio_rwbs(BIO_OP_READ, 0, b);
	assert_string_equal(b, "R");
	bio_rwbs(BIO_OP_WRITE, BIO_F_SYNC, b);
	assert_string_equal(b, "WS");
	bio_rwbs(BIO_OP_READ, BIO_F_RAHEAD, b);
	assert_string_equal(b, "RA");
	bio_rwbs(BIO_OP_WRITE, BIO_F_SYNC | BIO_F_META, b);
	assert_string_equal(b, "WSM");
	bio_rwbs(BIO_OP_WRITE, BIO_F_PREFLUSH | BIO_F_FUA | BIO_F_SYNC, b);
	assert_string_equal(b, "FWFS");
	bio_rwbs(BIO_OP_FLUSH, BIO_F_PREFLUSH, b);
	assert_string_equal(b, "FF");
	bio_rwbs(BIO_OP_DISCARD, 0, b);
	assert_string_equal(b, "D");
	bio_rwbs(BIO_OP_SECURE_ERASE, 0, b);
	assert_string_equal(b, "DE");
	bio_rwbs(BIO_OP_OTHER, 0, b);
	assert_string_equal(b, "N");
	bio_rwbs(BIO_OP_READ, BIO_F_PREFLUSH | BIO_F_FUA | BIO_F_RAHEAD | BIO_F_SYNC | BIO_F_META,
		 b);
	assert_string_equal(b, "FRFASM");
}

static void test_log2_slots(void **state)
{
	(void)state;
	/* biolatency: slot 0 is 0..1 us, slot n is 2^n .. 2^(n+1)-1 us. */
	assert_int_equal(lathist_slot(0), 0);
	assert_int_equal(lathist_slot(1), 0);
	assert_int_equal(lathist_slot(2), 1);
	assert_int_equal(lathist_slot(3), 1);
	assert_int_equal(lathist_slot(4), 2);
	assert_int_equal(lathist_slot(1023), 9);
	assert_int_equal(lathist_slot(1024), 10);
	assert_int_equal(lathist_slot_low_us(10), 1024);
	assert_int_equal(lathist_slot_high_us(10), 2047);
	assert_int_equal(lathist_slot_low_us(0), 0);
	assert_int_equal(lathist_slot_high_us(0), 1);

	struct lathist h = { 0 };
	lathist_add(&h, 500);     /* 0 us */
	lathist_add(&h, 1500);    /* 1 us */
	lathist_add(&h, 100000);  /* 100 us: slot 6 (64..127) */
	lathist_add(&h, 2000000); /* 2000 us: slot 10 */
	assert_int_equal(h.count, 4);
	assert_int_equal(h.log2[0], 2);
	assert_int_equal(h.log2[6], 1);
	assert_int_equal(h.log2[10], 1);
	assert_int_equal(lathist_used(&h), 11);
	assert_int_equal(h.max_ns, 2000000);
	uint64_t sum = 0;
	for (int i = 0; i < LATHIST_LOG2; i++)
		sum += h.log2[i];
	assert_int_equal(sum, h.count);
}

static void test_fine_slots(void **state)
{
	(void)state;
	/* Every value lies within its fine slot, and slots are contiguous. */
	uint64_t vals[] = {
		0, 1, 15, 16, 17, 31, 32, 33, 1000, 4095, 4096, 123456789, UINT64_MAX / 3
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		int s = lathist_fine_slot(vals[i]);
		assert_true(vals[i] <= lathist_fine_high(s));
		if (s > 0)
			assert_true(vals[i] > lathist_fine_high(s - 1));
	}
	for (int s = 1; s < 60 * LATHIST_SUB; s++)
		assert_int_equal(lathist_fine_slot(lathist_fine_high(s - 1) + 1), s);
	/* Within 1/16 of the value above 16 ns. */
	int s = lathist_fine_slot(1000000);
	assert_true(lathist_fine_high(s) - 1000000 < 1000000 / 16);
}

static void test_quantile(void **state)
{
	(void)state;
	struct lathist h = { 0 };
	/* 99 fast I/Os at 100 us and 1 slow one at 50 ms: p99 is the fast
	 * ones' slot; one outlier above it. */
	for (int i = 0; i < 99; i++)
		lathist_add(&h, 100000);
	lathist_add(&h, 50000000);
	uint64_t p99 = lathist_quantile_ns(&h, 0.99);
	assert_true(p99 >= 100000 && p99 < 100000 + 100000 / 16);
	assert_int_equal(lathist_count_above(&h, p99), 1);
	assert_int_equal(lathist_quantile_ns(&h, 1.0),
			 lathist_fine_high(lathist_fine_slot(50000000)));
	/* Two slow ones in 100: both above p99? p99 falls on the first of
	 * them, so one is above. */
	lathist_add(&h, 60000000);
	p99 = lathist_quantile_ns(&h, 0.99);
	assert_true(p99 >= 50000000);
	assert_int_equal(lathist_count_above(&h, p99), 1);
	struct lathist empty = { 0 };
	assert_int_equal(lathist_quantile_ns(&empty, 0.99), 0);
	assert_int_equal(lathist_count_above(&empty, 0), 0);
}

static void test_bar(void **state)
{
	(void)state;
	char b[41];
	lathist_bar(10, 10, 40, b, sizeof(b));
	assert_int_equal(strspn(b, "*"), 40);
	lathist_bar(5, 10, 40, b, sizeof(b));
	assert_int_equal(strspn(b, "*"), 20);
	assert_int_equal(strlen(b), 40);
	lathist_bar(0, 0, 40, b, sizeof(b));
	assert_int_equal(strspn(b, " "), 40);
}

static void test_top(void **state)
{
	(void)state;
	struct bio_top t;
	assert_int_equal(bio_top_init(&t, 3), 0);
	uint64_t lats[] = { 5, 1, 9, 3, 7, 2, 8 };
	for (size_t i = 0; i < 7; i++) {
		struct bio_event e = { .lat_ns = lats[i], .ts_ns = i };
		bio_top_add(&t, &e);
	}
	bio_top_sort(&t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.ev[0].lat_ns, 9);
	assert_int_equal(t.ev[1].lat_ns, 8);
	assert_int_equal(t.ev[2].lat_ns, 7);
	bio_top_free(&t);
}

enum { S_TIME, S_COMM, S_PID, S_LAT, S_CT };
static const struct out_column scols[] = {
	[S_TIME] = { "TIME(s)", "time", OUT_FLOAT, 11, 0, "" },
	[S_COMM] = { "COMM", "comm", OUT_STR, 6, OUT_WRAP, "" },
	[S_PID] = { "PID", "pid", OUT_INT, 7, 0, "" },
	[S_LAT] = { "LAT(ms)", "lat_ms", OUT_FLOAT, 7, OUT_RIGHT, "" },
	[S_CT] = { "CONTAINER", "container", OUT_STR, 8, OUT_JSON_ONLY, "" },
};

static char *stream(bool json, const char *columns)
{
	struct capture c;
	struct out_stream *s = capture_stream(&c, scols, 5, json, columns, NULL);
	out_stream_header(s);
	out_stream_float(s, S_TIME, 1.5, 6);
	out_stream_str(s, S_COMM, "kworker/u8:3");
	out_stream_int(s, S_PID, 42);
	out_stream_float(s, S_LAT, 0.1234, 3);
	out_stream_str(s, S_CT, "web1");
	assert_int_equal(out_stream_row(s), 0);
	out_stream_int(s, S_PID, 7); /* the rest unset: "-" and null */
	assert_int_equal(out_stream_row(s), 0);
	return capture_stream_end(&c, s);
}

static void test_stream_text(void **state)
{
	(void)state;
	char *t = stream(false, NULL);
	/* printf("%-11s %-6.6s %-7s %7s\n") as libbpf-tools lays it out. */
	assert_string_equal(t, "TIME(s)     COMM   PID     LAT(ms)\n"
			       "1.500000    kworke 42        0.123\n"
			       "-           -      7             -\n");
	free(t);
	t = stream(false, "pid,container");
	assert_string_equal(t, "PID     CONTAINER\n42      web1\n7       -\n");
	free(t);
}

static void test_stream_json(void **state)
{
	(void)state;
	char *t = stream(true, NULL);
	assert_string_equal(
		t, "{\"time\":1.500000,\"comm\":\"kworker/"
		   "u8:3\",\"pid\":42,\"lat_ms\":0.123,\"container\":\"web1\"}\n"
		   "{\"time\":null,\"comm\":null,\"pid\":7,\"lat_ms\":null,\"container\":null}\n");
	free(t);
	struct out_opts o = { .columns = "nope" };
	struct out_stream *s;
	const char *bad = NULL;
	assert_int_equal(out_stream_new(scols, 5, &o, &s, &bad), -EINVAL);
	assert_string_equal(bad, "nope");
}

/* A recording's block I/O (nsh/bpf/biosnoop): histogram slots are
 * "SLOT:COUNT" in digits; a sign was taken by strtoull ("0:-1": a count of
 * 2^64 - 1), and a sum past 2^64 wrapped. */
static void test_biorec_slots(void **state)
{
	(void)state;
	static const char head[] = "nsh-biosnoop 1\nlost 0 0\nowner web 3 2 1 8192 4096 5000\n";
	char text[512];
	struct biorec r = { 0 };
	snprintf(text, sizeof(text), "%slog2 web 3:2 4:1\n", head);
	assert_int_equal(biorec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.n_owners, 1);
	assert_int_equal(r.owners[0].hist.log2[3], 2);
	assert_int_equal(r.owners[0].hist.log2[4], 1);
	const char *bad[] = {
		"3:-1", "-1:2", "+3:2", "3:+2", "3: 2", "3:", "3:18446744073709551615 3:1"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%slog2 web %s\n", head, bad[i]);
		assert_int_equal(biorec_parse(text, strlen(text), &r), -EINVAL);
	}
	assert_int_equal(r.owners[0].hist.log2[3], 2); /* left as it was */
	biorec_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rwbs),         cmocka_unit_test(test_log2_slots),
		cmocka_unit_test(test_fine_slots),   cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_bar),          cmocka_unit_test(test_top),
		cmocka_unit_test(test_stream_text),  cmocka_unit_test(test_stream_json),
		cmocka_unit_test(test_biorec_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
