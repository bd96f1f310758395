/* test_malformed: damaged images through the whole pipeline.
 *
 * The seed is this process's own vDSO, a real image nobody here wrote, or,
 * where the process has none (valgrind takes it away), the copy that
 * `mkvdso dump` wrote to $MKVDSO_SEED_FILE.
 * Each test damages a copy in one way (found through the copy's own
 * headers: program headers -> PT_DYNAMIC -> dynamic entries -> addresses)
 * and runs image_load(), check_image() and consumers_evaluate() on a heap
 * buffer of exactly the damaged file's size, so the sanitizer build turns
 * any read past the file into a failure.
 *
 * The pipeline runs in a forked child that reports through shared memory:
 * a crash, a sanitizer report or a hang in one damage class fails that test
 * with the damage named, instead of taking the whole suite down or
 * blocking it.  The hang guard is not a timing assertion: a run takes
 * milliseconds, the guard waits seconds without progress. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch.h"
#include "check.h"
#include "consumers.h"
#include "hashwalk.h"
#include "image.h"
#include "mkvdso.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	STALL_SECONDS = 5,          /* no progress for this long: a hang */
	MAX_RECORDED_FINDINGS = 512,
	MAX_RECORDED_VERDICTS = 64,
	MUTATION_ITERATIONS = 20000,
};
/* Fixed, so a failing mutation is reproducible from its number. */
#define MUTATION_SEED 0x6d6b7664736f2121ull

/* ------------------------------------------------------------------ */
/* What one pipeline run left behind, in memory shared with the child.  */

enum run_end {
	RUN_RETURNED,
	RUN_HUNG,
	RUN_DIED,
};

struct recorded_finding {
	char rule[32];
	int severity;
	char place[64];
	char message[256];
};

struct recorded_verdict {
	int consumer;
	char symbol[48];
	int outcome[LINK_COUNT];
	char reason[LINK_COUNT][160];
};

struct run_record {
	volatile uint64_t heartbeat;   /* bumped by the child per run */
	char current[512];             /* the damage being run */
	char failure[2048];            /* a check the child itself failed */
	enum run_end end;              /* set by the parent */
	int wait_status;

	int status;                    /* enum image_status */
	char error[256];
	size_t finding_count;          /* all of them; the first few are kept */
	struct recorded_finding findings[MAX_RECORDED_FINDINGS];
	size_t verdict_count;
	struct recorded_verdict verdicts[MAX_RECORDED_VERDICTS];
	size_t build_id_size;
	size_t symbol_count;
};

/* The group state. */
struct suite {
	unsigned char *seed;
	size_t seed_size;
	char no_seed[256];             /* why there is no seed */
	struct run_record *record;     /* MAP_SHARED */
};

/* A damaged copy of the seed. */
struct damaged {
	unsigned char *bytes;
	size_t size;
};

/* ------------------------------------------------------------------ */
/* The seed: this process's vDSO.                                       */

/* The [vdso] mapping that starts at base, from /proc/self/maps. */
static size_t vdso_mapping_size(uintptr_t base, char *why, size_t why_size)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	if (!maps) {
		snprintf(why, why_size, "cannot open /proc/self/maps: %s", strerror(errno));
		return 0;
	}
	char line[512];
	size_t size = 0;
	while (fgets(line, sizeof line, maps)) {
		uintptr_t start, end;
		if (!strstr(line, "[vdso]") || sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &start, &end) != 2)
			continue;
		if (start == base && end > start)
			size = end - start;
	}
	fclose(maps);
	if (!size)
		snprintf(why, why_size, "no [vdso] mapping at %#" PRIxPTR " in /proc/self/maps", base);
	return size;
}

/* The file size of the image at base: the end of its PT_LOADs or of its
 * section header table, whichever is later, inside the mapping. */
static size_t vdso_file_size(const unsigned char *base, size_t mapped, char *why,
			     size_t why_size)
{
	Elf64_Ehdr eh;
	if (mapped < sizeof eh) {
		snprintf(why, why_size, "the [vdso] mapping (%zu bytes) is smaller than an ELF header", mapped);
		return 0;
	}
	memcpy(&eh, base, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		snprintf(why, why_size, "the vDSO is not a little-endian ELF64 image; this suite "
			 "damages it through Elf64 structures");
		return 0;
	}
	if (eh.e_phoff > mapped || eh.e_phnum > (mapped - eh.e_phoff) / sizeof(Elf64_Phdr)) {
		snprintf(why, why_size, "the vDSO's program headers lie outside its mapping");
		return 0;
	}
	uint64_t end = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, base + eh.e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	if (eh.e_shoff && eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > end)
		end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (end == 0 || end > mapped) {
		snprintf(why, why_size, "the vDSO's extent (%" PRIu64 " bytes) does not fit its "
			 "mapping (%zu bytes)", end, mapped);
		return 0;
	}
	return (size_t)end;
}

static int suite_setup(void **state)
{
	struct suite *suite = calloc(1, sizeof *suite);
	if (!suite)
		return -1;
	suite->record = mmap(NULL, sizeof *suite->record, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (suite->record == MAP_FAILED) {
		free(suite);
		return -1;
	}
	*state = suite;
	const char *seed_file = getenv("MKVDSO_SEED_FILE");
	if (seed_file) {
		if (read_input(seed_file, 1 << 24, &suite->seed, &suite->seed_size) != EXIT_OK)
			snprintf(suite->no_seed, sizeof suite->no_seed,
				 "MKVDSO_SEED_FILE %s cannot be read", seed_file);
		return 0;
	}
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!base) {
		snprintf(suite->no_seed, sizeof suite->no_seed,
			 "this process has no vDSO (AT_SYSINFO_EHDR is 0): the malformed-input "
			 "suite needs the kernel's image as its seed");
		return 0;
	}
	size_t mapped = vdso_mapping_size(base, suite->no_seed, sizeof suite->no_seed);
	if (!mapped)
		return 0;
	size_t size = vdso_file_size((const unsigned char *)base, mapped, suite->no_seed,
				     sizeof suite->no_seed);
	if (!size)
		return 0;
	suite->seed = malloc(size);
	if (!suite->seed)
		return -1;
	memcpy(suite->seed, (const void *)base, size);
	suite->seed_size = size;
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *suite = *state;
	munmap(suite->record, sizeof *suite->record);
	free(suite->seed);
	free(suite);
	return 0;
}

/* Every test needs the seed; without it each one fails, loudly. */
static struct suite *suite_of(void **state)
{
	struct suite *suite = *state;
	assert_non_null(suite);
	if (!suite->seed)
		fail_msg("%s", suite->no_seed);
	return suite;
}

static struct damaged copy_seed(const struct suite *suite)
{
	struct damaged d = { malloc(suite->seed_size), suite->seed_size };
	assert_non_null(d.bytes);
	memcpy(d.bytes, suite->seed, suite->seed_size);
	return d;
}

static void free_damaged(struct damaged *d)
{
	free(d->bytes);
	d->bytes = NULL;
}

/* ------------------------------------------------------------------ */
/* Reading and writing the copy through its own headers (ELF64, LE).    */

static uint64_t get_le(const struct damaged *d, uint64_t offset, unsigned width)
{
	if (offset > d->size || width > d->size - offset)
		fail_msg("reading %u bytes at %#" PRIx64 ": outside the %zu-byte seed", width,
			 offset, d->size);
	uint64_t value = 0;
	for (unsigned i = 0; i < width; i++)
		value |= (uint64_t)d->bytes[offset + i] << (8 * i);
	return value;
}

static void put_le(struct damaged *d, uint64_t offset, unsigned width, uint64_t value)
{
	if (offset > d->size || width > d->size - offset)
		fail_msg("writing %u bytes at %#" PRIx64 ": outside the %zu-byte seed", width,
			 offset, d->size);
	for (unsigned i = 0; i < width; i++)
		d->bytes[offset + i] = (unsigned char)(value >> (8 * i));
}

#define FIELD_SIZE(type, member) ((unsigned)sizeof(((type *)0)->member))
#define GET(d, at, type, member) \
	get_le((d), (at) + offsetof(type, member), FIELD_SIZE(type, member))
#define PUT(d, at, type, member, value) \
	put_le((d), (at) + offsetof(type, member), FIELD_SIZE(type, member), (value))

static uint64_t phdr_offset(const struct damaged *d, unsigned index)
{
	return GET(d, 0, Elf64_Ehdr, e_phoff) + (uint64_t)index * sizeof(Elf64_Phdr);
}

static bool find_phdr(const struct damaged *d, uint32_t type, uint64_t *at)
{
	unsigned phnum = (unsigned)GET(d, 0, Elf64_Ehdr, e_phnum);
	for (unsigned i = 0; i < phnum; i++) {
		if (GET(d, phdr_offset(d, i), Elf64_Phdr, p_type) == type) {
			*at = phdr_offset(d, i);
			return true;
		}
	}
	return false;
}

static uint64_t phdr_of(const struct damaged *d, uint32_t type, const char *name)
{
	uint64_t at = 0;
	if (!find_phdr(d, type, &at))
		fail_msg("the seed has no %s", name);
	return at;
}

/* The file offset of address vaddr, through the PT_LOAD containing it. */
static uint64_t addr_to_offset(const struct damaged *d, uint64_t vaddr)
{
	unsigned phnum = (unsigned)GET(d, 0, Elf64_Ehdr, e_phnum);
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t ph = phdr_offset(d, i);
		if (GET(d, ph, Elf64_Phdr, p_type) != PT_LOAD)
			continue;
		uint64_t start = GET(d, ph, Elf64_Phdr, p_vaddr);
		if (vaddr >= start && vaddr - start < GET(d, ph, Elf64_Phdr, p_filesz))
			return GET(d, ph, Elf64_Phdr, p_offset) + (vaddr - start);
	}
	fail_msg("address %#" PRIx64 " is in no PT_LOAD of the seed", vaddr);
	return 0;
}

static uint64_t dynamic_start(const struct damaged *d)
{
	return GET(d, phdr_of(d, PT_DYNAMIC, "PT_DYNAMIC"), Elf64_Phdr, p_offset);
}

static uint64_t dynamic_slots(const struct damaged *d)
{
	return GET(d, phdr_of(d, PT_DYNAMIC, "PT_DYNAMIC"), Elf64_Phdr, p_filesz) /
	       sizeof(Elf64_Dyn);
}

static uint64_t dyn_slot(const struct damaged *d, uint64_t index)
{
	return dynamic_start(d) + index * sizeof(Elf64_Dyn);
}

static bool find_dyn(const struct damaged *d, int64_t tag, uint64_t *at)
{
	for (uint64_t i = 0; i < dynamic_slots(d); i++) {
		int64_t t = (int64_t)GET(d, dyn_slot(d, i), Elf64_Dyn, d_tag);
		if (t == tag) {
			*at = dyn_slot(d, i);
			return true;
		}
		if (t == DT_NULL)
			break;
	}
	return false;
}

