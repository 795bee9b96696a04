package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// Queue lifecycle limits (docs/limits.md).
const (
	maxQueueNameLength = 80
	// deletedQueueWait is how long a deleted queue's name stays unusable.
	deletedQueueWait = 60 * time.Second
	// purgeInterval is the shortest time between two purges of a queue.
	purgeInterval  = 60 * time.Second
	maxListResults = 1000
)

// validQueueName reports whether name is 1 to 80 alphanumerics, hyphens and
// underscores (a FIFO queue's ".fifo" suffix included in the length).
func validQueueName(name string, fifo bool) bool {
	if len(name) == 0 || len(name) > maxQueueNameLength {
		return false
	}
	if fifo {
		base, ok := strings.CutSuffix(name, ".fifo")
		if !ok {
			return false
		}
		name = base
		if name == "" {
			return false
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CreateQueue creates a queue, or returns the URL of an existing queue of
// that name when the attributes given match its own.
func (s *Service) CreateQueue(ctx context.Context, in *api.CreateQueueRequest) (*api.CreateQueueResult, error) {
	if in.QueueName == nil {
		return nil, missingParameter("QueueName")
	}
	name := *in.QueueName
	fifoAttr, hasFifo := in.Attributes[api.QueueAttributeNameFifoQueue]
	fifo := hasFifo && strings.EqualFold(fifoAttr, "true")
	if !validQueueName(name, fifo) {
		if fifo {
			return nil, invalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return nil, invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	if e := checkTags(in.Tags, 0); e != nil {
		return nil, e
	}
	info := request.From(ctx)
	ref := queueRef{account: callerAccount(info), region: callerRegion(info), name: name}
	if existing := s.lookup(ref); existing != nil {
		if e := s.matchExisting(existing, in.Attributes); e != nil {
			return nil, e
		}
		return &api.CreateQueueResult{QueueUrl: ptr(queueURL(ctx, ref.account, name))}, nil
	}
	ch, e := s.applyAttributes(defaultAttrs(fifo), fifo, true, ref, in.Attributes)
	if e != nil {
		return nil, e
	}
	now := s.clock.Now()
	r := s.regionFor(ref.account, ref.region, true)
	r.mu.Lock()
	if existing := r.queues[name]; existing != nil {
		r.mu.Unlock()
		if e := s.matchExisting(existing, in.Attributes); e != nil {
			return nil, e
		}
		return &api.CreateQueueResult{QueueUrl: ptr(queueURL(ctx, ref.account, name))}, nil
	}
	if len(r.deleted) > 64 {
		for n, at := range r.deleted {
			if now.Sub(at) >= deletedQueueWait {
				delete(r.deleted, n)
			}
		}
	}
	if at, ok := r.deleted[name]; ok {
		if now.Sub(at) < deletedQueueWait {
			r.mu.Unlock()
			return nil, api.ErrQueueDeletedRecently("You must wait 60 seconds after deleting a queue before you can create another with the same name.")
		}
		delete(r.deleted, name)
	}
	q := newQueue(ref, fifo, s.newHandleID(), now)
	q.setAttrs(ch.attrs)
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	q.mu.Lock()
	err := s.persistQueue(q)
	q.mu.Unlock()
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	r.queues[name] = q
	r.mu.Unlock()
	return &api.CreateQueueResult{QueueUrl: ptr(queueURL(ctx, ref.account, name))}, nil
}

// matchExisting checks the attributes of a CreateQueue call against the
// queue that already has the name: every attribute given must have the
// queue's value.
func (s *Service) matchExisting(q *queue, attrs map[string]string) error {
	if len(attrs) == 0 {
		return nil
	}
	ch, e := s.applyAttributes(defaultAttrs(q.fifo), q.fifo, true, q.ref, attrs)
	if e != nil {
		return e
	}
	want := &queue{fifo: q.fifo, attrs: ch.attrs}
	q.mu.Lock()
	defer q.mu.Unlock()
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		have, _ := q.attributeValue(n)
		got, _ := want.attributeValue(n)
		if have != got {
			return api.ErrQueueNameExists("A queue already exists with the same name and a different value for attribute " + n)
		}
	}
	return nil
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, in *api.DeleteQueueRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	r := s.regionFor(q.ref.account, q.ref.region, false)
	if r == nil {
		return nil, errQueueDoesNotExist()
	}
	r.mu.Lock()
	if r.queues[q.ref.name] != q {
		r.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	delete(r.queues, q.ref.name)
	r.deleted[q.ref.name] = s.clock.Now()
	q.mu.Lock()
	q.gone = true
	q.purge()
	q.notify()
	perr := s.unpersistQueue(q)
	q.mu.Unlock()
	r.mu.Unlock()
	if perr != nil {
		return nil, perr
	}
	return &api.Empty{}, nil
}

// GetQueueUrl returns the URL of a queue of the caller's account, or of
// QueueOwnerAWSAccountId's.
func (s *Service) GetQueueUrl(ctx context.Context, in *api.GetQueueUrlRequest) (*api.GetQueueUrlResult, error) {
	if in.QueueName == nil {
		return nil, missingParameter("QueueName")
	}
	info := request.From(ctx)
	ref := queueRef{account: callerAccount(info), region: callerRegion(info), name: *in.QueueName}
	if in.QueueOwnerAWSAccountId != nil && *in.QueueOwnerAWSAccountId != "" {
		if !identity.IsAccountID(*in.QueueOwnerAWSAccountId) {
			return nil, invalidParameterValue("Value %s for parameter QueueOwnerAWSAccountId is invalid. Reason: Must be a 12-digit account id.", *in.QueueOwnerAWSAccountId)
		}
		ref.account = *in.QueueOwnerAWSAccountId
	}
	if s.lookup(ref) == nil {
		return nil, errQueueDoesNotExist()
	}
	return &api.GetQueueUrlResult{QueueUrl: ptr(queueURL(ctx, ref.account, ref.name))}, nil
}

// ListQueues lists the caller's queues in the region, by name, optionally
// filtered by prefix and paginated with MaxResults and NextToken.
func (s *Service) ListQueues(ctx context.Context, in *api.ListQueuesRequest) (*api.ListQueuesResult, error) {
	info := request.From(ctx)
	account, regionName := callerAccount(info), callerRegion(info)
	var prefix string
	if in.QueueNamePrefix != nil {
		prefix = *in.QueueNamePrefix
	}
	var names []string
	if r := s.regionFor(account, regionName, false); r != nil {
		r.mu.RLock()
		for n := range r.queues {
			if strings.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		r.mu.RUnlock()
	}
	page, next, err := paginate(names, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListQueuesResult{NextToken: next}
	for _, n := range page {
		out.QueueUrls = append(out.QueueUrls, queueURL(ctx, account, n))
	}
	return out, nil
}

// paginate sorts names and returns one page of them, with the token of the
// next page. Without maxResults it returns at most 1000 names and no token,
// as SQS does.
func paginate(names []string, maxResults *int32, token *string) ([]string, *string, error) {
	sort.Strings(names)
	if token != nil && *token != "" {
		after, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, invalidParameterValue("Invalid NextToken value.")
		}
		i := sort.SearchStrings(names, string(after))
		for i < len(names) && names[i] <= string(after) {
			i++
		}
		names = names[i:]
	}
	if maxResults == nil {
		if len(names) > maxListResults {
			names = names[:maxListResults]
		}
		return names, nil, nil
	}
	n := int(*maxResults)
	if n < 1 || n > maxListResults {
		return nil, nil, invalidParameterValue("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", n)
	}
	if len(names) <= n {
		return names, nil, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte(names[n-1]))
	return names[:n], &next, nil
}

// ListDeadLetterSourceQueues lists the queues whose redrive policy names
// the given queue as their dead-letter queue.
func (s *Service) ListDeadLetterSourceQueues(ctx context.Context, in *api.ListDeadLetterSourceQueuesRequest) (*api.ListDeadLetterSourceQueuesResult, error) {
	dlq, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	sources := s.sourcesOf(dlq)
	names := make([]string, len(sources))
	for i, q := range sources {
		names[i] = q.ref.name
	}
	page, next, perr := paginate(names, in.MaxResults, in.NextToken)
	if perr != nil {
		return nil, perr
	}
	out := &api.ListDeadLetterSourceQueuesResult{QueueUrls: []string{}, NextToken: next}
	for _, n := range page {
		out.QueueUrls = append(out.QueueUrls, queueURL(ctx, dlq.ref.account, n))
	}
	return out, nil
}

// sourcesOf returns the queues (of the same account and region) whose
// redrive policy targets dlq.
func (s *Service) sourcesOf(dlq *queue) []*queue {
	r := s.regionFor(dlq.ref.account, dlq.ref.region, false)
	if r == nil {
		return nil
	}
	r.mu.RLock()
	all := make([]*queue, 0, len(r.queues))
	for _, q := range r.queues {
		all = append(all, q)
	}
	r.mu.RUnlock()
	var out []*queue
	for _, q := range all {
		q.mu.Lock()
		if q.attrs.deadLetterARN == dlq.arn {
			out = append(out, q)
		}
		q.mu.Unlock()
	}
	return out
}

// PurgeQueue deletes every message of a queue, at most once every 60
// seconds.
func (s *Service) PurgeQueue(ctx context.Context, in *api.PurgeQueueRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, errQueueDoesNotExist()
	}
	if !q.purgedAt.IsZero() && now.Sub(q.purgedAt) < purgeInterval {
		return nil, api.ErrPurgeQueueInProgress("Only one PurgeQueue operation on " + q.ref.name + " is allowed every 60 seconds.")
	}
	q.purgedAt = now
	q.purge()
	if s.persistent {
		if err := s.journal.DeletePrefix(messagesNamespace(q.ref), ""); err != nil {
			return nil, errInternal(err)
		}
		if err := s.persistQueue(q); err != nil {
			return nil, err
		}
	}
	return &api.Empty{}, nil
}

// policyDocument is the queue policy AddPermission and RemovePermission
// edit.
type policyDocument struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id"`
	Statement []json.RawMessage `json:"Statement"`
}

// permissionStatement is a statement AddPermission writes.
type permissionStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal"`
	Action    any            `json:"Action"`
	Resource  string         `json:"Resource"`
}

// queueActions are the actions AddPermission grants ("*" for all).
var queueActions = map[string]bool{
	"*": true, "ChangeMessageVisibility": true, "DeleteMessage": true, "GetQueueAttributes": true,
	"GetQueueUrl": true, "ListDeadLetterSourceQueues": true, "PurgeQueue": true, "ReceiveMessage": true,
	"SendMessage": true, "ListQueueTags": true, "ListMessageMoveTasks": true, "StartMessageMoveTask": true,
	"CancelMessageMoveTask": true,
}

// AddPermission adds a statement to the queue's policy granting actions to
// accounts.
func (s *Service) AddPermission(ctx context.Context, in *api.AddPermissionRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.Label == nil {
		return nil, missingParameter("Label")
	}
	label := *in.Label
	if !validQueueName(label, false) {
		return nil, invalidParameterValue("Value %s for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", label)
	}
	if len(in.AWSAccountIds) == 0 {
		return nil, missingParameter("AWSAccountIds")
	}
	if len(in.Actions) == 0 {
		return nil, missingParameter("Actions")
	}
	for _, a := range in.Actions {
		if !queueActions[a] {
			return nil, invalidParameterValue("Value SQS:%s for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions. ", a)
		}
	}
	principals := make([]string, len(in.AWSAccountIds))
	for i, acct := range in.AWSAccountIds {
		if !identity.IsAccountID(acct) {
			return nil, invalidParameterValue("Value %s for parameter PrincipalId is invalid. Reason: Unable to verify.", acct)
		}
		principals[i] = "arn:" + partition(q.ref.region) + ":iam::" + acct + ":root"
	}
	st := permissionStatement{Sid: label, Effect: "Allow", Resource: q.arn}
	if len(principals) == 1 {
		st.Principal = map[string]any{"AWS": principals[0]}
	} else {
		st.Principal = map[string]any{"AWS": principals}
	}
	if len(in.Actions) == 1 {
		st.Action = "SQS:" + in.Actions[0]
	} else {
		acts := make([]string, len(in.Actions))
		for i, a := range in.Actions {
			acts[i] = "SQS:" + a
		}
		st.Action = acts
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	doc := q.policy()
	for _, raw := range doc.Statement {
		var existing struct{ Sid string }
		if json.Unmarshal(raw, &existing) == nil && existing.Sid == label {
			return nil, invalidParameterValue("Value %s for parameter Label is invalid. Reason: Already exists.", label)
		}
	}
	b, _ := json.Marshal(st)
	doc.Statement = append(doc.Statement, b)
	out, _ := json.Marshal(doc)
	q.attrs.Policy = string(out)
	q.setAttrs(q.attrs)
	q.modified = s.clock.Now()
	if err := s.persistQueue(q); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// RemovePermission removes the statement with the given label from the
// queue's policy (and the policy when it was the last statement).
func (s *Service) RemovePermission(ctx context.Context, in *api.RemovePermissionRequest) (*api.Empty, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.Label == nil {
		return nil, missingParameter("Label")
	}
	label := *in.Label
	q.mu.Lock()
	defer q.mu.Unlock()
	doc := q.policy()
	kept := doc.Statement[:0]
	found := false
	for _, raw := range doc.Statement {
		var existing struct{ Sid string }
		if json.Unmarshal(raw, &existing) == nil && existing.Sid == label {
			found = true
			continue
		}
		kept = append(kept, raw)
	}
	if !found {
		return nil, invalidParameterValue("Value %s for parameter Label is invalid. Reason: can't find label.", label)
	}
	if len(kept) == 0 {
		q.attrs.Policy = ""
	} else {
		doc.Statement = kept
		out, _ := json.Marshal(doc)
		q.attrs.Policy = string(out)
	}
	q.setAttrs(q.attrs)
	q.modified = s.clock.Now()
	if err := s.persistQueue(q); err != nil {
		return nil, err
	}
	return &api.Empty{}, nil
}

// policy returns the queue's policy document, or a new empty one.
func (q *queue) policy() policyDocument {
	var doc policyDocument
	if q.attrs.Policy != "" && json.Unmarshal([]byte(q.attrs.Policy), &doc) == nil {
		return doc
	}
	return policyDocument{Version: "2008-10-17", ID: q.arn + "/SQSDefaultPolicy"}
}
