//! The x87 and SSE control state a Linux program starts with.

/// x87 control word at program start (what FNINIT loads): all six
/// exceptions masked, 64-bit precision, round to nearest.
pub const FCW_DEFAULT: u16 = 0x037f;
/// The six x87 exception-mask bits of the control word (IM, DM, ZM, OM, UM, PM).
pub const FCW_EXCEPTION_MASKS: u16 = 0x003f;
/// MXCSR at program start: all six SIMD exceptions masked, round to
/// nearest, no flush-to-zero, no denormals-are-zero, no flags set.
pub const MXCSR_DEFAULT: u32 = 0x1f80;
/// The six SIMD exception-mask bits of MXCSR (IM, DM, ZM, OM, UM, PM).
pub const MXCSR_EXCEPTION_MASKS: u32 = 0x1f80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_mask_every_exception() {
        assert_eq!(FCW_DEFAULT & FCW_EXCEPTION_MASKS, FCW_EXCEPTION_MASKS);
        assert_eq!(MXCSR_DEFAULT & MXCSR_EXCEPTION_MASKS, MXCSR_EXCEPTION_MASKS);
        // No sticky exception flag is set in the MXCSR a program starts with.
        assert_eq!(MXCSR_DEFAULT & 0x3f, 0);
    }
}
