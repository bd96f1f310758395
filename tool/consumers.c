/* consumers: replay each libc's vDSO lookup on the image (vdso-facts §3-§6). */
#include "consumers.h"
#include "hashwalk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *outcome_name(enum outcome outcome)
{
	switch (outcome) {
	case OUTCOME_USES: return "uses";
	case OUTCOME_FALLBACK: return "fallback";
	case OUTCOME_CRASH: return "crash";
	}
	return "?";
}

static void set_outcome(struct outcome_detail *detail, enum outcome outcome,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_outcome(struct outcome_detail *detail, enum outcome outcome,
			const char *fmt, ...)
{
	detail->outcome = outcome;
	detail->offset = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail->reason, sizeof detail->reason, fmt, ap);
	va_end(ap);
}

/* Where one consumer believes the image's parts are.  bias turns an address
 * into a file offset the way that consumer does (base = ehdr + bias). */
struct located {
	const struct arch_contract *arch;  /* the image's architecture */
	uint32_t release;                  /* the release modelled (release_key; 0: the oldest) */
	bool ready;                        /* tables found, lookups possible */
	struct outcome_detail failure;     /* why not, when !ready */
	bool dynamic_crash;                /* dynamic programs die regardless */
	struct outcome_detail dynamic_failure;
	int64_t bias;
};

static void fail(struct located *loc, enum outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct located *loc, enum outcome outcome, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	loc->ready = false;
	loc->failure.outcome = outcome;
	loc->failure.offset = 0;
	vsnprintf(loc->failure.reason, sizeof loc->failure.reason, fmt, ap);
	va_end(ap);
}

/* Only dynamic programs: a later dynamic-linker step that crashes. */
static void crash_dynamic(struct located *loc, const char *reason)
{
	if (loc->dynamic_crash)
		return;
	loc->dynamic_crash = true;
	set_outcome(&loc->dynamic_failure, OUTCOME_CRASH, "%s", reason);
}

static const struct vdso_segment *last_segment(const struct vdso_image *image, uint32_t type)
{
	const struct vdso_segment *found = NULL;
	for (size_t i = 0; i < image->segment_count; i++)
		if (image->segments[i].type == type)
			found = &image->segments[i];
	return found;
}

/* Checks that a table the consumer reads at addr + bias is where the model
 * found it; a consumer reading elsewhere reads garbage or faults. */
static bool table_agrees(struct located *loc, const struct vdso_image *image,
			 const struct vdso_table *table, const char *name)
{
	if (!table->present)
		return true;
	uint64_t offset = table->addr + (uint64_t)loc->bias;
	if (table->mapped && offset == table->offset)
		return true;
	fail(loc, OUTCOME_CRASH, "reads %s at offset %#" PRIx64 ", %s", name, offset,
	     view_contains(&image->view, offset, 1) ? "not where the table is"
						    : "outside the image");
	return false;
}

static bool tables_agree(struct located *loc, const struct vdso_image *image)
{
	return table_agrees(loc, image, &image->strtab, "DT_STRTAB") &&
	       table_agrees(loc, image, &image->symtab, "DT_SYMTAB") &&
	       table_agrees(loc, image, &image->hash, "DT_HASH") &&
	       table_agrees(loc, image, &image->gnu_hash, "DT_GNU_HASH") &&
	       table_agrees(loc, image, &image->versym, "DT_VERSYM") &&
	       table_agrees(loc, image, &image->verdef, "DT_VERDEF");
}

/* Readies loc for lookups through the dynamic table at dyn_offset. */
static bool locate(struct located *loc, const struct vdso_image *image, int64_t bias,
		   uint64_t dyn_offset)
{
	loc->bias = bias;
	if (dyn_offset != image->dynamic_offset) {
		fail(loc, OUTCOME_CRASH, "reads the dynamic table at offset %#" PRIx64
		     ", where PT_DYNAMIC's file offset is %#" PRIx64, dyn_offset,
		     image->dynamic_offset);
		return false;
	}
	if (!image->dynamic_terminated) {
		fail(loc, OUTCOME_CRASH, "the dynamic table has no DT_NULL: reads past it");
		return false;
	}
	if (!tables_agree(loc, image))
		return false;
	loc->ready = true;
	return true;
}

