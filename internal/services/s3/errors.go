package s3

import (
	"net/http"
	"strconv"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// The errors S3 returns, with AWS's codes, messages, statuses and extra
// error-document members. Sources: "Error responses" and the operation
// pages of the Amazon S3 API Reference.

func errNoSuchBucket(name string) *awserr.Error {
	return api.ErrNoSuchBucket("The specified bucket does not exist").With("BucketName", name)
}

func errNoSuchKey(key string) *awserr.Error {
	return api.ErrNoSuchKey("The specified key does not exist.").With("Key", key)
}

func errNoSuchVersion(key, vid string) *awserr.Error {
	return awserr.New("NoSuchVersion", 404, "The specified version does not exist.").With("Key", key).With("VersionId", vid)
}

func errInvalidVersionID(vid string) *awserr.Error {
	return errInvalidArgument("Invalid version id specified", "versionId", vid)
}

func errNoSuchUpload(uploadID string) *awserr.Error {
	return api.ErrNoSuchUpload("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", uploadID)
}

func errInvalidArgument(msg, name, value string) *awserr.Error {
	return awserr.New("InvalidArgument", 400, msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func errInvalidRequest(msg string) *awserr.Error {
	return awserr.New("InvalidRequest", 400, msg)
}

func errMalformedXML() *awserr.Error {
	return awserr.New("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema")
}

func errPreconditionFailed(condition string) *awserr.Error {
	return awserr.New("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

// errNotModified is the 304 of a conditional GET or HEAD; it carries the
// object's ETag and Last-Modified headers as S3 does.
func errNotModified(v *objVersion) *awserr.Error {
	e := &awserr.Error{Code: "NotModified", Message: "Not Modified", Status: http.StatusNotModified, Sender: true, Header: http.Header{}}
	e.Header.Set("ETag", v.ETag)
	e.Header.Set("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	return e
}

func errInvalidRange(requested string, size int64) *awserr.Error {
	return awserr.New("InvalidRange", 416, "The requested range is not satisfiable").
		With("RangeRequested", requested).With("ActualObjectSize", strconv.FormatInt(size, 10))
}

func errBucketNotEmpty(name string) *awserr.Error {
	return awserr.New("BucketNotEmpty", 409, "The bucket you tried to delete is not empty").With("BucketName", name)
}

func errInvalidBucketName(name string) *awserr.Error {
	return awserr.New("InvalidBucketName", 400, "The specified bucket is not valid.").With("BucketName", name)
}

func errBadDigest(msg string) *awserr.Error {
	return awserr.New("BadDigest", 400, msg)
}

func errEntityTooLarge(size, max int64) *awserr.Error {
	return awserr.New("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).With("MaxSizeAllowed", strconv.FormatInt(max, 10))
}

func errMethodNotAllowed(method, resourceType string) *awserr.Error {
	return awserr.New("MethodNotAllowed", 405, "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resourceType)
}

func errNotImplemented(op string) *awserr.Error {
	return awserr.NotImplemented("S3", op)
}

// notFound is a 404 for a missing bucket configuration.
func notFound(code, msg, bucket string) *awserr.Error {
	return awserr.New(code, 404, msg).With("BucketName", bucket)
}

// deleteMarkerHeaders returns the headers S3 adds to a 404 or 405 caused by
// a delete marker.
func deleteMarkerHeaders(e *awserr.Error, v *objVersion) *awserr.Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set("x-amz-delete-marker", "true")
	e.Header.Set("x-amz-version-id", v.ID)
	if e.Status == http.StatusMethodNotAllowed {
		e.Header.Set("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	}
	return e
}

func errAccessDenied() *awserr.Error {
	return awserr.New("AccessDenied", 403, "Access Denied")
}
