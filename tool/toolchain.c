/* toolchain: run the cross compiler on the built-in vDSO. */
#include "toolchain.h"
#include "mkvdso.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Per-architecture recipe: Linux's own vDSO flags (vdso-facts §8.1). */
struct builtin_recipe {
	const char *arch;
	const char *default_prefix;
	const char *debian_package;
	const char *const *flags;
	const char *hash_style;     /* Linux's --hash-style for this vDSO */
	const char *clang_target;   /* --target for clang, as Kbuild's CLANG_FLAGS */
	uint32_t clear_e_flags;     /* e_flags bits the linked image must not claim */
};

/* As Linux's arch/arm64/kernel/vdso/Makefile, down to --hash-style=sysv
 * (the recipe's hash_style): Go 1.19-1.21 look __kernel_clock_gettime up
 * with the wrong hashes and find it only through a small DT_HASH
 * (check.c, rule hash-quirk). */
static const char *const aarch64_flags[] = {
	"-std=gnu11", "-O2", "-mcmodel=tiny", "-fno-common", "-fno-builtin",
	"-fno-stack-protector", "-ffixed-x18", "-fPIC", "-fno-asynchronous-unwind-tables",
	"-fno-unwind-tables", "-mbranch-protection=none", "-nostdlib", "-shared",
	"-Wl,-soname=linux-vdso.so.1", "-Wl,-Bsymbolic", "-Wl,--build-id=sha1", "-Wl,-n",
	"-Wl,--no-undefined", "-Wl,--no-eh-frame-hdr",
	"-Wl,-z,noexecstack", "-Wl,--orphan-handling=error", "-Wall", "-Wextra", NULL,
};

/* As Linux's arch/x86/entry/vdso/Makefile: no stack protector, no SSE,
 * MMX or AVX (the vDSO runs on the caller's stack with the caller's vector
 * state), both hash tables.  The red zone is the caller's to use in user
 * space, so -mno-red-zone has no place here.  No frame pointer and no
 * unwind tables: the linker script drops .eh_frame as for aarch64.
 * -fcf-protection=none: no endbr64 pads, whatever the compiler's default,
 * so every distribution's gcc builds the same bytes. */
static const char *const x86_64_flags[] = {
	"-std=gnu11", "-O2", "-m64", "-mcmodel=small", "-fPIC", "-fno-common", "-fno-builtin",
	"-fno-stack-protector", "-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-3dnow", "-mno-avx",
	"-fcf-protection=none", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
	"-nostdlib", "-shared",
	"-Wl,-soname=linux-vdso.so.1", "-Wl,-Bsymbolic", "-Wl,--build-id=sha1", "-Wl,-n",
	"-Wl,-z,max-page-size=4096", "-Wl,--no-undefined", "-Wl,--no-eh-frame-hdr",
	"-Wl,-z,noexecstack", "-Wl,--orphan-handling=error", "-Wall", "-Wextra", NULL,
};

/* As Linux's arch/riscv/kernel/vdso/Makefile: PIC, no stack protector,
 * both hash tables.  -march and -mabi spelled out (Debian's defaults) so
 * gcc and clang build for the same ISA: rv64gc, the RVA20 profile every
 * riscv64 Linux distribution targets, and its hard-float ABI lp64d.  No
 * unwind tables: the linker script drops .eh_frame as for aarch64. */
static const char *const riscv64_flags[] = {
	"-std=gnu11", "-O2", "-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany", "-fPIC",
	"-fno-common", "-fno-builtin", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
	"-fno-unwind-tables", "-nostdlib", "-shared",
	"-Wl,-soname=linux-vdso.so.1", "-Wl,-Bsymbolic", "-Wl,--build-id=sha1", "-Wl,-n",
	"-Wl,-z,max-page-size=4096", "-Wl,--no-undefined", "-Wl,--no-eh-frame-hdr",
	"-Wl,-z,noexecstack", "-Wl,--orphan-handling=error", "-Wall", "-Wextra", NULL,
};

