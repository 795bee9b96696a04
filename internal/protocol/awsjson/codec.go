package awsjson

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
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
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, MaxBodySize+1))
	if err != nil {
		return nil, awserr.New("SerializationException", 400, "could not read the request body: "+err.Error())
	}
	if len(body) > MaxBodySize {
		return nil, awserr.New("SerializationException", 413, "request body too large")
	}
	if c.Operation.Input == nil {
		return map[string]any{}, nil
	}
	tree, err := Decode(body, c.Operation.Input.Shape)
	if err != nil {
		return nil, awserr.New("SerializationException", 400, err.Error())
	}
	return tree, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// EncodeResponse writes the output tree as the JSON body.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	h := w.Header()
	h.Set("Content-Type", contentType(c))
	h.Set("X-Amzn-Requestid", c.RequestID)
	protocol.CopyHeaders(w, c.Header)
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if c.Operation.Output != nil {
		buf = Append(buf, out, c.Operation.Output)
	} else {
		buf = append(buf, "{}"...)
	}
	h.Set("Content-Length", itoa(len(buf)))
	w.WriteHeader(protocol.ResponseStatus(c))
	_, err := w.Write(buf)
	*bp = buf
	bufPool.Put(bp)
	return err
}

// EncodeError writes the error as {"__type": code, "message": ...}, with
// x-amzn-query-error for awsQueryCompatible services.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	WriteError(w, c, e, contentType(c))
}

// WriteError writes a JSON error document; restJson1 shares it.
func WriteError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error, ct string) {
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
	buf := []byte(`{"__type":`)
	buf = AppendString(buf, e.Code)
	msgName := "message"
	if c.Model != nil {
		if s := c.Model.ErrorShape(e.Code); s != nil {
			if _, ok := s.Members.Get("Message"); ok {
				msgName = "Message"
			}
		}
	}
	buf = append(buf, ',')
	buf = AppendString(buf, msgName)
	buf = append(buf, ':')
	buf = AppendString(buf, e.Message)
	for k, v := range e.Fields {
		buf = append(buf, ',')
		buf = AppendString(buf, k)
		buf = append(buf, ':')
		buf = appendAny(buf, v)
	}
	buf = append(buf, '}')
	h.Set("Content-Length", itoa(len(buf)))
	w.WriteHeader(e.Status)
	w.Write(buf)
}

func contentType(c *protocol.Call) string {
	if ct := c.Request.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-amz-json-") {
		return ct
	}
	if c.Model != nil && c.Model.Metadata.JSONVersion == "1.1" {
		return "application/x-amz-json-1.1"
	}
	return "application/x-amz-json-1.0"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
