// Package restxml implements the restXml protocol (S3, Route 53,
// CloudFront, S3 Control) and the model-driven XML value conversion.
package restxml

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/checksum"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// Codec is the restXml protocol: operations bound to HTTP methods and URI
// templates, members in URI labels, query parameters and headers, and XML
// bodies (or raw payloads, streamed for streaming blobs).
type Codec struct{}

var _ protocol.Codec = Codec{}

// MaxBodySize bounds an XML (or non-streaming) request body read into
// memory. Streaming blobs are never read by the codec.
const MaxBodySize = 16 << 20

// DecodeRequest reads the input of c.Operation from the URI labels, query
// string, headers and body. A streaming blob payload is handed over as the
// request body's io.Reader, unread.
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	tree := make(map[string]any, 8)
	if c.Operation == nil || c.Operation.Input == nil {
		return tree, nil
	}
	fl := flavorFor(c.Model)
	in := c.Operation.Input
	p := planFor(in.Shape)
	r := c.Request
	query := p.query(r)
	for _, i := range p.uriQuery {
		b := &p.members[i]
		if b.loc == locQuery {
			if err := decodeQuery(tree, b, query, p, fl); err != nil {
				return nil, err
			}
			continue
		}
		v, ok := c.Labels[b.wire]
		if !ok {
			continue
		}
		tv, err := parseText(v, b.ref, "iso8601")
		if err != nil {
			return nil, fl.invalid(b, v)
		}
		tree[b.name] = tv
	}
	if err := decodeHeaders(tree, p, r.Header, fl); err != nil {
		return nil, err
	}
	switch {
	case p.payload >= 0:
		b := &p.members[p.payload]
		if b.ref.Shape.Type == "blob" && streaming(b.ref) {
			var body io.Reader = http.NoBody
			if r.Body != nil {
				body = r.Body
			}
			tree[b.name] = body
			break
		}
		data, err := readBody(c, fl)
		if err != nil {
			return nil, err
		}
		switch b.ref.Shape.Type {
		case "blob":
			if len(data) > 0 {
				tree[b.name] = data
			}
		case "string":
			if len(data) > 0 {
				tree[b.name] = string(data)
			}
		case "structure":
			if len(bytes.TrimSpace(data)) == 0 {
				break
			}
			v, err := Decode(data, b.ref)
			if err != nil {
				return nil, fl.malformed(err)
			}
			tree[b.name] = v
		}
	case p.hasBody:
		data, err := readBody(c, fl)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			break
		}
		v, err := Decode(data, in)
		if err != nil {
			return nil, fl.malformed(err)
		}
		m, _ := v.(map[string]any)
		for k, x := range m {
			tree[k] = x
		}
	}
	return tree, nil
}

// decodeQuery reads a query-string member: scalars from the first value,
// lists from every value, and a map member from all parameters no other
// member is bound to.
func decodeQuery(tree map[string]any, b *binding, query url.Values, p *httpPlan, fl *flavor) error {
	s := b.ref.Shape
	switch s.Type {
	case "map":
		var m map[string]any
		for k, vs := range query {
			if p.queryNames[k] || len(vs) == 0 {
				continue
			}
			var v any = vs[0]
			if s.Value.Shape.Type == "list" {
				l := make([]any, len(vs))
				for i, x := range vs {
					l[i] = x
				}
				v = l
			}
			if m == nil {
				m = map[string]any{}
			}
			m[k] = v
		}
		if m != nil {
			tree[b.name] = m
		}
	case "list":
		vs, ok := query[b.wire]
		if !ok {
			return nil
		}
		l := make([]any, 0, len(vs))
		for _, x := range vs {
			tv, err := parseText(x, s.Member, "iso8601")
			if err != nil {
				return fl.invalid(b, x)
			}
			l = append(l, tv)
		}
		tree[b.name] = l
	default:
		vs := query[b.wire]
		if len(vs) == 0 || (vs[0] == "" && s.Type != "string") {
			return nil
		}
		tv, err := parseText(vs[0], b.ref, "iso8601")
		if err != nil {
			return fl.invalid(b, vs[0])
		}
		tree[b.name] = tv
	}
	return nil
}