/* As Linux's arch/arm/vdso/Makefile in a kernel for ARMv7 (the vDSO needs
 * CPU_V7): PIC, no stack protector, --hash-style=sysv, soft-float as the
 * kernel's flags (the image passes no floating-point values, so it is
 * right for both calling standards; clear_e_flags then drops the flag that
 * says otherwise, as Linux's vdsomunge).  ARM state, as a kernel not built
 * for Thumb-2: every instruction one 32-bit word, so --syscall-insn is one
 * word as on aarch64 and a trap handler steps 4 bytes.  No unwind tables:
 * the linker script drops .ARM.exidx. */
static const char *const arm_flags[] = {
	"-std=gnu11", "-O2", "-march=armv7-a", "-marm", "-mfloat-abi=soft", "-fPIC",
	"-fno-common", "-fno-builtin", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
	"-fno-unwind-tables", "-nostdlib", "-shared",
	"-Wl,-soname=linux-vdso.so.1", "-Wl,-Bsymbolic", "-Wl,--build-id=sha1", "-Wl,-n",
	"-Wl,-z,max-page-size=4096", "-Wl,--no-undefined", "-Wl,--no-eh-frame-hdr",
	"-Wl,-z,noexecstack", "-Wl,--orphan-handling=error", "-Wall", "-Wextra", NULL,
};

static const struct builtin_recipe recipes[] = {
	{ "aarch64", "aarch64-linux-gnu-", "gcc-aarch64-linux-gnu", aarch64_flags, "sysv",
	  "aarch64-linux-gnu", 0 },
	{ "x86_64", "", "gcc", x86_64_flags, "both", "x86_64-linux-gnu", 0 },
	{ "riscv64", "riscv64-linux-gnu-", "gcc-riscv64-linux-gnu", riscv64_flags, "both",
	  "riscv64-linux-gnu", 0 },
	/* No float-ABI claim (vdsomunge): see clear_e_flags. */
	{ "arm", "arm-linux-gnueabihf-", "gcc-arm-linux-gnueabihf", arm_flags, "sysv",
	  "arm-linux-gnueabihf", EF_ARM_ABI_FLOAT_SOFT | EF_ARM_ABI_FLOAT_HARD },
};

static const struct builtin_recipe *recipe_for(const struct arch_contract *arch)
{
	for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++)
		if (strcmp(recipes[i].arch, arch->name) == 0)
			return &recipes[i];
	return NULL;
}

bool toolchain_has_builtin(const struct arch_contract *arch)
{
	return recipe_for(arch) != NULL;
}

/* dir/name into out; false if it does not fit. */
static bool join_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size;
}

/* The data page's header marks a data folder: every built-in vDSO needs it. */
static bool has_data_files(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	return join_path(path, sizeof path, dir, "vdso/include/vdso_data.h") &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool find_data_dir(char *out, size_t size)
{
	const char *env = getenv("MKVDSO_DATADIR");
	if (env && *env) {
		if (has_data_files(env)) {
			snprintf(out, size, "%s", env);
			return true;
		}
		diag_error(env, "MKVDSO_DATADIR has no vdso/include/vdso_data.h");
		return false;
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, size, "%s/../share/mkvdso", exe);
			if (has_data_files(out))
				return true;
		}
	}
	snprintf(out, size, "%s", MKVDSO_SOURCE_DIR);
	if (has_data_files(out))
		return true;
	diag_error(NULL, "cannot find mkvdso's data files (vdso/): looked beside "
		   "the executable in ../share/mkvdso and in %s; set MKVDSO_DATADIR",
		   MKVDSO_SOURCE_DIR);
	return false;
}

static void free_list(char **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		free(list[i]);
	free(list);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *name, const char *const *suffixes)
{
	size_t len = strlen(name);
	for (; *suffixes; suffixes++) {
		size_t suffix_len = strlen(*suffixes);
		if (len > suffix_len && strcmp(name + len - suffix_len, *suffixes) == 0)
			return true;
	}
	return false;
}

static const char *const source_suffixes[] = { ".c", ".S", NULL };
/* What else the image is built from: the headers the sources include (the
 * architecture's and vdso/lib/'s shared clock logic) and the linker script. */
static const char *const input_suffixes[] = { ".c", ".S", ".h", ".lds", NULL };

