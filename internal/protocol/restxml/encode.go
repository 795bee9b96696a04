package restxml

import (
	"encoding/base64"
	"slices"
	"time"

	"github.com/virga-aws/virga/internal/model"
)

// xmlDeclaration starts every XML document Virga writes, as S3 starts its.
const xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

// AppendElement writes v, a tree value of r's shape, as the element name.
// ns, when not empty, is declared as the element's default namespace
// unless r carries its own namespace trait. Structure members are written
// in model order (members with an HTTP location are left out), map entries
// by sorted key; nil members are omitted.
func AppendElement(buf []byte, name string, v any, r *model.Ref, ns string) []byte {
	e := encoder{buf: buf}
	e.element(name, v, r, ns)
	return e.buf
}

// encoder writes tree values as XML.
type encoder struct {
	buf []byte
	// ns is the default namespace in scope.
	ns string
	// shape and layout cache the last structure's XML layout: lists
	// repeat one structure.
	shape  *model.Shape
	layout *xmlStruct
}

func (e *encoder) element(name string, v any, r *model.Ref, declare string) {
	outer := e.ns
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	if xns := namespaceOf(r); xns != nil && xns.URI != "" {
		if xns.Prefix != "" {
			e.buf = append(e.buf, " xmlns:"...)
			e.buf = append(e.buf, xns.Prefix...)
			e.buf = append(e.buf, `="`...)
			e.buf = appendEscaped(e.buf, xns.URI, true)
			e.buf = append(e.buf, '"')
		} else {
			declare = xns.URI
		}
	}
	if declare != "" && declare != e.ns {
		e.buf = append(e.buf, ` xmlns="`...)
		e.buf = appendEscaped(e.buf, declare, true)
		e.buf = append(e.buf, '"')
		e.ns = declare
	}
	s := r.Shape
	switch s.Type {
	case "structure":
		m, _ := v.(map[string]any)
		e.structure(m, s)
	case "list":
		e.buf = append(e.buf, '>')
		l, _ := v.([]any)
		item := listItemName(s)
		for _, x := range l {
			if x != nil {
				e.element(item, x, s.Member, "")
			}
		}
	case "map":
		e.buf = append(e.buf, '>')
		m, _ := v.(map[string]any)
		e.mapEntries(m, s, "entry")
	default:
		e.buf = append(e.buf, '>')
		e.scalar(v, r)
	}
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
	e.ns = outer
}

// structure writes a structure's attributes, closes its start tag and
// writes its member elements.
func (e *encoder) structure(m map[string]any, s *model.Shape) {
	if e.shape != s {
		e.shape, e.layout = s, xmlStructFor(s)
	}
	xs := e.layout
	for _, i := range xs.attrs {
		mem := &xs.members[i]
		v, ok := m[mem.name]
		if !ok || v == nil {
			continue
		}
		e.buf = append(e.buf, ' ')
		e.buf = append(e.buf, mem.elem...)
		e.buf = append(e.buf, `="`...)
		if str, ok := v.(string); ok && mem.ref.Shape.Type != "blob" {
			e.buf = appendEscaped(e.buf, str, true)
		} else {
			e.scalar(v, mem.ref)
		}
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, '>')
	for i := range xs.members {
		mem := &xs.members[i]
		if mem.kind == kindAttr {
			continue
		}
		v, ok := m[mem.name]
		if !ok || v == nil {
			continue
		}
		switch mem.kind {
		case kindFlatList:
			l, _ := v.([]any)
			for _, x := range l {
				if x != nil {
					e.element(mem.elem, x, mem.ref.Shape.Member, "")
				}
			}
		case kindFlatMap:
			mm, _ := v.(map[string]any)
			e.mapEntries(mm, mem.ref.Shape, mem.elem)
		default:
			e.element(mem.elem, v, mem.ref, "")
		}
	}
}

// mapEntries writes m's entries, sorted by key, each as an element called
// entry holding the key and value elements.
func (e *encoder) mapEntries(m map[string]any, s *model.Shape, entry string) {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	kn, vn := mapNames(s)
	for _, k := range keys {
		e.buf = append(e.buf, '<')
		e.buf = append(e.buf, entry...)
		e.buf = append(e.buf, "><"...)
		e.buf = append(e.buf, kn...)
		e.buf = append(e.buf, '>')
		e.buf = appendEscaped(e.buf, k, false)
		e.buf = append(e.buf, "</"...)
		e.buf = append(e.buf, kn...)
		e.buf = append(e.buf, '>')
		e.element(vn, m[k], s.Value, "")
		e.buf = append(e.buf, "</"...)
		e.buf = append(e.buf, entry...)
		e.buf = append(e.buf, '>')
	}
}

// scalar writes a scalar value's text: strings escaped, timestamps in the
// member's format (ISO 8601 by default), blobs in base64.
func (e *encoder) scalar(v any, r *model.Ref) {
	switch x := v.(type) {
	case string:
		if r.Shape.Type == "blob" {
			e.buf = base64.StdEncoding.AppendEncode(e.buf, []byte(x))
			return
		}
		e.buf = appendEscaped(e.buf, x, false)
	case time.Time:
		e.buf = appendTime(e.buf, x, timestampFormat(r, "iso8601"))
	default:
		e.buf = appendScalar(e.buf, v)
	}
}
