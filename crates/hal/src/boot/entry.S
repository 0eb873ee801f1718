/*
 * Marten's first instructions.
 *
 * QEMU (like Xen) finds the PVH note below and jumps to pvh_start32 in 32-bit
 * protected mode with paging off and %ebx holding the physical address of
 * struct hvm_start_info. This code runs at its physical address (the .boot
 * sections are linked where they are loaded). It builds just enough page
 * tables to enter long mode with three views of the first GiB of memory:
 *   - identity (so this code keeps running after paging is on),
 *   - the direct map at 0xffff800000000000,
 *   - the kernel image window at 0xffffffff80000000,
 * then clears .bss and jumps to hal_boot_entry in the higher half.
 * The Rust side replaces these tables with the real ones at once.
 */

    .section .note.Xen, "a", @note
    .balign 4
    .long 4                         /* name size: "Xen\0" */
    .long 8                         /* descriptor size */
    .long 18                        /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_start32
    .balign 4

    .section .boot.text, "ax", @progbits
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, boot_start_info      /* keep hvm_start_info; cpuid clobbers ebx */

    /* Long mode is required; stop here without it. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb .Lno_long_mode
    movl $0x80000001, %eax
    cpuid
    btl $29, %edx
    jnc .Lno_long_mode
    movl %edx, %esi                 /* bit 20 of this tells whether NX exists */

    /* boot_pd: 512 two-MiB pages covering physical [0, 1 GiB). */
    movl $boot_pd, %ebx
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                 /* present | writable | huge */
    movl %eax, (%ebx,%ecx,8)
    movl $0, 4(%ebx,%ecx,8)
    incl %ecx
    cmpl $512, %ecx
    jb 1b

    movl $(boot_pd + 3), %eax
    movl %eax, boot_pdpt_low        /* [0, 1 GiB) in the low PDPT */
    movl %eax, boot_pdpt_high + 510 * 8  /* -2 GiB window */
    movl $(boot_pdpt_low + 3), %eax
    movl %eax, boot_pml4            /* identity */
    movl %eax, boot_pml4 + 256 * 8  /* direct map */
    movl $(boot_pdpt_high + 3), %eax
    movl %eax, boot_pml4 + 511 * 8  /* kernel image */

    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $0x20, %eax                 /* CR4.PAE */
    movl %eax, %cr4

    movl $0xC0000080, %ecx          /* IA32_EFER */
    rdmsr
    orl $0x100, %eax                /* LME */
    btl $20, %esi
    jnc 2f
    orl $0x800, %eax                /* NXE */
2:  wrmsr

    movl %cr0, %eax
    orl $0x80010001, %eax           /* PG | WP | PE */
    movl %eax, %cr0

    lgdt boot_gdt_desc
    ljmp $0x08, $.Llong_mode

.Lno_long_mode:
    hlt
    jmp .Lno_long_mode

    .code64
.Llong_mode:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs

    /* Zero .bss (the boot stack lives there too). */
    movabsq $__bss_start, %rdi
    movabsq $__bss_end, %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    rep stosb

    movabsq $hal_boot_stack_top, %rsp
    xorl %ebp, %ebp
    pushq $0                        /* fake return address: ends backtraces */
    movl boot_start_info, %edi      /* zero-extends into %rdi: the first argument */
    movabsq $hal_boot_entry, %rax
    jmpq *%rax

    .section .boot.data, "aw", @progbits
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
    .balign 4
boot_start_info:
    .long 0

    .balign 4096
boot_pml4:
    .zero 4096
boot_pdpt_low:
    .zero 4096
boot_pdpt_high:
    .zero 4096
boot_pd:
    .zero 4096
