package sqs

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/virga-aws/virga/internal/server/servertest"
)

// The HTTP benchmarks replay the request an aws-sdk-go-v2 client sends in
// the sqs-send workload of internal/bench through the server's handler, so
// they measure everything the server does per request (routing, decoding,
// validation, binding, the handler, encoding) and nothing the client does.
// BenchmarkHTTPLimit does what ../shared/limit does with the same request.

// recordSend returns the sqs-send workload's SendMessage request.
func recordSend(b *testing.B) *servertest.Replay {
	e := start(b, false)
	url := e.createQueue("bench", nil)
	cfg := servertest.Config(b, e.srv, "", "")
	rec := &servertest.Recorder{Next: http.DefaultClient}
	cfg.HTTPClient = rec
	c := awssqs.NewFromConfig(cfg)
	if _, err := c.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &benchBody}); err != nil {
		b.Fatal(err)
	}
	return rec.Last(e.srv.Handler())
}

// BenchmarkHTTPSendMessage is the sqs-send workload's request.
func BenchmarkHTTPSendMessage(b *testing.B) {
	rp := recordSend(b)
	rp.Run(b, -1)
}

// BenchmarkHTTPLimit serves the same request as ../shared/limit does
// (read the body, decode MessageBody, answer its MD5), so that
// BenchmarkHTTPSendMessage's excess over it is the server's own work.
func BenchmarkHTTPLimit(b *testing.B) {
	rp := recordSend(b)
	rp.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out := limitSendMessage(body)
		h := w.Header()
		h.Set("x-amz-request-id", "0000000000000000")
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("Content-Length", strconv.Itoa(len(out)))
		w.Write(out)
	})
	rp.Run(b, -1)
}

// limitSendMessage is ../shared/limit's answer to SendMessage.
func limitSendMessage(body []byte) []byte {
	var in struct{ MessageBody string }
	_ = json.Unmarshal(body, &in)
	sum := md5.Sum([]byte(in.MessageBody))
	return []byte(`{"MD5OfMessageBody":"` + hex.EncodeToString(sum[:]) + `","MessageId":"00000000-0000-0000-0000-000000000000"}`)
}
