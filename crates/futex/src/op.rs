//! FUTEX_WAKE_OP's encoded operation: what to do to the second word, and
//! the comparison of its old value that decides the second wake.
//!
//! Encoding (futex(2)): bits 28..31 the operation (with
//! FUTEX_OP_OPARG_SHIFT in bit 31), 24..27 the comparison, 12..23 the
//! 12-bit signed operand, 0..11 the 12-bit signed comparison argument.

use marten_abi::futex::*;

/// The arithmetic of FUTEX_WAKE_OP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Set,
    Add,
    Or,
    AndNot,
    Xor,
}

/// A comparison of the old value (as a signed int) with the argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A decoded FUTEX_WAKE_OP operation. `cmp` is None for an unknown
/// comparison: Linux then applies the operation and fails with ENOSYS
/// without waking anyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeOp {
    pub arith: Arith,
    /// The operand, after FUTEX_OP_OPARG_SHIFT (`1 << (oparg & 31)`).
    pub oparg: u32,
    pub cmp: Option<Cmp>,
    pub cmparg: i32,
}

/// The operation is unknown (futex(2) fails with ENOSYS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOp;

fn sign_extend12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

impl WakeOp {
    /// Decodes `val3` of FUTEX_WAKE_OP.
    pub fn decode(encoded: u32) -> Result<WakeOp, UnknownOp> {
        let op = (encoded >> 28) & 7;
        let shift = (encoded >> 28) & FUTEX_OP_OPARG_SHIFT != 0;
        let cmp = (encoded >> 24) & 15;
        let mut oparg = sign_extend12((encoded >> 12) & 0xfff);
        let cmparg = sign_extend12(encoded & 0xfff);
        if shift {
            // Linux logs a shift outside 0..=31 and uses its low five bits.
            oparg = 1i32.wrapping_shl((oparg & 31) as u32);
        }
        let arith = match op {
            FUTEX_OP_SET => Arith::Set,
            FUTEX_OP_ADD => Arith::Add,
            FUTEX_OP_OR => Arith::Or,
            FUTEX_OP_ANDN => Arith::AndNot,
            FUTEX_OP_XOR => Arith::Xor,
            _ => return Err(UnknownOp),
        };
        let cmp = match cmp {
            FUTEX_OP_CMP_EQ => Some(Cmp::Eq),
            FUTEX_OP_CMP_NE => Some(Cmp::Ne),
            FUTEX_OP_CMP_LT => Some(Cmp::Lt),
            FUTEX_OP_CMP_LE => Some(Cmp::Le),
            FUTEX_OP_CMP_GT => Some(Cmp::Gt),
            FUTEX_OP_CMP_GE => Some(Cmp::Ge),
            _ => None,
        };
        Ok(WakeOp {
            arith,
            oparg: oparg as u32,
            cmp,
            cmparg,
        })
    }

    /// The new value of a word that held `old`.
    pub fn apply(&self, old: u32) -> u32 {
        match self.arith {
            Arith::Set => self.oparg,
            Arith::Add => old.wrapping_add(self.oparg),
            Arith::Or => old | self.oparg,
            Arith::AndNot => old & !self.oparg,
            Arith::Xor => old ^ self.oparg,
        }
    }

    /// Does the old value pass the comparison (None: unknown comparison)?
    pub fn compare(&self, old: u32) -> Option<bool> {
        let (a, b) = (old as i32, self.cmparg);
        Some(match self.cmp? {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        })
    }
}

/// Builds an encoded operation, as the FUTEX_OP macro of linux/futex.h.
pub const fn encode(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
    ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_fields() {
        let w = WakeOp::decode(encode(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_GT, 1)).unwrap();
        assert_eq!(w.arith, Arith::Add);
        assert_eq!(w.oparg, 5);
        assert_eq!(w.apply(10), 15);
        assert_eq!(w.compare(2), Some(true));
        assert_eq!(w.compare(1), Some(false));
    }

    #[test]
    fn signed_arguments() {
        let w = WakeOp::decode(encode(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_LT, 0x800)).unwrap();
        assert_eq!(w.oparg as i32, -1);
        assert_eq!(w.cmparg, -2048);
        assert_eq!(w.apply(0), u32::MAX);
        assert_eq!(w.compare((-3000i32) as u32), Some(true));
        assert_eq!(w.compare(0), Some(false));
    }

    #[test]
    fn oparg_shift() {
        let w = WakeOp::decode(encode(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0)).unwrap();
        assert_eq!(w.oparg, 16);
        assert_eq!(w.apply(1), 17);
        // Out of range: the low five bits, as Linux.
        let w = WakeOp::decode(encode(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 33, FUTEX_OP_CMP_EQ, 0)).unwrap();
        assert_eq!(w.oparg, 2);
        let w = WakeOp::decode(encode(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 0xfff, FUTEX_OP_CMP_EQ, 0)).unwrap();
        assert_eq!(w.oparg, 1 << 31);
    }

    #[test]
    fn every_arith() {
        let f = |op| WakeOp::decode(encode(op, 6, FUTEX_OP_CMP_EQ, 0)).unwrap().apply(0b1100);
        assert_eq!(f(FUTEX_OP_SET), 6);
        assert_eq!(f(FUTEX_OP_ADD), 18);
        assert_eq!(f(FUTEX_OP_OR), 0b1110);
        assert_eq!(f(FUTEX_OP_ANDN), 0b1000);
        assert_eq!(f(FUTEX_OP_XOR), 0b1010);
    }

    #[test]
    fn unknown_op_and_cmp() {
        assert_eq!(WakeOp::decode(encode(5, 0, 0, 0)), Err(UnknownOp));
        assert_eq!(
            WakeOp::decode(encode(7 | FUTEX_OP_OPARG_SHIFT, 0, 0, 0)),
            Err(UnknownOp)
        );
        let w = WakeOp::decode(encode(FUTEX_OP_SET, 1, 6, 0)).unwrap();
        assert_eq!(w.compare(0), None);
        assert_eq!(w.apply(0), 1);
        let w = WakeOp::decode(encode(FUTEX_OP_SET, 1, FUTEX_OP_CMP_LE, 0)).unwrap();
        assert_eq!(w.compare(0), Some(true));
        let w = WakeOp::decode(encode(FUTEX_OP_SET, 1, FUTEX_OP_CMP_GE, 0)).unwrap();
        assert_eq!(w.compare(u32::MAX), Some(false));
        let w = WakeOp::decode(encode(FUTEX_OP_SET, 1, FUTEX_OP_CMP_NE, 0)).unwrap();
        assert_eq!(w.compare(0), Some(false));
    }
}
