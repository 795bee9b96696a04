package s3_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func TestCORSPreflight(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("cors")
	pre := func(origin, method, headers string) (*http.Response, string) {
		h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
		if headers != "" {
			h["Access-Control-Request-Headers"] = headers
		}
		return e.raw("OPTIONS", "/cors/some/key", nil, h)
	}
	resp, body := pre("https://app.example.com", "GET", "")
	if resp.StatusCode != 403 || !strings.Contains(body, "CORS is not enabled for this bucket") {
		t.Fatalf("no config: %d %s", resp.StatusCode, body)
	}
	_, err := e.c.PutBucketCors(bg, &s3.PutBucketCorsInput{Bucket: aws.String("cors"), CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{
		{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://*.example.com"}, AllowedHeaders: []string{"x-amz-*", "content-type"}, MaxAgeSeconds: aws.Int32(600), ExposeHeaders: []string{"ETag"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body = pre("https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-A")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Max-Age") != "600" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") {
		t.Fatalf("allowed preflight: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = pre("https://evil.test", "GET", "")
	if resp.StatusCode != 403 || !strings.Contains(body, "This CORS request is not allowed") {
		t.Fatalf("bad origin: %d %s", resp.StatusCode, body)
	}
	resp, _ = pre("https://app.example.com", "DELETE", "")
	if resp.StatusCode != 403 {
		t.Fatalf("bad method: %d", resp.StatusCode)
	}
	resp, _ = pre("https://app.example.com", "GET", "authorization")
	if resp.StatusCode != 403 {
		t.Fatalf("bad header: %d", resp.StatusCode)
	}
}

// patternBlock is the 1 MiB (plus one byte, so that blocks do not align
// with parts) that pattern repeats.
var patternBlock = func() []byte {
	b := make([]byte, 1<<20+1)
	for i := range b {
		b[i] = byte(i*31 + i>>8)
	}
	return b
}()

// pattern is an endless deterministic byte stream.
type pattern struct{ off int }

func (p *pattern) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		c := copy(b[n:], patternBlock[p.off:])
		n += c
		p.off = (p.off + c) % len(patternBlock)
	}
	return n, nil
}

// heapWatch samples HeapInuse until stopped and reports the peak.
func heapWatch() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// TestStreamingBoundedMemory uploads and downloads a large object (1 GiB;
// 5 GiB with VIRGA_SOAK=1) and checks the heap stays bounded.
func TestStreamingBoundedMemory(t *testing.T) {
	size := int64(1 << 30)
	if os.Getenv("VIRGA_SOAK") == "1" {
		size = 5 << 30
	}
	if testing.Short() {
		size = 64 << 20
	}
	e := start(t, server.Options{DataDir: t.TempDir()})
	e.mkBucket("stream")
	runtime.GC()
	stop := heapWatch()

	ps := s3.NewPresignClient(e.c)
	put, err := ps.PresignPutObject(bg, &s3.PutObjectInput{Bucket: aws.String("stream"), Key: aws.String("huge")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", put.URL, io.LimitReader(&pattern{}, size))
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT status %d", resp.StatusCode)
	}
	out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("stream"), Key: aws.String("huge")})
	if err != nil {
		t.Fatal(err)
	}
	cmp := &compareWriter{want: &pattern{}}
	n, err := io.Copy(cmp, out.Body)
	out.Body.Close()
	peak := stop()
	if err != nil || n != size {
		t.Fatalf("GET read %d bytes, %v", n, err)
	}
	if cmp.bad {
		t.Fatal("downloaded bytes differ")
	}
	t.Logf("%d MiB up and down, peak HeapInuse %d MiB", size>>20, peak>>20)
	if peak > 96<<20 {
		t.Fatalf("peak HeapInuse %d MiB: the body is not streaming", peak>>20)
	}
}

// compareWriter checks that what is written equals want's stream.
type compareWriter struct {
	want io.Reader
	buf  []byte
	bad  bool
}

func (c *compareWriter) Write(p []byte) (int, error) {
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	b := c.buf[:len(p)]
	io.ReadFull(c.want, b)
	if !bytes.Equal(b, p) {
		c.bad = true
	}
	return len(p), nil
}
