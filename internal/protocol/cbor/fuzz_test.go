package cbor_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// fuzzOps are the CloudWatch operations whose inputs the fuzzer decodes:
// timestamps, doubles, nested lists and maps, integers and booleans.
var fuzzOps = []string{"PutMetricData", "GetMetricData", "GetMetricStatistics", "PutMetricAlarm", "ListMetrics", "PutDashboard", "PutAnomalyDetector"}

// FuzzDecodeCBOR decodes arbitrary bytes as the inputs of a few
// CloudWatch operations. Decoding must never panic and must fail only with
// a SerializationException; a decoded tree, encoded again with the input
// shape as an output and decoded once more, must come back equal.
func FuzzDecodeCBOR(f *testing.F) {
	for _, body := range wiretest.Bodies("testdata", "cloudwatch") {
		for i := range fuzzOps {
			f.Add(body, uint8(i))
		}
	}
	f.Add([]byte{0xa1, 0x69, 'S', 't', 'a', 'r', 't', 'T', 'i', 'm', 'e', 0xc1, 0xf9, 0x3c, 0x00}, uint8(1))
	f.Add([]byte{0xbf, 0x66, 'P', 'e', 'r', 'i', 'o', 'd', 0xc2, 0x41, 0x3c, 0xff}, uint8(3))
	f.Add([]byte{0xf6}, uint8(4))
	f.Add([]byte{}, uint8(4))

	m := model.MustLoad("cloudwatch")
	f.Fuzz(func(t *testing.T, body []byte, sel uint8) {
		op := m.Operations[fuzzOps[int(sel)%len(fuzzOps)]]
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		tree, err := cbor.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Request: r})
		if err != nil {
			if e := awserr.As(err); e.Code != "SerializationException" || (e.Status != 400 && e.Status != 413) {
				t.Fatalf("decode error %v, want a SerializationException", e)
			}
			return
		}
		encoded, err := cbor.Encode(tree, op.Input)
		if err != nil {
			t.Fatalf("encoding %s: %v", wiretest.Dump(tree), err)
		}
		again, err := cbor.Decode(encoded, op.Input.Shape)
		if err != nil {
			t.Fatalf("re-decoding %x: %v", encoded, err)
		}
		if !wiretest.Equal(tree, again) {
			t.Fatalf("round trip changed the tree:\n%s\nencoded %x\ndecoded again:\n%s", wiretest.Dump(tree), encoded, wiretest.Dump(again))
		}
	})
}
