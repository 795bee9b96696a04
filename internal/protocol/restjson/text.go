package restjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// timestampFormat returns the format of a timestamp member: its own
// trait, its shape's, or the location's default.
func timestampFormat(r *model.Ref, def string) string {
	if r.TimestampFormat != "" {
		return r.TimestampFormat
	}
	if r.Shape.TimestampFormat != "" {
		return r.Shape.TimestampFormat
	}
	return def
}

// parseText converts a URI label, query or header value to the tree type
// of r's shape. defTime is the location's default timestamp format.
func parseText(s string, r *model.Ref, defTime string) (any, error) {
	switch r.Shape.Type {
	case "string":
		return s, nil
	case "boolean":
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean", s)
	case "integer", "long", "short", "byte":
		i, err := strconv.ParseInt(s, 10, 64)
		if lo, hi := model.IntRange(r.Shape.Type); err != nil || i < lo || i > hi {
			return nil, fmt.Errorf("%q is not a valid %s", s, r.Shape.Type)
		}
		return i, nil
	case "float", "double":
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a valid %s", s, r.Shape.Type)
		}
		return f, nil
	case "timestamp":
		return parseTime(s, timestampFormat(r, defTime))
	case "blob":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errors.New("invalid base64")
		}
		return b, nil
	}
	return nil, fmt.Errorf("a %s cannot be bound to a URI, query string or header", r.Shape.Type)
}

// parseTime reads a timestamp in format, tolerating the other AWS forms,
// to the millisecond, between years 1 and 9999.
func parseTime(s, format string) (time.Time, error) {
	var t time.Time
	if format == "unixTimestamp" {
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && f > -1e12 && f < 1e12 {
			t = timefmt.FromEpoch(f)
		}
	}
	if t.IsZero() {
		var err error
		if t, err = timefmt.Parse(s); err != nil {
			return time.Time{}, fmt.Errorf("%q is not a valid timestamp", s)
		}
	}
	t = t.Round(time.Millisecond).UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is out of range", s)
	}
	return t, nil
}

// parseHeader converts a header's values: a list from comma-separated
// items (quoted strings unquoted, HTTP dates kept whole; no items is nil),
// a jsonvalue string from base64, other scalars as parseText does.
func parseHeader(vals []string, r *model.Ref) (any, error) {
	if r.Shape.Type == "list" {
		elem := r.Shape.Member
		httpDates := elem.Shape.Type == "timestamp" && timestampFormat(elem, "rfc822") == "rfc822"
		var out []any
		for _, v := range vals {
			items, err := splitHeaderList(v, httpDates)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				tv, err := parseText(it, elem, "rfc822")
				if err != nil {
					return nil, err
				}
				out = append(out, tv)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	v := strings.TrimSpace(vals[0])
	if r.JSONValue && r.Shape.Type == "string" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, errors.New("invalid base64 JSON value")
		}
		return string(b), nil
	}
	return parseText(v, r, "rfc822")
}

// splitHeaderList splits a comma-separated header list. Items may be
// double-quoted (with backslash escapes) to hold commas; with httpDates,
// every HTTP date's own comma is kept ("Mon, 02 Jan 2006 ...").
func splitHeaderList(v string, httpDates bool) ([]string, error) {
	var out []string
	if httpDates {
		parts := strings.Split(v, ",")
		for i := 0; i < len(parts); i++ {
			item := strings.TrimSpace(parts[i])
			if i+1 < len(parts) && len(item) == 3 {
				i++
				item += "," + parts[i]
			}
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		return out, nil
	}
	for i := 0; i < len(v); {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i < len(v) && v[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(v) {
				c := v[i]
				if c == '\\' && i+1 < len(v) {
					b.WriteByte(v[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, errors.New("unterminated quoted string in a header list")
			}
			for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
				i++
			}
			if i < len(v) && v[i] != ',' {
				return nil, errors.New("unexpected text after a quoted string in a header list")
			}
			i++
			out = append(out, b.String())
			continue
		}
		end := strings.IndexByte(v[i:], ',')
		if end < 0 {
			end = len(v) - i
		}
		if item := strings.TrimSpace(v[i : i+end]); item != "" {
			out = append(out, item)
		}
		i += end + 1
	}
	return out, nil
}

// formatHeader writes the tree value v of r's shape as a header value;
// ok is false when there is nothing to send.
func formatHeader(v any, r *model.Ref) (string, bool) {
	if v == nil {
		return "", false
	}
	if r.Shape.Type == "list" {
		l, _ := v.([]any)
		if len(l) == 0 {
			return "", false
		}
		items := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := formatScalar(e, r.Shape.Member)
			if !ok {
				continue
			}
			if r.Shape.Member.Shape.Type == "string" && (s == "" || strings.ContainsAny(s, `,"`) || strings.TrimSpace(s) != s) {
				s = quoteHeaderItem(s)
			}
			items = append(items, s)
		}
		return strings.Join(items, ", "), len(items) > 0
	}
	if r.JSONValue {
		if s, ok := v.(string); ok {
			return base64.StdEncoding.EncodeToString([]byte(s)), true
		}
	}
	return formatScalar(v, r)
}

// quoteHeaderItem double-quotes a list item, escaping '"' and '\\' with a
// backslash, as Smithy's HTTP header lists do.
func quoteHeaderItem(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// formatScalar writes a scalar tree value for a header, URI or query.
func formatScalar(v any, r *model.Ref) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN", true
		case math.IsInf(x, 1):
			return "Infinity", true
		case math.IsInf(x, -1):
			return "-Infinity", true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case time.Time:
		switch timestampFormat(r, "rfc822") {
		case "iso8601":
			return timefmt.ISO8601(x), true
		case "unixTimestamp":
			return string(timefmt.AppendEpoch(nil, x)), true
		}
		return timefmt.HTTPDate(x), true
	case []byte:
		return base64.StdEncoding.EncodeToString(x), true
	case io.Reader:
		return "", false
	}
	return fmt.Sprint(v), true
}
