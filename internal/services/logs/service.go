// Package logs is Virga's Amazon CloudWatch Logs: log groups and streams,
// event ingestion and retrieval, filter patterns, retention on the injected
// clock, tags, and subscription and metric filter definitions.
package logs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/logs/api"
	"github.com/virga-aws/virga/internal/state"
	"github.com/virga-aws/virga/internal/validate"
)

// Store is the CloudWatch Logs service: it answers the API and, through
// [Store.Append], takes log events from other services in-process. Groups
// live per account and region; one lock per region guards its groups,
// streams and events.
type Store struct {
	api.Unimplemented

	clock      *clock.Clock
	ids        id.Source
	log        *slog.Logger
	journal    state.Log
	persistent bool
	closeLog   func() error

	mu      sync.RWMutex
	regions map[regionKey]*region
}

var _ api.Service = (*Store)(nil)

// New returns the CloudWatch Logs service for registration. With
// deps.DataDir set it keeps a journal in DataDir/logs and restores the
// groups, streams and events recorded there.
func New(deps service.Deps) (*service.Service, error) {
	svc, _, err := NewWithStore(deps)
	return svc, err
}

// NewWithStore is New, also returning the Store behind the service so that
// other services (Lambda) can write log events in-process.
func NewWithStore(deps service.Deps) (*service.Service, *Store, error) {
	log := state.Discard
	var closeLog func() error
	var replay func(func(ns, key string, value []byte) error) error
	if deps.DataDir != "" {
		j, err := state.OpenJournal(filepath.Join(deps.DataDir, "logs"), state.Options{Logger: deps.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("logs: %w", err)
		}
		log, closeLog, replay = j, j.Close, j.Replay
	}
	s := newStore(deps, log)
	s.closeLog = closeLog
	if replay != nil {
		if err := s.restore(replay, false); err != nil {
			closeLog()
			return nil, nil, fmt.Errorf("logs: restoring state: %w", err)
		}
	}
	return &service.Service{
		Model:           "logs",
		Operations:      api.Operations(s),
		ValidationError: validationError,
		Reset:           s.Reset,
		Close:           s.Close,
		Snapshot:        snapshotter{s},
	}, s, nil
}

func newStore(deps service.Deps, log state.Log) *Store {
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
	return &Store{
		clock: c, ids: ids, log: logger, journal: log, persistent: state.Persistent(log),
		regions: map[regionKey]*region{},
	}
}

// Reset deletes every log group with its streams, events and filters.
func (s *Store) Reset() {
	s.mu.Lock()
	old := s.regions
	s.regions = map[regionKey]*region{}
	s.mu.Unlock()
	markGone(old)
	if s.persistent {
		for _, ns := range []string{nsGroups, nsStreams, nsEvents} {
			if err := s.journal.DeletePrefix(ns, ""); err != nil {
				s.log.Error("logs: journal reset", "error", err)
			}
		}
	}
}

// Close closes the journal.
func (s *Store) Close() error {
	if s.closeLog != nil {
		return s.closeLog()
	}
	return nil
}

// regionFor returns the groups of an account in a region, creating the
// empty region when create is set; nil otherwise.
func (s *Store) regionFor(k regionKey, create bool) *region {
	s.mu.RLock()
	r := s.regions[k]
	s.mu.RUnlock()
	if r != nil || !create {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.regions[k]; r == nil {
		r = &region{key: k, groups: map[string]*logGroup{}}
		s.regions[k] = r
	}
	return r
}

// caller returns the account and region of the request in ctx.
func caller(ctx context.Context) regionKey {
	info := request.From(ctx)
	k := regionKey{account: "000000000000", region: "us-east-1"}
	if info != nil {
		if info.Account != "" {
			k.account = info.Account
		}
		if info.Region != "" {
			k.region = info.Region
		}
	}
	return k
}

// lockRegion locks the caller's region (creating it when create is set)
// and returns it with its unlock function; r is nil when the region has no
// state and create is false.
func (s *Store) lockRegion(ctx context.Context, create bool) (*region, func()) {
	return s.lockRegionKey(caller(ctx), create)
}

// lockRegionKey locks the region of k, as lockRegion does. A region that a
// reset or a state load replaced while we waited for its lock is looked up
// again, so that no write lands in (and is journaled for) dropped state.
func (s *Store) lockRegionKey(k regionKey, create bool) (*region, func()) {
	for {
		r := s.regionFor(k, create)
		if r == nil {
			return nil, func() {}
		}
		r.mu.Lock()
		if !r.gone {
			return r, r.mu.Unlock
		}
		r.mu.Unlock()
	}
}

// validationError turns model violations into CloudWatch Logs'
// InvalidParameterException with AWS's standard validation wording.
func validationError(op string, v []validate.Violation) *awserr.Error {
	return api.ErrInvalidParameterException(validate.Summary(v))
}

func errGroupNotFound() *awserr.Error {
	return api.ErrResourceNotFoundException("The specified log group does not exist.")
}

func errStreamNotFound() *awserr.Error {
	return api.ErrResourceNotFoundException("The specified log stream does not exist.")
}

func invalidParameter(format string, args ...any) *awserr.Error {
	return api.ErrInvalidParameterException(fmt.Sprintf(format, args...))
}

// errInternal wraps a failure of Virga itself (such as a journal write).
func errInternal(err error) *awserr.Error {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e
	}
	return awserr.Internal(err)
}
