/* inspect: load → check → consumer models → report. */
#include "check.h"
#include "consumers.h"
#include "mkvdso.h"
#include "report.h"

#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_INPUT (256u << 20)
#define MAX_REQUIRES 64

struct inspect_args {
	struct mkvdso_ctx *ctx;
	const char *file;
	const char *arch_name;
	unsigned consumers;
	bool strict, forbid_syscalls;
	const char *syscall_insn;    /* parsed once the architecture is known */
	size_t max_input;
	struct symbol_requirement requires[MAX_REQUIRES];
	size_t require_count;
};

enum {
	OPT_ARCH = 0x100, OPT_LIBC, OPT_REQUIRE, OPT_STRICT, OPT_FORBID_SYSCALLS,
	OPT_MAX_INPUT, OPT_PRETTY, OPT_SYSCALL_INSN,
};

static const struct argp_option inspect_options[] = {
	{ "arch", OPT_ARCH, "NAME", 0,
	  "Target architecture (default: from e_machine): aarch64, arm, x86_64, i386, riscv64, "
	  "loongarch64, ppc64, s390x", 0 },
	{ "syscall-insn", OPT_SYSCALL_INSN, "INSN", 0,
	  "The kernel traps system calls with this instruction (a 32-bit word; x86: its bytes "
	  "in hex): its sites are listed, the signal trampoline must use it (see mkvdso build "
	  "--syscall-insn)", 0 },
	{ "libc", OPT_LIBC, "LIST", 0, "Only these consumers: musl,glibc,go,bionic (default all)", 0 },
	{ "require", OPT_REQUIRE, "SYMBOL@VERSION", 0,
	  "Also require this symbol (repeatable; @VERSION optional)", 0 },
	{ "strict", OPT_STRICT, NULL, 0, "Warnings are errors", 0 },
	{ "forbid-syscalls", OPT_FORBID_SYSCALLS, NULL, 0,
	  "System-call instructions in the code are errors", 0 },
	{ "max-input", OPT_MAX_INPUT, "BYTES", 0, "Refuse larger inputs (default 256 MiB)", 0 },
	{ "verbose", 'v', NULL, 0, "Also show how to fix each finding", 0 },
	{ "quiet", 'q', NULL, 0, "Print only warnings and errors", 0 },
	{ "json", 'j', NULL, 0, "JSON output (schema " INSPECT_SCHEMA ")", 0 },
	{ "pretty", OPT_PRETTY, NULL, 0, "Indented JSON output", 0 },
	{ 0 }
};

static bool parse_size(const char *text, size_t *out)
{
	uint64_t value;
	if (!parse_number(text, &value) || value == 0 || value > SIZE_MAX / 2)
		return false;
	*out = (size_t)value;
	return true;
}

