/*
 * harness.c: proves that a built-in vDSO computes the right thing.
 *
 * A static program that plays the kernel, for aarch64, riscv64 and 32-bit
 * arm under qemu or natively for x86_64 (guest.h holds what differs; on arm
 * it also answers the vDSO's trapped counter reads): it copies the vDSO file
 * flat to a fixed address with the data page directly below
 * (MKVDSO_DATA_OFFSET), fills the page with vdso_data.h's writer helpers
 * from the host's clocks at a counter reading (CNTVCT_EL0, mult and shift
 * from CNTFRQ_EL0; or the TSC, at a frequency measured against
 * CLOCK_MONOTONIC_RAW), finds the functions through the image's own dynamic
 * symbol table, calls them and compares every answer with the system call.
 *
 *   harness [--syscall-insn=INSN] [--break=shift] [--bench=ROUNDS] VDSO
 *
 * --syscall-insn: the image was built with another system-call instruction
 * (aarch64: a word; x86_64: hex bytes); a SIGILL handler then performs the
 * system call, as rel4-linux-kit's kernel does.  --break=shift publishes a
 * wrong shift, to show the checks can fail.  --bench (x86_64) measures the
 * latency of the image against this machine's own Linux vDSO instead of
 * checking (bench/vdso-latency.sh).  Prints one line per check;
 * exits 1 if any failed, 2 on setup trouble.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "guest.h"	/* the architecture's counter, system call and trap */
#include "vdso_data.h"

/* Where rel4-linux-kit maps its vDSO (VDSO_REGION_APP_ADDR); 1.75 GiB in a
 * 32-bit address space. */
#if UINTPTR_MAX > 0xffffffffu
#define IMAGE_ADDR 0x400000000ul
#else
#define IMAGE_ADDR 0x70000000ul
#endif
#define PAGE 4096ul
#define NSEC 1000000000ll
#define TOLERANCE_NS 1000000ll	/* 1 ms */
#define PAGE_OFFSET_SEC 1000	/* bases moved by this much prove the page is read */

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, struct timezone *);
typedef int (*clock_getres_fn)(clockid_t, struct timespec *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static clock_gettime_fn vdso_clock_gettime;
static gettimeofday_fn vdso_gettimeofday;
static clock_getres_fn vdso_clock_getres;
static const uint32_t *vdso_sigreturn;	/* aarch64 */
static time_fn vdso_time;		/* x86_64 */
static getcpu_fn vdso_getcpu;		/* x86_64 */

/* 32-bit targets: clock_gettime is time32, clock_gettime64 the kernel's
 * 64-bit __kernel_timespec (arm's __vdso_clock_gettime64). */
struct timespec64 {
	int64_t tv_sec;
	int64_t tv_nsec;
};
typedef int (*clock_gettime64_fn)(clockid_t, struct timespec64 *);
static clock_gettime64_fn vdso_clock_gettime64;	/* arm */
static bool use_time64;	/* compare_clock calls it instead of clock_gettime */

static struct vdso_data *page;
static struct guest_insn syscall_insn = GUEST_SYSCALL_INSN;
static bool emulate_syscalls;
static unsigned long traps;	/* system calls the SIGILL handler made */
static bool break_shift;
static int failures, checks;

/* --- reporting --- */

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	checks++;
	if (!ok)
		failures++;
	printf("%s %3d - ", ok ? "ok  " : "FAIL", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define die(...) guest_die("harness", __VA_ARGS__)

/* The real system calls, returning 0 or -errno like the vDSO. */
static int sys_clock_gettime(clockid_t id, struct timespec *ts)
{
	return syscall(SYS_clock_gettime, id, ts) == 0 ? 0 : -errno;
}

static int sys_clock_getres(clockid_t id, struct timespec *ts)
{
	return syscall(SYS_clock_getres, id, ts) == 0 ? 0 : -errno;
}

static int sys_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	return syscall(SYS_gettimeofday, tv, tz) == 0 ? 0 : -errno;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC + ts->tv_nsec;
}

static struct timespec host_now(clockid_t id)
{
	struct timespec ts;
	if (sys_clock_gettime(id, &ts) != 0)
		die("clock_gettime(%d) failed on the host", (int)id);
	return ts;
}

/* --- rel4-linux-kit's trick: another word traps, the kernel does the call --- */

static void emulate_syscall(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	if (guest_emulate_counter(context))	/* arm under qemu-arm: the counter read */
		return;
	if (guest_emulate_trap(context, &syscall_insn))
		__atomic_add_fetch(&traps, 1, __ATOMIC_RELAXED);
}

/* --- mapping the image and finding its symbols --- */

static void *map_image(const char *path, size_t *size_out)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die("%s: %s", path, strerror(errno));
	size_t size = (size_t)st.st_size, span = (size + PAGE - 1) & ~(PAGE - 1);
	char *want = (char *)IMAGE_ADDR + MKVDSO_DATA_OFFSET;
	/* qemu 7.2 treats MAP_FIXED_NOREPLACE as a hint: check the address. */
	char *got = mmap(want, MKVDSO_DATA_SIZE + span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (got == MAP_FAILED || got != want)
		die("cannot map the data page and image at %#lx (got %p)", IMAGE_ADDR - PAGE,
		    (void *)got);
	char *image = (char *)IMAGE_ADDR;
	for (size_t done = 0; done < size;) {	/* the whole file, flat */
		ssize_t n = read(fd, image + done, size - done);
		if (n <= 0)
			die("%s: short read", path);
		done += (size_t)n;
	}
	close(fd);
	if (mprotect(image, span, PROT_READ | PROT_EXEC) != 0)
		die("mprotect: %s", strerror(errno));
	__builtin___clear_cache(image, image + span);
	page = (struct vdso_data *)(image + MKVDSO_DATA_OFFSET);
	*size_out = size;
	return image;
}

struct dynamic_view {
	const char *base;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const ElfW(Word) *hash;
	const ElfW(Half) *versym;
	const ElfW(Verdef) *verdef;
};

static void *image_at(const struct dynamic_view *d, ElfW(Addr) vaddr)
{
	return (void *)(d->base + vaddr);	/* linked at 0: bias = base */
}

static void read_dynamic(const char *base, size_t size, struct dynamic_view *d)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	memset(d, 0, sizeof *d);
	d->base = base;
	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != (UINTPTR_MAX > 0xffffffffu ? ELFCLASS64 : ELFCLASS32) ||
	    eh->e_machine != GUEST_EM ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)) > size)
		die("not an " GUEST_ARCH " ELF image of this word size");
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr != 0)
			die("PT_LOAD not linked at 0");
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(base + ph[i].p_offset);
	}
	if (!dyn)
		die("no PT_DYNAMIC");
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: d->symtab = image_at(d, dyn->d_un.d_ptr); break;
		case DT_STRTAB: d->strtab = image_at(d, dyn->d_un.d_ptr); break;
		case DT_HASH: d->hash = image_at(d, dyn->d_un.d_ptr); break;
		case DT_VERSYM: d->versym = image_at(d, dyn->d_un.d_ptr); break;
		case DT_VERDEF: d->verdef = image_at(d, dyn->d_un.d_ptr); break;
		}
	}
	if (!d->symtab || !d->strtab || !d->hash)
		die("DT_SYMTAB, DT_STRTAB or DT_HASH missing");
}

static const char *version_name(const struct dynamic_view *d, ElfW(Half) index)
{
	const ElfW(Verdef) *vd = d->verdef;
	while (vd) {
		if ((vd->vd_ndx & 0x7fff) == (index & 0x7fff)) {
			const ElfW(Verdaux) *aux = (const void *)((const char *)vd + vd->vd_aux);
			return d->strtab + aux->vda_name;
		}
		vd = vd->vd_next ? (const void *)((const char *)vd + vd->vd_next) : NULL;
	}
	return NULL;
}

