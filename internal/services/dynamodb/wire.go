package dynamodb

import (
	"context"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// Reads that return whole stored items (GetItem, Query, Scan) answer the
// gateway with wire outputs: the generated output types with the items
// as records, which the awsJson codec writes through awsjson.Marshaler,
// splicing each record's cached encoding. The encoding is made by the
// codec's own model-driven encoder the first time the record is returned
// and kept until the item is replaced, so a Query of 100 items copies 100
// encodings instead of walking 100 maps. The api.Service methods keep
// their generated output types for in-process callers.

// AppendAWSJSON writes the item as JSON of r's shape (an AttributeMap):
// a stored record's cached encoding, made on first use.
func (rec *record) AppendAWSJSON(buf []byte, r *model.Ref) ([]byte, bool) {
	if rec.item == nil {
		return buf, false
	}
	if rec.transient {
		return awsjson.AppendTyped(buf, rec.item, r), true
	}
	if w := rec.wire.Load(); w != nil && w.shape == r.Shape {
		return append(buf, w.json...), true
	}
	start := len(buf)
	buf = awsjson.AppendTyped(buf, rec.item, r)
	rec.wire.Store(&wireEncoding{shape: r.Shape, json: append([]byte(nil), buf[start:]...)})
	return buf, true
}

// recordItems returns the records' items.
func recordItems(recs []*record) []map[string]api.AttributeValue {
	if recs == nil {
		return nil
	}
	out := make([]map[string]api.AttributeValue, len(recs))
	for i, r := range recs {
		out[i] = r.item
	}
	return out
}

// getItemWire is api.GetItemOutput with the item as a record.
type getItemWire struct {
	Item             *record               `aws:"Item"`
	ConsumedCapacity *api.ConsumedCapacity `aws:"ConsumedCapacity"`
}

// pageWire is api.QueryOutput, and api.ScanOutput (the same members in
// the same order), with the items as records.
type pageWire struct {
	Items            []*record                     `aws:"Items"`
	Count            *int32                        `aws:"Count"`
	ScannedCount     *int32                        `aws:"ScannedCount"`
	LastEvaluatedKey map[string]api.AttributeValue `aws:"LastEvaluatedKey"`
	ConsumedCapacity *api.ConsumedCapacity         `aws:"ConsumedCapacity"`
}

// wire is r as a Query or Scan answer.
func (r *readResult) wire() *pageWire {
	return &pageWire{Items: r.items, Count: r.count, ScannedCount: r.scanned, LastEvaluatedKey: r.last, ConsumedCapacity: r.capacity}
}

// wireOperations replaces the handlers of GetItem, Query and Scan in the
// generated operation table with ones returning wire outputs.
func (s *Service) wireOperations(ops map[string]service.Operation) map[string]service.Operation {
	ops["GetItem"] = service.Operation{NewInput: ops["GetItem"].NewInput, Call: func(ctx context.Context, in any) (any, error) {
		out, err := s.getItem(ctx, in.(*api.GetItemInput))
		if err != nil {
			return nil, err
		}
		return out, nil
	}}
	ops["Query"] = service.Operation{NewInput: ops["Query"].NewInput, Call: func(ctx context.Context, in any) (any, error) {
		r, err := s.query(ctx, in.(*api.QueryInput))
		if err != nil {
			return nil, err
		}
		return r.wire(), nil
	}}
	ops["Scan"] = service.Operation{NewInput: ops["Scan"].NewInput, Call: func(ctx context.Context, in any) (any, error) {
		r, err := s.scan(ctx, in.(*api.ScanInput))
		if err != nil {
			return nil, err
		}
		return r.wire(), nil
	}}
	return ops
}

// readResult is a Query's or Scan's answer: the page's items (nil for
// Select COUNT), counts, LastEvaluatedKey and consumed capacity.
type readResult struct {
	items          []*record
	count, scanned *int32
	last           expr.Item
	capacity       *api.ConsumedCapacity
}
