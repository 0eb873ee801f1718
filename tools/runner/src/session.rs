//! A running QEMU whose serial console we read and write.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Output seen so far and whether the stream has ended.
struct Output {
    bytes: Vec<u8>,
    closed: bool,
}

/// A QEMU child with its serial console on pipes.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<(Mutex<Output>, Condvar)>,
    /// Everything before this offset has been matched already.
    cursor: usize,
    pub started: Instant,
}

impl Session {
    /// Starts `cmd`; its console output is echoed to our stdout when `echo`.
    pub fn spawn(mut cmd: Command, echo: bool) -> std::io::Result<Session> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("piped stdout");
        let out = Arc::new((
            Mutex::new(Output {
                bytes: Vec::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        let out2 = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (m, cv) = &*out2;
                let mut o = m.lock().expect("output lock");
                if n == 0 {
                    o.closed = true;
                    cv.notify_all();
                    return;
                }
                o.bytes.extend_from_slice(&buf[..n]);
                if echo {
                    let mut so = std::io::stdout().lock();
                    let _ = so.write_all(&buf[..n]);
                    let _ = so.flush();
                }
                cv.notify_all();
            }
        });
        Ok(Session {
            child,
            stdin,
            out,
            cursor: 0,
            started,
        })
    }

    /// Waits until `text` appears after the cursor; moves the cursor past it.
    /// Returns the time from QEMU start when it appeared.
    pub fn expect(&mut self, text: &str, timeout: Duration) -> Result<Duration, String> {
        self.expect_any(&[text], timeout).map(|(_, t)| t)
    }

    /// Waits until one of `texts` appears after the cursor; moves the
    /// cursor past the one that appears first. Returns its index and the
    /// time from QEMU start when it appeared.
    pub fn expect_any(&mut self, texts: &[&str], timeout: Duration) -> Result<(usize, Duration), String> {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &*self.out;
        let mut o = m.lock().expect("output lock");
        loop {
            if let Some((i, end)) = first_match(&o.bytes[self.cursor.min(o.bytes.len())..], texts) {
                self.cursor += end;
                return Ok((i, self.started.elapsed()));
            }
            if o.closed {
                return Err(format!("console closed before {} appeared", describe(texts)));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("timed out after {:?} waiting for {}", timeout, describe(texts)));
            }
            o = cv.wait_timeout(o, deadline - now).expect("output lock").0;
        }
    }

    /// Output after the cursor (what has not been matched yet).
    pub fn pending(&self) -> String {
        let (m, _) = &*self.out;
        let o = m.lock().expect("output lock");
        String::from_utf8_lossy(&o.bytes[self.cursor.min(o.bytes.len())..]).into_owned()
    }

    /// How many bytes of output there are so far.
    pub fn output_len(&self) -> usize {
        let (m, _) = &*self.out;
        m.lock().expect("output lock").bytes.len()
    }

    /// Whether the console output has ended (QEMU closed its end).
    pub fn closed(&self) -> bool {
        let (m, _) = &*self.out;
        m.lock().expect("output lock").closed
    }

    /// All output so far.
    pub fn all_output(&self) -> String {
        let (m, _) = &*self.out;
        let o = m.lock().expect("output lock");
        String::from_utf8_lossy(&o.bytes).into_owned()
    }

    /// Types bytes into the console, a few at a time so the guest's UART
    /// FIFO (16 bytes) keeps up.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin closed"))?;
        for chunk in bytes.chunks(8) {
            stdin.write_all(chunk)?;
            stdin.flush()?;
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    /// Waits for QEMU to exit.
    pub fn wait(&mut self, timeout: Duration) -> Result<(ExitStatus, Duration), String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(st)) => {
                    // Let the reader drain the pipe.
                    let (m, cv) = &*self.out;
                    let mut o = m.lock().expect("output lock");
                    let drain_until = Instant::now() + Duration::from_secs(2);
                    while !o.closed && Instant::now() < drain_until {
                        o = cv.wait_timeout(o, Duration::from_millis(50)).expect("output lock").0;
                    }
                    return Ok((st, self.started.elapsed()));
                }
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!("QEMU still running after {timeout:?}; killed"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops QEMU if it is still running.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The text of `needles` that ends first in `hay` (the earliest start, on a
/// tie the first listed): its index and the offset just past it.
fn first_match(hay: &[u8], needles: &[&str]) -> Option<(usize, usize)> {
    needles
        .iter()
        .enumerate()
        .filter_map(|(i, n)| find(hay, n.as_bytes()).map(|pos| (pos, i, pos + n.len())))
        .min_by_key(|&(pos, i, _)| (pos, i))
        .map(|(_, i, end)| (i, end))
}

/// `"a"` or `"a" or "b"`, for messages.
fn describe(texts: &[&str]) -> String {
    texts.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(" or ")
}

#[cfg(test)]
mod tests {
    use super::first_match;

    #[test]
    fn first_match_takes_the_earliest_text() {
        let hay = b"[pid 3] exited with status 77\nmarten> ";
        assert_eq!(
            first_match(hay, &["killed by signal", "exited with status 77"]),
            Some((1, 29))
        );
        assert_eq!(first_match(hay, &["marten> ", "[pid"]), Some((1, 4)));
        assert_eq!(first_match(hay, &["[pid", "[pid 3]"]), Some((0, 4)));
        assert_eq!(first_match(hay, &["SIGFPE"]), None);
        assert_eq!(first_match(hay, &[]), None);
    }
}
