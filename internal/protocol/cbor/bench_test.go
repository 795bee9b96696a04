package cbor_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// discardWriter is a reusable http.ResponseWriter that drops the body.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkGetMetricData decodes the golden GetMetricData request and
// encodes its output (timestamps, nested lists).
func BenchmarkGetMetricData(b *testing.B) {
	c, err := wiretest.ReadCase("testdata/cloudwatch_get_metric_data.request")
	if err != nil {
		b.Fatal(err)
	}
	m := model.MustLoad("cloudwatch")
	r := httptest.NewRequest(c.Method, c.Target, nil)
	r.Header = c.Header
	body := bytes.NewReader(c.Body)
	call := &protocol.Call{Model: m, Operation: m.Operations["GetMetricData"], RequestID: wiretest.RequestID, Request: r}
	w := &discardWriter{h: http.Header{}}
	codec := cbor.Codec{}
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(c.Body)
		r.Body = io.NopCloser(body)
		if _, err := codec.DecodeRequest(call); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		if err := codec.EncodeResponse(w, call, c.Output); err != nil {
			b.Fatal(err)
		}
	}
}
