/*
 * vclock_gettime.c: the x86_64 glue of mkvdso's built-in vDSO, as Linux's
 * arch/x86/include/asm/vdso/gettimeofday.h and arch/x86/entry/vdso/
 * vclock_gettime.c and vgetcpu.c: the counter (the TSC) and its ordering,
 * the barriers, the system call, and the exported names with the weak
 * plain-name aliases Linux's x86_64 vDSO has (vdso.lds puts them all at
 * LINUX_2.6).  The clock logic is vdso/lib/gettimeofday.h, shared with
 * every architecture.  No signal trampoline: x86_64 programs bring their own
 * (SA_RESTORER).
 */
#include <stdint.h>

#include "vdso_data.h"

/* The system-call instruction's bytes; mkvdso build --syscall-insn replaces
 * them (e.g. 0x0f,0x0b, ud2, for a monitor that traps that instead). */
#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0x0f, 0x05 /* syscall */
#endif
#define VDSO_STR_(...) #__VA_ARGS__
#define VDSO_STR(x) VDSO_STR_(x)

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

#define VDSO_CLOCK_MODE MKVDSO_CLOCK_MODE_TSC

struct vdso_timespec;
struct vdso_timeval;
struct vdso_timezone;
struct getcpu_cache;
#define VDSO_CLOCK_GETTIME __vdso_clock_gettime
#define VDSO_GETTIMEOFDAY __vdso_gettimeofday
#define VDSO_CLOCK_GETRES __vdso_clock_getres
int __vdso_clock_gettime(int32_t clock, struct vdso_timespec *ts);
int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int __vdso_clock_getres(int32_t clock, struct vdso_timespec *res);
long __vdso_time(long *t);
long __vdso_getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *unused);

/* The kernel's calling convention: number in rax, arguments in rdi, rsi,
 * rdx; the syscall instruction overwrites rcx and r11. */
static inline __attribute__((always_inline)) long vdso_syscall3(long nr, long arg0, long arg1,
								 long arg2)
{
	long ret;
	__asm__ __volatile__(".byte " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t# system call"
			     : "=a"(ret)
			     : "0"(nr), "D"(arg0), "S"(arg1), "d"(arg2)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((always_inline)) long vdso_syscall2(long nr, long arg0, long arg1)
{
	long ret;
	__asm__ __volatile__(".byte " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t# system call"
			     : "=a"(ret)
			     : "0"(nr), "D"(arg0), "S"(arg1)
			     : "rcx", "r11", "memory");
	return ret;
}

/* smp_rmb() on x86: loads are not reordered with other loads (TSO), so
 * only the compiler must be kept from moving them. */
static inline __attribute__((always_inline)) void vdso_read_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline __attribute__((always_inline)) void vdso_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

#include "../lib/gettimeofday.h"

/*
 * The TSC, not read before the sequence load: Linux's rdtsc_ordered().
 * Linux patches in rdtscp where the CPU has it, else lfence; rdtsc, at
 * boot; an image a foreign kernel maps cannot be patched, and cpuid here
 * would be a serialising instruction (a VM exit under a hypervisor) on
 * every call, with no writable page to remember its answer in.  So the
 * kernel, which ran cpuid once, says in the data page (MKVDSO_FLAG_RDTSCP).
 * rdtscp waits for every earlier load and is the cheaper of the two (README,
 * bench/vdso-latency.sh); lfence; rdtsc runs on every x86_64 CPU (lfence is
 * SSE2, part of the baseline), while rdtscp is missing on some (early Core 2
 * and Atom, qemu's default qemu64 model).  flags is written once, before
 * the page is mapped, so the branch is always predicted; it is not read
 * under the sequence for that reason.  lfence waits for every earlier
 * instruction on Intel, and on AMD when the kernel sets DE_CFG[1] as Linux
 * does (always on from Zen 2): vdso_data.h says so to the kernel.
 */
static ALWAYS_INLINE uint64_t vdso_read_counter(void)
{
	uint32_t lo, hi, aux;
	if (__builtin_expect(READ_ONCE(data_page()->flags) & MKVDSO_FLAG_RDTSCP, 1))
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	else
		__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

long __vdso_time(long *t)
{
	int64_t sec;
	if (vdso_do_time(&sec))
		return vdso_syscall2(NR_time, (long)t, 0);
	if (t)
		*t = sec;
	return sec;
}

/*
 * getcpu from IA32_TSC_AUX, which a kernel that sets MKVDSO_FLAG_TSC_AUX_CPU
 * keeps at (node << 12) | cpu on every CPU (vdso_data.h), as Linux does.
 * rdtscp rather than rdpid: rdpid is newer (Ice Lake, Zen 2) and nothing
 * here can tell whether the CPU has it.  Otherwise the system call.
 */
long __vdso_getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *unused)
{
	const struct vdso_data *vd = data_page();
	if (page_usable(vd) && (READ_ONCE(vd->flags) & MKVDSO_FLAG_TSC_AUX_CPU)) {
		uint32_t lo, hi, aux;
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		if (cpu)
			*cpu = aux & 0xfff;
		if (node)
			*node = aux >> 12;
		return 0;
	}
	return vdso_syscall3(NR_getcpu, (long)cpu, (long)node, (long)unused);
}

/* The plain names Linux's x86_64 vDSO also exports, weak as there. */
extern __typeof__(__vdso_clock_gettime) clock_gettime
	__attribute__((weak, alias("__vdso_clock_gettime")));
extern __typeof__(__vdso_gettimeofday) gettimeofday
	__attribute__((weak, alias("__vdso_gettimeofday")));
extern __typeof__(__vdso_time) time __attribute__((weak, alias("__vdso_time")));
extern __typeof__(__vdso_getcpu) getcpu __attribute__((weak, alias("__vdso_getcpu")));
extern __typeof__(__vdso_clock_getres) clock_getres
	__attribute__((weak, alias("__vdso_clock_getres")));
