// Package eventstream encodes and decodes the binary message framing of
// AWS event streams (content type application/vnd.amazon.eventstream).
//
// A message is:
//
//	total length    uint32 big-endian: the whole message, these 4 bytes included
//	headers length  uint32 big-endian
//	prelude CRC     uint32 big-endian: CRC-32 (IEEE) of the 8 bytes above
//	headers         headers length bytes
//	payload         total length - headers length - 16 bytes
//	message CRC     uint32 big-endian: CRC-32 (IEEE) of everything before it
//
// and each header is a name length byte, the name, a type byte and a value
// whose encoding the type fixes (see [Header]).
package eventstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
	"unicode/utf8"
)

// The headers every AWS event message carries.
const (
	// EventTypeHeader names the event (the union member), as a string.
	EventTypeHeader = ":event-type"
	// ContentTypeHeader is the payload's media type, as a string.
	ContentTypeHeader = ":content-type"
	// MessageTypeHeader is "event", "exception" or "error", as a string.
	MessageTypeHeader = ":message-type"
	// ExceptionTypeHeader names a modeled exception, as a string.
	ExceptionTypeHeader = ":exception-type"
	// ErrorCodeHeader is the code of an "error" message, as a string.
	ErrorCodeHeader = ":error-code"
	// ErrorMessageHeader is the message of an "error" message, as a string.
	ErrorMessageHeader = ":error-message"
)

// Limits of a message, as the AWS SDKs enforce them when decoding.
const (
	// MaxPayloadSize is the largest payload of one message.
	MaxPayloadSize = 16 << 20
	// MaxHeadersSize is the largest headers section of one message.
	MaxHeadersSize = 128 << 10
	// MaxHeaderNameSize is the longest header name.
	MaxHeaderNameSize = 255
	// MaxHeaderValueSize is the longest byte array or string header value.
	MaxHeaderValueSize = 1<<15 - 1
)

// preludeSize is the size of the prelude (two lengths and their CRC);
// minMessageSize adds the message CRC.
const (
	preludeSize    = 12
	minMessageSize = preludeSize + 4
)

// Header value types, as the type byte of the wire format spells them.
const (
	typeTrue      byte = 0
	typeFalse     byte = 1
	typeByte      byte = 2
	typeShort     byte = 3
	typeInteger   byte = 4
	typeLong      byte = 5
	typeByteArray byte = 6
	typeString    byte = 7
	typeTimestamp byte = 8
	typeUUID      byte = 9
)

// UUID is a header value of the uuid type.
type UUID [16]byte

// Header is one message header. Value is one of bool, int8 (byte type),
// int16 (short), int32 (integer), int64 (long), []byte (byte array), string,
// time.Time (timestamp, millisecond precision) or UUID.
type Header struct {
	Name  string
	Value any
}

// Message is one event-stream message.
type Message struct {
	Headers []Header
	Payload []byte
}

// Header returns the value of the first header named name, or nil.
func (m Message) Header(name string) any {
	for _, h := range m.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return nil
}

// StringHeader returns the first header named name when it is a string.
func (m Message) StringHeader(name string) (string, bool) {
	s, ok := m.Header(name).(string)
	return s, ok
}

// Append appends the encoding of m to dst. It fails on headers it cannot
// encode and on messages over the size limits.
func Append(dst []byte, m Message) ([]byte, error) {
	if len(m.Payload) > MaxPayloadSize {
		return dst, fmt.Errorf("eventstream: payload of %d bytes exceeds %d", len(m.Payload), MaxPayloadSize)
	}
	start := len(dst)
	dst = append(dst, make([]byte, preludeSize)...)
	for _, h := range m.Headers {
		var err error
		if dst, err = appendHeader(dst, h); err != nil {
			return dst[:start], err
		}
	}
	headersLen := len(dst) - start - preludeSize
	if headersLen > MaxHeadersSize {
		return dst[:start], fmt.Errorf("eventstream: headers of %d bytes exceed %d", headersLen, MaxHeadersSize)
	}
	dst = append(dst, m.Payload...)
	total := len(dst) - start + 4
	msg := dst[start:]
	binary.BigEndian.PutUint32(msg[0:4], uint32(total))
	binary.BigEndian.PutUint32(msg[4:8], uint32(headersLen))
	binary.BigEndian.PutUint32(msg[8:12], crc32.ChecksumIEEE(msg[0:8]))
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(msg)), nil
}

