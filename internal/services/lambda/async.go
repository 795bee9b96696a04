package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// Asynchronous invocation defaults (docs/limits.md).
const (
	defaultMaxRetries = 2
	defaultMaxAge     = 6 * time.Hour
	// throttleBackoffMax caps the back-off of throttled events.
	throttleBackoffMax = 5 * time.Minute
)

// asyncEvent is one queued asynchronous invocation.
type asyncEvent struct {
	requestID string
	payload   []byte
	endpoint  string
	arn       string // the invoked (possibly qualified) ARN
	enqueued  time.Time
	attempts  int // function attempts so far
	throttles int
	last      outcome
}

// enqueue accepts an event for asynchronous invocation of v.
func (s *Service) enqueue(f *function, v *version, q string, ev asyncEvent) {
	ev.enqueued = s.clock.Now()
	s.asyncWG.Add(1)
	go s.attempt(f, v, q, ev)
}

// eventSettings returns the retry and destination settings for a qualifier.
func (s *Service) eventSettings(f *function, q string) (retries int, maxAge time.Duration, onSuccess, onFailure, dlq string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	retries, maxAge = defaultMaxRetries, defaultMaxAge
	key := q
	if key == "" {
		key = latest
	}
	if c := f.eventConfigs[key]; c != nil {
		if c.maxRetries != nil {
			retries = int(*c.maxRetries)
		}
		if c.maxAge != nil {
			maxAge = time.Duration(*c.maxAge) * time.Second
		}
		onSuccess, onFailure = c.onSuccess, c.onFailure
	}
	dlq = f.latest.cfg.DeadLetterTarget
	return
}

// attempt runs one try of an asynchronous event and schedules what follows:
// a retry on the clock, or the final delivery to destinations.
func (s *Service) attempt(f *function, v *version, q string, ev asyncEvent) {
	defer s.asyncWG.Done()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	f.mu.Lock()
	deleted := f.deleted
	f.mu.Unlock()
	if closed || deleted {
		return
	}
	retries, maxAge, onSuccess, onFailure, dlq := s.eventSettings(f, q)
	if s.clock.Since(ev.enqueued) > maxAge {
		s.finish(f, v, ev, "EventAgeExceeded", onFailure, dlq)
		return
	}
	release, aerr := s.admit(f, v)
	if aerr != nil {
		// Throttled events stay queued and back off.
		ev.throttles++
		backoff := time.Second << min(ev.throttles-1, 9)
		backoff = min(backoff, throttleBackoffMax)
		s.later(backoff, f, v, q, ev)
		return
	}
	ev.attempts++
	o := s.run(context.Background(), v, invocation{requestID: ev.requestID, payload: ev.payload, endpoint: ev.endpoint}, ev.arn)
	release()
	ev.last = o
	if o.functionError == "" {
		if onSuccess != "" {
			s.deliver(f, v, ev, "Success", onSuccess)
		}
		return
	}
	if ev.attempts <= retries {
		// Lambda waits one minute before the first retry and two before
		// the second.
		s.later(time.Duration(ev.attempts)*time.Minute, f, v, q, ev)
		return
	}
	s.finish(f, v, ev, "RetriesExhausted", onFailure, dlq)
}

// later schedules another attempt on the service clock.
func (s *Service) later(d time.Duration, f *function, v *version, q string, ev asyncEvent) {
	s.asyncWG.Add(1)
	s.clock.AfterFunc(d, func() { s.attempt(f, v, q, ev) })
}

// finish sends a failed event to the on-failure destination and the
// dead-letter queue.
func (s *Service) finish(f *function, v *version, ev asyncEvent, condition, onFailure, dlq string) {
	if onFailure != "" {
		s.deliver(f, v, ev, condition, onFailure)
	}
	if dlq != "" {
		attrs := map[string]string{"RequestID": ev.requestID}
		if ev.last.functionError != "" {
			attrs["ErrorCode"] = "200"
			attrs["ErrorMessage"] = errorMessage(ev.last.payload)
		}
		s.send(f, dlq, ev.payload, attrs)
	}
}

