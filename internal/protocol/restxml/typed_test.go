package restxml

import (
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	s3api "github.com/virga-aws/virga/internal/services/s3/api"
)

// headerOutput is a Go type for headerOutputModel's output, as the
// generator would write it, with a member of every kind a header can
// hold.
type headerOutput struct {
	Status  *int32            `aws:"Status"`
	Names   []string          `aws:"Names"`
	Dates   []time.Time       `aws:"Dates"`
	Enabled *bool             `aws:"Enabled"`
	When    *time.Time        `aws:"When"`
	WhenISO *time.Time        `aws:"WhenISO"`
	Epoch   *time.Time        `aws:"Epoch"`
	Ratio   *float64          `aws:"Ratio"`
	Digest  []byte            `aws:"Digest"`
	Count   *int64            `aws:"Count"`
	Small   *int32            `aws:"Small"`
	Text    *string           `aws:"Text"`
	Meta    map[string]string `aws:"Meta"`
	Body    io.Reader         `aws:"Body"`
}

// headerOutputModel is a restXml operation whose output travels in
// headers, the status code and a streaming payload.
func headerOutputModel() (*model.Model, *model.Operation) {
	str := &model.Shape{Name: "String", Type: "string"}
	integer := &model.Shape{Name: "Integer", Type: "integer"}
	long := &model.Shape{Name: "Long", Type: "long"}
	boolean := &model.Shape{Name: "Boolean", Type: "boolean"}
	double := &model.Shape{Name: "Double", Type: "double"}
	ts := &model.Shape{Name: "Timestamp", Type: "timestamp"}
	epoch := &model.Shape{Name: "EpochTimestamp", Type: "timestamp", TimestampFormat: "unixTimestamp"}
	blob := &model.Shape{Name: "Blob", Type: "blob"}
	body := &model.Shape{Name: "Body", Type: "blob", Streaming: true}
	strList := &model.Shape{Name: "StringList", Type: "list", Member: &model.Ref{Shape: str}}
	tsList := &model.Shape{Name: "TimestampList", Type: "list", Member: &model.Ref{Shape: ts}}
	strMap := &model.Shape{Name: "StringMap", Type: "map", Key: &model.Ref{Shape: str}, Value: &model.Ref{Shape: str}}
	output := &model.Shape{Name: "HeaderOutput", Type: "structure", Payload: "Body", Members: model.Members{
		{Name: "Status", Ref: &model.Ref{Shape: integer, Location: "statusCode"}},
		{Name: "Names", Ref: &model.Ref{Shape: strList, Location: "header", LocationName: "x-names"}},
		{Name: "Dates", Ref: &model.Ref{Shape: tsList, Location: "header", LocationName: "x-dates"}},
		{Name: "Enabled", Ref: &model.Ref{Shape: boolean, Location: "header", LocationName: "x-enabled"}},
		{Name: "When", Ref: &model.Ref{Shape: ts, Location: "header", LocationName: "x-when"}},
		{Name: "WhenISO", Ref: &model.Ref{Shape: ts, Location: "header", LocationName: "x-when-iso", TimestampFormat: "iso8601"}},
		{Name: "Epoch", Ref: &model.Ref{Shape: epoch, Location: "header", LocationName: "x-epoch"}},
		{Name: "Ratio", Ref: &model.Ref{Shape: double, Location: "header", LocationName: "x-ratio"}},
		{Name: "Digest", Ref: &model.Ref{Shape: blob, Location: "header", LocationName: "x-digest"}},
		{Name: "Count", Ref: &model.Ref{Shape: long, Location: "header", LocationName: "x-count"}},
		{Name: "Small", Ref: &model.Ref{Shape: integer, Location: "header", LocationName: "x-small"}},
		{Name: "Text", Ref: &model.Ref{Shape: str, Location: "header", LocationName: "Content-Type"}},
		{Name: "Meta", Ref: &model.Ref{Shape: strMap, Location: "headers", LocationName: "x-meta-"}},
		{Name: "Body", Ref: &model.Ref{Shape: body}},
	}}
	op := &model.Operation{Name: "HeaderOutput", Output: &model.Ref{Shape: output}}
	m := &model.Model{
		Name:       "headeroutput",
		Metadata:   model.Metadata{Protocol: model.ProtocolRESTXML},
		Operations: map[string]*model.Operation{"HeaderOutput": op},
		Shapes:     map[string]*model.Shape{},
	}
	return m, op
}

