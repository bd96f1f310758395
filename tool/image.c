/* image: load a vDSO into the model, checking every offset on the way. */
#include "image.h"
#include "check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static void add_defect(struct vdso_image *image, const char *rule,
		       const char *place, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_defect(struct vdso_image *image, const char *rule,
		       const char *place, const char *fmt, ...)
{
	if (image->defect_count >= IMAGE_MAX_DEFECTS)
		return;
	struct vdso_defect *defect = &image->defects[image->defect_count++];
	defect->rule = rule;
	snprintf(defect->place, sizeof defect->place, "%s", place);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(defect->message, sizeof defect->message, fmt, ap);
	va_end(ap);
}

uint32_t vdso_sysv_hash(const char *name)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

uint32_t vdso_gnu_hash(const char *name)
{
	uint32_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = h * 33 + *p;
	return h;
}

bool image_dyn(const struct vdso_image *image, int64_t tag, uint64_t *value)
{
	for (size_t i = 0; i < image->dynamic_count; i++) {
		if (image->dynamic[i].d_tag == tag) {
			if (value)
				*value = image->dynamic[i].d_un.d_val;
			return true;
		}
	}
	return false;
}

bool image_addr_to_offset(const struct vdso_image *image, uint64_t addr,
			  uint64_t size, uint64_t *offset)
{
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *seg = &image->segments[i];
		if (seg->type != PT_LOAD || addr < seg->vaddr)
			continue;
		uint64_t delta = addr - seg->vaddr;
		if (delta > seg->filesz || size > seg->filesz - delta)
			continue;
		if (!view_contains(&image->view, seg->offset + delta, size))
			continue;
		*offset = seg->offset + delta;
		return true;
	}
	return false;
}

const struct vdso_segment *image_first_segment(const struct vdso_image *image,
					       uint32_t type)
{
	for (size_t i = 0; i < image->segment_count; i++)
		if (image->segments[i].type == type)
			return &image->segments[i];
	return NULL;
}

size_t image_count_segments(const struct vdso_image *image, uint32_t type)
{
	size_t count = 0;
	for (size_t i = 0; i < image->segment_count; i++)
		count += image->segments[i].type == type;
	return count;
}

const struct vdso_symbol *image_find_symbol(const struct vdso_image *image,
					    const char *name)
{
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (sym->name && sym->shndx != SHN_UNDEF && strcmp(sym->name, name) == 0)
			return sym;
	}
	return NULL;
}

const struct vdso_verdef *image_find_verdef_by_index(const struct vdso_image *image,
						     uint16_t index)
{
	for (size_t i = 0; i < image->verdef_count; i++)
		if ((image->verdefs[i].ndx & 0x7fff) == (index & 0x7fff))
			return &image->verdefs[i];
	return NULL;
}

/* --- headers, through libelf --- */

static enum image_status load_headers(struct vdso_image *image, char *error,
				      size_t error_size)
{
	const struct view *v = &image->view;
	if (!gelf_getehdr(image->elf, &image->ehdr)) {
		snprintf(error, error_size, "cannot read the ELF header: %s",
			 elf_errmsg(-1));
		return IMAGE_INVALID;
	}
	const GElf_Ehdr *eh = &image->ehdr;
	/* The raw e_phnum, as every libc reads it: not libelf's count, which
	 * clamps a table that runs past the file and honours PN_XNUM. */
	size_t phnum = eh->e_phnum;
	size_t phentsize = gelf_fsize(image->elf, ELF_T_PHDR, 1, EV_CURRENT);
	if (phnum > 0 && eh->e_phentsize != phentsize) {
		snprintf(error, error_size,
			 "e_phentsize is %u, expected %zu for this ELF class",
			 eh->e_phentsize, phentsize);
		return IMAGE_INVALID;
	}
	if (phnum > 0 && (eh->e_phoff > v->file_size ||
			  phnum > (v->file_size - eh->e_phoff) / phentsize)) {
		snprintf(error, error_size,
			 "program header table (%zu entries at offset %#" PRIx64
			 ") extends past the end of the file (%" PRIu64 " bytes)",
			 phnum, (uint64_t)eh->e_phoff, v->file_size);
		return IMAGE_INVALID;
	}
	if (phnum > IMAGE_MAX_SEGMENTS) {
		snprintf(error, error_size,
			 "program header table has %zu entries, more than the %d mkvdso reads",
			 phnum, IMAGE_MAX_SEGMENTS);
		return IMAGE_INVALID;
	}
	image->segments = calloc(phnum ? phnum : 1, sizeof *image->segments);
	if (!image->segments)
		return IMAGE_NO_MEMORY;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(image->elf, (int)i, &ph)) {
			snprintf(error, error_size, "cannot read program header [%zu]: %s",
				 i, elf_errmsg(-1));
			return IMAGE_INVALID;
		}
		image->segments[i] = (struct vdso_segment){
			.type = ph.p_type, .flags = ph.p_flags, .offset = ph.p_offset,
			.vaddr = ph.p_vaddr, .filesz = ph.p_filesz, .memsz = ph.p_memsz,
			.align = ph.p_align,
		};
	}
	image->segment_count = phnum;
	return IMAGE_OK;
}

