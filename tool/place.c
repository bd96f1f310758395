/* place: apply the fixed user address to a copy of the image. */
#include "place.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

/* How each dynamic tag's value is treated when the image moves, as QEMU's
 * gen-vdso does: an unknown tag is an error, never a guess. */
enum tag_class { TAG_VALUE, TAG_ADDRESS };

static const struct { int64_t tag; enum tag_class class; } tag_classes[] = {
	{ DT_NEEDED, TAG_VALUE }, { DT_PLTRELSZ, TAG_VALUE }, { DT_PLTGOT, TAG_ADDRESS },
	{ DT_HASH, TAG_ADDRESS }, { DT_STRTAB, TAG_ADDRESS }, { DT_SYMTAB, TAG_ADDRESS },
	{ DT_RELA, TAG_ADDRESS }, { DT_RELASZ, TAG_VALUE }, { DT_RELAENT, TAG_VALUE },
	{ DT_STRSZ, TAG_VALUE }, { DT_SYMENT, TAG_VALUE }, { DT_INIT, TAG_ADDRESS },
	{ DT_FINI, TAG_ADDRESS }, { DT_SONAME, TAG_VALUE }, { DT_RPATH, TAG_VALUE },
	{ DT_SYMBOLIC, TAG_VALUE }, { DT_REL, TAG_ADDRESS }, { DT_RELSZ, TAG_VALUE },
	{ DT_RELENT, TAG_VALUE }, { DT_PLTREL, TAG_VALUE }, { DT_DEBUG, TAG_VALUE },
	{ DT_TEXTREL, TAG_VALUE }, { DT_JMPREL, TAG_ADDRESS }, { DT_BIND_NOW, TAG_VALUE },
	{ DT_INIT_ARRAY, TAG_ADDRESS }, { DT_FINI_ARRAY, TAG_ADDRESS },
	{ DT_INIT_ARRAYSZ, TAG_VALUE }, { DT_FINI_ARRAYSZ, TAG_VALUE }, { DT_RUNPATH, TAG_VALUE },
	{ DT_FLAGS, TAG_VALUE }, { DT_PREINIT_ARRAY, TAG_ADDRESS },
	{ DT_PREINIT_ARRAYSZ, TAG_VALUE }, { DT_RELRSZ, TAG_VALUE }, { DT_RELR, TAG_ADDRESS },
	{ DT_RELRENT, TAG_VALUE }, { DT_GNU_HASH, TAG_ADDRESS }, { DT_VERSYM, TAG_ADDRESS },
	{ DT_RELACOUNT, TAG_VALUE }, { DT_RELCOUNT, TAG_VALUE }, { DT_FLAGS_1, TAG_VALUE },
	{ DT_VERDEF, TAG_ADDRESS }, { DT_VERDEFNUM, TAG_VALUE }, { DT_VERNEED, TAG_ADDRESS },
	{ DT_VERNEEDNUM, TAG_VALUE },
};

static bool classify_tag(int64_t tag, enum tag_class *class)
{
	for (size_t i = 0; i < sizeof tag_classes / sizeof tag_classes[0]; i++) {
		if (tag_classes[i].tag == tag) {
			*class = tag_classes[i].class;
			return true;
		}
	}
	return false;
}

/* Writes in the image's byte order.  The loader read fields the way a
 * process does, page zero fill included; a field that reaches past the end
 * of the file cannot be written, and placement then fails. */
static void put_uint(const struct vdso_image *image, struct placement *out, uint64_t offset,
		     unsigned size, uint64_t value)
{
	if (offset > out->size || size > out->size - offset) {
		if (!out->write_past_end && !out->written_twice)
			out->bad_offset = offset;
		out->write_past_end = true;
		return;
	}
	/* A field that two tables claim (overlapping symbol tables, a
	 * relocation aimed at a header) would be moved twice: refuse it.  This
	 * also bounds the work: the first overlap ends the placement. */
	for (unsigned i = 0; i < size; i++) {
		uint64_t at = offset + i;
		if (out->written[at / 8] & (1u << at % 8)) {
			if (!out->write_past_end && !out->written_twice)
				out->bad_offset = offset;
			out->written_twice = true;
			return;
		}
		out->written[at / 8] |= (unsigned char)(1u << at % 8);
	}
	for (unsigned i = 0; i < size; i++) {
		unsigned shift = 8 * (image->view.big_endian ? size - 1 - i : i);
		out->bytes[offset + i] = (unsigned char)(value >> shift);
	}
}