/* The result of calling base + st_value. */
static void found_at(struct outcome_detail *detail, const struct vdso_image *image,
		     uint64_t offset)
{
	if (!view_contains(&image->view, offset, 1)) {
		set_outcome(detail, OUTCOME_CRASH,
			    "resolves to offset %#" PRIx64 ", outside the image", offset);
		return;
	}
	set_outcome(detail, OUTCOME_USES, "resolves to offset %#" PRIx64, offset);
	detail->offset = offset;
}

static const struct vdso_verdef *node_named(const struct vdso_image *image,
					    const char *version, bool check_hash)
{
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		if (def->flags & VER_FLG_BASE || !def->name || strcmp(def->name, version) != 0)
			continue;
		if (check_hash && def->hash != vdso_sysv_hash(version))
			continue;
		return def;
	}
	return NULL;
}

/* ---------------- musl: src/internal/vdso.c ---------------- */

static bool musl_checkver(const struct vdso_image *image, uint16_t versym,
			  const char *version)
{
	versym &= 0x7fff;
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		if (!(def->flags & VER_FLG_BASE) && (def->ndx & 0x7fff) == versym)
			return def->name && strcmp(def->name, version) == 0;
	}
	return false;
}

static void musl_setup(struct located *loc, const struct vdso_image *image)
{
	const struct vdso_segment *load = last_segment(image, PT_LOAD);
	const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
	if (!dyn) {
		fail(loc, OUTCOME_FALLBACK, "no PT_DYNAMIC");
		crash_dynamic(loc, "no PT_DYNAMIC: the dynamic linker's vDSO attach dereferences NULL");
		return;
	}
	if (!load) {
		fail(loc, OUTCOME_FALLBACK, "no PT_LOAD");
		return;
	}
	if (!locate(loc, image, (int64_t)(load->offset - load->vaddr), dyn->offset))
		return;
	if (!image->strtab.present || !image->symtab.present || !image->hash.present) {
		fail(loc, OUTCOME_FALLBACK, "%s", !image->hash.present
		     ? "no DT_HASH (musl never reads DT_GNU_HASH)" : "no DT_STRTAB or DT_SYMTAB");
		loc->ready = false;
	}
}

static void musl_lookup(struct outcome_detail *detail, const struct vdso_image *image,
			const struct located *loc, const char *name, const char *version,
			const char *hash_name)
{
	(void)hash_name; /* musl scans; it hashes nothing */
	/* A linear scan of nchain entries; the buckets are never used. */
	bool versioned = image->verdef.present && image->versym.present;
	const char *rejected = NULL;
	uint64_t scanned = image->hash_nchain < image->symbol_count ? image->hash_nchain
								     : image->symbol_count;
	for (size_t i = 0; i < scanned; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!sym->name || strcmp(sym->name, name) != 0)
			continue;
		if (sym->type != STT_NOTYPE && sym->type != STT_OBJECT && sym->type != STT_FUNC &&
		    sym->type != STT_COMMON) {
			rejected = "its type";
			continue;
		}
		if (sym->bind != STB_GLOBAL && sym->bind != STB_WEAK && sym->bind != STB_GNU_UNIQUE) {
			rejected = "its binding";
			continue;
		}
		if (sym->shndx == SHN_UNDEF) {
			rejected = "SHN_UNDEF";
			continue;
		}
		if (versioned && !musl_checkver(image, sym->versym, version)) {
			rejected = "its version";
			continue;
		}
		found_at(detail, image, sym->value + (uint64_t)loc->bias);
		return;
	}
	if (rejected)
		set_outcome(detail, OUTCOME_FALLBACK, "%s@%s rejected for %s", name, version, rejected);
	else if (image_find_symbol(image, name))
		set_outcome(detail, OUTCOME_FALLBACK, "%s lies past nchain=%" PRIu64
			    ": musl's scan never sees it", name, scanned);
	else
		set_outcome(detail, OUTCOME_FALLBACK, "%s not exported", name);
}

/* ---------------- glibc: elf/setup-vdso.h, dl-lookup.c ---------------- */

/* Releases as release_key() numbers them. */
#define GLIBC_2_35 2035000u  /* relocates a writable dynamic table in place (BZ 28340) */
#define GLIBC_2_43 2043000u  /* takes l_addr from the first PT_LOAD (BZ 32583 fixed) */

