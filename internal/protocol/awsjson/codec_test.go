package awsjson_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	smithy "github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

func TestGolden(t *testing.T) {
	wiretest.Run(t, "testdata", awsjson.Codec{})
}

// TestSQSClient sends SQS calls from aws-sdk-go-v2 through the codec: the
// decoded trees must hold what the client sent, and the client must read
// back the outputs and the query-compatible error codes.
func TestSQSClient(t *testing.T) {
	m := model.MustLoad("sqs")
	var sent map[string]any
	srv := wiretest.Server(t, awsjson.Codec{}, m, func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		switch c.Operation.Name {
		case "SendMessage":
			sent = in
			sum := md5.Sum([]byte(in["MessageBody"].(string)))
			return map[string]any{"MessageId": "m-1", "MD5OfMessageBody": hex.EncodeToString(sum[:])}, nil
		case "ReceiveMessage":
			return map[string]any{"Messages": []any{map[string]any{
				"MessageId":     "m-1",
				"ReceiptHandle": "rh",
				"Body":          "payload",
				"MD5OfBody":     md5hex("payload"),
				"Attributes":    map[string]any{"SentTimestamp": "1709296215250"},
				"MessageAttributes": map[string]any{"Raw": map[string]any{
					"DataType": "Binary", "BinaryValue": []byte{0, 1, 0xfe},
				}},
			}}}, nil
		case "GetQueueUrl":
			return nil, &awserr.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue",
				Message: "The specified queue does not exist.", Status: 400, Sender: true}
		case "DeleteQueue":
			return nil, &awserr.Error{Code: "InternalError", Message: "boom", Status: 500}
		}
		return nil, awserr.NotImplemented("SQS", c.Operation.Name)
	})
	client := sqs.NewFromConfig(wiretest.SDKConfig(srv))
	ctx := context.Background()

	out, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:     aws.String(srv.URL + "/000000000000/q"),
		MessageBody:  aws.String("héllo <&>"),
		DelaySeconds: 7,
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"Bin": {DataType: aws.String("Binary"), BinaryValue: []byte{0xff, 0}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.MessageId) != "m-1" {
		t.Errorf("MessageId = %q", aws.ToString(out.MessageId))
	}
	want := `{
  "DelaySeconds": 7,
  "MessageAttributes": {
    "Bin": {
      "BinaryValue": {
        "$blob": "/wA="
      },
      "DataType": "Binary"
    }
  },
  "MessageBody": "héllo <&>",
  "QueueUrl": "` + srv.URL + `/000000000000/q"
}
`
	if got := wiretest.Dump(sent); got != want {
		t.Errorf("decoded SendMessage:\n%s\nwant:\n%s", got, want)
	}

	recv, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	if len(recv.Messages) != 1 || string(recv.Messages[0].MessageAttributes["Raw"].BinaryValue) != "\x00\x01\xfe" ||
		recv.Messages[0].Attributes["SentTimestamp"] != "1709296215250" {
		t.Errorf("ReceiveMessage = %+v", recv.Messages)
	}

	_, err = client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	var notFound *sqstypes.QueueDoesNotExist
	if !errors.As(err, &notFound) {
		t.Fatalf("GetQueueUrl error = %v, want QueueDoesNotExist", err)
	}
	if notFound.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || notFound.ErrorMessage() != "The specified queue does not exist." {
		t.Errorf("error code %q message %q", notFound.ErrorCode(), notFound.ErrorMessage())
	}

	_, err = client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String("q")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InternalError" || api.ErrorFault() != smithy.FaultServer {
		t.Errorf("DeleteQueue error = %v", err)
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestValueEdges covers conversions at the edges of the JSON number and
// timestamp ranges.
func TestValueEdges(t *testing.T) {
	m := model.MustLoad("dynamodb")
	tests := []struct {
		name, op, body string
		want           string // Dump of the tree, or "error"
	}{
		{"long from float notation", "Query", `{"TableName":"t","Limit":1e2}`, `{"Limit":100,"TableName":"t"}`},
		{"integer overflow", "Query", `{"TableName":"t","Limit":2147483648}`, "error"},
		{"long beyond int64 as float", "UpdateTable", `{"TableName":"t","ProvisionedThroughput":{"ReadCapacityUnits":1e30,"WriteCapacityUnits":1}}`, "error"},
		{"long in float notation", "UpdateTable", `{"TableName":"t","ProvisionedThroughput":{"ReadCapacityUnits":1.0e18,"WriteCapacityUnits":1}}`, `{"ProvisionedThroughput":{"ReadCapacityUnits":1000000000000000000,"WriteCapacityUnits":1},"TableName":"t"}`},
		{"fraction for integer", "Query", `{"TableName":"t","Limit":1.5}`, "error"},
		{"epoch timestamp with millis", "ListBackups", `{"TimeRangeLowerBound":1709296215.2504}`, `{"TimeRangeLowerBound":{"$time":"2024-03-01T12:30:15.25Z"}}`},
		{"ISO timestamp rounded to millis", "ListBackups", `{"TimeRangeLowerBound":"2024-03-01T12:30:15.2504Z"}`, `{"TimeRangeLowerBound":{"$time":"2024-03-01T12:30:15.25Z"}}`},
		{"timestamp beyond year 9999", "ListBackups", `{"TimeRangeLowerBound":1e300}`, "error"},
		{"timestamp string beyond year 9999", "ListBackups", `{"TimeRangeLowerBound":"1e13"}`, "error"},
		{"null members dropped", "Query", `{"TableName":"t","Limit":null}`, `{"TableName":"t"}`},
		{"trailing data", "Query", `{"TableName":"t"} {}`, "error"},
		{"array body", "Query", `[]`, "error"},
		{"bad base64", "GetItem", `{"TableName":"t","Key":{"k":{"B":"!!"}}}`, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := awsjson.Decode([]byte(tt.body), m.Operations[tt.op].Input.Shape)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("Decode(%s) = %s, want an error", tt.body, wiretest.Dump(tree))
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", tt.body, err)
			}
			want, err := wiretest.ParseTree([]byte(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			if !wiretest.Equal(tree, want) {
				t.Errorf("Decode(%s) = %s, want %s", tt.body, wiretest.Dump(tree), tt.want)
			}
		})
	}
}

