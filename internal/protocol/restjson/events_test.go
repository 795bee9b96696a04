package restjson_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/eventstream"
	"github.com/virga-aws/virga/internal/protocol/restjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// TestEventStream writes Lambda's InvokeWithResponseStream output through
// the codec and reads it with aws-sdk-go-v2's event-stream reader. The
// producer waits for the client to hold the first chunk before it yields
// the rest, so the test also proves each event is flushed as it is
// produced rather than at the end.
func TestEventStream(t *testing.T) {
	m := model.MustLoad("lambda")
	firstSeen := make(chan struct{})
	cleaned := make(chan struct{})
	srv := wiretest.Server(t, restjson.Codec{}, m, func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		events := protocol.EventStream(func(yield func(map[string]any) bool) {
			defer close(cleaned)
			if !yield(map[string]any{"PayloadChunk": map[string]any{"Payload": []byte("first ")}}) {
				return
			}
			select {
			case <-firstSeen:
			case <-time.After(10 * time.Second):
				t.Error("the first event never reached the client")
				return
			}
			if !yield(map[string]any{"PayloadChunk": map[string]any{"Payload": []byte("second")}}) {
				return
			}
			yield(map[string]any{"InvokeComplete": map[string]any{"ErrorCode": "Boom", "ErrorDetails": "went wrong", "LogResult": "bG9n"}})
		})
		return map[string]any{"StatusCode": int64(200), "ExecutedVersion": "3", "EventStream": events}, nil
	})
	client := lambda.NewFromConfig(wiretest.SDKConfig(srv))
	out, err := client.InvokeWithResponseStream(context.Background(), &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("f")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.GetStream().Close()
	if aws.ToString(out.ExecutedVersion) != "3" || out.StatusCode != 200 || aws.ToString(out.ResponseStreamContentType) != "application/vnd.amazon.eventstream" {
		t.Fatalf("output %d %q %q", out.StatusCode, aws.ToString(out.ExecutedVersion), aws.ToString(out.ResponseStreamContentType))
	}
	var payload strings.Builder
	var complete *ltypes.InvokeWithResponseStreamCompleteEvent
	for ev := range out.GetStream().Events() {
		switch v := ev.(type) {
		case *ltypes.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			if payload.Len() == 0 {
				close(firstSeen)
			}
			payload.Write(v.Value.Payload)
		case *ltypes.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			complete = &v.Value
		default:
			t.Fatalf("unexpected event %T", ev)
		}
	}
	if err := out.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	if payload.String() != "first second" || complete == nil || aws.ToString(complete.ErrorCode) != "Boom" ||
		aws.ToString(complete.ErrorDetails) != "went wrong" || aws.ToString(complete.LogResult) != "bG9n" {
		t.Fatalf("payload %q complete %+v", payload.String(), complete)
	}
	<-cleaned
}

// TestEventStreamWire checks the raw messages: headers and payloads as
// restJson1 frames them.
func TestEventStreamWire(t *testing.T) {
	m := model.MustLoad("lambda")
	srv := wiretest.Server(t, restjson.Codec{}, m, func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		return map[string]any{"StatusCode": int64(200), "EventStream": protocol.EventStream(func(yield func(map[string]any) bool) {
			_ = yield(map[string]any{"PayloadChunk": map[string]any{"Payload": []byte(`{"a":1}`)}}) &&
				yield(map[string]any{"InvokeComplete": map[string]any{}})
		})}, nil
	})
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/2021-11-15/functions/f/response-streaming-invocations", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" || resp.ContentLength != -1 {
		t.Fatalf("headers %v length %d", resp.Header, resp.ContentLength)
	}
	d := eventstream.NewDecoder(resp.Body)
	var got []string
	for {
		msg, err := d.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		et, _ := msg.StringHeader(":event-type")
		ct, _ := msg.StringHeader(":content-type")
		mt, _ := msg.StringHeader(":message-type")
		got = append(got, et+" "+ct+" "+mt+" "+string(msg.Payload))
	}
	want := "PayloadChunk application/octet-stream event {\"a\":1}\nInvokeComplete application/json event {}"
	if strings.Join(got, "\n") != want {
		t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
