package validate

import (
	"reflect"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
)

// Valid reports whether Check would find no violation in the tree of v
// (what protocol.Unbind makes of v), where v is a generated structure of
// shape, or a pointer to one, without building the tree. A checker is
// compiled once per Go type, shape and options; it looks only at the
// members that can violate something. Valid reports false for values
// whose Go types do not follow the generator's conventions, valid or
// not: a caller then checks the tree, which also words the violations.
func Valid(shape *model.Shape, v any, opt Options) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return false
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return false
		}
		rv = rv.Elem()
	}
	ck := checkerFor(rv.Type(), shape, opt)
	return ck != nil && ck.fn(rv)
}

// checkFunc reports whether the present value v has no violation.
type checkFunc func(v reflect.Value) bool

// typedChecker is the compiled check of one Go type as one shape.
type typedChecker struct {
	fn checkFunc
}

type checkerKey struct {
	t     reflect.Type
	shape *model.Shape
	opt   Options
}

var (
	typedCheckers sync.Map // checkerKey -> *typedChecker, nil when declined
	checkCompile  sync.Mutex
)

// checkerFor returns the checker of Go type t as structure s, compiling
// it on first use; nil when some constrained part of t does not follow
// the generator's conventions.
func checkerFor(t reflect.Type, s *model.Shape, opt Options) *typedChecker {
	if e, ok := rootCheckers.Load(t); ok {
		if r := e.(*rootChecker); r.shape == s && r.opt == opt {
			return r.ck
		}
	}
	k := checkerKey{t, s, opt}
	if c, ok := typedCheckers.Load(k); ok {
		ck := c.(*typedChecker)
		rootCheckers.Store(t, &rootChecker{s, opt, ck})
		return ck
	}
	checkCompile.Lock()
	defer checkCompile.Unlock()
	if c, ok := typedCheckers.Load(k); ok {
		return c.(*typedChecker)
	}
	if t.Kind() != reflect.Struct || t == timeType {
		typedCheckers.Store(k, (*typedChecker)(nil))
		return nil
	}
	c := checkCompiler{opt: opt, building: map[checkerKey]*typedChecker{}}
	ck := c.checker(t, s)
	if c.declined {
		typedCheckers.Store(k, (*typedChecker)(nil))
		return nil
	}
	for k, b := range c.building {
		typedCheckers.Store(k, b)
	}
	return ck
}

// rootChecker is the checker Valid last used for a Go type; looking it
// up by the type alone is cheaper than by (type, shape, options), and a
// generated input type meets one shape.
type rootChecker struct {
	shape *model.Shape
	opt   Options
	ck    *typedChecker
}

var rootCheckers sync.Map // reflect.Type -> *rootChecker

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// checkCompiler builds the checkers of one type graph; building holds
// those in progress (recursive shapes refer to themselves).
type checkCompiler struct {
	opt      Options
	building map[checkerKey]*typedChecker
	declined bool
}

// checker returns the checker of a present value of Go type t as shape s,
// which is constrained.
func (c *checkCompiler) checker(t reflect.Type, s *model.Shape) *typedChecker {
	k := checkerKey{t, s, c.opt}
	if ck, ok := typedCheckers.Load(k); ok && ck.(*typedChecker) != nil {
		return ck.(*typedChecker)
	}
	if ck := c.building[k]; ck != nil {
		return ck
	}
	ck := &typedChecker{}
	c.building[k] = ck
	ck.fn = c.compile(t, s)
	if ck.fn == nil {
		c.declined = true
	}
	return ck
}

// presence returns how to tell whether a Go value of type t is a member
// present in its tree (Unbind gives nil for nil pointers, slices, maps and
// interfaces), or ok false for kinds whose tree value Valid does not
// follow.
func presence(t reflect.Type) (nilable, ok bool) {
	switch t.Kind() {
	case reflect.Pointer:
		switch t.Elem().Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Func:
			return false, false
		}
		return true, true
	case reflect.Slice, reflect.Map, reflect.Interface:
		return true, true
	case reflect.Struct, reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return false, true
	}
	return false, false
}

// compile returns the check of a present value of Go type t as the
// constrained shape s, mirroring checker.value on its tree, or nil when t
// is not what the generator makes of s.
func (c *checkCompiler) compile(t reflect.Type, s *model.Shape) checkFunc {
	if t.Kind() == reflect.Pointer {
		if _, ok := presence(t); !ok {
			return nil
		}
		elem := c.checker(t.Elem(), s)
		return func(v reflect.Value) bool { return elem.fn(v.Elem()) }
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
	case "string":
		if t.Kind() == reflect.String {
			opt := c.opt
			return func(v reflect.Value) bool { return validString(s, v.String(), opt) }
		}
	case "blob":
		if t == bytesType {
			return func(v reflect.Value) bool { return lengthValid(s, v.Len()) }
		}
	case "integer", "long", "float", "double":
		switch t.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			return func(v reflect.Value) bool { return rangeValid(s, float64(v.Int())) }
		case reflect.Float64:
			return func(v reflect.Value) bool { return rangeValid(s, v.Float()) }
		}
	}
	return nil
}

// typedField is one member of a structure check: its Go field (index -1
// when the type has none, so the member is always absent), whether it is
// required, and its check when its shape is constrained.
type typedField struct {
	index    int
	nilable  bool
	required bool
	check    *typedChecker
}

