/* build: (compile | ingest) → load → check → place → reload and re-check →
 * emit.  Every output is rendered in memory first; files are written only
 * after every check has passed, each one atomically. */
#include "check.h"
#include "consumers.h"
#include "emit.h"
#include "io.h"
#include "mkvdso.h"
#include "place.h"
#include "probe.h"
#include "report.h"
#include "toolchain.h"
#include "vdso_data.h"

#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_INPUT (256u << 20)
#define DEFAULT_ARCH "aarch64"

enum format {
	FORMAT_C = 1 << 0,
	FORMAT_RAW = 1 << 1,
	FORMAT_ASM = 1 << 2,
	FORMAT_RUST = 1 << 3,
	FORMAT_JSON = 1 << 4,
	FORMAT_ALL = (1 << 5) - 1,
};

static const struct { const char *name; unsigned bit; } format_names[] = {
	{ "c", FORMAT_C }, { "raw", FORMAT_RAW }, { "asm", FORMAT_ASM },
	{ "rust", FORMAT_RUST }, { "json", FORMAT_JSON },
};

struct build_args {
	struct mkvdso_ctx *ctx;
	const char *prebuilt;
	const char *arch_name;
	const char *cross_compile;
	const char *cc;
	const char *script;
	const char *output_dir;
	const char *name;
	const char *depfile;
	bool have_base, prelink, strict, probe;
	uint64_t base;
	const char *syscall_insn_text;   /* parsed at the end, once --arch is known */
	bool have_syscall_insn;
	struct syscall_insn syscall_insn;
	const char *hash_style;
	unsigned formats;
	size_t max_size;             /* 0: no limit */
	size_t max_input;
};

enum {
	OPT_PREBUILT = 0x100, OPT_ARCH, OPT_CROSS, OPT_BASE, OPT_PRELINK, OPT_FORMAT,
	OPT_DEPFILE, OPT_MAX_SIZE, OPT_SYSCALL_INSN, OPT_STRICT, OPT_MAX_INPUT, OPT_HASH_STYLE,
	OPT_CC, OPT_PROBE,
};

static const struct argp_option build_options[] = {
	{ "prebuilt", OPT_PREBUILT, "FILE", 0, "Use this vDSO instead of compiling the built-in one", 0 },
	{ "base", OPT_BASE, "ADDR", 0, "User address the kernel maps the image at (required; hex or decimal, page-aligned)", 0 },
	{ "prelink", OPT_PRELINK, NULL, 0, "Also link the file itself at ADDR (bionic then ignores it)", 0 },
	{ "arch", OPT_ARCH, "NAME", 0, "Target architecture (default: aarch64, or the prebuilt image's); built-in vDSOs: aarch64, x86_64, riscv64, arm", 0 },
	{ "cross-compile", OPT_CROSS, "PREFIX", 0, "Compiler and binutils prefix (default: $CROSS_COMPILE, then aarch64-linux-gnu- for aarch64, riscv64-linux-gnu- for riscv64, arm-linux-gnueabihf- for arm, none for x86_64)", 0 },
	{ "cc", OPT_CC, "NAME", 0, "The C compiler (default: PREFIXgcc); a clang gets --target for the architecture, as Kbuild's LLVM=1", 0 },
	{ "script", 'T', "FILE", 0, "Linker script for the built-in vDSO (default: the shipped vdso/ARCH/vdso.lds)", 0 },
	{ "syscall-insn", OPT_SYSCALL_INSN, "INSN", 0, "Instruction to make system calls with: aarch64, riscv64 and arm a 32-bit word instead of svc #0 or ecall (e.g. 0xdeadbeef), x86_64 its bytes in hex instead of syscall (e.g. 0f0b for ud2)", 0 },
	{ "hash-style", OPT_HASH_STYLE, "STYLE", 0, "Hash tables of the built-in vDSO: sysv or both (default: Linux's, sysv for aarch64 and arm, both for x86_64 and riscv64)", 0 },
	{ "format", OPT_FORMAT, "LIST", 0, "Outputs: c,raw,asm,rust,json (default: all)", 0 },
	{ "output", 'o', "DIR", 0, "Write the outputs into DIR (default: .)", 0 },
	{ "name", 'n', "PREFIX", 0, "Prefix of generated files and identifiers (default: vdso)", 0 },
	{ "depfile", OPT_DEPFILE, "FILE", 0, "Write Make-syntax dependencies of the outputs", 0 },
	{ "probe", OPT_PROBE, NULL, 0, "Also write NAME-probe: a static program to run inside the kernel under test that checks it maps, fills and serves this very image (built with --cc or the architecture's cross compiler, also for --prebuilt)", 0 },
	{ "max-size", OPT_MAX_SIZE, "BYTES", 0, "Fail if the image is larger (the kernel's buffer)", 0 },
	{ "strict", OPT_STRICT, NULL, 0, "Warnings are errors", 0 },
	{ "max-input", OPT_MAX_INPUT, "BYTES", 0, "Refuse larger prebuilt inputs (default 256 MiB)", 0 },
	{ "verbose", 'v', NULL, 0, "Show the commands run", 0 },
	{ "quiet", 'q', NULL, 0, "Print only errors", 0 },
	{ 0 }
};

