package restxml

import (
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// location is where a structure member travels in a REST request or
// response.
type location uint8

const (
	locBody location = iota
	locURI
	locQuery
	locHeader
	locHeaders
	locStatus
)

// binding is one member of an input or output structure with its HTTP
// binding worked out once per shape.
type binding struct {
	// name is the member name, the tree key.
	name string
	// wire is the member's locationName, else its name: the URI label,
	// query parameter or header name, or the header prefix.
	wire string
	// header is the canonical header key (locHeader) or the lower-case
	// prefix (locHeaders).
	header string
	loc    location
	ref    *model.Ref
}

// httpPlan is a structure's HTTP bindings.
type httpPlan struct {
	members []binding
	// payload indexes the member named by the shape's payload trait; -1
	// when there is none.
	payload int
	// hasBody reports whether members without a location travel in the
	// XML body (only without a payload trait).
	hasBody bool
	// hasQuery reports whether any member is bound to the query string.
	hasQuery bool
	// queryNames are the parameter names bound to single query members,
	// which a query-map member does not take.
	queryNames map[string]bool
	// queryMap reports whether a map member takes the query parameters no
	// other member is bound to.
	queryMap bool
	// uriQuery indexes the members bound to URI labels and the query.
	uriQuery []int
	// byHeader maps canonical header keys to their members' indexes.
	byHeader map[string]int
	// prefixes indexes the prefix-header (locHeaders) members.
	prefixes []int
	// byName maps member names to indexes.
	byName map[string]int
}

var plans sync.Map // *model.Shape -> *httpPlan

// planFor returns the HTTP bindings of the structure s.
func planFor(s *model.Shape) *httpPlan {
	if p, ok := plans.Load(s); ok {
		return p.(*httpPlan)
	}
	p := &httpPlan{payload: -1, queryNames: map[string]bool{}, byHeader: map[string]int{}, byName: map[string]int{}}
	for _, m := range s.Members {
		b := binding{name: m.Name, wire: m.Name, ref: m.Ref}
		if m.LocationName != "" {
			b.wire = m.LocationName
		}
		switch m.Location {
		case "uri":
			b.loc = locURI
		case "querystring":
			b.loc = locQuery
			p.hasQuery = true
			if m.Shape.Type != "map" {
				p.queryNames[b.wire] = true
			} else {
				p.queryMap = true
			}
		case "header":
			b.loc = locHeader
			b.header = textproto.CanonicalMIMEHeaderKey(b.wire)
		case "headers":
			b.loc = locHeaders
			b.header = strings.ToLower(b.wire)
		case "statusCode":
			b.loc = locStatus
		default:
			b.loc = locBody
			if s.Payload == m.Name {
				p.payload = len(p.members)
			}
		}
		i := len(p.members)
		switch b.loc {
		case locURI, locQuery:
			p.uriQuery = append(p.uriQuery, i)
		case locHeader:
			p.byHeader[b.header] = i
		case locHeaders:
			p.prefixes = append(p.prefixes, i)
		}
		p.byName[b.name] = i
		p.members = append(p.members, b)
	}
	if p.payload < 0 {
		for _, b := range p.members {
			if b.loc == locBody {
				p.hasBody = true
			}
		}
	}
	actual, _ := plans.LoadOrStore(s, p)
	return actual.(*httpPlan)
}

// query returns the request's query parameters as r.URL.Query() does,
// skipping the parse (and returning nil) when no parameter can be one of
// p's members: every name is plain (no escapes) and none is bound to a
// member, as with the x-id=GetObject that SDKs add to every S3 request.
func (p *httpPlan) query(r *http.Request) url.Values {
	if !p.hasQuery {
		return nil
	}
	raw := r.URL.RawQuery
	if p.queryMap {
		return r.URL.Query()
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(name, "%+") || p.queryNames[name] {
			return r.URL.Query()
		}
	}
	return nil
}

// streaming reports whether a blob travels as a stream: its shape's
// streaming trait. botocore puts the trait on S3's Body members, which
// model.Ref does not keep; models/patches/s3.json sets it on the Body
// shape instead.
func streaming(r *model.Ref) bool { return r.Shape.Streaming }

// timestampFormat returns the format of a timestamp use: the member's
// trait, else the shape's, else def.
func timestampFormat(r *model.Ref, def string) string {
	if r.TimestampFormat != "" {
		return r.TimestampFormat
	}
	if r.Shape.TimestampFormat != "" {
		return r.Shape.TimestampFormat
	}
	return def
}

// errBadValue is returned by parseText for a value the member's type
// cannot hold.
var errBadValue = errors.New("invalid value")

// parseText converts the text of a URI label, query parameter, header or
// XML element into the tree value of r's scalar shape. defFormat is the
// timestamp format the location uses by default.
func parseText(s string, r *model.Ref, defFormat string) (any, error) {
	switch r.Shape.Type {
	case "string":
		return s, nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "true", "True", "TRUE", "1":
			return true, nil
		case "false", "False", "FALSE", "0":
			return false, nil
		}
		return nil, errBadValue
	case "integer", "long", "short", "byte":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || !inRange(n, r.Shape.Type) {
			return nil, errBadValue
		}
		return n, nil
	case "float", "double":
		return parseFloat(strings.TrimSpace(s))
	case "timestamp":
		return parseTime(strings.TrimSpace(s), timestampFormat(r, defFormat))
	case "blob":
		b, err := base64.StdEncoding.DecodeString(stripSpace(s))
		if err != nil {
			return nil, errBadValue
		}
		return b, nil
	}
	return s, nil
}

