#include "textflag.h"

// The null system call is getppid (110 on x86-64, 64 through the i386 table):
// it takes no argument, touches no user memory and cannot fail, so what it
// costs is entering and leaving the kernel. The loops are in assembly so that
// the only instructions around the system call are the ones named; BX holds
// the count because SYSCALL clobbers CX and R11, and int $0x80 clears R8-R11.

// func nullInlineLoop(n int)
// The SYSCALL instruction in a tight loop: kernel entry and exit alone.
TEXT ·nullInlineLoop(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), BX
	TESTQ BX, BX
	JLE  done
loop:
	MOVQ $110, AX
	SYSCALL
	DECQ BX
	JNZ  loop
done:
	RET

// func nullCallLoop(n int)
// getppid through one called function: one return follows the kernel's exit,
// which is what a C program calling glibc's getppid() pays.
TEXT ·nullCallLoop(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), BX
	TESTQ BX, BX
	JLE  done
loop:
	CALL getppidCall<>(SB)
	DECQ BX
	JNZ  loop
done:
	RET

// func nullCallOnce() int64
TEXT ·nullCallOnce(SB), NOSPLIT, $0-8
	CALL getppidCall<>(SB)
	MOVQ AX, ret+0(FP)
	RET

TEXT getppidCall<>(SB), NOSPLIT|NOFRAME, $0-0
	MOVQ $110, AX
	SYSCALL
	RET

// func int80Loop(n int)
// getppid through int $0x80, the legacy i386 entry path (IA32 emulation).
TEXT ·int80Loop(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), BX
	TESTQ BX, BX
	JLE  done
loop:
	MOVL $64, AX
	INT  $0x80
	DECQ BX
	JNZ  loop
done:
	RET

// func int80Once() int32
TEXT ·int80Once(SB), NOSPLIT, $0-4
	MOVL $64, AX
	INT  $0x80
	MOVL AX, ret+0(FP)
	RET
