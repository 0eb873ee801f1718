//! The QEMU monitor (HMP) over a Unix socket: key presses for the PS/2
//! keyboard, and reads of the VGA text screen.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A connection to QEMU's human monitor.
pub struct Monitor {
    stream: UnixStream,
}

impl Monitor {
    /// Connects, waiting up to `timeout` for QEMU to create the socket.
    pub fn connect(path: &Path, timeout: Duration) -> std::io::Result<Monitor> {
        let deadline = Instant::now() + timeout;
        loop {
            match UnixStream::connect(path) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
                    let mut m = Monitor { stream };
                    m.read_until_prompt();
                    return Ok(m);
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn read_until_prompt(&mut self) -> String {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.ends_with(b"(qemu) ") {
                        break;
                    }
                }
                Err(_) => {}
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Runs a monitor command and returns what it printed.
    pub fn command(&mut self, cmd: &str) -> std::io::Result<String> {
        self.stream.write_all(cmd.as_bytes())?;
        self.stream.write_all(b"\n")?;
        Ok(self.read_until_prompt())
    }

    /// Types `text` on the PS/2 keyboard ("\n" is Enter).
    pub fn type_text(&mut self, text: &str) -> std::io::Result<()> {
        for ch in text.chars() {
            let Some(key) = key_name(ch) else { continue };
            self.command(&format!("sendkey {key}"))?;
            std::thread::sleep(Duration::from_millis(15));
        }
        Ok(())
    }

    /// The 80x25 VGA text screen, as 25 lines.
    pub fn screen(&mut self) -> std::io::Result<Vec<String>> {
        let out = self.command("xp /2000hx 0xb8000")?;
        let mut cells = Vec::with_capacity(2000);
        for line in out.lines() {
            let Some((_, words)) = line.split_once(": ") else {
                continue;
            };
            for w in words.split_whitespace() {
                if let Some(hex) = w.strip_prefix("0x")
                    && let Ok(v) = u16::from_str_radix(hex, 16)
                {
                    let c = (v & 0xff) as u8;
                    cells.push(if (0x20..0x7f).contains(&c) { c as char } else { ' ' });
                }
            }
        }
        Ok(cells
            .chunks(80)
            .map(|row| row.iter().collect::<String>().trim_end().to_string())
            .collect())
    }
}

/// QEMU's name for the key that types `ch` (US layout).
pub fn key_name(ch: char) -> Option<String> {
    let plain = |k: &str| Some(k.to_string());
    let shifted = |k: &str| Some(format!("shift-{k}"));
    match ch {
        'a'..='z' | '0'..='9' => plain(&ch.to_string()),
        'A'..='Z' => shifted(&ch.to_ascii_lowercase().to_string()),
        ' ' => plain("spc"),
        '\n' => plain("ret"),
        '-' => plain("minus"),
        '=' => plain("equal"),
        '.' => plain("dot"),
        ',' => plain("comma"),
        '/' => plain("slash"),
        ';' => plain("semicolon"),
        '\'' => plain("apostrophe"),
        '_' => shifted("minus"),
        '+' => shifted("equal"),
        '*' => shifted("8"),
        '(' => shifted("9"),
        ')' => shifted("0"),
        '$' => shifted("4"),
        '"' => shifted("apostrophe"),
        ':' => shifted("semicolon"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::key_name;

    #[test]
    fn key_names() {
        assert_eq!(key_name('a').as_deref(), Some("a"));
        assert_eq!(key_name('Q').as_deref(), Some("shift-q"));
        assert_eq!(key_name(' ').as_deref(), Some("spc"));
        assert_eq!(key_name('\n').as_deref(), Some("ret"));
        assert_eq!(key_name('(').as_deref(), Some("shift-9"));
        assert_eq!(key_name('~'), None);
    }
}
