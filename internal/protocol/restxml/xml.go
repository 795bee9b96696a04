package restxml

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
)

// memberKind says how a structure member appears in XML.
type memberKind uint8

const (
	// kindElement is one child element holding the value.
	kindElement memberKind = iota
	// kindFlatList repeats one element per list item, with no wrapper.
	kindFlatList
	// kindFlatMap repeats one element per map entry, with no wrapper.
	kindFlatMap
	// kindAttr is an attribute of the structure's element.
	kindAttr
)

// xmlMember is a structure member as XML sees it.
type xmlMember struct {
	// name is the member name, the tree key.
	name string
	// elem is the element name (the repeated element for flattened lists
	// and maps), or the attribute's qualified name.
	elem string
	// local is the local part of elem, which decoding matches.
	local string
	// alt is a second element name decoding accepts for a flattened list:
	// the list member's own locationName.
	alt  string
	kind memberKind
	ref  *model.Ref
}

// xmlStruct is a structure's XML layout: its members without an HTTP
// location, in model order.
type xmlStruct struct {
	members []xmlMember
	byElem  map[string]int
	attrs   []int
}

var xmlStructs sync.Map // *model.Shape -> *xmlStruct

// xmlStructFor returns the XML layout of the structure s.
func xmlStructFor(s *model.Shape) *xmlStruct {
	if x, ok := xmlStructs.Load(s); ok {
		return x.(*xmlStruct)
	}
	x := &xmlStruct{byElem: map[string]int{}}
	for _, m := range s.Members {
		if m.Location != "" {
			continue
		}
		xm := xmlMember{name: m.Name, elem: m.Name, ref: m.Ref}
		if m.LocationName != "" {
			xm.elem = m.LocationName
		}
		flat := m.Flattened || m.Shape.Flattened
		switch {
		case m.XMLAttribute:
			xm.kind = kindAttr
		case flat && m.Shape.Type == "list":
			xm.kind = kindFlatList
			if ln := m.Shape.Member.LocationName; ln != "" && ln != xm.elem {
				xm.alt = ln
			}
		case flat && m.Shape.Type == "map":
			xm.kind = kindFlatMap
		}
		xm.local = xm.elem
		if i := strings.IndexByte(xm.elem, ':'); i >= 0 {
			xm.local = xm.elem[i+1:]
		}
		x.members = append(x.members, xm)
	}
	for i, xm := range x.members {
		if xm.kind == kindAttr {
			x.attrs = append(x.attrs, i)
			continue
		}
		if _, dup := x.byElem[xm.local]; !dup {
			x.byElem[xm.local] = i
		}
	}
	for i, xm := range x.members {
		if xm.alt != "" {
			if _, dup := x.byElem[xm.alt]; !dup {
				x.byElem[xm.alt] = i
			}
		}
	}
	actual, _ := xmlStructs.LoadOrStore(s, x)
	return actual.(*xmlStruct)
}

// listItemName is the element name of a non-flattened list's items.
func listItemName(s *model.Shape) string {
	if s.Member.LocationName != "" {
		return s.Member.LocationName
	}
	return "member"
}

// mapNames returns the element names of a map entry's key and value.
func mapNames(s *model.Shape) (key, value string) {
	key, value = "key", "value"
	if s.Key.LocationName != "" {
		key = s.Key.LocationName
	}
	if s.Value.LocationName != "" {
		value = s.Value.LocationName
	}
	return key, value
}

// namespaceOf returns the XML namespace trait of a shape use: the
// reference's, else the shape's.
func namespaceOf(r *model.Ref) *model.XMLNS {
	if r.XMLNamespace != nil {
		return r.XMLNamespace
	}
	return r.Shape.XMLNamespace
}

const hexDigits = "0123456789ABCDEF"

// textSafe marks the ASCII bytes character data carries unescaped.
var textSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['\n'], t['\t'] = true, true
	t['&'], t['<'], t['>'], t['"'] = false, false, false, false
	return t
}()

// appendEscaped writes s as XML character data (attr false) or an
// attribute value (attr true). It escapes &, <, >, " and carriage returns
// as S3 does, and in attributes also tabs and newlines so that parsers'
// attribute normalisation cannot change them. Characters XML 1.0 cannot
// carry are written as numeric references, as S3 writes them (which is why
// S3 offers encoding-type=url); invalid UTF-8 becomes U+FFFD.
func appendEscaped(buf []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if textSafe[c] && (!attr || (c != '\n' && c != '\t')) {
				i++
				continue
			}
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"':
				esc = "&quot;"
			case c == '\r':
				esc = "&#13;"
			case c == '\n' && attr:
				esc = "&#10;"
			case c == '\t' && attr:
				esc = "&#9;"
			case c < 0x20 && c != '\n' && c != '\t':
				buf = append(buf, s[start:i]...)
				buf = append(buf, "&#x"...)
				if c >= 0x10 {
					buf = append(buf, hexDigits[c>>4])
				}
				buf = append(buf, hexDigits[c&0xf], ';')
				i++
				start = i
				continue
			default:
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = append(buf, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			buf = append(buf, s[start:i]...)
			buf = append(buf, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}
