/* The C writer of vdso_data.h driven by a script on standard input, one
 * command a line; writer.rs is the same program for vdso_data.rs, and
 * tests/integration/data_page_rust.sh compares what the two print and the
 * pages they leave.  The page starts filled with a pattern, as a reused
 * kernel page would be.  Commands (numbers in decimal; "=" for mult or
 * shift: the last ones freq computed):
 *   init | begin | end | seq | mode N | res HRES COARSE | tz MINUTESWEST DST
 *   flags N | valid BITS | freq HZ | counter CS CYCLE_LAST MASK MULT SHIFT
 *   base CLOCK_ID SEC NSEC
 * Each prints one line; the page goes to the file named by the argument. */
#include "vdso_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *line)
{
	fprintf(stderr, "writer.c: %s: %s", what, line);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: writer PAGE_FILE <SCRIPT\n");
		return 2;
	}
	unsigned char *bytes = aligned_alloc(MKVDSO_DATA_SIZE, MKVDSO_DATA_SIZE);
	if (!bytes)
		return 2;
	for (size_t i = 0; i < MKVDSO_DATA_SIZE; i++)
		bytes[i] = (unsigned char)(i * 131 + 7);
	struct vdso_data *d = (struct vdso_data *)bytes;
	uint32_t mult = 0, shift = 0;
	char line[256], word[16], m[24], s[24];
	while (fgets(line, sizeof line, stdin)) {
		uint64_t a, b, c;
		int64_t x, y;
		if (sscanf(line, "%15s", word) != 1 || word[0] == '#')
			continue;
		if (!strcmp(word, "init")) {
			vdso_data_init(d);
			puts("init");
		} else if (!strcmp(word, "begin")) {
			vdso_data_begin_update(d);
			puts("begin");
		} else if (!strcmp(word, "end")) {
			vdso_data_end_update(d);
			puts("end");
		} else if (!strcmp(word, "seq")) {
			printf("seq %" PRIu32 "\n", vdso_data_read_seq(d));
		} else if (sscanf(line, "mode %" SCNd64, &x) == 1) {
			d->clock_mode = (int32_t)x;
			puts("mode");
		} else if (sscanf(line, "res %" SCNu64 " %" SCNu64, &a, &b) == 2) {
			d->hrtimer_res = (uint32_t)a;
			d->coarse_res = (uint32_t)b;
			puts("res");
		} else if (sscanf(line, "tz %" SCNd64 " %" SCNd64, &x, &y) == 2) {
			d->tz_minuteswest = (int32_t)x;
			d->tz_dsttime = (int32_t)y;
			puts("tz");
		} else if (sscanf(line, "flags %" SCNu64, &a) == 1) {
			d->flags = (uint32_t)a;
			puts("flags");
		} else if (sscanf(line, "valid %" SCNu64, &a) == 1) {
			d->valid_clocks = (uint32_t)a;
			puts("valid");
		} else if (sscanf(line, "freq %" SCNu64, &a) == 1) {
			if (vdso_data_calc_mult_shift(a, &mult, &shift) == 0)
				printf("freq %" PRIu32 " %" PRIu32 "\n", mult, shift);
			else
				puts("freq refused");
		} else if (sscanf(line, "counter %" SCNu64 " %" SCNu64 " %" SCNu64 " %23s %23s", &a, &b,
				  &c, m, s) == 5) {
			uint32_t use_mult = strcmp(m, "=") ? (uint32_t)strtoul(m, NULL, 10) : mult;
			uint32_t use_shift = strcmp(s, "=") ? (uint32_t)strtoul(s, NULL, 10) : shift;
			puts(vdso_data_set_counter(d, (unsigned)a, b, c, use_mult, use_shift) == 0
			     ? "counter" : "counter refused");
		} else if (sscanf(line, "base %" SCNu64 " %" SCNu64 " %" SCNu64, &a, &b, &c) == 3) {
			puts(vdso_data_set_base(d, (unsigned)a, b, (uint32_t)c) == 0 ? "base"
										  : "base refused");
		} else {
			return fail("unknown command", line);
		}
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f || fwrite(bytes, 1, MKVDSO_DATA_SIZE, f) != MKVDSO_DATA_SIZE || fclose(f) != 0) {
		perror(argv[1]);
		return 2;
	}
	free(bytes);
	return fflush(stdout) != 0;
}
