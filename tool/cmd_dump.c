/* dump: write this process's own vDSO, section headers included.
 *
 * The kernel maps the whole page-rounded file, so the image is everything
 * up to the end of the PT_LOADs or of the section header table, whichever
 * is later; /proc/self/maps bounds every read of the mapping. */
#include "mkvdso.h"

#include <argp.h>
#include <elf.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

struct dump_args {
	const char *output;
};

static const struct argp_option dump_options[] = {
	{ "output", 'o', "FILE", 0, "Write the image to FILE (default: standard output)", 0 },
	{ 0 }
};

static error_t parse_dump(int key, char *arg, struct argp_state *state)
{
	struct dump_args *args = state->input;
	switch (key) {
	case 'o':
		args->output = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp dump_argp = {
	dump_options, parse_dump, NULL,
	"Write the vDSO the running kernel gave this process (AT_SYSINFO_EHDR) to a file."
	"\vExit status: 0 success; 2 no vDSO or I/O trouble; 64 usage error.",
	NULL, NULL, NULL,
};

/* The [vdso] mapping's end, from /proc/self/maps. */
static bool vdso_mapping(uintptr_t ehdr, uintptr_t *end)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	if (!maps)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof line, maps)) {
		uintptr_t start, stop;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &start, &stop) == 2 &&
		    start <= ehdr && ehdr < stop) {
			*end = stop;
			found = true;
		}
	}
	fclose(maps);
	return found;
}

int cmd_dump(struct mkvdso_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	struct dump_args args = { "-" };
	argp_parse(&dump_argp, argc, argv, 0, NULL, &args);
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR), end;
	if (!base) {
		diag_error(NULL, "this process has no vDSO (AT_SYSINFO_EHDR is absent)");
		return EXIT_TROUBLE;
	}
	if (!vdso_mapping(base, &end) || end - base < sizeof(ElfW(Ehdr))) {
		diag_error(NULL, "cannot find the vDSO mapping in /proc/self/maps");
		return EXIT_TROUBLE;
	}
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	uintptr_t limit = end - base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_phoff > limit ||
	    eh->e_phnum > (limit - eh->e_phoff) / sizeof(ElfW(Phdr))) {
		diag_error(NULL, "the vDSO at %#" PRIxPTR " has no valid ELF header", base);
		return EXIT_TROUBLE;
	}
	uintptr_t size = eh->e_phoff + eh->e_phnum * sizeof(ElfW(Phdr));
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	if (eh->e_shoff && eh->e_shoff + (uintptr_t)eh->e_shnum * eh->e_shentsize > size)
		size = eh->e_shoff + (uintptr_t)eh->e_shnum * eh->e_shentsize;
	if (size > limit) {
		diag_error(NULL, "the vDSO's headers claim %" PRIuPTR " bytes, the mapping has %"
			   PRIuPTR, size, limit);
		return EXIT_TROUBLE;
	}
	return write_output_atomic(args.output, eh, size);
}
