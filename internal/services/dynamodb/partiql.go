package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
	"github.com/virga-aws/virga/internal/services/dynamodb/partiql"
)

// PartiQL statements are parsed into the expression trees of package expr
// and run by the same store, condition and update code as the item API:
// writes become transaction operations (txOp), SELECT a Query of one
// partition when WHERE fixes the partition key, otherwise a Scan.

const (
	msgMissingKey    = "Where clause does not contain a mandatory equality on all key attributes"
	msgDuplicateItem = "Duplicate primary key exists in table"
)

// statement is a parsed statement resolved against its table.
type statement struct {
	*partiql.Statement
	t *table
}

func (s *Service) parseStatement(ctx context.Context, src *string, params []api.AttributeValue) (*statement, *awserr.Error) {
	if src == nil {
		return nil, validationf("1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null")
	}
	for i := range params {
		if err := validateValue(&params[i], 1); err != nil {
			return nil, err
		}
	}
	st, err := partiql.Parse(*src, params)
	if err != nil {
		var pe *partiql.Error
		if errors.As(err, &pe) {
			return nil, validationf("%s", pe.Msg)
		}
		return nil, validationf("%s", err.Error())
	}
	k, name := tableName(ctx, st.Table)
	t := s.lookup(k, name)
	if t == nil {
		return nil, api.ErrResourceNotFoundException("Requested resource not found")
	}
	return &statement{Statement: st, t: t}, nil
}

// conjuncts flattens the top-level ANDs of a condition.
func conjuncts(n *expr.Node, out []*expr.Node) []*expr.Node {
	if n == nil {
		return out
	}
	if n.Op == expr.OpAnd {
		return conjuncts(n.Args[1], conjuncts(n.Args[0], out))
	}
	return append(out, n)
}

// keyEquality returns the attribute and value of a top-level name = value
// conjunct.
func keyEquality(n *expr.Node) (string, *api.AttributeValue, bool) {
	if n.Op != expr.OpCompare || n.Cmp != "=" {
		return "", nil, false
	}
	a, b := n.Args[0], n.Args[1]
	if a.Op != expr.OpPath {
		a, b = b, a
	}
	if a.Op != expr.OpPath || b.Op != expr.OpValue || len(a.Path) != 1 {
		return "", nil, false
	}
	return a.Path[0].Name, b.Value, true
}

// splitKey takes the full primary key out of a WHERE clause: every key
// attribute needs one equality conjunct. The rest of the clause is
// returned as a condition.
func splitKey(where *expr.Node, key keySchema) (map[string]api.AttributeValue, *expr.Node, *awserr.Error) {
	out := map[string]api.AttributeValue{}
	var rest []*expr.Node
	for _, c := range conjuncts(where, nil) {
		if name, v, ok := keyEquality(c); ok && (name == key.hash || name == key.rng) {
			if _, dup := out[name]; !dup {
				out[name] = *v
				continue
			}
		}
		rest = append(rest, c)
	}
	if _, ok := out[key.hash]; !ok {
		return nil, nil, validationf(msgMissingKey)
	}
	if _, ok := out[key.rng]; key.rng != "" && !ok {
		return nil, nil, validationf(msgMissingKey)
	}
	return out, combine(rest, nil), nil
}