static error_t parse_inspect(int key, char *arg, struct argp_state *state)
{
	struct inspect_args *args = state->input;
	const char *bad;
	switch (key) {
	case OPT_ARCH:
		if (!arch_by_name(arg))
			argp_error(state, "unknown architecture '%s'", arg);
		args->arch_name = arg;
		return 0;
	case OPT_LIBC:
		if (!consumer_parse_list(arg, &args->consumers, &bad))
			argp_error(state, "unknown consumer in '%s' (expected musl, glibc, go, bionic)", arg);
		return 0;
	case OPT_REQUIRE: {
		if (args->require_count == MAX_REQUIRES)
			argp_error(state, "more than %d --require options", MAX_REQUIRES);
		char *at = strchr(arg, '@');
		if (arg == at || (at && !at[1]))
			argp_error(state, "--require expects SYMBOL or SYMBOL@VERSION, got '%s'", arg);
		if (at)
			*at = '\0';
		args->requires[args->require_count++] =
			(struct symbol_requirement){ arg, at ? at + 1 : NULL };
		return 0;
	}
	case OPT_STRICT:
		args->strict = true;
		return 0;
	case OPT_SYSCALL_INSN:
		args->syscall_insn = arg;
		return 0;
	case OPT_FORBID_SYSCALLS:
		args->forbid_syscalls = true;
		return 0;
	case OPT_MAX_INPUT:
		if (!parse_size(arg, &args->max_input))
			argp_error(state, "--max-input expects a positive byte count, got '%s'", arg);
		return 0;
	case 'v':
		args->ctx->verbosity++;
		return 0;
	case 'q':
		args->ctx->verbosity = -1;
		return 0;
	case 'j':
		args->ctx->json = true;
		return 0;
	case OPT_PRETTY:
		args->ctx->json = args->ctx->pretty = true;
		return 0;
	case ARGP_KEY_ARG:
		if (args->file)
			argp_error(state, "only one FILE can be inspected at a time");
		args->file = arg;
		return 0;
	case ARGP_KEY_END:
		if (!args->file)
			argp_error(state, "no FILE given ('-' reads standard input)");
		if (args->syscall_insn && args->arch_name) {
			struct syscall_insn insn;
			const char *expected = syscall_insn_parse(arch_by_name(args->arch_name),
								  args->syscall_insn, &insn);
			if (expected)
				argp_error(state, "--syscall-insn expects %s for %s, got '%s'", expected,
					   args->arch_name, args->syscall_insn);
		}
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const char inspect_doc[] =
	"Report what a vDSO image holds and what musl, glibc, Go and bionic will do with it: "
	"call it, silently fall back to the system call, or crash."
	"\v"
	"Each finding has a rule id (see mkvdso-inspect(1)), a severity and the consumers it "
	"breaks.\n\n"
	"Exit status: 0 no errors; 1 errors found or the file is not a usable ELF image; "
	"2 I/O trouble; 64 usage error.";

static const struct argp inspect_argp = {
	inspect_options, parse_inspect, "FILE", inspect_doc, NULL, NULL, NULL,
};

int cmd_inspect(struct mkvdso_ctx *ctx, int argc, char **argv)
{
	struct inspect_args args = { .ctx = ctx, .consumers = CONSUMERS_ALL,
				     .max_input = DEFAULT_MAX_INPUT };
	argp_parse(&inspect_argp, argc, argv, 0, NULL, &args);
	const char *name = strcmp(args.file, "-") == 0 ? "<stdin>" : args.file;

	unsigned char *bytes;
	size_t size;
	int status = read_input(args.file, args.max_input, &bytes, &size);
	if (status != EXIT_OK)
		return status;

	struct vdso_image image;
	char error[256];
	switch (image_load(&image, name, bytes, size, error, sizeof error)) {
	case IMAGE_OK:
		break;
	case IMAGE_INVALID:
		diag_error(name, "%s", error);
		image_free(&image);
		free(bytes);
		return EXIT_INVALID;
	case IMAGE_NO_MEMORY:
		diag_error(name, "out of memory");
		image_free(&image);
		free(bytes);
		return EXIT_TROUBLE;
	}

	const struct arch_contract *arch = args.arch_name
		? arch_by_name(args.arch_name)
		: arch_for_machine(image.ehdr.e_machine, image.ehdr.e_ident[EI_CLASS]);
	struct syscall_insn trap = { .size = 0 };
	if (args.syscall_insn) {
		/* Without --arch the image names the architecture, and with it the
		 * form of the instruction. */
		const char *expected = arch ? syscall_insn_parse(arch, args.syscall_insn, &trap)
					    : "an image of a known architecture, or --arch";
		if (expected) {
			diag_error(name, "--syscall-insn '%s': expected %s", args.syscall_insn, expected);
			image_free(&image);
			free(bytes);
			return EXIT_USAGE;
		}
	}
	struct check_options options = {
		.arch = arch, .requires = args.requires, .require_count = args.require_count,
		.forbid_syscalls = args.forbid_syscalls, .strict = args.strict,
		.consumers = args.consumers, .have_syscall_insn = args.syscall_insn != NULL,
		.syscall_insn = trap,
	};
	struct findings findings = { 0 };
	struct verdicts verdicts = { 0 };
	check_image(&image, &options, &findings);
	/* The consumer models assume the image's machine; with a mismatching
	 * --arch there is nothing meaningful to model. */
	const struct arch_contract *modelled = arch_for_machine(image.ehdr.e_machine,
								 image.ehdr.e_ident[EI_CLASS]);
	bool ok = !findings.out_of_memory &&
		  consumers_evaluate(&image, modelled == arch ? arch : NULL, args.consumers, &verdicts);
	if (!ok) {
		diag_error(name, "out of memory");
		status = EXIT_TROUBLE;
	} else {
		struct report_input in = { name, &image, arch, &findings, &verdicts };
		if (ctx->json)
			report_json(stdout, &in, ctx->pretty);
		else
			report_text(stdout, &in, ctx->verbosity < 0 ? REPORT_QUIET :
					    ctx->verbosity > 0 ? REPORT_VERBOSE : REPORT_NORMAL);
		if (fflush(stdout) != 0) {
			diag_error("<stdout>", "write failed");
			status = EXIT_TROUBLE;
		} else {
			status = findings_count(&findings, SEVERITY_ERROR) ? EXIT_INVALID : EXIT_OK;
		}
	}
	verdicts_free(&verdicts);
	findings_free(&findings);
	image_free(&image);
	free(bytes);
	return status;
}
