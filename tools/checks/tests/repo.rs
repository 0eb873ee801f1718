//! The checks, run over this repository.

use marten_checks::{doc_rows, linux_constants, readme_count, table_entries};
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_system_call_is_handled_by_its_own_function() {
    let table = table_entries(&read("crates/kernel/src/syscall/mod.rs"));
    assert!(table.len() > 50, "the table was not found");
    let aliases: Vec<String> = table
        .iter()
        .filter(|e| e.handler != e.name)
        .map(|e| format!("{} {} => {}::{}", e.nr, e.name, e.module, e.handler))
        .collect();
    assert!(
        aliases.is_empty(),
        "entries handled by a function of another name (an alias?): {aliases:?}"
    );
}

#[test]
fn every_system_call_has_a_written_reason() {
    let table = table_entries(&read("crates/kernel/src/syscall/mod.rs"));
    let docs = doc_rows(&read("docs/syscalls.md"));
    let in_table: Vec<(u32, &str)> = table.iter().map(|e| (e.nr, e.name.as_str())).collect();
    let in_docs: Vec<(u32, &str)> = docs.iter().map(|d| (d.nr, d.name.as_str())).collect();
    let missing: Vec<_> = in_table.iter().filter(|e| !in_docs.contains(e)).collect();
    let stale: Vec<_> = in_docs.iter().filter(|d| !in_table.contains(d)).collect();
    assert!(
        missing.is_empty(),
        "in the table but not in docs/syscalls.md: {missing:?}"
    );
    assert!(stale.is_empty(), "in docs/syscalls.md but not in the table: {stale:?}");
    for d in &docs {
        assert!(
            d.status == "implemented" || d.status == "partial",
            "{} {}: status must be 'implemented' or 'partial', not {:?}",
            d.nr,
            d.name,
            d.status
        );
        assert!(
            d.reason.len() >= 10,
            "{} {}: the reason is missing or too short",
            d.nr,
            d.name
        );
    }
}

#[test]
fn the_readme_counts_the_table() {
    let table = table_entries(&read("crates/kernel/src/syscall/mod.rs"));
    let n = readme_count(&read("README.md")).expect("README.md: no 'N Linux system calls' sentence");
    assert_eq!(
        n,
        table.len(),
        "README.md says {n} Linux system calls, the table has {}",
        table.len()
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn linux_constants_live_in_abi() {
    let mut files = Vec::new();
    for dir in [
        "crates/kernel/src",
        "crates/cred/src",
        "crates/signal/src",
        "crates/vm/src",
        "crates/elf/src",
        "crates/path/src",
        "crates/poll/src",
        "crates/ldisc/src",
        "crates/ext2/src",
    ] {
        rust_files(&repo().join(dir), &mut files);
    }
    let mut found = Vec::new();
    for f in files {
        let src = fs::read_to_string(&f).expect("source file");
        for c in linux_constants(&src) {
            found.push(format!(
                "{}:{}: {}",
                f.strip_prefix(repo()).unwrap_or(&f).display(),
                c.line,
                c.name
            ));
        }
    }
    assert!(
        found.is_empty(),
        "Linux constants outside crates/abi (move them there):\n{}",
        found.join("\n")
    );
}
