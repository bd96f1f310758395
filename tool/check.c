/* check: the rule table (vdso-facts.md §7) and the checks applying it. */
#include "check.h"
#include "hashwalk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUSL CONSUMER_BIT(CONSUMER_MUSL)
#define GLIBC CONSUMER_BIT(CONSUMER_GLIBC)
#define GO CONSUMER_BIT(CONSUMER_GO)
#define BIONIC CONSUMER_BIT(CONSUMER_BIONIC)
#define KERNEL CONSUMER_KERNEL_BIT
#define LIBCS CONSUMERS_ALL
#define E SEVERITY_ERROR
#define W SEVERITY_WARNING
#define N SEVERITY_NOTE

const struct rule rule_table[] = {
	{ RULE_ELF_HEADER, E, LIBCS, "the ELF header is not that of a shared object",
	  "link with -shared so e_type is ET_DYN" },
	{ RULE_ARCH_UNKNOWN, W, 0, "the machine has no contract here; symbol and version checks skipped",
	  "pass --arch if the image is for a supported architecture" },
	{ RULE_ARCH_MISMATCH, E, LIBCS, "the image is for another architecture than --arch",
	  "build the vDSO with the target's compiler" },
	{ RULE_LOAD_COUNT, E, LIBCS, "not exactly one PT_LOAD (glibc uses the first, musl and bionic the last)",
	  "put every section in one PT_LOAD with a PHDRS command" },
	{ RULE_LOAD_LAYOUT, E, LIBCS, "the PT_LOAD does not map the file flat from offset 0",
	  "start the PT_LOAD at offset 0 with FILEHDR PHDRS and no .bss" },
	{ RULE_LOAD_FLAGS, W, KERNEL, "the PT_LOAD is not exactly read+execute",
	  "use FLAGS(5) on the text PHDRS entry and discard writable sections" },
	{ RULE_LOAD_VADDR, W, BIONIC, "linked at a non-zero address: bionic then ignores the vDSO",
	  "link at 0 and map the image at its address instead" },
	{ RULE_DYNAMIC_MISSING, E, LIBCS, "no PT_DYNAMIC: no libc can find a symbol; dynamic musl programs crash",
	  "add a PT_DYNAMIC program header for .dynamic" },
	{ RULE_DYNAMIC_WRITABLE, E, GLIBC, "PT_DYNAMIC is writable: glibc >= 2.35 writes into the read-only vDSO and crashes",
	  "give the dynamic PHDRS entry FLAGS(4)" },
	{ RULE_DYNAMIC_PLACE, E, LIBCS, "PT_DYNAMIC's offset and address disagree with the PT_LOAD (glibc reads p_vaddr, the others p_offset)",
	  "keep .dynamic inside the single PT_LOAD" },
	{ RULE_SEGMENT_FORBIDDEN, E, GLIBC, "a segment a vDSO must not have (PT_TLS aborts glibc; PT_INTERP)",
	  "remove thread-local variables and do not link as an executable" },
	{ RULE_SECTIONS, W, BIONIC | KERNEL, "section headers missing, outside the file, or without a matching SHT_DYNSYM (bionic counts symbols there; Linux patches alternatives through them)",
	  "keep the section headers (objcopy -S, not --strip-sections) and embed the whole file" },
	{ RULE_DYN_TABLE, E, LIBCS, "the dynamic table is truncated or not terminated by DT_NULL",
	  "relink; do not cut the file" },
	{ RULE_DYN_ADDRESS, E, LIBCS, "a dynamic entry or table points outside the image",
	  "relink; the image must be the whole linked file" },
	{ RULE_DYN_REQUIRED, E, LIBCS, "a dynamic entry every consumer needs is missing or wrong",
	  "link with -shared; DT_STRTAB, DT_SYMTAB, DT_STRSZ and DT_SYMENT come with it" },
	{ RULE_DYN_FORBIDDEN, E, GLIBC | BIONIC, "DT_NEEDED, DT_VERNEED or DT_TEXTREL: nothing loads or relocates a vDSO",
	  "link with -nostdlib, no libraries, and -fPIC code" },
	{ RULE_DYN_RELOCS, E, LIBCS, "dynamic relocations: no libc applies them to the vDSO",
	  "make code position independent and read no absolute addresses (-fPIC, -Bsymbolic), or use mkvdso build --base" },
	{ RULE_DYN_ENTSIZE, E, GLIBC, "a relocation entry size glibc asserts on is wrong",
	  "relink with a standard linker" },
	{ RULE_DYN_INIT, W, BIONIC, "initialisers (DT_INIT, DT_INIT_ARRAY, ...): nobody runs them; older bionic did",
	  "remove constructors from the vDSO" },
	{ RULE_SYSV_HASH_MISSING, E, MUSL, "no DT_HASH: musl silently uses the system call",
	  "link with --hash-style=sysv (as Linux for arm64) or --hash-style=both" },
	{ RULE_GNU_HASH_MISSING, N, 0, "no DT_GNU_HASH: glibc and Go use DT_HASH (Linux's own arm64 vDSO has only DT_HASH)",
	  "nothing to do; --hash-style=both if you prefer" },
	{ RULE_SYSV_HASH, E, LIBCS, "DT_HASH is inconsistent with the symbol table",
	  "relink; do not edit the symbol table after linking" },
	{ RULE_GNU_HASH, E, GLIBC | GO | BIONIC, "DT_GNU_HASH is inconsistent or malformed",
	  "relink; do not edit the symbol table after linking" },
	{ RULE_HASH_QUIRK, W, GO, "a consumer that walks the hash tables with another name's hashes misses a symbol: Go 1.19-1.21 on arm64 silently use the system call",
	  "link with --hash-style=sysv only, as Linux does for arm64 (the linker's small bucket counts keep both hashes in one bucket)" },
	{ RULE_VERDEF_MISSING, E, GO, "no version definitions: every Go program crashes at startup",
	  "link with a version script defining the architecture's version node" },
	{ RULE_VERSYM_MISSING, E, GLIBC, "DT_VERDEF without DT_VERSYM: every dynamic glibc program crashes",
	  "relink with the version script; keep .gnu.version" },
	{ RULE_VERDEF_CHAIN, E, LIBCS, "the version definition chain is malformed",
	  "relink; do not edit .gnu.version_d by hand" },
	{ RULE_VERDEF_BASE, E, GLIBC, "the first version definition is not the VER_FLG_BASE entry with index 1",
	  "relink with a standard linker" },
	{ RULE_VERDEF_HASH, E, GLIBC | GO, "vd_hash is not the ELF hash of the version name: Go and glibc's checked lookups miss it",
	  "relink; do not rename versions in place" },
	{ RULE_VERSION_MISSING, E, MUSL | GLIBC | GO, "the architecture's version node is not defined: versioned lookups fall back",
	  "name the node in the version script exactly as Linux does" },
	{ RULE_VERSYM_INDEX, E, MUSL | GLIBC | GO, "a required symbol is not bound to the architecture's version node",
	  "list the symbol under the node's global: in the version script" },
	{ RULE_VERSYM_HIDDEN, W, 0, "a required symbol's version is hidden (non-default)",
	  "use sym@@VERSION or a version script, not sym@VERSION" },
	{ RULE_SONAME, W, GLIBC, "DT_SONAME is missing or not Linux's (ldd, dlopen(RTLD_NOLOAD) and selftests look for it)",
	  "link with -soname=linux-vdso.so.1" },
	{ RULE_SYMBOL_MISSING, E, LIBCS, "a symbol the architecture's libcs look up is not exported",
	  "export it under the version node" },
	{ RULE_SYMBOL_DUPLICATE, E, LIBCS, "a required symbol is defined more than once; consumers disagree on which one wins",
	  "export each name once" },
	{ RULE_SYMBOL_TYPE, E, GO | GLIBC, "a required symbol is not STT_FUNC (Go rejects STT_OBJECT; glibc does not resolve IFUNCs)",
	  "declare it as a function (.type sym, %function)" },
	{ RULE_SYMBOL_BINDING, E, LIBCS, "a required symbol is STB_LOCAL: no lookup accepts it",
	  "list it under global: in the version script" },
	{ RULE_SYMBOL_VISIBILITY, E, GLIBC, "a required symbol is hidden or internal: glibc skips it and uses the system call",
	  "give it default visibility" },
	{ RULE_SYMBOL_UNDEFINED, E, LIBCS, "an undefined symbol: nothing resolves a vDSO's imports",
	  "link with --no-undefined and -nostdlib; implement what is missing in the vDSO" },
	{ RULE_SYMBOL_ABS, E, GLIBC, "a required symbol is SHN_ABS: glibc calls its raw value and crashes",
	  "define it inside .text, not in the linker script" },
	{ RULE_SYMBOL_ADDRESS, E, LIBCS, "a required symbol does not point into the executable image",
	  "define the function in .text" },
	{ RULE_SIGRETURN, E, KERNEL, "the signal return trampoline is not Linux's exact sequence (nop; mov x8, #139; svc #0)",
	  "use Linux's __kernel_rt_sigreturn sequence with the nop before the symbol, no BTI" },
	/* Measured on aarch64 and x86_64 (tests/e2e/getrandom.sh), with stubs
	 * and with Linux 6.18's own x86_64 vDSO, which the same programs use;
	 * static glibc 2.41 programs never call it, musl has no vDSO getrandom.
	 * A warning, not an error: a real implementation is right. */
	{ RULE_GETRANDOM, W, GLIBC | GO, "getrandom is exported: dynamic glibc >= 2.41 programs and Go >= 1.24 call it at startup with Linux's opaque-state probe (a fault kills them, an error leaves them on the system call) and, once it answers, take every random byte from it",
	  "export getrandom only if it implements Linux's vgetrandom protocol and its cryptography" },
	{ RULE_SYSCALL, N, KERNEL, "a system-call instruction in the code (an error with --forbid-syscalls)",
	  "build with --syscall-insn for kernels that trap system calls another way" },
	{ RULE_TRAP, N, KERNEL, "the --syscall-insn instruction in the code: a call the vDSO passes on to the kernel",
	  "nothing: the kernel traps it and makes the system call" },
};
const size_t rule_count = sizeof rule_table / sizeof rule_table[0];
#define RULE_SLOTS 64
_Static_assert(sizeof rule_table / sizeof rule_table[0] <= RULE_SLOTS,
	       "struct checker counts findings per rule in RULE_SLOTS slots");

