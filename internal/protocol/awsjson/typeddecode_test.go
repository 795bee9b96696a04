package awsjson_test

import (
	"bytes"
	"fmt"
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
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
	"github.com/virga-aws/virga/internal/services/apitest"
	dynamodbapi "github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/validate"
)

// inputCase is one operation of an awsJson service with its generated
// input type, as the gateway decodes it.
type inputCase struct {
	name string
	m    *model.Model
	op   *model.Operation
	typ  reflect.Type // the input structure (not the pointer)
}

// inputCases returns every operation of the generated awsJson APIs, in a
// fixed order (fuzz selectors index it).
func inputCases(t testing.TB) []inputCase {
	var out []inputCase
	for _, op := range apitest.Operations(t, "dynamodb", "dynamodbstreams", "logs", "sqs") {
		if op.Op.Input != nil {
			out = append(out, inputCase{op.Name, op.Model, op.Op, op.Input.Elem()})
		}
	}
	return out
}

// caseIndex returns the index of the named case ("dynamodb.PutItem").
func caseIndex(t testing.TB, cases []inputCase, name string) int {
	for i, c := range cases {
		if c.name == name {
			return i
		}
	}
	t.Fatalf("no case %s", name)
	return -1
}

func jsonCall(c inputCase, body []byte) *protocol.Call {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	return &protocol.Call{Model: c.m, Operation: c.op, Request: r}
}

// validTyped is the gateway's approval of a typed input.
func validTyped(c *protocol.Call, in any) bool {
	return validate.Valid(c.Operation.Input.Shape, in, validate.Options{})
}

// checkTypedDecode decodes body both ways: the tree path the gateway takes
// without a typed decoder (DecodeRequest, validate.Check, protocol.Bind)
// and DecodeTypedRequest with validate.Valid. A typed result must be
// exactly the bound tree of a body that decodes and validates cleanly;
// otherwise DecodeTypedRequest must return what DecodeRequest returns,
// the same error or the same tree, with the input left zero. Valid must
// agree with Check on every bound input (on its tree).
func checkTypedDecode(t *testing.T, c inputCase, body []byte) {
	t.Helper()
	shape := c.op.Input.Shape
	tree, err := awsjson.Codec{}.DecodeRequest(jsonCall(c, body))
	var vs []validate.Violation
	var bound reflect.Value
	var bindErr error
	if err == nil {
		vs = validate.Check(shape, tree, validate.Options{})
		bound = reflect.New(c.typ)
		bindErr = protocol.Bind(tree, bound.Interface())
		if bindErr == nil {
			// Bind loses a little (a null list element becomes a zero
			// structure), so Valid is held to the tree of what it sees.
			again, _ := protocol.Unbind(bound.Interface()).(map[string]any)
			boundVs := validate.Check(shape, again, validate.Options{})
			if got := validate.Valid(shape, bound.Interface(), validate.Options{}); got != (len(boundVs) == 0) {
				t.Fatalf("%s %q: Valid = %v, Check found %d violations %v", c.name, body, got, len(boundVs), boundVs)
			}
		}
	}

	in := reflect.New(c.typ)
	typedTree, typedErr := awsjson.Codec{}.DecodeTypedRequest(jsonCall(c, body), in.Interface(), validTyped)
	if typedTree == nil && typedErr == nil {
		switch {
		case err != nil:
			t.Fatalf("%s %q: typed decode succeeded, DecodeRequest failed: %v", c.name, body, err)
		case len(vs) > 0:
			t.Fatalf("%s %q: typed decode accepted an input with violations %v", c.name, body, vs)
		case bindErr != nil:
			t.Fatalf("%s %q: typed decode succeeded, Bind failed: %v", c.name, body, bindErr)
		case !sameValue(in.Elem(), bound.Elem()):
			t.Fatalf("%s %q: typed decode\n%#v\nBind of the tree\n%#v", c.name, body, in.Elem().Interface(), bound.Elem().Interface())
		}
		return
	}
	if fmt.Sprint(typedErr) != fmt.Sprint(err) {
		t.Fatalf("%s %q: DecodeTypedRequest error %v, DecodeRequest %v", c.name, body, typedErr, err)
	}
	if err != nil {
		if a, b := awserr.As(typedErr), awserr.As(err); a.Code != b.Code || a.Status != b.Status {
			t.Fatalf("%s %q: error %s %d, DecodeRequest %s %d", c.name, body, a.Code, a.Status, b.Code, b.Status)
		}
	} else if !wiretest.Equal(typedTree, tree) {
		t.Fatalf("%s %q: tree\n%s\nDecodeRequest\n%s", c.name, body, wiretest.Dump(typedTree), wiretest.Dump(tree))
	}
	if !in.Elem().IsZero() {
		t.Fatalf("%s %q: declined, but the input is not zero: %#v", c.name, body, in.Elem().Interface())
	}
}