/* Section headers are optional for the libcs (bionic aside), so a broken
 * table is a defect, not a load failure. */
static enum image_status load_sections(struct vdso_image *image)
{
	size_t shnum = image->ehdr.e_shnum, shstrndx = image->ehdr.e_shstrndx;
	if (image->ehdr.e_shoff == 0)
		return IMAGE_OK;
	/* e_shnum 0 and e_shstrndx SHN_XINDEX mean the real values are in
	 * section 0; only then is libelf's reading of them needed. */
	if ((shnum == 0 && elf_getshdrnum(image->elf, &shnum) != 0) ||
	    (shstrndx == SHN_XINDEX && elf_getshdrstrndx(image->elf, &shstrndx) != 0)) {
		add_defect(image, RULE_SECTIONS, "section headers",
			   "cannot read the extended section counts: %s", elf_errmsg(-1));
		return IMAGE_OK;
	}
	size_t shentsize = gelf_fsize(image->elf, ELF_T_SHDR, 1, EV_CURRENT);
	const struct view *v = &image->view;
	if (shnum > 0 && image->ehdr.e_shentsize != shentsize) {
		add_defect(image, RULE_SECTIONS, "ELF header",
			   "e_shentsize is %u, expected %zu", image->ehdr.e_shentsize, shentsize);
		return IMAGE_OK;
	}
	if (shnum > 0 && (image->ehdr.e_shoff > v->file_size ||
			  shnum > (v->file_size - image->ehdr.e_shoff) / shentsize)) {
		add_defect(image, RULE_SECTIONS, "section headers",
			   "table of %zu entries at offset %#" PRIx64
			   " extends past the end of the file (%" PRIu64 " bytes)",
			   shnum, (uint64_t)image->ehdr.e_shoff, v->file_size);
		return IMAGE_OK;
	}
	if (shstrndx != SHN_UNDEF && shstrndx >= shnum) {
		add_defect(image, RULE_SECTIONS, "ELF header",
			   "e_shstrndx %zu is not one of the %zu sections", shstrndx, shnum);
		shstrndx = SHN_UNDEF;
	}
	/* image_load() refused larger counts before libelf saw them. */
	if (shnum > IMAGE_MAX_SECTIONS)
		return IMAGE_OK;
	image->sections = calloc(shnum ? shnum : 1, sizeof *image->sections);
	if (!image->sections)
		return IMAGE_NO_MEMORY;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(image->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh)) {
			add_defect(image, RULE_SECTIONS, "section headers",
				   "cannot read section [%zu]: %s", i, elf_errmsg(-1));
			image->section_count = 0;
			return IMAGE_OK;
		}
		image->sections[i] = (struct vdso_section){
			.name = "", .type = sh.sh_type, .flags = sh.sh_flags,
			.addr = sh.sh_addr, .offset = sh.sh_offset, .size = sh.sh_size,
			.entsize = sh.sh_entsize, .link = sh.sh_link, .name_index = sh.sh_name,
		};
	}
	image->section_count = shnum;
	/* Names through the view, not elf_strptr(): libelf checks a name by
	 * searching the whole string table for a terminator, once per section,
	 * which is quadratic in a table without one. */
	const struct vdso_section *names = shstrndx != SHN_UNDEF ? &image->sections[shstrndx] : NULL;
	if (names && (names->type != SHT_STRTAB || names->offset > v->file_size ||
		      names->size > v->file_size - names->offset))
		names = NULL;
	for (size_t i = 0; names && i < shnum; i++) {
		const char *name = NULL;
		if (image->sections[i].name_index < names->size)
			name = view_string(v, names->offset + image->sections[i].name_index,
					   names->offset + names->size);
		if (name)
			image->sections[i].name = name;
	}
	for (size_t i = 0; i < shnum; i++) {
		const struct vdso_section *sec = &image->sections[i];
		if (sec->type != SHT_DYNSYM)
			continue;
		image->have_dynsym_section = true;
		image->dynsym_section_count = sec->entsize ? sec->size / sec->entsize : 0;
		/* bionic's model walks this many entries. */
		if (image->dynsym_section_count > IMAGE_MAX_SYMBOLS) {
			char place[64];
			snprintf(place, sizeof place, "section [%zu] '%s'", i, sec->name);
			add_defect(image, RULE_DYN_TABLE, place,
				   "%" PRIu64 " symbols, more than the %d mkvdso reads",
				   image->dynsym_section_count, IMAGE_MAX_SYMBOLS);
			image->dynsym_section_count = IMAGE_MAX_SYMBOLS;
		}
		break;
	}
	return IMAGE_OK;
}

