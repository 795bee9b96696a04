package protocol

import (
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"
)

// Trees are the common currency between codecs and handlers' typed values.
// A codec decodes the wire into a tree shaped by the model and encodes a
// tree back to the wire; Bind and Unbind convert trees to and from the
// generated Go types. The tree types are:
//
//	structure  map[string]any keyed by member name (absent members omitted)
//	list       []any
//	map        map[string]any
//	string     string (also enums)
//	integer    int64 (integer and long)
//	float      float64 (float and double)
//	boolean    bool
//	timestamp  time.Time
//	blob       []byte, or io.Reader for streaming blobs
//	document   any (JSON-like values)

// fieldIndex maps a generated struct's member names (from `aws:"Name"`
// tags) to field indexes.
type fieldIndex map[string]int

var fieldCache sync.Map // reflect.Type -> fieldIndex

func fieldsOf(t reflect.Type) fieldIndex {
	if fi, ok := fieldCache.Load(t); ok {
		return fi.(fieldIndex)
	}
	fi := fieldIndex{}
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
			fi[name] = i
		}
	}
	fieldCache.Store(t, fi)
	return fi
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	readerType = reflect.TypeFor[io.Reader]()
	bytesType  = reflect.TypeFor[[]byte]()
)

// Bind stores tree into the value pointed to by dst, a pointer to a
// generated type. Members the type does not declare are ignored.
func Bind(tree any, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("bind: need a non-nil pointer, got %T", dst)
	}
	return bindValue(tree, v.Elem())
}

func bindValue(tree any, v reflect.Value) error {
	if tree == nil {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		if err := bindValue(tree, n.Elem()); err != nil {
			return err
		}
		v.Set(n)
		return nil
	case reflect.Interface:
		if v.Type() == readerType || v.Type().Implements(readerType) {
			if r, ok := tree.(io.Reader); ok {
				v.Set(reflect.ValueOf(r))
				return nil
			}
			if b, ok := tree.([]byte); ok {
				v.Set(reflect.ValueOf(bytesReader(b)))
				return nil
			}
		}
		v.Set(reflect.ValueOf(tree))
		return nil
	case reflect.Struct:
		if v.Type() == timeType {
			t, ok := tree.(time.Time)
			if !ok {
				return fmt.Errorf("bind: want timestamp, got %T", tree)
			}
			v.Set(reflect.ValueOf(t))
			return nil
		}
		m, ok := tree.(map[string]any)
		if !ok {
			return fmt.Errorf("bind: want structure for %s, got %T", v.Type(), tree)
		}
		fi := fieldsOf(v.Type())
		for name, val := range m {
			if i, ok := fi[name]; ok {
				if err := bindValue(val, v.Field(i)); err != nil {
					return fmt.Errorf("%s.%w", name, err)
				}
			}
		}
		return nil
	case reflect.Slice:
		if v.Type() == bytesType {
			switch b := tree.(type) {
			case []byte:
				v.SetBytes(b)
			case string:
				v.SetBytes([]byte(b))
			default:
				return fmt.Errorf("bind: want blob, got %T", tree)
			}
			return nil
		}
		l, ok := tree.([]any)
		if !ok {
			return fmt.Errorf("bind: want list, got %T", tree)
		}
		s := reflect.MakeSlice(v.Type(), len(l), len(l))
		for i, e := range l {
			if err := bindValue(e, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m, ok := tree.(map[string]any)
		if !ok {
			return fmt.Errorf("bind: want map, got %T", tree)
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		et := v.Type().Elem()
		for k, e := range m {
			ev := reflect.New(et).Elem()
			if err := bindValue(e, ev); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
		return nil
	case reflect.String:
		s, ok := tree.(string)
		if !ok {
			return fmt.Errorf("bind: want string, got %T", tree)
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := tree.(bool)
		if !ok {
			return fmt.Errorf("bind: want boolean, got %T", tree)
		}
		v.SetBool(b)
		return nil
	case reflect.Int32, reflect.Int64, reflect.Int:
		switch n := tree.(type) {
		case int64:
			v.SetInt(n)
		case float64:
			v.SetInt(int64(n))
		default:
			return fmt.Errorf("bind: want integer, got %T", tree)
		}
		return nil
	case reflect.Float32, reflect.Float64:
		switch n := tree.(type) {
		case float64:
			v.SetFloat(n)
		case int64:
			v.SetFloat(float64(n))
		default:
			return fmt.Errorf("bind: want number, got %T", tree)
		}
		return nil
	}
	return fmt.Errorf("bind: unsupported Go type %s", v.Type())
}

// Unbind converts a generated value (or pointer to one) into a tree.
// Nil pointers, nil slices and nil maps are omitted. An event-stream member
// (iter.Seq of its union struct) becomes an [EventStream].
func Unbind(src any) any {
	if src == nil {
		return nil
	}
	return unbindValue(reflect.ValueOf(src))
}

func unbindValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return unbindValue(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return v.Interface()
	case reflect.Func:
		if v.IsNil() {
			return nil
		}
		if es, ok := unbindEventStream(v); ok {
			return es
		}
		return nil
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface()
		}
		fi := fieldsOf(v.Type())
		m := make(map[string]any, len(fi))
		for name, i := range fi {
			if e := unbindValue(v.Field(i)); e != nil {
				m[name] = e
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type() == bytesType {
			return v.Bytes()
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = unbindValue(v.Index(i))
		}
		return l
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			m[it.Key().String()] = unbindValue(it.Value())
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int32, reflect.Int64, reflect.Int:
		return v.Int()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return nil
}