var trickyStrings = []string{"", "a", "a,b", `q"x`, "héllo wörld", "  spaced  ", "x\ty", "application/octet-stream", "\"etag\""}

// fillRandom sets v (settable) to a random value of its Go type, leaving
// pointers, slices, maps and interfaces nil now and then. Equal seeds give
// equal values, with readers of their own.
func fillRandom(rng *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if rng.IntN(3) == 0 || depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fillRandom(rng, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Interface:
		if rng.IntN(3) == 0 || v.Type() != reflect.TypeFor[io.Reader]() {
			return
		}
		v.Set(reflect.ValueOf(strings.NewReader(trickyStrings[rng.IntN(len(trickyStrings))])))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			sec := rng.Int64N(253402300799) - rng.Int64N(62135596800)
			v.Set(reflect.ValueOf(time.Unix(sec, rng.Int64N(1000)*1e6).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillRandom(rng, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if rng.IntN(3) == 0 || depth > 4 {
			return
		}
		n := rng.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fillRandom(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if rng.IntN(3) == 0 || depth > 4 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := rng.IntN(3); i > 0; i-- {
			k := reflect.New(v.Type().Key()).Elem()
			fillRandom(rng, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fillRandom(rng, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		v.SetString(trickyStrings[rng.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int32, reflect.Int64:
		switch rng.IntN(3) {
		case 0:
			v.SetInt(100 + rng.Int64N(900))
		case 1:
			v.SetInt(rng.Int64N(100) - 50)
		default:
			v.SetInt(rng.Int64N(math.MaxInt32))
		}
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, 1.5, -2.25, 1e22, 3e-7, math.Inf(1), math.NaN()}[rng.IntN(7)])
	case reflect.Uint8:
		v.SetUint(uint64(rng.IntN(256)))
	}
}

// encodeBoth writes out (made twice from seed by mk) with
// EncodeTypedResponse and with EncodeResponse of its tree, and fails when
// status, headers or body differ.
func encodeBoth(t *testing.T, call *protocol.Call, seed uint64, mk func(*rand.Rand) any) {
	t.Helper()
	typed := httptest.NewRecorder()
	if err := (Codec{}).EncodeTypedResponse(typed, call, mk(rand.New(rand.NewPCG(seed, 1)))); err != nil {
		t.Fatal(err)
	}
	tree, _ := protocol.Unbind(mk(rand.New(rand.NewPCG(seed, 1)))).(map[string]any)
	if tree == nil {
		tree = map[string]any{}
	}
	want := httptest.NewRecorder()
	if err := (Codec{}).EncodeResponse(want, call, tree); err != nil {
		t.Fatal(err)
	}
	if typed.Code != want.Code || !reflect.DeepEqual(typed.Header(), want.Header()) || typed.Body.String() != want.Body.String() {
		t.Fatalf("%s %s (seed %d): typed encoding differs from the tree's\n got %d %v %q\nwant %d %v %q",
			call.Request.Method, call.Operation.Name, seed, typed.Code, typed.Header(), typed.Body, want.Code, want.Header(), want.Body)
	}
}

// TestEncodeTypedMatchesTree checks that EncodeTypedResponse writes
// exactly what EncodeResponse writes for the tree of the same output:
// random values of every S3 output type and of a synthetic output with a
// header of every kind, for GET and HEAD, with and without a status
// override and extra headers.
func TestEncodeTypedMatchesTree(t *testing.T) {
	s3 := model.MustLoad("s3")
	svc := reflect.TypeFor[s3api.Service]()
	type target struct {
		m   *model.Model
		op  *model.Operation
		typ reflect.Type
	}
	var targets []target
	for i := 0; i < svc.NumMethod(); i++ {
		meth := svc.Method(i)
		op := s3.Operations[meth.Name]
		if op == nil || meth.Type.NumOut() != 2 {
			continue
		}
		targets = append(targets, target{s3, op, meth.Type.Out(0)})
	}
	if len(targets) < 50 {
		t.Fatalf("found %d S3 operations, want them all", len(targets))
	}
	hm, hop := headerOutputModel()
	targets = append(targets, target{hm, hop, reflect.TypeFor[*headerOutput]()})
	for _, tg := range targets {
		for seed := uint64(0); seed < 40; seed++ {
			method := http.MethodGet
			if seed%4 == 3 {
				method = http.MethodHead
			}
			call := &protocol.Call{Model: tg.m, Operation: tg.op, RequestID: "req-" + string(rune('a'+seed%26)), Request: httptest.NewRequest(method, "/b/k", nil)}
			if seed%5 == 4 {
				call.Status = 200
				call.Header = http.Header{"X-Extra": {"1"}}
			}
			encodeBoth(t, call, seed, func(rng *rand.Rand) any {
				if seed == 0 {
					return reflect.Zero(tg.typ).Interface() // a nil output
				}
				v := reflect.New(tg.typ.Elem())
				fillRandom(rng, v.Elem(), 0)
				return v.Interface()
			})
		}
	}
}

// TestAppendHTTPDate checks the hand-written HTTP date against
// time.Format's, including the years it leaves to time.Format.
func TestAppendHTTPDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("x", -7*3600)),
	}
	for i := 0; i < 20000; i++ {
		times = append(times, time.Unix(rng.Int64N(253402300800)-62135596800, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		if got, want := string(appendHTTPDate(nil, tm)), tm.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("appendHTTPDate(%v) = %q, want %q", tm, got, want)
		}
	}
}

// BenchmarkEncodeTypedGetObject writes a GetObject output (headers and a
// 4 KiB body) from the typed value; BenchmarkEncodeTreeGetObject through
// protocol.Unbind and the tree, as the gateway did before.
func BenchmarkEncodeTypedGetObject(b *testing.B) { benchEncodeGetObject(b, true) }

// BenchmarkEncodeTreeGetObject is BenchmarkEncodeTypedGetObject's
// reference.
func BenchmarkEncodeTreeGetObject(b *testing.B) { benchEncodeGetObject(b, false) }

func benchEncodeGetObject(b *testing.B, typed bool) {
	m := model.MustLoad("s3")
	call := &protocol.Call{Model: m, Operation: m.Operations["GetObject"], RequestID: "0123456789abcdef", Request: httptest.NewRequest("GET", "/b/k", nil)}
	body := strings.Repeat("x", 4096)
	lm := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ctype, etag, ranges, size := "application/octet-stream", `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, "bytes", int64(len(body))
	w := &discardWriter{h: http.Header{}}
	r := strings.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		r.Reset(body)
		out := &s3api.GetObjectOutput{Body: r, AcceptRanges: &ranges, LastModified: &lm, ContentLength: &size, ETag: &etag, ContentType: &ctype}
		var err error
		if typed {
			err = (Codec{}).EncodeTypedResponse(w, call, out)
		} else {
			err = (Codec{}).EncodeResponse(w, call, protocol.Unbind(out).(map[string]any))
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// headerTexts are the values the decoding test puts in labels, query
// parameters and headers: valid and invalid integers, booleans, dates,
// base64 and lists.
var headerTexts = []string{
	"", "x", "12", "-3", "0", "2147483648", "99999999999999999999", "abc", "true", "FALSE", "yes", " 1 ",
	"Wed, 21 Oct 2015 07:28:00 GMT", "2015-10-21T07:28:00Z", "2015-10-21T07:28:00.123Z", "1445412480", "garbage",
	"aGVsbG8=", "not base64!", "a, b", `"x,y", z`, "1.5", "NaN", "héllo",
}

// randomRequest builds a request for op with a random selection of its
// URI labels, query parameters and headers, each with a random text.
func randomRequest(rng *rand.Rand, op *model.Operation) (*http.Request, map[string]string) {
	p := planFor(op.Input.Shape)
	labels := map[string]string{}
	query := url.Values{"x-id": {op.Name}}
	header := http.Header{}
	pick := func() string { return headerTexts[rng.IntN(len(headerTexts))] }
	for i := range p.members {
		b := &p.members[i]
		if rng.IntN(2) == 0 {
			continue
		}
		switch b.loc {
		case locURI:
			labels[b.wire] = pick()
		case locQuery:
			if b.ref.Shape.Type == "map" {
				query.Add("extra-"+pick(), pick())
				continue
			}
			query.Add(b.wire, pick())
			if rng.IntN(4) == 0 {
				query.Add(b.wire, pick())
			}
		case locHeader:
			key := b.header
			if rng.IntN(5) == 0 {
				key = strings.ToLower(key)
			}
			header[key] = append(header[key], pick())
			if rng.IntN(5) == 0 {
				header[key] = append(header[key], pick())
			}
			if rng.IntN(10) == 0 {
				header[key] = []string{}
			}
		case locHeaders:
			header[b.header+"Name"] = []string{pick()}
			header[strings.ToUpper(b.header)+"other"] = []string{pick(), pick()}
		}
	}
	header["X-Unrelated"] = []string{pick()}
	var body io.Reader
	if rng.IntN(2) == 0 {
		body = strings.NewReader("payload")
	}
	r := httptest.NewRequest(http.MethodPut, "/b/k?"+query.Encode(), body)
	r.Header = header
	return r, labels
}

// s3Input returns the generated input type of an S3 operation.
func s3Input(name string) reflect.Type {
	meth, ok := reflect.TypeFor[s3api.Service]().MethodByName(name)
	if !ok || meth.Type.NumIn() != 2 {
		return nil
	}
	return meth.Type.In(1).Elem()
}

// compareTypedDecode decodes the request mk makes (a fresh one for each
// decoding, since a body can be read once) with DecodeTypedRequest and
// with DecodeRequest then protocol.Bind, and fails when the results
// differ: the typed input must be what Bind makes of the tree, and every
// error or refusal must return DecodeRequest's tree or error with the
// input left zero. refuse makes accept refuse the typed input. It reports
// whether the typed route was taken.
func compareTypedDecode(t *testing.T, m *model.Model, op *model.Operation, inType reflect.Type, refuse bool, mk func() (*http.Request, map[string]string)) bool {
	t.Helper()
	r, labels := mk()
	call := &protocol.Call{Model: m, Operation: op, Labels: labels, RequestID: "rid", Request: r}
	wantTree, wantErr := Codec{}.DecodeRequest(call)
	want := reflect.New(inType)
	if wantErr == nil {
		if err := protocol.Bind(wantTree, want.Interface()); err != nil {
			t.Fatalf("%s: Bind: %v", op.Name, err)
		}
	}
	r, labels = mk()
	call = &protocol.Call{Model: m, Operation: op, Labels: labels, RequestID: "rid", Request: r}
	got := reflect.New(inType)
	tree, err := Codec{}.DecodeTypedRequest(call, got.Interface(), func(*protocol.Call, any) bool { return !refuse })
	switch {
	case !reflect.DeepEqual(err, wantErr):
		t.Fatalf("%s %s %v: error %v, want %v", op.Name, r.URL, r.Header, err, wantErr)
	case err != nil || tree != nil:
		if !reflect.DeepEqual(tree, wantTree) || !got.Elem().IsZero() {
			t.Fatalf("%s %s %v: tree route gave %v with input %+v, want %v and a zero input", op.Name, r.URL, r.Header, tree, got.Elem(), wantTree)
		}
		return false
	case refuse:
		t.Fatalf("%s: typed result kept although accept refused it", op.Name)
	case !reflect.DeepEqual(got.Interface(), want.Interface()):
		t.Fatalf("%s %s %v: typed decode\n got %+v\nwant %+v", op.Name, r.URL, r.Header, got.Elem(), want.Elem())
	}
	return true
}

// TestDecodeTypedMatchesTree checks that DecodeTypedRequest decodes
// exactly what protocol.Bind makes of DecodeRequest's tree, and returns
// DecodeRequest's error (leaving the input zero) for input it rejects or
// accept refuses: random requests for every S3 operation.
func TestDecodeTypedMatchesTree(t *testing.T) {
	s3 := model.MustLoad("s3")
	typedOps, typedDecodes := 0, 0
	for name, op := range s3.Operations {
		inType := s3Input(name)
		if op.Input == nil || inType == nil {
			continue
		}
		if decodePlanFor(inType, op.Input.Shape) != nil {
			typedOps++
		}
		for n := 0; n < 60; n++ {
			seed := uint64(n)<<32 | uint64(len(name))<<16 | uint64(name[0])<<8 | uint64(name[len(name)-1])
			mk := func() (*http.Request, map[string]string) {
				return randomRequest(rand.New(rand.NewPCG(seed, 7)), op)
			}
			if compareTypedDecode(t, s3, op, inType, n%7 == 6, mk) {
				typedDecodes++
			}
		}
	}
	t.Logf("%d operations take the typed route; %d requests decoded on it", typedOps, typedDecodes)
	if typedOps < 40 || typedDecodes < 1000 {
		t.Errorf("only %d operations (%d requests) took the typed route", typedOps, typedDecodes)
	}
}

// FuzzDecodeTyped feeds arbitrary labels, query strings and headers to
// DecodeTypedRequest for S3 operations without an XML body: it must never
// panic and must decode exactly what DecodeRequest and protocol.Bind do,
// or return DecodeRequest's error.
func FuzzDecodeTyped(f *testing.F) {
	ops := []string{"GetObject", "PutObject", "HeadObject", "UploadPart", "DeleteObject", "ListObjectsV2", "GetObjectAttributes", "CopyObject"}
	f.Add(uint8(0), "k", "x-id=GetObject&partNumber=2", "Range", "bytes=0-1", "If-Modified-Since", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(uint8(1), "a/b", "x-id=PutObject", "X-Amz-Meta-Color", "blue", "Content-Length", "12")
	f.Add(uint8(5), "", "list-type=2&max-keys=x&prefix=%zz", "x-amz-optional-object-attributes", "RestoreStatus", "X-Amz-Expected-Bucket-Owner", "1")
	f.Add(uint8(6), "k", "attributes", "X-Amz-Object-Attributes", `ETag, "Checksum", ObjectSize`, "X-Amz-Max-Parts", "-1")
	f.Add(uint8(7), "k", "", "X-Amz-Copy-Source-If-Modified-Since", "garbage", "x-amz-copy-source", "b/k?versionId=1")
	s3 := model.MustLoad("s3")
	f.Fuzz(func(t *testing.T, which uint8, key, rawQuery, h1, v1, h2, v2 string) {
		name := ops[int(which)%len(ops)]
		op := s3.Operations[name]
		mk := func() (*http.Request, map[string]string) {
			r := httptest.NewRequest(op.HTTP.Method, "/b/k", strings.NewReader("body"))
			r.URL.RawQuery = rawQuery
			r.Header = http.Header{h1: {v1}}
			r.Header[h2] = append(r.Header[h2], v2)
			return r, map[string]string{"Bucket": "b", "Key": key}
		}
		compareTypedDecode(t, s3, op, s3Input(name), false, mk)
	})
}

// TestCanonicalKey checks that a key canonicalKey accepts is one
// textproto.CanonicalMIMEHeaderKey leaves unchanged.
func TestCanonicalKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "aAzZ-_ 0x\xff:mM"
	for i := 0; i < 100000; i++ {
		b := make([]byte, rng.IntN(8))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		k := string(b)
		if canonicalKey(k) && textproto.CanonicalMIMEHeaderKey(k) != k {
			t.Fatalf("canonicalKey(%q) but CanonicalMIMEHeaderKey gives %q", k, textproto.CanonicalMIMEHeaderKey(k))
		}
	}
	for _, k := range []string{"Content-Type", "X-Amz-Meta-Foo", "Amz-Sdk-Invocation-Id", "X-Amz-Content-Sha256"} {
		if !canonicalKey(k) {
			t.Errorf("canonicalKey(%q) = false", k)
		}
	}
}

// TestPlanQuery checks that httpPlan.query gives every query member the
// values r.URL.Query() gives it, on random query strings made of member
// names, escapes and separators.
func TestPlanQuery(t *testing.T) {
	s3 := model.MustLoad("s3")
	plans := []*httpPlan{
		planFor(s3.Operations["GetObject"].Input.Shape),
		planFor(s3.Operations["ListObjectsV2"].Input.Shape),
		planFor(testModel().Operations["KitchenSink"].Input.Shape),
	}
	parts := []string{"x-id", "GetObject", "versionId", "versionI%64", "prefix", "page", "tag", "=", "&", ";", "+", "%", "%zz", "a", "list-type", "2", "response-content-type"}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(8); n > 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		r := httptest.NewRequest(http.MethodGet, "/b/k", nil)
		r.URL.RawQuery = b.String()
		want := r.URL.Query()
		for _, p := range plans {
			got := p.query(r)
			for _, m := range p.members {
				if m.loc != locQuery {
					continue
				}
				if m.ref.Shape.Type == "map" {
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("query(%q) = %v, want %v", r.URL.RawQuery, got, want)
					}
					continue
				}
				if !reflect.DeepEqual(got[m.wire], want[m.wire]) {
					t.Fatalf("query(%q)[%q] = %q, want %q", r.URL.RawQuery, m.wire, got[m.wire], want[m.wire])
				}
			}
		}
	}
}
