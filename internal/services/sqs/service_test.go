package sqs

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
)

func TestReset(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("reset-me", nil)
	e.send(url, "m")
	done := make(chan error, 1)
	other := e.createQueue("waiting", nil)
	go func() {
		_, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &other, WaitTimeSeconds: 20})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	resp, err := http.Post(e.srv.URL()+"/_virga/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case err := <-done:
		wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "", 400)
	case <-time.After(5 * time.Second):
		t.Fatal("long poll survived the reset")
	}
	_, err = e.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("reset-me")})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "", 400)
	// Names are free again at once.
	e.createQueue("reset-me", nil)
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	c := clock.New()
	c.Freeze()
	srv := servertest.Start(t, server.Options{Clock: c, DataDir: dir}, New)
	e := &env{t: t, srv: srv, clock: c, ctx: t.Context()}
	e.client = e.clientFor("", "")
	url := e.createQueue("durable", map[string]string{"VisibilityTimeout": "60"})
	fifo := e.createQueue("durable.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	gone := e.createQueue("deleted", nil)
	e.send(gone, "x")
	e.client.DeleteQueue(e.ctx, &awssqs.DeleteQueueInput{QueueUrl: &gone})
	e.client.TagQueue(e.ctx, &awssqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"k": "v"}})
	e.send(url, "first")
	e.send(url, "second")
	e.send(url, "third")
	got := e.receive(url, 1)
	if len(got) != 1 || *got[0].Body != "first" {
		t.Fatalf("receive %q", bodiesOf(got))
	}
	handle := got[0].ReceiptHandle
	del := e.receive(url, 1)
	e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: del[0].ReceiptHandle})
	f1 := e.sendFifo(fifo, "f1", "g", "")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2 := servertest.Start(t, server.Options{Clock: c, DataDir: dir}, New)
	e2 := &env{t: t, srv: srv2, clock: c, ctx: t.Context()}
	e2.client = e2.clientFor("", "")
	url2 := strings.Replace(url, srv.URL(), srv2.URL(), 1)
	a := e2.attrs(url2)
	if a["VisibilityTimeout"] != "60" || a["ApproximateNumberOfMessages"] != "1" || a["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("restored queue attributes %v", a)
	}
	tags, err := e2.client.ListQueueTags(e.ctx, &awssqs.ListQueueTagsInput{QueueUrl: &url2})
	if err != nil || tags.Tags["k"] != "v" {
		t.Errorf("restored tags %v %v", tags, err)
	}
	if got := e2.receive(url2, 10); bodiesOf(got) != "third" {
		t.Errorf("restored visible messages %q", bodiesOf(got))
	}
	// The receipt handle issued before the restart still works.
	if _, err := e2.client.ChangeMessageVisibility(e.ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &url2, ReceiptHandle: handle, VisibilityTimeout: 0}); err != nil {
		t.Fatalf("old receipt handle: %v", err)
	}
	if got := e2.receive(url2, 10); bodiesOf(got) != "first" || got[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("after restart: %q %v", bodiesOf(got), got)
	}
	fifo2 := strings.Replace(fifo, srv.URL(), srv2.URL(), 1)
	if got := e2.receive(fifo2, 10); bodiesOf(got) != "f1" || got[0].Attributes["SequenceNumber"] == "" {
		t.Errorf("restored FIFO %q", bodiesOf(got))
	}
	if f2 := e2.sendFifo(fifo2, "f2", "g", ""); len(*f2.SequenceNumber) != len(*f1.SequenceNumber) || *f2.SequenceNumber <= *f1.SequenceNumber {
		t.Errorf("sequence number after restart %s, before %s", *f2.SequenceNumber, *f1.SequenceNumber)
	}
	_, err = e2.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("deleted")})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "", 400)
}

// postJSON sends a raw SQS JSON request and returns the status, headers and
// decoded body.
func postJSON(t *testing.T, base, op, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: body %q: %v", op, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func TestJSONWire(t *testing.T) {
	e := start(t, true)
	base := e.srv.URL()
	url := e.createQueue("wire", map[string]string{"DelaySeconds": "30"})
	status, h, body := postJSON(t, base, "GetQueueUrl", `{"QueueName":"nope"}`)
	if status != 400 || h.Get("X-Amzn-Query-Error") != "AWS.SimpleQueueService.NonExistentQueue;Sender" ||
		!strings.HasSuffix(body["__type"].(string), "QueueDoesNotExist") || body["message"] != "The specified queue does not exist." {
		t.Errorf("QueueDoesNotExist on the wire: %d %v %v", status, h, body)
	}
	status, h, body = postJSON(t, base, "SendMessage", `{"QueueUrl":"`+url+`"}`)
	if status != 400 || h.Get("X-Amzn-Query-Error") != "MissingParameter;Sender" ||
		!strings.HasSuffix(body["__type"].(string), "MissingRequiredParameterException") ||
		body["message"] != "The request must contain the parameter MessageBody." {
		t.Errorf("MissingParameter on the wire: %d %v %v", status, h, body)
	}
	status, h, body = postJSON(t, base, "SendMessage", `{"QueueUrl":"`+url+`","MessageBody":"x","DelaySeconds":901}`)
	if status != 400 || h.Get("X-Amzn-Query-Error") != "InvalidParameterValue;Sender" ||
		!strings.HasSuffix(body["__type"].(string), "InvalidParameterValueException") {
		t.Errorf("InvalidParameterValue on the wire: %d %v %v", status, h, body)
	}
	status, _, body = postJSON(t, base, "GetQueueAttributes", `{"QueueUrl":"`+url+`","AttributeNames":["Bogus"]}`)
	if status != 400 || !strings.HasSuffix(body["__type"].(string), "InvalidAttributeName") || body["message"] != "Unknown Attribute Bogus." {
		t.Errorf("InvalidAttributeName on the wire: %d %v", status, body)
	}
	// An explicit DelaySeconds of 0 overrides the queue's delay.
	if status, _, body = postJSON(t, base, "SendMessage", `{"QueueUrl":"`+url+`","MessageBody":"now","DelaySeconds":0}`); status != 200 {
		t.Fatalf("SendMessage: %d %v", status, body)
	}
	if got := e.receive(url, 10); bodiesOf(got) != "now" {
		t.Errorf("explicit DelaySeconds 0: received %q", bodiesOf(got))
	}
	status, _, body = postJSON(t, base, "ListQueues", `{}`)
	if status != 200 || len(body["QueueUrls"].([]any)) != 1 {
		t.Errorf("ListQueues: %d %v", status, body)
	}
	// Missing members of nested shapes are reported by the handlers.
	status, _, body = postJSON(t, base, "SendMessage", `{"QueueUrl":"`+url+`","MessageBody":"x","MessageAttributes":{"a":{"StringValue":"v"}}}`)
	if status != 400 || body["message"] != "The message attribute 'a' must contain non-empty message attribute type." {
		t.Errorf("attribute without DataType: %d %v", status, body)
	}
	status, _, body = postJSON(t, base, "SendMessageBatch", `{"QueueUrl":"`+url+`","Entries":[{"Id":"1"}]}`)
	failed, _ := body["Failed"].([]any)
	if status != 200 || len(failed) != 1 || !bytes.Contains(mustJSON(failed[0]), []byte(`"Code":"MissingParameter"`)) {
		t.Errorf("batch entry without body: %d %v", status, body)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
