package dynamodb

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// Journal layout (see internal/state): one record per table in nsTables,
// keyed "<account>/<region>/<name>", and one per item in the table's items
// namespace, keyed by the hex of its encoded primary key, holding the item
// in DynamoDB JSON. Streams and idempotency tokens are not journaled.
const (
	nsTables      = "dynamodb/tables"
	nsItemsPrefix = "dynamodb/items/"
)

func tableKey(t *table) string { return t.account + "/" + t.region + "/" + t.name }

func itemsNamespace(t *table) string { return nsItemsPrefix + tableKey(t) + "/" + t.id }

// tableRecord is a table's journal record.
type tableRecord struct {
	Account, Region, Name, ID string
	Created                   int64
	Input                     *api.CreateTableInput
	Billing                   string
	RCU, WCU                  int64
	TTLAttr                   string
	TTLEnabled                bool
	Tags                      []api.Tag
	DeletionProtect           bool
	TableClass                string
	StreamViewType            string
	StreamCreated             int64
	GSIs                      []api.GlobalSecondaryIndex
}

// tableEntry encodes t's record as the journal and snapshots store it:
// namespace, key and JSON value. The caller holds t.mu.
func tableEntry(t *table) (ns, key string, value []byte, err error) {
	rec := tableRecord{
		Account: t.account, Region: t.region, Name: t.name, ID: t.id, Created: t.created.UnixNano(),
		Input:   &api.CreateTableInput{AttributeDefinitions: t.attrDefs, KeySchema: t.key.elements(), SSESpecification: t.sse},
		Billing: t.billing, RCU: t.rcu, WCU: t.wcu, TTLAttr: t.ttlAttr, TTLEnabled: t.ttlEnabled, Tags: t.tags,
		DeletionProtect: t.deletionProtect, TableClass: t.tableClass,
	}
	for _, ix := range t.lsis {
		rec.Input.LocalSecondaryIndexes = append(rec.Input.LocalSecondaryIndexes, api.LocalSecondaryIndex{
			IndexName: ptr(ix.name), KeySchema: ix.key.elements(), Projection: ix.projection()})
	}
	for _, ix := range t.gsis {
		rec.GSIs = append(rec.GSIs, api.GlobalSecondaryIndex{IndexName: ptr(ix.name), KeySchema: ix.key.elements(),
			Projection: ix.projection(), ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: ptr(ix.rcu), WriteCapacityUnits: ptr(ix.wcu)}})
	}
	if t.stream != nil && t.stream.enabled {
		rec.StreamViewType, rec.StreamCreated = t.stream.viewType, t.stream.created.UnixNano()
	}
	value, err = json.Marshal(rec)
	return nsTables, tableKey(t), value, err
}

// itemEntry encodes an item's record (namespace, key and DynamoDB JSON
// value) under its encoded primary key (pk, sk).
func itemEntry(t *table, pk string, sk []byte, item expr.Item) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(itemWire(item))
	return itemsNamespace(t), itemKey(pk, sk), value, err
}

// itemKey is an item's journal key: its encoded primary key in hex.
func itemKey(pk string, sk []byte) string {
	return hex.EncodeToString([]byte(pk)) + "." + hex.EncodeToString(sk)
}

func (s *Service) persistTable(t *table) *awserr.Error {
	if !s.persistent {
		return nil
	}
	t.mu.RLock()
	if t.deleted {
		t.mu.RUnlock()
		return nil
	}
	ns, key, b, err := tableEntry(t)
	t.mu.RUnlock()
	if err != nil {
		return awserr.Internal(err)
	}
	if err := s.journal.Put(ns, key, b); err != nil {
		return awserr.Internal(err)
	}
	return nil
}

func (s *Service) unpersistTable(t *table) *awserr.Error {
	if !s.persistent {
		return nil
	}
	if err := s.journal.DeletePrefix(itemsNamespace(t), ""); err != nil {
		return awserr.Internal(err)
	}
	if err := s.journal.Delete(nsTables, tableKey(t)); err != nil {
		return awserr.Internal(err)
	}
	return nil
}