static void glibc_setup(struct located *loc, const struct vdso_image *image)
{
	uint64_t first_vaddr = 0;
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *seg = &image->segments[i];
		if (seg->type == PT_TLS) {
			fail(loc, OUTCOME_CRASH, "PT_TLS: setup_vdso asserts and aborts");
			return;
		}
		/* "if (!l->l_addr) l->l_addr = p_vaddr": the first non-zero
		 * p_vaddr wins (BZ 32583, glibc <= 2.42). */
		if (seg->type == PT_LOAD && first_vaddr == 0)
			first_vaddr = seg->vaddr;
	}
	const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
	if (!dyn) {
		fail(loc, OUTCOME_FALLBACK, "no PT_DYNAMIC");
		return;
	}
	/* glibc reads the dynamic table at its p_vaddr, not its p_offset. */
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	if (load && load->vaddr != first_vaddr && loc->release < GLIBC_2_43) {
		fail(loc, OUTCOME_CRASH, "takes the load address from a later PT_LOAD at %#"
		     PRIx64 " (BZ 32583, glibc <= 2.42) and reads garbage", first_vaddr);
		return;
	}
	if (!locate(loc, image, (int64_t)(0 - first_vaddr), dyn->vaddr - first_vaddr))
		return;
	/* A vDSO linked at 0 is mapped elsewhere, so l_addr != 0 and glibc
	 * >= 2.35 relocates a writable dynamic table in place (dl_relocate_ld),
	 * except where the ABI keeps it read-only (riscv64: e2e/verdicts-riscv64
	 * runs 2.36 and 2.41 on a writable one). */
	if ((dyn->flags & PF_W) && first_vaddr == 0 && loc->release >= GLIBC_2_35 &&
	    !loc->arch->glibc_ro_dynamic) {
		fail(loc, OUTCOME_CRASH, "writable PT_DYNAMIC: glibc >= 2.35 writes the "
		     "relocated pointers into the read-only vDSO");
		return;
	}
	uint64_t value, word = view_word_size(&image->view);
	if ((image_dyn(image, DT_RELAENT, &value) && value != 3 * word) ||
	    (image_dyn(image, DT_RELENT, &value) && value != 2 * word) ||
	    (image_dyn(image, DT_RELRENT, &value) && value != word) ||
	    (image_dyn(image, DT_PLTREL, &value) && value != DT_REL && value != DT_RELA)) {
		fail(loc, OUTCOME_CRASH, "a relocation entry size is wrong: elf_get_dynamic_info asserts");
		return;
	}
	if (image->gnu_hash.present) {
		uint32_t bloom = image->gnu_bloom_size;
		if (bloom == 0 || (bloom & (bloom - 1))) {
			fail(loc, OUTCOME_CRASH, "DT_GNU_HASH bloom_size %u is not a power of two: "
			     "_dl_setup_hash asserts", bloom);
			return;
		}
	} else if (!image->hash.present) {
		fail(loc, OUTCOME_FALLBACK, "neither DT_GNU_HASH nor DT_HASH: nothing is found");
		return;
	}
	if (!image->strtab.present || !image->symtab.present) {
		fail(loc, OUTCOME_FALLBACK, "no DT_STRTAB or DT_SYMTAB");
		return;
	}
	if (image->verdef.present && !image->versym.present)
		crash_dynamic(loc, "DT_VERDEF without DT_VERSYM: _dl_check_map_versions "
			      "dereferences NULL");
	if (image_dyn(image, DT_VERNEED, NULL))
		crash_dynamic(loc, "DT_VERNEED: _dl_check_map_versions asserts the needed "
			      "object is loaded");
}

struct glibc_match {
	const struct vdso_image *image;
	const char *name;
	const char *version;   /* NULL: unversioned (early) lookup */
	const char *rejected;
};

