/* report: inspect's output, as text for people and JSON for scripts.
 * Both carry the same content: the image summary, findings and verdicts. */
#ifndef MKVDSO_REPORT_H
#define MKVDSO_REPORT_H

#include "check.h"
#include "consumers.h"

#include <stdio.h>

#define INSPECT_SCHEMA "mkvdso-inspect/1"

struct report_input {
	const char *name;                  /* the file as the user named it */
	const struct vdso_image *image;
	const struct arch_contract *arch;
	const struct findings *findings;
	const struct verdicts *verdicts;
};

enum report_detail { REPORT_QUIET, REPORT_NORMAL, REPORT_VERBOSE };

void report_text(FILE *out, const struct report_input *in, enum report_detail detail);
void report_json(FILE *out, const struct report_input *in, bool pretty);

/* What `mkvdso build` tells the user it made (unless -q): the image, its
 * symbols' addresses, the data page, what each consumer will do with it,
 * and the files, in a few lines a newcomer can read. */
struct emit_input;
struct build_summary {
	const struct emit_input *placed;   /* what the outputs describe */
	const char *prebuilt;              /* the --prebuilt file, NULL: the built-in vDSO */
	const struct verdicts *verdicts;   /* of the placed image */
	const char *output_dir;
	const char *const *paths;          /* every file written, in order */
	size_t path_count;
};

void report_build_summary(FILE *out, const struct build_summary *summary);

/* Names for ELF constants, "?" style fallbacks for unknown values. */
const char *dynamic_tag_name(int64_t tag);

#endif