// persistItem journals an item (nil: its deletion). The caller holds t.mu.
func (s *Service) persistItem(t *table, pk string, sk []byte, item expr.Item) *awserr.Error {
	var err error
	if item == nil {
		err = s.journal.Delete(itemsNamespace(t), itemKey(pk, sk))
	} else {
		var ns, key string
		var b []byte
		if ns, key, b, err = itemEntry(t, pk, sk, item); err == nil {
			err = s.journal.Put(ns, key, b)
		}
	}
	if err != nil {
		return awserr.Internal(err)
	}
	return nil
}

// restore rebuilds the tables and items recorded in the journal, or in a
// snapshot (Restore). strict, for snapshots, also rejects items of a table
// with no record, duplicate tables and items, and items filed under a key
// that is not theirs. Restored items are not recorded in streams.
func (s *Service) restore(replay func(func(ns, key string, value []byte) error) error, strict bool) error {
	byNS := map[string]*table{}
	return replay(func(ns, key string, value []byte) error {
		switch {
		case ns == nsTables:
			var rec tableRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("table record %s: %w", key, err)
			}
			t, err := s.tableFromRecord(&rec)
			if err != nil {
				return fmt.Errorf("table record %s: %s", key, err.Message)
			}
			k := regionKey{rec.Account, rec.Region}
			if strict && (key != tableKey(t) || checkTableName(t.name) != nil || rec.Account == "" || rec.Region == "" || s.tables[k][t.name] != nil) {
				return fmt.Errorf("table record %s: bad or duplicate name", key)
			}
			if s.tables[k] == nil {
				s.tables[k] = map[string]*table{}
			}
			s.tables[k][t.name] = t
			byNS[itemsNamespace(t)] = t
		case strings.HasPrefix(ns, nsItemsPrefix):
			t := byNS[ns]
			if t == nil {
				if strict {
					return fmt.Errorf("item record %s %s: no such table", ns, key)
				}
				return nil
			}
			var raw map[string]any
			if err := json.Unmarshal(value, &raw); err != nil {
				return fmt.Errorf("item record %s: %w", key, err)
			}
			item := expr.Item{}
			for k, v := range raw {
				item[k] = avFromWire(v)
			}
			pk, hv, sk, aerr := t.keyOf(item)
			if aerr != nil {
				return fmt.Errorf("item record %s: %s", key, aerr.Message)
			}
			if strict && (key != itemKey(pk, sk) || t.data.get(pk, sk) != nil) {
				return fmt.Errorf("item record %s %s: key does not match the item, or duplicate", ns, key)
			}
			persistent, st := s.persistent, t.stream
			s.persistent, t.stream = false, nil
			s.write(t, pk, hv, sk, item, false)
			s.persistent, t.stream = persistent, st
		}
		return nil
	})
}

