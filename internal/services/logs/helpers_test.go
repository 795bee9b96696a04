package logs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
)

// start runs a server with just CloudWatch Logs on a frozen clock and
// returns a client for it, the clock and the server.
func start(t *testing.T) (*cwl.Client, *clock.Clock, *server.Server) {
	t.Helper()
	c := clock.New()
	c.Freeze()
	c.Set(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	srv := servertest.Start(t, server.Options{Clock: c}, New)
	return cwl.NewFromConfig(servertest.Config(t, srv, "", "")), c, srv
}

// wantErr checks that err is the AWS error code with message (when not "").
func wantErr(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Fatalf("got %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

func createGroupStream(t *testing.T, c *cwl.Client, group, stream string) {
	t.Helper()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if stream != "" {
		if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
			t.Fatal(err)
		}
	}
}
