package awsjson

import (
	"reflect"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// DecodeTypedRequest is DecodeRequest straight into in, a pointer to the
// operation's generated input structure, without the tree: the mirror of
// EncodeTypedResponse. When the body is one the direct decoder takes (see
// decodeDirect), in's Go type follows the generator's conventions, and
// accept(c, in) approves the decoded value (the gateway's model
// validation), in holds exactly what protocol.Bind makes of the tree
// DecodeRequest returns, and DecodeTypedRequest returns nil, nil.
// Otherwise it leaves in zero and returns what DecodeRequest returns for
// the same body, the tree or the error, so every error and every unusual
// document (syntax and type errors, nulls in lists and maps, documents
// the direct decoder hands to encoding/json) takes the tree path
// unchanged.
func (cd Codec) DecodeTypedRequest(c *protocol.Call, in any, accept func(c *protocol.Call, in any) bool) (map[string]any, error) {
	bp := bodyPool.Get().(*[]byte)
	body, err := readBody(c.Request, MaxBodySize, (*bp)[:0])
	defer func() {
		if cap(body) <= maxPooledBuffer {
			*bp = body
			bodyPool.Put(bp)
		}
	}()
	if err != nil {
		return nil, err
	}
	if dst := reflect.ValueOf(in); c.Operation.Input != nil && dst.Kind() == reflect.Pointer && !dst.IsNil() {
		if decodeTyped(body, dst.Elem(), c.Operation.Input.Shape) && accept(c, in) {
			return nil, nil
		}
		dst.Elem().SetZero()
	}
	return decodeTree(c, body)
}

// decodeTyped decodes body into v (addressable) as structure s, reporting
// false, with v partly written, whenever the direct decoder would not
// produce a tree from body or v's type does not follow the generator's
// conventions.
func decodeTyped(body []byte, v reflect.Value, s *model.Shape) bool {
	dec := decoderFor(v.Type(), s)
	if dec == nil {
		return false
	}
	d := directDecoder{data: body}
	if d.peek() != '{' {
		return false
	}
	if !dec.fn(&d, v) {
		return false
	}
	d.space()
	return d.pos == len(d.data)
}

// decodeFunc decodes the next value, which is not JSON null, into v (an
// addressable value of the decoder's Go type), replacing all of v as
// protocol.Bind replaces a member, or reports false.
type decodeFunc func(d *directDecoder, v reflect.Value) bool

// typedDecoder is the compiled decoder of one Go type as one shape.
type typedDecoder struct {
	fn decodeFunc
}

type decoderKey struct {
	t     reflect.Type
	shape *model.Shape
}

var (
	typedDecoders   sync.Map // decoderKey -> *typedDecoder, nil when declined
	decodeCompileMu sync.Mutex
)

// decoderFor returns the decoder of Go type t as structure s, compiling
// it (and the decoders it uses) on first use; nil when some part of t
// does not follow the generator's conventions (then every body of t takes
// the tree path).
func decoderFor(t reflect.Type, s *model.Shape) *typedDecoder {
	if e, ok := rootDecoders.Load(t); ok {
		if r := e.(*rootDecoder); r.shape == s {
			return r.dec
		}
	}
	k := decoderKey{t, s}
	if e, ok := typedDecoders.Load(k); ok {
		dec := e.(*typedDecoder)
		rootDecoders.Store(t, &rootDecoder{s, dec})
		return dec
	}
	decodeCompileMu.Lock()
	defer decodeCompileMu.Unlock()
	if e, ok := typedDecoders.Load(k); ok {
		return e.(*typedDecoder)
	}
	c := decodeCompiler{building: map[decoderKey]*typedDecoder{}}
	dec := c.decoder(t, &model.Ref{Shape: s})
	if c.declined {
		typedDecoders.Store(k, (*typedDecoder)(nil))
		return nil
	}
	for k, b := range c.building {
		typedDecoders.Store(k, b)
	}
	return dec
}

// rootDecoder is the decoder DecodeTypedRequest last used for a Go type;
// looking it up by the type alone is cheaper than by (type, shape), and a
// generated input type meets one shape.
type rootDecoder struct {
	shape *model.Shape
	dec   *typedDecoder
}

var rootDecoders sync.Map // reflect.Type -> *rootDecoder

// decodeCompiler builds the decoders of one type graph; building holds
// those in progress (recursive shapes refer to themselves), declined
// records that some part cannot be decoded directly.
type decodeCompiler struct {
	building map[decoderKey]*typedDecoder
	declined bool
}

func (c *decodeCompiler) decoder(t reflect.Type, r *model.Ref) *typedDecoder {
	k := decoderKey{t, r.Shape}
	if e, ok := typedDecoders.Load(k); ok && e.(*typedDecoder) != nil {
		return e.(*typedDecoder)
	}
	if e := c.building[k]; e != nil {
		return e
	}
	e := &typedDecoder{}
	c.building[k] = e
	e.fn = c.compile(t, r.Shape)
	if e.fn == nil {
		c.declined = true
	}
	return e
}

// compile returns the decode function of t as s, or nil when t is not
// what the generator makes of s (the Go kinds protocol.Bind fills from
// the tree of s without error).
func (c *decodeCompiler) compile(t reflect.Type, s *model.Shape) decodeFunc {
	if t.Kind() == reflect.Pointer {
		elem := c.decoder(t.Elem(), &model.Ref{Shape: s})
		et := t.Elem()
		return func(d *directDecoder, v reflect.Value) bool {
			p := reflect.New(et)
			if !elem.fn(d, p.Elem()) {
				return false
			}
			v.Set(p)
			return true
		}
	}
	switch s.Type {
	case "structure":
		if s.Document {
			if t.Kind() == reflect.Interface && t.NumMethod() == 0 {
				return documentDecoder
			}
			return nil
		}
		if t.Kind() == reflect.Struct && t != timeType {
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
	case "string":
		if t.Kind() == reflect.String {
			return stringDecoder
		}
	case "boolean":
		if t.Kind() == reflect.Bool {
			return boolDecoder
		}
	case "integer", "long", "short", "byte":
		switch t.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			typ := s.Type
			return func(d *directDecoder, v reflect.Value) bool {
				i, ok := d.integer(typ)
				if ok {
					v.SetInt(i)
				}
				return ok
			}
		}
	case "float", "double":
		switch t.Kind() {
		case reflect.Float32, reflect.Float64:
			return func(d *directDecoder, v reflect.Value) bool {
				f, ok := d.double(d.data[d.pos])
				if ok {
					v.SetFloat(f)
				}
				return ok
			}
		}
	case "timestamp":
		if t == timeType {
			return func(d *directDecoder, v reflect.Value) bool {
				tm, ok := d.timestamp(d.data[d.pos])
				if ok {
					*v.Addr().Interface().(*time.Time) = tm
				}
				return ok
			}
		}
	case "blob":
		if t == bytesType {
			return func(d *directDecoder, v reflect.Value) bool {
				b, ok := d.blob(d.data[d.pos])
				if ok {
					v.SetBytes(b)
				}
				return ok
			}
		}
	}
	return nil
}

// The scalar decoders are called with d.pos at the value's first byte
// (the caller has peeked it).

func stringDecoder(d *directDecoder, v reflect.Value) bool {
	if d.data[d.pos] != '"' {
		return false
	}
	str, ok := d.str()
	if ok {
		v.SetString(str)
	}
	return ok
}

func boolDecoder(d *directDecoder, v reflect.Value) bool {
	switch d.data[d.pos] {
	case 't':
		v.SetBool(true)
		return d.literal("true")
	case 'f':
		v.SetBool(false)
		return d.literal("false")
	}
	return false
}

func documentDecoder(d *directDecoder, v reflect.Value) bool {
	x, ok := d.raw()
	if ok {
		v.Set(reflect.ValueOf(x))
	}
	return ok
}

// typedMember is one member of a structure decoder: its Go field and the
// field's decoder.
type typedMember struct {
	index int
	dec   *typedDecoder
}

// structure decodes a JSON object into a generated struct: members by
// their JSON names (unknown keys skipped, null leaving the member absent,
// a repeated key replacing the earlier value), as the direct decoder
// builds the tree and Bind stores it. Every member of s needs a field
// tagged with its name.
func (c *decodeCompiler) structure(t reflect.Type, s *model.Shape) decodeFunc {
	wire := membersByWireName(s)
	if wire == nil {
		return nil
	}
	byTag := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
			byTag[name] = i
		}
	}
	members := make(map[string]typedMember, len(wire))
	for name, mem := range wire {
		i, ok := byTag[mem.Name]
		if !ok || !t.Field(i).IsExported() {
			return nil
		}
		members[name] = typedMember{index: i, dec: c.decoder(t.Field(i).Type, mem.Ref)}
	}
	return func(d *directDecoder, v reflect.Value) bool {
		if d.data[d.pos] != '{' {
			return false
		}
		v.SetZero()
		return d.object(func(raw []byte, plain bool) bool {
			var m typedMember
			var found bool
			if plain {
				m, found = members[string(raw[1:len(raw)-1])]
			} else {
				key, ok := unquote(raw)
				if !ok {
					return false
				}
				m, found = members[key]
			}
			if !found {
				return d.skip()
			}
			c := d.peek()
			if c == 0 {
				return false
			}
			f := v.Field(m.index)
			if c == 'n' {
				f.SetZero()
				return d.literal("null")
			}
			return m.dec.fn(d, f)
		})
	}
}

