package restxml

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// testShapes builds a small rest-xml model exercising what the AWS models
// in use today barely do: query maps, status codes, timestamp formats,
// maps, flattened maps, attributes and namespaced members.
func testModel() *model.Model {
	str := &model.Shape{Name: "String", Type: "string"}
	integer := &model.Shape{Name: "Integer", Type: "integer"}
	long := &model.Shape{Name: "Long", Type: "long"}
	boolean := &model.Shape{Name: "Boolean", Type: "boolean"}
	double := &model.Shape{Name: "Double", Type: "double"}
	ts := &model.Shape{Name: "Timestamp", Type: "timestamp"}
	epoch := &model.Shape{Name: "EpochTimestamp", Type: "timestamp", TimestampFormat: "unixTimestamp"}
	blob := &model.Shape{Name: "Blob", Type: "blob"}
	strList := &model.Shape{Name: "StringList", Type: "list", Member: &model.Ref{Shape: str}}
	tsList := &model.Shape{Name: "TimestampList", Type: "list", Member: &model.Ref{Shape: ts}}
	intList := &model.Shape{Name: "IntegerList", Type: "list", Member: &model.Ref{Shape: integer, LocationName: "Number"}}
	flatList := &model.Shape{Name: "FlatList", Type: "list", Flattened: true, Member: &model.Ref{Shape: str}}
	strMap := &model.Shape{Name: "StringMap", Type: "map", Key: &model.Ref{Shape: str}, Value: &model.Ref{Shape: str}}
	listMap := &model.Shape{Name: "ListMap", Type: "map", Key: &model.Ref{Shape: str}, Value: &model.Ref{Shape: strList}}
	namedMap := &model.Shape{Name: "NamedMap", Type: "map", Key: &model.Ref{Shape: str, LocationName: "Name"}, Value: &model.Ref{Shape: integer, LocationName: "Count"}}
	flatMap := &model.Shape{Name: "FlatMap", Type: "map", Flattened: true, Key: &model.Ref{Shape: str}, Value: &model.Ref{Shape: str}}
	nested := &model.Shape{Name: "Nested", Type: "structure",
		XMLNamespace: &model.XMLNS{Prefix: "xsi", URI: "http://www.w3.org/2001/XMLSchema-instance"},
		Members: model.Members{
			{Name: "Kind", Ref: &model.Ref{Shape: str, LocationName: "xsi:type", XMLAttribute: true}},
			{Name: "Count", Ref: &model.Ref{Shape: integer, XMLAttribute: true}},
			{Name: "Value", Ref: &model.Ref{Shape: str}},
		}}
	input := &model.Shape{Name: "KitchenSinkRequest", Type: "structure", Members: model.Members{
		{Name: "Label", Ref: &model.Ref{Shape: long, Location: "uri", LocationName: "Id"}},
		{Name: "Page", Ref: &model.Ref{Shape: integer, Location: "querystring", LocationName: "page"}},
		{Name: "Since", Ref: &model.Ref{Shape: ts, Location: "querystring", LocationName: "since"}},
		{Name: "Tags", Ref: &model.Ref{Shape: strList, Location: "querystring", LocationName: "tag"}},
		{Name: "Rest", Ref: &model.Ref{Shape: listMap, Location: "querystring"}},
		{Name: "Names", Ref: &model.Ref{Shape: strList, Location: "header", LocationName: "x-names"}},
		{Name: "Dates", Ref: &model.Ref{Shape: tsList, Location: "header", LocationName: "x-dates"}},
		{Name: "When", Ref: &model.Ref{Shape: ts, Location: "header", LocationName: "x-when"}},
		{Name: "WhenISO", Ref: &model.Ref{Shape: ts, Location: "header", LocationName: "x-when-iso", TimestampFormat: "iso8601"}},
		{Name: "Enabled", Ref: &model.Ref{Shape: boolean, Location: "header", LocationName: "x-enabled"}},
		{Name: "Ratio", Ref: &model.Ref{Shape: double, Location: "header", LocationName: "x-ratio"}},
		{Name: "Digest", Ref: &model.Ref{Shape: blob, Location: "header", LocationName: "x-digest"}},
		{Name: "Meta", Ref: &model.Ref{Shape: strMap, Location: "headers", LocationName: "x-meta-"}},
		{Name: "Count", Ref: &model.Ref{Shape: integer}},
		{Name: "Epoch", Ref: &model.Ref{Shape: epoch}},
		{Name: "Data", Ref: &model.Ref{Shape: blob}},
		{Name: "Numbers", Ref: &model.Ref{Shape: intList}},
		{Name: "Items", Ref: &model.Ref{Shape: flatList, LocationName: "Item"}},
		{Name: "Attrs", Ref: &model.Ref{Shape: strMap}},
		{Name: "Counts", Ref: &model.Ref{Shape: namedMap}},
		{Name: "Flat", Ref: &model.Ref{Shape: flatMap, LocationName: "Pair"}},
		{Name: "Nested", Ref: &model.Ref{Shape: nested}},
		{Name: "Ratio2", Ref: &model.Ref{Shape: double, LocationName: "Ratio"}},
	}}
	output := &model.Shape{Name: "KitchenSinkResponse", Type: "structure", Members: model.Members{
		{Name: "Status", Ref: &model.Ref{Shape: integer, Location: "statusCode"}},
		{Name: "Names", Ref: &model.Ref{Shape: strList, Location: "header", LocationName: "x-names"}},
		{Name: "Dates", Ref: &model.Ref{Shape: tsList, Location: "header", LocationName: "x-dates"}},
		{Name: "Enabled", Ref: &model.Ref{Shape: boolean, Location: "header", LocationName: "x-enabled"}},
		{Name: "When", Ref: &model.Ref{Shape: ts, Location: "header", LocationName: "x-when"}},
		{Name: "Epoch", Ref: &model.Ref{Shape: epoch}},
		{Name: "Nested", Ref: &model.Ref{Shape: nested}},
		{Name: "Counts", Ref: &model.Ref{Shape: namedMap}},
		{Name: "Flat", Ref: &model.Ref{Shape: flatMap, LocationName: "Pair"}},
	}}
	m := &model.Model{
		Name:     "kitchensink",
		Metadata: model.Metadata{Protocol: model.ProtocolRESTXML, XMLNamespace: "https://example.com/doc/2024-01-01/"},
		Operations: map[string]*model.Operation{
			"KitchenSink": {Name: "KitchenSink", Input: &model.Ref{Shape: input, LocationName: "KitchenSinkRequest"}, Output: &model.Ref{Shape: output}},
		},
		Shapes: map[string]*model.Shape{},
	}
	return m
}

