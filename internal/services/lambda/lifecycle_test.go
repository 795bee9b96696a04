package lambda

import (
	"context"
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/logs"
)

func pidOf(t *testing.T, e *env, name string) int {
	t.Helper()
	out := e.invoke(t, name, `{"action":"env"}`)
	var env map[string]string
	if err := json.Unmarshal(out.Payload, &env); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	return atoi(env["pid"])
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestCloseKillsInstances(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	e.create(t, "a", "provided.al2023", "bootstrap", goZip(t))
	pid := pidOf(t, e, "a")
	if !alive(pid) {
		t.Fatal("instance not running")
	}
	e.srv.Close()
	if alive(pid) {
		t.Fatalf("instance %d survived Close", pid)
	}
}

func TestResetAndIdleReaping(t *testing.T) {
	c := clock.New()
	c.Freeze()
	e := start(t, server.Options{Clock: c}, Options{IdleTimeout: 5 * time.Minute})
	e.create(t, "idle", "provided.al2023", "bootstrap", goZip(t))
	pid := pidOf(t, e, "idle")
	c.Advance(4 * time.Minute)
	if pid2 := pidOf(t, e, "idle"); pid2 != pid {
		t.Fatalf("instance replaced before idle timeout: %d then %d", pid, pid2)
	}
	c.Advance(6 * time.Minute)
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("idle instance %d not reaped", pid)
	}
	pid = pidOf(t, e, "idle")
	e.svc.Reset()
	if alive(pid) || e.svc.InstanceCount() != 0 {
		t.Fatalf("Reset left instance %d", pid)
	}
	_, err := e.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("idle")})
	apiError(t, err, "ResourceNotFoundException")
}

func TestFunctionLogsInCloudWatch(t *testing.T) {
	var store *logs.Store
	logsCtor := func(d service.Deps) (*service.Service, error) {
		svc, st, err := logs.NewWithStore(d)
		store = st
		return svc, err
	}
	e := start(t, server.Options{}, Options{Logs: lazySink{&store}}, logsCtor)
	e.create(t, "logged", "provided.al2023", "bootstrap", goZip(t))
	e.invoke(t, "logged", `{"action":"print","text":"to cloudwatch"}`)
	cw := cloudwatchlogs.NewFromConfig(e.cfg)
	out, err := cw.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/logged")})
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, ev := range out.Events {
		text = append(text, *ev.Message)
		if !strings.Contains(*ev.LogStreamName, "/[$LATEST]") {
			t.Errorf("stream name %s", *ev.LogStreamName)
		}
	}
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "START RequestId:") || !strings.Contains(all, "hello from go: to cloudwatch") || !strings.Contains(all, "REPORT RequestId:") {
		t.Fatalf("log events %q", all)
	}
}

// lazySink resolves the logs store after the server built it.
type lazySink struct{ store **logs.Store }

func (l lazySink) Append(account, region, group, stream string, events []LogEvent) error {
	return CloudWatchLogs(*l.store).Append(account, region, group, stream, events)
}
