package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// Message limits (docs/limits.md).
const (
	maxReceiveMessages = 10
	maxFifoIDLength    = 128
	maxBatchIDLength   = 80
)

// sendInput is one message to send, from SendMessage or a batch entry.
type sendInput struct {
	body    *string
	delay   *int32
	attrs   map[string]api.MessageAttributeValue
	sys     map[string]api.MessageSystemAttributeValue
	dedupID *string
	groupID *string
}

// sent is the outcome of one send.
type sent struct {
	id, md5Body, md5Attrs, md5Sys, seqNumber string
}

// SendMessage sends one message.
func (s *Service) SendMessage(ctx context.Context, in *api.SendMessageRequest) (*api.SendMessageResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	r, e := s.send(ctx, q, sendInput{in.MessageBody, in.DelaySeconds, in.MessageAttributes,
		in.MessageSystemAttributes, in.MessageDeduplicationId, in.MessageGroupId}, false)
	if e != nil {
		return nil, e
	}
	out := &api.SendMessageResult{MessageId: &r.id, MD5OfMessageBody: &r.md5Body}
	if r.md5Attrs != "" {
		out.MD5OfMessageAttributes = &r.md5Attrs
	}
	if r.md5Sys != "" {
		out.MD5OfMessageSystemAttributes = &r.md5Sys
	}
	if r.seqNumber != "" {
		out.SequenceNumber = &r.seqNumber
	}
	return out, nil
}

// send validates and stores one message.
func (s *Service) send(ctx context.Context, q *queue, in sendInput, batch bool) (sent, *awserr.Error) {
	cfg := q.conf.Load()
	m, e := s.buildMessage(ctx, q, cfg, in, batch)
	if e != nil {
		return sent{}, e
	}
	now := s.clock.Now()
	m.sentAt, m.enqueuedAt = now, now
	if q.fifo {
		m.availableAt = now.Add(time.Duration(cfg.DelaySeconds) * time.Second)
	} else if in.delay != nil {
		m.availableAt = now.Add(time.Duration(*in.delay) * time.Second)
	} else {
		m.availableAt = now.Add(time.Duration(cfg.DelaySeconds) * time.Second)
	}
	q.mu.Lock()
	if q.gone {
		q.mu.Unlock()
		return sent{}, errQueueDoesNotExist()
	}
	dropped := q.tick(now, nil)
	if q.fifo {
		key := m.dedupID
		if q.attrs.DeduplicationScope == "messageGroup" {
			key = m.groupID + "\x00" + m.dedupID
		}
		if d, ok := q.dedup[key]; ok && now.Before(d.expires) {
			q.mu.Unlock()
			return sent{id: d.messageID, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys, seqNumber: d.seqNumber}, nil
		}
		m.seqNumber = q.nextSequenceNumber()
		exp := now.Add(dedupInterval)
		q.dedup[key] = dedupEntry{messageID: m.id, seqNumber: m.seqNumber, expires: exp}
		q.dedupOrder.push(key, exp)
	}
	q.add(m, now)
	var perr error
	if s.persistent {
		s.persistDropped(q, dropped)
		perr = s.persistMessage(q, m)
		if perr == nil && q.fifo {
			perr = s.persistQueue(q)
		}
	}
	q.mu.Unlock()
	if perr != nil {
		return sent{}, errInternal(perr)
	}
	return sent{id: m.id, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys, seqNumber: m.seqNumber}, nil
}

