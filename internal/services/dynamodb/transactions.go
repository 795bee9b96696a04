package dynamodb

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// tokenLifetime is how long a ClientRequestToken makes TransactWriteItems
// idempotent (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
const tokenLifetime = 10 * time.Minute

type txToken struct {
	fingerprint string
	at          time.Time
}

// txOp is one checked operation of a write transaction.
type txOp struct {
	t        *table
	kind     string
	pk       string
	hv       api.AttributeValue
	sk       []byte
	key      map[string]api.AttributeValue
	cond     *expr.Node
	item     expr.Item
	upd      *expr.Update
	onFail   *string
	new      expr.Item
	failItem expr.Item
	// insert marks a PartiQL INSERT, whose failed condition is DuplicateItem.
	insert bool
}

// checkDistinct rejects a transaction naming op's item a second time;
// seen holds the items named so far.
func (op *txOp) checkDistinct(seen map[string]bool) error {
	id := op.t.arn + "\x00" + op.pk + "\x00" + string(op.sk)
	if seen[id] {
		return validationf("Transaction request cannot include multiple operations on one item")
	}
	seen[id] = true
	return nil
}

func (s *Service) prepareTx(ctx context.Context, w api.TransactWriteItem) (*txOp, *awserr.Error) {
	op := &txOp{}
	var name *string
	var names map[string]string
	var values map[string]api.AttributeValue
	var condSrc *string
	n := 0
	if c := w.ConditionCheck; c != nil {
		n++
		op.kind, name, names, values, condSrc, op.key, op.onFail = "ConditionCheck", c.TableName, c.ExpressionAttributeNames, c.ExpressionAttributeValues, c.ConditionExpression, c.Key, c.ReturnValuesOnConditionCheckFailure
	}
	if p := w.Put; p != nil {
		n++
		op.kind, name, names, values, condSrc, op.item, op.onFail = "Put", p.TableName, p.ExpressionAttributeNames, p.ExpressionAttributeValues, p.ConditionExpression, p.Item, p.ReturnValuesOnConditionCheckFailure
	}
	if d := w.Delete; d != nil {
		n++
		op.kind, name, names, values, condSrc, op.key, op.onFail = "Delete", d.TableName, d.ExpressionAttributeNames, d.ExpressionAttributeValues, d.ConditionExpression, d.Key, d.ReturnValuesOnConditionCheckFailure
	}
	if u := w.Update; u != nil {
		n++
		op.kind, name, names, values, condSrc, op.key, op.onFail = "Update", u.TableName, u.ExpressionAttributeNames, u.ExpressionAttributeValues, u.ConditionExpression, u.Key, u.ReturnValuesOnConditionCheckFailure
	}
	if n != 1 {
		return nil, validationf("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	t, err := s.table(ctx, name)
	if err != nil {
		return nil, err
	}
	op.t = t
	ex, err := newExprs(names, values)
	if err != nil {
		return nil, err
	}
	if op.kind == "Update" {
		if op.upd, err = ex.update(w.Update.UpdateExpression); err != nil {
			return nil, err
		}
	}
	if op.cond, err = ex.condition("ConditionExpression", condSrc); err != nil {
		return nil, err
	}
	if op.kind == "ConditionCheck" && op.cond == nil {
		return nil, validationf("The ConditionCheck operation requires a ConditionExpression")
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	if op.kind == "Put" {
		if err := validateItem(op.item); err != nil {
			return nil, err
		}
		if op.pk, op.hv, op.sk, err = t.keyOf(op.item); err != nil {
			return nil, err
		}
		if itemSize(op.item) > maxItemSize {
			return nil, validationf("Item size has exceeded the maximum allowed size")
		}
	} else if op.pk, op.hv, op.sk, err = t.keyFromKey(op.key); err != nil {
		return nil, err
	}
	if op.upd != nil {
		for _, a := range op.upd.Actions {
			if a.Path[0].Name == t.key.hash || a.Path[0].Name == t.key.rng {
				return nil, invalidParam("Cannot update attribute %s. This attribute is part of the key", a.Path[0].Name)
			}
		}
	}
	return op, nil
}

func (s *Service) TransactWriteItems(ctx context.Context, in *api.TransactWriteItemsInput) (*api.TransactWriteItemsOutput, error) {
	if len(in.TransactItems) > 100 {
		return nil, validationf("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	var fingerprint, tokenKey string
	if in.ClientRequestToken != nil {
		b, _ := json.Marshal(in.TransactItems)
		fingerprint = string(b)
		k := caller(ctx)
		tokenKey = k.account + "/" + k.region + "/" + *in.ClientRequestToken
		s.tokensMu.Lock()
		tok, ok := s.tokens[tokenKey]
		if ok && s.now().Sub(tok.at) < tokenLifetime {
			s.tokensMu.Unlock()
			if tok.fingerprint != fingerprint {
				return nil, api.ErrIdempotentParameterMismatchException("Request parameters do not match the original request parameters for idempotency token")
			}
			return &api.TransactWriteItemsOutput{}, nil
		}
		s.tokensMu.Unlock()
	}
	ops := make([]*txOp, 0, len(in.TransactItems))
	seen := map[string]bool{}
	for _, w := range in.TransactItems {
		op, err := s.prepareTx(ctx, w)
		if err != nil {
			return nil, err
		}
		if err := op.checkDistinct(seen); err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	tables, reasons, err := s.commitTx(ops)
	if err != nil {
		return nil, err
	}
	if reasons != nil {
		return nil, txCanceled(reasons)
	}
	if tokenKey != "" {
		s.tokensMu.Lock()
		s.tokens[tokenKey] = txToken{fingerprint: fingerprint, at: s.now()}
		s.tokensMu.Unlock()
	}
	out := &api.TransactWriteItemsOutput{}
	if m := deref(in.ReturnConsumedCapacity); m != "" && m != "NONE" {
		units := map[*table]float64{}
		for _, op := range ops {
			units[op.t] += 2 * writeUnits(op.new)
		}
		for _, t := range tables {
			out.ConsumedCapacity = append(out.ConsumedCapacity, *capacity(t, in.ReturnConsumedCapacity, units[t], false))
		}
	}
	return out, nil
}

// commitTx checks every op's condition and applies all of them, or none
// when a condition fails, under the write locks of their tables. It
// returns the tables, and the cancellation reasons (in op order) when a
// condition failed.
func (s *Service) commitTx(ops []*txOp) ([]*table, []any, *awserr.Error) {
	tables := lockTables(ops)
	defer unlockTables(tables)
	reasons := make([]any, len(ops))
	failed := false
	for i, op := range ops {
		old := op.t.data.get(op.pk, op.sk)
		reason := map[string]any{"Code": "None"}
		if op.cond != nil && !expr.Eval(op.cond, old) {
			failed = true
			reason = map[string]any{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
			if op.insert {
				reason = map[string]any{"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
			}
			if deref(op.onFail) == "ALL_OLD" && old != nil {
				reason["Item"] = itemWire(old)
			}
			op.failItem = old
		}
		reasons[i] = reason
		switch op.kind {
		case "Put":
			op.new = op.item
		case "Update":
			base := old
			if base == nil {
				base = op.t.keyItem(op.key)
			}
			n, err := op.upd.Apply(base)
			if err != nil {
				return tables, nil, validationf("%s", err.Error())
			}
			if err := validateItem(n); err != nil {
				return tables, nil, err
			}
			if itemSize(n) > maxItemSize {
				return tables, nil, validationf("Item size to update has exceeded the maximum allowed size")
			}
			op.new = n
		}
	}
	if failed {
		return tables, reasons, nil
	}
	for _, op := range ops {
		switch op.kind {
		case "Put", "Update":
			if _, err := s.write(op.t, op.pk, op.hv, op.sk, op.new, false); err != nil {
				return tables, nil, err
			}
		case "Delete":
			if op.t.data.get(op.pk, op.sk) != nil {
				if _, err := s.write(op.t, op.pk, op.hv, op.sk, nil, false); err != nil {
					return tables, nil, err
				}
			}
		}
	}
	return tables, nil, nil
}

// txCanceled is the TransactionCanceledException for a transaction's
// cancellation reasons.
func txCanceled(reasons []any) *awserr.Error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.(map[string]any)["Code"].(string)
	}
	e := api.ErrTransactionCanceledException("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]")
	return e.With("CancellationReasons", reasons)
}

// lockTables write-locks the distinct tables of ops in ARN order, so that
// concurrent transactions cannot deadlock.
func lockTables(ops []*txOp) []*table {
	set := map[*table]bool{}
	var tables []*table
	for _, op := range ops {
		if !set[op.t] {
			set[op.t] = true
			tables = append(tables, op.t)
		}
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].arn < tables[j].arn })
	for _, t := range tables {
		t.mu.Lock()
	}
	return tables
}

func unlockTables(tables []*table) {
	for _, t := range tables {
		t.mu.Unlock()
	}
}

func (s *Service) TransactGetItems(ctx context.Context, in *api.TransactGetItemsInput) (*api.TransactGetItemsOutput, error) {
	if len(in.TransactItems) > 100 {
		return nil, validationf("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	type get struct {
		t    *table
		pk   string
		sk   []byte
		proj []expr.Path
	}
	gets := make([]get, 0, len(in.TransactItems))
	seen := map[string]bool{}
	for _, ti := range in.TransactItems {
		g := ti.Get
		if g == nil {
			return nil, validationf("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null")
		}
		t, err := s.table(ctx, g.TableName)
		if err != nil {
			return nil, err
		}
		ex, err := newExprs(g.ExpressionAttributeNames, nil)
		if err != nil {
			return nil, err
		}
		proj, err := ex.projection(g.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if err := ex.finish(); err != nil {
			return nil, err
		}
		pk, _, sk, err := t.keyFromKey(g.Key)
		if err != nil {
			return nil, err
		}
		id := t.arn + "\x00" + pk + "\x00" + string(sk)
		if seen[id] {
			return nil, validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		gets = append(gets, get{t, pk, sk, proj})
	}
	out := &api.TransactGetItemsOutput{Responses: make([]api.ItemResponse, len(gets))}
	for i, g := range gets {
		g.t.mu.RLock()
		item := g.t.data.get(g.pk, g.sk)
		g.t.mu.RUnlock()
		if item != nil && g.proj != nil {
			item = expr.Project(item, g.proj)
		}
		out.Responses[i] = api.ItemResponse{Item: item}
	}
	return out, nil
}
