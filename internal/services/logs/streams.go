package logs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/services/logs/api"
)

// CreateLogStream creates an empty log stream in a log group.
func (s *Store) CreateLogStream(ctx context.Context, in *api.CreateLogStreamRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	name := str(in.LogStreamName)
	if g.streams[name] != nil {
		return nil, api.ErrResourceAlreadyExistsException("The specified log stream already exists")
	}
	st := &logStream{name: name, created: millis(s.clock.Now())}
	if err := s.persistStream(r.key, g, st); err != nil {
		return nil, err
	}
	g.streams[name] = st
	return &api.Empty{}, nil
}

// DeleteLogStream deletes a log stream and its events.
func (s *Store) DeleteLogStream(ctx context.Context, in *api.DeleteLogStreamRequest) (*api.Empty, error) {
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, nil)
	if err != nil {
		return nil, err
	}
	st := g.streams[str(in.LogStreamName)]
	if st == nil {
		return nil, errStreamNotFound()
	}
	if err := s.unpersistStream(r.key, g, st); err != nil {
		return nil, err
	}
	delete(g.streams, st.name)
	return &api.Empty{}, nil
}

// DescribeLogStreams lists a group's streams ordered by name (optionally
// filtered by prefix) or by last event time, ascending or descending, a page
// of up to limit (default 50) at a time.
func (s *Store) DescribeLogStreams(ctx context.Context, in *api.DescribeLogStreamsRequest) (*api.DescribeLogStreamsResponse, error) {
	byTime := in.OrderBy != nil && *in.OrderBy == api.OrderByLastEventTime
	if byTime && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	desc := in.Descending != nil && *in.Descending
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	var list []*logStream
	for _, st := range g.streams {
		if in.LogStreamNamePrefix == nil || strings.HasPrefix(st.name, *in.LogStreamNamePrefix) {
			list = append(list, st)
		}
	}
	// sortKey orders the streams; the token holds the last key returned.
	sortKey := func(st *logStream) string {
		if byTime {
			return fmt.Sprintf("%020d:%s", lastEventTime(st), st.name)
		}
		return st.name
	}
	slices.SortFunc(list, func(a, b *logStream) int {
		c := strings.Compare(sortKey(a), sortKey(b))
		if desc {
			return -c
		}
		return c
	})
	start := 0
	if in.NextToken != nil {
		after, err := decodeNameToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		start, _ = slices.BinarySearchFunc(list, after, func(st *logStream, k string) int {
			c := strings.Compare(sortKey(st), k)
			if desc {
				return -c
			}
			return c
		})
		if start < len(list) && sortKey(list[start]) == after {
			start++
		}
	}
	limit := defaultDescribe
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	end := min(start+limit, len(list))
	out := &api.DescribeLogStreamsResponse{LogStreams: []api.LogStream{}}
	for _, st := range list[start:end] {
		out.LogStreams = append(out.LogStreams, describeStream(r.key, g, st))
	}
	if end < len(list) {
		out.NextToken = ptr(encodeNameToken(sortKey(list[end-1])))
	}
	return out, nil
}

func lastEventTime(st *logStream) int64 {
	if len(st.events) == 0 {
		return 0
	}
	return st.events[len(st.events)-1].ts
}

func describeStream(k regionKey, g *logGroup, st *logStream) api.LogStream {
	ls := api.LogStream{
		LogStreamName: ptr(st.name),
		CreationTime:  ptr(st.created),
		Arn:           ptr(streamARN(k, g.name, st.name)),
		StoredBytes:   ptr(st.storedBytes),
	}
	if n := len(st.events); n > 0 {
		ls.FirstEventTimestamp = ptr(st.events[0].ts)
		ls.LastEventTimestamp = ptr(st.events[n-1].ts)
	}
	if st.lastIngestion != 0 {
		ls.LastIngestionTime = ptr(st.lastIngestion)
		ls.UploadSequenceToken = ptr(sequenceToken(g.nextSeq))
	}
	return ls
}

// sequenceToken renders a stream's upload sequence token (accepted and
// ignored by PutLogEvents, as AWS now does) in AWS's 56-digit form.
func sequenceToken(n uint64) string {
	s := strconv.FormatUint(n, 10)
	return strings.Repeat("0", 56-len(s)) + s
}
