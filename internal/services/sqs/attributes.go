package sqs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// queueAttrs are a queue's settable attributes.
type queueAttrs struct {
	DelaySeconds                  int
	MaximumMessageSize            int
	MessageRetentionPeriod        int
	ReceiveMessageWaitTimeSeconds int
	VisibilityTimeout             int
	Policy                        string
	// RedrivePolicy is the policy as GetQueueAttributes returns it; its
	// parts are parsed into deadLetterARN and maxReceiveCount.
	RedrivePolicy      string
	deadLetterARN      string
	maxReceiveCount    int
	RedriveAllowPolicy string
	// FIFO queues only.
	ContentBasedDeduplication bool
	DeduplicationScope        string
	FifoThroughputLimit       string
	// Server-side encryption.
	KmsMasterKeyId               string
	KmsDataKeyReusePeriodSeconds int
	SqsManagedSseEnabled         bool
}

// Limits and defaults of queue attributes (docs/limits.md).
const (
	maxDelaySeconds       = 900
	minMessageSize        = 1024
	maxMessageSize        = 1 << 20
	minRetention          = 60
	maxRetention          = 1_209_600
	defaultRetention      = 345_600
	maxWaitSeconds        = 20
	maxVisibility         = 43_200
	defaultVisibility     = 30
	minKMSReuse           = 60
	maxKMSReuse           = 86_400
	defaultKMSReuse       = 300
	minMaxReceiveCount    = 1
	maxMaxReceiveCount    = 1000
	maxRedriveSourceARNs  = 10
	maxBatchEntries       = 10
	maxMessageAttributes  = 10
	maxBatchPayload       = 1 << 20
	maxAttributeNameBytes = 256
	maxTagsPerQueue       = 50
)

func defaultAttrs(fifo bool) queueAttrs {
	a := queueAttrs{
		MaximumMessageSize:           maxMessageSize,
		MessageRetentionPeriod:       defaultRetention,
		VisibilityTimeout:            defaultVisibility,
		KmsDataKeyReusePeriodSeconds: defaultKMSReuse,
		SqsManagedSseEnabled:         true,
	}
	if fifo {
		a.DeduplicationScope = "queue"
		a.FifoThroughputLimit = "perQueue"
	}
	return a
}

// settableAttributes are the attributes CreateQueue and SetQueueAttributes
// take, in the order they are applied (RedrivePolicy and the SSE pair are
// validated against the others).
var settableAttributes = []string{
	api.QueueAttributeNameDelaySeconds,
	api.QueueAttributeNameMaximumMessageSize,
	api.QueueAttributeNameMessageRetentionPeriod,
	api.QueueAttributeNameReceiveMessageWaitTimeSeconds,
	api.QueueAttributeNameVisibilityTimeout,
	api.QueueAttributeNamePolicy,
	api.QueueAttributeNameRedrivePolicy,
	api.QueueAttributeNameRedriveAllowPolicy,
	api.QueueAttributeNameFifoQueue,
	api.QueueAttributeNameContentBasedDeduplication,
	api.QueueAttributeNameDeduplicationScope,
	api.QueueAttributeNameFifoThroughputLimit,
	api.QueueAttributeNameKmsMasterKeyId,
	api.QueueAttributeNameKmsDataKeyReusePeriodSeconds,
	api.QueueAttributeNameSqsManagedSseEnabled,
}

var fifoOnlyAttributes = map[string]bool{
	api.QueueAttributeNameFifoQueue:                 true,
	api.QueueAttributeNameContentBasedDeduplication: true,
	api.QueueAttributeNameDeduplicationScope:        true,
	api.QueueAttributeNameFifoThroughputLimit:       true,
}

// redrivePolicy is the RedrivePolicy JSON document. maxReceiveCount is
// accepted as a number or a string, as SQS does.
type redrivePolicy struct {
	DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
	MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
}

// redriveAllowPolicy is the RedriveAllowPolicy JSON document.
type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

// attributeChange is a validated attribute update, ready to apply.
type attributeChange struct {
	attrs queueAttrs
	// deadLetter is the queue the new redrive policy names, if any.
	deadLetter *queue
}

