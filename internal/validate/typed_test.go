package validate_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/services/apitest"
	dynamodbapi "github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/validate"
)

// inputCase is a generated input type with its operation's shape.
type inputCase struct {
	name  string
	typ   reflect.Type // the structure, not the pointer
	shape *model.Shape
}

func inputCases(t testing.TB) []inputCase {
	var out []inputCase
	for _, op := range apitest.Operations(t, "dynamodb", "dynamodbstreams", "logs", "s3", "sqs", "sts") {
		if op.Op.Input != nil {
			out = append(out, inputCase{op.Name, op.Input.Elem(), op.Op.Input.Shape})
		}
	}
	return out
}

// source chooses the random parts of generated values.
type source interface{ IntN(n int) int }

// byteSource draws choices from fuzz input, then zeros.
type byteSource struct{ b []byte }

func (s *byteSource) IntN(n int) int {
	if len(s.b) == 0 || n <= 1 {
		return 0
	}
	v := int(s.b[0])
	s.b = s.b[1:]
	return v % n
}

// near returns a count at or just beyond a shape's bounds (so that both
// sides of every bound are tried), or a small one; lengths beyond limit
// are not chosen.
func near(src source, s *model.Shape, limit int) int {
	var cands []int
	for _, b := range []*float64{s.Min, s.Max} {
		if b != nil && *b <= float64(limit) {
			n := int(*b)
			cands = append(cands, n-1, n, n+1)
		}
	}
	cands = append(cands, 0, 1, 2, 3)
	n := cands[src.IntN(len(cands))]
	if n < 0 {
		n = 0
	}
	return n
}

