package awsjson

import (
	"encoding/base64"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// AppendTyped writes v, a handler's typed value (a generated structure, a
// pointer to one, or any value protocol.Unbind takes), as JSON of r's
// shape. It writes exactly what Append(buf, protocol.Unbind(v), r) writes,
// without building the tree: an encoder compiled once per Go type and
// shape walks the value by reflection. Go types and shapes that do not
// match the generator's conventions, interfaces (documents) and values of
// type [Marshaler] take the general route or their own encoding for that
// value only.
func AppendTyped(buf []byte, v any, r *model.Ref) []byte {
	if v == nil {
		return append(buf, "null"...)
	}
	rv := reflect.ValueOf(v)
	out, ok := encoderFor(rv.Type(), r).fn(buf, rv)
	if !ok {
		return append(out, "null"...)
	}
	return out
}

// Marshaler is a typed value that has its JSON encoding at hand, such as
// a store's cached encoding of an item. AppendAWSJSON appends the value as
// JSON of r's shape, or reports false, leaving buf as it was, when the
// value is absent (a nil structure member, a null list element). A
// Marshaler stands in a typed output for a value of a generated type,
// and must write exactly what AppendTyped writes for that value.
type Marshaler interface {
	AppendAWSJSON(buf []byte, r *model.Ref) ([]byte, bool)
}

// encodeFunc appends v as JSON, or reports false when v is absent (its
// tree value is nil: a nil pointer, slice, map or interface), in which
// case it returns buf unchanged.
type encodeFunc func(buf []byte, v reflect.Value) ([]byte, bool)

// typedEncoder is the compiled encoder of one Go type as one shape.
type typedEncoder struct {
	fn encodeFunc
}

type encoderKey struct {
	t      reflect.Type
	shape  *model.Shape
	format string
}

var (
	typedEncoders sync.Map // encoderKey -> *typedEncoder
	compileMu     sync.Mutex
)

func keyOf(t reflect.Type, r *model.Ref) encoderKey {
	return encoderKey{t, r.Shape, r.TimestampFormat}
}

// encoderFor returns the encoder of Go type t as r's shape, compiling it
// (and the encoders it uses) on first use.
func encoderFor(t reflect.Type, r *model.Ref) *typedEncoder {
	k := keyOf(t, r)
	if e, ok := typedEncoders.Load(k); ok {
		return e.(*typedEncoder)
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	if e, ok := typedEncoders.Load(k); ok {
		return e.(*typedEncoder)
	}
	c := compiler{building: map[encoderKey]*typedEncoder{}}
	e := c.encoder(t, r)
	for k, b := range c.building {
		typedEncoders.Store(k, b)
	}
	return e
}

// compiler builds the encoders of one type graph; building holds those
// in progress, so recursive shapes (DynamoDB's AttributeValue) refer to
// themselves.
type compiler struct {
	building map[encoderKey]*typedEncoder
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	marshalType = reflect.TypeFor[Marshaler]()
)

func (c *compiler) encoder(t reflect.Type, r *model.Ref) *typedEncoder {
	k := keyOf(t, r)
	if e, ok := typedEncoders.Load(k); ok {
		return e.(*typedEncoder)
	}
	if e := c.building[k]; e != nil {
		return e
	}
	e := &typedEncoder{}
	c.building[k] = e
	e.fn = c.compile(t, r)
	return e
}

// compile returns the encode function of t as r's shape, mirroring what
// protocol.Unbind makes of a t and what Append writes of that tree.
func (c *compiler) compile(t reflect.Type, r *model.Ref) encodeFunc {
	if t.Implements(marshalType) {
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			if v.Kind() == reflect.Pointer && v.IsNil() {
				return buf, false
			}
			return v.Interface().(Marshaler).AppendAWSJSON(buf, r)
		}
	}
	s := r.Shape
	switch t.Kind() {
	case reflect.Pointer:
		elem := c.encoder(t.Elem(), r)
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			if v.IsNil() {
				return buf, false
			}
			return elem.fn(buf, v.Elem())
		}
	case reflect.Interface:
		// Unbind passes the dynamic value through as the tree value.
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			if v.IsNil() {
				return buf, false
			}
			return Append(buf, v.Interface(), r), true
		}
	}
	switch s.Type {
	case "structure":
		if !s.Document && t.Kind() == reflect.Struct && t != timeType {
			return c.structure(t, s)
		}
	case "list":
		if t.Kind() == reflect.Slice && t != bytesType {
			return c.list(t, s)
		}
	case "map":
		if t.Kind() == reflect.Map && t.Key().Kind() == reflect.String {
			return c.mapping(t, s)
		}
	case "timestamp":
		if t == timeType {
			return timestampEncoder(r.TimestampFormat + s.TimestampFormat)
		}
	case "blob":
		switch {
		case t == bytesType:
			return bytesEncoder
		case t.Kind() == reflect.String:
			return func(buf []byte, v reflect.Value) ([]byte, bool) {
				buf = append(buf, '"')
				buf = base64.StdEncoding.AppendEncode(buf, []byte(v.String()))
				return append(buf, '"'), true
			}
		}
	default:
		if fn := scalarEncoder(t); fn != nil {
			return fn
		}
	}
	return generalEncoder(r)
}