const struct rule *rule_find(const char *id)
{
	for (size_t i = 0; i < rule_count; i++)
		if (strcmp(rule_table[i].id, id) == 0)
			return &rule_table[i];
	return NULL;
}

const char *severity_name(enum severity severity)
{
	switch (severity) {
	case SEVERITY_NOTE: return "note";
	case SEVERITY_WARNING: return "warning";
	case SEVERITY_ERROR: return "error";
	}
	return "?";
}

struct checker {
	const struct vdso_image *image;
	const struct check_options *options;
	struct findings *findings;
	size_t listed[RULE_SLOTS];       /* per rule_table entry */
	size_t unlisted[RULE_SLOTS];
	enum severity unlisted_severity[RULE_SLOTS];
};

/* A finding of rule would be listed (not only counted). */
static bool will_list(const struct checker *c, const char *rule_id)
{
	const struct rule *rule = rule_find(rule_id);
	return rule && c->listed[rule - rule_table] < CHECK_MAX_LISTED;
}

static struct finding *add_finding(struct findings *f)
{
	if (f->count == f->capacity) {
		size_t capacity = f->capacity ? 2 * f->capacity : 32;
		struct finding *grown = realloc(f->items, capacity * sizeof *grown);
		if (!grown) {
			f->out_of_memory = true;
			return NULL;
		}
		f->items = grown;
		f->capacity = capacity;
	}
	return &f->items[f->count++];
}

