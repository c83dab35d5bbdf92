/* ppc64 constants shared by C and assembly: MSR bits, SPR numbers, hcall and vector numbers, and
 * the offsets of the per-CPU area and the trap frame (their C structs assert the same layout).
 * Bits are given as values in the CPU's (little-endian) numbering; the ISA's IBM numbering
 * (bit 0 = most significant) is noted where the manuals use it. */
#ifndef ARCH_PPC64_REGS_H
#define ARCH_PPC64_REGS_H

/* MSR (Power ISA 3.0B, Book III, 4.2.1) */
#define MSR_SF   0x8000000000000000   /* IBM 0: 64-bit mode */
#define MSR_EE   0x8000               /* IBM 48: external and decrementer interrupts */
#define MSR_PR   0x4000               /* IBM 49: problem (user) state */
#define MSR_FP   0x2000               /* IBM 50: floating point available */
#define MSR_VEC  0x2000000            /* IBM 38: vector (VMX) available */
#define MSR_VSX  0x800000             /* IBM 40: VSX available */
#define MSR_ME   0x1000               /* machine check enable */
#define MSR_IR   0x20                 /* instruction relocation (translation on) */
#define MSR_DR   0x10                 /* data relocation */
#define MSR_RI   0x2                  /* recoverable interrupt */
#define MSR_LE   0x1

/* SPRs */
#define SPR_DSISR  18
#define SPR_DAR    19
#define SPR_DEC    22
#define SPR_SRR0   26
#define SPR_SRR1   27
#define SPR_PIDR   48
#define SPR_IAMR   61    /* instruction authority mask: key 0 is radix's user pages */
#define SPR_FSCR   153   /* facility status and control */
#define SPR_UAMOR  157   /* which AMR bits problem state may change */
#define SPR_VRSAVE 256   /* user-owned: saved with the vector registers */
#define SPR_SPRG0  272   /* this CPU's arch area, as a direct-map address (works in real mode) */
#define SPR_SPRG1  273   /* scratch: the interrupted r13 during exception entry */
#define SPR_TBRL   268
#define SPR_PIR    1023

/* hcalls (PAPR; QEMU include/hw/ppc/spapr.h) */
#define H_SUCCESS            0
#define H_GET_TERM_CHAR      0x54
#define H_PUT_TERM_CHAR      0x58
#define H_EOI                0x64
#define H_CPPR               0x68
#define H_IPI                0x6c
#define H_XIRR               0x74
#define H_CEDE               0xe0
#define H_SET_MODE           0x31c
#define H_REGISTER_PROC_TBL  0x37c
#define H_SIGNAL_SYS_RESET   0x380
#define KVMPPC_H_RTAS        0xf000   /* QEMU's RTAS entry: r4 = real address of the args */

#define H_SET_MODE_RESOURCE_LE  4
#define H_SET_MODE_ENDIAN_LE    1
/* H_REGISTER_PROC_TBL flags: MODIFY | REGISTER | RADIX | GTSE (guest may use tlbie) */
#define PROC_TBL_FLAGS          0x1d

/* Exception vectors (Book III, 7.5), offsets from real address 0 */
#define VEC_SYSTEM_RESET 0x100
#define VEC_MACHINE_CHECK 0x200
#define VEC_DSI          0x300
#define VEC_DSEG         0x380
#define VEC_ISI          0x400
#define VEC_ISEG         0x480
#define VEC_EXTERNAL     0x500
#define VEC_ALIGNMENT    0x600
#define VEC_PROGRAM      0x700
#define VEC_FP_UNAVAIL   0x800
#define VEC_DECREMENTER  0x900
#define VEC_DOORBELL     0xa00
#define VEC_SYSCALL      0xc00
#define VEC_TRACE        0xd00
#define VEC_PERF         0xf00
#define VEC_VMX_UNAVAIL  0xf20
#define VEC_VSX_UNAVAIL  0xf40
#define VEC_FAC_UNAVAIL  0xf60
#define VEC_STUBS_END    0x1000   /* stubs every 0x20 bytes from 0x100; the common part follows */
#define VEC_COPY_END     0x1100   /* bytes copied to real address 0x100..VEC_COPY_END */

/* struct ppc64_cpu (ppc64.h): the per-CPU area r13 and SPRG0 point at */
#define PC_R9        0
#define PC_R10       8
#define PC_R11       16
#define PC_R12       24
#define PC_SRR0      32
#define PC_SRR1      40
#define PC_VEC       48
#define PC_KMSR      56    /* MSR for the virtual-mode half of the entry: SF LE ME IR DR RI */
#define PC_ENTRY     64    /* virtual address of ppc64_trap_entry */
#define PC_TOC       72    /* the kernel's TOC pointer (r2) */
#define PC_EMERG_SP  80    /* top of this CPU's emergency stack */
#define PC_PERCPU    88    /* the generic struct percpu, which r13 holds in the kernel */
#define PC_CR        96    /* the interrupted CR, saved before anything compares */
#define PC_UFRAME    112   /* the running user thread's user frame (arch_user_switch) */

/* struct trap_frame (arch_defs.h) */
#define TF_BACKCHAIN 0     /* an ABI frame header, so that unwinding walks through traps */
#define TF_LR_SAVE   16
#define TF_GPR       32    /* r0..r31 */
#define TF_NIP       288   /* SRR0 */
#define TF_MSR       296   /* SRR1 */
#define TF_LR        304
#define TF_CTR       312
#define TF_CR        320
#define TF_XER       328
#define TF_DAR       336
#define TF_DSISR     344
#define TF_VECTOR    352
#define TF_PAD       360
#define TF_SIZE      368
/* struct arch_thread_state (arch_defs.h): a user thread's FP/VMX/VSX registers */
#define TS_VSR       0     /* VSR0..63, 16 bytes each: FPR0-31 overlay VSR0-31, VR0-31 are 32-63 */
#define TS_VSCR      1024  /* as mfvscr leaves it in a vector register */
#define TS_FPSCR     1040
#define TS_VRSAVE    1048
#define TS_SIZE      1056

#define RED_ZONE     288   /* ELFv2: leaf functions may use 288 bytes below r1 */
#define MIN_FRAME    32    /* ELFv2 minimal frame: back chain, CR, LR and TOC save words */

#endif