static void add_to_word(const struct vdso_image *image, struct placement *out,
			uint64_t offset, unsigned size, uint64_t delta)
{
	struct view view = image->view;
	view.bytes = out->bytes;
	uint64_t value = 0;
	if (size == 8)
		view_u64(&view, offset, &value);
	else {
		uint32_t v32 = 0;
		view_u32(&view, offset, &v32);
		value = v32;
	}
	put_uint(image, out, offset, size, value + delta);
}

bool place_check_base(const struct arch_contract *arch, uint64_t base, uint64_t image_size,
		      uint64_t reserve_below, char *error, size_t error_size)
{
	uint64_t top = arch->elf_class == ELFCLASS32 && arch->user_top > (1ull << 32)
		       ? 1ull << 32 : arch->user_top;
	uint64_t mapped = image_size + (PAGE - image_size % PAGE) % PAGE;
	if (base % PAGE) {
		snprintf(error, error_size, "--base %#" PRIx64 " is not page-aligned (%u bytes)",
			 base, PAGE);
		return false;
	}
	if (base < PAGE + reserve_below) {
		snprintf(error, error_size, "--base %#" PRIx64 " leaves no room %sabove page 0 "
			 "(0 means no vDSO to musl and Go)", base,
			 reserve_below ? "for the data page " : "");
		return false;
	}
	if (base >= top || mapped > top - base) {
		snprintf(error, error_size, "--base %#" PRIx64 " + %#" PRIx64 " bytes is outside "
			 "%s user space (below %#" PRIx64 ")", base, mapped, arch->name, top);
		return false;
	}
	return true;
}

static bool apply_relocations(const struct vdso_image *image, const struct arch_contract *arch,
			      struct placement *out, uint64_t bias, uint64_t delta,
			      char *error, size_t error_size)
{
	unsigned word = view_word_size(&image->view);
	if (image->relr_count) {
		snprintf(error, error_size, "DT_RELR relocations are not supported; link with "
			 "-z nopack-relative-relocs");
		return false;
	}
	for (size_t i = 0; i < image->reloc_count; i++) {
		const struct vdso_reloc *r = &image->relocs[i];
		if (r->type == 0)
			continue;
		uint64_t target;
		if (r->type != arch->relative_reloc || r->symbol != 0 ||
		    !image_addr_to_offset(image, r->offset, word, &target)) {
			snprintf(error, error_size, "relocation %zu (type %u, symbol %u at %#" PRIx64
				 ") cannot be applied at build time: only %s R_*_RELATIVE "
				 "relocations inside the image can", i, r->type, r->symbol,
				 r->offset, arch->name);
			return false;
		}
		/* The value is the runtime address: load bias plus addend (RELA)
		 * or plus the word already there (REL). */
		uint64_t addend = (uint64_t)r->addend;
		if (!r->rela)
			view_word(&image->view, target, &addend);
		put_uint(image, out, target, word, addend + bias);
		/* Neutralise: R_*_NONE, and the offset moves with the image. */
		put_uint(image, out, r->entry_offset, word, r->offset + delta);
		put_uint(image, out, r->entry_offset + word, word, 0);
		out->relocations_applied++;
	}
	return true;
}

