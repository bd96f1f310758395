/* Placement at a fixed address: both modes, relocations applied and
 * neutralised, refused bases and tags, and the placed image re-checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "check.h"
#include "consumers.h"
#include "mkvdso.h"
#include "place.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loaded {
	unsigned char *bytes;
	size_t size;
	struct vdso_image image;
	const struct arch_contract *arch;
};

static void load_fixture(struct loaded *l, const char *arch, const char *variant)
{
	char path[512], error[256];
	snprintf(path, sizeof path, "%s/%s/%s.so", MKVDSO_FIXTURE_DIR, arch, variant);
	if (read_input(path, 1 << 24, &l->bytes, &l->size) != EXIT_OK)
		fail_msg("cannot read %s", path);
	assert_int_equal(image_load(&l->image, path, l->bytes, l->size, error, sizeof error), IMAGE_OK);
	l->arch = arch_by_name(arch);
}

static void unload(struct loaded *l)
{
	image_free(&l->image);
	free(l->bytes);
}

/* Loads a placed image and returns its error count. */
static size_t placed_errors(const struct placement *p, const struct arch_contract *arch,
			    struct vdso_image *out)
{
	char error[256];
	assert_int_equal(image_load(out, "placed", p->bytes, p->size, error, sizeof error), IMAGE_OK);
	struct findings findings = { 0 };
	struct check_options options = { .arch = arch, .consumers = CONSUMERS_ALL };
	check_image(out, &options, &findings);
	size_t errors = findings_count(&findings, SEVERITY_ERROR);
	for (size_t i = 0; i < findings.count; i++)
		if (findings.items[i].severity == SEVERITY_ERROR)
			print_message("unexpected: %s %s: %s\n", findings.items[i].rule->id,
				      findings.items[i].place, findings.items[i].message);
	findings_free(&findings);
	return errors;
}

static void test_default_mode_keeps_headers_at_zero(void **state)
{
	(void)state;
	struct loaded l;
	struct placement p;
	struct vdso_image placed;
	char error[256];
	load_fixture(&l, "aarch64", "good");
	assert_true(place_image(&l.image, l.arch, 0x400000000, false, &p, error, sizeof error));
	assert_int_equal(p.size, l.size);
	assert_memory_equal(p.bytes, l.bytes, l.size); /* nothing to relocate */
	assert_int_equal(placed_errors(&p, l.arch, &placed), 0);
	assert_int_equal(image_first_segment(&placed, PT_LOAD)->vaddr, 0);
	image_free(&placed);
	placement_free(&p);
	unload(&l);
}

static void test_prelink_moves_every_address(void **state)
{
	(void)state;
	const uint64_t bases[] = { 0x400000000, 0x7f0000000000, 0x10000 };
	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		struct loaded l;
		struct placement p;
		struct vdso_image placed;
		char error[256];
		load_fixture(&l, "x86_64", "good");
		assert_true(place_image(&l.image, l.arch, bases[b], true, &p, error, sizeof error));
		assert_int_equal(placed_errors(&p, l.arch, &placed), 0);
		for (size_t i = 0; i < l.image.segment_count; i++)
			assert_int_equal(placed.segments[i].vaddr, l.image.segments[i].vaddr + bases[b]);
		for (size_t i = 0; i < l.image.section_count; i++)
			if (l.image.sections[i].flags & SHF_ALLOC)
				assert_int_equal(placed.sections[i].addr, l.image.sections[i].addr + bases[b]);
		assert_int_equal(placed.strtab.addr, l.image.strtab.addr + bases[b]);
		assert_int_equal(placed.gnu_hash.addr, l.image.gnu_hash.addr + bases[b]);
		assert_int_equal(placed.verdef.addr, l.image.verdef.addr + bases[b]);
		assert_int_equal(placed.strsz, l.image.strsz); /* a value, not an address */
		for (size_t i = 0; i < l.image.symbol_count; i++) {
			const struct vdso_symbol *before = &l.image.symbols[i], *after = &placed.symbols[i];
			uint64_t moved = before->shndx == SHN_UNDEF || before->shndx == SHN_ABS ? 0 : bases[b];
			assert_int_equal(after->value, before->value + moved);
		}
		/* musl, glibc and Go still find every function at the same offset. */
		struct verdicts verdicts;
		assert_true(consumers_evaluate(&placed, l.arch, CONSUMERS_ALL, &verdicts));
		for (size_t i = 0; i < verdicts.count; i++) {
			const struct verdict *v = &verdicts.items[i];
			const struct vdso_symbol *sym = image_find_symbol(&l.image, v->lookup->symbol);
			enum outcome want = v->lookup->consumer == CONSUMER_BIONIC ? OUTCOME_FALLBACK : OUTCOME_USES;
			assert_int_equal(v->linkage[LINK_STATIC].outcome, want);
			if (want == OUTCOME_USES)
				assert_int_equal(v->linkage[LINK_STATIC].offset, sym->value);
		}
		verdicts_free(&verdicts);
		image_free(&placed);
		placement_free(&p);
		unload(&l);
	}
}

