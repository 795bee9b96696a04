// Command gofunc is a test function built with aws-lambda-go.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action string `json:"action"`
	Ms     int    `json:"ms"`
	Size   int    `json:"size"`
	Text   string `json:"text"`
}

func handle(ctx context.Context, e event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	switch e.Action {
	case "error":
		return nil, errors.New("boom: " + e.Text)
	case "sleep":
		time.Sleep(time.Duration(e.Ms) * time.Millisecond)
		return "slept", nil
	case "print":
		fmt.Println("hello from go:", e.Text)
		return "printed", nil
	case "big":
		return strings.Repeat("x", e.Size), nil
	case "exit":
		os.Exit(3)
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		deadline, _ := ctx.Deadline()
		env["requestId"] = lc.AwsRequestID
		env["functionArn"] = lc.InvokedFunctionArn
		env["remainingMs"] = fmt.Sprint(time.Until(deadline).Milliseconds())
		env["pid"] = fmt.Sprint(os.Getpid())
		return env, nil
	}
	return e, nil
}

func main() { lambda.Start(handle) }
