/* The AT_SYSINFO_EHDR helpers that mkvdso ships to kernels
 * (include/vdso_auxv.h): insert, replace, the capacity bound, the error
 * codes, both word sizes, AT_NULL kept last, and nothing written on error.
 * Every vector sits in a larger array whose words past the capacity are
 * canaries that must survive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../include/vdso_auxv.h"

#include <string.h>

#define CANARY64 UINT64_C(0xdeadbeefcafef00d)
#define CANARY32 UINT32_C(0xcafef00d)
#define BASE64 UINT64_C(0x400000000)
#define BASE32 UINT32_C(0x7fff0000)

enum { SLOTS = 12 }; /* entries in each test array */

/* An AT_PHDR, AT_PAGESZ, AT_ENTRY vector with AT_NULL, then canaries. */
static void vector64(uint64_t words[2 * SLOTS])
{
	static const uint64_t start[] = { 3, 0x10040, 6, 4096, 9, 0x10400, 0, 0 };
	for (size_t i = 0; i < 2 * SLOTS; i++)
		words[i] = CANARY64;
	memcpy(words, start, sizeof start);
}

static void vector32(uint32_t words[2 * SLOTS])
{
	static const uint32_t start[] = { 3, 0x10040, 6, 4096, 9, 0x10400, 0, 0 };
	for (size_t i = 0; i < 2 * SLOTS; i++)
		words[i] = CANARY32;
	memcpy(words, start, sizeof start);
}

static void test_insert_64(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, BASE64), 5);
	static const uint64_t want[] = { 3, 0x10040, 6, 4096, 9, 0x10400, 33, BASE64, 0, 0 };
	assert_memory_equal(v, want, sizeof want);
	/* Nothing past the new AT_NULL changed. */
	for (size_t i = 10; i < 2 * SLOTS; i++)
		assert_true(v[i] == CANARY64);
	assert_int_equal(vdso_auxv64_find(v, SLOTS, VDSO_AT_SYSINFO_EHDR), 3);
}

static void test_insert_32(void **state)
{
	(void)state;
	uint32_t v[2 * SLOTS];
	vector32(v);
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(v, SLOTS, BASE32), 5);
	static const uint32_t want[] = { 3, 0x10040, 6, 4096, 9, 0x10400, 33, BASE32, 0, 0 };
	assert_memory_equal(v, want, sizeof want);
	for (size_t i = 10; i < 2 * SLOTS; i++)
		assert_true(v[i] == CANARY32);
	assert_int_equal(vdso_auxv32_find(v, SLOTS, VDSO_AT_SYSINFO_EHDR), 3);
}

/* The insertion fills exactly the capacity: AT_NULL lands in the last entry. */
static void test_insert_into_last_free_entry(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, 5, BASE64), 5);
	assert_true(v[8] == VDSO_AT_NULL && v[9] == 0);
	assert_true(v[10] == CANARY64);
}

static void test_replace_64(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	v[2] = 33; /* AT_PAGESZ becomes a stale AT_SYSINFO_EHDR */
	v[3] = 0x1000;
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, BASE64), 4);
	static const uint64_t want[] = { 3, 0x10040, 33, BASE64, 9, 0x10400, 0, 0 };
	assert_memory_equal(v, want, sizeof want);
	assert_true(v[8] == CANARY64);
}

/* glibc and musl take the last entry they see: every copy is updated. */
static void test_replace_every_copy(void **state)
{
	(void)state;
	uint32_t v[2 * SLOTS];
	vector32(v);
	v[0] = 33;
	v[4] = 33;
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(v, SLOTS, BASE32), 4);
	static const uint32_t want[] = { 33, BASE32, 6, 4096, 33, BASE32, 0, 0 };
	assert_memory_equal(v, want, sizeof want);
	assert_int_equal(vdso_auxv32_find(v, SLOTS, 33), 0);
}

/* A replacement needs no free entry, even in a full vector. */
static void test_replace_in_full_vector(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	v[4] = 33;
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, 4, BASE64), 4);
	assert_true(v[5] == BASE64);
}

/* Type 33 as a value or after AT_NULL is not an entry. */
static void test_only_entries_before_at_null_count(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	v[1] = 33;
	v[8] = 33; /* free room after AT_NULL */
	v[9] = 0x1234;
	assert_int_equal(vdso_auxv64_find(v, SLOTS, 33), VDSO_AUXV_ERR_NOT_FOUND);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, BASE64), 5);
	assert_true(v[1] == 33);
	assert_true(v[6] == 33 && v[7] == BASE64 && v[8] == VDSO_AT_NULL && v[9] == 0);
}

/* AT_NULL is kept last after any sequence of inserts and replacements. */
static void test_at_null_kept_last(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS];
	vector64(v);
	ptrdiff_t used = 0;
	for (uint64_t type = 20; type < 26; type++) {
		used = vdso_auxv64_set(v, SLOTS, type, type * 2);
		assert_true(used > 0);
		assert_true(v[2 * (used - 1)] == VDSO_AT_NULL && v[2 * (used - 1) + 1] == 0);
		for (ptrdiff_t i = 0; i < used - 1; i++)
			assert_true(v[2 * i] != VDSO_AT_NULL);
	}
	assert_int_equal(used, 10);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, BASE64), 11);
	assert_int_equal(vdso_auxv64_set(v, SLOTS, 22, 7), 11); /* a replacement */
	assert_true(v[20] == VDSO_AT_NULL && v[21] == 0);
	assert_true(v[22] == CANARY64 && v[23] == CANARY64);
}