static uint64_t dyn_entry(const struct damaged *d, int64_t tag, const char *name)
{
	uint64_t at = 0;
	if (!find_dyn(d, tag, &at))
		fail_msg("the seed has no %s", name);
	return at;
}

static uint64_t dyn_value(const struct damaged *d, int64_t tag, const char *name)
{
	return GET(d, dyn_entry(d, tag, name), Elf64_Dyn, d_un.d_val);
}

static void dyn_set(struct damaged *d, int64_t tag, const char *name, uint64_t value)
{
	PUT(d, dyn_entry(d, tag, name), Elf64_Dyn, d_un.d_val, value);
}

static uint64_t dt_null_index(const struct damaged *d)
{
	for (uint64_t i = 0; i < dynamic_slots(d); i++)
		if (GET(d, dyn_slot(d, i), Elf64_Dyn, d_tag) == DT_NULL)
			return i;
	fail_msg("the seed's dynamic table has no DT_NULL");
	return 0;
}

/* Adds an entry: into the DT_NULL slot if another slot follows for the new
 * DT_NULL, else over an entry no check depends on. */
static void dyn_add(struct damaged *d, int64_t tag, uint64_t value)
{
	uint64_t null = dt_null_index(d), at;
	if (null + 1 < dynamic_slots(d)) {
		at = dyn_slot(d, null);
		PUT(d, dyn_slot(d, null + 1), Elf64_Dyn, d_tag, DT_NULL);
		PUT(d, dyn_slot(d, null + 1), Elf64_Dyn, d_un.d_val, 0);
	} else {
		static const int64_t spare[] = { DT_SYMBOLIC, DT_RUNPATH, DT_RPATH, DT_DEBUG,
						 DT_FLAGS_1, DT_FLAGS, DT_SYMENT };
		bool found = false;
		for (size_t i = 0; !found && i < sizeof spare / sizeof spare[0]; i++)
			found = find_dyn(d, spare[i], &at);
		if (!found)
			fail_msg("no room in the seed's dynamic table to add tag %#" PRIx64,
				 (uint64_t)tag);
	}
	PUT(d, at, Elf64_Dyn, d_tag, (uint64_t)tag);
	PUT(d, at, Elf64_Dyn, d_un.d_val, value);
}

static uint64_t table_offset(const struct damaged *d, int64_t tag, const char *name)
{
	return addr_to_offset(d, dyn_value(d, tag, name));
}

/* DT_HASH's nchain: the symbol count. */
static uint64_t seed_symbol_count(const struct damaged *d)
{
	return get_le(d, table_offset(d, DT_HASH, "DT_HASH") + 4, 4);
}

static uint32_t find_symbol(const struct damaged *d, const char *name)
{
	uint64_t symtab = table_offset(d, DT_SYMTAB, "DT_SYMTAB");
	uint64_t strtab = table_offset(d, DT_STRTAB, "DT_STRTAB");
	uint64_t count = seed_symbol_count(d);
	for (uint64_t i = 1; i < count; i++) {
		uint64_t at = symtab + i * sizeof(Elf64_Sym);
		uint64_t str = strtab + GET(d, at, Elf64_Sym, st_name);
		size_t len = strlen(name);
		if (str < d->size && len < d->size - str &&
		    memcmp(d->bytes + str, name, len + 1) == 0)
			return (uint32_t)i;
	}
	fail_msg("the seed does not define %s", name);
	return 0;
}

static uint64_t section_of_type(const struct damaged *d, uint32_t type, const char *name)
{
	uint64_t shoff = GET(d, 0, Elf64_Ehdr, e_shoff);
	unsigned shnum = (unsigned)GET(d, 0, Elf64_Ehdr, e_shnum);
	for (unsigned i = 0; i < shnum; i++) {
		uint64_t at = shoff + (uint64_t)i * sizeof(Elf64_Shdr);
		if (GET(d, at, Elf64_Shdr, sh_type) == type)
			return at;
	}
	fail_msg("the seed has no %s section", name);
	return 0;
}

/* The Verdef entries of the seed's chain, in order. */
static size_t seed_verdefs(const struct damaged *d, uint64_t *offsets, size_t max)
{
	uint64_t at = table_offset(d, DT_VERDEF, "DT_VERDEF");
	size_t count = 0;
	while (count < max) {
		offsets[count++] = at;
		uint64_t next = GET(d, at, Elf64_Verdef, vd_next);
		if (next == 0)
			break;
		at += next;
	}
	return count;
}

/* ------------------------------------------------------------------ */
/* Running the pipeline.                                                */

/* True if the run left a clean result; says why not otherwise. */
static bool record_is_clean(const struct run_record *rec, char *why, size_t why_size)
{
	if (rec->status == IMAGE_INVALID) {
		if (rec->error[0] == '\0') {
			snprintf(why, why_size, "IMAGE_INVALID without a message");
			return false;
		}
		return true;
	}
	if (rec->status != IMAGE_OK) {
		snprintf(why, why_size, "image_load returned %d (%s), expected IMAGE_OK or "
			 "IMAGE_INVALID", rec->status, rec->error);
		return false;
	}
	size_t kept = rec->finding_count < MAX_RECORDED_FINDINGS ? rec->finding_count
								  : MAX_RECORDED_FINDINGS;
	for (size_t i = 0; i < kept; i++) {
		const struct recorded_finding *f = &rec->findings[i];
		if (!f->rule[0] || !f->message[0] || f->severity < SEVERITY_NOTE ||
		    f->severity > SEVERITY_ERROR) {
			snprintf(why, why_size, "finding %zu is incomplete (rule '%s', message '%s')",
				 i, f->rule, f->message);
			return false;
		}
	}
	for (size_t i = 0; i < rec->verdict_count && i < MAX_RECORDED_VERDICTS; i++) {
		const struct recorded_verdict *v = &rec->verdicts[i];
		for (int l = 0; l < LINK_COUNT; l++) {
			if (v->outcome[l] < OUTCOME_USES || v->outcome[l] > OUTCOME_CRASH ||
			    !v->reason[l][0]) {
				snprintf(why, why_size, "verdict %zu (%s) has no outcome or reason", i,
					 v->symbol);
				return false;
			}
		}
	}
	return true;
}

/* image_load, check_image, consumers_evaluate on an exact-size heap copy;
 * everything freed before returning.  Runs in the child. */
static void run_pipeline(const unsigned char *bytes, size_t size, struct run_record *rec)
{
	rec->status = -1;
	rec->error[0] = '\0';
	rec->finding_count = rec->verdict_count = 0;
	rec->build_id_size = rec->symbol_count = 0;
	unsigned char *copy = malloc(size);
	if (!copy && size) {
		snprintf(rec->failure, sizeof rec->failure, "out of memory for %zu bytes", size);
		return;
	}
	if (size)
		memcpy(copy, bytes, size);
	struct vdso_image image;
	char error[256] = "";
	enum image_status status = image_load(&image, "damaged-vdso", copy, size, error,
					      sizeof error);
	rec->status = status;
	snprintf(rec->error, sizeof rec->error, "%s", error);
	if (status == IMAGE_OK) {
		const struct arch_contract *arch =
			arch_for_machine(image.ehdr.e_machine, image.ehdr.e_ident[EI_CLASS]);
		struct check_options options = { .arch = arch, .consumers = CONSUMERS_ALL };
		struct findings findings = { 0 };
		struct verdicts verdicts = { 0 };
		check_image(&image, &options, &findings);
		bool evaluated = consumers_evaluate(&image, arch, CONSUMERS_ALL, &verdicts);
		if (findings.out_of_memory || !evaluated)
			rec->status = IMAGE_NO_MEMORY;
		rec->finding_count = findings.count;
		for (size_t i = 0; i < findings.count && i < MAX_RECORDED_FINDINGS; i++) {
			const struct finding *f = &findings.items[i];
			struct recorded_finding *r = &rec->findings[i];
			snprintf(r->rule, sizeof r->rule, "%s", f->rule ? f->rule->id : "");
			r->severity = (int)f->severity;
			snprintf(r->place, sizeof r->place, "%s", f->place);
			snprintf(r->message, sizeof r->message, "%s", f->message);
		}
		rec->verdict_count = verdicts.count;
		for (size_t i = 0; i < verdicts.count && i < MAX_RECORDED_VERDICTS; i++) {
			const struct verdict *v = &verdicts.items[i];
			struct recorded_verdict *r = &rec->verdicts[i];
			r->consumer = (int)v->lookup->consumer;
			snprintf(r->symbol, sizeof r->symbol, "%s",
				 v->lookup->symbol ? v->lookup->symbol : "");
			for (int l = 0; l < LINK_COUNT; l++) {
				r->outcome[l] = (int)v->linkage[l].outcome;
				snprintf(r->reason[l], sizeof r->reason[l], "%s", v->linkage[l].reason);
			}
		}
		rec->build_id_size = image.build_id_size;
		rec->symbol_count = image.symbol_count;
		verdicts_free(&verdicts);
		findings_free(&findings);
	}
	image_free(&image);
	free(copy);
}

typedef void (*child_body)(struct run_record *rec, void *arg);

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs body in a child; the parent watches its heartbeat. */
static void run_in_child(struct run_record *rec, child_body body, void *arg)
{
	memset(rec, 0, sizeof *rec);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would resume the test runner in the child. */
		static const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
		for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
			signal(signals[i], SIG_DFL);
		body(rec, arg);
		fflush(stdout);
		exit(rec->failure[0] ? 3 : 0);  /* exit, not _exit: LeakSanitizer runs */
	}
	uint64_t beat = rec->heartbeat;
	double last_progress = seconds_now();
	struct timespec nap = { 0, 200000 };
	for (;;) {
		int status;
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid) {
			rec->wait_status = status;
			rec->end = WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
							 (WEXITSTATUS(status) == 3 && rec->failure[0]))
					   ? RUN_RETURNED : RUN_DIED;
			return;
		}
		assert_true(done == 0);
		if (rec->heartbeat != beat) {
			beat = rec->heartbeat;
			last_progress = seconds_now();
		} else if (seconds_now() - last_progress > STALL_SECONDS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			rec->end = RUN_HUNG;
			return;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 20000000)
			nap.tv_nsec *= 2;
	}
}

struct single_run {
	const struct damaged *damaged;
	const char *what;
};

static void single_run_body(struct run_record *rec, void *arg)
{
	const struct single_run *run = arg;
	snprintf(rec->current, sizeof rec->current, "%s", run->what);
	rec->heartbeat++;
	run_pipeline(run->damaged->bytes, run->damaged->size, rec);
	char why[512];
	if (!rec->failure[0] && !record_is_clean(rec, why, sizeof why))
		snprintf(rec->failure, sizeof rec->failure, "%s: %s", run->what, why);
}

