package awsjson

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// decodeDirect parses body straight into the tree of structure s, without
// the intermediate map[string]any of encoding/json. It handles the valid
// documents requests carry; on anything else (a syntax error, a value of
// the wrong JSON type, a string with escapes it leaves to encoding/json)
// it reports false and Decode takes the general path, so errors and edge
// cases stay exactly those of encoding/json plus FromJSON.
func decodeDirect(body []byte, s *model.Shape) (map[string]any, bool) {
	d := directDecoder{data: body}
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return nil, false
	}
	v, ok := d.value(&model.Ref{Shape: s})
	if !ok {
		return nil, false
	}
	d.space()
	if d.pos != len(d.data) {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// maxDirectDepth bounds nesting on the direct path; deeper documents take
// the general path (encoding/json's own limit is 10000).
const maxDirectDepth = 1000

// directDecoder is the state of one decodeDirect.
type directDecoder struct {
	data  []byte
	pos   int
	depth int
}

// wireMembers maps a structure's JSON member names to its members; nil
// when two members share a name (then the general path decides).
type wireMembers map[string]*model.Member

var wireMemberCache sync.Map // *model.Shape -> wireMembers

func membersByWireName(s *model.Shape) wireMembers {
	if v, ok := wireMemberCache.Load(s); ok {
		return v.(wireMembers)
	}
	m := make(wireMembers, len(s.Members))
	for i := range s.Members {
		mem := &s.Members[i]
		name := mem.Name
		if mem.LocationName != "" && mem.Location == "" {
			name = mem.LocationName
		}
		if _, dup := m[name]; dup {
			m = nil
			break
		}
		m[name] = mem
	}
	wireMemberCache.Store(s, m)
	return m
}

func (d *directDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *directDecoder) peek() byte {
	d.space()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// literal consumes word (true, false, null).
func (d *directDecoder) literal(word string) bool {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return false
	}
	d.pos += len(word)
	return true
}

// value decodes the next value as r's shape, as FromJSON would convert
// encoding/json's value; JSON null is nil.
func (d *directDecoder) value(r *model.Ref) (any, bool) {
	c := d.peek()
	if c == 'n' {
		return nil, d.literal("null")
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		if s.Document {
			return d.raw()
		}
		if c != '{' {
			return nil, false
		}
		members := membersByWireName(s)
		if members == nil {
			return nil, false
		}
		out := make(map[string]any, 4)
		ok := d.object(func(raw []byte, plain bool) bool {
			var mem *model.Member
			if plain {
				mem = members[string(raw[1:len(raw)-1])]
			} else {
				key, ok := unquote(raw)
				if !ok {
					return false
				}
				mem = members[key]
			}
			if mem == nil {
				return d.skip()
			}
			v, ok := d.value(mem.Ref)
			if !ok {
				return false
			}
			if v == nil {
				delete(out, mem.Name)
			} else {
				out[mem.Name] = v
			}
			return true
		})
		return out, ok
	case "list":
		if c != '[' {
			return nil, false
		}
		out := make([]any, 0, 4)
		ok := d.array(func() bool {
			v, ok := d.value(s.Member)
			out = append(out, v)
			return ok
		})
		if !ok {
			return nil, false
		}
		return out, true
	case "map":
		if c != '{' {
			return nil, false
		}
		out := make(map[string]any, 4)
		ok := d.object(func(raw []byte, plain bool) bool {
			var key string
			if plain {
				key = string(raw[1 : len(raw)-1])
			} else if k, ok := unquote(raw); ok {
				key = k
			} else {
				return false
			}
			v, ok := d.value(s.Value)
			if !ok {
				return false
			}
			if v == nil {
				delete(out, key)
			} else {
				out[key] = v
			}
			return true
		})
		return out, ok
	case "string":
		if c != '"' {
			return nil, false
		}
		return d.str()
	case "boolean":
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		}
		return nil, false
	case "integer", "long", "short", "byte":
		i, ok := d.integer(s.Type)
		if !ok {
			return nil, false
		}
		return i, true
	case "float", "double":
		f, ok := d.double(c)
		if !ok {
			return nil, false
		}
		return f, true
	case "timestamp":
		tm, ok := d.timestamp(c)
		if !ok {
			return nil, false
		}
		return tm, true
	case "blob":
		b, ok := d.blob(c)
		if !ok {
			return nil, false
		}
		return b, true
	}
	return d.raw()
}

// integer decodes a number of the integer shape type typ (integer, long,
// short or byte) as FromJSON converts it.
func (d *directDecoder) integer(typ string) (int64, bool) {
	n, ok := d.number()
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n, 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, false
		}
		i = int64(f)
	}
	if lo, hi := model.IntRange(typ); i < lo || i > hi {
		return 0, false
	}
	return i, true
}