/* As musl does: a linear scan of DT_HASH's nchain symbols, name and version. */
static void *find_symbol(const struct dynamic_view *d, const char *name)
{
	ElfW(Word) count = d->hash[1];
	for (ElfW(Word) i = 1; i < count; i++) {
		const ElfW(Sym) *s = &d->symtab[i];
		if (strcmp(d->strtab + s->st_name, name) != 0)
			continue;
		const char *version = d->versym ? version_name(d, d->versym[i]) : NULL;
		bool ok = ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
			  ELF64_ST_BIND(s->st_info) == STB_GLOBAL && s->st_shndx != SHN_UNDEF &&
			  s->st_shndx != SHN_ABS && version && strcmp(version, GUEST_VDSO_VERSION) == 0;
		check(ok, "symbol %s@%s found at offset %#" PRIx64, name,
		      version ? version : "(none)", (uint64_t)s->st_value);
		return ok ? image_at(d, s->st_value) : NULL;
	}
	check(false, "symbol %s found", name);
	return NULL;
}

/* --- the kernel side: timekeeping and publishing the page --- */

static struct guest_clocks tk;	/* what the kernel keeps (guest.h) */

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

struct page_setup {
	int32_t clock_mode;
	uint32_t valid_clocks;
	int64_t sec_offset;	/* added to every base: proves the page is read */
	uint32_t hrtimer_res, coarse_res;
	uint32_t version;
	uint32_t flags;		/* x86_64: MKVDSO_FLAG_RDTSCP or 0 */
	uint64_t mask;		/* the counter width the page publishes */
};

static struct page_setup setup;

/* The page's contents from tk and setup, inside an update the caller began. */
static void publish_fields(void)
{
	struct vdso_data *d = page;
	d->clock_mode = setup.clock_mode;
	d->hrtimer_res = setup.hrtimer_res;
	d->coarse_res = setup.coarse_res;
	d->tz_minuteswest = 330;
	d->tz_dsttime = 1;
	d->flags = setup.flags;
	for (unsigned cs = 0; cs < MKVDSO_CS_BASES; cs++)
		vdso_data_set_counter(d, cs, tk.cycle_last & setup.mask, setup.mask, tk.mult,
				      tk.shift + (break_shift ? 1 : 0));
	d->valid_clocks = 0;
	for (unsigned id = 0; id < MKVDSO_BASES; id++) {
		uint32_t bit = MKVDSO_CLOCK_BIT(id);
		uint64_t sec = tk.sec[id] + (uint64_t)setup.sec_offset;
		if (bit & GUEST_COUNTER_CLOCKS) {
			/* Shifted ns straight from the timekeeper: the sub-ns part
			 * carries over, as in Linux. */
			struct vdso_data_clock *c = vdso_data_clock_for(d, id);
			c->basetime[id].sec = sec;
			c->basetime[id].nsec = tk.snsec[id];
			d->valid_clocks |= bit;
		} else if (bit & MKVDSO_COARSE_CLOCKS) {
			/* Coarse = its counter clock at the last tick, plain ns. */
			unsigned from = id == MKVDSO_CLOCK_REALTIME_COARSE ? MKVDSO_CLOCK_REALTIME
									  : MKVDSO_CLOCK_MONOTONIC;
			vdso_data_set_base(d, id, tk.sec[from] + (uint64_t)setup.sec_offset,
					   (uint32_t)(tk.snsec[from] >> tk.shift));
		}
	}
	d->valid_clocks &= setup.valid_clocks;
}

static void publish_locked(void)
{
	struct vdso_data *d = page;
	vdso_data_begin_update(d);
	publish_fields();
	vdso_data_end_update(d);
	/* Written outside the sequence on purpose: the version is not part of
	 * the protocol, only of the ABI (tests flip it between phases). */
	__atomic_store_n(&d->version, setup.version, __ATOMIC_RELEASE);
}

/* Bases from the host's clocks at one counter reading. */
static void timekeeper_from_host(void)
{
	pthread_mutex_lock(&writer_lock);
	if (!guest_clocks_from_host(&tk))
		die("the host refuses clock_gettime for a counter clock");
	publish_locked();
	pthread_mutex_unlock(&writer_lock);
}

/* A kernel tick: advance every clock by the counter delta, then publish. */
static void tick(void)
{
	pthread_mutex_lock(&writer_lock);
	guest_clocks_tick(&tk);
	publish_locked();
	pthread_mutex_unlock(&writer_lock);
}

/*
 * Pretends the kernel last updated the page `seconds` ago: cycle_last and
 * every base move back together, so the time is unchanged but the vDSO must
 * bridge a long counter delta (past 2^64 / mult cycles, where a 64-bit
 * product would overflow).
 */
static void age_page(uint64_t seconds)
{
	pthread_mutex_lock(&writer_lock);
	uint64_t cycles = seconds * guest_counter_hz();
	tk.cycle_last -= cycles;
	for (unsigned id = 0; id < MKVDSO_BASES; id++)
		if (MKVDSO_CLOCK_BIT(id) & GUEST_COUNTER_CLOCKS)
			guest_clock_retreat(&tk, &tk.sec[id], &tk.snsec[id], cycles);
	publish_locked();
	pthread_mutex_unlock(&writer_lock);
}

static void configure(struct page_setup s)
{
	pthread_mutex_lock(&writer_lock);
	setup = s;
	publish_locked();
	pthread_mutex_unlock(&writer_lock);
}

static struct page_setup default_setup;

/* --- checks --- */

static const char *clock_name(clockid_t id)
{
	static const char *const names[] = {
		"REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID",
		"MONOTONIC_RAW", "REALTIME_COARSE", "MONOTONIC_COARSE", "BOOTTIME",
		"REALTIME_ALARM", "BOOTTIME_ALARM", "SGI_CYCLE", "TAI",
	};
	static char buf[32];
	if (id >= 0 && (size_t)id < sizeof names / sizeof names[0])
		return names[id];
	snprintf(buf, sizeof buf, "id %d", (int)id);
	return buf;
}

static bool is_coarse(clockid_t id)
{
	return id >= 0 && id < MKVDSO_BASES && (MKVDSO_CLOCK_BIT(id) & MKVDSO_COARSE_CLOCKS);
}

/*
 * One clock: system call, vDSO, system call.  The vDSO's answer must have
 * the system call's status and lie between the two readings, give or take
 * 1 ms, after subtracting expect_offset.  A _COARSE clock is compared with
 * its fine clock instead: never ahead of it, and behind by at most two ticks
 * (a host tick is sometimes late, so one tick is not enough when the answer
 * comes from the host's coarse clock).
 */
/* The vDSO's clock_gettime, or with use_time64 its clock_gettime64, with
 * the result poisoned first. */
static int vdso_gettime(clockid_t id, struct timespec64 *out)
{
	if (use_time64) {
		memset(out, 0x55, sizeof *out);
		return vdso_clock_gettime64(id, out);
	}
	struct timespec ts;
	memset(&ts, 0x55, sizeof ts);
	int r = vdso_clock_gettime(id, &ts);
	out->tv_sec = ts.tv_sec;
	out->tv_nsec = ts.tv_nsec;
	return r;
}

