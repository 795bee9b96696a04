// Package server assembles Virga: the clock, identity, services, codecs,
// gateway and internal API, listening on one address.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/virga-aws/virga/internal/bus"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/gateway"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol/codecs"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/sigv4"
)

// Options configure a Server.
type Options struct {
	// Listen is the address to listen on (host:port).
	Listen string
	// DataDir enables persistence when non-empty.
	DataDir string
	// DefaultAccount is the account unknown access keys map to.
	DefaultAccount string
	// ValidateSignatures turns on SigV4 verification.
	ValidateSignatures bool
	// Credentials are long-term access key → secret pairs known for
	// signature validation.
	Credentials map[string]string
	// Logger receives request logs; nil discards them.
	Logger *slog.Logger
	// Clock overrides the real clock (tests).
	Clock *clock.Clock
	// IDs overrides the random id source (tests).
	IDs id.Source
	// Services builds the services to serve: services.All for the full
	// server (cmd/virga), fewer in tests. It is an option rather than an
	// import so that service packages' own tests can start a server.
	Services func(service.Deps) ([]*service.Service, error)
}

// Server is a running Virga.
type Server struct {
	opts     Options
	deps     service.Deps
	services []*service.Service
	gateway  *gateway.Gateway
	http     *http.Server
	listener net.Listener
	// cancel ends every request context (long polls) at Close.
	cancel context.CancelFunc
}

// New builds a Server without listening yet.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.New()
	}
	if opts.IDs == nil {
		opts.IDs = id.NewRandom()
	}
	reg := identity.NewRegistry(opts.DefaultAccount)
	for k, v := range opts.Credentials {
		reg.AddSecret(k, v)
	}
	s := &Server{opts: opts}
	s.deps = service.Deps{Clock: opts.Clock, IDs: opts.IDs, Identity: reg, Logger: opts.Logger, DataDir: opts.DataDir,
		Bus: bus.New(opts.Clock)}
	if opts.Services == nil {
		return nil, errors.New("server: Options.Services is required")
	}
	svcs, err := opts.Services(s.deps)
	if err != nil {
		return nil, err
	}
	s.services = svcs
	cfg := gateway.Config{
		Services: svcs,
		Codecs:   codecs.All(),
		Identity: reg,
		IDs:      opts.IDs,
		Logger:   opts.Logger,
		Internal: s.internalAPI(),
	}
	if opts.ValidateSignatures {
		cfg.Verifier = &sigv4.Verifier{Secret: reg.Secret, Now: opts.Clock.Now, Dialect: signatureDialect}
	}
	s.gateway = gateway.New(cfg)
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.gateway }

// Clock returns the server's clock.
func (s *Server) Clock() *clock.Clock { return s.opts.Clock }

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return err
	}
	s.listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// No ReadHeaderTimeout: net/http arms it as a runtime timer on every
	// request, and arming a timer wakes an idle scheduler thread or the
	// network poller; under load that was one extra wake-up every eight
	// requests (docs/architecture.md, "No read timeouts").
	s.http = &http.Server{
		Handler:     s.gateway,
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("serve", "error", err)
		}
	}()
	return nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL returns the http:// URL of the listening address.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops serving and closes every service.
func (s *Server) Close() error {
	var errs []error
	if s.cancel != nil {
		s.cancel()
	}
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.http.Close()
		}
	}
	for _, svc := range s.services {
		if svc.Close != nil {
			errs = append(errs, svc.Close())
		}
	}
	return errors.Join(errs...)
}

// signatureDialect picks the authentication error codes of the service that
// signs with the given name, from its protocol; awsQueryCompatible JSON
// services (SQS) keep their query-era codes.
func signatureDialect(signingName string) sigv4.Dialect {
	if d := sigv4.DefaultDialect(signingName); d == sigv4.DialectS3 {
		return d
	}
	for _, s := range model.Index {
		if s.SigningName != signingName || len(s.Protocols) == 0 {
			continue
		}
		if s.QueryCompatible {
			return sigv4.DialectQuery
		}
		switch s.Protocols[0] {
		case model.ProtocolJSON, model.ProtocolCBOR:
			return sigv4.DialectJSON
		case model.ProtocolRESTJSON:
			return sigv4.DialectRESTJSON
		}
		return sigv4.DialectQuery
	}
	return sigv4.DialectQuery
}
