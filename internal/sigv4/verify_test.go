package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var testCreds = aws.Credentials{
	AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
	SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}

// testSecrets knows testCreds only.
func testSecrets(akid string) (string, bool) {
	if akid == testCreds.AccessKeyID {
		return testCreds.SecretAccessKey, true
	}
	return "", false
}

// outcome is what the verifying test server saw of one request: Verify's
// error, or else the error of reading the body to EOF, and the body.
type outcome struct {
	err  error
	body []byte
}

// verifyServer is an HTTP server on a loopback port that verifies every
// request with v and reports the outcome.
type verifyServer struct {
	*httptest.Server
	v        *Verifier
	outcomes chan outcome
}

func newVerifyServer(t *testing.T, v *Verifier) *verifyServer {
	t.Helper()
	s := &verifyServer{v: v, outcomes: make(chan outcome, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyServer) serve(w http.ResponseWriter, r *http.Request) {
	err := s.v.Verify(r)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(r.Body)
	}
	s.outcomes <- outcome{err, body}
	var e *Error
	if errors.As(err, &e) {
		w.WriteHeader(e.Status)
	}
}

// do sends req and returns what the server saw.
func (s *verifyServer) do(t *testing.T, req *http.Request) outcome {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return s.next(t)
}

// next returns the server's next outcome.
func (s *verifyServer) next(t *testing.T) outcome {
	t.Helper()
	select {
	case o := <-s.outcomes:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("the server saw no request")
		return outcome{}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// wantError checks that err is an *Error with code and status and a message
// starting with msgPrefix.
func wantError(t *testing.T, err error, code string, status int, msgPrefix string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error %s", err, code)
	}
	if e.Code != code || e.Status != status || !strings.HasPrefix(e.Message, msgPrefix) {
		t.Fatalf("error = %s %d %q, want %s %d %q…", e.Code, e.Status, e.Message, code, status, msgPrefix)
	}
	return e
}

func field(e *Error, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// signS3 signs req as the S3 client does: payload hash in
// X-Amz-Content-Sha256, path not escaped again.
func signS3(t *testing.T, req *http.Request, payloadHash string, at time.Time) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, payloadHash, "s3", "us-east-1", at,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
}

// s3Key is an object key with every character class S3 keys allow.
const s3Key = "dir/a b+c!$&'()*,;=@:~ü✓%x"

func s3ObjectURL(base, bucket, key string) string {
	return base + "/" + bucket + "/" + escape(key, true)
}

func TestVerifyS3HeaderSigned(t *testing.T) {
	now := time.Now()
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})
	body := []byte("hello, virga")

	t.Run("GET with awkward key and query", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s3ObjectURL(s.URL, "bucket", s3Key)+"?versionId=a%2Bb%2Fc&response-content-type=text%2Fplain%3B%20charset%3Dutf-8", nil)
		req.Header.Set("Range", "bytes=0-9")
		signS3(t, req, emptySHA256, now)
		if o := s.do(t, req); o.err != nil {
			t.Fatal(o.err)
		}
	})
	t.Run("PUT with signed payload and metadata", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, s3ObjectURL(s.URL, "bucket", "k"), bytes.NewReader(body))
		req.Header.Set("X-Amz-Meta-Note", "  spaced   out  value ")
		req.Header.Add("X-Amz-Meta-Multi", "one")
		req.Header.Add("X-Amz-Meta-Multi", "two")
		req.Header.Set("Content-Type", "text/plain")
		signS3(t, req, sha256Hex(body), now)
		o := s.do(t, req)
		if o.err != nil || !bytes.Equal(o.body, body) {
			t.Fatalf("outcome = %v, %q", o.err, o.body)
		}
	})
	t.Run("PUT with unsigned payload", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, s3ObjectURL(s.URL, "bucket", "k"), bytes.NewReader(body))
		signS3(t, req, UnsignedPayload, now)
		if o := s.do(t, req); o.err != nil {
			t.Fatal(o.err)
		}
	})
	t.Run("session token", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s3ObjectURL(s.URL, "bucket", "k"), nil)
		creds := testCreds
		creds.SessionToken = "FwoGZXIvYXdzEBYaD+token/with=chars"
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptySHA256, "s3", "us-east-1", now,
			func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
			t.Fatal(err)
		}
		if o := s.do(t, req); o.err != nil {
			t.Fatal(o.err)
		}
	})
}

