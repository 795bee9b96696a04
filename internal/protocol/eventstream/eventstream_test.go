package eventstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	smithyes "github.com/aws/smithy-go/eventstream"
)

// sample is a message with every header type.
func sample() Message {
	return Message{
		Headers: []Header{
			{EventTypeHeader, "PayloadChunk"},
			{ContentTypeHeader, "application/octet-stream"},
			{MessageTypeHeader, "event"},
			{"t", true},
			{"f", false},
			{"i8", int8(-3)},
			{"i16", int16(-300)},
			{"i32", int32(70000)},
			{"i64", int64(-1 << 40)},
			{"bytes", []byte{0, 1, 2}},
			{"time", time.UnixMilli(1700000000123).UTC()},
			{"uuid", UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
		},
		Payload: []byte("hello, stream"),
	}
}

func TestRoundTrip(t *testing.T) {
	m := sample()
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&buf, Message{}); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(&buf)
	got, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("decoded\n%#v\nwant\n%#v", got, m)
	}
	empty, err := d.Decode()
	if err != nil || len(empty.Headers) != 0 || empty.Payload != nil {
		t.Fatalf("empty message %#v %v", empty, err)
	}
	if _, err := d.Decode(); err != io.EOF {
		t.Fatalf("end of stream: %v, want io.EOF", err)
	}
	if s, ok := got.StringHeader(EventTypeHeader); !ok || s != "PayloadChunk" {
		t.Fatalf("StringHeader %q %v", s, ok)
	}
	if got.Header("missing") != nil {
		t.Fatal("missing header has a value")
	}
}

