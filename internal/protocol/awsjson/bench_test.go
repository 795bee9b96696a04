package awsjson_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// discardWriter is a reusable http.ResponseWriter that drops the body.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkSendMessage decodes the SQS SendMessage request of the golden
// case and encodes a SendMessage response, as the gateway does per call.
func BenchmarkSendMessage(b *testing.B) {
	c, err := wiretest.ReadCase("testdata/sqs_send_message.request")
	if err != nil {
		b.Fatal(err)
	}
	m := model.MustLoad("sqs")
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header = c.Header
	body := bytes.NewReader(c.Body)
	call := &protocol.Call{Model: m, Operation: m.Operations["SendMessage"], RequestID: wiretest.RequestID, Request: r}
	out := map[string]any{
		"MessageId":              "5fea7756-0ea4-451a-a703-a558b933e274",
		"MD5OfMessageBody":       "3b8d8a0e3ad7f4a2ad7b46ea8e4fc6a5",
		"MD5OfMessageAttributes": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
	}
	w := &discardWriter{h: http.Header{}}
	codec := awsjson.Codec{}
	b.SetBytes(int64(len(c.Body)))
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(c.Body)
		r.Body = io.NopCloser(body)
		if _, err := codec.DecodeRequest(call); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		if err := codec.EncodeResponse(w, call, out); err != nil {
			b.Fatal(err)
		}
	}
}
