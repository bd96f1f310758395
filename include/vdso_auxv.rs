// vdso_auxv.rs: set AT_SYSINFO_EHDR in a new process's auxiliary vector.
// Shipped by mkvdso build beside the generated image; do not edit a copy.
// The Rust twin of vdso_auxv.h, for #![no_std] kernels: use it as
// `mod vdso_auxv;` or through include! (no inner attributes; every item
// allows dead_code, so a crate built with -D warnings may use any part).
//
// A kernel building a process's initial stack lays out the auxiliary vector
// as pairs of words (type, value) ending with an AT_NULL entry. libc finds
// the vDSO through the AT_SYSINFO_EHDR (33) entry, whose value is the user
// address of the image's ELF header (the generated NAME_BASE).
//
// The vector is a slice of words: u64 for 64-bit processes, u32 for 32-bit
// ones. Its capacity is `auxv.len() / 2` entries, AT_NULL included; entries
// after the first AT_NULL are free room. On success the functions return
// the number of entries in use afterwards, AT_NULL included; on error they
// return an `AuxvError` and have written nothing. Every entry of the type is
// updated (glibc and musl both take the last one they see); a new entry goes
// where AT_NULL was and AT_NULL moves one entry on, so it stays last. The
// new AT_NULL is written before the old one is overwritten.

/// The end of the auxiliary vector.
#[allow(dead_code)]
pub const AT_NULL: u64 = 0;
/// The user address of the vDSO's ELF header.
#[allow(dead_code)]
pub const AT_SYSINFO_EHDR: u64 = 33;

/// Why an auxiliary vector was left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum AuxvError {
    /// No free entry after AT_NULL: the capacity is too small.
    Full,
    /// No AT_NULL within the capacity: not a vector, or the slice is wrong.
    Unterminated,
    /// AT_SYSINFO_EHDR with value 0: musl and Go read 0 as "no vDSO" and
    /// would silently make every clock call a system call.
    ZeroValue,
    /// The type is AT_NULL, which marks the end and cannot be set.
    BadType,
    /// `find`: no entry of the type before AT_NULL.
    NotFound,
}

/// An auxiliary vector word: u64 or u32.
#[allow(dead_code)]
pub trait AuxvWord: Copy + Eq + From<u8> {}
impl AuxvWord for u64 {}
impl AuxvWord for u32 {}

#[allow(dead_code)]
fn end<W: AuxvWord>(auxv: &[W]) -> Result<usize, AuxvError> {
    let null = W::from(0);
    auxv.chunks_exact(2)
        .position(|entry| entry[0] == null)
        .ok_or(AuxvError::Unterminated)
}

/// The index of the first entry of `kind` before AT_NULL.
#[allow(dead_code)]
pub fn find<W: AuxvWord>(auxv: &[W], kind: W) -> Result<usize, AuxvError> {
    if kind == W::from(0) {
        return Err(AuxvError::BadType);
    }
    let end = end(auxv)?;
    auxv.chunks_exact(2)
        .take(end)
        .position(|entry| entry[0] == kind)
        .ok_or(AuxvError::NotFound)
}

/// Sets every entry of `kind` to `value`, or inserts one before AT_NULL.
/// Returns the entries in use, AT_NULL included.
#[allow(dead_code)]
pub fn set<W: AuxvWord>(auxv: &mut [W], kind: W, value: W) -> Result<usize, AuxvError> {
    let zero = W::from(0);
    if kind == zero {
        return Err(AuxvError::BadType);
    }
    let end = end(auxv)?;
    let mut found = false;
    for entry in auxv.chunks_exact_mut(2).take(end) {
        if entry[0] == kind {
            entry[1] = value;
            found = true;
        }
    }
    if found {
        return Ok(end + 1);
    }
    if end + 1 >= auxv.len() / 2 {
        return Err(AuxvError::Full);
    }
    auxv[2 * end + 2] = zero;
    auxv[2 * end + 3] = zero;
    auxv[2 * end + 1] = value;
    auxv[2 * end] = kind;
    Ok(end + 2)
}

/// Points AT_SYSINFO_EHDR at the vDSO mapped at `address` (NAME_BASE) in a
/// vector of 64-bit words.
#[allow(dead_code)]
pub fn set_sysinfo_ehdr64(auxv: &mut [u64], address: u64) -> Result<usize, AuxvError> {
    if address == 0 {
        return Err(AuxvError::ZeroValue);
    }
    set(auxv, AT_SYSINFO_EHDR, address)
}

/// Points AT_SYSINFO_EHDR at the vDSO mapped at `address` in a vector of
/// 32-bit words.
#[allow(dead_code)]
pub fn set_sysinfo_ehdr32(auxv: &mut [u32], address: u32) -> Result<usize, AuxvError> {
    if address == 0 {
        return Err(AuxvError::ZeroValue);
    }
    set(auxv, AT_SYSINFO_EHDR as u32, address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_before_at_null() {
        let mut v = [6u64, 4096, 0, 0, 7, 7];
        assert_eq!(set_sysinfo_ehdr64(&mut v, 0x4000_0000), Ok(3));
        assert_eq!(v, [6, 4096, 33, 0x4000_0000, 0, 0]);
    }

    #[test]
    fn replaces_every_entry() {
        let mut v = [33u32, 1, 6, 4096, 33, 2, 0, 0];
        assert_eq!(set_sysinfo_ehdr32(&mut v, 0x1000), Ok(4));
        assert_eq!(v, [33, 0x1000, 6, 4096, 33, 0x1000, 0, 0]);
    }

    #[test]
    fn errors_write_nothing() {
        let mut full = [6u64, 4096, 0, 0];
        assert_eq!(set_sysinfo_ehdr64(&mut full, 0x1000), Err(AuxvError::Full));
        assert_eq!(full, [6, 4096, 0, 0]);
        let mut open = [6u32, 4096, 7, 7];
        assert_eq!(set_sysinfo_ehdr32(&mut open, 0x1000), Err(AuxvError::Unterminated));
        assert_eq!(open, [6, 4096, 7, 7]);
        let mut v = [0u64, 0, 0, 0];
        assert_eq!(set_sysinfo_ehdr64(&mut v, 0), Err(AuxvError::ZeroValue));
        assert_eq!(set(&mut v, 0, 5), Err(AuxvError::BadType));
        assert_eq!(v, [0, 0, 0, 0]);
        let mut odd = [0u64];
        assert_eq!(set_sysinfo_ehdr64(&mut odd, 1), Err(AuxvError::Unterminated));
    }

    #[test]
    fn finds_entries() {
        let v = [6u64, 4096, 33, 0x1000, 0, 0];
        assert_eq!(find(&v, 33), Ok(1));
        assert_eq!(find(&v, 25), Err(AuxvError::NotFound));
    }
}