/* --- the dynamic table, read as the libcs read it --- */

static void resolve_table(struct vdso_image *image, int64_t tag, const char *name,
			  struct vdso_table *table)
{
	uint64_t addr;
	if (!image_dyn(image, tag, &addr))
		return;
	table->present = true;
	table->addr = addr;
	table->mapped = image_addr_to_offset(image, addr, 1, &table->offset);
	if (!table->mapped)
		add_defect(image, RULE_DYN_ADDRESS, name,
			   "address %#" PRIx64 " is outside every PT_LOAD", addr);
}

static enum image_status load_dynamic(struct vdso_image *image)
{
	const struct vdso_segment *dyn = image_first_segment(image, PT_DYNAMIC);
	const struct view *v = &image->view;
	if (!dyn)
		return IMAGE_OK;
	unsigned entry = view_dyn_size(v);
	uint64_t limit = dyn->filesz / entry;
	bool capped = limit > IMAGE_MAX_DYNAMIC;
	if (capped)
		limit = IMAGE_MAX_DYNAMIC;
	image->dynamic = calloc(limit ? limit : 1, sizeof *image->dynamic);
	if (!image->dynamic)
		return IMAGE_NO_MEMORY;
	image->dynamic_offset = dyn->offset;
	for (uint64_t i = 0; i < limit; i++) {
		GElf_Dyn d;
		if (!view_dyn(v, dyn->offset + i * entry, &d)) {
			add_defect(image, RULE_DYN_TABLE, "PT_DYNAMIC",
				   "entry %" PRIu64 " at offset %#" PRIx64
				   " is past the end of the file", i, dyn->offset + i * entry);
			break;
		}
		if (d.d_tag == DT_NULL) {
			image->dynamic_terminated = true;
			break;
		}
		image->dynamic[image->dynamic_count++] = d;
	}
	if (!image->dynamic_terminated && capped && image->dynamic_count == limit)
		add_defect(image, RULE_DYN_TABLE, "PT_DYNAMIC",
			   "no DT_NULL within the first %d entries, the most mkvdso reads",
			   IMAGE_MAX_DYNAMIC);
	else if (!image->dynamic_terminated)
		add_defect(image, RULE_DYN_TABLE, "PT_DYNAMIC",
			   "no DT_NULL terminator within p_filesz (%#" PRIx64 " bytes)",
			   dyn->filesz);

	resolve_table(image, DT_STRTAB, "DT_STRTAB", &image->strtab);
	resolve_table(image, DT_SYMTAB, "DT_SYMTAB", &image->symtab);
	resolve_table(image, DT_HASH, "DT_HASH", &image->hash);
	resolve_table(image, DT_GNU_HASH, "DT_GNU_HASH", &image->gnu_hash);
	resolve_table(image, DT_VERSYM, "DT_VERSYM", &image->versym);
	resolve_table(image, DT_VERDEF, "DT_VERDEF", &image->verdef);

	if (image->strtab.mapped) {
		uint64_t strsz = 0;
		image_dyn(image, DT_STRSZ, &strsz);
		uint64_t room = image->strtab.offset < v->file_size
				? v->file_size - image->strtab.offset : 0;
		if (strsz > room) {
			add_defect(image, RULE_DYN_ADDRESS, "DT_STRSZ",
				   "string table of %#" PRIx64 " bytes at offset %#" PRIx64
				   " extends past the end of the file", strsz,
				   image->strtab.offset);
			strsz = room;
		}
		image->strsz = strsz;
	}
	return IMAGE_OK;
}