static bool prelink(const struct vdso_image *image, struct placement *out, uint64_t delta,
		    char *error, size_t error_size)
{
	const struct view *v = &image->view;
	bool is64 = v->elf_class == ELFCLASS64;
	unsigned word = view_word_size(v);
	if (image->ehdr.e_entry)
		add_to_word(image, out, 24, word, delta);
	for (size_t i = 0; i < image->segment_count; i++) {
		uint64_t at = image->ehdr.e_phoff + i * image->ehdr.e_phentsize;
		add_to_word(image, out, at + (is64 ? 16 : 8), word, delta);  /* p_vaddr */
		add_to_word(image, out, at + (is64 ? 24 : 12), word, delta); /* p_paddr */
	}
	for (size_t i = 0; i < image->section_count; i++) {
		if (!(image->sections[i].flags & SHF_ALLOC))
			continue;
		uint64_t at = image->ehdr.e_shoff + i * image->ehdr.e_shentsize;
		add_to_word(image, out, at + (is64 ? 16 : 12), word, delta);  /* sh_addr */
	}
	for (size_t i = 0; i < image->dynamic_count; i++) {
		enum tag_class class;
		if (!classify_tag(image->dynamic[i].d_tag, &class)) {
			snprintf(error, error_size, "dynamic entry [%zu] has tag %#" PRIx64
				 ", which mkvdso does not know how to move; refusing to guess",
				 i, (uint64_t)image->dynamic[i].d_tag);
			return false;
		}
		if (class == TAG_ADDRESS)
			add_to_word(image, out,
				    image->dynamic_offset + i * view_dyn_size(v) + word, word, delta);
	}
	/* Symbol values: dynsym through DT_SYMTAB, .symtab if it was kept. */
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (sym->shndx == SHN_UNDEF || sym->shndx == SHN_ABS || sym->shndx >= SHN_LORESERVE)
			continue;
		add_to_word(image, out,
			    image->symtab.offset + i * view_sym_size(v) + (is64 ? 8 : 4), word, delta);
	}
	for (size_t s = 0; s < image->section_count; s++) {
		const struct vdso_section *sec = &image->sections[s];
		if (sec->type != SHT_SYMTAB || !view_contains(v, sec->offset, sec->size) ||
		    sec->offset + sec->size > v->file_size)
			continue;
		for (uint64_t at = sec->offset; at + view_sym_size(v) <= sec->offset + sec->size &&
		     !out->written_twice; at += view_sym_size(v)) {
			GElf_Sym sym;
			view_sym(v, at, &sym);
			if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE &&
			    GELF_ST_TYPE(sym.st_info) != STT_FILE)
				add_to_word(image, out, at + (is64 ? 8 : 4), word, delta);
		}
	}
	return true;
}

bool place_image(const struct vdso_image *image, const struct arch_contract *arch,
		 uint64_t base, bool prelink_mode, struct placement *out,
		 char *error, size_t error_size)
{
	memset(out, 0, sizeof *out);
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	if (!load) {
		snprintf(error, error_size, "no PT_LOAD to place");
		return false;
	}
	out->size = image->view.file_size;
	out->bytes = malloc(out->size ? out->size : 1);
	if (!out->bytes) {
		snprintf(error, error_size, "out of memory");
		return false;
	}
	memcpy(out->bytes, image->view.bytes, out->size);
	out->written = calloc(out->size / 8 + 1, 1);
	if (!out->written) {
		snprintf(error, error_size, "out of memory");
		placement_free(out);
		return false;
	}
	out->base = base;
	out->prelinked = prelink_mode;
	/* The ELF header is mapped at base; an address A then lives at
	 * base + (A - load->vaddr): that difference is the load bias. */
	uint64_t bias = base - load->vaddr;
	uint64_t delta = prelink_mode ? bias : 0;
	if (!apply_relocations(image, arch, out, bias, delta, error, error_size) ||
	    (prelink_mode && !prelink(image, out, delta, error, error_size))) {
		placement_free(out);
		return false;
	}
	if (out->write_past_end || out->written_twice) {
		snprintf(error, error_size, out->written_twice
			 ? "the field at offset %#" PRIx64 " would be rewritten twice: two tables "
			   "(symbol tables, relocations, headers) overlap there"
			 : "a field to rewrite at offset %#" PRIx64 " lies past the end of the file",
			 out->bad_offset);
		placement_free(out);
		return false;
	}
	free(out->written);
	out->written = NULL;
	return true;
}

void placement_free(struct placement *placement)
{
	free(placement->bytes);
	free(placement->written);
	memset(placement, 0, sizeof *placement);
}
