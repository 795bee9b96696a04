package query

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// requestPlain is querytest.Plain for request parameters, where botocore
// takes blobs as raw strings.
func requestPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = requestPlain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = requestPlain(e)
		}
		return out
	case []byte:
		return string(x)
	}
	return querytest.Plain(v)
}

// TestBotocoreRequests serializes parameters with botocore's awsQuery
// serializer over the same models (SQS with models/patches/sqs.json) and
// checks DecodeForm recovers them.
func TestBotocoreRequests(t *testing.T) {
	cases := []struct{ model, op, params string }{
		{"sts", "AssumeRole", `{"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s", "DurationSeconds": 900,
			"PolicyArns": [{"arn": "arn:aws:iam::aws:policy/A"}, {"arn": "arn:aws:iam::aws:policy/B"}],
			"Tags": [{"Key": "k", "Value": "v w&x=y"}], "TransitiveTagKeys": ["k"], "Policy": "{\"Version\":\"2012-10-17\"}"}`},
		{"sqs", "SendMessage", `{"QueueUrl": "http://q/1", "MessageBody": "héllo <&>", "DelaySeconds": 3,
			"MessageAttributes": {"s": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": "raw\u0001"},
				"l": {"DataType": "String", "StringListValues": ["x", "y"], "BinaryListValues": ["p", "q"]}},
			"MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}}}`},
		{"sqs", "SendMessageBatch", `{"QueueUrl": "q", "Entries": [{"Id": "a", "MessageBody": "1", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}}}, {"Id": "b", "MessageBody": "2", "MessageGroupId": "g"}]}`},
		// AttributeNames and MessageSystemAttributeNames share the query name
		// AttributeName.N (AWS's Smithy model), so both decode from it.
		{"sqs", "ReceiveMessage", `{"QueueUrl": "q", "AttributeNames": ["All"], "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["a", "b.*"], "MaxNumberOfMessages": 10, "VisibilityTimeout": 0}`},
		{"sqs", "CreateQueue", `{"QueueName": "q", "Attributes": {"DelaySeconds": "5", "Policy": "{}"}, "tags": {"a": "1", "b": ""}}`},
		{"sqs", "ChangeMessageVisibilityBatch", `{"QueueUrl": "q", "Entries": [{"Id": "a", "ReceiptHandle": "r+/=", "VisibilityTimeout": 30}]}`},
		{"sqs", "AddPermission", `{"QueueUrl": "q", "Label": "l", "AWSAccountIds": ["111111111111"], "Actions": ["SendMessage", "DeleteMessage"]}`},
		{"sqs", "UntagQueue", `{"QueueUrl": "q", "TagKeys": ["a", "b"]}`},
		{"sqs", "StartMessageMoveTask", `{"SourceArn": "arn:aws:sqs:us-east-1:1:dlq", "MaxNumberOfMessagesPerSecond": 10}`},
		{"sns", "Publish", `{"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "m", "MessageAttributes": {"c": {"DataType": "String", "StringValue": "red"}, "b": {"DataType": "Binary", "BinaryValue": "xyz"}}}`},
		{"cloudformation", "CreateStack", `{"StackName": "s", "TemplateBody": "{}", "Parameters": [{"ParameterKey": "k", "ParameterValue": "v"}], "Capabilities": ["CAPABILITY_IAM"], "Tags": [{"Key": "a", "Value": "b"}], "DisableRollback": true}`},
		{"cloudwatch", "PutMetricData", `{"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 1.5, "Timestamp": "2024-01-02T03:04:05.678Z", "Dimensions": [{"Name": "d", "Value": "v"}], "Values": [1.0, 2.5], "Counts": [1.0, 2.0]}]}`},
	}
	jobs := make([]querytest.Job, len(cases))
	for i, tc := range cases {
		jobs[i] = querytest.Job{Cmd: "serialize", Model: tc.model, Protocol: "query", Operation: tc.op, Input: tc.params}
	}
	results := querytest.Botocore(t, jobs)
	for i, tc := range cases {
		t.Run(tc.model+"."+tc.op, func(t *testing.T) {
			if results[i].Error != "" {
				t.Fatalf("botocore: %s", results[i].Error)
			}
			body := results[i].Output
			values, err := url.ParseQuery(body)
			if err != nil {
				t.Fatalf("botocore body %q: %v", body, err)
			}
			op := model.MustLoad(tc.model).Operations[tc.op]
			tree, err := DecodeForm(values, op.Input.Shape, AWSQuery)
			if err != nil {
				t.Fatalf("DecodeForm(%s): %v", body, err)
			}
			var want any
			if err := json.Unmarshal([]byte(tc.params), &want); err != nil {
				t.Fatal(err)
			}
			if got := requestPlain(tree); !reflect.DeepEqual(got, want) {
				t.Errorf("botocore sent %s\ndecoded %s\nwant    %s", body, querytest.TreeJSON(tree), tc.params)
			}
		})
	}
}