// writeOp turns an INSERT, UPDATE or DELETE into a transaction operation.
func (s *Service) writeOp(st *statement, onFail *string) (*txOp, *awserr.Error) {
	t := st.t
	op := &txOp{t: t, onFail: onFail}
	switch st.Kind {
	case partiql.Insert:
		if err := validateItem(st.Item); err != nil {
			return nil, err
		}
		pk, hv, sk, err := t.keyOf(st.Item)
		if err != nil {
			return nil, err
		}
		if itemSize(st.Item) > maxItemSize {
			return nil, validationf("Item size has exceeded the maximum allowed size")
		}
		op.kind, op.pk, op.hv, op.sk, op.item, op.insert = "Put", pk, hv, sk, st.Item, true
		op.cond = &expr.Node{Op: expr.OpFunc, Func: "attribute_not_exists", Args: []*expr.Node{pathNode(t.key.hash)}}
		return op, nil
	case partiql.Update, partiql.Delete:
		key, cond, err := splitKey(st.Where, t.key)
		if err != nil {
			return nil, err
		}
		pk, hv, sk, err := t.keyFromKey(key)
		if err != nil {
			return nil, err
		}
		op.pk, op.hv, op.sk, op.key, op.cond = pk, hv, sk, key, cond
		if st.Kind == partiql.Delete {
			op.kind = "Delete"
			return op, nil
		}
		for _, a := range st.Actions {
			if a.Path[0].Name == t.key.hash || a.Path[0].Name == t.key.rng {
				return nil, invalidParam("Cannot update attribute %s. This attribute is part of the key", a.Path[0].Name)
			}
		}
		exists := &expr.Node{Op: expr.OpFunc, Func: "attribute_exists", Args: []*expr.Node{pathNode(t.key.hash)}}
		op.cond = combine(append([]*expr.Node{exists}, conjuncts(cond, nil)...), nil)
		op.kind, op.upd = "Update", &expr.Update{Actions: st.Actions}
		return op, nil
	}
	return nil, validationf("Unsupported operation")
}

// runWrite runs one write statement on its own.
func (s *Service) runWrite(st *statement, onFail *string) *awserr.Error {
	op, err := s.writeOp(st, onFail)
	if err != nil {
		return err
	}
	_, reasons, err := s.commitTx([]*txOp{op})
	if err != nil {
		return err
	}
	if reasons != nil {
		if op.insert {
			return api.ErrDuplicateItemException(msgDuplicateItem)
		}
		return conditionFailed(op.failItem, onFail)
	}
	return nil
}

// runSelect runs a SELECT: a Query of one partition when WHERE has an
// equality on the target's partition key, otherwise a Scan; WHERE as a
// whole filters the items read.
func (s *Service) runSelect(st *statement, consistent bool, limit int32, nextToken *string) (*page, *awserr.Error) {
	var ix *string
	if st.Index != "" {
		ix = &st.Index
	}
	rt, err := s.target(st.t, ix)
	if err != nil {
		return nil, err
	}
	if consistent && rt.ix != nil && rt.ix.global {
		return nil, validationf("Consistent reads are not supported on global secondary indexes")
	}
	var esk map[string]api.AttributeValue
	if nextToken != nil {
		if esk, err = decodeNextToken(*nextToken); err != nil {
			return nil, err
		}
	}
	mode := "ALL_ATTRIBUTES"
	if rt.ix != nil {
		mode = "ALL_PROJECTED_ATTRIBUTES"
	}
	if st.Projection != nil {
		mode = "SPECIFIC_ATTRIBUTES"
	}
	pg := &page{rt: rt, filter: st.Where, proj: st.Projection, mode: mode, limit: int(limit)}
	var hash *api.AttributeValue
	for _, c := range conjuncts(st.Where, nil) {
		if name, v, ok := keyEquality(c); ok && name == rt.key.hash && expr.TypeOf(v) == rt.key.hashType {
			hash = v
			break
		}
	}
	st.t.mu.RLock()
	defer st.t.mu.RUnlock()
	if hash != nil {
		kc := keyCond{hash: *hash}
		err = s.runQuery(pg, &kc, esk, true)
	} else {
		err = s.runScan(pg, esk, 0, 0)
	}
	if err != nil {
		return nil, err
	}
	return pg, nil
}

func encodeNextToken(key expr.Item) *string {
	b, _ := json.Marshal(itemWire(key))
	tok := base64.RawURLEncoding.EncodeToString(b)
	return &tok
}

