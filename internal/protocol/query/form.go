package query

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// Dialect selects between the two form-and-XML protocols, which share their
// machinery and differ only in naming and list rules.
type Dialect uint8

const (
	// AWSQuery is the awsQuery protocol (model protocol "query").
	AWSQuery Dialect = iota
	// EC2 is the ec2Query protocol (model protocol "ec2"): request keys use
	// queryName or the capitalised locationName, and every request list is
	// flattened.
	EC2
)

// MaxBodySize bounds a form body read into memory; the router applies the
// same bound when it parses the form to find Action.
const MaxBodySize = 16 << 20

// ReadForm returns the request's parameters: the form body of a POST
// (r.PostForm when the router already parsed it), with query-string
// parameters the body does not set, or the query string of any other
// method. A body that is not a valid form is a MalformedQueryString error.
func ReadForm(r *http.Request, d Dialect) (url.Values, error) {
	var query url.Values
	var qerr error
	if r.URL.RawQuery != "" {
		query, qerr = url.ParseQuery(r.URL.RawQuery)
	}
	if r.Method != http.MethodPost {
		if query == nil {
			query = url.Values{}
		}
		if qerr != nil {
			return nil, malformed(d, qerr)
		}
		return query, nil
	}
	body := r.PostForm
	if body == nil {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded") {
				if qerr != nil {
					return nil, malformed(d, qerr)
				}
				return query, nil
			}
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
		if err != nil {
			return nil, awserr.New("MalformedQueryString", malformedStatus(d), "could not read the request body: "+err.Error())
		}
		if len(raw) > MaxBodySize {
			return nil, awserr.Newf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body exceeds the maximum size of %d bytes.", MaxBodySize)
		}
		body, err = url.ParseQuery(string(raw))
		if err != nil {
			return nil, malformed(d, err)
		}
		r.PostForm = body
	}
	if len(query) == 0 {
		return body, nil
	}
	merged := make(url.Values, len(body)+len(query))
	maps.Copy(merged, query)
	maps.Copy(merged, body)
	return merged, nil
}

func malformedStatus(d Dialect) int {
	if d == EC2 {
		return http.StatusBadRequest
	}
	// AWS's Common Errors pages for the query services document
	// MalformedQueryString with HTTP 404.
	return http.StatusNotFound
}

func malformed(d Dialect, err error) error {
	return awserr.New("MalformedQueryString", malformedStatus(d), "The query string contains a syntax error: "+err.Error())
}

// formNode is one dotted key segment of a form: Filter.1.Name is the path
// root → "Filter" → "1" → "Name".
type formNode struct {
	name  string
	value string
	set   bool
	kids  []*formNode
	// byName indexes kids once there are more than a few.
	byName map[string]*formNode
}

const indexAbove = 8

