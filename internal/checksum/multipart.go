package checksum

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Composite returns the COMPOSITE checksum S3 reports for a multipart
// upload: checksum a of the concatenated raw part checksums, in base64,
// suffixed "-N" for N parts. partSums are the raw (decoded) checksums in
// part order. It does not check a.SupportsComposite: S3 accepts composite
// checksums only where that is true.
func Composite(a Algorithm, partSums [][]byte) (string, error) {
	h, err := New(a)
	if err != nil {
		return "", err
	}
	size := a.Size()
	for i, sum := range partSums {
		if len(sum) != size {
			return "", fmt.Errorf("part %d: %s checksum is %d bytes, want %d", i+1, a, len(sum), size)
		}
		h.Write(sum)
	}
	var buf [64]byte
	return Encode(h.Sum(buf[:0])) + "-" + strconv.Itoa(len(partSums)), nil
}

// Part is one part of a multipart upload as a full-object checksum needs
// it: its raw checksum and its length in bytes.
type Part struct {
	Sum  []byte
	Size int64
}

// FullObject returns the FULL_OBJECT checksum S3 reports for a multipart
// upload, in base64: the CRC a of the whole object, combined from the parts'
// CRCs and lengths without reading the data. Only the CRC algorithms (see
// Algorithm.SupportsFullObject) can be combined; others return an error.
func FullObject(a Algorithm, parts []Part) (string, error) {
	var poly uint64
	width := 32
	switch a {
	case CRC32:
		poly = crc32.IEEE
	case CRC32C:
		poly = crc32.Castagnoli
	case CRC64NVME:
		poly, width = crc64NVMEPoly, 64
	default:
		return "", fmt.Errorf("%s checksums cannot be combined into a full-object checksum", a)
	}
	size := width / 8
	var crc uint64
	for i, p := range parts {
		if len(p.Sum) != size {
			return "", fmt.Errorf("part %d: %s checksum is %d bytes, want %d", i+1, a, len(p.Sum), size)
		}
		if p.Size < 0 {
			return "", fmt.Errorf("part %d: negative size %d", i+1, p.Size)
		}
		var partCRC uint64
		if width == 32 {
			partCRC = uint64(binary.BigEndian.Uint32(p.Sum))
		} else {
			partCRC = binary.BigEndian.Uint64(p.Sum)
		}
		if i == 0 {
			crc = partCRC
			continue
		}
		crc = combineCRC(crc, partCRC, p.Size, poly, width)
	}
	var out [8]byte
	if width == 32 {
		return Encode(binary.BigEndian.AppendUint32(out[:0], uint32(crc))), nil
	}
	return Encode(binary.BigEndian.AppendUint64(out[:0], crc)), nil
}

// combineCRC returns the CRC of A followed by B given crcA, crcB and the
// length of B, for a reflected CRC of the given width whose initial value
// and final XOR are all ones (CRC-32, CRC-32C, CRC-64/NVME). It applies to
// crcA the linear operator "append lenB zero bytes", built by repeated
// squaring of the one-zero-bit operator over GF(2), then adds crcB.
func combineCRC(crcA, crcB uint64, lenB int64, poly uint64, width int) uint64 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [64]uint64
	// odd: the operator for one zero bit.
	odd[0] = poly
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even[:width], odd[:width]) // two zero bits
	gf2Square(odd[:width], even[:width]) // four zero bits
	for {
		gf2Square(even[:width], odd[:width]) // first pass: one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(even[:width], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(odd[:width], even[:width])
		if lenB&1 != 0 {
			crcA = gf2Times(odd[:width], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

// gf2Times multiplies the GF(2) matrix mat (one column per bit) by vec.
func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

// gf2Square sets square to mat×mat.
func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// MultipartETag returns the quoted ETag S3 reports for a multipart upload:
// the hex MD5 of the concatenated raw part MD5s, suffixed "-N" for N parts.
func MultipartETag(partMD5s [][]byte) string {
	h := md5.New()
	for _, sum := range partMD5s {
		h.Write(sum)
	}
	var buf [md5.Size]byte
	return `"` + hex.EncodeToString(h.Sum(buf[:0])) + "-" + strconv.Itoa(len(partMD5s)) + `"`
}
