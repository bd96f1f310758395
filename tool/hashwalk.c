/* hashwalk: bucket and chain walks over the two ELF symbol hash tables. */
#include "hashwalk.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

enum walk_result gnu_hash_walk(const struct vdso_image *image, const char *name,
			       bool use_bloom, walk_accept accept, void *data,
			       uint64_t *found)
{
	const struct view *v = &image->view;
	if (!image->gnu_hash.mapped)
		return WALK_FAULT;
	if (image->gnu_nbucket == 0)
		return WALK_NO_BUCKETS;
	uint32_t hash = vdso_gnu_hash(name);
	unsigned word_bits = view_word_size(v) * 8;
	uint64_t bloom = image->gnu_hash.offset + 16;
	if (use_bloom) {
		if (image->gnu_bloom_size == 0)
			return WALK_NOT_FOUND;
		uint64_t word;
		uint64_t at = bloom + (uint64_t)((hash / word_bits) % image->gnu_bloom_size) *
				      view_word_size(v);
		if (!view_word(v, at, &word))
			return WALK_FAULT;
		uint64_t mask = (1ull << (hash % word_bits)) |
				(1ull << ((hash >> (image->gnu_bloom_shift % 32)) % word_bits));
		if ((word & mask) != mask)
			return WALK_NOT_FOUND;
	}
	uint64_t buckets = bloom + (uint64_t)image->gnu_bloom_size * view_word_size(v);
	uint64_t chains = buckets + (uint64_t)image->gnu_nbucket * 4;
	uint32_t index;
	if (!view_u32(v, buckets + (uint64_t)(hash % image->gnu_nbucket) * 4, &index))
		return WALK_FAULT;
	if (index == 0)
		return WALK_NOT_FOUND;
	if (index < image->gnu_symoffset)
		return WALK_BAD_INDEX;
	for (uint64_t i = index;; i++) {
		uint32_t chain_hash;
		if (i - index == HASH_MAX_CHAIN)
			return WALK_LIMIT;
		if (!view_u32(v, chains + (i - image->gnu_symoffset) * 4, &chain_hash))
			return WALK_FAULT;
		if ((chain_hash | 1) == (hash | 1) && accept(i, data)) {
			*found = i;
			return WALK_FOUND;
		}
		if (chain_hash & 1)
			return WALK_NOT_FOUND;
	}
}

enum walk_result sysv_hash_walk(const struct vdso_image *image, const char *name,
				walk_accept accept, void *data, uint64_t *found)
{
	if (!image->hash.mapped)
		return WALK_FAULT;
	if (image->hash_nbucket == 0)
		return WALK_NO_BUCKETS;
	uint64_t index;
	if (!image_sysv_bucket(image, vdso_sysv_hash(name) % image->hash_nbucket, &index))
		return WALK_FAULT;
	/* A chain longer than nchain has revisited an index: it loops.  In a
	 * table of more than HASH_MAX_CHAIN symbols a loop shows as a chain
	 * too long to follow. */
	for (uint64_t steps = 0; index != 0; steps++) {
		if (index >= image->hash_nchain)
			return WALK_BAD_INDEX;
		if (steps > image->hash_nchain)
			return WALK_LOOP;
		if (steps == HASH_MAX_CHAIN)
			return WALK_LIMIT;
		if (accept(index, data)) {
			*found = index;
			return WALK_FOUND;
		}
		if (!image_sysv_chain(image, index, &index))
			return WALK_FAULT;
	}
	return WALK_NOT_FOUND;
}

enum walk_result preferred_hash_walk(const struct vdso_image *image, const char *name,
				     bool use_bloom, walk_accept accept, void *data,
				     uint64_t *found)
{
	return image->gnu_hash.present
		? gnu_hash_walk(image, name, use_bloom, accept, data, found)
		: sysv_hash_walk(image, name, accept, data, found);
}

const char *walk_result_text(enum walk_result result)
{
	switch (result) {
	case WALK_FOUND: return "found";
	case WALK_NOT_FOUND: return "not found";
	case WALK_NO_BUCKETS: return "the table has no buckets";
	case WALK_BAD_INDEX: return "a chain names a symbol index outside the table";
	case WALK_LOOP: return "a hash chain loops";
	case WALK_FAULT: return "a table entry lies outside the image";
	case WALK_LIMIT: return "a hash chain goes on past the " STRINGIFY(HASH_MAX_CHAIN)
				" entries mkvdso follows";
	}
	return "?";
}
