/* The output writers on a synthetic image: every format carries the bytes
 * (padded to whole pages where it embeds them) and the metadata under the
 * documented names; output is deterministic; the buffer grows correctly.
 * That the files compile with gcc, clang, as and rustc is
 * tests/integration/emit_compile.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "emit.h"
#include "emit_internal.h"
#include "vdso_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { IMAGE_SIZE = 5000, PAGE = 4096, PADDED = 8192 };

static unsigned char image[IMAGE_SIZE];
static const unsigned char build_id[20] = {
	0xe3, 0x5b, 0x4a, 0x2e, 0x21, 0xad, 0x7b, 0xc7, 0xcb, 0x64,
	0xc6, 0xe4, 0xe7, 0x3a, 0xdb, 0x3c, 0x4d, 0x92, 0x13, 0x51,
};
#define BUILD_ID_HEX "e35b4a2e21ad7bc7cb64c6e4e73adb3c4d921351"

/* Sorted by name, as the build command gives them.  __vdso_getcpu and
 * getcpu share a short name, so both keep their whole names; weird.name is
 * no identifier. */
static const struct emit_symbol symbols[] = {
	{ "__kernel_clock_gettime", "LINUX_2.6.39", 0x2d0, 0x4000002d0, 12 },
	{ "__kernel_rt_sigreturn", "LINUX_2.6.39", 0x2f8, 0x4000002f8, 8 },
	{ "__vdso_getcpu", "LINUX_2.6", 0x300, 0x400000300, 16 },
	{ "getcpu", "LINUX_2.6", 0x300, 0x400000300, 16 },
	{ "weird.name", NULL, 0x310, 0x400000310, 4 },
};

static struct emit_input make_input(void)
{
	for (size_t i = 0; i < IMAGE_SIZE; i++)
		image[i] = (unsigned char)(i * 7 + 3 + (i >> 8));
	image[IMAGE_SIZE - 1] = 0xff; /* the last byte before the padding */
	return (struct emit_input){
		.name = "vdso", .arch = "aarch64", .elf_class = 64,
		.image = image, .image_size = IMAGE_SIZE, .page_size = PAGE,
		.base = 0x400000000, .prelinked = false,
		.symbols = symbols, .symbol_count = sizeof symbols / sizeof symbols[0],
		.sigtramp = "__kernel_rt_sigreturn",
		.has_data_page = true, .data_offset = -0x4000, .data_size = 0x4000, .data_version = 1,
		.build_id = build_id, .build_id_size = sizeof build_id,
		.raw_name = "vdso.bin",
	};
}

typedef void writer_fn(const struct emit_input *in, struct buffer *out);

/* Renders into a fresh buffer and NUL-terminates it (not counted). */
static struct buffer render(writer_fn *writer, const struct emit_input *in)
{
	struct buffer b = { 0 };
	writer(in, &b);
	buffer_append(&b, "", 1);
	assert_false(b.failed);
	b.size--;
	return b;
}

/* The value of "#define NAME value" in text, or NULL (static storage). */
static const char *define_value(const char *text, const char *name)
{
	static char value[128];
	char pattern[160];
	snprintf(pattern, sizeof pattern, "\n#define %s ", name);
	const char *p = strstr(text, pattern);
	if (!p)
		return NULL;
	p += strlen(pattern);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, "\n");
	if (n >= sizeof value)
		return NULL;
	memcpy(value, p, n);
	value[n] = '\0';
	return value;
}

static void assert_define(const char *text, const char *name, const char *want)
{
	const char *got = define_value(text, name);
	if (!got)
		fail_msg("no #define %s", name);
	assert_string_equal(got, want);
}

/* The bytes of the decimal "N," items between open and close. */
static size_t parse_byte_items(const char *text, const char *open, const char *close,
			       unsigned char *out, size_t max)
{
	const char *p = strstr(text, open);
	assert_non_null(p);
	p += strlen(open);
	const char *end = strstr(p, close);
	assert_non_null(end);
	size_t n = 0;
	while (p < end) {
		if (*p >= '0' && *p <= '9') {
			unsigned value = 0;
			int digits = 0;
			for (; *p >= '0' && *p <= '9'; p++, digits++)
				value = value * 10 + (unsigned)(*p - '0');
			assert_true(digits <= 3 && value <= 255);
			assert_true(digits == 1 || p[-digits] != '0'); /* no octal-looking items */
			assert_int_equal(*p, ',');
			p++;
			assert_true(n < max);
			out[n++] = (unsigned char)value;
		} else {
			assert_true(*p == '\n' || *p == '\t' || *p == ' ');
			p++;
		}
	}
	return n;
}