static void compare_clock(clockid_t id, int64_t expect_offset_ns, const char *how)
{
	struct timespec before, after;
	struct timespec64 got;
	clockid_t ref = id;
	int64_t below = TOLERANCE_NS, above = TOLERANCE_NS;
	if (is_coarse(id)) {
		struct timespec res;
		sys_clock_getres(id, &res);
		below += 2 * ts_ns(&res);
		ref = id == CLOCK_REALTIME_COARSE ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	}
	int rb = sys_clock_gettime(ref, &before);
	int rv = vdso_gettime(id, &got);
	int ra = sys_clock_gettime(ref, &after);
	if (rb != 0 || ra != 0) {
		check(rv == rb && rb == ra, "clock_gettime(%s)%s returns %d like the system call (%d)",
		      clock_name(id), how, rv, rb);
		return;
	}
	int64_t v = got.tv_sec * NSEC + got.tv_nsec - expect_offset_ns;
	bool ok = rv == 0 && got.tv_nsec >= 0 && got.tv_nsec < NSEC &&
		  v >= ts_ns(&before) - below && v <= ts_ns(&after) + above;
	check(ok, "clock_gettime%s(%s)%s = %lld.%09lld: %+.3f us from %s before, %+.3f us from "
	      "the one after (rc %d)", use_time64 ? "64" : "", clock_name(id), how,
	      (long long)got.tv_sec, (long long)got.tv_nsec,
	      (double)(v - ts_ns(&before)) / 1e3, ref == id ? "the system call" : clock_name(ref),
	      (double)(v - ts_ns(&after)) / 1e3, rv);
}

static void compare_getres(clockid_t id, const char *how)
{
	struct timespec want = { -1, -1 }, got = { -2, -2 };
	int rs = sys_clock_getres(id, &want);
	int rv = vdso_clock_getres(id, &got);
	if (rs != 0) {
		check(rv == rs, "clock_getres(%s)%s returns %d like the system call (%d)",
		      clock_name(id), how, rv, rs);
		return;
	}
	check(rv == 0 && got.tv_sec == want.tv_sec && got.tv_nsec == want.tv_nsec,
	      "clock_getres(%s)%s = %lld.%09ld s like the system call (%lld.%09ld, rc %d)",
	      clock_name(id), how, (long long)got.tv_sec, got.tv_nsec, (long long)want.tv_sec,
	      want.tv_nsec, rv);
}

static const clockid_t page_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW, CLOCK_TAI,
	CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
};
#define PAGE_CLOCK_COUNT (sizeof page_clocks / sizeof page_clocks[0])

static void check_page_clocks(void)
{
	for (size_t i = 0; i < PAGE_CLOCK_COUNT; i++) {
		tick();	/* a fresh tick, so the coarse clocks are current */
		compare_clock(page_clocks[i], 0, "");
	}
}

/* Bases moved by PAGE_OFFSET_SEC: the vDSO must move with them. */
static void check_page_is_the_source(void)
{
	struct page_setup s = default_setup;
	s.sec_offset = PAGE_OFFSET_SEC;
	configure(s);
	for (size_t i = 0; i < PAGE_CLOCK_COUNT; i++)
		compare_clock(page_clocks[i], PAGE_OFFSET_SEC * NSEC, " with bases +1000 s");
	configure(default_setup);
}

/* A kernel that refreshes the page rarely still gets the right time. */
static void check_stale_page(void)
{
	struct timespec up = host_now(CLOCK_MONOTONIC_RAW);
	uint64_t age = (uint64_t)up.tv_sec / 2 < 600 ? (uint64_t)up.tv_sec / 2 : 600;
	tick();
	age_page(age);
	char how[64];
	snprintf(how, sizeof how, " last updated %" PRIu64 " s ago", age);
	for (size_t i = 0; i < PAGE_CLOCK_COUNT; i++)
		if (!is_coarse(page_clocks[i]))
			compare_clock(page_clocks[i], 0, how);
	tick();
}

/* Every clock id a program can pass: the vDSO's status and value agree with
 * the kernel's, whether it answers itself or makes the system call. */
static void check_every_clock_id(void)
{
	clockid_t cpu_clock;
	if (clock_getcpuclockid(0, &cpu_clock) != 0)
		die("clock_getcpuclockid failed");
	for (clockid_t id = 0; id < 16; id++) {
		tick();
		compare_clock(id, 0, "");
	}
	compare_clock(cpu_clock, 0, " (this process's CPU clock, negative)");
	compare_clock(-1, 0, "");
	compare_clock(12345, 0, "");
	compare_clock(-1000000, 0, "");

	struct timespec ts;
	int r1 = vdso_clock_gettime(12345, &ts), r2 = vdso_clock_gettime(-1000000, &ts);
	check(r1 == -EINVAL && r2 == -EINVAL, "invalid ids 12345 and -1000000 return -EINVAL (%d, %d)",
	      r1, r2);

	/* CPU time through the in-vDSO system call: it moves forward. */
	struct timespec a, b;
	int ra = vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (volatile unsigned i = 0; i < 3000000; i++)
		;
	int rb = vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	check(ra == 0 && rb == 0 && ts_ns(&b) > ts_ns(&a),
	      "CLOCK_PROCESS_CPUTIME_ID through the vDSO's system call advances (%+.3f ms)",
	      (double)(ts_ns(&b) - ts_ns(&a)) / 1e6);

	for (clockid_t id = 0; id < 16; id++)
		compare_getres(id, "");
	compare_getres(cpu_clock, " (CPU clock)");
	compare_getres(12345, "");
	compare_getres(-1000000, "");
	check(vdso_clock_getres(CLOCK_MONOTONIC, NULL) == 0 &&
	      vdso_clock_getres(CLOCK_MONOTONIC_COARSE, NULL) == 0,
	      "clock_getres accepts a NULL result");
}

static void check_gettimeofday(const char *how, int expect_minuteswest, int expect_dsttime)
{
	struct timeval before, got, after;
	struct timezone tz = { -1, -1 };
	sys_gettimeofday(&before, NULL);
	int r = vdso_gettimeofday(&got, &tz);
	sys_gettimeofday(&after, NULL);
	int64_t v = got.tv_sec * 1000000ll + got.tv_usec;
	int64_t lo = before.tv_sec * 1000000ll + before.tv_usec - TOLERANCE_NS / 1000;
	int64_t hi = after.tv_sec * 1000000ll + after.tv_usec + TOLERANCE_NS / 1000;
	check(r == 0 && v >= lo && v <= hi && got.tv_usec >= 0 && got.tv_usec < 1000000,
	      "gettimeofday%s = %lld.%06ld, within 1 ms of the system calls (rc %d)", how,
	      (long long)got.tv_sec, (long)got.tv_usec, r);
	check(tz.tz_minuteswest == expect_minuteswest && tz.tz_dsttime == expect_dsttime,
	      "gettimeofday%s fills tz: %d, %d (expected %d, %d)", how, tz.tz_minuteswest,
	      tz.tz_dsttime, expect_minuteswest, expect_dsttime);
}

static void check_gettimeofday_all(void)
{
	tick();
	check_gettimeofday("", 330, 1);
	struct timezone tz = { -1, -1 };
	struct timeval tv;
	int r1 = vdso_gettimeofday(NULL, &tz);
	check(r1 == 0 && tz.tz_minuteswest == 330 && tz.tz_dsttime == 1,
	      "gettimeofday(NULL, tz) = %d and tz is the data page's (%d, %d)", r1,
	      tz.tz_minuteswest, tz.tz_dsttime);
	int r2 = vdso_gettimeofday(&tv, NULL);
	int r3 = vdso_gettimeofday(NULL, NULL);
	check(r2 == 0 && r3 == 0, "gettimeofday(tv, NULL) = %d, gettimeofday(NULL, NULL) = %d", r2,
	      r3);
}

