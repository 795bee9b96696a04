package logs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestAWSCLI drives CloudWatch Logs with the AWS CLI (v1, botocore), when
// it is installed: create, put, get and filter.
func TestAWSCLI(t *testing.T) {
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	_, clk, srv := start(t)
	home := t.TempDir()
	run := func(args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", srv.URL(), "--output", "json", "logs"}, args...)...)
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
	mustRun := func(args ...string) map[string]any {
		t.Helper()
		out, stderr, err := run(args...)
		if err != nil {
			t.Fatalf("aws logs %v: %v: %s", args, err, stderr)
		}
		return out
	}
	mustRun("create-log-group", "--log-group-name", "/cli/app")
	mustRun("create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "s1")
	now := clk.Now().UnixMilli()
	events := fmt.Sprintf(`[{"timestamp":%d,"message":"ERROR boom"},{"timestamp":%d,"message":"{\"n\":9}"}]`, now-2000, now-1000)
	mustRun("put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "s1", "--log-events", events)
	out := mustRun("get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "s1", "--start-from-head")
	if evs, _ := out["events"].([]any); len(evs) != 2 || evs[0].(map[string]any)["message"] != "ERROR boom" {
		t.Errorf("get-log-events: %v", out)
	}
	out = mustRun("filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "{ $.n > 5 }")
	if evs, _ := out["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["logStreamName"] != "s1" {
		t.Errorf("filter-log-events: %v", out)
	}
	out = mustRun("describe-log-groups", "--log-group-name-prefix", "/cli")
	if gs, _ := out["logGroups"].([]any); len(gs) != 1 {
		t.Errorf("describe-log-groups: %v", out)
	}
	_, stderr, err := run("create-log-group", "--log-group-name", "/cli/app")
	if err == nil || !strings.Contains(stderr, "ResourceAlreadyExistsException") {
		t.Errorf("duplicate create-log-group: %v %s", err, stderr)
	}
	_, stderr, err = run("delete-log-group", "--log-group-name", "/cli/none")
	if err == nil || !strings.Contains(stderr, "ResourceNotFoundException") || !strings.Contains(stderr, "The specified log group does not exist.") {
		t.Errorf("delete-log-group: %v %s", err, stderr)
	}
}