// decodeHeaders reads the header and prefix-header members, walking the
// request's headers rather than the model's many optional members. When several values are bad,
// the error names the first such member in model order.
func decodeHeaders(tree map[string]any, p *httpPlan, h http.Header, fl *flavor) error {
	if len(p.byHeader) == 0 && len(p.prefixes) == 0 {
		return nil
	}
	bad, badValue := -1, ""
	for k, vals := range h {
		i, ok := p.headerMember(k)
		if ok {
			if len(vals) == 0 {
				continue
			}
			b := &p.members[i]
			tv, err := decodeMemberHeader(b, vals)
			switch {
			case err != nil:
				if bad < 0 || i < bad {
					bad, badValue = i, strings.Join(vals, ",")
				}
			case tv != nil:
				tree[b.name] = tv
			}
			continue
		}
		for _, i := range p.prefixes {
			b := &p.members[i]
			prefix := b.header
			if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
				m, _ := tree[b.name].(map[string]any)
				if m == nil {
					m = map[string]any{}
					tree[b.name] = m
				}
				m[strings.ToLower(k[len(prefix):])] = strings.Join(vals, ",")
			}
		}
	}
	if bad >= 0 {
		return fl.invalid(&p.members[bad], badValue)
	}
	return nil
}

// headerMember returns the index of the member bound to header key k,
// in whatever case the key arrived.
func (p *httpPlan) headerMember(k string) (int, bool) {
	i, ok := p.byHeader[k]
	if !ok && !canonicalKey(k) {
		if ck := textproto.CanonicalMIMEHeaderKey(k); ck != k {
			i, ok = p.byHeader[ck]
		}
	}
	return i, ok
}

// decodeMemberHeader is decodeHeader for a request, where an invalid date
// in If-Modified-Since or If-Unmodified-Since makes the condition ignored
// (nil, nil), not the request fail (RFC 9110 13.1.3).
func decodeMemberHeader(b *binding, vals []string) (any, error) {
	tv, err := decodeHeader(b, vals)
	if err != nil && (b.header == "If-Modified-Since" || b.header == "If-Unmodified-Since") {
		return nil, nil
	}
	return tv, err
}

// decodeHeader reads a header member. Repeated header lines are joined
// with commas, lists split on them; an empty value of a non-string member
// counts as absent (nil, nil).
func decodeHeader(b *binding, vals []string) (any, error) {
	s := b.ref.Shape
	if s.Type == "list" {
		var l []any
		for _, v := range vals {
			for _, item := range splitHeaderList(v, s.Member) {
				tv, err := parseText(item, s.Member, "rfc822")
				if err != nil {
					return nil, err
				}
				l = append(l, tv)
			}
		}
		return l, nil
	}
	v := vals[0]
	if len(vals) > 1 {
		v = strings.Join(vals, ",")
	}
	if s.Type == "string" {
		return v, nil
	}
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	return parseText(v, b.ref, "rfc822")
}

// readBody reads a non-streaming request body, at most MaxBodySize bytes.
// For S3 it then verifies the body's integrity headers (checkIntegrity).
func readBody(c *protocol.Call, fl *flavor) ([]byte, error) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody {
		if fl.s3 {
			if e := checkIntegrity(c, nil); e != nil {
				return nil, e
			}
		}
		return nil, nil
	}
	size := 512
	if r.ContentLength > 0 && r.ContentLength <= MaxBodySize {
		size = int(r.ContentLength) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		if fl.s3 && err == io.ErrUnexpectedEOF {
			return nil, awserr.New("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
		}
		return nil, awserr.New(fl.malformedCode, 400, "Could not read the request body: "+err.Error())
	}
	if buf.Len() > MaxBodySize {
		if fl.s3 {
			return nil, awserr.New("MaxMessageLengthExceeded", 400, "Your request was too big.")
		}
		return nil, awserr.New(fl.malformedCode, 400, "The request body is larger than "+strconv.Itoa(MaxBodySize)+" bytes.")
	}
	if fl.s3 {
		if e := checkIntegrity(c, buf.Bytes()); e != nil {
			return nil, e
		}
	}
	return buf.Bytes(), nil
}

