/*
 * sigreturn.S: the signal return trampoline of mkvdso's built-in aarch64 vDSO.
 *
 * glibc does not set SA_RESTORER on aarch64, so the kernel returns from every
 * signal handler to __kernel_rt_sigreturn.  GDB, libgcc and libunwind find
 * signal frames by matching these exact words at the return address
 * (0xd503201f before the symbol, then 0xd2801168, 0xd4000001), so this is
 * Linux's arch/arm64/kernel/vdso/sigreturn.S instruction for instruction.
 * Change nothing here.
 *
 * - The nop before the symbol: unwinders that subtract one from the return
 *   address (libc++) must still land inside the trampoline.
 * - No BTI landing pad at the entry: it would break the word match.  The
 *   kernel reaches the trampoline with a ret, which BTI does not check.
 * - The CFI directives are commented out, as in Linux since 2020: with them,
 *   libgcc segfaulted unwinding out of a SIGCANCEL handler; without them,
 *   libgcc's aarch64 fallback recognises the frame by its words and restores
 *   the registers from the sigcontext.  (linker.ld discards .eh_frame anyway.)
 * - The system call goes through MKVDSO_SYSCALL_INSN, svc #0 unless mkvdso
 *   build --syscall-insn chose another word.
 */

#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0xd4000001 /* svc #0 */
#endif
#define NR_rt_sigreturn 139

	.file	"sigreturn.S"	/* else gas names the random temporary object */
	.text

//	.cfi_startproc
//	.cfi_signal_frame
//	.cfi_def_cfa	x29, 0
//	.cfi_offset	x29, 0 * 8
//	.cfi_offset	x30, 1 * 8

	.balign	4
	nop		// Mysterious NOP

	.globl	__kernel_rt_sigreturn
	.type	__kernel_rt_sigreturn, %function
__kernel_rt_sigreturn:
	mov	x8, #NR_rt_sigreturn
	.inst	MKVDSO_SYSCALL_INSN	// svc #0
//	.cfi_endproc
	.size	__kernel_rt_sigreturn, . - __kernel_rt_sigreturn

	.section .note.GNU-stack, "", %progbits
