package s3_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func TestCreateBucketNames(t *testing.T) {
	e := start(t, server.Options{})
	bad := []string{"ab", strings.Repeat("a", 64), "Upper", "under_score", "-start", "end-", "a..b", "192.168.5.4",
		"xn--abc", "sthree-abc", "amzn-s3-demo-x", "abc-s3alias", "abc--ol-s3", "abc.mrap", "abc--table-s3", "sp ace"}
	for _, name := range bad {
		_, err := e.c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)})
		if err == nil {
			t.Errorf("CreateBucket(%q) succeeded", name)
			continue
		}
		if name == "sp ace" {
			continue // rejected by the client or the router
		}
		wantErr(t, err, "InvalidBucketName", 400)
	}
	for _, name := range []string{"abc", strings.Repeat("a", 63), "my.bucket-1", "1bucket"} {
		e.mkBucket(name)
	}
}

func TestCreateBucketLocation(t *testing.T) {
	e := start(t, server.Options{})
	eu := e.client("", "eu-west-1", true)

	_, err := e.c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("east-explicit"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
	wantErr(t, err, "InvalidLocationConstraint", 400)

	_, err = eu.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-none")})
	wantErr(t, err, "IllegalLocationConstraintException", 400)

	_, err = eu.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-other"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}})
	wantErr(t, err, "IllegalLocationConstraintException", 400)

	_, err = eu.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-bogus"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "mars-north-1"}})
	wantErr(t, err, "InvalidLocationConstraint", 400)

	if _, err := eu.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, body := e.raw("GET", "/eu-bucket?location", nil, nil); !strings.Contains(body, ">eu-west-1</LocationConstraint>") {
		t.Fatalf("GetBucketLocation = %s", body)
	}
	if loc, err := e.c.GetBucketLocation(bg, &s3.GetBucketLocationInput{Bucket: aws.String("eu-bucket")}); err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("GetBucketLocation = %v, %v", loc, err)
	}
	hb, err := e.c.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("eu-bucket")})
	if err != nil || aws.ToString(hb.BucketRegion) != "eu-west-1" {
		t.Fatalf("HeadBucket = %+v, %v", hb, err)
	}
	// Same account again: 409 outside us-east-1, 200 (legacy) in us-east-1.
	_, err = eu.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
	wantErr(t, err, "BucketAlreadyOwnedByYou", 409)
	e.mkBucket("east-bucket")
	e.mkBucket("east-bucket")
	loc, err := e.c.GetBucketLocation(bg, &s3.GetBucketLocationInput{Bucket: aws.String("east-bucket")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("GetBucketLocation(us-east-1) = %v, %v", loc.LocationConstraint, err)
	}
	// Bucket names are global: another account gets BucketAlreadyExists.
	other := e.client("111111111111", "us-east-1", true)
	_, err = other.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("east-bucket")})
	wantErr(t, err, "BucketAlreadyExists", 409)
	_, err = e.c.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("nope-bucket")})
	wantErr(t, err, "NotFound", 404)
}

func TestListAndDeleteBuckets(t *testing.T) {
	e := start(t, server.Options{})
	for _, n := range []string{"b-one", "b-two", "b-three", "c-four"} {
		e.mkBucket(n)
	}
	other := e.client("222222222222", "us-east-1", true)
	if _, err := other.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("b-other")}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.ListBuckets(bg, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
		if aws.ToString(b.BucketRegion) != "us-east-1" {
			t.Errorf("BucketRegion = %q", aws.ToString(b.BucketRegion))
		}
	}
	if strings.Join(names, ",") != "b-one,b-three,b-two,c-four" {
		t.Fatalf("ListBuckets = %v", names)
	}
	if out.Owner == nil || len(aws.ToString(out.Owner.ID)) != 64 {
		t.Fatalf("Owner = %+v", out.Owner)
	}
	page, err := e.c.ListBuckets(bg, &s3.ListBucketsInput{Prefix: aws.String("b-"), MaxBuckets: aws.Int32(2)})
	if err != nil || len(page.Buckets) != 2 || page.ContinuationToken == nil {
		t.Fatalf("page 1 = %+v, %v", page, err)
	}
	page, err = e.c.ListBuckets(bg, &s3.ListBucketsInput{Prefix: aws.String("b-"), MaxBuckets: aws.Int32(2), ContinuationToken: page.ContinuationToken})
	if err != nil || len(page.Buckets) != 1 || aws.ToString(page.Buckets[0].Name) != "b-two" || page.ContinuationToken != nil {
		t.Fatalf("page 2 = %+v, %v", page, err)
	}

	e.put("b-one", "k", "v")
	_, err = e.c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("b-one")})
	wantErr(t, err, "BucketNotEmpty", 409)
	if _, err := e.c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("b-one"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("b-one")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("b-one")})
	wantErr(t, err, "NoSuchBucket", 404)
	resp, body := e.raw("DELETE", "/b-one", nil, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "<BucketName>b-one</BucketName>") {
		t.Fatalf("raw DeleteBucket = %d %s", resp.StatusCode, body)
	}
}

func TestVirtualHostStyle(t *testing.T) {
	e := start(t, server.Options{})
	v := e.virtualClient()
	if _, err := v.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/a b+c.txt"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("vhost", "dir/a b+c.txt"); got != "virtual" {
		t.Fatalf("path-style read of virtual-host write = %q", got)
	}
	out, err := v.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "dir/a b+c.txt" {
		t.Fatalf("ListObjectsV2 = %+v, %v", out, err)
	}
}
