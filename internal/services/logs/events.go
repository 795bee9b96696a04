package logs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/logs/api"
)

// PutLogEvents appends a batch to a log stream under AWS's rules: at most
// 10,000 events and 1,048,576 bytes (messages plus 26 bytes each), in
// chronological order, spanning at most 24 hours. Events more than 2 hours
// in the future, more than 14 days old or older than the group's retention
// are rejected and reported in rejectedLogEventsInfo while the rest are
// stored. The sequence token is accepted and ignored.
func (s *Store) PutLogEvents(ctx context.Context, in *api.PutLogEventsRequest) (*api.PutLogEventsResponse, error) {
	if len(in.LogEvents) > maxBatchEvents {
		return nil, invalidParameter("1 validation error detected: Value '%d' at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", len(in.LogEvents), maxBatchEvents)
	}
	size := 0
	for i, e := range in.LogEvents {
		if e.Timestamp == nil || e.Message == nil {
			return nil, invalidParameter("1 validation error detected: Value null at 'logEvents.%d.member.%s' failed to satisfy constraint: Member must not be null", i+1, map[bool]string{true: "timestamp", false: "message"}[e.Timestamp == nil])
		}
		size += len(*e.Message) + eventOverhead
		if i > 0 && *e.Timestamp < *in.LogEvents[i-1].Timestamp {
			return nil, invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return nil, invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
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
	now := s.clock.Now()
	nowMs := millis(now)
	tooOld := millis(now.Add(-maxEventAge))
	tooNew := millis(now.Add(maxEventFuture))
	expired := int64(-1)
	if g.retention != 0 {
		expired = nowMs - int64(g.retention)*86400000
	}
	var info api.RejectedLogEventsInfo
	rejected := false
	first, last := -1, -1
	for i, e := range in.LogEvents {
		ts := *e.Timestamp
		switch {
		case ts > tooNew:
			if info.TooNewLogEventStartIndex == nil {
				info.TooNewLogEventStartIndex = ptr(int32(i))
			}
			rejected = true
		case ts < expired:
			info.ExpiredLogEventEndIndex = ptr(int32(i))
			rejected = true
		case ts < tooOld:
			info.TooOldLogEventEndIndex = ptr(int32(i + 1))
			rejected = true
		default:
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first >= 0 && *in.LogEvents[last].Timestamp-*in.LogEvents[first].Timestamp > maxBatchSpan.Milliseconds() {
		return nil, invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	var evs []event
	if first >= 0 {
		for _, e := range in.LogEvents[first : last+1] {
			ts := *e.Timestamp
			if ts > tooNew || ts < tooOld || ts < expired {
				continue
			}
			g.nextSeq++
			evs = append(evs, event{ts: ts, seq: g.nextSeq, ingest: nowMs, msg: strings.ToValidUTF8(*e.Message, "\uFFFD")})
		}
	}
	if len(evs) > 0 {
		if err := s.persistEvents(r.key, g, st, evs); err != nil {
			return nil, err
		}
		st.insert(evs)
		st.lastIngestion = nowMs
	}
	out := &api.PutLogEventsResponse{NextSequenceToken: ptr(sequenceToken(g.nextSeq))}
	if rejected {
		out.RejectedLogEventsInfo = &info
	}
	return out, nil
}

// GetLogEvents reads a page of one stream's events in [startTime, endTime).
// Without a token it starts at the head (startFromHead) or ends at the tail;
// nextForwardToken and nextBackwardToken continue after the last and before
// the first event returned, and when a direction has no more events the
// token passed in comes back unchanged.
func (s *Store) GetLogEvents(ctx context.Context, in *api.GetLogEventsRequest) (*api.GetLogEventsResponse, error) {
	var tok *streamToken
	if in.NextToken != nil {
		t, err := parseStreamToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		tok = &t
	}
	r, unlock := s.lockRegion(ctx, false)
	defer unlock()
	g, err := s.groupFor(r, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	st := g.streams[str(in.LogStreamName)]
	if st == nil {
		return nil, errStreamNotFound()
	}
	// [lo, hi) is the index range of the events in the time range.
	lo, hi := 0, len(st.events)
	if in.StartTime != nil {
		lo = st.lowerBound(eventKey{ts: *in.StartTime})
	}
	if in.EndTime != nil {
		hi = max(lo, st.lowerBound(eventKey{ts: *in.EndTime}))
	}
	limit := defaultEventsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	forward := in.StartFromHead != nil && *in.StartFromHead
	if tok != nil {
		// The token's direction wins over startFromHead.
		forward = tok.forward
		i := st.lowerBound(tok.key)
		if forward {
			if i < len(st.events) && st.events[i].key() == tok.key {
				i++
			}
			lo = max(lo, i)
		} else {
			hi = min(hi, i)
		}
		hi = max(hi, lo)
	}
	var from, to int // the page is events[from:to]
	if forward {
		from, to = lo, lo
		for bytes := 0; to < hi && to-from < limit; to++ {
			if bytes += len(st.events[to].msg) + eventOverhead; bytes > maxResponseBytes {
				break
			}
		}
	} else {
		from, to = hi, hi
		for bytes := 0; from > lo && to-from < limit; from-- {
			if bytes += len(st.events[from-1].msg) + eventOverhead; bytes > maxResponseBytes {
				break
			}
		}
	}
	out := &api.GetLogEventsResponse{Events: make([]api.OutputLogEvent, 0, to-from)}
	for _, e := range st.events[from:to] {
		out.Events = append(out.Events, api.OutputLogEvent{Timestamp: ptr(e.ts), Message: ptr(e.msg), IngestionTime: ptr(e.ingest)})
	}
	if to > from {
		out.NextForwardToken = ptr(streamToken{true, st.events[to-1].key()}.String())
		out.NextBackwardToken = ptr(streamToken{false, st.events[from].key()}.String())
		return out, nil
	}
	// Nothing returned: the token passed in comes back for its direction;
	// the other direction resumes from the same place.
	at := eventKey{}
	if in.StartTime != nil {
		at.ts = *in.StartTime
	}
	if tok != nil {
		at = tok.key
	}
	fwd, back := streamToken{true, at}.String(), streamToken{false, at}.String()
	if tok != nil {
		if tok.forward {
			fwd = *in.NextToken
		} else {
			// Going forward from here must include the event at the
			// token, so resume just before it.
			if at.seq > 0 {
				at.seq--
			}
			fwd, back = streamToken{true, at}.String(), *in.NextToken
		}
	}
	out.NextForwardToken, out.NextBackwardToken = &fwd, &back
	return out, nil
}

// streamToken is a GetLogEvents token: a direction and an event key,
// written as AWS writes its tokens: "f/" or "b/", 56 digits, "/s".
type streamToken struct {
	forward bool
	key     eventKey
}

func (t streamToken) String() string {
	dir := "b"
	if t.forward {
		dir = "f"
	}
	return fmt.Sprintf("%s/%020d%036d/s", dir, t.key.ts, t.key.seq)
}

func parseStreamToken(s string) (streamToken, *awserr.Error) {
	var t streamToken
	dir, rest, ok := strings.Cut(s, "/")
	if !ok || (dir != "f" && dir != "b") {
		return t, errInvalidToken()
	}
	digits, _ := strings.CutSuffix(rest, "/s")
	if len(digits) != 56 || !utf8.ValidString(digits) {
		return t, errInvalidToken()
	}
	ts, err1 := strconv.ParseInt(digits[:20], 10, 64)
	seq, err2 := strconv.ParseUint(strings.TrimLeft(digits[20:], "0")+"0", 10, 64)
	if err1 != nil || err2 != nil || ts < 0 {
		return t, errInvalidToken()
	}
	t.forward = dir == "f"
	t.key = eventKey{ts: ts, seq: seq / 10}
	return t, nil
}