static void report(struct checker *c, const char *rule_id, const char *place,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct checker *c, const char *rule_id, const char *place,
		   const char *fmt, ...)
{
	const struct rule *rule = rule_find(rule_id);
	struct findings *f = c->findings;
	if (!rule || f->out_of_memory)
		return;
	unsigned relevant = c->options->consumers | CONSUMER_KERNEL_BIT;
	if (rule->consumers && !(rule->consumers & relevant))
		return;
	enum severity severity = rule->severity;
	if (strcmp(rule_id, RULE_SYSCALL) == 0 && c->options->forbid_syscalls)
		severity = SEVERITY_ERROR;
	if (severity == SEVERITY_WARNING && c->options->strict)
		severity = SEVERITY_ERROR;
	size_t slot = (size_t)(rule - rule_table);
	if (c->listed[slot] == CHECK_MAX_LISTED) {
		c->unlisted[slot]++;
		c->unlisted_severity[slot] = severity;
		return;
	}
	struct finding *finding = add_finding(f);
	if (!finding)
		return;
	c->listed[slot]++;
	finding->rule = rule;
	finding->severity = severity;
	finding->count = 1;
	snprintf(finding->place, sizeof finding->place, "%s", place);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(finding->message, sizeof finding->message, fmt, ap);
	va_end(ap);
}

void findings_free(struct findings *findings)
{
	free(findings->items);
	memset(findings, 0, sizeof *findings);
}

size_t findings_count(const struct findings *findings, enum severity severity)
{
	size_t count = 0;
	for (size_t i = 0; i < findings->count; i++)
		if (findings->items[i].severity == severity)
			count += findings->items[i].count;
	return count;
}

/* --- ELF header and segments --- */

static void check_header(struct checker *c)
{
	const GElf_Ehdr *eh = &c->image->ehdr;
	const struct arch_contract *arch = c->options->arch;
	if (eh->e_type != ET_DYN)
		report(c, RULE_ELF_HEADER, "ELF header", "e_type is %u, expected ET_DYN (3)",
		       eh->e_type);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		report(c, RULE_ELF_HEADER, "ELF header", "ELF version is %u, expected 1",
		       eh->e_ident[EI_VERSION]);
	if (!arch)
		report(c, RULE_ARCH_UNKNOWN, "ELF header",
		       "e_machine %u (class %d) is not one of the supported architectures",
		       eh->e_machine, eh->e_ident[EI_CLASS]);
	else if (arch->machine != eh->e_machine || arch->elf_class != eh->e_ident[EI_CLASS])
		report(c, RULE_ARCH_MISMATCH, "ELF header",
		       "e_machine %u (class %d), expected %s (machine %u, class %d)",
		       eh->e_machine, eh->e_ident[EI_CLASS], arch->name, arch->machine,
		       arch->elf_class);
}

static void segment_place(char *place, size_t size, const struct vdso_image *image,
			  const struct vdso_segment *seg)
{
	snprintf(place, size, "program header [%zu]", (size_t)(seg - image->segments));
}

static void check_segments(struct checker *c)
{
	const struct vdso_image *image = c->image;
	char place[64];
	size_t loads = image_count_segments(image, PT_LOAD);
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	if (loads != 1)
		report(c, RULE_LOAD_COUNT, "program headers",
		       "%zu PT_LOAD segments, expected exactly 1", loads);
	if (load) {
		segment_place(place, sizeof place, image, load);
		uint64_t headers_end = image->ehdr.e_phoff +
				       (uint64_t)image->segment_count * image->ehdr.e_phentsize;
		if (load->offset != 0 || load->filesz < headers_end)
			report(c, RULE_LOAD_LAYOUT, place,
			       "PT_LOAD at offset %#" PRIx64 " with %#" PRIx64
			       " bytes; expected offset 0 covering the ELF and program headers",
			       load->offset, load->filesz);
		if (load->filesz != load->memsz)
			report(c, RULE_LOAD_LAYOUT, place,
			       "p_filesz %#" PRIx64 " != p_memsz %#" PRIx64
			       ": the kernel maps the file, there is no .bss",
			       load->filesz, load->memsz);
		if (load->offset > image->view.file_size ||
		    load->filesz > image->view.file_size - load->offset)
			report(c, RULE_LOAD_LAYOUT, place,
			       "p_offset + p_filesz (%#" PRIx64 " + %#" PRIx64
			       ") is past the end of the file (%#" PRIx64 " bytes)",
			       load->offset, load->filesz, image->view.file_size);
		if ((load->flags & (PF_R | PF_W | PF_X)) != (PF_R | PF_X))
			report(c, RULE_LOAD_FLAGS, place, "flags %s%s%s, expected R E",
			       load->flags & PF_R ? "R" : "-", load->flags & PF_W ? "W" : "-",
			       load->flags & PF_X ? "E" : "-");
		if (load->vaddr != 0)
			report(c, RULE_LOAD_VADDR, place,
			       "p_vaddr is %#" PRIx64 ", expected 0: bionic computes a load bias of 0 "
			       "when the image is mapped there and treats that as no vDSO",
			       load->vaddr);
	}
	const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
	if (!dyn) {
		report(c, RULE_DYNAMIC_MISSING, "program headers", "no PT_DYNAMIC");
	} else {
		segment_place(place, sizeof place, image, dyn);
		/* Not where glibc never writes the table (riscv64: the verdict
		 * table ran 2.36 and 2.41 on a writable one, and they used it). */
		const struct arch_contract *arch = c->options->arch;
		if ((dyn->flags & PF_W) && !(arch && arch->glibc_ro_dynamic))
			report(c, RULE_DYNAMIC_WRITABLE, place,
			       "PT_DYNAMIC has PF_W, expected read-only");
		uint64_t offset;
		if (!load || !image_addr_to_offset(image, dyn->vaddr, dyn->filesz, &offset) ||
		    offset != dyn->offset)
			report(c, RULE_DYNAMIC_PLACE, place,
			       "p_offset %#" PRIx64 " and p_vaddr %#" PRIx64
			       " do not name the same bytes of the PT_LOAD",
			       dyn->offset, dyn->vaddr);
	}
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *seg = &image->segments[i];
		if (seg->type != PT_TLS && seg->type != PT_INTERP)
			continue;
		segment_place(place, sizeof place, image, seg);
		report(c, RULE_SEGMENT_FORBIDDEN, place, "%s segment in a vDSO",
		       seg->type == PT_TLS ? "PT_TLS (glibc asserts and aborts)"
					   : "PT_INTERP (this is a program, not a vDSO)");
	}
}