// errorMessage extracts errorMessage from an error document.
func errorMessage(doc []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(doc, &e) == nil && e.ErrorMessage != "" {
		return e.ErrorMessage
	}
	return string(doc)
}

// destinationRecord is the document Lambda sends to destinations.
type destinationRecord struct {
	Version         string          `json:"version"`
	Timestamp       string          `json:"timestamp"`
	RequestContext  requestContext  `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext responseContext `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload,omitempty"`
}

type requestContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

type responseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// rawJSON embeds a payload as JSON, or as a JSON string when it is not.
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}

// deliver sends the destination record of an event.
func (s *Service) deliver(f *function, v *version, ev asyncEvent, condition, target string) {
	fnARN := ev.arn
	if !strings.Contains(strings.TrimPrefix(fnARN, f.arn()), ":") {
		fnARN = f.arn() + ":" + v.name
	}
	rec := destinationRecord{
		Version:   "1.0",
		Timestamp: s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: requestContext{
			RequestID: ev.requestID, FunctionArn: fnARN, Condition: condition, ApproximateInvokeCount: ev.attempts,
		},
		RequestPayload:  rawJSON(ev.payload),
		ResponseContext: responseContext{StatusCode: 200, ExecutedVersion: v.name, FunctionError: ev.last.functionError},
		ResponsePayload: rawJSON(ev.last.payload),
	}
	if condition == "EventAgeExceeded" && ev.attempts == 0 {
		rec.ResponseContext = responseContext{}
		rec.ResponsePayload = nil
	}
	body, _ := json.Marshal(rec)
	s.send(f, target, body, nil)
}

// send hands a body to the Destinations connection.
func (s *Service) send(f *function, target string, body []byte, attrs map[string]string) {
	if s.opts.Destinations == nil {
		s.log.Warn("lambda: no destination delivery is wired; record dropped", "function", f.key.name, "destination", target)
		return
	}
	if err := s.opts.Destinations.Deliver(context.Background(), target, body, attrs); err != nil {
		s.log.Warn("lambda: destination delivery failed", "function", f.key.name, "destination", target, "error", err)
	}
}

// checkDestination validates a destination ARN as AWS does.
func checkDestination(arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		switch parts[2] {
		case "sqs", "sns", "lambda", "events", "s3":
			return nil
		}
	}
	return invalidParameter(fmt.Sprintf("The destination ARN %s is invalid.", arn))
}

// eventConfigKey returns the qualifier key of an event invoke config.
func (s *Service) eventConfigTarget(ctx context.Context, name, param *string) (*function, string, error) {
	f, q, aerr := s.lookup(ctx, name)
	if aerr != nil {
		return nil, "", aerr
	}
	q, aerr = qualifier(q, param)
	if aerr != nil {
		return nil, "", aerr
	}
	if q == "" {
		q = latest
	}
	f.mu.Lock()
	_, aerr = f.resolveExact(q)
	f.mu.Unlock()
	if aerr != nil {
		return nil, "", aerr
	}
	return f, q, nil
}

func (c *eventConfig) toAPI(arn string) *api.FunctionEventInvokeConfig {
	out := &api.FunctionEventInvokeConfig{
		LastModified:             ptr(c.lastModified),
		FunctionArn:              str(arn),
		MaximumRetryAttempts:     c.maxRetries,
		MaximumEventAgeInSeconds: c.maxAge,
		DestinationConfig:        &api.DestinationConfig{OnSuccess: &api.OnSuccess{}, OnFailure: &api.OnFailure{}},
	}
	if c.onSuccess != "" {
		out.DestinationConfig.OnSuccess.Destination = str(c.onSuccess)
	}
	if c.onFailure != "" {
		out.DestinationConfig.OnFailure.Destination = str(c.onFailure)
	}
	return out
}

