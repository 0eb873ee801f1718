/*
 * The only instructions that touch user memory. A page fault on them is
 * first offered to the kernel (demand paging, copy-on-write); if that fails
 * the fault handler resumes at the *_fixup label with rcx = bytes left,
 * and the caller turns a non-zero result into EFAULT.
 */
    .text

/* usize hal_copy_user(u8 *dst, const u8 *src, usize len): bytes not copied. */
    .global hal_copy_user
    .global hal_copy_user_insn
    .global hal_copy_user_fixup
hal_copy_user:
    movq %rdx, %rcx
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_copy_user_insn:
    rep movsb
hal_copy_user_fixup:
    cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  movq %rcx, %rax
    ret

/* usize hal_clear_user(u8 *dst, usize len): bytes not zeroed. */
    .global hal_clear_user
    .global hal_clear_user_insn
    .global hal_clear_user_fixup
hal_clear_user:
    movq %rsi, %rcx
    xorl %eax, %eax
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_clear_user_insn:
    rep stosb
hal_clear_user_fixup:
    cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  movq %rcx, %rax
    ret
