package sqs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
)

// env is a running Virga with only SQS, a client for it, and its clock.
type env struct {
	t      testing.TB
	srv    *server.Server
	svc    *Service
	clock  *clock.Clock
	client *awssqs.Client
	ctx    context.Context
}

// start runs a server with a frozen clock when frozen is set.
func start(t testing.TB, frozen bool) *env {
	t.Helper()
	c := clock.New()
	if frozen {
		c.Freeze()
	}
	e := &env{t: t, clock: c, ctx: context.Background()}
	e.srv = servertest.Start(t, server.Options{Clock: c}, func(d service.Deps) (*service.Service, error) {
		s, svc, err := build(d)
		e.svc = s
		return svc, err
	})
	e.client = e.clientFor("", "")
	return e
}

// waitForWaiters waits until n receives long-poll the named queue (of the
// default account and region), so a test can move the clock knowing they
// have started waiting.
func (e *env) waitForWaiters(name string, n int) {
	e.t.Helper()
	q := e.svc.lookup(queueRef{"000000000000", "us-east-1", name})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		q.mu.Lock()
		got := len(q.waiters)
		q.mu.Unlock()
		if got >= n {
			return
		}
	}
	e.t.Fatalf("no receive long-polls %s", name)
}

// clientFor returns a client with an access key and region ("" for the
// defaults), without retries so errors surface at once.
func (e *env) clientFor(accessKey, region string) *awssqs.Client {
	cfg := servertest.Config(e.t, e.srv, accessKey, region)
	return awssqs.NewFromConfig(cfg, func(o *awssqs.Options) { o.Retryer = aws.NopRetryer{} })
}

// createQueue creates a queue and returns its URL.
func (e *env) createQueue(name string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl
}

func (e *env) send(url, body string) *awssqs.SendMessageOutput {
	e.t.Helper()
	out, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &body})
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return out
}

func (e *env) sendFifo(url, body, group, dedup string) *awssqs.SendMessageOutput {
	e.t.Helper()
	in := &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageGroupId: &group}
	if dedup != "" {
		in.MessageDeduplicationId = &dedup
	}
	out, err := e.client.SendMessage(e.ctx, in)
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return out
}

// receive receives up to n messages without waiting.
func (e *env) receive(url string, n int32) []types.Message {
	e.t.Helper()
	out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{
		QueueUrl: &url, MaxNumberOfMessages: n, WaitTimeSeconds: 0,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		e.t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func (e *env) attrs(url string, names ...types.QueueAttributeName) map[string]string {
	e.t.Helper()
	if len(names) == 0 {
		names = []types.QueueAttributeName{types.QueueAttributeNameAll}
	}
	out, err := e.client.GetQueueAttributes(e.ctx, &awssqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: names})
	if err != nil {
		e.t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes
}

func (e *env) arn(url string) string {
	e.t.Helper()
	return e.attrs(url, types.QueueAttributeNameQueueArn)["QueueArn"]
}

// advance moves the frozen clock.
func (e *env) advance(d time.Duration) { e.clock.Advance(d) }

// wantError checks an SDK error's code (what SDKs report: the query code
// for SQS's awsQueryCompatible JSON), message (when not "") and HTTP
// status (when not 0).
func wantError(t testing.TB, err error, code, message string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code %q, want %q (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Errorf("error message\n got %q\nwant %q", ae.ErrorMessage(), message)
	}
	if status != 0 {
		var re *awshttp.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("no HTTP response in %v", err)
		}
		if re.HTTPStatusCode() != status {
			t.Errorf("HTTP status %d, want %d", re.HTTPStatusCode(), status)
		}
	}
}

func str(s string) *string { return &s }