// sameValue is reflect.DeepEqual with NaN equal to NaN; nil and empty
// slices and maps differ, as they do to handlers.
func sameValue(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface {
			return reflect.DeepEqual(a.Interface(), b.Interface())
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
			return ta.Equal(tb) && ta.Location().String() == tb.Location().String()
		}
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() && !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() || b.IsNil() || a.Len() != b.Len() {
			return a.IsNil() == b.IsNil() && a.Len() == b.Len()
		}
		for i := 0; i < a.Len(); i++ {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() || b.IsNil() || a.Len() != b.Len() {
			return a.IsNil() == b.IsNil() && a.Len() == b.Len()
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !sameValue(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Float32, reflect.Float64:
		fa, fb := a.Float(), b.Float()
		return fa == fb && math.Signbit(fa) == math.Signbit(fb) || math.IsNaN(fa) && math.IsNaN(fb)
	}
	return a.Equal(b)
}

// typedSeeds are bodies for the typed decoder, each with the operation it
// is decoded as: what SDKs send (the ddb-put, ddb-get and ddb-query
// workloads), what the tree path must keep handling (escapes, invalid
// UTF-8, nulls in lists and maps, repeated keys, numbers in every form,
// wrong JSON types, syntax errors, trailing data) and inputs that fail
// validation (missing, too short, too long, out of range, not in the enum,
// not matching the pattern, more than ten violations).
var typedSeeds = []struct{ op, body string }{
	{"dynamodb.PutItem", `{"Item":{"data":{"S":"` + strings.Repeat("x", 256) + `"},"n":{"N":"42"},"pk":{"S":"p-00"},"sk":{"S":"s-000"}},"TableName":"bench"}`},
	{"dynamodb.GetItem", `{"Key":{"pk":{"S":"p-00"},"sk":{"S":"s-042"}},"TableName":"bench"}`},
	{"dynamodb.Query", `{"ExpressionAttributeValues":{":p":{"S":"p-00"}},"KeyConditionExpression":"pk = :p","TableName":"bench"}`},
	{"dynamodb.PutItem", `{"TableName":"t","Item":{"a":{"L":[null,{"M":{}}]},"n":{"N":"1"},"b":{"B":"AAEC"},"bool":{"BOOL":true},"nul":{"NULL":true}}}`},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":{"a":{"L":[{"M":{"x":{"SS":["a","b"]},"y":{"BS":["AA==",""]}}},{"NS":["1","2"]}]},"k":{"S":"h\u00e9\n\"x\""}}}`},
	{"dynamodb.PutItem", "{\"TableName\":\"tab\",\"Item\":{\"k\":{\"S\":\"\xff\xfe\"}}}"},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":{"k\u00e9":{"S":"v"},"k":null},"Item":{"j":{"S":"w"}}}`},
	{"dynamodb.PutItem", `{"TableName":"tab","TableName":null,"Item":{}}`},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":{"k":{"S":"v","S":"w","N":null}},"Expected":{"k":{"Exists":false,"Value":{"S":"x"}}}}`},
	{"dynamodb.PutItem", `{"TableName":"a b","Item":{"k":{"S":"v"}},"ReturnValues":"SOME"}`},
	{"dynamodb.PutItem", `{"TableName":"ab","Item":{"k":{"S":"v"}},"ReturnConsumedCapacity":"TOTAL","ExpressionAttributeValues":{}}`},
	{"dynamodb.PutItem", `{"TableName":"` + strings.Repeat("t", 1025) + `","Item":{"` + strings.Repeat("k", 70000) + `":{"S":"v"}}}`},
	{"dynamodb.PutItem", `{"Item":{"k":{"M":{"` + strings.Repeat("é", 40000) + `":{"S":"v"}}}}}`},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":{"k":{"S":"v"}},"ConditionExpression":"attribute_exists(k)","ExpressionAttributeNames":{"#a":"k"}} x`},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":{"k":{"S":"v"}},}`},
	{"dynamodb.PutItem", `{"TableName":"tab","Item":[]}`},
	{"dynamodb.PutItem", `{"TableName":7}`},
	{"dynamodb.PutItem", `null`},
	{"dynamodb.PutItem", `  `},
	{"dynamodb.PutItem", `{}`},
	{"dynamodb.Query", `{"TableName":"t","ExclusiveStartKey":{"k":{"N":"1"}},"Limit":1e2,"ScanIndexForward":false}`},
	{"dynamodb.Query", `{"TableName":"tab","Limit":1.5}`},
	{"dynamodb.Query", `{"TableName":"tab","Limit":0,"Select":"NONE","ConsistentRead":"yes"}`},
	{"dynamodb.Query", `{"TableName":"tab","Limit":2147483648}`},
	{"dynamodb.Query", `{"TableName":"tab","Limit":01}`},
	{"dynamodb.Query", `{"TableName":"tab","Limit":-}`},
	{"dynamodb.Query", `{"TableName":"tab","AttributesToGet":[],"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"},null]}}}`},
	{"dynamodb.Query", `{"TableName":"tab","AttributesToGet":["a","a"],"QueryFilter":{"x":{"ComparisonOperator":"XX"}},"ConditionalOperator":"OR"}`},
	{"dynamodb.Scan", `{"TableName":"tab","Segment":-1,"TotalSegments":1000001,"Limit":0,"Select":"X","ReturnConsumedCapacity":"X","ConditionalOperator":"X","IndexName":"a b","ExclusiveStartKey":{"` + strings.Repeat("k", 65536) + `":{"S":"v"}},"ProjectionExpression":"a","AttributesToGet":[]}`},
	{"dynamodb.BatchWriteItem", `{"RequestItems":{"tab":[{"PutRequest":{"Item":{"k":{"S":"v"}}}},{"DeleteRequest":{"Key":{"k":{"S":"v"}}}},{}]}}`},
	{"dynamodb.BatchWriteItem", `{"RequestItems":{}}`},
	{"dynamodb.BatchGetItem", `{"RequestItems":{"tab":{"Keys":[{"k":{"S":"v"}}],"ProjectionExpression":"k"}}}`},
	{"dynamodb.TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"tab","Item":{"k":{"S":"v"}}}},{"Update":{"TableName":"tab","Key":{"k":{"S":"v"}},"UpdateExpression":"SET a = :a"}}],"ClientRequestToken":"tok"}`},
	{"dynamodb.CreateTable", `{"TableName":"tab","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"a","Value":"b"}],"OnDemandThroughput":{"MaxReadRequestUnits":-1}}`},
	{"dynamodb.UpdateTimeToLive", `{"TableName":"tab","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}}`},
	{"dynamodb.ExecuteStatement", `{"Statement":"SELECT * FROM tab","Parameters":[{"S":"a"}],"Limit":5}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageBody":"hello","DelaySeconds":5}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageBody":"h\u00e9\n\"x\"","DelaySeconds":5.0}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","Unknown":{"a":[1,-2.5e+3,true,false,null,"s\\"]},"DelaySeconds":1e1}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"AAEC"},"b":null}}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"AAE"}}}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageAttributes":{"a":{"DataType":"String","StringValue":"v","StringListValues":["x"],"BinaryListValues":["AA=="]}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"t"}}}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","DelaySeconds":"5"}`},
	{"sqs.SendMessage", `{"QueueUrl":"q","MessageBody":"\u00"}`},
	{"sqs.SendMessageBatch", `{"QueueUrl":"q","Entries":[{"Id":"1","MessageBody":"b"},null,{"Id":"2"}]}`},
	{"sqs.SendMessageBatch", `{"QueueUrl":"q","Entries":[]}`},
	{"sqs.ReceiveMessage", `{"QueueUrl":"q","MaxNumberOfMessages":10,"WaitTimeSeconds":20,"MessageAttributeNames":["All"],"MessageSystemAttributeNames":["All"],"AttributeNames":["All"]}`},
	{"sqs.CreateQueue", `{"QueueName":"q","Attributes":{"DelaySeconds":"0","FifoQueue":"true"},"tags":{"a":"b"}}`},
	{"sqs.TagQueue", `{"QueueUrl":"q","Tags":{}}`},
	{"logs.PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1700000000000,"message":"m"},{"timestamp":-1,"message":""}]}`},
	{"logs.FilterLogEvents", `{"logGroupName":"g","startTime":0,"endTime":9223372036854775807,"limit":10001,"filterPattern":"ERROR","interleaved":true}`},
	{"logs.CreateLogGroup", `{"logGroupName":"a:b","tags":{"k":"v"},"kmsKeyId":""}`},
	{"logs.StartLiveTail", `{"logGroupIdentifiers":["arn:aws:logs:us-east-1:000000000000:log-group:g"]}`},
	{"dynamodbstreams.GetRecords", `{"ShardIterator":"it","Limit":1000}`},
	{"dynamodbstreams.DescribeStream", `{"StreamArn":"` + strings.Repeat("a", 37) + `","Limit":0}`},
}

// FuzzDecodeTyped checks DecodeTypedRequest against the tree path on
// arbitrary bodies for every awsJson operation Virga implements (see
// checkTypedDecode): the proof that the typed path changes no answer,
// error or ValidationException.
func FuzzDecodeTyped(f *testing.F) {
	cases := inputCases(f)
	for _, s := range typedSeeds {
		f.Add([]byte(s.body), uint16(caseIndex(f, cases, s.op)))
	}
	for _, body := range wiretest.Bodies("testdata", "dynamodb") {
		f.Add(body, uint16(caseIndex(f, cases, "dynamodb.PutItem")))
		f.Add(body, uint16(caseIndex(f, cases, "dynamodb.TransactWriteItems")))
	}
	for _, body := range wiretest.Bodies("testdata", "sqs") {
		f.Add(body, uint16(caseIndex(f, cases, "sqs.SendMessage")))
	}
	f.Fuzz(func(t *testing.T, body []byte, sel uint16) {
		checkTypedDecode(t, cases[int(sel)%len(cases)], body)
	})
}

// TestDecodeTypedEveryOperation decodes every seed as every operation,
// and checks that every operation's input type takes the typed path.
func TestDecodeTypedEveryOperation(t *testing.T) {
	cases := inputCases(t)
	for _, c := range cases {
		for _, s := range typedSeeds {
			checkTypedDecode(t, c, []byte(s.body))
		}
		asked := false
		accept := func(*protocol.Call, any) bool { asked = true; return false }
		if _, err := (awsjson.Codec{}).DecodeTypedRequest(jsonCall(c, []byte(`{}`)), reflect.New(c.typ).Interface(), accept); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !asked {
			t.Errorf("%s: the typed decoder declines the generated input type", c.name)
		}
	}
}

// TestDecodeTypedWorkloads checks that the benchmark workloads' requests
// take the typed path and come out as the handlers expect.
func TestDecodeTypedWorkloads(t *testing.T) {
	cases := inputCases(t)
	c := cases[caseIndex(t, cases, "dynamodb.PutItem")]
	in := &dynamodbapi.PutItemInput{}
	tree, err := (awsjson.Codec{}).DecodeTypedRequest(jsonCall(c, []byte(typedSeeds[0].body)), in, validTyped)
	if tree != nil || err != nil {
		t.Fatalf("PutItem took the tree path: %v", err)
	}
	if *in.TableName != "bench" || *in.Item["n"].N != "42" || len(*in.Item["data"].S) != 256 || len(in.Item) != 4 {
		t.Fatalf("PutItem input %#v", in)
	}
}

// BenchmarkDecodePutItem decodes the ddb-put workload's request body
// through the tree path (DecodeRequest, validate.Check, protocol.Bind)
// and the typed path (DecodeTypedRequest with validate.Valid).
func BenchmarkDecodePutItem(b *testing.B) {
	cases := inputCases(b)
	c := cases[caseIndex(b, cases, "dynamodb.PutItem")]
	body := []byte(typedSeeds[0].body)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	rd := bytes.NewReader(body)
	call := &protocol.Call{Model: c.m, Operation: c.op, Request: r}
	b.Run("tree", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(body)
			r.Body = readCloser{rd}
			tree, err := awsjson.Codec{}.DecodeRequest(call)
			if err != nil || len(validate.Check(c.op.Input.Shape, tree, validate.Options{})) > 0 {
				b.Fatal(err)
			}
			if err := protocol.Bind(tree, &dynamodbapi.PutItemInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(body)
			r.Body = readCloser{rd}
			if tree, err := (awsjson.Codec{}).DecodeTypedRequest(call, &dynamodbapi.PutItemInput{}, validTyped); tree != nil || err != nil {
				b.Fatal(err)
			}
		}
	})
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
