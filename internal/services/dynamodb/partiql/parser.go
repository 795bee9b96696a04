// Package partiql parses the subset of PartiQL that DynamoDB runs into the
// expression trees of package expr, so statements are evaluated by the same
// code as DynamoDB's expressions.
package partiql

import (
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// Kind is the kind of a statement.
type Kind int

// Statement kinds.
const (
	Select Kind = iota + 1
	Insert
	Update
	Delete
)

// Statement is a parsed statement with its parameters bound.
type Statement struct {
	Kind  Kind
	Table string
	// Index is the index of SELECT ... FROM "table"."index", or "".
	Index string
	// Projection is SELECT's attribute list; nil means *.
	Projection []expr.Path
	// Where is the WHERE condition, or nil.
	Where *expr.Node
	// Item is INSERT's VALUE, a map.
	Item map[string]api.AttributeValue
	// Actions are UPDATE's SET and REMOVE actions, in order.
	Actions []expr.Action
}

// Error is a statement DynamoDB refuses; Msg is DynamoDB's whole
// ValidationException message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// notWellFormed is the prefix of DynamoDB's syntax errors.
const notWellFormed = "Statement wasn't well formed, can't be processed: "

type parser struct {
	toks   []token
	pos    int
	params []api.AttributeValue
	used   int
}

type bail struct{ err *Error }

func (p *parser) fail(msg string) { panic(bail{&Error{Msg: msg}}) }

func (p *parser) syntax(detail string) { p.fail(notWellFormed + detail) }

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind == tokBad {
		p.syntax("")
	}
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) acceptKeyword(kw string) bool {
	if p.peek().keyword(kw) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) {
	if !p.acceptPunct(s) {
		p.unexpected()
	}
}

func (p *parser) expectKeyword(kw string) {
	if !p.acceptKeyword(kw) {
		p.unexpected()
	}
}

// unexpected reports the token at the current position.
func (p *parser) unexpected() {
	t := p.peek()
	switch {
	case t.kind == tokBad:
		p.syntax("")
	case t.kind == tokEOF:
		p.syntax("Unexpected end of statement")
	case t.kind == tokIdent && keywords[strings.ToUpper(t.text)]:
		p.syntax("Unexpected keyword")
	case t.kind == tokPunct && strings.Contains("=<>!+-*|", t.text[:1]):
		p.syntax("Unexpected operator")
	}
	p.syntax("Unexpected term")
}

// Parse parses one statement and binds its ? parameters, in order, to
// params. Errors are *Error with DynamoDB's message.
func Parse(src string, params []api.AttributeValue) (st *Statement, err error) {
	p := &parser{toks: lex(src), params: params}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			st, err = nil, b.err
		}
	}()
	st = p.statement()
	p.acceptPunct(";")
	if p.peek().kind != tokEOF {
		if p.peek().kind == tokBad {
			p.syntax("")
		}
		p.syntax("Unexpected token after expression")
	}
	if p.used != len(params) {
		return nil, &Error{Msg: "Number of parameters in request and statement doesn't match."}
	}
	return st, nil
}

func (p *parser) statement() *Statement {
	t := p.peek()
	switch {
	case t.keyword("SELECT"):
		p.pos++
		return p.selectStmt()
	case t.keyword("INSERT"):
		p.pos++
		return p.insertStmt()
	case t.keyword("UPDATE"):
		p.pos++
		return p.updateStmt()
	case t.keyword("DELETE"):
		p.pos++
		return p.deleteStmt()
	case t.kind == tokBad:
		p.syntax("")
	case t.keyword("CREATE"), t.keyword("DROP"), t.keyword("EXEC"), t.keyword("UPSERT"), t.keyword("REPLACE"):
		p.fail("Unsupported operation: " + strings.ToUpper(t.text[:1]) + strings.ToLower(t.text[1:]))
	}
	p.syntax("Expected data manipulation")
	return nil
}

