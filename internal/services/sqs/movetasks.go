package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"time"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// Move task statuses, as ListMessageMoveTasks reports them.
const (
	taskRunning   = "RUNNING"
	taskCompleted = "COMPLETED"
	taskCancelled = "CANCELLED"
	taskFailed    = "FAILED"
)

// Move task limits (docs/limits.md).
const (
	maxMoveRate         = 500
	maxListedMoveTasks  = 10
	moveTaskTickSeconds = 1
)

// moveTask is a StartMessageMoveTask task. It runs on the clock: every
// second it moves up to its rate of visible messages (500 when no rate was
// given) until it has moved what the source held when it started, or the
// source has no visible message left. Its fields are guarded by
// Service.tasksMu.
type moveTask struct {
	id        string
	handle    string
	sourceARN string
	destARN   string
	rate      int
	status    string
	started   time.Time
	moved     int64
	toMove    int64
	failure   string
	timer     *clock.Timer
}

// taskHandle is the decoded form of a TaskHandle.
type taskHandle struct {
	TaskID    string `json:"taskId"`
	SourceARN string `json:"sourceArn"`
}

// StartMessageMoveTask starts moving the messages of a dead-letter queue back
// to their source queues, or to DestinationArn.
func (s *Service) StartMessageMoveTask(ctx context.Context, in *api.StartMessageMoveTaskRequest) (*api.StartMessageMoveTaskResult, error) {
	if in.SourceArn == nil {
		return nil, missingParameter("SourceArn")
	}
	if _, ok := parseQueueARN(*in.SourceArn); !ok {
		return nil, invalidParameterValue("You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>")
	}
	src := s.queueByARN(*in.SourceArn)
	if src == nil {
		return nil, api.ErrResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if len(s.sourcesOf(src)) == 0 {
		return nil, invalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
	}
	var dest string
	if in.DestinationArn != nil && *in.DestinationArn != "" {
		dest = *in.DestinationArn
		if _, ok := parseQueueARN(dest); !ok {
			return nil, invalidParameterValue("You must use this format to specify the DestinationArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>")
		}
		if s.queueByARN(dest) == nil {
			return nil, api.ErrResourceNotFoundException("The resource that you specified for the DestinationArn parameter doesn't exist.")
		}
	}
	rate := 0
	if in.MaxNumberOfMessagesPerSecond != nil {
		rate = int(*in.MaxNumberOfMessagesPerSecond)
		if rate < 1 || rate > maxMoveRate {
			return nil, invalidParameterValue("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.", rate)
		}
	}
	now := s.clock.Now()
	src.mu.Lock()
	s.persistDropped(src, src.tick(now, nil))
	toMove := int64(src.visibleCount())
	src.mu.Unlock()

	t := &moveTask{id: s.ids.UUID(), sourceARN: *in.SourceArn, destARN: dest, rate: rate,
		status: taskRunning, started: now, toMove: toMove}
	hb, _ := json.Marshal(taskHandle{TaskID: t.id, SourceARN: t.sourceARN})
	t.handle = base64.StdEncoding.EncodeToString(hb)

	s.tasksMu.Lock()
	for _, other := range s.tasks {
		if other.sourceARN == t.sourceARN && other.status == taskRunning {
			s.tasksMu.Unlock()
			return nil, invalidParameterValue("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	s.tasks[t.id] = t
	t.timer = s.clock.AfterFunc(0, func() { s.runTask(t) })
	s.tasksMu.Unlock()
	return &api.StartMessageMoveTaskResult{TaskHandle: &t.handle}, nil
}

// runTask performs one second's worth of a move task and schedules the
// next.
func (s *Service) runTask(t *moveTask) {
	s.tasksMu.Lock()
	if t.status != taskRunning {
		s.tasksMu.Unlock()
		return
	}
	budget := t.rate
	if budget == 0 {
		budget = maxMoveRate
	}
	if remaining := t.toMove - t.moved; int64(budget) > remaining {
		budget = int(remaining)
	}
	s.tasksMu.Unlock()

	moved, done, failure := s.moveMessages(t, budget)

	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	t.moved += int64(moved)
	if t.status != taskRunning {
		return
	}
	switch {
	case failure != "":
		t.status, t.failure = taskFailed, failure
	case done || t.moved >= t.toMove:
		t.status = taskCompleted
	default:
		t.timer = s.clock.AfterFunc(moveTaskTickSeconds*time.Second, func() { s.runTask(t) })
	}
}

// moveMessages moves up to n visible messages of a task's source. It
// reports how many it moved, whether the source ran out, and the failure
// reason when a queue disappeared.
func (s *Service) moveMessages(t *moveTask, n int) (moved int, done bool, failure string) {
	const gone = "AWS.SimpleQueueService.NonExistentQueue"
	src := s.queueByARN(t.sourceARN)
	if src == nil {
		return 0, false, gone
	}
	for moved < n {
		ok, done, failure := s.moveOne(src, t.destARN)
		if !ok {
			return moved, done, failure
		}
		moved++
	}
	return moved, false, ""
}

// moveOne moves the oldest visible message of src to destARN (its
// dead-letter source when ""). It reports whether it moved one; if not,
// whether src ran out, or the failure reason. It holds s.moving for reading,
// so a snapshot never sees the message in neither queue.
func (s *Service) moveOne(src *queue, destARN string) (ok, done bool, failure string) {
	const gone = "AWS.SimpleQueueService.NonExistentQueue"
	s.moving.RLock()
	defer s.moving.RUnlock()
	now := s.clock.Now()
	src.mu.Lock()
	if src.gone {
		src.mu.Unlock()
		return false, false, gone
	}
	s.persistDropped(src, src.tick(now, nil))
	m := src.takeVisible()
	if m == nil {
		src.mu.Unlock()
		return false, true, ""
	}
	if err := s.unpersistMessage(src, m); err != nil {
		s.log.Error("sqs: journal", "queue", src.arn, "error", err)
	}
	src.mu.Unlock()

	if destARN == "" {
		destARN = m.dlqSource
	}
	dest := s.queueByARN(destARN)
	if dest == nil || !s.enqueueMoved(dest, m, now) {
		// Put the message back so that a failed move loses nothing.
		s.enqueueMoved(src, m, now)
		return false, false, gone
	}
	return true, false, ""
}

// takeVisible removes and returns the oldest visible message, or nil. The
// caller holds q.mu.
func (q *queue) takeVisible() *message {
	var m *message
	if !q.fifo {
		m = q.ready.pop()
	} else if len(q.avail) > 0 {
		g := q.avail[0]
		m = q.takeReady(g)
		q.groupChanged(g)
	}
	if m != nil {
		q.unlink(m)
	}
	return m
}

// enqueueMoved adds a moved message to q as a new arrival that keeps its
// id, body, attributes and send time. It reports false when q is gone.
func (s *Service) enqueueMoved(q *queue, m *message, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return false
	}
	m.state = 0
	m.availableAt, m.visibleAt = time.Time{}, time.Time{}
	m.receiveCount, m.firstReceive, m.lastReceive = 0, time.Time{}, time.Time{}
	m.enqueuedAt = now
	if q.fifo {
		m.seqNumber = q.nextSequenceNumber()
	} else {
		m.seqNumber = ""
	}
	q.add(m, now)
	if err := s.persistMessage(q, m); err != nil {
		s.log.Error("sqs: journal", "queue", q.arn, "error", err)
	}
	return true
}

// CancelMessageMoveTask stops a running move task; messages already moved
// stay where they are.
func (s *Service) CancelMessageMoveTask(ctx context.Context, in *api.CancelMessageMoveTaskRequest) (*api.CancelMessageMoveTaskResult, error) {
	if in.TaskHandle == nil {
		return nil, missingParameter("TaskHandle")
	}
	var h taskHandle
	raw, err := base64.StdEncoding.DecodeString(*in.TaskHandle)
	if err != nil || json.Unmarshal(raw, &h) != nil || h.TaskID == "" || h.SourceARN == "" {
		return nil, invalidParameterValue("Value for parameter TaskHandle is invalid.")
	}
	if s.queueByARN(h.SourceARN) == nil {
		return nil, api.ErrResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	t := s.tasks[h.TaskID]
	if t == nil || t.sourceARN != h.SourceARN {
		return nil, api.ErrResourceNotFoundException("Task does not exist.")
	}
	if t.status != taskRunning {
		return nil, invalidParameterValue("Only active tasks can be cancelled.")
	}
	t.status = taskCancelled
	if t.timer != nil {
		t.timer.Stop()
	}
	return &api.CancelMessageMoveTaskResult{ApproximateNumberOfMessagesMoved: ptr(t.moved)}, nil
}

// ListMessageMoveTasks lists the most recent move tasks of a source queue,
// newest first.
func (s *Service) ListMessageMoveTasks(ctx context.Context, in *api.ListMessageMoveTasksRequest) (*api.ListMessageMoveTasksResult, error) {
	if in.SourceArn == nil {
		return nil, missingParameter("SourceArn")
	}
	if _, ok := parseQueueARN(*in.SourceArn); !ok {
		return nil, invalidParameterValue("You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>")
	}
	if s.queueByARN(*in.SourceArn) == nil {
		return nil, api.ErrResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	limit := 1
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
		if limit < 1 || limit > maxListedMoveTasks {
			return nil, invalidParameterValue("Value %d for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10.", limit)
		}
	}
	s.tasksMu.Lock()
	var tasks []*moveTask
	for _, t := range s.tasks {
		if t.sourceARN == *in.SourceArn {
			tasks = append(tasks, t)
		}
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].started.After(tasks[j].started) })
	if len(tasks) > limit {
		tasks = tasks[:limit]
	}
	out := &api.ListMessageMoveTasksResult{Results: []api.ListMessageMoveTasksResultEntry{}}
	for _, t := range tasks {
		e := api.ListMessageMoveTasksResultEntry{
			Status:                            ptr(t.status),
			SourceArn:                         ptr(t.sourceARN),
			ApproximateNumberOfMessagesMoved:  ptr(t.moved),
			ApproximateNumberOfMessagesToMove: ptr(t.toMove),
			StartedTimestamp:                  ptr(t.started.UnixMilli()),
		}
		if t.status == taskRunning {
			e.TaskHandle = ptr(t.handle)
		}
		if t.destARN != "" {
			e.DestinationArn = ptr(t.destARN)
		}
		if t.rate > 0 {
			e.MaxNumberOfMessagesPerSecond = ptr(int32(t.rate))
		}
		if t.failure != "" {
			e.FailureReason = ptr(t.failure)
		}
		out.Results = append(out.Results, e)
	}
	s.tasksMu.Unlock()
	return out, nil
}

// stopTasks cancels the timers of every move task and forgets them.
func (s *Service) stopTasks() {
	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	for _, t := range s.tasks {
		if t.status == taskRunning {
			t.status = taskCancelled
		}
		if t.timer != nil {
			t.timer.Stop()
		}
	}
	s.tasks = map[string]*moveTask{}
}