func TestVerifyS3Tampering(t *testing.T) {
	now := time.Now()
	body := []byte("the original body")
	newSigned := func(t *testing.T, base string) *http.Request {
		req, _ := http.NewRequest(http.MethodPut, s3ObjectURL(base, "bucket", "key")+"?tagging=", bytes.NewReader(body))
		req.Header.Set("X-Amz-Meta-Color", "red")
		signS3(t, req, sha256Hex(body), now)
		return req
	}
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})

	tampers := []struct {
		name   string
		tamper func(*http.Request)
	}{
		{"header", func(r *http.Request) { r.Header.Set("X-Amz-Meta-Color", "blue") }},
		{"path", func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/bucket/other", "" }},
		{"query", func(r *http.Request) { r.URL.RawQuery += "&versionId=1" }},
		{"method", func(r *http.Request) { r.Method = http.MethodPost }},
		{"date", func(r *http.Request) {
			r.Header.Set("X-Amz-Date", formatAmzDate(now.Add(time.Second)))
		}},
		{"signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
		}},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			req := newSigned(t, s.URL)
			tt.tamper(req)
			e := wantError(t, s.do(t, req).err, "SignatureDoesNotMatch", 403, msgSignatureS3)
			if field(e, "AWSAccessKeyId") != testCreds.AccessKeyID || !strings.HasPrefix(field(e, "CanonicalRequest"), req.Method+"\n") ||
				!strings.HasPrefix(field(e, "StringToSign"), "AWS4-HMAC-SHA256\n") || field(e, "SignatureProvided") == "" {
				t.Errorf("fields = %+v", e.Fields)
			}
		})
	}

	t.Run("body", func(t *testing.T) {
		req := newSigned(t, s.URL)
		tampered := bytes.ToUpper(body)
		req.Body = io.NopCloser(bytes.NewReader(tampered))
		o := s.do(t, req)
		e := wantError(t, o.err, "XAmzContentSHA256Mismatch", 400, msgContentSHA256)
		if field(e, "ClientComputedContentSHA256") != sha256Hex(body) || field(e, "S3ComputedContentSHA256") != sha256Hex(tampered) {
			t.Errorf("fields = %+v", e.Fields)
		}
	})
	t.Run("secret", func(t *testing.T) {
		other := newVerifyServer(t, &Verifier{Secret: func(string) (string, bool) { return "another secret", true }})
		wantError(t, other.do(t, newSigned(t, other.URL)).err, "SignatureDoesNotMatch", 403, msgSignatureS3)
	})
	t.Run("unknown key", func(t *testing.T) {
		other := newVerifyServer(t, &Verifier{Secret: func(string) (string, bool) { return "", false }})
		e := wantError(t, other.do(t, newSigned(t, other.URL)).err, "InvalidAccessKeyId", 403, msgUnknownKeyS3)
		if field(e, "AWSAccessKeyId") != testCreds.AccessKeyID {
			t.Errorf("fields = %+v", e.Fields)
		}
	})
	t.Run("skewed", func(t *testing.T) {
		late := newVerifyServer(t, &Verifier{Secret: testSecrets, Now: func() time.Time { return now.Add(16 * time.Minute) }})
		e := wantError(t, late.do(t, newSigned(t, late.URL)).err, "RequestTimeTooSkewed", 403, msgSkewedS3)
		if field(e, "MaxAllowedSkewMilliseconds") != "900000" || field(e, "RequestTime") != formatAmzDate(now) {
			t.Errorf("fields = %+v", e.Fields)
		}
		early := newVerifyServer(t, &Verifier{Secret: testSecrets, Now: func() time.Time { return now.Add(-16 * time.Minute) }})
		wantError(t, early.do(t, newSigned(t, early.URL)).err, "RequestTimeTooSkewed", 403, msgSkewedS3)
		within := newVerifyServer(t, &Verifier{Secret: testSecrets, Now: func() time.Time { return now.Add(14 * time.Minute) }})
		if o := within.do(t, newSigned(t, within.URL)); o.err != nil {
			t.Errorf("14 minutes of skew: %v", o.err)
		}
	})
	t.Run("missing content sha256", func(t *testing.T) {
		req := newSigned(t, s.URL)
		req.Header.Del("X-Amz-Content-Sha256")
		wantError(t, s.do(t, req).err, "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256")
	})
	t.Run("invalid content sha256", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/bucket/key", nil)
		signS3(t, req, "not-a-hash", now)
		wantError(t, s.do(t, req).err, "InvalidArgument", 400, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD")
	})
}

