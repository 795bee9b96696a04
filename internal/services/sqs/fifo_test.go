package sqs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func bodiesOf(msgs []types.Message) string {
	var b []string
	for _, m := range msgs {
		b = append(b, *m.Body)
	}
	return strings.Join(b, ",")
}

func TestFifoAttributes(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("attrs.fifo", map[string]string{"FifoQueue": "true"})
	a := e.attrs(url)
	want := map[string]string{
		"FifoQueue": "true", "ContentBasedDeduplication": "false", "DeduplicationScope": "queue",
		"FifoThroughputLimit": "perQueue", "SqsManagedSseEnabled": "true", "VisibilityTimeout": "30",
		"MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
		"ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0",
		"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
		"QueueArn": "arn:aws:sqs:us-east-1:000000000000:attrs.fifo",
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %q, want %q", k, a[k], v)
		}
	}
	if len(a) != len(want)+2 {
		t.Errorf("All returned %d attributes: %v", len(a), a)
	}
	_, err := e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"FifoQueue": "false"}})
	wantError(t, err, "InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.", 400)
	if _, err := e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{
		"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId", "ContentBasedDeduplication": "true"}}); err != nil {
		t.Fatal(err)
	}
	a = e.attrs(url, "DeduplicationScope", "FifoThroughputLimit", "ContentBasedDeduplication")
	if a["DeduplicationScope"] != "messageGroup" || a["FifoThroughputLimit"] != "perMessageGroupId" || a["ContentBasedDeduplication"] != "true" {
		t.Errorf("high throughput attributes: %v", a)
	}
	_, err = e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DeduplicationScope": "global"}})
	wantError(t, err, "InvalidAttributeValue", "Invalid value for the parameter DeduplicationScope.", 400)
}

func TestFifoOrderingAndGroups(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("order.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	var seqs []string
	for i := 0; i < 3; i++ {
		seqs = append(seqs, *e.sendFifo(url, fmt.Sprint("a", i), "A", "").SequenceNumber)
		seqs = append(seqs, *e.sendFifo(url, fmt.Sprint("b", i), "B", "").SequenceNumber)
	}
	for i, s := range seqs {
		if len(s) < 20 || i > 0 && !(len(s) > len(seqs[i-1]) || s > seqs[i-1]) {
			t.Errorf("sequence numbers not increasing 20-digit numbers: %v", seqs)
			break
		}
	}
	// The oldest group first, as many of its messages as possible.
	first := e.receive(url, 2)
	if got := bodiesOf(first); got != "a0,a1" {
		t.Fatalf("first receive %q", got)
	}
	if first[0].Attributes["MessageGroupId"] != "A" || first[0].Attributes["SequenceNumber"] != seqs[0] ||
		first[0].Attributes["MessageDeduplicationId"] == "" {
		t.Errorf("FIFO attributes %v", first[0].Attributes)
	}
	// Group A is blocked while its messages are in flight.
	if got := bodiesOf(e.receive(url, 10)); got != "b0,b1,b2" {
		t.Fatalf("second receive %q", got)
	}
	if got := e.receive(url, 10); len(got) != 0 {
		t.Fatalf("blocked groups returned %q", bodiesOf(got))
	}
	if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if got := e.receive(url, 10); len(got) != 0 {
		t.Fatalf("group A unblocked with a1 in flight: %q", bodiesOf(got))
	}
	// When a1's visibility lapses it comes back before a2; group B, whose
	// oldest message is older, comes first.
	e.advance(30 * time.Second)
	got := e.receive(url, 10)
	if bodiesOf(got) != "b0,b1,b2,a1,a2" {
		t.Fatalf("after the timeout %q", bodiesOf(got))
	}
	// An expired FIFO receipt handle cannot delete.
	_, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first[1].ReceiptHandle})
	wantError(t, err, "InvalidParameterValue", "Value "+*first[1].ReceiptHandle+" for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", 400)
}

