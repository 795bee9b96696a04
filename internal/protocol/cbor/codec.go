// Package cbor implements the Smithy RPC v2 CBOR protocol (rpcv2Cbor), the
// default of CloudWatch in current SDKs.
package cbor

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/protocol"
)

// Codec is the rpcv2Cbor protocol: POST /service/<Service>/operation/<Op>
// with the header smithy-protocol: rpc-v2-cbor and a CBOR map body.
type Codec struct{}

var _ protocol.Codec = Codec{}

// ContentType is the media type of rpcv2Cbor bodies.
const ContentType = "application/cbor"

// MaxBodySize bounds a request body, after gzip decompression. Decoding
// allocates up to ~140 times the body size for the most hostile shapes of
// data (lists of empty maps; dense numbers and strings cost far less), so
// the bound is well below the JSON codecs': twice the largest request
// AWS documents for a CBOR service (CloudWatch PutMetricData, 1 MB).
const MaxBodySize = 2 << 20

// DecodeRequest reads the CBOR body into the operation's input tree. An
// empty or absent body is an empty input; a gzip Content-Encoding (the
// SDKs compress PutMetricData) is inflated, at most MaxBodySize bytes.
// Malformed CBOR, values of the wrong type and integers out of range are
// SerializationException (400).
func (Codec) DecodeRequest(c *protocol.Call) (map[string]any, error) {
	body, err := readBody(c.Request)
	if err != nil {
		return nil, err
	}
	if c.Operation == nil || c.Operation.Input == nil {
		return map[string]any{}, nil
	}
	tree, err := Decode(body, c.Operation.Input.Shape)
	if err != nil {
		return nil, awserr.New("SerializationException", http.StatusBadRequest, err.Error())
	}
	return tree, nil
}

// readBody reads the request body, inflating gzip, up to MaxBodySize.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var src io.Reader = r.Body
	if gzipEncoded(r.Header.Get("Content-Encoding")) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, awserr.New("SerializationException", http.StatusBadRequest, "could not read the gzip request body: "+err.Error())
		}
		defer zr.Close()
		src = zr
	}
	body, err := io.ReadAll(io.LimitReader(src, MaxBodySize+1))
	if err != nil {
		return nil, awserr.New("SerializationException", http.StatusBadRequest, "could not read the request body: "+err.Error())
	}
	if len(body) > MaxBodySize {
		return nil, awserr.New("SerializationException", http.StatusRequestEntityTooLarge, "request body too large")
	}
	return body, nil
}

// gzipEncoded reports whether a Content-Encoding list names gzip.
func gzipEncoded(ce string) bool {
	for _, e := range strings.Split(ce, ",") {
		if strings.EqualFold(strings.TrimSpace(e), "gzip") {
			return true
		}
	}
	return false
}

// setHeaders sets the headers every rpcv2Cbor response has (Content-Type
// only with a body), then c.Header, which replaces headers of the same
// name.
func setHeaders(w http.ResponseWriter, c *protocol.Call, body []byte) {
	h := w.Header()
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	if len(body) > 0 {
		h.Set("Content-Type", ContentType)
	}
	h.Set("X-Amzn-Requestid", c.RequestID)
	for k, vs := range c.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
}

// EncodeResponse writes the output tree as a CBOR map. An operation
// without a modeled output answers with an empty body and no
// Content-Type, as the protocol requires.
func (Codec) EncodeResponse(w http.ResponseWriter, c *protocol.Call, out map[string]any) error {
	var body []byte
	if c.Operation != nil && c.Operation.Output != nil {
		var err error
		if body, err = Encode(out, c.Operation.Output); err != nil {
			return err
		}
	}
	setHeaders(w, c, body)
	w.WriteHeader(protocol.ResponseStatus(c))
	if len(body) == 0 {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// EncodeError writes the error as a CBOR map {"__type": code, "message":
// ..., fields...} (the message member named as the error shape names it),
// with X-Amzn-Query-Error: QueryCode;Sender|Receiver for
// awsQueryCompatible services such as CloudWatch.
func (Codec) EncodeError(w http.ResponseWriter, c *protocol.Call, e *awserr.Error) {
	doc := map[string]any{"__type": e.Code}
	msgName := "message"
	if c.Model != nil {
		if s := c.Model.ErrorShape(e.Code); s != nil {
			if _, ok := s.Members.Get("Message"); ok {
				msgName = "Message"
			}
			for name, v := range e.Fields {
				if mem, ok := s.Members.Get(name); ok {
					doc[name] = encodable(v, mem.Ref)
				}
			}
		}
	}
	for name, v := range e.Fields {
		if _, ok := doc[name]; !ok {
			doc[name] = document(v)
		}
	}
	doc[msgName] = e.Message
	body, err := encMode.Marshal(doc)
	if err != nil {
		body, _ = encMode.Marshal(map[string]any{"__type": e.Code, msgName: e.Message})
	}
	h := w.Header()
	if c.Model != nil && c.Model.Metadata.AWSQueryCompatible != nil {
		fault := "Sender"
		if !e.Sender {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", e.WireQueryCode()+";"+fault)
	}
	protocol.CopyHeaders(w, e.Header)
	setHeaders(w, c, body)
	status := e.Status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write(body)
}