// gen fills v, a settable value of a generated type, as shape s: mostly
// values close to the model's constraints (enum values, lengths and
// numbers at the bounds), sometimes absent or wrong ones.
func gen(src source, v reflect.Value, s *model.Shape, depth int) {
	if v.Kind() == reflect.Pointer {
		if src.IntN(4) == 0 || depth > 5 {
			return
		}
		p := reflect.New(v.Type().Elem())
		gen(src, p.Elem(), s, depth+1)
		v.Set(p)
		return
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Unix(int64(src.IntN(1<<20)), 0)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		byTag := map[string]int{}
		for i := 0; i < v.NumField(); i++ {
			if name, ok := v.Type().Field(i).Tag.Lookup("aws"); ok {
				byTag[name] = i
			}
		}
		for _, mem := range s.Members {
			i, ok := byTag[mem.Name]
			if !ok || (depth > 3 && src.IntN(3) != 0) {
				continue
			}
			f := v.Field(i)
			if k := f.Kind(); (k == reflect.Slice || k == reflect.Map || k == reflect.Interface) && src.IntN(4) == 0 {
				continue
			}
			gen(src, f, mem.Shape, depth+1)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(make([]byte, near(src, s, 300)))
			return
		}
		n := near(src, s, 20)
		if depth > 5 {
			n = min(n, 1)
		}
		l := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			if l.Index(i).Kind() == reflect.Pointer && src.IntN(8) == 0 {
				continue // an absent (nil) element
			}
			gen(src, l.Index(i), s.Member.Shape, depth+1)
		}
		v.Set(l)
	case reflect.Map:
		n := near(src, s, 20)
		if depth > 5 {
			n = min(n, 1)
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := 0; i < n; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			gen(src, k, s.Key.Shape, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			gen(src, e, s.Value.Shape, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		if v.Type().NumMethod() == 0 && src.IntN(2) == 0 {
			v.Set(reflect.ValueOf(map[string]any{"a": []any{"b"}}))
		} else if v.Type() == reflect.TypeFor[interface{ Read([]byte) (int, error) }]() {
			v.Set(reflect.ValueOf(strings.NewReader("body")))
		}
	case reflect.String:
		if len(s.Enum) > 0 && src.IntN(6) != 0 {
			v.SetString(s.Enum[src.IntN(len(s.Enum))])
			return
		}
		chars := []string{"a", "é", "\xff", "Z9", " ", "-", "_", ":", "/"}
		c := chars[src.IntN(len(chars))]
		v.SetString(strings.Repeat(c, near(src, s, 3000)))
	case reflect.Bool:
		v.SetBool(src.IntN(2) == 1)
	case reflect.Int32, reflect.Int64:
		vals := []int64{0, 1, -1, 100}
		for _, b := range []*float64{s.Min, s.Max} {
			if b != nil && math.Abs(*b) < 1<<40 {
				vals = append(vals, int64(*b)-1, int64(*b), int64(*b)+1)
			}
		}
		v.SetInt(vals[src.IntN(len(vals))])
	case reflect.Float64:
		vals := []float64{0, 0.5, -1, math.NaN(), math.Inf(1)}
		for _, b := range []*float64{s.Min, s.Max} {
			if b != nil {
				vals = append(vals, *b-0.5, *b, *b+0.5)
			}
		}
		v.SetFloat(vals[src.IntN(len(vals))])
	}
}

// checkValid compares Valid with Check on the tree of v.
func checkValid(t *testing.T, c inputCase, v reflect.Value) {
	t.Helper()
	tree, _ := protocol.Unbind(v.Interface()).(map[string]any)
	vs := validate.Check(c.shape, tree, validate.Options{})
	if got := validate.Valid(c.shape, v.Interface(), validate.Options{}); got != (len(vs) == 0) {
		t.Fatalf("%s: Valid = %v, Check found %v\nvalue %#v", c.name, got, vs, v.Elem().Interface())
	}
	if got := validate.Valid(c.shape, v.Elem().Interface(), validate.Options{}); got != (len(vs) == 0) {
		t.Fatalf("%s: Valid of the structure = %v, Check found %v", c.name, got, vs)
	}
}

// TestValidGenerated checks Valid against Check on random values of every
// generated input type, mostly near their constraints.
func TestValidGenerated(t *testing.T) {
	src := rand.New(rand.NewPCG(3, 4))
	valid := 0
	for _, c := range inputCases(t) {
		for i := 0; i < 40; i++ {
			v := reflect.New(c.typ)
			gen(src, v.Elem(), c.shape, 0)
			checkValid(t, c, v)
			if validate.Valid(c.shape, v.Interface(), validate.Options{}) {
				valid++
			}
		}
		checkValid(t, c, reflect.New(c.typ))
	}
	if valid == 0 {
		t.Fatal("no generated value was valid; the generator tests one side only")
	}
}

// FuzzValid checks Valid against Check on values chosen by the fuzz input.
func FuzzValid(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x05\xff\x02\x02\x03\x01\x01\x07\x00\x09\x09\x09\x03\x02\x01"))
	f.Add([]byte{200, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	cases := inputCases(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &byteSource{b: data}
		c := cases[int(src.IntN(256)*256+src.IntN(256))%len(cases)]
		v := reflect.New(c.typ)
		gen(src, v.Elem(), c.shape, 0)
		checkValid(t, c, v)
	})
}

// TestValidOddTypes covers values Valid declines or passes through.
func TestValidOddTypes(t *testing.T) {
	m := model.MustLoad("dynamodb")
	put := m.Operations["PutItem"].Input.Shape
	if validate.Valid(put, nil, validate.Options{}) || validate.Valid(put, (*dynamodbapi.PutItemInput)(nil), validate.Options{}) {
		t.Error("Valid of nil")
	}
	type odd struct {
		TableName uint `aws:"TableName"`
	}
	if validate.Valid(put, &odd{TableName: 3}, validate.Options{}) {
		t.Error("Valid accepted a type it cannot follow")
	}
	if validate.Valid(put, "not a structure", validate.Options{}) {
		t.Error("Valid accepted a string")
	}
	name := "tab"
	if !validate.Valid(put, &dynamodbapi.PutItemInput{TableName: &name, Item: map[string]dynamodbapi.AttributeValue{}}, validate.Options{}) {
		t.Error("Valid refused a valid PutItem")
	}
}
