package restxml

import (
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// EncodeTypedResponse writes a handler's typed output (a pointer to a
// generated output structure, or nil): exactly what EncodeResponse writes
// for protocol.Unbind(out) (the empty structure when that is not one).
// Outputs whose members all travel in headers, the status code or a raw
// payload (GetObject, PutObject, HeadObject…) are written from the Go
// value, member by member, without building the tree; outputs with an XML
// body take the tree route.
func (cd Codec) EncodeTypedResponse(w http.ResponseWriter, c *protocol.Call, out any) error {
	var tp *typedPlan
	rv := reflect.ValueOf(out)
	if c.Operation != nil && c.Operation.Output != nil && rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		tp = typedPlanFor(rv.Type().Elem(), c.Operation.Output.Shape)
	}
	if tp == nil {
		tree, _ := protocol.Unbind(out).(map[string]any)
		if tree == nil {
			tree = map[string]any{}
		}
		return cd.EncodeResponse(w, c, tree)
	}
	v := rv.Elem()
	fl := flavorFor(c.Model)
	h := w.Header()
	var vals headerValues
	fl.setRequestID(h, c.RequestID, &vals)
	status := protocol.ResponseStatus(c)
	head := c.Request != nil && c.Request.Method == http.MethodHead
	for i := range tp.fields {
		f := &tp.fields[i]
		fv := v.Field(f.index)
		b := &tp.plan.members[f.member]
		switch f.kind {
		case fieldString:
			if fv.IsNil() {
				continue
			}
			h[b.header] = vals.one(fv.Elem().String())
		case fieldInt:
			if fv.IsNil() {
				continue
			}
			n := fv.Elem().Int()
			if b.loc == locStatus {
				if c.Status == 0 && n >= 100 && n <= 999 {
					status = int(n)
				}
				continue
			}
			h[b.header] = vals.one(strconv.FormatInt(n, 10))
		case fieldBool:
			if fv.IsNil() {
				continue
			}
			h[b.header] = vals.one(strconv.FormatBool(fv.Elem().Bool()))
		case fieldTime:
			if fv.IsNil() {
				continue
			}
			var arr [64]byte
			t := fv.Interface().(*time.Time)
			h[b.header] = vals.one(string(appendTime(arr[:0], *t, f.format)))
		case fieldStringMap:
			for k, x := range fv.Interface().(map[string]string) {
				// As EncodeResponse: prefix headers in lower case.
				h[strings.ToLower(b.wire+k)] = vals.one(x)
			}
		default:
			if tv := protocol.Unbind(fv.Interface()); tv != nil {
				b.writeHeaderOrStatus(h, &vals, c, &status, tv)
			}
		}
	}
	protocol.CopyHeaders(w, c.Header)
	if tp.plan.payload < 0 {
		writeEmpty(w, status, head)
		return nil
	}
	var pv any
	if tp.payload >= 0 {
		fv := v.Field(tp.payload)
		if fv.Kind() == reflect.Interface {
			// protocol.Unbind keeps an interface's value as it is (a
			// streaming body's io.Reader).
			if !fv.IsNil() {
				pv = fv.Interface()
			}
		} else {
			pv = protocol.Unbind(fv.Interface())
		}
	}
	return fl.writePayload(w, status, head, &tp.plan.members[tp.plan.payload], pv)
}

// fieldKind is how EncodeTypedResponse reads one output field: directly
// for the Go types the generator uses for scalar header members, through
// protocol.Unbind for anything else.
type fieldKind uint8

const (
	fieldGeneric   fieldKind = iota
	fieldString              // *string of a string shape, in a header
	fieldInt                 // *int32/*int64 of an integer shape, in a header or the status
	fieldBool                // *bool of a boolean shape, in a header
	fieldTime                // *time.Time of a timestamp shape, in a header
	fieldStringMap           // map[string]string of prefix headers
)

// typedField is one output member bound to a header, prefix headers or
// the status code, with the Go field holding it.
type typedField struct {
	// member indexes the plan's members; index is the Go field.
	member, index int
	kind          fieldKind
	// format is a timestamp header's format.
	format string
}

