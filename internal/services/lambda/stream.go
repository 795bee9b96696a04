package lambda

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// InvokeWithResponseStream runs a function synchronously and answers with
// an event stream: the response as PayloadChunk events, sent as the
// function writes them when it streams its response (a chunked /response,
// as Lambda-Runtime-Function-Response-Mode: streaming runtimes post it),
// then one InvokeComplete event carrying the error (ErrorCode, the error
// type; ErrorDetails, its message) and the log tail. Errors found before
// the function runs (no such function, throttling, bad input) are ordinary
// API errors. DryRun answers 204 without running anything.
func (s *Service) InvokeWithResponseStream(ctx context.Context, in *api.InvokeWithResponseStreamRequest) (*api.InvokeWithResponseStreamResponse, error) {
	endpoint := s.noteEndpoint(ctx)
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q, aerr = qualifier(q, in.Qualifier); aerr != nil {
		return nil, aerr
	}
	if len(in.Payload) > maxSyncPayload {
		return nil, awserr.New("RequestEntityTooLargeException", 413,
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeWithResponseStream operation", maxSyncPayload)).With("Type", "User")
	}
	f.mu.Lock()
	v, aerr := f.resolve(q, s.random)
	f.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	if deref(in.InvocationType) == api.ResponseStreamingInvocationTypeDryRun {
		return &api.InvokeWithResponseStreamResponse{StatusCode: i32(204)}, nil
	}
	clientContext, payload, aerr := syncRequest(in.ClientContext, in.Payload)
	if aerr != nil {
		return nil, aerr
	}
	release, aerr := s.admit(f, v)
	if aerr != nil {
		return nil, aerr
	}
	arn := f.arn()
	if q != "" {
		arn += ":" + q
	}
	inv := invocation{requestID: s.ids.UUID(), payload: payload, clientContext: clientContext, endpoint: endpoint}
	tail := deref(in.LogType) == api.LogTypeTail
	return &api.InvokeWithResponseStreamResponse{
		StatusCode:                i32(200),
		ExecutedVersion:           str(v.name),
		ResponseStreamContentType: str("application/vnd.amazon.eventstream"),
		EventStream: func(yield func(api.InvokeWithResponseStreamResponseEvent) bool) {
			defer release()
			s.runStreaming(v, inv, arn, tail, yield)
		},
	}, nil
}

// runStreaming runs inv and yields its response chunks as they come, then
// the InvokeComplete event. It runs while the response is written, after
// the handler returned: it uses a context of its own (the invocation must
// not wait in gateway.Idle outside a handler) and keeps draining the
// function's output when the client goes away, so the instance ends its
// invocation cleanly.
func (s *Service) runStreaming(v *version, inv invocation, arn string, tail bool, yield func(api.InvokeWithResponseStreamResponseEvent) bool) {
	chunks := make(chan []byte)
	stop := make(chan struct{})
	defer close(stop)
	inv.chunk = func(p []byte) {
		select {
		case chunks <- p:
		case <-stop:
		}
	}
	done := make(chan outcome, 1)
	go func() { done <- s.run(context.Background(), v, inv, arn) }()
	open := true
	for {
		select {
		case p := <-chunks:
			if open && len(p) > 0 {
				open = yield(api.InvokeWithResponseStreamResponseEvent{PayloadChunk: &api.InvokeResponseStreamUpdate{Payload: p}})
			}
		case o := <-done:
			if !open {
				return
			}
			if o.functionError == "" && len(o.payload) > 0 {
				// A response the runtime did not stream.
				if !yield(api.InvokeWithResponseStreamResponseEvent{PayloadChunk: &api.InvokeResponseStreamUpdate{Payload: o.payload}}) {
					return
				}
			}
			complete := &api.InvokeWithResponseStreamCompleteEvent{}
			if o.functionError != "" {
				code := o.errorType
				if code == "" {
					var doc struct {
						ErrorType string `json:"errorType"`
					}
					json.Unmarshal(o.payload, &doc)
					code = cmp.Or(doc.ErrorType, o.functionError)
				}
				complete.ErrorCode = str(code)
				complete.ErrorDetails = str(errorMessage(o.payload))
			}
			if tail {
				complete.LogResult = str(o.logTail)
			}
			yield(api.InvokeWithResponseStreamResponseEvent{InvokeComplete: complete})
			return
		}
	}
}
