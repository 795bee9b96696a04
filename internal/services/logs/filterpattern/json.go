package filterpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// node is a JSON pattern expression.
type node interface {
	eval(doc any) bool
	extract(doc any, out map[string]string)
}

type andNode struct{ left, right node }

func (n andNode) eval(doc any) bool { return n.left.eval(doc) && n.right.eval(doc) }
func (n andNode) extract(doc any, out map[string]string) {
	n.left.extract(doc, out)
	n.right.extract(doc, out)
}

type orNode struct{ left, right node }

func (n orNode) eval(doc any) bool { return n.left.eval(doc) || n.right.eval(doc) }
func (n orNode) extract(doc any, out map[string]string) {
	n.left.extract(doc, out)
	n.right.extract(doc, out)
}

// testKind says what a selector test checks.
type testKind int

const (
	testCompare testKind = iota
	testTrue
	testFalse
	testNull
	testNotExists
	testExists
)

// testNode checks the value a selector picks out of the event.
type testNode struct {
	path string
	sel  []step
	kind testKind
	cmp  comparison
}

// step is one selector step: a member name, or a list index when index >= 0.
type step struct {
	key   string
	index int
}

// absent stands for a selector that picks nothing.
type absentValue struct{}

var absent = absentValue{}

func (n testNode) lookup(doc any) any {
	cur := doc
	for _, s := range n.sel {
		if s.index >= 0 {
			list, ok := cur.([]any)
			if !ok || s.index >= len(list) {
				return absent
			}
			cur = list[s.index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return absent
		}
		v, ok := obj[s.key]
		if !ok {
			return absent
		}
		cur = v
	}
	return cur
}

func (n testNode) eval(doc any) bool {
	v := n.lookup(doc)
	switch n.kind {
	case testTrue:
		return v == true
	case testFalse:
		return v == false
	case testNull:
		return v == nil
	case testNotExists:
		return v == absent
	case testExists:
		return v != absent
	}
	switch x := v.(type) {
	case string:
		return n.cmp.test(x, false)
	case json.Number:
		return n.cmp.test(x.String(), true)
	case bool:
		return n.cmp.test(strconv.FormatBool(x), false)
	}
	return false
}

func (n testNode) extract(doc any, out map[string]string) {
	switch v := n.lookup(doc).(type) {
	case string:
		out[n.path] = v
	case json.Number:
		out[n.path] = v.String()
	case bool:
		out[n.path] = strconv.FormatBool(v)
	}
}

// decodeJSON parses an event message as a JSON object, keeping numbers
// exact.
func decodeJSON(message string) (any, bool) {
	t := strings.TrimSpace(message)
	if t == "" || t[0] != '{' {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader([]byte(t)))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, false
	}
	return doc, true
}

// maxDepth bounds parenthesis nesting, so hostile patterns cannot exhaust
// the stack.
const maxDepth = 32

type jsonParser struct {
	toks  []token
	pos   int
	depth int
}

func parseJSONPattern(s string) (node, error) {
	if !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("JSON pattern must end with '}'")
	}
	toks, err := lex(s[1 : len(s)-1])
	if err != nil {
		return nil, err
	}
	p := &jsonParser{toks: toks}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty JSON pattern")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return n, nil
}

func (p *jsonParser) peek() *token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *jsonParser) or() (node, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t != nil && t.kind == tokOr; t = p.peek() {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *jsonParser) and() (node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t != nil && t.kind == tokAnd; t = p.peek() {
		p.pos++
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *jsonParser) unary() (node, error) {
	t := p.peek()
	if t == nil {
		return nil, fmt.Errorf("unexpected end of JSON pattern")
	}
	if t.kind == tokOpen {
		p.depth++
		if p.depth > maxDepth {
			return nil, fmt.Errorf("parentheses nested deeper than %d", maxDepth)
		}
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c == nil || c.kind != tokClose {
			return nil, fmt.Errorf("missing ')'")
		}
		p.pos++
		p.depth--
		return n, nil
	}
	return p.test()
}

func (p *jsonParser) test() (node, error) {
	t := p.peek()
	if t.kind != tokWord || !strings.HasPrefix(t.text, "$") {
		return nil, fmt.Errorf("expected a selector starting with '$', found %q", t.text)
	}
	sel, err := parseSelector(t.text)
	if err != nil {
		return nil, err
	}
	p.pos++
	n := testNode{path: t.text, sel: sel}
	op := p.peek()
	if op == nil {
		return nil, fmt.Errorf("selector %s needs a comparison", t.text)
	}
	switch {
	case op.kind == tokOp:
		p.pos++
		v := p.peek()
		if v == nil || (v.kind != tokWord && v.kind != tokString && v.kind != tokRegex) {
			return nil, fmt.Errorf("operator %s needs a value", op.text)
		}
		p.pos++
		n.cmp, err = newComparison(op.text, *v)
		if err != nil {
			return nil, err
		}
	case op.kind == tokWord && strings.EqualFold(op.text, "IS"):
		p.pos++
		v := p.peek()
		if v == nil || v.kind != tokWord {
			return nil, fmt.Errorf("IS needs TRUE, FALSE or NULL")
		}
		switch strings.ToUpper(v.text) {
		case "TRUE":
			n.kind = testTrue
		case "FALSE":
			n.kind = testFalse
		case "NULL":
			n.kind = testNull
		default:
			return nil, fmt.Errorf("IS needs TRUE, FALSE or NULL, found %q", v.text)
		}
		p.pos++
	case op.kind == tokWord && strings.EqualFold(op.text, "NOT"):
		p.pos++
		v := p.peek()
		if v == nil || !strings.EqualFold(v.text, "EXISTS") {
			return nil, fmt.Errorf("NOT needs EXISTS")
		}
		n.kind = testNotExists
		p.pos++
	case op.kind == tokWord && strings.EqualFold(op.text, "EXISTS"):
		n.kind = testExists
		p.pos++
	default:
		return nil, fmt.Errorf("unexpected %q after selector %s", op.text, t.text)
	}
	return n, nil
}

// parseSelector parses "$.a.b[0].c" into steps.
func parseSelector(s string) ([]step, error) {
	var out []step
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("empty member name in selector %s", s)
			}
			out = append(out, step{key: s[i+1 : j], index: -1})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("missing ']' in selector %s", s)
			}
			n, err := strconv.Atoi(s[i+1 : i+end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid index in selector %s", s)
			}
			out = append(out, step{index: n})
			i += end + 1
		default:
			return nil, fmt.Errorf("invalid selector %s", s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("selector %s names no member", s)
	}
	return out, nil
}