/* A string from DT_STRTAB, or NULL if index is outside DT_STRSZ or the
 * string is longer than a view returns. */
static const char *dynamic_string(const struct vdso_image *image, uint64_t index)
{
	if (!image->strtab.mapped || index >= image->strsz)
		return NULL;
	return view_string(&image->view, image->strtab.offset + index,
			   image->strtab.offset + image->strsz);
}

/* Why dynamic_string(index) is NULL, for a defect's message. */
static const char *string_problem(const struct vdso_image *image, uint64_t index)
{
	if (!image->strtab.mapped || index >= image->strsz)
		return "is outside DT_STRTAB";
	uint64_t start = image->strtab.offset + index;
	uint64_t room = image->strtab.offset + image->strsz - start;
	if (room > VIEW_MAX_STRING &&
	    !memchr(image->view.bytes + start, '\0', VIEW_MAX_STRING + 1))
		return "names a string longer than the " STRINGIFY(VIEW_MAX_STRING)
		       " bytes mkvdso reads";
	return "names a string without a terminator inside DT_STRSZ";
}

static void load_soname(struct vdso_image *image)
{
	uint64_t index;
	if (!image_dyn(image, DT_SONAME, &index))
		return;
	image->soname = dynamic_string(image, index);
	if (!image->soname)
		add_defect(image, RULE_DYN_ADDRESS, "DT_SONAME",
			   "string index %#" PRIx64 " %s", index, string_problem(image, index));
}

/* --- hash tables: they also say how many symbols there are --- */

static bool read_hash_entry(const struct vdso_image *image, uint64_t index,
			    uint64_t *out)
{
	const struct view *v = &image->view;
	uint64_t off = image->hash.offset + index * image->hash_entry_size;
	if (image->hash_entry_size == 8)
		return view_u64(v, off, out);
	uint32_t value;
	if (!view_u32(v, off, &value))
		return false;
	*out = value;
	return true;
}

static void load_sysv_hash(struct vdso_image *image, uint16_t machine)
{
	const struct view *v = &image->view;
	if (!image->hash.mapped)
		return;
	/* s390x's Elf_Symndx is 64-bit (vdso-facts §2). */
	image->hash_entry_size = machine == EM_S390 && v->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t nbucket, nchain, es = image->hash_entry_size;
	if (!read_hash_entry(image, 0, &nbucket) || !read_hash_entry(image, 1, &nchain)) {
		add_defect(image, RULE_SYSV_HASH, "DT_HASH",
			   "header at offset %#" PRIx64 " is past the end of the file",
			   image->hash.offset);
		image->hash.mapped = false;
		return;
	}
	image->hash_nbucket = nbucket;
	image->hash_nchain = nchain;
	uint64_t room = (v->map_size - image->hash.offset) / es;
	if (nbucket > room || nchain > room - nbucket || 2 > room - nbucket - nchain) {
		add_defect(image, RULE_SYSV_HASH, "DT_HASH",
			   "nbucket %" PRIu64 " + nchain %" PRIu64
			   " entries extend past the end of the file", nbucket, nchain);
		image->hash.mapped = false;
	}
}

bool image_sysv_bucket(const struct vdso_image *image, uint64_t i, uint64_t *out)
{
	return image->hash.mapped && i < image->hash_nbucket &&
	       read_hash_entry(image, 2 + i, out);
}

bool image_sysv_chain(const struct vdso_image *image, uint64_t i, uint64_t *out)
{
	return image->hash.mapped && i < image->hash_nchain &&
	       read_hash_entry(image, 2 + image->hash_nbucket + i, out);
}

