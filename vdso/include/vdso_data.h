/*
 * vdso_data.h: the data page of mkvdso's built-in vDSO.
 *
 * One 4 KiB page that the kernel writes and every process maps read-only,
 * directly below the vDSO image (MKVDSO_DATA_OFFSET).  The vDSO reads it
 * PC-relatively; this header is the whole contract between the two sides and
 * is shared verbatim: the vDSO includes it as the reader, `mkvdso build`
 * copies it into the kernel's build for the writer.  Freestanding C99: only
 * <stddef.h> and <stdint.h>, no libc calls.
 *
 * The layout follows Linux's generic vDSO data (lib/vdso/gettimeofday.c): two
 * clock-source blocks (MKVDSO_CS_HRES_COARSE for REALTIME, MONOTONIC, BOOTTIME,
 * TAI and the _COARSE clocks; MKVDSO_CS_RAW for MONOTONIC_RAW), each with the
 * counter value of the last update, mask, mult, shift and one base time per
 * clock id.  For the counter clocks the vDSO computes
 *
 *     ns  = (((counter - cycle_last) & mask) * mult + base.nsec) >> shift
 *     now = base.sec + ns / NSEC_PER_SEC, ns % NSEC_PER_SEC
 *
 * where base.nsec is in units of 2^-shift ns ("shifted"), and counter is
 * CNTVCT_EL0 on aarch64 and the TSC on x86_64.  cycle_last must be a value
 * of that same counter as user mode reads it: on aarch64 the virtual counter
 * (CNTPCT_EL0 minus CNTVOFF_EL2), never a physical-counter value unless
 * CNTVOFF_EL2 is 0; on x86_64 the TSC after any offset and scaling a
 * hypervisor applies to this guest.  The product is formed in
 * 128 bits, so a kernel may refresh the page as rarely as it likes: a 64-bit
 * product would overflow after 2^64 / mult cycles (137 s at 62.5 MHz with
 * the mult that vdso_data_calc_mult_shift picks).  The _COARSE clocks are
 * base.sec and base.nsec in plain ns, with no counter read: they advance only
 * when the kernel updates them (Linux: every tick).
 *
 * x86_64 (clock_mode MKVDSO_CLOCK_MODE_TSC): mask is UINT64_MAX and mult and
 * shift come from the TSC frequency (vdso_data_calc_mult_shift(tsc_hz)).
 * The kernel sets this mode only for a TSC that is invariant (constant and
 * non-stop), synchronised across CPUs and readable in user mode (CR4.TSD
 * clear).  The vDSO reads it with rdtscp when the kernel sets
 * MKVDSO_FLAG_RDTSCP, which it does once, before the page is mapped, only
 * if the CPU has RDTSCP (CPUID 0x80000001, EDX bit 27; Linux patches in
 * rdtscp on the same test): rdtscp waits for every earlier load, and it is
 * the cheaper ordered read where it exists.  Without the flag the vDSO uses
 * lfence; rdtsc, which every x86_64 CPU has: on AMD CPUs before Zen 2 the
 * kernel must then make lfence dispatch-serialising by setting DE_CFG[1]
 * (MSR 0xc0011029, bit 1), as Linux does, or the read may pass the
 * sequence load.  A flag set on a CPU without RDTSCP kills every program
 * that reads a counter clock (SIGILL).
 *
 * arm, 32-bit (clock_mode MKVDSO_CLOCK_MODE_CNTVCT, as aarch64): the same
 * generic timer, its virtual count read with mrrc; mask is at least 2^56 - 1
 * and mult and shift come from CNTFRQ.  The kernel sets this mode only where
 * user mode may read the counter (CNTKCTL.PL0VCTEN set).
 *
 * riscv64 (clock_mode MKVDSO_CLOCK_MODE_RDTIME): mask is UINT64_MAX and mult
 * and shift come from the timebase frequency (the device tree's
 * timebase-frequency; vdso_data_calc_mult_shift(hz)).  The kernel sets this
 * mode only where user mode may read the time CSR (scounteren.TM set, by the
 * firmware in mcounteren too).
 *
 * getcpu on x86_64 (flags MKVDSO_FLAG_TSC_AUX_CPU): the kernel writes
 * IA32_TSC_AUX (MSR 0xc0000103) = (node << 12) | cpu on every CPU before it
 * runs a process there (cpu below 4096), keeps rdtscp usable in user mode,
 * and sets the flag once, before the page is mapped, as Linux does
 * (setup_getcpu).  The vDSO then reads the pair with rdtscp; without the
 * flag __vdso_getcpu makes the getcpu system call.
 *
 * Sequence protocol.  seq is odd while the kernel writes and grows by one at
 * each begin and at each end; it never goes back and never toggles between two
 * values (a reader that sees the same even value before and after its reads
 * must be able to trust that nothing changed in between).  Writers must be
 * serialised by the kernel (one lock, or a single CPU doing all updates):
 *
 *     vdso_data_begin_update(d);          seq++ (odd), store-store barrier
 *     ... write clock_mode, clocks, bases, tz ...
 *     vdso_data_end_update(d);            store-store barrier, seq++ (even)
 *
 * The reader spins while seq is odd, reads with load-load barriers, and retries
 * when seq changed.  Map the page read-only into processes: a process that
 * can write it can change every other process's clocks.
 *
 * When the vDSO makes the system call instead.  version is written once
 * (vdso_data_init) before the page is mapped into any process; with any other
 * version every function makes the system call, so a zeroed page is always
 * safe.  A clock whose bit is clear in valid_clocks is not served from the
 * page.  clock_mode MKVDSO_CLOCK_MODE_NONE (no usable counter) sends the
 * counter clocks to the system call, while the _COARSE clocks, which need no
 * counter, still come from the page (as in Linux).  Clock ids the page does not
 * hold (CPU-time clocks, alarm clocks, negative and invalid ids) always make
 * the system call, whose result (e.g. -EINVAL) the vDSO returns unchanged.
 */
