package logs

import (
	"context"
	"slices"
	"strings"

	"github.com/virga-aws/virga/internal/services/logs/api"
	"github.com/virga-aws/virga/internal/services/logs/filterpattern"
)

// PutSubscriptionFilter creates or replaces a subscription filter (at most
// two per group). The definition is stored and described; Virga does not
// deliver matching events to the destination yet.
func (s *Store) PutSubscriptionFilter(ctx context.Context, in *api.PutSubscriptionFilterRequest) (*api.Empty, error) {
	if _, err := parsePattern(in.FilterPattern); err != nil {
		return nil, err
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	name := str(in.FilterName)
	old := g.subscriptions[name]
	if old == nil && len(g.subscriptions) >= maxSubscriptions {
		return nil, api.ErrLimitExceededException("Resource limit exceeded.")
	}
	dist := in.Distribution
	if dist == nil {
		dist = ptr(api.DistributionByLogStream)
	}
	g.subscriptions[name] = &api.SubscriptionFilter{
		FilterName: ptr(name), LogGroupName: ptr(g.name), FilterPattern: ptr(str(in.FilterPattern)),
		DestinationArn: in.DestinationArn, RoleArn: in.RoleArn, Distribution: dist,
		CreationTime: ptr(millis(s.clock.Now())),
	}
	if err := s.persistGroup(r.key, g); err != nil {
		restoreEntry(g.subscriptions, name, old)
		return nil, err
	}
	return &api.Empty{}, nil
}

// DescribeSubscriptionFilters lists a group's subscription filters in name
// order, optionally by name prefix.
func (s *Store) DescribeSubscriptionFilters(ctx context.Context, in *api.DescribeSubscriptionFiltersRequest) (*api.DescribeSubscriptionFiltersResponse, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	names := filterNames(g.subscriptions, in.FilterNamePrefix)
	page, next, perr := pageByName(names, in.NextToken, in.Limit)
	if perr != nil {
		return nil, perr
	}
	out := &api.DescribeSubscriptionFiltersResponse{SubscriptionFilters: []api.SubscriptionFilter{}, NextToken: next}
	for _, n := range page {
		out.SubscriptionFilters = append(out.SubscriptionFilters, *g.subscriptions[n])
	}
	return out, nil
}

// DeleteSubscriptionFilter deletes a subscription filter.
func (s *Store) DeleteSubscriptionFilter(ctx context.Context, in *api.DeleteSubscriptionFilterRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	name := str(in.FilterName)
	old := g.subscriptions[name]
	if old == nil {
		return nil, api.ErrResourceNotFoundException("The specified subscription filter does not exist.")
	}
	delete(g.subscriptions, name)
	if err := s.persistGroup(r.key, g); err != nil {
		g.subscriptions[name] = old
		return nil, err
	}
	return &api.Empty{}, nil
}

// PutMetricFilter creates or replaces a metric filter (at most 100 per
// group). The definition is stored and described; Virga has no CloudWatch
// metrics to publish to yet.
func (s *Store) PutMetricFilter(ctx context.Context, in *api.PutMetricFilterRequest) (*api.Empty, error) {
	if _, err := parsePattern(in.FilterPattern); err != nil {
		return nil, err
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	name := str(in.FilterName)
	old := g.metricFilters[name]
	if old == nil && len(g.metricFilters) >= maxMetricFilters {
		return nil, api.ErrLimitExceededException("Resource limit exceeded.")
	}
	g.metricFilters[name] = &api.MetricFilter{
		FilterName: ptr(name), LogGroupName: ptr(g.name), FilterPattern: ptr(str(in.FilterPattern)),
		MetricTransformations: in.MetricTransformations, CreationTime: ptr(millis(s.clock.Now())),
	}
	if err := s.persistGroup(r.key, g); err != nil {
		restoreEntry(g.metricFilters, name, old)
		return nil, err
	}
	return &api.Empty{}, nil
}

// DescribeMetricFilters lists metric filters in name order: a group's
// (optionally by name prefix), or, with no group, those of every group in
// the region, optionally only those publishing metricName in
// metricNamespace.
func (s *Store) DescribeMetricFilters(ctx context.Context, in *api.DescribeMetricFiltersRequest) (*api.DescribeMetricFiltersResponse, error) {
	if (in.MetricName == nil) != (in.MetricNamespace == nil) {
		return nil, invalidParameter("If you specify a metricName, you must also specify a metricNamespace, and vice versa.")
	}
	if in.FilterNamePrefix != nil && in.LogGroupName == nil {
		return nil, invalidParameter("If you specify a filterNamePrefix, you must also specify a logGroupName.")
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	var groups []*logGroup
	if in.LogGroupName != nil {
		g, err := s.groupFor(r, in.LogGroupName, nil)
		if err != nil {
			return nil, err
		}
		groups = []*logGroup{g}
	} else if r != nil {
		for _, name := range sortedGroups(r, func(*logGroup) bool { return true }) {
			groups = append(groups, r.groups[name])
		}
	}
	// Keys are "<group>:<filter>" (':' appears in neither), in order.
	all := map[string]*api.MetricFilter{}
	var keys []string
	for _, g := range groups {
		for _, n := range filterNames(g.metricFilters, in.FilterNamePrefix) {
			f := g.metricFilters[n]
			if in.MetricName != nil && !publishes(f, *in.MetricName, *in.MetricNamespace) {
				continue
			}
			k := g.name + ":" + n
			all[k] = f
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	page, next, err := pageByName(keys, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeMetricFiltersResponse{MetricFilters: []api.MetricFilter{}, NextToken: next}
	for _, k := range page {
		out.MetricFilters = append(out.MetricFilters, *all[k])
	}
	return out, nil
}

func publishes(f *api.MetricFilter, name, namespace string) bool {
	for _, t := range f.MetricTransformations {
		if str(t.MetricName) == name && str(t.MetricNamespace) == namespace {
			return true
		}
	}
	return false
}

// DeleteMetricFilter deletes a metric filter.
func (s *Store) DeleteMetricFilter(ctx context.Context, in *api.DeleteMetricFilterRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	name := str(in.FilterName)
	old := g.metricFilters[name]
	if old == nil {
		return nil, api.ErrResourceNotFoundException("The specified metric filter does not exist.")
	}
	delete(g.metricFilters, name)
	if err := s.persistGroup(r.key, g); err != nil {
		g.metricFilters[name] = old
		return nil, err
	}
	return &api.Empty{}, nil
}

// TestMetricFilter matches sample messages against a filter pattern and
// returns the matches with the values the pattern extracts.
func (s *Store) TestMetricFilter(ctx context.Context, in *api.TestMetricFilterRequest) (*api.TestMetricFilterResponse, error) {
	p, err := filterpattern.Parse(str(in.FilterPattern))
	if err != nil {
		return nil, invalidParameter("Invalid filter pattern")
	}
	out := &api.TestMetricFilterResponse{Matches: []api.MetricFilterMatchRecord{}}
	for i, msg := range in.LogEventMessages {
		values, ok := p.Extract(msg)
		if !ok {
			continue
		}
		if values == nil {
			values = map[string]string{}
		}
		out.Matches = append(out.Matches, api.MetricFilterMatchRecord{
			EventNumber: ptr(int64(i + 1)), EventMessage: ptr(msg), ExtractedValues: values,
		})
	}
	return out, nil
}

func filterNames[T any](m map[string]*T, prefix *string) []string {
	var names []string
	for n := range m {
		if prefix == nil || strings.HasPrefix(n, *prefix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// restoreEntry undoes a map write after a failed journal write.
func restoreEntry[T any](m map[string]*T, name string, old *T) {
	if old == nil {
		delete(m, name)
	} else {
		m[name] = old
	}
}
