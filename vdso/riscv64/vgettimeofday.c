/*
 * vgettimeofday.c: the riscv64 glue of mkvdso's built-in vDSO, as Linux's
 * arch/riscv/include/asm/vdso/gettimeofday.h and arch/riscv/kernel/vdso/:
 * the counter (the time CSR), the barriers, the system call, and the
 * exported names __vdso_clock_gettime, __vdso_gettimeofday,
 * __vdso_clock_getres, plus __vdso_getcpu, __vdso_flush_icache and
 * __vdso_riscv_hwprobe as system-call wrappers (vdso.lds puts them all at
 * LINUX_4.15).  The clock logic is vdso/lib/gettimeofday.h, shared with
 * every architecture.  __vdso_rt_sigreturn is in rt_sigreturn.S.
 *
 * Nothing here needs more than 8-byte stack alignment: Go calls the vDSO
 * with only that on riscv64 (gcc keeps 16 and never relies on it for
 * integer code; there is no vector code here).
 */
#include <stdint.h>

#include "vdso_data.h"

/* The system-call instruction; mkvdso build --syscall-insn replaces it with
 * another 32-bit word (e.g. an illegal instruction a monitor traps). */
#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0x00000073 /* ecall */
#endif
#define VDSO_STR_(x) #x
#define VDSO_STR(x) VDSO_STR_(x)

/* asm-generic numbers, plus riscv's __NR_arch_specific_syscall (244) + n. */
#define NR_clock_gettime 113
#define NR_clock_getres 114
#define NR_getcpu 168
#define NR_gettimeofday 169
#define NR_riscv_hwprobe 258
#define NR_riscv_flush_icache 259

#define VDSO_CLOCK_MODE MKVDSO_CLOCK_MODE_RDTIME

struct vdso_timespec;
struct vdso_timeval;
struct vdso_timezone;
struct getcpu_cache;
struct riscv_hwprobe;
#define VDSO_CLOCK_GETTIME __vdso_clock_gettime
#define VDSO_GETTIMEOFDAY __vdso_gettimeofday
#define VDSO_CLOCK_GETRES __vdso_clock_getres
int __vdso_clock_gettime(int32_t clock, struct vdso_timespec *ts);
int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int __vdso_clock_getres(int32_t clock, struct vdso_timespec *res);
long __vdso_getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *unused);
long __vdso_flush_icache(void *start, void *end, unsigned long flags);
long __vdso_riscv_hwprobe(struct riscv_hwprobe *pairs, unsigned long pair_count,
			  unsigned long cpu_count, unsigned long *cpus, unsigned int flags);

/*
 * The kernel's calling convention: number in a7, arguments in a0-a5, the
 * result in a0; ecall changes nothing else.  One function for every arity:
 * unused arguments are passed as 0, which costs a few li and keeps one asm.
 * The word is emitted with .4byte: clang 14's assembler has no `.insn 4, W`,
 * and the stripped image carries no mapping symbols to call it data.
 */
static inline __attribute__((always_inline)) long vdso_syscall5(long nr, long arg0, long arg1,
								 long arg2, long arg3, long arg4)
{
	register long a0 __asm__("a0") = arg0;
	register long a1 __asm__("a1") = arg1;
	register long a2 __asm__("a2") = arg2;
	register long a3 __asm__("a3") = arg3;
	register long a4 __asm__("a4") = arg4;
	register long a7 __asm__("a7") = nr;
	__asm__ __volatile__(".4byte " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t# system call"
			     : "+r"(a0)
			     : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a7)
			     : "memory");
	return a0;
}

static inline __attribute__((always_inline)) long vdso_syscall2(long nr, long arg0, long arg1)
{
	register long a0 __asm__("a0") = arg0;
	register long a1 __asm__("a1") = arg1;
	register long a7 __asm__("a7") = nr;
	__asm__ __volatile__(".4byte " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t# system call"
			     : "+r"(a0)
			     : "r"(a1), "r"(a7)
			     : "memory");
	return a0;
}

/* smp_rmb(): earlier loads complete before later ones. */
static inline __attribute__((always_inline)) void vdso_read_barrier(void)
{
	__asm__ __volatile__("fence r, r" ::: "memory");
}

/* Zihintpause's pause (a fence with pred=w, succ=0): a nop on harts
 * without the extension, so every rv64 runs it. */
static inline __attribute__((always_inline)) void vdso_cpu_relax(void)
{
	__asm__ __volatile__(".4byte 0x0100000f\t# pause" ::: "memory");
}

/*
 * The time CSR, read as Linux's __arch_get_hw_counter does: no fence around
 * it, because on most harts rdtime traps to M-mode firmware (or is emulated),
 * which orders it; the kernel sets MKVDSO_CLOCK_MODE_RDTIME only where user
 * mode may read time (scounteren.TM set by it and by the firmware).
 */
static inline __attribute__((always_inline)) uint64_t vdso_read_counter(void)
{
	uint64_t t;
	__asm__ __volatile__("rdtime %0" : "=r"(t) :: "memory");
	return t;
}

#include "../lib/gettimeofday.h"

/* The riscv64 extras are system calls in Linux's vDSO too (getcpu, flush_icache;
 * hwprobe answers from a cache Linux fills at boot, which a foreign kernel's
 * data page does not hold).  Correct from a program's first instruction:
 * glibc >= 2.41 calls __riscv_hwprobe from IFUNC resolvers during relocation. */
long __vdso_getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *unused)
{
	return vdso_syscall5(NR_getcpu, (long)cpu, (long)node, (long)unused, 0, 0);
}

long __vdso_flush_icache(void *start, void *end, unsigned long flags)
{
	return vdso_syscall5(NR_riscv_flush_icache, (long)start, (long)end, (long)flags, 0, 0);
}

long __vdso_riscv_hwprobe(struct riscv_hwprobe *pairs, unsigned long pair_count,
			  unsigned long cpu_count, unsigned long *cpus, unsigned int flags)
{
	return vdso_syscall5(NR_riscv_hwprobe, (long)pairs, (long)pair_count, (long)cpu_count,
			     (long)cpus, (long)flags);
}
