/* view: bounds-checked, byte-order-aware reads of a mapped vDSO image. */
#include "view.h"

#include <string.h>

void view_init(struct view *v, const unsigned char *bytes, uint64_t size,
	       int elf_class, int big_endian)
{
	v->bytes = bytes;
	v->file_size = size;
	v->map_size = size + (VIEW_PAGE_SIZE - size % VIEW_PAGE_SIZE) % VIEW_PAGE_SIZE;
	v->elf_class = elf_class;
	v->big_endian = big_endian;
}

bool view_contains(const struct view *v, uint64_t offset, uint64_t size)
{
	return offset <= v->map_size && size <= v->map_size - offset;
}

/* Copies size bytes at offset, zero fill past the end of the file. */
static bool read_bytes(const struct view *v, uint64_t offset, unsigned size,
		       unsigned char *out)
{
	if (!view_contains(v, offset, size))
		return false;
	for (unsigned i = 0; i < size; i++)
		out[i] = offset + i < v->file_size ? v->bytes[offset + i] : 0;
	return true;
}

static bool read_uint(const struct view *v, uint64_t offset, unsigned size,
		      uint64_t *out)
{
	unsigned char raw[8];
	if (!read_bytes(v, offset, size, raw))
		return false;
	uint64_t value = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned byte = v->big_endian ? i : size - 1 - i;
		value = value << 8 | raw[byte];
	}
	*out = value;
	return true;
}

bool view_u8(const struct view *v, uint64_t offset, uint8_t *out)
{
	uint64_t value;
	if (!read_uint(v, offset, 1, &value))
		return false;
	*out = (uint8_t)value;
	return true;
}

bool view_u16(const struct view *v, uint64_t offset, uint16_t *out)
{
	uint64_t value;
	if (!read_uint(v, offset, 2, &value))
		return false;
	*out = (uint16_t)value;
	return true;
}

bool view_u32(const struct view *v, uint64_t offset, uint32_t *out)
{
	uint64_t value;
	if (!read_uint(v, offset, 4, &value))
		return false;
	*out = (uint32_t)value;
	return true;
}

bool view_u64(const struct view *v, uint64_t offset, uint64_t *out)
{
	return read_uint(v, offset, 8, out);
}

unsigned view_word_size(const struct view *v)
{
	return v->elf_class == ELFCLASS64 ? 8 : 4;
}

bool view_word(const struct view *v, uint64_t offset, uint64_t *out)
{
	return read_uint(v, offset, view_word_size(v), out);
}

unsigned view_dyn_size(const struct view *v)
{
	return 2 * view_word_size(v);
}

unsigned view_sym_size(const struct view *v)
{
	return v->elf_class == ELFCLASS64 ? 24 : 16;
}

bool view_dyn(const struct view *v, uint64_t offset, GElf_Dyn *out)
{
	uint64_t tag, value;
	unsigned word = view_word_size(v);
	if (!view_word(v, offset, &tag) || !view_word(v, offset + word, &value))
		return false;
	/* d_tag is signed; sign-extend 32-bit tags so DT_LOPROC and friends
	 * compare the same in both classes. */
	out->d_tag = word == 4 ? (int64_t)(int32_t)(uint32_t)tag : (int64_t)tag;
	out->d_un.d_val = value;
	return true;
}

bool view_sym(const struct view *v, uint64_t offset, GElf_Sym *out)
{
	uint32_t name = 0;
	uint8_t info = 0, other = 0;
	uint16_t shndx = 0;
	uint64_t value = 0, size = 0;
	if (!view_contains(v, offset, view_sym_size(v)))
		return false;
	if (v->elf_class == ELFCLASS64) {
		/* Elf64_Sym: name, info, other, shndx, value, size */
		view_u32(v, offset, &name);
		view_u8(v, offset + 4, &info);
		view_u8(v, offset + 5, &other);
		view_u16(v, offset + 6, &shndx);
		view_u64(v, offset + 8, &value);
		view_u64(v, offset + 16, &size);
	} else {
		/* Elf32_Sym: name, value, size, info, other, shndx */
		uint32_t value32 = 0, size32 = 0;
		view_u32(v, offset, &name);
		view_u32(v, offset + 4, &value32);
		view_u32(v, offset + 8, &size32);
		view_u8(v, offset + 12, &info);
		view_u8(v, offset + 13, &other);
		view_u16(v, offset + 14, &shndx);
		value = value32;
		size = size32;
	}
	out->st_name = name;
	out->st_info = info;
	out->st_other = other;
	out->st_shndx = shndx;
	out->st_value = value;
	out->st_size = size;
	return true;
}

const char *view_string(const struct view *v, uint64_t offset, uint64_t limit)
{
	if (limit > v->file_size)
		limit = v->file_size;
	if (offset >= limit)
		return NULL;
	uint64_t room = limit - offset;
	if (room > VIEW_MAX_STRING + 1)
		room = VIEW_MAX_STRING + 1;
	const char *start = (const char *)v->bytes + offset;
	if (!memchr(start, '\0', room))
		return NULL;
	return start;
}
