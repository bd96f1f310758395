/* check: the rule table and the checks that apply it to a loaded image.
 *
 * Each rule has a stable id (the man page lists them all), a severity, the
 * consumers it protects, and a one-line fix.  check_image() walks the model
 * and produces findings; the loader's defects become findings of their own
 * rule.  The consumer models (consumers.h) say what each libc then does. */
#ifndef MKVDSO_CHECK_H
#define MKVDSO_CHECK_H

#include "arch.h"
#include "image.h"

#include <stdbool.h>
#include <stddef.h>

enum severity {
	SEVERITY_NOTE,
	SEVERITY_WARNING,
	SEVERITY_ERROR,
};

const char *severity_name(enum severity severity);

/* Rule ids.  Stable: scripts and the man page depend on them. */
#define RULE_ELF_HEADER        "elf-header"
#define RULE_ARCH_UNKNOWN      "arch-unknown"
#define RULE_ARCH_MISMATCH     "arch-mismatch"
#define RULE_LOAD_COUNT        "load-count"
#define RULE_LOAD_LAYOUT       "load-layout"
#define RULE_LOAD_FLAGS        "load-flags"
#define RULE_LOAD_VADDR        "load-vaddr"
#define RULE_DYNAMIC_MISSING   "dynamic-missing"
#define RULE_DYNAMIC_WRITABLE  "dynamic-writable"
#define RULE_DYNAMIC_PLACE     "dynamic-place"
#define RULE_SEGMENT_FORBIDDEN "segment-forbidden"
#define RULE_SECTIONS          "section-headers"
#define RULE_DYN_TABLE         "dyn-table"
#define RULE_DYN_ADDRESS       "dyn-address"
#define RULE_DYN_REQUIRED      "dyn-required"
#define RULE_DYN_FORBIDDEN     "dyn-forbidden"
#define RULE_DYN_RELOCS        "dyn-relocations"
#define RULE_DYN_ENTSIZE       "dyn-entsize"
#define RULE_DYN_INIT          "dyn-init"
#define RULE_SYSV_HASH_MISSING "sysv-hash-missing"
#define RULE_GNU_HASH_MISSING  "gnu-hash-missing"
#define RULE_SYSV_HASH         "sysv-hash"
#define RULE_GNU_HASH          "gnu-hash"
#define RULE_HASH_QUIRK        "hash-quirk"
#define RULE_VERDEF_MISSING    "verdef-missing"
#define RULE_VERSYM_MISSING    "versym-missing"
#define RULE_VERDEF_CHAIN      "verdef-chain"
#define RULE_VERDEF_BASE       "verdef-base"
#define RULE_VERDEF_HASH       "verdef-hash"
#define RULE_VERSION_MISSING   "version-missing"
#define RULE_VERSYM_INDEX      "versym-index"
#define RULE_VERSYM_HIDDEN     "versym-hidden"
#define RULE_SONAME            "soname"
#define RULE_SYMBOL_MISSING    "symbol-missing"
#define RULE_SYMBOL_DUPLICATE  "symbol-duplicate"
#define RULE_SYMBOL_TYPE       "symbol-type"
#define RULE_SYMBOL_BINDING    "symbol-binding"
#define RULE_SYMBOL_VISIBILITY "symbol-visibility"
#define RULE_SYMBOL_UNDEFINED  "symbol-undefined"
#define RULE_SYMBOL_ABS        "symbol-abs"
#define RULE_SYMBOL_ADDRESS    "symbol-address"
#define RULE_SIGRETURN         "sigreturn"
#define RULE_GETRANDOM         "getrandom"
#define RULE_SYSCALL           "syscall-instruction"
#define RULE_TRAP              "trap-instruction"

struct rule {
	const char *id;
	enum severity severity;
	unsigned consumers;      /* CONSUMER_BIT()s, CONSUMER_KERNEL_BIT */
	const char *summary;
	const char *fix;
};

extern const struct rule rule_table[];
extern const size_t rule_count;
const struct rule *rule_find(const char *id);

/* The findings of one rule that are listed; the rest are counted in one
 * last finding of the rule.  A hostile image can break a rule once per
 * symbol or per instruction; the list stays short and its memory small. */
#define CHECK_MAX_LISTED 64

struct finding {
	const struct rule *rule;
	enum severity severity;  /* after --strict / --forbid-syscalls */
	char place[64];
	char message[256];
	size_t count;            /* 1, or the number a "more" finding stands for */
};

struct findings {
	struct finding *items;
	size_t count, capacity;
	bool out_of_memory;
};

struct symbol_requirement {
	const char *symbol;
	const char *version;     /* NULL: any version */
};

struct check_options {
	const struct arch_contract *arch;  /* NULL if unknown */
	const struct symbol_requirement *requires;
	size_t require_count;
	bool forbid_syscalls;
	bool strict;
	/* The kernel traps system calls with this instruction instead of the
	 * architecture's own (--syscall-insn): the signal trampoline must use
	 * it, and its sites are listed (rule trap-instruction).  System-call
	 * sites are always the architecture's own instruction, the one such a
	 * kernel would not see. */
	bool have_syscall_insn;
	struct syscall_insn syscall_insn;
	/* mkvdso build applies R_*_RELATIVE relocations itself, so they are
	 * no error before placement. */
	bool relative_relocs_applied;
	unsigned consumers;      /* which consumers' rules to report */
};

void check_image(const struct vdso_image *image, const struct check_options *options,
		 struct findings *findings);
void findings_free(struct findings *findings);
/* Findings of a severity, the unlisted ones included. */
size_t findings_count(const struct findings *findings, enum severity severity);

#endif