func (s *Service) tableFromRecord(rec *tableRecord) (*table, *awserr.Error) {
	if rec.Input == nil {
		return nil, validationf("no key schema")
	}
	defs := map[string]string{}
	for _, d := range rec.Input.AttributeDefinitions {
		defs[deref(d.AttributeName)] = deref(d.AttributeType)
	}
	key, err := parseKeySchema(rec.Input.KeySchema, defs)
	if err != nil {
		return nil, err
	}
	k := regionKey{rec.Account, rec.Region}
	t := &table{name: rec.Name, arn: tableARN(k, rec.Name), id: rec.ID, account: rec.Account, region: rec.Region,
		created: time.Unix(0, rec.Created), key: key, attrDefs: rec.Input.AttributeDefinitions, billing: rec.Billing,
		rcu: rec.RCU, wcu: rec.WCU, ttlAttr: rec.TTLAttr, ttlEnabled: rec.TTLEnabled, tags: rec.Tags,
		deletionProtect: rec.DeletionProtect, tableClass: rec.TableClass, sse: rec.Input.SSESpecification, data: newStore()}
	used := map[string]bool{}
	for _, l := range rec.Input.LocalSecondaryIndexes {
		ix, err := newIndex(l.IndexName, l.KeySchema, l.Projection, defs, used, false)
		if err != nil {
			return nil, err
		}
		ix.arn, ix.created = t.arn+"/index/"+ix.name, t.created
		t.lsis = append(t.lsis, ix)
	}
	for _, g := range rec.GSIs {
		ix, err := newIndex(g.IndexName, g.KeySchema, g.Projection, defs, used, true)
		if err != nil {
			return nil, err
		}
		ix.arn, ix.created = t.arn+"/index/"+ix.name, t.created
		if pt := g.ProvisionedThroughput; pt != nil {
			ix.rcu, ix.wcu = deref64(pt.ReadCapacityUnits), deref64(pt.WriteCapacityUnits)
		}
		t.gsis = append(t.gsis, ix)
	}
	if rec.StreamViewType != "" {
		t.enableStream(rec.StreamViewType, time.Unix(0, rec.StreamCreated))
	}
	return t, nil
}

// itemWire renders an item in DynamoDB JSON as plain Go values, for error
// documents and the journal.
func itemWire(item expr.Item) map[string]any {
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = avWire(&v)
	}
	return out
}

func avWire(v *api.AttributeValue) map[string]any {
	switch {
	case v.S != nil:
		return map[string]any{"S": *v.S}
	case v.N != nil:
		return map[string]any{"N": *v.N}
	case v.B != nil:
		return map[string]any{"B": v.B}
	case v.BOOL != nil:
		return map[string]any{"BOOL": *v.BOOL}
	case v.NULL != nil:
		return map[string]any{"NULL": true}
	case v.SS != nil:
		return map[string]any{"SS": strs(v.SS)}
	case v.NS != nil:
		return map[string]any{"NS": strs(v.NS)}
	case v.BS != nil:
		l := make([]any, len(v.BS))
		for i, b := range v.BS {
			l[i] = b
		}
		return map[string]any{"BS": l}
	case v.M != nil:
		return map[string]any{"M": itemWire(v.M)}
	case v.L != nil:
		l := make([]any, len(v.L))
		for i := range v.L {
			l[i] = avWire(&v.L[i])
		}
		return map[string]any{"L": l}
	}
	return map[string]any{}
}

func strs(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// avFromWire converts DynamoDB JSON (as decoded by encoding/json) back.
func avFromWire(raw any) api.AttributeValue {
	m, _ := raw.(map[string]any)
	var v api.AttributeValue
	for k, x := range m {
		switch k {
		case "S":
			s, _ := x.(string)
			v.S = &s
		case "N":
			s, _ := x.(string)
			v.N = &s
		case "B":
			s, _ := x.(string)
			b, _ := base64.StdEncoding.DecodeString(s)
			if b == nil {
				b = []byte{}
			}
			v.B = b
		case "BOOL":
			b, _ := x.(bool)
			v.BOOL = &b
		case "NULL":
			v.NULL = ptr(true)
		case "SS", "NS", "BS":
			l, _ := x.([]any)
			for _, e := range l {
				s, _ := e.(string)
				switch k {
				case "SS":
					v.SS = append(v.SS, s)
				case "NS":
					v.NS = append(v.NS, s)
				default:
					b, _ := base64.StdEncoding.DecodeString(s)
					v.BS = append(v.BS, b)
				}
			}
		case "M":
			mm, _ := x.(map[string]any)
			v.M = map[string]api.AttributeValue{}
			for mk, mv := range mm {
				v.M[mk] = avFromWire(mv)
			}
		case "L":
			l, _ := x.([]any)
			v.L = make([]api.AttributeValue, 0, len(l))
			for _, e := range l {
				v.L = append(v.L, avFromWire(e))
			}
		}
	}
	return v
}
