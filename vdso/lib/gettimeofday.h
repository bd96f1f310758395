/*
 * gettimeofday.h: the clock logic of mkvdso's built-in vDSOs, written once
 * for every architecture, as Linux's lib/vdso/gettimeofday.c.
 *
 * The semantics of Linux's generic vDSO: the counter clocks from the data
 * page and the architecture's counter, the _COARSE clocks from the data page
 * alone, everything else through a system call made here, because glibc
 * takes a vDSO's answer as final and never falls back by itself.  Every
 * function returns 0 or -errno (time() the seconds).
 *
 * Included once by each architecture's small .c, which names the exported
 * functions and supplies the glue; everything else is always_inline, so the
 * image holds no internal calls and stays small.  The exported functions are
 * defined here under the architecture's names rather than as wrappers around
 * an inline body: GCC allocates registers differently through the extra
 * inline level, and the aarch64 image stays what it was before the split.
 *
 * What the architecture's .c defines before including this (as Linux's
 * arch/<arch>/include/asm/vdso/gettimeofday.h):
 *
 *   VDSO_CLOCK_GETTIME, VDSO_GETTIMEOFDAY, VDSO_CLOCK_GETRES
 *                                   the exported names (and declares them)
 *   VDSO_CLOCK_GETTIME64            32-bit targets: the time64 entry too
 *   VDSO_CLOCK_MODE                 the MKVDSO_CLOCK_MODE_* its counter is
 *   NR_clock_gettime, NR_clock_getres, NR_gettimeofday
 *   NR_clock_gettime64              32-bit targets
 *
 * and, before or after including it (declared below):
 *
 *   uint64_t vdso_read_counter(void)   the counter, ordered after the
 *                                   sequence load that precedes it
 *   void vdso_read_barrier(void)    earlier loads complete before later ones
 *   void vdso_cpu_relax(void)       the spin-wait hint while seq is odd
 *   long vdso_syscall2(nr, a0, a1)  the system call, -errno on failure
 *
 * Position independent by construction: the data page is a hidden symbol
 * that the architecture's linker script places at MKVDSO_DATA_OFFSET, reached
 * PC-relatively, so the image carries no relocations.  No libgcc: on 64-bit
 * targets 64-bit division by a constant is a multiply, the 128-bit product
 * two instructions; 32-bit targets (arm) have neither, and divide by
 * subtraction as Linux's __iter_div_u64_rem (a 64-bit `/` there would call
 * libgcc's __aeabi_uldivmod).
 *
 * Time types: struct vdso_timespec is the kernel's __kernel_timespec, 64-bit
 * seconds and nanoseconds, which every clock is computed in.  On 64-bit
 * targets it is also the C library's timespec; on 32-bit ones the C
 * library's (time32) one is struct vdso_old_timespec32, that of
 * VDSO_CLOCK_GETTIME and VDSO_CLOCK_GETRES, and VDSO_CLOCK_GETTIME64 takes
 * the 64-bit one, right past 2038.  A timeval is two longs everywhere.
 */
#ifndef MKVDSO_VDSO_GETTIMEOFDAY_H
#define MKVDSO_VDSO_GETTIMEOFDAY_H

#include <stdint.h>

#include "vdso_data.h"

/* The Linux user types, defined here so no libc header is needed. */
struct vdso_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct vdso_timeval {
	long tv_sec;
	long tv_usec;
};

/* 32-bit targets: no 128-bit integers and no 64-bit divide instruction. */
#define VDSO_TIME32 (__SIZEOF_LONG__ == 4)

#if VDSO_TIME32
struct vdso_old_timespec32 {
	int32_t tv_sec;
	int32_t tv_nsec;
};
/* What clock_getres fills in: the C library's timespec. */
typedef struct vdso_old_timespec32 vdso_native_timespec;
#else
typedef struct vdso_timespec vdso_native_timespec;
#endif

struct vdso_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

/* The linker script: mkvdso_data_page = MKVDSO_DATA_OFFSET (the page below
 * the image). */
extern const struct vdso_data mkvdso_data_page __attribute__((visibility("hidden")));

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* The architecture's glue (see the top of this file), defined by its .c. */
static ALWAYS_INLINE long vdso_syscall2(long nr, long arg0, long arg1);
static ALWAYS_INLINE void vdso_read_barrier(void);
static ALWAYS_INLINE void vdso_cpu_relax(void);
static ALWAYS_INLINE uint64_t vdso_read_counter(void);

