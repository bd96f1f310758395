// vdso_data.rs: the data page of mkvdso's built-in vDSO, for Rust kernels.
// Shipped by mkvdso build beside vdso_data.h, whose twin it is; do not edit a
// copy. vdso_data.h's comment gives the whole protocol; in short: the kernel
// owns one 4 KiB page, maps it read-only into every process directly below
// the image (NAME_DATA_ADDRESS), and updates it under a sequence counter.
//
// For #![no_std] crates, as `mod vdso_data;` or include!d inside a module:
// no dependencies, no inner attributes, every item allows dead_code. Names
// are the C header's: the constants keep theirs (MKVDSO_CLOCK_TAI), the
// structs are VdsoData, VdsoDataClock and VdsoDataTimestamp, and C's
// vdso_data_begin_update(d) is VdsoDataWriter::begin_update(&mut self).
//
// The layout is checked at compile time: mkvdso build appends, at the end of
// this file, the size of every struct and the offset and size of every field
// as offsetof() and sizeof() give them on the very vdso_data.h it ships, and
// asserts that the Rust types have them (a crate whose copy drifted from the
// header does not compile). Rust 1.63 has no offset_of!, so the offsets are
// measured in a const: a zeroed struct with one field set to all ones, turned
// into bytes, has that field's bytes set and no other.
//
// The writer writes the page only through volatile stores (seq atomically):
// other processes read it while the kernel writes, which the compiler cannot
// see, so it must neither drop, merge nor reorder a store across the fences.

/// Bump on any incompatible layout change; the vDSO checks it on every call.
#[allow(dead_code)]
pub const MKVDSO_DATA_VERSION: u32 = 1;
/// The data page: one 4 KiB page ending where the vDSO image starts.
#[allow(dead_code)]
pub const MKVDSO_DATA_SIZE: usize = 4096;
#[allow(dead_code)]
pub const MKVDSO_DATA_OFFSET: i64 = -4096;

/// clock_mode: the vDSO makes the system call for the counter clocks.
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MODE_NONE: i32 = 0;
/// clock_mode: aarch64 CNTVCT_EL0 (isb; mrs), arm CNTVCT (isb; mrrc).
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MODE_CNTVCT: i32 = 1;
/// clock_mode: x86_64 TSC, read in order after the seq load.
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MODE_TSC: i32 = 2;
/// clock_mode: riscv64 time CSR (rdtime), at the timebase frequency.
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MODE_RDTIME: i32 = 3;

/// flags: x86_64: IA32_TSC_AUX = (node << 12) | cpu on every CPU.
#[allow(dead_code)]
pub const MKVDSO_FLAG_TSC_AUX_CPU: u32 = 1 << 0;
/// flags: x86_64: the CPU has RDTSCP; the TSC is read with it.
#[allow(dead_code)]
pub const MKVDSO_FLAG_RDTSCP: u32 = 1 << 1;

/// Clock-source blocks, as Linux's CS_HRES_COARSE and CS_RAW.
#[allow(dead_code)]
pub const MKVDSO_CS_HRES_COARSE: usize = 0;
#[allow(dead_code)]
pub const MKVDSO_CS_RAW: usize = 1;
#[allow(dead_code)]
pub const MKVDSO_CS_BASES: usize = 2;

/// Linux clock ids (the same on every architecture).
#[allow(dead_code)]
pub const MKVDSO_CLOCK_REALTIME: u32 = 0;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MONOTONIC: u32 = 1;
/// Always a system call.
#[allow(dead_code)]
pub const MKVDSO_CLOCK_PROCESS_CPUTIME_ID: u32 = 2;
/// Always a system call.
#[allow(dead_code)]
pub const MKVDSO_CLOCK_THREAD_CPUTIME_ID: u32 = 3;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MONOTONIC_RAW: u32 = 4;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_REALTIME_COARSE: u32 = 5;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_MONOTONIC_COARSE: u32 = 6;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_BOOTTIME: u32 = 7;
#[allow(dead_code)]
pub const MKVDSO_CLOCK_TAI: u32 = 11;
/// basetime[] covers ids 0..=MKVDSO_CLOCK_TAI.
#[allow(dead_code)]
pub const MKVDSO_BASES: usize = 12;