// TestAppendSparseList checks that a null in a list is written as null,
// not as the element shape's zero value.
func TestAppendSparseList(t *testing.T) {
	m := model.MustLoad("dynamodb")
	ref := &model.Ref{Shape: m.Shapes["ListAttributeValue"]}
	got := string(awsjson.Append(nil, []any{nil, map[string]any{"S": "x"}}, ref))
	if got != `[null,{"S":"x"}]` {
		t.Errorf("Append = %s", got)
	}
}

// TestWriteRESTError checks the restJson1 variant of the error document:
// no __type, JSON member names, header-bound fields left out.
func TestWriteRESTError(t *testing.T) {
	m := model.MustLoad("lambda")
	rec := httptest.NewRecorder()
	c := &protocol.Call{Model: m, RequestID: "r-1", Request: httptest.NewRequest(http.MethodGet, "/", nil)}
	awsjson.WriteRESTError(rec, c, &awserr.Error{
		Code: "TooManyRequestsException", Message: "Rate exceeded", Status: 429, Sender: true,
		Fields: map[string]any{"Type": "User", "retryAfterSeconds": "2", "Reason": "CallerRateLimitExceeded"},
	}, "application/json")
	body := rec.Body.String()
	if body != `{"message":"Rate exceeded","Reason":"CallerRateLimitExceeded","Type":"User"}` {
		t.Errorf("body = %s", body)
	}
	if rec.Code != 429 || rec.Header().Get("X-Amzn-Errortype") != "TooManyRequestsException" {
		t.Errorf("status %d, headers %v", rec.Code, rec.Header())
	}
	if strings.Contains(body, "__type") {
		t.Error("restJson1 error body carries __type")
	}
}

// TestErrorStatusGuard checks that an error without a valid status is
// sent as a 500 rather than panicking in WriteHeader.
func TestErrorStatusGuard(t *testing.T) {
	rec := httptest.NewRecorder()
	c := &protocol.Call{Model: model.MustLoad("sqs"), Request: httptest.NewRequest(http.MethodPost, "/", nil)}
	awsjson.Codec{}.EncodeError(rec, c, &awserr.Error{Code: "X", Message: "no status"})
	if rec.Code != 500 {
		t.Errorf("status = %d, want 500", rec.Code)
	}
}

// TestGzipBody checks request compression: a gzip body (as SDKs send
// CloudWatch PutMetricData) is inflated, within MaxBodySize.
func TestGzipBody(t *testing.T) {
	m := model.MustLoad("cloudwatch")
	op := m.Operations["PutMetricData"]
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	decode := func(body []byte) (map[string]any, error) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Encoding", "gzip")
		return awsjson.Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: op, Request: r})
	}
	tree, err := decode(gz([]byte(`{"Namespace":"App","MetricData":[{"MetricName":"m","Value":1.5}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if tree["Namespace"] != "App" {
		t.Errorf("tree = %s", wiretest.Dump(tree))
	}
	if _, err := decode(gz(bytes.Repeat([]byte(" "), awsjson.MaxBodySize+1))); awserr.As(err).Status != 413 {
		t.Errorf("oversized gzip body: %v, want a 413", err)
	}
	if _, err := decode([]byte("not gzip")); awserr.As(err).Code != "SerializationException" {
		t.Errorf("corrupt gzip body: %v, want a SerializationException", err)
	}
}
