/*
 * aarch64_guest.h: what the two programs that play the kernel under
 * qemu-aarch64 share (tests/vdso/harness.c, tests/e2e/loader.c): dying
 * with a message, the counter the vDSO reads, the kernel's timekeeping for
 * the counter clocks, and the system-call trap of `mkvdso build
 * --syscall-insn`.  Header-only: each is one static program.
 */
#ifndef MKVDSO_AARCH64_GUEST_H
#define MKVDSO_AARCH64_GUEST_H

#if !defined(__aarch64__)
#error "aarch64_guest.h is for programs built with aarch64-linux-gnu-gcc"
#endif

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The virtual counter, after isb, as the vDSO reads it (the physical one
 * traps in user mode on Linux and in qemu). */
static inline uint64_t guest_cntvct(void)
{
	uint64_t v;
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
}

static inline uint64_t guest_cntfrq(void)
{
	uint64_t v;
	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

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

/* Every counter clock from the host's, as of the counter's value now.  Each
 * host reading is placed at the midpoint of the tightest of a few counter
 * brackets around it (the first system calls are slowed by qemu
 * translating them), so the page starts out as close to the host's clocks
 * as a system call's duration allows.  False if the host refuses a clock. */
static inline bool guest_clocks_from_host(struct guest_clocks *c)
{
	c->cycle_last = guest_cntvct();
	for (unsigned id = 0; id < MKVDSO_BASES; id++) {
		if (!(MKVDSO_CLOCK_BIT(id) & GUEST_COUNTER_CLOCKS))
			continue;
		uint64_t best = UINT64_MAX, mid = 0;
		struct timespec ts = { 0, 0 };
		for (int attempt = 0; attempt < 8; attempt++) {
			struct timespec t;
			uint64_t c0 = guest_cntvct();
			if (syscall(SYS_clock_gettime, (clockid_t)id, &t) != 0)
				return false;
			uint64_t c1 = guest_cntvct();
			if (c1 - c0 < best) {
				best = c1 - c0;
				mid = c0 + (c1 - c0) / 2;
				ts = t;
			}
		}
		uint64_t since = (mid - c->cycle_last) & c->mask;
		unsigned __int128 snsec = ((unsigned __int128)ts.tv_sec * GUEST_NSEC +
					   (uint64_t)ts.tv_nsec) << c->shift;
		snsec -= (unsigned __int128)since * c->mult;
		unsigned __int128 one = (unsigned __int128)GUEST_NSEC << c->shift;
		c->sec[id] = (uint64_t)(snsec / one);
		c->snsec[id] = (uint64_t)(snsec % one);
	}
	return true;
}

/* A kernel tick: advance every counter clock to the counter value now.
 * Returns the nanoseconds since the previous tick. */
static inline uint64_t guest_clocks_tick(struct guest_clocks *c)
{
	uint64_t now = guest_cntvct();
	unsigned __int128 delta = (now - c->cycle_last) & c->mask;
	unsigned __int128 one = (unsigned __int128)GUEST_NSEC << c->shift;
	c->cycle_last = now;
	for (unsigned id = 0; id < MKVDSO_BASES; id++) {
		if (!(MKVDSO_CLOCK_BIT(id) & GUEST_COUNTER_CLOCKS))
			continue;
		unsigned __int128 snsec = c->snsec[id] + delta * c->mult;
		c->sec[id] += (uint64_t)(snsec / one);
		c->snsec[id] = (uint64_t)(snsec % one);
	}
	return (uint64_t)((delta * c->mult) >> c->shift);
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

/* The kernel's side of --syscall-insn, for a SIGILL handler: if the
 * instruction at the faulting pc is word, make the system call x8 names
 * with x0-x5, return its result in x0, step over it, and return true.
 * Otherwise restore SIGILL's default action (the instruction then faults
 * again, fatally, as without a handler) and return false. */
static inline bool guest_emulate_trap(ucontext_t *uc, uint32_t word)
{
	uint64_t pc = uc->uc_mcontext.pc;
	if (*(const uint32_t *)(uintptr_t)pc != word) {
		/* The kernel's struct sigaction (handler, flags, restorer,
		 * mask): all 0 is SIG_DFL. */
		uint64_t dfl[4] = { 0, 0, 0, 0 };
		guest_syscall6(SYS_rt_sigaction, SIGILL, (long)dfl, 0, 8, 0, 0);
		return false;
	}
	unsigned long long *x = uc->uc_mcontext.regs;
	x[0] = (unsigned long long)guest_syscall6((long)x[8], (long)x[0], (long)x[1], (long)x[2],
						  (long)x[3], (long)x[4], (long)x[5]);
	uc->uc_mcontext.pc = pc + 4;
	return true;
}

#endif