static void load_gnu_hash(struct vdso_image *image)
{
	const struct view *v = &image->view;
	if (!image->gnu_hash.mapped)
		return;
	uint64_t off = image->gnu_hash.offset;
	if (!view_u32(v, off, &image->gnu_nbucket) ||
	    !view_u32(v, off + 4, &image->gnu_symoffset) ||
	    !view_u32(v, off + 8, &image->gnu_bloom_size) ||
	    !view_u32(v, off + 12, &image->gnu_bloom_shift)) {
		add_defect(image, RULE_GNU_HASH, "DT_GNU_HASH",
			   "header at offset %#" PRIx64 " is past the end of the file", off);
		image->gnu_hash.mapped = false;
		return;
	}
	uint64_t buckets = off + 16 + (uint64_t)image->gnu_bloom_size * view_word_size(v);
	if (!view_contains(v, off + 16, (uint64_t)image->gnu_bloom_size * view_word_size(v)) ||
	    !view_contains(v, buckets, (uint64_t)image->gnu_nbucket * 4)) {
		add_defect(image, RULE_GNU_HASH, "DT_GNU_HASH",
			   "bloom filter (%u words) and %u buckets extend past the end of the file",
			   image->gnu_bloom_size, image->gnu_nbucket);
		image->gnu_hash.mapped = false;
		return;
	}
	/* The symbol count is one past the highest index any chain reaches.
	 * A chain runs from its bucket's start to the first word with bit 0
	 * set, so the chain with the highest start ends last, and if it ends,
	 * every chain does: one walk, not one per bucket (buckets may share a
	 * chain, and a per-bucket walk is quadratic). */
	uint64_t chains = buckets + (uint64_t)image->gnu_nbucket * 4;
	uint64_t count = image->gnu_symoffset;
	uint32_t highest = 0, highest_bucket = 0;
	image->gnu_chains_valid = true;
	for (uint32_t b = 0; b < image->gnu_nbucket; b++) {
		uint32_t start;
		view_u32(v, buckets + (uint64_t)b * 4, &start);
		if (start == 0)
			continue;
		if (start < image->gnu_symoffset) {
			image->gnu_chains_valid = false;
			add_defect(image, RULE_GNU_HASH, "DT_GNU_HASH",
				   "bucket %u starts at symbol %u, below symoffset %u", b,
				   start, image->gnu_symoffset);
			continue;
		}
		if (start > highest) {
			highest = start;
			highest_bucket = b;
		}
	}
	for (uint64_t i = highest; highest; i++) {
		uint32_t word;
		if (i >= IMAGE_MAX_SYMBOLS) {
			image->gnu_chains_valid = false;
			add_defect(image, RULE_GNU_HASH, "DT_GNU_HASH",
				   "chain of bucket %u reaches symbol %" PRIu64
				   ", past the %d symbols mkvdso reads", highest_bucket, i,
				   IMAGE_MAX_SYMBOLS);
			break;
		}
		if (!view_u32(v, chains + (i - image->gnu_symoffset) * 4, &word)) {
			image->gnu_chains_valid = false;
			add_defect(image, RULE_GNU_HASH, "DT_GNU_HASH",
				   "chain of bucket %u has no end marker before the end of the file",
				   highest_bucket);
			break;
		}
		count = i + 1;
		if (word & 1)
			break;
	}
	image->gnu_symbol_count = count;
}

/* --- symbols and versions --- */

static enum image_status load_symbols(struct vdso_image *image)
{
	const struct view *v = &image->view;
	if (!image->symtab.mapped)
		return IMAGE_OK;
	/* The table has as many entries as its descriptions say: DT_HASH's
	 * nchain, the SHT_DYNSYM section, else the GNU chains.  Each consumer
	 * then sees only what its own description covers (musl stops at
	 * nchain); the checks compare the descriptions. */
	uint64_t count = 0;
	if (image->hash.mapped)
		count = image->hash_nchain;
	if (image->have_dynsym_section && image->dynsym_section_count > count)
		count = image->dynsym_section_count;
	/* The GNU chains have no length of their own: a damaged one runs on
	 * into whatever follows, so trust it only when nothing else says. */
	if (!image->hash.mapped && !image->have_dynsym_section &&
	    image->gnu_hash.mapped && image->gnu_chains_valid)
		count = image->gnu_symbol_count;
	uint64_t entry = view_sym_size(v);
	uint64_t room = (v->map_size - image->symtab.offset) / entry;
	if (count > room) {
		add_defect(image, RULE_DYN_ADDRESS, "DT_SYMTAB",
			   "%" PRIu64 " symbols at offset %#" PRIx64
			   " extend past the end of the file", count, image->symtab.offset);
		count = room;
	}
	if (count > IMAGE_MAX_SYMBOLS) {
		add_defect(image, RULE_DYN_TABLE, "DT_SYMTAB",
			   "%" PRIu64 " symbols, more than the %d mkvdso reads", count,
			   IMAGE_MAX_SYMBOLS);
		count = IMAGE_MAX_SYMBOLS;
	}
	image->symbols = calloc(count ? count : 1, sizeof *image->symbols);
	if (!image->symbols)
		return IMAGE_NO_MEMORY;
	for (uint64_t i = 0; i < count; i++) {
		GElf_Sym s;
		view_sym(v, image->symtab.offset + i * entry, &s);
		struct vdso_symbol *sym = &image->symbols[i];
		*sym = (struct vdso_symbol){
			.index = (uint32_t)i, .name = dynamic_string(image, s.st_name),
			.type = GELF_ST_TYPE(s.st_info), .bind = GELF_ST_BIND(s.st_info),
			.visibility = GELF_ST_VISIBILITY(s.st_other), .shndx = s.st_shndx,
			.value = s.st_value, .size = s.st_size,
		};
		if (!sym->name) {
			char place[64];
			snprintf(place, sizeof place, "symbol [%" PRIu64 "]", i);
			add_defect(image, RULE_DYN_ADDRESS, place, "name index %#x %s", s.st_name,
				   string_problem(image, s.st_name));
		}
	}
	image->symbol_count = count;
	return IMAGE_OK;
}

