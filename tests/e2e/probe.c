/*
 * probe.c: an ordinary program whose clock calls the end-to-end test watches.
 *
 *   probe [LOOPS [more]]
 *
 * Built static against a real libc (glibc, musl) and started by loader.c.
 * Between two marker system calls (getppid) it calls clock_gettime for the
 * clocks below, gettimeofday with and without a timezone, clock_getres for
 * each clock, and LOOPS (default 100000) CLOCK_MONOTONIC readings that must
 * never go backwards.  Each libc call is bracketed by reference readings made
 * with the libc's plain syscall() (never the vDSO), each inside a window
 * opened by getuid and closed by getgid, so that run.sh can tell them from
 * the system calls the libc (or the vDSO inside it) made.  Results are printed
 * after the second marker, one machine-readable line per call:
 *
 *   T NAME CLOCK RC ERRNO SEC NSEC REFCLOCK BSEC BNSEC ASEC ANSEC  (a time; B/A = before/after)
 *   R NAME CLOCK RC ERRNO SEC NSEC REFRC REFSEC REFNSEC           (a resolution)
 *   Z NAME RC MINUTESWEST DSTTIME REFMINUTESWEST REFDSTTIME          (gettimeofday's tz)
 *   M LOOPS ERRORS BACKWARDS
 *   V AT_SYSINFO_EHDR
 *   G RC BYTES                        (getrandom of 16 bytes: its result, the bytes in hex)
 *   L glibc VERSION                   (the running glibc's own; musl has no such call)
 *   F RC ERRNO                      (riscv64: __riscv_flush_icache on a new function)
 *   Y RESULT STORED BSEC ASEC AFINE (x86_64: time(&t), t, the time system call
 *                                    before and after, REALTIME's seconds after)
 *   C NAME PINNED RC CPU REFRC REFCPU (x86_64: the libc's getcpu on each CPU it may
 *                                    run on, pinned there, and the system call's)
 *   X TIME CPU                      (with "more": time(NULL), sched_getcpu())
 *
 * On x86_64, after the MONOTONIC loop: time(), then the libc's vDSO getcpu
 * on every CPU: glibc's getcpu() (its sched_getcpu reads rseq's cpu_id and
 * calls nothing) or musl's sched_getcpu (__vdso_getcpu).  Each CPU is
 * entered with sched_setaffinity, which run.sh does not count.
 *
 * After the second marker, between two getpgid markers, come the calls whose
 * vDSO functions only verdicts.sh watches: __riscv_flush_icache (riscv64)
 * and, with "more", time() and sched_getcpu().  They stay out of the getppid
 * window, whose system calls run.sh counts exactly, and "more" keeps them out
 * of run.sh's trap count (the vDSO's getcpu is a system call it passes on).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
#if defined(__x86_64__)
#include <sched.h>
#endif
#if defined(__riscv)
#include <sys/cachectl.h>
#include <sys/mman.h>
#ifndef __GLIBC__
/* musl defines it (src/linux/cache.c) but declares it in no header. */
int __riscv_flush_icache(void *start, void *end, unsigned long flags);
#endif
#endif

#define MAX_LINES 64

static char lines[MAX_LINES][200];
static int nlines;

#define RECORD(...) snprintf(lines[nlines < MAX_LINES ? nlines++ : MAX_LINES - 1], \
			     sizeof lines[0], __VA_ARGS__)

/*
 * The reference system calls, for the libc's own struct timespec: musl on
 * 32-bit arm has a 64-bit time_t and names the time32 calls *_time32 only,
 * so its references are the time64 calls (gettimeofday has none: the
 * time32 one, for the timezone alone).  glibc 2.36 armhf's time_t is
 * 32-bit, and every 64-bit target's calls are the plain ones.
 */
#if !defined(SYS_clock_gettime) && defined(SYS_clock_gettime64)
#define REF_CLOCK_GETTIME SYS_clock_gettime64
#define REF_CLOCK_GETRES SYS_clock_getres_time64
#define REF_GETTIMEOFDAY SYS_gettimeofday_time32
#else
#define REF_CLOCK_GETTIME SYS_clock_gettime
#define REF_CLOCK_GETRES SYS_clock_getres
#define REF_GETTIMEOFDAY SYS_gettimeofday
#endif

static void marker(void)
{
	syscall(SYS_getppid);
}

static void second_marker(void)
{
	syscall(SYS_getpgid, 0);
}

