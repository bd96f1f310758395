/* report: text and JSON renderings of an inspected image. */
#include "report.h"
#include "emit.h"
#include "json.h"

#include <inttypes.h>
#include <string.h>

static const struct { int64_t tag; const char *name; } tag_names[] = {
	{ DT_NULL, "NULL" }, { DT_NEEDED, "NEEDED" }, { DT_PLTRELSZ, "PLTRELSZ" },
	{ DT_PLTGOT, "PLTGOT" }, { DT_HASH, "HASH" }, { DT_STRTAB, "STRTAB" },
	{ DT_SYMTAB, "SYMTAB" }, { DT_RELA, "RELA" }, { DT_RELASZ, "RELASZ" },
	{ DT_RELAENT, "RELAENT" }, { DT_STRSZ, "STRSZ" }, { DT_SYMENT, "SYMENT" },
	{ DT_INIT, "INIT" }, { DT_FINI, "FINI" }, { DT_SONAME, "SONAME" },
	{ DT_RPATH, "RPATH" }, { DT_SYMBOLIC, "SYMBOLIC" }, { DT_REL, "REL" },
	{ DT_RELSZ, "RELSZ" }, { DT_RELENT, "RELENT" }, { DT_PLTREL, "PLTREL" },
	{ DT_DEBUG, "DEBUG" }, { DT_TEXTREL, "TEXTREL" }, { DT_JMPREL, "JMPREL" },
	{ DT_BIND_NOW, "BIND_NOW" }, { DT_INIT_ARRAY, "INIT_ARRAY" },
	{ DT_FINI_ARRAY, "FINI_ARRAY" }, { DT_INIT_ARRAYSZ, "INIT_ARRAYSZ" },
	{ DT_FINI_ARRAYSZ, "FINI_ARRAYSZ" }, { DT_RUNPATH, "RUNPATH" }, { DT_FLAGS, "FLAGS" },
	{ DT_PREINIT_ARRAY, "PREINIT_ARRAY" }, { DT_PREINIT_ARRAYSZ, "PREINIT_ARRAYSZ" },
	{ DT_RELRSZ, "RELRSZ" }, { DT_RELR, "RELR" }, { DT_RELRENT, "RELRENT" },
	{ DT_GNU_HASH, "GNU_HASH" }, { DT_VERSYM, "VERSYM" }, { DT_RELACOUNT, "RELACOUNT" },
	{ DT_RELCOUNT, "RELCOUNT" }, { DT_FLAGS_1, "FLAGS_1" }, { DT_VERDEF, "VERDEF" },
	{ DT_VERDEFNUM, "VERDEFNUM" }, { DT_VERNEED, "VERNEED" }, { DT_VERNEEDNUM, "VERNEEDNUM" },
};

const char *dynamic_tag_name(int64_t tag)
{
	for (size_t i = 0; i < sizeof tag_names / sizeof tag_names[0]; i++)
		if (tag_names[i].tag == tag)
			return tag_names[i].name;
	return NULL;
}

static const char *segment_type_name(uint32_t type)
{
	switch (type) {
	case PT_NULL: return "NULL";
	case PT_LOAD: return "LOAD";
	case PT_DYNAMIC: return "DYNAMIC";
	case PT_INTERP: return "INTERP";
	case PT_NOTE: return "NOTE";
	case PT_PHDR: return "PHDR";
	case PT_TLS: return "TLS";
	case PT_GNU_EH_FRAME: return "GNU_EH_FRAME";
	case PT_GNU_STACK: return "GNU_STACK";
	case PT_GNU_RELRO: return "GNU_RELRO";
	case PT_GNU_PROPERTY: return "GNU_PROPERTY";
	}
	return "OTHER";
}

static const char *symbol_type_name(uint8_t type)
{
	static const char *const names[] = { "NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE",
					     "COMMON", "TLS" };
	if (type < sizeof names / sizeof names[0])
		return names[type];
	return type == STT_GNU_IFUNC ? "IFUNC" : "OTHER";
}

static const char *symbol_bind_name(uint8_t bind)
{
	switch (bind) {
	case STB_LOCAL: return "LOCAL";
	case STB_GLOBAL: return "GLOBAL";
	case STB_WEAK: return "WEAK";
	case STB_GNU_UNIQUE: return "UNIQUE";
	}
	return "OTHER";
}