static enum image_status load_verdefs(struct vdso_image *image)
{
	const struct view *v = &image->view;
	if (!image->verdef.mapped)
		return IMAGE_OK;
	uint64_t declared = 0;
	image_dyn(image, DT_VERDEFNUM, &declared);
	image->verdefs = calloc(IMAGE_MAX_VERDEFS, sizeof *image->verdefs);
	if (!image->verdefs)
		return IMAGE_NO_MEMORY;
	uint64_t off = image->verdef.offset;
	for (;;) {
		char place[64];
		snprintf(place, sizeof place, "verdef at offset %#" PRIx64, off);
		struct vdso_verdef *def = &image->verdefs[image->verdef_count];
		uint32_t aux, next, name;
		/* Elf_Verdef: version, flags, ndx, cnt (16-bit), hash, aux, next
		 * (32-bit); the same 20 bytes in both classes. */
		if (!view_u16(v, off, &def->version) || !view_u16(v, off + 2, &def->flags) ||
		    !view_u16(v, off + 4, &def->ndx) || !view_u16(v, off + 6, &def->cnt) ||
		    !view_u32(v, off + 8, &def->hash) || !view_u32(v, off + 12, &aux) ||
		    !view_u32(v, off + 16, &next)) {
			add_defect(image, RULE_VERDEF_CHAIN, place,
				   "the entry is past the end of the file");
			break;
		}
		def->offset = off;
		if (def->cnt == 0 || !view_u32(v, off + aux, &name))
			add_defect(image, RULE_VERDEF_CHAIN, place,
				   "vd_aux %#x does not lead to a Verdaux inside the file", aux);
		else if (!(def->name = dynamic_string(image, name)))
			add_defect(image, RULE_VERDEF_CHAIN, place, "vda_name %#x %s", name,
				   string_problem(image, name));
		image->verdef_count++;
		if (next == 0)
			break;
		if (image->verdef_count >= IMAGE_MAX_VERDEFS) {
			add_defect(image, RULE_VERDEF_CHAIN, place,
				   "the chain goes on past the %d entries mkvdso reads",
				   IMAGE_MAX_VERDEFS);
			break;
		}
		if (next < 20) {
			/* vd_next smaller than an entry loops or overlaps: the
			 * libcs would walk it forever or read garbage. */
			add_defect(image, RULE_VERDEF_CHAIN, place,
				   "vd_next %#x overlaps the entry itself", next);
			break;
		}
		off += next;
	}
	if (image->verdef_count != declared) {
		char found[64];
		snprintf(found, sizeof found, "DT_VERDEFNUM");
		add_defect(image, RULE_VERDEF_CHAIN, found,
			   "says %" PRIu64 " entries, the chain has %zu", declared,
			   image->verdef_count);
	}
	return IMAGE_OK;
}

