// Package ec2query implements the ec2Query protocol that Amazon EC2 speaks.
package ec2query

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query"
)

// Codec is the ec2Query protocol: Action, Version and the input members as
// form parameters named by queryName (else the capitalised locationName)
// with every list flattened; responses are <OperationResponse> documents
// holding requestId and the output members, errors are
// <Response><Errors><Error>… documents.
type Codec struct{}

var _ protocol.Codec = Codec{}

const contentType = "text/xml;charset=UTF-8"

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// DecodeRequest reads the form parameters into the operation's input tree.
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	values, err := query.ReadForm(c.Request, query.EC2)
	if err != nil {
		return nil, err
	}
	if c.Operation.Input == nil {
		return map[string]any{}, nil
	}
	return query.DecodeForm(values, c.Operation.Input.Shape, query.EC2)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Namespace returns the XML namespace of EC2 responses for m: the model's
// xmlNamespace with the trailing slash EC2 sends
// (http://ec2.amazonaws.com/doc/2016-11-15/).
func Namespace(m *model.Model) string {
	if m == nil || m.Metadata.XMLNamespace == "" {
		return ""
	}
	ns := m.Metadata.XMLNamespace
	if !strings.HasSuffix(ns, "/") {
		ns += "/"
	}
	return ns
}

// EncodeResponse writes <OpResponse xmlns="…"><requestId>…</requestId>…
// with the output members named by their locationName and lists as
// <name><item>…</item></name>. An operation without output answers
// <return>true</return>, as EC2 does.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	op := c.Operation.Name
	buf = append(buf, xmlDecl...)
	buf = append(buf, '<')
	buf = append(buf, op...)
	buf = append(buf, `Response xmlns="`...)
	buf = query.AppendText(buf, Namespace(c.Model))
	buf = append(buf, `"><requestId>`...)
	buf = query.AppendText(buf, c.RequestID)
	buf = append(buf, "</requestId>"...)
	if c.Operation.Output != nil {
		buf = query.AppendMembers(buf, out, c.Operation.Output.Shape, query.EC2)
	} else {
		buf = append(buf, "<return>true</return>"...)
	}
	buf = append(buf, "</"...)
	buf = append(buf, op...)
	buf = append(buf, "Response>"...)
	err := query.WriteXML(w, c.Header, c.RequestID, protocol.ResponseStatus(c), contentType, buf)
	*bp = buf
	bufPool.Put(bp)
	return err
}

// EncodeError writes
// <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
// (RequestID so capitalised, as EC2 sends it) with the error's status,
// extra fields inside <Error> sorted by name, and its headers.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	buf = append(buf, xmlDecl...)
	buf = append(buf, "<Response><Errors><Error><Code>"...)
	buf = query.AppendText(buf, e.WireQueryCode())
	buf = append(buf, "</Code><Message>"...)
	buf = query.AppendText(buf, e.Message)
	buf = append(buf, "</Message>"...)
	buf = query.AppendFields(buf, e.Fields)
	buf = append(buf, "</Error></Errors><RequestID>"...)
	buf = query.AppendText(buf, c.RequestID)
	buf = append(buf, "</RequestID></Response>"...)
	query.WriteXML(w, query.ErrorHeader(c, e), c.RequestID, query.ErrorStatus(e), contentType, buf)
	*bp = buf
	bufPool.Put(bp)
}

// EncodeRequest returns the ec2Query form a client sends for op with input
// in: Action, Version and the members, the inverse of DecodeRequest. Tests,
// fuzzing and benchmarks use it.
func EncodeRequest(m *model.Model, op *model.Operation, in map[string]any) url.Values {
	values := url.Values{"Action": {op.Name}, "Version": {m.Metadata.APIVersion}}
	if op.Input != nil {
		query.EncodeForm(values, in, op.Input.Shape, query.EC2)
	}
	return values
}
