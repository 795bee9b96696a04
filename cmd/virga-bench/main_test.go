package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestRunDispatch(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"rss", "-pid", strconv.Itoa(os.Getpid())}, 0, "pid " + strconv.Itoa(os.Getpid()) + ": RSS ", ""},
		{[]string{"rss"}, 1, "", "-pid is required"},
		{[]string{"frobnicate"}, 1, "", `unknown command "frobnicate"`},
		{[]string{"-workloads", "s3-put-4k"}, 1, "", "-targets is required"},
		{[]string{"run", "-h"}, 0, "", "-targets"},
		{[]string{"startup", "-url", "http://127.0.0.1:1/"}, 1, "", "-cmd is required"},
		{[]string{"lambda-cold", "-n", "3"}, 1, "", "-url is required"},
		{[]string{"lambda-cold", "-url", "http://127.0.0.1:1", "-runtimes", "java"}, 1, "", `unknown runtime "java"`},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := run(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.wantCode || !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, stdout with %q, stderr with %q",
				tt.args, code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}
