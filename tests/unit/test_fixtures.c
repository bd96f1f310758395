/* Every rule and every consumer verdict, on fixtures built from source at
 * test time (tests/fixtures): each variant differs from "good" in one
 * property, and must produce exactly the findings and verdicts that
 * vdso-facts.md predicts for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "check.h"
#include "consumers.h"
#include "mkvdso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ANY = -1 };

struct verdict_check {
	enum consumer consumer;
	const char *function;    /* suffix after __kernel_ / __vdso_ */
	const char *releases;    /* NULL: every row for the function */
	int linkage;             /* LINK_STATIC, LINK_DYNAMIC or ANY */
	enum outcome outcome;
};

struct expectation {
	const char *variant;
	const char *arch;        /* NULL: both */
	const char *findings;    /* "severity:rule ..." errors and warnings, sorted */
	struct verdict_check verdicts[8];
};

#define MUSL CONSUMER_MUSL
#define GLIBC CONSUMER_GLIBC
#define GO CONSUMER_GO
#define BIONIC CONSUMER_BIONIC
#define USES OUTCOME_USES
#define FALLBACK OUTCOME_FALLBACK
#define CRASH OUTCOME_CRASH
#define STATIC LINK_STATIC
#define DYNAMIC LINK_DYNAMIC
#define END { CONSUMER_COUNT, NULL, NULL, 0, 0 }

