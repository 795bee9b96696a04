package dynamodb

import (
	"bytes"
	"hash/fnv"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virga-aws/virga/internal/model"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// keySchema names a table's or index's key attributes and their types.
type keySchema struct {
	hash, rng         string
	hashType, rngType string
}

// index is a global or local secondary index: its own ordered store of
// the items that have its key attributes (sparse), projected at read.
type index struct {
	name     string
	arn      string
	global   bool
	key      keySchema
	projType string
	nonKey   []string
	rcu, wcu int64
	created  time.Time
	data     *store
}

// table is one DynamoDB table. mu guards everything below it: writers take
// it exclusively, readers (GetItem, Query, Scan) share it.
type table struct {
	name, arn, id    string
	account, region  string
	created          time.Time
	key              keySchema
	attrDefs         []api.AttributeDefinition
	mu               sync.RWMutex
	billing          string
	billingUpdated   time.Time
	rcu, wcu         int64
	lsis, gsis       []*index
	stream           *stream
	streams          []*stream
	streamViewType   string
	ttlAttr          string
	ttlEnabled       bool
	tags             []api.Tag
	deletionProtect  bool
	tableClass       string
	sse              *api.SSESpecification
	onDemand         *api.OnDemandThroughput
	data             *store
	itemCount, bytes int64
	deleted          bool
	orderMu          sync.Mutex
}

// entry is one item in a partition, ordered by its sort key bytes.
type entry struct {
	sk []byte
	*record
}

// record is a stored item with what reads need of it: its size and,
// made on the first read that returns it whole, its wire encoding. The
// item is immutable (a write stores a new record), so neither ever goes
// stale; a table's store and its indexes share one record per item.
// A read's response also wraps the items it makes (projections) in
// transient records, which keep no encoding.
type record struct {
	item      expr.Item
	size      int
	transient bool
	wire      atomic.Pointer[wireEncoding]
}

// wireEncoding is an item's awsJson encoding as a value of shape.
type wireEncoding struct {
	shape *model.Shape
	json  []byte
}

func newRecord(item expr.Item) *record {
	return &record{item: item, size: itemSize(item)}
}

// partition holds the items sharing a partition key value, in sort-key
// order.
type partition struct {
	key     string
	hash    uint32
	hashVal api.AttributeValue
	entries []entry
}

// store is an ordered item store: partitions by encoded partition key,
// each sorted by encoded sort key. Scans walk partitions in hash order,
// as DynamoDB does, so parallel-scan segments are contiguous.
type store struct {
	parts map[string]*partition
	order []*partition // sorted by (hash, key); nil when stale
}

func newStore() *store { return &store{parts: map[string]*partition{}} }

func partHash(key string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()
}

func (p *partition) find(sk []byte) (int, bool) {
	i := sort.Search(len(p.entries), func(i int) bool { return bytes.Compare(p.entries[i].sk, sk) >= 0 })
	return i, i < len(p.entries) && bytes.Equal(p.entries[i].sk, sk)
}

// get returns the item at (pk, sk), or nil.
func (s *store) get(pk string, sk []byte) expr.Item {
	if r := s.lookup(pk, sk); r != nil {
		return r.item
	}
	return nil
}

// lookup returns the record at (pk, sk), or nil.
func (s *store) lookup(pk string, sk []byte) *record {
	p := s.parts[pk]
	if p == nil {
		return nil
	}
	if i, ok := p.find(sk); ok {
		return p.entries[i].record
	}
	return nil
}

// put stores rec under (pk, sk), returning the record it replaced.
func (s *store) put(pk string, hv api.AttributeValue, sk []byte, rec *record) *record {
	p := s.parts[pk]
	if p == nil {
		p = &partition{key: pk, hash: partHash(pk), hashVal: hv}
		s.parts[pk] = p
		s.order = nil
	}
	i, ok := p.find(sk)
	if ok {
		old := p.entries[i].record
		p.entries[i].record = rec
		return old
	}
	p.entries = append(p.entries, entry{})
	copy(p.entries[i+1:], p.entries[i:])
	p.entries[i] = entry{sk: sk, record: rec}
	return nil
}

// remove deletes (pk, sk), returning the removed record.
func (s *store) remove(pk string, sk []byte) *record {
	p := s.parts[pk]
	if p == nil {
		return nil
	}
	i, ok := p.find(sk)
	if !ok {
		return nil
	}
	old := p.entries[i].record
	p.entries = append(p.entries[:i], p.entries[i+1:]...)
	if len(p.entries) == 0 {
		delete(s.parts, pk)
		s.order = nil
	}
	return old
}

// ordered returns the partitions in scan order. The caller holds the
// table's lock; a reader that finds the order stale rebuilds it under
// orderMu.
func (s *store) ordered(mu *sync.Mutex) []*partition {
	mu.Lock()
	defer mu.Unlock()
	if s.order == nil {
		order := make([]*partition, 0, len(s.parts))
		for _, p := range s.parts {
			order = append(order, p)
		}
		sort.Slice(order, func(i, j int) bool {
			if order[i].hash != order[j].hash {
				return order[i].hash < order[j].hash
			}
			return order[i].key < order[j].key
		})
		s.order = order
	}
	return s.order
}

// encodeKey appends an order-preserving encoding of a key value (S, N or
// B): bytes.Compare on encodings orders values as DynamoDB does.
func encodeKey(buf []byte, v *api.AttributeValue) []byte {
	switch {
	case v.S != nil:
		return encodeBytes(append(buf, 's'), []byte(*v.S))
	case v.B != nil:
		return encodeBytes(append(buf, 'b'), v.B)
	case v.N != nil:
		d, _ := expr.ParseNumber(*v.N)
		buf = append(buf, 'n')
		switch {
		case d.Digits == "":
			return append(buf, 2)
		case !d.Neg:
			e := uint16(d.Exp + 0x8000)
			buf = append(buf, 3, byte(e>>8), byte(e))
			buf = append(buf, d.Digits...)
			return append(buf, 0)
		default:
			e := uint16(0x8000 - d.Exp)
			buf = append(buf, 1, byte(e>>8), byte(e))
			for i := 0; i < len(d.Digits); i++ {
				buf = append(buf, '9'-d.Digits[i]+'0')
			}
			return append(buf, 0xFF)
		}
	}
	return buf
}

func encodeBytes(buf, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			buf = append(buf, 0, 0xFF)
		} else {
			buf = append(buf, c)
		}
	}
	return append(buf, 0, 1)
}