// generalEncoder is the exact fallback: the tree of the value, through
// Append.
func generalEncoder(r *model.Ref) encodeFunc {
	return func(buf []byte, v reflect.Value) ([]byte, bool) {
		tree := protocol.Unbind(v.Interface())
		if tree == nil {
			return buf, false
		}
		return Append(buf, tree, r), true
	}
}

// scalarEncoder writes the Go kinds Unbind turns into strings, booleans,
// int64 and float64, as appendAny writes them; nil for other kinds.
func scalarEncoder(t reflect.Type) encodeFunc {
	switch t.Kind() {
	case reflect.String:
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			return AppendString(buf, v.String()), true
		}
	case reflect.Bool:
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			return strconv.AppendBool(buf, v.Bool()), true
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			return strconv.AppendInt(buf, v.Int(), 10), true
		}
	case reflect.Float32, reflect.Float64:
		return func(buf []byte, v reflect.Value) ([]byte, bool) {
			return appendFloat(buf, v.Float()), true
		}
	}
	return nil
}

// appendFloat writes a double as appendAny does.
func appendFloat(buf []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(buf, `"NaN"`...)
	case math.IsInf(x, 1):
		return append(buf, `"Infinity"`...)
	case math.IsInf(x, -1):
		return append(buf, `"-Infinity"`...)
	}
	return strconv.AppendFloat(buf, x, 'g', -1, 64)
}

func bytesEncoder(buf []byte, v reflect.Value) ([]byte, bool) {
	if v.IsNil() {
		return buf, false
	}
	buf = append(buf, '"')
	buf = base64.StdEncoding.AppendEncode(buf, v.Bytes())
	return append(buf, '"'), true
}

func timestampEncoder(format string) encodeFunc {
	return func(buf []byte, v reflect.Value) ([]byte, bool) {
		t := v.Interface().(time.Time)
		switch format {
		case "iso8601":
			return AppendString(buf, timefmt.ISO8601(t)), true
		case "rfc822":
			return AppendString(buf, timefmt.HTTPDate(t)), true
		}
		return timefmt.AppendEpoch(buf, t), true
	}
}

// structField is one member of a structure encoder: the Go field holding
// it (nilable when a nil value means an absent member), its encoder and
// `"name":` (with a leading comma in rest).
type structField struct {
	index   int
	nilable bool
	enc     *typedEncoder
	first   []byte
	rest    []byte
}

