// Package gateway is Virga's HTTP front: it routes each request to a service
// and operation, resolves the caller, and runs the model-driven pipeline
// decode → validate → handler → encode.
package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/sigv4"
	"github.com/virga-aws/virga/internal/validate"
)

// DefaultRegion is the region of requests whose credential scope names none.
const DefaultRegion = "us-east-1"

// Config is what a Gateway is built from.
type Config struct {
	// Services are the implemented services.
	Services []*service.Service
	// Codecs maps a model protocol name to its codec.
	Codecs map[string]protocol.Codec
	// Identity resolves access keys.
	Identity *identity.Registry
	// IDs generates request ids.
	IDs id.Source
	// Logger receives one line per request; bodies at debug level.
	Logger *slog.Logger
	// Verifier, when set, checks every request's SigV4 signature.
	Verifier *sigv4.Verifier
	// Internal serves /_virga/ and /_localstack/.
	Internal http.Handler
}

// Gateway is the http.Handler serving the AWS APIs.
//
// # Pausing
//
// The internal API saves, loads and resets state while no AWS request is
// changing it: [Gateway.Pause] stops requests from entering their
// handlers and waits for those inside to leave. Each handler call (and each
// CORS preflight) holds a read lock of one sync.RWMutex for exactly as long
// as the handler runs, which includes reading a streamed request body (an S3
// upload); Pause takes the write lock. Decoding before the handler and
// encoding after it hold nothing: a response body a handler returns (an S3
// download) reads a body that stays readable after removal, so a save need
// not wait for a slow reader.
//
// A handler that waits for something other than its own work (an SQS long
// poll, for up to 20 seconds) must wait inside [Idle], which gives up the
// read lock while waiting and takes it back before the handler touches state
// again; otherwise a save would wait for the long poll, and every new request
// would wait behind the save. A handler waiting on another request to Virga
// (a Lambda invocation whose function calls back) must use Idle too, or a
// pause would deadlock.
type Gateway struct {
	cfg      Config
	router   *Router
	services map[string]*service.Service
	// quiet is held for reading by running handlers and for writing by
	// Pause.
	quiet sync.RWMutex
}

// Pause waits until no AWS request is running a handler (long polls idle
// in [Idle] do not count) and keeps new ones from starting until resume is
// called. Requests arriving meanwhile wait; /_virga/ requests are not
// paused. Calls to Pause do not nest: resume before pausing again.
func (g *Gateway) Pause() (resume func()) {
	g.quiet.Lock()
	return g.quiet.Unlock
}

// holdKey is the context key of the lock a handler call holds.
type holdKey struct{}

// Idle runs wait, a handler's wait for an event (such as a long poll's wait
// for a message), without the handler's hold on the gateway, so that
// [Gateway.Pause] need not wait for it; it takes the hold back before
// returning, waiting for a pause in progress to end. wait must not read or
// change service state. Outside a gateway handler call Idle just runs wait.
func Idle(ctx context.Context, wait func()) {
	m, _ := ctx.Value(holdKey{}).(*sync.RWMutex)
	if m == nil {
		wait()
		return
	}
	m.RUnlock()
	defer m.RLock()
	wait()
}

// New returns a Gateway.
func New(cfg Config) *Gateway {
	g := &Gateway{cfg: cfg, router: NewRouter(), services: map[string]*service.Service{}}
	for _, s := range cfg.Services {
		g.services[s.Model] = s
	}
	if g.cfg.Logger == nil {
		g.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return g
}

// ServeHTTP serves one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.serveHost(w, r) {
		return
	}
	if g.cfg.Internal != nil && (strings.HasPrefix(r.URL.Path, "/_virga/") || strings.HasPrefix(r.URL.Path, "/_localstack/")) {
		g.cfg.Internal.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rid := g.cfg.IDs.UUID()
	route, _ := g.router.Route(r)
	// The request's info and status writer live as long as each other:
	// one allocation.
	st := &served{
		info: request.Info{
			RequestID: rid,
			Service:   route.Service.Name,
			Operation: route.Operation,
			Protocol:  route.Protocol,
			Region:    DefaultRegion,
			Host:      r.Host,
			Scheme:    "http",
			Query:     route.Query,
		},
		sw: statusWriter{ResponseWriter: w},
	}
	info, sw := &st.info, &st.sw
	if info.Query == nil && r.URL.RawQuery != "" {
		info.Query = r.URL.Query()
	}
	if r.TLS != nil {
		info.Scheme = "https"
	}
	if route.Signed {
		if route.Credential.Region != "" {
			info.Region = route.Credential.Region
		}
		info.AccessKeyID = route.Credential.AccessKeyID
	}
	caller := g.cfg.Identity.Caller(info.AccessKeyID)
	info.Account, info.Principal, info.UserID = caller.Account, caller.ARN, caller.UserID

	debug := g.cfg.Logger.Enabled(r.Context(), slog.LevelDebug)
	var reqBody *headBuffer
	if debug {
		reqBody = &headBuffer{}
		r.Body = teeBody{Reader: io.TeeReader(r.Body, reqBody), Closer: r.Body}
		sw.body = &headBuffer{}
	}
	g.serve(sw, r, route, info)

	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	} else if !g.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	attrs := [...]slog.Attr{
		slog.String("service", route.Service.ServiceID), slog.String("operation", info.Operation),
		slog.String("account", info.Account), slog.String("region", info.Region),
		slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)), slog.String("request_id", rid),
		{}, {},
	}
	n := 7
	if debug {
		attrs[7], attrs[8] = slog.String("request_body", reqBody.String()), slog.String("response_body", sw.body.String())
		n = 9
	}
	g.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs[:n]...)
}

