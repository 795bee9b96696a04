package restxml

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// fakeS3 is a tiny in-memory S3 handler behind the codec: just enough
// behaviour to echo values back to a real client.
type fakeS3 struct {
	mu      sync.Mutex
	buckets map[string]*fakeBucket
	// closed counts GetObject bodies the codec closed.
	closed int
}

type fakeBucket struct {
	location string
	tags     []any
	objects  map[string]*fakeObject
}

type fakeObject struct {
	data        []byte
	contentType string
	metadata    map[string]any
	etag        string
	modified    time.Time
}

// trackedBody is a GetObject body that records being closed.
type trackedBody struct {
	*bytes.Reader
	s *fakeS3
}

func (b trackedBody) Close() error {
	b.s.mu.Lock()
	b.s.closed++
	b.s.mu.Unlock()
	return nil
}

// waitClosed waits up to a few seconds for n bodies to be closed and
// returns the count.
func (s *fakeS3) waitClosed(n int) int {
	for range 300 {
		s.mu.Lock()
		got := s.closed
		s.mu.Unlock()
		if got >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

var fakeModified = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func (s *fakeS3) call(op string, in map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, _ := in["Bucket"].(string)
	if op == "CreateBucket" {
		b := &fakeBucket{objects: map[string]*fakeObject{}}
		if cfg, ok := in["CreateBucketConfiguration"].(map[string]any); ok {
			b.location, _ = cfg["LocationConstraint"].(string)
		}
		s.buckets[name] = b
		return map[string]any{"Location": "/" + name}, nil
	}
	b := s.buckets[name]
	if b == nil {
		return nil, awserr.New("NoSuchBucket", 404, "The specified bucket does not exist").With("BucketName", name)
	}
	key, _ := in["Key"].(string)
	switch op {
	case "PutObject":
		data, err := io.ReadAll(in["Body"].(io.Reader))
		if err != nil {
			return nil, err
		}
		sum := md5.Sum(data)
		o := &fakeObject{data: data, etag: `"` + hex.EncodeToString(sum[:]) + `"`, modified: fakeModified}
		o.contentType, _ = in["ContentType"].(string)
		o.metadata, _ = in["Metadata"].(map[string]any)
		b.objects[key] = o
		return map[string]any{"ETag": o.etag}, nil
	case "GetObject", "HeadObject":
		o := b.objects[key]
		if o == nil {
			return nil, awserr.New("NoSuchKey", 404, "The specified key does not exist.").With("Key", key)
		}
		out := map[string]any{
			"ContentLength": int64(len(o.data)), "ContentType": o.contentType, "ETag": o.etag,
			"LastModified": o.modified, "Metadata": o.metadata, "AcceptRanges": "bytes",
		}
		if op == "GetObject" {
			out["Body"] = trackedBody{bytes.NewReader(o.data), s}
		}
		return out, nil
	case "ListObjectsV2":
		prefix, _ := in["Prefix"].(string)
		maxKeys, ok := in["MaxKeys"].(int64)
		if !ok {
			maxKeys = 1000
		}
		var keys []string
		for k := range b.objects {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		truncated := int64(len(keys)) > maxKeys
		if truncated {
			keys = keys[:maxKeys]
		}
		contents := []any{}
		for _, k := range keys {
			o := b.objects[k]
			contents = append(contents, map[string]any{
				"Key": k, "Size": int64(len(o.data)), "ETag": o.etag, "LastModified": o.modified, "StorageClass": "STANDARD",
			})
		}
		out := map[string]any{
			"Name": name, "Prefix": prefix, "MaxKeys": maxKeys, "KeyCount": int64(len(keys)),
			"IsTruncated": truncated, "Contents": contents,
		}
		if truncated {
			out["NextContinuationToken"] = keys[len(keys)-1]
		}
		return out, nil
	case "DeleteObjects":
		var deleted []any
		del, _ := in["Delete"].(map[string]any)
		objs, _ := del["Objects"].([]any)
		for _, x := range objs {
			k, _ := x.(map[string]any)["Key"].(string)
			delete(b.objects, k)
			deleted = append(deleted, map[string]any{"Key": k})
		}
		return map[string]any{"Deleted": deleted}, nil
	case "PutBucketTagging":
		tagging, _ := in["Tagging"].(map[string]any)
		b.tags, _ = tagging["TagSet"].([]any)
		return map[string]any{}, nil
	case "GetBucketTagging":
		return map[string]any{"TagSet": b.tags}, nil
	}
	return nil, awserr.NotImplemented("S3", op)
}

// newTestClient starts the fake S3 behind the codec on a random loopback
// port, routed by Virga's router, and returns an SDK client for it.
func newTestClient(t *testing.T) (*s3.Client, *fakeS3) {
	t.Helper()
	fake := &fakeS3{buckets: map[string]*fakeBucket{}}
	srv := wiretest.Server(t, Codec{}, model.MustLoad("s3"), func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		return fake.call(c.Operation.Name, in)
	})
	client := s3.NewFromConfig(wiretest.SDKConfig(srv), func(o *s3.Options) { o.UsePathStyle = true })
	return client, fake
}

func TestS3ClientRoundTrip(t *testing.T) {
	ctx := context.Background()
	client, fake := newTestClient(t)
	const bucket = "amzn-s3-demo-bucket"

	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String(bucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1},
	}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	fake.mu.Lock()
	location := fake.buckets[bucket].location
	fake.mu.Unlock()
	if got := location; got != "eu-west-1" {
		t.Errorf("CreateBucket LocationConstraint = %q, want eu-west-1", got)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	objects := map[string][]byte{
		"photos/cat one.jpg":      []byte("hello world"),
		`photos/a&b<c>"d"'e.txt`:  []byte("escaped key"),
		"photos/2023/big.bin":     big,
		"docs/readme.md":          []byte("# readme"),
		"photos/ünïcödé/ファイル.txt": []byte("unicode"),
	}
	for k, data := range objects {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(data),
			ContentType: aws.String("application/x-test"),
			Metadata:    map[string]string{"Camera": "Nikon D850", "note": "a, b"},
		}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}

	get, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("photos/2023/big.bin")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(body, big) {
		t.Fatalf("GetObject body: %d bytes, err %v; want %d bytes", len(body), err, len(big))
	}
	if aws.ToInt64(get.ContentLength) != int64(len(big)) {
		t.Errorf("ContentLength = %d, want %d", aws.ToInt64(get.ContentLength), len(big))
	}
	if aws.ToString(get.ContentType) != "application/x-test" {
		t.Errorf("ContentType = %q", aws.ToString(get.ContentType))
	}
	if !get.LastModified.Equal(fakeModified) {
		t.Errorf("LastModified = %v, want %v", get.LastModified, fakeModified)
	}
	if want := map[string]string{"camera": "Nikon D850", "note": "a, b"}; !maps.Equal(get.Metadata, want) {
		t.Errorf("Metadata = %v, want %v", get.Metadata, want)
	}
	sum := md5.Sum(big)
	if aws.ToString(get.ETag) != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("ETag = %s", aws.ToString(get.ETag))
	}
	// The handler closes the body after its last write, which the client
	// may see before the handler returns.
	if n := fake.waitClosed(1); n != 1 {
		t.Errorf("GetObject body closed %d times, want 1", n)
	}

	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("photos/cat one.jpg")})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if aws.ToInt64(head.ContentLength) != 11 || aws.ToString(head.AcceptRanges) != "bytes" {
		t.Errorf("HeadObject ContentLength %d AcceptRanges %q", aws.ToInt64(head.ContentLength), aws.ToString(head.AcceptRanges))
	}

	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("photos/"), MaxKeys: aws.Int32(3)})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
		if want := int64(len(objects[aws.ToString(o.Key)])); aws.ToInt64(o.Size) != want {
			t.Errorf("%s Size = %d, want %d", aws.ToString(o.Key), aws.ToInt64(o.Size), want)
		}
		if !o.LastModified.Equal(fakeModified) {
			t.Errorf("%s LastModified = %v", aws.ToString(o.Key), o.LastModified)
		}
	}
	wantKeys := []string{"photos/2023/big.bin", `photos/a&b<c>"d"'e.txt`, "photos/cat one.jpg"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("ListObjectsV2 keys = %q, want %q", keys, wantKeys)
	}
	if !aws.ToBool(list.IsTruncated) || aws.ToInt32(list.KeyCount) != 3 || aws.ToInt32(list.MaxKeys) != 3 || aws.ToString(list.Name) != bucket {
		t.Errorf("ListObjectsV2 IsTruncated %v KeyCount %d MaxKeys %d Name %q",
			aws.ToBool(list.IsTruncated), aws.ToInt32(list.KeyCount), aws.ToInt32(list.MaxKeys), aws.ToString(list.Name))
	}
	if aws.ToString(list.NextContinuationToken) != "photos/cat one.jpg" {
		t.Errorf("NextContinuationToken = %q", aws.ToString(list.NextContinuationToken))
	}

	if _, err := client.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{
		Bucket:  aws.String(bucket),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("R&D <core>")}}},
	}); err != nil {
		t.Fatalf("PutBucketTagging: %v", err)
	}
	tags, err := client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	if len(tags.TagSet) != 2 || aws.ToString(tags.TagSet[1].Value) != "R&D <core>" {
		t.Errorf("GetBucketTagging TagSet = %+v", tags.TagSet)
	}

	del, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(bucket),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("docs/readme.md")}, {Key: aws.String(`photos/a&b<c>"d"'e.txt`)}}},
	})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	if len(del.Deleted) != 2 || aws.ToString(del.Deleted[1].Key) != `photos/a&b<c>"d"'e.txt` {
		t.Errorf("DeleteObjects Deleted = %+v", del.Deleted)
	}
	fake.mu.Lock()
	_, stillThere := fake.buckets[bucket].objects["docs/readme.md"]
	fake.mu.Unlock()
	if stillThere {
		t.Error("DeleteObjects left docs/readme.md")
	}
}

