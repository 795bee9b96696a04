package sqs

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/virga-aws/virga/internal/server/servertest"
)

// The HTTP benchmarks replay the request an aws-sdk-go-v2 client sends in
// the sqs-send workload of internal/bench through the server's handler, so
// they measure everything the server does per request (routing, decoding,
// validation, binding, the handler, encoding) and nothing the client does.
// BenchmarkHTTPLimit does what ../shared/limit does with the same request.

// recordingClient is an SDK HTTP client that keeps the last request it
// sent and forwards it.
type recordingClient struct {
	next *http.Client
	mu   sync.Mutex
	last *replay
}

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.mu.Lock()
	h := r.Header.Clone()
	if len(body) > 0 {
		// net/http servers keep Content-Length among the headers.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	c.last = &replay{method: r.Method, header: h, body: body, target: r.URL.RequestURI()}
	c.mu.Unlock()
	return c.next.Do(r)
}

// replay is one recorded request served again and again.
type replay struct {
	h      http.Handler
	method string
	header http.Header
	body   []byte
	target string
}

// benchWriter is a reusable http.ResponseWriter that keeps the status.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header  { return w.h }
func (w *benchWriter) WriteHeader(code int) { w.status = code }
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// run serves the request b.N times (in parallel with -cpu > 1 through
// RunParallel), failing on any status but 200.
func (rp *replay) run(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{h: http.Header{}}
		body := bytes.NewReader(nil)
		for pb.Next() {
			body.Reset(rp.body)
			r, _ := http.NewRequest(rp.method, "http://127.0.0.1"+rp.target, io.NopCloser(body))
			r.Header = rp.header.Clone()
			r.ContentLength = int64(len(rp.body))
			r.RemoteAddr = "127.0.0.1:40000"
			clear(w.h)
			w.status = 0
			rp.h.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// recordSend returns the sqs-send workload's SendMessage request.
func recordSend(b *testing.B) *replay {
	e := start(b, false)
	url := e.createQueue("bench", nil)
	cfg := servertest.Config(b, e.srv, "", "")
	rec := &recordingClient{next: http.DefaultClient}
	cfg.HTTPClient = rec
	c := awssqs.NewFromConfig(cfg)
	if _, err := c.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &benchBody}); err != nil {
		b.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rp := rec.last
	rp.h = e.srv.Handler()
	return rp
}

// BenchmarkHTTPSendMessage is the sqs-send workload's request.
func BenchmarkHTTPSendMessage(b *testing.B) {
	rp := recordSend(b)
	rp.run(b)
}

// BenchmarkHTTPLimit serves the same request as ../shared/limit does
// (read the body, decode MessageBody, answer its MD5), so that
// BenchmarkHTTPSendMessage's excess over it is the server's own work.
func BenchmarkHTTPLimit(b *testing.B) {
	rp := recordSend(b)
	rp.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out := limitSendMessage(body)
		h := w.Header()
		h.Set("x-amz-request-id", "0000000000000000")
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("Content-Length", strconv.Itoa(len(out)))
		w.Write(out)
	})
	rp.run(b)
}

// limitSendMessage is ../shared/limit's answer to SendMessage.
func limitSendMessage(body []byte) []byte {
	var in struct{ MessageBody string }
	_ = json.Unmarshal(body, &in)
	sum := md5.Sum([]byte(in.MessageBody))
	return []byte(`{"MD5OfMessageBody":"` + hex.EncodeToString(sum[:]) + `","MessageId":"00000000-0000-0000-0000-000000000000"}`)
}
