package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	sqssvc "github.com/virga-aws/virga/internal/services/sqs"
)

// TestStateSaveLoadCommands saves a server's state with "virga state
// save", resets it, loads the file with "virga state load" and checks the
// queue and its message through the SDK.
func TestStateSaveLoadCommands(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, sqssvc.New)
	client := sqs.NewFromConfig(servertest.Config(t, srv, "", ""))
	ctx := context.Background()
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("cli")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "world.tar")

	var stdout, stderr bytes.Buffer
	if code := runState([]string{"save", file, "--url", srv.URL()}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("save: exit %d: %s", code, stderr.String())
	}
	if info, err := os.Stat(file); err != nil || info.Size() == 0 {
		t.Fatalf("saved file: %v %v", info, err)
	}
	resp, err := http.Post(srv.URL()+"/_virga/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	stdout.Reset()
	if code := runState([]string{"--url=" + srv.URL(), "load", file}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("load: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"loaded":["sqs"]`) {
		t.Errorf("load output %q", stdout.String())
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "kept" {
		t.Fatalf("after load: %v %+v", err, out)
	}
}

// TestStateCommandErrors checks usage errors and a failed load.
func TestStateCommandErrors(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, sqssvc.New)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, []byte("not an archive"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "Usage"},
		{[]string{"save"}, 2, "Usage"},
		{[]string{"frobnicate", "x"}, 2, "Usage"},
		{[]string{"save", "x", "--url", "ftp://host"}, 2, "--url"},
		{[]string{"load", bad, "--url", srv.URL()}, 1, "400 Bad Request"},
		{[]string{"load", filepath.Join(dir, "missing.tar"), "--url", srv.URL()}, 1, "no such file"},
		{[]string{"save", filepath.Join(dir, "x.tar"), "--url", srv.URL(), "--service", "nosuch"}, 1, "nosuch"},
	} {
		var stdout, stderr bytes.Buffer
		code := runState(c.args, nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.tar")); !os.IsNotExist(err) {
		t.Errorf("a failed save left a file: %v", err)
	}
}
