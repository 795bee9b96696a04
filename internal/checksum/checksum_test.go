package checksum

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sum returns algorithm a's raw checksum of data.
func sum(t testing.TB, a Algorithm, data []byte) []byte {
	t.Helper()
	h, err := New(a)
	if err != nil {
		t.Fatalf("New(%s): %v", a, err)
	}
	h.Write(data)
	return h.Sum(nil)
}

func TestKnownVectors(t *testing.T) {
	check := []byte("123456789")
	tests := []struct {
		a    Algorithm
		data []byte
		want string // hex
	}{
		// The CRC catalogue's check values (input "123456789").
		{CRC32, check, "cbf43926"},
		{CRC32C, check, "e3069283"},
		{CRC64NVME, check, "ae8b14860a799888"},
		{CRC32, nil, "00000000"},
		{CRC64NVME, nil, "0000000000000000"},
		{SHA256, []byte("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{SHA1, []byte("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{MD5, []byte("abc"), "900150983cd24fb0d6963f7d28e17f72"},
	}
	for _, tt := range tests {
		got := sum(t, tt.a, tt.data)
		if h := hexString(got); h != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.a, tt.data, h, tt.want)
		}
		if len(got) != tt.a.Size() {
			t.Errorf("%s: len(sum) = %d, Size() = %d", tt.a, len(got), tt.a.Size())
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

// TestCRC64NVMEMatchesHashCRC64 checks the slicing implementation against
// hash/crc64 with the same polynomial (what aws-sdk-go-v2 uses) for every
// length up to a few blocks and for split writes.
func TestCRC64NVMEMatchesHashCRC64(t *testing.T) {
	table := crc64.MakeTable(crc64NVMEPoly)
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for n := 0; n <= len(data); n += 1 + n/16 {
		want := crc64.Checksum(data[:n], table)
		h := NewCRC64NVME()
		split := n / 3
		h.Write(data[:split])
		h.Write(data[split:n])
		if got := h.Sum64(); got != want {
			t.Fatalf("len %d: got %016x, want %016x", n, got, want)
		}
		if got := binary.BigEndian.Uint64(h.Sum(nil)); got != want {
			t.Fatalf("len %d: Sum = %016x, want %016x", n, got, want)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in     string
		want   Algorithm
		wantOK bool
	}{
		{"CRC32", CRC32, true},
		{"crc32c", CRC32C, true},
		{"Crc64Nvme", CRC64NVME, true},
		{"sha1", SHA1, true},
		{"SHA256", SHA256, true},
		{"xxhash3", XXHASH3, true},
		{"", "", false},
		{"CRC", "", false},
		{"SHA-256", "", false},
		{"crc32 ", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseAlgorithm(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestHeaderNameAndNew(t *testing.T) {
	for _, a := range Algorithms() {
		want := "x-amz-checksum-" + strings.ToLower(string(a))
		if got := a.HeaderName(); got != want {
			t.Errorf("%s.HeaderName() = %q, want %q", a, got, want)
		}
		h, err := New(a)
		switch a {
		case XXHASH64, XXHASH3, XXHASH128:
			if !errors.Is(err, ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("New(%s) error = %v, want ErrUnsupported", a, err)
			}
		default:
			if err != nil {
				t.Fatalf("New(%s): %v", a, err)
			}
			if h.Size() != a.Size() {
				t.Errorf("New(%s).Size() = %d, want %d", a, h.Size(), a.Size())
			}
		}
	}
	if _, err := New("CRC16"); err == nil {
		t.Error("New(CRC16) succeeded")
	}
	if Algorithm("nope").HeaderName() != "" || Algorithm("nope").Size() != 0 {
		t.Error("unknown algorithm has a header name or size")
	}
}

func TestEncodeDecode(t *testing.T) {
	raw := sum(t, CRC32, []byte("hello"))
	enc := Encode(raw)
	if enc != base64.StdEncoding.EncodeToString(raw) {
		t.Fatalf("Encode = %q", enc)
	}
	got, ok := Decode(CRC32, enc)
	if !ok || !bytes.Equal(got, raw) {
		t.Fatalf("Decode(%q) = %x, %v", enc, got, ok)
	}
	for _, bad := range []string{"", "AAAA", "AAAAAAA=", "!!!!!!==", "AAAAAAAAAAA="} {
		if _, ok := Decode(CRC32, bad); ok {
			t.Errorf("Decode(CRC32, %q) accepted", bad)
		}
	}
}

func TestSet(t *testing.T) {
	data := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1000))
	s, err := NewSet(CRC32, CRC32C, CRC64NVME, SHA1, SHA256, CRC32, MD5)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Algorithms(nil); len(got) != 6 || got[0] != MD5 {
		t.Fatalf("Algorithms = %v, want MD5 first and no duplicates", got)
	}
	s.Write(data[:100])
	s.Write(data[100:])
	if s.Len() != int64(len(data)) {
		t.Errorf("Len = %d, want %d", s.Len(), len(data))
	}
	for _, a := range []Algorithm{MD5, CRC32, CRC32C, CRC64NVME, SHA1, SHA256} {
		want := Encode(sum(t, a, data))
		got, ok := s.Base64(a)
		if !ok || got != want {
			t.Errorf("Base64(%s) = %q, %v; want %q", a, got, ok, want)
		}
	}
	if _, ok := s.Sum(SHA512); ok {
		t.Error("Sum(SHA512) reported a sum the Set does not compute")
	}
	md := md5.Sum(data)
	if want := `"` + hexString(md[:]) + `"`; s.ETag() != want {
		t.Errorf("ETag = %s, want %s", s.ETag(), want)
	}
	s.Reset()
	s.Write([]byte("abc"))
	if got, _ := s.Sum(SHA1); hexString(got) != "a9993e364706816aba3e25717850c26c9cd0d89d" {
		t.Errorf("after Reset, SHA1 = %x", got)
	}
	if _, err := NewSet(XXHASH64); !errors.Is(err, ErrUnsupported) {
		t.Errorf("NewSet(XXHASH64) error = %v", err)
	}
}

func TestSetMD5Only(t *testing.T) {
	s, err := NewSet()
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("abc"))
	if got := hexString(s.MD5()); got != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("MD5 = %s", got)
	}
}

func TestComposite(t *testing.T) {
	parts := [][]byte{[]byte("part one"), []byte("part two"), []byte("three")}
	for _, a := range []Algorithm{CRC32, CRC32C, SHA1, SHA256} {
		var raw [][]byte
		var concat []byte
		for _, p := range parts {
			s := sum(t, a, p)
			raw = append(raw, s)
			concat = append(concat, s...)
		}
		got, err := Composite(a, raw)
		if err != nil {
			t.Fatal(err)
		}
		if want := Encode(sum(t, a, concat)) + "-3"; got != want {
			t.Errorf("Composite(%s) = %q, want %q", a, got, want)
		}
	}
	if _, err := Composite(SHA256, [][]byte{{1, 2, 3}}); err == nil {
		t.Error("Composite accepted a short part checksum")
	}
	if _, err := Composite(XXHASH3, nil); err == nil {
		t.Error("Composite accepted an unsupported algorithm")
	}
}

// TestCompositeIndependent checks Composite against a composite checksum
// computed with hash/crc32 alone: CRC32 over the big-endian part CRCs.
func TestCompositeIndependent(t *testing.T) {
	a, b := crc32.ChecksumIEEE([]byte("a")), crc32.ChecksumIEEE([]byte("b"))
	var buf []byte
	buf = binary.BigEndian.AppendUint32(buf, a)
	buf = binary.BigEndian.AppendUint32(buf, b)
	want := Encode(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(buf))) + "-2"
	got, err := Composite(CRC32, [][]byte{binary.BigEndian.AppendUint32(nil, a), binary.BigEndian.AppendUint32(nil, b)})
	if err != nil || got != want {
		t.Fatalf("Composite = %q, %v; want %q", got, err, want)
	}
}

func TestFullObject(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	whole := make([]byte, 300_000)
	for i := range whole {
		whole[i] = byte(rng.Uint32())
	}
	cuts := [][]int{
		{0, len(whole)},
		{0, 1, len(whole)},
		{0, 100_000, 100_000, 250_001, len(whole)}, // includes an empty part
		{0, 7, 8, 9, 65_536, len(whole)},
	}
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for _, cut := range cuts {
			var parts []Part
			for i := 1; i < len(cut); i++ {
				p := whole[cut[i-1]:cut[i]]
				parts = append(parts, Part{Sum: sum(t, a, p), Size: int64(len(p))})
			}
			got, err := FullObject(a, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := Encode(sum(t, a, whole)); got != want {
				t.Errorf("FullObject(%s, cuts %v) = %q, want %q", a, cut, got, want)
			}
		}
	}
	if got, err := FullObject(CRC32, nil); err != nil || got != Encode(sum(t, CRC32, nil)) {
		t.Errorf("FullObject of no parts = %q, %v", got, err)
	}
	if _, err := FullObject(SHA256, []Part{{Sum: sum(t, SHA256, nil)}}); err == nil {
		t.Error("FullObject(SHA256) succeeded")
	}
	if _, err := FullObject(CRC32, []Part{{Sum: []byte{1}}}); err == nil {
		t.Error("FullObject accepted a short checksum")
	}
	if _, err := FullObject(CRC32, []Part{{Sum: make([]byte, 4), Size: -1}}); err == nil {
		t.Error("FullObject accepted a negative size")
	}
	if !CRC64NVME.SupportsFullObject() || CRC64NVME.SupportsComposite() || SHA256.SupportsFullObject() || !SHA256.SupportsComposite() {
		t.Error("Supports* disagree with S3's table")
	}
}

func TestMultipartETag(t *testing.T) {
	p1, p2 := md5.Sum([]byte("one")), md5.Sum([]byte("two"))
	whole := md5.Sum(append(p1[:], p2[:]...))
	want := `"` + hexString(whole[:]) + `-2"`
	if got := MultipartETag([][]byte{p1[:], p2[:]}); got != want {
		t.Errorf("MultipartETag = %s, want %s", got, want)
	}
}

// TestAgainstSDK sends PutObject with each checksum algorithm through the
// real S3 client to a test server and compares the x-amz-checksum-* header
// the SDK computed with this package's checksum of the same body.
func TestAgainstSDK(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for k, v := range r.Header {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-checksum-") {
				got[r.URL.Path+" "+lk] = v[0]
			}
		}
		mu.Unlock()
		w.Header().Set("ETag", `"x"`)
	}))
	defer srv.Close()

	client := s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		Retryer:                    aws.NopRetryer{},
	})
	rng := rand.New(rand.NewPCG(5, 6))
	bodies := map[string][]byte{
		"empty": nil,
		"small": []byte("Hello, world"),
		"large": make([]byte, 1<<20+13),
	}
	for i := range bodies["large"] {
		bodies["large"][i] = byte(rng.Uint32())
	}
	algs := map[Algorithm]s3types.ChecksumAlgorithm{
		CRC32:     s3types.ChecksumAlgorithmCrc32,
		CRC32C:    s3types.ChecksumAlgorithmCrc32c,
		CRC64NVME: s3types.ChecksumAlgorithmCrc64nvme,
		SHA1:      s3types.ChecksumAlgorithmSha1,
		SHA256:    s3types.ChecksumAlgorithmSha256,
	}
	for a, sdkAlg := range algs {
		for name, body := range bodies {
			key := string(a) + "-" + name
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket:            aws.String("bucket"),
				Key:               aws.String(key),
				Body:              bytes.NewReader(body),
				ChecksumAlgorithm: sdkAlg,
			})
			if err != nil {
				t.Fatalf("PutObject %s: %v", key, err)
			}
			mu.Lock()
			sdkValue, ok := got["/bucket/"+key+" "+a.HeaderName()]
			mu.Unlock()
			if !ok {
				t.Fatalf("%s: SDK sent no %s header", key, a.HeaderName())
			}
			if want := Encode(sum(t, a, body)); sdkValue != want {
				t.Errorf("%s: SDK computed %s, we computed %s", key, sdkValue, want)
			}
		}
	}
}