// served is what ServeHTTP keeps about one request.
type served struct {
	info request.Info
	sw   statusWriter
}

// maxLoggedBody bounds the bytes of each body a debug log line shows.
const maxLoggedBody = 4096

// headBuffer keeps the first maxLoggedBody bytes written to it.
type headBuffer struct {
	buf   []byte
	total int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.total += len(p)
	if room := maxLoggedBody - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	if h.total > len(h.buf) {
		return string(h.buf) + "…(" + strconv.Itoa(h.total) + " bytes)"
	}
	return string(h.buf)
}

// teeBody is a request body that copies what is read into a headBuffer.
type teeBody struct {
	io.Reader
	io.Closer
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, route Route, info *request.Info) {
	codec := g.cfg.Codecs[route.Protocol]
	if codec == nil {
		http.Error(w, "Virga has no codec for protocol "+route.Protocol, http.StatusNotImplemented)
		return
	}
	m, err := model.Load(route.Service.Name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	call := &protocol.Call{Model: m, RequestID: info.RequestID, Request: r, Labels: route.Labels}
	fail := func(e *awserr.Error) {
		call.Header = info.ResponseHeader
		codec.EncodeError(w, call, e)
	}
	if g.cfg.Verifier != nil {
		if err := g.cfg.Verifier.Verify(r); err != nil {
			fail(signatureError(err))
			return
		}
	}
	if route.FormError != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(route.FormError, &tooLarge) {
			fail(awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "Request body is larger than the 16 MiB this endpoint accepts"))
		} else {
			fail(awserr.New("MalformedQueryString", http.StatusBadRequest, route.FormError.Error()))
		}
		return
	}
	if e := g.decodeChunked(r, info); e != nil {
		fail(e)
		return
	}
	call.Trailers = info.Trailers
	svc := g.services[m.Name]
	if r.Method == http.MethodOptions && svc != nil && svc.Preflight != nil {
		g.preflight(w, r, m, svc, call, info)
		return
	}
	op := m.Operations[route.Operation]
	if op == nil {
		fail(unknownOperation(m, route))
		return
	}
	call.Operation = op
	var entry service.Operation
	if svc != nil {
		entry = svc.Operations[op.Name]
	}
	if entry.Call == nil {
		fail(awserr.NotImplemented(m.Metadata.ServiceID, op.Name))
		return
	}
	in := entry.NewInput()
	var tree map[string]any
	typed := false
	if td, ok := codec.(typedDecoder); ok && op.Input != nil {
		tree, err = td.DecodeTypedRequest(call, in, validInput)
		typed = tree == nil && err == nil
	} else {
		tree, err = codec.DecodeRequest(call)
	}
	if err != nil {
		fail(awserr.As(err))
		return
	}
	if !typed {
		if op.Input != nil {
			if vs := validate.Check(op.Input.Shape, tree, validate.Options{}); len(vs) > 0 {
				if svc.ValidationError != nil {
					if e := svc.ValidationError(op.Name, vs); e != nil {
						fail(e)
						return
					}
				} else {
					fail(awserr.New("ValidationException", 400, validate.Summary(vs)))
					return
				}
			}
		}
		if err := protocol.Bind(tree, in); err != nil {
			fail(awserr.New("SerializationException", 400, err.Error()))
			return
		}
	}
	ctx := request.With(r.Context(), info)
	out, err := g.call(ctx, entry, in)
	if err != nil {
		fail(awserr.As(err))
		return
	}
	call.Status = info.ResponseStatus
	call.Header = info.ResponseHeader
	if te, ok := codec.(typedEncoder); ok {
		err = te.EncodeTypedResponse(w, call, out)
	} else {
		outTree, _ := protocol.Unbind(out).(map[string]any)
		if outTree == nil {
			outTree = map[string]any{}
		}
		err = codec.EncodeResponse(w, call, outTree)
	}
	if err != nil {
		g.cfg.Logger.Debug("response write failed", "request_id", info.RequestID, "error", err)
	}
}

