package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	s3svc "github.com/virga-aws/virga/internal/services/s3"
)

// env is a running Virga with S3 and clients for it.
type env struct {
	t    testing.TB
	srv  *server.Server
	url  string
	addr string
	// c is a path-style client of account 000000000000 in us-east-1.
	c *s3.Client
}

var bg = context.Background()

// start runs Virga with S3 only on a random loopback port.
func start(t testing.TB, opts server.Options) *env {
	t.Helper()
	srv := servertest.Start(t, opts, s3svc.New)
	e := &env{t: t, srv: srv, url: srv.URL(), addr: srv.Addr()}
	e.c = e.client("", "us-east-1", true)
	return e
}

// stop stops the server (tests that restart on the same data directory).
func (e *env) stop() { e.srv.Close() }

// config returns an SDK configuration for the server.
func (e *env) config(accessKey, region string) aws.Config {
	return servertest.Config(e.t, e.srv, accessKey, region)
}

// client returns an S3 client for accessKey in region.
func (e *env) client(accessKey, region string, pathStyle bool) *s3.Client {
	cfg := e.config(accessKey, region)
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		o.RetryMaxAttempts = 1
	})
}

// virtualClient returns a virtual-hosted-style client whose every host
// name dials the server.
func (e *env) virtualClient() *s3.Client {
	cfg := e.config("", "us-east-1")
	addr := e.addr
	_, port, _ := net.SplitHostPort(addr)
	dialer := &net.Dialer{}
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}
	})
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://s3.localhost.localstack.cloud:" + port)
		o.UsePathStyle = false
		o.RetryMaxAttempts = 1
	})
}

// mkBucket creates a bucket with the default client.
func (e *env) mkBucket(name string) {
	e.t.Helper()
	if _, err := e.c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatalf("CreateBucket(%s): %v", name, err)
	}
}

// put stores body at bucket/key.
func (e *env) put(bucket, key, body string) *s3.PutObjectOutput {
	e.t.Helper()
	out, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		e.t.Fatalf("PutObject(%s/%s): %v", bucket, key, err)
	}
	return out
}

// get returns the body of bucket/key.
func (e *env) get(bucket, key string) string {
	e.t.Helper()
	out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("GetObject(%s/%s): %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// wantErr checks that err is the AWS error code with HTTP status.
func wantErr(t testing.TB, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%d)", code, status)
	}
	var ae smithy.APIError
	if code != "" {
		if !errors.As(err, &ae) {
			t.Fatalf("got %v, want API error %s", err, code)
		}
		if ae.ErrorCode() != code {
			t.Fatalf("got error code %q (%v), want %q", ae.ErrorCode(), err, code)
		}
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want an HTTP response error", err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("got HTTP %d (%v), want %d", re.HTTPStatusCode(), err, status)
	}
}

// raw sends a plain HTTP request to the server and returns the response
// with its body read.
func (e *env) raw(method, path string, body []byte, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestSmoke(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("smoke")
	e.put("smoke", "a/b.txt", "hello")
	if got := e.get("smoke", "a/b.txt"); got != "hello" {
		t.Fatalf("got %q", got)
	}
}
