package checksum

import (
	"encoding/binary"
	"math/bits"
)

// cpuid executes CPUID for leaf and sub-leaf.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// crc64FoldCLMUL folds p (a multiple of 16 bytes, at least 64) with
// carry-less multiplication, crc XORed into its first eight bytes, down to
// a 128-bit state whose CRC is p's.
//
//go:noescape
func crc64FoldCLMUL(crc uint64, p []byte, k *foldConstants) (lo, hi uint64)

// foldConstants are the multipliers crc64FoldCLMUL folds by: x^(d+63) and
// x^(d-1) modulo the polynomial, bit-reflected, for a distance d of 512
// bits (four lanes of 16 bytes) and of 128 bits (one lane).
type foldConstants [4]uint64

// crc64Fold holds the constants; nil when the CPU lacks PCLMULQDQ or
// SSE4.1, and the tables do all the work.
var crc64Fold = func() *foldConstants {
	if _, _, ecx, _ := cpuid(1, 0); ecx&(1<<1) == 0 || ecx&(1<<19) == 0 {
		return nil
	}
	return &foldConstants{
		bits.Reverse64(xPowModNVME(512 + 63)), bits.Reverse64(xPowModNVME(512 - 1)),
		bits.Reverse64(xPowModNVME(128 + 63)), bits.Reverse64(xPowModNVME(128 - 1)),
	}
}()

// minFoldLength is the shortest input worth folding: below it the setup
// costs more than the tables.
const minFoldLength = 128

// updateCRC64NVMEFold advances the reflected register crc (already
// inverted) over p by folding, when the CPU can and p is long enough, and
// reports whether it did; the tables take over otherwise.
func updateCRC64NVMEFold(crc uint64, p []byte) (uint64, bool) {
	if crc64Fold == nil || len(p) < minFoldLength {
		return 0, false
	}
	n := len(p) &^ 15
	lo, hi := crc64FoldCLMUL(crc, p[:n], crc64Fold)
	var state [16]byte
	binary.LittleEndian.PutUint64(state[:8], lo)
	binary.LittleEndian.PutUint64(state[8:], hi)
	crc = updateCRC64NVMETables(0, state[:])
	return updateCRC64NVMETables(crc, p[n:]), true
}