static void assert_returned(const struct run_record *rec)
{
	switch (rec->end) {
	case RUN_RETURNED:
		break;
	case RUN_HUNG:
		fail_msg("the pipeline made no progress for %d s (a hang) on: %s", STALL_SECONDS,
			 rec->current);
		break;
	case RUN_DIED:
		if (WIFSIGNALED(rec->wait_status))
			fail_msg("the pipeline died of signal %d (%s) on: %s",
				 WTERMSIG(rec->wait_status), strsignal(WTERMSIG(rec->wait_status)),
				 rec->current);
		fail_msg("the pipeline exited with status %d (a sanitizer report above) on: %s",
			 WEXITSTATUS(rec->wait_status), rec->current);
		break;
	}
	if (rec->failure[0])
		fail_msg("%s", rec->failure);
}

/* Runs the damaged copy (and frees it); asserts a clean return. */
static const struct run_record *run_damaged(const struct suite *suite, struct damaged *d,
					    const char *what)
{
	struct single_run run = { d, what };
	run_in_child(suite->record, single_run_body, &run);
	free_damaged(d);
	assert_returned(suite->record);
	return suite->record;
}

static void print_result(const struct run_record *rec)
{
	print_message("  damage: %s\n", rec->current);
	if (rec->status == IMAGE_INVALID) {
		print_message("  IMAGE_INVALID: %s\n", rec->error);
		return;
	}
	print_message("  image_load returned %d; %zu finding(s):\n", rec->status,
		      rec->finding_count);
	for (size_t i = 0; i < rec->finding_count && i < MAX_RECORDED_FINDINGS; i++)
		print_message("    %s %s: %s: %s\n", rec->findings[i].rule,
			      severity_name(rec->findings[i].severity), rec->findings[i].place,
			      rec->findings[i].message);
}

static bool has_finding(const struct run_record *rec, const char *rule, enum severity severity,
			const char *place, const char *fragment)
{
	for (size_t i = 0; i < rec->finding_count && i < MAX_RECORDED_FINDINGS; i++) {
		const struct recorded_finding *f = &rec->findings[i];
		if (strcmp(f->rule, rule) == 0 && f->severity == (int)severity &&
		    (!place || strcmp(f->place, place) == 0) &&
		    (!fragment || strstr(f->message, fragment)))
			return true;
	}
	return false;
}

/* The image loads and a finding of rule (at place, with fragment in its
 * message, where given) has the given severity. */
static void expect_finding(const struct run_record *rec, const char *rule,
			   enum severity severity, const char *place, const char *fragment)
{
	if (rec->status == IMAGE_OK && has_finding(rec, rule, severity, place, fragment))
		return;
	print_result(rec);
	fail_msg("expected finding '%s' (%s)%s%s%s%s%s", rule, severity_name(severity),
		 place ? " at " : "", place ? place : "", fragment ? " saying \"" : "",
		 fragment ? fragment : "", fragment ? "\"" : "");
}

static void expect_invalid(const struct run_record *rec, const char *fragment)
{
	if (rec->status == IMAGE_INVALID && strstr(rec->error, fragment))
		return;
	print_result(rec);
	fail_msg("expected IMAGE_INVALID with \"%s\" in the message", fragment);
}

static void expect_loaded(const struct run_record *rec)
{
	if (rec->status == IMAGE_OK)
		return;
	print_result(rec);
	fail_msg("expected the damaged image to load (IMAGE_OK)");
}

static bool has_outcome(const struct run_record *rec, enum consumer consumer,
			enum outcome outcome)
{
	for (size_t i = 0; i < rec->verdict_count && i < MAX_RECORDED_VERDICTS; i++)
		for (int l = 0; l < LINK_COUNT; l++)
			if (rec->verdicts[i].consumer == (int)consumer &&
			    rec->verdicts[i].outcome[l] == (int)outcome)
				return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* The seed itself.                                                     */

static const char *const structural_rules[] = {
	RULE_DYN_TABLE, RULE_DYN_ADDRESS, RULE_SYSV_HASH, RULE_GNU_HASH, RULE_VERDEF_CHAIN,
	RULE_VERSYM_INDEX,
};

/* Each damage test looks for one of these rules: the undamaged seed must
 * not already have it, or the test could not fail. */
static void test_seed_has_no_structural_findings(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	const struct run_record *rec = run_damaged(suite, &d, "none (the seed itself)");
	expect_loaded(rec);
	for (size_t i = 0; i < sizeof structural_rules / sizeof structural_rules[0]; i++) {
		for (size_t f = 0; f < rec->finding_count && f < MAX_RECORDED_FINDINGS; f++) {
			if (strcmp(rec->findings[f].rule, structural_rules[i]) == 0) {
				print_result(rec);
				fail_msg("the undamaged seed already has a '%s' finding",
					 structural_rules[i]);
			}
		}
	}
	assert_true(has_outcome(rec, CONSUMER_GLIBC, OUTCOME_USES));
	assert_false(has_outcome(rec, CONSUMER_GLIBC, OUTCOME_CRASH));
	assert_true(rec->symbol_count > 1);
}

/* ------------------------------------------------------------------ */
/* The file as a whole.                                                 */

static void test_empty_file(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = { malloc(1), 0 };
	assert_non_null(d.bytes);
	expect_invalid(run_damaged(suite, &d, "an empty file"), "not an ELF file");
}

struct truncation_loop {
	const struct suite *suite;
	uint64_t headers_end;     /* end of the program header table */
};

static void truncation_body(struct run_record *rec, void *arg)
{
	const struct truncation_loop *loop = arg;
	size_t loaded_short = 0, first_short = 0, last_short = 0;
	for (size_t len = 0; len <= loop->suite->seed_size; len++) {
		snprintf(rec->current, sizeof rec->current, "the seed truncated to %zu of %zu bytes",
			 len, loop->suite->seed_size);
		rec->heartbeat++;
		run_pipeline(loop->suite->seed, len, rec);
		char why[512];
		if (rec->failure[0])
			return;
		if (!record_is_clean(rec, why, sizeof why)) {
			snprintf(rec->failure, sizeof rec->failure, "%s: %s", rec->current, why);
			return;
		}
		if (len < loop->headers_end && rec->status != IMAGE_INVALID) {
			if (!loaded_short++)
				first_short = len;
			last_short = len;
		}
	}
	if (loaded_short)
		snprintf(rec->failure, sizeof rec->failure,
			 "%zu truncation lengths between %zu and %zu bytes load as IMAGE_OK although "
			 "the program header table ends at %" PRIu64 " (expected IMAGE_INVALID)",
			 loaded_short, first_short, last_short, loop->headers_end);
}

static void test_every_truncation(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	struct truncation_loop loop = {
		suite, phdr_offset(&d, (unsigned)GET(&d, 0, Elf64_Ehdr, e_phnum)),
	};
	free_damaged(&d);
	run_in_child(suite->record, truncation_body, &loop);
	assert_returned(suite->record);
	/* The whole file, for contrast, loads. */
	expect_loaded(suite->record);
}

/* ------------------------------------------------------------------ */
/* The ELF header.                                                      */

static void test_not_elf(void **state)
{
	struct suite *suite = suite_of(state);
	for (unsigned i = 0; i < SELFMAG; i++) {
		struct damaged d = copy_seed(suite);
		d.bytes[i] ^= 0x20;
		char what[64];
		snprintf(what, sizeof what, "magic byte %u changed", i);
		expect_invalid(run_damaged(suite, &d, what), "not an ELF file");
	}
}

static void test_bad_ei_class(void **state)
{
	struct suite *suite = suite_of(state);
	static const unsigned char bad[] = { ELFCLASSNONE, 3, 0xff };
	for (size_t i = 0; i < sizeof bad; i++) {
		struct damaged d = copy_seed(suite);
		d.bytes[EI_CLASS] = bad[i];
		expect_invalid(run_damaged(suite, &d, "EI_CLASS invalid"), "unknown ELF class");
	}
	/* A valid class that is wrong for the file reads everything at the
	 * wrong width: whatever happens, it returns cleanly. */
	struct damaged d = copy_seed(suite);
	d.bytes[EI_CLASS] = ELFCLASS32;
	run_damaged(suite, &d, "EI_CLASS ELFCLASS32 on an ELF64 file");
}

static void test_bad_ei_data(void **state)
{
	struct suite *suite = suite_of(state);
	static const unsigned char bad[] = { ELFDATANONE, 3, 0xff };
	for (size_t i = 0; i < sizeof bad; i++) {
		struct damaged d = copy_seed(suite);
		d.bytes[EI_DATA] = bad[i];
		expect_invalid(run_damaged(suite, &d, "EI_DATA invalid"), "unknown ELF byte order");
	}
	struct damaged d = copy_seed(suite);
	d.bytes[EI_DATA] = ELFDATA2MSB;
	run_damaged(suite, &d, "EI_DATA big-endian on a little-endian file");
}

static void test_phoff_past_the_end(void **state)
{
	struct suite *suite = suite_of(state);
	const uint64_t offsets[] = { suite->seed_size, suite->seed_size + 0x1000,
				     suite->seed_size - 8, UINT64_MAX - 8 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_phoff, offsets[i]);
		char what[96];
		snprintf(what, sizeof what, "e_phoff %#" PRIx64 " (file size %zu)", offsets[i],
			 suite->seed_size);
		expect_invalid(run_damaged(suite, &d, what), "program header");
	}
}

static void test_phnum_huge(void **state)
{
	struct suite *suite = suite_of(state);
	/* 0xffff is PN_XNUM: the count is section 0's sh_info, which the
	 * seed leaves 0.  Either the table is refused or nothing is found. */
	struct damaged d = copy_seed(suite);
	PUT(&d, 0, Elf64_Ehdr, e_phnum, 0xffff);
	const struct run_record *rec = run_damaged(suite, &d, "e_phnum 0xffff (PN_XNUM)");
	if (rec->status != IMAGE_INVALID)
		expect_finding(rec, RULE_LOAD_COUNT, SEVERITY_ERROR, NULL, NULL);
	/* A plain count that runs past the end of the file. */
	d = copy_seed(suite);
	PUT(&d, 0, Elf64_Ehdr, e_phnum, 0xfffe);
	expect_invalid(run_damaged(suite, &d, "e_phnum 0xfffe"), "program header table");
}

static void test_phentsize_wrong(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint16_t sizes[] = { 0, 32, sizeof(Elf64_Phdr) - 1, sizeof(Elf64_Phdr) + 8,
					  0xffff };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_phentsize, sizes[i]);
		char what[64];
		snprintf(what, sizeof what, "e_phentsize %u", sizes[i]);
		expect_invalid(run_damaged(suite, &d, what), "e_phentsize");
	}
}

static void test_shoff_past_the_end(void **state)
{
	struct suite *suite = suite_of(state);
	const uint64_t offsets[] = { suite->seed_size, suite->seed_size + 0x10000,
				     suite->seed_size - sizeof(Elf64_Shdr) / 2, UINT64_MAX - 8 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_shoff, offsets[i]);
		char what[96];
		snprintf(what, sizeof what, "e_shoff %#" PRIx64 " (file size %zu)", offsets[i],
			 suite->seed_size);
		/* section-headers is a warning in the rule table (only bionic
		 * and the kernel read section headers). */
		expect_finding(run_damaged(suite, &d, what), RULE_SECTIONS, SEVERITY_WARNING,
			       "section headers", NULL);
	}
}