// checkIntegrity verifies a non-streaming S3 body against the Content-MD5
// and x-amz-checksum-* the request declares, as S3 does for every request
// with a body, and refuses a request that declares none when the model
// marks the operation's checksum as required (DeleteObjects, the bucket
// configuration writes, ...). Streaming bodies (PutObject, UploadPart)
// are verified by the service as they are stored.
func checkIntegrity(c *protocol.Call, body []byte) *awserr.Error {
	h := c.Request.Header
	header := func(name string) *string {
		if v, ok := h[http.CanonicalHeaderKey(name)]; ok && len(v) > 0 {
			return &v[0]
		}
		return nil
	}
	// An x-amz-checksum-* header the input binds to a member is data about
	// something else (CompleteMultipartUpload's is the whole object's
	// checksum), not a check of this body.
	var bound map[string]int
	if op := c.Operation; op != nil && op.Input != nil {
		bound = planFor(op.Input.Shape).byHeader
	}
	d, e := checksum.Declare(header("x-amz-sdk-checksum-algorithm"), header("Content-MD5"),
		func(a checksum.Algorithm) *string {
			name := http.CanonicalHeaderKey(a.HeaderName())
			if _, isMember := bound[name]; isMember {
				return nil
			}
			return header(name)
		})
	if e != nil {
		return e
	}
	if !d.Any() {
		if op := c.Operation; op != nil && (op.HTTPChecksumRequired || op.HTTPChecksum != nil && op.HTTPChecksum.RequestChecksumRequired) {
			return awserr.New("InvalidRequest", 400, "Missing required header for this request: Content-MD5")
		}
		return nil
	}
	return d.VerifyBytes(body, func(a checksum.Algorithm) string {
		if c.Trailers == nil {
			return ""
		}
		return c.Trailers().Get(a.HeaderName())
	})
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeHeaderOrStatus applies an output member bound to a header, prefix
// headers or the status code, given as a tree value; members bound
// elsewhere are left alone.
func (b *binding) writeHeaderOrStatus(h http.Header, vals *headerValues, c *protocol.Call, status *int, v any) {
	switch b.loc {
	case locHeader:
		if s, ok := headerValue(v, b.ref); ok {
			h[b.header] = vals.one(s)
		}
	case locHeaders:
		m, _ := v.(map[string]any)
		for k, x := range m {
			if s, ok := x.(string); ok {
				// S3 sends prefix headers (x-amz-meta-*) in lower case,
				// and clients hand the names back as they arrive.
				h[strings.ToLower(b.wire+k)] = vals.one(s)
			}
		}
	case locStatus:
		if n, ok := v.(int64); ok && c.Status == 0 && n >= 100 && n <= 999 {
			*status = int(n)
		}
	}
}

// maxPooledBuffer is the largest response buffer returned to the pool.
const maxPooledBuffer = 1 << 20

// EncodeResponse writes the output tree: header, prefix-header and status
// members first, then the payload member (a streamed or raw blob, a raw
// string or an XML structure) or else the body members as one XML
// document. HEAD responses carry headers only.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	fl := flavorFor(c.Model)
	h := w.Header()
	var vals headerValues
	fl.setRequestID(h, c.RequestID, &vals)
	status := protocol.ResponseStatus(c)
	head := c.Request != nil && c.Request.Method == http.MethodHead
	if c.Operation == nil || c.Operation.Output == nil {
		protocol.CopyHeaders(w, c.Header)
		writeEmpty(w, status, head)
		return nil
	}
	outRef := c.Operation.Output
	p := planFor(outRef.Shape)
	for name, v := range out {
		i, ok := p.byName[name]
		if !ok || v == nil {
			continue
		}
		p.members[i].writeHeaderOrStatus(h, &vals, c, &status, v)
	}
	protocol.CopyHeaders(w, c.Header)
	if p.payload >= 0 {
		b := &p.members[p.payload]
		return fl.writePayload(w, status, head, b, out[b.name])
	}
	if !p.hasBody {
		writeEmpty(w, status, head)
		return nil
	}
	return fl.writeXML(w, status, head, out, outRef)
}

// writePayload writes v, the tree value of the payload member b (nil when
// absent), as the body: a blob or string raw, a structure as an XML
// document.
func (fl *flavor) writePayload(w http.ResponseWriter, status int, head bool, b *binding, v any) error {
	switch b.ref.Shape.Type {
	case "blob", "string":
		return writeRaw(w, v, status, head)
	case "structure":
		if m, ok := v.(map[string]any); ok {
			return fl.writeXML(w, status, head, m, b.ref)
		}
	}
	writeEmpty(w, status, head)
	return nil
}

