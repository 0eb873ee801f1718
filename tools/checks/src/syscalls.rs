//! Parsing the kernel's system-call table, its documentation and the
//! README's count.

/// One line of the table in `crates/kernel/src/syscall/mod.rs`:
/// `NR name => module::handler,`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEntry {
    pub nr: u32,
    pub name: String,
    pub module: String,
    pub handler: String,
}

/// Every entry of the `syscall_table!` invocation in `src`.
pub fn table_entries(src: &str) -> Vec<TableEntry> {
    let Some(start) = src.find("syscall_table! {") else {
        return Vec::new();
    };
    let body = &src[start..];
    let end = body.find("\n}").unwrap_or(body.len());
    body[..end]
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_suffix(',')?;
            let (left, path) = l.split_once("=>")?;
            let mut words = left.split_whitespace();
            let nr = words.next()?.parse().ok()?;
            let name = words.next()?.to_string();
            let (module, handler) = path.trim().rsplit_once("::")?;
            Some(TableEntry {
                nr,
                name,
                module: module.to_string(),
                handler: handler.to_string(),
            })
        })
        .collect()
}

/// One row of the table in `docs/syscalls.md`: `| nr | name | status | reason |`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocRow {
    pub nr: u32,
    pub name: String,
    pub status: String,
    pub reason: String,
}

/// Every row whose first cell is a number.
pub fn doc_rows(md: &str) -> Vec<DocRow> {
    md.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .map(str::trim)
                .collect();
            if cells.len() != 4 {
                return None;
            }
            Some(DocRow {
                nr: cells[0].parse().ok()?,
                name: cells[1].trim_matches('`').to_string(),
                status: cells[2].to_string(),
                reason: cells[3].to_string(),
            })
        })
        .collect()
}

/// The number in the README's sentence "N Linux system calls exist".
pub fn readme_count(readme: &str) -> Option<usize> {
    let words: Vec<&str> = readme.split_whitespace().collect();
    words
        .windows(4)
        .find(|w| w[1] == "Linux" && w[2] == "system" && w[3].starts_with("calls"))
        .and_then(|w| w[0].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_table() {
        let src = "syscall_table! {\n    0 read => files::read,\n    34 pause => signal::pause,\n}\nother";
        let e = table_entries(src);
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[1],
            TableEntry {
                nr: 34,
                name: "pause".into(),
                module: "signal".into(),
                handler: "pause".into()
            }
        );
    }

    #[test]
    fn parses_doc_rows_and_the_count() {
        let md = "| nr | call | status | reason |\n|---|---|---|---|\n| 0 | `read` | implemented | reads |\n";
        assert_eq!(
            doc_rows(md),
            vec![DocRow {
                nr: 0,
                name: "read".into(),
                status: "implemented".into(),
                reason: "reads".into()
            }]
        );
        assert_eq!(readme_count("until then. 91 Linux system calls exist; an"), Some(91));
        assert_eq!(readme_count("no number here"), None);
    }
}