/* The files of dir with one of suffixes, appended to *out (sorted there, so
 * the link is reproducible).  False when out of memory, or when dir cannot
 * be read or has none and must. */
static bool list_files(const char *dir, const char *const *suffixes, bool must, char ***out,
		       size_t *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (must)
			diag_error(dir, "%s", strerror(errno));
		return !must && errno == ENOENT;
	}
	size_t first = *count, n = *count, cap = *count + 8;
	char **names = realloc(*out, cap * sizeof *names);
	bool complete = names != NULL;
	struct dirent *e;
	while (complete && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (!has_suffix(e->d_name, suffixes))
			continue;
		if (n == cap) {
			char **grown = realloc(names, 2 * cap * sizeof *names);
			if (!(complete = grown != NULL))
				break;
			names = grown;
			cap *= 2;
		}
		size_t path_len = strlen(dir) + len + 2;
		if (!(complete = (names[n] = malloc(path_len)) != NULL))
			break;
		snprintf(names[n], path_len, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (!names)
		return false;
	*out = names;
	*count = n;
	qsort(names + first, n - first, sizeof *names, compare_names);
	return complete && (!must || n > first);
}

/* Whether execvp would find name: a path as given, else in a $PATH folder. */
static bool on_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	char candidate[PATH_MAX];
	for (const char *dir = path;; dir++) {
		const char *end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		int len = (int)(end - dir);
		/* An empty entry is the current folder, as for execvp. */
		if (snprintf(candidate, sizeof candidate, "%.*s%s%s", len, dir, len ? "/" : "",
			     name) < (int)sizeof candidate &&
		    access(candidate, X_OK) == 0)
			return true;
		if (!*end)
			return false;
		dir = end;
	}
}

static int not_found(const char *name, const char *package)
{
	diag_error(name, "not found; install the Debian package %s, or name another "
		   "compiler prefix with --cross-compile or CROSS_COMPILE", package);
	return EXIT_TROUBLE;
}

/* Runs argv; the tool's stderr goes straight to ours, untouched.  With
 * output, its stdout goes there (at most size - 1 bytes, NUL-terminated);
 * else to ours. */
static int run_to(char *const argv[], int verbosity, const char *package, char *output,
		  size_t size)
{
	if (verbosity > 0) {
		fputs("mkvdso: running:", stderr);
		for (char *const *a = argv; *a; a++)
			fprintf(stderr, " %s", *a);
		fputc('\n', stderr);
	}
	int pipe_fds[2] = { -1, -1 };
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_t *use_actions = NULL;
	if (output) {
		if (pipe(pipe_fds) < 0) {
			diag_error(argv[0], "cannot start: pipe: %s", strerror(errno));
			return EXIT_TROUBLE;
		}
		bool ready = posix_spawn_file_actions_init(&actions) == 0;
		if (!ready ||
		    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO) ||
		    posix_spawn_file_actions_addclose(&actions, pipe_fds[0])) {
			diag_error(argv[0], "cannot start: out of memory");
			if (ready)
				posix_spawn_file_actions_destroy(&actions);
			close(pipe_fds[0]);
			close(pipe_fds[1]);
			return EXIT_TROUBLE;
		}
		use_actions = &actions;
	}
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], use_actions, NULL, argv, environ);
	if (output) {
		posix_spawn_file_actions_destroy(&actions);
		close(pipe_fds[1]);
		size_t used = 0;
		ssize_t got;
		while (!err && used + 1 < size &&
		       ((got = read(pipe_fds[0], output + used, size - 1 - used)) > 0 ||
			(got < 0 && errno == EINTR)))
			used += got > 0 ? (size_t)got : 0;
		output[used] = '\0';
		close(pipe_fds[0]); /* a longer answer ends the child with SIGPIPE */
	}
	if (err == ENOENT)
		return not_found(argv[0], package);
	if (err) {
		diag_error(argv[0], "cannot start: %s", strerror(err));
		return EXIT_TROUBLE;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			diag_error(argv[0], "waitpid: %s", strerror(errno));
			return EXIT_TROUBLE;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return EXIT_OK;
	/* POSIX lets posix_spawnp succeed and the child exit with 127 when the
	 * program cannot be run (glibc before 2.24, OpenBSD, under valgrind). */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !on_path(argv[0]))
		return not_found(argv[0], package);
	if (WIFEXITED(status))
		diag_error(NULL, "%s exited with status %d", argv[0], WEXITSTATUS(status));
	else
		diag_error(NULL, "%s was killed by signal %d", argv[0], WTERMSIG(status));
	return EXIT_TROUBLE;
}