static void assert_padded_image(const unsigned char *bytes, size_t n)
{
	assert_int_equal(n, PADDED);
	assert_memory_equal(bytes, image, IMAGE_SIZE);
	for (size_t i = IMAGE_SIZE; i < PADDED; i++)
		if (bytes[i] != 0)
			fail_msg("padding byte %zu is 0x%02x", i, bytes[i]);
}

/* --- struct buffer --- */

static void test_buffer_growth(void **state)
{
	(void)state;
	struct buffer b = { 0 };
	/* Many small appends across several reallocations keep every byte. */
	for (unsigned i = 0; i < 10000; i++) {
		unsigned char c = (unsigned char)(i * 13);
		buffer_append(&b, &c, 1);
		assert_true(b.size <= b.capacity);
	}
	assert_int_equal(b.size, 10000);
	for (unsigned i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], (unsigned char)(i * 13));
	/* A printf longer than the free space grows the buffer once more. */
	char *big = malloc(50001);
	assert_non_null(big);
	memset(big, 'x', 50000);
	big[50000] = '\0';
	size_t before = b.capacity;
	buffer_printf(&b, "<%s|%d>", big, 42);
	assert_true(b.capacity > before);
	assert_int_equal(b.size, 10000 + 50000 + 5);
	assert_memory_equal(b.data + 10000, "<x", 2);
	assert_memory_equal(b.data + b.size - 4, "|42>", 4);
	assert_int_equal(b.data[9999], (unsigned char)(9999 * 13)); /* kept across the move */
	free(big);
	/* An empty append changes nothing. */
	buffer_append(&b, NULL, 0);
	assert_int_equal(b.size, 60005);
	assert_false(b.failed);
	buffer_free(&b);
	assert_null(b.data);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.capacity, 0);
	assert_false(b.failed);
}

static void test_buffer_printf_fits_and_appends(void **state)
{
	(void)state;
	struct buffer b = { 0 };
	buffer_printf(&b, "%s", "");
	assert_int_equal(b.size, 0);
	buffer_printf(&b, "a%db", 1);
	buffer_append(&b, "cd", 2);
	buffer_printf(&b, "%05x", 0xbeefu);
	assert_int_equal(b.size, 10);
	assert_memory_equal(b.data, "a1bcd0beef", 10);
	buffer_free(&b);
}

static void test_buffer_failed_is_sticky(void **state)
{
	(void)state;
	struct buffer b = { 0 };
	buffer_append(&b, "abc", 3);
	b.failed = true; /* as after an allocation failure */
	buffer_append(&b, "def", 3);
	buffer_printf(&b, "%s", "ghi");
	assert_int_equal(b.size, 3);
	assert_true(b.failed);
	buffer_free(&b);
}

static void test_buffer_reserve_allows_direct_writes(void **state)
{
	(void)state;
	struct buffer b = { 0 };
	buffer_append(&b, "x", 1);
	buffer_reserve(&b, 100000);
	assert_false(b.failed);
	assert_true(b.capacity - b.size >= 100000);
	memset(b.data + b.size, 'y', 100000);
	b.size += 100000;
	buffer_append(&b, "z", 1); /* may grow; the direct writes are kept */
	assert_int_equal(b.data[0], 'x');
	assert_int_equal(b.data[100000], 'y');
	assert_int_equal(b.data[100001], 'z');
	/* An impossible reservation fails cleanly. */
	buffer_reserve(&b, SIZE_MAX);
	assert_true(b.failed);
	buffer_free(&b);
}

/* --- the identifier scheme --- */

