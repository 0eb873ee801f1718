//! The PS/2 keyboard: scancodes become the Linux console's byte sequences
//! (`marten_vt::keys`) for the active terminal, or switch terminals
//! (Alt-F1..Alt-F6); Alt-SysRq-key is the TTY layer's attention sequence
//! (`tty::sysrq`).

use crate::hal;
use hal::sync::SpinLock;
use marten_vt::keys::{self, Key, Mods};
use pc_keyboard::{DecodedKey, HandleControl, KeyCode, KeyState, Keyboard, ScancodeSet1, layouts};

/// The decoder and the modifier keys held down.
///
/// Invariant: `ctrl`/`alt`/`shift` count left and right keys separately
/// (bit 0 left, bit 1 right), from the key events seen; `sysrq` is
/// whether SysRq (Alt-PrintScreen) is held.
struct State {
    kb: Keyboard<layouts::Us104Key, ScancodeSet1>,
    ctrl: u8,
    alt: u8,
    shift: u8,
    sysrq: bool,
}

static STATE: SpinLock<Option<State>> = SpinLock::new(None);

/// Sets up keyboard decoding.
pub fn init() {
    *STATE.lock() = Some(State {
        kb: Keyboard::new(ScancodeSet1::new(), layouts::Us104Key, HandleControl::Ignore),
        ctrl: 0,
        alt: 0,
        shift: 0,
        sysrq: false,
    });
}

/// Tracks a modifier key; true if `code` was one.
fn modifier(st: &mut State, code: KeyCode, down: bool) -> bool {
    let (field, bit) = match code {
        KeyCode::LControl => (&mut st.ctrl, 1),
        KeyCode::RControl => (&mut st.ctrl, 2),
        KeyCode::LAlt => (&mut st.alt, 1),
        KeyCode::RAltGr => (&mut st.alt, 2),
        KeyCode::LShift => (&mut st.shift, 1),
        KeyCode::RShift => (&mut st.shift, 2),
        _ => return false,
    };
    if down {
        *field |= bit;
    } else {
        *field &= !bit;
    }
    true
}

/// The key a decoded key stands for.
fn key_of(d: DecodedKey) -> Option<Key> {
    Some(match d {
        DecodedKey::Unicode('\n') => Key::Enter,
        DecodedKey::Unicode('\x08') => Key::Backspace,
        DecodedKey::Unicode('\t') => Key::Tab,
        DecodedKey::Unicode('\x1b') => Key::Escape,
        DecodedKey::Unicode('\x7f') => Key::Delete,
        DecodedKey::Unicode(c) => Key::Char(c),
        DecodedKey::RawKey(code) => match code {
            KeyCode::ArrowUp => Key::Up,
            KeyCode::ArrowDown => Key::Down,
            KeyCode::ArrowLeft => Key::Left,
            KeyCode::ArrowRight => Key::Right,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Insert => Key::Insert,
            KeyCode::Delete => Key::Delete,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::F1 => Key::F(1),
            KeyCode::F2 => Key::F(2),
            KeyCode::F3 => Key::F(3),
            KeyCode::F4 => Key::F(4),
            KeyCode::F5 => Key::F(5),
            KeyCode::F6 => Key::F(6),
            KeyCode::F7 => Key::F(7),
            KeyCode::F8 => Key::F(8),
            KeyCode::F9 => Key::F(9),
            KeyCode::F10 => Key::F(10),
            KeyCode::F11 => Key::F(11),
            KeyCode::F12 => Key::F(12),
            _ => return None,
        },
    })
}

/// Keyboard interrupt: decodes waiting scancodes; keys go to the active
/// terminal's input sink, Alt-Fn switches terminals.
pub fn interrupt() {
    while let Some(sc) = hal::keyboard::read_scancode() {
        let mut guard = STATE.lock();
        let Some(st) = guard.as_mut() else { return };
        let Ok(Some(ev)) = st.kb.add_byte(sc) else {
            continue;
        };
        let down = ev.state != KeyState::Up;
        let code = ev.code;
        let decoded = st.kb.process_keyevent(ev);
        if code == KeyCode::SysRq {
            st.sysrq = down;
            continue;
        }
        if modifier(st, code, down) || !down {
            continue;
        }
        let Some(key) = decoded.and_then(key_of) else {
            continue;
        };
        let mods = Mods {
            ctrl: st.ctrl != 0,
            alt: st.alt != 0,
            shift: st.shift != 0,
        };
        let sysrq = st.sysrq;
        drop(guard);
        if let (true, true, Key::Char(c)) = (sysrq, mods.alt, key) {
            crate::tty::sysrq::keyboard(c, super::active());
            continue;
        }
        if let Some(n) = keys::console_switch(key, mods) {
            super::switch_to(n);
            continue;
        }
        let (vt, app) = super::active_and_cursor_keys_app();
        super::input(vt, keys::encode(key, mods, app).as_bytes());
    }
}
