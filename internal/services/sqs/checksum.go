package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"
)

// attribute is one message attribute (user or system) as stored.
type attribute struct {
	Name     string `json:"n"`
	DataType string `json:"t"`
	String   string `json:"s,omitempty"`
	Binary   []byte `json:"b,omitempty"`
}

// isBinary reports whether the attribute's transport type is binary: its
// data type is Binary or a custom Binary.<label>.
func (a *attribute) isBinary() bool { return strings.HasPrefix(a.DataType, "Binary") }

// size is what the attribute counts toward the message size limit: its
// name, data type and value.
func (a *attribute) size() int { return len(a.Name) + len(a.DataType) + len(a.String) + len(a.Binary) }

// md5Hex returns the lower-case hex MD5 of s, as MD5OfMessageBody is.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes computes MD5OfMessageAttributes (and
// MD5OfMessageSystemAttributes) as SQS and the SDKs that verify it do: over
// the attributes sorted by name, each encoded as its name, its data type,
// one transport byte (1 string, 2 binary) and its value, every string and
// value preceded by its length as a 4-byte big-endian integer. attrs must
// be sorted by name; the result is "" for none.
func md5OfAttributes(attrs []attribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for i := range attrs {
		a := &attrs[i]
		writeLengthPrefixed(h, []byte(a.Name))
		writeLengthPrefixed(h, []byte(a.DataType))
		if a.isBinary() {
			h.Write([]byte{2})
			writeLengthPrefixed(h, a.Binary)
		} else {
			h.Write([]byte{1})
			writeLengthPrefixed(h, []byte(a.String))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLengthPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}
