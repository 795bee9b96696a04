// Package awsjson implements the awsJson1_0 and awsJson1_1 protocols and the
// model-driven JSON value conversion that restJson1 shares.
package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// Decode parses a JSON document into a tree shaped by s. An empty body is
// an empty structure.
func Decode(body []byte, s *model.Shape) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	if s != nil {
		if m, ok := decodeDirect(body, s); ok {
			return m, nil
		}
	}
	return decodeGeneral(body, s)
}

// decodeGeneral is Decode through encoding/json's generic values and
// FromJSON: the reference behaviour, and the path of every document the
// direct decoder declines.
func decodeGeneral(body []byte, s *model.Shape) (map[string]any, error) {
	raw, err := Unmarshal(body)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return map[string]any{}, nil
	}
	v, err := FromJSON(raw, &model.Ref{Shape: s})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object")
	}
	return m, nil
}

// Unmarshal parses one JSON document into the form FromJSON takes:
// encoding/json values with numbers as json.Number. Anything but white
// space after the document is an error.
func Unmarshal(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON document")
	}
	return raw, nil
}

// FromJSON converts a value decoded by encoding/json (with UseNumber) into
// the tree form of r's shape. JSON null becomes nil.
func FromJSON(raw any, r *model.Ref) (any, error) {
	if raw == nil {
		return nil, nil
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		if s.Document {
			return raw, nil
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, typeErr(s, raw)
		}
		out := make(map[string]any, len(obj))
		for _, mem := range s.Members {
			name := mem.Name
			if mem.LocationName != "" && mem.Location == "" {
				name = mem.LocationName
			}
			v, ok := obj[name]
			if !ok {
				continue
			}
			tv, err := FromJSON(v, mem.Ref)
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
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			tv, err := FromJSON(e, s.Member)
			if err != nil {
				return nil, err
			}
			out = append(out, tv)
		}
		return out, nil
	case "map":
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, typeErr(s, raw)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			tv, err := FromJSON(e, s.Value)
			if err != nil {
				return nil, firstMapError(obj, s.Value)
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
		if r.JSONValue {
			return str, nil
		}
		return str, nil
	case "boolean":
		b, ok := raw.(bool)
		if !ok {
			return nil, typeErr(s, raw)
		}
		return b, nil
	case "integer", "long", "short", "byte":
		n, ok := raw.(json.Number)
		if !ok {
			return nil, typeErr(s, raw)
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(n), 64)
			if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
				return nil, typeErr(s, raw)
			}
			i = int64(f)
		}
		if lo, hi := model.IntRange(s.Type); i < lo || i > hi {
			return nil, typeErr(s, raw)
		}
		return i, nil
	case "float", "double":
		switch n := raw.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, typeErr(s, raw)
			}
			return f, nil
		case string:
			switch n {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
		}
		return nil, typeErr(s, raw)
	case "timestamp":
		var tm time.Time
		switch t := raw.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(t), 64)
			if err != nil || f < minEpoch || f > maxEpoch {
				return nil, typeErr(s, raw)
			}
			tm = timefmt.FromEpoch(f)
		case string:
			var err error
			if tm, err = timefmt.Parse(t); err != nil {
				return nil, typeErr(s, raw)
			}
			tm = tm.Round(time.Millisecond)
		default:
			return nil, typeErr(s, raw)
		}
		if y := tm.Year(); y < 1 || y > 9999 {
			return nil, typeErr(s, raw)
		}
		return tm, nil
	case "blob":
		str, ok := raw.(string)
		if !ok {
			return nil, typeErr(s, raw)
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("invalid base64 value for %s", s.Name)
		}
		return b, nil
	case "document":
		return raw, nil
	}
	return raw, nil
}

// firstMapError returns the error of the first value of obj, in key
// order, that FromJSON refuses as r's shape: the same error whichever
// order the map is walked in.
func firstMapError(obj map[string]any, r *model.Ref) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := FromJSON(obj[k], r); err != nil {
			return err
		}
	}
	return nil
}

// Timestamps are accepted from year 1 to year 9999, the range every AWS
// timestamp format can express; minEpoch and maxEpoch bound epoch seconds
// a little beyond it so that the year check decides.
const (
	minEpoch = -62135596800 - 86400
	maxEpoch = 253402300800 + 86400
)

func typeErr(s *model.Shape, raw any) error {
	return fmt.Errorf("unexpected JSON %s for %s (%s)", jsonKind(raw), s.Name, s.Type)
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}

// Append writes the tree value v of r's shape as JSON to buf. Structure
// members are written in model order; map keys sorted; nil (a null in a
// sparse list) as null.
func Append(buf []byte, v any, r *model.Ref) []byte {
	if v == nil {
		return append(buf, "null"...)
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		if s.Document {
			return appendAny(buf, v)
		}
		m, _ := v.(map[string]any)
		buf = append(buf, '{')
		first := true
		for _, mem := range s.Members {
			if mem.Location != "" {
				continue
			}
			e, ok := m[mem.Name]
			if !ok || e == nil {
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			name := mem.Name
			if mem.LocationName != "" {
				name = mem.LocationName
			}
			buf = AppendString(buf, name)
			buf = append(buf, ':')
			buf = Append(buf, e, mem.Ref)
		}
		return append(buf, '}')
	case "list":
		l, _ := v.([]any)
		buf = append(buf, '[')
		for i, e := range l {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = Append(buf, e, s.Member)
		}
		return append(buf, ']')
	case "map":
		m, _ := v.(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendString(buf, k)
			buf = append(buf, ':')
			buf = Append(buf, m[k], s.Value)
		}
		return append(buf, '}')
	case "timestamp":
		t, _ := v.(time.Time)
		switch r.TimestampFormat + s.TimestampFormat {
		case "iso8601":
			return AppendString(buf, timefmt.ISO8601(t))
		case "rfc822":
			return AppendString(buf, timefmt.HTTPDate(t))
		}
		return timefmt.AppendEpoch(buf, t)
	case "blob":
		switch b := v.(type) {
		case []byte:
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, b)
			return append(buf, '"')
		case string:
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, []byte(b))
			return append(buf, '"')
		}
		return append(buf, "null"...)
	}
	return appendAny(buf, v)
}

// appendAny writes scalars and schemaless (document) values.
func appendAny(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...)
	case string:
		return AppendString(buf, x)
	case bool:
		return strconv.AppendBool(buf, x)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int32:
		return strconv.AppendInt(buf, int64(x), 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(buf, `"NaN"`...)
		case math.IsInf(x, 1):
			return append(buf, `"Infinity"`...)
		case math.IsInf(x, -1):
			return append(buf, `"-Infinity"`...)
		}
		return strconv.AppendFloat(buf, x, 'g', -1, 64)
	case json.Number:
		return append(buf, x...)
	case time.Time:
		return timefmt.AppendEpoch(buf, x)
	case []byte:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, x)
		return append(buf, '"')
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendAny(buf, e)
		}
		return append(buf, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendString(buf, k)
			buf = append(buf, ':')
			buf = appendAny(buf, x[k])
		}
		return append(buf, '}')
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(buf, "null"...)
	}
	return append(buf, b...)
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string, escaping as encoding/json does
// except for HTML characters, which AWS leaves alone.
func AppendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if i = skipPlainString(s, i); i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