// Encode writes m to w as one message in one Write call.
func Encode(w io.Writer, m Message) error {
	b, err := Append(nil, m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func appendHeader(dst []byte, h Header) ([]byte, error) {
	if h.Name == "" || len(h.Name) > MaxHeaderNameSize {
		return dst, fmt.Errorf("eventstream: header name %q must be 1 to %d bytes", h.Name, MaxHeaderNameSize)
	}
	dst = append(dst, byte(len(h.Name)))
	dst = append(dst, h.Name...)
	switch v := h.Value.(type) {
	case bool:
		if v {
			return append(dst, typeTrue), nil
		}
		return append(dst, typeFalse), nil
	case int8:
		return append(dst, typeByte, byte(v)), nil
	case int16:
		return binary.BigEndian.AppendUint16(append(dst, typeShort), uint16(v)), nil
	case int32:
		return binary.BigEndian.AppendUint32(append(dst, typeInteger), uint32(v)), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(dst, typeLong), uint64(v)), nil
	case []byte:
		if len(v) > MaxHeaderValueSize {
			return dst, fmt.Errorf("eventstream: header %s: value of %d bytes exceeds %d", h.Name, len(v), MaxHeaderValueSize)
		}
		dst = binary.BigEndian.AppendUint16(append(dst, typeByteArray), uint16(len(v)))
		return append(dst, v...), nil
	case string:
		if len(v) > MaxHeaderValueSize {
			return dst, fmt.Errorf("eventstream: header %s: value of %d bytes exceeds %d", h.Name, len(v), MaxHeaderValueSize)
		}
		dst = binary.BigEndian.AppendUint16(append(dst, typeString), uint16(len(v)))
		return append(dst, v...), nil
	case time.Time:
		return binary.BigEndian.AppendUint64(append(dst, typeTimestamp), uint64(v.UnixMilli())), nil
	case UUID:
		return append(append(dst, typeUUID), v[:]...), nil
	}
	return dst, fmt.Errorf("eventstream: header %s: unsupported value type %T", h.Name, h.Value)
}

// Errors of decoding.
var (
	// ErrPreludeChecksum reports a prelude whose CRC does not match.
	ErrPreludeChecksum = errors.New("eventstream: prelude checksum mismatch")
	// ErrMessageChecksum reports a message whose CRC does not match.
	ErrMessageChecksum = errors.New("eventstream: message checksum mismatch")
)

// Decoder reads messages from a stream.
type Decoder struct {
	r   io.Reader
	buf []byte
}

// NewDecoder returns a Decoder reading r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: r} }

// Decode reads the next message. It returns io.EOF at the end of the stream
// between messages, io.ErrUnexpectedEOF when the stream ends inside one,
// and an error for a damaged or oversized message. The message's header
// values and payload do not alias the Decoder's buffer.
func (d *Decoder) Decode() (Message, error) {
	var prelude [preludeSize]byte
	if _, err := io.ReadFull(d.r, prelude[:]); err != nil {
		return Message{}, err
	}
	total, headersLen, err := checkPrelude(prelude[:])
	if err != nil {
		return Message{}, err
	}
	if cap(d.buf) < int(total) {
		d.buf = make([]byte, total)
	}
	buf := d.buf[:total]
	copy(buf, prelude[:])
	if _, err := io.ReadFull(d.r, buf[preludeSize:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Message{}, err
	}
	return decodeBody(buf, headersLen)
}

// Decode decodes the message at the start of b and returns it with the
// number of bytes it took.
func Decode(b []byte) (Message, int, error) {
	if len(b) < preludeSize {
		return Message{}, 0, io.ErrUnexpectedEOF
	}
	total, headersLen, err := checkPrelude(b[:preludeSize])
	if err != nil {
		return Message{}, 0, err
	}
	if len(b) < int(total) {
		return Message{}, 0, io.ErrUnexpectedEOF
	}
	m, err := decodeBody(b[:total], headersLen)
	if err != nil {
		return Message{}, 0, err
	}
	return m, int(total), nil
}

// checkPrelude validates the prelude and returns the message and headers
// lengths.
func checkPrelude(p []byte) (total, headersLen uint32, err error) {
	total = binary.BigEndian.Uint32(p[0:4])
	headersLen = binary.BigEndian.Uint32(p[4:8])
	if crc32.ChecksumIEEE(p[0:8]) != binary.BigEndian.Uint32(p[8:12]) {
		return 0, 0, ErrPreludeChecksum
	}
	if headersLen > MaxHeadersSize {
		return 0, 0, fmt.Errorf("eventstream: headers of %d bytes exceed %d", headersLen, MaxHeadersSize)
	}
	if total < minMessageSize || uint64(total) < uint64(minMessageSize)+uint64(headersLen) {
		return 0, 0, fmt.Errorf("eventstream: message length %d too short for %d bytes of headers", total, headersLen)
	}
	if payload := uint64(total) - minMessageSize - uint64(headersLen); payload > MaxPayloadSize {
		return 0, 0, fmt.Errorf("eventstream: payload of %d bytes exceeds %d", payload, MaxPayloadSize)
	}
	return total, headersLen, nil
}

// decodeBody checks the message CRC of msg (a whole message) and decodes
// its headers and payload.
func decodeBody(msg []byte, headersLen uint32) (Message, error) {
	n := len(msg)
	if crc32.ChecksumIEEE(msg[:n-4]) != binary.BigEndian.Uint32(msg[n-4:]) {
		return Message{}, ErrMessageChecksum
	}
	hb := msg[preludeSize : preludeSize+int(headersLen)]
	var m Message
	for len(hb) > 0 {
		h, rest, err := decodeHeader(hb)
		if err != nil {
			return Message{}, err
		}
		m.Headers = append(m.Headers, h)
		hb = rest
	}
	if p := msg[preludeSize+int(headersLen) : n-4]; len(p) > 0 {
		m.Payload = append([]byte(nil), p...)
	}
	return m, nil
}

var errShortHeader = errors.New("eventstream: header cut short")

func decodeHeader(b []byte) (Header, []byte, error) {
	nameLen := int(b[0])
	if nameLen == 0 {
		return Header{}, nil, errors.New("eventstream: empty header name")
	}
	if len(b) < 1+nameLen+1 {
		return Header{}, nil, errShortHeader
	}
	h := Header{Name: string(b[1 : 1+nameLen])}
	typ := b[1+nameLen]
	b = b[2+nameLen:]
	need := func(n int) error {
		if len(b) < n {
			return errShortHeader
		}
		return nil
	}
	switch typ {
	case typeTrue:
		h.Value = true
	case typeFalse:
		h.Value = false
	case typeByte:
		if err := need(1); err != nil {
			return Header{}, nil, err
		}
		h.Value, b = int8(b[0]), b[1:]
	case typeShort:
		if err := need(2); err != nil {
			return Header{}, nil, err
		}
		h.Value, b = int16(binary.BigEndian.Uint16(b)), b[2:]
	case typeInteger:
		if err := need(4); err != nil {
			return Header{}, nil, err
		}
		h.Value, b = int32(binary.BigEndian.Uint32(b)), b[4:]
	case typeLong:
		if err := need(8); err != nil {
			return Header{}, nil, err
		}
		h.Value, b = int64(binary.BigEndian.Uint64(b)), b[8:]
	case typeTimestamp:
		if err := need(8); err != nil {
			return Header{}, nil, err
		}
		h.Value, b = time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC(), b[8:]
	case typeByteArray, typeString:
		if err := need(2); err != nil {
			return Header{}, nil, err
		}
		n := int(binary.BigEndian.Uint16(b))
		if n > MaxHeaderValueSize {
			return Header{}, nil, fmt.Errorf("eventstream: header %s: value of %d bytes exceeds %d", h.Name, n, MaxHeaderValueSize)
		}
		if err := need(2 + n); err != nil {
			return Header{}, nil, err
		}
		v := b[2 : 2+n]
		if typ == typeString {
			if !utf8.Valid(v) {
				return Header{}, nil, fmt.Errorf("eventstream: header %s: string value is not UTF-8", h.Name)
			}
			h.Value = string(v)
		} else {
			h.Value = append([]byte{}, v...)
		}
		b = b[2+n:]
	case typeUUID:
		if err := need(16); err != nil {
			return Header{}, nil, err
		}
		var u UUID
		copy(u[:], b)
		h.Value, b = u, b[16:]
	default:
		return Header{}, nil, fmt.Errorf("eventstream: header %s: unknown value type %d", h.Name, typ)
	}
	return h, b, nil
}
