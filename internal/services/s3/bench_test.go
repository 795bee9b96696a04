package s3_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/virga-aws/virga/internal/server"
)

// benchObjects measures PutObject or GetObject of size-byte objects over
// plain HTTP (no SDK work on the client side), one key per iteration
// modulo 64.
func benchObjects(b *testing.B, size int, get bool) {
	e := start(b, server.Options{})
	e.mkBucket("bench")
	body := bytes.Repeat([]byte("x"), size)
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	do := func(method, key string, payload []byte) {
		var r io.Reader
		if payload != nil {
			r = bytes.NewReader(payload)
		}
		req, _ := http.NewRequest(method, e.url+"/bench/"+key, r)
		resp, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s %s: %d", method, key, resp.StatusCode)
		}
	}
	if get {
		for i := 0; i < 64; i++ {
			do("PUT", "k"+strconv.Itoa(i), body)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			key := "k" + strconv.Itoa(i%64)
			if get {
				do("GET", key, nil)
			} else {
				do("PUT", key, body)
			}
			i++
		}
	})
}

func BenchmarkPutObject4KiB(b *testing.B) { benchObjects(b, 4<<10, false) }
func BenchmarkPutObject1MiB(b *testing.B) { benchObjects(b, 1<<20, false) }
func BenchmarkGetObject4KiB(b *testing.B) { benchObjects(b, 4<<10, true) }
func BenchmarkGetObject1MiB(b *testing.B) { benchObjects(b, 1<<20, true) }
