/* arch: the per-architecture contract a vDSO must honour, as data.
 *
 * One row per architecture: how to recognise its images, the version node
 * and symbols Linux exports and the libcs look up (vdso-facts.md §2), the
 * system-call instruction, and the user address range.  Adding an
 * architecture is adding a row here and its lookups below. */
#ifndef MKVDSO_ARCH_H
#define MKVDSO_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum consumer {
	CONSUMER_MUSL,
	CONSUMER_GLIBC,
	CONSUMER_GO,
	CONSUMER_BIONIC,
	CONSUMER_COUNT,
};

#define CONSUMER_BIT(c) (1u << (c))
#define CONSUMERS_ALL ((1u << CONSUMER_COUNT) - 1)
/* Rules that matter to the kernel embedding the image rather than a libc. */
#define CONSUMER_KERNEL_BIT (1u << CONSUMER_COUNT)

const char *consumer_name(enum consumer consumer);
/* Parses "musl,glibc" into a consumer mask; false on an unknown name. */
bool consumer_parse_list(const char *list, unsigned *mask, const char **bad);

/* How a consumer finds one function. */
enum lookup_kind {
	LOOKUP_EARLY,        /* at startup; glibc: without a version check */
	LOOKUP_LATE_DYNAMIC, /* glibc IFUNC resolvers: version- and vd_hash-checked
	                        in dynamic programs, early in static ones */
	LOOKUP_NONE,         /* this release does not use the vDSO at all */
};

/* A lookup that counts only if another symbol of the same consumer, at the
 * same version, resolves (resolves) or does not (!resolves). */
struct lookup_condition {
	const char *symbol;
	bool resolves;
};

struct consumer_lookup {
	enum consumer consumer;
	const char *releases;      /* e.g. "1.2.4+" or "2.31-2.40" */
	const char *symbol;        /* NULL with LOOKUP_NONE */
	const char *version;       /* version node the consumer asks for */
	enum lookup_kind kind;
	/* musl >= 1.2.4 on arm calls the time64 symbol only if the time32 one
	 * resolves too (VDSO_CGT_WORKAROUND), and the time32 one only if the
	 * time64 one does not (cgt_time32_wrap). */
	const struct lookup_condition *only_if;
	const char *note;          /* LOOKUP_NONE: why */
	/* The name whose hashes the consumer walks the hash tables with, when
	 * it is not symbol: Go 1.19-1.21 on arm64 carry __vdso_clock_gettime's
	 * for __kernel_clock_gettime (golang/go#62309), so they find it only
	 * when both hashes lead to the same DT_HASH bucket, never through
	 * DT_GNU_HASH. */
	const char *hashed_as;
};

/* How --syscall-insn spells the instruction: one 32-bit word (fixed-width
 * instruction sets whose words are little-endian in memory: aarch64, arm,
 * riscv64, loongarch64) or its bytes in memory order as hex (x86: `0f0b`). */
enum syscall_insn_form {
	SYSCALL_INSN_WORD32,
	SYSCALL_INSN_BYTES,
};

#define SYSCALL_INSN_MAX 15        /* the longest x86 instruction */

/* An instruction as it lies in memory. */
struct syscall_insn {
	unsigned char bytes[SYSCALL_INSN_MAX];
	unsigned size;
};

struct arch_contract {
	const char *name;          /* as --arch spells it */
	uint16_t machine;          /* e_machine */
	int elf_class;             /* ELFCLASS32/64 */
	const char *version;       /* the version node, e.g. "LINUX_2.6.39" */
	const char *soname;
	/* NULL-terminated; "name@VERSION" for a symbol outside the node */
	const char *const *required;
	const char *sigreturn;     /* symbol whose instruction pattern is fixed, or NULL */
	/* The system-call instruction, for listing call sites. */
	const unsigned char *syscall_insn;
	unsigned syscall_insn_size;
	unsigned syscall_insn_align;
	const char *syscall_insn_text;
	enum syscall_insn_form syscall_insn_form;
	uint64_t user_top;         /* first address above user space */
	uint32_t relative_reloc;   /* R_<ARCH>_RELATIVE */
	const struct consumer_lookup *lookups;
	size_t lookup_count;
	/* glibc's DL_RO_DYN_SECTION (sysdeps/riscv/dl-relocate-ld.h; also
	 * MIPS): it never relocates a dynamic table in place, writable or not. */
	bool glibc_ro_dynamic;
};

extern const struct arch_contract arch_contracts[];
extern const size_t arch_contract_count;

/* The contract for an ELF machine and class, or NULL. */
const struct arch_contract *arch_for_machine(uint16_t machine, int elf_class);
const struct arch_contract *arch_by_name(const char *name);

/* Parses a --syscall-insn value in arch's form.  NULL on success, else what
 * was expected (for a usage message). */
const char *syscall_insn_parse(const struct arch_contract *arch, const char *text,
			       struct syscall_insn *out);
/* The first four bytes as a little-endian word (aarch64's trampoline check). */
uint32_t syscall_insn_word(const struct syscall_insn *insn);

#endif
