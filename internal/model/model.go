// Package model loads the embedded AWS service models and resolves their
// shapes, so codecs, validators and the router can be driven by them.
package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/virga-aws/virga/models"
)

// Protocol names as they appear in model metadata.
const (
	ProtocolJSON     = "json"
	ProtocolRESTJSON = "rest-json"
	ProtocolRESTXML  = "rest-xml"
	ProtocolQuery    = "query"
	ProtocolEC2      = "ec2"
	ProtocolCBOR     = "smithy-rpc-v2-cbor"
)

// Model is one service's API definition.
type Model struct {
	// Name is the model's file name in models/aws (botocore's service name,
	// e.g. "sqs", "s3", "cloudwatch").
	Name       string
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is a model's service-wide data.
type Metadata struct {
	APIVersion         string    `json:"apiVersion"`
	EndpointPrefix     string    `json:"endpointPrefix"`
	JSONVersion        string    `json:"jsonVersion"`
	Protocol           string    `json:"protocol"`
	Protocols          []string  `json:"protocols"`
	ServiceID          string    `json:"serviceId"`
	ServiceFullName    string    `json:"serviceFullName"`
	SignatureVersion   string    `json:"signatureVersion"`
	SigningName        string    `json:"signingName"`
	TargetPrefix       string    `json:"targetPrefix"`
	UID                string    `json:"uid"`
	XMLNamespace       string    `json:"xmlNamespace"`
	AWSQueryCompatible *struct{} `json:"awsQueryCompatible"`
}

// Signing returns the SigV4 signing name (signingName, else endpointPrefix).
func (m Metadata) Signing() string {
	if m.SigningName != "" {
		return m.SigningName
	}
	return m.EndpointPrefix
}

// Operation is one API operation.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *Ref   `json:"input"`
	Output *Ref   `json:"output"`
	Errors []*Ref `json:"errors"`
	// HTTPChecksum holds the flexible-checksum trait, when present.
	HTTPChecksum *struct {
		RequestAlgorithmMember      string   `json:"requestAlgorithmMember"`
		RequestChecksumRequired     bool     `json:"requestChecksumRequired"`
		RequestValidationModeMember string   `json:"requestValidationModeMember"`
		ResponseAlgorithms          []string `json:"responseAlgorithms"`
	} `json:"httpChecksum"`
	HTTPChecksumRequired bool `json:"httpChecksumRequired"`
}

// Ref points at a shape and carries the serialization traits of that use
// of it: a structure member, a list member, a map key or value, or an
// operation's input or output.
type Ref struct {
	ShapeName        string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	QueryName        string `json:"queryName"`
	Flattened        bool   `json:"flattened"`
	XMLAttribute     bool   `json:"xmlAttribute"`
	XMLNamespace     *XMLNS `json:"xmlNamespace"`
	TimestampFormat  string `json:"timestampFormat"`
	JSONValue        bool   `json:"jsonvalue"`
	HostLabel        bool   `json:"hostLabel"`
	ResultWrapper    string `json:"resultWrapper"`
	IdempotencyToken bool   `json:"idempotencyToken"`
	EventPayload     bool   `json:"eventpayload"`
	// Streaming marks a streaming blob member (botocore puts it on the
	// member, Smithy on the shape; see IsStreaming).
	Streaming bool `json:"streaming"`
	// Shape is the resolved shape, set when the model is loaded.
	Shape *Shape `json:"-"`
}

// IsStreaming reports whether the member is a streaming blob, from the
// member's trait or its shape's.
func (r *Ref) IsStreaming() bool {
	return r.Streaming || (r.Shape != nil && r.Shape.Streaming)
}

// XMLNS is an XML namespace trait.
type XMLNS struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// UnmarshalJSON accepts both the object form and botocore's bare-string form.
func (x *XMLNS) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &x.URI)
	}
	type plain XMLNS
	return json.Unmarshal(b, (*plain)(x))
}

// Shape is a named type in the model.
type Shape struct {
	Name     string   `json:"-"`
	Type     string   `json:"type"`
	Members  Members  `json:"members"`
	Required []string `json:"required"`
	Member   *Ref     `json:"member"`
	Key      *Ref     `json:"key"`
	Value    *Ref     `json:"value"`
	Enum     []string `json:"enum"`
	Min      *float64 `json:"min"`
	Max      *float64 `json:"max"`
	Pattern  string   `json:"pattern"`
	// Flattened applies to lists and maps in XML protocols.
	Flattened       bool   `json:"flattened"`
	LocationName    string `json:"locationName"`
	XMLNamespace    *XMLNS `json:"xmlNamespace"`
	TimestampFormat string `json:"timestampFormat"`
	Streaming       bool   `json:"streaming"`
	RequiresLength  bool   `json:"requiresLength"`
	Payload         string `json:"payload"`
	Exception       bool   `json:"exception"`
	Fault           bool   `json:"fault"`
	Document        bool   `json:"document"`
	Union           bool   `json:"union"`
	EventStream     bool   `json:"eventstream"`
	Sensitive       bool   `json:"sensitive"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`

	required map[string]bool
}

// IsRequired reports whether the structure member name is required.
func (s *Shape) IsRequired(name string) bool { return s.required[name] }

// IntRange returns the values an integral shape type ("byte", "short",
// "integer", "long") can hold; any other type gets the int64 range.
func IntRange(typ string) (lo, hi int64) {
	switch typ {
	case "integer":
		return math.MinInt32, math.MaxInt32
	case "short":
		return math.MinInt16, math.MaxInt16
	case "byte":
		return math.MinInt8, math.MaxInt8
	}
	return math.MinInt64, math.MaxInt64
}

