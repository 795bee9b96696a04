package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// MaxExpressionSize is the largest expression string DynamoDB accepts, in
// bytes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
const MaxExpressionSize = 4096

// Error is an expression error; Msg is DynamoDB's message without the
// "Invalid <Parameter>: " prefix the caller adds.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Env holds a request's ExpressionAttributeNames and Values and records
// which of them the parsed expressions used.
type Env struct {
	Names      map[string]string
	Values     map[string]api.AttributeValue
	UsedNames  map[string]bool
	UsedValues map[string]bool
}

// PathElem is one step of a document path: a map key or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c.
type Path []PathElem

// String renders the path as AWS prints it in messages: [a, b, [2]].
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.IsIndex {
			parts[i] = "[" + strconv.Itoa(e.Index) + "]"
		} else {
			parts[i] = e.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Op is the kind of an expression node.
type Op int

// Node kinds.
const (
	OpPath Op = iota
	OpValue
	OpAnd
	OpOr
	OpNot
	OpCompare // Cmp holds the comparator
	OpBetween
	OpIn
	OpFunc // Func names the function
	OpPlus
	OpMinus
)

// Node is a node of a parsed expression.
type Node struct {
	Op    Op
	Cmp   string
	Func  string
	Args  []*Node
	Path  Path
	Value *api.AttributeValue
	// Ref is the source text of a path or value operand, for messages.
	Ref string
}

// Action is one action of an update expression.
type Action struct {
	// Kind is "SET", "REMOVE", "ADD" or "DELETE".
	Kind  string
	Path  Path
	Value *Node
}

// Update is a parsed update expression.
type Update struct {
	Actions []Action
}

type parser struct {
	src    string
	toks   []token
	pos    int
	env    *Env
	semErr *Error
}

type syntaxError struct{ err *Error }

func newParser(src string, env *Env) (*parser, *Error) {
	if strings.TrimSpace(src) == "" {
		return nil, errorf("The expression can not be empty;")
	}
	if len(src) > MaxExpressionSize {
		return nil, errorf("Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	if env == nil {
		env = &Env{}
	}
	if env.UsedNames == nil {
		env.UsedNames = map[string]bool{}
	}
	if env.UsedValues == nil {
		env.UsedValues = map[string]bool{}
	}
	return &parser{src: src, toks: lex(src), env: env}, nil
}

// run calls f, turning a syntax-error panic into its error; semantic
// errors found on the way are reported only when the syntax is valid.
func (p *parser) run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			err = se.err
		}
	}()
	f()
	if p.semErr != nil {
		return p.semErr
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tkEOF {
		p.pos++
	}
	return t
}

// fail reports a syntax error at the current token, with AWS's "near"
// window: the source from the previous token to the next one.
func (p *parser) fail() {
	t := p.toks[p.pos]
	start := t.start
	if p.pos > 0 {
		start = p.toks[p.pos-1].start
	}
	end := t.end
	if t.kind != tkEOF && p.pos+1 < len(p.toks) {
		end = p.toks[p.pos+1].end
	}
	panic(syntaxError{errorf("Syntax error; token: %q, near: %q", t.text, p.src[start:end])})
}

func (p *parser) semantic(e *Error) {
	if p.semErr == nil {
		p.semErr = e
	}
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tkPunct && t.text == s
}

func (p *parser) isKeyword(k string) bool {
	t := p.peek()
	return t.kind == tkIdent && strings.EqualFold(t.text, k)
}

func (p *parser) expectPunct(s string) {
	if !p.isPunct(s) {
		p.fail()
	}
	p.next()
}

