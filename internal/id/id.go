// Package id generates the identifiers Virga hands out: request ids, message
// ids, version ids. It is injected so tests can make ids predictable.
package id

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync/atomic"
)

// Source produces identifiers.
type Source interface {
	// UUID returns a random (version 4) UUID in canonical form.
	UUID() string
	// Hex returns n random bytes as lower-case hex.
	Hex(n int) string
}

// Random is the production Source. UUIDs come from a random 64-bit prefix
// drawn at start and a counter, so they are unique and cheap; Hex uses
// crypto/rand.
type Random struct {
	prefix  [8]byte
	counter atomic.Uint64
}

// NewRandom returns a Random source.
func NewRandom() *Random {
	r := &Random{}
	rand.Read(r.prefix[:])
	var c [8]byte
	rand.Read(c[:])
	r.counter.Store(binary.BigEndian.Uint64(c[:]))
	return r
}

// UUID returns a unique version-4-shaped UUID.
func (r *Random) UUID() string {
	var b [16]byte
	copy(b[:8], r.prefix[:])
	binary.BigEndian.PutUint64(b[8:], r.counter.Add(1))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return format(b)
}

func format(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// Hex returns n random bytes as hex.
func (r *Random) Hex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Sequential is a deterministic Source for tests: ids count up from 1.
type Sequential struct{ n atomic.Uint64 }

// UUID returns 00000000-0000-4000-8000-00000000000N.
func (s *Sequential) UUID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", s.n.Add(1))
}

// Hex returns the counter as n bytes of hex.
func (s *Sequential) Hex(n int) string {
	return fmt.Sprintf("%0*x", 2*n, s.n.Add(1))
}