func TestVerifyMalformedS3(t *testing.T) {
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})
	date := formatAmzDate(time.Now())
	day := date[:8]
	tests := []struct {
		name, auth, amzDate string
		code                string
		status              int
		msg                 string
	}{
		{"missing signature", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=host", date,
			"AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the authorization header requires three components"},
		{"credential date", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20000101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", date,
			"AuthorizationHeaderMalformed", 400, "The authorization header is malformed; Invalid credential date."},
		{"bad credential", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=00", date,
			"AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the Credential is mal-formed"},
		{"no date", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "",
			"AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header"},
		{"SigV2", "AWS AKIAIOSFODNN7EXAMPLE:c2lnbmF0dXJl", date, "InvalidRequest", 400, msgSigV2},
		{"SigV4a", "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/s3/aws4_request, SignedHeaders=host, Signature=3045", date,
			"NotImplemented", 501, "Virga does not verify AWS4-ECDSA-P256-SHA256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/bucket/key", nil)
			req.Header.Set("Authorization", tt.auth)
			req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			if tt.amzDate != "" {
				req.Header.Set("X-Amz-Date", tt.amzDate)
			}
			wantError(t, s.do(t, req).err, tt.code, tt.status, tt.msg)
		})
	}
	t.Run("header and query", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256", nil)
		signS3(t, req, emptySHA256, time.Now())
		wantError(t, s.do(t, req).err, "InvalidArgument", 400, "Only one auth mechanism allowed")
	})
	t.Run("anonymous", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/bucket/key", nil)
		wantError(t, s.do(t, req).err, "MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	})
	t.Run("SigV2 presigned", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/bucket/key?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=2000000000&Signature=x", nil)
		wantError(t, s.do(t, req).err, "InvalidRequest", 400, msgSigV2)
	})
}

// signJSON signs an SQS-style JSON request as the SDK does for non-S3
// services: no X-Amz-Content-Sha256 header, the path escaped again.
func signJSON(t *testing.T, req *http.Request, body []byte, service string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, sha256Hex(body), service, "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
}

