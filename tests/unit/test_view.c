/* test_view: the bounds-checked reads every later stage relies on.
 *
 * Each test builds a small image in a heap buffer of exactly the file's
 * size, so a read past the file's bytes (rather than into the view's zero
 * fill) is a heap overflow the sanitizer build reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "view.h"

#include <stdlib.h>
#include <string.h>

/* A heap copy of exactly size bytes, viewed with the given class and order. */
struct image_bytes {
	unsigned char *bytes;
	struct view view;
};

static void make_view(struct image_bytes *img, const void *bytes, size_t size,
		      int elf_class, int big_endian)
{
	img->bytes = malloc(size ? size : 1);
	assert_non_null(img->bytes);
	if (size)
		memcpy(img->bytes, bytes, size);
	view_init(&img->view, img->bytes, size, elf_class, big_endian);
}

static void free_view(struct image_bytes *img)
{
	free(img->bytes);
	img->bytes = NULL;
}

static const unsigned char counting[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

/* --- the mapping's extent --- */

static void test_map_size_rounds_up_to_a_page(void **state)
{
	(void)state;
	struct view v;
	static const unsigned char one = 0;
	view_init(&v, &one, 1, ELFCLASS64, 0);
	assert_int_equal(v.file_size, 1);
	assert_int_equal(v.map_size, VIEW_PAGE_SIZE);
	view_init(&v, &one, VIEW_PAGE_SIZE, ELFCLASS64, 0);
	assert_int_equal(v.map_size, VIEW_PAGE_SIZE);
	view_init(&v, &one, VIEW_PAGE_SIZE + 1, ELFCLASS64, 0);
	assert_int_equal(v.map_size, 2 * VIEW_PAGE_SIZE);
	view_init(&v, &one, 0, ELFCLASS64, 0);
	assert_int_equal(v.map_size, 0);
}

static void test_contains_at_and_past_the_end(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS64, 0);
	const struct view *v = &img.view;
	const uint64_t end = VIEW_PAGE_SIZE;

	assert_true(view_contains(v, 0, end));
	assert_true(view_contains(v, end - 1, 1));
	assert_true(view_contains(v, end, 0));      /* the empty range at the end */
	assert_false(view_contains(v, end - 1, 2));
	assert_false(view_contains(v, end, 1));
	assert_false(view_contains(v, 0, end + 1));
	assert_false(view_contains(v, end + 1, 0));
	free_view(&img);
}

static void test_contains_rejects_offset_plus_size_overflow(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS64, 0);
	const struct view *v = &img.view;

	/* offset + size wraps to a small number inside the mapping. */
	assert_false(view_contains(v, 16, UINT64_MAX - 15));
	assert_false(view_contains(v, 16, UINT64_MAX));
	assert_false(view_contains(v, UINT64_MAX, 2));
	assert_false(view_contains(v, UINT64_MAX - 1, 4));
	assert_false(view_contains(v, UINT64_MAX, 0));
	assert_false(view_contains(v, 0, UINT64_MAX));
	free_view(&img);
}

/* --- zero fill and the page end --- */

static void test_reads_in_the_zero_fill_return_zero(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS64, 0);
	const struct view *v = &img.view;
	uint8_t u8 = 0xff;
	uint16_t u16 = 0xffff;
	uint32_t u32 = 0xffffffff;
	uint64_t u64 = UINT64_MAX, word = UINT64_MAX;

	/* Straddling the file end: the file's bytes, then zeros. */
	assert_true(view_u32(v, 6, &u32));
	assert_int_equal(u32, 0x0807);
	assert_true(view_u64(v, 4, &u64));
	assert_int_equal(u64, 0x08070605);

	/* Wholly past the file, inside the page. */
	assert_true(view_u8(v, 8, &u8));
	assert_int_equal(u8, 0);
	assert_true(view_u16(v, 100, &u16));
	assert_int_equal(u16, 0);
	assert_true(view_u64(v, 1000, &u64));
	assert_int_equal(u64, 0);
	assert_true(view_word(v, VIEW_PAGE_SIZE - 8, &word));
	assert_int_equal(word, 0);
	assert_true(view_u8(v, VIEW_PAGE_SIZE - 1, &u8));
	assert_int_equal(u8, 0);
	free_view(&img);
}

