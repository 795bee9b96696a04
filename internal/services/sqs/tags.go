package sqs

import (
	"context"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// Tag limits (docs/limits.md).
const (
	maxTagKeyLength   = 128
	maxTagValueLength = 256
)

// checkTags validates tags to add to a queue that has existing tags (of
// other keys): keys of 1 to 128 characters, values of up to 256, at most 50
// in all.
func checkTags(tags map[string]string, existing int) *awserr.Error {
	if existing+len(tags) > maxTagsPerQueue {
		return invalidParameterValue("Too many tags added for queue. A queue can have at most %d tags.", maxTagsPerQueue)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > maxTagKeyLength {
			return invalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
		}
		if utf8.RuneCountInString(v) > maxTagValueLength {
			return invalidParameterValue("Tag values must be less than 256 characters in length.")
		}
	}
	return nil
}

// TagQueue adds or overwrites tags of a queue.
func (s *Service) TagQueue(ctx context.Context, in *api.TagQueueRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, errQueueDoesNotExist()
	}
	existing := 0
	for k := range q.tags {
		if _, replaced := in.Tags[k]; !replaced {
			existing++
		}
	}
	if e := checkTags(in.Tags, existing); e != nil {
		return nil, e
	}
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	if err := s.persistQueue(q); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// UntagQueue removes tags from a queue; keys it does not have are ignored.
func (s *Service) UntagQueue(ctx context.Context, in *api.UntagQueueRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, errQueueDoesNotExist()
	}
	for _, k := range in.TagKeys {
		delete(q.tags, k)
	}
	if err := s.persistQueue(q); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// ListQueueTags returns a queue's tags.
func (s *Service) ListQueueTags(ctx context.Context, in *api.ListQueueTagsRequest) (*api.ListQueueTagsResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, errQueueDoesNotExist()
	}
	tags := make(map[string]string, len(q.tags))
	for k, v := range q.tags {
		tags[k] = v
	}
	return &api.ListQueueTagsResult{Tags: tags}, nil
}
