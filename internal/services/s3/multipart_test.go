package s3_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func TestManagerUploadDownload(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("mpu")
	data := make([]byte, 20<<20+12345)
	rand.New(rand.NewSource(1)).Read(data)
	up := manager.NewUploader(e.c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(bg, &s3.PutObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	// ETag: MD5 of the part MD5s, "-N".
	var partMD5s []byte
	for off := 0; off < len(data); off += 5 << 20 {
		sum := md5.Sum(data[off:min(off+5<<20, len(data))])
		partMD5s = append(partMD5s, sum[:]...)
	}
	want := md5.Sum(partMD5s)
	if aws.ToString(res.ETag) != `"`+hex.EncodeToString(want[:])+`-5"` {
		t.Fatalf("ETag = %s", aws.ToString(res.ETag))
	}
	head, err := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), PartNumber: aws.Int32(2)})
	if err != nil || aws.ToInt32(head.PartsCount) != 5 || aws.ToInt64(head.ContentLength) != 5<<20 {
		t.Fatalf("HeadObject part 2 = %+v %v", head, err)
	}
	dl := manager.NewDownloader(e.c)
	buf := manager.NewWriteAtBuffer(nil)
	if _, err := dl.Download(bg, buf, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin")}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatal("downloaded bytes differ")
	}
	list, _ := e.c.ListMultipartUploads(bg, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if len(list.Uploads) != 0 {
		t.Fatalf("uploads left: %+v", list.Uploads)
	}
}

func TestMultipartErrors(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("mperr")
	e.put("mperr", "source", strings.Repeat("s", 6<<20))
	cr, err := e.c.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj"),
		ContentType: aws.String("text/x"), Metadata: map[string]string{"m": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	id := cr.UploadId
	part := func(n int32, body string) *string {
		out, err := e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(n), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatalf("UploadPart(%d): %v", n, err)
		}
		return out.ETag
	}
	_, err = e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(10001), Body: strings.NewReader("x")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: aws.String("nope"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantErr(t, err, "NoSuchUpload", 404)
	small := part(1, "tiny")
	e2 := part(2, "second")
	complete := func(parts ...types.CompletedPart) error {
		_, err := e.c.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	wantErr(t, complete(types.CompletedPart{PartNumber: aws.Int32(2), ETag: e2}, types.CompletedPart{PartNumber: aws.Int32(1), ETag: small}), "InvalidPartOrder", 400)
	wantErr(t, complete(types.CompletedPart{PartNumber: aws.Int32(1), ETag: aws.String(`"0000"`)}), "InvalidPart", 400)
	wantErr(t, complete(types.CompletedPart{PartNumber: aws.Int32(3), ETag: small}), "InvalidPart", 400)
	wantErr(t, complete(types.CompletedPart{PartNumber: aws.Int32(1), ETag: small}, types.CompletedPart{PartNumber: aws.Int32(2), ETag: e2}), "EntityTooSmall", 400)

	// UploadPartCopy with a range replaces part 1 with 5 MiB of the source.
	cp, err := e.c.UploadPartCopy(bg, &s3.UploadPartCopyInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(1),
		CopySource: aws.String("mperr/source"), CopySourceRange: aws.String(fmt.Sprintf("bytes=0-%d", 5<<20-1))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.UploadPartCopy(bg, &s3.UploadPartCopyInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(3),
		CopySource: aws.String("mperr/source"), CopySourceRange: aws.String("bytes=0-99999999")})
	wantErr(t, err, "InvalidArgument", 400)
	lp, err := e.c.ListParts(bg, &s3.ListPartsInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, MaxParts: aws.Int32(1)})
	if err != nil || len(lp.Parts) != 1 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "1" || aws.ToInt64(lp.Parts[0].Size) != 5<<20 {
		t.Fatalf("ListParts = %+v %v", lp, err)
	}
	lp, _ = e.c.ListParts(bg, &s3.ListPartsInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id, PartNumberMarker: lp.NextPartNumberMarker})
	if len(lp.Parts) != 1 || aws.ToInt32(lp.Parts[0].PartNumber) != 2 || aws.ToBool(lp.IsTruncated) {
		t.Fatalf("ListParts page 2 = %+v", lp)
	}
	lu, _ := e.c.ListMultipartUploads(bg, &s3.ListMultipartUploadsInput{Bucket: aws.String("mperr")})
	if len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].Key) != "obj" {
		t.Fatalf("ListMultipartUploads = %+v", lu)
	}
	if err := complete(types.CompletedPart{PartNumber: aws.Int32(1), ETag: cp.CopyPartResult.ETag}, types.CompletedPart{PartNumber: aws.Int32(2), ETag: e2}); err != nil {
		t.Fatal(err)
	}
	got := e.get("mperr", "obj")
	if got != strings.Repeat("s", 5<<20)+"second" {
		t.Fatalf("assembled object: %d bytes", len(got))
	}
	head, _ := e.c.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("mperr"), Key: aws.String("obj")})
	if aws.ToString(head.ContentType) != "text/x" || head.Metadata["m"] != "1" || !strings.HasSuffix(aws.ToString(head.ETag), `-2"`) {
		t.Fatalf("completed head = %+v", head)
	}
	wantErr(t, complete(types.CompletedPart{PartNumber: aws.Int32(1), ETag: small}), "NoSuchUpload", 404)
	_, err = e.c.AbortMultipartUpload(bg, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: id})
	wantErr(t, err, "NoSuchUpload", 404)

	// Abort discards parts; If-None-Match on completion.
	cr2, _ := e.c.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj")})
	etag, _ := e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: cr2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	_, err = e.c.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: cr2.UploadId, IfNoneMatch: aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: etag.ETag}}}})
	wantErr(t, err, "PreconditionFailed", 412)
	if _, err := e.c.AbortMultipartUpload(bg, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("obj"), UploadId: cr2.UploadId}); err != nil {
		t.Fatal(err)
	}
}

