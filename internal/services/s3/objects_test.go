package s3_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/checksum"
	"github.com/virga-aws/virga/internal/server"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func TestPutGetHeadMetadata(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("objs")
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	put, err := e.c.PutObject(bg, &s3.PutObjectInput{
		Bucket: aws.String("objs"), Key: aws.String("docs/report.txt"), Body: strings.NewReader("hello world"),
		ContentType: aws.String("text/plain"), ContentEncoding: aws.String("identity"),
		ContentDisposition: aws.String("attachment"), ContentLanguage: aws.String("en"),
		CacheControl: aws.String("max-age=60"), Expires: aws.Time(exp),
		Metadata:     map[string]string{"color": "blue", "Mixed-Case": "x"},
		StorageClass: types.StorageClassStandardIa, WebsiteRedirectLocation: aws.String("/other"),
		Tagging: aws.String("a=1&b=two%20words"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ETag) != md5hex("hello world") {
		t.Fatalf("ETag = %s", aws.ToString(put.ETag))
	}
	if put.VersionId != nil {
		t.Fatalf("unversioned bucket returned VersionId %q", aws.ToString(put.VersionId))
	}
	get, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("objs"), Key: aws.String("docs/report.txt")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	checks := map[string][2]string{
		"body":         {string(body), "hello world"},
		"etag":         {aws.ToString(get.ETag), md5hex("hello world")},
		"content-type": {aws.ToString(get.ContentType), "text/plain"},
		"encoding":     {aws.ToString(get.ContentEncoding), "identity"},
		"disposition":  {aws.ToString(get.ContentDisposition), "attachment"},
		"language":     {aws.ToString(get.ContentLanguage), "en"},
		"cache":        {aws.ToString(get.CacheControl), "max-age=60"},
		"meta color":   {get.Metadata["color"], "blue"},
		"meta mixed":   {get.Metadata["mixed-case"], "x"},
		"class":        {string(get.StorageClass), "STANDARD_IA"},
		"redirect":     {aws.ToString(get.WebsiteRedirectLocation), "/other"},
		"sse":          {string(get.ServerSideEncryption), "AES256"},
		"tag count":    {fmt.Sprint(aws.ToInt32(get.TagCount)), "2"},
		"length":       {fmt.Sprint(aws.ToInt64(get.ContentLength)), "11"},
		"accept":       {aws.ToString(get.AcceptRanges), "bytes"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if get.LastModified == nil || get.LastModified.Nanosecond() != 0 || time.Since(*get.LastModified) > time.Minute {
		t.Errorf("LastModified = %v", get.LastModified)
	}
	head, err := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("objs"), Key: aws.String("docs/report.txt")})
	if err != nil || aws.ToInt64(head.ContentLength) != 11 || head.Metadata["color"] != "blue" || aws.ToString(head.ETag) != md5hex("hello world") {
		t.Fatalf("HeadObject = %+v, %v", head, err)
	}
	// Default content type.
	e.put("objs", "plain", "x")
	e.raw("PUT", "/objs/untyped", []byte("x"), nil)
	head, _ = e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("objs"), Key: aws.String("untyped")})
	if aws.ToString(head.ContentType) != "binary/octet-stream" {
		t.Errorf("default ContentType = %q", aws.ToString(head.ContentType))
	}
	head, _ = e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("objs"), Key: aws.String("plain")})
	// Response overrides.
	get, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("objs"), Key: aws.String("plain"), ResponseContentType: aws.String("image/png")})
	if err != nil || aws.ToString(get.ContentType) != "image/png" {
		t.Fatalf("override = %v %v", get, err)
	}
	get.Body.Close()

	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("objs"), Key: aws.String("missing")})
	wantErr(t, err, "NoSuchKey", 404)
	resp, xml := e.raw("GET", "/objs/missing%20key", nil, nil)
	if resp.StatusCode != 404 || !strings.Contains(xml, "<Key>missing key</Key>") || !strings.Contains(xml, "<Code>NoSuchKey</Code>") {
		t.Fatalf("raw NoSuchKey = %d %s", resp.StatusCode, xml)
	}
	_, err = e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("objs"), Key: aws.String("missing")})
	wantErr(t, err, "NotFound", 404)
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k")})
	wantErr(t, err, "NoSuchBucket", 404)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("objs"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("")})
	wantErr(t, err, "KeyTooLongError", 400)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("objs"), Key: aws.String("big-meta"), Body: strings.NewReader(""),
		Metadata: map[string]string{"m": strings.Repeat("x", 2100)}})
	wantErr(t, err, "MetadataTooLarge", 400)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("objs"), Key: aws.String("acl"), Body: strings.NewReader(""), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, err, "AccessControlListNotSupported", 400)

	// Empty objects.
	e.put("objs", "empty", "")
	if got := e.get("objs", "empty"); got != "" {
		t.Fatalf("empty object = %q", got)
	}
}