static void test_shnum_huge(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint16_t counts[] = { 0xfffe, 0xff00 };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_shnum, counts[i]);
		char what[64];
		snprintf(what, sizeof what, "e_shnum %#x", counts[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_SECTIONS, SEVERITY_WARNING,
			       "section headers", NULL);
	}
	/* SHN_XINDEX-style count 0 with a huge sh_size in section 0. */
	struct damaged d = copy_seed(suite);
	uint64_t shoff = GET(&d, 0, Elf64_Ehdr, e_shoff);
	PUT(&d, 0, Elf64_Ehdr, e_shnum, 0);
	PUT(&d, shoff, Elf64_Shdr, sh_size, 0xffffffffull);
	run_damaged(suite, &d, "e_shnum 0 with section 0's sh_size 0xffffffff");
}

static void test_shentsize_wrong(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint16_t sizes[] = { 0, 1, sizeof(Elf64_Shdr) - 1, 0xffff };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_shentsize, sizes[i]);
		char what[64];
		snprintf(what, sizeof what, "e_shentsize %u", sizes[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_SECTIONS, SEVERITY_WARNING,
			       "ELF header", "e_shentsize");
	}
}

static void test_shstrndx_out_of_range(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint16_t indexes[] = { 0xfffe, SHN_LORESERVE, 1000 };
	for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_shstrndx, indexes[i]);
		char what[64];
		snprintf(what, sizeof what, "e_shstrndx %#x", indexes[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_SECTIONS, SEVERITY_WARNING,
			       "ELF header", "e_shstrndx");
	}
	/* SHN_XINDEX sends the reader to section 0's sh_link (0 here): no
	 * names, but nothing to read out of range either. */
	struct damaged d = copy_seed(suite);
	PUT(&d, 0, Elf64_Ehdr, e_shstrndx, SHN_XINDEX);
	expect_loaded(run_damaged(suite, &d, "e_shstrndx SHN_XINDEX, section 0's sh_link 0"));
}

/* ------------------------------------------------------------------ */
/* The dynamic table.                                                   */

static void test_dynamic_offset_past_the_end(void **state)
{
	struct suite *suite = suite_of(state);
	const uint64_t offsets[] = { suite->seed_size + 0x10000, UINT64_MAX - 8 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, phdr_of(&d, PT_DYNAMIC, "PT_DYNAMIC"), Elf64_Phdr, p_offset, offsets[i]);
		char what[64];
		snprintf(what, sizeof what, "PT_DYNAMIC p_offset %#" PRIx64, offsets[i]);
		const struct run_record *rec = run_damaged(suite, &d, what);
		expect_finding(rec, RULE_DYN_TABLE, SEVERITY_ERROR, "PT_DYNAMIC", "past the end");
		expect_finding(rec, RULE_DYNAMIC_PLACE, SEVERITY_ERROR, NULL, NULL);
	}
}

static void test_dynamic_without_dt_null(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	for (uint64_t i = dt_null_index(&d); i < dynamic_slots(&d); i++) {
		PUT(&d, dyn_slot(&d, i), Elf64_Dyn, d_tag, DT_DEBUG);
		PUT(&d, dyn_slot(&d, i), Elf64_Dyn, d_un.d_val, 0);
	}
	const struct run_record *rec =
		run_damaged(suite, &d, "DT_NULL and every slot after it made DT_DEBUG");
	expect_finding(rec, RULE_DYN_TABLE, SEVERITY_ERROR, "PT_DYNAMIC", "no DT_NULL");
	/* A libc reading it runs off the end. */
	assert_true(has_outcome(rec, CONSUMER_MUSL, OUTCOME_CRASH));
}

static void expect_address_outside(void **state, int64_t tag, const char *name)
{
	struct suite *suite = suite_of(state);
	const uint64_t addresses[] = { 0x7fff00000000ull, UINT64_MAX - 0x10,
				       dyn_value(&(struct damaged){ suite->seed, suite->seed_size },
						 tag, name) + 0x100000 };
	for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
		struct damaged d = copy_seed(suite);
		dyn_set(&d, tag, name, addresses[i]);
		char what[96];
		snprintf(what, sizeof what, "%s %#" PRIx64, name, addresses[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_DYN_ADDRESS, SEVERITY_ERROR,
			       name, "outside every PT_LOAD");
	}
}

#define ADDRESS_TEST(tag)                                                  \
	static void test_##tag##_outside(void **state)                     \
	{                                                                  \
		expect_address_outside(state, tag, #tag);                  \
	}
ADDRESS_TEST(DT_STRTAB)
ADDRESS_TEST(DT_SYMTAB)
ADDRESS_TEST(DT_HASH)
ADDRESS_TEST(DT_GNU_HASH)
ADDRESS_TEST(DT_VERSYM)
ADDRESS_TEST(DT_VERDEF)

static void test_strsz_huge(void **state)
{
	struct suite *suite = suite_of(state);
	const uint64_t sizes[] = { UINT64_MAX, 0x7fffffff, suite->seed_size };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct damaged d = copy_seed(suite);
		dyn_set(&d, DT_STRSZ, "DT_STRSZ", sizes[i]);
		char what[64];
		snprintf(what, sizeof what, "DT_STRSZ %#" PRIx64, sizes[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_DYN_ADDRESS, SEVERITY_ERROR,
			       "DT_STRSZ", NULL);
	}
}

/* A PT_LOAD that claims the zero fill after the file, and DT_STRTAB
 * there: DT_STRSZ bytes cannot lie inside the file. */
static void test_strtab_in_the_zero_fill(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t load = phdr_of(&d, PT_LOAD, "PT_LOAD");
	uint64_t map_end = (d.size + VIEW_PAGE_SIZE - 1) / VIEW_PAGE_SIZE * VIEW_PAGE_SIZE;
	assert_int_equal(GET(&d, load, Elf64_Phdr, p_offset), 0);
	assert_true(map_end - d.size >= 0x20);
	PUT(&d, load, Elf64_Phdr, p_filesz, map_end);
	PUT(&d, load, Elf64_Phdr, p_memsz, map_end);
	dyn_set(&d, DT_STRTAB, "DT_STRTAB", GET(&d, load, Elf64_Phdr, p_vaddr) + map_end - 0x10);
	dyn_set(&d, DT_STRSZ, "DT_STRSZ", 0x100);
	expect_finding(run_damaged(suite, &d, "DT_STRTAB in the zero fill, DT_STRSZ 0x100"),
		       RULE_DYN_ADDRESS, SEVERITY_ERROR, "DT_STRSZ", NULL);
}

static void test_symbol_name_past_strsz(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t strsz = dyn_value(&d, DT_STRSZ, "DT_STRSZ");
	uint64_t symtab = table_offset(&d, DT_SYMTAB, "DT_SYMTAB");
	PUT(&d, symtab + sizeof(Elf64_Sym), Elf64_Sym, st_name, strsz);
	PUT(&d, symtab + 2 * sizeof(Elf64_Sym), Elf64_Sym, st_name, 0xffffffffu);
	const struct run_record *rec = run_damaged(suite, &d, "st_name of symbols 1 and 2 past DT_STRSZ");
	expect_finding(rec, RULE_DYN_ADDRESS, SEVERITY_ERROR, "symbol [1]", "outside DT_STRTAB");
	expect_finding(rec, RULE_DYN_ADDRESS, SEVERITY_ERROR, "symbol [2]", "outside DT_STRTAB");
}

static void test_rela_size_huge(void **state)
{
	struct suite *suite = suite_of(state);
	const uint64_t sizes[] = { 0xffffffffffff0000ull, UINT64_MAX, suite->seed_size * 2 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct damaged d = copy_seed(suite);
		dyn_add(&d, DT_RELA, dyn_value(&d, DT_SYMTAB, "DT_SYMTAB"));
		dyn_add(&d, DT_RELASZ, sizes[i]);
		dyn_add(&d, DT_RELAENT, sizeof(Elf64_Rela));
		char what[64];
		snprintf(what, sizeof what, "DT_RELA with DT_RELASZ %#" PRIx64, sizes[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_DYN_ADDRESS, SEVERITY_ERROR,
			       "DT_RELA", NULL);
	}
}

/* ------------------------------------------------------------------ */
/* DT_HASH.                                                             */

static void expect_sysv_header(void **state, unsigned word, uint32_t value, const char *what)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	put_le(&d, table_offset(&d, DT_HASH, "DT_HASH") + 4 * word, 4, value);
	expect_finding(run_damaged(suite, &d, what), RULE_SYSV_HASH, SEVERITY_ERROR, "DT_HASH", NULL);
}

static void test_sysv_nbucket_huge(void **state)
{
	expect_sysv_header(state, 0, 0xffffffffu, "DT_HASH nbucket 0xffffffff");
}

static void test_sysv_nchain_huge(void **state)
{
	expect_sysv_header(state, 1, 0xffffffffu, "DT_HASH nchain 0xffffffff");
}

/* nchain * 4 wraps to 4 in 32 bits; nbucket + nchain wraps too. */
static void test_sysv_counts_overflow(void **state)
{
	expect_sysv_header(state, 1, 0x40000001u, "DT_HASH nchain 0x40000001 (x4 wraps)");
	expect_sysv_header(state, 0, 0x40000001u, "DT_HASH nbucket 0x40000001 (x4 wraps)");
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t hash = table_offset(&d, DT_HASH, "DT_HASH");
	put_le(&d, hash, 4, 0x80000000u);
	put_le(&d, hash + 4, 4, 0x80000000u);
	expect_finding(run_damaged(suite, &d, "DT_HASH nbucket + nchain = 2^32"), RULE_SYSV_HASH,
		       SEVERITY_ERROR, "DT_HASH", NULL);
}

static void test_sysv_chain_loops(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t hash = table_offset(&d, DT_HASH, "DT_HASH");
	uint64_t nbucket = get_le(&d, hash, 4), nchain = get_le(&d, hash + 4, 4);
	uint64_t buckets = hash + 8, chains = buckets + 4 * nbucket;
	/* A bucket whose chain has a second entry: make its first entry
	 * point to itself, so the walk for the second never ends. */
	for (uint64_t b = 0; b < nbucket; b++) {
		uint64_t first = get_le(&d, buckets + 4 * b, 4);
		if (first == 0 || first >= nchain)
			continue;
		uint64_t second = get_le(&d, chains + 4 * first, 4);
		if (second == 0)
			continue;
		put_le(&d, chains + 4 * first, 4, first);
		expect_finding(run_damaged(suite, &d, "DT_HASH chain[i] = i"), RULE_SYSV_HASH,
			       SEVERITY_ERROR, "DT_HASH", "loops");
		return;
	}
	free_damaged(&d);
	fail_msg("no DT_HASH bucket of the seed has a chain of two symbols");
}

/* ------------------------------------------------------------------ */
/* DT_GNU_HASH: nbucket, symoffset, bloom_size, bloom_shift.            */

static void expect_gnu_header(void **state, unsigned word, uint32_t value, const char *what)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	put_le(&d, table_offset(&d, DT_GNU_HASH, "DT_GNU_HASH") + 4 * word, 4, value);
	expect_finding(run_damaged(suite, &d, what), RULE_GNU_HASH, SEVERITY_ERROR, "DT_GNU_HASH",
		       NULL);
}