static bool glibc_accepts(uint64_t index, void *data)
{
	struct glibc_match *m = data;
	if (index >= m->image->symbol_count)
		return false;
	const struct vdso_symbol *sym = &m->image->symbols[index];
	if (!sym->name || strcmp(sym->name, m->name) != 0)
		return false;
	if (sym->value == 0 && sym->shndx != SHN_ABS && sym->type != STT_TLS) {
		m->rejected = "a zero value";
		return false;
	}
	if (sym->type > STT_TLS && sym->type != STT_GNU_IFUNC) {
		m->rejected = "its type";
		return false;
	}
	if (sym->bind != STB_GLOBAL && sym->bind != STB_WEAK && sym->bind != STB_GNU_UNIQUE) {
		m->rejected = "its binding";
		return false;
	}
	if (sym->visibility == STV_HIDDEN || sym->visibility == STV_INTERNAL) {
		m->rejected = "its hidden visibility";
		return false;
	}
	/* _dl_check_map_versions sets l_versyms only when there are version
	 * definitions (or needs) to index: without DT_VERDEF a DT_VERSYM is
	 * ignored and do_lookup_x accepts the symbol for any version. */
	if (m->version && sym->has_versym && m->image->verdef.present) {
		/* l_versions[ndx] holds vd_hash and the name of verdef ndx. */
		const struct vdso_verdef *def = image_find_verdef_by_index(m->image, sym->versym);
		if (!def || !def->name || def->hash != vdso_sysv_hash(m->version) ||
		    strcmp(def->name, m->version) != 0) {
			m->rejected = "its version (name or vd_hash)";
			return false;
		}
	}
	return true;
}

static void glibc_lookup(struct outcome_detail *detail, const struct vdso_image *image,
			 const struct located *loc, const char *name, const char *version,
			 const char *hash_name)
{
	struct glibc_match match = { image, name, version, NULL };
	uint64_t index;
	enum walk_result result = preferred_hash_walk(image, hash_name, true, glibc_accepts,
						      &match, &index);
	switch (result) {
	case WALK_FOUND:
		break;
	case WALK_NOT_FOUND:
	case WALK_NO_BUCKETS:
		if (match.rejected)
			set_outcome(detail, OUTCOME_FALLBACK, "%s rejected for %s", name, match.rejected);
		else
			set_outcome(detail, OUTCOME_FALLBACK, "%s not found through the %s table", name,
				    image->gnu_hash.present ? "DT_GNU_HASH" : "DT_HASH");
		return;
	default:
		set_outcome(detail, OUTCOME_CRASH, "looking up %s: %s", name, walk_result_text(result));
		return;
	}
	const struct vdso_symbol *sym = &image->symbols[index];
	if (sym->shndx == SHN_ABS) {
		set_outcome(detail, OUTCOME_CRASH, "%s is SHN_ABS: glibc calls the raw value %#" PRIx64
			    " without adding the load address", name, sym->value);
		return;
	}
	found_at(detail, image, sym->value + (uint64_t)loc->bias);
}

/* ---------------- Go: runtime/vdso_linux.go ---------------- */

struct go_match {
	const struct vdso_image *image;
	const char *name;
	int32_t version_index;  /* -1: the version was not found */
	const char *rejected;
};

static bool go_accepts(uint64_t index, void *data)
{
	struct go_match *m = data;
	if (index >= m->image->symbol_count)
		return false;
	const struct vdso_symbol *sym = &m->image->symbols[index];
	if ((sym->type != STT_FUNC && sym->type != STT_NOTYPE) ||
	    (sym->bind != STB_GLOBAL && sym->bind != STB_WEAK) || sym->shndx == SHN_UNDEF) {
		if (sym->name && strcmp(sym->name, m->name) == 0)
			m->rejected = sym->type == STT_OBJECT ? "STT_OBJECT" : "its type, binding or section";
		return false;
	}
	if (!sym->name || strcmp(sym->name, m->name) != 0)
		return false;
	if (sym->has_versym && (int32_t)(sym->versym & 0x7fff) != m->version_index) {
		m->rejected = "its version index";
		return false;
	}
	return true;
}

static void go_setup(struct located *loc, const struct vdso_image *image)
{
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
	if (!load || !dyn) {
		fail(loc, OUTCOME_FALLBACK, "no %s: the vDSO is marked invalid", load ? "PT_DYNAMIC" : "PT_LOAD");
		return;
	}
	if (!locate(loc, image, (int64_t)(load->offset - load->vaddr), dyn->offset))
		return;
	if (!image->strtab.present || !image->symtab.present ||
	    (!image->hash.present && !image->gnu_hash.present)) {
		fail(loc, OUTCOME_FALLBACK, "no DT_STRTAB, DT_SYMTAB or hash table: the vDSO is marked invalid");
		return;
	}
	if (!image->verdef.present) {
		fail(loc, OUTCOME_CRASH, "no DT_VERDEF: vdsoFindVersion dereferences nil at startup");
		return;
	}
	if (image->gnu_hash.present && image->gnu_nbucket == 0) {
		fail(loc, OUTCOME_CRASH, "DT_GNU_HASH nbucket 0: integer divide by zero panic");
		return;
	}
}

