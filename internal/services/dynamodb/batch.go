package dynamodb

import (
	"context"
	"sort"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// Batch limits from https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
// and API_BatchWriteItem.html.
const (
	maxBatchGet   = 100
	maxBatchWrite = 25
	maxBatchBytes = 16 << 20
)

func (s *Service) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	n := 0
	for _, ka := range in.RequestItems {
		n += len(ka.Keys)
	}
	if n > maxBatchGet {
		return nil, validationf("Too many items requested for the BatchGetItem call")
	}
	if len(in.RequestItems) == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	out := &api.BatchGetItemOutput{Responses: map[string][]map[string]api.AttributeValue{}, UnprocessedKeys: map[string]api.KeysAndAttributes{}}
	names := make([]string, 0, len(in.RequestItems))
	for name := range in.RequestItems {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ka := in.RequestItems[name]
		t, err := s.table(ctx, &name)
		if err != nil {
			return nil, err
		}
		if err := checkMixed([]param{{"AttributesToGet", ka.AttributesToGet != nil}},
			[]param{{"ProjectionExpression", ka.ProjectionExpression != nil}}); err != nil {
			return nil, err
		}
		ex, err := newExprs(ka.ExpressionAttributeNames, nil)
		if err != nil {
			return nil, err
		}
		proj, err := ex.projection(ka.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if ka.AttributesToGet != nil {
			proj = legacyAttributes(ka.AttributesToGet)
		}
		if err := ex.finish(); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		items := []map[string]api.AttributeValue{}
		units := 0.0
		for _, key := range ka.Keys {
			pk, _, sk, err := t.keyFromKey(key)
			if err != nil {
				return nil, err
			}
			id := pk + "\x00" + string(sk)
			if seen[id] {
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			t.mu.RLock()
			item := t.data.get(pk, sk)
			t.mu.RUnlock()
			units += readUnits(itemSize(item), ka.ConsistentRead != nil && *ka.ConsistentRead)
			if item != nil {
				if proj != nil {
					item = expr.Project(item, proj)
				}
				items = append(items, item)
			}
		}
		out.Responses[name] = items
		if c := capacity(t, in.ReturnConsumedCapacity, units, true); c != nil {
			out.ConsumedCapacity = append(out.ConsumedCapacity, *c)
		}
	}
	return out, nil
}

type batchWrite struct {
	t      *table
	pk     string
	hv     api.AttributeValue
	sk     []byte
	item   expr.Item
	delete bool
}

func (s *Service) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	if n > maxBatchWrite {
		return nil, validationf("1 validation error detected: Value '{%s}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]", "...")
	}
	if n == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	var writes []batchWrite
	seen := map[*table]map[string]bool{}
	names := make([]string, 0, len(in.RequestItems))
	for name := range in.RequestItems {
		names = append(names, name)
	}
	sort.Strings(names)
	units := map[*table]float64{}
	for _, name := range names {
		t, err := s.table(ctx, &name)
		if err != nil {
			return nil, err
		}
		if seen[t] == nil {
			seen[t] = map[string]bool{}
		}
		for _, r := range in.RequestItems[name] {
			var w batchWrite
			w.t = t
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				if err := validateItem(r.PutRequest.Item); err != nil {
					return nil, err
				}
				pk, hv, sk, err := t.keyOf(r.PutRequest.Item)
				if err != nil {
					return nil, err
				}
				if itemSize(r.PutRequest.Item) > maxItemSize {
					return nil, validationf("Item size has exceeded the maximum allowed size")
				}
				w.pk, w.hv, w.sk, w.item = pk, hv, sk, r.PutRequest.Item
			case r.DeleteRequest != nil && r.PutRequest == nil:
				pk, hv, sk, err := t.keyFromKey(r.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				w.pk, w.hv, w.sk, w.delete = pk, hv, sk, true
			default:
				return nil, validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			id := w.pk + "\x00" + string(w.sk)
			if seen[t][id] {
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[t][id] = true
			writes = append(writes, w)
		}
	}
	for _, w := range writes {
		w.t.mu.Lock()
		var err error
		if w.delete {
			old := w.t.data.get(w.pk, w.sk)
			if old != nil {
				_, aerr := s.write(w.t, w.pk, w.hv, w.sk, nil, false)
				if aerr != nil {
					err = aerr
				}
				units[w.t] += writeUnits(old)
			} else {
				units[w.t]++
			}
		} else {
			if _, aerr := s.write(w.t, w.pk, w.hv, w.sk, w.item, false); aerr != nil {
				err = aerr
			}
			units[w.t] += writeUnits(w.item)
		}
		w.t.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	out := &api.BatchWriteItemOutput{UnprocessedItems: map[string][]api.WriteRequest{}}
	for _, name := range names {
		t, _ := s.table(ctx, &name)
		if t == nil {
			continue
		}
		if c := capacity(t, in.ReturnConsumedCapacity, units[t], false); c != nil {
			out.ConsumedCapacity = append(out.ConsumedCapacity, *c)
		}
	}
	return out, nil
}
