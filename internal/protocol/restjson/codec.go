// Package restjson implements the restJson1 protocol (Lambda, API Gateway
// and most newer services): members bound to the URI, query string, headers
// and status code, and the rest in a JSON body or an HTTP payload.
package restjson

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
)

// Codec is the restJson1 protocol.
type Codec struct{}

var _ protocol.Codec = Codec{}

// MaxBodySize bounds a request body read into memory: JSON bodies and
// non-streaming payloads. Streaming blob payloads reach the handler unread.
const MaxBodySize = awsjson.MaxBodySize

// DecodeRequest reads the operation's input from the URI labels
// (c.Labels), query string, headers and body. Timestamps default to
// ISO 8601 in the URI and query string, HTTP dates in headers and epoch
// seconds in the body. A streaming blob payload is c.Request.Body itself.
// Malformed values are SerializationException (HTTP 400).
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	tree := map[string]any{}
	if c.Operation == nil || c.Operation.Input == nil {
		return tree, nil
	}
	in := c.Operation.Input.Shape
	r := c.Request
	var (
		query        url.Values
		boundQuery   = map[string]bool{}
		boundHeaders = map[string]bool{}
		queryMap     *model.Member
		prefixMaps   []model.Member
		payload      *model.Member
		bodyMembers  bool
	)
	for i, mem := range in.Members {
		name := wireName(mem)
		switch mem.Location {
		case "uri":
			v, ok := c.Labels[name]
			if !ok {
				continue
			}
			tv, err := parseText(v, mem.Ref, "iso8601")
			if err != nil {
				return nil, serializationError("URI label %s: %v", name, err)
			}
			tree[mem.Name] = tv
		case "querystring":
			if query == nil {
				query = r.URL.Query()
			}
			if mem.Shape.Type == "map" {
				queryMap = &in.Members[i]
				continue
			}
			boundQuery[name] = true
			vals, ok := query[name]
			if !ok || len(vals) == 0 {
				continue
			}
			tv, err := parseQuery(vals, mem.Ref)
			if err != nil {
				return nil, serializationError("query parameter %s: %v", name, err)
			}
			tree[mem.Name] = tv
		case "header":
			key := http.CanonicalHeaderKey(name)
			boundHeaders[key] = true
			vals := r.Header[key]
			if len(vals) == 0 {
				continue
			}
			tv, err := parseHeader(vals, mem.Ref)
			if err != nil {
				return nil, serializationError("header %s: %v", name, err)
			}
			if tv != nil {
				tree[mem.Name] = tv
			}
		case "headers":
			prefixMaps = append(prefixMaps, mem)
		case "":
			if in.Payload == mem.Name {
				payload = &in.Members[i]
			} else {
				bodyMembers = true
			}
		}
	}
	if queryMap != nil {
		m, err := remainingQuery(query, boundQuery, queryMap.Ref)
		if err != nil {
			return nil, serializationError("query parameters: %v", err)
		}
		if len(m) > 0 {
			tree[queryMap.Name] = m
		}
	}
	for _, mem := range prefixMaps {
		if m := prefixHeaders(r.Header, boundHeaders, mem); len(m) > 0 {
			tree[mem.Name] = m
		}
	}
	switch {
	case payload != nil:
		v, err := decodePayload(r, payload)
		if err != nil {
			return nil, err
		}
		if v != nil {
			tree[payload.Name] = v
		}
	case bodyMembers:
		if err := decodeBody(r, in, tree); err != nil {
			return nil, err
		}
	}
	return tree, nil
}

// wireName is the name a member has in its HTTP location or JSON body.
func wireName(mem model.Member) string {
	if mem.LocationName != "" {
		return mem.LocationName
	}
	return mem.Name
}

func serializationError(format string, args ...any) *awserr.Error {
	return awserr.Newf("SerializationException", http.StatusBadRequest, format, args...)
}

// readRaw reads a blob or string payload as sent, up to MaxBodySize.
func readRaw(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		return nil, serializationError("could not read the request body: %v", err)
	}
	if len(body) > MaxBodySize {
		return nil, awserr.New("SerializationException", http.StatusRequestEntityTooLarge, "request body too large")
	}
	return body, nil
}

// decodeBody reads the JSON body's members (those without an HTTP
// location) into tree.
func decodeBody(r *http.Request, in *model.Shape, tree map[string]any) error {
	body, err := awsjson.ReadBody(r, MaxBodySize)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	raw, err := awsjson.Unmarshal(body)
	if err != nil {
		return serializationError("%v", err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return serializationError("expected a JSON object")
	}
	for _, mem := range in.Members {
		if mem.Location != "" || mem.Name == in.Payload {
			continue
		}
		v, ok := obj[wireName(mem)]
		if !ok {
			continue
		}
		tv, err := awsjson.FromJSON(v, mem.Ref)
		if err != nil {
			return serializationError("%v", err)
		}
		if tv != nil {
			tree[mem.Name] = tv
		}
	}
	return nil
}

// decodePayload reads the member bound to the whole body: a streaming blob
// is the body reader itself; other blobs and strings the raw bytes (their
// Content-Encoding is the content's own); a structure, union or document a
// JSON document. An empty body is absent.
func decodePayload(r *http.Request, mem *model.Member) (any, error) {
	s := mem.Shape
	if s.Type == "blob" && s.Streaming {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			return nil, nil
		}
		return r.Body, nil
	}
	if s.Type == "blob" || s.Type == "string" {
		body, err := readRaw(r)
		if err != nil || len(body) == 0 {
			return nil, err
		}
		if s.Type == "string" {
			return string(body), nil
		}
		return body, nil
	}
	body, err := awsjson.ReadBody(r, MaxBodySize)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	raw, err := awsjson.Unmarshal(body)
	if err != nil {
		return nil, serializationError("%v", err)
	}
	v, err := awsjson.FromJSON(raw, mem.Ref)
	if err != nil {
		return nil, serializationError("%v", err)
	}
	return v, nil
}