/// A clock's bit in valid_clocks.
#[allow(dead_code)]
pub const fn mkvdso_clock_bit(id: u32) -> u32 {
    1 << id
}
/// The clocks each block serves, as bits of valid_clocks.
#[allow(dead_code)]
pub const MKVDSO_HRES_CLOCKS: u32 = mkvdso_clock_bit(MKVDSO_CLOCK_REALTIME)
    | mkvdso_clock_bit(MKVDSO_CLOCK_MONOTONIC)
    | mkvdso_clock_bit(MKVDSO_CLOCK_BOOTTIME)
    | mkvdso_clock_bit(MKVDSO_CLOCK_TAI);
#[allow(dead_code)]
pub const MKVDSO_COARSE_CLOCKS: u32 = mkvdso_clock_bit(MKVDSO_CLOCK_REALTIME_COARSE)
    | mkvdso_clock_bit(MKVDSO_CLOCK_MONOTONIC_COARSE);
#[allow(dead_code)]
pub const MKVDSO_RAW_CLOCKS: u32 = mkvdso_clock_bit(MKVDSO_CLOCK_MONOTONIC_RAW);

#[allow(dead_code)]
pub const MKVDSO_NSEC_PER_SEC: u32 = 1_000_000_000;

/// struct vdso_data_timestamp.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub struct VdsoDataTimestamp {
    pub sec: u64,
    /// Counter clocks: ns << shift; coarse clocks: ns.
    pub nsec: u64,
}

/// struct vdso_data_clock: one clock-source block.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub struct VdsoDataClock {
    /// Counter value at which the bases were taken.
    pub cycle_last: u64,
    /// Counter width, e.g. 2^56 - 1.
    pub mask: u64,
    /// ns = (cycles * mult) >> shift.
    pub mult: u32,
    /// 0..=32.
    pub shift: u32,
    /// Indexed by clock id.
    pub basetime: [VdsoDataTimestamp; MKVDSO_BASES],
}

/// struct vdso_data: the start of the page.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub struct VdsoData {
    /// MKVDSO_DATA_VERSION.
    pub version: u32,
    /// Odd while the kernel writes; only ever incremented.
    pub seq: u32,
    /// MKVDSO_CLOCK_MODE_*.
    pub clock_mode: i32,
    /// mkvdso_clock_bit(id) for each base the kernel maintains.
    pub valid_clocks: u32,
    /// gettimeofday's struct timezone.
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
    /// ns: clock_getres of the counter clocks (Linux: 1).
    pub hrtimer_res: u32,
    /// ns: clock_getres of the _COARSE clocks (the tick).
    pub coarse_res: u32,
    pub clock: [VdsoDataClock; MKVDSO_CS_BASES],
    /// MKVDSO_FLAG_*.
    pub flags: u32,
    /// Zero.
    pub reserved: u32,
}

#[allow(dead_code)]
impl VdsoDataTimestamp {
    pub const ZERO: Self = Self { sec: 0, nsec: 0 };
}

#[allow(dead_code)]
impl VdsoDataClock {
    pub const ZERO: Self = Self {
        cycle_last: 0,
        mask: 0,
        mult: 0,
        shift: 0,
        basetime: [VdsoDataTimestamp::ZERO; MKVDSO_BASES],
    };
}

#[allow(dead_code)]
impl VdsoData {
    pub const ZERO: Self = Self {
        version: 0,
        seq: 0,
        clock_mode: 0,
        valid_clocks: 0,
        tz_minuteswest: 0,
        tz_dsttime: 0,
        hrtimer_res: 0,
        coarse_res: 0,
        clock: [VdsoDataClock::ZERO; MKVDSO_CS_BASES],
        flags: 0,
        reserved: 0,
    };
}

/// The whole page every process maps: what VdsoDataWriter::new takes, so
/// that init can clear all of it. A kernel allocates one page-aligned page;
/// this type gives its size and alignment.
#[repr(C, align(4096))]
#[allow(dead_code)]
pub struct VdsoDataPage(pub [u8; MKVDSO_DATA_SIZE]);

