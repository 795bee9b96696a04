package checksum

import (
	"encoding/binary"
	"hash"
	"sync"
)

// crc64NVMEPoly is the CRC-64/NVME polynomial 0xad93d23594c93659 in the
// bit-reversed form a reflected CRC uses.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// crc64NVMETables returns the slicing-by-16 tables: table 0 is the classic
// byte-at-a-time table; table k advances a byte that is followed by k more.
// hash/crc64 slices only its built-in polynomials (and only by 8); for any
// other it goes a byte at a time on writes under 2 KiB and rebuilds its
// tables on every larger write, so CRC-64/NVME has its own. Sixteen tables
// (32 KiB) run about 1.5 times as fast as eight on the 1 MiB bodies of
// PutObject.
var crc64NVMETables = sync.OnceValue(func() *[16][256]uint64 {
	var t [16][256]uint64
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ crc64NVMEPoly
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 16; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return &t
})

// UpdateCRC64NVME returns the CRC-64/NVME of data appended to the data whose
// CRC-64/NVME is crc (0 for no data). On amd64 with PCLMULQDQ, inputs of
// 128 bytes or more are folded by carry-less multiplication
// (crc64nvme_amd64.s), about four times as fast as the tables.
func UpdateCRC64NVME(crc uint64, p []byte) uint64 {
	if c, ok := updateCRC64NVMEFold(^crc, p); ok {
		return ^c
	}
	return ^updateCRC64NVMETables(^crc, p)
}

// updateCRC64NVMETables advances the reflected register crc over p with
// the slicing-by-16 tables; the caller inverts before and after.
func updateCRC64NVMETables(crc uint64, p []byte) uint64 {
	t := crc64NVMETables()
	for len(p) >= 16 {
		lo := crc ^ binary.LittleEndian.Uint64(p)
		hi := binary.LittleEndian.Uint64(p[8:16])
		crc = t[15][lo&0xff] ^
			t[14][lo>>8&0xff] ^
			t[13][lo>>16&0xff] ^
			t[12][lo>>24&0xff] ^
			t[11][lo>>32&0xff] ^
			t[10][lo>>40&0xff] ^
			t[9][lo>>48&0xff] ^
			t[8][lo>>56] ^
			t[7][hi&0xff] ^
			t[6][hi>>8&0xff] ^
			t[5][hi>>16&0xff] ^
			t[4][hi>>24&0xff] ^
			t[3][hi>>32&0xff] ^
			t[2][hi>>40&0xff] ^
			t[1][hi>>48&0xff] ^
			t[0][hi>>56]
		p = p[16:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// xPowModNVME returns x^n modulo the CRC-64/NVME polynomial, in normal
// (not reflected) bit order: bit i is the coefficient of x^i.
func xPowModNVME(n int) uint64 {
	const poly = 0xad93d23594c93659
	r := uint64(1)
	for range n {
		carry := r >> 63
		r <<= 1
		if carry != 0 {
			r ^= poly
		}
	}
	return r
}

// crc64NVME is a hash.Hash64 computing CRC-64/NVME (reflected, initial value
// and final XOR all ones), the CRC64NVME checksum of S3 and the SDKs.
type crc64NVME struct{ crc uint64 }

// NewCRC64NVME returns a hash computing CRC-64/NVME. Its Sum appends the
// checksum big-endian, as S3 encodes it.
func NewCRC64NVME() hash.Hash64 { return &crc64NVME{} }

func (h *crc64NVME) Write(p []byte) (int, error) {
	h.crc = UpdateCRC64NVME(h.crc, p)
	return len(p), nil
}

func (h *crc64NVME) Sum(b []byte) []byte { return binary.BigEndian.AppendUint64(b, h.crc) }
func (h *crc64NVME) Sum64() uint64       { return h.crc }
func (h *crc64NVME) Reset()              { h.crc = 0 }
func (h *crc64NVME) Size() int           { return 8 }
func (h *crc64NVME) BlockSize() int      { return 1 }
