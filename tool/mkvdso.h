/* mkvdso: what every command shares: exit statuses, the run context and
 * diagnostics in the GNU "mkvdso: FILE: message" form. */
#ifndef MKVDSO_MKVDSO_H
#define MKVDSO_MKVDSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum exit_status {
	EXIT_OK = 0,
	EXIT_INVALID = 1,   /* the input is not a usable vDSO */
	EXIT_TROUBLE = 2,   /* I/O, toolchain, memory */
	EXIT_USAGE = 64,    /* argp's default for usage errors */
};

/* One per run; commands read their global options from here. */
struct mkvdso_ctx {
	int verbosity;      /* -1 quiet, 0 normal, 1+ verbose */
	bool json;
	bool pretty;
};

void diag_error(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_warning(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses a whole string as a decimal or 0x-prefixed hex number, no sign,
 * no octal, no overflow. */
bool parse_number(const char *text, uint64_t *out);

/* Reads a whole file ("-" is stdin) of at most max_size bytes.  On failure
 * prints the reason and returns the exit status (EXIT_TROUBLE for I/O,
 * EXIT_INVALID for a file over the limit). */
int read_input(const char *path, size_t max_size, unsigned char **bytes, size_t *size);

/* Writes bytes to path through an unnamed file in the same folder that is
 * named and renamed into place only when complete (io.h), so path is never
 * half-written; "-" is stdout. */
int write_output_atomic(const char *path, const void *bytes, size_t size);

int cmd_build(struct mkvdso_ctx *ctx, int argc, char **argv);
int cmd_inspect(struct mkvdso_ctx *ctx, int argc, char **argv);
int cmd_dump(struct mkvdso_ctx *ctx, int argc, char **argv);

#endif
