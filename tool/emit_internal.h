/* emit_internal: what the output writers share and the build command does
 * not need: reserving buffer space, the identifier scheme, and the fast
 * byte-array renderer. */
#ifndef MKVDSO_EMIT_INTERNAL_H
#define MKVDSO_EMIT_INTERNAL_H

#include "emit.h"

/* Makes room for size more bytes.  Unless b->failed is set afterwards, the
 * caller may write up to size bytes at b->data + b->size and then advance
 * b->size by what it wrote, with no reallocation in between. */
void buffer_reserve(struct buffer *b, size_t size);
/* buffer_printf leaves a NUL after the text (not counted in size), so a
 * scratch buffer filled only by it can be read as a string. */

/* The part of symbol i's constant names after PREFIX_SYM_: its name without
 * a leading "__kernel_" or "__vdso_" when that short name is unambiguous
 * (no other symbol has the same short name or is called that), otherwise
 * the whole name.  NULL if the name is not made of [A-Za-z0-9_] only: such
 * a symbol gets no constants (JSON still lists it). */
const char *emit_symbol_stem(const struct emit_input *in, size_t i);

/* The signal return trampoline among in->symbols, or NULL. */
const struct emit_symbol *emit_sigtramp(const struct emit_input *in);
/* What the kernel does instead where the image has no trampoline, or NULL. */
const char *emit_sigreturn_note(const struct emit_input *in);

/* Appends in->name in upper case (the macro and constant prefix). */
void emit_upper_name(struct buffer *b, const struct emit_input *in);
/* Appends in->name in CamelCase (Rust type names): "my_vdso" -> "MyVdso". */
void emit_camel_name(struct buffer *b, const struct emit_input *in);

/* Appends the names of the constants every format defines and what they
 * mean, one "<lead>  PREFIX_NAME  meaning" line each (the comment at the top
 * of each generated file). */
void emit_constant_names(struct buffer *b, const struct emit_input *in, const char *lead);

/* Appends the build id as lower-case hex ("" if there is none). */
void emit_build_id_hex(struct buffer *b, const struct emit_input *in);

/* Appends s for use inside a comment: characters other than [A-Za-z0-9_.@$]
 * become '?', so no name can end the comment or start a directive. */
void emit_comment_text(struct buffer *b, const char *s);

enum emit_string_syntax { EMIT_STRING_C, EMIT_STRING_RUST };
/* Appends s as a quoted string literal in syntax (NULL as ""). */
void emit_string_literal(struct buffer *b, const char *s, enum emit_string_syntax syntax);

/* A comment line naming a symbol (and its version) before its constants:
 * open, name[@version], then close; symbols whose name is no identifier
 * (stem NULL) are said to get no constants. */
void emit_symbol_heading(struct buffer *b, const struct emit_symbol *sym, const char *stem,
			 const char *open, const char *close);

/* Appends size bytes then padded_size - size zero bytes as decimal "%u,"
 * items (valid in C and Rust array initialisers), 32 to a line, each line
 * starting with indent.  Table-driven direct writes into a buffer reserved
 * once: this is the hot path of a large image. */
void emit_byte_items(struct buffer *b, const unsigned char *bytes, size_t size,
		     size_t padded_size, const char *indent);

#endif
