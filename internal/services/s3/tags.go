package s3

import (
	"context"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// Tag limits
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html).
const (
	maxObjectTags  = 10
	maxBucketTags  = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// parseTaggingHeader parses x-amz-tagging ("k1=v1&k2=v2", URL-encoded).
func parseTaggingHeader(h string) ([]api.Tag, error) {
	bad := errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", h)
	if h == "" {
		return nil, nil
	}
	var tags []api.Tag
	seen := map[string]bool{}
	for _, kv := range strings.Split(h, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || seen[key] {
			return nil, bad
		}
		seen[key] = true
		tags = append(tags, api.Tag{Key: ptr(key), Value: ptr(val)})
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

// validTagText reports whether s uses only the characters AWS allows in
// tags: letters, digits, spaces and + - = . _ : / @.
func validTagText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return false
	}
	return true
}

// checkTags validates a tag set against S3's limits.
func checkTags(tags []api.Tag, max int) error {
	if len(tags) > max {
		if max == maxObjectTags {
			return awserr.New("BadRequest", 400, "Object tags cannot be greater than 10")
		}
		return awserr.New("InvalidTag", 400, "Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k, v := str(t.Key), str(t.Value)
		switch {
		case utf8.RuneCountInString(k) > maxTagKeyLen:
			return awserr.New("InvalidTag", 400, "The TagKey you have provided is too long, max 128").With("TagKey", k)
		case utf8.RuneCountInString(v) > maxTagValueLen:
			return awserr.New("InvalidTag", 400, "The TagValue you have provided is too long, max 256").With("TagKey", k).With("TagValue", v)
		case k == "" || !validTagText(k):
			return awserr.New("InvalidTag", 400, "The TagKey you have provided is invalid").With("TagKey", k)
		case !validTagText(v):
			return awserr.New("InvalidTag", 400, "The TagValue you have provided is invalid").With("TagKey", k).With("TagValue", v)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return awserr.New("InvalidTag", 400, "Your TagKey cannot be prefixed with aws:").With("TagKey", k)
		case seen[k]:
			return awserr.New("InvalidTag", 400, "Cannot provide multiple Tags with the same key").With("TagKey", k)
		}
		seen[k] = true
	}
	return nil
}

// objectVersionForUpdate finds the version a tagging call addresses; the
// caller holds b.mu.
func objectVersionForUpdate(b *bucket, key, vid, method string) (*objectEntry, *objVersion, error) {
	v, err := readTarget(b, key, vid, method)
	if err != nil {
		return nil, nil, err
	}
	return b.objects[key], v, nil
}

// versionHeader returns the version id S3 reports for v in b.
func versionHeader(b *bucket, v *objVersion) *string {
	if b.cfg.Versioning == "" {
		return nil
	}
	return &v.ID
}

// PutObjectTagging replaces an object version's tags.
func (h *handler) PutObjectTagging(ctx context.Context, in *api.PutObjectTaggingRequest) (*api.PutObjectTaggingOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	var tags []api.Tag
	if in.Tagging != nil {
		tags = in.Tagging.TagSet
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e, v, err := objectVersionForUpdate(b, str(in.Key), str(in.VersionId), "PUT")
	if err != nil {
		return nil, err
	}
	nv := *v
	nv.Tags = tags
	if err := h.s.replaceVersion(b, e, v, &nv); err != nil {
		return nil, err
	}
	return &api.PutObjectTaggingOutput{VersionId: versionHeader(b, v)}, nil
}

// GetObjectTagging returns an object version's tags.
func (h *handler) GetObjectTagging(ctx context.Context, in *api.GetObjectTaggingRequest) (*api.GetObjectTaggingOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	_, v, err := objectVersionForUpdate(b, str(in.Key), str(in.VersionId), "GET")
	if err != nil {
		return nil, err
	}
	tags := v.Tags
	if tags == nil {
		tags = []api.Tag{}
	}
	return &api.GetObjectTaggingOutput{TagSet: tags, VersionId: versionHeader(b, v)}, nil
}

// DeleteObjectTagging removes an object version's tags.
func (h *handler) DeleteObjectTagging(ctx context.Context, in *api.DeleteObjectTaggingRequest) (*api.DeleteObjectTaggingOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e, v, err := objectVersionForUpdate(b, str(in.Key), str(in.VersionId), "DELETE")
	if err != nil {
		return nil, err
	}
	if len(v.Tags) > 0 {
		nv := *v
		nv.Tags = nil
		if err := h.s.replaceVersion(b, e, v, &nv); err != nil {
			return nil, err
		}
	}
	return &api.DeleteObjectTaggingOutput{VersionId: versionHeader(b, v)}, nil
}

// PutBucketTagging replaces the bucket's tags.
func (h *handler) PutBucketTagging(ctx context.Context, in *api.PutBucketTaggingRequest) (*api.Empty, error) {
	var tags []api.Tag
	if in.Tagging != nil {
		tags = in.Tagging.TagSet
	}
	if err := checkTags(tags, maxBucketTags); err != nil {
		return nil, err
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Tags, c.HasTags = tags, true
		return nil
	})
}

// GetBucketTagging returns the bucket's tags, or NoSuchTagSet.
func (h *handler) GetBucketTagging(ctx context.Context, in *api.GetBucketTaggingRequest) (*api.GetBucketTaggingOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if !c.HasTags || len(c.Tags) == 0 {
		return nil, notFound("NoSuchTagSet", "The TagSet does not exist", str(in.Bucket))
	}
	return &api.GetBucketTaggingOutput{TagSet: c.Tags}, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (h *handler) DeleteBucketTagging(ctx context.Context, in *api.DeleteBucketTaggingRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Tags, c.HasTags = nil, false
		return nil
	})
}
