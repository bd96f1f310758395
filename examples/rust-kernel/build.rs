// Runs `mkvdso build` into OUT_DIR: the built-in aarch64 vDSO placed at
// 0x400000000, as Rust (vdso.rs), with vdso_auxv.rs and vdso_data.rs beside
// it. mkvdso is $MKVDSO if set, otherwise the first one on PATH; without
// one, or when it fails, the build stops with its message.
use std::env;
use std::path::PathBuf;
use std::process::{exit, Command};

const BASE: &str = "0x400000000";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let (mkvdso, from) = match env::var_os("MKVDSO") {
        Some(path) => (PathBuf::from(path), "$MKVDSO"),
        None => (PathBuf::from("mkvdso"), "PATH"),
    };
    println!("cargo:rerun-if-env-changed=MKVDSO");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let depfile = out.join("vdso.d");
    let status = Command::new(&mkvdso)
        .args([
            "build",
            &format!("--base={}", BASE),
            "--format=rust",
            "-n",
            "vdso",
            "-o",
        ])
        .arg(&out)
        .arg(format!("--depfile={}", depfile.display()))
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!(
                "error: {} (from {}) failed: {}",
                mkvdso.display(),
                from,
                status
            );
            exit(1);
        }
        Err(error) => {
            eprintln!(
                "error: cannot run {} (from {}): {}; install mkvdso or set MKVDSO=/path/to/mkvdso",
                mkvdso.display(),
                from,
                error
            );
            exit(1);
        }
    }
    // Rebuild when a vDSO source, vdso_data.h or the linker script changes.
    let deps = std::fs::read_to_string(&depfile).unwrap_or_else(|error| {
        eprintln!("error: {}: {}", depfile.display(), error);
        exit(1)
    });
    if let Some((_, inputs)) = deps.split_once(':') {
        for input in inputs.split_whitespace().filter(|word| *word != "\\") {
            println!("cargo:rerun-if-changed={}", input);
        }
    }
}