const _: () = assert!(core::mem::size_of::<VdsoDataPage>() == MKVDSO_DATA_SIZE);
const _: () = assert!(core::mem::size_of::<VdsoData>() <= MKVDSO_DATA_SIZE);
const _: () = assert!(core::mem::align_of::<VdsoData>() <= core::mem::align_of::<VdsoDataPage>());

/// Why the writer refused a call; it wrote nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub enum VdsoDataError {
    /// set_base: a clock id the page does not hold (CPU-time clocks, ids
    /// 8..=10, ids past MKVDSO_CLOCK_TAI).
    ClockId,
    /// set_base: nsec >= MKVDSO_NSEC_PER_SEC, which the _COARSE clocks would
    /// hand to programs as an invalid tv_nsec.
    Nsec,
    /// set_counter: a block other than MKVDSO_CS_HRES_COARSE or MKVDSO_CS_RAW.
    Block,
    /// set_counter: a shift above 32.
    Shift,
    /// calc_mult_shift: a frequency of 0 or above 10^9 * 2^32 Hz.
    Frequency,
}

/// The kernel-side writer: the only way this crate writes the page. Each
/// method is the C function of the same name (vdso_data_init is init, ...);
/// those the C side leaves to plain field stores (clock_mode, the
/// resolutions, the time zone, flags) are methods here too, so that every
/// store is volatile.
#[allow(dead_code)]
pub struct VdsoDataWriter {
    data: *mut VdsoData,
}

// SAFETY: the writer is the only access path to its page (new's contract)
// and every method that writes takes &mut self, so moving it to another CPU
// moves the one right to write, as a kernel that updates the page from
// whichever CPU holds its timekeeping lock needs. It is not Sync.
unsafe impl Send for VdsoDataWriter {}

// A volatile store into one field of the page, or a load from it.
macro_rules! vdso_data_store {
    ($writer:expr, $value:expr, $($field:tt)+) => {{
        let value = $value;
        let data = $writer.data;
        // SAFETY: new's contract makes data a valid, aligned, writable page
        // that nothing else in this program accesses; addr_of_mut! names the
        // field without making a reference (user space reads the page
        // concurrently, so no &mut may claim it), and the store is volatile
        // because those readers are invisible to the compiler.
        unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!((*data).$($field)+), value) }
    }};
}
macro_rules! vdso_data_load {
    ($writer:expr, $($field:tt)+) => {{
        let data = $writer.data;
        // SAFETY: as for vdso_data_store!; only this writer stores to the
        // page, so the value read is the one it last wrote.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*data).$($field)+)) }
    }};
}

#[allow(dead_code)]
impl VdsoDataWriter {
    /// A writer for the page at `page`.
    ///
    /// # Safety
    ///
    /// `page` must point at a whole MKVDSO_DATA_SIZE-byte page, aligned as
    /// VdsoDataPage, that the kernel can write and that stays valid for as
    /// long as the writer is used; and the writer must be the only thing in
    /// the kernel that accesses it (no other writer, no reference to it),
    /// the kernel's own serialisation of updates that vdso_data.h demands.
    /// User space may map it read-only at any time; nothing is written
    /// until init.
    pub unsafe fn new(page: *mut VdsoDataPage) -> Self {
        Self {
            data: page.cast::<VdsoData>(),
        }
    }

    /// vdso_data_init: every byte of the page zero, then the version. Call
    /// before the page is mapped into any process: on a reused kernel page,
    /// whatever the rest of the page held would be readable by all of them.
    pub fn init(&mut self) {
        let bytes = self.data.cast::<u8>();
        for i in 0..MKVDSO_DATA_SIZE {
            // SAFETY: new's contract: the page is MKVDSO_DATA_SIZE writable
            // bytes; volatile, as every store to it.
            unsafe { core::ptr::write_volatile(bytes.add(i), 0) }
        }
        Self::store_barrier();
        vdso_data_store!(self, MKVDSO_DATA_VERSION, version);
    }