func kitchenSinkCall(req *http.Request) *protocol.Call {
	m := testModel()
	return &protocol.Call{Model: m, Operation: m.Operations["KitchenSink"], Labels: map[string]string{"Id": "42"}, RequestID: "rid", Request: req}
}

func TestDecodeKitchenSink(t *testing.T) {
	body := `<?xml version="1.0"?>
<KitchenSinkRequest xmlns="https://example.com/doc/2024-01-01/">
  <Count> 7 </Count>
  <Epoch>1700000000.25</Epoch>
  <Data>aGVs
  bG8=</Data>
  <Numbers><Number>1</Number><other>x</other><Number>2</Number></Numbers>
  <Item>a</Item><Skipped><Item>not me</Item></Skipped><Item>b</Item>
  <Attrs><entry><key>k1</key><value>v1</value></entry><entry><key>k2</key><value></value></entry><entry><value>no key</value></entry></Attrs>
  <Counts><entry><Name>x</Name><Count>3</Count></entry></Counts>
  <Pair><key>p</key><value>1</value></Pair><Pair><key>q</key><value>2</value></Pair>
  <Nested xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Thing" Count="5"><Value>v &amp; w</Value></Nested>
  <Ratio>1.5</Ratio>
  <!-- comment -->
</KitchenSinkRequest>
`
	req := httptest.NewRequest("POST", "/42?page=3&since=2024-01-02T03:04:05Z&tag=a&tag=b&other=1&other=2&extra=", strings.NewReader(body))
	req.Header.Set("x-names", `a, "b,c", d`)
	req.Header.Add("x-names", "e")
	req.Header.Set("x-dates", "Wed, 21 Oct 2015 07:28:00 GMT, Thu, 22 Oct 2015 07:28:00 GMT")
	req.Header.Set("x-when", "Wed, 21 Oct 2015 07:28:00 GMT")
	req.Header.Set("x-when-iso", "2015-10-21T07:28:00.123Z")
	req.Header.Set("x-enabled", "true")
	req.Header.Set("x-ratio", "0.25")
	req.Header.Set("x-digest", "aGVsbG8=")
	req.Header["x-enabled"] = []string{"true"}
	req.Header.Del("X-Enabled")
	req.Header.Set("X-Meta-Color", "blue")
	req.Header.Set("x-meta-SIZE", "L")
	tree, err := Codec{}.DecodeRequest(kitchenSinkCall(req))
	if err != nil {
		t.Fatal(err)
	}
	oct21 := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	want := map[string]any{
		"Label":   int64(42),
		"Page":    int64(3),
		"Since":   time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Tags":    []any{"a", "b"},
		"Rest":    map[string]any{"other": []any{"1", "2"}, "extra": []any{""}},
		"Names":   []any{"a", "b,c", "d", "e"},
		"Dates":   []any{oct21, oct21.Add(24 * time.Hour)},
		"When":    oct21,
		"WhenISO": oct21.Add(123 * time.Millisecond),
		"Enabled": true,
		"Ratio":   0.25,
		"Digest":  []byte("hello"),
		"Meta":    map[string]any{"color": "blue", "size": "L"},
		"Count":   int64(7),
		"Epoch":   time.Date(2023, 11, 14, 22, 13, 20, 250e6, time.UTC),
		"Data":    []byte("hello"),
		"Numbers": []any{int64(1), int64(2)},
		"Items":   []any{"a", "b"},
		"Attrs":   map[string]any{"k1": "v1", "k2": ""},
		"Counts":  map[string]any{"x": int64(3)},
		"Flat":    map[string]any{"p": "1", "q": "2"},
		"Nested":  map[string]any{"Kind": "Thing", "Count": int64(5), "Value": "v & w"},
		"Ratio2":  1.5,
	}
	if !reflect.DeepEqual(tree, want) {
		t.Errorf("tree differs\n got %#v\nwant %#v", tree, want)
	}
}

