/* emit: writers that turn a placed image and its metadata into what a kernel
 * build embeds.  Each writer renders into a buffer that streams into an
 * unnamed output file (io.h); the build command names the files only after
 * all of them succeeded, so a failure never leaves half the outputs behind.
 * Output is a pure function of the input: no dates, paths or host names. */
#ifndef MKVDSO_EMIT_H
#define MKVDSO_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Text or bytes being rendered.  A buffer either holds everything (the
 * default) or streams: once buffer_stream_to() names a file descriptor,
 * content goes to it whenever the buffer fills, so a large image never
 * needs its whole rendering in memory. */
struct buffer {
	unsigned char *data;
	size_t size, capacity;
	bool failed;            /* allocation or write failed; the content is incomplete */
	bool streaming;
	int fd;                 /* when streaming */
	int write_errno;        /* the write's errno, if one failed */
};

void buffer_append(struct buffer *b, const void *bytes, size_t size);
void buffer_printf(struct buffer *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* From now on, hand content to fd once chunk bytes have accumulated. */
void buffer_stream_to(struct buffer *b, int fd, size_t chunk);
/* Writes what is held to the stream; false (and failed set) on error. */
bool buffer_flush(struct buffer *b);
void buffer_free(struct buffer *b);

struct emit_symbol {
	const char *name;       /* e.g. "__kernel_clock_gettime" */
	const char *version;    /* e.g. "LINUX_2.6.39", or NULL */
	uint64_t offset;        /* from the start of the image */
	uint64_t address;       /* base + offset: where the process sees it */
	uint64_t size;
};

struct emit_input {
	const char *name;       /* identifier prefix, a C identifier, e.g. "vdso" */
	const char *arch;       /* e.g. "aarch64" */
	unsigned elf_class;     /* 32 or 64 */
	const unsigned char *image;   /* the placed image */
	size_t image_size;
	size_t page_size;       /* arrays are aligned and padded to this */
	uint64_t base;          /* user address the kernel maps the ELF header at */
	bool prelinked;         /* --prelink: the file itself is linked at base */
	const struct emit_symbol *symbols;  /* sorted by name */
	size_t symbol_count;
	const char *sigtramp;   /* name of the signal return trampoline, or NULL */
	bool has_data_page;     /* the built-in vDSO's data page */
	int64_t data_offset;    /* from the image start; negative: below it */
	size_t data_size;
	unsigned data_version;
	const unsigned char *build_id;
	size_t build_id_size;
	const char *raw_name;   /* file name of the raw image, for .incbin */
};

/* The image as the kernel maps it: whole pages, zero-padded (what every
 * output and the build summary say). */
struct emit_layout {
	size_t page_size;        /* in->page_size, or 4096 if it was 0 */
	size_t pages;            /* at least 1 */
	size_t padded_size;      /* pages * page_size */
};
void emit_layout(const struct emit_input *in, struct emit_layout *layout);

/* Each writer appends its file to out. */
void emit_c_header(const struct emit_input *in, struct buffer *out);   /* NAME.h */
void emit_c_source(const struct emit_input *in, struct buffer *out);   /* NAME.c */
void emit_c_header_only(const struct emit_input *in, struct buffer *out); /* NAME_image.h */
void emit_raw(const struct emit_input *in, struct buffer *out);        /* NAME.bin */
void emit_asm(const struct emit_input *in, struct buffer *out);        /* NAME.S */
void emit_rust(const struct emit_input *in, struct buffer *out);       /* NAME.rs */
void emit_json(const struct emit_input *in, struct buffer *out);       /* NAME.json */

/* Appends the const assertions that end vdso_data.rs: every struct size,
 * field offset and size, and constant of the vdso_data.h this program was
 * built with, for the Rust types to match (emit_data_rust.c). */
void emit_data_rust_pins(struct buffer *out);

#define EMIT_JSON_SCHEMA "mkvdso-image/1"

struct vdso_image;
/* The symbols the outputs list, from a placed image mapped at base:
 * defined, non-local functions and objects (not ld's ABS version-node
 * symbols), each name once (the lowest symbol index wins), sorted by name.
 * The names point into the image.  NULL when out of memory. */
struct emit_symbol *emit_collect_symbols(const struct vdso_image *placed, uint64_t base,
					 size_t *count);

#endif
