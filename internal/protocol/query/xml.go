package query

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// ResponseName returns the XML element name of a structure member:
// its locationName, else its target shape's, else the member name.
func ResponseName(mem model.Member) string {
	if ln := locationName(mem.Ref); ln != "" {
		return ln
	}
	return mem.Name
}

// AppendMembers writes the members of tree, a value of structure s, as XML
// elements in model order. Lists are <Name><member>…</member></Name> (the
// list member's locationName replacing "member", or "item" in the EC2
// dialect when the model names none); flattened lists repeat
// <member locationName or Name> directly. Maps are
// <Name><entry><key/><value/></entry></Name>, flattened maps repeat
// <Name><key/><value/></Name>, with keys sorted. Timestamps are ISO 8601
// with milliseconds (unless the model asks for another format), booleans
// true/false, blobs base64, and text is XML-escaped.
func AppendMembers(buf []byte, tree map[string]any, s *model.Shape, d Dialect) []byte {
	for _, mem := range s.Members {
		v, ok := tree[mem.Name]
		if !ok || v == nil || mem.Location != "" {
			continue
		}
		buf = appendMember(buf, mem, v, d)
	}
	return buf
}

func appendMember(buf []byte, mem model.Member, v any, d Dialect) []byte {
	name := ResponseName(mem)
	s := mem.Shape
	if flattened(mem.Ref) {
		switch s.Type {
		case "list":
			l, _ := v.([]any)
			if s.Member.LocationName != "" {
				name = s.Member.LocationName
			}
			for _, e := range l {
				buf = appendValue(buf, name, e, s.Member, d)
			}
			return buf
		case "map":
			m, _ := v.(map[string]any)
			for _, k := range sortedKeys(m) {
				buf = appendOpen(buf, name)
				buf = appendEntry(buf, k, m[k], s, d)
				buf = appendClose(buf, name)
			}
			return buf
		}
	}
	return appendValue(buf, name, v, mem.Ref, d)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendEntry(buf []byte, k string, v any, s *model.Shape, d Dialect) []byte {
	keyName, valueName := "key", "value"
	if s.Key.LocationName != "" {
		keyName = s.Key.LocationName
	}
	if s.Value.LocationName != "" {
		valueName = s.Value.LocationName
	}
	buf = appendValue(buf, keyName, k, s.Key, d)
	return appendValue(buf, valueName, v, s.Value, d)
}

func appendOpen(buf []byte, name string) []byte {
	buf = append(buf, '<')
	buf = append(buf, name...)
	return append(buf, '>')
}

func appendClose(buf []byte, name string) []byte {
	buf = append(buf, '<', '/')
	buf = append(buf, name...)
	return append(buf, '>')
}

func appendEmpty(buf []byte, name string) []byte {
	buf = append(buf, '<')
	buf = append(buf, name...)
	return append(buf, '/', '>')
}

// appendValue writes v as the element <name> holding a value of r's
// shape. Empty structures, lists and maps are written as <name/>.
func appendValue(buf []byte, name string, v any, r *model.Ref, d Dialect) []byte {
	s := r.Shape
	switch s.Type {
	case "structure":
		m, _ := v.(map[string]any)
		start := len(buf)
		buf = appendOpen(buf, name)
		inner := len(buf)
		buf = AppendMembers(buf, m, s, d)
		if len(buf) == inner {
			return appendEmpty(buf[:start], name)
		}
		return appendClose(buf, name)
	case "list":
		l, _ := v.([]any)
		if len(l) == 0 {
			return appendEmpty(buf, name)
		}
		if flattened(r) {
			// A flattened list nested directly in a list or map has no
			// element of its own; its members take the element's name.
			for _, e := range l {
				buf = appendValue(buf, name, e, s.Member, d)
			}
			return buf
		}
		buf = appendOpen(buf, name)
		memberName := s.Member.LocationName
		if memberName == "" {
			memberName = "member"
			if d == EC2 {
				memberName = "item"
			}
		}
		for _, e := range l {
			buf = appendValue(buf, memberName, e, s.Member, d)
		}
		return appendClose(buf, name)
	case "map":
		m, _ := v.(map[string]any)
		if len(m) == 0 {
			return appendEmpty(buf, name)
		}
		buf = appendOpen(buf, name)
		for _, k := range sortedKeys(m) {
			buf = append(buf, "<entry>"...)
			buf = appendEntry(buf, k, m[k], s, d)
			buf = append(buf, "</entry>"...)
		}
		return appendClose(buf, name)
	}
	buf = appendOpen(buf, name)
	buf = AppendScalar(buf, v, r)
	return appendClose(buf, name)
}

// AppendScalar writes a scalar tree value as XML text.
func AppendScalar(buf []byte, v any, r *model.Ref) []byte {
	switch x := v.(type) {
	case string:
		return AppendText(buf, x)
	case bool:
		return strconv.AppendBool(buf, x)
	case int64:
		if r.Shape.Type == "float" || r.Shape.Type == "double" {
			return appendFloat(buf, float64(x))
		}
		return strconv.AppendInt(buf, x, 10)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int32:
		return strconv.AppendInt(buf, int64(x), 10)
	case float64:
		if r.Shape.Type != "float" && r.Shape.Type != "double" && x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return strconv.AppendInt(buf, int64(x), 10)
		}
		return appendFloat(buf, x)
	case time.Time:
		switch r.TimestampFormat + r.Shape.TimestampFormat {
		case "unixTimestamp":
			return timefmt.AppendEpoch(buf, x)
		case "rfc822":
			return append(buf, timefmt.HTTPDate(x)...)
		}
		return append(buf, timefmt.ISO8601(x)...)
	case []byte:
		return base64.StdEncoding.AppendEncode(buf, x)
	}
	return buf
}

// appendFloat writes a double as the AWS query services do (Java's
// Double.toString): 1.0, 0.5, 1.0E10, NaN, Infinity.
func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	abs := math.Abs(f)
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		start := len(buf)
		buf = strconv.AppendFloat(buf, f, 'f', -1, 64)
		if !slices.Contains(buf[start:], '.') {
			buf = append(buf, '.', '0')
		}
		return buf
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'E', -1, 64)
	// Go writes 1E+10 and 1.5E-05; Java writes 1.0E10 and 1.5E-5.
	mant, exp, _ := cutByte(buf[start:], 'E')
	out := append([]byte(nil), mant...)
	if !slices.Contains(out, '.') {
		out = append(out, '.', '0')
	}
	out = append(out, 'E')
	if exp[0] == '-' {
		out = append(out, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	out = append(out, exp...)
	return append(buf[:start], out...)
}

func cutByte(b []byte, c byte) (before, after []byte, ok bool) {
	for i, x := range b {
		if x == c {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// AppendText writes s as XML character data: &, <, >, quotes and carriage
// returns are escaped (so CR survives XML line-end normalisation), and
// characters XML 1.0 cannot carry (control characters, invalid UTF-8) are
// replaced by U+FFFD.
func AppendText(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch c {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '"':
				esc = "&quot;"
			case '\'':
				esc = "&apos;"
			case '\r':
				esc = "&#xD;"
			case '\n', '\t':
			default:
				if c < 0x20 {
					esc = "\uFFFD"
				}
			}
			if esc != "" {
				buf = append(buf, s[start:i]...)
				buf = append(buf, esc...)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			buf = append(buf, s[start:i]...)
			buf = append(buf, "\uFFFD"...)
			start = i + size
		}
		i += size
	}
	return append(buf, s[start:]...)
}
