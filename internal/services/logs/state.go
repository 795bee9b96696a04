package logs

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/services/logs/api"
)

// Limits (docs/limits.md).
const (
	maxBatchEvents     = 10000
	maxBatchBytes      = 1048576
	eventOverhead      = 26
	maxBatchSpan       = 24 * time.Hour
	maxEventAge        = 14 * 24 * time.Hour
	maxEventFuture     = 2 * time.Hour
	maxResponseBytes   = 1048576
	defaultEventsLimit = 10000
	defaultDescribe    = 50
	maxSubscriptions   = 2
	maxMetricFilters   = 100
	maxTags            = 50
)

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

type regionKey struct{ account, region string }

// region holds the log groups of one account in one region; mu guards the
// groups and everything inside them.
type region struct {
	key    regionKey
	mu     sync.Mutex
	groups map[string]*logGroup
	// gone is set when a reset or state load replaced the region, so that an
	// in-process writer that found it before looks it up again.
	gone bool
}

type logGroup struct {
	name               string
	created            int64 // ms
	retention          int32 // days; 0 means never expire
	class              string
	kmsKeyID           string
	deletionProtection bool
	tags               map[string]string
	streams            map[string]*logStream
	subscriptions      map[string]*api.SubscriptionFilter
	metricFilters      map[string]*api.MetricFilter
	// nextSeq numbers the group's events, so (timestamp, seq) orders the
	// events of all its streams and names each one uniquely.
	nextSeq uint64
}

type logStream struct {
	name          string
	created       int64
	lastIngestion int64
	storedBytes   int64
	// events are ordered by (ts, seq).
	events []event
}

type event struct {
	ts     int64
	seq    uint64
	ingest int64
	msg    string
}

// eventKey orders events: by timestamp, then by arrival.
type eventKey struct {
	ts  int64
	seq uint64
}

func (e event) key() eventKey { return eventKey{e.ts, e.seq} }

func (a eventKey) less(b eventKey) bool {
	return a.ts < b.ts || a.ts == b.ts && a.seq < b.seq
}

func groupARN(k regionKey, name string) string {
	return "arn:aws:logs:" + k.region + ":" + k.account + ":log-group:" + name
}

func streamARN(k regionKey, group, stream string) string {
	return groupARN(k, group) + ":log-stream:" + stream
}

func millis(t time.Time) int64 { return t.UnixMilli() }

// insert adds events (in any order) to the stream, keeping it ordered.
func (st *logStream) insert(evs []event) {
	for _, e := range evs {
		st.storedBytes += int64(len(e.msg))
		n := len(st.events)
		if n == 0 || !e.key().less(st.events[n-1].key()) {
			st.events = append(st.events, e)
			continue
		}
		i := sort.Search(n, func(i int) bool { return e.key().less(st.events[i].key()) })
		st.events = slices.Insert(st.events, i, e)
	}
}

// lowerBound is the index of the first event with key >= k.
func (st *logStream) lowerBound(k eventKey) int {
	return sort.Search(len(st.events), func(i int) bool { return !st.events[i].key().less(k) })
}

// expire drops the events of g older than its retention, returning them by
// stream so the caller can journal their removal.
func (g *logGroup) expire(now time.Time) map[*logStream][]event {
	if g.retention == 0 {
		return nil
	}
	cutoff := millis(now.Add(-time.Duration(g.retention) * 24 * time.Hour))
	var gone map[*logStream][]event
	for _, st := range g.streams {
		i := st.lowerBound(eventKey{ts: cutoff})
		if i == 0 {
			continue
		}
		if gone == nil {
			gone = map[*logStream][]event{}
		}
		dropped := slices.Clone(st.events[:i])
		for _, e := range dropped {
			st.storedBytes -= int64(len(e.msg))
		}
		st.events = slices.Delete(st.events, 0, i)
		gone[st] = dropped
	}
	return gone
}

func (g *logGroup) storedBytes() int64 {
	var n int64
	for _, st := range g.streams {
		n += st.storedBytes
	}
	return n
}

func newGroup(name string, created int64) *logGroup {
	return &logGroup{
		name: name, created: created, class: api.LogGroupClassSTANDARD,
		tags:          map[string]string{},
		streams:       map[string]*logStream{},
		subscriptions: map[string]*api.SubscriptionFilter{},
		metricFilters: map[string]*api.MetricFilter{},
	}
}

// Event is a log event handed to [Store.Append].
type Event struct {
	// Time is when the event occurred.
	Time time.Time
	// Message is the event text.
	Message string
}

// Append writes events to a log stream in-process, creating the log group
// and stream when absent (as Lambda does for /aws/lambda/<function>).
// Events may come in any order; AWS's batch limits do not apply, but empty
// messages are dropped and invalid UTF-8 is replaced, as the API would not
// accept them. It fails only for invalid names or a journal error.
func (s *Store) Append(account, regionName, group, stream string, events []Event) error {
	if err := checkName(group, stream); err != nil {
		return err
	}
	r, unlock := s.lockRegionKey(regionKey{account, regionName}, true)
	defer unlock()
	now := s.clock.Now()
	g := r.groups[group]
	if g == nil {
		g = newGroup(group, millis(now))
		r.groups[group] = g
		if err := s.persistGroup(r.key, g); err != nil {
			return err
		}
	}
	st := g.streams[stream]
	if st == nil {
		st = &logStream{name: stream, created: millis(now)}
		g.streams[stream] = st
		if err := s.persistStream(r.key, g, st); err != nil {
			return err
		}
	}
	evs := make([]event, 0, len(events))
	for _, e := range events {
		if e.Message == "" {
			continue
		}
		msg := strings.ToValidUTF8(e.Message, "\uFFFD")
		g.nextSeq++
		evs = append(evs, event{ts: millis(e.Time), seq: g.nextSeq, ingest: millis(now), msg: msg})
	}
	if len(evs) == 0 {
		return nil
	}
	st.insert(evs)
	st.lastIngestion = millis(now)
	return s.persistEvents(r.key, g, st, evs)
}

// Events returns the events of a log stream in time order, or an error when
// the group or stream does not exist.
func (s *Store) Events(account, regionName, group, stream string) ([]Event, error) {
	r, unlock := s.lockRegionKey(regionKey{account, regionName}, false)
	defer unlock()
	if r == nil {
		return nil, errGroupNotFound()
	}
	g := r.groups[group]
	if g == nil {
		return nil, errGroupNotFound()
	}
	s.expire(r.key, g)
	st := g.streams[stream]
	if st == nil {
		return nil, errStreamNotFound()
	}
	out := make([]Event, len(st.events))
	for i, e := range st.events {
		out[i] = Event{Time: time.UnixMilli(e.ts), Message: e.msg}
	}
	return out, nil
}

// checkName applies the model's name rules to names given to Append.
func checkName(group, stream string) error {
	if group == "" || len(group) > 512 || strings.IndexFunc(group, func(r rune) bool {
		return !(r == '.' || r == '-' || r == '_' || r == '/' || r == '#' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) >= 0 {
		return fmt.Errorf("logs: invalid log group name %q", group)
	}
	if stream == "" || len(stream) > 512 || strings.ContainsAny(stream, ":*") || !utf8.ValidString(stream) {
		return fmt.Errorf("logs: invalid log stream name %q", stream)
	}
	return nil
}

// expire applies g's retention now and journals what it dropped. The
// caller holds the region lock.
func (s *Store) expire(k regionKey, g *logGroup) {
	gone := g.expire(s.clock.Now())
	for st, evs := range gone {
		s.unpersistEvents(k, g, st, evs)
	}
}
