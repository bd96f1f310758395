/* toolchain: compile the built-in vDSO with a cross compiler, and find the
 * files mkvdso ships (vDSO sources, linker script, helper headers) both in
 * the build tree and after `cmake --install`. */
#ifndef MKVDSO_TOOLCHAIN_H
#define MKVDSO_TOOLCHAIN_H

#include "arch.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The folder holding vdso/ and include/: $MKVDSO_DATADIR, else
 * <exe>/../share/mkvdso, else the source tree this binary was built from.
 * Returns false (message printed) if none has them. */
bool find_data_dir(char *out, size_t size);

struct compile_request {
	const struct arch_contract *arch;
	const char *data_dir;
	const char *cross_compile;   /* prefix; NULL: $CROSS_COMPILE, then the default */
	const char *cc;              /* the compiler; NULL: <prefix>gcc */
	const char *script;          /* -T override, or NULL for vdso/<arch>/vdso.lds */
	bool have_syscall_insn;
	struct syscall_insn syscall_insn;
	const char *hash_style;      /* --hash-style: sysv or both; NULL: Linux's for arch */
	int verbosity;
};

struct compile_result {
	unsigned char *bytes;
	size_t size;
	char **inputs;               /* every file the image was built from, sorted */
	size_t input_count;
};

/* The compiler a request names (--cc, --cross-compile, $CROSS_COMPILE,
 * the recipe's default), found and asked for its own header folder: what
 * the built-in vDSO and vdso-probe are both compiled with. */
struct toolchain {
	char cc[PATH_MAX];
	char objcopy[PATH_MAX];
	bool is_clang;
	char target_flag[64];        /* --target=... (pass it when is_clang) */
	char headers[PATH_MAX];      /* the compiler's stddef.h, stdint.h, ... */
	const char *package;         /* the Debian package of the cross toolchain */
	const char *cc_package;      /* ... and of the compiler itself */
};

/* EXIT_OK, or EXIT_TROUBLE with the reason (no recipe, no compiler) printed. */
int toolchain_find(const struct compile_request *request, struct toolchain *tc);
/* Runs a tool, its stderr passed through; EXIT_OK or EXIT_TROUBLE, printed. */
int toolchain_run(char *const argv[], int verbosity, const char *package);
/* A fresh folder under $TMPDIR (or /tmp), and its removal with its files. */
int toolchain_make_tmpdir(char *out, size_t size);
void toolchain_remove_tmpdir(const char *dir);

/* Which architectures have a built-in vDSO. */
bool toolchain_has_builtin(const struct arch_contract *arch);
/* Returns an exit status: EXIT_OK, or EXIT_TROUBLE with the reason printed. */
int compile_builtin(const struct compile_request *request, struct compile_result *result);
void compile_result_free(struct compile_result *result);

#endif
