package dynamodb

import (
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodb/expr"
)

// The legacy (pre-expression) parameters are translated into expression
// trees and evaluated by the same code.

// param is one request parameter, named as DynamoDB names it, and whether
// the request set it.
type param struct {
	name string
	set  bool
}

// checkMixed returns DynamoDB's error for a request that sets both legacy
// (non-expression) and expression parameters, listing each kind that is set.
func checkMixed(legacy, expression []param) *awserr.Error {
	if !anySet(legacy) || !anySet(expression) {
		return nil
	}
	var l, e []string
	for _, p := range legacy {
		if p.set {
			l = append(l, p.name)
		}
	}
	for _, p := range expression {
		if p.set {
			e = append(e, p.name)
		}
	}
	if len(l) == 0 || len(e) == 0 {
		return nil
	}
	return validationf("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}", strings.Join(l, ", "), strings.Join(e, ", "))
}

func anySet(params []param) bool {
	for _, p := range params {
		if p.set {
			return true
		}
	}
	return false
}

func legacyAttributes(names []string) []expr.Path {
	out := make([]expr.Path, len(names))
	for i, n := range names {
		out[i] = expr.Path{{Name: n}}
	}
	return out
}

func pathNode(name string) *expr.Node {
	return &expr.Node{Op: expr.OpPath, Path: expr.Path{{Name: name}}, Ref: name}
}

func valueNode(v api.AttributeValue) (*expr.Node, *awserr.Error) {
	if err := validateValue(&v, 1); err != nil {
		return nil, err
	}
	return &expr.Node{Op: expr.OpValue, Value: &v}, nil
}

// legacyCondition builds the node for one ComparisonOperator condition.
func legacyCondition(name, op string, args []api.AttributeValue) (*expr.Node, *awserr.Error) {
	want := map[string]int{"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "NOT_NULL": 0, "NULL": 0,
		"CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1, "BETWEEN": 2}
	n, known := want[op]
	if op == "IN" {
		if len(args) == 0 {
			return nil, invalidParam("Invalid number of argument(s) for the IN ComparisonOperator")
		}
	} else if !known {
		return nil, validationf("1 validation error detected: Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]", op)
	} else if len(args) != n {
		return nil, invalidParam("Invalid number of argument(s) for the %s ComparisonOperator", op)
	}
	vals := make([]*expr.Node, len(args))
	for i, a := range args {
		v, err := valueNode(a)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	p := pathNode(name)
	cmp := map[string]string{"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
	switch op {
	case "EQ", "NE", "LE", "LT", "GE", "GT":
		return &expr.Node{Op: expr.OpCompare, Cmp: cmp[op], Args: []*expr.Node{p, vals[0]}}, nil
	case "NOT_NULL":
		return &expr.Node{Op: expr.OpFunc, Func: "attribute_exists", Args: []*expr.Node{p}}, nil
	case "NULL":
		return &expr.Node{Op: expr.OpFunc, Func: "attribute_not_exists", Args: []*expr.Node{p}}, nil
	case "CONTAINS":
		return &expr.Node{Op: expr.OpFunc, Func: "contains", Args: []*expr.Node{p, vals[0]}}, nil
	case "NOT_CONTAINS":
		c := &expr.Node{Op: expr.OpFunc, Func: "contains", Args: []*expr.Node{p, vals[0]}}
		return &expr.Node{Op: expr.OpAnd, Args: []*expr.Node{
			{Op: expr.OpFunc, Func: "attribute_exists", Args: []*expr.Node{p}},
			{Op: expr.OpNot, Args: []*expr.Node{c}}}}, nil
	case "BEGINS_WITH":
		return &expr.Node{Op: expr.OpFunc, Func: "begins_with", Args: []*expr.Node{p, vals[0]}}, nil
	case "BETWEEN":
		return &expr.Node{Op: expr.OpBetween, Args: []*expr.Node{p, vals[0], vals[1]}}, nil
	}
	return &expr.Node{Op: expr.OpIn, Args: append([]*expr.Node{p}, vals...)}, nil
}

func combine(nodes []*expr.Node, op *string) *expr.Node {
	if len(nodes) == 0 {
		return nil
	}
	kind := expr.OpAnd
	if op != nil && strings.EqualFold(*op, "OR") {
		kind = expr.OpOr
	}
	n := nodes[0]
	for _, m := range nodes[1:] {
		n = &expr.Node{Op: kind, Args: []*expr.Node{n, m}}
	}
	return n
}

// legacyConditions translates KeyConditions, QueryFilter or ScanFilter.
func legacyConditions(conds map[string]api.Condition, op *string) (*expr.Node, *awserr.Error) {
	var nodes []*expr.Node
	for _, name := range sortedKeys(conds) {
		c := conds[name]
		n, err := legacyCondition(name, deref(c.ComparisonOperator), c.AttributeValueList)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return combine(nodes, op), nil
}

// legacyExpected translates an Expected map.
func legacyExpected(exp map[string]api.ExpectedAttributeValue, op *string) (*expr.Node, *awserr.Error) {
	var nodes []*expr.Node
	for _, name := range sortedKeys(exp) {
		e := exp[name]
		switch {
		case e.ComparisonOperator != nil:
			if e.Value != nil {
				return nil, invalidParam("Value and ComparisonOperator cannot be used together for Attribute: %s", name)
			}
			n, err := legacyCondition(name, *e.ComparisonOperator, e.AttributeValueList)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		case e.Exists != nil && !*e.Exists:
			if e.Value != nil {
				return nil, invalidParam("Value cannot be used when Exists is false for Attribute: %s", name)
			}
			nodes = append(nodes, &expr.Node{Op: expr.OpFunc, Func: "attribute_not_exists", Args: []*expr.Node{pathNode(name)}})
		default:
			if e.Value == nil {
				return nil, invalidParam("Value must be provided when Exists is true for Attribute: %s", name)
			}
			v, err := valueNode(*e.Value)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, &expr.Node{Op: expr.OpCompare, Cmp: "=", Args: []*expr.Node{pathNode(name), v}})
		}
	}
	return combine(nodes, op), nil
}

// legacyUpdates translates AttributeUpdates into an update.
func legacyUpdates(upd map[string]api.AttributeValueUpdate) (*expr.Update, *awserr.Error) {
	u := &expr.Update{}
	for _, name := range sortedKeys(upd) {
		a := upd[name]
		action := "PUT"
		if a.Action != nil {
			action = *a.Action
		}
		p := expr.Path{{Name: name}}
		var v *expr.Node
		if a.Value != nil {
			var err *awserr.Error
			if v, err = valueNode(*a.Value); err != nil {
				return nil, err
			}
		}
		switch action {
		case "PUT":
			if v == nil {
				return nil, invalidParam("Only DELETE action is allowed when no attribute value is specified")
			}
			u.Actions = append(u.Actions, expr.Action{Kind: "SET", Path: p, Value: v})
		case "DELETE":
			if v == nil {
				u.Actions = append(u.Actions, expr.Action{Kind: "REMOVE", Path: p})
			} else {
				u.Actions = append(u.Actions, expr.Action{Kind: "DELETE", Path: p, Value: v})
			}
		case "ADD":
			if v == nil {
				return nil, invalidParam("Only DELETE action is allowed when no attribute value is specified")
			}
			u.Actions = append(u.Actions, expr.Action{Kind: "ADD", Path: p, Value: v})
		}
	}
	return u, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
