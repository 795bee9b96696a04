package awsjson

import (
	"compress/gzip"
	"hash/crc32"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// Codec is the awsJson1_0 / awsJson1_1 protocol: POST / with X-Amz-Target
// naming the operation and a JSON body.
type Codec struct{}

var _ protocol.Codec = Codec{}

// MaxBodySize bounds a JSON request body read into memory. Services enforce
// their own (smaller) payload limits after decoding.
const MaxBodySize = 64 << 20

// DecodeRequest reads the JSON body into the operation's input tree.
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	bp := bodyPool.Get().(*[]byte)
	body, err := readBody(c.Request, MaxBodySize, (*bp)[:0])
	defer func() {
		if cap(body) <= maxPooledBuffer {
			*bp = body
			bodyPool.Put(bp)
		}
	}()
	if err != nil {
		return nil, err
	}
	return decodeTree(c, body)
}

// decodeTree is DecodeRequest of a body already read.
func decodeTree(c *protocol.Call, body []byte) (map[string]any, error) {
	if c.Operation.Input == nil {
		return map[string]any{}, nil
	}
	tree, err := Decode(body, c.Operation.Input.Shape)
	if err != nil {
		return nil, awserr.New("SerializationException", 400, err.Error())
	}
	return tree, nil
}

// bodyPool holds request body buffers for DecodeRequest: a tree copies
// everything it keeps from the body (strings, numbers, blobs, documents).
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// ReadBody reads a request body of at most limit bytes (after
// decompression), inflating a gzip Content-Encoding: SDKs compress the
// bodies of operations with Smithy's requestCompression trait (CloudWatch
// PutMetricData) once they pass a size threshold. Unreadable, corrupt or
// oversized bodies are SerializationException (400, or 413 when too
// large).
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	return readBody(r, limit, nil)
}

// readBody is ReadBody appending to buf.
func readBody(r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if r.Body == nil {
		return buf, nil
	}
	var src io.Reader = r.Body
	if gzipEncoded(headerValue(r.Header, "Content-Encoding")) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, awserr.New("SerializationException", 400, "could not read the gzip request body: "+err.Error())
		}
		defer zr.Close()
		src = zr
	}
	body, err := readAll(buf, src, r.ContentLength, limit+1)
	if err != nil {
		return nil, awserr.New("SerializationException", 400, "could not read the request body: "+err.Error())
	}
	if int64(len(body)) > limit {
		return nil, awserr.New("SerializationException", 413, "request body too large")
	}
	return body, nil
}

// readAll appends what r yields to buf, up to max bytes of it, as
// io.ReadAll(io.LimitReader(r, max)) does, first making room for size
// bytes when the size is known (Content-Length).
func readAll(buf []byte, r io.Reader, size, max int64) ([]byte, error) {
	if size > 0 && size < MaxBodySize && int64(cap(buf)-len(buf)) <= size {
		buf = slices.Grow(buf, int(size)+1)
	}
	start := len(buf)
	for {
		left := max - int64(len(buf)-start)
		if left <= 0 {
			return buf, nil
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):cap(buf)]
		if int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// gzipEncoded reports whether a Content-Encoding list names gzip.
func gzipEncoded(ce string) bool {
	if ce == "" {
		return false
	}
	for _, e := range strings.Split(ce, ",") {
		if strings.EqualFold(strings.TrimSpace(e), "gzip") {
			return true
		}
	}
	return false
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// EncodeResponse writes the output tree as the JSON body.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if c.Operation.Output != nil {
		buf = Append(buf, out, c.Operation.Output)
	} else {
		buf = append(buf, "{}"...)
	}
	return writeResponse(w, c, bp, buf)
}