static void go_lookup(struct outcome_detail *detail, const struct vdso_image *image,
		      const struct located *loc, const char *name, const char *version,
		      const char *hash_name)
{
	const struct vdso_verdef *node = node_named(image, version, true);
	struct go_match match = { image, name, node ? node->ndx & 0x7fff : -1, NULL };
	if (!node) {
		set_outcome(detail, OUTCOME_FALLBACK, "no version %s with a matching vd_hash: "
			    "every symbol is rejected", version);
		return;
	}
	uint64_t index;
	enum walk_result result = preferred_hash_walk(image, hash_name, false, go_accepts,
						      &match, &index);
	if (result == WALK_FOUND) {
		found_at(detail, image, image->symbols[index].value + (uint64_t)loc->bias);
		return;
	}
	/* Go skips a GNU bucket below symoffset; a DT_HASH chain index past
	 * nchain is a slice bounds panic. */
	bool benign = result == WALK_NOT_FOUND || result == WALK_NO_BUCKETS ||
		      (result == WALK_BAD_INDEX && image->gnu_hash.present);
	if (!benign)
		set_outcome(detail, OUTCOME_CRASH, "looking up %s: %s (runtime panic)", name,
			    walk_result_text(result));
	else if (match.rejected)
		set_outcome(detail, OUTCOME_FALLBACK, "%s rejected for %s", name, match.rejected);
	else if (strcmp(hash_name, name) != 0)
		set_outcome(detail, OUTCOME_FALLBACK, "%s not found through the %s table: "
			    "looked up with the hashes of %s", name,
			    image->gnu_hash.present ? "DT_GNU_HASH" : "DT_HASH", hash_name);
	else
		set_outcome(detail, OUTCOME_FALLBACK, "%s not found through the %s table", name,
			    image->gnu_hash.present ? "DT_GNU_HASH" : "DT_HASH");
}

/* ---------------- bionic: libc/bionic/vdso.cpp, linker_main.cpp ---------------- */

static void bionic_setup(struct located *loc, const struct vdso_image *image)
{
	const struct view *v = &image->view;
	const GElf_Ehdr *eh = &image->ehdr;
	uint64_t shentsize = gelf_fsize(image->elf, ELF_T_SHDR, 1, EV_CURRENT);
	loc->ready = false;
	if (eh->e_shoff == 0 || eh->e_shnum == 0) {
		fail(loc, OUTCOME_FALLBACK, "no section headers: bionic counts symbols in SHT_DYNSYM");
	} else if (!view_contains(v, eh->e_shoff, (uint64_t)eh->e_shnum * shentsize)) {
		fail(loc, OUTCOME_CRASH, "the section headers lie outside the image");
	} else if (!image->have_dynsym_section || image->dynsym_section_count == 0) {
		fail(loc, OUTCOME_FALLBACK, "no SHT_DYNSYM section");
	} else {
		const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
		const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
		if (!load || !dyn)
			fail(loc, OUTCOME_FALLBACK, "no %s", load ? "PT_DYNAMIC" : "PT_LOAD");
		else if (load->vaddr - load->offset != 0)
			/* Mapped at its link address, the load bias is 0: "no vDSO". */
			fail(loc, OUTCOME_FALLBACK, "linked at %#" PRIx64 ": the load bias is 0, "
			     "which bionic treats as no vDSO", load->vaddr);
		else if (locate(loc, image, (int64_t)(load->offset - load->vaddr), dyn->offset) &&
			 (!image->strtab.present || !image->symtab.present))
			fail(loc, OUTCOME_FALLBACK, "no DT_STRTAB or DT_SYMTAB");
		else if (loc->ready && (image->dynsym_section_count > v->map_size / view_sym_size(v) ||
					!view_contains(v, image->symtab.offset,
						       image->dynsym_section_count * view_sym_size(v))))
			fail(loc, OUTCOME_CRASH, "SHT_DYNSYM's count runs past the image");
	}
	/* The dynamic linker links the vDSO like a library and, in current
	 * bionic, aborts every dynamic program if that fails. */
	const char *refused = NULL;
	uint64_t value;
	if (!image_first_segment(image, PT_DYNAMIC))
		refused = "missing PT_DYNAMIC";
	else if (!image->strtab.present || !image->symtab.present)
		refused = "missing DT_STRTAB or DT_SYMTAB";
	else if (!image->hash.present && !image->gnu_hash.present)
		refused = "missing DT_HASH and DT_GNU_HASH";
	else if (image->gnu_hash.present && (image->gnu_bloom_size == 0 ||
		 (image->gnu_bloom_size & (image->gnu_bloom_size - 1))))
		refused = "DT_GNU_HASH bloom size not a power of two";
	else if (image_dyn(image, DT_SYMENT, &value) && value != view_sym_size(v))
		refused = "wrong DT_SYMENT";
	else if (image_dyn(image, DT_TEXTREL, NULL))
		refused = "text relocations";
	if (refused) {
		char reason[160];
		snprintf(reason, sizeof reason, "the dynamic linker refuses the vDSO (%s) and "
			 "aborts the program", refused);
		crash_dynamic(loc, reason);
	}
	for (size_t i = 0; !refused && i < image->reloc_count; i++) {
		if (image->relocs[i].type != 0) {
			crash_dynamic(loc, "the dynamic linker applies the vDSO's relocations to "
				      "read-only memory");
			break;
		}
	}
}