// applyEventConfig validates and applies settings onto c.
func applyEventConfig(c *eventConfig, retries, age *int32, dest *api.DestinationConfig) error {
	if retries != nil {
		c.maxRetries = retries
	}
	if age != nil {
		c.maxAge = age
	}
	if dest != nil {
		if dest.OnSuccess != nil {
			d := deref(dest.OnSuccess.Destination)
			if d != "" {
				if err := checkDestination(d); err != nil {
					return err
				}
			}
			c.onSuccess = d
		}
		if dest.OnFailure != nil {
			d := deref(dest.OnFailure.Destination)
			if d != "" {
				if err := checkDestination(d); err != nil {
					return err
				}
			}
			c.onFailure = d
		}
	}
	return nil
}

// PutFunctionEventInvokeConfig replaces the asynchronous invocation
// settings of a function, version or alias.
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, in *api.PutFunctionEventInvokeConfigRequest) (*api.FunctionEventInvokeConfig, error) {
	f, q, err := s.eventConfigTarget(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	c := &eventConfig{lastModified: s.clock.Now()}
	if err := applyEventConfig(c, in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.eventConfigs[q] = c
	aerr := s.journalFunction(f)
	f.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return c.toAPI(f.arn() + ":" + q), nil
}

// UpdateFunctionEventInvokeConfig changes some asynchronous invocation
// settings.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, in *api.UpdateFunctionEventInvokeConfigRequest) (*api.FunctionEventInvokeConfig, error) {
	f, q, err := s.eventConfigTarget(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.eventConfigs[q]
	c := &eventConfig{}
	if old != nil {
		*c = *old
	}
	c.lastModified = s.clock.Now()
	if err := applyEventConfig(c, in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig); err != nil {
		return nil, err
	}
	f.eventConfigs[q] = c
	if aerr := s.journalFunction(f); aerr != nil {
		return nil, aerr
	}
	return c.toAPI(f.arn() + ":" + q), nil
}

// GetFunctionEventInvokeConfig returns the asynchronous invocation
// settings.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, in *api.GetFunctionEventInvokeConfigRequest) (*api.FunctionEventInvokeConfig, error) {
	f, q, err := s.eventConfigTarget(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.eventConfigs[q]
	if c == nil {
		return nil, api.ErrResourceNotFoundException(fmt.Sprintf("The function %s:%s doesn't have an EventInvokeConfig", f.arn(), q)).With("Type", "User")
	}
	return c.toAPI(f.arn() + ":" + q), nil
}

// DeleteFunctionEventInvokeConfig removes the asynchronous invocation
// settings.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, in *api.DeleteFunctionEventInvokeConfigRequest) (*api.Empty, error) {
	f, q, err := s.eventConfigTarget(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.eventConfigs[q] == nil {
		return nil, api.ErrResourceNotFoundException(fmt.Sprintf("The function %s:%s doesn't have an EventInvokeConfig", f.arn(), q)).With("Type", "User")
	}
	delete(f.eventConfigs, q)
	if aerr := s.journalFunction(f); aerr != nil {
		return nil, aerr
	}
	return &api.Empty{}, nil
}

// InvokeAsync is the deprecated asynchronous invoke: it queues the event
// and answers 202.
func (s *Service) InvokeAsync(ctx context.Context, in *api.InvokeAsyncRequest) (*api.InvokeAsyncResponse, error) {
	endpoint := s.noteEndpoint(ctx)
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	var payload []byte
	if in.InvokeArgs != nil {
		b, err := io.ReadAll(io.LimitReader(in.InvokeArgs, maxAsyncPayload+1))
		if err != nil {
			return nil, err
		}
		payload = b
	}
	if len(payload) > maxAsyncPayload {
		return nil, invalidParameter(fmt.Sprintf("Request must be smaller than %d bytes for the InvokeAsync operation", maxAsyncPayload))
	}
	f.mu.Lock()
	v, aerr := f.resolve(q, s.random)
	f.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	arn := f.arn()
	if q != "" {
		arn += ":" + q
	}
	s.enqueue(f, v, q, asyncEvent{requestID: s.ids.UUID(), payload: payload, endpoint: endpoint, arn: arn})
	return &api.InvokeAsyncResponse{Status: i32(202)}, nil
}