/* clock_mode NONE: counter clocks through the system call, coarse clocks
 * still from the page (as Linux); version mismatch: everything by system call. */
static void check_fallbacks(void)
{
	struct timezone host_tz;
	struct timeval tv;
	sys_gettimeofday(&tv, &host_tz);

	struct page_setup s = default_setup;
	s.clock_mode = MKVDSO_CLOCK_MODE_NONE;
	s.sec_offset = PAGE_OFFSET_SEC;
	s.hrtimer_res = 7;	/* wrong on purpose: must not be reported */
	configure(s);
	compare_clock(CLOCK_REALTIME, 0, " with clock_mode 0");
	compare_clock(CLOCK_MONOTONIC, 0, " with clock_mode 0");
	compare_clock(CLOCK_BOOTTIME, 0, " with clock_mode 0");
	compare_clock(CLOCK_MONOTONIC_RAW, 0, " with clock_mode 0");
	compare_clock(CLOCK_TAI, 0, " with clock_mode 0");
	compare_clock(CLOCK_MONOTONIC_COARSE, PAGE_OFFSET_SEC * NSEC,
		      " with clock_mode 0 (still from the page)");
	compare_getres(CLOCK_MONOTONIC, " with clock_mode 0");
	check_gettimeofday(" with clock_mode 0", host_tz.tz_minuteswest, host_tz.tz_dsttime);

	s = default_setup;
	s.sec_offset = PAGE_OFFSET_SEC;
	s.valid_clocks &= ~MKVDSO_CLOCK_BIT(CLOCK_BOOTTIME);
	configure(s);
	compare_clock(CLOCK_BOOTTIME, 0, " with its valid_clocks bit clear");
	compare_clock(CLOCK_MONOTONIC, PAGE_OFFSET_SEC * NSEC, " with BOOTTIME's bit clear");

	s = default_setup;
	s.sec_offset = PAGE_OFFSET_SEC;
	s.version = MKVDSO_DATA_VERSION + 1;
	configure(s);
	compare_clock(CLOCK_REALTIME, 0, " with a wrong data version");
	compare_clock(CLOCK_MONOTONIC_COARSE, 0, " with a wrong data version");
	check_gettimeofday(" with a wrong data version", host_tz.tz_minuteswest,
			   host_tz.tz_dsttime);

	configure(default_setup);
}

/*
 * 32-bit: __vdso_clock_gettime64 passes every check clock_gettime does, and
 * with the page's bases past 2038 (+2^31 s) it carries the seconds past
 * INT32_MAX while the time32 entry truncates them, as Linux's does.
 */
#define PAST_2038_SEC (1ll << 31)

static void check_time64(void)
{
	use_time64 = true;
	check_page_clocks();
	check_page_is_the_source();
	for (clockid_t id = 0; id < 16; id++)
		compare_clock(id, 0, "");
	compare_clock(-1, 0, "");
	compare_clock(12345, 0, "");
	struct page_setup s = default_setup;
	s.sec_offset = PAST_2038_SEC;
	configure(s);
	for (size_t i = 0; i < PAGE_CLOCK_COUNT; i++)
		compare_clock(page_clocks[i], PAST_2038_SEC * NSEC, " with bases past 2038");
	use_time64 = false;
	struct timespec64 wide, wide_after;
	struct timespec narrow;
	vdso_clock_gettime64(CLOCK_REALTIME, &wide);
	int r = vdso_clock_gettime(CLOCK_REALTIME, &narrow);
	vdso_clock_gettime64(CLOCK_REALTIME, &wide_after);
	check(r == 0 && wide.tv_sec > INT32_MAX &&
	      ((uint32_t)narrow.tv_sec == (uint32_t)wide.tv_sec ||
	       (uint32_t)narrow.tv_sec == (uint32_t)wide_after.tv_sec),
	      "past 2038 clock_gettime64 says %lld s and clock_gettime truncates it to %ld",
	      (long long)wide.tv_sec, (long)narrow.tv_sec);
	configure(default_setup);
}

static void check_monotonic_single(void)
{
	const int calls = 200000;
	struct timespec prev, now;
	int backwards = 0, errors = 0;
	vdso_clock_gettime(CLOCK_MONOTONIC, &prev);
	for (int i = 0; i < calls; i++) {
		if (i % 1000 == 0)
			tick();
		errors += vdso_clock_gettime(CLOCK_MONOTONIC, &now) != 0;
		backwards += ts_ns(&now) < ts_ns(&prev);
		prev = now;
	}
	check(backwards == 0 && errors == 0,
	      "CLOCK_MONOTONIC never goes backwards over %d calls and %d updates (%d backwards)",
	      calls, calls / 1000, backwards);
}

/*
 * Readers against a writer that updates the page as fast as it can, as a
 * kernel under NTP does: mult slews by 1/2048 (about 500 ppm, NTP's limit)
 * up and down between updates, and the counter is narrowed to a mask that
 * wraps every 30-60 ms, cycle_last published masked as a kernel with a
 * narrow counter does, so deltas cross the wrap.  Every clock the page
 * serves and gettimeofday, in each of several threads: never backwards,
 * never a torn value (tv_nsec past a second), MONOTONIC sampled against the
 * system call.  Bounded by iterations (and by a number of wraps the writer
 * must have made before the readers stop); the first bad pair is reported.
 *
 * A kernel with a narrow counter must update the page within every wrap;
 * this writer is a thread that a loaded machine (or qemu) can starve for
 * longer.  So its own timekeeping uses the full counter, and a reader
 * judges only a read that began after an update less than a wrap before it
 * ended (writer_last, the full counter value of the last update, bounds the
 * page's age from above); it counts the others as stale.  A reader ends
 * after CONCURRENT_ROUNDS rounds judged whole, or fails the check when the
 * writer left it too few of them in CONCURRENT_TRIES rounds.
 */
#define CONCURRENT_READERS 3
/* Per reader, each reading every clock; a tenth where every counter read is
 * a trap the harness emulates (arm under qemu: some 50 us each). */
#define CONCURRENT_ROUNDS (GUEST_COUNTER_TRAPS ? 2000 : 20000)
#define CONCURRENT_TRIES (20 * CONCURRENT_ROUNDS)
#define CONCURRENT_WRAPS 3
/* The mask wraps every freq / divisor cycles or more, 30-60 ms: many wraps
 * within the readers' rounds.  A writer starved past a wrap (seen for 30-70
 * ms under qemu on two shared cores) costs the readers rounds, not a false
 * failure: those reads are the stale ones above. */
#define CONCURRENT_WRAP_DIVISOR 32

static volatile int stop_writer;
static unsigned long writer_wraps;
static uint64_t writer_last;	/* the full counter value of the last update */
static int first_bad;	/* 0 until a reader reports */
static char first_bad_text[256];

/* One update with a new mult; the counter is read inside the update, so no
 * reader can combine a counter value from after it with the old mult. */
