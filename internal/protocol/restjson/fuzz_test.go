package restjson_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/restjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// fuzzOp is an operation the fuzzer decodes: the fuzzed header value goes
// to header, the fuzzed query string after path.
type fuzzOp struct {
	service, operation, method, path, header string
	labels                                   map[string]string
}

var fuzzOps = []fuzzOp{
	{"lambda", "CreateFunction", "POST", "/2015-03-31/functions", "X-Unbound", nil},
	{"lambda", "Invoke", "POST", "/2015-03-31/functions/f/invocations", "X-Amz-Client-Context", map[string]string{"FunctionName": "f"}},
	{"lambda", "ListFunctions", "GET", "/2015-03-31/functions", "X-Unbound", nil},
	{"entityresolution", "BatchDeleteUniqueId", "DELETE", "/matchingworkflows/wf/uniqueids", "uniqueIds", map[string]string{"workflowName": "wf"}},
	{"dataexchange", "SendApiAsset", "POST", "/v1", "X-Amzn-Dataexchange-Header-Trace", nil},
	{"lambda", "UpdateFunctionConfiguration", "PUT", "/2015-03-31/functions/f/configuration", "X-Unbound", map[string]string{"FunctionName": "f"}},
	{"apigateway", "PutRestApi", "PUT", "/restapis/a1", "X-Unbound", map[string]string{"restapi_id": "a1"}},
	{"lex-runtime", "PostText", "POST", "/bot/b/alias/a/user/u/text", "X-Unbound", map[string]string{"botName": "b", "botAlias": "a", "userId": "u"}},
}

// FuzzDecodeRestJSON decodes arbitrary bodies, query strings and header
// values as the inputs of a few operations. Decoding must never panic and
// must fail only with a SerializationException; a decoded tree, encoded
// again with the input shape as an output (header members to headers,
// the rest to the body) and decoded once more, must come back equal.
func FuzzDecodeRestJSON(f *testing.F) {
	for _, body := range wiretest.Bodies("testdata", "lambda") {
		f.Add(body, "", "", uint8(0))
		f.Add(body, "", "", uint8(5))
	}
	f.Add([]byte(`{"a":1}`), "", "eyJjdXN0b20iOnt9fQ==", uint8(1))
	f.Add([]byte(nil), "MaxItems=10&Marker=abc%3D%3D&FunctionVersion=ALL", "", uint8(2))
	f.Add([]byte(nil), "MaxItems=-1&MaxItems=x", "", uint8(2))
	f.Add([]byte(nil), "", `id-1, "id,2", "id \"3\"", ""`, uint8(3))
	f.Add([]byte("raw"), "page=2&filter=a&filter=b", "abc", uint8(4))
	f.Add([]byte(`{"Timeout":3,"Environment":{"Variables":{"A":"b"}},"Layers":[null],"VpcConfig":{"SubnetIds":["s"]}}`), "", "", uint8(5))
	f.Add([]byte("openapi: 3.0.1\n"), "mode=overwrite&failonwarnings=true&ignore=documentation", "", uint8(6))
	f.Add([]byte(`{"inputText":"hi","sessionAttributes":{"a":"b"},"activeContexts":[{"name":"c","timeToLive":{"turnsToLive":1},"parameters":{}}]}`), "", "", uint8(7))

	models := map[string]*model.Model{}
	for _, o := range fuzzOps {
		models[o.service] = model.MustLoad(o.service)
	}
	f.Fuzz(func(t *testing.T, body []byte, query, header string, sel uint8) {
		o := fuzzOps[int(sel)%len(fuzzOps)]
		m := models[o.service]
		op := m.Operations[o.operation]
		r := httptest.NewRequest(o.method, "/", bytes.NewReader(body))
		r.URL.Path, r.URL.RawQuery = o.path, query
		if header != "" {
			r.Header.Set(o.header, header)
		}
		tree, err := restjson.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Labels: o.labels, Request: r})
		if err != nil {
			if e := awserr.As(err); e.Code != "SerializationException" || (e.Status != 400 && e.Status != 413) {
				t.Fatalf("decode error %v, want a SerializationException", e)
			}
			return
		}
		rec := httptest.NewRecorder()
		asOutput := &protocol.Call{Model: m, Operation: &model.Operation{Name: op.Name, Output: op.Input}, Request: r}
		if err := (restjson.Codec{}).EncodeResponse(rec, asOutput, tree); err != nil {
			t.Fatal(err)
		}
		r2 := httptest.NewRequest(o.method, "/", bytes.NewReader(rec.Body.Bytes()))
		r2.URL.Path, r2.URL.RawQuery = o.path, query
		for k, vs := range rec.Header() {
			r2.Header[k] = vs
		}
		again, err := restjson.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Labels: o.labels, Request: r2})
		if err != nil {
			t.Fatalf("re-decoding %q (headers %v): %v", rec.Body.Bytes(), rec.Header(), err)
		}
		if !wiretest.Equal(tree, again) {
			t.Fatalf("round trip changed the tree:\n%s\nencoded %v %q\ndecoded again:\n%s", wiretest.Dump(tree), rec.Header(), rec.Body.Bytes(), wiretest.Dump(again))
		}
	})
}