    // seq as an atomic: single-copy atomic for the readers on every target,
    // as C's aligned volatile 32-bit access is.
    fn seq_atomic(&self) -> &core::sync::atomic::AtomicU32 {
        // SAFETY: AtomicU32 has u32's size and alignment, seq is at offset 4
        // of a page-aligned page, and new's contract keeps the page valid
        // while self is borrowed; every access to seq goes through this.
        unsafe {
            let seq = core::ptr::addr_of_mut!((*self.data).seq);
            &*seq.cast::<core::sync::atomic::AtomicU32>()
        }
    }

    /// The sequence count: odd while an update is in progress.
    pub fn seq(&self) -> u32 {
        self.seq_atomic()
            .load(core::sync::atomic::Ordering::Relaxed)
    }

    fn write_seq(&mut self, seq: u32) {
        self.seq_atomic()
            .store(seq, core::sync::atomic::Ordering::Relaxed);
    }

    // vdso_data_store_barrier: every earlier store before every later one
    // (dmb ish on aarch64, only a compiler barrier on x86), as C's
    // __atomic_thread_fence(__ATOMIC_RELEASE).
    fn store_barrier() {
        core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
    }

    /// vdso_data_begin_update: seq becomes odd, then a store-store barrier,
    /// so no reader sees a new field with the old, even seq.
    pub fn begin_update(&mut self) {
        self.write_seq(self.seq().wrapping_add(1));
        Self::store_barrier();
    }

    /// vdso_data_end_update: a store-store barrier, then seq even again, one
    /// more than before begin_update: a reader that sees it sees every field
    /// written in between.
    pub fn end_update(&mut self) {
        Self::store_barrier();
        self.write_seq(self.seq().wrapping_add(1));
    }

    /// clock_mode (MKVDSO_CLOCK_MODE_*). Between begin and end.
    pub fn set_clock_mode(&mut self, mode: i32) {
        vdso_data_store!(self, mode, clock_mode);
    }

    /// hrtimer_res and coarse_res, in ns: what clock_getres returns for the
    /// counter clocks (Linux: 1) and the _COARSE clocks (the tick). Between
    /// begin and end.
    pub fn set_resolution(&mut self, hrtimer_res: u32, coarse_res: u32) {
        vdso_data_store!(self, hrtimer_res, hrtimer_res);
        vdso_data_store!(self, coarse_res, coarse_res);
    }

    /// gettimeofday's struct timezone. Between begin and end.
    pub fn set_timezone(&mut self, minuteswest: i32, dsttime: i32) {
        vdso_data_store!(self, minuteswest, tz_minuteswest);
        vdso_data_store!(self, dsttime, tz_dsttime);
    }

    /// flags (MKVDSO_FLAG_*). Between begin and end.
    pub fn set_flags(&mut self, flags: u32) {
        vdso_data_store!(self, flags, flags);
    }

    /// valid_clocks as a whole, e.g. 0 to stop serving every clock before
    /// setting the bases again. Between begin and end.
    pub fn set_valid_clocks(&mut self, bits: u32) {
        vdso_data_store!(self, bits, valid_clocks);
    }

    /// vdso_data_set_counter: one block's counter value the bases belong to,
    /// its mask, and the conversion to ns. Between begin and end, before
    /// set_base for that block's clocks (which uses shift).
    pub fn set_counter(
        &mut self,
        cs: usize,
        cycle_last: u64,
        mask: u64,
        mult: u32,
        shift: u32,
    ) -> Result<(), VdsoDataError> {
        if cs >= MKVDSO_CS_BASES {
            return Err(VdsoDataError::Block);
        }
        if shift > 32 {
            return Err(VdsoDataError::Shift);
        }
        vdso_data_store!(self, cycle_last, clock[cs].cycle_last);
        vdso_data_store!(self, mask, clock[cs].mask);
        vdso_data_store!(self, mult, clock[cs].mult);
        vdso_data_store!(self, shift, clock[cs].shift);
        Ok(())
    }