static ALWAYS_INLINE const struct vdso_data *data_page(void)
{
	const struct vdso_data *vd = &mkvdso_data_page;
	/* Linux 0c314cda9325 (GCC PR 120002): keep GCC from materialising the
	 * address from an absolute literal, which would need a relocation. */
	__asm__("" : "+r"(vd));
	return vd;
}

static ALWAYS_INLINE uint32_t read_begin(const struct vdso_data *vd)
{
	uint32_t seq;
	while ((seq = READ_ONCE(vd->seq)) & 1)
		vdso_cpu_relax();
	vdso_read_barrier();
	return seq;
}

static ALWAYS_INLINE int read_retry(const struct vdso_data *vd, uint32_t start)
{
	vdso_read_barrier();
	return READ_ONCE(vd->seq) != start;
}

/*
 * ((cycles - cycle_last) & mask) * mult + nsec) >> shift, as Linux's
 * vdso_calc_ns.  While delta fits in 32 bits (over a second of TSC at up
 * to 4 GHz, minutes of an arm64 counter: every kernel that refreshes the
 * page at its tick), delta * mult fits in 64 bits, as Linux x86's 64-bit
 * product below max_cycles; only the sum with nsec can still carry, and
 * that is one flag test.  Otherwise, for a kernel that refreshes the page
 * rarely, the exact product in 128 bits, as Linux x86 does beyond
 * max_cycles.  The test needs nothing from the page, so the layout stays.
 */
static ALWAYS_INLINE uint64_t counter_ns(const struct vdso_data_clock *vc, uint64_t cycles,
					 uint64_t nsec)
{
	uint64_t delta = (cycles - vc->cycle_last) & vc->mask, sum;
	if (__builtin_expect(!(delta >> 32), 1) &&
	    !__builtin_add_overflow(delta * vc->mult, nsec, &sum))
		return sum >> vc->shift;
#if VDSO_TIME32
	/* The 96-bit sum from two 32x32->64 products (shift is below 64). */
	uint64_t low = (delta & 0xffffffffu) * vc->mult;
	uint64_t high = (delta >> 32) * vc->mult + (low >> 32);
	low = (low & 0xffffffffu) | high << 32;
	high >>= 32;
	high += __builtin_add_overflow(low, nsec, &low);
	return vc->shift ? low >> vc->shift | high << (64 - vc->shift) : low;
#else
	__extension__ typedef unsigned __int128 u128;
	return (uint64_t)(((u128)delta * vc->mult + nsec) >> vc->shift);
#endif
}

/*
 * Linux divides with __iter_div_u64_rem, a subtraction loop, because ns is
 * almost always below 2 * 10^9 (a base below a second plus one tick).  Here
 * ns below a second is stored as it is, behind a branch rather than a
 * conditional move: the ordered counter read of the next call waits for
 * every instruction before it, so each one on the path from the counter to
 * the stores is paid on every call.  Below 2 * 10^9 one subtraction; past
 * that (a rarely refreshed page) a division by the constant, which the
 * compiler turns into a multiply: no divide, no libgcc, and no loop that
 * grows with the time since the last update.
 */
