//! Building the QEMU command line the same way for every use.

use std::path::{Path, PathBuf};
use std::process::Command;

/// QEMU's debug-exit device turns value v into exit status (v << 1) | 1;
/// the kernel writes 0x10 on success.
pub const EXIT_SUCCESS: i32 = 33;
/// ... and 0x11 on failure.
pub const EXIT_FAILURE: i32 = 35;

/// How a machine should be started.
#[derive(Clone, Debug)]
pub struct Machine {
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    pub append: String,
    pub smp: u32,
    pub mem: String,
    pub accel: Option<String>,
    pub machine: String,
    /// Interactive: serial (and the QEMU monitor) on the terminal, and a
    /// window with the VGA screen when there is a display.
    pub interactive: bool,
    /// Stop at the first instruction and wait for gdb on port 1234.
    pub gdb: bool,
    pub icount: Option<u32>,
    /// The `-cpu` model with its feature switches (e.g. `max,-erms`);
    /// `None` is `max` under TCG and `host` under KVM.
    pub cpu: Option<String>,
    /// The QEMU monitor on this Unix socket, for key presses, screen reads
    /// and a BREAK on the serial line.
    pub vga_monitor: Option<PathBuf>,
    /// A VGA card (and the firmware that initialises it), when there is a
    /// monitor.
    pub vga: bool,
    pub extra: Vec<String>,
}

impl Machine {
    pub fn new(kernel: &Path) -> Machine {
        Machine {
            kernel: kernel.to_path_buf(),
            initrd: None,
            append: String::new(),
            smp: 1,
            mem: "256M".into(),
            accel: None,
            machine: "pc".into(),
            interactive: false,
            gdb: false,
            icount: None,
            cpu: None,
            vga_monitor: None,
            vga: false,
            extra: Vec::new(),
        }
    }

    /// The QEMU command.
    pub fn command(&self) -> Command {
        let accel = self.accel.clone().unwrap_or_else(default_accel);
        let mut c = Command::new("qemu-system-x86_64");
        c.arg("-kernel").arg(&self.kernel);
        if let Some(i) = &self.initrd {
            c.arg("-initrd").arg(i);
        }
        if !self.append.is_empty() {
            c.arg("-append").arg(&self.append);
        }
        c.args(["-smp", &self.smp.to_string(), "-m", &self.mem]);
        c.args(["-machine", &self.machine]);
        let (accel, default_cpu) = if accel == "kvm" {
            ("kvm", "host")
        } else {
            ("tcg", "max")
        };
        c.args(["-accel", accel, "-cpu", self.cpu.as_deref().unwrap_or(default_cpu)]);
        if let Some(shift) = self.icount {
            c.args(["-icount", &format!("shift={shift},sleep=off")]);
        }
        // qboot boots much faster than SeaBIOS but does not initialise the
        // VGA card (no VGA BIOS, so no text mode and no font): use it unless
        // someone is going to look at the screen.
        let display = self.interactive
            && (std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some());
        let shows_vga = display || (self.vga && self.vga_monitor.is_some());
        let qboot = Path::new("/usr/share/qemu/qboot.rom");
        if qboot.exists() && !shows_vga {
            c.arg("-bios").arg(qboot);
        }
        c.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        if self.interactive {
            c.args(["-serial", "mon:stdio"]);
            if !display {
                c.args(["-display", "none"]);
            }
        } else {
            c.args(["-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot"]);
            match &self.vga_monitor {
                Some(sock) => {
                    if self.vga {
                        c.args(["-vga", "std"]);
                    }
                    c.arg("-monitor");
                    c.arg(format!("unix:{},server,nowait", sock.display()));
                }
                None => {
                    c.args(["-monitor", "none"]);
                }
            }
        }
        if self.gdb {
            c.args(["-s", "-S"]);
        }
        c.args(&self.extra);
        c
    }
}

/// TCG, unless /dev/kvm is real hardware virtualisation. On the machines
/// this project runs on, /dev/kvm is often a software hypervisor (kvm_pvm)
/// that is far slower than TCG.
pub fn default_accel() -> String {
    if let Ok(a) = std::env::var("ACCEL")
        && !a.is_empty()
    {
        return a;
    }
    let m = |name: &str| Path::new("/sys/module").join(name).exists();
    let hw = m("kvm_intel") || m("kvm_amd");
    if Path::new("/dev/kvm").exists() && hw && !m("kvm_pvm") {
        "kvm".into()
    } else {
        "tcg".into()
    }
}
