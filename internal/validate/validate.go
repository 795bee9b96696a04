// Package validate checks an input tree against its model's constraints:
// required members, enums, lengths, ranges and patterns.
package validate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/model"
)

// Violation is one failed constraint.
type Violation struct {
	// Path locates the value, as AWS prints it: member names with a lower
	// first letter joined by ".", list positions as ".member.N" (1-based).
	Path string
	// Member is the member name as the model spells it.
	Member string
	// Kind is "required", "enum", "length", "range" or "pattern".
	Kind string
	// Value is the offending value (nil for a missing one).
	Value any
	// Constraint is AWS's wording of the constraint, e.g. "Member must not
	// be null".
	Constraint string
}

// Message returns the violation in AWS's standard wording:
// "Value 'x' at 'path' failed to satisfy constraint: ...".
func (v Violation) Message() string {
	val := "null"
	if v.Value != nil {
		val = "'" + fmt.Sprint(v.Value) + "'"
	}
	return fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", val, v.Path, v.Constraint)
}

// Summary joins violations as AWS's ValidationException message does:
// "N validation error(s) detected: msg; msg".
func Summary(vs []Violation) string {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message()
	}
	noun := "errors"
	if len(vs) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(msgs, "; "))
}

// Options tune which constraints are checked.
type Options struct {
	// SkipPatterns disables pattern checks (services whose patterns are
	// documentation rather than enforced).
	SkipPatterns bool
	// SkipEnums disables enum checks (services that accept unknown values).
	SkipEnums bool
}

// Check returns the violations of tree against shape, at most 10 as AWS
// reports.
func Check(shape *model.Shape, tree map[string]any, opt Options) []Violation {
	if !constrained(shape, opt) {
		return nil
	}
	c := checker{opt: opt}
	c.structure(shape, tree, "")
	return c.out
}

type checker struct {
	opt Options
	out []Violation
}

// constrainedKey is a shape checked under some options.
type constrainedKey struct {
	shape *model.Shape
	opt   Options
}

// constrainedShapes caches constrained: constrainedKey -> bool.
var constrainedShapes sync.Map

// constrained reports whether any value of shape can violate a constraint
// that opt checks: whether it, or any shape reachable from it, has required
// members, an enum, a length or range bound, or a pattern. Check skips the
// values of unconstrained shapes (most of them), so a request pays only for
// the members that have something to check.
func constrained(s *model.Shape, opt Options) bool {
	key := constrainedKey{s, opt}
	if v, ok := constrainedShapes.Load(key); ok {
		return v.(bool)
	}
	v := reachesConstraint(s, opt, map[*model.Shape]bool{})
	constrainedShapes.Store(key, v)
	return v
}

// reachesConstraint is constrained without the cache; seen breaks cycles of
// recursive shapes (a shape on the current path adds nothing new).
func reachesConstraint(s *model.Shape, opt Options, seen map[*model.Shape]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	switch s.Type {
	case "structure":
		if s.Document {
			return false
		}
		if len(s.Required) > 0 {
			return true
		}
		for _, mem := range s.Members {
			if reachesConstraint(mem.Shape, opt, seen) {
				return true
			}
		}
		return false
	case "list":
		return s.Min != nil || s.Max != nil || (s.Member != nil && reachesConstraint(s.Member.Shape, opt, seen))
	case "map":
		return s.Min != nil || s.Max != nil ||
			(s.Key != nil && reachesConstraint(s.Key.Shape, opt, seen)) ||
			(s.Value != nil && reachesConstraint(s.Value.Shape, opt, seen))
	case "string":
		return (len(s.Enum) > 0 && !opt.SkipEnums) || s.Min != nil || s.Max != nil ||
			(s.Pattern != "" && !opt.SkipPatterns)
	case "blob", "integer", "long", "float", "double":
		return s.Min != nil || s.Max != nil
	}
	return false
}

const maxViolations = 10

func (c *checker) add(v Violation) {
	if len(c.out) < maxViolations {
		c.out = append(c.out, v)
	}
}

func join(path, name string) string {
	if path == "" {
		return model.LowerFirst(name)
	}
	return path + "." + model.LowerFirst(name)
}

func (c *checker) structure(s *model.Shape, tree map[string]any, path string) {
	for _, mem := range s.Members {
		v, ok := tree[mem.Name]
		if !ok || v == nil {
			if s.IsRequired(mem.Name) {
				c.add(Violation{Path: join(path, mem.Name), Member: mem.Name, Kind: "required", Constraint: "Member must not be null"})
			}
			continue
		}
		if constrained(mem.Shape, c.opt) {
			c.value(mem.Shape, v, join(path, mem.Name), mem.Name)
		}
	}
}

func (c *checker) value(s *model.Shape, v any, path, member string) {
	switch s.Type {
	case "structure":
		if m, ok := v.(map[string]any); ok && !s.Document {
			c.structure(s, m, path)
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return
		}
		c.length(s, len(l), v, path, member)
		for i, e := range l {
			c.value(s.Member.Shape, e, path+".member."+strconv.Itoa(i+1), member)
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		c.length(s, len(m), v, path, member)
		for k, e := range m {
			c.value(s.Key.Shape, k, path+".key", member)
			c.value(s.Value.Shape, e, path+".value", member)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return
		}
		if len(s.Enum) > 0 && !c.opt.SkipEnums && !contains(s.Enum, str) {
			c.add(Violation{Path: path, Member: member, Kind: "enum", Value: str,
				Constraint: "Member must satisfy enum value set: [" + strings.Join(s.Enum, ", ") + "]"})
			return
		}
		c.length(s, utf8.RuneCountInString(str), str, path, member)
		if s.Pattern != "" && !c.opt.SkipPatterns {
			if re := compile(s.Pattern); re != nil && !re.MatchString(str) {
				c.add(Violation{Path: path, Member: member, Kind: "pattern", Value: str,
					Constraint: "Member must satisfy regular expression pattern: " + s.Pattern})
			}
		}
	case "blob":
		if b, ok := v.([]byte); ok {
			c.length(s, len(b), nil, path, member)
		}
	case "integer", "long", "float", "double":
		var f float64
		switch n := v.(type) {
		case int64:
			f = float64(n)
		case float64:
			f = n
		default:
			return
		}
		if s.Min != nil && f < *s.Min {
			c.add(Violation{Path: path, Member: member, Kind: "range", Value: v,
				Constraint: "Member must have value greater than or equal to " + num(*s.Min)})
		} else if s.Max != nil && f > *s.Max {
			c.add(Violation{Path: path, Member: member, Kind: "range", Value: v,
				Constraint: "Member must have value less than or equal to " + num(*s.Max)})
		}
	}
}

func (c *checker) length(s *model.Shape, n int, v any, path, member string) {
	if s.Min != nil && float64(n) < *s.Min {
		c.add(Violation{Path: path, Member: member, Kind: "length", Value: v,
			Constraint: "Member must have length greater than or equal to " + num(*s.Min)})
	} else if s.Max != nil && float64(n) > *s.Max {
		c.add(Violation{Path: path, Member: member, Kind: "length", Value: v,
			Constraint: "Member must have length less than or equal to " + num(*s.Max)})
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

var patterns sync.Map // pattern -> *regexp.Regexp (nil when Go cannot compile it)

// compile returns the model pattern as a Go regexp matching the whole
// value, as AWS services apply their patterns (STS rejects "a b" for
// [\w+=,.@-]*), or nil when the pattern uses syntax Go's RE2 lacks (then it
// is not enforced).
func compile(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}