#ifndef MKVDSO_VDSO_DATA_H
#define MKVDSO_VDSO_DATA_H

#include <stddef.h>
#include <stdint.h>

/* Bump on any incompatible layout change; the vDSO checks it on every call. */
#define MKVDSO_DATA_VERSION	1u
/* The data page: one 4 KiB page ending where the vDSO image starts. */
#define MKVDSO_DATA_SIZE	4096
#define MKVDSO_DATA_OFFSET	(-4096)

/* clock_mode: how the vDSO reads the counter clocks. */
#define MKVDSO_CLOCK_MODE_NONE		0	/* system call for REALTIME, MONOTONIC, ... */
#define MKVDSO_CLOCK_MODE_CNTVCT	1	/* aarch64 CNTVCT_EL0 (isb; mrs), arm CNTVCT (isb; mrrc) */
#define MKVDSO_CLOCK_MODE_TSC		2	/* x86_64 TSC, read in order after the seq load */
#define MKVDSO_CLOCK_MODE_RDTIME	3	/* riscv64 time CSR (rdtime), at the timebase frequency */

/* flags: what else the kernel maintains for the vDSO. */
#define MKVDSO_FLAG_TSC_AUX_CPU	(1u << 0)	/* x86_64: IA32_TSC_AUX = (node << 12) | cpu on every CPU */
#define MKVDSO_FLAG_RDTSCP	(1u << 1)	/* x86_64: the CPU has RDTSCP; the TSC is read with it */

/* Clock-source blocks, as Linux's CS_HRES_COARSE and CS_RAW. */
#define MKVDSO_CS_HRES_COARSE	0
#define MKVDSO_CS_RAW		1
#define MKVDSO_CS_BASES		2

/* Linux clock ids (the same on every architecture). */
#define MKVDSO_CLOCK_REALTIME		0
#define MKVDSO_CLOCK_MONOTONIC		1
#define MKVDSO_CLOCK_PROCESS_CPUTIME_ID	2	/* always a system call */
#define MKVDSO_CLOCK_THREAD_CPUTIME_ID	3	/* always a system call */
#define MKVDSO_CLOCK_MONOTONIC_RAW	4
#define MKVDSO_CLOCK_REALTIME_COARSE	5
#define MKVDSO_CLOCK_MONOTONIC_COARSE	6
#define MKVDSO_CLOCK_BOOTTIME		7
#define MKVDSO_CLOCK_TAI		11
#define MKVDSO_BASES			12	/* basetime[] covers ids 0..CLOCK_TAI */

