/*
 * vdso/probe/arch.h: what vdso-probe needs to know about each architecture, and
 * nothing else: its system call (instruction, numbers, rt_sigaction's
 * struct), its start code, a raw clone onto a fresh stack, the names libcs
 * look the vDSO's functions up by, its signal trampoline and the data
 * page's clock mode mkvdso's built-in vDSO uses there.
 *
 * One block per architecture, each with the same names (32-bit arm adds its
 * time64 clock_gettime).  The numbers are Linux's (arch/<arch>/include/uapi and
 * include/uapi/asm-generic/unistd.h); the start code gets the initial stack
 * as execve leaves it (argc, argv, envp, auxv) and calls probe_main(sp).
 */
#ifndef MKVDSO_PROBE_ARCH_H
#define MKVDSO_PROBE_ARCH_H

#include "vdso_data.h"

#if defined(__x86_64__)

#define PROBE_ARCH		"x86_64"
#define PROBE_NR_read		0
#define PROBE_NR_write		1
#define PROBE_NR_close		3
#define PROBE_NR_mmap		9
#define PROBE_NR_rt_sigaction	13
#define PROBE_NR_rt_sigreturn	15
#define PROBE_NR_getpid		39
#define PROBE_NR_exit		60
#define PROBE_NR_gettimeofday	96
#define PROBE_NR_gettid		186
#define PROBE_NR_time		201
#define PROBE_NR_clock_gettime	228
#define PROBE_NR_clock_getres	229
#define PROBE_NR_exit_group	231
#define PROBE_NR_tgkill		234
#define PROBE_NR_pipe2		293
#define PROBE_NR_clone		56

#define PROBE_VDSO_VERSION	"LINUX_2.6"
#define PROBE_VDSO_CLOCK_GETTIME "__vdso_clock_gettime"
#define PROBE_VDSO_GETTIMEOFDAY	"__vdso_gettimeofday"
#define PROBE_VDSO_CLOCK_GETRES	"__vdso_clock_getres"
#define PROBE_VDSO_TIME		"__vdso_time"
/* No trampoline in x86_64's vDSO: the kernel refuses a handler without
 * SA_RESTORER, and every libc passes its own __restore_rt. */
#define PROBE_VDSO_SIGRETURN	NULL
#define PROBE_NO_TRAMPOLINE	"none on x86_64: the kernel requires SA_RESTORER, and libcs pass their own"
#define PROBE_HAS_SA_RESTORER	1
#define PROBE_CLOCK_MODE	MKVDSO_CLOCK_MODE_TSC

static inline long probe_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}

/* _start: rsp at argc, 16-byte aligned; the call pushes the return
 * address probe_main's prologue expects.  probe_clone(flags, stack, fn,
 * arg): fn and arg wait on the child's stack; the child calls fn(arg) and
 * leaves with exit (the thread only).  probe_restorer: the SA_RESTORER
 * every x86_64 handler needs. */
#define PROBE_ARCH_ASM							\
	".text\n"							\
	".globl _start\n_start:\n"					\
	"\txor %ebp, %ebp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n"	\
	"\tcall probe_main\n\thlt\n"					\
	".globl probe_clone\nprobe_clone:\n"				\
	"\tand $-16, %rsi\n\tsub $16, %rsi\n"				\
	"\tmov %rdx, 0(%rsi)\n\tmov %rcx, 8(%rsi)\n"			\
	"\tmov $56, %eax\n\txor %edx, %edx\n\txor %r10d, %r10d\n"	\
	"\txor %r8d, %r8d\n\tsyscall\n\ttest %rax, %rax\n\tjnz 1f\n"	\
	"\tpop %rax\n\tpop %rdi\n\txor %ebp, %ebp\n\tcall *%rax\n"	\
	"\tmov $60, %eax\n\txor %edi, %edi\n\tsyscall\n\thlt\n"		\
	"1:\tret\n"							\
	".globl probe_restorer\nprobe_restorer:\n"			\
	"\tmov $15, %eax\n\tsyscall\n\thlt\n"

#elif defined(__aarch64__)

#define PROBE_ARCH		"aarch64"
#define PROBE_GENERIC_UNISTD	1
#define PROBE_VDSO_VERSION	"LINUX_2.6.39"
#define PROBE_VDSO_CLOCK_GETTIME "__kernel_clock_gettime"
#define PROBE_VDSO_GETTIMEOFDAY	"__kernel_gettimeofday"
#define PROBE_VDSO_CLOCK_GETRES	"__kernel_clock_getres"
#define PROBE_VDSO_TIME		NULL
#define PROBE_VDSO_SIGRETURN	"__kernel_rt_sigreturn"
#define PROBE_HAS_SA_RESTORER	1
#define PROBE_CLOCK_MODE	MKVDSO_CLOCK_MODE_CNTVCT