func decodeNextToken(tok string) (map[string]api.AttributeValue, *awserr.Error) {
	bad := validationf("Invalid NextToken")
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, bad
	}
	var raw map[string]any
	if json.Unmarshal(b, &raw) != nil || len(raw) == 0 {
		return nil, bad
	}
	out := make(map[string]api.AttributeValue, len(raw))
	for k, v := range raw {
		out[k] = avFromWire(v)
	}
	return out, nil
}

// ExecuteStatement runs one PartiQL statement.
func (s *Service) ExecuteStatement(ctx context.Context, in *api.ExecuteStatementInput) (*api.ExecuteStatementOutput, error) {
	st, err := s.parseStatement(ctx, in.Statement, in.Parameters)
	if err != nil {
		return nil, err
	}
	out := &api.ExecuteStatementOutput{}
	if st.Kind != partiql.Select {
		if err := s.runWrite(st, in.ReturnValuesOnConditionCheckFailure); err != nil {
			return nil, err
		}
		out.Items = []map[string]api.AttributeValue{}
		out.ConsumedCapacity = capacity(st.t, in.ReturnConsumedCapacity, 1, false)
		return out, nil
	}
	consistent := in.ConsistentRead != nil && *in.ConsistentRead
	pg, err := s.runSelect(st, consistent, derefInt32(in.Limit), in.NextToken)
	if err != nil {
		return nil, err
	}
	out.Items = recordItems(pg.items)
	if out.Items == nil {
		out.Items = []map[string]api.AttributeValue{}
	}
	if pg.full {
		out.LastEvaluatedKey = pg.last
		out.NextToken = encodeNextToken(pg.last)
	}
	out.ConsumedCapacity = capacity(st.t, in.ReturnConsumedCapacity, readUnits(pg.size, consistent), true)
	return out, nil
}

// getByKey runs a SELECT that names a full primary key, as the batch and
// transaction operations require, returning the item or nil.
func (s *Service) getByKey(st *statement, msg string) (expr.Item, *awserr.Error) {
	if st.Index != "" {
		return nil, validationf("%s", msg)
	}
	key, rest, err := splitKey(st.Where, st.t.key)
	if err != nil {
		return nil, validationf("%s", msg)
	}
	pk, _, sk, err := st.t.keyFromKey(key)
	if err != nil {
		return nil, err
	}
	st.t.mu.RLock()
	item := st.t.data.get(pk, sk)
	st.t.mu.RUnlock()
	if item == nil || (rest != nil && !expr.Eval(rest, item)) {
		return nil, nil
	}
	if st.Projection != nil {
		item = expr.Project(item, st.Projection)
	}
	return item, nil
}

// batchError maps an operation's error to a BatchStatementError code.
func batchError(e *awserr.Error) *api.BatchStatementError {
	code := map[string]string{
		"ConditionalCheckFailedException": "ConditionalCheckFailed",
		"DuplicateItemException":          "DuplicateItem",
		"ResourceNotFoundException":       "ResourceNotFound",
		"ValidationException":             "ValidationError",
		"TransactionConflictException":    "TransactionConflict",
	}[e.Code]
	if code == "" {
		code = "InternalServerError"
	}
	out := &api.BatchStatementError{Code: &code, Message: ptr(e.Message)}
	if item, ok := e.Fields["Item"].(map[string]any); ok {
		out.Item = map[string]api.AttributeValue{}
		for k, v := range item {
			out.Item[k] = avFromWire(v)
		}
	}
	return out
}