/* The clocks each block serves, as bits of valid_clocks. */
#define MKVDSO_CLOCK_BIT(id)	(1u << (id))
#define MKVDSO_HRES_CLOCKS							\
	(MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_REALTIME) | MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_MONOTONIC) | \
	 MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_BOOTTIME) | MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_TAI))
#define MKVDSO_COARSE_CLOCKS						\
	(MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_REALTIME_COARSE) |			\
	 MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_MONOTONIC_COARSE))
#define MKVDSO_RAW_CLOCKS	MKVDSO_CLOCK_BIT(MKVDSO_CLOCK_MONOTONIC_RAW)

#define MKVDSO_NSEC_PER_SEC	1000000000u

struct vdso_data_timestamp {
	uint64_t sec;
	uint64_t nsec;		/* counter clocks: ns << shift; coarse clocks: ns */
};

struct vdso_data_clock {
	uint64_t cycle_last;	/* counter value at which the bases were taken */
	uint64_t mask;		/* counter width, e.g. 2^56 - 1 */
	uint32_t mult;		/* ns = (cycles * mult) >> shift */
	uint32_t shift;		/* 0..32 */
	struct vdso_data_timestamp basetime[MKVDSO_BASES];	/* indexed by clock id */
};

struct vdso_data {
	uint32_t version;	/* MKVDSO_DATA_VERSION */
	uint32_t seq;		/* odd while the kernel writes; only ever incremented */
	int32_t clock_mode;	/* MKVDSO_CLOCK_MODE_* */
	uint32_t valid_clocks;	/* MKVDSO_CLOCK_BIT(id) for each base the kernel maintains */
	int32_t tz_minuteswest;	/* gettimeofday's struct timezone */
	int32_t tz_dsttime;
	uint32_t hrtimer_res;	/* ns: clock_getres of the counter clocks (Linux: 1) */
	uint32_t coarse_res;	/* ns: clock_getres of the _COARSE clocks (the tick) */
	struct vdso_data_clock clock[MKVDSO_CS_BASES];
	/*
	 * Appended after clock[], so every earlier offset is that of layout
	 * version 1 and a page the writer zeroed leaves them off.  The image
	 * and this header always come from the same mkvdso build.
	 */
	uint32_t flags;		/* MKVDSO_FLAG_* */
	uint32_t reserved;	/* zero */
};

/*
 * The ABI, pinned: these hold for every target (the 64-bit fields sit at
 * 8-byte offsets, so i386's 4-byte alignment of uint64_t changes nothing).
 */