static inline long probe_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ __volatile__("svc #0"
			     : "+r"(x0)
			     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			     : "memory");
	return x0;
}

/* clone's arguments on arm64: flags, stack, parent_tid, tls, child_tid. */
#define PROBE_ARCH_ASM							\
	".text\n"							\
	".globl _start\n_start:\n"					\
	"\tmov x29, xzr\n\tmov x30, xzr\n\tmov x0, sp\n"		\
	"\tbl probe_main\n\tbrk #0\n"					\
	".globl probe_clone\nprobe_clone:\n"				\
	"\tand x1, x1, #~15\n\tstp x2, x3, [x1, #-16]!\n"		\
	"\tmov x2, xzr\n\tmov x3, xzr\n\tmov x4, xzr\n"		\
	"\tmov x8, #220\n\tsvc #0\n\tcbnz x0, 1f\n"			\
	"\tldp x2, x0, [sp], #16\n\tmov x29, xzr\n\tblr x2\n"		\
	"\tmov x0, xzr\n\tmov x8, #93\n\tsvc #0\n\tbrk #0\n"		\
	"1:\tret\n"

#elif defined(__riscv) && __riscv_xlen == 64

#define PROBE_ARCH		"riscv64"
#define PROBE_GENERIC_UNISTD	1
#define PROBE_VDSO_VERSION	"LINUX_4.15"
#define PROBE_VDSO_CLOCK_GETTIME "__vdso_clock_gettime"
#define PROBE_VDSO_GETTIMEOFDAY	"__vdso_gettimeofday"
#define PROBE_VDSO_CLOCK_GETRES	"__vdso_clock_getres"
#define PROBE_VDSO_TIME		NULL
#define PROBE_VDSO_SIGRETURN	"__vdso_rt_sigreturn"
/* riscv has no SA_RESTORER: the kernel always returns through the vDSO. */
#define PROBE_HAS_SA_RESTORER	0
#define PROBE_CLOCK_MODE	MKVDSO_CLOCK_MODE_RDTIME

static inline long probe_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = nr;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ __volatile__("ecall"
			     : "+r"(a0)
			     : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			     : "memory");
	return a0;
}

/* gp first: the linker relaxes accesses near __global_pointer$ to it.
 * clone's arguments on riscv: flags, stack, parent_tid, tls, child_tid. */
#define PROBE_ARCH_ASM							\
	".text\n"							\
	".globl _start\n_start:\n"					\
	"\t.option push\n\t.option norelax\n"				\
	"\tla gp, __global_pointer$\n\t.option pop\n"			\
	"\tli ra, 0\n\tli s0, 0\n\tmv a0, sp\n\tandi sp, sp, -16\n"	\
	"\tcall probe_main\n\tebreak\n"					\
	".globl probe_clone\nprobe_clone:\n"				\
	"\tandi a1, a1, -16\n\taddi a1, a1, -16\n"			\
	"\tsd a2, 0(a1)\n\tsd a3, 8(a1)\n"				\
	"\tli a2, 0\n\tli a3, 0\n\tli a4, 0\n"				\
	"\tli a7, 220\n\tecall\n\tbnez a0, 1f\n"			\
	"\tld a2, 0(sp)\n\tld a0, 8(sp)\n\tli s0, 0\n\tjalr a2\n"	\
	"\tli a0, 0\n\tli a7, 93\n\tecall\n\tebreak\n"			\
	"1:\tret\n"							\
	".globl probe_tramp_entry\nprobe_tramp_entry:\n"		\
	"\taddi sp, sp, -16\n\tsd ra, 8(sp)\n"			\
	"\tcall probe_tramp_handler\n"					\
	"\tld ra, 8(sp)\n\taddi sp, sp, 16\n"				\
	"\tla t0, probe_tramp_target\n\tld t0, 0(t0)\n\tjr t0\n"
/* The handler entry that returns through the vDSO's trampoline itself
 * (probe.c, "trampoline code"). */
#define PROBE_TRAMPOLINE_ENTRY	1

#elif defined(__arm__)

/* 32-bit arm, EABI (arch/arm/tools/syscall.tbl), in ARM state as the
 * vDSO: no time system call, mmap2 for mmap (offsets in pages; the probe's
 * is 0), and clock_gettime64 beside the time32 clock_gettime. */
#define PROBE_ARCH		"arm"
#define PROBE_NR_exit		1
#define PROBE_NR_read		3
#define PROBE_NR_write		4
#define PROBE_NR_close		6
#define PROBE_NR_getpid		20
#define PROBE_NR_gettimeofday	78
#define PROBE_NR_clone		120
#define PROBE_NR_rt_sigreturn	173
#define PROBE_NR_rt_sigaction	174
#define PROBE_NR_mmap		192
#define PROBE_NR_gettid		224
#define PROBE_NR_exit_group	248
#define PROBE_NR_clock_gettime	263
#define PROBE_NR_clock_getres	264
#define PROBE_NR_tgkill		268
#define PROBE_NR_pipe2		359
#define PROBE_NR_clock_gettime64 403