// TestBotocoreResponses parses EncodeResponse and EncodeError output with
// botocore's awsQuery parser and checks it reads back the tree.
func TestBotocoreResponses(t *testing.T) {
	cases := []struct{ model, op, tree string }{
		{"sts", "AssumeRole", `{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s<&>", "SessionToken": "t", "Expiration": {"$timestamp": "2026-03-01T12:30:45.5Z"}},
			"AssumedRoleUser": {"Arn": "arn", "AssumedRoleId": "id"}, "PackedPolicySize": 7}`},
		{"sqs", "ReceiveMessage", `{"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": "a\r\nb \"q\" 'a' <&>",
			"Attributes": {"SenderId": "s", "SentTimestamp": "1"},
			"MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": {"$blob": "AAH/"}}, "l": {"DataType": "String", "StringListValues": ["x", "y"], "BinaryListValues": [{"$blob": "AQ=="}]}}},
			{"MessageId": "m2", "Body": ""}]}`},
		{"sqs", "SendMessageBatch", `{"Successful": [{"Id": "a", "MessageId": "m", "MD5OfMessageBody": "x"}], "Failed": [{"Id": "b", "SenderFault": false, "Code": "InternalError", "Message": "m"}]}`},
		{"sqs", "ListQueues", `{"QueueUrls": ["http://q/1"], "NextToken": "n"}`},
		{"sqs", "ListDeadLetterSourceQueues", `{"queueUrls": ["http://q/1", "http://q/2"]}`},
		{"sqs", "ListMessageMoveTasks", `{"Results": [{"TaskHandle": "h", "Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 3, "StartedTimestamp": 1700000000000}]}`},
		{"sqs", "GetQueueAttributes", `{"Attributes": {"VisibilityTimeout": "30"}}`},
		{"sqs", "ListQueueTags", `{"Tags": {"a": "1", "b": "2"}}`},
		{"sns", "GetTopicAttributes", `{"Attributes": {"Owner": "1", "Policy": "{\"a\":1}"}}`},
		{"sns", "ListTopics", `{"Topics": [{"TopicArn": "a"}, {"TopicArn": "b"}], "NextToken": "n"}`},
		{"cloudwatch", "GetMetricStatistics", `{"Label": "l", "Datapoints": [{"Timestamp": {"$timestamp": "2024-01-01T00:00:00Z"}, "Average": {"$float": "0.5"}, "SampleCount": {"$float": "1e+10"}, "Unit": "Count", "ExtendedStatistics": {"p99": {"$float": "2"}}}]}`},
	}
	jobs := make([]querytest.Job, 0, len(cases)+1)
	trees := make([]map[string]any, len(cases))
	for i, tc := range cases {
		m := model.MustLoad(tc.model)
		tree, err := querytest.ParseTree(tc.tree)
		if err != nil {
			t.Fatal(err)
		}
		trees[i] = tree
		rec := httptest.NewRecorder()
		c := &protocol.Call{Model: m, Operation: m.Operations[tc.op], RequestID: "rid", Request: httptest.NewRequest(http.MethodPost, "/", nil)}
		if err := (Codec{}).EncodeResponse(rec, c, tree); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, querytest.Job{Cmd: "parse", Model: tc.model, Protocol: "query", Operation: tc.op, Status: 200, Input: rec.Body.String()})
	}
	m := model.MustLoad("sqs")
	rec := httptest.NewRecorder()
	c := &protocol.Call{Model: m, Operation: m.Operations["DeleteQueue"], RequestID: "rid", Request: httptest.NewRequest(http.MethodPost, "/", nil)}
	Codec{}.EncodeError(rec, c, &awserr.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Message: "gone <now>", Status: 400, Sender: true})
	jobs = append(jobs, querytest.Job{Cmd: "parse", Model: "sqs", Protocol: "query", Operation: "DeleteQueue", Status: 400, Input: rec.Body.String()})
	results := querytest.Botocore(t, jobs)

	for i, tc := range cases {
		t.Run(tc.model+"."+tc.op, func(t *testing.T) {
			if results[i].Error != "" {
				t.Fatalf("botocore: %s", results[i].Error)
			}
			var parsed map[string]any
			if err := json.Unmarshal([]byte(results[i].Output), &parsed); err != nil {
				t.Fatal(err)
			}
			meta, _ := parsed["ResponseMetadata"].(map[string]any)
			if meta["RequestId"] != "rid" {
				t.Errorf("ResponseMetadata = %v", meta)
			}
			delete(parsed, "ResponseMetadata")
			if want := querytest.Plain(trees[i]); !reflect.DeepEqual(parsed, want) {
				t.Errorf("botocore parsed %v\nfrom %s\nwant %v", parsed, jobs[i].Input, want)
			}
		})
	}

	last := results[len(results)-1]
	var parsed struct {
		Error            map[string]any
		ResponseMetadata map[string]any
	}
	if err := json.Unmarshal([]byte(last.Output), &parsed); err != nil {
		t.Fatalf("%v (%s)", err, last.Error)
	}
	if parsed.Error["Code"] != "AWS.SimpleQueueService.NonExistentQueue" || parsed.Error["Message"] != "gone <now>" || parsed.Error["Type"] != "Sender" || parsed.ResponseMetadata["RequestId"] != "rid" {
		t.Errorf("botocore parsed error %v from %s", parsed, rec.Body.String())
	}
}