static void check_sections(struct checker *c)
{
	const struct vdso_image *image = c->image;
	/* e_shnum 0 with sections is extended numbering (the count is in
	 * section 0), not "no section headers". */
	if (image->ehdr.e_shoff == 0 || (image->ehdr.e_shnum == 0 && image->section_count == 0)) {
		report(c, RULE_SECTIONS, "ELF header",
		       "no section headers (e_shoff %#" PRIx64 ", e_shnum %u)",
		       (uint64_t)image->ehdr.e_shoff, image->ehdr.e_shnum);
		return;
	}
	if (image->section_count == 0)
		return; /* the loader reported why */
	if (!image->have_dynsym_section)
		report(c, RULE_SECTIONS, "section headers", "no SHT_DYNSYM section");
	else if (image->symtab.mapped && image->dynsym_section_count != image->symbol_count)
		report(c, RULE_SECTIONS, "section headers",
		       "SHT_DYNSYM holds %" PRIu64 " symbols, the dynamic table %zu",
		       image->dynsym_section_count, image->symbol_count);
}

/* --- the dynamic table --- */

static const char *relocation_table_name(int64_t table)
{
	return table == DT_RELA ? "DT_RELA" : table == DT_REL ? "DT_REL" : "DT_JMPREL";
}

static void check_dynamic(struct checker *c)
{
	const struct vdso_image *image = c->image;
	if (!image_first_segment(image, PT_DYNAMIC))
		return;
	static const struct { int64_t tag; const char *name; } required[] = {
		{ DT_STRTAB, "DT_STRTAB" }, { DT_SYMTAB, "DT_SYMTAB" }, { DT_STRSZ, "DT_STRSZ" },
	};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!image_dyn(image, required[i].tag, NULL))
			report(c, RULE_DYN_REQUIRED, required[i].name, "missing");
	uint64_t value;
	unsigned word = view_word_size(&image->view);
	if (image_dyn(image, DT_SYMENT, &value) && value != view_sym_size(&image->view))
		report(c, RULE_DYN_REQUIRED, "DT_SYMENT",
		       "%" PRIu64 ", expected %u (bionic refuses the image)", value,
		       view_sym_size(&image->view));

	static const struct { int64_t tag; const char *name; const char *why; } forbidden[] = {
		{ DT_NEEDED, "DT_NEEDED", "nothing loads a vDSO's dependencies" },
		{ DT_VERNEED, "DT_VERNEED", "glibc asserts that the needed object is loaded" },
		{ DT_VERNEEDNUM, "DT_VERNEEDNUM", "glibc asserts that the needed object is loaded" },
		{ DT_TEXTREL, "DT_TEXTREL", "the text is never relocated; bionic refuses it" },
	};
	for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
		if (image_dyn(image, forbidden[i].tag, NULL))
			report(c, RULE_DYN_FORBIDDEN, forbidden[i].name, "present: %s",
			       forbidden[i].why);
	if (image_dyn(image, DT_FLAGS, &value) && (value & DF_TEXTREL))
		report(c, RULE_DYN_FORBIDDEN, "DT_FLAGS",
		       "DF_TEXTREL set: the text is never relocated; bionic refuses it");

	static const struct { int64_t tag; const char *name; } initialisers[] = {
		{ DT_INIT, "DT_INIT" }, { DT_FINI, "DT_FINI" },
		{ DT_INIT_ARRAY, "DT_INIT_ARRAY" }, { DT_FINI_ARRAY, "DT_FINI_ARRAY" },
		{ DT_PREINIT_ARRAY, "DT_PREINIT_ARRAY" },
	};
	for (size_t i = 0; i < sizeof initialisers / sizeof initialisers[0]; i++)
		if (image_dyn(image, initialisers[i].tag, NULL))
			report(c, RULE_DYN_INIT, initialisers[i].name,
			       "present: glibc and musl never run it");

	static const struct { int64_t tag; const char *name; unsigned words; } entsizes[] = {
		{ DT_RELAENT, "DT_RELAENT", 3 }, { DT_RELENT, "DT_RELENT", 2 },
		{ DT_RELRENT, "DT_RELRENT", 1 },
	};
	for (size_t i = 0; i < sizeof entsizes / sizeof entsizes[0]; i++)
		if (image_dyn(image, entsizes[i].tag, &value) && value != entsizes[i].words * word)
			report(c, RULE_DYN_ENTSIZE, entsizes[i].name,
			       "%" PRIu64 ", expected %u", value, entsizes[i].words * word);
	if (image_dyn(image, DT_PLTREL, &value) && value != DT_REL && value != DT_RELA)
		report(c, RULE_DYN_ENTSIZE, "DT_PLTREL",
		       "%" PRIu64 ", expected DT_REL (17) or DT_RELA (7)", value);

	/* R_*_NONE is 0 on every architecture and harmless (Linux's own
	 * cmd_vdso_check allows it). */
	size_t live = 0;
	const struct vdso_reloc *first = NULL;
	const struct arch_contract *arch = c->options->arch;
	for (size_t i = 0; i < image->reloc_count; i++) {
		const struct vdso_reloc *r = &image->relocs[i];
		if (r->type == 0 || (c->options->relative_relocs_applied && arch &&
				     r->type == arch->relative_reloc && r->symbol == 0))
			continue;
		if (!first)
			first = &image->relocs[i];
		live++;
	}
	if (first)
		report(c, RULE_DYN_RELOCS, relocation_table_name(first->table),
		       "%zu relocation(s), the first of type %u at %#" PRIx64
		       "; the libcs mark the vDSO relocated and never apply them",
		       live, first->type, first->offset);
	if (image->relr_count)
		report(c, RULE_DYN_RELOCS, "DT_RELR",
		       "%" PRIu64 " packed relative relocation word(s) nobody applies",
		       image->relr_count);
}

