// Package lambda is Virga's AWS Lambda: functions whose code really runs,
// as local child processes speaking the Lambda Runtime API.
package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/lambda/api"
	"github.com/virga-aws/virga/internal/services/lambda/runtime"
)

// LogEvent is one line a function wrote, with its time.
type LogEvent struct {
	Timestamp time.Time
	Message   string
}

// LogSink receives function logs: each function writes to the log group
// /aws/lambda/<name> (or its LoggingConfig.LogGroup) and one stream per
// instance. CloudWatch Logs implements it; nil discards logs.
type LogSink interface {
	Append(account, region, group, stream string, events []LogEvent) error
}

// Destinations delivers asynchronous invocation records and dead letters to
// other services by ARN (SQS now; SNS, Lambda and EventBridge later).
// attributes become SQS message attributes (dead letters carry
// RequestID, ErrorCode and ErrorMessage).
type Destinations interface {
	Deliver(ctx context.Context, arn string, body []byte, attributes map[string]string) error
}

// Options are the cross-service connections of the Lambda service.
type Options struct {
	// Logs receives function output; nil discards it.
	Logs LogSink
	// Destinations delivers async results; nil makes deliveries fail
	// (logged).
	Destinations Destinations
	// IdleTimeout is how long a warm instance lives unused (on the
	// service clock); 0 means 10 minutes.
	IdleTimeout time.Duration
	// AccountConcurrency is the concurrent executions quota per account
	// and region; 0 means AWS's default of 1000.
	AccountConcurrency int
	// Code reads deployment packages and layer archives from S3
	// (Code.S3Bucket/S3Key); nil makes S3 sources fail with an error.
	Code CodeSource
}

// Service implements the Lambda API.
type Service struct {
	api.Unimplemented

	clock    *clock.Clock
	ids      id.Source
	identity *identity.Registry
	log      *slog.Logger
	opts     Options

	// workDir holds unpacked code and the runtime bootstraps.
	workDir    string
	ownWorkDir bool
	runtimeDir string
	bootOnce   sync.Once
	bootErr    error

	mu        sync.Mutex
	functions map[funcKey]*function
	accounts  map[accountKey]*accountUsage
	zips      map[string][]byte // zip bodies by CodeSha256 (memory mode)
	endpoint  string            // Virga's URL as last seen in a request
	closed    bool

	instancesMu sync.Mutex
	instances   map[*instance]struct{}

	layers    layerStore  // layers.go
	urls      urlStore    // urls.go
	downloads codeSigner  // code.go
	persist   persistence // persist.go

	asyncWG sync.WaitGroup
}

var _ api.Service = (*Service)(nil)

// New returns the Lambda service with no CloudWatch Logs or destination
// wiring; NewWithOptions connects them.
func New(deps service.Deps) (*service.Service, error) {
	_, svc, err := build(deps, Options{})
	return svc, err
}

// NewWithOptions returns a constructor of the Lambda service with the given
// cross-service connections.
func NewWithOptions(opts Options) func(service.Deps) (*service.Service, error) {
	return func(deps service.Deps) (*service.Service, error) {
		_, svc, err := build(deps, opts)
		return svc, err
	}
}

func build(deps service.Deps, opts Options) (*Service, *service.Service, error) {
	s := &Service{
		clock:     deps.Clock,
		ids:       deps.IDs,
		identity:  deps.Identity,
		log:       deps.Logger,
		opts:      opts,
		functions: map[funcKey]*function{},
		accounts:  map[accountKey]*accountUsage{},
		zips:      map[string][]byte{},
		instances: map[*instance]struct{}{},
	}
	if s.clock == nil {
		s.clock = clock.New()
	}
	if s.ids == nil {
		s.ids = id.NewRandom()
	}
	if s.identity == nil {
		s.identity = identity.NewRegistry("")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.IdleTimeout == 0 {
		s.opts.IdleTimeout = 10 * time.Minute
	}
	if s.opts.AccountConcurrency == 0 {
		s.opts.AccountConcurrency = defaultAccountConcurrency
	}
	if deps.DataDir != "" {
		s.workDir = filepath.Join(deps.DataDir, "lambda", "work")
		os.RemoveAll(s.workDir)
		if err := os.MkdirAll(s.workDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("lambda: %w", err)
		}
	} else {
		dir, err := os.MkdirTemp("", "virga-lambda-")
		if err != nil {
			return nil, nil, fmt.Errorf("lambda: %w", err)
		}
		s.workDir, s.ownWorkDir = dir, true
	}
	s.runtimeDir = filepath.Join(s.workDir, "runtime")
	s.downloads.key = []byte(s.ids.Hex(32))
	if err := s.openState(deps.DataDir); err != nil {
		if s.ownWorkDir {
			os.RemoveAll(s.workDir)
		}
		return nil, nil, err
	}
	return s, &service.Service{
		Model:           "lambda",
		Operations:      api.Operations(s),
		ValidationError: validationFailure,
		Reset:           s.Reset,
		Close:           s.Close,
		Snapshot:        s,
		Bodies:          s.bodies,
		Internal:        s.downloadHandler(),
		Hosts:           s.urlHost,
	}, nil
}

// Reset deletes every function, layer and function URL (with their
// journal records and blobs) and kills every instance.
func (s *Service) Reset() {
	s.mu.Lock()
	old := s.functions
	s.functions = map[funcKey]*function{}
	s.accounts = map[accountKey]*accountUsage{}
	s.zips = map[string][]byte{}
	s.mu.Unlock()
	for _, f := range old {
		f.mu.Lock()
		f.deleted = true
		f.mu.Unlock()
	}
	oldLayers := s.layers.reset()
	s.urls.reset()
	s.resetState(old, oldLayers)
	s.killAll()
	os.RemoveAll(filepath.Join(s.workDir, "code"))
	os.RemoveAll(filepath.Join(s.workDir, "opt"))
}

// Close kills every instance and removes the service's working files.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.killAll()
	err := s.closeState()
	if s.ownWorkDir {
		os.RemoveAll(s.workDir)
	}
	return err
}

