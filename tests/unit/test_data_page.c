/* The kernel-side writer of the data page (vdso/include/vdso_data.h), as a
 * kernel uses it: initialise, update under the sequence counter, set bases,
 * derive mult and shift from the counter frequency. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vdso_data.h"

#include <string.h>

/* vdso_data_init takes a whole page, as every process maps one; a kernel page
 * aligns it. */
static _Alignas(MKVDSO_DATA_SIZE) unsigned char page_bytes[MKVDSO_DATA_SIZE];
#define PAGE_DATA ((struct vdso_data *)page_bytes)

static void test_layout(void **state)
{
	(void)state;
	assert_true(sizeof(struct vdso_data) <= MKVDSO_DATA_SIZE);
	assert_int_equal(offsetof(struct vdso_data, version), 0); /* checkable first */
	assert_int_equal(MKVDSO_DATA_OFFSET, -MKVDSO_DATA_SIZE);  /* the page right below */
}

/* A reused kernel page keeps what it held: init clears all of it, not just
 * the struct, or every process could read the rest (3624 bytes). */
static void test_init(void **state)
{
	(void)state;
	struct vdso_data *d = PAGE_DATA;
	for (size_t i = 0; i < sizeof page_bytes; i++)
		page_bytes[i] = (unsigned char)(0xa5 ^ i);
	vdso_data_init(d);
	assert_int_equal(d->version, MKVDSO_DATA_VERSION);
	assert_int_equal(d->seq, 0);
	assert_int_equal(d->clock_mode, MKVDSO_CLOCK_MODE_NONE); /* nothing served yet */
	assert_int_equal(d->valid_clocks, 0);
	for (size_t i = sizeof d->version; i < sizeof page_bytes; i++)
		if (page_bytes[i] != 0)
			fail_msg("byte %zu of the page is 0x%02x after init, expected 0", i, page_bytes[i]);
}

/* seq is odd exactly while an update is in progress and only ever grows:
 * a reader that saw an even value before and the same after read a
 * consistent page (the toggle bug of vdso-facts §8.5 cannot happen). */
static void test_sequence(void **state)
{
	(void)state;
	struct vdso_data *d = PAGE_DATA;
	vdso_data_init(d);
	uint32_t before = d->seq;
	for (int i = 0; i < 1000; i++) {
		vdso_data_begin_update(d);
		assert_int_equal(d->seq & 1, 1);
		assert_int_equal(d->seq, before + 1);
		vdso_data_end_update(d);
		assert_int_equal(d->seq & 1, 0);
		assert_int_equal(d->seq, before + 2);
		before = d->seq;
	}
	/* Wrapping past 2^32 keeps the parity protocol. */
	d->seq = 0xfffffffe;
	vdso_data_begin_update(d);
	assert_int_equal(d->seq, 0xffffffff);
	vdso_data_end_update(d);
	assert_int_equal(d->seq, 0);
}