static void test_symbol_stems(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	assert_string_equal(emit_symbol_stem(&in, 0), "clock_gettime");
	assert_string_equal(emit_symbol_stem(&in, 1), "rt_sigreturn");
	assert_string_equal(emit_symbol_stem(&in, 2), "__vdso_getcpu");
	assert_string_equal(emit_symbol_stem(&in, 3), "getcpu");
	assert_null(emit_symbol_stem(&in, 4));
	/* A bare prefix is a whole name. */
	static const struct emit_symbol odd[] = { { "__kernel_", NULL, 0, 0, 0 } };
	in.symbols = odd;
	in.symbol_count = 1;
	assert_string_equal(emit_symbol_stem(&in, 0), "__kernel_");
}

/* --- the formats --- */

static void test_raw_is_the_image(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_raw, &in);
	assert_int_equal(b.size, IMAGE_SIZE);
	assert_memory_equal(b.data, image, IMAGE_SIZE);
	buffer_free(&b);
}

/* vdso.c holds no bytes: it defines the external array from vdso_image.h. */
static void test_c_source_array(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_c_source, &in);
	const char *text = (const char *)b.data;
	assert_non_null(strstr(text, "#include \"vdso.h\"\n"));
	assert_non_null(strstr(text, "\n#define VDSO_IMAGE_DEFINE 1\n#include \"vdso_image.h\"\n"));
	assert_true(b.size < 8192);
	/* No libc header, no date, no path. */
	assert_null(strstr(text, "<stdio.h>"));
	assert_null(strstr(text, "/tmp"));
	buffer_free(&b);
}

static void test_c_header_constants(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_c_header, &in);
	const char *text = (const char *)b.data;
	assert_non_null(strstr(text, "#ifndef MKVDSO_GENERATED_VDSO_H\n#define MKVDSO_GENERATED_VDSO_H\n"));
	assert_non_null(strstr(text, "extern const unsigned char vdso_image[VDSO_IMAGE_PADDED_SIZE];"));
	assert_define(text, "VDSO_ARCH", "\"aarch64\"");
	assert_define(text, "VDSO_ELF_CLASS", "64");
	assert_define(text, "VDSO_PAGE_SIZE", "4096");
	assert_define(text, "VDSO_IMAGE_SIZE", "5000");
	assert_define(text, "VDSO_IMAGE_PAGES", "2");
	assert_define(text, "VDSO_IMAGE_PADDED_SIZE", "8192");
	assert_define(text, "VDSO_BASE", "0x400000000");
	assert_define(text, "VDSO_PRELINKED", "0");
	assert_define(text, "VDSO_BUILD_ID", "\"" BUILD_ID_HEX "\"");
	assert_define(text, "VDSO_BUILD_ID_SIZE", "20");
	assert_define(text, "VDSO_HAS_DATA_PAGE", "1");
	assert_define(text, "VDSO_DATA_OFFSET", "(-0x4000)");
	assert_define(text, "VDSO_DATA_ADDRESS", "0x3ffffc000");
	assert_define(text, "VDSO_DATA_SIZE", "16384");
	assert_define(text, "VDSO_DATA_VERSION", "1");
	assert_define(text, "VDSO_HAS_SIGTRAMP", "1");
	assert_define(text, "VDSO_SIGTRAMP_OFFSET", "0x2f8");
	assert_define(text, "VDSO_SIGTRAMP_ADDRESS", "0x4000002f8");
	assert_define(text, "VDSO_SYM_clock_gettime_OFFSET", "0x2d0");
	assert_define(text, "VDSO_SYM_clock_gettime_ADDRESS", "0x4000002d0");
	assert_define(text, "VDSO_SYM_clock_gettime_SIZE", "12");
	assert_define(text, "VDSO_SYM_clock_gettime_VERSION", "\"LINUX_2.6.39\"");
	assert_define(text, "VDSO_SYM_rt_sigreturn_OFFSET", "0x2f8");
	assert_define(text, "VDSO_SYM___vdso_getcpu_OFFSET", "0x300");
	assert_define(text, "VDSO_SYM_getcpu_ADDRESS", "0x400000300");
	/* weird.name is listed, without constants. */
	assert_non_null(strstr(text, "/* weird.name: not an identifier, no constants */"));
	assert_null(strstr(text, "SYM_weird"));
	/* Every symbol in the one list code can walk, weird.name and its lack
	 * of a version too. */
	assert_non_null(strstr(text, "#define VDSO_SYMBOLS(X) \\\n"
				     "\tX(\"__kernel_clock_gettime\", \"LINUX_2.6.39\", 0x2d0, 12) \\\n"));
	assert_non_null(strstr(text, "\tX(\"weird.name\", \"\", 0x310, 4)\n"));
	/* The scheme is documented at the top. */
	assert_true(strncmp(text, "/* vdso.h: ", 11) == 0);
	assert_non_null(strstr(text, "VDSO_SYM_<s>_OFFSET"));
	/* The array is in vdso_image.h, not here. */
	assert_null(strstr(text, "127,69,76,70,"));
	buffer_free(&b);
}