func TestRangeGets(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("ranges")
	e.put("ranges", "k", "0123456789")
	cases := []struct {
		rng, body, contentRange string
		status                  int
	}{
		{"bytes=0-3", "0123", "bytes 0-3/10", 206},
		{"bytes=7-", "789", "bytes 7-9/10", 206},
		{"bytes=-2", "89", "bytes 8-9/10", 206},
		{"bytes=-20", "0123456789", "bytes 0-9/10", 206},
		{"bytes=5-100", "56789", "bytes 5-9/10", 206},
		{"bytes=3-1", "0123456789", "", 200},
		{"bytes=0-1,4-5", "0123456789", "", 200},
	}
	for _, c := range cases {
		resp, body := e.raw("GET", "/ranges/k", nil, map[string]string{"Range": c.rng})
		if resp.StatusCode != c.status || body != c.body || resp.Header.Get("Content-Range") != c.contentRange {
			t.Errorf("Range %s: %d %q %q, want %d %q %q", c.rng, resp.StatusCode, body, resp.Header.Get("Content-Range"), c.status, c.body, c.contentRange)
		}
	}
	out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("ranges"), Key: aws.String("k"), Range: aws.String("bytes=2-4")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "234" || aws.ToString(out.ContentRange) != "bytes 2-4/10" || aws.ToInt64(out.ContentLength) != 3 {
		t.Fatalf("SDK range = %q %q %d", b, aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength))
	}
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("ranges"), Key: aws.String("k"), Range: aws.String("bytes=10-")})
	wantErr(t, err, "InvalidRange", 416)
	var resp *http.Response
	var xml string
	resp, xml = e.raw("GET", "/ranges/k", nil, map[string]string{"Range": "bytes=20-30"})
	if resp.StatusCode != 416 || !strings.Contains(xml, "<ActualObjectSize>10</ActualObjectSize>") {
		t.Fatalf("raw InvalidRange = %d %s", resp.StatusCode, xml)
	}
	// partNumber=1 of a single-part object is the whole object, as a range
	// (206), without x-amz-mp-parts-count.
	resp, body := e.raw("GET", "/ranges/k?partNumber=1", nil, nil)
	if resp.StatusCode != 206 || body != "0123456789" || resp.Header.Get("x-amz-mp-parts-count") != "" {
		t.Fatalf("partNumber=1: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("ranges"), Key: aws.String("k"), PartNumber: aws.Int32(2)})
	wantErr(t, err, "InvalidPartNumber", 416)
}

func TestConditionalReadsAndWrites(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("cond")
	put := e.put("cond", "k", "data")
	etag := aws.ToString(put.ETag)
	head, _ := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	lm := *head.LastModified
	before, after := lm.Add(-time.Hour), lm.Add(time.Hour)
	get := func(in *s3.GetObjectInput) error {
		in.Bucket, in.Key = aws.String("cond"), aws.String("k")
		out, err := e.c.GetObject(bg, in)
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(&s3.GetObjectInput{IfMatch: aws.String(etag)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, get(&s3.GetObjectInput{IfMatch: aws.String(`"nope"`)}), "PreconditionFailed", 412)
	wantErr(t, get(&s3.GetObjectInput{IfNoneMatch: aws.String(etag)}), "", 304)
	wantErr(t, get(&s3.GetObjectInput{IfModifiedSince: aws.Time(after)}), "", 304)
	wantErr(t, get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(before)}), "PreconditionFailed", 412)
	if err := get(&s3.GetObjectInput{IfModifiedSince: aws.Time(before)}); err != nil {
		t.Fatal(err)
	}
	// If-Match true wins over If-Unmodified-Since false.
	if err := get(&s3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: aws.Time(before)}); err != nil {
		t.Fatalf("If-Match true + If-Unmodified-Since false: %v", err)
	}
	// If-None-Match false (etag differs) wins over If-Modified-Since.
	if err := get(&s3.GetObjectInput{IfNoneMatch: aws.String(`"other"`), IfModifiedSince: aws.Time(after)}); err != nil {
		t.Fatalf("If-None-Match true + If-Modified-Since false: %v", err)
	}
	resp, _ := e.raw("GET", "/cond/k", nil, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 304 || resp.Header.Get("ETag") != etag {
		t.Fatalf("raw 304 = %d etag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	_, err := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), IfMatch: aws.String(`"x"`)})
	wantErr(t, err, "", 412)

	// Conditional writes.
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("v2"), IfNoneMatch: aws.String("*")})
	wantErr(t, err, "PreconditionFailed", 412)
	if _, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("new"), Body: strings.NewReader("v1"), IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("v2"), IfMatch: aws.String(`"bad"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("absent"), Body: strings.NewReader("v2"), IfMatch: aws.String(etag)})
	wantErr(t, err, "NoSuchKey", 404)
	if _, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("v2"), IfMatch: aws.String(etag)}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("cond", "k"); got != "v2" {
		t.Fatalf("after If-Match write: %q", got)
	}
}

func TestDigestsAndChecksums(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("sums")
	body := "checksummed body"
	good := md5.Sum([]byte(body))
	_, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("md5"), Body: strings.NewReader(body),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(good[:]))})
	if err != nil {
		t.Fatal(err)
	}
	bad := md5.Sum([]byte("other"))
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("md5"), Body: strings.NewReader(body),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(bad[:]))})
	wantErr(t, err, "BadDigest", 400)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("md5"), Body: strings.NewReader(body),
		ContentMD5: aws.String("not-base64!")})
	wantErr(t, err, "InvalidDigest", 400)

	crc := crc32.ChecksumIEEE([]byte(body))
	crcB64 := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	// The SDK computes the checksum itself (header or aws-chunked trailer).
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmCrc64nvme} {
		key := "alg-" + string(alg)
		if _, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), Body: strings.NewReader(body), ChecksumAlgorithm: alg}); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		head, err := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		got := aws.ToString(head.ChecksumCRC32) + aws.ToString(head.ChecksumCRC32C) + aws.ToString(head.ChecksumSHA1) + aws.ToString(head.ChecksumSHA256) + aws.ToString(head.ChecksumCRC64NVME)
		if got == "" || head.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: HeadObject checksum %q type %q", alg, got, head.ChecksumType)
		}
		if alg == types.ChecksumAlgorithmCrc32 && got != crcB64 {
			t.Errorf("CRC32 = %s, want %s", got, crcB64)
		}
	}
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("crc-bad"), Body: strings.NewReader(body),
		ChecksumCRC32: aws.String("AAAAAA==")})
	wantErr(t, err, "BadDigest", 400)
	if !strings.Contains(err.Error(), "The CRC32 you specified did not match the calculated checksum.") {
		t.Errorf("message = %v", err)
	}
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("crc-bad"), Body: strings.NewReader(body),
		ChecksumSHA256: aws.String("short")})
	wantErr(t, err, "InvalidRequest", 400)
	get, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("sums"), Key: aws.String("alg-CRC32"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(get.ChecksumCRC32) != crcB64 {
		t.Fatalf("GetObject checksum = %v, %v", get, err)
	}
	io.Copy(io.Discard, get.Body)
	get.Body.Close()

	// Objects uploaded without a checksum get S3's default CRC64NVME.
	crc64 := checksum.NewCRC64NVME()
	crc64.Write([]byte(body))
	if resp, _ := e.raw("PUT", "/sums/plain", []byte(body), nil); resp.Header.Get("x-amz-checksum-crc64nvme") != checksum.Encode(crc64.Sum(nil)) {
		t.Fatalf("PUT response headers = %v", resp.Header)
	}
	head, err := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String("plain"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(head.ChecksumCRC64NVME) != checksum.Encode(crc64.Sum(nil)) || head.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("default checksum = %q %q, %v", aws.ToString(head.ChecksumCRC64NVME), head.ChecksumType, err)
	}
	list, _ := e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("sums"), Prefix: aws.String("plain")})
	if len(list.Contents) != 1 || len(list.Contents[0].ChecksumAlgorithm) != 1 || list.Contents[0].ChecksumAlgorithm[0] != types.ChecksumAlgorithmCrc64nvme {
		t.Fatalf("listing checksum algorithm = %+v", list.Contents)
	}
}

func TestExpectedBucketOwner(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("owned")
	e.put("owned", "k", "v")
	_, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: aws.String("111122223333")})
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("owned"), Key: aws.String("c"), CopySource: aws.String("owned/k"), ExpectedSourceBucketOwner: aws.String("111122223333")})
	wantErr(t, err, "AccessDenied", 403)
	out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: aws.String("000000000000")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
}

func TestCopyObject(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("src")
	e.mkBucket("dst")
	_, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/c.txt"), Body: strings.NewReader("copy me"),
		ContentType: aws.String("text/x"), Metadata: map[string]string{"k": "v"}, Tagging: aws.String("t=1")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("src/a%20b/c.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyObjectResult.ETag) != md5hex("copy me") {
		t.Fatalf("copy ETag = %s", aws.ToString(out.CopyObjectResult.ETag))
	}
	head, _ := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy")})
	if head.Metadata["k"] != "v" || aws.ToString(head.ContentType) != "text/x" || aws.ToInt32(head.TagCount) != 0 && aws.ToInt32(head.TagCount) != 1 {
		t.Fatalf("COPY directive head = %+v", head)
	}
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced"), CopySource: aws.String("src/a%20b/c.txt"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"new": "1"}, ContentType: aws.String("text/y"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("x=y&z=w")})
	if err != nil {
		t.Fatal(err)
	}
	get, _ := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced")})
	get.Body.Close()
	if get.Metadata["new"] != "1" || get.Metadata["k"] != "" || aws.ToString(get.ContentType) != "text/y" || aws.ToInt32(get.TagCount) != 2 {
		t.Fatalf("REPLACE directive = %+v", get)
	}
	// Copying onto itself needs a change.
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/c.txt"), CopySource: aws.String("src/a%20b/c.txt")})
	wantErr(t, err, "InvalidRequest", 400)
	if _, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/c.txt"), CopySource: aws.String("src/a%20b/c.txt"),
		MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Fatal(err)
	}
	// Conditions.
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/a%20b/c.txt"), CopySourceIfMatch: aws.String(`"nope"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/a%20b/c.txt"), CopySourceIfNoneMatch: aws.String(md5hex("copy me"))})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/a%20b/c.txt"), CopySourceIfModifiedSince: aws.Time(time.Now().Add(time.Hour))})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/missing")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("nobucket/x")})
	wantErr(t, err, "NoSuchBucket", 404)
	_, err = e.c.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("justbucket")})
	wantErr(t, err, "InvalidArgument", 400)
}

