/* emit: the growable output buffer and what every writer shares. */
#include "emit_internal.h"
#include "image.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <errno.h>
#include <unistd.h>

/* --- struct buffer --- */

/* A C array of a 64 MiB image is a 344 MB buffer: first touching it one
 * 4 KiB page at a time costs several times more than rendering it.  Ask for
 * transparent huge pages on the 2 MiB-aligned part of a large buffer (a
 * hint; the kernel may ignore it). */
static void advise_huge_pages(unsigned char *data, size_t capacity)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (capacity < 16 * huge)
		return;
	uintptr_t start = ((uintptr_t)data + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)data + capacity) & ~(huge - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)data;
	(void)capacity;
#endif
}

bool buffer_flush(struct buffer *b)
{
	if (b->failed || !b->streaming)
		return !b->failed;
	const unsigned char *p = b->data;
	size_t left = b->size;
	while (left) {
		ssize_t done = write(b->fd, p, left);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			b->write_errno = done < 0 ? errno : EIO;
			b->failed = true;
			return false;
		}
		p += done;
		left -= (size_t)done;
	}
	b->size = 0;
	return true;
}

void buffer_stream_to(struct buffer *b, int fd, size_t chunk)
{
	b->streaming = true;
	b->fd = fd;
	buffer_reserve(b, chunk);
}

void buffer_reserve(struct buffer *b, size_t size)
{
	if (b->failed)
		return;
	if (size <= b->capacity - b->size)
		return;
	/* A streaming buffer makes room by writing out what it holds. */
	if (b->streaming && b->size && (!buffer_flush(b) || size <= b->capacity))
		return;
	if (size > SIZE_MAX - b->size) {
		b->failed = true;
		return;
	}
	size_t needed = b->size + size;
	/* Doubling keeps a run of small appends linear; a large reservation
	 * gets exactly what it asked for. */
	size_t capacity = b->capacity < 256 ? 256 : b->capacity;
	while (capacity < needed && capacity <= SIZE_MAX / 2)
		capacity *= 2;
	if (capacity < needed)
		capacity = needed;
	unsigned char *data = realloc(b->data, capacity);
	if (!data) {
		b->failed = true;
		return;
	}
	b->data = data;
	b->capacity = capacity;
	advise_huge_pages(data, capacity);
}

void buffer_append(struct buffer *b, const void *bytes, size_t size)
{
	if (size == 0)
		return;
	buffer_reserve(b, size);
	if (b->failed)
		return;
	memcpy(b->data + b->size, bytes, size);
	b->size += size;
}

