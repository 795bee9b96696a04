// Package protocol defines the codec contract shared by Virga's seven AWS
// wire protocols and the model-shaped trees they exchange with handlers.
package protocol

import (
	"bytes"
	"io"
	"net/http"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
)

// Call is one request as a codec sees it.
type Call struct {
	// Model is the service's model.
	Model *model.Model
	// Operation is the operation being called; nil when the operation could
	// not be identified (only EncodeError is called then).
	Operation *model.Operation
	// Labels holds the REST URI labels matched by the router (member
	// location names such as "Bucket" and "Key"), already unescaped.
	Labels map[string]string
	// RequestID is the request's id.
	RequestID string
	// Request is the HTTP request.
	Request *http.Request
	// Status, when non-zero, overrides the response's HTTP status.
	Status int
	// Header holds extra response headers to send.
	Header http.Header
	// Trailers returns the trailing headers of an aws-chunked request body
	// once it has been read to EOF; nil when the body has none.
	Trailers func() http.Header
}

// Codec is one AWS wire protocol. Implementations are driven entirely by
// the model: no codec knows any particular service or operation.
type Codec interface {
	// DecodeRequest reads the input of c.Operation from c.Request into a
	// tree. Malformed input is reported as an *awserr.Error in the
	// protocol's terms.
	DecodeRequest(c *Call) (map[string]any, error)
	// EncodeResponse writes out, the output tree of c.Operation.
	EncodeResponse(w http.ResponseWriter, c *Call, out map[string]any) error
	// EncodeError writes err in the protocol's error format.
	EncodeError(w http.ResponseWriter, c *Call, err *awserr.Error)
}

// CopyHeaders adds h to the response headers.
func CopyHeaders(w http.ResponseWriter, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// ResponseStatus returns the status a successful response uses: the
// handler's override, else the operation's modeled code, else 200.
func ResponseStatus(c *Call) int {
	if c.Status != 0 {
		return c.Status
	}
	if c.Operation != nil && c.Operation.HTTP.ResponseCode != 0 {
		return c.Operation.HTTP.ResponseCode
	}
	return http.StatusOK
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