// tableRef reads "table" or "table"."index" and refuses aliases.
func (p *parser) tableRef(allowIndex bool) (string, string) {
	t := p.peek()
	if t.kind != tokIdent && t.kind != tokQuoted || t.kind == tokIdent && keywords[strings.ToUpper(t.text)] {
		if t.kind == tokEOF || t.kind == tokPunct || t.kind == tokIdent {
			p.syntax("Expected identifier for simple path")
		}
		p.unexpected()
	}
	p.pos++
	table, index := t.text, ""
	if p.acceptPunct(".") {
		i := p.next()
		if i.kind != tokIdent && i.kind != tokQuoted {
			p.syntax("Expected identifier for simple path")
		}
		if !allowIndex {
			p.syntax("Unexpected token after expression")
		}
		index = i.text
	}
	if n := p.peek(); n.keyword("AS") || n.kind == tokIdent && !keywords[strings.ToUpper(n.text)] || n.kind == tokQuoted {
		p.fail("Aliasing is not supported")
	}
	return table, index
}

func (p *parser) selectStmt() *Statement {
	st := &Statement{Kind: Select}
	if !p.acceptPunct("*") {
		for {
			if t := p.peek(); t.kind == tokIdent && p.toks[p.pos+1].kind == tokPunct && p.toks[p.pos+1].text == "(" {
				p.fail("Unsupported operation: " + strings.ToUpper(t.text) + " function is not supported in projection")
			}
			st.Projection = append(st.Projection, p.path())
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if !p.acceptKeyword("FROM") {
		p.unexpected()
	}
	if p.peek().kind == tokEOF {
		p.syntax("Unexpected term")
	}
	st.Table, st.Index = p.tableRef(true)
	if p.acceptKeyword("WHERE") {
		st.Where = p.condition()
	}
	return st
}

func (p *parser) insertStmt() *Statement {
	st := &Statement{Kind: Insert}
	p.expectKeyword("INTO")
	st.Table, _ = p.tableRef(false)
	if p.peek().keyword("VALUES") {
		p.syntax("Unexpected keyword")
	}
	p.expectKeyword("VALUE")
	v := p.literal()
	if v.M == nil {
		p.syntax("Expected a tuple in VALUE")
	}
	st.Item = v.M
	return st
}

func (p *parser) updateStmt() *Statement {
	st := &Statement{Kind: Update}
	st.Table, _ = p.tableRef(false)
	for {
		switch {
		case p.acceptKeyword("SET"):
			for {
				path := p.path()
				p.expectPunct("=")
				st.Actions = append(st.Actions, expr.Action{Kind: "SET", Path: path, Value: p.setValue()})
				if !p.acceptPunct(",") {
					break
				}
			}
			continue
		case p.acceptKeyword("REMOVE"):
			for {
				st.Actions = append(st.Actions, expr.Action{Kind: "REMOVE", Path: p.path()})
				if !p.acceptPunct(",") {
					break
				}
			}
			continue
		}
		break
	}
	if len(st.Actions) == 0 {
		p.unexpected()
	}
	if p.acceptKeyword("WHERE") {
		st.Where = p.condition()
	}
	return st
}

func (p *parser) deleteStmt() *Statement {
	st := &Statement{Kind: Delete}
	p.expectKeyword("FROM")
	st.Table, _ = p.tableRef(false)
	if p.acceptKeyword("WHERE") {
		st.Where = p.condition()
	}
	return st
}

// setValue reads the right side of SET: an operand, a sum or difference
// of two, or list_append(a, b).
func (p *parser) setValue() *expr.Node {
	var a *expr.Node
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, "list_append") && p.toks[p.pos+1].text == "(" {
		p.pos += 2
		x := p.operand()
		p.expectPunct(",")
		y := p.operand()
		p.expectPunct(")")
		a = &expr.Node{Op: expr.OpFunc, Func: "list_append", Args: []*expr.Node{x, y}}
	} else {
		a = p.operand()
	}
	switch {
	case p.acceptPunct("+"):
		return &expr.Node{Op: expr.OpPlus, Args: []*expr.Node{a, p.operand()}}
	case p.acceptPunct("-"):
		return &expr.Node{Op: expr.OpMinus, Args: []*expr.Node{a, p.operand()}}
	}
	return a
}

func (p *parser) condition() *expr.Node {
	if t := p.peek(); t.kind == tokEOF || t.kind == tokPunct && t.text == ";" {
		p.syntax("Unexpected term")
	}
	n := p.and()
	for p.acceptKeyword("OR") {
		n = &expr.Node{Op: expr.OpOr, Args: []*expr.Node{n, p.rhs(p.and)}}
	}
	return n
}

// rhs parses the right operand of AND or OR.
func (p *parser) rhs(f func() *expr.Node) *expr.Node {
	if t := p.peek(); t.kind == tokEOF || t.kind == tokPunct && t.text == ";" {
		p.syntax("Missing right-hand side expression of infix operator")
	}
	return f()
}

func (p *parser) and() *expr.Node {
	n := p.not()
	for p.acceptKeyword("AND") {
		n = &expr.Node{Op: expr.OpAnd, Args: []*expr.Node{n, p.rhs(p.not)}}
	}
	return n
}

func (p *parser) not() *expr.Node {
	if p.acceptKeyword("NOT") {
		if p.peek().kind == tokEOF {
			p.syntax("Unexpected term")
		}
		return &expr.Node{Op: expr.OpNot, Args: []*expr.Node{p.not()}}
	}
	return p.predicate()
}

var comparators = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

var conditionFuncs = map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
	"begins_with": 2, "contains": 2}

