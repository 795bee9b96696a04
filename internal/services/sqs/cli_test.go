package sqs

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestAWSCLI drives Virga's SQS with the AWS CLI (v1, botocore, which
// speaks SQS's JSON protocol and checks the message MD5s), when it is
// installed.
func TestAWSCLI(t *testing.T) {
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	e := start(t, false)
	home := t.TempDir()
	run := func(args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", e.srv.URL(), "--output", "json", "sqs"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+home+"/none", "AWS_SHARED_CREDENTIALS_FILE="+home+"/none",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var v map[string]any
		if err == nil && len(out) > 0 {
			if jerr := json.Unmarshal(out, &v); jerr != nil {
				t.Fatalf("aws %v: output %q: %v", args, out, jerr)
			}
		}
		return v, stderr.String(), err
	}
	out, stderr, err := run("create-queue", "--queue-name", "cli-q", "--attributes", "VisibilityTimeout=40")
	if err != nil {
		t.Fatalf("create-queue: %v: %s", err, stderr)
	}
	url, _ := out["QueueUrl"].(string)
	if url != e.srv.URL()+"/000000000000/cli-q" {
		t.Errorf("QueueUrl %q", url)
	}
	if _, stderr, err := run("send-message", "--queue-url", url, "--message-body", "from the cli",
		"--message-attributes", `{"n":{"DataType":"Number","StringValue":"42"},"b":{"DataType":"Binary","BinaryValue":"AAEC"}}`); err != nil {
		t.Fatalf("send-message: %v: %s", err, stderr)
	}
	out, stderr, err = run("receive-message", "--queue-url", url, "--attribute-names", "All", "--message-attribute-names", "All")
	if err != nil {
		t.Fatalf("receive-message: %v: %s", err, stderr)
	}
	msgs, _ := out["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("receive-message: %v", out)
	}
	m := msgs[0].(map[string]any)
	if m["Body"] != "from the cli" || m["MD5OfMessageAttributes"] == nil {
		t.Errorf("message %v", m)
	}
	_, stderr, err = run("get-queue-url", "--queue-name", "absent")
	if err == nil || !strings.Contains(stderr, "AWS.SimpleQueueService.NonExistentQueue") || !strings.Contains(stderr, "The specified queue does not exist.") {
		t.Errorf("get-queue-url of a missing queue: %v: %s", err, stderr)
	}
}
