package cbor

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/virga-aws/virga/internal/model"
)

// Decoding limits: hostile input fails with an error before it can
// allocate more than a small multiple of its own size. Byte and text
// strings are bounded by the body size (MaxBodySize), since the decoder
// checks every declared length against the data before allocating.
const (
	// MaxNestedLevels bounds the nesting of arrays, maps and tags.
	MaxNestedLevels = 64
	// MaxArrayElements bounds the elements of one array.
	MaxArrayElements = 1 << 17
	// MaxMapPairs bounds the pairs of one map.
	MaxMapPairs = 1 << 17
)

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  MaxNestedLevels,
		MaxArrayElements: MaxArrayElements,
		MaxMapPairs:      MaxMapPairs,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsAllowed,
		IntDec:           cbor.IntDecConvertNone,
		BigIntDec:        cbor.BigIntDecodePointer,
		DefaultMapType:   reflect.TypeFor[map[string]any](),
		UTF8:             cbor.UTF8RejectInvalid,
		DupMapKey:        cbor.DupMapKeyQuiet,
		TimeTag:          cbor.DecTagOptional,
		TimeTagToAny:     cbor.TimeTagToTime,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

var encMode = func() cbor.EncMode {
	em, err := cbor.EncOptions{
		Sort:       cbor.SortCoreDeterministic,
		NaNConvert: cbor.NaNConvertNone,
		InfConvert: cbor.InfConvertNone,
		Time:       cbor.TimeUnixDynamic,
		TimeTag:    cbor.EncTagRequired,
	}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Decode parses a CBOR body into a tree shaped by s. An empty body, null
// or undefined is an empty structure; unknown map keys are ignored.
func Decode(body []byte, s *model.Shape) (map[string]any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	var raw any
	if err := decMode.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	if raw == nil || s == nil {
		return map[string]any{}, nil
	}
	v, err := fromCBOR(raw, &model.Ref{Shape: s})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a CBOR map")
	}
	return m, nil
}

// fromCBOR converts a value decoded by decMode into the tree form of r's
// shape. CBOR null and undefined become nil.
func fromCBOR(raw any, r *model.Ref) (any, error) {
	if raw == nil {
		return nil, nil
	}
	s := r.Shape
	if tag, ok := raw.(cbor.Tag); ok && s.Type != "timestamp" {
		return nil, fmt.Errorf("unexpected CBOR tag %d for %s (%s)", tag.Number, s.Name, s.Type)
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return document(raw), nil
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, typeErr(s, raw)
		}
		out := make(map[string]any, len(obj))
		for _, mem := range s.Members {
			v, ok := obj[mem.Name]
			if !ok {
				continue
			}
			tv, err := fromCBOR(v, mem.Ref)
			if err != nil {
				return nil, err
			}
			if tv != nil {
				out[mem.Name] = tv
			}
		}
		return out, nil
	case "list":
		arr, ok := raw.([]any)
		if !ok {
			return nil, typeErr(s, raw)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			tv, err := fromCBOR(e, s.Member)
			if err != nil {
				return nil, err
			}
			out[i] = tv
		}
		return out, nil
	case "map":
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, typeErr(s, raw)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			tv, err := fromCBOR(e, s.Value)
			if err != nil {
				return nil, err
			}
			if tv != nil {
				out[k] = tv
			}
		}
		return out, nil
	case "string":
		str, ok := raw.(string)
		if !ok {
			return nil, typeErr(s, raw)
		}
		return str, nil
	case "boolean":
		b, ok := raw.(bool)
		if !ok {
			return nil, typeErr(s, raw)
		}
		return b, nil
	case "integer", "long", "short", "byte":
		i, ok := toInt(raw)
		if lo, hi := model.IntRange(s.Type); !ok || i < lo || i > hi {
			return nil, fmt.Errorf("%s for %s (%s) is not an integer in range", describe(raw), s.Name, s.Type)
		}
		return i, nil
	case "float", "double":
		f, ok := toFloat(raw)
		if !ok {
			return nil, typeErr(s, raw)
		}
		if s.Type == "float" {
			f32 := float32(f)
			if math.IsInf(float64(f32), 0) && !math.IsInf(f, 0) {
				return nil, fmt.Errorf("%v is out of range for %s (float)", f, s.Name)
			}
			f = float64(f32)
		}
		return f, nil
	case "timestamp":
		t, ok := toTime(raw)
		if !ok {
			return nil, fmt.Errorf("%s for %s is not a valid timestamp", describe(raw), s.Name)
		}
		return t, nil
	case "blob":
		b, ok := raw.([]byte)
		if !ok {
			return nil, typeErr(s, raw)
		}
		return b, nil
	}
	return document(raw), nil
}

