package dynamodb

import (
	"bytes"
	"context"
	"slices"
	"sort"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// maxPageSize is the 1 MB of data a Query or Scan reads per page
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
const maxPageSize = 1 << 20

// readTarget is what a Query or Scan reads: the table or one index.
type readTarget struct {
	t   *table
	ix  *index
	key keySchema
	st  *store
}

func (s *Service) target(t *table, indexName *string) (readTarget, *awserr.Error) {
	rt := readTarget{t: t, key: t.key, st: t.data}
	if indexName != nil {
		ix := t.index(*indexName)
		if ix == nil {
			return rt, validationf("The table does not have the specified index: %s", *indexName)
		}
		rt.ix, rt.key, rt.st = ix, ix.key, ix.data
	}
	return rt, nil
}

// project applies the index projection to a stored item.
func (rt readTarget) project(item expr.Item) expr.Item {
	if rt.ix == nil || rt.ix.projType == "ALL" {
		return item
	}
	out := expr.Item{}
	for _, k := range []string{rt.t.key.hash, rt.t.key.rng, rt.key.hash, rt.key.rng} {
		if v, ok := item[k]; ok && k != "" {
			out[k] = v
		}
	}
	if rt.ix.projType == "INCLUDE" {
		for _, k := range rt.ix.nonKey {
			if v, ok := item[k]; ok {
				out[k] = v
			}
		}
	}
	return out
}

// lastKey is the LastEvaluatedKey for an item: the table key plus, on an
// index, the index key.
func (rt readTarget) lastKey(item expr.Item) expr.Item {
	out := rt.t.keyItem(item)
	if rt.ix != nil {
		out[rt.key.hash] = item[rt.key.hash]
		if rt.key.rng != "" {
			out[rt.key.rng] = item[rt.key.rng]
		}
	}
	return out
}

// startKey decodes an ExclusiveStartKey into the store position after
// which reading resumes.
func (rt readTarget) startKey(esk map[string]api.AttributeValue) (string, []byte, *awserr.Error) {
	for k, v := range esk {
		if err := validateValue(&v, 1); err != nil {
			return "", nil, err
		}
		esk[k] = v
	}
	bad := validationf("The provided starting key is invalid: The provided key element does not match the schema")
	need := []struct{ name, typ string }{{rt.t.key.hash, rt.t.key.hashType}, {rt.t.key.rng, rt.t.key.rngType}}
	if rt.ix != nil {
		need = append(need, struct{ name, typ string }{rt.key.hash, rt.key.hashType}, struct{ name, typ string }{rt.key.rng, rt.key.rngType})
	}
	for _, n := range need {
		if n.name == "" {
			continue
		}
		v, ok := esk[n.name]
		if !ok || expr.TypeOf(&v) != n.typ {
			return "", nil, bad
		}
	}
	if rt.ix == nil {
		pk, _, sk, err := rt.t.keyOf(esk)
		if err != nil {
			return "", nil, bad
		}
		return pk, sk, nil
	}
	pk, _, sk, ok := rt.ix.indexKey(rt.t, esk)
	if !ok {
		return "", nil, bad
	}
	return pk, sk, nil
}

// selectMode checks Select against the projection parameters and index.
func selectMode(sel *string, proj []expr.Path, rt readTarget) (string, *awserr.Error) {
	mode := deref(sel)
	switch mode {
	case "":
		if proj != nil {
			return "SPECIFIC_ATTRIBUTES", nil
		}
		if rt.ix != nil {
			return "ALL_PROJECTED_ATTRIBUTES", nil
		}
		return "ALL_ATTRIBUTES", nil
	case "SPECIFIC_ATTRIBUTES":
		if proj == nil {
			return "", validationf("1 validation error detected: Value 'SPECIFIC_ATTRIBUTES' at 'select' failed to satisfy constraint: ProjectionExpression or AttributesToGet must be specified")
		}
	case "ALL_ATTRIBUTES", "COUNT", "ALL_PROJECTED_ATTRIBUTES":
		if proj != nil {
			return "", validationf("Cannot specify the ProjectionExpression or AttributesToGet when choosing to get %s", mode)
		}
		if mode == "ALL_PROJECTED_ATTRIBUTES" && rt.ix == nil {
			return "", validationf("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
		}
		if mode == "ALL_ATTRIBUTES" && rt.ix != nil && rt.ix.global && rt.ix.projType != "ALL" {
			return "", validationf("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", rt.ix.name)
		}
	}
	return mode, nil
}

// page collects one page of results from entries as they come.
type page struct {
	rt          readTarget
	filter      *expr.Node
	proj        []expr.Path
	mode        string
	limit       int
	items       []*record
	count       int
	scanned     int
	size        int
	last        expr.Item
	full        bool
	tableReader bool
}

// reserve makes room for up to n more items (a partition's range), so
// that a page of a few hundred items is not copied as it grows.
func (p *page) reserve(n int) {
	if p.mode == "COUNT" {
		return
	}
	if p.limit > 0 {
		n = min(n, p.limit)
	}
	n = min(n, 1024)
	if n > cap(p.items)-len(p.items) {
		p.items = slices.Grow(p.items, n)
	}
}

// add takes one stored item; it reports false once the page is full.
func (p *page) add(rec *record) bool {
	item := rec.item
	view := p.rt.project(item)
	if p.mode == "ALL_ATTRIBUTES" && p.rt.ix != nil {
		view = item
	}
	p.scanned++
	p.size += rec.size
	if p.filter == nil || expr.Eval(p.filter, view) {
		p.count++
		if p.mode != "COUNT" {
			if p.proj != nil {
				view = expr.Project(view, p.proj)
			}
			if p.proj == nil && (p.rt.ix == nil || p.rt.ix.projType == "ALL" || p.mode == "ALL_ATTRIBUTES") {
				p.items = append(p.items, rec)
			} else {
				p.items = append(p.items, &record{item: view, transient: true})
			}
		}
	}
	if (p.limit > 0 && p.scanned >= p.limit) || p.size >= maxPageSize {
		p.full = true
		p.last = p.rt.lastKey(item)
		return false
	}
	return true
}

// keyCond is a parsed key condition: the partition key value and an
// optional sort-key range.
type keyCond struct {
	hash    api.AttributeValue
	op      string // "", "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"
	lo, hi  api.AttributeValue
	loBytes []byte
	hiBytes []byte
}

// parseKeyCondition checks a KeyConditionExpression against the key
// schema, as DynamoDB does.
func parseKeyCondition(n *expr.Node, key keySchema) (keyCond, *awserr.Error) {
	var kc keyCond
	var conds []*expr.Node
	var walk func(n *expr.Node) *awserr.Error
	walk = func(n *expr.Node) *awserr.Error {
		switch n.Op {
		case expr.OpAnd:
			if err := walk(n.Args[0]); err != nil {
				return err
			}
			return walk(n.Args[1])
		case expr.OpOr, expr.OpNot:
			name := "OR"
			if n.Op == expr.OpNot {
				name = "NOT"
			}
			return validationf("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: %s", name)
		case expr.OpIn:
			return validationf("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN")
		case expr.OpCompare:
			if n.Cmp == "<>" {
				return validationf("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>")
			}
		case expr.OpFunc:
			if n.Func != "begins_with" {
				return validationf("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: %s", n.Func)
			}
		}
		conds = append(conds, n)
		return nil
	}
	if err := walk(n); err != nil {
		return kc, err
	}
	if len(conds) > 2 {
		return kc, validationf("Conditions can be of length 1 or 2 only")
	}
	seen := map[string]bool{}
	hashSet := false
	for _, c := range conds {
		path := c.Args[0]
		vals := c.Args[1:]
		if path.Op != expr.OpPath {
			if c.Op == expr.OpCompare && c.Args[1].Op == expr.OpPath {
				path, vals = c.Args[1], c.Args[:1]
			} else {
				return kc, validationf("Invalid KeyConditionExpression: The key condition must have a document path")
			}
		}
		for _, v := range vals {
			if v.Op != expr.OpValue {
				return kc, validationf("Invalid KeyConditionExpression: Key conditions must use expression attribute values")
			}
		}
		if len(path.Path) > 1 {
			return kc, validationf("KeyConditionExpressions cannot have conditions on nested attributes")
		}
		name := path.Path[0].Name
		if seen[name] {
			return kc, validationf("KeyConditionExpressions must only contain one condition per key")
		}
		seen[name] = true
		switch name {
		case key.hash:
			if c.Op != expr.OpCompare || c.Cmp != "=" {
				return kc, validationf("Query key condition not supported")
			}
			kc.hash = *vals[0].Value
			if expr.TypeOf(&kc.hash) != key.hashType {
				return kc, invalidParam("Condition parameter type does not match schema type")
			}
			hashSet = true
		case key.rng:
			switch c.Op {
			case expr.OpCompare:
				kc.op = c.Cmp
			case expr.OpBetween:
				kc.op = "BETWEEN"
				kc.hi = *vals[1].Value
			case expr.OpFunc:
				kc.op = "begins_with"
				if key.rngType == "N" {
					return kc, validationf("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
				}
			}
			kc.lo = *vals[0].Value
			if expr.TypeOf(&kc.lo) != key.rngType || (kc.op == "BETWEEN" && expr.TypeOf(&kc.hi) != key.rngType) {
				return kc, invalidParam("Condition parameter type does not match schema type")
			}
		default:
			if key.rng == "" && !hashSet {
				return kc, validationf("Query condition missed key schema element: %s", key.hash)
			}
			return kc, validationf("Query condition missed key schema element: %s", firstNonEmpty(key.rng, key.hash))
		}
	}
	if !hashSet {
		return kc, validationf("Query condition missed key schema element: %s", key.hash)
	}
	if kc.op == "BETWEEN" {
		if c, _ := expr.Compare(&kc.lo, &kc.hi); c > 0 {
			return kc, validationf("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}", avBrief(&kc.lo), avBrief(&kc.hi))
		}
	}
	return kc, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func avBrief(v *api.AttributeValue) string {
	switch {
	case v.S != nil:
		return "S:" + *v.S
	case v.N != nil:
		return "N:" + *v.N
	}
	return "B:" + string(v.B)
}

// matchRange reports whether an entry's leading sort-key value satisfies
// the range condition, and whether entries beyond it (in ascending order)
// can still match.
func (kc *keyCond) matchRange(item expr.Item, rng string) bool {
	if kc.op == "" {
		return true
	}
	v, ok := item[rng]
	if !ok {
		return false
	}
	c, _ := expr.Compare(&v, &kc.lo)
	switch kc.op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "BETWEEN":
		c2, _ := expr.Compare(&v, &kc.hi)
		return c >= 0 && c2 <= 0
	case "begins_with":
		if v.S != nil {
			return len(*v.S) >= len(*kc.lo.S) && (*v.S)[:len(*kc.lo.S)] == *kc.lo.S
		}
		return bytes.HasPrefix(v.B, kc.lo.B)
	}
	return false
}

// bounds returns the entry range [from, to) of a partition that can
// satisfy the range condition: a binary search on the ordered entries.
func (kc *keyCond) bounds(p *partition) (int, int) {
	n := len(p.entries)
	if kc.op == "" {
		return 0, n
	}
	lo := encodeKey(nil, &kc.lo)
	first := func(k []byte) int {
		return sort.Search(n, func(i int) bool { return bytes.Compare(p.entries[i].sk, k) >= 0 })
	}
	// after returns the first entry whose leading component is > k.
	after := func(k []byte) int {
		return sort.Search(n, func(i int) bool {
			sk := p.entries[i].sk
			return bytes.Compare(sk, k) >= 0 && !bytes.HasPrefix(sk, k)
		})
	}
	switch kc.op {
	case "=":
		return first(lo), after(lo)
	case "<":
		return 0, first(lo)
	case "<=":
		return 0, after(lo)
	case ">":
		return after(lo), n
	case ">=":
		return first(lo), n
	case "BETWEEN":
		return first(lo), after(encodeKey(nil, &kc.hi))
	case "begins_with":
		// The encoding's terminator follows the bytes: strip it so that
		// the prefix matches longer values.
		prefix := lo[:len(lo)-2]
		from := first(prefix)
		to := sort.Search(n, func(i int) bool {
			sk := p.entries[i].sk
			return bytes.Compare(sk, prefix) > 0 && !bytes.HasPrefix(sk, prefix)
		})
		return from, to
	}
	return 0, n
}

func (s *Service) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	r, err := s.query(ctx, in)
	if err != nil {
		return nil, err
	}
	return &api.QueryOutput{Items: recordItems(r.items), Count: r.count, ScannedCount: r.scanned, LastEvaluatedKey: r.last, ConsumedCapacity: r.capacity}, nil
}

// query runs a Query.
func (s *Service) query(ctx context.Context, in *api.QueryInput) (*readResult, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	rt, err := s.target(t, in.IndexName)
	if err != nil {
		return nil, err
	}
	if rt.ix != nil && rt.ix.global && in.ConsistentRead != nil && *in.ConsistentRead {
		return nil, validationf("Consistent reads are not supported on global secondary indexes")
	}
	if err := checkMixed([]param{{"AttributesToGet", in.AttributesToGet != nil}, {"KeyConditions", in.KeyConditions != nil}, {"QueryFilter", in.QueryFilter != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		[]param{{"ProjectionExpression", in.ProjectionExpression != nil}, {"FilterExpression", in.FilterExpression != nil}, {"KeyConditionExpression", in.KeyConditionExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	var kc keyCond
	switch {
	case in.KeyConditionExpression != nil:
		n, err := ex.condition("KeyConditionExpression", in.KeyConditionExpression)
		if err != nil {
			return nil, err
		}
		if kc, err = parseKeyCondition(n, rt.key); err != nil {
			return nil, err
		}
	case in.KeyConditions != nil:
		for _, c := range in.KeyConditions {
			switch deref(c.ComparisonOperator) {
			case "EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN":
			default:
				return nil, validationf("Attempted conditional constraint is not an indexable operation")
			}
		}
		n, err := legacyConditions(in.KeyConditions, nil)
		if err != nil {
			return nil, err
		}
		if kc, err = parseKeyCondition(n, rt.key); err != nil {
			return nil, err
		}
	default:
		return nil, validationf("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	filter, err := ex.condition("FilterExpression", in.FilterExpression)
	if err != nil {
		return nil, err
	}
	if in.QueryFilter != nil {
		if filter, err = legacyConditions(in.QueryFilter, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	proj, err := ex.projection(in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	if in.AttributesToGet != nil {
		proj = legacyAttributes(in.AttributesToGet)
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	mode, err := selectMode(in.Select, proj, rt)
	if err != nil {
		return nil, err
	}
	if filter != nil {
		if err := checkFilterKeys(filter, rt); err != nil {
			return nil, err
		}
	}
	pg := &page{rt: rt, filter: filter, proj: proj, mode: mode, limit: int(derefInt32(in.Limit))}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	t.mu.RLock()
	err = s.runQuery(pg, &kc, in.ExclusiveStartKey, forward)
	t.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return pg.result(t, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

// result is the page as a Query's or Scan's answer.
func (pg *page) result(t *table, returnCapacity *string, consistentRead *bool) *readResult {
	consistent := consistentRead != nil && *consistentRead
	r := &readResult{count: ptr(int32(pg.count)), scanned: ptr(int32(pg.scanned)),
		capacity: capacity(t, returnCapacity, readUnits(pg.size, consistent), true)}
	if pg.mode != "COUNT" {
		r.items = pg.items
		if r.items == nil {
			r.items = []*record{}
		}
	}
	if pg.full {
		r.last = pg.last
	}
	return r
}

// checkFilterKeys rejects filters on key attributes, which Query does not
// allow.
func checkFilterKeys(n *expr.Node, rt readTarget) *awserr.Error {
	if n.Op == expr.OpPath && len(n.Path) > 0 {
		name := n.Path[0].Name
		if name == rt.key.hash || name == rt.key.rng {
			return validationf("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", name)
		}
	}
	for _, a := range n.Args {
		if err := checkFilterKeys(a, rt); err != nil {
			return err
		}
	}
	return nil
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// runQuery reads one partition of the target within the key condition's
// bounds. The caller holds the table's read lock.
func (s *Service) runQuery(pg *page, kc *keyCond, esk map[string]api.AttributeValue, forward bool) *awserr.Error {
	var kb [64]byte
	pk := string(encodeKey(kb[:0], &kc.hash))
	p := pg.rt.st.parts[pk]
	if p == nil {
		return nil
	}
	from, to := kc.bounds(p)
	if esk != nil {
		spk, ssk, err := pg.rt.startKey(esk)
		if err != nil {
			return err
		}
		if spk != pk {
			return validationf("The provided starting key is invalid: The provided key element does not match the schema")
		}
		i := sort.Search(len(p.entries), func(i int) bool { return bytes.Compare(p.entries[i].sk, ssk) > 0 })
		if forward {
			from = max(from, i)
		} else {
			j := sort.Search(len(p.entries), func(i int) bool { return bytes.Compare(p.entries[i].sk, ssk) >= 0 })
			to = min(to, j)
		}
	}
	pg.reserve(to - from)
	if forward {
		for i := from; i < to; i++ {
			if !pg.add(p.entries[i].record) {
				break
			}
		}
	} else {
		for i := to - 1; i >= from; i-- {
			if !pg.add(p.entries[i].record) {
				break
			}
		}
	}
	// A page that ended exactly at the last match reports no more pages
	// only when nothing remains; DynamoDB still returns a key when the
	// limit was reached, as here.
	return nil
}

func (s *Service) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	r, err := s.scan(ctx, in)
	if err != nil {
		return nil, err
	}
	return &api.ScanOutput{Items: recordItems(r.items), Count: r.count, ScannedCount: r.scanned, LastEvaluatedKey: r.last, ConsumedCapacity: r.capacity}, nil
}

// scan runs a Scan.
func (s *Service) scan(ctx context.Context, in *api.ScanInput) (*readResult, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	rt, err := s.target(t, in.IndexName)
	if err != nil {
		return nil, err
	}
	if rt.ix != nil && rt.ix.global && in.ConsistentRead != nil && *in.ConsistentRead {
		return nil, validationf("Consistent reads are not supported on global secondary indexes")
	}
	segment, total := derefInt32(in.Segment), derefInt32(in.TotalSegments)
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, validationf("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.Segment == nil && in.TotalSegments != nil:
		return nil, validationf("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.Segment != nil && segment >= total:
		return nil, validationf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", segment, total)
	}
	if err := checkMixed([]param{{"AttributesToGet", in.AttributesToGet != nil}, {"ScanFilter", in.ScanFilter != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		[]param{{"ProjectionExpression", in.ProjectionExpression != nil}, {"FilterExpression", in.FilterExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	filter, err := ex.condition("FilterExpression", in.FilterExpression)
	if err != nil {
		return nil, err
	}
	if in.ScanFilter != nil {
		if filter, err = legacyConditions(in.ScanFilter, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	proj, err := ex.projection(in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	if in.AttributesToGet != nil {
		proj = legacyAttributes(in.AttributesToGet)
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	mode, err := selectMode(in.Select, proj, rt)
	if err != nil {
		return nil, err
	}
	pg := &page{rt: rt, filter: filter, proj: proj, mode: mode, limit: int(derefInt32(in.Limit))}
	t.mu.RLock()
	err = s.runScan(pg, in.ExclusiveStartKey, segment, total)
	t.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return pg.result(t, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

// runScan walks the target's partitions in hash order, limited to one
// segment's hash range for a parallel scan.
func (s *Service) runScan(pg *page, esk map[string]api.AttributeValue, segment, total int32) *awserr.Error {
	parts := pg.rt.st.ordered(&pg.rt.t.orderMu)
	start := 0
	var startSK []byte
	if esk != nil {
		spk, ssk, err := pg.rt.startKey(esk)
		if err != nil {
			return err
		}
		h := partHash(spk)
		start = sort.Search(len(parts), func(i int) bool {
			return parts[i].hash > h || parts[i].hash == h && parts[i].key >= spk
		})
		if start < len(parts) && parts[start].key == spk {
			startSK = ssk
		}
	}
	for i := start; i < len(parts); i++ {
		p := parts[i]
		if total > 0 && int32(uint64(p.hash)*uint64(total)>>32) != segment {
			continue
		}
		j := 0
		if startSK != nil && i == start {
			j = sort.Search(len(p.entries), func(k int) bool { return bytes.Compare(p.entries[k].sk, startSK) > 0 })
		}
		for ; j < len(p.entries); j++ {
			if !pg.add(p.entries[j].record) {
				return nil
			}
		}
	}
	return nil
}
