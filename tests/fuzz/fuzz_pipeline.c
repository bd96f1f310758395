/* fuzz_pipeline: a libFuzzer target that feeds arbitrary bytes through the
 * whole mkvdso pipeline, the way `mkvdso build --prebuilt` does:
 *
 *   image_load -> check_image (all consumers, with and without the
 *   "relative relocations applied" allowance) -> consumers_evaluate
 *   -> place_image (default and --prelink, base 0x400000000)
 *   -> image_load + check_image + consumers_evaluate of the placed image
 *   -> every emitter of emit.h, each into its own in-memory struct buffer.
 *
 * Unlike cmd_build.c, placement and emission go on even when the check
 * reports errors: the point is to reach every stage with hostile data.
 *
 * Limit: inputs larger than 1 MiB (FUZZ_MAX_INPUT, the same as
 * `mkvdso build`'s default input limit) are ignored; run libFuzzer with
 * -max_len=1048576 so it never generates them.
 *
 * Built twice: with -fsanitize=fuzzer,address,undefined as the fuzzer
 * (scripts/fuzz.sh), and without libFuzzer, linked with replay.c, as the
 * `fuzz/replay` test that replays tests/fuzz/corpus and tests/fuzz/crashes. */
#include "arch.h"
#include "check.h"
#include "consumers.h"
#include "emit.h"
#include "image.h"
#include "place.h"
#include "vdso_data.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INPUT ((size_t)1 << 20)
#define FUZZ_BASE UINT64_C(0x400000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads, checks and models one image; false if it did not load. */
static int analyse(struct vdso_image *image, const unsigned char *bytes, size_t size,
		   const struct arch_contract *arch, int relative_applied)
{
	char error[256];
	memset(image, 0, sizeof *image);
	if (image_load(image, "fuzz", bytes, size, error, sizeof error) != IMAGE_OK) {
		image_free(image);
		return 0;
	}
	struct check_options options = {
		.arch = arch, .consumers = CONSUMERS_ALL,
		.relative_relocs_applied = relative_applied,
	};
	struct findings findings = { 0 };
	check_image(image, &options, &findings);
	findings_free(&findings);
	/* --strict and --forbid-syscalls take other paths through the rules. */
	struct findings strict = { 0 };
	options.strict = true;
	options.forbid_syscalls = true;
	check_image(image, &options, &strict);
	findings_free(&strict);

	if (arch) {
		struct verdicts verdicts = { 0 };
		consumers_evaluate(image, arch, CONSUMERS_ALL, &verdicts);
		verdicts_free(&verdicts);
	}
	return 1;
}

static void emit_everything(const struct emit_input *in)
{
	static void (*const writers[])(const struct emit_input *, struct buffer *) = {
		emit_c_header, emit_c_source, emit_c_header_only, emit_raw,
		emit_asm, emit_rust, emit_json,
	};
	for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
		struct buffer b = { 0 };
		writers[i](in, &b);
		buffer_free(&b);
	}
}

static void place_and_emit(const struct vdso_image *image, const struct arch_contract *arch,
			   int prelink)
{
	struct placement placement = { 0 };
	char error[256];
	if (!place_image(image, arch, FUZZ_BASE, prelink, &placement, error, sizeof error)) {
		placement_free(&placement);
		return;
	}
	struct vdso_image placed;
	if (analyse(&placed, placement.bytes, placement.size, arch, 0)) {
		size_t symbol_count = 0;
		struct emit_symbol *symbols = emit_collect_symbols(&placed, FUZZ_BASE, &symbol_count);
		if (symbols) {
			/* The default mode emits like a prebuilt image, --prelink
			 * like the built-in vDSO with its data page, so both
			 * shapes of output are exercised. */
			int builtin = prelink;
			struct emit_input in = {
				.name = "vdso", .arch = arch->name,
				.elf_class = arch->elf_class == ELFCLASS64 ? 64 : 32,
				.image = placement.bytes, .image_size = placement.size,
				.page_size = 4096, .base = FUZZ_BASE, .prelinked = prelink,
				.symbols = symbols, .symbol_count = symbol_count,
				.sigtramp = arch->sigreturn && image_find_symbol(&placed, arch->sigreturn)
					    ? arch->sigreturn : NULL,
				.has_data_page = builtin,
				.data_offset = builtin ? MKVDSO_DATA_OFFSET : 0,
				.data_size = builtin ? MKVDSO_DATA_SIZE : 0,
				.data_version = builtin ? MKVDSO_DATA_VERSION : 0,
				.build_id = placed.build_id, .build_id_size = placed.build_id_size,
				.raw_name = "vdso.bin",
			};
			emit_everything(&in);
		}
		free(symbols);
		image_free(&placed);
	}
	placement_free(&placement);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* A private copy: the loader must never need more bytes than given,
	 * and ASan then flags any read past the end. */
	unsigned char *bytes = malloc(size ? size : 1);
	if (!bytes)
		return 0;
	if (size)
		memcpy(bytes, data, size);

	/* As cmd_build.c does for a prebuilt image without --arch. */
	const struct arch_contract *arch = NULL;
	if (size >= EI_NIDENT + 4) {
		uint16_t machine = bytes[EI_DATA] == ELFDATA2MSB ? (uint16_t)(bytes[18] << 8 | bytes[19])
								 : (uint16_t)(bytes[19] << 8 | bytes[18]);
		arch = arch_for_machine(machine, bytes[EI_CLASS]);
	}

	struct vdso_image image;
	if (analyse(&image, bytes, size, arch, 1)) {
		const struct arch_contract *place_arch = arch ? arch : arch_by_name("aarch64");
		if (!arch && place_arch) {
			struct verdicts verdicts = { 0 };
			consumers_evaluate(&image, place_arch, CONSUMERS_ALL, &verdicts);
			verdicts_free(&verdicts);
		}
		if (place_arch) {
			place_and_emit(&image, place_arch, 0);
			place_and_emit(&image, place_arch, 1);
		}
		image_free(&image);
	}
	free(bytes);
	return 0;
}