/* R_*_RELATIVE: applied for the address, then turned into R_*_NONE. */
static void check_relative(const char *arch, bool prelink)
{
	struct loaded l;
	struct placement p;
	struct vdso_image placed;
	char error[256];
	const uint64_t base = 0x5000000000;
	load_fixture(&l, arch, "relocs");
	size_t relative = 0;
	for (size_t i = 0; i < l.image.reloc_count; i++)
		relative += l.image.relocs[i].type == l.arch->relative_reloc;
	assert_true(relative > 0);
	assert_true(place_image(&l.image, l.arch, base, prelink, &p, error, sizeof error));
	assert_int_equal(p.relocations_applied, relative);
	assert_int_equal(placed_errors(&p, l.arch, &placed), 0);
	for (size_t i = 0; i < l.image.reloc_count; i++) {
		const struct vdso_reloc *r = &l.image.relocs[i];
		if (r->type != l.arch->relative_reloc)
			continue;
		uint64_t target, value;
		assert_true(image_addr_to_offset(&l.image, r->offset, 8, &target));
		assert_true(view_u64(&placed.view, target, &value));
		assert_int_equal(value, base + (uint64_t)r->addend);
		assert_int_equal(placed.relocs[i].type, 0);
		assert_int_equal(placed.relocs[i].offset, r->offset + (prelink ? base : 0));
	}
	image_free(&placed);
	placement_free(&p);
	unload(&l);
}

static void test_relative_relocations(void **state)
{
	(void)state;
	check_relative("aarch64", false);
	check_relative("aarch64", true);
	check_relative("x86_64", false);
	check_relative("x86_64", true);
}

static void test_symbol_relocations_refused(void **state)
{
	(void)state;
	struct loaded l;
	struct placement p;
	char error[256] = "";
	load_fixture(&l, "x86_64", "undefined");
	assert_false(place_image(&l.image, l.arch, 0x400000000, false, &p, error, sizeof error));
	assert_non_null(strstr(error, "cannot be applied at build time"));
	assert_null(p.bytes);
	unload(&l);
}

static void test_unknown_tag_refused(void **state)
{
	(void)state;
	struct loaded l;
	struct placement p;
	char error[256] = "";
	load_fixture(&l, "x86_64", "good");
	/* Turn DT_SYMBOLIC... any value-class entry into a tag nobody defines. */
	size_t index = l.image.dynamic_count;
	for (size_t i = 0; i < l.image.dynamic_count; i++)
		if (l.image.dynamic[i].d_tag == DT_SONAME)
			index = i;
	assert_true(index < l.image.dynamic_count);
	uint64_t at = l.image.dynamic_offset + index * 16;
	const uint64_t unknown = 0x6ffffe00;
	memcpy(l.bytes + at, &unknown, 8);
	image_free(&l.image);
	assert_int_equal(image_load(&l.image, "edited", l.bytes, l.size, error, sizeof error), IMAGE_OK);
	assert_false(place_image(&l.image, l.arch, 0x400000000, true, &p, error, sizeof error));
	assert_non_null(strstr(error, "refusing to guess"));
	/* Default mode does not rewrite dynamic entries, so it needs no guess. */
	assert_true(place_image(&l.image, l.arch, 0x400000000, false, &p, error, sizeof error));
	placement_free(&p);
	unload(&l);
}

/* A field that only exists in the page's zero fill (the dynamic table runs
 * past the end of the file) cannot be rewritten: a clean refusal, not a
 * write past the copy (found by the fuzzer; the input is kept there). */
