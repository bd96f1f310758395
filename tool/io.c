/* io: diagnostics, whole-file input and atomic output. */
#include "mkvdso.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
	size_t capacity = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	if (capacity > max_size + 1)
		capacity = max_size + 1;
	unsigned char *buf = malloc(capacity);
	size_t used = 0;
	int status = EXIT_OK;
	while (buf) {
		if (used == capacity) {
			if (capacity > max_size) {
				diag_error(name, "larger than the %zu-byte input limit (--max-input)",
					   max_size);
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
			diag_error(name, "larger than the %zu-byte input limit (--max-input)", max_size);
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
		if (done <= 0)
			return false;
		bytes += done;
		size -= (size_t)done;
	}
	return true;
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
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	if (!tmp) {
		diag_error(path, "out of memory");
		return EXIT_TROUBLE;
	}
	/* The temporary lives beside the target so rename() cannot cross
	 * file systems. */
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		diag_error(path, "cannot create a temporary file beside it: %s", strerror(errno));
		free(tmp);
		return EXIT_TROUBLE;
	}
	bool ok = write_all(fd, bytes, size);
	int saved = errno;
	ok = ok && fchmod(fd, 0644) == 0;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		diag_error(path, "write failed: %s", strerror(saved));
	}
	free(tmp);
	return ok ? EXIT_OK : EXIT_TROUBLE;
}