// Member is a named structure member.
type Member struct {
	Name string
	*Ref
}

// Members is a structure's members in model order.
type Members []Member

// UnmarshalJSON decodes a members object keeping the model's order, which
// XML encoders follow.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var ref Ref
		if err := dec.Decode(&ref); err != nil {
			return err
		}
		*ms = append(*ms, Member{Name: t.(string), Ref: &ref})
	}
	return nil
}

// Get returns the member called name.
func (ms Members) Get(name string) (Member, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// Has reports whether the protocol is one the service accepts.
func (m *Model) Has(protocol string) bool {
	if m.Metadata.Protocol == protocol {
		return true
	}
	for _, p := range m.Metadata.Protocols {
		if p == protocol {
			return true
		}
	}
	return false
}

// cache holds one *loadResult per service name, so every request's
// lookup is lock-free once the name is known.
var cache sync.Map

type loadResult struct {
	once  sync.Once
	model *Model
	err   error
}

// Load returns the parsed model of the named service, parsing it on first
// use and sharing it afterwards.
func Load(name string) (*Model, error) {
	v, ok := cache.Load(name)
	if !ok {
		v, _ = cache.LoadOrStore(name, &loadResult{})
	}
	r := v.(*loadResult)
	r.once.Do(func() { r.model, r.err = parse(name) })
	return r.model, r.err
}

// MustLoad is Load for models known to be embedded; it panics otherwise.
func MustLoad(name string) *Model {
	m, err := Load(name)
	if err != nil {
		panic(err)
	}
	return m
}

func parse(name string) (*Model, error) {
	f, err := models.FS.Open("aws/" + name + ".json.gz")
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	m := &Model{Name: name}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	if patch, err := models.FS.ReadFile("patches/" + name + ".json"); err == nil {
		if err := m.applyPatch(patch); err != nil {
			return nil, fmt.Errorf("model %s patch: %w", name, err)
		}
	}
	if err := m.resolve(); err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	return m, nil
}

// applyPatch applies a Virga patch to a decoded model. A patch is
// {"metadata": {...}, "shapes": {"Name": {"members": {"M": {traits}}, traits}},
// "operations": {"Name": {...}}}: the traits given overwrite the model's,
// members not in the model are appended, and nothing is removed.
func (m *Model) applyPatch(patch []byte) error {
	var p struct {
		Metadata   json.RawMessage                       `json:"metadata"`
		Shapes     map[string]map[string]json.RawMessage `json:"shapes"`
		Operations map[string]json.RawMessage            `json:"operations"`
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return err
	}
	if p.Metadata != nil {
		if err := json.Unmarshal(p.Metadata, &m.Metadata); err != nil {
			return err
		}
	}
	for name, fields := range p.Shapes {
		s := m.Shapes[name]
		if s == nil {
			s = &Shape{}
			m.Shapes[name] = s
		}
		for key, raw := range fields {
			if key != "members" {
				if err := json.Unmarshal([]byte(`{"`+key+`":`+string(raw)+`}`), s); err != nil {
					return fmt.Errorf("shape %s: %w", name, err)
				}
				continue
			}
			var members map[string]json.RawMessage
			if err := json.Unmarshal(raw, &members); err != nil {
				return fmt.Errorf("shape %s: %w", name, err)
			}
			for mname, mraw := range members {
				mem, ok := s.Members.Get(mname)
				if !ok {
					mem = Member{Name: mname, Ref: &Ref{}}
					s.Members = append(s.Members, mem)
				}
				if err := json.Unmarshal(mraw, mem.Ref); err != nil {
					return fmt.Errorf("shape %s member %s: %w", name, mname, err)
				}
			}
		}
	}
	for name, raw := range p.Operations {
		op := m.Operations[name]
		if op == nil {
			op = &Operation{}
			m.Operations[name] = op
		}
		if err := json.Unmarshal(raw, op); err != nil {
			return fmt.Errorf("operation %s: %w", name, err)
		}
	}
	return nil
}

func (m *Model) resolve() error {
	for name, s := range m.Shapes {
		s.Name = name
		if len(s.Required) > 0 {
			s.required = make(map[string]bool, len(s.Required))
			for _, r := range s.Required {
				s.required[r] = true
			}
		}
	}
	var bind func(r *Ref) error
	bind = func(r *Ref) error {
		if r == nil {
			return nil
		}
		s, ok := m.Shapes[r.ShapeName]
		if !ok {
			return fmt.Errorf("unknown shape %q", r.ShapeName)
		}
		r.Shape = s
		return nil
	}
	for _, s := range m.Shapes {
		for _, mem := range s.Members {
			if err := bind(mem.Ref); err != nil {
				return err
			}
		}
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if err := bind(r); err != nil {
				return err
			}
		}
	}
	for name, op := range m.Operations {
		op.Name = name
		for _, r := range append([]*Ref{op.Input, op.Output}, op.Errors...) {
			if err := bind(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrorShape returns the modeled error shape whose name or code is code.
func (m *Model) ErrorShape(code string) *Shape {
	if s, ok := m.Shapes[code]; ok && s.Exception {
		return s
	}
	for _, s := range m.Shapes {
		if s.Exception && s.Error != nil && s.Error.Code == code {
			return s
		}
	}
	return nil
}

// LowerFirst returns s with its first letter in lower case, as the EC2 and
// restJson protocols name members on the wire.
func LowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