static void bionic_lookup(struct outcome_detail *detail, const struct vdso_image *image,
			  const struct located *loc, const char *name, const char *version,
			  const char *hash_name)
{
	(void)version; /* bionic matches names only, scanning */
	(void)hash_name;
	uint64_t count = image->dynsym_section_count;
	uint64_t entry = view_sym_size(&image->view);
	for (uint64_t i = 0; i < count; i++) {
		GElf_Sym sym;
		if (!view_sym(&image->view, image->symtab.offset + i * entry, &sym))
			break; /* bionic_setup made sure this cannot happen */
		if (sym.st_name >= image->strsz)
			continue;
		const char *sym_name = view_string(&image->view, image->strtab.offset + sym.st_name,
						   image->strtab.offset + image->strsz);
		if (sym_name && strcmp(sym_name, name) == 0) {
			found_at(detail, image, sym.st_value + (uint64_t)loc->bias);
			return;
		}
	}
	set_outcome(detail, OUTCOME_FALLBACK, "%s not among the %" PRIu64 " SHT_DYNSYM entries",
		    name, count);
}

/* ---------------- driver ---------------- */

typedef void (*setup_fn)(struct located *, const struct vdso_image *);
/* lookup(detail, image, loc, symbol, version, hash_name): hash_name is the
 * name whose hashes the consumer walks the tables with, normally symbol. */
typedef void (*lookup_fn)(struct outcome_detail *, const struct vdso_image *,
			  const struct located *, const char *, const char *, const char *);

static const struct {
	setup_fn setup;
	lookup_fn lookup;
} models[CONSUMER_COUNT] = {
	[CONSUMER_MUSL] = { musl_setup, musl_lookup },
	[CONSUMER_GLIBC] = { glibc_setup, glibc_lookup },
	[CONSUMER_GO] = { go_setup, go_lookup },
	[CONSUMER_BIONIC] = { bionic_setup, bionic_lookup },
};

/* musl >= 1.2.4 and glibc >= 2.34 on arm: a function is called only if
 * another one resolves, or does not (struct lookup_condition), looked up the
 * same way (version: the one the consumer checks, or NULL).  One that
 * resolves is called, so a crash there counts as resolving; one not called
 * cannot crash. */
static void apply_only_if(struct outcome_detail *detail, const struct vdso_image *image,
			  const struct located *loc, const struct consumer_lookup *lookup,
			  const char *version)
{
	const struct lookup_condition *cond = lookup->only_if;
	if (!cond || detail->outcome == OUTCOME_FALLBACK)
		return;
	struct outcome_detail other;
	models[lookup->consumer].lookup(&other, image, loc, cond->symbol, version, cond->symbol);
	bool resolves = other.outcome != OUTCOME_FALLBACK;
	if (cond->resolves && !resolves)
		set_outcome(detail, OUTCOME_FALLBACK, "not called: %s does not resolve (%s)",
			    cond->symbol, other.reason);
	else if (!cond->resolves && resolves)
		set_outcome(detail, OUTCOME_FALLBACK, "not called: %s, which resolves, serves instead",
			    cond->symbol);
}

