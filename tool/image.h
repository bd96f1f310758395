/* image: the one in-memory model of a vDSO image (the "read" and "model"
 * stages).
 *
 * image_load() reads the ELF header, program headers and section headers
 * with libelf, then follows PT_DYNAMIC the way the libcs do (from its file
 * offset, never through section headers) to the dynamic table, symbols,
 * both hash tables, version definitions, version symbols, relocations and
 * notes.  Every offset, size and count from the file is checked against the
 * mapping before use.  Structural problems that still leave a model (a
 * string index past DT_STRSZ, a verdef chain that leaves the file) are
 * recorded as defects with a rule id for the check stage to report; only a
 * file with no usable ELF or program header table fails to load.
 *
 * Later stages read this model and its view, never the file itself. */
#ifndef MKVDSO_IMAGE_H
#define MKVDSO_IMAGE_H

#include "view.h"

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What image_load() reads of a file, at most.  Each cap bounds a loop or a
 * table whose size the file chooses, so the work and memory of loading
 * and checking an image are linear in its size with these as constants.
 * A real vDSO has a few of each (Linux's largest: 5 program headers, 30
 * sections, 30 symbols, 3 version definitions).  An image past a cap gets
 * an error naming it (or, for the program headers and the section count,
 * does not load); none can be raised from the command line. */
enum {
	IMAGE_MAX_SEGMENTS = 256,    /* program headers */
	IMAGE_MAX_SECTIONS = 65536,  /* section headers */
	IMAGE_MAX_DYNAMIC = 4096,    /* dynamic entries before DT_NULL */
	IMAGE_MAX_SYMBOLS = 65536,   /* symbol table entries, index 0 included */
	IMAGE_MAX_VERDEFS = 1024,    /* version definitions */
	IMAGE_MAX_RELOCS = 65536,    /* DT_RELA + DT_REL + DT_JMPREL entries */
	IMAGE_MAX_NOTES = 1024,      /* notes looked at for the build id */
	IMAGE_MAX_DEFECTS = 256,     /* loader defects kept (later ones dropped) */
};

struct vdso_segment {
	uint32_t type;
	uint32_t flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct vdso_section {
	const char *name; /* "" if the name is unreadable */
	uint32_t type;
	uint64_t flags, addr, offset, size, entsize;
	uint32_t link;
	uint32_t name_index;     /* sh_name */
};

struct vdso_symbol {
	uint32_t index;
	const char *name;        /* NULL if st_name is outside DT_STRTAB */
	uint8_t type, bind, visibility;
	uint16_t shndx;
	uint64_t value, size;
	bool has_versym;
	uint16_t versym;         /* raw entry, hidden bit included */
	const char *version;     /* name of the verdef versym selects, or NULL */
};

struct vdso_verdef {
	uint64_t offset;         /* file offset of the Verdef */
	uint16_t version, flags, ndx, cnt;
	uint32_t hash;
	const char *name;        /* first Verdaux name; NULL if unreadable */
};

struct vdso_reloc {
	int64_t table;           /* DT_REL, DT_RELA or DT_JMPREL */
	uint64_t entry_offset;   /* file offset of the entry itself */
	uint64_t offset;         /* r_offset (an address) */
	uint32_t type;
	uint32_t symbol;
	int64_t addend;          /* 0 for REL */
	bool rela;               /* the entry carries its addend */
};

/* A pointer-valued dynamic entry resolved to a file offset. */
struct vdso_table {
	bool present;            /* the tag exists */
	bool mapped;             /* its address lies inside a PT_LOAD */
	uint64_t addr;
	uint64_t offset;
};

struct vdso_defect {
	const char *rule;        /* a rule id from check.h */
	char place[64];
	char message[192];
};

struct vdso_image {
	const char *path;        /* for messages */
	Elf *elf;
	struct view view;
	GElf_Ehdr ehdr;

	struct vdso_segment *segments;
	size_t segment_count;
	struct vdso_section *sections;
	size_t section_count;

	/* The dynamic table at PT_DYNAMIC's p_offset, up to DT_NULL or the end
	 * of the segment. */
	GElf_Dyn *dynamic;
	size_t dynamic_count;
	bool dynamic_terminated;
	uint64_t dynamic_offset;

	struct vdso_table strtab, symtab, hash, gnu_hash, versym, verdef;
	uint64_t strsz;          /* DT_STRSZ clamped to the mapping */
	const char *soname;

	/* DT_HASH header (entries are 8 bytes on s390x, 4 elsewhere). */
	unsigned hash_entry_size;
	uint64_t hash_nbucket, hash_nchain;
	/* DT_GNU_HASH header and the symbol count its chains imply. */
	uint32_t gnu_nbucket, gnu_symoffset, gnu_bloom_size, gnu_bloom_shift;
	uint64_t gnu_symbol_count;
	bool gnu_chains_valid;
	/* Entries in the SHT_DYNSYM section, if there is one. */
	bool have_dynsym_section;
	uint64_t dynsym_section_count;

	struct vdso_symbol *symbols;
	size_t symbol_count;
	struct vdso_verdef *verdefs;
	size_t verdef_count;

	struct vdso_reloc *relocs;
	size_t reloc_count;
	uint64_t relr_count;     /* words in DT_RELR */

	const unsigned char *build_id;
	size_t build_id_size;

	struct vdso_defect *defects;
	size_t defect_count;
};

enum image_status {
	IMAGE_OK,
	IMAGE_INVALID,           /* not a usable ELF file: message set */
	IMAGE_NO_MEMORY,
};

/* Builds the model of bytes[0..size).  The bytes must outlive the image.
 * On IMAGE_INVALID, error (size error_size) says what is wrong. */
enum image_status image_load(struct vdso_image *image, const char *path,
			     const unsigned char *bytes, size_t size,
			     char *error, size_t error_size);
void image_free(struct vdso_image *image);

/* First dynamic entry with tag; false if absent. */
bool image_dyn(const struct vdso_image *image, int64_t tag, uint64_t *value);
/* File offset of the bytes at address addr..addr+size inside one PT_LOAD. */
bool image_addr_to_offset(const struct vdso_image *image, uint64_t addr,
			  uint64_t size, uint64_t *offset);
/* The PT_LOADs and PT_DYNAMIC, or NULL. */
const struct vdso_segment *image_first_segment(const struct vdso_image *image,
					       uint32_t type);
size_t image_count_segments(const struct vdso_image *image, uint32_t type);
const struct vdso_symbol *image_find_symbol(const struct vdso_image *image,
					    const char *name);
const struct vdso_verdef *image_find_verdef_by_index(const struct vdso_image *image,
						     uint16_t index);
/* Bucket [i] and chain [i] of DT_HASH; false if out of range. */
bool image_sysv_bucket(const struct vdso_image *image, uint64_t i, uint64_t *out);
bool image_sysv_chain(const struct vdso_image *image, uint64_t i, uint64_t *out);
/* The standard ELF (SysV) and GNU hash functions. */
uint32_t vdso_sysv_hash(const char *name);
uint32_t vdso_gnu_hash(const char *name);

#endif
