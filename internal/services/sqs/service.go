// Package sqs is Virga's Amazon Simple Queue Service: queues, messages,
// FIFO ordering and deduplication, dead-letter redrive and message move
// tasks, on the injected clock, over both of SQS's protocols.
package sqs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/sqs/api"
	"github.com/virga-aws/virga/internal/state"
)

// Service implements the SQS API. Queues live per account and region; each
// queue has its own lock, and the maps from names to queues are read-locked
// only for the lookup, so requests on different queues never wait for each
// other.
type Service struct {
	clock *clock.Clock
	ids   id.Source
	log   *slog.Logger
	// journal records queues and messages when Virga has a data
	// directory; it is state.Discard otherwise.
	journal    state.Log
	persistent bool
	closeLog   func() error

	mu      sync.RWMutex
	regions map[regionKey]*region

	tasksMu sync.Mutex
	tasks   map[string]*moveTask
	// moving is held for reading while a move task carries a message
	// between queues with neither locked, and for writing by Snapshot.
	moving sync.RWMutex

	// closing is closed by Close, ending long polls.
	closing   chan struct{}
	closeOnce sync.Once
}

var _ api.Service = (*Service)(nil)

// New returns the SQS service. With deps.DataDir set it keeps a journal in
// DataDir/sqs and restores the queues and messages recorded there.
func New(deps service.Deps) (*service.Service, error) {
	_, svc, err := build(deps)
	return svc, err
}

// build is New, also returning the Service behind the registration.
func build(deps service.Deps) (*Service, *service.Service, error) {
	log := state.Discard
	var closeLog func() error
	var replay func(func(ns, key string, value []byte) error) error
	if deps.DataDir != "" {
		j, err := state.OpenJournal(filepath.Join(deps.DataDir, "sqs"), state.Options{Logger: deps.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("sqs: %w", err)
		}
		log, closeLog, replay = j, j.Close, j.Replay
	}
	s := newService(deps, log)
	s.closeLog = closeLog
	if deps.Bus != nil {
		deps.Bus.Handle("sqs", s.deliver)
	}
	if replay != nil {
		if err := s.restore(replay); err != nil {
			closeLog()
			return nil, nil, fmt.Errorf("sqs: restoring state: %w", err)
		}
	}
	return s, &service.Service{
		Model:           "sqs",
		Operations:      api.Operations(s),
		ValidationError: validationError,
		Reset:           s.Reset,
		Close:           s.Close,
		Snapshot:        s,
	}, nil
}

// newService builds the service over a journal (state.Discard for memory).
func newService(deps service.Deps, log state.Log) *Service {
	c := deps.Clock
	if c == nil {
		c = clock.New()
	}
	ids := deps.IDs
	if ids == nil {
		ids = id.NewRandom()
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		clock:      c,
		ids:        ids,
		log:        logger,
		journal:    log,
		persistent: state.Persistent(log),
		regions:    map[regionKey]*region{},
		tasks:      map[string]*moveTask{},
		closing:    make(chan struct{}),
	}
}

// Reset deletes every queue, message and move task. Long polls in progress
// end as if their queue had been deleted.
func (s *Service) Reset() {
	s.replace(map[regionKey]*region{})
}

// replace makes regions the service's queues, dropping every queue, message
// and move task before (long polls on them end as if their queue had been
// deleted) and their journal records.
func (s *Service) replace(regions map[regionKey]*region) {
	s.mu.Lock()
	old := s.regions
	s.regions = regions
	s.mu.Unlock()
	s.stopTasks()
	for _, r := range old {
		r.mu.RLock()
		for _, q := range r.queues {
			q.mu.Lock()
			q.gone = true
			q.purge()
			q.notify()
			q.mu.Unlock()
		}
		r.mu.RUnlock()
	}
	if s.persistent {
		if err := s.journal.DeletePrefix(nsQueues, ""); err != nil {
			s.log.Error("sqs: journal reset", "error", err)
		}
		for _, r := range old {
			for _, q := range r.queues {
				s.journal.DeletePrefix(messagesNamespace(q.ref), "")
			}
		}
	}
}

// Close ends long polls and move tasks and closes the journal.
func (s *Service) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.stopTasks()
	if s.closeLog != nil {
		return s.closeLog()
	}
	return nil
}

// regionFor returns the queues of an account in a region, creating the
// (empty) region when create is set; it returns nil otherwise.
func (s *Service) regionFor(account, regionName string, create bool) *region {
	k := regionKey{account, regionName}
	s.mu.RLock()
	r := s.regions[k]
	s.mu.RUnlock()
	if r != nil || !create {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.regions[k]; r == nil {
		r = &region{queues: map[string]*queue{}, deleted: map[string]time.Time{}}
		s.regions[k] = r
	}
	return r
}

// lookup returns the queue ref names, or nil.
func (s *Service) lookup(ref queueRef) *queue {
	r := s.regionFor(ref.account, ref.region, false)
	if r == nil {
		return nil
	}
	r.mu.RLock()
	q := r.queues[ref.name]
	r.mu.RUnlock()
	return q
}

// queueFor resolves a QueueUrl parameter to its queue, or QueueDoesNotExist.
func (s *Service) queueFor(ctx context.Context, url *string) (*queue, *awserr.Error) {
	if url == nil {
		return nil, missingParameter("QueueUrl")
	}
	info := request.From(ctx)
	ref, ok := parseQueueURL(*url, callerAccount(info), callerRegion(info))
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	q := s.lookup(ref)
	if q == nil {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

// queueByARN resolves a queue ARN, or nil.
func (s *Service) queueByARN(arn string) *queue {
	ref, ok := parseQueueARN(arn)
	if !ok {
		return nil
	}
	return s.lookup(ref)
}

func callerAccount(info *request.Info) string {
	if info.Account == "" {
		return "000000000000"
	}
	return info.Account
}

func callerRegion(info *request.Info) string {
	if info.Region == "" {
		return "us-east-1"
	}
	return info.Region
}

// newHandleID returns a random id for a new queue's receipt handles.
func (s *Service) newHandleID() uint64 {
	var b [8]byte
	hex := s.ids.Hex(8)
	for i := 0; i < 8 && 2*i+1 < len(hex); i++ {
		b[i] = unhex(hex[2*i])<<4 | unhex(hex[2*i+1])
	}
	return binary.BigEndian.Uint64(b[:])
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// errInternal wraps a failure of Virga itself (such as a journal write).
func errInternal(err error) *awserr.Error {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e
	}
	return awserr.Internal(err)
}
