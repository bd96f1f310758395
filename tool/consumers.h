/* consumers: what musl, glibc, Go and bionic will do with an image.
 *
 * Each model replays that consumer's own lookup on the mapped image: its
 * base computation (first or last PT_LOAD), where it reads the dynamic
 * table (p_offset or p_vaddr), the hash table it walks or the linear scan
 * it does, and its symbol, version and visibility filters.  A read outside
 * the mapping is a crash, exactly as it would be in the process.  The
 * result, per function the consumer looks up on this architecture, is a
 * verdict for static and for dynamic programs. */
#ifndef MKVDSO_CONSUMERS_H
#define MKVDSO_CONSUMERS_H

#include "arch.h"
#include "image.h"

enum outcome {
	OUTCOME_USES,        /* calls the vDSO function */
	OUTCOME_FALLBACK,    /* silently makes the system call instead */
	OUTCOME_CRASH,       /* the program dies */
};

enum linkage { LINK_STATIC, LINK_DYNAMIC, LINK_COUNT };

struct outcome_detail {
	enum outcome outcome;
	uint64_t offset;     /* OUTCOME_USES: offset of the function in the image */
	char reason[160];
};

struct verdict {
	const struct consumer_lookup *lookup;
	/* The lookup's releases, or part of them where this image meets a
	 * behaviour that changed inside that range (consumers.c: release_splits). */
	char releases[24];
	struct outcome_detail linkage[LINK_COUNT];
};

struct verdicts {
	struct verdict *items;
	size_t count;
};

const char *outcome_name(enum outcome outcome);
/* Fills verdicts for every lookup of arch whose consumer is in mask.
 * Returns false on allocation failure. */
bool consumers_evaluate(const struct vdso_image *image, const struct arch_contract *arch,
			unsigned mask, struct verdicts *verdicts);
void verdicts_free(struct verdicts *verdicts);

#endif