static int run(char *const argv[], int verbosity, const char *package)
{
	return run_to(argv, verbosity, package, NULL, 0);
}

/*
 * The compiler's own header folder (stddef.h, stdint.h for -ffreestanding),
 * as Linux finds it: `CC -print-file-name=include`.  The vDSO is compiled
 * with -nostdinc and this folder alone beside vdso/, so no C library's
 * headers are needed, or reachable.
 */
static int compiler_include_dir(char *gcc, int verbosity, const char *package, char *out,
				size_t size)
{
	char *argv[] = { gcc, (char *)"-print-file-name=include", NULL };
	int status = run_to(argv, verbosity, package, out, size);
	if (status != EXIT_OK)
		return status;
	out[strcspn(out, "\n")] = '\0';
	struct stat st;
	/* gcc echoes the bare name when it has no such folder. */
	if (out[0] != '/' || stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
		diag_error(gcc, "-print-file-name=include gave '%s', not the compiler's header "
			   "folder", out);
		return EXIT_TROUBLE;
	}
	return EXIT_OK;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[PATH_MAX];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    join_path(path, sizeof path, dir, e->d_name))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * Drops e_flags bits the linker set from the objects' build options but the
 * image must not claim.  arm: the compiler marks soft-float code
 * EF_ARM_ABI_FLOAT_SOFT (hard-float EF_ARM_ABI_FLOAT_HARD), and a loader
 * that checks the flag the way glibc checks the objects it opens
 * (VALID_FLOAT_ABI in sysdeps/unix/sysv/linux/arm/ldsodefs.h) rejects an
 * object flagged for the other calling standard.  The vDSO passes no
 * floating-point values, so with both bits clear it is, per the AAPCS, right
 * for both, as Linux's vdsomunge makes its own.  glibc 2.36 itself never
 * looks at the vDSO's flags (setup_vdso takes the mapped image as it is;
 * tests/e2e/run.sh runs armhf and armel programs on images flagged either
 * way), so this is for every other reader.  No ld option clears them, hence the
 * edit after the link, in the ELF header only.
 */
static int clear_e_flags(const struct builtin_recipe *recipe, unsigned char *bytes, size_t size,
			 const char *path)
{
	Elf32_Ehdr ehdr;
	if (!recipe->clear_e_flags)
		return EXIT_OK;
	if (size < sizeof ehdr || bytes[EI_CLASS] != ELFCLASS32 || bytes[EI_DATA] != ELFDATA2LSB) {
		diag_error(path, "the linker's output is not a little-endian ELF32 file");
		return EXIT_TROUBLE;
	}
	memcpy(&ehdr, bytes, sizeof ehdr);
	ehdr.e_flags &= ~recipe->clear_e_flags;
	memcpy(bytes, &ehdr, sizeof ehdr);
	return EXIT_OK;
}

int toolchain_find(const struct compile_request *req, struct toolchain *tc)
{
	memset(tc, 0, sizeof *tc);
	const struct builtin_recipe *recipe = recipe_for(req->arch);
	if (!recipe) {
		diag_error(NULL, "there is no built-in vDSO for %s yet; use --prebuilt", req->arch->name);
		return EXIT_TROUBLE;
	}
	const char *prefix = req->cross_compile;
	if (!prefix || !*prefix)
		prefix = getenv("CROSS_COMPILE");
	if (!prefix || !*prefix)
		prefix = recipe->default_prefix;
	snprintf(tc->cc, sizeof tc->cc, "%s", req->cc ? req->cc : "");
	if (!req->cc)
		snprintf(tc->cc, sizeof tc->cc, "%sgcc", prefix);
	snprintf(tc->objcopy, sizeof tc->objcopy, "%sobjcopy", prefix);
	/* clang is a cross compiler for every target: tell it which, as Kbuild
	 * does for LLVM=1.  gcc knows its one target from its name. */
	const char *cc_name = strrchr(tc->cc, '/') ? strrchr(tc->cc, '/') + 1 : tc->cc;
	tc->is_clang = strncmp(cc_name, "clang", 5) == 0;
	snprintf(tc->target_flag, sizeof tc->target_flag, "--target=%s", recipe->clang_target);
	tc->package = recipe->debian_package;
	tc->cc_package = tc->is_clang ? "clang" : recipe->debian_package;
	return compiler_include_dir(tc->cc, req->verbosity, recipe->debian_package, tc->headers,
				    sizeof tc->headers);
}

