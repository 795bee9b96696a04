package logs

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/logs/api"
)

// CreateLogGroup creates an empty log group of the given class (STANDARD
// by default) with optional tags.
func (s *Store) CreateLogGroup(ctx context.Context, in *api.CreateLogGroupRequest) (*api.Empty, error) {
	name := str(in.LogGroupName)
	if len(in.Tags) > maxTags {
		return nil, api.ErrTooManyTagsException("A resource can have no more than 50 tags.")
	}
	r, unlock := s.lockRegion(ctx, true)
	defer unlock()
	if r.groups[name] != nil {
		return nil, api.ErrResourceAlreadyExistsException("The specified log group already exists")
	}
	g := newGroup(name, millis(s.clock.Now()))
	if in.LogGroupClass != nil {
		g.class = *in.LogGroupClass
	}
	g.kmsKeyID = str(in.KmsKeyId)
	if in.DeletionProtectionEnabled != nil {
		g.deletionProtection = *in.DeletionProtectionEnabled
	}
	for k, v := range in.Tags {
		g.tags[k] = v
	}
	if err := s.persistGroup(r.key, g); err != nil {
		return nil, err
	}
	r.groups[name] = g
	return &api.Empty{}, nil
}

// DeleteLogGroup deletes a log group with its streams and events.
func (s *Store) DeleteLogGroup(ctx context.Context, in *api.DeleteLogGroupRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	if r == nil || r.groups[str(in.LogGroupName)] == nil {
		return nil, errGroupNotFound()
	}
	g := r.groups[str(in.LogGroupName)]
	if g.deletionProtection {
		return nil, api.ErrOperationAbortedException("Log group " + g.name + " has deletion protection enabled. Disable deletion protection before deleting the log group.")
	}
	if err := s.unpersistGroup(r.key, g.name); err != nil {
		return nil, err
	}
	delete(r.groups, g.name)
	return &api.Empty{}, nil
}

