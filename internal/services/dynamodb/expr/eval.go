package expr

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// Item is a DynamoDB item: attribute names to values. Stored items are
// never modified in place; updates build new maps.
type Item = map[string]api.AttributeValue

// Get returns the value at path in item.
func Get(item Item, path Path) (api.AttributeValue, bool) {
	if len(path) == 0 || path[0].IsIndex {
		return api.AttributeValue{}, false
	}
	v, ok := item[path[0].Name]
	if !ok {
		return v, false
	}
	for _, e := range path[1:] {
		if e.IsIndex {
			if v.L == nil || e.Index >= len(v.L) {
				return api.AttributeValue{}, false
			}
			v = v.L[e.Index]
		} else {
			if v.M == nil {
				return api.AttributeValue{}, false
			}
			if v, ok = v.M[e.Name]; !ok {
				return v, false
			}
		}
	}
	return v, true
}

// Eval evaluates a condition against item (nil for no item).
func Eval(n *Node, item Item) bool {
	switch n.Op {
	case OpAnd:
		return Eval(n.Args[0], item) && Eval(n.Args[1], item)
	case OpOr:
		return Eval(n.Args[0], item) || Eval(n.Args[1], item)
	case OpNot:
		return !Eval(n.Args[0], item)
	case OpCompare:
		a, aok := operand(n.Args[0], item)
		b, bok := operand(n.Args[1], item)
		if !aok || !bok {
			return n.Cmp == "<>" && aok != bok
		}
		switch n.Cmp {
		case "=":
			return Equal(&a, &b)
		case "<>":
			return !Equal(&a, &b)
		}
		c, ok := Compare(&a, &b)
		if !ok {
			return false
		}
		switch n.Cmp {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		}
	case OpBetween:
		v, ok := operand(n.Args[0], item)
		lo, lok := operand(n.Args[1], item)
		hi, hok := operand(n.Args[2], item)
		if !ok || !lok || !hok {
			return false
		}
		c1, ok1 := Compare(&v, &lo)
		c2, ok2 := Compare(&v, &hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	case OpIn:
		v, ok := operand(n.Args[0], item)
		if !ok {
			return false
		}
		for _, a := range n.Args[1:] {
			if w, ok := operand(a, item); ok && Equal(&v, &w) {
				return true
			}
		}
		return false
	case OpFunc:
		return evalFunc(n, item)
	}
	return false
}

func evalFunc(n *Node, item Item) bool {
	switch n.Func {
	case "attribute_exists":
		_, ok := Get(item, n.Args[0].Path)
		return ok
	case "attribute_not_exists":
		_, ok := Get(item, n.Args[0].Path)
		return !ok
	case "attribute_type":
		v, ok := Get(item, n.Args[0].Path)
		t, tok := operand(n.Args[1], item)
		return ok && tok && t.S != nil && TypeOf(&v) == *t.S
	case "begins_with":
		v, ok := operand(n.Args[0], item)
		prefix, pok := operand(n.Args[1], item)
		if !ok || !pok {
			return false
		}
		switch {
		case v.S != nil && prefix.S != nil:
			return strings.HasPrefix(*v.S, *prefix.S)
		case v.B != nil && prefix.B != nil:
			return bytes.HasPrefix(v.B, prefix.B)
		}
		return false
	case "contains":
		v, ok := operand(n.Args[0], item)
		x, xok := operand(n.Args[1], item)
		if !ok || !xok {
			return false
		}
		switch {
		case v.S != nil && x.S != nil:
			return strings.Contains(*v.S, *x.S)
		case v.B != nil && x.B != nil:
			return bytes.Contains(v.B, x.B)
		case v.SS != nil && x.S != nil:
			for _, s := range v.SS {
				if s == *x.S {
					return true
				}
			}
		case v.NS != nil && x.N != nil:
			for _, s := range v.NS {
				if numEqual(s, *x.N) {
					return true
				}
			}
		case v.BS != nil && x.B != nil:
			for _, b := range v.BS {
				if bytes.Equal(b, x.B) {
					return true
				}
			}
		case v.L != nil:
			for i := range v.L {
				if Equal(&v.L[i], &x) {
					return true
				}
			}
		}
	}
	return false
}

// operand evaluates a path, value or size() operand.
func operand(n *Node, item Item) (api.AttributeValue, bool) {
	switch n.Op {
	case OpValue:
		return *n.Value, true
	case OpPath:
		return Get(item, n.Path)
	case OpFunc:
		if n.Func != "size" || len(n.Args) != 1 {
			return api.AttributeValue{}, false
		}
		v, ok := operand(n.Args[0], item)
		if !ok {
			return v, false
		}
		size := -1
		switch {
		case v.S != nil:
			size = utf8.RuneCountInString(*v.S)
		case v.B != nil:
			size = len(v.B)
		case v.SS != nil:
			size = len(v.SS)
		case v.NS != nil:
			size = len(v.NS)
		case v.BS != nil:
			size = len(v.BS)
		case v.L != nil:
			size = len(v.L)
		case v.M != nil:
			size = len(v.M)
		}
		if size < 0 {
			return api.AttributeValue{}, false
		}
		s := itoa(size)
		return api.AttributeValue{N: &s}, true
	}
	return api.AttributeValue{}, false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// UpdateError is an error applying an update to an item; Msg is
// DynamoDB's full ValidationException message.
type UpdateError struct{ Msg string }

func (e *UpdateError) Error() string { return e.Msg }

var (
	errBadPath  = &UpdateError{"The document path provided in the update expression is invalid for update"}
	errDataType = &UpdateError{"An operand in the update expression has an incorrect data type"}
	errMissing  = &UpdateError{"The provided expression refers to an attribute that does not exist in the item"}
)

// Apply returns a new item: old with the update's actions applied. old is
// not modified. Values of SET are computed from old, as DynamoDB does.
func (u *Update) Apply(old Item) (Item, error) {
	values := make([]api.AttributeValue, len(u.Actions))
	for i, a := range u.Actions {
		if a.Kind != "SET" {
			continue
		}
		v, err := setValue(a.Value, old)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	out := make(Item, len(old)+len(u.Actions))
	for k, v := range old {
		out[k] = v
	}
	order := make([]int, len(u.Actions))
	for i := range order {
		order[i] = i
	}
	// Removals from one list use the list's original positions: do the
	// higher indexes first.
	sort.SliceStable(order, func(x, y int) bool {
		a, b := u.Actions[order[x]], u.Actions[order[y]]
		if a.Kind != "REMOVE" || b.Kind != "REMOVE" {
			return false
		}
		n := min(len(a.Path), len(b.Path))
		for k := 0; k < n; k++ {
			if a.Path[k] != b.Path[k] {
				if a.Path[k].IsIndex && b.Path[k].IsIndex {
					return a.Path[k].Index > b.Path[k].Index
				}
				return false
			}
		}
		return false
	})
	for _, i := range order {
		a := u.Actions[i]
		var err error
		switch a.Kind {
		case "SET":
			err = setPath(out, a.Path, values[i])
		case "REMOVE":
			removePath(out, a.Path)
		case "ADD":
			err = addPath(out, a.Path, *a.Value.Value)
		case "DELETE":
			err = deletePath(out, a.Path, *a.Value.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func setValue(n *Node, item Item) (api.AttributeValue, error) {
	switch n.Op {
	case OpValue:
		return *n.Value, nil
	case OpPath:
		v, ok := Get(item, n.Path)
		if !ok {
			return v, errMissing
		}
		return v, nil
	case OpPlus, OpMinus:
		a, err := setValue(n.Args[0], item)
		if err != nil {
			return a, err
		}
		b, err := setValue(n.Args[1], item)
		if err != nil {
			return b, err
		}
		if a.N == nil || b.N == nil {
			return a, errDataType
		}
		x, err1 := parseDecimal(*a.N)
		y, err2 := parseDecimal(*b.N)
		if err1 != nil || err2 != nil {
			return a, errDataType
		}
		r, err := x.Add(y, n.Op == OpMinus)
		if err != nil {
			return a, &UpdateError{err.Error()}
		}
		s := r.String()
		return api.AttributeValue{N: &s}, nil
	case OpFunc:
		switch n.Func {
		case "if_not_exists":
			if v, ok := Get(item, n.Args[0].Path); ok {
				return v, nil
			}
			return setValue(n.Args[1], item)
		case "list_append":
			a, err := setValue(n.Args[0], item)
			if err != nil {
				return a, err
			}
			b, err := setValue(n.Args[1], item)
			if err != nil {
				return b, err
			}
			if a.L == nil || b.L == nil {
				return a, errDataType
			}
			l := make([]api.AttributeValue, 0, len(a.L)+len(b.L))
			l = append(append(l, a.L...), b.L...)
			return api.AttributeValue{L: l}, nil
		}
	}
	return api.AttributeValue{}, errDataType
}

// editFn computes a path's new value from its old one; keep false removes it.
type editFn func(old api.AttributeValue, exists bool) (nv api.AttributeValue, keep bool, err error)

// editItem applies f at path in out (a private copy of the item), copying
// every nested map and list it changes so that shared values stay intact.
func editItem(out Item, path Path, f editFn) error {
	name := path[0].Name
	old, exists := out[name]
	if len(path) == 1 {
		nv, keep, err := f(old, exists)
		if err != nil {
			return err
		}
		if keep {
			out[name] = nv
		} else {
			delete(out, name)
		}
		return nil
	}
	if !exists {
		return errBadPath
	}
	nv, err := editValue(old, path[1:], f)
	if err != nil {
		return err
	}
	out[name] = nv
	return nil
}

func editValue(v api.AttributeValue, path Path, f editFn) (api.AttributeValue, error) {
	e := path[0]
	if e.IsIndex {
		if v.L == nil {
			return v, errBadPath
		}
		if len(path) == 1 {
			exists := e.Index < len(v.L)
			var old api.AttributeValue
			if exists {
				old = v.L[e.Index]
			}
			nv, keep, err := f(old, exists)
			if err != nil {
				return v, err
			}
			l := make([]api.AttributeValue, len(v.L), len(v.L)+1)
			copy(l, v.L)
			switch {
			case keep && exists:
				l[e.Index] = nv
			case keep:
				l = append(l, nv)
			case exists:
				l = append(l[:e.Index], l[e.Index+1:]...)
			}
			v.L = l
			return v, nil
		}
		if e.Index >= len(v.L) {
			return v, errBadPath
		}
		child, err := editValue(v.L[e.Index], path[1:], f)
		if err != nil {
			return v, err
		}
		l := make([]api.AttributeValue, len(v.L))
		copy(l, v.L)
		l[e.Index] = child
		v.L = l
		return v, nil
	}
	if v.M == nil {
		return v, errBadPath
	}
	old, exists := v.M[e.Name]
	var nv api.AttributeValue
	keep := true
	if len(path) == 1 {
		var err error
		if nv, keep, err = f(old, exists); err != nil {
			return v, err
		}
	} else {
		if !exists {
			return v, errBadPath
		}
		var err error
		if nv, err = editValue(old, path[1:], f); err != nil {
			return v, err
		}
	}
	m := make(map[string]api.AttributeValue, len(v.M)+1)
	for k, x := range v.M {
		m[k] = x
	}
	if keep {
		m[e.Name] = nv
	} else {
		delete(m, e.Name)
	}
	v.M = m
	return v, nil
}

func setPath(out Item, path Path, v api.AttributeValue) error {
	return editItem(out, path, func(api.AttributeValue, bool) (api.AttributeValue, bool, error) { return v, true, nil })
}

func removePath(out Item, path Path) {
	editItem(out, path, func(old api.AttributeValue, exists bool) (api.AttributeValue, bool, error) {
		return old, false, nil
	})
}

func addPath(out Item, path Path, v api.AttributeValue) error {
	return editItem(out, path, func(old api.AttributeValue, exists bool) (api.AttributeValue, bool, error) {
		if !exists {
			return v, true, nil
		}
		switch {
		case old.N != nil && v.N != nil:
			x, err1 := parseDecimal(*old.N)
			y, err2 := parseDecimal(*v.N)
			if err1 != nil || err2 != nil {
				return old, true, errDataType
			}
			r, err := x.Add(y, false)
			if err != nil {
				return old, true, &UpdateError{err.Error()}
			}
			s := r.String()
			return api.AttributeValue{N: &s}, true, nil
		case old.SS != nil && v.SS != nil:
			return api.AttributeValue{SS: unionStrings(old.SS, v.SS, func(a, b string) bool { return a == b })}, true, nil
		case old.NS != nil && v.NS != nil:
			return api.AttributeValue{NS: unionStrings(old.NS, v.NS, numEqual)}, true, nil
		case old.BS != nil && v.BS != nil:
			out := append([][]byte(nil), old.BS...)
			for _, b := range v.BS {
				if !containsBytes(out, b) {
					out = append(out, b)
				}
			}
			return api.AttributeValue{BS: out}, true, nil
		}
		return old, true, errDataType
	})
}

func deletePath(out Item, path Path, v api.AttributeValue) error {
	return editItem(out, path, func(old api.AttributeValue, exists bool) (api.AttributeValue, bool, error) {
		if !exists {
			return old, false, nil
		}
		var rest api.AttributeValue
		n := 0
		switch {
		case old.SS != nil && v.SS != nil:
			for _, s := range old.SS {
				if !containsString(v.SS, s, func(a, b string) bool { return a == b }) {
					rest.SS = append(rest.SS, s)
				}
			}
			n = len(rest.SS)
		case old.NS != nil && v.NS != nil:
			for _, s := range old.NS {
				if !containsString(v.NS, s, numEqual) {
					rest.NS = append(rest.NS, s)
				}
			}
			n = len(rest.NS)
		case old.BS != nil && v.BS != nil:
			for _, b := range old.BS {
				if !containsBytes(v.BS, b) {
					rest.BS = append(rest.BS, b)
				}
			}
			n = len(rest.BS)
		default:
			return old, true, errDataType
		}
		return rest, n > 0, nil
	})
}

func unionStrings(a, b []string, eq func(x, y string) bool) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		if !containsString(out, s, eq) {
			out = append(out, s)
		}
	}
	return out
}

func containsString(list []string, s string, eq func(x, y string) bool) bool {
	for _, x := range list {
		if eq(x, s) {
			return true
		}
	}
	return false
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// Project returns the parts of item the paths name, nested as in item;
// list elements picked by index keep their order, compacted.
func Project(item Item, paths []Path) Item {
	out := Item{}
	for _, p := range paths {
		v, ok := Get(item, p)
		if !ok {
			continue
		}
		if len(p) == 1 {
			out[p[0].Name] = v
			continue
		}
		top, exists := out[p[0].Name]
		src := item[p[0].Name]
		out[p[0].Name] = projectInto(top, exists, src, p[1:], v)
	}
	return out
}

// projectInto merges v, found at path below src, into dst (the projection
// built so far for src).
func projectInto(dst api.AttributeValue, exists bool, src api.AttributeValue, path Path, v api.AttributeValue) api.AttributeValue {
	if len(path) == 0 {
		return v
	}
	e := path[0]
	if e.IsIndex {
		if !exists || dst.L == nil {
			dst = api.AttributeValue{L: []api.AttributeValue{}}
		}
		child := src.L[e.Index]
		next := projectInto(api.AttributeValue{}, false, child, path[1:], v)
		dst.L = append(dst.L, next)
		return dst
	}
	if !exists || dst.M == nil {
		dst = api.AttributeValue{M: map[string]api.AttributeValue{}}
	}
	prev, had := dst.M[e.Name]
	dst.M[e.Name] = projectInto(prev, had, src.M[e.Name], path[1:], v)
	return dst
}
