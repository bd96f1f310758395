/* replay: runs fuzz_pipeline's LLVMFuzzerTestOneInput on saved inputs,
 * without libFuzzer, so the normal test suite (and its ASan/UBSan build)
 * replays the seed corpus and every crash ever found.
 *
 *   replay PATH...    each PATH is a file or a folder of files
 *
 * Exits 0 if every input ran; a crash is the sanitizer's or the signal's. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t capacity = 1 << 16, size = 0;
	unsigned char *bytes = malloc(capacity);
	size_t n;
	while (bytes && (n = fread(bytes + size, 1, capacity - size, f)) > 0) {
		size += n;
		if (size == capacity) {
			unsigned char *grown = realloc(bytes, capacity * 2);
			if (!grown) {
				free(bytes);
				bytes = NULL;
				break;
			}
			bytes = grown;
			capacity *= 2;
		}
	}
	int failed = ferror(f) || !bytes;
	fclose(f);
	if (failed) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(bytes);
		return 1;
	}
	LLVMFuzzerTestOneInput(bytes, size);
	free(bytes);
	(*count)++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, size_t *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	DIR *dir = opendir(path);
	if (!dir) {
		perror(path);
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	int failed = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;  /* ".", "..", ".gitkeep" */
		char **grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || !(grown[n] = strdup(e->d_name))) {
			names = grown ? grown : names;
			failed = 1;
			break;
		}
		names = grown;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		failed |= replay_path(full, count);
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n", argv[0]);
		return 2;
	}
	size_t count = 0;
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed |= replay_path(argv[i], &count);
	printf("replayed %zu input(s)\n", count);
	return failed;
}
