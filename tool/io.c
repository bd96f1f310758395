/* io: diagnostics, whole-file input and atomic output. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "io.h"
#include "mkvdso.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool parse_number(const char *text, uint64_t *out)
{
	int base = 10;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (!isxdigit((unsigned char)text[0]) || (base == 10 && !isdigit((unsigned char)text[0])))
		return false;
	errno = 0;
	char *end;
	unsigned long long value = strtoull(text, &end, base);
	if (errno || *end)
		return false;
	*out = value;
	return true;
}

static void diag(const char *file, const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("mkvdso: ", stderr);
	if (file)
		fprintf(stderr, "%s: ", file);
	fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void diag_error(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag(file, "", fmt, ap);
	va_end(ap);
}

void diag_warning(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag(file, "warning: ", fmt, ap);
	va_end(ap);
}

int read_input(const char *path, size_t max_size, unsigned char **bytes, size_t *size)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(name, "%s", strerror(errno));
		return EXIT_TROUBLE;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		diag_error(name, "is a directory, expected a vDSO image");
		if (!is_stdin)
			close(fd);
		return EXIT_TROUBLE;
	}
	/* A regular file says its size: refuse it before reading a byte, so a
	 * huge (or sparse) file costs neither the time nor the memory. */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_size) {
		diag_error(name, "%jd bytes, larger than the %zu-byte input limit "
			   "(--max-input=BYTES raises it)", (intmax_t)st.st_size, max_size);
		if (!is_stdin)
			close(fd);
		return EXIT_INVALID;
	}
	size_t capacity = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	if (capacity > max_size + 1)
		capacity = max_size + 1;
	unsigned char *buf = malloc(capacity);
	size_t used = 0;
	int status = EXIT_OK;
	while (buf) {
		if (used == capacity) {
			if (capacity > max_size) {
				diag_error(name, "more than the %zu-byte input limit "
					   "(--max-input=BYTES raises it)", max_size);
				status = EXIT_INVALID;
				break;
			}
			size_t grown = capacity * 2 > max_size + 1 ? max_size + 1 : capacity * 2;
			unsigned char *next = realloc(buf, grown);
			if (!next) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = next;
			capacity = grown;
		}
		ssize_t got = read(fd, buf + used, capacity - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_error(name, "read failed: %s", strerror(errno));
			status = EXIT_TROUBLE;
			break;
		}
		if (got == 0)
			break;
		used += (size_t)got;
		if (used > max_size) {
			diag_error(name, "more than the %zu-byte input limit "
				   "(--max-input=BYTES raises it)", max_size);
			status = EXIT_INVALID;
			break;
		}
	}
	if (!is_stdin)
		close(fd);
	if (!buf) {
		diag_error(name, "out of memory reading the file");
		return EXIT_TROUBLE;
	}
	if (status != EXIT_OK) {
		free(buf);
		return status;
	}
	*bytes = buf;
	*size = used;
	return EXIT_OK;
}

static bool write_all(int fd, const unsigned char *bytes, size_t size)
{
	while (size) {
		ssize_t done = write(fd, bytes, size);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			if (done == 0)
				errno = EIO;
			return false;
		}
		bytes += done;
		size -= (size_t)done;
	}
	return true;
}

