package s3_test

import (
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func setVersioning(t *testing.T, e *env, bucket string, status types.BucketVersioningStatus) {
	t.Helper()
	if _, err := e.c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}}); err != nil {
		t.Fatal(err)
	}
}

func TestVersioning(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("vers")
	vs, _ := e.c.GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")})
	if vs.Status != "" {
		t.Fatalf("new bucket versioning = %q", vs.Status)
	}
	e.put("vers", "k", "null-version")
	setVersioning(t, e, "vers", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(e.put("vers", "k", "one").VersionId)
	v2 := aws.ToString(e.put("vers", "k", "two").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	read := func(vid string) string {
		out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(vid)})
		if err != nil {
			t.Fatalf("GetObject(%s): %v", vid, err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		if aws.ToString(out.VersionId) != vid {
			t.Errorf("VersionId = %q, want %q", aws.ToString(out.VersionId), vid)
		}
		return string(b)
	}
	if read(v1) != "one" || read("null") != "null-version" || e.get("vers", "k") != "two" {
		t.Fatal("reads by version id are wrong")
	}
	del, err := e.c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("DeleteObject = %+v %v", del, err)
	}
	marker := aws.ToString(del.VersionId)
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	wantErr(t, err, "NoSuchKey", 404)
	resp, _ := e.raw("GET", "/vers/k", nil, nil)
	if resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("x-amz-version-id") != marker {
		t.Fatalf("404 headers = %v", resp.Header)
	}
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(marker)})
	wantErr(t, err, "MethodNotAllowed", 405)
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String("not-a-version")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String("0123456789abcdef0123456789abcdef")})
	wantErr(t, err, "NoSuchVersion", 404)

	list, err := e.c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("vers")})
	if err != nil || len(list.Versions) != 3 || len(list.DeleteMarkers) != 1 || !aws.ToBool(list.DeleteMarkers[0].IsLatest) ||
		aws.ToBool(list.Versions[0].IsLatest) || aws.ToString(list.Versions[0].VersionId) != v2 || aws.ToString(list.Versions[2].VersionId) != "null" {
		t.Fatalf("ListObjectVersions = %+v %v", list, err)
	}
	// Paging one entry at a time visits marker, v2, v1, null.
	var seen []string
	var km, vm *string
	for {
		page, err := e.c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), MaxKeys: aws.Int32(1), KeyMarker: km, VersionIdMarker: vm})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.DeleteMarkers {
			seen = append(seen, "dm")
			_ = d
		}
		for _, v := range page.Versions {
			seen = append(seen, aws.ToString(v.VersionId))
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		km, vm = page.NextKeyMarker, page.NextVersionIdMarker
		if len(seen) > 10 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(seen, ",") != "dm,"+v2+","+v1+",null" {
		t.Fatalf("paged versions = %v", seen)
	}
	// The listing hides a key whose latest version is a delete marker.
	lo, _ := e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("vers")})
	if len(lo.Contents) != 0 {
		t.Fatalf("ListObjectsV2 shows %v", keysOf(lo.Contents))
	}
	// Deleting the marker brings v2 back.
	del, err = e.c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(marker)})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete marker removal = %+v %v", del, err)
	}
	if e.get("vers", "k") != "two" {
		t.Fatal("v2 not current after removing the marker")
	}
	// Suspended: writes replace the null version.
	setVersioning(t, e, "vers", types.BucketVersioningStatusSuspended)
	if vid := aws.ToString(e.put("vers", "k", "suspended").VersionId); vid != "null" {
		t.Fatalf("suspended write version = %q", vid)
	}
	list, _ = e.c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("vers")})
	if len(list.Versions) != 3 {
		t.Fatalf("after suspended write: %d versions, want 3", len(list.Versions))
	}
	if read("null") != "suspended" {
		t.Fatal("null version not replaced")
	}
	// DeleteObjects creates markers in versioned buckets.
	setVersioning(t, e, "vers", types.BucketVersioningStatusEnabled)
	dout, err := e.c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("vers"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k")}, {Key: aws.String("k"), VersionId: aws.String(v1)}}}})
	if err != nil || len(dout.Deleted) != 2 || !aws.ToBool(dout.Deleted[0].DeleteMarker) || dout.Deleted[0].DeleteMarkerVersionId == nil || aws.ToString(dout.Deleted[1].VersionId) != v1 {
		t.Fatalf("DeleteObjects = %+v %v", dout, err)
	}
	_, err = e.c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"), VersioningConfiguration: &types.VersioningConfiguration{Status: "Off"}})
	wantErr(t, err, "MalformedXML", 400)
	_, err = e.c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("vers")})
	wantErr(t, err, "BucketNotEmpty", 409)
}