// buildMessage validates a message against the queue's rules and returns
// it, ready to add.
func (s *Service) buildMessage(ctx context.Context, q *queue, cfg *queueAttrs, in sendInput, batch bool) (*message, *awserr.Error) {
	if in.body == nil || *in.body == "" {
		return nil, missingParameter("MessageBody")
	}
	body := *in.body
	if e := checkText(body, "message body"); e != nil {
		return nil, api.ErrInvalidMessageContents(e.Message)
	}
	attrs, e := userAttributes(in.attrs)
	if e != nil {
		return nil, e
	}
	sys, e := systemAttributes(in.sys)
	if e != nil {
		return nil, e
	}
	if messageSize(body, attrs) > cfg.MaximumMessageSize {
		return nil, invalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", cfg.MaximumMessageSize)
	}
	m := &message{
		id:       s.ids.UUID(),
		body:     body,
		md5Body:  md5Hex(body),
		attrs:    attrs,
		sysAttrs: sys,
		sender:   senderID(ctx),
		heapIdx:  -1,
	}
	if len(attrs) > 0 {
		m.md5Attrs = md5OfAttributes(attrs)
	}
	if len(sys) > 0 {
		m.md5Sys = md5OfAttributes(sys)
	}
	if in.delay != nil {
		d := *in.delay
		if d < 0 || d > maxDelaySeconds {
			return nil, invalidParameterValue("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", d)
		}
		if q.fifo && d != 0 {
			return nil, invalidParameterValue("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", d)
		}
	}
	if in.groupID != nil {
		if e := checkFifoID(*in.groupID, "MessageGroupId"); e != nil {
			return nil, e
		}
		m.groupID = *in.groupID
	}
	if !q.fifo {
		if in.dedupID != nil {
			return nil, invalidParameterValue("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.", *in.dedupID)
		}
		return m, nil
	}
	if in.groupID == nil {
		if batch {
			return nil, invalidParameterValue("The request must contain the parameter MessageGroupId.")
		}
		return nil, missingParameter("MessageGroupId")
	}
	switch {
	case in.dedupID != nil:
		if e := checkFifoID(*in.dedupID, "MessageDeduplicationId"); e != nil {
			return nil, e
		}
		m.dedupID = *in.dedupID
	case cfg.ContentBasedDeduplication:
		sum := sha256.Sum256([]byte(body))
		m.dedupID = hex.EncodeToString(sum[:])
	default:
		return nil, invalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	return m, nil
}

// senderID is the SenderId of the caller's messages: the account id for an
// account's root, the role id and session for an assumed role.
func senderID(ctx context.Context) string {
	info := request.From(ctx)
	if info.UserID != "" {
		return info.UserID
	}
	return callerAccount(info)
}

// messageSize is what counts toward MaximumMessageSize: the body and every
// user attribute's name, type and value.
func messageSize(body string, attrs []attribute) int {
	n := len(body)
	for i := range attrs {
		n += attrs[i].size()
	}
	return n
}

// allowedRune reports whether SQS accepts r in message text: #x9, #xA,
// #xD, #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF.
func allowedRune(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// checkText rejects text with characters SQS does not allow.
func checkText(s, where string) *awserr.Error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c < 0x80 || c == '\n' || c == '\t' || c == '\r' {
			continue
		}
		for _, r := range s[i:] {
			if !allowedRune(r) {
				return invalidParameterValue("Invalid binary character '#x%X' was found in the %s, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].", r, where)
			}
		}
		return nil
	}
	return nil
}

// checkFifoID validates a MessageGroupId or MessageDeduplicationId: 1 to
// 128 alphanumeric or punctuation characters.
func checkFifoID(v, param string) *awserr.Error {
	ok := len(v) >= 1 && len(v) <= maxFifoIDLength
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c > 0x20 && c < 0x7f
	}
	if !ok {
		return invalidParameterValue("Value %s for parameter %s is invalid. Reason: %s can only include alphanumeric and punctuation characters. 1 to 128 in length.", v, param, param)
	}
	return nil
}