static void slewed_tick(uint32_t mult)
{
	pthread_mutex_lock(&writer_lock);
	vdso_data_begin_update(page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t before = tk.cycle_last & setup.mask;
	guest_clocks_tick(&tk);
	if ((tk.cycle_last & setup.mask) < before)
		__atomic_add_fetch(&writer_wraps, 1, __ATOMIC_RELAXED);
	tk.mult = mult;
	publish_fields();
	vdso_data_end_update(page);
	__atomic_store_n(&writer_last, tk.cycle_last, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&writer_lock);
}

static void *writer_thread(void *arg)
{
	unsigned long *updates = arg;
	uint32_t mult = tk.mult, slew = tk.mult / 2048;
	while (!stop_writer) {
		slewed_tick(*updates % 2 ? mult - slew : mult + slew);
		++*updates;
		/* Where each counter read is an emulated trap (qemu-arm), a writer
		 * that never lets go starves the readers of the two cores: the
		 * check then took from 5 s to 130 s. */
		if (GUEST_COUNTER_TRAPS)
			sched_yield();
	}
	return NULL;
}

struct reader_result {
	int index;
	long calls, errors, stale;
	long rounds;		/* judged whole: every read in them was fresh */
	int64_t worst_ns;	/* MONOTONIC outside the system calls around it */
};

/* The update a read began after (writer_last's value then) was less than a
 * wrap before the read ended: the page it used was younger than a wrap. */
static uint64_t read_begins(void)
{
	return __atomic_load_n(&writer_last, __ATOMIC_ACQUIRE);
}

static bool read_was_fresh(uint64_t last)
{
	return guest_counter() - last < setup.mask;
}

static void report_bad(int reader, const char *what, int64_t prev_ns, int64_t now_ns)
{
	if (__atomic_exchange_n(&first_bad, 1, __ATOMIC_ACQ_REL))
		return;
	snprintf(first_bad_text, sizeof first_bad_text,
		 "reader %d: %s: %" PRId64 ".%09" PRId64 " then %" PRId64 ".%09" PRId64, reader, what,
		 (int64_t)(prev_ns / NSEC), (int64_t)(prev_ns % NSEC), (int64_t)(now_ns / NSEC),
		 (int64_t)(now_ns % NSEC));
}

static void *reader_thread(void *arg)
{
	struct reader_result *r = arg;
	int64_t prev[PAGE_CLOCK_COUNT + 1];	/* + gettimeofday, in us */
	for (size_t c = 0; c <= PAGE_CLOCK_COUNT; c++)
		prev[c] = INT64_MIN;
	for (long i = 0; (r->rounds < CONCURRENT_ROUNDS ||
			  __atomic_load_n(&writer_wraps, __ATOMIC_RELAXED) < CONCURRENT_WRAPS) &&
			 i < CONCURRENT_TRIES;
	     i++) {
		if (__atomic_load_n(&first_bad, __ATOMIC_RELAXED))
			break;
		bool whole = true;
		for (size_t c = 0; c < PAGE_CLOCK_COUNT; c++) {
			clockid_t id = page_clocks[c];
			struct timespec now, before, after;
			bool sample = id == CLOCK_MONOTONIC && i % 1000 == 0;
			if (sample)
				sys_clock_gettime(id, &before);
			uint64_t last = read_begins();
			r->errors += vdso_clock_gettime(id, &now) != 0;
			bool fresh = read_was_fresh(last);
			r->calls++;
			if (now.tv_nsec < 0 || now.tv_nsec >= NSEC) {
				report_bad(r->index, clock_name(id), prev[c], ts_ns(&now));
				continue;
			}
			if (!fresh) {
				r->stale++;
				whole = false;
				continue;
			}
			if (sample) {
				sys_clock_gettime(id, &after);
				int64_t lo = ts_ns(&before) - ts_ns(&now), hi = ts_ns(&now) - ts_ns(&after);
				int64_t d = lo > hi ? lo : hi;	/* how far outside [before, after] */
				if (d > r->worst_ns)
					r->worst_ns = d;
				if (d > TOLERANCE_NS)
					report_bad(r->index, "MONOTONIC more than 1 ms outside the "
					           "system calls around it", ts_ns(&before), ts_ns(&now));
			}
			if (ts_ns(&now) < prev[c])
				report_bad(r->index, clock_name(id), prev[c], ts_ns(&now));
			prev[c] = ts_ns(&now);
		}
		struct timeval tv;
		uint64_t last = read_begins();
		r->errors += vdso_gettimeofday(&tv, NULL) != 0;
		bool fresh = read_was_fresh(last);
		r->calls++;
		int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000 || (fresh && us < prev[PAGE_CLOCK_COUNT]))
			report_bad(r->index, "gettimeofday (us as ns)", prev[PAGE_CLOCK_COUNT] * 1000,
				   us * 1000);
		if (fresh)
			prev[PAGE_CLOCK_COUNT] = us;
		else
			r->stale++;
		r->rounds += whole && fresh;
	}
	return NULL;
}

static void check_concurrent(void)
{
	pthread_t writer, readers[CONCURRENT_READERS];
	struct reader_result results[CONCURRENT_READERS];
	unsigned long updates = 0;
	uint32_t mult = tk.mult;
	/* A mask that wraps every freq / CONCURRENT_WRAP_DIVISOR cycles or more. */
	uint64_t freq = guest_counter_hz(), wrap_mask = 1;
	while (wrap_mask < freq / CONCURRENT_WRAP_DIVISOR)
		wrap_mask = wrap_mask << 1 | 1;
	struct page_setup narrow = default_setup;
	narrow.mask = wrap_mask;
	pthread_mutex_lock(&writer_lock);
	guest_clocks_tick(&tk);
	setup = narrow;
	publish_locked();
	writer_last = tk.cycle_last;
	pthread_mutex_unlock(&writer_lock);
	memset(results, 0, sizeof results);
	stop_writer = 0;
	writer_wraps = 0;
	first_bad = 0;
	if (pthread_create(&writer, NULL, writer_thread, &updates) != 0)
		die("pthread_create failed");
	for (int i = 0; i < CONCURRENT_READERS; i++) {
		results[i].index = i;
		results[i].worst_ns = INT64_MIN;
		if (pthread_create(&readers[i], NULL, reader_thread, &results[i]) != 0)
			die("pthread_create failed");
	}
	for (int i = 0; i < CONCURRENT_READERS; i++)
		pthread_join(readers[i], NULL);
	stop_writer = 1;
	pthread_join(writer, NULL);
	long calls = 0, errors = 0, stale = 0, fewest = CONCURRENT_ROUNDS;
	int64_t worst = INT64_MIN;
	for (int i = 0; i < CONCURRENT_READERS; i++) {
		calls += results[i].calls;
		errors += results[i].errors;
		stale += results[i].stale;
		if (results[i].rounds < fewest)
			fewest = results[i].rounds;
		if (results[i].worst_ns > worst)
			worst = results[i].worst_ns;
	}
	check(!first_bad && errors == 0 && updates > 0 && writer_wraps >= CONCURRENT_WRAPS &&
	      fewest >= CONCURRENT_ROUNDS,
	      "%d readers of every clock, %ld calls, against %lu concurrent updates slewing mult "
	      "%" PRIu32 " by +-%" PRIu32 ", the counter masked to %#" PRIx64 " (%lu wraps): %s "
	      "(%ld errors; %ld reads of a page older than a wrap not judged, at least %ld of %d "
	      "rounds judged per reader; MONOTONIC worst %+.3f us outside the system calls)",
	      CONCURRENT_READERS, calls, updates, mult, mult / 2048, wrap_mask, writer_wraps,
	      first_bad ? first_bad_text : "no clock went back, no torn value", errors, stale,
	      fewest, CONCURRENT_ROUNDS, (double)worst / 1e3);
	/* Back to the full counter and the true mult for what follows. */
	pthread_mutex_lock(&writer_lock);
	guest_clocks_tick(&tk);
	tk.mult = mult;
	setup = default_setup;
	publish_locked();
	pthread_mutex_unlock(&writer_lock);
}

#if GUEST_VDSO_TIME_GETCPU	/* x86_64: SYS_time exists, aarch64 has none */
/* x86_64's time(): the coarse REALTIME seconds, as the time system call
 * (the kernel's xtime_sec); equal to it but across a second boundary.  The
 * page's coarse base is this harness's REALTIME at its last tick, which can
 * be past a second boundary that the host's xtime_sec, updated a tick
 * later, has not reached: the upper bound is the later of the host's time()
 * and its fine REALTIME seconds. */