    /// vdso_data_set_base: the base time of one clock (sec, nsec below
    /// MKVDSO_NSEC_PER_SEC, at its block's cycle_last), shifted for the
    /// counter clocks and plain ns for the _COARSE ones, and marks the clock
    /// as served from the page. Between begin and end. Every clock the page
    /// holds goes through this one function, MKVDSO_CLOCK_TAI included.
    pub fn set_base(&mut self, clock_id: u32, sec: u64, nsec: u32) -> Result<(), VdsoDataError> {
        let served = MKVDSO_HRES_CLOCKS | MKVDSO_COARSE_CLOCKS | MKVDSO_RAW_CLOCKS;
        if clock_id as usize >= MKVDSO_BASES || mkvdso_clock_bit(clock_id) & served == 0 {
            return Err(VdsoDataError::ClockId);
        }
        if nsec >= MKVDSO_NSEC_PER_SEC {
            return Err(VdsoDataError::Nsec);
        }
        let cs = if clock_id == MKVDSO_CLOCK_MONOTONIC_RAW {
            MKVDSO_CS_RAW
        } else {
            MKVDSO_CS_HRES_COARSE
        };
        let id = clock_id as usize;
        let stored = if mkvdso_clock_bit(clock_id) & MKVDSO_COARSE_CLOCKS != 0 {
            u64::from(nsec)
        } else {
            // set_counter keeps shift at 32 or less; a page that init zeroed
            // has 0.
            let shift: u32 = vdso_data_load!(self, clock[cs].shift);
            u64::from(nsec) << (shift & 63)
        };
        vdso_data_store!(self, sec, clock[cs].basetime[id].sec);
        vdso_data_store!(self, stored, clock[cs].basetime[id].nsec);
        let valid: u32 = vdso_data_load!(self, valid_clocks);
        vdso_data_store!(self, valid | mkvdso_clock_bit(clock_id), valid_clocks);
        Ok(())
    }
}

/// vdso_data_calc_mult_shift: (mult, shift) for a counter of freq_hz
/// (aarch64: CNTFRQ_EL0): the largest shift up to 32 whose mult,
/// round(2^shift * 10^9 / freq_hz), fits in 32 bits.
#[allow(dead_code)]
pub fn vdso_data_calc_mult_shift(freq_hz: u64) -> Result<(u32, u32), VdsoDataError> {
    if freq_hz == 0 || freq_hz > u64::from(MKVDSO_NSEC_PER_SEC) << 32 {
        return Err(VdsoDataError::Frequency);
    }
    let mut shift: u32 = 32;
    loop {
        let mult = ((u64::from(MKVDSO_NSEC_PER_SEC) << shift) + freq_hz / 2) / freq_hz;
        if mult != 0 && mult <= u64::from(u32::MAX) {
            return Ok((mult as u32, shift));
        }
        if shift == 0 {
            return Err(VdsoDataError::Frequency);
        }
        shift -= 1;
    }
}

// The layout check the appended pins use: (offset, size) of the field a
// zeroed value has set to all ones. Evaluated only by the compiler.
#[allow(unused_macros)]
macro_rules! vdso_data_field_layout {
    ($type:ident, $($field:tt)+) => {{
        let mut value = $type::ZERO;
        value.$($field)+ = !0;
        // SAFETY: compile-time only. The types have no padding (the pinned
        // sizes are the sums of their fields'), so every byte is
        // initialised; the compiler's evaluator rejects anything else.
        let bytes = unsafe {
            core::mem::transmute::<$type, [u8; core::mem::size_of::<$type>()]>(value)
        };
        vdso_data_marked_bytes(&bytes)
    }};
}

#[allow(dead_code)]
const fn vdso_data_marked_bytes(bytes: &[u8]) -> (usize, usize) {
    let mut i = 0;
    while i < bytes.len() && bytes[i] == 0 {
        i += 1;
    }
    let start = i;
    while i < bytes.len() && bytes[i] == 0xff {
        i += 1;
    }
    let end = i;
    while i < bytes.len() && bytes[i] == 0 {
        i += 1;
    }
    // A field set to all ones must be one run of 0xff: anything else is not
    // an integer field (and fails every pin).
    if i != bytes.len() {
        return (usize::MAX, 0);
    }
    (start, end - start)
}
