/*
 * vgettimeofday.c: the 32-bit arm glue of mkvdso's built-in vDSO, as Linux's
 * arch/arm/include/asm/vdso/gettimeofday.h and arch/arm/vdso/: the counter
 * (CNTVCT), the barriers, the system call, and the exported names
 * __vdso_clock_gettime (time32), __vdso_clock_gettime64, __vdso_gettimeofday
 * and __vdso_clock_getres (time32), which vdso.lds puts at LINUX_2.6.  The
 * clock logic is vdso/lib/gettimeofday.h, shared with every architecture;
 * on this 32-bit target it takes its 32-bit paths (no 128-bit product, no
 * 64-bit divide, so no libgcc).
 *
 * ARM state (-marm, tool/toolchain.c), as Linux's vDSO in a kernel not built
 * for Thumb-2: every instruction is one 32-bit word, so --syscall-insn
 * replaces svc #0 with one word as on aarch64, and a kernel's trap handler
 * steps over 4 bytes.  Callers reach it through blx either way.
 *
 * There is no signal trampoline here: Linux's arm vDSO has none (its
 * [sigpage] holds the return code), glibc and musl set SA_RESTORER on arm,
 * and the generated header tells the kernel author what Go needs instead.
 */
#include <stdint.h>

#include "vdso_data.h"

/* The system-call instruction; mkvdso build --syscall-insn replaces it with
 * another 32-bit word (e.g. an undefined instruction a monitor traps). */
#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0xef000000 /* svc #0 */
#endif
#define VDSO_STR_(x) #x
#define VDSO_STR(x) VDSO_STR_(x)

/* The arm EABI numbers; 403 is clock_gettime64 (the time64 range). */
#define NR_gettimeofday 78
#define NR_clock_gettime 263
#define NR_clock_getres 264
#define NR_clock_gettime64 403

#define VDSO_CLOCK_MODE MKVDSO_CLOCK_MODE_CNTVCT

struct vdso_timespec;
struct vdso_old_timespec32;
struct vdso_timeval;
struct vdso_timezone;
#define VDSO_CLOCK_GETTIME __vdso_clock_gettime
#define VDSO_CLOCK_GETTIME64 __vdso_clock_gettime64
#define VDSO_GETTIMEOFDAY __vdso_gettimeofday
#define VDSO_CLOCK_GETRES __vdso_clock_getres
int __vdso_clock_gettime(int32_t clock, struct vdso_old_timespec32 *ts);
int __vdso_clock_gettime64(int32_t clock, struct vdso_timespec *ts);
int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int __vdso_clock_getres(int32_t clock, struct vdso_old_timespec32 *res);

/* The EABI convention: number in r7, arguments in r0-r6, the result in r0.
 * In ARM state r7 is an ordinary register (r11 is the frame pointer). */
static inline __attribute__((always_inline)) long vdso_syscall2(long nr, long arg0, long arg1)
{
	register long r0 __asm__("r0") = arg0;
	register long r1 __asm__("r1") = arg1;
	register long r7 __asm__("r7") = nr;
	__asm__ __volatile__(".inst " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t@ system call"
			     : "+r"(r0)
			     : "r"(r1), "r"(r7)
			     : "memory");
	return r0;
}

/* smp_rmb() on ARMv7: earlier loads complete before later ones. */
static inline __attribute__((always_inline)) void vdso_read_barrier(void)
{
	__asm__ __volatile__("dmb ish" ::: "memory");
}

/* The spin-wait hint, a nop where the core has no use for it. */
static inline __attribute__((always_inline)) void vdso_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

/*
 * The virtual counter, as Linux's arch_timer_read_cntvct_el0 on arm: isb so
 * the read is not speculated before the sequence load, then the 64-bit
 * CNTVCT through mrrc.  The kernel sets MKVDSO_CLOCK_MODE_CNTVCT only where
 * user mode may read it (CNTKCTL.PL0VCTEN set).
 */
static inline __attribute__((always_inline)) uint64_t vdso_read_counter(void)
{
	uint64_t cnt;
	__asm__ __volatile__("isb\n\tmrrc p15, 1, %Q0, %R0, c14" : "=r"(cnt) :: "memory");
	return cnt;
}

#include "../lib/gettimeofday.h"
