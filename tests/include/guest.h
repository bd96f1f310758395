/*
 * guest.h: what the programs that play the kernel for a built-in vDSO share
 * (tests/vdso/harness.c, tests/e2e/loader.c), on aarch64, riscv64 and 32-bit
 * arm under qemu-aarch64, qemu-riscv64 and qemu-arm, and natively on x86_64:
 * dying with a message, the counter the vDSO reads and its frequency, the
 * kernel's timekeeping for the counter clocks, the system-call trap of
 * `mkvdso build --syscall-insn`, and on arm the counter read that qemu-arm
 * cannot run.  The architecture's part is the first section; everything
 * after it is written once, in 64-bit arithmetic that 32-bit arm has too.
 * Header-only: each is one program.
 */
#ifndef MKVDSO_GUEST_H
#define MKVDSO_GUEST_H

#if !defined(__aarch64__) && !defined(__x86_64__) && !(defined(__riscv) && __riscv_xlen == 64) && \
	!(defined(__arm__) && defined(__ARM_ARCH_7A__))
#error "guest.h knows the counter and system call of aarch64, x86_64, riscv64 and ARMv7 arm only"
#endif

/* The includer defines _GNU_SOURCE before its first include (REG_RIP). */

#include <elf.h>
#include <errno.h>
#include <link.h>	/* ElfW: the image's ELF class is the guest's */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "vdso_data.h"