static void load_versyms(struct vdso_image *image)
{
	if (!image->versym.mapped)
		return;
	for (size_t i = 0; i < image->symbol_count; i++) {
		struct vdso_symbol *sym = &image->symbols[i];
		if (!view_u16(&image->view, image->versym.offset + 2 * i, &sym->versym)) {
			add_defect(image, RULE_DYN_ADDRESS, "DT_VERSYM",
				   "entry %zu is past the end of the file", i);
			return;
		}
		sym->has_versym = true;
		uint16_t index = sym->versym & 0x7fff;
		if (index <= VER_NDX_GLOBAL)
			continue;
		const struct vdso_verdef *def = image_find_verdef_by_index(image, index);
		sym->version = def ? def->name : NULL;
	}
}

/* --- relocations and notes --- */

static enum image_status load_relocs_table(struct vdso_image *image, int64_t tag,
					   int64_t size_tag, bool rela)
{
	const struct view *v = &image->view;
	uint64_t addr, size = 0, offset;
	if (!image_dyn(image, tag, &addr))
		return IMAGE_OK;
	image_dyn(image, size_tag, &size);
	if (tag == DT_JMPREL) {
		uint64_t pltrel = DT_RELA;
		image_dyn(image, DT_PLTREL, &pltrel);
		rela = pltrel == DT_RELA;
	}
	unsigned word = view_word_size(v);
	unsigned entry = (rela ? 3 : 2) * word;
	const char *name = tag == DT_RELA ? "DT_RELA" : tag == DT_REL ? "DT_REL" : "DT_JMPREL";
	if (size == 0)
		return IMAGE_OK;
	if (!image_addr_to_offset(image, addr, size, &offset)) {
		add_defect(image, RULE_DYN_ADDRESS, name,
			   "%#" PRIx64 " bytes at %#" PRIx64 " are outside every PT_LOAD",
			   size, addr);
		return IMAGE_OK;
	}
	uint64_t count = size / entry;
	if (count > IMAGE_MAX_RELOCS - image->reloc_count) {
		/* build would leave the rest unapplied: an error, not a cut. */
		add_defect(image, RULE_DYN_TABLE, name,
			   "%" PRIu64 " relocations, with %zu before them more than the %d "
			   "mkvdso reads", count, image->reloc_count, IMAGE_MAX_RELOCS);
		count = IMAGE_MAX_RELOCS - image->reloc_count;
	}
	struct vdso_reloc *grown = realloc(image->relocs,
					   (image->reloc_count + count + 1) * sizeof *grown);
	if (!grown)
		return IMAGE_NO_MEMORY;
	image->relocs = grown;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t r_offset, r_info, r_addend = 0;
		uint64_t at = offset + i * entry;
		view_word(v, at, &r_offset);
		view_word(v, at + word, &r_info);
		if (rela)
			view_word(v, at + 2 * word, &r_addend);
		struct vdso_reloc *r = &image->relocs[image->reloc_count++];
		r->table = tag;
		r->entry_offset = at;
		r->rela = rela;
		r->offset = r_offset;
		if (word == 8) {
			r->type = (uint32_t)GELF_R_TYPE(r_info);
			r->symbol = (uint32_t)GELF_R_SYM(r_info);
			r->addend = (int64_t)r_addend;
		} else {
			r->type = (uint32_t)ELF32_R_TYPE(r_info);
			r->symbol = (uint32_t)ELF32_R_SYM(r_info);
			r->addend = (int64_t)(int32_t)(uint32_t)r_addend;
		}
	}
	return IMAGE_OK;
}

static void load_build_id(struct vdso_image *image)
{
	const struct view *v = &image->view;
	/* PT_NOTEs may overlap, each over the whole file: count the notes
	 * looked at, not the segments. */
	unsigned notes = 0;
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *seg = &image->segments[i];
		if (seg->type != PT_NOTE || !view_contains(v, seg->offset, seg->filesz))
			continue;
		uint64_t align = seg->align == 8 ? 8 : 4;
		uint64_t at = seg->offset, end = seg->offset + seg->filesz;
		while (end - at >= 12 && notes++ < IMAGE_MAX_NOTES) {
			uint32_t namesz, descsz, type;
			view_u32(v, at, &namesz);
			view_u32(v, at + 4, &descsz);
			view_u32(v, at + 8, &type);
			uint64_t name_at = at + 12;
			uint64_t desc_at = name_at + ((namesz + align - 1) & ~(align - 1));
			uint64_t next = desc_at + ((descsz + align - 1) & ~(align - 1));
			if (desc_at > end || descsz > end - desc_at || next > end + align)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 && desc_at + descsz <= v->file_size &&
			    memcmp(v->bytes + name_at, "GNU", 4) == 0) {
				image->build_id = v->bytes + desc_at;
				image->build_id_size = descsz;
				return;
			}
			if (next <= at)
				break;
			at = next;
		}
	}
}

