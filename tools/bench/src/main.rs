//! `mbench-run`: benchmarks Marten against Linux on the same QEMU.
//!
//! Boots both kernels alternately with the bench initramfs, collects the
//! `BENCH` lines that `/bin/mbench` prints, in a deterministic `-icount`
//! pass (the headline) and a real-time pass that also times boots to a
//! shell prompt; then prints the tables and writes
//! `bench/results/<date>.{json,md,svg}`. Every figure that cannot be
//! measured is reported as n/a with its reason.

mod args;
mod date;
mod disk;
mod figures;
mod files;
mod format;
mod guest;
mod host;
mod info;
mod json;
mod line_chart;
mod linux;
mod mode;
mod parse;
mod ratio_chart;
mod report;
mod scaling;
mod stats;
mod suite;
mod svg;
mod table;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let o = match args::parse(&argv) {
        Ok(args::Parsed::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(args::Parsed::FetchLinux(cache)) => {
            return match linux::kernel(&cache) {
                Ok(k) => {
                    println!("{}", k.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("mbench-run: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Ok(args::Parsed::Run(o)) => o,
        Err(e) => {
            eprintln!("mbench-run: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !o.initrd.is_file() {
        eprintln!(
            "mbench-run: no initramfs at {} (bench/build.sh builds it)",
            o.initrd.display()
        );
        return ExitCode::FAILURE;
    }
    let report = suite::run(&o);
    println!();
    print!("{}", table::text(&report));
    if !o.save {
        return ExitCode::SUCCESS;
    }
    let stem = files::free_stem(&o.results, &report.date);
    match files::write_all(
        &o.results,
        &stem,
        &json::render(&report),
        &table::markdown(&report, &format!("{stem}.svg")),
        &svg::render(&report),
    ) {
        Ok(paths) => {
            println!();
            for p in paths {
                println!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mbench-run: {e}");
            ExitCode::FAILURE
        }
    }
}
