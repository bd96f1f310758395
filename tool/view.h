/* view: bounds-checked reads of a vDSO image as the process sees it.
 *
 * The kernel maps a vDSO as a flat copy of the file, rounded up to whole
 * pages, and every libc reads it in place through pointers computed from
 * its own headers.  A view is that mapping: the file's bytes followed by
 * zero fill up to the page boundary.  Every read names an offset from the
 * ELF header and a size; a read that leaves the mapping fails (the real
 * consumer would fault there), and the caller decides what that means.
 *
 * Multi-byte values are decoded in the file's byte order and class, so
 * one code path serves 32- and 64-bit images of either endianness. */
#ifndef MKVDSO_VIEW_H
#define MKVDSO_VIEW_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct view {
	const unsigned char *bytes;
	uint64_t file_size;   /* bytes backed by the file */
	uint64_t map_size;    /* file_size rounded up to the page size */
	int elf_class;        /* ELFCLASS32 or ELFCLASS64 */
	int big_endian;
};

/* The smallest page any supported architecture uses; mapping more than the
 * file is only ever zero fill, so the smallest page is the safe bound. */
#define VIEW_PAGE_SIZE 4096u

void view_init(struct view *v, const unsigned char *bytes, uint64_t size,
	       int elf_class, int big_endian);

/* True if [offset, offset + size) lies inside the mapping (no overflow). */
bool view_contains(const struct view *v, uint64_t offset, uint64_t size);

bool view_u8(const struct view *v, uint64_t offset, uint8_t *out);
bool view_u16(const struct view *v, uint64_t offset, uint16_t *out);
bool view_u32(const struct view *v, uint64_t offset, uint32_t *out);
bool view_u64(const struct view *v, uint64_t offset, uint64_t *out);
/* An address-sized word: 4 bytes in ELFCLASS32, 8 in ELFCLASS64. */
bool view_word(const struct view *v, uint64_t offset, uint64_t *out);
unsigned view_word_size(const struct view *v);

/* Entry sizes of the class: Elf32/64_Dyn and Elf32/64_Sym. */
unsigned view_dyn_size(const struct view *v);
unsigned view_sym_size(const struct view *v);
bool view_dyn(const struct view *v, uint64_t offset, GElf_Dyn *out);
bool view_sym(const struct view *v, uint64_t offset, GElf_Sym *out);

/* The longest string a view returns, terminator excluded.  Every pass over
 * the symbols reads their names (hashing, comparing, printing), and any
 * number of symbols may name one huge string; this cap keeps that work
 * proportional to the symbol count.  vDSO names are a few dozen bytes. */
#define VIEW_MAX_STRING 256

/* A NUL-terminated string starting at offset whose terminator lies before
 * limit (an offset, itself clamped to the end of the file: the zero fill is
 * not in the buffer) and at most VIEW_MAX_STRING bytes on; NULL if there
 * is none. */
const char *view_string(const struct view *v, uint64_t offset, uint64_t limit);

#endif
