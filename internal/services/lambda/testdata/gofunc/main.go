// Command gofunc is a test function built with aws-lambda-go.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	File   string `json:"file,omitempty"`
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
	case "stream":
		// A streamed response: "first ", then, once e.File exists (the
		// caller creates it when it has the first chunk), "second".
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("first "))
			for i := 0; i < 500 && e.File != ""; i++ {
				if _, err := os.Stat(e.File); err == nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			pw.Write([]byte("second"))
			pw.Close()
		}()
		return pr, nil
	case "streamerror":
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("partial"))
			pw.CloseWithError(errors.New("stream broke: " + e.Text))
		}()
		return pr, nil
	case "fill":
		return fmt.Sprint("filled ", len(fill(e.Size))), nil
	case "exit":
		// With a size, the process first fills that much memory, so that
		// its peak is known to be at least that.
		fmt.Fprintln(os.Stderr, "exiting after filling", len(fill(e.Size)), "bytes")
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

// fill returns n bytes, every one written, so that they are resident.
func fill(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func main() { lambda.Start(handle) }