func (p *parser) predicate() *expr.Node {
	if p.acceptPunct("(") {
		if p.peek().kind == tokEOF {
			p.syntax("Unexpected term")
		}
		n := p.condition()
		p.expectPunct(")")
		return n
	}
	t := p.peek()
	if t.kind == tokIdent {
		if argc, ok := conditionFuncs[strings.ToLower(t.text)]; ok && p.toks[p.pos+1].text == "(" {
			p.pos += 2
			args := []*expr.Node{p.operand()}
			for i := 1; i < argc; i++ {
				p.expectPunct(",")
				args = append(args, p.operand())
			}
			p.expectPunct(")")
			if args[0].Op != expr.OpPath {
				p.syntax("Expected a path as the first argument of " + strings.ToLower(t.text))
			}
			return &expr.Node{Op: expr.OpFunc, Func: strings.ToLower(t.text), Args: args}
		}
	}
	a := p.operand()
	c := p.peek()
	switch {
	case c.kind == tokPunct && comparators[c.text] != "":
		p.pos++
		return &expr.Node{Op: expr.OpCompare, Cmp: comparators[c.text], Args: []*expr.Node{a, p.operand()}}
	case c.keyword("BETWEEN"):
		p.pos++
		lo := p.operand()
		p.expectKeyword("AND")
		return &expr.Node{Op: expr.OpBetween, Args: []*expr.Node{a, lo, p.operand()}}
	case c.keyword("IN"):
		p.pos++
		closer := "]"
		if p.acceptPunct("(") {
			closer = ")"
		} else {
			p.expectPunct("[")
		}
		args := []*expr.Node{a}
		for {
			args = append(args, p.operand())
			if !p.acceptPunct(",") {
				break
			}
		}
		p.expectPunct(closer)
		return &expr.Node{Op: expr.OpIn, Args: args}
	case c.keyword("IS"):
		p.pos++
		negate := p.acceptKeyword("NOT")
		var n *expr.Node
		switch {
		case p.acceptKeyword("MISSING"):
			if a.Op != expr.OpPath {
				p.fail("Unsupported operation: IS MISSING on a value")
			}
			n = &expr.Node{Op: expr.OpFunc, Func: "attribute_not_exists", Args: []*expr.Node{a}}
		case p.acceptKeyword("NULL"):
			null := "NULL"
			n = &expr.Node{Op: expr.OpFunc, Func: "attribute_type", Args: []*expr.Node{a, {Op: expr.OpValue, Value: &api.AttributeValue{S: &null}}}}
		default:
			p.syntax("Expected type name")
		}
		if negate {
			n = &expr.Node{Op: expr.OpNot, Args: []*expr.Node{n}}
		}
		return n
	case c.keyword("LIKE"):
		p.fail("Unsupported operation: LIKE")
	}
	p.syntax("Expected a comparison")
	return nil
}

// operand reads a path, a literal, a ? parameter or size(path).
func (p *parser) operand() *expr.Node {
	t := p.peek()
	switch {
	case t.kind == tokParam:
		p.pos++
		v := p.param()
		return &expr.Node{Op: expr.OpValue, Value: &v, Ref: "?"}
	case t.kind == tokIdent && strings.EqualFold(t.text, "size") && p.toks[p.pos+1].text == "(":
		p.pos += 2
		arg := &expr.Node{Op: expr.OpPath, Path: p.path()}
		p.expectPunct(")")
		return &expr.Node{Op: expr.OpFunc, Func: "size", Args: []*expr.Node{arg}}
	case t.kind == tokIdent && !keywords[strings.ToUpper(t.text)], t.kind == tokQuoted:
		path := p.path()
		return &expr.Node{Op: expr.OpPath, Path: path, Ref: path.String()}
	}
	v := p.literal()
	return &expr.Node{Op: expr.OpValue, Value: &v}
}

