package sqs

import (
	"context"
	"testing"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/sqs/api"
	"github.com/virga-aws/virga/internal/state"
)

var benchBody = "virga-bench message body virga-bench message body virga-bench message body virga-bench message body "

// BenchmarkSendMessage measures SendMessage through the SDK, one client at
// a time (-cpu sets GOMAXPROCS for the Parallel variant).
func BenchmarkSendMessage(b *testing.B) {
	e := start(b, false)
	url := e.createQueue("bench-send", nil)
	in := &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &benchBody}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.SendMessage(e.ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendMessageParallel is SendMessage from concurrent clients.
func BenchmarkSendMessageParallel(b *testing.B) {
	e := start(b, false)
	url := e.createQueue("bench-send-par", nil)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		in := &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &benchBody}
		for pb.Next() {
			if _, err := e.client.SendMessage(e.ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// sendReceiveDelete is one iteration of the send+receive+delete workload.
func sendReceiveDelete(b *testing.B, e *env, url string) {
	if _, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &benchBody}); err != nil {
		b.Fatal(err)
	}
	out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1})
	if err != nil {
		b.Fatal(err)
	}
	if len(out.Messages) == 0 {
		b.Fatal("ReceiveMessage returned no message")
	}
	if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSendReceiveDelete measures one SendMessage, ReceiveMessage and
// DeleteMessage per iteration.
func BenchmarkSendReceiveDelete(b *testing.B) {
	e := start(b, false)
	url := e.createQueue("bench-srd", nil)
	b.ReportAllocs()
	for b.Loop() {
		sendReceiveDelete(b, e, url)
	}
}

// BenchmarkSendReceiveDeleteParallel is the same workload from concurrent
// clients on one queue.
func BenchmarkSendReceiveDeleteParallel(b *testing.B) {
	e := start(b, false)
	url := e.createQueue("bench-srd-par", nil)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sendReceiveDelete(b, e, url)
		}
	})
}

// newBareService returns the service without HTTP, for measuring the
// handlers alone.
func newBareService(b *testing.B) (*Service, string) {
	s := newService(service.Deps{}, state.Discard)
	out, err := s.CreateQueue(context.Background(), &api.CreateQueueRequest{QueueName: str("bare")})
	if err != nil {
		b.Fatal(err)
	}
	return s, *out.QueueUrl
}

// BenchmarkHandlersSendReceiveDelete measures the handlers of the
// send+receive+delete workload without HTTP or the SDK, from concurrent
// goroutines on one queue.
func BenchmarkHandlersSendReceiveDelete(b *testing.B) {
	s, url := newBareService(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		send := &api.SendMessageRequest{QueueUrl: &url, MessageBody: &benchBody}
		recv := &api.ReceiveMessageRequest{QueueUrl: &url}
		for pb.Next() {
			if _, err := s.SendMessage(ctx, send); err != nil {
				b.Fatal(err)
			}
			out, err := s.ReceiveMessage(ctx, recv)
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Messages) != 1 {
				b.Fatal("no message")
			}
			if _, err := s.DeleteMessage(ctx, &api.DeleteMessageRequest{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHandlersSendBacklog measures SendMessage into a queue that
// keeps growing, to show sends stay cheap as the queue fills.
func BenchmarkHandlersSendBacklog(b *testing.B) {
	s, url := newBareService(b)
	ctx := context.Background()
	send := &api.SendMessageRequest{QueueUrl: &url, MessageBody: &benchBody}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SendMessage(ctx, send); err != nil {
			b.Fatal(err)
		}
	}
}
