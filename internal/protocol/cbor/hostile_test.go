package cbor_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/cbor"
)

// TestHostileInput feeds bodies built to exhaust memory or time: each must
// fail with a SerializationException while allocating little.
func TestHostileInput(t *testing.T) {
	repeat := func(prefix []byte, b byte, n int, suffix ...byte) []byte {
		out := append([]byte(nil), prefix...)
		out = append(out, bytes.Repeat([]byte{b}, n)...)
		return append(out, suffix...)
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	tests := []struct {
		name     string
		body     []byte
		gzip     bool
		status   int
		maxAlloc uint64
	}{
		{"deep nesting", repeat([]byte{0xa1, 0x61, 'x'}, 0x81, 100000, 0x00), false, 400, 1 << 20},
		{"huge declared array", []byte{0xa1, 0x61, 'x', 0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false, 400, 1 << 20},
		{"huge declared map", []byte{0xa1, 0x61, 'x', 0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false, 400, 1 << 20},
		{"huge declared byte string", []byte{0xa1, 0x61, 'x', 0x5b, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00}, false, 400, 1 << 20},
		{"too many array elements", repeat([]byte{0xa1, 0x61, 'x', 0x9f}, 0x00, cbor.MaxArrayElements+1, 0xff), false, 400, 8 << 20},
		{"endless indefinite string", repeat([]byte{0xa1, 0x61, 'x', 0x5f}, 0x40, 1<<20), false, 400, 8 << 20},
		{"invalid UTF-8", []byte{0xa1, 0x69, 'N', 'a', 'm', 'e', 's', 'p', 'a', 'c', 'e', 0x62, 0xff, 0xfe}, false, 400, 1 << 20},
		{"integer map key", []byte{0xa1, 0x01, 0x02}, false, 400, 1 << 20},
		{"reserved simple value", []byte{0xa1, 0x61, 'x', 0xfc}, false, 400, 1 << 20},
		{"oversized body", repeat([]byte{0xa1, 0x61, 'x', 0x5a, 0x00, 0x30, 0x00, 0x00}, 'a', 3<<20), false, 413, 8 << 20},
		{"gzip bomb", bomb.Bytes(), true, 413, 16 << 20},
		{"corrupt gzip", []byte{0x1f, 0x8b, 0x08, 0x00, 0x01}, true, 400, 1 << 20},
	}
	m := model.MustLoad("cloudwatch")
	op := m.Operations["PutMetricData"]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tt.body))
			if tt.gzip {
				r.Header.Set("Content-Encoding", "gzip")
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			tree, err := cbor.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Request: r})
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("decoded %v, want an error", tree)
			}
			if e := awserr.As(err); e.Code != "SerializationException" || e.Status != tt.status {
				t.Errorf("error %v (status %d), want SerializationException %d", e, e.Status, tt.status)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tt.maxAlloc {
				t.Errorf("allocated %d bytes for a %d-byte body, want at most %d", alloc, len(tt.body), tt.maxAlloc)
			}
		})
	}
}
