package sqs

import (
	"context"
	"fmt"
	"strings"

	"github.com/virga-aws/virga/internal/bus"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// deliver is SQS's bus handler: it sends a message from another service
// (a Lambda destination or dead-letter queue, later SNS and EventBridge) to
// the queue its target ARN names, through the same checks and journal as
// SendMessage. The sender is recorded as the source ARN's account.
func (s *Service) deliver(ctx context.Context, m bus.Message) error {
	ref, ok := parseQueueARN(m.Target)
	if !ok {
		return fmt.Errorf("sqs: %q is not a queue ARN", m.Target)
	}
	q := s.lookup(ref)
	if q == nil {
		return errQueueDoesNotExist()
	}
	sender := ref.account
	if parts := strings.SplitN(m.Source, ":", 6); len(parts) == 6 && parts[4] != "" {
		sender = parts[4]
	}
	ctx = request.With(ctx, &request.Info{Service: "sqs", Operation: "SendMessage",
		Account: ref.account, Region: ref.region, UserID: sender})
	body := string(m.Body)
	in := sendInput{body: &body}
	if len(m.Attributes) > 0 {
		in.attrs = map[string]api.MessageAttributeValue{}
		for name, v := range m.Attributes {
			dataType := "String"
			in.attrs[name] = api.MessageAttributeValue{DataType: &dataType, StringValue: &v}
		}
	}
	if m.GroupID != "" {
		in.groupID = &m.GroupID
	}
	if m.DeduplicationID != "" {
		in.dedupID = &m.DeduplicationID
	}
	if _, e := s.send(ctx, q, in, false); e != nil {
		return e
	}
	return nil
}
