/* io: output files that are either wholly replaced or not touched at all.
 *
 * An output is written into an unnamed file in its target's folder
 * (O_TMPFILE), so a full disk, a write error or a killed process leaves
 * nothing behind; the kernel frees the file with its last descriptor.
 * Only output_commit() gives written files names and renames them over
 * their targets.  Where the file system refuses O_TMPFILE, a named
 * "PATH.tmp.*" temporary stands in: removed on every failure this process
 * sees, left behind only if it is killed. */
#ifndef MKVDSO_IO_H
#define MKVDSO_IO_H

#include <limits.h>
#include <stddef.h>

struct output_file {
	char path[PATH_MAX];            /* the target */
	char temporary[PATH_MAX + 32];  /* the name it has before the rename, if any */
	int fd;                         /* -1 once closed */
};

/* Starts an output for path; write the content to out->fd.  EXIT_OK, or
 * EXIT_TROUBLE with "mkvdso: PATH: reason" printed and nothing created. */
int output_open(struct output_file *out, const char *path);

/* Replaces every target with its written output.  All of them get their
 * temporary names first and are renamed only then, so what a full or
 * read-only disk can refuse is refused before any target changes.
 * EXIT_OK, or EXIT_TROUBLE with the reason printed and every output not yet
 * renamed discarded. */
int output_commit(struct output_file *outs, size_t count);

/* Drops an output that will not be committed; nothing of it stays. */
void output_discard(struct output_file *out);

#endif
