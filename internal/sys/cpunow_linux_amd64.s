#include "textflag.h"

// func cpuid(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func tscAux() uint32
// RDTSCP's IA32_TSC_AUX, which Linux sets to node<<12 | cpu on every CPU.
TEXT ·tscAux(SB), NOSPLIT, $0-4
	RDTSCP
	MOVL CX, ret+0(FP)
	RET

// func rdpid() uint32
// RDPID RAX (F3 0F C7 /7), spelled in bytes: the same IA32_TSC_AUX as
// RDTSCP's, without reading the time-stamp counter, which makes RDTSCP
// several times slower.
TEXT ·rdpid(SB), NOSPLIT, $0-4
	BYTE $0xF3; BYTE $0x0F; BYTE $0xC7; BYTE $0xF8
	MOVL AX, ret+0(FP)
	RET