// TestSmithyInterop checks the encoding against the AWS SDK's own codec
// both ways: the SDK decodes what we write, we decode what it writes, and
// both write the same bytes.
func TestSmithyInterop(t *testing.T) {
	m := sample()
	ours, err := Append(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	var theirs smithyes.Message
	theirs.Payload = m.Payload
	for _, h := range m.Headers {
		var v smithyes.Value
		switch x := h.Value.(type) {
		case string:
			v = smithyes.StringValue(x)
		case bool:
			v = smithyes.BoolValue(x)
		case int8:
			v = smithyes.Int8Value(x)
		case int16:
			v = smithyes.Int16Value(x)
		case int32:
			v = smithyes.Int32Value(x)
		case int64:
			v = smithyes.Int64Value(x)
		case []byte:
			v = smithyes.BytesValue(x)
		case time.Time:
			v = smithyes.TimestampValue(x)
		case UUID:
			u := smithyes.UUIDValue(x)
			v = u
		}
		theirs.Headers = append(theirs.Headers, smithyes.Header{Name: h.Name, Value: v})
	}
	var tb bytes.Buffer
	if err := smithyes.NewEncoder().Encode(&tb, theirs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, tb.Bytes()) {
		t.Fatalf("encodings differ:\nours   %x\ntheirs %x", ours, tb.Bytes())
	}
	dec, err := smithyes.NewDecoder().Decode(bytes.NewReader(ours), nil)
	if err != nil {
		t.Fatalf("SDK decoding ours: %v", err)
	}
	if string(dec.Payload) != string(m.Payload) || dec.Headers.Get(EventTypeHeader).String() != "PayloadChunk" {
		t.Fatalf("SDK decoded %v", dec)
	}
	back, n, err := Decode(tb.Bytes())
	if err != nil || n != tb.Len() || !reflect.DeepEqual(back, m) {
		t.Fatalf("decoding the SDK's: %v n=%d %#v", err, n, back)
	}
}

// reframe rewrites b's CRCs after a test edits it.
func reframe(b []byte) []byte {
	binary.BigEndian.PutUint32(b[8:12], crc32.ChecksumIEEE(b[0:8]))
	n := len(b)
	binary.BigEndian.PutUint32(b[n-4:], crc32.ChecksumIEEE(b[:n-4]))
	return b
}

func TestDecodeErrors(t *testing.T) {
	good, err := Append(nil, Message{Headers: []Header{{"k", "v"}}, Payload: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"prelude crc", edit(func(b []byte) []byte { b[9] ^= 1; return b }), "prelude checksum"},
		{"message crc", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "message checksum"},
		{"payload bit", edit(func(b []byte) []byte { b[len(b)-5] ^= 1; return b }), "message checksum"},
		{"truncated", good[:len(good)-2], "unexpected EOF"},
		{"short prelude", good[:5], "unexpected EOF"},
		{"headers too long", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[4:8], MaxHeadersSize+1)
			return reframe(b)
		}), "headers of"},
		{"total too short", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[0:4], 10)
			return reframe(b)
		}), "too short"},
		{"headers beyond total", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[4:8], uint32(len(b)))
			return reframe(b)
		}), "too short"},
		{"unknown type", edit(func(b []byte) []byte { b[12+1+1] = 42; return reframe(b) }), "unknown value type"},
		{"empty name", edit(func(b []byte) []byte { b[12] = 0; return reframe(b) }), "empty header name"},
		{"string past headers", edit(func(b []byte) []byte { b[12+1+1+1+1] = 9; return reframe(b) }), "cut short"},
		{"payload too large", func() []byte {
			b := make([]byte, 16)
			binary.BigEndian.PutUint32(b[0:4], MaxPayloadSize+17)
			return reframe(b)
		}(), "payload of"},
	}
	for _, c := range cases {
		_, _, err := Decode(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decode error %v, want %q", c.name, err, c.want)
		}
		_, err = NewDecoder(bytes.NewReader(c.in)).Decode()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decoder error %v, want %q", c.name, err, c.want)
		}
	}
	if !errors.Is(ErrMessageChecksum, ErrMessageChecksum) {
		t.Fatal("sentinel")
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, m := range []Message{
		{Headers: []Header{{"", "x"}}},
		{Headers: []Header{{strings.Repeat("n", 256), "x"}}},
		{Headers: []Header{{"k", 3.5}}},
		{Headers: []Header{{"k", strings.Repeat("v", MaxHeaderValueSize+1)}}},
		{Headers: []Header{{"k", make([]byte, MaxHeaderValueSize+1)}}},
		{Payload: make([]byte, MaxPayloadSize+1)},
	} {
		if b, err := Append([]byte("keep"), m); err == nil || string(b) != "keep" {
			t.Errorf("Append(%.40v) = %q, %v; want an error and dst unchanged", m.Headers, b, err)
		}
	}
	var many []Header
	for range MaxHeadersSize / 100 {
		many = append(many, Header{"k", strings.Repeat("v", 100)})
	}
	if _, err := Append(nil, Message{Headers: many}); err == nil {
		t.Error("oversized headers encoded")
	}
}

// FuzzDecode checks that decoding never panics and that every message it
// accepts encodes back to exactly the bytes it came from.
func FuzzDecode(f *testing.F) {
	for _, m := range []Message{sample(), {}, {Payload: []byte("{}")}, {Headers: []Header{{":event-type", "InvokeComplete"}}}} {
		b, err := Append(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(append(b, b...))
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(bytes.NewReader(in))
		var re []byte
		for {
			m, err := d.Decode()
			if err != nil {
				break
			}
			if re, err = Append(re, m); err != nil {
				t.Fatalf("re-encoding a decoded message: %v", err)
			}
		}
		if !bytes.HasPrefix(in, re) {
			t.Fatalf("re-encoding differs:\nin %x\nre %x", in, re)
		}
		off := 0
		for off < len(in) {
			_, n, err := Decode(in[off:])
			if err != nil {
				break
			}
			off += n
		}
		if off != len(re) {
			t.Fatalf("Decode consumed %d bytes, Decoder %d", off, len(re))
		}
	})
}