int output_open(struct output_file *out, const char *path)
{
	out->fd = -1;
	out->temporary[0] = '\0';
	size_t len = strlen(path);
	if (len >= sizeof out->path) {
		diag_error(path, "%s", strerror(ENAMETOOLONG));
		return EXIT_TROUBLE;
	}
	memcpy(out->path, path, len + 1);
	/* The file is created in the target's folder so that naming and
	 * renaming it later cannot cross file systems. */
	char dir[PATH_MAX] = ".";
	const char *slash = strrchr(path, '/');
	if (slash) {
		size_t dir_len = slash == path ? 1 : (size_t)(slash - path); /* "/x" is in "/" */
		memcpy(dir, path, dir_len);
		dir[dir_len] = '\0';
	}
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	/* EOPNOTSUPP: the file system has no unnamed files; EISDIR, EINVAL:
	 * the kernel predates them. */
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(out->temporary, sizeof out->temporary, "%s.tmp.XXXXXX", path);
		fd = mkostemp(out->temporary, O_CLOEXEC);
		if (fd < 0)
			out->temporary[0] = '\0';
	}
	if (fd < 0) {
		diag_error(path, "cannot create a temporary file beside it: %s", strerror(errno));
		return EXIT_TROUBLE;
	}
	out->fd = fd;
	/* mkostemp makes 0600 and O_TMPFILE applies the umask: outputs are
	 * 0644 either way, as before. */
	if (fchmod(fd, 0644) != 0) {
		diag_error(path, "cannot set the temporary file's mode: %s", strerror(errno));
		output_discard(out);
		return EXIT_TROUBLE;
	}
	return EXIT_OK;
}

/* linkat() through /proc needs no privilege; AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH, so it is only the answer where /proc is missing. */
static int link_unnamed(int fd, const char *name)
{
	char proc_path[32];
	snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc_path, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT || access("/proc/self/fd", F_OK) == 0)
		return -1;
	return linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH);
}

/* Gives a written output its temporary name (an unnamed one gets
 * PATH.tmp.PID.N) and closes it, reporting what the close reports. */
static bool name_output(struct output_file *out)
{
	if (!out->temporary[0]) {
		int err = EEXIST;
		/* An existing name is a leftover of some other run: try the next. */
		for (unsigned attempt = 0; err == EEXIST && attempt < 100; attempt++) {
			snprintf(out->temporary, sizeof out->temporary, "%s.tmp.%ld.%u", out->path,
				 (long)getpid(), attempt);
			err = link_unnamed(out->fd, out->temporary) == 0 ? 0 : errno;
		}
		if (err) {
			diag_error(out->path, "cannot name the written file %s: %s",
				   out->temporary, strerror(err));
			out->temporary[0] = '\0';
			return false;
		}
	}
	int fd = out->fd;
	out->fd = -1;
	if (close(fd) != 0) {
		diag_error(out->path, "write failed: %s", strerror(errno));
		return false;
	}
	return true;
}

int output_commit(struct output_file *outs, size_t count)
{
	/* Unnamed outputs get names only here: from the first name to the
	 * last rename, a few system calls (microseconds), a kill can leave a
	 * PATH.tmp.* file behind.  (Named fallbacks have theirs all along.) */
	for (size_t i = 0; i < count; i++) {
		if (!name_output(&outs[i])) {
			for (size_t j = 0; j < count; j++)
				output_discard(&outs[j]);
			return EXIT_TROUBLE;
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (rename(outs[i].temporary, outs[i].path) != 0) {
			diag_error(outs[i].path, "cannot rename %s into place: %s",
				   outs[i].temporary, strerror(errno));
			for (size_t j = i; j < count; j++)
				output_discard(&outs[j]);
			return EXIT_TROUBLE;
		}
		outs[i].temporary[0] = '\0';
	}
	return EXIT_OK;
}

void output_discard(struct output_file *out)
{
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	if (out->temporary[0])
		unlink(out->temporary);
	out->temporary[0] = '\0';
}

int write_output_atomic(const char *path, const void *bytes, size_t size)
{
	if (strcmp(path, "-") == 0) {
		if (!write_all(STDOUT_FILENO, bytes, size)) {
			diag_error("<stdout>", "write failed: %s", strerror(errno));
			return EXIT_TROUBLE;
		}
		return EXIT_OK;
	}
	struct output_file out;
	if (output_open(&out, path) != EXIT_OK)
		return EXIT_TROUBLE;
	if (!write_all(out.fd, bytes, size)) {
		diag_error(path, "write failed: %s", strerror(errno));
		output_discard(&out);
		return EXIT_TROUBLE;
	}
	return output_commit(&out, 1);
}
