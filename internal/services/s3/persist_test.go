package s3_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

// TestPersistence writes buckets, versions, tags, configurations and a
// multipart upload with a data directory, restarts, and reads them back.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	e := start(t, server.Options{DataDir: dir})
	e.mkBucket("keep")
	e.mkBucket("gone")
	setVersioning(t, e, "keep", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(e.put("keep", "k", "first").VersionId)
	e.put("keep", "k", "second")
	e.put("keep", "other", strings.Repeat("big", 1<<20))
	if _, err := e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("keep"), Key: aws.String("other"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("t"), Value: aws.String("v")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("keep"), Key: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String("keep"), Policy: aws.String(`{"Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	up, err := e.c.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String("keep"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("keep"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	e.stop()

	e = start(t, server.Options{DataDir: dir})
	if got := e.get("keep", "k"); got != "second" {
		t.Fatalf("latest = %q", got)
	}
	out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("keep"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if got := e.get("keep", "other"); got != strings.Repeat("big", 1<<20) {
		t.Fatalf("other: %d bytes", len(got))
	}
	tags, err := e.c.GetObjectTagging(bg, &s3.GetObjectTaggingInput{Bucket: aws.String("keep"), Key: aws.String("other")})
	if err != nil || len(tags.TagSet) != 1 {
		t.Fatalf("tags = %+v %v", tags, err)
	}
	vs, err := e.c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("keep")})
	if err != nil || len(vs.Versions) != 3 || len(vs.DeleteMarkers) != 1 {
		t.Fatalf("versions = %d markers = %d, %v", len(vs.Versions), len(vs.DeleteMarkers), err)
	}
	ver, _ := e.c.GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String("keep")})
	pol, _ := e.c.GetBucketPolicy(bg, &s3.GetBucketPolicyInput{Bucket: aws.String("keep")})
	if ver.Status != types.BucketVersioningStatusEnabled || pol == nil || aws.ToString(pol.Policy) != `{"Statement":[]}` {
		t.Fatalf("config lost: %v %v", ver.Status, pol)
	}
	_, err = e.c.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("gone")})
	wantErr(t, err, "NotFound", 404)
	done, err := e.c.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String("keep"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	if err != nil || done.ETag == nil {
		t.Fatalf("complete after restart = %v", err)
	}
	if got := e.get("keep", "mp"); got != "part" {
		t.Fatalf("mp = %q", got)
	}
}

// TestReset clears buckets and objects.
func TestReset(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("reset-me")
	e.put("reset-me", "k", "v")
	resp, _ := e.raw("POST", "/_virga/reset", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("reset answered %d", resp.StatusCode)
	}
	_, err := e.c.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("reset-me")})
	wantErr(t, err, "NotFound", 404)
}
