package server_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	sqssvc "github.com/virga-aws/virga/internal/services/sqs"
	stssvc "github.com/virga-aws/virga/internal/services/sts"
)

// world is a server with SQS and STS on a frozen clock, and clients.
type world struct {
	t     *testing.T
	srv   *server.Server
	clock *clock.Clock
	sqs   *sqs.Client
	sts   *sts.Client
	ctx   context.Context
}

func startWorld(t *testing.T) *world {
	c := clock.New()
	c.Freeze()
	srv := servertest.Start(t, server.Options{Clock: c}, sqssvc.New, stssvc.New)
	cfg := servertest.Config(t, srv, "", "")
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return &world{t: t, srv: srv, clock: c, sqs: sqs.NewFromConfig(cfg), sts: sts.NewFromConfig(cfg), ctx: context.Background()}
}

// stsAs returns an STS client signing with the given credentials.
func (w *world) stsAs(creds aws.Credentials) *sts.Client {
	cfg := servertest.Config(w.t, w.srv, "", "")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	return sts.NewFromConfig(cfg)
}

func (w *world) callerARN(creds aws.Credentials) string {
	w.t.Helper()
	out, err := w.stsAs(creds).GetCallerIdentity(w.ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.Arn)
}

// save fetches GET /_virga/state.
func (w *world) save(query string) []byte {
	w.t.Helper()
	resp, err := http.Get(w.srv.URL() + "/_virga/state" + query)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-tar" {
		w.t.Fatalf("save: %s %s: %s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	return body
}

// load posts an archive and returns the status and the decoded answer.
func (w *world) load(query string, archive []byte) (int, map[string]any) {
	w.t.Helper()
	resp, err := http.Post(w.srv.URL()+"/_virga/state"+query, "application/x-tar", bytes.NewReader(archive))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, out
}

func (w *world) reset() {
	w.t.Helper()
	resp, err := http.Post(w.srv.URL()+"/_virga/reset", "", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
}

func (w *world) queueURL(name string) (string, error) {
	out, err := w.sqs.GetQueueUrl(w.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.QueueUrl), nil
}

func (w *world) counts(url string) [3]string {
	w.t.Helper()
	out, err := w.sqs.GetQueueAttributes(w.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil {
		w.t.Fatal(err)
	}
	a := out.Attributes
	return [3]string{a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"], a["ApproximateNumberOfMessagesDelayed"]}
}

// prepared is what buildWorld made.
type prepared struct {
	work, fifo string
	inflight   string // receipt handle of the message in flight
	session    aws.Credentials
	roleARN    string
}

// buildWorld makes queues with messages visible, in flight (received
// twice) and delayed, a FIFO queue, and an assumed-role session.
func (w *world) buildWorld() prepared {
	t := w.t
	var p prepared
	q, err := w.sqs.CreateQueue(w.ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String("work"),
		Attributes: map[string]string{"VisibilityTimeout": "45"},
		Tags:       map[string]string{"team": "blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.work = aws.ToString(q.QueueUrl)
	for _, body := range []string{"first", "second"} {
		if _, err := w.sqs.SendMessage(w.ctx, &sqs.SendMessageInput{QueueUrl: &p.work, MessageBody: aws.String(body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				"kind": {DataType: aws.String("String"), StringValue: aws.String(body + "-kind")},
				"blob": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
			}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.sqs.SendMessage(w.ctx, &sqs.SendMessageInput{QueueUrl: &p.work, MessageBody: aws.String("later"), DelaySeconds: 60}); err != nil {
		t.Fatal(err)
	}
	// Receive "first" twice: once for 1 s, then for 100 s.
	for _, vis := range []int32{1, 100} {
		w.clock.Advance(time.Second)
		out, err := w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.work, VisibilityTimeout: vis})
		if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "first" {
			t.Fatalf("receive: %v %+v", err, out)
		}
		p.inflight = aws.ToString(out.Messages[0].ReceiptHandle)
	}
	f, err := w.sqs.CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	p.fifo = aws.ToString(f.QueueUrl)
	if _, err := w.sqs.SendMessage(w.ctx, &sqs.SendMessageInput{QueueUrl: &p.fifo, MessageBody: aws.String("order-1"), MessageGroupId: aws.String("g1")}); err != nil {
		t.Fatal(err)
	}
	role, err := w.sts.AssumeRole(w.ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/deployer"), RoleSessionName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	p.session = aws.Credentials{AccessKeyID: aws.ToString(role.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(role.Credentials.SecretAccessKey), SessionToken: aws.ToString(role.Credentials.SessionToken)}
	p.roleARN = "arn:aws:sts::111122223333:assumed-role/deployer/ci"
	if got := w.callerARN(p.session); got != p.roleARN {
		t.Fatalf("assumed identity = %s", got)
	}
	return p
}

// TestStateSaveResetLoad saves a world, resets, loads it back and checks
// through the SDKs that queues, messages (visible, in flight, delayed),
// attributes, receive counts, receipt handles and the assumed-role session
// all came back; saving again gives the same archive.
func TestStateSaveResetLoad(t *testing.T) {
	w := startWorld(t)
	p := w.buildWorld()
	archive := w.save("")
	if got := entryNames(t, archive); !slices.Equal(got, []string{"manifest.json", "sqs.json", "sts.json"}) {
		t.Fatalf("archive entries = %v", got)
	}

	w.reset()
	if _, err := w.queueURL("work"); err == nil {
		t.Fatal("queue survived the reset")
	}
	if got := w.callerARN(p.session); got == p.roleARN {
		t.Fatal("session survived the reset")
	}

	status, out := w.load("", archive)
	if status != 200 || !slices.Equal(toStrings(out["loaded"]), []string{"sqs", "sts"}) {
		t.Fatalf("load: %d %v", status, out)
	}
	if again := w.save(""); !bytes.Equal(again, archive) {
		t.Error("saving the loaded state gives a different archive")
	}
	if got := w.callerARN(p.session); got != p.roleARN {
		t.Errorf("after load, assumed identity = %s, want %s", got, p.roleARN)
	}
	if url, err := w.queueURL("work"); err != nil || url != p.work {
		t.Fatalf("work queue: %q %v", url, err)
	}
	if got := w.counts(p.work); got != [3]string{"1", "1", "1"} {
		t.Errorf("visible, in flight, delayed = %v, want 1 1 1", got)
	}
	attrs, err := w.sqs.GetQueueAttributes(w.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &p.work, AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "45" {
		t.Errorf("VisibilityTimeout: %v %v", attrs, err)
	}
	tags, err := w.sqs.ListQueueTags(w.ctx, &sqs.ListQueueTagsInput{QueueUrl: &p.work})
	if err != nil || tags.Tags["team"] != "blue" {
		t.Errorf("tags: %v %v", tags, err)
	}

	// The visible message, with its attributes (the SDK checks the MD5s).
	got, err := w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.work, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive after load: %v %+v", err, got)
	}
	m := got.Messages[0]
	if aws.ToString(m.Body) != "second" || aws.ToString(m.MessageAttributes["kind"].StringValue) != "second-kind" ||
		!bytes.Equal(m.MessageAttributes["blob"].BinaryValue, []byte{0, 1, 2}) || m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("message = %s %v %v", aws.ToString(m.Body), m.MessageAttributes, m.Attributes)
	}
	if _, err := w.sqs.DeleteMessage(w.ctx, &sqs.DeleteMessageInput{QueueUrl: &p.work, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}

	// The message in flight comes back when its 100 s end, with its two
	// earlier receives counted.
	w.clock.Advance(100 * time.Second)
	got, err = w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.work,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "first" || got.Messages[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("in-flight message after load: %v %+v", err, got)
	}
	// The delayed message is visible once its delay has passed.
	got, err = w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.work})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "later" {
		t.Fatalf("delayed message after load: %v %+v", err, got)
	}
	got, err = w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.fifo, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "order-1" || got.Messages[0].Attributes["MessageGroupId"] != "g1" {
		t.Fatalf("fifo message after load: %v %+v", err, got)
	}
}

// TestStateReceiptHandleSurvivesLoad deletes a message in flight with the
// receipt handle issued before the save.
func TestStateReceiptHandleSurvivesLoad(t *testing.T) {
	w := startWorld(t)
	p := w.buildWorld()
	archive := w.save("?service=sqs")
	if got := entryNames(t, archive); !slices.Equal(got, []string{"manifest.json", "sqs.json"}) {
		t.Fatalf("archive entries = %v", got)
	}
	w.reset()
	if status, out := w.load("", archive); status != 200 {
		t.Fatalf("load: %d %v", status, out)
	}
	if _, err := w.sqs.DeleteMessage(w.ctx, &sqs.DeleteMessageInput{QueueUrl: &p.work, ReceiptHandle: &p.inflight}); err != nil {
		t.Fatal(err)
	}
	if got := w.counts(p.work); got != [3]string{"1", "0", "1"} {
		t.Errorf("visible, in flight, delayed = %v, want 1 0 1", got)
	}
}

// TestStateLoadSubset loads only SQS from a whole archive: the STS entry is
// skipped and sessions issued since the save keep working.
func TestStateLoadSubset(t *testing.T) {
	w := startWorld(t)
	w.buildWorld()
	archive := w.save("")
	w.reset()
	role, err := w.sts.AssumeRole(w.ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/late"), RoleSessionName: aws.String("s2")})
	if err != nil {
		t.Fatal(err)
	}
	late := aws.Credentials{AccessKeyID: *role.Credentials.AccessKeyId, SecretAccessKey: *role.Credentials.SecretAccessKey, SessionToken: *role.Credentials.SessionToken}
	status, out := w.load("?service=sqs", archive)
	if status != 200 || !slices.Equal(toStrings(out["loaded"]), []string{"sqs"}) {
		t.Fatalf("load: %d %v", status, out)
	}
	if _, err := w.queueURL("work"); err != nil {
		t.Error(err)
	}
	if got := w.callerARN(late); got != "arn:aws:sts::444455556666:assumed-role/late/s2" {
		t.Errorf("session issued after the save: %s", got)
	}
}

// TestStateLoadCorrupt checks what a damaged archive does: 400, and every
// service whose entry comes at or after the damage keeps its state.
func TestStateLoadCorrupt(t *testing.T) {
	w := startWorld(t)
	p := w.buildWorld()
	archive := w.save("")
	// Change the world after the save: a new queue, and a new session.
	if _, err := w.sqs.CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String("after-save")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sqs.DeleteQueue(w.ctx, &sqs.DeleteQueueInput{QueueUrl: &p.fifo}); err != nil {
		t.Fatal(err)
	}
	role, err := w.sts.AssumeRole(w.ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/late"), RoleSessionName: aws.String("s2")})
	if err != nil {
		t.Fatal(err)
	}
	late := aws.Credentials{AccessKeyID: *role.Credentials.AccessKeyId, SecretAccessKey: *role.Credentials.SecretAccessKey, SessionToken: *role.Credentials.SessionToken}
	untouched := func(what string) {
		t.Helper()
		if _, err := w.queueURL("after-save"); err != nil {
			t.Errorf("%s: SQS was changed: %v", what, err)
		}
		if _, err := w.queueURL("orders.fifo"); err == nil {
			t.Errorf("%s: SQS was changed: orders.fifo is back", what)
		}
	}
	stsUntouched := func(what string) {
		t.Helper()
		if got := w.callerARN(late); got != "arn:aws:sts::444455556666:assumed-role/late/s2" {
			t.Errorf("%s: STS was changed: %s", what, got)
		}
	}

	// Entries are 512-byte headers and data padded to 512: the manifest,
	// then sqs.json from byte 1024; cut 100 bytes into its data.
	if got := entryNames(t, archive); got[1] != "sqs.json" {
		t.Fatalf("entries = %v", got)
	}
	cut := archive[:1024+512+100]
	cases := []struct {
		name     string
		archive  []byte
		restored []string
	}{
		{"not a tar", []byte("hello, world"), nil},
		{"empty", nil, nil},
		{"bad sqs entry", replaceEntry(t, archive, "sqs.json", []byte(`{"ns":"sqs/queues","key":"x","value":{"name":"bad name!"}}`)), nil},
		{"sqs entry not json", replaceEntry(t, archive, "sqs.json", []byte("\x00\x01garbage")), nil},
		{"unknown service", addEntry(t, archive, "nosuch.json", []byte("{}")), nil},
		{"cut in the middle", cut, nil},
	}
	for _, c := range cases {
		status, out := w.load("", c.archive)
		if status != 400 || out["error"] == "" || len(toStrings(out["restored"])) != 0 {
			t.Errorf("%s: %d %v", c.name, status, out)
		}
		untouched(c.name)
		stsUntouched(c.name)
	}

	// Damage in the STS entry: SQS (before it) is loaded, STS is not.
	status, out := w.load("", replaceEntry(t, archive, "sts.json", []byte(`{"sessions":[{"accessKeyId":""}]}`)))
	if status != 400 || !slices.Equal(toStrings(out["restored"]), []string{"sqs"}) {
		t.Fatalf("bad sts entry: %d %v", status, out)
	}
	stsUntouched("bad sts entry")
	if _, err := w.queueURL("orders.fifo"); err != nil {
		t.Errorf("bad sts entry: SQS was not loaded: %v", err)
	}
	if _, err := w.queueURL("after-save"); err == nil {
		t.Error("bad sts entry: SQS kept a queue made after the save")
	}
}

// TestStateAPIErrors checks methods and service names.
func TestStateAPIErrors(t *testing.T) {
	w := startWorld(t)
	req, _ := http.NewRequest(http.MethodDelete, w.srv.URL()+"/_virga/state", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, POST, PUT" {
		t.Errorf("DELETE: %s %v", resp.Status, resp.Header)
	}
	resp, err = http.Get(w.srv.URL() + "/_virga/state?service=sqs,nosuch")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `\"nosuch\"`) {
		t.Errorf("unknown service: %s %s", resp.Status, body)
	}
	// PUT loads too.
	archive := w.save("")
	req, _ = http.NewRequest(http.MethodPut, w.srv.URL()+"/_virga/state", bytes.NewReader(archive))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("PUT: %s", resp.Status)
	}
}

// TestResetDuringUse checks that a reset between requests leaves a
// working server (reset pauses the gateway like state loads do).
func TestResetDuringUse(t *testing.T) {
	w := startWorld(t)
	w.buildWorld()
	w.reset()
	_, err := w.sqs.SendMessage(w.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(w.srv.URL() + "/000000000000/work"), MessageBody: aws.String("x")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("send after reset: %v", err)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func entryNames(t *testing.T, archive []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// rewrite copies an archive entry by entry, letting edit change each
// entry's data (nil drops it), and puts extra entries right after the
// manifest.
func rewrite(t *testing.T, archive []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	put := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if data = edit(h.Name, data); data != nil {
			put(h.Name, data)
		}
		if h.Name == "manifest.json" {
			for name, data := range extra {
				put(name, data)
			}
		}
	}
	tw.Close()
	return out.Bytes()
}

func replaceEntry(t *testing.T, archive []byte, name string, data []byte) []byte {
	return rewrite(t, archive, func(n string, d []byte) []byte {
		if n == name {
			return data
		}
		return d
	}, nil)
}

func addEntry(t *testing.T, archive []byte, name string, data []byte) []byte {
	return rewrite(t, archive, func(_ string, d []byte) []byte { return d }, map[string][]byte{name: data})
}