void buffer_printf(struct buffer *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	/* Format straight into the free space; only a long result needs a
	 * second pass after growing. */
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->capacity - b->size;
	int n = vsnprintf(room ? (char *)b->data + b->size : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n >= room) {
		buffer_reserve(b, (size_t)n + 1);
		if (b->failed)
			return;
		va_start(ap, fmt);
		vsnprintf((char *)b->data + b->size, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->size += (size_t)n;
}

void buffer_free(struct buffer *b)
{
	free(b->data);
	*b = (struct buffer){ 0 };
}

/* --- the symbols --- */

static bool is_emitted(const struct vdso_symbol *sym)
{
	/* ld adds an ABS OBJECT symbol per version node; it is not code. */
	return sym->index != 0 && sym->name && sym->name[0] && sym->shndx != SHN_UNDEF &&
	       sym->shndx != SHN_ABS && sym->bind != STB_LOCAL &&
	       (sym->type == STT_FUNC || sym->type == STT_NOTYPE || sym->type == STT_OBJECT);
}

struct ranked_symbol {
	struct emit_symbol symbol;
	uint32_t index;
};

/* By name, then by symbol index: deterministic whatever qsort does. */
static int compare_ranked(const void *a, const void *b)
{
	const struct ranked_symbol *x = a, *y = b;
	int by_name = strcmp(x->symbol.name, y->symbol.name);
	return by_name ? by_name : (x->index > y->index) - (x->index < y->index);
}

struct emit_symbol *emit_collect_symbols(const struct vdso_image *placed, uint64_t base,
					 size_t *count)
{
	struct ranked_symbol *ranked = calloc(placed->symbol_count + 1, sizeof *ranked);
	struct emit_symbol *symbols = calloc(placed->symbol_count + 1, sizeof *symbols);
	size_t n = 0, kept = 0;
	*count = 0;
	if (!ranked || !symbols) {
		free(ranked);
		free(symbols);
		return NULL;
	}
	for (size_t i = 0; i < placed->symbol_count; i++) {
		const struct vdso_symbol *sym = &placed->symbols[i];
		uint64_t offset;
		if (!is_emitted(sym) || !image_addr_to_offset(placed, sym->value, 1, &offset))
			continue;
		ranked[n++] = (struct ranked_symbol){
			{ sym->name, sym->version, offset, base + offset, sym->size }, sym->index };
	}
	/* Sorting first keeps a hostile table of many duplicates O(n log n). */
	qsort(ranked, n, sizeof *ranked, compare_ranked);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(ranked[i].symbol.name, ranked[i - 1].symbol.name) != 0)
			symbols[kept++] = ranked[i].symbol;
	free(ranked);
	*count = kept;
	return symbols;
}

/* --- what the writers share --- */

void emit_layout(const struct emit_input *in, struct emit_layout *layout)
{
	size_t page = in->page_size ? in->page_size : 4096;
	size_t pages = in->image_size / page + (in->image_size % page != 0);
	if (pages == 0)
		pages = 1; /* no zero-length arrays */
	*layout = (struct emit_layout){ .page_size = page, .pages = pages,
					.padded_size = pages * page };
}

static bool is_identifier_text(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/* The names libcs look up carry one of these; the kernel cares about the
 * function. */
static const char *const symbol_prefixes[] = { "__kernel_", "__vdso_" };

static const char *short_name(const char *name)
{
	for (size_t i = 0; i < sizeof symbol_prefixes / sizeof symbol_prefixes[0]; i++) {
		size_t n = strlen(symbol_prefixes[i]);
		if (strncmp(name, symbol_prefixes[i], n) == 0 && name[n])
			return name + n;
	}
	return name;
}

const char *emit_symbol_stem(const struct emit_input *in, size_t i)
{
	const char *name = in->symbols[i].name;
	if (!is_identifier_text(name))
		return NULL;
	const char *stem = short_name(name);
	if (stem == name)
		return name;
	/* x86_64 exports clock_gettime next to __vdso_clock_gettime: then the
	 * short name belongs to neither, and both keep their whole names. */
	for (size_t j = 0; j < in->symbol_count; j++) {
		const char *other = in->symbols[j].name;
		if (j == i || !other)
			continue;
		if (strcmp(other, stem) == 0 || strcmp(short_name(other), stem) == 0)
			return name;
	}
	return stem;
}

const struct emit_symbol *emit_sigtramp(const struct emit_input *in)
{
	if (!in->sigtramp)
		return NULL;
	for (size_t i = 0; i < in->symbol_count; i++)
		if (in->symbols[i].name && strcmp(in->symbols[i].name, in->sigtramp) == 0)
			return &in->symbols[i];
	return NULL;
}

/* Where signal handlers return to on architectures whose vDSO carries no
 * trampoline, for the kernel author (the C header's comment; lines end in
 * '\n'). */
static const struct {
	const char *arch;
	const char *note;
} sigreturn_notes[] = {
	{ "arm", "No signal trampoline here, as in Linux's arm vDSO: Linux's [sigpage]\n"
		 "does that job.  glibc and musl set SA_RESTORER on arm: a handler\n"
		 "registered with it returns to sa_restorer (put it in lr).  Without it\n"
		 "(Go) the kernel must map return code of its own, as the sigpage holds,\n"
		 "and put its address in lr: mov r7, #173; svc #0 (rt_sigreturn, for\n"
		 "SA_SIGINFO) or mov r7, #119; svc #0 (sigreturn), in ARM state.\n" },
};

const char *emit_sigreturn_note(const struct emit_input *in)
{
	if (emit_sigtramp(in))
		return NULL;
	for (size_t i = 0; i < sizeof sigreturn_notes / sizeof sigreturn_notes[0]; i++)
		if (in->arch && strcmp(in->arch, sigreturn_notes[i].arch) == 0)
			return sigreturn_notes[i].note;
	return NULL;
}

void emit_upper_name(struct buffer *b, const struct emit_input *in)
{
	for (const char *p = in->name; *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		buffer_append(b, &c, 1);
	}
}

void emit_camel_name(struct buffer *b, const struct emit_input *in)
{
	bool word_start = true;
	for (const char *p = in->name; *p; p++) {
		if (*p == '_') {
			word_start = true;
			continue;
		}
		char c = word_start && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		buffer_append(b, &c, 1);
		word_start = false;
	}
}

static const char hex_digits[] = "0123456789abcdef";

void emit_build_id_hex(struct buffer *b, const struct emit_input *in)
{
	for (size_t i = 0; in->build_id && i < in->build_id_size; i++) {
		char pair[2] = { hex_digits[in->build_id[i] >> 4], hex_digits[in->build_id[i] & 15] };
		buffer_append(b, pair, 2);
	}
}

void emit_comment_text(struct buffer *b, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		bool plain = c == '_' || c == '.' || c == '@' || c == '$' || (c >= '0' && c <= '9') ||
			     (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		buffer_append(b, plain ? &c : "?", 1);
	}
}

void emit_symbol_heading(struct buffer *b, const struct emit_symbol *sym, const char *stem,
			 const char *open, const char *close)
{
	buffer_printf(b, "%s", open);
	emit_comment_text(b, sym->name);
	if (sym->version) {
		buffer_printf(b, "@");
		emit_comment_text(b, sym->version);
	}
	buffer_printf(b, "%s%s\n", stem ? "" : ": not an identifier, no constants", close);
}

void emit_string_literal(struct buffer *b, const char *s, enum emit_string_syntax syntax)
{
	buffer_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		unsigned c = *p;
		if (c == '"' || c == '\\' || (c == '?' && syntax == EMIT_STRING_C)) {
			/* \? keeps "??=" from being read as a trigraph in C99 */
			char pair[2] = { '\\', (char)c };
			buffer_append(b, pair, 2);
		} else if (c >= 0x20 && c < 0x7f) {
			char ch = (char)c;
			buffer_append(b, &ch, 1);
		} else if (syntax == EMIT_STRING_C) {
			buffer_printf(b, "\\%03o", c); /* three digits: never swallows the next one */
		} else if (c < 0x80) {
			buffer_printf(b, "\\x%02x", c);
		} else {
			/* A Rust str must be UTF-8; version and symbol names are ASCII in
			 * every real vDSO, so a stray byte only gets a visible stand-in. */
			buffer_append(b, "\\u{fffd}", 8);
		}
	}
	buffer_append(b, "\"", 1);
}

/* Every pair of bytes as "a,b," ("0,0," .. "255,255,"), padded to 8 so one
 * 8-byte store writes a pair and the next store overwrites the padding.
 * Decimal, not hex: 3.6 characters a byte instead of 5, and the output
 * volume is most of what a 64 MiB image costs.  Pairs halve the stores. */
static char pair_items[65536][8];
static unsigned char pair_len[65536];
static char single[256][4];
static unsigned char single_len[256];
static bool pair_items_ready;

static void build_pair_items(void)
{
	for (unsigned i = 0; i < 256; i++) {
		char item[8];
		single_len[i] = (unsigned char)snprintf(item, sizeof item, "%u,", i);
		memcpy(single[i], item, 4);
	}
	for (unsigned i = 0; i < 65536; i++) {
		unsigned first = i >> 8, second = i & 0xff;
		memset(pair_items[i], 0, 8);
		memcpy(pair_items[i], single[first], single_len[first]);
		memcpy(pair_items[i] + single_len[first], single[second], single_len[second]);
		pair_len[i] = (unsigned char)(single_len[first] + single_len[second]);
	}
	pair_items_ready = true;
}

enum { BYTES_PER_LINE = 32, MAX_ITEM = 4 };

void emit_byte_items(struct buffer *b, const unsigned char *bytes, size_t size,
		     size_t padded_size, const char *indent)
{
	if (padded_size < size)
		padded_size = size;
	if (!pair_items_ready)
		build_pair_items();
	size_t indent_len = strlen(indent);
	size_t line_len = indent_len + BYTES_PER_LINE * MAX_ITEM + 1;
	/* Reserve a chunk of lines at a time: one reservation for a held
	 * buffer (the chunk is everything), bounded memory for a stream. */
	size_t chunk_lines = b->streaming ? 8192 : padded_size / BYTES_PER_LINE + 1;
	if (chunk_lines > (SIZE_MAX - 8) / line_len) {
		b->failed = true;
		return;
	}
	size_t i = 0;
	while (i < padded_size && !b->failed) {
		buffer_reserve(b, chunk_lines * line_len);
		if (b->failed)
			return;
		char *out = (char *)b->data + b->size;
		/* Whole lines of image bytes: no bounds test per byte. */
		size_t lines = 0;
		for (; lines < chunk_lines && i + BYTES_PER_LINE <= size; lines++, i += BYTES_PER_LINE) {
			memcpy(out, indent, indent_len);
			out += indent_len;
			const unsigned char *line = bytes + i;
			for (int k = 0; k < BYTES_PER_LINE; k += 2) {
				unsigned pair = (unsigned)line[k] << 8 | line[k + 1];
				memcpy(out, pair_items[pair], 8);
				out += pair_len[pair];
			}
			*out++ = '\n';
		}
		/* The last partial line of the image, then the zero padding. */
		for (; lines < chunk_lines && i < padded_size && i + BYTES_PER_LINE > size; lines++) {
			memcpy(out, indent, indent_len);
			out += indent_len;
			for (int k = 0; k < BYTES_PER_LINE && i < padded_size; k++, i++) {
				unsigned char byte = i < size ? bytes[i] : 0;
				memcpy(out, single[byte], 4);
				out += single_len[byte];
			}
			*out++ = '\n';
		}
		b->size = (size_t)((unsigned char *)out - b->data);
	}
}

static const struct {
	const char *name, *meaning;
} constant_names[] = {
	{ "IMAGE_SIZE", "bytes of the ELF image itself" },
	{ "IMAGE_PAGES", "pages it occupies" },
	{ "IMAGE_PADDED_SIZE", "IMAGE_PAGES * PAGE_SIZE: the size of the embedded copy" },
	{ "PAGE_SIZE", "what the embedded copy is aligned and zero-padded to" },
	{ "BASE", "user address of the ELF header: map the image there and" },
	{ "", "pass this as AT_SYSINFO_EHDR" },
	{ "PRELINKED", "whether the file is linked at BASE (--prelink) or at 0" },
	{ "SYM_<s>_OFFSET", "an exported symbol, from the image start" },
	{ "SYM_<s>_ADDRESS", "BASE + offset: where a process calls it" },
	{ "SYM_<s>_SIZE", "its st_size" },
	{ "SYM_<s>_VERSION", "its version node, if it has one" },
	{ "", "<s>: the symbol name without a leading __kernel_ or __vdso_" },
	{ "", "(clock_gettime for __kernel_clock_gettime), or the whole" },
	{ "", "name where the short one would be ambiguous" },
	{ "HAS_SIGTRAMP", "whether there is a signal return trampoline; if so" },
	{ "SIGTRAMP_OFFSET", "its offset and address: the return address the kernel" },
	{ "SIGTRAMP_ADDRESS", "puts in a signal handler frame" },
	{ "HAS_DATA_PAGE", "whether the image reads a data page the kernel writes;" },
	{ "DATA_OFFSET", "if so its offset from the image start (negative: below)," },
	{ "DATA_ADDRESS", "BASE + DATA_OFFSET, where the kernel maps it," },
	{ "DATA_SIZE", "its size in bytes and" },
	{ "DATA_VERSION", "the version of its layout" },
	{ "BUILD_ID", "the GNU build id in hex (empty if there is none)" },
	{ "BUILD_ID_SIZE", "its length in bytes" },
	{ "ARCH", "the target architecture" },
	{ "ELF_CLASS", "32 or 64" },
};

void emit_constant_names(struct buffer *b, const struct emit_input *in, const char *lead)
{
	size_t prefix = strlen(in->name) + 1;
	for (size_t i = 0; i < sizeof constant_names / sizeof constant_names[0]; i++) {
		int pad = 20 - (int)strlen(constant_names[i].name);
		buffer_printf(b, "%s  ", lead);
		if (constant_names[i].name[0]) {
			emit_upper_name(b, in);
			buffer_printf(b, "_%s", constant_names[i].name);
		} else {
			pad += (int)prefix;
		}
		buffer_printf(b, "%*s %s\n", pad > 0 ? pad : 0, "", constant_names[i].meaning);
	}
}
