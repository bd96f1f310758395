/* vdso_auxv.h: set AT_SYSINFO_EHDR in a new process's auxiliary vector.
 * Shipped by mkvdso build beside the generated image; do not edit a copy.
 *
 * A kernel building a process's initial stack lays out the auxiliary
 * vector as pairs of words (type, value) ending with an AT_NULL entry.
 * libc finds the vDSO through the AT_SYSINFO_EHDR (33) entry, whose value is
 * the user address of the image's ELF header (the generated NAME_BASE).
 * These helpers set that entry, replacing an existing one or inserting one
 * before AT_NULL, without ever writing past the vector's capacity.
 *
 * Two families of the same functions, for the two word sizes:
 *   vdso_auxv64_*   uint64_t words (64-bit processes)
 *   vdso_auxv32_*   uint32_t words (32-bit processes, also under a 64-bit
 *                   kernel)
 *
 *   ..._set_sysinfo_ehdr(auxv, capacity, address)
 *   ..._set(auxv, capacity, type, value)     any type except AT_NULL
 *   ..._find(auxv, capacity, type)           index of the entry, or < 0
 *
 * capacity counts entries (pairs of words), AT_NULL included: auxv points
 * to 2 * capacity words.  Only entries up to the first AT_NULL are the
 * vector; the rest is free room.
 *
 * Success returns the number of entries in use afterwards, AT_NULL
 * included (so 2 * result words of stack are taken).  Failure returns one
 * of the negative VDSO_AUXV_ERR_* codes and writes nothing.  Every entry
 * of the type is updated (glibc and musl both take the last one they see);
 * a new entry goes where AT_NULL was, and AT_NULL moves one entry on, so
 * AT_NULL stays last.  The new AT_NULL is written before the old one is
 * overwritten: the vector is terminated at every step.
 *
 * Freestanding C99: needs only <stddef.h> and <stdint.h>, calls nothing. */
#ifndef MKVDSO_VDSO_AUXV_H
#define MKVDSO_VDSO_AUXV_H

#include <stddef.h>
#include <stdint.h>

#define VDSO_AT_NULL 0
#define VDSO_AT_SYSINFO_EHDR 33

/* The vector has no free entry after AT_NULL: capacity is too small. */
#define VDSO_AUXV_ERR_FULL (-1)
/* No AT_NULL within capacity entries: not a vector, or capacity is wrong. */
#define VDSO_AUXV_ERR_UNTERMINATED (-2)
/* AT_SYSINFO_EHDR with value 0: musl and Go read 0 as "no vDSO" and would
 * silently make every clock call a system call. */
#define VDSO_AUXV_ERR_ZERO_VALUE (-3)
/* The type is AT_NULL, which marks the end and cannot be set. */
#define VDSO_AUXV_ERR_BAD_TYPE (-4)
/* auxv is NULL with a non-zero capacity. */
#define VDSO_AUXV_ERR_NULL_VECTOR (-5)
/* For entries not found by vdso_auxv*_find. */
#define VDSO_AUXV_ERR_NOT_FOUND (-6)

/* The index of the first AT_NULL within capacity, or -1. */
static inline ptrdiff_t vdso_auxv64_end_(const uint64_t *auxv, size_t capacity)
{
	size_t i;
	for (i = 0; i < capacity; i++)
		if (auxv[2 * i] == VDSO_AT_NULL)
			return (ptrdiff_t)i;
	return -1;
}

static inline ptrdiff_t vdso_auxv32_end_(const uint32_t *auxv, size_t capacity)
{
	size_t i;
	for (i = 0; i < capacity; i++)
		if (auxv[2 * i] == VDSO_AT_NULL)
			return (ptrdiff_t)i;
	return -1;
}

/* The index of the first entry of type before AT_NULL;
 * VDSO_AUXV_ERR_NOT_FOUND, _UNTERMINATED, _BAD_TYPE or _NULL_VECTOR. */
static inline ptrdiff_t vdso_auxv64_find(const uint64_t *auxv, size_t capacity, uint64_t type)
{
	ptrdiff_t end, i;
	if (type == VDSO_AT_NULL)
		return VDSO_AUXV_ERR_BAD_TYPE;
	if (!auxv && capacity)
		return VDSO_AUXV_ERR_NULL_VECTOR;
	end = vdso_auxv64_end_(auxv, capacity);
	if (end < 0)
		return VDSO_AUXV_ERR_UNTERMINATED;
	for (i = 0; i < end; i++)
		if (auxv[2 * i] == type)
			return i;
	return VDSO_AUXV_ERR_NOT_FOUND;
}