// writeEmpty ends a response without a body; S3 sends Content-Length: 0.
func writeEmpty(w http.ResponseWriter, status int, head bool) {
	h := w.Header()
	if _, ok := h["Content-Length"]; !ok && !head && bodyAllowed(status) {
		h["Content-Length"] = []string{"0"}
	}
	w.WriteHeader(status)
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// sizer is a reader that knows its total size (bytes.Reader,
// strings.Reader).
type sizer interface{ Size() int64 }

// writeRaw writes a blob or string payload as the body. A reader is
// streamed with io.Copy and closed afterwards if it is an io.Closer; its
// Size, when it has one, gives Content-Length unless a member set it.
// Content-Type is only what the members set: Go's sniffing is disabled.
func writeRaw(w http.ResponseWriter, v any, status int, head bool) error {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	var data []byte
	switch x := v.(type) {
	case io.Reader:
		if cl, ok := x.(io.Closer); ok {
			defer cl.Close()
		}
		if _, ok := h["Content-Length"]; !ok {
			if sz, ok := x.(sizer); ok {
				h["Content-Length"] = []string{strconv.FormatInt(sz.Size(), 10)}
			}
		}
		w.WriteHeader(status)
		if head || !bodyAllowed(status) {
			return nil
		}
		_, err := io.Copy(w, x)
		return err
	case []byte:
		data = x
	case string:
		data = []byte(x)
	default:
		writeEmpty(w, status, head)
		return nil
	}
	if _, ok := h["Content-Length"]; !ok && !head {
		h["Content-Length"] = []string{strconv.Itoa(len(data))}
	}
	w.WriteHeader(status)
	if head || !bodyAllowed(status) {
		return nil
	}
	_, err := w.Write(data)
	return err
}

// writeXML writes v, a structure of r's shape, as the XML body. The root
// element is named by r's locationName, else its shape's locationName,
// else the shape name, and declares the shape's or the service's
// namespace.
func (fl *flavor) writeXML(w http.ResponseWriter, status int, head bool, v map[string]any, r *model.Ref) error {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = []string{fl.contentType}
	}
	if head {
		w.WriteHeader(status)
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	buf := append((*bp)[:0], xmlDeclaration...)
	buf = fl.appendRoot(buf, v, r)
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	_, err := w.Write(buf)
	if cap(buf) <= maxPooledBuffer {
		*bp = buf
		bufPool.Put(bp)
	}
	return err
}

// appendRoot writes the root element of a structure body. A structure
// whose element name equals that of its only member, a scalar, is that
// member's element itself: S3's GetBucketLocation answers
// <LocationConstraint xmlns="...">eu-west-1</LocationConstraint>.
func (fl *flavor) appendRoot(buf []byte, v map[string]any, r *model.Ref) []byte {
	name := rootName(r)
	if xs := xmlStructFor(r.Shape); len(xs.members) == 1 && r.Shape.LocationName != "" {
		mem := &xs.members[0]
		switch mem.ref.Shape.Type {
		case "structure", "list", "map":
		default:
			if mem.kind == kindElement && mem.elem == name {
				return AppendElement(buf, name, v[mem.name], mem.ref, fl.ns)
			}
		}
	}
	return AppendElement(buf, name, v, r, fl.ns)
}

// rootName names the element of a structure written as a document.
func rootName(r *model.Ref) string {
	switch {
	case r.LocationName != "":
		return r.LocationName
	case r.Shape.LocationName != "":
		return r.Shape.LocationName
	}
	return r.Shape.Name
}

// EncodeError writes e. S3 and S3 Control send
// <Error><Code/><Message/>fields…<RequestId/><HostId/></Error>; the other
// restXml services wrap it as
// <ErrorResponse><Error><Type/><Code/><Message/>fields…</Error><RequestId/></ErrorResponse>.
// Extra fields are written sorted by name, shaped by the modeled error's
// members when it has them. HEAD responses carry the status and headers
// only, as S3 answers them, and so do statuses without a body (304).
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	fl := flavorFor(c.Model)
	h := w.Header()
	var vals headerValues
	fl.setRequestID(h, c.RequestID, &vals)
	protocol.CopyHeaders(w, c.Header)
	protocol.CopyHeaders(w, e.Header)
	status := e.Status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	if !bodyAllowed(status) {
		// 304 Not Modified (a failed If-None-Match) carries no body.
		w.WriteHeader(status)
		return
	}
	h["Content-Type"] = []string{fl.contentType}
	if c.Request != nil && c.Request.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	var errShape *model.Shape
	if c.Model != nil && len(e.Fields) > 0 {
		errShape = c.Model.ErrorShape(e.Code)
	}
	buf := make([]byte, 0, 512)
	buf = append(buf, xmlDeclaration...)
	if fl.s3 {
		buf = append(buf, "<Error>"...)
	} else {
		buf = append(buf, "<ErrorResponse"...)
		if fl.ns != "" {
			buf = append(buf, ` xmlns="`...)
			buf = appendEscaped(buf, fl.ns, true)
			buf = append(buf, '"')
		}
		buf = append(buf, "><Error><Type>"...)
		if e.Sender {
			buf = append(buf, "Sender"...)
		} else {
			buf = append(buf, "Receiver"...)
		}
		buf = append(buf, "</Type>"...)
	}
	buf = appendTextElement(buf, "Code", e.Code)
	buf = appendTextElement(buf, "Message", e.Message)
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		buf = appendField(buf, k, e.Fields[k], errShape)
	}
	if fl.s3 {
		buf = appendTextElement(buf, "RequestId", c.RequestID)
		buf = appendTextElement(buf, "HostId", hostID(c.RequestID))
		buf = append(buf, "</Error>"...)
	} else {
		buf = append(buf, "</Error>"...)
		buf = appendTextElement(buf, "RequestId", c.RequestID)
		buf = append(buf, "</ErrorResponse>"...)
	}
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	w.Write(buf)
}