int toolchain_run(char *const argv[], int verbosity, const char *package)
{
	return run(argv, verbosity, package);
}

int toolchain_make_tmpdir(char *out, size_t size)
{
	const char *tmp_root = getenv("TMPDIR");
	snprintf(out, size, "%s/mkvdso.XXXXXX", tmp_root && *tmp_root ? tmp_root : "/tmp");
	if (!mkdtemp(out)) {
		diag_error(NULL, "cannot create a temporary folder: %s", strerror(errno));
		return EXIT_TROUBLE;
	}
	return EXIT_OK;
}

void toolchain_remove_tmpdir(const char *dir)
{
	remove_tree(dir);
}

int compile_builtin(const struct compile_request *req, struct compile_result *result)
{
	memset(result, 0, sizeof *result);
	struct toolchain tc;
	int found = toolchain_find(req, &tc);
	if (found != EXIT_OK)
		return found;
	const struct builtin_recipe *recipe = recipe_for(req->arch);

	char source_dir[PATH_MAX], lib_dir[PATH_MAX], include_dir[PATH_MAX], script[PATH_MAX];
	char prefix_map[PATH_MAX + 16], insn_define[128];
	char hash_flag[64], tmpdir[PATH_MAX], unstripped[PATH_MAX], stripped[PATH_MAX];
	snprintf(source_dir, sizeof source_dir, "%s/vdso/%s", req->data_dir, req->arch->name);
	snprintf(lib_dir, sizeof lib_dir, "%s/vdso/lib", req->data_dir);
	snprintf(include_dir, sizeof include_dir, "-I%s/vdso/include", req->data_dir);
	/* Each architecture's linker script lives with its sources. */
	if (req->script ? snprintf(script, sizeof script, "%s", req->script) >= (int)sizeof script
			: !join_path(script, sizeof script, source_dir, "vdso.lds")) {
		diag_error(source_dir, "path too long");
		return EXIT_TROUBLE;
	}
	/* No build path may reach the image: it must not depend on where the
	 * tree or the installation lives. */
	snprintf(prefix_map, sizeof prefix_map, "-ffile-prefix-map=%s=.", req->data_dir);
	/* The instruction as the sources spell it: one word for .inst, or the
	 * bytes for .byte. */
	const struct syscall_insn *insn = &req->syscall_insn;
	if (req->arch->syscall_insn_form == SYSCALL_INSN_WORD32) {
		snprintf(insn_define, sizeof insn_define, "-DMKVDSO_SYSCALL_INSN=%#x",
			 syscall_insn_word(insn));
	} else {
		int at = snprintf(insn_define, sizeof insn_define, "-DMKVDSO_SYSCALL_INSN=");
		for (unsigned i = 0; i < insn->size && at > 0 && (size_t)at < sizeof insn_define; i++)
			at += snprintf(insn_define + at, sizeof insn_define - (size_t)at, "%s%#04x",
				       i ? "," : "", insn->bytes[i]);
	}
	snprintf(hash_flag, sizeof hash_flag, "-Wl,--hash-style=%s",
		 req->hash_style ? req->hash_style : recipe->hash_style);

	char **sources = NULL;
	size_t source_count = 0;
	if (!list_files(source_dir, source_suffixes, true, &sources, &source_count)) {
		diag_error(source_dir, "no vDSO sources (*.c, *.S) found");
		free_list(sources, source_count);
		return EXIT_TROUBLE;
	}
	if (toolchain_make_tmpdir(tmpdir, sizeof tmpdir) != EXIT_OK) {
		free_list(sources, source_count);
		return EXIT_TROUBLE;
	}
	if (!join_path(unstripped, sizeof unstripped, tmpdir, "vdso.so.dbg") ||
	    !join_path(stripped, sizeof stripped, tmpdir, "vdso.so")) {
		diag_error(tmpdir, "path too long");
		rmdir(tmpdir);
		free_list(sources, source_count);
		return EXIT_TROUBLE;
	}

	size_t flag_count = 0;
	while (recipe->flags[flag_count])
		flag_count++;
	char **argv = calloc(flag_count + source_count + 18, sizeof *argv);
	int status = EXIT_TROUBLE;
	if (argv) {
		size_t n = 0;
		argv[n++] = tc.cc;
		if (tc.is_clang)
			argv[n++] = tc.target_flag;
		for (size_t i = 0; i < flag_count; i++)
			argv[n++] = (char *)recipe->flags[i];
		argv[n++] = hash_flag;
		/* No C library: the vDSO's headers and the compiler's own only. */
		argv[n++] = (char *)"-ffreestanding";
		argv[n++] = (char *)"-nostdinc";
		argv[n++] = include_dir;
		argv[n++] = (char *)"-isystem";
		argv[n++] = tc.headers;
		argv[n++] = prefix_map;
		if (req->have_syscall_insn)
			argv[n++] = insn_define;
		argv[n++] = (char *)"-T";
		argv[n++] = script;
		for (size_t i = 0; i < source_count; i++)
			argv[n++] = sources[i];
		argv[n++] = (char *)"-o";
		argv[n++] = unstripped;
		argv[n] = NULL;
		status = run(argv, req->verbosity, tc.cc_package);
		if (status == EXIT_OK) {
			char *strip_argv[] = { tc.objcopy, (char *)"-S", unstripped, stripped, NULL };
			status = run(strip_argv, req->verbosity, tc.package);
		}
		if (status == EXIT_OK)
			status = read_input(stripped, 64u << 20, &result->bytes, &result->size);
		if (status == EXIT_OK)
			status = clear_e_flags(recipe, result->bytes, result->size, stripped);
		free(argv);
	}
	remove_tree(tmpdir);
	if (status != EXIT_OK) {
		free_list(sources, source_count);
		compile_result_free(result);
		return status == EXIT_INVALID ? EXIT_TROUBLE : status;
	}
	free_list(sources, source_count);
	/* Inputs for the depfile: everything in the architecture's folder
	 * (sources, headers, its linker script), the shared clock logic, the
	 * data-page header and its Rust twin (both copied into the outputs), and a -T script from elsewhere. */
	char **inputs = NULL;
	size_t n = 0;
	bool complete = list_files(source_dir, input_suffixes, true, &inputs, &n) &&
			list_files(lib_dir, input_suffixes, false, &inputs, &n);
	static const char *const data_files[] = { "vdso/include/vdso_data.h",
						   "vdso/include/vdso_data.rs" };
	char **grown = complete ? realloc(inputs, (n + 3) * sizeof *inputs) : NULL;
	if (grown) {
		inputs = grown;
		for (size_t i = 0; i < sizeof data_files / sizeof data_files[0]; i++) {
			size_t len = strlen(req->data_dir) + 1 + strlen(data_files[i]) + 1;
			if ((inputs[n] = malloc(len)))
				snprintf(inputs[n], len, "%s/%s", req->data_dir, data_files[i]);
			complete = complete && inputs[n++] != NULL;
		}
		if (req->script)
			complete = complete && (inputs[n++] = strdup(script)) != NULL;
	}
	result->inputs = inputs;
	result->input_count = n;
	if (!grown || !complete) {
		compile_result_free(result);
		diag_error(NULL, "out of memory");
		return EXIT_TROUBLE;
	}
	qsort(inputs, n, sizeof *inputs, compare_names);
	return EXIT_OK;
}

void compile_result_free(struct compile_result *result)
{
	free(result->bytes);
	free_list(result->inputs, result->input_count);
	memset(result, 0, sizeof *result);
}
