// Package service defines how a service implementation plugs into the
// gateway: its model, its operation table, and its optional lifecycle.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/virga-aws/virga/internal/bus"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/state"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/validate"
)

// Operation is one entry of a generated operation table.
type Operation struct {
	// NewInput returns a pointer to a zero input value.
	NewInput func() any
	// Call runs the handler with the bound input.
	Call func(ctx context.Context, in any) (any, error)
}

// Service is a service implementation registered with the gateway.
type Service struct {
	// Model is the model name (e.g. "sqs").
	Model string
	// Operations is the generated table routing to the handlers.
	Operations map[string]Operation
	// ValidationError turns the model-validation failures of an input into
	// the error this service returns for them; nil uses the generic
	// "ValidationException: N validation error(s) detected" format.
	ValidationError func(op string, v []validate.Violation) *awserr.Error
	// Reset clears all of the service's state.
	Reset func()
	// Close stops the service's background work, if any.
	Close func() error
	// Snapshot saves and loads the service's whole state for
	// /_virga/state; nil for services with no state worth saving. Restore
	// replaces the state (and rewrites the service's journal, so a restart
	// finds what was loaded).
	Snapshot state.Snapshotter
	// Bodies, for services that keep bodies in a blob store (S3), returns
	// the store and the ids of the bodies the current state refers to, so
	// snapshots can carry them.
	Bodies func() (state.Blobs, []string)
	// Preflight, for REST services that answer CORS preflight requests
	// (S3), answers an OPTIONS request for the resource named by the REST
	// URI labels: the headers of a 200 response, or an error (such as S3's
	// 403 CORSResponse). Origin, method and headers come from the Origin,
	// Access-Control-Request-Method and Access-Control-Request-Headers
	// request headers.
	Preflight func(ctx context.Context, labels map[string]string, origin, method string, headers []string) (http.Header, error)
	// Internal, for services that answer plain HTTP requests of their own
	// (Lambda's code downloads), serves every path under
	// /_virga/<Model>/; the handler sees the request path unchanged.
	Internal http.Handler
	// Hosts, for services reachable at host names of their own (Lambda
	// function URLs), returns the handler for a request whose Host header
	// (port included) is host, or nil when the host is not the service's.
	// The gateway asks before routing any AWS request. The handler runs
	// holding the gateway's hold as operation handlers do, so a handler
	// that waits on other requests to Virga waits in gateway.Idle.
	Hosts func(host string) http.Handler
}

// Deps are what the server gives every service constructor. Services take
// time, ids and persistence from here and nowhere else.
type Deps struct {
	// Clock is the one clock all timers read.
	Clock *clock.Clock
	// IDs generates identifiers.
	IDs id.Source
	// Identity resolves access keys and holds STS sessions.
	Identity *identity.Registry
	// Logger is the server's logger.
	Logger *slog.Logger
	// DataDir is the persistence directory, "" when in memory.
	DataDir string
	// Bus carries cross-service deliveries (destinations, notifications,
	// fan-out). Services that receive them register a handler on it.
	Bus *bus.Bus
}