func appendTextElement(buf []byte, name, text string) []byte {
	buf = append(buf, '<')
	buf = append(buf, name...)
	buf = append(buf, '>')
	buf = appendEscaped(buf, text, false)
	buf = append(buf, "</"...)
	buf = append(buf, name...)
	return append(buf, '>')
}

// appendField writes an extra error document member: as the modeled
// error's member when there is one, else by its Go value (maps as child
// elements by sorted key, lists as repeated member elements).
func appendField(buf []byte, name string, v any, shape *model.Shape) []byte {
	if v == nil {
		return buf
	}
	if shape != nil {
		if mem, ok := shape.Members.Get(name); ok && mem.Location == "" {
			elem := name
			if mem.LocationName != "" {
				elem = mem.LocationName
			}
			return AppendElement(buf, elem, v, mem.Ref, "")
		}
	}
	switch x := v.(type) {
	case string:
		return appendTextElement(buf, name, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '<')
		buf = append(buf, name...)
		buf = append(buf, '>')
		for _, k := range keys {
			buf = appendField(buf, k, x[k], nil)
		}
	case []any:
		buf = append(buf, '<')
		buf = append(buf, name...)
		buf = append(buf, '>')
		for _, item := range x {
			buf = appendField(buf, "member", item, nil)
		}
	default:
		buf = append(buf, '<')
		buf = append(buf, name...)
		buf = append(buf, '>')
		buf = appendScalar(buf, v)
	}
	buf = append(buf, "</"...)
	buf = append(buf, name...)
	return append(buf, '>')
}

// hostID derives S3's x-amz-id-2 (and HostId) from the request id: 76
// base64 characters, like S3's, and the same for the same request.
func hostID(requestID string) string {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(requestID); i++ {
		h ^= uint64(requestID[i])
		h *= 1099511628211
	}
	var raw [64]byte // 57 bytes used: eight words, little-endian
	for i := 0; i < 57; i += 8 {
		h += 0x9e3779b97f4a7c15 // splitmix64
		z := h
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		binary.LittleEndian.PutUint64(raw[i:], z)
	}
	var out [76]byte
	base64.StdEncoding.Encode(out[:], raw[:57])
	return string(out[:])
}

// flavor holds what differs between the restXml services: S3's error
// document and request id headers, content types, the default XML
// namespace and the error codes for malformed input.
type flavor struct {
	// s3 is set for S3 and S3 Control.
	s3 bool
	// contentType is the Content-Type of XML documents.
	contentType string
	// ns is the service's XML namespace, declared on response roots.
	ns string
	// malformedCode is the error code for a body that is not well-formed
	// XML or does not fit the model; malformedMessage its message, when
	// fixed.
	malformedCode    string
	malformedMessage string
	// invalidCode is the error code for a URI label, query parameter or
	// header whose value the member's type cannot hold.
	invalidCode string
}

var flavors sync.Map // *model.Model -> *flavor