// killAll kills every running instance and waits for them to end.
func (s *Service) killAll() {
	s.instancesMu.Lock()
	all := make([]*instance, 0, len(s.instances))
	for in := range s.instances {
		all = append(all, in)
	}
	s.instancesMu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Add(1)
		go func() { defer wg.Done(); in.kill() }()
	}
	wg.Wait()
}

// InstanceCount reports the running function instances (for tests and
// health output).
func (s *Service) InstanceCount() int {
	s.instancesMu.Lock()
	defer s.instancesMu.Unlock()
	return len(s.instances)
}

// bootstraps writes the managed-runtime bootstraps at first use.
func (s *Service) bootstraps() error {
	s.bootOnce.Do(func() { s.bootErr = runtime.WriteBootstraps(s.runtimeDir) })
	return s.bootErr
}

// caller returns the account and region of the request.
func caller(ctx context.Context) (account, region string) {
	info := request.From(ctx)
	account, region = info.Account, info.Region
	if account == "" {
		account = identity.DefaultAccount
	}
	if region == "" {
		region = "us-east-1"
	}
	return account, region
}

// noteEndpoint remembers Virga's URL from a request, for functions' and
// destinations' AWS_ENDPOINT_URL.
func (s *Service) noteEndpoint(ctx context.Context) string {
	info := request.From(ctx)
	if info.Host == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.endpoint
	}
	scheme := info.Scheme
	if scheme == "" {
		scheme = "http"
	}
	ep := scheme + "://" + info.Host
	s.mu.Lock()
	s.endpoint = ep
	s.mu.Unlock()
	return ep
}

// functionRef matches a function name, partial ARN or ARN, with an
// optional qualifier; compiled on first use, not at start-up.
var functionRef = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$`)
})

// parseName splits a FunctionName parameter (name, partial ARN or ARN,
// optionally with a qualifier) into a key and qualifier.
func parseName(ctx context.Context, name string) (funcKey, string, *awserr.Error) {
	account, region := caller(ctx)
	m := functionRef().FindStringSubmatch(name)
	if m == nil {
		return funcKey{}, "", validationError("functionName", name,
			`Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`)
	}
	if m[1] != "" {
		region = m[1]
	}
	if m[2] != "" {
		account = m[2]
	}
	if len(m[3]) > 64 {
		return funcKey{}, "", validationError("functionName", name, "Member must have length less than or equal to 64")
	}
	return funcKey{account: account, region: region, name: m[3]}, m[4], nil
}

// validationError is AWS's ValidationException for one member.
func validationError(path string, value any, constraint string) *awserr.Error {
	val := "null"
	if value != nil {
		val = fmt.Sprintf("'%v'", value)
	}
	return awserr.New("ValidationException", 400,
		fmt.Sprintf("1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", val, path, constraint))
}

// functionARN formats an unqualified function ARN.
func functionARN(k funcKey) string {
	return "arn:aws:lambda:" + k.region + ":" + k.account + ":function:" + k.name
}

// errFunctionNotFound is ResourceNotFoundException for a function.
func errFunctionNotFound(arn string) *awserr.Error {
	return api.ErrResourceNotFoundException("Function not found: "+arn).With("Type", "User")
}

// lookup returns the function named by a FunctionName parameter.
func (s *Service) lookup(ctx context.Context, name *string) (*function, string, *awserr.Error) {
	if name == nil {
		return nil, "", validationError("functionName", nil, "Member must not be null")
	}
	k, q, err := parseName(ctx, *name)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	f := s.functions[k]
	s.mu.Unlock()
	if f == nil {
		arn := functionARN(k)
		if q != "" {
			arn += ":" + q
		}
		return nil, "", errFunctionNotFound(arn)
	}
	return f, q, nil
}

// qualifier merges a qualifier from the name with the Qualifier parameter:
// both given and different is AWS's InvalidParameterValueException.
func qualifier(fromName string, param *string) (string, *awserr.Error) {
	if param == nil || *param == "" {
		return fromName, nil
	}
	if fromName != "" && fromName != *param {
		return "", api.ErrInvalidParameterValueException("The derived qualifier from the function name does not match the specified qualifier.").With("Type", "User")
	}
	return *param, nil
}

// resolve returns the version a qualifier names: $LATEST (or empty), a
// published version, or an alias (routed by weight when routing is set).
// f.mu must be held.
func (f *function) resolve(q string, pick func() float64) (*version, *awserr.Error) {
	switch {
	case q == "" || q == latest:
		return f.latest, nil
	case f.versions[q] != nil:
		return f.versions[q], nil
	case f.aliases[q] != nil:
		a := f.aliases[q]
		target := a.version
		if len(a.weights) > 0 && pick != nil {
			r := pick()
			keys := make([]string, 0, len(a.weights))
			for k := range a.weights {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if r < a.weights[k] {
					target = k
					break
				}
				r -= a.weights[k]
			}
		}
		return f.resolve(target, nil)
	}
	return nil, errFunctionNotFound(f.arn() + ":" + q)
}

// trimARN returns the last part of an ARN-like name, for messages.
func trimARN(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		return s[i+1:]
	}
	return s
}
