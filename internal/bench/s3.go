package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// newS3Client returns a path-style S3 client that neither adds request
// checksums nor validates response checksums unless an operation requires
// it, so it does the same work against every target.
func newS3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// payload returns size bytes of printable data, built once per workload.
func payload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// s3PutKey names the object worker writes in an s3-put workload.
func s3PutKey(size, worker int) string {
	return "put-" + strconv.Itoa(size) + "-" + strconv.Itoa(worker)
}

// s3GetKey names the object worker reads in an s3-get workload; the
// "obj-<size>-" prefix tells the limit server how many bytes to return.
func s3GetKey(size, worker int) string {
	return "obj-" + strconv.Itoa(size) + "-" + strconv.Itoa(worker)
}

// s3Put returns the Setup of a workload in which each worker repeatedly
// writes its own object of size bytes.
func s3Put(size int) func(context.Context, Env) (*Prepared, error) {
	return func(ctx context.Context, env Env) (*Prepared, error) {
		client := newS3Client(env.Config)
		bucket := "vb-" + env.RunID
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
			return nil, fmt.Errorf("CreateBucket: %w", err)
		}
		body := payload(size)
		keys := make([]string, env.MaxWorkers)
		for i := range keys {
			keys[i] = s3PutKey(size, i)
		}
		return &Prepared{
			NewIteration: func(worker int) Iteration {
				reader := bytes.NewReader(body)
				in := &s3.PutObjectInput{
					Bucket:        &bucket,
					Key:           &keys[worker],
					Body:          reader,
					ContentLength: aws.Int64(int64(size)),
				}
				return func(ctx context.Context) error {
					reader.Reset(body)
					_, err := client.PutObject(ctx, in)
					return err
				}
			},
			Teardown: func(ctx context.Context) error { return emptyAndDeleteBucket(ctx, client, bucket, keys) },
		}, nil
	}
}

// s3Get returns the Setup of a workload in which each worker repeatedly
// reads the whole body of its own object of size bytes, written in setup.
func s3Get(size int) func(context.Context, Env) (*Prepared, error) {
	return func(ctx context.Context, env Env) (*Prepared, error) {
		client := newS3Client(env.Config)
		bucket := "vb-" + env.RunID
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
			return nil, fmt.Errorf("CreateBucket: %w", err)
		}
		body := payload(size)
		keys := make([]string, env.MaxWorkers)
		for i := range keys {
			keys[i] = s3GetKey(size, i)
			_, err := client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: &bucket, Key: &keys[i], Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size)),
			})
			if err != nil {
				return nil, fmt.Errorf("PutObject %s: %w", keys[i], err)
			}
		}
		return &Prepared{
			NewIteration: func(worker int) Iteration {
				in := &s3.GetObjectInput{Bucket: &bucket, Key: &keys[worker]}
				return func(ctx context.Context) error {
					out, err := client.GetObject(ctx, in)
					if err != nil {
						return err
					}
					n, err := io.Copy(io.Discard, out.Body)
					_ = out.Body.Close()
					if err != nil {
						return err
					}
					if n != int64(size) {
						return errShortBody
					}
					return nil
				}
			},
			Teardown: func(ctx context.Context) error { return emptyAndDeleteBucket(ctx, client, bucket, keys) },
		}, nil
	}
}

// errShortBody reports a GetObject body whose length differs from the object's.
var errShortBody = errors.New("GetObject body length differs from the object written")

// emptyAndDeleteBucket deletes the given keys and then the bucket.
func emptyAndDeleteBucket(ctx context.Context, client *s3.Client, bucket string, keys []string) error {
	var errs []error
	for i := range keys {
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &keys[i]}); err != nil {
			errs = append(errs, fmt.Errorf("DeleteObject %s: %w", keys[i], err))
			break
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		errs = append(errs, fmt.Errorf("DeleteBucket: %w", err))
	}
	return errors.Join(errs...)
}
