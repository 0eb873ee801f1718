/*
 * The only instructions that touch user memory. A page fault on them is
 * first offered to the kernel (demand paging, copy-on-write); if that fails
 * the fault handler resumes at the *_fixup label with rcx = bytes left,
 * and the caller turns a non-zero result into EFAULT.
 */
    .text

/* usize hal_copy_user(u8 *dst, const u8 *src, usize len): bytes not copied.
 * Eight bytes a step (rep movsq), then the tail a byte at a time: QEMU's TCG
 * runs each step of a string instruction separately, and CPUs without fast
 * `rep movsb` (ERMS/FSRM) prefer it too. A fault in the first part resumes
 * at hal_copy_user_fixup_q with rcx = quadwords left (rdx still holds the
 * tail), in the second at hal_copy_user_fixup with rcx = bytes left. */
    .global hal_copy_user
    .global hal_copy_user_insn
    .global hal_copy_user_fixup_q
    .global hal_copy_user_insn_b
    .global hal_copy_user_fixup
hal_copy_user:
    movq %rdx, %rcx
    shrq $3, %rcx
    andq $7, %rdx
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_copy_user_insn:
    rep movsq
    movq %rdx, %rcx
hal_copy_user_insn_b:
    rep movsb
hal_copy_user_fixup:
    cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  movq %rcx, %rax
    ret
/* A fault in the eight-byte loop: the bytes before the faulting address
 * still count, so the rest is retried a byte at a time from where the
 * loop stopped, and the byte loop's own fault gives the exact count. */
hal_copy_user_fixup_q:
    leaq (%rdx,%rcx,8), %rcx
    jmp hal_copy_user_insn_b

/* usize hal_clear_user(u8 *dst, usize len): bytes not zeroed; as
 * hal_copy_user, eight bytes a step and then the tail. */
    .global hal_clear_user
    .global hal_clear_user_insn
    .global hal_clear_user_fixup_q
    .global hal_clear_user_insn_b
    .global hal_clear_user_fixup
hal_clear_user:
    movq %rsi, %rdx
    movq %rsi, %rcx
    shrq $3, %rcx
    andq $7, %rdx
    xorl %eax, %eax
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_clear_user_insn:
    rep stosq
    movq %rdx, %rcx
hal_clear_user_insn_b:
    rep stosb
hal_clear_user_fixup:
    cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  movq %rcx, %rax
    ret
hal_clear_user_fixup_q:
    leaq (%rdx,%rcx,8), %rcx
    jmp hal_clear_user_insn_b

/* usize hal_fxsave_user(u8 *dst): FXSAVE of this CPU's FPU state (the
 * running user thread's) straight to user address dst (16-byte aligned,
 * checked by the caller), as a signal frame holds it, then zeroes bytes
 * 464..511, which FXSAVE leaves alone (a frame never carries stale bytes
 * there). 0, or 1 when a fault abandoned it (the fault handler resumes at
 * hal_fxsave_user_fixup from either instruction; eax is the zero stored). */
    .global hal_fxsave_user
    .global hal_fxsave_user_insn
    .global hal_fxsave_user_insn_z
    .global hal_fxsave_user_fixup
hal_fxsave_user:
    xorl %eax, %eax
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_fxsave_user_insn:
    fxsave64 (%rdi)
    leaq 464(%rdi), %rdi
    movl $6, %ecx
hal_fxsave_user_insn_z:
    rep stosq
3:  cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  ret
hal_fxsave_user_fixup:
    movl $1, %eax
    jmp 3b

/* usize hal_fxrstor_user(const u8 *src): FXRSTOR from user address src
 * (16-byte aligned, checked by the caller). 0, or 1 when a page fault or
 * the #GP of an MXCSR with reserved bits set abandoned it (both resume at
 * hal_fxrstor_user_fixup; a faulting FXRSTOR loads nothing). */
    .global hal_fxrstor_user
    .global hal_fxrstor_user_insn
    .global hal_fxrstor_user_fixup
hal_fxrstor_user:
    xorl %eax, %eax
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_fxrstor_user_insn:
    fxrstor64 (%rdi)
3:  cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  ret
hal_fxrstor_user_fixup:
    movl $1, %eax
    jmp 3b

/* u64 hal_cmpxchg_user(u32 *uaddr, u32 expected, u32 new): a locked
 * compare-and-exchange of the 32-bit user word at uaddr (4-byte aligned,
 * checked by the caller): the word's old value, zero-extended (new was
 * stored if it equals expected), or 1 << 32 when a fault abandoned it
 * (nothing stored). */
    .global hal_cmpxchg_user
    .global hal_cmpxchg_user_insn
    .global hal_cmpxchg_user_fixup
hal_cmpxchg_user:
    movl %esi, %eax
    cmpb $0, hal_smap_enabled(%rip)
    je 1f
    stac
1:
hal_cmpxchg_user_insn:
    lock cmpxchgl %edx, (%rdi)
3:  cmpb $0, hal_smap_enabled(%rip)
    je 2f
    clac
2:  ret
hal_cmpxchg_user_fixup:
    movabsq $0x100000000, %rax
    jmp 3b