/* A reference reading, inside a getuid ... getgid window. */
static int ref_gettime(clockid_t id, struct timespec *ts)
{
	syscall(SYS_getuid);
	int r = syscall(REF_CLOCK_GETTIME, id, ts) == 0 ? 0 : errno;
	syscall(SYS_getgid);
	return r;
}

static int ref_getres(clockid_t id, struct timespec *ts)
{
	syscall(SYS_getuid);
	int r = syscall(REF_CLOCK_GETRES, id, ts) == 0 ? 0 : errno;
	syscall(SYS_getgid);
	return r;
}

static void ref_tz(struct timezone *tz)
{
	long tv[4];	/* a timeval of either size; only tz is used */
	syscall(SYS_getuid);
	syscall(REF_GETTIMEOFDAY, tv, tz);
	syscall(SYS_getgid);
}

/* The _COARSE clocks are compared with their fine clocks (run.sh allows
 * their resolution); the CPU-time clocks with themselves. */
static clockid_t reference_for(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME_COARSE: return CLOCK_REALTIME;
	case CLOCK_MONOTONIC_COARSE: return CLOCK_MONOTONIC;
	default: return id;
	}
}

static void probe_gettime(const char *name, clockid_t id)
{
	struct timespec before = { 0, 0 }, got = { -1, -1 }, after = { 0, 0 };
	clockid_t ref = reference_for(id);
	int valid = id >= 0 && id < 16;
	if (valid)
		ref_gettime(ref, &before);
	errno = 0;
	int rc = clock_gettime(id, &got);
	int err = rc ? errno : 0;
	if (valid)
		ref_gettime(ref, &after);
	RECORD("T %s %d %d %d %lld %ld %d %lld %ld %lld %ld", name, (int)id, rc, err,
	       (long long)got.tv_sec, got.tv_nsec, (int)ref, (long long)before.tv_sec,
	       before.tv_nsec, (long long)after.tv_sec, after.tv_nsec);
}

static void probe_getres(const char *name, clockid_t id)
{
	struct timespec got = { -1, -1 }, want = { -1, -1 };
	errno = 0;
	int rc = clock_getres(id, &got);
	int err = rc ? errno : 0;
	int refrc = ref_getres(id, &want);
	RECORD("R %s %d %d %d %lld %ld %d %lld %ld", name, (int)id, rc, err, (long long)got.tv_sec,
	       got.tv_nsec, refrc, (long long)want.tv_sec, want.tv_nsec);
}

static void probe_gettimeofday(const char *name, int with_tz)
{
	struct timespec before, after;
	struct timeval tv = { -1, -1 };
	struct timezone tz = { -1, -1 }, reftz = { -2, -2 };
	ref_gettime(CLOCK_REALTIME, &before);
	errno = 0;
	int rc = gettimeofday(&tv, with_tz ? &tz : NULL);
	int err = rc ? errno : 0;
	ref_gettime(CLOCK_REALTIME, &after);
	RECORD("T %s %d %d %d %lld %ld %d %lld %ld %lld %ld", name, (int)CLOCK_REALTIME, rc, err,
	       (long long)tv.tv_sec, (long)tv.tv_usec * 1000, (int)CLOCK_REALTIME,
	       (long long)before.tv_sec, before.tv_nsec, (long long)after.tv_sec, after.tv_nsec);
	if (with_tz) {
		ref_tz(&reftz);
		RECORD("Z %s %d %d %d %d %d", name, rc, tz.tz_minuteswest, tz.tz_dsttime,
		       reftz.tz_minuteswest, reftz.tz_dsttime);
	}
}

#if defined(__x86_64__)
/* time(&t) against the time system call around it; the page's seconds may
 * be a tick ahead of the kernel's xtime (AFINE bounds that). */
static void probe_time(void)
{
	long before = 0, after = 0;
	struct timespec fine = { 0, 0 };
	syscall(SYS_getuid);
	before = syscall(SYS_time, NULL);
	syscall(SYS_getgid);
	time_t stored = -1, got = time(&stored);
	syscall(SYS_getuid);
	after = syscall(SYS_time, NULL);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &fine);
	syscall(SYS_getgid);
	RECORD("Y %lld %lld %ld %ld %lld", (long long)got, (long long)stored, before, after,
	       (long long)fine.tv_sec);
}