var sinkSum []byte

func BenchmarkSetPutObjectPath(b *testing.B) {
	buf := make([]byte, 64<<10)
	s, err := NewSet(CRC64NVME)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		s.Reset()
		s.Write(buf)
		sinkSum, _ = s.Sum(CRC64NVME)
	}
}

// BenchmarkCRC64NVME compares UpdateCRC64NVME with hash/crc64 using the
// same polynomial, which slices only above 2 KiB per write.
func BenchmarkCRC64NVME(b *testing.B) {
	table := crc64.MakeTable(crc64NVMEPoly)
	for _, size := range []int{1 << 10, 64 << 10} {
		buf := make([]byte, size)
		b.Run("ours/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var crc uint64
			for b.Loop() {
				crc = UpdateCRC64NVME(crc, buf)
			}
			sinkSum = binary.BigEndian.AppendUint64(sinkSum[:0], crc)
		})
		b.Run("hash-crc64/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var crc uint64
			for b.Loop() {
				crc = crc64.Update(crc, table, buf)
			}
			sinkSum = binary.BigEndian.AppendUint64(sinkSum[:0], crc)
		})
	}
}

func BenchmarkSHA256(b *testing.B) {
	buf := make([]byte, 64<<10)
	h := sha256.New()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		h.Write(buf)
	}
	sinkSum = h.Sum(sinkSum[:0])
}