func TestFifoDeduplication(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("dedup.fifo", map[string]string{"FifoQueue": "true"})
	one := e.sendFifo(url, "body", "g", "d1")
	dup := e.sendFifo(url, "other body", "g", "d1")
	if *dup.MessageId != *one.MessageId || *dup.SequenceNumber != *one.SequenceNumber {
		t.Errorf("duplicate got a new id: %v %v", *dup.MessageId, *one.MessageId)
	}
	msgs := e.receive(url, 10)
	if len(msgs) != 1 {
		t.Fatalf("received %d", len(msgs))
	}
	e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: msgs[0].ReceiptHandle})
	// Still deduplicated after the delete, within five minutes.
	e.sendFifo(url, "body", "g", "d1")
	if got := e.receive(url, 10); len(got) != 0 {
		t.Fatalf("duplicate after delete delivered: %q", bodiesOf(got))
	}
	e.advance(5 * time.Minute)
	e.sendFifo(url, "body", "g", "d1")
	if got := e.receive(url, 10); len(got) != 1 {
		t.Fatalf("after the interval: %d messages", len(got))
	}

	// Content-based deduplication hashes the body.
	cbd := e.createQueue("cbd.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	a := e.sendFifo(cbd, "same", "g1", "")
	b := e.sendFifo(cbd, "same", "g2", "")
	e.sendFifo(cbd, "different", "g1", "")
	if *a.MessageId != *b.MessageId {
		t.Error("content-based deduplication across groups (scope queue) did not deduplicate")
	}
	got := e.receive(cbd, 10)
	if len(got) != 2 || got[0].Attributes["MessageDeduplicationId"] != "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5" {
		t.Errorf("content-based: %q %v", bodiesOf(got), got[0].Attributes)
	}

	// Deduplication scoped to the message group.
	scoped := e.createQueue("scoped.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup"})
	x := e.sendFifo(scoped, "x", "g1", "same")
	y := e.sendFifo(scoped, "y", "g2", "same")
	if *x.MessageId == *y.MessageId {
		t.Error("messageGroup scope deduplicated across groups")
	}
}

func TestFifoSendErrors(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("errors.fifo", map[string]string{"FifoQueue": "true"})
	_, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageDeduplicationId: str("d")})
	wantError(t, err, "MissingParameter", "The request must contain the parameter MessageGroupId.", 400)
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageGroupId: str("g")})
	wantError(t, err, "InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly", 400)
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageGroupId: str("g"),
		MessageDeduplicationId: str("d"), DelaySeconds: 2})
	wantError(t, err, "InvalidParameterValue", "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", 400)
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageGroupId: str(strings.Repeat("g", 129)),
		MessageDeduplicationId: str("d")})
	wantError(t, err, "InvalidParameterValue", "", 400)
	_, err = e.client.SendMessageBatch(e.ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: str("1"), MessageBody: str("x"), MessageDeduplicationId: str("d")}}})
	wantError(t, err, "InvalidParameterValue", "The request must contain the parameter MessageGroupId.", 400)
	_, err = e.client.SendMessageBatch(e.ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: str("1"), MessageBody: str("x"), MessageGroupId: str("g")}}})
	wantError(t, err, "InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly", 400)
}

func TestFifoReceiveRequestAttemptID(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("attempt.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	e.sendFifo(url, "one", "g", "")
	e.sendFifo(url, "two", "h", "")
	recv := func() []types.Message {
		out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, ReceiveRequestAttemptId: str("try-1")})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	a := recv()
	b := recv()
	if len(a) != 1 || len(b) != 1 || *a[0].ReceiptHandle != *b[0].ReceiptHandle || *a[0].Body != "one" {
		t.Fatalf("retried attempt returned %q then %q", bodiesOf(a), bodiesOf(b))
	}
	if got := e.receive(url, 10); bodiesOf(got) != "two" {
		t.Errorf("other receive %q", bodiesOf(got))
	}
}

func TestStandardQueueMessageGroupID(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("fair", nil)
	e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageGroupId: str("tenant-1")})
	if got := e.receive(url, 1); len(got) != 1 || got[0].Attributes["MessageGroupId"] != "tenant-1" {
		t.Errorf("fair queue message: %+v", got)
	}
}