static void test_reads_past_the_page_fail(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS64, 0);
	const struct view *v = &img.view;
	const uint64_t end = VIEW_PAGE_SIZE;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	assert_false(view_u8(v, end, &u8));
	assert_false(view_u16(v, end - 1, &u16));
	assert_false(view_u32(v, end - 3, &u32));
	assert_false(view_u64(v, end - 7, &u64));
	assert_false(view_word(v, end - 4, &u64));
	assert_false(view_u32(v, UINT64_MAX - 1, &u32));
	assert_false(view_u64(v, UINT64_MAX, &u64));
	/* The last whole value before the page end still reads. */
	assert_true(view_u64(v, end - 8, &u64));
	free_view(&img);
}

static void test_empty_file_has_nothing_to_read(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, NULL, 0, ELFCLASS64, 0);
	uint8_t u8;
	assert_false(view_u8(&img.view, 0, &u8));
	assert_true(view_contains(&img.view, 0, 0));
	assert_false(view_contains(&img.view, 0, 1));
	assert_null(view_string(&img.view, 0, 100));
	free_view(&img);
}

/* --- byte order and class --- */

static void test_integers_little_endian(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS64, 0);
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	assert_true(view_u16(&img.view, 0, &u16));
	assert_int_equal(u16, 0x0201);
	assert_true(view_u16(&img.view, 1, &u16));   /* unaligned */
	assert_int_equal(u16, 0x0302);
	assert_true(view_u32(&img.view, 0, &u32));
	assert_int_equal(u32, 0x04030201);
	assert_true(view_u64(&img.view, 0, &u64));
	assert_int_equal(u64, 0x0807060504030201ull);
	free_view(&img);
}

static void test_integers_big_endian(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, counting, sizeof counting, ELFCLASS32, 1);
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	assert_true(view_u16(&img.view, 0, &u16));
	assert_int_equal(u16, 0x0102);
	assert_true(view_u16(&img.view, 3, &u16));
	assert_int_equal(u16, 0x0405);
	assert_true(view_u32(&img.view, 0, &u32));
	assert_int_equal(u32, 0x01020304);
	assert_true(view_u64(&img.view, 0, &u64));
	assert_int_equal(u64, 0x0102030405060708ull);
	free_view(&img);
}

static void test_word_follows_class_and_order(void **state)
{
	(void)state;
	static const struct {
		int elf_class, big_endian;
		unsigned size;
		uint64_t value;
	} cases[] = {
		{ ELFCLASS32, 0, 4, 0x04030201ull },
		{ ELFCLASS32, 1, 4, 0x01020304ull },
		{ ELFCLASS64, 0, 8, 0x0807060504030201ull },
		{ ELFCLASS64, 1, 8, 0x0102030405060708ull },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct image_bytes img;
		make_view(&img, counting, sizeof counting, cases[i].elf_class,
			  cases[i].big_endian);
		uint64_t word = 0;
		assert_int_equal(view_word_size(&img.view), cases[i].size);
		assert_int_equal(view_dyn_size(&img.view), 2 * cases[i].size);
		assert_int_equal(view_sym_size(&img.view),
				 cases[i].elf_class == ELFCLASS64 ? 24 : 16);
		assert_true(view_word(&img.view, 0, &word));
		assert_int_equal(word, cases[i].value);
		/* A word straddling the page end fails in either class. */
		assert_false(view_word(&img.view, VIEW_PAGE_SIZE - cases[i].size + 1, &word));
		assert_true(view_word(&img.view, VIEW_PAGE_SIZE - cases[i].size, &word));
		free_view(&img);
	}
}

/* --- dynamic entries --- */

static void put_uint(unsigned char *p, unsigned size, uint64_t value, int big_endian)
{
	for (unsigned i = 0; i < size; i++) {
		unsigned byte = big_endian ? size - 1 - i : i;
		p[byte] = (unsigned char)(value >> (8 * i));
	}
}

