package restxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/virga-aws/virga/internal/model"
)

// maxDepth bounds how deeply decoding follows nested model shapes, so a
// recursive shape cannot be used to exhaust the stack.
const maxDepth = 100

// Decode parses an XML document whose root element holds a value of r's
// shape and returns its tree. The root element's name is not checked;
// unknown elements and attributes are ignored. Malformed XML, a value the
// model's type cannot hold, or content after the root element is an
// error.
func Decode(body []byte, r *model.Ref) (any, error) {
	dc := decoder{d: xml.NewDecoder(bytes.NewReader(body))}
	for {
		tok, err := dc.d.Token()
		if err == io.EOF {
			return nil, errors.New("no root element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := dc.value(t, r)
			if err != nil {
				return nil, err
			}
			if err := dc.trailer(); err != nil {
				return nil, err
			}
			return v, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
}

// decoder walks XML tokens along the model.
type decoder struct {
	d     *xml.Decoder
	depth int
}

// trailer accepts only whitespace, comments and processing instructions
// after the root element.
func (dc *decoder) trailer() error {
	for {
		tok, err := dc.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return errors.New("more than one root element")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text after the root element")
			}
		}
	}
}

// value decodes the element start, already read, as a value of r's shape
// and consumes its end element.
func (dc *decoder) value(start xml.StartElement, r *model.Ref) (any, error) {
	s := r.Shape
	switch s.Type {
	case "structure", "list", "map":
		dc.depth++
		defer func() { dc.depth-- }()
		if dc.depth > maxDepth {
			return nil, errors.New("XML nested too deeply")
		}
	}
	switch s.Type {
	case "structure":
		return dc.structure(start, s)
	case "list":
		return dc.list(s)
	case "map":
		return dc.mapValue(s)
	}
	text, err := dc.text()
	if err != nil {
		return nil, err
	}
	v, err := parseText(text, r, "iso8601")
	if err != nil {
		return nil, fmt.Errorf("invalid %s value for element %s", s.Type, start.Name.Local)
	}
	return v, nil
}

func (dc *decoder) structure(start xml.StartElement, s *model.Shape) (map[string]any, error) {
	xs := xmlStructFor(s)
	m := make(map[string]any, len(xs.members))
	for _, i := range xs.attrs {
		mem := &xs.members[i]
		for _, a := range start.Attr {
			if a.Name.Local != mem.local {
				continue
			}
			v, err := parseText(a.Value, mem.ref, "iso8601")
			if err != nil {
				return nil, fmt.Errorf("invalid %s value for attribute %s", mem.ref.Shape.Type, mem.elem)
			}
			m[mem.name] = v
		}
	}
	for {
		tok, err := dc.d.Token()
		if err != nil {
			return nil, eofError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			i, ok := xs.byElem[t.Name.Local]
			if !ok {
				if err := dc.d.Skip(); err != nil {
					return nil, eofError(err)
				}
				continue
			}
			mem := &xs.members[i]
			switch mem.kind {
			case kindFlatList:
				v, err := dc.value(t, mem.ref.Shape.Member)
				if err != nil {
					return nil, err
				}
				l, _ := m[mem.name].([]any)
				m[mem.name] = append(l, v)
			case kindFlatMap:
				k, v, ok, err := dc.entry(mem.ref.Shape)
				if err != nil {
					return nil, err
				}
				if ok {
					mm, _ := m[mem.name].(map[string]any)
					if mm == nil {
						mm = map[string]any{}
						m[mem.name] = mm
					}
					mm[k] = v
				}
			default:
				v, err := dc.value(t, mem.ref)
				if err != nil {
					return nil, err
				}
				m[mem.name] = v
			}
		case xml.EndElement:
			return m, nil
		}
	}
}

func (dc *decoder) list(s *model.Shape) ([]any, error) {
	item := listItemName(s)
	l := []any{}
	for {
		tok, err := dc.d.Token()
		if err != nil {
			return nil, eofError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != item {
				if err := dc.d.Skip(); err != nil {
					return nil, eofError(err)
				}
				continue
			}
			v, err := dc.value(t, s.Member)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		case xml.EndElement:
			return l, nil
		}
	}
}

func (dc *decoder) mapValue(s *model.Shape) (map[string]any, error) {
	m := map[string]any{}
	for {
		tok, err := dc.d.Token()
		if err != nil {
			return nil, eofError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "entry" {
				if err := dc.d.Skip(); err != nil {
					return nil, eofError(err)
				}
				continue
			}
			k, v, ok, err := dc.entry(s)
			if err != nil {
				return nil, err
			}
			if ok {
				m[k] = v
			}
		case xml.EndElement:
			return m, nil
		}
	}
}

// entry decodes the key and value children of a map entry element, already
// started; ok is false when either is missing.
func (dc *decoder) entry(s *model.Shape) (key string, val any, ok bool, err error) {
	kn, vn := mapNames(s)
	var haveKey, haveVal bool
	for {
		tok, err := dc.d.Token()
		if err != nil {
			return "", nil, false, eofError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case kn:
				if key, err = dc.text(); err != nil {
					return "", nil, false, err
				}
				haveKey = true
			case vn:
				if val, err = dc.value(t, s.Value); err != nil {
					return "", nil, false, err
				}
				haveVal = true
			default:
				if err := dc.d.Skip(); err != nil {
					return "", nil, false, eofError(err)
				}
			}
		case xml.EndElement:
			return key, val, haveKey && haveVal, nil
		}
	}
}

// text reads an element's character data up to its end element, skipping
// any child elements.
func (dc *decoder) text() (string, error) {
	var first string
	var b *strings.Builder
	for {
		tok, err := dc.d.Token()
		if err != nil {
			return "", eofError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			switch {
			case b != nil:
				b.Write(t)
			case first == "":
				first = string(t)
			default:
				b = &strings.Builder{}
				b.WriteString(first)
				b.Write(t)
			}
		case xml.StartElement:
			if err := dc.d.Skip(); err != nil {
				return "", eofError(err)
			}
		case xml.EndElement:
			if b != nil {
				return b.String(), nil
			}
			return first, nil
		}
	}
}

func eofError(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
