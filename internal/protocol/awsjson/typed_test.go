package awsjson_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/services/apitest"
	dynamodbapi "github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// typedCase is one Go type with the model shape it is written as.
type typedCase struct {
	name string
	typ  reflect.Type
	ref  *model.Ref
}

// typedCases returns the input and output types of every operation of the
// generated API packages, each with its operation's shape.
func typedCases(t testing.TB) []typedCase {
	var out []typedCase
	for _, op := range apitest.Operations(t, "dynamodb", "dynamodbstreams", "lambda", "logs", "s3", "sqs", "sts") {
		if op.Op.Output != nil {
			out = append(out, typedCase{op.Name + " output", op.Output, op.Op.Output})
		}
		if op.Op.Input != nil {
			out = append(out, typedCase{op.Name + " input", op.Input, op.Op.Input})
		}
	}
	return out
}

// valueSource chooses the random parts of generated values.
type valueSource interface {
	IntN(n int) int
}

// byteSource draws choices from fuzz input, then zeros.
type byteSource struct{ b []byte }

func (s *byteSource) IntN(n int) int {
	if len(s.b) == 0 || n <= 1 {
		return 0
	}
	v := int(s.b[0])
	if n > 256 && len(s.b) > 1 {
		v = v<<8 | int(s.b[1])
		s.b = s.b[1:]
	}
	s.b = s.b[1:]
	return v % n
}

// awkwardStrings exercise JSON string escaping: quotes, backslashes,
// control characters, line and paragraph separators, HTML characters,
// multi-byte and invalid UTF-8.
var awkwardStrings = []string{
	"", "a", "plain text", `quote " and \ backslash`, "tab\tnew\nline\rret", "\x00\x01\x1f\x7f",
	"\u2028\u2029", "<a href='x'>&amp;</a>", "é日本語🙂", "bad \xff\xfe utf-8", "\xe2\x80", strings.Repeat("x", 300),
}

var awkwardFloats = []float64{0, 1, -1.5, 0.1, 1e300, -1e-300, 123456789.125, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}

// gen fills v (settable) with a random value of its Go type; depth bounds
// recursion (DynamoDB's AttributeValue contains itself).
func gen(src valueSource, v reflect.Value, depth int) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Unix(int64(src.IntN(1<<31)), int64(src.IntN(1000))*1e6+int64(src.IntN(3))).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if src.IntN(3) == 0 || depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		gen(src, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && (depth < 3 || src.IntN(4) == 0) {
				gen(src, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		switch src.IntN(4) {
		case 0:
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, src.IntN(20))
			for i := range b {
				b[i] = byte(src.IntN(256))
			}
			v.SetBytes(b)
			return
		}
		n := 1 + src.IntN(3)
		if depth > 4 {
			n = 1
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			gen(src, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		switch src.IntN(4) {
		case 0:
			return
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
			return
		}
		m := reflect.MakeMap(v.Type())
		n := 1 + src.IntN(20)
		if depth > 4 {
			n = 1
		}
		for i := 0; i < n; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			gen(src, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			gen(src, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		docs := []any{nil, "doc", json.Number("12.5"), true, map[string]any{"b": []any{1.5, "x", nil}, "a": map[string]any{}}, []any{}}
		if d := docs[src.IntN(len(docs))]; d != nil {
			if v.Type().NumMethod() == 0 {
				v.Set(reflect.ValueOf(d))
			} else if v.Type() == reflect.TypeFor[io.Reader]() {
				v.Set(reflect.ValueOf(strings.NewReader("body")))
			}
		}
	case reflect.String:
		if src.IntN(3) == 0 {
			v.SetString("k" + strconv.Itoa(src.IntN(100)))
			return
		}
		v.SetString(awkwardStrings[src.IntN(len(awkwardStrings))])
	case reflect.Bool:
		v.SetBool(src.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		vals := []int64{0, 1, -1, 42, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
		v.SetInt(vals[src.IntN(len(vals))])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(src.IntN(1000)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(awkwardFloats[src.IntN(len(awkwardFloats))])
	}
}

// checkTyped compares AppendTyped with Append of the tree.
func checkTyped(t *testing.T, name string, v any, ref *model.Ref) {
	t.Helper()
	want := awsjson.Append(nil, protocol.Unbind(v), ref)
	got := awsjson.AppendTyped(nil, v, ref)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %#v\nAppendTyped %s\nAppend      %s", name, v, got, want)
	}
}

// TestAppendTypedGenerated writes random values of every generated input
// and output type both ways.
func TestAppendTypedGenerated(t *testing.T) {
	src := rand.New(rand.NewPCG(1, 2))
	for _, c := range typedCases(t) {
		for i := 0; i < 20; i++ {
			p := reflect.New(c.typ.Elem())
			gen(src, p.Elem(), 0)
			checkTyped(t, c.name, p.Interface(), c.ref)
		}
		checkTyped(t, c.name+" (nil)", reflect.Zero(c.typ).Interface(), c.ref)
	}
}

// oddOutput has Go types the generator does not use and a member the
// model does not have, so that AppendTyped takes its general route.
type oddOutput struct {
	S     []byte          `aws:"S"`
	N     int8            `aws:"N"`
	M     map[int]string  `aws:"M"`
	L     []uint          `aws:"L"`
	NULL  time.Time       `aws:"NULL"`
	BOOL  *float32        `aws:"BOOL"`
	SS    []*string       `aws:"SS"`
	NS    map[string]bool `aws:"NS"`
	BS    [][]byte        `aws:"BS"`
	Extra string          `aws:"Extra"`
	plain string
}

// TestAppendTypedOdd covers Go types that do not match their shapes, nil
// list elements and outputs that are not structures.
func TestAppendTypedOdd(t *testing.T) {
	m := model.MustLoad("dynamodb")
	av := &model.Ref{Shape: m.Shapes["AttributeValue"]}
	f := float32(1.5)
	s := "x"
	for i, v := range []any{
		oddOutput{},
		&oddOutput{S: []byte("ab"), N: 3, M: map[int]string{2: "b", 1: "a"}, L: []uint{1, 2}, NULL: time.Unix(5, 0), BOOL: &f,
			SS: []*string{&s, nil}, NS: map[string]bool{"b": true, "a": false}, BS: [][]byte{nil, {}}, Extra: "e", plain: "p"},
		map[string]any{"S": "x"},
		"not a structure",
		(*oddOutput)(nil),
	} {
		checkTyped(t, "odd "+string(rune('0'+i)), v, av)
	}
	out := m.Operations["Query"].Output
	checkTyped(t, "query with nil item", &dynamodbapi.QueryOutput{Items: []map[string]dynamodbapi.AttributeValue{nil, {}}}, out)
}

// FuzzAppendTyped writes values chosen by the fuzz input both ways.
func FuzzAppendTyped(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x05\xff\x02\x02\x03\x01\x01\x07\x00\x09\x09\x09\x03\x02\x01"))
	f.Add(bytes.Repeat([]byte{2, 3}, 64))
	cases := typedCases(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &byteSource{b: data}
		c := cases[src.IntN(len(cases))]
		p := reflect.New(c.typ.Elem())
		gen(src, p.Elem(), 0)
		checkTyped(t, c.name, p.Interface(), c.ref)
	})
}