static const char *symbol_visibility_name(uint8_t visibility)
{
	static const char *const names[] = { "DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED" };
	return names[visibility & 3];
}

static void symbol_section(char *buf, size_t size, uint16_t shndx)
{
	if (shndx == SHN_UNDEF)
		snprintf(buf, size, "UNDEF");
	else if (shndx == SHN_ABS)
		snprintf(buf, size, "ABS");
	else
		snprintf(buf, size, "%u", shndx);
}

static void flags_text(char buf[4], uint32_t flags)
{
	buf[0] = flags & PF_R ? 'R' : '-';
	buf[1] = flags & PF_W ? 'W' : '-';
	buf[2] = flags & PF_X ? 'E' : '-';
	buf[3] = '\0';
}

static void build_id_hex(char *buf, size_t size, const struct vdso_image *image)
{
	buf[0] = '\0';
	for (size_t i = 0; i < image->build_id_size && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", image->build_id[i]);
}

static uint64_t load_size(const struct vdso_image *image)
{
	const struct vdso_segment *load = image_first_segment(image, PT_LOAD);
	return load ? load->memsz : 0;
}

static const char *consumer_list(char *buf, size_t size, unsigned mask)
{
	buf[0] = '\0';
	for (int c = 0; c < CONSUMER_COUNT; c++)
		if (mask & CONSUMER_BIT(c))
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "," : "",
				 consumer_name(c));
	if (mask & CONSUMER_KERNEL_BIT)
		snprintf(buf + strlen(buf), size - strlen(buf), "%skernel", buf[0] ? "," : "");
	return buf;
}

/* The symbols worth listing: defined or imported, not the null entry. */
static bool listed(const struct vdso_symbol *sym)
{
	return sym->index != 0 && sym->name && sym->name[0];
}

static void text_summary(FILE *out, const struct report_input *in)
{
	const struct vdso_image *image = in->image;
	const GElf_Ehdr *eh = &image->ehdr;
	char build_id[130];
	build_id_hex(build_id, sizeof build_id, image);
	const struct arch_contract *machine = arch_for_machine(eh->e_machine, eh->e_ident[EI_CLASS]);
	fprintf(out, "%s: ELF%d %s-endian, machine %u (%s), %s\n", in->name,
		eh->e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32,
		image->view.big_endian ? "big" : "little", eh->e_machine,
		machine ? machine->name : "unknown",
		eh->e_type == ET_DYN ? "shared object" : "not a shared object");
	fprintf(out, "  soname:   %s\n", image->soname ? image->soname : "(none)");
	fprintf(out, "  build id: %s\n", build_id[0] ? build_id : "(none)");
	fprintf(out, "  size:     %" PRIu64 " bytes in the file, %" PRIu64
		" loaded, %" PRIu64 " pages of %u mapped\n", image->view.file_size,
		load_size(image), image->view.map_size / VIEW_PAGE_SIZE, VIEW_PAGE_SIZE);

	fprintf(out, "\nSegments:\n  %-3s %-12s %-10s %-18s %-10s %-10s %-3s %s\n", "#", "type",
		"offset", "vaddr", "filesz", "memsz", "flg", "align");
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *s = &image->segments[i];
		char flags[4];
		flags_text(flags, s->flags);
		fprintf(out, "  %-3zu %-12s %#-10" PRIx64 " %#-18" PRIx64 " %#-10" PRIx64
			" %#-10" PRIx64 " %-3s %#" PRIx64 "\n", i, segment_type_name(s->type),
			s->offset, s->vaddr, s->filesz, s->memsz, flags, s->align);
	}

	fprintf(out, "\nDynamic entries (%zu):\n", image->dynamic_count);
	for (size_t i = 0; i < image->dynamic_count; i++) {
		const GElf_Dyn *d = &image->dynamic[i];
		const char *name = dynamic_tag_name(d->d_tag);
		char tag[24];
		if (name)
			snprintf(tag, sizeof tag, "%s", name);
		else
			snprintf(tag, sizeof tag, "%#" PRIx64, (uint64_t)d->d_tag);
		fprintf(out, "  %-14s %#" PRIx64 "%s%s\n", tag, (uint64_t)d->d_un.d_val,
			d->d_tag == DT_SONAME && image->soname ? "  " : "",
			d->d_tag == DT_SONAME && image->soname ? image->soname : "");
	}

	if (image->verdef_count)
		fprintf(out, "\nVersion definitions (%zu):\n", image->verdef_count);
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		fprintf(out, "  [%u] %-5s %-20s hash %#x\n", def->ndx & 0x7fff,
			def->flags & VER_FLG_BASE ? "BASE" : "", def->name ? def->name : "?", def->hash);
	}

	size_t listed_count = 0;
	for (size_t i = 0; i < image->symbol_count; i++)
		listed_count += listed(&image->symbols[i]);
	fprintf(out, "\nSymbols (%zu):\n  %-10s %-6s %-7s %-7s %-9s %-5s %-14s %s\n",
		listed_count, "offset", "size", "type", "bind", "vis", "shndx", "version",
		"name");
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!listed(sym))
			continue;
		uint64_t offset;
		char off_text[24], section[8];
		if (sym->shndx != SHN_UNDEF && sym->shndx != SHN_ABS &&
		    image_addr_to_offset(image, sym->value, 1, &offset))
			snprintf(off_text, sizeof off_text, "%#" PRIx64, offset);
		else
			snprintf(off_text, sizeof off_text, "-");
		symbol_section(section, sizeof section, sym->shndx);
		const char *version = !sym->has_versym ? "-" :
				      (sym->versym & 0x7fff) == 0 ? "*local*" :
				      (sym->versym & 0x7fff) == 1 ? "*global*" :
				      sym->version ? sym->version : "?";
		fprintf(out, "  %-10s %-6" PRIu64 " %-7s %-7s %-9s %-5s %-14s %s\n", off_text,
			sym->size, symbol_type_name(sym->type), symbol_bind_name(sym->bind),
			symbol_visibility_name(sym->visibility), section, version, sym->name);
	}
}

