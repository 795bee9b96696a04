package sqs

import (
	"fmt"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestRedrivePolicyValidation(t *testing.T) {
	e := start(t, false)
	dlq := e.createQueue("dlq", nil)
	fifoDLQ := e.createQueue("dlq.fifo", map[string]string{"FifoQueue": "true"})
	src := e.createQueue("src", nil)
	dlqARN, fifoARN := e.arn(dlq), e.arn(fifoDLQ)
	set := func(policy string) error {
		_, err := e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &src,
			Attributes: map[string]string{"RedrivePolicy": policy}})
		return err
	}
	for _, tc := range []struct{ policy, reason string }{
		{`{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}`, "Invalid value for deadLetterTargetArn."},
		{`{"maxReceiveCount":"1000"}`, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn."},
		{`{"deadLetterTargetArn":"` + dlqARN + `"}`, "Redrive policy does not contain mandatory attribute: maxReceiveCount."},
		{`{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":0}`, "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive."},
		{`{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":1001}`, "Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive."},
		{`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1}`, "Dead letter target does not exist."},
		{`{"deadLetterTargetArn":"` + fifoARN + `","maxReceiveCount":1}`, "Dead-letter queue must be same type of queue as the source."},
		{`not json`, "Redrive policy is not a valid JSON map."},
	} {
		wantError(t, set(tc.policy), "InvalidParameterValue",
			"Value "+tc.policy+" for parameter RedrivePolicy is invalid. Reason: "+tc.reason, 400)
	}
	if err := set(`{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"5"}`); err != nil {
		t.Fatal(err)
	}
	if got := e.attrs(src, types.QueueAttributeNameRedrivePolicy)["RedrivePolicy"]; got != `{"deadLetterTargetArn":"`+dlqARN+`","maxReceiveCount":5}` {
		t.Errorf("RedrivePolicy %s", got)
	}
	list, err := e.client.ListDeadLetterSourceQueues(e.ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlq})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.QueueUrls) != 1 || list.QueueUrls[0] != src {
		t.Errorf("ListDeadLetterSourceQueues %v", list.QueueUrls)
	}
	if err := set(""); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.attrs(src)["RedrivePolicy"]; ok {
		t.Error("RedrivePolicy not cleared")
	}

	// The dead-letter queue's RedriveAllowPolicy.
	_, err = e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &dlq,
		Attributes: map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`}})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, set(`{"deadLetterTargetArn":"`+dlqARN+`","maxReceiveCount":1}`), "InvalidParameterValue", "", 400)
	_, err = e.client.SetQueueAttributes(e.ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &dlq,
		Attributes: map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}})
	wantError(t, err, "InvalidParameterValue", "", 400)
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	e := start(t, true)
	dlq := e.createQueue("dead", nil)
	src := e.createQueue("live", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":2}`, e.arn(dlq))})
	out, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &src, MessageBody: str("poison"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: str("String"), StringValue: str("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		got := e.receive(src, 1)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != fmt.Sprint(i) {
			t.Fatalf("receive %d: %+v", i, got)
		}
		e.advance(10 * time.Second)
	}
	// The third receive moves the message instead of returning it.
	if got := e.receive(src, 1); len(got) != 0 {
		t.Fatalf("third receive returned %q", bodiesOf(got))
	}
	if a := e.attrs(src); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("source after redrive: %v", a)
	}
	got := e.receive(dlq, 1)
	if len(got) != 1 {
		t.Fatal("message not in the dead-letter queue")
	}
	m := got[0]
	if *m.MessageId != *out.MessageId || *m.Body != "poison" || *m.MessageAttributes["k"].StringValue != "v" ||
		m.Attributes["DeadLetterQueueSourceArn"] != e.arn(src) || m.Attributes["ApproximateReceiveCount"] != "3" {
		t.Errorf("dead-lettered message %+v", m)
	}
}

