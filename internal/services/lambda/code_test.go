package lambda

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/s3"
)

// startWithS3 runs a server with S3 and Lambda reading code from it, and
// returns an S3 client too.
func startWithS3(t *testing.T, opts server.Options) (*env, *awss3.Client) {
	t.Helper()
	e := &env{}
	var objects *s3.Objects
	withS3 := func(d service.Deps) (*service.Service, error) {
		svc, o, err := s3.NewWithObjects(d)
		objects = o
		return svc, err
	}
	withLambda := func(d service.Deps) (*service.Service, error) {
		s, svc, err := build(d, Options{Code: objects})
		e.svc = s
		return svc, err
	}
	e.srv = servertest.Start(t, opts, withS3, withLambda)
	e.cfg = servertest.Config(t, e.srv, "", "")
	e.client = awslambda.NewFromConfig(e.cfg, func(o *awslambda.Options) { o.RetryMaxAttempts = 1 })
	t.Cleanup(func() { e.srv.Close() })
	return e, awss3.NewFromConfig(e.cfg, func(o *awss3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
}

func TestCodeFromS3(t *testing.T) {
	e, s3c := startWithS3(t, server.Options{})
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("code")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("code"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, body []byte) *awss3.PutObjectOutput {
		out, err := s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("code"), Key: aws.String(key), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	pkg := goZip(t)
	first := put("fn.zip", pkg)
	put("fn.zip", []byte("overwritten by something that is not a zip"))

	created := e.create(t, "froms3", "provided.al2023", "x", nil, func(in *awslambda.CreateFunctionInput) {
		in.Code = &types.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String("fn.zip"), S3ObjectVersion: first.VersionId}
	})
	if *created.CodeSha256 != sha256b64(pkg) || created.CodeSize != int64(len(pkg)) {
		t.Fatalf("created %s %d", *created.CodeSha256, created.CodeSize)
	}
	if out := e.invoke(t, "froms3", `{"text":"s3"}`); !strings.Contains(string(out.Payload), `"s3"`) {
		t.Fatalf("invoke %s", out.Payload)
	}

	pkg2 := makeZip(t, file{name: "bootstrap", body: goBootstrap, exec: true}, file{name: "v2.txt", body: []byte("2")})
	put("fn2.zip", pkg2)
	up, err := e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("froms3"), S3Bucket: aws.String("code"), S3Key: aws.String("fn2.zip")})
	if err != nil || *up.CodeSha256 != sha256b64(pkg2) {
		t.Fatalf("UpdateFunctionCode from S3: %+v %v", up, err)
	}

	// A layer from S3.
	put("layer.zip", makeZip(t, file{name: "bin/tool", body: []byte("x")}))
	lv, err := e.client.PublishLayerVersion(ctx, &awslambda.PublishLayerVersionInput{LayerName: aws.String("s3layer"),
		Content: &types.LayerVersionContentInput{S3Bucket: aws.String("code"), S3Key: aws.String("layer.zip")}})
	if err != nil || lv.Version != 1 {
		t.Fatalf("PublishLayerVersion from S3: %+v %v", lv, err)
	}

	// Errors, as Lambda reports S3's.
	fromS3 := func(bucket, key string) error {
		_, err := e.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("bad"), Runtime: types.RuntimeProvidedal2023,
			Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{S3Bucket: aws.String(bucket), S3Key: aws.String(key)}})
		return err
	}
	wantMessage(t, fromS3("code", "missing.zip"), "InvalidParameterValueException",
		"Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.")
	wantMessage(t, fromS3("nosuchbucket", "fn.zip"), "InvalidParameterValueException",
		"Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
	wantMessage(t, fromS3("code", "fn.zip"), "InvalidParameterValueException",
		"Could not unzip uploaded file. Please check your file, then try to upload again.")
	_, err = e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("froms3"), S3Bucket: aws.String("code"), S3Key: aws.String("missing.zip")})
	wantMessage(t, err, "InvalidParameterValueException",
		"Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.")
	_, err = e.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("bad"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{ZipFile: pkg, S3Bucket: aws.String("code"), S3Key: aws.String("fn.zip")}})
	wantMessage(t, err, "InvalidParameterValueException", "Please do not provide other FunctionCode parameters when providing a ZipFile.")

	west := awss3.NewFromConfig(e.cfg, func(o *awss3.Options) { o.UsePathStyle = true; o.Region = "us-west-2"; o.RetryMaxAttempts = 1 })
	if _, err := west.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("west-code"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintUsWest2}}); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, fromS3("west-code", "fn.zip"), "InvalidParameterValueException",
		"Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is in this region: us-west-2. Please use this region to retry the request")
}

func TestCodeFromS3WithoutS3(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	_, err := e.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{FunctionName: aws.String("x"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{S3Bucket: aws.String("bucket"), S3Key: aws.String("k")}})
	apiError(t, err, "InvalidParameterValueException")
	_, err = e.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{FunctionName: aws.String("x"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{S3Bucket: aws.String("bucket")}})
	wantMessage(t, err, "InvalidParameterValueException", "Please provide a source for function code.")
}

// TestCodeLocation downloads a function's and a layer's code with plain
// net/http from the links GetFunction and GetLayerVersion give, and checks
// that the links expire after ten minutes on the service clock.
func TestCodeLocation(t *testing.T) {
	clk := clock.New()
	clk.Freeze()
	e := start(t, server.Options{Clock: clk}, Options{})
	ctx := context.Background()
	pkg := goZip(t)
	e.create(t, "dl", "provided.al2023", "x", pkg)
	got, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("dl")})
	if err != nil {
		t.Fatal(err)
	}
	loc := *got.Code.Location
	if *got.Code.RepositoryType != "S3" || !strings.HasPrefix(loc, e.srv.URL()+"/_virga/lambda/code/") {
		t.Fatalf("Code %s %s", *got.Code.RepositoryType, loc)
	}
	download := func(u string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, body := download(loc); status != 200 || !bytes.Equal(body, pkg) {
		t.Fatalf("download: %d, %d bytes", status, len(body))
	}
	layerZip := makeZip(t, file{name: "python/x.py", body: []byte("x = 1\n")})
	lv := e.publish(t, "dl", layerZip)
	if status, body := download(*lv.Content.Location); status != 200 || !bytes.Equal(body, layerZip) {
		t.Fatalf("layer download: %d, %d bytes", status, len(body))
	}

	u, _ := url.Parse(loc)
	q := u.Query()
	q.Set("X-Virga-Expires", "99999999999")
	u.RawQuery = q.Encode()
	if status, body := download(u.String()); status != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("altered link: %d %s", status, body)
	}
	clk.Advance(10*time.Minute + time.Second)
	if status, body := download(loc); status != 403 || !strings.Contains(string(body), "<Code>AccessDenied</Code><Message>Request has expired</Message>") {
		t.Fatalf("expired link: %d %s", status, body)
	}
}