/* Setup trouble, before anything is tested: "NAME: message", exit 2. */
static void guest_die(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static void guest_die(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* An instruction as it lies in memory (--syscall-insn). */
struct guest_insn {
	unsigned char bytes[15];
	unsigned size;
};

/* A --syscall-insn of one 32-bit word (aarch64, riscv64), in the
 * instruction's little-endian byte order. */
static inline bool guest_parse_word32(const char *text, struct guest_insn *out)
{
	char *end;
	errno = 0;
	unsigned long word = strtoul(text, &end, 0);
	if (errno || *end || !*text || word > 0xffffffffu)
		return false;
	for (unsigned i = 0; i < 4; i++)
		out->bytes[i] = (unsigned char)(word >> 8 * i);
	out->size = 4;
	return true;
}

#if defined(__aarch64__)

#define GUEST_ARCH "aarch64"
#define GUEST_EM EM_AARCH64
#define GUEST_VDSO_VERSION "LINUX_2.6.39"
#define GUEST_VDSO_SYM(name) "__kernel_" name
#define GUEST_VDSO_SIGRETURN "__kernel_rt_sigreturn"	/* the vDSO's signal trampoline */
#define GUEST_VDSO_TIME_GETCPU 0	/* Linux's arm64 vDSO has neither */
#define GUEST_CLOCK_MODE MKVDSO_CLOCK_MODE_CNTVCT
#define GUEST_COUNTER_MASK (((uint64_t)1 << 56) - 1)	/* the architected minimum width */
#define GUEST_SYSCALL_INSN { { 0x01, 0x00, 0x00, 0xd4 }, 4 }	/* svc #0 */

/* The virtual counter, after isb, as the vDSO reads it (the physical one
 * traps in user mode on Linux and in qemu). */
static inline uint64_t guest_counter(void)
{
	uint64_t v;
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
}

static inline uint64_t guest_counter_hz(void)
{
	uint64_t v;
	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* A system call without libc: a signal handler may run on a thread whose
 * TLS (errno) belongs to another libc.  Returns the kernel's x0 (-errno). */
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;
	register long x5 __asm__("x5") = a5;
	__asm__ __volatile__("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4),
			     "r"(x5) : "memory");
	return x0;
}

/* --syscall-insn as mkvdso takes it for aarch64: one 32-bit word. */
static inline bool guest_parse_insn(const char *text, struct guest_insn *out)
{
	return guest_parse_word32(text, out);
}

/* The trapped call's registers: number, arguments, pc. */
static inline uintptr_t *guest_trap_pc(ucontext_t *uc) { return (uintptr_t *)&uc->uc_mcontext.pc; }
#define GUEST_TRAP_NR(uc) ((uc)->uc_mcontext.regs[8])
#define GUEST_TRAP_ARG(uc, i) ((uc)->uc_mcontext.regs[i])
#define GUEST_TRAP_RESULT(uc) ((uc)->uc_mcontext.regs[0])

#elif defined(__x86_64__)

#define GUEST_ARCH "x86_64"
#define GUEST_EM EM_X86_64
#define GUEST_VDSO_VERSION "LINUX_2.6"
#define GUEST_VDSO_SYM(name) "__vdso_" name
#define GUEST_VDSO_SIGRETURN NULL	/* programs bring their own (SA_RESTORER) */
#define GUEST_VDSO_TIME_GETCPU 1	/* __vdso_time, __vdso_getcpu */
#define GUEST_CLOCK_MODE MKVDSO_CLOCK_MODE_TSC
#define GUEST_COUNTER_MASK UINT64_MAX	/* the TSC is 64 bits wide */
#define GUEST_SYSCALL_INSN { { 0x0f, 0x05 }, 2 }	/* syscall */

/* The TSC, ordered as the vDSO reads it. */
static inline uint64_t guest_counter(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

#define GUEST_COUNTER_HZ_MEASURED 1	/* user space cannot read the TSC's frequency */

/* A system call without libc, as on aarch64.  Returns rax (-errno). */
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;
	__asm__ __volatile__("syscall" : "=a"(ret) : "0"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			     "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}

/* --syscall-insn as mkvdso takes it for x86_64: the bytes in hex. */
static inline bool guest_parse_insn(const char *text, struct guest_insn *out)
{
	size_t len = strlen(text);
	if (len == 0 || len % 2 || len / 2 > sizeof out->bytes)
		return false;
	out->size = 0;
	for (size_t i = 0; i < len; i += 2) {
		char pair[3] = { text[i], text[i + 1], 0 }, *end;
		out->bytes[out->size++] = (unsigned char)strtoul(pair, &end, 16);
		if (*end)
			return false;
	}
	return true;
}

static inline uintptr_t *guest_trap_pc(ucontext_t *uc) { return (uintptr_t *)&uc->uc_mcontext.gregs[REG_RIP]; }
static const int guest_trap_args[6] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
#define GUEST_TRAP_NR(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#define GUEST_TRAP_ARG(uc, i) ((uc)->uc_mcontext.gregs[guest_trap_args[i]])
#define GUEST_TRAP_RESULT(uc) ((uc)->uc_mcontext.gregs[REG_RAX])

#elif defined(__riscv)

#define GUEST_ARCH "riscv64"
#define GUEST_EM EM_RISCV
#define GUEST_VDSO_VERSION "LINUX_4.15"
#define GUEST_VDSO_SYM(name) "__vdso_" name
#define GUEST_VDSO_SIGRETURN "__vdso_rt_sigreturn"	/* the kernel's return path: no SA_RESTORER */
#define GUEST_VDSO_TIME_GETCPU 0	/* no __vdso_time; getcpu is a system call (riscv extras) */
#define GUEST_CLOCK_MODE MKVDSO_CLOCK_MODE_RDTIME
#define GUEST_COUNTER_MASK UINT64_MAX	/* the time CSR is 64 bits wide */
#define GUEST_SYSCALL_INSN { { 0x73, 0x00, 0x00, 0x00 }, 4 }	/* ecall */
#define GUEST_COUNTER_HZ_MEASURED 1

static inline uint64_t guest_counter(void)
{
	uint64_t v;
	__asm__ __volatile__("rdtime %0" : "=r"(v) :: "memory");
	return v;
}

/* A system call without libc, as on aarch64.  Returns a0 (-errno). */
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r7 __asm__("a7") = nr;
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r4 __asm__("a4") = a4;
	register long r5 __asm__("a5") = a5;
	__asm__ __volatile__("ecall" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4),
			     "r"(r5) : "memory");
	return r0;
}

/* --syscall-insn as mkvdso takes it for riscv64: one 32-bit word. */
static inline bool guest_parse_insn(const char *text, struct guest_insn *out)
{
	return guest_parse_word32(text, out);
}

/* glibc's riscv mcontext: __gregs[0] is the pc, [n] is xn. */
static inline uintptr_t *guest_trap_pc(ucontext_t *uc) { return (uintptr_t *)&uc->uc_mcontext.__gregs[REG_PC]; }
#define GUEST_TRAP_NR(uc) ((uc)->uc_mcontext.__gregs[REG_A0 + 7])
#define GUEST_TRAP_ARG(uc, i) ((uc)->uc_mcontext.__gregs[REG_A0 + (i)])
#define GUEST_TRAP_RESULT(uc) ((uc)->uc_mcontext.__gregs[REG_A0])

#else /* arm, 32-bit */

#define GUEST_ARCH "arm"
#define GUEST_EM EM_ARM
#define GUEST_VDSO_VERSION "LINUX_2.6"
#define GUEST_VDSO_SYM(name) "__vdso_" name
#define GUEST_VDSO_SIGRETURN NULL	/* none: Linux's sigpage; glibc and musl use SA_RESTORER */
#define GUEST_VDSO_TIME_GETCPU 0	/* Linux's arm vDSO has neither */
#define GUEST_VDSO_TIME64 1		/* __vdso_clock_gettime64 beside the time32 one */
#define GUEST_CLOCK_MODE MKVDSO_CLOCK_MODE_CNTVCT
#define GUEST_COUNTER_MASK (((uint64_t)1 << 56) - 1)	/* the architected minimum width */
#define GUEST_SYSCALL_INSN { { 0x00, 0x00, 0x00, 0xef }, 4 }	/* svc #0 (ARM state) */
#define GUEST_COUNTER_TRAPS 1	/* qemu-arm cannot read CNTVCT: see guest_emulate_counter */

/* A system call without libc, as on aarch64 (the includer is built -marm,
 * where r7 is free).  Returns r0 (-errno). */
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a0;
	register long r1 __asm__("r1") = a1;
	register long r2 __asm__("r2") = a2;
	register long r3 __asm__("r3") = a3;
	register long r4 __asm__("r4") = a4;
	register long r5 __asm__("r5") = a5;
	__asm__ __volatile__("svc #0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4),
			     "r"(r5) : "memory");
	return r0;
}

/*
 * The virtual counter as this kernel presents it: Debian 12's qemu-arm 7.2
 * raises SIGILL on mrrc p15, 1, Rt, Rt2, c14 under every CPU model, so the
 * counter is the host's CLOCK_MONOTONIC_RAW at 24 MHz, a real arm generic
 * timer's frequency (as CNTFRQ would say), and the vDSO's reads of it are
 * trapped and answered (guest_emulate_counter).  The time32 system call:
 * MONOTONIC_RAW is an uptime, and a signal handler must not touch errno.
 */
#define GUEST_COUNTER_HZ 24000000u

static inline uint64_t guest_counter(void)
{
	long t[2] = { 0, 0 };
	guest_syscall6(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, (long)t, 0, 0, 0, 0);
	/* sec * 24e6 + nsec * 24e6 / 1e9, exactly; the 32-bit division by a
	 * constant is a multiply, so a signal handler calls no libgcc. */
	return (uint64_t)t[0] * GUEST_COUNTER_HZ + (uint32_t)t[1] * 3u / 125u;
}

static inline uint64_t guest_counter_hz(void)
{
	return GUEST_COUNTER_HZ;
}

/* --syscall-insn as mkvdso takes it for arm: one 32-bit word (ARM state). */
static inline bool guest_parse_insn(const char *text, struct guest_insn *out)
{
	return guest_parse_word32(text, out);
}

/* glibc's arm mcontext: r0-r10, fp, ip, sp, lr, pc, one word each. */
static inline uintptr_t *guest_trap_pc(ucontext_t *uc) { return (uintptr_t *)&uc->uc_mcontext.arm_pc; }
static inline unsigned long *guest_trap_reg(ucontext_t *uc, unsigned n) { return &uc->uc_mcontext.arm_r0 + n; }
#define GUEST_TRAP_NR(uc) ((uc)->uc_mcontext.arm_r7)
#define GUEST_TRAP_ARG(uc, i) (*guest_trap_reg(uc, i))
#define GUEST_TRAP_RESULT(uc) ((uc)->uc_mcontext.arm_r0)

/*
 * The kernel's answer to a trapped counter read, for a SIGILL handler: if
 * the instruction at pc is mrrc p15, 1, Rt, Rt2, c14 (ARM state, or its
 * Thumb-2 twin, the same bits in two halfwords), write guest_counter() into
 * Rt (low) and Rt2 (high), step over it and return true.  A real kernel
 * does none of this: it lets user mode read the counter (CNTKCTL.PL0VCTEN,
 * CNTKCTL_EL1.EL0VCTEN under an arm64 kernel) and the mrrc simply runs.
 */
static inline bool guest_emulate_counter(ucontext_t *uc)
{
	uintptr_t *pc = guest_trap_pc(uc);
	bool thumb = uc->uc_mcontext.arm_cpsr & (1u << 5);
	const uint16_t *half = (const uint16_t *)*pc;
	uint32_t word = thumb ? (uint32_t)half[0] << 16 | half[1] : *(const uint32_t *)*pc;
	/* cond AL (Thumb-2: its 1110 prefix), 1100 0101, Rt2, Rt, p15, opc1 1, c14. */
	if ((word & 0xfff00fffu) != 0xec500f1eu)
		return false;
	unsigned rt = word >> 12 & 15, rt2 = word >> 16 & 15;
	if (rt == rt2 || rt >= 13 || rt2 >= 13)	/* UNPREDICTABLE: not the vDSO's */
		return false;
	uint64_t cnt = guest_counter();
	*guest_trap_reg(uc, rt) = (uint32_t)cnt;
	*guest_trap_reg(uc, rt2) = (uint32_t)(cnt >> 32);
	*pc += 4;
	return true;
}

#endif

#ifndef GUEST_VDSO_TIME64
#define GUEST_VDSO_TIME64 0	/* 64-bit: clock_gettime is already time64 */
#endif
#ifndef GUEST_COUNTER_TRAPS
#define GUEST_COUNTER_TRAPS 0	/* the vDSO reads the counter itself */
static inline bool guest_emulate_counter(ucontext_t *uc)
{
	(void)uc;
	return false;
}
#endif

#if GUEST_COUNTER_HZ_MEASURED
/*
 * The counter's frequency where user space cannot read it (x86_64's TSC;
 * riscv64's time CSR, whose timebase frequency only the device tree gives,
 * and which qemu-riscv64 7.2 feeds from the host's TSC): measured once against
 * CLOCK_MONOTONIC_RAW over 200 ms, each end placed at the midpoint of the
 * tightest of a few counter brackets around a clock_gettime, so the error
 * is a bracket's width over 200 ms (well under 1 ppm on this Xeon).
 */
static inline void guest_counter_bracket(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int attempt = 0; attempt < 16; attempt++) {
		struct timespec t;
		uint64_t c0 = guest_counter();
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &t);
		uint64_t c1 = guest_counter();
		if (c1 - c0 < best) {
			best = c1 - c0;
			*tsc = c0 + (c1 - c0) / 2;
			*ns = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
		}
	}
}