static void test_c_header_only(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_c_header_only, &in);
	struct buffer h = render(emit_c_header, &in);
	const char *text = (const char *)b.data;
	assert_non_null(strstr(text, "#ifndef MKVDSO_GENERATED_VDSO_IMAGE_H\n"));
	assert_non_null(strstr(text, "VDSO_IMAGE_ALIGN_ VDSO_IMAGE_STORAGE_ const unsigned char "
				     "vdso_image[VDSO_IMAGE_PADDED_SIZE]\n\tVDSO_IMAGE_UNUSED_ = {\n"));
	/* static unless vdso.c asks for the one external definition */
	assert_non_null(strstr(text, "#ifdef VDSO_IMAGE_DEFINE\n#define VDSO_IMAGE_STORAGE_\n#else\n"
				     "#define VDSO_IMAGE_STORAGE_ static\n#endif\n"));
	assert_non_null(strstr(text, "_Alignas(4096)"));
	assert_non_null(strstr(text, "__attribute__((aligned(4096)))"));
	assert_non_null(strstr(text, "__attribute__((unused))"));
	/* Every macro of vdso.h, with the same value. */
	size_t defines = 0;
	for (const char *p = strstr((const char *)h.data, "\n#define "); p; p = strstr(p + 1, "\n#define ")) {
		char name[128];
		assert_int_equal(sscanf(p + 9, "%127s", name), 1);
		if (strncmp(name, "MKVDSO_GENERATED_", 17) == 0)
			continue;
		const char *in_header = define_value((const char *)h.data, name);
		char want[128];
		snprintf(want, sizeof want, "%s", in_header);
		const char *got = define_value(text, name);
		if (!got)
			fail_msg("vdso_image.h lacks %s", name);
		assert_string_equal(got, want);
		defines++;
	}
	assert_true(defines >= 30);
	static unsigned char bytes[PADDED + 16];
	size_t n = parse_byte_items(text, "= {\n", "};", bytes, sizeof bytes);
	assert_padded_image(bytes, n);
	buffer_free(&h);
	buffer_free(&b);
}

static void test_asm_stub(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_asm, &in);
	const char *text = (const char *)b.data;
	static const char *const lines[] = {
		"\n\t.section .rodata,\"a\",%progbits\n\t.balign 4096\n",
		"\n\t.globl vdso_image\n\t.type vdso_image, %object\nvdso_image:\n\t.incbin \"vdso.bin\"\n"
		"\t.balign 4096, 0\n\t.globl vdso_image_end\nvdso_image_end:\n",
		"\n\t.size vdso_image, vdso_image_end - vdso_image\n",
		"\n\t.section .note.GNU-stack,\"\",%progbits\n",
		"gcc -MD does not\n * record .incbin",
		" *   VDSO_IMAGE_SIZE           5000\n",
		" *     VDSO_SYM_clock_gettime_ADDRESS 0x4000002d0\n",
		" *   VDSO_SIGTRAMP_OFFSET      0x2f8\n",
		" *   VDSO_DATA_OFFSET          -0x4000\n",
		" *   VDSO_BUILD_ID             " BUILD_ID_HEX "\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (!strstr(text, lines[i]))
			fail_msg("vdso.S lacks: %s", lines[i]);
	/* No preprocessor lines and no apostrophes: assembles with or
	 * without cpp. */
	assert_null(strstr(text, "\n#"));
	assert_null(strchr(text, '\''));
	/* The raw name is quoted as a string. */
	in.raw_name = "odd \"name\".bin";
	struct buffer odd = render(emit_asm, &in);
	assert_non_null(strstr((const char *)odd.data, "\t.incbin \"odd \\\"name\\\".bin\"\n"));
	buffer_free(&odd);
	buffer_free(&b);
}

