package servertest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// Recorder is an SDK HTTP client that forwards every request to Next and
// keeps the last one, so a benchmark can replay exactly what a client sent
// through a server's handler, measuring the server's work and none of the
// client's.
type Recorder struct {
	Next *http.Client
	mu   sync.Mutex
	last *Replay
}

// Do records r and sends it with Next.
func (c *Recorder) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	h := r.Header.Clone()
	if len(body) > 0 {
		// net/http servers keep Content-Length among the headers.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	c.mu.Lock()
	c.last = &Replay{method: r.Method, header: h, body: body, target: r.URL.RequestURI()}
	c.mu.Unlock()
	return c.Next.Do(r)
}

// Last returns the last request sent, to be served by h; nil when none was.
func (c *Recorder) Last(h http.Handler) *Replay {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil
	}
	rp := *c.last
	rp.Handler = h
	return &rp
}

// Replay is one recorded request, served again and again by Handler.
type Replay struct {
	Handler http.Handler
	method  string
	header  http.Header
	body    []byte
	target  string
}

// Run serves the request b.N times (in parallel with -cpu > 1), failing
// on any status but 200 or, when wantBody is not negative, a body of
// another length.
func (rp *Replay) Run(b *testing.B, wantBody int) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &countingWriter{h: http.Header{}}
		body := bytes.NewReader(nil)
		for pb.Next() {
			rp.serve(w, body)
			if w.status != http.StatusOK || (wantBody >= 0 && w.n != wantBody) {
				b.Errorf("status %d, %d body bytes", w.status, w.n)
				return
			}
		}
	})
}

// serve runs the request once, as net/http would hand it to the handler.
func (rp *Replay) serve(w *countingWriter, body *bytes.Reader) {
	body.Reset(rp.body)
	var rb io.ReadCloser = http.NoBody
	if len(rp.body) > 0 {
		rb = io.NopCloser(body)
	}
	r, _ := http.NewRequest(rp.method, "http://127.0.0.1"+rp.target, rb)
	r.Header = rp.header.Clone()
	r.ContentLength = int64(len(rp.body))
	r.RemoteAddr = "127.0.0.1:40000"
	clear(w.h)
	w.status, w.n = 0, 0
	rp.Handler.ServeHTTP(w, r)
}

// countingWriter is a reusable http.ResponseWriter that keeps the status
// and the body's length.
type countingWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header  { return w.h }
func (w *countingWriter) WriteHeader(code int) { w.status = code }
func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}