func (n *formNode) kid(name string) *formNode {
	if n == nil {
		return nil
	}
	if n.byName != nil {
		return n.byName[name]
	}
	for _, c := range n.kids {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *formNode) add(c *formNode) {
	n.kids = append(n.kids, c)
	switch {
	case n.byName != nil:
		n.byName[c.name] = c
	case len(n.kids) > indexAbove:
		n.byName = make(map[string]*formNode, 2*len(n.kids))
		for _, k := range n.kids {
			n.byName[k.name] = k
		}
	}
}

// indexed returns n's children named by positive integers (1, 2, …) in
// numeric order; other children are ignored.
func (n *formNode) indexed() []*formNode {
	if n == nil || len(n.kids) == 0 {
		return nil
	}
	type entry struct {
		i int
		n *formNode
	}
	es := make([]entry, 0, len(n.kids))
	for _, c := range n.kids {
		if i, ok := index(c.name); ok {
			es = append(es, entry{i, c})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return a.i - b.i })
	out := make([]*formNode, len(es))
	for i, e := range es {
		out[i] = e.n
	}
	return out
}

// index parses a canonical positive decimal list index.
func index(s string) (int, bool) {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// emptyMarker reports whether n is "Name=" with nothing below it, which the
// query serializers send for an empty list or map.
func (n *formNode) emptyMarker() bool {
	return n != nil && n.set && n.value == "" && len(n.kids) == 0
}

// Bounds on the key tree: keys deeper than maxKeySegments cannot match any
// model path and are ignored; more than maxSegments segments in all is
// refused, bounding memory whatever the body.
const (
	maxKeySegments = 4 * maxDepth
	maxSegments    = 200_000
)

// buildTree arranges the form's keys as a tree of dotted segments; the
// nodes come from one allocation.
func buildTree(values url.Values, d Dialect) (*formNode, error) {
	total := 1
	for key := range values {
		if n := strings.Count(key, ".") + 1; n <= maxKeySegments {
			total += n
		}
	}
	if total > maxSegments {
		return nil, awserr.New("MalformedQueryString", malformedStatus(d), "The request has too many parameters.")
	}
	slab := make([]formNode, total)
	root := &slab[0]
	slab = slab[1:]
	for key, vs := range values {
		if len(vs) == 0 || strings.Count(key, ".")+1 > maxKeySegments {
			continue
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			c := n.kid(seg)
			if c == nil {
				c = &slab[0]
				slab = slab[1:]
				c.name = seg
				n.add(c)
			}
			n = c
		}
		n.value, n.set = vs[0], true
	}
	return root, nil
}

// DecodeForm decodes form parameters into a tree of shape s (the
// operation's input structure) following the dialect's key rules:
//
//   - structure members by name (locationName, else the target shape's
//     locationName, else the member name; for EC2 queryName, else the
//     capitalised locationName, else the member name), nested with ".";
//   - lists as Name.member.N (Name.<member locationName>.N), flattened
//     lists as Name.N (<member locationName>.N), every EC2 list flattened;
//     "Name=" is an empty list;
//   - maps as Name.entry.N.key / .value (key and value renamed by their
//     locationName), flattened maps as Name.N.key; "Name=" is an empty map;
//   - booleans true/false, numbers in decimal, timestamps in ISO 8601 (or
//     any form timefmt.Parse accepts), blobs in base64.
//
// A structure is present when its key prefix appears at all; list elements
// are taken in index order whatever gaps there are. A value that does not
// parse is an InvalidParameterValue error naming the parameter.
func DecodeForm(values url.Values, s *model.Shape, d Dialect) (map[string]any, error) {
	if s == nil {
		return map[string]any{}, nil
	}
	root, err := buildTree(values, d)
	if err != nil {
		return nil, err
	}
	dec := decoder{dialect: d, path: make([]string, 0, 16)}
	return dec.structure(root, s)
}

type decoder struct {
	dialect Dialect
	path    []string
}

func (d *decoder) push(seg string) { d.path = append(d.path, seg) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

// maxDepth bounds key nesting so a recursive shape cannot be driven into
// unbounded recursion by a long dotted key.
const maxDepth = 64

func (d *decoder) structure(n *formNode, s *model.Shape) (map[string]any, error) {
	if len(d.path) > maxDepth {
		return nil, awserr.Newf("MalformedQueryString", malformedStatus(d.dialect), "The parameter %s is nested too deeply.", strings.Join(d.path, "."))
	}
	out := make(map[string]any, len(s.Members))
	for _, mem := range s.Members {
		if mem.Location != "" {
			continue
		}
		v, err := d.member(n, mem)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[mem.Name] = v
		}
	}
	return out, nil
}

// RequestName returns the form key of a structure member in the dialect.
func RequestName(mem model.Member, d Dialect) string {
	if d == EC2 {
		if mem.QueryName != "" {
			return mem.QueryName
		}
		if ln := locationName(mem.Ref); ln != "" {
			return strings.ToUpper(ln[:1]) + ln[1:]
		}
		return mem.Name
	}
	if ln := locationName(mem.Ref); ln != "" {
		return ln
	}
	return mem.Name
}

// locationName returns a reference's locationName, falling back to the
// target shape's, as botocore merges shape traits under member traits.
func locationName(r *model.Ref) string {
	if r.LocationName != "" {
		return r.LocationName
	}
	if r.Shape != nil {
		return r.Shape.LocationName
	}
	return ""
}

func flattened(r *model.Ref) bool { return r.Flattened || r.Shape.Flattened }

func (d *decoder) member(parent *formNode, mem model.Member) (any, error) {
	name := RequestName(mem, d.dialect)
	s := mem.Shape
	switch s.Type {
	case "list":
		if d.dialect == EC2 {
			return d.list(parent.kid(name), parent.kid(name), name, s)
		}
		if flattened(mem.Ref) {
			elemName := name
			if s.Member.LocationName != "" {
				elemName = s.Member.LocationName
			}
			return d.list(parent.kid(elemName), parent.kid(name), elemName, s)
		}
		n := parent.kid(name)
		memberName := "member"
		if s.Member.LocationName != "" {
			memberName = s.Member.LocationName
		}
		d.push(name)
		defer d.pop()
		return d.list(n.kid(memberName), n, memberName, s)
	case "map":
		n := parent.kid(name)
		d.push(name)
		defer d.pop()
		if flattened(mem.Ref) {
			return d.mapValue(n, n, s)
		}
		d.push("entry")
		defer d.pop()
		return d.mapValue(n.kid("entry"), n, s)
	}
	d.push(name)
	defer d.pop()
	return d.value(parent.kid(name), mem.Ref)
}

// list decodes the indexed children of elems; marker is the node whose
// "Name=" means an empty list.
func (d *decoder) list(elems, marker *formNode, seg string, s *model.Shape) (any, error) {
	nodes := elems.indexed()
	if len(nodes) == 0 {
		// "AttributeName=All", as AWS's SQS examples send it, is a
		// one-element list.
		if elems != nil && elems.set && elems.value != "" && isScalar(s.Member.Shape) {
			v, err := d.scalar(elems.value, s.Member)
			if err != nil {
				return nil, err
			}
			return []any{v}, nil
		}
		if marker.emptyMarker() {
			return []any{}, nil
		}
		return nil, nil
	}
	d.push(seg)
	defer d.pop()
	out := make([]any, 0, len(nodes))
	for i, n := range nodes {
		d.push(strconv.Itoa(i + 1))
		v, err := d.value(n, s.Member)
		d.pop()
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (d *decoder) mapValue(entries, marker *formNode, s *model.Shape) (any, error) {
	nodes := entries.indexed()
	if len(nodes) == 0 {
		if marker.emptyMarker() {
			return map[string]any{}, nil
		}
		return nil, nil
	}
	keyName, valueName := "key", "value"
	if s.Key.LocationName != "" {
		keyName = s.Key.LocationName
	}
	if s.Value.LocationName != "" {
		valueName = s.Value.LocationName
	}
	out := make(map[string]any, len(nodes))
	for i, e := range nodes {
		k := e.kid(keyName)
		if k == nil || !k.set {
			continue
		}
		d.push(strconv.Itoa(i + 1))
		d.push(valueName)
		v, err := d.value(e.kid(valueName), s.Value)
		d.pop()
		d.pop()
		if err != nil {
			return nil, err
		}
		if v == nil {
			v = zeroValue(s.Value.Shape)
			if v == nil {
				continue
			}
		}
		out[k.value] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func isScalar(s *model.Shape) bool {
	switch s.Type {
	case "structure", "list", "map":
		return false
	}
	return true
}

// zeroValue is the value a map entry with a key but no value gets, so the
// handler (and validation) sees the entry; nil means drop the entry.
func zeroValue(s *model.Shape) any {
	switch s.Type {
	case "string":
		return ""
	case "structure":
		return map[string]any{}
	case "list":
		return []any{}
	case "map":
		return map[string]any{}
	case "blob":
		return []byte{}
	}
	return nil
}

// value decodes node n as r's shape; nil means absent.
func (d *decoder) value(n *formNode, r *model.Ref) (any, error) {
	if n == nil {
		return nil, nil
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		return d.structure(n, s)
	case "list":
		if d.dialect == EC2 || flattened(r) {
			return d.list(n, n, "", s)
		}
		memberName := "member"
		if s.Member.LocationName != "" {
			memberName = s.Member.LocationName
		}
		return d.list(n.kid(memberName), n, memberName, s)
	case "map":
		if flattened(r) {
			return d.mapValue(n, n, s)
		}
		d.push("entry")
		defer d.pop()
		return d.mapValue(n.kid("entry"), n, s)
	}
	if !n.set {
		return nil, nil
	}
	return d.scalar(n.value, r)
}

func (d *decoder) scalar(v string, r *model.Ref) (any, error) {
	s := r.Shape
	switch s.Type {
	case "string", "document":
		return v, nil
	case "boolean":
		switch {
		case strings.EqualFold(v, "true"):
			return true, nil
		case strings.EqualFold(v, "false"):
			return false, nil
		}
		return nil, d.invalid(v, "a boolean (true or false)")
	case "integer", "long", "short", "byte":
		i, err := strconv.ParseInt(v, 10, intBits(s.Type))
		if err != nil {
			return nil, d.invalid(v, "an integer")
		}
		return i, nil
	case "float", "double":
		// ParseFloat also accepts NaN and Infinity, as AWS does.
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, d.invalid(v, "a number")
		}
		return f, nil
	case "timestamp":
		t, err := timefmt.Parse(v)
		if err != nil || t.Year() < 0 || t.Year() > 9999 {
			return nil, d.invalid(v, "an ISO 8601 timestamp")
		}
		return t, nil
	case "blob":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, d.invalid(v, "base64-encoded binary data")
		}
		return b, nil
	}
	return v, nil
}

func intBits(t string) int {
	switch t {
	case "integer":
		return 32
	case "short":
		return 16
	case "byte":
		return 8
	}
	return 64
}

// invalid is the error for a value that does not parse as its type, in
// the wording SQS and EC2 use for InvalidParameterValue.
func (d *decoder) invalid(v, want string) error {
	param := strings.Join(slices.DeleteFunc(slices.Clone(d.path), func(s string) bool { return s == "" }), ".")
	if len(v) > 256 {
		v = v[:256] + "..."
	}
	if d.dialect == EC2 {
		return awserr.Newf("InvalidParameterValue", http.StatusBadRequest, "Value (%s) for parameter %s is invalid. Expected %s.", v, param, want)
	}
	return awserr.Newf("InvalidParameterValue", http.StatusBadRequest, "Value %s for parameter %s is invalid. Reason: must be %s.", v, param, want)
}

// EncodeForm writes tree, a value of structure s, into values under the
// dialect's key rules: the request-side inverse of DecodeForm, used by
// tests, fuzzing and benchmarks. Empty lists and maps are sent as "Name="
// and empty structures as "Prefix=" so that DecodeForm(EncodeForm(t)) is t;
// map keys are written in sorted order.
func EncodeForm(values url.Values, tree map[string]any, s *model.Shape, d Dialect) {
	e := encoder{values: values, dialect: d}
	e.structure("", tree, s)
}

type encoder struct {
	values  url.Values
	dialect Dialect
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (e *encoder) structure(prefix string, tree map[string]any, s *model.Shape) {
	wrote := false
	for _, mem := range s.Members {
		v, ok := tree[mem.Name]
		if !ok || v == nil || mem.Location != "" {
			continue
		}
		wrote = true
		name := RequestName(mem, e.dialect)
		key := join(prefix, name)
		switch mem.Shape.Type {
		case "list":
			l, _ := v.([]any)
			switch {
			case len(l) == 0:
				e.values.Set(key, "")
			case e.dialect == EC2:
				e.list(key, l, mem.Shape)
			case flattened(mem.Ref):
				elem := key
				if ln := mem.Shape.Member.LocationName; ln != "" {
					elem = join(prefix, ln)
				}
				e.list(elem, l, mem.Shape)
			default:
				e.list(key+"."+listMemberName(mem.Shape), l, mem.Shape)
			}
		case "map":
			m, _ := v.(map[string]any)
			if flattened(mem.Ref) {
				e.mapValue(key, m, mem.Shape)
			} else {
				e.mapValue(key+".entry", m, mem.Shape)
			}
			if len(m) == 0 {
				e.values.Set(key, "")
			}
		default:
			e.value(key, v, mem.Ref)
		}
	}
	if !wrote && prefix != "" {
		e.values.Set(prefix, "")
	}
}

func listMemberName(s *model.Shape) string {
	if s.Member.LocationName != "" {
		return s.Member.LocationName
	}
	return "member"
}

func (e *encoder) list(prefix string, l []any, s *model.Shape) {
	for i, v := range l {
		e.value(prefix+"."+strconv.Itoa(i+1), v, s.Member)
	}
}

func (e *encoder) mapValue(prefix string, m map[string]any, s *model.Shape) {
	keyName, valueName := "key", "value"
	if s.Key.LocationName != "" {
		keyName = s.Key.LocationName
	}
	if s.Value.LocationName != "" {
		valueName = s.Value.LocationName
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		p := prefix + "." + strconv.Itoa(i+1)
		e.values.Set(p+"."+keyName, k)
		e.value(p+"."+valueName, m[k], s.Value)
	}
}

func (e *encoder) value(key string, v any, r *model.Ref) {
	s := r.Shape
	switch s.Type {
	case "structure":
		m, _ := v.(map[string]any)
		e.structure(key, m, s)
	case "list":
		l, _ := v.([]any)
		switch {
		case len(l) == 0:
			e.values.Set(key, "")
		case e.dialect == EC2 || flattened(r):
			e.list(key, l, s)
		default:
			e.list(key+"."+listMemberName(s), l, s)
		}
	case "map":
		m, _ := v.(map[string]any)
		if len(m) == 0 {
			e.values.Set(key, "")
		} else if flattened(r) {
			e.mapValue(key, m, s)
		} else {
			e.mapValue(key+".entry", m, s)
		}
	default:
		e.values.Set(key, formatScalar(v, r))
	}
}

// formatScalar writes a scalar tree value as a form value.
func formatScalar(v any, r *model.Ref) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		switch {
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		case math.IsNaN(x):
			return "NaN"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	return fmt.Sprint(v)
}