static void test_dyn_sign_extends_32_bit_tags(void **state)
{
	(void)state;
	for (int big_endian = 0; big_endian <= 1; big_endian++) {
		unsigned char raw[3 * 8];
		/* d_tag, d_val pairs: DT_GNU_HASH, a tag with the sign bit set, -2. */
		put_uint(raw + 0, 4, DT_GNU_HASH, big_endian);
		put_uint(raw + 4, 4, 0xfffffff0u, big_endian);
		put_uint(raw + 8, 4, 0x80000000u, big_endian);
		put_uint(raw + 12, 4, 1, big_endian);
		put_uint(raw + 16, 4, 0xfffffffeu, big_endian);
		put_uint(raw + 20, 4, 2, big_endian);
		struct image_bytes img;
		make_view(&img, raw, sizeof raw, ELFCLASS32, big_endian);
		GElf_Dyn d;
		assert_true(view_dyn(&img.view, 0, &d));
		assert_int_equal(d.d_tag, DT_GNU_HASH);
		/* d_val is unsigned: not extended. */
		assert_int_equal(d.d_un.d_val, 0xfffffff0u);
		assert_true(view_dyn(&img.view, 8, &d));
		assert_true(d.d_tag == -(int64_t)0x80000000);
		assert_int_equal(d.d_un.d_val, 1);
		assert_true(view_dyn(&img.view, 16, &d));
		assert_true(d.d_tag == -2);
		/* Past the file: a zero (DT_NULL) entry from the fill. */
		assert_true(view_dyn(&img.view, 24, &d));
		assert_true(d.d_tag == DT_NULL);
		assert_int_equal(d.d_un.d_val, 0);
		assert_false(view_dyn(&img.view, VIEW_PAGE_SIZE - 4, &d));
		free_view(&img);
	}
}

static void test_dyn_64_bit_tags_are_not_truncated(void **state)
{
	(void)state;
	for (int big_endian = 0; big_endian <= 1; big_endian++) {
		unsigned char raw[2 * 16];
		put_uint(raw + 0, 8, 0xfffffffeull, big_endian);          /* positive */
		put_uint(raw + 8, 8, 0x1122334455667788ull, big_endian);
		put_uint(raw + 16, 8, UINT64_MAX, big_endian);            /* -1 */
		put_uint(raw + 24, 8, 0, big_endian);
		struct image_bytes img;
		make_view(&img, raw, sizeof raw, ELFCLASS64, big_endian);
		GElf_Dyn d;
		assert_true(view_dyn(&img.view, 0, &d));
		assert_true(d.d_tag == (int64_t)0xfffffffe);
		assert_int_equal(d.d_un.d_val, 0x1122334455667788ull);
		assert_true(view_dyn(&img.view, 16, &d));
		assert_true(d.d_tag == -1);
		assert_false(view_dyn(&img.view, VIEW_PAGE_SIZE - 8, &d));
		free_view(&img);
	}
}

/* --- symbols --- */

static void test_sym_elf32_layout(void **state)
{
	(void)state;
	for (int big_endian = 0; big_endian <= 1; big_endian++) {
		/* Elf32_Sym: st_name, st_value, st_size, st_info, st_other, st_shndx */
		unsigned char raw[16];
		put_uint(raw + 0, 4, 0x11223344u, big_endian);
		put_uint(raw + 4, 4, 0xdeadbeefu, big_endian);
		put_uint(raw + 8, 4, 0x100, big_endian);
		raw[12] = ELF32_ST_INFO(STB_GLOBAL, STT_FUNC);
		raw[13] = STV_HIDDEN;
		put_uint(raw + 14, 2, SHN_ABS, big_endian);
		struct image_bytes img;
		make_view(&img, raw, sizeof raw, ELFCLASS32, big_endian);
		GElf_Sym s;
		assert_true(view_sym(&img.view, 0, &s));
		assert_int_equal(s.st_name, 0x11223344u);
		assert_int_equal(s.st_value, 0xdeadbeefu);   /* not sign-extended */
		assert_int_equal(s.st_size, 0x100);
		assert_int_equal(GELF_ST_BIND(s.st_info), STB_GLOBAL);
		assert_int_equal(GELF_ST_TYPE(s.st_info), STT_FUNC);
		assert_int_equal(s.st_other, STV_HIDDEN);
		assert_int_equal(s.st_shndx, SHN_ABS);
		/* The next entry is all zero fill; one straddling the page fails. */
		assert_true(view_sym(&img.view, 16, &s));
		assert_int_equal(s.st_name, 0);
		assert_int_equal(s.st_shndx, SHN_UNDEF);
		assert_true(view_sym(&img.view, VIEW_PAGE_SIZE - 16, &s));
		assert_false(view_sym(&img.view, VIEW_PAGE_SIZE - 15, &s));
		free_view(&img);
	}
}

