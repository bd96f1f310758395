/*
 * getrandom-stub.c: a __kernel_getrandom (aarch64; -DGETRANDOM=__vdso_getrandom
 * on x86_64) added to the built-in vDSO for getrandom.sh, in one of the ways a
 * kernel author might get it wrong.
 * glibc >= 2.41 and Go >= 1.24 first call it with Linux's opaque-state probe,
 * (NULL, 0, 0, &params, ~0UL), to learn the size, protection and flags of the
 * per-thread state they map, then call it for every random byte.
 *
 *   -DSTUB_ENOSYS  answers everything with -ENOSYS (a placeholder)
 *   -DSTUB_TRAP    faults on any call (a half-written one)
 *   -DSTUB_FAKE    answers the probe as Linux does, then "random" bytes that
 *                  are all 0x42 (a protocol without the cryptography)
 */
#include <stddef.h>

#ifndef GETRANDOM
#define GETRANDOM __kernel_getrandom
#endif

long GETRANDOM(void *buffer, size_t len, unsigned int flags, void *state, size_t state_len);

/* struct vgetrandom_opaque_params, include/uapi/linux/random.h */
struct opaque_params {
	unsigned int size_of_opaque_state, mmap_prot, mmap_flags, reserved[13];
};

long GETRANDOM(void *buffer, size_t len, unsigned int flags, void *state, size_t state_len)
{
	(void)flags;
#if defined STUB_ENOSYS
	(void)buffer, (void)len, (void)state, (void)state_len;
	return -38;
#elif defined STUB_TRAP
	(void)buffer, (void)len, (void)state, (void)state_len;
	__builtin_trap();
#elif defined STUB_FAKE
	if (state_len == ~(size_t)0) {
		struct opaque_params *params = state;
		params->size_of_opaque_state = 256;
		params->mmap_prot = 0x3;	/* PROT_READ | PROT_WRITE */
		params->mmap_flags = 0x22;	/* MAP_PRIVATE | MAP_ANONYMOUS */
		return 0;
	}
	/* volatile: no memset call, nothing resolves a vDSO's imports */
	volatile unsigned char *bytes = buffer;
	for (size_t i = 0; i < len; i++)
		bytes[i] = 0x42;
	return (long)len;
#else
#error "define STUB_ENOSYS, STUB_TRAP or STUB_FAKE"
#endif
}