func TestDecodeBadValues(t *testing.T) {
	tests := []struct {
		name, target, header, value, wantCode string
	}{
		{"int query", "/42?page=x", "", "", "InvalidArgument"},
		{"int32 overflow", "/42?page=2147483648", "", "", "InvalidArgument"},
		{"bool header", "/42", "x-enabled", "yes", "InvalidArgument"},
		{"date header", "/42", "x-when", "yesterday", "InvalidArgument"},
		{"blob header", "/42", "x-digest", "!!", "InvalidArgument"},
		{"nan header", "/42", "x-ratio", "1e400", "InvalidArgument"},
		{"empty typed header is absent", "/42", "x-enabled", " ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.target, nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			call := kitchenSinkCall(req)
			call.Model.Name = "s3control"
			_, err := Codec{}.DecodeRequest(call)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *awserr.Error
			if !errors.As(err, &e) || e.Code != tc.wantCode || e.Status != 400 {
				t.Fatalf("got %v, want %s 400", err, tc.wantCode)
			}
			if e.Fields["ArgumentName"] == nil {
				t.Errorf("S3 InvalidArgument without ArgumentName: %+v", e)
			}
		})
	}
	req := httptest.NewRequest("POST", "/42", nil)
	if _, err := (Codec{}).DecodeRequest(&protocol.Call{Model: testModel(), Operation: testModel().Operations["KitchenSink"], Labels: map[string]string{"Id": "x"}, Request: req}); err == nil {
		t.Error("non-integer URI label for a long member: no error")
	}
}