/* The section count of a file with e_shnum 0, from section 0's sh_size
 * (ELF extended numbering).  elf_memory() allocates a descriptor for
 * every section up front, so a count this large must be refused before
 * libelf sees the file: it would cost more memory than the file. */
static bool extended_section_count(const struct view *v, uint64_t *count)
{
	bool is64 = v->elf_class == ELFCLASS64;
	uint64_t shoff;
	uint16_t shnum;
	if (!(is64 ? view_u64(v, 0x28, &shoff) : view_word(v, 0x20, &shoff)) ||
	    !view_u16(v, is64 ? 0x3c : 0x30, &shnum) || shnum != 0 || shoff == 0)
		return false;
	/* sh_size of section 0 */
	return is64 ? view_u64(v, shoff + 0x20, count) : view_word(v, shoff + 0x14, count);
}

enum image_status image_load(struct vdso_image *image, const char *path,
			     const unsigned char *bytes, size_t size,
			     char *error, size_t error_size)
{
	memset(image, 0, sizeof *image);
	image->path = path;
	image->defects = calloc(IMAGE_MAX_DEFECTS, sizeof *image->defects);
	if (!image->defects)
		return IMAGE_NO_MEMORY;
	if (size < EI_NIDENT || memcmp(bytes, ELFMAG, SELFMAG) != 0) {
		snprintf(error, error_size, "not an ELF file (expected the magic \\177ELF at offset 0)");
		return IMAGE_INVALID;
	}
	int elf_class = bytes[EI_CLASS], data = bytes[EI_DATA];
	if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
		snprintf(error, error_size, "unknown ELF class %d (expected 1 or 2)", elf_class);
		return IMAGE_INVALID;
	}
	if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
		snprintf(error, error_size, "unknown ELF byte order %d (expected 1 or 2)", data);
		return IMAGE_INVALID;
	}
	view_init(&image->view, bytes, size, elf_class, data == ELFDATA2MSB);
	uint64_t sections;
	if (extended_section_count(&image->view, &sections) && sections > IMAGE_MAX_SECTIONS) {
		snprintf(error, error_size, "section header table has %" PRIu64
			 " entries (section 0's sh_size), more than the %d mkvdso reads",
			 sections, IMAGE_MAX_SECTIONS);
		return IMAGE_INVALID;
	}
	elf_version(EV_CURRENT);
	image->elf = elf_memory((char *)bytes, size);
	if (!image->elf || elf_kind(image->elf) != ELF_K_ELF) {
		snprintf(error, error_size, "libelf cannot read it: %s", elf_errmsg(-1));
		return IMAGE_INVALID;
	}
	enum image_status status = load_headers(image, error, error_size);
	if (status == IMAGE_OK)
		status = load_sections(image);
	if (status == IMAGE_OK)
		status = load_dynamic(image);
	if (status != IMAGE_OK)
		return status;
	load_soname(image);
	load_sysv_hash(image, image->ehdr.e_machine);
	load_gnu_hash(image);
	status = load_symbols(image);
	if (status == IMAGE_OK)
		status = load_verdefs(image);
	if (status == IMAGE_OK)
		load_versyms(image);
	if (status == IMAGE_OK)
		status = load_relocs_table(image, DT_RELA, DT_RELASZ, true);
	if (status == IMAGE_OK)
		status = load_relocs_table(image, DT_REL, DT_RELSZ, false);
	if (status == IMAGE_OK)
		status = load_relocs_table(image, DT_JMPREL, DT_PLTRELSZ, false);
	if (status != IMAGE_OK)
		return status;
	uint64_t relr_size;
	if (image_dyn(image, DT_RELRSZ, &relr_size))
		image->relr_count = relr_size / view_word_size(&image->view);
	load_build_id(image);
	return IMAGE_OK;
}

void image_free(struct vdso_image *image)
{
	if (image->elf)
		elf_end(image->elf);
	free(image->segments);
	free(image->sections);
	free(image->dynamic);
	free(image->symbols);
	free(image->verdefs);
	free(image->relocs);
	free(image->defects);
	memset(image, 0, sizeof *image);
}