#define MKVDSO_ASSERT(name, cond) typedef char mkvdso_assert_##name[(cond) ? 1 : -1]
MKVDSO_ASSERT(version_first, offsetof(struct vdso_data, version) == 0);
MKVDSO_ASSERT(seq, offsetof(struct vdso_data, seq) == 4);
MKVDSO_ASSERT(clock_mode, offsetof(struct vdso_data, clock_mode) == 8);
MKVDSO_ASSERT(valid_clocks, offsetof(struct vdso_data, valid_clocks) == 12);
MKVDSO_ASSERT(tz_minuteswest, offsetof(struct vdso_data, tz_minuteswest) == 16);
MKVDSO_ASSERT(tz_dsttime, offsetof(struct vdso_data, tz_dsttime) == 20);
MKVDSO_ASSERT(hrtimer_res, offsetof(struct vdso_data, hrtimer_res) == 24);
MKVDSO_ASSERT(coarse_res, offsetof(struct vdso_data, coarse_res) == 28);
MKVDSO_ASSERT(clock, offsetof(struct vdso_data, clock) == 32);
MKVDSO_ASSERT(cycle_last, offsetof(struct vdso_data_clock, cycle_last) == 0);
MKVDSO_ASSERT(mask, offsetof(struct vdso_data_clock, mask) == 8);
MKVDSO_ASSERT(mult, offsetof(struct vdso_data_clock, mult) == 16);
MKVDSO_ASSERT(shift, offsetof(struct vdso_data_clock, shift) == 20);
MKVDSO_ASSERT(basetime, offsetof(struct vdso_data_clock, basetime) == 24);
MKVDSO_ASSERT(timestamp_size, sizeof(struct vdso_data_timestamp) == 16);
MKVDSO_ASSERT(clock_size, sizeof(struct vdso_data_clock) == 24 + 16 * MKVDSO_BASES);
MKVDSO_ASSERT(flags, offsetof(struct vdso_data, flags) == 32 + 2 * (24 + 16 * MKVDSO_BASES));
MKVDSO_ASSERT(reserved, offsetof(struct vdso_data, reserved) == 36 + 2 * (24 + 16 * MKVDSO_BASES));
MKVDSO_ASSERT(data_size, sizeof(struct vdso_data) == 40 + 2 * (24 + 16 * MKVDSO_BASES));
MKVDSO_ASSERT(fits_page, sizeof(struct vdso_data) <= MKVDSO_DATA_SIZE);
#undef MKVDSO_ASSERT

/* ------------------------------------------------------------------------ */
/* Kernel side: the writer.                                                 */

/* Orders every earlier store before every later one (and is a compiler
 * barrier): dmb ish on aarch64, nothing but the compiler barrier on x86. */
static inline void vdso_data_store_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/*
 * Prepares a page before it is mapped into any process: all MKVDSO_DATA_SIZE
 * bytes zero (no clock served from the page), then the version.  d must point
 * at a whole page of MKVDSO_DATA_SIZE bytes, not at a struct vdso_data alone:
 * every process maps the whole page, so a reused kernel page must not keep
 * old kernel data past the struct where any process can read it.  Stores go
 * through a volatile pointer so the compiler does not turn the loop into a
 * memset call the kernel may not have.
 */
static inline void vdso_data_init(struct vdso_data *d)
{
	volatile unsigned char *p = (volatile unsigned char *)d;
	size_t i;
	for (i = 0; i < MKVDSO_DATA_SIZE; i++)
		p[i] = 0;
	vdso_data_store_barrier();
	*(volatile uint32_t *)&d->version = MKVDSO_DATA_VERSION;
}

/*
 * seq is read and written through volatile: an aligned 32-bit access is
 * single-copy atomic on every target, and unlike __atomic_load_n/store_n it
 * never turns into a libatomic call on cores without atomic instructions.
 */
static inline uint32_t vdso_data_read_seq(const struct vdso_data *d)
{
	return *(const volatile uint32_t *)&d->seq;
}

static inline void vdso_data_write_seq(struct vdso_data *d, uint32_t seq)
{
	*(volatile uint32_t *)&d->seq = seq;
}

/* Starts an update: seq becomes odd, readers wait or retry. */
static inline void vdso_data_begin_update(struct vdso_data *d)
{
	vdso_data_write_seq(d, vdso_data_read_seq(d) + 1);
	vdso_data_store_barrier();
}

/* Ends an update: seq becomes even again, one more than before the begin. */
static inline void vdso_data_end_update(struct vdso_data *d)
{
	vdso_data_store_barrier();
	vdso_data_write_seq(d, vdso_data_read_seq(d) + 1);
}

/* The clock-source block that serves a clock id. */
static inline struct vdso_data_clock *vdso_data_clock_for(struct vdso_data *d, unsigned clock_id)
{
	return &d->clock[clock_id == MKVDSO_CLOCK_MONOTONIC_RAW ? MKVDSO_CS_RAW
							       : MKVDSO_CS_HRES_COARSE];
}

/*
 * Sets one block's counter parameters: the counter value the bases belong
 * to, its mask, and the conversion to ns.  Call between begin and end, before
 * vdso_data_set_base for that block's clocks (which uses shift).  Returns -1,
 * and writes nothing, for a block other than MKVDSO_CS_* or a shift above 32
 * (the vDSO's 128-bit product and set_base's nsec << shift need at most 32).
 */