static void check_time_one(int64_t expect_offset, const char *how)
{
	long want = syscall(SYS_time, NULL);
	long into = -1, got = vdso_time(&into);
	long after = syscall(SYS_time, NULL);
	struct timespec fine;
	sys_clock_gettime(CLOCK_REALTIME, &fine);
	if ((long)fine.tv_sec > after)
		after = (long)fine.tv_sec;
	long v = got - (long)expect_offset;
	check(v >= want && v <= after && into == got,
	      "time()%s = %ld, the system calls say %ld..%ld (and *t %ld)", how, got, want, after,
	      into);
}

static void check_time(void)
{
	tick();
	check_time_one(0, "");
	long null_result = vdso_time(NULL), want = syscall(SYS_time, NULL);
	check(null_result >= want - 1 && null_result <= want + 1, "time(NULL) = %ld (system call %ld)",
	      null_result, want);
	struct page_setup s = default_setup;
	s.sec_offset = PAGE_OFFSET_SEC;
	configure(s);
	check_time_one(PAGE_OFFSET_SEC, " with bases +1000 s");
	s.valid_clocks &= ~MKVDSO_CLOCK_BIT(CLOCK_REALTIME_COARSE);
	configure(s);
	check_time_one(0, " with REALTIME_COARSE's bit clear");
	s = default_setup;
	s.sec_offset = PAGE_OFFSET_SEC;
	s.version = MKVDSO_DATA_VERSION + 1;
	configure(s);
	check_time_one(0, " with a wrong data version");
	configure(default_setup);
}

/*
 * x86_64's getcpu on every CPU this process may run on, pinned there, against
 * the getcpu system call: with MKVDSO_FLAG_TSC_AUX_CPU from IA32_TSC_AUX
 * (this machine's Linux keeps (node << 12) | cpu there, as the flag
 * promises), without it through the system call.  Under a trap build the
 * trap count shows which way each call went.
 */
static void check_getcpu(uint32_t flags, const char *how)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		die("sched_getaffinity: %s", strerror(errno));
	pthread_mutex_lock(&writer_lock);
	page->flags = flags | setup.flags;	/* set once before use by a kernel; here between phases */
	pthread_mutex_unlock(&writer_lock);
	int cpus = 0, agree = 0;
	unsigned long traps_before = traps;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof one, &one) != 0)
			die("sched_setaffinity(%d): %s", c, strerror(errno));
		unsigned want_cpu = ~0u, want_node = ~0u, cpu = ~1u, node = ~1u, cpu_only = ~1u,
			 node_only = ~1u;
		long rs = syscall(SYS_getcpu, &want_cpu, &want_node, NULL);
		long rv = vdso_getcpu(&cpu, &node, NULL);
		long r1 = vdso_getcpu(&cpu_only, NULL, NULL);
		long r2 = vdso_getcpu(NULL, &node_only, NULL);
		cpus++;
		agree += rs == 0 && rv == 0 && r1 == 0 && r2 == 0 && cpu == want_cpu &&
			 node == want_node && cpu_only == want_cpu && node_only == want_node &&
			 want_cpu == (unsigned)c;
	}
	sched_setaffinity(0, sizeof allowed, &allowed);
	pthread_mutex_lock(&writer_lock);
	page->flags = setup.flags;
	pthread_mutex_unlock(&writer_lock);
	check(cpus > 0 && agree == cpus, "getcpu%s equals the getcpu system call on %d of %d CPUs",
	      how, agree, cpus);
	if (emulate_syscalls) {
		unsigned long expected = flags & MKVDSO_FLAG_TSC_AUX_CPU ? 0 : 3ul * (unsigned)cpus;
		check(traps - traps_before == expected,
		      "getcpu%s made %lu system calls through the trap (expected %lu)", how,
		      traps - traps_before, expected);
	}
}

#endif

static void check_sigreturn_words(void)
{
	const uint32_t *p = vdso_sigreturn;
	uint32_t insn = (uint32_t)syscall_insn.bytes[0] | (uint32_t)syscall_insn.bytes[1] << 8 |
			(uint32_t)syscall_insn.bytes[2] << 16 | (uint32_t)syscall_insn.bytes[3] << 24;
#if !defined(__riscv)
	check(p[-1] == 0xd503201f && p[0] == 0xd2801168 && p[1] == insn,
	      "__kernel_rt_sigreturn is nop; mov x8, #139; %#010x (got %#010x %#010x %#010x)",
	      insn, p[-1], p[0], p[1]);
#else
	check(p[0] == 0x08b00893 && p[1] == insn,
	      "__vdso_rt_sigreturn is li a7, 139; %#010x (got %#010x %#010x)", insn, p[0], p[1]);
#endif
}

static volatile int handled;

#if !defined(__riscv)
/* A handler with SA_RESTORER = the vDSO's trampoline returns through it
 * (aarch64; x86_64 has no trampoline and does not run this). */
static volatile uintptr_t handler_return;
static void __attribute__((noinline)) on_signal(int sig)
{
	(void)sig;
	handler_return = (uintptr_t)__builtin_return_address(0);
	handled++;
}

struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void check_sigreturn_live(void)
{
	struct kernel_sigaction sa = { on_signal, 0x04000000 /* SA_RESTORER */,
				       (void (*)(void))vdso_sigreturn, 0 }, old;
	if (syscall(SYS_rt_sigaction, SIGUSR1, &sa, &old, sizeof sa.mask) != 0)
		die("rt_sigaction: %s", strerror(errno));
	volatile uint64_t canary = 0x1234567890abcdefull;
	raise(SIGUSR1);
	check(handled == 1 && handler_return == (uintptr_t)vdso_sigreturn &&
	      canary == 0x1234567890abcdefull,
	      "a signal handler returned through __kernel_rt_sigreturn (return address %#lx)",
	      (unsigned long)handler_return);
	syscall(SYS_rt_sigaction, SIGUSR1, &old, NULL, sizeof sa.mask);
}
#else
/*
 * riscv has no SA_RESTORER: Linux delivers every signal with ra =
 * __vdso_rt_sigreturn.  qemu-riscv64 puts its own trampoline in ra instead,
 * so harness_signal_entry plays the kernel's part: it runs the handler and
 * then, with the signal frame's sp as the kernel left it, jumps to the
 * vDSO's trampoline rather than to ra.  Reaching the code after raise() with
 * the interrupted frame intact proves the two words made rt_sigreturn.
 */
const uint32_t *harness_sigreturn_target;
void harness_on_signal(int sig);
void harness_signal_entry(int sig);
void harness_on_signal(int sig)
{
	(void)sig;
	handled++;
}
__asm__(".text\n"
	".globl harness_signal_entry\n"
	".type harness_signal_entry, %function\n"
	"harness_signal_entry:\n"
	"\taddi sp, sp, -16\n"
	"\tsd ra, 8(sp)\n"
	"\tcall harness_on_signal\n"
	"\tld a0, 8(sp)\n"
	"\tla t0, handler_return_ra\n"
	"\tsd a0, 0(t0)\n"
	"\taddi sp, sp, 16\n"
	"\tla t0, harness_sigreturn_target\n"
	"\tld t0, 0(t0)\n"
	"\tjr t0\n"
	".size harness_signal_entry, . - harness_signal_entry\n");
uintptr_t handler_return_ra;

