//! The signal frame: placement rules, the bytes at the offsets Linux uses,
//! the round trip through sigreturn, and what a forged frame can not do.

use marten_abi::sigframe::*;
use marten_signal::SigInfo;
use marten_signal::frame::{AltStack, Context, FrameError, UserRegs, build, info_from_fault, place, restore};
use proptest::prelude::*;

const USER_END: u64 = 0x0000_8000_0000_0000;

fn regs() -> UserRegs {
    UserRegs {
        r8: 8,
        r9: 9,
        r10: 10,
        r11: 11,
        r12: 12,
        r13: 13,
        r14: 14,
        r15: 15,
        rdi: 0xd1,
        rsi: 0x51,
        rbp: 0xb9,
        rbx: 0xb7,
        rdx: 0xd7,
        rax: 0xa7,
        rcx: 0xc7,
        rsp: 0x7fff_0000,
        rip: 0x40_1000,
        rflags: 0x246,
    }
}

#[test]
fn frames_go_below_the_red_zone_aligned_as_after_a_call() {
    let p = place(0x7fff_1000, 512, None).unwrap();
    assert!(!p.on_altstack);
    assert_eq!(p.frame % 16, 8);
    assert_eq!(p.fpstate % 64, 0);
    assert!(p.fpstate + 512 <= 0x7fff_1000 - RED_ZONE);
    assert!(p.frame + FRAME_SIZE as u64 <= p.fpstate);
}

#[test]
fn the_alternate_stack_is_used_unless_already_in_use() {
    let alt = AltStack {
        sp: 0x10_0000,
        size: 0x4000,
    };
    let p = place(0x7fff_1000, 512, Some(alt)).unwrap();
    assert!(p.on_altstack);
    assert!(p.frame >= alt.sp && p.fpstate + 512 <= alt.sp + alt.size);
    // A handler running on it gets the next frame below its own stack.
    let inside = place(0x10_3000, 512, Some(alt)).unwrap();
    assert!(!inside.on_altstack);
    assert!(inside.fpstate + 512 <= 0x10_3000 - RED_ZONE);
}

#[test]
fn a_small_alternate_stack_is_no_room() {
    let alt = AltStack {
        sp: 0x10_0000,
        size: 256,
    };
    assert_eq!(place(0x7fff_1000, 512, Some(alt)), Err(FrameError::NoRoom));
    assert_eq!(place(100, 512, None), Err(FrameError::NoRoom));
}

#[test]
fn the_bytes_sit_where_linux_puts_them() {
    let ctx = Context {
        mask: 0x8000_0001,
        stack: (0x1000, 2, 0x2000),
        err: 4,
        trapno: 14,
        cr2: 0xdead_0000,
        fpstate: 0x7ffe_0000,
    };
    let info = SigInfo::fault(11, 1, 0xdead_0000);
    let b = build(&regs(), &ctx, &info, 0x40_2000);
    assert_eq!(&b[FRAME_INFO..], &info_from_fault(11, 1, 0xdead_0000)[..]);
    assert_eq!(&b[FRAME_INFO..], &info.to_bytes()[..]);
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    assert_eq!(word(FRAME_PRETCODE), 0x40_2000);
    let sc = FRAME_UC + UC_MCONTEXT;
    assert_eq!(word(sc + SC_RIP), 0x40_1000);
    assert_eq!(word(sc + SC_RSP), 0x7fff_0000);
    assert_eq!(word(sc + SC_RDI), 0xd1);
    assert_eq!(word(sc + SC_CR2), 0xdead_0000);
    assert_eq!(word(sc + SC_TRAPNO), 14);
    assert_eq!(word(sc + SC_FPSTATE), 0x7ffe_0000);
    assert_eq!(word(FRAME_UC + UC_SIGMASK), 0x8000_0001);
    assert_eq!(
        u16::from_le_bytes(b[sc + SC_CS..sc + SC_CS + 2].try_into().unwrap()),
        USER_CS
    );
    assert_eq!(&b[FRAME_INFO..FRAME_INFO + 4], &11i32.to_le_bytes());
    assert_eq!(word(FRAME_INFO + SI_FIELDS), 0xdead_0000);
    // The sizes glibc and musl assume.
    assert_eq!(SIGCONTEXT_SIZE, 256);
    assert_eq!(FRAME_INFO, 8 + 304);
}

#[test]
fn a_forged_frame_cannot_return_to_the_kernel() {
    let mut r = regs();
    r.rip = 0xffff_ffff_8000_0000;
    let b = build(&r, &Context::default(), &SigInfo::EMPTY, 0);
    assert_eq!(restore(&b, USER_END), Err(FrameError::BadAddress));
    let mut r = regs();
    r.rsp = USER_END;
    let b = build(&r, &Context::default(), &SigInfo::EMPTY, 0);
    assert_eq!(restore(&b, USER_END), Err(FrameError::BadAddress));
}

proptest! {
    /// Whatever the frame holds, sigreturn keeps only the RFLAGS bits user
    /// space may set (no IOPL, no VM, interrupts on) and user addresses.
    #[test]
    fn restore_never_grants_privilege(words in proptest::collection::vec(any::<u64>(), FRAME_SIZE / 8)) {
        let mut b = [0u8; FRAME_SIZE];
        for (i, w) in words.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        if let Ok(r) = restore(&b, USER_END) {
            prop_assert!(r.regs.rip < USER_END && r.regs.rsp < USER_END);
            prop_assert_eq!(r.regs.rflags & !(FIX_EFLAGS | EFLAGS_IF | EFLAGS_FIXED), 0);
            prop_assert!(r.regs.rflags & EFLAGS_IF != 0);
        }
    }

    /// What delivery saves, sigreturn gives back (flags sanitised).
    #[test]
    fn round_trip(rip in 0u64..USER_END, rsp in 0u64..USER_END, rax in any::<u64>(), mask in any::<u64>(), fl in any::<u64>()) {
        let mut r = regs();
        r.rip = rip;
        r.rsp = rsp;
        r.rax = rax;
        r.rflags = fl;
        let ctx = Context { mask, ..Context::default() };
        let back = restore(&build(&r, &ctx, &SigInfo::EMPTY, 0), USER_END).unwrap();
        let mut want = r;
        want.rflags = (fl & FIX_EFLAGS) | EFLAGS_IF | EFLAGS_FIXED;
        prop_assert_eq!(back.regs, want);
        prop_assert_eq!(back.mask, mask);
    }

    /// Placement keeps its alignment and stays inside the stack it chose.
    #[test]
    fn placement_invariants(rsp in 0x1_0000u64..USER_END, fp in 0u64..4096, alt_sp in 0x1000u64..0x100_0000, alt_size in 0u64..0x10000, use_alt in any::<bool>()) {
        let alt = use_alt.then_some(AltStack { sp: alt_sp, size: alt_size });
        if let Ok(p) = place(rsp, fp, alt) {
            prop_assert_eq!(p.frame % 16, 8);
            prop_assert_eq!(p.fpstate % 64, 0);
            prop_assert!(p.frame + FRAME_SIZE as u64 <= p.fpstate);
            if p.on_altstack {
                let a = alt.unwrap();
                prop_assert!(p.frame >= a.sp && p.fpstate + fp <= a.sp + a.size);
            } else {
                prop_assert!(p.fpstate + fp <= rsp - RED_ZONE);
            }
        }
    }
}