static void test_full_vector(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS], before[2 * SLOTS];
	vector64(v);
	memcpy(before, v, sizeof v);
	/* AT_NULL is entry 3 of 4: no entry left for it to move to. */
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, 4, BASE64), VDSO_AUXV_ERR_FULL);
	assert_memory_equal(v, before, sizeof v);

	uint32_t w[2 * SLOTS], before32[2 * SLOTS];
	vector32(w);
	memcpy(before32, w, sizeof w);
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(w, 4, BASE32), VDSO_AUXV_ERR_FULL);
	assert_memory_equal(w, before32, sizeof w);
}

static void test_missing_at_null(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS], before[2 * SLOTS];
	vector64(v);
	memcpy(before, v, sizeof v);
	/* AT_NULL is entry 3, outside a capacity of 3. */
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, 3, BASE64), VDSO_AUXV_ERR_UNTERMINATED);
	assert_int_equal(vdso_auxv64_find(v, 3, 33), VDSO_AUXV_ERR_UNTERMINATED);
	assert_memory_equal(v, before, sizeof v);
	/* No AT_NULL anywhere. */
	v[6] = 7;
	memcpy(before, v, sizeof v);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, BASE64), VDSO_AUXV_ERR_UNTERMINATED);
	assert_memory_equal(v, before, sizeof v);

	uint32_t w[2 * SLOTS], before32[2 * SLOTS];
	vector32(w);
	w[6] = 7;
	memcpy(before32, w, sizeof w);
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(w, SLOTS, BASE32), VDSO_AUXV_ERR_UNTERMINATED);
	assert_memory_equal(w, before32, sizeof w);

	/* An empty capacity holds no AT_NULL either. */
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, 0, BASE64), VDSO_AUXV_ERR_UNTERMINATED);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(NULL, 0, BASE64), VDSO_AUXV_ERR_UNTERMINATED);
}

static void test_zero_value_refused(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS], before[2 * SLOTS];
	vector64(v);
	memcpy(before, v, sizeof v);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, 0), VDSO_AUXV_ERR_ZERO_VALUE);
	assert_memory_equal(v, before, sizeof v);
	/* Also when it would replace an existing entry. */
	v[2] = 33;
	memcpy(before, v, sizeof v);
	assert_int_equal(vdso_auxv64_set_sysinfo_ehdr(v, SLOTS, 0), VDSO_AUXV_ERR_ZERO_VALUE);
	assert_memory_equal(v, before, sizeof v);

	uint32_t w[2 * SLOTS], before32[2 * SLOTS];
	vector32(w);
	memcpy(before32, w, sizeof w);
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(w, SLOTS, 0), VDSO_AUXV_ERR_ZERO_VALUE);
	assert_memory_equal(w, before32, sizeof w);
}

/* The generic setter: 0 is a fine value for other types (AT_SECURE), but
 * AT_NULL is not a type one can set; a NULL vector is refused. */
static void test_generic_set(void **state)
{
	(void)state;
	uint64_t v[2 * SLOTS], before[2 * SLOTS];
	vector64(v);
	assert_int_equal(vdso_auxv64_set(v, SLOTS, 23, 0), 5);
	assert_true(v[6] == 23 && v[7] == 0 && v[8] == VDSO_AT_NULL);
	memcpy(before, v, sizeof v);
	assert_int_equal(vdso_auxv64_set(v, SLOTS, VDSO_AT_NULL, 5), VDSO_AUXV_ERR_BAD_TYPE);
	assert_int_equal(vdso_auxv64_find(v, SLOTS, VDSO_AT_NULL), VDSO_AUXV_ERR_BAD_TYPE);
	assert_memory_equal(v, before, sizeof v);
	assert_int_equal(vdso_auxv64_set(NULL, 4, 33, 1), VDSO_AUXV_ERR_NULL_VECTOR);
	assert_int_equal(vdso_auxv32_set(NULL, 4, 33, 1), VDSO_AUXV_ERR_NULL_VECTOR);
	assert_int_equal(vdso_auxv32_find(NULL, 4, 33), VDSO_AUXV_ERR_NULL_VECTOR);
}

/* A 32-bit vector is 32-bit words: nothing is read or written as 64-bit. */
static void test_32_bit_words(void **state)
{
	(void)state;
	uint32_t w[2 * SLOTS];
	vector32(w);
	/* Capacity 5 is 10 words: the insertion ends exactly there, and the
	 * 11th word, a canary, is untouched. */
	assert_int_equal(vdso_auxv32_set_sysinfo_ehdr(w, 5, BASE32), 5);
	static const uint32_t want[] = { 3, 0x10040, 6, 4096, 9, 0x10400, 33, BASE32, 0, 0, CANARY32 };
	assert_memory_equal(w, want, sizeof want);
	assert_int_equal(vdso_auxv32_find(w, 5, 6), 1);
	assert_int_equal(vdso_auxv32_find(w, 5, 25), VDSO_AUXV_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_64),
		cmocka_unit_test(test_insert_32),
		cmocka_unit_test(test_insert_into_last_free_entry),
		cmocka_unit_test(test_replace_64),
		cmocka_unit_test(test_replace_every_copy),
		cmocka_unit_test(test_replace_in_full_vector),
		cmocka_unit_test(test_only_entries_before_at_null_count),
		cmocka_unit_test(test_at_null_kept_last),
		cmocka_unit_test(test_full_vector),
		cmocka_unit_test(test_missing_at_null),
		cmocka_unit_test(test_zero_value_refused),
		cmocka_unit_test(test_generic_set),
		cmocka_unit_test(test_32_bit_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
