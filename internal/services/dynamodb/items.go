package dynamodb

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// Item and key limits from
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html.
const (
	maxItemSize      = 400 * 1024
	maxHashKeySize   = 2048
	maxRangeKeySize  = 1024
	maxNestingLevels = 32
)

// validateValue checks one attribute value as DynamoDB does and
// normalizes its numbers in place.
func validateValue(v *api.AttributeValue, depth int) *awserr.Error {
	_, err := normalizeValue(v, depth)
	return err
}

// normalizeValue is validateValue, also reporting whether it changed v.
// It writes only what changes: a value already normalized (a stored
// item's, which an update's new item shares) is never written, so readers
// of a stored item never race with it.
func normalizeValue(v *api.AttributeValue, depth int) (bool, *awserr.Error) {
	switch expr.CountTypes(v) {
	case 0:
		return false, validationf("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case 1:
	default:
		return false, validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	if depth > maxNestingLevels {
		return false, validationf("Nesting Levels have exceeded supported limits")
	}
	switch {
	case v.N != nil:
		n, err := normalizeNumber(*v.N)
		if err != nil {
			return false, err
		}
		if n != *v.N {
			v.N = &n
			return true, nil
		}
	case v.NULL != nil:
		if !*v.NULL {
			return false, invalidParam("Null attribute value types must have the value of true")
		}
	case v.SS != nil:
		if len(v.SS) == 0 {
			return false, invalidParam("An string set  may not be empty")
		}
		if dup := duplicates(v.SS); dup {
			return false, invalidParam("Input collection %s contains duplicates.", javaList(v.SS))
		}
	case v.NS != nil:
		if len(v.NS) == 0 {
			return false, invalidParam("An number set  may not be empty")
		}
		out := make([]string, len(v.NS))
		changed := false
		for i, n := range v.NS {
			norm, err := normalizeNumber(n)
			if err != nil {
				return false, err
			}
			out[i] = norm
			changed = changed || norm != n
		}
		if duplicates(out) {
			return false, invalidParam("Input collection %s contains duplicates.", javaList(v.NS))
		}
		if changed {
			v.NS = out
			return true, nil
		}
	case v.BS != nil:
		if len(v.BS) == 0 {
			return false, invalidParam("Binary sets should not be empty")
		}
		strs := make([]string, len(v.BS))
		for i, b := range v.BS {
			strs[i] = string(b)
		}
		if duplicates(strs) {
			return false, invalidParam("Input collection contains duplicates.")
		}
	case v.M != nil:
		changed := false
		for k, x := range v.M {
			ch, err := normalizeValue(&x, depth+1)
			if err != nil {
				return false, err
			}
			if ch {
				v.M[k] = x
				changed = true
			}
		}
		return changed, nil
	case v.L != nil:
		changed := false
		for i := range v.L {
			ch, err := normalizeValue(&v.L[i], depth+1)
			if err != nil {
				return false, err
			}
			changed = changed || ch
		}
		return changed, nil
	}
	return false, nil
}

func normalizeNumber(s string) (string, *awserr.Error) {
	n, err := expr.Normalize(s)
	if err != nil {
		if errors.Is(err, expr.ErrNotNumber) {
			return "", validationf("The parameter cannot be converted to a numeric value: %s", s)
		}
		return "", validationf("%s", err.Error())
	}
	return n, nil
}

func duplicates(list []string) bool {
	if len(list) < 2 {
		return false
	}
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

func javaList(list []string) string { return "[" + strings.Join(list, ", ") + "]" }

// valueSize is an attribute value's size as DynamoDB bills and limits it
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
func valueSize(v *api.AttributeValue) int {
	switch {
	case v.S != nil:
		return len(*v.S)
	case v.N != nil:
		return numberSize(*v.N)
	case v.B != nil:
		return len(v.B)
	case v.BOOL != nil, v.NULL != nil:
		return 1
	case v.SS != nil:
		n := 0
		for _, s := range v.SS {
			n += len(s)
		}
		return n
	case v.NS != nil:
		n := 0
		for _, s := range v.NS {
			n += numberSize(s)
		}
		return n
	case v.BS != nil:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	case v.M != nil:
		n := 3
		for k, x := range v.M {
			n += len(k) + valueSize(&x) + 1
		}
		return n
	case v.L != nil:
		n := 3
		for i := range v.L {
			n += valueSize(&v.L[i]) + 1
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	d, err := expr.ParseNumber(s)
	if err != nil {
		return len(s)
	}
	return (d.SignificantDigits()+1)/2 + 1
}

// itemSize is the item's size: names plus values.
func itemSize(item expr.Item) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(&v)
	}
	return n
}

// validateItem checks every value of an item to be written.
func validateItem(item map[string]api.AttributeValue) *awserr.Error {
	for k, v := range item {
		changed, err := normalizeValue(&v, 1)
		if err != nil {
			return err
		}
		if changed {
			item[k] = v
		}
	}
	return nil
}

// keyOf extracts and checks the primary key of a whole item (PutItem).
func (t *table) keyOf(item expr.Item) (string, api.AttributeValue, []byte, *awserr.Error) {
	hv, ok := item[t.key.hash]
	if !ok {
		return "", hv, nil, invalidParam("Missing the key %s in the item", t.key.hash)
	}
	if err := checkKeyValue(t.key.hash, t.key.hashType, &hv, maxHashKeySize); err != nil {
		return "", hv, nil, err
	}
	var kb [64]byte
	pk := string(encodeKey(kb[:0], &hv))
	var sk []byte
	if t.key.rng != "" {
		rv, ok := item[t.key.rng]
		if !ok {
			return "", hv, nil, invalidParam("Missing the key %s in the item", t.key.rng)
		}
		if err := checkKeyValue(t.key.rng, t.key.rngType, &rv, maxRangeKeySize); err != nil {
			return "", hv, nil, err
		}
		sk = encodeKey(nil, &rv)
	}
	return pk, hv, sk, nil
}

func checkKeyValue(name, typ string, v *api.AttributeValue, max int) *awserr.Error {
	if got := expr.TypeOf(v); got != typ {
		return invalidParam("Type mismatch for key %s expected: %s actual: %s", name, typ, got)
	}
	switch {
	case v.S != nil && *v.S == "":
		return validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", name)
	case v.B != nil && len(v.B) == 0:
		return validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: %s", name)
	}
	if valueSize(v) > max {
		if max == maxHashKeySize {
			return invalidParam("Size of hashkey has exceeded the maximum size limit of2048 bytes")
		}
		return invalidParam("Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// keyFromKey checks a Key parameter: exactly the table's key attributes.
func (t *table) keyFromKey(key map[string]api.AttributeValue) (string, api.AttributeValue, []byte, *awserr.Error) {
	want := 1
	if t.key.rng != "" {
		want = 2
	}
	for k, v := range key {
		changed, err := normalizeValue(&v, 1)
		if err != nil {
			return "", v, nil, err
		}
		if changed {
			key[k] = v
		}
	}
	_, okh := key[t.key.hash]
	_, okr := key[t.key.rng]
	if len(key) != want || !okh || (t.key.rng != "" && !okr) {
		return "", api.AttributeValue{}, nil, validationf("The provided key element does not match the schema")
	}
	hv := key[t.key.hash]
	if expr.TypeOf(&hv) != t.key.hashType {
		return "", hv, nil, validationf("The provided key element does not match the schema")
	}
	if rv, ok := key[t.key.rng]; ok && expr.TypeOf(&rv) != t.key.rngType {
		return "", hv, nil, validationf("The provided key element does not match the schema")
	}
	return t.keyOf(key)
}

// keyItem returns just the table's key attributes of item.
func (t *table) keyItem(item expr.Item) expr.Item {
	out := expr.Item{t.key.hash: item[t.key.hash]}
	if t.key.rng != "" {
		out[t.key.rng] = item[t.key.rng]
	}
	return out
}

// indexKey returns the index's store keys for an item, or ok false when
// the item lacks (or mistypes) an index key attribute: indexes are sparse.
func (ix *index) indexKey(t *table, item expr.Item) (pk string, hv api.AttributeValue, sk []byte, ok bool) {
	hv, ok = item[ix.key.hash]
	if !ok || expr.TypeOf(&hv) != ix.key.hashType {
		return "", hv, nil, false
	}
	var kb [64]byte
	pk = string(encodeKey(kb[:0], &hv))
	if ix.key.rng != "" {
		rv, ok := item[ix.key.rng]
		if !ok || expr.TypeOf(&rv) != ix.key.rngType {
			return "", hv, nil, false
		}
		sk = encodeKey(sk, &rv)
	}
	th := item[t.key.hash]
	sk = encodeKey(sk, &th)
	if t.key.rng != "" {
		tr := item[t.key.rng]
		sk = encodeKey(sk, &tr)
	}
	return pk, hv, sk, true
}

func (ix *index) add(t *table, rec *record) {
	if pk, hv, sk, ok := ix.indexKey(t, rec.item); ok {
		ix.data.put(pk, hv, sk, rec)
	}
}

func (ix *index) remove(t *table, item expr.Item) {
	if pk, _, sk, ok := ix.indexKey(t, item); ok {
		ix.data.remove(pk, sk)
	}
}

// write stores (or with item nil deletes) the item at (pk, sk), keeping
// indexes, counters, the stream and the journal in step, and returns the
// previous item. The caller holds t.mu exclusively. userIdentity marks
// deletions made by TTL.
func (s *Service) write(t *table, pk string, hv api.AttributeValue, sk []byte, item expr.Item, ttl bool) (expr.Item, *awserr.Error) {
	var rec *record
	if item != nil {
		rec = newRecord(item)
	}
	return s.writeRecord(t, pk, hv, sk, rec, ttl)
}

// writeRecord is write with the new item's record (nil to delete).
func (s *Service) writeRecord(t *table, pk string, hv api.AttributeValue, sk []byte, rec *record, ttl bool) (expr.Item, *awserr.Error) {
	var item expr.Item
	if rec != nil {
		item = rec.item
	}
	if s.persistent {
		if err := s.persistItem(t, pk, sk, item); err != nil {
			return nil, err
		}
	}
	var oldRec *record
	if rec == nil {
		oldRec = t.data.remove(pk, sk)
	} else {
		oldRec = t.data.put(pk, hv, sk, rec)
	}
	var old expr.Item
	if oldRec != nil {
		old = oldRec.item
		t.itemCount--
		t.bytes -= int64(oldRec.size)
	}
	if rec != nil {
		t.itemCount++
		t.bytes += int64(rec.size)
	}
	for _, ix := range t.lsis {
		t.reindex(ix, old, rec)
	}
	for _, ix := range t.gsis {
		t.reindex(ix, old, rec)
	}
	if t.stream != nil && t.stream.enabled {
		t.stream.record(s, t, old, item, ttl)
	}
	return old, nil
}

func (t *table) reindex(ix *index, old expr.Item, rec *record) {
	if old != nil {
		ix.remove(t, old)
	}
	if rec != nil {
		ix.add(t, rec)
	}
}

// exprs parses a request's expressions against its ExpressionAttribute
// Names and Values and reports what DynamoDB reports about them.
type exprs struct {
	env  expr.Env
	used bool
}

func newExprs(names map[string]string, values map[string]api.AttributeValue) (*exprs, *awserr.Error) {
	if names != nil && len(names) == 0 {
		return nil, validationf("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return nil, validationf("ExpressionAttributeValues must not be empty")
	}
	for k := range names {
		if len(k) < 2 || k[0] != '#' || !identChars(k[1:]) {
			return nil, validationf("ExpressionAttributeNames contains invalid key: Syntax error; key: %q", k)
		}
	}
	for k, v := range values {
		if len(k) < 2 || k[0] != ':' || !identChars(k[1:]) {
			return nil, validationf("ExpressionAttributeValues contains invalid key: Syntax error; key: %q", k)
		}
		changed, err := normalizeValue(&v, 1)
		if err != nil {
			return nil, validationf("ExpressionAttributeValues contains invalid value: %s for key %s", err.Message, k)
		}
		if changed {
			values[k] = v
		}
	}
	return &exprs{env: expr.Env{Names: names, Values: values}}, nil
}

func identChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func exprErr(param string, err error) *awserr.Error {
	return validationf("Invalid %s: %s", param, err.Error())
}

func (e *exprs) condition(param string, src *string) (*expr.Node, *awserr.Error) {
	if src == nil {
		return nil, nil
	}
	e.used = true
	n, err := expr.ParseCondition(*src, &e.env)
	if err != nil {
		return nil, exprErr(param, err)
	}
	return n, nil
}

func (e *exprs) projection(src *string) ([]expr.Path, *awserr.Error) {
	if src == nil {
		return nil, nil
	}
	e.used = true
	p, err := expr.ParseProjection(*src, &e.env)
	if err != nil {
		return nil, exprErr("ProjectionExpression", err)
	}
	return p, nil
}

func (e *exprs) update(src *string) (*expr.Update, *awserr.Error) {
	if src == nil {
		return nil, nil
	}
	e.used = true
	u, err := expr.ParseUpdate(*src, &e.env)
	if err != nil {
		return nil, exprErr("UpdateExpression", err)
	}
	return u, nil
}

// finish reports names or values the expressions did not use.
func (e *exprs) finish() *awserr.Error {
	if !e.used {
		if e.env.Values != nil {
			return validationf("ExpressionAttributeValues can only be specified when using expressions")
		}
		if e.env.Names != nil {
			return validationf("ExpressionAttributeNames can only be specified when using expressions")
		}
		return nil
	}
	if unused := unusedKeys(e.env.Names, e.env.UsedNames); unused != "" {
		return validationf("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", unused)
	}
	if unused := unusedKeysV(e.env.Values, e.env.UsedValues); unused != "" {
		return validationf("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", unused)
	}
	return nil
}

func unusedKeys(m map[string]string, used map[string]bool) string {
	var out []string
	for k := range m {
		if !used[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func unusedKeysV(m map[string]api.AttributeValue, used map[string]bool) string {
	var out []string
	for k := range m {
		if !used[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// capacity builds ConsumedCapacity for units of one table.
func capacity(t *table, mode *string, units float64, read bool) *api.ConsumedCapacity {
	if mode == nil || *mode == "NONE" {
		return nil
	}
	c := &api.ConsumedCapacity{TableName: ptr(t.name), CapacityUnits: ptr(units)}
	if read {
		c.ReadCapacityUnits = ptr(units)
	} else {
		c.WriteCapacityUnits = ptr(units)
	}
	if *mode == "INDEXES" {
		c.Table = &api.Capacity{CapacityUnits: ptr(units)}
	}
	return c
}

func writeUnits(item expr.Item) float64 {
	return writeUnitsOfSize(itemSize(item))
}

// writeUnitsOfSize is writeUnits for an item of size bytes.
func writeUnitsOfSize(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

func conditionFailed(item expr.Item, returnOnFailure *string) *awserr.Error {
	e := api.ErrConditionalCheckFailedException("The conditional request failed")
	if returnOnFailure != nil && *returnOnFailure == "ALL_OLD" && item != nil {
		e = e.With("Item", itemWire(item))
	}
	return e
}

func (s *Service) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	rv := deref(in.ReturnValues)
	if rv != "" && rv != "NONE" && rv != "ALL_OLD" {
		return nil, validationf("ReturnValues can only be ALL_OLD or NONE")
	}
	if err := checkMixed([]param{{"Expected", in.Expected != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		[]param{{"ConditionExpression", in.ConditionExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	cond, err := ex.condition("ConditionExpression", in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if in.Expected != nil {
		if cond, err = legacyExpected(in.Expected, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	if err := validateItem(in.Item); err != nil {
		return nil, err
	}
	pk, hv, sk, err := t.keyOf(in.Item)
	if err != nil {
		return nil, err
	}
	rec := newRecord(in.Item)
	if rec.size > maxItemSize {
		return nil, validationf("Item size has exceeded the maximum allowed size")
	}
	t.mu.Lock()
	old := t.data.get(pk, sk)
	if cond != nil && !expr.Eval(cond, old) {
		t.mu.Unlock()
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
	}
	_, err = s.writeRecord(t, pk, hv, sk, rec, false)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := &api.PutItemOutput{ConsumedCapacity: capacity(t, in.ReturnConsumedCapacity, writeUnitsOfSize(rec.size), false)}
	if rv == "ALL_OLD" && old != nil {
		out.Attributes = old
	}
	return out, nil
}

func (s *Service) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	out, err := s.getItem(ctx, in)
	if err != nil {
		return nil, err
	}
	o := &api.GetItemOutput{ConsumedCapacity: out.ConsumedCapacity}
	if out.Item != nil {
		o.Item = out.Item.item
	}
	return o, nil
}

// getItem runs a GetItem.
func (s *Service) getItem(ctx context.Context, in *api.GetItemInput) (*getItemWire, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := checkMixed([]param{{"AttributesToGet", in.AttributesToGet != nil}},
		[]param{{"ProjectionExpression", in.ProjectionExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, nil)
	if err != nil {
		return nil, err
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
	pk, _, sk, err := t.keyFromKey(in.Key)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	rec := t.data.lookup(pk, sk)
	t.mu.RUnlock()
	size := 0
	if rec != nil {
		size = rec.size
	}
	consistent := in.ConsistentRead != nil && *in.ConsistentRead
	out := &getItemWire{ConsumedCapacity: capacity(t, in.ReturnConsumedCapacity, readUnits(size, consistent), true)}
	if rec != nil {
		if proj != nil {
			rec = &record{item: expr.Project(rec.item, proj), transient: true}
		}
		out.Item = rec
	}
	return out, nil
}

func (s *Service) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	rv := deref(in.ReturnValues)
	if rv != "" && rv != "NONE" && rv != "ALL_OLD" {
		return nil, validationf("ReturnValues can only be ALL_OLD or NONE")
	}
	if err := checkMixed([]param{{"Expected", in.Expected != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		[]param{{"ConditionExpression", in.ConditionExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	cond, err := ex.condition("ConditionExpression", in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if in.Expected != nil {
		if cond, err = legacyExpected(in.Expected, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	pk, hv, sk, err := t.keyFromKey(in.Key)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	old := t.data.get(pk, sk)
	if cond != nil && !expr.Eval(cond, old) {
		t.mu.Unlock()
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
	}
	if old != nil {
		_, err = s.write(t, pk, hv, sk, nil, false)
	}
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := &api.DeleteItemOutput{ConsumedCapacity: capacity(t, in.ReturnConsumedCapacity, writeUnits(old), false)}
	if rv == "ALL_OLD" && old != nil {
		out.Attributes = old
	}
	return out, nil
}

func (s *Service) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	t, err := s.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := checkMixed([]param{{"AttributeUpdates", in.AttributeUpdates != nil}, {"Expected", in.Expected != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		[]param{{"UpdateExpression", in.UpdateExpression != nil}, {"ConditionExpression", in.ConditionExpression != nil}}); err != nil {
		return nil, err
	}
	ex, err := newExprs(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	upd, err := ex.update(in.UpdateExpression)
	if err != nil {
		return nil, err
	}
	cond, err := ex.condition("ConditionExpression", in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if in.AttributeUpdates != nil {
		if upd, err = legacyUpdates(in.AttributeUpdates); err != nil {
			return nil, err
		}
	}
	if in.Expected != nil {
		if cond, err = legacyExpected(in.Expected, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	if err := ex.finish(); err != nil {
		return nil, err
	}
	pk, hv, sk, err := t.keyFromKey(in.Key)
	if err != nil {
		return nil, err
	}
	if upd != nil {
		for _, a := range upd.Actions {
			if len(a.Path) > 0 && (a.Path[0].Name == t.key.hash || a.Path[0].Name == t.key.rng) {
				return nil, invalidParam("Cannot update attribute %s. This attribute is part of the key", a.Path[0].Name)
			}
		}
	}
	t.mu.Lock()
	old := t.data.get(pk, sk)
	if cond != nil && !expr.Eval(cond, old) {
		t.mu.Unlock()
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
	}
	base := old
	if base == nil {
		base = t.keyItem(in.Key)
	}
	item := base
	if upd != nil {
		applied, aerr := upd.Apply(base)
		if aerr != nil {
			t.mu.Unlock()
			return nil, validationf("%s", aerr.Error())
		}
		item = applied
		if verr := validateItem(item); verr != nil {
			t.mu.Unlock()
			return nil, verr
		}
	}
	if itemSize(item) > maxItemSize {
		t.mu.Unlock()
		return nil, validationf("Item size to update has exceeded the maximum allowed size")
	}
	_, err = s.write(t, pk, hv, sk, item, false)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := &api.UpdateItemOutput{ConsumedCapacity: capacity(t, in.ReturnConsumedCapacity, writeUnits(item), false)}
	out.Attributes = returnValues(deref(in.ReturnValues), old, item, upd)
	return out, nil
}

// returnValues picks UpdateItem's Attributes for a ReturnValues setting.
func returnValues(rv string, old, item expr.Item, upd *expr.Update) expr.Item {
	var paths []expr.Path
	if upd != nil {
		for _, a := range upd.Actions {
			paths = append(paths, a.Path)
		}
	}
	var out expr.Item
	switch rv {
	case "ALL_OLD":
		out = old
	case "ALL_NEW":
		out = item
	case "UPDATED_OLD":
		if old != nil {
			out = expr.Project(old, paths)
		}
	case "UPDATED_NEW":
		out = expr.Project(item, paths)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