func TestDeleteObjects(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("del")
	for i := 0; i < 5; i++ {
		e.put("del", fmt.Sprintf("k%d", i), "x")
	}
	out, err := e.c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k0")}, {Key: aws.String("k1")}, {Key: aws.String("absent")}, {Key: aws.String("k2"), VersionId: aws.String("bogus")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "NoSuchVersion" {
		t.Fatalf("DeleteObjects = %+v", out)
	}
	out, err = e.c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Quiet: aws.Bool(true),
		Objects: []types.ObjectIdentifier{{Key: aws.String("k3")}}}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Fatalf("quiet = %+v %v", out, err)
	}
	var many []types.ObjectIdentifier
	for i := 0; i < 1001; i++ {
		many = append(many, types.ObjectIdentifier{Key: aws.String(fmt.Sprint(i))})
	}
	_, err = e.c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Objects: many}})
	wantErr(t, err, "MalformedXML", 400)
	list, _ := e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("del")})
	if aws.ToInt32(list.KeyCount) != 2 {
		t.Fatalf("left %d keys, want 2 (k2, k4)", aws.ToInt32(list.KeyCount))
	}
}

func TestObjectTagging(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("tags")
	e.put("tags", "k", "x")
	tagset := func(n int) []types.Tag {
		var ts []types.Tag
		for i := 0; i < n; i++ {
			ts = append(ts, types.Tag{Key: aws.String(fmt.Sprint("key", i)), Value: aws.String("v")})
		}
		return ts
	}
	if _, err := e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagset(10)}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.GetObjectTagging(bg, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 10 {
		t.Fatalf("GetObjectTagging = %+v %v", got, err)
	}
	_, err = e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagset(11)}})
	wantErr(t, err, "BadRequest", 400)
	_, err = e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}}}})
	wantErr(t, err, "InvalidTag", 400)
	_, err = e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}}}})
	wantErr(t, err, "InvalidTag", 400)
	_, err = e.c.PutObjectTagging(bg, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("d"), Value: aws.String("1")}, {Key: aws.String("d"), Value: aws.String("2")}}}})
	wantErr(t, err, "InvalidTag", 400)
	_, err = e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("h"), Body: strings.NewReader(""), Tagging: aws.String("a=1&a=2")})
	wantErr(t, err, "InvalidArgument", 400)
	if _, err := e.c.DeleteObjectTagging(bg, &s3.DeleteObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.c.GetObjectTagging(bg, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if len(got.TagSet) != 0 {
		t.Fatalf("after delete: %+v", got.TagSet)
	}
	_, err = e.c.GetObjectTagging(bg, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("nokey")})
	wantErr(t, err, "NoSuchKey", 404)

	// Bucket tags.
	_, err = e.c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	wantErr(t, err, "NoSuchTagSet", 404)
	if _, err := e.c.PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("tags"), Tagging: &types.Tagging{TagSet: tagset(3)}}); err != nil {
		t.Fatal(err)
	}
	bt, err := e.c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	if err != nil || len(bt.TagSet) != 3 {
		t.Fatalf("GetBucketTagging = %+v %v", bt, err)
	}
	_, err = e.c.PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("tags"), Tagging: &types.Tagging{TagSet: tagset(51)}})
	wantErr(t, err, "InvalidTag", 400)
	if _, err := e.c.DeleteBucketTagging(bg, &s3.DeleteBucketTaggingInput{Bucket: aws.String("tags")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	wantErr(t, err, "NoSuchTagSet", 404)
}

func TestStorageClassErrors(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("classes")
	_, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("classes"), Key: aws.String("k"), Body: strings.NewReader("x"), StorageClass: "NOPE"})
	wantErr(t, err, "InvalidStorageClass", 400)
	if _, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("classes"), Key: aws.String("cold"), Body: strings.NewReader("x"), StorageClass: types.StorageClassGlacier}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("classes"), Key: aws.String("cold")})
	wantErr(t, err, "InvalidObjectState", 403)
}

// TestConcurrentObjects runs writers, readers, deleters and listers on
// shared and separate keys at once (run with -race).
func TestConcurrentObjects(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("busy")
	setVersioning(t, e, "busy", types.BucketVersioningStatusEnabled)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				key := fmt.Sprintf("shared-%d", i%4)
				if w%2 == 0 {
					key = fmt.Sprintf("own-%d-%d", w, i)
				}
				body := fmt.Sprintf("%d-%d", w, i)
				if _, err := e.c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("busy"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
					errs <- err
					return
				}
				out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("busy"), Key: aws.String(key)})
				if err == nil {
					io.Copy(io.Discard, out.Body)
					out.Body.Close()
				}
				if i%10 == 0 {
					e.c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("busy"), Key: aws.String(key)})
					e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("busy"), MaxKeys: aws.Int32(10)})
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	vs, err := e.c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("busy")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(vs.Versions); n != 8*40 {
		t.Fatalf("%d versions, want %d", n, 8*40)
	}
}