// double decodes a float or double whose first byte is c: a number, or
// the strings NaN, Infinity and -Infinity.
func (d *directDecoder) double(c byte) (float64, bool) {
	if c == '"' {
		str, ok := d.str()
		if !ok {
			return 0, false
		}
		switch str {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		return 0, false
	}
	n, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// timestamp decodes a timestamp whose first byte is c: a string in any
// of the timestamp formats, or epoch seconds.
func (d *directDecoder) timestamp(c byte) (time.Time, bool) {
	var tm time.Time
	if c == '"' {
		str, ok := d.str()
		if !ok {
			return tm, false
		}
		var err error
		if tm, err = timefmt.Parse(str); err != nil {
			return tm, false
		}
		tm = tm.Round(time.Millisecond)
	} else {
		n, ok := d.number()
		if !ok {
			return tm, false
		}
		f, err := strconv.ParseFloat(n, 64)
		if err != nil || f < minEpoch || f > maxEpoch {
			return tm, false
		}
		tm = timefmt.FromEpoch(f)
	}
	if y := tm.Year(); y < 1 || y > 9999 {
		return tm, false
	}
	return tm, true
}

// blob decodes a base64 string whose first byte is c.
func (d *directDecoder) blob(c byte) ([]byte, bool) {
	if c != '"' {
		return nil, false
	}
	str, ok := d.str()
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(str)
	if err != nil {
		return nil, false
	}
	return b, true
}

// enter counts one level of nesting, refusing deep documents.
func (d *directDecoder) enter() bool {
	d.depth++
	return d.depth <= maxDirectDepth
}

// object walks an object at d.pos, calling member with each key (raw, the
// quoted JSON string, whose bytes between the quotes are the key when
// plain; see scanString) once the ':' after it is consumed; member
// consumes the value.
func (d *directDecoder) object(member func(raw []byte, plain bool) bool) bool {
	if !d.enter() {
		return false
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return true
	}
	for {
		if d.peek() != '"' {
			return false
		}
		start := d.pos
		end, plain, ok := d.scanString()
		if !ok || d.peek() != ':' {
			return false
		}
		d.pos++
		if !member(d.data[start:end], plain) {
			return false
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

// array walks an array at d.pos, calling elem to consume each element;
// it is object's twin for arrays.
func (d *directDecoder) array(elem func() bool) bool {
	if !d.enter() {
		return false
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

// str consumes a string at d.pos. Strings with escapes or bytes that are
// not valid UTF-8 are unquoted by encoding/json itself.
func (d *directDecoder) str() (string, bool) {
	start := d.pos
	end, plain, ok := d.scanString()
	if !ok {
		return "", false
	}
	if plain {
		return string(d.data[start+1 : end-1]), true
	}
	return unquote(d.data[start:end])
}

// unquote returns the value of the JSON string raw (quotes included) as
// encoding/json reads it.
func unquote(raw []byte) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// scanString finds the end of the string starting at d.pos (just past its
// closing quote) and moves there. plain reports a string of printable
// ASCII or valid UTF-8 without escapes, whose bytes are its value.
func (d *directDecoder) scanString() (end int, plain, ok bool) {
	i := d.pos + 1
	plain = true
	ascii := true
	for i < len(d.data) {
		i = skipPlain(d.data, i)
		if i >= len(d.data) {
			break
		}
		c := d.data[i]
		switch {
		case c == '"':
			if plain && !ascii && !utf8.Valid(d.data[d.pos+1:i]) {
				plain = false
			}
			d.pos = i + 1
			return d.pos, plain, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			plain = false
			i++
			if i >= len(d.data) {
				return 0, false, false
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(d.data)-i < 5 {
					return 0, false, false
				}
				for _, h := range d.data[i+1 : i+5] {
					if !isHex(h) {
						return 0, false, false
					}
				}
				i += 5
			default:
				return 0, false, false
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
	return 0, false, false
}

// skipPlain returns the index of the first byte of b at or after i, in
// steps of eight, that may need attention inside a JSON string: a quote,
// a backslash, a control character or a byte of a multi-byte character;
// it may stop up to seven bytes early, and returns len(b) when all that is
// left of b is plain.
func skipPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if special(binary.LittleEndian.Uint64(b[i:])) {
			return i
		}
	}
	return i
}

// skipPlainString is skipPlain for a string.
func skipPlainString(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if special(w) {
			return i
		}
	}
	return i
}

// special reports whether any of the eight bytes of w is below 0x20, a
// quote, a backslash or at least 0x80 (exact: "has a byte less than n"
// and "has a zero byte" are exact word tests for n up to 0x80).
func special(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	control := (w - 0x20*ones) &^ w
	q := w ^ ('"' * ones)
	quote := (q - ones) &^ q
	bs := w ^ ('\\' * ones)
	backslash := (bs - ones) &^ bs
	return (control|quote|backslash|w)&highs != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number consumes a JSON number, returning its text.
func (d *directDecoder) number() (string, bool) {
	start := d.pos
	if !d.scanNumber() {
		return "", false
	}
	return string(d.data[start:d.pos]), true
}

// scanNumber consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *directDecoder) scanNumber() bool {
	i := d.pos
	n := len(d.data)
	if i < n && d.data[i] == '-' {
		i++
	}
	switch {
	case i < n && d.data[i] == '0':
		i++
	case i < n && '1' <= d.data[i] && d.data[i] <= '9':
		for i < n && isDigit(d.data[i]) {
			i++
		}
	default:
		return false
	}
	if i < n && d.data[i] == '.' {
		i++
		if i >= n || !isDigit(d.data[i]) {
			return false
		}
		for i < n && isDigit(d.data[i]) {
			i++
		}
	}
	if i < n && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < n && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i >= n || !isDigit(d.data[i]) {
			return false
		}
		for i < n && isDigit(d.data[i]) {
			i++
		}
	}
	d.pos = i
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skip consumes one value of any type, checking its syntax.
func (d *directDecoder) skip() bool {
	switch d.peek() {
	case '{':
		return d.object(func([]byte, bool) bool { return d.skip() })
	case '[':
		return d.array(d.skip)
	case '"':
		_, _, ok := d.scanString()
		return ok
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.scanNumber()
}

// raw decodes the next value as encoding/json would into an any (a
// document, or a shape type FromJSON passes through).
func (d *directDecoder) raw() (any, bool) {
	d.space()
	start := d.pos
	if !d.skip() {
		return nil, false
	}
	v, err := Unmarshal(d.data[start:d.pos])
	if err != nil {
		return nil, false
	}
	return v, true
}
