/*
 * Ways into the kernel and back out: interrupt/exception stubs and the
 * syscall entry. Both build the same TrapFrame on the kernel stack
 * (see trap.rs for its layout), so the rest of the kernel sees one shape.
 */

    .set USER_CS, 0x23
    .set USER_DS, 0x1b
    .set SYSCALL_VECTOR, 0x100

/* Save the general registers in TrapFrame order (rax pushed first). */
.macro SAVE_REGS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro RESTORE_REGS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

    .text

/* 256 stubs of 16 bytes each: push a zero error code when the CPU does
 * not push one, push the vector, and join the common path. */
    .balign 16
    .global hal_trap_stubs
hal_trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    .else
    pushq $0
    .endif
    pushq $vec
    jmp hal_trap_common
    .set vec, vec + 1
    .endr

hal_trap_common:
    /* [rsp] vector, 8 error, 16 rip, 24 cs: from user mode, switch GS. */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:  SAVE_REGS
    cld
    movq %rsp, %rdi
    call hal_trap_dispatch

/* Leave through the TrapFrame at rsp, with interrupts off. */
    .global hal_trap_return
hal_trap_return:
    RESTORE_REGS
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:  addq $16, %rsp                 /* vector and error code */
    iretq

/*
 * syscall: rip in rcx, rflags in r11, interrupts masked by SFMASK, still on
 * the user stack with the user GS. Switch to this CPU's kernel stack and
 * build a TrapFrame as if the CPU had pushed an interrupt frame.
 */
    .global hal_syscall_entry
hal_syscall_entry:
    swapgs
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq $USER_DS
    pushq %gs:16
    pushq %r11
    pushq $USER_CS
    pushq %rcx
    pushq $0
    pushq $SYSCALL_VECTOR
    SAVE_REGS
    /* SFMASK cleared DF (syscall.rs), as the C ABI wants: no cld. The
     * kernel's syscall hook (`export_kernel!`, extern "C") gets the frame. */
    movq %rsp, %rdi
    sti
    call marten_hook_syscall
    cli

/* Return to user mode through the TrapFrame at rsp: sysret when the frame
 * allows it (a canonical user rip, the standard user selectors, and no
 * request to restore rcx and r11: vector still SYSCALL_VECTOR), iretq
 * otherwise. sysret to a non-canonical rip would fault in ring 0. */
    .global hal_user_return
hal_user_return:
    cmpq $SYSCALL_VECTOR, 120(%rsp)
    jne hal_trap_return
    movq 136(%rsp), %rcx            /* rip */
    movq %rcx, %r11
    shrq $47, %r11
    jnz hal_trap_return
    cmpq $USER_CS, 144(%rsp)
    jne hal_trap_return
    cmpq $USER_DS, 168(%rsp)
    jne hal_trap_return
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    addq $8, %rsp                   /* r11: becomes rflags */
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    addq $8, %rsp                   /* rcx: becomes rip */
    popq %rbx
    popq %rax
    /* [rsp] vector, 8 error, 16 rip, 24 cs, 32 rflags, 40 rsp, 48 ss */
    movq 16(%rsp), %rcx
    movq 32(%rsp), %r11
    movq 40(%rsp), %rsp
    swapgs
    sysretq
