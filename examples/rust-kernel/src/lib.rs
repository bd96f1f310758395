// A Rust kernel's vDSO, from boot to exec, with the modules mkvdso build
// wrote into OUT_DIR (build.rs). Only the mapping is left to the kernel.
#![no_std]

mod vdso {
    include!(concat!(env!("OUT_DIR"), "/vdso.rs"));
}
mod vdso_auxv {
    include!(concat!(env!("OUT_DIR"), "/vdso_auxv.rs"));
}
mod vdso_data {
    include!(concat!(env!("OUT_DIR"), "/vdso_data.rs"));
}

use vdso_data::*;

/// A time as the kernel's timekeeping holds it.
pub struct Time {
    pub sec: u64,
    pub nsec: u32, // below 10^9
}

/// What the kernel knows at a tick: the counter (CNTVCT_EL0) and its clocks.
pub struct Tick {
    pub cycles: u64,
    pub realtime: Time,
    pub monotonic: Time,
    pub boottime: Time,
    pub tai: Time,
    pub raw: Time,
}

pub struct Vdso {
    data: VdsoDataWriter,
    mult: u32,
    shift: u32,
}

impl Vdso {
    /// At boot, before any process maps the page.
    ///
    /// # Safety
    /// `page` is one page-aligned kernel page that only this Vdso writes.
    pub unsafe fn boot(
        page: *mut VdsoDataPage,
        cntfrq: u64,
        tick_ns: u32,
    ) -> Result<Vdso, VdsoDataError> {
        let (mult, shift) = vdso_data_calc_mult_shift(cntfrq)?;
        let mut data = VdsoDataWriter::new(page);
        data.init(); // the whole page: no old kernel data left for processes to read
        data.begin_update();
        data.set_resolution(1, tick_ns);
        data.end_update();
        Ok(Vdso { data, mult, shift })
    }

    /// On each tick (the kernel serialises these: &mut self).
    pub fn tick(&mut self, t: &Tick) -> Result<(), VdsoDataError> {
        let (d, mult, shift) = (&mut self.data, self.mult, self.shift);
        let mask = (1u64 << 56) - 1; // the architected minimum width of CNTVCT_EL0
        d.begin_update();
        d.set_clock_mode(MKVDSO_CLOCK_MODE_CNTVCT);
        let mut result = d.set_counter(MKVDSO_CS_HRES_COARSE, t.cycles, mask, mult, shift);
        result = result.and(d.set_counter(MKVDSO_CS_RAW, t.cycles, mask, mult, shift));
        for (clock, time) in [
            (MKVDSO_CLOCK_REALTIME, &t.realtime),
            (MKVDSO_CLOCK_MONOTONIC, &t.monotonic),
            (MKVDSO_CLOCK_BOOTTIME, &t.boottime),
            (MKVDSO_CLOCK_TAI, &t.tai),
            (MKVDSO_CLOCK_REALTIME_COARSE, &t.realtime),
            (MKVDSO_CLOCK_MONOTONIC_COARSE, &t.monotonic),
            (MKVDSO_CLOCK_MONOTONIC_RAW, &t.raw),
        ] {
            result = result.and(d.set_base(clock, time.sec, time.nsec));
        }
        d.end_update(); // even when a value was refused: seq must end even
        result
    }

    /// The image, whole pages: map it read+execute at vdso::VDSO_BASE in
    /// every new process, and the data page read-only at VDSO_DATA_ADDRESS.
    pub fn image() -> &'static [u8] {
        vdso::VDSO_IMAGE.padded()
    }

    /// At exec, once both are mapped: AT_SYSINFO_EHDR in the new auxv.
    pub fn exec(auxv: &mut [u64]) -> Result<usize, vdso_auxv::AuxvError> {
        const _: () =
            assert!(vdso::VDSO_DATA_ADDRESS + vdso::VDSO_DATA_SIZE as u64 == vdso::VDSO_BASE);
        vdso_auxv::set_sysinfo_ehdr64(auxv, vdso::VDSO_BASE)
    }

    /// Signal delivery: a handler returns to __kernel_rt_sigreturn.
    pub const SIGNAL_RETURN: u64 = vdso::VDSO_SIGTRAMP_ADDRESS;
}