func TestMalformedBodies(t *testing.T) {
	bodies := []string{
		`<Delete><Object><Key>a</Key></Object>`,
		`<Delete></Delete><Delete></Delete>`,
		`<Delete></Delete>trailing`,
		`text<Delete></Delete>`,
		`<Delete><Object><Key>a</Key></Objekt></Delete>`,
		`<Delete>&bogus;</Delete>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><Delete></Delete>`,
		`<Delete>` + strings.Repeat("<Object>", 10) + `</Delete>`,
	}
	typed := []string{
		`<Delete><Quiet>maybe</Quiet></Delete>`,
		`<Delete><Object><Size>12x</Size></Object></Delete>`,
		`<Delete><Object><LastModifiedTime>yesterday</LastModifiedTime></Object></Delete>`,
	}
	services := []struct{ model, op, target, code string }{
		{"s3", "DeleteObjects", "/b?delete", "MalformedXML"},
		{"route53", "ChangeResourceRecordSets", "/2013-04-01/hostedzone/Z/rrset/", "InvalidInput"},
		{"cloudfront", "CreateInvalidation", "/2020-05-31/distribution/D/invalidation", "MalformedInput"},
	}
	for _, svc := range services {
		m := model.MustLoad(svc.model)
		all := bodies
		if svc.model == "s3" {
			all = append(all, typed...)
		}
		for _, body := range all {
			req := withContentMD5(httptest.NewRequest("POST", svc.target, strings.NewReader(body)), body)
			_, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations[svc.op], Labels: map[string]string{"Bucket": "b", "Id": "Z", "DistributionId": "D"}, Request: req})
			var e *awserr.Error
			if !errors.As(err, &e) || e.Code != svc.code || e.Status != 400 {
				t.Errorf("%s %q: got %v, want %s", svc.model, body, err, svc.code)
			}
		}
	}
}

func TestDecodeBodyLimits(t *testing.T) {
	m := model.MustLoad("s3")
	call := func(body io.Reader, length int64, md5 string) error {
		req := withContentMD5(httptest.NewRequest("PUT", "/b?tagging", body), md5)
		req.ContentLength = length
		_, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations["PutBucketTagging"], Labels: map[string]string{"Bucket": "b"}, Request: req})
		return err
	}
	err := call(io.MultiReader(strings.NewReader("<Tagging>"), strings.NewReader(strings.Repeat(" ", MaxBodySize))), -1, "")
	if e := awserr.As(err); e.Code != "MaxMessageLengthExceeded" || e.Status != 400 {
		t.Errorf("oversized body: %v", err)
	}
	if err := call(strings.NewReader(" \n "), 3, " \n "); err != nil {
		t.Errorf("blank body: %v", err)
	}
	req := withContentMD5(httptest.NewRequest("PUT", "/b?tagging", nil), "")
	tree, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations["PutBucketTagging"], Labels: map[string]string{"Bucket": "b"}, Request: req})
	if err != nil || tree["Tagging"] != nil {
		t.Errorf("absent payload: tree %v err %v", tree, err)
	}
}