static void evaluate(struct verdict *verdict, const struct vdso_image *image,
		     const struct located *loc)
{
	const struct consumer_lookup *lookup = verdict->lookup;
	for (int l = 0; l < LINK_COUNT; l++) {
		struct outcome_detail *detail = &verdict->linkage[l];
		/* The dynamic linker takes the vDSO in as a library whatever the
		 * libc then looks up: musl 1.2.3's on arm, which looks up nothing,
		 * crashes on an image without PT_DYNAMIC (e2e/verdicts-arm). */
		if (l == LINK_DYNAMIC && loc->dynamic_crash) {
			*detail = loc->dynamic_failure;
			continue;
		}
		if (lookup->kind == LOOKUP_NONE) {
			set_outcome(detail, OUTCOME_FALLBACK, "%s", lookup->note);
			continue;
		}
		if (!loc->ready) {
			*detail = loc->failure;
			continue;
		}
		/* glibc checks versions only in the late IFUNC lookups of dynamic
		 * programs; every other glibc lookup accepts any version. */
		const char *version = lookup->version;
		if (lookup->consumer == CONSUMER_GLIBC &&
		    !(lookup->kind == LOOKUP_LATE_DYNAMIC && l == LINK_DYNAMIC))
			version = NULL;
		models[lookup->consumer].lookup(detail, image, loc, lookup->symbol, version,
						lookup->hashed_as ? lookup->hashed_as : lookup->symbol);
		apply_only_if(detail, image, loc, lookup, version);
	}
}

/* --- releases --- */

/* "2.31" -> 2031000, "1.2.3" -> 1002003; 0 if not a dotted release. */
static uint32_t release_key(const char *text, size_t len)
{
	uint32_t key = 0, part = 0;
	unsigned parts = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] >= '0' && text[i] <= '9') {
			part = part * 10 + (uint32_t)(text[i] - '0');
			if (part > 999)
				return 0;
		} else if (i == len || text[i] == '.') {
			if (++parts > 3)
				return 0;
			key = key * 1000 + part;
			part = 0;
		} else {
			return 0;
		}
	}
	while (parts++ < 3)
		key *= 1000;
	return key;
}

/* One end of a release range: its text ("2.31", not terminated there) and
 * its release_key().  An open end ("2.31+") has no text and the top key. */
struct release_end {
	const char *text;
	size_t len;
	uint32_t key;
};

/* A lookup's range, "A+", "A-B" or "A", into its ends; false for anything
 * else ("current"). */
static bool release_range(const char *releases, struct release_end *lo, struct release_end *hi)
{
	size_t len = strlen(releases), dash = strcspn(releases, "-");
	*lo = (struct release_end){ releases, len, 0 };
	*hi = *lo;
	if (len && releases[len - 1] == '+') {
		lo->len = len - 1;
		*hi = (struct release_end){ NULL, 0, UINT32_MAX };
	} else if (dash < len) {
		lo->len = dash;
		*hi = (struct release_end){ releases + dash + 1, len - dash - 1, 0 };
	}
	lo->key = release_key(lo->text, lo->len);
	if (hi->text)
		hi->key = release_key(hi->text, hi->len);
	return lo->key != 0 && hi->key != 0 && lo->key <= hi->key;
}

/* Releases where a consumer's handling of some images changed, in order.
 * A lookup whose range spans one is modelled on each side; the verdict is
 * split only where the two sides differ, so most images show the rows as
 * the architecture table has them. */
static const struct {
	enum consumer consumer;
	const char *first, *last_before;
} release_splits[] = {
	{ CONSUMER_GLIBC, "2.35", "2.34" },
	{ CONSUMER_GLIBC, "2.43", "2.42" },
};
#define SPLIT_COUNT (sizeof release_splits / sizeof release_splits[0])

static struct release_end split_end(const char *text)
{
	size_t len = strlen(text);
	return (struct release_end){ text, len, release_key(text, len) };
}

static bool same_verdict(const struct verdict *a, const struct verdict *b)
{
	for (int l = 0; l < LINK_COUNT; l++)
		if (a->linkage[l].outcome != b->linkage[l].outcome ||
		    a->linkage[l].offset != b->linkage[l].offset ||
		    strcmp(a->linkage[l].reason, b->linkage[l].reason) != 0)
			return false;
	return true;
}