// applyAttributes validates the attributes of a CreateQueue or
// SetQueueAttributes call against cur and returns the result. Queue
// lookups (the dead-letter queue of a redrive policy) go through s.
func (s *Service) applyAttributes(cur queueAttrs, fifo, creating bool, self queueRef, in map[string]string) (attributeChange, *awserr.Error) {
	next := cur
	var ch attributeChange
	for _, name := range settableAttributes {
		v, ok := in[name]
		if !ok {
			continue
		}
		if fifoOnlyAttributes[name] && !fifo {
			switch name {
			case api.QueueAttributeNameDeduplicationScope, api.QueueAttributeNameFifoThroughputLimit:
				return ch, api.ErrInvalidAttributeName("You can specify the " + name + " only when FifoQueue is set to true.")
			case api.QueueAttributeNameFifoQueue:
				if creating && strings.EqualFold(v, "false") {
					continue
				}
			}
			return ch, errUnknownAttribute(name)
		}
		switch name {
		case api.QueueAttributeNameDelaySeconds:
			n, ok := intIn(v, 0, maxDelaySeconds)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.DelaySeconds = n
		case api.QueueAttributeNameMaximumMessageSize:
			n, ok := intIn(v, minMessageSize, maxMessageSize)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.MaximumMessageSize = n
		case api.QueueAttributeNameMessageRetentionPeriod:
			n, ok := intIn(v, minRetention, maxRetention)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.MessageRetentionPeriod = n
		case api.QueueAttributeNameReceiveMessageWaitTimeSeconds:
			n, ok := intIn(v, 0, maxWaitSeconds)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.ReceiveMessageWaitTimeSeconds = n
		case api.QueueAttributeNameVisibilityTimeout:
			n, ok := intIn(v, 0, maxVisibility)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.VisibilityTimeout = n
		case api.QueueAttributeNamePolicy:
			if v != "" && !json.Valid([]byte(v)) {
				return ch, errAttributeValue(name)
			}
			next.Policy = v
		case api.QueueAttributeNameRedrivePolicy:
			if v == "" {
				next.RedrivePolicy, next.deadLetterARN, next.maxReceiveCount = "", "", 0
				continue
			}
			dlq, e := s.checkRedrivePolicy(v, fifo, self, &next)
			if e != nil {
				return ch, e
			}
			ch.deadLetter = dlq
		case api.QueueAttributeNameRedriveAllowPolicy:
			if v == "" {
				next.RedriveAllowPolicy = ""
				continue
			}
			if e := checkRedriveAllowPolicy(v); e != nil {
				return ch, e
			}
			next.RedriveAllowPolicy = v
		case api.QueueAttributeNameFifoQueue:
			if !strings.EqualFold(v, "true") {
				if creating {
					return ch, errAttributeValue(name)
				}
				return ch, api.ErrInvalidAttributeValue("Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
			}
		case api.QueueAttributeNameContentBasedDeduplication:
			b, ok := boolValue(v)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.ContentBasedDeduplication = b
		case api.QueueAttributeNameDeduplicationScope:
			if v != "queue" && v != "messageGroup" {
				return ch, errAttributeValue(name)
			}
			next.DeduplicationScope = v
		case api.QueueAttributeNameFifoThroughputLimit:
			if v != "perQueue" && v != "perMessageGroupId" {
				return ch, errAttributeValue(name)
			}
			next.FifoThroughputLimit = v
		case api.QueueAttributeNameKmsMasterKeyId:
			next.KmsMasterKeyId = v
		case api.QueueAttributeNameKmsDataKeyReusePeriodSeconds:
			n, ok := intIn(v, minKMSReuse, maxKMSReuse)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.KmsDataKeyReusePeriodSeconds = n
		case api.QueueAttributeNameSqsManagedSseEnabled:
			b, ok := boolValue(v)
			if !ok {
				return ch, errAttributeValue(name)
			}
			next.SqsManagedSseEnabled = b
		}
	}
	for name := range in {
		if !isSettable(name) {
			return ch, errUnknownAttribute(name)
		}
	}
	// The two kinds of server-side encryption exclude each other: naming a
	// KMS key turns SQS-managed encryption off unless the same call asks for
	// both.
	kms, kmsSet := in[api.QueueAttributeNameKmsMasterKeyId]
	sse, sseSet := in[api.QueueAttributeNameSqsManagedSseEnabled]
	if kmsSet && kms != "" && sseSet && strings.EqualFold(sse, "true") {
		return ch, api.ErrInvalidAttributeName("You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
	}
	switch {
	case kmsSet && kms != "":
		next.SqsManagedSseEnabled = false
	case sseSet && next.SqsManagedSseEnabled:
		next.KmsMasterKeyId = ""
	}
	ch.attrs = next
	return ch, nil
}

func isSettable(name string) bool {
	for _, n := range settableAttributes {
		if n == name {
			return true
		}
	}
	return false
}

// checkRedrivePolicy validates a RedrivePolicy value and stores it in a.
func (s *Service) checkRedrivePolicy(v string, fifo bool, self queueRef, a *queueAttrs) (*queue, *awserr.Error) {
	bad := func(reason string) *awserr.Error {
		return invalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: %s", v, reason)
	}
	var p redrivePolicy
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(v), &raw) != nil || json.Unmarshal([]byte(v), &p) != nil {
		return nil, bad("Redrive policy is not a valid JSON map.")
	}
	if _, ok := raw["deadLetterTargetArn"]; !ok {
		return nil, bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	if _, ok := raw["maxReceiveCount"]; !ok {
		return nil, bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	for k := range raw {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return nil, bad("Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
		}
	}
	countText := strings.Trim(string(p.MaxReceiveCount), `"`)
	count, err := strconv.Atoi(countText)
	if err != nil || count < minMaxReceiveCount || count > maxMaxReceiveCount {
		return nil, bad("Invalid value for maxReceiveCount: " + countText + ", valid values are from 1 to 1000 both inclusive.")
	}
	ref, ok := parseQueueARN(p.DeadLetterTargetArn)
	if !ok {
		return nil, bad("Invalid value for deadLetterTargetArn.")
	}
	if ref.account != self.account {
		return nil, bad("Dead-letter target owner should be same as the source.")
	}
	dlq := s.lookup(ref)
	if dlq == nil {
		return nil, bad("Dead letter target does not exist.")
	}
	if dlq.fifo != fifo {
		return nil, bad("Dead-letter queue must be same type of queue as the source.")
	}
	if allow := dlq.conf.Load().RedriveAllowPolicy; allow != "" {
		var ap redriveAllowPolicy
		_ = json.Unmarshal([]byte(allow), &ap)
		self := queueARN(self.region, self.account, self.name)
		switch ap.RedrivePermission {
		case "denyAll":
			return nil, bad("Queue " + p.DeadLetterTargetArn + " does not allow this queue to use it as a dead-letter queue.")
		case "byQueue":
			allowed := false
			for _, arn := range ap.SourceQueueArns {
				allowed = allowed || arn == self
			}
			if !allowed {
				return nil, bad("Queue " + p.DeadLetterTargetArn + " does not allow this queue to use it as a dead-letter queue.")
			}
		}
	}
	normalized, _ := json.Marshal(struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}{p.DeadLetterTargetArn, count})
	a.RedrivePolicy = string(normalized)
	a.deadLetterARN = p.DeadLetterTargetArn
	a.maxReceiveCount = count
	return dlq, nil
}

// checkRedriveAllowPolicy validates a RedriveAllowPolicy value.
func checkRedriveAllowPolicy(v string) *awserr.Error {
	bad := func(reason string) *awserr.Error {
		return invalidParameterValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", v, reason)
	}
	var p redriveAllowPolicy
	if json.Unmarshal([]byte(v), &p) != nil {
		return bad("Redrive allow policy is not a valid JSON map.")
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return bad("Only byQueue redrivePermission allows specifying sourceQueueArns.")
		}
	case "byQueue":
		if len(p.SourceQueueArns) == 0 || len(p.SourceQueueArns) > maxRedriveSourceARNs {
			return bad("sourceQueueArns must contain between 1 and 10 queue ARNs when redrivePermission is byQueue.")
		}
	default:
		return bad("Invalid value for redrivePermission. Valid values are allowAll, denyAll and byQueue.")
	}
	return nil
}

func intIn(v string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= lo && n <= hi
}

func boolValue(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// attributeValue returns a queue attribute as GetQueueAttributes reports
// it, and whether the queue has it. The caller holds q.mu and has ticked
// the queue.
func (q *queue) attributeValue(name string) (string, bool) {
	a := &q.attrs
	switch name {
	case api.QueueAttributeNameApproximateNumberOfMessages:
		return strconv.Itoa(q.visibleCount()), true
	case api.QueueAttributeNameApproximateNumberOfMessagesNotVisible:
		return strconv.Itoa(len(q.inflight)), true
	case api.QueueAttributeNameApproximateNumberOfMessagesDelayed:
		return strconv.Itoa(len(q.delayed)), true
	case api.QueueAttributeNameCreatedTimestamp:
		return strconv.FormatInt(q.created.Unix(), 10), true
	case api.QueueAttributeNameLastModifiedTimestamp:
		return strconv.FormatInt(q.modified.Unix(), 10), true
	case api.QueueAttributeNameQueueArn:
		return q.arn, true
	case api.QueueAttributeNameDelaySeconds:
		return strconv.Itoa(a.DelaySeconds), true
	case api.QueueAttributeNameMaximumMessageSize:
		return strconv.Itoa(a.MaximumMessageSize), true
	case api.QueueAttributeNameMessageRetentionPeriod:
		return strconv.Itoa(a.MessageRetentionPeriod), true
	case api.QueueAttributeNameReceiveMessageWaitTimeSeconds:
		return strconv.Itoa(a.ReceiveMessageWaitTimeSeconds), true
	case api.QueueAttributeNameVisibilityTimeout:
		return strconv.Itoa(a.VisibilityTimeout), true
	case api.QueueAttributeNamePolicy:
		return a.Policy, a.Policy != ""
	case api.QueueAttributeNameRedrivePolicy:
		return a.RedrivePolicy, a.RedrivePolicy != ""
	case api.QueueAttributeNameRedriveAllowPolicy:
		return a.RedriveAllowPolicy, a.RedriveAllowPolicy != ""
	case api.QueueAttributeNameFifoQueue:
		return "true", q.fifo
	case api.QueueAttributeNameContentBasedDeduplication:
		return strconv.FormatBool(a.ContentBasedDeduplication), q.fifo
	case api.QueueAttributeNameDeduplicationScope:
		return a.DeduplicationScope, q.fifo
	case api.QueueAttributeNameFifoThroughputLimit:
		return a.FifoThroughputLimit, q.fifo
	case api.QueueAttributeNameKmsMasterKeyId:
		return a.KmsMasterKeyId, a.KmsMasterKeyId != ""
	case api.QueueAttributeNameKmsDataKeyReusePeriodSeconds:
		return strconv.Itoa(a.KmsDataKeyReusePeriodSeconds), a.KmsMasterKeyId != ""
	case api.QueueAttributeNameSqsManagedSseEnabled:
		return strconv.FormatBool(a.SqsManagedSseEnabled), true
	}
	return "", false
}

// allAttributes lists what AttributeNames=All returns, in model order.
var allAttributes = []string{
	api.QueueAttributeNamePolicy,
	api.QueueAttributeNameVisibilityTimeout,
	api.QueueAttributeNameMaximumMessageSize,
	api.QueueAttributeNameMessageRetentionPeriod,
	api.QueueAttributeNameApproximateNumberOfMessages,
	api.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	api.QueueAttributeNameCreatedTimestamp,
	api.QueueAttributeNameLastModifiedTimestamp,
	api.QueueAttributeNameQueueArn,
	api.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	api.QueueAttributeNameDelaySeconds,
	api.QueueAttributeNameReceiveMessageWaitTimeSeconds,
	api.QueueAttributeNameRedrivePolicy,
	api.QueueAttributeNameFifoQueue,
	api.QueueAttributeNameContentBasedDeduplication,
	api.QueueAttributeNameKmsMasterKeyId,
	api.QueueAttributeNameKmsDataKeyReusePeriodSeconds,
	api.QueueAttributeNameDeduplicationScope,
	api.QueueAttributeNameFifoThroughputLimit,
	api.QueueAttributeNameRedriveAllowPolicy,
	api.QueueAttributeNameSqsManagedSseEnabled,
}

// knownAttribute reports whether name is a queue attribute name.
func knownAttribute(name string) bool {
	if name == api.QueueAttributeNameAll {
		return true
	}
	for _, n := range allAttributes {
		if n == name {
			return true
		}
	}
	return false
}

// GetQueueAttributes returns the named attributes of a queue (all of them
// for "All"); attributes the queue does not have are left out.
func (s *Service) GetQueueAttributes(ctx context.Context, in *api.GetQueueAttributesRequest) (*api.GetQueueAttributesResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	names := in.AttributeNames
	for _, n := range names {
		if !knownAttribute(n) {
			return nil, errUnknownAttribute(n)
		}
		if n == api.QueueAttributeNameAll {
			names = allAttributes
			break
		}
	}
	out := &api.GetQueueAttributesResult{}
	if len(names) == 0 {
		return out, nil
	}
	now := s.clock.Now()
	q.mu.Lock()
	if q.gone {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	dropped := q.tick(now, nil)
	out.Attributes = make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := q.attributeValue(n); ok {
			out.Attributes[n] = v
		}
	}
	s.persistDropped(q, dropped)
	q.mu.Unlock()
	return out, nil
}

// SetQueueAttributes changes a queue's attributes.
func (s *Service) SetQueueAttributes(ctx context.Context, in *api.SetQueueAttributesRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Attributes) == 0 {
		return &api.Empty{}, nil
	}
	// Validation looks other queues up, which must not happen under q.mu:
	// validate against a snapshot, and start over if another change landed
	// meanwhile.
	for {
		cur := *q.conf.Load()
		ch, e := s.applyAttributes(cur, q.fifo, false, q.ref, in.Attributes)
		if e != nil {
			return nil, e
		}
		q.mu.Lock()
		if q.gone {
			q.mu.Unlock()
			return nil, errQueueDoesNotExist()
		}
		if q.attrs != cur {
			q.mu.Unlock()
			continue
		}
		q.setAttrs(ch.attrs)
		q.modified = s.clock.Now()
		err := s.persistQueue(q)
		q.notify()
		q.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return &api.Empty{}, nil
	}
}