static void text_findings(FILE *out, const struct report_input *in, enum report_detail detail)
{
	size_t shown = 0;
	for (size_t i = 0; i < in->findings->count; i++) {
		const struct finding *f = &in->findings->items[i];
		if (f->severity == SEVERITY_NOTE && detail == REPORT_QUIET)
			continue;
		if (shown++ == 0)
			fprintf(out, "%sFindings:\n", detail == REPORT_QUIET ? "" : "\n");
		char consumers[64];
		consumer_list(consumers, sizeof consumers, f->rule->consumers);
		fprintf(out, "  %-7s %-20s %s: %s%s%s%s\n", severity_name(f->severity), f->rule->id,
			f->place, f->message, consumers[0] ? " [" : "", consumers,
			consumers[0] ? "]" : "");
		if (detail == REPORT_VERBOSE && f->severity != SEVERITY_NOTE)
			fprintf(out, "          fix: %s\n", f->rule->fix);
	}
}

static void text_verdicts(FILE *out, const struct report_input *in)
{
	if (!in->verdicts->count)
		return;
	fprintf(out, "\nConsumers (what each libc does with this image):\n");
	for (size_t i = 0; i < in->verdicts->count; i++) {
		const struct verdict *v = &in->verdicts->items[i];
		const struct consumer_lookup *l = v->lookup;
		char function[96], who[40];
		snprintf(who, sizeof who, "%s %s", consumer_name(l->consumer), v->releases);
		if (l->symbol)
			snprintf(function, sizeof function, "%s%s%s", l->symbol,
				 l->version ? "@" : "", l->version ? l->version : "");
		else
			snprintf(function, sizeof function, "(no lookup)");
		const struct outcome_detail *s = &v->linkage[LINK_STATIC];
		const struct outcome_detail *d = &v->linkage[LINK_DYNAMIC];
		bool same = s->outcome == d->outcome && strcmp(s->reason, d->reason) == 0;
		if (same) {
			fprintf(out, "  %-16s %-36s %-8s %s\n", who, function, outcome_name(s->outcome),
				s->reason);
		} else {
			fprintf(out, "  %-16s %-36s static:  %-8s %s\n", who, function,
				outcome_name(s->outcome), s->reason);
			fprintf(out, "  %-16s %-36s dynamic: %-8s %s\n", "", "",
				outcome_name(d->outcome), d->reason);
		}
	}
}

