package query

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// fakeService answers query requests with canned outputs, decoding and
// encoding through Codec, and records the decoded inputs.
type fakeService struct {
	model *model.Model
	// answer returns the output tree or error for an operation's input.
	answer func(op string, in map[string]any) (map[string]any, *awserr.Error)

	mu     sync.Mutex
	inputs map[string]map[string]any
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &protocol.Call{Model: f.model, Request: r, RequestID: "0f4a5b1c-req"}
	values, err := ReadForm(r, AWSQuery)
	if err != nil {
		Codec{}.EncodeError(w, c, awserr.As(err))
		return
	}
	c.Operation = f.model.Operations[values.Get("Action")]
	if c.Operation == nil {
		Codec{}.EncodeError(w, c, awserr.New("InvalidAction", 400, "no action "+values.Get("Action")))
		return
	}
	in, err := Codec{}.DecodeRequest(c)
	if err != nil {
		Codec{}.EncodeError(w, c, awserr.As(err))
		return
	}
	f.mu.Lock()
	if f.inputs == nil {
		f.inputs = map[string]map[string]any{}
	}
	f.inputs[c.Operation.Name] = in
	f.mu.Unlock()
	out, e := f.answer(c.Operation.Name, in)
	if e != nil {
		Codec{}.EncodeError(w, c, e)
		return
	}
	if err := (Codec{}).EncodeResponse(w, c, out); err != nil {
		panic(err)
	}
}

func (f *fakeService) input(op string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inputs[op]
}

func start(t *testing.T, f *fakeService) aws.Config {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	}
}

func TestSTSClient(t *testing.T) {
	expiration := time.Date(2026, 3, 1, 12, 30, 45, 0, time.UTC)
	f := &fakeService{model: model.MustLoad("sts")}
	f.answer = func(op string, in map[string]any) (map[string]any, *awserr.Error) {
		switch op {
		case "GetCallerIdentity":
			return map[string]any{"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/alice", "UserId": "AIDAEXAMPLE"}, nil
		case "AssumeRole":
			if in["RoleSessionName"] == "expired" {
				return nil, &awserr.Error{Code: "ExpiredTokenException", Message: "The security token included in the request is expired", Status: 400, Sender: true}
			}
			return map[string]any{
				"Credentials": map[string]any{
					"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s&<cret>", "SessionToken": "tok",
					"Expiration": expiration,
				},
				"AssumedRoleUser":  map[string]any{"Arn": "arn:aws:sts::123456789012:assumed-role/demo/s", "AssumedRoleId": "AROAEXAMPLE:s"},
				"PackedPolicySize": int64(7),
			}, nil
		}
		return nil, &awserr.Error{Code: "AccessDenied", Message: "nope", Status: 403, Sender: true}
	}
	client := sts.NewFromConfig(start(t, f))
	ctx := context.Background()

	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "123456789012" || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/alice" || aws.ToString(id.UserId) != "AIDAEXAMPLE" {
		t.Errorf("GetCallerIdentity = %q %q %q", aws.ToString(id.Account), aws.ToString(id.Arn), aws.ToString(id.UserId))
	}

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:           aws.String("arn:aws:iam::123456789012:role/demo"),
		RoleSessionName:   aws.String("s"),
		DurationSeconds:   aws.Int32(900),
		PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue & green")}},
		TransitiveTagKeys: []string{"team"},
		ProvidedContexts:  []ststypes.ProvidedContext{{ProviderArn: aws.String("arn:p"), ContextAssertion: aws.String("c")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"RoleArn":           "arn:aws:iam::123456789012:role/demo",
		"RoleSessionName":   "s",
		"DurationSeconds":   int64(900),
		"PolicyArns":        []any{map[string]any{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		"Tags":              []any{map[string]any{"Key": "team", "Value": "blue & green"}},
		"TransitiveTagKeys": []any{"team"},
		"ProvidedContexts":  []any{map[string]any{"ProviderArn": "arn:p", "ContextAssertion": "c"}},
	}
	if got := f.input("AssumeRole"); !querytest.Equal(got, want) {
		t.Errorf("decoded AssumeRole input:\n got %s\nwant %s", querytest.TreeJSON(got), querytest.TreeJSON(want))
	}
	if c := out.Credentials; c == nil || aws.ToString(c.SecretAccessKey) != "s&<cret>" || !aws.ToTime(c.Expiration).Equal(expiration) {
		t.Errorf("AssumeRole credentials = %+v", out.Credentials)
	}
	if aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROAEXAMPLE:s" || aws.ToInt32(out.PackedPolicySize) != 7 {
		t.Errorf("AssumeRole output = %+v", out)
	}

	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("r"), RoleSessionName: aws.String("expired")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ExpiredTokenException" || apiErr.ErrorMessage() != "The security token included in the request is expired" || apiErr.ErrorFault() != smithy.FaultClient {
		t.Fatalf("AssumeRole error = %v", err)
	}
	var expired *ststypes.ExpiredTokenException
	if !errors.As(err, &expired) {
		t.Errorf("error %T is not the modeled ExpiredTokenException", err)
	}

	_, err = client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Errorf("GetSessionToken error = %v", err)
	}
}