// TestCRC64NVMEFoldMatchesTables checks the carry-less-multiplication path
// (where the CPU has one) against hash/crc64 for every length up to 1100
// bytes at every alignment, continuing from a non-zero CRC.
func TestCRC64NVMEFoldMatchesTables(t *testing.T) {
	table := crc64.MakeTable(crc64NVMEPoly)
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 1100+16)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	prefix := []byte("prefix")
	start := UpdateCRC64NVME(0, prefix)
	for off := 0; off < 16; off++ {
		for n := 0; off+n <= len(data) && n <= 1100; n++ {
			p := data[off : off+n]
			want := crc64.Update(crc64.Checksum(prefix, table), table, p)
			if got := UpdateCRC64NVME(start, p); got != want {
				t.Fatalf("offset %d, len %d: got %016x, want %016x", off, n, got, want)
			}
		}
	}
}

// FuzzCRC64NVME compares UpdateCRC64NVME with hash/crc64 on arbitrary
// input, split at an arbitrary point.
func FuzzCRC64NVME(f *testing.F) {
	f.Add([]byte("123456789"), uint16(4))
	f.Add(make([]byte, 300), uint16(200))
	table := crc64.MakeTable(crc64NVMEPoly)
	f.Fuzz(func(t *testing.T, p []byte, split uint16) {
		s := int(split) % (len(p) + 1)
		got := UpdateCRC64NVME(UpdateCRC64NVME(0, p[:s]), p[s:])
		if want := crc64.Checksum(p, table); got != want {
			t.Fatalf("len %d split %d: got %016x, want %016x", len(p), s, got, want)
		}
	})
}
