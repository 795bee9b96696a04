package lambda

import (
	"context"
	"fmt"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// defaultAccountConcurrency is AWS's default concurrent executions quota
// per account and region.
const defaultAccountConcurrency = 1000

// minUnreserved is the unreserved concurrency AWS always keeps for
// functions without reserved concurrency.
const minUnreserved = 100

// accountKey names an account in a region.
type accountKey struct{ account, region string }

// accountUsage counts the running invocations of functions without
// reserved concurrency.
type accountUsage struct {
	unreservedInflight int
}

// reservedSum is the concurrency reserved by the account's functions.
func (s *Service) reservedSum(account, region string) int {
	s.mu.Lock()
	fns := make([]*function, 0, len(s.functions))
	for k, f := range s.functions {
		if k.account == account && k.region == region {
			fns = append(fns, f)
		}
	}
	s.mu.Unlock()
	sum := 0
	for _, f := range fns {
		f.mu.Lock()
		if f.reserved != nil {
			sum += int(*f.reserved)
		}
		f.mu.Unlock()
	}
	return sum
}

// errThrottled is AWS's TooManyRequestsException with its Reason.
func errThrottled(reason string) *awserr.Error {
	return api.ErrTooManyRequestsException("Rate Exceeded.").With("Type", "User").With("Reason", reason)
}

// admit takes a concurrency slot for an invocation of f, or returns AWS's
// throttling error; the returned func gives the slot back.
func (s *Service) admit(f *function, v *version) (func(), *awserr.Error) {
	ak := accountKey{f.key.account, f.key.region}
	reserved := s.reservedSum(ak.account, ak.region)
	s.mu.Lock()
	defer s.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reserved != nil {
		if f.inflight >= int(*f.reserved) {
			return nil, errThrottled("ReservedFunctionConcurrentInvocationLimitExceeded")
		}
		f.inflight++
		return func() {
			f.mu.Lock()
			f.inflight--
			f.mu.Unlock()
		}, nil
	}
	u := s.accounts[ak]
	if u == nil {
		u = &accountUsage{}
		s.accounts[ak] = u
	}
	if u.unreservedInflight >= s.opts.AccountConcurrency-reserved {
		return nil, errThrottled("ConcurrentInvocationLimitExceeded")
	}
	u.unreservedInflight++
	f.inflight++
	return func() {
		s.mu.Lock()
		u.unreservedInflight--
		s.mu.Unlock()
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}, nil
}

// PutFunctionConcurrency reserves concurrency for a function.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *api.PutFunctionConcurrencyRequest) (*api.Concurrency, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q != "" {
		return nil, invalidParameter("Reserved concurrency can only be set on the unqualified function.")
	}
	if in.ReservedConcurrentExecutions == nil {
		return nil, validationError("reservedConcurrentExecutions", nil, "Member must not be null")
	}
	n := *in.ReservedConcurrentExecutions
	others := s.reservedSum(f.key.account, f.key.region)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reserved != nil {
		others -= int(*f.reserved)
	}
	if s.opts.AccountConcurrency-others-int(n) < minUnreserved {
		return nil, invalidParameter(fmt.Sprintf("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", minUnreserved))
	}
	f.reserved = &n
	if aerr := s.journalFunction(f); aerr != nil {
		return nil, aerr
	}
	return &api.Concurrency{ReservedConcurrentExecutions: i32(n)}, nil
}

// GetFunctionConcurrency returns a function's reserved concurrency.
func (s *Service) GetFunctionConcurrency(ctx context.Context, in *api.GetFunctionConcurrencyRequest) (*api.GetFunctionConcurrencyResponse, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &api.GetFunctionConcurrencyResponse{}
	if f.reserved != nil {
		out.ReservedConcurrentExecutions = i32(*f.reserved)
	}
	return out, nil
}

// DeleteFunctionConcurrency removes a function's reserved concurrency.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, in *api.DeleteFunctionConcurrencyRequest) (*api.Empty, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	f.reserved = nil
	aerr = s.journalFunction(f)
	f.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return &api.Empty{}, nil
}
