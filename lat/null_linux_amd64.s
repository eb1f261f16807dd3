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

// func oneByteLoop(n int, nr, fd uintptr, buf *byte) (done int, last int64)
// The system call nr(fd, buf, 1), read or write of one byte, n times through
// one called function, as a C program calling glibc's read() or write()
// does. It stops at the first call that does not return 1 and returns how
// many did, and what the last call returned (-errno on failure).
// R12 and R13 hold the call number and the count across the calls; DI, SI
// and DX survive SYSCALL, which clobbers only AX, CX and R11.
TEXT ·oneByteLoop(SB), NOSPLIT, $0-48
	MOVQ n+0(FP), BX
	MOVQ nr+8(FP), R12
	MOVQ fd+16(FP), DI
	MOVQ buf+24(FP), SI
	MOVQ $1, DX
	XORQ R13, R13
	XORQ AX, AX
	TESTQ BX, BX
	JLE  done
loop:
	MOVQ R12, AX
	CALL sys3Call<>(SB)
	CMPQ AX, $1
	JNE  done
	INCQ R13
	DECQ BX
	JNZ  loop
done:
	MOVQ R13, done+32(FP)
	MOVQ AX, last+40(FP)
	RET

TEXT sys3Call<>(SB), NOSPLIT|NOFRAME, $0-0
	SYSCALL
	RET
