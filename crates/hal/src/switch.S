/*
 * Thread context switch. A switched-out thread's callee-saved registers sit
 * on its own kernel stack; its Context records only the stack pointer.
 */
    .text

/* void hal_switch_stacks(u64 *prev_rsp, u64 next_rsp, u8 *prev_on_cpu)
 * Saves the callee-saved registers on the current stack, stores rsp in
 * *prev_rsp, marks the previous context as off the CPU (after which another
 * CPU may resume it), then loads next_rsp and resumes that context. */
    .global hal_switch_stacks
hal_switch_stacks:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movb $0, (%rdx)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

/* First stop of a new kernel thread: r12 = entry, r13 = argument. */
    .global hal_thread_trampoline
hal_thread_trampoline:
    movq %r12, %rdi
    movq %r13, %rsi
    xorl %ebp, %ebp
    call hal_thread_start
    ud2

/* First stop of a new user thread: rsp points at its TrapFrame. */
    .global hal_user_trampoline
hal_user_trampoline:
    call hal_finish_switch
    cli
    jmp hal_user_return