static void test_sym_elf64_layout(void **state)
{
	(void)state;
	for (int big_endian = 0; big_endian <= 1; big_endian++) {
		/* Elf64_Sym: st_name, st_info, st_other, st_shndx, st_value, st_size */
		unsigned char raw[24];
		put_uint(raw + 0, 4, 0x11223344u, big_endian);
		raw[4] = ELF64_ST_INFO(STB_WEAK, STT_OBJECT);
		raw[5] = STV_PROTECTED;
		put_uint(raw + 6, 2, 0x1234, big_endian);
		put_uint(raw + 8, 8, 0xffffffff80001000ull, big_endian);
		put_uint(raw + 16, 8, 0x0000000100000002ull, big_endian);
		struct image_bytes img;
		make_view(&img, raw, sizeof raw, ELFCLASS64, big_endian);
		GElf_Sym s;
		assert_true(view_sym(&img.view, 0, &s));
		assert_int_equal(s.st_name, 0x11223344u);
		assert_int_equal(GELF_ST_BIND(s.st_info), STB_WEAK);
		assert_int_equal(GELF_ST_TYPE(s.st_info), STT_OBJECT);
		assert_int_equal(s.st_other, STV_PROTECTED);
		assert_int_equal(s.st_shndx, 0x1234);
		assert_int_equal(s.st_value, 0xffffffff80001000ull);
		assert_int_equal(s.st_size, 0x0000000100000002ull);
		assert_true(view_sym(&img.view, VIEW_PAGE_SIZE - 24, &s));
		assert_false(view_sym(&img.view, VIEW_PAGE_SIZE - 23, &s));
		assert_false(view_sym(&img.view, UINT64_MAX - 8, &s));
		free_view(&img);
	}
}

/* --- strings --- */

static const char strings[] = { 'a', 'b', 'c', '\0', 'd', 'e', 'f' };  /* "def" unterminated */

static void test_string_terminated_before_limit(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, strings, sizeof strings, ELFCLASS64, 0);
	const char *s = view_string(&img.view, 0, 4);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	assert_ptr_equal(s, (const char *)img.bytes);
	s = view_string(&img.view, 2, 4);
	assert_non_null(s);
	assert_string_equal(s, "c");
	s = view_string(&img.view, 3, 4);       /* the empty string */
	assert_non_null(s);
	assert_string_equal(s, "");
	free_view(&img);
}

static void test_string_without_terminator_before_limit(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, strings, sizeof strings, ELFCLASS64, 0);
	/* The terminator is at offset 3: a limit of 3 excludes it. */
	assert_null(view_string(&img.view, 0, 3));
	assert_null(view_string(&img.view, 1, 2));
	/* offset at or past the limit. */
	assert_null(view_string(&img.view, 3, 3));
	assert_null(view_string(&img.view, 4, 2));
	assert_null(view_string(&img.view, UINT64_MAX, UINT64_MAX));
	free_view(&img);
}

static void test_string_limit_beyond_the_file(void **state)
{
	(void)state;
	struct image_bytes img;
	make_view(&img, strings, sizeof strings, ELFCLASS64, 0);
	/* The limit is clamped: a terminated string still reads... */
	const char *s = view_string(&img.view, 0, UINT64_MAX);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	/* ...but "def" runs to the file's end: the view has no bytes to hand
	 * out past it, so the string is not there (and nothing past the heap
	 * buffer is read: the sanitizer build would say). */
	assert_null(view_string(&img.view, 4, VIEW_PAGE_SIZE));
	assert_null(view_string(&img.view, 4, UINT64_MAX));
	/* Offsets in the zero fill or past the page. */
	assert_null(view_string(&img.view, sizeof strings, VIEW_PAGE_SIZE));
	assert_null(view_string(&img.view, 100, VIEW_PAGE_SIZE));
	assert_null(view_string(&img.view, VIEW_PAGE_SIZE + 1, UINT64_MAX));
	free_view(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_size_rounds_up_to_a_page),
		cmocka_unit_test(test_contains_at_and_past_the_end),
		cmocka_unit_test(test_contains_rejects_offset_plus_size_overflow),
		cmocka_unit_test(test_reads_in_the_zero_fill_return_zero),
		cmocka_unit_test(test_reads_past_the_page_fail),
		cmocka_unit_test(test_empty_file_has_nothing_to_read),
		cmocka_unit_test(test_integers_little_endian),
		cmocka_unit_test(test_integers_big_endian),
		cmocka_unit_test(test_word_follows_class_and_order),
		cmocka_unit_test(test_dyn_sign_extends_32_bit_tags),
		cmocka_unit_test(test_dyn_64_bit_tags_are_not_truncated),
		cmocka_unit_test(test_sym_elf32_layout),
		cmocka_unit_test(test_sym_elf64_layout),
		cmocka_unit_test(test_string_terminated_before_limit),
		cmocka_unit_test(test_string_without_terminator_before_limit),
		cmocka_unit_test(test_string_limit_beyond_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
