// Package request carries what a handler may know about the request it
// serves (caller identity, region, request id, host) without seeing HTTP.
package request

import (
	"context"
	"net/http"
)

// Info describes one request to its handler.
type Info struct {
	// RequestID is the id sent back in the response headers and body.
	RequestID string
	// Service is the model name of the service (e.g. "sqs").
	Service string
	// Operation is the operation name (e.g. "SendMessage").
	Operation string
	// Protocol is the wire protocol of the request (a model protocol name
	// such as "json" or "query"), for the few answers whose wording differs
	// by protocol.
	Protocol string
	// Account is the 12-digit account the caller acts in.
	Account string
	// Region is the region from the credential scope, or the default.
	Region string
	// AccessKeyID is the caller's access key id ("" when unsigned).
	AccessKeyID string
	// Principal is the caller's ARN (root, user or assumed role).
	Principal string
	// UserID is the caller's aws:userid (account id for root, ROLEID:session
	// for assumed roles).
	UserID string
	// Host is the Host header as the client sent it (host[:port]).
	Host string
	// Scheme is "http" or "https".
	Scheme string
	// Query is the raw query string values, for handlers whose behaviour
	// depends on query flags the model does not declare.
	Query map[string][]string
	// Trailers returns trailing headers of an aws-chunked body; valid once
	// the body has been read to EOF. Nil when the body has none.
	Trailers func() http.Header
	// ResponseStatus, when a handler sets it, overrides the operation's
	// modeled HTTP status code (e.g. 206 for a range GET).
	ResponseStatus int
	// ResponseHeader holds extra response headers a handler wants sent that
	// the model does not declare (e.g. CORS headers).
	ResponseHeader http.Header
}

// SetHeader adds a response header the model does not declare.
func (i *Info) SetHeader(name, value string) {
	if i.ResponseHeader == nil {
		i.ResponseHeader = http.Header{}
	}
	i.ResponseHeader.Set(name, value)
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request info in ctx, or an empty Info for contexts that
// carry none (such as in-process calls), never nil.
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{}
}