static ALWAYS_INLINE void set_timespec(struct vdso_timespec *ts, uint64_t sec, uint64_t ns)
{
	if (__builtin_expect(ns >= MKVDSO_NSEC_PER_SEC, 0)) {
		if (ns < 2 * MKVDSO_NSEC_PER_SEC) {
			sec++;
			ns -= MKVDSO_NSEC_PER_SEC;
		} else {
#if VDSO_TIME32
			/* Linux's __iter_div_u64_rem: the empty asm keeps the
			 * compiler from folding the loop into a libgcc call. */
			do {
				__asm__("" : "+r"(ns));
				ns -= MKVDSO_NSEC_PER_SEC;
				sec++;
			} while (ns >= MKVDSO_NSEC_PER_SEC);
#else
			sec += ns / MKVDSO_NSEC_PER_SEC;
			ns %= MKVDSO_NSEC_PER_SEC;
#endif
		}
	}
	ts->tv_sec = (int64_t)sec;
	ts->tv_nsec = (int64_t)ns;
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
	uint64_t sec, ns;
	uint32_t seq;
	for (;;) {
		seq = read_begin(vd);
		if (__builtin_expect(READ_ONCE(vd->clock_mode) != VDSO_CLOCK_MODE ||
					     !(READ_ONCE(vd->valid_clocks) & MKVDSO_CLOCK_BIT(clock)),
				     0)) {
			/* Unusable in a consistent snapshot only; a torn one
			 * is read again.  Kept off the straight path. */
			if (!read_retry(vd, seq))
				return -1;
			continue;
		}
		ns = counter_ns(vc, vdso_read_counter(), vc->basetime[clock].nsec);
		sec = vc->basetime[clock].sec;
		if (__builtin_expect(!read_retry(vd, seq), 1))
			break;
	}
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

/* The clock from the page into ts; nonzero: make the system call.
 * Negative ids (CPU-time clocks of other threads and processes) and ids
 * past the page go to the kernel, as in Linux. */
static ALWAYS_INLINE int clock_from_page(int32_t clock, struct vdso_timespec *ts)
{
	const struct vdso_data *vd = data_page();
	if (page_usable(vd) && (uint32_t)clock < MKVDSO_BASES) {
		uint32_t bit = MKVDSO_CLOCK_BIT(clock);
		if (bit & MKVDSO_HRES_CLOCKS)
			return do_hres(vd, MKVDSO_CS_HRES_COARSE, (uint32_t)clock, ts);
		if (bit & MKVDSO_RAW_CLOCKS)
			return do_hres(vd, MKVDSO_CS_RAW, (uint32_t)clock, ts);
		if (bit & MKVDSO_COARSE_CLOCKS)
			return do_coarse(vd, (uint32_t)clock, ts);
	}
	return -1;
}

#if VDSO_TIME32
int VDSO_CLOCK_GETTIME64(int32_t clock, struct vdso_timespec *ts)
{
	if (!clock_from_page(clock, ts))
		return 0;
	return (int)vdso_syscall2(NR_clock_gettime64, clock, (long)ts);
}

/* The time32 entry truncates the seconds past 2038, as Linux's
 * __cvdso_clock_gettime32 does (musl's wrapper then drops the vDSO). */
int VDSO_CLOCK_GETTIME(int32_t clock, struct vdso_old_timespec32 *ts)
{
	struct vdso_timespec t;
	if (clock_from_page(clock, &t))
		return (int)vdso_syscall2(NR_clock_gettime, clock, (long)ts);
	ts->tv_sec = (int32_t)t.tv_sec;
	ts->tv_nsec = (int32_t)t.tv_nsec;
	return 0;
}
#else
int VDSO_CLOCK_GETTIME(int32_t clock, struct vdso_timespec *ts)
{
	if (!clock_from_page(clock, ts))
		return 0;
	return (int)vdso_syscall2(NR_clock_gettime, clock, (long)ts);
}
#endif

int VDSO_GETTIMEOFDAY(struct vdso_timeval *tv, struct vdso_timezone *tz)
{
	const struct vdso_data *vd = data_page();
	if (!page_usable(vd))
		return (int)vdso_syscall2(NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		struct vdso_timespec ts;
		if (do_hres(vd, MKVDSO_CS_HRES_COARSE, MKVDSO_CLOCK_REALTIME, &ts))
			return (int)vdso_syscall2(NR_gettimeofday, (long)tv, (long)tz);
		tv->tv_sec = (long)ts.tv_sec;
		tv->tv_usec = (long)((uint32_t)ts.tv_nsec / 1000);
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
int VDSO_CLOCK_GETRES(int32_t clock, vdso_native_timespec *res)
{
	const struct vdso_data *vd = data_page();
	if (page_usable(vd) && (uint32_t)clock < MKVDSO_BASES) {
		uint32_t seq, served, ns = 0;
		do {
			seq = read_begin(vd);
			served = MKVDSO_CLOCK_BIT(clock) & READ_ONCE(vd->valid_clocks);
			if ((served & (MKVDSO_HRES_CLOCKS | MKVDSO_RAW_CLOCKS)) &&
			    READ_ONCE(vd->clock_mode) == VDSO_CLOCK_MODE)
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

/*
 * time(): the seconds of REALTIME_COARSE, the kernel's xtime_sec, which is
 * what the time system call returns (Linux's vDSO reads the same seconds
 * from its REALTIME base).  -1: make the system call.  Only the
 * architectures whose Linux vDSO has time (x86) use it.
 */
static ALWAYS_INLINE int vdso_do_time(int64_t *sec_out)
{
	const struct vdso_data *vd = data_page();
	const struct vdso_data_clock *vc = &vd->clock[MKVDSO_CS_HRES_COARSE];
	uint64_t sec;
	uint32_t seq, valid;
	if (!page_usable(vd))
		return -1;
	do {
		seq = read_begin(vd);
		valid = READ_ONCE(vd->valid_clocks);
		sec = vc->basetime[MKVDSO_CLOCK_REALTIME_COARSE].sec;
	} while (read_retry(vd, seq));
	if (!(valid & MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_REALTIME_COARSE)))
		return -1;
	*sec_out = (int64_t)sec;
	return 0;
}

#endif /* MKVDSO_VDSO_GETTIMEOFDAY_H */