// flavorFor returns the flavor of m (S3's when m is nil, since requests
// no model claims are answered as S3 answers them).
//
// Malformed bodies: S3 and S3 Control answer MalformedXML with S3's fixed
// message; a service modeling InvalidInput (Route 53) answers that; others
// (CloudFront) MalformedInput. Bad typed label, query or header values:
// S3 InvalidArgument with ArgumentName/ArgumentValue, InvalidInput where
// modeled, else InvalidArgument.
func flavorFor(m *model.Model) *flavor {
	if m == nil {
		return s3Flavor
	}
	if f, ok := flavors.Load(m); ok {
		return f.(*flavor)
	}
	f := &flavor{ns: defaultNamespace(m)}
	switch {
	case m.Name == "s3" || m.Name == "s3control":
		f.s3 = true
		f.contentType = "application/xml"
		f.malformedCode, f.malformedMessage = s3Flavor.malformedCode, s3Flavor.malformedMessage
		f.invalidCode = s3Flavor.invalidCode
	case isModeledError(m, "InvalidInput"):
		f.contentType = "text/xml"
		f.malformedCode, f.invalidCode = "InvalidInput", "InvalidInput"
	default:
		f.contentType = "text/xml"
		f.malformedCode, f.invalidCode = "MalformedInput", "InvalidArgument"
	}
	actual, _ := flavors.LoadOrStore(m, f)
	return actual.(*flavor)
}

var s3Flavor = &flavor{
	s3:               true,
	contentType:      "application/xml",
	ns:               "http://s3.amazonaws.com/doc/2006-03-01/",
	malformedCode:    "MalformedXML",
	malformedMessage: "The XML you provided was not well-formed or did not validate against our published schema",
	invalidCode:      "InvalidArgument",
}

func isModeledError(m *model.Model, name string) bool {
	s, ok := m.Shapes[name]
	return ok && s.Exception
}

// defaultNamespace returns the service's XML namespace: the metadata's,
// else the first found (by operation name) on an operation's input or on
// an input payload member. botocore's models carry it only there.
func defaultNamespace(m *model.Model) string {
	if m.Metadata.XMLNamespace != "" {
		return m.Metadata.XMLNamespace
	}
	names := make([]string, 0, len(m.Operations))
	for n := range m.Operations {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if in := m.Operations[n].Input; in != nil && in.XMLNamespace != nil && in.XMLNamespace.URI != "" {
			return in.XMLNamespace.URI
		}
	}
	for _, n := range names {
		in := m.Operations[n].Input
		if in == nil || in.Shape.Payload == "" {
			continue
		}
		if mem, ok := in.Shape.Members.Get(in.Shape.Payload); ok && mem.XMLNamespace != nil && mem.XMLNamespace.Prefix == "" && mem.XMLNamespace.URI != "" {
			return mem.XMLNamespace.URI
		}
	}
	return ""
}

// setRequestID sets the request id headers: S3's x-amz-request-id and
// x-amz-id-2 (with Server: AmazonS3), else x-amzn-RequestId.
func (fl *flavor) setRequestID(h http.Header, id string, vals *headerValues) {
	if fl.s3 {
		h["X-Amz-Request-Id"] = vals.one(id)
		h["X-Amz-Id-2"] = vals.one(hostID(id))
		h["Server"] = vals.one("AmazonS3")
		return
	}
	h["X-Amzn-Requestid"] = vals.one(id)
}

// headerValues hands out one-value header slices cut from shared backing
// arrays, so that a response's headers cost an allocation per eight
// values rather than one each.
type headerValues struct {
	buf []string
}

// one returns []string{s}, sharing its backing array with other values.
func (a *headerValues) one(s string) []string {
	if len(a.buf) == cap(a.buf) {
		a.buf = make([]string, 0, 8)
	}
	a.buf = append(a.buf, s)
	n := len(a.buf)
	return a.buf[n-1 : n : n]
}

// malformed is the error for a body that is not well-formed XML or does
// not fit the model.
func (fl *flavor) malformed(err error) *awserr.Error {
	msg := fl.malformedMessage
	if msg == "" {
		msg = "The XML document you provided was not well-formed: " + err.Error()
	}
	return awserr.New(fl.malformedCode, 400, msg)
}

// invalid is the error for a label, query parameter or header value the
// member's type cannot hold.
func (fl *flavor) invalid(b *binding, value string) *awserr.Error {
	var msg string
	switch b.ref.Shape.Type {
	case "integer", "long", "short", "byte":
		msg = "Provided " + b.wire + " not an integer or within integer range"
	case "timestamp":
		msg = "Invalid date for " + b.wire + ": " + value
	default:
		msg = "Invalid value for " + b.wire + ": " + value
	}
	e := awserr.New(fl.invalidCode, 400, msg)
	if fl.s3 {
		e.With("ArgumentName", b.wire).With("ArgumentValue", value)
	}
	return e
}