func newSQSRequest(t *testing.T, base string, body []byte) *http.Request {
	req, err := http.NewRequest(http.MethodPost, base+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	return req
}

func TestVerifyJSONService(t *testing.T) {
	now := time.Now()
	body := []byte(`{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"hi"}`)
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})

	t.Run("valid", func(t *testing.T) {
		req := newSQSRequest(t, s.URL, body)
		signJSON(t, req, body, "sqs", now)
		o := s.do(t, req)
		if o.err != nil || !bytes.Equal(o.body, body) {
			t.Fatalf("outcome = %v, %q", o.err, o.body)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		req := newSQSRequest(t, s.URL, body)
		signJSON(t, req, body, "sqs", now)
		req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte("hi"), []byte("ho"), 1)))
		e := wantError(t, s.do(t, req).err, "SignatureDoesNotMatch", 403, msgSignatureGeneric)
		if !strings.Contains(e.Message, "\n\nThe Canonical String for this request should have been\n'POST\n/\n") ||
			!strings.Contains(e.Message, "x-amz-target:AmazonSQS.SendMessage\n") ||
			!strings.Contains(e.Message, "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n") {
			t.Errorf("message = %q", e.Message)
		}
		if len(e.Fields) != 0 {
			t.Errorf("non-S3 error has S3 fields %+v", e.Fields)
		}
	})
	t.Run("tampered target", func(t *testing.T) {
		req := newSQSRequest(t, s.URL, body)
		signJSON(t, req, body, "sqs", now)
		req.Header.Set("X-Amz-Target", "AmazonSQS.DeleteQueue")
		wantError(t, s.do(t, req).err, "SignatureDoesNotMatch", 403, msgSignatureGeneric)
	})
	t.Run("unknown key", func(t *testing.T) {
		other := newVerifyServer(t, &Verifier{Secret: func(string) (string, bool) { return "", false }})
		req := newSQSRequest(t, other.URL, body)
		signJSON(t, req, body, "sqs", now)
		wantError(t, other.do(t, req).err, "InvalidClientTokenId", 403, msgUnknownKey)
	})
	t.Run("expired signature", func(t *testing.T) {
		late := newVerifyServer(t, &Verifier{Secret: testSecrets, Now: func() time.Time { return now.Add(20 * time.Minute) }})
		req := newSQSRequest(t, late.URL, body)
		signJSON(t, req, body, "sqs", now)
		e := wantError(t, late.do(t, req).err, "SignatureDoesNotMatch", 403, "Signature expired: "+formatAmzDate(now)+" is now earlier than ")
		if !strings.HasSuffix(e.Message, " - 15 min.)") {
			t.Errorf("message = %q", e.Message)
		}
	})
	t.Run("JSON dialect", func(t *testing.T) {
		json := newVerifyServer(t, &Verifier{
			Secret:  func(string) (string, bool) { return "", false },
			Dialect: func(string) Dialect { return DialectJSON },
		})
		req := newSQSRequest(t, json.URL, body)
		signJSON(t, req, body, "dynamodb", now)
		wantError(t, json.do(t, req).err, "UnrecognizedClientException", 400, msgUnknownKey)
		bad := newVerifyServer(t, &Verifier{
			Secret:  func(string) (string, bool) { return "wrong", true },
			Dialect: func(string) Dialect { return DialectRESTJSON },
		})
		req = newSQSRequest(t, bad.URL, body)
		signJSON(t, req, body, "lambda", now)
		wantError(t, bad.do(t, req).err, "InvalidSignatureException", 403, msgSignatureGeneric)
	})
	t.Run("body over the buffering limit", func(t *testing.T) {
		small := newVerifyServer(t, &Verifier{Secret: testSecrets, MaxBufferedBody: 10})
		req := newSQSRequest(t, small.URL, body)
		signJSON(t, req, body, "sqs", now)
		wantError(t, small.do(t, req).err, "RequestEntityTooLarge", 413, "The request body is larger")
	})
	t.Run("malformed", func(t *testing.T) {
		req := newSQSRequest(t, s.URL, body)
		req.Header.Set("X-Amz-Date", formatAmzDate(now))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"+formatAmzDate(now)[:8]+"/eu-west-1/sqs/aws4_request")
		wantError(t, s.do(t, req).err, "IncompleteSignature", 400, "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.")
		req = newSQSRequest(t, s.URL, body)
		req.Header.Set("X-Amz-Date", formatAmzDate(now))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20000101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=00")
		wantError(t, s.do(t, req).err, "SignatureDoesNotMatch", 403, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20000101' != '")
		req = newSQSRequest(t, s.URL, body)
		req.Header.Set("X-Amz-Date", formatAmzDate(now))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20000101/sqs/aws4_request, SignedHeaders=host, Signature=00")
		wantError(t, s.do(t, req).err, "IncompleteSignature", 400, "Credential must have exactly 5 slash-delimited elements")
	})
}