/* "START+", "START-END" or "START" into buf. */
static void format_releases(char *buf, size_t size, struct release_end start,
			    struct release_end end)
{
	if (!end.text)
		snprintf(buf, size, "%.*s+", (int)start.len, start.text);
	else if (start.key == end.key)
		snprintf(buf, size, "%.*s", (int)start.len, start.text);
	else
		snprintf(buf, size, "%.*s-%.*s", (int)start.len, start.text, (int)end.len,
			 end.text);
}

/* The stretches of one lookup's releases with one outcome each. */
struct stretches {
	struct verdict *out;         /* room for SPLIT_COUNT + 1 */
	struct release_end start[SPLIT_COUNT + 1], end[SPLIT_COUNT + 1];
	size_t count;
};

/* Models the releases [start, end] with loc; an outcome equal to the
 * stretch before extends that stretch. */
static void add_stretch(struct stretches *st, const struct vdso_image *image,
			const struct consumer_lookup *lookup, const struct located *loc,
			struct release_end start, struct release_end end)
{
	struct verdict *v = &st->out[st->count];
	memset(v, 0, sizeof *v);
	v->lookup = lookup;
	evaluate(v, image, loc);
	if (!st->count || !same_verdict(&st->out[st->count - 1], v))
		st->start[st->count++] = start;
	st->end[st->count - 1] = end;
}

/* Models lookup over its releases into out[], one verdict per stretch of
 * releases with the same outcome; returns how many.  located[k] is the
 * consumer's model after its k-th release split. */
static size_t evaluate_lookup(const struct vdso_image *image, const struct consumer_lookup *lookup,
			      const struct located *located, struct verdict *out)
{
	struct release_end lo, hi;
	bool ranged = release_range(lookup->releases, &lo, &hi);
	struct stretches st = { .out = out };
	struct release_end start = lo;
	size_t interval = 0;
	for (size_t s = 0; ranged && s < SPLIT_COUNT; s++) {
		if (release_splits[s].consumer != lookup->consumer)
			continue;
		struct release_end first = split_end(release_splits[s].first);
		if (first.key > hi.key)
			break;
		if (first.key > lo.key) {
			add_stretch(&st, image, lookup, &located[interval], start,
				    split_end(release_splits[s].last_before));
			start = first;
		}
		interval++;
	}
	add_stretch(&st, image, lookup, &located[interval], start, hi);
	if (st.count == 1) {
		snprintf(out[0].releases, sizeof out[0].releases, "%s", lookup->releases);
		return 1;
	}
	for (size_t i = 0; i < st.count; i++)
		format_releases(out[i].releases, sizeof out[i].releases, st.start[i], st.end[i]);
	return st.count;
}

bool consumers_evaluate(const struct vdso_image *image, const struct arch_contract *arch,
			unsigned mask, struct verdicts *verdicts)
{
	memset(verdicts, 0, sizeof *verdicts);
	if (!arch)
		return true;
	verdicts->items = calloc(arch->lookup_count ? arch->lookup_count * (SPLIT_COUNT + 1) : 1,
				 sizeof *verdicts->items);
	if (!verdicts->items)
		return false;
	/* Each consumer's model once per stretch between its release splits:
	 * before the first (release 0: older than any), then from each. */
	struct located located[CONSUMER_COUNT][SPLIT_COUNT + 1];
	for (int c = 0; c < CONSUMER_COUNT; c++) {
		if (!(mask & CONSUMER_BIT(c)))
			continue;
		uint32_t release = 0;
		size_t k = 0;
		for (size_t s = 0;; s++) {
			memset(&located[c][k], 0, sizeof located[c][k]);
			located[c][k].arch = arch;
			located[c][k].release = release;
			models[c].setup(&located[c][k], image);
			while (s < SPLIT_COUNT && release_splits[s].consumer != (enum consumer)c)
				s++;
			if (s == SPLIT_COUNT)
				break;
			release = split_end(release_splits[s].first).key;
			k++;
		}
	}
	for (size_t i = 0; i < arch->lookup_count; i++) {
		const struct consumer_lookup *lookup = &arch->lookups[i];
		if (mask & CONSUMER_BIT(lookup->consumer))
			verdicts->count += evaluate_lookup(image, lookup, located[lookup->consumer],
							   &verdicts->items[verdicts->count]);
	}
	return true;
}

void verdicts_free(struct verdicts *verdicts)
{
	free(verdicts->items);
	memset(verdicts, 0, sizeof *verdicts);
}