// list decodes a JSON array into a slice (empty but not nil for []); a
// null element is left to the tree path.
func (c *decodeCompiler) list(t reflect.Type, s *model.Shape) decodeFunc {
	elem := c.decoder(t.Elem(), s.Member)
	return func(d *directDecoder, v reflect.Value) bool {
		if d.data[d.pos] != '[' {
			return false
		}
		v.Set(reflect.MakeSlice(t, 0, 0))
		n := 0
		return d.array(func() bool {
			if c := d.peek(); c == 0 || c == 'n' {
				return false
			}
			if n == v.Cap() {
				v.Grow(4)
			}
			v.SetLen(n + 1)
			n++
			return elem.fn(d, v.Index(n-1))
		})
	}
}

// mapping decodes a JSON object into a map with string keys (a repeated
// key replacing the earlier value); a null value is left to the tree
// path.
func (c *decodeCompiler) mapping(t reflect.Type, s *model.Shape) decodeFunc {
	elem := c.decoder(t.Elem(), s.Value)
	keyType, elemType := t.Key(), t.Elem()
	scratch := &sync.Pool{New: func() any {
		return &mapEntry{key: reflect.New(keyType).Elem(), val: reflect.New(elemType).Elem()}
	}}
	return func(d *directDecoder, v reflect.Value) bool {
		if d.data[d.pos] != '{' {
			return false
		}
		m := reflect.MakeMapWithSize(t, 4)
		e := scratch.Get().(*mapEntry)
		key, val := e.key, e.val
		defer func() {
			key.SetZero()
			val.SetZero()
			scratch.Put(e)
		}()
		ok := d.object(func(raw []byte, plain bool) bool {
			if plain {
				key.SetString(string(raw[1 : len(raw)-1]))
			} else if k, ok := unquote(raw); ok {
				key.SetString(k)
			} else {
				return false
			}
			if c := d.peek(); c == 0 || c == 'n' {
				return false
			}
			if !elem.fn(d, val) {
				return false
			}
			m.SetMapIndex(key, val)
			return true
		})
		if ok {
			v.Set(m)
		}
		return ok
	}
}

// mapEntry is a map decoder's working space: the key and value of the
// entry being decoded, which SetMapIndex copies into the map.
type mapEntry struct {
	key, val reflect.Value
}