// userAttributes validates MessageAttributes and returns them sorted by
// name.
func userAttributes(in map[string]api.MessageAttributeValue) ([]attribute, *awserr.Error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > maxMessageAttributes {
		return nil, invalidParameterValue("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(in), maxMessageAttributes)
	}
	out := make([]attribute, 0, len(in))
	for name, v := range in {
		if e := checkAttributeName(name); e != nil {
			return nil, e
		}
		a, e := attributeValue(name, "Message (user) attribute", v.DataType, v.StringValue, v.BinaryValue)
		if e != nil {
			return nil, e
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// systemAttributes validates MessageSystemAttributes: only AWSTraceHeader,
// a String.
func systemAttributes(in map[string]api.MessageSystemAttributeValue) ([]attribute, *awserr.Error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]attribute, 0, len(in))
	for name, v := range in {
		if name != api.MessageSystemAttributeNameForSendsAWSTraceHeader {
			return nil, invalidParameterValue("Message system attribute name '%s' is invalid.", name)
		}
		if v.DataType == nil || *v.DataType != "String" {
			dt := ""
			if v.DataType != nil {
				dt = *v.DataType
			}
			return nil, invalidParameterValue("Message system attribute '%s' has an invalid type '%s'. The type must be String.", name, dt)
		}
		a, e := attributeValue(name, "Message system attribute", v.DataType, v.StringValue, v.BinaryValue)
		if e != nil {
			return nil, e
		}
		out = append(out, a)
	}
	return out, nil
}

// checkAttributeName validates a user attribute name: up to 256 letters,
// digits, hyphens, underscores and periods, not starting with "AWS." or
// "Amazon.", not starting or ending with a period, without successive
// periods.
func checkAttributeName(name string) *awserr.Error {
	if name == "" || len(name) > maxAttributeNameBytes {
		return invalidParameterValue("Message (user) attribute names must be shorter than 256 Bytes")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' || r >= 0xC0 && r <= 0x17F) {
			return invalidParameterValue("Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ")
		}
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") || name[0] == '.' || name[len(name)-1] == '.' {
		return invalidParameterValue("You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.")
	}
	if strings.Contains(name, "..") {
		return invalidParameterValue("Message (user) attribute name '%s' can't contain successive periods.", name)
	}
	return nil
}

// attributeValue validates one attribute's type and value.
func attributeValue(name, kind string, dataType, str *string, bin []byte) (attribute, *awserr.Error) {
	a := attribute{Name: name}
	if dataType == nil || *dataType == "" {
		return a, invalidParameterValue("The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	a.DataType = *dataType
	base, label, hasLabel := strings.Cut(a.DataType, ".")
	if base != "String" && base != "Number" && base != "Binary" || hasLabel && label == "" || len(a.DataType) > maxAttributeNameBytes {
		return a, invalidParameterValue("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	if base == "Binary" {
		if len(bin) == 0 {
			return a, invalidParameterValue("%s '%s' must contain a non-empty value of type 'Binary'.", kind, name)
		}
		a.Binary = bin
		return a, nil
	}
	if str == nil || *str == "" {
		return a, invalidParameterValue("%s '%s' must contain a non-empty value of type '%s'.", kind, name, base)
	}
	a.String = *str
	if e := checkText(a.String, "message attribute value"); e != nil {
		return a, e
	}
	if base == "Number" && !isNumber(a.String) {
		return a, invalidParameterValue("Can't cast the value of message (user) attribute '%s' to a number.", name)
	}
	return a, nil
}

// isNumber reports whether s is a decimal number SQS accepts for a Number
// attribute: optional sign, digits with an optional fraction, optional
// exponent.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// checkBatch validates the entry ids of a batch request.
func checkBatch(entryName string, ids []*string) *awserr.Error {
	if len(ids) == 0 {
		return api.ErrEmptyBatchRequest("There should be at least one " + entryName + " in the request.")
	}
	if len(ids) > maxBatchEntries {
		return api.ErrTooManyEntriesInBatchRequest("Maximum number of entries per request are 10. You have sent " + strconv.Itoa(len(ids)) + ".")
	}
	seen := make(map[string]bool, len(ids))
	for _, p := range ids {
		if p == nil {
			return missingParameter("Id")
		}
		if !validBatchID(*p) {
			return errBatchEntryID()
		}
		if seen[*p] {
			return api.ErrBatchEntryIdsNotDistinct("Id " + *p + " repeated.")
		}
		seen[*p] = true
	}
	return nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > maxBatchIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SendMessageBatch sends up to ten messages; each entry succeeds or fails on
// its own.
func (s *Service) SendMessageBatch(ctx context.Context, in *api.SendMessageBatchRequest) (*api.SendMessageBatchResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	if e := checkBatch("SendMessageBatchRequestEntry", ids); e != nil {
		return nil, e
	}
	cfg := q.conf.Load()
	total := 0
	for i := range in.Entries {
		en := &in.Entries[i]
		if q.fifo {
			if en.MessageGroupId == nil {
				return nil, invalidParameterValue("The request must contain the parameter MessageGroupId.")
			}
			if en.MessageDeduplicationId == nil && !cfg.ContentBasedDeduplication {
				return nil, invalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
		}
		if en.MessageBody != nil {
			total += len(*en.MessageBody)
		}
		for name, v := range en.MessageAttributes {
			total += len(name)
			if v.DataType != nil {
				total += len(*v.DataType)
			}
			if v.StringValue != nil {
				total += len(*v.StringValue)
			}
			total += len(v.BinaryValue)
		}
	}
	if total > maxBatchPayload {
		return nil, api.ErrBatchRequestTooLong("Batch requests cannot be longer than " + strconv.Itoa(maxBatchPayload) + " bytes. You have sent " + strconv.Itoa(total) + " bytes.")
	}
	out := &api.SendMessageBatchResult{Successful: []api.SendMessageBatchResultEntry{}, Failed: []api.BatchResultErrorEntry{}}
	for i := range in.Entries {
		en := &in.Entries[i]
		r, e := s.send(ctx, q, sendInput{en.MessageBody, en.DelaySeconds, en.MessageAttributes,
			en.MessageSystemAttributes, en.MessageDeduplicationId, en.MessageGroupId}, true)
		if e != nil {
			if e.Code == "QueueDoesNotExist" {
				return nil, e
			}
			out.Failed = append(out.Failed, batchFailure(en.Id, e))
			continue
		}
		res := api.SendMessageBatchResultEntry{Id: en.Id, MessageId: ptr(r.id), MD5OfMessageBody: ptr(r.md5Body)}
		if r.md5Attrs != "" {
			res.MD5OfMessageAttributes = ptr(r.md5Attrs)
		}
		if r.md5Sys != "" {
			res.MD5OfMessageSystemAttributes = ptr(r.md5Sys)
		}
		if r.seqNumber != "" {
			res.SequenceNumber = ptr(r.seqNumber)
		}
		out.Successful = append(out.Successful, res)
	}
	return out, nil
}

// DeleteMessage deletes the message a receipt handle was issued for.
func (s *Service) DeleteMessage(ctx context.Context, in *api.DeleteMessageRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == nil {
		return nil, missingParameter("ReceiptHandle")
	}
	if e := s.deleteMessage(q, *in.ReceiptHandle); e != nil {
		return nil, e
	}
	return &api.Empty{}, nil
}

// deleteMessage deletes by receipt handle. Deleting an already deleted
// message succeeds, as in SQS. A standard queue accepts any handle the
// message was received with; a FIFO queue only the handle of the current
// receive while its visibility timeout lasts.
func (s *Service) deleteMessage(q *queue, handle string) *awserr.Error {
	seq, count, ok := q.parseHandle(handle)
	if !ok {
		return errReceiptHandleInvalid(handle)
	}
	now := s.clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return errQueueDoesNotExist()
	}
	dropped := q.tick(now, nil)
	s.persistDropped(q, dropped)
	m := q.msgs[seq]
	if m == nil {
		return nil
	}
	if q.fifo && (m.state != stateInflight || m.receiveCount != count) {
		return invalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
	}
	q.unlink(m)
	if err := s.unpersistMessage(q, m); err != nil {
		return errInternal(err)
	}
	return nil
}

// DeleteMessageBatch deletes up to ten messages.
func (s *Service) DeleteMessageBatch(ctx context.Context, in *api.DeleteMessageBatchRequest) (*api.DeleteMessageBatchResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	if e := checkBatch("DeleteMessageBatchRequestEntry", ids); e != nil {
		return nil, e
	}
	out := &api.DeleteMessageBatchResult{Successful: []api.DeleteMessageBatchResultEntry{}, Failed: []api.BatchResultErrorEntry{}}
	for _, en := range in.Entries {
		var e *awserr.Error
		if en.ReceiptHandle == nil {
			e = missingParameter("ReceiptHandle")
		} else {
			e = s.deleteMessage(q, *en.ReceiptHandle)
		}
		if e != nil {
			if e.Code == "QueueDoesNotExist" {
				return nil, e
			}
			out.Failed = append(out.Failed, batchFailure(en.Id, e))
			continue
		}
		out.Successful = append(out.Successful, api.DeleteMessageBatchResultEntry{Id: en.Id})
	}
	return out, nil
}

// ChangeMessageVisibility changes the visibility timeout of a received
// message, counted from now.
func (s *Service) ChangeMessageVisibility(ctx context.Context, in *api.ChangeMessageVisibilityRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == nil {
		return nil, missingParameter("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, missingParameter("VisibilityTimeout")
	}
	if e := s.changeVisibility(q, *in.ReceiptHandle, int(*in.VisibilityTimeout)); e != nil {
		return nil, e
	}
	return &api.Empty{}, nil
}

// changeVisibility applies a new visibility timeout. The total time a
// message stays invisible from its receive is at most 12 hours.
func (s *Service) changeVisibility(q *queue, handle string, timeout int) *awserr.Error {
	seq, count, ok := q.parseHandle(handle)
	if !ok {
		return errReceiptHandleInvalid(handle)
	}
	if timeout < 0 || timeout > maxVisibility {
		return invalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", timeout)
	}
	now := s.clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return errQueueDoesNotExist()
	}
	dropped := q.tick(now, nil)
	s.persistDropped(q, dropped)
	m := q.msgs[seq]
	if m == nil {
		return invalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", handle)
	}
	if q.fifo {
		if m.receiveCount != count {
			return invalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
		}
		if m.state != stateInflight {
			return api.ErrMessageNotInflight("The message referred to isn't in flight.")
		}
	}
	if m.state == stateDelayed || m.lastReceive.IsZero() {
		return api.ErrMessageNotInflight("The message referred to isn't in flight.")
	}
	d := time.Duration(timeout) * time.Second
	if now.Sub(m.lastReceive)+d > maxVisibility*time.Second {
		return invalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeout)
	}
	m.visibleAt = now.Add(d)
	switch m.state {
	case stateInflight:
		q.inflight.fix(m, m.visibleAt.UnixNano())
	case stateReady:
		// An expired receive extended again: the message goes back in
		// flight, as SQS accepts the change after the timeout has lapsed.
		q.unlinkReady(m)
		m.state = stateInflight
		q.inflight.push(m, m.visibleAt.UnixNano())
		if q.fifo {
			if g := q.groups[m.groupID]; g != nil {
				g.inflight++
				q.groupChanged(g)
			}
		}
	}
	if d == 0 {
		q.notify()
	}
	if err := s.persistMessage(q, m); err != nil {
		return errInternal(err)
	}
	return nil
}

// unlinkReady takes a visible message out of the visible structures only.
func (q *queue) unlinkReady(m *message) {
	if !q.fifo {
		q.ready.remove(m)
		return
	}
	if g := q.groups[m.groupID]; g != nil {
		g.ready.remove(m)
		q.readyCount--
	}
}

// ChangeMessageVisibilityBatch changes the visibility of up to ten
// messages.
func (s *Service) ChangeMessageVisibilityBatch(ctx context.Context, in *api.ChangeMessageVisibilityBatchRequest) (*api.ChangeMessageVisibilityBatchResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	if e := checkBatch("ChangeMessageVisibilityBatchRequestEntry", ids); e != nil {
		return nil, e
	}
	out := &api.ChangeMessageVisibilityBatchResult{Successful: []api.ChangeMessageVisibilityBatchResultEntry{}, Failed: []api.BatchResultErrorEntry{}}
	for _, en := range in.Entries {
		var e *awserr.Error
		switch {
		case en.ReceiptHandle == nil:
			e = missingParameter("ReceiptHandle")
		case en.VisibilityTimeout == nil:
			e = missingParameter("VisibilityTimeout")
		default:
			e = s.changeVisibility(q, *en.ReceiptHandle, int(*en.VisibilityTimeout))
		}
		if e != nil {
			if e.Code == "QueueDoesNotExist" {
				return nil, e
			}
			out.Failed = append(out.Failed, batchFailure(en.Id, e))
			continue
		}
		out.Successful = append(out.Successful, api.ChangeMessageVisibilityBatchResultEntry{Id: en.Id})
	}
	return out, nil
}
