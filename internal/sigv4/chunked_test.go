package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/virga-aws/virga/internal/checksum"
)

var rewrite = flag.Bool("rewrite", false, "regenerate the testdata golden files with the real S3 client")

// pattern returns n deterministic payload bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/251)
	}
	return b
}

// decodeAll reads a ChunkedReader to EOF.
func decodeAll(t testing.TB, body io.Reader, contentSHA256 string, seed *ChunkSeed) ([]byte, http.Header, error) {
	t.Helper()
	cr, err := NewChunkedReader(body, contentSHA256, seed)
	if err != nil {
		return nil, nil, err
	}
	got, err := io.ReadAll(cr)
	if err == nil && cr.DecodedLength() != int64(len(got)) {
		t.Fatalf("DecodedLength = %d, read %d", cr.DecodedLength(), len(got))
	}
	return got, cr.Trailers(), err
}

// sdkUpload is one PutObject of the S3 client whose wire request the golden
// files keep.
type sdkUpload struct {
	name      string
	size      int
	algorithm checksum.Algorithm
	sdk       s3types.ChecksumAlgorithm
}

var sdkUploads = []sdkUpload{
	{"crc32-small", 100, checksum.CRC32, ""},
	{"crc64nvme-two-chunks", 70000, checksum.CRC64NVME, s3types.ChecksumAlgorithmCrc64nvme},
	{"sha256-one-full-chunk", 65536, checksum.SHA256, s3types.ChecksumAlgorithmSha256},
	{"crc32c-three-chunks", 2*65536 + 1, checksum.CRC32C, s3types.ChecksumAlgorithmCrc32c},
}

// captureSDKUploads sends each upload through the real S3 client, with an
// unseekable body over TLS so that it uses aws-chunked with a trailing
// checksum, and returns the requests as the server received them, in wire
// form (the body after HTTP chunked transfer decoding).
func captureSDKUploads(t *testing.T) map[string][]byte {
	t.Helper()
	var mu sync.Mutex
	captured := map[string][]byte{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body: %v", err)
		}
		var wire bytes.Buffer
		fmt.Fprintf(&wire, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.RequestURI, r.Host)
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == "User-Agent" {
				continue // not signed, and it names the SDK version
			}
			for _, v := range r.Header[k] {
				fmt.Fprintf(&wire, "%s: %s\r\n", k, v)
			}
		}
		fmt.Fprintf(&wire, "Content-Length: %d\r\n\r\n", len(body))
		wire.Write(body)
		mu.Lock()
		captured[strings.TrimPrefix(r.URL.Path, "/bucket/")] = wire.Bytes()
		mu.Unlock()
		w.Header().Set("ETag", `"x"`)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, ""),
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		HTTPClient:                 srv.Client(),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		Retryer:                    aws.NopRetryer{},
	})
	for _, u := range sdkUploads {
		_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket:            aws.String("bucket"),
			Key:               aws.String(u.name),
			Body:              io.NopCloser(bytes.NewReader(pattern(u.size))),
			ChecksumAlgorithm: u.sdk,
		})
		if err != nil {
			t.Fatalf("PutObject %s: %v", u.name, err)
		}
	}
	return captured
}

// checkSDKUpload decodes one captured PutObject and checks its payload and
// trailing checksum, and, when verify is set, its signature.
func checkSDKUpload(t *testing.T, u sdkUpload, wire []byte, verify bool) {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatal(err)
	}
	contentSHA := req.Header.Get("X-Amz-Content-Sha256")
	if contentSHA != StreamingUnsignedPayloadTrailer || req.Header.Get("Content-Encoding") != "aws-chunked" {
		t.Fatalf("the SDK sent x-amz-content-sha256 %q, content-encoding %q", contentSHA, req.Header.Get("Content-Encoding"))
	}
	if got := req.Header.Get("X-Amz-Trailer"); got != u.algorithm.HeaderName() {
		t.Fatalf("x-amz-trailer = %q, want %q", got, u.algorithm.HeaderName())
	}
	if verify {
		at, err := time.Parse(amzDateFormat, req.Header.Get("X-Amz-Date"))
		if err != nil {
			t.Fatal(err)
		}
		v := &Verifier{Secret: testSecrets, Now: func() time.Time { return at }}
		if err := v.Verify(req); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		seed, err := v.ChunkSeed(req)
		if seed != nil || err != nil {
			t.Fatalf("ChunkSeed = %v, %v; want nil, nil for an unsigned payload", seed, err)
		}
	}
	payload, trailers, err := decodeAll(t, req.Body, contentSHA, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := pattern(u.size)
	if !bytes.Equal(payload, want) {
		t.Fatalf("decoded %d bytes, want %d (equal prefix: %v)", len(payload), len(want), bytes.HasPrefix(want, payload))
	}
	if n, _ := strconv.Atoi(req.Header.Get("X-Amz-Decoded-Content-Length")); n != 0 && n != len(payload) {
		t.Errorf("x-amz-decoded-content-length = %d, decoded %d", n, len(payload))
	}
	set, err := checksum.NewSet(u.algorithm)
	if err != nil {
		t.Fatal(err)
	}
	set.Write(want)
	wantSum, _ := set.Base64(u.algorithm)
	if got := trailers.Get(u.algorithm.HeaderName()); got != wantSum {
		t.Errorf("trailer %s = %q, want %q (trailers %v)", u.algorithm.HeaderName(), got, wantSum, trailers)
	}
}

