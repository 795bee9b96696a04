package s3_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	s3svc "github.com/virga-aws/virga/internal/services/s3"
)

// The HTTP benchmarks replay the requests an aws-sdk-go-v2 client sends
// in the s3-put and s3-get workloads of internal/bench (path style,
// checksums only when required) through the server's handler, so they
// measure everything the server does per request (routing, decoding, the
// handler, encoding, the body) and nothing the client does. Compare with
// BenchmarkHTTPLimit, which does what ../shared/limit does.

// recordingClient is an SDK HTTP client that keeps the last request it
// sent (method, target, headers and body) and forwards it.
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

// benchWriter is a reusable http.ResponseWriter that keeps the status and
// the body's length.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header  { return w.h }
func (w *benchWriter) WriteHeader(code int) { w.status = code }
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// serve runs the request once, as net/http would hand it to the handler.
func (rp *replay) serve(w *benchWriter, body *bytes.Reader) {
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
	rp.h.ServeHTTP(w, r)
}

// run serves the request b.N times (in parallel with -cpu > 1 through
// RunParallel), failing on any status but 200 or a body of another size.
func (rp *replay) run(b *testing.B, wantBody int) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{h: http.Header{}}
		body := bytes.NewReader(nil)
		for pb.Next() {
			rp.serve(w, body)
			if w.status != http.StatusOK || w.n != wantBody {
				b.Errorf("status %d, %d body bytes", w.status, w.n)
				return
			}
		}
	})
}

// recordS3 starts a server with bucket "bench" holding obj-<size>, and
// returns the request the workload's client sent for call.
func recordS3(b *testing.B, size int, call func(c *s3.Client, body []byte) error) *replay {
	srv := servertest.Start(b, server.Options{}, s3svc.New)
	cfg := servertest.Config(b, srv, "", "")
	rec := &recordingClient{next: http.DefaultClient}
	cfg.HTTPClient = rec
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), size/26+1)[:size]
	key := "obj-" + strconv.Itoa(size)
	if _, err := c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: &key, Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))}); err != nil {
		b.Fatal(err)
	}
	if err := call(c, body); err != nil {
		b.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rp := rec.last
	rp.h = srv.Handler()
	return rp
}

func benchHTTPGet(b *testing.B, size int) {
	rp := recordS3(b, size, func(c *s3.Client, _ []byte) error {
		out, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj-" + strconv.Itoa(size))})
		if err == nil {
			_, err = io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
		return err
	})
	rp.run(b, size)
}

func benchHTTPPut(b *testing.B, size int) {
	rp := recordS3(b, size, func(c *s3.Client, body []byte) error {
		_, err := c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("put-" + strconv.Itoa(size)), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))})
		return err
	})
	b.SetBytes(int64(size))
	rp.run(b, 0)
}

// BenchmarkHTTPGetObject4KiB is the s3-get-4k workload's request.
func BenchmarkHTTPGetObject4KiB(b *testing.B) { benchHTTPGet(b, 4<<10) }

// BenchmarkHTTPGetObject1MiB is the s3-get-1m workload's request.
func BenchmarkHTTPGetObject1MiB(b *testing.B) { benchHTTPGet(b, 1<<20) }

// BenchmarkHTTPPutObject4KiB is the s3-put-4k workload's request.
func BenchmarkHTTPPutObject4KiB(b *testing.B) { benchHTTPPut(b, 4<<10) }

// BenchmarkHTTPPutObject1MiB is the s3-put-1m workload's request.
func BenchmarkHTTPPutObject1MiB(b *testing.B) { benchHTTPPut(b, 1<<20) }

// BenchmarkHTTPLimit is the reference for the HTTP benchmarks: the 4 KiB
// GetObject request served by a handler doing what ../shared/limit does
// (fixed headers and a precomputed body), so that the others' excess over
// it is the server's own work.
func BenchmarkHTTPLimit(b *testing.B) {
	rp := recordS3(b, 4<<10, func(c *s3.Client, _ []byte) error {
		_, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj-4096")})
		return err
	})
	body := bytes.Repeat([]byte("x"), 4<<10)
	rp.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("x-amz-request-id", "0000000000000000")
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("ETag", `"00000000000000000000000000000000"`)
		h.Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
		w.Write(body)
	})
	rp.run(b, len(body))
}
