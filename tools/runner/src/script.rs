//! Scripted console sessions: end-to-end tests that boot Marten and talk to
//! it over the serial port.
//!
//! A script is a list of lines:
//!
//! ```text
//! # comment
//! machine q35 | smp 4 | mem 64M | append <cmdline> | initrd <file>
//! start                 boot a machine with the settings so far
//! timeout <seconds>     for the following waits (default 30)
//! expect <text>         wait for text in the console output (a check)
//! expect-any <a> || <b> wait for whichever of the texts comes first (a
//!                       check), for outcomes that depend on the machine
//! send <text>           type text and Enter
//! sendraw <text>        type text with \r \n \t \xHH \\ escapes, no Enter
//! absent <text>         the output so far must not contain text (a check)
//! exit <status>         wait for QEMU to exit with this status (a check)
//! vga                   give the machine a VGA card (and the firmware that
//!                       sets it up) and a QEMU monitor, before `start`
//! monitor               a QEMU monitor without the VGA card, before `start`
//! sendkeys <text>       type on the PS/2 keyboard (\n is Enter)
//! sendkey <keys>        press one QEMU key combination (`alt-f2`)
//! sendbreak             a BREAK on the serial line (needs `vga`/`monitor`)
//! screen <text>         wait for text on the VGA text screen (a check)
//! noscreen <text>       the VGA text screen does not show text now (a check)
//! image <file> <size>   create (or overwrite) a zero-filled raw disk image
//!                       of size bytes (suffixes K, M), before `start`
//! drive <file> [if=virtio|if=ide]  give the machine that image as a disk
//!                       (raw; virtio by default), before `start`
//! host <command>        run a shell command on the host (a check: exit
//!                       status 0), e.g. to inspect an image after `exit`
//! ```
//!
//! Paths in `initrd` are relative to the current directory.

use marten_runner::monitor::Monitor;
use marten_runner::qemu::Machine;
use marten_runner::session::Session;
use std::time::Duration;

/// Check counts of one script.
#[derive(Default, Debug)]
pub struct Tally {
    pub passed: u32,
    pub failed: u32,
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = if b[i + 1] == b'x' && i + 4 <= b.len() {
            std::str::from_utf8(&b[i + 2..i + 4])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        } else {
            None
        };
        if let Some(v) = hex {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(match b[i + 1] {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            c => c,
        });
        i += 2;
    }
    out
}

/// Counts the checks in a script (for reporting the ones never reached).
fn count_checks(lines: &[&str]) -> u32 {
    lines
        .iter()
        .filter(|l| {
            let w = l.split_whitespace().next().unwrap_or("");
            matches!(
                w,
                "expect" | "expect-any" | "absent" | "exit" | "screen" | "noscreen" | "host"
            )
        })
        .count() as u32
}