// typedEncoder is a codec that writes a handler's typed output directly,
// as EncodeResponse would write protocol.Unbind(out) (or the empty
// structure when that is not one), without building the tree.
type typedEncoder interface {
	EncodeTypedResponse(w http.ResponseWriter, c *protocol.Call, out any) error
}

// typedDecoder is a codec that decodes a request straight into the
// operation's generated input (in, from NewInput) when it can, asking
// accept to approve the decoded value, and otherwise returns what
// DecodeRequest returns (leaving in zero). A nil tree and nil error mean
// in holds the input, exactly as protocol.Bind would make it of the tree,
// and it passed validation.
type typedDecoder interface {
	DecodeTypedRequest(c *protocol.Call, in any, accept func(c *protocol.Call, in any) bool) (map[string]any, error)
}

// validInput approves a typed input that model validation finds nothing
// wrong with; a value it refuses takes the tree path, which reports the
// violations.
func validInput(c *protocol.Call, in any) bool {
	return validate.Valid(c.Operation.Input.Shape, in, validate.Options{})
}

// preflight answers a CORS preflight request through the service's
// Preflight hook; the resource is found by matching the path as a GET.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request, m *model.Model, svc *service.Service, call *protocol.Call, info *request.Info) {
	labels := call.Labels
	if labels == nil {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		if route, ok := g.router.Route(get); ok {
			labels = route.Labels
		}
	}
	var headers []string
	for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			headers = append(headers, strings.ToLower(h))
		}
	}
	info.Operation = "PreflightRequest"
	ctx := request.With(r.Context(), info)
	h, err := func() (http.Header, error) {
		g.quiet.RLock()
		defer g.quiet.RUnlock()
		return svc.Preflight(ctx, labels, r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method"), headers)
	}()
	if err != nil {
		codec := g.cfg.Codecs[model.ProtocolRESTXML]
		if m.Metadata.Protocol == model.ProtocolRESTJSON {
			codec = g.cfg.Codecs[model.ProtocolRESTJSON]
		}
		if codec != nil {
			codec.EncodeError(w, call, awserr.As(err))
			return
		}
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	protocol.CopyHeaders(w, h)
	w.Header().Set("X-Amz-Request-Id", info.RequestID)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// call runs a handler holding the gateway's read lock (see Pause), turning
// a panic into an InternalFailure so one bad request never takes the server
// down.
func (g *Gateway) call(ctx context.Context, entry service.Operation, in any) (out any, err error) {
	g.quiet.RLock()
	defer g.quiet.RUnlock()
	ctx = context.WithValue(ctx, holdKey{}, &g.quiet)
	defer func() {
		if p := recover(); p != nil {
			g.cfg.Logger.Error("handler panic", "panic", p)
			out, err = nil, &awserr.Error{Code: "InternalFailure", Message: "internal error", Status: 500}
		}
	}()
	return entry.Call(ctx, in)
}

func unknownOperation(m *model.Model, route Route) *awserr.Error {
	switch route.Protocol {
	case model.ProtocolQuery, model.ProtocolEC2:
		if route.Operation == "" {
			return awserr.New("MissingAction", 400, "Missing Action")
		}
		return awserr.Newf("InvalidAction", 400, "The action %s is not valid for this web service.", route.Operation)
	case model.ProtocolRESTXML, model.ProtocolRESTJSON:
		if m.Name == "s3" {
			return awserr.New("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
		}
		return awserr.New("UnknownOperationException", 404, "No operation matches the request")
	}
	if route.Operation == "" {
		return awserr.New("UnknownOperationException", 400, "Missing operation")
	}
	return awserr.New("UnknownOperationException", 400, "Unknown operation "+route.Operation)
}

func signatureError(err error) *awserr.Error {
	if e, ok := err.(*sigv4.Error); ok {
		return &awserr.Error{Code: e.Code, Message: e.Message, Status: e.Status, Sender: true}
	}
	return awserr.New("SignatureDoesNotMatch", 403, err.Error())
}

// statusWriter records the status code (and, at debug level, the start of
// the body) for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   *headBuffer
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if s.body != nil {
		s.body.Write(b)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// ReadFrom keeps net/http's sendfile path for streamed bodies (S3 GET).
func (s *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if rf, ok := s.ResponseWriter.(io.ReaderFrom); ok && s.body == nil {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{s}, r)
}
