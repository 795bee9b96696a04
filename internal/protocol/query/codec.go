// Package query implements the awsQuery protocol (form-encoded requests,
// XML responses) and the form and XML machinery ec2Query shares.
package query

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// Codec is the awsQuery protocol: Action, Version and the input members as
// form parameters (POST body or query string); responses are
// <OperationResponse> documents with the output in <OperationResult>.
type Codec struct{}

var _ protocol.Codec = Codec{}

// DecodeRequest reads the form parameters into the operation's input tree.
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	values, err := ReadForm(c.Request, AWSQuery)
	if err != nil {
		return nil, err
	}
	if c.Operation.Input == nil {
		return map[string]any{}, nil
	}
	return DecodeForm(values, c.Operation.Input.Shape, AWSQuery)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// EncodeResponse writes
// <OpResponse xmlns="…"><OpResult>…</OpResult><ResponseMetadata><RequestId>…
// The result element is named by the output's resultWrapper, else
// "<Op>Result" (models such as SQS's JSON-first one carry none); an
// operation without output has only ResponseMetadata.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	op := c.Operation.Name
	buf = append(buf, '<')
	buf = append(buf, op...)
	buf = append(buf, "Response"...)
	buf = appendXMLNS(buf, c.Model)
	buf = append(buf, '>')
	if ref := c.Operation.Output; ref != nil {
		wrapper := ref.ResultWrapper
		if wrapper == "" {
			wrapper = op + "Result"
		}
		buf = appendValue(buf, wrapper, out, ref, AWSQuery)
	}
	buf = append(buf, "<ResponseMetadata><RequestId>"...)
	buf = AppendText(buf, c.RequestID)
	buf = append(buf, "</RequestId></ResponseMetadata></"...)
	buf = append(buf, op...)
	buf = append(buf, "Response>"...)
	err := WriteXML(w, c.Header, c.RequestID, protocol.ResponseStatus(c), "text/xml", buf)
	*bp = buf
	bufPool.Put(bp)
	return err
}

// EncodeError writes
// <ErrorResponse xmlns="…"><Error><Type>Sender|Receiver</Type><Code>…</Code>
// <Message>…</Message>…</Error><RequestId>…</RequestId></ErrorResponse>,
// with the error's query code, extra fields as elements (sorted by name)
// inside <Error>, and its headers.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	buf = append(buf, "<ErrorResponse"...)
	buf = appendXMLNS(buf, c.Model)
	buf = append(buf, "><Error><Type>"...)
	if e.Sender {
		buf = append(buf, "Sender"...)
	} else {
		buf = append(buf, "Receiver"...)
	}
	buf = append(buf, "</Type><Code>"...)
	buf = AppendText(buf, e.WireQueryCode())
	buf = append(buf, "</Code><Message>"...)
	buf = AppendText(buf, e.Message)
	buf = append(buf, "</Message>"...)
	buf = AppendFields(buf, e.Fields)
	buf = append(buf, "</Error><RequestId>"...)
	buf = AppendText(buf, c.RequestID)
	buf = append(buf, "</RequestId></ErrorResponse>"...)
	WriteXML(w, ErrorHeader(c, e), c.RequestID, ErrorStatus(e), "text/xml", buf)
	*bp = buf
	bufPool.Put(bp)
}

// ErrorStatus returns the HTTP status of e, defaulting to 400 for client
// faults and 500 for server faults.
func ErrorStatus(e *awserr.Error) int {
	if e.Status != 0 {
		return e.Status
	}
	if e.Sender {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// ErrorHeader returns the extra headers of an error response: the call's
// and the error's.
func ErrorHeader(c *protocol.Call, e *awserr.Error) http.Header {
	if len(e.Header) == 0 {
		return c.Header
	}
	out := make(http.Header, len(c.Header)+len(e.Header))
	for k, v := range c.Header {
		out[k] = v
	}
	for k, v := range e.Header {
		out[k] = append(slices.Clip(out[k]), v...)
	}
	return out
}

// AppendFields writes an error's extra fields as elements sorted by name;
// nested maps become nested elements and lists repeat <member>.
func AppendFields(buf []byte, fields map[string]any) []byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		buf = appendAny(buf, k, fields[k])
	}
	return buf
}

var stringRef = &model.Ref{Shape: &model.Shape{Type: "string"}}

func appendAny(buf []byte, name string, v any) []byte {
	switch x := v.(type) {
	case nil:
		return appendEmpty(buf, name)
	case map[string]any:
		buf = appendOpen(buf, name)
		buf = AppendFields(buf, x)
		return appendClose(buf, name)
	case []any:
		buf = appendOpen(buf, name)
		for _, e := range x {
			buf = appendAny(buf, "member", e)
		}
		return appendClose(buf, name)
	case float64:
		buf = appendOpen(buf, name)
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			buf = strconv.AppendInt(buf, int64(x), 10)
		} else {
			buf = appendFloat(buf, x)
		}
		return appendClose(buf, name)
	}
	buf = appendOpen(buf, name)
	buf = AppendScalar(buf, v, stringRef)
	return appendClose(buf, name)
}

func appendXMLNS(buf []byte, m *model.Model) []byte {
	buf = append(buf, ` xmlns="`...)
	if m != nil {
		buf = AppendText(buf, m.Metadata.XMLNamespace)
	}
	return append(buf, '"')
}

// WriteXML sends an XML body with the x-amzn-RequestId header, the extra
// headers and Content-Length.
func WriteXML(w http.ResponseWriter, extra http.Header, requestID string, status int, contentType string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Requestid", requestID)
	protocol.CopyHeaders(w, extra)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// EncodeRequest returns the awsQuery form a client sends for op with
// input in: Action, Version (the model's API version) and the members,
// the inverse of DecodeRequest. Tests, fuzzing and benchmarks use it.
func EncodeRequest(m *model.Model, op *model.Operation, in map[string]any) url.Values {
	values := url.Values{"Action": {op.Name}, "Version": {m.Metadata.APIVersion}}
	if op.Input != nil {
		EncodeForm(values, in, op.Input.Shape, AWSQuery)
	}
	return values
}
