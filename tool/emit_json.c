/* emit_json: NAME.json, the image's metadata for scripts.
 *
 * The schema string comes first and every key has a fixed place, so two
 * builds of the same image give the same bytes and a line-based diff of
 * two images is readable.  Integers are JSON numbers (user addresses stay
 * below 2^53 on every architecture mkvdso targets, so doubles hold them
 * exactly); the symbols come in the order given, sorted by name. */
#include "emit_internal.h"

#include <inttypes.h>

/* Strings as the project's JSON writer does them: ASCII output, any other
 * byte as \u00XX. */
static void json_string(struct buffer *b, const char *s)
{
	if (!s) {
		buffer_printf(b, "null");
		return;
	}
	buffer_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buffer_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			buffer_printf(b, "\\u%04x", *p);
		else
			buffer_append(b, p, 1);
	}
	buffer_append(b, "\"", 1);
}

static void key(struct buffer *b, const char *indent, const char *name)
{
	buffer_printf(b, "%s\"%s\": ", indent, name);
}

void emit_json(const struct emit_input *in, struct buffer *out)
{
	struct emit_layout layout;
	emit_layout(in, &layout);
	buffer_printf(out, "{\n  \"schema\": \"%s\",\n", EMIT_JSON_SCHEMA);
	key(out, "  ", "name");
	json_string(out, in->name);
	buffer_printf(out, ",\n");
	key(out, "  ", "arch");
	json_string(out, in->arch);
	buffer_printf(out, ",\n");
	buffer_printf(out, "  \"elf_class\": %u,\n", in->elf_class);
	buffer_printf(out, "  \"page_size\": %zu,\n", layout.page_size);
	buffer_printf(out, "  \"image_size\": %zu,\n", in->image_size);
	buffer_printf(out, "  \"image_pages\": %zu,\n", layout.pages);
	buffer_printf(out, "  \"image_padded_size\": %zu,\n", layout.padded_size);
	buffer_printf(out, "  \"base\": %" PRIu64 ",\n", in->base);
	buffer_printf(out, "  \"prelinked\": %s,\n", in->prelinked ? "true" : "false");
	key(out, "  ", "build_id");
	if (in->build_id && in->build_id_size) {
		buffer_printf(out, "\"");
		emit_build_id_hex(out, in);
		buffer_printf(out, "\",\n");
	} else {
		buffer_printf(out, "null,\n");
	}
	key(out, "  ", "raw_file");
	json_string(out, in->raw_name);
	buffer_printf(out, ",\n");

	key(out, "  ", "data_page");
	if (in->has_data_page)
		buffer_printf(out, "{\n    \"offset\": %" PRId64 ",\n    \"address\": %" PRIu64 ",\n"
				   "    \"size\": %zu,\n    \"version\": %u\n  },\n",
			      in->data_offset, in->base + (uint64_t)in->data_offset, in->data_size,
			      in->data_version);
	else
		buffer_printf(out, "null,\n");

	key(out, "  ", "sigtramp");
	const struct emit_symbol *tramp = emit_sigtramp(in);
	if (tramp) {
		buffer_printf(out, "{\n");
		key(out, "    ", "name");
		json_string(out, tramp->name);
		buffer_printf(out, ",\n    \"offset\": %" PRIu64 ",\n    \"address\": %" PRIu64 "\n  },\n",
			      tramp->offset, tramp->address);
	} else {
		buffer_printf(out, "null,\n");
	}

	buffer_printf(out, "  \"symbols\": [");
	for (size_t i = 0; i < in->symbol_count; i++) {
		const struct emit_symbol *sym = &in->symbols[i];
		buffer_printf(out, "%s\n    {\n", i ? "," : "");
		key(out, "      ", "name");
		json_string(out, sym->name);
		buffer_printf(out, ",\n");
		key(out, "      ", "version");
		json_string(out, sym->version);
		buffer_printf(out, ",\n");
		/* The <s> of the constants in the other formats. */
		key(out, "      ", "identifier");
		json_string(out, emit_symbol_stem(in, i));
		buffer_printf(out, ",\n      \"offset\": %" PRIu64 ",\n      \"address\": %" PRIu64
				   ",\n      \"size\": %" PRIu64 "\n    }",
			      sym->offset, sym->address, sym->size);
	}
	buffer_printf(out, "%s]\n}\n", in->symbol_count ? "\n  " : "");
}