static bool valid_identifier(const char *name)
{
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return strlen(name) <= 64;
}

static error_t parse_build(int key, char *arg, struct argp_state *state)
{
	struct build_args *args = state->input;
	uint64_t value;
	switch (key) {
	case OPT_PREBUILT: args->prebuilt = arg; return 0;
	case OPT_ARCH:
		if (!arch_by_name(arg))
			argp_error(state, "unknown architecture '%s'", arg);
		args->arch_name = arg;
		return 0;
	case OPT_CROSS: args->cross_compile = arg; return 0;
	case OPT_CC: args->cc = arg; return 0;
	case 'T': args->script = arg; return 0;
	case 'o': args->output_dir = arg; return 0;
	case 'n':
		if (!valid_identifier(arg))
			argp_error(state, "--name '%s' is not a C identifier of at most 64 characters", arg);
		args->name = arg;
		return 0;
	case OPT_DEPFILE: args->depfile = arg; return 0;
	case OPT_PRELINK: args->prelink = true; return 0;
	case OPT_STRICT: args->strict = true; return 0;
	case OPT_PROBE: args->probe = true; return 0;
	case OPT_BASE:
		if (!parse_number(arg, &args->base))
			argp_error(state, "--base expects an address (hex with 0x, or decimal), got '%s'", arg);
		args->have_base = true;
		return 0;
	case OPT_HASH_STYLE:
		/* No gnu: musl needs DT_HASH, so that image would be refused. */
		if (strcmp(arg, "sysv") != 0 && strcmp(arg, "both") != 0)
			argp_error(state, "--hash-style expects sysv or both, got '%s'", arg);
		args->hash_style = arg;
		return 0;
	case OPT_SYSCALL_INSN:
		args->syscall_insn_text = arg;
		args->have_syscall_insn = true;
		return 0;
	case OPT_MAX_SIZE:
	case OPT_MAX_INPUT:
		if (!parse_number(arg, &value) || value == 0 || value > SIZE_MAX / 2)
			argp_error(state, "--%s expects a positive byte count, got '%s'",
				   key == OPT_MAX_SIZE ? "max-size" : "max-input", arg);
		*(key == OPT_MAX_SIZE ? &args->max_size : &args->max_input) = (size_t)value;
		return 0;
	case OPT_FORMAT: {
		args->formats = 0;
		for (char *p = arg; *p;) {
			size_t len = strcspn(p, ",");
			unsigned bit = 0;
			for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
				if (strlen(format_names[i].name) == len && !strncmp(p, format_names[i].name, len))
					bit = format_names[i].bit;
			if (!bit)
				argp_error(state, "unknown format in '%s' (expected c, raw, asm, rust, json)", arg);
			args->formats |= bit;
			p += len + (p[len] == ',');
		}
		if (!args->formats)
			argp_error(state, "--format needs at least one format");
		return 0;
	}
	case 'v': args->ctx->verbosity++; return 0;
	case 'q': args->ctx->verbosity = -1; return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s' (a prebuilt image goes in --prebuilt)", arg);
		return 0;
	case ARGP_KEY_END:
		if (!args->have_base)
			argp_error(state, "--base=ADDR is required: the user address your kernel maps the vDSO at");
		/* With --probe, --cc and --cross-compile name the probe's compiler. */
		if (args->prebuilt && (args->script || args->have_syscall_insn || args->hash_style ||
				       ((args->cross_compile || args->cc) && !args->probe)))
			argp_error(state, "-T, --syscall-insn, --hash-style, --cc and --cross-compile apply to the built-in vDSO, not to --prebuilt (--cc and --cross-compile also to --probe)");
		if (args->have_syscall_insn) {
			const char *arch = args->arch_name ? args->arch_name : DEFAULT_ARCH;
			const char *expected = syscall_insn_parse(arch_by_name(arch),
								  args->syscall_insn_text,
								  &args->syscall_insn);
			if (expected)
				argp_error(state, "--syscall-insn expects %s for %s, got '%s'", expected,
					   arch, args->syscall_insn_text);
		}
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const char build_doc[] =
	"Build the built-in vDSO (or take --prebuilt FILE), check it, place it at the address the "
	"kernel maps it at, and write what a kernel build embeds."
	"\v"
	"Outputs in DIR, for NAME (default vdso): NAME.h NAME.c NAME_image.h (c), NAME.bin (raw), "
	"NAME.S (asm, with NAME.bin), NAME.rs (rust), NAME.json (json), and always vdso_auxv.h and "
	"vdso_auxv.rs (AT_SYSINFO_EHDR helpers), plus vdso_data.h and vdso_data.rs (the data page "
	"and its writer) for the built-in vDSO, and with --probe NAME-probe (run it inside the "
	"kernel under test: one line per check, exit status 0 only if every check passed).\n\n"
	"The built-in x86_64 vDSO exports __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time, "
	"__vdso_clock_getres and __vdso_getcpu at LINUX_2.6 (and Linux's weak plain names) and "
	"reads the TSC (MKVDSO_CLOCK_MODE_TSC). The kernel sets, once before the page is mapped, "
	"MKVDSO_FLAG_RDTSCP in the data page's flags if the CPU has RDTSCP (CPUID 0x80000001 EDX "
	"bit 27): rdtscp then reads the TSC, else lfence; rdtsc. It sets MKVDSO_FLAG_TSC_AUX_CPU "
	"only if it writes IA32_TSC_AUX = (node << 12) | cpu on every CPU: getcpu then reads it "
	"with rdtscp, else makes the system call. vdso_data.h says the rest.\n\n"
	"Exit status: 0 success; 1 the image is not a usable vDSO (or too large, or cannot be "
	"placed); 2 trouble (I/O, toolchain); 64 usage error (a --base the architecture "
	"cannot map included).";

static const struct argp build_argp = {
	build_options, parse_build, NULL, build_doc, NULL, NULL, NULL,
};

/* --- findings as diagnostics --- */

static bool already_reported(const struct findings *before, const struct finding *f)
{
	for (size_t i = 0; before && i < before->count; i++)
		if (before->items[i].rule == f->rule && !strcmp(before->items[i].place, f->place))
			return true;
	return false;
}

/* Prints errors and warnings, each once: the placed image's check repeats
 * what the first check said about everything placement did not change. */
static size_t print_findings(const char *name, const struct findings *findings,
			     const struct findings *before, bool quiet)
{
	size_t errors = 0;
	for (size_t i = 0; i < findings->count; i++) {
		const struct finding *f = &findings->items[i];
		if (f->severity == SEVERITY_ERROR)
			errors++;
		if (f->severity == SEVERITY_NOTE || (quiet && f->severity != SEVERITY_ERROR) ||
		    already_reported(before, f))
			continue;
		if (f->severity == SEVERITY_ERROR)
			diag_error(name, "%s: %s [%s]", f->place, f->message, f->rule->id);
		else
			diag_warning(name, "%s: %s [%s]", f->place, f->message, f->rule->id);
	}
	return errors;
}

/* Every consumer model must find every function where the outputs say. */
static bool verify_addresses(const char *name, const struct verdicts *verdicts,
			     const struct emit_symbol *symbols, size_t count, uint64_t base)
{
	bool ok = true;
	for (size_t i = 0; i < verdicts->count; i++) {
		const struct verdict *v = &verdicts->items[i];
		for (int l = 0; l < LINK_COUNT; l++) {
			const struct outcome_detail *d = &v->linkage[l];
			if (d->outcome != OUTCOME_USES)
				continue;
			const struct emit_symbol *sym = NULL;
			for (size_t j = 0; j < count; j++)
				if (strcmp(symbols[j].name, v->lookup->symbol) == 0)
					sym = &symbols[j];
			if (!sym || sym->address != base + d->offset) {
				diag_error(name, "after placement %s resolves %s to %#" PRIx64
					   ", the outputs say %#" PRIx64, consumer_name(v->lookup->consumer),
					   v->lookup->symbol, base + d->offset, sym ? sym->address : 0);
				ok = false;
			}
		}
	}
	return ok;
}

/* --- outputs --- */

/* Each output is rendered straight into an unnamed file beside its target
 * (io.h); all of them replace their targets only once every one rendered. */
struct outputs {
	struct output_file items[16];
	size_t count;
	const char *dir_created;   /* removed again if the build fails */
};

typedef void (*renderer)(const struct emit_input *in, struct buffer *out);

static const struct {
	unsigned formats;          /* rendered when any of these is asked for */
	const char *suffix;
	renderer render;
} writers[] = {
	{ FORMAT_C, ".h", emit_c_header },
	{ FORMAT_C, ".c", emit_c_source },
	{ FORMAT_C, "_image.h", emit_c_header_only },
	{ FORMAT_RAW | FORMAT_ASM, ".bin", emit_raw },  /* the .S .incbins it */
	{ FORMAT_ASM, ".S", emit_asm },
	{ FORMAT_RUST, ".rs", emit_rust },
	{ FORMAT_JSON, ".json", emit_json },
};

static void discard_outputs(struct outputs *outs)
{
	for (size_t i = 0; i < outs->count; i++)
		output_discard(&outs->items[i]);
	outs->count = 0;
	if (outs->dir_created)
		rmdir(outs->dir_created);
}

/* Renders into a new unnamed file for path; EXIT_OK or the failure. */
static int render_output(struct outputs *outs, const char *path, renderer render,
			 const struct emit_input *in, const void *bytes, size_t size)
{
	struct output_file *o = &outs->items[outs->count];
	if (output_open(o, path) != EXIT_OK)
		return EXIT_TROUBLE;
	outs->count++;
	struct buffer b = { 0 };
	buffer_stream_to(&b, o->fd, 1u << 20);
	if (render)
		render(in, &b);
	else
		buffer_append(&b, bytes, size);
	bool ok = buffer_flush(&b);
	int write_errno = b.write_errno;
	buffer_free(&b);
	if (ok)
		return EXIT_OK;
	if (write_errno)
		diag_error(path, "write failed: %s", strerror(write_errno));
	else
		diag_error(path, "out of memory rendering it");
	return EXIT_TROUBLE;
}

/* DIR/NAMESUFFIX into out, or a message and false when it does not fit:
 * a cut path would name another file. */
static bool join_path(char (*out)[PATH_MAX], const char *dir, const char *name,
		      const char *suffix)
{
	int n = snprintf(*out, sizeof *out, "%s/%s%s", dir, name, suffix);
	if (n >= 0 && (size_t)n < sizeof *out)
		return true;
	diag_error(dir, "the path %s/%s%s is longer than the system allows (%d bytes)", dir,
		   name, suffix, PATH_MAX - 1);
	return false;
}

/* DATA_DIR/RELATIVE into DIR/FILE, with what append adds (if not NULL)
 * after it. */
static int copy_data_file(struct outputs *outs, const char *dir, const char *data_dir,
			  const char *relative, const char *file, void (*append)(struct buffer *))
{
	char source[PATH_MAX], target[PATH_MAX];
	unsigned char *bytes;
	size_t size;
	if (!join_path(&source, data_dir, relative, "") || !join_path(&target, dir, file, ""))
		return EXIT_TROUBLE;
	int status = read_input(source, 1 << 20, &bytes, &size);
	if (status != EXIT_OK)
		return EXIT_TROUBLE;
	struct buffer text = { 0 };
	buffer_append(&text, bytes, size);
	free(bytes);
	if (append)
		append(&text);
	if (text.failed) {
		diag_error(target, "out of memory rendering it");
		status = EXIT_TROUBLE;
	} else {
		status = render_output(outs, target, NULL, NULL, text.data, text.size);
	}
	buffer_free(&text);
	return status;
}

/* Make syntax: every output depends on every input. */
static int write_depfile(struct outputs *outs, const char *depfile,
			 char *const *inputs, size_t input_count)
{
	struct buffer text = { 0 };
	for (size_t i = 0; i < outs->count; i++)
		buffer_printf(&text, "%s%s", i ? " \\\n " : "", outs->items[i].path);
	buffer_printf(&text, ":");
	for (size_t i = 0; i < input_count; i++)
		buffer_printf(&text, " \\\n %s", inputs[i]);
	buffer_printf(&text, "\n");
	int status = EXIT_TROUBLE;
	if (text.failed)
		diag_error(depfile, "out of memory");
	else
		status = render_output(outs, depfile, NULL, NULL, text.data, text.size);
	buffer_free(&text);
	return status;
}

static int ensure_dir(struct outputs *outs, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return EXIT_OK;
		diag_error(dir, "exists and is not a folder");
		return EXIT_TROUBLE;
	}
	if (mkdir(dir, 0755) != 0) {
		diag_error(dir, "cannot create the output folder: %s", strerror(errno));
		return EXIT_TROUBLE;
	}
	outs->dir_created = dir;
	return EXIT_OK;
}

/* The probe, executable, as DIR/NAME-probe. */
static int write_probe(struct outputs *outs, const char *dir, const char *name,
		       const struct probe_result *probe)
{
	char path[PATH_MAX];
	if (!join_path(&path, dir, name, "-probe"))
		return EXIT_TROUBLE;
	int status = render_output(outs, path, NULL, NULL, probe->bytes, probe->size);
	if (status == EXIT_OK && fchmod(outs->items[outs->count - 1].fd, 0755) != 0) {
		diag_error(path, "cannot make it executable: %s", strerror(errno));
		status = EXIT_TROUBLE;
	}
	return status;
}

static int emit_all(const struct build_args *args, const struct emit_input *in,
		    const struct verdicts *verdicts, const char *data_dir, bool builtin,
		    const struct probe_result *probe, char *const *inputs, size_t input_count)
{
	struct outputs outs = { .count = 0 };
	const char *dir = args->output_dir;
	char path[PATH_MAX];
	int status = ensure_dir(&outs, dir);
	for (size_t i = 0; status == EXIT_OK && i < sizeof writers / sizeof writers[0]; i++) {
		if (!(args->formats & writers[i].formats))
			continue;
		status = join_path(&path, dir, args->name, writers[i].suffix)
			 ? render_output(&outs, path, writers[i].render, in, NULL, 0) : EXIT_TROUBLE;
	}
	if (status == EXIT_OK)
		status = copy_data_file(&outs, dir, data_dir, "include/vdso_auxv.h", "vdso_auxv.h", NULL);
	if (status == EXIT_OK)
		status = copy_data_file(&outs, dir, data_dir, "include/vdso_auxv.rs", "vdso_auxv.rs", NULL);
	if (status == EXIT_OK && builtin)
		status = copy_data_file(&outs, dir, data_dir, "vdso/include/vdso_data.h", "vdso_data.h", NULL);
	/* The Rust twin, with the layout of the header above pinned. */
	if (status == EXIT_OK && builtin)
		status = copy_data_file(&outs, dir, data_dir, "vdso/include/vdso_data.rs", "vdso_data.rs",
					emit_data_rust_pins);
	if (status == EXIT_OK && probe)
		status = write_probe(&outs, dir, args->name, probe);
	if (status == EXIT_OK && args->depfile)
		status = write_depfile(&outs, args->depfile, inputs, input_count);
	/* Everything rendered: only now do the outputs replace earlier ones. */
	if (status == EXIT_OK)
		status = output_commit(outs.items, outs.count);
	if (status != EXIT_OK) {
		discard_outputs(&outs);
		return status;
	}
	if (args->ctx->verbosity >= 0) {
		const char *paths[sizeof outs.items / sizeof outs.items[0]];
		for (size_t i = 0; i < outs.count; i++)
			paths[i] = outs.items[i].path;
		struct build_summary summary = {
			.placed = in, .prebuilt = builtin ? NULL : args->prebuilt,
			.verdicts = verdicts, .output_dir = dir, .paths = paths,
			.path_count = outs.count,
		};
		report_build_summary(stdout, &summary);
	}
	return EXIT_OK;
}

/* --- the pipeline --- */

struct build_run {
	const struct build_args *args;
	const char *name;                 /* for messages */
	const struct arch_contract *arch;
	struct check_options check;
};

/* Loads bytes and checks them.  EXIT_OK or the exit status, with the
 * reason printed. */
static int load_and_check(struct build_run *run, const unsigned char *bytes, size_t size,
			  struct vdso_image *image, struct findings *findings,
			  const struct findings *before, const char *stage)
{
	char error[256];
	switch (image_load(image, run->name, bytes, size, error, sizeof error)) {
	case IMAGE_OK:
		break;
	case IMAGE_INVALID:
		diag_error(run->name, "%s%s", stage, error);
		return EXIT_INVALID;
	case IMAGE_NO_MEMORY:
		diag_error(run->name, "out of memory");
		return EXIT_TROUBLE;
	}
	check_image(image, &run->check, findings);
	size_t errors = print_findings(run->name, findings, before, run->args->ctx->verbosity < 0);
	if (findings->out_of_memory) {
		diag_error(run->name, "out of memory");
		return EXIT_TROUBLE;
	}
	if (errors) {
		diag_error(run->name, "%s%zu error(s): not a usable vDSO; nothing written", stage, errors);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

/* With --probe, the probe is compiled for the placed image first, and its
 * sources join the depfile's inputs. */
static int build_probe_and_emit(struct build_run *run, const struct emit_input *in,
				const struct verdicts *verdicts, const char *data_dir, bool builtin,
				char *const *inputs, size_t input_count)
{
	const struct build_args *args = run->args;
	if (!args->probe)
		return emit_all(args, in, verdicts, data_dir, builtin, NULL, inputs, input_count);
	struct compile_request request = {
		.arch = run->arch, .data_dir = data_dir, .cross_compile = args->cross_compile,
		.cc = args->cc, .verbosity = args->ctx->verbosity,
	};
	struct probe_result probe;
	int status = probe_build(&request, in, &probe);
	if (status != EXIT_OK)
		return status;
	char **all = calloc(input_count + probe.input_count, sizeof *all);
	if (!all) {
		diag_error(NULL, "out of memory");
		probe_result_free(&probe);
		return EXIT_TROUBLE;
	}
	memcpy(all, inputs, input_count * sizeof *all);
	memcpy(all + input_count, probe.inputs, probe.input_count * sizeof *all);
	status = emit_all(args, in, verdicts, data_dir, builtin, &probe, all,
			  input_count + probe.input_count);
	free(all);
	probe_result_free(&probe);
	return status;
}

static int build(struct build_run *run, const unsigned char *bytes, size_t size,
		 const char *data_dir, bool builtin, char *const *inputs, size_t input_count)
{
	const struct build_args *args = run->args;
	struct vdso_image image, placed_image;
	struct verdicts placed_verdicts;
	struct findings findings = { 0 }, placed_findings = { 0 };
	struct placement placement = { 0 };
	struct emit_symbol *symbols = NULL;
	char error[256];
	memset(&placed_image, 0, sizeof placed_image);
	memset(&placed_verdicts, 0, sizeof placed_verdicts);

	run->check.relative_relocs_applied = true;
	int status = load_and_check(run, bytes, size, &image, &findings, NULL, "");
	run->check.relative_relocs_applied = false;
	if (status == EXIT_OK && args->max_size && size > args->max_size) {
		diag_error(run->name, "the image is %zu bytes, more than --max-size %zu: the kernel "
			   "would cut it off", size, args->max_size);
		status = EXIT_INVALID;
	}
	uint64_t reserve = builtin ? MKVDSO_DATA_SIZE : 0;
	if (status == EXIT_OK && !place_check_base(run->arch, args->base, size, reserve, error, sizeof error)) {
		diag_error(run->name, "%s", error);
		status = EXIT_USAGE; /* the option, not the image, is wrong */
	}
	if (status == EXIT_OK &&
	    !place_image(&image, run->arch, args->base, args->prelink, &placement, error, sizeof error)) {
		diag_error(run->name, "cannot place the image: %s", error);
		status = EXIT_INVALID;
	}
	/* The placed image is what ships: load and check it again, then make
	 * every consumer model agree with the addresses the outputs give. */
	if (status == EXIT_OK) {
		status = load_and_check(run, placement.bytes, placement.size, &placed_image,
					&placed_findings, &findings, "after placement: ");
	}
	/* Only the placed image's verdicts matter: they are what ships. */
	if (status == EXIT_OK &&
	    !consumers_evaluate(&placed_image, run->arch, CONSUMERS_ALL, &placed_verdicts)) {
		diag_error(run->name, "out of memory");
		status = EXIT_TROUBLE;
	}
	size_t symbol_count = 0;
	if (status == EXIT_OK) {
		symbols = emit_collect_symbols(&placed_image, args->base, &symbol_count);
		if (!symbols) {
			diag_error(run->name, "out of memory");
			status = EXIT_TROUBLE;
		} else if (!verify_addresses(run->name, &placed_verdicts, symbols, symbol_count, args->base)) {
			status = EXIT_INVALID;
		}
	}
	if (status == EXIT_OK) {
		struct emit_input in = {
			.name = args->name, .arch = run->arch->name,
			.elf_class = run->arch->elf_class == ELFCLASS64 ? 64 : 32,
			.image = placement.bytes, .image_size = placement.size, .page_size = 4096,
			.base = args->base, .prelinked = args->prelink,
			.symbols = symbols, .symbol_count = symbol_count,
			.sigtramp = run->arch->sigreturn && image_find_symbol(&placed_image, run->arch->sigreturn)
				    ? run->arch->sigreturn : NULL,
			.has_data_page = builtin, .data_offset = builtin ? MKVDSO_DATA_OFFSET : 0,
			.data_size = builtin ? MKVDSO_DATA_SIZE : 0,
			.data_version = builtin ? MKVDSO_DATA_VERSION : 0,
			.build_id = placed_image.build_id, .build_id_size = placed_image.build_id_size,
		};
		char raw_name[96];
		snprintf(raw_name, sizeof raw_name, "%s.bin", args->name);
		in.raw_name = raw_name;
		status = build_probe_and_emit(run, &in, &placed_verdicts, data_dir, builtin, inputs,
					      input_count);
	}
	free(symbols);
	findings_free(&placed_findings);
	findings_free(&findings);
	verdicts_free(&placed_verdicts);
	image_free(&placed_image);
	placement_free(&placement);
	image_free(&image);
	return status;
}

int cmd_build(struct mkvdso_ctx *ctx, int argc, char **argv)
{
	struct build_args args = { .ctx = ctx, .output_dir = ".", .name = "vdso",
				   .formats = FORMAT_ALL, .max_input = DEFAULT_MAX_INPUT };
	argp_parse(&build_argp, argc, argv, 0, NULL, &args);

	char data_dir[PATH_MAX];
	if (!find_data_dir(data_dir, sizeof data_dir))
		return EXIT_TROUBLE;

	unsigned char *bytes = NULL;
	size_t size = 0;
	struct compile_result compiled = { 0 };
	char *prebuilt_inputs[1] = { (char *)args.prebuilt };
	char *const *inputs = prebuilt_inputs;
	size_t input_count = 1;
	const struct arch_contract *arch = arch_by_name(args.arch_name ? args.arch_name : DEFAULT_ARCH);
	int status;
	if (args.prebuilt) {
		status = read_input(args.prebuilt, args.max_input, &bytes, &size);
		if (status != EXIT_OK)
			return status;
		/* Without --arch, a prebuilt image is for whatever it says. */
		if (!args.arch_name && size >= EI_NIDENT + 4) {
			uint16_t machine = bytes[EI_DATA] == ELFDATA2MSB ? (uint16_t)(bytes[18] << 8 | bytes[19])
									 : (uint16_t)(bytes[19] << 8 | bytes[18]);
			const struct arch_contract *detected = arch_for_machine(machine, bytes[EI_CLASS]);
			if (detected)
				arch = detected;
		}
	} else {
		struct compile_request request = {
			.arch = arch, .data_dir = data_dir, .cross_compile = args.cross_compile,
			.cc = args.cc,
			.script = args.script, .have_syscall_insn = args.have_syscall_insn,
			.syscall_insn = args.syscall_insn, .hash_style = args.hash_style,
			.verbosity = ctx->verbosity,
		};
		status = compile_builtin(&request, &compiled);
		if (status != EXIT_OK)
			return status;
		bytes = compiled.bytes;
		size = compiled.size;
		inputs = compiled.inputs;
		input_count = compiled.input_count;
	}
	struct build_run run = {
		.args = &args,
		.name = args.prebuilt ? args.prebuilt : "built-in vDSO",
		.arch = arch,
		.check = { .arch = arch, .strict = args.strict, .consumers = CONSUMERS_ALL,
			   .have_syscall_insn = args.have_syscall_insn,
			   .syscall_insn = args.syscall_insn,
			   /* A kernel that traps another instruction never sees the
			    * architecture's own system call. */
			   .forbid_syscalls = args.have_syscall_insn },
	};
	status = build(&run, bytes, size, data_dir, !args.prebuilt, inputs, input_count);
	if (args.prebuilt)
		free(bytes);
	else
		compile_result_free(&compiled);
	return status;
}
