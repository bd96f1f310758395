/*
 * vgettimeofday.c: the clock functions of mkvdso's built-in aarch64 vDSO.
 *
 * __kernel_clock_gettime, __kernel_gettimeofday and __kernel_clock_getres,
 * with the semantics of Linux's generic vDSO (lib/vdso/gettimeofday.c): the
 * counter clocks from the data page and CNTVCT_EL0, the _COARSE clocks from the
 * data page alone, everything else through a system call made here, because
 * glibc takes a vDSO's answer as final and never falls back by itself.  Every
 * function returns 0 or -errno.
 *
 * Position independent by construction: the data page is a hidden symbol that
 * linker.ld places at MKVDSO_DATA_OFFSET, reached with adr, so the image
 * carries no relocations.  No libgcc: 64-bit division by a constant is a
 * multiply on aarch64 and the 128-bit product is mul + umulh.
 */
#include <stdint.h>

#include "vdso_data.h"

/* The system-call instruction; mkvdso build --syscall-insn replaces it (e.g.
 * 0xdeadbeef for rel4-linux-kit, which traps that word instead of svc). */
#ifndef MKVDSO_SYSCALL_INSN
#define MKVDSO_SYSCALL_INSN 0xd4000001 /* svc #0 */
#endif
#define VDSO_STR_(x) #x
#define VDSO_STR(x) VDSO_STR_(x)

#define NR_clock_gettime 113
#define NR_clock_getres 114
#define NR_gettimeofday 169

/* The Linux LP64 user types, defined here so no libc header is needed. */
struct vdso_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct vdso_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct vdso_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

int __kernel_clock_gettime(int32_t clock, struct vdso_timespec *ts);
int __kernel_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int __kernel_clock_getres(int32_t clock, struct vdso_timespec *res);

/* linker.ld: mkvdso_data_page = MKVDSO_DATA_OFFSET (the page below the image). */
extern const struct vdso_data mkvdso_data_page __attribute__((visibility("hidden")));

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE const struct vdso_data *data_page(void)
{
	const struct vdso_data *vd = &mkvdso_data_page;
	/* Linux 0c314cda9325 (GCC PR 120002): keep GCC from materialising the
	 * address from an absolute literal, which would need a relocation. */
	__asm__("" : "+r"(vd));
	return vd;
}

static ALWAYS_INLINE long vdso_syscall2(long nr, long arg0, long arg1)
{
	register long x0 __asm__("x0") = arg0;
	register long x1 __asm__("x1") = arg1;
	register long x8 __asm__("x8") = nr;
	__asm__ __volatile__(".inst " VDSO_STR(MKVDSO_SYSCALL_INSN) "\t// system call"
			     : "+r"(x0)
			     : "r"(x1), "r"(x8)
			     : "memory");
	return x0;
}

/* smp_rmb(): earlier loads complete before later ones. */
static ALWAYS_INLINE void read_barrier(void)
{
	__asm__ __volatile__("dmb ishld" ::: "memory");
}

static ALWAYS_INLINE uint32_t read_begin(const struct vdso_data *vd)
{
	uint32_t seq;
	while ((seq = READ_ONCE(vd->seq)) & 1)
		__asm__ __volatile__("yield" ::: "memory");
	read_barrier();
	return seq;
}

static ALWAYS_INLINE int read_retry(const struct vdso_data *vd, uint32_t start)
{
	read_barrier();
	return READ_ONCE(vd->seq) != start;
}

/*
 * The virtual counter, as Linux's __arch_counter_get_cntvct(): isb so the
 * read is not speculated before the sequence load, then a fake address
 * dependency on the result so the sequence re-load cannot pass it
 * (arch_counter_enforce_ordering).  Never CNTPCT_EL0: EL0 may not read it.
 */
static ALWAYS_INLINE uint64_t read_counter(void)
{
	uint64_t cnt, tmp;
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(cnt) :: "memory");
	__asm__ __volatile__("eor %0, %1, %1\n\tadd %0, sp, %0\n\tldr xzr, [%0]"
			     : "=r"(tmp) : "r"(cnt) : "memory");
	return cnt;
}

/*
 * ((cycles - cycle_last) & mask) * mult + nsec) >> shift, as Linux's
 * vdso_calc_ns, formed in 128 bits (mul, umulh) so a kernel that refreshes
 * the page rarely gets no overflow, as Linux x86 does beyond max_cycles.
 */
static ALWAYS_INLINE uint64_t counter_ns(const struct vdso_data_clock *vc, uint64_t cycles,
					 uint64_t nsec)
{
	__extension__ typedef unsigned __int128 u128;
	uint64_t delta = (cycles - vc->cycle_last) & vc->mask;
	return (uint64_t)(((u128)delta * vc->mult + nsec) >> vc->shift);
}

static ALWAYS_INLINE void set_timespec(struct vdso_timespec *ts, uint64_t sec, uint64_t ns)
{
	/*
	 * Linux divides with __iter_div_u64_rem, a subtraction loop, because
	 * 32-bit targets have no 64-bit divide.  Here the divisor is a
	 * constant, so GCC emits umulh and shifts: no udiv, no libgcc, and no
	 * loop that grows with the time since the kernel's last update.
	 */
	ts->tv_sec = (int64_t)(sec + ns / MKVDSO_NSEC_PER_SEC);
	ts->tv_nsec = (int64_t)(ns % MKVDSO_NSEC_PER_SEC);
}