func TestStreamingPayloadIsNotRead(t *testing.T) {
	m := model.MustLoad("s3")
	body := &countingReader{r: strings.NewReader("data")}
	req := httptest.NewRequest("PUT", "/b/k", body)
	tree, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations["PutObject"], Labels: map[string]string{"Bucket": "b", "Key": "k"}, Request: req})
	if err != nil {
		t.Fatal(err)
	}
	if body.n != 0 {
		t.Errorf("codec read %d bytes of a streaming body", body.n)
	}
	r, ok := tree["Body"].(io.Reader)
	if !ok {
		t.Fatalf("Body is %T, want io.Reader", tree["Body"])
	}
	if b, _ := io.ReadAll(r); string(b) != "data" {
		t.Errorf("Body = %q", b)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// sizedBody is a streaming body with a known size that records Close.
type sizedBody struct {
	*strings.Reader
	closed bool
}

func (s *sizedBody) Close() error { s.closed = true; return nil }

func TestEncodeStreaming(t *testing.T) {
	m := model.MustLoad("s3")
	for _, method := range []string{"GET", "HEAD"} {
		body := &sizedBody{Reader: strings.NewReader("0123456789")}
		rec := httptest.NewRecorder()
		call := &protocol.Call{Model: m, Operation: m.Operations["GetObject"], Request: httptest.NewRequest(method, "/b/k", nil), RequestID: "rid",
			Status: 206, Header: http.Header{"X-Extra": {"1"}}}
		if err := (Codec{}).EncodeResponse(rec, call, map[string]any{"Body": body, "ContentRange": "bytes 0-9/20"}); err != nil {
			t.Fatal(err)
		}
		wantBody := "0123456789"
		if method == "HEAD" {
			wantBody = ""
		}
		if rec.Code != 206 || rec.Body.String() != wantBody || rec.Header().Get("Content-Length") != "10" ||
			rec.Header().Get("X-Extra") != "1" || rec.Header().Get("Content-Range") != "bytes 0-9/20" || !body.closed {
			t.Errorf("%s: status %d body %q headers %v closed %v", method, rec.Code, rec.Body, rec.Header(), body.closed)
		}
		if _, sniffed := rec.Header()["Content-Type"]; sniffed && rec.Header().Get("Content-Type") != "" {
			t.Errorf("%s: Content-Type %q was sniffed", method, rec.Header().Get("Content-Type"))
		}
	}
}

func TestEncodeRawPayloads(t *testing.T) {
	cf := model.MustLoad("cloudfront")
	rec := httptest.NewRecorder()
	call := &protocol.Call{Model: cf, Operation: cf.Operations["GetFunction"], Request: httptest.NewRequest("GET", "/", nil), RequestID: "rid"}
	if err := (Codec{}).EncodeResponse(rec, call, map[string]any{"FunctionCode": []byte("function handler(e) {}"), "ContentType": "application/octet-stream", "ETag": "E1"}); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != "function handler(e) {}" || rec.Header().Get("Content-Type") != "application/octet-stream" ||
		rec.Header().Get("Etag") != "E1" || rec.Header().Get("X-Amzn-Requestid") != "rid" {
		t.Errorf("GetFunction: body %q headers %v", rec.Body, rec.Header())
	}

	s3m := model.MustLoad("s3")
	rec = httptest.NewRecorder()
	call = &protocol.Call{Model: s3m, Operation: s3m.Operations["GetBucketPolicy"], Request: httptest.NewRequest("GET", "/b?policy", nil), RequestID: "rid"}
	policy := `{"Version":"2012-10-17","Statement":[]}`
	if err := (Codec{}).EncodeResponse(rec, call, map[string]any{"Policy": policy}); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != policy {
		t.Errorf("GetBucketPolicy body %q", rec.Body)
	}
	req := withContentMD5(httptest.NewRequest("PUT", "/b?policy", strings.NewReader(policy)), policy)
	tree, err := Codec{}.DecodeRequest(&protocol.Call{Model: s3m, Operation: s3m.Operations["PutBucketPolicy"], Labels: map[string]string{"Bucket": "b"}, Request: req})
	if err != nil || tree["Policy"] != policy {
		t.Errorf("PutBucketPolicy tree %v err %v", tree, err)
	}
}

func TestEncodeKitchenSink(t *testing.T) {
	rec := httptest.NewRecorder()
	call := kitchenSinkCall(httptest.NewRequest("POST", "/42", nil))
	oct21 := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	out := map[string]any{
		"Status":  int64(202),
		"Names":   []any{"a", "b,c", `d"e`},
		"Dates":   []any{oct21, oct21},
		"Enabled": false,
		"When":    oct21,
		"Epoch":   oct21.Add(500 * time.Millisecond),
		"Nested":  map[string]any{"Kind": "T\"<\n", "Count": int64(2), "Value": "x\r\ny\x01"},
		"Counts":  map[string]any{"b": int64(2), "a": int64(1)},
		"Flat":    map[string]any{"z": "26"},
	}
	if err := (Codec{}).EncodeResponse(rec, call, out); err != nil {
		t.Fatal(err)
	}
	wantHeaders := map[string]string{
		"X-Names":   `a, "b,c", "d\"e"`,
		"X-Dates":   "Wed, 21 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:28:00 GMT",
		"X-Enabled": "false",
		"X-When":    "Wed, 21 Oct 2015 07:28:00 GMT",
	}
	for k, v := range wantHeaders {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if rec.Code != 202 {
		t.Errorf("status %d, want 202 from the statusCode member", rec.Code)
	}
	wantBody := xmlDeclaration + `<KitchenSinkResponse xmlns="https://example.com/doc/2024-01-01/">` +
		`<Epoch>1445412480.5</Epoch>` +
		`<Nested xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="T&quot;&lt;&#10;" Count="2"><Value>x&#13;
y&#x1;</Value></Nested>` +
		`<Counts><entry><Name>a</Name><Count>1</Count></entry><entry><Name>b</Name><Count>2</Count></entry></Counts>` +
		`<Pair><key>z</key><value>26</value></Pair>` +
		`</KitchenSinkResponse>`
	if rec.Body.String() != wantBody {
		t.Errorf("body\n got %s\nwant %s", rec.Body, wantBody)
	}
	if rec.Header().Get("Content-Type") != "text/xml" || rec.Header().Get("X-Amzn-Requestid") != "rid" {
		t.Errorf("headers %v", rec.Header())
	}

	rec = httptest.NewRecorder()
	call.Status = 200
	if err := (Codec{}).EncodeResponse(rec, call, out); err != nil || rec.Code != 200 {
		t.Errorf("Call.Status did not override the statusCode member: %d %v", rec.Code, err)
	}
}

func TestEncodeEmptyAndNoContent(t *testing.T) {
	m := model.MustLoad("s3")
	rec := httptest.NewRecorder()
	call := &protocol.Call{Model: m, Operation: m.Operations["DeleteObject"], Request: httptest.NewRequest("DELETE", "/b/k", nil), RequestID: "rid"}
	if err := (Codec{}).EncodeResponse(rec, call, map[string]any{"DeleteMarker": true}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 204 || rec.Body.Len() != 0 || rec.Header().Get("X-Amz-Delete-Marker") != "true" || rec.Header().Get("Content-Length") != "" {
		t.Errorf("DeleteObject: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	rec = httptest.NewRecorder()
	call = &protocol.Call{Model: m, Operation: m.Operations["ListObjectsV2"], Request: httptest.NewRequest("HEAD", "/b?list-type=2", nil), RequestID: "rid"}
	if err := (Codec{}).EncodeResponse(rec, call, map[string]any{"Name": "b"}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD with an XML output wrote a body: %q", rec.Body)
	}
}

func TestEncodeErrorWithModeledFields(t *testing.T) {
	rec := httptest.NewRecorder()
	call := &protocol.Call{Model: model.MustLoad("route53"), Request: httptest.NewRequest("POST", "/", nil), RequestID: "rid",
		Header: http.Header{"X-From-Handler": {"1"}}}
	e := &awserr.Error{Code: "InvalidChangeBatch", Message: "bad batch", Status: 400, Sender: true,
		Fields: map[string]any{"messages": []any{"first", "second & third"}}, Header: http.Header{"Retry-After": {"1"}}}
	Codec{}.EncodeError(rec, call, e)
	want := xmlDeclaration + `<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>bad batch</Message>` +
		`<messages><Message>first</Message><Message>second &amp; third</Message></messages></Error><RequestId>rid</RequestId></ErrorResponse>`
	if rec.Body.String() != want {
		t.Errorf("body\n got %s\nwant %s", rec.Body, want)
	}
	if rec.Header().Get("X-From-Handler") != "1" || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("headers %v", rec.Header())
	}
	rec = httptest.NewRecorder()
	Codec{}.EncodeError(rec, &protocol.Call{Request: httptest.NewRequest("GET", "/", nil), RequestID: "rid"},
		&awserr.Error{Code: "InternalError", Message: "boom", Fields: map[string]any{"Detail": map[string]any{"B": int64(2), "A": true}, "List": []any{"x"}}})
	want = xmlDeclaration + `<Error><Code>InternalError</Code><Message>boom</Message><Detail><A>true</A><B>2</B></Detail><List><member>x</member></List><RequestId>rid</RequestId><HostId>` + hostID("rid") + `</HostId></Error>`
	if rec.Code != 500 || rec.Body.String() != want {
		t.Errorf("no model: %d\n got %s\nwant %s", rec.Code, rec.Body, want)
	}
}

func TestEncodeErrorNotModified(t *testing.T) {
	rec := httptest.NewRecorder()
	m := model.MustLoad("s3")
	call := &protocol.Call{Model: m, Operation: m.Operations["GetObject"], Request: httptest.NewRequest("GET", "/b/k", nil), RequestID: "rid"}
	Codec{}.EncodeError(rec, call, &awserr.Error{Code: "NotModified", Message: "Not Modified", Status: 304,
		Header: http.Header{"Etag": {`"abc"`}}})
	if rec.Code != 304 || rec.Body.Len() != 0 || rec.Header().Get("Etag") != `"abc"` || rec.Header().Get("X-Amz-Request-Id") != "rid" {
		t.Errorf("304: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

func TestNamespaces(t *testing.T) {
	tests := map[string]string{
		"s3":         "http://s3.amazonaws.com/doc/2006-03-01/",
		"s3control":  "http://awss3control.amazonaws.com/doc/2018-08-20/",
		"route53":    "https://route53.amazonaws.com/doc/2013-04-01/",
		"cloudfront": "http://cloudfront.amazonaws.com/doc/2020-05-31/",
	}
	for name, want := range tests {
		if got := flavorFor(model.MustLoad(name)).ns; got != want {
			t.Errorf("%s namespace = %q, want %q", name, got, want)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	tests := []struct{ in, text, attr string }{
		{"plain", "plain", "plain"},
		{`a&b<c>"d"'e`, "a&amp;b&lt;c&gt;&quot;d&quot;'e", "a&amp;b&lt;c&gt;&quot;d&quot;'e"},
		{"l1\r\nl2\tx", "l1&#13;\nl2\tx", "l1&#13;&#10;l2&#9;x"},
		{"\x00\x1f", "&#x0;&#x1F;", "&#x0;&#x1F;"},
		{"bad\xffutf8 ünï", "bad\uFFFDutf8 ünï", "bad\uFFFDutf8 ünï"},
		{"\uFFFE", "\uFFFD", "\uFFFD"},
	}
	for _, tc := range tests {
		if got := string(appendEscaped(nil, tc.in, false)); got != tc.text {
			t.Errorf("text %q = %q, want %q", tc.in, got, tc.text)
		}
		if got := string(appendEscaped(nil, tc.in, true)); got != tc.attr {
			t.Errorf("attr %q = %q, want %q", tc.in, got, tc.attr)
		}
	}
}

func TestFloatsAndTimes(t *testing.T) {
	dbl := &model.Ref{Shape: &model.Shape{Type: "double"}}
	for _, f := range []float64{0, -0.5, 1e-7, 123456789.125, 1e21, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		text := string(appendFloat(nil, f))
		v, err := parseText(text, dbl, "")
		if err != nil || v.(float64) != f {
			t.Errorf("%v -> %q -> %v, %v", f, text, v, err)
		}
	}
	ts := &model.Ref{Shape: &model.Shape{Type: "timestamp"}}
	for _, bad := range []string{"", "10000-01-01T00:00:00Z", "1e300", "NaN"} {
		if _, err := parseText(bad, ts, "unixTimestamp"); err == nil {
			t.Errorf("timestamp %q accepted", bad)
		}
	}
	v, err := parseText("2024-01-02T03:04:05.123456789Z", ts, "iso8601")
	if err != nil || !v.(time.Time).Equal(time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC)) {
		t.Errorf("sub-millisecond timestamp: %v %v", v, err)
	}
}

func TestSplitHeaderList(t *testing.T) {
	str := &model.Ref{Shape: &model.Shape{Type: "string"}}
	got := splitHeaderList(` a ,"b, \"c\"" , d,,"unterminated`, str)
	want := []string{"a", `b, "c"`, "d", "", "unterminated"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// withContentMD5 sets r's Content-MD5 to that of body, as every SDK does
// for the S3 operations whose model requires an integrity check.
func withContentMD5(r *http.Request, body string) *http.Request {
	sum := md5.Sum([]byte(body))
	r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	return r
}

func TestS3BodyIntegrity(t *testing.T) {
	m := model.MustLoad("s3")
	const body = `<Delete><Object><Key>a</Key></Object></Delete>`
	decode := func(op, target string, header map[string]string) error {
		req := httptest.NewRequest("POST", target, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		_, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations[op], Labels: map[string]string{"Bucket": "b", "Key": "k"}, Request: req})
		return err
	}
	sum := md5.Sum([]byte(body))
	good := base64.StdEncoding.EncodeToString(sum[:])
	cases := []struct {
		name, op string
		header   map[string]string
		code     string
	}{
		{"required, none sent", "DeleteObjects", nil, "InvalidRequest"},
		{"Content-MD5", "DeleteObjects", map[string]string{"Content-MD5": good}, ""},
		{"wrong Content-MD5", "DeleteObjects", map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, "BadDigest"},
		{"malformed Content-MD5", "DeleteObjects", map[string]string{"Content-MD5": "abc"}, "InvalidDigest"},
		{"CRC32 header", "DeleteObjects", map[string]string{"x-amz-checksum-crc32": crc32Of(body)}, ""},
		{"wrong CRC32 header", "DeleteObjects", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, "BadDigest"},
		{"two checksum headers", "DeleteObjects", map[string]string{"x-amz-checksum-crc32": crc32Of(body), "x-amz-checksum-crc32c": "AAAAAA=="}, "InvalidRequest"},
		{"algorithm named, no value", "DeleteObjects", map[string]string{"x-amz-sdk-checksum-algorithm": "CRC32"}, "InvalidRequest"},
		{"not required, none sent", "CompleteMultipartUpload", nil, ""},
		{"not required, wrong Content-MD5", "CompleteMultipartUpload", map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, "BadDigest"},
		{"a member's checksum header is the object's, not the body's", "CompleteMultipartUpload", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, ""},
	}
	for _, c := range cases {
		err := decode(c.op, "/b?delete", c.header)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if e := awserr.As(err); e == nil || e.Code != c.code || e.Status != 400 {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
}

// crc32Of returns the base64 CRC32 of s, as x-amz-checksum-crc32 carries it.
func crc32Of(s string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE([]byte(s)))
	return base64.StdEncoding.EncodeToString(b[:])
}