// typedPlan is how an output structure's Go type is written: its header
// and status members, and the Go field of its payload member.
type typedPlan struct {
	plan   *httpPlan
	fields []typedField
	// payload is the Go field of the payload member; -1 when the type has
	// none.
	payload int
}

type typedPlanKey struct {
	t reflect.Type
	s *model.Shape
}

var typedPlans sync.Map // typedPlanKey -> *typedPlan (nil: take the tree route)

var (
	stringPtrType = reflect.TypeFor[*string]()
	boolPtrType   = reflect.TypeFor[*bool]()
	timePtrType   = reflect.TypeFor[*time.Time]()
	stringMapType = reflect.TypeFor[map[string]string]()
)

// typedPlanFor returns how t, a generated structure type, is written as
// the output shape s, or nil when s has an XML body (written from the
// tree).
func typedPlanFor(t reflect.Type, s *model.Shape) *typedPlan {
	k := typedPlanKey{t, s}
	if tp, ok := typedPlans.Load(k); ok {
		return tp.(*typedPlan)
	}
	p := planFor(s)
	var tp *typedPlan
	if p.payload >= 0 || !p.hasBody {
		tp = &typedPlan{plan: p, payload: -1}
		fields := map[string]int{}
		for i := 0; i < t.NumField(); i++ {
			if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
				fields[name] = i
			}
		}
		for i := range p.members {
			b := &p.members[i]
			fi, ok := fields[b.name]
			if !ok {
				continue
			}
			if i == p.payload {
				tp.payload = fi
				continue
			}
			switch b.loc {
			case locHeader, locHeaders, locStatus:
			default:
				continue
			}
			tp.fields = append(tp.fields, typedField{member: i, index: fi, kind: kindOf(b, t.Field(fi).Type), format: timestampFormat(b.ref, "rfc822")})
		}
	}
	actual, _ := typedPlans.LoadOrStore(k, tp)
	return actual.(*typedPlan)
}

// kindOf returns how a header or status member of Go type ft is read.
func kindOf(b *binding, ft reflect.Type) fieldKind {
	typ := b.ref.Shape.Type
	switch b.loc {
	case locHeaders:
		if ft == stringMapType {
			return fieldStringMap
		}
		return fieldGeneric
	case locStatus:
		if isIntPtr(ft) {
			return fieldInt
		}
		return fieldGeneric
	}
	switch {
	case ft == stringPtrType && typ == "string":
		return fieldString
	case isIntPtr(ft) && (typ == "integer" || typ == "long" || typ == "short" || typ == "byte"):
		return fieldInt
	case ft == boolPtrType && typ == "boolean":
		return fieldBool
	case ft == timePtrType && typ == "timestamp":
		return fieldTime
	}
	return fieldGeneric
}