// TestVerifyDoubleEscapedPath checks the canonical path of a non-S3
// service, whose already-escaped path the SDK escapes once more.
func TestVerifyDoubleEscapedPath(t *testing.T) {
	now := time.Now()
	s := newVerifyServer(t, &Verifier{Secret: testSecrets, Dialect: func(string) Dialect { return DialectRESTJSON }})
	fn := url.PathEscape("arn:aws:lambda:eu-west-1:123456789012:function:my fn")
	body := []byte(`{"k":"v"}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/2015-03-31/functions/"+fn+"/invocations?Qualifier=%24LATEST", bytes.NewReader(body))
	signJSON(t, req, body, "lambda", now)
	if o := s.do(t, req); o.err != nil {
		t.Fatal(o.err)
	}
	// Signed as S3 signs (path escaped once), the same request fails.
	req, _ = http.NewRequest(http.MethodPost, s.URL+"/2015-03-31/functions/"+fn+"/invocations", bytes.NewReader(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, sha256Hex(body), "lambda", "eu-west-1", now,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.do(t, req).err, "InvalidSignatureException", 403, msgSignatureGeneric)
}

// presign presigns req with the SDK and returns a request for the URL that
// carries the headers the signature covers.
func presign(t *testing.T, req *http.Request, payloadHash, service string, at time.Time, expires time.Duration) *http.Request {
	t.Helper()
	if expires > 0 {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
		req.URL.RawQuery = q.Encode()
	}
	u, headers, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, payloadHash, service, "us-east-1", at,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(req.Method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k != "Host" {
			out.Header[k] = v
		}
	}
	return out
}

func TestVerifyPresigned(t *testing.T) {
	now := time.Now()
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})
	newGet := func(base string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, s3ObjectURL(base, "bucket", s3Key)+"?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22", nil)
		return req
	}

	t.Run("GET", func(t *testing.T) {
		if o := s.do(t, presign(t, newGet(s.URL), UnsignedPayload, "s3", now, 15*time.Minute)); o.err != nil {
			t.Fatal(o.err)
		}
	})
	t.Run("PUT with signed content type", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, s3ObjectURL(s.URL, "bucket", "up"), strings.NewReader("data"))
		req.Header.Set("Content-Type", "image/png")
		p := presign(t, req, UnsignedPayload, "s3", now, time.Hour)
		if !strings.Contains(p.URL.RawQuery, "content-type") {
			t.Fatalf("content-type not signed: %s", p.URL.RawQuery)
		}
		p.Body, p.ContentLength = io.NopCloser(strings.NewReader("data")), 4
		if o := s.do(t, p); o.err != nil || string(o.body) != "data" {
			t.Fatalf("outcome = %v, %q", o.err, o.body)
		}
		p = presign(t, req, UnsignedPayload, "s3", now, time.Hour)
		p.Header.Set("Content-Type", "image/gif")
		p.Body, p.ContentLength = io.NopCloser(strings.NewReader("data")), 4
		wantError(t, s.do(t, p).err, "SignatureDoesNotMatch", 403, msgSignatureS3)
	})
	t.Run("expired", func(t *testing.T) {
		e := wantError(t, s.do(t, presign(t, newGet(s.URL), UnsignedPayload, "s3", now.Add(-2*time.Hour), time.Hour)).err,
			"AccessDenied", 403, msgExpiredS3)
		if e.Message != "Request has expired" || field(e, "X-Amz-Expires") != "3600" || field(e, "Expires") == "" || field(e, "ServerTime") == "" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		wantError(t, s.do(t, presign(t, newGet(s.URL), UnsignedPayload, "s3", now.Add(time.Hour), time.Hour)).err,
			"AccessDenied", 403, msgNotYetValidS3)
	})
	t.Run("a week at most", func(t *testing.T) {
		wantError(t, s.do(t, presign(t, newGet(s.URL), UnsignedPayload, "s3", now, 8*24*time.Hour)).err,
			"AuthorizationQueryParametersError", 400, "X-Amz-Expires must be less than a week")
	})
	t.Run("tampered query", func(t *testing.T) {
		p := presign(t, newGet(s.URL), UnsignedPayload, "s3", now, time.Hour)
		p.URL.RawQuery = strings.Replace(p.URL.RawQuery, "filename", "filenamf", 1)
		wantError(t, s.do(t, p).err, "SignatureDoesNotMatch", 403, msgSignatureS3)
	})
	t.Run("tampered path", func(t *testing.T) {
		p := presign(t, newGet(s.URL), UnsignedPayload, "s3", now, time.Hour)
		p.URL.Path, p.URL.RawPath = "/bucket/other", ""
		wantError(t, s.do(t, p).err, "SignatureDoesNotMatch", 403, msgSignatureS3)
	})
	t.Run("missing parameter", func(t *testing.T) {
		p := presign(t, newGet(s.URL), UnsignedPayload, "s3", now, 0)
		wantError(t, s.do(t, p).err, "AuthorizationQueryParametersError", 400, msgQueryParamsS3)
	})
	t.Run("unknown key", func(t *testing.T) {
		other := newVerifyServer(t, &Verifier{Secret: func(string) (string, bool) { return "", false }})
		wantError(t, other.do(t, presign(t, newGet(other.URL), UnsignedPayload, "s3", now, time.Hour)).err,
			"InvalidAccessKeyId", 403, msgUnknownKeyS3)
	})
	t.Run("STS GetCallerIdentity", func(t *testing.T) {
		// The form EKS and Vault use to prove an identity.
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		req.Header.Set("X-K8s-Aws-Id", "cluster")
		if o := s.do(t, presign(t, req, emptySHA256, "sts", now, time.Minute)); o.err != nil {
			t.Fatal(o.err)
		}
		late := newVerifyServer(t, &Verifier{Secret: testSecrets, Now: func() time.Time { return now.Add(2 * time.Minute) }})
		req, _ = http.NewRequest(http.MethodGet, late.URL+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		wantError(t, late.do(t, presign(t, req, emptySHA256, "sts", now, time.Minute)).err, "SignatureDoesNotMatch", 403, "Signature expired: ")
	})
}

// TestAWSDocumentationExamples verifies the signed requests published in
// the S3 API reference ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk" and "Authenticating
// Requests: Using Query Parameters"), whose signatures were computed by AWS.
func TestAWSDocumentationExamples(t *testing.T) {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	v := &Verifier{Secret: testSecrets, Now: func() time.Time { return at }}
	tests := []struct {
		name, method, target string
		headers              map[string]string
		body                 string
		signedHeaders        string
		signature            string
	}{
		{
			name: "GET object", method: "GET", target: "http://examplebucket.s3.amazonaws.com/test.txt",
			headers:       map[string]string{"Range": "bytes=0-9", "X-Amz-Content-Sha256": emptySHA256, "X-Amz-Date": "20130524T000000Z"},
			signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
			signature:     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		},
		{
			name: "PUT object", method: "PUT", target: "http://examplebucket.s3.amazonaws.com/test%24file.text",
			headers: map[string]string{"Date": "Fri, 24 May 2013 00:00:00 GMT", "X-Amz-Storage-Class": "REDUCED_REDUNDANCY",
				"X-Amz-Content-Sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", "X-Amz-Date": "20130524T000000Z"},
			body:          "Welcome to Amazon S3.",
			signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
			signature:     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
		},
		{
			name: "GET bucket lifecycle", method: "GET", target: "http://examplebucket.s3.amazonaws.com/?lifecycle",
			headers:       map[string]string{"X-Amz-Content-Sha256": emptySHA256, "X-Amz-Date": "20130524T000000Z"},
			signedHeaders: "host;x-amz-content-sha256;x-amz-date",
			signature:     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
		},
		{
			name: "GET bucket (list objects)", method: "GET", target: "http://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
			headers:       map[string]string{"X-Amz-Content-Sha256": emptySHA256, "X-Amz-Date": "20130524T000000Z"},
			signedHeaders: "host;x-amz-content-sha256;x-amz-date",
			signature:     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
		},
		{
			name: "presigned GET", method: "GET",
			target: "http://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if tt.signature != "" {
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="+
					tt.signedHeaders+",Signature="+tt.signature)
			}
			if err := v.Verify(req); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(req.Body)
			if err != nil || string(got) != tt.body {
				t.Fatalf("body = %q, %v", got, err)
			}
			// One bit off and the same request fails.
			req = httptest.NewRequest(tt.method, strings.Replace(tt.target, "examplebucket.s3", "examplebucket2.s3", 1), strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if tt.signature != "" {
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="+
					tt.signedHeaders+",Signature="+tt.signature)
			}
			wantError(t, v.Verify(req), "SignatureDoesNotMatch", 403, msgSignatureS3)
		})
	}
}

func TestCanonicalHelpers(t *testing.T) {
	if got, want := canonicalQuery(parseQuery("b=2&a=x+y&a=%2B&c&&d=", true), ""), "a=%2B&a=x%20y&b=2&c=&d="; got != want {
		t.Errorf("canonicalQuery = %q, want %q", got, want)
	}
	if got, want := canonicalQuery(parseQuery("a=x+y", false), ""), "a=x%2By"; got != want {
		t.Errorf("canonicalQuery(plus literal) = %q, want %q", got, want)
	}
	if got, want := canonicalQuery(parseQuery("X-Amz-Signature=abc&b=%zz", true), "X-Amz-Signature"), "b=%25zz"; got != want {
		t.Errorf("canonicalQuery(skip, bad escape) = %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"/":          "/",
		"":           "/",
		"/a//b/./c/": "/a/b/c/",
		"/a/../b":    "/b",
		"/../a":      "/a",
		"/a/b/..":    "/a/",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := collapseSpaces("  a   b  c "), "a b c"; got != want {
		t.Errorf("collapseSpaces = %q, want %q", got, want)
	}
	if got, want := canonicalURIs("/a%2Fb/c%20d", false), []string{"/a%252Fb/c%2520d"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("canonicalURIs(non-S3) = %q, want %q", got, want)
	}
	if got := canonicalURIs("/b/a!b", true); len(got) != 2 || got[0] != "/b/a!b" || got[1] != "/b/a%21b" {
		t.Errorf("canonicalURIs(S3) = %q", got)
	}
}

// TestRealClients sends requests from the real S3, SQS (JSON protocol) and
// STS (query protocol) clients to a verifying server. The server answers
// every request with an empty 200, which the clients may fail to parse;
// only what the server saw of each request matters here.
func TestRealClients(t *testing.T) {
	s := newVerifyServer(t, &Verifier{Secret: testSecrets})
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")
	check := func(t *testing.T, name string) outcome {
		t.Helper()
		o := s.next(t)
		if o.err != nil {
			t.Errorf("%s: %v", name, o.err)
		}
		return o
	}

	t.Run("S3", func(t *testing.T) {
		client := s3.New(s3.Options{
			Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(s.URL), UsePathStyle: true,
			Retryer: aws.NopRetryer{}, RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		})
		body := []byte("payload from the S3 client")
		client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(s3Key), Body: bytes.NewReader(body),
			Metadata: map[string]string{"note": "a  b"}, ContentType: aws.String("text/plain")})
		if o := check(t, "PutObject"); !bytes.Equal(o.body, body) {
			t.Errorf("PutObject body = %q", o.body)
		}
		client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(s3Key), Range: aws.String("bytes=0-3")})
		check(t, "GetObject")
		client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket"), Prefix: aws.String("dir/ü +x"), Delimiter: aws.String("/"),
			StartAfter: aws.String("a=b&c")})
		check(t, "ListObjectsV2")
		client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bucket"), Delete: &s3types.Delete{
			Objects: []s3types.ObjectIdentifier{{Key: aws.String("x")}, {Key: aws.String(s3Key)}}}})
		check(t, "DeleteObjects")

		presigned, err := s3.NewPresignClient(client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(s3Key),
			ResponseContentDisposition: aws.String(`attachment; filename="x y.txt"`)})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(presigned.Method, presigned.URL, nil)
		if o := s.do(t, req); o.err != nil {
			t.Errorf("presigned GetObject: %v", o.err)
		}
	})
	t.Run("SQS", func(t *testing.T) {
		client := sqs.New(sqs.Options{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(s.URL), Retryer: aws.NopRetryer{}})
		client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.URL + "/000000000000/q"), MessageBody: aws.String("hello ✓")})
		if o := check(t, "SendMessage"); !bytes.Contains(o.body, []byte(`"MessageBody"`)) {
			t.Errorf("SendMessage body = %q", o.body)
		}
	})
	t.Run("STS", func(t *testing.T) {
		client := sts.New(sts.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(s.URL), Retryer: aws.NopRetryer{}})
		client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if o := check(t, "GetCallerIdentity"); !bytes.Contains(o.body, []byte("Action=GetCallerIdentity")) {
			t.Errorf("GetCallerIdentity body = %q", o.body)
		}
	})
}