// TestSQSQueryClient drives SQS's legacy awsQuery mode with aws-sdk-go-v2's
// SQS client switched to its awsQuery protocol, which serializes with the
// query names of AWS's own SQS Smithy model: the patched model must agree
// with it in both directions.
func TestSQSQueryClient(t *testing.T) {
	f := &fakeService{model: model.MustLoad("sqs")}
	f.answer = func(op string, in map[string]any) (map[string]any, *awserr.Error) {
		switch op {
		case "SendMessage":
			return map[string]any{"MessageId": "m-1", "MD5OfMessageBody": "b", "MD5OfMessageAttributes": "a", "SequenceNumber": "1"}, nil
		case "SendMessageBatch":
			return map[string]any{
				"Successful": []any{map[string]any{"Id": "a", "MessageId": "m-a", "MD5OfMessageBody": "x"}},
				"Failed":     []any{map[string]any{"Id": "b", "Code": "InvalidParameterValue", "Message": "bad", "SenderFault": true}},
			}, nil
		case "ReceiveMessage":
			return map[string]any{"Messages": []any{map[string]any{
				"MessageId": "m-1", "ReceiptHandle": "rh+/=", "MD5OfBody": "x", "Body": "<hello & \"bye\">\r\n",
				"Attributes": map[string]any{"SenderId": "AIDA", "ApproximateReceiveCount": "3"},
				"MessageAttributes": map[string]any{
					"s": map[string]any{"DataType": "String", "StringValue": "v"},
					"b": map[string]any{"DataType": "Binary", "BinaryValue": []byte{0, 1, 255}},
					"l": map[string]any{"DataType": "String.custom", "StringListValues": []any{"x", "y"}},
				},
			}}}, nil
		case "GetQueueAttributes":
			return map[string]any{"Attributes": map[string]any{"VisibilityTimeout": "30", "DelaySeconds": "0"}}, nil
		case "ListQueues":
			return map[string]any{"QueueUrls": []any{"http://q/1", "http://q/2"}, "NextToken": "n"}, nil
		case "ListQueueTags":
			return map[string]any{"Tags": map[string]any{"env": "prod"}}, nil
		case "CreateQueue":
			return map[string]any{"QueueUrl": "http://q/new"}, nil
		case "DeleteQueue":
			return nil, &awserr.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Message: "The specified queue does not exist.", Status: 400, Sender: true}
		case "TagQueue", "UntagQueue", "AddPermission":
			return map[string]any{}, nil
		}
		return nil, awserr.NotImplemented("SQS", op)
	}
	client := sqs.NewFromConfig(start(t, f), func(o *sqs.Options) {
		o.Protocol = awsquery.New(schemas.AmazonSQS)
		o.DisableMessageChecksumValidation = true
	})
	ctx := context.Background()
	q := aws.String("http://q/1")

	sent, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: q, MessageBody: aws.String("hello"), DelaySeconds: 5,
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"s": {DataType: aws.String("String"), StringValue: aws.String("v")},
			"b": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 255}},
		},
		MessageSystemAttributes: map[string]sqstypes.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-a")},
		},
		MessageGroupId: aws.String("g"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sent.MessageId) != "m-1" || aws.ToString(sent.SequenceNumber) != "1" {
		t.Errorf("SendMessage output = %+v", sent)
	}
	wantSend := map[string]any{
		"QueueUrl": "http://q/1", "MessageBody": "hello", "DelaySeconds": int64(5), "MessageGroupId": "g",
		"MessageAttributes": map[string]any{
			"s": map[string]any{"DataType": "String", "StringValue": "v"},
			"b": map[string]any{"DataType": "Binary", "BinaryValue": []byte{0, 1, 255}},
		},
		"MessageSystemAttributes": map[string]any{
			"AWSTraceHeader": map[string]any{"DataType": "String", "StringValue": "Root=1-a"},
		},
	}
	if got := f.input("SendMessage"); !querytest.Equal(got, wantSend) {
		t.Errorf("decoded SendMessage input:\n got %s\nwant %s", querytest.TreeJSON(got), querytest.TreeJSON(wantSend))
	}

	batch, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("1"), MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"l": {DataType: aws.String("String"), StringListValues: []string{"x", "y"}},
		}},
		{Id: aws.String("b"), MessageBody: aws.String("2"), DelaySeconds: 3},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 1 || aws.ToString(batch.Successful[0].MessageId) != "m-a" || len(batch.Failed) != 1 || !batch.Failed[0].SenderFault {
		t.Errorf("SendMessageBatch output = %+v", batch)
	}
	wantBatch := map[string]any{"QueueUrl": "http://q/1", "Entries": []any{
		map[string]any{"Id": "a", "MessageBody": "1", "MessageAttributes": map[string]any{
			"l": map[string]any{"DataType": "String", "StringListValues": []any{"x", "y"}},
		}},
		map[string]any{"Id": "b", "MessageBody": "2", "DelaySeconds": int64(3)},
	}}
	if got := f.input("SendMessageBatch"); !querytest.Equal(got, wantBatch) {
		t.Errorf("decoded SendMessageBatch input:\n got %s\nwant %s", querytest.TreeJSON(got), querytest.TreeJSON(wantBatch))
	}

	recv, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: q, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRecv := map[string]any{
		"QueueUrl": "http://q/1", "MaxNumberOfMessages": int64(10), "WaitTimeSeconds": int64(1),
		"AttributeNames": []any{"All"}, "MessageSystemAttributeNames": []any{"All"}, "MessageAttributeNames": []any{"All"},
	}
	if got := f.input("ReceiveMessage"); !querytest.Equal(got, wantRecv) {
		t.Errorf("decoded ReceiveMessage input:\n got %s\nwant %s", querytest.TreeJSON(got), querytest.TreeJSON(wantRecv))
	}
	if len(recv.Messages) != 1 {
		t.Fatalf("ReceiveMessage messages = %+v", recv.Messages)
	}
	m := recv.Messages[0]
	if aws.ToString(m.Body) != "<hello & \"bye\">\r\n" || aws.ToString(m.ReceiptHandle) != "rh+/=" {
		t.Errorf("message body %q receipt %q", aws.ToString(m.Body), aws.ToString(m.ReceiptHandle))
	}
	if m.Attributes["SenderId"] != "AIDA" || m.Attributes["ApproximateReceiveCount"] != "3" {
		t.Errorf("message attributes = %v", m.Attributes)
	}
	if a := m.MessageAttributes["s"]; aws.ToString(a.StringValue) != "v" {
		t.Errorf("string attribute = %+v", a)
	}
	if a := m.MessageAttributes["b"]; string(a.BinaryValue) != "\x00\x01\xff" {
		t.Errorf("binary attribute = %+v", a)
	}
	if a := m.MessageAttributes["l"]; len(a.StringListValues) != 2 || a.StringListValues[1] != "y" || aws.ToString(a.DataType) != "String.custom" {
		t.Errorf("list attribute = %+v", a)
	}

	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["VisibilityTimeout"] != "30" || len(attrs.Attributes) != 2 {
		t.Errorf("GetQueueAttributes = %v", attrs.Attributes)
	}
	if got := f.input("GetQueueAttributes"); !querytest.Equal(got, map[string]any{"QueueUrl": "http://q/1", "AttributeNames": []any{"All"}}) {
		t.Errorf("decoded GetQueueAttributes input = %s", querytest.TreeJSON(got))
	}

	list, err := client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("q"), MaxResults: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.QueueUrls) != 2 || list.QueueUrls[1] != "http://q/2" || aws.ToString(list.NextToken) != "n" {
		t.Errorf("ListQueues = %+v", list)
	}

	if _, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("new"),
		Attributes: map[string]string{"DelaySeconds": "5"}, Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.input("CreateQueue"), map[string]any{"QueueName": "new", "Attributes": map[string]any{"DelaySeconds": "5"}, "tags": map[string]any{"env": "dev"}}; !querytest.Equal(got, want) {
		t.Errorf("decoded CreateQueue input = %s", querytest.TreeJSON(got))
	}
	if _, err := client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: q, Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.input("TagQueue"); !querytest.Equal(got, map[string]any{"QueueUrl": "http://q/1", "Tags": map[string]any{"a": "1"}}) {
		t.Errorf("decoded TagQueue input = %s", querytest.TreeJSON(got))
	}
	if _, err := client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: q, TagKeys: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.input("UntagQueue"); !querytest.Equal(got, map[string]any{"QueueUrl": "http://q/1", "TagKeys": []any{"a", "b"}}) {
		t.Errorf("decoded UntagQueue input = %s", querytest.TreeJSON(got))
	}
	if _, err := client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: q, Label: aws.String("l"), AWSAccountIds: []string{"111111111111"}, Actions: []string{"SendMessage"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.input("AddPermission"); !querytest.Equal(got, map[string]any{"QueueUrl": "http://q/1", "Label": "l", "AWSAccountIds": []any{"111111111111"}, "Actions": []any{"SendMessage"}}) {
		t.Errorf("decoded AddPermission input = %s", querytest.TreeJSON(got))
	}
	tags, err := client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: q})
	if err != nil {
		t.Fatal(err)
	}
	if tags.Tags["env"] != "prod" {
		t.Errorf("ListQueueTags = %v", tags.Tags)
	}

	_, err = client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("DeleteQueue error = %v (%T), want QueueDoesNotExist", err, err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorMessage() != "The specified queue does not exist." {
		t.Errorf("DeleteQueue error message = %v", err)
	}

	_, err = client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: q})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotImplemented" {
		t.Errorf("PurgeQueue error = %v", err)
	}
}