func TestMultipartChecksums(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("mpsum")
	for _, typ := range []types.ChecksumType{types.ChecksumTypeComposite, types.ChecksumTypeFullObject} {
		cr, err := e.c.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("k"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: typ})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for n, body := range []string{strings.Repeat("a", 5<<20), "tail"} {
			out, err := e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("mpsum"), Key: aws.String("k"), UploadId: cr.UploadId,
				PartNumber: aws.Int32(int32(n + 1)), Body: strings.NewReader(body), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(n + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
		}
		done, err := e.c.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("k"), UploadId: cr.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		if done.ChecksumType != typ || aws.ToString(done.ChecksumCRC32) == "" {
			t.Fatalf("%s: completion checksum %q type %q", typ, aws.ToString(done.ChecksumCRC32), done.ChecksumType)
		}
		if typ == types.ChecksumTypeComposite && !strings.HasSuffix(aws.ToString(done.ChecksumCRC32), "-2") {
			t.Fatalf("composite checksum %q", aws.ToString(done.ChecksumCRC32))
		}
		out, err := e.c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("mpsum"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, out.Body); err != nil {
			t.Fatalf("%s: reading with checksum validation: %v", typ, err)
		}
		out.Body.Close()
	}
}

func TestGetObjectAttributes(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("attrs")
	data := bytes.Repeat([]byte("a"), 11<<20)
	up := manager.NewUploader(e.c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	if _, err := up.Upload(bg, &s3.PutObjectInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.GetObjectAttributes(bg, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectSize, types.ObjectAttributesObjectParts, types.ObjectAttributesStorageClass}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(out.ObjectSize) != int64(len(data)) || strings.Contains(aws.ToString(out.ETag), `"`) || !strings.HasSuffix(aws.ToString(out.ETag), "-3") ||
		out.ObjectParts == nil || aws.ToInt32(out.ObjectParts.TotalPartsCount) != 3 || out.StorageClass != types.StorageClassStandard {
		t.Fatalf("GetObjectAttributes = %+v", out)
	}
	_, err = e.c.GetObjectAttributes(bg, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("none"), ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag}})
	wantErr(t, err, "NoSuchKey", 404)
}