static void test_field_past_the_file(void **state)
{
	(void)state;
	struct loaded l;
	struct placement p;
	char error[256] = "", path[512];
	snprintf(path, sizeof path, "%s/tests/fuzz/crashes/crash-ec6702dac1a4f701c2529a0c78085a5ae8d9cf66",
		 MKVDSO_SOURCE_DIR);
	if (read_input(path, 1 << 20, &l.bytes, &l.size) != EXIT_OK)
		fail_msg("cannot read %s", path);
	assert_int_equal(image_load(&l.image, path, l.bytes, l.size, error, sizeof error), IMAGE_OK);
	l.arch = arch_by_name("x86_64");
	assert_false(place_image(&l.image, l.arch, 0x400000000, true, &p, error, sizeof error));
	assert_non_null(strstr(error, "past the end of the file"));
	assert_null(p.bytes);
	unload(&l);
}

/* --prelink moves every symbol value of .dynsym and of every SHT_SYMTAB.
 * An image whose .dynsym is also typed SHT_SYMTAB would have each value
 * moved twice (and a file of many whole-file SHT_SYMTABs would cost
 * sections x symbols): refused at the first field claimed twice. */
static void test_field_rewritten_twice(void **state)
{
	(void)state;
	struct loaded l;
	struct placement p;
	char error[256] = "";
	load_fixture(&l, "aarch64", "good");
	size_t dynsym = SIZE_MAX;
	for (size_t i = 0; i < l.image.section_count; i++)
		if (l.image.sections[i].type == SHT_DYNSYM)
			dynsym = i;
	assert_true(dynsym != SIZE_MAX);
	uint64_t sh_type = l.image.ehdr.e_shoff + dynsym * l.image.ehdr.e_shentsize + 4;
	image_free(&l.image);
	assert_true(sh_type + 4 <= l.size);
	l.bytes[sh_type] = SHT_SYMTAB;	/* little-endian; the upper bytes are 0 */
	assert_int_equal(image_load(&l.image, "dynsym-as-symtab", l.bytes, l.size, error,
				    sizeof error), IMAGE_OK);
	assert_false(place_image(&l.image, l.arch, 0x400000000, true, &p, error, sizeof error));
	assert_non_null(strstr(error, "rewritten twice"));
	assert_null(p.bytes);
	/* Default mode rewrites no symbol value: nothing is claimed twice. */
	assert_true(place_image(&l.image, l.arch, 0x400000000, false, &p, error, sizeof error));
	placement_free(&p);
	unload(&l);
}

static void test_bases(void **state)
{
	(void)state;
	char error[256];
	const struct arch_contract *a64 = arch_by_name("aarch64"), *arm = arch_by_name("arm");
	assert_true(place_check_base(a64, 0x400000000, 8192, 4096, error, sizeof error));
	assert_true(place_check_base(a64, 0x2000, 8192, 4096, error, sizeof error));
	assert_false(place_check_base(a64, 0x400000001, 8192, 0, error, sizeof error));
	assert_non_null(strstr(error, "page-aligned"));
	assert_false(place_check_base(a64, 0, 8192, 0, error, sizeof error));
	assert_false(place_check_base(a64, 0x1000, 8192, 4096, error, sizeof error)); /* data page at 0 */
	assert_false(place_check_base(a64, 1ull << 48, 8192, 0, error, sizeof error));
	assert_non_null(strstr(error, "user space"));
	assert_false(place_check_base(a64, (1ull << 48) - 4096, 8192, 0, error, sizeof error));
	assert_true(place_check_base(a64, (1ull << 48) - 8192, 8192, 0, error, sizeof error));
	/* A 32-bit image cannot go past 4 GiB, nor past arm's 3 GiB split. */
	assert_false(place_check_base(arm, 0x100000000, 4096, 0, error, sizeof error));
	assert_false(place_check_base(arm, 0xc0000000, 4096, 0, error, sizeof error));
	assert_true(place_check_base(arm, 0xbfff0000, 4096, 0, error, sizeof error));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_mode_keeps_headers_at_zero),
		cmocka_unit_test(test_prelink_moves_every_address),
		cmocka_unit_test(test_relative_relocations),
		cmocka_unit_test(test_symbol_relocations_refused),
		cmocka_unit_test(test_unknown_tag_refused),
		cmocka_unit_test(test_field_past_the_file),
		cmocka_unit_test(test_field_rewritten_twice),
		cmocka_unit_test(test_bases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
