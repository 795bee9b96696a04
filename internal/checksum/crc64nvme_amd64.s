#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// FOLD folds the 128-bit state in X across the distance whose constants
// are in K (low: the high half's, high: the low half's) and XORs in the
// 16 bytes at MEM: X = clmul(X.lo, K.lo) ^ clmul(X.hi, K.hi) ^ MEM.
#define FOLD(X, T, K, MEM) \
	MOVOA     X, T;          \
	PCLMULQDQ $0x00, K, X;   \
	PCLMULQDQ $0x11, K, T;   \
	PXOR      T, X;          \
	MOVOU     MEM, T;        \
	PXOR      T, X

// FOLDREG is FOLD with a register in place of memory.
#define FOLDREG(X, T, K, Y) \
	MOVOA     X, T;          \
	PCLMULQDQ $0x00, K, X;   \
	PCLMULQDQ $0x11, K, T;   \
	PXOR      T, X;          \
	PXOR      X, Y

// func crc64FoldCLMUL(crc uint64, p []byte, k *foldConstants) (lo, hi uint64)
//
// p's length is a multiple of 16 and at least 64. crc is XORed into p's
// first eight bytes; the result is the 128-bit state p folds to.
TEXT ·crc64FoldCLMUL(SB), NOSPLIT, $0-56
	MOVQ crc+0(FP), AX
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), CX
	MOVQ k+32(FP), DX

	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVQ  AX, X8
	PXOR  X8, X0
	ADDQ  $64, SI
	SUBQ  $64, CX

	MOVOU 0(DX), X9
	CMPQ  CX, $64
	JB    combine

loop4:
	FOLD(X0, X4, X9, 0(SI))
	FOLD(X1, X5, X9, 16(SI))
	FOLD(X2, X6, X9, 32(SI))
	FOLD(X3, X7, X9, 48(SI))
	ADDQ $64, SI
	SUBQ $64, CX
	CMPQ CX, $64
	JAE  loop4

combine:
	MOVOU 16(DX), X9
	FOLDREG(X0, X4, X9, X1)
	FOLDREG(X1, X4, X9, X2)
	FOLDREG(X2, X4, X9, X3)

loop1:
	CMPQ CX, $16
	JB   done
	FOLD(X3, X4, X9, 0(SI))
	ADDQ $16, SI
	SUBQ $16, CX
	JMP  loop1

done:
	MOVQ   X3, AX
	MOVQ   AX, lo+40(FP)
	PEXTRQ $1, X3, AX
	MOVQ   AX, hi+48(FP)
	RET
