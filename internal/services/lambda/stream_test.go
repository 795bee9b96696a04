package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

// streamed is what an InvokeWithResponseStream call produced.
type streamed struct {
	out      *awslambda.InvokeWithResponseStreamOutput
	chunks   []string
	complete *types.InvokeWithResponseStreamCompleteEvent
}

// invokeStream calls InvokeWithResponseStream and reads every event;
// onChunk runs as each chunk arrives.
func (e *env) invokeStream(t *testing.T, in *awslambda.InvokeWithResponseStreamInput, onChunk func(string)) streamed {
	t.Helper()
	out, err := e.client.InvokeWithResponseStream(context.Background(), in)
	if err != nil {
		t.Fatalf("InvokeWithResponseStream: %v", err)
	}
	stream := out.GetStream()
	defer stream.Close()
	res := streamed{out: out}
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			res.chunks = append(res.chunks, string(v.Value.Payload))
			if onChunk != nil {
				onChunk(string(v.Value.Payload))
			}
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			if res.complete != nil {
				t.Fatal("two InvokeComplete events")
			}
			res.complete = &v.Value
		default:
			t.Fatalf("unexpected event %T", ev)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("event stream of %s (events %q): %v", in.Payload, res.chunks, err)
	}
	if res.complete == nil {
		t.Fatal("no InvokeComplete event")
	}
	return res
}

func TestInvokeWithResponseStream(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	e.create(t, "streamer", "provided.al2023", "bootstrap", goZip(t), func(in *awslambda.CreateFunctionInput) { in.Publish = true })

	// The function writes "first ", then waits until we have it before it
	// writes "second": the first chunk must reach us while it runs.
	flag := filepath.Join(t.TempDir(), "got-first")
	payload, _ := json.Marshal(map[string]string{"action": "stream", "file": flag})
	res := e.invokeStream(t, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: payload, LogType: types.LogTypeTail},
		func(chunk string) {
			if chunk == "first " {
				os.WriteFile(flag, nil, 0o644)
			}
		})
	if strings.Join(res.chunks, "|") != "first |second" {
		t.Fatalf("chunks %q (the first must arrive alone, before the function writes the second)", res.chunks)
	}
	if res.complete.ErrorCode != nil || res.complete.ErrorDetails != nil || res.out.StatusCode != 200 ||
		aws.ToString(res.out.ExecutedVersion) != "$LATEST" || aws.ToString(res.out.ResponseStreamContentType) != "application/vnd.amazon.eventstream" {
		t.Fatalf("complete %+v output %+v", res.complete, res.out)
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(res.complete.LogResult))
	if err != nil || !strings.Contains(string(tail), "REPORT RequestId: ") {
		t.Fatalf("log tail %q %v", tail, err)
	}

	// A buffered response arrives as a chunk too; versions run as usual.
	res = e.invokeStream(t, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Qualifier: aws.String("1"),
		Payload: []byte(`{"action":"echo","text":"hi"}`)}, nil)
	if strings.Join(res.chunks, "") != `{"action":"echo","ms":0,"size":0,"text":"hi"}` || aws.ToString(res.out.ExecutedVersion) != "1" ||
		res.complete.ErrorCode != nil || res.complete.LogResult != nil {
		t.Fatalf("buffered %q version %s complete %+v", res.chunks, aws.ToString(res.out.ExecutedVersion), res.complete)
	}

	// Function errors end the stream with InvokeComplete's error fields.
	res = e.invokeStream(t, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"action":"error","text":"x"}`)}, nil)
	if len(res.chunks) != 0 || aws.ToString(res.complete.ErrorCode) != "errorString" || aws.ToString(res.complete.ErrorDetails) != "boom: x" {
		t.Fatalf("error: chunks %q complete %+v", res.chunks, res.complete)
	}
	res = e.invokeStream(t, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"action":"streamerror","text":"midway"}`)}, nil)
	if strings.Join(res.chunks, "") != "partial" || aws.ToString(res.complete.ErrorCode) == "" || aws.ToString(res.complete.ErrorDetails) != "stream broke: midway" {
		t.Fatalf("stream error: chunks %q complete %q %q", res.chunks, aws.ToString(res.complete.ErrorCode), aws.ToString(res.complete.ErrorDetails))
	}
	// The instance survives a streamed error and serves the next call.
	res = e.invokeStream(t, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"action":"print","text":"z"}`)}, nil)
	if strings.Join(res.chunks, "") != `"printed"` {
		t.Fatalf("after a stream error: %q", res.chunks)
	}

	dry, err := e.client.InvokeWithResponseStream(ctx, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), InvocationType: types.ResponseStreamingInvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("dry run %+v %v", dry, err)
	}
	_, err = e.client.InvokeWithResponseStream(ctx, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("nope")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"nope")
	_, err = e.client.InvokeWithResponseStream(ctx, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Qualifier: aws.String("5")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"streamer:5")
	_, err = e.client.InvokeWithResponseStream(ctx, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte("not json")})
	apiError(t, err, "InvalidRequestContentException")
	_, err = e.client.InvokeWithResponseStream(ctx, &awslambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`"` + strings.Repeat("x", 6*1024*1024) + `"`)})
	mustFail(t, err, "RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeWithResponseStream operation")

	// Invoke of a function that streams gets the whole response.
	out := e.invoke(t, "streamer", `{"action":"stream"}`)
	if string(out.Payload) != "first second" || out.FunctionError != nil {
		t.Fatalf("Invoke of a streaming function: %q %v", out.Payload, out.FunctionError)
	}
	out = e.invoke(t, "streamer", `{"action":"streamerror","text":"again"}`)
	if out.FunctionError == nil || !strings.Contains(string(out.Payload), "stream broke: again") {
		t.Fatalf("Invoke of a failing stream: %q %v", out.Payload, out.FunctionError)
	}
}