static void test_rust_module(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_rust, &in);
	const char *text = (const char *)b.data;
	static const char *const lines[] = {
		"\n#[repr(C, align(4096))]\npub struct VdsoImage(pub [u8; VDSO_IMAGE_PADDED_SIZE]);\n",
		"\npub static VDSO_IMAGE: VdsoImage = VdsoImage([\n",
		"\npub const VDSO_IMAGE_SIZE: usize = 5000;\n",
		"\npub const VDSO_IMAGE_PAGES: usize = 2;\n",
		"\npub const VDSO_IMAGE_PADDED_SIZE: usize = 8192;\n",
		"\npub const VDSO_BASE: u64 = 0x400000000;\n",
		"\npub const VDSO_PRELINKED: bool = false;\n",
		"\npub const VDSO_BUILD_ID: &str = \"" BUILD_ID_HEX "\";\n",
		"\npub const VDSO_DATA_OFFSET: i64 = -0x4000;\n",
		"\npub const VDSO_DATA_ADDRESS: u64 = 0x3ffffc000;\n",
		"\npub const VDSO_SIGTRAMP_OFFSET: usize = 0x2f8;\n",
		"\npub const VDSO_SYM_clock_gettime_ADDRESS: u64 = 0x4000002d0;\n",
		"\npub const VDSO_SYM_clock_gettime_VERSION: &str = \"LINUX_2.6.39\";\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (!strstr(text, lines[i]))
			fail_msg("vdso.rs lacks: %s", lines[i]);
	/* Self-contained, usable through include!: no include_bytes!, no
	 * inner attributes. */
	assert_null(strstr(text, "include_bytes!"));
	assert_null(strstr(text, "\n#!["));
	static unsigned char bytes[PADDED + 16];
	size_t n = parse_byte_items(text, "VdsoImage([\n", "]);", bytes, sizeof bytes);
	assert_padded_image(bytes, n);
	buffer_free(&b);
}

