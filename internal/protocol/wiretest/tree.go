// Package wiretest tests protocol codecs: golden wire files, trees in a
// readable notation, and round trips through real SDK clients.
package wiretest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Dump renders a tree as indented JSON with sorted keys. Values JSON cannot
// tell apart are wrapped in one-key objects:
//
//	{"$time": "2006-01-02T15:04:05.999Z"}  timestamp (UTC, RFC 3339)
//	{"$blob": "aGk="}                       blob ([]byte), base64
//	{"$stream": "aGk="}                     streaming blob (io.Reader), read out
//	{"$float": "NaN"}                       NaN, Infinity or -Infinity
//	{"$number": "1.50"}                     a document's json.Number
//
// Integers are written bare and floats always with a '.' or an exponent,
// so 1 is an int64 and 1.0 a float64. Dump reads io.Readers to their end.
func Dump(tree any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(notation(tree)); err != nil {
		return "unencodable tree: " + err.Error()
	}
	return b.String()
}

// Equal reports whether two trees are the same: same shape, types and
// values, NaN equal to NaN and timestamps equal as instants. It reads
// io.Readers to their end.
func Equal(a, b any) bool { return Dump(a) == Dump(b) }

func notation(v any) any {
	switch x := v.(type) {
	case nil, string, bool:
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = notation(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = notation(e)
		}
		return l
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			return map[string]any{"$float": "NaN"}
		case math.IsInf(x, 1):
			return map[string]any{"$float": "Infinity"}
		case math.IsInf(x, -1):
			return map[string]any{"$float": "-Infinity"}
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return json.Number(s)
	case json.Number:
		return map[string]any{"$number": string(x)}
	case time.Time:
		return map[string]any{"$time": x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return map[string]any{"$blob": base64.StdEncoding.EncodeToString(x)}
	case io.Reader:
		b, err := io.ReadAll(x)
		if err != nil {
			return map[string]any{"$stream-error": err.Error()}
		}
		return map[string]any{"$stream": base64.StdEncoding.EncodeToString(b)}
	}
	return map[string]any{"$go": fmt.Sprintf("%T %v", v, v)}
}

// ParseTree reads a tree written in Dump's notation.
func ParseTree(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	return fromNotation(raw)
}

func fromNotation(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return strconv.ParseFloat(string(x), 64)
		}
		return strconv.ParseInt(string(x), 10, 64)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			t, err := fromNotation(e)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				if s, ok := e.(string); ok && strings.HasPrefix(k, "$") {
					return fromWrapper(k, s)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			t, err := fromNotation(e)
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		return out, nil
	}
	return v, nil
}

func fromWrapper(kind, s string) (any, error) {
	switch kind {
	case "$time":
		return time.Parse(time.RFC3339Nano, s)
	case "$blob":
		return base64.StdEncoding.DecodeString(s)
	case "$stream":
		b, err := base64.StdEncoding.DecodeString(s)
		return bytes.NewReader(b), err
	case "$float":
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	case "$number":
		return json.Number(s), nil
	}
	return nil, fmt.Errorf("unknown tree notation %s: %q", kind, s)
}