#define PROBE_VDSO_VERSION	"LINUX_2.6"
#define PROBE_VDSO_CLOCK_GETTIME "__vdso_clock_gettime"
/* The time64 entry glibc and musl 1.2.4+ call first: checked beside the
 * time32 one, against clock_gettime64. */
#define PROBE_VDSO_CLOCK_GETTIME64 "__vdso_clock_gettime64"
#define PROBE_VDSO_GETTIMEOFDAY	"__vdso_gettimeofday"
#define PROBE_VDSO_CLOCK_GETRES	"__vdso_clock_getres"
#define PROBE_VDSO_TIME		NULL
/* No trampoline in arm's vDSO, as Linux's: glibc and musl pass their own
 * SA_RESTORER, and a handler without one (Go's) returns through the
 * kernel's own code, Linux's [sigpage]; the probe checks both ways. */
#define PROBE_VDSO_SIGRETURN	NULL
#define PROBE_NO_TRAMPOLINE	"none on arm: libcs pass SA_RESTORER, and without it (Go) the kernel " \
				"returns through its own code (Linux's [sigpage])"
#define PROBE_RETURNS_WITHOUT_RESTORER 1
#define PROBE_HAS_SA_RESTORER	1
#define PROBE_CLOCK_MODE	MKVDSO_CLOCK_MODE_CNTVCT

/* The number in r7 (an ordinary register in ARM state; r11 is the frame
 * pointer), the arguments in r0-r5, the result in r0. */
static inline long probe_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;
	register long r5 __asm__("r5") = f;
	__asm__ __volatile__("svc #0"
			     : "+r"(r0)
			     : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			     : "memory");
	return r0;
}

/* _start: sp at argc; AAPCS wants it 8-byte aligned at calls.  clone's
 * arguments on arm: flags, stack, parent_tid, tls, child_tid (r4, saved
 * around the call with r7).  probe_restorer: the SA_RESTORER libcs pass. */
#define PROBE_ARCH_ASM							\
	".text\n\t.arm\n"						\
	".globl _start\n_start:\n"					\
	"\tmov fp, #0\n\tmov lr, #0\n\tmov r0, sp\n"			\
	"\tbic sp, sp, #7\n\tbl probe_main\n\tudf #0\n"		\
	".globl probe_clone\nprobe_clone:\n"				\
	"\tbic r1, r1, #7\n\tstmdb r1!, {r2, r3}\n"			\
	"\tpush {r4, r7}\n\tmov r2, #0\n\tmov r3, #0\n\tmov r4, #0\n"	\
	"\tmov r7, #120\n\tsvc #0\n\tcmp r0, #0\n\tbne 1f\n"		\
	"\tpop {r2, r3}\n\tmov r0, r3\n\tmov fp, #0\n\tblx r2\n"		\
	"\tmov r0, #0\n\tmov r7, #1\n\tsvc #0\n\tudf #0\n"		\
	"1:\tpop {r4, r7}\n\tbx lr\n"					\
	".globl probe_restorer\nprobe_restorer:\n"			\
	"\tmov r7, #173\n\tsvc #0\n\tudf #0\n"

#else
#error "vdso-probe knows x86_64, aarch64, riscv64 and arm (add a block to vdso/probe/arch.h)"
#endif

#ifdef PROBE_GENERIC_UNISTD
/* include/uapi/asm-generic/unistd.h: aarch64, riscv64 (no time system call). */
#define PROBE_NR_close		57
#define PROBE_NR_pipe2		59
#define PROBE_NR_read		63
#define PROBE_NR_write		64
#define PROBE_NR_exit		93
#define PROBE_NR_exit_group	94
#define PROBE_NR_clock_gettime	113
#define PROBE_NR_clock_getres	114
#define PROBE_NR_tgkill		131
#define PROBE_NR_rt_sigaction	134
#define PROBE_NR_rt_sigreturn	139
#define PROBE_NR_gettimeofday	169
#define PROBE_NR_getpid		172
#define PROBE_NR_gettid		178
#define PROBE_NR_clone		220
#define PROBE_NR_mmap		222
#endif

/* rt_sigaction's struct as the kernel reads it (not a libc's). */
struct probe_sigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
#if PROBE_HAS_SA_RESTORER
	void (*restorer)(void);
#endif
	uint64_t mask;	/* the kernel's sigset_t: 64 signals, two words on arm */
};

#define PROBE_SA_SIGINFO	4ul
#define PROBE_SA_NODEFER	0x40000000ul
#define PROBE_SA_RESTORER	0x04000000ul

#endif /* MKVDSO_PROBE_ARCH_H */
