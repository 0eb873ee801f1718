//! mkinitramfs: builds an initramfs image (cpio newc, optionally gzip) from host files.

mod args;
mod gzip;
mod image;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mkinitramfs: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line, gathers every item, and writes the output file.
fn run(argv: &[String]) -> Result<(), String> {
    let options = match args::parse(argv)? {
        args::Command::Help => {
            print!("{}", args::USAGE);
            return Ok(());
        }
        args::Command::Build(options) => options,
    };
    let mut image = image::Image::new();
    for item in &options.items {
        image.add_item(item)?;
    }
    let archive = image.to_cpio();
    let bytes = if options.gzip {
        gzip::compress(&archive)
    } else {
        archive
    };
    std::fs::write(&options.out, bytes).map_err(|e| format!("cannot write {}: {e}", options.out.display()))
}
