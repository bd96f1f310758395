/* place: fix an image for the user address the kernel maps it at.
 *
 * Default mode keeps the headers linked at 0 (every libc derives the load
 * bias from AT_SYSINFO_EHDR, and bionic needs a non-zero bias); R_*_RELATIVE
 * relocations are applied for the address and turned into R_*_NONE so
 * nothing is left for anyone to process.  --prelink additionally rewrites
 * every address field (program and section headers, dynamic pointers,
 * symbol values, entry, relocation offsets) so the file is linked at the
 * address.  The caller reloads and re-checks the result. */
#ifndef MKVDSO_PLACE_H
#define MKVDSO_PLACE_H

#include "arch.h"
#include "image.h"

struct placement {
	unsigned char *bytes;    /* the placed image, a modified copy */
	size_t size;
	uint64_t base;
	bool prelinked;
	size_t relocations_applied;
	bool write_past_end;     /* a field to rewrite was not in the file */
	bool written_twice;      /* two tables share a field: refused, never added twice */
	uint64_t bad_offset;
	unsigned char *written;  /* a bit per byte already rewritten; freed by place_image */
};

/* Checks base for arch (page-aligned, in user space, below 4 GiB for a
 * 32-bit image, room for reserve_below bytes of data below it). */
bool place_check_base(const struct arch_contract *arch, uint64_t base, uint64_t image_size,
		      uint64_t reserve_below, char *error, size_t error_size);

/* Returns false with error set if the image cannot be placed (a relocation
 * that needs a symbol, an unknown address-class dynamic tag, no memory). */
bool place_image(const struct vdso_image *image, const struct arch_contract *arch,
		 uint64_t base, bool prelink, struct placement *out,
		 char *error, size_t error_size);
void placement_free(struct placement *placement);

#endif
