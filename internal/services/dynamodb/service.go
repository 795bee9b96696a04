// Package dynamodb is Virga's Amazon DynamoDB: tables with ordered
// per-partition indexes, the full expression language, secondary indexes,
// batches, transactions, TTL on the injected clock and streams.
package dynamodb

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/state"
	"github.com/virga-aws/virga/internal/validate"
)

// Service implements the DynamoDB API. Tables live per account and
// region; each table has its own read-write lock, so requests on different
// tables never wait for each other and reads of one table run in parallel.
type Service struct {
	api.Unimplemented

	clock      *clock.Clock
	ids        id.Source
	log        *slog.Logger
	journal    state.Log
	persistent bool
	closeLog   func() error

	mu     sync.RWMutex
	tables map[regionKey]map[string]*table

	tokensMu sync.Mutex
	tokens   map[string]txToken

	ttlTimer *clock.Timer
	closing  chan struct{}
	closed   sync.Once
}

type regionKey struct{ account, region string }

var _ api.Service = (*Service)(nil)

// New returns the DynamoDB service. With deps.DataDir set it keeps a
// journal in DataDir/dynamodb and restores the tables and items recorded
// there.
func New(deps service.Deps) (*service.Service, error) {
	_, svc, err := Build(deps)
	return svc, err
}

// Build is New, also returning the Service behind the registration, whose
// stream API (Streams, GetStreamRecords) the dynamodbstreams service and
// Lambda event-source mappings read in-process.
func Build(deps service.Deps) (*Service, *service.Service, error) {
	s := &Service{
		clock: deps.Clock, ids: deps.IDs, log: deps.Logger, journal: state.Discard,
		tables: map[regionKey]map[string]*table{}, tokens: map[string]txToken{},
		closing: make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = clock.New()
	}
	if s.ids == nil {
		s.ids = id.NewRandom()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if deps.DataDir != "" {
		j, err := state.OpenJournal(filepath.Join(deps.DataDir, "dynamodb"), state.Options{Logger: deps.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("dynamodb: %w", err)
		}
		s.journal, s.closeLog, s.persistent = j, j.Close, true
		if err := s.restore(j.Replay, false); err != nil {
			j.Close()
			return nil, nil, fmt.Errorf("dynamodb: restoring state: %w", err)
		}
	}
	s.scheduleTTL()
	return s, &service.Service{
		Model:           "dynamodb",
		Operations:      s.wireOperations(api.Operations(s)),
		ValidationError: validationError,
		Reset:           s.Reset,
		Close:           s.Close,
		Snapshot:        snapshotter{s},
	}, nil
}

// Reset deletes every table, item and stream.
func (s *Service) Reset() {
	s.mu.Lock()
	old := s.tables
	s.tables = map[regionKey]map[string]*table{}
	s.mu.Unlock()
	markDeleted(old)
	s.tokensMu.Lock()
	s.tokens = map[string]txToken{}
	s.tokensMu.Unlock()
	if s.persistent {
		if err := s.journal.DeletePrefix(nsTables, ""); err != nil {
			s.log.Error("dynamodb: journal reset", "error", err)
		}
		if err := s.journal.DeletePrefix(nsItemsPrefix, ""); err != nil {
			s.log.Error("dynamodb: journal reset", "error", err)
		}
	}
}

// Close stops the TTL sweeper and closes the journal.
func (s *Service) Close() error {
	s.closed.Do(func() {
		close(s.closing)
		s.mu.Lock()
		if s.ttlTimer != nil {
			s.ttlTimer.Stop()
		}
		s.mu.Unlock()
	})
	if s.closeLog != nil {
		return s.closeLog()
	}
	return nil
}

func caller(ctx context.Context) regionKey {
	info := request.From(ctx)
	k := regionKey{"000000000000", "us-east-1"}
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

// tableName resolves a TableName parameter, which may also be a table ARN.
func tableName(ctx context.Context, name string) (regionKey, string) {
	k := caller(ctx)
	if strings.HasPrefix(name, "arn:") {
		parts := strings.SplitN(name, ":", 6)
		if len(parts) == 6 && strings.HasPrefix(parts[5], "table/") {
			k = regionKey{parts[4], parts[3]}
			name = strings.SplitN(strings.TrimPrefix(parts[5], "table/"), "/", 2)[0]
		}
	}
	return k, name
}

func (s *Service) lookup(k regionKey, name string) *table {
	s.mu.RLock()
	t := s.tables[k][name]
	s.mu.RUnlock()
	return t
}

// table returns the named table for an item operation, or DynamoDB's
// ResourceNotFoundException.
func (s *Service) table(ctx context.Context, name *string) (*table, *awserr.Error) {
	if name == nil {
		return nil, missingTableName()
	}
	k, n := tableName(ctx, *name)
	t := s.lookup(k, n)
	if t == nil {
		return nil, api.ErrResourceNotFoundException("Requested resource not found")
	}
	return t, nil
}

// describedTable returns the named table for a table operation, whose
// not-found message names the table.
func (s *Service) describedTable(ctx context.Context, name *string) (*table, *awserr.Error) {
	if name == nil {
		return nil, missingTableName()
	}
	k, n := tableName(ctx, *name)
	t := s.lookup(k, n)
	if t == nil {
		return nil, api.ErrResourceNotFoundException("Requested resource not found: Table: " + n + " not found")
	}
	return t, nil
}

func missingTableName() *awserr.Error {
	return validationf("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
}

// validationf returns DynamoDB's ValidationException.
func validationf(format string, args ...any) *awserr.Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &awserr.Error{Code: "ValidationException", Message: msg, Status: 400, Sender: true}
}

// validationError reports model violations in DynamoDB's wording (the
// standard "N validation error(s) detected" format, paths in lower camel
// case). DynamoDB checks a few things in its own words before the model,
// which the handlers do; those violations are let through here.
func validationError(op string, vs []validate.Violation) *awserr.Error {
	var keep []validate.Violation
	for _, v := range vs {
		if v.Kind == "length" && (v.Member == "ExpressionAttributeValues" || v.Member == "ExpressionAttributeNames") {
			continue
		}
		keep = append(keep, v)
	}
	if len(keep) == 0 {
		return nil
	}
	return validationf("%s", validate.Summary(keep))
}

func (s *Service) now() time.Time { return s.clock.Now() }

func ptr[T any](v T) *T { return &v }