// structure encodes a generated struct: the members Append would write
// (model order, body members only) that have a field with their name as
// its aws tag.
func (c *compiler) structure(t reflect.Type, s *model.Shape) encodeFunc {
	byTag := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
			byTag[name] = i
		}
	}
	var fields []structField
	for _, mem := range s.Members {
		if mem.Location != "" {
			continue
		}
		i, ok := byTag[mem.Name]
		if !ok {
			continue
		}
		name := mem.Name
		if mem.LocationName != "" {
			name = mem.LocationName
		}
		key := append(AppendString(nil, name), ':')
		ft := t.Field(i).Type
		k := ft.Kind()
		fields = append(fields, structField{
			index:   i,
			nilable: k == reflect.Pointer || k == reflect.Slice || k == reflect.Map || k == reflect.Interface,
			enc:     c.encoder(ft, mem.Ref),
			first:   key,
			rest:    append([]byte{','}, key...),
		})
	}
	return func(buf []byte, v reflect.Value) ([]byte, bool) {
		buf = append(buf, '{')
		first := true
		for i := range fields {
			f := &fields[i]
			fv := v.Field(f.index)
			if f.nilable && fv.IsNil() {
				continue
			}
			mark := len(buf)
			if first {
				buf = append(buf, f.first...)
			} else {
				buf = append(buf, f.rest...)
			}
			var ok bool
			if buf, ok = f.enc.fn(buf, fv); ok {
				first = false
			} else {
				buf = buf[:mark]
			}
		}
		return append(buf, '}'), true
	}
}

// list encodes a slice; absent elements are null.
func (c *compiler) list(t reflect.Type, s *model.Shape) encodeFunc {
	elem := c.encoder(t.Elem(), s.Member)
	return func(buf []byte, v reflect.Value) ([]byte, bool) {
		if v.IsNil() {
			return buf, false
		}
		buf = append(buf, '[')
		n := v.Len()
		for i := 0; i < n; i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = elem.fn(buf, v.Index(i)); !ok {
				buf = append(buf, "null"...)
			}
		}
		return append(buf, ']'), true
	}
}

// mapScratch is a map encoder's working space: the keys and a slice of
// the map's element type holding the values, in iteration order, and the
// order to write them in.
type mapScratch struct {
	keys  []string
	vals  reflect.Value
	order []int
}

// mapping encodes a map with string keys, keys sorted as Append sorts
// them; absent values are null.
func (c *compiler) mapping(t reflect.Type, s *model.Shape) encodeFunc {
	elem := c.encoder(t.Elem(), s.Value)
	sliceType := reflect.SliceOf(t.Elem())
	keyType := t.Key()
	pool := &sync.Pool{New: func() any {
		return &mapScratch{vals: reflect.MakeSlice(sliceType, 0, 8)}
	}}
	return func(buf []byte, v reflect.Value) ([]byte, bool) {
		if v.IsNil() {
			return buf, false
		}
		n := v.Len()
		if n == 0 {
			return append(buf, "{}"...), true
		}
		sc := pool.Get().(*mapScratch)
		if sc.vals.Cap() < n {
			sc.vals = reflect.MakeSlice(sliceType, n, n)
		} else {
			sc.vals = sc.vals.Slice(0, n)
		}
		sc.keys, sc.order = sc.keys[:0], sc.order[:0]
		key := reflect.New(keyType).Elem()
		var it reflect.MapIter
		it.Reset(v)
		for i := 0; it.Next() && i < n; i++ {
			key.SetIterKey(&it)
			sc.keys = append(sc.keys, key.String())
			sc.vals.Index(i).SetIterValue(&it)
			sc.order = append(sc.order, i)
		}
		it.Reset(reflect.Value{})
		keys, order := sc.keys, sc.order
		if len(order) <= 12 {
			// Insertion sort: attribute maps and tags are small.
			for i := 1; i < len(order); i++ {
				for j := i; j > 0 && keys[order[j]] < keys[order[j-1]]; j-- {
					order[j], order[j-1] = order[j-1], order[j]
				}
			}
		} else {
			slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		}
		buf = append(buf, '{')
		for i, o := range order {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendString(buf, keys[o])
			buf = append(buf, ':')
			var ok bool
			if buf, ok = elem.fn(buf, sc.vals.Index(o)); !ok {
				buf = append(buf, "null"...)
			}
		}
		sc.vals.Clear()
		clear(sc.keys)
		pool.Put(sc)
		return append(buf, '}'), true
	}
}