// EncodeTypedResponse writes a handler's typed output (a pointer to a
// generated output structure, or nil) as the JSON body: the bytes
// EncodeResponse writes for protocol.Unbind(out), without the tree (see
// AppendTyped). Outputs with an event-stream member go through the tree
// and EncodeResponse.
func (cd Codec) EncodeTypedResponse(w http.ResponseWriter, c *protocol.Call, out any) error {
	if c.Operation.Output != nil && hasEventStream(c.Operation.Output.Shape) {
		tree, _ := protocol.Unbind(out).(map[string]any)
		if tree == nil {
			tree = map[string]any{}
		}
		return cd.EncodeResponse(w, c, tree)
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if c.Operation.Output != nil {
		buf = appendOutput(buf, out, c.Operation.Output)
	} else {
		buf = append(buf, "{}"...)
	}
	return writeResponse(w, c, bp, buf)
}

// eventStreamOutputs caches hasEventStream: *model.Shape -> bool.
var eventStreamOutputs sync.Map

// hasEventStream reports whether an output structure has an event-stream
// member, whose response EncodeResponse writes from the tree.
func hasEventStream(s *model.Shape) bool {
	if v, ok := eventStreamOutputs.Load(s); ok {
		return v.(bool)
	}
	found := false
	for _, mem := range s.Members {
		if mem.Shape != nil && mem.Shape.EventStream {
			found = true
		}
	}
	eventStreamOutputs.Store(s, found)
	return found
}

// appendOutput writes a typed output as EncodeResponse writes the tree the
// gateway makes of it (protocol.Unbind(out), the empty structure when
// that is not a structure).
func appendOutput(buf []byte, out any, r *model.Ref) []byte {
	if out != nil {
		rv := reflect.ValueOf(out)
		for rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
		if rv.Kind() == reflect.Struct && rv.Type() != timeType {
			return AppendTyped(buf, out, r)
		}
	}
	tree, _ := protocol.Unbind(out).(map[string]any)
	if tree == nil {
		tree = map[string]any{}
	}
	return Append(buf, tree, r)
}

// writeResponse sends buf, the body in the pooled buffer bp, with the
// protocol's headers, and returns the buffer to the pool.
func writeResponse(w http.ResponseWriter, c *protocol.Call, bp *[]byte, buf []byte) error {
	h := w.Header()
	// The header values share one array, and the numbers one string: a
	// response costs two allocations for its headers, not six. Each value
	// is a slice of capacity one, so a later Add copies it.
	vals := make([]string, 4)
	vals[0], vals[1] = contentType(c), c.RequestID
	h["Content-Type"] = vals[0:1:1]
	h["X-Amzn-Requestid"] = vals[1:2:2]
	protocol.CopyHeaders(w, c.Header)
	var digits [40]byte
	nums := strconv.AppendInt(digits[:0], int64(len(buf)), 10)
	length := len(nums)
	crc := sendsCRC32(c)
	if crc {
		nums = strconv.AppendUint(nums, uint64(crc32.ChecksumIEEE(buf)), 10)
	}
	numbers := string(nums)
	vals[2] = numbers[:length]
	h["Content-Length"] = vals[2:3:3]
	if crc {
		vals[3] = numbers[length:]
		h["X-Amz-Crc32"] = vals[3:4:4]
	}
	w.WriteHeader(protocol.ResponseStatus(c))
	_, err := w.Write(buf)
	if cap(buf) <= maxPooledBuffer {
		*bp = buf
		bufPool.Put(bp)
	}
	return err
}

// maxPooledBuffer bounds the response buffers kept for reuse, so that one
// large response does not stay in memory.
const maxPooledBuffer = 4 << 20

// EncodeError writes the error as {"__type": code, "message": ...}, with
// x-amzn-query-error for awsQueryCompatible services.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	WriteError(w, c, e, contentType(c))
}

// WriteError writes the awsJson error document {"__type": code, "message":
// ..., fields...} with content type ct, the X-Amzn-Errortype and
// X-Amzn-Requestid headers, X-Amzn-Query-Error for awsQueryCompatible
// services and e.Header.
func WriteError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error, ct string) {
	writeError(w, c, e, ct, false)
}

// WriteRESTError writes a restJson1 error: as WriteError, except that the
// code travels only in X-Amzn-Errortype (the body has no "__type"), fields
// the error shape binds to HTTP headers are left out of the body (the
// caller sends them as headers), and body members use their JSON names.
func WriteRESTError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error, ct string) {
	writeError(w, c, e, ct, true)
}

func writeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error, ct string, rest bool) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Amzn-Requestid", c.RequestID)
	h.Set("X-Amzn-Errortype", e.Code)
	if c.Model != nil && c.Model.Metadata.AWSQueryCompatible != nil {
		fault := "Sender"
		if !e.Sender {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", e.WireQueryCode()+";"+fault)
	}
	protocol.CopyHeaders(w, e.Header)
	var shape *model.Shape
	if c.Model != nil {
		shape = c.Model.ErrorShape(e.Code)
	}
	msgName := "message"
	if shape != nil {
		if _, ok := shape.Members.Get("Message"); ok {
			msgName = "Message"
		}
	}
	buf := []byte{'{'}
	if !rest {
		buf = append(buf, `"__type":`...)
		buf = AppendString(buf, e.Code)
		buf = append(buf, ',')
	}
	buf = AppendString(buf, msgName)
	buf = append(buf, ':')
	buf = AppendString(buf, e.Message)
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := e.Fields[k]
		name := k
		if rest && shape != nil {
			if mem, ok := shape.Members.Get(k); ok {
				if mem.Location != "" {
					continue
				}
				if mem.LocationName != "" {
					name = mem.LocationName
				}
			}
		}
		buf = append(buf, ',')
		buf = AppendString(buf, name)
		buf = append(buf, ':')
		buf = appendAny(buf, v)
	}
	buf = append(buf, '}')
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	setCRC32(h, c, buf)
	status := e.Status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write(buf)
}

func contentType(c *protocol.Call) string {
	if ct := headerValue(c.Request.Header, "Content-Type"); strings.HasPrefix(ct, "application/x-amz-json-") {
		return ct
	}
	if c.Model != nil && c.Model.Metadata.JSONVersion == "1.1" {
		return "application/x-amz-json-1.1"
	}
	return "application/x-amz-json-1.0"
}

// crc32Services are the services whose responses carry X-Amz-Crc32, the
// IEEE CRC32 of the body, which their SDK clients verify (DynamoDB).
var crc32Services = map[string]bool{"dynamodb": true}

// sendsCRC32 reports whether c's responses carry X-Amz-Crc32.
func sendsCRC32(c *protocol.Call) bool {
	return c.Model != nil && crc32Services[c.Model.Name]
}

func setCRC32(h http.Header, c *protocol.Call, body []byte) {
	if sendsCRC32(c) {
		setHeader(h, "X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	}
}

// setHeader is h.Set(key, value) for a key in canonical form, which it
// does not canonicalize again (the per-request cost of every Set).
func setHeader(h http.Header, key, value string) {
	h[key] = []string{value}
}

// headerValue is h.Get(key) for a key in canonical form. Request headers
// from net/http are stored under canonical keys.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