// ParseCondition parses a condition (ConditionExpression, FilterExpression
// or KeyConditionExpression).
func ParseCondition(src string, env *Env) (*Node, error) {
	p, e := newParser(src, env)
	if e != nil {
		return nil, e
	}
	var n *Node
	err := p.run(func() {
		n = p.condition()
		if p.peek().kind != tkEOF {
			p.fail()
		}
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ParseProjection parses a ProjectionExpression: document paths separated
// by commas.
func ParseProjection(src string, env *Env) ([]Path, error) {
	p, e := newParser(src, env)
	if e != nil {
		return nil, e
	}
	var paths []Path
	err := p.run(func() {
		for {
			paths = append(paths, p.path())
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		if p.peek().kind != tkEOF {
			p.fail()
		}
	})
	if err != nil {
		return nil, err
	}
	if err := checkOverlap(paths); err != nil {
		return nil, err
	}
	return paths, nil
}

// ParseUpdate parses an UpdateExpression.
func ParseUpdate(src string, env *Env) (*Update, error) {
	p, e := newParser(src, env)
	if e != nil {
		return nil, e
	}
	u := &Update{}
	err := p.run(func() {
		seen := map[string]bool{}
		for p.peek().kind != tkEOF {
			t := p.peek()
			kind := strings.ToUpper(t.text)
			if t.kind != tkIdent || (kind != "SET" && kind != "REMOVE" && kind != "ADD" && kind != "DELETE") {
				p.fail()
			}
			p.next()
			if seen[kind] {
				p.semantic(errorf("The %q section can only be used once in an update expression;", kind))
			}
			seen[kind] = true
			for {
				a := Action{Kind: kind, Path: p.path()}
				switch kind {
				case "SET":
					p.expectPunct("=")
					a.Value = p.setValue()
				case "ADD", "DELETE":
					a.Value = p.valueOperand()
					p.checkAddDelete(kind, a.Value)
				}
				u.Actions = append(u.Actions, a)
				if !p.isPunct(",") {
					break
				}
				p.next()
			}
		}
	})
	if err != nil {
		return nil, err
	}
	paths := make([]Path, len(u.Actions))
	for i, a := range u.Actions {
		paths[i] = a.Path
	}
	if err := checkOverlap(paths); err != nil {
		return nil, err
	}
	return u, nil
}

func (p *parser) checkAddDelete(kind string, v *Node) {
	if v.Value == nil {
		return
	}
	t := TypeOf(v.Value)
	ok := t == "SS" || t == "NS" || t == "BS" || (kind == "ADD" && t == "N")
	if !ok {
		p.semantic(errorf("Incorrect operand type for operator or function; operator: %s, operand type: %s, typeSet: ALLOWED_FOR_%s_OPERAND", kind, typeNames[t], kind))
	}
}

// checkOverlap reports two paths of which one is a prefix of the other
// (overlap) or which differ in kind at the same step (conflict).
func checkOverlap(paths []Path) error {
	for i := 0; i < len(paths); i++ {
		for j := i + 1; j < len(paths); j++ {
			a, b := paths[i], paths[j]
			n := min(len(a), len(b))
			k := 0
			for k < n && a[k] == b[k] {
				k++
			}
			if k == n {
				return errorf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
			if a[k].IsIndex != b[k].IsIndex {
				return errorf("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return nil
}

func (p *parser) setValue() *Node {
	left := p.setOperand()
	if p.isPunct("+") || p.isPunct("-") {
		op := OpPlus
		name := "+"
		if p.next().text == "-" {
			op, name = OpMinus, "-"
		}
		right := p.setOperand()
		for _, n := range []*Node{left, right} {
			if n.Value != nil && TypeOf(n.Value) != "N" {
				p.semantic(errorf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", name, TypeOf(n.Value)))
			}
		}
		return &Node{Op: op, Args: []*Node{left, right}}
	}
	return left
}

func (p *parser) setOperand() *Node {
	t := p.peek()
	if t.kind == tkIdent && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(" && p.toks[p.pos+1].kind == tkPunct {
		name := t.text
		p.next()
		p.next()
		var args []*Node
		switch name {
		case "if_not_exists":
			args = append(args, p.operandPath())
			p.expectPunct(",")
			args = append(args, p.setOperand())
		case "list_append":
			args = append(args, p.setOperand())
			p.expectPunct(",")
			args = append(args, p.setOperand())
			for _, a := range args {
				if a.Value != nil && TypeOf(a.Value) != "L" {
					p.semantic(errorf("Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", TypeOf(a.Value)))
				}
			}
		default:
			if isConditionFunc(name) {
				p.semantic(errorf("The function is not allowed in an update expression; function: %s", name))
			} else {
				p.semantic(errorf("Invalid function name; function: %s", name))
			}
			args = p.anyArgs()
			p.expectPunct(")")
			return &Node{Op: OpFunc, Func: name, Args: args}
		}
		p.expectPunct(")")
		return &Node{Op: OpFunc, Func: name, Args: args}
	}
	return p.operand(false)
}

// anyArgs parses the arguments of a function that is reported as an
// error anyway, so that later syntax errors still come first.
func (p *parser) anyArgs() []*Node {
	var args []*Node
	if p.isPunct(")") {
		return nil
	}
	for {
		args = append(args, p.operand(true))
		if !p.isPunct(",") {
			return args
		}
		p.next()
	}
}

func (p *parser) valueOperand() *Node {
	if p.peek().kind != tkValue {
		p.fail()
	}
	return p.operand(false)
}

func (p *parser) operandPath() *Node {
	t := p.peek()
	if t.kind != tkIdent && t.kind != tkName {
		p.fail()
	}
	return p.operand(false)
}

// condition := and (OR and)*
func (p *parser) condition() *Node {
	n := p.and()
	for p.isKeyword("OR") {
		p.next()
		n = &Node{Op: OpOr, Args: []*Node{n, p.and()}}
	}
	return n
}

func (p *parser) and() *Node {
	n := p.not()
	for p.isKeyword("AND") {
		p.next()
		n = &Node{Op: OpAnd, Args: []*Node{n, p.not()}}
	}
	return n
}

func (p *parser) not() *Node {
	if p.isKeyword("NOT") {
		p.next()
		return &Node{Op: OpNot, Args: []*Node{p.not()}}
	}
	return p.predicate()
}

var comparators = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

func isConditionFunc(name string) bool {
	switch name {
	case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains":
		return true
	}
	return false
}

func (p *parser) predicate() *Node {
	if p.isPunct("(") {
		p.next()
		n := p.condition()
		p.expectPunct(")")
		return n
	}
	t := p.peek()
	if t.kind == tkIdent && p.toks[p.pos+1].kind == tkPunct && p.toks[p.pos+1].text == "(" && t.text != "size" {
		return p.function()
	}
	left := p.operand(true)
	switch {
	case p.peek().kind == tkPunct && comparators[p.peek().text]:
		cmp := p.next().text
		right := p.operand(true)
		return &Node{Op: OpCompare, Cmp: cmp, Args: []*Node{left, right}}
	case p.isKeyword("BETWEEN"):
		p.next()
		lo := p.operand(true)
		if !p.isKeyword("AND") {
			p.fail()
		}
		p.next()
		hi := p.operand(true)
		if lo.Value != nil && hi.Value != nil {
			if c, ok := Compare(lo.Value, hi.Value); ok && c > 0 {
				p.semantic(errorf("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}", describe(lo.Value), describe(hi.Value)))
			} else if !ok {
				p.semantic(errorf("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}", describe(lo.Value), describe(hi.Value)))
			}
		}
		return &Node{Op: OpBetween, Args: []*Node{left, lo, hi}}
	case p.isKeyword("IN"):
		p.next()
		p.expectPunct("(")
		args := []*Node{left}
		for {
			args = append(args, p.operand(true))
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")")
		if len(args)-1 > 100 {
			p.semantic(errorf("The IN operator is provided with too many operands; number of operands: %d", len(args)-1))
		}
		return &Node{Op: OpIn, Args: args}
	}
	if left.Op == OpFunc {
		p.semantic(errorf("The function is not allowed to be used this way in an expression; function: %s", left.Func))
	}
	p.fail()
	return nil
}

// describe renders a value as AWS's BETWEEN messages do, e.g. "N:5".
func describe(v *api.AttributeValue) string {
	switch TypeOf(v) {
	case "S":
		return "S:" + *v.S
	case "N":
		return "N:" + *v.N
	}
	return TypeOf(v)
}

// function parses a condition function call: attribute_exists(path),
// attribute_not_exists(path), attribute_type(path, :t), begins_with(a, b),
// contains(a, b).
func (p *parser) function() *Node {
	name := p.next().text
	p.next()
	var args []*Node
	if !p.isPunct(")") {
		for {
			args = append(args, p.operand(true))
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	p.expectPunct(")")
	n := &Node{Op: OpFunc, Func: name, Args: args}
	want := 2
	switch name {
	case "attribute_exists", "attribute_not_exists":
		want = 1
	case "attribute_type", "begins_with", "contains":
	case "if_not_exists", "list_append":
		p.semantic(errorf("The function is not allowed in a condition expression; function: %s", name))
		return n
	default:
		p.semantic(errorf("Invalid function name; function: %s", name))
		return n
	}
	if len(args) != want {
		p.semantic(errorf("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args)))
		return n
	}
	if args[0].Op != OpPath {
		p.semantic(errorf("Operator or function requires a document path; operator or function: %s", name))
	}
	switch name {
	case "attribute_type":
		if v := args[1].Value; v != nil {
			if TypeOf(v) != "S" {
				p.semantic(errorf("Incorrect operand type for operator or function; operator or function: attribute_type, operand type: %s", TypeOf(v)))
			} else if !validTypeName(*v.S) {
				p.semantic(errorf("Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", *v.S))
			}
		}
	case "begins_with":
		for _, a := range args {
			if a.Value != nil && TypeOf(a.Value) != "S" && TypeOf(a.Value) != "B" {
				p.semantic(errorf("Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", TypeOf(a.Value)))
			}
		}
	}
	return n
}

func validTypeName(s string) bool {
	switch s {
	case "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL":
		return true
	}
	return false
}

// operand parses a path, a :value or (in conditions) size(path).
func (p *parser) operand(allowSize bool) *Node {
	t := p.peek()
	switch t.kind {
	case tkValue:
		p.next()
		v, ok := p.env.Values[t.text]
		if !ok {
			p.semantic(errorf("An expression attribute value used in expression is not defined; attribute value: %s", t.text))
			return &Node{Op: OpValue, Value: &api.AttributeValue{NULL: new(bool)}, Ref: t.text}
		}
		p.env.UsedValues[t.text] = true
		return &Node{Op: OpValue, Value: &v, Ref: t.text}
	case tkIdent:
		if allowSize && p.toks[p.pos+1].kind == tkPunct && p.toks[p.pos+1].text == "(" {
			name := t.text
			p.next()
			p.next()
			args := p.anyArgs()
			p.expectPunct(")")
			n := &Node{Op: OpFunc, Func: name, Args: args}
			switch {
			case name != "size" && isConditionFunc(name):
				p.semantic(errorf("The function is not allowed to be used this way in an expression; function: %s", name))
			case name != "size":
				p.semantic(errorf("Invalid function name; function: %s", name))
			case len(args) != 1:
				p.semantic(errorf("Incorrect number of operands for operator or function; operator or function: size, number of operands: %d", len(args)))
			case args[0].Op != OpPath:
				p.semantic(errorf("Operator or function requires a document path; operator or function: size"))
			}
			return n
		}
		start := p.pos
		path := p.path()
		return &Node{Op: OpPath, Path: path, Ref: p.src[p.toks[start].start:p.toks[p.pos-1].end]}
	case tkName:
		start := p.pos
		path := p.path()
		return &Node{Op: OpPath, Path: path, Ref: p.src[p.toks[start].start:p.toks[p.pos-1].end]}
	}
	p.fail()
	return nil
}

// path parses name ( '.' name | '[' n ']' )*.
func (p *parser) path() Path {
	var path Path
	path = append(path, p.pathName())
	for {
		switch {
		case p.isPunct("."):
			p.next()
			path = append(path, p.pathName())
		case p.isPunct("["):
			p.next()
			t := p.peek()
			if t.kind != tkNumber {
				p.fail()
			}
			p.next()
			n, err := strconv.Atoi(t.text)
			if err != nil || n > 1<<30 {
				p.semantic(errorf("List index is not within the allowable range; index: [%s]", t.text))
			}
			p.expectPunct("]")
			path = append(path, PathElem{Index: n, IsIndex: true})
		default:
			if len(path) > 32 {
				p.semantic(errorf("The document path has too many nesting levels; nesting levels: %d", len(path)))
			}
			return path
		}
	}
}

func (p *parser) pathName() PathElem {
	t := p.peek()
	switch t.kind {
	case tkIdent:
		p.next()
		if IsReserved(t.text) {
			p.semantic(errorf("Attribute name is a reserved keyword; reserved keyword: %s", t.text))
		}
		return PathElem{Name: t.text}
	case tkName:
		p.next()
		name, ok := p.env.Names[t.text]
		if !ok {
			p.semantic(errorf("An expression attribute name used in the document path is not defined; attribute name: %s", t.text))
		}
		p.env.UsedNames[t.text] = true
		return PathElem{Name: name}
	}
	p.fail()
	return PathElem{}
}