/* --- hash tables --- */

static bool accept_index(uint64_t index, void *data)
{
	return index == *(const uint64_t *)data;
}

/* Exported symbols are the defined, non-local ones: the ones a lookup
 * must be able to reach. */
static bool is_exported(const struct vdso_symbol *sym)
{
	return sym->index != 0 && sym->name && sym->shndx != SHN_UNDEF && sym->bind != STB_LOCAL;
}

static void check_sysv_hash(struct checker *c)
{
	const struct vdso_image *image = c->image;
	if (!image->hash.present) {
		if (image_first_segment(image, PT_DYNAMIC))
			report(c, RULE_SYSV_HASH_MISSING, "dynamic table",
			       "no DT_HASH: musl's vDSO lookup reads only DT_HASH");
		return;
	}
	if (!image->hash.mapped)
		return;
	if (image->hash_nbucket == 0)
		report(c, RULE_SYSV_HASH, "DT_HASH", "nbucket is 0: no symbol can be found");
	if (image->hash_nchain < image->symbol_count)
		report(c, RULE_SYSV_HASH, "DT_HASH",
		       "nchain is %" PRIu64 " but the symbol table has %zu entries: "
		       "musl's scan stops at nchain", image->hash_nchain, image->symbol_count);
	if (image->hash_nbucket == 0)
		return;
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!is_exported(sym))
			continue;
		uint64_t want = sym->index, found;
		enum walk_result result = sysv_hash_walk(image, sym->name, accept_index, &want, &found);
		if (result != WALK_FOUND)
			report(c, RULE_SYSV_HASH, "DT_HASH",
			       "symbol [%u] '%s' is not reachable through its bucket: %s",
			       sym->index, sym->name, walk_result_text(result));
	}
}

static void check_gnu_hash(struct checker *c)
{
	const struct vdso_image *image = c->image;
	if (!image->gnu_hash.present) {
		if (image_first_segment(image, PT_DYNAMIC))
			report(c, RULE_GNU_HASH_MISSING, "dynamic table", "no DT_GNU_HASH");
		return;
	}
	if (!image->gnu_hash.mapped)
		return;
	uint32_t bloom = image->gnu_bloom_size;
	if (image->gnu_nbucket == 0)
		report(c, RULE_GNU_HASH, "DT_GNU_HASH",
		       "nbucket is 0: Go divides by it and panics");
	if (bloom == 0 || (bloom & (bloom - 1)) != 0)
		report(c, RULE_GNU_HASH, "DT_GNU_HASH",
		       "bloom_size is %u, expected a power of two (glibc asserts)", bloom);
	if (image->gnu_chains_valid && image->gnu_symbol_count > image->symbol_count &&
	    (image->hash.mapped || image->have_dynsym_section))
		report(c, RULE_GNU_HASH, "DT_GNU_HASH",
		       "the chains reach symbol %" PRIu64 " but the symbol table has %zu entries: "
		       "a chain lacks its end marker", image->gnu_symbol_count - 1, image->symbol_count);
	if (image->gnu_symoffset > image->symbol_count)
		report(c, RULE_GNU_HASH, "DT_GNU_HASH",
		       "symoffset %u is past the %zu symbols", image->gnu_symoffset,
		       image->symbol_count);
	if (image->gnu_nbucket == 0)
		return;
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!is_exported(sym))
			continue;
		uint64_t want = sym->index, found;
		enum walk_result result = gnu_hash_walk(image, sym->name, true, accept_index,
							&want, &found);
		if (result != WALK_FOUND)
			report(c, RULE_GNU_HASH, "DT_GNU_HASH",
			       "symbol [%u] '%s' is not reachable through the bloom filter and its bucket: %s",
			       sym->index, sym->name, walk_result_text(result));
	}
}

