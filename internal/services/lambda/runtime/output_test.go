package runtime

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// frame encodes a telemetry frame of type typ.
func frame(typ uint32, msg string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, typ)
	binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	binary.Write(&b, binary.BigEndian, uint64(1700000000000000))
	b.WriteString(msg)
	return b.Bytes()
}

// split feeds data to a frame splitter in pieces of size n and returns
// the records.
func split(data []byte, n int) []string {
	var out []string
	emit := func(s string) { out = append(out, s) }
	var f frameSplitter
	for len(data) > 0 {
		k := min(n, len(data))
		f.feed(data[:k], emit)
		data = data[k:]
	}
	f.end(emit)
	return out
}

func TestFrameSplitter(t *testing.T) {
	long := strings.Repeat("x", maxLineSize+10)
	stream := slices.Concat(
		frame(0xa55a0017, "[ERROR] ValueError: boom\nTraceback (most recent call last):\n\u00a0\u00a0File \"app.py\", line 3"),
		frame(0xa55a0003, "[WARNING]\tmulti\nline\n"),
		frame(0xa55a0003, ""), // nothing to log
		frame(0xa55a000f, long),
	)
	want := []string{
		"[ERROR] ValueError: boom\nTraceback (most recent call last):\n\u00a0\u00a0File \"app.py\", line 3",
		"[WARNING]\tmulti\nline",
		long[:maxLineSize], long[maxLineSize:],
	}
	for _, n := range []int{1, 3, 16, 17, 1000, len(stream)} {
		if got := split(stream, n); !slices.Equal(got, want) {
			t.Fatalf("pieces of %d: %d records %.200q", n, len(got), got)
		}
	}
	// A frame cut short keeps what arrived; a stream that is not framed
	// is cut into lines.
	if got := split(frame(0xa55a0003, "cut short")[:20], 7); !slices.Equal(got, []string{"cut "}) {
		t.Fatalf("cut frame: %q", got)
	}
	if got := split([]byte("plain text\nnot framed at all\n"), 5); !slices.Equal(got, []string{"plain text", "not framed at all"}) {
		t.Fatalf("unframed: %q", got)
	}
}

func TestLineSplitter(t *testing.T) {
	var out []string
	emit := func(s string) { out = append(out, s) }
	var l lineSplitter
	for _, piece := range []string{"a\r\nb", "c\n\nd", strings.Repeat("y", maxLineSize+1)} {
		l.feed([]byte(piece), emit)
	}
	l.end(emit)
	want := []string{"a", "bc", "", "d" + strings.Repeat("y", maxLineSize-1), "yy"}
	if !slices.Equal(out, want) {
		t.Fatalf("%d lines %.100q", len(out), out)
	}
}

// FuzzFrameSplitter feeds the splitter what a process may write to its
// telemetry pipe, in two pieces: it must not panic, keep records within
// the event limit, and give the same records however the stream is cut.
func FuzzFrameSplitter(f *testing.F) {
	f.Add(frame(0xa55a0003, "hello\n"), 5)
	f.Add(slices.Concat(frame(0xa55a0017, "a\nb"), frame(0xa55a0003, "c")), 17)
	f.Add([]byte{0xa5, 0x5a, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 'x'}, 16)
	f.Add([]byte("not a frame\n"), 3)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		whole := split(data, len(data)+1)
		for _, r := range whole {
			if len(r) > maxLineSize {
				t.Fatalf("record of %d bytes", len(r))
			}
		}
		if cut <= 0 {
			return
		}
		if pieces := split(data, cut%64+1); !slices.Equal(pieces, whole) {
			t.Fatalf("records differ when cut every %d bytes: %q vs %q", cut%64+1, pieces, whole)
		}
	})
}