static inline uint64_t guest_counter_hz(void)
{
	static uint64_t hz;
	if (!hz) {
		uint64_t c0, c1;
		int64_t t0, t1;
		guest_counter_bracket(&c0, &t0);
		struct timespec pause = { 0, 200000000 };
		while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
			;
		guest_counter_bracket(&c1, &t1);
		hz = (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000u / (uint64_t)(t1 - t0));
	}
	return hz;
}
#endif

/*
 * What a kernel keeps: per counter clock, the time at cycle_last as seconds
 * and shifted nanoseconds (sec[id] + snsec[id] / 2^shift ns), advanced by
 * counter deltas at each tick so the published clocks never step back.
 */
#define GUEST_COUNTER_CLOCKS (MKVDSO_HRES_CLOCKS | MKVDSO_RAW_CLOCKS)
#define GUEST_NSEC 1000000000ull

struct guest_clocks {
	uint64_t mask, cycle_last;
	uint32_t mult, shift;
	uint64_t sec[MKVDSO_BASES], snsec[MKVDSO_BASES];
};

/* One second in shifted ns: below 2^63 for every shift up to 32 that
 * vdso_data_calc_mult_shift picks, so the sums below fit 64 bits. */
static inline uint64_t guest_shifted_second(const struct guest_clocks *c)
{
	return GUEST_NSEC << c->shift;
}