static void test_gnu_bloom_size_huge(void **state)
{
	expect_gnu_header(state, 2, 0xffffffffu, "DT_GNU_HASH bloom_size 0xffffffff");
}

static void test_gnu_nbucket_huge(void **state)
{
	expect_gnu_header(state, 0, 0xffffffffu, "DT_GNU_HASH nbucket 0xffffffff");
}

static void test_gnu_symoffset_huge(void **state)
{
	expect_gnu_header(state, 1, 0xfffffff0u, "DT_GNU_HASH symoffset 0xfffffff0");
}

/* bloom_size * 8 and nbucket * 4 wrap in 32 bits. */
static void test_gnu_counts_overflow(void **state)
{
	expect_gnu_header(state, 2, 0x20000001u, "DT_GNU_HASH bloom_size 0x20000001 (x8 wraps)");
	expect_gnu_header(state, 0, 0x40000001u, "DT_GNU_HASH nbucket 0x40000001 (x4 wraps)");
}

static void test_gnu_chain_without_end_bit(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t gnu = table_offset(&d, DT_GNU_HASH, "DT_GNU_HASH");
	uint64_t nbucket = get_le(&d, gnu, 4), symoffset = get_le(&d, gnu + 4, 4);
	uint64_t bloom = get_le(&d, gnu + 8, 4);
	uint64_t chains = gnu + 16 + 8 * bloom + 4 * nbucket;
	uint64_t count = seed_symbol_count(&d);
	assert_true(count > symoffset);
	for (uint64_t i = 0; i < count - symoffset; i++)
		put_le(&d, chains + 4 * i, 4, get_le(&d, chains + 4 * i, 4) & ~1u);
	expect_finding(run_damaged(suite, &d, "every DT_GNU_HASH chain end bit cleared"),
		       RULE_GNU_HASH, SEVERITY_ERROR, "DT_GNU_HASH", NULL);
}

/* ------------------------------------------------------------------ */
/* Version definitions and symbols.                                     */

static void expect_vd_next(void **state, uint32_t next, const char *place, const char *what)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t defs[16];
	assert_true(seed_verdefs(&d, defs, 16) >= 2);
	PUT(&d, defs[0], Elf64_Verdef, vd_next, next);
	expect_finding(run_damaged(suite, &d, what), RULE_VERDEF_CHAIN, SEVERITY_ERROR, place, NULL);
}

static void test_verdef_next_zero_ends_chain_early(void **state)
{
	/* 0 ends the chain after the first entry: DT_VERDEFNUM disagrees. */
	expect_vd_next(state, 0, "DT_VERDEFNUM", "vd_next 0 on the first of several verdefs");
}

static void test_verdef_next_overlaps(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	char place[64];
	snprintf(place, sizeof place, "verdef at offset %#" PRIx64,
		 table_offset(&d, DT_VERDEF, "DT_VERDEF"));
	free_damaged(&d);
	expect_vd_next(state, 1, place, "vd_next 1 (overlaps its own entry)");
}

static void test_verdef_next_past_the_end(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	char place[64];
	uint64_t first = table_offset(&d, DT_VERDEF, "DT_VERDEF");
	snprintf(place, sizeof place, "verdef at offset %#" PRIx64, first + 0x7fffffff);
	free_damaged(&d);
	expect_vd_next(state, 0x7fffffff, place, "vd_next 0x7fffffff");
}

static void test_verdef_aux_past_the_end(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t defs[16];
	size_t n = seed_verdefs(&d, defs, 16);
	PUT(&d, defs[n - 1], Elf64_Verdef, vd_aux, 0xfffffff0u);
	char place[64];
	snprintf(place, sizeof place, "verdef at offset %#" PRIx64, defs[n - 1]);
	expect_finding(run_damaged(suite, &d, "vd_aux 0xfffffff0 on the last verdef"),
		       RULE_VERDEF_CHAIN, SEVERITY_ERROR, place, "vd_aux");
}

static void test_verdaux_name_past_strsz(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t defs[16];
	size_t n = seed_verdefs(&d, defs, 16);
	uint64_t aux = defs[n - 1] + GET(&d, defs[n - 1], Elf64_Verdef, vd_aux);
	PUT(&d, aux, Elf64_Verdaux, vda_name, dyn_value(&d, DT_STRSZ, "DT_STRSZ") + 1);
	char place[64];
	snprintf(place, sizeof place, "verdef at offset %#" PRIx64, defs[n - 1]);
	expect_finding(run_damaged(suite, &d, "vda_name past DT_STRSZ"), RULE_VERDEF_CHAIN,
		       SEVERITY_ERROR, place, "vda_name");
}

static void test_verdefnum_wrong(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = copy_seed(suite);
	uint64_t declared = dyn_value(&d, DT_VERDEFNUM, "DT_VERDEFNUM");
	free_damaged(&d);
	const uint64_t values[] = { 0, declared + 1, UINT64_MAX };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		d = copy_seed(suite);
		dyn_set(&d, DT_VERDEFNUM, "DT_VERDEFNUM", values[i]);
		char what[64];
		snprintf(what, sizeof what, "DT_VERDEFNUM %" PRIu64, values[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_VERDEF_CHAIN, SEVERITY_ERROR,
			       "DT_VERDEFNUM", NULL);
	}
}

static void test_versym_names_no_verdef(void **state)
{
	struct suite *suite = suite_of(state);
	const struct arch_contract *arch = arch_for_machine(EM_X86_64, ELFCLASS64);
	assert_non_null(arch);
	const char *name = arch->required[0];
	struct damaged d = copy_seed(suite);
	uint32_t index = find_symbol(&d, name);
	put_le(&d, table_offset(&d, DT_VERSYM, "DT_VERSYM") + 2 * (uint64_t)index, 2, 0x7ff0);
	char place[96];
	snprintf(place, sizeof place, "symbol '%s'", name);
	const struct run_record *rec = run_damaged(suite, &d, "versym 0x7ff0 (no such verdef)");
	expect_finding(rec, RULE_VERSYM_INDEX, SEVERITY_ERROR, place, NULL);
}

/* ------------------------------------------------------------------ */
/* Notes and section-header counts.                                     */

static void test_note_descsz_huge(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint32_t sizes[] = { 0xffffffffu, 0xfffffffdu, 0x7fffffffu };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct damaged d = copy_seed(suite);
		uint64_t note = GET(&d, phdr_of(&d, PT_NOTE, "PT_NOTE"), Elf64_Phdr, p_offset);
		PUT(&d, note, Elf64_Nhdr, n_descsz, sizes[i]);
		char what[64];
		snprintf(what, sizeof what, "first note's descsz %#x", sizes[i]);
		const struct run_record *rec = run_damaged(suite, &d, what);
		expect_loaded(rec);
		assert_true(rec->build_id_size < suite->seed_size);
	}
	struct damaged d = copy_seed(suite);
	uint64_t note = GET(&d, phdr_of(&d, PT_NOTE, "PT_NOTE"), Elf64_Phdr, p_offset);
	PUT(&d, note, Elf64_Nhdr, n_namesz, 0xfffffffdu);
	expect_loaded(run_damaged(suite, &d, "first note's namesz 0xfffffffd"));
	d = copy_seed(suite);
	PUT(&d, phdr_of(&d, PT_NOTE, "PT_NOTE"), Elf64_Phdr, p_filesz, UINT64_MAX - 3);
	expect_loaded(run_damaged(suite, &d, "PT_NOTE p_filesz 2^64 - 4"));
}

/* SHT_DYNSYM's entry count times the symbol size wraps to 0 in 64 bits.
 * Bionic reads sh_size / sh_entsize symbols, every one for every name it
 * wants, so it runs off the mapping: no lookup of it succeeds. */
static struct damaged dynsym_count_overflow(const struct suite *suite)
{
	struct damaged d = copy_seed(suite);
	uint64_t dynsym = section_of_type(&d, SHT_DYNSYM, "SHT_DYNSYM");
	PUT(&d, dynsym, Elf64_Shdr, sh_entsize, 1);
	PUT(&d, dynsym, Elf64_Shdr, sh_size, 1ull << 61);
	return d;
}

static void test_dynsym_count_overflow(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = dynsym_count_overflow(suite);
	const struct run_record *rec =
		run_damaged(suite, &d, "SHT_DYNSYM sh_size 2^61, sh_entsize 1 (x24 wraps to 0)");
	expect_finding(rec, RULE_SECTIONS, SEVERITY_WARNING, "section headers", "SHT_DYNSYM");
	assert_true(has_outcome(rec, CONSUMER_BIONIC, OUTCOME_CRASH));
	assert_false(has_outcome(rec, CONSUMER_BIONIC, OUTCOME_USES));
}

/* The same, with a name bionic looks up missing: its model must not scan
 * 2^61 entries. */
static void test_dynsym_count_overflow_name_missing(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = dynsym_count_overflow(suite);
	const char *missing = NULL;
	const struct arch_contract *arch = arch_for_machine(EM_X86_64, ELFCLASS64);
	assert_non_null(arch);
	for (size_t i = 0; i < arch->lookup_count && !missing; i++)
		if (arch->lookups[i].consumer == CONSUMER_BIONIC && arch->lookups[i].symbol)
			missing = arch->lookups[i].symbol;
	assert_non_null(missing);
	uint32_t index = find_symbol(&d, missing);
	PUT(&d, table_offset(&d, DT_SYMTAB, "DT_SYMTAB") + index * sizeof(Elf64_Sym), Elf64_Sym,
	    st_name, 0);
	char what[160];
	snprintf(what, sizeof what, "SHT_DYNSYM sh_size 2^61, sh_entsize 1, and %s renamed to \"\"",
		 missing);
	const struct run_record *rec = run_damaged(suite, &d, what);
	assert_true(has_outcome(rec, CONSUMER_BIONIC, OUTCOME_CRASH));
	assert_false(has_outcome(rec, CONSUMER_BIONIC, OUTCOME_USES));
}

/* glibc's load bias is minus the first PT_LOAD's p_vaddr: 2^63 has no
 * negative in int64_t. */