static void check_sigreturn_live(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = harness_signal_entry;
	harness_sigreturn_target = vdso_sigreturn;
	if (sigaction(SIGUSR1, &sa, &old) != 0)
		die("sigaction: %s", strerror(errno));
	volatile uint64_t canary = 0x1234567890abcdefull;
	raise(SIGUSR1);
	check(handled == 1 && canary == 0x1234567890abcdefull &&
	      handler_return_ra != (uintptr_t)vdso_sigreturn,
	      "a signal handler returned through __vdso_rt_sigreturn (qemu's own ra %#lx unused)",
	      (unsigned long)handler_return_ra);
	sigaction(SIGUSR1, &old, NULL);
}
#endif

#if defined(__x86_64__)
#include <cpuid.h>

/* What a kernel tests before it sets MKVDSO_FLAG_RDTSCP. */
static bool cpu_has_rdtscp(void)
{
	unsigned eax, ebx, ecx, edx;
	return __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && (edx & 1u << 27);
}
#endif

/* --- --bench: latency against this machine's own Linux vDSO --- */

#if defined(__x86_64__)
#include <sys/auxv.h>

typedef int (*bench_clock_fn)(clockid_t, struct timespec *);
typedef int (*bench_gtod_fn)(struct timeval *, struct timezone *);

/* The bare ordered counter reads, called like the clocks (through a
 * pointer, storing the value) so only the work inside differs. */
static __attribute__((noinline)) int bare_rdtscp(clockid_t id, struct timespec *ts)
{
	uint32_t lo, hi, aux;
	(void)id;
	__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	ts->tv_nsec = (long)((uint64_t)hi << 32 | lo);
	return 0;
}

static __attribute__((noinline)) int bare_lfence_rdtsc(clockid_t id, struct timespec *ts)
{
	(void)id;
	ts->tv_nsec = (long)guest_counter();
	return 0;
}

static __attribute__((noinline)) int bare_rdtscp_tv(struct timeval *tv, struct timezone *tz)
{
	struct timespec ts;
	(void)tz;
	bare_rdtscp(0, &ts);
	tv->tv_usec = ts.tv_nsec;
	return 0;
}

static __attribute__((noinline)) int bare_lfence_rdtsc_tv(struct timeval *tv, struct timezone *tz)
{
	(void)tz;
	tv->tv_usec = (long)guest_counter();
	return 0;
}

struct bench_target {
	const char *name;
	bench_clock_fn clock_gettime;
	bench_gtod_fn gettimeofday;
	uint32_t flags;	/* the built-in vDSO's data-page flags while it runs */
};

struct bench_row {
	const char *name;
	clockid_t id;	/* -1: gettimeofday */
};