void report_text(FILE *out, const struct report_input *in, enum report_detail detail)
{
	if (detail != REPORT_QUIET)
		text_summary(out, in);
	text_findings(out, in, detail);
	if (detail != REPORT_QUIET)
		text_verdicts(out, in);
	size_t errors = findings_count(in->findings, SEVERITY_ERROR);
	size_t warnings = findings_count(in->findings, SEVERITY_WARNING);
	if (detail != REPORT_QUIET || errors || warnings)
		fprintf(out, "%s%s: %zu error%s, %zu warning%s\n", detail == REPORT_QUIET ? "" : "\n",
			in->name, errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
}

static void json_outcome(struct json *j, const char *key, const struct outcome_detail *d)
{
	json_begin_object(j, key);
	json_string(j, "outcome", outcome_name(d->outcome));
	if (d->outcome == OUTCOME_USES)
		json_uint(j, "offset", d->offset);
	json_string(j, "reason", d->reason);
	json_end_object(j);
}

void report_json(FILE *out, const struct report_input *in, bool pretty)
{
	const struct vdso_image *image = in->image;
	struct json j;
	char text[160];
	json_init(&j, out, pretty);
	json_begin_object(&j, NULL);
	json_string(&j, "schema", INSPECT_SCHEMA);
	json_string(&j, "file", in->name);
	json_uint(&j, "class", image->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32);
	json_string(&j, "byte_order", image->view.big_endian ? "big" : "little");
	json_uint(&j, "machine", image->ehdr.e_machine);
	json_string(&j, "arch", in->arch ? in->arch->name : NULL);
	json_uint(&j, "type", image->ehdr.e_type);
	json_string(&j, "soname", image->soname);
	build_id_hex(text, sizeof text, image);
	json_string(&j, "build_id", text[0] ? text : NULL);
	json_uint(&j, "file_size", image->view.file_size);
	json_uint(&j, "load_size", load_size(image));

	json_begin_array(&j, "segments");
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct vdso_segment *s = &image->segments[i];
		json_begin_object(&j, NULL);
		json_string(&j, "type", segment_type_name(s->type));
		json_uint(&j, "p_type", s->type);
		flags_text(text, s->flags);
		json_string(&j, "flags", text);
		json_uint(&j, "offset", s->offset);
		json_uint(&j, "vaddr", s->vaddr);
		json_uint(&j, "filesz", s->filesz);
		json_uint(&j, "memsz", s->memsz);
		json_uint(&j, "align", s->align);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_begin_array(&j, "dynamic");
	for (size_t i = 0; i < image->dynamic_count; i++) {
		const GElf_Dyn *d = &image->dynamic[i];
		json_begin_object(&j, NULL);
		const char *name = dynamic_tag_name(d->d_tag);
		if (name)
			snprintf(text, sizeof text, "DT_%s", name);
		else
			snprintf(text, sizeof text, "%#" PRIx64, (uint64_t)d->d_tag);
		json_string(&j, "tag", text);
		json_uint(&j, "value", d->d_un.d_val);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_begin_array(&j, "symbols");
	for (size_t i = 0; i < image->symbol_count; i++) {
		const struct vdso_symbol *sym = &image->symbols[i];
		if (!listed(sym))
			continue;
		uint64_t offset;
		json_begin_object(&j, NULL);
		json_uint(&j, "index", sym->index);
		json_string(&j, "name", sym->name);
		json_string(&j, "version", sym->version);
		json_string(&j, "type", symbol_type_name(sym->type));
		json_string(&j, "bind", symbol_bind_name(sym->bind));
		json_string(&j, "visibility", symbol_visibility_name(sym->visibility));
		symbol_section(text, sizeof text, sym->shndx);
		json_string(&j, "section", text);
		json_uint(&j, "value", sym->value);
		if (sym->shndx != SHN_UNDEF && sym->shndx != SHN_ABS &&
		    image_addr_to_offset(image, sym->value, 1, &offset))
			json_uint(&j, "offset", offset);
		json_uint(&j, "size", sym->size);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_begin_array(&j, "versions");
	for (size_t i = 0; i < image->verdef_count; i++) {
		const struct vdso_verdef *def = &image->verdefs[i];
		json_begin_object(&j, NULL);
		json_uint(&j, "index", def->ndx & 0x7fff);
		json_bool(&j, "base", def->flags & VER_FLG_BASE);
		json_string(&j, "name", def->name);
		json_uint(&j, "hash", def->hash);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_begin_array(&j, "findings");
	for (size_t i = 0; i < in->findings->count; i++) {
		const struct finding *f = &in->findings->items[i];
		json_begin_object(&j, NULL);
		json_string(&j, "rule", f->rule->id);
		json_string(&j, "severity", severity_name(f->severity));
		json_string(&j, "place", f->place);
		json_string(&j, "message", f->message);
		json_begin_array(&j, "consumers");
		for (int c = 0; c < CONSUMER_COUNT; c++)
			if (f->rule->consumers & CONSUMER_BIT(c))
				json_string(&j, NULL, consumer_name(c));
		if (f->rule->consumers & CONSUMER_KERNEL_BIT)
			json_string(&j, NULL, "kernel");
		json_end_array(&j);
		json_string(&j, "fix", f->rule->fix);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_begin_array(&j, "verdicts");
	for (size_t i = 0; i < in->verdicts->count; i++) {
		const struct verdict *v = &in->verdicts->items[i];
		json_begin_object(&j, NULL);
		json_string(&j, "consumer", consumer_name(v->lookup->consumer));
		json_string(&j, "releases", v->releases);
		json_string(&j, "function", v->lookup->symbol);
		json_string(&j, "version", v->lookup->version);
		json_outcome(&j, "static", &v->linkage[LINK_STATIC]);
		json_outcome(&j, "dynamic", &v->linkage[LINK_DYNAMIC]);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_uint(&j, "errors", findings_count(in->findings, SEVERITY_ERROR));
	json_uint(&j, "warnings", findings_count(in->findings, SEVERITY_WARNING));
	json_end_object(&j);
	json_finish(&j);
}

/* --- mkvdso build's summary --- */

/* clock_gettime for __kernel_clock_gettime and __vdso_clock_gettime. */
static const char *function_name(const char *symbol)
{
	static const char *const prefixes[] = { "__kernel_", "__vdso_" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t len = strlen(prefixes[i]);
		if (strncmp(symbol, prefixes[i], len) == 0 && symbol[len])
			return symbol + len;
	}
	return symbol;
}

/* Whether v is a stand-in that is not called because the function it
 * stands in for (struct lookup_condition, !resolves), a verdict of the same
 * consumer in any release range, is used. */
static bool stood_in(const struct verdict *v, const struct verdicts *all)
{
	const struct lookup_condition *cond = v->lookup->only_if;
	if (!cond || cond->resolves)
		return false;
	for (size_t i = 0; i < all->count; i++) {
		const struct verdict *other = &all->items[i];
		if (other->lookup->consumer == v->lookup->consumer && other->lookup->symbol &&
		    strcmp(other->lookup->symbol, cond->symbol) == 0)
			return other->linkage[LINK_STATIC].outcome == OUTCOME_USES &&
			       other->linkage[LINK_DYNAMIC].outcome == OUTCOME_USES;
	}
	return false;
}

/* One consumer release range: which functions it calls in the vDSO, for
 * which it falls back, which crash, "(dynamic)" where only one kind of
 * program is affected. */
static void summary_consumer(FILE *out, const char *label, const struct verdict *first,
			     size_t count, const struct verdicts *all)
{
	static const enum outcome order[] = { OUTCOME_USES, OUTCOME_FALLBACK, OUTCOME_CRASH };
	static const char *const words[] = { "uses", "falls back for", "crashes on" };
	char who[40];
	snprintf(who, sizeof who, "%s %s", consumer_name(first->lookup->consumer), first->releases);
	fprintf(out, "  %-10s %-16s", label, who);
	if (!first->lookup->symbol) {
		fprintf(out, " never uses the vDSO here: %s\n", first->lookup->note);
		return;
	}
	const char *separator = " ";
	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
		bool any = false;
		for (size_t i = 0; i < count; i++) {
			const struct outcome_detail *s = &first[i].linkage[LINK_STATIC];
			const struct outcome_detail *d = &first[i].linkage[LINK_DYNAMIC];
			if (s->outcome != order[o] && d->outcome != order[o])
				continue;
			/* A stand-in called only without another function (musl's
			 * time32 entry on arm) is no fallback of the program's. */
			if (order[o] == OUTCOME_FALLBACK && stood_in(&first[i], all))
				continue;
			fprintf(out, "%s%s %s", any ? "," : separator, any ? "" : words[o],
				function_name(first[i].lookup->symbol));
			if (s->outcome != d->outcome)
				fputs(s->outcome == order[o] ? " (static)" : " (dynamic)", out);
			any = true;
		}
		if (any)
			separator = "; ";
	}
	fputc('\n', out);
}

static void summary_consumers(FILE *out, const struct verdicts *verdicts)
{
	const char *label = "consumers";
	for (size_t i = 0; i < verdicts->count;) {
		size_t n = 1;
		while (i + n < verdicts->count &&
		       verdicts->items[i + n].lookup->consumer == verdicts->items[i].lookup->consumer &&
		       strcmp(verdicts->items[i + n].releases, verdicts->items[i].releases) == 0)
			n++;
		/* A release range whose functions all stand in for others used
		 * (glibc 2.34+'s time32 entry on arm) says nothing. */
		size_t stood = 0;
		for (size_t k = 0; k < n; k++)
			stood += stood_in(&verdicts->items[i + k], verdicts);
		if (stood < n) {
			summary_consumer(out, label, &verdicts->items[i], n, verdicts);
			label = "";
		}
		i += n;
	}
}

void report_build_summary(FILE *out, const struct build_summary *s)
{
	const struct emit_input *in = s->placed;
	struct emit_layout layout;
	emit_layout(in, &layout);
	size_t pages = layout.pages;
	if (s->prebuilt)
		fprintf(out, "placed %s (%s) for AT_SYSINFO_EHDR 0x%" PRIx64, s->prebuilt, in->arch,
			in->base);
	else
		fprintf(out, "built the %s vDSO for AT_SYSINFO_EHDR 0x%" PRIx64, in->arch, in->base);
	fputs(in->prelinked ? ", prelinked (linked at that address)\n" : "\n", out);
	fprintf(out, "  image      %zu bytes, %zu page%s of %zu mapped read+execute at 0x%" PRIx64,
		in->image_size, pages, pages == 1 ? "" : "s", layout.page_size, in->base);
	if (in->build_id_size) {
		fputs(", build id ", out);
		for (size_t i = 0; i < in->build_id_size; i++)
			fprintf(out, "%02x", in->build_id[i]);
	}
	fputc('\n', out);
	for (size_t i = 0; i < in->symbol_count; i++) {
		const struct emit_symbol *sym = &in->symbols[i];
		fprintf(out, "  %-10s 0x%" PRIx64 " %s%s%s%s\n", i ? "" : "symbols", sym->address,
			sym->name, sym->version ? "@" : "", sym->version ? sym->version : "",
			in->sigtramp && strcmp(in->sigtramp, sym->name) == 0
				? " (signal return: the handlers' return address)" : "");
	}
	if (in->has_data_page)
		fprintf(out, "  data page  0x%" PRIx64 ", %zu bytes, layout version %u: map it "
			"read-only, write it with vdso_data.h\n",
			in->base + (uint64_t)in->data_offset, in->data_size, in->data_version);
	summary_consumers(out, s->verdicts);
	size_t dir_len = strlen(s->output_dir);
	fprintf(out, "  files      %s/:", s->output_dir);
	for (size_t i = 0; i < s->path_count; i++) {
		const char *path = s->paths[i];
		bool in_dir = strncmp(path, s->output_dir, dir_len) == 0 && path[dir_len] == '/' &&
			      !strchr(path + dir_len + 1, '/');
		fprintf(out, " %s", in_dir ? path + dir_len + 1 : path);
	}
	fputc('\n', out);
}