// structure checks required members and the constrained members present,
// as checker.structure does.
func (c *checkCompiler) structure(t reflect.Type, s *model.Shape) checkFunc {
	byTag := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
			byTag[name] = i
		}
	}
	var fields []typedField
	for _, mem := range s.Members {
		required, checked := s.IsRequired(mem.Name), constrained(mem.Shape, c.opt)
		if !required && !checked {
			continue
		}
		i, ok := byTag[mem.Name]
		if !ok {
			if required {
				return func(reflect.Value) bool { return false }
			}
			continue
		}
		f := t.Field(i)
		if !f.IsExported() {
			return nil
		}
		nilable, ok := presence(f.Type)
		if !ok {
			return nil
		}
		tf := typedField{index: i, nilable: nilable, required: required}
		if checked {
			if f.Type.Kind() == reflect.Interface {
				return nil
			}
			tf.check = c.checker(f.Type, mem.Shape)
		}
		fields = append(fields, tf)
	}
	return func(v reflect.Value) bool {
		for i := range fields {
			f := &fields[i]
			fv := v.Field(f.index)
			if f.nilable && fv.IsNil() {
				if f.required {
					return false
				}
				continue
			}
			if f.check != nil && !f.check.fn(fv) {
				return false
			}
		}
		return true
	}
}

// elementCheck returns the check of a list element or map value of Go
// type t as s, skipping absent ones (which checker.value ignores); nil
// when s is unconstrained, and declined (ok false) for kinds Valid does
// not follow.
func (c *checkCompiler) elementCheck(t reflect.Type, s *model.Shape) (check func(reflect.Value) bool, ok bool) {
	if !constrained(s, c.opt) {
		return nil, true
	}
	nilable, ok := presence(t)
	if !ok || t.Kind() == reflect.Interface {
		return nil, false
	}
	ck := c.checker(t, s)
	if nilable {
		return func(v reflect.Value) bool { return v.IsNil() || ck.fn(v) }, true
	}
	return func(v reflect.Value) bool { return ck.fn(v) }, true
}

// list checks the length and each element.
func (c *checkCompiler) list(t reflect.Type, s *model.Shape) checkFunc {
	elem, ok := c.elementCheck(t.Elem(), s.Member.Shape)
	if !ok {
		return nil
	}
	return func(v reflect.Value) bool {
		n := v.Len()
		if !lengthValid(s, n) {
			return false
		}
		if elem != nil {
			for i := 0; i < n; i++ {
				if !elem(v.Index(i)) {
					return false
				}
			}
		}
		return true
	}
}

// mapping checks the size, each key and each value.
func (c *checkCompiler) mapping(t reflect.Type, s *model.Shape) checkFunc {
	val, ok := c.elementCheck(t.Elem(), s.Value.Shape)
	if !ok {
		return nil
	}
	keys, opt := constrained(s.Key.Shape, c.opt), c.opt
	if keys && s.Key.Shape.Type != "string" {
		return nil
	}
	keyType, elemType := t.Key(), t.Elem()
	scratch := &sync.Pool{New: func() any {
		return &mapScratch{key: reflect.New(keyType).Elem(), val: reflect.New(elemType).Elem()}
	}}
	return func(v reflect.Value) bool {
		if !lengthValid(s, v.Len()) {
			return false
		}
		if !keys && val == nil {
			return true
		}
		sc := scratch.Get().(*mapScratch)
		ok := true
		var it reflect.MapIter
		it.Reset(v)
		for ok && it.Next() {
			if keys {
				sc.key.SetIterKey(&it)
				ok = validString(s.Key.Shape, sc.key.String(), opt)
			}
			if ok && val != nil {
				sc.val.SetIterValue(&it)
				ok = val(sc.val)
			}
		}
		it.Reset(reflect.Value{})
		sc.key.SetZero()
		sc.val.SetZero()
		scratch.Put(sc)
		return ok
	}
}

// mapScratch holds a map check's current key and value, so that reading
// them from the map allocates nothing.
type mapScratch struct {
	key, val reflect.Value
}

// validString is checker.value's string case without a violation: the
// enum, then the length in characters, then the pattern.
func validString(s *model.Shape, str string, opt Options) bool {
	if len(s.Enum) > 0 && !opt.SkipEnums && !contains(s.Enum, str) {
		return false
	}
	if s.Min != nil || s.Max != nil {
		// A string of b bytes has between ceil(b/4) and b characters, as
		// utf8.RuneCountInString counts them; count only when the bounds
		// do not settle it.
		b := len(str)
		if (s.Min != nil && float64((b+3)/4) < *s.Min) || (s.Max != nil && float64(b) > *s.Max) {
			if !lengthValid(s, utf8.RuneCountInString(str)) {
				return false
			}
		}
	}
	if s.Pattern != "" && !opt.SkipPatterns {
		if re := compile(s.Pattern); re != nil && !re.MatchString(str) {
			return false
		}
	}
	return true
}

// lengthValid is checker.length without a violation.
func lengthValid(s *model.Shape, n int) bool {
	return !(s.Min != nil && float64(n) < *s.Min) && !(s.Max != nil && float64(n) > *s.Max)
}

// rangeValid is checker.value's range check without a violation.
func rangeValid(s *model.Shape, f float64) bool {
	return !(s.Min != nil && f < *s.Min) && !(s.Max != nil && f > *s.Max)
}
