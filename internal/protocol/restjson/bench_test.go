package restjson_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/restjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// discardWriter is a reusable http.ResponseWriter that drops the body.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkInvoke decodes the golden Lambda Invoke request (label,
// headers, blob payload) and encodes an Invoke response.
func BenchmarkInvoke(b *testing.B) {
	c, err := wiretest.ReadCase("testdata/lambda_invoke.request")
	if err != nil {
		b.Fatal(err)
	}
	m := model.MustLoad("lambda")
	r := httptest.NewRequest(c.Method, c.Target, nil)
	r.Header = c.Header
	body := bytes.NewReader(c.Body)
	call := &protocol.Call{Model: m, Operation: m.Operations["Invoke"], Labels: c.Labels, RequestID: wiretest.RequestID, Request: r}
	w := &discardWriter{h: http.Header{}}
	codec := restjson.Codec{}
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