/*
 * A counter clock of block cs; nonzero: make the system call.  Unlike Linux,
 * which falls back as soon as it sees a clock mode it cannot use, the
 * decision waits for a consistent snapshot: a kernel halfway through an
 * update may briefly clear a clock's bit, and a system call answered from
 * the kernel's own clock could then land a little behind the page's time.
 * The counter is not read when the page says there is none to read.
 */
static ALWAYS_INLINE int do_hres(const struct vdso_data *vd, unsigned cs, uint32_t clock,
				 struct vdso_timespec *ts)
{
	const struct vdso_data_clock *vc = &vd->clock[cs];
	uint64_t sec = 0, ns = 0;
	uint32_t seq;
	int usable;
	do {
		seq = read_begin(vd);
		usable = READ_ONCE(vd->clock_mode) == MKVDSO_CLOCK_MODE_CNTVCT &&
			 (READ_ONCE(vd->valid_clocks) & MKVDSO_CLOCK_BIT(clock));
		if (usable) {
			ns = counter_ns(vc, read_counter(), vc->basetime[clock].nsec);
			sec = vc->basetime[clock].sec;
		}
	} while (read_retry(vd, seq));
	if (!usable)
		return -1;
	set_timespec(ts, sec, ns);
	return 0;
}

/* A _COARSE clock: the base of the last update, no counter read. */
static ALWAYS_INLINE int do_coarse(const struct vdso_data *vd, uint32_t clock,
				   struct vdso_timespec *ts)
{
	const struct vdso_data_clock *vc = &vd->clock[MKVDSO_CS_HRES_COARSE];
	uint64_t sec, ns;
	uint32_t seq, valid;
	do {
		seq = read_begin(vd);
		valid = READ_ONCE(vd->valid_clocks);
		sec = vc->basetime[clock].sec;
		ns = vc->basetime[clock].nsec;
	} while (read_retry(vd, seq));
	if (!(valid & MKVDSO_CLOCK_BIT(clock)))
		return -1;
	ts->tv_sec = (int64_t)sec;
	ts->tv_nsec = (int64_t)ns;
	return 0;
}

/* A page of another layout version (or a zeroed page): system calls only. */
static ALWAYS_INLINE int page_usable(const struct vdso_data *vd)
{
	return READ_ONCE(vd->version) == MKVDSO_DATA_VERSION;
}

int __kernel_clock_gettime(int32_t clock, struct vdso_timespec *ts)
{
	const struct vdso_data *vd = data_page();
	/* Negative ids (CPU-time clocks of other threads and processes) and ids
	 * past the page go to the kernel, as in Linux. */
	if (page_usable(vd) && (uint32_t)clock < MKVDSO_BASES) {
		uint32_t bit = MKVDSO_CLOCK_BIT(clock);
		if (bit & MKVDSO_HRES_CLOCKS) {
			if (!do_hres(vd, MKVDSO_CS_HRES_COARSE, (uint32_t)clock, ts))
				return 0;
		} else if (bit & MKVDSO_RAW_CLOCKS) {
			if (!do_hres(vd, MKVDSO_CS_RAW, (uint32_t)clock, ts))
				return 0;
		} else if (bit & MKVDSO_COARSE_CLOCKS) {
			if (!do_coarse(vd, (uint32_t)clock, ts))
				return 0;
		}
	}
	return (int)vdso_syscall2(NR_clock_gettime, clock, (long)ts);
}

int __kernel_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz)
{
	const struct vdso_data *vd = data_page();
	if (!page_usable(vd))
		return (int)vdso_syscall2(NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		struct vdso_timespec ts;
		if (do_hres(vd, MKVDSO_CS_HRES_COARSE, MKVDSO_CLOCK_REALTIME, &ts))
			return (int)vdso_syscall2(NR_gettimeofday, (long)tv, (long)tz);
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = (uint32_t)ts.tv_nsec / 1000;
	}
	if (tz) {
		int32_t minuteswest, dsttime;
		uint32_t seq;
		do {
			seq = read_begin(vd);
			minuteswest = vd->tz_minuteswest;
			dsttime = vd->tz_dsttime;
		} while (read_retry(vd, seq));
		tz->tz_minuteswest = minuteswest;
		tz->tz_dsttime = dsttime;
	}
	return 0;
}

/*
 * As Linux: the counter clocks report hrtimer_res, the _COARSE clocks the
 * tick (Linux's LOW_RES_NSEC, here coarse_res because the tick is the
 * kernel's).  A clock the page does not serve asks the kernel, so the answer
 * always describes the clock the caller actually gets.
 */
int __kernel_clock_getres(int32_t clock, struct vdso_timespec *res)
{
	const struct vdso_data *vd = data_page();
	if (page_usable(vd) && (uint32_t)clock < MKVDSO_BASES) {
		uint32_t seq, served, ns = 0;
		do {
			seq = read_begin(vd);
			served = MKVDSO_CLOCK_BIT(clock) & READ_ONCE(vd->valid_clocks);
			if ((served & (MKVDSO_HRES_CLOCKS | MKVDSO_RAW_CLOCKS)) &&
			    READ_ONCE(vd->clock_mode) == MKVDSO_CLOCK_MODE_CNTVCT)
				ns = READ_ONCE(vd->hrtimer_res);
			else if (served & MKVDSO_COARSE_CLOCKS)
				ns = READ_ONCE(vd->coarse_res);
			else
				served = 0;
		} while (read_retry(vd, seq));
		if (served) {
			if (res) {
				res->tv_sec = 0;
				res->tv_nsec = ns;
			}
			return 0;
		}
	}
	return (int)vdso_syscall2(NR_clock_getres, clock, (long)res);
}