static inline int vdso_data_set_counter(struct vdso_data *d, unsigned cs, uint64_t cycle_last,
					uint64_t mask, uint32_t mult, uint32_t shift)
{
	if (cs >= MKVDSO_CS_BASES || shift > 32)
		return -1;
	d->clock[cs].cycle_last = cycle_last;
	d->clock[cs].mask = mask;
	d->clock[cs].mult = mult;
	d->clock[cs].shift = shift;
	return 0;
}

/*
 * Sets the base time of one clock (sec, nsec < NSEC_PER_SEC, at the block's
 * cycle_last) and marks the clock as served from the page.  Shifts nsec for
 * the counter clocks; the _COARSE clocks keep plain ns.  Call between begin
 * and end.  Kernels that keep shifted ns themselves (to carry sub-ns
 * remainders, as Linux does) can write basetime[].nsec directly instead.
 * Returns -1, and writes nothing, for a clock id the page does not hold or
 * for nsec >= NSEC_PER_SEC (the _COARSE clocks would hand it to programs as
 * an invalid tv_nsec).
 */
static inline int vdso_data_set_base(struct vdso_data *d, unsigned clock_id, uint64_t sec,
				     uint32_t nsec)
{
	struct vdso_data_clock *c;
	if (clock_id >= MKVDSO_BASES ||
	    !(MKVDSO_CLOCK_BIT(clock_id) & (MKVDSO_HRES_CLOCKS | MKVDSO_COARSE_CLOCKS | MKVDSO_RAW_CLOCKS)) ||
	    nsec >= MKVDSO_NSEC_PER_SEC)
		return -1;
	c = vdso_data_clock_for(d, clock_id);
	c->basetime[clock_id].sec = sec;
	c->basetime[clock_id].nsec = MKVDSO_CLOCK_BIT(clock_id) & MKVDSO_COARSE_CLOCKS
				     ? (uint64_t)nsec : (uint64_t)nsec << c->shift;
	d->valid_clocks |= MKVDSO_CLOCK_BIT(clock_id);
	return 0;
}

/* dividend / divisor by shift and subtract: no libgcc call on 32-bit kernels. */
static inline uint64_t vdso_data_div_u64(uint64_t dividend, uint64_t divisor)
{
	uint64_t quotient = 0, remainder = 0;
	int bit;
	for (bit = 63; bit >= 0; bit--) {
		remainder = remainder << 1 | (dividend >> bit & 1);
		if (remainder >= divisor) {
			remainder -= divisor;
			quotient |= (uint64_t)1 << bit;
		}
	}
	return quotient;
}

/*
 * mult and shift for a counter of freq_hz (aarch64: CNTFRQ_EL0; x86_64: the
 * TSC frequency, e.g. from CPUID leaf 0x15 or calibration): the largest
 * shift up to 32 whose mult, round(2^shift * 10^9 / freq_hz), fits in 32
 * bits.  The vDSO multiplies in 128 bits, so no shift is too large for a long
 * gap between updates.  Returns -1, and writes nothing, when freq_hz is 0 or
 * above 10^9 * 2^32 (where even mult 1 at shift 32, 2^-32 ns a cycle, would
 * be too slow; rounding alone would otherwise still give mult 1 up to twice
 * that).
 */
static inline int vdso_data_calc_mult_shift(uint64_t freq_hz, uint32_t *mult, uint32_t *shift)
{
	uint32_t s;
	if (freq_hz == 0 || freq_hz > (uint64_t)MKVDSO_NSEC_PER_SEC << 32)
		return -1;
	for (s = 32; ; s--) {
		uint64_t m = vdso_data_div_u64(((uint64_t)MKVDSO_NSEC_PER_SEC << s) + freq_hz / 2,
					       freq_hz);
		if (m != 0 && m <= 0xffffffffu) {
			*mult = (uint32_t)m;
			*shift = s;
			return 0;
		}
		if (s == 0)
			return -1;
	}
}

#endif /* MKVDSO_VDSO_DATA_H */