/* A consumer that hashes another name (arch.h: hashed_as) finds the symbol
 * only if that name's bucket and chain lead to it: through DT_GNU_HASH when
 * the table is there (it is preferred), else through DT_HASH. */
struct named {
	const struct vdso_image *image;
	const char *name;
};

static bool accept_named(uint64_t index, void *data)
{
	const struct named *n = data;
	return index < n->image->symbol_count && n->image->symbols[index].name &&
	       strcmp(n->image->symbols[index].name, n->name) == 0;
}

static void check_hash_quirks(struct checker *c)
{
	const struct vdso_image *image = c->image;
	const struct arch_contract *arch = c->options->arch;
	for (size_t i = 0; arch && i < arch->lookup_count; i++) {
		const struct consumer_lookup *lookup = &arch->lookups[i];
		if (!lookup->hashed_as || !image_find_symbol(image, lookup->symbol))
			continue;
		struct named want = { image, lookup->symbol };
		uint64_t found;
		bool gnu = image->gnu_hash.present;
		/* A table that misses the symbol under its own name is reported
		 * broken already; only the quirk is news. */
		if (preferred_hash_walk(image, lookup->symbol, false, accept_named, &want,
					&found) != WALK_FOUND)
			continue;
		if (preferred_hash_walk(image, lookup->hashed_as, false, accept_named, &want,
					&found) != WALK_FOUND)
			report(c, RULE_HASH_QUIRK, gnu ? "DT_GNU_HASH" : "DT_HASH",
			       "%s %s look up '%s' with the hashes of '%s' and do not find it here%s",
			       consumer_name(lookup->consumer), lookup->releases, lookup->symbol,
			       lookup->hashed_as, gnu ? " (they prefer DT_GNU_HASH, where it never "
			       "matches)" : " (the two hashes fall into different buckets)");
	}
}

/* --- versions --- */

static const struct vdso_verdef *find_version_node(const struct vdso_image *image,
						   const char *name)
{
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		if (!(def->flags & VER_FLG_BASE) && def->name && strcmp(def->name, name) == 0)
			return def;
	}
	return NULL;
}

static void check_versions(struct checker *c)
{
	const struct vdso_image *image = c->image;
	char place[64];
	if (!image_first_segment(image, PT_DYNAMIC))
		return;
	if (!image->verdef.present) {
		report(c, RULE_VERDEF_MISSING, "dynamic table",
		       "no DT_VERDEF: Go dereferences the missing table and crashes");
		return;
	}
	if (!image->versym.present)
		report(c, RULE_VERSYM_MISSING, "dynamic table",
		       "DT_VERDEF without DT_VERSYM: glibc's version setup dereferences NULL");
	if (image->verdef_count == 0)
		return;
	const struct vdso_verdef *base = &image->verdefs[0];
	snprintf(place, sizeof place, "verdef at offset %#" PRIx64, base->offset);
	if (!(base->flags & VER_FLG_BASE) || base->ndx != VER_NDX_GLOBAL)
		report(c, RULE_VERDEF_BASE, place,
		       "flags %#x, index %u; expected VER_FLG_BASE and index 1",
		       base->flags, base->ndx);
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		snprintf(place, sizeof place, "verdef at offset %#" PRIx64, def->offset);
		if (def->name && def->hash != vdso_sysv_hash(def->name))
			report(c, RULE_VERDEF_HASH, place,
			       "'%s' has vd_hash %#x, expected %#x", def->name, def->hash,
			       vdso_sysv_hash(def->name));
		for (size_t j = 0; j < i; j++)
			if ((image->verdefs[j].ndx & 0x7fff) == (def->ndx & 0x7fff))
				report(c, RULE_VERDEF_CHAIN, place,
				       "index %u is defined twice", def->ndx & 0x7fff);
	}
	const struct arch_contract *arch = c->options->arch;
	if (arch && !find_version_node(image, arch->version))
		report(c, RULE_VERSION_MISSING, "version definitions",
		       "no '%s' node; expected exactly Linux's name for %s", arch->version,
		       arch->name);
}

/* --- symbols --- */