func goldenPath(name string) string { return filepath.Join("testdata", "sdk-putobject-"+name+".http") }

// TestSDKChunkedUploads decodes what the real S3 client sends now.
func TestSDKChunkedUploads(t *testing.T) {
	captured := captureSDKUploads(t)
	for _, u := range sdkUploads {
		t.Run(u.name, func(t *testing.T) {
			wire, ok := captured[u.name]
			if !ok {
				t.Fatal("not captured")
			}
			checkSDKUpload(t, u, wire, false)
			if *rewrite {
				if err := os.WriteFile(goldenPath(u.name), wire, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestSDKChunkedGolden decodes and verifies the recorded S3 client
// requests in testdata (refresh them with go test -run TestSDKChunked -rewrite).
func TestSDKChunkedGolden(t *testing.T) {
	if *rewrite {
		t.Skip("rewriting")
	}
	for _, u := range sdkUploads {
		t.Run(u.name, func(t *testing.T) {
			wire, err := os.ReadFile(goldenPath(u.name))
			if err != nil {
				t.Fatal(err)
			}
			checkSDKUpload(t, u, wire, true)
		})
	}
}

// chunkSigner signs aws-chunked chunks as the S3 documentation ("Signature
// Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks") defines, independently of ChunkedReader.
type chunkSigner struct {
	key         []byte
	date, scope string
	prev        string
}

func (s *chunkSigner) sign(kind, hashLines string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(kind + "\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + hashLines))
	s.prev = hex.EncodeToString(m.Sum(nil))
	return s.prev
}

func (s *chunkSigner) chunk(data []byte) string {
	return s.sign("AWS4-HMAC-SHA256-PAYLOAD", emptySHA256+"\n"+sha256Hex(data))
}

// encodeChunked returns payload as an aws-chunked body of the given chunk
// size: signed when s is not nil, followed by trailers ("name:value") when
// there are any.
func encodeChunked(payload []byte, chunkSize int, s *chunkSigner, trailers []string) []byte {
	var b bytes.Buffer
	write := func(data []byte) {
		fmt.Fprintf(&b, "%x", len(data))
		if s != nil {
			b.WriteString(";chunk-signature=" + s.chunk(data))
		}
		b.WriteString("\r\n")
		b.Write(data)
		if len(data) > 0 {
			b.WriteString("\r\n")
		}
	}
	for len(payload) > 0 {
		n := min(chunkSize, len(payload))
		write(payload[:n])
		payload = payload[n:]
	}
	write(nil)
	var canonical strings.Builder
	for _, tr := range trailers {
		b.WriteString(tr + "\r\n")
		canonical.WriteString(tr + "\n")
	}
	if s != nil && trailers != nil {
		b.WriteString("x-amz-trailer-signature:" + s.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex([]byte(canonical.String()))) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// TestAWSStreamingExample verifies the chunked upload published in the S3
// documentation: 65 KiB of 'a' in a 64 KiB and a 1 KiB chunk, with the
// signatures AWS computed.
func TestAWSStreamingExample(t *testing.T) {
	body := "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
	newReq := func(body string) *http.Request {
		req := httptest.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(body))
		req.Header.Set("X-Amz-Date", "20130524T000000Z")
		req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
		req.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		req.Header.Set("Content-Length", "66824")
		return req
	}
	v := &Verifier{Secret: testSecrets, Now: func() time.Time { return time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC) }}
	req := newReq(body)
	if len(body) != 66824 {
		t.Fatalf("example body is %d bytes, the documentation says 66824", len(body))
	}
	if err := v.Verify(req); err != nil {
		t.Fatal(err)
	}
	seed, err := v.ChunkSeed(req)
	if err != nil || seed == nil {
		t.Fatalf("ChunkSeed = %v, %v", seed, err)
	}
	got, _, err := decodeAll(t, req.Body, StreamingPayload, seed)
	if err != nil || string(got) != strings.Repeat("a", 66560) {
		t.Fatalf("decoded %d bytes, %v", len(got), err)
	}
	// The same body with one payload byte changed fails at that chunk.
	tampered := strings.Replace(body, "aaaa\r\n400;", "aaab\r\n400;", 1)
	_, _, err = decodeAll(t, strings.NewReader(tampered), StreamingPayload, seed)
	wantError(t, err, "SignatureDoesNotMatch", 403, msgSignatureS3)
}

// TestSignedChunkedUpload sends hand-built signed aws-chunked bodies, with
// headers signed by the SDK's signer, to a server that verifies and
// decodes them.
func TestSignedChunkedUpload(t *testing.T) {
	type result struct {
		payload  []byte
		trailers http.Header
		err      error
	}
	results := make(chan result, 1)
	v := &Verifier{Secret: testSecrets}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res result
		if res.err = v.Verify(r); res.err == nil {
			var seed *ChunkSeed
			if seed, res.err = v.ChunkSeed(r); res.err == nil {
				var cr *ChunkedReader
				if cr, res.err = NewChunkedReader(r.Body, r.Header.Get("X-Amz-Content-Sha256"), seed); res.err == nil {
					res.payload, res.err = io.ReadAll(cr)
					res.trailers = cr.Trailers()
				}
			}
		}
		results <- res
	}))
	defer srv.Close()

	payload := pattern(3*MinChunkSize + 123)
	send := func(t *testing.T, mode string, trailers []string, mutate func(body []byte) []byte) result {
		t.Helper()
		now := time.Now()
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/bucket/chunked", nil)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(payload)))
		req.Header.Set("X-Amz-Content-Sha256", mode)
		if trailers != nil {
			req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, mode, "s3", "us-east-1", now,
			func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
			t.Fatal(err)
		}
		seedSig := req.Header.Get("Authorization")[strings.LastIndex(req.Header.Get("Authorization"), "=")+1:]
		s := &chunkSigner{
			key:   SigningKey(testCreds.SecretAccessKey, formatAmzDate(now)[:8], "us-east-1", "s3"),
			date:  formatAmzDate(now),
			scope: formatAmzDate(now)[:8] + "/us-east-1/s3/aws4_request",
			prev:  seedSig,
		}
		body := encodeChunked(payload, MinChunkSize, s, trailers)
		if mutate != nil {
			body = mutate(body)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-results
	}
	crc := crc32Base64(payload)
	trailers := []string{"x-amz-checksum-crc32:" + crc}

	t.Run("signed", func(t *testing.T) {
		res := send(t, StreamingPayload, nil, nil)
		if res.err != nil || !bytes.Equal(res.payload, payload) {
			t.Fatalf("err %v, %d bytes", res.err, len(res.payload))
		}
	})
	t.Run("signed with trailer", func(t *testing.T) {
		res := send(t, StreamingPayloadTrailer, trailers, nil)
		if res.err != nil || !bytes.Equal(res.payload, payload) || res.trailers.Get("X-Amz-Checksum-Crc32") != crc {
			t.Fatalf("err %v, %d bytes, trailers %v", res.err, len(res.payload), res.trailers)
		}
		if _, ok := res.trailers["X-Amz-Trailer-Signature"]; ok {
			t.Error("Trailers includes the trailer signature")
		}
	})
	tampers := []struct {
		name   string
		mode   string
		mutate func([]byte) []byte
	}{
		{"payload byte", StreamingPayload, func(b []byte) []byte {
			i := bytes.Index(b, []byte("\r\n")) + 2 + MinChunkSize + 100
			b[i] ^= 1
			return b
		}},
		{"chunk order", StreamingPayload, func(b []byte) []byte {
			// Swap the first two chunks (same size, each signed).
			n := len(fmt.Sprintf("%x;chunk-signature=", MinChunkSize)) + 64 + 2 + MinChunkSize + 2
			out := append([]byte{}, b[n:2*n]...)
			out = append(out, b[:n]...)
			return append(out, b[2*n:]...)
		}},
		{"final signature", StreamingPayload, func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("0;chunk-signature=")) + len("0;chunk-signature=")
			if b[i] == '0' {
				b[i] = '1'
			} else {
				b[i] = '0'
			}
			return b
		}},
		{"trailer value", StreamingPayloadTrailer, func(b []byte) []byte {
			return bytes.Replace(b, []byte("x-amz-checksum-crc32:"), []byte("x-amz-checksum-crc32:A"), 1)
		}},
		{"trailer signature", StreamingPayloadTrailer, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-trailer-signature:")) + len("x-amz-trailer-signature:")
			if b[i] == '0' {
				b[i] = '1'
			} else {
				b[i] = '0'
			}
			return b
		}},
	}
	for _, tt := range tampers {
		t.Run("tampered "+tt.name, func(t *testing.T) {
			var tr []string
			if tt.mode == StreamingPayloadTrailer {
				tr = trailers
			}
			res := send(t, tt.mode, tr, tt.mutate)
			wantError(t, res.err, "SignatureDoesNotMatch", 403, msgSignatureS3)
		})
	}
}

func TestChunkedFraming(t *testing.T) {
	big := pattern(MinChunkSize)
	unsigned := func(parts ...string) string { return strings.Join(parts, "") }
	tests := []struct {
		name string
		mode string
		body string
		want string // payload, or error code after "!"
	}{
		{"unsigned single chunk", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", "hello"},
		{"upper-case hex", StreamingUnsignedPayloadTrailer, "A\r\nhellohello\r\n0\r\n\r\n", "hellohello"},
		{"empty payload", StreamingUnsignedPayloadTrailer, "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", ""},
		{"no final empty line", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n", "hello"},
		{"ECDSA signatures are read, not checked", StreamingECDSAPayload, "5;chunk-signature=3045022100ab\r\nhello\r\n0;chunk-signature=30440220cd\r\n\r\n", "hello"},
		{"signed without seed", StreamingPayload, "5;chunk-signature=" + strings.Repeat("0", 64) + "\r\nhello\r\n0;chunk-signature=" + strings.Repeat("1", 64) + "\r\n\r\n", "hello"},
		{"two chunks", StreamingUnsignedPayloadTrailer, unsigned(fmt.Sprintf("%x\r\n", len(big)), string(big), "\r\n5\r\nhello\r\n0\r\n\r\n"), string(big) + "hello"},
		{"extension ignored", StreamingUnsignedPayloadTrailer, "5;foo=bar\r\nhello\r\n0\r\n\r\n", "hello"},

		{"truncated data", StreamingUnsignedPayloadTrailer, "5\r\nhel", "!IncompleteBody"},
		{"truncated before final chunk", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n", "!IncompleteBody"},
		{"empty body", StreamingUnsignedPayloadTrailer, "", "!IncompleteBody"},
		{"bad size", StreamingUnsignedPayloadTrailer, "5x\r\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"negative size", StreamingUnsignedPayloadTrailer, "-5\r\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"huge size", StreamingUnsignedPayloadTrailer, "ffffffffffffffff\r\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"size too long for the data", StreamingUnsignedPayloadTrailer, "6\r\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"no CRLF after data", StreamingUnsignedPayloadTrailer, "5\r\nhelloXX0\r\n\r\n", "!IncompleteBody"},
		{"bare LF", StreamingUnsignedPayloadTrailer, "5\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"long header line", StreamingUnsignedPayloadTrailer, "5;" + strings.Repeat("x", 20000) + "\r\nhello\r\n0\r\n\r\n", "!IncompleteBody"},
		{"garbage after the end", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n0\r\n\r\nmore", "!IncompleteBody"},
		{"trailer without colon", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", "!IncompleteBody"},
		{"trailer without trailer mode", StreamingPayload, "5;chunk-signature=ab\r\nhello\r\n0;chunk-signature=cd\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", "!IncompleteBody"},
		{"missing chunk signature", StreamingPayload, "5\r\nhello\r\n0;chunk-signature=cd\r\n\r\n", "!IncompleteBody"},
		{"too many trailers", StreamingUnsignedPayloadTrailer, "0\r\n" + strings.Repeat("x-a:b\r\n", maxTrailers+1) + "\r\n", "!IncompleteBody"},
		{"small chunk before another", StreamingUnsignedPayloadTrailer, "5\r\nhello\r\n5\r\nhello\r\n0\r\n\r\n", "!InvalidChunkSizeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := decodeAll(t, strings.NewReader(tt.body), tt.mode, nil)
			if code, isErr := strings.CutPrefix(tt.want, "!"); isErr {
				var e *Error
				if !errors.As(err, &e) || e.Code != code {
					t.Fatalf("err = %v, want %s", err, code)
				}
				if code == "InvalidChunkSizeError" && (e.Status != 403 || field(e, "Chunk") != "2" || field(e, "BadChunkSize") != "5") {
					t.Errorf("error = %+v", e)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("decoded %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := NewChunkedReader(strings.NewReader(""), "UNSIGNED-PAYLOAD", nil); err == nil {
		t.Error("NewChunkedReader accepted a non-streaming x-amz-content-sha256")
	}
	cr, _ := NewChunkedReader(strings.NewReader("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), StreamingUnsignedPayloadTrailer, nil)
	buf := make([]byte, 2)
	if n, err := cr.Read(buf); n != 2 || err != nil || cr.Trailers() != nil {
		t.Errorf("first Read = %d, %v; trailers before EOF = %v", n, err, cr.Trailers())
	}
	io.ReadAll(cr)
	if cr.Trailers().Get("x-amz-checksum-crc32") != "NhCmhg==" {
		t.Errorf("trailers = %v", cr.Trailers())
	}
}

// generatedBody streams an aws-chunked body of chunks chunks of size bytes
// each, without holding it.
type generatedBody struct {
	chunk, chunks int
	sent          int // bytes of the current chunk's data sent
	i             int
	pending       []byte
}

func (g *generatedBody) Read(p []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	switch {
	case g.i == g.chunks:
		g.pending = []byte("0\r\n\r\n")
		g.i++
		return g.Read(p)
	case g.i > g.chunks:
		return 0, io.EOF
	case g.sent == 0:
		g.pending = []byte(fmt.Sprintf("%x\r\n", g.chunk))
		g.sent = -1
		return g.Read(p)
	case g.sent == g.chunk:
		g.pending = []byte("\r\n")
		g.sent = 0
		g.i++
		return g.Read(p)
	}
	if g.sent < 0 {
		g.sent = 0
	}
	n := min(len(p), g.chunk-g.sent)
	for j := range n {
		p[j] = byte(g.sent + j)
	}
	g.sent += n
	return n, nil
}

// TestChunkedStreamsLargeChunks decodes 256 MiB in 64 MiB chunks and checks
// that memory stays far below one chunk.
func TestChunkedStreamsLargeChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("large body")
	}
	const chunk, chunks = 64 << 20, 4
	cr, err := NewChunkedReader(&generatedBody{chunk: chunk, chunks: chunks}, StreamingUnsignedPayloadTrailer, nil)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := cr.Read(buf)
		for j := 0; j < n; j += 4099 {
			if buf[j] != byte((total+int64(j))%chunk) {
				t.Fatalf("byte %d = %d", total+int64(j), buf[j])
			}
		}
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if total != chunk*chunks {
		t.Fatalf("decoded %d bytes, want %d", total, chunk*chunks)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("decoding allocated %d bytes", grew)
	}
}

func BenchmarkChunkedReaderSigned(b *testing.B) {
	payload := pattern(1 << 20)
	now := time.Now()
	seed := &ChunkSeed{
		SigningKey: SigningKey("secret", formatAmzDate(now)[:8], "us-east-1", "s3"),
		Signature:  strings.Repeat("ab", 32),
		Scope:      formatAmzDate(now)[:8] + "/us-east-1/s3/aws4_request",
		Date:       formatAmzDate(now),
	}
	body := encodeChunked(payload, 64<<10, &chunkSigner{key: seed.SigningKey, date: seed.Date, scope: seed.Scope, prev: seed.Signature}, nil)
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		cr, err := NewChunkedReader(bytes.NewReader(body), StreamingPayload, seed)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := cr.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

var fuzzModes = []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer, StreamingECDSAPayload, StreamingECDSAPayloadTrailer}

func FuzzChunkedReader(f *testing.F) {
	// Seeds: the recorded SDK bodies, the AWS example's framing, and
	// truncated and malformed variants.
	for _, u := range sdkUploads {
		if wire, err := os.ReadFile(goldenPath(u.name)); err == nil {
			if i := bytes.Index(wire, []byte("\r\n\r\n")); i >= 0 && len(wire)-i < 4096 {
				f.Add(wire[i+4:], uint8(2), uint16(0))
			}
		}
	}
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), uint8(2), uint16(1))
	f.Add([]byte("5;chunk-signature="+strings.Repeat("a", 64)+"\r\nhello\r\n0;chunk-signature="+strings.Repeat("b", 64)+"\r\n\r\n"), uint8(0), uint16(7))
	f.Add([]byte("0;chunk-signature=00\r\nx-amz-checksum-sha256:x\r\nx-amz-trailer-signature:00\r\n\r\n"), uint8(1), uint16(100))
	f.Add([]byte("10\r\nshort"), uint8(2), uint16(9000))
	f.Add([]byte("\r\n\r\n\r\n"), uint8(3), uint16(65535))
	f.Add([]byte(""), uint8(4), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, shape uint16) {
		// Bound the work per input: large inputs add nothing small ones
		// with the same framing do not, and slow executions starve the
		// fuzzer's minimization.
		if len(data) > 64<<10 {
			data = data[:64<<10]
		}
		contentSHA := fuzzModes[int(mode)%len(fuzzModes)]
		// Arbitrary bytes as a body: an answer, never a panic or a hang.
		for _, seed := range []*ChunkSeed{nil, fuzzSeed()} {
			cr, err := NewChunkedReader(bytes.NewReader(data), contentSHA, seed)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 1+int(shape)%300)
			var total int
			for reads := 0; ; reads++ {
				if reads > len(data)+10 {
					t.Fatalf("no progress after %d reads", reads)
				}
				n, err := cr.Read(buf)
				total += n
				if err != nil {
					if err != io.EOF {
						var e *Error
						if !errors.As(err, &e) {
							t.Fatalf("error %v is not an *Error", err)
						}
					}
					break
				}
			}
			if total > len(data) {
				t.Fatalf("decoded %d bytes from a %d-byte body", total, len(data))
			}
		}

		// data as a payload, encoded well: it decodes to itself. Repeating
		// it gives payloads of several chunks.
		payload := bytes.Repeat(data, 1+int(shape)%5)
		if len(payload) > 5*MinChunkSize {
			payload = payload[:5*MinChunkSize]
		}
		chunkSize := MinChunkSize + int(shape)%MinChunkSize
		seed := fuzzSeed()
		var s *chunkSigner
		if contentSHA == StreamingPayload || contentSHA == StreamingPayloadTrailer {
			s = &chunkSigner{key: seed.SigningKey, date: seed.Date, scope: seed.Scope, prev: seed.Signature}
		}
		var trailers []string
		if strings.HasSuffix(contentSHA, "TRAILER") {
			trailers = []string{"x-amz-checksum-crc32:" + crc32Base64(payload)}
		}
		body := encodeChunked(payload, chunkSize, s, trailers)
		if s == nil && strings.HasPrefix(contentSHA, "STREAMING-AWS4-ECDSA") {
			body = encodeECDSAChunked(payload, chunkSize, trailers)
		}
		got, tr, err := decodeAll(t, bytes.NewReader(body), contentSHA, seed)
		if err != nil {
			t.Fatalf("%s body of %d bytes in %d-byte chunks: %v", contentSHA, len(payload), chunkSize, err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("decoded %d bytes, want %d", len(got), len(payload))
		}
		if trailers != nil && tr.Get("X-Amz-Checksum-Crc32") == "" {
			t.Fatalf("trailers lost: %v", tr)
		}
	})
}

// crc32Base64 is the x-amz-checksum-crc32 of payload.
func crc32Base64(payload []byte) string {
	return checksum.Encode(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(payload)))
}

// fuzzSeed is a fixed chunk seed for the fuzz target.
var fuzzSeed = sync.OnceValue(func() *ChunkSeed {
	return &ChunkSeed{
		SigningKey: SigningKey("secret", "20240101", "us-east-1", "s3"),
		Signature:  strings.Repeat("0f", 32),
		Scope:      "20240101/us-east-1/s3/aws4_request",
		Date:       "20240101T000000Z",
	}
})

// encodeECDSAChunked frames payload with placeholder SigV4a chunk
// signatures, which ChunkedReader reads but does not check.
func encodeECDSAChunked(payload []byte, chunkSize int, trailers []string) []byte {
	var b bytes.Buffer
	for len(payload) > 0 {
		n := min(chunkSize, len(payload))
		fmt.Fprintf(&b, "%x;chunk-signature=3045022100%x\r\n", n, n)
		b.Write(payload[:n])
		b.WriteString("\r\n")
		payload = payload[n:]
	}
	b.WriteString("0;chunk-signature=30440220ff\r\n")
	for _, tr := range trailers {
		b.WriteString(tr + "\r\n")
	}
	if trailers != nil {
		b.WriteString("x-amz-trailer-signature:3045\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