func inRange(n int64, typ string) bool {
	lo, hi := model.IntRange(typ)
	return n >= lo && n <= hi
}

func parseFloat(s string) (any, error) {
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
		return nil, errBadValue
	}
	return f, nil
}

// parseTime reads a timestamp in its declared format, falling back to any
// form AWS accepts. Times are kept to the millisecond, the precision AWS
// protocols carry, and must fall in years 1 to 9999.
func parseTime(s, format string) (any, error) {
	var t time.Time
	var err error
	switch format {
	case "rfc822":
		t, err = http.ParseTime(s)
	case "unixTimestamp":
		var f float64
		f, err = strconv.ParseFloat(s, 64)
		if err == nil && (math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 253402300799) {
			err = errBadValue
		}
		if err == nil {
			t = timefmt.FromEpoch(f)
		}
	default:
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		if t, err = timefmt.Parse(s); err != nil {
			return nil, errBadValue
		}
	}
	t = t.UTC().Truncate(time.Millisecond)
	if format == "rfc822" {
		t = t.Truncate(time.Second)
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, errBadValue
	}
	return t, nil
}

func stripSpace(s string) string {
	if strings.IndexAny(s, " \t\r\n") < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// splitHeaderList splits a comma-separated header value into items,
// honouring double-quoted items (which may hold commas) and HTTP dates
// (which always do) when the items are timestamps in that format.
func splitHeaderList(v string, r *model.Ref) []string {
	var items []string
	if r.Shape.Type == "timestamp" && timestampFormat(r, "rfc822") == "rfc822" {
		parts := strings.Split(v, ",")
		for i := 0; i < len(parts); i += 2 {
			item := parts[i]
			if i+1 < len(parts) {
				item += "," + parts[i+1]
			}
			items = append(items, strings.TrimSpace(item))
		}
		return items
	}
	for len(v) > 0 {
		v = strings.TrimLeft(v, " \t")
		if strings.HasPrefix(v, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			items = append(items, b.String())
			v = v[min(i+1, len(v)):]
			if j := strings.IndexByte(v, ','); j >= 0 {
				v = v[j+1:]
			} else {
				v = ""
			}
			continue
		}
		item, rest, found := strings.Cut(v, ",")
		items = append(items, strings.TrimSpace(item))
		v = rest
		if !found {
			break
		}
	}
	return items
}

// appendHeaderValue writes v, a tree scalar of r's shape, as a header or
// query value: timestamps as HTTP dates unless the model says otherwise.
func appendHeaderValue(buf []byte, v any, r *model.Ref) []byte {
	if t, ok := v.(time.Time); ok {
		return appendTime(buf, t, timestampFormat(r, "rfc822"))
	}
	if r.Shape.Type == "blob" {
		switch b := v.(type) {
		case []byte:
			return base64.StdEncoding.AppendEncode(buf, b)
		case string:
			return base64.StdEncoding.AppendEncode(buf, []byte(b))
		}
	}
	return appendScalar(buf, v)
}

// headerValue formats a header member's value; lists are joined with
// ", ", quoting strings that hold commas or quotes.
func headerValue(v any, r *model.Ref) (string, bool) {
	if r.Shape.Type == "list" {
		l, ok := v.([]any)
		if !ok {
			return "", false
		}
		var buf []byte
		for i, e := range l {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			if s, ok := e.(string); ok && strings.ContainsAny(s, `,"`) {
				buf = strconv.AppendQuote(buf, s)
				continue
			}
			buf = appendHeaderValue(buf, e, r.Shape.Member)
		}
		return string(buf), true
	}
	if s, ok := v.(string); ok && r.Shape.Type == "string" {
		return s, true
	}
	var arr [64]byte
	return string(appendHeaderValue(arr[:0], v, r)), true
}

// appendTime writes t in the named timestamp format.
func appendTime(buf []byte, t time.Time, format string) []byte {
	switch format {
	case "rfc822":
		return appendHTTPDate(buf, t)
	case "unixTimestamp":
		return timefmt.AppendEpoch(buf, t)
	}
	return appendISO8601(buf, t)
}

// appendHTTPDate writes t as an HTTP date (http.TimeFormat, "Mon, 02 Jan
// 2006 15:04:05 GMT"), without time.Format's layout parsing.
func appendHTTPDate(buf []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(buf, http.TimeFormat)
	}
	hour, minute, sec := t.Clock()
	wd := weekdays[t.Weekday()*3:]
	mon := months[(month-1)*3:]
	return append(buf,
		wd[0], wd[1], wd[2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		mon[0], mon[1], mon[2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

const (
	weekdays = "SunMonTueWedThuFriSat"
	months   = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// appendISO8601 writes t as AWS's XML protocols do,
// 2006-01-02T15:04:05.000Z, without time.Format's layout parsing.
func appendISO8601(buf []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(buf, "2006-01-02T15:04:05.000Z")
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	return append(buf,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendScalar writes a scalar tree value as text.
func appendScalar(buf []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return append(buf, x...)
	case bool:
		return strconv.AppendBool(buf, x)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int32:
		return strconv.AppendInt(buf, int64(x), 10)
	case float64:
		return appendFloat(buf, x)
	case float32:
		return appendFloat(buf, float64(x))
	case time.Time:
		return appendTime(buf, x, "iso8601")
	case []byte:
		return base64.StdEncoding.AppendEncode(buf, x)
	}
	return buf
}

func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(buf, f, 'E', -1, 64)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}
