package s3

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// Objects reads this S3's objects in-process, for services that take
// their input from S3 (Lambda deployment packages and layers) without a
// request over HTTP.
type Objects struct{ s *store }

// NewWithObjects returns the S3 service, as New does, and an in-process
// reader of its objects.
func NewWithObjects(deps service.Deps) (*service.Service, *Objects, error) {
	svc, err := New(deps)
	if err != nil {
		return nil, nil, err
	}
	snap, ok := svc.Snapshot.(snapshotter)
	if !ok {
		svc.Close()
		return nil, nil, errors.New("s3: the service's store is not reachable")
	}
	return svc, &Objects{s: snap.s}, nil
}

// Open returns a reader of an object's bytes and their length: the current
// version, or the version versionID names. The caller closes the reader.
// Failures are S3's errors as *awserr.Error: NoSuchBucket, NoSuchKey,
// NoSuchVersion, InvalidArgument (a malformed version id), MethodNotAllowed
// (a version that is a delete marker), InvalidObjectState (archived
// storage classes), and, for a bucket outside region (when region is not
// ""), PermanentRedirect with the message "The bucket is in this region:
// <region>. Please use this region to retry the request", as services
// reading S3 on the caller's behalf report it. account is the reader's
// account; bucket policies are not evaluated, as with IAM enforcement off,
// so every account may read.
func (o *Objects) Open(ctx context.Context, account, region, bucket, key, versionID string) (io.ReadCloser, int64, error) {
	b := o.s.bucket(bucket)
	if b == nil {
		return nil, 0, errNoSuchBucket(bucket)
	}
	if region != "" && b.region != region {
		return nil, 0, awserr.New("PermanentRedirect", http.StatusMovedPermanently,
			"The bucket is in this region: "+b.region+". Please use this region to retry the request").With("Bucket", bucket)
	}
	b.mu.RLock()
	if b.gone {
		b.mu.RUnlock()
		return nil, 0, errNoSuchBucket(bucket)
	}
	v, err := readTarget(b, key, versionID, http.MethodGet)
	if err != nil {
		b.mu.RUnlock()
		return nil, 0, err
	}
	if v.StorageClass == api.StorageClassGLACIER || v.StorageClass == api.StorageClassDEEPARCHIVE {
		b.mu.RUnlock()
		return nil, 0, api.ErrInvalidObjectState("The operation is not valid for the object's storage class").With("StorageClass", v.StorageClass)
	}
	if v.Blob == "" || v.Size == 0 {
		b.mu.RUnlock()
		return io.NopCloser(emptyReaderFor()), 0, nil
	}
	blob, err := o.s.blobs.Open(v.Blob)
	b.mu.RUnlock()
	if err != nil {
		return nil, 0, awserr.Internal(err)
	}
	return blob, v.Size, nil
}

// Read returns an object's bytes whole (see Open).
func (o *Objects) Read(ctx context.Context, account, region, bucket, key, versionID string) ([]byte, error) {
	body, size, err := o.Open(ctx, account, region, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	out := make([]byte, size)
	if _, err := io.ReadFull(body, out); err != nil {
		return nil, awserr.Internal(err)
	}
	return out, nil
}