static const struct expectation expectations[] = {
	{ "good", NULL, "",
	  { { MUSL, "clock_gettime", NULL, ANY, USES }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GLIBC, "gettimeofday", NULL, ANY, USES }, { GO, "clock_gettime", NULL, ANY, USES },
	    { BIONIC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "no-hash", "x86_64", "error:sysv-hash-missing",
	  { { MUSL, "clock_gettime", NULL, ANY, FALLBACK }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, { BIONIC, "clock_gettime", NULL, ANY, USES }, END } },
	/* Go 1.19-1.21 on arm64 hash __vdso_clock_gettime's name (golang/go#62309). */
	{ "no-hash", "aarch64", "error:sysv-hash-missing warning:hash-quirk",
	  { { MUSL, "clock_gettime", NULL, ANY, FALLBACK }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", "1.19-1.21", ANY, FALLBACK }, { GO, "clock_gettime", "1.22+", ANY, USES },
	    { BIONIC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "no-gnu-hash", NULL, "",
	  { { MUSL, "clock_gettime", NULL, ANY, USES }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "both-hashes", "x86_64", "",
	  { { GLIBC, "clock_gettime", NULL, ANY, USES }, { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "both-hashes", "aarch64", "warning:hash-quirk",
	  { { GLIBC, "clock_gettime", NULL, ANY, USES }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", "1.19-1.21", ANY, FALLBACK }, { GO, "clock_gettime", "1.22+", ANY, USES },
	    END } },
	{ "no-verdef", NULL, "error:verdef-missing",
	  { { GO, "clock_gettime", NULL, ANY, CRASH }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "verdef-no-versym", NULL, "error:versym-missing",
	  { { GLIBC, "clock_gettime", NULL, DYNAMIC, CRASH }, { GLIBC, "clock_gettime", NULL, STATIC, USES },
	    { MUSL, "clock_gettime", NULL, ANY, USES }, { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "wrong-version", NULL, "error:version-missing",
	  { { MUSL, "clock_gettime", NULL, ANY, FALLBACK }, { GO, "clock_gettime", NULL, ANY, FALLBACK },
	    { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GLIBC, "gettimeofday", "2.31-2.40", DYNAMIC, FALLBACK },
	    { GLIBC, "gettimeofday", "2.31-2.40", STATIC, USES },
	    { GLIBC, "gettimeofday", "2.41+", ANY, USES }, END } },
	{ "bad-vd-hash", NULL, "error:verdef-hash",
	  { { MUSL, "clock_gettime", NULL, ANY, USES }, { GO, "clock_gettime", NULL, ANY, FALLBACK },
	    { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { GLIBC, "gettimeofday", "2.31-2.40", DYNAMIC, FALLBACK }, END } },
	{ "unversioned-symbol", NULL, "error:versym-index",
	  { { MUSL, "clock_gettime", NULL, ANY, FALLBACK }, { GO, "clock_gettime", NULL, ANY, FALLBACK },
	    { GLIBC, "clock_gettime", NULL, ANY, USES }, { BIONIC, "clock_gettime", NULL, ANY, USES }, END } },
	/* glibc 2.31-2.34 relocated a copy of the dynamic table (dyn_temp). */
	{ "writable-dynamic", NULL, "error:dynamic-writable",
	  { { GLIBC, "clock_gettime", "2.35+", ANY, CRASH },
	    { GLIBC, "clock_gettime", "2.31-2.34", ANY, USES }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "two-loads", NULL, "error:load-count",
	  { { GLIBC, "clock_gettime", NULL, ANY, CRASH }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "relocs", NULL, "error:dyn-relocations",
	  { { BIONIC, "clock_gettime", NULL, DYNAMIC, CRASH }, END } },
	{ "textrel", NULL, "error:dyn-forbidden error:dyn-relocations",
	  { { BIONIC, "clock_gettime", NULL, DYNAMIC, CRASH }, END } },
	{ "undefined", NULL, "error:dyn-relocations error:symbol-undefined", { END } },
	{ "hidden", NULL, "error:symbol-visibility",
	  { { GLIBC, "clock_gettime", NULL, ANY, FALLBACK }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "weak", NULL, "",
	  { { GLIBC, "clock_gettime", NULL, ANY, USES }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "object", NULL, "error:symbol-type",
	  { { GO, "clock_gettime", NULL, ANY, FALLBACK }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "abs", NULL, "error:symbol-abs",
	  { { GLIBC, "clock_gettime", NULL, ANY, CRASH }, { MUSL, "clock_gettime", NULL, ANY, USES },
	    { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "tls", NULL, "error:segment-forbidden",
	  { { GLIBC, "clock_gettime", NULL, ANY, CRASH }, { MUSL, "clock_gettime", NULL, ANY, USES }, END } },
	{ "needed", NULL, "error:dyn-forbidden", { END } },
	{ "verneed", NULL, "error:dyn-forbidden error:symbol-undefined",
	  { { GLIBC, "clock_gettime", NULL, DYNAMIC, CRASH }, { GLIBC, "clock_gettime", NULL, STATIC, USES }, END } },
	{ "no-sections", NULL, "warning:section-headers",
	  { { BIONIC, "clock_gettime", NULL, ANY, FALLBACK }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { MUSL, "clock_gettime", NULL, ANY, USES }, END } },
	{ "no-dynamic", NULL, "error:dynamic-missing",
	  { { MUSL, "clock_gettime", NULL, STATIC, FALLBACK }, { MUSL, "clock_gettime", NULL, DYNAMIC, CRASH },
	    { GLIBC, "clock_gettime", NULL, ANY, FALLBACK }, { GO, "clock_gettime", NULL, ANY, FALLBACK },
	    { BIONIC, "clock_gettime", NULL, DYNAMIC, CRASH }, END } },
	{ "rebased", NULL, "warning:load-vaddr",
	  { { BIONIC, "clock_gettime", NULL, ANY, FALLBACK }, { GLIBC, "clock_gettime", NULL, ANY, USES },
	    { MUSL, "clock_gettime", NULL, ANY, USES }, { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "no-soname", NULL, "warning:soname", { { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "missing-symbol", "aarch64", "error:symbol-missing",
	  { { GLIBC, "clock_getres", NULL, ANY, FALLBACK }, { BIONIC, "clock_getres", NULL, ANY, FALLBACK },
	    { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "missing-symbol", "x86_64", "error:symbol-missing",
	  { { MUSL, "getcpu", NULL, ANY, FALLBACK }, { GLIBC, "getcpu", NULL, ANY, FALLBACK },
	    { MUSL, "clock_gettime", NULL, ANY, USES }, END } },
	{ "bad-bloom", NULL, "error:gnu-hash",
	  /* Go locates the buckets after bloom_size words, so it reads garbage. */
	  { { GLIBC, "clock_gettime", NULL, ANY, CRASH }, { GO, "clock_gettime", NULL, ANY, CRASH },
	    { MUSL, "clock_gettime", NULL, ANY, USES }, { BIONIC, "clock_gettime", NULL, DYNAMIC, CRASH }, END } },
	{ "getrandom", NULL, "warning:getrandom", { { GO, "clock_gettime", NULL, ANY, USES }, END } },
	{ "nchain-short", "x86_64", "error:sysv-hash",
	  { { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "nchain-short", "aarch64", "error:sysv-hash warning:hash-quirk",
	  { { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "bad-sigreturn", "aarch64", "error:sigreturn", { { GLIBC, "clock_gettime", NULL, ANY, USES }, END } },
	{ "syscall-free", NULL, "", { { MUSL, "clock_gettime", NULL, ANY, USES }, END } },
};

struct inspected {
	unsigned char *bytes;
	size_t size;
	struct vdso_image image;
	struct findings findings;
	struct verdicts verdicts;
	const struct arch_contract *arch;
};

static void inspect_fixture(struct inspected *in, const char *arch, const char *variant)
{
	char path[512], error[256];
	snprintf(path, sizeof path, "%s/%s/%s.so", MKVDSO_FIXTURE_DIR, arch, variant);
	memset(in, 0, sizeof *in);
	if (read_input(path, 1 << 24, &in->bytes, &in->size) != EXIT_OK)
		fail_msg("cannot read fixture %s (is tests/fixtures built?)", path);
	if (image_load(&in->image, path, in->bytes, in->size, error, sizeof error) != IMAGE_OK)
		fail_msg("%s: %s", path, error);
	in->arch = arch_for_machine(in->image.ehdr.e_machine, in->image.ehdr.e_ident[EI_CLASS]);
	assert_non_null(in->arch);
	assert_string_equal(in->arch->name, arch);
	struct check_options options = { .arch = in->arch, .consumers = CONSUMERS_ALL };
	check_image(&in->image, &options, &in->findings);
	assert_true(consumers_evaluate(&in->image, in->arch, CONSUMERS_ALL, &in->verdicts));
}

static void release(struct inspected *in)
{
	verdicts_free(&in->verdicts);
	findings_free(&in->findings);
	image_free(&in->image);
	free(in->bytes);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "severity:rule" for each distinct error and warning, sorted, space-joined. */
static void finding_summary(const struct findings *findings, char *out, size_t size)
{
	char items[64][64];
	const char *sorted[64];
	size_t n = 0;
	for (size_t i = 0; i < findings->count && n < 64; i++) {
		const struct finding *f = &findings->items[i];
		if (f->severity == SEVERITY_NOTE)
			continue;
		snprintf(items[n], sizeof items[n], "%s:%s", severity_name(f->severity), f->rule->id);
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= strcmp(items[j], items[n]) == 0;
		if (!seen) {
			sorted[n] = items[n];
			n++;
		}
	}
	qsort(sorted, n, sizeof sorted[0], compare_strings);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", sorted[i]);
}

static bool function_matches(const char *symbol, const char *suffix)
{
	size_t len = strlen(symbol), want = strlen(suffix);
	return len > want && symbol[len - want - 1] == '_' && strcmp(symbol + len - want, suffix) == 0;
}

static void check_verdict(const struct inspected *in, const char *label,
			  const struct verdict_check *want)
{
	size_t matched = 0;
	for (size_t i = 0; i < in->verdicts.count; i++) {
		const struct verdict *v = &in->verdicts.items[i];
		const struct consumer_lookup *l = v->lookup;
		if (l->consumer != want->consumer || !l->symbol || !function_matches(l->symbol, want->function))
			continue;
		if (want->releases && strcmp(want->releases, v->releases) != 0)
			continue;
		for (int link = 0; link < LINK_COUNT; link++) {
			if (want->linkage != ANY && want->linkage != link)
				continue;
			matched++;
			if (v->linkage[link].outcome != want->outcome)
				fail_msg("%s: %s %s %s (%s): expected %s, got %s (%s)", label,
					 consumer_name(l->consumer), v->releases, l->symbol,
					 link == LINK_STATIC ? "static" : "dynamic",
					 outcome_name(want->outcome), outcome_name(v->linkage[link].outcome),
					 v->linkage[link].reason);
			if (want->outcome == OUTCOME_USES) {
				/* The offset must be the symbol's own, as eu-readelf shows it. */
				const struct vdso_symbol *sym = image_find_symbol(&in->image, l->symbol);
				assert_non_null(sym);
				assert_int_equal(v->linkage[link].offset, sym->value - in->image.segments[0].vaddr);
			}
		}
	}
	if (!matched)
		fail_msg("%s: no %s verdict for *_%s", label, consumer_name(want->consumer), want->function);
}

static void run_expectation(const struct expectation *e, const char *arch)
{
	struct inspected in;
	char label[128], summary[1024];
	snprintf(label, sizeof label, "%s/%s", arch, e->variant);
	inspect_fixture(&in, arch, e->variant);
	finding_summary(&in.findings, summary, sizeof summary);
	if (strcmp(summary, e->findings) != 0)
		fail_msg("%s: findings \"%s\", expected \"%s\"", label, summary, e->findings);
	for (const struct verdict_check *v = e->verdicts; v->function; v++)
		check_verdict(&in, label, v);
	release(&in);
}

static void test_arch(const char *arch)
{
	for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++) {
		const struct expectation *e = &expectations[i];
		if (e->arch && strcmp(e->arch, arch) != 0)
			continue;
		run_expectation(e, arch);
	}
}

static void test_x86_64(void **state)
{
	(void)state;
	test_arch("x86_64");
}

static void test_aarch64(void **state)
{
	(void)state;
	test_arch("aarch64");
}

/* --strict turns every warning into an error; --libc narrows findings to
 * the consumers asked for; --forbid-syscalls makes each site an error. */
static void test_options(void **state)
{
	(void)state;
	struct inspected in;
	inspect_fixture(&in, "aarch64", "rebased");
	struct findings strict = { 0 }, musl_only = { 0 }, forbid = { 0 };
	struct check_options options = { .arch = in.arch, .consumers = CONSUMERS_ALL, .strict = true };
	check_image(&in.image, &options, &strict);
	assert_int_equal(findings_count(&strict, SEVERITY_ERROR), 1);
	assert_string_equal(strict.items[0].rule->id, RULE_LOAD_VADDR);
	options = (struct check_options){ .arch = in.arch, .consumers = CONSUMER_BIT(CONSUMER_MUSL) };
	check_image(&in.image, &options, &musl_only);
	assert_int_equal(findings_count(&musl_only, SEVERITY_WARNING), 0); /* bionic-only rule */
	options = (struct check_options){ .arch = in.arch, .consumers = CONSUMERS_ALL,
					  .forbid_syscalls = true };
	check_image(&in.image, &options, &forbid);
	size_t sites = 0;
	for (size_t i = 0; i < forbid.count; i++)
		if (strcmp(forbid.items[i].rule->id, RULE_SYSCALL) == 0) {
			assert_int_equal(forbid.items[i].severity, SEVERITY_ERROR);
			sites++;
		}
	assert_true(sites >= 4); /* three clock functions and sigreturn */
	findings_free(&strict);
	findings_free(&musl_only);
	findings_free(&forbid);
	release(&in);
}

/* --syscall-insn in each architecture's form: aarch64 one little-endian
 * word, x86_64 the bytes in hex; everything else refused with what was
 * expected. */
static void test_syscall_insn_parse(void **state)
{
	(void)state;
	const struct arch_contract *a64 = arch_by_name("aarch64"), *x86 = arch_by_name("x86_64");
	struct syscall_insn insn;
	assert_null(syscall_insn_parse(a64, "0xdeadbeef", &insn));
	assert_int_equal(insn.size, 4);
	assert_memory_equal(insn.bytes, "\xef\xbe\xad\xde", 4);
	assert_int_equal(syscall_insn_word(&insn), 0xdeadbeef);
	assert_non_null(syscall_insn_parse(a64, "0x100000000", &insn));
	assert_non_null(syscall_insn_parse(a64, "0f0b", &insn));
	assert_null(syscall_insn_parse(x86, "0f0b", &insn));
	assert_int_equal(insn.size, 2);
	assert_memory_equal(insn.bytes, "\x0f\x0b", 2);
	assert_null(syscall_insn_parse(x86, "0x0F01C1", &insn));
	assert_int_equal(insn.size, 3);
	assert_memory_equal(insn.bytes, "\x0f\x01\xc1", 3);
	assert_null(syscall_insn_parse(x86, "000102030405060708090a0b0c0d0e", &insn));
	assert_int_equal(insn.size, 15);
	static const char *const bad[] = { "", "0x", "0f0", "0g0b", "0f 0b", "-0f0b",
					   "000102030405060708090a0b0c0d0e0f" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_non_null(syscall_insn_parse(x86, bad[i], &insn));
}

/* A trap instruction that replaced the system call is listed where it is
 * (rule trap-instruction), and the native sites stay listed as before. */
static void test_trap_sites(void **state)
{
	(void)state;
	struct inspected in;
	inspect_fixture(&in, "x86_64", "good");
	struct findings plain = { 0 }, trapped = { 0 };
	struct check_options options = { .arch = in.arch, .consumers = CONSUMERS_ALL };
	check_image(&in.image, &options, &plain);
	size_t native = 0, traps = 0;
	for (size_t i = 0; i < plain.count; i++)
		native += strcmp(plain.items[i].rule->id, RULE_SYSCALL) == 0;
	assert_true(native > 0);
	/* The fixture's own syscall bytes as the "trap": every site is both. */
	options.have_syscall_insn = true;
	assert_null(syscall_insn_parse(in.arch, "0f05", &options.syscall_insn));
	check_image(&in.image, &options, &trapped);
	for (size_t i = 0; i < trapped.count; i++)
		traps += strcmp(trapped.items[i].rule->id, RULE_TRAP) == 0;
	assert_int_equal(traps, 0); /* the native instruction is not listed twice */
	findings_free(&trapped);
	trapped = (struct findings){ 0 };
	/* syscall's first byte: every 0f in the code, aligned anywhere on x86. */
	assert_null(syscall_insn_parse(in.arch, "0f", &options.syscall_insn));
	check_image(&in.image, &options, &trapped);
	for (size_t i = 0; i < trapped.count; i++)
		if (strcmp(trapped.items[i].rule->id, RULE_TRAP) == 0) {
			assert_int_equal(trapped.items[i].severity, SEVERITY_NOTE);
			traps++;
		}
	assert_true(traps >= native);
	findings_free(&plain);
	findings_free(&trapped);
	release(&in);
}

/* --require adds symbols; a missing one and a wrong version are errors. */
static void test_require(void **state)
{
	(void)state;
	struct inspected in;
	inspect_fixture(&in, "x86_64", "good");
	const struct symbol_requirement requires[] = {
		{ "__vdso_clock_gettime", "LINUX_2.6" },
		{ "__vdso_nonexistent", NULL },
		{ "__vdso_time", "LINUX_9.9" },
	};
	struct findings findings = { 0 };
	struct check_options options = { .arch = in.arch, .consumers = CONSUMERS_ALL,
					 .requires = requires, .require_count = 3 };
	check_image(&in.image, &options, &findings);
	char summary[256];
	finding_summary(&findings, summary, sizeof summary);
	assert_string_equal(summary, "error:symbol-missing error:version-missing");
	findings_free(&findings);
	release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_64),
		cmocka_unit_test(test_aarch64),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_syscall_insn_parse),
		cmocka_unit_test(test_trap_sites),
		cmocka_unit_test(test_require),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
