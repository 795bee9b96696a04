package logs

import (
	"container/heap"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/logs/api"
	"github.com/virga-aws/virga/internal/services/logs/filterpattern"
)

// FilterLogEvents searches a group's streams (all, those named, or those
// with a name prefix) for events in [startTime, endTime] that match the
// filter pattern, interleaved in time order across streams, a page of up to
// limit (default 10,000, at most 1 MB) at a time.
func (s *Store) FilterLogEvents(ctx context.Context, in *api.FilterLogEventsRequest) (*api.FilterLogEventsResponse, error) {
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	pattern, perr := parsePattern(in.FilterPattern)
	if perr != nil {
		return nil, perr
	}
	var after *eventKey
	if in.NextToken != nil {
		k, err := parseFilterToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		after = &k
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	var streams []*logStream
	switch {
	case len(in.LogStreamNames) > 0:
		for _, name := range in.LogStreamNames {
			if st := g.streams[name]; st != nil && !slices.Contains(streams, st) {
				streams = append(streams, st)
			}
		}
	default:
		for _, st := range g.streams {
			if in.LogStreamNamePrefix == nil || strings.HasPrefix(st.name, *in.LogStreamNamePrefix) {
				streams = append(streams, st)
			}
		}
	}
	// Merge the streams' events in (timestamp, seq) order.
	var h cursorHeap
	for _, st := range streams {
		i := 0
		if in.StartTime != nil {
			i = st.lowerBound(eventKey{ts: *in.StartTime})
		}
		if after != nil {
			j := st.lowerBound(*after)
			if j < len(st.events) && st.events[j].key() == *after {
				j++
			}
			i = max(i, j)
		}
		if i < len(st.events) {
			h = append(h, cursor{st, i})
		}
	}
	heap.Init(&h)
	limit := defaultEventsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	out := &api.FilterLogEventsResponse{Events: []api.FilteredLogEvent{}}
	bytes := 0
	for h.Len() > 0 {
		c := h[0]
		e := c.stream.events[c.index]
		if in.EndTime != nil && e.ts > *in.EndTime {
			break
		}
		if c.index+1 < len(c.stream.events) {
			h[0].index++
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if !pattern.Match(e.msg) {
			continue
		}
		if len(out.Events) == limit || bytes+len(e.msg)+eventOverhead > maxResponseBytes {
			last := out.Events[len(out.Events)-1]
			out.NextToken = ptr(filterToken(eventKey{*last.Timestamp, eventSeq(last)}))
			break
		}
		bytes += len(e.msg) + eventOverhead
		out.Events = append(out.Events, api.FilteredLogEvent{
			LogStreamName: ptr(c.stream.name), Timestamp: ptr(e.ts), Message: ptr(e.msg),
			IngestionTime: ptr(e.ingest), EventId: ptr(eventID(e.key())),
		})
	}
	return out, nil
}

func parsePattern(p *string) (*filterpattern.Pattern, *awserr.Error) {
	if p == nil {
		return nil, nil
	}
	pat, err := filterpattern.Parse(*p)
	if err != nil {
		return nil, invalidParameter("Invalid filter pattern")
	}
	return pat, nil
}

type cursor struct {
	stream *logStream
	index  int
}

type cursorHeap []cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	return h[i].stream.events[h[i].index].key().less(h[j].stream.events[h[j].index].key())
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// eventID renders an event's id: 56 digits from its timestamp and its
// sequence in the group, unique within the group.
func eventID(k eventKey) string { return fmt.Sprintf("%020d%036d", k.ts, k.seq) }

func eventSeq(e api.FilteredLogEvent) uint64 {
	var seq uint64
	fmt.Sscanf(strings.TrimLeft((*e.EventId)[20:], "0")+"0", "%d", &seq)
	return seq / 10
}

const filterTokenPrefix = "e1:"

func filterToken(k eventKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(filterTokenPrefix + eventID(k)))
}

func parseFilterToken(tok string) (eventKey, *awserr.Error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), filterTokenPrefix) {
		return eventKey{}, errInvalidToken()
	}
	t, perr := parseStreamToken("f/" + strings.TrimPrefix(string(b), filterTokenPrefix))
	if perr != nil {
		return eventKey{}, perr
	}
	return t.key, nil
}