static void test_load_vaddr_huge(void **state)
{
	struct suite *suite = suite_of(state);
	static const uint64_t addresses[] = { 1ull << 63, UINT64_MAX - 0xfff, 0x7ffffffffffff000ull };
	for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
		struct damaged d = copy_seed(suite);
		PUT(&d, phdr_of(&d, PT_LOAD, "PT_LOAD"), Elf64_Phdr, p_vaddr, addresses[i]);
		char what[64];
		snprintf(what, sizeof what, "PT_LOAD p_vaddr %#" PRIx64, addresses[i]);
		expect_finding(run_damaged(suite, &d, what), RULE_LOAD_VADDR, SEVERITY_WARNING, NULL,
			       NULL);
	}
}

/* Every supported architecture's e_machine on this image: each row's
 * checks (system-call scan, sigreturn words, s390x's 8-byte DT_HASH
 * entries) then read bytes laid out for another machine. */
static void test_foreign_machine(void **state)
{
	struct suite *suite = suite_of(state);
	for (size_t i = 0; i < arch_contract_count; i++) {
		const struct arch_contract *arch = &arch_contracts[i];
		struct damaged d = copy_seed(suite);
		PUT(&d, 0, Elf64_Ehdr, e_machine, arch->machine);
		d.bytes[EI_CLASS] = (unsigned char)arch->elf_class;
		char what[96];
		snprintf(what, sizeof what, "e_machine %u, EI_CLASS %d (%s)", arch->machine,
			 arch->elf_class, arch->name);
		run_damaged(suite, &d, what);
	}
}

/* ------------------------------------------------------------------ */
/* Caps (image.h, hashwalk.h, view.h, check.h): each met exactly, and   */
/* passed by one.  The seed grows: new tables go past its end, inside a */
/* PT_LOAD stretched over them, and the dynamic table points there.     */

/* Appends size zero bytes inside the first PT_LOAD; returns their offset. */
static uint64_t grow(struct damaged *d, size_t size)
{
	uint64_t at = (d->size + 15) & ~(uint64_t)15;
	unsigned char *bytes = realloc(d->bytes, at + size);
	assert_non_null(bytes);
	memset(bytes + d->size, 0, at + size - d->size);
	d->bytes = bytes;
	d->size = at + size;
	uint64_t load = phdr_of(d, PT_LOAD, "PT_LOAD");
	assert_int_equal(GET(d, load, Elf64_Phdr, p_offset), 0);
	PUT(d, load, Elf64_Phdr, p_filesz, d->size);
	PUT(d, load, Elf64_Phdr, p_memsz, d->size);
	return at;
}

static uint64_t address_of(const struct damaged *d, uint64_t offset)
{
	return GET(d, phdr_of(d, PT_LOAD, "PT_LOAD"), Elf64_Phdr, p_vaddr) + offset;
}

static bool has_fragment(const struct run_record *rec, const char *fragment)
{
	for (size_t i = 0; i < rec->finding_count && i < MAX_RECORDED_FINDINGS; i++)
		if (strstr(rec->findings[i].message, fragment))
			return true;
	return false;
}

static void expect_no_fragment(const struct run_record *rec, const char *fragment)
{
	expect_loaded(rec);
	if (!has_fragment(rec, fragment))
		return;
	print_result(rec);
	fail_msg("expected no finding saying \"%s\"", fragment);
}

/* The seed with count symbols: its own, then empty ones (local, undefined,
 * no name: nothing to export or check).  DT_SYMTAB, DT_VERSYM and DT_HASH
 * move to the end, copied; nchain says count. */
static struct damaged with_symbols(const struct suite *suite, uint64_t count)
{
	struct damaged d = copy_seed(suite);
	uint64_t own = seed_symbol_count(&d);
	uint64_t symtab = table_offset(&d, DT_SYMTAB, "DT_SYMTAB");
	uint64_t versym = table_offset(&d, DT_VERSYM, "DT_VERSYM");
	uint64_t hash = table_offset(&d, DT_HASH, "DT_HASH");
	uint64_t nbucket = get_le(&d, hash, 4);
	uint64_t new_symtab = grow(&d, count * sizeof(Elf64_Sym));
	memcpy(d.bytes + new_symtab, d.bytes + symtab, own * sizeof(Elf64_Sym));
	uint64_t new_versym = grow(&d, count * 2);
	memcpy(d.bytes + new_versym, d.bytes + versym, own * 2);
	uint64_t new_hash = grow(&d, 4 * (2 + nbucket + count));
	memcpy(d.bytes + new_hash, d.bytes + hash, 4 * (2 + nbucket + own));
	put_le(&d, new_hash + 4, 4, count);
	dyn_set(&d, DT_SYMTAB, "DT_SYMTAB", address_of(&d, new_symtab));
	dyn_set(&d, DT_VERSYM, "DT_VERSYM", address_of(&d, new_versym));
	dyn_set(&d, DT_HASH, "DT_HASH", address_of(&d, new_hash));
	return d;
}

static void test_symbol_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char cap[] = "symbols, more than the 65536 mkvdso reads";
	struct damaged d = with_symbols(suite, IMAGE_MAX_SYMBOLS);
	const struct run_record *rec = run_damaged(suite, &d, "65536 symbols (the cap)");
	expect_no_fragment(rec, cap);
	assert_int_equal(rec->symbol_count, IMAGE_MAX_SYMBOLS);
	assert_true(has_outcome(rec, CONSUMER_MUSL, OUTCOME_USES));
	d = with_symbols(suite, IMAGE_MAX_SYMBOLS + 1);
	rec = run_damaged(suite, &d, "65537 symbols");
	expect_finding(rec, RULE_DYN_TABLE, SEVERITY_ERROR, "DT_SYMTAB", cap);
	assert_int_equal(rec->symbol_count, IMAGE_MAX_SYMBOLS);
}

/* A DT_HASH chain in which __vdso_clock_gettime is entry length: empty
 * symbols go in front of its bucket's chain. */
static struct damaged with_sysv_chain(const struct suite *suite, uint64_t length)
{
	uint64_t count = 2 * HASH_MAX_CHAIN;
	struct damaged d = with_symbols(suite, count);
	struct damaged seed = { suite->seed, suite->seed_size };
	uint64_t own = seed_symbol_count(&seed);
	uint32_t target = find_symbol(&d, "__vdso_clock_gettime");
	uint64_t hash = table_offset(&d, DT_HASH, "DT_HASH");
	uint64_t nbucket = get_le(&d, hash, 4);
	uint64_t bucket = hash + 8 + 4 * (vdso_sysv_hash("__vdso_clock_gettime") % nbucket);
	uint64_t chains = hash + 8 + 4 * nbucket;
	uint64_t head = get_le(&d, bucket, 4), position = 1;
	for (uint64_t i = head; i != target; i = get_le(&d, chains + 4 * i, 4))
		position++;
	assert_true(position < length && own + length - position <= count);
	uint64_t first = own, fillers = length - position;
	put_le(&d, bucket, 4, first);
	for (uint64_t i = first; i < first + fillers; i++)
		put_le(&d, chains + 4 * i, 4, i + 1 < first + fillers ? i + 1 : head);
	return d;
}

static void test_sysv_chain_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char unreachable[] = "'__vdso_clock_gettime' is not reachable through its bucket";
	struct damaged d = with_sysv_chain(suite, HASH_MAX_CHAIN);
	expect_no_fragment(run_damaged(suite, &d, "a DT_HASH chain of 256 (the cap)"), unreachable);
	d = with_sysv_chain(suite, HASH_MAX_CHAIN + 1);
	expect_finding(run_damaged(suite, &d, "a DT_HASH chain of 257"), RULE_SYSV_HASH,
		       SEVERITY_ERROR, "DT_HASH",
		       "'__vdso_clock_gettime' is not reachable through its bucket: a hash chain "
		       "goes on past the 256 entries mkvdso follows");
}

/* A DT_GNU_HASH of 2^20 buckets that all start one chain, ending at
 * symbol last.  Walking the chain once per bucket is 2^36 steps: without
 * the one-walk count this test stalls. */
static struct damaged with_shared_gnu_chain(const struct suite *suite, uint32_t last)
{
	enum { NBUCKET = 1 << 20 };
	struct damaged d = copy_seed(suite);
	uint64_t gnu = grow(&d, 16 + 8 + 4 * (uint64_t)NBUCKET + 4 * (uint64_t)last);
	put_le(&d, gnu, 4, NBUCKET);
	put_le(&d, gnu + 4, 4, 1);         /* symoffset */
	put_le(&d, gnu + 8, 4, 1);         /* one bloom word, every bit set */
	put_le(&d, gnu + 12, 4, 6);
	put_le(&d, gnu + 16, 8, UINT64_MAX);
	uint64_t buckets = gnu + 24, chains = buckets + 4 * (uint64_t)NBUCKET;
	for (uint64_t b = 0; b < NBUCKET; b++)
		put_le(&d, buckets + 4 * b, 4, 1);
	put_le(&d, chains + 4 * (uint64_t)(last - 1), 4, 1);  /* the end marker */
	dyn_set(&d, DT_GNU_HASH, "DT_GNU_HASH", address_of(&d, gnu));
	return d;
}

static void test_gnu_shared_chain_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char cap[] = "past the 65536 symbols mkvdso reads";
	struct damaged d = with_shared_gnu_chain(suite, IMAGE_MAX_SYMBOLS - 1);
	const struct run_record *rec =
		run_damaged(suite, &d, "2^20 DT_GNU_HASH buckets sharing a chain to symbol 65535");
	expect_no_fragment(rec, cap);
	expect_finding(rec, RULE_GNU_HASH, SEVERITY_ERROR, "DT_GNU_HASH", "reach symbol 65535");
	d = with_shared_gnu_chain(suite, IMAGE_MAX_SYMBOLS);
	expect_finding(run_damaged(suite, &d,
				   "2^20 DT_GNU_HASH buckets sharing a chain to symbol 65536"),
		       RULE_GNU_HASH, SEVERITY_ERROR, "DT_GNU_HASH",
		       "chain of bucket 0 reaches symbol 65536, past the 65536 symbols mkvdso reads");
}

/* DT_SONAME naming a new string of length bytes past the end. */
static struct damaged with_soname_length(const struct suite *suite, size_t length)
{
	struct damaged d = copy_seed(suite);
	uint64_t strtab = table_offset(&d, DT_STRTAB, "DT_STRTAB");
	uint64_t at = grow(&d, length + 1);
	memset(d.bytes + at, 'a', length);
	dyn_set(&d, DT_STRSZ, "DT_STRSZ", d.size - strtab);
	dyn_set(&d, DT_SONAME, "DT_SONAME", at - strtab);
	return d;
}

static void test_string_cap(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = with_soname_length(suite, VIEW_MAX_STRING);
	const struct run_record *rec = run_damaged(suite, &d, "a 256-byte DT_SONAME (the cap)");
	expect_finding(rec, RULE_SONAME, SEVERITY_WARNING, "DT_SONAME", "'aaaaaaaa");
	expect_no_fragment(rec, "longer than");
	d = with_soname_length(suite, VIEW_MAX_STRING + 1);
	expect_finding(run_damaged(suite, &d, "a 257-byte DT_SONAME"), RULE_DYN_ADDRESS,
		       SEVERITY_ERROR, "DT_SONAME",
		       "names a string longer than the 256 bytes mkvdso reads");
}