static void test_bases(void **state)
{
	(void)state;
	struct vdso_data *d = PAGE_DATA;
	vdso_data_init(d);
	vdso_data_begin_update(d);
	assert_int_equal(vdso_data_set_counter(d, MKVDSO_CS_HRES_COARSE, 1000, ~0ull >> 8, 1u << 31, 27), 0);
	assert_int_equal(vdso_data_set_counter(d, MKVDSO_CS_RAW, 2000, ~0ull >> 8, 1u << 30, 26), 0);
	assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_REALTIME, 1700000000, 123456789), 0);
	assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_MONOTONIC, 5, 999999999), 0);
	assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_REALTIME_COARSE, 1700000000, 100), 0);
	assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_MONOTONIC_RAW, 7, 3), 0);
	vdso_data_end_update(d);

	const struct vdso_data_clock *hres = &d->clock[MKVDSO_CS_HRES_COARSE];
	const struct vdso_data_clock *raw = &d->clock[MKVDSO_CS_RAW];
	/* Counter clocks keep ns << shift, coarse ones plain ns. */
	assert_int_equal(hres->basetime[MKVDSO_CLOCK_REALTIME].sec, 1700000000);
	assert_int_equal(hres->basetime[MKVDSO_CLOCK_REALTIME].nsec, 123456789ull << 27);
	assert_int_equal(hres->basetime[MKVDSO_CLOCK_MONOTONIC].nsec, 999999999ull << 27);
	assert_int_equal(hres->basetime[MKVDSO_CLOCK_REALTIME_COARSE].nsec, 100);
	/* MONOTONIC_RAW lives in the raw block, with that block's shift. */
	assert_int_equal(raw->basetime[MKVDSO_CLOCK_MONOTONIC_RAW].sec, 7);
	assert_int_equal(raw->basetime[MKVDSO_CLOCK_MONOTONIC_RAW].nsec, 3ull << 26);
	assert_int_equal(hres->basetime[MKVDSO_CLOCK_MONOTONIC_RAW].sec, 0);
	assert_int_equal(d->valid_clocks,
			 MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_REALTIME) | MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_MONOTONIC) |
			 MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_REALTIME_COARSE) |
			 MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_MONOTONIC_RAW));
	/* The CPU-time clocks, unknown ids and ids past the table are refused. */
	const unsigned refused[] = { MKVDSO_CLOCK_PROCESS_CPUTIME_ID, MKVDSO_CLOCK_THREAD_CPUTIME_ID,
				     8, 9, 10, MKVDSO_BASES, 1000 };
	struct vdso_data before;
	memcpy(&before, d, sizeof before);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_int_equal(vdso_data_set_base(d, refused[i], 1, 1), -1);
	/* A second or more in nsec: a coarse clock would hand it to programs as
	 * tv_nsec, which they reject as invalid. */
	const uint32_t bad_nsec[] = { MKVDSO_NSEC_PER_SEC, MKVDSO_NSEC_PER_SEC + 1, 0xffffffffu };
	for (size_t i = 0; i < sizeof bad_nsec / sizeof bad_nsec[0]; i++) {
		assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_REALTIME_COARSE, 1, bad_nsec[i]), -1);
		assert_int_equal(vdso_data_set_base(d, MKVDSO_CLOCK_MONOTONIC, 1, bad_nsec[i]), -1);
	}
	/* No block past MKVDSO_CS_RAW, no shift past 32. */
	assert_int_equal(vdso_data_set_counter(d, MKVDSO_CS_BASES, 1, 1, 1, 1), -1);
	assert_int_equal(vdso_data_set_counter(d, MKVDSO_CS_RAW, 1, 1, 1, 33), -1);
	assert_memory_equal(d, &before, sizeof before); /* refusals write nothing */
	assert_int_equal(vdso_data_set_counter(d, MKVDSO_CS_RAW, 1, 1, 1, 32), 0);
}

/* One second of counter ticks converts to 10^9 ns within a nanosecond. */
static void test_mult_shift(void **state)
{
	(void)state;
	const uint64_t frequencies[] = { 62500000, 24000000, 19200000, 25000000, 54000000,
					 1000000000, 1, 3 };
	for (size_t i = 0; i < sizeof frequencies / sizeof frequencies[0]; i++) {
		uint32_t mult = 0, shift = 0;
		uint64_t f = frequencies[i];
		assert_int_equal(vdso_data_calc_mult_shift(f, &mult, &shift), 0);
		assert_true(shift <= 32);
		/* 128-bit product, as the vDSO computes it. */
		unsigned __int128 ns = ((unsigned __int128)f * mult) >> shift;
		uint64_t error = ns > 1000000000u ? (uint64_t)ns - 1000000000u : 1000000000u - (uint64_t)ns;
		if (error > 1)
			fail_msg("%llu Hz: mult %u shift %u gives %llu ns for one second",
				 (unsigned long long)f, mult, shift, (unsigned long long)ns);
	}
	/* qemu's 62.5 MHz counter: exactly 16 ns a tick. */
	uint32_t mult, shift;
	assert_int_equal(vdso_data_calc_mult_shift(62500000, &mult, &shift), 0);
	assert_int_equal((uint64_t)mult >> shift << shift, (uint64_t)mult);
	assert_int_equal(vdso_data_calc_mult_shift(0, &mult, &shift), -1);
	/* The documented limit, 10^9 * 2^32 Hz: mult 1 at shift 32.  Just past
	 * it rounding would still give mult 1, a clock running slow: refused,
	 * with mult and shift left as they were. */
	const uint64_t limit = 1000000000ull << 32;
	assert_int_equal(vdso_data_calc_mult_shift(limit, &mult, &shift), 0);
	assert_int_equal(mult, 1);
	assert_int_equal(shift, 32);
	mult = 7, shift = 9;
	const uint64_t too_fast[] = { limit + 1, 2 * limit - 1, 2 * limit, ~0ull };
	for (size_t i = 0; i < sizeof too_fast / sizeof too_fast[0]; i++) {
		assert_int_equal(vdso_data_calc_mult_shift(too_fast[i], &mult, &shift), -1);
		assert_int_equal(mult, 7);
		assert_int_equal(shift, 9);
	}
	assert_int_equal(vdso_data_div_u64(1000000000ull << 32, 3), (1000000000ull << 32) / 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_bases),
		cmocka_unit_test(test_mult_shift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