static inline ptrdiff_t vdso_auxv32_find(const uint32_t *auxv, size_t capacity, uint32_t type)
{
	ptrdiff_t end, i;
	if (type == VDSO_AT_NULL)
		return VDSO_AUXV_ERR_BAD_TYPE;
	if (!auxv && capacity)
		return VDSO_AUXV_ERR_NULL_VECTOR;
	end = vdso_auxv32_end_(auxv, capacity);
	if (end < 0)
		return VDSO_AUXV_ERR_UNTERMINATED;
	for (i = 0; i < end; i++)
		if (auxv[2 * i] == type)
			return i;
	return VDSO_AUXV_ERR_NOT_FOUND;
}

/* Sets every entry of type to value, or inserts one before AT_NULL.
 * Returns the entries in use (AT_NULL included) or VDSO_AUXV_ERR_FULL,
 * _UNTERMINATED, _BAD_TYPE or _NULL_VECTOR, having written nothing. */
static inline ptrdiff_t vdso_auxv64_set(uint64_t *auxv, size_t capacity, uint64_t type,
					uint64_t value)
{
	ptrdiff_t end, i, found = 0;
	if (type == VDSO_AT_NULL)
		return VDSO_AUXV_ERR_BAD_TYPE;
	if (!auxv && capacity)
		return VDSO_AUXV_ERR_NULL_VECTOR;
	end = vdso_auxv64_end_(auxv, capacity);
	if (end < 0)
		return VDSO_AUXV_ERR_UNTERMINATED;
	for (i = 0; i < end; i++) {
		if (auxv[2 * i] == type) {
			auxv[2 * i + 1] = value;
			found = 1;
		}
	}
	if (found)
		return end + 1;
	if ((size_t)end + 1 >= capacity)
		return VDSO_AUXV_ERR_FULL;
	auxv[2 * end + 2] = VDSO_AT_NULL;
	auxv[2 * end + 3] = 0;
	auxv[2 * end + 1] = value;
	auxv[2 * end] = type;
	return end + 2;
}

static inline ptrdiff_t vdso_auxv32_set(uint32_t *auxv, size_t capacity, uint32_t type,
					uint32_t value)
{
	ptrdiff_t end, i, found = 0;
	if (type == VDSO_AT_NULL)
		return VDSO_AUXV_ERR_BAD_TYPE;
	if (!auxv && capacity)
		return VDSO_AUXV_ERR_NULL_VECTOR;
	end = vdso_auxv32_end_(auxv, capacity);
	if (end < 0)
		return VDSO_AUXV_ERR_UNTERMINATED;
	for (i = 0; i < end; i++) {
		if (auxv[2 * i] == type) {
			auxv[2 * i + 1] = value;
			found = 1;
		}
	}
	if (found)
		return end + 1;
	if ((size_t)end + 1 >= capacity)
		return VDSO_AUXV_ERR_FULL;
	auxv[2 * end + 2] = VDSO_AT_NULL;
	auxv[2 * end + 3] = 0;
	auxv[2 * end + 1] = value;
	auxv[2 * end] = type;
	return end + 2;
}

/* Points AT_SYSINFO_EHDR at the vDSO mapped at address (NAME_BASE).
 * VDSO_AUXV_ERR_ZERO_VALUE for address 0; otherwise as vdso_auxv64_set. */
static inline ptrdiff_t vdso_auxv64_set_sysinfo_ehdr(uint64_t *auxv, size_t capacity,
						     uint64_t address)
{
	if (address == 0)
		return VDSO_AUXV_ERR_ZERO_VALUE;
	return vdso_auxv64_set(auxv, capacity, VDSO_AT_SYSINFO_EHDR, address);
}

static inline ptrdiff_t vdso_auxv32_set_sysinfo_ehdr(uint32_t *auxv, size_t capacity,
						     uint32_t address)
{
	if (address == 0)
		return VDSO_AUXV_ERR_ZERO_VALUE;
	return vdso_auxv32_set(auxv, capacity, VDSO_AT_SYSINFO_EHDR, address);
}

#endif