/* count program headers: the seed's, then PT_NULL. */
static struct damaged with_phdrs(const struct suite *suite, uint64_t count)
{
	struct damaged d = copy_seed(suite);
	uint64_t own = GET(&d, 0, Elf64_Ehdr, e_phnum);
	uint64_t at = grow(&d, count * sizeof(Elf64_Phdr));
	memcpy(d.bytes + at, d.bytes + phdr_offset(&d, 0), own * sizeof(Elf64_Phdr));
	PUT(&d, 0, Elf64_Ehdr, e_phoff, at);
	PUT(&d, 0, Elf64_Ehdr, e_phnum, count);
	return d;
}

static void test_program_header_cap(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = with_phdrs(suite, IMAGE_MAX_SEGMENTS);
	expect_loaded(run_damaged(suite, &d, "256 program headers (the cap)"));
	d = with_phdrs(suite, IMAGE_MAX_SEGMENTS + 1);
	expect_invalid(run_damaged(suite, &d, "257 program headers"),
		       "program header table has 257 entries, more than the 256 mkvdso reads");
}

/* count section headers through extended numbering (e_shnum 0, the count
 * in section 0's sh_size): the seed's, then SHT_NULL. */
static struct damaged with_sections(const struct suite *suite, uint64_t count)
{
	struct damaged d = copy_seed(suite);
	uint64_t own = GET(&d, 0, Elf64_Ehdr, e_shnum);
	uint64_t shoff = GET(&d, 0, Elf64_Ehdr, e_shoff);
	uint64_t at = grow(&d, count * sizeof(Elf64_Shdr));
	memcpy(d.bytes + at, d.bytes + shoff, own * sizeof(Elf64_Shdr));
	PUT(&d, 0, Elf64_Ehdr, e_shoff, at);
	PUT(&d, 0, Elf64_Ehdr, e_shnum, 0);
	PUT(&d, at, Elf64_Shdr, sh_size, count);
	return d;
}

static void test_section_cap(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = with_sections(suite, IMAGE_MAX_SECTIONS);
	const struct run_record *rec = run_damaged(suite, &d, "65536 section headers (the cap)");
	expect_loaded(rec);
	expect_no_fragment(rec, "section header");
	d = with_sections(suite, IMAGE_MAX_SECTIONS + 1);
	expect_invalid(run_damaged(suite, &d, "65537 section headers"),
		       "section header table has 65537 entries (section 0's sh_size), more than "
		       "the 65536 mkvdso reads");
}

/* The dynamic table moved past the end, with room for slots entries: the
 * seed's entries, DT_DEBUG up to entry null, DT_NULL there. */
static struct damaged with_dynamic(const struct suite *suite, uint64_t slots, uint64_t null)
{
	struct damaged d = copy_seed(suite);
	uint64_t own = dt_null_index(&d), start = dynamic_start(&d);
	uint64_t at = grow(&d, slots * sizeof(Elf64_Dyn));
	memcpy(d.bytes + at, d.bytes + start, own * sizeof(Elf64_Dyn));
	for (uint64_t i = own; i < null; i++)
		put_le(&d, at + i * sizeof(Elf64_Dyn), 8, DT_DEBUG);
	uint64_t dyn = phdr_of(&d, PT_DYNAMIC, "PT_DYNAMIC");
	PUT(&d, dyn, Elf64_Phdr, p_offset, at);
	PUT(&d, dyn, Elf64_Phdr, p_vaddr, address_of(&d, at));
	PUT(&d, dyn, Elf64_Phdr, p_filesz, slots * sizeof(Elf64_Dyn));
	PUT(&d, dyn, Elf64_Phdr, p_memsz, slots * sizeof(Elf64_Dyn));
	return d;
}

static void test_dynamic_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char cap[] = "no DT_NULL within the first 4096 entries, the most mkvdso reads";
	struct damaged d = with_dynamic(suite, IMAGE_MAX_DYNAMIC + 2, IMAGE_MAX_DYNAMIC - 1);
	const struct run_record *rec = run_damaged(suite, &d, "DT_NULL as dynamic entry 4096");
	expect_no_fragment(rec, "DT_NULL");
	assert_true(has_outcome(rec, CONSUMER_MUSL, OUTCOME_USES));
	d = with_dynamic(suite, IMAGE_MAX_DYNAMIC + 2, IMAGE_MAX_DYNAMIC);
	expect_finding(run_damaged(suite, &d, "DT_NULL as dynamic entry 4097"), RULE_DYN_TABLE,
		       SEVERITY_ERROR, "PT_DYNAMIC", cap);
}

/* A version definition chain of count entries past the end: the seed's
 * BASE entry, then copies of its second entry with indexes 2, 3, ... */
static struct damaged with_verdefs(const struct suite *suite, uint64_t count)
{
	enum { ENTRY = sizeof(Elf64_Verdef) + sizeof(Elf64_Verdaux) };
	struct damaged d = copy_seed(suite);
	uint64_t seed[2];
	assert_int_equal(seed_verdefs(&d, seed, 2), 2);
	uint64_t at = grow(&d, count * ENTRY);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t from = seed[i ? 1 : 0], to = at + i * ENTRY;
		uint64_t aux = from + GET(&d, from, Elf64_Verdef, vd_aux);
		memcpy(d.bytes + to, d.bytes + from, sizeof(Elf64_Verdef));
		PUT(&d, to, Elf64_Verdef, vd_ndx, i + 1);
		PUT(&d, to, Elf64_Verdef, vd_cnt, 1);
		PUT(&d, to, Elf64_Verdef, vd_aux, sizeof(Elf64_Verdef));
		PUT(&d, to, Elf64_Verdef, vd_next, i + 1 < count ? ENTRY : 0);
		PUT(&d, to + sizeof(Elf64_Verdef), Elf64_Verdaux, vda_name,
		    GET(&d, aux, Elf64_Verdaux, vda_name));
	}
	dyn_set(&d, DT_VERDEF, "DT_VERDEF", address_of(&d, at));
	dyn_set(&d, DT_VERDEFNUM, "DT_VERDEFNUM", count);
	return d;
}

static void test_verdef_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char cap[] = "the chain goes on past the 1024 entries mkvdso reads";
	struct damaged d = with_verdefs(suite, IMAGE_MAX_VERDEFS);
	const struct run_record *rec = run_damaged(suite, &d, "1024 version definitions (the cap)");
	expect_no_fragment(rec, cap);
	assert_false(has_finding(rec, RULE_VERDEF_CHAIN, SEVERITY_ERROR, "DT_VERDEFNUM", NULL));
	assert_true(has_outcome(rec, CONSUMER_GO, OUTCOME_USES));
	d = with_verdefs(suite, IMAGE_MAX_VERDEFS + 1);
	expect_finding(run_damaged(suite, &d, "1025 version definitions"), RULE_VERDEF_CHAIN,
		       SEVERITY_ERROR, NULL, cap);
}

/* DT_RELA with count R_*_NONE entries past the end. */
static struct damaged with_relocations(const struct suite *suite, uint64_t count)
{
	struct damaged d = with_dynamic(suite, 64, 0);  /* room for three more entries */
	uint64_t at = grow(&d, count * sizeof(Elf64_Rela));
	dyn_add(&d, DT_RELA, address_of(&d, at));
	dyn_add(&d, DT_RELASZ, count * sizeof(Elf64_Rela));
	dyn_add(&d, DT_RELAENT, sizeof(Elf64_Rela));
	return d;
}

static void test_relocation_cap(void **state)
{
	struct suite *suite = suite_of(state);
	static const char cap[] = "more than the 65536 mkvdso reads";
	struct damaged d = with_relocations(suite, IMAGE_MAX_RELOCS);
	const struct run_record *rec = run_damaged(suite, &d, "65536 R_X86_64_NONE (the cap)");
	expect_no_fragment(rec, cap);
	assert_false(has_finding(rec, RULE_DYN_RELOCS, SEVERITY_ERROR, NULL, NULL));
	d = with_relocations(suite, IMAGE_MAX_RELOCS + 1);
	expect_finding(run_damaged(suite, &d, "65537 R_X86_64_NONE"), RULE_DYN_TABLE,
		       SEVERITY_ERROR, "DT_RELA", cap);
}

static size_t listed(const struct run_record *rec, const char *rule)
{
	size_t count = 0;
	for (size_t i = 0; i < rec->finding_count && i < MAX_RECORDED_FINDINGS; i++)
		count += strcmp(rec->findings[i].rule, rule) == 0;
	return count;
}

/* .text moved over sites system calls past the end. */
static struct damaged with_syscall_sites(const struct suite *suite, uint64_t sites)
{
	struct damaged d = copy_seed(suite);
	uint64_t at = grow(&d, 2 * sites);
	for (uint64_t i = 0; i < sites; i++)
		memcpy(d.bytes + at + 2 * i, "\x0f\x05", 2);
	uint64_t text = 0;
	uint64_t shoff = GET(&d, 0, Elf64_Ehdr, e_shoff);
	unsigned shnum = (unsigned)GET(&d, 0, Elf64_Ehdr, e_shnum);
	for (unsigned i = 0; i < shnum; i++) {  /* the executable PROGBITS */
		uint64_t sh = shoff + (uint64_t)i * sizeof(Elf64_Shdr);
		if (GET(&d, sh, Elf64_Shdr, sh_type) == SHT_PROGBITS &&
		    (GET(&d, sh, Elf64_Shdr, sh_flags) & SHF_EXECINSTR))
			text = sh;
	}
	if (!text)
		fail_msg("the seed has no executable SHT_PROGBITS section");
	PUT(&d, text, Elf64_Shdr, sh_offset, at);
	PUT(&d, text, Elf64_Shdr, sh_addr, address_of(&d, at));
	PUT(&d, text, Elf64_Shdr, sh_size, 2 * sites);
	return d;
}

/* 64 findings of a rule are listed, the rest counted in one more.  The
 * seed may have system calls in other executable sections: counted first. */
static void test_listed_findings_cap(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = with_syscall_sites(suite, 0);
	size_t own = listed(run_damaged(suite, &d, ".text emptied"), RULE_SYSCALL);
	assert_true(own < CHECK_MAX_LISTED);
	d = with_syscall_sites(suite, CHECK_MAX_LISTED - own);
	const struct run_record *rec = run_damaged(suite, &d, "64 system calls (the cap)");
	assert_int_equal(listed(rec, RULE_SYSCALL), CHECK_MAX_LISTED);
	expect_no_fragment(rec, "not listed");
	d = with_syscall_sites(suite, 100000);
	rec = run_damaged(suite, &d, "100000 system calls and the seed's");
	assert_int_equal(listed(rec, RULE_SYSCALL), CHECK_MAX_LISTED + 1);
	char place[32], message[96];
	snprintf(place, sizeof place, "(%zu more)", 100000 + own - CHECK_MAX_LISTED);
	snprintf(message, sizeof message, "%zu more syscall-instruction findings, not listed: "
		 "mkvdso lists 64 per rule", 100000 + own - CHECK_MAX_LISTED);
	expect_finding(rec, RULE_SYSCALL, SEVERITY_NOTE, place, message);
}

