/* hashwalk: walking DT_HASH and DT_GNU_HASH the way dynamic linkers do.
 *
 * Both the checks (is every exported symbol reachable?) and the consumer
 * models (glibc and Go find symbols through these tables, not by scanning)
 * need the same walks.  A walk calls accept() for each candidate index the
 * table yields for a name and stops at the first accepted one. */
#ifndef MKVDSO_HASHWALK_H
#define MKVDSO_HASHWALK_H

#include "image.h"

/* The most entries a walk follows in one chain.  The checks walk once per
 * symbol, so without a cap one long chain makes them quadratic; with it
 * they take at most IMAGE_MAX_SYMBOLS * HASH_MAX_CHAIN steps.  Linkers
 * size the tables for chains of a few entries. */
#define HASH_MAX_CHAIN 256

enum walk_result {
	WALK_FOUND,
	WALK_NOT_FOUND,
	WALK_NO_BUCKETS,      /* nbucket == 0 */
	WALK_BAD_INDEX,       /* a chain names an index outside the table */
	WALK_LOOP,            /* a DT_HASH chain does not end */
	WALK_FAULT,           /* a table entry lies outside the mapping */
	WALK_LIMIT,           /* the chain goes on past HASH_MAX_CHAIN entries */
};

/* accept(index, data) returns true to stop the walk at index. */
typedef bool (*walk_accept)(uint64_t index, void *data);

/* glibc and bionic check the bloom filter first; Go does not. */
enum walk_result gnu_hash_walk(const struct vdso_image *image, const char *name,
			       bool use_bloom, walk_accept accept, void *data,
			       uint64_t *found);
enum walk_result sysv_hash_walk(const struct vdso_image *image, const char *name,
				walk_accept accept, void *data, uint64_t *found);
/* The walk glibc and Go make: DT_GNU_HASH when the image has one (with or
 * without its bloom filter), else DT_HASH. */
enum walk_result preferred_hash_walk(const struct vdso_image *image, const char *name,
				     bool use_bloom, walk_accept accept, void *data,
				     uint64_t *found);
const char *walk_result_text(enum walk_result result);

#endif
