package dynamodb

import (
	"context"
	"time"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// ttlSweepInterval is how often expired items are deleted, on the
// injected clock. AWS deletes expired items within a few days; Virga does
// it within this interval so tests can advance the clock and see them go.
const ttlSweepInterval = time.Second

// ttlMaxAge: AWS ignores expiry times more than five years in the past
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html).
const ttlMaxAge = 5 * 365 * 24 * time.Hour

func (s *Service) UpdateTimeToLive(ctx context.Context, in *api.UpdateTimeToLiveInput) (*api.UpdateTimeToLiveOutput, error) {
	t, err := s.describedTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil || spec.AttributeName == nil {
		return nil, validationf("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	t.mu.Lock()
	switch {
	case *spec.Enabled && t.ttlEnabled:
		t.mu.Unlock()
		return nil, validationf("TimeToLive is already enabled")
	case !*spec.Enabled && !t.ttlEnabled:
		t.mu.Unlock()
		return nil, validationf("TimeToLive is already disabled")
	case !*spec.Enabled && *spec.AttributeName != t.ttlAttr:
		t.mu.Unlock()
		return nil, validationf("TimeToLive is active on a different AttributeName: current AttributeName is %s", t.ttlAttr)
	}
	t.ttlEnabled = *spec.Enabled
	t.ttlAttr = *spec.AttributeName
	t.mu.Unlock()
	if e := s.persistTable(t); e != nil {
		return nil, e
	}
	return &api.UpdateTimeToLiveOutput{TimeToLiveSpecification: spec}, nil
}

func (s *Service) DescribeTimeToLive(ctx context.Context, in *api.DescribeTimeToLiveInput) (*api.DescribeTimeToLiveOutput, error) {
	t, err := s.describedTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	d := &api.TimeToLiveDescription{TimeToLiveStatus: ptr("DISABLED")}
	if t.ttlEnabled {
		d.TimeToLiveStatus, d.AttributeName = ptr("ENABLED"), ptr(t.ttlAttr)
	}
	return &api.DescribeTimeToLiveOutput{TimeToLiveDescription: d}, nil
}

func (s *Service) scheduleTTL() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closing:
		return
	default:
	}
	s.ttlTimer = s.clock.AfterFunc(ttlSweepInterval, func() {
		s.SweepTTL()
		s.scheduleTTL()
	})
}

// SweepTTL deletes every item whose TTL attribute has passed, recording
// each deletion in the table's stream as a service deletion.
func (s *Service) SweepTTL() {
	s.mu.RLock()
	var tables []*table
	for _, byName := range s.tables {
		for _, t := range byName {
			tables = append(tables, t)
		}
	}
	s.mu.RUnlock()
	now := s.now()
	for _, t := range tables {
		t.mu.Lock()
		if t.ttlEnabled && !t.deleted {
			var expired []expr.Item
			for _, p := range t.data.parts {
				for _, e := range p.entries {
					if expiredAt(e.item[t.ttlAttr], now) {
						expired = append(expired, e.item)
					}
				}
			}
			for _, item := range expired {
				pk, hv, sk, err := t.keyOf(item)
				if err == nil {
					s.write(t, pk, hv, sk, nil, true)
				}
			}
		}
		t.mu.Unlock()
	}
}

func expiredAt(v api.AttributeValue, now time.Time) bool {
	if v.N == nil {
		return false
	}
	d, err := expr.ParseNumber(*v.N)
	if err != nil || d.Neg {
		return false
	}
	secs, err := parseEpoch(d)
	if err != nil {
		return false
	}
	at := time.Unix(secs, 0)
	return !at.After(now) && now.Sub(at) <= ttlMaxAge
}

func parseEpoch(d expr.Decimal) (int64, error) {
	if d.Exp > 18 {
		return 0, errTooBig
	}
	var n int64
	for i := 0; i < d.Exp; i++ {
		n *= 10
		if i < len(d.Digits) {
			n += int64(d.Digits[i] - '0')
		}
	}
	return n, nil
}

type ttlError string

func (e ttlError) Error() string { return string(e) }

const errTooBig = ttlError("epoch out of range")
