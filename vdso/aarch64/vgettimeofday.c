/*
 * vgettimeofday.c: the aarch64 glue of mkvdso's built-in vDSO, as Linux's
 * arch/arm64/include/asm/vdso/gettimeofday.h: the counter (CNTVCT_EL0) and
 * its ordering, the barriers, the system call, and the exported names
 * __kernel_clock_gettime, __kernel_gettimeofday and __kernel_clock_getres
 * (vdso.lds puts them at LINUX_2.6.39).  The clock logic is
 * vdso/lib/gettimeofday.h, shared with every architecture.
 */
#include <stdint.h>

#include "vdso_data.h"

/* The system-call instruction; mkvdso build --syscall-insn replaces it (e.g.
 * 0xdeadbeef for rel4-linux-kit, which traps that word instead of svc). */
#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0xd4000001 /* svc #0 */
#endif
#define VDSO_STR_(x) #x
#define VDSO_STR(x) VDSO_STR_(x)

#define NR_clock_gettime 113
#define NR_clock_getres 114
#define NR_gettimeofday 169

#define VDSO_CLOCK_MODE MKVDSO_CLOCK_MODE_CNTVCT

struct vdso_timespec;
struct vdso_timeval;
struct vdso_timezone;
#define VDSO_CLOCK_GETTIME __kernel_clock_gettime
#define VDSO_GETTIMEOFDAY __kernel_gettimeofday
#define VDSO_CLOCK_GETRES __kernel_clock_getres
int __kernel_clock_gettime(int32_t clock, struct vdso_timespec *ts);
int __kernel_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int __kernel_clock_getres(int32_t clock, struct vdso_timespec *res);

static inline __attribute__((always_inline)) long vdso_syscall2(long nr, long arg0, long arg1)
{
	register long x0 __asm__("x0") = arg0;
	register long x1 __asm__("x1") = arg1;
	register long x8 __asm__("x8") = nr;
	__asm__ __volatile__(".inst " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t// system call"
			     : "+r"(x0)
			     : "r"(x1), "r"(x8)
			     : "memory");
	return x0;
}

/* smp_rmb(): earlier loads complete before later ones. */
static inline __attribute__((always_inline)) void vdso_read_barrier(void)
{
	__asm__ __volatile__("dmb ishld" ::: "memory");
}

static inline __attribute__((always_inline)) void vdso_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

/*
 * The virtual counter, as Linux's __arch_counter_get_cntvct(): isb so the
 * read is not speculated before the sequence load, then a fake address
 * dependency on the result so the sequence re-load cannot pass it
 * (arch_counter_enforce_ordering).  Never CNTPCT_EL0: EL0 may not read it.
 */
static inline __attribute__((always_inline)) uint64_t vdso_read_counter(void)
{
	uint64_t cnt, tmp;
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(cnt) :: "memory");
	__asm__ __volatile__("eor %0, %1, %1\n\tadd %0, sp, %0\n\tldr xzr, [%0]"
			     : "=r"(tmp) : "r"(cnt) : "memory");
	return cnt;
}

#include "../lib/gettimeofday.h"