static void test_json(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	struct buffer b = render(emit_json, &in);
	const char *text = (const char *)b.data;
	assert_true(strncmp(text, "{\n  \"schema\": \"" EMIT_JSON_SCHEMA "\",\n", 30) == 0);
	assert_int_equal(text[b.size - 1], '\n');
	assert_int_equal(text[b.size - 2], '}');
	static const char *const lines[] = {
		"\n  \"image_size\": 5000,\n",
		"\n  \"image_pages\": 2,\n",
		"\n  \"image_padded_size\": 8192,\n",
		"\n  \"page_size\": 4096,\n",
		"\n  \"base\": 17179869184,\n",
		"\n  \"prelinked\": false,\n",
		"\n  \"build_id\": \"" BUILD_ID_HEX "\",\n",
		"\n  \"data_page\": {\n    \"offset\": -16384,\n    \"address\": 17179852800,\n"
		"    \"size\": 16384,\n    \"version\": 1\n  },\n",
		"\n  \"sigtramp\": {\n    \"name\": \"__kernel_rt_sigreturn\",\n    \"offset\": 760,\n"
		"    \"address\": 17179869944\n  },\n",
		"\n      \"name\": \"weird.name\",\n      \"version\": null,\n      \"identifier\": null,\n",
		"\n      \"name\": \"__vdso_getcpu\",\n      \"version\": \"LINUX_2.6\",\n"
		"      \"identifier\": \"__vdso_getcpu\",\n      \"offset\": 768,\n      \"address\": 17179869952,\n"
		"      \"size\": 16\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (!strstr(text, lines[i]))
			fail_msg("vdso.json lacks: %s", lines[i]);
	/* Symbols in the order given (sorted by name). */
	const char *prev = strstr(text, "\n  \"symbols\": [\n");
	assert_non_null(prev);
	for (size_t i = 0; i < in.symbol_count; i++) {
		char key[96];
		snprintf(key, sizeof key, "\"name\": \"%s\"", symbols[i].name);
		const char *at = strstr(prev, key);
		assert_non_null(at);
		assert_true(at > prev);
		prev = at;
	}
	buffer_free(&b);
}

/* No data page, no trampoline, no build id, prelinked, a whole page. */
static void test_optional_parts_absent(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	in.has_data_page = false;
	in.sigtramp = NULL;
	in.build_id = NULL;
	in.build_id_size = 0;
	in.prelinked = true;
	in.image_size = PAGE;
	struct buffer h = render(emit_c_header, &in);
	const char *text = (const char *)h.data;
	assert_define(text, "VDSO_HAS_DATA_PAGE", "0");
	assert_null(define_value(text, "VDSO_DATA_OFFSET"));
	assert_define(text, "VDSO_HAS_SIGTRAMP", "0");
	assert_null(define_value(text, "VDSO_SIGTRAMP_OFFSET"));
	assert_define(text, "VDSO_BUILD_ID", "\"\"");
	assert_define(text, "VDSO_BUILD_ID_SIZE", "0");
	assert_define(text, "VDSO_PRELINKED", "1");
	assert_define(text, "VDSO_IMAGE_PAGES", "1");
	assert_define(text, "VDSO_IMAGE_PADDED_SIZE", "4096");
	buffer_free(&h);

	struct buffer c = render(emit_c_header_only, &in);
	static unsigned char bytes[PADDED];
	assert_int_equal(parse_byte_items((const char *)c.data, "= {\n", "};", bytes, sizeof bytes), PAGE);
	assert_memory_equal(bytes, image, PAGE);
	assert_non_null(strstr((const char *)c.data, "then 0 zero bytes"));
	buffer_free(&c);

	struct buffer j = render(emit_json, &in);
	text = (const char *)j.data;
	assert_non_null(strstr(text, "\n  \"prelinked\": true,\n"));
	assert_non_null(strstr(text, "\n  \"build_id\": null,\n"));
	assert_non_null(strstr(text, "\n  \"data_page\": null,\n"));
	assert_non_null(strstr(text, "\n  \"sigtramp\": null,\n"));
	buffer_free(&j);

	struct buffer r = render(emit_rust, &in);
	text = (const char *)r.data;
	assert_non_null(strstr(text, "\npub const VDSO_HAS_DATA_PAGE: bool = false;\n"));
	assert_non_null(strstr(text, "\npub const VDSO_PRELINKED: bool = true;\n"));
	assert_null(strstr(text, "VDSO_DATA_OFFSET:"));
	buffer_free(&r);
}

/* A one-byte image still fills one page; no symbols gives an empty list. */
static void test_tiny_image_no_symbols(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	in.image_size = 1;
	in.symbol_count = 0;
	struct buffer c = render(emit_c_header_only, &in);
	static unsigned char bytes[PADDED];
	assert_int_equal(parse_byte_items((const char *)c.data, "= {\n", "};", bytes, sizeof bytes), PAGE);
	assert_int_equal(bytes[0], image[0]);
	for (size_t i = 1; i < PAGE; i++)
		assert_int_equal(bytes[i], 0);
	buffer_free(&c);
	struct buffer j = render(emit_json, &in);
	assert_non_null(strstr((const char *)j.data, "\n  \"symbols\": []\n}\n"));
	buffer_free(&j);
}

static void test_other_prefix(void **state)
{
	(void)state;
	struct emit_input in = make_input();
	in.name = "my_vdso";
	in.raw_name = "my_vdso.bin";
	struct buffer h = render(emit_c_header, &in);
	assert_define((const char *)h.data, "MY_VDSO_IMAGE_SIZE", "5000");
	assert_define((const char *)h.data, "MY_VDSO_SYM_clock_gettime_OFFSET", "0x2d0");
	assert_non_null(strstr((const char *)h.data, "extern const unsigned char my_vdso_image[MY_VDSO_IMAGE_PADDED_SIZE];"));
	assert_null(strstr((const char *)h.data, "VDSO_H\n#define VDSO"));
	buffer_free(&h);
	struct buffer r = render(emit_rust, &in);
	assert_non_null(strstr((const char *)r.data, "pub struct MyVdsoImage("));
	assert_non_null(strstr((const char *)r.data, "pub static MY_VDSO_IMAGE: MyVdsoImage = MyVdsoImage(["));
	buffer_free(&r);
	struct buffer s = render(emit_asm, &in);
	assert_non_null(strstr((const char *)s.data, "\nmy_vdso_image:\n\t.incbin \"my_vdso.bin\"\n"));
	buffer_free(&s);
}

/* Same input, same bytes; appending to a non-empty buffer adds exactly
 * the same bytes. */
static void test_deterministic(void **state)
{
	(void)state;
	writer_fn *const writers[] = { emit_c_header, emit_c_source, emit_c_header_only, emit_raw,
				       emit_asm, emit_rust, emit_json };
	struct emit_input in = make_input();
	for (size_t w = 0; w < sizeof writers / sizeof writers[0]; w++) {
		struct buffer a = render(writers[w], &in);
		struct buffer b = render(writers[w], &in);
		assert_int_equal(a.size, b.size);
		assert_memory_equal(a.data, b.data, a.size);
		struct buffer c = { 0 };
		buffer_printf(&c, "prefix");
		writers[w](&in, &c);
		assert_false(c.failed);
		assert_int_equal(c.size, 6 + a.size);
		assert_memory_equal(c.data + 6, a.data, a.size);
		buffer_free(&a);
		buffer_free(&b);
		buffer_free(&c);
	}
}

/* The pins that end vdso_data.rs carry the C header's own numbers, one
 * assertion a line, the same every time. */
static void test_data_rust_pins(void **state)
{
	(void)state;
	struct buffer a = { 0 }, b = { 0 };
	emit_data_rust_pins(&a);
	emit_data_rust_pins(&b);
	buffer_append(&a, "", 1);
	assert_false(a.failed);
	assert_int_equal(a.size, b.size + 1);
	assert_memory_equal(a.data, b.data, b.size);
	const char *text = (const char *)a.data;
	char line[160];
	snprintf(line, sizeof line, "const _: () = assert!(core::mem::size_of::<VdsoData>() == %zu);\n",
		 sizeof(struct vdso_data));
	assert_non_null(strstr(text, line));
	snprintf(line, sizeof line, "assert!(vdso_data_field_layout!(VdsoData, flags).0 == %zu);\n",
		 offsetof(struct vdso_data, flags));
	assert_non_null(strstr(text, line));
	snprintf(line, sizeof line,
		 "assert!(vdso_data_field_layout!(VdsoData, clock[1].basetime[11].nsec).0 == %zu);\n",
		 offsetof(struct vdso_data, clock[1].basetime[11].nsec));
	assert_non_null(strstr(text, line));
	assert_non_null(strstr(text, "assert!(vdso_data_field_layout!(VdsoDataClock, shift).1 == 4);\n"));
	assert_non_null(strstr(text, "const _: () = assert!(MKVDSO_DATA_OFFSET == -4096);\n"));
	assert_non_null(strstr(text, "const _: () = assert!(MKVDSO_CLOCK_TAI == 11);\n"));
	size_t assertions = 0;
	for (const char *p = text; (p = strstr(p, "const _: () = assert!(")); p++)
		assertions++;
	/* 3 sizes, 19 fields twice, 26 constants. */
	assert_int_equal(assertions, 3 + 2 * 19 + 26);
	buffer_free(&a);
	buffer_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_growth),
		cmocka_unit_test(test_buffer_printf_fits_and_appends),
		cmocka_unit_test(test_buffer_failed_is_sticky),
		cmocka_unit_test(test_buffer_reserve_allows_direct_writes),
		cmocka_unit_test(test_symbol_stems),
		cmocka_unit_test(test_raw_is_the_image),
		cmocka_unit_test(test_c_source_array),
		cmocka_unit_test(test_c_header_constants),
		cmocka_unit_test(test_c_header_only),
		cmocka_unit_test(test_asm_stub),
		cmocka_unit_test(test_rust_module),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_optional_parts_absent),
		cmocka_unit_test(test_tiny_image_no_symbols),
		cmocka_unit_test(test_other_prefix),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_data_rust_pins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