/// A size with an optional K or M suffix.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1 << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// `image <file> <size>`: a zero-filled file of that size.
fn make_image(arg: &str) -> Result<(), String> {
    let (path, size) = arg.split_once(' ').ok_or("usage: image <file> <size>")?;
    let size = parse_size(size.trim()).ok_or("bad size")?;
    let path = std::path::Path::new(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.set_len(size).map_err(|e| format!("{}: {e}", path.display()))
}

/// QEMU's arguments for `drive <file> [if=virtio|if=ide]`.
fn drive_args(arg: &str) -> Result<[String; 2], String> {
    let mut words = arg.split_whitespace();
    let file = words.next().ok_or("usage: drive <file> [if=virtio|if=ide]")?;
    let iface = match words.next() {
        None | Some("if=virtio") => "virtio",
        Some("if=ide") => "ide",
        Some(other) => return Err(format!("unsupported drive option {other:?}")),
    };
    if file.contains(',') {
        return Err("a drive file name must not contain a comma".into());
    }
    Ok(["-drive".into(), format!("file={file},if={iface},format=raw")])
}

/// Runs one script against `base` machine settings.
pub fn run(name: &str, text: &str, base: &Machine, echo: bool) -> Tally {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    let total = count_checks(&lines);
    let mut tally = Tally::default();
    let mut m = base.clone();
    let mut session: Option<Session> = None;
    let mut monitor: Option<Monitor> = None;
    let mut timeout = Duration::from_secs(30);
    let fail = |tally: &mut Tally, lineno: usize, what: &str, why: &str| {
        tally.failed += 1;
        println!("\n[{name}:{lineno}] FAIL {what}: {why}");
    };
    // A wait for console text that failed: the error and what the console
    // said that nothing matched.
    let expect_failed = |tally: &mut Tally, lineno: usize, what: &str, e: &str, s: Option<&Session>| {
        let pending = s.map(|s| s.pending()).unwrap_or_default();
        fail(
            tally,
            lineno,
            what,
            &format!("{e}\n--- unmatched output ---\n{pending}\n---"),
        );
        false
    };
    for (idx, raw) in lines.iter().enumerate() {
        let lineno = idx + 1;
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cmd, arg) = match line.split_once(' ') {
            Some((c, a)) => (c, a),
            None => (line, ""),
        };
        let need_session = matches!(
            cmd,
            "expect"
                | "expect-any"
                | "send"
                | "sendraw"
                | "absent"
                | "exit"
                | "sendkeys"
                | "sendkey"
                | "sendbreak"
                | "screen"
                | "noscreen"
        );
        if need_session && session.is_none() {
            fail(&mut tally, lineno, line, "no machine started");
            break;
        }
        let ok = match cmd {
            "machine" => {
                m.machine = arg.to_string();
                true
            }
            "smp" => {
                m.smp = arg.parse().unwrap_or(1);
                true
            }
            "mem" => {
                m.mem = arg.to_string();
                true
            }
            "append" => {
                m.append = arg.to_string();
                true
            }
            "initrd" => {
                m.initrd = Some(arg.into());
                true
            }
            "image" => match make_image(arg) {
                Ok(()) => true,
                Err(e) => {
                    fail(&mut tally, lineno, line, &e);
                    false
                }
            },
            "drive" => match drive_args(arg) {
                Ok(args) => {
                    m.extra.extend(args);
                    true
                }
                Err(e) => {
                    fail(&mut tally, lineno, line, &e);
                    false
                }
            },
            "host" => match std::process::Command::new("sh").arg("-c").arg(arg).status() {
                Ok(st) if st.success() => {
                    tally.passed += 1;
                    true
                }
                Ok(st) => {
                    fail(&mut tally, lineno, line, &format!("host command: {st}"));
                    false
                }
                Err(e) => {
                    fail(&mut tally, lineno, line, &format!("cannot run sh: {e}"));
                    false
                }
            },
            "timeout" => {
                timeout = Duration::from_secs(arg.parse().unwrap_or(30));
                true
            }
            "vga" | "monitor" => {
                let sock = std::env::temp_dir().join(format!("mrun-{}-{lineno}.sock", std::process::id()));
                let _ = std::fs::remove_file(&sock);
                m.vga_monitor = Some(sock);
                m.vga |= cmd == "vga";
                true
            }
            "sendkeys" | "sendkey" | "sendbreak" | "screen" | "noscreen" => {
                if monitor.is_none() {
                    let path = m.vga_monitor.clone().unwrap_or_default();
                    match Monitor::connect(&path, Duration::from_secs(10)) {
                        Ok(mon) => monitor = Some(mon),
                        Err(e) => {
                            fail(&mut tally, lineno, line, &format!("no QEMU monitor (use `vga`): {e}"));
                            break;
                        }
                    }
                }
                let Some(mon) = monitor.as_mut() else { break };
                if matches!(cmd, "sendkeys" | "sendkey" | "sendbreak") {
                    let done = match cmd {
                        "sendkeys" => mon.type_text(&String::from_utf8_lossy(&unescape(arg))),
                        "sendkey" => mon.command(&format!("sendkey {arg}")).map(|_| ()),
                        _ => mon.command("chardev-send-break serial0").map(|_| ()),
                    };
                    match done {
                        Ok(()) => true,
                        Err(e) => {
                            fail(&mut tally, lineno, line, &format!("monitor: {e}"));
                            false
                        }
                    }
                } else if cmd == "noscreen" {
                    match mon.screen() {
                        Ok(rows) if !rows.iter().any(|r| r.contains(arg)) => {
                            tally.passed += 1;
                            true
                        }
                        Ok(rows) => {
                            fail(
                                &mut tally,
                                lineno,
                                line,
                                &format!("on the screen:\n{}", rows.join("\n")),
                            );
                            false
                        }
                        Err(e) => {
                            fail(&mut tally, lineno, line, &format!("monitor: {e}"));
                            false
                        }
                    }
                } else {
                    let deadline = std::time::Instant::now() + timeout;
                    let mut last = Vec::new();
                    let found = loop {
                        match mon.screen() {
                            Ok(rows) if rows.iter().any(|r| r.contains(arg)) => break true,
                            Ok(rows) => last = rows,
                            Err(_) => {}
                        }
                        if std::time::Instant::now() >= deadline {
                            break false;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    };
                    if found {
                        tally.passed += 1;
                        true
                    } else {
                        fail(
                            &mut tally,
                            lineno,
                            line,
                            &format!("not on the screen:\n{}", last.join("\n")),
                        );
                        false
                    }
                }
            }
            "start" => match Session::spawn(m.command(), echo) {
                Ok(s) => {
                    session = Some(s);
                    true
                }
                Err(e) => {
                    fail(&mut tally, lineno, line, &format!("cannot start QEMU: {e}"));
                    false
                }
            },
            "expect" => match session.as_mut().map(|s| s.expect(arg, timeout)) {
                Some(Ok(_)) => {
                    tally.passed += 1;
                    true
                }
                Some(Err(e)) => expect_failed(&mut tally, lineno, line, &e, session.as_ref()),
                None => false,
            },
            "expect-any" => {
                let alternatives: Vec<&str> = arg.split("||").map(str::trim).filter(|a| !a.is_empty()).collect();
                match session.as_mut().map(|s| s.expect_any(&alternatives, timeout)) {
                    Some(Ok((i, _))) => {
                        println!("[{name}:{lineno}] matched {:?}", alternatives[i]);
                        tally.passed += 1;
                        true
                    }
                    Some(Err(e)) => expect_failed(&mut tally, lineno, line, &e, session.as_ref()),
                    None => false,
                }
            }
            "absent" => {
                let all = session.as_ref().map(|s| s.all_output()).unwrap_or_default();
                if all.contains(arg) {
                    fail(&mut tally, lineno, line, "text is present");
                    false
                } else {
                    tally.passed += 1;
                    true
                }
            }
            "send" | "sendraw" => {
                let mut bytes = if cmd == "send" {
                    arg.as_bytes().to_vec()
                } else {
                    unescape(arg)
                };
                if cmd == "send" {
                    bytes.push(b'\r');
                }
                match session.as_mut().map(|s| s.send(&bytes)) {
                    Some(Ok(())) => true,
                    _ => {
                        fail(&mut tally, lineno, line, "cannot write to the console");
                        false
                    }
                }
            }
            "exit" => {
                let want: i32 = arg.parse().unwrap_or(0);
                match session.as_mut().map(|s| s.wait(timeout)) {
                    Some(Ok((st, _))) if st.code() == Some(want) => {
                        tally.passed += 1;
                        session = None;
                        true
                    }
                    Some(Ok((st, _))) => {
                        fail(&mut tally, lineno, line, &format!("QEMU exited with {st}"));
                        session = None;
                        false
                    }
                    Some(Err(e)) => {
                        fail(&mut tally, lineno, line, &e);
                        session = None;
                        false
                    }
                    None => false,
                }
            }
            other => {
                fail(&mut tally, lineno, line, &format!("unknown script command {other:?}"));
                false
            }
        };
        if !ok {
            break;
        }
    }
    // Checks that were never reached count as failures.
    let done = tally.passed + tally.failed;
    if done < total {
        tally.failed += total - done;
    }
    tally
}