func (p *parser) param() api.AttributeValue {
	i := p.used
	p.used++
	if i < len(p.params) {
		return p.params[i]
	}
	null := true
	return api.AttributeValue{NULL: &null}
}

// path reads a document path: name(.name | [index])*.
func (p *parser) path() expr.Path {
	var path expr.Path
	t := p.next()
	if t.kind == tokIdent && keywords[strings.ToUpper(t.text)] {
		p.pos--
		p.unexpected()
	}
	if t.kind != tokIdent && t.kind != tokQuoted {
		p.pos--
		p.syntax("Expected identifier for simple path")
	}
	path = append(path, expr.PathElem{Name: t.text})
	for {
		switch {
		case p.acceptPunct("."):
			n := p.next()
			if n.kind != tokIdent && n.kind != tokQuoted {
				p.syntax("Expected identifier for simple path")
			}
			path = append(path, expr.PathElem{Name: n.text})
		case p.acceptPunct("["):
			n := p.next()
			idx, err := strconv.Atoi(n.text)
			if n.kind != tokNumber || err != nil || idx < 0 {
				p.syntax("Expected a list index")
			}
			p.expectPunct("]")
			path = append(path, expr.PathElem{Index: idx, IsIndex: true})
		default:
			return path
		}
	}
}

// literal reads a value: 'string', number, TRUE, FALSE, NULL, ?, a map
// {'k': v}, a list [v] or a set <<v>>.
func (p *parser) literal() api.AttributeValue {
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.pos++
		s := t.text
		return api.AttributeValue{S: &s}
	case t.kind == tokNumber, t.kind == tokPunct && t.text == "-" && p.toks[p.pos+1].kind == tokNumber:
		p.pos++
		text := t.text
		if t.text == "-" {
			text = "-" + p.next().text
		}
		n, err := expr.Normalize(text)
		if err != nil {
			if err == expr.ErrNotNumber {
				p.syntax("")
			}
			p.fail(err.Error())
		}
		return api.AttributeValue{N: &n}
	case t.kind == tokParam:
		p.pos++
		return p.param()
	case t.keyword("TRUE"), t.keyword("FALSE"):
		p.pos++
		b := strings.EqualFold(t.text, "TRUE")
		return api.AttributeValue{BOOL: &b}
	case t.keyword("NULL"):
		p.pos++
		b := true
		return api.AttributeValue{NULL: &b}
	case t.kind == tokPunct && t.text == "{":
		p.pos++
		m := map[string]api.AttributeValue{}
		if !p.acceptPunct("}") {
			for {
				k := p.next()
				if k.kind != tokString {
					p.pos--
					p.syntax("Expected a string key in a tuple")
				}
				p.expectPunct(":")
				m[k.text] = p.literal()
				if !p.acceptPunct(",") {
					break
				}
			}
			p.expectPunct("}")
		}
		return api.AttributeValue{M: m}
	case t.kind == tokPunct && t.text == "[":
		p.pos++
		l := []api.AttributeValue{}
		if !p.acceptPunct("]") {
			for {
				l = append(l, p.literal())
				if !p.acceptPunct(",") {
					break
				}
			}
			p.expectPunct("]")
		}
		return api.AttributeValue{L: l}
	case t.kind == tokPunct && t.text == "<<":
		p.pos++
		var vals []api.AttributeValue
		for {
			vals = append(vals, p.literal())
			if !p.acceptPunct(",") {
				break
			}
		}
		p.expectPunct(">>")
		return p.set(vals)
	}
	p.unexpected()
	return api.AttributeValue{}
}

// set builds a string, number or binary set from literal members of one
// type.
func (p *parser) set(vals []api.AttributeValue) api.AttributeValue {
	var out api.AttributeValue
	for _, v := range vals {
		switch {
		case v.S != nil && out.NS == nil && out.BS == nil:
			out.SS = append(out.SS, *v.S)
		case v.N != nil && out.SS == nil && out.BS == nil:
			out.NS = append(out.NS, *v.N)
		case v.B != nil && out.SS == nil && out.NS == nil:
			out.BS = append(out.BS, v.B)
		default:
			p.fail("Unsupported operation: a set of mixed or non-scalar types")
		}
	}
	return out
}
