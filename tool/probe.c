/* probe: compile vdso/probe/ for one placed image. */
#include "probe.h"
#include "mkvdso.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per architecture, what a static program without a C library needs
 * beyond the compiler's defaults, so gcc and clang build the same program
 * whatever their distribution's defaults: no PAC/BTI or CET pads (the start
 * code has none), riscv64's ISA spelled out as the vDSO's recipe does, and
 * its code apart from its data (its default linker script makes one RWX
 * segment of a program this small; aarch64's would pad to 64 KiB pages);
 * arm as the vDSO's recipe: ARMv7-A in ARM state, soft-float, so that the
 * probe needs no FPU from the kernel and runs under armhf and armel alike. */
static const struct {
	const char *arch;
	const char *const flags[4];
} probe_recipes[] = {
	{ "aarch64", { "-mbranch-protection=none", NULL } },
	{ "x86_64", { "-fcf-protection=none", NULL } },
	{ "riscv64", { "-march=rv64gc", "-mabi=lp64d", "-Wl,-z,separate-code", NULL } },
	{ "arm", { "-march=armv7-a", "-marm", "-mfloat-abi=soft", NULL } },
};

/* As nolibc's tests build: freestanding, static, no start files, no libgcc
 * (the probe's 64-bit divisions are its own on 32-bit arm), not PIE (-static
 * and -fno-pic: the start code does no self-relocation), no unwind tables, no build id (the
 * only build id the probe talks about is the image's). */
static const char *const probe_flags[] = {
	"-std=c99", "-O2", "-Wall", "-Wextra", "-ffreestanding", "-nostdinc", "-fno-stack-protector",
	"-fno-pic", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-static", "-nostdlib",
	"-Wl,--build-id=none", "-Wl,-z,noexecstack", NULL,
};

/* What the probe is built from: also the data-page header it reads the page with. */
static const char *const probe_sources[] = { "vdso/probe/probe.c", "vdso/probe/arch.h",
					     "vdso/include/vdso_data.h" };

static int recipe_index(const struct arch_contract *arch)
{
	for (size_t i = 0; i < sizeof probe_recipes / sizeof probe_recipes[0]; i++)
		if (strcmp(probe_recipes[i].arch, arch->name) == 0)
			return (int)i;
	return -1;
}

bool probe_supported(const struct arch_contract *arch)
{
	return recipe_index(arch) >= 0 && toolchain_has_builtin(arch);
}

/* The build's vdso.h, with the names the probe reads (VDSO_*). */
static int write_expectations(const struct emit_input *in, const char *path)
{
	struct emit_input as_vdso = *in;
	as_vdso.name = "vdso";
	struct buffer text = { 0 };
	emit_c_header(&as_vdso, &text);
	FILE *f = text.failed ? NULL : fopen(path, "w");
	bool ok = f && fwrite(text.data, 1, text.size, f) == text.size;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		diag_error(path, "cannot write the probe's expectations: %s",
			   text.failed ? "out of memory" : strerror(errno));
	buffer_free(&text);
	return ok ? EXIT_OK : EXIT_TROUBLE;
}

static int list_inputs(const char *data_dir, struct probe_result *result)
{
	size_t count = sizeof probe_sources / sizeof probe_sources[0];
	result->inputs = calloc(count, sizeof *result->inputs);
	if (!result->inputs)
		goto no_memory;
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(data_dir) + 1 + strlen(probe_sources[i]) + 1;
		if (!(result->inputs[i] = malloc(len)))
			goto no_memory;
		result->input_count++;
		snprintf(result->inputs[i], len, "%s/%s", data_dir, probe_sources[i]);
	}
	return EXIT_OK;
no_memory:
	diag_error(NULL, "out of memory");
	return EXIT_TROUBLE;
}

int probe_build(const struct compile_request *req, const struct emit_input *in,
		struct probe_result *result)
{
	memset(result, 0, sizeof *result);
	int recipe = recipe_index(req->arch);
	if (recipe < 0 || !toolchain_has_builtin(req->arch)) {
		diag_error(NULL, "--probe: vdso-probe knows aarch64, x86_64, riscv64 and arm, not %s",
			   req->arch->name);
		return EXIT_TROUBLE;
	}
	struct toolchain tc;
	int status = toolchain_find(req, &tc);
	if (status != EXIT_OK)
		return status;
	char tmpdir[PATH_MAX], header[PATH_MAX + 8], program[PATH_MAX + 16], source[PATH_MAX];
	char probe_include[PATH_MAX + 2], data_include[PATH_MAX + 16], tmp_include[PATH_MAX + 2];
	char data_map[PATH_MAX + 24], tmp_map[PATH_MAX + 24];
	if (toolchain_make_tmpdir(tmpdir, sizeof tmpdir) != EXIT_OK)
		return EXIT_TROUBLE;
	snprintf(header, sizeof header, "%s/vdso.h", tmpdir);
	snprintf(program, sizeof program, "%s/vdso-probe", tmpdir);
	snprintf(source, sizeof source, "%s/vdso/probe/probe.c", req->data_dir);
	snprintf(probe_include, sizeof probe_include, "-I%s/vdso/probe", req->data_dir);
	snprintf(data_include, sizeof data_include, "-I%s/vdso/include", req->data_dir);
	snprintf(tmp_include, sizeof tmp_include, "-I%s", tmpdir);
	/* Neither the installation's path nor the temporary folder's may reach the program. */
	snprintf(data_map, sizeof data_map, "-ffile-prefix-map=%s=.", req->data_dir);
	snprintf(tmp_map, sizeof tmp_map, "-ffile-prefix-map=%s=.", tmpdir);

	status = write_expectations(in, header);
	if (status == EXIT_OK) {
		char *argv[48];
		size_t n = 0;
		argv[n++] = tc.cc;
		if (tc.is_clang)
			argv[n++] = tc.target_flag;
		for (size_t i = 0; probe_flags[i]; i++)
			argv[n++] = (char *)probe_flags[i];
		for (size_t i = 0; probe_recipes[recipe].flags[i]; i++)
			argv[n++] = (char *)probe_recipes[recipe].flags[i];
		argv[n++] = (char *)"-isystem";
		argv[n++] = tc.headers;
		argv[n++] = probe_include;
		argv[n++] = data_include;
		argv[n++] = tmp_include;
		argv[n++] = data_map;
		argv[n++] = tmp_map;
		argv[n++] = source;
		argv[n++] = (char *)"-o";
		argv[n++] = program;
		argv[n] = NULL;
		status = toolchain_run(argv, req->verbosity, tc.cc_package);
	}
	if (status == EXIT_OK)
		status = read_input(program, 16u << 20, &result->bytes, &result->size);
	toolchain_remove_tmpdir(tmpdir);
	if (status == EXIT_OK)
		status = list_inputs(req->data_dir, result);
	if (status != EXIT_OK) {
		probe_result_free(result);
		return status == EXIT_INVALID ? EXIT_TROUBLE : status;
	}
	return EXIT_OK;
}

void probe_result_free(struct probe_result *result)
{
	free(result->bytes);
	for (size_t i = 0; i < result->input_count; i++)
		free(result->inputs[i]);
	free(result->inputs);
	memset(result, 0, sizeof *result);
}
