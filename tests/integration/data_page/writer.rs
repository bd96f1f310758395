// The Rust writer of vdso_data.rs driven by the script writer.c reads: the
// same commands, the same output lines, the same page file (see writer.c).
mod vdso_data;

use std::io::BufRead;
use vdso_data::*;

fn number<T: std::str::FromStr>(words: &[&str], i: usize, line: &str) -> T {
    match words.get(i).and_then(|w| w.parse().ok()) {
        Some(n) => n,
        None => {
            eprintln!("writer.rs: bad argument {}: {}", i, line);
            std::process::exit(2)
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: writer PAGE_FILE <SCRIPT");
        std::process::exit(2)
    });
    let mut page = Box::new(VdsoDataPage([0; MKVDSO_DATA_SIZE]));
    for (i, byte) in page.0.iter_mut().enumerate() {
        *byte = (i * 131 + 7) as u8;
    }
    {
        // SAFETY: a whole, aligned page that only this writer touches until
        // it is dropped at the end of this block.
        let mut w = unsafe { VdsoDataWriter::new(&mut *page) };
        let (mut mult, mut shift) = (0u32, 0u32);
        for line in std::io::stdin().lock().lines() {
            let line = line.expect("stdin");
            let words: Vec<&str> = line.split_whitespace().collect();
            let n = |i| number::<i64>(&words, i, &line);
            let u = |i| number::<u64>(&words, i, &line);
            let said = |ok: bool, what: &str| {
                if ok {
                    what.to_string()
                } else {
                    format!("{} refused", what)
                }
            };
            let out = match words.first().copied() {
                None => continue,
                Some(w) if w.starts_with('#') => continue,
                Some("init") => {
                    w.init();
                    "init".to_string()
                }
                Some("begin") => {
                    w.begin_update();
                    "begin".to_string()
                }
                Some("end") => {
                    w.end_update();
                    "end".to_string()
                }
                Some("seq") => format!("seq {}", w.seq()),
                Some("mode") => {
                    w.set_clock_mode(n(1) as i32);
                    "mode".to_string()
                }
                Some("res") => {
                    w.set_resolution(u(1) as u32, u(2) as u32);
                    "res".to_string()
                }
                Some("tz") => {
                    w.set_timezone(n(1) as i32, n(2) as i32);
                    "tz".to_string()
                }
                Some("flags") => {
                    w.set_flags(u(1) as u32);
                    "flags".to_string()
                }
                Some("valid") => {
                    w.set_valid_clocks(u(1) as u32);
                    "valid".to_string()
                }
                Some("freq") => match vdso_data_calc_mult_shift(u(1)) {
                    Ok((m, s)) => {
                        mult = m;
                        shift = s;
                        format!("freq {} {}", m, s)
                    }
                    Err(_) => "freq refused".to_string(),
                },
                Some("counter") => {
                    let m = if words.get(4) == Some(&"=") {
                        mult
                    } else {
                        u(4) as u32
                    };
                    let s = if words.get(5) == Some(&"=") {
                        shift
                    } else {
                        u(5) as u32
                    };
                    said(
                        w.set_counter(u(1) as usize, u(2), u(3), m, s).is_ok(),
                        "counter",
                    )
                }
                Some("base") => said(w.set_base(u(1) as u32, u(2), u(3) as u32).is_ok(), "base"),
                Some(_) => {
                    eprintln!("writer.rs: unknown command: {}", line);
                    std::process::exit(2)
                }
            };
            println!("{}", out);
        }
    }
    std::fs::write(&path, &page.0[..]).unwrap_or_else(|e| {
        eprintln!("{}: {}", path, e);
        std::process::exit(2)
    });
}