func isIntPtr(ft reflect.Type) bool {
	if ft.Kind() != reflect.Pointer {
		return false
	}
	switch ft.Elem().Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// DecodeTypedRequest is DecodeRequest straight into in, a pointer to the
// operation's generated input structure, without the tree: the mirror of
// EncodeTypedResponse. Inputs whose members travel in URI labels, the
// query string, headers and a streaming payload (GetObject, PutObject,
// HeadObject, UploadPart…) are decoded member by member with the same
// parsing as DecodeRequest; when every value parses and accept(c, in)
// approves the result (the gateway's model validation), in holds exactly
// what protocol.Bind makes of DecodeRequest's tree and DecodeTypedRequest
// returns nil, nil. Otherwise it leaves in zero and returns what
// DecodeRequest returns, the tree or the error: every error takes the
// tree path unchanged. Inputs with an XML or raw (non-streaming) body
// always take it.
func (cd Codec) DecodeTypedRequest(c *protocol.Call, in any, accept func(c *protocol.Call, in any) bool) (map[string]any, error) {
	dst := reflect.ValueOf(in)
	if c.Operation == nil || c.Operation.Input == nil || dst.Kind() != reflect.Pointer || dst.IsNil() || dst.Elem().Kind() != reflect.Struct {
		return cd.DecodeRequest(c)
	}
	dp := decodePlanFor(dst.Type().Elem(), c.Operation.Input.Shape)
	if dp == nil {
		return cd.DecodeRequest(c)
	}
	v := dst.Elem()
	if dp.decode(c, v) && accept(c, in) {
		return nil, nil
	}
	v.SetZero()
	return cd.DecodeRequest(c)
}

// setKind is how DecodeTypedRequest stores a decoded value in its Go
// field, by the field's type (as protocol.Bind would).
type setKind uint8

const (
	setString     setKind = iota // *string
	setInt                       // *int32, *int64, *int
	setBool                      // *bool
	setFloat                     // *float64, *float32
	setTime                      // *time.Time
	setBlob                      // []byte
	setStringList                // []string
	setStringMap                 // map[string]string (prefix headers)
	setReader                    // io.Reader (streaming payload)
)

// decodeField is one input member with the Go field it is stored in.
type decodeField struct {
	index int
	kind  setKind
}

// decodePlan is how an input structure's Go type is decoded: the Go field
// of each member of its httpPlan, by member index.
type decodePlan struct {
	plan   *httpPlan
	fields []decodeField
}

var decodePlans sync.Map // typedPlanKey -> *decodePlan (nil: take the tree route)

var (
	readerType     = reflect.TypeFor[io.Reader]()
	bytesType      = reflect.TypeFor[[]byte]()
	stringListType = reflect.TypeFor[[]string]()
)

// decodePlanFor returns how t, a generated structure type, is decoded as
// the input shape s, or nil when DecodeRequest must do it: s has a body
// other than a streaming blob payload, a query map, or a member whose Go
// type is not one the generator writes for it.
func decodePlanFor(t reflect.Type, s *model.Shape) *decodePlan {
	k := typedPlanKey{t, s}
	if dp, ok := decodePlans.Load(k); ok {
		return dp.(*decodePlan)
	}
	dp := compileDecodePlan(t, s)
	actual, _ := decodePlans.LoadOrStore(k, dp)
	return actual.(*decodePlan)
}

func compileDecodePlan(t reflect.Type, s *model.Shape) *decodePlan {
	p := planFor(s)
	if p.hasBody {
		return nil
	}
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("aws"); ok {
			fields[name] = i
		}
	}
	dp := &decodePlan{plan: p, fields: make([]decodeField, len(p.members))}
	for i := range p.members {
		b := &p.members[i]
		fi, ok := fields[b.name]
		if !ok {
			return nil
		}
		ft := t.Field(fi).Type
		typ := b.ref.Shape.Type
		var kind setKind
		switch {
		case i == p.payload:
			if typ != "blob" || !streaming(b.ref) || ft != readerType {
				return nil
			}
			kind = setReader
		case b.loc == locHeaders:
			if ft != stringMapType {
				return nil
			}
			kind = setStringMap
		case b.loc == locStatus || b.loc == locBody:
			return nil
		case typ == "list":
			if ft != stringListType || b.ref.Shape.Member.Shape.Type != "string" {
				return nil
			}
			kind = setStringList
		case typ == "string" && ft == stringPtrType:
			kind = setString
		case (typ == "integer" || typ == "long" || typ == "short" || typ == "byte") && isIntPtr(ft):
			kind = setInt
		case typ == "boolean" && ft == boolPtrType:
			kind = setBool
		case (typ == "float" || typ == "double") && ft.Kind() == reflect.Pointer && (ft.Elem().Kind() == reflect.Float64 || ft.Elem().Kind() == reflect.Float32):
			kind = setFloat
		case typ == "timestamp" && ft == timePtrType:
			kind = setTime
		case typ == "blob" && ft == bytesType:
			kind = setBlob
		default:
			return nil
		}
		dp.fields[i] = decodeField{index: fi, kind: kind}
	}
	return dp
}

