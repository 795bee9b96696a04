package sqs

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/state"
)

// stateCall does GET (save) or POST (load) /_virga/state with a client
// that gives up after 5 s, so a call stuck behind a long poll fails.
func stateCall(t *testing.T, base, method string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, base+"/_virga/state", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s /_virga/state: %v", method, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s /_virga/state: %s %s", method, resp.Status, out)
	}
	return out
}

// TestStateDuringLongPoll checks that a save and a load do not wait for a
// pending 20-second long poll (the clock is frozen, so the poll would never
// end by itself), and that the poll goes on on the loaded queue.
func TestStateDuringLongPoll(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("polled", nil)
	e.send(url, "saved")
	archive := stateCall(t, e.srv.URL(), http.MethodGet, nil)
	if got := e.receive(url, 1); bodiesOf(got) != "saved" {
		t.Fatalf("receive %q", bodiesOf(got))
	}

	type result struct {
		out *awssqs.ReceiveMessageOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.client.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	e.waitForWaiters("polled", 1)

	stateCall(t, e.srv.URL(), http.MethodGet, nil)
	// The archive holds "saved" visible: the load ends the poll's wait on
	// the old queue, and the poll, continuing on the loaded one, gets it.
	stateCall(t, e.srv.URL(), http.MethodPost, archive)
	select {
	case r := <-done:
		if r.err != nil || bodiesOf(r.out.Messages) != "saved" {
			t.Fatalf("long poll after load: %v %q", r.err, bodiesOf(r.out.Messages))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll was not woken by the load")
	}
}

// TestStatePollContinuesOnLoadedQueue checks that a long poll pending during
// a load that leaves the queue empty keeps waiting on the loaded queue and
// gets a message sent after the load.
func TestStatePollContinuesOnLoadedQueue(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("polled", nil)
	archive := stateCall(t, e.srv.URL(), http.MethodGet, nil)
	done := make(chan []types.Message, 1)
	go func() {
		out, err := e.client.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		if err != nil {
			t.Error(err)
			done <- nil
			return
		}
		done <- out.Messages
	}()
	e.waitForWaiters("polled", 1)
	stateCall(t, e.srv.URL(), http.MethodPost, archive)
	e.waitForWaiters("polled", 1)
	e.send(url, "after load")
	if got := <-done; bodiesOf(got) != "after load" {
		t.Errorf("long poll got %q", bodiesOf(got))
	}
}

// TestStateLoadIsJournaled loads a snapshot into a server with a data
// directory and checks that a restart finds the loaded state, not the one
// before it.
func TestStateLoadIsJournaled(t *testing.T) {
	dir := t.TempDir()
	c := clock.New()
	c.Freeze()
	srv := servertest.Start(t, server.Options{Clock: c, DataDir: dir}, New)
	e := &env{t: t, srv: srv, clock: c, ctx: t.Context()}
	e.client = e.clientFor("", "")
	url := e.createQueue("kept", map[string]string{"DelaySeconds": "5"})
	e.send(url, "one")
	e.send(url, "two")
	archive := stateCall(t, srv.URL(), http.MethodGet, nil)
	other := e.createQueue("dropped-by-load", nil)
	e.send(other, "x")
	if _, err := e.client.DeleteQueue(e.ctx, &awssqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	stateCall(t, srv.URL(), http.MethodPost, archive)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2 := servertest.Start(t, server.Options{Clock: c, DataDir: dir}, New)
	e2 := &env{t: t, srv: srv2, clock: c, ctx: t.Context()}
	e2.client = e2.clientFor("", "")
	list, err := e2.client.ListQueues(e2.ctx, &awssqs.ListQueuesInput{})
	if err != nil || len(list.QueueUrls) != 1 || !strings.HasSuffix(list.QueueUrls[0], "/kept") {
		t.Fatalf("queues after restart: %v %v", list, err)
	}
	url2 := list.QueueUrls[0]
	if a := e2.attrs(url2); a["ApproximateNumberOfMessagesDelayed"] != "2" || a["DelaySeconds"] != "5" {
		t.Errorf("attributes after restart: %v", a)
	}
	e2.advance(5 * time.Second)
	if got := e2.receive(url2, 10); bodiesOf(got) != "one,two" && bodiesOf(got) != "two,one" {
		t.Errorf("messages after restart: %q", bodiesOf(got))
	}
}

// TestRestoreRejectsBadInput checks that snapshots that do not parse or
// hold impossible records fail without changing the service.
func TestRestoreRejectsBadInput(t *testing.T) {
	s := newService(service.Deps{Clock: clock.New()}, state.Discard)
	good := `{"ns":"sqs/queues","key":"000000000000/us-east-1/q","value":{"account":"000000000000","region":"us-east-1","name":"q","handleId":1,"created":1,"modified":1,"attributes":{"VisibilityTimeout":30,"MessageRetentionPeriod":345600,"MaximumMessageSize":262144}}}
{"ns":"sqs/messages/000000000000/us-east-1/q","key":"1","value":{"seq":1,"id":"m1","body":"hello","sentAt":1,"enqueuedAt":1,"state":2}}
`
	if err := s.Restore(strings.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	if err := s.Snapshot(&before); err != nil {
		t.Fatal(err)
	}
	if before.String() == "" || !strings.Contains(before.String(), `"body":"hello"`) {
		t.Fatalf("snapshot = %s", before.String())
	}
	for name, bad := range map[string]string{
		"not json":            "{{{",
		"cut short":           good[:len(good)-20],
		"unknown namespace":   `{"ns":"other","key":"k","value":{}}`,
		"bad queue name":      strings.Replace(good, `"name":"q"`, `"name":"no spaces"`, 1),
		"fifo without suffix": strings.Replace(good, `"name":"q"`, `"name":"q","fifo":true`, 1),
		"no value":            `{"ns":"sqs/queues","key":"k"}`,
		"duplicate message":   good + `{"ns":"sqs/messages/000000000000/us-east-1/q","key":"1","value":{"seq":1,"id":"m2","body":"again"}}` + "\n",
	} {
		if err := s.Restore(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
		var after bytes.Buffer
		s.Snapshot(&after)
		if after.String() != before.String() {
			t.Errorf("%s: state changed:\n%s", name, after.String())
		}
	}
}

// FuzzRestore feeds arbitrary snapshots to Restore: errors are fine,
// panics are not, and whatever is restored must snapshot and receive.
func FuzzRestore(f *testing.F) {
	f.Add(`{"ns":"sqs/queues","key":"a/b/q","value":{"account":"a","region":"b","name":"q","attributes":{"MessageRetentionPeriod":60}}}
{"ns":"sqs/messages/a/b/q","key":"1","value":{"seq":1,"id":"m","body":"x","state":3,"visibleAt":5}}`)
	f.Add(`{"ns":"sqs/queues","key":"a/b/q.fifo","value":{"account":"a","region":"b","name":"q.fifo","fifo":true}}
{"ns":"sqs/messages/a/b/q.fifo","key":"2","value":{"seq":2,"id":"m","body":"x","groupId":"g","state":3}}
{"ns":"sqs/messages/a/b/q.fifo","key":"3","value":{"seq":3,"id":"n","body":"y","groupId":"g","state":1,"availableAt":-4}}`)
	f.Add(`{"ns":"sqs/messages/a/b/none","key":"1","value":{}}`)
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		c := clock.New()
		c.Freeze()
		s := newService(service.Deps{Clock: c}, state.Discard)
		if err := s.Restore(strings.NewReader(in)); err != nil {
			return
		}
		if err := s.Snapshot(io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, q := range s.allQueues() {
			c.Advance(time.Hour)
			p := receiveParams{max: 10, visibility: time.Second}
			s.receiveOnce(q, &p, c.Now(), nil)
		}
	})
}
