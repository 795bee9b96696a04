package lambda

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/services/sqs"
)

// sqsDestinations delivers to queues through an SQS client (the test's
// stand-in for the in-process wiring the lead provides).
type sqsDestinations struct{ client **awssqs.Client }

func (d sqsDestinations) Deliver(ctx context.Context, arn string, body []byte, attrs map[string]string) error {
	parts := strings.Split(arn, ":")
	url, err := (*d.client).GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(parts[5]), QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return err
	}
	in := &awssqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(string(body))}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
		for k, v := range attrs {
			in.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	_, err = (*d.client).SendMessage(ctx, in)
	return err
}

func TestAsyncDestinations(t *testing.T) {
	c := clock.New()
	var sqsClient *awssqs.Client
	e := start(t, server.Options{Clock: c}, Options{Destinations: sqsDestinations{&sqsClient}}, sqs.New)
	sqsClient = awssqs.NewFromConfig(e.cfg)
	ctx := context.Background()
	queue := func(name string) (string, string) {
		q, err := sqsClient.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *q.QueueUrl, "arn:aws:sqs:us-east-1:000000000000:" + name
	}
	failURL, failARN := queue("failures")
	okURL, okARN := queue("successes")
	dlqURL, dlqARN := queue("dlq")
	e.create(t, "asyncfn", "provided.al2023", "bootstrap", goZip(t), func(in *awslambda.CreateFunctionInput) {
		in.DeadLetterConfig = &types.DeadLetterConfig{TargetArn: aws.String(dlqARN)}
	})
	_, err := e.client.PutFunctionEventInvokeConfig(ctx, &awslambda.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String("asyncfn"), MaximumRetryAttempts: aws.Int32(1),
		DestinationConfig: &types.DestinationConfig{
			OnFailure: &types.OnFailure{Destination: aws.String(failARN)},
			OnSuccess: &types.OnSuccess{Destination: aws.String(okARN)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetFunctionEventInvokeConfig(ctx, &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("asyncfn")})
	if err != nil || *got.MaximumRetryAttempts != 1 || *got.DestinationConfig.OnFailure.Destination != failARN ||
		*got.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:asyncfn:$LATEST" {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = e.client.PutFunctionEventInvokeConfig(ctx, &awslambda.PutFunctionEventInvokeConfigInput{
		FunctionName:      aws.String("asyncfn"),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String("arn:aws:iam::000000000000:role/x")}},
	})
	apiError(t, err, "InvalidParameterValueException")

	receive := func(url string, advance bool) sqstypes.Message {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if advance {
				c.Advance(time.Minute)
			}
			out, err := sqsClient.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 0, MessageAttributeNames: []string{"All"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Messages) > 0 {
				return out.Messages[0]
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("no message")
		return sqstypes.Message{}
	}

	out, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("asyncfn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"echo","text":"ok"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("%v %v", out, err)
	}
	msg := receive(okURL, false)
	var rec map[string]any
	json.Unmarshal([]byte(*msg.Body), &rec)
	rc := rec["requestContext"].(map[string]any)
	if rec["version"] != "1.0" || rc["condition"] != "Success" || rc["approximateInvokeCount"] != 1.0 ||
		rc["functionArn"] != "arn:aws:lambda:us-east-1:000000000000:function:asyncfn:$LATEST" ||
		rec["requestPayload"].(map[string]any)["text"] != "ok" || rec["responseContext"].(map[string]any)["statusCode"] != 200.0 {
		t.Fatalf("success record %s", *msg.Body)
	}

	c.Freeze()
	if _, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("asyncfn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"error","text":"async"}`)}); err != nil {
		t.Fatal(err)
	}
	msg = receive(failURL, true)
	json.Unmarshal([]byte(*msg.Body), &rec)
	rc = rec["requestContext"].(map[string]any)
	resp := rec["responseContext"].(map[string]any)
	if rc["condition"] != "RetriesExhausted" || rc["approximateInvokeCount"] != 2.0 || resp["functionError"] != "Unhandled" ||
		resp["executedVersion"] != "$LATEST" || rec["responsePayload"].(map[string]any)["errorMessage"] != "boom: async" {
		t.Fatalf("failure record %s", *msg.Body)
	}
	dl := receive(dlqURL, false)
	if *dl.Body != `{"action":"error","text":"async"}` || *dl.MessageAttributes["ErrorMessage"].StringValue != "boom: async" || dl.MessageAttributes["RequestID"].StringValue == nil {
		t.Fatalf("dead letter %s %v", *dl.Body, dl.MessageAttributes)
	}

	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("asyncfn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`"` + strings.Repeat("x", 1024*1024) + `"`)})
	ae := apiError(t, err, "RequestEntityTooLargeException")
	if ae.ErrorMessage() != "Request must be smaller than 1048576 bytes for the Invoke operation" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	if _, err := e.client.DeleteFunctionEventInvokeConfig(ctx, &awslambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("asyncfn")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetFunctionEventInvokeConfig(ctx, &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("asyncfn")})
	ae = apiError(t, err, "ResourceNotFoundException")
	if ae.ErrorMessage() != "The function arn:aws:lambda:us-east-1:000000000000:function:asyncfn:$LATEST doesn't have an EventInvokeConfig" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	ia, err := e.client.InvokeAsync(ctx, &awslambda.InvokeAsyncInput{FunctionName: aws.String("asyncfn"), InvokeArgs: strings.NewReader(`{"action":"echo"}`)})
	if err != nil || ia.Status != 202 {
		t.Fatalf("%v %v", ia, err)
	}
}