// DescribeLogGroups lists log groups in name order, filtered by prefix,
// substring pattern, class or identifiers, a page of up to limit (default
// 50) at a time.
func (s *Store) DescribeLogGroups(ctx context.Context, in *api.DescribeLogGroupsRequest) (*api.DescribeLogGroupsResponse, error) {
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, invalidParameter("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	}
	if len(in.LogGroupIdentifiers) > 0 && (in.LogGroupNamePrefix != nil || in.LogGroupNamePattern != nil) {
		return nil, invalidParameter("LogGroupIdentifiers and LogGroupNamePrefix/LogGroupNamePattern are mutually exclusive parameters.")
	}
	k := caller(ctx)
	var idents map[string]bool
	if len(in.LogGroupIdentifiers) > 0 {
		idents = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			idents[groupNameFromIdentifier(id)] = true
		}
	}
	keep := func(g *logGroup) bool {
		switch {
		case in.LogGroupNamePrefix != nil && !strings.HasPrefix(g.name, *in.LogGroupNamePrefix):
		case in.LogGroupNamePattern != nil && !strings.Contains(g.name, *in.LogGroupNamePattern):
		case in.LogGroupClass != nil && g.class != *in.LogGroupClass:
		case idents != nil && !idents[g.name]:
		default:
			return true
		}
		return false
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	out := &api.DescribeLogGroupsResponse{LogGroups: []api.LogGroup{}}
	if r == nil {
		if in.NextToken != nil {
			if _, err := decodeNameToken(*in.NextToken); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	names := sortedGroups(r, keep)
	page, next, err := pageByName(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	for _, name := range page {
		g := r.groups[name]
		s.expire(r.key, g)
		out.LogGroups = append(out.LogGroups, describeGroup(k, g))
	}
	out.NextToken = next
	return out, nil
}

// ListLogGroups lists log group summaries in name order, filtered by a
// substring pattern and class.
func (s *Store) ListLogGroups(ctx context.Context, in *api.ListLogGroupsRequest) (*api.ListLogGroupsResponse, error) {
	if len(in.DataSources) > 0 || len(in.FieldIndexNames) > 0 || len(in.LogGroupTags) > 0 {
		return nil, awserr.NotImplemented("logs", "ListLogGroups with dataSources, fieldIndexNames or logGroupTags")
	}
	k := caller(ctx)
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	out := &api.ListLogGroupsResponse{LogGroups: []api.LogGroupSummary{}}
	if r == nil {
		return out, nil
	}
	names := sortedGroups(r, func(g *logGroup) bool {
		return (in.LogGroupNamePattern == nil || matchesListPattern(g.name, *in.LogGroupNamePattern)) &&
			(in.LogGroupClass == nil || g.class == *in.LogGroupClass)
	})
	page, next, err := pageByName(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	for _, name := range page {
		g := r.groups[name]
		out.LogGroups = append(out.LogGroups, api.LogGroupSummary{
			LogGroupName: ptr(g.name), LogGroupArn: ptr(groupARN(k, g.name)), LogGroupClass: ptr(g.class),
		})
	}
	out.NextToken = next
	return out, nil
}

// matchesListPattern applies ListLogGroups' logGroupNamePattern: up to five
// alternatives separated by "|", each a case-sensitive substring, or a
// prefix when it starts with "^".
func matchesListPattern(name, pattern string) bool {
	for _, alt := range strings.Split(pattern, "|") {
		if p, ok := strings.CutPrefix(alt, "^"); ok {
			if strings.HasPrefix(name, p) {
				return true
			}
		} else if strings.Contains(name, alt) {
			return true
		}
	}
	return false
}

func describeGroup(k regionKey, g *logGroup) api.LogGroup {
	lg := api.LogGroup{
		LogGroupName:              ptr(g.name),
		CreationTime:              ptr(g.created),
		MetricFilterCount:         ptr(int32(len(g.metricFilters))),
		Arn:                       ptr(groupARN(k, g.name) + ":*"),
		StoredBytes:               ptr(g.storedBytes()),
		LogGroupClass:             ptr(g.class),
		LogGroupArn:               ptr(groupARN(k, g.name)),
		DeletionProtectionEnabled: ptr(g.deletionProtection),
		KmsKeyId:                  optional(g.kmsKeyID),
	}
	if g.retention != 0 {
		lg.RetentionInDays = ptr(g.retention)
	}
	return lg
}

func sortedGroups(r *region, keep func(*logGroup) bool) []string {
	var names []string
	for name, g := range r.groups {
		if keep(g) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// pageByName returns the names after the one the token names, up to limit
// (default 50), and the token for the rest, if any.
func pageByName(names []string, token *string, limit *int32) ([]string, *string, error) {
	start := 0
	if token != nil {
		after, err := decodeNameToken(*token)
		if err != nil {
			return nil, nil, err
		}
		start, _ = slices.BinarySearch(names, after)
		if start < len(names) && names[start] == after {
			start++
		}
	}
	n := defaultDescribe
	if limit != nil {
		n = int(*limit)
	}
	end := min(start+n, len(names))
	page := names[start:end]
	if end < len(names) {
		return page, ptr(encodeNameToken(page[len(page)-1])), nil
	}
	return page, nil, nil
}

const nameTokenPrefix = "n1:"

func encodeNameToken(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(nameTokenPrefix + name))
}

func decodeNameToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), nameTokenPrefix) {
		return "", errInvalidToken()
	}
	return strings.TrimPrefix(string(b), nameTokenPrefix), nil
}

func errInvalidToken() *awserr.Error {
	return invalidParameter("The specified nextToken is invalid.")
}

// groupNameFromIdentifier accepts a log group name or ARN (with or without
// the trailing ":*").
func groupNameFromIdentifier(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	_, rest, ok := strings.Cut(id, ":log-group:")
	if !ok {
		return id
	}
	return strings.TrimSuffix(rest, ":*")
}

// groupFor finds the group named by logGroupName or logGroupIdentifier
// (exactly one of which must be given) in the caller's region, whose lock
// the caller holds; it applies the group's retention first.
func (s *Store) groupFor(r *region, name, identifier *string) (*logGroup, *awserr.Error) {
	if name != nil && identifier != nil {
		return nil, invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	}
	if name == nil && identifier == nil {
		return nil, invalidParameter("Either logGroupName or logGroupIdentifier is required.")
	}
	n := str(name)
	if identifier != nil {
		n = groupNameFromIdentifier(*identifier)
	}
	if r == nil || r.groups[n] == nil {
		return nil, errGroupNotFound()
	}
	g := r.groups[n]
	s.expire(r.key, g)
	return g, nil
}

// PutRetentionPolicy sets how many days the group keeps events; older
// events expire on the injected clock.
func (s *Store) PutRetentionPolicy(ctx context.Context, in *api.PutRetentionPolicyRequest) (*api.Empty, error) {
	days := int32(0)
	if in.RetentionInDays != nil {
		days = *in.RetentionInDays
	}
	if !slices.Contains(retentionDays, days) {
		set := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			set[i] = strconv.Itoa(int(d))
		}
		return nil, invalidParameter("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]", days, strings.Join(set, ", "))
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	old := g.retention
	g.retention = days
	if err := s.persistGroup(r.key, g); err != nil {
		g.retention = old
		return nil, err
	}
	s.expire(r.key, g)
	return &api.Empty{}, nil
}

// DeleteRetentionPolicy makes the group keep its events indefinitely.
func (s *Store) DeleteRetentionPolicy(ctx context.Context, in *api.DeleteRetentionPolicyRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	old := g.retention
	g.retention = 0
	if err := s.persistGroup(r.key, g); err != nil {
		g.retention = old
		return nil, err
	}
	return &api.Empty{}, nil
}