// BatchExecuteStatement runs up to 25 reads or 25 writes, each on its own.
func (s *Service) BatchExecuteStatement(ctx context.Context, in *api.BatchExecuteStatementInput) (*api.BatchExecuteStatementOutput, error) {
	if len(in.Statements) > 25 {
		return nil, validationf("1 validation error detected: Value at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25")
	}
	out := &api.BatchExecuteStatementOutput{Responses: make([]api.BatchStatementResponse, len(in.Statements))}
	parsed := make([]*statement, len(in.Statements))
	reads, writes := 0, 0
	for i, r := range in.Statements {
		st, err := s.parseStatement(ctx, r.Statement, r.Parameters)
		if err != nil {
			out.Responses[i].Error = batchError(err)
			continue
		}
		parsed[i] = st
		if st.Kind == partiql.Select {
			reads++
		} else {
			writes++
		}
	}
	if reads > 0 && writes > 0 {
		return nil, validationf("Batch statements must be either all reads or all writes")
	}
	units := map[*table]float64{}
	for i, st := range parsed {
		if st == nil {
			continue
		}
		resp := &out.Responses[i]
		resp.TableName = ptr(st.t.name)
		if st.Kind == partiql.Select {
			item, err := s.getByKey(st, "Select statements within BatchExecuteStatement must specify an equality condition on all key attributes. This enforces that each SELECT statement in a batch returns at most a single item.")
			if err != nil {
				resp.Error = batchError(err)
				continue
			}
			resp.Item = item
			units[st.t] += readUnits(itemSize(item), in.Statements[i].ConsistentRead != nil && *in.Statements[i].ConsistentRead)
			continue
		}
		if err := s.runWrite(st, in.Statements[i].ReturnValuesOnConditionCheckFailure); err != nil {
			resp.Error = batchError(err)
			continue
		}
		units[st.t]++
	}
	for t, u := range units {
		if c := capacity(t, in.ReturnConsumedCapacity, u, reads > 0); c != nil {
			out.ConsumedCapacity = append(out.ConsumedCapacity, *c)
		}
	}
	return out, nil
}

// ExecuteTransaction runs up to 100 reads, or up to 100 writes
// atomically, as TransactGetItems and TransactWriteItems do.
func (s *Service) ExecuteTransaction(ctx context.Context, in *api.ExecuteTransactionInput) (*api.ExecuteTransactionOutput, error) {
	if len(in.TransactStatements) > 100 {
		return nil, validationf("1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	parsed := make([]*statement, len(in.TransactStatements))
	reads := 0
	for i, r := range in.TransactStatements {
		st, err := s.parseStatement(ctx, r.Statement, r.Parameters)
		if err != nil {
			if err.Code == "ValidationException" {
				return nil, validationf("Validation failed in TransactStatements[%d]: %s", i, err.Message)
			}
			return nil, err
		}
		parsed[i] = st
		if st.Kind == partiql.Select {
			reads++
		}
	}
	if reads > 0 && reads < len(parsed) {
		return nil, validationf("Transaction must contain either all reads or all writes")
	}
	out := &api.ExecuteTransactionOutput{}
	if reads > 0 {
		out.Responses = make([]api.ItemResponse, len(parsed))
		for i, st := range parsed {
			item, err := s.getByKey(st, msgMissingKey)
			if err != nil {
				return nil, err
			}
			out.Responses[i].Item = item
		}
		return out, nil
	}
	ops := make([]*txOp, len(parsed))
	seen := map[string]bool{}
	for i, st := range parsed {
		op, err := s.writeOp(st, in.TransactStatements[i].ReturnValuesOnConditionCheckFailure)
		if err != nil {
			return nil, err
		}
		if err := op.checkDistinct(seen); err != nil {
			return nil, err
		}
		ops[i] = op
	}
	tables, reasons, err := s.commitTx(ops)
	if err != nil {
		return nil, err
	}
	if reasons != nil {
		return nil, txCanceled(reasons)
	}
	if m := deref(in.ReturnConsumedCapacity); m != "" && m != "NONE" {
		for _, t := range tables {
			n := 0
			for _, op := range ops {
				if op.t == t {
					n++
				}
			}
			out.ConsumedCapacity = append(out.ConsumedCapacity, *capacity(t, in.ReturnConsumedCapacity, float64(2*n), false))
		}
	}
	return out, nil
}
