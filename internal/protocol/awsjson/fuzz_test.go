package awsjson_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// fuzzOps are the operations whose inputs the fuzzer decodes: SQS
// messages and batches, DynamoDB's recursive attribute values, and
// CloudWatch's timestamps and doubles over awsJson 1.0.
var fuzzOps = []struct{ service, operation string }{
	{"sqs", "SendMessage"},
	{"sqs", "SendMessageBatch"},
	{"dynamodb", "PutItem"},
	{"dynamodb", "TransactWriteItems"},
	{"dynamodb", "Query"},
	{"cloudwatch", "PutMetricData"},
}

// FuzzDecodeAWSJSON decodes arbitrary bodies as the inputs of a few
// operations. Decoding must never panic and must fail only with a
// SerializationException; a decoded tree, encoded again with the input
// shape as an output and decoded once more, must come back equal.
func FuzzDecodeAWSJSON(f *testing.F) {
	for _, body := range wiretest.Bodies("testdata", "sqs") {
		f.Add(body, uint8(0))
	}
	for _, body := range wiretest.Bodies("testdata", "dynamodb") {
		f.Add(body, uint8(2))
		f.Add(body, uint8(3))
	}
	f.Add([]byte(`{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":1.7e9,"Value":"NaN","Values":[1,2.5e-300],"Dimensions":[{"Name":"a","Value":"b"}]}]}`), uint8(5))
	f.Add([]byte(`{"QueueUrl":"q","Entries":[{"Id":"1","MessageBody":"\u2028","DelaySeconds":1}]}`), uint8(1))
	f.Add([]byte(`{"TableName":"t","Item":{"a":{"L":[null,{"M":{}}]}}}`), uint8(2))
	f.Add([]byte(`{"TableName":"t","ExclusiveStartKey":{"k":{"N":"1"}},"Limit":1e2,"ScanIndexForward":false}`), uint8(4))

	models := map[string]*model.Model{}
	for _, o := range fuzzOps {
		models[o.service] = model.MustLoad(o.service)
	}
	f.Fuzz(func(t *testing.T, body []byte, sel uint8) {
		o := fuzzOps[int(sel)%len(fuzzOps)]
		m := models[o.service]
		op := m.Operations[o.operation]
		tree, err := decode(m, op, body)
		if err != nil {
			if e := awserr.As(err); e.Code != "SerializationException" || e.Status != 400 {
				t.Fatalf("decode error %v, want a SerializationException", e)
			}
			return
		}
		rec := httptest.NewRecorder()
		asOutput := &protocol.Call{Model: m, Operation: &model.Operation{Name: op.Name, Output: op.Input},
			Request: httptest.NewRequest(http.MethodPost, "/", nil)}
		if err := (awsjson.Codec{}).EncodeResponse(rec, asOutput, tree); err != nil {
			t.Fatal(err)
		}
		again, err := decode(m, op, rec.Body.Bytes())
		if err != nil {
			t.Fatalf("re-decoding %s: %v", rec.Body.Bytes(), err)
		}
		if !wiretest.Equal(tree, again) {
			t.Fatalf("round trip changed the tree:\n%s\nencoded %s\ndecoded again:\n%s", wiretest.Dump(tree), rec.Body.Bytes(), wiretest.Dump(again))
		}
	})
}

func decode(m *model.Model, op *model.Operation, body []byte) (map[string]any, error) {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	return awsjson.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Request: r})
}