static void check_required_symbol(struct checker *c, const char *name, const char *version)
{
	const struct vdso_image *image = c->image;
	const struct vdso_symbol *sym = NULL;
	size_t defined = 0, undefined = 0;
	for (size_t i = 1; i < image->symbol_count; i++) {
		const struct vdso_symbol *s = &image->symbols[i];
		if (!s->name || strcmp(s->name, name) != 0)
			continue;
		if (s->shndx == SHN_UNDEF) {
			undefined++;
			continue;
		}
		if (!sym)
			sym = s;
		defined++;
	}
	char place[96];
	snprintf(place, sizeof place, "symbol '%s'", name);
	if (!sym) {
		if (undefined)
			report(c, RULE_SYMBOL_UNDEFINED, place, "is undefined (SHN_UNDEF)");
		else
			report(c, RULE_SYMBOL_MISSING, place, "not exported; expected %s@%s", name,
			       version ? version : "(any)");
		return;
	}
	if (defined > 1)
		report(c, RULE_SYMBOL_DUPLICATE, place, "defined %zu times", defined);
	if (sym->type != STT_FUNC && sym->type != STT_NOTYPE)
		report(c, RULE_SYMBOL_TYPE, place, "type %s, expected STT_FUNC",
		       sym->type == STT_OBJECT ? "STT_OBJECT" :
		       sym->type == STT_GNU_IFUNC ? "STT_GNU_IFUNC" : "other than FUNC");
	if (sym->bind == STB_LOCAL)
		report(c, RULE_SYMBOL_BINDING, place, "binding STB_LOCAL, expected STB_GLOBAL");
	if (sym->visibility == STV_HIDDEN || sym->visibility == STV_INTERNAL)
		report(c, RULE_SYMBOL_VISIBILITY, place, "visibility %s, expected STV_DEFAULT",
		       sym->visibility == STV_HIDDEN ? "STV_HIDDEN" : "STV_INTERNAL");
	uint64_t offset;
	if (sym->shndx == SHN_ABS) {
		report(c, RULE_SYMBOL_ABS, place,
		       "SHN_ABS with value %#" PRIx64 ": glibc does not add the load address",
		       sym->value);
	} else if (sym->value == 0 || !image_addr_to_offset(image, sym->value, 1, &offset)) {
		report(c, RULE_SYMBOL_ADDRESS, place,
		       "value %#" PRIx64 " is not inside the PT_LOAD", sym->value);
	} else {
		const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
		if (load && !(load->flags & PF_X))
			report(c, RULE_SYMBOL_ADDRESS, place, "the PT_LOAD is not executable");
	}
	if (!image->verdef.present || !image->versym.present || !version)
		return;
	const struct vdso_verdef *node = find_version_node(image, version);
	uint16_t index = sym->versym & 0x7fff;
	if (!node) {
		if (!c->options->arch || strcmp(version, c->options->arch->version) != 0)
			report(c, RULE_VERSION_MISSING, place, "version node '%s' is not defined",
			       version);
	} else if (index != (node->ndx & 0x7fff)) {
		report(c, RULE_VERSYM_INDEX, place,
		       "version index %u (%s), expected %u (%s)", index,
		       index == 0 ? "local" : index == 1 ? "global, unversioned"
				  : sym->version ? sym->version : "undefined",
		       node->ndx & 0x7fff, version);
	}
	if (sym->versym & 0x8000)
		report(c, RULE_VERSYM_HIDDEN, place, "versym has the hidden bit (%#x)", sym->versym);
}

static void check_symbols(struct checker *c)
{
	const struct vdso_image *image = c->image;
	const struct arch_contract *arch = c->options->arch;
	if (!image->symtab.mapped)
		return;
	if (arch) {
		for (const char *const *entry = arch->required; *entry; entry++) {
			/* "name@VERSION" where a symbol lives outside the main node
			 * (i386's __kernel_vsyscall@LINUX_2.5). */
			char name[96];
			const char *at = strchr(*entry, '@');
			snprintf(name, sizeof name, "%.*s", at ? (int)(at - *entry) : (int)strlen(*entry), *entry);
			check_required_symbol(c, name, at ? at + 1 : arch->version);
		}
	}
	for (size_t i = 0; i < c->options->require_count; i++) {
		const struct symbol_requirement *req = &c->options->requires[i];
		check_required_symbol(c, req->symbol, req->version);
	}
	for (size_t i = 1; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		char place[96];
		if (!sym->name)
			continue;
		snprintf(place, sizeof place, "symbol [%u] '%s'", sym->index, sym->name);
		if (sym->shndx == SHN_UNDEF && sym->bind != STB_LOCAL && sym->name[0]) {
			bool required = false;
			size_t len = strlen(sym->name);
			for (const char *const *name = arch ? arch->required : NULL; name && *name; name++)
				required |= strncmp(*name, sym->name, len) == 0 &&
					    ((*name)[len] == '\0' || (*name)[len] == '@');
			if (!required)
				report(c, RULE_SYMBOL_UNDEFINED, place,
				       "imported, but nothing resolves a vDSO's imports");
		}
		size_t len = strlen(sym->name);
		if (sym->shndx != SHN_UNDEF && len >= 10 &&
		    strcmp(sym->name + len - 10, "_getrandom") == 0)
			report(c, RULE_GETRANDOM, place, "exported");
	}
	if (image->soname == NULL)
		report(c, RULE_SONAME, "DT_SONAME", "missing; expected %s",
		       arch ? arch->soname : "linux-vdso.so.1");
	else if (arch && strcmp(image->soname, arch->soname) != 0)
		report(c, RULE_SONAME, "DT_SONAME", "'%s', expected '%s'", image->soname,
		       arch->soname);
}

/* aarch64's trampoline must be Linux's exact words: unwinders and
 * debuggers recognise signal frames by them. */
static void check_sigreturn(struct checker *c)
{
	const struct arch_contract *arch = c->options->arch;
	if (!arch || !arch->sigreturn)
		return;
	const struct vdso_symbol *sym = image_find_symbol(c->image, arch->sigreturn);
	uint64_t offset;
	if (!sym || sym->shndx == SHN_ABS ||
	    !image_addr_to_offset(c->image, sym->value, 8, &offset))
		return;
	const uint32_t expected[] = { 0xd503201f, 0xd2801168,
				      c->options->have_syscall_insn
					      ? syscall_insn_word(&c->options->syscall_insn)
					      : 0xd4000001 };
	static const char *const text[] = { "nop", "mov x8, #139", "the system-call instruction" };
	char place[96];
	snprintf(place, sizeof place, "symbol '%s'", arch->sigreturn);
	for (int i = 0; i < 3; i++) {
		unsigned char raw[4];
		uint64_t at = offset - 4 + 4 * (uint64_t)i;
		if (offset < 4 || !view_contains(&c->image->view, at, 4)) {
			report(c, RULE_SIGRETURN, place, "no room for the nop before the entry");
			return;
		}
		for (int b = 0; b < 4; b++)
			view_u8(&c->image->view, at + b, &raw[b]);
		uint32_t word = raw[0] | raw[1] << 8 | raw[2] << 16 | (uint32_t)raw[3] << 24;
		if (word != expected[i]) {
			report(c, RULE_SIGRETURN, place,
			       "word at %+d is %#010x, expected %#010x (%s)", 4 * i - 4, word,
			       expected[i], text[i]);
			return;
		}
	}
}

