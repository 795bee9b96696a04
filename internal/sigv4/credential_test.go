package sigv4

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestParseCredential(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		query  string
		want   Credential
		wantOK bool
	}{
		{
			name:   "header, SDK spacing",
			header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"},
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Region: "us-east-1", Service: "s3"},
			wantOK: true,
		},
		{
			name:   "header, no spaces (AWS documentation form)",
			header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/eu-west-1/sqs/aws4_request,SignedHeaders=host,Signature=abc"},
			want:   Credential{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", Date: "20130524", Region: "eu-west-1", Service: "sqs"},
			wantOK: true,
		},
		{
			name:   "header, credential not first",
			header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Credential=AKID/20240101/us-west-2/dynamodb/aws4_request, Signature=abc"},
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Region: "us-west-2", Service: "dynamodb"},
			wantOK: true,
		},
		{
			name:   "SigV2 header",
			header: map[string]string{"Authorization": "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="},
			want:   Credential{AccessKeyID: "AKIAIOSFODNN7EXAMPLE"},
			wantOK: true,
		},
		{
			name:   "SigV4a header with one region",
			header: map[string]string{"Authorization": "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=3045", "X-Amz-Region-Set": "eu-west-1"},
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Region: "eu-west-1", Service: "s3"},
			wantOK: true,
		},
		{
			name:   "SigV4a header with a wildcard region set",
			header: map[string]string{"Authorization": "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=3045", "X-Amz-Region-Set": "*"},
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Service: "s3"},
			wantOK: true,
		},
		{
			name:   "presigned",
			query:  "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z",
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Region: "ap-south-1", Service: "s3", Presigned: true},
			wantOK: true,
		},
		{
			name:   "presigned, lower-case escapes and literal slashes",
			query:  "X-Amz-Credential=AK%49D%2f20240101/us-east-1%2Fs3%2Faws4_request",
			want:   Credential{AccessKeyID: "AKID", Date: "20240101", Region: "us-east-1", Service: "s3", Presigned: true},
			wantOK: true,
		},
		{
			name:   "SigV2 presigned",
			query:  "AWSAccessKeyId=AKID&Expires=1700000000&Signature=abc%3D",
			want:   Credential{AccessKeyID: "AKID", Presigned: true},
			wantOK: true,
		},
		{name: "no auth"},
		{name: "unrelated query", query: "list-type=2&prefix=a"},
		{name: "unknown algorithm", header: map[string]string{"Authorization": "Bearer token"}},
		{name: "no credential", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"}},
		{name: "short scope", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/aws4_request, SignedHeaders=host, Signature=abc"}},
		{name: "long scope", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/x/aws4_request, SignedHeaders=host, Signature=abc"}},
		{name: "bad terminator", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=abc"}},
		{name: "empty key", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=/20240101/us-east-1/s3/aws4_request"}},
		{name: "SigV2 without colon", header: map[string]string{"Authorization": "AWS AKID"}},
		{name: "bad presigned credential", query: "X-Amz-Credential=AKID%2F20240101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://localhost/?"+tt.query, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			got, ok := ParseCredential(r)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseCredential = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

var sinkCredential Credential

func BenchmarkParseCredential(b *testing.B) {
	header := httptest.NewRequest(http.MethodPut, "http://localhost/bucket/key", nil)
	header.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
	presigned := httptest.NewRequest(http.MethodGet, "http://localhost/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", nil)
	for _, bc := range []struct {
		name string
		r    *http.Request
	}{{"header", header}, {"presigned", presigned}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, ok := ParseCredential(bc.r)
				if !ok {
					b.Fatal("no credential")
				}
				sinkCredential = c
			}
		})
	}
}

func TestParseCredentialAllocations(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://localhost/?X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc")
	q := httptest.NewRequest(http.MethodGet, "http://localhost/?X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request", nil)
	for _, req := range []*http.Request{r, q} {
		if n := testing.AllocsPerRun(100, func() { sinkCredential, _ = ParseCredential(req) }); n != 0 {
			t.Errorf("ParseCredential allocates %v times per call, want 0", n)
		}
	}
}

func FuzzParseCredential(f *testing.F) {
	// Seeds: the header forms SDKs send, SigV2, SigV4a and presigned queries.
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc", "", "")
	f.Add("AWS AKID:c2ln", "", "")
	f.Add("AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=30", "", "us-east-1")
	f.Add("", "X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=a", "")
	f.Add("", "X-Amz-Credential=AKID%2F20240101%2Fs3%2Faws4_request&X-Amz-Region-Set=eu-west-1", "")
	f.Add("", "AWSAccessKeyId=AKID&Signature=x", "")
	f.Add("AWS4-HMAC-SHA256 Credential=//////", "", "")
	f.Add("", "X-Amz-Credential=%2F%2F%2F%2F%2f%", "")
	f.Fuzz(func(t *testing.T, auth, rawQuery, regionSet string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: rawQuery}}
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		if regionSet != "" {
			r.Header["X-Amz-Region-Set"] = []string{regionSet}
		}
		c, ok := ParseCredential(r)
		if !ok {
			if c != (Credential{}) {
				t.Fatalf("not ok but returned %+v", c)
			}
			return
		}
		if c.AccessKeyID == "" {
			t.Fatalf("ok with an empty access key id: %+v", c)
		}
		if c.Service != "" {
			// The scope parts come from splitting at slashes.
			for _, s := range []string{c.Date, c.Service} {
				if strings.Contains(s, "/") && !c.Presigned {
					t.Fatalf("scope part %q contains a slash", s)
				}
			}
			if c.Date == "" {
				t.Fatalf("service without date: %+v", c)
			}
		}
	})
}