/* The libc's getcpu through the vDSO, pinned to each allowed CPU in turn. */
static void probe_getcpu(void)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		return;	/* run.sh then finds no C line */
	for (int c = 0, lines_left = 8; c < CPU_SETSIZE && lines_left > 0; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof one, &one) != 0)
			continue;
		lines_left--;
#ifdef __GLIBC__
		unsigned cpu = ~0u, node = ~0u;
		int rc = getcpu(&cpu, &node);
		const char *name = "getcpu";
#else
		int got = sched_getcpu(), rc = got < 0 ? -1 : 0;
		unsigned cpu = got < 0 ? ~0u : (unsigned)got;
		const char *name = "sched_getcpu";
#endif
		unsigned refcpu = ~0u;
		syscall(SYS_getuid);
		int refrc = (int)syscall(SYS_getcpu, &refcpu, NULL, NULL);
		syscall(SYS_getgid);
		RECORD("C %s %d %d %d %d %d", name, c, rc, (int)cpu, refrc, (int)refcpu);
	}
	sched_setaffinity(0, sizeof allowed, &allowed);
}
#endif

static const struct {
	const char *name;
	clockid_t id;
} clocks[] = {
	{ "REALTIME", CLOCK_REALTIME },
	{ "MONOTONIC", CLOCK_MONOTONIC },
	{ "BOOTTIME", CLOCK_BOOTTIME },
	{ "MONOTONIC_RAW", CLOCK_MONOTONIC_RAW },
	{ "TAI", CLOCK_TAI },
	{ "REALTIME_COARSE", CLOCK_REALTIME_COARSE },
	{ "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE },
	{ "PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID },
	{ "THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID },
	{ "INVALID", 42 },
};
#define NCLOCKS (sizeof clocks / sizeof clocks[0])

int main(int argc, char **argv)
{
	long loops = argc > 1 ? strtol(argv[1], NULL, 0) : 100000;
	int more = argc > 2 && strcmp(argv[2], "more") == 0;
	long errors = 0, backwards = 0;

	marker();
	for (size_t i = 0; i < NCLOCKS; i++)
		probe_gettime(clocks[i].name, clocks[i].id);
	probe_gettimeofday("gettimeofday_tz", 1);
	probe_gettimeofday("gettimeofday", 0);
	for (size_t i = 0; i < NCLOCKS; i++)
		probe_getres(clocks[i].name, clocks[i].id);
	struct timespec prev, now;
	errors += clock_gettime(CLOCK_MONOTONIC, &prev) != 0;
	for (long i = 0; i < loops; i++) {
		errors += clock_gettime(CLOCK_MONOTONIC, &now) != 0;
		backwards += now.tv_sec < prev.tv_sec ||
			     (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec);
		prev = now;
	}
#if defined(__x86_64__)
	probe_time();
	probe_getcpu();
#endif
	/* glibc >= 2.41 may take these from the vDSO (getrandom.sh). */
	unsigned char random_bytes[16] = { 0 };
	ssize_t random_rc = getrandom(random_bytes, sizeof random_bytes, 0);
	marker();

	second_marker();
	long seconds = 0;
	int cpu = 0;
	if (more) {
		seconds = (long)time(NULL);
		cpu = sched_getcpu();
	}
#if defined(__riscv)
	/* Code written at run time, made visible to fetch by
	 * __riscv_flush_icache (glibc's, which takes it from the vDSO), then
	 * run: li a0, 42; ret. */
	static const uint32_t code[] = { 0x02a00513, 0x00008067 };
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int frc = -1, ferr = 0;
	if (page != MAP_FAILED) {
		memcpy(page, code, sizeof code);
		frc = __riscv_flush_icache(page, (char *)page + sizeof code, 0);
		ferr = frc ? errno : 0;
		if (frc == 0 && ((int (*)(void))page)() != 42)
			frc = -2;
	}
#endif
	second_marker();

	printf("V %#lx\n", getauxval(AT_SYSINFO_EHDR));
#ifdef __GLIBC__
	printf("L glibc %s\n", gnu_get_libc_version());
#endif
#if defined(__riscv)
	printf("F %d %d\n", frc, ferr);
#endif
	if (more)
		printf("X %ld %d\n", seconds, cpu);
	for (int i = 0; i < nlines; i++)
		puts(lines[i]);
	printf("M %ld %ld %ld\n", loops, errors, backwards);
	printf("G %zd ", random_rc);
	for (size_t i = 0; i < sizeof random_bytes; i++)
		printf("%02x", random_bytes[i]);
	putchar('\n');
	return 0;
}