/* The function containing an address, for naming system-call sites. */
static const struct vdso_symbol *symbol_at(const struct vdso_image *image, uint64_t addr)
{
	const struct vdso_symbol *best = NULL;
	for (size_t i = 1; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!sym->name || sym->shndx == SHN_UNDEF || sym->shndx == SHN_ABS)
			continue;
		if (addr >= sym->value && addr - sym->value < (sym->size ? sym->size : 1))
			if (!best || strcmp(sym->name, best->name) < 0)
				best = sym;
	}
	return best;
}

/* Reports every aligned occurrence of insn in the range under rule_id. */
static void scan_range(struct checker *c, uint64_t offset, uint64_t size, uint64_t addr,
		       const char *rule_id, const unsigned char *insn, unsigned insn_size,
		       const char *insn_text)
{
	const struct view *v = &c->image->view;
	if (offset > v->file_size || size > v->file_size - offset)
		return;
	unsigned align = c->options->arch->syscall_insn_align;
	const unsigned char *text = v->bytes + offset;
	for (uint64_t at = 0; at + insn_size <= size; at++) {
		/* memchr for the first byte keeps a large image's scan fast. */
		const unsigned char *hit = memchr(text + at, insn[0], size - at - insn_size + 1);
		if (!hit)
			break;
		at = (uint64_t)(hit - text);
		if ((addr + at) % align || memcmp(hit, insn, insn_size) != 0)
			continue;
		/* Naming the function is a pass over the symbols: only for the
		 * sites that are listed; the others are only counted. */
		const struct vdso_symbol *sym =
			will_list(c, rule_id) ? symbol_at(c->image, addr + at) : NULL;
		char place[96];
		if (sym)
			snprintf(place, sizeof place, "address %#" PRIx64 " (%s+%#" PRIx64 ")",
				 addr + at, sym->name, addr + at - sym->value);
		else
			snprintf(place, sizeof place, "address %#" PRIx64, addr + at);
		report(c, rule_id, place, "%s", insn_text);
	}
}

/* The architecture's system calls and, with --syscall-insn, the kernel's
 * trap instruction: a build that replaced one by the other still shows
 * where the vDSO passes calls on. */
static void scan_code(struct checker *c, uint64_t offset, uint64_t size, uint64_t addr)
{
	const struct arch_contract *arch = c->options->arch;
	const struct syscall_insn *trap = &c->options->syscall_insn;
	scan_range(c, offset, size, addr, RULE_SYSCALL, arch->syscall_insn, arch->syscall_insn_size,
		   arch->syscall_insn_text);
	if (c->options->have_syscall_insn && trap->size &&
	    (trap->size != arch->syscall_insn_size ||
	     memcmp(trap->bytes, arch->syscall_insn, trap->size) != 0))
		scan_range(c, offset, size, addr, RULE_TRAP, trap->bytes, trap->size,
			   "the --syscall-insn trap");
}

static void check_syscall_sites(struct checker *c)
{
	const struct vdso_image *image = c->image;
	if (!c->options->arch)
		return;
	bool any_section = false;
	/* Sections inside the file that do not overlap add up to at most its
	 * size; overlapping ones (any number, each the whole file) would scan
	 * it again and again. */
	uint64_t budget = image->view.file_size;
	for (size_t i = 0; i < image->section_count; i++) {
		const struct vdso_section *sec = &image->sections[i];
		if (sec->type != SHT_PROGBITS || !(sec->flags & SHF_EXECINSTR))
			continue;
		any_section = true;
		if (sec->offset > image->view.file_size ||
		    sec->size > image->view.file_size - sec->offset)
			continue;
		if (sec->size > budget) {
			char place[64];
			snprintf(place, sizeof place, "section [%zu] '%s'", i, sec->name);
			report(c, RULE_SECTIONS, place,
			       "executable sections overlap (together larger than the file): "
			       "this and later ones not scanned for system calls");
			break;
		}
		budget -= sec->size;
		scan_code(c, sec->offset, sec->size, sec->addr);
	}
	if (any_section)
		return;
	/* No section headers: scan the executable PT_LOAD past the headers. */
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	if (load && (load->flags & PF_X))
		scan_code(c, load->offset, load->filesz, load->vaddr);
}

void check_image(const struct vdso_image *image, const struct check_options *options,
		 struct findings *findings)
{
	struct checker c = { .image = image, .options = options, .findings = findings };
	for (size_t i = 0; i < image->defect_count; i++)
		report(&c, image->defects[i].rule, image->defects[i].place, "%s",
		       image->defects[i].message);
	check_header(&c);
	check_segments(&c);
	check_sections(&c);
	check_dynamic(&c);
	check_sysv_hash(&c);
	check_gnu_hash(&c);
	check_hash_quirks(&c);
	check_versions(&c);
	check_symbols(&c);
	check_sigreturn(&c);
	check_syscall_sites(&c);
	for (size_t slot = 0; slot < rule_count; slot++) {
		if (!c.unlisted[slot])
			continue;
		struct finding *more = add_finding(findings);
		if (!more)
			return;
		more->rule = &rule_table[slot];
		more->severity = c.unlisted_severity[slot];
		more->count = c.unlisted[slot];
		snprintf(more->place, sizeof more->place, "(%zu more)", c.unlisted[slot]);
		snprintf(more->message, sizeof more->message,
			 "%zu more %s findings, not listed: mkvdso lists %d per rule",
			 c.unlisted[slot], rule_table[slot].id, CHECK_MAX_LISTED);
	}
}