static const struct bench_row bench_rows[] = {
	{ "MONOTONIC", CLOCK_MONOTONIC },
	{ "REALTIME", CLOCK_REALTIME },
	{ "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE },
	{ "gettimeofday", -1 },
};
#define BENCH_ROWS (sizeof bench_rows / sizeof bench_rows[0])
/* The columns; every ratio is to BENCH_LINUX's. */
enum { BENCH_OURS_RDTSCP, BENCH_OURS_LFENCE, BENCH_LINUX, BENCH_SYSCALL, BENCH_RDTSCP,
       BENCH_LFENCE, BENCH_TARGETS };
#define BENCH_CALLS 20000

/* ns per call of one target on one row, over BENCH_CALLS calls. */
static double bench_cell(const struct bench_target *t, const struct bench_row *row)
{
	struct timespec t0, t1, ts;
	struct timeval tv;
	page->flags = t->flags;	/* the page is quiet here: nothing else writes it */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (row->id < 0)
		for (int i = 0; i < BENCH_CALLS; i++)
			t->gettimeofday(&tv, NULL);
	else
		for (int i = 0; i < BENCH_CALLS; i++)
			t->clock_gettime(row->id, &ts);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(ts_ns(&t1) - ts_ns(&t0)) / BENCH_CALLS;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* This process's own Linux vDSO, found as glibc finds it. */
static void linux_vdso(bench_clock_fn *cgt, bench_gtod_fn *gtod)
{
	const char *base = (const char *)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		die("--bench: no AT_SYSINFO_EHDR: this kernel gives no vDSO to compare with");
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	size_t size = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	struct dynamic_view d;
	read_dynamic(base, size, &d);
	*cgt = (bench_clock_fn)find_symbol(&d, "__vdso_clock_gettime");
	*gtod = (bench_gtod_fn)find_symbol(&d, "__vdso_gettimeofday");
	if (!*cgt || !*gtod)
		die("--bench: Linux's vDSO lacks __vdso_clock_gettime or __vdso_gettimeofday");
}

/*
 * Every target on every row, alternating within each round so drift in the
 * machine's speed (other jobs, frequency) falls on all of them alike; the
 * median of the rounds per cell; each ratio to Linux's vDSO.  The built-in
 * vDSO's page is refreshed before every round, as a kernel's tick does.
 * Prints; asserts nothing about times.
 */
static void run_bench(int rounds)
{
	struct bench_target targets[BENCH_TARGETS] = {
		[BENCH_OURS_RDTSCP] = { "mkvdso rdtscp", (bench_clock_fn)vdso_clock_gettime,
					(bench_gtod_fn)vdso_gettimeofday, MKVDSO_FLAG_RDTSCP },
		[BENCH_OURS_LFENCE] = { "mkvdso lfence", (bench_clock_fn)vdso_clock_gettime,
					(bench_gtod_fn)vdso_gettimeofday, 0 },
		[BENCH_LINUX] = { "linux", NULL, NULL, 0 },
		[BENCH_SYSCALL] = { "syscall", sys_clock_gettime, sys_gettimeofday, 0 },
		[BENCH_RDTSCP] = { "rdtscp", bare_rdtscp, bare_rdtscp_tv, 0 },
		[BENCH_LFENCE] = { "lfence;rdtsc", bare_lfence_rdtsc, bare_lfence_rdtsc_tv, 0 },
	};
	if (!cpu_has_rdtscp())
		die("--bench: this CPU has no RDTSCP, which the benchmark compares");
	linux_vdso(&targets[BENCH_LINUX].clock_gettime, &targets[BENCH_LINUX].gettimeofday);
	double *samples = calloc((size_t)rounds * BENCH_ROWS * BENCH_TARGETS, sizeof *samples);
	if (!samples)
		die("out of memory");
#define SAMPLE(r, row, t) samples[((size_t)(row) * BENCH_TARGETS + (t)) * (size_t)rounds + (r)]
	for (int r = 0; r < rounds; r++) {
		tick();
		for (size_t row = 0; row < BENCH_ROWS; row++)
			for (size_t t = 0; t < BENCH_TARGETS; t++)
				SAMPLE(r, row, t) = bench_cell(&targets[t], &bench_rows[row]);
	}
	double median[BENCH_ROWS][BENCH_TARGETS];
	for (size_t row = 0; row < BENCH_ROWS; row++)
		for (size_t t = 0; t < BENCH_TARGETS; t++) {
			double *cell = &SAMPLE(0, row, t);
			qsort(cell, (size_t)rounds, sizeof *cell, compare_double);
			median[row][t] = rounds % 2 ? cell[rounds / 2]
						    : (cell[rounds / 2 - 1] + cell[rounds / 2]) / 2;
		}
#undef SAMPLE
	free(samples);
	printf("# ns per call, median of %d rounds of %d calls, (ratio to Linux's vDSO)\n",
	       rounds, BENCH_CALLS);
	printf("%-17s", "clock");
	for (size_t t = 0; t < BENCH_TARGETS; t++)
		printf(" %18s", targets[t].name);
	printf("\n");
	for (size_t row = 0; row < BENCH_ROWS; row++) {
		printf("%-17s", bench_rows[row].name);
		for (size_t t = 0; t < BENCH_TARGETS; t++)
			printf(" %8.2f (%5.2fx)", median[row][t],
			       median[row][t] / median[row][BENCH_LINUX]);
		printf("\n");
	}
	/* The issue's second goal: the cost beyond the ordered counter read
	 * each one makes (Linux patches in rdtscp on a CPU that has it). */
	for (size_t row = 0; row < 2; row++) {
		const double *m = median[row];
		double ours = m[BENCH_OURS_RDTSCP] - m[BENCH_RDTSCP],
		       lfence = m[BENCH_OURS_LFENCE] - m[BENCH_LFENCE],
		       theirs = m[BENCH_LINUX] - m[BENCH_RDTSCP];
		printf("# %s beyond its counter read: mkvdso rdtscp %.2f ns (%.2fx linux's), "
		       "mkvdso lfence %.2f ns (beyond lfence;rdtsc), linux %.2f ns (beyond rdtscp)\n",
		       bench_rows[row].name, ours, ours / theirs, lfence, theirs);
	}
}
#endif

/* Every check of the page-served functions against the kernel's. */
static void run_checks(void)
{
	check_page_clocks();
	check_page_is_the_source();
	check_stale_page();
	check_every_clock_id();
	check_gettimeofday_all();
	check_fallbacks();
	if (GUEST_VDSO_TIME64)
		check_time64();
#if GUEST_VDSO_TIME_GETCPU
	check_time();
	check_getcpu(0, " without MKVDSO_FLAG_TSC_AUX_CPU");
	check_getcpu(MKVDSO_FLAG_TSC_AUX_CPU, " with MKVDSO_FLAG_TSC_AUX_CPU");
#endif
	check_monotonic_single();
	check_concurrent();
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int bench_rounds = 0;
	static const struct guest_insn native = GUEST_SYSCALL_INSN;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--syscall-insn=", 15) == 0) {
			if (!guest_parse_insn(argv[i] + 15, &syscall_insn))
				die("bad %s", argv[i]);
			emulate_syscalls = syscall_insn.size != native.size ||
					   memcmp(syscall_insn.bytes, native.bytes, native.size) != 0;
		} else if (strncmp(argv[i], "--bench=", 8) == 0) {
			bench_rounds = atoi(argv[i] + 8);
			if (bench_rounds < 1)
				die("bad %s: expected a number of rounds", argv[i]);
		} else if (strcmp(argv[i], "--break=shift") == 0) {
			break_shift = true;
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			die("usage: harness [--syscall-insn=INSN] [--break=shift] [--bench=ROUNDS] VDSO");
		}
	}
	if (!path)
		die("usage: harness [--syscall-insn=INSN] [--break=shift] [--bench=ROUNDS] VDSO");

	if (emulate_syscalls || GUEST_COUNTER_TRAPS) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = emulate_syscall;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigaction(SIGILL, &sa, NULL);
	}

	size_t size;
	const char *image = map_image(path, &size);
	struct dynamic_view dyn;
	read_dynamic(image, size, &dyn);
	vdso_clock_gettime = (clock_gettime_fn)find_symbol(&dyn, GUEST_VDSO_SYM("clock_gettime"));
	vdso_gettimeofday = (gettimeofday_fn)find_symbol(&dyn, GUEST_VDSO_SYM("gettimeofday"));
	vdso_clock_getres = (clock_getres_fn)find_symbol(&dyn, GUEST_VDSO_SYM("clock_getres"));
	if (GUEST_VDSO_SIGRETURN && !(vdso_sigreturn = find_symbol(&dyn, GUEST_VDSO_SIGRETURN)))
		return 1;
	if (GUEST_VDSO_TIME_GETCPU &&
	    (!(vdso_time = (time_fn)find_symbol(&dyn, "__vdso_time")) ||
	     !(vdso_getcpu = (getcpu_fn)find_symbol(&dyn, "__vdso_getcpu"))))
		return 1;
	if (!vdso_clock_gettime || !vdso_gettimeofday || !vdso_clock_getres)
		return 1;
	if (GUEST_VDSO_TIME64 &&
	    !(vdso_clock_gettime64 = (clock_gettime64_fn)find_symbol(&dyn, GUEST_VDSO_SYM("clock_gettime64"))))
		return 1;

	uint64_t freq = guest_counter_hz();
	if (vdso_data_calc_mult_shift(freq, &tk.mult, &tk.shift) != 0)
		die("no mult/shift for a counter of %" PRIu64 " Hz", freq);
	tk.mask = GUEST_COUNTER_MASK;
	struct timespec hres, coarse;
	sys_clock_getres(CLOCK_MONOTONIC, &hres);
	sys_clock_getres(CLOCK_MONOTONIC_COARSE, &coarse);
	default_setup = (struct page_setup){
		.clock_mode = GUEST_CLOCK_MODE,
		.valid_clocks = ~0u,
		.hrtimer_res = (uint32_t)ts_ns(&hres),
		.coarse_res = (uint32_t)ts_ns(&coarse),
		.version = MKVDSO_DATA_VERSION,
		.mask = GUEST_COUNTER_MASK,
	};
	vdso_data_init(page);
	setup = default_setup;
	timekeeper_from_host();
	printf("# %s image %zu bytes at %#lx, data page at %#lx; counter %" PRIu64
	       " Hz -> mult %" PRIu32 " shift %" PRIu32 "%s; hrtimer_res %" PRIu32
	       " ns, coarse_res %" PRIu32 " ns; system calls via %s\n", GUEST_ARCH,
	       size, IMAGE_ADDR, (unsigned long)page, freq, tk.mult, tk.shift,
	       break_shift ? " (published shift+1: expect failures)" : "",
	       default_setup.hrtimer_res, default_setup.coarse_res,
	       emulate_syscalls ? "the SIGILL-emulated trap" : "the system-call instruction");
	if (GUEST_COUNTER_TRAPS)
		printf("# the counter: trapped and emulated (SIGILL), as qemu-arm cannot read it\n");

	if (bench_rounds) {
		/* Measure only a vDSO that answers from the page. */
		check_page_clocks();
#if defined(__x86_64__)
		if (!failures)
			run_bench(bench_rounds);
#else
		die("--bench compares with Linux's x86_64 vDSO and TSC: x86_64 only");
#endif
		return failures ? 1 : 0;
	}
	if (GUEST_VDSO_SIGRETURN)
		check_sigreturn_words();
#if defined(__x86_64__)
	/* Every check once for each way the vDSO reads the TSC: rdtscp (the
	 * kernel found RDTSCP and set the flag), then lfence; rdtsc. */
	check(cpu_has_rdtscp(), "this CPU has RDTSCP (CPUID 0x80000001 EDX bit 27), needed to "
	      "test MKVDSO_FLAG_RDTSCP");
	if (cpu_has_rdtscp()) {
		default_setup.flags = MKVDSO_FLAG_RDTSCP;
		configure(default_setup);
		printf("# the TSC read with rdtscp (MKVDSO_FLAG_RDTSCP)\n");
		run_checks();
	}
	default_setup.flags = 0;
	configure(default_setup);
	printf("# the TSC read with lfence; rdtsc (no MKVDSO_FLAG_RDTSCP)\n");
#endif
	run_checks();
	if (GUEST_VDSO_SIGRETURN && !emulate_syscalls)
		check_sigreturn_live();
	else if (GUEST_VDSO_SIGRETURN)
		printf("# live sigreturn not run: its trap would fire inside the SIGILL "
		       "emulation's own frame\n");

	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
