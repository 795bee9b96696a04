package s3_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
	s3svc "github.com/virga-aws/virga/internal/services/s3"
)

// TestObjectsReadInProcess checks the in-process reader against objects a
// real client wrote: current and earlier versions, and S3's errors.
func TestObjectsReadInProcess(t *testing.T) {
	var objects *s3svc.Objects
	srv := servertest.Start(t, server.Options{}, func(d service.Deps) (*service.Service, error) {
		svc, o, err := s3svc.NewWithObjects(d)
		objects = o
		return svc, err
	})
	e := &env{t: t, srv: srv, url: srv.URL(), addr: srv.Addr()}
	e.c = e.client("", "us-east-1", true)
	e.mkBucket("code")
	if _, err := e.c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("code"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	first := e.put("code", "pkg.zip", "one")
	e.put("code", "pkg.zip", "two")
	e.put("code", "empty", "")

	read := func(region, bucket, key, version string) (string, error) {
		b, err := objects.Read(bg, "000000000000", region, bucket, key, version)
		return string(b), err
	}
	if got, err := read("us-east-1", "code", "pkg.zip", ""); err != nil || got != "two" {
		t.Fatalf("current: %q %v", got, err)
	}
	if got, err := read("", "code", "pkg.zip", *first.VersionId); err != nil || got != "one" {
		t.Fatalf("version: %q %v", got, err)
	}
	if got, err := read("", "code", "empty", ""); err != nil || got != "" {
		t.Fatalf("empty: %q %v", got, err)
	}
	for _, c := range []struct {
		region, bucket, key, version string
		code, message                string
	}{
		{"", "nobucket", "k", "", "NoSuchBucket", "The specified bucket does not exist"},
		{"", "code", "missing", "", "NoSuchKey", "The specified key does not exist."},
		{"us-west-2", "code", "pkg.zip", "", "PermanentRedirect", "The bucket is in this region: us-east-1. Please use this region to retry the request"},
		{"", "code", "pkg.zip", "0123456789abcdef0123456789abcdef", "NoSuchVersion", "The specified version does not exist."},
		{"", "code", "pkg.zip", "bad", "InvalidArgument", "Invalid version id specified"},
	} {
		_, err := read(c.region, c.bucket, c.key, c.version)
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != c.code || !strings.HasPrefix(ae.Message, c.message) {
			t.Errorf("Read(%s %s/%s@%s) = %v, want %s %q", c.region, c.bucket, c.key, c.version, err, c.code, c.message)
		}
	}
}
