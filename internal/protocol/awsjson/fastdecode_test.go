package awsjson

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// differentialOps are the inputs FuzzDecodeDirect decodes both ways.
var differentialOps = []struct{ service, operation string }{
	{"sqs", "SendMessage"},
	{"sqs", "SendMessageBatch"},
	{"dynamodb", "PutItem"},
	{"dynamodb", "Query"},
	{"cloudwatch", "PutMetricData"},
	{"lambda", "UpdateFunctionConfiguration"},
}

// differentialSeeds cover what the direct decoder handles itself and what
// it hands to the general path: escapes, invalid UTF-8, duplicate and
// unknown keys, nulls, numbers of every form, wrong JSON types, trailing
// data and syntax errors.
var differentialSeeds = []string{
	`{"QueueUrl":"q","MessageBody":"hello","DelaySeconds":5}`,
	`{"QueueUrl":"q","MessageBody":"h\u00e9\n\"x\"","DelaySeconds":5.0}`,
	"{\"QueueUrl\":\"q\",\"MessageBody\":\"\xff\xfe\"}",
	`{"QueueUrl":"q","QueueUrl":null,"MessageBody":"a","MessageBody":"b"}`,
	`{"QueueUrl":"q","Unknown":{"a":[1,-2.5e+3,true,false,null,"s\\"]},"DelaySeconds":1e1}`,
	`{"QueueUrl":"q","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"AAEC"},"b":null}}`,
	`{"QueueUrl":"q","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"AAE"}}}`,
	`{"QueueUrl":"q","DelaySeconds":"5"}`,
	`{"QueueUrl":"q","DelaySeconds":2147483648}`,
	`{"QueueUrl":"q","DelaySeconds":01}`,
	`{"QueueUrl":"q","DelaySeconds":-}`,
	`{"QueueUrl":"q"} x`,
	`{"QueueUrl":"q"}  `,
	` {"QueueUrl":"q",}`,
	`{"QueueUrl":"q"`,
	`null`,
	`[]`,
	`{"QueueUrl":"q","Entries":[{"Id":"1","MessageBody":"b"},null,{"Id":"2"}]}`,
	`{"QueueUrl":"q","Entries":[]}`,
	`{"TableName":"t","Item":{"a":{"L":[null,{"M":{}}]},"n":{"N":"1"},"b":{"B":"AAEC"},"bool":{"BOOL":true},"nul":{"NULL":true}}}`,
	`{"TableName":"t","ExclusiveStartKey":{"k":{"N":"1"}},"Limit":1e2,"ScanIndexForward":false}`,
	`{"TableName":"t","Limit":1.5}`,
	`{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":1.7e9,"Value":"NaN","Values":[1,2.5e-300,"Infinity","-Infinity"],"Dimensions":[{"Name":"a","Value":"b"}]}]}`,
	`{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":"2024-01-02T03:04:05.123456Z","Value":1e400}]}`,
	`{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":"not a time"}]}`,
	`{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":1e20}]}`,
	`{"FunctionName":"f","Environment":{"Variables":{"A":"1","B":"\u2028"}},"Layers":["a","b"]}`,
	`{"a":"\ud800"}`,
	"{\"QueueUrl\":\"a\tb\"}",
	`{"QueueUrl":"q","MessageBody":"\u00"}`,
}

// FuzzDecodeDirect checks that Decode, which takes the direct path when it
// can, returns exactly what the general path (encoding/json, then
// FromJSON) returns: the same tree, or the same error.
func FuzzDecodeDirect(f *testing.F) {
	for i, s := range differentialSeeds {
		for op := range differentialOps {
			f.Add([]byte(s), uint8(op+i*len(differentialOps)))
		}
	}
	shapes := make([]*model.Shape, len(differentialOps))
	for i, o := range differentialOps {
		shapes[i] = model.MustLoad(o.service).Operations[o.operation].Input.Shape
	}
	f.Fuzz(func(t *testing.T, body []byte, sel uint8) {
		if len(bytes.TrimSpace(body)) == 0 {
			return // an empty structure either way, before either path
		}
		s := shapes[int(sel)%len(shapes)]
		got, gotErr := Decode(body, s)
		want, wantErr := decodeGeneral(body, s)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("%q: error %v, general path %v", body, gotErr, wantErr)
		}
		if gotErr == nil && !wiretest.Equal(got, want) {
			t.Fatalf("%q: direct\n%s\ngeneral\n%s", body, wiretest.Dump(got), wiretest.Dump(want))
		}
	})
}