func TestS3ClientErrors(t *testing.T) {
	ctx := context.Background()
	client, _ := newTestClient(t)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	_, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("missing.txt")})
	var noKey *types.NoSuchKey
	if !errors.As(err, &noKey) {
		t.Fatalf("GetObject missing key: %v, want *types.NoSuchKey", err)
	}
	checkAPIError(t, err, "NoSuchKey", "The specified key does not exist.", 404)
	var re interface {
		ServiceRequestID() string
		ServiceHostID() string
	}
	if !errors.As(err, &re) || re.ServiceRequestID() != wiretest.RequestID || re.ServiceHostID() != hostID(wiretest.RequestID) {
		t.Errorf("request ids: %v", err)
	}

	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("missing.txt")})
	checkAPIError(t, err, "NotFound", "", 404)

	_, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket")})
	var noBucket *types.NoSuchBucket
	if !errors.As(err, &noBucket) {
		t.Fatalf("ListObjectsV2 missing bucket: %v, want *types.NoSuchBucket", err)
	}
	checkAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist", 404)

	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
	checkAPIError(t, err, "NotImplemented", "Virga does not implement S3:DeleteBucket yet", 501)
}

func checkAPIError(t *testing.T, err error, code, message string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	if apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Errorf("error code %q message %q, want %q %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != status {
		t.Errorf("error %v: want HTTP status %d", err, status)
	}
}
