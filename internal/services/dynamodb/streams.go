package dynamodb

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// StreamRetention is how long stream records stay readable
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
const StreamRetention = 24 * time.Hour

// stream is a table's change stream: one shard of records in sequence
// order. mu guards records, so readers need not take the table's lock.
type stream struct {
	arn, label, viewType, shardID string
	tableName                     string
	key                           keySchema
	created                       time.Time
	enabled                       bool
	disabledAt                    time.Time

	mu      sync.Mutex
	records []StreamRecord
	nextSeq uint64
	// trimmedThrough is the last sequence number retention dropped.
	trimmedThrough string
}

// seqBase starts every stream's sequence numbers.
const seqBase uint64 = 1_000_000_000_000_000_000

// StreamRecord is one change as DynamoDB Streams records it. Consumers
// in the process (Lambda event-source mappings) read these directly.
type StreamRecord struct {
	EventID        string
	EventName      string // INSERT, MODIFY or REMOVE
	SequenceNumber string
	Created        time.Time
	Keys           map[string]api.AttributeValue
	NewImage       map[string]api.AttributeValue
	OldImage       map[string]api.AttributeValue
	SizeBytes      int64
	ViewType       string
	// TTL marks a deletion made by Time to Live, which AWS records with
	// userIdentity {type: Service, principalId: dynamodb.amazonaws.com}.
	TTL bool
}

// StreamInfo describes a stream for the streams API.
type StreamInfo struct {
	ARN, Label, TableName, ViewType, ShardID string
	// Status is ENABLED or DISABLED.
	Status    string
	Created   time.Time
	KeySchema []api.KeySchemaElement
	// Closed is when the shard closed (the stream was disabled), or zero.
	Closed time.Time
	// FirstSequence and LastSequence bound the shard's records ever written.
	FirstSequence, LastSequence string
}

// enableStream starts a new stream. The caller holds t.mu.
func (t *table) enableStream(viewType string, now time.Time) {
	label := now.UTC().Format("2006-01-02T15:04:05.000")
	t.stream = &stream{
		arn: t.arn + "/stream/" + label, label: label, viewType: viewType, tableName: t.name, key: t.key,
		shardID: fmt.Sprintf("shardId-%020d-%08x", now.UnixMilli(), partHash(t.arn+label)),
		created: now, enabled: true, nextSeq: seqBase,
	}
	t.streams = append(t.streams, t.stream)
}

func (st *stream) disable(now time.Time) {
	st.enabled = false
	st.disabledAt = now
}

func seqString(n uint64) string { return fmt.Sprintf("%021d", n) }

// record appends the change from old to item. The caller holds t.mu.
func (st *stream) record(s *Service, t *table, old, item expr.Item, ttl bool) {
	var name string
	switch {
	case old == nil && item == nil:
		return
	case old == nil:
		name = "INSERT"
	case item == nil:
		name = "REMOVE"
	default:
		if expr.Equal(&api.AttributeValue{M: old}, &api.AttributeValue{M: item}) {
			return
		}
		name = "MODIFY"
	}
	src := item
	if src == nil {
		src = old
	}
	r := StreamRecord{EventID: s.ids.Hex(32), EventName: name, Created: s.now(), Keys: t.keyItem(src), ViewType: st.viewType, TTL: ttl}
	size := itemSize(r.Keys)
	switch st.viewType {
	case "NEW_IMAGE":
		r.NewImage = item
	case "OLD_IMAGE":
		r.OldImage = old
	case "NEW_AND_OLD_IMAGES":
		r.NewImage, r.OldImage = item, old
	}
	if r.NewImage != nil {
		size += itemSize(r.NewImage)
	}
	if r.OldImage != nil {
		size += itemSize(r.OldImage)
	}
	r.SizeBytes = int64(size)
	st.mu.Lock()
	st.nextSeq++
	r.SequenceNumber = seqString(st.nextSeq)
	st.records = append(st.records, r)
	st.trimLocked(s.now())
	st.mu.Unlock()
}

// trimLocked drops records past the retention period.
func (st *stream) trimLocked(now time.Time) {
	cut := sort.Search(len(st.records), func(i int) bool { return now.Sub(st.records[i].Created) < StreamRetention })
	if cut > 0 {
		st.trimmedThrough = st.records[cut-1].SequenceNumber
		st.records = append(st.records[:0:0], st.records[cut:]...)
	}
}

func (st *stream) info() StreamInfo {
	st.mu.Lock()
	defer st.mu.Unlock()
	in := StreamInfo{ARN: st.arn, Label: st.label, TableName: st.tableName, ViewType: st.viewType, ShardID: st.shardID,
		Status: "ENABLED", Created: st.created, KeySchema: st.key.elements(), Closed: st.disabledAt}
	if !st.enabled {
		in.Status = "DISABLED"
	}
	if len(st.records) > 0 {
		in.FirstSequence = st.records[0].SequenceNumber
		in.LastSequence = st.records[len(st.records)-1].SequenceNumber
	}
	return in
}

// Streams lists the streams of an account and region (of one table when
// tableName is set), newest first per table, as ListStreams does.
func (s *Service) Streams(account, region, tableName string) []StreamInfo {
	s.mu.RLock()
	var tables []*table
	for name, t := range s.tables[regionKey{account, region}] {
		if tableName == "" || name == tableName {
			tables = append(tables, t)
		}
	}
	s.mu.RUnlock()
	sort.Slice(tables, func(i, j int) bool { return tables[i].name < tables[j].name })
	var out []StreamInfo
	for _, t := range tables {
		t.mu.RLock()
		for i := len(t.streams) - 1; i >= 0; i-- {
			if s.now().Sub(t.streams[i].created) < StreamRetention || t.streams[i].enabled {
				out = append(out, t.streams[i].info())
			}
		}
		t.mu.RUnlock()
	}
	return out
}

// streamByARN finds a stream by ARN.
func (s *Service) streamByARN(arn string) *stream {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, byName := range s.tables {
		for _, t := range byName {
			t.mu.RLock()
			for _, st := range t.streams {
				if st.arn == arn {
					t.mu.RUnlock()
					return st
				}
			}
			t.mu.RUnlock()
		}
	}
	return nil
}

// Stream describes the stream with the given ARN.
func (s *Service) Stream(arn string) (StreamInfo, bool) {
	st := s.streamByARN(arn)
	if st == nil {
		return StreamInfo{}, false
	}
	return st.info(), true
}

// ReadStream returns up to limit records of a stream's shard whose
// sequence numbers are greater than after ("" reads from the oldest
// record kept), with trimmed reports whether after precedes what
// retention kept (so records were lost).
func (s *Service) ReadStream(arn, after string, limit int) (records []StreamRecord, trimmed bool, ok bool) {
	st := s.streamByARN(arn)
	if st == nil {
		return nil, false, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.trimLocked(s.now())
	i := 0
	if after != "" {
		i = sort.Search(len(st.records), func(i int) bool { return st.records[i].SequenceNumber > after })
		trimmed = after < st.trimmedThrough
	}
	end := min(len(st.records), i+limit)
	return append([]StreamRecord(nil), st.records[i:end]...), trimmed, true
}