/* sec:snsec moved by cycles * mult shifted ns, exactly, with no 128-bit
 * integers (32-bit arm has none): in steps of 2^31 cycles, whose product
 * with a 32-bit mult stays below 2^63.  Returns the ns moved. */
static inline uint64_t guest_clock_advance(const struct guest_clocks *c, uint64_t *sec,
					   uint64_t *snsec, uint64_t cycles)
{
	uint64_t one = guest_shifted_second(c), ns = 0;
	while (cycles) {
		uint64_t step = cycles < (1ull << 31) ? cycles : 1ull << 31, moved = step * c->mult;
		ns += moved >> c->shift;
		*snsec += moved;
		*sec += *snsec / one;
		*snsec %= one;
		cycles -= step;
	}
	return ns;
}

static inline void guest_clock_retreat(const struct guest_clocks *c, uint64_t *sec,
				       uint64_t *snsec, uint64_t cycles)
{
	uint64_t one = guest_shifted_second(c);
	while (cycles) {
		uint64_t step = cycles < (1ull << 31) ? cycles : 1ull << 31, moved = step * c->mult;
		if (*snsec < moved) {
			uint64_t borrow = (moved - *snsec + one - 1) / one;
			*sec -= borrow;
			*snsec += borrow * one;
		}
		*snsec -= moved;
		cycles -= step;
	}
}