// toInt converts any CBOR integer, or a float with an integral value, to
// int64.
func toInt(raw any) (int64, bool) {
	switch n := raw.(type) {
	case uint64:
		return int64(n), n <= math.MaxInt64
	case int64:
		return n, true
	case *big.Int:
		return n.Int64(), n.IsInt64()
	case float64:
		if n != math.Trunc(n) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// toFloat converts a CBOR float of any width, or an integer, to float64.
func toFloat(raw any) (float64, bool) {
	switch n := raw.(type) {
	case float64:
		return n, true
	case uint64:
		return float64(n), true
	case int64:
		return float64(n), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(n).Float64()
		return f, true
	}
	return 0, false
}

// toTime converts a tag 1 (or tag 0) time, or bare epoch seconds, to a UTC
// time to the millisecond between years 1 and 9999 (the zero time itself
// excluded).
func toTime(raw any) (time.Time, bool) {
	var t time.Time
	switch v := raw.(type) {
	case time.Time:
		t = v
	case uint64, int64, float64:
		f, _ := toFloat(v)
		if math.IsNaN(f) || f < -62135596800 || f > 253402300800 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		t = time.Unix(int64(sec), int64(frac*1e9))
	default:
		return time.Time{}, false
	}
	t = t.Round(time.Millisecond).UTC()
	// The decoder turns tag 1 with NaN or an infinity into the zero time,
	// so the zero time itself is refused whatever its encoding.
	if y := t.Year(); y < 1 || y > 9999 || t.IsZero() {
		return time.Time{}, false
	}
	return t, true
}

// document converts a schemaless CBOR value to the tree's document form:
// integers int64 (float64 beyond its range), other values as decoded.
func document(raw any) any {
	switch v := raw.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = document(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = document(e)
		}
		return out
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case *big.Int:
		if v.IsInt64() {
			return v.Int64()
		}
		f, _ := new(big.Float).SetInt(v).Float64()
		return f
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	case int:
		return int64(v)
	case cbor.Tag:
		return document(v.Content)
	case cbor.SimpleValue:
		return nil
	}
	return raw
}

func typeErr(s *model.Shape, raw any) error {
	return fmt.Errorf("unexpected CBOR %s for %s (%s)", describe(raw), s.Name, s.Type)
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "map"
	case []any:
		return "array"
	case string:
		return "text string"
	case []byte:
		return "byte string"
	case uint64, int64, *big.Int:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "time tag"
	case cbor.Tag:
		return "tag"
	case cbor.SimpleValue:
		return "simple value"
	}
	return fmt.Sprintf("%T", v)
}

// Encode writes the tree out of r's shape as a CBOR map: structure members
// by name in deterministic (bytewise) key order, timestamps as tag 1 epoch
// seconds (an integer, or a float with milliseconds), float shapes as
// single precision.
func Encode(out map[string]any, r *model.Ref) ([]byte, error) {
	return encMode.Marshal(encodable(out, r))
}

// encodable converts a tree value of r's shape to the Go values encMode
// writes as the protocol wants.
func encodable(v any, r *model.Ref) any {
	if v == nil {
		return nil
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		if s.Document {
			return document(v)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return document(v)
		}
		out := make(map[string]any, len(m))
		for _, mem := range s.Members {
			if e, ok := m[mem.Name]; ok && e != nil {
				out[mem.Name] = encodable(e, mem.Ref)
			}
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return document(v)
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = encodable(e, s.Member)
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return document(v)
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = encodable(e, s.Value)
		}
		return out
	case "timestamp":
		t, ok := v.(time.Time)
		if !ok {
			return document(v)
		}
		sec, ms := t.Unix(), int64(t.Nanosecond()/1e6)
		if ms == 0 {
			return cbor.Tag{Number: 1, Content: sec}
		}
		return cbor.Tag{Number: 1, Content: float64(sec) + float64(ms)/1000}
	case "blob":
		switch b := v.(type) {
		case string:
			return []byte(b)
		case io.Reader:
			data, err := io.ReadAll(b)
			if err != nil {
				return nil
			}
			return data
		}
		return v
	case "float":
		if f, ok := toFloat(document(v)); ok {
			return float32(f)
		}
	case "double":
		if f, ok := toFloat(document(v)); ok {
			return f
		}
	case "integer", "long", "short", "byte":
		switch n := v.(type) {
		case int:
			return int64(n)
		case float64:
			return int64(n)
		}
	}
	return document(v)
}
