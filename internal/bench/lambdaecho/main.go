// Command lambdaecho is the function the lambda-invoke-go benchmark and the
// lambda-cold command of virga-bench invoke: built with aws-lambda-go, it
// returns its event unchanged and does no other work.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

// echo returns the event as it came.
func echo(_ context.Context, event json.RawMessage) (json.RawMessage, error) {
	return event, nil
}

func main() { lambda.Start(echo) }
