package logs

import (
	"context"
	"maps"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/logs/api"
)

// tagTarget resolves a TagResource ARN to a log group: only log groups can
// be tagged in Virga so far (AWS also tags destinations and deliveries).
func (s *Store) tagTarget(r *region, arn string) (*logGroup, *awserr.Error) {
	if !strings.HasPrefix(arn, "arn:") {
		return nil, invalidParameter("Invalid resourceArn: %s", arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[2] != "logs" || !strings.HasPrefix(parts[5], "log-group:") {
		return nil, invalidParameter("Invalid resourceArn: %s", arn)
	}
	if r == nil || parts[3] != r.key.region || parts[4] != r.key.account {
		return nil, errGroupNotFound()
	}
	name := strings.TrimSuffix(strings.TrimPrefix(parts[5], "log-group:"), ":*")
	g := r.groups[name]
	if g == nil {
		return nil, errGroupNotFound()
	}
	return g, nil
}

// setTags merges add into g's tags and removes the remove keys, within the
// 50-tag limit, and journals the change.
func (s *Store) setTags(r *region, g *logGroup, add map[string]string, remove []string) error {
	next := maps.Clone(g.tags)
	maps.Copy(next, add)
	for _, k := range remove {
		delete(next, k)
	}
	if len(next) > maxTags {
		return api.ErrTooManyTagsException("A resource can have no more than 50 tags.")
	}
	old := g.tags
	g.tags = next
	if err := s.persistGroup(r.key, g); err != nil {
		g.tags = old
		return err
	}
	return nil
}

// TagResource adds or overwrites tags of a log group named by ARN.
func (s *Store) TagResource(ctx context.Context, in *api.TagResourceRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.tagTarget(r, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if err := s.setTags(r, g, in.Tags, nil); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// UntagResource removes tags of a log group named by ARN.
func (s *Store) UntagResource(ctx context.Context, in *api.UntagResourceRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.tagTarget(r, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if err := s.setTags(r, g, nil, in.TagKeys); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// ListTagsForResource returns the tags of a log group named by ARN.
func (s *Store) ListTagsForResource(ctx context.Context, in *api.ListTagsForResourceRequest) (*api.ListTagsForResourceResponse, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.tagTarget(r, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return &api.ListTagsForResourceResponse{Tags: maps.Clone(g.tags)}, nil
}

// TagLogGroup is the legacy TagResource for a log group named by name.
func (s *Store) TagLogGroup(ctx context.Context, in *api.TagLogGroupRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	if err := s.setTags(r, g, in.Tags, nil); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// UntagLogGroup is the legacy UntagResource for a log group named by name.
func (s *Store) UntagLogGroup(ctx context.Context, in *api.UntagLogGroupRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	if err := s.setTags(r, g, nil, in.Tags); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// ListTagsLogGroup is the legacy ListTagsForResource for a log group named
// by name.
func (s *Store) ListTagsLogGroup(ctx context.Context, in *api.ListTagsLogGroupRequest) (*api.ListTagsLogGroupResponse, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	return &api.ListTagsLogGroupResponse{Tags: maps.Clone(g.tags)}, nil
}