// parseQuery converts a query parameter's values: every value for a list,
// the first for a scalar.
func parseQuery(vals []string, r *model.Ref) (any, error) {
	if r.Shape.Type == "list" {
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			tv, err := parseText(v, r.Shape.Member, "iso8601")
			if err != nil {
				return nil, err
			}
			out = append(out, tv)
		}
		return out, nil
	}
	return parseText(vals[0], r, "iso8601")
}

// remainingQuery gathers the query parameters no other member binds into
// a map member (string values, or lists of strings).
func remainingQuery(query url.Values, bound map[string]bool, r *model.Ref) (map[string]any, error) {
	out := map[string]any{}
	for k, vals := range query {
		if bound[k] || len(vals) == 0 {
			continue
		}
		v, err := parseQuery(vals, r.Shape.Value)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// prefixHeaders gathers the headers starting with the member's prefix
// (case-insensitively) into a map keyed by the lower-cased rest of the
// name, leaving out headers other members bind.
func prefixHeaders(h http.Header, bound map[string]bool, mem model.Member) map[string]any {
	prefix := strings.ToLower(mem.LocationName)
	out := map[string]any{}
	for k, vals := range h {
		if bound[k] || len(vals) == 0 {
			continue
		}
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, prefix) {
			continue
		}
		out[lk[len(prefix):]] = strings.Join(vals, ",")
	}
	return out
}

// EncodeResponse writes the output: header-bound members as headers, the
// statusCode member as the status (unless c.Status overrides it), and the
// payload member (a streamed blob, raw string, JSON document, or an event
// stream written as application/vnd.amazon.eventstream messages, each
// flushed as its event is produced) or the remaining members as a JSON
// object. c.Header is applied last and
// replaces headers of the same name, so a handler can set Content-Type.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	h := w.Header()
	status := 0
	var payload *model.Member
	bodyMembers := false
	var outShape *model.Shape
	if c.Operation != nil && c.Operation.Output != nil {
		outShape = c.Operation.Output.Shape
	}
	if outShape != nil {
		for i, mem := range outShape.Members {
			v := out[mem.Name]
			switch mem.Location {
			case "header":
				if s, ok := formatHeader(v, mem.Ref); ok {
					h.Set(wireName(mem), s)
				}
			case "headers":
				m, _ := v.(map[string]any)
				for k, e := range m {
					if s, ok := formatHeader(e, mem.Shape.Value); ok {
						h.Set(mem.LocationName+k, s)
					}
				}
			case "statusCode":
				if n, ok := v.(int64); ok && n >= 100 && n <= 999 {
					status = int(n)
				}
			case "":
				if outShape.Payload == mem.Name {
					payload = &outShape.Members[i]
				} else {
					bodyMembers = true
				}
			}
		}
	}
	if c.Status != 0 || status == 0 {
		status = protocol.ResponseStatus(c)
	}
	h.Set("X-Amzn-Requestid", c.RequestID)

	var body []byte
	var stream io.Reader
	var events protocol.EventStream
	contentType := "application/json"
	switch {
	case payload != nil && payload.Shape.EventStream:
		events, _ = out[payload.Name].(protocol.EventStream)
		contentType = eventStreamContentType
	case payload != nil:
		switch v := out[payload.Name].(type) {
		case nil:
		case io.Reader:
			stream = v
		case []byte:
			body = v
		case string:
			body = []byte(v)
		default:
			body = awsjson.Append(nil, v, payload.Ref)
		}
		switch payload.Shape.Type {
		case "blob":
			contentType = "application/octet-stream"
		case "string":
			contentType = "text/plain"
		}
	case bodyMembers:
		body = awsjson.Append(make([]byte, 0, 256), out, c.Operation.Output)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
	for k, vs := range c.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if cl, ok := stream.(io.Closer); ok {
		defer cl.Close()
	}
	if !bodyAllowed(status) {
		w.WriteHeader(status)
		discardEvents(events)
		return nil
	}
	if stream == nil && events == nil {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if c.Request != nil && c.Request.Method == http.MethodHead {
		discardEvents(events)
		return nil
	}
	if events != nil {
		return writeEvents(w, payload.Shape, events)
	}
	if stream != nil {
		_, err := io.Copy(w, stream)
		return err
	}
	if len(body) == 0 {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// bodyAllowed reports whether a response with this status may have a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// EncodeError writes the error as restJson1 services do: the code in
// X-Amzn-Errortype and a JSON body {"message": ..., fields...} (Lambda's
// {"Type": "User", "Message": ...} when the handler supplies Type), with
// error members the model binds to headers (Lambda's Retry-After) sent as
// headers.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	h := w.Header()
	for k, vs := range c.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if c.Model != nil && len(e.Fields) > 0 {
		if s := c.Model.ErrorShape(e.Code); s != nil {
			for _, mem := range s.Members {
				if mem.Location != "header" {
					continue
				}
				if v, ok := formatHeader(e.Fields[mem.Name], mem.Ref); ok {
					h.Set(wireName(mem), v)
				}
			}
		}
	}
	awsjson.WriteRESTError(w, c, e, "application/json")
}
