package services_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/services"
)

// failingHandler is a Python handler that always raises.
const failingHandler = `def handler(event, context):
    raise ValueError("cannot process " + event["order"])
`

// TestLambdaFailureReachesSQSOverTheBus checks the in-process wiring of
// services.All: an asynchronous invocation that fails lands as AWS's
// destination record in the SQS queue named by the on-failure destination,
// the function's dead-letter queue gets the event, and /_virga/bus shows
// both deliveries.
func TestLambdaFailureReachesSQSOverTheBus(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := servertest.Start(t, server.Options{Services: services.All})
	cfg := servertest.Config(t, srv, "", "")
	ctx := context.Background()
	q := sqs.NewFromConfig(cfg)
	fn := awslambda.NewFromConfig(cfg)

	queue := func(name string) (url, arn string) {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl, "arn:aws:sqs:us-east-1:000000000000:" + name
	}
	failURL, failARN := queue("order-failures")
	dlqURL, dlqARN := queue("order-dlq")

	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("app.py")
	w.Write([]byte(failingHandler))
	zw.Close()
	_, err := fn.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String("orders"), Runtime: lambdatypes.RuntimePython312, Handler: aws.String("app.handler"),
		Role: aws.String("arn:aws:iam::000000000000:role/orders"), Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
		DeadLetterConfig: &lambdatypes.DeadLetterConfig{TargetArn: aws.String(dlqARN)},
	})
	if err != nil {
		t.Fatal(err)
	}
	waiter := awslambda.NewFunctionActiveV2Waiter(fn)
	if err := waiter.Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders")}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = fn.PutFunctionEventInvokeConfig(ctx, &awslambda.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String("orders"), MaximumRetryAttempts: aws.Int32(0),
		DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(failARN)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := fn.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("orders"),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{"order":"o-17"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Invoke = %v, %v", out, err)
	}

	receive := func(url string) sqstypes.Message {
		t.Helper()
		msgs, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 10,
			MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs.Messages) != 1 {
			t.Fatalf("%s: %d messages, want 1", url, len(msgs.Messages))
		}
		return msgs.Messages[0]
	}
	var record struct {
		Version        string `json:"version"`
		RequestContext struct {
			Condition   string `json:"condition"`
			FunctionArn string `json:"functionArn"`
		} `json:"requestContext"`
		RequestPayload  map[string]string `json:"requestPayload"`
		ResponseContext struct {
			FunctionError string `json:"functionError"`
		} `json:"responseContext"`
		ResponsePayload struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		} `json:"responsePayload"`
	}
	msg := receive(failURL)
	if err := json.Unmarshal([]byte(*msg.Body), &record); err != nil {
		t.Fatalf("record %s: %v", *msg.Body, err)
	}
	if record.Version != "1.0" || record.RequestContext.Condition != "RetriesExhausted" ||
		record.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST" ||
		record.RequestPayload["order"] != "o-17" || record.ResponseContext.FunctionError != "Unhandled" ||
		record.ResponsePayload.ErrorType != "ValueError" || record.ResponsePayload.ErrorMessage != "cannot process o-17" {
		t.Fatalf("destination record %s", *msg.Body)
	}
	dead := receive(dlqURL)
	if *dead.Body != `{"order":"o-17"}` || dead.MessageAttributes["ErrorMessage"].StringValue == nil ||
		*dead.MessageAttributes["ErrorMessage"].StringValue != "cannot process o-17" {
		t.Fatalf("dead letter %s %v", *dead.Body, dead.MessageAttributes)
	}

	resp, err := http.Get("http://" + srv.Addr() + "/_virga/bus")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var trace struct {
		Deliveries []struct {
			Target string `json:"target"`
			Error  string `json:"error"`
		} `json:"deliveries"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&trace); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, d := range trace.Deliveries {
		targets[d.Target] = d.Error
	}
	if len(trace.Deliveries) != 2 || targets[failARN] != "" || targets[dlqARN] != "" {
		t.Fatalf("bus trace %+v", trace.Deliveries)
	}
}