// decode decodes c's request into v as DecodeRequest would decode it into
// a tree for protocol.Bind, reporting false (v partly written) on any
// value DecodeRequest rejects.
func (dp *decodePlan) decode(c *protocol.Call, v reflect.Value) bool {
	p := dp.plan
	r := c.Request
	var strs stringSlots
	query := p.query(r)
	for _, i := range p.uriQuery {
		b := &p.members[i]
		var text string
		if b.loc == locQuery {
			vs, ok := query[b.wire]
			if b.ref.Shape.Type == "list" {
				if ok {
					l := make([]string, 0, len(vs))
					v.Field(dp.fields[i].index).Set(reflect.ValueOf(append(l, vs...)))
				}
				continue
			}
			if len(vs) == 0 || (vs[0] == "" && b.ref.Shape.Type != "string") {
				continue
			}
			text = vs[0]
		} else {
			label, ok := c.Labels[b.wire]
			if !ok {
				continue
			}
			text = label
		}
		if b.ref.Shape.Type == "string" {
			setValue(v.Field(dp.fields[i].index), setString, text, &strs)
			continue
		}
		tv, err := parseText(text, b.ref, "iso8601")
		if err != nil {
			return false
		}
		setValue(v.Field(dp.fields[i].index), dp.fields[i].kind, tv, &strs)
	}
	if len(p.byHeader) > 0 || len(p.prefixes) > 0 {
		for k, vals := range r.Header {
			i, ok := p.headerMember(k)
			if ok {
				if len(vals) == 0 {
					continue
				}
				b := &p.members[i]
				tv, err := decodeMemberHeader(b, vals)
				switch {
				case err != nil:
					return false
				case tv != nil:
					setValue(v.Field(dp.fields[i].index), dp.fields[i].kind, tv, &strs)
				}
				continue
			}
			for _, i := range p.prefixes {
				prefix := p.members[i].header
				if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
					f := v.Field(dp.fields[i].index)
					if f.IsNil() {
						f.Set(reflect.MakeMap(stringMapType))
					}
					f.SetMapIndex(reflect.ValueOf(strings.ToLower(k[len(prefix):])), reflect.ValueOf(strings.Join(vals, ",")))
				}
			}
		}
	}
	if p.payload >= 0 {
		var body io.Reader = http.NoBody
		if r.Body != nil {
			body = r.Body
		}
		v.Field(dp.fields[p.payload].index).Set(reflect.ValueOf(&body).Elem())
	}
	return true
}

// canonicalKey reports whether k is in canonical header form (upper case
// at the start and after each hyphen, lower case elsewhere), in which case
// textproto.CanonicalMIMEHeaderKey returns it unchanged. Keys net/http
// reads from the wire are; a false answer just means asking
// CanonicalMIMEHeaderKey.
func canonicalKey(k string) bool {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}

// stringSlots hands out the *string fields of one decoded input from
// shared backing arrays: an allocation per four strings rather than one
// each.
type stringSlots struct {
	buf []string
}

// next returns a pointer to a new string holding s.
func (a *stringSlots) next(s string) *string {
	if len(a.buf) == cap(a.buf) {
		a.buf = make([]string, 0, 4)
	}
	a.buf = append(a.buf, s)
	return &a.buf[len(a.buf)-1]
}

// setValue stores tv, a tree value DecodeRequest made for the member, in
// f as protocol.Bind would.
func setValue(f reflect.Value, kind setKind, tv any, strs *stringSlots) {
	switch kind {
	case setString:
		f.Set(reflect.ValueOf(strs.next(tv.(string))))
	case setInt:
		p := reflect.New(f.Type().Elem())
		p.Elem().SetInt(tv.(int64))
		f.Set(p)
	case setBool:
		b := tv.(bool)
		f.Set(reflect.ValueOf(&b))
	case setFloat:
		p := reflect.New(f.Type().Elem())
		p.Elem().SetFloat(tv.(float64))
		f.Set(p)
	case setTime:
		t := tv.(time.Time)
		f.Set(reflect.ValueOf(&t))
	case setBlob:
		f.SetBytes(tv.([]byte))
	case setStringList:
		l := tv.([]any)
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = x.(string)
		}
		f.Set(reflect.ValueOf(out))
	}
}