/* Executable sections that overlap are scanned no further than the file's
 * size in all: a thousand copies of .text over the whole file. */
static void test_overlapping_text_sections(void **state)
{
	struct suite *suite = suite_of(state);
	struct damaged d = with_sections(suite, 1000);
	uint64_t shoff = GET(&d, 0, Elf64_Ehdr, e_shoff);
	for (uint64_t i = 1; i < 1000; i++) {
		uint64_t sh = shoff + i * sizeof(Elf64_Shdr);
		if (GET(&d, sh, Elf64_Shdr, sh_type) != SHT_NULL)
			continue;
		PUT(&d, sh, Elf64_Shdr, sh_type, SHT_PROGBITS);
		PUT(&d, sh, Elf64_Shdr, sh_flags, SHF_ALLOC | SHF_EXECINSTR);
		PUT(&d, sh, Elf64_Shdr, sh_size, d.size);
	}
	expect_finding(run_damaged(suite, &d, "a thousand executable sections over the file"),
		       RULE_SECTIONS, SEVERITY_WARNING, NULL, "executable sections overlap");
}

/* ------------------------------------------------------------------ */
/* Random damage.                                                       */

struct region {
	uint64_t start, size;
};

struct mutation_loop {
	const struct suite *suite;
	struct region regions[16];
	size_t region_count;
};

static void add_region(struct mutation_loop *loop, uint64_t start, uint64_t size)
{
	uint64_t file = loop->suite->seed_size;
	if (start >= file || size == 0 || loop->region_count == 16)
		return;
	if (size > file - start)
		size = file - start;
	loop->regions[loop->region_count++] = (struct region){ start, size };
}

/* The headers and every table the loader reads, located in the seed. */
static void find_regions(struct mutation_loop *loop, const struct damaged *d)
{
	uint64_t count = seed_symbol_count(d);
	add_region(loop, 0, sizeof(Elf64_Ehdr));
	add_region(loop, phdr_offset(d, 0), GET(d, 0, Elf64_Ehdr, e_phnum) * sizeof(Elf64_Phdr));
	add_region(loop, GET(d, 0, Elf64_Ehdr, e_shoff),
		   GET(d, 0, Elf64_Ehdr, e_shnum) * sizeof(Elf64_Shdr));
	add_region(loop, dynamic_start(d), dynamic_slots(d) * sizeof(Elf64_Dyn));
	uint64_t hash = table_offset(d, DT_HASH, "DT_HASH");
	add_region(loop, hash, 4 * (2 + get_le(d, hash, 4) + count));
	uint64_t gnu = table_offset(d, DT_GNU_HASH, "DT_GNU_HASH");
	add_region(loop, gnu, 16 + 8 * get_le(d, gnu + 8, 4) + 4 * get_le(d, gnu, 4) +
				      4 * (count - get_le(d, gnu + 4, 4)));
	add_region(loop, table_offset(d, DT_SYMTAB, "DT_SYMTAB"), count * sizeof(Elf64_Sym));
	add_region(loop, table_offset(d, DT_STRTAB, "DT_STRTAB"), dyn_value(d, DT_STRSZ, "DT_STRSZ"));
	add_region(loop, table_offset(d, DT_VERSYM, "DT_VERSYM"), 2 * count);
	uint64_t defs[16];
	size_t n = seed_verdefs(d, defs, 16);
	uint64_t last_aux = defs[n - 1] + GET(d, defs[n - 1], Elf64_Verdef, vd_aux);
	add_region(loop, defs[0], last_aux + sizeof(Elf64_Verdaux) - defs[0]);
	uint64_t note = phdr_of(d, PT_NOTE, "PT_NOTE");
	add_region(loop, GET(d, note, Elf64_Phdr, p_offset), GET(d, note, Elf64_Phdr, p_filesz));
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void mutation_body(struct run_record *rec, void *arg)
{
	const struct mutation_loop *loop = arg;
	const size_t size = loop->suite->seed_size;
	/* Boundaries, wrapping counts, the file's own size, and the machines
	 * with a contract (so e_machine edits reach every architecture row). */
	const uint64_t boundaries[] = {
		0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x20000001, 0x40000001,
		size - 1, size, size + 1, VIEW_PAGE_SIZE - 1, VIEW_PAGE_SIZE, 2 * VIEW_PAGE_SIZE,
		UINT64_MAX, UINT64_MAX - 7, 1ull << 61, 1ull << 63, 0x100000000ull,
	};
	uint64_t interesting[sizeof boundaries / sizeof boundaries[0] + 32];
	size_t n_interesting = 0;
	for (size_t i = 0; i < sizeof boundaries / sizeof boundaries[0]; i++)
		interesting[n_interesting++] = boundaries[i];
	for (size_t i = 0; i < arch_contract_count && i < 32; i++)
		interesting[n_interesting++] = arch_contracts[i].machine;
	unsigned char *bytes = malloc(size);
	if (!bytes) {
		snprintf(rec->failure, sizeof rec->failure, "out of memory");
		return;
	}
	uint64_t seed = MUTATION_SEED;
	for (unsigned iteration = 0; iteration < MUTATION_ITERATIONS; iteration++) {
		memcpy(bytes, loop->suite->seed, size);
		unsigned edits = 1 + xorshift64(&seed) % 8;
		int used = snprintf(rec->current, sizeof rec->current,
				    "mutation %u (seed %#" PRIx64 "):", iteration,
				    (uint64_t)MUTATION_SEED);
		for (unsigned e = 0; e < edits; e++) {
			const struct region *r = &loop->regions[xorshift64(&seed) % loop->region_count];
			unsigned width = 1u << (xorshift64(&seed) % 4);  /* 1, 2, 4, 8 */
			if (width > r->size)
				width = 1;
			uint64_t at = r->start + xorshift64(&seed) % (r->size - width + 1);
			at -= (at - r->start) % width;
			uint64_t choice = xorshift64(&seed), value;
			switch (choice % 3) {
			case 0:  /* flip a bit */
				value = 0;
				for (unsigned i = 0; i < width; i++)
					value |= (uint64_t)bytes[at + i] << (8 * i);
				value ^= 1ull << ((choice >> 8) % (8 * width));
				break;
			case 1:
				value = interesting[(choice >> 8) % n_interesting];
				break;
			default:
				value = xorshift64(&seed);
				break;
			}
			for (unsigned i = 0; i < width; i++)
				bytes[at + i] = (unsigned char)(value >> (8 * i));
			if (used >= 0 && (size_t)used < sizeof rec->current)
				used += snprintf(rec->current + used, sizeof rec->current - used,
						 " [%#" PRIx64 "]:%u=%#" PRIx64, at, width,
						 (uint64_t)(value & (width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1)));
		}
		rec->heartbeat++;
		run_pipeline(bytes, size, rec);
		char why[512];
		if (rec->failure[0])
			break;
		if (!record_is_clean(rec, why, sizeof why)) {
			snprintf(rec->failure, sizeof rec->failure, "%s: %s", rec->current, why);
			break;
		}
	}
	free(bytes);
}

static void test_random_mutations(void **state)
{
	struct suite *suite = suite_of(state);
	struct mutation_loop loop = { .suite = suite };
	struct damaged d = copy_seed(suite);
	find_regions(&loop, &d);
	free_damaged(&d);
	assert_true(loop.region_count >= 10);
	run_in_child(suite->record, mutation_body, &loop);
	assert_returned(suite->record);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_has_no_structural_findings),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_bad_ei_class),
		cmocka_unit_test(test_bad_ei_data),
		cmocka_unit_test(test_phoff_past_the_end),
		cmocka_unit_test(test_phnum_huge),
		cmocka_unit_test(test_phentsize_wrong),
		cmocka_unit_test(test_shoff_past_the_end),
		cmocka_unit_test(test_shnum_huge),
		cmocka_unit_test(test_shentsize_wrong),
		cmocka_unit_test(test_shstrndx_out_of_range),
		cmocka_unit_test(test_dynamic_offset_past_the_end),
		cmocka_unit_test(test_dynamic_without_dt_null),
		cmocka_unit_test(test_DT_STRTAB_outside),
		cmocka_unit_test(test_DT_SYMTAB_outside),
		cmocka_unit_test(test_DT_HASH_outside),
		cmocka_unit_test(test_DT_GNU_HASH_outside),
		cmocka_unit_test(test_DT_VERSYM_outside),
		cmocka_unit_test(test_DT_VERDEF_outside),
		cmocka_unit_test(test_strsz_huge),
		cmocka_unit_test(test_strtab_in_the_zero_fill),
		cmocka_unit_test(test_symbol_name_past_strsz),
		cmocka_unit_test(test_rela_size_huge),
		cmocka_unit_test(test_sysv_nbucket_huge),
		cmocka_unit_test(test_sysv_nchain_huge),
		cmocka_unit_test(test_sysv_counts_overflow),
		cmocka_unit_test(test_sysv_chain_loops),
		cmocka_unit_test(test_gnu_bloom_size_huge),
		cmocka_unit_test(test_gnu_nbucket_huge),
		cmocka_unit_test(test_gnu_symoffset_huge),
		cmocka_unit_test(test_gnu_counts_overflow),
		cmocka_unit_test(test_gnu_chain_without_end_bit),
		cmocka_unit_test(test_verdef_next_zero_ends_chain_early),
		cmocka_unit_test(test_verdef_next_overlaps),
		cmocka_unit_test(test_verdef_next_past_the_end),
		cmocka_unit_test(test_verdef_aux_past_the_end),
		cmocka_unit_test(test_verdaux_name_past_strsz),
		cmocka_unit_test(test_verdefnum_wrong),
		cmocka_unit_test(test_versym_names_no_verdef),
		cmocka_unit_test(test_note_descsz_huge),
		cmocka_unit_test(test_dynsym_count_overflow),
		cmocka_unit_test(test_dynsym_count_overflow_name_missing),
		cmocka_unit_test(test_load_vaddr_huge),
		cmocka_unit_test(test_foreign_machine),
		cmocka_unit_test(test_symbol_cap),
		cmocka_unit_test(test_sysv_chain_cap),
		cmocka_unit_test(test_gnu_shared_chain_cap),
		cmocka_unit_test(test_string_cap),
		cmocka_unit_test(test_program_header_cap),
		cmocka_unit_test(test_section_cap),
		cmocka_unit_test(test_dynamic_cap),
		cmocka_unit_test(test_verdef_cap),
		cmocka_unit_test(test_relocation_cap),
		cmocka_unit_test(test_listed_findings_cap),
		cmocka_unit_test(test_overlapping_text_sections),
		cmocka_unit_test(test_random_mutations),
	};
	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
