package awsjson

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func specialByte(c byte) bool { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80 }

// TestSpecial checks the word test against the byte test for every byte
// value at every position, alone and next to every other byte value.
func TestSpecial(t *testing.T) {
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			for other := 0; other < 256; other++ {
				b := bytes.Repeat([]byte{'a'}, 8)
				b[pos] = byte(c)
				b[(pos+3)%8] = byte(other)
				want := specialByte(byte(c)) || specialByte(byte(other))
				if got := special(binary.LittleEndian.Uint64(b)); got != want {
					t.Fatalf("special(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

// appendStringByBytes is AppendString written byte by byte, without the
// eight-byte skip: the reference the fast path must match.
func appendStringByBytes(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 0x20 && c != '"' && c != '\\':
				buf = append(buf, c)
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// checkString compares AppendString with the byte-by-byte reference and
// the direct decoder's string scan with its byte-by-byte meaning.
func checkString(t *testing.T, s string) {
	t.Helper()
	if got, want := AppendString(nil, s), appendStringByBytes(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
	}
	quoted := append(append([]byte{'"'}, s...), '"')
	d := directDecoder{data: quoted}
	end, plain, ok := d.scanString()
	wantPlain := utf8.ValidString(s)
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == '"' || s[i] == '\\' {
			wantPlain = false
		}
	}
	stops := bytes.IndexAny([]byte(s), "\"\\") < 0 && bytes.IndexFunc([]byte(s), func(r rune) bool { return r < 0x20 }) < 0
	if stops && (!ok || end != len(quoted) || plain != wantPlain) {
		t.Fatalf("scanString(%q) = %d %v %v, want %d %v true", quoted, end, plain, ok, len(quoted), wantPlain)
	}
}

// TestStringScans covers strings of every length around the eight-byte
// steps with a special byte at each position.
func TestStringScans(t *testing.T) {
	src := rand.New(rand.NewPCG(3, 4))
	specials := []string{"\"", "\\", "\n", "\x01", "\x7f", "é", "\u2028", "\xff", "🙂"}
	for n := 0; n < 40; n++ {
		base := make([]byte, n)
		for i := range base {
			base[i] = byte('a' + src.IntN(26))
		}
		checkString(t, string(base))
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				checkString(t, string(base[:pos])+sp+string(base[pos:]))
			}
		}
	}
}

// FuzzAppendString checks AppendString and scanString against their
// byte-by-byte meaning.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text here", "quote\"inside", "tab\there and more text", "é日本語", "\u2028x\u2029", "bad\xffutf8 more", "\x00\x01\x02\x03\x04\x05\x06\x07\x08"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkString(t, s)
	})
}