func TestMessageMoveTask(t *testing.T) {
	e := start(t, true)
	dlq := e.createQueue("mt-dlq", nil)
	dlqARN := e.arn(dlq)
	src := e.createQueue("mt-src", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":1}`, dlqARN)})
	for i := 0; i < 5; i++ {
		e.send(src, fmt.Sprint("m", i))
	}
	for i := 0; i < 5; i++ {
		e.receive(src, 10)
	}
	if a := e.attrs(dlq); a["ApproximateNumberOfMessages"] != "5" {
		t.Fatalf("dead-letter queue holds %s messages", a["ApproximateNumberOfMessages"])
	}

	start, err := e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &dlqARN, MaxNumberOfMessagesPerSecond: aws32(2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &dlqARN})
	wantError(t, err, "InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.", 400)
	list := func() types.ListMessageMoveTasksResultEntry {
		t.Helper()
		out, err := e.client.ListMessageMoveTasks(e.ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: &dlqARN})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 1 {
			t.Fatalf("%d tasks", len(out.Results))
		}
		return out.Results[0]
	}
	waitMoved := func(n int64) types.ListMessageMoveTasksResultEntry {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if r := list(); r.ApproximateNumberOfMessagesMoved == n {
				return r
			}
		}
		t.Fatalf("task did not reach %d moved: %+v", n, list())
		return types.ListMessageMoveTasksResultEntry{}
	}
	r := waitMoved(2)
	if *r.Status != "RUNNING" || *r.TaskHandle != *start.TaskHandle || *r.ApproximateNumberOfMessagesToMove != 5 || *r.MaxNumberOfMessagesPerSecond != 2 {
		t.Errorf("running task %+v", r)
	}
	e.advance(time.Second)
	waitMoved(4)
	e.advance(time.Second)
	r = waitMoved(5)
	if *r.Status != "COMPLETED" || r.TaskHandle != nil || r.DestinationArn != nil {
		t.Errorf("completed task %+v", r)
	}
	if a := e.attrs(src); a["ApproximateNumberOfMessages"] != "5" {
		t.Errorf("source holds %s messages after the move", a["ApproximateNumberOfMessages"])
	}
	if a := e.attrs(dlq); a["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("dead-letter queue still holds %s", a["ApproximateNumberOfMessages"])
	}

	// To an explicit destination, cancelled midway.
	for i := 0; i < 5; i++ {
		e.receive(src, 10)
	}
	dest := e.createQueue("mt-dest", nil)
	destARN := e.arn(dest)
	task, err := e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &dlqARN, DestinationArn: &destARN, MaxNumberOfMessagesPerSecond: aws32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitMoved(1)
	cancel, err := e.client.CancelMessageMoveTask(e.ctx, &awssqs.CancelMessageMoveTaskInput{TaskHandle: task.TaskHandle})
	if err != nil {
		t.Fatal(err)
	}
	if cancel.ApproximateNumberOfMessagesMoved != 1 {
		t.Errorf("cancel reports %d moved", cancel.ApproximateNumberOfMessagesMoved)
	}
	e.advance(10 * time.Second)
	if r := list(); *r.Status != "CANCELLED" || r.ApproximateNumberOfMessagesMoved != 1 || *r.DestinationArn != destARN {
		t.Errorf("cancelled task %+v", r)
	}
	if a := e.attrs(dest); a["ApproximateNumberOfMessages"] != "1" {
		t.Errorf("destination holds %s", a["ApproximateNumberOfMessages"])
	}
	all, err := e.client.ListMessageMoveTasks(e.ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: &dlqARN, MaxResults: aws32(10)})
	if err != nil || len(all.Results) != 2 {
		t.Errorf("listing both tasks: %v %v", all, err)
	}

	// Errors.
	srcARN := e.arn(src)
	_, err = e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &srcARN})
	wantError(t, err, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.", 400)
	_, err = e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: str("arn:aws:sqs:us-east-1:000000000000:nope")})
	wantError(t, err, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.", 404)
	_, err = e.client.StartMessageMoveTask(e.ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &dlqARN, DestinationArn: str("arn:aws:sqs:us-east-1:000000000000:nope")})
	wantError(t, err, "ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.", 404)
	_, err = e.client.CancelMessageMoveTask(e.ctx, &awssqs.CancelMessageMoveTaskInput{TaskHandle: str("not-a-handle")})
	wantError(t, err, "InvalidParameterValue", "Value for parameter TaskHandle is invalid.", 400)
	_, err = e.client.CancelMessageMoveTask(e.ctx, &awssqs.CancelMessageMoveTaskInput{TaskHandle: str("eyJ0YXNrSWQiOiJ4Iiwic291cmNlQXJuIjoiYXJuOmF3czpzcXM6dXMtZWFzdC0xOjAwMDAwMDAwMDAwMDptdC1kbHEifQ==")})
	wantError(t, err, "ResourceNotFoundException", "Task does not exist.", 404)
	_, err = e.client.ListMessageMoveTasks(e.ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: str("arn:aws:sqs:us-east-1:000000000000:nope")})
	wantError(t, err, "ResourceNotFoundException", "", 404)
}