/* Every counter clock from the host's, as of the counter's value now.  Each
 * host reading is placed at the midpoint of the tightest of a few counter
 * brackets around it (the first system calls are slowed by qemu
 * translating them), so the page starts out as close to the host's clocks
 * as a system call's duration allows.  False if the host refuses a clock. */
static inline bool guest_clocks_from_host(struct guest_clocks *c)
{
	c->cycle_last = guest_counter();
	for (unsigned id = 0; id < MKVDSO_BASES; id++) {
		if (!(MKVDSO_CLOCK_BIT(id) & GUEST_COUNTER_CLOCKS))
			continue;
		uint64_t best = UINT64_MAX, mid = 0;
		struct timespec ts = { 0, 0 };
		for (int attempt = 0; attempt < 8; attempt++) {
			struct timespec t;
			uint64_t c0 = guest_counter();
			if (syscall(SYS_clock_gettime, (clockid_t)id, &t) != 0)
				return false;
			uint64_t c1 = guest_counter();
			if (c1 - c0 < best) {
				best = c1 - c0;
				mid = c0 + (c1 - c0) / 2;
				ts = t;
			}
		}
		c->sec[id] = (uint64_t)ts.tv_sec;
		c->snsec[id] = (uint64_t)ts.tv_nsec << c->shift;
		guest_clock_retreat(c, &c->sec[id], &c->snsec[id], (mid - c->cycle_last) & c->mask);
	}
	return true;
}

/* A kernel tick: advance every counter clock to the counter value now.
 * Returns the nanoseconds since the previous tick. */
static inline uint64_t guest_clocks_tick(struct guest_clocks *c)
{
	uint64_t now = guest_counter();
	uint64_t delta = (now - c->cycle_last) & c->mask, ns = 0;
	c->cycle_last = now;
	for (unsigned id = 0; id < MKVDSO_BASES; id++)
		if (MKVDSO_CLOCK_BIT(id) & GUEST_COUNTER_CLOCKS)
			ns = guest_clock_advance(c, &c->sec[id], &c->snsec[id], delta);
	return ns;
}

/* The kernel's side of --syscall-insn, for a SIGILL handler: if the
 * instruction at the faulting pc is insn, make the system call its
 * registers name, return the result in the result register, step over it,
 * and return true.  Otherwise (or with no insn, size 0) restore SIGILL's
 * default action (the instruction then faults again, fatally, as without a
 * handler) and return false. */
static inline bool guest_is_trap(ucontext_t *uc, const struct guest_insn *insn)
{
	return insn->size && memcmp((const void *)*guest_trap_pc(uc), insn->bytes, insn->size) == 0;
}

static inline bool guest_emulate_trap(ucontext_t *uc, const struct guest_insn *insn)
{
	uintptr_t *pc = guest_trap_pc(uc);
	if (!guest_is_trap(uc, insn)) {
		/* The kernel's struct sigaction (handler, flags, restorer,
		 * mask): all 0 is SIG_DFL. */
		uint64_t dfl[4] = { 0, 0, 0, 0 };
		guest_syscall6(SYS_rt_sigaction, SIGILL, (long)dfl, 0, 8, 0, 0);
		return false;
	}
	GUEST_TRAP_RESULT(uc) = guest_syscall6(
		(long)GUEST_TRAP_NR(uc), (long)GUEST_TRAP_ARG(uc, 0), (long)GUEST_TRAP_ARG(uc, 1),
		(long)GUEST_TRAP_ARG(uc, 2), (long)GUEST_TRAP_ARG(uc, 3),
		(long)GUEST_TRAP_ARG(uc, 4), (long)GUEST_TRAP_ARG(uc, 5));
	*pc += insn->size;
	return true;
}

#endif
