/*
 * rt_sigreturn.S: the signal return trampoline of mkvdso's built-in riscv64
 * vDSO.
 *
 * riscv has no SA_RESTORER: the kernel returns from every signal handler to
 * __vdso_rt_sigreturn (musl, glibc and Go all rely on it).  GDB and
 * libunwind recognise signal frames by these exact two words, li a7, 139
 * (0x08b00893) and ecall (0x00000073), with no ret after them, so this is
 * Linux's arch/riscv/kernel/vdso/rt_sigreturn.S instruction for instruction.
 * norvc: the words must be the uncompressed ones whatever -march says.  The
 * system call goes through MKVDSO_SYSCALL_INSN, ecall unless mkvdso build
 * --syscall-insn chose another word.
 */

#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0x00000073 /* ecall */
#endif
#define NR_rt_sigreturn 139

	.file	"rt_sigreturn.S"	/* else gas names the random temporary object */
	.text
	.option	push
	.option	norvc
	.balign	4
	.globl	__vdso_rt_sigreturn
	.type	__vdso_rt_sigreturn, %function
__vdso_rt_sigreturn:
	li	a7, NR_rt_sigreturn
	.4byte	MKVDSO_SYSCALL_INSN	# ecall
	.size	__vdso_rt_sigreturn, . - __vdso_rt_sigreturn
	.option	pop

	.section .note.GNU-stack, "", %progbits
